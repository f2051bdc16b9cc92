//! Notifications: the rows that tell a person something asks for them, their outside deliveries
//! (e-mail, Web Push) with retries and a dead-letter state, each person's choices, and browsers'
//! push subscriptions.

use sqlx::{AnyConnection, FromRow};

use crate::{Engine, Result};

/// Values for a new notification.
#[derive(Clone, Debug, Default)]
pub struct NewNotification<'a> {
    pub user_id: i64,
    pub kind: &'a str,
    pub document_id: Option<i64>,
    pub inbox_item_id: Option<i64>,
    pub actor_id: Option<i64>,
    pub urgent: bool,
    pub task_id: Option<i64>,
    pub schedule_entry_id: Option<i64>,
}

/// A notification with what a list shows of it.
#[derive(Clone, Debug, FromRow, PartialEq, Eq)]
pub struct NotificationRow {
    pub id: i64,
    pub user_id: i64,
    pub kind: String,
    pub document_id: Option<i64>,
    pub inbox_item_id: Option<i64>,
    pub actor_name: Option<String>,
    #[sqlx(try_from = "crate::Flag")]
    pub urgent: bool,
    pub created_at: i64,
    pub read_at: Option<i64>,
    pub subject: Option<String>,
    pub number_notation: Option<String>,
    pub message_body: Option<String>,
    /// The task it is about.
    pub task_id: Option<i64>,
    /// The schedule entry it is about.
    pub schedule_entry_id: Option<i64>,
}

const ROW: &str = "SELECT n.id, n.user_id, n.kind, n.document_id, n.inbox_item_id, u.full_name AS actor_name, \
     n.urgent, n.created_at, n.read_at, COALESCE(d.subject, k.title, s.title) AS subject, d.number_notation, \
     m.body AS message_body, n.task_id, n.schedule_entry_id \
     FROM notifications n LEFT JOIN users u ON u.id = n.actor_id LEFT JOIN documents d ON d.id = n.document_id \
     LEFT JOIN tasks k ON k.id = n.task_id LEFT JOIN schedule_entries s ON s.id = n.schedule_entry_id \
     LEFT JOIN inbox_items i ON i.id = n.inbox_item_id LEFT JOIN messages m ON m.id = i.message_id";

/// Writes a notification.
pub async fn insert(c: &mut AnyConnection, n: &NewNotification<'_>, now: i64) -> Result<i64> {
    Ok(sqlx::query_scalar(
        "INSERT INTO notifications (user_id, kind, document_id, inbox_item_id, actor_id, urgent, created_at, task_id, \
         schedule_entry_id) VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9) RETURNING id",
    )
    .bind(n.user_id)
    .bind(n.kind)
    .bind(n.document_id)
    .bind(n.inbox_item_id)
    .bind(n.actor_id)
    .bind(i64::from(n.urgent))
    .bind(now)
    .bind(n.task_id)
    .bind(n.schedule_entry_id)
    .fetch_one(c)
    .await?)
}

/// Tells the other processes on a PostgreSQL database which notifications were written; sent by
/// the server only when the transaction commits. (SQLite has one process; it is told through
/// [`crate::Tx::signal_on_commit`].)
pub async fn announce(c: &mut AnyConnection, engine: Engine, ids: &[i64]) -> Result<()> {
    if engine == Engine::Postgres && !ids.is_empty() {
        let payload: Vec<String> = ids.iter().map(i64::to_string).collect();
        sqlx::query("SELECT pg_notify($1, $2)").bind(CHANNEL).bind(payload.join(",")).execute(c).await?;
    }
    Ok(())
}

/// The PostgreSQL NOTIFY channel carrying new notification ids.
pub const CHANNEL: &str = "egov_notifications";

/// A person's notifications, newest first, before `before_id`; only unread ones when asked.
pub async fn list(
    c: &mut AnyConnection,
    user_id: i64,
    unread_only: bool,
    before_id: Option<i64>,
    limit: u32,
) -> Result<Vec<NotificationRow>> {
    let unread = if unread_only { " AND n.read_at IS NULL" } else { "" };
    Ok(sqlx::query_as(&format!("{ROW} WHERE n.user_id = $1 AND n.id < $2{unread} ORDER BY n.id DESC LIMIT $3"))
        .bind(user_id)
        .bind(before_id.unwrap_or(i64::MAX))
        .bind(i64::from(limit))
        .fetch_all(c)
        .await?)
}

