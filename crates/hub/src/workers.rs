//! Background work of a running hub: pulling from the parent hub, forwarding `up` deliveries
//! with retries and exponential backoff, directory sync with the parent, and housekeeping of
//! the message log. Every step is idempotent, so a worker can be stopped anywhere.

use std::sync::Arc;
use std::time::Duration;

use tokio::task::JoinHandle;

use crate::accept::{Inner, Origin};
use crate::db::{now_ms, DirectoryRow, WriteOp, UP};
use crate::ClientError;

/// First retry delay of a failed forward; doubles up to [`MAX_BACKOFF_MS`].
const FIRST_BACKOFF_MS: i64 = 1_000;
const MAX_BACKOFF_MS: i64 = 300_000;
const DIRECTORY_EVERY: Duration = Duration::from_secs(300);
const HOUSEKEEPING_EVERY: Duration = Duration::from_secs(3600);

pub(crate) fn spawn(inner: Arc<Inner>) -> Vec<JoinHandle<()>> {
    let mut handles = vec![tokio::spawn(housekeeping(inner.clone())), tokio::spawn(push(inner.clone()))];
    if inner.upstream.is_some() {
        handles.push(tokio::spawn(forward_up(inner.clone())));
        handles.push(tokio::spawn(pull_upstream(inner.clone())));
        handles.push(tokio::spawn(directory_sync(inner)));
    }
    handles
}

/// Sleeps for `d` or until shutdown; returns `false` on shutdown.
async fn pause(inner: &Inner, d: Duration) -> bool {
    let mut shutdown = inner.shutdown.subscribe();
    if *shutdown.borrow() {
        return false;
    }
    tokio::select! {
        _ = tokio::time::sleep(d) => true,
        _ = shutdown.wait_for(|s| *s) => false,
    }
}

pub(crate) fn backoff_ms(attempts: i64) -> i64 {
    let shift = attempts.clamp(0, 20) as u32;
    FIRST_BACKOFF_MS.saturating_mul(1i64 << shift).min(MAX_BACKOFF_MS)
}

async fn forward_up(inner: Arc<Inner>) {
    let Some(client) = inner.upstream.clone() else { return };
    loop {
        if *inner.shutdown.borrow() {
            return;
        }
        let now = now_ms();
        let due = match inner.db.up_due(now, 32).await {
            Ok(d) => d,
            Err(e) => {
                tracing::error!(error = %format!("{e:#}"), "forwarding: cannot read due deliveries");
                if !pause(&inner, Duration::from_secs(5)).await {
                    return;
                }
                continue;
            }
        };
        if due.is_empty() {
            let wait = match inner.db.next_up_attempt().await {
                Ok(Some(next)) => Duration::from_millis((next - now).clamp(10, 60_000) as u64),
                _ => Duration::from_secs(60),
            };
            let mut shutdown = inner.shutdown.subscribe();
            tokio::select! {
                _ = inner.waiters.up.notified() => {}
                _ = tokio::time::sleep(wait) => {}
                _ = shutdown.wait_for(|s| *s) => return,
            }
            continue;
        }
        let mut set = tokio::task::JoinSet::new();
        for (delivery, message_id, attempts) in due {
            let inner = inner.clone();
            let client = client.clone();
            set.spawn(async move {
                let result = match inner.db.body(&message_id).await {
                    Ok(Some(bytes)) => client.send(&bytes).await.map(|_| ()),
                    Ok(None) => Err(ClientError::Unavailable("package bytes no longer stored".into())),
                    Err(e) => Err(ClientError::Unavailable(format!("{e:#}"))),
                };
                let saved = match &result {
                    Ok(()) => inner.db.up_delivered(delivery).await,
                    Err(e) => {
                        let next = now_ms() + backoff_ms(attempts);
                        tracing::warn!(delivery, message_id, error = %e, "forwarding to the parent hub failed");
                        inner.db.up_failed(delivery, next, &e.to_string()).await
                    }
                };
                if let Err(e) = saved {
                    tracing::error!(error = %format!("{e:#}"), "forwarding: cannot record the outcome");
                }
            });
        }
        while set.join_next().await.is_some() {}
    }
}

/// Push delivery: one loop per node registered with an endpoint (looked for again every minute),
/// so a slow or unreachable node delays no other; see [`push_to`].
async fn push(inner: Arc<Inner>) {
    let http = match reqwest::Client::builder().timeout(Duration::from_secs(60)).build() {
        Ok(c) => c,
        Err(e) => {
            tracing::error!(error = %e, "push delivery disabled: no HTTP client");
            return;
        }
    };
    let mut running: std::collections::HashMap<String, (String, JoinHandle<()>)> = std::collections::HashMap::new();
    loop {
        match inner.registry.snapshot(&inner.db).await {
            Ok(snapshot) => {
                let wanted: std::collections::HashMap<String, String> = snapshot
                    .by_code
                    .values()
                    .filter(|s| s.kind == crate::SystemKind::Node)
                    .filter_map(|s| s.endpoint.clone().map(|e| (s.code.as_str().to_string(), e)))
                    .collect();
                running.retain(|code, (endpoint, task)| {
                    let keep = wanted.get(code) == Some(endpoint) && !task.is_finished();
                    if !keep {
                        task.abort();
                    }
                    keep
                });
                for (code, endpoint) in wanted {
                    if let std::collections::hash_map::Entry::Vacant(slot) = running.entry(code) {
                        let task =
                            tokio::spawn(push_to(inner.clone(), http.clone(), slot.key().clone(), endpoint.clone()));
                        slot.insert((endpoint, task));
                    }
                }
            }
            Err(e) => tracing::error!(error = %format!("{e:#}"), "push: cannot read the registry"),
        }
        if !pause(&inner, Duration::from_secs(60)).await {
            break;
        }
    }
    for (_, (_, task)) in running {
        task.abort();
    }
}

