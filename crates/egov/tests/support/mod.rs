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
