//! API of periodic reports (báo cáo định kỳ): rounds sent by a higher agency, submissions
//! drafted, approved and sent by the agencies that must report, returned or accepted, the
//! round's overview with totals, reminders, and the CSV/XLSX export.

use axum::extract::State;
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use axum::Json;
use egov_domain::reporting::{self as rep, Definition, FieldKind, Value as RepValue, Values};
use egov_domain::{FieldError, Lang};
use egov_service::work::reports::{FormChoice, RoundInput, RoundView, SubmissionView};
use egov_service::AppError;
use serde::{Deserialize, Serialize};
use utoipa::{IntoParams, ToSchema};

use super::handlers::{Body, Ids, Params};
use crate::error::{ApiError, ErrorBody};
use crate::export::{Cell, Table};
use crate::session::ApiCaller;
use crate::AppState;

type ApiResult<T> = Result<T, ApiError>;

macro_rules! fail {
    ($c:expr) => {
        |err| ApiError { err, lang: $c.lang }
    };
}

/// Reads a form definition given as JSON (`{"fields": [...], "rules": [...]}`).
pub(crate) fn definition_from(v: &serde_json::Value) -> Result<Definition, AppError> {
    serde_json::from_value(v.clone()).map_err(|e| {
        AppError::field(FieldError::new(
            "definition",
            "definition_invalid",
            format!("Định nghĩa biểu mẫu không hợp lệ: {e}."),
            format!("The form definition is not valid: {e}."),
        ))
    })
}

/// Reads values given as JSON: each field's text (a JSON number is written the Vietnamese way),
/// or a table's rows as objects.
pub(crate) fn values_from(v: &serde_json::Value) -> Result<Values, AppError> {
    let bad = || {
        AppError::field(FieldError::new(
            "values",
            "values_invalid",
            "Giá trị báo cáo phải là một đối tượng: mỗi trường một chuỗi hoặc số, bảng là danh sách các dòng.",
            "Values must be an object: a string or number per field, a table as a list of row objects.",
        ))
    };
    let text = |x: &serde_json::Value| -> Option<String> {
        match x {
            serde_json::Value::String(s) => Some(s.clone()),
            serde_json::Value::Number(n) => Some(n.to_string().replace('.', ",")),
            serde_json::Value::Null => Some(String::new()),
            _ => None,
        }
    };
    let obj = v.as_object().ok_or_else(bad)?;
    let mut out = Values::new();
    for (k, x) in obj {
        let value = match x {
            serde_json::Value::Array(rows) => {
                let mut list = Vec::with_capacity(rows.len());
                for r in rows {
                    let cells = r.as_object().ok_or_else(bad)?;
                    let mut row = std::collections::BTreeMap::new();
                    for (c, t) in cells {
                        row.insert(c.clone(), text(t).ok_or_else(bad)?);
                    }
                    list.push(row);
                }
                RepValue::Rows(list)
            }
            other => RepValue::Text(text(other).ok_or_else(bad)?),
        };
        out.insert(k.clone(), value);
    }
    Ok(out)
}

fn values_json(v: &Values) -> serde_json::Value {
    serde_json::to_value(v).unwrap_or_default()
}

/// A round to send.
#[derive(Debug, Deserialize, ToSchema)]
pub struct RoundBody {
    /// The higher agency sending it (the caller leads it).
    pub agency_id: i64,
    /// An existing form of the agency (its current version); else the form below.
    pub form_id: Option<i64>,
    #[serde(default)]
    pub title: String,
    /// `monthly`, `quarterly`, `yearly` or `once`.
    #[serde(default)]
    pub period: String,
    /// Working days after the period's end (0–60).
    #[serde(default)]
    pub deadline_days: Option<i64>,
    /// `{"fields": [{"key", "label", "kind": number|text|choice|table, "required", "decimals",
    /// "options", "columns": [{"key", "label", "kind", "decimals", "options"}]}], "rules":
    /// [{"table", "column", "equals"}]}`.
    #[schema(value_type = Object)]
    pub definition: Option<serde_json::Value>,
    /// Any day of the period (YYYY-MM-DD).
    #[serde(default)]
    pub period_date: String,
    #[serde(default)]
    pub agency_ids: Vec<i64>,
    /// Also every active agency of this level (e.g. `commune`) of the province.
    pub level: Option<String>,
}

