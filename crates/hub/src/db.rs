//! The hub's database: its schema, migration runner and every SQL query, for SQLite and
//! PostgreSQL through one code path (`sqlx::Any`, `$n` placeholders, BIGINT milliseconds).
//!
//! Writes on the hot path (accepting a package, acknowledging, recording a fetch, logging a
//! refusal) go through one writer task that commits them in groups: each caller waits for the
//! commit of its group, so a `202 Accepted` is only said after the data is durable, while one
//! fsync serves many packages.

use std::collections::HashSet;
use std::path::{Path, PathBuf};
use std::str::FromStr;
use std::sync::Arc;
use std::time::Duration;

use anyhow::Context as _;
use sha2::{Digest, Sha256};
use sqlx::any::{AnyConnectOptions, AnyPoolOptions};
use sqlx::{AnyPool, Executor, Row};
use tokio::sync::{mpsc, oneshot};

use crate::segments::{BodyRef, Segments};

/// Target of deliveries forwarded to the parent hub.
pub(crate) const UP: &str = "@up";

/// The hub's migrations; one whose first line is `-- engine: postgres` runs only there (it is recorded as
/// applied on SQLite).
const MIGRATIONS: &[(i64, &str, &str)] = &[
    (1, "hub", include_str!("../migrations/0001_hub.sql")),
    (2, "bodies_external", include_str!("../migrations/0002_bodies_external.sql")),
    (3, "body_files", include_str!("../migrations/0003_body_files.sql")),
];

/// A package's bytes: inline (`hub_bodies`) or where they lie in a segment (`hub_body_files`);
/// `d.message_id` names the package.
const BODY_COLS: &str = "b.bytes, f.segment, f.byte_offset, f.byte_length";
const BODY_JOINS: &str =
    "LEFT JOIN hub_bodies b ON b.id = d.message_id LEFT JOIN hub_body_files f ON f.id = d.message_id";

const SQLITE_PRAGMAS: &str = "PRAGMA foreign_keys = ON; PRAGMA synchronous = FULL; \
     PRAGMA busy_timeout = 10000; PRAGMA temp_store = MEMORY;";

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum Engine {
    Sqlite,
    Postgres,
}

/// Read pool and write pool (one connection on SQLite; the same pool on PostgreSQL), and the
/// segment files package bodies go to (none: bodies in `hub_bodies`).
#[derive(Clone, Debug)]
pub(crate) struct Db {
    pub read: AnyPool,
    pub write: AnyPool,
    pub engine: Engine,
    pub segments: Option<Arc<Segments>>,
}

pub(crate) fn now_ms() -> i64 {
    std::time::SystemTime::now().duration_since(std::time::UNIX_EPOCH).map(|d| d.as_millis() as i64).unwrap_or_default()
}

impl Db {
    /// Opens the database at `url` and the body folder: `body_dir` if given, else beside an
    /// SQLite file (`hub.db` → `hub-bodies/`), else (PostgreSQL) none.
    pub async fn open(url: &str, body_dir: Option<&Path>) -> anyhow::Result<Db> {
        sqlx::any::install_default_drivers();
        let mut default_body_dir = None;
        let mut db = if url.starts_with("sqlite:") {
            let path = url.trim_start_matches("sqlite://").trim_start_matches("sqlite:");
            let path = path.split('?').next().unwrap_or_default();
            if path.is_empty() || path == ":memory:" {
                anyhow::bail!("an SQLite hub database needs a file path, e.g. sqlite://egov-data/hub.db");
            }
            if let Some(dir) = std::path::Path::new(path).parent().filter(|d| !d.as_os_str().is_empty()) {
                std::fs::create_dir_all(dir).with_context(|| format!("cannot create folder {}", dir.display()))?;
            }
            let stem = Path::new(path).with_extension("");
            default_body_dir = Some(PathBuf::from(format!("{}-bodies", stem.display())));
            let full = if url.contains('?') { url.to_string() } else { format!("{url}?mode=rwc") };
            let opts = AnyConnectOptions::from_str(&full)?;
            let pool = |n: u32| {
                AnyPoolOptions::new().max_connections(n).acquire_timeout(Duration::from_secs(30)).after_connect(
                    |conn, _| {
                        Box::pin(async move {
                            conn.execute(SQLITE_PRAGMAS).await?;
                            Ok(())
                        })
                    },
                )
            };
            let write = pool(1).connect_with(opts.clone()).await.context("open the hub database")?;
            sqlx::raw_sql("PRAGMA journal_mode = WAL").execute(&write).await?;
            let read = pool(4).connect_with(opts).await.context("open the hub database")?;
            Db { read, write, engine: Engine::Sqlite, segments: None }
        } else if url.starts_with("postgres://") || url.starts_with("postgresql://") {
            let opts = AnyConnectOptions::from_str(url)?;
            let pool = AnyPoolOptions::new()
                .max_connections(8)
                .acquire_timeout(Duration::from_secs(10))
                .connect_with(opts)
                .await
                .context("connect to the hub database")?;
            Db { read: pool.clone(), write: pool, engine: Engine::Postgres, segments: None }
        } else {
            anyhow::bail!("the hub database URL must start with sqlite:// or postgres://");
        };
        db.migrate().await?;
        if let Some(dir) = body_dir.map(Path::to_path_buf).or(default_body_dir) {
            let segments = Segments::open(&dir).with_context(|| format!("package body folder {}", dir.display()))?;
            db.segments = Some(Arc::new(segments));
        }
        Ok(db)
    }

