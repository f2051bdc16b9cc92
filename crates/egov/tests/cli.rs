//! The `egov` binary as an operator uses it: help, migrate, admin commands, configuration
//! errors and redaction, and `serve` from start to graceful stop. Runs on SQLite only (the
//! HTTP suite covers both engines through `TestApp`).

use std::io::{BufRead, BufReader};
use std::path::Path;
use std::process::{Command, Output, Stdio};
use std::sync::mpsc;
use std::time::Duration;

/// A command for the built binary, in `dir`, with no `EGOV_*` variable inherited.
fn egov(dir: &Path) -> Command {
    let mut cmd = Command::new(env!("CARGO_BIN_EXE_egov"));
    cmd.current_dir(dir).stdin(Stdio::null()).env_remove("RUST_LOG");
    for (key, _) in std::env::vars_os() {
        if key.to_string_lossy().starts_with("EGOV_") {
            cmd.env_remove(key);
        }
    }
    // Cheap hashing: these tests are about the command line, not the hash cost.
    cmd.env("EGOV_ARGON2_MEMORY_KIB", "1024").env("EGOV_ARGON2_ITERATIONS", "1");
    cmd
}

fn run(cmd: &mut Command) -> Output {
    cmd.output().expect("run egov")
}

fn text(bytes: &[u8]) -> String {
    String::from_utf8_lossy(bytes).into_owned()
}

fn tempdir() -> tempfile::TempDir {
    tempfile::Builder::new().prefix("egov-cli-").tempdir().expect("temporary folder")
}

fn sqlite_url(dir: &Path) -> String {
    format!("sqlite://{}/cli.db", dir.display())
}

#[test]
fn help_lists_every_command() {
    let dir = tempdir();
    let out = run(egov(dir.path()).arg("--help"));
    assert!(out.status.success());
    let help = text(&out.stdout);
    for command in ["serve", "migrate", "admin", "hub", "pki"] {
        assert!(help.contains(command), "--help does not mention {command}:\n{help}");
    }
    let out = run(egov(dir.path()).args(["admin", "--help"]));
    let help = text(&out.stdout);
    for command in ["create-agency", "create-user", "reset-password", "verify-audit"] {
        assert!(help.contains(command), "admin --help does not mention {command}:\n{help}");
    }
}

#[test]
fn hub_refuses_to_start_without_its_admin_token_or_trusted_roots() {
    let dir = tempdir();
    let out = run(egov(dir.path()).args(["hub", "serve"]));
    assert_eq!(out.status.code(), Some(1));
    assert!(text(&out.stderr).contains("trusted roots"), "{}", text(&out.stderr));
    std::fs::create_dir_all(dir.path().join("egov-data/pki")).expect("pki dir");
    let now = std::time::SystemTime::now().duration_since(std::time::UNIX_EPOCH).expect("clock").as_secs();
    let root = egov_pki::create_root("Test root", "Test", i64::try_from(now).expect("time") - 60, 30).expect("root");
    let pem = egov_pki::der_to_pem(&root.certificate_der, "CERTIFICATE");
    std::fs::write(dir.path().join("egov-data/pki/trusted-roots.pem"), pem).expect("roots");
    let out = run(egov(dir.path()).args(["hub", "serve"]));
    assert_eq!(out.status.code(), Some(1));
    assert!(text(&out.stderr).contains("hub_admin_token"), "{}", text(&out.stderr));
}

