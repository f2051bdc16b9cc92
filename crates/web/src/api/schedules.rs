//! API of work schedules (lịch công tác): an agency's week, entries drafted, changed, approved
//! (published) and cancelled, the printed week, and one's secret iCalendar feed addresses.

use axum::extract::State;
use axum::http::{header, HeaderMap, StatusCode};
use axum::response::{IntoResponse, Response};
use axum::Json;
use egov_service::work::schedules::{Clash, EntryDetail, EntryInput, Week};
use egov_service::AppError;
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

/// An entry, new or changed.
#[derive(Debug, Deserialize, ToSchema)]
pub struct EntryBody {
    /// A leader's own schedule; absent for the agency's.
    pub owner_user_id: Option<i64>,
    #[serde(default)]
    pub title: String,
    /// Vietnam time, `YYYY-MM-DDTHH:MM`.
    #[serde(default)]
    pub starts_at: String,
    #[serde(default)]
    pub ends_at: String,
    #[serde(default)]
    pub place: String,
    pub chair_user_id: Option<i64>,
    #[serde(default)]
    pub participant_user_ids: Vec<i64>,
    #[serde(default)]
    pub participant_unit_ids: Vec<i64>,
    pub preparing_unit_id: Option<i64>,
    #[serde(default)]
    pub meeting_url: String,
    #[serde(default)]
    pub notes: String,
    /// Shown on the public portal once published.
    #[serde(default)]
    pub public: bool,
}

pub(crate) fn entry_input(b: &EntryBody) -> EntryInput<'_> {
    EntryInput {
        owner_id: b.owner_user_id,
        title: &b.title,
        starts_at: &b.starts_at,
        ends_at: &b.ends_at,
        place: &b.place,
        chair_id: b.chair_user_id,
        users: b.participant_user_ids.clone(),
        units: b.participant_unit_ids.clone(),
        preparing_unit_id: b.preparing_unit_id,
        meeting_url: &b.meeting_url,
        notes: &b.notes,
        public: b.public,
    }
}

/// Another entry of the same person at the same time (shown, not refused).
#[derive(Debug, Serialize, ToSchema)]
pub struct ClashBody {
    pub entry_id: i64,
    pub person: String,
    pub title: String,
    pub starts_at: i64,
}

fn clashes(v: Vec<Clash>) -> Vec<ClashBody> {
    v.into_iter()
        .map(|c| ClashBody { entry_id: c.entry_id, person: c.person, title: c.title, starts_at: c.starts_at })
        .collect()
}

/// What a draft or a change made.
#[derive(Debug, Serialize, ToSchema)]
pub struct EntrySaved {
    pub id: i64,
    pub clashes: Vec<ClashBody>,
}

/// Drafts an entry of the agency's schedule (the office or a leader of the agency).
#[utoipa::path(post, path = "/api/v1/agencies/{id}/schedule", tag = "work", params(("id" = i64, Path)), request_body = EntryBody,
    responses((status = 201, body = EntrySaved), (status = 403, body = ErrorBody), (status = 422, body = ErrorBody)))]
pub(crate) async fn create_entry(
    State(st): State<AppState>,
    c: ApiCaller,
    Ids(agency): Ids<i64>,
    Body(b): Body<EntryBody>,
) -> ApiResult<Response> {
    let (id, cl) =
        st.services.create_schedule_entry(&c.caller, agency, &entry_input(&b), Vec::new()).await.map_err(fail!(c))?;
    Ok((StatusCode::CREATED, Json(EntrySaved { id, clashes: clashes(cl) })).into_response())
}

/// Changes an entry; a published one gets a new SEQUENCE and its people are told.
#[utoipa::path(put, path = "/api/v1/schedule-entries/{id}", tag = "work", params(("id" = i64, Path)), request_body = EntryBody,
    responses((status = 200, body = EntrySaved), (status = 404, body = ErrorBody), (status = 409, body = ErrorBody), (status = 422, body = ErrorBody)))]
pub(crate) async fn update_entry(
    State(st): State<AppState>,
    c: ApiCaller,
    Ids(id): Ids<i64>,
    Body(b): Body<EntryBody>,
) -> ApiResult<Json<EntrySaved>> {
    let cl = st.services.update_schedule_entry(&c.caller, id, &entry_input(&b)).await.map_err(fail!(c))?;
    Ok(Json(EntrySaved { id, clashes: clashes(cl) }))
}

/// A leader approves a draft entry, which publishes it.
#[utoipa::path(post, path = "/api/v1/schedule-entries/{id}/publish", tag = "work", params(("id" = i64, Path)),
    responses((status = 204), (status = 403, body = ErrorBody), (status = 404, body = ErrorBody), (status = 409, body = ErrorBody)))]
