//! Pages of work schedules: an agency's week (drafts marked, approve and cancel at hand, the
//! printed week), drafting and changing an entry with clashes shown, one entry, and one's
//! iCalendar feed addresses.

use askama::Template;
use axum::extract::{Path, Query, State};
use axum::response::{IntoResponse, Redirect, Response};
use axum::routing::{get, post};
use axum::Router;
use egov_service::documents::{today, vietnam_tz};
use egov_service::work::schedules::{Clash, EntryDetail, EntryInput, Week};
use egov_service::AppError;
use egov_storage::schedules::FeedRow;
use serde::Deserialize;

use super::form::Form;
use super::{ctx_with_notice, render};
use crate::error::PageError;
use crate::session::SignedIn;
use crate::view::{Ctx, FormErrors};
use crate::AppState;

pub(super) fn routes() -> Router<AppState> {
    Router::new()
        .route("/schedule", get(week))
        .route("/schedule/pdf", get(week_pdf))
        .route("/schedule/new", get(new_entry).post(create_entry))
        .route("/schedule/entries/{id}", get(entry))
        .route("/schedule/entries/{id}/edit", get(edit_entry).post(update_entry))
        .route("/schedule/entries/{id}/publish", post(publish))
        .route("/schedule/entries/{id}/cancel", post(cancel))
        .route("/schedule/feeds", post(create_feed))
        .route("/schedule/feeds/{id}/revoke", post(revoke_feed))
}

fn fail(s: &SignedIn) -> impl Fn(AppError) -> PageError + '_ {
    move |err| PageError { err, lang: s.ctx.lang }
}

/// Local time of milliseconds, as `HH:MM`.
fn hm(ms: i64) -> String {
    jiff::Timestamp::from_millisecond(ms)
        .map(|t| t.to_zoned(vietnam_tz()).strftime("%H:%M").to_string())
        .unwrap_or_default()
}

/// Local date-time of milliseconds, for a `datetime-local` input.
fn local_input(ms: i64) -> String {
    jiff::Timestamp::from_millisecond(ms)
        .map(|t| t.to_zoned(vietnam_tz()).strftime("%Y-%m-%dT%H:%M").to_string())
        .unwrap_or_default()
}

fn weekday_vi(ms: i64, lang: egov_domain::Lang) -> String {
    const VI: [&str; 7] = ["Thứ Hai", "Thứ Ba", "Thứ Tư", "Thứ Năm", "Thứ Sáu", "Thứ Bảy", "Chủ nhật"];
    const EN: [&str; 7] = ["Monday", "Tuesday", "Wednesday", "Thursday", "Friday", "Saturday", "Sunday"];
    let Ok(t) = jiff::Timestamp::from_millisecond(ms) else { return String::new() };
    let z = t.to_zoned(vietnam_tz());
    let i = usize::from(z.weekday().to_monday_zero_offset() as u8);
    let name = if lang == egov_domain::Lang::Vi { VI[i] } else { EN[i] };
    format!("{name} {}", z.strftime("%d/%m"))
}

#[derive(Template)]
#[template(path = "schedule.html")]
struct WeekPage {
    ctx: Ctx,
    w: Week,
    prev: String,
    next: String,
    monday: String,
    feeds: Vec<FeedRow>,
    /// The address just made (shown once).
    new_feed: Option<String>,
}

impl WeekPage {
    fn day(&self, ms: &i64) -> String {
        weekday_vi(*ms, self.ctx.lang)
    }
    fn hm(&self, ms: &i64) -> String {
        hm(*ms)
    }
    fn names(&self, d: &EntryDetail) -> String {
        d.participants.iter().map(|p| p.name.as_str()).collect::<Vec<_>>().join(", ")
    }
}

#[derive(Deserialize)]
struct WeekQuery {
    agency: Option<i64>,
    owner: Option<i64>,
    week: Option<String>,
    notice: Option<String>,
}

fn week_of(q: Option<&str>) -> jiff::civil::Date {
    q.and_then(|w| egov_domain::document::parse_date(w, "week").ok()).unwrap_or_else(today)
}

