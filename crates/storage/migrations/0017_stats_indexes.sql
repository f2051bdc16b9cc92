-- Statistics read an agency's lead parts and tasks of a period by the day they were given. An
-- assignment keeps its document's agency (documents never change agency), so the leader's
-- statistics range-scan one index per source instead of joining every assignment of the
-- province with its document (70,000 documents of a province-year's 700,000: 215 ms → see
-- docs/performance.md).
ALTER TABLE assignments ADD COLUMN agency_id BIGINT REFERENCES agencies(id);
UPDATE assignments SET agency_id = (SELECT d.agency_id FROM documents d WHERE d.id = assignments.document_id);
CREATE INDEX assignments_agency_given_idx ON assignments (agency_id, created_at) WHERE kind = 'lead';
CREATE INDEX tasks_agency_given_idx ON tasks (agency_id, created_at);
