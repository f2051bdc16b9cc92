//! Register books and their numbers, documents, their stored files and access grants, and the
//! full-text index.
//!
//! Every query that returns documents takes a [`DocumentScope`] and applies it in SQL, so a
//! list, a count or a search never touches a row the caller may not see.

use egov_domain::authz::DocumentScope;
use sqlx::{AnyConnection, FromRow};

use crate::query::Sql;
use crate::{Engine, Flag, Result};

/// A register book: one numbering series of one agency for one year.
#[derive(Clone, Debug, FromRow, PartialEq, Eq)]
pub struct BookRow {
    pub id: i64,
    pub agency_id: i64,
    pub year: i64,
    pub direction: String,
    pub series: String,
    pub name: String,
    pub next_number: i64,
    pub created_at: i64,
}

const BOOK_COLS: &str = "id, agency_id, year, direction, series, name, next_number, created_at";

/// The book of `agency_id` for (`year`, `direction`, `series`), created (starting at 1) if it
/// does not exist yet. Safe under concurrency: a racing creation is ignored.
pub async fn ensure_book(
    c: &mut AnyConnection,
    agency_id: i64,
    year: i64,
    direction: &str,
    series: &str,
    name: &str,
    now: i64,
) -> Result<BookRow> {
    sqlx::query(
        "INSERT INTO register_books (agency_id, year, direction, series, name, next_number, created_at) \
         VALUES ($1, $2, $3, $4, $5, 1, $6) ON CONFLICT (agency_id, year, direction, series) DO NOTHING",
    )
    .bind(agency_id)
    .bind(year)
    .bind(direction)
    .bind(series)
    .bind(name)
    .bind(now)
    .execute(&mut *c)
    .await?;
    Ok(sqlx::query_as(&format!(
        "SELECT {BOOK_COLS} FROM register_books WHERE agency_id = $1 AND year = $2 AND direction = $3 AND series = $4"
    ))
    .bind(agency_id)
    .bind(year)
    .bind(direction)
    .bind(series)
    .fetch_one(c)
    .await?)
}

/// Takes the next number of the book of `agency_id` for (`year`, `direction`, `series`) in one
/// statement, creating the book (named `name`) on its first use. Returns (book id, book name,
/// number). Call it inside the transaction that stores the numbered document: the row lock
/// (PostgreSQL) or the single writer (SQLite) orders takers, and a rollback gives the number
/// back, so numbers are never skipped or repeated.
#[allow(clippy::too_many_arguments)]
pub async fn take_number_in(
    c: &mut AnyConnection,
    agency_id: i64,
    year: i64,
    direction: &str,
    series: &str,
    name: &str,
    now: i64,
) -> Result<(i64, String, i64)> {
    for _ in 0..2 {
        let taken: Option<(i64, String, i64)> = sqlx::query_as(
            "UPDATE register_books SET next_number = next_number + 1 WHERE agency_id = $1 AND year = $2 \
             AND direction = $3 AND series = $4 RETURNING id, name, next_number - 1",
        )
        .bind(agency_id)
        .bind(year)
        .bind(direction)
        .bind(series)
        .fetch_optional(&mut *c)
        .await?;
        if let Some(t) = taken {
            return Ok(t);
        }
        ensure_book(c, agency_id, year, direction, series, name, now).await?;
    }
    Err(crate::StorageError::Reference)
}

/// Adds a new document to the full-text index (`body` already folded).
pub async fn index_new_document(c: &mut AnyConnection, id: i64, body: &str) -> Result<()> {
    sqlx::query("INSERT INTO document_fts (rowid, body) VALUES ($1, $2)").bind(id).bind(body).execute(c).await?;
    Ok(())
}

/// The book with this id, if it belongs to one of `agencies`.
pub async fn get_book(c: &mut AnyConnection, id: i64, agencies: &[i64]) -> Result<Option<BookRow>> {
    let mut q = Sql::new(&format!("SELECT {BOOK_COLS} FROM register_books WHERE id = "));
    q.int(id).push(" AND agency_id").in_ints(agencies);
    q.fetch_optional(c).await
}

/// Books of `agencies`, newest year first.
pub async fn list_books(c: &mut AnyConnection, agencies: &[i64]) -> Result<Vec<BookRow>> {
    let mut q = Sql::new(&format!("SELECT {BOOK_COLS} FROM register_books WHERE agency_id"));
    q.in_ints(agencies).push(" ORDER BY year DESC, direction, series");
    q.fetch_all(c).await
}

/// A stored file's metadata (the bytes live in the content-addressed file store).
#[derive(Clone, Debug, FromRow, PartialEq, Eq)]
pub struct FileRow {
    pub id: i64,
    pub sha256: String,
    pub size: i64,
    pub media_type: String,
    pub file_name: String,
    pub page_count: Option<i64>,
}

/// Values for a stored file.
#[derive(Clone, Debug)]
pub struct NewFile<'a> {
    pub sha256: &'a str,
    pub size: i64,
    pub media_type: &'a str,
    pub file_name: &'a str,
    pub page_count: Option<i64>,
    /// Folded text of the file (PDF text layer) for the search index.
    pub text_folded: Option<&'a str>,
    pub uploaded_by: i64,
}

