//! API of work: tasks and sub-tasks, their progress, results and evaluation, recurring tasks,
//! and the working-day calendar.

use axum::extract::State;
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use axum::Json;
use egov_domain::page::PageRequest;
use egov_service::calendar::DayInput;
use egov_service::work::series::SeriesInput;
use egov_service::work::tasks::TaskInput;
use egov_service::AppError;
use egov_storage::tasks::{TaskList, TaskRow};
use serde::{Deserialize, Serialize};
use utoipa::{IntoParams, ToSchema};

use super::documents::Target;
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

fn no_content() -> Response {
    StatusCode::NO_CONTENT.into_response()
}

/// The id of what was made.
#[derive(Debug, Serialize, ToSchema)]
pub struct CreatedId {
    pub id: i64,
}

fn created(id: i64) -> Response {
    (StatusCode::CREATED, Json(CreatedId { id })).into_response()
}

/// A new task (or a sub-task, under `/tasks/{id}/subtasks`).
#[derive(Debug, Deserialize, ToSchema)]
pub struct TaskBody {
    #[serde(default)]
    pub title: String,
    #[serde(default)]
    pub description: String,
    /// The document the task comes from.
    pub document_id: Option<i64>,
    /// The person who leads it (the caller for their own work).
    pub lead_user_id: Option<i64>,
    #[serde(default)]
    pub cooperate: Vec<Target>,
    /// A date, or give `deadline_days` (working days from today).
    pub deadline: Option<String>,
    pub deadline_days: Option<i64>,
    /// low, normal (default), high or urgent.
    #[serde(default)]
    pub priority: String,
    /// Weight in the parent's progress, 1–100 (default 1).
    pub weight: Option<i64>,
}

fn task_input<'a>(b: &'a TaskBody, parent_id: Option<i64>) -> TaskInput<'a> {
    TaskInput {
        parent_id,
        title: &b.title,
        description: &b.description,
        document_id: b.document_id,
        lead: b.lead_user_id,
        cooperate: b.cooperate.iter().copied().map(Into::into).collect(),
        deadline: b.deadline.as_deref(),
        deadline_days: b.deadline_days,
        priority: &b.priority,
        weight: b.weight,
    }
}

/// Gives a task.
#[utoipa::path(post, path = "/api/v1/tasks", tag = "work", request_body = TaskBody,
    responses((status = 201, body = CreatedId), (status = 422, body = ErrorBody)))]
pub(crate) async fn create_task(
    State(st): State<AppState>,
    c: ApiCaller,
    Body(b): Body<TaskBody>,
) -> ApiResult<Response> {
    let id = st.services.create_task(&c.caller, &task_input(&b, None), Vec::new()).await.map_err(fail!(c))?;
    Ok(created(id))
}

/// Passes a part of a task on as a sub-task (its lead or a cooperating person).
#[utoipa::path(post, path = "/api/v1/tasks/{id}/subtasks", tag = "work", params(("id" = i64, Path)), request_body = TaskBody,
    responses((status = 201, body = CreatedId), (status = 403, body = ErrorBody), (status = 409, body = ErrorBody), (status = 422, body = ErrorBody)))]
pub(crate) async fn create_subtask(
    State(st): State<AppState>,
    c: ApiCaller,
    Ids(id): Ids<i64>,
    Body(b): Body<TaskBody>,
) -> ApiResult<Response> {
    let id = st.services.create_task(&c.caller, &task_input(&b, Some(id)), Vec::new()).await.map_err(fail!(c))?;
    Ok(created(id))
}

/// A task as lists and pages show it.
#[derive(Debug, Serialize, ToSchema)]
pub struct TaskSummary {
    pub id: i64,
    pub parent_id: Option<i64>,
    pub depth: i64,
    pub title: String,
    pub document_id: Option<i64>,
    pub assigner_id: i64,
    pub assigner: String,
    pub lead_id: i64,
    pub lead: String,
    pub priority: String,
    pub deadline: Option<String>,
    pub weight: i64,
    pub progress: i64,
    /// The progress was set by hand (else derived from the sub-tasks).
    pub progress_set: bool,
    /// open, submitted (waiting for acceptance), done or cancelled.
    pub status: String,
    pub result: Option<String>,
    /// early, on_time or late (once accepted).
    pub timeliness: Option<String>,
    /// excellent, good, fair or poor (once accepted).
    pub quality: Option<String>,
    pub evaluation: Option<String>,
    pub series_id: Option<i64>,
    pub created_at: i64,
    pub updated_at: i64,
}

