//! Outgoing edXML document packages: built from an issued document for one outside addressee, signed with an
//! agency key, either exported on demand (seal key, the clerk's PIN) or written to the outbox in the issuing
//! (or revoking, or replacing) transaction (the agency's exchange key).
use egov_domain::document::{DocumentType, Secrecy};
use egov_domain::lang::Lang;
use egov_edxml::{
    AgencyCode, Attachment, Business, BusinessDocType, BusinessDocumentInfo, Code, DocumentId, DocumentType as EdType,
    MessageHeader, Organization, OtherInfo, Package, PromulgationInfo, ReplacementInfo, SignerInfo, StaffInfo,
    SteeringType, TraceHeader, TraceHeaderList, TypeCode,
};
use egov_storage::documents::{self as db, DocumentRow, RecipientRow};
use egov_storage::exchange::{self as xdb, NewOutbox};
use egov_storage::org::AgencyRow;
use egov_storage::signatures as sdb;
use egov_storage::Conn;

use super::{edxml_date, edxml_now, package_error, priority_of, EDXML_NS};
use crate::documents::{audit_doc, conflict, require};
use crate::{AppError, AppResult, Caller, Scope, Services};

/// Why a package is sent: a new document, or a revocation, update or replacement of one sent before.
#[derive(Clone, Debug)]
pub(crate) enum Purpose {
    New,
    Revoke { reason: String },
    Update { reason: String },
    Replace { replaced: DocumentId, reason: String },
}

fn bad_code(what: &str) -> AppError {
    AppError::invalid(
        "recipients",
        "bad_agency_code",
        &format!("Mã định danh không hợp lệ: {what}"),
        &format!("Not an identifier code: {what}"),
    )
}

/// The edXML `DocumentId` of an issued document of `issuer`.
pub(crate) fn document_id_of(d: &DocumentRow, issuer: &AgencyRow) -> AppResult<DocumentId> {
    let from = AgencyCode::parse(&issuer.code).map_err(|_| bad_code(&issuer.code))?;
    let number_notation = d.number_notation.clone().unwrap_or_default();
    let (number, notation) = number_notation.split_once('/').unwrap_or((number_notation.as_str(), ""));
    let date = d
        .issued_on
        .as_deref()
        .and_then(edxml_date)
        .ok_or_else(|| AppError::internal(anyhow::anyhow!("issued document without a date")))?;
    DocumentId::new(from, date, number, notation).ok_or_else(|| AppError::internal(anyhow::anyhow!("document id")))
}

/// The package of an issued document `d` for one outside addressee, with its latest files.
fn document_package(
    d: &DocumentRow,
    issuer: &AgencyRow,
    recipient: &RecipientRow,
    attachments: Vec<Attachment>,
    purpose: &Purpose,
) -> AppResult<Package> {
    let from_code = AgencyCode::parse(&issuer.code).map_err(|_| bad_code(&issuer.code))?;
    let to_code = recipient.code.as_deref().unwrap_or_default();
    let to_code = AgencyCode::parse(to_code).map_err(|_| bad_code(to_code))?;
    let document_id = document_id_of(d, issuer)?;
    let number_notation = d.number_notation.clone().unwrap_or_default();
    let (number, notation) = number_notation.split_once('/').unwrap_or((number_notation.as_str(), ""));
    let doc_type = DocumentType::parse(&d.doc_type).unwrap_or(DocumentType::CongVan);
    let type_number = doc_type
        .abbreviation()
        .and_then(egov_edxml::type_number_by_abbreviation)
        .or_else(|| egov_edxml::type_number_by_name(doc_type.label(Lang::Vi)))
        .unwrap_or(18);
    let business = match purpose {
        Purpose::New => None,
        Purpose::Revoke { reason } => Some(Business {
            doc_type: BusinessDocType::Revoke,
            reason: reason.clone(),
            staff: StaffInfo::default(),
            ..Business::default()
        }),
        Purpose::Update { reason } => Some(Business {
            doc_type: BusinessDocType::Update,
            reason: reason.clone(),
            document_info: Some(BusinessDocumentInfo { document_info: true, ..BusinessDocumentInfo::default() }),
            ..Business::default()
        }),
        Purpose::Replace { replaced, reason } => Some(Business {
            doc_type: BusinessDocType::Replace,
            reason: reason.clone(),
            replacements: vec![ReplacementInfo { document_id: replaced.clone(), organ_ids: vec![to_code.clone()] }],
            ..Business::default()
        }),
    };
    Ok(Package {
        header: MessageHeader {
            from: Organization::new(from_code.clone(), issuer.name.clone()),
            to: vec![Organization::new(to_code, recipient.name.clone())],
            code: Code { number: number.to_string(), notation: notation.to_string() },
            promulgation: PromulgationInfo { place: String::new(), date: document_id.date() },
            document_type: EdType {
                code: TypeCode::Number(type_number),
                name: egov_edxml::type_name(type_number).unwrap_or("Công văn").to_string(),
            },
            subject: d.subject.clone(),
            content: String::new(),
            signer: SignerInfo { full_name: d.signer.clone().unwrap_or_default(), ..SignerInfo::default() },
            due_date: None,
            to_places: vec![recipient.name.clone()],
            other_info: OtherInfo {
                priority: priority_of(&d.urgency),
                page_amount: d.page_count.and_then(|p| u32::try_from(p).ok()),
                ..OtherInfo::default()
            },
            response_for: Vec::new(),
            steering_type: SteeringType::Ordinary,
            document_id,
        },
        trace: TraceHeaderList { traces: vec![TraceHeader { organ_id: from_code, timestamp: edxml_now()? }], business },
        attachments,
    })
}