    async fn migrate(&self) -> anyhow::Result<()> {
        let mut conn = self.write.acquire().await?;
        if self.engine == Engine::Postgres {
            sqlx::query("SELECT pg_advisory_lock(727275)").execute(&mut *conn).await?;
        }
        let result = apply_migrations(&mut conn, self.engine).await;
        if self.engine == Engine::Postgres {
            sqlx::query("SELECT pg_advisory_unlock(727275)").execute(&mut *conn).await?;
        }
        result
    }

    pub async fn close(&self) {
        self.write.close().await;
        self.read.close().await;
    }

    // ----- systems -----

    pub async fn upsert_system(&self, s: &SystemRow) -> anyhow::Result<()> {
        let now = now_ms();
        sqlx::query(
            "INSERT INTO hub_systems (code, name, kind, certificate, level, parent, endpoint, active, created_at, updated_at) \
             VALUES ($1, $2, $3, $4, $5, $6, $7, 1, $8, $8) \
             ON CONFLICT (code) DO UPDATE SET name = excluded.name, kind = excluded.kind, \
             certificate = excluded.certificate, level = excluded.level, parent = excluded.parent, \
             endpoint = excluded.endpoint, active = 1, updated_at = excluded.updated_at",
        )
        .bind(&s.code)
        .bind(&s.name)
        .bind(&s.kind)
        .bind(&s.certificate)
        .bind(&s.level)
        .bind(&s.parent)
        .bind(&s.endpoint)
        .bind(now)
        .execute(&self.write)
        .await?;
        Ok(())
    }

    pub async fn load_systems(&self) -> anyhow::Result<Vec<SystemRow>> {
        Ok(sqlx::query_as::<_, SystemRow>(
            "SELECT code, name, kind, certificate, level, parent, endpoint FROM hub_systems WHERE active = 1 ORDER BY code",
        )
        .fetch_all(&self.read)
        .await?)
    }

    // ----- accept path reads -----

    pub async fn message_exists(&self, id: &str) -> anyhow::Result<bool> {
        let row = sqlx::query("SELECT 1 FROM hub_messages WHERE id = $1").bind(id).fetch_optional(&self.read).await?;
        Ok(row.is_some())
    }

    pub async fn document_known(&self, document_id: &str) -> anyhow::Result<bool> {
        let row = sqlx::query("SELECT 1 FROM hub_messages WHERE document_id = $1 AND kind = 'document' LIMIT 1")
            .bind(document_id)
            .fetch_optional(&self.read)
            .await?;
        Ok(row.is_some())
    }

    // ----- pull API -----

    pub async fn pending(&self, target: &str, limit: i64) -> anyhow::Result<Vec<PendingRow>> {
        Ok(sqlx::query_as::<_, PendingRow>(
            "SELECT m.id, m.kind, m.from_code, m.document_id, m.status_code, m.received_at \
             FROM hub_deliveries d JOIN hub_messages m ON m.id = d.message_id \
             WHERE d.target = $1 AND d.acked_at IS NULL ORDER BY d.id LIMIT $2",
        )
        .bind(target)
        .bind(limit)
        .fetch_all(&self.read)
        .await?)
    }

    /// The bytes of `id` if `target` has a delivery of it; `(bytes, first fetch)`.
    pub async fn body_for(&self, target: &str, id: &str) -> anyhow::Result<Option<(Vec<u8>, bool)>> {
        let row = sqlx::query(&format!(
            "SELECT {BODY_COLS}, d.fetched_at FROM hub_deliveries d {BODY_JOINS} \
             WHERE d.target = $1 AND d.message_id = $2"
        ))
        .bind(target)
        .bind(id)
        .fetch_optional(&self.read)
        .await?;
        let Some(r) = row else { return Ok(None) };
        let fetched: Option<i64> = r.try_get(4)?;
        Ok(self.body_of_row(&r).await?.map(|b| (b, fetched.is_none())))
    }

