//! Server-rendered pages: sign-in, the home dashboard, administration, the profile.

mod admin;
mod documents;
mod following;
mod form;
mod kept;
mod notifications;
mod notify_prefs;
mod profile;
mod records;
mod reports;
mod schedules;
mod stats;
mod work;

use askama::Template;
use axum::extract::State;
use axum::http::{header, HeaderMap};
use axum::response::{Html, IntoResponse, Redirect, Response};
use axum::routing::{get, post};
use axum::Router;
use axum_extra::extract::cookie::CookieJar;
use egov_domain::Lang;
use egov_service::auth::Stage;
use egov_service::AppError;
use egov_storage::accounts::GrantRow;
use egov_storage::org::PositionRow;
use form::Form;
use serde::Deserialize;

use crate::error::{message, PageError};
use crate::session::{
    cookie, page_layer, HalfSignedIn, SignedIn, Visitor, LANG_COOKIE, PRE_CSRF_COOKIE, SESSION_COOKIE,
};
use crate::view::{Ctx, FormErrors};
use crate::AppState;

/// Renders a template as a page.
pub(crate) fn render(t: &impl Template, lang: Lang) -> Result<Response, PageError> {
    t.render().map(|h| Html(h).into_response()).map_err(|e| PageError { err: AppError::internal(e), lang })
}

/// Page routes, all behind the session/CSRF layer.
pub(crate) fn routes(state: AppState) -> Router<AppState> {
    Router::new()
        .route("/", get(home))
        .route("/signin", get(signin_page).post(signin))
        .route("/signin/totp", get(totp_page).post(totp_submit))
        .route("/signout", post(signout))
        .route("/signout/everywhere", post(signout_everywhere))
        .route("/lang", post(set_lang))
        .merge(
            admin::routes()
                .merge(work::admin_routes())
                .route_layer(axum::middleware::from_fn_with_state(state.clone(), admin_guard)),
        )
        .merge(documents::routes())
        .merge(following::routes())
        .merge(notifications::routes())
        .merge(notify_prefs::routes())
        .merge(profile::routes())
        .merge(records::routes())
        .merge(work::routes())
        .merge(schedules::routes())
        .merge(reports::routes())
        .merge(stats::routes())
        .layer(axum::middleware::from_fn_with_state(state, page_layer))
}

async fn admin_guard(
    State(_): State<AppState>,
    s: SignedIn,
    req: axum::extract::Request,
    next: axum::middleware::Next,
) -> Result<Response, PageError> {
    admin::admin_only(s, req, next).await
}

#[derive(Template)]
#[template(path = "signin.html")]
struct SigninPage {
    ctx: Ctx,
    username: String,
    /// The page to go to after signing in (a checked path on this site), or "".
    return_to: String,
    errors: FormErrors,
    message: Option<String>,
}

#[derive(Deserialize)]
struct ReturnQuery {
    return_to: Option<String>,
}

/// A path on this site that sign-in may lead back to: a local path (`/documents/3?tab=1`),
/// never another origin or anything a browser could read as one.
pub(crate) fn safe_return_path(p: &str) -> Option<String> {
    same_origin_path(p, None).filter(|p| p.len() <= 1000 && !p.starts_with("/signin") && !p.starts_with("/signout"))
}

async fn signin_page(
    Visitor(v): Visitor,
    axum::extract::Query(q): axum::extract::Query<ReturnQuery>,
) -> Result<Response, PageError> {
    let return_to = q.return_to.as_deref().and_then(safe_return_path).unwrap_or_default();
    if v.session.as_ref().is_some_and(|s| s.stage == Stage::Full) {
        return Ok(Redirect::to(if return_to.is_empty() { "/" } else { &return_to }).into_response());
    }
    render(
        &SigninPage {
            ctx: Ctx::anonymous(&v, "signin.title"),
            return_to,
            username: String::new(),
            errors: FormErrors::default(),
            message: None,
        },
        v.lang,
    )
}

#[derive(Deserialize)]
struct SigninForm {
    #[serde(default)]
    username: String,
    #[serde(default)]
    password: String,
    #[serde(default)]
    return_to: String,
}

