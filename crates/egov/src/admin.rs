//! `egov migrate` and `egov admin …`: operator commands acting as the full-rights
//! [`Caller::system`] caller, each through the same service functions as the web UI (so every
//! change writes its audit entry).

use std::io::{BufRead, IsTerminal};
use std::process::ExitCode;

use anyhow::{anyhow, bail, Context};
use egov_service::audit::Verdict;
use egov_service::org::AgencyInput;
use egov_service::users::NewUserInput;
use egov_service::{Caller, Services};
use egov_storage::Store;

use crate::cli::{AdminCommand, CreateAgencyArgs, CreateUserArgs, ResetPasswordArgs};
use crate::config::Settings;

/// Environment variable a new password can be passed in (instead of `--password-stdin`).
pub const NEW_PASSWORD_ENV: &str = "EGOV_NEW_PASSWORD";

/// Opens the store named by the settings; `migrate` brings the schema up to date first.
/// The error is one line and never contains the database password.
///
/// With `fail_fast`, a PostgreSQL server that refuses connections is reported at once; without
/// it the driver keeps retrying for a few seconds (a server that is still starting up), and a
/// failure is then explained by the same probe.
pub async fn open_store(settings: &Settings, migrate: bool, fail_fast: bool) -> anyhow::Result<Store> {
    if fail_fast {
        if let Some(cause) = probe(&settings.database_url).await {
            bail!("database unreachable: {}", settings.scrub(&cause));
        }
    }
    match Store::open(&settings.database_url, settings.database_max_connections, migrate).await {
        Ok(store) => Ok(store),
        Err(e @ egov_storage::StorageError::Unavailable(_)) => match probe(&settings.database_url).await {
            Some(cause) => bail!("database unreachable: {}", settings.scrub(&cause)),
            None => bail!("{}", settings.scrub(&e.to_string())),
        },
        Err(e) => bail!("{}", settings.scrub(&e.to_string())),
    }
}

/// Tries a TCP connection to a PostgreSQL URL's host and port; `Some(cause)` when it fails.
/// `None` for SQLite, for URLs it cannot read simply (sockets, several hosts), or on success.
async fn probe(url: &str) -> Option<String> {
    let (host, port) = postgres_host_port(url)?;
    let connect = tokio::net::TcpStream::connect((host.as_str(), port));
    match tokio::time::timeout(std::time::Duration::from_secs(5), connect).await {
        Ok(Ok(_)) => None,
        Ok(Err(e)) => Some(format!("cannot connect to {host}:{port}: {e}")),
        Err(_) => Some(format!("cannot connect to {host}:{port}: no answer within 5 s")),
    }
}

/// Host and port of a `postgres://` URL with a single TCP host.
fn postgres_host_port(url: &str) -> Option<(String, u16)> {
    let rest = url.strip_prefix("postgres://").or_else(|| url.strip_prefix("postgresql://"))?;
    let (head, query) = rest.split_once('?').unwrap_or((rest, ""));
    if query.split('&').any(|p| p.starts_with("host=") || p.starts_with("hostaddr=")) {
        return None;
    }
    let authority = &head[..head.find('/').unwrap_or(head.len())];
    let hostport = authority.rsplit_once('@').map_or(authority, |(_, h)| h);
    if hostport.is_empty() || hostport.contains(',') {
        return None;
    }
    let (host, port) = if let Some(v6) = hostport.strip_prefix('[') {
        let (host, after) = v6.split_once(']')?;
        (host, after.strip_prefix(':'))
    } else {
        match hostport.rsplit_once(':') {
            Some((h, p)) => (h, Some(p)),
            None => (hostport, None),
        }
    };
    let port = match port {
        Some(p) => p.parse().ok()?,
        None => 5432,
    };
    Some((host.to_string(), port))
}

/// `egov migrate`: applies pending migrations and reports how many ran.
pub async fn migrate(settings: &Settings) -> anyhow::Result<()> {
    let store = open_store(settings, false, true).await?;
    let result = store.migrate().await;
    store.close().await;
    let ran = result.map_err(|e| anyhow!(settings.scrub(&e.to_string())))?;
    let engine = engine_name(&store);
    match ran {
        0 => println!("database schema is up to date ({engine}); no migration to apply"),
        1 => println!("applied 1 migration ({engine}); database schema is up to date"),
        n => println!("applied {n} migrations ({engine}); database schema is up to date"),
    }
    Ok(())
}

/// `egov admin …`. Returns the exit code: `verify-audit` exits 1 on a broken chain.
pub async fn run(settings: &Settings, command: AdminCommand) -> anyhow::Result<ExitCode> {
    // Ask for the password before touching the database, so a prompt is not left waiting on
    // a connection attempt.
    let password = match &command {
        AdminCommand::CreateUser(a) => Some(read_new_password(a.password_stdin)?),
        AdminCommand::ResetPassword(a) => Some(read_new_password(a.password_stdin)?),
        _ => None,
    };
    let store = open_store(settings, false, true).await?;
    let services = Services::new(store.clone(), settings.service_settings())?;
    let result = dispatch(&services, command, password.as_deref().unwrap_or_default()).await;
    store.close().await;
    result
}

