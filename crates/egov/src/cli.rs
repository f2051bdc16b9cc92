//! The command line: argument parsing (clap), dispatch, and the one place where errors become
//! a one-line message on standard error and an exit code.

use std::path::PathBuf;
use std::process::ExitCode;

use clap::builder::PossibleValuesParser;
use clap::{Args, Parser, Subcommand};
use egov_domain::{Lang, Level, Position, Role};
use egov_service::AppError;

use crate::config::{Overrides, Settings};
use crate::{admin, serve};

/// egov — Vietnamese e-government platform: organisation, accounts, documents and audit trail.
#[derive(Debug, Parser)]
#[command(name = "egov", version, propagate_version = true)]
#[command(about = "egov — Vietnamese e-government platform (one binary, several roles)")]
#[command(after_help = "Settings come from defaults, egov.toml, EGOV_* variables and flags, \
                        in that order; see docs/configuration.md.")]
pub struct Cli {
    /// Configuration file (TOML) [default: ./egov.toml when present; env: EGOV_CONFIG]
    #[arg(long, global = true, value_name = "PATH")]
    pub config: Option<PathBuf>,

    /// Database URL, sqlite://PATH or postgres://… [env: EGOV_DATABASE_URL]
    #[arg(long, global = true, value_name = "URL")]
    pub database_url: Option<String>,

    /// What to do.
    #[command(subcommand)]
    pub command: Command,
}

/// The roles of the binary.
#[derive(Debug, Subcommand)]
pub enum Command {
    /// Run the web application, JSON API and background workers
    Serve(ServeArgs),
    /// Apply pending database migrations, then exit
    Migrate,
    /// Administration: agencies, users, passwords, audit-chain check
    #[command(subcommand)]
    Admin(AdminCommand),
    /// Print the effective configuration as TOML (secrets redacted)
    ShowConfig,
    /// Exchange hub between agencies: carries signed edXML packages, its own database
    #[command(subcommand)]
    Hub(HubCommand),
    /// Keys and certificates for digital signatures: the demo PKI, trusted roots
    #[command(subcommand)]
    Pki(PkiCommand),
}

/// Arguments of `egov serve`.
#[derive(Debug, Args)]
pub struct ServeArgs {
    /// Create the demo province with a user for every role (once), and print the logins
    #[arg(long)]
    pub demo: bool,

    /// Address to listen on, HOST:PORT (port 0 picks a free one) [env: EGOV_BIND]
    #[arg(long, value_name = "ADDR")]
    pub bind: Option<String>,
}

/// `egov hub …`.
#[derive(Debug, Subcommand)]
pub enum HubCommand {
    /// Run the hub (settings hub_bind, hub_database_url, hub_upstream_url, hub_code, hub_key_file, …)
    Serve,
    /// Register an agency's system (or a child hub) with its certificate, or update it
    Register(RegisterArgs),
}

/// `egov hub register`.
#[derive(Debug, Args)]
pub struct RegisterArgs {
    /// Identifier code, e.g. H41.12 (a child hub: the code it covers, e.g. H41)
    #[arg(long)]
    pub code: String,
    /// Name shown in the directory
    #[arg(long)]
    pub name: String,
    /// PEM file with the system's certificate (`egov pki exchange-certificate` prints an agency's)
    #[arg(long, value_name = "PEM")]
    pub certificate: PathBuf,
    /// An agency's system (node) or a child hub (hub)
    #[arg(long, default_value = "node", value_parser = PossibleValuesParser::new(["node", "hub"]))]
    pub kind: String,
    /// Level in the directory (central, province, district, commune)
    #[arg(long)]
    pub level: Option<String>,
    /// Parent agency code in the directory
    #[arg(long, value_name = "CODE")]
    pub parent: Option<String>,
    /// Push delivery: the hub POSTs this node's packages to this URL as they arrive (an egov node:
    /// `http(s)://HOST/api/v1/exchange/push/CODE`); without it the node pulls
    #[arg(long, value_name = "URL")]
    pub endpoint: Option<String>,
}

