//! Register books and registration of incoming documents: arrival numbers taken in the same
//! transaction as the document, duplicate warnings, the "to register" queue, printable books.

use egov_domain::document::{
    not_after, not_before_earliest, parse_date, DocumentNumber, DocumentType, Secrecy, Series, Subject, Urgency,
};
use egov_domain::text::normalize;
use egov_domain::{AgencyCode, FieldError, Lang};
use egov_storage::documents::{self as db, BookRow, DocumentRow, NewDocument, Numbering};
use egov_storage::Conn;

use super::{audit_doc, event, finish, parse_deadline, reindex, require, required_text, scope_of, today, Upload};
use crate::{now_ms, AppError, AppResult, Caller, Check, Scope, Services};

/// What a clerk enters to register an incoming document.
#[derive(Clone, Debug, Default)]
pub struct IncomingInput<'a> {
    /// The registering agency (defaults to the clerk's only clerk agency).
    pub agency_id: Option<i64>,
    /// A sender from the directory…
    pub sender_agency_id: Option<i64>,
    /// …or free text with its identifier code.
    pub sender_code: &'a str,
    pub sender_name: &'a str,
    pub number_notation: &'a str,
    pub issued_on: &'a str,
    pub doc_type: &'a str,
    pub subject: &'a str,
    pub urgency: &'a str,
    pub secrecy: &'a str,
    pub deadline: Option<&'a str>,
    pub deadline_days: Option<i64>,
    pub page_count: Option<i64>,
    pub signer: &'a str,
    /// Register even though a likely duplicate exists (the clerk saw the warning).
    pub confirm_duplicate: bool,
}

/// What a registration produced.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Registered {
    pub id: i64,
    pub arrival_number: i64,
    pub book_id: i64,
    pub book_name: String,
}

/// One line of a printed register book.
#[derive(Clone, Debug)]
pub struct BookLine {
    pub document: DocumentRow,
    /// Units or people the document went to (incoming), or addressees (outgoing).
    pub recipients: String,
}

/// A register book as printed or exported: the book, the agency that keeps it, its lines.
#[derive(Debug)]
pub struct BookExtract {
    pub book: BookRow,
    pub agency: egov_storage::org::AgencyRow,
    pub lines: Vec<BookLine>,
}

/// Checked values of an incoming registration.
struct Checked {
    number: DocumentNumber,
    issued_on: jiff::civil::Date,
    doc_type: DocumentType,
    subject: Subject,
    urgency: Urgency,
    secrecy: Secrecy,
    deadline: Option<jiff::civil::Date>,
    sender_code: Option<String>,
    sender_name: String,
}

fn book_name(direction: &str, series: Series, year: i64, lang: Lang) -> String {
    let kind = match (direction, lang) {
        ("incoming", Lang::Vi) => "Sổ đăng ký văn bản đến",
        ("incoming", Lang::En) => "Incoming register",
        (_, Lang::Vi) => "Sổ đăng ký văn bản đi",
        (_, Lang::En) => "Outgoing register",
    };
    match series {
        Series::Regular => format!("{kind} {year}"),
        other => format!("{kind} {year} – {}", other.label(lang)),
    }
}

/// A number taken from a register book.
pub(crate) struct Taken {
    pub book_id: i64,
    pub book_name: String,
    pub number: i64,
}

/// Takes the next number of the right book (creating the year's book on first use) inside the
/// caller's transaction; see `storage::documents::take_number_in`.
pub(crate) async fn take_number(
    c: &mut Conn,
    agency_id: i64,
    year: i64,
    direction: &str,
    series: Series,
    now: i64,
) -> AppResult<Taken> {
    let name = book_name(direction, series, year, Lang::Vi);
    let (book_id, book_name, number) =
        db::take_number_in(c, agency_id, year, direction, &series.key(), &name, now).await?;
    Ok(Taken { book_id, book_name, number })
}

