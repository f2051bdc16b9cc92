//! Organisation and user administration through the API and pages: permission scoping,
//! validation of bad input, moving people between units, deactivation, and audit-chain tamper
//! detection. Runs on the engine the harness picks.
#![allow(clippy::unwrap_used)] // test helpers: a failed unwrap is a failed test

mod common;
mod support;

use common::{TestApp, DEMO_PASSWORD};
use egov_service::audit::Verdict;
use reqwest::StatusCode;
use serde_json::{json, Value};
use support::*;

async fn api_session(app: &TestApp, username: &str) -> (reqwest::Client, String) {
    let client = app.client();
    let csrf = sign_in(app, &client, username, DEMO_PASSWORD).await;
    (client, csrf)
}

async fn agency_id(app: &TestApp, code: &str) -> i64 {
    let mut c = app.store.read().await.unwrap();
    egov_storage::org::get_agency_by_code(&mut c, code).await.unwrap().expect(code).id
}

#[tokio::test]
async fn an_agency_administrator_sees_and_changes_only_their_subtree() {
    let app = TestApp::spawn().await;
    app.seed_demo().await;
    let (client, csrf) = api_session(&app, "quantri.xa").await;
    let commune = agency_id(&app, "H41.501").await;
    let office = agency_id(&app, "H41.01").await;
    let province = agency_id(&app, "H41").await;

    let list: Value = client.get(app.url("/api/v1/agencies")).send().await.unwrap().json().await.unwrap();
    let codes: Vec<&str> = list["items"].as_array().unwrap().iter().map(|a| a["code"].as_str().unwrap()).collect();
    assert_eq!(codes, vec!["H41.501"]);
    for id in [office, province] {
        let res = client.get(app.url(&format!("/api/v1/agencies/{id}"))).send().await.unwrap();
        assert_eq!(res.status(), StatusCode::NOT_FOUND, "agency {id} is invisible");
        let res = client
            .patch(app.url(&format!("/api/v1/agencies/{id}")))
            .header("x-csrf-token", &csrf)
            .json(&json!({ "name": "Đổi tên trái phép", "active": true }))
            .send()
            .await
            .unwrap();
        assert_eq!(res.status(), StatusCode::NOT_FOUND);
    }
    // Users: only the commune's.
    let users: Value = client.get(app.url("/api/v1/users")).send().await.unwrap().json().await.unwrap();
    let names: Vec<&str> = users["items"].as_array().unwrap().iter().map(|u| u["username"].as_str().unwrap()).collect();
    assert_eq!(names, vec!["quantri.xa"]);
    let clerk = app.services.user_id_by_username(&egov_service::Caller::system("t"), "vanthu").await.unwrap();
    let res = client.get(app.url(&format!("/api/v1/users/{clerk}"))).send().await.unwrap();
    assert_eq!(res.status(), StatusCode::NOT_FOUND);
    let res = client
        .post(app.url(&format!("/api/v1/users/{clerk}/deactivate")))
        .header("x-csrf-token", &csrf)
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), StatusCode::NOT_FOUND);
    // Creating a user in someone else's agency is refused with a field error; in their own it works.
    let new_user = |agency: i64, username: &str| {
        json!({
            "username": username, "full_name": "Nguyễn Thị Mới", "agency_id": agency,
            "position": "specialist", "unit_id": null, "roles": ["specialist"], "password": "một mật khẩu tốt 2026"
        })
    };
    let res = client
        .post(app.url("/api/v1/users"))
        .header("x-csrf-token", &csrf)
        .json(&new_user(office, "nguoi.moi"))
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), StatusCode::UNPROCESSABLE_ENTITY);
    let body: Value = res.json().await.unwrap();
    let fields: Vec<&str> =
        body["error"]["fields"].as_array().unwrap().iter().map(|f| f["field"].as_str().unwrap()).collect();
    assert!(fields.contains(&"agency_id"), "{body}");
    // Granting system administrator is refused even inside the subtree.
    let (_, units) = app.services.agency(&egov_service::Caller::system("t"), commune).await.unwrap();
    let mut ok = new_user(commune, "nguoi.moi");
    ok["unit_id"] = json!(units[0].id);
    let res = client.post(app.url("/api/v1/users")).header("x-csrf-token", &csrf).json(&ok).send().await.unwrap();
    assert_eq!(res.status(), StatusCode::CREATED);
    let id = res.json::<Value>().await.unwrap()["id"].as_i64().unwrap();
    let res = client
        .post(app.url(&format!("/api/v1/users/{id}/roles")))
        .header("x-csrf-token", &csrf)
        .json(&json!({ "role": "system_admin", "agency_id": commune }))
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), StatusCode::FORBIDDEN);
    // The admin pages follow the same rules.
    let html = page(&app, &client, "/admin/agencies").await;
    assert!(html.contains("Hưng Nguyên") && !html.contains("Sở Tài chính"));
    assert_eq!(
        client.get(app.url(&format!("/admin/agencies/{office}"))).send().await.unwrap().status(),
        StatusCode::NOT_FOUND
    );
}

