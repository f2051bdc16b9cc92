//! Test harness for black-box integration tests: [`TestApp::spawn`] starts the real application
//! (the same router, settings mapping and server loop as `egov serve`) on `127.0.0.1:0`
//! against a fresh database of its own.
//!
//! The engine comes from `EGOV_TEST_DATABASE_URL`:
//! - unset: a new SQLite file in a temporary folder, removed when the [`TestApp`] is dropped;
//! - `postgres://…`: the harness connects to that server, creates `egov_test_<random>` and points
//!   the app at it; the database is dropped with the [`TestApp`]. If the variable is set but the
//!   server cannot be reached, the test fails (it never silently falls back to SQLite).
//!
//! Passwords are hashed with a cheap Argon2id cost (1 MiB, 1 pass) so that tests stay fast;
//! set `EGOV_TEST_REAL_ARGON2=1` to use the production default instead.
//!
//! Use it from a test file with `mod common;` and `use common::TestApp;`:
//!
//! ```ignore
//! #[tokio::test]
//! async fn health_check_works() {
//!     let app = TestApp::spawn().await;
//!     let res = app.client().get(app.url("/healthz")).send().await.unwrap();
//!     assert!(res.status().is_success());
//! }
//! ```
#![allow(dead_code, unused_imports)]

use std::net::SocketAddr;
use std::time::Duration;

use egov::config::Settings;
use egov_service::demo::DemoLogin;
use egov_service::Services;
use egov_storage::{Engine, Store};
use egov_web::AppState;
use rand::Rng;
use sqlx::Connection;

pub use egov_service::demo::DEMO_PASSWORD;

/// Environment variable selecting the engine for the tests (see the module documentation).
pub const TEST_DATABASE_ENV: &str = "EGOV_TEST_DATABASE_URL";

/// Environment variable that switches back to the production Argon2id cost.
pub const REAL_ARGON2_ENV: &str = "EGOV_TEST_REAL_ARGON2";

/// A running application with its own database. Dropping it stops the server and removes
/// the database.
#[derive(Debug)]
pub struct TestApp {
    /// Where the server listens (`127.0.0.1` and a free port).
    pub address: SocketAddr,
    /// `http://127.0.0.1:PORT`, without a trailing slash.
    pub base_url: String,
    /// The services the server uses: call them directly to arrange or inspect state.
    pub services: Services,
    /// The store the server uses (same pools as `services.store`).
    pub store: Store,
    /// The settings the app was started with (database URL included).
    pub settings: Settings,
    /// The engine under test.
    pub engine: Engine,
    server: tokio::task::JoinHandle<()>,
    dispatcher: tokio::task::JoinHandle<()>,
    _database: Option<TestDatabase>,
    _files: tempfile::TempDir,
}

impl TestApp {
    /// Starts the application with the default settings (and the cheap test Argon2 cost).
    ///
    /// Panics with a clear message when the database cannot be prepared: a test must fail,
    /// not skip, when the engine it was asked to run on is unavailable.
    pub async fn spawn() -> TestApp {
        TestApp::spawn_with(|_| {}).await
    }

    /// Starts the application after `configure` adjusted the settings, e.g.
    /// `TestApp::spawn_with(|s| s.lockout_threshold = 3)`. `database_url` and `bind` are
    /// chosen by the harness and overwritten after `configure` runs.
    pub async fn spawn_with(configure: impl FnOnce(&mut Settings)) -> TestApp {
        let mut settings = Settings::default();
        if std::env::var(REAL_ARGON2_ENV).as_deref() != Ok("1") {
            settings.argon2_memory_kib = 1024;
            settings.argon2_iterations = 1;
            settings.argon2_parallelism = 1;
        }
        settings.database_max_connections = 4;
        settings.shutdown_grace_seconds = 1;
        configure(&mut settings);

        let database = TestDatabase::create().await;
        settings.database_url = database.url.clone();
        let files = tempfile::Builder::new().prefix("egov-files-").tempdir().expect("temporary folder");
        settings.files_dir = Some(files.path().display().to_string());
        settings.pki_dir = Some(files.path().join("pki").display().to_string());
        settings.bind = "127.0.0.1:0".into();
        TestApp::start(settings, files, Some(database)).await
    }

    /// A second server process on this one's database (as two `egov serve` on one PostgreSQL),
    /// with its own files folder and its own notification dispatcher.
    pub async fn spawn_beside(&self) -> TestApp {
        let mut settings = self.settings.clone();
        let files = tempfile::Builder::new().prefix("egov-files-").tempdir().expect("temporary folder");
        settings.files_dir = Some(files.path().display().to_string());
        settings.pki_dir = Some(files.path().join("pki").display().to_string());
        TestApp::start(settings, files, None).await
    }

