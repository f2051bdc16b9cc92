//! API of notifications: the caller's list and read marks, their choices per kind and channel,
//! and their browsers' Web Push subscriptions.

use axum::extract::State;
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use axum::Json;
use egov_domain::notification::{parse_hour, Channel, EventKind, Mode, Timing};
use egov_domain::page::PageRequest;
use egov_service::{AppError, Check};
use serde::{Deserialize, Serialize};
use utoipa::{IntoParams, ToSchema};

use super::handlers::{Body, Ids, Params};
use crate::error::{ApiError, ErrorBody};
use crate::session::ApiCaller;
use crate::AppState;

type ApiResult<T> = Result<T, ApiError>;

macro_rules! fail {
    ($c:expr) => {
        |err| ApiError { err, lang: $c.lang }
    };
}

/// Notification paging.
#[derive(Debug, Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
pub struct NotificationQuery {
    /// Only unread notifications.
    pub unread: Option<bool>,
    /// Notifications older than this id (the `next_before` of the previous page).
    pub before: Option<i64>,
    /// Per page, 1–100 (default 30); more is refused.
    pub limit: Option<u32>,
}

/// One notification.
#[derive(Debug, Serialize, ToSchema)]
pub struct Notification {
    pub id: i64,
    /// The event: present, assignment, inform, returned, finished, consult, consult_answered,
    /// approve, issue, to_register, delivered, message, due_tomorrow, overdue, rights_changed,
    /// accepted, schedule.
    pub kind: String,
    pub document_id: Option<i64>,
    /// The task it is about.
    pub task_id: Option<i64>,
    /// The schedule entry it is about.
    pub schedule_entry_id: Option<i64>,
    pub inbox_item_id: Option<i64>,
    /// Who caused it.
    pub actor: Option<String>,
    /// Thượng khẩn or Hỏa tốc.
    pub urgent: bool,
    pub subject: Option<String>,
    pub number_notation: Option<String>,
    /// The message, for a message.
    pub message: Option<String>,
    pub read: bool,
    pub created_at: i64,
}

impl From<egov_storage::notifications::NotificationRow> for Notification {
    fn from(n: egov_storage::notifications::NotificationRow) -> Self {
        Notification {
            id: n.id,
            kind: n.kind,
            document_id: n.document_id,
            task_id: n.task_id,
            schedule_entry_id: n.schedule_entry_id,
            inbox_item_id: n.inbox_item_id,
            actor: n.actor_name,
            urgent: n.urgent,
            subject: n.subject,
            number_notation: n.number_notation,
            message: n.message_body,
            read: n.read_at.is_some(),
            created_at: n.created_at,
        }
    }
}

/// A page of notifications.
#[derive(Debug, Serialize, ToSchema)]
pub struct NotificationList {
    pub items: Vec<Notification>,
    /// Unread notifications in all (counted up to 1,000).
    pub unread: i64,
    /// Pass as `before` for the next page; absent on the last page.
    pub next_before: Option<i64>,
}

/// The caller's notifications, newest first.
#[utoipa::path(get, path = "/api/v1/notifications", tag = "notifications", params(NotificationQuery),
    responses((status = 200, body = NotificationList)))]
pub(crate) async fn list(
    State(st): State<AppState>,
    c: ApiCaller,
    Params(q): Params<NotificationQuery>,
) -> ApiResult<Json<NotificationList>> {
    let limit = match q.limit {
        Some(l) if l > 100 => {
            return Err(ApiError {
                err: AppError::invalid("limit", "too_large", "Tối đa 100 mục mỗi trang.", "At most 100 per page."),
                lang: c.lang,
            })
        }
        l => {
            PageRequest::parse(None, l.or(Some(30)))
                .map_err(|e| ApiError { err: AppError::field(e), lang: c.lang })?
                .limit
        }
    };
    let page =
        st.services.notifications(&c.caller, q.unread.unwrap_or(false), q.before, limit).await.map_err(fail!(c))?;
    Ok(Json(NotificationList {
        items: page.items.into_iter().map(Into::into).collect(),
        unread: page.unread,
        next_before: page.next_before,
    }))
}

