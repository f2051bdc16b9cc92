-- "Đã chuyển – đang theo dõi": the parts a person gave or passed on that are still open below
-- them, found by who gave them.
CREATE INDEX assignments_assigner_idx ON assignments (assigner_id, status, id);
