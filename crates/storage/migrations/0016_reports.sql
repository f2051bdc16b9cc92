-- Periodic reports from lower levels (báo cáo định kỳ). A form belongs to the higher agency that
-- defines it; each change of its definition is a new row of report_form_versions, and a round
-- (one period of the form, sent to the agencies that must report) keeps the version it was sent
-- with, so submissions in progress never see the form change under them. Dates are
-- `YYYY-MM-DD` text (Vietnam days); timestamps BIGINT milliseconds; flags BIGINT 0/1.
CREATE TABLE report_forms (
    id ID_PK,
    agency_id BIGINT NOT NULL REFERENCES agencies(id),
    title TEXT NOT NULL,
    period TEXT NOT NULL,
    deadline_days BIGINT NOT NULL,
    version BIGINT NOT NULL,
    created_by BIGINT NOT NULL REFERENCES users(id),
    created_at BIGINT NOT NULL,
    updated_at BIGINT NOT NULL
);
CREATE INDEX report_forms_agency_idx ON report_forms (agency_id);

CREATE TABLE report_form_versions (
    form_id BIGINT NOT NULL REFERENCES report_forms(id),
    version BIGINT NOT NULL,
    definition TEXT NOT NULL,
    created_by BIGINT NOT NULL REFERENCES users(id),
    created_at BIGINT NOT NULL,
    PRIMARY KEY (form_id, version)
);

-- One period of a form; at most one round per form and period.
CREATE TABLE report_rounds (
    id ID_PK,
    form_id BIGINT NOT NULL REFERENCES report_forms(id),
    form_version BIGINT NOT NULL,
    agency_id BIGINT NOT NULL REFERENCES agencies(id),
    period_start TEXT NOT NULL,
    period_end TEXT NOT NULL,
    due_on TEXT NOT NULL,
    created_by BIGINT NOT NULL REFERENCES users(id),
    created_at BIGINT NOT NULL,
    CONSTRAINT report_rounds_period_key UNIQUE (form_id, period_start)
);
CREATE INDEX report_rounds_agency_idx ON report_rounds (agency_id, created_at);

-- What one agency reports in one round. status: draft → ready (waiting for its leader) →
-- submitted (the leader sent it; version counts the versions sent) → returned (with a reason)
-- → submitted again, or accepted (final). draft holds the values being edited (JSON, as typed);
-- late tells whether the latest version sent came after due_on.
CREATE TABLE report_submissions (
    id ID_PK,
    round_id BIGINT NOT NULL REFERENCES report_rounds(id),
    agency_id BIGINT NOT NULL REFERENCES agencies(id),
    status TEXT NOT NULL,
    draft TEXT NOT NULL,
    revision BIGINT NOT NULL,
    version BIGINT NOT NULL,
    first_sent_at BIGINT,
    sent_at BIGINT,
    late BIGINT NOT NULL,
    return_reason TEXT,
    returned_at BIGINT,
    accepted_at BIGINT,
    reminded_at BIGINT,
    updated_by BIGINT REFERENCES users(id),
    updated_at BIGINT NOT NULL,
    CONSTRAINT report_submissions_agency_key UNIQUE (round_id, agency_id)
);
CREATE INDEX report_submissions_agency_idx ON report_submissions (agency_id, status);

-- Every version sent, kept whole.
CREATE TABLE report_versions (
    id ID_PK,
    submission_id BIGINT NOT NULL REFERENCES report_submissions(id),
    version BIGINT NOT NULL,
    content TEXT NOT NULL,
    sent_by BIGINT NOT NULL REFERENCES users(id),
    sent_at BIGINT NOT NULL,
    late BIGINT NOT NULL,
    CONSTRAINT report_versions_key UNIQUE (submission_id, version)
);

-- The numbers of each submission's latest version sent (replaced at every send), in units of
-- 10^-decimals of their field: the round's totals are sums over them. row_no 0 for a number
-- field, from 1 for a table's rows; column_key '' for a number field.
CREATE TABLE report_numbers (
    submission_id BIGINT NOT NULL REFERENCES report_submissions(id),
    field_key TEXT NOT NULL,
    column_key TEXT NOT NULL,
    row_no BIGINT NOT NULL,
    value BIGINT NOT NULL
);
CREATE INDEX report_numbers_submission_idx ON report_numbers (submission_id);
