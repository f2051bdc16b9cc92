//! Digital signatures end to end on the real server (both engines): the leader signs an approved outgoing
//! document with a PIN, the clerk applies the organisation signature at issue, the recipient inside the platform
//! sees the signatures checked; wrong PINs lock the key; key imports refuse bad files; uploaded PDFs that were
//! tampered with, signed under an unknown root or with a revoked certificate are reported as such; a document
//! changed after signing is reported "modified after signing" with its signatures intact; encrypted and broken
//! PDFs are refused; signatures made by poppler's `pdfsig` (NSS), NSS's `cmsutil`, `openssl cms` and pyHanko
//! show their signer's Vietnamese name exactly. poppler's `pdfsig` checks the issued file independently.

mod common;
#[path = "../../pades/tests/interop/foreign.rs"]
mod foreign;
mod support;

use common::{TestApp, DEMO_PASSWORD};
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

/// The demo PKI, and a PDF signed by a demo personal certificate (chained to the trusted demo root).
async fn demo_signed_pdf(app: &TestApp, text: &str) -> Vec<u8> {
    app.services.create_demo_pki(None).await.expect("demo PKI");
    let root_p12 = std::fs::read(app.services.settings.pki_dir.join("demo-root.p12")).expect("demo root");
    let root = egov_pki::read_pkcs12(&root_p12, "egov-demo-root").expect("root");
    let root = egov_pki::Issued { certificate_der: root.certificate().to_vec(), key_pkcs8: root.private_key_pkcs8 };
    let now = jiff::Timestamp::now().as_second();
    let leaf = egov_pki::issue_certificate(
        &root,
        &egov_pki::Subject::new("Trần Thị Mai"),
        egov_pki::CertificateKind::Personal,
        now - 60,
        30,
        None,
    )
    .expect("certificate");
    let signer =
        egov_pades::KeySigner::from_pkcs8(&leaf.key_pkcs8, vec![leaf.certificate_der.clone(), root.certificate_der])
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
    egov_pades::sign(&pdf(text), &signer, &request).expect("sign")
}

/// `signed` with an incremental update that gives its first page another content stream (what a forger, or a
/// careless editor, does after signing).
fn with_page_content_changed(signed: &[u8]) -> Vec<u8> {
    let doc = lopdf::Document::load_mem(signed).expect("pdf");
    let (_, page_id) = doc.get_pages().into_iter().next().expect("a page");
    let parent =
        doc.get_dictionary(page_id).expect("page").get(b"Parent").expect("parent").as_reference().expect("ref");
    let root = doc.trailer.get(b"Root").expect("root").as_reference().expect("ref");
    let startxref = {
        let at = signed.windows(9).rposition(|w| w == b"startxref").expect("startxref");
        String::from_utf8_lossy(&signed[at + 9..]).split_whitespace().next().expect("offset").to_string()
    };
    let new_id = doc.max_id + 1;
    let mut out = signed.to_vec();
    let page_at = out.len();
    out.extend_from_slice(
        format!(
            "{} 0 obj\n<</Type/Page/Parent {} 0 R/Contents {new_id} 0 R/MediaBox[0 0 595 842]>>\nendobj\n",
            page_id.0, parent.0
        )
        .as_bytes(),
    );
    let stream_at = out.len();
    out.extend_from_slice(
        format!("{new_id} 0 obj\n<</Length 26>>\nstream\nBT /F1 12 Tf (FORGED) Tj ET\nendstream\nendobj\n").as_bytes(),
    );
    let xref_at = out.len();
    out.extend_from_slice(
        format!(
            "xref\n{} 1\n{page_at:010} 00000 n\r\n{new_id} 1\n{stream_at:010} 00000 n\r\ntrailer\n<</Size {} /Root {} 0 R \
             /Prev {startxref}>>\nstartxref\n{xref_at}\n%%EOF\n",
            page_id.0,
            new_id + 1,
            root.0
        )
        .as_bytes(),
    );
    out
}

async fn check_upload(user: &ApiUser, bytes: Vec<u8>) -> (StatusCode, Value) {
    user.post_multipart("/api/v1/signatures/check", &[], &[("x.pdf", bytes)]).await
}

