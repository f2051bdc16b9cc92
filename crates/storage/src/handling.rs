//! Handling of documents: assignments (a tree, to any depth), the timeline of every step,
//! consultation and approval steps of drafts, personal inboxes and free internal messages.

use sqlx::{AnyConnection, FromRow};

use crate::Result;

/// One assignment: a document given to a person or a unit, as presented, lead, cooperating or
/// informed; `parent_id` is the assignment it was passed on from.
#[derive(Clone, Debug, FromRow, PartialEq, Eq)]
pub struct AssignmentRow {
    pub id: i64,
    pub document_id: i64,
    pub parent_id: Option<i64>,
    pub kind: String,
    pub assigner_id: i64,
    pub assigner_name: String,
    pub assignee_user_id: Option<i64>,
    pub assignee_unit_id: Option<i64>,
    pub assignee_name: String,
    pub directive: Option<String>,
    pub deadline: Option<String>,
    pub status: String,
    pub progress: i64,
    pub result: Option<String>,
    pub result_document_id: Option<i64>,
    pub depth: i64,
    pub created_at: i64,
    pub updated_at: i64,
    pub finished_at: Option<i64>,
}

const ASSIGNMENT_SELECT: &str = "SELECT a.id, a.document_id, a.parent_id, a.kind, a.assigner_id, \
     ua.full_name AS assigner_name, a.assignee_user_id, a.assignee_unit_id, \
     COALESCE(ub.full_name, un.name, '') AS assignee_name, a.directive, a.deadline, a.status, a.progress, a.result, \
     a.result_document_id, a.depth, a.created_at, a.updated_at, a.finished_at FROM assignments a \
     JOIN users ua ON ua.id = a.assigner_id LEFT JOIN users ub ON ub.id = a.assignee_user_id \
     LEFT JOIN units un ON un.id = a.assignee_unit_id";

/// Values for a new assignment.
#[derive(Clone, Debug)]
pub struct NewAssignment<'a> {
    pub document_id: i64,
    pub parent_id: Option<i64>,
    pub kind: &'a str,
    pub assigner_id: i64,
    pub assignee_user_id: Option<i64>,
    pub assignee_unit_id: Option<i64>,
    pub directive: Option<&'a str>,
    pub deadline: Option<&'a str>,
    pub depth: i64,
}

/// Inserts an open assignment and returns its id.
pub async fn insert_assignment(c: &mut AnyConnection, a: &NewAssignment<'_>, now: i64) -> Result<i64> {
    Ok(sqlx::query_scalar(
        "INSERT INTO assignments (document_id, parent_id, kind, assigner_id, assignee_user_id, assignee_unit_id, \
         directive, deadline, status, progress, depth, created_at, updated_at, agency_id) \
         VALUES ($1, $2, $3, $4, $5, $6, $7, $8, 'open', 0, $9, $10, $10, \
         (SELECT d.agency_id FROM documents d WHERE d.id = $1)) RETURNING id",
    )
    .bind(a.document_id)
    .bind(a.parent_id)
    .bind(a.kind)
    .bind(a.assigner_id)
    .bind(a.assignee_user_id)
    .bind(a.assignee_unit_id)
    .bind(a.directive)
    .bind(a.deadline)
    .bind(a.depth)
    .bind(now)
    .fetch_one(c)
    .await?)
}

/// One assignment.
pub async fn get_assignment(c: &mut AnyConnection, id: i64) -> Result<Option<AssignmentRow>> {
    Ok(sqlx::query_as(&format!("{ASSIGNMENT_SELECT} WHERE a.id = $1")).bind(id).fetch_optional(c).await?)
}

/// Every assignment of a document, in the order they were made.
pub async fn assignments_of(c: &mut AnyConnection, document_id: i64) -> Result<Vec<AssignmentRow>> {
    Ok(sqlx::query_as(&format!("{ASSIGNMENT_SELECT} WHERE a.document_id = $1 ORDER BY a.id"))
        .bind(document_id)
        .fetch_all(c)
        .await?)
}