/// Records a stored file and returns its id.
pub async fn insert_file(c: &mut AnyConnection, f: &NewFile<'_>, now: i64) -> Result<i64> {
    Ok(sqlx::query_scalar(
        "INSERT INTO stored_files (sha256, size, media_type, file_name, page_count, text_folded, uploaded_by, \
         created_at) VALUES ($1, $2, $3, $4, $5, $6, $7, $8) RETURNING id",
    )
    .bind(f.sha256)
    .bind(f.size)
    .bind(f.media_type)
    .bind(f.file_name)
    .bind(f.page_count)
    .bind(f.text_folded)
    .bind(f.uploaded_by)
    .bind(now)
    .fetch_one(c)
    .await?)
}

/// A document as stored (incoming or outgoing).
#[derive(Clone, Debug, FromRow, PartialEq, Eq)]
pub struct DocumentRow {
    pub id: i64,
    pub agency_id: i64,
    pub direction: String,
    pub status: String,
    #[sqlx(try_from = "Flag")]
    pub agency_wide: bool,
    pub book_id: Option<i64>,
    pub book_number: Option<i64>,
    pub year: i64,
    pub doc_type: String,
    pub number_notation: Option<String>,
    pub issued_on: Option<String>,
    pub subject: String,
    pub sender_agency_id: Option<i64>,
    pub sender_code: Option<String>,
    pub sender_name: Option<String>,
    pub urgency: String,
    pub secrecy: String,
    #[sqlx(try_from = "Flag")]
    pub legal_normative: bool,
    pub deadline: Option<String>,
    pub page_count: Option<i64>,
    pub signer: Option<String>,
    pub unit_id: Option<i64>,
    pub recipients_text: Option<String>,
    pub received_at: Option<i64>,
    pub registered_at: Option<i64>,
    pub origin_document_id: Option<i64>,
    pub replaces_id: Option<i64>,
    pub revoked_at: Option<i64>,
    pub revoke_reason: Option<String>,
    pub version: i64,
    /// '' (not signed), 'signed' (personal signature on the main file), 'sealed' (organisation signature too).
    pub signature_state: String,
    /// The edXML DocumentId when the document arrived through the exchange.
    pub exchange_id: Option<String>,
    pub created_by: i64,
    pub created_at: i64,
    pub updated_at: i64,
}

const DOC_COLS: &str = "d.id, d.agency_id, d.direction, d.status, d.agency_wide, d.book_id, d.book_number, d.year, \
     d.doc_type, d.number_notation, d.issued_on, d.subject, d.sender_agency_id, d.sender_code, d.sender_name, \
     d.urgency, d.secrecy, d.legal_normative, d.deadline, d.page_count, d.signer, d.unit_id, d.recipients_text, \
     d.received_at, d.registered_at, d.origin_document_id, d.replaces_id, d.revoked_at, d.revoke_reason, d.version, \
     d.signature_state, d.exchange_id, d.created_by, d.created_at, d.updated_at";

/// Values for a new document. Numbered documents carry their book and number, taken in the
/// same transaction with [`take_number`].
#[derive(Clone, Debug, Default)]
pub struct NewDocument<'a> {
    pub agency_id: i64,
    pub direction: &'a str,
    pub status: &'a str,
    pub agency_wide: bool,
    pub book_id: Option<i64>,
    pub book_number: Option<i64>,
    pub year: i64,
    pub doc_type: &'a str,
    pub number_notation: Option<&'a str>,
    pub issued_on: Option<&'a str>,
    pub subject: &'a str,
    pub sender_agency_id: Option<i64>,
    pub sender_code: Option<&'a str>,
    pub sender_name: Option<&'a str>,
    pub urgency: &'a str,
    pub secrecy: &'a str,
    pub legal_normative: bool,
    pub deadline: Option<&'a str>,
    pub page_count: Option<i64>,
    pub signer: Option<&'a str>,
    pub unit_id: Option<i64>,
    pub recipients_text: Option<&'a str>,
    pub received_at: Option<i64>,
    pub registered_at: Option<i64>,
    pub origin_document_id: Option<i64>,
    pub replaces_id: Option<i64>,
    pub created_by: i64,
}

/// Inserts a document and returns its id.
pub async fn insert_document(c: &mut AnyConnection, d: &NewDocument<'_>, now: i64) -> Result<i64> {
    Ok(sqlx::query_scalar(
        "INSERT INTO documents (agency_id, direction, status, agency_wide, book_id, book_number, year, doc_type, \
         number_notation, issued_on, subject, sender_agency_id, sender_code, sender_name, urgency, secrecy, \
         legal_normative, deadline, page_count, signer, unit_id, recipients_text, received_at, registered_at, \
         origin_document_id, replaces_id, version, created_by, created_at, updated_at) \
         VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $14, $15, $16, $17, $18, $19, $20, $21, \
         $22, $23, $24, $25, $26, 1, $27, $28, $28) RETURNING id",
    )
    .bind(d.agency_id)
    .bind(d.direction)
    .bind(d.status)
    .bind(i64::from(d.agency_wide))
    .bind(d.book_id)
    .bind(d.book_number)
    .bind(d.year)
    .bind(d.doc_type)
    .bind(d.number_notation)
    .bind(d.issued_on)
    .bind(d.subject)
    .bind(d.sender_agency_id)
    .bind(d.sender_code)
    .bind(d.sender_name)
    .bind(d.urgency)
    .bind(d.secrecy)
    .bind(i64::from(d.legal_normative))
    .bind(d.deadline)
    .bind(d.page_count)
    .bind(d.signer)
    .bind(d.unit_id)
    .bind(d.recipients_text)
    .bind(d.received_at)
    .bind(d.registered_at)
    .bind(d.origin_document_id)
    .bind(d.replaces_id)
    .bind(d.created_by)
    .bind(now)
    .fetch_one(c)
    .await?)
}

