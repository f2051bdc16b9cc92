//! Official documents: what is shared by registration, handling, drafting, sending, case
//! files and lookup — access checks, uploads, the timeline, the search index and the
//! document page's data.

pub mod case_files;
pub mod drafting;
pub mod handling;
pub mod kept;
pub mod registry;
pub mod results;
pub mod search;
pub mod sending;

use egov_domain::authz::DocumentScope;
use egov_domain::document::{folded_search_text, format_number, parse_date, Secrecy};
use egov_domain::routing::Holding;
use egov_domain::{FieldError, Position};
use egov_files::Inspected;
use egov_storage::documents::{self as db, DocumentFileRow, DocumentRow, RecipientRow};
use egov_storage::handling::{self as hdb, AssignmentRow, EventRow, NewEvent, NewInboxItem, ReviewRow};
use egov_storage::Conn;
use jiff::civil::Date;
use jiff::tz::{Offset, TimeZone};

use crate::audit::{record, Who, NONE};
use crate::{commit, now_ms, AppError, AppResult, Caller, Scope, Services};

/// A file as received from a form or the API.
#[derive(Clone, Debug)]
pub struct Upload {
    pub name: String,
    pub bytes: Vec<u8>,
}

/// An upload that passed its checks and is stored durably in the file store.
#[derive(Clone, Debug)]
pub(crate) struct Intake {
    pub name: String,
    pub inspected: Inspected,
    pub text_folded: Option<String>,
    /// The check of the file's signatures, when it is a signed PDF.
    pub signatures: Option<crate::signatures::FileCheck>,
}

/// Everything the document page shows, fetched for one reader.
#[derive(Clone, Debug)]
pub struct DocumentDetail {
    pub document: DocumentRow,
    pub files: Vec<DocumentFileRow>,
    /// The signature checks of the files that are signed, by SHA-256.
    pub signatures: std::collections::HashMap<String, crate::signatures::FileCheck>,
    /// The reader is the competent person who may sign the approved document now.
    pub reader_can_sign: bool,
    /// Issuing needs the organisation signature (the agency has a seal key and the document a PDF).
    pub seal_required: bool,
    pub assignments: Vec<AssignmentRow>,
    pub timeline: Vec<EventRow>,
    pub reviews: Vec<ReviewRow>,
    pub recipients: Vec<RecipientRow>,
    pub access: Vec<(i64, String, String)>,
    /// Open assignments the reader holds (as a person or as a head of the unit).
    pub my_assignments: Vec<i64>,
    /// Parts the reader passed on whose holders reported a result for the reader to accept.
    pub results_to_review: Vec<i64>,
    /// The reader's pending review step, if any.
    pub my_review: Option<i64>,
    /// The reader is a clerk of the document's agency.
    pub reader_is_clerk: bool,
    /// The reader is a leader (head or deputy) of the document's agency.
    pub reader_is_leader: bool,
    /// The reader's user id (the drafter sees the actions on their own draft).
    pub reader_id: i64,
}

/// Vietnam's civil time (UTC+7, no daylight saving).
pub fn vietnam_tz() -> TimeZone {
    TimeZone::fixed(Offset::constant(7))
}

/// Today's date in Vietnam.
pub fn today() -> Date {
    jiff::Timestamp::now().to_zoned(vietnam_tz()).date()
}

/// The date in Vietnam at `ms` since the epoch.
pub fn date_of_ms(ms: i64) -> Date {
    jiff::Timestamp::from_millisecond(ms).map(|t| t.to_zoned(vietnam_tz()).date()).unwrap_or_else(|_| today())
}

/// Is a deadline (YYYY-MM-DD) past today?
pub fn is_overdue(deadline: Option<&str>, today: Date) -> bool {
    deadline.and_then(|d| d.parse::<Date>().ok()).is_some_and(|d| d < today)
}

pub(crate) fn require(caller: &Caller, scope: Scope) -> AppResult<()> {
    if caller.actor.allows(scope) {
        Ok(())
    } else {
        Err(AppError::Forbidden)
    }
}

/// The documents a caller may read (requires the `documents:read` scope for tokens).
pub(crate) fn scope_of(caller: &Caller) -> AppResult<DocumentScope> {
    require(caller, Scope::DocumentsRead)?;
    Ok(caller.actor.document_scope())
}

pub(crate) fn conflict(field: &'static str, code: &'static str, vi: &str, en: &str) -> AppError {
    AppError::Conflict(FieldError::new(field, code, vi, en))
}

