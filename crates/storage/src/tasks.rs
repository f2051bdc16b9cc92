//! Tasks (giao việc): the task tree, who takes part in each task, their history and files, and
//! recurring series. Reads go through [`TaskScope`] applied inside the query.

use sqlx::{AnyConnection, FromRow};

use crate::query::{Sql, TaskScope};
use crate::Result;

/// Values for a new task.
#[derive(Clone, Debug, Default)]
pub struct NewTask<'a> {
    pub agency_id: i64,
    pub parent_id: Option<i64>,
    pub depth: i64,
    pub title: &'a str,
    pub description: &'a str,
    pub document_id: Option<i64>,
    pub assigner_id: i64,
    pub lead_id: i64,
    pub priority: &'a str,
    pub deadline: Option<&'a str>,
    pub weight: i64,
    pub series_id: Option<i64>,
    pub occurrence: Option<&'a str>,
}

/// A task with the names a page shows.
#[derive(Clone, Debug, FromRow, PartialEq, Eq)]
pub struct TaskRow {
    pub id: i64,
    pub agency_id: i64,
    pub parent_id: Option<i64>,
    pub depth: i64,
    pub title: String,
    pub description: String,
    pub document_id: Option<i64>,
    pub assigner_id: i64,
    pub assigner_name: String,
    pub lead_id: i64,
    pub lead_name: String,
    pub priority: String,
    pub deadline: Option<String>,
    pub weight: i64,
    pub progress: i64,
    #[sqlx(try_from = "crate::Flag")]
    pub progress_set: bool,
    pub status: String,
    pub result: Option<String>,
    pub submitted_at: Option<i64>,
    pub closed_at: Option<i64>,
    pub timeliness: Option<String>,
    pub quality: Option<String>,
    pub evaluation: Option<String>,
    pub series_id: Option<i64>,
    pub occurrence: Option<String>,
    pub created_at: i64,
    pub updated_at: i64,
}

const ROW: &str = "SELECT t.id, t.agency_id, t.parent_id, t.depth, t.title, t.description, t.document_id, \
     t.assigner_id, a.full_name AS assigner_name, t.lead_id, l.full_name AS lead_name, t.priority, t.deadline, \
     t.weight, t.progress, t.progress_set, t.status, t.result, t.submitted_at, t.closed_at, t.timeliness, \
     t.quality, t.evaluation, t.series_id, t.occurrence, t.created_at, t.updated_at \
     FROM tasks t JOIN users a ON a.id = t.assigner_id JOIN users l ON l.id = t.lead_id";

/// Stores a task and returns its id.
pub async fn insert_task(c: &mut AnyConnection, t: &NewTask<'_>, now: i64) -> Result<i64> {
    Ok(sqlx::query_scalar(
        "INSERT INTO tasks (agency_id, parent_id, depth, title, description, document_id, assigner_id, lead_id, \
         priority, deadline, weight, progress, progress_set, status, series_id, occurrence, created_at, updated_at) \
         VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, 0, 0, 'open', $12, $13, $14, $14) RETURNING id",
    )
    .bind(t.agency_id)
    .bind(t.parent_id)
    .bind(t.depth)
    .bind(t.title)
    .bind(t.description)
    .bind(t.document_id)
    .bind(t.assigner_id)
    .bind(t.lead_id)
    .bind(t.priority)
    .bind(t.deadline)
    .bind(t.weight)
    .bind(t.series_id)
    .bind(t.occurrence)
    .bind(now)
    .fetch_one(c)
    .await?)
}

/// A task the reader may see.
pub async fn get_task(c: &mut AnyConnection, id: i64, scope: &TaskScope) -> Result<Option<TaskRow>> {
    let mut q = Sql::new(ROW);
    q.push(" WHERE t.id = ").int(id).task_visible(scope);
    q.fetch_optional(c).await
}

/// A task whatever the reader (inside workflows that checked access already).
pub async fn get_task_any(c: &mut AnyConnection, id: i64) -> Result<Option<TaskRow>> {
    Ok(sqlx::query_as(&format!("{ROW} WHERE t.id = $1")).bind(id).fetch_optional(c).await?)
}

/// Every task below `root_id` (not itself), parents before children.
pub async fn descendants(c: &mut AnyConnection, root_id: i64) -> Result<Vec<TaskRow>> {
    let sql = format!(
        "WITH RECURSIVE below(id) AS (SELECT id FROM tasks WHERE parent_id = $1 \
         UNION ALL SELECT k.id FROM tasks k JOIN below b ON k.parent_id = b.id) \
         {ROW} WHERE t.id IN (SELECT id FROM below) ORDER BY t.depth, t.id"
    );
    Ok(sqlx::query_as(&sql).bind(root_id).fetch_all(c).await?)
}

