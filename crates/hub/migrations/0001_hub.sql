-- The hub's own schema (separate from egov serve's database).

-- Registered systems: agency nodes and child hubs.
CREATE TABLE hub_systems (
    code TEXT PRIMARY KEY,
    name TEXT NOT NULL,
    kind TEXT NOT NULL,
    certificate BLOB NOT NULL,
    level TEXT,
    parent TEXT,
    endpoint TEXT,
    active BIGINT NOT NULL DEFAULT 1,
    created_at BIGINT NOT NULL,
    updated_at BIGINT NOT NULL
);

-- The message log: one row per accepted package (document or status), kept for evidence.
CREATE TABLE hub_messages (
    id TEXT PRIMARY KEY,
    kind TEXT NOT NULL,
    from_code TEXT NOT NULL,
    document_id TEXT,
    status_code TEXT,
    business TEXT,
    size BIGINT NOT NULL,
    received_from TEXT NOT NULL,
    signer_subject TEXT,
    received_at BIGINT NOT NULL,
    body_deleted_at BIGINT
);
CREATE INDEX hub_messages_document ON hub_messages (document_id, kind);
CREATE INDEX hub_messages_received ON hub_messages (received_at);

-- The exact package bytes, apart from the log row so that scans of the log stay small.
CREATE TABLE hub_bodies (
    id TEXT PRIMARY KEY,
    bytes BLOB NOT NULL
);

-- One delivery per message and target: a system code (node or child hub, pulled) or '@up'
-- (forwarded to the parent hub by this hub's worker).
CREATE TABLE hub_deliveries (
    id ID_PK,
    message_id TEXT NOT NULL,
    target TEXT NOT NULL,
    recipients TEXT NOT NULL,
    created_at BIGINT NOT NULL,
    fetched_at BIGINT,
    acked_at BIGINT,
    attempts BIGINT NOT NULL DEFAULT 0,
    next_attempt_at BIGINT NOT NULL,
    last_error TEXT,
    UNIQUE (message_id, target)
);
CREATE INDEX hub_deliveries_pending ON hub_deliveries (target, acked_at, id);
CREATE INDEX hub_deliveries_acked ON hub_deliveries (acked_at);

-- Every refusal, with its reason (the package bytes are not kept).
CREATE TABLE hub_refusals (
    id ID_PK,
    at BIGINT NOT NULL,
    system TEXT,
    reason TEXT NOT NULL,
    message TEXT NOT NULL,
    package_id TEXT,
    size BIGINT
);
CREATE INDEX hub_refusals_reason ON hub_refusals (reason);

-- Directory entries reported by child hubs (source = the child's code) or fetched from the
-- parent hub (source = '@up').
CREATE TABLE hub_directory (
    source TEXT NOT NULL,
    code TEXT NOT NULL,
    name TEXT NOT NULL,
    level TEXT,
    parent TEXT,
    updated_at BIGINT NOT NULL,
    PRIMARY KEY (source, code)
);