/// Parses an optional deadline given as a date, or as a number of working days from today.
/// How far ahead a deadline given as a date may be (a year 9999 is a typing mistake).
const DEADLINE_YEARS_MAX: i64 = 5;

pub(crate) fn parse_deadline(
    services: &Services,
    date: Option<&str>,
    working_days: Option<i64>,
    field: &'static str,
) -> Result<Option<Date>, FieldError> {
    if let Some(s) = date.map(str::trim).filter(|s| !s.is_empty()) {
        let d = parse_date(s, field)?;
        if d < today() {
            return Err(FieldError::new(
                field,
                "deadline_past",
                "Hạn xử lý không được ở trong quá khứ.",
                "The deadline cannot be in the past.",
            ));
        }
        if today().checked_add(jiff::Span::new().years(DEADLINE_YEARS_MAX)).is_ok_and(|far| d > far) {
            return Err(FieldError::new(
                field,
                "deadline_too_far",
                format!("Hạn xử lý không được quá {DEADLINE_YEARS_MAX} năm kể từ hôm nay."),
                format!("The deadline cannot be more than {DEADLINE_YEARS_MAX} years from today."),
            ));
        }
        return Ok(Some(d));
    }
    match working_days {
        Some(n) if !(1..=365).contains(&n) => Err(FieldError::new(
            field,
            "deadline_days_invalid",
            "Số ngày làm việc phải từ 1 đến 365.",
            "The number of working days must be between 1 and 365.",
        )),
        Some(n) => Ok(Some(services.calendar().add_working_days(today(), n))),
        None => Ok(None),
    }
}

impl Services {
    /// Checks and stores uploads before any transaction starts; a bad file fails the whole
    /// request with its name and the reason, and nothing is recorded.
    pub(crate) async fn intake(&self, uploads: Vec<Upload>, field: &'static str) -> AppResult<Vec<Intake>> {
        if uploads.is_empty() {
            return Ok(Vec::new());
        }
        let store = self.files.clone();
        let max = self.settings.max_file_bytes;
        let result = tokio::task::spawn_blocking(move || {
            let mut out = Vec::with_capacity(uploads.len());
            let mut errors = Vec::new();
            for u in uploads {
                match egov_files::inspect(&u.name, &u.bytes, max) {
                    Ok(inspected) => {
                        if let Err(e) = store.put_with_sha(&inspected.sha256, &u.bytes) {
                            return Err(AppError::internal(e));
                        }
                        let text_folded = inspected.text.as_deref().map(|t| folded_search_text(&[t]));
                        let signed = crate::signatures::check::may_be_signed(&u.bytes).then_some(u.bytes);
                        out.push((Intake { name: u.name, inspected, text_folded, signatures: None }, signed));
                    }
                    Err(p) => errors.push(FieldError::new(
                        field,
                        p.code(),
                        format!("{}: {}", u.name, p.message_vi()),
                        format!("{}: {}", u.name, p.message_en()),
                    )),
                }
            }
            if errors.is_empty() {
                Ok(out)
            } else {
                Err(AppError::Invalid(errors))
            }
        })
        .await
        .map_err(AppError::internal)?;
        let mut intakes = Vec::new();
        let mut signed = Vec::new();
        for (intake, bytes) in result? {
            if let Some(bytes) = bytes {
                signed.push((intake.inspected.sha256.clone(), bytes));
            }
            intakes.push(intake);
        }
        for (sha, check) in self.check_signed_files(signed, field).await? {
            for i in intakes.iter_mut().filter(|i| i.inspected.sha256 == sha) {
                i.signatures = Some(check.clone());
            }
        }
        Ok(intakes)
    }

    /// Records intaken files and attaches them to a document.
    #[allow(clippy::too_many_arguments)]
    pub(crate) async fn attach_intake(
        &self,
        c: &mut Conn,
        document_id: i64,
        files: &[Intake],
        version: i64,
        role: &str,
        by: i64,
        now: i64,
    ) -> AppResult<Vec<i64>> {
        let mut ids = Vec::with_capacity(files.len());
        for f in files {
            let file_id = insert_file(c, f, by, now).await?;
            if let Some(check) = &f.signatures {
                crate::signatures::save_check(c, &f.inspected.sha256, check).await?;
            }
            db::attach_file(c, document_id, file_id, version, role, by, now).await?;
            ids.push(file_id);
        }
        Ok(ids)
    }