/// A person's notifications after `after_id`, oldest first (a stream catching up).
pub async fn after(c: &mut AnyConnection, user_id: i64, after_id: i64, limit: u32) -> Result<Vec<NotificationRow>> {
    Ok(sqlx::query_as(&format!("{ROW} WHERE n.user_id = $1 AND n.id > $2 ORDER BY n.id LIMIT $3"))
        .bind(user_id)
        .bind(after_id)
        .bind(i64::from(limit))
        .fetch_all(c)
        .await?)
}

/// Everyone's notifications after `after_id`, oldest first (SQLite's dispatcher: one writer, so
/// ids are committed in order).
pub async fn all_after(c: &mut AnyConnection, after_id: i64, limit: u32) -> Result<Vec<NotificationRow>> {
    Ok(sqlx::query_as(&format!("{ROW} WHERE n.id > $1 ORDER BY n.id LIMIT $2"))
        .bind(after_id)
        .bind(i64::from(limit))
        .fetch_all(c)
        .await?)
}

/// The notifications with these ids (PostgreSQL's dispatcher, told by NOTIFY).
pub async fn by_ids(c: &mut AnyConnection, ids: &[i64]) -> Result<Vec<NotificationRow>> {
    if ids.is_empty() {
        return Ok(Vec::new());
    }
    let list: Vec<String> = ids.iter().map(i64::to_string).collect();
    Ok(sqlx::query_as(&format!("{ROW} WHERE n.id IN ({}) ORDER BY n.id", list.join(","))).fetch_all(c).await?)
}

/// The newest notification id (0 when there is none).
pub async fn max_id(c: &mut AnyConnection) -> Result<i64> {
    Ok(sqlx::query_scalar::<_, Option<i64>>("SELECT MAX(id) FROM notifications").fetch_one(c).await?.unwrap_or(0))
}

/// Unread notifications of a person, counted up to `cap`.
pub async fn unread_count(c: &mut AnyConnection, user_id: i64, cap: i64) -> Result<i64> {
    Ok(sqlx::query_scalar(
        "SELECT COUNT(*) FROM (SELECT 1 FROM notifications WHERE user_id = $1 AND read_at IS NULL LIMIT $2) t",
    )
    .bind(user_id)
    .bind(cap)
    .fetch_one(c)
    .await?)
}

/// Marks one of a person's notifications read; false when it is not theirs.
pub async fn mark_read(c: &mut AnyConnection, user_id: i64, id: i64, now: i64) -> Result<bool> {
    let found: Option<i64> = sqlx::query_scalar("SELECT id FROM notifications WHERE id = $1 AND user_id = $2")
        .bind(id)
        .bind(user_id)
        .fetch_optional(&mut *c)
        .await?;
    if found.is_none() {
        return Ok(false);
    }
    sqlx::query("UPDATE notifications SET read_at = $1 WHERE id = $2 AND read_at IS NULL")
        .bind(now)
        .bind(id)
        .execute(c)
        .await?;
    Ok(true)
}

/// Marks every unread notification of a person read; returns how many.
pub async fn mark_all_read(c: &mut AnyConnection, user_id: i64, now: i64) -> Result<u64> {
    Ok(sqlx::query("UPDATE notifications SET read_at = $1 WHERE user_id = $2 AND read_at IS NULL")
        .bind(now)
        .bind(user_id)
        .execute(c)
        .await?
        .rows_affected())
}

/// Marks a person's unread notifications about a document read (they opened it).
pub async fn mark_read_for_document(c: &mut AnyConnection, user_id: i64, document_id: i64, now: i64) -> Result<u64> {
    Ok(sqlx::query("UPDATE notifications SET read_at = $1 WHERE user_id = $2 AND document_id = $3 AND read_at IS NULL")
        .bind(now)
        .bind(user_id)
        .bind(document_id)
        .execute(c)
        .await?
        .rows_affected())
}

/// Queues an outside delivery of a notification.
pub async fn enqueue_delivery(c: &mut AnyConnection, notification_id: i64, channel: &str, due_at: i64) -> Result<i64> {
    Ok(sqlx::query_scalar(
        "INSERT INTO notification_deliveries (notification_id, channel, state, due_at) \
         VALUES ($1, $2, 'pending', $3) RETURNING id",
    )
    .bind(notification_id)
    .bind(channel)
    .bind(due_at)
    .fetch_one(c)
    .await?)
}

