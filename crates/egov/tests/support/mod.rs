//! Helpers that act as a person in a browser: read the CSRF token a page carries, sign in
//! through the form, post forms.
#![allow(dead_code)]

use reqwest::{Client, Response, StatusCode};

use crate::common::TestApp;

/// The `csrf` hidden field of a page.
pub fn csrf_of(html: &str) -> String {
    let at = html.find("name=\"csrf\" value=\"").expect("the page has a CSRF field");
    let rest = &html[at + 19..];
    rest[..rest.find('"').expect("closing quote")].to_string()
}

/// GETs a page and returns its body, asserting 200.
/// A server whose mail goes to `mail_url`, with the demo seeded and the leader `lanhdao` given
/// the address lanhdao@ubnd.example.vn (the demo people have none).
pub async fn app_with_mail(mail_url: String) -> TestApp {
    let app = TestApp::spawn_with(|s| {
        s.mail_url = Some(mail_url);
        s.mail_from = Some("egov@tinh.example.vn".into());
    })
    .await;
    app.seed_demo().await;
    let mut c = app.store.read().await.expect("read");
    sqlx::query("UPDATE users SET email = 'lanhdao@ubnd.example.vn' WHERE username = 'lanhdao'")
        .execute(&mut *c)
        .await
        .expect("email");
    drop(c);
    app
}

pub async fn page(app: &TestApp, client: &Client, path: &str) -> String {
    let res = client.get(app.url(path)).send().await.expect("GET");
    assert_eq!(res.status(), StatusCode::OK, "GET {path}");
    res.text().await.expect("body")
}

/// Submits the sign-in form; returns the raw response (303 on success).
pub async fn try_sign_in(app: &TestApp, client: &Client, username: &str, password: &str) -> Response {
    let csrf = csrf_of(&page(app, client, "/signin").await);
    client
        .post(app.url("/signin"))
        .form(&[("csrf", csrf.as_str()), ("username", username), ("password", password)])
        .send()
        .await
        .expect("POST /signin")
}

/// Signs in and returns the session's CSRF token (every page carries it); panics unless sign-in
/// lands on `expect_to`.
pub async fn sign_in_to(app: &TestApp, client: &Client, username: &str, password: &str, expect_to: &str) -> String {
    let res = try_sign_in(app, client, username, password).await;
    assert_eq!(res.status(), StatusCode::SEE_OTHER, "sign-in of {username}");
    assert_eq!(res.headers()["location"], expect_to);
    csrf_of(&page(app, client, expect_to).await)
}

/// Signs in a fully enrolled account and returns the session's CSRF token.
pub async fn sign_in(app: &TestApp, client: &Client, username: &str, password: &str) -> String {
    sign_in_to(app, client, username, password, "/").await
}

/// Posts a form with the CSRF token.
pub async fn post_form(app: &TestApp, client: &Client, path: &str, csrf: &str, fields: &[(&str, &str)]) -> Response {
    let mut all = vec![("csrf", csrf)];
    all.extend_from_slice(fields);
    client.post(app.url(path)).form(&all).send().await.expect("POST form")
}

/// An API token with these scopes, made through the API by a signed-in browser session.
pub async fn token(app: &TestApp, client: &Client, csrf: &str, scopes: &[&str]) -> String {
    let res = client
        .post(app.url("/api/v1/me/tokens"))
        .header("x-csrf-token", csrf)
        .json(&serde_json::json!({ "name": "test system", "scopes": scopes, "expires_in_days": 30 }))
        .send()
        .await
        .expect("create token");
    assert_eq!(res.status(), StatusCode::CREATED);
    let body: serde_json::Value = res.json().await.expect("json");
    body["secret"].as_str().expect("secret").to_string()
}

/// A demo person using the API with a bearer token that carries every document scope.
#[derive(Debug, Clone)]
pub struct ApiUser {
    pub username: String,
    pub user_id: i64,
    http: Client,
    token: String,
    base: String,
}

impl ApiUser {
    /// Signs `username` in with the demo password and makes a token for the documents and work API.
    pub async fn sign_in(app: &TestApp, username: &str) -> ApiUser {
        Self::sign_in_with(app, username, &["documents:read", "documents:write", "org:read", "work:read", "work:write"])
            .await
    }

    /// Signs `username` in with the demo password and makes a token with these scopes.
    pub async fn sign_in_with(app: &TestApp, username: &str, scopes: &[&str]) -> ApiUser {
        let client = app.client();
        let csrf = sign_in(app, &client, username, crate::common::DEMO_PASSWORD).await;
        let token = token(app, &client, &csrf, scopes).await;
        let caller = egov_service::Caller::system("test");
        let user_id = app.services.user_id_by_username(&caller, username).await.expect("user exists");
        ApiUser { username: username.into(), user_id, http: app.client(), token, base: app.base_url.clone() }
    }

