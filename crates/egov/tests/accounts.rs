//! Sign-in and account security through the real server: one message for wrong user and wrong
//! password, lockout, CSRF, TOTP (and a role that requires it), API tokens and their scopes,
//! sign-out everywhere, forced password change. Runs on the engine the harness picks.
#![allow(clippy::unwrap_used)] // test helpers: a failed unwrap is a failed test

mod common;
mod support;

use common::{TestApp, DEMO_PASSWORD};
use reqwest::StatusCode;
use support::*;
use totp_rs::{Algorithm, Secret, TOTP};

fn code_for(secret_base32: &str, offset_steps: i64) -> String {
    let bytes = Secret::Encoded(secret_base32.to_string()).to_bytes().expect("base32 secret");
    let totp = TOTP::new(Algorithm::SHA1, 6, 1, 30, bytes, None, "t".into()).expect("totp");
    let now = std::time::SystemTime::now().duration_since(std::time::UNIX_EPOCH).expect("clock").as_secs() as i64;
    totp.generate((now + offset_steps * 30) as u64)
}

#[tokio::test]
async fn wrong_username_and_wrong_password_get_the_same_answer() {
    let app = TestApp::spawn().await;
    app.seed_demo().await;
    let unknown = try_sign_in(&app, &app.client(), "no.such.person", DEMO_PASSWORD).await;
    let status_unknown = unknown.status();
    let body_unknown = unknown.text().await.unwrap();
    let wrong = try_sign_in(&app, &app.client(), "vanthu", "not the password at all").await;
    assert_eq!(status_unknown, StatusCode::UNAUTHORIZED);
    assert_eq!(wrong.status(), StatusCode::UNAUTHORIZED);
    let body_wrong = wrong.text().await.unwrap();
    let message = "Tên đăng nhập hoặc mật khẩu không đúng.";
    assert!(body_unknown.contains(message) && body_wrong.contains(message));
    // Apart from the echoed username and the CSRF token, the pages are the same.
    let strip = |b: &str, name: &str| b.replace(name, "").lines().filter(|l| !l.contains("csrf")).collect::<String>();
    assert_eq!(strip(&body_unknown, "no.such.person"), strip(&body_wrong, "vanthu"));
    // Signing in with the right password works and lands on the dashboard.
    let client = app.client();
    sign_in(&app, &client, "vanthu", DEMO_PASSWORD).await;
    let home = page(&app, &client, "/").await;
    assert!(home.contains("Đặng Văn Em"), "the dashboard greets the clerk");
}

#[tokio::test]
async fn repeated_failures_lock_the_account_and_unknown_names_alike() {
    let app = TestApp::spawn_with(|s| s.lockout_threshold = 3).await;
    app.seed_demo().await;
    for name in ["chuyenvien", "ghost.user"] {
        let client = app.client();
        for _ in 0..3 {
            assert_eq!(try_sign_in(&app, &client, name, "wrong wrong wrong").await.status(), StatusCode::UNAUTHORIZED);
        }
        // Now even the right password is refused, with the lockout message, for both.
        let res = try_sign_in(&app, &client, name, DEMO_PASSWORD).await;
        assert_eq!(res.status(), StatusCode::TOO_MANY_REQUESTS, "{name}");
        assert!(res.text().await.unwrap().contains("Đăng nhập sai quá nhiều lần"));
    }
    // Other accounts are unaffected.
    sign_in(&app, &app.client(), "vanthu", DEMO_PASSWORD).await;
    // The lockout is on the audit trail.
    let mut c = app.store.read().await.unwrap();
    let locked: i64 = sqlx::query_scalar("SELECT COUNT(*) FROM audit_log WHERE action = 'session.locked_out'")
        .fetch_one(&mut *c)
        .await
        .unwrap();
    assert_eq!(locked, 2);
}

#[tokio::test]
async fn forms_without_the_right_csrf_token_are_refused_and_change_nothing() {
    let app = TestApp::spawn().await;
    app.seed_demo().await;
    let client = app.client();
    // Sign-in form without the token.
    let res = client
        .post(app.url("/signin"))
        .form(&[("username", "vanthu"), ("password", DEMO_PASSWORD)])
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), StatusCode::FORBIDDEN);
    let csrf = sign_in(&app, &client, "vanthu", DEMO_PASSWORD).await;
    // A forged token on a profile change.
    let res = post_form(&app, &client, "/profile", "forged", &[("full_name", "Kẻ Mạo Danh"), ("locale", "vi")]).await;
    assert_eq!(res.status(), StatusCode::FORBIDDEN);
    assert!(!page(&app, &client, "/profile").await.contains("Kẻ Mạo Danh"));
    // The API with the session cookie but no header.
    let res = client
        .patch(app.url("/api/v1/me"))
        .json(&serde_json::json!({ "full_name": "Kẻ Mạo Danh" }))
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), StatusCode::FORBIDDEN);
    // With the right token it works.
    let res = post_form(&app, &client, "/profile", &csrf, &[("full_name", "Đặng Văn Em Mới"), ("locale", "vi")]).await;
    assert_eq!(res.status(), StatusCode::SEE_OTHER);
    assert!(page(&app, &client, "/profile").await.contains("Đặng Văn Em Mới"));
}

