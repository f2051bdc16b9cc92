//! Outgoing documents: drafts with versions, consultation (xin ý kiến), the approval chain,
//! numbering and issue by the clerk (internal recipients receive it at once as incoming,
//! outside agencies are queued for the exchange), revocation and replacement.

use egov_domain::document::{
    format_number, outgoing_notation, DocumentType, Notation, Secrecy, Series, Subject, Urgency,
};
use egov_domain::routing::can_approve;
use egov_domain::text::normalize;
use egov_domain::{AgencyCode, FieldError};
use egov_storage::documents::{self as db, DocumentRow, DraftChange, NewDocument, Numbering};
use egov_storage::handling::{self as hdb, NewReview};
use egov_storage::Conn;

use super::handling::person_name;
use super::registry::take_number;
use super::{
    audit_doc, close_copy_items, conflict, event, finish, optional_text, out_of_reach, parse_deadline, reindex,
    require, required_text, today, Upload,
};
use crate::exchange::Purpose;
use crate::signatures::signing::SealInput;
use crate::{now_ms, AppError, AppResult, Caller, Check, Scope, Services};

/// An addressee of an outgoing document.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum RecipientInput {
    /// An agency on this platform: it receives the document at once in its "to register" queue.
    Agency(i64),
    /// A unit of the issuing agency: delivered straight to its heads' inboxes.
    Unit(i64),
    /// An agency elsewhere, by identifier code: queued for the exchange.
    External { code: String, name: String },
}

/// What a specialist enters for a draft.
#[derive(Clone, Debug, Default)]
pub struct DraftInput<'a> {
    pub doc_type: &'a str,
    pub subject: &'a str,
    pub urgency: &'a str,
    pub secrecy: &'a str,
    pub legal_normative: bool,
    pub signer: &'a str,
    pub recipients: Vec<RecipientInput>,
    /// The issued document this draft replaces (wrong content is replaced by a new document).
    pub replaces_id: Option<i64>,
    /// A note for this version.
    pub note: &'a str,
}

/// How a reviewer decides an approval step.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Decision {
    Approve,
    Return,
}

/// What issuing produced.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Issued {
    pub number: i64,
    pub number_notation: String,
    /// Incoming copies created in recipient agencies on the platform.
    pub delivered: Vec<i64>,
    /// Exchange jobs queued for outside agencies.
    pub queued: usize,
}

struct CheckedDraft {
    doc_type: DocumentType,
    subject: Subject,
    urgency: Urgency,
    secrecy: Secrecy,
}

fn check_draft(input: &DraftInput<'_>) -> AppResult<CheckedDraft> {
    let mut check = Check::new();
    let doc_type = check.take(DocumentType::parse_field(input.doc_type, "doc_type"));
    let subject = check.take(Subject::parse(input.subject, "subject"));
    let urgency =
        check.take(Urgency::parse_field(if input.urgency.is_empty() { "normal" } else { input.urgency }, "urgency"));
    let secrecy =
        check.take(Secrecy::parse_field(if input.secrecy.is_empty() { "none" } else { input.secrecy }, "secrecy"));
    for r in &input.recipients {
        if let RecipientInput::External { code, name } = r {
            check.take(AgencyCode::parse(code, "recipients"));
            if normalize(name).is_empty() {
                check.push(FieldError::new(
                    "recipients",
                    "required",
                    "Vui lòng nhập tên cơ quan nhận.",
                    "Enter the receiving agency's name.",
                ));
            }
        }
    }
    if let Some(s) = secrecy.filter(|s| s.is_secret()) {
        if input.recipients.iter().any(|r| matches!(r, RecipientInput::External { .. })) {
            check.push(FieldError::new(
                "recipients",
                "secret_not_exchanged",
                format!("Văn bản {} không được gửi qua trục liên thông điện tử.", s.label(egov_domain::Lang::Vi)),
                "Secret documents are never sent through the electronic exchange.".to_string(),
            ));
        }
    }
    check.finish()?;
    match (doc_type, subject, urgency, secrecy) {
        (Some(doc_type), Some(subject), Some(urgency), Some(secrecy)) => {
            Ok(CheckedDraft { doc_type, subject, urgency, secrecy })
        }
        _ => Err(AppError::internal(anyhow::anyhow!("checked draft incomplete"))),
    }
}