/// Changes an assignment's state from `from` to `status`; false when it was not in `from`.
#[allow(clippy::too_many_arguments)]
pub async fn close_assignment(
    c: &mut AnyConnection,
    id: i64,
    from: &str,
    status: &str,
    result: Option<&str>,
    result_document_id: Option<i64>,
    now: i64,
) -> Result<bool> {
    let done = sqlx::query(
        "UPDATE assignments SET status = $1, result = $2, result_document_id = $3, \
         progress = CASE WHEN $1 = 'done' THEN 100 ELSE progress END, finished_at = $4, updated_at = $4 \
         WHERE id = $5 AND status = $6",
    )
    .bind(status)
    .bind(result)
    .bind(result_document_id)
    .bind(now)
    .bind(id)
    .bind(from)
    .execute(c)
    .await?;
    Ok(done.rows_affected() == 1)
}

/// Records progress (percent) on an open assignment; false when it is not open.
pub async fn set_progress(c: &mut AnyConnection, id: i64, progress: i64, now: i64) -> Result<bool> {
    let done = sqlx::query("UPDATE assignments SET progress = $1, updated_at = $2 WHERE id = $3 AND status = 'open'")
        .bind(progress)
        .bind(now)
        .bind(id)
        .execute(c)
        .await?;
    Ok(done.rows_affected() == 1)
}

/// Re-opens an assignment whose child was returned to it.
pub async fn reopen_assignment(c: &mut AnyConnection, id: i64, now: i64) -> Result<()> {
    sqlx::query("UPDATE assignments SET status = 'open', finished_at = NULL, updated_at = $1 WHERE id = $2")
        .bind(now)
        .bind(id)
        .execute(c)
        .await?;
    Ok(())
}

/// One step on a document's timeline.
#[derive(Clone, Debug, FromRow, PartialEq, Eq)]
pub struct EventRow {
    pub id: i64,
    pub document_id: i64,
    pub at: i64,
    pub actor_id: Option<i64>,
    pub actor_name: String,
    pub kind: String,
    pub target: Option<String>,
    pub body: Option<String>,
    pub assignment_id: Option<i64>,
    pub file_id: Option<i64>,
}

/// Values for a timeline step.
#[derive(Clone, Debug, Default)]
pub struct NewEvent<'a> {
    pub document_id: i64,
    pub actor_id: Option<i64>,
    pub actor_name: &'a str,
    pub kind: &'a str,
    pub target: Option<&'a str>,
    pub body: Option<&'a str>,
    pub assignment_id: Option<i64>,
    pub file_id: Option<i64>,
}

/// Appends a step to a document's timeline. An empty `actor_name` is filled in from the actor's
/// account in the same statement.
pub async fn insert_event(c: &mut AnyConnection, e: &NewEvent<'_>, now: i64) -> Result<i64> {
    Ok(sqlx::query_scalar(
        "INSERT INTO document_events (document_id, at, actor_id, actor_name, kind, target, body, assignment_id, \
         file_id) VALUES ($1, $2, $3, COALESCE(NULLIF($4, ''), (SELECT full_name FROM users WHERE id = $3), ''), \
         $5, $6, $7, $8, $9) RETURNING id",
    )
    .bind(e.document_id)
    .bind(now)
    .bind(e.actor_id)
    .bind(e.actor_name)
    .bind(e.kind)
    .bind(e.target)
    .bind(e.body)
    .bind(e.assignment_id)
    .bind(e.file_id)
    .fetch_one(c)
    .await?)
}

/// A document's timeline, oldest first.
pub async fn events_of(c: &mut AnyConnection, document_id: i64) -> Result<Vec<EventRow>> {
    Ok(sqlx::query_as(
        "SELECT id, document_id, at, actor_id, actor_name, kind, target, body, assignment_id, file_id \
         FROM document_events WHERE document_id = $1 ORDER BY id",
    )
    .bind(document_id)
    .fetch_all(c)
    .await?)
}