#[tokio::test]
async fn totp_second_factor_enrol_sign_in_and_replay() {
    let app = TestApp::spawn().await;
    app.seed_demo().await;
    let client = app.client();
    let csrf = sign_in(&app, &client, "lanhdao", DEMO_PASSWORD).await;
    let setup = post_form(&app, &client, "/profile/totp", &csrf, &[]).await.text().await.unwrap();
    let at = setup.find("class=\"secret\">").expect("secret shown") + 15;
    let secret = setup[at..at + setup[at..].find('<').unwrap()].to_string();
    assert!(setup.contains("<svg") && setup.contains("class=\"qr\""), "a QR code drawn on the server");
    // A wrong code does not enable it, and the page shows the same secret again (the person may
    // have added it to their app already), next to the code field.
    let res = post_form(&app, &client, "/profile/totp/confirm", &csrf, &[("code", "000000")]).await;
    let again = res.text().await.unwrap();
    assert!(again.contains("Mã xác thực không đúng"));
    assert!(again.contains(&format!("class=\"secret\">{secret}<")), "the secret is kept");
    assert!(again.contains("id=\"e-code\""), "the error is next to the field");
    assert!(page(&app, &client, "/profile/totp").await.contains(&secret), "and after a reload");
    let res = post_form(&app, &client, "/profile/totp/confirm", &csrf, &[("code", &code_for(&secret, 0))]).await;
    assert_eq!(res.status(), StatusCode::SEE_OTHER);

    // Next sign-in asks for the code; pages stay closed until it is given.
    let client = app.client();
    let csrf = sign_in_to(&app, &client, "lanhdao", DEMO_PASSWORD, "/signin/totp").await;
    let res = client.get(app.url("/admin/users")).send().await.unwrap();
    assert_eq!(res.headers()["location"], "/signin/totp");
    let res = post_form(&app, &client, "/signin/totp", &csrf, &[("code", "123456")]).await;
    assert!(res.text().await.unwrap().contains("Mã xác thực không đúng"));
    // The code used at enrolment cannot be replayed; the next step's code works.
    let res = post_form(&app, &client, "/signin/totp", &csrf, &[("code", &code_for(&secret, 0))]).await;
    assert_eq!(res.status(), StatusCode::OK, "a replayed code is refused");
    let res = post_form(&app, &client, "/signin/totp", &csrf, &[("code", &code_for(&secret, 1))]).await;
    assert_eq!(res.status(), StatusCode::SEE_OTHER);
    assert!(page(&app, &client, "/").await.contains("Nguyễn Văn An"));
}

#[tokio::test]
async fn an_administrator_can_require_totp_for_a_role() {
    let app = TestApp::spawn().await;
    app.seed_demo().await;
    let admin = app.client();
    let csrf = sign_in(&app, &admin, "admin", DEMO_PASSWORD).await;
    let res = post_form(&app, &admin, "/admin/security", &csrf, &[("roles", "clerk")]).await;
    assert_eq!(res.status(), StatusCode::SEE_OTHER);
    // The clerk must now set up a second factor before anything else.
    let clerk = app.client();
    sign_in_to(&app, &clerk, "vanthu", DEMO_PASSWORD, "/profile/totp").await;
    let res = clerk.get(app.url("/")).send().await.unwrap();
    assert_eq!(res.headers()["location"], "/profile/totp");
    // A non-administrator cannot change the policy.
    let specialist = app.client();
    let csrf = sign_in(&app, &specialist, "chuyenvien", DEMO_PASSWORD).await;
    let res = post_form(&app, &specialist, "/admin/security", &csrf, &[]).await;
    assert_eq!(res.status(), StatusCode::FORBIDDEN);
}

