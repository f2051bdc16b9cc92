//! The Web Push channel checked by independent code: Python's `http_ece` decrypts what egov
//! encrypted, Python's `cryptography` verifies the VAPID signature, and a local axum server
//! stands in for the push service to capture the request and answer with chosen statuses.
//!
//! Without the Python modules the independent checks print a skip note, unless
//! `EGOV_REQUIRE_HTTP_ECE=1`, where they fail (CI sets it after
//! `python3 -m pip install http-ece cryptography`).

#![allow(clippy::unwrap_used)] // test helpers: a failed unwrap is a failed test

use std::io::Write;
use std::process::{Command, Stdio};
use std::sync::{Arc, Mutex};
use std::time::SystemTime;

use axum::body::Bytes;
use axum::extract::State;
use axum::http::{HeaderMap, StatusCode};
use axum::routing::post;
use axum::Router;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use base64::Engine;
use egov_notify::push::{encrypt, PushClient, PushError, Subscription, Urgency, VapidKey, MAX_PAYLOAD};
use p256::elliptic_curve::sec1::ToEncodedPoint;
use p256::SecretKey;
use rand::RngCore;

fn python_modules_available() -> bool {
    let ok = Command::new("python3")
        .args(["-c", "import http_ece, cryptography"])
        .stderr(Stdio::null())
        .status()
        .map(|s| s.success())
        .unwrap_or(false);
    if !ok {
        if std::env::var("EGOV_REQUIRE_HTTP_ECE").as_deref() == Ok("1") {
            panic!("EGOV_REQUIRE_HTTP_ECE=1 but python3 cannot import http_ece and cryptography (python3 -m pip install http-ece cryptography)");
        }
        eprintln!(
            "SKIPPED: python3 cannot import http_ece and cryptography (python3 -m pip install http-ece cryptography)"
        );
    }
    ok
}

/// Runs `support/webpush_check.py` with `request` on stdin, returns its JSON answer.
fn python_check(request: serde_json::Value) -> serde_json::Value {
    let script = concat!(env!("CARGO_MANIFEST_DIR"), "/tests/support/webpush_check.py");
    let mut child = Command::new("python3")
        .arg(script)
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    child.stdin.take().unwrap().write_all(request.to_string().as_bytes()).unwrap();
    let out = child.wait_with_output().unwrap();
    assert!(out.status.success(), "webpush_check.py failed: {}", String::from_utf8_lossy(&out.stderr));
    serde_json::from_slice(&out.stdout).unwrap()
}

fn b64(bytes: &[u8]) -> String {
    URL_SAFE_NO_PAD.encode(bytes)
}

/// A browser: its key pair and auth secret, and the subscription it would hand over.
struct Browser {
    secret: SecretKey,
    auth: [u8; 16],
}

impl Browser {
    fn new() -> Browser {
        let mut auth = [0u8; 16];
        rand::rngs::OsRng.fill_bytes(&mut auth);
        Browser { secret: SecretKey::random(&mut rand::rngs::OsRng), auth }
    }

    fn subscription(&self, endpoint: &str) -> Subscription {
        let public = self.secret.public_key().to_encoded_point(false);
        Subscription::parse(endpoint, &b64(public.as_bytes()), &b64(&self.auth), true).unwrap()
    }

    /// What the browser reads, decrypted by http_ece.
    fn decrypt(&self, content: &[u8]) -> String {
        let answer = python_check(serde_json::json!({
            "op": "decrypt",
            "content": b64(content),
            "private_key": b64(&self.secret.to_bytes()),
            "auth": b64(&self.auth),
        }));
        answer["plaintext"].as_str().unwrap().to_owned()
    }
}

const PAYLOAD: &str = r#"{"title":"Văn bản đến cần xử lý","body":"Quyết định số 125/QĐ-UBND về việc điều động cán bộ — hạn xử lý 15/12","url":"/inbox/125"}"#;

#[test]
fn http_ece_decrypts_what_egov_encrypts() {
    if !python_modules_available() {
        return;
    }
    let browser = Browser::new();
    let sub = browser.subscription("https://fcm.googleapis.com/fcm/send/abc:def");
    let body = encrypt(&sub, PAYLOAD.as_bytes()).unwrap();
    assert_eq!(browser.decrypt(&body), PAYLOAD);

    // The largest payload that fits, too.
    let big: String = "ệ".repeat(MAX_PAYLOAD / 3);
    let body = encrypt(&sub, big.as_bytes()).unwrap();
    assert!(body.len() <= 4096);
    assert_eq!(browser.decrypt(&body), big);
}

