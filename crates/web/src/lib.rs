//! egov's web face: server-rendered pages (Vietnamese first), the JSON API under `/api/v1`
//! with its OpenAPI document, and the operations endpoints. Handlers are thin: parse input,
//! call one service function, render.
#![forbid(unsafe_code)]

mod api;
mod books;
mod chart;
mod error;
pub mod export;
mod i18n;
mod metrics;
mod pages;
mod session;
mod view;

use std::sync::Arc;

use axum::extract::{DefaultBodyLimit, State};
use axum::http::{header, HeaderValue, StatusCode};
use axum::response::IntoResponse;
use axum::routing::get;
use axum::Router;
use egov_service::Services;
use tower_http::set_header::SetResponseHeaderLayer;

pub use api::{openapi_json, route_table, Access, RouteInfo};

/// Settings of the web layer.
#[derive(Clone, Debug)]
pub struct WebSettings {
    /// Mark cookies `Secure` (must be on behind TLS).
    pub secure_cookies: bool,
    /// Largest request body accepted, in bytes.
    pub max_body_bytes: usize,
    /// Address users reach the server at, for links.
    pub public_url: String,
    /// Bearer token `/metrics` asks for; `None`: metrics are not served.
    pub metrics_token: Option<String>,
}

impl Default for WebSettings {
    fn default() -> Self {
        WebSettings {
            secure_cookies: false,
            max_body_bytes: 110 * 1024 * 1024,
            public_url: "http://127.0.0.1:8080".into(),
            metrics_token: None,
        }
    }
}

/// Shared state of every handler.
#[derive(Clone, Debug)]
pub struct AppState {
    pub services: Services,
    pub settings: Arc<WebSettings>,
    metrics: Arc<metrics::Metrics>,
}

impl AppState {
    /// Builds the state.
    pub fn new(services: Services, settings: WebSettings) -> AppState {
        AppState { services, settings: Arc::new(settings), metrics: Arc::new(metrics::Metrics::new()) }
    }
}

/// The whole application: pages, API, operations endpoints and static files.
pub fn router(state: AppState) -> Router {
    let limit = state.settings.max_body_bytes;
    Router::new()
        .merge(pages::routes(state.clone()))
        .nest("/api/v1", api::routes(state.clone()))
        .route("/healthz", get(|| async { "ok" }))
        .route("/ical/{name}", get(api::schedules::ical_feed))
        .route("/readyz", get(readyz))
        .route("/pki/demo-root.crl", get(demo_crl))
        .route("/pki/tsa", axum::routing::post(demo_tsa))
        .route("/metrics", get(metrics::render))
        .route("/static/app.css", get(stylesheet))
        .route("/static/live.js", get(live_script))
        .route("/sw.js", get(service_worker))
        .fallback(page_not_found)
        .layer(axum::middleware::from_fn_with_state(state.clone(), metrics::track))
        .layer(DefaultBodyLimit::max(limit))
        .layer(SetResponseHeaderLayer::if_not_present(header::X_CONTENT_TYPE_OPTIONS, HeaderValue::from_static("nosniff")))
        .layer(SetResponseHeaderLayer::if_not_present(header::X_FRAME_OPTIONS, HeaderValue::from_static("DENY")))
        .layer(SetResponseHeaderLayer::if_not_present(header::REFERRER_POLICY, HeaderValue::from_static("same-origin")))
        .layer(SetResponseHeaderLayer::if_not_present(
            header::CONTENT_SECURITY_POLICY,
            HeaderValue::from_static("default-src 'self'; img-src 'self' data:; style-src 'self'; form-action 'self'; frame-ancestors 'none'"),
        ))
        .with_state(state)
}

/// The demo root's revocation list (the CRL distribution point written into demo certificates).
async fn demo_crl(State(state): State<AppState>) -> axum::response::Response {
    let path = state.services.settings.pki_dir.join(egov_service::signatures::demo::CRL_FILE);
    match tokio::fs::read(path).await {
        Ok(bytes) => ([(header::CONTENT_TYPE, "application/pkix-crl")], bytes).into_response(),
        Err(_) => StatusCode::NOT_FOUND.into_response(),
    }
}

/// The demo time-stamp authority (RFC 3161 over HTTP), served when `egov pki demo` made its key.
async fn demo_tsa(State(state): State<AppState>, body: axum::body::Bytes) -> axum::response::Response {
    let dir = state.services.settings.pki_dir.clone();
    let answer = tokio::task::spawn_blocking(move || {
        let Some(tsa) = egov_service::signatures::demo::demo_tsa(&dir) else {
            return Err(StatusCode::NOT_FOUND);
        };
        let now = std::time::SystemTime::now().duration_since(std::time::UNIX_EPOCH).unwrap_or_default();
        let serial = u64::try_from(now.as_micros()).unwrap_or_default();
        Ok(match egov_pades::timestamp::parse_request(&body) {
            Ok(request) => egov_pades::timestamp::respond(&tsa, &request, serial, now.as_secs() as i64)
                .unwrap_or_else(|e| egov_pades::timestamp::reject(&e.to_string())),
            Err(e) => egov_pades::timestamp::reject(&e.to_string()),
        })
    })
    .await;
    match answer {
        Ok(Ok(der)) => ([(header::CONTENT_TYPE, "application/timestamp-reply")], der).into_response(),
        Ok(Err(status)) => status.into_response(),
        Err(_) => StatusCode::INTERNAL_SERVER_ERROR.into_response(),
    }
}

async fn readyz(State(state): State<AppState>) -> impl IntoResponse {
    match state.services.store.ping().await {
        Ok(()) => (StatusCode::OK, "ready"),
        Err(e) => {
            tracing::warn!(error = %e, "readiness check failed");
            (StatusCode::SERVICE_UNAVAILABLE, "database unreachable")
        }
    }
}

/// egov's own "not found" page, in the visitor's language, for any unknown address.
async fn page_not_found(jar: axum_extra::extract::cookie::CookieJar) -> error::PageError {
    let lang = jar.get(session::LANG_COOKIE).and_then(|c| egov_domain::Lang::parse(c.value())).unwrap_or_default();
    error::PageError { err: egov_service::AppError::NotFound, lang }
}

async fn live_script() -> impl IntoResponse {
    (
        [(header::CONTENT_TYPE, "text/javascript; charset=utf-8"), (header::CACHE_CONTROL, "public, max-age=3600")],
        include_str!("../static/live.js"),
    )
}

/// The service worker, served at the root so that its scope is the whole site.
async fn service_worker() -> impl IntoResponse {
    (
        [(header::CONTENT_TYPE, "text/javascript; charset=utf-8"), (header::CACHE_CONTROL, "no-cache")],
        include_str!("../static/sw.js"),
    )
}

async fn stylesheet() -> impl IntoResponse {
    (
        [(header::CONTENT_TYPE, "text/css; charset=utf-8"), (header::CACHE_CONTROL, "public, max-age=3600")],
        include_str!("../static/app.css"),
    )
}
