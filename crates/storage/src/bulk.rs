//! Bulk loading of documents for benchmarks and large demos: many rows per statement, in the
//! caller's transaction, bypassing the per-document workflow (no files, no timeline, no audit).
//! Never used by request handling.

use sqlx::AnyConnection;

use crate::Result;

/// One document to load: its subject, its folded search text and its number in the book.
#[derive(Clone, Debug)]
pub struct BulkDocument {
    pub subject: String,
    pub folded: String,
    pub number_notation: String,
    pub book_number: i64,
    pub urgency: &'static str,
}

/// Inserts registered incoming documents of `agency_id` into `book_id`, indexes them for search,
/// gives `access_user` explicit access to every `access_every`-th one and puts every
/// `inbox_every`-th one in `inbox_user`'s inbox. Returns the new ids.
#[allow(clippy::too_many_arguments)]
pub async fn documents(
    c: &mut AnyConnection,
    agency_id: i64,
    book_id: i64,
    created_by: i64,
    docs: &[BulkDocument],
    access: Option<(i64, usize)>,
    inbox: Option<(i64, usize)>,
    now: i64,
) -> Result<Vec<i64>> {
    let mut ids = Vec::with_capacity(docs.len());
    for chunk in docs.chunks(500) {
        let mut sql = String::from(
            "INSERT INTO documents (agency_id, direction, status, agency_wide, book_id, book_number, year, doc_type, \
             number_notation, issued_on, subject, sender_code, sender_name, urgency, secrecy, legal_normative, \
             received_at, registered_at, version, created_by, created_at, updated_at) VALUES ",
        );
        let mut n = 0;
        for (i, _) in chunk.iter().enumerate() {
            if i > 0 {
                sql.push_str(", ");
            }
            sql.push_str(&format!(
                "($1, 'incoming', 'registered', 1, $2, ${}, 2026, 'cong_van', ${}, '2026-01-15', ${}, 'H41.13', \
                 'Sở Tài chính', ${}, 'none', 0, $3, $3, 1, $4, $3, $3)",
                5 + n,
                6 + n,
                7 + n,
                8 + n
            ));
            n += 4;
        }
        sql.push_str(" RETURNING id");
        let mut q = sqlx::query_scalar::<_, i64>(&sql).bind(agency_id).bind(book_id).bind(now).bind(created_by);
        for d in chunk {
            q = q.bind(d.book_number).bind(d.number_notation.as_str()).bind(d.subject.as_str()).bind(d.urgency);
        }
        let mut new_ids = q.fetch_all(&mut *c).await?;
        new_ids.sort_unstable();
        let mut fts = String::from("INSERT INTO document_fts (rowid, body) VALUES ");
        for i in 0..chunk.len() {
            if i > 0 {
                fts.push_str(", ");
            }
            fts.push_str(&format!("(${}, ${})", 2 * i + 1, 2 * i + 2));
        }
        let mut q = sqlx::query(&fts);
        for (id, d) in new_ids.iter().zip(chunk) {
            q = q.bind(*id).bind(d.folded.as_str());
        }
        q.execute(&mut *c).await?;
        ids.extend(new_ids);
    }
    if let Some((user, every)) = access {
        for chunk in ids.iter().step_by(every.max(1)).collect::<Vec<_>>().chunks(500) {
            let mut sql =
                String::from("INSERT INTO document_access (document_id, user_id, reason, created_at) VALUES ");
            for i in 0..chunk.len() {
                if i > 0 {
                    sql.push_str(", ");
                }
                sql.push_str(&format!("(${}, $1, 'assigned', $2)", i + 3));
            }
            let mut q = sqlx::query(&sql).bind(user).bind(now);
            for id in chunk {
                q = q.bind(**id);
            }
            q.execute(&mut *c).await?;
        }
    }
    if let Some((user, every)) = inbox {
        for chunk in ids.iter().step_by(every.max(1)).collect::<Vec<_>>().chunks(500) {
            let mut sql =
                String::from("INSERT INTO inbox_items (user_id, kind, document_id, created_at, deadline) VALUES ");
            for i in 0..chunk.len() {
                if i > 0 {
                    sql.push_str(", ");
                }
                let n = i + 3;
                sql.push_str(&format!(
                    "($1, 'assignment', ${n}, $2, (SELECT deadline FROM documents WHERE id = ${n}))"
                ));
            }
            let mut q = sqlx::query(&sql).bind(user).bind(now);
            for id in chunk {
                q = q.bind(**id);
            }
            q.execute(&mut *c).await?;
        }
    }
    Ok(ids)
}