async fn signin(
    State(state): State<AppState>,
    Visitor(v): Visitor,
    jar: CookieJar,
    headers: HeaderMap,
    Form(f): Form<SigninForm>,
) -> Result<Response, PageError> {
    let agent = headers.get(header::USER_AGENT).and_then(|h| h.to_str().ok());
    match state.services.sign_in(&f.username, &f.password, v.ip.as_deref(), agent).await {
        Ok(s) => {
            let secure = state.settings.secure_cookies;
            let max_age = state.services.settings.session_max.as_secs() as i64;
            let jar = jar.add(cookie(SESSION_COOKIE, s.token, secure, Some(max_age))).remove(PRE_CSRF_COOKIE);
            let to = match s.stage {
                Stage::Totp => "/signin/totp",
                Stage::Enroll => "/profile/totp",
                Stage::Full if s.must_change_password => "/profile/password",
                Stage::Full => "/",
            };
            let back = safe_return_path(&f.return_to);
            let to = match (s.stage, back) {
                (Stage::Full, Some(p)) if !s.must_change_password => p,
                _ => to.to_string(),
            };
            Ok((jar, Redirect::to(&to)).into_response())
        }
        Err(e @ (AppError::BadCredentials | AppError::Throttled { .. })) => {
            let status = if matches!(e, AppError::Throttled { .. }) {
                axum::http::StatusCode::TOO_MANY_REQUESTS
            } else {
                axum::http::StatusCode::UNAUTHORIZED
            };
            let page = SigninPage {
                ctx: Ctx::anonymous(&v, "signin.title"),
                return_to: safe_return_path(&f.return_to).unwrap_or_default(),
                username: f.username.chars().take(64).collect(),
                errors: FormErrors::default(),
                message: Some(message(&e, v.lang)),
            };
            Ok((status, render(&page, v.lang)?).into_response())
        }
        Err(err) => Err(PageError { err, lang: v.lang }),
    }
}

#[derive(Template)]
#[template(path = "totp.html")]
struct TotpPage {
    ctx: Ctx,
    errors: FormErrors,
}

async fn totp_page(HalfSignedIn { ctx, session }: HalfSignedIn) -> Result<Response, PageError> {
    if session.stage != Stage::Totp {
        return Ok(Redirect::to("/").into_response());
    }
    render(&TotpPage { ctx: Ctx::anonymous(&ctx, "totp.title"), errors: FormErrors::default() }, ctx.lang)
}

#[derive(Deserialize)]
struct CodeForm {
    #[serde(default)]
    code: String,
}

async fn totp_submit(
    State(state): State<AppState>,
    HalfSignedIn { ctx, session }: HalfSignedIn,
    Form(f): Form<CodeForm>,
) -> Result<Response, PageError> {
    match state.services.verify_totp(&session, &f.code, ctx.ip.clone()).await {
        Ok(()) => {
            Ok(Redirect::to(if session.must_change_password { "/profile/password" } else { "/" }).into_response())
        }
        Err(e) => match FormErrors::from_error(&e, ctx.lang, &["code"]) {
            Some(errors) => render(&TotpPage { ctx: Ctx::anonymous(&ctx, "totp.title"), errors }, ctx.lang),
            None => Err(PageError { err: e, lang: ctx.lang }),
        },
    }
}

async fn signout(State(state): State<AppState>, Visitor(v): Visitor, jar: CookieJar) -> Result<Response, PageError> {
    if let Some(s) = &v.session {
        state.services.sign_out(s, v.ip.clone()).await.map_err(|err| PageError { err, lang: v.lang })?;
    }
    Ok((jar.remove(SESSION_COOKIE), Redirect::to("/signin")).into_response())
}

async fn signout_everywhere(State(state): State<AppState>, s: SignedIn, jar: CookieJar) -> Result<Response, PageError> {
    state.services.sign_out_everywhere(&s.caller).await.map_err(|err| PageError { err, lang: s.ctx.lang })?;
    Ok((jar.remove(SESSION_COOKIE), Redirect::to("/signin")).into_response())
}

/// The path (and query) of `url` when it is an address on this site (`host`, the request's
/// Host header), safe to redirect to; `None` for another origin or anything a browser could
/// read as one (`//evil`, `/\\evil`, control characters).
pub(crate) fn same_origin_path(url: &str, host: Option<&str>) -> Option<String> {
    let uri: axum::http::Uri = url.parse().ok()?;
    if let Some(authority) = uri.authority() {
        if host.is_none_or(|h| !h.eq_ignore_ascii_case(authority.as_str())) {
            return None;
        }
    }
    if uri.scheme_str().is_some_and(|s| s != "http" && s != "https") {
        return None;
    }
    let path = uri.path_and_query()?.as_str();
    let safe = path.starts_with('/')
        && !path.starts_with("//")
        && !path.contains('\\')
        && !path.bytes().any(|b| b.is_ascii_control());
    safe.then(|| path.to_string())
}

#[derive(Deserialize)]
struct LangForm {
    lang: String,
}

async fn set_lang(
    State(state): State<AppState>,
    jar: CookieJar,
    headers: HeaderMap,
    Form(f): Form<LangForm>,
) -> Response {
    let lang = Lang::parse(&f.lang).unwrap_or_default();
    let host = headers.get(header::HOST).and_then(|h| h.to_str().ok());
    let back = headers
        .get(header::REFERER)
        .and_then(|r| r.to_str().ok())
        .and_then(|r| same_origin_path(r, host))
        .unwrap_or_else(|| "/".into());
    let jar = jar.add(cookie(LANG_COOKIE, lang.as_str().to_string(), state.settings.secure_cookies, Some(365 * 86400)));
    (jar, Redirect::to(&back)).into_response()
}