/// A made thing's id.
#[derive(Debug, Serialize, ToSchema)]
pub struct CreatedBody {
    pub id: i64,
}

/// Sends a round of a report form to the agencies that must report (a leader of the agency).
#[utoipa::path(post, path = "/api/v1/report-rounds", tag = "work", request_body = RoundBody,
    responses((status = 201, body = CreatedBody), (status = 403, body = ErrorBody), (status = 409, body = ErrorBody), (status = 422, body = ErrorBody)))]
pub(crate) async fn create_round(
    State(st): State<AppState>,
    c: ApiCaller,
    Body(b): Body<RoundBody>,
) -> ApiResult<Response> {
    let days = b.deadline_days.map(|d| d.to_string()).unwrap_or_default();
    let form = match b.form_id {
        Some(id) => FormChoice::Existing(id),
        None => {
            let definition = match &b.definition {
                Some(d) => definition_from(d).map_err(fail!(c))?,
                None => Definition::default(),
            };
            FormChoice::New { title: &b.title, period: &b.period, deadline_days: &days, definition }
        }
    };
    let input =
        RoundInput { form, period_date: &b.period_date, agencies: b.agency_ids.clone(), level: b.level.as_deref() };
    let id = st.services.create_report_round(&c.caller, b.agency_id, &input).await.map_err(fail!(c))?;
    Ok((StatusCode::CREATED, Json(CreatedBody { id })).into_response())
}

/// A form change.
#[derive(Debug, Deserialize, ToSchema)]
pub struct FormBody {
    #[serde(default)]
    pub title: String,
    #[serde(default)]
    pub deadline_days: i64,
    #[schema(value_type = Object)]
    pub definition: serde_json::Value,
}

/// The new version of a form.
#[derive(Debug, Serialize, ToSchema)]
pub struct FormVersionBody {
    pub version: i64,
}

/// Changes a form: a new version for the rounds sent from now on; rounds already sent keep theirs.
#[utoipa::path(put, path = "/api/v1/report-forms/{id}", tag = "work", params(("id" = i64, Path)), request_body = FormBody,
    responses((status = 200, body = FormVersionBody), (status = 404, body = ErrorBody), (status = 422, body = ErrorBody)))]
pub(crate) async fn update_form(
    State(st): State<AppState>,
    c: ApiCaller,
    Ids(id): Ids<i64>,
    Body(b): Body<FormBody>,
) -> ApiResult<Json<FormVersionBody>> {
    let def = definition_from(&b.definition).map_err(fail!(c))?;
    let version = st
        .services
        .update_report_form(&c.caller, id, &b.title, &b.deadline_days.to_string(), &def)
        .await
        .map_err(fail!(c))?;
    Ok(Json(FormVersionBody { version }))
}

/// A submission in a list.
#[derive(Debug, Serialize, ToSchema)]
pub struct TodoBody {
    pub id: i64,
    pub round_id: i64,
    pub agency: String,
    pub from_agency: String,
    pub title: String,
    pub period: String,
    pub due_on: String,
    pub status: String,
    pub version: i64,
}

/// A round in a list.
#[derive(Debug, Serialize, ToSchema)]
pub struct RoundLine {
    pub id: i64,
    pub title: String,
    pub period: String,
    pub due_on: String,
    pub expected: i64,
    pub submitted: i64,
    pub late: i64,
}