/// The document with this id, if `scope` reaches it.
pub async fn get_document(c: &mut AnyConnection, id: i64, scope: &DocumentScope) -> Result<Option<DocumentRow>> {
    let mut q = Sql::new(&format!("SELECT {DOC_COLS} FROM documents d WHERE d.id = "));
    q.int(id).doc_visible(scope);
    q.fetch_optional(c).await
}

/// The document with this id, without an access check (for workflow steps that checked
/// access another way, e.g. through the caller's own inbox item).
pub async fn get_document_unchecked(c: &mut AnyConnection, id: i64) -> Result<Option<DocumentRow>> {
    let mut q = Sql::new(&format!("SELECT {DOC_COLS} FROM documents d WHERE d.id = "));
    q.int(id);
    q.fetch_optional(c).await
}

/// The document of `agency_id` that carries the exchange `DocumentId` `exchange_id` (sent or received through
/// the exchange), without an access check: for answers arriving from other agencies.
pub async fn document_by_exchange_id(
    c: &mut AnyConnection,
    agency_id: i64,
    exchange_id: &str,
) -> Result<Option<DocumentRow>> {
    let mut q = Sql::new(&format!("SELECT {DOC_COLS} FROM documents d WHERE d.agency_id = "));
    q.int(agency_id).push(" AND d.exchange_id = ").text(exchange_id);
    q.fetch_optional(c).await
}

/// Documents of one book in number order (the printed register).
pub async fn book_entries(
    c: &mut AnyConnection,
    book_id: i64,
    scope: &DocumentScope,
    after_number: i64,
    limit: u32,
) -> Result<Vec<DocumentRow>> {
    let mut q = Sql::new(&format!("SELECT {DOC_COLS} FROM documents d WHERE d.book_id = "));
    q.int(book_id).push(" AND d.book_number > ").int(after_number).doc_visible(scope);
    q.push(" ORDER BY d.book_number LIMIT ").int(i64::from(limit));
    q.fetch_all(c).await
}

/// Documents of an agency in a given state (for example the "to register" queue), newest first.
pub async fn documents_in_status(
    c: &mut AnyConnection,
    agency_id: i64,
    direction: &str,
    status: &str,
    scope: &DocumentScope,
    limit: u32,
) -> Result<Vec<DocumentRow>> {
    let mut q = Sql::new(&format!("SELECT {DOC_COLS} FROM documents d WHERE d.agency_id = "));
    q.int(agency_id).push(" AND d.direction = ").text(direction).push(" AND d.status = ").text(status);
    q.doc_visible(scope).push(" ORDER BY d.id DESC LIMIT ").int(i64::from(limit));
    q.fetch_all(c).await
}

/// Registered incoming documents of `agency_id` with the same sender's number and notation and
/// date: a likely duplicate registration.
pub async fn likely_duplicates(
    c: &mut AnyConnection,
    agency_id: i64,
    number_notation: &str,
    issued_on: &str,
    sender: &str,
    exclude_id: Option<i64>,
) -> Result<Vec<(i64, Option<i64>)>> {
    Ok(sqlx::query_as(
        "SELECT id, book_number FROM documents WHERE agency_id = $1 AND direction = 'incoming' \
         AND number_notation = $2 AND issued_on = $3 AND (sender_code = $4 OR sender_name = $4) \
         AND status <> 'to_register' AND id <> $5 ORDER BY id",
    )
    .bind(agency_id)
    .bind(number_notation)
    .bind(issued_on)
    .bind(sender)
    .bind(exclude_id.unwrap_or(0))
    .fetch_all(c)
    .await?)
}

/// Changes a document's state; `agency_wide` says whether the agency's clerks and leaders see it.
pub async fn set_status(c: &mut AnyConnection, id: i64, status: &str, agency_wide: bool, now: i64) -> Result<()> {
    sqlx::query("UPDATE documents SET status = $1, agency_wide = $2, updated_at = $3 WHERE id = $4")
        .bind(status)
        .bind(i64::from(agency_wide))
        .bind(now)
        .bind(id)
        .execute(c)
        .await?;
    Ok(())
}

/// Moves a document from `from` to `to` only if it is still in `from`; false when another
/// request changed it first (the loser of a race gets a conflict, not a second transition).
pub async fn transition(c: &mut AnyConnection, id: i64, from: &str, to: &str, now: i64) -> Result<bool> {
    let done = sqlx::query("UPDATE documents SET status = $1, updated_at = $2 WHERE id = $3 AND status = $4")
        .bind(to)
        .bind(now)
        .bind(id)
        .bind(from)
        .execute(c)
        .await?;
    Ok(done.rows_affected() == 1)
}

/// Gives a document its register number (registration of an incoming document, or issue of an
/// outgoing one) and makes it visible agency-wide unless it is secret.
#[derive(Clone, Debug)]
pub struct Numbering<'a> {
    pub book_id: i64,
    pub book_number: i64,
    pub number_notation: Option<&'a str>,
    pub status: &'a str,
    pub agency_wide: bool,
    pub registered_at: i64,
    pub issued_on: Option<&'a str>,
}

