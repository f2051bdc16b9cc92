//! The exchange end to end, on loopback: a national hub and a provincial hub (`egov hub serve`, separate
//! processes with their own SQLite databases), a ministry node (in this process, with its exchange worker)
//! and three agency nodes (`egov serve` processes): the province (People's Committee and a department), a
//! district of the older three-level model, and a commune node hosting a commune under that district and a
//! commune directly under the province (the two-level model). Every node made its agencies, clerks and keys
//! with the command line, and every system is registered at its hub with `egov hub register`.
//!
//! The ministry issues one document to two communes and a department: it travels ministry → national hub →
//! provincial hub → the three agencies' nodes, each answers 01, and the answers travel back to the ministry.
//! Then ten documents go to a commune while its node is killed (SIGKILL) mid-delivery and restarted: each
//! arrives exactly once and is answered exactly once.

mod common;
mod support;

use std::io::{BufRead, BufReader};
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

use common::TestApp;
use egov_service::signatures::demo::DEMO_PIN;
use reqwest::StatusCode;
use serde_json::json;
use support::ApiUser;

const ADMIN_TOKEN: &str = "hub-admin-token-for-tests-0123456789";
const HUB_KEY_PASSWORD: &str = "hub-key-password";

fn egov(dir: &Path) -> Command {
    let mut cmd = Command::new(env!("CARGO_BIN_EXE_egov"));
    cmd.current_dir(dir);
    for (key, _) in std::env::vars() {
        if key.starts_with("EGOV_") && key != "EGOV_TEST_DATABASE_URL" && !key.starts_with("EGOV_REQUIRE") {
            cmd.env_remove(key);
        }
    }
    cmd.env("EGOV_LOG_LEVEL", "warn").env("EGOV_ARGON2_MEMORY_KIB", "1024");
    cmd.env("EGOV_ARGON2_ITERATIONS", "1").env("EGOV_ARGON2_PARALLELISM", "1");
    cmd
}

fn ok(cmd: &mut Command) -> String {
    let out = cmd.output().expect("egov runs");
    assert!(
        out.status.success(),
        "{cmd:?} failed: {}{}",
        String::from_utf8_lossy(&out.stdout),
        String::from_utf8_lossy(&out.stderr)
    );
    String::from_utf8_lossy(&out.stdout).into_owned()
}

/// A running `egov` process; killed when dropped.
struct Running {
    child: Child,
    url: String,
}

impl Drop for Running {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

/// Starts `cmd` and waits for the line announcing its address.
fn start(mut cmd: Command) -> Running {
    let mut child = cmd.stdout(Stdio::piped()).stderr(Stdio::inherit()).spawn().expect("spawn egov");
    let stdout = child.stdout.take().expect("stdout");
    let (tx, rx) = std::sync::mpsc::channel();
    std::thread::spawn(move || {
        let mut sent = false;
        for line in BufReader::new(stdout).lines() {
            let Ok(line) = line else { break };
            if !sent {
                if let Some(at) = line.find("http://") {
                    let url = line[at..].split_whitespace().next().unwrap_or_default().to_string();
                    let _ = tx.send(url);
                    sent = true;
                }
            }
        }
    });
    let url = rx.recv_timeout(Duration::from_secs(60)).expect("the process announces its address");
    Running { child, url }
}

/// An agency node run as a process: its folder (database, files, PKI) and its agencies.
struct NodeDir {
    dir: PathBuf,
    agencies: Vec<(&'static str, &'static str, &'static str)>,
    /// Where `egov serve` listens (a fixed port when the hub pushes to it).
    bind: String,
}

impl NodeDir {
    fn db_url(&self) -> String {
        format!("sqlite://{}", self.dir.join("egov-data/egov.db").display())
    }

