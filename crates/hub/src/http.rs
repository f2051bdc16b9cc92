//! The HTTP face of the hub: `/hub/v1/*` (signed requests), `/metrics` and `/admin`.
//! Handlers are thin: authenticate, call into [`crate::accept::Inner`] or the database, answer.

use std::sync::Arc;
use std::time::Duration;

use axum::body::Body;
use axum::extract::{DefaultBodyLimit, Path, Request, State};
use axum::http::{header, HeaderMap, StatusCode};
use axum::response::{IntoResponse, Response};
use axum::routing::{get, post};
use axum::{Json, Router};
use bytes::Bytes;
use http_body_util::BodyExt as _;
use serde_json::json;

use crate::accept::{Inner, Origin, Refusal};
use crate::auth::{self, AuthError};
use crate::client::{DirectoryEntry, Pending};
use crate::db::{now_ms, DirectoryRow, WriteOp};
use crate::registry::System;
use crate::SystemKind;

type St = State<Arc<Inner>>;

pub(crate) fn router(inner: Arc<Inner>) -> Router {
    Router::new()
        .route("/hub/v1/packages", post(send_package))
        .route("/hub/v1/statuses", post(send_status))
        .route("/hub/v1/pending", get(pending))
        .route("/hub/v1/packages/{id}", get(fetch))
        .route("/hub/v1/packages/{id}/ack", post(ack))
        .route("/hub/v1/directory", get(directory).put(put_directory))
        .route("/metrics", get(crate::admin::metrics))
        .route("/admin", get(crate::admin::page))
        .route("/admin/deliveries/{id}/retry", post(crate::admin::retry))
        .route("/healthz", get(|| async { "ok" }))
        .layer(DefaultBodyLimit::disable())
        .with_state(inner)
}

impl IntoResponse for Refusal {
    fn into_response(self) -> Response {
        let status = StatusCode::from_u16(self.status).unwrap_or(StatusCode::INTERNAL_SERVER_ERROR);
        let mut body = json!({ "code": self.code, "message_vi": self.message_vi, "message_en": self.message_en });
        if let (Some(details), Some(obj)) = (self.details, body.as_object_mut()) {
            obj.insert("details".into(), details);
        }
        (status, Json(body)).into_response()
    }
}

fn auth_refusal(e: &AuthError) -> Refusal {
    let (vi, en) = match e {
        AuthError::Missing => (
            "Thiếu hoặc sai tiêu đề xác thực (X-Egov-System, X-Egov-Date, X-Egov-Signature).".to_string(),
            "Missing or unreadable authentication headers (X-Egov-System, X-Egov-Date, X-Egov-Signature).".to_string(),
        ),
        AuthError::Stale => (
            format!("Thời điểm của yêu cầu lệch quá {} giây so với trục liên thông.", auth::MAX_SKEW_SECS),
            format!("The request date is more than {} seconds away from the hub's clock.", auth::MAX_SKEW_SECS),
        ),
        AuthError::UnknownSystem => (
            "Hệ thống chưa được đăng ký với trục liên thông.".to_string(),
            "The system is not registered at this hub.".to_string(),
        ),
        AuthError::Untrusted(en) => (
            "Chứng thư số của hệ thống không được tin cậy hoặc đã hết hạn.".to_string(),
            format!("The system's certificate is not trusted or not valid: {en}"),
        ),
        AuthError::BadSignature => {
            ("Chữ ký của yêu cầu không đúng.".to_string(), "The request signature does not verify.".to_string())
        }
    };
    Refusal::new(401, e.code(), vi, en)
}

fn header_str<'a>(headers: &'a HeaderMap, name: &str) -> Option<&'a str> {
    headers.get(name).and_then(|v| v.to_str().ok())
}