/// Applies a [`Numbering`] to a document.
pub async fn set_numbering(c: &mut AnyConnection, id: i64, n: &Numbering<'_>, now: i64) -> Result<()> {
    sqlx::query(
        "UPDATE documents SET book_id = $1, book_number = $2, number_notation = COALESCE($3, number_notation), \
         status = $4, agency_wide = $5, registered_at = $6, issued_on = COALESCE($7, issued_on), updated_at = $8 \
         WHERE id = $9",
    )
    .bind(n.book_id)
    .bind(n.book_number)
    .bind(n.number_notation)
    .bind(n.status)
    .bind(i64::from(n.agency_wide))
    .bind(n.registered_at)
    .bind(n.issued_on)
    .bind(now)
    .bind(id)
    .execute(c)
    .await?;
    Ok(())
}

/// Editable metadata of a draft.
#[derive(Clone, Debug)]
pub struct DraftChange<'a> {
    pub doc_type: &'a str,
    pub subject: &'a str,
    pub urgency: &'a str,
    pub secrecy: &'a str,
    pub legal_normative: bool,
    pub signer: Option<&'a str>,
    pub recipients_text: Option<&'a str>,
    pub page_count: Option<i64>,
}

/// Changes a draft's metadata and bumps its version; returns the new version.
pub async fn update_draft(c: &mut AnyConnection, id: i64, d: &DraftChange<'_>, now: i64) -> Result<i64> {
    Ok(sqlx::query_scalar(
        "UPDATE documents SET doc_type = $1, subject = $2, urgency = $3, secrecy = $4, legal_normative = $5, \
         signer = $6, recipients_text = $7, page_count = COALESCE($8, page_count), version = version + 1, \
         updated_at = $9 WHERE id = $10 RETURNING version",
    )
    .bind(d.doc_type)
    .bind(d.subject)
    .bind(d.urgency)
    .bind(d.secrecy)
    .bind(i64::from(d.legal_normative))
    .bind(d.signer)
    .bind(d.recipients_text)
    .bind(d.page_count)
    .bind(now)
    .bind(id)
    .fetch_one(c)
    .await?)
}

/// Sets a document's subject (a correction sent through the exchange) and bumps its version.
pub async fn set_subject(c: &mut AnyConnection, id: i64, subject: &str, now: i64) -> Result<()> {
    sqlx::query("UPDATE documents SET subject = $1, version = version + 1, updated_at = $2 WHERE id = $3")
        .bind(subject)
        .bind(now)
        .bind(id)
        .execute(c)
        .await?;
    Ok(())
}

/// Bumps a draft's version (a new file was attached) and returns it.
pub async fn bump_version(c: &mut AnyConnection, id: i64, now: i64) -> Result<i64> {
    Ok(sqlx::query_scalar(
        "UPDATE documents SET version = version + 1, updated_at = $1 WHERE id = $2 RETURNING version",
    )
    .bind(now)
    .bind(id)
    .fetch_one(c)
    .await?)
}

/// Marks a document revoked (it stays on record).
pub async fn revoke(c: &mut AnyConnection, id: i64, reason: &str, now: i64) -> Result<()> {
    sqlx::query(
        "UPDATE documents SET status = 'revoked', revoked_at = $1, revoke_reason = $2, updated_at = $1 WHERE id = $3",
    )
    .bind(now)
    .bind(reason)
    .bind(id)
    .execute(c)
    .await?;
    Ok(())
}

/// Copies delivered inside the platform from the outgoing document `origin_id`.
pub async fn delivered_copies(c: &mut AnyConnection, origin_id: i64) -> Result<Vec<(i64, i64, String)>> {
    Ok(sqlx::query_as("SELECT id, agency_id, status FROM documents WHERE origin_document_id = $1 ORDER BY id")
        .bind(origin_id)
        .fetch_all(c)
        .await?)
}

/// A file attached to a document, with its metadata.
#[derive(Clone, Debug, FromRow, PartialEq, Eq)]
pub struct DocumentFileRow {
    pub id: i64,
    pub document_id: i64,
    pub file_id: i64,
    pub version: i64,
    pub role: String,
    pub added_by: i64,
    pub added_at: i64,
    pub sha256: String,
    pub size: i64,
    pub media_type: String,
    pub file_name: String,
    pub page_count: Option<i64>,
}

/// Attaches a stored file to a document.
pub async fn attach_file(
    c: &mut AnyConnection,
    document_id: i64,
    file_id: i64,
    version: i64,
    role: &str,
    by: i64,
    now: i64,
) -> Result<i64> {
    Ok(sqlx::query_scalar(
        "INSERT INTO document_files (document_id, file_id, version, role, added_by, added_at) \
         VALUES ($1, $2, $3, $4, $5, $6) RETURNING id",
    )
    .bind(document_id)
    .bind(file_id)
    .bind(version)
    .bind(role)
    .bind(by)
    .bind(now)
    .fetch_one(c)
    .await?)
}

/// Files of a document, oldest first.
pub async fn document_files(c: &mut AnyConnection, document_id: i64) -> Result<Vec<DocumentFileRow>> {
    Ok(sqlx::query_as(
        "SELECT df.id, df.document_id, df.file_id, df.version, df.role, df.added_by, df.added_at, f.sha256, f.size, \
         f.media_type, f.file_name, f.page_count FROM document_files df JOIN stored_files f ON f.id = df.file_id \
         WHERE df.document_id = $1 ORDER BY df.id",
    )
    .bind(document_id)
    .fetch_all(c)
    .await?)
}