/// Opinions and directives of a document (their text goes into the search index).
pub async fn opinion_texts(c: &mut AnyConnection, document_id: i64) -> Result<Vec<String>> {
    Ok(sqlx::query_scalar(
        "SELECT body FROM document_events WHERE document_id = $1 AND body IS NOT NULL \
         AND kind IN ('opinion', 'assigned', 'presented', 'finished', 'consult_answered') ORDER BY id",
    )
    .bind(document_id)
    .fetch_all(c)
    .await?)
}

/// A consultation or approval step of a draft.
#[derive(Clone, Debug, FromRow, PartialEq, Eq)]
pub struct ReviewRow {
    pub id: i64,
    pub document_id: i64,
    pub kind: String,
    pub round: i64,
    pub step: i64,
    pub requested_by: i64,
    pub reviewer_id: i64,
    pub reviewer_name: String,
    pub deadline: Option<String>,
    pub status: String,
    pub comment: Option<String>,
    pub created_at: i64,
    pub decided_at: Option<i64>,
}

const REVIEW_SELECT: &str = "SELECT r.id, r.document_id, r.kind, r.round, r.step, r.requested_by, r.reviewer_id, \
     u.full_name AS reviewer_name, r.deadline, r.status, r.comment, r.created_at, r.decided_at \
     FROM review_steps r JOIN users u ON u.id = r.reviewer_id";

/// Values for a review step.
#[derive(Clone, Debug)]
pub struct NewReview<'a> {
    pub document_id: i64,
    pub kind: &'a str,
    pub round: i64,
    pub step: i64,
    pub requested_by: i64,
    pub reviewer_id: i64,
    pub deadline: Option<&'a str>,
    pub status: &'a str,
}

/// Inserts a review step.
pub async fn insert_review(c: &mut AnyConnection, r: &NewReview<'_>, now: i64) -> Result<i64> {
    Ok(sqlx::query_scalar(
        "INSERT INTO review_steps (document_id, kind, round, step, requested_by, reviewer_id, deadline, status, \
         created_at) VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9) RETURNING id",
    )
    .bind(r.document_id)
    .bind(r.kind)
    .bind(r.round)
    .bind(r.step)
    .bind(r.requested_by)
    .bind(r.reviewer_id)
    .bind(r.deadline)
    .bind(r.status)
    .bind(now)
    .fetch_one(c)
    .await?)
}

/// Review steps of a document, in order.
pub async fn reviews_of(c: &mut AnyConnection, document_id: i64) -> Result<Vec<ReviewRow>> {
    Ok(sqlx::query_as(&format!("{REVIEW_SELECT} WHERE r.document_id = $1 ORDER BY r.round, r.kind, r.step, r.id"))
        .bind(document_id)
        .fetch_all(c)
        .await?)
}

/// Decides a review step only if it is still `pending`; false when someone decided it first.
pub async fn decide_review(
    c: &mut AnyConnection,
    id: i64,
    status: &str,
    comment: Option<&str>,
    now: i64,
) -> Result<bool> {
    let done = sqlx::query(
        "UPDATE review_steps SET status = $1, comment = $2, decided_at = $3 WHERE id = $4 AND status = 'pending'",
    )
    .bind(status)
    .bind(comment)
    .bind(now)
    .bind(id)
    .execute(c)
    .await?;
    Ok(done.rows_affected() == 1)
}

/// Makes a waiting review step pending (its turn in the chain came).
pub async fn activate_review(c: &mut AnyConnection, id: i64) -> Result<()> {
    sqlx::query("UPDATE review_steps SET status = 'pending' WHERE id = $1 AND status = 'waiting'")
        .bind(id)
        .execute(c)
        .await?;
    Ok(())
}

