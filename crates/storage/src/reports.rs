//! Periodic reports (báo cáo định kỳ): forms and their versions, rounds (one period of a form
//! sent to the agencies that must report), submissions with their versions sent, and the numbers
//! the round's totals are summed from.

use sqlx::{AnyConnection, FromRow};

use crate::query::Sql;
use crate::Result;

/// A form with its current definition.
#[derive(Clone, Debug, FromRow, PartialEq, Eq)]
pub struct FormRow {
    pub id: i64,
    pub agency_id: i64,
    pub title: String,
    pub period: String,
    pub deadline_days: i64,
    pub version: i64,
    pub definition: String,
    pub updated_at: i64,
}

/// A round with its form's title, period kind and the definition it was sent with.
#[derive(Clone, Debug, FromRow, PartialEq, Eq)]
pub struct RoundRow {
    pub id: i64,
    pub form_id: i64,
    pub form_version: i64,
    pub agency_id: i64,
    pub agency_name: String,
    pub title: String,
    pub period: String,
    pub period_start: String,
    pub period_end: String,
    pub due_on: String,
    pub definition: String,
    pub created_at: i64,
}

/// A round in a list, with its counts.
#[derive(Clone, Debug, FromRow, PartialEq, Eq)]
pub struct RoundListRow {
    pub id: i64,
    pub agency_name: String,
    pub title: String,
    pub period: String,
    pub period_start: String,
    pub due_on: String,
    pub expected: i64,
    pub sent: i64,
    pub late: i64,
}

/// A submission with its agency and round.
#[derive(Clone, Debug, FromRow, PartialEq, Eq)]
pub struct SubmissionRow {
    pub id: i64,
    pub round_id: i64,
    pub agency_id: i64,
    pub agency_code: String,
    pub agency_name: String,
    pub status: String,
    pub draft: String,
    pub revision: i64,
    pub version: i64,
    pub first_sent_at: Option<i64>,
    pub sent_at: Option<i64>,
    #[sqlx(try_from = "crate::Flag")]
    pub late: bool,
    pub return_reason: Option<String>,
    pub returned_at: Option<i64>,
    pub accepted_at: Option<i64>,
    pub reminded_at: Option<i64>,
    pub updated_at: i64,
}

/// A submission to fill in, with its round.
#[derive(Clone, Debug, FromRow, PartialEq, Eq)]
pub struct TodoRow {
    pub id: i64,
    pub round_id: i64,
    pub agency_name: String,
    pub issuer_name: String,
    pub title: String,
    pub period: String,
    pub period_start: String,
    pub due_on: String,
    pub status: String,
    pub version: i64,
}

/// A version sent.
#[derive(Clone, Debug, FromRow, PartialEq, Eq)]
pub struct VersionRow {
    pub version: i64,
    pub content: String,
    pub sent_by: i64,
    pub sent_by_name: String,
    pub sent_at: i64,
    #[sqlx(try_from = "crate::Flag")]
    pub late: bool,
}

/// A number to store: field, column ("" for a number field), row (0 for a number field), value.
pub type Number<'a> = (&'a str, &'a str, i64, i64);

/// Stores a new form with its first version; returns its id.
#[allow(clippy::too_many_arguments)]
pub async fn insert_form(
    c: &mut AnyConnection,
    agency_id: i64,
    title: &str,
    period: &str,
    deadline_days: i64,
    definition: &str,
    by: i64,
    now: i64,
) -> Result<i64> {
    let id: i64 = sqlx::query_scalar(
        "INSERT INTO report_forms (agency_id, title, period, deadline_days, version, created_by, created_at, \
         updated_at) VALUES ($1, $2, $3, $4, 1, $5, $6, $6) RETURNING id",
    )
    .bind(agency_id)
    .bind(title)
    .bind(period)
    .bind(deadline_days)
    .bind(by)
    .bind(now)
    .fetch_one(&mut *c)
    .await?;
    insert_version(c, id, 1, definition, by, now).await?;
    Ok(id)
}