/// The caller's reports.
#[derive(Debug, Serialize, ToSchema)]
pub struct ReportListsBody {
    /// What the caller's agencies must send.
    pub to_fill: Vec<TodoBody>,
    /// Rounds sent by agencies the caller leads, newest first.
    pub sent: Vec<RoundLine>,
    pub sent_total: i64,
    pub next_cursor: Option<String>,
}

/// Paging.
#[derive(Debug, Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
pub struct ListParams {
    pub cursor: Option<String>,
    pub limit: Option<i64>,
}

pub(crate) fn period_label(kind: &str, start: &str, lang: Lang) -> String {
    let kind = rep::PeriodKind::parse(kind).unwrap_or(rep::PeriodKind::Once);
    match start.parse::<jiff::civil::Date>() {
        Ok(d) => rep::Period::containing(kind, d).label(lang),
        Err(_) => start.to_string(),
    }
}

/// What the caller's agencies must report, and the rounds they sent.
#[utoipa::path(get, path = "/api/v1/reports", tag = "work", params(ListParams),
    responses((status = 200, body = ReportListsBody)))]
pub(crate) async fn lists(
    State(st): State<AppState>,
    c: ApiCaller,
    Params(p): Params<ListParams>,
) -> ApiResult<Json<ReportListsBody>> {
    let before = p.cursor.as_deref().and_then(|s| s.parse().ok());
    let limit = p.limit.unwrap_or(50).clamp(1, 200);
    let l = st.services.report_lists(&c.caller, before, limit).await.map_err(fail!(c))?;
    let next_cursor = (l.sent.len() as i64 == limit).then(|| l.sent.last().map(|r| r.id.to_string())).flatten();
    Ok(Json(ReportListsBody {
        to_fill: l
            .todo
            .iter()
            .map(|t| TodoBody {
                id: t.id,
                round_id: t.round_id,
                agency: t.agency_name.clone(),
                from_agency: t.issuer_name.clone(),
                title: t.title.clone(),
                period: period_label(&t.period, &t.period_start, c.lang),
                due_on: t.due_on.clone(),
                status: t.status.clone(),
                version: t.version,
            })
            .collect(),
        sent: l
            .sent
            .iter()
            .map(|r| RoundLine {
                id: r.id,
                title: r.title.clone(),
                period: period_label(&r.period, &r.period_start, c.lang),
                due_on: r.due_on.clone(),
                expected: r.expected,
                submitted: r.sent,
                late: r.late,
            })
            .collect(),
        sent_total: l.sent_total,
        next_cursor,
    }))
}

/// One agency's line of a round.
#[derive(Debug, Serialize, ToSchema)]
pub struct AgencyLineBody {
    pub submission_id: i64,
    pub agency_id: i64,
    pub agency_code: String,
    pub agency: String,
    pub status: String,
    /// `on_time`, `late`, `pending` (not sent, before the due day) or `missing` (not sent, overdue).
    pub standing: String,
    pub version: i64,
    pub sent_at: Option<i64>,
    pub return_reason: Option<String>,
    /// The agency's numbers in the order of `totals` (text, Vietnamese writing); absent when
    /// nothing counted was sent.
    pub numbers: Vec<Option<String>>,
}

/// One total.
#[derive(Debug, Serialize, ToSchema)]
pub struct TotalBody {
    pub field: String,
    /// The table's column, empty for a number field.
    pub column: String,
    pub label: String,
    pub decimals: u8,
    /// Exact value as text (`1.234,5`).
    pub text: String,
    pub value: f64,
}

/// A round's overview.
#[derive(Debug, Serialize, ToSchema)]
pub struct RoundBodyOut {
    pub id: i64,
    pub form_id: i64,
    pub form_version: i64,
    pub title: String,
    pub period: String,
    pub due_on: String,
    pub expected: i64,
    pub submitted: i64,
    pub on_time: i64,
    pub late: i64,
    pub missing: i64,
    /// Percent of the expected agencies that sent.
    pub rate: Option<f64>,
    pub totals: Vec<TotalBody>,
    pub agencies: Vec<AgencyLineBody>,
    #[schema(value_type = Object)]
    pub definition: serde_json::Value,
}

