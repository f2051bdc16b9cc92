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

/// Push delivery: what is pending for a node registered with an endpoint is POSTed there as it
/// is committed, in order, and acknowledged when the node answers 2xx; a node that fails waits
/// (1 s doubling to 5 min) and can still pull meanwhile.
async fn push(inner: Arc<Inner>) {
    let http = match reqwest::Client::builder().timeout(Duration::from_secs(60)).build() {
        Ok(c) => c,
        Err(e) => {
            tracing::error!(error = %e, "push delivery disabled: no HTTP client");
            return;
        }
    };
    // Per node: (earliest next attempt, failures in a row).
    let mut waiting: std::collections::HashMap<String, (i64, i64)> = std::collections::HashMap::new();
    loop {
        if *inner.shutdown.borrow() {
            return;
        }
        let snapshot = match inner.registry.snapshot(&inner.db).await {
            Ok(s) => s,
            Err(e) => {
                tracing::error!(error = %format!("{e:#}"), "push: cannot read the registry");
                if !pause(&inner, Duration::from_secs(5)).await {
                    return;
                }
                continue;
            }
        };
        let now = now_ms();
        let mut next_attempt: Option<i64> = None;
        let mut set = tokio::task::JoinSet::new();
        for s in snapshot.by_code.values().filter(|s| s.kind == crate::SystemKind::Node) {
            let Some(endpoint) = s.endpoint.clone() else { continue };
            let code = s.code.as_str().to_string();
            if let Some(&(at, _)) = waiting.get(&code).filter(|(at, _)| *at > now) {
                next_attempt = Some(next_attempt.map_or(at, |n| n.min(at)));
                continue;
            }
            let (inner, http) = (inner.clone(), http.clone());
            set.spawn(async move {
                let result = push_pending(&inner, &http, &code, &endpoint).await;
                (code, result)
            });
        }
        let mut pushed = 0;
        while let Some(done) = set.join_next().await {
            let Ok((code, result)) = done else { continue };
            match result {
                Ok(n) => {
                    pushed += n;
                    waiting.remove(&code);
                }
                Err(e) => {
                    let failures = waiting.get(&code).map_or(0, |w| w.1) + 1;
                    let at = now_ms() + backoff_ms(failures - 1);
                    tracing::warn!(system = %code, error = %e, failures, "push delivery failed; will retry");
                    waiting.insert(code, (at, failures));
                    next_attempt = Some(next_attempt.map_or(at, |n| n.min(at)));
                }
            }
        }
        if pushed > 0 {
            continue;
        }
        let wait = next_attempt
            .map_or(Duration::from_secs(60), |at| Duration::from_millis((at - now_ms()).clamp(10, 60_000) as u64));
        let mut shutdown = inner.shutdown.subscribe();
        tokio::select! {
            _ = inner.waiters.push.notified() => {}
            _ = tokio::time::sleep(wait) => {}
            _ = shutdown.wait_for(|s| *s) => return,
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
        let answer = request.body(bytes).send().await.map_err(|e| format!("{endpoint}: {e}"))?;
        if !answer.status().is_success() {
            return Err(format!("{endpoint} answered {}", answer.status()));
        }
        let id = p.id.clone();
        inner.write(|tx| WriteOp::Ack(code.to_string(), id, tx)).await.map_err(|r| r.message_en.clone())?;
        delivered += 1;
    }
    Ok(delivered)
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