/// Marks one notification read.
#[utoipa::path(post, path = "/api/v1/notifications/{id}/read", tag = "notifications", params(("id" = i64, Path)),
    responses((status = 204), (status = 404, body = ErrorBody)))]
pub(crate) async fn read(State(st): State<AppState>, c: ApiCaller, Ids(id): Ids<i64>) -> ApiResult<Response> {
    st.services.mark_notification_read(&c.caller, id).await.map_err(fail!(c))?;
    Ok(StatusCode::NO_CONTENT.into_response())
}

/// How many were marked read.
#[derive(Debug, Serialize, ToSchema)]
pub struct Marked {
    pub marked: u64,
}

/// Marks every notification read.
#[utoipa::path(post, path = "/api/v1/notifications/read-all", tag = "notifications", responses((status = 200, body = Marked)))]
pub(crate) async fn read_all(State(st): State<AppState>, c: ApiCaller) -> ApiResult<Json<Marked>> {
    let marked = st.services.mark_all_notifications_read(&c.caller).await.map_err(fail!(c))?;
    Ok(Json(Marked { marked }))
}

/// One choice: how `kind` reaches the person on `channel`.
#[derive(Debug, Serialize, Deserialize, ToSchema)]
pub struct Choice {
    pub kind: String,
    /// web, mail or push.
    pub channel: String,
    /// now, digest (mail only) or off.
    pub mode: String,
    /// An administrator made this kind mandatory (read only).
    #[serde(default)]
    pub mandatory: bool,
}

/// A person's notification choices.
#[derive(Debug, Serialize, Deserialize, ToSchema)]
pub struct Preferences {
    pub choices: Vec<Choice>,
    /// Local hour (0–23) of the daily e-mail digest.
    pub digest_hour: i64,
    /// Quiet hours, local, from (inclusive) and to (exclusive); both or neither. Urgent items
    /// (Thượng khẩn, Hỏa tốc) are delivered regardless.
    pub quiet_from: Option<i64>,
    pub quiet_to: Option<i64>,
}

fn preferences(p: egov_service::notify::Preferences) -> Preferences {
    let choices = p
        .rows
        .iter()
        .flat_map(|(kind, mandatory, modes)| {
            modes.iter().map(move |(ch, m)| Choice {
                kind: kind.as_str().into(),
                channel: ch.as_str().into(),
                mode: m.as_str().into(),
                mandatory: *mandatory,
            })
        })
        .collect();
    Preferences {
        choices,
        digest_hour: i64::from(p.timing.digest_hour),
        quiet_from: p.timing.quiet.map(|q| i64::from(q.0)),
        quiet_to: p.timing.quiet.map(|q| i64::from(q.1)),
    }
}

/// The caller's notification choices.
#[utoipa::path(get, path = "/api/v1/me/notification-preferences", tag = "notifications",
    responses((status = 200, body = Preferences)))]
pub(crate) async fn get_preferences(State(st): State<AppState>, c: ApiCaller) -> ApiResult<Json<Preferences>> {
    Ok(Json(preferences(st.services.notification_preferences(&c.caller).await.map_err(fail!(c))?)))
}

/// Changes the caller's choices (the listed ones; others stay) and timing.
#[utoipa::path(put, path = "/api/v1/me/notification-preferences", tag = "notifications", request_body = Preferences,
    responses((status = 200, body = Preferences), (status = 422, body = ErrorBody)))]
