//! Regression tests of the security review (issue 12, items 1–12), through the real server on
//! the engine the harness picks: audit details, second-factor and password-check throttling,
//! every route's declared access (walked over the whole route table), forced password changes,
//! tokens ended by resets, agency codes against the tree, self-grants and resets of sensitive
//! accounts, case files under DocumentScope, the language redirect, audit checkpoints.
#![allow(clippy::unwrap_used)] // test helpers: a failed unwrap is a failed test

mod common;
mod support;

use common::{TestApp, DEMO_PASSWORD};
use egov_service::audit::Verdict;
use egov_service::Caller;
use reqwest::{Client, StatusCode};
use serde_json::{json, Value};
use support::*;

const SECRET_SUBJECT: &str = "Kế hoạch bảo vệ bí mật nhà nước";

async fn user_id(app: &TestApp, username: &str) -> i64 {
    app.services.user_id_by_username(&Caller::system("test"), username).await.unwrap()
}

/// A browser session of `username`: the client and its CSRF token.
async fn session(app: &TestApp, username: &str) -> (Client, String) {
    let client = app.client();
    let csrf = sign_in(app, &client, username, DEMO_PASSWORD).await;
    (client, csrf)
}

async fn api_json(req: reqwest::RequestBuilder) -> (StatusCode, Value) {
    let res = req.send().await.unwrap();
    let status = res.status();
    (status, res.json().await.unwrap_or(Value::Null))
}

#[tokio::test]
async fn audit_details_of_documents_carry_identifiers_never_subjects() {
    let app = TestApp::spawn().await;
    app.seed_demo().await;
    let clerk = ApiUser::sign_in(&app, "vanthu").await;
    let leader = ApiUser::sign_in(&app, "lanhdao").await;
    let fields = incoming_fields(&[("secrecy", "secret"), ("number_notation", "01/QĐ-M"), ("subject", SECRET_SUBJECT)]);
    let (status, secret) = clerk.post_multipart("/api/v1/documents/incoming", &fields, &[]).await;
    assert_eq!(status, StatusCode::CREATED, "{secret}");
    let id = secret["id"].as_i64().unwrap();
    let (status, _) =
        clerk.post(&format!("/api/v1/documents/{id}/present"), json!({ "leaders": [leader.user_id] })).await;
    assert_eq!(status, StatusCode::NO_CONTENT);
    assert_eq!(leader.get(&format!("/api/v1/documents/{id}")).await.0, StatusCode::OK);
    // An entry written before the rule (as the old code wrote it) is shown redacted.
    let mut tx = app.store.begin().await.unwrap();
    let old = json!({ "secrecy": "secret", "subject": SECRET_SUBJECT, "book_id": 7 });
    egov_service::audit::record(
        &mut tx,
        &egov_service::audit::Who::system("test"),
        "document.read",
        "document",
        Some(id.to_string()),
        egov_service::audit::NONE,
        Some(&old),
    )
    .await
    .unwrap();
    tx.commit().await.unwrap();

    let (admin, csrf) = session(&app, "admin").await;
    let audit_token = token(&app, &admin, &csrf, &["audit:read"]).await;
    let (status, page) =
        api_json(app.client().get(app.url("/api/v1/audit?object_type=document&limit=200")).bearer_auth(&audit_token))
            .await;
    assert_eq!(status, StatusCode::OK, "{page}");
    let items = page["items"].as_array().unwrap();
    let id_text = id.to_string();
    let about: Vec<&Value> = items.iter().filter(|e| e["object_id"] == id_text.as_str()).collect();
    assert!(about.len() >= 4, "register, present, the leader's read, the old entry: {about:?}");
    let text = serde_json::to_string(&about).unwrap();
    assert!(!text.contains("bí mật nhà nước"), "no subject in the audit trail: {text}");
    assert!(text.contains("\"secrecy\\\":\\\"secret\\\"") || text.contains("secrecy"), "{text}");
    // What is stored in the chain for the new entries holds no subject either (not only the reading).
    let raw = app
        .services
        .audit_entries(&Caller::system("test"), &egov_storage::audit::AuditFilter { limit: 500, ..Default::default() })
        .await
        .unwrap();
    let mut c = app.store.read().await.unwrap();
    let stored = egov_storage::audit::chunk(&mut c, 0, 10_000).await.unwrap();
    let new_with_subject = stored
        .iter()
        .filter(|(_, e)| e.record.actor != "test")
        .filter(|(_, e)| e.record.after.as_deref().unwrap_or("").contains("bí mật nhà nước"))
        .count();
    assert_eq!(new_with_subject, 0, "chained entries keep only identifiers");
    assert!(raw.iter().any(|e| e.record.action == "document.register"));
}

