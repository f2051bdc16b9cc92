//! edXML exchange by package (both engines): an issued document's package for an outside ministry is built,
//! signed with the agency's seal (XML-DSig) and read back by a clerk of that ministry into its "to register"
//! queue with its files and their PDF signatures checked; a second arrival, a package for someone else, a
//! changed package and a broken one are refused with a reason, and nothing is half-made.

mod common;
mod support;

use common::TestApp;
use egov_service::signatures::demo::DEMO_PIN;
use reqwest::StatusCode;
use serde_json::{json, Value};
use support::ApiUser;

#[tokio::test]
async fn a_signed_package_goes_from_the_province_to_a_ministry_and_lands_once() {
    let app = TestApp::spawn().await;
    app.seed_demo().await;
    let system = egov_service::Caller::system("test");
    app.services.create_demo_pki(None).await.expect("demo PKI");

    let specialist = ApiUser::sign_in(&app, "chuyenvien").await;
    let leader = ApiUser::sign_in(&app, "lanhdao").await;
    let clerk = ApiUser::sign_in(&app, "vanthu").await;
    let (id, recipient) =
        issue_for_ministry(&specialist, &leader, &clerk, "Báo cáo kết quả cải cách hành chính năm 2026").await;
    let (second, second_recipient) =
        issue_for_ministry(&specialist, &leader, &clerk, "Công văn gửi nhầm địa chỉ").await;
    let (_, d) = clerk.get(&format!("/api/v1/documents/{id}")).await;

    // The ministry joins the platform after the issue (its own agency and clerk), so its side can be tested here.
    let ministry = app
        .services
        .create_agency(
            &system,
            &egov_service::org::AgencyInput {
                code: "G01.01",
                name: "Bộ Nội vụ",
                short_name: None,
                level: "central",
                parent_id: None,
            },
        )
        .await
        .expect("ministry");
    app.services
        .create_user(
            &system,
            &egov_service::users::NewUserInput {
                username: "vanthu.bnv",
                full_name: "Lý Thị Kim",
                agency_id: ministry.id,
                roles: vec!["clerk".into()],
                password: common::DEMO_PASSWORD,
                ..Default::default()
            },
        )
        .await
        .expect("ministry clerk");
    // Its keys (seal and exchange) from the demo PKI, which adds what is missing.
    app.services.create_demo_pki(None).await.expect("keys for the ministry");
    // Export: a wrong seal PIN is refused; the right one gives a signed, valid package.
    let http = app.client();
    let export_of = |doc: i64, recipient: i64, pin: &'static str| {
        let http = http.clone();
        let url = app.url(&format!("/api/v1/documents/{doc}/edxml"));
        let token = clerk.token().to_string();
        async move {
            http.post(url)
                .bearer_auth(token)
                .json(&json!({ "recipient_id": recipient, "seal_pin": pin }))
                .send()
                .await
                .expect("export")
        }
    };
    let export = |pin: &'static str| export_of(id, recipient, pin);
    assert_eq!(export("000000").await.status(), StatusCode::UNPROCESSABLE_ENTITY);
    let res = export(DEMO_PIN).await;
    assert_eq!(res.status(), StatusCode::OK);
    let package = res.bytes().await.expect("package").to_vec();
    let read = egov_edxml::read_package(&package).expect("a valid edXML package");
    assert_eq!(read.package.header.to[0].organ_id.to_string(), "G01.01");
    assert_eq!(read.package.header.subject, "Báo cáo kết quả cải cách hành chính năm 2026");
    assert!(egov_xmldsig::verify(std::str::from_utf8(&package).expect("utf-8")).is_ok());

    // The ministry's clerk receives it.
    let ministry_clerk = ApiUser::sign_in(&app, "vanthu.bnv").await;
    let import = |bytes: Vec<u8>, agency: i64| {
        let http = http.clone();
        let url = app.url(&format!("/api/v1/agencies/{agency}/edxml"));
        let token = ministry_clerk.token().to_string();
        async move {
            let res = http
                .post(url)
                .bearer_auth(token)
                .header("content-type", "application/xml")
                .body(bytes)
                .send()
                .await
                .expect("import");
            let status = res.status();
            (status, res.json::<serde_json::Value>().await.unwrap_or_default())
        }
    };
    // Someone else's package, a changed one and garbage first: each refused with its reason.
    let (status, body) =
        import(package.clone(), app.services.agencies(&system, None, 50).await.expect("agencies")[0].id).await;
    assert_eq!(status, StatusCode::FORBIDDEN, "{body}");
    let changed = String::from_utf8(package.clone()).expect("utf-8").replace("cải cách hành chính", "cải cách thủ tục");
    let (status, body) = import(changed.into_bytes(), ministry.id).await;
    assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY, "{body}");
    assert_eq!(body["error"]["fields"][0]["code"], "bad_signature", "{body}");
    let (status, body) = import(b"<edXML:edXMLEnvelope><unclosed>".to_vec(), ministry.id).await;
    assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY, "{body}");
    assert_eq!(body["error"]["fields"][0]["code"], "bad_package");
    let (_, queue) = ministry_clerk.get("/api/v1/documents/to-register").await;
    assert_eq!(queue, json!([]), "nothing half-made");

    let (status, body) = import(package.clone(), ministry.id).await;
    assert_eq!(status, StatusCode::CREATED, "{body}");
    let arrived = body["id"].as_i64().expect("id");
    let (_, a) = ministry_clerk.get(&format!("/api/v1/documents/{arrived}")).await;
    assert_eq!(a["document"]["status"], "to_register");
    assert_eq!(
        a["document"]["sender_code"],
        app.services
            .agencies(&system, None, 50)
            .await
            .expect("agencies")
            .iter()
            .find(|g| g.id == d["document"]["agency_id"].as_i64().unwrap_or(0))
            .map(|g| g.code.clone())
            .unwrap_or_default()
    );
    assert_eq!(a["document"]["urgency"], "urgent");
    assert_eq!(a["document"]["doc_type"], "bao_cao");
    assert_eq!(a["files"][0]["signatures"]["verdict"], "valid", "the PDF's signatures are checked on arrival: {a}");
    assert!(a["timeline"].to_string().contains("Chữ ký số gói tin hợp lệ"), "{a}");
    // The same package again: refused, once is enough.
    let (status, body) = import(package, ministry.id).await;
    assert_eq!(status, StatusCode::CONFLICT, "{body}");
    assert_eq!(body["error"]["fields"][0]["code"], "duplicate_package");

    // The ministry answers automatically: 01 on arrival, 03 when its clerk registers the document; each answer
    // is a signed edXML status package for the province, waiting in the ministry's outbox.
    let (status, reg) = ministry_clerk.post(&format!("/api/v1/documents/{arrived}/register"), json!({})).await;
    assert_eq!(status, StatusCode::CREATED, "{reg}");
    let (_, outbox) = ministry_clerk.get(&format!("/api/v1/agencies/{}/outbox", ministry.id)).await;
    let entries = outbox.as_array().expect("outbox");
    let codes: Vec<&str> = entries.iter().filter_map(|e| e["status_code"].as_str()).collect();
    assert_eq!(codes, ["01", "03"], "{outbox}");
    let province_code = read.package.header.from.organ_id.to_string();
    for entry in entries {
        assert_eq!(entry["to_code"], province_code.as_str());
        assert_eq!(entry["state"], "pending");
        let (status, xml) = ministry_clerk.get_bytes(&format!("/api/v1/outbox/{}", entry["id"])).await;
        assert_eq!(status, StatusCode::OK);
        let signed = egov_xmldsig::verify(std::str::from_utf8(&xml).expect("utf-8")).expect("signed status");
        assert!(egov_pki::certificate_info(&signed.certificate)
            .expect("cert")
            .common_name
            .contains("hệ thống liên thông"));
        match egov_edxml::read_message(&xml).expect("a valid status package") {
            egov_edxml::Message::Status(s) => {
                assert_eq!(s.status.response_for.document_id, read.package.header.document_id);
                assert_eq!(format!("{:02}", s.status.status_code.code()), entry["status_code"].as_str().unwrap_or(""));
            }
            egov_edxml::Message::Package(_) => panic!("expected a status package"),
        }
    }
    // A package the ministry refuses (with a reason): 01, then 02 carrying the reason.
    let res = export_of(second, second_recipient, DEMO_PIN).await;
    assert_eq!(res.status(), StatusCode::OK);
    let (status, body) = import(res.bytes().await.expect("package").to_vec(), ministry.id).await;
    assert_eq!(status, StatusCode::CREATED, "{body}");
    let refused_doc = body["id"].as_i64().expect("id");
    let (status, body) = ministry_clerk
        .post(&format!("/api/v1/documents/{refused_doc}/refuse"), json!({ "text": "Gửi nhầm cơ quan" }))
        .await;
    assert_eq!(status, StatusCode::NO_CONTENT, "{body}");
    let (_, outbox) = ministry_clerk.get(&format!("/api/v1/agencies/{}/outbox", ministry.id)).await;
    let codes: Vec<&str> =
        outbox.as_array().expect("outbox").iter().filter_map(|e| e["status_code"].as_str()).collect();
    assert_eq!(codes, ["01", "03", "01", "02"], "{outbox}");
    let last = outbox.as_array().and_then(|a| a.last()).expect("the refusal");
    let (_, xml) = ministry_clerk.get_bytes(&format!("/api/v1/outbox/{}", last["id"])).await;
    match egov_edxml::read_message(&xml).expect("status") {
        egov_edxml::Message::Status(s) => assert_eq!(s.status.description, "Gửi nhầm cơ quan"),
        egov_edxml::Message::Package(_) => panic!("expected a status package"),
    }

    // From the document page, the issuing clerk sends a correction (business type 2) and then asks for the
    // document back (13); a blank reason is asked for again and sends nothing.
    let browser = app.client();
    let csrf = support::sign_in(&app, &browser, "vanthu", common::DEMO_PASSWORD).await;
    let html = support::page(&app, &browser, &format!("/documents/{id}")).await;
    assert!(html.contains("id=\"exchange-update\"") && html.contains("id=\"take-back\""), "{html}");
    let update = format!("/documents/{id}/exchange-update");
    let res =
        support::post_form(&app, &browser, &update, &csrf, &[("subject", "Báo cáo (đính chính)"), ("reason", " ")])
            .await;
    assert!(res.text().await.expect("page").contains("Vui lòng nêu nội dung cập nhật."));
    let fields = [("subject", "Báo cáo kết quả cải cách hành chính năm 2026 (đính chính)"), ("reason", "Đính chính")];
    let res = support::post_form(&app, &browser, &update, &csrf, &fields).await;
    assert_eq!(res.status(), StatusCode::SEE_OTHER);
    assert_eq!(res.headers()["location"], format!("/documents/{id}?notice=update_sent"));
    let take_back = format!("/documents/{id}/take-back");
    let res = support::post_form(&app, &browser, &take_back, &csrf, &[("reason", "Gửi nhầm")]).await;
    assert_eq!(res.headers()["location"], format!("/documents/{id}?notice=take_back_requested"));
    // A reason longer than a package carries is refused with its field.
    let (status, err) =
        clerk.post(&format!("/api/v1/documents/{id}/take-back"), json!({ "text": "x".repeat(501) })).await;
    assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY, "{err}");
    assert_eq!(err["error"]["fields"][0]["code"], "too_long");
    let province = d["document"]["agency_id"].as_i64().expect("agency");
    let (_, outbox) = clerk.get(&format!("/api/v1/agencies/{province}/outbox")).await;
    let entries: Vec<(&str, &str)> = outbox
        .as_array()
        .expect("outbox")
        .iter()
        .filter(|e| e["document_id"] == id)
        .map(|e| (e["kind"].as_str().unwrap_or(""), e["status_code"].as_str().unwrap_or("")))
        .collect();
    assert_eq!(entries, [("document", ""), ("update", ""), ("status", "13")], "{outbox}");
    let (_, after) = clerk.get(&format!("/api/v1/documents/{id}")).await;
    assert_eq!(after["document"]["subject"], "Báo cáo kết quả cải cách hành chính năm 2026 (đính chính)");

    // The province's clerk cannot read the ministry's outbox.
    assert_eq!(clerk.get(&format!("/api/v1/agencies/{}/outbox", ministry.id)).await.0, StatusCode::FORBIDDEN);
}