/// Cancels every undecided step of a document's review of `kind` (the draft went back).
pub async fn cancel_open_reviews(c: &mut AnyConnection, document_id: i64, kind: &str, now: i64) -> Result<()> {
    sqlx::query(
        "UPDATE review_steps SET status = 'cancelled', decided_at = $1 WHERE document_id = $2 AND kind = $3 \
         AND status IN ('pending', 'waiting')",
    )
    .bind(now)
    .bind(document_id)
    .bind(kind)
    .execute(c)
    .await?;
    Ok(())
}

/// An inbox line with what the list shows: the document's headline or the message.
#[derive(Clone, Debug, FromRow, PartialEq, Eq)]
pub struct InboxRow {
    pub id: i64,
    pub kind: String,
    pub document_id: Option<i64>,
    pub message_id: Option<i64>,
    pub ref_id: Option<i64>,
    pub from_name: Option<String>,
    pub note: Option<String>,
    pub created_at: i64,
    pub read_at: Option<i64>,
    pub done_at: Option<i64>,
    pub subject: Option<String>,
    pub number_notation: Option<String>,
    pub book_number: Option<i64>,
    pub direction: Option<String>,
    pub doc_status: Option<String>,
    pub urgency: Option<String>,
    pub secrecy: Option<String>,
    pub deadline: Option<String>,
    pub message_body: Option<String>,
    /// The task the item is about (its title is then the subject).
    pub task_id: Option<i64>,
}

/// Values for an inbox item.
#[derive(Clone, Debug, Default)]
pub struct NewInboxItem<'a> {
    pub user_id: i64,
    pub kind: &'a str,
    pub document_id: Option<i64>,
    pub message_id: Option<i64>,
    pub ref_id: Option<i64>,
    pub from_user_id: Option<i64>,
    pub note: Option<&'a str>,
    pub task_id: Option<i64>,
}

/// Puts an item in someone's inbox.
pub async fn insert_inbox_item(c: &mut AnyConnection, i: &NewInboxItem<'_>, now: i64) -> Result<i64> {
    Ok(sqlx::query_scalar(
        "INSERT INTO inbox_items (user_id, kind, document_id, message_id, ref_id, from_user_id, note, created_at, \
         task_id, deadline) VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, COALESCE(\
         (SELECT t.deadline FROM tasks t WHERE t.id = $9), \
         (SELECT a.deadline FROM assignments a WHERE a.id = $5 \
          AND $2 IN ('present', 'assignment', 'inform', 'returned', 'finished')), \
         (SELECT d.deadline FROM documents d WHERE d.id = $3))) RETURNING id",
    )
    .bind(i.user_id)
    .bind(i.kind)
    .bind(i.document_id)
    .bind(i.message_id)
    .bind(i.ref_id)
    .bind(i.from_user_id)
    .bind(i.note)
    .bind(now)
    .bind(i.task_id)
    .fetch_one(c)
    .await?)
}

/// The assignment an inbox item is about (its deadline and directive are the ones given to this
/// person, which the list shows instead of the document's).
const ASSIGNMENT_JOIN: &str = "LEFT JOIN assignments a ON a.id = i.ref_id \
     AND i.kind IN ('present', 'assignment', 'inform', 'returned', 'finished')";