impl Services {
    fn check_incoming(
        &self,
        input: &IncomingInput<'_>,
        sender_from_directory: Option<(String, String)>,
    ) -> AppResult<Checked> {
        let mut check = Check::new();
        let number = check.take(DocumentNumber::parse(input.number_notation, "number_notation"));
        let issued_on = check.take(parse_date(input.issued_on, "issued_on"));
        if let Some(d) = issued_on {
            check.take(not_after(d, today(), "issued_on"));
            check.take(not_before_earliest(d, "issued_on"));
        }
        let doc_type = check.take(DocumentType::parse_field(input.doc_type, "doc_type"));
        let subject = check.take(Subject::parse(input.subject, "subject"));
        let urgency = check.take(Urgency::parse_field(or_default(input.urgency, "normal"), "urgency"));
        let secrecy = check.take(Secrecy::parse_field(or_default(input.secrecy, "none"), "secrecy"));
        let deadline = check.take(parse_deadline(self, input.deadline, input.deadline_days, "deadline")).flatten();
        if let Some(p) = input.page_count {
            if !(1..=100_000).contains(&p) {
                check.push(FieldError::new(
                    "page_count",
                    "page_count_invalid",
                    "Số trang phải từ 1 đến 100000.",
                    "The page count must be between 1 and 100000.",
                ));
            }
        }
        let (sender_code, sender_name) = match sender_from_directory {
            Some((code, name)) => (Some(code), name),
            None => {
                let name = normalize(input.sender_name);
                if name.is_empty() {
                    check.push(FieldError::new(
                        "sender_name",
                        "required",
                        "Vui lòng chọn hoặc nhập cơ quan gửi.",
                        "Choose or enter the sending agency.",
                    ));
                }
                let code = normalize(input.sender_code);
                let code = if code.is_empty() {
                    None
                } else {
                    check.take(AgencyCode::parse(&code, "sender_code")).map(|c| c.to_string())
                };
                (code, name)
            }
        };
        check.finish()?;
        match (number, issued_on, doc_type, subject, urgency, secrecy) {
            (Some(number), Some(issued_on), Some(doc_type), Some(subject), Some(urgency), Some(secrecy)) => {
                Ok(Checked {
                    number,
                    issued_on,
                    doc_type,
                    subject,
                    urgency,
                    secrecy,
                    deadline,
                    sender_code,
                    sender_name,
                })
            }
            _ => Err(AppError::internal(anyhow::anyhow!("checked input incomplete"))),
        }
    }

    /// The agency a clerk acts for: the one asked for (if they are its clerk), or their only one.
    pub(crate) fn clerk_agency(&self, caller: &Caller, asked: Option<i64>) -> AppResult<i64> {
        let agencies: Vec<i64> =
            caller.actor.grants.iter().filter(|g| g.role == egov_domain::Role::Clerk).map(|g| g.agency_id).collect();
        match asked {
            Some(a) if agencies.contains(&a) => Ok(a),
            Some(_) => Err(AppError::Forbidden),
            None => agencies.first().copied().ok_or(AppError::Forbidden),
        }
    }

    /// The sending agency chosen from the directory: (code, name).
    async fn directory_sender(&self, id: Option<i64>) -> AppResult<Option<(String, String)>> {
        let Some(id) = id else { return Ok(None) };
        let mut conn = self.store.read().await?;
        let a = egov_storage::org::get_agency(&mut conn, id, &egov_storage::Visibility::All).await?;
        Ok(Some(a.map(|a| (a.code, a.name)).ok_or_else(|| {
            AppError::invalid(
                "sender_agency_id",
                "unknown_agency",
                "Không tìm thấy cơ quan gửi.",
                "Unknown sending agency.",
            )
        })?))
    }

    /// The earlier document a registration looks like (same sender, number and date), when the
    /// caller may open it: what the duplicate warning links to.
    pub async fn likely_duplicate_of(&self, caller: &Caller, input: &IncomingInput<'_>) -> AppResult<Option<i64>> {
        require(caller, Scope::DocumentsRead)?;
        let agency_id = self.clerk_agency(caller, input.agency_id)?;
        let v = self.check_incoming(input, self.directory_sender(input.sender_agency_id).await?)?;
        let sender_key = v.sender_code.clone().unwrap_or_else(|| v.sender_name.clone());
        let mut c = self.store.read().await?;
        let dups = db::likely_duplicates(
            &mut c,
            agency_id,
            &v.number.to_string(),
            &v.issued_on.to_string(),
            &sender_key,
            None,
        )
        .await?;
        for (id, _) in dups {
            if self.visible_document(&mut c, caller, id).await.is_ok() {
                return Ok(Some(id));
            }
        }
        Ok(None)
    }

