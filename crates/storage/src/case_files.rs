//! Case files (hồ sơ công việc): the yearly file list of an agency and the documents each
//! file holds. A document may sit in several files without being copied.

use egov_domain::authz::DocumentScope;
use sqlx::{AnyConnection, FromRow};

use crate::query::Sql;
use crate::Result;

/// A case file as stored.
#[derive(Clone, Debug, FromRow, PartialEq, Eq)]
pub struct CaseFileRow {
    pub id: i64,
    pub agency_id: i64,
    pub year: i64,
    pub notation: String,
    pub code: String,
    pub title: String,
    pub retention_years: Option<i64>,
    pub unit_id: Option<i64>,
    pub owner_id: i64,
    pub owner_name: String,
    pub status: String,
    pub created_at: i64,
    pub updated_at: i64,
    pub closed_at: Option<i64>,
    pub archived_at: Option<i64>,
    pub document_count: i64,
}

/// The case-file columns, with `document_count` counting only the documents `scope` reaches;
/// the query continues after `FROM`/`JOIN` with a `WHERE`.
fn select(scope: &DocumentScope) -> Sql {
    let mut q = Sql::new(
        "SELECT f.id, f.agency_id, f.year, f.notation, f.code, f.title, f.retention_years, f.unit_id, \
         f.owner_id, u.full_name AS owner_name, f.status, f.created_at, f.updated_at, f.closed_at, f.archived_at, \
         (SELECT COUNT(*) FROM case_file_documents cd JOIN documents d ON d.id = cd.document_id \
         WHERE cd.case_file_id = f.id",
    );
    q.doc_visible(scope).push(") AS document_count FROM case_files f JOIN users u ON u.id = f.owner_id WHERE ");
    q
}

/// Limits a case-file query to files `scope` may know of: its own files, and files holding at
/// least one document it reaches. A file's title and size say what it is about, so a file
/// made only of documents out of reach is not shown (as search hides such documents).
fn visible_file(q: &mut Sql, scope: &DocumentScope) {
    q.push(" AND (f.owner_id = ").int(scope.user_id);
    q.push(
        " OR EXISTS (SELECT 1 FROM case_file_documents cd JOIN documents d ON d.id = cd.document_id \
         WHERE cd.case_file_id = f.id",
    );
    q.doc_visible(scope).push("))");
}

/// Values for a new case file.
#[derive(Clone, Debug)]
pub struct NewCaseFile<'a> {
    pub agency_id: i64,
    pub year: i64,
    pub notation: &'a str,
    pub code: &'a str,
    pub title: &'a str,
    pub retention_years: Option<i64>,
    pub unit_id: Option<i64>,
    pub owner_id: i64,
}

/// Inserts an open case file and returns its id.
pub async fn insert_case_file(c: &mut AnyConnection, f: &NewCaseFile<'_>, now: i64) -> Result<i64> {
    Ok(sqlx::query_scalar(
        "INSERT INTO case_files (agency_id, year, notation, code, title, retention_years, unit_id, owner_id, status, \
         created_at, updated_at) VALUES ($1, $2, $3, $4, $5, $6, $7, $8, 'open', $9, $9) RETURNING id",
    )
    .bind(f.agency_id)
    .bind(f.year)
    .bind(f.notation)
    .bind(f.code)
    .bind(f.title)
    .bind(f.retention_years)
    .bind(f.unit_id)
    .bind(f.owner_id)
    .bind(now)
    .fetch_one(c)
    .await?)
}

/// One case file of one of `agencies` that `scope` may know of.
pub async fn get_case_file(
    c: &mut AnyConnection,
    id: i64,
    agencies: &[i64],
    scope: &DocumentScope,
) -> Result<Option<CaseFileRow>> {
    let mut q = select(scope);
    q.push("f.id = ").int(id).push(" AND f.agency_id").in_ints(agencies);
    visible_file(&mut q, scope);
    q.fetch_optional(c).await
}

/// The file list of `agencies` for `year` (or every year), by code: the files `scope` may
/// know of, each counting only the documents it reaches.
pub async fn list_case_files(
    c: &mut AnyConnection,
    agencies: &[i64],
    year: Option<i64>,
    scope: &DocumentScope,
) -> Result<Vec<CaseFileRow>> {
    let mut q = select(scope);
    q.push("f.agency_id").in_ints(agencies);
    if let Some(y) = year {
        q.push(" AND f.year = ").int(y);
    }
    visible_file(&mut q, scope);
    q.push(" ORDER BY f.year DESC, f.code LIMIT 1000");
    q.fetch_all(c).await
}

/// Moves a case file from `from` to `to` (open → closed → archived); false when it was not in `from`.
pub async fn set_case_file_status(c: &mut AnyConnection, id: i64, from: &str, to: &str, now: i64) -> Result<bool> {
    let column = match to {
        "closed" => "closed_at",
        "archived" => "archived_at",
        _ => "updated_at",
    };
    let done = sqlx::query(&format!(
        "UPDATE case_files SET status = $1, {column} = $2, updated_at = $2 WHERE id = $3 AND status = $4"
    ))
    .bind(to)
    .bind(now)
    .bind(id)
    .bind(from)
    .execute(c)
    .await?;
    Ok(done.rows_affected() == 1)
}

/// Puts a document in a case file (idempotent); true when it was added now.
pub async fn add_document(
    c: &mut AnyConnection,
    case_file_id: i64,
    document_id: i64,
    by: i64,
    now: i64,
) -> Result<bool> {
    let done = sqlx::query(
        "INSERT INTO case_file_documents (case_file_id, document_id, added_by, added_at) VALUES ($1, $2, $3, $4) \
         ON CONFLICT (case_file_id, document_id) DO NOTHING",
    )
    .bind(case_file_id)
    .bind(document_id)
    .bind(by)
    .bind(now)
    .execute(c)
    .await?;
    Ok(done.rows_affected() == 1)
}

/// A document as listed inside a case file.
#[derive(Clone, Debug, FromRow, PartialEq, Eq)]
pub struct CaseFileEntry {
    pub id: i64,
    pub subject: String,
    pub number_notation: Option<String>,
    pub direction: String,
    pub issued_on: Option<String>,
    pub added_at: i64,
}

/// Documents of a case file that `scope` reaches, in time order.
pub async fn documents_of(
    c: &mut AnyConnection,
    case_file_id: i64,
    scope: &DocumentScope,
) -> Result<Vec<CaseFileEntry>> {
    let mut q = Sql::new(
        "SELECT d.id, d.subject, d.number_notation, d.direction, d.issued_on, cd.added_at FROM case_file_documents cd \
         JOIN documents d ON d.id = cd.document_id WHERE cd.case_file_id = ",
    );
    q.int(case_file_id).doc_visible(scope).push(" ORDER BY COALESCE(d.registered_at, d.created_at), d.id");
    q.fetch_all(c).await
}