#[tokio::test]
async fn second_factor_failures_have_their_own_counter_and_lock_after_five() {
    let app = TestApp::spawn().await;
    app.seed_demo().await;
    let client = app.client();
    let csrf = sign_in(&app, &client, "chuyenvien", DEMO_PASSWORD).await;
    let setup = post_form(&app, &client, "/profile/totp", &csrf, &[]).await.text().await.unwrap();
    let at = setup.find("class=\"secret\">").expect("secret shown") + 15;
    let secret = setup[at..at + setup[at..].find('<').unwrap()].to_string();
    let code = totp_code(&secret);
    let res = post_form(&app, &client, "/profile/totp/confirm", &csrf, &[("code", &code)]).await;
    assert_eq!(res.status(), StatusCode::SEE_OTHER, "TOTP enrolled");

    // Each sign-in with the right password gets wrong codes; the password success never resets
    // the second-factor counter, so the sixth try is refused even with the right code.
    let mut failures = 0;
    for _ in 0..3 {
        let attacker = app.client();
        let csrf = sign_in_to(&app, &attacker, "chuyenvien", DEMO_PASSWORD, "/signin/totp").await;
        for _ in 0..2 {
            if failures == 5 {
                break;
            }
            let res = post_form(&app, &attacker, "/signin/totp", &csrf, &[("code", "000001")]).await;
            assert_ne!(res.status(), StatusCode::SEE_OTHER);
            failures += 1;
        }
    }
    assert_eq!(failures, 5);
    let attacker = app.client();
    let csrf = sign_in_to(&app, &attacker, "chuyenvien", DEMO_PASSWORD, "/signin/totp").await;
    let res = post_form(&app, &attacker, "/signin/totp", &csrf, &[("code", &totp_code(&secret))]).await;
    assert_eq!(res.status(), StatusCode::TOO_MANY_REQUESTS, "locked: even the right code is refused");
    let audit = all_audit(&app).await;
    assert_eq!(audit.iter().filter(|e| e.record.action == "session.totp_failed").count(), 5);
    assert_eq!(audit.iter().filter(|e| e.record.action == "session.totp_locked_out").count(), 1);
}

fn totp_code(secret_base32: &str) -> String {
    use totp_rs::{Algorithm, Secret, TOTP};
    let bytes = Secret::Encoded(secret_base32.to_string()).to_bytes().expect("base32 secret");
    let totp = TOTP::new(Algorithm::SHA1, 6, 1, 30, bytes, None, "t".into()).expect("totp");
    totp.generate_current().expect("clock")
}

async fn all_audit(app: &TestApp) -> Vec<egov_domain::audit::StoredEntry> {
    let mut c = app.store.read().await.unwrap();
    egov_storage::audit::chunk(&mut c, 0, 100_000).await.unwrap().into_iter().map(|(_, e)| e).collect()
}