    pub async fn body(&self, id: &str) -> anyhow::Result<Option<Vec<u8>>> {
        let row = sqlx::query(&format!("SELECT {BODY_COLS} FROM (SELECT $1 AS message_id) d {BODY_JOINS}"))
            .bind(id)
            .fetch_optional(&self.read)
            .await?;
        match row {
            Some(r) => self.body_of_row(&r).await,
            None => Ok(None),
        }
    }

    /// The bytes a row of [`BODY_COLS`] names: inline, or read from a segment.
    async fn body_of_row(&self, r: &sqlx::any::AnyRow) -> anyhow::Result<Option<Vec<u8>>> {
        if let Some(bytes) = r.try_get::<Option<Vec<u8>>, _>(0)? {
            return Ok(Some(bytes));
        }
        let (Some(segment), Some(position), Some(length)) =
            (r.try_get::<Option<i64>, _>(1)?, r.try_get::<Option<i64>, _>(2)?, r.try_get::<Option<i64>, _>(3)?)
        else {
            return Ok(None);
        };
        let segments = self.segments.clone().context("a body is in segment files but no body folder is set")?;
        let at = BodyRef { segment, position, length };
        let bytes = tokio::task::spawn_blocking(move || segments.read(&at)).await??;
        Ok(Some(bytes))
    }

    // ----- forwarding up -----

    pub async fn up_due(&self, now: i64, limit: i64) -> anyhow::Result<Vec<(i64, String, i64)>> {
        let rows = sqlx::query(
            "SELECT id, message_id, attempts FROM hub_deliveries WHERE target = $1 AND acked_at IS NULL \
             AND next_attempt_at <= $2 ORDER BY next_attempt_at, id LIMIT $3",
        )
        .bind(UP)
        .bind(now)
        .bind(limit)
        .fetch_all(&self.read)
        .await?;
        rows.iter().map(|r| Ok((r.try_get(0)?, r.try_get(1)?, r.try_get(2)?))).collect()
    }

    pub async fn next_up_attempt(&self) -> anyhow::Result<Option<i64>> {
        let row = sqlx::query("SELECT MIN(next_attempt_at) FROM hub_deliveries WHERE target = $1 AND acked_at IS NULL")
            .bind(UP)
            .fetch_one(&self.read)
            .await?;
        Ok(row.try_get::<Option<i64>, _>(0)?)
    }

    pub async fn up_delivered(&self, delivery: i64) -> anyhow::Result<()> {
        let now = now_ms();
        sqlx::query(
            "UPDATE hub_deliveries SET acked_at = $1, fetched_at = $1, attempts = attempts + 1, last_error = NULL \
             WHERE id = $2",
        )
        .bind(now)
        .bind(delivery)
        .execute(&self.write)
        .await?;
        Ok(())
    }

    pub async fn up_failed(&self, delivery: i64, next_attempt_at: i64, error: &str) -> anyhow::Result<()> {
        sqlx::query(
            "UPDATE hub_deliveries SET attempts = attempts + 1, next_attempt_at = $1, last_error = $2 WHERE id = $3",
        )
        .bind(next_attempt_at)
        .bind(error)
        .bind(delivery)
        .execute(&self.write)
        .await?;
        Ok(())
    }

    // ----- operations -----

    pub async fn stuck(&self, older_than: i64) -> anyhow::Result<Vec<StuckRow>> {
        Ok(sqlx::query_as::<_, StuckRow>(
            "SELECT d.id, d.target, d.recipients, m.kind, m.from_code, d.created_at, d.attempts, d.last_error, \
             d.message_id FROM hub_deliveries d JOIN hub_messages m ON m.id = d.message_id \
             WHERE d.acked_at IS NULL AND (d.created_at < $1 OR d.last_error IS NOT NULL) \
             ORDER BY d.created_at, d.id LIMIT 500",
        )
        .bind(older_than)
        .fetch_all(&self.read)
        .await?)
    }

    /// Makes an unacknowledged delivery due now; returns its target.
    pub async fn retry(&self, delivery: i64) -> anyhow::Result<Option<String>> {
        let row = sqlx::query("SELECT target FROM hub_deliveries WHERE id = $1 AND acked_at IS NULL")
            .bind(delivery)
            .fetch_optional(&self.read)
            .await?;
        let Some(row) = row else { return Ok(None) };
        let target: String = row.try_get(0)?;
        sqlx::query("UPDATE hub_deliveries SET next_attempt_at = $1 WHERE id = $2 AND acked_at IS NULL")
            .bind(now_ms())
            .bind(delivery)
            .execute(&self.write)
            .await?;
        Ok(Some(target))
    }

