//! Pages of work: the task lists (mine, given by me, all I see), giving a task or passing a part
//! on (with files kept when the form fails), a task's page with its tree, history and actions,
//! starting a recurring task, and the administered working-day calendar.

use askama::Template;
use axum::extract::{Multipart, Path, Query, State};
use axum::response::{IntoResponse, Redirect, Response};
use axum::routing::{get, post};
use axum::Router;
use egov_domain::text::TextKind;
use egov_domain::work::{NonWorking, Priority, Quality};
use egov_service::calendar::{CalendarYear, DayInput};
use egov_service::documents::handling::{Assignee, Reachable};
use egov_service::documents::today;
use egov_service::work::series::SeriesInput;
use egov_service::work::tasks::{TaskDetail, TaskInput};
use egov_service::AppError;
use egov_storage::tasks::{TaskList, TaskRow};
use serde::Deserialize;

use super::form::Form;
use super::{ctx_with_notice, render};
use crate::api::documents::MultipartForm;
use crate::error::PageError;
use crate::session::SignedIn;
use crate::view::{Ctx, FormErrors};
use crate::AppState;

const PAGE: u32 = 30;

pub(super) fn routes() -> Router<AppState> {
    Router::new()
        .route("/tasks", get(list))
        .route("/tasks/new", get(new_task).post(create_task))
        .route("/tasks/recurring", get(new_series).post(create_series))
        .route("/tasks/{id}", get(show))
        .route("/tasks/{id}/progress", post(progress))
        .route("/tasks/{id}/submit", post(submit))
        .route("/tasks/{id}/accept", post(accept))
        .route("/tasks/{id}/return", post(return_task))
        .route("/tasks/{id}/cancel", post(cancel))
        .route("/task-files/{id}", get(file))
}

/// Routes of the calendar's administration (behind the administrators' guard).
pub(super) fn admin_routes() -> Router<AppState> {
    Router::new().route("/admin/calendar", get(calendar).post(declare)).route("/admin/calendar/remove", post(undeclare))
}

fn fail(s: &SignedIn) -> impl Fn(AppError) -> PageError + '_ {
    move |err| PageError { err, lang: s.ctx.lang }
}

fn unprocessable(resp: Response) -> Response {
    (axum::http::StatusCode::UNPROCESSABLE_ENTITY, resp).into_response()
}

#[derive(Template)]
#[template(path = "tasks.html")]
struct TasksPage {
    ctx: Ctx,
    which: &'static str,
    open: bool,
    items: Vec<TaskRow>,
    next: Option<i64>,
    today: String,
}

#[derive(Deserialize)]
struct ListQuery {
    which: Option<String>,
    #[serde(default)]
    open: Option<String>,
    before: Option<i64>,
    notice: Option<String>,
}

async fn list(State(st): State<AppState>, s: SignedIn, Query(q): Query<ListQuery>) -> Result<Response, PageError> {
    let (which, key) = match q.which.as_deref() {
        Some("given") => (TaskList::Given, "given"),
        Some("all") => (TaskList::All, "all"),
        _ => (TaskList::Mine, "mine"),
    };
    let open = q.open.as_deref() != Some("0");
    let page = st.services.tasks(&s.caller, which, open, q.before, PAGE).await.map_err(fail(&s))?;
    let view = TasksPage {
        ctx: ctx_with_notice(&s, "task.title", q.notice.as_deref()),
        which: key,
        open,
        items: page.items,
        next: page.next_before,
        today: today().to_string(),
    };
    render(&view, s.ctx.lang)
}

#[derive(Template)]
#[template(path = "task_new.html")]
struct NewTaskPage {
    ctx: Ctx,
    errors: FormErrors,
    values: MultipartForm,
    parent: Option<TaskRow>,
    document_id: Option<i64>,
    me: i64,
    people: Vec<Reachable>,
    units: Vec<Reachable>,
    priorities: Vec<(&'static str, &'static str)>,
}

impl NewTaskPage {
    fn chosen(&self, name: &str, id: &i64) -> bool {
        self.values.shown(name).contains(&id.to_string().as_str())
    }
}

#[derive(Deserialize)]
struct NewQuery {
    parent: Option<i64>,
    document: Option<i64>,
}

