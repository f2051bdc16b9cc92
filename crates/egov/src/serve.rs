//! `egov serve`: logging, database (migrated on start), services, the optional demo province,
//! the HTTP listener, housekeeping, and graceful shutdown.

use anyhow::Context;
use egov_domain::Lang;
use egov_service::demo::{DemoLogin, DEMO_PASSWORD};
use egov_service::Services;
use egov_web::AppState;
use tokio::net::TcpListener;

use crate::admin::open_store;
use crate::config::Settings;
use crate::{server, telemetry};

/// Runs the server until SIGINT or SIGTERM, then shuts down gracefully.
pub async fn run(settings: &Settings, demo: bool) -> anyhow::Result<()> {
    telemetry::init(settings.log_format, &settings.log_level)?;
    tracing::info!(version = env!("CARGO_PKG_VERSION"), ?settings, "starting egov");

    // Both engines migrate on start; `egov migrate` exists for operators who prefer to do it
    // explicitly before rolling out a new version.
    let store = open_store(settings, true, false).await?;
    let services = Services::new(store.clone(), settings.service_settings())?;
    services.reload_calendar().await.context("cannot read the working-day calendar")?;

    let mut fresh_demo = false;
    if demo {
        let logins = services.seed_demo().await.context("cannot create the demo province")?;
        fresh_demo = !logins.is_empty();
        print_demo_logins(&logins);
    }

    let listener =
        TcpListener::bind(&settings.bind).await.with_context(|| format!("cannot listen on {}", settings.bind))?;
    let address = listener.local_addr().context("cannot read the listening address")?;
    let web = settings.web_settings(address);
    if web.public_url.starts_with("https://") && !web.secure_cookies {
        tracing::warn!("public_url is https:// but secure_cookies is false: cookies may leak over plain HTTP");
    }
    if demo {
        let crl_url = format!("{}/pki/demo-root.crl", web.public_url);
        let made = services.create_demo_pki(Some(&crl_url)).await.context("cannot create the demo PKI")?;
        if fresh_demo {
            // Before the demo time-stamp authority is set: it answers only once the server listens.
            let work = services.seed_demo_work().await.context("cannot seed the demo's work")?;
            println!(
                "Demo work: {} incoming documents, {} drafts, {} issued, {} messages, {} case files over the past month.",
                work.incoming, work.drafts, work.issued, work.messages, work.case_files
            );
        }
        if services.tsa_url().is_none() {
            // The demo is its own time-stamp authority, so its signatures are PAdES B-T offline.
            services.set_tsa_url(Some(format!("{}/pki/tsa", web.public_url)));
        }
        println!(
            "Demo signatures: every demo user and agency has a key; the PIN is {} ({} new keys).",
            egov_service::signatures::demo::DEMO_PIN,
            made.personal_keys + made.seal_keys
        );
    }
    let app = egov_web::router(AppState::new(services.clone(), web));

    let housekeeping = tokio::spawn(server::housekeeping(store.clone()));
    let checkpoints = tokio::spawn(server::audit_checkpoints(services.clone()));
    let dispatcher = tokio::spawn(services.clone().run_live_dispatcher());
    let deliveries = tokio::spawn(services.clone().run_delivery_worker());
    let deadlines = tokio::spawn(services.clone().run_deadline_sweeper());
    let calendar = tokio::spawn(services.clone().run_calendar_refresh());
    let (stop_exchange, exchange_stopped) = tokio::sync::watch::channel(false);
    let exchange = settings.hub_url.clone().map(|hub_url| {
        tracing::info!(hub = %hub_url, "exchange worker started");
        tokio::spawn(egov_service::exchange::worker::run(services.clone(), hub_url, exchange_stopped))
    });
    tracing::info!(%address, "listening");
    println!("egov is listening on http://{address} — open it in a browser");

    let served = server::run(listener, app, server::shutdown_signal(), settings.shutdown_grace()).await;
    housekeeping.abort();
    checkpoints.abort();
    dispatcher.abort();
    deliveries.abort();
    deadlines.abort();
    calendar.abort();
    if let Err(e) = services.write_audit_checkpoint().await {
        tracing::warn!(error = %e, "the last audit checkpoint failed");
    }
    let _ = stop_exchange.send(true);
    if let Some(worker) = exchange {
        if tokio::time::timeout(std::time::Duration::from_secs(5), worker).await.is_err() {
            tracing::warn!("the exchange worker did not stop within 5 s");
        }
    }
    if tokio::time::timeout(std::time::Duration::from_secs(5), store.close()).await.is_err() {
        tracing::warn!("database connections did not close within 5 s");
    }
    served.context("the HTTP server failed")?;
    tracing::info!("stopped");
    Ok(())
}

fn print_demo_logins(logins: &[DemoLogin]) {
    if logins.is_empty() {
        println!(
            "The database already has agencies, so the demo province was not added. \
             Demo accounts, if present, use the password {DEMO_PASSWORD}."
        );
        return;
    }
    println!("Demo province created. Sign in with any of these accounts:");
    let width = logins.iter().map(|l| l.username.chars().count()).max().unwrap_or(0);
    let role_width = logins.iter().map(|l| l.role.label(Lang::En).chars().count()).max().unwrap_or(0);
    for l in logins {
        println!("  {:<width$}  {:<role_width$}  {}", l.username, l.role.label(Lang::En), l.who,);
    }
    println!("Password for every demo account: {DEMO_PASSWORD}");
}