impl Services {
    /// Starts a draft in the caller's agency and unit, with its first version's files.
    pub async fn create_draft(&self, caller: &Caller, input: &DraftInput<'_>, uploads: Vec<Upload>) -> AppResult<i64> {
        require(caller, Scope::DocumentsWrite)?;
        let v = check_draft(input)?;
        let files = self.intake(uploads, "files").await?;
        let now = now_ms();
        let mut tx = self.store.begin().await?;
        let holdings = self.holdings(&mut tx, caller.actor.user_id).await?;
        let home = holdings.first().ok_or(AppError::Forbidden)?.clone();
        if let Some(rid) = input.replaces_id {
            // A document out of sight gets the same field error as one that cannot be replaced:
            // the field names what is wrong without saying whether such a document exists.
            let original = match self.visible_document(&mut tx, caller, rid).await {
                Err(AppError::NotFound) => None,
                other => Some(other?),
            };
            if original
                .is_none_or(|o| o.direction != "outgoing" || o.status != "issued" || o.agency_id != home.agency_id)
            {
                return Err(AppError::invalid(
                    "replaces_id",
                    "not_replaceable",
                    "Chỉ thay thế được văn bản đi đã phát hành của cơ quan mình.",
                    "Only an issued outgoing document of your agency can be replaced.",
                ));
            }
        }
        let recipients = self.resolve_recipients(&mut tx, home.agency_id, &input.recipients).await?;
        let recipients_text = names_of(&recipients);
        let signer = normalize(input.signer);
        let id = db::insert_document(
            &mut tx,
            &NewDocument {
                agency_id: home.agency_id,
                direction: "outgoing",
                status: "draft",
                agency_wide: false,
                year: i64::from(today().year()),
                doc_type: v.doc_type.as_str(),
                subject: v.subject.as_str(),
                urgency: v.urgency.as_str(),
                secrecy: v.secrecy.as_str(),
                legal_normative: input.legal_normative,
                signer: Some(signer.as_str()).filter(|s| !s.is_empty()),
                unit_id: home.unit_id,
                recipients_text: Some(recipients_text.as_str()).filter(|s| !s.is_empty()),
                replaces_id: input.replaces_id,
                created_by: caller.actor.user_id,
                ..NewDocument::default()
            },
            now,
        )
        .await?;
        self.store_recipients(&mut tx, id, &recipients, now).await?;
        db::grant_access(&mut tx, id, caller.actor.user_id, "drafted", None, now).await?;
        self.attach_intake(&mut tx, id, &files, 1, "draft", caller.actor.user_id, now).await?;
        let note = optional_text(input.note, "note")?;
        event(&mut tx, caller, id, "drafted", Some("v1"), Some(note.as_str()).filter(|n| !n.is_empty()), None).await?;
        reindex(&mut tx, id).await?;
        audit_doc(&mut tx, caller, "draft.create", id, &serde_json::json!({ "subject": v.subject.as_str() })).await?;
        finish(tx, id).await
    }

    /// A new version of a draft: new metadata and files. The drafter edits a draft or a
    /// returned one; the reviewer whose turn it is may edit it during approval.
    pub async fn revise_draft(
        &self,
        caller: &Caller,
        id: i64,
        input: &DraftInput<'_>,
        uploads: Vec<Upload>,
    ) -> AppResult<i64> {
        require(caller, Scope::DocumentsWrite)?;
        let v = check_draft(input)?;
        let files = self.intake(uploads, "files").await?;
        let now = now_ms();
        let mut tx = self.store.begin().await?;
        let d = self.visible_document(&mut tx, caller, id).await?;
        let my_turn = hdb::reviews_of(&mut tx, d.id)
            .await?
            .iter()
            .any(|r| r.kind == "approve" && r.status == "pending" && r.reviewer_id == caller.actor.user_id);
        let editable = match d.status.as_str() {
            "draft" | "returned" => d.created_by == caller.actor.user_id,
            "in_approval" => my_turn,
            _ => false,
        };
        if d.direction != "outgoing" || !editable {
            return Err(conflict(
                "status",
                "not_editable",
                "Bạn không thể sửa dự thảo này ở trạng thái hiện tại.",
                "You cannot edit this draft in its current state.",
            ));
        }
        let recipients = self.resolve_recipients(&mut tx, d.agency_id, &input.recipients).await?;
        let recipients_text = names_of(&recipients);
        let signer = normalize(input.signer);
        let version = db::update_draft(
            &mut tx,
            d.id,
            &DraftChange {
                doc_type: v.doc_type.as_str(),
                subject: v.subject.as_str(),
                urgency: v.urgency.as_str(),
                secrecy: v.secrecy.as_str(),
                legal_normative: input.legal_normative,
                signer: Some(signer.as_str()).filter(|s| !s.is_empty()),
                recipients_text: Some(recipients_text.as_str()).filter(|s| !s.is_empty()),
                page_count: None,
            },
            now,
        )
        .await?;
        self.store_recipients(&mut tx, d.id, &recipients, now).await?;
        self.attach_intake(&mut tx, d.id, &files, version, "draft", caller.actor.user_id, now).await?;
        let note = optional_text(input.note, "note")?;
        let label = format!("v{version}");
        event(&mut tx, caller, d.id, "revised", Some(&label), Some(note.as_str()).filter(|n| !n.is_empty()), None)
            .await?;
        reindex(&mut tx, d.id).await?;
        audit_doc(&mut tx, caller, "draft.revise", d.id, &serde_json::json!({ "version": version })).await?;
        finish(tx, version).await
    }