async fn task_form(
    st: &AppState,
    s: &SignedIn,
    parent_id: Option<i64>,
    document_id: Option<i64>,
    values: MultipartForm,
    errors: FormErrors,
) -> Result<Response, PageError> {
    let parent = match parent_id {
        Some(p) => Some(st.services.task(&s.caller, p).await.map_err(fail(s))?.task),
        None => None,
    };
    let reach = st.services.reachable(&s.caller).await.map_err(fail(s))?;
    let (people, units): (Vec<Reachable>, Vec<Reachable>) =
        reach.into_iter().partition(|r| matches!(r.assignee, Assignee::Person(_)));
    let failed = !errors.is_empty();
    let title = if parent.is_some() { "task.pass_on" } else { "task.new" };
    let page = NewTaskPage {
        ctx: Ctx::signed_in(s, title),
        errors,
        values,
        parent,
        document_id,
        me: s.caller.actor.user_id,
        people,
        units,
        priorities: Priority::ALL.iter().map(|p| (p.as_str(), p.label(s.ctx.lang))).collect(),
    };
    let resp = render(&page, s.ctx.lang)?;
    Ok(if failed { unprocessable(resp) } else { resp })
}

async fn new_task(State(st): State<AppState>, s: SignedIn, Query(q): Query<NewQuery>) -> Result<Response, PageError> {
    task_form(&st, &s, q.parent, q.document, MultipartForm::default(), FormErrors::default()).await
}

const TASK_FIELDS: &[&str] = &[
    "title",
    "description",
    "lead",
    "cooperate",
    "deadline",
    "deadline_days",
    "priority",
    "weight",
    "files",
    "document_id",
    "status",
];

async fn create_task(State(st): State<AppState>, s: SignedIn, m: Multipart) -> Result<Response, PageError> {
    let mut form = MultipartForm::read(m).await.map_err(fail(&s))?;
    let restored = super::kept::restore(&st.services, &s.caller, &mut form).await;
    let parsed = form.check_files().and_then(|()| {
        let mut cooperate: Vec<Assignee> = form.ints("cooperate_users")?.into_iter().map(Assignee::Person).collect();
        cooperate.extend(form.ints("cooperate_units")?.into_iter().map(Assignee::Unit));
        Ok((
            form.int("parent_id")?,
            form.int("document_id")?,
            form.int("lead")?,
            cooperate,
            form.int("deadline_days")?,
            form.int("weight")?,
        ))
    });
    let result = match (restored, parsed) {
        (Err(e), _) => Err(e),
        (Ok(()), Err(e)) => Err(AppError::field(e)),
        (Ok(()), Ok((parent_id, document_id, lead, cooperate, deadline_days, weight))) => {
            let text = |name: &'static str, kind| form.text(name, kind).map_err(AppError::field);
            match (
                text("title", TextKind::SingleLine),
                text("description", TextKind::MultiLine),
                text("deadline", TextKind::SingleLine),
                text("priority", TextKind::SingleLine),
            ) {
                (Ok(title), Ok(description), Ok(deadline), Ok(priority)) => {
                    let input = TaskInput {
                        parent_id,
                        title,
                        description,
                        document_id,
                        lead,
                        cooperate,
                        deadline: Some(deadline),
                        deadline_days,
                        priority,
                        weight,
                    };
                    st.services.create_task(&s.caller, &input, form.files.clone()).await
                }
                (Err(e), ..) | (_, Err(e), ..) | (_, _, Err(e), _) | (.., Err(e)) => Err(e),
            }
        }
    };
    match result {
        Ok(id) => Ok(Redirect::to(&format!("/tasks/{id}?notice=created")).into_response()),
        Err(e) => match FormErrors::from_error(&e, s.ctx.lang, TASK_FIELDS) {
            Some(errors) => {
                let parent = form.int("parent_id").ok().flatten();
                let document = form.int("document_id").ok().flatten();
                let mut values = form;
                super::kept::keep(&st.services, &s.caller, &mut values).await;
                task_form(&st, &s, parent, document, values, errors).await
            }
            None => Err(fail(&s)(e)),
        },
    }
}

#[derive(Template)]
#[template(path = "task.html")]
struct TaskPage {
    ctx: Ctx,
    d: TaskDetail,
    errors: FormErrors,
    qualities: Vec<(&'static str, &'static str)>,
    today: String,
}