#[tokio::test]
async fn the_password_change_needs_a_session_and_is_throttled_like_sign_in() {
    let app = TestApp::spawn().await;
    app.seed_demo().await;
    let (client, csrf) = session(&app, "chuyenvien").await;
    let every = [
        "org:read",
        "org:write",
        "audit:read",
        "profile",
        "documents:read",
        "documents:write",
        "work:read",
        "work:write",
    ];
    let tok = token(&app, &client, &csrf, &every).await;
    let body = json!({ "current_password": DEMO_PASSWORD, "new_password": "một câu rất dài mới 2026" });
    let res = app.client().post(app.url("/api/v1/me/password")).bearer_auth(&tok).json(&body).send().await.unwrap();
    assert_eq!(res.status(), StatusCode::FORBIDDEN, "no token may change the password");

    for i in 0..5 {
        let wrong = json!({ "current_password": format!("đoán sai {i}"), "new_password": "một câu rất dài mới 2026" });
        let res = client
            .post(app.url("/api/v1/me/password"))
            .header("x-csrf-token", &csrf)
            .json(&wrong)
            .send()
            .await
            .unwrap();
        assert_eq!(res.status(), StatusCode::UNPROCESSABLE_ENTITY);
    }
    // Locked now: even the right current password is refused, and sign-in is locked as well.
    let res =
        client.post(app.url("/api/v1/me/password")).header("x-csrf-token", &csrf).json(&body).send().await.unwrap();
    assert_eq!(res.status(), StatusCode::TOO_MANY_REQUESTS);
    let res = try_sign_in(&app, &app.client(), "chuyenvien", DEMO_PASSWORD).await;
    assert_eq!(res.status(), StatusCode::TOO_MANY_REQUESTS);
    let audit = all_audit(&app).await;
    assert_eq!(audit.iter().filter(|e| e.record.action == "user.password_check_failed").count(), 5);
}

#[tokio::test]
async fn every_route_refuses_a_token_without_its_scope() {
    let app = TestApp::spawn().await;
    app.seed_demo().await;
    let (client, csrf) = session(&app, "admin").await;
    let every = [
        "org:read",
        "org:write",
        "audit:read",
        "profile",
        "documents:read",
        "documents:write",
        "work:read",
        "work:write",
    ];
    let mut without = std::collections::HashMap::new();
    for s in every {
        let others: Vec<&str> = every.iter().copied().filter(|o| *o != s).collect();
        without.insert(s, token(&app, &client, &csrf, &others).await);
    }
    let all = token(&app, &client, &csrf, &every).await;
    let table = egov_web::route_table();
    let mut checked = 0;
    for r in &table {
        let tok = match r.access {
            egov_web::Access::Public => continue,
            egov_web::Access::Session | egov_web::Access::OwnPassword => &all,
            egov_web::Access::Scope(s) => &without[s.as_str()],
        };
        let path =
            format!("/api/v1{}", r.path.replace("{id}", "1").replace("{grant_id}", "1").replace("{code}", "H41"));
        let method = reqwest::Method::from_bytes(r.method.to_uppercase().as_bytes()).unwrap();
        let res = app.client().request(method, app.url(&path)).bearer_auth(tok).json(&json!({})).send().await.unwrap();
        assert_eq!(res.status(), StatusCode::FORBIDDEN, "{} {} ({:?})", r.method, r.path, r.access);
        checked += 1;
    }
    assert!(checked > 60, "the whole table was walked ({checked})");

    // The table is the whole API: every operation of the OpenAPI document is in it, and back.
    let doc: Value = app.client().get(app.url("/api/v1/openapi.json")).send().await.unwrap().json().await.unwrap();
    let mut documented: Vec<String> = Vec::new();
    for (path, ops) in doc["paths"].as_object().unwrap() {
        for method in ops.as_object().unwrap().keys() {
            documented.push(format!("{method} {}", path.trim_start_matches("/api/v1")));
        }
    }
    let mut declared: Vec<String> =
        table.iter().filter(|r| r.path != "/openapi.json").map(|r| format!("{} {}", r.method, r.path)).collect();
    documented.sort();
    declared.sort();
    assert_eq!(documented, declared);

    // Tokens can no longer list or revoke the user's tokens, nor manage saved searches.
    let reader = &without["documents:write"];
    let res = app.client().get(app.url("/api/v1/me/tokens")).bearer_auth(reader).send().await.unwrap();
    assert_eq!(res.status(), StatusCode::FORBIDDEN);
    let res = app
        .client()
        .post(app.url("/api/v1/saved-searches"))
        .bearer_auth(reader)
        .json(&json!({ "name": "x", "query": "q=a" }))
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), StatusCode::FORBIDDEN);
}

