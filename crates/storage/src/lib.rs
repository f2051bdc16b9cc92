//! Storage: the schema, its migrations and every SQL query of egov.
//!
//! Only this crate knows SQL. One code path serves both engines: queries are written in the
//! portable subset of SQL with `$n` placeholders and run through `sqlx::Any`; the database URL
//! (`sqlite://…` or `postgres://…`) picks the engine at run time. Timestamps are BIGINT
//! milliseconds since the Unix epoch; booleans are BOOLEAN columns.
#![forbid(unsafe_code)]

pub mod accounts;
pub mod audit;
pub mod bulk;
pub mod calendar;
pub mod case_files;
pub mod demo;
pub mod documents;
mod error;
pub mod exchange;
mod flag;
pub mod handling;
pub mod jobs;
pub mod kept_uploads;
mod migrate;
pub mod notifications;
pub mod org;
mod query;
pub mod reports;
pub mod saved_searches;
pub mod schedules;
pub mod signatures;
pub mod stats;
pub mod tasks;
mod tx;

use std::path::Path;
use std::str::FromStr;
use std::time::Duration;

use sqlx::any::{AnyConnectOptions, AnyPoolOptions};
use sqlx::pool::PoolConnection;
use sqlx::{Any, AnyPool, ConnectOptions, Executor};

pub use error::StorageError;
pub use flag::Flag;
pub use migrate::MIGRATIONS;
pub use query::Visibility;
pub use sqlx::AnyConnection as Conn;

/// Result of a storage call.
pub type Result<T, E = StorageError> = std::result::Result<T, E>;

pub use tx::Tx;

/// Which database engine a [`Store`] talks to.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Engine {
    /// Embedded SQLite file (WAL, `synchronous=FULL`, foreign keys on).
    Sqlite,
    /// PostgreSQL server.
    Postgres,
}

impl Engine {
    /// The engine's (aggregate, row constructor) JSON functions, for queries that return a whole
    /// page as one JSON row: on SQLite each result row is a message from the database thread.
    pub(crate) fn json_array_functions(self) -> (&'static str, &'static str) {
        match self {
            Engine::Sqlite => ("json_group_array", "json_array"),
            Engine::Postgres => ("json_agg", "json_build_array"),
        }
    }

    /// Engine named by a database URL, or `None` for an unsupported scheme.
    pub fn from_url(url: &str) -> Option<Engine> {
        if url.starts_with("sqlite:") {
            Some(Engine::Sqlite)
        } else if url.starts_with("postgres://") || url.starts_with("postgresql://") {
            Some(Engine::Postgres)
        } else {
            None
        }
    }
}

/// Handle to the database: a read pool and a write pool.
///
/// On SQLite all writes go through a single connection so that write transactions in this
/// process never contend (SQLite allows one writer at a time) while readers proceed in
/// parallel under WAL; transactions waiting for it commit in groups (one fsync for many, see
/// [`Tx`]). On PostgreSQL both pools are the same pool.
#[derive(Clone, Debug)]
pub struct Store {
    read: AnyPool,
    write: AnyPool,
    engine: Engine,
    /// SQLite: the shared write transaction transactions commit in groups through.
    group: Option<std::sync::Arc<tx::Group>>,
    /// Raised after a commit of a transaction that asked for it ([`Tx::signal_on_commit`]).
    committed: std::sync::Arc<tokio::sync::Notify>,
    /// PostgreSQL: the URL, for LISTEN connections (never shown by `Debug`).
    listen_url: Option<notifications::ListenUrl>,
}

const SQLITE_PRAGMAS: &str = "PRAGMA foreign_keys = ON; PRAGMA synchronous = FULL; \
     PRAGMA busy_timeout = 10000; PRAGMA temp_store = MEMORY;";