    /// Looks every addressee up once: agencies anywhere on the platform, units of the issuing
    /// agency only, outside agencies by code (matched to the platform's directory when known).
    async fn resolve_recipients(
        &self,
        c: &mut Conn,
        agency_id: i64,
        list: &[RecipientInput],
    ) -> AppResult<Vec<Resolved>> {
        let mut out = Vec::with_capacity(list.len());
        for r in list {
            out.push(match r {
                RecipientInput::Agency(id) => {
                    let a = egov_storage::org::get_agency(c, *id, &egov_storage::Visibility::All)
                        .await?
                        .ok_or_else(|| AppError::field(out_of_reach("recipients")))?;
                    if a.id == agency_id {
                        return Err(AppError::invalid(
                            "recipients",
                            "own_agency",
                            "Không gửi văn bản cho chính cơ quan mình; hãy chọn đơn vị nhận trong cơ quan.",
                            "A document is not sent to its own agency; choose the receiving units instead.",
                        ));
                    }
                    Resolved { agency_id: Some(a.id), unit_id: None, code: Some(a.code), name: a.name }
                }
                RecipientInput::Unit(id) => {
                    let u = egov_storage::org::get_unit(c, *id, &egov_storage::Visibility::All)
                        .await?
                        .filter(|u| u.agency_id == agency_id)
                        .ok_or_else(|| AppError::field(out_of_reach("recipients")))?;
                    Resolved { agency_id: None, unit_id: Some(u.id), code: None, name: u.name }
                }
                RecipientInput::External { code, name } => {
                    let code = AgencyCode::parse(code, "recipients").map_err(AppError::field)?.to_string();
                    let on_platform = egov_storage::org::get_agency_by_code(c, &code).await?;
                    Resolved {
                        agency_id: on_platform.map(|a| a.id),
                        unit_id: None,
                        code: Some(code),
                        name: normalize(name),
                    }
                }
            });
        }
        Ok(out)
    }

    async fn store_recipients(&self, c: &mut Conn, doc: i64, list: &[Resolved], now: i64) -> AppResult<()> {
        db::clear_recipients(c, doc).await?;
        for r in list {
            db::insert_recipient(c, doc, r.agency_id, r.unit_id, r.code.as_deref(), &r.name, now).await?;
        }
        Ok(())
    }

    /// Sends a draft out for comments to people, with a deadline.
    pub async fn consult(
        &self,
        caller: &Caller,
        id: i64,
        reviewers: &[i64],
        deadline: Option<&str>,
        deadline_days: Option<i64>,
        note: &str,
    ) -> AppResult<()> {
        require(caller, Scope::DocumentsWrite)?;
        let deadline = parse_deadline(self, deadline, deadline_days, "deadline").map_err(AppError::field)?;
        if reviewers.is_empty() {
            return Err(AppError::invalid(
                "reviewers",
                "required",
                "Vui lòng chọn người cho ý kiến.",
                "Choose whom to consult.",
            ));
        }
        let note = optional_text(note, "note")?;
        let now = now_ms();
        let mut tx = self.store.begin().await?;
        let d = self.own_draft(&mut tx, caller, id).await?;
        let round = next_round(&mut tx, d.id).await?;
        let deadline = deadline.map(|x| x.to_string());
        let mut names = Vec::new();
        for (i, r) in reviewers.iter().enumerate() {
            if *r == caller.actor.user_id || self.holdings(&mut tx, *r).await?.is_empty() {
                return Err(AppError::field(out_of_reach("reviewers")));
            }
            let step = hdb::insert_review(
                &mut tx,
                &NewReview {
                    document_id: d.id,
                    kind: "consult",
                    round,
                    step: i as i64 + 1,
                    requested_by: caller.actor.user_id,
                    reviewer_id: *r,
                    deadline: deadline.as_deref(),
                    status: "pending",
                },
                now,
            )
            .await?;
            let note = Some(note.as_str()).filter(|n| !n.is_empty());
            self.deliver(&mut tx, *r, d.id, "consult", "consulted", Some(step), Some(caller.actor.user_id), note, now)
                .await?;
            names.push(person_name(&mut tx, *r).await?);
        }
        event(
            &mut tx,
            caller,
            d.id,
            "consult_requested",
            Some(&names.join(", ")),
            Some(note.as_str()).filter(|n| !n.is_empty()),
            None,
        )
        .await?;
        reindex(&mut tx, d.id).await?;
        audit_doc(
            &mut tx,
            caller,
            "draft.consult",
            d.id,
            &serde_json::json!({ "reviewers": reviewers, "deadline": deadline }),
        )
        .await?;
        finish(tx, ()).await
    }