#[tokio::test]
async fn bad_input_gets_field_errors_and_writes_nothing() {
    let app = TestApp::spawn().await;
    app.seed_demo().await;
    let (client, csrf) = api_session(&app, "admin").await;
    let province = agency_id(&app, "H41").await;
    let before: i64 = {
        let mut c = app.store.read().await.unwrap();
        sqlx::query_scalar("SELECT COUNT(*) FROM agencies").fetch_one(&mut *c).await.unwrap()
    };
    let post = |body: Value| {
        client
            .post(app.url("/api/v1/agencies"))
            .header("x-csrf-token", &csrf)
            .header("accept-language", "en")
            .json(&body)
            .send()
    };
    let cases = [
        (
            json!({ "code": "h41..12", "name": "X", "level": "province", "parent_id": province }),
            "code",
            StatusCode::UNPROCESSABLE_ENTITY,
        ),
        (
            json!({ "code": "H41.12$", "name": "X", "level": "province", "parent_id": province }),
            "code",
            StatusCode::UNPROCESSABLE_ENTITY,
        ),
        (
            json!({ "code": "H41.12345678901234567890123456789012", "name": "X", "level": "province", "parent_id": province }),
            "code",
            StatusCode::UNPROCESSABLE_ENTITY,
        ),
        (
            json!({ "code": "H41.12", "name": "Trùng mã", "level": "province", "parent_id": province }),
            "code",
            StatusCode::UNPROCESSABLE_ENTITY,
        ),
        (
            json!({ "code": "H41.88", "name": "x".repeat(300), "level": "province", "parent_id": province }),
            "name",
            StatusCode::UNPROCESSABLE_ENTITY,
        ),
        (
            json!({ "code": "H41.88", "name": "Tỉnh trong xã", "level": "central", "parent_id": province }),
            "level",
            StatusCode::UNPROCESSABLE_ENTITY,
        ),
        (
            json!({ "code": "H41.88", "name": "Không cấp", "level": "planet", "parent_id": province }),
            "level",
            StatusCode::UNPROCESSABLE_ENTITY,
        ),
        (
            json!({ "code": "H41.88", "name": "Mồ côi", "level": "province", "parent_id": 99999 }),
            "parent_id",
            StatusCode::UNPROCESSABLE_ENTITY,
        ),
    ];
    for (body, field, status) in cases {
        let res = post(body.clone()).await.unwrap();
        assert_eq!(res.status(), status, "{body}");
        let err: Value = res.json().await.unwrap();
        let fields: Vec<&str> =
            err["error"]["fields"].as_array().unwrap().iter().map(|f| f["field"].as_str().unwrap()).collect();
        assert!(fields.contains(&field), "{body} → {err}");
        assert!(!err["error"]["fields"][0]["message"].as_str().unwrap().is_empty());
    }
    // Malformed JSON and broken UTF-8 get the envelope, not a 500.
    for raw in [&b"{\"code\": "[..], &b"{\"code\": \"H41.\xff\"}"[..]] {
        let res = client
            .post(app.url("/api/v1/agencies"))
            .header("x-csrf-token", &csrf)
            .header("content-type", "application/json")
            .body(raw.to_vec())
            .send()
            .await
            .unwrap();
        assert!(res.status().is_client_error(), "{}", res.status());
        let err: Value = res.json().await.unwrap();
        assert_eq!(err["error"]["code"], "invalid_input");
    }
    // The legacy code form is accepted.
    let res =
        post(json!({ "code": "000.00.88.H41", "name": "Cơ quan mã cũ", "level": "province", "parent_id": province }))
            .await
            .unwrap();
    assert_eq!(res.status(), StatusCode::CREATED);
    let after: i64 = {
        let mut c = app.store.read().await.unwrap();
        sqlx::query_scalar("SELECT COUNT(*) FROM agencies").fetch_one(&mut *c).await.unwrap()
    };
    assert_eq!(after, before + 1, "only the valid agency was written");
    // Duplicate username, weak password, bad email: all reported at once, nothing written.
    let res = client
        .post(app.url("/api/v1/users"))
        .header("x-csrf-token", &csrf)
        .json(&json!({ "username": "vanthu", "full_name": "", "email": "not-an-email", "agency_id": province, "password": "123" }))
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), StatusCode::UNPROCESSABLE_ENTITY);
    let err: Value = res.json().await.unwrap();
    let fields: Vec<&str> =
        err["error"]["fields"].as_array().unwrap().iter().map(|f| f["field"].as_str().unwrap()).collect();
    for f in ["full_name", "email", "password"] {
        assert!(fields.contains(&f), "{f} in {err}");
    }
    let res = client
        .post(app.url("/api/v1/users"))
        .header("x-csrf-token", &csrf)
        .json(&json!({ "username": "vanthu", "full_name": "Người Trùng", "agency_id": province, "password": "một mật khẩu tốt 2026" }))
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), StatusCode::CONFLICT);
    let err: Value = res.json().await.unwrap();
    assert_eq!(err["error"]["fields"][0]["field"], "username");
    // Unknown API paths and bad cursors answer in the envelope too.
    let res = client.get(app.url("/api/v1/nothing-here")).send().await.unwrap();
    assert_eq!(res.status(), StatusCode::NOT_FOUND);
    assert_eq!(res.json::<Value>().await.unwrap()["error"]["code"], "not_found");
    let res = client.get(app.url("/api/v1/users?cursor=%%%")).send().await.unwrap();
    assert_eq!(res.status(), StatusCode::UNPROCESSABLE_ENTITY);
}

