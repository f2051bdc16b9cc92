//! The leader's statistics page: a period and a level (the agency, a unit, a person), the table
//! of documents and tasks with every number opening the items it counts, a chart drawn on the
//! server, and the table exported to CSV, XLSX and PDF.

use askama::Template;
use axum::extract::{Query, State};
use axum::response::{IntoResponse, Response};
use axum::routing::get;
use axum::Router;
use egov_domain::Lang;
use egov_service::documents::today;
use egov_service::work::stats::{Counts, Metric, Stats, StatsQuery, StatsRow};
use egov_service::AppError;
use egov_storage::stats::StatItem;
use serde::Deserialize;

use super::render;
use crate::chart::{stacked_bars, Series};
use crate::error::PageError;
use crate::export::{Cell, Table};
use crate::session::SignedIn;
use crate::view::{Ctx, FormErrors};
use crate::AppState;

pub(super) fn routes() -> Router<AppState> {
    Router::new().route("/stats", get(page)).route("/stats/export", get(export)).route("/stats/items", get(items))
}

fn fail(s: &SignedIn) -> impl Fn(AppError) -> PageError + '_ {
    move |err| PageError { err, lang: s.ctx.lang }
}

/// The query string of the page, as typed.
#[derive(Clone, Debug, Default, Deserialize)]
pub(crate) struct StatsForm {
    #[serde(default, deserialize_with = "empty_none")]
    agency: Option<i64>,
    #[serde(default)]
    from: String,
    #[serde(default)]
    to: String,
    #[serde(default, deserialize_with = "empty_none")]
    unit: Option<i64>,
    #[serde(default, deserialize_with = "empty_none")]
    person: Option<i64>,
    #[serde(default)]
    format: String,
    #[serde(default)]
    source: String,
    #[serde(default)]
    metric: String,
}

/// A number from a query string, where an empty value (a select's "all") is none.
fn empty_none<'de, D: serde::Deserializer<'de>>(d: D) -> Result<Option<i64>, D::Error> {
    let s: Option<String> = Option::deserialize(d)?;
    match s.as_deref().map(str::trim) {
        None | Some("") => Ok(None),
        Some(v) => v.parse().map(Some).map_err(serde::de::Error::custom),
    }
}

impl StatsForm {
    /// The query with defaults (this year so far), or the field errors.
    fn query(&self, s: &SignedIn) -> Result<StatsQuery, AppError> {
        let today = today();
        let date = |v: &str, field: &'static str, default: jiff::civil::Date| match v.trim() {
            "" => Ok(default),
            d => egov_domain::document::parse_date(d, field),
        };
        let first = jiff::civil::Date::new(today.year(), 1, 1).unwrap_or(today);
        match (date(&self.from, "from", first), date(&self.to, "to", today)) {
            (Ok(from), Ok(to)) => Ok(StatsQuery {
                agency_id: self.agency.unwrap_or(s.caller.actor.agency_id),
                from,
                to,
                unit_id: self.unit,
                person: self.person,
            }),
            (a, b) => Err(AppError::Invalid(a.err().into_iter().chain(b.err()).collect())),
        }
    }

    /// The query string for links (without format/source/metric).
    fn link(&self, q: &StatsQuery) -> String {
        let mut out = format!("agency={}&from={}&to={}", q.agency_id, q.from, q.to);
        if let Some(u) = q.unit_id {
            out.push_str(&format!("&unit={u}"));
        }
        if let Some(p) = q.person {
            out.push_str(&format!("&person={p}"));
        }
        out
    }
}

#[derive(Template)]
#[template(path = "stats.html")]
struct StatsPage {
    ctx: Ctx,
    f: StatsForm,
    stats: Option<Stats>,
    errors: FormErrors,
    link: String,
    chart: String,
    from: String,
    to: String,
}

