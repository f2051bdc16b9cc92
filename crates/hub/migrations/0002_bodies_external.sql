-- engine: postgres
-- Package bodies are signed base64 XML: PostgreSQL's compression gains little on them and costs the
-- accept path most of its time (measured: 208 → 475 packages/s). Store them out of line, uncompressed.
ALTER TABLE hub_bodies ALTER COLUMN bytes SET STORAGE EXTERNAL;