#[tokio::test]
async fn a_document_changed_after_signing_is_reported_modified_with_its_signature_intact() {
    let app = TestApp::spawn().await;
    app.seed_demo().await;
    let clerk = ApiUser::sign_in(&app, "vanthu").await;
    let signed = demo_signed_pdf(&app, "Cong van").await;
    let changed = with_page_content_changed(&signed);

    let (status, body) = check_upload(&clerk, changed.clone()).await;
    assert_eq!(status, StatusCode::OK, "{body}");
    assert_eq!(body["modified_after_signing"], true, "{body}");
    let sig = &body["signatures"][0];
    assert_eq!(sig["intact"], true, "the signed revision is as signed: {body}");
    assert_eq!(sig["verdict"], "valid", "{body}");
    assert_eq!(body["verdict"], "valid", "{body}");
    assert_eq!(sig["modification"], "disallowed");
    assert_eq!(sig["modified_after_signing"], true);
    assert!(sig["changes"][0].as_str().is_some_and(|c| c.contains("trang")), "{body}");
    assert_eq!(sig["problems"].as_array().map(Vec::len), Some(0), "nothing is wrong with the signature: {body}");
    // The untouched file: not modified.
    let (_, body) = check_upload(&clerk, signed).await;
    assert_eq!(body["modified_after_signing"], false, "{body}");

    // Registered, the document page says so prominently, in both languages.
    let (status, reg) = clerk
        .post_multipart("/api/v1/documents/incoming", &support::incoming_fields(&[]), &[("cong-van.pdf", changed)])
        .await;
    assert_eq!(status, StatusCode::CREATED, "{reg}");
    let id = reg["id"].as_i64().expect("id");
    let (_, d) = clerk.get(&format!("/api/v1/documents/{id}")).await;
    assert_eq!(d["files"][0]["signatures"]["modified_after_signing"], true, "{d}");
    let client = app.client();
    let csrf = support::sign_in(&app, &client, "vanthu", DEMO_PASSWORD).await;
    let html = support::page(&app, &client, &format!("/documents/{id}")).await;
    assert!(html.contains("data-modified=\"true\"") && html.contains("Tài liệu đã bị thay đổi sau khi ký"), "{html}");
    assert!(html.contains("Thay đổi sau khi ký: nội dung trang"), "{html}");
    support::post_form(&app, &client, "/lang", &csrf, &[("lang", "en")]).await;
    let html = support::page(&app, &client, &format!("/documents/{id}")).await;
    assert!(html.contains("The document was modified after signing"), "{html}");
}

#[tokio::test]
async fn encrypted_cut_short_and_broken_pdfs_are_refused_by_the_signature_check() {
    let app = TestApp::spawn().await;
    app.seed_demo().await;
    let clerk = ApiUser::sign_in(&app, "vanthu").await;
    let signed = demo_signed_pdf(&app, "Cong van").await;
    let expect = |status: StatusCode, body: &Value, code: &str| {
        assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY, "{body}");
        assert_eq!(body["error"]["fields"][0]["field"], "file", "{body}");
        assert_eq!(field_code(body), code, "{body}");
    };
    for password in ["", "mat-khau"] {
        let (status, body) = check_upload(&clerk, egov_files::encrypted_sample_pdf(password)).await;
        expect(status, &body, "encrypted_pdf");
    }
    let (status, body) = check_upload(&clerk, signed[..signed.len() / 2].to_vec()).await;
    expect(status, &body, "broken_pdf");
    let (status, body) = check_upload(&clerk, b"%PDF-1.7\n1 0 obj garbage /ByteRange\n%%EOF\n".to_vec()).await;
    expect(status, &body, "broken_pdf");

    // A ByteRange whose gap is not the signature's /Contents: the signature is refused, naming the ByteRange.
    let key = signed.windows(10).position(|w| w == b"/ByteRange").expect("byte range");
    let at = key + signed[key..].iter().position(|&b| b == b'[').expect("[") + 1;
    let end = at + signed[at..].iter().position(|&b| b == b']').expect("]");
    let numbers: Vec<usize> = std::str::from_utf8(&signed[at..end])
        .expect("ascii")
        .split_whitespace()
        .map(|n| n.parse().expect("n"))
        .collect();
    let written = format!("{} {} {} {}", numbers[0], numbers[1] - 1, numbers[2] + 1, numbers[3] - 1);
    let mut forged = signed.clone();
    let padded = format!("{written:<width$}", width = end - at);
    forged[at..end].copy_from_slice(padded.as_bytes());
    let (status, body) = check_upload(&clerk, forged).await;
    assert_eq!(status, StatusCode::OK, "{body}");
    assert_eq!(body["verdict"], "invalid", "{body}");
    let problems = body["signatures"][0]["problems"].to_string();
    assert!(problems.contains(&format!("ByteRange [{written}]")), "{body}");

    // A stored file that can no longer be read is not re-checked into "not signed".
    let (status, reg) = clerk
        .post_multipart("/api/v1/documents/incoming", &support::incoming_fields(&[]), &[("cv.pdf", signed.clone())])
        .await;
    assert_eq!(status, StatusCode::CREATED, "{reg}");
    let (_, d) = clerk.get(&format!("/api/v1/documents/{}", reg["id"])).await;
    let file = &d["files"][0];
    assert_eq!(file["signatures"]["verdict"], "valid", "{d}");
    let path = app.services.files.path(file["sha256"].as_str().expect("sha")).expect("stored");
    let mut permissions = std::fs::metadata(&path).expect("metadata").permissions();
    #[allow(clippy::permissions_set_readonly_false)]
    permissions.set_readonly(false);
    std::fs::set_permissions(&path, permissions).expect("writable");
    std::fs::write(&path, &signed[..signed.len() / 2]).expect("damage the stored copy");
    let (status, body) = clerk.post(&format!("/api/v1/files/{}/signatures", file["file_id"]), json!({})).await;
    expect(status, &body, "broken_pdf");
}

