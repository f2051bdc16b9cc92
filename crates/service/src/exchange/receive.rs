//! Arriving edXML document packages: checked (well-formed and valid edXML, addressed to this agency, XML
//! signature intact and trusted, PDF signatures checked at intake, never twice) and put in the clerks' "to
//! register" queue, or, for a revocation, applied to the copy received before; answered with statuses.
use egov_domain::agency_code::same_agency_code;
use egov_edxml::{BusinessDocType, Package, StatusCode};
use egov_storage::documents::{self as db, NewDocument};
use egov_storage::handling as hdb;

use super::{document_type_of, package_error, record_step, urgency_of, Step};
use crate::documents::{audit_doc, conflict, require, Upload};
use crate::{now_ms, AppError, AppResult, Caller, Scope, Services};

impl Services {
    /// Receives an edXML package for `agency_id` (its clerks): checks it and puts the document in the clerks'
    /// "to register" queue. Returns the new document's id.
    pub async fn receive_package(&self, caller: &Caller, agency_id: i64, bytes: &[u8]) -> AppResult<i64> {
        self.receive_checked(caller, agency_id, bytes, true).await
    }

    /// [`Services::receive_package`]; an unsigned package is taken only when `allow_unsigned`
    /// (a clerk's import: not a package pushed or pulled from the exchange).
    pub(crate) async fn receive_checked(
        &self,
        caller: &Caller,
        agency_id: i64,
        bytes: &[u8],
        allow_unsigned: bool,
    ) -> AppResult<i64> {
        require(caller, Scope::DocumentsWrite)?;
        if !caller.actor.is_clerk_of(agency_id) && !caller.actor.is_system_admin() {
            return Err(AppError::Forbidden);
        }
        self.check_package_size(bytes.len())?;
        let read = egov_edxml::read_package_with(bytes, &self.edxml_options()).map_err(|e| package_error(&e))?;
        let package = read.package;
        let own = self.addressed_here(agency_id, &package.header.to).await?;
        let xml = std::str::from_utf8(bytes).map_err(|_| {
            AppError::invalid("package", "bad_package", "Gói tin không phải UTF-8.", "The package is not UTF-8.")
        })?;
        let signature_note = self.check_package_signature(xml, allow_unsigned).await?;
        match package.trace.business.as_ref().map(|b| b.doc_type) {
            Some(BusinessDocType::Revoke) => {
                return self.receive_revocation(caller, agency_id, &package, &signature_note).await;
            }
            Some(BusinessDocType::Update) => {
                return self.receive_update(caller, agency_id, &package, &signature_note).await;
            }
            _ => {}
        }
        let header = &package.header;
        let uploads: Vec<Upload> =
            package.attachments.iter().map(|a| Upload { name: a.name.clone(), bytes: a.data.clone() }).collect();
        let files = self.intake(uploads, "package").await?;
        let doc_type = document_type_of(&header.document_type);
        let number_notation = super::number_notation_of(&header.code);
        let issued_on = format!(
            "{:04}-{:02}-{:02}",
            header.promulgation.date.year(),
            header.promulgation.date.month(),
            header.promulgation.date.day()
        );
        let sender_code = header.from.organ_id.to_string();
        let exchange_id = header.document_id.to_string();
        let now = now_ms();
        let mut tx = self.store.begin().await?;
        let (actor, by) = receiving_user(&mut tx, caller, agency_id).await?;
        let replaces = match &package.trace.business {
            Some(b) if b.doc_type == BusinessDocType::Replace => {
                let mut found = Vec::new();
                for r in &b.replacements {
                    let ours = r.organ_ids.is_empty()
                        || r.organ_ids
                            .iter()
                            .any(|o| own.as_ref().is_some_and(|own| same_agency_code(o.as_str(), own.as_str())));
                    let replaced = db::document_by_exchange_id(&mut tx, agency_id, &r.document_id.to_string()).await?;
                    if let Some(d) = replaced.filter(|d| ours && d.direction == "incoming") {
                        found.push(d);
                    }
                }
                found
            }
            _ => Vec::new(),
        };
        let id = db::insert_document(
            &mut tx,
            &NewDocument {
                agency_id,
                direction: "incoming",
                status: "to_register",
                agency_wide: false,
                year: i64::from(header.promulgation.date.year()),
                doc_type: doc_type.as_str(),
                number_notation: Some(&number_notation),
                issued_on: Some(&issued_on),
                subject: &header.subject,
                sender_code: Some(&sender_code),
                sender_name: Some(&header.from.organ_name),
                urgency: urgency_of(header.other_info.priority).as_str(),
                secrecy: "none",
                signer: Some(header.signer.full_name.as_str()).filter(|s| !s.is_empty()),
                page_count: header.other_info.page_amount.map(i64::from),
                received_at: Some(now),
                created_by: by,
                replaces_id: replaces.first().map(|d| d.id),
                ..NewDocument::default()
            },
            now,
        )
        .await?;
        db::set_exchange_id(&mut tx, id, &exchange_id).await.map_err(|e| match AppError::from(e) {
            AppError::Conflict(_) => conflict(
                "package",
                "duplicate_package",
                "Gói tin này đã được nhận trước đó.",
                "This package was received before.",
            ),
            other => other,
        })?;
        self.attach_intake(&mut tx, id, &files, 0, "main", by, now).await?;
        for clerk in hdb::agency_clerks(&mut tx, agency_id).await? {
            self.deliver(&mut tx, clerk, id, "to_register", "clerk", Some(id), actor, None, now).await?;
        }
        for old in &replaces {
            db::set_status(&mut tx, old.id, "replaced", old.agency_wide, now).await?;
            let body = format!("Được thay thế bởi văn bản số {number_notation}");
            record_step(
                &mut tx,
                old.id,
                Step { actor, actor_name: "", kind: "replaced", target: &number_notation, body: &body },
                now,
            )
            .await?;
        }
        record_step(
            &mut tx,
            id,
            Step { actor, actor_name: "", kind: "received", target: &header.from.organ_name, body: &signature_note },
            now,
        )
        .await?;
        let arrived = db::get_document_unchecked(&mut tx, id).await?.ok_or(AppError::NotFound)?;
        self.queue_status(&mut tx, caller, &arrived, StatusCode::Arrived, "Đã đến", now).await?;
        let detail = serde_json::json!({ "document_id": exchange_id, "from": sender_code, "files": files.len(), "signature": signature_note });
        audit_doc(&mut tx, caller, "document.receive_edxml", id, &detail).await?;
        crate::commit(tx).await?;
        Ok(id)
    }