    /// The caller's positions, for the routing rules.
    pub(crate) async fn holdings(&self, c: &mut Conn, user_id: i64) -> AppResult<Vec<Holding>> {
        Ok(hdb::holdings_of(c, user_id)
            .await?
            .into_iter()
            .filter_map(|(agency_id, unit_id, unit_path, position)| {
                Some(Holding { agency_id, unit_id, unit_path, position: Position::parse(&position)? })
            })
            .collect())
    }

    /// A document the caller may read, or `NotFound` (never "forbidden": existence is not leaked).
    pub(crate) async fn visible_document(&self, c: &mut Conn, caller: &Caller, id: i64) -> AppResult<DocumentRow> {
        let scope = scope_of(caller)?;
        db::get_document(c, id, &scope).await?.ok_or(AppError::NotFound)
    }

    /// Everything the document page shows. Reading a secret document writes an audit entry.
    pub async fn document(&self, caller: &Caller, id: i64) -> AppResult<DocumentDetail> {
        let mut conn = self.store.read().await?;
        let document = self.visible_document(&mut conn, caller, id).await?;
        let files = db::document_files(&mut conn, id).await?;
        let assignments = tree_order(hdb::assignments_of(&mut conn, id).await?);
        let timeline = hdb::events_of(&mut conn, id).await?;
        let reviews = hdb::reviews_of(&mut conn, id).await?;
        let recipients = db::recipients_of(&mut conn, id).await?;
        let access = db::access_list(&mut conn, id).await?;
        let holdings = self.holdings(&mut conn, caller.actor.user_id).await?;
        let unread = hdb::has_unread(&mut conn, caller.actor.user_id, id).await?;
        let shas: Vec<String> = files.iter().map(|f| f.sha256.clone()).collect();
        let signatures = self.stored_checks(&mut conn, &shas).await?;
        let last_approver = reviews
            .iter()
            .filter(|r| r.kind == "approve" && r.status == "approved")
            .max_by_key(|r| (r.round, r.step))
            .map(|r| r.reviewer_id);
        let reader_can_sign = document.direction == "outgoing"
            && document.status == "approved"
            && document.signature_state.is_empty()
            && last_approver == Some(caller.actor.user_id);
        let seal_required = document.status == "approved"
            && caller.actor.is_clerk_of(document.agency_id)
            && egov_storage::signatures::seal_key(&mut conn, document.agency_id).await?.is_some()
            && files.iter().any(|f| f.media_type == "application/pdf");
        drop(conn);
        let me = caller.actor.user_id;
        let my_assignments = assignments
            .iter()
            .filter(|a| a.status == "open" && holds_assignment(a, me, &holdings))
            .map(|a| a.id)
            .collect();
        let results_to_review = assignments
            .iter()
            .filter(|a| a.status == results::SUBMITTED)
            .filter(|a| {
                let parent = a.parent_id.and_then(|p| assignments.iter().find(|x| x.id == p));
                parent.is_some_and(|p| holds_assignment(p, me, &holdings))
            })
            .map(|a| a.id)
            .collect();
        let my_review = reviews.iter().find(|r| r.reviewer_id == me && r.status == "pending").map(|r| r.id);
        let reader_is_clerk = caller.actor.is_clerk_of(document.agency_id);
        let reader_is_leader = holdings.iter().any(|h| h.agency_id == document.agency_id && is_leader_position(h));
        let secret = Secrecy::parse(&document.secrecy).is_some_and(Secrecy::is_secret);
        // Viewing writes only when there is something to write: the audit entry of a secret
        // document, or inbox items to mark read. An ordinary re-read stays a pure read.
        if secret || unread {
            let mut tx = self.store.begin().await?;
            if secret {
                let detail = serde_json::json!({ "secrecy": document.secrecy, "book_id": document.book_id, "number_notation": document.number_notation });
                record(
                    &mut tx,
                    &Who::caller(caller),
                    "document.read",
                    "document",
                    Some(id.to_string()),
                    NONE,
                    Some(&detail),
                )
                .await?;
            }
            if unread {
                hdb::mark_document_read(&mut tx, me, id, now_ms()).await?;
            }
            commit(tx).await?;
        }
        Ok(DocumentDetail {
            document,
            files,
            signatures,
            reader_can_sign,
            seal_required,
            assignments,
            timeline,
            reviews,
            recipients,
            access,
            my_assignments,
            results_to_review,
            my_review,
            reader_is_clerk,
            reader_is_leader,
            reader_id: me,
        })
    }

