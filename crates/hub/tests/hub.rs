//! Black-box tests of the hub: real servers, real signatures, SQLite by default and
//! PostgreSQL when `EGOV_TEST_DATABASE_URL` is set.
#![allow(clippy::unwrap_used)]

mod common;

use std::time::Duration;

use common::*;
use egov_hub::{package_id, ClientError};

const WAIT: Duration = Duration::from_secs(15);

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_package_goes_from_node_to_node_once() {
    let pki = Pki::new();
    let (a, b) = (pki.identity("Bộ A"), pki.identity("Bộ B"));
    let db = TestDb::create().await;
    let hub =
        TestHub::start(&db.url, &pki, "G00", None, |_| {}, &[node("G09", "Bộ A", &a), node("G10", "Bộ B", &b)]).await;
    let (ca, cb) = (hub.client("G09", &a), hub.client("G10", &b));

    assert!(cb.pending(Duration::ZERO).await.unwrap().is_empty());
    let package = signed_document("G09", &["G10"], 1, &a);
    let sent = ca.send(&package).await.unwrap();
    assert_eq!(sent.id, package_id(&package));
    assert!(!sent.duplicate);

    let pending = cb.pending(WAIT).await.unwrap();
    assert_eq!(pending.len(), 1);
    assert_eq!(pending[0].id, sent.id);
    assert_eq!(pending[0].kind, "document");
    assert_eq!(pending[0].from, "G09");
    assert_eq!(pending[0].document_id.as_deref(), Some(document_id("G09", 1).as_str()));
    // The sender sees nothing, and cannot fetch what is not addressed to it.
    assert!(ca.pending(Duration::ZERO).await.unwrap().is_empty());
    assert!(matches!(ca.fetch(&sent.id).await, Err(ClientError::Refused { status: 404, .. })));
    assert!(matches!(ca.ack(&sent.id).await, Err(ClientError::Refused { status: 404, .. })));

    assert_eq!(cb.fetch(&sent.id).await.unwrap(), package);
    cb.ack(&sent.id).await.unwrap();
    cb.ack(&sent.id).await.unwrap(); // idempotent
    assert!(cb.pending(Duration::ZERO).await.unwrap().is_empty());

    // Resending the same bytes: duplicate, no second delivery.
    let again = ca.send(&package).await.unwrap();
    assert_eq!(again.id, sent.id);
    assert!(again.duplicate);
    assert!(cb.pending(Duration::from_millis(1500)).await.unwrap().is_empty());

    // A long poll returns as soon as something arrives.
    let waiting = tokio::spawn({
        let cb = cb.clone();
        async move { cb.pending(Duration::from_secs(30)).await }
    });
    tokio::time::sleep(Duration::from_millis(200)).await;
    let started = std::time::Instant::now();
    let second = ca.send(&signed_document("G09", &["G10"], 2, &a)).await.unwrap();
    let got = waiting.await.unwrap().unwrap();
    assert_eq!(got.len(), 1);
    assert_eq!(got[0].id, second.id);
    assert!(started.elapsed() < Duration::from_secs(10));

    let m = hub.metrics().await;
    assert_eq!(metric(&m, "egov_hub_accepted_total"), 2.0);
    assert_eq!(metric(&m, "egov_hub_delivered_total"), 1.0);
    assert_eq!(metric(&m, "egov_hub_pending{system=\"G10\"}"), 1.0);

    // The directory lists the registered nodes.
    let dir = ca.directory().await.unwrap();
    let codes: Vec<_> = dir.iter().map(|e| e.code.as_str()).collect();
    assert_eq!(codes, ["G09", "G10"]);
    hub.stop().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn national_and_provincial_hubs_route_down_and_statuses_travel_back_up() {
    let pki = Pki::new();
    let (g09, g10, h4112, h4113, prov) = (
        pki.identity("Bộ G09"),
        pki.identity("Bộ G10"),
        pki.identity("Sở H41.12"),
        pki.identity("Sở H41.13"),
        pki.identity("Trục tỉnh H41"),
    );
    let (db_nat, db_prov) = (TestDb::create().await, TestDb::create().await);
    let national = TestHub::start(
        &db_nat.url,
        &pki,
        "G00",
        None,
        |_| {},
        &[node("G09", "Bộ G09", &g09), node("G10", "Bộ G10", &g10), child_hub("H41", "Trục tỉnh Nghệ An", &prov)],
    )
    .await;
    let provincial = TestHub::start(
        &db_prov.url,
        &pki,
        "H41",
        None,
        |s| {
            s.upstream_url = Some(national.url.clone());
            s.signer = Some(prov.dyn_signer());
        },
        &[node("H41.12", "Sở H41.12", &h4112), node("H41.13", "Sở H41.13", &h4113)],
    )
    .await;
    let c09 = national.client("G09", &g09);
    let c10 = national.client("G10", &g10);
    let c12 = provincial.client("H41.12", &h4112);
    let c13 = provincial.client("H41.13", &h4113);

    let package = signed_document("G09", &["H41.12", "H41.13", "G10"], 7, &g09);
    let sent = c09.send(&package).await.unwrap();
    assert!(!sent.duplicate);

    for c in [&c10, &c12, &c13] {
        let p = c.pending(WAIT).await.unwrap();
        assert_eq!(p.len(), 1, "{c:?}");
        assert_eq!(p[0].id, sent.id);
        assert_eq!(c.fetch(&sent.id).await.unwrap(), package);
        c.ack(&sent.id).await.unwrap();
    }

    // The recipient in the province answers; the status goes up through both hubs.
    let status = sign(&status_xml("H41.12", "G09", &document_id("G09", 7), 3), &h4112);
    let st = c12.send(&status).await.unwrap();
    let p = c09.pending(WAIT).await.unwrap();
    assert_eq!(p.len(), 1);
    assert_eq!(p[0].id, st.id);
    assert_eq!(p[0].kind, "status");
    assert_eq!(p[0].status_code.as_deref(), Some("03"));
    assert_eq!(c09.fetch(&st.id).await.unwrap(), status);
    c09.ack(&st.id).await.unwrap();

    // Exactly once: nothing more for anybody, and the national hub's delivery to the
    // provincial hub was acknowledged after the provincial commit.
    for c in [&c09, &c10, &c12, &c13] {
        assert!(c.pending(Duration::from_millis(500)).await.unwrap().is_empty());
    }
    let deadline = std::time::Instant::now() + WAIT;
    loop {
        let m = national.metrics().await;
        if metric(&m, "egov_hub_pending{system=\"H41\"}") == 0.0 {
            assert_eq!(metric(&m, "egov_hub_accepted_total"), 2.0);
            break;
        }
        assert!(std::time::Instant::now() < deadline, "the provincial hub never acknowledged:\n{m}");
        tokio::time::sleep(Duration::from_millis(100)).await;
    }

    // Directory: the provincial hub reports its nodes; each side sees the other's.
    let deadline = std::time::Instant::now() + WAIT;
    loop {
        let nat: Vec<_> = c10.directory().await.unwrap().into_iter().map(|e| e.code).collect();
        let prov_dir: Vec<_> = c13.directory().await.unwrap().into_iter().map(|e| e.code).collect();
        if nat.contains(&"H41.12".to_string()) && prov_dir.contains(&"G09".to_string()) {
            break;
        }
        assert!(std::time::Instant::now() < deadline, "directories not synced: {nat:?} {prov_dir:?}");
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    provincial.stop().await;
    national.stop().await;
}

async fn refused(client: &egov_hub::HubClient, bytes: &[u8], status: u16, code: &str) {
    match client.send(bytes).await {
        Err(ClientError::Refused { status: s, code: c, message }) => {
            assert_eq!((s, c.as_str()), (status, code), "{message}");
            assert!(!message.is_empty());
        }
        other => panic!("expected {status} {code}, got {other:?}"),
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn bad_input_is_refused_with_a_precise_reason_and_nothing_is_stored() {
    let pki = Pki::new();
    let (a, b) = (pki.identity("Bộ A"), pki.identity("Bộ B"));
    let db = TestDb::create().await;
    let hub = TestHub::start(
        &db.url,
        &pki,
        "G00",
        None,
        |s| s.max_package_bytes = 200_000,
        &[node("G09", "Bộ A", &a), node("G10", "Bộ B", &b)],
    )
    .await;
    let ca = hub.client("G09", &a);
    let cb = hub.client("G10", &b);

    refused(&ca, b"<edXML:edXMLEnvelope><unclosed>", 400, "bad_package").await;
    refused(&ca, b"", 400, "bad_package").await;
    refused(&ca, &vec![b'x'; 250_000], 413, "too_large").await;
    let unsigned = document_xml("G09", &["G10"], 1, "Văn bản ABC");
    refused(&ca, unsigned.as_bytes(), 422, "unsigned").await;
    let signed = sign(&unsigned, &a);
    let tampered = String::from_utf8(signed.clone()).unwrap().replace("Văn bản ABC", "Văn bản ABD");
    refused(&ca, tampered.as_bytes(), 422, "bad_signature").await;
    refused(&ca, &signed_document("G09", &["G10"], 2, &pki.untrusted_identity("Giả mạo")), 422, "untrusted_signature")
        .await;
    refused(&ca, &signed_document("G09", &["G10"], 3, &pki.expired_identity("Hết hạn")), 422, "untrusted_signature")
        .await;
    // From another agency, or signed with a valid certificate that is not the caller's.
    refused(&ca, &signed_document("G10", &["G09"], 4, &a), 403, "not_sender").await;
    refused(&ca, &signed_document("G09", &["G10"], 5, &pki.identity("Khác")), 403, "not_sender").await;
    match ca.send(&signed_document("G09", &["G10", "X99"], 6, &a)).await {
        Err(ClientError::Refused { status: 422, code, message }) => {
            assert_eq!(code, "unknown_recipient");
            assert!(message.contains("X99"), "{message}");
        }
        other => panic!("unexpected {other:?}"),
    }
    let status = sign(&status_xml("G09", "G10", &document_id("G10", 99), 3), &a);
    refused(&ca, &status, 422, "unknown_document").await;
    // /statuses takes only status packages.
    let raw = reqwest::Client::new();
    let doc = signed_document("G09", &["G10"], 8, &a);
    let res = signed_request(&raw, &hub.url, "POST", "/hub/v1/statuses", &doc, "G09", &a, now()).await;
    assert_eq!(res.status(), 400);
    assert_eq!(error_code(res).await, "not_a_status");

    // Request authentication.
    let res = signed_request(&raw, &hub.url, "GET", "/hub/v1/pending", b"", "G99", &a, now()).await;
    assert_eq!((res.status().as_u16(), error_code(res).await.as_str()), (401, "unknown_system"));
    let res = signed_request(&raw, &hub.url, "GET", "/hub/v1/pending", b"", "G09", &a, now() - 1000).await;
    assert_eq!((res.status().as_u16(), error_code(res).await.as_str()), (401, "stale_date"));
    let res = signed_request(&raw, &hub.url, "GET", "/hub/v1/pending", b"", "G09", &b, now()).await;
    assert_eq!((res.status().as_u16(), error_code(res).await.as_str()), (401, "bad_request_signature"));
    // A signature over another body.
    let headers =
        egov_hub::auth::sign_request(a.signer.as_ref(), "G09", "POST", "/hub/v1/packages", now(), b"x").unwrap();
    let mut req = raw.post(format!("{}/hub/v1/packages", hub.url)).body(doc.clone());
    for (k, v) in headers {
        req = req.header(k, v);
    }
    let res = req.send().await.unwrap();
    assert_eq!((res.status().as_u16(), error_code(res).await.as_str()), (401, "bad_request_signature"));
    let res = raw.get(format!("{}/hub/v1/pending", hub.url)).send().await.unwrap();
    assert_eq!((res.status().as_u16(), error_code(res).await.as_str()), (401, "missing_auth"));

    // Nothing was stored or delivered; every refusal was counted by reason.
    assert!(cb.pending(Duration::ZERO).await.unwrap().is_empty());
    let m = hub.metrics().await;
    assert_eq!(metric(&m, "egov_hub_accepted_total"), 0.0, "{m}");
    for (reason, n) in [
        ("bad_package", 2.0),
        ("too_large", 1.0),
        ("unsigned", 1.0),
        ("bad_signature", 1.0),
        ("untrusted_signature", 2.0),
        ("not_sender", 2.0),
        ("unknown_recipient", 1.0),
        ("unknown_document", 1.0),
        ("not_a_status", 1.0),
        ("unknown_system", 1.0),
        ("stale_date", 1.0),
        ("bad_request_signature", 2.0),
        ("missing_auth", 1.0),
    ] {
        assert_eq!(metric(&m, &format!("egov_hub_refused_total{{reason=\"{reason}\"}}")), n, "{reason}\n{m}");
    }
    // Still serving after all that.
    let ok = ca.send(&signed_document("G09", &["G10"], 10, &a)).await.unwrap();
    assert_eq!(cb.pending(WAIT).await.unwrap()[0].id, ok.id);
    hub.stop().await;
}

#[allow(clippy::too_many_arguments)]
async fn signed_request(
    http: &reqwest::Client,
    base: &str,
    method: &str,
    path: &str,
    body: &[u8],
    code: &str,
    id: &Identity,
    at: i64,
) -> reqwest::Response {
    let headers = egov_hub::auth::sign_request(id.signer.as_ref(), code, method, path, at, body).unwrap();
    let mut req = http.request(method.parse().unwrap(), format!("{base}{path}")).body(body.to_vec());
    for (k, v) in headers {
        req = req.header(k, v);
    }
    req.send().await.unwrap()
}

async fn error_code(res: reqwest::Response) -> String {
    let v: serde_json::Value = serde_json::from_slice(&res.bytes().await.unwrap()).unwrap();
    assert!(v["message_vi"].as_str().is_some_and(|m| !m.is_empty()));
    assert!(v["message_en"].as_str().is_some_and(|m| !m.is_empty()));
    v["code"].as_str().unwrap().to_string()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn an_accepted_package_survives_a_restart() {
    let pki = Pki::new();
    let (a, b) = (pki.identity("Bộ A"), pki.identity("Bộ B"));
    let db = TestDb::create().await;
    let systems = [node("G09", "Bộ A", &a), node("G10", "Bộ B", &b)];
    let hub = TestHub::start(&db.url, &pki, "G00", None, |_| {}, &systems).await;
    let package = signed_document("G09", &["G10"], 1, &a);
    let sent = hub.client("G09", &a).send(&package).await.unwrap();
    hub.stop().await;

    // Reopened on the same database, without registering anything again.
    let hub = TestHub::start(&db.url, &pki, "G00", None, |_| {}, &[]).await;
    let cb = hub.client("G10", &b);
    let p = cb.pending(Duration::ZERO).await.unwrap();
    assert_eq!(p.len(), 1);
    assert_eq!(p[0].id, sent.id);
    assert_eq!(cb.fetch(&sent.id).await.unwrap(), package);
    cb.ack(&sent.id).await.unwrap();
    assert!(cb.pending(Duration::ZERO).await.unwrap().is_empty());
    assert!(hub.client("G09", &a).send(&package).await.unwrap().duplicate);
    hub.stop().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_stuck_up_delivery_shows_in_metrics_and_admin_and_the_retry_button_delivers_it() {
    let pki = Pki::new();
    let (g09, h4112, prov) = (pki.identity("Bộ G09"), pki.identity("Sở H41.12"), pki.identity("Trục tỉnh"));
    // A port for the national hub, which is not started yet.
    let national_addr = {
        let l = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
        l.local_addr().unwrap()
    };
    let (db_nat, db_prov) = (TestDb::create().await, TestDb::create().await);
    let provincial = TestHub::start(
        &db_prov.url,
        &pki,
        "H41",
        None,
        |s| {
            s.upstream_url = Some(format!("http://{national_addr}"));
            s.signer = Some(prov.dyn_signer());
            s.stuck_after_secs = 0;
        },
        &[node("H41.12", "Sở H41.12", &h4112)],
    )
    .await;
    let package = signed_document("H41.12", &["G09"], 3, &h4112);
    let sent = provincial.client("H41.12", &h4112).send(&package).await.unwrap();

    // The forwarder fails against the missing upstream and records it.
    let deadline = std::time::Instant::now() + WAIT;
    let http = reqwest::Client::builder().redirect(reqwest::redirect::Policy::none()).build().unwrap();
    let page = loop {
        let res =
            http.get(format!("{}/admin", provincial.url)).basic_auth("admin", Some(ADMIN_TOKEN)).send().await.unwrap();
        assert_eq!(res.status(), 200);
        let html = res.text().await.unwrap();
        if html.contains("Gửi lại") && html.contains(&sent.id) && html.contains("unavailable") {
            break html;
        }
        assert!(std::time::Instant::now() < deadline, "no stuck delivery shown:\n{html}");
        tokio::time::sleep(Duration::from_millis(100)).await;
    };
    assert!(page.contains("Trục cấp trên"));
    assert!(!page.contains("<script"));
    let m = provincial.metrics().await;
    assert_eq!(metric(&m, "egov_hub_pending{system=\"@up\"}"), 1.0, "{m}");
    assert!(metric(&m, "egov_hub_oldest_pending_seconds{system=\"@up\"}") >= 0.0);
    // Without credentials, or with the wrong ones: no page, no metrics.
    assert_eq!(http.get(format!("{}/admin", provincial.url)).send().await.unwrap().status(), 401);
    let res = http.get(format!("{}/admin", provincial.url)).basic_auth("admin", Some("nope")).send().await.unwrap();
    assert_eq!(res.status(), 401);
    assert_eq!(http.get(format!("{}/metrics", provincial.url)).send().await.unwrap().status(), 401);

    // The delivery id from the form's action.
    let action = page.split("action=\"/admin/deliveries/").nth(1).unwrap();
    let delivery: i64 = action.split('/').next().unwrap().parse().unwrap();

    // The upstream comes up; the button makes the delivery due at once.
    let national = TestHub::start(
        &db_nat.url,
        &pki,
        "G00",
        Some(national_addr),
        |_| {},
        &[node("G09", "Bộ G09", &g09), child_hub("H41", "Trục tỉnh", &prov)],
    )
    .await;
    let retry_url = format!("{}/admin/deliveries/{delivery}/retry", provincial.url);
    let cross = http
        .post(&retry_url)
        .basic_auth("admin", Some(ADMIN_TOKEN))
        .header("Origin", "http://evil.example")
        .send()
        .await
        .unwrap();
    assert_eq!(cross.status(), 403);
    let res = http
        .post(&retry_url)
        .basic_auth("admin", Some(ADMIN_TOKEN))
        .header("Origin", provincial.url.clone())
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), 303);
    let c09 = national.client("G09", &g09);
    let p = c09.pending(WAIT).await.unwrap();
    assert_eq!(p.len(), 1);
    assert_eq!(p[0].id, sent.id);
    assert_eq!(c09.fetch(&sent.id).await.unwrap(), package);
    // The provincial hub marks its delivery done once the parent answered, which may come just
    // after the parent already lists the package: wait for it rather than racing it.
    let deadline = std::time::Instant::now() + WAIT;
    let mut m = provincial.metrics().await;
    while metric(&m, "egov_hub_pending{system=\"@up\"}") != 0.0 && std::time::Instant::now() < deadline {
        tokio::time::sleep(std::time::Duration::from_millis(20)).await;
        m = provincial.metrics().await;
    }
    assert_eq!(metric(&m, "egov_hub_pending{system=\"@up\"}"), 0.0, "{m}");
    assert_eq!(metric(&m, "egov_hub_delivered_total"), 1.0, "{m}");
    national.stop().await;
    provincial.stop().await;
}

/// What a push endpoint was sent: package id header, kind header, body.
type Pushed = (String, String, Vec<u8>);

/// A node's push endpoint for tests: records what it is sent; answers 503 to the first request.
#[derive(Clone, Default)]
struct PushEndpoint {
    received: std::sync::Arc<std::sync::Mutex<Vec<Pushed>>>,
    calls: std::sync::Arc<std::sync::atomic::AtomicUsize>,
}

impl PushEndpoint {
    async fn serve(&self) -> String {
        let me = self.clone();
        let app = axum::Router::new().route(
            "/push/G10",
            axum::routing::post(move |headers: axum::http::HeaderMap, body: axum::body::Bytes| {
                let me = me.clone();
                async move {
                    if me.calls.fetch_add(1, std::sync::atomic::Ordering::SeqCst) == 0 {
                        return axum::http::StatusCode::SERVICE_UNAVAILABLE;
                    }
                    let h = |n: &str| headers.get(n).and_then(|v| v.to_str().ok()).unwrap_or_default().to_string();
                    me.received.lock().unwrap().push((h("x-egov-package-id"), h("x-egov-package-kind"), body.to_vec()));
                    axum::http::StatusCode::OK
                }
            }),
        );
        let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
        let addr = listener.local_addr().unwrap();
        tokio::spawn(async move { axum::serve(listener, app).await });
        format!("http://{addr}/push/G10")
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_node_with_an_endpoint_gets_its_packages_pushed_and_a_failed_push_is_retried() {
    let pki = Pki::new();
    let (a, b) = (pki.identity("Bộ A"), pki.identity("Bộ B"));
    let endpoint = PushEndpoint::default();
    let url = endpoint.serve().await;
    let mut pushed_node = node("G10", "Bộ B", &b);
    pushed_node.endpoint = Some(url);
    let db = TestDb::create().await;
    let hub = TestHub::start(&db.url, &pki, "G00", None, |_| {}, &[node("G09", "Bộ A", &a), pushed_node]).await;

    // Push goes to nodes' http(s) URLs only.
    let mut bad = node("G11", "Bộ C", &pki.identity("Bộ C"));
    bad.endpoint = Some("ftp://example.org/in".into());
    assert!(hub.hub.register_system(&bad).await.is_err());

    let package = signed_document("G09", &["G10"], 1, &a);
    let sent = hub.client("G09", &a).send(&package).await.unwrap();
    let deadline = std::time::Instant::now() + WAIT;
    while endpoint.received.lock().unwrap().is_empty() {
        assert!(std::time::Instant::now() < deadline, "the package was not pushed");
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
    assert!(endpoint.calls.load(std::sync::atomic::Ordering::SeqCst) >= 2, "the first push failed and was retried");
    let received = endpoint.received.lock().unwrap().clone();
    assert_eq!(received.len(), 1, "delivered once");
    assert_eq!(received[0], (sent.id.clone(), "document".to_string(), package));
    // A 2xx answer acknowledges it: nothing is left to pull.
    let cb = hub.client("G10", &b);
    let deadline = std::time::Instant::now() + WAIT;
    while !cb.pending(Duration::ZERO).await.unwrap().is_empty() {
        assert!(std::time::Instant::now() < deadline, "the push was not acknowledged");
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
    assert_eq!(metric(&hub.metrics().await, "egov_hub_delivered_total"), 1.0);
    hub.stop().await;
}

/// A node's push endpoint that always answers `status` and counts the calls.
async fn answering_endpoint(status: u16, calls: std::sync::Arc<std::sync::atomic::AtomicUsize>) -> String {
    let app = axum::Router::new().route(
        "/push/G10",
        axum::routing::post(move |_body: axum::body::Bytes| {
            let calls = calls.clone();
            async move {
                calls.fetch_add(1, std::sync::atomic::Ordering::SeqCst);
                let body = r#"{"error":{"code":"invalid_input","message":"refused"}}"#;
                (axum::http::StatusCode::from_u16(status).unwrap(), body)
            }
        }),
    );
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let addr = listener.local_addr().unwrap();
    tokio::spawn(async move { axum::serve(listener, app).await });
    format!("http://{addr}/push/G10")
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_push_the_node_refuses_is_not_retried_and_one_it_cannot_route_is() {
    // 422 is how an egov node answers a bad package and an agency code it does not serve alike:
    // the delivery is acknowledged (and logged) instead of being pushed again forever.
    let pki = Pki::new();
    let (a, b) = (pki.identity("Bộ A"), pki.identity("Bộ B"));
    let calls = std::sync::Arc::new(std::sync::atomic::AtomicUsize::new(0));
    let mut pushed_node = node("G10", "Bộ B", &b);
    pushed_node.endpoint = Some(answering_endpoint(422, calls.clone()).await);
    let db = TestDb::create().await;
    let hub = TestHub::start(&db.url, &pki, "G00", None, |_| {}, &[node("G09", "Bộ A", &a), pushed_node]).await;
    let package = signed_document("G09", &["G10"], 1, &a);
    hub.client("G09", &a).send(&package).await.unwrap();
    let cb = hub.client("G10", &b);
    let deadline = std::time::Instant::now() + WAIT;
    while !cb.pending(Duration::ZERO).await.unwrap().is_empty() {
        assert!(std::time::Instant::now() < deadline, "a refused push was not acknowledged");
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
    tokio::time::sleep(Duration::from_millis(1500)).await;
    assert_eq!(calls.load(std::sync::atomic::Ordering::SeqCst), 1, "pushed once, not retried");
    hub.stop().await;

    // 404 means no push route there (a wrong endpoint): kept pending, pushed again.
    let calls = std::sync::Arc::new(std::sync::atomic::AtomicUsize::new(0));
    let mut pushed_node = node("G10", "Bộ B", &b);
    pushed_node.endpoint = Some(answering_endpoint(404, calls.clone()).await);
    let db = TestDb::create().await;
    let hub = TestHub::start(&db.url, &pki, "G00", None, |_| {}, &[node("G09", "Bộ A", &a), pushed_node]).await;
    hub.client("G09", &a).send(&package).await.unwrap();
    let deadline = std::time::Instant::now() + WAIT;
    while calls.load(std::sync::atomic::Ordering::SeqCst) < 2 {
        assert!(std::time::Instant::now() < deadline, "a push answered 404 was not retried");
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
    assert_eq!(hub.client("G10", &b).pending(Duration::ZERO).await.unwrap().len(), 1, "still pending");
    hub.stop().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_fetch_larger_than_the_clients_limit_is_refused_before_it_is_read() {
    let pki = Pki::new();
    let (a, b) = (pki.identity("Bộ A"), pki.identity("Bộ B"));
    let db = TestDb::create().await;
    let hub =
        TestHub::start(&db.url, &pki, "G00", None, |_| {}, &[node("G09", "Bộ A", &a), node("G10", "Bộ B", &b)]).await;
    let package = signed_document("G09", &["G10"], 2, &a);
    let sent = hub.client("G09", &a).send(&package).await.unwrap();
    let small = hub.client("G10", &b).with_max_package_bytes(package.len() - 1);
    match small.fetch(&sent.id).await {
        Err(egov_hub::ClientError::Refused { status: 413, code, .. }) => assert_eq!(code, egov_hub::TOO_LARGE),
        other => panic!("expected a size refusal, got {other:?}"),
    }
    let fits = hub.client("G10", &b).with_max_package_bytes(package.len());
    assert_eq!(fits.fetch(&sent.id).await.unwrap(), package);
    hub.stop().await;
}
