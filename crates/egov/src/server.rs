//! The HTTP server loop shared by `egov serve` and the integration tests: serving the router
//! with client addresses, graceful shutdown bounded by a grace period, and the housekeeping task.

use std::future::{Future, IntoFuture};
use std::net::SocketAddr;
use std::time::Duration;

use egov_storage::Store;
use tokio::net::TcpListener;

/// How often the audit chain's head is checkpointed (when it moved).
pub const AUDIT_CHECKPOINT_INTERVAL: Duration = Duration::from_secs(60);

/// How often expired sessions are purged.
pub const HOUSEKEEPING_INTERVAL: Duration = Duration::from_secs(5 * 60);

/// Serves `app` on `listener` until `shutdown` completes, then stops accepting connections and
/// lets in-flight requests finish for at most `grace` before dropping them.
///
/// Handlers see the client address through `ConnectInfo<SocketAddr>`.
pub async fn run(
    listener: TcpListener,
    app: axum::Router,
    shutdown: impl Future<Output = ()> + Send + 'static,
    grace: Duration,
) -> std::io::Result<()> {
    let (stopping_tx, stopping_rx) = tokio::sync::oneshot::channel::<()>();
    let signal = async move {
        shutdown.await;
        let _ = stopping_tx.send(());
    };
    let server = axum::serve(listener, app.into_make_service_with_connect_info::<SocketAddr>())
        .with_graceful_shutdown(signal)
        .into_future();
    let mut server = std::pin::pin!(server);
    tokio::select! {
        biased;
        done = &mut server => done,
        _ = stopping_rx => {
            tracing::info!(grace_seconds = grace.as_secs(), "shutting down: finishing in-flight requests");
            match tokio::time::timeout(grace, server).await {
                Ok(done) => done,
                Err(_) => {
                    tracing::warn!("grace period over; dropping the requests still running");
                    Ok(())
                }
            }
        }
    }
}

/// Completes on SIGINT (Ctrl-C) or, on Unix, SIGTERM.
pub async fn shutdown_signal() {
    let interrupt = async {
        if let Err(e) = tokio::signal::ctrl_c().await {
            tracing::error!(error = %e, "cannot listen for Ctrl-C");
            std::future::pending::<()>().await;
        }
    };
    #[cfg(unix)]
    let terminate = async {
        match tokio::signal::unix::signal(tokio::signal::unix::SignalKind::terminate()) {
            Ok(mut sig) => {
                sig.recv().await;
            }
            Err(e) => {
                tracing::error!(error = %e, "cannot listen for SIGTERM");
                std::future::pending::<()>().await;
            }
        }
    };
    #[cfg(not(unix))]
    let terminate = std::future::pending::<()>();
    tokio::select! {
        _ = interrupt => tracing::info!("received SIGINT"),
        _ = terminate => tracing::info!("received SIGTERM"),
    }
}

/// Periodic maintenance, forever: every [`HOUSEKEEPING_INTERVAL`] (and once at start) deletes
/// expired sessions. Failures are logged and retried at the next tick. Abort the task to stop it.
pub async fn housekeeping(store: Store) {
    let mut tick = tokio::time::interval(HOUSEKEEPING_INTERVAL);
    tick.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Delay);
    loop {
        tick.tick().await;
        match purge_expired_sessions(&store).await {
            Ok(0) => {}
            Ok(n) => tracing::info!(sessions = n, "expired sessions removed"),
            Err(e) => tracing::warn!(error = %e, "housekeeping failed; retrying at the next tick"),
        }
    }
}

/// Every [`AUDIT_CHECKPOINT_INTERVAL`] (and once at start) signs the audit chain's head into
/// the checkpoint file and the log when it moved. Abort the task to stop it; `egov serve` writes
/// a last checkpoint after the server stopped.
pub async fn audit_checkpoints(services: egov_service::Services) {
    let mut tick = tokio::time::interval(AUDIT_CHECKPOINT_INTERVAL);
    tick.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Delay);
    loop {
        tick.tick().await;
        if let Err(e) = services.write_audit_checkpoint().await {
            tracing::warn!(error = %e, "audit checkpoint failed; retrying at the next tick");
        }
    }
}

/// Deletes the sessions that have expired, in one transaction; returns how many.
pub async fn purge_expired_sessions(store: &Store) -> egov_storage::Result<u64> {
    let mut tx = store.begin().await?;
    let n = egov_storage::accounts::purge_expired_sessions(&mut tx, egov_service::now_ms()).await?;
    tx.commit().await?;
    Ok(n)
}
