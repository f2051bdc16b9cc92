//! Turning the one error type into responses: a JSON envelope for the API, a page for browsers.

use askama::Template;
use axum::http::{header, HeaderValue, StatusCode};
use axum::response::{Html, IntoResponse, Redirect, Response};
use egov_domain::Lang;
use egov_service::AppError;
use serde::Serialize;
use utoipa::ToSchema;

use crate::i18n::tr;

/// Status, stable code and message key of an error.
fn classify(e: &AppError) -> (StatusCode, &'static str) {
    match e {
        AppError::Invalid(_) => (StatusCode::UNPROCESSABLE_ENTITY, "invalid_input"),
        AppError::Conflict(_) => (StatusCode::CONFLICT, "conflict"),
        AppError::NotFound => (StatusCode::NOT_FOUND, "not_found"),
        AppError::Forbidden => (StatusCode::FORBIDDEN, "forbidden"),
        AppError::PasswordChangeRequired => (StatusCode::FORBIDDEN, "password_change_required"),
        AppError::Unauthenticated => (StatusCode::UNAUTHORIZED, "unauthenticated"),
        AppError::BadCredentials => (StatusCode::UNAUTHORIZED, "bad_credentials"),
        AppError::Throttled { .. } => (StatusCode::TOO_MANY_REQUESTS, "too_many_attempts"),
        AppError::Unavailable => (StatusCode::SERVICE_UNAVAILABLE, "unavailable"),
        AppError::Internal(_) => (StatusCode::INTERNAL_SERVER_ERROR, "internal"),
    }
}

fn log(e: &AppError) {
    if let AppError::Internal(cause) = e {
        tracing::error!(error = format!("{cause:#}"), "request failed");
    }
}

fn retry_after(e: &AppError, resp: &mut Response) {
    if let AppError::Throttled { retry_after_secs } = e {
        if let Ok(v) = HeaderValue::from_str(&retry_after_secs.to_string()) {
            resp.headers_mut().insert(header::RETRY_AFTER, v);
        }
    }
}

/// The message shown for an error, in `lang`.
pub(crate) fn message(e: &AppError, lang: Lang) -> String {
    let (_, code) = classify(e);
    match e {
        AppError::Throttled { retry_after_secs } => {
            tr(lang, "error.too_many_attempts").replace("{minutes}", &retry_after_secs.div_ceil(60).to_string())
        }
        _ => tr(lang, &format!("error.{code}")).to_string(),
    }
}

/// One field at fault.
#[derive(Debug, Serialize, ToSchema)]
pub struct FieldProblem {
    /// Input field name, as in the request body.
    pub field: String,
    /// Stable machine code (`duplicate`, `too_long`, …).
    pub code: String,
    /// Human message in the requested language.
    pub message: String,
}

/// The error envelope every API error uses.
#[derive(Debug, Serialize, ToSchema)]
pub struct ErrorBody {
    pub error: ErrorDetail,
}

/// What went wrong.
#[derive(Debug, Serialize, ToSchema)]
pub struct ErrorDetail {
    /// Stable machine code: invalid_input, conflict, not_found, forbidden, unauthenticated,
    /// bad_credentials, too_many_attempts, unavailable, internal, password_change_required.
    pub code: String,
    /// Human message in the requested language (Vietnamese unless `Accept-Language: en`).
    pub message: String,
    /// Fields at fault, when the input was rejected.
    pub fields: Vec<FieldProblem>,
}

/// An error answered as JSON.
#[derive(Debug)]
pub struct ApiError {
    pub err: AppError,
    pub lang: Lang,
}

impl IntoResponse for ApiError {
    fn into_response(self) -> Response {
        log(&self.err);
        let (status, code) = classify(&self.err);
        let fields = match &self.err {
            AppError::Invalid(list) => list.iter().collect(),
            AppError::Conflict(f) => vec![f],
            _ => Vec::new(),
        }
        .into_iter()
        .map(|f| FieldProblem {
            field: f.field.to_string(),
            code: f.code.to_string(),
            message: f.message(self.lang).to_string(),
        })
        .collect();
        let body =
            ErrorBody { error: ErrorDetail { code: code.to_string(), message: message(&self.err, self.lang), fields } };
        let mut resp = (status, axum::Json(body)).into_response();
        retry_after(&self.err, &mut resp);
        resp
    }
}

#[derive(Template)]
#[template(path = "error.html")]
struct ErrorPage<'a> {
    lang: &'a str,
    title: String,
    message: String,
    home: &'a str,
}

/// An error answered as a page (or a redirect to sign-in).
#[derive(Debug)]
pub struct PageError {
    pub err: AppError,
    pub lang: Lang,
}

impl From<AppError> for PageError {
    fn from(err: AppError) -> Self {
        PageError { err, lang: Lang::Vi }
    }
}

impl IntoResponse for PageError {
    fn into_response(self) -> Response {
        if matches!(self.err, AppError::Unauthenticated) {
            return Redirect::to("/signin").into_response();
        }
        log(&self.err);
        let (status, _) = classify(&self.err);
        let page = ErrorPage {
            lang: self.lang.as_str(),
            title: format!("{} {}", status.as_u16(), tr(self.lang, "error.title")),
            message: match &self.err {
                // A refused form shown as a page: say what was wrong with which field.
                AppError::Invalid(list) if !list.is_empty() => {
                    let fields: Vec<&str> = list.iter().map(|f| f.message(self.lang)).collect();
                    format!("{} {}", message(&self.err, self.lang), fields.join(" "))
                }
                _ => message(&self.err, self.lang),
            },
            home: tr(self.lang, "nav.home"),
        };
        let mut resp = match page.render() {
            Ok(html) => (status, Html(html)).into_response(),
            Err(_) => status.into_response(),
        };
        retry_after(&self.err, &mut resp);
        resp
    }
}
