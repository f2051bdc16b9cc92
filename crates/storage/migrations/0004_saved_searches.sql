-- Saved searches: a person keeps a search (its query string) under a name and runs it again later.
CREATE TABLE saved_searches (
    id ID_PK,
    user_id BIGINT NOT NULL REFERENCES users(id),
    name TEXT NOT NULL,
    query TEXT NOT NULL,
    created_at BIGINT NOT NULL,
    CONSTRAINT saved_searches_name UNIQUE (user_id, name)
);