    pub async fn metrics(&self) -> anyhow::Result<MetricsRow> {
        let accepted: i64 = sqlx::query("SELECT COUNT(*) FROM hub_messages").fetch_one(&self.read).await?.try_get(0)?;
        let delivered: i64 = sqlx::query("SELECT COUNT(*) FROM hub_deliveries WHERE acked_at IS NOT NULL")
            .fetch_one(&self.read)
            .await?
            .try_get(0)?;
        let pending = sqlx::query(
            "SELECT target, COUNT(*), MIN(created_at) FROM hub_deliveries WHERE acked_at IS NULL \
             GROUP BY target ORDER BY target",
        )
        .fetch_all(&self.read)
        .await?
        .iter()
        .map(|r| Ok((r.try_get(0)?, r.try_get(1)?, r.try_get::<Option<i64>, _>(2)?.unwrap_or_default())))
        .collect::<anyhow::Result<Vec<(String, i64, i64)>>>()?;
        let refused = sqlx::query("SELECT reason, COUNT(*) FROM hub_refusals GROUP BY reason ORDER BY reason")
            .fetch_all(&self.read)
            .await?
            .iter()
            .map(|r| Ok((r.try_get(0)?, r.try_get(1)?)))
            .collect::<anyhow::Result<Vec<(String, i64)>>>()?;
        Ok(MetricsRow { accepted, delivered, pending, refused })
    }

    // ----- directory -----

    pub async fn replace_directory(&self, source: &str, entries: &[DirectoryRow]) -> anyhow::Result<()> {
        let now = now_ms();
        let mut tx = self.write.begin().await?;
        sqlx::query("DELETE FROM hub_directory WHERE source = $1").bind(source).execute(&mut *tx).await?;
        for e in entries {
            sqlx::query(
                "INSERT INTO hub_directory (source, code, name, level, parent, updated_at) VALUES ($1, $2, $3, $4, $5, $6) \
                 ON CONFLICT (source, code) DO NOTHING",
            )
            .bind(source)
            .bind(&e.code)
            .bind(&e.name)
            .bind(&e.level)
            .bind(&e.parent)
            .bind(now)
            .execute(&mut *tx)
            .await?;
        }
        tx.commit().await?;
        Ok(())
    }

    /// Entries reported by child hubs and fetched from the parent: `(source, entry)`.
    pub async fn directory_entries(&self) -> anyhow::Result<Vec<(String, DirectoryRow)>> {
        let rows = sqlx::query("SELECT source, code, name, level, parent FROM hub_directory ORDER BY code")
            .fetch_all(&self.read)
            .await?;
        rows.iter()
            .map(|r| {
                Ok((
                    r.try_get(0)?,
                    DirectoryRow {
                        code: r.try_get(1)?,
                        name: r.try_get(2)?,
                        level: r.try_get(3)?,
                        parent: r.try_get(4)?,
                    },
                ))
            })
            .collect()
    }

    // ----- housekeeping -----

    /// Deletes the bytes of messages received before `before` whose deliveries are all
    /// acknowledged; the log rows stay. Returns how many.
    pub async fn purge_bodies(&self, before: i64) -> anyhow::Result<u64> {
        let mut tx = self.write.begin().await?;
        let cond = "m.received_at < $1 AND m.body_deleted_at IS NULL AND NOT EXISTS \
             (SELECT 1 FROM hub_deliveries d WHERE d.message_id = m.id AND d.acked_at IS NULL)";
        let mut done = 0;
        for table in ["hub_bodies", "hub_body_files"] {
            done +=
                sqlx::query(&format!("DELETE FROM {table} WHERE id IN (SELECT m.id FROM hub_messages m WHERE {cond})"))
                    .bind(before)
                    .execute(&mut *tx)
                    .await?
                    .rows_affected();
        }
        sqlx::query(&format!(
            "UPDATE hub_messages SET body_deleted_at = $2 WHERE id IN (SELECT m.id FROM hub_messages m WHERE {cond})"
        ))
        .bind(before)
        .bind(now_ms())
        .execute(&mut *tx)
        .await?;
        tx.commit().await?;
        if let Some(segments) = self.segments.clone() {
            let in_use: HashSet<i64> = sqlx::query("SELECT DISTINCT segment FROM hub_body_files")
                .fetch_all(&self.read)
                .await?
                .iter()
                .map(|r| r.try_get::<i64, _>(0))
                .collect::<Result<_, _>>()?;
            let removed = tokio::task::spawn_blocking(move || segments.remove_unused(&in_use)).await??;
            if removed > 0 {
                tracing::info!(removed, "package body segments removed");
            }
        }
        Ok(done)
    }
}