    async fn start(settings: Settings, files: tempfile::TempDir, database: Option<TestDatabase>) -> TestApp {
        settings.validate().expect("test settings are valid");
        let store = Store::open(&settings.database_url, settings.database_max_connections, true)
            .await
            .unwrap_or_else(|e| panic!("cannot open the test database: {e}"));
        let services = Services::new(store.clone(), settings.service_settings()).expect("services start");
        services.reload_calendar().await.expect("calendar");
        let listener = tokio::net::TcpListener::bind(&settings.bind).await.expect("bind 127.0.0.1:0");
        let address = listener.local_addr().expect("local address");
        let router = egov_web::router(AppState::new(services.clone(), settings.web_settings(address)));
        let grace = settings.shutdown_grace();
        let server = tokio::spawn(async move {
            if let Err(e) = egov::server::run(listener, router, std::future::pending(), grace).await {
                panic!("test server failed: {e}");
            }
        });
        let dispatcher = tokio::spawn(services.clone().run_live_dispatcher());
        TestApp {
            address,
            base_url: format!("http://{address}"),
            engine: store.engine(),
            services,
            store,
            settings,
            server,
            dispatcher,
            _database: database,
            _files: files,
        }
    }

    /// Absolute URL of `path` (which starts with `/`) on this server.
    pub fn url(&self, path: &str) -> String {
        format!("{}{}", self.base_url, path)
    }

    /// A new HTTP client with its own cookie jar (one client = one browser). It does not follow
    /// redirects, so tests can assert on `303 See Other` and its `Location`.
    pub fn client(&self) -> reqwest::Client {
        reqwest::Client::builder()
            .cookie_store(true)
            .redirect(reqwest::redirect::Policy::none())
            .timeout(Duration::from_secs(60))
            .build()
            .expect("HTTP client")
    }

    /// A client like [`TestApp::client`] that follows redirects (as a browser does).
    pub fn browser_client(&self) -> reqwest::Client {
        reqwest::Client::builder().cookie_store(true).timeout(Duration::from_secs(60)).build().expect("HTTP client")
    }

    /// Creates the demo province (agencies, units, a user for every role, all with the password
    /// [`DEMO_PASSWORD`]) and returns its logins.
    pub async fn seed_demo(&self) -> Vec<DemoLogin> {
        let logins = self.services.seed_demo().await.expect("demo seed");
        assert!(!logins.is_empty(), "the demo seed found existing agencies");
        logins
    }
}

impl Drop for TestApp {
    fn drop(&mut self) {
        self.server.abort();
        self.dispatcher.abort();
    }
}

/// A database that exists for one test.
#[derive(Debug)]
struct TestDatabase {
    url: String,
    cleanup: Cleanup,
}

#[derive(Debug)]
enum Cleanup {
    /// The SQLite file's folder, deleted on drop.
    Folder(tempfile::TempDir),
    /// A PostgreSQL database to drop, and the URL of the server's maintenance database.
    Postgres { admin_url: String, name: String },
}

impl TestDatabase {
    async fn create() -> TestDatabase {
        match std::env::var(TEST_DATABASE_ENV) {
            Ok(url) if !url.trim().is_empty() => TestDatabase::postgres(url.trim()).await,
            _ => {
                let dir = tempfile::Builder::new().prefix("egov-test-").tempdir().expect("temporary folder");
                let url = format!("sqlite://{}/egov.db", dir.path().display());
                TestDatabase { url, cleanup: Cleanup::Folder(dir) }
            }
        }
    }

    async fn postgres(admin_url: &str) -> TestDatabase {
        assert!(
            matches!(Engine::from_url(admin_url), Some(Engine::Postgres)),
            "{TEST_DATABASE_ENV} must be a postgres:// URL (unset it to test on SQLite)"
        );
        let name = format!("egov_test_{:016x}", rand::thread_rng().gen::<u64>());
        let mut conn = sqlx::PgConnection::connect(admin_url).await.unwrap_or_else(|e| {
            panic!("{TEST_DATABASE_ENV} is set but PostgreSQL is unreachable ({}): {e}", egov::redact_url(admin_url))
        });
        sqlx::query(&format!("CREATE DATABASE {name}"))
            .execute(&mut conn)
            .await
            .unwrap_or_else(|e| panic!("cannot create the test database {name}: {e}"));
        let _ = conn.close().await;
        TestDatabase {
            url: with_database(admin_url, &name),
            cleanup: Cleanup::Postgres { admin_url: admin_url.to_string(), name },
        }
    }
}

impl Drop for TestDatabase {
    fn drop(&mut self) {
        let Cleanup::Postgres { admin_url, name } = &self.cleanup else {
            return;
        };
        let (admin_url, name) = (admin_url.clone(), name.clone());
        // Best effort, on a thread of its own: the test's runtime may be shutting down.
        let dropper = std::thread::spawn(move || {
            let Ok(rt) = tokio::runtime::Builder::new_current_thread().enable_all().build() else {
                return;
            };
            rt.block_on(async {
                if let Ok(mut conn) = sqlx::PgConnection::connect(&admin_url).await {
                    let sql = format!("DROP DATABASE IF EXISTS {name} WITH (FORCE)");
                    let _ = sqlx::query(&sql).execute(&mut conn).await;
                    let _ = conn.close().await;
                }
            });
        });
        let _ = dropper.join();
    }
}

/// `url` with its database name replaced by `name` (query string kept).
fn with_database(url: &str, name: &str) -> String {
    let (head, query) = match url.split_once('?') {
        Some((h, q)) => (h, Some(q)),
        None => (url, None),
    };
    let (scheme, rest) = head.split_once("://").expect("URL has a scheme");
    let authority = &rest[..rest.find('/').unwrap_or(rest.len())];
    let mut out = format!("{scheme}://{authority}/{name}");
    if let Some(q) = query {
        out.push('?');
        out.push_str(q);
    }
    out
}