#[test]
fn pki_demo_creates_a_trusted_root_once_and_trust_adds_roots() {
    let dir = tempdir();
    let db = sqlite_url(dir.path());
    let out = run(egov(dir.path()).args(["pki", "demo", "--database-url", &db]));
    assert!(out.status.success(), "{}", text(&out.stderr));
    assert!(text(&out.stdout).contains("created and trusted"), "{}", text(&out.stdout));
    let roots = std::fs::read_to_string(dir.path().join("pki/trusted-roots.pem")).expect("trusted roots");
    assert_eq!(roots.matches("BEGIN CERTIFICATE").count(), 1);
    assert!(dir.path().join("pki/demo-root.crl").exists());
    // Again: the same root, nothing duplicated.
    let out = run(egov(dir.path()).args(["pki", "demo", "--database-url", &db]));
    assert!(out.status.success(), "{}", text(&out.stderr));
    assert!(text(&out.stdout).contains("already there"), "{}", text(&out.stdout));
    // Adding roots: a PEM file with a certificate works, anything else is refused.
    let pem = dir.path().join("national-root.pem");
    std::fs::write(&pem, roots.as_bytes()).expect("write");
    let out = run(egov(dir.path()).args(["pki", "trust", "--database-url", &db]).arg(&pem));
    assert!(out.status.success(), "{}", text(&out.stderr));
    let bad = dir.path().join("bad.pem");
    std::fs::write(&bad, "not a certificate").expect("write");
    let out = run(egov(dir.path()).args(["pki", "trust", "--database-url", &db]).arg(&bad));
    assert_eq!(out.status.code(), Some(1));
    assert!(text(&out.stderr).contains("no CERTIFICATE"), "{}", text(&out.stderr));
}

#[test]
fn migrate_then_admin_commands_then_verify_audit() {
    let dir = tempdir();
    let db = sqlite_url(dir.path());

    let out = run(egov(dir.path()).args(["migrate", "--database-url", &db]));
    assert!(out.status.success(), "{}", text(&out.stderr));
    assert!(text(&out.stdout).contains("up to date"));

    let out = run(egov(dir.path()).args(["admin", "verify-audit", "--database-url", &db]));
    assert!(out.status.success(), "{}", text(&out.stderr));
    assert_eq!(text(&out.stdout).trim(), "audit chain intact: 0 entries");

    let out = run(egov(dir.path()).env("EGOV_DATABASE_URL", &db).args([
        "admin",
        "create-agency",
        "--code",
        "H41",
        "--name",
        "Ủy ban nhân dân tỉnh Nghệ An",
        "--level",
        "province",
    ]));
    assert!(out.status.success(), "{}", text(&out.stderr));
    assert!(text(&out.stdout).contains("H41"));

    // The password comes from standard input, never from a flag value.
    let mut child = egov(dir.path())
        .env("EGOV_DATABASE_URL", &db)
        .args([
            "admin",
            "create-user",
            "--username",
            "quantri",
            "--full-name",
            "Lê Thị Hoa",
            "--agency",
            "H41",
            "--role",
            "agency_admin",
            "--password-stdin",
        ])
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .expect("spawn");
    {
        use std::io::Write;
        let mut stdin = child.stdin.take().expect("stdin");
        writeln!(stdin, "Mat-khau-rat-manh-2026").expect("write password");
    }
    let out = child.wait_with_output().expect("wait");
    assert!(out.status.success(), "{}", text(&out.stderr));

    let out = run(egov(dir.path())
        .env("EGOV_DATABASE_URL", &db)
        .env("EGOV_NEW_PASSWORD", "Mot-mat-khau-khac-2026")
        .args(["admin", "reset-password", "--username", "quantri"]));
    assert!(out.status.success(), "{}", text(&out.stderr));

    // A duplicate is refused with a one-line cause and exit 1.
    let out = run(egov(dir.path()).env("EGOV_DATABASE_URL", &db).args([
        "admin",
        "create-agency",
        "--code",
        "H41",
        "--name",
        "Trùng mã",
        "--level",
        "province",
    ]));
    assert_eq!(out.status.code(), Some(1));
    let stderr = text(&out.stderr);
    assert!(stderr.starts_with("error: "), "{stderr}");

    let out = run(egov(dir.path()).args(["admin", "verify-audit", "--database-url", &db]));
    assert!(out.status.success(), "{}", text(&out.stderr));
    let stdout = text(&out.stdout);
    assert!(stdout.starts_with("audit chain intact: "), "{stdout}");
    assert!(!stdout.contains("intact: 0 entries"), "admin commands must write audit entries");
}

#[test]
fn a_missing_password_is_a_clear_error() {
    let dir = tempdir();
    let db = sqlite_url(dir.path());
    let out = run(egov(dir.path()).args(["admin", "reset-password", "--username", "nobody", "--database-url", &db]));
    assert_eq!(out.status.code(), Some(1));
    assert!(text(&out.stderr).contains("--password-stdin"), "{}", text(&out.stderr));
}

