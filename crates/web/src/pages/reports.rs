//! Pages of periodic reports (báo cáo định kỳ): the list (what my agency must send, the rounds
//! my agency sent), defining and sending a round (one field per line), filling in a submission
//! (draft, ask the leader, the leader sends), and the round's overview for the higher agency
//! (who sent on time, late or not at all, the rate, remind, return or accept, totals, the
//! per-agency table and its CSV/XLSX).

use std::collections::BTreeMap;

use askama::Template;
use axum::extract::{Path, Query, State};
use axum::response::{IntoResponse, Redirect, Response};
use axum::routing::{get, post};
use axum::Router;
use egov_domain::reporting::{self as rep, Definition, FieldKind, PeriodKind, Problem, Value as RepValue, Values};
use egov_service::work::reports::{FormChoice, ReportLists, RoundInput, RoundView, SubmissionView};
use egov_service::AppError;
use serde::Deserialize;

use super::form::Form;
use super::{ctx_with_notice, render};
use crate::api::reports::{export_name, period_label, round_table};
use crate::error::PageError;
use crate::session::SignedIn;
use crate::view::{Ctx, FormErrors};
use crate::AppState;

pub(super) fn routes() -> Router<AppState> {
    Router::new()
        .route("/reports", get(list))
        .route("/reports/new", get(new_round).post(create_round))
        .route("/reports/rounds/{id}", get(round))
        .route("/reports/rounds/{id}/remind", post(remind))
        .route("/reports/rounds/{id}/export", get(export))
        .route("/reports/submissions/{id}", get(submission).post(save))
        .route("/reports/submissions/{id}/send", post(send))
        .route("/reports/submissions/{id}/return", post(return_it))
        .route("/reports/submissions/{id}/accept", post(accept))
}

fn fail(s: &SignedIn) -> impl Fn(AppError) -> PageError + '_ {
    move |err| PageError { err, lang: s.ctx.lang }
}

fn unprocessable(resp: Response) -> Response {
    (axum::http::StatusCode::UNPROCESSABLE_ENTITY, resp).into_response()
}

#[derive(Template)]
#[template(path = "report_list.html")]
struct ListPage {
    ctx: Ctx,
    l: ReportLists,
    next: Option<i64>,
}

impl ListPage {
    fn period(&self, kind: &str, start: &str) -> String {
        period_label(kind, start, self.ctx.lang)
    }
    fn status(&self, s: &str) -> &'static str {
        rep::SubmissionStatus::parse(s).map_or("", |x| x.label(self.ctx.lang))
    }
}

#[derive(Deserialize)]
struct ListQuery {
    before: Option<i64>,
    notice: Option<String>,
}

const PAGE: i64 = 50;

async fn list(State(st): State<AppState>, s: SignedIn, Query(q): Query<ListQuery>) -> Result<Response, PageError> {
    let l = st.services.report_lists(&s.caller, q.before, PAGE).await.map_err(fail(&s))?;
    let next = (l.sent.len() as i64 == PAGE).then(|| l.sent.last().map(|r| r.id)).flatten();
    render(&ListPage { ctx: ctx_with_notice(&s, "report.title", q.notice.as_deref()), l, next }, s.ctx.lang)
}

#[derive(Clone, Debug, Default, Deserialize)]
struct RoundForm {
    #[serde(default)]
    agency_id: String,
    #[serde(default)]
    title: String,
    #[serde(default)]
    period: String,
    #[serde(default)]
    deadline_days: String,
    #[serde(default)]
    period_date: String,
    /// The fields, one per line (a multi-line field of the form checker).
    #[serde(default)]
    body: String,
    /// The rules, one per line.
    #[serde(default)]
    text: String,
    #[serde(default)]
    agencies: Vec<String>,
    #[serde(default)]
    level: String,
}

#[derive(Template)]
#[template(path = "report_new.html")]
struct NewPage {
    ctx: Ctx,
    agency_id: i64,
    values: RoundForm,
    periods: Vec<(&'static str, &'static str)>,
    targets: Vec<(i64, String, String, String)>,
    errors: FormErrors,
}