/// The direct children of a task, oldest first.
pub async fn children(c: &mut AnyConnection, parent_id: i64) -> Result<Vec<TaskRow>> {
    Ok(sqlx::query_as(&format!("{ROW} WHERE t.parent_id = $1 ORDER BY t.id")).bind(parent_id).fetch_all(c).await?)
}

/// Which tasks a list shows.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum TaskList {
    /// Tasks the reader leads or cooperates on.
    Mine,
    /// Tasks the reader gave.
    Given,
    /// Every task the reader may see.
    All,
}

/// A page of tasks, newest first, keyset-paged by id; `open` keeps open and submitted ones.
pub async fn list(
    c: &mut AnyConnection,
    scope: &TaskScope,
    which: TaskList,
    open: bool,
    before_id: Option<i64>,
    limit: u32,
) -> Result<Vec<TaskRow>> {
    let mut q = Sql::new(ROW);
    q.push(" WHERE t.id < ").int(before_id.unwrap_or(i64::MAX)).task_visible(scope);
    match which {
        TaskList::Mine => {
            q.push(" AND EXISTS (SELECT 1 FROM task_people p WHERE p.task_id = t.id AND p.role IN ('lead', 'cooperate') AND p.user_id = ")
                .int(scope.user_id)
                .push(")");
        }
        TaskList::Given => {
            q.push(" AND t.assigner_id = ").int(scope.user_id);
        }
        TaskList::All => {}
    }
    if open {
        q.push(" AND t.status IN ('open', 'submitted')");
    }
    q.push(" ORDER BY t.id DESC LIMIT ").int(i64::from(limit));
    q.fetch_all(c).await
}

/// Adds a person to a task in a role (`assigner`, `lead`, `cooperate`, `above`); a second time is a no-op.
pub async fn add_person(
    c: &mut AnyConnection,
    task_id: i64,
    user_id: i64,
    role: &str,
    unit_id: Option<i64>,
) -> Result<()> {
    sqlx::query(
        "INSERT INTO task_people (task_id, user_id, role, unit_id) VALUES ($1, $2, $3, $4) \
         ON CONFLICT (task_id, user_id, role) DO NOTHING",
    )
    .bind(task_id)
    .bind(user_id)
    .bind(role)
    .bind(unit_id)
    .execute(c)
    .await?;
    Ok(())
}

/// Everyone who takes part in `parent_id` takes part in `task_id` as `above`.
pub async fn inherit_people(c: &mut AnyConnection, task_id: i64, parent_id: i64) -> Result<()> {
    sqlx::query(
        "INSERT INTO task_people (task_id, user_id, role) SELECT DISTINCT $1, user_id, 'above' FROM task_people \
         WHERE task_id = $2 ON CONFLICT (task_id, user_id, role) DO NOTHING",
    )
    .bind(task_id)
    .bind(parent_id)
    .execute(c)
    .await?;
    Ok(())
}

/// One person's part in a task.
#[derive(Clone, Debug, FromRow, PartialEq, Eq)]
pub struct TaskPersonRow {
    pub user_id: i64,
    pub full_name: String,
    pub role: String,
    pub unit_id: Option<i64>,
}

/// The people of a task (every role but `above`), lead first.
pub async fn people_of(c: &mut AnyConnection, task_id: i64) -> Result<Vec<TaskPersonRow>> {
    Ok(sqlx::query_as(
        "SELECT p.user_id, u.full_name, p.role, p.unit_id FROM task_people p JOIN users u ON u.id = p.user_id \
         WHERE p.task_id = $1 AND p.role <> 'above' \
         ORDER BY CASE p.role WHEN 'assigner' THEN 0 WHEN 'lead' THEN 1 ELSE 2 END, u.full_name",
    )
    .bind(task_id)
    .fetch_all(c)
    .await?)
}

/// Whether `user_id` takes part in the task in one of `roles`.
pub async fn has_role(c: &mut AnyConnection, task_id: i64, user_id: i64, roles: &[&str]) -> Result<bool> {
    let mut q = Sql::new("SELECT COUNT(*) FROM task_people WHERE task_id = ");
    q.int(task_id).push(" AND user_id = ").int(user_id).push(" AND role IN (");
    for (i, r) in roles.iter().enumerate() {
        if i > 0 {
            q.push(", ");
        }
        q.text(*r);
    }
    q.push(")");
    Ok(q.fetch_scalar_i64(c).await? > 0)
}

/// One step of a task's history.
#[derive(Clone, Debug, FromRow, PartialEq, Eq)]
pub struct TaskUpdateRow {
    pub id: i64,
    pub user_name: Option<String>,
    pub kind: String,
    pub progress: Option<i64>,
    pub body: Option<String>,
    pub created_at: i64,
}