async fn insert_version(c: &mut AnyConnection, form: i64, version: i64, def: &str, by: i64, now: i64) -> Result<()> {
    sqlx::query(
        "INSERT INTO report_form_versions (form_id, version, definition, created_by, created_at) \
         VALUES ($1, $2, $3, $4, $5)",
    )
    .bind(form)
    .bind(version)
    .bind(def)
    .bind(by)
    .bind(now)
    .execute(c)
    .await?;
    Ok(())
}

/// Changes a form: a new version of its definition (rounds already sent keep theirs). Returns
/// the new version number.
pub async fn update_form(
    c: &mut AnyConnection,
    id: i64,
    title: &str,
    deadline_days: i64,
    definition: &str,
    by: i64,
    now: i64,
) -> Result<i64> {
    let version: i64 = sqlx::query_scalar(
        "UPDATE report_forms SET title = $1, deadline_days = $2, version = version + 1, updated_at = $3 \
         WHERE id = $4 RETURNING version",
    )
    .bind(title)
    .bind(deadline_days)
    .bind(now)
    .bind(id)
    .fetch_one(&mut *c)
    .await?;
    insert_version(c, id, version, definition, by, now).await?;
    Ok(version)
}

/// A form with its current definition.
pub async fn get_form(c: &mut AnyConnection, id: i64) -> Result<Option<FormRow>> {
    Ok(sqlx::query_as(
        "SELECT f.id, f.agency_id, f.title, f.period, f.deadline_days, f.version, v.definition, f.updated_at \
         FROM report_forms f JOIN report_form_versions v ON v.form_id = f.id AND v.version = f.version \
         WHERE f.id = $1",
    )
    .bind(id)
    .fetch_optional(c)
    .await?)
}

/// Stores a round of the form's current version; `None` when the form already has a round for
/// this period.
#[allow(clippy::too_many_arguments)]
pub async fn insert_round(
    c: &mut AnyConnection,
    form_id: i64,
    form_version: i64,
    agency_id: i64,
    period_start: &str,
    period_end: &str,
    due_on: &str,
    by: i64,
    now: i64,
) -> Result<Option<i64>> {
    Ok(sqlx::query_scalar(
        "INSERT INTO report_rounds (form_id, form_version, agency_id, period_start, period_end, due_on, \
         created_by, created_at) VALUES ($1, $2, $3, $4, $5, $6, $7, $8) \
         ON CONFLICT (form_id, period_start) DO NOTHING RETURNING id",
    )
    .bind(form_id)
    .bind(form_version)
    .bind(agency_id)
    .bind(period_start)
    .bind(period_end)
    .bind(due_on)
    .bind(by)
    .bind(now)
    .fetch_optional(c)
    .await?)
}

/// Adds an empty draft submission of `agency_id` to a round.
pub async fn insert_submission(c: &mut AnyConnection, round_id: i64, agency_id: i64, now: i64) -> Result<i64> {
    Ok(sqlx::query_scalar(
        "INSERT INTO report_submissions (round_id, agency_id, status, draft, revision, version, late, updated_at) \
         VALUES ($1, $2, 'draft', '{}', 0, 0, 0, $3) RETURNING id",
    )
    .bind(round_id)
    .bind(agency_id)
    .bind(now)
    .fetch_one(c)
    .await?)
}

const ROUND: &str = "SELECT r.id, r.form_id, r.form_version, r.agency_id, a.name AS agency_name, f.title, f.period, \
     r.period_start, r.period_end, r.due_on, v.definition, r.created_at FROM report_rounds r \
     JOIN report_forms f ON f.id = r.form_id JOIN agencies a ON a.id = r.agency_id \
     JOIN report_form_versions v ON v.form_id = r.form_id AND v.version = r.form_version";

/// A round by id.
pub async fn get_round(c: &mut AnyConnection, id: i64) -> Result<Option<RoundRow>> {
    Ok(sqlx::query_as(&format!("{ROUND} WHERE r.id = $1")).bind(id).fetch_optional(c).await?)
}