    /// A stored file the caller may download: (name, media type, bytes). Downloading a file of
    /// a secret document writes an audit entry.
    pub async fn download(&self, caller: &Caller, file_id: i64) -> AppResult<(String, String, Vec<u8>)> {
        let scope = scope_of(caller)?;
        let mut conn = self.store.read().await?;
        let (file, doc) = db::file_for(&mut conn, file_id, &scope).await?.ok_or(AppError::NotFound)?;
        drop(conn);
        if let Some((doc_id, secrecy)) = &doc {
            if Secrecy::parse(secrecy).is_some_and(Secrecy::is_secret) {
                let mut tx = self.store.begin().await?;
                let detail = serde_json::json!({ "document_id": doc_id, "secrecy": secrecy });
                record(
                    &mut tx,
                    &Who::caller(caller),
                    "file.read",
                    "file",
                    Some(file_id.to_string()),
                    NONE,
                    Some(&detail),
                )
                .await?;
                commit(tx).await?;
            }
        }
        let store = self.files.clone();
        let sha = file.sha256.clone();
        let bytes = tokio::task::spawn_blocking(move || store.get(&sha))
            .await
            .map_err(AppError::internal)?
            .map_err(AppError::internal)?;
        Ok((file.file_name, file.media_type, bytes))
    }
}

impl Services {
    /// A printed copy of a document's PDF: every page is marked with who printed it and when (as a locked
    /// annotation, so signatures stay valid); the print is on the document's timeline and in the audit trail.
    pub async fn print_copy(&self, caller: &Caller, file_id: i64) -> AppResult<(String, Vec<u8>)> {
        require(caller, Scope::DocumentsRead)?;
        let scope = scope_of(caller)?;
        let (file, doc) = {
            let mut conn = self.store.read().await?;
            db::file_for(&mut conn, file_id, &scope).await?.ok_or(AppError::NotFound)?
        };
        let Some((document_id, _)) = doc else { return Err(AppError::NotFound) };
        if file.media_type != "application/pdf" {
            return Err(AppError::invalid(
                "file",
                "not_pdf",
                "Chỉ in được bản có dấu của tệp PDF.",
                "Only PDF files can be printed with a mark.",
            ));
        }
        let name = {
            let mut conn = self.store.read().await?;
            egov_storage::accounts::full_name(&mut conn, caller.actor.user_id).await?.unwrap_or_default()
        };
        let now = now_ms();
        let text = format!(
            "Ban in cua {} ({}) luc {} - egov",
            egov_domain::text::without_diacritics(&name),
            caller.actor.username,
            egov_pades::iso_time(now / 1000)
        );
        let store = self.files.clone();
        let sha = file.sha256.clone();
        let printed = tokio::task::spawn_blocking(move || -> AppResult<Vec<u8>> {
            let bytes = store.get(&sha).map_err(AppError::internal)?;
            let mark = egov_pades::TextStamp { page: 0, x: 28.0, y: 14.0, text, font_size: 7.0 };
            egov_pades::annotate(&bytes, &[mark]).map_err(|e| {
                AppError::invalid("file", "not_printable", &e.to_string(), "The PDF cannot be marked for printing.")
            })
        })
        .await
        .map_err(AppError::internal)??;
        let mut tx = self.store.begin().await?;
        event(&mut tx, caller, document_id, "printed", None, Some(&file.file_name), None).await?;
        let detail = serde_json::json!({ "file_id": file_id, "file": file.file_name });
        audit_doc(&mut tx, caller, "document.print", document_id, &detail).await?;
        commit(tx).await?;
        Ok((file.file_name, printed))
    }
}

pub(crate) async fn insert_file(c: &mut Conn, f: &Intake, by: i64, now: i64) -> AppResult<i64> {
    Ok(db::insert_file(
        c,
        &db::NewFile {
            sha256: &f.inspected.sha256,
            size: f.inspected.size as i64,
            media_type: f.inspected.media_type,
            file_name: &f.name,
            page_count: f.inspected.page_count.map(i64::from),
            text_folded: f.text_folded.as_deref(),
            uploaded_by: by,
        },
        now,
    )
    .await?)
}

/// The agencies of a set of positions, sorted, without repeats.
pub(crate) fn agencies_of(holdings: &[Holding]) -> Vec<i64> {
    let mut a: Vec<i64> = holdings.iter().map(|h| h.agency_id).collect();
    a.sort_unstable();
    a.dedup();
    a
}

/// A person with every position they hold, from `people_of` rows: (id, name, positions, first unit's name).
pub(crate) type PersonHoldings = (i64, String, Vec<Holding>, String);