    /// Answers a consultation with a comment.
    pub async fn answer_consultation(&self, caller: &Caller, id: i64, comment: &str) -> AppResult<()> {
        require(caller, Scope::DocumentsWrite)?;
        let comment = required_text(comment, "comment", "Vui lòng nhập ý kiến.", "Write your comment.")?;
        let now = now_ms();
        let mut tx = self.store.begin().await?;
        let d = self.visible_document(&mut tx, caller, id).await?;
        let step = hdb::reviews_of(&mut tx, d.id)
            .await?
            .into_iter()
            .find(|r| r.kind == "consult" && r.status == "pending" && r.reviewer_id == caller.actor.user_id)
            .ok_or_else(already_decided)?;
        if !hdb::decide_review(&mut tx, step.id, "answered", Some(&comment), now).await? {
            return Err(already_decided());
        }
        hdb::close_items(&mut tx, caller.actor.user_id, d.id, &["consult"], now).await?;
        self.deliver(
            &mut tx,
            step.requested_by,
            d.id,
            "consult_answered",
            "drafted",
            Some(step.id),
            Some(caller.actor.user_id),
            None,
            now,
        )
        .await?;
        event(&mut tx, caller, d.id, "consult_answered", None, Some(&comment), None).await?;
        reindex(&mut tx, d.id).await?;
        audit_doc(&mut tx, caller, "draft.consult_answer", d.id, &serde_json::json!({ "step": step.id })).await?;
        finish(tx, ()).await
    }

    /// Submits a draft through an approval chain (e.g. unit head, then agency leader); the
    /// first approver is asked now, each next one when the previous approves.
    pub async fn submit_for_approval(&self, caller: &Caller, id: i64, approvers: &[i64]) -> AppResult<()> {
        require(caller, Scope::DocumentsWrite)?;
        if approvers.is_empty() {
            return Err(AppError::invalid(
                "approvers",
                "required",
                "Vui lòng chọn người duyệt.",
                "Choose the approvers.",
            ));
        }
        let now = now_ms();
        let mut tx = self.store.begin().await?;
        let d = self.own_draft(&mut tx, caller, id).await?;
        let drafter = self.holdings(&mut tx, d.created_by).await?;
        for a in approvers {
            let h = self.holdings(&mut tx, *a).await?;
            if *a == d.created_by || !can_approve(&drafter, &h) {
                return Err(AppError::field(out_of_reach("approvers")));
            }
        }
        let round = next_round(&mut tx, d.id).await?;
        let mut first = None;
        for (i, a) in approvers.iter().enumerate() {
            let status = if i == 0 { "pending" } else { "waiting" };
            let step = hdb::insert_review(
                &mut tx,
                &NewReview {
                    document_id: d.id,
                    kind: "approve",
                    round,
                    step: i as i64 + 1,
                    requested_by: caller.actor.user_id,
                    reviewer_id: *a,
                    deadline: None,
                    status,
                },
                now,
            )
            .await?;
            db::grant_access(&mut tx, d.id, *a, "approver", Some(caller.actor.user_id), now).await?;
            first.get_or_insert((step, *a));
        }
        if let Some((step, a)) = first {
            self.deliver(&mut tx, a, d.id, "approve", "approver", Some(step), Some(caller.actor.user_id), None, now)
                .await?;
        }
        if !db::transition(&mut tx, d.id, &d.status, "in_approval", now).await? {
            return Err(already_decided());
        }
        let mut names = Vec::new();
        for a in approvers {
            names.push(person_name(&mut tx, *a).await?);
        }
        event(&mut tx, caller, d.id, "submitted", Some(&names.join(" → ")), None, None).await?;
        reindex(&mut tx, d.id).await?;
        audit_doc(&mut tx, caller, "draft.submit", d.id, &serde_json::json!({ "approvers": approvers })).await?;
        finish(tx, ()).await
    }