/// A document drafted, approved, signed by the leader and issued with the seal to the (outside) ministry;
/// returns its id and the ministry's addressee id.
async fn issue_for_ministry(specialist: &ApiUser, leader: &ApiUser, clerk: &ApiUser, subject: &str) -> (i64, i64) {
    let fields = [
        ("doc_type", "bao_cao"),
        ("subject", subject),
        ("signer", "Nguyễn Văn An"),
        ("urgency", "urgent"),
        ("recipient_external", "G01.01|Bộ Nội vụ"),
    ];
    let (status, draft) = specialist
        .post_multipart("/api/v1/drafts", &fields, &[("bao-cao.pdf", egov_files::sample_pdf("Bao cao", 2))])
        .await;
    assert_eq!(status, StatusCode::CREATED, "{draft}");
    let id = draft["id"].as_i64().expect("id");
    let submit = json!({ "approvers": [leader.user_id] });
    assert_eq!(specialist.post(&format!("/api/v1/drafts/{id}/submit"), submit).await.0, StatusCode::NO_CONTENT);
    let approve = json!({ "decision": "approve" });
    assert_eq!(leader.post(&format!("/api/v1/drafts/{id}/decision"), approve).await.0, StatusCode::NO_CONTENT);
    assert_eq!(
        leader.post(&format!("/api/v1/documents/{id}/sign"), json!({ "pin": DEMO_PIN })).await.0,
        StatusCode::OK
    );
    let (status, issued) = clerk.post(&format!("/api/v1/drafts/{id}/issue"), json!({ "seal_pin": DEMO_PIN })).await;
    assert_eq!(status, StatusCode::CREATED, "{issued}");
    assert_eq!(issued["queued"], 1);
    let (_, d) = clerk.get(&format!("/api/v1/documents/{id}")).await;
    (id, d["recipients"][0]["id"].as_i64().expect("recipient"))
}

