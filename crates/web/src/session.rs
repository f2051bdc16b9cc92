//! Who is asking: the session cookie, the language, CSRF protection, and the extractors that
//! give handlers a [`Caller`].
//!
//! Every page request passes [`page_layer`]: it resolves the session once, picks the language,
//! and refuses any state-changing form whose `csrf` field does not match the session's token
//! (or, before sign-in, the pre-session cookie). API calls authenticate with a bearer token,
//! or with the session cookie plus an `X-CSRF-Token` header.

use std::net::SocketAddr;

use axum::body::{Body, Bytes};
use axum::extract::{ConnectInfo, FromRequestParts, Request, State};
use axum::http::request::Parts;
use axum::http::{header, Method};
use axum::middleware::Next;
use axum::response::{IntoResponse, Redirect, Response};
use axum_extra::extract::cookie::{Cookie, CookieJar, SameSite};
use egov_domain::Lang;
use egov_service::auth::{SessionInfo, Stage};
use egov_service::{AppError, Caller};
use http_body_util::BodyExt;

use crate::error::{ApiError, PageError};
use crate::AppState;

pub(crate) const SESSION_COOKIE: &str = "egov_session";
pub(crate) const PRE_CSRF_COOKIE: &str = "egov_csrf";
pub(crate) const LANG_COOKIE: &str = "egov_lang";

/// What the page layer learned about the request.
#[derive(Clone, Debug)]
pub(crate) struct RequestContext {
    pub session: Option<SessionInfo>,
    pub lang: Lang,
    /// The token forms must echo: the session's, or the pre-session cookie's.
    pub csrf: String,
    pub ip: Option<String>,
}

fn client_ip(parts_ext: &axum::http::Extensions) -> Option<String> {
    parts_ext.get::<ConnectInfo<SocketAddr>>().map(|c| c.0.ip().to_string())
}

/// Builds a cookie with the project's attributes.
pub(crate) fn cookie(name: &'static str, value: String, secure: bool, max_age_secs: Option<i64>) -> Cookie<'static> {
    let mut c = Cookie::build((name, value)).path("/").http_only(true).same_site(SameSite::Lax).secure(secure).build();
    if let Some(s) = max_age_secs {
        c.set_max_age(cookie::time::Duration::seconds(s));
    }
    c
}

/// 32 random bytes from the operating system's generator, as hex.
fn random_token() -> String {
    egov_service::random_hex(32)
}

/// Compares secrets in time independent of where they differ.
pub(crate) fn same_secret(a: &str, b: &str) -> bool {
    a.len() == b.len() && a.bytes().zip(b.bytes()).fold(0u8, |acc, (x, y)| acc | (x ^ y)) == 0
}

fn form_field(body: &[u8], name: &str) -> Option<String> {
    serde_html_form::from_bytes::<Vec<(String, String)>>(body)
        .ok()?
        .into_iter()
        .find(|(k, _)| k == name)
        .map(|(_, v)| v)
}

/// The page middleware: session, language, CSRF.
pub(crate) async fn page_layer(State(state): State<AppState>, jar: CookieJar, req: Request, next: Next) -> Response {
    let ip = client_ip(req.extensions());
    let session = match jar.get(SESSION_COOKIE).map(|c| c.value().to_string()) {
        Some(token) => match state.services.session(&token).await {
            Ok(s) => s,
            Err(e) => return PageError { err: e, lang: Lang::Vi }.into_response(),
        },
        None => None,
    };
    let cookie_lang = jar.get(LANG_COOKIE).and_then(|c| Lang::parse(c.value()));
    let lang = cookie_lang.or(session.as_ref().map(|s| s.locale)).unwrap_or_default();
    let mut new_pre = None;
    let csrf = match &session {
        Some(s) => s.csrf_token.clone(),
        None => match jar.get(PRE_CSRF_COOKIE) {
            Some(c) if c.value().len() == 64 => c.value().to_string(),
            _ => {
                let t = random_token();
                new_pre = Some(t.clone());
                t
            }
        },
    };
    let unsafe_method = !matches!(*req.method(), Method::GET | Method::HEAD | Method::OPTIONS);
    let req = if unsafe_method {
        let (parts, body) = req.into_parts();
        let bytes: Bytes = match body.collect().await {
            Ok(b) => b.to_bytes(),
            Err(_) => {
                return PageError {
                    err: AppError::invalid(
                        "body",
                        "too_large",
                        "Dữ liệu gửi lên quá lớn.",
                        "The request is too large.",
                    ),
                    lang,
                }
                .into_response()
            }
        };
        // A multipart form (file upload) carries its token in the action URL's query string:
        // the body is not parsed here.
        let multipart = parts
            .headers
            .get(axum::http::header::CONTENT_TYPE)
            .and_then(|v| v.to_str().ok())
            .is_some_and(|v| v.starts_with("multipart/form-data"));
        let sent = if multipart {
            parts.uri.query().and_then(|q| form_field(q.as_bytes(), "csrf")).unwrap_or_default()
        } else {
            form_field(&bytes, "csrf").unwrap_or_default()
        };
        if new_pre.is_some() || !same_secret(&sent, &csrf) {
            tracing::warn!(path = %parts.uri.path(), "form refused: CSRF token missing or wrong");
            return PageError { err: AppError::Forbidden, lang }.into_response();
        }
        Request::from_parts(parts, Body::from(bytes))
    } else {
        req
    };
    let mut req = req;
    req.extensions_mut().insert(RequestContext { session, lang, csrf, ip });
    let resp = next.run(req).await;
    match new_pre {
        Some(t) => (jar.add(cookie(PRE_CSRF_COOKIE, t, state.settings.secure_cookies, None)), resp).into_response(),
        None => resp,
    }
}

/// Any page request: language, CSRF token, maybe a session.
#[derive(Clone, Debug)]
pub(crate) struct Visitor(pub RequestContext);

impl<S: Send + Sync> FromRequestParts<S> for Visitor {
    type Rejection = PageError;

    async fn from_request_parts(parts: &mut Parts, _: &S) -> Result<Self, Self::Rejection> {
        parts
            .extensions
            .get::<RequestContext>()
            .cloned()
            .map(Visitor)
            .ok_or(PageError { err: AppError::internal(anyhow::anyhow!("page layer missing")), lang: Lang::Vi })
    }
}

/// A fully signed-in person on a page.
#[derive(Clone, Debug)]
pub(crate) struct SignedIn {
    pub ctx: RequestContext,
    pub session: SessionInfo,
    pub caller: Caller,
    /// Unread notifications and open inbox items, for the header.
    pub counts: (i64, i64),
}

/// Where a session that is not fully signed in must go first, if anywhere.
fn detour(s: &SessionInfo, path: &str) -> Option<&'static str> {
    match s.stage {
        Stage::Totp => Some("/signin/totp"),
        Stage::Enroll if !path.starts_with("/profile/totp") => Some("/profile/totp"),
        Stage::Full if s.must_change_password && path != "/profile/password" => Some("/profile/password"),
        _ => None,
    }
}