    /// The caller decides their pending approval step. Approving passes the draft to the next
    /// approver, or, at the end of the chain, makes it wait for signature and issue; returning
    /// sends it back to the drafter with comments. Deciding twice is refused.
    pub async fn decide(&self, caller: &Caller, id: i64, decision: Decision, comment: &str) -> AppResult<()> {
        require(caller, Scope::DocumentsWrite)?;
        let comment = optional_text(comment, "comment")?;
        if decision == Decision::Return && comment.is_empty() {
            return Err(AppError::invalid(
                "comment",
                "required",
                "Vui lòng ghi ý kiến khi trả lại dự thảo.",
                "Write why the draft goes back.",
            ));
        }
        let now = now_ms();
        let mut tx = self.store.begin().await?;
        let d = self.visible_document(&mut tx, caller, id).await?;
        let steps = hdb::reviews_of(&mut tx, d.id).await?;
        let step = steps
            .iter()
            .find(|r| r.kind == "approve" && r.status == "pending" && r.reviewer_id == caller.actor.user_id)
            .ok_or_else(already_decided)?;
        let status = if decision == Decision::Approve { "approved" } else { "returned" };
        let comment_opt = Some(comment.as_str()).filter(|c| !c.is_empty());
        if !hdb::decide_review(&mut tx, step.id, status, comment_opt, now).await? {
            return Err(already_decided());
        }
        hdb::close_items(&mut tx, caller.actor.user_id, d.id, &["approve"], now).await?;
        match decision {
            Decision::Approve => {
                let next = steps.iter().find(|r| r.kind == "approve" && r.round == step.round && r.status == "waiting");
                match next {
                    Some(n) => {
                        hdb::activate_review(&mut tx, n.id).await?;
                        self.deliver(
                            &mut tx,
                            n.reviewer_id,
                            d.id,
                            "approve",
                            "approver",
                            Some(n.id),
                            Some(caller.actor.user_id),
                            None,
                            now,
                        )
                        .await?;
                        event(&mut tx, caller, d.id, "approved_step", Some(&n.reviewer_name), comment_opt, None)
                            .await?;
                    }
                    None => {
                        let secret = Secrecy::parse(&d.secrecy).is_some_and(Secrecy::is_secret);
                        if !db::transition(&mut tx, d.id, "in_approval", "approved", now).await? {
                            return Err(already_decided());
                        }
                        db::set_status(&mut tx, d.id, "approved", !secret, now).await?;
                        for clerk in hdb::agency_clerks(&mut tx, d.agency_id).await? {
                            self.deliver(
                                &mut tx,
                                clerk,
                                d.id,
                                "issue",
                                "clerk",
                                None,
                                Some(caller.actor.user_id),
                                None,
                                now,
                            )
                            .await?;
                        }
                        event(&mut tx, caller, d.id, "approved", None, comment_opt, None).await?;
                    }
                }
            }
            Decision::Return => {
                hdb::cancel_open_reviews(&mut tx, d.id, "approve", now).await?;
                if !db::transition(&mut tx, d.id, "in_approval", "returned", now).await? {
                    return Err(already_decided());
                }
                self.deliver(
                    &mut tx,
                    d.created_by,
                    d.id,
                    "returned",
                    "drafted",
                    Some(step.id),
                    Some(caller.actor.user_id),
                    comment_opt,
                    now,
                )
                .await?;
                event(&mut tx, caller, d.id, "returned_draft", None, comment_opt, None).await?;
            }
        }
        reindex(&mut tx, d.id).await?;
        audit_doc(&mut tx, caller, "draft.decide", d.id, &serde_json::json!({ "step": step.id, "decision": status }))
            .await?;
        finish(tx, ()).await
    }