/// Writes and signs a package (XML-DSig in `edXML:DigitalSignature`).
fn sign_package(package: &Package, signer: &dyn egov_pki::Signer) -> AppResult<String> {
    let written = egov_edxml::write_package(package).map_err(|e| package_error(&e))?;
    let xml = String::from_utf8(written.bytes).map_err(AppError::internal)?;
    egov_xmldsig::sign(&xml, EDXML_NS, "DigitalSignature", signer)
        .map_err(|e| AppError::invalid("package", "signing_failed", &e.to_string(), "The package could not be signed."))
}

fn refuse_secret(d: &DocumentRow) -> AppResult<()> {
    if Secrecy::parse(&d.secrecy).is_some_and(Secrecy::is_secret) {
        return Err(AppError::invalid(
            "recipients",
            "secret_not_exchanged",
            "Văn bản mật không được gửi qua trục liên thông điện tử.",
            "Secret documents are never sent through the electronic exchange.",
        ));
    }
    Ok(())
}

impl Services {
    /// The latest files of a document as edXML attachments.
    fn attachments_of(&self, files: &[db::DocumentFileRow]) -> AppResult<Vec<Attachment>> {
        let latest = files.iter().map(|f| f.version).max().unwrap_or(0);
        files
            .iter()
            .filter(|f| f.version == latest)
            .enumerate()
            .map(|(i, f)| {
                Ok(Attachment {
                    content_id: (i + 1).to_string(),
                    name: f.file_name.clone(),
                    description: String::new(),
                    content_type: f.media_type.clone(),
                    data: self.files.get(&f.sha256).map_err(AppError::internal)?,
                })
            })
            .collect()
    }

    /// Writes one signed package per outside addressee of the issued document `d` into the outbox, in the
    /// caller's transaction, and marks those addressees queued; returns how many were queued. Signed with
    /// the agency's exchange key; without one, the addressees are marked "not sent" with the reason.
    pub(crate) async fn queue_document_packages(
        &self,
        c: &mut Conn,
        d: &DocumentRow,
        recipients: &[RecipientRow],
        purpose: &Purpose,
        now: i64,
    ) -> AppResult<usize> {
        if recipients.is_empty() {
            return Ok(0);
        }
        refuse_secret(d)?;
        let issuer = egov_storage::org::get_agency(c, d.agency_id, &egov_storage::Visibility::All)
            .await?
            .ok_or(AppError::NotFound)?;
        if d.exchange_id.is_none() {
            db::set_exchange_id(c, d.id, &document_id_of(d, &issuer)?.to_string()).await?;
        }
        let Some(signer) = self.exchange_signer(c, d.agency_id).await? else {
            tracing::warn!(agency = d.agency_id, "no exchange key: packages for document {} not sent", d.id);
            for r in recipients {
                let note = "Cơ quan chưa có khóa ký gói tin liên thông; chưa gửi được.";
                db::set_recipient_status(c, r.id, "not_sent", None, Some(note), now).await?;
            }
            return Ok(0);
        };
        let files = db::document_files(c, d.id).await?;
        let attachments = match purpose {
            Purpose::Revoke { .. } => Vec::new(),
            _ => self.attachments_of(&files)?,
        };
        let kind = match purpose {
            Purpose::New => "document",
            Purpose::Revoke { .. } => "revoke",
            Purpose::Update { .. } => "update",
            Purpose::Replace { .. } => "replace",
        };
        for r in recipients {
            let package = document_package(d, &issuer, r, attachments.clone(), purpose)?;
            let signed = sign_package(&package, signer.as_ref())?;
            let to = r.code.as_deref().unwrap_or_default();
            xdb::insert_outbox(
                c,
                &NewOutbox {
                    agency_id: d.agency_id,
                    kind,
                    to_code: to,
                    document_id: Some(d.id),
                    status_code: None,
                    package: &signed,
                },
                now,
            )
            .await?;
            match purpose {
                Purpose::New | Purpose::Replace { .. } => {
                    db::set_recipient_status(c, r.id, "queued", None, None, now).await?;
                }
                Purpose::Update { reason } => {
                    db::set_recipient_status(c, r.id, "update_requested", None, Some(reason), now).await?;
                }
                Purpose::Revoke { .. } => {}
            }
        }
        self.exchange_wake.notify_one();
        Ok(recipients.len())
    }