/// Appends a step to a task's history.
pub async fn insert_update(
    c: &mut AnyConnection,
    task_id: i64,
    user_id: Option<i64>,
    kind: &str,
    progress: Option<i64>,
    body: Option<&str>,
    now: i64,
) -> Result<i64> {
    Ok(sqlx::query_scalar(
        "INSERT INTO task_updates (task_id, user_id, kind, progress, body, created_at) \
         VALUES ($1, $2, $3, $4, $5, $6) RETURNING id",
    )
    .bind(task_id)
    .bind(user_id)
    .bind(kind)
    .bind(progress)
    .bind(body)
    .bind(now)
    .fetch_one(c)
    .await?)
}

/// A task's history, oldest first.
pub async fn updates_of(c: &mut AnyConnection, task_id: i64) -> Result<Vec<TaskUpdateRow>> {
    Ok(sqlx::query_as(
        "SELECT h.id, u.full_name AS user_name, h.kind, h.progress, h.body, h.created_at FROM task_updates h \
         LEFT JOIN users u ON u.id = h.user_id WHERE h.task_id = $1 ORDER BY h.id",
    )
    .bind(task_id)
    .fetch_all(c)
    .await?)
}

/// Sets a task's progress; `by_hand` marks it as no longer derived from its children.
pub async fn set_progress(c: &mut AnyConnection, id: i64, progress: i64, by_hand: bool, now: i64) -> Result<()> {
    sqlx::query("UPDATE tasks SET progress = $1, progress_set = $2, updated_at = $3 WHERE id = $4")
        .bind(progress)
        .bind(i64::from(by_hand))
        .bind(now)
        .bind(id)
        .execute(c)
        .await?;
    Ok(())
}

/// Moves a task from `from` to `to`, writing the given columns; false if it was not in `from`
/// (a second click, or someone else acted first).
pub async fn transition(
    c: &mut AnyConnection,
    id: i64,
    from: &str,
    to: &str,
    change: &Transition<'_>,
    now: i64,
) -> Result<bool> {
    let done = sqlx::query(
        "UPDATE tasks SET status = $1, updated_at = $2, \
         result = COALESCE($3, result), submitted_at = CASE WHEN $1 = 'submitted' THEN $2 ELSE submitted_at END, \
         closed_at = CASE WHEN $1 IN ('done', 'cancelled') THEN $2 ELSE NULL END, \
         timeliness = COALESCE($4, timeliness), quality = COALESCE($5, quality), evaluation = COALESCE($6, evaluation), \
         progress = CASE WHEN $1 = 'done' THEN 100 ELSE progress END \
         WHERE id = $7 AND status = $8",
    )
    .bind(to)
    .bind(now)
    .bind(change.result)
    .bind(change.timeliness)
    .bind(change.quality)
    .bind(change.evaluation)
    .bind(id)
    .bind(from)
    .execute(c)
    .await?;
    Ok(done.rows_affected() > 0)
}

/// What a [`transition`] writes besides the status.
#[derive(Clone, Copy, Debug, Default)]
pub struct Transition<'a> {
    pub result: Option<&'a str>,
    pub timeliness: Option<&'a str>,
    pub quality: Option<&'a str>,
    pub evaluation: Option<&'a str>,
}

/// Attaches a stored file to a task.
pub async fn attach_file(c: &mut AnyConnection, task_id: i64, file_id: i64) -> Result<()> {
    sqlx::query("INSERT INTO task_files (task_id, file_id) VALUES ($1, $2) ON CONFLICT (task_id, file_id) DO NOTHING")
        .bind(task_id)
        .bind(file_id)
        .execute(c)
        .await?;
    Ok(())
}

/// A task's files: (file id, name, size).
pub async fn files_of(c: &mut AnyConnection, task_id: i64) -> Result<Vec<(i64, String, i64)>> {
    Ok(sqlx::query_as(
        "SELECT f.id, f.file_name, f.size FROM task_files x JOIN stored_files f ON f.id = x.file_id \
         WHERE x.task_id = $1 ORDER BY f.id",
    )
    .bind(task_id)
    .fetch_all(c)
    .await?)
}

/// A file of a task that `scope` sees.
pub async fn task_file(
    c: &mut AnyConnection,
    file_id: i64,
    scope: &TaskScope,
) -> Result<Option<crate::documents::FileRow>> {
    let mut q = Sql::new(
        "SELECT f.id, f.sha256, f.size, f.media_type, f.file_name, f.page_count FROM task_files x \
         JOIN tasks t ON t.id = x.task_id JOIN stored_files f ON f.id = x.file_id WHERE x.file_id = ",
    );
    q.int(file_id).task_visible(scope).push(" LIMIT 1");
    q.fetch_optional(c).await
}