    /// The clerk numbers, registers and issues an approved document: the number is taken in
    /// this transaction; internal recipients receive it at once; outside agencies are queued
    /// for the exchange. `notation` overrides the one derived from the agency and unit.
    ///
    /// When the agency has a seal key and the document a PDF, the competent person must have signed it, and
    /// the organisation signature (seal, number and date) goes on with `seal`'s PIN before it leaves.
    pub async fn issue(
        &self,
        caller: &Caller,
        id: i64,
        notation: Option<&str>,
        seal: Option<&SealInput>,
    ) -> AppResult<Issued> {
        require(caller, Scope::DocumentsWrite)?;
        let seal = {
            let mut c = self.store.read().await?;
            let d = self.visible_document(&mut c, caller, id).await?;
            if !caller.actor.is_clerk_of(d.agency_id) {
                return Err(AppError::Forbidden);
            }
            drop(c);
            if d.status == "approved" {
                self.prepare_seal(caller, &d, seal).await?
            } else {
                None
            }
        };
        let now = now_ms();
        let mut tx = self.store.begin().await?;
        let d = self.visible_document(&mut tx, caller, id).await?;
        if !caller.actor.is_clerk_of(d.agency_id) {
            return Err(AppError::Forbidden);
        }
        if !db::transition(&mut tx, d.id, "approved", "issuing", now).await? {
            return Err(conflict(
                "status",
                "not_approved",
                "Chỉ phát hành được văn bản đã duyệt và chưa phát hành.",
                "Only an approved document that is not yet issued can be issued.",
            ));
        }
        let doc_type = DocumentType::parse(&d.doc_type).ok_or(AppError::NotFound)?;
        let secrecy = Secrecy::parse(&d.secrecy).unwrap_or(Secrecy::None);
        let notation = match notation.map(str::trim).filter(|n| !n.is_empty()) {
            Some(n) => Notation::parse(n, "notation").map_err(AppError::field)?.to_string(),
            None => {
                let (issuer, unit) = db::notations(&mut tx, d.agency_id, d.unit_id).await?;
                let issuer = issuer.ok_or_else(|| {
                    AppError::invalid(
                        "notation",
                        "notation_required",
                        "Cơ quan chưa có ký hiệu viết tắt; vui lòng nhập ký hiệu văn bản.",
                        "The agency has no notation yet; enter the document's notation.",
                    )
                })?;
                outgoing_notation(doc_type, &issuer, unit.as_deref())
            }
        };
        let year = i64::from(today().year());
        let series = Series::for_document(doc_type, secrecy, d.legal_normative);
        let book = take_number(&mut tx, d.agency_id, year, "outgoing", series, now).await?;
        let number = book.number;
        let number_notation = format!("{}/{}", format_number(u32::try_from(number).unwrap_or(u32::MAX)), notation);
        let issued_on = today().to_string();
        db::set_numbering(
            &mut tx,
            d.id,
            &Numbering {
                book_id: book.book_id,
                book_number: number,
                number_notation: Some(&number_notation),
                status: "issued",
                agency_wide: !secrecy.is_secret(),
                registered_at: now,
                issued_on: Some(&issued_on),
            },
            now,
        )
        .await
        .map_err(|e| match AppError::from(e) {
            AppError::Conflict(_) => conflict(
                "notation",
                "number_taken",
                "Số và ký hiệu này đã được dùng trong năm; kiểm tra ký hiệu.",
                "This number and notation is already used this year; check the notation.",
            ),
            other => other,
        })?;
        if let Some(prepared) = seal {
            self.apply_seal(&mut tx, caller, &d, prepared, &number_notation, now).await?;
        }
        let issuer = egov_storage::org::get_agency(&mut tx, d.agency_id, &egov_storage::Visibility::All)
            .await?
            .ok_or(AppError::NotFound)?;
        let files = db::document_files(&mut tx, d.id).await?;
        let latest = files.iter().map(|f| f.version).max().unwrap_or(0);
        let mut delivered = Vec::new();
        let mut outside = Vec::new();
        for r in db::recipients_of(&mut tx, d.id).await? {
            match (r.agency_id, r.unit_id) {
                (Some(agency_id), _) if agency_id != d.agency_id => {
                    let copy = db::insert_document(
                        &mut tx,
                        &NewDocument {
                            agency_id,
                            direction: "incoming",
                            status: "to_register",
                            agency_wide: false,
                            year,
                            doc_type: &d.doc_type,
                            number_notation: Some(&number_notation),
                            issued_on: Some(&issued_on),
                            subject: &d.subject,
                            sender_agency_id: Some(issuer.id),
                            sender_code: Some(&issuer.code),
                            sender_name: Some(&issuer.name),
                            urgency: &d.urgency,
                            secrecy: &d.secrecy,
                            signer: d.signer.as_deref(),
                            page_count: d.page_count,
                            received_at: Some(now),
                            origin_document_id: Some(d.id),
                            created_by: caller.actor.user_id,
                            ..NewDocument::default()
                        },
                        now,
                    )
                    .await?;
                    for f in files.iter().filter(|f| f.version == latest) {
                        db::attach_file(&mut tx, copy, f.file_id, 0, "main", caller.actor.user_id, now).await?;
                    }
                    for clerk in hdb::agency_clerks(&mut tx, agency_id).await? {
                        self.deliver(
                            &mut tx,
                            clerk,
                            copy,
                            "to_register",
                            "clerk",
                            Some(copy),
                            Some(caller.actor.user_id),
                            None,
                            now,
                        )
                        .await?;
                    }
                    hdb::insert_event(
                        &mut tx,
                        &hdb::NewEvent {
                            document_id: copy,
                            actor_id: Some(caller.actor.user_id),
                            actor_name: "",
                            kind: "received",
                            target: Some(&issuer.name),
                            ..hdb::NewEvent::default()
                        },
                        now,
                    )
                    .await?;
                    reindex(&mut tx, copy).await?;
                    db::set_recipient_status(&mut tx, r.id, "delivered", Some(copy), None, now).await?;
                    delivered.push(copy);
                }
                (_, Some(unit)) => {
                    let heads = hdb::unit_members(&mut tx, unit, &["unit_head", "unit_deputy"]).await?;
                    for (u, _) in heads {
                        self.deliver(
                            &mut tx,
                            u,
                            d.id,
                            "delivered",
                            "recipient",
                            Some(r.id),
                            Some(caller.actor.user_id),
                            None,
                            now,
                        )
                        .await?;
                    }
                    db::set_recipient_status(&mut tx, r.id, "delivered", None, None, now).await?;
                }
                _ => outside.push(r),
            }
        }
        // One signed package per outside addressee, in the outbox, in this transaction.
        let issued = db::get_document_unchecked(&mut tx, d.id).await?.ok_or(AppError::NotFound)?;
        let purpose = match d.replaces_id {
            Some(orig) => match db::get_document_unchecked(&mut tx, orig).await?.and_then(|o| o.exchange_id) {
                Some(replaced) => Purpose::Replace {
                    replaced: replaced.parse().map_err(|_| AppError::internal(anyhow::anyhow!("exchange id")))?,
                    reason: format!("Thay thế văn bản {}", d.subject),
                },
                None => Purpose::New,
            },
            None => Purpose::New,
        };
        let queued = self.queue_document_packages(&mut tx, &issued, &outside, &purpose, now).await?;
        if let Some(orig) = d.replaces_id {
            db::set_status(&mut tx, orig, "replaced", true, now).await?;
            let body = format!("Được thay thế bởi {number_notation}");
            event(&mut tx, caller, orig, "replaced", Some(&number_notation), Some(&body), None).await?;
        }
        hdb::close_items(&mut tx, caller.actor.user_id, d.id, &["issue"], now).await?;
        hdb::close_items_by_ref(&mut tx, "issue", d.id, now).await?;
        let label = format!("Số {number_notation} – {}", book.book_name);
        event(&mut tx, caller, d.id, "issued", Some(d.recipients_text.as_deref().unwrap_or("")), Some(&label), None)
            .await?;
        reindex(&mut tx, d.id).await?;
        let detail = serde_json::json!({
            "book_id": book.book_id, "number": number, "number_notation": number_notation,
            "delivered": delivered, "queued": queued,
        });
        audit_doc(&mut tx, caller, "document.issue", d.id, &detail).await?;
        finish(tx, Issued { number, number_notation, delivered, queued }).await
    }

