//! Configuration: one typed [`Settings`] struct, layered from lowest to highest precedence:
//! built-in defaults → `egov.toml` → `EGOV_*` environment variables → command-line flags.
//!
//! Every setting is a flat key: `database_url` in `egov.toml` is `EGOV_DATABASE_URL` in the
//! environment. Unknown keys in the file are an error, so a typo never silently falls back to
//! a default. The database URL may carry a password: [`Settings`]' `Debug` output, the
//! `show-config` command and every log line show it redacted (see [`redact_url`]).
//! `docs/configuration.md` documents each setting; keep it in step with this file.

use std::fmt;
use std::net::SocketAddr;
use std::path::{Path, PathBuf};
use std::time::Duration;

use anyhow::{bail, Context};
use egov_service::{Argon2Cost, ServiceSettings};
use egov_web::WebSettings;
use figment::providers::{Env, Format, Serialized, Toml};
use figment::Figment;
use serde::{Deserialize, Serialize};

/// Prefix of the environment variables read as settings.
pub const ENV_PREFIX: &str = "EGOV_";

/// The configuration file read when `--config` is not given (and only if it exists).
pub const DEFAULT_CONFIG_FILE: &str = "egov.toml";

/// Environment variable naming the configuration file, as an alternative to `--config`.
pub const CONFIG_ENV: &str = "EGOV_CONFIG";

/// Every setting key. Only these are read from `EGOV_*` variables, so that unrelated variables
/// sharing the prefix (`EGOV_NEW_PASSWORD`, `EGOV_TEST_DATABASE_URL`, …) are not mistaken for
/// settings.
pub const KEYS: &[&str] = &[
    "bind",
    "database_url",
    "database_max_connections",
    "public_url",
    "secure_cookies",
    "max_body_bytes",
    "max_file_bytes",
    "files_dir",
    "pki_dir",
    "tsa_url",
    "log_format",
    "log_level",
    "session_idle_minutes",
    "session_max_hours",
    "lockout_threshold",
    "ip_lockout_threshold",
    "lockout_minutes",
    "argon2_memory_kib",
    "argon2_iterations",
    "argon2_parallelism",
    "totp_issuer",
    "shutdown_grace_seconds",
    "metrics_token",
    "hub_url",
    "edxml_lenient",
    "mail_url",
    "mail_from",
    "push_subject",
    "hub_bind",
    "hub_database_url",
    "hub_code",
    "hub_upstream_url",
    "hub_key_file",
    "hub_key_password",
    "hub_trust_roots",
    "hub_admin_token",
    "hub_max_package_bytes",
    "hub_log_retention_days",
    "hub_stuck_after_seconds",
    "hub_body_dir",
];

/// How log lines are written to standard error.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum LogFormat {
    /// Human-readable lines (the default).
    #[default]
    Text,
    /// One JSON object per line, for log collectors.
    Json,
}

