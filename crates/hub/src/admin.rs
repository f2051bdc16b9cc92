//! Operations: Prometheus metrics (`/metrics`, bearer token) and the admin page (`/admin`,
//! HTTP Basic user `admin` with the admin token) listing stuck deliveries with a retry button.

use std::sync::Arc;

use askama::Template;
use axum::extract::{Path, State};
use axum::http::{header, HeaderMap, StatusCode};
use axum::response::{Html, IntoResponse, Redirect, Response};
use base64::engine::general_purpose::STANDARD as B64;
use base64::Engine as _;
use sha2::{Digest, Sha256};

use crate::accept::Inner;
use crate::db::now_ms;

fn same_secret(given: &str, expected: &str) -> bool {
    !expected.is_empty() && Sha256::digest(given.as_bytes()) == Sha256::digest(expected.as_bytes())
}

fn bearer_ok(inner: &Inner, headers: &HeaderMap) -> bool {
    headers
        .get(header::AUTHORIZATION)
        .and_then(|v| v.to_str().ok())
        .and_then(|v| v.strip_prefix("Bearer "))
        .is_some_and(|t| same_secret(t.trim(), &inner.settings.admin_token))
}

fn basic_ok(inner: &Inner, headers: &HeaderMap) -> bool {
    headers
        .get(header::AUTHORIZATION)
        .and_then(|v| v.to_str().ok())
        .and_then(|v| v.strip_prefix("Basic "))
        .and_then(|b| B64.decode(b.trim()).ok())
        .and_then(|d| String::from_utf8(d).ok())
        .and_then(|s| s.split_once(':').map(|(u, p)| (u.to_string(), p.to_string())))
        .is_some_and(|(u, p)| u == "admin" && same_secret(&p, &inner.settings.admin_token))
}

fn ask_basic() -> Response {
    (
        StatusCode::UNAUTHORIZED,
        [(header::WWW_AUTHENTICATE, "Basic realm=\"egov hub\", charset=\"UTF-8\"")],
        "Cần đăng nhập quản trị.",
    )
        .into_response()
}

fn label(s: &str) -> String {
    s.replace('\\', "\\\\").replace('"', "\\\"").replace('\n', " ")
}

pub(crate) async fn metrics(State(inner): State<Arc<Inner>>, headers: HeaderMap) -> Response {
    if !bearer_ok(&inner, &headers) {
        return (StatusCode::UNAUTHORIZED, "unauthorized").into_response();
    }
    let m = match inner.db.metrics().await {
        Ok(m) => m,
        Err(e) => {
            tracing::error!(error = %format!("{e:#}"), "metrics");
            return StatusCode::INTERNAL_SERVER_ERROR.into_response();
        }
    };
    let now = now_ms();
    let mut out = String::new();
    out.push_str("# HELP egov_hub_accepted_total Packages accepted (documents and statuses).\n");
    out.push_str("# TYPE egov_hub_accepted_total counter\n");
    out.push_str(&format!("egov_hub_accepted_total {}\n", m.accepted));
    out.push_str("# HELP egov_hub_delivered_total Deliveries acknowledged (or forwarded up).\n");
    out.push_str("# TYPE egov_hub_delivered_total counter\n");
    out.push_str(&format!("egov_hub_delivered_total {}\n", m.delivered));
    out.push_str("# HELP egov_hub_pending Deliveries not yet acknowledged, per receiving system.\n");
    out.push_str("# TYPE egov_hub_pending gauge\n");
    for (target, count, _) in &m.pending {
        out.push_str(&format!("egov_hub_pending{{system=\"{}\"}} {count}\n", label(target)));
    }
    out.push_str("# HELP egov_hub_oldest_pending_seconds Age of the oldest unacknowledged delivery, per system.\n");
    out.push_str("# TYPE egov_hub_oldest_pending_seconds gauge\n");
    for (target, _, oldest) in &m.pending {
        let age = ((now - oldest).max(0) as f64) / 1000.0;
        out.push_str(&format!("egov_hub_oldest_pending_seconds{{system=\"{}\"}} {age:.3}\n", label(target)));
    }
    out.push_str("# HELP egov_hub_refused_total Refused requests and packages, per reason.\n");
    out.push_str("# TYPE egov_hub_refused_total counter\n");
    for (reason, count) in &m.refused {
        out.push_str(&format!("egov_hub_refused_total{{reason=\"{}\"}} {count}\n", label(reason)));
    }
    ([(header::CONTENT_TYPE, "text/plain; version=0.0.4; charset=utf-8")], out).into_response()
}

#[derive(Debug)]
struct PendingLine {
    target: String,
    count: i64,
    oldest: String,
}

#[derive(Debug)]
struct StuckLine {
    id: i64,
    target: String,
    recipients: String,
    kind: String,
    from: String,
    age: String,
    attempts: i64,
    last_error: String,
    message_id: String,
}