impl From<TaskRow> for TaskSummary {
    fn from(t: TaskRow) -> Self {
        TaskSummary {
            id: t.id,
            parent_id: t.parent_id,
            depth: t.depth,
            title: t.title,
            document_id: t.document_id,
            assigner_id: t.assigner_id,
            assigner: t.assigner_name,
            lead_id: t.lead_id,
            lead: t.lead_name,
            priority: t.priority,
            deadline: t.deadline,
            weight: t.weight,
            progress: t.progress,
            progress_set: t.progress_set,
            status: t.status,
            result: t.result,
            timeliness: t.timeliness,
            quality: t.quality,
            evaluation: t.evaluation,
            series_id: t.series_id,
            created_at: t.created_at,
            updated_at: t.updated_at,
        }
    }
}

/// Task list filter.
#[derive(Debug, Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
pub struct TaskQuery {
    /// mine (lead or cooperating; default), given (by me) or all (every task I may see).
    pub which: Option<String>,
    /// Only tasks still open or waiting for acceptance.
    pub open: Option<bool>,
    /// Tasks older than this id (the previous page's `next_before`).
    pub before: Option<i64>,
    /// Tasks per page, 1–200 (default 50).
    pub limit: Option<u32>,
}

/// A page of tasks.
#[derive(Debug, Serialize, ToSchema)]
pub struct TaskListBody {
    pub items: Vec<TaskSummary>,
    /// Pass as `before` for the next page; absent on the last.
    pub next_before: Option<i64>,
}

/// Tasks: mine, given by me, or all I may see.
#[utoipa::path(get, path = "/api/v1/tasks", tag = "work", params(TaskQuery),
    responses((status = 200, body = TaskListBody), (status = 422, body = ErrorBody)))]
pub(crate) async fn list_tasks(
    State(st): State<AppState>,
    c: ApiCaller,
    Params(q): Params<TaskQuery>,
) -> ApiResult<Json<TaskListBody>> {
    let bad = |e| ApiError { err: AppError::field(e), lang: c.lang };
    let limit = PageRequest::parse(None, q.limit).map_err(bad)?.limit;
    let which = match q.which.as_deref().unwrap_or("mine") {
        "mine" => TaskList::Mine,
        "given" => TaskList::Given,
        "all" => TaskList::All,
        _ => {
            return Err(bad(egov_domain::FieldError::new(
                "which",
                "unknown_value",
                "Giá trị không có trong danh sách.",
                "Unknown value.",
            )))
        }
    };
    let page = st.services.tasks(&c.caller, which, q.open.unwrap_or(false), q.before, limit).await.map_err(fail!(c))?;
    Ok(Json(TaskListBody { items: page.items.into_iter().map(Into::into).collect(), next_before: page.next_before }))
}

/// A person's part in a task.
#[derive(Debug, Serialize, ToSchema)]
pub struct TaskPerson {
    pub user_id: i64,
    pub name: String,
    /// assigner, lead or cooperate.
    pub role: String,
    /// The unit they cooperate for, when given to their unit.
    pub unit_id: Option<i64>,
}

/// A step of a task's history.
#[derive(Debug, Serialize, ToSchema)]
pub struct TaskStep {
    pub id: i64,
    pub by: Option<String>,
    /// created, passed_on, progress, submitted, accepted, returned or cancelled.
    pub kind: String,
    pub progress: Option<i64>,
    pub body: Option<String>,
    pub at: i64,
}

/// A file of a task.
#[derive(Debug, Serialize, ToSchema)]
pub struct TaskFile {
    pub id: i64,
    pub name: String,
    pub size: i64,
}