    /// Revokes an issued document: it stays on record in the issuer's books; copies delivered
    /// inside the platform are marked revoked and leave their inboxes; outside agencies get a
    /// revocation through the exchange.
    pub async fn revoke(&self, caller: &Caller, id: i64, reason: &str) -> AppResult<()> {
        require(caller, Scope::DocumentsWrite)?;
        let reason = required_text(reason, "reason", "Vui lòng nêu lý do thu hồi.", "Give the reason for revoking.")?;
        let now = now_ms();
        let mut tx = self.store.begin().await?;
        let d = self.visible_document(&mut tx, caller, id).await?;
        if !caller.actor.is_clerk_of(d.agency_id) {
            return Err(AppError::Forbidden);
        }
        if d.direction != "outgoing" || !db::transition(&mut tx, d.id, "issued", "revoked", now).await? {
            return Err(conflict(
                "status",
                "not_issued",
                "Chỉ thu hồi được văn bản đi đã phát hành.",
                "Only an issued outgoing document can be revoked.",
            ));
        }
        db::revoke(&mut tx, d.id, &reason, now).await?;
        for (copy, _agency, _status) in db::delivered_copies(&mut tx, d.id).await? {
            db::revoke(&mut tx, copy, &reason, now).await?;
            close_copy_items(&mut tx, copy, now).await?;
            event(&mut tx, caller, copy, "revoked", None, Some(&reason), None).await?;
            reindex(&mut tx, copy).await?;
        }
        // Outside addressees the document reached (or may still reach) hear of the revocation through the exchange.
        let outside: Vec<_> = db::recipients_of(&mut tx, d.id)
            .await?
            .into_iter()
            .filter(|r| r.agency_id.is_none() && r.unit_id.is_none() && r.status != "not_sent" && r.status != "refused")
            .collect();
        let revoked = db::get_document_unchecked(&mut tx, d.id).await?.ok_or(AppError::NotFound)?;
        let purpose = Purpose::Revoke { reason: reason.clone() };
        self.queue_document_packages(&mut tx, &revoked, &outside, &purpose, now).await?;
        event(&mut tx, caller, d.id, "revoked", None, Some(&reason), None).await?;
        reindex(&mut tx, d.id).await?;
        audit_doc(&mut tx, caller, "document.revoke", d.id, &serde_json::json!({ "reason": reason })).await?;
        finish(tx, ()).await
    }