#[allow(clippy::too_many_arguments)]
async fn week_view(
    st: &AppState,
    s: &SignedIn,
    agency: Option<i64>,
    owner: Option<i64>,
    week: Option<&str>,
    notice: Option<&str>,
    new_feed: Option<String>,
) -> Result<Response, PageError> {
    let agency = agency.unwrap_or(s.caller.actor.agency_id);
    let w = st.services.schedule_week(&s.caller, agency, owner, week_of(week)).await.map_err(fail(s))?;
    let feeds = st.services.feeds(&s.caller).await.map_err(fail(s))?;
    let step =
        |days: i64| w.monday.checked_add(jiff::Span::new().days(days)).map(|d| d.to_string()).unwrap_or_default();
    let page = WeekPage {
        ctx: ctx_with_notice(s, "schedule.title", notice),
        prev: step(-7),
        next: step(7),
        monday: w.monday.to_string(),
        w,
        feeds,
        new_feed,
    };
    render(&page, s.ctx.lang)
}

async fn week(State(st): State<AppState>, s: SignedIn, Query(q): Query<WeekQuery>) -> Result<Response, PageError> {
    week_view(&st, &s, q.agency, q.owner, q.week.as_deref(), q.notice.as_deref(), None).await
}

async fn week_pdf(State(st): State<AppState>, s: SignedIn, Query(q): Query<WeekQuery>) -> Result<Response, PageError> {
    let agency = q.agency.unwrap_or(s.caller.actor.agency_id);
    let day = week_of(q.week.as_deref());
    let pdf = st.services.schedule_week_pdf(&s.caller, agency, day).await.map_err(fail(&s))?;
    Ok(crate::api::documents::file_response(&format!("lich-cong-tac-{day}.pdf"), "application/pdf", pdf))
}

#[derive(Clone, Debug, Default, Deserialize)]
struct EntryForm {
    #[serde(default)]
    agency: String,
    /// Whose schedule: empty for the agency's, else a leader's id.
    #[serde(default)]
    owner: String,
    #[serde(default)]
    title: String,
    #[serde(default)]
    starts_at: String,
    #[serde(default)]
    ends_at: String,
    #[serde(default)]
    place: String,
    #[serde(default)]
    chair: String,
    #[serde(default)]
    users: Vec<String>,
    #[serde(default)]
    units: Vec<String>,
    #[serde(default)]
    preparing_unit: String,
    #[serde(default)]
    meeting_url: String,
    #[serde(default)]
    notes: String,
    #[serde(default)]
    public: String,
}

#[derive(Template)]
#[template(path = "schedule_form.html")]
struct EntryFormPage {
    ctx: Ctx,
    /// The entry being changed.
    editing: Option<i64>,
    agency_id: i64,
    values: EntryForm,
    people: Vec<(i64, String)>,
    units: Vec<(i64, String)>,
    errors: FormErrors,
}

impl EntryFormPage {
    fn has_user(&self, id: &i64) -> bool {
        self.values.users.iter().any(|u| u == &id.to_string())
    }
    fn has_unit(&self, id: &i64) -> bool {
        self.values.units.iter().any(|u| u == &id.to_string())
    }
}

async fn entry_form(
    st: &AppState,
    s: &SignedIn,
    editing: Option<i64>,
    agency_id: i64,
    values: EntryForm,
    errors: FormErrors,
) -> Result<Response, PageError> {
    let people = st.services.colleagues(&s.caller).await.map_err(fail(s))?;
    let (_, units) = st.services.addressees(&s.caller).await.map_err(fail(s))?;
    let failed = !errors.is_empty();
    let title = if editing.is_some() { "schedule.edit" } else { "schedule.new" };
    let page = EntryFormPage { ctx: Ctx::signed_in(s, title), editing, agency_id, values, people, units, errors };
    let resp = render(&page, s.ctx.lang)?;
    Ok(if failed { (axum::http::StatusCode::UNPROCESSABLE_ENTITY, resp).into_response() } else { resp })
}

#[derive(Deserialize)]
struct NewQuery {
    agency: Option<i64>,
}

async fn new_entry(State(st): State<AppState>, s: SignedIn, Query(q): Query<NewQuery>) -> Result<Response, PageError> {
    let agency = q.agency.unwrap_or(s.caller.actor.agency_id);
    entry_form(&st, &s, None, agency, EntryForm::default(), FormErrors::default()).await
}

const ENTRY_FIELDS: &[&str] =
    &["owner", "title", "starts_at", "ends_at", "place", "participants", "units", "meeting_url", "notes", "status"];