    /// Registers an incoming document with its files: takes the next arrival number of the
    /// year's book in the same transaction, so the number is never skipped or repeated.
    pub async fn register_incoming(
        &self,
        caller: &Caller,
        input: &IncomingInput<'_>,
        uploads: Vec<Upload>,
    ) -> AppResult<Registered> {
        require(caller, Scope::DocumentsWrite)?;
        let agency_id = self.clerk_agency(caller, input.agency_id)?;
        let directory_sender = self.directory_sender(input.sender_agency_id).await?;
        let v = self.check_incoming(input, directory_sender)?;
        let files = self.intake(uploads, "files").await?;
        let now = now_ms();
        let year = i64::from(today().year());
        let notation = v.number.to_string();
        let issued = v.issued_on.to_string();
        let sender_key = v.sender_code.clone().unwrap_or_else(|| v.sender_name.clone());
        let mut tx = self.store.begin().await?;
        let series = if v.secrecy.is_secret() { Series::Secret } else { Series::Regular };
        let Taken { book_id, book_name, number: arrival } =
            take_number(&mut tx, agency_id, year, "incoming", series, now).await?;
        // Checked after taking the number: the book's row lock orders racing registrations, so the
        // second of two identical ones sees the first.
        if !input.confirm_duplicate {
            let dups = db::likely_duplicates(&mut tx, agency_id, &notation, &issued, &sender_key, None).await?;
            if let Some((_, Some(n))) = dups.first() {
                return Err(AppError::Conflict(FieldError::new(
                    "number_notation",
                    "likely_duplicate",
                    format!(
                        "Có thể trùng với văn bản đến số {n} (cùng cơ quan gửi, số ký hiệu và ngày). \
                         Kiểm tra lại hoặc xác nhận vẫn vào sổ."
                    ),
                    format!(
                        "This looks like incoming document no. {n} (same sender, number and date). \
                         Check it, or confirm to register anyway."
                    ),
                )));
            }
        }
        let deadline = v.deadline.map(|d| d.to_string());
        let id = db::insert_document(
            &mut tx,
            &NewDocument {
                agency_id,
                direction: "incoming",
                status: "registered",
                agency_wide: !v.secrecy.is_secret(),
                book_id: Some(book_id),
                book_number: Some(arrival),
                year,
                doc_type: v.doc_type.as_str(),
                number_notation: Some(&notation),
                issued_on: Some(&issued),
                subject: v.subject.as_str(),
                sender_agency_id: input.sender_agency_id,
                sender_code: v.sender_code.as_deref(),
                sender_name: Some(&v.sender_name),
                urgency: v.urgency.as_str(),
                secrecy: v.secrecy.as_str(),
                legal_normative: false,
                deadline: deadline.as_deref(),
                page_count: input.page_count,
                signer: Some(normalize(input.signer)).filter(|s| !s.is_empty()).as_deref(),
                received_at: Some(now),
                registered_at: Some(now),
                created_by: caller.actor.user_id,
                ..NewDocument::default()
            },
            now,
        )
        .await?;
        db::grant_access(&mut tx, id, caller.actor.user_id, "registered", None, now).await?;
        self.attach_intake(&mut tx, id, &files, 0, "main", caller.actor.user_id, now).await?;
        let label = format!("Số đến {arrival} – {book_name}");
        // An empty actor name is filled in by the database from the account.
        event(&mut tx, caller, id, "registered", None, Some(&label), None).await?;
        let row = db::DocumentRow {
            id,
            agency_id,
            direction: "incoming".into(),
            status: "registered".into(),
            agency_wide: !v.secrecy.is_secret(),
            book_id: Some(book_id),
            book_number: Some(arrival),
            year,
            doc_type: v.doc_type.as_str().into(),
            number_notation: Some(notation.clone()),
            issued_on: Some(issued.clone()),
            subject: v.subject.as_str().into(),
            sender_agency_id: input.sender_agency_id,
            sender_code: v.sender_code.clone(),
            sender_name: Some(v.sender_name.clone()),
            urgency: v.urgency.as_str().into(),
            secrecy: v.secrecy.as_str().into(),
            legal_normative: false,
            deadline: deadline.clone(),
            page_count: input.page_count,
            signer: Some(normalize(input.signer)).filter(|s| !s.is_empty()),
            unit_id: None,
            recipients_text: None,
            received_at: Some(now),
            registered_at: Some(now),
            origin_document_id: None,
            replaces_id: None,
            revoked_at: None,
            revoke_reason: None,
            version: 1,
            signature_state: String::new(),
            exchange_id: None,
            created_by: caller.actor.user_id,
            created_at: now,
            updated_at: now,
        };
        let texts: Vec<String> = files.iter().filter_map(|f| f.text_folded.clone()).collect();
        db::index_new_document(&mut tx, id, &super::search_body(&row, &[caller.actor.user_id], &[], &texts)).await?;
        let detail = serde_json::json!({
            "book_id": book_id, "arrival_number": arrival, "number_notation": notation,
            "subject": v.subject.as_str(), "secrecy": v.secrecy.as_str(), "files": files.len(),
        });
        audit_doc(&mut tx, caller, "document.register", id, &detail).await?;
        finish(tx, Registered { id, arrival_number: arrival, book_id, book_name }).await
    }