/// A task with its people, sub-tasks, history and files.
#[derive(Debug, Serialize, ToSchema)]
pub struct TaskDetails {
    pub task: TaskSummary,
    pub description: String,
    pub people: Vec<TaskPerson>,
    /// Every task below it, parents before children.
    pub below: Vec<TaskSummary>,
    pub history: Vec<TaskStep>,
    pub files: Vec<TaskFile>,
}

/// A task.
#[utoipa::path(get, path = "/api/v1/tasks/{id}", tag = "work", params(("id" = i64, Path)),
    responses((status = 200, body = TaskDetails), (status = 404, body = ErrorBody)))]
pub(crate) async fn get_task(
    State(st): State<AppState>,
    c: ApiCaller,
    Ids(id): Ids<i64>,
) -> ApiResult<Json<TaskDetails>> {
    let d = st.services.task(&c.caller, id).await.map_err(fail!(c))?;
    Ok(Json(TaskDetails {
        description: d.task.description.clone(),
        task: d.task.into(),
        people: d
            .people
            .into_iter()
            .map(|p| TaskPerson { user_id: p.user_id, name: p.full_name, role: p.role, unit_id: p.unit_id })
            .collect(),
        below: d.below.into_iter().map(Into::into).collect(),
        history: d
            .history
            .into_iter()
            .map(|h| TaskStep {
                id: h.id,
                by: h.user_name,
                kind: h.kind,
                progress: h.progress,
                body: h.body,
                at: h.created_at,
            })
            .collect(),
        files: d.files.into_iter().map(|(id, name, size)| TaskFile { id, name, size }).collect(),
    }))
}

/// A progress report.
#[derive(Debug, Deserialize, ToSchema)]
pub struct TaskProgressBody {
    /// 0–100; absent: derive it from the sub-tasks again.
    pub percent: Option<i64>,
    #[serde(default)]
    pub note: String,
}

/// The lead reports progress.
#[utoipa::path(post, path = "/api/v1/tasks/{id}/progress", tag = "work", params(("id" = i64, Path)), request_body = TaskProgressBody,
    responses((status = 204), (status = 403, body = ErrorBody), (status = 409, body = ErrorBody), (status = 422, body = ErrorBody)))]
pub(crate) async fn task_progress(
    State(st): State<AppState>,
    c: ApiCaller,
    Ids(id): Ids<i64>,
    Body(b): Body<TaskProgressBody>,
) -> ApiResult<Response> {
    st.services.report_task_progress(&c.caller, id, b.percent, &b.note).await.map_err(fail!(c))?;
    Ok(no_content())
}

/// A text: a result, a reason.
#[derive(Debug, Deserialize, ToSchema)]
pub struct WorkText {
    #[serde(default)]
    pub text: String,
}

/// The lead reports the task finished (`text`: the result).
#[utoipa::path(post, path = "/api/v1/tasks/{id}/submit", tag = "work", params(("id" = i64, Path)), request_body = WorkText,
    responses((status = 204), (status = 403, body = ErrorBody), (status = 409, body = ErrorBody), (status = 422, body = ErrorBody)))]
pub(crate) async fn submit_task(
    State(st): State<AppState>,
    c: ApiCaller,
    Ids(id): Ids<i64>,
    Body(b): Body<WorkText>,
) -> ApiResult<Response> {
    st.services.submit_task(&c.caller, id, &b.text).await.map_err(fail!(c))?;
    Ok(no_content())
}

/// An acceptance with its evaluation.
#[derive(Debug, Deserialize, ToSchema)]
pub struct AcceptBody {
    /// excellent, good, fair or poor.
    #[serde(default)]
    pub quality: String,
    #[serde(default)]
    pub note: String,
}

/// The assigner accepts the result and evaluates it (timeliness is computed).
#[utoipa::path(post, path = "/api/v1/tasks/{id}/accept", tag = "work", params(("id" = i64, Path)), request_body = AcceptBody,
    responses((status = 204), (status = 403, body = ErrorBody), (status = 409, body = ErrorBody), (status = 422, body = ErrorBody)))]