#[tokio::test]
async fn a_due_password_change_blocks_the_api_and_a_reset_ends_tokens() {
    let app = TestApp::spawn().await;
    app.seed_demo().await;
    let (user, csrf) = session(&app, "chuyenvien").await;
    let tok = token(&app, &user, &csrf, &["profile", "documents:read"]).await;
    let id = user_id(&app, "chuyenvien").await;
    let (admin, admin_csrf) = session(&app, "admin").await;
    let res = post_form(
        &app,
        &admin,
        &format!("/admin/users/{id}/password"),
        &admin_csrf,
        &[("new_password", "tạm-thời-2026-x")],
    )
    .await;
    assert_eq!(res.status(), StatusCode::SEE_OTHER);
    let res = app.client().get(app.url("/api/v1/me")).bearer_auth(&tok).send().await.unwrap();
    assert_eq!(res.status(), StatusCode::UNAUTHORIZED, "an administrator's reset revokes the tokens");

    let client = app.client();
    let csrf = sign_in_to(&app, &client, "chuyenvien", "tạm-thời-2026-x", "/profile/password").await;
    let res = client.get(app.url("/api/v1/me")).send().await.unwrap();
    assert_eq!(res.status(), StatusCode::FORBIDDEN);
    assert_eq!(res.json::<Value>().await.unwrap()["error"]["code"], "password_change_required");
    let res = client
        .post(app.url("/api/v1/me/tokens"))
        .header("x-csrf-token", &csrf)
        .json(&json!({ "name": "x", "scopes": ["profile"] }))
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), StatusCode::FORBIDDEN, "no token can be minted before the change");
    let page = client.get(app.url("/profile/password")).send().await.unwrap().text().await.unwrap();
    assert!(page.contains("đã được admin đặt lại"), "the person is told who reset the password");
    let res = client
        .post(app.url("/api/v1/me/password"))
        .header("x-csrf-token", &csrf)
        .json(&json!({ "current_password": "tạm-thời-2026-x", "new_password": "một câu dài dễ nhớ 2026" }))
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), StatusCode::NO_CONTENT);
    assert_eq!(client.get(app.url("/api/v1/me")).send().await.unwrap().status(), StatusCode::OK);

    // A token of a person whose password change is due is refused too.
    let tok = token(&app, &client, &csrf, &["profile"]).await;
    let mut tx = app.store.begin().await.unwrap();
    let creds = egov_storage::accounts::credentials_by_id(&mut tx, id).await.unwrap().unwrap();
    egov_storage::accounts::set_password(&mut tx, id, &creds.password_hash, true, 1).await.unwrap();
    tx.commit().await.unwrap();
    let res = app.client().get(app.url("/api/v1/me")).bearer_auth(&tok).send().await.unwrap();
    assert_eq!(res.status(), StatusCode::FORBIDDEN);
}

#[tokio::test]
async fn ones_own_change_can_sign_out_everywhere_tokens_included() {
    let app = TestApp::spawn().await;
    app.seed_demo().await;
    let (client, csrf) = session(&app, "chuyenvien").await;
    let tok = token(&app, &client, &csrf, &["profile"]).await;
    let change = |from: &str, to: &str, everywhere: bool| json!({ "current_password": from, "new_password": to, "everywhere": everywhere });
    let res = client
        .post(app.url("/api/v1/me/password"))
        .header("x-csrf-token", &csrf)
        .json(&change(DEMO_PASSWORD, "câu thứ nhất khá dài", false))
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), StatusCode::NO_CONTENT);
    assert_eq!(
        app.client().get(app.url("/api/v1/me")).bearer_auth(&tok).send().await.unwrap().status(),
        StatusCode::OK
    );
    let res = client
        .post(app.url("/api/v1/me/password"))
        .header("x-csrf-token", &csrf)
        .json(&change("câu thứ nhất khá dài", "câu thứ hai còn dài hơn", true))
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), StatusCode::NO_CONTENT);
    let res = app.client().get(app.url("/api/v1/me")).bearer_auth(&tok).send().await.unwrap();
    assert_eq!(res.status(), StatusCode::UNAUTHORIZED, "tokens revoked");
    assert_eq!(
        client.get(app.url("/api/v1/me")).send().await.unwrap().status(),
        StatusCode::UNAUTHORIZED,
        "this session ended"
    );
}

