//! Write transactions, and group commit on SQLite.
//!
//! SQLite has one writer, and with `synchronous=FULL` every commit waits for an fsync of the WAL:
//! under load that fsync, not the statements, limits how many transactions a second commit. So on
//! SQLite a [`Tx`] is a savepoint inside a shared write transaction: the transactions waiting for
//! the writer run one after another inside it, each in its own savepoint (released on commit,
//! rolled back if dropped), and the last of a run commits them all with one fsync. A caller's
//! `commit` returns only once that commit is durable, and returns its error if it failed — so a
//! transaction is never reported committed when it is not, and an arrival number taken inside a
//! transaction that fails is given back with it. On PostgreSQL a [`Tx`] is a plain transaction
//! (the server groups commits itself).

use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::Arc;
use std::time::Duration;

use sqlx::pool::PoolConnection;
use sqlx::{Any, AnyConnection, AnyPool, Connection as _, Executor as _};
use tokio::sync::{watch, Mutex, OwnedMutexGuard};

use crate::{Result, StorageError};

/// At most this many transactions share one commit.
const MAX_GROUP: usize = 64;
/// A member waiting this long for its group's commit checks that the group is not left open (a
/// safety net: every path that ends a group ends it explicitly).
const ORPHAN_WAIT: Duration = Duration::from_millis(100);

/// A write transaction. Use it as a connection (`&mut *tx`); commit it with [`Tx::commit`];
/// dropping it rolls back.
#[derive(Debug)]
pub struct Tx(Inner, Signal);

/// Whom to wake when this transaction commits (see [`Tx::signal_on_commit`]).
#[derive(Debug, Default)]
struct Signal {
    to: Option<Arc<tokio::sync::Notify>>,
    armed: bool,
}

#[derive(Debug)]
enum Inner {
    Plain(sqlx::Transaction<'static, Any>),
    Grouped(Member),
}

impl std::ops::Deref for Tx {
    type Target = AnyConnection;
    fn deref(&self) -> &AnyConnection {
        match &self.0 {
            Inner::Plain(t) => t,
            Inner::Grouped(m) => m.conn_ref(),
        }
    }
}

impl std::ops::DerefMut for Tx {
    fn deref_mut(&mut self) -> &mut AnyConnection {
        match &mut self.0 {
            Inner::Plain(t) => t,
            Inner::Grouped(m) => m.conn_mut(),
        }
    }
}

impl Tx {
    pub(crate) async fn plain(pool: &AnyPool) -> Result<Tx> {
        Ok(Tx(Inner::Plain(pool.begin().await?), Signal::default()))
    }

    /// Gives the transaction the store's commit signal (done by `Store::begin`).
    pub(crate) fn with_signal(mut self, to: Arc<tokio::sync::Notify>) -> Tx {
        self.1.to = Some(to);
        self
    }

    /// Asks that the store's commit signal be raised once this transaction has committed
    /// (notifications were written: the in-process dispatcher reads them then).
    pub fn signal_on_commit(&mut self) {
        self.1.armed = true;
    }

    /// Commits; returns once the work is durable (or with the error that kept it from being so).
    pub async fn commit(self) -> Result<()> {
        let Tx(inner, signal) = self;
        match inner {
            Inner::Plain(t) => t.commit().await?,
            Inner::Grouped(m) => m.commit().await?,
        }
        if let (true, Some(to)) = (signal.armed, signal.to) {
            to.notify_one();
        }
        Ok(())
    }
}

/// Runs `sql` (one or more statements) on the writer.
async fn exec(conn: &mut AnyConnection, sql: &'static str) -> Result<(), sqlx::Error> {
    conn.execute(sql).await.map(|_| ())
}

/// Failed groups remembered for members that look late.
const FAILURES_KEPT: usize = 1024;

/// The shared write transaction of an SQLite store.
#[derive(Debug)]
pub(crate) struct Group {
    pool: AnyPool,
    state: Arc<Mutex<State>>,
    /// Transactions waiting for the writer.
    queued: AtomicUsize,
    /// The last shared transaction that ended (committed or failed).
    ended: watch::Sender<u64>,
    /// Recent shared transactions that failed, with why.
    failures: std::sync::Mutex<std::collections::VecDeque<(u64, String)>>,
}

#[derive(Debug, Default)]
struct State {
    /// The writer connection while a shared transaction is open.
    conn: Option<PoolConnection<Any>>,
    /// Number of the open shared transaction (or of the last one).
    generation: u64,
    /// Members in the open shared transaction.
    members: usize,
    /// The last member dropped its savepoint without releasing it.
    dirty: bool,
}

/// One transaction's savepoint in the shared transaction; holds the writer until it commits.
#[derive(Debug)]
pub(crate) struct Member {
    group: Arc<Group>,
    state: Option<OwnedMutexGuard<State>>,
}

const NOT_OPEN: &str = "a member holds the writer while its transaction is open";

impl Group {
    pub fn new(pool: AnyPool) -> Arc<Group> {
        let (ended, _) = watch::channel(0);
        Arc::new(Group {
            pool,
            state: Arc::new(Mutex::new(State::default())),
            queued: AtomicUsize::new(0),
            ended,
            failures: std::sync::Mutex::default(),
        })
    }