fn round_body(v: &RoundView, lang: Lang) -> RoundBodyOut {
    RoundBodyOut {
        id: v.round.id,
        form_id: v.round.form_id,
        form_version: v.round.form_version,
        title: v.round.title.clone(),
        period: v.period.label(lang),
        due_on: v.due.to_string(),
        expected: v.counts.expected,
        submitted: v.counts.submitted,
        on_time: v.counts.on_time,
        late: v.counts.late,
        missing: v.counts.missing,
        rate: v.counts.rate(),
        totals: v
            .totals
            .iter()
            .map(|t| TotalBody {
                field: t.field.clone(),
                column: t.column.clone(),
                label: t.label.clone(),
                decimals: t.decimals,
                text: rep::format_number(t.value, t.decimals),
                value: rep::as_f64(t.value, t.decimals),
            })
            .collect(),
        agencies: v
            .lines
            .iter()
            .map(|l| AgencyLineBody {
                submission_id: l.submission.id,
                agency_id: l.submission.agency_id,
                agency_code: l.submission.agency_code.clone(),
                agency: l.submission.agency_name.clone(),
                status: l.status.as_str().to_string(),
                standing: l.standing.as_str().to_string(),
                version: l.submission.version,
                sent_at: l.submission.sent_at,
                return_reason: l.submission.return_reason.clone(),
                numbers: l
                    .numbers
                    .iter()
                    .zip(&v.totals)
                    .map(|(n, t)| n.map(|n| rep::format_number(n, t.decimals)))
                    .collect(),
            })
            .collect(),
        definition: serde_json::to_value(&v.definition).unwrap_or_default(),
    }
}

/// A round as its higher agency sees it: who sent on time, late or not at all, the rate, the
/// totals over what was sent (and not returned) and each agency's numbers.
#[utoipa::path(get, path = "/api/v1/report-rounds/{id}", tag = "work", params(("id" = i64, Path)),
    responses((status = 200, body = RoundBodyOut), (status = 404, body = ErrorBody)))]
pub(crate) async fn get_round(
    State(st): State<AppState>,
    c: ApiCaller,
    Ids(id): Ids<i64>,
) -> ApiResult<Json<RoundBodyOut>> {
    let v = st.services.report_round(&c.caller, id).await.map_err(fail!(c))?;
    Ok(Json(round_body(&v, c.lang)))
}

/// How many agencies were reminded.
#[derive(Debug, Serialize, ToSchema)]
pub struct RemindedBody {
    pub reminded: usize,
}

/// Reminds the agencies that have not sent (a notification to their leaders and last editor);
/// an agency reminded in the last 10 minutes is skipped.
#[utoipa::path(post, path = "/api/v1/report-rounds/{id}/remind", tag = "work", params(("id" = i64, Path)),
    responses((status = 200, body = RemindedBody), (status = 404, body = ErrorBody)))]
pub(crate) async fn remind(
    State(st): State<AppState>,
    c: ApiCaller,
    Ids(id): Ids<i64>,
) -> ApiResult<Json<RemindedBody>> {
    let reminded = st.services.remind_reports(&c.caller, id).await.map_err(fail!(c))?;
    Ok(Json(RemindedBody { reminded }))
}

/// Export format.
#[derive(Debug, Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
pub struct ExportParams {
    /// `csv` (default) or `xlsx`.
    pub format: Option<String>,
}

