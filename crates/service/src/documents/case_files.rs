//! Case files (hồ sơ công việc): the agency's yearly file list, file codes (agency code +
//! year + notation), documents attached without copying, closing and hand-over to the archive.

use egov_domain::document::Notation;
use egov_domain::text::normalize;
use egov_domain::FieldError;
use egov_storage::case_files::{self as db, CaseFileRow, NewCaseFile};

use super::{finish, require, scope_of, today};
use crate::audit::{record, Who, NONE};
use crate::{now_ms, AppError, AppResult, Caller, Check, Scope, Services};

/// What a person enters to open a case file.
#[derive(Clone, Debug, Default)]
pub struct CaseFileInput<'a> {
    pub year: Option<i64>,
    pub notation: &'a str,
    pub title: &'a str,
    /// Years to keep; `None` for permanent.
    pub retention_years: Option<i64>,
}

/// A case file with the documents the reader may see.
#[derive(Clone, Debug)]
pub struct CaseFileDetail {
    pub file: CaseFileRow,
    pub documents: Vec<egov_storage::case_files::CaseFileEntry>,
}

impl Services {
    fn home_agencies(caller: &Caller) -> Vec<i64> {
        let mut a: Vec<i64> = caller.actor.grants.iter().map(|g| g.agency_id).collect();
        a.push(caller.actor.agency_id);
        a.sort_unstable();
        a.dedup();
        a
    }

    /// Opens a case file in the caller's agency's file list.
    pub async fn create_case_file(&self, caller: &Caller, input: &CaseFileInput<'_>) -> AppResult<i64> {
        require(caller, Scope::DocumentsWrite)?;
        let mut check = Check::new();
        let notation = check.take(Notation::parse(input.notation, "notation"));
        let title = normalize(input.title);
        if title.is_empty() {
            check.push(FieldError::new("title", "required", "Vui lòng nhập tiêu đề hồ sơ.", "Enter the file's title."));
        } else if title.chars().count() > 500 {
            check.push(FieldError::new(
                "title",
                "too_long",
                "Tiêu đề dài quá 500 ký tự.",
                "The title is over 500 characters.",
            ));
        }
        let this_year = i64::from(today().year());
        let year = input.year.unwrap_or(this_year);
        if !(this_year - 1..=this_year + 1).contains(&year) {
            check.push(FieldError::new(
                "year",
                "year_invalid",
                "Năm của hồ sơ không hợp lệ.",
                "The file's year is not valid.",
            ));
        }
        if let Some(r) = input.retention_years {
            if !(1..=100).contains(&r) {
                check.push(FieldError::new(
                    "retention_years",
                    "retention_invalid",
                    "Thời hạn bảo quản phải từ 1 đến 100 năm, hoặc để trống nếu vĩnh viễn.",
                    "Retention must be 1–100 years, or empty for permanent.",
                ));
            }
        }
        check.finish()?;
        let Some(notation) = notation else { return Err(AppError::NotFound) };
        let now = now_ms();
        let mut tx = self.store.begin().await?;
        let holdings = self.holdings(&mut tx, caller.actor.user_id).await?;
        let home = holdings.first().ok_or(AppError::Forbidden)?.clone();
        let agency = egov_storage::org::get_agency(&mut tx, home.agency_id, &egov_storage::Visibility::All)
            .await?
            .ok_or(AppError::NotFound)?;
        let code = format!("{}.{}.{}", agency.code, year, notation.as_str());
        let id = db::insert_case_file(
            &mut tx,
            &NewCaseFile {
                agency_id: agency.id,
                year,
                notation: notation.as_str(),
                code: &code,
                title: &title,
                retention_years: input.retention_years,
                unit_id: home.unit_id,
                owner_id: caller.actor.user_id,
            },
            now,
        )
        .await?;
        let detail = serde_json::json!({ "code": code });
        record(
            &mut tx,
            &Who::caller(caller),
            "case_file.create",
            "case_file",
            Some(id.to_string()),
            NONE,
            Some(&detail),
        )
        .await?;
        finish(tx, id).await
    }

