//! The edXML document-exchange hub (`egov hub`).
//!
//! A hub carries signed edXML packages (documents and status answers, QCVN 102:2016) between
//! agencies ("systems") and between hubs. It stores every accepted package durably before saying
//! yes, routes each recipient identifier code to a registered node, to a child hub covering it,
//! or up to its parent hub, and hands packages out through a pull API (list pending, fetch,
//! acknowledge). Every call is signed with the calling system's certificate ([`auth`]).
//!
//! Module map: [`auth`] (request signatures), `db` (the hub's own schema and every SQL query),
//! `accept` (the checks a package passes and routing), `http` (the axum router), [`client`]
//! (the HTTP client nodes and child hubs use), `workers` (upstream pull, forwarding up,
//! directory sync, housekeeping), `admin` (metrics and the admin page).
#![forbid(unsafe_code)]

mod accept;
mod admin;
pub mod auth;
pub mod client;
mod db;
mod http;
pub mod pull;
mod registry;
mod segments;
mod workers;

use std::future::Future;
use std::sync::Arc;

use anyhow::Context as _;
use sha2::{Digest, Sha256};

pub use client::{group_by_document, ClientError, DirectoryEntry, HubClient, Pending, Sent, TOO_LARGE};
pub use pull::pull;

/// What a hub needs to run.
#[derive(Clone)]
pub struct HubSettings {
    /// `sqlite://PATH` (created if missing) or `postgres://…`.
    pub database_url: String,
    /// `HOST:PORT` to listen on; port 0 picks a free port.
    pub bind: String,
    /// This hub's identifier code (how it signs towards its upstream), e.g. `H41`.
    pub own_code: String,
    /// This hub's key; needed when `upstream_url` is set.
    pub signer: Option<Arc<dyn egov_pki::Signer>>,
    /// Parent hub base URL, e.g. `http://127.0.0.1:9000`.
    pub upstream_url: Option<String>,
    /// PEM text of the trusted root certificates.
    pub trust_roots_pem: String,
    /// Largest package accepted, in bytes (also the most read from the parent hub).
    pub max_package_bytes: usize,
    /// Read edXML leniently ([`egov_edxml::ReadOptions::lenient`]): accept, with a note, a
    /// `DocumentId` that disagrees with the header, lower-case identifier codes and another
    /// namespace. Off by default.
    pub lenient_edxml: bool,
    /// Package bytes older than this many days whose deliveries are all acknowledged are deleted
    /// by housekeeping (the log row stays); 0 keeps them forever.
    pub log_retention_days: u32,
    /// Bearer token for `/metrics`, and the password of user `admin` on `/admin`.
    pub admin_token: String,
    /// A delivery pending longer than this is listed as stuck on the admin page.
    pub stuck_after_secs: u64,
    /// Folder for package bytes (append-only segment files, written once and synced per group).
    /// None: beside an SQLite database file (`hub.db` → `hub-bodies/`); inside a PostgreSQL
    /// database (table `hub_bodies`), which several hub processes can share.
    pub body_dir: Option<std::path::PathBuf>,
}

impl std::fmt::Debug for HubSettings {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("HubSettings")
            .field("database_url", &redact_url(&self.database_url))
            .field("bind", &self.bind)
            .field("own_code", &self.own_code)
            .field("signer", &self.signer.as_ref().map(|_| "<signer>"))
            .field("upstream_url", &self.upstream_url)
            .field("max_package_bytes", &self.max_package_bytes)
            .field("lenient_edxml", &self.lenient_edxml)
            .field("log_retention_days", &self.log_retention_days)
            .field("admin_token", &"<redacted>")
            .field("stuck_after_secs", &self.stuck_after_secs)
            .field("body_dir", &self.body_dir)
            .finish_non_exhaustive()
    }
}

impl Default for HubSettings {
    fn default() -> Self {
        HubSettings {
            database_url: "sqlite://egov-data/hub.db".into(),
            bind: "127.0.0.1:8090".into(),
            own_code: String::new(),
            signer: None,
            upstream_url: None,
            trust_roots_pem: String::new(),
            max_package_bytes: 60 << 20,
            lenient_edxml: false,
            log_retention_days: 0,
            admin_token: String::new(),
            stuck_after_secs: 300,
            body_dir: None,
        }
    }
}