/// Headers checked before the body is read: the caller exists, its certificate is trusted, the
/// date is fresh. Returns the system, the date and the signature text.
async fn precheck(inner: &Inner, headers: &HeaderMap) -> Result<(Arc<System>, i64, String), AuthError> {
    let (Some(code), Some(date), Some(sig)) = (
        header_str(headers, auth::HEADER_SYSTEM),
        header_str(headers, auth::HEADER_DATE),
        header_str(headers, auth::HEADER_SIGNATURE),
    ) else {
        return Err(AuthError::Missing);
    };
    let date = auth::check_date(date, now_ms() / 1000)?;
    let code = egov_domain::agency_code::AgencyCode::parse(code, "system").map_err(|_| AuthError::UnknownSystem)?;
    let snapshot = inner.registry.snapshot(&inner.db).await.map_err(|e| {
        tracing::error!(error = %format!("{e:#}"), "registry unavailable");
        AuthError::UnknownSystem
    })?;
    let system = snapshot.by_code.get(code.as_str()).cloned().ok_or(AuthError::UnknownSystem)?;
    inner
        .registry
        .check_chain(&inner.trust, &system.certificate, &[])
        .map_err(|p| AuthError::Untrusted(crate::accept::chain_en(&p)))?;
    Ok((system, date, sig.to_string()))
}

/// Hex SHA-256 of the empty body.
const EMPTY_SHA256: &str = "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855";

/// Authenticates a request whose body has the hex SHA-256 `body_sha256`.
async fn authenticate(
    inner: &Inner,
    req: &axum::http::request::Parts,
    body_sha256: &str,
) -> Result<Arc<System>, Refusal> {
    let result = async {
        let (system, date, sig) = precheck(inner, &req.headers).await?;
        let pq = req.uri.path_and_query().map(|p| p.as_str()).unwrap_or("/");
        let alg = system.algorithm.ok_or(AuthError::BadSignature)?;
        auth::verify_request(&system.certificate, alg, req.method.as_str(), pq, date, body_sha256, &sig)?;
        Ok::<_, AuthError>(system)
    }
    .await;
    match result {
        Ok(s) => Ok(s),
        Err(e) => {
            let r = auth_refusal(&e);
            inner.log_refusal(header_str(&req.headers, auth::HEADER_SYSTEM), &r, None, None).await;
            Err(r)
        }
    }
}

/// Reads a package body, refusing it as soon as it passes the size limit.
async fn read_body(inner: &Inner, headers: &HeaderMap, body: Body) -> Result<Bytes, Refusal> {
    let max = inner.settings.max_package_bytes;
    let declared = header_str(headers, header::CONTENT_LENGTH.as_str()).and_then(|v| v.parse::<u64>().ok());
    let refuse = |size: Option<usize>| async move {
        let r = Refusal::too_large(max);
        inner.log_refusal(header_str(headers, auth::HEADER_SYSTEM), &r, None, size).await;
        r
    };
    if declared.is_some_and(|n| n > max as u64) {
        return Err(refuse(declared.map(|n| n as usize)).await);
    }
    match http_body_util::Limited::new(body, max).collect().await {
        Ok(c) => Ok(c.to_bytes()),
        Err(e) if e.downcast_ref::<http_body_util::LengthLimitError>().is_some() => Err(refuse(None).await),
        Err(_) => {
            Err(Refusal::new(400, "bad_request", "Không đọc được nội dung yêu cầu.", "Cannot read the request body."))
        }
    }
}

async fn send_package(State(inner): St, req: Request) -> Response {
    send(inner, req, false).await
}

async fn send_status(State(inner): St, req: Request) -> Response {
    send(inner, req, true).await
}

async fn send(inner: Arc<Inner>, req: Request, only_status: bool) -> Response {
    let (parts, body) = req.into_parts();
    // Cheap header checks first: no need to read 60 MB for an unknown caller.
    if let Err(e) = precheck(&inner, &parts.headers).await {
        let r = auth_refusal(&e);
        inner.log_refusal(header_str(&parts.headers, auth::HEADER_SYSTEM), &r, None, None).await;
        return r.into_response();
    }
    let bytes = match read_body(&inner, &parts.headers, body).await {
        Ok(b) => b,
        Err(r) => return r.into_response(),
    };
    // The package id is the body's SHA-256, which the request signature covers too.
    let id = crate::package_id(&bytes);
    let system = match authenticate(&inner, &parts, &id).await {
        Ok(s) => s,
        Err(r) => return r.into_response(),
    };
    if only_status && !looks_like_status(&inner, &bytes) {
        let r = Refusal::new(
            400,
            "not_a_status",
            "Địa chỉ này chỉ nhận gói tin trạng thái (edXML:Status).",
            "This endpoint only takes status packages (edXML:Status).",
        );
        inner.log_refusal(Some(system.code.as_str()), &r, Some(&id), Some(bytes.len())).await;
        return r.into_response();
    }
    match inner.accept(&Origin::Caller(system), id, bytes).await {
        Ok(a) if a.duplicate => (StatusCode::OK, Json(json!({ "id": a.id, "duplicate": true }))).into_response(),
        Ok(a) => (StatusCode::ACCEPTED, Json(json!({ "id": a.id, "duplicate": false }))).into_response(),
        Err(r) => r.into_response(),
    }
}