/// The per-agency table of a round with its totals row: one line per agency (its standing, the
/// version and day sent, then every field of its latest version sent: numbers as numbers, a
/// table's number columns summed over its rows).
pub(crate) fn round_table(v: &RoundView, contents: &std::collections::BTreeMap<i64, Values>, lang: Lang) -> Table {
    let vi = lang == Lang::Vi;
    let mut headers: Vec<String> = if vi {
        vec!["Mã cơ quan".into(), "Cơ quan".into(), "Tình trạng".into(), "Lần gửi".into(), "Ngày gửi".into()]
    } else {
        vec!["Agency code".into(), "Agency".into(), "Standing".into(), "Version".into(), "Sent on".into()]
    };
    // Columns: each number cell (as in the totals), and each text or choice field.
    enum Col {
        Number(usize),
        Text(String),
    }
    let mut cols = Vec::new();
    let mut t = 0;
    for f in &v.definition.fields {
        match f.kind {
            FieldKind::Number => {
                cols.push(Col::Number(t));
                headers.push(f.label.clone());
                t += 1;
            }
            FieldKind::Table => {
                for c in f.columns.iter().filter(|c| c.kind == FieldKind::Number) {
                    cols.push(Col::Number(t));
                    headers.push(format!("{} – {}", f.label, c.label));
                    t += 1;
                }
            }
            FieldKind::Text | FieldKind::Choice => {
                cols.push(Col::Text(f.key.clone()));
                headers.push(f.label.clone());
            }
        }
    }
    let day = |ms: Option<i64>| {
        ms.and_then(|m| jiff::Timestamp::from_millisecond(m).ok())
            .map(|ts| ts.to_zoned(egov_service::documents::vietnam_tz()).strftime("%d/%m/%Y").to_string())
            .unwrap_or_default()
    };
    let mut rows = Vec::with_capacity(v.lines.len() + 1);
    for l in &v.lines {
        let s = &l.submission;
        let mut row: Vec<Cell> = vec![
            s.agency_code.as_str().into(),
            s.agency_name.as_str().into(),
            l.standing.label(lang).into(),
            s.version.into(),
            day(s.sent_at).into(),
        ];
        for c in &cols {
            row.push(match c {
                Col::Number(i) => match (l.numbers.get(*i).copied().flatten(), v.totals.get(*i)) {
                    (Some(n), Some(t)) => Cell::Number(rep::as_f64(n, t.decimals)),
                    _ => Cell::Text(String::new()),
                },
                Col::Text(key) => match contents.get(&s.id).and_then(|vals| vals.get(key)) {
                    Some(RepValue::Text(t)) => Cell::Text(t.clone()),
                    _ => Cell::Text(String::new()),
                },
            });
        }
        rows.push(row);
    }
    let mut total: Vec<Cell> = vec![
        "".into(),
        if vi { "Tổng cộng".into() } else { "Total".into() },
        format!("{}/{}", v.counts.submitted, v.counts.expected).into(),
        "".into(),
        "".into(),
    ];
    for c in &cols {
        total.push(match c {
            Col::Number(i) => {
                v.totals.get(*i).map_or(Cell::Text(String::new()), |t| Cell::Number(rep::as_f64(t.value, t.decimals)))
            }
            Col::Text(_) => Cell::Text(String::new()),
        });
    }
    rows.push(total);
    Table { title: v.round.title.clone(), headers, rows }
}

/// The file name of a round's export (ASCII).
pub(crate) fn export_name(v: &RoundView) -> String {
    format!("bao-cao-{}-{}", v.round.id, v.round.period_start)
}

/// The per-agency table with the totals row, as CSV or XLSX.
#[utoipa::path(get, path = "/api/v1/report-rounds/{id}/export", tag = "work", params(("id" = i64, Path), ExportParams),
    responses((status = 200, description = "CSV or XLSX", content_type = "text/csv"), (status = 404, body = ErrorBody)))]
pub(crate) async fn export(
    State(st): State<AppState>,
    c: ApiCaller,
    Ids(id): Ids<i64>,
    Params(p): Params<ExportParams>,
) -> ApiResult<Response> {
    let v = st.services.report_round(&c.caller, id).await.map_err(fail!(c))?;
    let contents = st.services.report_round_contents(&c.caller, id).await.map_err(fail!(c))?;
    let t = round_table(&v, &contents, c.lang);
    crate::export::answer(&t, p.format.as_deref().unwrap_or("csv"), &export_name(&v)).map_err(fail!(c))
}