/// A person's inbox, newest first: open items, or finished ones when `done` is true.
///
/// The page comes back as one JSON array in one row: on SQLite every result row is a message
/// from the database thread, and the inbox is the most requested page of all, so one row instead
/// of thirty multiplies its throughput.
pub async fn inbox(
    c: &mut AnyConnection,
    engine: crate::Engine,
    user_id: i64,
    done: bool,
    before_id: Option<i64>,
    limit: u32,
    due: Option<(&str, &str)>,
) -> Result<Vec<InboxRow>> {
    let state = if done { "i.done_at IS NOT NULL" } else { "i.done_at IS NULL" };
    let due_sql = if due.is_some() { " AND i.deadline >= $4 AND i.deadline < $5" } else { "" };
    let (agg, arr) = engine.json_array_functions();
    let sql = format!(
        "SELECT CAST({agg}({arr}(t.id, t.kind, t.document_id, t.message_id, t.ref_id, t.from_name, t.note, t.created_at, \
         t.read_at, t.done_at, t.subject, t.number_notation, t.book_number, t.direction, t.doc_status, t.urgency, \
         t.secrecy, t.deadline, t.message_body, t.task_id)) AS TEXT) FROM (\
         SELECT i.id, i.kind, i.document_id, i.message_id, i.ref_id, u.full_name AS from_name, \
         COALESCE(i.note, a.directive) AS note, i.created_at, \
         i.read_at, i.done_at, COALESCE(d.subject, k.title) AS subject, d.number_notation, d.book_number, d.direction, d.status AS doc_status, \
         d.urgency, d.secrecy, i.deadline, m.body AS message_body, i.task_id FROM inbox_items i \
         LEFT JOIN documents d ON d.id = i.document_id LEFT JOIN tasks k ON k.id = i.task_id LEFT JOIN users u ON u.id = i.from_user_id \
         LEFT JOIN messages m ON m.id = i.message_id {ASSIGNMENT_JOIN} \
         WHERE i.user_id = $1 AND {state} AND i.id < $2{due_sql} ORDER BY i.id DESC LIMIT $3) t"
    );
    let mut query = sqlx::query_scalar(&sql).bind(user_id).bind(before_id.unwrap_or(i64::MAX)).bind(i64::from(limit));
    if let Some((from, to)) = due {
        query = query.bind(from).bind(to);
    }
    let json: Option<String> = query.fetch_one(c).await?;
    let rows: Vec<serde_json::Value> = match json {
        Some(j) => serde_json::from_str(&j).map_err(|e| crate::StorageError::Sql(sqlx::Error::Decode(Box::new(e))))?,
        None => Vec::new(),
    };
    let mut out: Vec<InboxRow> = rows.iter().filter_map(inbox_row).collect();
    // Aggregation order is not guaranteed by SQL; restore newest first.
    out.sort_by_key(|r| std::cmp::Reverse(r.id));
    Ok(out)
}

fn inbox_row(v: &serde_json::Value) -> Option<InboxRow> {
    let a = v.as_array()?;
    let int = |i: usize| a.get(i).and_then(serde_json::Value::as_i64);
    let text = |i: usize| a.get(i).and_then(serde_json::Value::as_str).map(str::to_string);
    Some(InboxRow {
        id: int(0)?,
        kind: text(1)?,
        document_id: int(2),
        message_id: int(3),
        ref_id: int(4),
        from_name: text(5),
        note: text(6),
        created_at: int(7)?,
        read_at: int(8),
        done_at: int(9),
        subject: text(10),
        number_notation: text(11),
        book_number: int(12),
        direction: text(13),
        doc_status: text(14),
        urgency: text(15),
        secrecy: text(16),
        deadline: text(17),
        message_body: text(18),
        task_id: int(19),
    })
}

/// Number of a person's open items about documents due in `[from, to)` (ISO dates), capped at `cap`.
pub async fn open_due_count(c: &mut AnyConnection, user_id: i64, from: &str, to: &str, cap: i64) -> Result<i64> {
    Ok(sqlx::query_scalar(
        "SELECT COUNT(*) FROM (SELECT 1 FROM inbox_items i WHERE i.user_id = $1 AND i.done_at IS NULL \
         AND i.deadline >= $2 AND i.deadline < $3 LIMIT $4) t",
    )
    .bind(user_id)
    .bind(from)
    .bind(to)
    .bind(cap)
    .fetch_one(c)
    .await?)
}

/// A part someone gave or passed on that is still open below them ("Đã chuyển – đang theo dõi").
#[derive(Clone, Debug, FromRow, PartialEq, Eq)]
pub struct FollowRow {
    pub id: i64,
    pub document_id: i64,
    pub subject: String,
    pub number_notation: Option<String>,
    pub urgency: String,
    pub kind: String,
    pub assignee_name: String,
    pub status: String,
    pub progress: i64,
    pub deadline: Option<String>,
    pub updated_at: i64,
}