#[tokio::test]
async fn agency_codes_extend_the_parents_and_are_unique_across_forms() {
    let app = TestApp::spawn().await;
    app.seed_demo().await;
    let commune = {
        let mut c = app.store.read().await.unwrap();
        egov_storage::org::get_agency_by_code(&mut c, "H41.501").await.unwrap().unwrap().id
    };
    let province = {
        let mut c = app.store.read().await.unwrap();
        egov_storage::org::get_agency_by_code(&mut c, "H41").await.unwrap().unwrap().id
    };
    let (xa, csrf) = session(&app, "quantri.xa").await;
    let tok = token(&app, &xa, &csrf, &["org:read", "org:write"]).await;
    for code in ["H42.01", "H41.12.77", "H41.501", "H41.5010"] {
        let body = json!({ "code": code, "name": "Thôn mới", "level": "commune", "parent_id": commune });
        let (status, err) =
            api_json(app.client().post(app.url("/api/v1/agencies")).bearer_auth(&tok).json(&body)).await;
        assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY, "{code}: {err}");
        assert_eq!(err["error"]["fields"][0]["code"], "outside_parent", "{code}: {err}");
    }
    let body = json!({ "code": "H41.501.01", "name": "Thôn Một", "level": "commune", "parent_id": commune });
    let (status, err) = api_json(app.client().post(app.url("/api/v1/agencies")).bearer_auth(&tok).json(&body)).await;
    assert_eq!(status, StatusCode::CREATED, "{err}");

    let (admin, csrf) = session(&app, "admin").await;
    let tok = token(&app, &admin, &csrf, &["org:read", "org:write"]).await;
    let body =
        json!({ "code": "000.00.13.H41", "name": "Sở Tài chính (mã cũ)", "level": "province", "parent_id": province });
    let (status, err) = api_json(app.client().post(app.url("/api/v1/agencies")).bearer_auth(&tok).json(&body)).await;
    assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY, "{err}");
    assert_eq!(err["error"]["fields"][0]["code"], "duplicate", "the legacy form of H41.13: {err}");
}

#[tokio::test]
async fn administrators_cannot_grant_themselves_document_roles_nor_reset_leaders() {
    let app = TestApp::spawn().await;
    app.seed_demo().await;
    let (vp, csrf) = session(&app, "quantri.vp").await;
    let tok = token(&app, &vp, &csrf, &["org:read", "org:write"]).await;
    let me = user_id(&app, "quantri.vp").await;
    let office = {
        let mut c = app.store.read().await.unwrap();
        egov_storage::org::get_agency_by_code(&mut c, "H41.01").await.unwrap().unwrap().id
    };
    for role in ["leader", "clerk"] {
        let (status, err) = api_json(
            app.client()
                .post(app.url(&format!("/api/v1/users/{me}/roles")))
                .bearer_auth(&tok)
                .json(&json!({ "role": role, "agency_id": office })),
        )
        .await;
        assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY, "{role}: {err}");
        assert_eq!(err["error"]["fields"][0]["code"], "self_grant");
    }
    // Another person may be given such a role by this administrator.
    let specialist = user_id(&app, "chuyenvien").await;
    let (status, _) = api_json(
        app.client()
            .post(app.url(&format!("/api/v1/users/{specialist}/roles")))
            .bearer_auth(&tok)
            .json(&json!({ "role": "clerk", "agency_id": office })),
    )
    .await;
    assert_eq!(status, StatusCode::CREATED);
    // The leader's password is not theirs to reset; a system administrator's.
    let leader = user_id(&app, "lanhdao").await;
    let reset = json!({ "new_password": "tạm-thời-2026-lanh-dao" });
    let (status, err) = api_json(
        app.client().post(app.url(&format!("/api/v1/users/{leader}/password-reset"))).bearer_auth(&tok).json(&reset),
    )
    .await;
    assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY, "{err}");
    assert_eq!(err["error"]["fields"][0]["code"], "reset_needs_system_admin");
    assert_eq!(try_sign_in(&app, &app.client(), "lanhdao", DEMO_PASSWORD).await.status(), StatusCode::SEE_OTHER);
}

