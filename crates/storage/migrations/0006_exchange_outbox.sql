-- The exchange outbox: signed edXML packages (documents and status answers) an agency has to send, written
-- in the same transaction as the change they report; the sender (hub client) takes them from here.
CREATE TABLE exchange_outbox (
    id ID_PK,
    agency_id BIGINT NOT NULL REFERENCES agencies(id),
    kind TEXT NOT NULL,
    to_code TEXT NOT NULL,
    document_id BIGINT REFERENCES documents(id),
    status_code TEXT,
    package TEXT NOT NULL,
    state TEXT NOT NULL DEFAULT 'pending',
    attempts BIGINT NOT NULL DEFAULT 0,
    created_at BIGINT NOT NULL,
    sent_at BIGINT
);
CREATE INDEX exchange_outbox_agency_idx ON exchange_outbox (agency_id, state, id);