/// The whole server configuration. Field documentation mirrors `docs/configuration.md`.
#[derive(Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct Settings {
    /// Address and port to listen on (`HOST:PORT`; port 0 picks a free port).
    pub bind: String,
    /// `sqlite://PATH` (embedded, the default) or `postgres://USER:PASSWORD@HOST:PORT/DB`.
    pub database_url: String,
    /// Most connections kept open to the database (readers, on SQLite).
    pub database_max_connections: u32,
    /// Address people reach the server at, e.g. `https://egov.example.gov.vn`; defaults to
    /// `http://` + the bound address.
    pub public_url: Option<String>,
    /// Mark session cookies `Secure`; defaults to true exactly when `public_url` is `https://…`.
    pub secure_cookies: Option<bool>,
    /// Largest request body accepted, in bytes (a form may carry several files).
    pub max_body_bytes: usize,
    /// Largest accepted file, in bytes.
    pub max_file_bytes: u64,
    /// Folder of the content-addressed file store; defaults to `files/` beside the SQLite
    /// database, or `egov-data/files` with PostgreSQL.
    pub files_dir: Option<String>,
    /// Folder of the PKI files (`trusted-roots.pem`, the demo root); defaults to `pki/` beside the file store.
    pub pki_dir: Option<String>,
    /// Time-stamp authority (RFC 3161 over HTTP) for PAdES B-T signatures; none: B-B (the demo uses its own).
    pub tsa_url: Option<String>,
    /// `text` or `json`.
    pub log_format: LogFormat,
    /// Log filter (`info`, `debug`, `egov=debug,info`, …); `RUST_LOG` wins when set.
    pub log_level: String,
    /// A session ends after this many minutes without use.
    pub session_idle_minutes: u64,
    /// A session ends this many hours after sign-in, used or not.
    pub session_max_hours: u64,
    /// Failed sign-ins for one username before it is temporarily locked.
    pub lockout_threshold: u32,
    /// Failed sign-ins from one client address before that address is temporarily locked.
    pub ip_lockout_threshold: u32,
    /// Window in which failures are counted, and how long a lockout lasts, in minutes.
    pub lockout_minutes: u64,
    /// Argon2id memory cost in KiB for new password hashes.
    pub argon2_memory_kib: u32,
    /// Argon2id passes over memory.
    pub argon2_iterations: u32,
    /// Argon2id lanes.
    pub argon2_parallelism: u32,
    /// Issuer name shown in authenticator apps for the TOTP second factor.
    pub totp_issuer: String,
    /// On SIGINT/SIGTERM, how long in-flight requests may run before they are cut off.
    pub shutdown_grace_seconds: u64,
    /// The exchange hub this node sends and receives edXML packages through (`egov serve`); none: no exchange.
    pub hub_url: Option<String>,
    /// Accept, with a note, arriving edXML packages that strict reading refuses (a `DocumentId` that
    /// disagrees with the header, lower-case identifier codes, another root namespace); `egov serve`
    /// and `egov hub`. Off by default.
    pub edxml_lenient: bool,
    /// The SMTP server notifications are mailed through: `smtp://host[:port]`,
    /// `smtp+starttls://…` or `smtps://…`, optionally with `user:password@`; none: no e-mail.
    pub mail_url: Option<String>,
    /// The sender address of notification mails (required with `mail_url`).
    pub mail_from: Option<String>,
    /// The contact Web Push services see (`mailto:…` or `https:…`); set it to turn Web Push on.
    pub push_subject: Option<String>,
    /// `egov hub`: address and port to listen on.
    pub hub_bind: String,
    /// `egov hub`: the hub's own database (`sqlite://PATH` or `postgres://…`).
    pub hub_database_url: String,
    /// `egov hub`: the hub's own identifier code (how it signs towards its parent hub).
    pub hub_code: Option<String>,
    /// `egov hub`: the parent hub (a provincial hub's national hub); none for a top hub.
    pub hub_upstream_url: Option<String>,
    /// `egov hub`: PKCS#12 file with the hub's key and certificate (needed with `hub_upstream_url`).
    pub hub_key_file: Option<String>,
    /// `egov hub`: password of `hub_key_file` (secret).
    pub hub_key_password: Option<String>,
    /// `egov hub`: PEM file of the roots agency certificates must chain to; defaults to `trusted-roots.pem` in `pki_dir`.
    pub hub_trust_roots: Option<String>,
    /// `egov serve`: token `/metrics` asks for (`Authorization: Bearer …`, ≥ 16 characters);
    /// without it `/metrics` is not served (secret).
    pub metrics_token: Option<String>,
    /// `egov hub`: token for `/metrics` (Bearer) and the admin page (Basic, user `admin`) (secret).
    pub hub_admin_token: Option<String>,
    /// Largest edXML package accepted, in bytes: by `egov hub`, and by `egov serve` at every
    /// entry (upload, push, pull).
    pub hub_max_package_bytes: usize,
    /// `egov hub`: days the message log keeps a delivered package's bytes (0: forever).
    pub hub_log_retention_days: u32,
    /// `egov hub`: a delivery pending longer than this is listed as stuck on the admin page.
    pub hub_stuck_after_seconds: u64,
    /// `egov hub`: folder for package bytes (segment files); by default beside an SQLite hub
    /// database, inside a PostgreSQL one.
    pub hub_body_dir: Option<String>,
}

