//! Test harness: real hubs on `127.0.0.1:0`, each with a fresh database of its own (SQLite in
//! a temporary folder, or a new PostgreSQL database on the server named by
//! `EGOV_TEST_DATABASE_URL`, dropped afterwards), a demo PKI made per test, and signed edXML
//! packages built from the edxml crate's canonical samples.
#![allow(dead_code, clippy::unwrap_used)]

use std::path::Path;
use std::sync::Arc;

use egov_edxml::{AgencyCode, Date, DocumentId, Organization};
use egov_hub::{Hub, HubClient, HubSettings, NewSystem, SystemKind};
use egov_pki::{CertificateKind, Issued, KeySigner, Subject};
use rand::Rng;
use sqlx::Connection;

pub const TEST_DATABASE_ENV: &str = "EGOV_TEST_DATABASE_URL";
pub const EDXML_NS: &str = "http://www.mic.gov.vn/TBT/QCVN_102_2016";
pub const ADMIN_TOKEN: &str = "test-admin-token";

pub fn now() -> i64 {
    std::time::SystemTime::now().duration_since(std::time::UNIX_EPOCH).unwrap().as_secs() as i64
}

/// A demo PKI: a trusted root and an untrusted one.
pub struct Pki {
    pub root: Issued,
    pub other_root: Issued,
}

impl Pki {
    pub fn new() -> Pki {
        let t = now();
        Pki {
            root: egov_pki::create_root("Hub Test Root", "egov test", t - 86_400, 3650).unwrap(),
            other_root: egov_pki::create_root("Untrusted Root", "elsewhere", t - 86_400, 3650).unwrap(),
        }
    }

    pub fn roots_pem(&self) -> String {
        egov_pki::der_to_pem(&self.root.certificate_der, "CERTIFICATE")
    }

    /// A seal certificate for `name`, issued by the trusted root.
    pub fn identity(&self, name: &str) -> Identity {
        Identity::issue(&self.root, name, now() - 3600, 365)
    }

    pub fn untrusted_identity(&self, name: &str) -> Identity {
        Identity::issue(&self.other_root, name, now() - 3600, 365)
    }

    pub fn expired_identity(&self, name: &str) -> Identity {
        Identity::issue(&self.root, name, now() - 10 * 86_400, 2)
    }
}

/// A certificate with its key, as a signer.
#[derive(Clone)]
pub struct Identity {
    pub certificate: Vec<u8>,
    pub signer: Arc<KeySigner>,
}

impl Identity {
    fn issue(ca: &Issued, name: &str, from: i64, days: u32) -> Identity {
        let leaf =
            egov_pki::issue_certificate(ca, &Subject::new(name), CertificateKind::Seal, from, days, None).unwrap();
        let signer = KeySigner::from_pkcs8(&leaf.key_pkcs8, vec![leaf.certificate_der.clone()]).unwrap();
        Identity { certificate: leaf.certificate_der, signer: Arc::new(signer) }
    }

    pub fn dyn_signer(&self) -> Arc<dyn egov_pki::Signer> {
        self.signer.clone()
    }
}

/// A database for one test.
pub struct TestDb {
    pub url: String,
    cleanup: Cleanup,
}