/// Still open below the giver: not yet accepted (open, passed further on, or reported).
const FOLLOW_WHERE: &str = "a.assigner_id = $1 AND a.status IN ('open', 'passed', 'submitted') \
     AND a.kind IN ('lead', 'cooperate')";

/// The parts `user_id` gave or passed on that are still open, newest first, keyset-paged by id.
pub async fn following(
    c: &mut AnyConnection,
    user_id: i64,
    before_id: Option<i64>,
    limit: u32,
) -> Result<Vec<FollowRow>> {
    Ok(sqlx::query_as(&format!(
        "SELECT a.id, a.document_id, d.subject, d.number_notation, d.urgency, a.kind, \
         COALESCE(ub.full_name, un.name, '') AS assignee_name, a.status, a.progress, a.deadline, a.updated_at \
         FROM assignments a JOIN documents d ON d.id = a.document_id \
         LEFT JOIN users ub ON ub.id = a.assignee_user_id LEFT JOIN units un ON un.id = a.assignee_unit_id \
         WHERE {FOLLOW_WHERE} AND a.id < $2 ORDER BY a.id DESC LIMIT $3"
    ))
    .bind(user_id)
    .bind(before_id.unwrap_or(i64::MAX))
    .bind(i64::from(limit))
    .fetch_all(c)
    .await?)
}

/// How many parts `user_id` follows ([`following`]), capped at `cap`.
pub async fn following_count(c: &mut AnyConnection, user_id: i64, cap: i64) -> Result<i64> {
    Ok(sqlx::query_scalar(&format!(
        "SELECT COUNT(*) FROM (SELECT 1 FROM assignments a WHERE {FOLLOW_WHERE} LIMIT $2) t"
    ))
    .bind(user_id)
    .bind(cap)
    .fetch_one(c)
    .await?)
}

/// An open inbox item whose deadline calls for an alert of some kind: (item, person, document,
/// task) — a document or a task.
pub type AlertDue = (i64, i64, Option<i64>, Option<i64>);

/// Open items that ask for action (presented, assigned, returned, to approve, for comments)
/// whose own deadline (the assignment's, else the document's) lies in `[from, to)` (ISO dates)
/// and that have no `kind` alert yet; oldest first, at most `limit`.
pub async fn alerts_due(c: &mut AnyConnection, kind: &str, from: &str, to: &str, limit: i64) -> Result<Vec<AlertDue>> {
    Ok(sqlx::query_as(
        "SELECT i.id, i.user_id, i.document_id, i.task_id FROM inbox_items i WHERE i.done_at IS NULL \
         AND ((i.document_id IS NOT NULL AND i.kind IN ('present', 'assignment', 'returned', 'approve', 'consult')) \
          OR (i.task_id IS NOT NULL AND i.kind IN ('task', 'task_returned'))) \
         AND i.deadline >= $1 AND i.deadline < $2 \
         AND NOT EXISTS (SELECT 1 FROM notifications n WHERE n.inbox_item_id = i.id AND n.kind = $3) \
         ORDER BY i.id LIMIT $4",
    )
    .bind(from)
    .bind(to)
    .bind(kind)
    .bind(limit)
    .fetch_all(c)
    .await?)
}

/// Number of open items in a person's inbox, capped at `cap`.
pub async fn open_count(c: &mut AnyConnection, user_id: i64, cap: i64) -> Result<i64> {
    Ok(sqlx::query_scalar(
        "SELECT COUNT(*) FROM (SELECT 1 FROM inbox_items WHERE user_id = $1 AND done_at IS NULL LIMIT $2) t",
    )
    .bind(user_id)
    .bind(cap)
    .fetch_one(c)
    .await?)
}

/// Closes a person's open items about a document of the given kinds (their part is done).
pub async fn close_items(
    c: &mut AnyConnection,
    user_id: i64,
    document_id: i64,
    kinds: &[&str],
    now: i64,
) -> Result<u64> {
    let mut total = 0;
    for kind in kinds {
        total += sqlx::query(
            "UPDATE inbox_items SET done_at = $1 WHERE user_id = $2 AND document_id = $3 AND kind = $4 \
             AND done_at IS NULL",
        )
        .bind(now)
        .bind(user_id)
        .bind(document_id)
        .bind(*kind)
        .execute(&mut *c)
        .await?
        .rows_affected();
    }
    Ok(total)
}