/// A package from a ministry (made here with egov-edxml and signed with a certificate of the trusted demo
/// root) is received by the province office, registered, assigned by the leader, handled and finished: the
/// office answers 01, 03, 04, 05 and 06, each a signed status package in its outbox.
#[tokio::test]
async fn an_arriving_document_is_answered_at_every_stage_of_its_handling() {
    let app = TestApp::spawn().await;
    app.seed_demo().await;
    app.services.create_demo_pki(None).await.expect("demo PKI");
    let clerk = ApiUser::sign_in(&app, "vanthu").await;
    let leader = ApiUser::sign_in(&app, "lanhdao").await;
    let head = ApiUser::sign_in(&app, "truongphong").await;
    let system = egov_service::Caller::system("test");
    let office = app
        .services
        .agencies(&system, None, 50)
        .await
        .expect("agencies")
        .into_iter()
        .find(|a| a.code == "H41.01")
        .expect("office");

    // The ministry's package, signed by a certificate of the demo root.
    let MinistryPackage { xml: signed, package, root, signer, ministry } = ministry_package(&app, "88");
    let now = jiff::Timestamp::now().as_second();

    // The office's exchange key is replaced by an imported one (as `egov pki exchange-key` does): no PIN, and
    // its answers are signed with it from then on.
    let office_cert = egov_pki::issue_certificate(
        &root,
        &egov_pki::Subject::new("Văn phòng UBND tỉnh – hệ thống liên thông"),
        egov_pki::CertificateKind::Seal,
        now - 60,
        30,
        None,
    )
    .expect("office certificate");
    let identity = egov_pki::Identity {
        private_key_pkcs8: office_cert.key_pkcs8.clone(),
        chain: vec![office_cert.certificate_der.clone(), root.certificate_der.clone()],
    };
    let import = egov_service::signatures::keys::KeyImport {
        pkcs12: egov_pki::write_pkcs12(&identity, "p12-password", "office").expect("p12"),
        password: "p12-password".into(),
        pin: String::new(),
        image: None,
    };
    app.services
        .import_key(&system, egov_service::signatures::keys::KeyOwner::Exchange(office.id), import)
        .await
        .expect("exchange key imported");

    let res = app
        .client()
        .post(app.url(&format!("/api/v1/agencies/{}/edxml", office.id)))
        .bearer_auth(clerk.token())
        .header("content-type", "application/xml")
        .body(signed)
        .send()
        .await
        .expect("import");
    assert_eq!(res.status(), StatusCode::CREATED);
    let doc = res.json::<serde_json::Value>().await.expect("json")["id"].as_i64().expect("id");

    // Register, present, assign, progress, finish.
    assert_eq!(clerk.post(&format!("/api/v1/documents/{doc}/register"), json!({})).await.0, StatusCode::CREATED);
    assert_eq!(
        clerk.post(&format!("/api/v1/documents/{doc}/present"), json!({ "leaders": [leader.user_id] })).await.0,
        StatusCode::NO_CONTENT
    );
    let (status, body) = leader
        .post(
            &format!("/api/v1/documents/{doc}/assign"),
            json!({ "directive": "Phòng Tổng hợp xử lý", "lead": { "user": head.user_id } }),
        )
        .await;
    assert_eq!(status, StatusCode::CREATED, "{body}");
    let (_, d) = head.get(&format!("/api/v1/documents/{doc}")).await;
    let mine =
        d["my_assignments"].as_array().and_then(|a| a.last()).and_then(serde_json::Value::as_i64).expect("assignment");
    assert_eq!(
        head.post(&format!("/api/v1/assignments/{mine}/progress"), json!({ "percent": 50 })).await.0,
        StatusCode::NO_CONTENT
    );
    let (status, body) =
        head.post(&format!("/api/v1/assignments/{mine}/finish"), json!({ "result": "Đã trả lời Bộ" })).await;
    assert_eq!(status, StatusCode::NO_CONTENT, "{body}");

    let (_, outbox) = clerk.get(&format!("/api/v1/agencies/{}/outbox", office.id)).await;
    let codes: Vec<&str> =
        outbox.as_array().expect("outbox").iter().filter_map(|e| e["status_code"].as_str()).collect();
    assert_eq!(codes, ["01", "03", "04", "05", "06"], "{outbox}");
    assert!(outbox.as_array().expect("outbox").iter().all(|e| e["to_code"] == "G01.01"));
    let first = &outbox.as_array().expect("outbox")[0];
    let (_, xml) = clerk.get_bytes(&format!("/api/v1/outbox/{}", first["id"])).await;
    let verified = egov_xmldsig::verify(std::str::from_utf8(&xml).expect("utf-8")).expect("the 01 answer verifies");
    assert_eq!(verified.certificate, office_cert.certificate_der, "signed with the imported exchange key");

    // The ministry asks for it back (13): it is registered and handled here, so the answer is 16 and it stays.
    let office_org = egov_edxml::Organization::new("H41.01".parse().expect("code"), "Văn phòng UBND tỉnh");
    let take_back = |package: &egov_edxml::Package| {
        let status = egov_edxml::StatusPackage {
            response_for: egov_edxml::ResponseFor {
                organ_id: ministry.clone(),
                code: format!("{}/{}", package.header.code.number, package.header.code.notation),
                promulgation_date: Some(package.header.promulgation.date),
                document_id: package.header.document_id.clone(),
            },
            from: egov_edxml::Organization::new(ministry.clone(), "Bộ Nội vụ"),
            to: vec![office_org.clone()],
            status_code: egov_edxml::StatusCode::TakeBackRequested,
            description: "Gửi nhầm văn bản".into(),
            timestamp: package.trace.traces[0].timestamp,
            staff: egov_edxml::StaffInfo::default(),
        };
        let xml = String::from_utf8(egov_edxml::write_status(&status).expect("valid").bytes).expect("utf-8");
        egov_xmldsig::sign(&xml, "http://www.mic.gov.vn/TBT/QCVN_102_2016", "DigitalSignature", &signer)
            .expect("signed")
            .into_bytes()
    };
    let applied = app.services.apply_status(&system, office.id, &take_back(&package)).await.expect("applied");
    assert_eq!(applied.document_id, doc);
    let (_, d) = clerk.get(&format!("/api/v1/documents/{doc}")).await;
    assert_eq!(d["document"]["status"], "done", "still on record and handled: {d}");
    // A second package, still waiting in the "to register" queue, is given back (15) and withdrawn.
    let mut second = package.clone();
    second.header.code = egov_edxml::Code { number: "89".into(), notation: "BNV-VP".into() };
    second.header.document_id =
        egov_edxml::DocumentId::new(ministry.clone(), second.header.promulgation.date, "89", "BNV-VP").expect("id");
    let xml = String::from_utf8(egov_edxml::write_package(&second).expect("valid").bytes).expect("utf-8");
    let signed = egov_xmldsig::sign(&xml, "http://www.mic.gov.vn/TBT/QCVN_102_2016", "DigitalSignature", &signer)
        .expect("signed");
    let waiting = app.services.receive_package(&system, office.id, signed.as_bytes()).await.expect("received");
    app.services.apply_status(&system, office.id, &take_back(&second)).await.expect("applied");
    let (_, d) = clerk.get(&format!("/api/v1/documents/{waiting}")).await;
    assert_eq!(d["document"]["status"], "revoked", "withdrawn: {d}");
    let (_, queue) = clerk.get("/api/v1/documents/to-register").await;
    assert!(!queue.as_array().expect("queue").iter().any(|q| q["id"] == waiting), "it left the queue: {queue}");
    let (_, outbox) = clerk.get(&format!("/api/v1/agencies/{}/outbox", office.id)).await;
    let codes: Vec<&str> =
        outbox.as_array().expect("outbox").iter().filter_map(|e| e["status_code"].as_str()).collect();
    assert_eq!(codes, ["01", "03", "04", "05", "06", "16", "01", "15"], "{outbox}");
    // A take-back for a document never received here is refused with its reason.
    let mut unknown = second.clone();
    unknown.header.document_id =
        egov_edxml::DocumentId::new(ministry.clone(), second.header.promulgation.date, "90", "BNV-VP").expect("id");
    let err = app.services.apply_status(&system, office.id, &take_back(&unknown)).await.expect_err("refused");
    assert!(err.to_string().contains("unknown_document") || format!("{err:?}").contains("unknown_document"), "{err:?}");
}