async fn dispatch(services: &Services, command: AdminCommand, password: &str) -> anyhow::Result<ExitCode> {
    let caller = Caller::system("cli");
    match command {
        AdminCommand::CreateAgency(a) => create_agency(services, &caller, a).await?,
        AdminCommand::CreateUser(a) => create_user(services, &caller, a, password).await?,
        AdminCommand::ResetPassword(a) => reset_password(services, &caller, a, password).await?,
        AdminCommand::VerifyAudit => return verify_audit(services).await,
    }
    Ok(ExitCode::SUCCESS)
}

async fn agency_id(services: &Services, code: &str, flag: &str) -> anyhow::Result<i64> {
    let mut conn = services.store.read().await?;
    let row = egov_storage::org::get_agency_by_code(&mut conn, code.trim()).await?;
    row.map(|a| a.id).ok_or_else(|| anyhow!("{flag}: no agency has the code {code}"))
}

async fn create_agency(services: &Services, caller: &Caller, a: CreateAgencyArgs) -> anyhow::Result<()> {
    let parent_id = match &a.parent {
        Some(code) => Some(agency_id(services, code, "--parent").await?),
        None => None,
    };
    let input =
        AgencyInput { code: &a.code, name: &a.name, short_name: a.short_name.as_deref(), level: &a.level, parent_id };
    let agency = services.create_agency(caller, &input).await?;
    println!("created agency {} \"{}\" (id {})", agency.code, agency.name, agency.id);
    Ok(())
}

async fn create_user(services: &Services, caller: &Caller, a: CreateUserArgs, password: &str) -> anyhow::Result<()> {
    let agency_id = agency_id(services, &a.agency, "--agency").await?;
    let input = NewUserInput {
        username: &a.username,
        full_name: &a.full_name,
        email: a.email.as_deref(),
        phone: a.phone.as_deref(),
        agency_id,
        unit_id: a.unit_id,
        position: a.position.as_deref(),
        roles: a.roles.clone(),
        password,
        must_change_password: a.must_change_password,
    };
    let id = services.create_user(caller, &input).await?;
    println!("created user {} (id {id})", a.username.trim());
    Ok(())
}

async fn reset_password(
    services: &Services,
    caller: &Caller,
    a: ResetPasswordArgs,
    password: &str,
) -> anyhow::Result<()> {
    let id = match services.user_id_by_username(caller, a.username.trim()).await {
        Err(egov_service::AppError::NotFound) => {
            bail!("--username: no user is named {}", a.username.trim())
        }
        other => other?,
    };
    services.reset_password(caller, id, password).await?;
    println!(
        "password of {} reset: their sessions are ended and they must choose a new one at the next sign-in",
        a.username.trim()
    );
    Ok(())
}

async fn verify_audit(services: &Services) -> anyhow::Result<ExitCode> {
    match services.verify_audit().await? {
        Verdict::Intact { entries } => {
            println!("audit chain intact: {entries} entries");
            Ok(ExitCode::SUCCESS)
        }
        Verdict::Broken(at) => {
            println!("audit chain BROKEN: {at}");
            Ok(ExitCode::FAILURE)
        }
    }
}

/// The new password, from the first line of standard input (`--password-stdin`), else from
/// `EGOV_NEW_PASSWORD`, else typed at a terminal prompt (twice, not echoed). Never a flag
/// value, so it does not land in shell history or the process list.
/// Environment variable holding a PKCS#12 file's password for `egov pki exchange-key`.
pub const KEY_PASSWORD_ENV: &str = "EGOV_KEY_PASSWORD";

/// A secret from the first line of standard input, the environment variable `env`, or a prompt.
fn read_secret(from_stdin: bool, env: &str, prompt: &str) -> anyhow::Result<String> {
    if from_stdin {
        let mut line = String::new();
        std::io::stdin().lock().read_line(&mut line).context("cannot read standard input")?;
        return Ok(line.trim_end_matches(['\r', '\n']).to_string());
    }
    if let Ok(secret) = std::env::var(env) {
        return Ok(secret);
    }
    if std::io::stdin().is_terminal() {
        return rpassword::prompt_password(prompt).context("cannot read the password");
    }
    bail!("no password given: pipe it with --password-stdin or set {env}")
}

