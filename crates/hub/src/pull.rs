//! Taking packages from a hub as they come, for agency nodes and for child hubs: several at a time (their
//! checks, fsyncs and commits overlap), without waiting for a whole list — the hub is asked again while
//! earlier packages are still in hand, and what is in hand is not taken twice. Packages about one document
//! are taken in their order (a revocation never overtakes its document). A package whose handling fails
//! stays unacknowledged at the hub and is taken again after a backoff.

use std::collections::HashSet;
use std::future::Future;
use std::time::Duration;

use tokio::sync::watch;
use tokio::task::{JoinError, JoinSet};
use tokio::time::Instant;

use crate::{group_by_document, HubClient, Pending};

/// How long one pending-list call waits at the hub when nothing is in hand.
const LONG_POLL: Duration = Duration::from_secs(25);
/// While packages are in hand, how often the hub is asked for new ones (a long poll would return at once
/// for the packages in hand).
const BUSY_POLL: Duration = Duration::from_millis(25);
/// Longest pause after failures.
const MAX_PAUSE: Duration = Duration::from_secs(30);

type Done = (Vec<String>, Option<String>, Result<(), String>);

/// What is in hand: package ids and the documents they are about.
#[derive(Default)]
struct InHand {
    ids: HashSet<String>,
    documents: HashSet<String>,
}

impl InHand {
    /// Takes a finished group out of hand; `false` when it failed.
    fn settle(&mut self, done: Result<Done, JoinError>, who: &str) -> bool {
        match done {
            Ok((ids, document, result)) => {
                for id in &ids {
                    self.ids.remove(id);
                }
                if let Some(d) = document {
                    self.documents.remove(&d);
                }
                if let Err(e) = &result {
                    tracing::warn!(system = who, error = %e, "taking a package failed; it will be taken again");
                }
                result.is_ok()
            }
            Err(e) => {
                // A panicked task: its packages stay in hand (not retried in a loop) until restart.
                tracing::error!(system = who, error = %e, "a task taking packages failed");
                false
            }
        }
    }
}

/// Pulls what the hub holds for `client`'s system and hands each package to `take` (which fetches, handles
/// and acknowledges it), until `shutdown` turns true.
pub async fn pull<F, Fut>(client: HubClient, mut shutdown: watch::Receiver<bool>, take: F)
where
    F: Fn(HubClient, Pending) -> Fut + Clone + Send + Sync + 'static,
    Fut: Future<Output = Result<(), String>> + Send + 'static,
{
    let who = client.system_code().to_string();
    let mut tasks: JoinSet<Done> = JoinSet::new();
    let mut in_hand = InHand::default();
    let mut failures: u32 = 0;
    let mut last_poll = Instant::now();
    loop {
        if *shutdown.borrow() {
            return;
        }
        while let Some(done) = tasks.try_join_next() {
            failures = if in_hand.settle(done, &who) { failures } else { failures.saturating_add(1) };
        }
        if failures > 0 {
            let pause = Duration::from_secs(1).saturating_mul(1 << failures.min(5).saturating_sub(1)).min(MAX_PAUSE);
            tokio::select! {
                _ = tokio::time::sleep(pause) => {}
                _ = shutdown.changed() => return,
            }
        }
        if !in_hand.ids.is_empty() {
            let until = last_poll + BUSY_POLL;
            while Instant::now() < until {
                tokio::select! {
                    Some(done) = tasks.join_next() => {
                        failures = if in_hand.settle(done, &who) { failures } else { failures.saturating_add(1) };
                    }
                    _ = tokio::time::sleep_until(until) => {}
                    _ = shutdown.changed() => return,
                }
            }
        }
        last_poll = Instant::now();
        let wait = if in_hand.ids.is_empty() { LONG_POLL } else { Duration::ZERO };
        let listed = tokio::select! {
            r = client.pending(wait) => r,
            _ = shutdown.changed() => return,
        };
        let pending = match listed {
            Ok(p) => p,
            Err(e) => {
                tracing::warn!(system = %who, error = %e, "cannot list pending packages");
                failures = failures.saturating_add(1);
                continue;
            }
        };
        failures = 0;
        let new: Vec<Pending> = pending
            .into_iter()
            .filter(|p| !in_hand.ids.contains(&p.id))
            .filter(|p| p.document_id.as_ref().is_none_or(|d| !in_hand.documents.contains(d)))
            .collect();
        for group in group_by_document(new) {
            let ids: Vec<String> = group.iter().map(|p| p.id.clone()).collect();
            let document = group.first().and_then(|p| p.document_id.clone());
            in_hand.ids.extend(ids.iter().cloned());
            in_hand.documents.extend(document.iter().cloned());
            let (client, take) = (client.clone(), take.clone());
            tasks.spawn(async move {
                for p in group {
                    let id = p.id.clone();
                    if let Err(e) = take(client.clone(), p).await {
                        return (ids, document, Err(format!("package {id}: {e}")));
                    }
                }
                (ids, document, Ok(()))
            });
        }
    }
}