impl TaskPage {
    fn overdue(&self, t: &TaskRow) -> bool {
        matches!(t.status.as_str(), "open" | "submitted")
            && t.deadline.as_deref().is_some_and(|d| d < self.today.as_str())
    }

    /// Indentation of a task below this one (its depth relative to this task's).
    fn indent(&self, t: &TaskRow) -> i64 {
        (t.depth - self.d.task.depth - 1).clamp(0, 8)
    }
}

#[derive(Deserialize)]
struct NoticeQuery {
    notice: Option<String>,
}

async fn task_view(
    st: &AppState,
    s: &SignedIn,
    id: i64,
    errors: FormErrors,
    notice: Option<&str>,
) -> Result<Response, PageError> {
    let d = st.services.task(&s.caller, id).await.map_err(fail(s))?;
    let failed = !errors.is_empty();
    let ctx = ctx_with_notice(s, "task.title_one", notice).about(d.task.title.clone());
    let page = TaskPage {
        ctx,
        d,
        errors,
        qualities: Quality::ALL.iter().map(|q| (q.as_str(), q.label(s.ctx.lang))).collect(),
        today: today().to_string(),
    };
    let resp = render(&page, s.ctx.lang)?;
    Ok(if failed { unprocessable(resp) } else { resp })
}

async fn show(
    State(st): State<AppState>,
    s: SignedIn,
    Path(id): Path<i64>,
    Query(q): Query<NoticeQuery>,
) -> Result<Response, PageError> {
    task_view(&st, &s, id, FormErrors::default(), q.notice.as_deref()).await
}

/// After an action on a task: back to it with a notice, or shown again with the errors.
async fn done(
    st: &AppState,
    s: &SignedIn,
    id: i64,
    r: Result<(), AppError>,
    notice: &str,
    fields: &[&str],
) -> Result<Response, PageError> {
    match r {
        Ok(()) => Ok(Redirect::to(&format!("/tasks/{id}?notice={notice}")).into_response()),
        Err(e) => match FormErrors::from_error(&e, s.ctx.lang, fields) {
            Some(errors) => task_view(st, s, id, errors, None).await,
            None => Err(fail(s)(e)),
        },
    }
}

#[derive(Deserialize)]
struct ProgressForm {
    #[serde(default)]
    percent: String,
    #[serde(default)]
    note: String,
}

async fn progress(
    State(st): State<AppState>,
    s: SignedIn,
    Path(id): Path<i64>,
    Form(f): Form<ProgressForm>,
) -> Result<Response, PageError> {
    let percent = match f.percent.trim() {
        "" => Ok(None),
        p => p.parse::<i64>().map(Some).map_err(|_| {
            AppError::invalid(
                "progress",
                "progress_invalid",
                "Tiến độ phải từ 0 đến 100%.",
                "Progress must be between 0 and 100%.",
            )
        }),
    };
    let r = match percent {
        Ok(p) => st.services.report_task_progress(&s.caller, id, p, &f.note).await,
        Err(e) => Err(e),
    };
    done(&st, &s, id, r, "saved", &["progress", "note", "status"]).await
}

#[derive(Deserialize)]
struct TextForm {
    #[serde(default)]
    text: String,
}

async fn submit(
    State(st): State<AppState>,
    s: SignedIn,
    Path(id): Path<i64>,
    Form(f): Form<TextForm>,
) -> Result<Response, PageError> {
    let r = st.services.submit_task(&s.caller, id, &f.text).await;
    done(&st, &s, id, r, "task_submitted", &["result", "status"]).await
}

#[derive(Deserialize)]
struct AcceptForm {
    #[serde(default)]
    quality: String,
    #[serde(default)]
    note: String,
}

async fn accept(
    State(st): State<AppState>,
    s: SignedIn,
    Path(id): Path<i64>,
    Form(f): Form<AcceptForm>,
) -> Result<Response, PageError> {
    let r = st.services.accept_task(&s.caller, id, &f.quality, &f.note).await;
    done(&st, &s, id, r, "task_accepted", &["quality", "note", "status"]).await
}