    /// Starts a transaction: waits for the writer, opens the shared transaction if needed, and
    /// sets a savepoint. Runs as its own task, so a caller that gives up waiting (a request
    /// cancelled) leaves neither the queue count nor the writer in doubt: the transaction it would
    /// have got is dropped, which rolls it back.
    pub async fn begin(self: &Arc<Group>) -> Result<Tx> {
        let group = self.clone();
        tokio::spawn(async move {
            group.queued.fetch_add(1, Ordering::SeqCst);
            let mut state = group.state.clone().lock_owned().await;
            group.queued.fetch_sub(1, Ordering::SeqCst);
            if let Err(e) = group.prepare(&mut state).await {
                group.abort(&mut state, &e).await;
                return Err(e);
            }
            Ok(Tx(Inner::Grouped(Member { group, state: Some(state) }), Signal::default()))
        })
        .await
        .map_err(|e| StorageError::Config(format!("the writer task failed: {e}")))?
    }

    async fn prepare(&self, state: &mut State) -> Result<()> {
        if state.dirty {
            let conn = state.conn.as_mut().ok_or_else(|| StorageError::Config(NOT_OPEN.into()))?;
            exec(conn, "ROLLBACK TO SAVEPOINT member; RELEASE SAVEPOINT member").await?;
            state.dirty = false;
        }
        if state.conn.is_none() {
            let mut conn = self.pool.acquire().await?;
            exec(&mut conn, "BEGIN IMMEDIATE").await?;
            state.conn = Some(conn);
            state.generation += 1;
            state.members = 0;
        }
        let conn = state.conn.as_mut().ok_or_else(|| StorageError::Config(NOT_OPEN.into()))?;
        exec(conn, "SAVEPOINT member").await?;
        state.members += 1;
        Ok(())
    }

    /// Commits the shared transaction and tells its members.
    async fn commit_shared(&self, state: &mut State) -> Result<()> {
        let result = async {
            if state.dirty {
                if let Some(conn) = state.conn.as_mut() {
                    exec(conn, "ROLLBACK TO SAVEPOINT member; RELEASE SAVEPOINT member").await?;
                }
                state.dirty = false;
            }
            match state.conn.as_mut() {
                Some(conn) => exec(conn, "COMMIT").await.map(|_| ()),
                None => Ok(()),
            }
        }
        .await
        .map_err(StorageError::from);
        match &result {
            Ok(()) => {
                state.conn = None;
                self.ended.send_replace(state.generation);
            }
            Err(e) => self.abort(state, e).await,
        }
        result
    }

    /// Rolls the shared transaction back after an error; its members hear the error.
    async fn abort(&self, state: &mut State, e: &StorageError) {
        if let Some(mut conn) = state.conn.take() {
            if exec(&mut conn, "ROLLBACK").await.is_err() {
                // The transaction may already be gone; a connection in doubt is not reused.
                let _ = conn.detach().close().await;
            }
        }
        state.dirty = false;
        {
            let mut failures = self.failures.lock().unwrap_or_else(|p| p.into_inner());
            if failures.len() >= FAILURES_KEPT {
                failures.pop_front();
            }
            failures.push_back((state.generation, e.to_string()));
        }
        self.ended.send_replace(state.generation);
    }