async fn apply_migrations(conn: &mut sqlx::AnyConnection, engine: Engine) -> anyhow::Result<()> {
    sqlx::raw_sql(
        "CREATE TABLE IF NOT EXISTS hub_schema_migrations (version BIGINT PRIMARY KEY, \
         name TEXT NOT NULL, checksum TEXT NOT NULL, applied_at BIGINT NOT NULL)",
    )
    .execute(&mut *conn)
    .await?;
    let applied: Vec<(i64, String)> =
        sqlx::query("SELECT version, checksum FROM hub_schema_migrations ORDER BY version")
            .fetch_all(&mut *conn)
            .await?
            .iter()
            .map(|r| Ok((r.try_get::<i64, _>(0)?, r.try_get::<String, _>(1)?)))
            .collect::<anyhow::Result<_>>()?;
    for (version, name, sql) in MIGRATIONS {
        let sum = hex::encode(Sha256::digest(sql.as_bytes()));
        if let Some((_, recorded)) = applied.iter().find(|(v, _)| v == version) {
            if *recorded != sum {
                anyhow::bail!("hub migration {version} ({name}) was changed after it was applied");
            }
            continue;
        }
        let sql = match engine {
            Engine::Sqlite => sql.replace("ID_PK", "INTEGER PRIMARY KEY AUTOINCREMENT"),
            Engine::Postgres => {
                sql.replace("ID_PK", "BIGINT GENERATED BY DEFAULT AS IDENTITY PRIMARY KEY").replace(" BLOB", " BYTEA")
            }
        };
        let postgres_only = sql.starts_with("-- engine: postgres");
        let mut tx = sqlx::Connection::begin(&mut *conn).await?;
        if engine == Engine::Postgres || !postgres_only {
            sqlx::raw_sql(&sql)
                .execute(&mut *tx)
                .await
                .with_context(|| format!("hub migration {version} ({name}) failed"))?;
        }
        sqlx::query("INSERT INTO hub_schema_migrations (version, name, checksum, applied_at) VALUES ($1, $2, $3, $4)")
            .bind(*version)
            .bind(*name)
            .bind(sum)
            .bind(now_ms())
            .execute(&mut *tx)
            .await?;
        tx.commit().await?;
        tracing::info!(version, name, "applied hub migration");
    }
    if let Some((latest, _)) = applied.last() {
        if !MIGRATIONS.iter().any(|(v, _, _)| v == latest) {
            anyhow::bail!("the hub database has migration {latest}, which this build does not know");
        }
    }
    Ok(())
}

#[derive(Clone, Debug, sqlx::FromRow)]
pub(crate) struct SystemRow {
    pub code: String,
    pub name: String,
    pub kind: String,
    pub certificate: Vec<u8>,
    pub level: Option<String>,
    pub parent: Option<String>,
    pub endpoint: Option<String>,
}

#[derive(Clone, Debug, sqlx::FromRow)]
pub(crate) struct PendingRow {
    pub id: String,
    pub kind: String,
    #[sqlx(rename = "from_code")]
    pub from: String,
    pub document_id: Option<String>,
    pub status_code: Option<String>,
    pub received_at: i64,
}

#[derive(Clone, Debug, sqlx::FromRow)]
pub(crate) struct StuckRow {
    pub id: i64,
    pub target: String,
    pub recipients: String,
    pub kind: String,
    #[sqlx(rename = "from_code")]
    pub from: String,
    pub created_at: i64,
    pub attempts: i64,
    pub last_error: Option<String>,
    pub message_id: String,
}

#[derive(Clone, Debug)]
pub(crate) struct MetricsRow {
    pub accepted: i64,
    pub delivered: i64,
    /// (target, count, oldest created_at ms)
    pub pending: Vec<(String, i64, i64)>,
    pub refused: Vec<(String, i64)>,
}

#[derive(Clone, Debug)]
pub(crate) struct DirectoryRow {
    pub code: String,
    pub name: String,
    pub level: Option<String>,
    pub parent: Option<String>,
}

// ----- the group-commit writer -----