#[test]
fn an_unreachable_database_is_one_line_and_exit_1() {
    let dir = tempdir();
    let out = run(egov(dir.path()).args(["admin", "verify-audit", "--database-url", "postgres://root@127.0.0.1:1/x"]));
    assert_eq!(out.status.code(), Some(1));
    let stderr = text(&out.stderr);
    assert_eq!(stderr.lines().count(), 1, "one line expected:\n{stderr}");
    assert!(stderr.starts_with("error: database unreachable"), "{stderr}");
    assert!(!stderr.contains("panicked"), "{stderr}");
}

#[test]
fn the_database_password_never_reaches_the_output() {
    let dir = tempdir();
    std::fs::write(dir.path().join("egov.toml"), "database_url = \"postgres://egov:Sup3rSecret@127.0.0.1:1/egov\"\n")
        .expect("write egov.toml");
    let out = run(egov(dir.path()).arg("show-config"));
    assert!(out.status.success(), "{}", text(&out.stderr));
    let shown = text(&out.stdout);
    assert!(shown.contains("postgres://egov:***@127.0.0.1:1/egov"), "{shown}");
    assert!(!shown.contains("Sup3rSecret"), "{shown}");

    let out = run(egov(dir.path()).arg("migrate"));
    assert_eq!(out.status.code(), Some(1));
    let all = format!("{}{}", text(&out.stdout), text(&out.stderr));
    assert!(!all.contains("Sup3rSecret"), "{all}");
}

#[test]
fn configuration_layers_and_unknown_keys() {
    let dir = tempdir();
    std::fs::write(dir.path().join("egov.toml"), "bind = \"0.0.0.0:9000\"\nlockout_threshold = 7\n")
        .expect("write egov.toml");
    let out = run(egov(dir.path()).env("EGOV_LOCKOUT_THRESHOLD", "9").arg("show-config"));
    assert!(out.status.success(), "{}", text(&out.stderr));
    let shown = text(&out.stdout);
    assert!(shown.contains("bind = \"0.0.0.0:9000\""), "{shown}");
    assert!(shown.contains("lockout_threshold = 9"), "{shown}");

    std::fs::write(dir.path().join("egov.toml"), "lockout_treshold = 7\n").expect("write egov.toml");
    let out = run(egov(dir.path()).arg("show-config"));
    assert_eq!(out.status.code(), Some(1));
    let stderr = text(&out.stderr);
    assert!(stderr.contains("lockout_treshold"), "{stderr}");
    assert_eq!(stderr.lines().count(), 1, "{stderr}");

    let out = run(egov(dir.path()).args(["--config", "missing.toml", "show-config"]));
    assert_eq!(out.status.code(), Some(1));
    assert!(text(&out.stderr).contains("missing.toml"));
}

#[test]
fn serve_demo_prints_logins_listens_and_stops_on_sigterm() {
    let dir = tempdir();
    let db = sqlite_url(dir.path());
    let mut child = egov(dir.path())
        .args(["serve", "--demo", "--bind", "127.0.0.1:0", "--database-url", &db])
        .env("EGOV_LOG_LEVEL", "warn")
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .expect("spawn egov serve");
    let stdout = child.stdout.take().expect("stdout");
    let (lines_tx, lines_rx) = mpsc::channel::<String>();
    std::thread::spawn(move || {
        for line in BufReader::new(stdout).lines().map_while(Result::ok) {
            if lines_tx.send(line).is_err() {
                break;
            }
        }
    });
    let mut printed = Vec::new();
    let address = loop {
        let Ok(line) = lines_rx.recv_timeout(Duration::from_secs(120)) else {
            let _ = child.kill();
            let out = child.wait_with_output().expect("wait");
            panic!("no listening line; stdout: {printed:?}; stderr: {}", text(&out.stderr));
        };
        if let Some(rest) = line.strip_prefix("egov is listening on http://") {
            break rest.split_whitespace().next().expect("address").to_string();
        }
        printed.push(line);
    };
    let printed = printed.join("\n");
    assert!(printed.contains("admin"), "{printed}");
    assert!(printed.contains(egov_service::demo::DEMO_PASSWORD), "{printed}");
    assert!(!address.ends_with(":0"), "the real port must be printed: {address}");

    let rt = tokio::runtime::Builder::new_current_thread().enable_all().build().expect("runtime");
    let status =
        rt.block_on(async { reqwest::get(format!("http://{address}/healthz")).await.expect("GET /healthz").status() });
    assert!(status.is_success());

    let killed = Command::new("kill").args(["-TERM", &child.id().to_string()]).status().expect("kill -TERM");
    assert!(killed.success());
    let (done_tx, done_rx) = mpsc::channel();
    std::thread::spawn(move || {
        let _ = done_tx.send(child.wait_with_output());
    });
    let out =
        done_rx.recv_timeout(Duration::from_secs(30)).expect("egov serve stops within 30 s of SIGTERM").expect("wait");
    assert!(out.status.success(), "exit {:?}: {}", out.status, text(&out.stderr));
}

