//! API of the leader's statistics: the counts of a period at a level the caller may see.

use axum::extract::State;
use axum::Json;
use egov_service::work::stats::{Counts, StatsQuery, StatsRow};
use egov_service::AppError;
use serde::{Deserialize, Serialize};
use utoipa::{IntoParams, ToSchema};

use super::handlers::{Ids, Params};
use crate::error::{ApiError, ErrorBody};
use crate::session::ApiCaller;
use crate::AppState;

/// Period and level.
#[derive(Debug, Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
pub struct StatsParams {
    /// First day (YYYY-MM-DD).
    pub from: String,
    /// Last day, inclusive; at most two years after `from`.
    pub to: String,
    /// One unit's people.
    pub unit: Option<i64>,
    /// One person.
    pub person: Option<i64>,
}

/// Counts of documents' lead parts or of tasks.
#[derive(Debug, Serialize, ToSchema)]
pub struct CountsBody {
    pub received: i64,
    pub in_progress: i64,
    pub early: i64,
    pub on_time: i64,
    pub late: i64,
    pub overdue: i64,
    /// Average working days from given to done; absent with nothing done.
    pub average_days: Option<f64>,
}

impl From<&Counts> for CountsBody {
    fn from(c: &Counts) -> Self {
        CountsBody {
            received: c.received,
            in_progress: c.in_progress,
            early: c.early,
            on_time: c.on_time,
            late: c.late,
            overdue: c.overdue,
            average_days: c.average_days(),
        }
    }
}

/// One line: the agency (no person) or a person.
#[derive(Debug, Serialize, ToSchema)]
pub struct StatsLine {
    pub person: Option<i64>,
    pub label: String,
    pub documents: CountsBody,
    pub tasks: CountsBody,
}

fn line(r: &StatsRow) -> StatsLine {
    StatsLine { person: r.person, label: r.label.clone(), documents: (&r.documents).into(), tasks: (&r.tasks).into() }
}

/// The statistics of a period.
#[derive(Debug, Serialize, ToSchema)]
pub struct StatsBody {
    /// The agency's totals (each document or task once), when the caller may see the whole agency.
    pub total: Option<StatsLine>,
    /// Every person's parts.
    pub people: Vec<StatsLine>,
}

/// Handling statistics of an agency for a period: a leader sees the agency, a unit's head their
/// unit's people, anyone else themselves.
#[utoipa::path(get, path = "/api/v1/agencies/{id}/stats", tag = "work", params(("id" = i64, Path), StatsParams),
    responses((status = 200, body = StatsBody), (status = 404, body = ErrorBody), (status = 422, body = ErrorBody)))]
pub(crate) async fn stats(
    State(st): State<AppState>,
    c: ApiCaller,
    Ids(agency): Ids<i64>,
    Params(p): Params<StatsParams>,
) -> Result<Json<StatsBody>, ApiError> {
    let fail = |err| ApiError { err, lang: c.lang };
    let from = egov_domain::document::parse_date(&p.from, "from").map_err(|e| fail(AppError::field(e)))?;
    let to = egov_domain::document::parse_date(&p.to, "to").map_err(|e| fail(AppError::field(e)))?;
    let q = StatsQuery { agency_id: agency, from, to, unit_id: p.unit, person: p.person };
    let s = st.services.stats(&c.caller, q).await.map_err(fail)?;
    Ok(Json(StatsBody { total: s.total.as_ref().map(line), people: s.people.iter().map(line).collect() }))
}