    /// Agencies, one clerk each, the demo keys (with their own root).
    fn create(base: &Path, name: &str, agencies: Vec<(&'static str, &'static str, &'static str)>) -> NodeDir {
        let dir = base.join(name);
        std::fs::create_dir_all(&dir).expect("node dir");
        let node = NodeDir { dir, agencies, bind: "127.0.0.1:0".into() };
        let db = node.db_url();
        ok(egov(&node.dir).args(["migrate", "--database-url", &db]));
        for (code, agency_name, level) in &node.agencies {
            ok(egov(&node.dir).args(["admin", "create-agency", "--database-url", &db, "--code", code]).args([
                "--name",
                agency_name,
                "--level",
                level,
            ]));
            let username = format!("vanthu.{}", code.to_lowercase().replace('.', "-"));
            ok(egov(&node.dir)
                .env("EGOV_NEW_PASSWORD", common::DEMO_PASSWORD)
                .args(["admin", "create-user", "--database-url", &db, "--username", &username])
                .args(["--full-name", "Văn thư", "--agency", code, "--role", "clerk"]));
        }
        ok(egov(&node.dir).args(["pki", "demo", "--database-url", &db]));
        node
    }

    fn roots_pem(&self) -> String {
        std::fs::read_to_string(self.dir.join("egov-data/pki/trusted-roots.pem")).expect("node roots")
    }

    fn trust(&self, bundle: &Path) {
        ok(egov(&self.dir).args(["pki", "trust", "--database-url", &self.db_url()]).arg(bundle));
    }

    fn certificate(&self, code: &str, out: &Path) -> PathBuf {
        let pem = ok(egov(&self.dir)
            .args(["pki", "exchange-certificate", "--database-url", &self.db_url()])
            .args(["--agency", code]));
        let path = out.join(format!("{code}.pem"));
        std::fs::write(&path, pem).expect("certificate file");
        path
    }

    fn start(&self, hub_url: &str) -> Running {
        let mut cmd = egov(&self.dir);
        cmd.env("EGOV_HUB_URL", hub_url).args(["serve", "--database-url", &self.db_url(), "--bind", &self.bind]);
        start(cmd)
    }

    /// Reads the node's database (SQLite allows a reader beside the running process).
    async fn query_i64(&self, sql: &str) -> i64 {
        use sqlx::ConnectOptions;
        let opts: sqlx::sqlite::SqliteConnectOptions =
            format!("{}?mode=ro", self.db_url()).parse().expect("sqlite url");
        let mut c = opts.connect().await.expect("open node database");
        let v: i64 = sqlx::query_scalar(sql).fetch_one(&mut c).await.expect("query");
        v
    }
}

/// A hub run as a process.
struct HubDir {
    dir: PathBuf,
    env: Vec<(&'static str, String)>,
}

impl HubDir {
    fn new(base: &Path, name: &str, roots: &Path, extra: Vec<(&'static str, String)>) -> HubDir {
        let dir = base.join(name);
        std::fs::create_dir_all(&dir).expect("hub dir");
        let mut env = vec![
            ("EGOV_HUB_DATABASE_URL", format!("sqlite://{}", dir.join("hub.db").display())),
            ("EGOV_HUB_TRUST_ROOTS", roots.display().to_string()),
            ("EGOV_HUB_ADMIN_TOKEN", ADMIN_TOKEN.to_string()),
            ("EGOV_HUB_BIND", "127.0.0.1:0".to_string()),
        ];
        env.extend(extra);
        HubDir { dir, env }
    }

    fn command(&self) -> Command {
        let mut cmd = egov(&self.dir);
        for (k, v) in &self.env {
            cmd.env(k, v);
        }
        cmd
    }

    fn register(&self, code: &str, name: &str, certificate: &Path, kind: &str) {
        self.register_pushed(code, name, certificate, kind, None);
    }

    /// Registers a system; with `endpoint`, the hub pushes its packages there.
    fn register_pushed(&self, code: &str, name: &str, certificate: &Path, kind: &str, endpoint: Option<&str>) {
        let mut cmd = self.command();
        cmd.args(["hub", "register", "--code", code, "--name", name, "--kind", kind])
            .arg("--certificate")
            .arg(certificate);
        if let Some(url) = endpoint {
            cmd.args(["--endpoint", url]);
        }
        ok(&mut cmd);
    }

    fn start(&self) -> Running {
        let mut cmd = self.command();
        cmd.args(["hub", "serve"]);
        start(cmd)
    }
}

/// The ministry's agency, a unit, a specialist, a leader and a clerk, and its demo keys.
async fn ministry(app: &TestApp) {
    let system = egov_service::Caller::system("test");
    let input = egov_service::org::AgencyInput {
        code: "G01",
        name: "Bộ Nội vụ",
        short_name: Some("BNV"),
        level: "central",
        parent_id: None,
    };
    let agency = app.services.create_agency(&system, &input).await.expect("ministry");
    let unit = app.services.create_unit(&system, agency.id, None, "Vụ Chính quyền địa phương").await.expect("unit");
    let people = [
        ("chuyenvien.bnv", "Đỗ Thị Mai", Some(unit.id), "specialist", "specialist"),
        ("lanhdao.bnv", "Vũ Văn Thành", None, "head", "leader"),
        ("vanthu.bnv", "Lý Thị Kim", None, "", "clerk"),
    ];
    for (username, full_name, unit_id, position, role) in people {
        let user = egov_service::users::NewUserInput {
            username,
            full_name,
            agency_id: agency.id,
            unit_id,
            position: Some(position).filter(|p| !p.is_empty()),
            roles: vec![role.into()],
            password: common::DEMO_PASSWORD,
            ..Default::default()
        };
        app.services.create_user(&system, &user).await.expect("ministry user");
    }
    app.services.create_demo_pki(None).await.expect("ministry keys");
}

/// Drafts, approves, signs and issues a document to outside agencies (`CODE|Name`); returns its id.
async fn issue(
    specialist: &ApiUser,
    leader: &ApiUser,
    clerk: &ApiUser,
    subject: &str,
    to: &[&str],
    extra: &[(&str, &str)],
) -> i64 {
    let mut fields = vec![("doc_type", "cong_van"), ("subject", subject), ("signer", "Vũ Văn Thành")];
    fields.extend(to.iter().map(|t| ("recipient_external", *t)));
    fields.extend(extra.iter().copied());
    let (status, draft) = specialist
        .post_multipart("/api/v1/drafts", &fields, &[("cong-van.pdf", egov_files::sample_pdf(subject, 1))])
        .await;
    assert_eq!(status, StatusCode::CREATED, "{draft}");
    let id = draft["id"].as_i64().expect("id");
    let submit = json!({ "approvers": [leader.user_id] });
    assert_eq!(specialist.post(&format!("/api/v1/drafts/{id}/submit"), submit).await.0, StatusCode::NO_CONTENT);
    let approve = json!({ "decision": "approve" });
    assert_eq!(leader.post(&format!("/api/v1/drafts/{id}/decision"), approve).await.0, StatusCode::NO_CONTENT);
    let (status, body) = leader.post(&format!("/api/v1/documents/{id}/sign"), json!({ "pin": DEMO_PIN })).await;
    assert_eq!(status, StatusCode::OK, "{body}");
    let issue = json!({ "seal_pin": DEMO_PIN, "notation": "BNV-CQĐP" });
    let (status, issued) = clerk.post(&format!("/api/v1/drafts/{id}/issue"), issue).await;
    assert_eq!(status, StatusCode::CREATED, "{issued}");
    assert_eq!(issued["queued"], to.len(), "{issued}");
    id
}

/// Waits until every outside addressee of document `id` reached `status` (or `timeout` passes).
async fn wait_for_statuses(clerk: &ApiUser, id: i64, status: &str, timeout: Duration) -> serde_json::Value {
    let started = Instant::now();
    loop {
        let (_, d) = clerk.get(&format!("/api/v1/documents/{id}")).await;
        let all = d["recipients"].as_array().is_some_and(|rs| rs.iter().all(|r| r["status"] == status));
        if all || started.elapsed() > timeout {
            return d;
        }
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
}

/// A system's certificate (organisation kind, 30 days) from `ca`.
fn system_certificate(ca: &egov_pki::Issued, name: &str, now: i64) -> egov_pki::Issued {
    egov_pki::issue_certificate(ca, &egov_pki::Subject::new(name), egov_pki::CertificateKind::Seal, now - 60, 30, None)
        .expect("system certificate")
}

/// The whole exchange on loopback: two hubs, three node processes, the ministry in this process.
struct Topology {
    app: TestApp,
    province: NodeDir,
    district: NodeDir,
    communes: NodeDir,
    national_hub: Running,
    provincial_hub: Running,
    nodes: Vec<Running>,
    commune_node: Running,
    /// The key of `G02`, a system registered at the national hub for measurements.
    probe: std::sync::Arc<egov_pki::KeySigner>,
    _dir: tempfile::TempDir,
}

async fn topology() -> Topology {
    let dir = tempfile::Builder::new().prefix("egov-e2e-").tempdir().expect("temporary folder");
    let base = dir.path();

    // Three agency nodes, made with the command line.
    let province = NodeDir::create(
        base,
        "province",
        vec![("H41", "Ủy ban nhân dân tỉnh Nghệ An", "province"), ("H41.12", "Sở Nội vụ", "province")],
    );
    let district = NodeDir::create(base, "district", vec![("H41.90", "Ủy ban nhân dân huyện Quỳ Hợp", "district")]);
    let communes = NodeDir::create(
        base,
        "communes",
        vec![
            ("H41.90.01", "Ủy ban nhân dân xã Châu Quang", "commune"),
            ("H41.501", "Ủy ban nhân dân xã Hưng Nguyên", "commune"),
        ],
    );
    // The ministry in this process.
    let app = TestApp::spawn().await;
    ministry(&app).await;

    // The provincial hub's own key, from a CA of the province's IT department.
    let now =
        i64::try_from(std::time::SystemTime::now().duration_since(std::time::UNIX_EPOCH).expect("clock").as_secs())
            .expect("time");
    let hub_ca =
        egov_pki::create_root("Trục liên thông tỉnh Nghệ An CA", "UBND tỉnh Nghệ An", now - 60, 30).expect("CA");
    let hub_cert = system_certificate(&hub_ca, "Trục liên thông văn bản tỉnh Nghệ An", now);
    let identity = egov_pki::Identity {
        private_key_pkcs8: hub_cert.key_pkcs8.clone(),
        chain: vec![hub_cert.certificate_der.clone(), hub_ca.certificate_der.clone()],
    };
    let hub_p12 = base.join("provincial-hub.p12");
    std::fs::write(&hub_p12, egov_pki::write_pkcs12(&identity, HUB_KEY_PASSWORD, "hub").expect("p12")).expect("p12");
    let hub_pem = base.join("provincial-hub.pem");
    std::fs::write(&hub_pem, egov_pki::der_to_pem(&hub_cert.certificate_der, "CERTIFICATE")).expect("pem");

    // Every node trusts every node's root (the roots of the licensed CAs, in real life); the hubs too.
    let ministry_roots =
        std::fs::read_to_string(app.services.settings.pki_dir.join("trusted-roots.pem")).expect("ministry roots");
    let mut bundle = ministry_roots.clone();
    for n in [&province, &district, &communes] {
        bundle.push_str(&n.roots_pem());
    }
    bundle.push_str(&egov_pki::der_to_pem(&hub_ca.certificate_der, "CERTIFICATE"));
    let bundle_path = base.join("roots.pem");
    std::fs::write(&bundle_path, &bundle).expect("bundle");
    for n in [&province, &district, &communes] {
        n.trust(&bundle_path);
    }
    std::fs::write(app.services.settings.pki_dir.join("trusted-roots.pem"), &bundle).expect("ministry trust");
    app.services.reload_trust().expect("reload");

    // The national hub knows the ministry and the provincial hub (for every code within H41).
    let certs = base.join("certs");
    std::fs::create_dir_all(&certs).expect("certs");
    let national = HubDir::new(base, "national-hub", &bundle_path, vec![]);
    let ministry_pem = certs.join("G01.pem");
    let der = app.services.exchange_certificate("G01").await.expect("lookup").expect("ministry exchange key");
    std::fs::write(&ministry_pem, egov_pki::der_to_pem(&der, "CERTIFICATE")).expect("pem");
    national.register("G01", "Bộ Nội vụ", &ministry_pem, "node");
    national.register("H41", "Trục liên thông tỉnh Nghệ An", &hub_pem, "hub");
    // A system for measurements (benchmarks send from it with their own client).
    let probe_cert = system_certificate(&hub_ca, "Hệ thống đo kiểm", now);
    let probe_pem = certs.join("G02.pem");
    std::fs::write(&probe_pem, egov_pki::der_to_pem(&probe_cert.certificate_der, "CERTIFICATE")).expect("pem");
    national.register("G02", "Hệ thống đo kiểm", &probe_pem, "node");
    let probe = egov_pki::KeySigner::from_pkcs8(&probe_cert.key_pkcs8, vec![probe_cert.certificate_der.clone()])
        .expect("probe signer");
    let national_hub = national.start();

    let provincial = HubDir::new(
        base,
        "provincial-hub",
        &bundle_path,
        vec![
            ("EGOV_HUB_UPSTREAM_URL", national_hub.url.clone()),
            ("EGOV_HUB_CODE", "H41".to_string()),
            ("EGOV_HUB_KEY_FILE", hub_p12.display().to_string()),
            ("EGOV_HUB_KEY_PASSWORD", HUB_KEY_PASSWORD.to_string()),
        ],
    );
    // The province's node takes its packages by push (and still pulls: whichever comes first is
    // stored, the other recognised); the others pull.
    let mut province = province;
    province.bind = {
        let free = std::net::TcpListener::bind("127.0.0.1:0").expect("a free port");
        free.local_addr().expect("address").to_string()
    };
    for n in [&province, &district, &communes] {
        for (code, name, _) in &n.agencies {
            let endpoint =
                (n.dir == province.dir).then(|| format!("http://{}/api/v1/exchange/push/{code}", province.bind));
            provincial.register_pushed(code, name, &n.certificate(code, &certs), "node", endpoint.as_deref());
        }
    }
    let provincial_hub = provincial.start();

    let province_node = province.start(&provincial_hub.url);
    let district_node = district.start(&provincial_hub.url);
    let commune_node = communes.start(&provincial_hub.url);
    Topology {
        app,
        province,
        district,
        communes,
        national_hub,
        provincial_hub,
        nodes: vec![province_node, district_node],
        commune_node,
        probe: std::sync::Arc::new(probe),
        _dir: dir,
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_ministry_document_reaches_two_communes_and_a_department_through_two_hubs_exactly_once() {
    let Topology {
        app,
        province,
        district,
        communes,
        national_hub,
        provincial_hub,
        nodes,
        mut commune_node,
        probe: topology_probe,
        _dir,
    } = topology().await;
    let (stop, stopped) = tokio::sync::watch::channel(false);
    let ministry_worker =
        tokio::spawn(egov_service::exchange::worker::run(app.services.clone(), national_hub.url.clone(), stopped));

    let specialist = ApiUser::sign_in(&app, "chuyenvien.bnv").await;
    let leader = ApiUser::sign_in(&app, "lanhdao.bnv").await;
    let clerk = ApiUser::sign_in(&app, "vanthu.bnv").await;

    // One document to two communes (one under a district, one directly under the province) and a department.
    let to = ["H41.90.01|UBND xã Châu Quang", "H41.501|UBND xã Hưng Nguyên", "H41.12|Sở Nội vụ tỉnh Nghệ An"];
    let id = issue(&specialist, &leader, &clerk, "Hướng dẫn sắp xếp đơn vị hành chính cấp xã", &to, &[]).await;
    let d = wait_for_statuses(&clerk, id, "arrived", Duration::from_secs(60)).await;
    let statuses: Vec<&str> =
        d["recipients"].as_array().expect("recipients").iter().map(|r| r["status"].as_str().unwrap_or("")).collect();
    assert_eq!(statuses, ["arrived", "arrived", "arrived"], "{d}");
    // Each arrived once, in its agency's "to register" queue, with the signature checks noted.
    let incoming = "SELECT COUNT(*) FROM documents WHERE direction = 'incoming' AND status = 'to_register'";
    assert_eq!(communes.query_i64(incoming).await, 2);
    assert_eq!(province.query_i64(incoming).await, 1);
    assert_eq!(district.query_i64(incoming).await, 0, "nothing for the district");
    let timeline = d["timeline"].to_string();
    assert!(timeline.contains("01"), "the answers are on the ministry's timeline: {timeline}");

    // Ten documents to the commune of Hưng Nguyên; its node is killed mid-delivery, then restarted.
    let mut ids = Vec::new();
    for i in 1..=10 {
        let subject = format!("Công văn số {i} về cải cách hành chính");
        ids.push(issue(&specialist, &leader, &clerk, &subject, &["H41.501|UBND xã Hưng Nguyên"], &[]).await);
        if i == 3 {
            // Kill as soon as one of these has landed (mid-delivery), not before.
            let started = Instant::now();
            while communes.query_i64(incoming).await < 3 && started.elapsed() < Duration::from_secs(30) {
                tokio::time::sleep(Duration::from_millis(20)).await;
            }
            commune_node.child.kill().expect("SIGKILL the commune node");
            commune_node.child.wait().expect("reaped");
        }
    }
    let landed_before_restart = communes.query_i64(incoming).await;
    assert!(landed_before_restart < 12, "some were still undelivered when the node died ({landed_before_restart})");
    commune_node = communes.start(&provincial_hub.url);
    for id in &ids {
        let d = wait_for_statuses(&clerk, *id, "arrived", Duration::from_secs(60)).await;
        assert_eq!(d["recipients"][0]["status"], "arrived", "{d}");
    }
    assert_eq!(communes.query_i64(incoming).await, 12, "2 + 10 documents, each once");
    // (The first document went to both communes of this node with the same DocumentId.)
    let distinct =
        "SELECT COUNT(*) FROM (SELECT DISTINCT agency_id, exchange_id FROM documents WHERE direction = 'incoming')";
    assert_eq!(communes.query_i64(distinct).await, 12);
    let answers = "SELECT COUNT(*) FROM exchange_outbox WHERE kind = 'status' AND status_code = '01'";
    assert_eq!(communes.query_i64(answers).await, 12, "one 01 answer per document");
    let unsent = "SELECT COUNT(*) FROM exchange_outbox WHERE state <> 'sent'";
    assert_eq!(communes.query_i64(unsent).await, 0, "every answer left the commune node");

    // The ministry takes one back (13): not yet registered there, so it is given back (15) and withdrawn.
    let (status, asked) =
        clerk.post(&format!("/api/v1/documents/{}/take-back", ids[0]), json!({ "text": "Gửi nhầm văn bản" })).await;
    assert_eq!(status, StatusCode::OK, "{asked}");
    assert_eq!(asked["asked"], 1);
    let d = wait_for_statuses(&clerk, ids[0], "taken_back", Duration::from_secs(60)).await;
    assert_eq!(d["recipients"][0]["status"], "taken_back", "{d}");
    // It revokes another (business type 1): the commune's copy is revoked and the revocation acknowledged (03).
    let (status, body) = clerk
        .post(&format!("/api/v1/documents/{}/revoke", ids[1]), json!({ "text": "Văn bản ban hành sai thẩm quyền" }))
        .await;
    assert_eq!(status, StatusCode::NO_CONTENT, "{body}");
    let d = wait_for_statuses(&clerk, ids[1], "revoked", Duration::from_secs(30)).await;
    assert_eq!(d["recipients"][0]["status"], "revoked", "{d}");
    let withdrawn = "SELECT COUNT(*) FROM documents WHERE direction = 'incoming' AND status = 'revoked'";
    assert_eq!(communes.query_i64(withdrawn).await, 2, "one taken back, one revoked");
    let answers = "SELECT COUNT(*) FROM exchange_outbox WHERE kind = 'status' AND status_code IN ('15', '03')";
    assert_eq!(communes.query_i64(answers).await, 2);

    // It replaces a third (business type 3): the commune receives the new one, linked to its copy of the old
    // one, which is marked replaced.
    let replaced = ids[2].to_string();
    let to = ["H41.501|UBND xã Hưng Nguyên"];
    let extra = [("replaces_id", replaced.as_str())];
    let new_id = issue(&specialist, &leader, &clerk, "Công văn thay thế công văn số 3", &to, &extra).await;
    let d = wait_for_statuses(&clerk, new_id, "arrived", Duration::from_secs(30)).await;
    assert_eq!(d["recipients"][0]["status"], "arrived", "{d}");
    let (_, old) = clerk.get(&format!("/api/v1/documents/{}", ids[2])).await;
    assert_eq!(old["document"]["status"], "replaced", "{old}");
    let replaced_there = "SELECT COUNT(*) FROM documents WHERE direction = 'incoming' AND status = 'replaced'";
    assert_eq!(communes.query_i64(replaced_there).await, 1);
    let linked = "SELECT COUNT(*) FROM documents d JOIN documents o ON o.id = d.replaces_id \
                  WHERE o.status = 'replaced' AND d.subject = 'Công văn thay thế công văn số 3'";
    assert_eq!(communes.query_i64(linked).await, 1);

    // It corrects a fourth (business type 2): the commune's copy takes the new subject and answers 15.
    let body = json!({ "subject": "Công văn số 4 (đính chính trích yếu)", "reason": "Đính chính trích yếu" });
    let (status, sent) = clerk.post(&format!("/api/v1/documents/{}/exchange-update", ids[3]), body).await;
    assert_eq!(status, StatusCode::OK, "{sent}");
    assert_eq!(sent["sent"], 1);
    let d = wait_for_statuses(&clerk, ids[3], "updated", Duration::from_secs(60)).await;
    assert_eq!(d["recipients"][0]["status"], "updated", "{d}");
    let corrected = "SELECT COUNT(*) FROM documents WHERE subject = 'Công văn số 4 (đính chính trích yếu)'";
    assert_eq!(communes.query_i64(corrected).await, 1);

    // A package the commune cannot take (its PDF is encrypted) is refused with a 02 answer saying why.
    let probe = egov_hub::HubClient::new(national_hub.url.clone(), "G02", topology_probe.clone());
    let bad = probe_package(&topology_probe, 7001, "H41.501", &egov_files::encrypted_sample_pdf("secret"));
    probe.send(&bad).await.expect("the hubs carry it (they do not open attachments)");
    let started = Instant::now();
    let refusal = loop {
        let pending = probe.pending(Duration::from_secs(5)).await.expect("pending");
        let mut found = None;
        for p in pending {
            let bytes = probe.fetch(&p.id).await.expect("fetch");
            probe.ack(&p.id).await.expect("ack");
            let status = egov_edxml::read_status(&bytes).expect("a status").status;
            if status.response_for.document_id.number() == "7001" {
                found = Some(status);
            }
        }
        if let Some(s) = found {
            break s;
        }
        assert!(started.elapsed() < Duration::from_secs(30), "no answer to the refused package");
    };
    assert_eq!(refusal.status_code, egov_edxml::StatusCode::Refused);
    assert!(refusal.description.contains("mật khẩu"), "{}", refusal.description);
    let stored = "SELECT COUNT(*) FROM documents WHERE number_notation = '7001/DK'";
    assert_eq!(communes.query_i64(stored).await, 0, "nothing half-made");

    let _ = stop.send(true);
    let _ = tokio::time::timeout(Duration::from_secs(5), ministry_worker).await;
    drop(commune_node);
    drop(nodes);
}

/// A signed document package from the measurement system `G02` to `to`, with `pdf` attached.
fn probe_package(signer: &egov_pki::KeySigner, number: usize, to: &str, pdf: &[u8]) -> Vec<u8> {
    let seed =
        std::fs::read(Path::new(env!("CARGO_MANIFEST_DIR")).join("../edxml/fuzz/corpus/read_package/canonical.xml"))
            .expect("seed");
    let mut package = egov_edxml::read_package(&seed).expect("seed package").package;
    let from: egov_edxml::AgencyCode = "G02".parse().expect("code");
    package.header.from = egov_edxml::Organization::new(from.clone(), "Hệ thống đo kiểm");
    package.header.to = vec![egov_edxml::Organization::new(to.parse().expect("code"), "Nơi nhận")];
    let number = number.to_string();
    package.header.document_id =
        egov_edxml::DocumentId::new(from.clone(), package.header.promulgation.date, &number, "DK").expect("id");
    package.header.code = egov_edxml::Code { number, notation: "DK".into() };
    package.header.response_for.clear();
    package.trace.traces =
        vec![egov_edxml::TraceHeader { organ_id: from, timestamp: package.trace.traces[0].timestamp }];
    package.attachments = vec![egov_edxml::Attachment {
        content_id: "1".into(),
        name: "cong-van.pdf".into(),
        description: String::new(),
        content_type: "application/pdf".into(),
        data: pdf.to_vec(),
    }];
    let xml = String::from_utf8(egov_edxml::write_package(&package).expect("valid").bytes).expect("utf-8");
    egov_xmldsig::sign(&xml, "http://www.mic.gov.vn/TBT/QCVN_102_2016", "DigitalSignature", signer)
        .expect("signed")
        .into_bytes()
}

fn percentile(sorted: &[f64], p: f64) -> f64 {
    let i = ((sorted.len() as f64 - 1.0) * p).round() as usize;
    sorted.get(i).copied().unwrap_or(f64::NAN)
}

/// Benchmark: packages sent at a steady rate from a ministry-level system through the national and the
/// provincial hub to a commune's node, which stores each one (checks included) and answers 01; prints the
/// time from the send to the 01 answer's arrival back at the national hub's system (p50/p95/p99).
/// `EGOV_BENCH_PACKAGES` (default 1000) at `EGOV_BENCH_RATE` per second (default 100).
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
#[ignore = "benchmark: cargo test --release -p egov --test exchange_hubs -- --ignored --nocapture"]
async fn latency_from_a_package_to_its_arrival_answer_across_two_hubs() {
    use std::collections::HashMap;
    use std::sync::{Arc, Mutex};
    let topo = topology().await;
    let n: usize = std::env::var("EGOV_BENCH_PACKAGES").ok().and_then(|v| v.parse().ok()).unwrap_or(1000);
    let rate: u64 = std::env::var("EGOV_BENCH_RATE").ok().and_then(|v| v.parse().ok()).unwrap_or(100);
    let pdf = egov_files::sample_pdf("Cong van do kiem do tre", 40);
    let packages: Vec<Vec<u8>> = (1..=n).map(|i| probe_package(&topo.probe, i, "H41.501", &pdf)).collect();
    println!("{n} packages of {} KB ({} KB PDF), {rate}/s", packages[0].len() / 1024, pdf.len() / 1024);
    let client = egov_hub::HubClient::new(topo.national_hub.url.clone(), "G02", topo.probe.clone());
    let sent_at: Arc<Mutex<HashMap<String, Instant>>> = Arc::default();
    let answered: Arc<Mutex<Vec<f64>>> = Arc::default();

    let receiver = {
        let (client, sent_at, answered) = (client.clone(), sent_at.clone(), answered.clone());
        tokio::spawn(async move {
            while answered.lock().expect("lock").len() < n {
                let Ok(pending) = client.pending(Duration::from_secs(5)).await else { continue };
                for p in pending {
                    let bytes = client.fetch(&p.id).await.expect("fetch");
                    let status = egov_edxml::read_status(&bytes).expect("a status").status;
                    let id = status.response_for.document_id.to_string();
                    if status.status_code == egov_edxml::StatusCode::Arrived {
                        if let Some(t0) = sent_at.lock().expect("lock").get(&id) {
                            answered.lock().expect("lock").push(t0.elapsed().as_secs_f64() * 1000.0);
                        }
                    }
                    client.ack(&p.id).await.expect("ack");
                }
            }
        })
    };
    let started = Instant::now();
    let mut ticker = tokio::time::interval(Duration::from_micros(1_000_000 / rate));
    let mut sends = tokio::task::JoinSet::new();
    for (i, package) in packages.into_iter().enumerate() {
        ticker.tick().await;
        let id = egov_edxml::DocumentId::new(
            "G02".parse().expect("code"),
            egov_edxml::read_package(&package).expect("read").package.header.promulgation.date,
            &(i + 1).to_string(),
            "DK",
        )
        .expect("id")
        .to_string();
        sent_at.lock().expect("lock").insert(id, Instant::now());
        let client = client.clone();
        sends.spawn(async move { client.send(&package).await.expect("accepted") });
    }
    while sends.join_next().await.is_some() {}
    let sending = started.elapsed();
    tokio::time::timeout(Duration::from_secs(300), receiver).await.expect("every answer came back").expect("receiver");
    let mut lat = answered.lock().expect("lock").clone();
    lat.sort_by(f64::total_cmp);
    println!(
        "sent {n} in {:.1} s ({:.0}/s); package → 01 answer across two hubs: p50 {:.0} ms, p95 {:.0} ms, p99 {:.0} ms, max {:.0} ms",
        sending.as_secs_f64(),
        n as f64 / sending.as_secs_f64(),
        percentile(&lat, 0.50),
        percentile(&lat, 0.95),
        percentile(&lat, 0.99),
        lat.last().copied().unwrap_or(f64::NAN)
    );
    assert_eq!(lat.len(), n);
}