#[tokio::test]
async fn people_move_between_units_and_deactivation_ends_their_sessions() {
    let app = TestApp::spawn().await;
    app.seed_demo().await;
    let (admin, csrf) = api_session(&app, "quantri.vp").await;
    let victim = app.client();
    sign_in(&app, &victim, "chuyenvien", DEMO_PASSWORD).await;
    let id = app.services.user_id_by_username(&egov_service::Caller::system("t"), "chuyenvien").await.unwrap();
    let detail: Value = admin.get(app.url(&format!("/api/v1/users/{id}"))).send().await.unwrap().json().await.unwrap();
    let positions = detail["positions"].as_array().unwrap();
    assert_eq!(positions.len(), 2, "the specialist holds positions in two units");
    let office = agency_id(&app, "H41.01").await;
    let (_, units) = app.services.agency(&egov_service::Caller::system("t"), office).await.unwrap();
    let hanh_chinh = units.iter().find(|u| u.name.starts_with("Phòng Hành chính")).unwrap().id;
    let pos = positions[0]["id"].as_i64().unwrap();
    let res = admin
        .post(app.url(&format!("/api/v1/positions/{pos}/move")))
        .header("x-csrf-token", &csrf)
        .json(&json!({ "unit_id": hanh_chinh }))
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), StatusCode::NO_CONTENT);
    let detail: Value = admin.get(app.url(&format!("/api/v1/users/{id}"))).send().await.unwrap().json().await.unwrap();
    assert_eq!(detail["positions"][0]["unit_id"], hanh_chinh);
    // Deactivate through the page: the person's session ends at once.
    let res = post_form(&app, &admin, &format!("/admin/users/{id}/active"), &csrf, &[("active", "false")]).await;
    assert_eq!(res.status(), StatusCode::SEE_OTHER);
    assert_eq!(victim.get(app.url("/")).send().await.unwrap().headers()["location"], "/signin");
    let res = try_sign_in(&app, &app.client(), "chuyenvien", DEMO_PASSWORD).await;
    assert_eq!(res.status(), StatusCode::UNAUTHORIZED, "a deactivated account cannot sign in");
    // Nobody deactivates themselves.
    let me: Value = admin.get(app.url("/api/v1/me")).send().await.unwrap().json().await.unwrap();
    let res = admin
        .post(app.url(&format!("/api/v1/users/{}/deactivate", me["id"])))
        .header("x-csrf-token", &csrf)
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), StatusCode::UNPROCESSABLE_ENTITY);
}