impl Default for Settings {
    fn default() -> Self {
        let argon2 = Argon2Cost::default();
        Settings {
            bind: "127.0.0.1:8080".into(),
            database_url: "sqlite://egov-data/egov.db".into(),
            database_max_connections: 16,
            public_url: None,
            secure_cookies: None,
            max_body_bytes: 110 * 1024 * 1024,
            max_file_bytes: 50 * 1024 * 1024,
            files_dir: None,
            pki_dir: None,
            tsa_url: None,
            log_format: LogFormat::Text,
            log_level: "info".into(),
            session_idle_minutes: 120,
            session_max_hours: 12,
            lockout_threshold: 5,
            ip_lockout_threshold: 50,
            lockout_minutes: 15,
            argon2_memory_kib: argon2.memory_kib,
            argon2_iterations: argon2.iterations,
            argon2_parallelism: argon2.parallelism,
            totp_issuer: "egov".into(),
            shutdown_grace_seconds: 30,
            hub_url: None,
            edxml_lenient: false,
            mail_url: None,
            mail_from: None,
            push_subject: None,
            hub_bind: "127.0.0.1:8090".into(),
            hub_database_url: "sqlite://egov-data/hub.db".into(),
            hub_code: None,
            hub_upstream_url: None,
            hub_key_file: None,
            hub_key_password: None,
            hub_trust_roots: None,
            hub_admin_token: None,
            metrics_token: None,
            hub_max_package_bytes: 60 * 1024 * 1024,
            hub_log_retention_days: 365,
            hub_stuck_after_seconds: 300,
            hub_body_dir: None,
        }
    }
}

impl fmt::Debug for Settings {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Settings")
            .field("bind", &self.bind)
            .field("database_url", &redact_url(&self.database_url))
            .field("database_max_connections", &self.database_max_connections)
            .field("public_url", &self.public_url)
            .field("secure_cookies", &self.secure_cookies)
            .field("max_body_bytes", &self.max_body_bytes)
            .field("max_file_bytes", &self.max_file_bytes)
            .field("files_dir", &self.files_dir)
            .field("pki_dir", &self.pki_dir)
            .field("tsa_url", &self.tsa_url)
            .field("log_format", &self.log_format)
            .field("log_level", &self.log_level)
            .field("session_idle_minutes", &self.session_idle_minutes)
            .field("session_max_hours", &self.session_max_hours)
            .field("lockout_threshold", &self.lockout_threshold)
            .field("ip_lockout_threshold", &self.ip_lockout_threshold)
            .field("lockout_minutes", &self.lockout_minutes)
            .field("argon2_memory_kib", &self.argon2_memory_kib)
            .field("argon2_iterations", &self.argon2_iterations)
            .field("argon2_parallelism", &self.argon2_parallelism)
            .field("totp_issuer", &self.totp_issuer)
            .field("shutdown_grace_seconds", &self.shutdown_grace_seconds)
            .field("hub_url", &self.hub_url)
            .field("edxml_lenient", &self.edxml_lenient)
            .field("mail_url", &self.mail_url.as_deref().map(redact_url))
            .field("mail_from", &self.mail_from)
            .field("push_subject", &self.push_subject)
            .field("hub_bind", &self.hub_bind)
            .field("hub_database_url", &redact_url(&self.hub_database_url))
            .field("hub_code", &self.hub_code)
            .field("hub_upstream_url", &self.hub_upstream_url)
            .field("hub_key_file", &self.hub_key_file)
            .field("hub_key_password", &self.hub_key_password.as_ref().map(|_| "***"))
            .field("hub_trust_roots", &self.hub_trust_roots)
            .field("hub_admin_token", &self.hub_admin_token.as_ref().map(|_| "***"))
            .field("metrics_token", &self.metrics_token.as_ref().map(|_| "***"))
            .field("hub_max_package_bytes", &self.hub_max_package_bytes)
            .field("hub_log_retention_days", &self.hub_log_retention_days)
            .field("hub_stuck_after_seconds", &self.hub_stuck_after_seconds)
            .field("hub_body_dir", &self.hub_body_dir)
            .finish()
    }
}