impl NewPage {
    fn chosen(&self, id: &i64) -> bool {
        self.values.agencies.iter().any(|a| a == &id.to_string())
    }
}

const EXAMPLE_FIELDS: &str = "households|Tổng số hộ|number\npoor_total|Tổng số hộ nghèo|number\n\
     level|Mức độ hoàn thành|choice|Tốt;Khá;Trung bình\nnote|Ghi chú|text||optional\n\
     villages|Theo thôn|table|name=Tên thôn:text;poor=Hộ nghèo:number";

async fn round_form(
    st: &AppState,
    s: &SignedIn,
    agency_id: i64,
    values: RoundForm,
    errors: FormErrors,
) -> Result<Response, PageError> {
    let targets = st.services.report_addressable(&s.caller, agency_id).await.map_err(fail(s))?;
    let failed = !errors.is_empty();
    let periods = PeriodKind::ALL.iter().map(|p| (p.as_str(), p.label(s.ctx.lang))).collect();
    let page = NewPage { ctx: Ctx::signed_in(s, "report.new"), agency_id, values, periods, targets, errors };
    let resp = render(&page, s.ctx.lang)?;
    Ok(if failed { unprocessable(resp) } else { resp })
}

#[derive(Deserialize)]
struct NewQuery {
    agency: Option<i64>,
}

async fn new_round(State(st): State<AppState>, s: SignedIn, Query(q): Query<NewQuery>) -> Result<Response, PageError> {
    let agency = q.agency.unwrap_or(s.caller.actor.agency_id);
    let values = RoundForm {
        period: "monthly".into(),
        deadline_days: "5".into(),
        period_date: egov_service::documents::today().to_string(),
        body: EXAMPLE_FIELDS.into(),
        text: "villages.poor = poor_total".into(),
        ..RoundForm::default()
    };
    round_form(&st, &s, agency, values, FormErrors::default()).await
}

const ROUND_FIELDS: &[&str] = &["title", "period", "deadline_days", "period_date", "fields", "rules", "agencies"];

async fn create_round(
    State(st): State<AppState>,
    s: SignedIn,
    Form(f): Form<RoundForm>,
) -> Result<Response, PageError> {
    let agency = f.agency_id.trim().parse::<i64>().unwrap_or(s.caller.actor.agency_id);
    let result = match Definition::from_lines(&f.body, &f.text) {
        Ok(definition) => {
            let input = RoundInput {
                form: FormChoice::New {
                    title: &f.title,
                    period: &f.period,
                    deadline_days: &f.deadline_days,
                    definition,
                },
                period_date: &f.period_date,
                agencies: f.agencies.iter().filter_map(|a| a.parse().ok()).collect(),
                level: Some(f.level.as_str()).filter(|l| !l.is_empty()),
            };
            st.services.create_report_round(&s.caller, agency, &input).await
        }
        Err(errors) => Err(AppError::Invalid(errors)),
    };
    match result {
        Ok(id) => Ok(Redirect::to(&format!("/reports/rounds/{id}?notice=sent")).into_response()),
        Err(e) => match FormErrors::from_error(&e, s.ctx.lang, ROUND_FIELDS) {
            Some(errors) => round_form(&st, &s, agency, f, errors).await,
            None => Err(fail(&s)(e)),
        },
    }
}

#[derive(Template)]
#[template(path = "report_round.html")]
struct RoundPage {
    ctx: Ctx,
    v: RoundView,
    rate: String,
}

impl RoundPage {
    fn lang(&self) -> egov_domain::Lang {
        self.ctx.lang
    }
    fn num(&self, n: &Option<i64>, i: &usize) -> String {
        match (n, self.v.totals.get(*i)) {
            (Some(n), Some(t)) => rep::format_number(*n, t.decimals),
            _ => "–".into(),
        }
    }
    fn total(&self, value: &i64, decimals: &u8) -> String {
        rep::format_number(*value, *decimals)
    }
    fn sent_on(&self, ms: &Option<i64>) -> String {
        ms.map(|m| egov_service::documents::date_of_ms(m).strftime("%d/%m/%Y").to_string()).unwrap_or_default()
    }
}