/// A stored file the caller may download: attached to a document in `scope`, or to a message
/// sent to them. Returns the file and, for documents, the document's secrecy.
pub async fn file_for(
    c: &mut AnyConnection,
    file_id: i64,
    scope: &DocumentScope,
) -> Result<Option<(FileRow, Option<(i64, String)>)>> {
    let mut q = Sql::new(
        "SELECT f.id, f.sha256, f.size, f.media_type, f.file_name, f.page_count, d.id AS document_id, d.secrecy \
         FROM document_files df JOIN stored_files f ON f.id = df.file_id JOIN documents d ON d.id = df.document_id \
         WHERE f.id = ",
    );
    q.int(file_id).doc_visible(scope).push(" LIMIT 1");
    #[derive(FromRow)]
    struct FileOfDocument {
        id: i64,
        sha256: String,
        size: i64,
        media_type: String,
        file_name: String,
        page_count: Option<i64>,
        document_id: i64,
        secrecy: String,
    }
    if let Some(r) = q.fetch_optional::<FileOfDocument>(&mut *c).await? {
        let file = FileRow {
            id: r.id,
            sha256: r.sha256,
            size: r.size,
            media_type: r.media_type,
            file_name: r.file_name,
            page_count: r.page_count,
        };
        return Ok(Some((file, Some((r.document_id, r.secrecy)))));
    }
    let row: Option<FileRow> = sqlx::query_as(
        "SELECT f.id, f.sha256, f.size, f.media_type, f.file_name, f.page_count FROM message_files mf \
         JOIN stored_files f ON f.id = mf.file_id JOIN inbox_items i ON i.message_id = mf.message_id \
         JOIN messages m ON m.id = mf.message_id \
         WHERE f.id = $1 AND (i.user_id = $2 OR m.sender_id = $2) LIMIT 1",
    )
    .bind(file_id)
    .bind(scope.user_id)
    .fetch_optional(c)
    .await?;
    Ok(row.map(|f| (f, None)))
}

/// Gives `user_id` explicit access to a document (idempotent).
pub async fn grant_access(
    c: &mut AnyConnection,
    document_id: i64,
    user_id: i64,
    reason: &str,
    by: Option<i64>,
    now: i64,
) -> Result<()> {
    sqlx::query(
        "INSERT INTO document_access (document_id, user_id, reason, granted_by, created_at) \
         VALUES ($1, $2, $3, $4, $5) ON CONFLICT (document_id, user_id) DO NOTHING",
    )
    .bind(document_id)
    .bind(user_id)
    .bind(reason)
    .bind(by)
    .bind(now)
    .execute(c)
    .await?;
    Ok(())
}

/// People given explicit access to a document (ids only, for the search index).
pub async fn access_users(c: &mut AnyConnection, document_id: i64) -> Result<Vec<i64>> {
    Ok(sqlx::query_scalar("SELECT user_id FROM document_access WHERE document_id = $1 ORDER BY user_id")
        .bind(document_id)
        .fetch_all(c)
        .await?)
}

/// People given explicit access to a document, with their names and the reason.
pub async fn access_list(c: &mut AnyConnection, document_id: i64) -> Result<Vec<(i64, String, String)>> {
    Ok(sqlx::query_as(
        "SELECT a.user_id, u.full_name, a.reason FROM document_access a JOIN users u ON u.id = a.user_id \
         WHERE a.document_id = $1 ORDER BY a.created_at, a.user_id",
    )
    .bind(document_id)
    .fetch_all(c)
    .await?)
}

/// Replaces a document's entry in the full-text index with `body` (already folded).
pub async fn index_document(c: &mut AnyConnection, id: i64, body: &str) -> Result<()> {
    sqlx::query("DELETE FROM document_fts WHERE rowid = $1").bind(id).execute(&mut *c).await?;
    sqlx::query("INSERT INTO document_fts (rowid, body) VALUES ($1, $2)").bind(id).bind(body).execute(c).await?;
    Ok(())
}

/// The folded text currently indexed for a document.
pub async fn indexed_text(c: &mut AnyConnection, id: i64) -> Result<Option<String>> {
    Ok(sqlx::query_scalar("SELECT body FROM document_fts WHERE rowid = $1").bind(id).fetch_optional(c).await?)
}

/// Filters of a document search or list.
#[derive(Clone, Debug, Default)]
pub struct SearchFilter<'a> {
    /// Folded search terms (letters and digits only); empty for a plain filtered list.
    pub terms: &'a [String],
    pub direction: Option<&'a str>,
    pub doc_type: Option<&'a str>,
    pub book_id: Option<i64>,
    pub urgency: Option<&'a str>,
    pub status: Option<&'a str>,
    pub sender: Option<&'a str>,
    pub unit_id: Option<i64>,
    /// Created on or after (ms).
    pub from_ms: Option<i64>,
    /// Created before (ms).
    pub to_ms: Option<i64>,
    /// Only documents with an id above this (a slice of the newest documents).
    pub id_above: Option<i64>,
    /// Only documents with an id at most this.
    pub id_at_most: Option<i64>,
}