    /// The file list of the caller's agencies.
    pub async fn case_files(&self, caller: &Caller, year: Option<i64>) -> AppResult<Vec<CaseFileRow>> {
        let scope = scope_of(caller)?;
        let mut conn = self.store.read().await?;
        Ok(db::list_case_files(&mut conn, &Self::home_agencies(caller), year, &scope).await?)
    }

    /// One case file with the documents the caller may see.
    pub async fn case_file(&self, caller: &Caller, id: i64) -> AppResult<CaseFileDetail> {
        let scope = scope_of(caller)?;
        let mut conn = self.store.read().await?;
        let file =
            db::get_case_file(&mut conn, id, &Self::home_agencies(caller), &scope).await?.ok_or(AppError::NotFound)?;
        let documents = db::documents_of(&mut conn, id, &scope).await?;
        Ok(CaseFileDetail { file, documents })
    }

    /// Puts a document the caller can read into an open case file (no copy is made).
    pub async fn add_to_case_file(&self, caller: &Caller, id: i64, document_id: i64) -> AppResult<()> {
        require(caller, Scope::DocumentsWrite)?;
        let now = now_ms();
        let mut tx = self.store.begin().await?;
        let scope = caller.actor.document_scope();
        let file =
            db::get_case_file(&mut tx, id, &Self::home_agencies(caller), &scope).await?.ok_or(AppError::NotFound)?;
        if file.status != "open" {
            return Err(super::conflict("status", "file_closed", "Hồ sơ đã đóng.", "The case file is closed."));
        }
        self.visible_document(&mut tx, caller, document_id).await.map_err(|_| {
            AppError::invalid("document_id", "unknown_document", "Không tìm thấy văn bản.", "Unknown document.")
        })?;
        db::add_document(&mut tx, id, document_id, caller.actor.user_id, now).await?;
        let detail = serde_json::json!({ "document_id": document_id });
        record(&mut tx, &Who::caller(caller), "case_file.add", "case_file", Some(id.to_string()), NONE, Some(&detail))
            .await?;
        finish(tx, ()).await
    }

    /// Closes a case file (its owner or a clerk), or hands a closed one to the archive (a clerk).
    pub async fn set_case_file_status(&self, caller: &Caller, id: i64, to: &str) -> AppResult<()> {
        require(caller, Scope::DocumentsWrite)?;
        let now = now_ms();
        let mut tx = self.store.begin().await?;
        let scope = caller.actor.document_scope();
        let file =
            db::get_case_file(&mut tx, id, &Self::home_agencies(caller), &scope).await?.ok_or(AppError::NotFound)?;
        let clerk = caller.actor.is_clerk_of(file.agency_id);
        let from = match to {
            "closed" if clerk || file.owner_id == caller.actor.user_id => "open",
            "archived" if clerk => "closed",
            "closed" | "archived" => return Err(AppError::Forbidden),
            _ => {
                return Err(AppError::invalid(
                    "status",
                    "status_invalid",
                    "Trạng thái không hợp lệ.",
                    "Unknown status.",
                ))
            }
        };
        if !db::set_case_file_status(&mut tx, id, from, to, now).await? {
            return Err(super::conflict(
                "status",
                "wrong_state",
                "Hồ sơ không ở trạng thái phù hợp (chỉ đóng hồ sơ đang mở, chỉ nộp lưu hồ sơ đã đóng).",
                "Only an open file can be closed and only a closed one archived.",
            ));
        }
        let detail = serde_json::json!({ "from": from, "to": to });
        record(
            &mut tx,
            &Who::caller(caller),
            "case_file.status",
            "case_file",
            Some(id.to_string()),
            NONE,
            Some(&detail),
        )
        .await?;
        finish(tx, ()).await
    }
}