/// An accepted package ready to be stored, with its deliveries `(target, recipients)`.
#[derive(Debug)]
pub(crate) struct NewMessage {
    pub id: String,
    pub kind: &'static str,
    pub from_code: String,
    pub document_id: Option<String>,
    pub status_code: Option<String>,
    pub business: Option<String>,
    pub bytes: bytes::Bytes,
    pub received_from: String,
    pub signer_subject: Option<String>,
    pub deliveries: Vec<(String, String)>,
}

#[derive(Debug)]
pub(crate) struct NewRefusal {
    pub system: Option<String>,
    pub reason: String,
    pub message: String,
    pub package_id: Option<String>,
    pub size: Option<i64>,
}

#[derive(Debug)]
pub(crate) enum WriteOp {
    /// Store a message; answers `true` if it was new, `false` for a duplicate.
    Accept(Box<NewMessage>, oneshot::Sender<anyhow::Result<bool>>),
    /// Acknowledge `(target, message id)`; answers whether such a delivery exists.
    Ack(String, String, oneshot::Sender<anyhow::Result<bool>>),
    /// Record the first fetch of `(target, message id)`.
    Fetched(String, String),
    /// Log a refusal (answers when committed, if asked).
    Refusal(NewRefusal, Option<oneshot::Sender<anyhow::Result<bool>>>),
}

/// What a committed group changed, for waking waiters.
#[derive(Debug, Default)]
pub(crate) struct Committed {
    pub targets: Vec<String>,
}

const MAX_GROUP: usize = 256;
const MAX_GROUP_BYTES: usize = 64 << 20;

/// Runs the writer until the channel closes; `on_commit` is told the targets of new deliveries.
pub(crate) async fn writer(db: Db, mut rx: mpsc::Receiver<WriteOp>, on_commit: impl Fn(Committed)) {
    let mut group = Vec::with_capacity(MAX_GROUP);
    while rx.recv_many(&mut group, MAX_GROUP).await > 0 {
        // Take more while they fit, without waiting.
        let mut bytes: usize = group.iter().map(op_size).sum();
        while group.len() < MAX_GROUP && bytes < MAX_GROUP_BYTES {
            match rx.try_recv() {
                Ok(op) => {
                    bytes += op_size(&op);
                    group.push(op);
                }
                Err(_) => break,
            }
        }
        let ops = std::mem::take(&mut group);
        match commit_group(&db, &ops).await {
            Ok((results, committed)) => {
                on_commit(committed);
                reply(ops, results.into_iter().map(Ok).collect());
            }
            Err(e) if ops.len() > 1 => {
                // One op may be the cause: commit each alone so the others still succeed.
                tracing::warn!(error = %e, "group commit failed; committing one by one");
                for op in ops {
                    let single = [op];
                    match commit_group(&db, &single).await {
                        Ok((results, committed)) => {
                            on_commit(committed);
                            reply(single.into(), results.into_iter().map(Ok).collect());
                        }
                        Err(e) => reply(single.into(), vec![Err(e)]),
                    }
                }
            }
            Err(e) => reply(ops, vec![Err(e)]),
        }
    }
}

fn op_size(op: &WriteOp) -> usize {
    match op {
        WriteOp::Accept(m, _) => m.bytes.len(),
        _ => 64,
    }
}

fn reply(ops: Vec<WriteOp>, results: Vec<anyhow::Result<bool>>) {
    let mut results = results.into_iter();
    let mut last_err: Option<String> = None;
    for op in ops {
        let r = match results.next() {
            Some(Ok(v)) => Ok(v),
            Some(Err(e)) => {
                last_err = Some(format!("{e:#}"));
                Err(e)
            }
            None => Err(anyhow::anyhow!(last_err.clone().unwrap_or_else(|| "write failed".into()))),
        };
        match op {
            WriteOp::Accept(_, tx) | WriteOp::Ack(_, _, tx) | WriteOp::Refusal(_, Some(tx)) => {
                let _ = tx.send(r);
            }
            WriteOp::Fetched(..) | WriteOp::Refusal(_, None) => {
                if let Err(e) = r {
                    tracing::error!(error = %e, "hub log write failed");
                }
            }
        }
    }
}