#[tokio::test]
async fn signatures_made_by_nss_openssl_and_pyhanko_show_the_signers_vietnamese_name() {
    if !foreign::have_openssl() {
        return;
    }
    let app = TestApp::spawn().await;
    app.seed_demo().await;
    app.services.create_demo_pki(None).await.expect("demo PKI");
    let clerk = ApiUser::sign_in(&app, "vanthu").await;
    let scratch = foreign::Scratch::new("egov");
    let rsa_dir = scratch.0.join("rsa");
    let ec_dir = scratch.0.join("ec");
    std::fs::create_dir_all(&rsa_dir).expect("dir");
    std::fs::create_dir_all(&ec_dir).expect("dir");
    let rsa = foreign::Pki::new(&rsa_dir, foreign::KeyKind::Rsa);
    let ec = foreign::Pki::new(&ec_dir, foreign::KeyKind::Ecdsa);
    // The other implementations' root is trusted like a national root.
    let roots = app.services.settings.pki_dir.join("trusted-roots.pem");
    let mut pem = std::fs::read_to_string(&roots).unwrap_or_default();
    pem.push_str(&rsa.root_pem);
    pem.push_str(&ec.root_pem);
    std::fs::write(&roots, pem).expect("trusted roots");
    app.services.reload_trust().expect("reload");

    let input = pdf("Cong van");
    let mut files: Vec<(String, Vec<u8>)> = Vec::new();
    if foreign::have_nss() && foreign::have_pdfsig() {
        files.push(("pdfsig RSA".into(), rsa.sign_with_pdfsig(&input)));
    }
    if foreign::have_nss() {
        files.push(("cmsutil ECDSA".into(), ec.sign_with_cmsutil("adbe.pkcs7.detached")));
    }
    files.push(("openssl ECDSA CAdES".into(), ec.sign_with_openssl("ETSI.CAdES.detached")));
    files.push(("openssl RSA PKCS#7".into(), rsa.sign_with_openssl("adbe.pkcs7.detached")));
    if foreign::have_pyhanko() {
        files.push(("pyHanko ECDSA CAdES".into(), ec.sign_with_pyhanko(&input, "ETSI.CAdES.detached")));
    }
    for (made_by, bytes) in &files {
        let (status, body) = check_upload(&clerk, bytes.clone()).await;
        assert_eq!(status, StatusCode::OK, "{made_by}: {body}");
        assert_eq!(body["verdict"], "valid", "{made_by}: {body}");
        let sig = &body["signatures"][0];
        assert_eq!(sig["intact"], true, "{made_by}: {body}");
        assert_eq!(sig["signer"], foreign::SIGNER_CN, "{made_by}: {body}");
        assert_eq!(sig["organization"], foreign::SIGNER_O, "{made_by}: {body}");
    }
    // PAdES B-LTA: a document time-stamp after the signature is valid too (its authority trusted for time-stamping).
    if foreign::have_pyhanko() {
        let lta = rsa.timestamp_with_pyhanko(&rsa.sign_with_pyhanko(&input, "ETSI.CAdES.detached"));
        let (status, body) = check_upload(&clerk, lta).await;
        assert_eq!(status, StatusCode::OK, "{body}");
        assert_eq!(body["verdict"], "valid", "{body}");
        assert_eq!(body["signatures"][1]["signer"], "Dịch vụ dấu thời gian", "{body}");
        assert!(body["signatures"][1]["timestamp_time"].is_i64(), "{body}");
    }
    // The organisation signature pdfsig made, registered: the document page shows the name as written.
    let (made_by, first) = &files[0];
    let (status, reg) = clerk
        .post_multipart("/api/v1/documents/incoming", &support::incoming_fields(&[]), &[("cv.pdf", first.clone())])
        .await;
    assert_eq!(status, StatusCode::CREATED, "{made_by}: {reg}");
    let client = app.client();
    support::sign_in(&app, &client, "vanthu", DEMO_PASSWORD).await;
    let html = support::page(&app, &client, &format!("/documents/{}", reg["id"])).await;
    assert!(html.contains(&format!("<strong>{}</strong> – {}", foreign::SIGNER_CN, foreign::SIGNER_O)), "{html}");
    assert!(!html.contains("CÆ¡"), "{html}");
}