/// A claimed delivery, with what sending it needs.
#[derive(Clone, Debug, FromRow, PartialEq, Eq)]
pub struct DeliveryRow {
    pub id: i64,
    pub notification_id: i64,
    pub channel: String,
    pub attempts: i64,
    pub user_id: i64,
    pub kind: String,
    pub document_id: Option<i64>,
    pub read_at: Option<i64>,
    #[sqlx(try_from = "crate::Flag")]
    pub urgent: bool,
    pub created_at: i64,
    pub email: Option<String>,
    pub full_name: String,
    #[sqlx(try_from = "crate::Flag")]
    pub active: bool,
    pub actor_name: Option<String>,
    pub subject: Option<String>,
    pub number_notation: Option<String>,
    pub message_body: Option<String>,
    /// The task it is about (its title is then the subject).
    pub task_id: Option<i64>,
    pub schedule_entry_id: Option<i64>,
}

/// Claims up to `limit` due deliveries for `lease_ms` (PostgreSQL workers skip each other's
/// rows; SQLite's single writer serialises claims).
pub async fn claim_deliveries(
    c: &mut AnyConnection,
    engine: Engine,
    now: i64,
    lease_ms: i64,
    limit: u32,
) -> Result<Vec<DeliveryRow>> {
    let lock = if engine == Engine::Postgres { " FOR UPDATE SKIP LOCKED" } else { "" };
    let ids: Vec<i64> = sqlx::query_scalar(&format!(
        "UPDATE notification_deliveries SET locked_until = $1, attempts = attempts + 1 WHERE id IN (\
         SELECT id FROM notification_deliveries WHERE state = 'pending' AND due_at <= $2 AND locked_until <= $2 \
         ORDER BY due_at, id LIMIT $3{lock}) RETURNING id"
    ))
    .bind(now + lease_ms)
    .bind(now)
    .bind(i64::from(limit))
    .fetch_all(&mut *c)
    .await?;
    deliveries_by_ids(c, &ids).await
}

async fn deliveries_by_ids(c: &mut AnyConnection, ids: &[i64]) -> Result<Vec<DeliveryRow>> {
    if ids.is_empty() {
        return Ok(Vec::new());
    }
    let list: Vec<String> = ids.iter().map(i64::to_string).collect();
    Ok(sqlx::query_as(&format!(
        "SELECT x.id, x.notification_id, x.channel, x.attempts, n.user_id, n.kind, n.document_id, n.read_at, \
         n.urgent, n.created_at, p.email, p.full_name, p.active, a.full_name AS actor_name, \
         COALESCE(d.subject, k.title, s.title) AS subject, d.number_notation, m.body AS message_body, n.task_id, \
         n.schedule_entry_id FROM notification_deliveries x \
         JOIN notifications n ON n.id = x.notification_id JOIN users p ON p.id = n.user_id \
         LEFT JOIN users a ON a.id = n.actor_id LEFT JOIN documents d ON d.id = n.document_id \
         LEFT JOIN tasks k ON k.id = n.task_id LEFT JOIN schedule_entries s ON s.id = n.schedule_entry_id \
         LEFT JOIN inbox_items i ON i.id = n.inbox_item_id LEFT JOIN messages m ON m.id = i.message_id \
         WHERE x.id IN ({}) ORDER BY x.id",
        list.join(",")
    ))
    .fetch_all(c)
    .await?)
}

/// Ends a delivery: `sent`, `skipped` or `dead`, with why when it was not sent.
pub async fn end_delivery(c: &mut AnyConnection, id: i64, state: &str, error: Option<&str>, now: i64) -> Result<()> {
    sqlx::query(
        "UPDATE notification_deliveries SET state = $1, last_error = COALESCE($2, last_error), done_at = $3, \
         locked_until = 0 WHERE id = $4",
    )
    .bind(state)
    .bind(error)
    .bind(now)
    .bind(id)
    .execute(c)
    .await?;
    Ok(())
}

/// Records a failed try and when to try again.
pub async fn retry_delivery(c: &mut AnyConnection, id: i64, error: &str, due_at: i64) -> Result<()> {
    sqlx::query("UPDATE notification_deliveries SET last_error = $1, due_at = $2, locked_until = 0 WHERE id = $3")
        .bind(error)
        .bind(due_at)
        .bind(id)
        .execute(c)
        .await?;
    Ok(())
}

/// A delivery as the administrators' list shows it.
#[derive(Clone, Debug, FromRow, PartialEq, Eq)]
pub struct DeliveryState {
    pub id: i64,
    pub notification_id: i64,
    pub channel: String,
    pub state: String,
    pub attempts: i64,
    pub due_at: i64,
    pub done_at: Option<i64>,
    pub last_error: Option<String>,
    pub kind: String,
    pub user_name: String,
}