async fn commit_group(db: &Db, ops: &[WriteOp]) -> anyhow::Result<(Vec<bool>, Committed)> {
    let now = now_ms();
    let mut tx = db.write.begin().await?;
    let mut committed = Committed::default();
    let inserted = insert_messages(&mut tx, db.segments.as_ref(), ops, now, &mut committed).await?;
    let mut results = Vec::with_capacity(ops.len());
    for (i, op) in ops.iter().enumerate() {
        let r = match op {
            WriteOp::Accept(..) => inserted.contains(&i),
            WriteOp::Ack(target, id, _) => {
                let found = sqlx::query("SELECT acked_at FROM hub_deliveries WHERE target = $1 AND message_id = $2")
                    .bind(target)
                    .bind(id)
                    .fetch_optional(&mut *tx)
                    .await?;
                match found {
                    None => false,
                    Some(row) => {
                        if row.try_get::<Option<i64>, _>(0)?.is_none() {
                            sqlx::query(
                                "UPDATE hub_deliveries SET acked_at = $1, fetched_at = COALESCE(fetched_at, $1) \
                                 WHERE target = $2 AND message_id = $3",
                            )
                            .bind(now)
                            .bind(target)
                            .bind(id)
                            .execute(&mut *tx)
                            .await?;
                        }
                        true
                    }
                }
            }
            WriteOp::Fetched(target, id) => {
                sqlx::query(
                    "UPDATE hub_deliveries SET fetched_at = $1 WHERE target = $2 AND message_id = $3 AND fetched_at IS NULL",
                )
                .bind(now)
                .bind(target)
                .bind(id)
                .execute(&mut *tx)
                .await?;
                true
            }
            WriteOp::Refusal(r, _) => {
                sqlx::query(
                    "INSERT INTO hub_refusals (at, system, reason, message, package_id, size) VALUES ($1, $2, $3, $4, $5, $6)",
                )
                .bind(now)
                .bind(&r.system)
                .bind(&r.reason)
                .bind(&r.message)
                .bind(&r.package_id)
                .bind(r.size)
                .execute(&mut *tx)
                .await?;
                true
            }
        };
        results.push(r);
    }
    tx.commit().await?;
    Ok((results, committed))
}