/// A URL with its password hidden, for logs.
fn redact_url(url: &str) -> String {
    match (url.find("://"), url.rfind('@')) {
        (Some(s), Some(at)) if at > s => {
            let cred = &url[s + 3..at];
            match cred.split_once(':') {
                Some((user, _)) => format!("{}{user}:***{}", &url[..s + 3], &url[at..]),
                None => url.to_string(),
            }
        }
        _ => url.to_string(),
    }
}

/// What a registered system is.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum SystemKind {
    /// An agency's document system: receives packages for its own code.
    Node,
    /// A child hub: receives packages for every code within its code.
    Hub,
}

impl SystemKind {
    fn as_str(self) -> &'static str {
        match self {
            SystemKind::Node => "node",
            SystemKind::Hub => "hub",
        }
    }

    fn parse(s: &str) -> Option<SystemKind> {
        match s {
            "node" => Some(SystemKind::Node),
            "hub" => Some(SystemKind::Hub),
            _ => None,
        }
    }
}

/// A system to register (or update) at this hub.
#[derive(Clone, Debug)]
pub struct NewSystem {
    /// Identifier code (current or legacy form).
    pub code: String,
    /// Display name (shown in the directory).
    pub name: String,
    /// Node or child hub.
    pub kind: SystemKind,
    /// The system's certificate (DER); it must chain to the trusted roots and be valid now.
    pub certificate_der: Vec<u8>,
    /// Level, e.g. `central`, `province`, `district`, `commune`.
    pub level: Option<String>,
    /// Parent agency code, for the directory.
    pub parent: Option<String>,
    /// Push endpoint: packages for this node are POSTed there as they arrive (see the README);
    /// none: the node pulls.
    pub endpoint: Option<String>,
}

/// The package id: lowercase hex SHA-256 of the exact package bytes.
pub fn package_id(bytes: &[u8]) -> String {
    hex::encode(Sha256::digest(bytes))
}

/// A hub: its database, its registry of systems and its workers. Cheap to clone.
#[derive(Clone, Debug)]
pub struct Hub {
    inner: Arc<accept::Inner>,
}

impl Hub {
    /// Connects to the database named in `settings`, applies the hub's migrations and starts the
    /// writer that commits accepted packages.
    pub async fn open(settings: HubSettings) -> anyhow::Result<Hub> {
        if settings.upstream_url.is_some() && settings.signer.is_none() {
            anyhow::bail!("a hub with an upstream needs its own signing key (signer)");
        }
        if settings.upstream_url.is_some() {
            egov_domain::agency_code::AgencyCode::parse(&settings.own_code, "own_code")
                .map_err(|e| anyhow::anyhow!("own_code: {}", e.message_en))?;
        }
        let trust = egov_pki::TrustStore::from_pem(&settings.trust_roots_pem).context("trusted roots")?;
        if trust.is_empty() {
            anyhow::bail!("no trusted root certificate in trust_roots_pem");
        }
        let db = db::Db::open(&settings.database_url, settings.body_dir.as_deref()).await?;
        let inner = accept::Inner::new(settings, trust, db).await?;
        Ok(Hub { inner: Arc::new(inner) })
    }

    /// Registers a system or updates it (same code). Validates the code and the certificate.
    pub async fn register_system(&self, s: &NewSystem) -> anyhow::Result<()> {
        self.inner.register_system(s).await
    }

    /// The HTTP API, `/metrics` and `/admin`.
    pub fn router(&self) -> axum::Router {
        http::router(self.inner.clone())
    }

    /// Serves `listener` and runs the workers until `shutdown` completes.
    pub async fn run(
        self,
        listener: tokio::net::TcpListener,
        shutdown: impl Future<Output = ()> + Send + 'static,
    ) -> anyhow::Result<()> {
        let workers = workers::spawn(self.inner.clone());
        let inner = self.inner.clone();
        let result = axum::serve(listener, self.router())
            .with_graceful_shutdown(async move {
                shutdown.await;
                inner.begin_shutdown();
            })
            .await;
        self.inner.begin_shutdown();
        for w in workers {
            w.abort();
        }
        result.context("hub server")
    }

    /// Stops the writer (after it committed what it holds) and closes the database.
    pub async fn close(&self) {
        self.inner.close().await;
    }
}