/// A problem with a submission's values.
#[derive(Debug, Serialize, ToSchema)]
pub struct ProblemBody {
    /// The field's key.
    pub key: String,
    /// Row (from 1) and column key of a table cell.
    pub row: Option<usize>,
    pub column: Option<String>,
    pub code: String,
    pub message: String,
}

fn problems(list: &[rep::Problem], lang: Lang) -> Vec<ProblemBody> {
    list.iter()
        .map(|p| ProblemBody {
            key: p.key.clone(),
            row: p.row,
            column: p.column.clone(),
            code: p.error.code.to_string(),
            message: p.error.message(lang).to_string(),
        })
        .collect()
}

/// A version sent.
#[derive(Debug, Serialize, ToSchema)]
pub struct VersionBody {
    pub version: i64,
    pub sent_by: String,
    pub sent_at: i64,
    pub late: bool,
    #[schema(value_type = Object)]
    pub values: serde_json::Value,
}

/// A submission.
#[derive(Debug, Serialize, ToSchema)]
pub struct SubmissionBody {
    pub id: i64,
    pub round_id: i64,
    pub agency_id: i64,
    pub agency: String,
    pub title: String,
    pub period: String,
    pub due_on: String,
    /// `draft`, `ready`, `submitted`, `returned` or `accepted`.
    pub status: String,
    /// Counts the saves of the draft; a send names the revision it approves.
    pub revision: i64,
    pub version: i64,
    pub late: bool,
    pub return_reason: Option<String>,
    /// The draft (for the agency) or the latest version sent (for the higher agency).
    #[schema(value_type = Object)]
    pub values: serde_json::Value,
    pub problems: Vec<ProblemBody>,
    pub versions: Vec<VersionBody>,
    #[schema(value_type = Object)]
    pub definition: serde_json::Value,
}

fn submission_body(v: &SubmissionView, lang: Lang) -> SubmissionBody {
    let s = &v.submission;
    SubmissionBody {
        id: s.id,
        round_id: s.round_id,
        agency_id: s.agency_id,
        agency: s.agency_name.clone(),
        title: v.round.title.clone(),
        period: v.period.label(lang),
        due_on: v.due.to_string(),
        status: v.status.as_str().to_string(),
        revision: s.revision,
        version: s.version,
        late: s.late,
        return_reason: s.return_reason.clone(),
        values: values_json(&v.values),
        problems: problems(&v.problems, lang),
        versions: v
            .versions
            .iter()
            .map(|x| VersionBody {
                version: x.version,
                sent_by: x.sent_by_name.clone(),
                sent_at: x.sent_at,
                late: x.late,
                values: serde_json::from_str(&x.content).unwrap_or_default(),
            })
            .collect(),
        definition: serde_json::to_value(&v.definition).unwrap_or_default(),
    }
}

/// A submission with its values, problems and versions (its agency, or the higher agency).
#[utoipa::path(get, path = "/api/v1/report-submissions/{id}", tag = "work", params(("id" = i64, Path)),
    responses((status = 200, body = SubmissionBody), (status = 404, body = ErrorBody)))]
pub(crate) async fn get_submission(
    State(st): State<AppState>,
    c: ApiCaller,
    Ids(id): Ids<i64>,
) -> ApiResult<Json<SubmissionBody>> {
    let v = st.services.report_submission(&c.caller, id).await.map_err(fail!(c))?;
    Ok(Json(submission_body(&v, c.lang)))
}

/// Values to save.
#[derive(Debug, Deserialize, ToSchema)]
pub struct DraftBody {
    /// Field key → text or number; a table → list of rows (column key → text or number).
    #[schema(value_type = Object)]
    pub values: serde_json::Value,
    /// Also ask the agency's leader to approve (needs values without problems).
    #[serde(default)]
    pub ready: bool,
}

