//! The open pages' channel: each browser stream registers for its person, and one dispatcher
//! per process hands every new notification to that person's streams. It learns of new
//! notifications from PostgreSQL's NOTIFY (every process on one database hears every commit;
//! after a lost connection, streams are told to read their state again) or, on SQLite (one
//! process), from the store's commit signal.

use std::collections::HashMap;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, Mutex};
use std::time::Duration;

use egov_storage::notifications::{self as ndb, NotificationRow};
use tokio::sync::mpsc;

use crate::Services;

/// What a stream receives.
#[derive(Clone, Debug)]
pub enum LiveEvent {
    /// A new notification for the stream's person.
    Notification(Arc<NotificationRow>),
    /// Some notifications may have been missed: read what came after the last one seen.
    Resync,
}

/// How many events wait for a slow stream before it is told to resync instead.
const STREAM_QUEUE: usize = 16;

/// One open stream: its number and its queue.
type StreamEntry = (u64, mpsc::Sender<LiveEvent>);

/// The streams open in this process, by person.
#[derive(Debug, Default)]
pub struct Live {
    streams: Mutex<HashMap<i64, Vec<StreamEntry>>>,
    next: AtomicU64,
}

/// A registered stream; dropping it unregisters.
#[derive(Debug)]
pub struct LiveStream {
    pub events: mpsc::Receiver<LiveEvent>,
    live: Arc<Live>,
    user_id: i64,
    id: u64,
}

impl Drop for LiveStream {
    fn drop(&mut self) {
        let mut map = self.live.streams.lock().unwrap_or_else(std::sync::PoisonError::into_inner);
        if let Some(list) = map.get_mut(&self.user_id) {
            list.retain(|(id, _)| *id != self.id);
            if list.is_empty() {
                map.remove(&self.user_id);
            }
        }
    }
}

impl Live {
    /// Registers a stream for a person.
    pub fn subscribe(self: &Arc<Self>, user_id: i64) -> LiveStream {
        let (tx, rx) = mpsc::channel(STREAM_QUEUE);
        let id = self.next.fetch_add(1, Ordering::Relaxed);
        self.streams
            .lock()
            .unwrap_or_else(std::sync::PoisonError::into_inner)
            .entry(user_id)
            .or_default()
            .push((id, tx));
        LiveStream { events: rx, live: self.clone(), user_id, id }
    }

    /// Open streams in this process.
    pub fn stream_count(&self) -> usize {
        self.streams.lock().unwrap_or_else(std::sync::PoisonError::into_inner).values().map(Vec::len).sum()
    }

    /// Hands notifications to their persons' streams; returns how many stream deliveries.
    pub fn dispatch(&self, rows: Vec<NotificationRow>) -> usize {
        let map = self.streams.lock().unwrap_or_else(std::sync::PoisonError::into_inner);
        let mut n = 0;
        for row in rows {
            let Some(list) = map.get(&row.user_id) else { continue };
            let row = Arc::new(row);
            for (_, tx) in list {
                // A stream too slow to keep up catches up by reading again.
                if tx.try_send(LiveEvent::Notification(row.clone())).is_err() {
                    let _ = tx.try_send(LiveEvent::Resync);
                }
                n += 1;
            }
        }
        n
    }

    /// Tells every stream to read its state again.
    pub fn resync_all(&self) {
        let map = self.streams.lock().unwrap_or_else(std::sync::PoisonError::into_inner);
        for (_, tx) in map.values().flatten() {
            let _ = tx.try_send(LiveEvent::Resync);
        }
    }
}

impl Services {
    /// Runs this process's dispatcher until the process ends.
    pub async fn run_live_dispatcher(self) {
        loop {
            let result = match self.store.listen_notifications().await {
                Ok(Some(listener)) => self.dispatch_postgres(listener).await,
                Ok(None) => self.dispatch_sqlite().await,
                Err(e) => Err(e.into()),
            };
            if let Err(e) = result {
                tracing::warn!(error = %e, "notification dispatcher: retrying in 2 s");
            }
            self.live.resync_all();
            tokio::time::sleep(Duration::from_secs(2)).await;
        }
    }

    async fn dispatch_postgres(&self, mut listener: egov_storage::notifications::Listener) -> crate::AppResult<()> {
        // Whatever was committed before LISTEN began is read by the streams themselves.
        self.live.resync_all();
        loop {
            match listener.recv().await? {
                Some(ids) => {
                    let mut c = self.store.read().await?;
                    let rows = ndb::by_ids(&mut c, &ids).await?;
                    drop(c);
                    self.live.dispatch(rows);
                }
                None => self.live.resync_all(),
            }
        }
    }

    async fn dispatch_sqlite(&self) -> crate::AppResult<()> {
        let signal = self.store.commit_signal();
        let mut mark = {
            let mut c = self.store.read().await?;
            ndb::max_id(&mut c).await?
        };
        loop {
            // The signal, or a slow poll as a safety net.
            let _ = tokio::time::timeout(Duration::from_secs(5), signal.notified()).await;
            loop {
                let mut c = self.store.read().await?;
                let rows = ndb::all_after(&mut c, mark, 500).await?;
                drop(c);
                let Some(last) = rows.last().map(|r| r.id) else { break };
                let full = rows.len() == 500;
                mark = last;
                self.live.dispatch(rows);
                if !full {
                    break;
                }
            }
        }
    }
}
