-- Files uploaded with a form that then failed (a field error, a duplicate warning), kept for the
-- browser session that sent them so the form can offer them again without a new upload. The
-- bytes are in the content-addressed file store already; a row only says that this session may
-- use them. Rows go with their session or after a day (housekeeping).
CREATE TABLE kept_uploads (
    id ID_PK,
    session_id BIGINT NOT NULL,
    sha256 TEXT NOT NULL,
    name TEXT NOT NULL,
    size BIGINT NOT NULL,
    created_at BIGINT NOT NULL
);
CREATE INDEX kept_uploads_session_idx ON kept_uploads (session_id, id);
