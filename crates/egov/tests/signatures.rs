//! Digital signatures end to end on the real server (both engines): the leader signs an approved outgoing
//! document with a PIN, the clerk applies the organisation signature at issue, the recipient inside the platform
//! sees the signatures checked; wrong PINs lock the key; key imports refuse bad files; uploaded PDFs that were
//! tampered with, signed under an unknown root or with a revoked certificate are reported as such. poppler's
//! `pdfsig` checks the issued file independently.

mod common;
mod support;

use common::TestApp;
use egov_service::signatures::demo::DEMO_PIN;
use reqwest::StatusCode;
use serde_json::{json, Value};
use support::ApiUser;

fn pdf(text: &str) -> Vec<u8> {
    egov_files::sample_pdf(text, 2)
}

/// Runs `pdfsig` on `bytes`; fails when it is missing and `EGOV_REQUIRE_PDFSIG` is set (CI).
fn pdfsig(bytes: &[u8]) -> Option<String> {
    let dir = tempfile::tempdir().expect("temporary folder");
    let path = dir.path().join("issued.pdf");
    std::fs::write(&path, bytes).expect("write");
    match std::process::Command::new("pdfsig").arg(&path).output() {
        Ok(o) => Some(String::from_utf8_lossy(&o.stdout).into_owned()),
        Err(_) if std::env::var_os("EGOV_REQUIRE_PDFSIG").is_some() => panic!("pdfsig is required but missing"),
        Err(_) => None,
    }
}

async fn approved_draft(app: &TestApp) -> (i64, ApiUser, ApiUser, ApiUser) {
    let specialist = ApiUser::sign_in(app, "chuyenvien").await;
    let leader = ApiUser::sign_in(app, "lanhdao").await;
    let clerk = ApiUser::sign_in(app, "vanthu").await;
    let caller = egov_service::Caller::system("test");
    let agencies = app.services.agencies(&caller, None, 50).await.expect("agencies");
    let snv = agencies.iter().find(|a| a.code == "H41.12").expect("demo department").id.to_string();
    let fields = [
        ("doc_type", "quyet_dinh"),
        ("subject", "Quyết định ban hành quy chế làm việc"),
        ("signer", "Nguyễn Văn An"),
        ("recipient_agencies", snv.as_str()),
    ];
    let files = [("quyet-dinh.pdf", pdf("Quyet dinh")), ("phu-luc.pdf", egov_files::sample_pdf("Phu luc", 1))];
    let (status, draft) = specialist.post_multipart("/api/v1/drafts", &fields, &files).await;
    assert_eq!(status, StatusCode::CREATED, "{draft}");
    let id = draft["id"].as_i64().expect("id");
    let (status, body) =
        specialist.post(&format!("/api/v1/drafts/{id}/submit"), json!({ "approvers": [leader.user_id] })).await;
    assert_eq!(status, StatusCode::NO_CONTENT, "{body}");
    let (status, body) = leader.post(&format!("/api/v1/drafts/{id}/decision"), json!({ "decision": "approve" })).await;
    assert_eq!(status, StatusCode::NO_CONTENT, "{body}");
    (id, specialist, leader, clerk)
}

fn field_code(body: &Value) -> &str {
    body["error"]["fields"][0]["code"].as_str().unwrap_or("")
}