/// Closes the open inbox items about a task, of the given kinds (everyone's).
pub async fn close_items(c: &mut AnyConnection, task_id: i64, kinds: &[&str], now: i64) -> Result<u64> {
    let mut q = Sql::new("UPDATE inbox_items SET done_at = ");
    q.int(now).push(" WHERE task_id = ").int(task_id).push(" AND done_at IS NULL AND kind IN (");
    for (i, k) in kinds.iter().enumerate() {
        if i > 0 {
            q.push(", ");
        }
        q.text(*k);
    }
    q.push(")");
    q.execute(c).await
}

/// Values for a recurring series.
#[derive(Clone, Debug, Default)]
pub struct NewSeries<'a> {
    pub agency_id: i64,
    pub assigner_id: i64,
    pub lead_id: i64,
    pub title: &'a str,
    pub description: &'a str,
    pub priority: &'a str,
    pub rrule: &'a str,
    pub starts_on: &'a str,
    pub non_working: &'a str,
    pub due_days: i64,
    pub next_on: Option<&'a str>,
}

/// A recurring series.
#[derive(Clone, Debug, FromRow, PartialEq, Eq)]
pub struct SeriesRow {
    pub id: i64,
    pub agency_id: i64,
    pub assigner_id: i64,
    pub lead_id: i64,
    pub title: String,
    pub description: String,
    pub priority: String,
    pub rrule: String,
    pub starts_on: String,
    pub non_working: String,
    pub due_days: i64,
    pub next_on: Option<String>,
    pub made: i64,
}

const SERIES_ROW: &str = "SELECT id, agency_id, assigner_id, lead_id, title, description, priority, rrule, \
     starts_on, non_working, due_days, next_on, made FROM task_series";

/// Stores a series and returns its id.
pub async fn insert_series(c: &mut AnyConnection, s: &NewSeries<'_>, now: i64) -> Result<i64> {
    Ok(sqlx::query_scalar(
        "INSERT INTO task_series (agency_id, assigner_id, lead_id, title, description, priority, rrule, starts_on, \
         non_working, due_days, next_on, made, active, created_at) \
         VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, 0, 1, $12) RETURNING id",
    )
    .bind(s.agency_id)
    .bind(s.assigner_id)
    .bind(s.lead_id)
    .bind(s.title)
    .bind(s.description)
    .bind(s.priority)
    .bind(s.rrule)
    .bind(s.starts_on)
    .bind(s.non_working)
    .bind(s.due_days)
    .bind(s.next_on)
    .bind(now)
    .fetch_one(c)
    .await?)
}

/// Active series whose next occurrence is on or before `today` (ISO date).
pub async fn series_due(c: &mut AnyConnection, today: &str, limit: i64) -> Result<Vec<SeriesRow>> {
    Ok(sqlx::query_as(&format!(
        "{SERIES_ROW} WHERE active = 1 AND next_on IS NOT NULL AND next_on <= $1 ORDER BY next_on, id LIMIT $2"
    ))
    .bind(today)
    .bind(limit)
    .fetch_all(c)
    .await?)
}

/// A series by id.
pub async fn get_series(c: &mut AnyConnection, id: i64) -> Result<Option<SeriesRow>> {
    Ok(sqlx::query_as(&format!("{SERIES_ROW} WHERE id = $1")).bind(id).fetch_optional(c).await?)
}

/// Moves a series on after its occurrences up to now were made; `expected` is the `next_on` it
/// was read with (false when another sweep moved it first). `next_on` `None` ends it.
pub async fn advance_series(
    c: &mut AnyConnection,
    id: i64,
    expected: &str,
    next_on: Option<&str>,
    made: i64,
) -> Result<bool> {
    let done = sqlx::query(
        "UPDATE task_series SET next_on = $1, made = $2, active = CASE WHEN $1 IS NULL THEN 0 ELSE 1 END \
         WHERE id = $3 AND next_on = $4",
    )
    .bind(next_on)
    .bind(made)
    .bind(id)
    .bind(expected)
    .execute(c)
    .await?;
    Ok(done.rows_affected() > 0)
}

/// Stops a series (its assigner, or an administrator); false if it was not active.
pub async fn stop_series(c: &mut AnyConnection, id: i64) -> Result<bool> {
    let done =
        sqlx::query("UPDATE task_series SET active = 0 WHERE id = $1 AND active = 1").bind(id).execute(c).await?;
    Ok(done.rows_affected() > 0)
}