/// Pushes to one node: what is pending, as soon as a commit adds to it, in order; after a failure
/// it waits 1 s doubling to 5 min (the node can pull meanwhile).
async fn push_to(inner: Arc<Inner>, http: reqwest::Client, code: String, endpoint: String) {
    let notify = inner.waiters.get(&code);
    let mut failures: i64 = 0;
    loop {
        if *inner.shutdown.borrow() {
            return;
        }
        // Listen before looking, so a commit in between is not missed.
        let notified = notify.notified();
        tokio::pin!(notified);
        notified.as_mut().enable();
        let wait = match push_pending(&inner, &http, &code, &endpoint).await {
            Ok(0) => {
                failures = 0;
                None
            }
            Ok(_) => {
                failures = 0;
                continue;
            }
            Err(e) => {
                failures += 1;
                tracing::warn!(system = %code, error = %e, failures, "push delivery failed; will retry");
                Some(Duration::from_millis(backoff_ms(failures - 1) as u64))
            }
        };
        let mut shutdown = inner.shutdown.subscribe();
        match wait {
            None => tokio::select! {
                _ = notified => {}
                _ = tokio::time::sleep(Duration::from_secs(60)) => {}
                _ = shutdown.wait_for(|s| *s) => return,
            },
            Some(d) => tokio::select! {
                _ = tokio::time::sleep(d) => {}
                _ = shutdown.wait_for(|s| *s) => return,
            },
        }
    }
}

/// POSTs what is pending for `code` to `endpoint`, oldest first, acknowledging each on a 2xx
/// answer; stops at the first failure. Returns how many were delivered.
async fn push_pending(inner: &Inner, http: &reqwest::Client, code: &str, endpoint: &str) -> Result<usize, String> {
    let pending = inner.db.pending(code, 32).await.map_err(|e| format!("{e:#}"))?;
    let path = reqwest::Url::parse(endpoint).map_err(|e| format!("endpoint {endpoint}: {e}"))?;
    let path_and_query = match path.query() {
        Some(q) => format!("{}?{q}", path.path()),
        None => path.path().to_string(),
    };
    let mut delivered = 0;
    for p in pending {
        let Some((bytes, _)) = inner.db.body_for(code, &p.id).await.map_err(|e| format!("{e:#}"))? else { continue };
        let mut request = http
            .post(endpoint)
            .header(reqwest::header::CONTENT_TYPE, "application/xml")
            .header("X-Egov-Package-Id", &p.id)
            .header("X-Egov-Package-Kind", &p.kind);
        if let Some(signer) = &inner.settings.signer {
            let headers = crate::auth::sign_request(
                signer.as_ref(),
                &inner.settings.own_code,
                "POST",
                &path_and_query,
                now_ms() / 1000,
                &bytes,
            )
            .map_err(|e| format!("cannot sign the push: {e}"))?;
            for (name, value) in headers {
                request = request.header(name, value);
            }
        }
        let size = bytes.len();
        let answer = request.body(bytes).send().await.map_err(|e| format!("{endpoint}: {e}"))?;
        let status = answer.status().as_u16();
        match push_verdict(status) {
            PushVerdict::Taken => {}
            PushVerdict::Refused => {
                // The node refused the package itself: retrying the same bytes cannot help, and
                // would hold back everything after it. Logged (admin page) and acknowledged.
                let r = crate::accept::Refusal::new(
                    status,
                    "refused_by_node",
                    format!("Hệ thống {code} từ chối gói tin được đẩy đến (HTTP {status})."),
                    format!("System {code} refused the pushed package (HTTP {status})."),
                );
                inner.log_refusal(Some(code), &r, Some(&p.id), Some(size)).await;
            }
            PushVerdict::Retry => return Err(format!("{endpoint} answered {}", answer.status())),
        }
        let id = p.id.clone();
        inner.write(|tx| WriteOp::Ack(code.to_string(), id, tx)).await.map_err(|r| r.message_en.clone())?;
        delivered += 1;
    }
    Ok(delivered)
}

/// What a node's answer to a push means for the delivery.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum PushVerdict {
    /// 2xx: taken (stored, or already there); acknowledged.
    Taken,
    /// 400, 413, 422: the node refused this package for good (bad package, too large, not for
    /// it: an egov node answers an unknown agency code exactly like a bad package, 422);
    /// acknowledged and logged.
    Refused,
    /// Anything else — 404 or 405 (no push route there: a wrong endpoint), 401/403, 408, 429, 5xx —
    /// or no answer: the delivery stays pending and is pushed again after a backoff (the node can
    /// pull it meanwhile).
    Retry,
}