/// One search hit: the document and its relevance (higher is better; 0 for date order).
#[derive(Clone, Debug, FromRow, PartialEq)]
pub struct SearchHit {
    #[sqlx(flatten)]
    pub document: DocumentRow,
    pub score: f64,
}

/// Reserved prefix of the access tokens written into the search index (see [`acl_tokens`]);
/// search terms never start with it.
pub const ACL_PREFIX: &str = "xacl";

/// The access tokens indexed with a document: `xacla<agency>` when it is shared agency-wide and
/// `xaclu<user>` for every explicit grant. A search ANDs the reader's own tokens into the
/// full-text query, so the index itself skips documents the reader may not see.
pub fn acl_tokens(agency_wide: bool, agency_id: i64, users: &[i64]) -> String {
    let mut out = String::new();
    if agency_wide {
        out.push_str(&format!("{ACL_PREFIX}a{agency_id}"));
    }
    for u in users {
        if !out.is_empty() {
            out.push(' ');
        }
        out.push_str(&format!("{ACL_PREFIX}u{u}"));
    }
    out
}

fn fts_query(engine: Engine, terms: &[String], scope: &DocumentScope) -> String {
    // Terms are letters and digits only (the service folds and splits) and match whole words:
    // Vietnamese is written in syllables that people type whole, and prefix expansion doubled
    // the cost of a search over a million documents.
    let parts = terms.iter().map(|t| match engine {
        Engine::Sqlite => format!("\"{t}\""),
        Engine::Postgres => t.to_string(),
    });
    let mut acl: Vec<String> = scope.wide_agencies.iter().map(|a| format!("{ACL_PREFIX}a{a}")).collect();
    acl.push(format!("{ACL_PREFIX}u{}", scope.user_id));
    match engine {
        Engine::Sqlite => {
            let acl = acl.iter().map(|t| format!("\"{t}\"")).collect::<Vec<_>>().join(" OR ");
            format!("{} AND ({acl})", parts.collect::<Vec<_>>().join(" "))
        }
        Engine::Postgres => format!("{} & ({})", parts.collect::<Vec<_>>().join(" & "), acl.join(" | ")),
    }
}

fn search_sql(engine: Engine, f: &SearchFilter<'_>, scope: &DocumentScope, select: &str) -> Sql {
    let mut q;
    if f.terms.is_empty() {
        q = Sql::new(&format!("SELECT {select} FROM documents d WHERE 1 = 1"));
    } else {
        match engine {
            Engine::Sqlite => {
                q = Sql::new(&format!(
                    "SELECT {select} FROM document_fts s JOIN documents d ON d.id = s.rowid WHERE document_fts MATCH "
                ));
                q.text(fts_query(engine, f.terms, scope));
            }
            Engine::Postgres => {
                q = Sql::new(&format!(
                    "SELECT {select} FROM document_fts s JOIN documents d ON d.id = s.rowid \
                     WHERE s.tsv @@ to_tsquery('simple', "
                ));
                q.text(fts_query(engine, f.terms, scope)).push(")");
            }
        }
    }
    let id_col = if f.terms.is_empty() { "d.id" } else { "s.rowid" };
    if let Some(v) = f.id_above {
        q.push(" AND ").push(id_col).push(" > ").int(v);
    }
    if let Some(v) = f.id_at_most {
        q.push(" AND ").push(id_col).push(" <= ").int(v);
    }
    if let Some(v) = f.direction {
        q.push(" AND d.direction = ").text(v);
    }
    if let Some(v) = f.doc_type {
        q.push(" AND d.doc_type = ").text(v);
    }
    if let Some(v) = f.book_id {
        q.push(" AND d.book_id = ").int(v);
    }
    if let Some(v) = f.urgency {
        q.push(" AND d.urgency = ").text(v);
    }
    if let Some(v) = f.status {
        q.push(" AND d.status = ").text(v);
    }
    if let Some(v) = f.sender {
        q.push(" AND (d.sender_code = ").text(v).push(" OR d.sender_name = ").text(v).push(")");
    }
    if let Some(v) = f.unit_id {
        q.push(" AND (d.unit_id = ").int(v);
        q.push(" OR EXISTS (SELECT 1 FROM assignments a WHERE a.document_id = d.id AND a.assignee_unit_id = ");
        q.int(v).push("))");
    }
    if let Some(v) = f.from_ms {
        q.push(" AND d.created_at >= ").int(v);
    }
    if let Some(v) = f.to_ms {
        q.push(" AND d.created_at < ").int(v);
    }
    q.doc_visible(scope);
    q
}

/// Searches the documents `scope` reaches, newest first (`score` is 0: the service ranks). Walking the index in document order lets the engine stop
/// after `offset + limit` visible hits instead of scoring every match, which keeps a search
/// over millions of documents fast; the service ranks the newest window by relevance.
pub async fn search(
    c: &mut AnyConnection,
    engine: Engine,
    f: &SearchFilter<'_>,
    scope: &DocumentScope,
    offset: u32,
    limit: u32,
) -> Result<Vec<SearchHit>> {
    // A typed zero: PostgreSQL reads a bare `0.0` as NUMERIC, which the Any driver cannot decode
    // into f64 (every date-ordered search that found something answered 500 there).
    let relevance = "CAST(0 AS DOUBLE PRECISION)";
    let select = format!("{DOC_COLS}, {relevance} AS score");
    let mut q = search_sql(engine, f, scope, &select);
    if f.terms.is_empty() {
        q.push(" ORDER BY d.id DESC");
    } else {
        q.push(" ORDER BY s.rowid DESC");
    }
    q.push(" LIMIT ").int(i64::from(limit)).push(" OFFSET ").int(i64::from(offset));
    q.fetch_all(c).await
}