enum Cleanup {
    Folder(#[allow(dead_code)] tempfile::TempDir),
    Postgres { admin_url: String, name: String },
}

impl TestDb {
    pub async fn create() -> TestDb {
        match std::env::var(TEST_DATABASE_ENV) {
            Ok(url) if !url.trim().is_empty() => {
                let admin_url = url.trim().to_string();
                let name = format!("egov_hub_test_{:016x}", rand::thread_rng().gen::<u64>());
                let mut conn = sqlx::PgConnection::connect(&admin_url)
                    .await
                    .unwrap_or_else(|e| panic!("{TEST_DATABASE_ENV} is set but PostgreSQL is unreachable: {e}"));
                sqlx::query(&format!("CREATE DATABASE {name}")).execute(&mut conn).await.unwrap();
                let _ = conn.close().await;
                TestDb { url: with_database(&admin_url, &name), cleanup: Cleanup::Postgres { admin_url, name } }
            }
            _ => {
                let dir = tempfile::Builder::new().prefix("egov-hub-test-").tempdir().unwrap();
                TestDb { url: format!("sqlite://{}/hub.db", dir.path().display()), cleanup: Cleanup::Folder(dir) }
            }
        }
    }
}

impl Drop for TestDb {
    fn drop(&mut self) {
        let Cleanup::Postgres { admin_url, name } = &self.cleanup else { return };
        let (admin_url, name) = (admin_url.clone(), name.clone());
        let _ = std::thread::spawn(move || {
            let Ok(rt) = tokio::runtime::Builder::new_current_thread().enable_all().build() else { return };
            rt.block_on(async {
                if let Ok(mut conn) = sqlx::PgConnection::connect(&admin_url).await {
                    let _ =
                        sqlx::query(&format!("DROP DATABASE IF EXISTS {name} WITH (FORCE)")).execute(&mut conn).await;
                    let _ = conn.close().await;
                }
            });
        })
        .join();
    }
}

fn with_database(url: &str, name: &str) -> String {
    let (head, query) = match url.split_once('?') {
        Some((h, q)) => (h, Some(q)),
        None => (url, None),
    };
    let (scheme, rest) = head.split_once("://").unwrap();
    let authority = &rest[..rest.find('/').unwrap_or(rest.len())];
    let mut out = format!("{scheme}://{authority}/{name}");
    if let Some(q) = query {
        out.push('?');
        out.push_str(q);
    }
    out
}

/// A running hub.
pub struct TestHub {
    pub hub: Hub,
    pub url: String,
    pub address: std::net::SocketAddr,
    shutdown: Option<tokio::sync::oneshot::Sender<()>>,
    task: Option<tokio::task::JoinHandle<anyhow::Result<()>>>,
}

impl TestHub {
    /// Opens a hub on `db_url` with `settings` adjusted by the caller, registers `systems`, and
    /// serves it on `bind` (default `127.0.0.1:0`).
    pub async fn start(
        db_url: &str,
        pki: &Pki,
        own_code: &str,
        bind: Option<std::net::SocketAddr>,
        configure: impl FnOnce(&mut HubSettings),
        systems: &[NewSystem],
    ) -> TestHub {
        let mut settings = HubSettings {
            database_url: db_url.to_string(),
            bind: "127.0.0.1:0".into(),
            own_code: own_code.to_string(),
            trust_roots_pem: pki.roots_pem(),
            admin_token: ADMIN_TOKEN.into(),
            ..HubSettings::default()
        };
        configure(&mut settings);
        let hub = Hub::open(settings).await.unwrap();
        for s in systems {
            hub.register_system(s).await.unwrap();
        }
        let listener =
            tokio::net::TcpListener::bind(bind.unwrap_or_else(|| "127.0.0.1:0".parse().unwrap())).await.unwrap();
        let address = listener.local_addr().unwrap();
        let (tx, rx) = tokio::sync::oneshot::channel::<()>();
        let task = tokio::spawn(hub.clone().run(listener, async move {
            let _ = rx.await;
        }));
        TestHub { hub, url: format!("http://{address}"), address, shutdown: Some(tx), task: Some(task) }
    }

    pub fn client(&self, code: &str, id: &Identity) -> HubClient {
        HubClient::new(self.url.clone(), code, id.dyn_signer())
    }

    /// Stops serving and closes the database.
    pub async fn stop(mut self) {
        if let Some(tx) = self.shutdown.take() {
            let _ = tx.send(());
        }
        if let Some(task) = self.task.take() {
            task.await.unwrap().unwrap();
        }
        self.hub.close().await;
    }