/// Deliveries in `state` (`dead` for the dead-letter list), newest first.
pub async fn deliveries_in(c: &mut AnyConnection, state: &str, limit: u32) -> Result<Vec<DeliveryState>> {
    Ok(sqlx::query_as(
        "SELECT x.id, x.notification_id, x.channel, x.state, x.attempts, x.due_at, x.done_at, x.last_error, n.kind, \
         p.full_name AS user_name FROM notification_deliveries x JOIN notifications n ON n.id = x.notification_id \
         JOIN users p ON p.id = n.user_id WHERE x.state = $1 ORDER BY x.id DESC LIMIT $2",
    )
    .bind(state)
    .bind(i64::from(limit))
    .fetch_all(c)
    .await?)
}

/// Counts deliveries per state (for `/metrics` and tests).
pub async fn delivery_counts(c: &mut AnyConnection) -> Result<Vec<(String, String, i64)>> {
    Ok(sqlx::query_as(
        "SELECT channel, state, COUNT(*) FROM notification_deliveries GROUP BY channel, state ORDER BY channel, state",
    )
    .fetch_all(c)
    .await?)
}

/// Puts a dead delivery back in the queue (an administrator's retry); false when it is not dead.
pub async fn requeue(c: &mut AnyConnection, id: i64, now: i64) -> Result<bool> {
    Ok(sqlx::query(
        "UPDATE notification_deliveries SET state = 'pending', attempts = 0, due_at = $1, done_at = NULL, \
         locked_until = 0 WHERE id = $2 AND state = 'dead'",
    )
    .bind(now)
    .bind(id)
    .execute(c)
    .await?
    .rows_affected()
        == 1)
}

/// Pending digest deliveries of a person due by `now` other than `except` (sent in one mail).
pub async fn claim_digest_rest(
    c: &mut AnyConnection,
    user_id: i64,
    now: i64,
    lease_ms: i64,
    except: i64,
) -> Result<Vec<DeliveryRow>> {
    let ids: Vec<i64> = sqlx::query_scalar(
        "UPDATE notification_deliveries SET locked_until = $1, attempts = attempts + 1 WHERE id IN (\
         SELECT x.id FROM notification_deliveries x JOIN notifications n ON n.id = x.notification_id \
         WHERE x.state = 'pending' AND x.channel = 'digest' AND x.due_at <= $2 AND x.locked_until <= $2 \
         AND n.user_id = $3 AND x.id <> $4) RETURNING id",
    )
    .bind(now + lease_ms)
    .bind(now)
    .bind(user_id)
    .bind(except)
    .fetch_all(&mut *c)
    .await?;
    deliveries_by_ids(c, &ids).await
}

/// A person's stored choices: (kind, channel, mode).
pub async fn prefs_of(c: &mut AnyConnection, user_id: i64) -> Result<Vec<(String, String, String)>> {
    Ok(sqlx::query_as("SELECT kind, channel, mode FROM notification_prefs WHERE user_id = $1 ORDER BY kind, channel")
        .bind(user_id)
        .fetch_all(c)
        .await?)
}

/// Sets a person's choice for a kind and channel.
pub async fn set_pref(c: &mut AnyConnection, user_id: i64, kind: &str, channel: &str, mode: &str) -> Result<()> {
    sqlx::query(
        "INSERT INTO notification_prefs (user_id, kind, channel, mode) VALUES ($1, $2, $3, $4) \
         ON CONFLICT (user_id, kind, channel) DO UPDATE SET mode = excluded.mode",
    )
    .bind(user_id)
    .bind(kind)
    .bind(channel)
    .bind(mode)
    .execute(c)
    .await?;
    Ok(())
}

/// A person's timing choices.
#[derive(Clone, Debug, FromRow, PartialEq, Eq)]
pub struct SettingsRow {
    pub digest_hour: i64,
    pub quiet_from: Option<i64>,
    pub quiet_to: Option<i64>,
}

/// A person's timing choices, if they made any.
pub async fn settings_of(c: &mut AnyConnection, user_id: i64) -> Result<Option<SettingsRow>> {
    Ok(sqlx::query_as("SELECT digest_hour, quiet_from, quiet_to FROM notification_settings WHERE user_id = $1")
        .bind(user_id)
        .fetch_optional(c)
        .await?)
}