    /// Registers a document waiting in the "to register" queue (delivered inside the platform
    /// or received electronically): it gets its arrival number now and becomes a duty to handle.
    pub async fn register_arrived(&self, caller: &Caller, document_id: i64) -> AppResult<Registered> {
        require(caller, Scope::DocumentsWrite)?;
        let now = now_ms();
        let year = i64::from(today().year());
        let mut tx = self.store.begin().await?;
        let d = self.visible_document(&mut tx, caller, document_id).await?;
        if !caller.actor.is_clerk_of(d.agency_id) {
            return Err(AppError::Forbidden);
        }
        if !db::transition(&mut tx, d.id, "to_register", "registering", now).await? {
            return Err(super::conflict(
                "status",
                "already_registered",
                "Văn bản này đã được vào sổ hoặc đã bị thu hồi.",
                "This document was already registered or has been revoked.",
            ));
        }
        let secret = Secrecy::parse(&d.secrecy).is_some_and(Secrecy::is_secret);
        let series = if secret { Series::Secret } else { Series::Regular };
        let book = take_number(&mut tx, d.agency_id, year, "incoming", series, now).await?;
        let arrival = book.number;
        db::set_numbering(
            &mut tx,
            d.id,
            &Numbering {
                book_id: book.book_id,
                book_number: arrival,
                number_notation: None,
                status: "registered",
                agency_wide: !secret,
                registered_at: now,
                issued_on: None,
            },
            now,
        )
        .await?;
        egov_storage::handling::close_items_by_ref(&mut tx, "to_register", d.id, now).await?;
        let label = format!("Số đến {arrival} – {}", book.book_name);
        event(&mut tx, caller, d.id, "registered", None, Some(&label), None).await?;
        reindex(&mut tx, d.id).await?;
        if let Some(origin) = d.origin_document_id {
            self.mark_copy(&mut tx, origin, d.id, "registered", None, now).await?;
        }
        self.queue_status(&mut tx, caller, &d, egov_edxml::StatusCode::Received, &label, now).await?;
        let detail = serde_json::json!({ "book_id": book.book_id, "arrival_number": arrival });
        audit_doc(&mut tx, caller, "document.register", d.id, &detail).await?;
        finish(tx, Registered { id: d.id, arrival_number: arrival, book_id: book.book_id, book_name: book.book_name })
            .await
    }