/// `egov pki …`.
#[derive(Debug, Subcommand)]
pub enum PkiCommand {
    /// Create (once) a demo root CA, trust it, and give every user a personal key and every agency a seal
    /// key, all with the PIN 123456, so the demo signs and verifies offline
    Demo,
    /// Add the root certificates of a PEM file to the trusted roots (the national root, licensed CAs)
    Trust(TrustArgs),
    /// Print (PEM) the certificate of an agency's exchange key, to register the agency at its hub
    ExchangeCertificate(ExchangeCertificateArgs),
    /// Import an agency's exchange key (PKCS#12; password from --password-stdin, EGOV_KEY_PASSWORD or a prompt)
    ExchangeKey(ExchangeKeyArgs),
}

/// `egov pki exchange-key`.
#[derive(Debug, Args)]
pub struct ExchangeKeyArgs {
    /// The agency's identifier code
    #[arg(long, value_name = "CODE")]
    pub agency: String,
    /// The PKCS#12 file (.p12/.pfx) with the agency's organisation certificate and key
    #[arg(long, value_name = "FILE")]
    pub pkcs12: PathBuf,
    /// Read the file's password from the first line of standard input
    #[arg(long)]
    pub password_stdin: bool,
}

/// `egov pki exchange-certificate`.
#[derive(Debug, Args)]
pub struct ExchangeCertificateArgs {
    /// The agency's identifier code
    #[arg(long, value_name = "CODE")]
    pub agency: String,
}

/// `egov pki trust`.
#[derive(Debug, Args)]
pub struct TrustArgs {
    /// PEM file with one or more CERTIFICATE blocks
    pub pem: PathBuf,
}

/// `egov admin …`.
#[derive(Debug, Subcommand)]
pub enum AdminCommand {
    /// Create an agency in the organisation tree
    CreateAgency(CreateAgencyArgs),
    /// Create a user account (password from --password-stdin, EGOV_NEW_PASSWORD or a prompt)
    CreateUser(CreateUserArgs),
    /// Set a new password for a user (same password input as create-user)
    ResetPassword(ResetPasswordArgs),
    /// Check the audit trail's hash chain; exit 1 and say where if it is broken
    VerifyAudit,
}

/// `egov admin create-agency`.
#[derive(Debug, Args)]
pub struct CreateAgencyArgs {
    /// Identifier code, e.g. H41.12 (or the legacy form 000.00.12.H41)
    #[arg(long)]
    pub code: String,
    /// Full name, e.g. "Sở Nội vụ"
    #[arg(long)]
    pub name: String,
    /// Short name, e.g. SNV
    #[arg(long)]
    pub short_name: Option<String>,
    /// Administrative level
    #[arg(long, value_parser = PossibleValuesParser::new(Level::ALL.iter().map(|l| l.as_str())))]
    pub level: String,
    /// Code of the parent agency (none for a top-level agency)
    #[arg(long, value_name = "CODE")]
    pub parent: Option<String>,
}

/// `egov admin create-user`.
#[derive(Debug, Args)]
pub struct CreateUserArgs {
    /// Sign-in name
    #[arg(long)]
    pub username: String,
    /// Full name, e.g. "Nguyễn Văn An"
    #[arg(long)]
    pub full_name: String,
    /// Code of the person's home agency
    #[arg(long, value_name = "CODE")]
    pub agency: String,
    /// Unit (by id) of the first position; none for the agency's leadership
    #[arg(long, value_name = "ID")]
    pub unit_id: Option<i64>,
    /// First position held
    #[arg(long, value_parser = PossibleValuesParser::new(Position::ALL.iter().map(|p| p.as_str())))]
    pub position: Option<String>,
    /// Role granted in the home agency (repeat for several)
    #[arg(long = "role", value_name = "ROLE",
          value_parser = PossibleValuesParser::new(Role::ALL.iter().map(|r| r.as_str())))]
    pub roles: Vec<String>,
    /// E-mail address
    #[arg(long)]
    pub email: Option<String>,
    /// Telephone number
    #[arg(long)]
    pub phone: Option<String>,
    /// Ask for a new password at the first sign-in
    #[arg(long)]
    pub must_change_password: bool,
    /// Read the password from the first line of standard input
    #[arg(long)]
    pub password_stdin: bool,
}