    /// The edXML package of an issued document for one of its outside addressees, signed (XML-DSig, in
    /// `edXML:DigitalSignature`) with the agency's seal key opened by `seal_pin`. Clerks of the issuing agency.
    pub async fn outgoing_package(
        &self,
        caller: &Caller,
        document_id: i64,
        recipient_id: i64,
        seal_pin: &str,
    ) -> AppResult<Vec<u8>> {
        require(caller, Scope::DocumentsWrite)?;
        let (d, recipient, issuer, files, key) = {
            let mut c = self.store.read().await?;
            let d = self.visible_document(&mut c, caller, document_id).await?;
            if !caller.actor.is_clerk_of(d.agency_id) {
                return Err(AppError::Forbidden);
            }
            if d.direction != "outgoing" || d.status != "issued" {
                return Err(conflict(
                    "status",
                    "not_issued",
                    "Chỉ gửi liên thông văn bản đã phát hành.",
                    "Only an issued document can be exchanged.",
                ));
            }
            refuse_secret(&d)?;
            let recipient = db::recipients_of(&mut c, d.id)
                .await?
                .into_iter()
                .find(|r| r.id == recipient_id && r.code.is_some())
                .ok_or(AppError::NotFound)?;
            let issuer = egov_storage::org::get_agency(&mut c, d.agency_id, &egov_storage::Visibility::All)
                .await?
                .ok_or(AppError::NotFound)?;
            let files = db::document_files(&mut c, d.id).await?;
            let key = sdb::seal_key(&mut c, d.agency_id).await?.ok_or_else(|| {
                AppError::invalid(
                    "seal_pin",
                    "no_signing_key",
                    "Cơ quan chưa có chứng thư số để ký gói tin.",
                    "The agency has no seal key to sign packages.",
                )
            })?;
            (d, recipient, issuer, files, key)
        };
        let signer = self.unlock(caller, &key, seal_pin).await?;
        let package = document_package(&d, &issuer, &recipient, self.attachments_of(&files)?, &Purpose::New)?;
        let signed = tokio::task::spawn_blocking(move || sign_package(&package, &signer))
            .await
            .map_err(AppError::internal)??;
        let mut tx = self.store.begin().await?;
        let detail = serde_json::json!({ "recipient": recipient.code, "bytes": signed.len() });
        audit_doc(&mut tx, caller, "document.export_edxml", d.id, &detail).await?;
        crate::commit(tx).await?;
        Ok(signed.into_bytes())
    }

    /// Corrects an issued document that went out through the exchange (a new subject, the current files) and
    /// sends the correction (business type 2, "cập nhật") to every outside addressee that has it; each answers
    /// 15 (applied) or 16 (refused). Clerks of the issuing agency. Returns how many addressees were sent it.
    pub async fn send_update(&self, caller: &Caller, id: i64, subject: Option<&str>, reason: &str) -> AppResult<usize> {
        require(caller, Scope::DocumentsWrite)?;
        let reason = super::exchange_reason(reason, "Vui lòng nêu nội dung cập nhật.", "Say what the update changes.")?;
        let subject = subject.map(|s| egov_domain::text::normalize(s.trim())).filter(|s| !s.is_empty());
        if subject.as_ref().is_some_and(|s| s.chars().count() > 500) {
            return Err(AppError::invalid(
                "subject",
                "too_long",
                "Trích yếu tối đa 500 ký tự.",
                "The subject is at most 500 characters.",
            ));
        }
        let now = crate::now_ms();
        let mut tx = self.store.begin().await?;
        let d = self.visible_document(&mut tx, caller, id).await?;
        if !caller.actor.is_clerk_of(d.agency_id) {
            return Err(AppError::Forbidden);
        }
        if d.direction != "outgoing" || d.status != "issued" || d.exchange_id.is_none() {
            return Err(conflict(
                "status",
                "not_exchanged",
                "Chỉ cập nhật được văn bản đã phát hành qua trục liên thông.",
                "Only a document issued through the exchange can be updated.",
            ));
        }
        let reached: Vec<RecipientRow> = db::recipients_of(&mut tx, d.id)
            .await?
            .into_iter()
            .filter(|r| r.agency_id.is_none() && r.unit_id.is_none())
            .filter(|r| super::HELD_BY_ADDRESSEE.contains(&r.status.as_str()))
            .collect();
        if reached.is_empty() {
            return Err(conflict(
                "status",
                "nothing_to_update",
                "Không có nơi nhận nào qua trục liên thông để gửi cập nhật.",
                "No addressee reached through the exchange to send the update to.",
            ));
        }
        if let Some(s) = &subject {
            db::set_subject(&mut tx, d.id, s, now).await?;
        }
        let updated = db::get_document_unchecked(&mut tx, d.id).await?.ok_or(AppError::NotFound)?;
        let sent = self
            .queue_document_packages(&mut tx, &updated, &reached, &Purpose::Update { reason: reason.clone() }, now)
            .await?;
        crate::documents::event(&mut tx, caller, d.id, "updated", subject.as_deref(), Some(&reason), None).await?;
        crate::documents::reindex(&mut tx, d.id).await?;
        let detail = serde_json::json!({ "reason": reason, "subject": subject, "addressees": sent });
        audit_doc(&mut tx, caller, "document.update_sent", d.id, &detail).await?;
        crate::commit(tx).await?;
        Ok(sent)
    }
}