impl StatsPage {
    fn person_link(&self, r: &StatsRow) -> String {
        match (&self.stats, r.person) {
            (Some(st), Some(p)) => {
                format!("agency={}&from={}&to={}&person={p}", st.query.agency_id, st.query.from, st.query.to)
            }
            _ => self.link.clone(),
        }
    }
    fn items_link(&self, r: &StatsRow, source: &str, metric: &str) -> String {
        format!("/stats/items?{}&source={source}&metric={metric}", self.person_link(r))
    }
    fn pairs(&self, r: &StatsRow) -> Vec<(&'static str, Counts)> {
        vec![("doc", r.documents.clone()), ("task", r.tasks.clone())]
    }
    fn avg(&self, c: &Counts) -> String {
        c.average_days().map(|d| format!("{d:.1}")).unwrap_or_else(|| "–".into())
    }
}

fn series(lang: Lang) -> [Series; 4] {
    let vi = lang == Lang::Vi;
    [
        Series { label: if vi { "Trước hạn" } else { "Early" }, colour: "#1565c0" },
        Series { label: if vi { "Đúng hạn" } else { "On time" }, colour: "#2e7d32" },
        Series { label: if vi { "Trễ hạn" } else { "Late" }, colour: "#c62828" },
        Series { label: if vi { "Đang xử lý" } else { "In progress" }, colour: "#78909c" },
    ]
}

fn chart_of(st: &Stats, lang: Lang) -> String {
    let mut rows: Vec<(String, Vec<i64>)> = Vec::new();
    let line = |r: &StatsRow| {
        let c = |x: &Counts| vec![x.early, x.on_time, x.late, x.in_progress];
        let (d, t) = (c(&r.documents), c(&r.tasks));
        (r.label.clone(), d.iter().zip(&t).map(|(a, b)| a + b).collect::<Vec<i64>>())
    };
    if let Some(t) = &st.total {
        rows.push(line(t));
    }
    rows.extend(st.people.iter().take(30).map(line));
    let title = if lang == Lang::Vi {
        "Văn bản và công việc theo kết quả"
    } else {
        "Documents and tasks by outcome"
    };
    stacked_bars(title, &series(lang), &rows)
}

async fn page(State(st): State<AppState>, s: SignedIn, Query(f): Query<StatsForm>) -> Result<Response, PageError> {
    let ctx = Ctx::signed_in(&s, "stats.title");
    match f.query(&s) {
        Ok(q) => {
            let stats = st.services.stats(&s.caller, q).await.map_err(fail(&s))?;
            let chart = chart_of(&stats, s.ctx.lang);
            let view = StatsPage {
                ctx,
                link: f.link(&q),
                from: q.from.to_string(),
                to: q.to.to_string(),
                f,
                stats: Some(stats),
                errors: FormErrors::default(),
                chart,
            };
            render(&view, s.ctx.lang)
        }
        Err(e) => match FormErrors::from_error(&e, s.ctx.lang, &["from", "to"]) {
            Some(errors) => {
                let view = StatsPage {
                    ctx,
                    link: String::new(),
                    from: f.from.clone(),
                    to: f.to.clone(),
                    f,
                    stats: None,
                    errors,
                    chart: String::new(),
                };
                Ok((axum::http::StatusCode::UNPROCESSABLE_ENTITY, render(&view, s.ctx.lang)?).into_response())
            }
            None => Err(fail(&s)(e)),
        },
    }
}

/// The statistics as a table (for CSV, XLSX and PDF).
pub(crate) fn table_of(st: &Stats, lang: Lang) -> Table {
    let vi = lang == Lang::Vi;
    let heads: &[&str] = if vi {
        &[
            "Đơn vị / cá nhân",
            "VB nhận",
            "VB đang xử lý",
            "VB trước hạn",
            "VB đúng hạn",
            "VB trễ hạn",
            "VB quá hạn",
            "VB ngày xử lý TB",
            "Việc nhận",
            "Việc đang làm",
            "Việc trước hạn",
            "Việc đúng hạn",
            "Việc trễ hạn",
            "Việc quá hạn",
            "Việc ngày TB",
        ]
    } else {
        &[
            "Agency / person",
            "Docs received",
            "Docs in progress",
            "Docs early",
            "Docs on time",
            "Docs late",
            "Docs overdue",
            "Docs avg days",
            "Tasks received",
            "Tasks in progress",
            "Tasks early",
            "Tasks on time",
            "Tasks late",
            "Tasks overdue",
            "Tasks avg days",
        ]
    };
    let counts = |c: &Counts| -> Vec<Cell> {
        let avg = c.average_days().map_or(Cell::Text(String::new()), Cell::Number);
        vec![
            c.received.into(),
            c.in_progress.into(),
            c.early.into(),
            c.on_time.into(),
            c.late.into(),
            c.overdue.into(),
            avg,
        ]
    };
    let line = |r: &StatsRow| {
        let mut v = vec![Cell::Text(r.label.clone())];
        v.extend(counts(&r.documents));
        v.extend(counts(&r.tasks));
        v
    };
    let mut rows = Vec::new();
    if let Some(t) = &st.total {
        rows.push(line(t));
    }
    rows.extend(st.people.iter().map(line));
    Table {
        title: if vi { "Thống kê".into() } else { "Statistics".into() },
        headers: heads.iter().map(|h| h.to_string()).collect(),
        rows,
    }
}