/// The saved draft.
#[derive(Debug, Serialize, ToSchema)]
pub struct DraftSaved {
    pub revision: i64,
    /// What keeps it from being sent (the draft is saved all the same).
    pub problems: Vec<ProblemBody>,
}

/// Saves the draft (any official of the agency); values breaking a rule are kept and listed.
#[utoipa::path(put, path = "/api/v1/report-submissions/{id}", tag = "work", params(("id" = i64, Path)), request_body = DraftBody,
    responses((status = 200, body = DraftSaved), (status = 404, body = ErrorBody), (status = 409, body = ErrorBody), (status = 422, body = ErrorBody)))]
pub(crate) async fn save_draft(
    State(st): State<AppState>,
    c: ApiCaller,
    Ids(id): Ids<i64>,
    Body(b): Body<DraftBody>,
) -> ApiResult<Json<DraftSaved>> {
    let values = values_from(&b.values).map_err(fail!(c))?;
    let (revision, p) = st.services.save_report_draft(&c.caller, id, &values, b.ready).await.map_err(fail!(c))?;
    Ok(Json(DraftSaved { revision, problems: problems(&p, c.lang) }))
}

/// The revision approved.
#[derive(Debug, Deserialize, ToSchema)]
pub struct SendBody {
    pub revision: i64,
}

/// The version sent.
#[derive(Debug, Serialize, ToSchema)]
pub struct SentBody {
    pub version: i64,
    pub late: bool,
}

/// A leader of the agency approves the draft at `revision` and sends it as the next version; a
/// second send (double click) answers 409.
#[utoipa::path(post, path = "/api/v1/report-submissions/{id}/send", tag = "work", params(("id" = i64, Path)), request_body = SendBody,
    responses((status = 200, body = SentBody), (status = 403, body = ErrorBody), (status = 409, body = ErrorBody), (status = 422, body = ErrorBody)))]
pub(crate) async fn send(
    State(st): State<AppState>,
    c: ApiCaller,
    Ids(id): Ids<i64>,
    Body(b): Body<SendBody>,
) -> ApiResult<Json<SentBody>> {
    let (version, late) = st.services.send_report(&c.caller, id, b.revision).await.map_err(fail!(c))?;
    Ok(Json(SentBody { version, late }))
}

/// Why a submission is returned.
#[derive(Debug, Deserialize, ToSchema)]
pub struct ReturnBody {
    #[serde(default)]
    pub reason: String,
}

/// The higher agency returns a sent version for correction.
#[utoipa::path(post, path = "/api/v1/report-submissions/{id}/return", tag = "work", params(("id" = i64, Path)), request_body = ReturnBody,
    responses((status = 204), (status = 404, body = ErrorBody), (status = 409, body = ErrorBody), (status = 422, body = ErrorBody)))]
pub(crate) async fn return_submission(
    State(st): State<AppState>,
    c: ApiCaller,
    Ids(id): Ids<i64>,
    Body(b): Body<ReturnBody>,
) -> ApiResult<Response> {
    st.services.return_report(&c.caller, id, &b.reason).await.map_err(fail!(c))?;
    Ok(StatusCode::NO_CONTENT.into_response())
}

/// The higher agency accepts a sent version: final.
#[utoipa::path(post, path = "/api/v1/report-submissions/{id}/accept", tag = "work", params(("id" = i64, Path)),
    responses((status = 204), (status = 404, body = ErrorBody), (status = 409, body = ErrorBody)))]
pub(crate) async fn accept(State(st): State<AppState>, c: ApiCaller, Ids(id): Ids<i64>) -> ApiResult<Response> {
    st.services.accept_report(&c.caller, id).await.map_err(fail!(c))?;
    Ok(StatusCode::NO_CONTENT.into_response())
}