/// Values given on the command line; `None` leaves the lower layers in charge.
#[derive(Clone, Debug, Default, Serialize)]
pub struct Overrides {
    /// `--bind`.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub bind: Option<String>,
    /// `--database-url`.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub database_url: Option<String>,
}

impl Settings {
    /// Loads the layered configuration from the real environment and file system.
    ///
    /// `config_file` is the `--config` flag; when absent, `EGOV_CONFIG` is used, and failing
    /// that `./egov.toml` if it exists. A file named explicitly must exist.
    pub fn load(config_file: Option<&Path>, overrides: &Overrides) -> anyhow::Result<Settings> {
        let file = match config_file {
            Some(p) => Some(p.to_path_buf()),
            None => match std::env::var_os(CONFIG_ENV) {
                Some(p) if !p.is_empty() => Some(PathBuf::from(p)),
                _ => None,
            },
        };
        let file = match file {
            Some(p) => {
                if !p.is_file() {
                    bail!("configuration file {} not found", p.display());
                }
                Some(p)
            }
            None => Some(PathBuf::from(DEFAULT_CONFIG_FILE)).filter(|p| p.is_file()),
        };
        let mut figment = Figment::from(Serialized::defaults(Settings::default()));
        if let Some(path) = &file {
            figment = figment.merge(Toml::file_exact(path));
        }
        let figment = figment
            .merge(Env::prefixed(ENV_PREFIX).filter(|key| KEYS.iter().any(|k| key.as_str().eq_ignore_ascii_case(k))))
            .merge(Serialized::defaults(overrides));
        let settings: Settings = figment.extract().map_err(|e| {
            // figment's message names the key and the source; it never quotes values.
            anyhow::anyhow!("configuration: {}", one_line(&e.to_string()))
        })?;
        settings.validate()?;
        Ok(settings)
    }

    /// Checks values that parse but make no sense.
    pub fn validate(&self) -> anyhow::Result<()> {
        if egov_storage::Engine::from_url(&self.database_url).is_none() {
            bail!(
                "configuration: database_url must start with sqlite:// or postgres:// (got {})",
                redact_url(&self.database_url)
            );
        }
        if self.bind.trim().is_empty() {
            bail!("configuration: bind must be HOST:PORT, e.g. 127.0.0.1:8080");
        }
        if self.metrics_token.as_ref().is_some_and(|t| t.trim().len() < 16) {
            bail!("configuration: metrics_token must have at least 16 characters");
        }
        if self.mail_url.is_some() && self.mail_from.as_deref().is_none_or(|f| !f.contains('@')) {
            bail!("configuration: mail_from must be set to the sender address when mail_url is set");
        }
        if let Some(url) = &self.public_url {
            if !(url.starts_with("http://") || url.starts_with("https://")) {
                bail!("configuration: public_url must start with http:// or https://");
            }
        }
        let positive: [(&str, u64); 12] = [
            ("database_max_connections", self.database_max_connections.into()),
            ("hub_max_package_bytes", self.hub_max_package_bytes as u64),
            ("max_body_bytes", self.max_body_bytes as u64),
            ("max_file_bytes", self.max_file_bytes),
            ("session_idle_minutes", self.session_idle_minutes),
            ("session_max_hours", self.session_max_hours),
            ("lockout_threshold", self.lockout_threshold.into()),
            ("ip_lockout_threshold", self.ip_lockout_threshold.into()),
            ("lockout_minutes", self.lockout_minutes),
            ("argon2_iterations", self.argon2_iterations.into()),
            ("argon2_parallelism", self.argon2_parallelism.into()),
            ("argon2_memory_kib", self.argon2_memory_kib.into()),
        ];
        for (key, value) in positive {
            if value == 0 {
                bail!("configuration: {key} must be greater than 0");
            }
        }
        if u64::from(self.argon2_memory_kib) < 8 * u64::from(self.argon2_parallelism) {
            bail!("configuration: argon2_memory_kib must be at least 8 × argon2_parallelism");
        }
        Ok(())
    }