/// Stores a person's timing choices.
pub async fn set_settings(c: &mut AnyConnection, user_id: i64, s: &SettingsRow) -> Result<()> {
    sqlx::query(
        "INSERT INTO notification_settings (user_id, digest_hour, quiet_from, quiet_to) VALUES ($1, $2, $3, $4) \
         ON CONFLICT (user_id) DO UPDATE SET digest_hour = excluded.digest_hour, quiet_from = excluded.quiet_from, \
         quiet_to = excluded.quiet_to",
    )
    .bind(user_id)
    .bind(s.digest_hour)
    .bind(s.quiet_from)
    .bind(s.quiet_to)
    .execute(c)
    .await?;
    Ok(())
}

/// Event kinds an administrator made mandatory.
pub async fn mandatory(c: &mut AnyConnection) -> Result<Vec<String>> {
    Ok(sqlx::query_scalar("SELECT kind FROM notification_mandatory ORDER BY kind").fetch_all(c).await?)
}

/// Makes an event kind mandatory or optional again.
pub async fn set_mandatory(c: &mut AnyConnection, kind: &str, on: bool, by: i64, now: i64) -> Result<()> {
    if on {
        sqlx::query(
            "INSERT INTO notification_mandatory (kind, set_by, set_at) VALUES ($1, $2, $3) ON CONFLICT (kind) DO NOTHING",
        )
        .bind(kind)
        .bind(by)
        .bind(now)
        .execute(c)
        .await?;
    } else {
        sqlx::query("DELETE FROM notification_mandatory WHERE kind = $1").bind(kind).execute(c).await?;
    }
    Ok(())
}

/// A browser's push subscription.
#[derive(Clone, Debug, FromRow, PartialEq, Eq)]
pub struct PushRow {
    pub id: i64,
    pub user_id: i64,
    pub endpoint: String,
    pub p256dh: String,
    pub auth: String,
    pub created_at: i64,
}

/// Stores a subscription (a browser subscribing again, even for another person, replaces its row).
pub async fn add_push(
    c: &mut AnyConnection,
    user_id: i64,
    endpoint: &str,
    p256dh: &str,
    auth: &str,
    now: i64,
) -> Result<i64> {
    Ok(sqlx::query_scalar(
        "INSERT INTO push_subscriptions (user_id, endpoint, p256dh, auth, created_at) VALUES ($1, $2, $3, $4, $5) \
         ON CONFLICT (endpoint) DO UPDATE SET user_id = excluded.user_id, p256dh = excluded.p256dh, \
         auth = excluded.auth, created_at = excluded.created_at RETURNING id",
    )
    .bind(user_id)
    .bind(endpoint)
    .bind(p256dh)
    .bind(auth)
    .bind(now)
    .fetch_one(c)
    .await?)
}

/// A person's subscriptions.
pub async fn pushes_of(c: &mut AnyConnection, user_id: i64) -> Result<Vec<PushRow>> {
    Ok(sqlx::query_as(
        "SELECT id, user_id, endpoint, p256dh, auth, created_at FROM push_subscriptions WHERE user_id = $1 ORDER BY id",
    )
    .bind(user_id)
    .fetch_all(c)
    .await?)
}

/// Removes one of a person's subscriptions (or, with `user_id` None, any: the push service said
/// it is gone); false when there was none.
pub async fn remove_push(c: &mut AnyConnection, user_id: Option<i64>, id: i64) -> Result<bool> {
    let r = match user_id {
        Some(u) => sqlx::query("DELETE FROM push_subscriptions WHERE id = $1 AND user_id = $2").bind(id).bind(u),
        None => sqlx::query("DELETE FROM push_subscriptions WHERE id = $1").bind(id),
    };
    Ok(r.execute(c).await?.rows_affected() == 1)
}

/// A PostgreSQL URL kept for LISTEN connections; `Debug` never shows it.
#[derive(Clone)]
pub(crate) struct ListenUrl(pub(crate) String);

impl std::fmt::Debug for ListenUrl {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("ListenUrl(…)")
    }
}

/// A PostgreSQL connection that LISTENs on [`CHANNEL`].
#[derive(Debug)]
pub struct Listener(sqlx::postgres::PgListener);

impl Listener {
    pub(crate) async fn connect(url: &str) -> Result<Listener> {
        let mut l = sqlx::postgres::PgListener::connect(url).await.map_err(crate::StorageError::unavailable)?;
        l.listen(CHANNEL).await?;
        Ok(Listener(l))
    }

    /// The ids of the next announcement; `None` when the connection was lost (it reconnects on
    /// the next call, and whatever was announced meanwhile is lost: read the state again).
    pub async fn recv(&mut self) -> Result<Option<Vec<i64>>> {
        Ok(self.0.try_recv().await?.map(|n| n.payload().split(',').filter_map(|s| s.trim().parse().ok()).collect()))
    }
}