/// Closes every open item referring to `ref_id` of `kind` (for everyone: one of a unit's
/// heads took the work).
pub async fn close_items_by_ref(c: &mut AnyConnection, kind: &str, ref_id: i64, now: i64) -> Result<u64> {
    Ok(sqlx::query("UPDATE inbox_items SET done_at = $1 WHERE kind = $2 AND ref_id = $3 AND done_at IS NULL")
        .bind(now)
        .bind(kind)
        .bind(ref_id)
        .execute(c)
        .await?
        .rows_affected())
}

/// Marks one of a person's items read or done; false when it is not theirs.
pub async fn mark_item(c: &mut AnyConnection, user_id: i64, id: i64, done: bool, now: i64) -> Result<bool> {
    let sql = if done {
        "UPDATE inbox_items SET done_at = COALESCE(done_at, $1), read_at = COALESCE(read_at, $1) \
         WHERE id = $2 AND user_id = $3"
    } else {
        "UPDATE inbox_items SET read_at = COALESCE(read_at, $1) WHERE id = $2 AND user_id = $3"
    };
    Ok(sqlx::query(sql).bind(now).bind(id).bind(user_id).execute(c).await?.rows_affected() == 1)
}

/// Whether a person has unread inbox items about a document.
pub async fn has_unread(c: &mut AnyConnection, user_id: i64, document_id: i64) -> Result<bool> {
    let found: Option<i64> = sqlx::query_scalar(
        "SELECT 1 FROM inbox_items WHERE user_id = $1 AND document_id = $2 AND read_at IS NULL LIMIT 1",
    )
    .bind(user_id)
    .bind(document_id)
    .fetch_optional(c)
    .await?;
    Ok(found.is_some())
}

/// Marks a person's items about a document read (they opened it).
pub async fn mark_document_read(c: &mut AnyConnection, user_id: i64, document_id: i64, now: i64) -> Result<()> {
    sqlx::query("UPDATE inbox_items SET read_at = $1 WHERE user_id = $2 AND document_id = $3 AND read_at IS NULL")
        .bind(now)
        .bind(user_id)
        .bind(document_id)
        .execute(c)
        .await?;
    Ok(())
}

/// Stores a free internal message and returns its id.
pub async fn insert_message(
    c: &mut AnyConnection,
    sender_id: i64,
    body: &str,
    document_id: Option<i64>,
    now: i64,
) -> Result<i64> {
    Ok(sqlx::query_scalar(
        "INSERT INTO messages (sender_id, body, document_id, created_at) VALUES ($1, $2, $3, $4) RETURNING id",
    )
    .bind(sender_id)
    .bind(body)
    .bind(document_id)
    .bind(now)
    .fetch_one(c)
    .await?)
}

/// Attaches a stored file to a message.
pub async fn attach_message_file(c: &mut AnyConnection, message_id: i64, file_id: i64) -> Result<()> {
    sqlx::query("INSERT INTO message_files (message_id, file_id) VALUES ($1, $2)")
        .bind(message_id)
        .bind(file_id)
        .execute(c)
        .await?;
    Ok(())
}

/// Files of a message: (file id, name, size).
pub async fn message_files(c: &mut AnyConnection, message_id: i64) -> Result<Vec<(i64, String, i64)>> {
    Ok(sqlx::query_as(
        "SELECT f.id, f.file_name, f.size FROM message_files mf JOIN stored_files f ON f.id = mf.file_id \
         WHERE mf.message_id = $1 ORDER BY f.id",
    )
    .bind(message_id)
    .fetch_all(c)
    .await?)
}