/// Groups position rows by person (one query for a whole agency instead of one per person).
pub(crate) fn group_people(rows: Vec<egov_storage::handling::PersonPosition>) -> Vec<PersonHoldings> {
    let mut out: Vec<PersonHoldings> = Vec::new();
    for p in rows {
        let Some(position) = Position::parse(&p.position) else { continue };
        let h = Holding { agency_id: p.agency_id, unit_id: p.unit_id, unit_path: p.unit_path.clone(), position };
        match out.iter_mut().find(|(id, ..)| *id == p.user_id) {
            Some(entry) => entry.2.push(h),
            None => out.push((p.user_id, p.full_name, vec![h], p.unit_name.unwrap_or_default())),
        }
    }
    out
}

pub(crate) fn is_leader_position(h: &Holding) -> bool {
    matches!(h.position, Position::Head | Position::Deputy)
}

/// Does the person `me` (with `holdings`) hold assignment `a`: named in it, or a head or deputy
/// of the unit it was given to?
/// `rows` in the order of the handling tree: each part followed by the parts passed on from it
/// (depth first, each level in the order they were given).
fn tree_order(rows: Vec<AssignmentRow>) -> Vec<AssignmentRow> {
    let ids: std::collections::HashSet<i64> = rows.iter().map(|a| a.id).collect();
    let is_root = |a: &AssignmentRow| a.parent_id.is_none_or(|p| !ids.contains(&p));
    let mut stack: Vec<&AssignmentRow> = rows.iter().filter(|a| is_root(a)).rev().collect();
    let mut out = Vec::with_capacity(rows.len());
    while let Some(a) = stack.pop() {
        out.push(a.clone());
        stack.extend(rows.iter().filter(|c| c.parent_id == Some(a.id)).rev());
    }
    out
}

pub(crate) fn holds_assignment(a: &AssignmentRow, me: i64, holdings: &[Holding]) -> bool {
    if a.assignee_user_id == Some(me) {
        return true;
    }
    match a.assignee_unit_id {
        Some(unit) => holdings
            .iter()
            .any(|h| h.unit_id == Some(unit) && matches!(h.position, Position::UnitHead | Position::UnitDeputy)),
        None => false,
    }
}

/// Appends a timeline step for the caller (the database fills in the caller's name).
pub(crate) async fn event(
    c: &mut Conn,
    caller: &Caller,
    document_id: i64,
    kind: &str,
    target: Option<&str>,
    body: Option<&str>,
    assignment_id: Option<i64>,
) -> AppResult<()> {
    hdb::insert_event(
        c,
        &NewEvent {
            document_id,
            actor_id: Some(caller.actor.user_id).filter(|id| *id > 0),
            actor_name: if caller.actor.user_id > 0 { "" } else { &caller.actor.username },
            kind,
            target,
            body,
            assignment_id,
            file_id: None,
        },
        now_ms(),
    )
    .await?;
    Ok(())
}

impl Services {
    /// Gives a person access to a document, puts it in their inbox and notifies them.
    #[allow(clippy::too_many_arguments)]
    pub(crate) async fn deliver(
        &self,
        tx: &mut egov_storage::Tx,
        user_id: i64,
        document_id: i64,
        kind: &str,
        reason: &str,
        ref_id: Option<i64>,
        from: Option<i64>,
        note: Option<&str>,
        now: i64,
    ) -> AppResult<()> {
        db::grant_access(tx, document_id, user_id, reason, from, now).await?;
        let item = hdb::insert_inbox_item(
            tx,
            &NewInboxItem {
                user_id,
                kind,
                document_id: Some(document_id),
                message_id: None,
                ref_id,
                from_user_id: from,
                note,
                task_id: None,
            },
            now,
        )
        .await?;
        let notice = crate::notify::NewItemNotice {
            user_id,
            kind,
            document_id: Some(document_id),
            inbox_item_id: Some(item),
            actor_id: from,
            task_id: None,
            schedule_entry_id: None,
        };
        crate::notify::notify_item(tx, self.store.engine(), &notice, self.outside_channels(), now).await?;
        Ok(())
    }
}