/// Issue 12 item 8, the way round the self-grant rule: an agency administrator sets an account's
/// password (creating it or resetting it) and then gives that account a leader's or clerk's
/// role, or a leadership position, and signs in as it.
#[tokio::test]
async fn an_administrator_never_opens_documents_to_an_account_whose_password_they_set() {
    let app = TestApp::spawn().await;
    app.seed_demo().await;
    let (vp, csrf) = session(&app, "quantri.vp").await;
    let tok = token(&app, &vp, &csrf, &["org:read", "org:write"]).await;
    let office = {
        let mut c = app.store.read().await.unwrap();
        egov_storage::org::get_agency_by_code(&mut c, "H41.01").await.unwrap().unwrap().id
    };
    let post = |path: String, body: Value| {
        let req = app.client().post(app.url(&path)).bearer_auth(&tok).json(&body);
        api_json(req)
    };
    let new_user = |username: &str, extra: Value| {
        let mut body = json!({ "username": username, "full_name": "Nguyễn Văn Mới", "agency_id": office,
                               "password": "mật khẩu tạm thời 2026" });
        body.as_object_mut().unwrap().extend(extra.as_object().unwrap().clone());
        body
    };
    // Created with a document-opening role or a leadership position in one step: refused.
    let (status, err) = post("/api/v1/users".into(), new_user("moi.vanthu", json!({ "roles": ["clerk"] }))).await;
    assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY, "{err}");
    assert_eq!(err["error"]["fields"][0]["code"], "password_you_set", "{err}");
    let (status, err) = post("/api/v1/users".into(), new_user("moi.giamdoc", json!({ "position": "deputy" }))).await;
    assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY, "{err}");
    assert_eq!(err["error"]["fields"][0]["field"], "position", "{err}");
    // Created as a specialist, then given the role: refused, now and after the person chose their
    // own password (the administrator could have chosen it, signed in as them).
    let (status, created) = post("/api/v1/users".into(), new_user("moi.chuyenvien", json!({}))).await;
    assert_eq!(status, StatusCode::CREATED, "{created}");
    let fresh = created["id"].as_i64().unwrap();
    let grant = json!({ "role": "leader", "agency_id": office });
    let (status, err) = post(format!("/api/v1/users/{fresh}/roles"), grant.clone()).await;
    assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY, "{err}");
    assert_eq!(err["error"]["fields"][0]["code"], "password_you_set", "{err}");
    let (status, err) =
        post(format!("/api/v1/users/{fresh}/positions"), json!({ "agency_id": office, "position": "head" })).await;
    assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY, "{err}");
    assert_eq!(err["error"]["fields"][0]["code"], "password_you_set", "{err}");

    // A second administrator (here the system administrator) may not either while the first
    // one's temporary password is still the account's: that administrator knows it.
    let (admin, admin_csrf) = session(&app, "admin").await;
    let admin_tok = token(&app, &admin, &admin_csrf, &["org:read", "org:write"]).await;
    let by_admin =
        |path: String, body: Value| api_json(app.client().post(app.url(&path)).bearer_auth(&admin_tok).json(&body));
    let (status, err) = by_admin(format!("/api/v1/users/{fresh}/roles"), grant.clone()).await;
    assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY, "{err}");
    assert_eq!(err["error"]["fields"][0]["code"], "temporary_password", "{err}");

    // The person signs in and sets their own password; then the second administrator may.
    let client = app.client();
    let csrf = sign_in_to(&app, &client, "moi.chuyenvien", "mật khẩu tạm thời 2026", "/profile/password").await;
    let res = client
        .post(app.url("/api/v1/me/password"))
        .header("x-csrf-token", &csrf)
        .json(&json!({ "current_password": "mật khẩu tạm thời 2026", "new_password": "câu của riêng tôi 2026" }))
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), StatusCode::NO_CONTENT);
    let (status, err) = post(format!("/api/v1/users/{fresh}/roles"), grant.clone()).await;
    assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY, "still not the one who set it: {err}");
    assert_eq!(err["error"]["fields"][0]["code"], "password_you_set", "{err}");
    let (status, err) = by_admin(format!("/api/v1/users/{fresh}/roles"), grant.clone()).await;
    assert_eq!(status, StatusCode::CREATED, "{err}");

    // A reset counts as setting the password: the specialist whose password this administrator
    // reset cannot be given a clerk's role by them.
    let specialist = user_id(&app, "chuyenvien").await;
    let (status, err) =
        post(format!("/api/v1/users/{specialist}/password-reset"), json!({ "new_password": "đặt lại tạm 2026 x" }))
            .await;
    assert_eq!(status, StatusCode::NO_CONTENT, "{err}");
    let (status, err) =
        post(format!("/api/v1/users/{specialist}/roles"), json!({ "role": "clerk", "agency_id": office })).await;
    assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY, "{err}");
    assert_eq!(err["error"]["fields"][0]["code"], "password_you_set", "{err}");
    // Giving plain roles stays possible.
    let (status, err) =
        post(format!("/api/v1/users/{specialist}/roles"), json!({ "role": "specialist", "agency_id": office })).await;
    assert!(status == StatusCode::CREATED || status == StatusCode::CONFLICT, "{status} {err}");
}