/// The people and units of an entry form: (chair, people, units, preparing unit, owner).
type People = (Option<i64>, Vec<i64>, Vec<i64>, Option<i64>, Option<i64>);

fn parse_form(f: &EntryForm) -> Result<People, AppError> {
    let one = |v: &str, field: &'static str| -> Result<Option<i64>, AppError> {
        match v.trim() {
            "" => Ok(None),
            n => n
                .parse()
                .map(Some)
                .map_err(|_| AppError::invalid(field, "not_a_number", "Giá trị không hợp lệ.", "Invalid value.")),
        }
    };
    let many = |v: &[String], field: &'static str| -> Result<Vec<i64>, AppError> {
        v.iter().filter_map(|x| one(x, field).transpose()).collect()
    };
    Ok((
        one(&f.chair, "participants")?,
        many(&f.users, "participants")?,
        many(&f.units, "units")?,
        one(&f.preparing_unit, "units")?,
        one(&f.owner, "owner")?,
    ))
}

fn input_of<'a>(f: &'a EntryForm, parsed: &People) -> EntryInput<'a> {
    EntryInput {
        owner_id: parsed.4,
        title: &f.title,
        starts_at: &f.starts_at,
        ends_at: &f.ends_at,
        place: &f.place,
        chair_id: parsed.0,
        users: parsed.1.clone(),
        units: parsed.2.clone(),
        preparing_unit_id: parsed.3,
        meeting_url: &f.meeting_url,
        notes: &f.notes,
        public: matches!(f.public.as_str(), "1" | "on" | "true"),
    }
}

async fn create_entry(
    State(st): State<AppState>,
    s: SignedIn,
    Form(f): Form<EntryForm>,
) -> Result<Response, PageError> {
    let agency = f.agency.trim().parse::<i64>().unwrap_or(s.caller.actor.agency_id);
    let r = match parse_form(&f) {
        Ok(p) => st.services.create_schedule_entry(&s.caller, agency, &input_of(&f, &p), Vec::new()).await,
        Err(e) => Err(e),
    };
    match r {
        Ok((id, clashes)) if clashes.is_empty() => {
            Ok(Redirect::to(&format!("/schedule/entries/{id}?notice=created")).into_response())
        }
        Ok((id, _)) => Ok(Redirect::to(&format!("/schedule/entries/{id}?notice=created_clash")).into_response()),
        Err(e) => match FormErrors::from_error(&e, s.ctx.lang, ENTRY_FIELDS) {
            Some(errors) => entry_form(&st, &s, None, agency, f, errors).await,
            None => Err(fail(&s)(e)),
        },
    }
}

#[derive(Template)]
#[template(path = "schedule_entry.html")]
struct EntryPage {
    ctx: Ctx,
    d: EntryDetail,
    when: String,
    can_edit: bool,
    can_approve: bool,
    clashes: Vec<Clash>,
}

impl EntryPage {
    fn week_of_entry(&self) -> String {
        egov_service::documents::date_of_ms(self.d.entry.starts_at).to_string()
    }

    fn hm(&self, ms: &i64) -> String {
        format!("{} {}", weekday_vi(*ms, self.ctx.lang), hm(*ms))
    }
}

#[derive(Deserialize)]
struct NoticeQuery {
    notice: Option<String>,
}

async fn entry(
    State(st): State<AppState>,
    s: SignedIn,
    Path(id): Path<i64>,
    Query(q): Query<NoticeQuery>,
) -> Result<Response, PageError> {
    let d = st.services.schedule_entry(&s.caller, id).await.map_err(fail(&s))?;
    let w = st
        .services
        .schedule_week(&s.caller, d.entry.agency_id, None, egov_service::documents::date_of_ms(d.entry.starts_at))
        .await
        .map_err(fail(&s))?;
    let clashes = if q.notice.as_deref() == Some("created_clash") {
        st.services.schedule_clashes(&s.caller, id).await.map_err(fail(&s))?
    } else {
        Vec::new()
    };
    let when =
        format!("{}, {}–{}", weekday_vi(d.entry.starts_at, s.ctx.lang), hm(d.entry.starts_at), hm(d.entry.ends_at));
    let notice = q.notice.as_deref().map(|n| if n == "created_clash" { "created" } else { n });
    let page = EntryPage {
        ctx: ctx_with_notice(&s, "schedule.entry", notice).about(d.entry.title.clone()),
        d,
        when,
        can_edit: w.can_edit,
        can_approve: w.can_approve,
        clashes,
    };
    render(&page, s.ctx.lang)
}