    /// A revocation (business type 1) of a document received before: the copy is marked revoked, leaves the
    /// inboxes, and the sender hears 03 (revocation accepted); without such a copy, the revocation is refused.
    async fn receive_revocation(
        &self,
        caller: &Caller,
        agency_id: i64,
        package: &Package,
        signature_note: &str,
    ) -> AppResult<i64> {
        let reason = package.trace.business.as_ref().map(|b| b.reason.trim()).unwrap_or_default();
        let reason = if reason.is_empty() { "Cơ quan gửi thu hồi văn bản" } else { reason };
        let now = now_ms();
        let mut tx = self.store.begin().await?;
        let (actor, _) = receiving_user(&mut tx, caller, agency_id).await?;
        let exchange_id = package.header.document_id.to_string();
        let d = db::document_by_exchange_id(&mut tx, agency_id, &exchange_id)
            .await?
            .filter(|d| {
                d.direction == "incoming"
                    && d.sender_code
                        .as_deref()
                        .is_some_and(|s| same_agency_code(s, package.header.from.organ_id.as_str()))
            })
            .ok_or_else(|| {
                AppError::invalid(
                    "package",
                    "unknown_document",
                    "Thu hồi văn bản chưa từng nhận.",
                    "Revocation of a document that was never received.",
                )
            })?;
        if d.status != "revoked" {
            db::revoke(&mut tx, d.id, reason, now).await?;
            crate::documents::close_copy_items(&mut tx, d.id, now).await?;
            let body = format!("{reason} ({signature_note})");
            record_step(
                &mut tx,
                d.id,
                Step { actor, actor_name: "", kind: "revoked", target: &package.header.from.organ_name, body: &body },
                now,
            )
            .await?;
            self.queue_status(&mut tx, caller, &d, StatusCode::Received, "Đã nhận thu hồi văn bản", now).await?;
            let detail = serde_json::json!({ "document_id": exchange_id, "reason": reason });
            audit_doc(&mut tx, caller, "document.revoked_by_sender", d.id, &detail).await?;
        }
        crate::commit(tx).await?;
        Ok(d.id)
    }