/// Whether the package is a status package (its main element is `Status`), read cheaply.
fn looks_like_status(inner: &Inner, bytes: &[u8]) -> bool {
    matches!(egov_edxml::read_message_with(bytes, &inner.read_options()), Ok(egov_edxml::Message::Status(_)))
}

#[derive(serde::Deserialize)]
struct PendingQuery {
    wait: Option<u64>,
}

async fn pending(State(inner): St, req: Request) -> Response {
    let (parts, _) = req.into_parts();
    let system = match authenticate(&inner, &parts, EMPTY_SHA256).await {
        Ok(s) => s,
        Err(r) => return r.into_response(),
    };
    let wait = parts.uri.query().and_then(parse_pending_query).and_then(|q: PendingQuery| q.wait).unwrap_or(0).min(30);
    let code = system.code.as_str().to_string();
    let notify = inner.waiters.get(&code);
    let notified = notify.notified();
    tokio::pin!(notified);
    notified.as_mut().enable();
    let mut rows = match inner.db.pending(&code, 100).await {
        Ok(r) => r,
        Err(e) => return internal(e),
    };
    if rows.is_empty() && wait > 0 {
        let mut shutdown = inner.shutdown.subscribe();
        tokio::select! {
            _ = notified => {}
            _ = tokio::time::sleep(Duration::from_secs(wait)) => {}
            _ = shutdown.wait_for(|s| *s) => {}
        }
        rows = match inner.db.pending(&code, 100).await {
            Ok(r) => r,
            Err(e) => return internal(e),
        };
    }
    let list: Vec<Pending> = rows
        .into_iter()
        .map(|r| Pending {
            id: r.id,
            kind: r.kind,
            from: r.from,
            document_id: r.document_id,
            status_code: r.status_code,
            received_at: r.received_at,
        })
        .collect();
    Json(list).into_response()
}

fn parse_pending_query(q: &str) -> Option<PendingQuery> {
    let mut wait = None;
    for pair in q.split('&') {
        if let Some(v) = pair.strip_prefix("wait=") {
            wait = Some(v.parse().ok()?);
        }
    }
    Some(PendingQuery { wait })
}

fn internal(e: anyhow::Error) -> Response {
    tracing::error!(error = %format!("{e:#}"), "hub request failed");
    Refusal::internal().into_response()
}

fn not_found() -> Response {
    Refusal::new(404, "not_found", "Không có gói tin này cho hệ thống của bạn.", "No such package for your system.")
        .into_response()
}

async fn fetch(State(inner): St, Path(id): Path<String>, req: Request) -> Response {
    let (parts, _) = req.into_parts();
    let system = match authenticate(&inner, &parts, EMPTY_SHA256).await {
        Ok(s) => s,
        Err(r) => return r.into_response(),
    };
    let code = system.code.as_str();
    match inner.db.body_for(code, &id).await {
        Ok(Some((bytes, first))) => {
            if first {
                inner.write_later(WriteOp::Fetched(code.to_string(), id));
            }
            ([(header::CONTENT_TYPE, "application/xml")], bytes).into_response()
        }
        Ok(None) => not_found(),
        Err(e) => internal(e),
    }
}

