//! egov's workflows. Each module owns one capability; each state-changing call runs in one
//! transaction that also writes its audit entry. Handlers call exactly one function here.
#![forbid(unsafe_code)]

pub mod audit;
pub mod auth;
pub mod calendar;
pub mod demo;
pub mod documents;
mod error;
pub mod exchange;
pub mod notify;
pub mod org;
pub mod password;
pub mod signatures;
pub mod users;
pub mod work;

use std::sync::Arc;
use std::time::Duration;

pub use egov_domain::authz::{Actor, Scope};
use egov_storage::Store;
pub use error::{AppError, AppResult, Check};
pub use password::Argon2Cost;

/// Settings the workflows need (a subset of the server configuration).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct ServiceSettings {
    /// A session ends after this long without use.
    pub session_idle: Duration,
    /// A session ends this long after sign-in, used or not.
    pub session_max: Duration,
    /// Failed sign-ins for one username before it is locked.
    pub lockout_threshold: u32,
    /// Failed sign-ins from one address before it is locked.
    pub ip_lockout_threshold: u32,
    /// Window in which failures are counted, and how long a lock lasts.
    pub lockout_window: Duration,
    /// Argon2id cost for new password hashes.
    pub argon2: Argon2Cost,
    /// Issuer name shown in authenticator apps.
    pub totp_issuer: String,
    /// Largest accepted upload, in bytes.
    pub max_file_bytes: u64,
    /// Folder of the content-addressed file store.
    pub files_dir: std::path::PathBuf,
    /// Extra public holidays (days off announced for the year), on top of the built-in calendar.
    pub extra_holidays: Vec<jiff::civil::Date>,
    /// Folder of the PKI files: `trusted-roots.pem` (the roots signatures are checked against) and the demo root.
    pub pki_dir: std::path::PathBuf,
    /// Time-stamp authority (RFC 3161 over HTTP) for PAdES B-T signatures; none: B-B.
    pub tsa_url: Option<String>,
    /// The exchange hub this node talks to (for its directory of agencies); none: no exchange.
    pub hub_url: Option<String>,
    /// Largest edXML package taken, in bytes, at every entry (upload, push, pull): refused by
    /// size before it is parsed.
    pub max_package_bytes: usize,
    /// Read arriving edXML leniently ([`egov_edxml::ReadOptions::lenient`]); off by default.
    pub edxml_lenient: bool,
    /// The mail server notifications go through; none: no e-mail.
    pub mail: Option<MailSettings>,
    /// The contact (`mailto:` or `https:`) Web Push services see; none: no Web Push.
    pub push_subject: Option<String>,
    /// Accept push endpoints on loopback over plain http (tests and local push services only).
    pub push_allow_loopback: bool,
    /// The address people reach this server at, for links in e-mails.
    pub public_url: String,
}

impl Default for ServiceSettings {
    fn default() -> Self {
        ServiceSettings {
            session_idle: Duration::from_secs(2 * 3600),
            session_max: Duration::from_secs(12 * 3600),
            lockout_threshold: 5,
            ip_lockout_threshold: 50,
            lockout_window: Duration::from_secs(15 * 60),
            argon2: Argon2Cost::default(),
            totp_issuer: "egov".into(),
            max_file_bytes: 50 * 1024 * 1024,
            files_dir: "egov-data/files".into(),
            extra_holidays: Vec::new(),
            pki_dir: "egov-data/pki".into(),
            tsa_url: None,
            hub_url: None,
            max_package_bytes: 60 * 1024 * 1024,
            edxml_lenient: false,
            mail: None,
            push_subject: None,
            push_allow_loopback: false,
            public_url: "http://localhost:8080".into(),
        }
    }
}

/// The mail server of notifications: `url` as `egov_notify::mail` reads it (may hold a
/// password: `Debug` hides it), `from` the sender address.
#[derive(Clone, PartialEq, Eq)]
pub struct MailSettings {
    pub url: String,
    pub from: String,
}

impl std::fmt::Debug for MailSettings {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("MailSettings").field("url", &"(redacted)").field("from", &self.from).finish()
    }
}