#[tokio::test]
async fn every_change_is_audited_and_tampering_is_detected() {
    let app = TestApp::spawn().await;
    app.seed_demo().await;
    let (client, csrf) = api_session(&app, "admin").await;
    let province = agency_id(&app, "H41").await;
    let res = client
        .post(app.url(&format!("/api/v1/agencies/{province}/units")))
        .header("x-csrf-token", &csrf)
        .json(&json!({ "name": "Phòng Kiểm tra" }))
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), StatusCode::CREATED);
    let unit_id = res.json::<Value>().await.unwrap()["id"].as_i64().unwrap();
    let audit: Value = client.get(app.url("/api/v1/audit?limit=5")).send().await.unwrap().json().await.unwrap();
    let newest = &audit["items"][0];
    assert_eq!(newest["action"], "unit.create");
    assert_eq!(newest["actor"], "admin");
    assert_eq!(newest["object_id"], unit_id.to_string());
    assert_eq!(newest["ip"], "127.0.0.1");
    // Non-administrators cannot read the trail.
    let (other, _) = api_session(&app, "quantri.vp").await;
    assert_eq!(other.get(app.url("/api/v1/audit")).send().await.unwrap().status(), StatusCode::FORBIDDEN);

    let Verdict::Intact { entries } = app.services.verify_audit().await.unwrap() else {
        panic!("chain should be intact")
    };
    // 9 agencies, 13 units, 8 users, 1 extra position, a sign-in and the new unit at least.
    assert!(entries >= 33, "demo seed, sign-ins and changes are all recorded ({entries})");

    // Edit one entry's content.
    let mut tx = app.store.begin().await.unwrap();
    sqlx::query("UPDATE audit_log SET actor = 'someone-else' WHERE seq = 7").execute(&mut *tx).await.unwrap();
    tx.commit().await.unwrap();
    match app.services.verify_audit().await.unwrap() {
        Verdict::Broken(b) => assert_eq!(b.seq, 7, "{b}"),
        Verdict::Intact { .. } => panic!("an edited entry went unnoticed"),
    }
    let mut tx = app.store.begin().await.unwrap();
    sqlx::query("UPDATE audit_log SET actor = 'demo' WHERE seq = 7").execute(&mut *tx).await.unwrap();
    tx.commit().await.unwrap();
    assert!(matches!(app.services.verify_audit().await.unwrap(), Verdict::Intact { .. }), "restored");

    // Remove one entry.
    let mut tx = app.store.begin().await.unwrap();
    sqlx::query("DELETE FROM audit_log WHERE seq = 12").execute(&mut *tx).await.unwrap();
    tx.commit().await.unwrap();
    match app.services.verify_audit().await.unwrap() {
        Verdict::Broken(b) => {
            assert!(b.seq == 12 || b.seq == 13, "{b}");
            assert!(b.to_string().contains("12"), "the message says where: {b}");
        }
        Verdict::Intact { .. } => panic!("a removed entry went unnoticed"),
    }
    // The command line says the same, with a failing exit code.
    let out = std::process::Command::new(env!("CARGO_BIN_EXE_egov"))
        .args(["admin", "verify-audit"])
        .env("EGOV_DATABASE_URL", &app.settings.database_url)
        .output()
        .unwrap();
    assert!(!out.status.success());
}

#[tokio::test]
async fn pages_render_in_vietnamese_and_english() {
    let app = TestApp::spawn().await;
    app.seed_demo().await;
    let client = app.client();
    let csrf = sign_in(&app, &client, "admin", DEMO_PASSWORD).await;
    let html = page(&app, &client, "/admin/agencies").await;
    assert!(html.contains("lang=\"vi\""));
    assert!(html.contains("Ủy ban nhân dân tỉnh Nghệ An") && html.contains("H41.90.01"));
    let users = page(&app, &client, "/admin/users?q=hoa").await;
    assert!(users.contains("Lê Thị Hoa") && !users.contains("Nguyễn Văn An"));
    let res = client
        .post(app.url("/lang"))
        .header("referer", app.url("/admin/users"))
        .form(&[("csrf", csrf.as_str()), ("lang", "en")])
        .send()
        .await
        .unwrap();
    assert_eq!(res.headers()["location"], "/admin/users");
    let html = page(&app, &client, "/admin/users").await;
    assert!(html.contains("lang=\"en\"") && html.contains("New user"));
    // Text a user typed is escaped, never interpreted.
    let res =
        post_form(&app, &client, "/profile", &csrf, &[("full_name", "An <script>alert(1)</script>"), ("locale", "en")])
            .await;
    assert_eq!(res.status(), StatusCode::OK, "angle brackets are refused in names");
    let body = res.text().await.unwrap();
    assert!(body.contains("alert(1)") && !body.contains("<script>alert(1)"), "the echoed value is escaped");
}
