//! The durable job queue: follow-up work enqueued in the same transaction as the change that
//! causes it, claimed by workers with a lease, retried with backoff.

use sqlx::{AnyConnection, FromRow};

use crate::{Engine, Result};

/// A claimed job.
#[derive(Clone, Debug, FromRow, PartialEq, Eq)]
pub struct JobRow {
    pub id: i64,
    pub kind: String,
    pub payload: String,
    pub attempts: i64,
}

/// Enqueues a job to run at `run_at`.
pub async fn enqueue(c: &mut AnyConnection, kind: &str, payload: &str, run_at: i64, now: i64) -> Result<i64> {
    Ok(sqlx::query_scalar(
        "INSERT INTO jobs (kind, payload, run_at, attempts, locked_until, created_at) \
         VALUES ($1, $2, $3, 0, 0, $4) RETURNING id",
    )
    .bind(kind)
    .bind(payload)
    .bind(run_at)
    .bind(now)
    .fetch_one(c)
    .await?)
}

/// Claims the oldest due job for `lease_ms`. On PostgreSQL concurrent workers skip each
/// other's locked rows; on SQLite the single writer serialises claims.
pub async fn claim(c: &mut AnyConnection, engine: Engine, now: i64, lease_ms: i64) -> Result<Option<JobRow>> {
    let lock = if engine == Engine::Postgres { " FOR UPDATE SKIP LOCKED" } else { "" };
    Ok(sqlx::query_as(&format!(
        "UPDATE jobs SET locked_until = $1, attempts = attempts + 1 WHERE id = (SELECT id FROM jobs \
         WHERE run_at <= $2 AND locked_until <= $2 ORDER BY run_at, id LIMIT 1{lock}) \
         RETURNING id, kind, payload, attempts"
    ))
    .bind(now + lease_ms)
    .bind(now)
    .fetch_optional(c)
    .await?)
}

/// Removes a finished job.
pub async fn complete(c: &mut AnyConnection, id: i64) -> Result<()> {
    sqlx::query("DELETE FROM jobs WHERE id = $1").bind(id).execute(c).await?;
    Ok(())
}

/// Records a failure and schedules the next attempt.
pub async fn retry_later(c: &mut AnyConnection, id: i64, error: &str, run_at: i64) -> Result<()> {
    sqlx::query("UPDATE jobs SET last_error = $1, run_at = $2, locked_until = 0 WHERE id = $3")
        .bind(error)
        .bind(run_at)
        .bind(id)
        .execute(c)
        .await?;
    Ok(())
}

/// Jobs waiting, due or not (tests assert this reaches zero).
pub async fn pending(c: &mut AnyConnection) -> Result<i64> {
    Ok(sqlx::query_scalar("SELECT COUNT(*) FROM jobs").fetch_one(c).await?)
}
