//! Status answers (edXML `Status` packages): queued for the sender when a document that arrived through the
//! exchange moves on (01 arrived … 06 completed, 02 refused), and applied when they come back for a document
//! this agency sent: the addressee's status on the sent document, with the reason, on its timeline.
use egov_domain::agency_code::same_agency_code;
use egov_edxml::{AgencyCode, DocumentId, Organization, ResponseFor, StaffInfo, StatusCode, StatusPackage};
use egov_storage::documents::{self as db, DocumentRow};
use egov_storage::exchange::{self as xdb, NewOutbox};
use egov_storage::Conn;

use super::{edxml_date, edxml_now, package_error, record_step, Step, EDXML_NS};
use crate::documents::{audit_doc, reindex};
use crate::{now_ms, AppError, AppResult, Caller, Services};

/// What an addressee's status code means on the sender's side, and how far along it is (a later answer never
/// moves an addressee back; a refusal is final).
pub(crate) fn recipient_status_of(code: StatusCode) -> (&'static str, u8) {
    match code {
        StatusCode::Arrived => ("arrived", 2),
        StatusCode::Received => ("received", 3),
        StatusCode::Assigned => ("assigned", 4),
        StatusCode::Processing => ("processing", 5),
        StatusCode::Completed => ("completed", 6),
        StatusCode::Refused => ("refused", 9),
        StatusCode::TakeBackRequested => ("take_back_requested", 7),
        StatusCode::TakeBackAccepted => ("taken_back", 9),
        StatusCode::TakeBackRefused => ("take_back_refused", 8),
    }
}

fn rank_of(status: &str) -> u8 {
    match status {
        "queued" | "not_sent" | "pending" | "update_requested" => 0,
        "sent" | "send_failed" => 1,
        "arrived" | "updated" | "update_refused" => 2,
        "received" => 3,
        "assigned" => 4,
        "processing" => 5,
        "completed" => 6,
        "take_back_requested" => 7,
        "take_back_refused" => 8,
        _ => 9,
    }
}

/// The package a status answers: its `DocumentId`, its sender, number and notation, date.
#[derive(Debug, Clone)]
pub(crate) struct About {
    pub document_id: DocumentId,
    pub sender: Organization,
    pub code: String,
    pub promulgation_date: Option<egov_edxml::Date>,
}

/// The result of applying an arriving status.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct StatusApplied {
    /// The sent document it is about.
    pub document_id: i64,
    /// The addressee's status now.
    pub status: String,
}

impl Services {
    /// Puts the status answer `code` for a document that arrived through the exchange in the agency's outbox,
    /// signed with the agency's exchange key, in the caller's transaction. Documents that did not come through
    /// the exchange have nobody to answer; an agency without an exchange key is logged and skipped.
    pub(crate) async fn queue_status(
        &self,
        c: &mut Conn,
        caller: &Caller,
        d: &DocumentRow,
        code: StatusCode,
        description: &str,
        now: i64,
    ) -> AppResult<()> {
        let (Some(exchange_id), Some(sender)) = (&d.exchange_id, &d.sender_code) else { return Ok(()) };
        let internal = |what: String| AppError::internal(anyhow::anyhow!(what));
        let about = About {
            document_id: exchange_id.parse().map_err(|_| internal(format!("document id {exchange_id}")))?,
            sender: Organization::new(
                AgencyCode::parse(sender).map_err(|_| internal(format!("sender code {sender}")))?,
                d.sender_name.clone().unwrap_or_default(),
            ),
            code: d.number_notation.clone().unwrap_or_default(),
            promulgation_date: d.issued_on.as_deref().and_then(edxml_date),
        };
        let to = about.sender.clone();
        self.queue_answer(c, caller, d.agency_id, Some(d.id), &about, &to, code, description, now).await
    }

