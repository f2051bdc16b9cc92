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
        "SELECT id, agency_id, kind, to_code, document_id, status_code, state, attempts, created_at, sent_at \
         FROM exchange_outbox WHERE agency_id = $1 ORDER BY id",
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