/// A signed package of the Ministry of Home Affairs, with what made it.
struct MinistryPackage {
    xml: String,
    package: egov_edxml::Package,
    root: egov_pki::Issued,
    signer: egov_pki::KeySigner,
    ministry: egov_edxml::AgencyCode,
}

/// A document package from the Ministry of Home Affairs (G01.01) to the demo office (H41.01) with
/// number `number`, a one-page PDF, signed by a certificate of the demo root.
fn ministry_package(app: &TestApp, number: &str) -> MinistryPackage {
    let seed = std::fs::read(
        std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("../edxml/fuzz/corpus/read_package/canonical.xml"),
    )
    .expect("seed");
    let mut package = egov_edxml::read_package(&seed).expect("seed package").package;
    let ministry: egov_edxml::AgencyCode = "G01.01".parse().expect("code");
    package.header.from = egov_edxml::Organization::new(ministry.clone(), "Bộ Nội vụ");
    package.header.to = vec![egov_edxml::Organization::new("H41.01".parse().expect("code"), "Văn phòng UBND tỉnh")];
    package.header.document_id =
        egov_edxml::DocumentId::new(ministry.clone(), package.header.promulgation.date, number, "BNV-VP").expect("id");
    package.header.code = egov_edxml::Code { number: number.into(), notation: "BNV-VP".into() };
    package.header.response_for.clear();
    package.trace.traces =
        vec![egov_edxml::TraceHeader { organ_id: ministry.clone(), timestamp: package.trace.traces[0].timestamp }];
    package.attachments = vec![egov_edxml::Attachment {
        content_id: "1".into(),
        name: format!("cong-van-{number}.pdf"),
        description: String::new(),
        content_type: "application/pdf".into(),
        data: egov_files::sample_pdf(&format!("Cong van {number}"), 1),
    }];
    let xml = String::from_utf8(egov_edxml::write_package(&package).expect("valid").bytes).expect("utf-8");
    let root = egov_pki::read_pkcs12(
        &std::fs::read(app.services.settings.pki_dir.join("demo-root.p12")).expect("root"),
        "egov-demo-root",
    )
    .expect("root");
    let root = egov_pki::Issued { certificate_der: root.certificate().to_vec(), key_pkcs8: root.private_key_pkcs8 };
    let now = jiff::Timestamp::now().as_second();
    let cert = egov_pki::issue_certificate(
        &root,
        &egov_pki::Subject::new("Bộ Nội vụ - hệ thống liên thông"),
        egov_pki::CertificateKind::Seal,
        now - 60,
        30,
        None,
    )
    .expect("cert");
    let signer =
        egov_pki::KeySigner::from_pkcs8(&cert.key_pkcs8, vec![cert.certificate_der, root.certificate_der.clone()])
            .expect("signer");
    let xml = egov_xmldsig::sign(&xml, "http://www.mic.gov.vn/TBT/QCVN_102_2016", "DigitalSignature", &signer)
        .expect("signed");
    MinistryPackage { xml, package, root, signer, ministry }
}