#[test]
fn the_vapid_token_verifies_independently() {
    if !python_modules_available() {
        return;
    }
    let key = VapidKey::generate();
    let client = PushClient::new(key.clone(), "mailto:quantri@snv.example.gov.vn");
    let sub = Browser::new().subscription("https://updates.push.services.mozilla.com/wpush/v2/gAAAAAB");
    let now = SystemTime::now().duration_since(SystemTime::UNIX_EPOCH).unwrap().as_secs();
    let auth = client.authorization(&sub, SystemTime::now()).unwrap();
    let (jwt, k) = auth.strip_prefix("vapid t=").unwrap().split_once(", k=").unwrap();
    assert_eq!(k, key.public_key_base64url());
    let answer = python_check(serde_json::json!({"op": "vapid", "jwt": jwt, "public_key": k}));
    assert_eq!(answer["header"], serde_json::json!({"typ": "JWT", "alg": "ES256"}));
    assert_eq!(answer["claims"]["aud"], "https://updates.push.services.mozilla.com");
    assert_eq!(answer["claims"]["sub"], "mailto:quantri@snv.example.gov.vn");
    let exp = answer["claims"]["exp"].as_u64().unwrap();
    assert!(exp > now + 11 * 3600 && exp <= now + 24 * 3600, "exp {exp}, now {now}");
}

/// One request as the stand-in push service saw it.
#[derive(Clone, Debug)]
struct Captured {
    headers: HeaderMap,
    body: Bytes,
}

#[derive(Clone)]
struct PushService {
    captured: Arc<Mutex<Vec<Captured>>>,
    status: Arc<Mutex<StatusCode>>,
}

/// A stand-in push service on a free loopback port: records each POST and answers `status`.
async fn push_service() -> (String, PushService) {
    let state = PushService { captured: Arc::default(), status: Arc::new(Mutex::new(StatusCode::CREATED)) };
    async fn receive(State(state): State<PushService>, headers: HeaderMap, body: Bytes) -> StatusCode {
        state.captured.lock().unwrap().push(Captured { headers, body });
        *state.status.lock().unwrap()
    }
    let app = Router::new().route("/wpush/{id}", post(receive)).with_state(state.clone());
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let origin = format!("http://{}", listener.local_addr().unwrap());
    tokio::spawn(async move { axum::serve(listener, app).await.unwrap() });
    (origin, state)
}

#[tokio::test]
async fn send_posts_the_right_request_and_sorts_answers() {
    let (origin, service) = push_service().await;
    let browser = Browser::new();
    let sub = browser.subscription(&format!("{origin}/wpush/sub-1"));
    let key = VapidKey::generate();
    let client = PushClient::new(key.clone(), "mailto:quantri@snv.example.gov.vn");

    client.send(&sub, PAYLOAD.as_bytes(), 3600, Urgency::High).await.unwrap();
    let got = service.captured.lock().unwrap().pop().unwrap();
    let header = |name: &str| got.headers.get(name).unwrap().to_str().unwrap().to_owned();
    assert_eq!(header("content-encoding"), "aes128gcm");
    assert_eq!(header("content-type"), "application/octet-stream");
    assert_eq!(header("ttl"), "3600");
    assert_eq!(header("urgency"), "high");
    assert_eq!(header("content-length"), (86 + PAYLOAD.len() + 17).to_string());
    let authorization = header("authorization");
    let (jwt, k) = authorization.strip_prefix("vapid t=").unwrap().split_once(", k=").unwrap();
    assert_eq!(k, key.public_key_base64url());
    if python_modules_available() {
        assert_eq!(browser.decrypt(&got.body), PAYLOAD);
        let answer = python_check(serde_json::json!({"op": "vapid", "jwt": jwt, "public_key": k}));
        assert_eq!(answer["claims"]["aud"], origin.as_str());
    }

    client.send(&sub, b"{}", 60, Urgency::Normal).await.unwrap();
    let got = service.captured.lock().unwrap().pop().unwrap();
    assert_eq!(got.headers.get("urgency").unwrap(), "normal");

    for (status, check) in [
        (StatusCode::OK, "ok"),
        (StatusCode::ACCEPTED, "ok"),
        (StatusCode::GONE, "gone"),
        (StatusCode::NOT_FOUND, "gone"),
        (StatusCode::SERVICE_UNAVAILABLE, "transient"),
        (StatusCode::TOO_MANY_REQUESTS, "transient"),
        (StatusCode::BAD_REQUEST, "permanent"),
        (StatusCode::PAYLOAD_TOO_LARGE, "permanent"),
        (StatusCode::FORBIDDEN, "permanent"),
    ] {
        *service.status.lock().unwrap() = status;
        let result = client.send(&sub, b"{}", 60, Urgency::Normal).await;
        let sorted = match &result {
            Ok(()) => "ok",
            Err(PushError::Gone) => "gone",
            Err(PushError::Transient(_)) => "transient",
            Err(PushError::Permanent(_)) => "permanent",
            Err(PushError::BadSubscription(_)) => "bad subscription",
        };
        assert_eq!(sorted, check, "{status}: {result:?}");
    }

    let err = client.send(&sub, &vec![b'x'; MAX_PAYLOAD + 1], 60, Urgency::Normal).await.unwrap_err();
    assert!(matches!(err, PushError::Permanent(_)), "{err:?}");
}