/// Inserts the accepted messages of a group with one multi-row statement per table (a round
/// trip per table, not per package); returns the indexes in `ops` of those that were new.
async fn insert_messages(
    tx: &mut sqlx::Transaction<'static, sqlx::Any>,
    segments: Option<&Arc<Segments>>,
    ops: &[WriteOp],
    now: i64,
    committed: &mut Committed,
) -> anyhow::Result<std::collections::HashSet<usize>> {
    // The first op of each id; later ops with the same id are duplicates.
    let mut firsts: Vec<(usize, &NewMessage)> = Vec::new();
    let mut seen = std::collections::HashSet::new();
    for (i, op) in ops.iter().enumerate() {
        if let WriteOp::Accept(m, _) = op {
            if seen.insert(m.id.as_str()) {
                firsts.push((i, m));
            }
        }
    }
    let mut new = std::collections::HashSet::new();
    if firsts.is_empty() {
        return Ok(new);
    }
    let rows = |n: usize, width: usize| {
        (0..n)
            .map(|r| {
                let cols: Vec<String> = (1..=width).map(|c| format!("${}", r * width + c)).collect();
                format!("({})", cols.join(", "))
            })
            .collect::<Vec<_>>()
            .join(", ")
    };
    let sql = format!(
        "INSERT INTO hub_messages (id, kind, from_code, document_id, status_code, business, size, \
         received_from, signer_subject, received_at) VALUES {} ON CONFLICT (id) DO NOTHING RETURNING id",
        rows(firsts.len(), 10)
    );
    let mut q = sqlx::query(&sql);
    for (_, m) in &firsts {
        q = q
            .bind(&m.id)
            .bind(m.kind)
            .bind(&m.from_code)
            .bind(&m.document_id)
            .bind(&m.status_code)
            .bind(&m.business)
            .bind(m.bytes.len() as i64)
            .bind(&m.received_from)
            .bind(&m.signer_subject)
            .bind(now);
    }
    let returned: std::collections::HashSet<String> =
        q.fetch_all(&mut **tx).await?.iter().map(|r| r.try_get::<String, _>(0)).collect::<Result<_, _>>()?;
    let fresh: Vec<&(usize, &NewMessage)> = firsts.iter().filter(|(_, m)| returned.contains(&m.id)).collect();
    if fresh.is_empty() {
        return Ok(new);
    }
    if let Some(segments) = segments {
        // Bodies to the segment, synced, before the commit that points at them.
        let segments = segments.clone();
        let bodies: Vec<bytes::Bytes> = fresh.iter().map(|(_, m)| m.bytes.clone()).collect();
        let refs =
            tokio::task::spawn_blocking(move || segments.append(&bodies.iter().map(|b| &b[..]).collect::<Vec<_>>()))
                .await??;
        let sql = format!(
            "INSERT INTO hub_body_files (id, segment, byte_offset, byte_length) VALUES {}",
            rows(fresh.len(), 4)
        );
        let mut q = sqlx::query(&sql);
        for ((_, m), at) in fresh.iter().zip(refs) {
            q = q.bind(&m.id).bind(at.segment).bind(at.position).bind(at.length);
        }
        q.execute(&mut **tx).await?;
    } else {
        let sql = format!("INSERT INTO hub_bodies (id, bytes) VALUES {}", rows(fresh.len(), 2));
        let mut q = sqlx::query(&sql);
        for (_, m) in &fresh {
            q = q.bind(&m.id).bind(&m.bytes[..]);
        }
        q.execute(&mut **tx).await?;
    }
    let deliveries: Vec<(&str, &str, &str)> = fresh
        .iter()
        .flat_map(|(_, m)| m.deliveries.iter().map(|(t, r)| (m.id.as_str(), t.as_str(), r.as_str())))
        .collect();
    // At most 256 packages a group, but each may have many targets: keep statements bounded.
    for chunk in deliveries.chunks(1000) {
        let sql = format!(
            "INSERT INTO hub_deliveries (message_id, target, recipients, created_at, next_attempt_at) VALUES {}",
            rows(chunk.len(), 5)
        );
        let mut q = sqlx::query(&sql);
        for (id, target, recipients) in chunk {
            q = q.bind(*id).bind(*target).bind(*recipients).bind(now).bind(now);
        }
        q.execute(&mut **tx).await?;
    }
    for (i, m) in fresh {
        new.insert(*i);
        committed.targets.extend(m.deliveries.iter().map(|(t, _)| t.clone()));
    }
    Ok(new)
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used)]
    use super::*;

    fn message(id: &str) -> NewMessage {
        NewMessage {
            id: id.into(),
            kind: "package",
            from_code: "G09".into(),
            document_id: Some(format!("doc-{id}")),
            status_code: None,
            business: None,
            bytes: bytes::Bytes::from(format!("<package {id}/>")),
            received_from: "G09".into(),
            signer_subject: None,
            deliveries: vec![("G10".into(), "G10".into())],
        }
    }

    async fn accept(db: &Db, id: &str) {
        let (tx, _rx) = oneshot::channel();
        let (results, _) = commit_group(db, &[WriteOp::Accept(Box::new(message(id)), tx)]).await.unwrap();
        assert_eq!(results, vec![true]);
    }

    async fn ack(db: &Db, id: &str) {
        let (tx, _rx) = oneshot::channel();
        commit_group(db, &[WriteOp::Ack("G10".into(), id.into(), tx)]).await.unwrap();
    }

    #[tokio::test]
    async fn retention_deletes_delivered_bytes_and_their_segment_but_keeps_pending_ones() {
        let dir = tempfile::tempdir().unwrap();
        let url = format!("sqlite://{}/hub.db", dir.path().display());
        let db = Db::open(&url, None).await.unwrap();
        assert!(dir.path().join("hub-bodies").is_dir(), "bodies go beside an SQLite database");
        accept(&db, "a").await;
        accept(&db, "b").await;
        assert_eq!(db.body("a").await.unwrap().unwrap(), b"<package a/>");
        assert_eq!(db.body_for("G10", "b").await.unwrap().unwrap(), (b"<package b/>".to_vec(), true));
        assert_eq!(db.body_for("G11", "b").await.unwrap(), None, "no delivery to that system");
        ack(&db, "a").await;
        db.close().await;

        // After a restart new bodies go to segment 2; segment 1 holds a (delivered) and b (pending).
        let db = Db::open(&url, None).await.unwrap();
        accept(&db, "c").await;
        let segments = || std::fs::read_dir(dir.path().join("hub-bodies")).unwrap().count();
        assert_eq!(segments(), 2);
        let future = now_ms() + 1;
        assert_eq!(db.purge_bodies(future).await.unwrap(), 1, "only the delivered package's bytes");
        assert_eq!(db.body("a").await.unwrap(), None);
        assert_eq!(db.body("b").await.unwrap().unwrap(), b"<package b/>", "pending bytes stay");
        assert_eq!(segments(), 2, "segment 1 still holds b");
        ack(&db, "b").await;
        assert_eq!(db.purge_bodies(future).await.unwrap(), 1);
        assert_eq!(segments(), 1, "segment 1 is removed once nothing points into it");
        assert_eq!(db.body("c").await.unwrap().unwrap(), b"<package c/>", "the current segment stays");
        let kept: i64 = sqlx::query_scalar("SELECT COUNT(*) FROM hub_messages").fetch_one(&db.read).await.unwrap();
        assert_eq!(kept, 3, "the log rows stay");
    }
}