    /// The settings of the service layer.
    pub fn service_settings(&self) -> ServiceSettings {
        ServiceSettings {
            session_idle: Duration::from_secs(self.session_idle_minutes.saturating_mul(60)),
            session_max: Duration::from_secs(self.session_max_hours.saturating_mul(3600)),
            lockout_threshold: self.lockout_threshold,
            ip_lockout_threshold: self.ip_lockout_threshold,
            lockout_window: Duration::from_secs(self.lockout_minutes.saturating_mul(60)),
            argon2: Argon2Cost {
                memory_kib: self.argon2_memory_kib,
                iterations: self.argon2_iterations,
                parallelism: self.argon2_parallelism,
            },
            totp_issuer: self.totp_issuer.clone(),
            max_file_bytes: self.max_file_bytes,
            files_dir: self.files_dir(),
            pki_dir: self.pki_dir(),
            tsa_url: self.tsa_url.clone(),
            hub_url: self.hub_url.clone(),
            max_package_bytes: self.hub_max_package_bytes,
            edxml_lenient: self.edxml_lenient,
            extra_holidays: Vec::new(),
            mail: self
                .mail_url
                .clone()
                .map(|url| egov_service::MailSettings { url, from: self.mail_from.clone().unwrap_or_default() }),
            push_subject: self.push_subject.clone(),
            push_allow_loopback: false,
            public_url: self.public_url_or_bind(),
        }
    }

    /// The public address when configured, else `http://` + the bind address (for `egov pki`).
    pub fn public_url_or_bind(&self) -> String {
        match &self.public_url {
            Some(url) => url.trim_end_matches('/').to_string(),
            None => format!("http://{}", self.bind),
        }
    }

    /// The PKI folder: `pki_dir`, or `pki/` beside the file store's folder.
    pub fn pki_dir(&self) -> std::path::PathBuf {
        match &self.pki_dir {
            Some(dir) => dir.into(),
            None => self.files_dir().with_file_name("pki"),
        }
    }

    /// The file store's folder: `files_dir`, or `files/` beside the SQLite database.
    pub fn files_dir(&self) -> std::path::PathBuf {
        if let Some(dir) = &self.files_dir {
            return dir.into();
        }
        let path = self.database_url.trim_start_matches("sqlite://").trim_start_matches("sqlite:");
        let path = path.split('?').next().unwrap_or_default();
        match std::path::Path::new(path).parent() {
            Some(parent) if self.database_url.starts_with("sqlite:") => parent.join("files"),
            _ => "egov-data/files".into(),
        }
    }

    /// The public address: `public_url` without a trailing slash, or `http://` + `bound`.
    pub fn public_url_for(&self, bound: SocketAddr) -> String {
        match &self.public_url {
            Some(url) => url.trim_end_matches('/').to_string(),
            None => format!("http://{bound}"),
        }
    }

    /// The settings of the web layer, once the listening address is known.
    pub fn web_settings(&self, bound: SocketAddr) -> WebSettings {
        let public_url = self.public_url_for(bound);
        WebSettings {
            secure_cookies: self.secure_cookies.unwrap_or(public_url.starts_with("https://")),
            max_body_bytes: self.max_body_bytes,
            public_url,
            metrics_token: self.metrics_token.clone(),
        }
    }

    /// How long in-flight requests may run after a shutdown signal.
    pub fn shutdown_grace(&self) -> Duration {
        Duration::from_secs(self.shutdown_grace_seconds)
    }

    /// `message` with every secret of these settings (the database password) replaced by `***`.
    /// Apply it to any text that might quote the database URL before printing or logging it.
    pub fn scrub(&self, message: &str) -> String {
        let mut out = message.replace(&self.database_url, &redact_url(&self.database_url));
        out = out.replace(&self.hub_database_url, &redact_url(&self.hub_database_url));
        let mut secrets = url_secrets(&self.database_url);
        secrets.extend(url_secrets(&self.hub_database_url));
        secrets.extend(self.hub_key_password.iter().cloned());
        secrets.extend(self.hub_admin_token.iter().cloned());
        secrets.extend(self.metrics_token.iter().cloned());
        secrets.extend(self.mail_url.iter().flat_map(|u| url_secrets(u)));
        for secret in secrets {
            if secret.len() >= 3 {
                out = out.replace(&secret, "***");
            }
        }
        out
    }