#[tokio::test]
async fn case_files_list_and_count_only_what_the_reader_may_see() {
    let app = TestApp::spawn().await;
    app.seed_demo().await;
    let clerk = ApiUser::sign_in(&app, "vanthu").await;
    let leader = ApiUser::sign_in(&app, "lanhdao").await;
    let fields = incoming_fields(&[("secrecy", "secret"), ("number_notation", "02/QĐ-M"), ("subject", SECRET_SUBJECT)]);
    let (_, secret) = clerk.post_multipart("/api/v1/documents/incoming", &fields, &[]).await;
    let (_, normal) = clerk.post_multipart("/api/v1/documents/incoming", &incoming_fields(&[]), &[]).await;
    let make = |title: &'static str| json!({ "notation": "TH-01", "title": title, "retention_years": 10 });
    let (status, only_secret) = clerk.post("/api/v1/case-files", make("Hồ sơ mật về nhân sự")).await;
    assert_eq!(status, StatusCode::CREATED, "{only_secret}");
    let (_, mixed) = clerk
        .post("/api/v1/case-files", json!({ "notation": "TH-02", "title": "Hồ sơ chung", "retention_years": 10 }))
        .await;
    let (only_secret, mixed) = (only_secret["id"].as_i64().unwrap(), mixed["id"].as_i64().unwrap());
    for (file, doc) in [(only_secret, &secret), (mixed, &secret), (mixed, &normal)] {
        let (status, body) =
            clerk.post(&format!("/api/v1/case-files/{file}/documents"), json!({ "document_id": doc["id"] })).await;
        assert!(status.is_success(), "{body}");
    }
    let (_, mine) = clerk.get("/api/v1/case-files").await;
    assert_eq!(mine.as_array().map(Vec::len).or(mine["items"].as_array().map(Vec::len)), Some(2), "{mine}");

    let (status, theirs) = leader.get("/api/v1/case-files").await;
    assert_eq!(status, StatusCode::OK);
    let text = theirs.to_string();
    assert!(!text.contains("Hồ sơ mật về nhân sự"), "a file of documents out of reach is not listed: {text}");
    let list = theirs.as_array().cloned().or(theirs["items"].as_array().cloned()).unwrap();
    assert_eq!(list.len(), 1, "{text}");
    assert_eq!(list[0]["document_count"], 1, "only the visible document counts: {text}");
    assert_eq!(leader.get(&format!("/api/v1/case-files/{only_secret}")).await.0, StatusCode::NOT_FOUND);
}