/// The folded text a document is found by: its access tokens, its fields, then its opinions and
/// file texts.
pub(crate) fn search_body(d: &DocumentRow, access: &[i64], opinions: &[String], files: &[String]) -> String {
    let number = d.book_number.and_then(|n| u32::try_from(n).ok()).map(format_number).unwrap_or_default();
    let mut parts: Vec<&str> = vec![
        &d.subject,
        d.number_notation.as_deref().unwrap_or(""),
        d.sender_name.as_deref().unwrap_or(""),
        d.sender_code.as_deref().unwrap_or(""),
        d.signer.as_deref().unwrap_or(""),
        d.recipients_text.as_deref().unwrap_or(""),
        &number,
    ];
    // The number without its leading zero also finds the document ("5/QĐ" as well as "05/QĐ").
    let plain_number =
        d.number_notation.as_deref().and_then(|n| n.split('/').next()).map(|n| n.trim_start_matches('0'));
    if let Some(n) = plain_number {
        parts.push(n);
    }
    let mut body = db::acl_tokens(d.agency_wide, d.agency_id, access);
    body.push(' ');
    body.push_str(&folded_search_text(&parts));
    for text in opinions {
        body.push(' ');
        body.push_str(&folded_search_text(&[text]));
    }
    for text in files {
        body.push(' ');
        body.push_str(text);
    }
    index_words(&body)
}

/// Keeps letters and digits and turns everything else into spaces, so that both engines'
/// tokenizers see the same words (PostgreSQL's parser would otherwise keep `05/qd-ubnd` whole).
pub fn index_words(text: &str) -> String {
    text.chars().map(|c| if c.is_alphanumeric() { c } else { ' ' }).collect()
}

/// Rebuilds a document's entry in the full-text index from its fields, its opinions and
/// directives, the text of its files and who may see it. Runs in the transaction that changed
/// it (every change of content, status or access calls it), so the index is never behind.
pub(crate) async fn reindex(c: &mut Conn, document_id: i64) -> AppResult<()> {
    let Some(d) = db::get_document_unchecked(c, document_id).await? else {
        return Ok(());
    };
    let opinions = hdb::opinion_texts(c, document_id).await?;
    let files = db::file_texts(c, document_id).await?;
    let access = db::access_users(c, document_id).await?;
    db::index_document(c, document_id, &search_body(&d, &access, &opinions, &files)).await?;
    Ok(())
}

/// Writes the audit entry of a document action.
pub(crate) async fn audit_doc(
    c: &mut Conn,
    caller: &Caller,
    action: &str,
    document_id: i64,
    detail: &serde_json::Value,
) -> AppResult<()> {
    let detail = crate::audit::document_detail(detail);
    record(c, &Who::caller(caller), action, "document", Some(document_id.to_string()), NONE, Some(&detail)).await
}

/// Longest free text accepted (an opinion, a reason, a directive, a message).
pub(crate) const MAX_TEXT_CHARS: usize = 10_000;

/// A free-text input normalised (NFC, line endings) and bounded in length; empty is allowed.
pub(crate) fn optional_text(input: &str, field: &'static str) -> AppResult<String> {
    let text = egov_domain::text::normalize_multiline(input);
    if text.chars().count() > MAX_TEXT_CHARS {
        return Err(AppError::invalid(
            field,
            "too_long",
            "Nội dung dài quá 10000 ký tự.",
            "The text is longer than 10000 characters.",
        ));
    }
    Ok(text)
}

/// Like [`optional_text`], but empty input is refused with the given messages.
pub(crate) fn required_text(input: &str, field: &'static str, vi: &str, en: &str) -> AppResult<String> {
    let text = optional_text(input, field)?;
    if text.is_empty() {
        return Err(AppError::invalid(field, "required", vi, en));
    }
    Ok(text)
}

/// Field error for a person or unit that does not exist or is out of reach (one message for
/// both, so the organisation cannot be probed).
pub(crate) fn out_of_reach(field: &'static str) -> FieldError {
    FieldError::new(
        field,
        "out_of_reach",
        "Người hoặc đơn vị được chọn nằm ngoài phạm vi bạn được giao việc.",
        "The chosen person or unit is outside the part of the organisation you may assign to.",
    )
}

/// Commits and returns `v` (saves a line in every workflow).
pub(crate) async fn finish<T>(tx: egov_storage::Tx, v: T) -> AppResult<T> {
    commit(tx).await?;
    Ok(v)
}

/// Closes every open inbox item about a copy (it was revoked or taken back).
pub(crate) async fn close_copy_items(c: &mut Conn, copy: i64, now: i64) -> AppResult<()> {
    for kind in ["to_register", "present", "assignment", "inform", "delivered"] {
        hdb::close_items_by_ref(c, kind, copy, now).await?;
    }
    egov_storage::handling::close_document_items(c, copy, now).await?;
    Ok(())
}