    /// The result for `generation` once its shared transaction has ended.
    fn settled(&self, ended: &watch::Receiver<u64>, generation: u64) -> Option<Result<()>> {
        if *ended.borrow() < generation {
            return None;
        }
        let failures = self.failures.lock().unwrap_or_else(|p| p.into_inner());
        Some(match failures.iter().find(|(g, _)| *g == generation) {
            Some((_, e)) => Err(StorageError::Config(format!("the write transaction failed: {e}"))),
            None => Ok(()),
        })
    }
}

impl Member {
    fn conn_ref(&self) -> &AnyConnection {
        self.state.as_ref().and_then(|s| s.conn.as_deref()).expect(NOT_OPEN)
    }

    fn conn_mut(&mut self) -> &mut AnyConnection {
        self.state.as_mut().and_then(|s| s.conn.as_deref_mut()).expect(NOT_OPEN)
    }

    /// Releases the savepoint and waits for the group's commit (or commits it, as the last in
    /// line). Runs as its own task: a caller cancelled half-way cannot leave a commit half-sent.
    async fn commit(self) -> Result<()> {
        tokio::spawn(self.commit_here())
            .await
            .map_err(|e| StorageError::Config(format!("the writer task failed: {e}")))?
    }

    async fn commit_here(mut self) -> Result<()> {
        let group = self.group.clone();
        let Some(mut state) = self.state.take() else { return Err(StorageError::Config(NOT_OPEN.into())) };
        let released = match state.conn.as_mut() {
            Some(conn) => exec(conn, "RELEASE SAVEPOINT member").await.map(|_| ()),
            None => Ok(()),
        };
        if let Err(e) = released {
            // The shared transaction is in doubt: roll it back; its members hear the error.
            let e = StorageError::from(e);
            group.abort(&mut state, &e).await;
            return Err(e);
        }
        let generation = state.generation;
        // Last in line, or the group is full: commit now, for everyone in it.
        if group.queued.load(Ordering::SeqCst) == 0 || state.members >= MAX_GROUP {
            return group.commit_shared(&mut state).await;
        }
        let mut ended = group.ended.subscribe();
        drop(state);
        loop {
            if let Some(result) = group.settled(&ended, generation) {
                return result;
            }
            match tokio::time::timeout(ORPHAN_WAIT, ended.changed()).await {
                Ok(Ok(())) => continue,
                Ok(Err(_)) => return Err(StorageError::Config("the writer is gone".into())),
                Err(_) => {
                    // No commit yet: if the group is still open and nobody is about to use it,
                    // the members after this one rolled back — commit it from here.
                    let mut state = group.state.clone().lock_owned().await;
                    if let Some(result) = group.settled(&ended, generation) {
                        return result;
                    }
                    if state.generation == generation
                        && state.conn.is_some()
                        && group.queued.load(Ordering::SeqCst) == 0
                    {
                        return group.commit_shared(&mut state).await;
                    }
                }
            }
        }
    }
}

impl Drop for Member {
    fn drop(&mut self) {
        // Not committed: its savepoint is to be rolled back. If nobody is waiting for the writer,
        // end the shared transaction now (committing the members before this one); otherwise
        // the next user of the writer rolls the savepoint back.
        let Some(mut state) = self.state.take() else { return };
        state.dirty = true;
        if self.group.queued.load(Ordering::SeqCst) > 0 {
            return;
        }
        if let Ok(runtime) = tokio::runtime::Handle::try_current() {
            let group = self.group.clone();
            runtime.spawn(async move {
                if group.queued.load(Ordering::SeqCst) == 0 && state.conn.is_some() {
                    let _ = group.commit_shared(&mut state).await;
                }
            });
        }
    }
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used)]
    use crate::Store;

    #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
    async fn grouped_transactions_keep_what_committed_and_nothing_of_what_did_not() {
        let dir = tempfile::tempdir().unwrap();
        let store = Store::open(&format!("sqlite://{}/g.db", dir.path().display()), 4, false).await.unwrap();
        let mut tx = store.begin().await.unwrap();
        sqlx::query("CREATE TABLE t (id BIGINT PRIMARY KEY, v TEXT NOT NULL UNIQUE)").execute(&mut *tx).await.unwrap();
        sqlx::query("INSERT INTO t (id, v) VALUES (100000, 'taken')").execute(&mut *tx).await.unwrap();
        tx.commit().await.unwrap();

        // 300 concurrent transactions of two statements each: every 5th is dropped after its
        // first insert, every 7th hits a unique-constraint error in its second and is dropped,
        // the rest commit.
        let mut tasks = Vec::new();
        for i in 0..300i64 {
            let store = store.clone();
            tasks.push(tokio::spawn(async move {
                let mut tx = store.begin().await.unwrap();
                sqlx::query("INSERT INTO t (id, v) VALUES ($1, $2)")
                    .bind(i)
                    .bind(format!("v{i}"))
                    .execute(&mut *tx)
                    .await
                    .unwrap();
                tokio::task::yield_now().await;
                if i % 5 == 0 {
                    return None;
                }
                let second = if i % 7 == 0 { "taken".to_string() } else { format!("w{i}") };
                let inserted = sqlx::query("INSERT INTO t (id, v) VALUES ($1, $2)")
                    .bind(i + 10_000)
                    .bind(second)
                    .execute(&mut *tx)
                    .await;
                if inserted.is_err() {
                    return None;
                }
                tx.commit().await.unwrap();
                Some(i)
            }));
        }
        let mut committed = Vec::new();
        for t in tasks {
            committed.extend(t.await.unwrap());
        }
        let expected: Vec<i64> = (0..300).filter(|i| i % 5 != 0 && i % 7 != 0).collect();
        let mut conn = store.read().await.unwrap();
        let ids: Vec<i64> =
            sqlx::query_scalar("SELECT id FROM t WHERE id < 10000 ORDER BY id").fetch_all(&mut *conn).await.unwrap();
        committed.sort_unstable();
        assert_eq!(committed, expected, "who reported a commit");
        assert_eq!(ids, expected, "exactly what was committed is stored");
        let seconds: i64 = sqlx::query_scalar("SELECT COUNT(*) FROM t WHERE id >= 10000 AND id < 100000")
            .fetch_one(&mut *conn)
            .await
            .unwrap();
        assert_eq!(seconds, expected.len() as i64, "both statements of each committed transaction, and no others");
        drop(conn);
        let commits = store.group.as_ref().unwrap().state.lock().await.generation;
        assert!(commits < 300, "transactions shared commits: {commits} commits for 301 transactions");
        // Nothing is left open: the store closes.
        tokio::time::timeout(std::time::Duration::from_secs(10), store.close()).await.unwrap();
    }

    #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
    async fn a_caller_that_gives_up_waiting_for_the_writer_leaves_nothing_in_doubt() {
        let dir = tempfile::tempdir().unwrap();
        let store = Store::open(&format!("sqlite://{}/c.db", dir.path().display()), 4, false).await.unwrap();
        let mut holder = store.begin().await.unwrap();
        sqlx::query("CREATE TABLE t (id BIGINT PRIMARY KEY)").execute(&mut *holder).await.unwrap();
        sqlx::query("INSERT INTO t (id) VALUES (1)").execute(&mut *holder).await.unwrap();
        // Another request waits for the writer and is cancelled while it waits.
        let waited = tokio::time::timeout(std::time::Duration::from_millis(50), store.begin()).await;
        assert!(waited.is_err(), "the writer was busy");
        // The holder's commit is not left waiting for the one that gave up.
        tokio::time::timeout(std::time::Duration::from_secs(5), holder.commit()).await.unwrap().unwrap();
        let mut next = store.begin().await.unwrap();
        sqlx::query("INSERT INTO t (id) VALUES (2)").execute(&mut *next).await.unwrap();
        next.commit().await.unwrap();
        let mut conn = store.read().await.unwrap();
        let ids: Vec<i64> = sqlx::query_scalar("SELECT id FROM t ORDER BY id").fetch_all(&mut *conn).await.unwrap();
        assert_eq!(ids, [1, 2]);
        drop(conn);
        tokio::time::timeout(std::time::Duration::from_secs(10), store.close()).await.unwrap();
    }
}