#[tokio::test]
async fn the_leader_signs_the_clerk_seals_at_issue_and_everyone_sees_valid_signatures() {
    let app = TestApp::spawn().await;
    app.seed_demo().await;
    let made = app.services.create_demo_pki(Some(&app.url("/pki/demo-root.crl"))).await.expect("demo PKI");
    assert!(made.root_created && made.personal_keys > 5 && made.seal_keys > 2, "{made:?}");
    let (id, specialist, leader, clerk) = approved_draft(&app).await;

    // The clerk cannot issue before the competent person signs; the drafter cannot sign.
    let (status, body) = clerk.post(&format!("/api/v1/drafts/{id}/issue"), json!({ "seal_pin": DEMO_PIN })).await;
    assert_eq!(status, StatusCode::CONFLICT, "{body}");
    assert_eq!(field_code(&body), "not_signed");
    assert_eq!(
        specialist.post(&format!("/api/v1/documents/{id}/sign"), json!({ "pin": DEMO_PIN })).await.0,
        StatusCode::FORBIDDEN
    );

    // A blank PIN is asked for again (not counted as a wrong one).
    let (status, body) = leader.post(&format!("/api/v1/documents/{id}/sign"), json!({ "pin": "" })).await;
    assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY, "{body}");
    assert_eq!(field_code(&body), "required");
    // A wrong PIN is refused and the file stays as it was.
    let (_, before) = leader.get(&format!("/api/v1/documents/{id}")).await;
    let (status, body) = leader.post(&format!("/api/v1/documents/{id}/sign"), json!({ "pin": "999999" })).await;
    assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY, "{body}");
    assert_eq!(field_code(&body), "wrong_pin");
    let (_, after) = leader.get(&format!("/api/v1/documents/{id}")).await;
    assert_eq!(before["files"][0]["sha256"], after["files"][0]["sha256"]);

    // With a time-stamp authority that does not answer, nothing is signed.
    app.services.set_tsa_url(Some("http://127.0.0.1:9/tsa".into()));
    let (status, body) = leader.post(&format!("/api/v1/documents/{id}/sign"), json!({ "pin": DEMO_PIN })).await;
    assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY, "{body}");
    assert_eq!(field_code(&body), "tsa_unavailable");
    // The demo's own authority: signatures are PAdES B-T.
    app.services.set_tsa_url(Some(app.url("/pki/tsa")));

    // The right PIN signs the main file.
    let (status, check) = leader.post(&format!("/api/v1/documents/{id}/sign"), json!({ "pin": DEMO_PIN })).await;
    assert_eq!(status, StatusCode::OK, "{check}");
    assert_eq!(check["verdict"], "valid", "{check}");
    let stamped = check["signatures"][0]["timestamp_time"].as_i64().expect("a trusted time-stamp");
    assert!((stamped - jiff::Timestamp::now().as_second()).abs() < 120, "{check}");
    assert_eq!(check["signatures"][0]["signer"], "Nguyễn Văn An");
    assert_eq!(check["signatures"][0]["revocation"], "good", "the demo CRL was consulted: {check}");
    // Signing twice is refused.
    assert_eq!(
        leader.post(&format!("/api/v1/documents/{id}/sign"), json!({ "pin": DEMO_PIN })).await.0,
        StatusCode::CONFLICT
    );

    // Issue: the seal PIN is needed; then the organisation signature goes on every PDF.
    let (status, body) = clerk.post(&format!("/api/v1/drafts/{id}/issue"), json!({})).await;
    assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY, "{body}");
    assert_eq!(body["error"]["fields"][0]["field"], "seal_pin");
    let (status, issued) = clerk
        .post(
            &format!("/api/v1/drafts/{id}/issue"),
            json!({ "seal_pin": DEMO_PIN, "number_at": { "page": 1, "x": 120.0, "y": 770.0 } }),
        )
        .await;
    assert_eq!(status, StatusCode::CREATED, "{issued}");
    let copy = issued["delivered"][0].as_i64().expect("copy inside the platform");

    let (_, d) = clerk.get(&format!("/api/v1/documents/{id}")).await;
    let main = &d["files"][0];
    assert_eq!(main["signatures"]["verdict"], "valid", "{d}");
    assert_eq!(main["signatures"]["signatures"].as_array().map(Vec::len), Some(2), "{main}");
    assert_eq!(main["signatures"]["signatures"][0]["modification"], "allowed");
    assert!(main["signatures"]["signatures"][1]["timestamp_time"].is_i64(), "the seal is time-stamped too: {main}");
    let attachment = &d["files"][1];
    assert_eq!(attachment["signatures"]["signatures"].as_array().map(Vec::len), Some(1), "{attachment}");
    let kinds: Vec<&str> =
        d["timeline"].as_array().expect("timeline").iter().filter_map(|e| e["kind"].as_str()).collect();
    assert!(kinds.contains(&"signed") && kinds.contains(&"sealed"), "{kinds:?}");

    // The file itself: valid for egov and for poppler.
    let (_, bytes) = clerk.get_bytes(&format!("/api/v1/files/{}", main["file_id"])).await;
    let reports = egov_pades::verify(&bytes).expect("readable");
    assert_eq!(reports.len(), 2);
    assert!(reports.iter().all(egov_pades::SignatureReport::intact));
    if let Some(out) = pdfsig(&bytes) {
        assert_eq!(out.matches("Signature is Valid").count(), 2, "{out}");
    }

    // The receiving agency sees the same signatures on its incoming copy.
    let other_clerk = ApiUser::sign_in(&app, "vanthu.snv").await;
    let (_, c) = other_clerk.get(&format!("/api/v1/documents/{copy}")).await;
    assert_eq!(c["files"][0]["signatures"]["verdict"], "valid", "{c}");
    // Re-checking gives the same answer.
    let (status, again) =
        other_clerk.post(&format!("/api/v1/files/{}/signatures", c["files"][0]["file_id"]), json!({})).await;
    assert_eq!(status, StatusCode::OK, "{again}");
    assert_eq!(again["verdict"], "valid");
}

