-- Work schedules (lịch công tác): the weekly schedule of an agency and of each leader.
-- status: draft → published (approved by a leader of the agency) → cancelled. sequence counts
-- the changes after publishing (iCalendar SEQUENCE); public marks an entry the public portal
-- may show.
CREATE TABLE schedule_entries (
    id ID_PK,
    agency_id BIGINT NOT NULL REFERENCES agencies(id),
    owner_id BIGINT REFERENCES users(id),
    title TEXT NOT NULL,
    starts_at BIGINT NOT NULL,
    ends_at BIGINT NOT NULL,
    place TEXT NOT NULL,
    chair_id BIGINT REFERENCES users(id),
    preparing_unit_id BIGINT REFERENCES units(id),
    meeting_url TEXT,
    notes TEXT NOT NULL,
    status TEXT NOT NULL,
    public BIGINT NOT NULL,
    sequence BIGINT NOT NULL,
    created_by BIGINT NOT NULL REFERENCES users(id),
    approved_by BIGINT REFERENCES users(id),
    created_at BIGINT NOT NULL,
    updated_at BIGINT NOT NULL
);
CREATE INDEX schedule_entries_agency_idx ON schedule_entries (agency_id, starts_at);
CREATE INDEX schedule_entries_owner_idx ON schedule_entries (owner_id, starts_at);

-- Who takes part: people, and units (a unit's people are told through its head).
CREATE TABLE schedule_participants (
    entry_id BIGINT NOT NULL REFERENCES schedule_entries(id),
    user_id BIGINT REFERENCES users(id),
    unit_id BIGINT REFERENCES units(id)
);
CREATE INDEX schedule_participants_entry_idx ON schedule_participants (entry_id);
CREATE INDEX schedule_participants_user_idx ON schedule_participants (user_id, entry_id);

CREATE TABLE schedule_files (
    entry_id BIGINT NOT NULL REFERENCES schedule_entries(id),
    file_id BIGINT NOT NULL REFERENCES stored_files(id),
    PRIMARY KEY (entry_id, file_id)
);

-- Secret iCalendar feed addresses: one's own schedule, or an agency's published one. The
-- secret is kept as SHA-256; a revoked feed answers 404.
CREATE TABLE calendar_feeds (
    id ID_PK,
    user_id BIGINT NOT NULL REFERENCES users(id),
    agency_id BIGINT REFERENCES agencies(id),
    token_hash TEXT NOT NULL UNIQUE,
    created_at BIGINT NOT NULL,
    revoked_at BIGINT
);
CREATE INDEX calendar_feeds_user_idx ON calendar_feeds (user_id);

ALTER TABLE notifications ADD COLUMN schedule_entry_id BIGINT REFERENCES schedule_entries(id);