    /// Puts a status package about the document `about` for `to` in the agency's outbox (signed with its
    /// exchange key), in the caller's transaction; `document` is our document it concerns, if any (a refused
    /// package has none). Answers go to the document's sender; a take-back request (13) goes from the sender
    /// to an addressee.
    #[allow(clippy::too_many_arguments)]
    pub(crate) async fn queue_answer(
        &self,
        c: &mut Conn,
        caller: &Caller,
        agency_id: i64,
        document: Option<i64>,
        about: &About,
        to: &Organization,
        code: StatusCode,
        description: &str,
        now: i64,
    ) -> AppResult<()> {
        let Some(signer) = self.exchange_signer(c, agency_id).await? else {
            tracing::warn!(agency = agency_id, "no exchange key: status {} not sent", code.code());
            return Ok(());
        };
        let agency = egov_storage::org::get_agency(c, agency_id, &egov_storage::Visibility::All)
            .await?
            .ok_or(AppError::NotFound)?;
        let internal = |what: String| AppError::internal(anyhow::anyhow!(what));
        let own = AgencyCode::parse(&agency.code).map_err(|_| internal(format!("agency code {}", agency.code)))?;
        let staff_name = egov_storage::accounts::full_name(c, caller.actor.user_id).await?.unwrap_or_default();
        let status = StatusPackage {
            response_for: ResponseFor {
                organ_id: about.sender.organ_id.clone(),
                code: about.code.clone(),
                promulgation_date: about.promulgation_date,
                document_id: about.document_id.clone(),
            },
            from: Organization::new(own, agency.name.clone()),
            to: vec![to.clone()],
            status_code: code,
            description: description.to_string(),
            timestamp: edxml_now()?,
            staff: StaffInfo { staff: staff_name, ..StaffInfo::default() },
        };
        let written = egov_edxml::write_status(&status).map_err(|e| package_error(&e))?;
        let xml = String::from_utf8(written.bytes).map_err(AppError::internal)?;
        let signed = egov_xmldsig::sign(&xml, EDXML_NS, "DigitalSignature", signer.as_ref())
            .map_err(|e| internal(format!("signing a status: {e}")))?;
        let code_text = format!("{:02}", code.code());
        xdb::insert_outbox(
            c,
            &NewOutbox {
                agency_id,
                kind: "status",
                to_code: to.organ_id.as_str(),
                document_id: document,
                status_code: Some(&code_text),
                package: &signed,
            },
            now,
        )
        .await?;
        self.exchange_wake.notify_one();
        Ok(())
    }

