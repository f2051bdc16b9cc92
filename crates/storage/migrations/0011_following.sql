-- "Đã chuyển – đang theo dõi": the parts a person gave or passed on that are still open below
-- them, found by who gave them.
CREATE INDEX assignments_assigner_idx ON assignments (assigner_id, status, id);

-- Deadline alerts (due the next working day, overdue) are sent once per inbox item and kind,
-- however many processes sweep at once: the index refuses a second one.
CREATE UNIQUE INDEX notifications_alert_once ON notifications (inbox_item_id, kind)
    WHERE kind IN ('due_tomorrow', 'overdue');