/// Rejection of [`SignedIn`]: a redirect or an error page.
#[derive(Debug)]
pub(crate) enum SignInNeeded {
    Redirect(String),
    Error(PageError),
}

impl IntoResponse for SignInNeeded {
    fn into_response(self) -> Response {
        match self {
            SignInNeeded::Redirect(to) => Redirect::to(&to).into_response(),
            SignInNeeded::Error(e) => e.into_response(),
        }
    }
}

impl FromRequestParts<AppState> for SignedIn {
    type Rejection = SignInNeeded;

    async fn from_request_parts(parts: &mut Parts, state: &AppState) -> Result<Self, Self::Rejection> {
        let Visitor(ctx) = Visitor::from_request_parts(parts, state).await.map_err(SignInNeeded::Error)?;
        let Some(session) = ctx.session.clone() else {
            // A page asked for while signed out is where sign-in leads (GET only: a form
            // posted with an expired session cannot be replayed).
            let back = (parts.method == axum::http::Method::GET)
                .then(|| parts.uri.path_and_query().map(|p| p.as_str().to_string()))
                .flatten()
                .filter(|p| p != "/" && crate::pages::safe_return_path(p).is_some());
            let to = match back {
                Some(p) => {
                    format!("/signin?return_to={}", form_urlencoded::byte_serialize(p.as_bytes()).collect::<String>())
                }
                None => "/signin".to_string(),
            };
            return Err(SignInNeeded::Redirect(to));
        };
        if let Some(to) = detour(&session, parts.uri.path()) {
            return Err(SignInNeeded::Redirect(to.to_string()));
        }
        if session.stage != Stage::Full {
            return Err(SignInNeeded::Redirect("/signin".to_string()));
        }
        let caller = state
            .services
            .session_caller(&session, ctx.ip.clone())
            .await
            .map_err(|err| SignInNeeded::Error(PageError { err, lang: ctx.lang }))?;
        let counts = state.services.header_counts(&caller).await.unwrap_or_default();
        Ok(SignedIn { ctx, session, caller, counts })
    }
}

/// A session that has passed the password but may still owe the second factor.
#[derive(Clone, Debug)]
pub(crate) struct HalfSignedIn {
    pub ctx: RequestContext,
    pub session: SessionInfo,
}

impl<S: Send + Sync> FromRequestParts<S> for HalfSignedIn {
    type Rejection = SignInNeeded;