/// Moves a book's next number past the numbers loaded in bulk.
pub async fn set_next_number(c: &mut AnyConnection, book_id: i64, next: i64) -> Result<()> {
    sqlx::query("UPDATE register_books SET next_number = $1 WHERE id = $2").bind(next).bind(book_id).execute(c).await?;
    Ok(())
}

/// One handled item of the work benchmark: given on `given` (ms), due on `deadline`, done at
/// `done` (ms) or still open.
#[derive(Clone, Debug)]
pub struct BulkItem {
    pub lead: i64,
    pub given: i64,
    pub deadline: String,
    pub done: Option<i64>,
}

/// Loads `items.len()` incoming documents of `agency_id`, each with a top lead part given by
/// `assigner` to the item's lead (done or open); the values are the benchmark's own numbers and
/// ISO dates, written inline. Returns how many were loaded.
pub async fn handled_documents(
    c: &mut AnyConnection,
    agency_id: i64,
    assigner: i64,
    items: &[BulkItem],
) -> Result<usize> {
    let first: i64 = sqlx::query_scalar("SELECT COALESCE(MAX(id), 0) + 1 FROM documents").fetch_one(&mut *c).await?;
    let first_a: i64 =
        sqlx::query_scalar("SELECT COALESCE(MAX(id), 0) + 1 FROM assignments").fetch_one(&mut *c).await?;
    for (k, chunk) in items.chunks(500).enumerate() {
        let base = first + (k * 500) as i64;
        let mut docs = String::from(
            "INSERT INTO documents (id, agency_id, direction, status, agency_wide, year, doc_type, subject, urgency, \
             secrecy, legal_normative, deadline, received_at, registered_at, version, created_by, created_at, updated_at) VALUES ",
        );
        let mut parts = String::from(
            "INSERT INTO assignments (id, document_id, kind, assigner_id, assignee_user_id, deadline, status, progress, \
             depth, created_at, updated_at, finished_at, agency_id) VALUES ",
        );
        for (i, it) in chunk.iter().enumerate() {
            let id = base + i as i64;
            let sep = if i > 0 { ", " } else { "" };
            let status = if it.done.is_some() { "done" } else { "assigned" };
            docs.push_str(&format!(
                "{sep}({id}, {agency_id}, 'incoming', '{status}', 1, 2026, 'cong_van', 'Văn bản số {id}', 'normal', 'none', 0, \
                 '{}', {g}, {g}, 1, {assigner}, {g}, {g})",
                it.deadline,
                g = it.given
            ));
            let (st, fin) = match it.done {
                Some(d) => ("done", d.to_string()),
                None => ("open", "NULL".into()),
            };
            parts.push_str(&format!(
                "{sep}({}, {id}, 'lead', {assigner}, {}, '{}', '{st}', 0, 1, {g}, {g}, {fin}, {agency_id})",
                first_a + id - first,
                it.lead,
                it.deadline,
                g = it.given
            ));
        }
        sqlx::query(&docs).execute(&mut *c).await?;
        sqlx::query(&parts).execute(&mut *c).await?;
    }
    Ok(items.len())
}

/// Loads top-level tasks of `agency_id` given by `assigner` (done ones reported at `done`).
pub async fn tasks(c: &mut AnyConnection, agency_id: i64, assigner: i64, items: &[BulkItem]) -> Result<usize> {
    for chunk in items.chunks(500) {
        let mut sql = String::from(
            "INSERT INTO tasks (agency_id, depth, title, description, assigner_id, lead_id, priority, deadline, weight, \
             progress, progress_set, status, submitted_at, closed_at, created_at, updated_at) VALUES ",
        );
        for (i, it) in chunk.iter().enumerate() {
            let sep = if i > 0 { ", " } else { "" };
            let (st, at) = match it.done {
                Some(d) => ("done", d.to_string()),
                None => ("open", "NULL".into()),
            };
            sql.push_str(&format!(
                "{sep}({agency_id}, 0, 'Công việc', '', {assigner}, {}, 'normal', '{}', 1, 0, 0, '{st}', {at}, {at}, {g}, {g})",
                it.lead,
                it.deadline,
                g = it.given
            ));
        }
        sqlx::query(&sql).execute(&mut *c).await?;
    }
    Ok(items.len())
}