/// The workflows with what they share: the store, the settings, the password hasher.
#[derive(Clone, Debug)]
pub struct Services {
    pub store: Store,
    pub settings: Arc<ServiceSettings>,
    hasher: Arc<password::Hasher>,
    /// Where uploaded files live, by SHA-256.
    pub files: Arc<egov_files::FileStore>,
    /// Working days, for deadlines: the statutory calendar with the declared days
    /// ([`Services::calendar`]; reloaded by [`Services::reload_calendar`]).
    calendar: Arc<std::sync::RwLock<Arc<egov_domain::calendar::WorkCalendar>>>,
    /// The roots signatures are checked against (reloaded when `egov pki` changes them).
    trust: Arc<std::sync::RwLock<Arc<egov_pki::TrustStore>>>,
    /// The time-stamp authority's URL (RFC 3161 over HTTP), when signatures get time-stamps.
    tsa: Arc<std::sync::RwLock<Option<String>>>,
    /// Agencies' exchange keys, opened once with the server's key-encryption key.
    exchange_signers: Arc<std::sync::Mutex<std::collections::HashMap<i64, Arc<egov_pki::KeySigner>>>>,
    /// Woken when a package enters the outbox (the exchange worker sends it at once).
    pub(crate) exchange_wake: Arc<tokio::sync::Notify>,
    /// The hub's directory of agencies, with when it was fetched.
    pub(crate) hub_directory: exchange::DirectoryCache,
    /// The browser streams open in this process.
    pub live: Arc<notify::live::Live>,
    /// Woken when an outside delivery should be tried at once.
    pub(crate) delivery_wake: Arc<tokio::sync::Notify>,
    /// The mailer and push client, when configured.
    pub(crate) outside: notify::delivery::Outside,
    /// The VAPID key (kept in `pki_dir/vapid.key`), when Web Push is on.
    pub(crate) push_key: Option<egov_notify::push::VapidKey>,
}

impl Services {
    /// Builds the services over an open store.
    pub fn new(store: Store, settings: ServiceSettings) -> anyhow::Result<Services> {
        let hasher = password::Hasher::new(settings.argon2)?;
        let files = egov_files::FileStore::open(&settings.files_dir)
            .map_err(|e| anyhow::anyhow!("cannot open the file store at {}: {e}", settings.files_dir.display()))?;
        let calendar =
            egov_domain::calendar::WorkCalendar::vietnam().with_holidays(settings.extra_holidays.iter().copied());
        let trust = signatures::load_trust(&settings.pki_dir)?;
        let mailer = match &settings.mail {
            Some(m) => Some(
                egov_notify::mail::Mailer::new(&egov_notify::mail::MailConfig {
                    url: m.url.clone(),
                    from: m.from.clone(),
                })
                .map_err(|e| anyhow::anyhow!("mail settings: {e}"))?,
            ),
            None => None,
        };
        let push_key = match &settings.push_subject {
            Some(_) => Some(notify::vapid_key(&settings.pki_dir)?),
            None => None,
        };
        let push = push_key
            .clone()
            .zip(settings.push_subject.as_deref())
            .map(|(k, subject)| egov_notify::push::PushClient::new(k, subject));
        let outside =
            notify::delivery::Outside { mailer, push, base_url: settings.public_url.trim_end_matches('/').to_string() };
        Ok(Services {
            live: Arc::default(),
            delivery_wake: Arc::default(),
            outside,
            push_key,
            trust: Arc::new(std::sync::RwLock::new(Arc::new(trust))),
            tsa: Arc::new(std::sync::RwLock::new(settings.tsa_url.clone())),
            exchange_signers: Arc::default(),
            exchange_wake: Arc::default(),
            hub_directory: Arc::default(),
            store,
            settings: Arc::new(settings),
            hasher: Arc::new(hasher),
            files: Arc::new(files),
            calendar: Arc::new(std::sync::RwLock::new(Arc::new(calendar))),
        })
    }
}

/// Who is making a request and from where: the input to every permission check and audit entry.
#[derive(Clone, Debug)]
pub struct Caller {
    pub actor: Actor,
    /// Client address, as seen by the server.
    pub ip: Option<String>,
    /// The browser session, if signed in through one.
    pub session_id: Option<i64>,
    /// The API token, if the call carries one.
    pub token_id: Option<i64>,
}

impl Caller {
    /// The command line or the system itself acting with full rights (`egov admin`, the demo
    /// seed). Audit entries name `label` and no user.
    pub fn system(label: &str) -> Caller {
        Caller {
            actor: Actor {
                user_id: 0,
                username: label.to_string(),
                agency_id: 0,
                grants: vec![egov_domain::authz::Grant {
                    role: egov_domain::Role::SystemAdmin,
                    agency_id: 0,
                    agency_path: "/".into(),
                }],
                scopes: None,
            },
            ip: None,
            session_id: None,
            token_id: None,
        }
    }

    /// The caller's account, `None` for [`Caller::system`].
    pub fn account_id(&self) -> Option<i64> {
        (self.actor.user_id > 0).then_some(self.actor.user_id)
    }
}

/// Commits a write transaction.
pub(crate) async fn commit(tx: egov_storage::Tx) -> AppResult<()> {
    tx.commit().await?;
    Ok(())
}

/// `n` random bytes from the operating system's generator, as lowercase hex.
pub fn random_hex(n: usize) -> String {
    use rand::RngCore;
    let mut bytes = vec![0u8; n];
    rand::rngs::OsRng.fill_bytes(&mut bytes);
    hex::encode(bytes)
}

/// Milliseconds since the Unix epoch.
pub fn now_ms() -> i64 {
    std::time::SystemTime::now().duration_since(std::time::UNIX_EPOCH).map(|d| d.as_millis() as i64).unwrap_or_default()
}