/// People holding one of `positions` in unit `unit_id` (active accounts), e.g. a unit's heads.
pub async fn unit_members(c: &mut AnyConnection, unit_id: i64, positions: &[&str]) -> Result<Vec<(i64, String)>> {
    let mut rows: Vec<(i64, String, String)> = sqlx::query_as(
        "SELECT DISTINCT u.id, u.full_name, p.position FROM positions p JOIN users u ON u.id = p.user_id \
         WHERE p.unit_id = $1 AND u.active = 1 ORDER BY u.id",
    )
    .bind(unit_id)
    .fetch_all(c)
    .await?;
    if !positions.is_empty() {
        rows.retain(|(_, _, p)| positions.contains(&p.as_str()));
    }
    let mut out: Vec<(i64, String)> = rows.into_iter().map(|(id, name, _)| (id, name)).collect();
    out.dedup_by_key(|(id, _)| *id);
    Ok(out)
}

/// Active people holding the clerk role in an agency.
pub async fn agency_clerks(c: &mut AnyConnection, agency_id: i64) -> Result<Vec<i64>> {
    Ok(sqlx::query_scalar(
        "SELECT DISTINCT g.user_id FROM role_grants g JOIN users u ON u.id = g.user_id \
         WHERE g.agency_id = $1 AND g.role = 'clerk' AND u.active = 1 ORDER BY g.user_id",
    )
    .bind(agency_id)
    .fetch_all(c)
    .await?)
}

/// A person's positions with their units' paths: (agency id, unit id, unit path, position).
pub async fn holdings_of(
    c: &mut AnyConnection,
    user_id: i64,
) -> Result<Vec<(i64, Option<i64>, Option<String>, String)>> {
    Ok(sqlx::query_as(
        "SELECT p.agency_id, p.unit_id, un.path, p.position FROM positions p LEFT JOIN units un ON un.id = p.unit_id \
         JOIN users u ON u.id = p.user_id WHERE p.user_id = $1 AND u.active = 1 ORDER BY p.id",
    )
    .bind(user_id)
    .fetch_all(c)
    .await?)
}

/// A position someone holds, with names for pickers: who can be given work.
#[derive(Clone, Debug, FromRow, PartialEq, Eq)]
pub struct PersonPosition {
    pub user_id: i64,
    pub full_name: String,
    pub agency_id: i64,
    pub unit_id: Option<i64>,
    pub unit_path: Option<String>,
    pub unit_name: Option<String>,
    pub position: String,
}

/// Every active person's positions in `agencies`, by unit and name.
pub async fn people_of(c: &mut AnyConnection, agencies: &[i64]) -> Result<Vec<PersonPosition>> {
    let mut q = crate::query::Sql::new(
        "SELECT u.id AS user_id, u.full_name, p.agency_id, p.unit_id, un.path AS unit_path, un.name AS unit_name, \
         p.position FROM positions p JOIN users u ON u.id = p.user_id LEFT JOIN units un ON un.id = p.unit_id \
         WHERE u.active = 1 AND p.agency_id",
    );
    q.in_ints(agencies).push(" ORDER BY p.agency_id, un.path, p.position, u.full_name");
    q.fetch_all(c).await
}

/// Units of `agencies` (id, agency id, path, name), in tree order.
pub async fn units_of(c: &mut AnyConnection, agencies: &[i64]) -> Result<Vec<(i64, i64, String, String)>> {
    let mut q = crate::query::Sql::new("SELECT id, agency_id, path, name FROM units WHERE active = 1 AND agency_id");
    q.in_ints(agencies).push(" ORDER BY agency_id, path");
    q.fetch_all(c).await
}

/// Closes every open inbox item about a document (it was revoked).
pub async fn close_document_items(c: &mut AnyConnection, document_id: i64, now: i64) -> Result<u64> {
    Ok(sqlx::query("UPDATE inbox_items SET done_at = $1 WHERE document_id = $2 AND done_at IS NULL")
        .bind(now)
        .bind(document_id)
        .execute(c)
        .await?
        .rows_affected())
}
