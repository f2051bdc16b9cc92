-- Delivery of the outbox through a hub: when to try again, why the last try failed, and the hub's id of the
-- accepted package (the SHA-256 of its bytes).
ALTER TABLE exchange_outbox ADD COLUMN next_attempt_at BIGINT NOT NULL DEFAULT 0;
ALTER TABLE exchange_outbox ADD COLUMN last_error TEXT;
ALTER TABLE exchange_outbox ADD COLUMN hub_id TEXT;
CREATE INDEX exchange_outbox_due_idx ON exchange_outbox (state, next_attempt_at);