async fn export(State(st): State<AppState>, s: SignedIn, Query(f): Query<StatsForm>) -> Result<Response, PageError> {
    let q = f.query(&s).map_err(fail(&s))?;
    let stats = st.services.stats(&s.caller, q).await.map_err(fail(&s))?;
    let table = table_of(&stats, s.ctx.lang);
    let name = format!("thong-ke-{}-{}", q.from, q.to);
    if f.format == "pdf" {
        let report = egov_report::Report {
            heading: vec![stats.agency_name.to_uppercase()],
            title: "THỐNG KÊ TÌNH HÌNH XỬ LÝ VĂN BẢN VÀ CÔNG VIỆC".into(),
            subtitle: vec![format!("Từ ngày {} đến ngày {}", q.from.strftime("%d/%m/%Y"), q.to.strftime("%d/%m/%Y"))],
            columns: table
                .headers
                .iter()
                .enumerate()
                .map(|(i, h)| egov_report::Column { heading: h.clone(), weight: if i == 0 { 3.0 } else { 1.0 } })
                .collect(),
            rows: table
                .rows
                .iter()
                .map(|r| {
                    r.iter()
                        .map(|c| match c {
                            Cell::Text(t) => t.clone(),
                            Cell::Number(n) if n.fract() == 0.0 => format!("{}", *n as i64),
                            Cell::Number(n) => format!("{n:.1}"),
                        })
                        .collect()
                })
                .collect(),
            created: None,
        };
        let pdf = egov_report::render(&report).map_err(|e| fail(&s)(AppError::internal(e)))?;
        return Ok(crate::api::documents::file_response(&format!("{name}.pdf"), "application/pdf", pdf));
    }
    crate::export::answer(&table, &f.format, &name).map_err(fail(&s))
}

#[derive(Template)]
#[template(path = "stats_items.html")]
struct ItemsPage {
    ctx: Ctx,
    items: Vec<StatItem>,
    back: String,
    metric: String,
    source: String,
    max: i64,
}

impl ItemsPage {
    fn day(&self, n: &i64) -> String {
        jiff::civil::Date::new(1970, 1, 1)
            .ok()
            .and_then(|d| d.checked_add(jiff::Span::new().days(*n)).ok())
            .map(|d| d.strftime("%d/%m/%Y").to_string())
            .unwrap_or_default()
    }
}

async fn items(State(st): State<AppState>, s: SignedIn, Query(f): Query<StatsForm>) -> Result<Response, PageError> {
    let q = f.query(&s).map_err(fail(&s))?;
    let metric = Metric::parse(&f.metric).ok_or_else(|| {
        fail(&s)(AppError::invalid("metric", "unknown_value", "Giá trị không có trong danh sách.", "Unknown value."))
    })?;
    let list = st.services.stats_items(&s.caller, q, &f.source, metric).await.map_err(fail(&s))?;
    let view = ItemsPage {
        ctx: Ctx::signed_in(&s, "stats.items"),
        items: list,
        back: format!("/stats?{}", f.link(&q)),
        metric: f.metric.clone(),
        source: if f.source == "task" { "task".into() } else { "doc".into() },
        max: egov_service::work::stats::MAX_ITEMS,
    };
    render(&view, s.ctx.lang)
}