#[test]
fn an_agency_exchange_key_is_imported_from_pkcs12_and_printed_for_its_hub() {
    let dir = tempdir();
    let db = sqlite_url(dir.path());
    assert!(run(egov(dir.path()).args(["migrate", "--database-url", &db])).status.success());
    let out = run(egov(dir.path()).args(["admin", "create-agency", "--database-url", &db]).args([
        "--code",
        "H41.12",
        "--name",
        "Sở Nội vụ",
        "--level",
        "province",
    ]));
    assert!(out.status.success(), "{}", text(&out.stderr));
    assert!(run(egov(dir.path()).args(["pki", "demo", "--database-url", &db])).status.success());

    // The agency's organisation certificate, from the (trusted) demo root, in a PKCS#12 file.
    let root = std::fs::read(dir.path().join("pki/demo-root.p12")).expect("demo root");
    let root = egov_pki::read_pkcs12(&root, "egov-demo-root").expect("root");
    let ca = egov_pki::Issued { certificate_der: root.certificate().to_vec(), key_pkcs8: root.private_key_pkcs8 };
    let now = std::time::SystemTime::now().duration_since(std::time::UNIX_EPOCH).expect("clock").as_secs();
    let now = i64::try_from(now).expect("time");
    let subject = egov_pki::Subject::new("Sở Nội vụ – hệ thống liên thông");
    let cert = egov_pki::issue_certificate(&ca, &subject, egov_pki::CertificateKind::Seal, now - 60, 30, None)
        .expect("certificate");
    let identity = egov_pki::Identity {
        private_key_pkcs8: cert.key_pkcs8.clone(),
        chain: vec![cert.certificate_der.clone(), ca.certificate_der.clone()],
    };
    let p12 = dir.path().join("snv.p12");
    std::fs::write(&p12, egov_pki::write_pkcs12(&identity, "mat-khau-p12", "snv").expect("p12")).expect("write");

    let import = |password: &str| {
        run(egov(dir.path())
            .env("EGOV_KEY_PASSWORD", password)
            .args(["pki", "exchange-key", "--database-url", &db, "--agency", "H41.12", "--pkcs12"])
            .arg(&p12))
    };
    let out = import("sai-mat-khau");
    assert_eq!(out.status.code(), Some(1));
    assert!(text(&out.stderr).contains("pkcs12"), "{}", text(&out.stderr));
    let out = import("mat-khau-p12");
    assert!(out.status.success(), "{}", text(&out.stderr));
    assert!(text(&out.stdout).contains("imported"), "{}", text(&out.stdout));

    // The certificate to register at the hub is the imported one.
    let out = run(egov(dir.path()).args(["pki", "exchange-certificate", "--database-url", &db, "--agency", "H41.12"]));
    assert!(out.status.success(), "{}", text(&out.stderr));
    assert_eq!(egov_pki::pem_to_der_all(&text(&out.stdout)), vec![cert.certificate_der.clone()]);
    let out = run(egov(dir.path()).args(["pki", "exchange-certificate", "--database-url", &db, "--agency", "H99"]));
    assert_eq!(out.status.code(), Some(1));
}