#[derive(Deserialize)]
struct NoticeQuery {
    notice: Option<String>,
}

async fn round(
    State(st): State<AppState>,
    s: SignedIn,
    Path(id): Path<i64>,
    Query(q): Query<NoticeQuery>,
) -> Result<Response, PageError> {
    let v = st.services.report_round(&s.caller, id).await.map_err(fail(&s))?;
    let rate = v.counts.rate().map(|r| format!("{r:.1}%").replace('.', ",")).unwrap_or_else(|| "–".into());
    let ctx = ctx_with_notice(&s, "report.round", q.notice.as_deref()).about(format!(
        "{} – {}",
        v.round.title,
        v.period.label(s.ctx.lang)
    ));
    render(&RoundPage { ctx, v, rate }, s.ctx.lang)
}

async fn remind(State(st): State<AppState>, s: SignedIn, Path(id): Path<i64>) -> Result<Response, PageError> {
    st.services.remind_reports(&s.caller, id).await.map_err(fail(&s))?;
    Ok(Redirect::to(&format!("/reports/rounds/{id}?notice=reminded")).into_response())
}

#[derive(Deserialize)]
struct ExportQuery {
    format: Option<String>,
}

async fn export(
    State(st): State<AppState>,
    s: SignedIn,
    Path(id): Path<i64>,
    Query(q): Query<ExportQuery>,
) -> Result<Response, PageError> {
    let v = st.services.report_round(&s.caller, id).await.map_err(fail(&s))?;
    let contents = st.services.report_round_contents(&s.caller, id).await.map_err(fail(&s))?;
    let t = round_table(&v, &contents, s.ctx.lang);
    crate::export::answer(&t, q.format.as_deref().unwrap_or("csv"), &export_name(&v)).map_err(fail(&s))
}

/// One field of the fill-in page, ready to show.
struct FieldView {
    key: String,
    label: String,
    kind: &'static str,
    required: bool,
    hint: String,
    value: String,
    options: Vec<String>,
    columns: Vec<(String, String)>,
    /// Table rows (the kept ones and a few blank), each cell's text by column order.
    rows: Vec<Vec<String>>,
    errors: Vec<String>,
}

fn field_views(
    def: &Definition,
    values: &Values,
    problems: &[Problem],
    lang: egov_domain::Lang,
    editable: bool,
) -> Vec<FieldView> {
    def.fields
        .iter()
        .map(|f| {
            let errors =
                problems.iter().filter(|p| p.key == f.key).map(|p| p.error.message(lang).to_string()).collect();
            let (value, rows) = match values.get(&f.key) {
                Some(RepValue::Text(t)) => (t.clone(), Vec::new()),
                Some(RepValue::Rows(r)) => (
                    String::new(),
                    r.iter()
                        .map(|row| f.columns.iter().map(|c| row.get(&c.key).cloned().unwrap_or_default()).collect())
                        .collect(),
                ),
                None => (String::new(), Vec::new()),
            };
            let mut rows: Vec<Vec<String>> = rows;
            if f.kind == FieldKind::Table && editable {
                for _ in 0..3 {
                    rows.push(vec![String::new(); f.columns.len()]);
                }
            }
            let hint = match (f.kind, lang) {
                (FieldKind::Number, egov_domain::Lang::Vi) if f.decimals > 0 => {
                    format!("Số, tối đa {} chữ số thập phân, dấu phẩy trước phần thập phân (ví dụ 12,5).", f.decimals)
                }
                (FieldKind::Number, egov_domain::Lang::Vi) => "Số nguyên, ví dụ 1.234.".into(),
                (FieldKind::Number, _) if f.decimals > 0 => format!("A number with at most {} decimals.", f.decimals),
                (FieldKind::Number, _) => "A whole number.".into(),
                (FieldKind::Table, egov_domain::Lang::Vi) => "Mỗi dòng một mục; dòng để trống được bỏ qua.".into(),
                (FieldKind::Table, _) => "One item a row; blank rows are left out.".into(),
                _ => String::new(),
            };
            FieldView {
                key: f.key.clone(),
                label: f.label.clone(),
                kind: f.kind.as_str(),
                required: f.required,
                hint,
                value,
                options: f.options.clone(),
                columns: f.columns.iter().map(|c| (c.key.clone(), c.label.clone())).collect(),
                rows,
                errors,
            }
        })
        .collect()
}