    /// GET returning status and JSON (Null when the body is not JSON).
    pub async fn get(&self, path: &str) -> (StatusCode, serde_json::Value) {
        let res = self.http.get(format!("{}{path}", self.base)).bearer_auth(&self.token).send().await.expect("GET");
        let status = res.status();
        (status, res.json().await.unwrap_or(serde_json::Value::Null))
    }

    /// POST a JSON body.
    pub async fn post(&self, path: &str, body: serde_json::Value) -> (StatusCode, serde_json::Value) {
        let res = self
            .http
            .post(format!("{}{path}", self.base))
            .bearer_auth(&self.token)
            .json(&body)
            .send()
            .await
            .expect("POST");
        let status = res.status();
        (status, res.json().await.unwrap_or(serde_json::Value::Null))
    }

    /// POST a multipart form: text fields and (name, bytes) files.
    pub async fn post_multipart(
        &self,
        path: &str,
        fields: &[(&str, &str)],
        files: &[(&str, Vec<u8>)],
    ) -> (StatusCode, serde_json::Value) {
        let mut form = reqwest::multipart::Form::new();
        for (k, v) in fields {
            form = form.text(k.to_string(), v.to_string());
        }
        for (name, bytes) in files {
            form = form.part("files", reqwest::multipart::Part::bytes(bytes.clone()).file_name(name.to_string()));
        }
        let res = self
            .http
            .post(format!("{}{path}", self.base))
            .bearer_auth(&self.token)
            .multipart(form)
            .send()
            .await
            .expect("POST multipart");
        let status = res.status();
        (status, res.json().await.unwrap_or(serde_json::Value::Null))
    }

    /// The bearer token (for requests the helpers do not cover).
    pub fn token(&self) -> &str {
        &self.token
    }

    /// PUT a JSON body.
    pub async fn put(&self, path: &str, body: serde_json::Value) -> (StatusCode, serde_json::Value) {
        let res = self
            .http
            .put(format!("{}{path}", self.base))
            .bearer_auth(&self.token)
            .json(&body)
            .send()
            .await
            .expect("PUT");
        let status = res.status();
        (status, res.json().await.unwrap_or(serde_json::Value::Null))
    }

    /// DELETE; the status.
    pub async fn delete(&self, path: &str) -> StatusCode {
        self.http.delete(format!("{}{path}", self.base)).bearer_auth(&self.token).send().await.expect("DELETE").status()
    }

    /// GET raw bytes.
    pub async fn get_bytes(&self, path: &str) -> (StatusCode, Vec<u8>) {
        let res = self.http.get(format!("{}{path}", self.base)).bearer_auth(&self.token).send().await.expect("GET");
        let status = res.status();
        (status, res.bytes().await.map(|b| b.to_vec()).unwrap_or_default())
    }
}

/// Fields of a valid incoming registration, overridable by name.
pub fn incoming_fields<'a>(overrides: &[(&'a str, &'a str)]) -> Vec<(&'a str, &'a str)> {
    let mut fields = vec![
        ("sender_code", "H41.13"),
        ("sender_name", "Sở Tài chính"),
        ("number_notation", "05/QĐ-STC"),
        ("issued_on", "2026-01-15"),
        ("doc_type", "quyet_dinh"),
        ("subject", "Quyết định về việc phân bổ dự toán ngân sách năm 2026"),
        ("urgency", "urgent"),
        ("secrecy", "none"),
        ("deadline_days", "5"),
        ("page_count", "3"),
        ("signer", "Nguyễn Văn Bình"),
    ];
    for (k, v) in overrides {
        match fields.iter_mut().find(|(fk, _)| fk == k) {
            Some(f) => f.1 = v,
            None => fields.push((k, v)),
        }
    }
    fields
}

/// The text of a PDF as poppler's `pdftotext` reads it, whitespace collapsed; fails when the
/// tool is missing and `EGOV_REQUIRE_PDFSIG` is set (CI installs poppler-utils), else None.
pub fn pdftotext(bytes: &[u8]) -> Option<String> {
    let dir = tempfile::tempdir().expect("temporary folder");
    let path = dir.path().join("file.pdf");
    std::fs::write(&path, bytes).expect("write");
    match std::process::Command::new("pdftotext").arg("-layout").arg(&path).arg("-").output() {
        Ok(o) => {
            assert!(o.status.success(), "pdftotext failed: {}", String::from_utf8_lossy(&o.stderr));
            Some(String::from_utf8_lossy(&o.stdout).split_whitespace().collect::<Vec<_>>().join(" "))
        }
        Err(_) if std::env::var_os("EGOV_REQUIRE_PDFSIG").is_some() => panic!("pdftotext is required but missing"),
        Err(_) => None,
    }
}
