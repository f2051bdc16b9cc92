-- Electronic exchange: a document that arrived as an edXML package keeps the package's DocumentId, and an
-- agency receives the same package once.
ALTER TABLE documents ADD COLUMN exchange_id TEXT;
CREATE UNIQUE INDEX documents_exchange_key ON documents (agency_id, exchange_id);
