//! Statistics of handling: the lead parts of documents and the tasks of an agency given in a
//! period, grouped so that one small result carries everything the leader's table counts (the
//! working-day arithmetic is done by the caller), and the items behind each number.

use sqlx::{AnyConnection, FromRow};

use crate::query::Sql;
use crate::{Engine, Result};

/// Vietnam's offset and a day, in milliseconds: `(ms + OFFSET) / DAY` is the local day number.
const OFFSET: i64 = 7 * 3_600_000;
const DAY: i64 = 86_400_000;

/// One line of counts: who leads the items (None: a unit), documents or tasks, given at the top
/// (not passed on) or not, and how they stand.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Group {
    pub person: Option<i64>,
    /// `doc` or `task`.
    pub source: String,
    pub top: bool,
    /// `early`, `on_time`, `late` (done), `overdue` or `open`.
    pub class: String,
    pub count: i64,
    /// Working days from given to done, summed over the done ones.
    pub handling_days: i64,
}

/// The day number of an ISO date column, per engine (NULL stays NULL).
fn day_of_text(engine: Engine, col: &str) -> String {
    match engine {
        Engine::Sqlite => format!("CAST(julianday({col}) - 2440587.5 AS INTEGER)"),
        Engine::Postgres => format!("(CAST({col} AS DATE) - DATE '1970-01-01')"),
    }
}

/// Appends one source's classified rows (person, top, class, done_day, start_day) to `q`.
#[allow(clippy::too_many_arguments)]
fn push_source(
    q: &mut Sql,
    engine: Engine,
    task: bool,
    agency_id: i64,
    from: i64,
    to: i64,
    today_day: i64,
    people: Option<&[i64]>,
) {
    let (person, deadline, created, done, finished, top) = if task {
        (
            "t.lead_id",
            "t.deadline",
            "t.created_at",
            "t.status = 'done'",
            "COALESCE(t.submitted_at, t.closed_at)",
            "CASE WHEN t.parent_id IS NULL THEN 1 ELSE 0 END",
        )
    } else {
        (
            "a.assignee_user_id",
            "a.deadline",
            "a.created_at",
            "a.status = 'done'",
            "a.finished_at",
            "CASE WHEN a.parent_id IS NULL THEN 1 ELSE 0 END",
        )
    };
    let deadline_day = day_of_text(engine, deadline);
    let done_day = format!("(({finished}) + {OFFSET}) / {DAY}");
    q.push(&format!(
        "SELECT {person} AS person, '{src}' AS source, {top} AS top, \
         CASE WHEN {done} THEN (CASE WHEN {deadline} IS NULL THEN 'on_time' WHEN {done_day} < {deadline_day} THEN 'early' \
         WHEN {done_day} = {deadline_day} THEN 'on_time' ELSE 'late' END) \
         WHEN {deadline} IS NOT NULL AND {deadline_day} < {today_day} THEN 'overdue' ELSE 'open' END AS class, \
         CASE WHEN {done} THEN {done_day} END AS done_day, ({created} + {OFFSET}) / {DAY} AS start_day ",
        src = if task { "task" } else { "doc" },
    ));
    if task {
        q.push("FROM tasks t WHERE t.status <> 'cancelled' AND t.agency_id = ");
    } else {
        q.push("FROM assignments a WHERE a.kind = 'lead' AND a.status <> 'returned' AND a.agency_id = ");
    }
    q.int(agency_id).push(&format!(" AND {created} >= ")).int(from).push(&format!(" AND {created} < ")).int(to);
    if let Some(p) = people {
        q.push(&format!(" AND {person}")).in_ints(p);
    }
}

/// The counts of an agency's handling parts and tasks given in `[from, to)` (ms), for everyone
/// or only `people`, classified against their deadlines in SQL (`today_day` is today's local day
/// number); `working` maps each local day number from the first given to the last done to the
/// working days up to it, so that a done item's handling time is `working[done] − working[given]`
/// (summed in SQL). The answer is one JSON row of a few lines per person.
#[allow(clippy::too_many_arguments)]
pub async fn groups(
    c: &mut AnyConnection,
    engine: Engine,
    agency_id: i64,
    from: i64,
    to: i64,
    today_day: i64,
    working: &[(i64, i64)],
    people: Option<&[i64]>,
) -> Result<Vec<Group>> {
    let (agg, arr) = engine.json_array_functions();
    // The working-day table, inline (numbers the caller computed, never input).
    let mut days = String::from("w(day, n) AS (VALUES ");
    for (i, (d, n)) in working.iter().enumerate() {
        if i > 0 {
            days.push_str(", ");
        }
        days.push_str(&format!("({d}, {n})"));
    }
    if working.is_empty() {
        days.push_str("(0, 0)");
    }
    days.push(')');
    let mut q = Sql::new(&format!("WITH {days}, items AS ("));
    push_source(&mut q, engine, false, agency_id, from, to, today_day, people);
    q.push(" UNION ALL ");
    push_source(&mut q, engine, true, agency_id, from, to, today_day, people);
    q.push(&format!(
        "), counted AS (SELECT i.person, i.source, i.top, i.class, COUNT(*) AS n, \
         COALESCE(SUM(CASE WHEN i.done_day IS NOT NULL THEN wd.n - ws.n END), 0) AS days FROM items i \
         LEFT JOIN w wd ON wd.day = i.done_day LEFT JOIN w ws ON ws.day = i.start_day \
         GROUP BY i.person, i.source, i.top, i.class) \
         SELECT CAST({agg}({arr}(person, source, top, class, n, days)) AS TEXT) FROM counted"
    ));
    let json = q.fetch_optional_text(c).await?;
    let rows: Vec<serde_json::Value> = match json {
        Some(j) => serde_json::from_str(&j).map_err(|e| crate::StorageError::Sql(sqlx::Error::Decode(Box::new(e))))?,
        None => Vec::new(),
    };
    Ok(rows
        .iter()
        .filter_map(|v| {
            let a = v.as_array()?;
            let int = |i: usize| a.get(i).and_then(|x| x.as_i64().or_else(|| x.as_str()?.parse().ok()));
            Some(Group {
                person: int(0),
                source: a.get(1)?.as_str()?.to_string(),
                top: int(2)? == 1,
                class: a.get(3)?.as_str()?.to_string(),
                count: int(4)?,
                handling_days: int(5).unwrap_or(0),
            })
        })
        .collect())
}

