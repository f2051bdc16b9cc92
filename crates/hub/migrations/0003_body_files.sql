-- Where a package's bytes lie when the hub keeps them in segment files (see src/segments.rs)
-- instead of hub_bodies: segment number, byte position and length.
CREATE TABLE hub_body_files (
    id TEXT PRIMARY KEY,
    segment BIGINT NOT NULL,
    byte_offset BIGINT NOT NULL,
    byte_length BIGINT NOT NULL
);
CREATE INDEX hub_body_files_segment ON hub_body_files (segment);