pub(crate) async fn put_preferences(
    State(st): State<AppState>,
    c: ApiCaller,
    Body(b): Body<Preferences>,
) -> ApiResult<Json<Preferences>> {
    let mut check = Check::new();
    let mut changes = Vec::new();
    for ch in &b.choices {
        let kind = check.take(EventKind::parse_field(&ch.kind, "kind"));
        let channel = check.take(Channel::parse_field(&ch.channel, "channel"));
        if let (Some(kind), Some(channel)) = (kind, channel) {
            if let Some(mode) = check.take(Mode::parse_for(&ch.mode, channel, "mode")) {
                changes.push((kind, channel, mode));
            }
        }
    }
    let digest = check.take(parse_hour(b.digest_hour, "digest_hour"));
    let quiet_from = b.quiet_from.and_then(|h| check.take(parse_hour(h, "quiet_from")));
    let quiet_to = b.quiet_to.and_then(|h| check.take(parse_hour(h, "quiet_to")));
    if b.quiet_from.is_some() != b.quiet_to.is_some() {
        check.push(egov_domain::FieldError::new(
            "quiet_to",
            "both_or_neither",
            "Giờ yên lặng cần cả giờ bắt đầu và giờ kết thúc.",
            "Quiet hours need both a start and an end.",
        ));
    }
    check.finish().map_err(fail!(c))?;
    let timing = digest.map(|digest_hour| Timing { digest_hour, quiet: quiet_from.zip(quiet_to) });
    st.services.set_notification_preferences(&c.caller, &changes, timing).await.map_err(fail!(c))?;
    Ok(Json(preferences(st.services.notification_preferences(&c.caller).await.map_err(fail!(c))?)))
}

/// A browser's push subscription, as `PushSubscription.toJSON()` gives it.
#[derive(Debug, Deserialize, ToSchema)]
pub struct PushSubscriptionInput {
    pub endpoint: String,
    pub keys: PushKeys,
}

/// The subscription's keys (base64url).
#[derive(Debug, Deserialize, ToSchema)]
pub struct PushKeys {
    pub p256dh: String,
    pub auth: String,
}

/// A stored subscription.
#[derive(Debug, Serialize, ToSchema)]
pub struct PushSubscriptionCreated {
    pub id: i64,
}

/// Registers this browser for Web Push.
#[utoipa::path(post, path = "/api/v1/me/push-subscriptions", tag = "notifications", request_body = PushSubscriptionInput,
    responses((status = 201, body = PushSubscriptionCreated), (status = 422, body = ErrorBody)))]
pub(crate) async fn subscribe(
    State(st): State<AppState>,
    c: ApiCaller,
    Body(b): Body<PushSubscriptionInput>,
) -> ApiResult<Response> {
    let id =
        st.services.subscribe_push(&c.caller, &b.endpoint, &b.keys.p256dh, &b.keys.auth).await.map_err(fail!(c))?;
    Ok((StatusCode::CREATED, Json(PushSubscriptionCreated { id })).into_response())
}

/// Removes one of the caller's push subscriptions.
#[utoipa::path(delete, path = "/api/v1/me/push-subscriptions/{id}", tag = "notifications", params(("id" = i64, Path)),
    responses((status = 204), (status = 404, body = ErrorBody)))]
pub(crate) async fn unsubscribe(State(st): State<AppState>, c: ApiCaller, Ids(id): Ids<i64>) -> ApiResult<Response> {
    st.services.unsubscribe_push(&c.caller, id).await.map_err(fail!(c))?;
    Ok(StatusCode::NO_CONTENT.into_response())
}

/// The server's VAPID public key (`applicationServerKey`).
#[derive(Debug, Serialize, ToSchema)]
pub struct PushKey {
    /// Base64url, uncompressed P-256 point; absent when this server has no Web Push.
    pub public_key: Option<String>,
}

/// The key browsers subscribe with.
#[utoipa::path(get, path = "/api/v1/push/key", tag = "notifications", responses((status = 200, body = PushKey)))]
pub(crate) async fn push_key(State(st): State<AppState>, _c: ApiCaller) -> ApiResult<Json<PushKey>> {
    Ok(Json(PushKey { public_key: st.services.push_public_key() }))
}