pub(crate) async fn publish_entry(State(st): State<AppState>, c: ApiCaller, Ids(id): Ids<i64>) -> ApiResult<Response> {
    st.services.publish_schedule_entry(&c.caller, id).await.map_err(fail!(c))?;
    Ok(StatusCode::NO_CONTENT.into_response())
}

/// Cancels an entry; feeds show it as CANCELLED.
#[utoipa::path(post, path = "/api/v1/schedule-entries/{id}/cancel", tag = "work", params(("id" = i64, Path)),
    responses((status = 204), (status = 403, body = ErrorBody), (status = 404, body = ErrorBody), (status = 409, body = ErrorBody)))]
pub(crate) async fn cancel_entry(State(st): State<AppState>, c: ApiCaller, Ids(id): Ids<i64>) -> ApiResult<Response> {
    st.services.cancel_schedule_entry(&c.caller, id).await.map_err(fail!(c))?;
    Ok(StatusCode::NO_CONTENT.into_response())
}

/// A participant.
#[derive(Debug, Serialize, ToSchema)]
pub struct ParticipantBody {
    pub user_id: Option<i64>,
    pub unit_id: Option<i64>,
    pub name: String,
}

/// An entry.
#[derive(Debug, Serialize, ToSchema)]
pub struct EntryView {
    pub id: i64,
    pub agency_id: i64,
    pub owner_user_id: Option<i64>,
    pub owner: Option<String>,
    pub title: String,
    /// Milliseconds since the epoch.
    pub starts_at: i64,
    pub ends_at: i64,
    pub place: String,
    pub chair_user_id: Option<i64>,
    pub chair: Option<String>,
    pub preparing_unit: Option<String>,
    pub meeting_url: Option<String>,
    pub notes: String,
    /// draft, published or cancelled.
    pub status: String,
    pub public: bool,
    /// The iCalendar SEQUENCE: changes since publishing.
    pub sequence: i64,
    pub participants: Vec<ParticipantBody>,
}

pub(crate) fn entry_view(d: EntryDetail) -> EntryView {
    let e = d.entry;
    EntryView {
        id: e.id,
        agency_id: e.agency_id,
        owner_user_id: e.owner_id,
        owner: e.owner_name,
        title: e.title,
        starts_at: e.starts_at,
        ends_at: e.ends_at,
        place: e.place,
        chair_user_id: e.chair_id,
        chair: e.chair_name,
        preparing_unit: e.preparing_unit,
        meeting_url: e.meeting_url,
        notes: e.notes,
        status: e.status,
        public: e.public,
        sequence: e.sequence,
        participants: d
            .participants
            .into_iter()
            .map(|p| ParticipantBody { user_id: p.user_id, unit_id: p.unit_id, name: p.name })
            .collect(),
    }
}

/// One entry.
#[utoipa::path(get, path = "/api/v1/schedule-entries/{id}", tag = "work", params(("id" = i64, Path)),
    responses((status = 200, body = EntryView), (status = 404, body = ErrorBody)))]
pub(crate) async fn get_entry(
    State(st): State<AppState>,
    c: ApiCaller,
    Ids(id): Ids<i64>,
) -> ApiResult<Json<EntryView>> {
    Ok(Json(entry_view(st.services.schedule_entry(&c.caller, id).await.map_err(fail!(c))?)))
}

/// Which week.
#[derive(Debug, Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
pub struct WeekQuery {
    /// Any day of the week (default: today).
    pub week: Option<String>,
    /// One leader's own schedule.
    pub owner: Option<i64>,
}

/// A week of a schedule.
#[derive(Debug, Serialize, ToSchema)]
pub struct WeekView {
    pub agency_id: i64,
    pub monday: String,
    pub entries: Vec<EntryView>,
}

fn week_day(q: &WeekQuery, lang: egov_domain::Lang) -> ApiResult<jiff::civil::Date> {
    match q.week.as_deref().map(str::trim).filter(|w| !w.is_empty()) {
        Some(w) => egov_domain::document::parse_date(w, "week").map_err(|e| ApiError { err: AppError::field(e), lang }),
        None => Ok(egov_service::documents::today()),
    }
}

/// An agency's week (drafts too, for those who may edit it).
#[utoipa::path(get, path = "/api/v1/agencies/{id}/schedule", tag = "work", params(("id" = i64, Path), WeekQuery),
    responses((status = 200, body = WeekView), (status = 404, body = ErrorBody), (status = 422, body = ErrorBody)))]
pub(crate) async fn week(
    State(st): State<AppState>,
    c: ApiCaller,
    Ids(agency): Ids<i64>,
    Params(q): Params<WeekQuery>,
) -> ApiResult<Json<WeekView>> {
    let day = week_day(&q, c.lang)?;
    let w: Week = st.services.schedule_week(&c.caller, agency, q.owner, day).await.map_err(fail!(c))?;
    Ok(Json(WeekView {
        agency_id: w.agency_id,
        monday: w.monday.to_string(),
        entries: w.entries.into_iter().map(entry_view).collect(),
    }))
}