#[tokio::test]
async fn the_language_switch_returns_only_to_this_site() {
    let app = TestApp::spawn().await;
    let client = app.client();
    let csrf = csrf_of(&page(&app, &client, "/signin").await);
    let host = app.address.to_string();
    for (referer, expected) in [
        ("/\\evil.com".to_string(), "/"),
        ("http://evil.com/x".to_string(), "/"),
        (format!("http://{host}//evil.com"), "/"),
        (format!("http://{host}/\\evil.com"), "/"),
        (format!("http://{host}/signin?x=1"), "/signin?x=1"),
    ] {
        let res = client
            .post(app.url("/lang"))
            .header("referer", &referer)
            .form(&[("csrf", csrf.as_str()), ("lang", "en")])
            .send()
            .await
            .unwrap();
        assert_eq!(res.status(), StatusCode::SEE_OTHER, "{referer}");
        assert_eq!(res.headers()["location"], expected, "{referer}");
    }
}

#[tokio::test]
async fn rolling_back_the_audit_head_is_caught_by_the_signed_checkpoint() {
    let app = TestApp::spawn().await;
    app.seed_demo().await;
    assert!(matches!(app.services.verify_audit().await.unwrap(), Verdict::Intact { .. }));
    let cp = app.services.write_audit_checkpoint().await.unwrap().expect("a first checkpoint");
    assert!(app.services.write_audit_checkpoint().await.unwrap().is_none(), "nothing new, no new checkpoint");
    assert!(matches!(app.services.verify_audit().await.unwrap(), Verdict::Intact { .. }));

    // The database writer deletes the newest entries and rolls the head back to a consistent
    // earlier point: the chain alone still verifies, the checkpoint does not.
    let keep = cp.seq - 3;
    let entries = all_audit(&app).await;
    let kept_hash = entries.iter().find(|e| e.record.seq == keep).unwrap().hash.clone();
    let mut tx = app.store.begin().await.unwrap();
    sqlx::query("DELETE FROM audit_log WHERE seq > $1").bind(keep).execute(&mut *tx).await.unwrap();
    sqlx::query("UPDATE audit_head SET last_seq = $1, last_hash = $2 WHERE id = 1")
        .bind(keep)
        .bind(&kept_hash)
        .execute(&mut *tx)
        .await
        .unwrap();
    tx.commit().await.unwrap();
    match app.services.verify_audit().await.unwrap() {
        Verdict::Broken(b) => {
            assert_eq!(b.kind, egov_domain::audit::BreakKind::Checkpoint { checkpoint_seq: cp.seq }, "{b}")
        }
        Verdict::Intact { entries } => panic!("a rolled-back chain passed ({entries} entries)"),
    }

    // A checkpoint file rewritten by someone without the key fails its signature.
    let path = app.services.settings.pki_dir.join(egov_service::audit::checkpoint::CHECKPOINT_FILE);
    let forged = egov_service::audit::checkpoint::Checkpoint { seq: keep, hash: kept_hash, ..cp };
    std::fs::write(&path, format!("{}\n", serde_json::to_string(&forged).unwrap())).unwrap();
    match app.services.verify_audit().await.unwrap() {
        Verdict::Broken(b) => assert_eq!(b.kind, egov_domain::audit::BreakKind::CheckpointSignature),
        Verdict::Intact { .. } => panic!("a forged checkpoint passed"),
    }

    // Removing the checkpoint file (or emptying it) while its key stays is caught too.
    for removal in ["emptied", "deleted"] {
        if removal == "emptied" {
            std::fs::write(&path, "").unwrap();
        } else {
            std::fs::remove_file(&path).unwrap();
        }
        match app.services.verify_audit().await.unwrap() {
            Verdict::Broken(b) => assert_eq!(b.kind, egov_domain::audit::BreakKind::CheckpointMissing, "{removal}"),
            Verdict::Intact { .. } => panic!("a chain whose checkpoints were {removal} passed"),
        }
    }
}