/// `egov admin reset-password`.
#[derive(Debug, Args)]
pub struct ResetPasswordArgs {
    /// Sign-in name of the account
    #[arg(long)]
    pub username: String,
    /// Read the password from the first line of standard input
    #[arg(long)]
    pub password_stdin: bool,
}

/// Parses the process arguments, runs the command and returns the exit code.
pub fn main() -> ExitCode {
    let cli = Cli::parse();
    run(cli)
}

/// Runs a parsed command line: 0 on success, 1 on failure (one line on stderr).
pub fn run(cli: Cli) -> ExitCode {
    let bind = match &cli.command {
        Command::Serve(args) => args.bind.clone(),
        _ => None,
    };
    let overrides = Overrides { bind, database_url: cli.database_url.clone() };
    let settings = match Settings::load(cli.config.as_deref(), &overrides) {
        Ok(s) => s,
        Err(e) => return fail(&format!("{e:#}"), None),
    };
    let runtime = match tokio::runtime::Builder::new_multi_thread().enable_all().build() {
        Ok(rt) => rt,
        Err(e) => return fail(&format!("cannot start the async runtime: {e}"), None),
    };
    let result = runtime.block_on(async {
        match cli.command {
            Command::Serve(args) => serve::run(&settings, args.demo).await.map(|()| ExitCode::SUCCESS),
            Command::Migrate => admin::migrate(&settings).await.map(|()| ExitCode::SUCCESS),
            Command::Admin(cmd) => admin::run(&settings, cmd).await,
            Command::ShowConfig => settings.to_redacted_toml().map(|t| {
                print!("{t}");
                ExitCode::SUCCESS
            }),
            Command::Pki(cmd) => admin::pki(&settings, cmd).await,
            Command::Hub(cmd) => crate::hub::run(&settings, cmd).await,
        }
    });
    // Do not wait for stray blocking tasks (a password prompt, a hash) on the way out.
    runtime.shutdown_timeout(std::time::Duration::from_secs(1));
    match result {
        Ok(code) => code,
        Err(e) => report(&e, &settings),
    }
}

/// Prints an error as `error: …` (one line, or one line per invalid field) and returns exit 1.
fn report(e: &anyhow::Error, settings: &Settings) -> ExitCode {
    match e.downcast_ref::<AppError>() {
        Some(AppError::Invalid(fields)) => {
            eprintln!("error: invalid input");
            for f in fields {
                eprintln!("  {}: {}", f.field, settings.scrub(f.message(Lang::En)));
            }
            ExitCode::FAILURE
        }
        Some(AppError::Conflict(f)) => fail(&format!("{}: {}", f.field, f.message(Lang::En)), Some(settings)),
        Some(AppError::Unavailable) => fail("database unreachable", Some(settings)),
        _ => fail(&chain(e), Some(settings)),
    }
}

/// The error and its causes on one line, with a hint when the schema is missing.
fn chain(e: &anyhow::Error) -> String {
    let mut parts: Vec<String> = Vec::new();
    for cause in e.chain() {
        let text = cause.to_string();
        // Wrappers often repeat their source's text; keep each piece once.
        if !parts.iter().any(|p| p.contains(&text)) {
            parts.push(text);
        }
    }
    let mut line = parts.join(": ");
    if line.contains("no such table") || (line.contains("relation") && line.contains("does not exist")) {
        line.push_str(" (is the database migrated? run `egov migrate`)");
    }
    line
}

fn fail(message: &str, settings: Option<&Settings>) -> ExitCode {
    let message = settings.map_or_else(|| message.to_string(), |s| s.scrub(message));
    let message = message.split_whitespace().collect::<Vec<_>>().join(" ");
    eprintln!("error: {message}");
    ExitCode::FAILURE
}

#[cfg(test)]
mod tests {
    use super::*;
    use clap::CommandFactory;

    #[test]
    fn the_command_line_is_well_formed() {
        Cli::command().debug_assert();
    }

    #[test]
    fn chain_joins_causes_once() {
        let e = anyhow::anyhow!("connection refused").context("database unreachable");
        assert_eq!(chain(&e), "database unreachable: connection refused");
    }
}
