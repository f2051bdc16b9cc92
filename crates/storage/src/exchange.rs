//! The exchange outbox: signed edXML packages (document packages and status answers) waiting to be sent.

use sqlx::{AnyConnection, FromRow};

use crate::Result;

/// A package in the outbox (without its bytes).
#[derive(Clone, Debug, FromRow, PartialEq, Eq)]
pub struct OutboxRow {
    pub id: i64,
    pub agency_id: i64,
    pub kind: String,
    pub to_code: String,
    pub document_id: Option<i64>,
    pub status_code: Option<String>,
    pub state: String,
    pub attempts: i64,
    pub created_at: i64,
    pub sent_at: Option<i64>,
    pub last_error: Option<String>,
}

/// A package to put in the outbox.
#[derive(Clone, Debug)]
pub struct NewOutbox<'a> {
    pub agency_id: i64,
    pub kind: &'a str,
    pub to_code: &'a str,
    pub document_id: Option<i64>,
    pub status_code: Option<&'a str>,
    pub package: &'a str,
}

/// Puts a signed package in an agency's outbox; returns its id.
pub async fn insert_outbox(c: &mut AnyConnection, o: &NewOutbox<'_>, now: i64) -> Result<i64> {
    Ok(sqlx::query_scalar(
        "INSERT INTO exchange_outbox (agency_id, kind, to_code, document_id, status_code, package, created_at) \
         VALUES ($1, $2, $3, $4, $5, $6, $7) RETURNING id",
    )
    .bind(o.agency_id)
    .bind(o.kind)
    .bind(o.to_code)
    .bind(o.document_id)
    .bind(o.status_code)
    .bind(o.package)
    .bind(now)
    .fetch_one(&mut *c)
    .await?)
}

/// An agency's outbox, oldest first.
pub async fn outbox_of(c: &mut AnyConnection, agency_id: i64) -> Result<Vec<OutboxRow>> {
    Ok(sqlx::query_as(
        "SELECT id, agency_id, kind, to_code, document_id, status_code, state, attempts, created_at, sent_at, \
         last_error FROM exchange_outbox WHERE agency_id = $1 ORDER BY id",
    )
    .bind(agency_id)
    .fetch_all(&mut *c)
    .await?)
}

/// One package's agency and bytes.
pub async fn outbox_package(c: &mut AnyConnection, id: i64) -> Result<Option<(i64, String)>> {
    Ok(sqlx::query_as("SELECT agency_id, package FROM exchange_outbox WHERE id = $1")
        .bind(id)
        .fetch_optional(&mut *c)
        .await?)
}

/// A package due to be sent, with its bytes.
#[derive(Clone, Debug, FromRow)]
pub struct DueOutbox {
    pub id: i64,
    pub agency_id: i64,
    pub kind: String,
    pub document_id: Option<i64>,
    pub to_code: String,
    pub attempts: i64,
    pub package: String,
}

/// Pending packages whose next attempt is due, oldest first.
pub async fn due_outbox(c: &mut AnyConnection, now: i64, limit: i64) -> Result<Vec<DueOutbox>> {
    Ok(sqlx::query_as(
        "SELECT id, agency_id, kind, document_id, to_code, attempts, package FROM exchange_outbox \
         WHERE state = 'pending' AND next_attempt_at <= $1 ORDER BY id LIMIT $2",
    )
    .bind(now)
    .bind(limit)
    .fetch_all(&mut *c)
    .await?)
}

/// The hub accepted the package.
pub async fn mark_sent(c: &mut AnyConnection, id: i64, hub_id: &str, now: i64) -> Result<()> {
    sqlx::query(
        "UPDATE exchange_outbox SET state = 'sent', hub_id = $2, sent_at = $3, attempts = attempts + 1, \
         last_error = NULL WHERE id = $1",
    )
    .bind(id)
    .bind(hub_id)
    .bind(now)
    .execute(&mut *c)
    .await?;
    Ok(())
}

/// A try failed: `next_attempt_at` is when to try again, or `None` when the hub refused it for good.
pub async fn mark_failed(c: &mut AnyConnection, id: i64, error: &str, next_attempt_at: Option<i64>) -> Result<()> {
    let state = if next_attempt_at.is_some() { "pending" } else { "refused" };
    sqlx::query(
        "UPDATE exchange_outbox SET state = $2, last_error = $3, next_attempt_at = $4, attempts = attempts + 1 \
         WHERE id = $1",
    )
    .bind(id)
    .bind(state)
    .bind(error)
    .bind(next_attempt_at.unwrap_or(0))
    .execute(&mut *c)
    .await?;
    Ok(())
}

/// The earliest next attempt of a pending package (for the sender to sleep until then).
pub async fn next_due(c: &mut AnyConnection) -> Result<Option<i64>> {
    Ok(sqlx::query_scalar("SELECT MIN(next_attempt_at) FROM exchange_outbox WHERE state = 'pending'")
        .fetch_one(&mut *c)
        .await?)
}
