//! `egov hub`: the exchange hub role (its own database, registered systems, the hub API) and the
//! registration of systems from the command line.

use std::process::ExitCode;
use std::sync::Arc;

use anyhow::Context;
use egov_hub::{Hub, HubSettings, NewSystem, SystemKind};
use tokio::net::TcpListener;

use crate::cli::{HubCommand, RegisterArgs};
use crate::config::Settings;
use crate::{server, telemetry};

/// The hub's settings from the configuration.
fn hub_settings(settings: &Settings) -> anyhow::Result<HubSettings> {
    let roots_path = match &settings.hub_trust_roots {
        Some(p) => std::path::PathBuf::from(p),
        None => settings.pki_dir().join("trusted-roots.pem"),
    };
    let trust_roots_pem = std::fs::read_to_string(&roots_path)
        .with_context(|| format!("cannot read the trusted roots {} (hub_trust_roots)", roots_path.display()))?;
    let signer: Option<Arc<dyn egov_pki::Signer>> = match &settings.hub_key_file {
        Some(path) => {
            let bytes = std::fs::read(path).with_context(|| format!("cannot read the hub key {path}"))?;
            let password = settings.hub_key_password.clone().unwrap_or_default();
            let identity =
                egov_pki::read_pkcs12(&bytes, &password).map_err(|e| anyhow::anyhow!("hub_key_file: {e}"))?;
            let signer = egov_pki::KeySigner::from_pkcs8(&identity.private_key_pkcs8, identity.chain)
                .map_err(|e| anyhow::anyhow!("hub_key_file: {e}"))?;
            Some(Arc::new(signer))
        }
        None => None,
    };
    let admin_token = settings
        .hub_admin_token
        .clone()
        .filter(|t| t.len() >= 16)
        .context("hub_admin_token must be set (at least 16 characters): it guards /metrics and /admin")?;
    Ok(HubSettings {
        database_url: settings.hub_database_url.clone(),
        bind: settings.hub_bind.clone(),
        own_code: settings.hub_code.clone().unwrap_or_default(),
        signer,
        upstream_url: settings.hub_upstream_url.clone(),
        trust_roots_pem,
        max_package_bytes: settings.hub_max_package_bytes,
        lenient_edxml: settings.edxml_lenient,
        log_retention_days: settings.hub_log_retention_days,
        admin_token,
        stuck_after_secs: settings.hub_stuck_after_seconds,
        body_dir: settings.hub_body_dir.as_ref().map(std::path::PathBuf::from),
    })
}

/// Runs `egov hub …`.
pub async fn run(settings: &Settings, command: HubCommand) -> anyhow::Result<ExitCode> {
    match command {
        HubCommand::Serve => {
            telemetry::init(settings.log_format, &settings.log_level)?;
            let hub_settings = hub_settings(settings)?;
            let hub = Hub::open(hub_settings).await.context("cannot open the hub")?;
            let listener = TcpListener::bind(&settings.hub_bind)
                .await
                .with_context(|| format!("cannot listen on {}", settings.hub_bind))?;
            let address = listener.local_addr().context("cannot read the listening address")?;
            tracing::info!(%address, upstream = ?settings.hub_upstream_url, "hub listening");
            println!("egov hub is listening on http://{address}");
            let result = hub.clone().run(listener, server::shutdown_signal()).await;
            hub.close().await;
            result?;
            Ok(ExitCode::SUCCESS)
        }
        HubCommand::Register(args) => {
            let hub = Hub::open(hub_settings(settings)?).await.context("cannot open the hub")?;
            let result = register(&hub, &args).await;
            hub.close().await;
            result?;
            println!("{} registered ({})", args.code, args.kind);
            Ok(ExitCode::SUCCESS)
        }
    }
}

async fn register(hub: &Hub, args: &RegisterArgs) -> anyhow::Result<()> {
    let pem = std::fs::read_to_string(&args.certificate)
        .with_context(|| format!("cannot read {}", args.certificate.display()))?;
    let der = egov_pki::pem_to_der_all(&pem)
        .into_iter()
        .next()
        .with_context(|| format!("{} holds no CERTIFICATE block", args.certificate.display()))?;
    let kind = if args.kind == "hub" { SystemKind::Hub } else { SystemKind::Node };
    hub.register_system(&NewSystem {
        code: args.code.clone(),
        name: args.name.clone(),
        kind,
        certificate_der: der,
        level: args.level.clone(),
        parent: args.parent.clone(),
        endpoint: args.endpoint.clone(),
    })
    .await
}