/// One item behind a number: a document's handling part or a task.
#[derive(Clone, Debug, FromRow, PartialEq, Eq)]
pub struct StatItem {
    /// `doc` or `task`.
    pub source: String,
    /// The document or the task.
    pub id: i64,
    pub title: String,
    pub person: Option<i64>,
    pub person_name: Option<String>,
    pub top: i64,
    pub done: i64,
    pub deadline: Option<String>,
    pub start_day: i64,
    pub done_day: Option<i64>,
}

/// The items of `source` (`doc` or `task`) given in `[from, to)` in the agency, for `person`
/// (any person when `None`; only parts given at the top when `top_only`), newest first, at most
/// `limit`; the caller picks those a number counts.
#[allow(clippy::too_many_arguments)]
pub async fn items(
    c: &mut AnyConnection,
    source: &str,
    agency_id: i64,
    from: i64,
    to: i64,
    person: Option<i64>,
    top_only: bool,
    limit: i64,
) -> Result<Vec<StatItem>> {
    let mut q = if source == "task" {
        Sql::new(&format!(
            "SELECT 'task' AS source, t.id, t.title, t.lead_id AS person, u.full_name AS person_name, \
             CASE WHEN t.parent_id IS NULL THEN 1 ELSE 0 END AS top, CASE WHEN t.status = 'done' THEN 1 ELSE 0 END AS done, \
             t.deadline, (t.created_at + {OFFSET}) / {DAY} AS start_day, \
             CASE WHEN t.status = 'done' THEN (COALESCE(t.submitted_at, t.closed_at) + {OFFSET}) / {DAY} END AS done_day \
             FROM tasks t JOIN users u ON u.id = t.lead_id WHERE t.status <> 'cancelled' AND t.agency_id = "
        ))
    } else {
        Sql::new(&format!(
            "SELECT 'doc' AS source, d.id, d.subject AS title, a.assignee_user_id AS person, u.full_name AS person_name, \
             CASE WHEN a.parent_id IS NULL THEN 1 ELSE 0 END AS top, CASE WHEN a.status = 'done' THEN 1 ELSE 0 END AS done, \
             a.deadline, (a.created_at + {OFFSET}) / {DAY} AS start_day, \
             CASE WHEN a.status = 'done' THEN (a.finished_at + {OFFSET}) / {DAY} END AS done_day \
             FROM assignments a JOIN documents d ON d.id = a.document_id LEFT JOIN users u ON u.id = a.assignee_user_id \
             WHERE a.kind = 'lead' AND a.status <> 'returned' AND a.agency_id = "
        ))
    };
    let alias = if source == "task" { "t" } else { "a" };
    q.int(agency_id).push(&format!(" AND {alias}.created_at >= ")).int(from);
    q.push(&format!(" AND {alias}.created_at < ")).int(to);
    if let Some(p) = person {
        q.push(if source == "task" { " AND t.lead_id = " } else { " AND a.assignee_user_id = " }).int(p);
    }
    if top_only {
        q.push(&format!(" AND {alias}.parent_id IS NULL"));
    }
    q.push(&format!(" ORDER BY {alias}.id DESC LIMIT ")).int(limit);
    q.fetch_all(c).await
}

/// The names of people by id.
pub async fn names(c: &mut AnyConnection, ids: &[i64]) -> Result<Vec<(i64, String)>> {
    if ids.is_empty() {
        return Ok(Vec::new());
    }
    let mut q = Sql::new("SELECT id, full_name FROM users WHERE id");
    q.in_ints(ids);
    #[derive(FromRow)]
    struct Name {
        id: i64,
        full_name: String,
    }
    let rows: Vec<Name> = q.fetch_all(c).await?;
    Ok(rows.into_iter().map(|n| (n.id, n.full_name)).collect())
}
