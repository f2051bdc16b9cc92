-- Official documents: register books and their numbers, incoming and outgoing documents, stored
-- files, access grants, handling (assignments to any depth), the timeline, consultation and
-- approval, inboxes, free internal messages, case files and the full-text index.
-- Sections between `--@sqlite` / `--@postgres` and `--@end` apply to that engine only.

ALTER TABLE agencies ADD COLUMN issuer_notation TEXT;
ALTER TABLE units ADD COLUMN notation TEXT;

CREATE TABLE register_books (
    id ID_PK,
    agency_id BIGINT NOT NULL REFERENCES agencies(id),
    year BIGINT NOT NULL,
    direction TEXT NOT NULL,
    series TEXT NOT NULL,
    name TEXT NOT NULL,
    next_number BIGINT NOT NULL,
    created_at BIGINT NOT NULL,
    CONSTRAINT register_books_key UNIQUE (agency_id, year, direction, series)
);

CREATE TABLE stored_files (
    id ID_PK,
    sha256 TEXT NOT NULL,
    size BIGINT NOT NULL,
    media_type TEXT NOT NULL,
    file_name TEXT NOT NULL,
    page_count BIGINT,
    text_folded TEXT,
    uploaded_by BIGINT REFERENCES users(id),
    created_at BIGINT NOT NULL
);
CREATE INDEX stored_files_sha_idx ON stored_files (sha256);

CREATE TABLE documents (
    id ID_PK,
    agency_id BIGINT NOT NULL REFERENCES agencies(id),
    direction TEXT NOT NULL,
    status TEXT NOT NULL,
    agency_wide BIGINT NOT NULL,
    book_id BIGINT REFERENCES register_books(id),
    book_number BIGINT,
    year BIGINT NOT NULL,
    doc_type TEXT NOT NULL,
    number_notation TEXT,
    issued_on TEXT,
    subject TEXT NOT NULL,
    sender_agency_id BIGINT REFERENCES agencies(id),
    sender_code TEXT,
    sender_name TEXT,
    urgency TEXT NOT NULL,
    secrecy TEXT NOT NULL,
    legal_normative BIGINT NOT NULL,
    deadline TEXT,
    page_count BIGINT,
    signer TEXT,
    unit_id BIGINT REFERENCES units(id),
    recipients_text TEXT,
    received_at BIGINT,
    registered_at BIGINT,
    origin_document_id BIGINT REFERENCES documents(id),
    replaces_id BIGINT REFERENCES documents(id),
    revoked_at BIGINT,
    revoke_reason TEXT,
    version BIGINT NOT NULL,
    created_by BIGINT NOT NULL REFERENCES users(id),
    created_at BIGINT NOT NULL,
    updated_at BIGINT NOT NULL,
    CONSTRAINT documents_book_number_key UNIQUE (book_id, book_number)
);
CREATE UNIQUE INDEX documents_issued_key ON documents (agency_id, year, number_notation)
    WHERE direction = 'outgoing' AND number_notation IS NOT NULL;
CREATE INDEX documents_wide_idx ON documents (agency_id, agency_wide, id);
CREATE INDEX documents_status_idx ON documents (agency_id, direction, status, id);
CREATE INDEX documents_duplicate_idx ON documents (agency_id, number_notation, issued_on);
CREATE INDEX documents_origin_idx ON documents (origin_document_id);

CREATE TABLE document_recipients (
    id ID_PK,
    document_id BIGINT NOT NULL REFERENCES documents(id),
    agency_id BIGINT REFERENCES agencies(id),
    unit_id BIGINT REFERENCES units(id),
    code TEXT,
    name TEXT NOT NULL,
    status TEXT NOT NULL,
    delivered_document_id BIGINT REFERENCES documents(id),
    note TEXT,
    updated_at BIGINT NOT NULL
);
CREATE INDEX document_recipients_doc_idx ON document_recipients (document_id, id);

CREATE TABLE document_files (
    id ID_PK,
    document_id BIGINT NOT NULL REFERENCES documents(id),
    file_id BIGINT NOT NULL REFERENCES stored_files(id),
    version BIGINT NOT NULL,
    role TEXT NOT NULL,
    added_by BIGINT NOT NULL REFERENCES users(id),
    added_at BIGINT NOT NULL
);
CREATE INDEX document_files_doc_idx ON document_files (document_id, id);

CREATE TABLE document_access (
    document_id BIGINT NOT NULL REFERENCES documents(id),
    user_id BIGINT NOT NULL REFERENCES users(id),
    reason TEXT NOT NULL,
    granted_by BIGINT REFERENCES users(id),
    created_at BIGINT NOT NULL,
    PRIMARY KEY (document_id, user_id)
);
CREATE INDEX document_access_user_idx ON document_access (user_id, document_id);