#[derive(Template)]
#[template(path = "report_fill.html")]
struct FillPage {
    ctx: Ctx,
    v: SubmissionView,
    fields: Vec<FieldView>,
    /// Problems of the values shown, for the summary (key, message).
    summary: Vec<(String, String)>,
    errors: FormErrors,
    status_label: &'static str,
    reason: String,
}

impl FillPage {
    fn lang(&self) -> egov_domain::Lang {
        self.ctx.lang
    }
    fn when(&self, ms: &i64) -> String {
        jiff::Timestamp::from_millisecond(*ms)
            .map(|t| t.to_zoned(egov_service::documents::vietnam_tz()).strftime("%d/%m/%Y %H:%M").to_string())
            .unwrap_or_default()
    }
    fn due(&self) -> String {
        self.v.due.strftime("%d/%m/%Y").to_string()
    }
}

fn fill_page(
    s: &SignedIn,
    v: SubmissionView,
    values: Option<(Values, Vec<Problem>)>,
    errors: FormErrors,
    reason: String,
    notice: Option<&str>,
) -> FillPage {
    let (values, problems) = values.unwrap_or_else(|| (v.values.clone(), Vec::new()));
    let fields = field_views(&v.definition, &values, &problems, s.ctx.lang, v.can_edit);
    let summary = problems.iter().map(|p| (p.key.clone(), p.error.message(s.ctx.lang).to_string())).collect();
    let ctx =
        ctx_with_notice(s, "report.fill", notice).about(format!("{} – {}", v.round.title, v.period.label(s.ctx.lang)));
    FillPage { ctx, status_label: v.status.label(s.ctx.lang), fields, summary, errors, reason, v }
}

async fn submission(
    State(st): State<AppState>,
    s: SignedIn,
    Path(id): Path<i64>,
    Query(q): Query<NoticeQuery>,
) -> Result<Response, PageError> {
    let v = st.services.report_submission(&s.caller, id).await.map_err(fail(&s))?;
    let page = fill_page(&s, v, None, FormErrors::default(), String::new(), q.notice.as_deref());
    render(&page, s.ctx.lang)
}

/// The values of the fill-in form: `v.<key>` for a field, `t.<key>.<row>.<column>` for a cell.
fn values_of_form(pairs: &[(String, String)]) -> Values {
    let mut out = Values::new();
    let mut tables: BTreeMap<String, BTreeMap<usize, BTreeMap<String, String>>> = BTreeMap::new();
    for (k, v) in pairs {
        if let Some(key) = k.strip_prefix("v.") {
            out.insert(key.to_string(), RepValue::Text(v.clone()));
        } else if let Some(rest) = k.strip_prefix("t.") {
            let mut parts = rest.splitn(3, '.');
            if let (Some(key), Some(row), Some(col)) = (parts.next(), parts.next(), parts.next()) {
                if let Ok(row) = row.parse::<usize>() {
                    tables
                        .entry(key.to_string())
                        .or_default()
                        .entry(row)
                        .or_default()
                        .insert(col.to_string(), v.clone());
                }
            }
        }
    }
    for (key, rows) in tables {
        out.insert(key, RepValue::Rows(rows.into_values().collect()));
    }
    out
}

