//! Moving the demo's seeded work back in time: only the demo seed uses this (`egov serve --demo`),
//! so that a month of work made in one go reads as a month (arrivals, deadlines, overdue items).

use sqlx::AnyConnection;

use crate::Result;

/// Tables that hang off a document, with their millisecond columns and their ISO date columns.
const DOCUMENT_PARTS: &[(&str, &[&str], &[&str])] = &[
    ("assignments", &["created_at", "updated_at", "finished_at"], &["deadline"]),
    ("document_events", &["at"], &[]),
    ("review_steps", &["created_at", "decided_at"], &["deadline"]),
    ("inbox_items", &["created_at", "read_at", "done_at"], &[]),
    ("document_access", &["created_at"], &[]),
    ("document_files", &["added_at"], &[]),
    ("document_recipients", &["updated_at"], &[]),
    ("messages", &["created_at"], &[]),
    ("notifications", &["created_at", "read_at"], &[]),
];

/// Moves a document and everything about it `days` days into the past: timestamps by that many
/// days, and ISO dates (`issued_on`, deadlines) through `shift_date` (the caller's calendar).
pub async fn backdate_document(
    c: &mut AnyConnection,
    document_id: i64,
    days: i64,
    shift_date: &dyn Fn(&str) -> Option<String>,
) -> Result<()> {
    let ms = days * 86_400_000;
    sqlx::query(
        "UPDATE documents SET created_at = created_at - $1, updated_at = updated_at - $1, \
         received_at = received_at - $1, registered_at = registered_at - $1, revoked_at = revoked_at - $1 \
         WHERE id = $2",
    )
    .bind(ms)
    .bind(document_id)
    .execute(&mut *c)
    .await?;
    shift_dates(c, "documents", "id", document_id, &["issued_on", "deadline"], shift_date).await?;
    for (table, stamps, dates) in DOCUMENT_PARTS {
        let set: Vec<String> = stamps.iter().map(|s| format!("{s} = {s} - $1")).collect();
        sqlx::query(&format!("UPDATE {table} SET {} WHERE document_id = $2", set.join(", ")))
            .bind(ms)
            .bind(document_id)
            .execute(&mut *c)
            .await?;
        if !dates.is_empty() {
            shift_dates(c, table, "document_id", document_id, dates, shift_date).await?;
        }
    }
    Ok(())
}

/// Moves a free message (not about a document) and its inbox items `days` days back.
pub async fn backdate_message(c: &mut AnyConnection, message_id: i64, days: i64) -> Result<()> {
    let ms = days * 86_400_000;
    sqlx::query("UPDATE messages SET created_at = created_at - $1 WHERE id = $2")
        .bind(ms)
        .bind(message_id)
        .execute(&mut *c)
        .await?;
    sqlx::query(
        "UPDATE inbox_items SET created_at = created_at - $1, read_at = read_at - $1, done_at = done_at - $1 \
         WHERE message_id = $2",
    )
    .bind(ms)
    .bind(message_id)
    .execute(&mut *c)
    .await?;
    sqlx::query(
        "UPDATE notifications SET created_at = created_at - $1, read_at = read_at - $1 \
         WHERE inbox_item_id IN (SELECT id FROM inbox_items WHERE message_id = $2)",
    )
    .bind(ms)
    .bind(message_id)
    .execute(&mut *c)
    .await?;
    Ok(())
}

async fn shift_dates(
    c: &mut AnyConnection,
    table: &str,
    key: &str,
    document_id: i64,
    columns: &[&str],
    shift_date: &dyn Fn(&str) -> Option<String>,
) -> Result<()> {
    // Every table here has its own `id`; `key` links the rows to the document.
    for col in columns {
        let rows: Vec<(i64, String)> =
            sqlx::query_as(&format!("SELECT id, {col} FROM {table} WHERE {key} = $1 AND {col} IS NOT NULL"))
                .bind(document_id)
                .fetch_all(&mut *c)
                .await?;
        for (id, value) in rows {
            if let Some(shifted) = shift_date(&value) {
                sqlx::query(&format!("UPDATE {table} SET {col} = $1 WHERE id = $2"))
                    .bind(shifted)
                    .bind(id)
                    .execute(&mut *c)
                    .await?;
            }
        }
    }
    Ok(())
}