CREATE TABLE assignments (
    id ID_PK,
    document_id BIGINT NOT NULL REFERENCES documents(id),
    parent_id BIGINT REFERENCES assignments(id),
    kind TEXT NOT NULL,
    assigner_id BIGINT NOT NULL REFERENCES users(id),
    assignee_user_id BIGINT REFERENCES users(id),
    assignee_unit_id BIGINT REFERENCES units(id),
    directive TEXT,
    deadline TEXT,
    status TEXT NOT NULL,
    progress BIGINT NOT NULL,
    result TEXT,
    result_document_id BIGINT REFERENCES documents(id),
    depth BIGINT NOT NULL,
    created_at BIGINT NOT NULL,
    updated_at BIGINT NOT NULL,
    finished_at BIGINT
);
CREATE INDEX assignments_doc_idx ON assignments (document_id, id);
CREATE INDEX assignments_user_idx ON assignments (assignee_user_id, status);

CREATE TABLE document_events (
    id ID_PK,
    document_id BIGINT NOT NULL REFERENCES documents(id),
    at BIGINT NOT NULL,
    actor_id BIGINT REFERENCES users(id),
    actor_name TEXT NOT NULL,
    kind TEXT NOT NULL,
    target TEXT,
    body TEXT,
    assignment_id BIGINT REFERENCES assignments(id),
    file_id BIGINT REFERENCES stored_files(id)
);
CREATE INDEX document_events_doc_idx ON document_events (document_id, id);

CREATE TABLE review_steps (
    id ID_PK,
    document_id BIGINT NOT NULL REFERENCES documents(id),
    kind TEXT NOT NULL,
    round BIGINT NOT NULL,
    step BIGINT NOT NULL,
    requested_by BIGINT NOT NULL REFERENCES users(id),
    reviewer_id BIGINT NOT NULL REFERENCES users(id),
    deadline TEXT,
    status TEXT NOT NULL,
    comment TEXT,
    created_at BIGINT NOT NULL,
    decided_at BIGINT
);
CREATE INDEX review_steps_doc_idx ON review_steps (document_id, round, step);

CREATE TABLE messages (
    id ID_PK,
    sender_id BIGINT NOT NULL REFERENCES users(id),
    body TEXT NOT NULL,
    document_id BIGINT REFERENCES documents(id),
    created_at BIGINT NOT NULL
);

CREATE TABLE message_files (
    message_id BIGINT NOT NULL REFERENCES messages(id),
    file_id BIGINT NOT NULL REFERENCES stored_files(id),
    PRIMARY KEY (message_id, file_id)
);

CREATE TABLE inbox_items (
    id ID_PK,
    user_id BIGINT NOT NULL REFERENCES users(id),
    kind TEXT NOT NULL,
    document_id BIGINT REFERENCES documents(id),
    message_id BIGINT REFERENCES messages(id),
    ref_id BIGINT,
    from_user_id BIGINT REFERENCES users(id),
    note TEXT,
    created_at BIGINT NOT NULL,
    read_at BIGINT,
    done_at BIGINT
);
CREATE INDEX inbox_items_open_idx ON inbox_items (user_id, done_at, id);
CREATE INDEX inbox_items_doc_idx ON inbox_items (document_id, user_id);

CREATE TABLE case_files (
    id ID_PK,
    agency_id BIGINT NOT NULL REFERENCES agencies(id),
    year BIGINT NOT NULL,
    notation TEXT NOT NULL,
    code TEXT NOT NULL,
    title TEXT NOT NULL,
    retention_years BIGINT,
    unit_id BIGINT REFERENCES units(id),
    owner_id BIGINT NOT NULL REFERENCES users(id),
    status TEXT NOT NULL,
    created_at BIGINT NOT NULL,
    updated_at BIGINT NOT NULL,
    closed_at BIGINT,
    archived_at BIGINT,
    CONSTRAINT case_files_code_key UNIQUE (code)
);
CREATE INDEX case_files_agency_idx ON case_files (agency_id, year, id);

CREATE TABLE case_file_documents (
    case_file_id BIGINT NOT NULL REFERENCES case_files(id),
    document_id BIGINT NOT NULL REFERENCES documents(id),
    added_by BIGINT NOT NULL REFERENCES users(id),
    added_at BIGINT NOT NULL,
    PRIMARY KEY (case_file_id, document_id)
);

--@sqlite
CREATE VIRTUAL TABLE document_fts USING fts5(body, tokenize = 'unicode61');
--@end
--@postgres
CREATE TABLE document_fts (
    rowid BIGINT PRIMARY KEY,
    body TEXT NOT NULL,
    tsv tsvector GENERATED ALWAYS AS (to_tsvector('simple', body)) STORED
);
CREATE INDEX document_fts_tsv_idx ON document_fts USING GIN (tsv);
--@end