    /// People who may approve the caller's drafts (unit leaders above them, agency leaders).
    pub async fn possible_approvers(&self, caller: &Caller) -> AppResult<Vec<(i64, String)>> {
        let (mine, people) = self.people_around(caller).await?;
        Ok(people
            .into_iter()
            .filter(|(id, _, theirs, _)| *id != caller.actor.user_id && can_approve(&mine, theirs))
            .map(|(id, name, theirs, _)| (id, format!("{name} – {}", theirs[0].position.label(egov_domain::Lang::Vi))))
            .collect())
    }

    /// People of the caller's agencies (to ask for comments on a draft).
    pub async fn colleagues(&self, caller: &Caller) -> AppResult<Vec<(i64, String)>> {
        let (_, people) = self.people_around(caller).await?;
        Ok(people
            .into_iter()
            .filter(|(id, ..)| *id != caller.actor.user_id)
            .map(|(id, name, _, unit)| (id, if unit.is_empty() { name } else { format!("{name}, {unit}") }))
            .collect())
    }

    /// The caller's positions and everyone in the caller's agencies with theirs.
    async fn people_around(
        &self,
        caller: &Caller,
    ) -> AppResult<(Vec<egov_domain::routing::Holding>, Vec<super::PersonHoldings>)> {
        require(caller, Scope::DocumentsRead)?;
        let mut conn = self.store.read().await?;
        let mine = self.holdings(&mut conn, caller.actor.user_id).await?;
        let people = super::group_people(hdb::people_of(&mut conn, &super::agencies_of(&mine)).await?);
        Ok((mine, people))
    }

    /// Agencies on the platform and units of the caller's agency, as addressees for a draft:
    /// (agencies (id, name)), (units (id, name)).
    pub async fn addressees(&self, caller: &Caller) -> AppResult<(Vec<(i64, String)>, Vec<(i64, String)>)> {
        require(caller, Scope::DocumentsRead)?;
        let mut conn = self.store.read().await?;
        let agencies = egov_storage::org::agency_tree(&mut conn, &egov_storage::Visibility::All)
            .await?
            .into_iter()
            .filter(|a| a.active && a.id != caller.actor.agency_id)
            .map(|a| (a.id, format!("{} ({})", a.name, a.code)))
            .collect();
        let units = hdb::units_of(&mut conn, &[caller.actor.agency_id])
            .await?
            .into_iter()
            .map(|(id, _, _, name)| (id, name))
            .collect();
        Ok((agencies, units))
    }

    /// A draft of the caller's in a state where it can go out for comments or approval.
    async fn own_draft(&self, c: &mut Conn, caller: &Caller, id: i64) -> AppResult<DocumentRow> {
        let d = self.visible_document(c, caller, id).await?;
        if d.direction != "outgoing" || d.created_by != caller.actor.user_id {
            return Err(AppError::Forbidden);
        }
        if !matches!(d.status.as_str(), "draft" | "returned") {
            return Err(conflict(
                "status",
                "not_a_draft",
                "Dự thảo đang được duyệt hoặc đã phát hành.",
                "The draft is already in approval or issued.",
            ));
        }
        Ok(d)
    }
}

/// An addressee looked up in the directory.
struct Resolved {
    agency_id: Option<i64>,
    unit_id: Option<i64>,
    code: Option<String>,
    name: String,
}

/// "Nơi nhận" as written on the document: the addressees' names.
fn names_of(list: &[Resolved]) -> String {
    list.iter().map(|r| r.name.as_str()).collect::<Vec<_>>().join("; ")
}

async fn next_round(c: &mut Conn, document_id: i64) -> AppResult<i64> {
    Ok(hdb::reviews_of(c, document_id).await?.iter().map(|r| r.round).max().unwrap_or(0) + 1)
}

fn already_decided() -> AppError {
    conflict(
        "decision",
        "already_decided",
        "Bước này đã được xử lý hoặc không đến lượt bạn.",
        "This step was already decided, or it is not your turn.",
    )
}