async fn return_task(
    State(st): State<AppState>,
    s: SignedIn,
    Path(id): Path<i64>,
    Form(f): Form<TextForm>,
) -> Result<Response, PageError> {
    let r = st.services.return_task(&s.caller, id, &f.text).await;
    done(&st, &s, id, r, "returned", &["reason", "status"]).await
}

async fn cancel(
    State(st): State<AppState>,
    s: SignedIn,
    Path(id): Path<i64>,
    Form(f): Form<TextForm>,
) -> Result<Response, PageError> {
    let r = st.services.cancel_task(&s.caller, id, &f.text).await;
    done(&st, &s, id, r, "task_cancelled", &["reason", "status"]).await
}

async fn file(State(st): State<AppState>, s: SignedIn, Path(id): Path<i64>) -> Result<Response, PageError> {
    let (name, media, bytes) = st.services.task_file(&s.caller, id).await.map_err(fail(&s))?;
    Ok(crate::api::documents::file_response(&name, &media, bytes))
}

#[derive(Template)]
#[template(path = "task_series.html")]
struct SeriesPage {
    ctx: Ctx,
    errors: FormErrors,
    values: SeriesForm,
    me: i64,
    people: Vec<Reachable>,
    priorities: Vec<(&'static str, &'static str)>,
    non_working: Vec<(&'static str, &'static str)>,
}

#[derive(Clone, Debug, Default, Deserialize)]
struct SeriesForm {
    #[serde(default)]
    title: String,
    #[serde(default)]
    description: String,
    #[serde(default)]
    lead: String,
    #[serde(default)]
    priority: String,
    #[serde(default)]
    rrule: String,
    #[serde(default)]
    starts_on: String,
    #[serde(default)]
    non_working: String,
    #[serde(default)]
    due_days: String,
}

async fn series_form(
    st: &AppState,
    s: &SignedIn,
    values: SeriesForm,
    errors: FormErrors,
) -> Result<Response, PageError> {
    let people = st
        .services
        .reachable(&s.caller)
        .await
        .map_err(fail(s))?
        .into_iter()
        .filter(|r| matches!(r.assignee, Assignee::Person(_)))
        .collect();
    let failed = !errors.is_empty();
    let page = SeriesPage {
        ctx: Ctx::signed_in(s, "task.recurring"),
        errors,
        values,
        me: s.caller.actor.user_id,
        people,
        priorities: Priority::ALL.iter().map(|p| (p.as_str(), p.label(s.ctx.lang))).collect(),
        non_working: NonWorking::ALL.iter().map(|p| (p.as_str(), p.label(s.ctx.lang))).collect(),
    };
    let resp = render(&page, s.ctx.lang)?;
    Ok(if failed { unprocessable(resp) } else { resp })
}

async fn new_series(State(st): State<AppState>, s: SignedIn) -> Result<Response, PageError> {
    let values = SeriesForm { non_working: "next".into(), due_days: "0".into(), ..SeriesForm::default() };
    series_form(&st, &s, values, FormErrors::default()).await
}

async fn create_series(
    State(st): State<AppState>,
    s: SignedIn,
    Form(f): Form<SeriesForm>,
) -> Result<Response, PageError> {
    let number = |v: &str, field: &'static str| -> Result<Option<i64>, AppError> {
        match v.trim() {
            "" => Ok(None),
            n => n
                .parse()
                .map(Some)
                .map_err(|_| AppError::invalid(field, "not_a_number", "Vui lòng nhập một số.", "Enter a number.")),
        }
    };
    let r = match (number(&f.lead, "lead"), number(&f.due_days, "due_days")) {
        (Ok(lead), Ok(due_days)) => {
            let input = SeriesInput {
                title: &f.title,
                description: &f.description,
                lead,
                priority: &f.priority,
                rrule: &f.rrule,
                starts_on: &f.starts_on,
                non_working: &f.non_working,
                due_days: due_days.unwrap_or(0),
            };
            st.services.create_series(&s.caller, &input).await
        }
        (Err(e), _) | (_, Err(e)) => Err(e),
    };
    match r {
        Ok(_) => Ok(Redirect::to("/tasks?which=given&notice=series_created").into_response()),
        Err(e) => match FormErrors::from_error(
            &e,
            s.ctx.lang,
            &["title", "description", "lead", "priority", "rrule", "starts_on", "non_working", "due_days"],
        ) {
            Some(errors) => series_form(&st, &s, f, errors).await,
            None => Err(fail(&s)(e)),
        },
    }
}