pub(crate) async fn accept_task(
    State(st): State<AppState>,
    c: ApiCaller,
    Ids(id): Ids<i64>,
    Body(b): Body<AcceptBody>,
) -> ApiResult<Response> {
    st.services.accept_task(&c.caller, id, &b.quality, &b.note).await.map_err(fail!(c))?;
    Ok(no_content())
}

/// The assigner returns the result with a reason (`text`).
#[utoipa::path(post, path = "/api/v1/tasks/{id}/return", tag = "work", params(("id" = i64, Path)), request_body = WorkText,
    responses((status = 204), (status = 403, body = ErrorBody), (status = 409, body = ErrorBody), (status = 422, body = ErrorBody)))]
pub(crate) async fn return_task(
    State(st): State<AppState>,
    c: ApiCaller,
    Ids(id): Ids<i64>,
    Body(b): Body<WorkText>,
) -> ApiResult<Response> {
    st.services.return_task(&c.caller, id, &b.text).await.map_err(fail!(c))?;
    Ok(no_content())
}

/// The assigner cancels the task and what is open below it, with a reason (`text`).
#[utoipa::path(post, path = "/api/v1/tasks/{id}/cancel", tag = "work", params(("id" = i64, Path)), request_body = WorkText,
    responses((status = 204), (status = 403, body = ErrorBody), (status = 409, body = ErrorBody), (status = 422, body = ErrorBody)))]
pub(crate) async fn cancel_task(
    State(st): State<AppState>,
    c: ApiCaller,
    Ids(id): Ids<i64>,
    Body(b): Body<WorkText>,
) -> ApiResult<Response> {
    st.services.cancel_task(&c.caller, id, &b.text).await.map_err(fail!(c))?;
    Ok(no_content())
}

/// Downloads a task's file.
#[utoipa::path(get, path = "/api/v1/task-files/{id}", tag = "work", params(("id" = i64, Path)),
    responses((status = 200, content_type = "application/octet-stream"), (status = 404, body = ErrorBody)))]
pub(crate) async fn task_file(State(st): State<AppState>, c: ApiCaller, Ids(id): Ids<i64>) -> ApiResult<Response> {
    let (name, media, bytes) = st.services.task_file(&c.caller, id).await.map_err(fail!(c))?;
    Ok(crate::api::documents::file_response(&name, &media, bytes))
}

/// A recurring task.
#[derive(Debug, Deserialize, ToSchema)]
pub struct SeriesBody {
    #[serde(default)]
    pub title: String,
    #[serde(default)]
    pub description: String,
    pub lead_user_id: Option<i64>,
    #[serde(default)]
    pub priority: String,
    /// An RFC 5545 RRULE: FREQ (DAILY, WEEKLY, MONTHLY, YEARLY), INTERVAL, COUNT ≤ 1000 or UNTIL,
    /// BYDAY, BYMONTHDAY, BYMONTH.
    #[serde(default)]
    pub rrule: String,
    /// The first date.
    #[serde(default)]
    pub starts_on: String,
    /// An occurrence on a day that is not a working day: keep, next (default: the next working
    /// day) or skip.
    #[serde(default)]
    pub non_working: String,
    /// Each occurrence is due this many working days after its day (0–365, default 0).
    #[serde(default)]
    pub due_days: i64,
}

/// Starts a recurring task; each occurrence becomes a task of the lead on its day.
#[utoipa::path(post, path = "/api/v1/task-series", tag = "work", request_body = SeriesBody,
    responses((status = 201, body = CreatedId), (status = 422, body = ErrorBody)))]
pub(crate) async fn create_series(
    State(st): State<AppState>,
    c: ApiCaller,
    Body(b): Body<SeriesBody>,
) -> ApiResult<Response> {
    let input = SeriesInput {
        title: &b.title,
        description: &b.description,
        lead: b.lead_user_id,
        priority: &b.priority,
        rrule: &b.rrule,
        starts_on: &b.starts_on,
        non_working: &b.non_working,
        due_days: b.due_days,
    };
    let id = st.services.create_series(&c.caller, &input).await.map_err(fail!(c))?;
    Ok(created(id))
}

