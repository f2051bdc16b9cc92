//! The audit trail: append-only, hash-chained entries written in the caller's transaction.
//!
//! `audit_head` holds the last sequence number and hash. Appending updates that row first, so
//! on PostgreSQL concurrent writers queue on its row lock and the chain never forks; on SQLite
//! writers are serialised anyway.

use egov_domain::audit::{chain_hash, AuditRecord, StoredEntry};
use sqlx::{AnyConnection, FromRow};

use crate::query::Sql;
use crate::Result;

#[derive(FromRow)]
struct EntryRow {
    seq: i64,
    at_ms: i64,
    actor_user_id: Option<i64>,
    actor: String,
    ip: Option<String>,
    action: String,
    object_type: String,
    object_id: Option<String>,
    before_json: Option<String>,
    after_json: Option<String>,
    prev_hash: String,
    hash: String,
}

impl From<EntryRow> for StoredEntry {
    fn from(r: EntryRow) -> Self {
        StoredEntry {
            record: AuditRecord {
                seq: r.seq,
                at_ms: r.at_ms,
                actor_user_id: r.actor_user_id,
                actor: r.actor,
                ip: r.ip,
                action: r.action,
                object_type: r.object_type,
                object_id: r.object_id,
                before: r.before_json,
                after: r.after_json,
            },
            prev_hash: r.prev_hash,
            hash: r.hash,
        }
    }
}

const ENTRY_COLS: &str = "seq, at_ms, actor_user_id, actor, ip, action, object_type, object_id, \
     before_json, after_json, prev_hash, hash";

/// Appends `rec` (its `seq` is assigned here) and returns the stored entry.
pub async fn append(c: &mut AnyConnection, mut rec: AuditRecord) -> Result<StoredEntry> {
    let (seq, prev_hash): (i64, String) =
        sqlx::query_as("UPDATE audit_head SET last_seq = last_seq + 1 WHERE id = 1 RETURNING last_seq, last_hash")
            .fetch_one(&mut *c)
            .await?;
    rec.seq = seq;
    let hash = chain_hash(&prev_hash, &rec);
    sqlx::query(&format!(
        "INSERT INTO audit_log ({ENTRY_COLS}) VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12)"
    ))
    .bind(rec.seq)
    .bind(rec.at_ms)
    .bind(rec.actor_user_id)
    .bind(&rec.actor)
    .bind(&rec.ip)
    .bind(&rec.action)
    .bind(&rec.object_type)
    .bind(&rec.object_id)
    .bind(&rec.before)
    .bind(&rec.after)
    .bind(&prev_hash)
    .bind(&hash)
    .execute(&mut *c)
    .await?;
    sqlx::query("UPDATE audit_head SET last_hash = $1 WHERE id = 1").bind(&hash).execute(&mut *c).await?;
    Ok(StoredEntry { record: rec, prev_hash, hash })
}

/// The recorded head of the chain: (last seq, last hash).
pub async fn head(c: &mut AnyConnection) -> Result<(i64, String)> {
    Ok(sqlx::query_as("SELECT last_seq, last_hash FROM audit_head WHERE id = 1").fetch_one(c).await?)
}

/// Entries in storage order after storage id `after_id`, at most `limit` (for verification).
pub async fn chunk(c: &mut AnyConnection, after_id: i64, limit: i64) -> Result<Vec<(i64, StoredEntry)>> {
    #[derive(FromRow)]
    struct WithId {
        id: i64,
        #[sqlx(flatten)]
        entry: EntryRow,
    }
    let rows: Vec<WithId> =
        sqlx::query_as(&format!("SELECT id, {ENTRY_COLS} FROM audit_log WHERE id > $1 ORDER BY id LIMIT $2"))
            .bind(after_id)
            .bind(limit)
            .fetch_all(c)
            .await?;
    Ok(rows.into_iter().map(|r| (r.id, r.entry.into())).collect())
}

/// `true` when an entry with `seq` is stored after storage id `after_id` (a gap that is
/// really a reordering).
pub async fn seq_stored_after(c: &mut AnyConnection, seq: i64, after_id: i64) -> Result<bool> {
    let found: Option<i64> = sqlx::query_scalar("SELECT id FROM audit_log WHERE seq = $1 AND id > $2 LIMIT 1")
        .bind(seq)
        .bind(after_id)
        .fetch_optional(c)
        .await?;
    Ok(found.is_some())
}

/// Filters for reading the trail.
#[derive(Clone, Debug, Default)]
pub struct AuditFilter<'a> {
    pub object_type: Option<&'a str>,
    pub object_id: Option<&'a str>,
    pub actor_user_id: Option<i64>,
    pub action: Option<&'a str>,
    /// Keyset: entries with a smaller seq (newest first).
    pub before_seq: Option<i64>,
    pub limit: u32,
}

/// Entries newest first.
pub async fn list(c: &mut AnyConnection, f: &AuditFilter<'_>) -> Result<Vec<StoredEntry>> {
    let mut q = Sql::new(&format!("SELECT {ENTRY_COLS} FROM audit_log WHERE 1 = 1"));
    if let Some(t) = f.object_type {
        q.push(" AND object_type = ").text(t);
    }
    if let Some(id) = f.object_id {
        q.push(" AND object_id = ").text(id);
    }
    if let Some(a) = f.actor_user_id {
        q.push(" AND actor_user_id = ").int(a);
    }
    if let Some(a) = f.action {
        q.push(" AND action = ").text(a);
    }
    if let Some(b) = f.before_seq {
        q.push(" AND seq < ").int(b);
    }
    q.push(" ORDER BY seq DESC LIMIT ").int(i64::from(f.limit));
    Ok(q.fetch_all::<EntryRow>(c).await?.into_iter().map(Into::into).collect())
}
