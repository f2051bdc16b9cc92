-- Work: the administered working-day calendar and tasks (giao việc).

-- The government's and the province's announcements on top of the statutory calendar, per day:
-- 'off' (an extra day off, or a day off moved here by a swap) or 'working' (a make-up working
-- day, or a statutory or compensatory day moved away). Edited by a system administrator per
-- year; every deadline computed after the change uses it.
CREATE TABLE calendar_days (
    day TEXT PRIMARY KEY,
    kind TEXT NOT NULL,
    note TEXT NOT NULL,
    set_by BIGINT REFERENCES users(id),
    set_at BIGINT NOT NULL
);

-- A recurring task: an RFC 5545 rule from a first date; the sweep makes each occurrence a task
-- when its day comes (unique per series and date, so two sweeps never make one twice).
CREATE TABLE task_series (
    id ID_PK,
    agency_id BIGINT NOT NULL REFERENCES agencies(id),
    assigner_id BIGINT NOT NULL REFERENCES users(id),
    lead_id BIGINT NOT NULL REFERENCES users(id),
    title TEXT NOT NULL,
    description TEXT NOT NULL,
    priority TEXT NOT NULL,
    rrule TEXT NOT NULL,
    starts_on TEXT NOT NULL,
    non_working TEXT NOT NULL,
    due_days BIGINT NOT NULL,
    next_on TEXT,
    made BIGINT NOT NULL DEFAULT 0,
    active BIGINT NOT NULL DEFAULT 1,
    created_at BIGINT NOT NULL
);
CREATE INDEX task_series_next_idx ON task_series (next_on) WHERE active = 1;

-- A task: work given without a document or derived from one, to any depth (parent_id). Its
-- progress is derived from its children (weighted) unless set by hand (progress_set = 1).
-- status: open → submitted (the lead reported it finished) → done (the assigner accepted it),
-- or back to open when returned; cancelled by the assigner.
CREATE TABLE tasks (
    id ID_PK,
    agency_id BIGINT NOT NULL REFERENCES agencies(id),
    parent_id BIGINT REFERENCES tasks(id),
    depth BIGINT NOT NULL,
    title TEXT NOT NULL,
    description TEXT NOT NULL,
    document_id BIGINT REFERENCES documents(id),
    assigner_id BIGINT NOT NULL REFERENCES users(id),
    lead_id BIGINT NOT NULL REFERENCES users(id),
    priority TEXT NOT NULL,
    deadline TEXT,
    weight BIGINT NOT NULL,
    progress BIGINT NOT NULL,
    progress_set BIGINT NOT NULL,
    status TEXT NOT NULL,
    result TEXT,
    submitted_at BIGINT,
    closed_at BIGINT,
    timeliness TEXT,
    quality TEXT,
    evaluation TEXT,
    series_id BIGINT REFERENCES task_series(id),
    occurrence TEXT,
    created_at BIGINT NOT NULL,
    updated_at BIGINT NOT NULL
);
CREATE INDEX tasks_parent_idx ON tasks (parent_id, id);
CREATE INDEX tasks_lead_idx ON tasks (lead_id, status, id);
CREATE INDEX tasks_assigner_idx ON tasks (assigner_id, status, id);
CREATE INDEX tasks_agency_idx ON tasks (agency_id, status, deadline);
CREATE UNIQUE INDEX tasks_occurrence_idx ON tasks (series_id, occurrence);

-- Who takes part in a task and so may see it: its assigner, its lead, the people cooperating
-- (unit_id when they were given it as their unit's head), and everyone above in the tree
-- ('above': those who gave or hold the tasks it is part of).
CREATE TABLE task_people (
    task_id BIGINT NOT NULL REFERENCES tasks(id),
    user_id BIGINT NOT NULL REFERENCES users(id),
    role TEXT NOT NULL,
    unit_id BIGINT REFERENCES units(id),
    PRIMARY KEY (task_id, user_id, role)
);
CREATE INDEX task_people_user_idx ON task_people (user_id, task_id);

-- The task's history: made, progress reports, submitted, accepted, returned, cancelled.
CREATE TABLE task_updates (
    id ID_PK,
    task_id BIGINT NOT NULL REFERENCES tasks(id),
    user_id BIGINT REFERENCES users(id),
    kind TEXT NOT NULL,
    progress BIGINT,
    body TEXT,
    created_at BIGINT NOT NULL
);
CREATE INDEX task_updates_task_idx ON task_updates (task_id, id);

CREATE TABLE task_files (
    task_id BIGINT NOT NULL REFERENCES tasks(id),
    file_id BIGINT NOT NULL REFERENCES stored_files(id),
    PRIMARY KEY (task_id, file_id)
);

-- Tasks are in the one inbox and in notifications.
ALTER TABLE inbox_items ADD COLUMN task_id BIGINT REFERENCES tasks(id);
CREATE INDEX inbox_items_task_idx ON inbox_items (task_id, user_id);
ALTER TABLE notifications ADD COLUMN task_id BIGINT REFERENCES tasks(id);