fn read_new_password(from_stdin: bool) -> anyhow::Result<String> {
    if from_stdin {
        let mut line = String::new();
        std::io::stdin().lock().read_line(&mut line).context("cannot read the password from standard input")?;
        let password = line.trim_end_matches(['\r', '\n']).to_string();
        if password.is_empty() {
            bail!("--password-stdin: standard input did not start with a password line");
        }
        return Ok(password);
    }
    if let Ok(password) = std::env::var(NEW_PASSWORD_ENV) {
        if password.is_empty() {
            bail!("{NEW_PASSWORD_ENV} is set but empty");
        }
        return Ok(password);
    }
    if std::io::stdin().is_terminal() {
        let first = rpassword::prompt_password("New password: ").context("cannot read the password")?;
        let second = rpassword::prompt_password("Repeat it: ").context("cannot read the password")?;
        if first != second {
            bail!("the two passwords differ");
        }
        return Ok(first);
    }
    bail!("no password given: pipe it with --password-stdin or set {NEW_PASSWORD_ENV}")
}

fn engine_name(store: &Store) -> &'static str {
    match store.engine() {
        egov_storage::Engine::Sqlite => "SQLite",
        egov_storage::Engine::Postgres => "PostgreSQL",
    }
}

/// `egov pki …`: the demo PKI and the trusted roots.
pub async fn pki(settings: &Settings, command: crate::cli::PkiCommand) -> anyhow::Result<ExitCode> {
    use crate::cli::PkiCommand;
    let store = open_store(settings, true, true).await?;
    let services = egov_service::Services::new(store.clone(), settings.service_settings())?;
    match command {
        PkiCommand::Demo => {
            let crl_url = format!("{}/pki/demo-root.crl", settings.public_url_or_bind());
            let made = services.create_demo_pki(Some(&crl_url)).await?;
            println!(
                "demo root: {} ({}); new personal keys: {}; new seal keys: {}; PIN: {}",
                made.root_subject,
                if made.root_created { "created and trusted" } else { "already there" },
                made.personal_keys,
                made.seal_keys,
                egov_service::signatures::demo::DEMO_PIN
            );
        }
        PkiCommand::Trust(args) => {
            let pem =
                std::fs::read_to_string(&args.pem).with_context(|| format!("cannot read {}", args.pem.display()))?;
            let added = egov_pki::pem_to_der_all(&pem);
            if added.is_empty() {
                anyhow::bail!("{} holds no CERTIFICATE block", args.pem.display());
            }
            for der in &added {
                egov_pki::certificate_info(der).map_err(|e| anyhow::anyhow!("{e}"))?;
            }
            let dir = settings.pki_dir();
            std::fs::create_dir_all(&dir)?;
            let path = dir.join("trusted-roots.pem");
            let mut all = std::fs::read_to_string(&path).unwrap_or_default();
            for der in &added {
                all.push_str(&egov_pki::der_to_pem(der, "CERTIFICATE"));
            }
            std::fs::write(&path, all)?;
            println!("{} root certificate(s) added to {}", added.len(), path.display());
        }
        PkiCommand::ExchangeKey(args) => {
            let pkcs12 =
                std::fs::read(&args.pkcs12).with_context(|| format!("cannot read {}", args.pkcs12.display()))?;
            let password = read_secret(args.password_stdin, KEY_PASSWORD_ENV, "PKCS#12 password: ")?;
            let system = egov_service::Caller::system("cli");
            let agency = agency_id(&services, &args.agency, "--agency").await?;
            let import =
                egov_service::signatures::keys::KeyImport { pkcs12, password, pin: String::new(), image: None };
            let status = services
                .import_key(&system, egov_service::signatures::keys::KeyOwner::Exchange(agency), import)
                .await?;
            println!("exchange key of {} imported: {}", args.agency, status.subject);
        }
        PkiCommand::ExchangeCertificate(args) => match services.exchange_certificate(&args.agency).await? {
            Some(der) => print!("{}", egov_pki::der_to_pem(&der, "CERTIFICATE")),
            None => anyhow::bail!("agency {} has no exchange key (run `egov pki demo` or import one)", args.agency),
        },
    }
    store.close().await;
    Ok(ExitCode::SUCCESS)
}

#[cfg(test)]
mod tests {
    use super::postgres_host_port;

    #[test]
    fn reads_host_and_port_of_simple_postgres_urls() {
        let hp = |u: &str| postgres_host_port(u);
        assert_eq!(hp("postgres://root@127.0.0.1:1/x"), Some(("127.0.0.1".into(), 1)));
        assert_eq!(hp("postgresql://u:p@db.example/egov"), Some(("db.example".into(), 5432)));
        assert_eq!(hp("postgres://[::1]:6543/egov"), Some(("::1".into(), 6543)));
        assert_eq!(hp("postgres:///egov?host=/run/postgresql"), None);
        assert_eq!(hp("postgres://a:1,b:2/egov"), None);
        assert_eq!(hp("sqlite://egov-data/egov.db"), None);
    }
}