#[tokio::test]
async fn a_package_pushed_by_the_hub_is_taken_like_a_pulled_one_and_bad_pushes_are_refused() {
    let app = TestApp::spawn().await;
    app.seed_demo().await;
    app.services.create_demo_pki(None).await.expect("demo PKI");
    let clerk = ApiUser::sign_in(&app, "vanthu").await;
    let system = egov_service::Caller::system("test");
    let agencies = app.services.agencies(&system, None, 50).await.expect("agencies");
    let office = agencies.iter().find(|a| a.code == "H41.01").expect("office").id;
    let package = ministry_package(&app, "91").xml;
    let http = reqwest::Client::new();
    let push = |code: &str, body: Vec<u8>| {
        http.post(app.url(&format!("/api/v1/exchange/push/{code}")))
            .header("content-type", "application/xml")
            .header("x-egov-package-kind", "document")
            .body(body)
            .send()
    };

    // No login is needed: the package is trusted by its signature and lands in the clerks' queue, answered 01.
    let answer = push("H41.01", package.clone().into_bytes()).await.expect("push");
    assert_eq!(answer.status(), StatusCode::OK);
    assert_eq!(answer.json::<Value>().await.expect("json"), json!({ "taken": true, "refused": null }));
    let (_, queue) = clerk.get("/api/v1/documents/to-register").await;
    let arrived: Vec<&Value> =
        queue.as_array().expect("queue").iter().filter(|d| d["number_notation"] == "91/BNV-VP").collect();
    assert_eq!(arrived.len(), 1, "{queue}");
    let (_, outbox) = clerk.get(&format!("/api/v1/agencies/{office}/outbox")).await;
    assert_eq!(outbox[0]["status_code"], "01", "{outbox}");

    // A second push of it is taken as a duplicate and stored once.
    let answer = push("H41.01", package.clone().into_bytes()).await.expect("push");
    assert_eq!(answer.json::<Value>().await.expect("json")["refused"], "duplicate_package");
    let (_, queue) = clerk.get("/api/v1/documents/to-register").await;
    assert_eq!(queue.as_array().expect("queue").iter().filter(|d| d["number_notation"] == "91/BNV-VP").count(), 1);

    // Whatever is not taken gets one answer, 422 `refused` (the hub stops retrying it), so that the push URL
    // does not tell which codes hold exchange keys: a changed package, one for another agency here, garbage,
    // an unsigned package, and a code no agency here has (or one without an exchange key).
    let forged = package.replace("Cong van 91", "Cong van 92").replace("BNV-VP", "BNV-TC");
    let unsigned = {
        let MinistryPackage { package, .. } = ministry_package(&app, "94");
        egov_edxml::write_package(&package).expect("valid").bytes
    };
    let mut answers = Vec::new();
    for (code, body) in [
        ("H41.01", forged.into_bytes()),
        ("H41.12", ministry_package(&app, "93").xml.into_bytes()),
        ("H41.01", b"<not-edxml/>".to_vec()),
        ("H41.01", unsigned),
        ("G99.99", package.clone().into_bytes()),
        ("G99.99", b"<not-edxml/>".to_vec()),
        ("H41", package.clone().into_bytes()),
    ] {
        let answer = push(code, body).await.expect("push");
        answers.push((answer.status(), answer.json::<Value>().await.expect("json")));
    }
    for (status, body) in &answers {
        assert_eq!(*status, StatusCode::UNPROCESSABLE_ENTITY, "{body}");
        assert_eq!(body["error"]["fields"][0]["code"], "refused", "{body}");
        assert_eq!(body, &answers[0].1, "one answer for every refusal and every code");
    }
    let (_, queue) = clerk.get("/api/v1/documents/to-register").await;
    assert_eq!(queue.as_array().expect("queue").len(), 1, "nothing else was stored: {queue}");
}