    /// The effective settings as TOML (the format of `egov.toml`), secrets redacted.
    pub fn to_redacted_toml(&self) -> anyhow::Result<String> {
        let mut shown = self.clone();
        shown.database_url = redact_url(&self.database_url);
        shown.hub_database_url = redact_url(&self.hub_database_url);
        shown.hub_key_password = self.hub_key_password.as_ref().map(|_| "***".to_string());
        shown.hub_admin_token = self.hub_admin_token.as_ref().map(|_| "***".to_string());
        shown.metrics_token = self.metrics_token.as_ref().map(|_| "***".to_string());
        shown.mail_url = self.mail_url.as_deref().map(redact_url);
        toml::to_string(&shown).context("cannot render the configuration")
    }
}

/// Query parameters of a database URL that carry secrets.
const SECRET_PARAMS: &[&str] = &["password", "sslpassword"];

/// The URL with its password (in the user-info part or a `password=` query parameter)
/// replaced by `***`: `postgres://egov:s3cret@db/egov` → `postgres://egov:***@db/egov`.
pub fn redact_url(url: &str) -> String {
    let (head, query) = match url.split_once('?') {
        Some((h, q)) => (h, Some(q)),
        None => (url, None),
    };
    let mut out = match head.split_once("://") {
        Some((scheme, rest)) => {
            let end = rest.find('/').unwrap_or(rest.len());
            let (authority, path) = rest.split_at(end);
            match authority.rsplit_once('@') {
                Some((userinfo, host)) => match userinfo.split_once(':') {
                    Some((user, _password)) => format!("{scheme}://{user}:***@{host}{path}"),
                    None => head.to_string(),
                },
                None => head.to_string(),
            }
        }
        None => head.to_string(),
    };
    if let Some(query) = query {
        let params: Vec<String> = query
            .split('&')
            .map(|pair| match pair.split_once('=') {
                Some((key, _)) if SECRET_PARAMS.iter().any(|s| key.eq_ignore_ascii_case(s)) => {
                    format!("{key}=***")
                }
                _ => pair.to_string(),
            })
            .collect();
        out.push('?');
        out.push_str(&params.join("&"));
    }
    out
}

/// The secrets a URL carries, as written (percent-encoded) and decoded.
fn url_secrets(url: &str) -> Vec<String> {
    let mut found = Vec::new();
    let (head, query) = match url.split_once('?') {
        Some((h, q)) => (h, Some(q)),
        None => (url, None),
    };
    if let Some((_, rest)) = head.split_once("://") {
        let authority = &rest[..rest.find('/').unwrap_or(rest.len())];
        if let Some((userinfo, _)) = authority.rsplit_once('@') {
            if let Some((_, password)) = userinfo.split_once(':') {
                found.push(password.to_string());
            }
        }
    }
    for pair in query.unwrap_or_default().split('&') {
        if let Some((key, value)) = pair.split_once('=') {
            if SECRET_PARAMS.iter().any(|s| key.eq_ignore_ascii_case(s)) {
                found.push(value.to_string());
            }
        }
    }
    let decoded: Vec<String> = found.iter().map(|s| percent_decode(s)).collect();
    found.extend(decoded);
    found.retain(|s| !s.is_empty());
    found
}

fn percent_decode(s: &str) -> String {
    let bytes = s.as_bytes();
    let mut out = Vec::with_capacity(bytes.len());
    let mut i = 0;
    while i < bytes.len() {
        if bytes[i] == b'%' && i + 2 < bytes.len() {
            let hex = std::str::from_utf8(&bytes[i + 1..i + 3]).unwrap_or("");
            if let Ok(v) = u8::from_str_radix(hex, 16) {
                out.push(v);
                i += 3;
                continue;
            }
        }
        out.push(bytes[i]);
        i += 1;
    }
    String::from_utf8_lossy(&out).into_owned()
}

/// Joins a possibly multi-line message into one line.
fn one_line(s: &str) -> String {
    s.split_whitespace().collect::<Vec<_>>().join(" ")
}

#[cfg(test)]
#[allow(clippy::result_large_err)] // figment's Jail closures return figment::Error
mod tests {
    use super::*;
    use figment::Jail;