    /// An update (business type 2) of a document received before: its details are replaced by the package's,
    /// its files added as a new version, the reason put on its timeline, and the sender hears 15; a revoked
    /// copy is not updated (16); without such a copy the update is refused.
    async fn receive_update(
        &self,
        caller: &Caller,
        agency_id: i64,
        package: &Package,
        signature_note: &str,
    ) -> AppResult<i64> {
        let header = &package.header;
        let reason = package.trace.business.as_ref().map(|b| b.reason.trim()).unwrap_or_default();
        let uploads: Vec<Upload> =
            package.attachments.iter().map(|a| Upload { name: a.name.clone(), bytes: a.data.clone() }).collect();
        let files = self.intake(uploads, "package").await?;
        let now = now_ms();
        let mut tx = self.store.begin().await?;
        let (actor, by) = receiving_user(&mut tx, caller, agency_id).await?;
        let exchange_id = header.document_id.to_string();
        let d = db::document_by_exchange_id(&mut tx, agency_id, &exchange_id)
            .await?
            .filter(|d| {
                d.direction == "incoming"
                    && d.sender_code.as_deref().is_some_and(|s| same_agency_code(s, header.from.organ_id.as_str()))
            })
            .ok_or_else(|| {
                AppError::invalid(
                    "package",
                    "unknown_document",
                    "Cập nhật cho văn bản chưa từng nhận.",
                    "An update of a document that was never received.",
                )
            })?;
        if d.status == "revoked" || d.status == "replaced" {
            self.queue_status(
                &mut tx,
                caller,
                &d,
                StatusCode::TakeBackRefused,
                "Văn bản đã bị thu hồi hoặc thay thế",
                now,
            )
            .await?;
            crate::commit(tx).await?;
            return Ok(d.id);
        }
        let version = db::update_draft(
            &mut tx,
            d.id,
            &db::DraftChange {
                doc_type: document_type_of(&header.document_type).as_str(),
                subject: &header.subject,
                urgency: urgency_of(header.other_info.priority).as_str(),
                secrecy: &d.secrecy,
                legal_normative: d.legal_normative,
                signer: Some(header.signer.full_name.as_str()).filter(|s| !s.is_empty()),
                recipients_text: d.recipients_text.as_deref(),
                page_count: header.other_info.page_amount.map(i64::from),
            },
            now,
        )
        .await?;
        self.attach_intake(&mut tx, d.id, &files, version, "main", by, now).await?;
        let body = if reason.is_empty() { signature_note.to_string() } else { format!("{reason} ({signature_note})") };
        record_step(
            &mut tx,
            d.id,
            Step { actor, actor_name: "", kind: "updated", target: &header.from.organ_name, body: &body },
            now,
        )
        .await?;
        self.queue_status(&mut tx, caller, &d, StatusCode::TakeBackAccepted, "Đã cập nhật văn bản", now).await?;
        let detail = serde_json::json!({ "document_id": exchange_id, "reason": reason, "files": files.len() });
        audit_doc(&mut tx, caller, "document.updated_by_sender", d.id, &detail).await?;
        crate::commit(tx).await?;
        Ok(d.id)
    }
}

/// The one answer to a pushed package that is not taken — whatever the reason, and for an agency
/// code this node does not serve alike — so that the unauthenticated push URL does not tell which
/// codes hold exchange keys (the reason is logged; a readable document's sender hears 02).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct PushRefusal;

impl PushRefusal {
    /// As an [`AppError`]: 422, field `package`, code `refused`.
    pub fn error() -> AppError {
        AppError::invalid("package", "refused", "Gói tin không được tiếp nhận.", "The package was not taken.")
    }
}

/// Who receives for the agency: the calling clerk, or, when the exchange worker receives, nobody in person
/// (the documents are recorded as created by the agency's first clerk).
async fn receiving_user(c: &mut egov_storage::Conn, caller: &Caller, agency_id: i64) -> AppResult<(Option<i64>, i64)> {
    if caller.actor.user_id != 0 {
        return Ok((Some(caller.actor.user_id), caller.actor.user_id));
    }
    let clerk = hdb::agency_clerks(c, agency_id).await?.into_iter().next().ok_or_else(|| {
        AppError::invalid(
            "package",
            "no_clerk",
            "Cơ quan nhận chưa có văn thư để tiếp nhận văn bản.",
            "The receiving agency has no clerk to receive documents.",
        )
    })?;
    Ok((None, clerk))
}