#[derive(Template)]
#[template(path = "admin_calendar.html")]
struct CalendarPage {
    ctx: Ctx,
    y: CalendarYear,
    errors: FormErrors,
    values: DayForm,
    kinds: Vec<(&'static str, &'static str)>,
    /// A system administrator: may declare days.
    can_edit: bool,
}

impl CalendarPage {
    fn weekday(&self, d: &jiff::civil::Date) -> &'static str {
        const VI: [&str; 7] = ["Thứ Hai", "Thứ Ba", "Thứ Tư", "Thứ Năm", "Thứ Sáu", "Thứ Bảy", "Chủ nhật"];
        const EN: [&str; 7] = ["Monday", "Tuesday", "Wednesday", "Thursday", "Friday", "Saturday", "Sunday"];
        let i = usize::from(d.weekday().to_monday_zero_offset() as u8);
        match self.ctx.lang {
            egov_domain::Lang::Vi => VI[i],
            egov_domain::Lang::En => EN[i],
        }
    }
}

#[derive(Deserialize)]
struct YearQuery {
    year: Option<i64>,
    notice: Option<String>,
}

#[derive(Clone, Debug, Default, Deserialize)]
struct DayForm {
    #[serde(default)]
    date: String,
    #[serde(default)]
    kind: String,
    #[serde(default)]
    note: String,
}

async fn calendar_view(
    st: &AppState,
    s: &SignedIn,
    year: i64,
    values: DayForm,
    errors: FormErrors,
    notice: Option<&str>,
) -> Result<Response, PageError> {
    let y = st.services.calendar_year(&s.caller, year).await.map_err(fail(s))?;
    let failed = !errors.is_empty();
    let page = CalendarPage {
        ctx: ctx_with_notice(s, "calendar.title", notice),
        y,
        errors,
        values,
        kinds: egov_domain::days_off::DayKind::ALL.iter().map(|k| (k.as_str(), k.label(s.ctx.lang))).collect(),
        can_edit: s.caller.actor.is_system_admin(),
    };
    let resp = render(&page, s.ctx.lang)?;
    Ok(if failed { unprocessable(resp) } else { resp })
}

async fn calendar(State(st): State<AppState>, s: SignedIn, Query(q): Query<YearQuery>) -> Result<Response, PageError> {
    let year = q.year.unwrap_or_else(|| i64::from(today().year()));
    calendar_view(&st, &s, year, DayForm::default(), FormErrors::default(), q.notice.as_deref()).await
}

fn year_of(date: &str) -> i64 {
    egov_domain::document::parse_date(date, "date").map_or_else(|_| i64::from(today().year()), |d| i64::from(d.year()))
}

async fn declare(State(st): State<AppState>, s: SignedIn, Form(f): Form<DayForm>) -> Result<Response, PageError> {
    let input = DayInput { date: f.date.clone(), kind: f.kind.clone(), note: f.note.clone() };
    let year = year_of(&f.date);
    match st.services.declare_day(&s.caller, &input).await {
        Ok(()) => Ok(Redirect::to(&format!("/admin/calendar?year={year}&notice=saved")).into_response()),
        Err(e) => match FormErrors::from_error(&e, s.ctx.lang, &["date", "kind", "note", "days", "year"]) {
            Some(errors) => calendar_view(&st, &s, year, f, errors, None).await,
            None => Err(fail(&s)(e)),
        },
    }
}

async fn undeclare(State(st): State<AppState>, s: SignedIn, Form(f): Form<DayForm>) -> Result<Response, PageError> {
    let year = year_of(&f.date);
    match st.services.undeclare_day(&s.caller, &f.date).await {
        Ok(()) => Ok(Redirect::to(&format!("/admin/calendar?year={year}&notice=saved")).into_response()),
        Err(e) => match FormErrors::from_error(&e, s.ctx.lang, &["date", "days"]) {
            Some(errors) => calendar_view(&st, &s, year, DayForm::default(), errors, None).await,
            None => Err(fail(&s)(e)),
        },
    }
}