#[tokio::test]
async fn wrong_pins_lock_the_key_and_bad_key_files_are_refused() {
    let app = TestApp::spawn().await;
    app.seed_demo().await;
    app.services.create_demo_pki(None).await.expect("demo PKI");
    let (id, specialist, leader, _) = approved_draft(&app).await;
    for attempt in 1..=5 {
        let (status, body) = leader.post(&format!("/api/v1/documents/{id}/sign"), json!({ "pin": "000000" })).await;
        let expected = if attempt < 5 { StatusCode::UNPROCESSABLE_ENTITY } else { StatusCode::TOO_MANY_REQUESTS };
        assert_eq!(status, expected, "attempt {attempt}: {body}");
    }
    // Locked: even the right PIN waits.
    let (status, _) = leader.post(&format!("/api/v1/documents/{id}/sign"), json!({ "pin": DEMO_PIN })).await;
    assert_eq!(status, StatusCode::TOO_MANY_REQUESTS);

    // Key import: a certificate from the demo root (trusted) is accepted with its image; the rest is refused.
    let root_p12 = std::fs::read(app.services.settings.pki_dir.join("demo-root.p12")).expect("demo root");
    let root = egov_pki::read_pkcs12(&root_p12, "egov-demo-root").expect("root");
    let root = egov_pki::Issued { certificate_der: root.certificate().to_vec(), key_pkcs8: root.private_key_pkcs8 };
    let now = jiff::Timestamp::now().as_second();
    let make = |ca: &egov_pki::Issued, from: i64, days: u32| {
        let leaf = egov_pki::issue_certificate(
            ca,
            &egov_pki::Subject::new("Trần Thị Bình"),
            egov_pki::CertificateKind::Personal,
            from,
            days,
            None,
        )
        .expect("certificate");
        let identity = egov_pki::Identity {
            private_key_pkcs8: leaf.key_pkcs8,
            chain: vec![leaf.certificate_der, ca.certificate_der.clone()],
        };
        egov_pki::write_pkcs12(&identity, "p12-pass", "test").expect("p12")
    };
    let png = {
        let mut out = Vec::new();
        let mut enc = png::Encoder::new(&mut out, 2, 2);
        enc.set_color(png::ColorType::Rgba);
        enc.write_header().expect("header").write_image_data(&[0; 16]).expect("png");
        out
    };
    let good = make(&root, now - 60, 30);
    let fields = |pin: &'static str| vec![("password", "p12-pass"), ("pin", pin), ("pin_again", pin)];
    let (status, body) = specialist
        .post_multipart(
            "/api/v1/me/signing-key",
            &fields("24681357"),
            &[("binh.p12", good.clone()), ("chu-ky.png", png.clone())],
        )
        .await;
    assert_eq!(status, StatusCode::CREATED, "{body}");
    assert_eq!(body["purpose"], "personal");
    assert_eq!(body["has_image"], true);
    let (_, mine) = specialist.get("/api/v1/me/signing-key").await;
    assert_eq!(mine["id"], body["id"]);

    type Case<'a> = (&'a str, Vec<(&'a str, &'a str)>, Vec<(&'a str, Vec<u8>)>, &'a str);
    let cases: Vec<Case> = vec![
        (
            "wrong password",
            vec![("password", "nope"), ("pin", "24681357")],
            vec![("binh.p12", good.clone())],
            "wrong_password",
        ),
        ("garbage", fields("24681357"), vec![("binh.p12", b"not a p12".to_vec())], "bad_pkcs12"),
        ("short PIN", fields("123"), vec![("binh.p12", good.clone())], "pin_length"),
        (
            "image not PNG",
            fields("24681357"),
            vec![("binh.p12", good.clone()), ("chu-ky.gif", b"GIF89a".to_vec())],
            "not_png",
        ),
        ("expired", fields("24681357"), vec![("old.p12", make(&root, now - 40 * 86_400, 10))], "expired"),
        (
            "untrusted root",
            fields("24681357"),
            vec![("x.p12", make(&egov_pki::create_root("Other CA", "x", now - 60, 30).expect("root"), now - 60, 30))],
            "untrusted",
        ),
    ];
    for (label, fields, files, code) in cases {
        let (status, body) = specialist.post_multipart("/api/v1/me/signing-key", &fields, &files).await;
        assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY, "{label}: {body}");
        assert_eq!(field_code(&body), code, "{label}: {body}");
    }
    // The refused imports left the accepted key in place.
    let (_, still) = specialist.get("/api/v1/me/signing-key").await;
    assert_eq!(still["id"], body["id"]);
    // Seal keys belong to the agency's clerks.
    let caller = egov_service::Caller::system("test");
    let agency = app.services.agencies(&caller, None, 50).await.expect("agencies")[0].id;
    let (status, _) = specialist
        .post_multipart(&format!("/api/v1/agencies/{agency}/seal-key"), &fields("24681357"), &[("s.p12", good)])
        .await;
    assert_eq!(status, StatusCode::FORBIDDEN);
}