/// Issue 12 item 7: the legacy form of a code (`000.00.01.H41` for `H41.01`) names the same agency in
/// every lookup — the push address, the addressee of a package — and the database refuses a second
/// agency under the other form of a code, whichever request gets there first.
#[tokio::test]
async fn the_legacy_form_of_a_code_names_the_same_agency_everywhere() {
    let app = TestApp::spawn().await;
    app.seed_demo().await;
    app.services.create_demo_pki(None).await.expect("demo PKI");
    let clerk = ApiUser::sign_in(&app, "vanthu").await;
    let legacy_to = |xml: String| xml.replace(">H41.01<", ">000.00.01.H41<");
    let http = reqwest::Client::new();
    for (address, number) in [("000.00.01.H41", "96"), ("H41.01", "97")] {
        let m = ministry_package_edited(&app, number, legacy_to);
        assert!(m.xml.contains(">000.00.01.H41<"), "addressed in the legacy form");
        let answer = http
            .post(app.url(&format!("/api/v1/exchange/push/{address}")))
            .header("content-type", "application/xml")
            .body(m.xml)
            .send()
            .await
            .expect("push");
        assert_eq!(answer.status(), StatusCode::OK, "{address}: {}", answer.text().await.unwrap_or_default());
    }
    let (_, queue) = clerk.get("/api/v1/documents/to-register").await;
    for n in ["96/BNV-VP", "97/BNV-VP"] {
        assert!(queue.to_string().contains(n), "{n} arrived: {queue}");
    }

    let mut tx = app.store.begin().await.expect("tx");
    let office = egov_storage::org::get_agency_by_code(&mut tx, "000.00.01.H41").await.expect("lookup");
    assert_eq!(office.as_ref().map(|a| a.code.as_str()), Some("H41.01"), "found from the legacy spelling");
    let province = egov_storage::org::get_agency_by_code(&mut tx, "h41").await.expect("lookup").expect("province");
    // Straight to the database, past the service's own check: the unique key still refuses it.
    let twin = egov_storage::org::NewAgency {
        code: "000.00.01.H41",
        name: "Văn phòng (mã cũ)",
        short_name: None,
        level: "province",
        parent: Some(&province),
    };
    let err = egov_storage::org::insert_agency(&mut tx, &twin, 1).await.expect_err("a twin under the other form");
    assert!(matches!(err, egov_storage::StorageError::Duplicate { field: "code" }), "{err:?}");
}