    const SECRET_URL: &str = "postgres://egov:s3cr%40t-pw@db.example:5432/egov?sslmode=require";

    #[test]
    fn redacts_the_password_in_user_info() {
        assert_eq!(redact_url("postgres://user:pass@host/db"), "postgres://user:***@host/db");
        assert_eq!(redact_url(SECRET_URL), "postgres://egov:***@db.example:5432/egov?sslmode=require");
    }

    #[test]
    fn redacts_a_password_query_parameter() {
        assert_eq!(
            redact_url("postgres://host/db?user=a&password=zz9&sslmode=disable"),
            "postgres://host/db?user=a&password=***&sslmode=disable"
        );
    }

    #[test]
    fn leaves_urls_without_secrets_alone() {
        for url in ["sqlite://egov-data/egov.db", "postgres://root@127.0.0.1:5432/test", "postgres://127.0.0.1/x"] {
            assert_eq!(redact_url(url), url);
        }
    }

    #[test]
    fn debug_output_never_shows_the_password() {
        let settings = Settings { database_url: SECRET_URL.into(), ..Settings::default() };
        let debug = format!("{settings:?}");
        assert!(!debug.contains("s3cr"), "{debug}");
        assert!(debug.contains("postgres://egov:***@db.example:5432/egov"), "{debug}");
        let pretty = format!("{settings:#?}");
        assert!(!pretty.contains("s3cr"), "{pretty}");
        let toml = settings.to_redacted_toml().expect("toml");
        assert!(!toml.contains("s3cr"), "{toml}");
    }

    #[test]
    fn scrub_removes_raw_and_decoded_passwords() {
        let settings = Settings { database_url: SECRET_URL.into(), ..Settings::default() };
        let msg = format!("cannot connect to {SECRET_URL}: password s3cr@t-pw rejected");
        let clean = settings.scrub(&msg);
        assert!(!clean.contains("s3cr"), "{clean}");
    }

    #[test]
    fn layers_apply_in_order() {
        Jail::expect_with(|jail| {
            jail.create_file("egov.toml", "bind = \"0.0.0.0:9000\"\nlockout_threshold = 7\nlog_format = \"json\"\n")?;
            jail.set_env("EGOV_LOCKOUT_THRESHOLD", "9");
            jail.set_env("EGOV_NEW_PASSWORD", "not a setting");
            jail.set_env("EGOV_DATABASE_URL", "postgres://u:p@h/d");
            let s = Settings::load(None, &Overrides { database_url: Some("sqlite://x.db".into()), bind: None })
                .map_err(|e| e.to_string())?;
            assert_eq!(s.bind, "0.0.0.0:9000");
            assert_eq!(s.lockout_threshold, 9);
            assert_eq!(s.log_format, LogFormat::Json);
            assert_eq!(s.database_url, "sqlite://x.db");
            assert_eq!(s.session_idle_minutes, 120);
            Ok(())
        });
    }

    #[test]
    fn unknown_keys_in_the_file_are_an_error() {
        Jail::expect_with(|jail| {
            jail.create_file("egov.toml", "bnd = \"0.0.0.0:9000\"\n")?;
            let err = Settings::load(None, &Overrides::default()).expect_err("must fail");
            assert!(err.to_string().contains("bnd"), "{err}");
            Ok(())
        });
    }

    #[test]
    fn secure_cookies_follow_the_public_url() {
        let addr: SocketAddr = "127.0.0.1:8080".parse().expect("addr");
        let plain = Settings::default().web_settings(addr);
        assert!(!plain.secure_cookies);
        assert_eq!(plain.public_url, "http://127.0.0.1:8080");
        let tls = Settings { public_url: Some("https://egov.example.gov.vn/".into()), ..Settings::default() }
            .web_settings(addr);
        assert!(tls.secure_cookies);
        assert_eq!(tls.public_url, "https://egov.example.gov.vn");
    }

    #[test]
    fn nonsense_values_are_rejected() {
        let s = Settings { lockout_threshold: 0, ..Settings::default() };
        assert!(s.validate().is_err());
        let s = Settings { database_url: "mysql://x".into(), ..Settings::default() };
        assert!(s.validate().is_err());
    }
}
