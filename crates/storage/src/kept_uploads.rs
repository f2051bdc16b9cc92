//! Uploads kept for the browser session whose form failed (migration 0012).

use sqlx::{AnyConnection, FromRow};

use crate::Result;

/// How long a kept upload stays offered.
pub const KEEP_MS: i64 = 24 * 3600 * 1000;

/// A kept upload: its bytes are in the file store under `sha256`.
#[derive(Clone, Debug, FromRow, PartialEq, Eq)]
pub struct KeptRow {
    pub id: i64,
    pub sha256: String,
    pub name: String,
    pub size: i64,
}

/// Records that `session_id` may use the stored file `sha256` as `name`; returns its id.
pub async fn insert(
    c: &mut AnyConnection,
    session_id: i64,
    sha256: &str,
    name: &str,
    size: i64,
    now: i64,
) -> Result<i64> {
    Ok(sqlx::query_scalar(
        "INSERT INTO kept_uploads (session_id, sha256, name, size, created_at) VALUES ($1, $2, $3, $4, $5) RETURNING id",
    )
    .bind(session_id)
    .bind(sha256)
    .bind(name)
    .bind(size)
    .bind(now)
    .fetch_one(c)
    .await?)
}

/// The kept uploads among `ids` that belong to `session_id` and are younger than a day.
pub async fn of_session(c: &mut AnyConnection, session_id: i64, ids: &[i64], now: i64) -> Result<Vec<KeptRow>> {
    let mut out = Vec::with_capacity(ids.len());
    for id in ids {
        let row: Option<KeptRow> = sqlx::query_as(
            "SELECT id, sha256, name, size FROM kept_uploads WHERE id = $1 AND session_id = $2 AND created_at > $3",
        )
        .bind(id)
        .bind(session_id)
        .bind(now - KEEP_MS)
        .fetch_optional(&mut *c)
        .await?;
        out.extend(row);
    }
    Ok(out)
}

/// Deletes kept uploads older than a day or whose session is gone.
pub async fn purge(c: &mut AnyConnection, now: i64) -> Result<u64> {
    let done = sqlx::query(
        "DELETE FROM kept_uploads WHERE created_at <= $1 \
         OR NOT EXISTS (SELECT 1 FROM sessions s WHERE s.id = kept_uploads.session_id)",
    )
    .bind(now - KEEP_MS)
    .execute(c)
    .await?;
    Ok(done.rows_affected())
}