/// A search candidate: enough to rank it without loading the whole row.
#[derive(Clone, Debug, FromRow, PartialEq, Eq)]
pub struct Candidate {
    pub id: i64,
    pub subject: String,
    pub number_notation: Option<String>,
    pub sender_name: Option<String>,
}

/// The newest `limit` documents a search reaches, as ranking candidates. The engine's own
/// scores (bm25, ts_rank) are not asked for: computing them costs more than the whole search
/// at a million documents; the service ranks the candidates itself.
pub async fn search_candidates(
    c: &mut AnyConnection,
    engine: Engine,
    f: &SearchFilter<'_>,
    scope: &DocumentScope,
    limit: u32,
) -> Result<Vec<Candidate>> {
    // One JSON row instead of `limit` rows: on SQLite each result row is a message from the
    // database thread (see handling::inbox).
    let (agg, arr) = engine.json_array_functions();
    let inner = search_sql(engine, f, scope, "d.id, d.subject, d.number_notation, d.sender_name");
    let mut q = Sql::new(&format!(
        "SELECT CAST({agg}({arr}(t.id, t.subject, t.number_notation, t.sender_name)) AS TEXT) FROM ("
    ));
    q.append(inner).push(" ORDER BY s.rowid DESC LIMIT ").int(i64::from(limit)).push(") t");
    let json = q.fetch_optional_text(c).await?;
    let rows: Vec<(i64, String, Option<String>, Option<String>)> = match json {
        Some(j) => serde_json::from_str(&j).map_err(|e| crate::StorageError::Sql(sqlx::Error::Decode(Box::new(e))))?,
        None => Vec::new(),
    };
    let mut out: Vec<Candidate> = rows
        .into_iter()
        .map(|(id, subject, number_notation, sender_name)| Candidate { id, subject, number_notation, sender_name })
        .collect();
    out.sort_by_key(|c| std::cmp::Reverse(c.id));
    Ok(out)
}

/// The highest document id (0 when there are none).
pub async fn max_document_id(c: &mut AnyConnection) -> Result<i64> {
    Ok(sqlx::query_scalar::<_, Option<i64>>("SELECT MAX(id) FROM documents").fetch_one(c).await?.unwrap_or(0))
}

/// Documents by id that `scope` reaches, in the order of `ids`.
pub async fn documents_by_ids(c: &mut AnyConnection, ids: &[i64], scope: &DocumentScope) -> Result<Vec<DocumentRow>> {
    if ids.is_empty() {
        return Ok(Vec::new());
    }
    let mut q = Sql::new(&format!("SELECT {DOC_COLS} FROM documents d WHERE d.id"));
    q.in_ints(ids).doc_visible(scope);
    let mut rows: Vec<DocumentRow> = q.fetch_all(c).await?;
    rows.sort_by_key(|d| ids.iter().position(|i| *i == d.id));
    Ok(rows)
}

/// Counts the documents a search reaches, stopping at `cap` (the count is shown as "cap+").
pub async fn search_count(
    c: &mut AnyConnection,
    engine: Engine,
    f: &SearchFilter<'_>,
    scope: &DocumentScope,
    cap: u32,
) -> Result<i64> {
    let inner = search_sql(engine, f, scope, "d.id");
    let mut q = Sql::new("SELECT COUNT(*) FROM (");
    q.append(inner).push(" LIMIT ").int(i64::from(cap)).push(") t");
    q.fetch_scalar_i64(c).await
}

/// Folded text of every file attached to a document (for the search index).
pub async fn file_texts(c: &mut AnyConnection, document_id: i64) -> Result<Vec<String>> {
    Ok(sqlx::query_scalar(
        "SELECT f.text_folded FROM document_files df JOIN stored_files f ON f.id = df.file_id \
         WHERE df.document_id = $1 AND f.text_folded IS NOT NULL ORDER BY df.id",
    )
    .bind(document_id)
    .fetch_all(c)
    .await?)
}

/// An addressee of an outgoing document and what happened to its copy.
#[derive(Clone, Debug, FromRow, PartialEq, Eq)]
pub struct RecipientRow {
    pub id: i64,
    pub document_id: i64,
    pub agency_id: Option<i64>,
    pub unit_id: Option<i64>,
    pub code: Option<String>,
    pub name: String,
    pub status: String,
    pub delivered_document_id: Option<i64>,
    pub note: Option<String>,
    pub updated_at: i64,
}

/// Adds an addressee to an outgoing document.
pub async fn insert_recipient(
    c: &mut AnyConnection,
    document_id: i64,
    agency_id: Option<i64>,
    unit_id: Option<i64>,
    code: Option<&str>,
    name: &str,
    now: i64,
) -> Result<i64> {
    Ok(sqlx::query_scalar(
        "INSERT INTO document_recipients (document_id, agency_id, unit_id, code, name, status, updated_at) \
         VALUES ($1, $2, $3, $4, $5, 'pending', $6) RETURNING id",
    )
    .bind(document_id)
    .bind(agency_id)
    .bind(unit_id)
    .bind(code)
    .bind(name)
    .bind(now)
    .fetch_one(c)
    .await?)
}