async fn save(
    State(st): State<AppState>,
    s: SignedIn,
    Path(id): Path<i64>,
    Form(pairs): Form<Vec<(String, String)>>,
) -> Result<Response, PageError> {
    let values = values_of_form(&pairs);
    let ready = pairs.iter().any(|(k, v)| k == "action" && v == "ready");
    // The draft is saved first (nothing typed is lost), then asked for approval if it can be.
    let saved = st.services.save_report_draft(&s.caller, id, &values, false).await;
    let problems = match saved {
        Ok((_, p)) => p,
        Err(AppError::Invalid(list)) => {
            let v = st.services.report_submission(&s.caller, id).await.map_err(fail(&s))?;
            let problems: Vec<Problem> =
                list.into_iter().map(|e| Problem { key: String::new(), row: None, column: None, error: e }).collect();
            let page = fill_page(&s, v, Some((values, problems)), FormErrors::default(), String::new(), None);
            return Ok(unprocessable(render(&page, s.ctx.lang)?));
        }
        Err(e) => return Err(fail(&s)(e)),
    };
    if ready && !problems.is_empty() {
        let v = st.services.report_submission(&s.caller, id).await.map_err(fail(&s))?;
        let page = fill_page(&s, v, Some((values, problems)), FormErrors::default(), String::new(), None);
        return Ok(unprocessable(render(&page, s.ctx.lang)?));
    }
    if ready {
        st.services.save_report_draft(&s.caller, id, &values, true).await.map_err(fail(&s))?;
        return Ok(Redirect::to(&format!("/reports/submissions/{id}?notice=report_ready")).into_response());
    }
    Ok(Redirect::to(&format!("/reports/submissions/{id}?notice=saved")).into_response())
}

#[derive(Deserialize)]
struct SendForm {
    #[serde(default)]
    revision: String,
}

async fn send(
    State(st): State<AppState>,
    s: SignedIn,
    Path(id): Path<i64>,
    Form(f): Form<SendForm>,
) -> Result<Response, PageError> {
    let revision = f.revision.trim().parse::<i64>().unwrap_or(-1);
    match st.services.send_report(&s.caller, id, revision).await {
        Ok(_) => Ok(Redirect::to(&format!("/reports/submissions/{id}?notice=sent")).into_response()),
        Err(AppError::Invalid(list)) => {
            let v = st.services.report_submission(&s.caller, id).await.map_err(fail(&s))?;
            let problems =
                list.into_iter().map(|e| Problem { key: String::new(), row: None, column: None, error: e }).collect();
            let values = v.values.clone();
            let page = fill_page(&s, v, Some((values, problems)), FormErrors::default(), String::new(), None);
            Ok(unprocessable(render(&page, s.ctx.lang)?))
        }
        Err(e) => Err(fail(&s)(e)),
    }
}

#[derive(Deserialize)]
struct ReturnForm {
    #[serde(default)]
    reason: String,
}

async fn return_it(
    State(st): State<AppState>,
    s: SignedIn,
    Path(id): Path<i64>,
    Form(f): Form<ReturnForm>,
) -> Result<Response, PageError> {
    match st.services.return_report(&s.caller, id, &f.reason).await {
        Ok(()) => {
            let v = st.services.report_submission(&s.caller, id).await.map_err(fail(&s))?;
            Ok(Redirect::to(&format!("/reports/rounds/{}?notice=returned", v.round.id)).into_response())
        }
        Err(e) => match FormErrors::from_error(&e, s.ctx.lang, &["reason"]) {
            Some(errors) if matches!(e, AppError::Invalid(_)) => {
                let v = st.services.report_submission(&s.caller, id).await.map_err(fail(&s))?;
                let page = fill_page(&s, v, None, errors, f.reason.clone(), None);
                Ok(unprocessable(render(&page, s.ctx.lang)?))
            }
            _ => Err(fail(&s)(e)),
        },
    }
}

async fn accept(State(st): State<AppState>, s: SignedIn, Path(id): Path<i64>) -> Result<Response, PageError> {
    st.services.accept_report(&s.caller, id).await.map_err(fail(&s))?;
    let v = st.services.report_submission(&s.caller, id).await.map_err(fail(&s))?;
    Ok(Redirect::to(&format!("/reports/rounds/{}?notice=report_accepted", v.round.id)).into_response())
}
