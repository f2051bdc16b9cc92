-- Digital signatures: signing keys (personal and agency seal) sealed under a PIN, the
-- signature check of every stored PDF, and the certificate revocation lists fetched.
-- Binary values (certificates, sealed keys, CRLs) are stored as base64 text on both engines.

CREATE TABLE signing_keys (
    id ID_PK,
    owner_user_id BIGINT REFERENCES users(id),
    owner_agency_id BIGINT REFERENCES agencies(id),
    purpose TEXT NOT NULL,
    subject TEXT NOT NULL,
    issuer TEXT NOT NULL,
    serial_hex TEXT NOT NULL,
    fingerprint TEXT NOT NULL,
    not_before BIGINT NOT NULL,
    not_after BIGINT NOT NULL,
    chain_b64 TEXT NOT NULL,
    sealed_key_b64 TEXT NOT NULL,
    image_sha256 TEXT,
    failed_pins BIGINT NOT NULL DEFAULT 0,
    locked_until BIGINT,
    active BIGINT NOT NULL DEFAULT 1,
    created_by BIGINT REFERENCES users(id),
    created_at BIGINT NOT NULL,
    CONSTRAINT signing_keys_owner CHECK ((owner_user_id IS NULL) <> (owner_agency_id IS NULL))
);
CREATE INDEX signing_keys_user_idx ON signing_keys (owner_user_id, active);
CREATE INDEX signing_keys_agency_idx ON signing_keys (owner_agency_id, active);

CREATE TABLE file_signatures (
    sha256 TEXT PRIMARY KEY,
    signature_count BIGINT NOT NULL,
    verdict TEXT NOT NULL,
    report_json TEXT NOT NULL,
    checked_at BIGINT NOT NULL
);

CREATE TABLE crl_cache (
    url TEXT PRIMARY KEY,
    crl_b64 TEXT NOT NULL,
    this_update BIGINT NOT NULL,
    next_update BIGINT,
    fetched_at BIGINT NOT NULL
);

-- Where an outgoing document is in its signing: '' (not signed), 'signed' (the competent
-- person signed the main file), 'sealed' (the organisation signature is on, at issue).
ALTER TABLE documents ADD COLUMN signature_state TEXT NOT NULL DEFAULT '';
