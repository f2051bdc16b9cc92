//! Statistics of handling: the lead parts of documents and the tasks of an agency given in a
//! period, grouped so that one small result carries everything the leader's table counts (the
//! working-day arithmetic is done by the caller), and the items behind each number.

use sqlx::{AnyConnection, FromRow};

use crate::query::Sql;
use crate::{Engine, Result};

/// Vietnam's offset and a day, in milliseconds: `(ms + OFFSET) / DAY` is the local day number.
const OFFSET: i64 = 7 * 3_600_000;
const DAY: i64 = 86_400_000;

/// One group of items: who leads them (None: a unit), documents or tasks, given at the top (not
/// passed on), done, their deadline, and the local day numbers they were given and done.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Group {
    pub person: Option<i64>,
    /// `doc` or `task`.
    pub source: String,
    pub top: bool,
    pub done: bool,
    pub deadline: Option<String>,
    pub start_day: i64,
    pub done_day: Option<i64>,
    pub count: i64,
}

/// Appends the grouped documents part and tasks part (UNION ALL) to `q`.
fn push_groups(q: &mut Sql, agency_id: i64, from: i64, to: i64, people: Option<&[i64]>) {
    let doc_start = format!("(a.created_at + {OFFSET}) / {DAY}");
    let doc_done = format!("CASE WHEN a.status = 'done' THEN (a.finished_at + {OFFSET}) / {DAY} END");
    let doc_top = "CASE WHEN a.parent_id IS NULL THEN 1 ELSE 0 END";
    let doc_state = "CASE WHEN a.status = 'done' THEN 1 ELSE 0 END";
    q.push(&format!(
        "SELECT a.assignee_user_id AS person, 'doc' AS source, {doc_top} AS top, {doc_state} AS done, \
         a.deadline AS deadline, {doc_start} AS start_day, {doc_done} AS done_day, COUNT(*) AS n \
         FROM assignments a JOIN documents d ON d.id = a.document_id \
         WHERE a.kind = 'lead' AND a.status <> 'returned' AND d.agency_id = "
    ));
    q.int(agency_id).push(" AND a.created_at >= ").int(from).push(" AND a.created_at < ").int(to);
    if let Some(p) = people {
        q.push(" AND a.assignee_user_id").in_ints(p);
    }
    q.push(&format!(" GROUP BY a.assignee_user_id, {doc_top}, {doc_state}, a.deadline, {doc_start}, {doc_done}"));
    let task_start = format!("(t.created_at + {OFFSET}) / {DAY}");
    let task_done =
        format!("CASE WHEN t.status = 'done' THEN (COALESCE(t.submitted_at, t.closed_at) + {OFFSET}) / {DAY} END");
    let task_top = "CASE WHEN t.parent_id IS NULL THEN 1 ELSE 0 END";
    let task_state = "CASE WHEN t.status = 'done' THEN 1 ELSE 0 END";
    q.push(&format!(
        " UNION ALL SELECT t.lead_id, 'task', {task_top}, {task_state}, t.deadline, {task_start}, {task_done}, COUNT(*) \
         FROM tasks t WHERE t.status <> 'cancelled' AND t.agency_id = "
    ));
    q.int(agency_id).push(" AND t.created_at >= ").int(from).push(" AND t.created_at < ").int(to);
    if let Some(p) = people {
        q.push(" AND t.lead_id").in_ints(p);
    }
    q.push(&format!(" GROUP BY t.lead_id, {task_top}, {task_state}, t.deadline, {task_start}, {task_done}"));
}

/// The groups of an agency's handling parts and tasks given in `[from, to)` (ms), for everyone
/// or only `people`. The whole answer is one JSON row (one message on SQLite).
pub async fn groups(
    c: &mut AnyConnection,
    engine: Engine,
    agency_id: i64,
    from: i64,
    to: i64,
    people: Option<&[i64]>,
) -> Result<Vec<Group>> {
    let (agg, arr) = engine.json_array_functions();
    let mut q = Sql::new(&format!(
        "SELECT CAST({agg}({arr}(g.person, g.source, g.top, g.done, g.deadline, g.start_day, g.done_day, g.n)) AS TEXT) \
         FROM ("
    ));
    push_groups(&mut q, agency_id, from, to, people);
    q.push(") g");
    let json = q.fetch_optional_text(c).await?;
    let rows: Vec<serde_json::Value> = match json {
        Some(j) => serde_json::from_str(&j).map_err(|e| crate::StorageError::Sql(sqlx::Error::Decode(Box::new(e))))?,
        None => Vec::new(),
    };
    Ok(rows
        .iter()
        .filter_map(|v| {
            let a = v.as_array()?;
            let int = |i: usize| a.get(i).and_then(serde_json::Value::as_i64);
            Some(Group {
                person: int(0),
                source: a.get(1)?.as_str()?.to_string(),
                top: int(2)? == 1,
                done: int(3)? == 1,
                deadline: a.get(4).and_then(serde_json::Value::as_str).map(str::to_string),
                start_day: int(5)?,
                done_day: int(6),
                count: int(7)?,
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
             WHERE a.kind = 'lead' AND a.status <> 'returned' AND d.agency_id = "
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