    pub async fn metrics(&self) -> String {
        let res =
            reqwest::Client::new().get(format!("{}/metrics", self.url)).bearer_auth(ADMIN_TOKEN).send().await.unwrap();
        assert_eq!(res.status(), 200);
        res.text().await.unwrap()
    }
}

impl Drop for TestHub {
    fn drop(&mut self) {
        if let Some(task) = self.task.take() {
            task.abort();
        }
    }
}

pub fn node(code: &str, name: &str, id: &Identity) -> NewSystem {
    NewSystem {
        code: code.into(),
        name: name.into(),
        kind: SystemKind::Node,
        certificate_der: id.certificate.clone(),
        level: None,
        parent: None,
        endpoint: None,
    }
}

pub fn child_hub(code: &str, name: &str, id: &Identity) -> NewSystem {
    NewSystem { kind: SystemKind::Hub, ..node(code, name, id) }
}

fn sample(name: &str) -> Vec<u8> {
    std::fs::read(Path::new(env!("CARGO_MANIFEST_DIR")).join("../edxml/fuzz/corpus/read_package").join(name)).unwrap()
}

fn code(c: &str) -> AgencyCode {
    AgencyCode::parse(c).unwrap()
}

/// The document id a document from `from` numbered `number` gets.
pub fn document_id(from: &str, number: u32) -> String {
    DocumentId::new(code(from), Date::new(2026, 3, 5).unwrap(), &number.to_string(), "UBND-VP").unwrap().to_string()
}

/// An unsigned document package from `from` to `to`, numbered `number`, with `subject`.
pub fn document_xml(from: &str, to: &[&str], number: u32, subject: &str) -> String {
    let egov_edxml::Message::Package(read) = egov_edxml::read_message(&sample("canonical.xml")).unwrap() else {
        panic!("sample is a document package")
    };
    let mut p = read.package;
    p.header.from = Organization::new(code(from), format!("Cơ quan {from}"));
    p.header.to = to.iter().map(|t| Organization::new(code(t), format!("Cơ quan {t}"))).collect();
    p.header.code.number = number.to_string();
    p.header.code.notation = "UBND-VP".into();
    p.header.promulgation.date = Date::new(2026, 3, 5).unwrap();
    p.header.document_id =
        DocumentId::new(code(from), Date::new(2026, 3, 5).unwrap(), &number.to_string(), "UBND-VP").unwrap();
    p.header.subject = subject.into();
    p.header.response_for.clear();
    String::from_utf8(egov_edxml::write_package(&p).unwrap().bytes).unwrap()
}

/// An unsigned status package from `from` answering `document_id` of `sender`.
pub fn status_xml(from: &str, sender: &str, document_id: &str, status: u8) -> String {
    let egov_edxml::Message::Status(read) = egov_edxml::read_message(&sample("canonical-status.xml")).unwrap() else {
        panic!("sample is a status package")
    };
    let mut s = read.status;
    s.from = Organization::new(code(from), format!("Cơ quan {from}"));
    s.to.clear();
    s.response_for.organ_id = code(sender);
    let (org, rest) = document_id.split_once(',').unwrap();
    let (_, number_notation) = rest.split_once(',').unwrap();
    s.response_for.code = number_notation.to_string();
    let (number, notation) = number_notation.split_once('/').unwrap();
    s.response_for.document_id = DocumentId::new(code(org), Date::new(2026, 3, 5).unwrap(), number, notation).unwrap();
    s.status_code = egov_edxml::StatusCode::from_code(status).unwrap();
    String::from_utf8(egov_edxml::write_status(&s).unwrap().bytes).unwrap()
}

/// Signs a package in its `DigitalSignature` slot.
pub fn sign(xml: &str, id: &Identity) -> Vec<u8> {
    egov_xmldsig::sign(xml, EDXML_NS, "DigitalSignature", id.signer.as_ref()).unwrap().into_bytes()
}

pub fn signed_document(from: &str, to: &[&str], number: u32, id: &Identity) -> Vec<u8> {
    sign(&document_xml(from, to, number, &format!("Văn bản thử nghiệm số {number}")), id)
}

/// The value of a metric line `name` (with labels as written), or 0.
pub fn metric(text: &str, name: &str) -> f64 {
    text.lines()
        .find_map(|l| l.strip_prefix(name).and_then(|rest| rest.strip_prefix(' ')).and_then(|v| v.trim().parse().ok()))
        .unwrap_or(0.0)
}