/// The verdict on a push answered with HTTP `status`.
pub(crate) fn push_verdict(status: u16) -> PushVerdict {
    match status {
        200..=299 => PushVerdict::Taken,
        400 | 413 | 422 => PushVerdict::Refused,
        _ => PushVerdict::Retry,
    }
}

async fn pull_upstream(inner: Arc<Inner>) {
    let Some(client) = inner.upstream.clone() else { return };
    let shutdown = inner.shutdown.subscribe();
    crate::pull(client, shutdown, move |client, p| {
        let inner = inner.clone();
        async move {
            if take_one(&inner, &client, &p.id).await {
                Ok(())
            } else {
                Err("the parent hub or this hub is unavailable".to_string())
            }
        }
    })
    .await;
}

/// Fetches one package from the parent, accepts it here, then acknowledges it there.
/// Returns `false` when the parent or this hub is unavailable (try again later).
async fn take_one(inner: &Arc<Inner>, client: &crate::HubClient, id: &str) -> bool {
    let bytes = match client.fetch(id).await {
        Ok(b) => b,
        Err(crate::ClientError::Refused { code, .. }) if code == crate::TOO_LARGE => {
            // Larger than this hub takes: refused for good without reading it whole, logged, and
            // acknowledged so that it does not block the queue at the parent.
            let r = crate::accept::Refusal::too_large(inner.settings.max_package_bytes);
            inner.log_refusal(Some(UP), &r, Some(id), None).await;
            return match client.ack(id).await {
                Ok(()) => true,
                Err(e) => e.is_permanent(),
            };
        }
        Err(e) if e.is_permanent() => {
            tracing::warn!(id, error = %e, "parent hub refused the fetch");
            return true;
        }
        Err(e) => {
            tracing::warn!(id, error = %e, "cannot fetch from the parent hub");
            return false;
        }
    };
    let actual = crate::package_id(&bytes);
    if actual != id {
        tracing::error!(id, "package from the parent hub does not match its id; not acknowledged");
        return false;
    }
    match inner.accept(&Origin::Upstream, actual, bytes.into()).await {
        Ok(a) => tracing::debug!(id, duplicate = a.duplicate, "accepted from the parent hub"),
        // A refused package is logged with its reason (the refusal log) and acknowledged, so
        // that it does not block the queue at the parent.
        Err(r) if r.status < 500 => tracing::warn!(id, code = r.code, "package from the parent hub refused"),
        Err(_) => return false,
    }
    match client.ack(id).await {
        Ok(()) => true,
        Err(e) => {
            tracing::warn!(id, error = %e, "cannot acknowledge at the parent hub");
            e.is_permanent()
        }
    }
}

async fn directory_sync(inner: Arc<Inner>) {
    let Some(client) = inner.upstream.clone() else { return };
    loop {
        match crate::http::directory_entries(&inner, false).await {
            Ok(own) => {
                if let Err(e) = client.put_directory(&own).await {
                    tracing::warn!(error = %e, "cannot report the directory to the parent hub");
                }
            }
            Err(e) => tracing::error!(error = %format!("{e:#}"), "cannot read the directory"),
        }
        match client.directory().await {
            Ok(list) => {
                let rows: Vec<DirectoryRow> = list
                    .into_iter()
                    .map(|e| DirectoryRow { code: e.code, name: e.name, level: e.level, parent: e.parent })
                    .collect();
                if let Err(e) = inner.db.replace_directory(UP, &rows).await {
                    tracing::error!(error = %format!("{e:#}"), "cannot store the parent's directory");
                }
            }
            Err(e) => tracing::warn!(error = %e, "cannot fetch the parent hub's directory"),
        }
        if !pause(&inner, DIRECTORY_EVERY).await {
            return;
        }
    }
}

async fn housekeeping(inner: Arc<Inner>) {
    loop {
        let days = inner.settings.log_retention_days;
        if days > 0 {
            let before = now_ms() - i64::from(days) * 86_400_000;
            match inner.db.purge_bodies(before).await {
                Ok(0) => {}
                Ok(n) => tracing::info!(n, days, "message log: package bytes past retention deleted"),
                Err(e) => tracing::error!(error = %format!("{e:#}"), "housekeeping failed"),
            }
        }
        if !pause(&inner, HOUSEKEEPING_EVERY).await {
            return;
        }
    }
}

#[cfg(test)]
mod tests {
    use super::{push_verdict, PushVerdict};

    #[test]
    fn push_answers() {
        for s in [200, 201, 204] {
            assert_eq!(push_verdict(s), PushVerdict::Taken, "{s}");
        }
        for s in [400, 413, 422] {
            assert_eq!(push_verdict(s), PushVerdict::Refused, "{s}");
        }
        for s in [301, 401, 403, 404, 405, 408, 409, 429, 500, 502, 503, 504] {
            assert_eq!(push_verdict(s), PushVerdict::Retry, "{s}");
        }
    }
}
