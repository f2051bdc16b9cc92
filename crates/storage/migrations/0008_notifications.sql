-- Notifications: what asks something of a person, the channels that carry it, and each person's choices.
--
-- A notification is written in the same transaction as the event that causes it, together with one
-- delivery row per outside channel it is due on (e-mail, Web Push). The in-page channel needs no row:
-- open streams are told of new notification ids (PostgreSQL NOTIFY, or the process's own signal on
-- SQLite) and read them back.
CREATE TABLE notifications (
    id ID_PK,
    user_id BIGINT NOT NULL REFERENCES users(id),
    kind TEXT NOT NULL,
    document_id BIGINT REFERENCES documents(id),
    inbox_item_id BIGINT REFERENCES inbox_items(id),
    actor_id BIGINT REFERENCES users(id),
    urgent BIGINT NOT NULL DEFAULT 0,
    created_at BIGINT NOT NULL,
    read_at BIGINT
);
CREATE INDEX notifications_user_idx ON notifications (user_id, id);
CREATE INDEX notifications_unread_idx ON notifications (user_id, read_at);

-- Outside deliveries: pending until sent, then sent, skipped (read meanwhile, no longer wanted, no
-- address) or dead (attempts exhausted or refused for good: the administrators' dead-letter list).
CREATE TABLE notification_deliveries (
    id ID_PK,
    notification_id BIGINT NOT NULL REFERENCES notifications(id),
    channel TEXT NOT NULL,
    state TEXT NOT NULL,
    due_at BIGINT NOT NULL,
    attempts BIGINT NOT NULL DEFAULT 0,
    locked_until BIGINT NOT NULL DEFAULT 0,
    last_error TEXT,
    done_at BIGINT
);
CREATE INDEX notification_deliveries_due_idx ON notification_deliveries (state, due_at);
CREATE INDEX notification_deliveries_notification_idx ON notification_deliveries (notification_id);

-- A person's choice per event kind and channel: now, digest (e-mail only) or off. No row: the default.
CREATE TABLE notification_prefs (
    user_id BIGINT NOT NULL REFERENCES users(id),
    kind TEXT NOT NULL,
    channel TEXT NOT NULL,
    mode TEXT NOT NULL,
    PRIMARY KEY (user_id, kind, channel)
);

-- A person's timing: the local hour of the daily digest, quiet hours (local, [from, to)).
CREATE TABLE notification_settings (
    user_id BIGINT PRIMARY KEY REFERENCES users(id),
    digest_hour BIGINT NOT NULL,
    quiet_from BIGINT,
    quiet_to BIGINT
);

-- Event kinds an administrator made mandatory (their in-page and e-mail delivery cannot be turned off).
CREATE TABLE notification_mandatory (
    kind TEXT PRIMARY KEY,
    set_by BIGINT REFERENCES users(id),
    set_at BIGINT NOT NULL
);

-- Browsers' Web Push subscriptions.
CREATE TABLE push_subscriptions (
    id ID_PK,
    user_id BIGINT NOT NULL REFERENCES users(id),
    endpoint TEXT NOT NULL UNIQUE,
    p256dh TEXT NOT NULL,
    auth TEXT NOT NULL,
    created_at BIGINT NOT NULL
);
CREATE INDEX push_subscriptions_user_idx ON push_subscriptions (user_id);