/// The rounds sent by these agencies, newest first, with expected / sent / late counts; at most
/// `limit`, before round id `before` when given.
pub async fn rounds_of(
    c: &mut AnyConnection,
    agency_ids: &[i64],
    before: Option<i64>,
    limit: i64,
) -> Result<Vec<RoundListRow>> {
    let mut q = Sql::new(
        "SELECT r.id, a.name AS agency_name, f.title, f.period, r.period_start, r.due_on, \
         (SELECT COUNT(*) FROM report_submissions s WHERE s.round_id = r.id) AS expected, \
         (SELECT COUNT(*) FROM report_submissions s WHERE s.round_id = r.id AND s.status IN ('submitted', 'accepted')) AS sent, \
         (SELECT COUNT(*) FROM report_submissions s WHERE s.round_id = r.id AND s.status IN ('submitted', 'accepted') \
          AND s.late = 1) AS late \
         FROM report_rounds r JOIN report_forms f ON f.id = r.form_id JOIN agencies a ON a.id = r.agency_id \
         WHERE r.agency_id",
    );
    q.in_ints(agency_ids);
    if let Some(b) = before {
        q.push(" AND r.id < ").int(b);
    }
    q.push(" ORDER BY r.id DESC LIMIT ").int(limit);
    q.fetch_all(c).await
}

/// How many rounds these agencies sent.
pub async fn count_rounds_of(c: &mut AnyConnection, agency_ids: &[i64]) -> Result<i64> {
    let mut q = Sql::new("SELECT COUNT(*) FROM report_rounds r WHERE r.agency_id");
    q.in_ints(agency_ids);
    q.fetch_scalar_i64(c).await
}

/// The submissions these agencies must fill in (every status), newest round first; at most `limit`.
pub async fn todo_of(c: &mut AnyConnection, agency_ids: &[i64], limit: i64) -> Result<Vec<TodoRow>> {
    let mut q = Sql::new(
        "SELECT s.id, s.round_id, a.name AS agency_name, i.name AS issuer_name, f.title, f.period, r.period_start, \
         r.due_on, s.status, s.version FROM report_submissions s JOIN report_rounds r ON r.id = s.round_id \
         JOIN report_forms f ON f.id = r.form_id JOIN agencies a ON a.id = s.agency_id \
         JOIN agencies i ON i.id = r.agency_id WHERE s.agency_id",
    );
    q.in_ints(agency_ids);
    q.push(
        " ORDER BY CASE WHEN s.status IN ('draft', 'ready', 'returned') THEN 0 ELSE 1 END, r.due_on, s.id DESC LIMIT ",
    );
    q.int(limit);
    q.fetch_all(c).await
}

const SUBMISSION: &str = "SELECT s.id, s.round_id, s.agency_id, a.code AS agency_code, a.name AS agency_name, \
     s.status, s.draft, s.revision, s.version, s.first_sent_at, s.sent_at, s.late, s.return_reason, s.returned_at, \
     s.accepted_at, s.reminded_at, s.updated_at FROM report_submissions s JOIN agencies a ON a.id = s.agency_id";

/// A submission by id.
pub async fn get_submission(c: &mut AnyConnection, id: i64) -> Result<Option<SubmissionRow>> {
    Ok(sqlx::query_as(&format!("{SUBMISSION} WHERE s.id = $1")).bind(id).fetch_optional(c).await?)
}

/// Every submission of a round, by agency code.
pub async fn submissions_of(c: &mut AnyConnection, round_id: i64) -> Result<Vec<SubmissionRow>> {
    Ok(sqlx::query_as(&format!("{SUBMISSION} WHERE s.round_id = $1 ORDER BY a.code, s.id"))
        .bind(round_id)
        .fetch_all(c)
        .await?)
}

/// Saves the values being edited; false unless the submission may still be edited.
pub async fn save_draft(c: &mut AnyConnection, id: i64, draft: &str, by: i64, now: i64) -> Result<bool> {
    let done = sqlx::query(
        "UPDATE report_submissions SET draft = $1, revision = revision + 1, updated_by = $2, updated_at = $3 \
         WHERE id = $4 AND status IN ('draft', 'ready', 'returned')",
    )
    .bind(draft)
    .bind(by)
    .bind(now)
    .bind(id)
    .execute(c)
    .await?;
    Ok(done.rows_affected() > 0)
}