/// The ministry's package with `edit` applied to its XML before it is signed.
fn ministry_package_edited(app: &TestApp, number: &str, edit: impl Fn(String) -> String) -> MinistryPackage {
    let mut m = ministry_package(app, number);
    let xml = String::from_utf8(egov_edxml::write_package(&m.package).expect("valid").bytes).expect("utf-8");
    m.xml = egov_xmldsig::sign(&edit(xml), "http://www.mic.gov.vn/TBT/QCVN_102_2016", "DigitalSignature", &m.signer)
        .expect("signed");
    m
}

#[tokio::test]
async fn a_decomposed_subject_arrives_and_is_stored_composed() {
    let app = TestApp::spawn().await;
    app.seed_demo().await;
    app.services.create_demo_pki(None).await.expect("demo PKI");
    let clerk = ApiUser::sign_in(&app, "vanthu").await;
    // "Quyết định về việc thử nghiệm" as some systems send it: decomposed (NFD).
    let nfd =
        "Quye\u{302}\u{301}t đi\u{323}nh ve\u{302}\u{300} vie\u{323}\u{302}c thu\u{31b}\u{309} nghie\u{323}\u{302}m";
    let m = ministry_package_edited(&app, "95", |xml| {
        let start = xml.find("<edXML:Subject>").expect("subject") + "<edXML:Subject>".len();
        let end = xml.find("</edXML:Subject>").expect("subject end");
        format!("{}{nfd}{}", &xml[..start], &xml[end..])
    });
    assert!(m.xml.contains(nfd), "the package carries NFD");
    let http = reqwest::Client::new();
    let answer = http
        .post(app.url("/api/v1/exchange/push/H41.01"))
        .header("content-type", "application/xml")
        .body(m.xml.clone())
        .send()
        .await
        .expect("push");
    assert_eq!(answer.status(), StatusCode::OK, "{}", answer.text().await.unwrap_or_default());
    let (_, queue) = clerk.get("/api/v1/documents/to-register").await;
    let arrived =
        queue.as_array().expect("queue").iter().find(|d| d["number_notation"] == "95/BNV-VP").expect("arrived");
    assert_eq!(arrived["subject"], "Quyết định về việc thử nghiệm", "stored in NFC: {arrived}");
    // And search by the composed words finds it.
    let (_, found) = clerk.get("/api/v1/search?q=th%E1%BB%AD%20nghi%E1%BB%87m").await;
    assert!(found.to_string().contains("95/BNV-VP"), "{found}");
}

#[tokio::test]
async fn packages_over_the_size_limit_are_refused_before_they_are_read() {
    let app = TestApp::spawn_with(|s| s.hub_max_package_bytes = 200_000).await;
    app.seed_demo().await;
    app.services.create_demo_pki(None).await.expect("demo PKI");
    let clerk = ApiUser::sign_in(&app, "vanthu").await;
    let system = egov_service::Caller::system("test");
    let office = app.services.agencies(&system, None, 50).await.expect("agencies");
    let office = office.iter().find(|a| a.code == "H41.01").expect("office").id;
    let mut big = ministry_package(&app, "96");
    big.package.attachments[0].data = (0u32..300_000).map(|i| (i.wrapping_mul(7919) % 251) as u8).collect();
    let xml = String::from_utf8(egov_edxml::write_package(&big.package).expect("valid").bytes).expect("utf-8");
    let xml = egov_xmldsig::sign(&xml, "http://www.mic.gov.vn/TBT/QCVN_102_2016", "DigitalSignature", &big.signer)
        .expect("signed");
    assert!(xml.len() > 200_000, "{}", xml.len());
    let http = reqwest::Client::new();
    let too_large = |res: reqwest::Response| async move {
        let status = res.status();
        let body = res.json::<Value>().await.expect("json");
        assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY, "{body}");
        assert_eq!(body["error"]["fields"][0]["code"], "too_large", "{body}");
        assert!(body.to_string().contains("200000"), "names the limit: {body}");
    };
    // Upload/import: with its length declared, and streamed without one (chunked).
    let url = app.url(&format!("/api/v1/agencies/{office}/edxml"));
    let res = http.post(&url).bearer_auth(clerk.token()).body(xml.clone()).send().await.expect("import");
    too_large(res).await;
    let (status, body) =
        post_chunked(&app, &format!("/api/v1/agencies/{office}/edxml"), clerk.token(), xml.as_bytes()).await;
    assert_eq!(status, 422, "{body}");
    assert!(body.contains("too_large"), "{body}");
    // Push: the same size answer for a code served here and one that is not.
    for code in ["H41.01", "G99.99"] {
        let res =
            http.post(app.url(&format!("/api/v1/exchange/push/{code}"))).body(xml.clone()).send().await.expect("push");
        too_large(res).await;
    }
    // The services refuse by size too (what the exchange worker pulls goes through them).
    let err = app.services.receive_package(&system, office, xml.as_bytes()).await.expect_err("too large");
    assert!(format!("{err:?}").contains("too_large"), "{err:?}");
    let err = app.services.apply_status(&system, office, xml.as_bytes()).await.expect_err("too large");
    assert!(format!("{err:?}").contains("too_large"), "{err:?}");
    let (_, queue) = clerk.get("/api/v1/documents/to-register").await;
    assert_eq!(queue, json!([]), "nothing stored");
    // One under the limit is taken.
    let small = ministry_package(&app, "97").xml;
    let res = http.post(&url).bearer_auth(clerk.token()).body(small).send().await.expect("import");
    assert_eq!(res.status(), StatusCode::CREATED);
}