#[tokio::test]
async fn api_tokens_authenticate_are_scoped_and_can_be_revoked() {
    let app = TestApp::spawn().await;
    app.seed_demo().await;
    let browser = app.client();
    let csrf = sign_in(&app, &browser, "admin", DEMO_PASSWORD).await;
    let read_only = token(&app, &browser, &csrf, &["org:read"]).await;
    assert!(read_only.starts_with("egov_"));
    let api = reqwest::Client::new();
    let res = api.get(app.url("/api/v1/agencies")).bearer_auth(&read_only).send().await.unwrap();
    assert_eq!(res.status(), StatusCode::OK);
    let body: serde_json::Value = res.json().await.unwrap();
    assert_eq!(body["items"].as_array().unwrap().len(), 9);
    // Writing needs org:write.
    let res = api
        .post(app.url("/api/v1/agencies"))
        .bearer_auth(&read_only)
        .json(&serde_json::json!({ "code": "H41.77", "name": "Sở Thử", "level": "province", "parent_id": 1 }))
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), StatusCode::FORBIDDEN);
    // The token is stored hashed: its secret appears nowhere in the database.
    let mut c = app.store.read().await.unwrap();
    let hits: i64 = sqlx::query_scalar("SELECT COUNT(*) FROM api_tokens WHERE token_hash = $1 OR prefix = $1")
        .bind(&read_only)
        .fetch_one(&mut *c)
        .await
        .unwrap();
    assert_eq!(hits, 0);
    drop(c);
    // Tokens cannot mint tokens.
    let res = api
        .post(app.url("/api/v1/me/tokens"))
        .bearer_auth(&read_only)
        .json(&serde_json::json!({ "name": "x", "scopes": ["org:read"] }))
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), StatusCode::FORBIDDEN);
    // Revoked tokens stop working; garbage tokens get the same 401.
    let list: serde_json::Value = browser.get(app.url("/api/v1/me/tokens")).send().await.unwrap().json().await.unwrap();
    let id = list[0]["id"].as_i64().unwrap();
    let res =
        browser.delete(app.url(&format!("/api/v1/me/tokens/{id}"))).header("x-csrf-token", &csrf).send().await.unwrap();
    assert_eq!(res.status(), StatusCode::NO_CONTENT);
    for t in [read_only.as_str(), "egov_nonsense", "not-even-a-token"] {
        let res = api.get(app.url("/api/v1/agencies")).bearer_auth(t).send().await.unwrap();
        assert_eq!(res.status(), StatusCode::UNAUTHORIZED, "{t}");
        let body: serde_json::Value = res.json().await.unwrap();
        assert_eq!(body["error"]["code"], "unauthenticated");
    }
}

#[tokio::test]
async fn sign_out_everywhere_ends_every_session() {
    let app = TestApp::spawn().await;
    app.seed_demo().await;
    let phone = app.client();
    let laptop = app.client();
    sign_in(&app, &phone, "truongphong", DEMO_PASSWORD).await;
    let csrf = sign_in(&app, &laptop, "truongphong", DEMO_PASSWORD).await;
    assert!(page(&app, &phone, "/").await.contains("Trần Thị Bình"));
    let res = post_form(&app, &laptop, "/signout/everywhere", &csrf, &[]).await;
    assert_eq!(res.status(), StatusCode::SEE_OTHER);
    for client in [&phone, &laptop] {
        let res = client.get(app.url("/")).send().await.unwrap();
        assert_eq!(res.headers()["location"], "/signin");
    }
}

#[tokio::test]
async fn a_reset_password_must_be_changed_and_weak_ones_are_refused() {
    let app = TestApp::spawn().await;
    app.seed_demo().await;
    let admin = app.client();
    let csrf = sign_in(&app, &admin, "admin", DEMO_PASSWORD).await;
    let id = app.services.user_id_by_username(&egov_service::Caller::system("test"), "phophong").await.unwrap();
    let res =
        post_form(&app, &admin, &format!("/admin/users/{id}/password"), &csrf, &[("new_password", "123456789")]).await;
    assert_eq!(res.status(), StatusCode::OK);
    assert!(res.text().await.unwrap().contains("Mật khẩu"), "the weak password is refused with a message");
    let res =
        post_form(&app, &admin, &format!("/admin/users/{id}/password"), &csrf, &[("new_password", "tạm-thời-2026-x")])
            .await;
    assert_eq!(res.status(), StatusCode::SEE_OTHER);
    let user = app.client();
    let csrf = sign_in_to(&app, &user, "phophong", "tạm-thời-2026-x", "/profile/password").await;
    assert_eq!(user.get(app.url("/")).send().await.unwrap().headers()["location"], "/profile/password");
    let res = post_form(
        &app,
        &user,
        "/profile/password",
        &csrf,
        &[("current_password", "tạm-thời-2026-x"), ("new_password", "phophong")],
    )
    .await;
    assert_eq!(res.status(), StatusCode::OK, "a password equal to the username is refused");
    let res = post_form(
        &app,
        &user,
        "/profile/password",
        &csrf,
        &[("current_password", "tạm-thời-2026-x"), ("new_password", "một câu dài dễ nhớ")],
    )
    .await;
    assert_eq!(res.status(), StatusCode::SEE_OTHER);
    assert_eq!(user.get(app.url("/")).send().await.unwrap().status(), StatusCode::OK);
}