/// Moves a submission from one of `from` to `to`; false when it was in none of them.
pub async fn set_status(c: &mut AnyConnection, id: i64, from: &[&str], to: &str, by: i64, now: i64) -> Result<bool> {
    let mut q = Sql::new("UPDATE report_submissions SET status = ");
    q.text(to).push(", updated_by = ").int(by).push(", updated_at = ").int(now);
    if to == "accepted" {
        q.push(", accepted_at = ").int(now);
    }
    q.push(" WHERE id = ").int(id).push(" AND status IN (");
    for (i, s) in from.iter().enumerate() {
        if i > 0 {
            q.push(", ");
        }
        q.text(*s);
    }
    q.push(")");
    Ok(q.execute(c).await? > 0)
}

/// Sends the draft as the next version: only from draft, ready or returned, and only when the
/// draft is still at `revision` (what the leader saw). Returns the new version number, `None`
/// when the submission was already sent or changed meanwhile (a second click).
#[allow(clippy::too_many_arguments)]
pub async fn send(
    c: &mut AnyConnection,
    id: i64,
    revision: i64,
    late: bool,
    by: i64,
    now: i64,
) -> Result<Option<(i64, String)>> {
    let row: Option<(i64, String)> = sqlx::query_as(
        "UPDATE report_submissions SET status = 'submitted', version = version + 1, sent_at = $1, \
         first_sent_at = COALESCE(first_sent_at, $1), late = $2, return_reason = NULL, updated_by = $3, \
         updated_at = $1 WHERE id = $4 AND revision = $5 AND status IN ('draft', 'ready', 'returned') \
         RETURNING version, draft",
    )
    .bind(now)
    .bind(i64::from(late))
    .bind(by)
    .bind(id)
    .bind(revision)
    .fetch_optional(&mut *c)
    .await?;
    let Some((version, content)) = row else { return Ok(None) };
    sqlx::query(
        "INSERT INTO report_versions (submission_id, version, content, sent_by, sent_at, late) \
         VALUES ($1, $2, $3, $4, $5, $6)",
    )
    .bind(id)
    .bind(version)
    .bind(&content)
    .bind(by)
    .bind(now)
    .bind(i64::from(late))
    .execute(&mut *c)
    .await?;
    Ok(Some((version, content)))
}