#[derive(Template)]
#[template(path = "home.html")]
struct HomePage {
    ctx: Ctx,
    full_name: String,
    agency_name: String,
    positions: Vec<PositionRow>,
    grants: Vec<GrantRow>,
    /// (label key, count, the list it counts).
    counts: Vec<(&'static str, i64, &'static str)>,
}

async fn home(State(state): State<AppState>, s: SignedIn) -> Result<Response, PageError> {
    let positions = state.services.own_positions(&s.caller).await.map_err(|err| PageError { err, lang: s.ctx.lang })?;
    let grants = s.session.grants.clone();
    let fail = |err| PageError { err, lang: s.ctx.lang };
    use egov_service::documents::sending::Due;
    let (unread, open) = s.counts;
    let mut counts = vec![
        ("dash.open", open, "/inbox"),
        (
            "dash.overdue",
            state.services.inbox_due_count(&s.caller, Due::Overdue).await.map_err(fail)?,
            "/inbox?due=overdue",
        ),
        ("dash.week", state.services.inbox_due_count(&s.caller, Due::ThisWeek).await.map_err(fail)?, "/inbox?due=week"),
        ("dash.unread", unread, "/notifications?unread=1"),
    ];
    if s.caller.actor.has_role(egov_domain::Role::Clerk) {
        let waiting = state.services.to_register(&s.caller).await.map_err(fail)?.len() as i64;
        counts.push(("dash.to_register", waiting, "/inbox"));
    }
    let page = HomePage {
        counts,
        ctx: Ctx::signed_in(&s, "home.title"),
        full_name: s.session.full_name.clone(),
        agency_name: s.session.agency_name.clone(),
        positions,
        grants,
    };
    render(&page, s.ctx.lang)
}

/// Allowed notices after a redirect (`?notice=saved`).
pub(crate) fn notice_of(q: Option<&str>) -> Option<&'static str> {
    const NOTICES: &[(&str, &str)] = &[
        ("activated", "notice.activated"),
        ("assigned", "notice.assigned"),
        ("issued", "notice.issued"),
        ("key_imported", "notice.key_imported"),
        ("registered", "notice.registered"),
        ("result_accepted", "notice.result_accepted"),
        ("result_returned", "notice.result_returned"),
        ("created", "notice.created"),
        ("deactivated", "notice.deactivated"),
        ("password_changed", "notice.password_changed"),
        ("password_reset", "notice.password_reset"),
        ("revoked", "notice.revoked"),
        ("take_back_requested", "notice.take_back_requested"),
        ("update_sent", "notice.update_sent"),
        ("saved", "notice.saved"),
        ("sent", "notice.sent"),
        ("signed", "notice.signed"),
        ("token_revoked", "notice.token_revoked"),
        ("totp_disabled", "notice.totp_disabled"),
        ("totp_enabled", "notice.totp_enabled"),
        ("task_submitted", "notice.task_submitted"),
        ("task_accepted", "notice.task_accepted"),
        ("task_cancelled", "notice.task_cancelled"),
        ("series_created", "notice.series_created"),
        ("published", "notice.published"),
        ("entry_cancelled", "notice.entry_cancelled"),
        ("feed_created", "notice.feed_created"),
        ("feed_revoked", "notice.feed_revoked"),
        ("returned", "notice.returned"),
        ("reminded", "notice.reminded"),
        ("report_accepted", "notice.report_accepted"),
        ("report_ready", "notice.report_ready"),
    ];
    let q = q?;
    NOTICES.iter().find(|(name, _)| *name == q).map(|(_, key)| *key)
}

/// A page context with the notice named in the query, if allowed.
pub(crate) fn ctx_with_notice(s: &SignedIn, title: &'static str, notice: Option<&str>) -> Ctx {
    let ctx = Ctx::signed_in(s, title);
    match notice_of(notice) {
        Some(k) => ctx.notice(k),
        None => ctx,
    }
}

#[cfg(test)]
mod tests {
    use super::same_origin_path;

    #[test]
    fn only_same_origin_paths_are_redirect_targets() {
        let host = Some("egov.example:8080");
        assert_eq!(
            same_origin_path("http://egov.example:8080/documents/3?tab=1", host).as_deref(),
            Some("/documents/3?tab=1")
        );
        assert_eq!(same_origin_path("/inbox", host).as_deref(), Some("/inbox"));
        for evil in [
            "/\\evil.com",
            "//evil.com/x",
            "http://evil.com/",
            "http://egov.example:8080//evil.com",
            "http://egov.example:8080/\\evil.com",
            "https://egov.example:8080.evil.com/",
            "javascript:alert(1)",
            "evil.com",
            "",
        ] {
            assert_eq!(same_origin_path(evil, host), None, "{evil}");
        }
        assert_eq!(same_origin_path("http://egov.example:8080/", None), None, "no Host header, no absolute URL");
    }
}