    /// Applies a status answer that arrived for `agency_id` (checked: valid, addressed to it, signature intact
    /// and trusted, about a document it sent to the status's author); refusals name the reason.
    pub async fn apply_status(&self, caller: &Caller, agency_id: i64, bytes: &[u8]) -> AppResult<StatusApplied> {
        crate::documents::require(caller, crate::Scope::DocumentsWrite)?;
        if !caller.actor.is_clerk_of(agency_id) && !caller.actor.is_system_admin() {
            return Err(AppError::Forbidden);
        }
        self.check_package_size(bytes.len())?;
        let status = egov_edxml::read_status_with(bytes, &self.edxml_options()).map_err(|e| package_error(&e))?.status;
        self.addressed_here(agency_id, &status.to).await?;
        let xml = std::str::from_utf8(bytes).map_err(|_| {
            AppError::invalid("package", "bad_package", "Gói tin không phải UTF-8.", "The package is not UTF-8.")
        })?;
        self.check_package_signature(xml, false).await?;
        let unknown = || {
            AppError::invalid(
                "package",
                "unknown_document",
                "Trạng thái cho văn bản không được gửi từ cơ quan này.",
                "The status is about a document this agency did not send.",
            )
        };
        let now = now_ms();
        let mut tx = self.store.begin().await?;
        let exchange_id = status.response_for.document_id.to_string();
        if status.status_code == StatusCode::TakeBackRequested {
            return self.answer_take_back(tx, caller, agency_id, &status, now).await;
        }
        let d = db::document_by_exchange_id(&mut tx, agency_id, &exchange_id)
            .await?
            .filter(|d| d.direction == "outgoing")
            .ok_or_else(unknown)?;
        let author = &status.from.organ_id;
        let recipient = db::recipients_of(&mut tx, d.id)
            .await?
            .into_iter()
            .find(|r| r.code.as_deref().and_then(|c| AgencyCode::parse(c).ok()).as_ref() == Some(author))
            .ok_or_else(unknown)?;
        let (new_status, rank) = match (d.status.as_str(), recipient.status.as_str(), status.status_code) {
            // For a revoked document, 03 and 02 answer the revocation.
            ("revoked", _, StatusCode::Received) => ("revoked", 9),
            ("revoked", _, StatusCode::Refused) => ("revoke_refused", 9),
            // After an update, 15 and 16 answer it.
            (_, "update_requested", StatusCode::TakeBackAccepted) => ("updated", 2),
            (_, "update_requested", StatusCode::TakeBackRefused) => ("update_refused", 2),
            (_, _, code) => recipient_status_of(code),
        };
        let code_text = format!("{:02}", status.status_code.code());
        let applied = if rank >= rank_of(&recipient.status) && recipient.status != new_status {
            let note = Some(status.description.as_str()).filter(|n| !n.trim().is_empty());
            db::set_recipient_status(&mut tx, recipient.id, new_status, None, note, now).await?;
            new_status.to_string()
        } else {
            recipient.status.clone()
        };
        let body = if status.description.trim().is_empty() {
            code_text.clone()
        } else {
            format!("{code_text}: {}", status.description.trim())
        };
        record_step(
            &mut tx,
            d.id,
            Step {
                actor: None,
                actor_name: &status.staff.staff,
                kind: "exchange_status",
                target: &recipient.name,
                body: &body,
            },
            now,
        )
        .await?;
        let detail = serde_json::json!({ "from": author.as_str(), "status": code_text, "recipient_status": applied });
        audit_doc(&mut tx, caller, "document.exchange_status", d.id, &detail).await?;
        crate::commit(tx).await?;
        Ok(StatusApplied { document_id: d.id, status: applied })
    }

    /// A sender asks to take back (13) a document it sent to this agency: granted (15) while the document
    /// waits in the "to register" queue — it is withdrawn and leaves the inboxes; refused (16) once it is
    /// registered (the sender must then revoke it formally, business type 1).
    async fn answer_take_back(
        &self,
        mut tx: egov_storage::Tx,
        caller: &Caller,
        agency_id: i64,
        status: &StatusPackage,
        now: i64,
    ) -> AppResult<StatusApplied> {
        let exchange_id = status.response_for.document_id.to_string();
        let d = db::document_by_exchange_id(&mut tx, agency_id, &exchange_id)
            .await?
            .filter(|d| {
                d.direction == "incoming"
                    && d.sender_code.as_deref().is_some_and(|s| same_agency_code(s, status.from.organ_id.as_str()))
            })
            .ok_or_else(|| {
                AppError::invalid(
                    "package",
                    "unknown_document",
                    "Đề nghị lấy lại văn bản chưa từng nhận.",
                    "A take-back request for a document that was never received.",
                )
            })?;
        let reason = status.description.trim();
        let (answer, text, kind) = if d.status == "to_register" {
            let why = if reason.is_empty() {
                "Cơ quan gửi lấy lại văn bản".to_string()
            } else {
                reason.to_string()
            };
            db::revoke(&mut tx, d.id, &why, now).await?;
            crate::documents::close_copy_items(&mut tx, d.id, now).await?;
            (StatusCode::TakeBackAccepted, "Đồng ý cho lấy lại: văn bản chưa vào sổ", "taken_back")
        } else if d.status == "revoked" {
            (StatusCode::TakeBackAccepted, "Văn bản đã được thu hồi", "taken_back")
        } else {
            (
                StatusCode::TakeBackRefused,
                "Văn bản đã vào sổ và đang được xử lý; đề nghị cơ quan gửi thu hồi văn bản",
                "take_back_requested",
            )
        };
        let body = if reason.is_empty() { text.to_string() } else { format!("{reason} — {text}") };
        record_step(
            &mut tx,
            d.id,
            Step { actor: None, actor_name: &status.staff.staff, kind, target: &status.from.organ_name, body: &body },
            now,
        )
        .await?;
        self.queue_status(&mut tx, caller, &d, answer, text, now).await?;
        let code_text = format!("{:02}", answer.code());
        let detail = serde_json::json!({ "from": status.from.organ_id.as_str(), "status": "13", "answer": code_text });
        audit_doc(&mut tx, caller, "document.take_back_answered", d.id, &detail).await?;
        crate::commit(tx).await?;
        Ok(StatusApplied { document_id: d.id, status: kind.to_string() })
    }