/// Replaces the numbers of a submission (those of the version just sent).
pub async fn replace_numbers(c: &mut AnyConnection, id: i64, numbers: &[Number<'_>]) -> Result<()> {
    sqlx::query("DELETE FROM report_numbers WHERE submission_id = $1").bind(id).execute(&mut *c).await?;
    for chunk in numbers.chunks(200) {
        let mut q =
            Sql::new("INSERT INTO report_numbers (submission_id, field_key, column_key, row_no, value) VALUES ");
        for (i, (field, column, row, value)) in chunk.iter().enumerate() {
            if i > 0 {
                q.push(", ");
            }
            q.push("(").int(id).push(", ").text(*field).push(", ").text(*column).push(", ").int(*row);
            q.push(", ").int(*value).push(")");
        }
        q.execute(c).await?;
    }
    Ok(())
}

/// The higher agency returns a sent submission with a reason; false unless it was `submitted`.
pub async fn return_submission(c: &mut AnyConnection, id: i64, reason: &str, by: i64, now: i64) -> Result<bool> {
    let done = sqlx::query(
        "UPDATE report_submissions SET status = 'returned', return_reason = $1, returned_at = $2, updated_by = $3, \
         updated_at = $2 WHERE id = $4 AND status = 'submitted'",
    )
    .bind(reason)
    .bind(now)
    .bind(by)
    .bind(id)
    .execute(c)
    .await?;
    Ok(done.rows_affected() > 0)
}

/// Marks submissions as reminded now.
pub async fn mark_reminded(c: &mut AnyConnection, ids: &[i64], now: i64) -> Result<()> {
    let mut q = Sql::new("UPDATE report_submissions SET reminded_at = ");
    q.int(now).push(" WHERE id");
    q.in_ints(ids);
    q.execute(c).await?;
    Ok(())
}

/// The versions sent of a submission, newest first.
pub async fn versions_of(c: &mut AnyConnection, id: i64) -> Result<Vec<VersionRow>> {
    Ok(sqlx::query_as(
        "SELECT v.version, v.content, v.sent_by, u.full_name AS sent_by_name, v.sent_at, v.late \
         FROM report_versions v JOIN users u ON u.id = v.sent_by WHERE v.submission_id = $1 ORDER BY v.version DESC",
    )
    .bind(id)
    .fetch_all(c)
    .await?)
}

/// The round's totals over its submitted and accepted submissions: (field, column, sum).
pub async fn totals(c: &mut AnyConnection, round_id: i64) -> Result<Vec<(String, String, i64)>> {
    Ok(sqlx::query_as(
        "SELECT n.field_key, n.column_key, CAST(SUM(n.value) AS BIGINT) FROM report_numbers n \
         JOIN report_submissions s ON s.id = n.submission_id \
         WHERE s.round_id = $1 AND s.status IN ('submitted', 'accepted') GROUP BY n.field_key, n.column_key",
    )
    .bind(round_id)
    .fetch_all(c)
    .await?)
}

/// Per submission of the round (submitted or accepted): (submission, field, column, sum over rows).
pub async fn numbers_by_submission(c: &mut AnyConnection, round_id: i64) -> Result<Vec<(i64, String, String, i64)>> {
    Ok(sqlx::query_as(
        "SELECT n.submission_id, n.field_key, n.column_key, CAST(SUM(n.value) AS BIGINT) FROM report_numbers n \
         JOIN report_submissions s ON s.id = n.submission_id \
         WHERE s.round_id = $1 AND s.status IN ('submitted', 'accepted') \
         GROUP BY n.submission_id, n.field_key, n.column_key",
    )
    .bind(round_id)
    .fetch_all(c)
    .await?)
}

/// The active people holding `role` in an agency.
pub async fn people_with_role(c: &mut AnyConnection, agency_id: i64, role: &str) -> Result<Vec<i64>> {
    Ok(sqlx::query_scalar(
        "SELECT DISTINCT g.user_id FROM role_grants g JOIN users u ON u.id = g.user_id \
         WHERE g.agency_id = $1 AND g.role = $2 AND u.active = 1 ORDER BY g.user_id",
    )
    .bind(agency_id)
    .bind(role)
    .fetch_all(c)
    .await?)
}

/// The last person who edited a submission, if any.
pub async fn last_editor(c: &mut AnyConnection, id: i64) -> Result<Option<i64>> {
    Ok(sqlx::query_scalar("SELECT updated_by FROM report_submissions WHERE id = $1")
        .bind(id)
        .fetch_optional(c)
        .await?
        .flatten())
}

/// The active agencies under the same top agency as `path` (its first path segment), other than
/// `except`: (id, code, name, level), by code.
pub async fn agencies_under_root(
    c: &mut AnyConnection,
    root_path: &str,
    except: i64,
) -> Result<Vec<(i64, String, String, String)>> {
    Ok(sqlx::query_as(
        "SELECT id, code, name, level FROM agencies WHERE active = 1 AND id <> $1 AND path LIKE $2 ORDER BY code",
    )
    .bind(except)
    .bind(format!("{root_path}%"))
    .fetch_all(c)
    .await?)
}

/// Whether the agency already sent a round of a form with this title for the period starting on
/// `period_start` (a second click on "send").
pub async fn round_exists(c: &mut AnyConnection, agency_id: i64, title: &str, period_start: &str) -> Result<bool> {
    let n: i64 = sqlx::query_scalar(
        "SELECT COUNT(*) FROM report_rounds r JOIN report_forms f ON f.id = r.form_id \
         WHERE r.agency_id = $1 AND f.title = $2 AND r.period_start = $3",
    )
    .bind(agency_id)
    .bind(title)
    .bind(period_start)
    .fetch_one(c)
    .await?;
    Ok(n > 0)
}