/// Removes the addressees of a draft (before they are set again).
pub async fn clear_recipients(c: &mut AnyConnection, document_id: i64) -> Result<()> {
    sqlx::query("DELETE FROM document_recipients WHERE document_id = $1").bind(document_id).execute(c).await?;
    Ok(())
}

/// Addressees of a document, in order.
pub async fn recipients_of(c: &mut AnyConnection, document_id: i64) -> Result<Vec<RecipientRow>> {
    Ok(sqlx::query_as(
        "SELECT id, document_id, agency_id, unit_id, code, name, status, delivered_document_id, note, updated_at \
         FROM document_recipients WHERE document_id = $1 ORDER BY id",
    )
    .bind(document_id)
    .fetch_all(c)
    .await?)
}

/// Records what happened to an addressee's copy.
pub async fn set_recipient_status(
    c: &mut AnyConnection,
    id: i64,
    status: &str,
    delivered_document_id: Option<i64>,
    note: Option<&str>,
    now: i64,
) -> Result<()> {
    sqlx::query(
        "UPDATE document_recipients SET status = $1, delivered_document_id = COALESCE($2, delivered_document_id), \
         note = COALESCE($3, note), updated_at = $4 WHERE id = $5",
    )
    .bind(status)
    .bind(delivered_document_id)
    .bind(note)
    .bind(now)
    .bind(id)
    .execute(c)
    .await?;
    Ok(())
}

/// The notation an agency signs its documents with (`UBND`, `SNV`) and that of a unit (`VP`).
pub async fn notations(
    c: &mut AnyConnection,
    agency_id: i64,
    unit_id: Option<i64>,
) -> Result<(Option<String>, Option<String>)> {
    let issuer: Option<String> = sqlx::query_scalar("SELECT issuer_notation FROM agencies WHERE id = $1")
        .bind(agency_id)
        .fetch_optional(&mut *c)
        .await?
        .flatten();
    let unit: Option<String> = match unit_id {
        Some(u) => {
            sqlx::query_scalar("SELECT notation FROM units WHERE id = $1").bind(u).fetch_optional(c).await?.flatten()
        }
        None => None,
    };
    Ok((issuer, unit))
}

/// Sets the notation of an agency and, optionally, of a unit (demo seed, administration).
pub async fn set_notations(c: &mut AnyConnection, agency_id: i64, issuer: &str) -> Result<()> {
    sqlx::query("UPDATE agencies SET issuer_notation = $1 WHERE id = $2")
        .bind(issuer)
        .bind(agency_id)
        .execute(c)
        .await?;
    Ok(())
}

/// Sets a unit's notation.
pub async fn set_unit_notation(c: &mut AnyConnection, unit_id: i64, notation: &str) -> Result<()> {
    sqlx::query("UPDATE units SET notation = $1 WHERE id = $2").bind(notation).bind(unit_id).execute(c).await?;
    Ok(())
}

/// Sets how far an outgoing document is signed.
pub async fn set_signature_state(c: &mut AnyConnection, id: i64, state: &str, now: i64) -> Result<()> {
    sqlx::query("UPDATE documents SET signature_state = $2, updated_at = $3 WHERE id = $1")
        .bind(id)
        .bind(state)
        .bind(now)
        .execute(&mut *c)
        .await?;
    Ok(())
}

/// Puts a new stored file in place of another among a document's files (a signed copy replacing the unsigned one).
pub async fn replace_document_file(c: &mut AnyConnection, document_file_id: i64, file_id: i64) -> Result<()> {
    sqlx::query("UPDATE document_files SET file_id = $2 WHERE id = $1")
        .bind(document_file_id)
        .bind(file_id)
        .execute(&mut *c)
        .await?;
    Ok(())
}

/// Records a new stored file that is a signed copy of `original_file_id` (same name, type, pages and text).
pub async fn insert_signed_copy(
    c: &mut AnyConnection,
    original_file_id: i64,
    sha256: &str,
    size: i64,
    by: i64,
    now: i64,
) -> Result<i64> {
    Ok(sqlx::query_scalar(
        "INSERT INTO stored_files (sha256, size, media_type, file_name, page_count, text_folded, uploaded_by, \
         created_at) SELECT $2, $3, media_type, file_name, page_count, text_folded, $4, $5 FROM stored_files \
         WHERE id = $1 RETURNING id",
    )
    .bind(original_file_id)
    .bind(sha256)
    .bind(size)
    .bind(by)
    .bind(now)
    .fetch_one(&mut *c)
    .await?)
}

/// Marks a document as arrived through the exchange with the package's DocumentId (unique per agency: a second
/// arrival of the same package is a conflict on `package`).
pub async fn set_exchange_id(c: &mut AnyConnection, id: i64, exchange_id: &str) -> Result<()> {
    sqlx::query("UPDATE documents SET exchange_id = $2 WHERE id = $1")
        .bind(id)
        .bind(exchange_id)
        .execute(&mut *c)
        .await?;
    Ok(())
}

/// A document's urgency code (for notifications: urgent items break through quiet hours).
pub async fn urgency_of(c: &mut AnyConnection, id: i64) -> Result<Option<String>> {
    Ok(sqlx::query_scalar("SELECT urgency FROM documents WHERE id = $1").bind(id).fetch_optional(c).await?)
}