    /// The issuing agency's clerk asks every outside addressee that has (or may have) the document to give it
    /// back (status 13, "lấy lại"); each answers 15 (given back) or 16 (refused). Returns how many were asked.
    pub async fn request_take_back(&self, caller: &Caller, id: i64, reason: &str) -> AppResult<usize> {
        crate::documents::require(caller, crate::Scope::DocumentsWrite)?;
        let reason = super::exchange_reason(
            reason,
            "Vui lòng nêu lý do lấy lại văn bản.",
            "Give the reason for taking the document back.",
        )?;
        let reason = reason.as_str();
        let now = now_ms();
        let mut tx = self.store.begin().await?;
        let d = self.visible_document(&mut tx, caller, id).await?;
        if !caller.actor.is_clerk_of(d.agency_id) {
            return Err(AppError::Forbidden);
        }
        let asked_for: Vec<_> = db::recipients_of(&mut tx, d.id)
            .await?
            .into_iter()
            .filter(|r| r.agency_id.is_none() && r.unit_id.is_none())
            .filter(|r| super::HELD_BY_ADDRESSEE.contains(&r.status.as_str()))
            .collect();
        let (Some(exchange_id), true) = (d.exchange_id.clone(), d.direction == "outgoing" && d.status == "issued")
        else {
            return Err(crate::documents::conflict(
                "status",
                "not_exchanged",
                "Chỉ lấy lại được văn bản đã phát hành qua trục liên thông.",
                "Only a document issued through the exchange can be taken back.",
            ));
        };
        if asked_for.is_empty() {
            return Err(crate::documents::conflict(
                "status",
                "nothing_to_take_back",
                "Không có nơi nhận nào qua trục liên thông để lấy lại văn bản.",
                "No addressee reached through the exchange to take the document back from.",
            ));
        }
        let agency = egov_storage::org::get_agency(&mut tx, d.agency_id, &egov_storage::Visibility::All)
            .await?
            .ok_or(AppError::NotFound)?;
        let internal = |what: String| AppError::internal(anyhow::anyhow!(what));
        let own = AgencyCode::parse(&agency.code).map_err(|_| internal(format!("agency code {}", agency.code)))?;
        let about = About {
            document_id: exchange_id.parse().map_err(|_| internal(format!("document id {exchange_id}")))?,
            sender: Organization::new(own, agency.name.clone()),
            code: d.number_notation.clone().unwrap_or_default(),
            promulgation_date: d.issued_on.as_deref().and_then(edxml_date),
        };
        for r in &asked_for {
            let code = r.code.as_deref().unwrap_or_default();
            let to = Organization::new(
                AgencyCode::parse(code).map_err(|_| internal(format!("addressee code {code}")))?,
                r.name.clone(),
            );
            self.queue_answer(
                &mut tx,
                caller,
                d.agency_id,
                Some(d.id),
                &about,
                &to,
                StatusCode::TakeBackRequested,
                reason,
                now,
            )
            .await?;
            db::set_recipient_status(&mut tx, r.id, "take_back_requested", None, Some(reason), now).await?;
        }
        crate::documents::event(&mut tx, caller, d.id, "take_back_requested", None, Some(reason), None).await?;
        reindex(&mut tx, d.id).await?;
        let detail = serde_json::json!({ "reason": reason, "addressees": asked_for.len() });
        audit_doc(&mut tx, caller, "document.take_back_requested", d.id, &detail).await?;
        crate::commit(tx).await?;
        Ok(asked_for.len())
    }
}