impl Store {
    /// Opens the database named by `url`, creating an SQLite file (and its folder) if needed,
    /// and brings the schema up to date when `migrate` is true.
    pub async fn open(url: &str, max_connections: u32, migrate: bool) -> Result<Store> {
        sqlx::any::install_default_drivers();
        let engine = Engine::from_url(url)
            .ok_or_else(|| StorageError::Config("database URL must start with sqlite:// or postgres://".into()))?;
        let store = match engine {
            Engine::Sqlite => Self::open_sqlite(url, max_connections).await?,
            Engine::Postgres => {
                let opts = AnyConnectOptions::from_str(url)
                    .map_err(|e| StorageError::Config(e.to_string()))?
                    .log_statements(tracing::log::LevelFilter::Trace);
                let pool = AnyPoolOptions::new()
                    .max_connections(max_connections.max(2))
                    .acquire_timeout(Duration::from_secs(10))
                    .connect_with(opts)
                    .await
                    .map_err(StorageError::unavailable)?;
                Store {
                    read: pool.clone(),
                    write: pool,
                    engine,
                    group: None,
                    committed: Default::default(),
                    listen_url: Some(notifications::ListenUrl(url.to_string())),
                }
            }
        };
        if migrate {
            store.migrate().await?;
        }
        Ok(store)
    }

    async fn open_sqlite(url: &str, max_connections: u32) -> Result<Store> {
        let path = url.trim_start_matches("sqlite://").trim_start_matches("sqlite:");
        let path = path.split('?').next().unwrap_or_default();
        if path.is_empty() || path == ":memory:" {
            return Err(StorageError::Config(
                "an SQLite database needs a file path, e.g. sqlite://egov-data/egov.db".into(),
            ));
        }
        if let Some(dir) = Path::new(path).parent().filter(|d| !d.as_os_str().is_empty()) {
            std::fs::create_dir_all(dir)
                .map_err(|e| StorageError::Config(format!("cannot create folder {}: {e}", dir.display())))?;
        }
        let full = if url.contains('?') { url.to_string() } else { format!("{url}?mode=rwc") };
        let opts = AnyConnectOptions::from_str(&full)
            .map_err(|e| StorageError::Config(e.to_string()))?
            .log_statements(tracing::log::LevelFilter::Trace);
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
        let write = pool(1).connect_with(opts.clone()).await.map_err(StorageError::unavailable)?;
        // WAL is a property of the file: set it once, on the writer.
        sqlx::raw_sql("PRAGMA journal_mode = WAL").execute(&write).await?;
        let read = pool(max_connections.max(2)).connect_with(opts).await.map_err(StorageError::unavailable)?;
        let group = Some(tx::Group::new(write.clone()));
        Ok(Store { read, write, engine: Engine::Sqlite, group, committed: Default::default(), listen_url: None })
    }

    /// The engine behind this store.
    pub fn engine(&self) -> Engine {
        self.engine
    }

    /// Starts a write transaction (on SQLite, a member of a group that commits together: see [`Tx`]).
    pub async fn begin(&self) -> Result<Tx> {
        let tx = match &self.group {
            Some(group) => group.begin().await?,
            None => Tx::plain(&self.write).await?,
        };
        Ok(tx.with_signal(self.committed.clone()))
    }

    /// On PostgreSQL, a connection listening for new notification ids (from every process).
    pub async fn listen_notifications(&self) -> Result<Option<notifications::Listener>> {
        match &self.listen_url {
            Some(url) => Ok(Some(notifications::Listener::connect(&url.0).await?)),
            None => Ok(None),
        }
    }

    /// The signal raised after commits that asked for it (the notification dispatcher waits on it).
    pub fn commit_signal(&self) -> std::sync::Arc<tokio::sync::Notify> {
        self.committed.clone()
    }

    /// A connection for reads outside a transaction.
    pub async fn read(&self) -> Result<PoolConnection<Any>> {
        self.read.acquire().await.map_err(StorageError::from)
    }

    /// Checks the database answers (used by `/readyz`).
    pub async fn ping(&self) -> Result<()> {
        sqlx::query("SELECT 1").execute(&self.read).await?;
        Ok(())
    }

    /// Applies pending migrations; see [`MIGRATIONS`].
    pub async fn migrate(&self) -> Result<usize> {
        migrate::run(&self.write, self.engine).await
    }

    /// Closes both pools, waiting for connections in use to be returned.
    pub async fn close(&self) {
        self.write.close().await;
        self.read.close().await;
    }
}