/// The week printed as the familiar table (PDF).
#[utoipa::path(get, path = "/api/v1/agencies/{id}/schedule/pdf", tag = "work", params(("id" = i64, Path), WeekQuery),
    responses((status = 200, content_type = "application/pdf"), (status = 404, body = ErrorBody)))]
pub(crate) async fn week_pdf(
    State(st): State<AppState>,
    c: ApiCaller,
    Ids(agency): Ids<i64>,
    Params(q): Params<WeekQuery>,
) -> ApiResult<Response> {
    let day = week_day(&q, c.lang)?;
    let pdf = st.services.schedule_week_pdf(&c.caller, agency, day).await.map_err(fail!(c))?;
    Ok(crate::api::documents::file_response(&format!("lich-cong-tac-{day}.pdf"), "application/pdf", pdf))
}

/// A new feed address.
#[derive(Debug, Deserialize, ToSchema)]
pub struct FeedBody {
    /// An agency's published schedule; absent: one's own.
    pub agency_id: Option<i64>,
}

/// A feed address (the secret is shown once, at creation).
#[derive(Debug, Serialize, ToSchema)]
pub struct FeedView {
    pub id: i64,
    pub agency_id: Option<i64>,
    pub created_at: i64,
    /// The address to subscribe to; only when it was just made.
    pub url: Option<String>,
}

/// Makes a secret iCalendar address (browser session only, like tokens).
#[utoipa::path(post, path = "/api/v1/me/feeds", tag = "work", request_body = FeedBody,
    responses((status = 201, body = FeedView), (status = 404, body = ErrorBody)))]
pub(crate) async fn create_feed(
    State(st): State<AppState>,
    c: ApiCaller,
    Body(b): Body<FeedBody>,
) -> ApiResult<Response> {
    let (id, secret) = st.services.create_feed(&c.caller, b.agency_id).await.map_err(fail!(c))?;
    let url = format!("{}/ical/{secret}.ics", st.services.settings.public_url.trim_end_matches('/'));
    let view = FeedView { id, agency_id: b.agency_id, created_at: egov_service::now_ms(), url: Some(url) };
    Ok((StatusCode::CREATED, Json(view)).into_response())
}

/// One's live feed addresses.
#[utoipa::path(get, path = "/api/v1/me/feeds", tag = "work", responses((status = 200, body = [FeedView])))]
pub(crate) async fn list_feeds(State(st): State<AppState>, c: ApiCaller) -> ApiResult<Json<Vec<FeedView>>> {
    let feeds = st.services.feeds(&c.caller).await.map_err(fail!(c))?;
    Ok(Json(
        feeds
            .into_iter()
            .map(|f| FeedView { id: f.id, agency_id: f.agency_id, created_at: f.created_at, url: None })
            .collect(),
    ))
}

/// Revokes a feed address: it answers 404 from now on.
#[utoipa::path(delete, path = "/api/v1/me/feeds/{id}", tag = "work", params(("id" = i64, Path)),
    responses((status = 204), (status = 404, body = ErrorBody)))]
pub(crate) async fn revoke_feed(State(st): State<AppState>, c: ApiCaller, Ids(id): Ids<i64>) -> ApiResult<Response> {
    st.services.revoke_feed(&c.caller, id).await.map_err(fail!(c))?;
    Ok(StatusCode::NO_CONTENT.into_response())
}

/// The feed itself, for calendar programs: `/ical/{secret}.ics`, no sign-in; `If-None-Match`
/// with the current ETag answers 304. Unknown and revoked secrets answer 404.
pub(crate) async fn ical_feed(
    State(st): State<AppState>,
    axum::extract::Path(name): axum::extract::Path<String>,
    headers: HeaderMap,
) -> Response {
    let secret = name.strip_suffix(".ics").unwrap_or(&name);
    match st.services.feed_body(secret).await {
        Ok(f) => {
            let matches = headers
                .get(header::IF_NONE_MATCH)
                .and_then(|v| v.to_str().ok())
                .is_some_and(|v| v.split(',').any(|t| t.trim() == f.etag || t.trim() == "*"));
            let common = [(header::ETAG, f.etag.clone()), (header::CACHE_CONTROL, "private, max-age=3600".to_string())];
            if matches {
                (StatusCode::NOT_MODIFIED, common).into_response()
            } else {
                (StatusCode::OK, common, [(header::CONTENT_TYPE, "text/calendar; charset=utf-8".to_string())], f.body)
                    .into_response()
            }
        }
        Err(AppError::NotFound) => StatusCode::NOT_FOUND.into_response(),
        Err(e) => {
            tracing::warn!(error = %e, "calendar feed failed");
            StatusCode::INTERNAL_SERVER_ERROR.into_response()
        }
    }
}