async fn ack(State(inner): St, Path(id): Path<String>, req: Request) -> Response {
    let (parts, _) = req.into_parts();
    let system = match authenticate(&inner, &parts, EMPTY_SHA256).await {
        Ok(s) => s,
        Err(r) => return r.into_response(),
    };
    let code = system.code.as_str().to_string();
    match inner.write(|tx| WriteOp::Ack(code, id.clone(), tx)).await {
        Ok(true) => Json(json!({ "id": id, "acknowledged": true })).into_response(),
        Ok(false) => not_found(),
        Err(r) => r.into_response(),
    }
}

/// The directory: registered nodes, what child hubs reported, and (for a child hub) the
/// parent's directory; a code appears once, local entries first.
pub(crate) async fn directory_entries(inner: &Inner, include_upstream: bool) -> anyhow::Result<Vec<DirectoryEntry>> {
    let snapshot = inner.registry.snapshot(&inner.db).await?;
    let mut out: Vec<DirectoryEntry> = Vec::new();
    let mut seen = std::collections::HashSet::new();
    let mut nodes: Vec<_> = snapshot.by_code.values().filter(|s| s.kind == SystemKind::Node).collect();
    nodes.sort_by(|a, b| a.code.as_str().cmp(b.code.as_str()));
    for s in nodes {
        if seen.insert(s.code.as_str().to_string()) {
            out.push(DirectoryEntry {
                code: s.code.as_str().to_string(),
                name: s.name.clone(),
                level: s.level.clone(),
                parent: s.parent.clone(),
            });
        }
    }
    let mut reported = inner.db.directory_entries().await?;
    // Child hubs' reports before the parent's copy.
    reported.sort_by_key(|(source, _)| source == crate::db::UP);
    for (source, e) in reported {
        if (include_upstream || source != crate::db::UP) && seen.insert(e.code.clone()) {
            out.push(DirectoryEntry { code: e.code, name: e.name, level: e.level, parent: e.parent });
        }
    }
    Ok(out)
}

async fn directory(State(inner): St, req: Request) -> Response {
    let (parts, _) = req.into_parts();
    if let Err(r) = authenticate(&inner, &parts, EMPTY_SHA256).await {
        return r.into_response();
    }
    match directory_entries(&inner, true).await {
        Ok(list) => Json(list).into_response(),
        Err(e) => internal(e),
    }
}

async fn put_directory(State(inner): St, req: Request) -> Response {
    let (parts, body) = req.into_parts();
    let bytes = match http_body_util::Limited::new(body, 16 << 20).collect().await {
        Ok(c) => c.to_bytes(),
        Err(_) => return Refusal::too_large(16 << 20).into_response(),
    };
    let system = match authenticate(&inner, &parts, &crate::package_id(&bytes)).await {
        Ok(s) => s,
        Err(r) => return r.into_response(),
    };
    if system.kind != SystemKind::Hub {
        return Refusal::new(
            403,
            "not_a_hub",
            "Chỉ trục liên thông cấp dưới mới được gửi danh bạ.",
            "Only a child hub may report a directory.",
        )
        .into_response();
    }
    let Ok(entries) = serde_json::from_slice::<Vec<DirectoryEntry>>(&bytes) else {
        return Refusal::new(
            400,
            "bad_request",
            "Danh bạ không đúng định dạng JSON.",
            "The directory is not valid JSON.",
        )
        .into_response();
    };
    let mut rows = Vec::with_capacity(entries.len());
    let mut outside = Vec::new();
    for e in entries {
        match egov_domain::agency_code::AgencyCode::parse(&e.code, "code") {
            Ok(c) if c.is_within(&system.code) => {
                rows.push(DirectoryRow { code: c.as_str().to_string(), name: e.name, level: e.level, parent: e.parent })
            }
            _ => outside.push(e.code),
        }
    }
    if !outside.is_empty() {
        return Refusal::new(
            422,
            "outside_hub",
            format!("Các mã định danh không thuộc phạm vi của trục {}: {}.", system.code, outside.join(", ")),
            format!("Codes outside hub {}: {}.", system.code, outside.join(", ")),
        )
        .into_response();
    }
    match inner.db.replace_directory(system.code.as_str(), &rows).await {
        Ok(()) => Json(json!({ "entries": rows.len() })).into_response(),
        Err(e) => internal(e),
    }
}