#[tokio::test]
async fn uploaded_pdfs_are_reported_tampered_untrusted_or_revoked() {
    let app = TestApp::spawn().await;
    app.seed_demo().await;
    app.services.create_demo_pki(None).await.expect("demo PKI");
    let user = ApiUser::sign_in(&app, "chuyenvien").await;
    let root_p12 = std::fs::read(app.services.settings.pki_dir.join("demo-root.p12")).expect("demo root");
    let root = egov_pki::read_pkcs12(&root_p12, "egov-demo-root").expect("root");
    let root = egov_pki::Issued { certificate_der: root.certificate().to_vec(), key_pkcs8: root.private_key_pkcs8 };
    let now = jiff::Timestamp::now().as_second();
    let sign_with = |ca: &egov_pki::Issued| {
        let leaf = egov_pki::issue_certificate(
            ca,
            &egov_pki::Subject::new("Lê Văn Cường"),
            egov_pki::CertificateKind::Personal,
            now - 60,
            30,
            None,
        )
        .expect("certificate");
        let signer = egov_pades::KeySigner::from_pkcs8(
            &leaf.key_pkcs8,
            vec![leaf.certificate_der.clone(), ca.certificate_der.clone()],
        )
        .expect("signer");
        let request = egov_pades::SignRequest {
            field_name: None,
            signing_time: now - 30,
            signer_name: None,
            reason: None,
            location: None,
            appearance: egov_pades::Appearance::Invisible,
            stamps: Vec::new(),
            with_timestamp: false,
        };
        (egov_pades::sign(&pdf("Cong van"), &signer, &request).expect("sign"), leaf)
    };
    let check = |bytes: Vec<u8>| {
        let user = &user;
        async move {
            let (status, body) = user.post_multipart("/api/v1/signatures/check", &[], &[("x.pdf", bytes)]).await;
            assert_eq!(status, StatusCode::OK, "{body}");
            body
        }
    };
    let (good, leaf) = sign_with(&root);
    assert_eq!(check(good.clone()).await["verdict"], "valid");
    let mut tampered = good.clone();
    tampered[300] ^= 1;
    let body = check(tampered).await;
    assert_eq!(body["verdict"], "invalid", "{body}");
    assert_eq!(body["signatures"][0]["intact"], false);
    let stranger = egov_pki::create_root("Unknown CA", "x", now - 600, 30).expect("root");
    let body = check(sign_with(&stranger).0).await;
    assert_eq!(body["verdict"], "untrusted", "{body}");
    assert_eq!(body["signatures"][0]["intact"], true);
    // Revoke the leaf in a new CRL; without a time-stamp the signature no longer stands.
    let serial = egov_pki::certificate_info(&leaf.certificate_der).expect("info").serial_hex;
    let crl = egov_pki::create_crl(
        &root,
        &[egov_pki::RevokedEntry { serial_hex: serial, revoked_at: now - 10 }],
        now - 5,
        now + 86_400,
        99,
    )
    .expect("crl");
    app.services.store_crl("demo:revoked", &crl).await.expect("store CRL");
    let body = check(good).await;
    assert_eq!(body["verdict"], "untrusted", "{body}");
    assert_eq!(body["signatures"][0]["revocation"], "revoked");
    // Not a PDF: a field error.
    let (status, body) = user.post_multipart("/api/v1/signatures/check", &[], &[("x.pdf", b"hello".to_vec())]).await;
    assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY, "{body}");
}