#[derive(Template, Debug)]
#[template(path = "admin.html")]
struct AdminPage {
    own_code: String,
    accepted: i64,
    delivered: i64,
    refused: i64,
    stuck_after: u64,
    pending: Vec<PendingLine>,
    stuck: Vec<StuckLine>,
}

fn target_label(t: &str) -> String {
    if t == crate::db::UP {
        "Trục cấp trên".to_string()
    } else {
        t.to_string()
    }
}

fn age(ms: i64) -> String {
    let s = ms.max(0) / 1000;
    if s < 60 {
        format!("{s} giây")
    } else if s < 3600 {
        format!("{} phút {} giây", s / 60, s % 60)
    } else if s < 86_400 {
        format!("{} giờ {} phút", s / 3600, (s % 3600) / 60)
    } else {
        format!("{} ngày {} giờ", s / 86_400, (s % 86_400) / 3600)
    }
}

pub(crate) async fn page(State(inner): State<Arc<Inner>>, headers: HeaderMap) -> Response {
    if !basic_ok(&inner, &headers) {
        return ask_basic();
    }
    let now = now_ms();
    let stuck_after = inner.settings.stuck_after_secs;
    let older_than = now - (stuck_after as i64).saturating_mul(1000);
    let (m, stuck) = match tokio::try_join!(inner.db.metrics(), inner.db.stuck(older_than)) {
        Ok(v) => v,
        Err(e) => {
            tracing::error!(error = %format!("{e:#}"), "admin page");
            return StatusCode::INTERNAL_SERVER_ERROR.into_response();
        }
    };
    let page = AdminPage {
        own_code: inner.settings.own_code.clone(),
        accepted: m.accepted,
        delivered: m.delivered,
        refused: m.refused.iter().map(|(_, c)| c).sum(),
        stuck_after,
        pending: m
            .pending
            .iter()
            .map(|(t, c, o)| PendingLine { target: target_label(t), count: *c, oldest: age(now - o) })
            .collect(),
        stuck: stuck
            .into_iter()
            .map(|s| StuckLine {
                id: s.id,
                target: target_label(&s.target),
                recipients: s.recipients,
                kind: if s.kind == "status" { "Trạng thái".into() } else { "Văn bản".into() },
                from: s.from,
                age: age(now - s.created_at),
                attempts: s.attempts,
                last_error: s.last_error.unwrap_or_default(),
                message_id: s.message_id,
            })
            .collect(),
    };
    match page.render() {
        Ok(html) => (
            [
                (
                    header::CONTENT_SECURITY_POLICY,
                    "default-src 'none'; style-src 'unsafe-inline'; form-action 'self'; frame-ancestors 'none'",
                ),
                (header::CACHE_CONTROL, "no-store"),
            ],
            Html(html),
        )
            .into_response(),
        Err(e) => {
            tracing::error!(error = %e, "admin page template");
            StatusCode::INTERNAL_SERVER_ERROR.into_response()
        }
    }
}

/// A cross-site form post carries an `Origin` (or at least a `Referer`) of another site:
/// refuse those; requests without either (curl, old browsers) pass, since they still need the
/// Basic credentials.
fn same_origin(headers: &HeaderMap) -> bool {
    let Some(host) = headers.get(header::HOST).and_then(|v| v.to_str().ok()) else {
        return false;
    };
    let matches = |v: &str| {
        ["http://", "https://"].iter().any(|scheme| {
            v.strip_prefix(scheme)
                .and_then(|rest| rest.strip_prefix(host))
                .is_some_and(|tail| tail.is_empty() || tail.starts_with('/'))
        })
    };
    if let Some(origin) = headers.get(header::ORIGIN) {
        return origin.to_str().is_ok_and(matches);
    }
    if let Some(referer) = headers.get(header::REFERER) {
        return referer.to_str().is_ok_and(matches);
    }
    true
}

pub(crate) async fn retry(State(inner): State<Arc<Inner>>, Path(id): Path<i64>, headers: HeaderMap) -> Response {
    if !basic_ok(&inner, &headers) {
        return ask_basic();
    }
    if !same_origin(&headers) {
        return (StatusCode::FORBIDDEN, "Yêu cầu từ trang khác bị từ chối.").into_response();
    }
    match inner.db.retry(id).await {
        Ok(Some(target)) => {
            tracing::info!(delivery = id, target, "delivery retried by the administrator");
            inner.waiters.wake(&target);
            Redirect::to("/admin").into_response()
        }
        Ok(None) => (StatusCode::NOT_FOUND, "Không có lượt chuyển này, hoặc đã chuyển xong.").into_response(),
        Err(e) => {
            tracing::error!(error = %format!("{e:#}"), "retry");
            StatusCode::INTERNAL_SERVER_ERROR.into_response()
        }
    }
}