    async fn from_request_parts(parts: &mut Parts, state: &S) -> Result<Self, Self::Rejection> {
        let Visitor(ctx) = Visitor::from_request_parts(parts, state).await.map_err(SignInNeeded::Error)?;
        let session = ctx.session.clone().ok_or(SignInNeeded::Redirect("/signin".to_string()))?;
        Ok(HalfSignedIn { ctx, session })
    }
}

/// Language of an API response: English when the client asks for it first, else Vietnamese.
pub(crate) fn api_lang(parts: &Parts) -> Lang {
    lang_of_headers(&parts.headers)
}

/// The language an API client asks for in `Accept-Language` (English if it starts with `en`, else Vietnamese).
pub(crate) fn lang_of_headers(headers: &axum::http::HeaderMap) -> Lang {
    headers
        .get(header::ACCEPT_LANGUAGE)
        .and_then(|v| v.to_str().ok())
        .map(|v| if v.trim_start().to_ascii_lowercase().starts_with("en") { Lang::En } else { Lang::Vi })
        .unwrap_or_default()
}

/// An authenticated API caller (bearer token, or session cookie with `X-CSRF-Token` on writes).
#[derive(Clone, Debug)]
pub(crate) struct ApiCaller {
    pub caller: Caller,
    pub lang: Lang,
}

/// Language of an API request, for handlers that do not need a caller.
#[derive(Clone, Copy, Debug)]
pub(crate) struct ApiLang(pub Lang);

impl<S: Send + Sync> FromRequestParts<S> for ApiLang {
    type Rejection = ApiError;

    async fn from_request_parts(parts: &mut Parts, _: &S) -> Result<Self, Self::Rejection> {
        Ok(ApiLang(api_lang(parts)))
    }
}

impl<S: Send + Sync> FromRequestParts<S> for ApiCaller {
    type Rejection = ApiError;

    async fn from_request_parts(parts: &mut Parts, _: &S) -> Result<Self, Self::Rejection> {
        // Put there by `api_guard`, which every API route declares with its access; a route
        // without a declaration has no caller (fails closed).
        parts.extensions.get::<ApiCaller>().cloned().ok_or(ApiError {
            err: AppError::internal(anyhow::anyhow!("API route without an access declaration")),
            lang: api_lang(parts),
        })
    }
}

/// The access check of every API route, declared once per route (`api::Access`): resolves
/// the caller from the bearer token or the session cookie (with `X-CSRF-Token` on writes),
/// refuses tokens on session-only routes and tokens lacking the route's scope, and refuses
/// everything but the password change while a password change is due.
pub(crate) async fn api_guard(
    State(state): State<AppState>,
    access: crate::api::Access,
    mut req: Request,
    next: Next,
) -> Response {
    use crate::api::Access;
    if access == Access::Public {
        return next.run(req).await;
    }
    let (mut parts, body) = req.into_parts();
    let caller = match authenticate(&mut parts, &state, access).await {
        Ok(c) => c,
        Err(e) => return e.into_response(),
    };
    req = Request::from_parts(parts, body);
    req.extensions_mut().insert(caller);
    next.run(req).await
}

async fn authenticate(parts: &mut Parts, state: &AppState, access: crate::api::Access) -> Result<ApiCaller, ApiError> {
    use crate::api::Access;
    let lang = api_lang(parts);
    let fail = |err| ApiError { err, lang };
    let ip = client_ip(&parts.extensions);
    if let Some(auth) = parts.headers.get(header::AUTHORIZATION) {
        let value = auth.to_str().map_err(|_| fail(AppError::Unauthenticated))?;
        let token = value.strip_prefix("Bearer ").ok_or(fail(AppError::Unauthenticated))?;
        let caller = state.services.token_caller(token.trim(), ip).await.map_err(fail)?;
        let allowed = match access {
            Access::Scope(scope) => caller.actor.allows(scope),
            Access::Session | Access::OwnPassword | Access::Public => false,
        };
        if !allowed {
            return Err(fail(AppError::Forbidden));
        }
        return Ok(ApiCaller { caller, lang });
    }
    let jar = CookieJar::from_headers(&parts.headers);
    let token = jar.get(SESSION_COOKIE).map(|c| c.value().to_string()).ok_or(fail(AppError::Unauthenticated))?;
    let session = state.services.session(&token).await.map_err(fail)?.ok_or(fail(AppError::Unauthenticated))?;
    if !matches!(parts.method, Method::GET | Method::HEAD) {
        let sent = parts.headers.get("x-csrf-token").and_then(|v| v.to_str().ok()).unwrap_or_default();
        if !same_secret(sent, &session.csrf_token) {
            return Err(fail(AppError::Forbidden));
        }
    }
    if session.must_change_password && access != Access::OwnPassword {
        return Err(fail(AppError::PasswordChangeRequired));
    }
    let caller = state.services.session_caller(&session, ip).await.map_err(fail)?;
    Ok(ApiCaller { caller, lang })
}