    /// Refuses a document waiting in the queue (wrong addressee, not conforming), with a reason
    /// the sender sees.
    pub async fn refuse_arrived(&self, caller: &Caller, document_id: i64, reason: &str) -> AppResult<()> {
        require(caller, Scope::DocumentsWrite)?;
        let reason = required_text(reason, "reason", "Vui lòng nêu lý do từ chối.", "Give the reason for refusing.")?;
        let now = now_ms();
        let mut tx = self.store.begin().await?;
        let d = self.visible_document(&mut tx, caller, document_id).await?;
        if !caller.actor.is_clerk_of(d.agency_id) {
            return Err(AppError::Forbidden);
        }
        if !db::transition(&mut tx, d.id, "to_register", "refused", now).await? {
            return Err(super::conflict(
                "status",
                "not_waiting",
                "Văn bản này không còn chờ vào sổ.",
                "This document is no longer waiting to be registered.",
            ));
        }
        egov_storage::handling::close_items_by_ref(&mut tx, "to_register", d.id, now).await?;
        event(&mut tx, caller, d.id, "refused", None, Some(&reason), None).await?;
        if let Some(origin) = d.origin_document_id {
            self.mark_copy(&mut tx, origin, d.id, "refused", Some(&reason), now).await?;
        }
        reindex(&mut tx, d.id).await?;
        self.queue_status(&mut tx, caller, &d, egov_edxml::StatusCode::Refused, &reason, now).await?;
        audit_doc(&mut tx, caller, "document.refuse", d.id, &serde_json::json!({ "reason": reason })).await?;
        finish(tx, ()).await
    }

    /// Records on the issuer's document what happened to one recipient's copy.
    pub(crate) async fn mark_copy(
        &self,
        c: &mut Conn,
        origin: i64,
        copy: i64,
        status: &str,
        note: Option<&str>,
        now: i64,
    ) -> AppResult<()> {
        for r in db::recipients_of(c, origin).await? {
            if r.delivered_document_id == Some(copy) {
                db::set_recipient_status(c, r.id, status, None, note, now).await?;
            }
        }
        Ok(())
    }

    /// Documents waiting to be registered in the agencies where the caller is a clerk.
    pub async fn to_register(&self, caller: &Caller) -> AppResult<Vec<DocumentRow>> {
        let scope = scope_of(caller)?;
        let mut conn = self.store.read().await?;
        let mut out = Vec::new();
        for g in caller.actor.grants.iter().filter(|g| g.role == egov_domain::Role::Clerk) {
            out.extend(db::documents_in_status(&mut conn, g.agency_id, "incoming", "to_register", &scope, 200).await?);
        }
        Ok(out)
    }

    /// Register books of the agencies where the caller is a clerk or a leader.
    pub async fn books(&self, caller: &Caller) -> AppResult<Vec<BookRow>> {
        let scope = scope_of(caller)?;
        let mut conn = self.store.read().await?;
        Ok(db::list_books(&mut conn, &scope.wide_agencies).await?)
    }

    /// One book, its agency and the lines the caller may see, in number order (for printing and
    /// export).
    pub async fn book(&self, caller: &Caller, book_id: i64) -> AppResult<BookExtract> {
        let scope = scope_of(caller)?;
        let mut conn = self.store.read().await?;
        let book = db::get_book(&mut conn, book_id, &scope.wide_agencies).await?.ok_or(AppError::NotFound)?;
        let mut lines = Vec::new();
        let mut after = 0;
        loop {
            let page = db::book_entries(&mut conn, book.id, &scope, after, 1000).await?;
            let Some(last) = page.last() else { break };
            after = last.book_number.unwrap_or(i64::MAX);
            for d in page {
                let recipients = if d.direction == "incoming" {
                    let list = egov_storage::handling::assignments_of(&mut conn, d.id).await?;
                    list.iter()
                        .filter(|a| a.parent_id.is_none() && a.kind != "present")
                        .map(|a| a.assignee_name.clone())
                        .collect::<Vec<_>>()
                        .join("; ")
                } else {
                    d.recipients_text.clone().unwrap_or_default()
                };
                lines.push(BookLine { document: d, recipients });
            }
        }
        let agency = egov_storage::org::get_agency(&mut conn, book.agency_id, &egov_storage::Visibility::All)
            .await?
            .ok_or(AppError::NotFound)?;
        Ok(BookExtract { book, agency, lines })
    }
}

fn or_default<'a>(v: &'a str, default: &'a str) -> &'a str {
    if v.trim().is_empty() {
        default
    } else {
        v
    }
}