#[tokio::test]
async fn a_push_service_that_is_down_is_transient() {
    let port = std::net::TcpListener::bind("127.0.0.1:0").unwrap().local_addr().unwrap().port();
    let sub = Browser::new().subscription(&format!("http://127.0.0.1:{port}/wpush/x"));
    let client = PushClient::new(VapidKey::generate(), "mailto:quantri@snv.example.gov.vn");
    let err = client.send(&sub, b"{}", 60, Urgency::Normal).await.unwrap_err();
    assert!(matches!(err, PushError::Transient(_)), "{err:?}");
}

fn field_error(result: Result<Subscription, PushError>) -> String {
    match result {
        Err(PushError::BadSubscription(m)) => m,
        other => panic!("expected a field error, got {other:?}"),
    }
}

#[test]
fn bad_subscriptions_name_their_field() {
    let browser = Browser::new();
    let good = browser.subscription("https://push.example.net/x");
    let (p256dh, auth) = (good.p256dh.as_str(), good.auth.as_str());
    let endpoint = |e: &str, loopback: bool| field_error(Subscription::parse(e, p256dh, auth, loopback));

    for (bad, loopback) in [
        ("ftp://push.example.net/x", true),
        ("http://push.example.net/x", true),
        ("http://10.0.0.1/x", true),
        ("http://127.0.0.1:8080/x", false),
        ("https://user:pass@push.example.net/x", false),
        ("/relative/path", false),
        ("not a url", false),
        ("", false),
    ] {
        assert!(endpoint(bad, loopback).starts_with("endpoint: "), "{bad}");
    }
    let long = format!("https://push.example.net/{}", "a".repeat(1000));
    assert!(endpoint(&long, false).starts_with("endpoint: "));
    let just_fits = format!("https://push.example.net/{}", "a".repeat(1000 - 25));
    assert_eq!(just_fits.len(), 1000);
    assert!(Subscription::parse(&just_fits, p256dh, auth, false).is_ok());
    for ok in ["http://127.0.0.1:8080/x", "http://localhost:8080/x", "http://[::1]:8080/x"] {
        assert!(Subscription::parse(ok, p256dh, auth, true).is_ok(), "{ok}");
    }

    let key = |k: &str| field_error(Subscription::parse("https://push.example.net/x", k, auth, false));
    let mut point = URL_SAFE_NO_PAD.decode(p256dh).unwrap();
    point[64] ^= 1; // y no longer matches x
    assert!(key(&b64(&point)).starts_with("p256dh: "));
    assert!(key(&b64(&point[..33])).starts_with("p256dh: "), "compressed or short");
    let compressed = browser.secret.public_key().to_encoded_point(true);
    assert!(key(&b64(compressed.as_bytes())).starts_with("p256dh: "));
    assert!(key("not base64!").starts_with("p256dh: "));
    assert!(key(&b64(&[4u8; 65])).starts_with("p256dh: "));

    let secret = |a: &str| field_error(Subscription::parse("https://push.example.net/x", p256dh, a, false));
    assert!(secret(&b64(&[7u8; 15])).starts_with("auth: "));
    assert!(secret(&b64(&[7u8; 17])).starts_with("auth: "));
    assert!(secret("***").starts_with("auth: "));

    // Padding is optional.
    let padded = base64::engine::general_purpose::URL_SAFE.encode(browser.auth);
    assert!(padded.ends_with("=="));
    assert!(Subscription::parse("https://push.example.net/x", p256dh, &padded, false).is_ok());
}