/// POSTs `body` with chunked transfer encoding (no declared length) over a plain connection;
/// returns the status and the answer's text.
async fn post_chunked(app: &TestApp, path: &str, token: &str, body: &[u8]) -> (u16, String) {
    use tokio::io::{AsyncReadExt as _, AsyncWriteExt as _};
    let addr = app.url("").trim_start_matches("http://").trim_end_matches('/').to_string();
    let mut conn = tokio::net::TcpStream::connect(&addr).await.expect("connect");
    let head = format!(
        "POST {path} HTTP/1.1\r\nHost: {addr}\r\nAuthorization: Bearer {token}\r\nContent-Type: application/xml\r\nTransfer-Encoding: chunked\r\nConnection: close\r\n\r\n"
    );
    conn.write_all(head.as_bytes()).await.expect("head");
    for chunk in body.chunks(16 * 1024) {
        // The server may answer and close before everything is sent.
        if conn.write_all(format!("{:x}\r\n", chunk.len()).as_bytes()).await.is_err()
            || conn.write_all(chunk).await.is_err()
            || conn.write_all(b"\r\n").await.is_err()
        {
            break;
        }
    }
    let _ = conn.write_all(b"0\r\n\r\n").await;
    let mut answer = Vec::new();
    let _ = conn.read_to_end(&mut answer).await;
    let answer = String::from_utf8_lossy(&answer).into_owned();
    let status = answer.split(' ').nth(1).and_then(|s| s.parse().ok()).unwrap_or(0);
    (status, answer)
}

/// `xml`, a status package in egov's SOAP layout, rewritten in the layout many systems send: the
/// `edXML:Status` inside `edXML:edXML/edXML:edXMLEnvelope/edXML:edXMLHeader`, the body empty.
fn in_edxml_header(xml: &str) -> String {
    let start = xml.find("<SOAP-ENV:Header>").expect("header") + "<SOAP-ENV:Header>".len();
    let end = xml.find("</SOAP-ENV:Header>").expect("header end");
    format!(
        "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n<edXML:edXML xmlns:edXML=\"http://www.mic.gov.vn/TBT/QCVN_102_2016\"><edXML:edXMLEnvelope><edXML:edXMLHeader>{}</edXML:edXMLHeader><edXML:edXMLBody/></edXML:edXMLEnvelope></edXML:edXML>\n",
        &xml[start..end]
    )
}

#[tokio::test]
async fn a_status_in_the_layout_many_systems_send_is_applied() {
    let app = TestApp::spawn().await;
    app.seed_demo().await;
    app.services.create_demo_pki(None).await.expect("demo PKI");
    let clerk = ApiUser::sign_in(&app, "vanthu").await;
    let system = egov_service::Caller::system("test");
    let office = app.services.agencies(&system, None, 50).await.expect("agencies");
    let office = office.iter().find(|a| a.code == "H41.01").expect("office").id;
    let MinistryPackage { xml, package, signer, ministry, .. } = ministry_package(&app, "98");
    let waiting = app.services.receive_package(&system, office, xml.as_bytes()).await.expect("received");
    // The ministry asks for it back (13), its Code one string such as 98/BNV-VP.
    let status = |code: &str| {
        let status = egov_edxml::StatusPackage {
            response_for: egov_edxml::ResponseFor {
                organ_id: ministry.clone(),
                code: "98/BNV-VP".into(),
                promulgation_date: Some(package.header.promulgation.date),
                document_id: package.header.document_id.clone(),
            },
            from: egov_edxml::Organization::new(ministry.clone(), "Bộ Nội vụ"),
            to: vec![egov_edxml::Organization::new("H41.01".parse().expect("code"), "Văn phòng UBND tỉnh")],
            status_code: egov_edxml::StatusCode::TakeBackRequested,
            description: "Gửi nhầm văn bản".into(),
            timestamp: package.trace.traces[0].timestamp,
            staff: egov_edxml::StaffInfo::default(),
        };
        let soap = String::from_utf8(egov_edxml::write_status(&status).expect("valid").bytes).expect("utf-8");
        let xml = in_edxml_header(&soap).replace(
            "<edXML:StatusCode>13</edXML:StatusCode>",
            &format!("<edXML:StatusCode>{code}</edXML:StatusCode>"),
        );
        egov_xmldsig::sign(&xml, "http://www.mic.gov.vn/TBT/QCVN_102_2016", "DigitalSignature", &signer)
            .expect("signed")
            .into_bytes()
    };
    // An unknown code is refused for the code.
    let err = app.services.apply_status(&system, office, &status("07")).await.expect_err("07");
    let shown = format!("{err:?}");
    assert!(shown.contains("Status/StatusCode") && !shown.contains("MessageHeader"), "{shown}");
    // 13 in that layout is applied: the waiting document is given back and withdrawn.
    app.services.apply_status(&system, office, &status("13")).await.expect("applied");
    let (_, d) = clerk.get(&format!("/api/v1/documents/{waiting}")).await;
    assert_eq!(d["document"]["status"], "revoked", "withdrawn: {d}");
}