async fn edit_entry(State(st): State<AppState>, s: SignedIn, Path(id): Path<i64>) -> Result<Response, PageError> {
    let d = st.services.schedule_entry(&s.caller, id).await.map_err(fail(&s))?;
    let e = &d.entry;
    let values = EntryForm {
        agency: e.agency_id.to_string(),
        owner: e.owner_id.map(|o| o.to_string()).unwrap_or_default(),
        title: e.title.clone(),
        starts_at: local_input(e.starts_at),
        ends_at: local_input(e.ends_at),
        place: e.place.clone(),
        chair: e.chair_id.map(|c| c.to_string()).unwrap_or_default(),
        users: d.participants.iter().filter_map(|p| p.user_id).map(|u| u.to_string()).collect(),
        units: d.participants.iter().filter_map(|p| p.unit_id).map(|u| u.to_string()).collect(),
        preparing_unit: e.preparing_unit_id.map(|u| u.to_string()).unwrap_or_default(),
        meeting_url: e.meeting_url.clone().unwrap_or_default(),
        notes: e.notes.clone(),
        public: if e.public { "1".into() } else { String::new() },
    };
    entry_form(&st, &s, Some(id), e.agency_id, values, FormErrors::default()).await
}

async fn update_entry(
    State(st): State<AppState>,
    s: SignedIn,
    Path(id): Path<i64>,
    Form(f): Form<EntryForm>,
) -> Result<Response, PageError> {
    let r = match parse_form(&f) {
        Ok(p) => st.services.update_schedule_entry(&s.caller, id, &input_of(&f, &p)).await,
        Err(e) => Err(e),
    };
    match r {
        Ok(c) if c.is_empty() => Ok(Redirect::to(&format!("/schedule/entries/{id}?notice=saved")).into_response()),
        Ok(_) => Ok(Redirect::to(&format!("/schedule/entries/{id}?notice=created_clash")).into_response()),
        Err(e) => match FormErrors::from_error(&e, s.ctx.lang, ENTRY_FIELDS) {
            Some(errors) => {
                let agency = f.agency.trim().parse::<i64>().unwrap_or(s.caller.actor.agency_id);
                entry_form(&st, &s, Some(id), agency, f, errors).await
            }
            None => Err(fail(&s)(e)),
        },
    }
}

async fn publish(State(st): State<AppState>, s: SignedIn, Path(id): Path<i64>) -> Result<Response, PageError> {
    st.services.publish_schedule_entry(&s.caller, id).await.map_err(fail(&s))?;
    Ok(Redirect::to(&format!("/schedule/entries/{id}?notice=published")).into_response())
}

async fn cancel(State(st): State<AppState>, s: SignedIn, Path(id): Path<i64>) -> Result<Response, PageError> {
    st.services.cancel_schedule_entry(&s.caller, id).await.map_err(fail(&s))?;
    Ok(Redirect::to(&format!("/schedule/entries/{id}?notice=entry_cancelled")).into_response())
}

#[derive(Deserialize)]
struct FeedForm {
    #[serde(default)]
    agency: String,
}

/// Makes a feed address and shows it once, in the answer itself (never in a URL that browsers
/// keep in their history or servers in their logs).
async fn create_feed(State(st): State<AppState>, s: SignedIn, Form(f): Form<FeedForm>) -> Result<Response, PageError> {
    let agency = f.agency.trim().parse::<i64>().ok();
    let (_, secret) = st.services.create_feed(&s.caller, agency).await.map_err(fail(&s))?;
    let url = format!("{}/ical/{secret}.ics", st.services.settings.public_url.trim_end_matches('/'));
    week_view(&st, &s, agency, None, None, Some("feed_created"), Some(url)).await
}

async fn revoke_feed(State(st): State<AppState>, s: SignedIn, Path(id): Path<i64>) -> Result<Response, PageError> {
    st.services.revoke_feed(&s.caller, id).await.map_err(fail(&s))?;
    Ok(Redirect::to("/schedule?notice=feed_revoked").into_response())
}