/// Stops a recurring task (its assigner).
#[utoipa::path(post, path = "/api/v1/task-series/{id}/stop", tag = "work", params(("id" = i64, Path)),
    responses((status = 204), (status = 404, body = ErrorBody), (status = 409, body = ErrorBody)))]
pub(crate) async fn stop_series(State(st): State<AppState>, c: ApiCaller, Ids(id): Ids<i64>) -> ApiResult<Response> {
    st.services.stop_series(&c.caller, id).await.map_err(fail!(c))?;
    Ok(no_content())
}

/// A declared day of the calendar.
#[derive(Debug, Deserialize, Serialize, ToSchema)]
pub struct DeclaredDayBody {
    /// The date (YYYY-MM-DD or dd/mm/yyyy).
    pub date: String,
    /// off or working.
    pub kind: String,
    #[serde(default)]
    pub note: String,
}

/// A day of the year that is not an ordinary one.
#[derive(Debug, Serialize, ToSchema)]
pub struct CalendarDay {
    pub date: String,
    /// A day off (else a weekend working day).
    pub off: bool,
    /// What was declared on it (off or working), if anything.
    pub declared: Option<String>,
    pub note: Option<String>,
}

/// A year of the working-day calendar.
#[derive(Debug, Serialize, ToSchema)]
pub struct CalendarYearBody {
    pub year: i16,
    pub working_days: i64,
    pub days: Vec<CalendarDay>,
    pub declared: Vec<DeclaredDayBody>,
}

/// One year of the working-day calendar: its days off and make-up working days.
#[utoipa::path(get, path = "/api/v1/calendar/{id}", tag = "work", params(("id" = i64, Path, description = "The year, 1900–2199")),
    responses((status = 200, body = CalendarYearBody), (status = 422, body = ErrorBody)))]
pub(crate) async fn calendar_year(
    State(st): State<AppState>,
    c: ApiCaller,
    Ids(year): Ids<i64>,
) -> ApiResult<Json<CalendarYearBody>> {
    let y = st.services.calendar_year(&c.caller, year).await.map_err(fail!(c))?;
    Ok(Json(CalendarYearBody {
        year: y.year,
        working_days: y.working_days,
        days: y
            .days
            .into_iter()
            .map(|d| CalendarDay {
                date: d.date.to_string(),
                off: d.off,
                declared: d.declared.as_ref().map(|(k, _)| k.as_str().to_string()),
                note: d.declared.map(|(_, n)| n),
            })
            .collect(),
        declared: y
            .declared
            .into_iter()
            .map(|d| DeclaredDayBody { date: d.date.to_string(), kind: d.kind.as_str().into(), note: d.note })
            .collect(),
    }))
}

/// The declared days of a year, replacing the current ones.
#[derive(Debug, Deserialize, ToSchema)]
pub struct CalendarPut {
    #[serde(default)]
    pub days: Vec<DeclaredDayBody>,
}

/// Replaces the declared days of a year (system administrators): the government's swaps, make-up
/// working days and extra days off. Every deadline computed afterwards uses them.
#[utoipa::path(put, path = "/api/v1/calendar/{id}", tag = "work", params(("id" = i64, Path, description = "The year")), request_body = CalendarPut,
    responses((status = 204), (status = 403, body = ErrorBody), (status = 422, body = ErrorBody)))]
pub(crate) async fn put_calendar_year(
    State(st): State<AppState>,
    c: ApiCaller,
    Ids(year): Ids<i64>,
    Body(b): Body<CalendarPut>,
) -> ApiResult<Response> {
    let days: Vec<DayInput> =
        b.days.into_iter().map(|d| DayInput { date: d.date, kind: d.kind, note: d.note }).collect();
    st.services.set_calendar_year(&c.caller, year, &days).await.map_err(fail!(c))?;
    Ok(no_content())
}
