//! Electronic exchange, the agency side that does not depend on the transport: the edXML package of an
//! issued document for one outside addressee (signed with the agency's seal key, whose PIN the clerk gives),
//! and an arriving package landing in the clerk's "to register" queue after its checks (well-formed and
//! valid edXML, addressed to this agency, XML signature intact and trusted, PDF signatures checked at intake,
//! never twice). The hub and the outbox worker carry these packages (next step of issue 5).
use egov_domain::document::{DocumentType, Secrecy, Urgency};
use egov_domain::lang::Lang;
use egov_edxml::{
    AgencyCode, Attachment, Code, Date, DocumentId, DocumentType as EdType, MessageHeader, Organization, OtherInfo,
    Package, Priority, PromulgationInfo, ResponseFor, SignerInfo, StaffInfo, StatusCode, StatusPackage, SteeringType,
    Timestamp, TraceHeader, TraceHeaderList, TypeCode,
};
use egov_storage::documents::DocumentRow;
use egov_storage::documents::{self as db, NewDocument};
use egov_storage::exchange::{self as xdb, NewOutbox, OutboxRow};
use egov_storage::handling as hdb;
use egov_storage::signatures as sdb;
use egov_storage::Conn;
use std::sync::Arc;

use crate::documents::{audit_doc, conflict, deliver, reindex, require, Upload};
use crate::{now_ms, AppError, AppResult, Caller, Scope, Services};

/// The edXML namespace.
pub const EDXML_NS: &str = "http://www.mic.gov.vn/TBT/QCVN_102_2016";

fn package_error(e: &egov_edxml::EdxmlError) -> AppError {
    let vi: Vec<String> = e.problems().iter().take(5).map(|p| format!("{} ({})", p.message_vi, p.path)).collect();
    let en: Vec<String> = e.problems().iter().take(5).map(|p| format!("{} ({})", p.message_en, p.path)).collect();
    let vi = if vi.is_empty() { e.to_string() } else { vi.join("; ") };
    let en = if en.is_empty() { e.to_string() } else { en.join("; ") };
    AppError::invalid(
        "package",
        "bad_package",
        &format!("Gói tin edXML không hợp lệ: {vi}"),
        &format!("The edXML package is not valid: {en}"),
    )
}

fn priority_of(urgency: &str) -> Priority {
    match Urgency::parse(urgency) {
        Some(Urgency::Urgent) => Priority::Urgent,
        Some(Urgency::VeryUrgent) => Priority::VeryUrgent,
        Some(Urgency::Flash) => Priority::Flash,
        _ => Priority::Normal,
    }
}

fn urgency_of(priority: Priority) -> Urgency {
    match priority {
        Priority::Normal => Urgency::Normal,
        Priority::Urgent => Urgency::Urgent,
        Priority::VeryUrgent => Urgency::VeryUrgent,
        Priority::Flash | Priority::FlashScheduled => Urgency::Flash,
    }
}

/// Our document type for an edXML one: by its Vietnamese name, else by the number's name; a công văn otherwise.
fn document_type_of(t: &EdType) -> DocumentType {
    let by_name = |name: &str| {
        let folded = egov_domain::text::fold(name.trim());
        DocumentType::ALL.iter().copied().find(|d| egov_domain::text::fold(d.label(Lang::Vi)) == folded)
    };
    by_name(&t.name)
        .or_else(|| match &t.code {
            TypeCode::Number(n) => egov_edxml::type_name(*n).and_then(by_name),
            TypeCode::Group(_) => None,
        })
        .unwrap_or(DocumentType::CongVan)
}

impl Services {
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
            if Secrecy::parse(&d.secrecy).is_some_and(Secrecy::is_secret) {
                return Err(AppError::invalid(
                    "recipients",
                    "secret_not_exchanged",
                    "Văn bản mật không được gửi qua trục liên thông điện tử.",
                    "Secret documents are never sent through the electronic exchange.",
                ));
            }
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
        let latest = files.iter().map(|f| f.version).max().unwrap_or(0);
        let mut attachments = Vec::new();
        for (i, f) in files.iter().filter(|f| f.version == latest).enumerate() {
            attachments.push(Attachment {
                content_id: (i + 1).to_string(),
                name: f.file_name.clone(),
                description: String::new(),
                content_type: f.media_type.clone(),
                data: self.files.get(&f.sha256).map_err(AppError::internal)?,
            });
        }
        let bad_code = |what: &str| {
            AppError::invalid(
                "recipients",
                "bad_agency_code",
                &format!("Mã định danh không hợp lệ: {what}"),
                &format!("Not an identifier code: {what}"),
            )
        };
        let from_code = AgencyCode::parse(&issuer.code).map_err(|_| bad_code(&issuer.code))?;
        let to_code = recipient.code.as_deref().unwrap_or_default();
        let to_code = AgencyCode::parse(to_code).map_err(|_| bad_code(to_code))?;
        let number_notation = d.number_notation.clone().unwrap_or_default();
        let (number, notation) = number_notation.split_once('/').unwrap_or((number_notation.as_str(), ""));
        let issued = d.issued_on.as_deref().unwrap_or_default();
        let date = issued
            .split('-')
            .map(|p| p.parse::<u16>().ok())
            .collect::<Option<Vec<u16>>>()
            .and_then(|p| Date::new(*p.first()?, u8::try_from(*p.get(1)?).ok()?, u8::try_from(*p.get(2)?).ok()?))
            .ok_or_else(|| AppError::internal(anyhow::anyhow!("issued document without a date")))?;
        let doc_type = DocumentType::parse(&d.doc_type).unwrap_or(DocumentType::CongVan);
        let type_number = doc_type
            .abbreviation()
            .and_then(egov_edxml::type_number_by_abbreviation)
            .or_else(|| egov_edxml::type_number_by_name(doc_type.label(Lang::Vi)))
            .unwrap_or(18);
        let now = jiff::Timestamp::now().to_zoned(jiff::tz::TimeZone::fixed(jiff::tz::offset(7)));
        let stamp = Date::new(now.year() as u16, now.month() as u8, now.day() as u8)
            .and_then(|day| Timestamp::new(day, now.hour() as u8, now.minute() as u8, now.second() as u8))
            .ok_or_else(|| AppError::internal(anyhow::anyhow!("clock out of range")))?;
        let document_id_value = DocumentId::new(from_code.clone(), date, number, notation)
            .ok_or_else(|| AppError::internal(anyhow::anyhow!("document id")))?;
        let package = Package {
            header: MessageHeader {
                from: Organization::new(from_code.clone(), issuer.name.clone()),
                to: vec![Organization::new(to_code, recipient.name.clone())],
                code: Code { number: number.to_string(), notation: notation.to_string() },
                promulgation: PromulgationInfo { place: String::new(), date },
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
                document_id: document_id_value,
            },
            trace: TraceHeaderList {
                traces: vec![TraceHeader { organ_id: from_code, timestamp: stamp }],
                business: None,
            },
            attachments,
        };
        let written = egov_edxml::write_package(&package).map_err(|e| package_error(&e))?;
        let xml = String::from_utf8(written.bytes).map_err(AppError::internal)?;
        let signed =
            tokio::task::spawn_blocking(move || egov_xmldsig::sign(&xml, EDXML_NS, "DigitalSignature", &signer))
                .await
                .map_err(AppError::internal)?
                .map_err(|e| {
                    AppError::invalid("package", "signing_failed", &e.to_string(), "The package could not be signed.")
                })?;
        let mut tx = self.store.begin().await?;
        let detail = serde_json::json!({ "recipient": recipient.code, "bytes": signed.len() });
        audit_doc(&mut tx, caller, "document.export_edxml", d.id, &detail).await?;
        crate::commit(tx).await?;
        Ok(signed.into_bytes())
    }

    /// Receives an edXML package for `agency_id` (its clerks): checks it and puts the document in the clerks'
    /// "to register" queue. Returns the new document's id.
    pub async fn receive_package(&self, caller: &Caller, agency_id: i64, bytes: Vec<u8>) -> AppResult<i64> {
        require(caller, Scope::DocumentsWrite)?;
        if !caller.actor.is_clerk_of(agency_id) {
            return Err(AppError::Forbidden);
        }
        let read = egov_edxml::read_package(&bytes).map_err(|e| package_error(&e))?;
        let package = read.package;
        let agency = {
            let mut c = self.store.read().await?;
            egov_storage::org::get_agency(&mut c, agency_id, &egov_storage::Visibility::All)
                .await?
                .ok_or(AppError::NotFound)?
        };
        let own = AgencyCode::parse(&agency.code).ok();
        if !package.header.to.iter().any(|t| Some(&t.organ_id) == own.as_ref()) {
            return Err(AppError::invalid(
                "package",
                "wrong_addressee",
                "Gói tin không gửi đến cơ quan này.",
                "The package is not addressed to this agency.",
            ));
        }
        // The XML signature: intact and from a trusted certificate, when the package carries one.
        let xml = String::from_utf8(bytes).map_err(|_| {
            AppError::invalid("package", "bad_package", "Gói tin không phải UTF-8.", "The package is not UTF-8.")
        })?;
        let signature_note = match egov_xmldsig::verify(&xml) {
            Ok(v) => {
                let chain =
                    egov_pki::validate_chain(&v.certificate, &v.certificates, &self.trust(), now_ms() / 1000, &[]);
                if let Some(problem) = chain.problem {
                    return Err(AppError::invalid(
                        "package",
                        "untrusted_signature",
                        &format!("Chữ ký gói tin: {problem}"),
                        "The package's signature is not trusted.",
                    ));
                }
                let signer = chain.chain.first().map(|c| c.common_name.clone()).unwrap_or_default();
                format!("Chữ ký số gói tin hợp lệ: {signer}")
            }
            Err(egov_xmldsig::XmlDsigError::NoSignature) => "Gói tin không có chữ ký số.".to_string(),
            Err(e) => {
                return Err(AppError::invalid(
                    "package",
                    "bad_signature",
                    &e.to_string(),
                    "The package's signature does not verify.",
                ))
            }
        };
        let header = &package.header;
        let uploads: Vec<Upload> =
            package.attachments.iter().map(|a| Upload { name: a.name.clone(), bytes: a.data.clone() }).collect();
        let files = self.intake(uploads, "package").await?;
        let doc_type = document_type_of(&header.document_type);
        let number_notation = if header.code.notation.is_empty() {
            header.code.number.clone()
        } else {
            format!("{}/{}", header.code.number, header.code.notation)
        };
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
                created_by: caller.actor.user_id,
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
        self.attach_intake(&mut tx, id, &files, 0, "main", caller.actor.user_id, now).await?;
        for clerk in hdb::agency_clerks(&mut tx, agency_id).await? {
            deliver(&mut tx, clerk, id, "to_register", "clerk", Some(id), Some(caller.actor.user_id), None, now)
                .await?;
        }
        hdb::insert_event(
            &mut tx,
            &hdb::NewEvent {
                document_id: id,
                actor_id: Some(caller.actor.user_id),
                actor_name: "",
                kind: "received",
                target: Some(&header.from.organ_name),
                body: Some(&signature_note),
                ..hdb::NewEvent::default()
            },
            now,
        )
        .await?;
        reindex(&mut tx, id).await?;
        let arrived = self.visible_document(&mut tx, caller, id).await?;
        self.queue_status(&mut tx, caller, &arrived, StatusCode::Arrived, "Đã đến", now).await?;
        let detail = serde_json::json!({ "document_id": exchange_id, "from": sender_code, "files": files.len(), "signature": signature_note });
        audit_doc(&mut tx, caller, "document.receive_edxml", id, &detail).await?;
        crate::commit(tx).await?;
        Ok(id)
    }
}

/// File in the PKI folder holding the key-encryption key of the agencies' exchange keys.
pub const KEK_FILE: &str = "exchange.kek";

/// The key-encryption key, created (random, 32 bytes, hex) when missing.
pub(crate) fn exchange_kek(pki_dir: &std::path::Path) -> AppResult<String> {
    let path = pki_dir.join(KEK_FILE);
    if let Ok(kek) = std::fs::read_to_string(&path) {
        return Ok(kek.trim().to_string());
    }
    std::fs::create_dir_all(pki_dir).map_err(AppError::internal)?;
    let mut bytes = [0u8; 32];
    rand::RngCore::fill_bytes(&mut rand::rngs::OsRng, &mut bytes);
    let kek = hex::encode(bytes);
    std::fs::write(&path, &kek).map_err(AppError::internal)?;
    Ok(kek)
}

/// "Now" in Vietnam time as an edXML timestamp.
fn edxml_now() -> AppResult<Timestamp> {
    let now = jiff::Timestamp::now().to_zoned(jiff::tz::TimeZone::fixed(jiff::tz::offset(7)));
    Date::new(now.year() as u16, now.month() as u8, now.day() as u8)
        .and_then(|day| Timestamp::new(day, now.hour() as u8, now.minute() as u8, now.second() as u8))
        .ok_or_else(|| AppError::internal(anyhow::anyhow!("clock out of range")))
}

/// A `YYYY-MM-DD` date as an edXML date.
fn edxml_date(iso: &str) -> Option<Date> {
    let p: Vec<u16> = iso.split('-').map(|x| x.parse().ok()).collect::<Option<_>>()?;
    Date::new(*p.first()?, u8::try_from(*p.get(1)?).ok()?, u8::try_from(*p.get(2)?).ok()?)
}

impl Services {
    /// The agency's exchange key, opened with the server's key-encryption key (kept open in memory); `None`
    /// when the agency has none.
    pub(crate) async fn exchange_signer(
        &self,
        c: &mut Conn,
        agency_id: i64,
    ) -> AppResult<Option<Arc<egov_pki::KeySigner>>> {
        if let Some(s) = self.exchange_signers.lock().ok().and_then(|m| m.get(&agency_id).cloned()) {
            return Ok(Some(s));
        }
        let Some(key) = sdb::exchange_key(c, agency_id).await? else { return Ok(None) };
        let kek = exchange_kek(&self.settings.pki_dir)?;
        let signer = tokio::task::spawn_blocking(move || -> AppResult<egov_pki::KeySigner> {
            use base64::Engine as _;
            let b64 = base64::engine::general_purpose::STANDARD;
            let sealed = b64.decode(&key.sealed_key_b64).map_err(AppError::internal)?;
            let chain: Vec<Vec<u8>> = key
                .chain_b64
                .split(',')
                .map(|c| b64.decode(c))
                .collect::<Result<_, _>>()
                .map_err(AppError::internal)?;
            let pkcs8 = egov_pki::open_key(&sealed, &kek).map_err(AppError::internal)?;
            egov_pki::KeySigner::from_pkcs8(&pkcs8, chain).map_err(AppError::internal)
        })
        .await
        .map_err(AppError::internal)??;
        let signer = Arc::new(signer);
        if let Ok(mut m) = self.exchange_signers.lock() {
            m.insert(agency_id, signer.clone());
        }
        Ok(Some(signer))
    }

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
        let Some(signer) = self.exchange_signer(c, d.agency_id).await? else {
            tracing::warn!(agency = d.agency_id, "no exchange key: status {} not sent", code.code());
            return Ok(());
        };
        let agency = egov_storage::org::get_agency(c, d.agency_id, &egov_storage::Visibility::All)
            .await?
            .ok_or(AppError::NotFound)?;
        let internal = |what: String| AppError::internal(anyhow::anyhow!(what));
        let own = AgencyCode::parse(&agency.code).map_err(|_| internal(format!("agency code {}", agency.code)))?;
        let sender_code = AgencyCode::parse(sender).map_err(|_| internal(format!("sender code {sender}")))?;
        let document_id: DocumentId =
            exchange_id.parse().map_err(|_| internal(format!("document id {exchange_id}")))?;
        let staff_name = egov_storage::accounts::full_name(c, caller.actor.user_id).await?.unwrap_or_default();
        let status = StatusPackage {
            response_for: ResponseFor {
                organ_id: sender_code.clone(),
                code: d.number_notation.clone().unwrap_or_default(),
                promulgation_date: d.issued_on.as_deref().and_then(edxml_date),
                document_id,
            },
            from: Organization::new(own, agency.name.clone()),
            to: vec![Organization::new(sender_code, d.sender_name.clone().unwrap_or_default())],
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
                agency_id: d.agency_id,
                kind: "status",
                to_code: sender,
                document_id: Some(d.id),
                status_code: Some(&code_text),
                package: &signed,
            },
            now,
        )
        .await?;
        Ok(())
    }

    /// An agency's outbox (its clerks and administrators).
    pub async fn outbox(&self, caller: &Caller, agency_id: i64) -> AppResult<Vec<OutboxRow>> {
        require(caller, Scope::DocumentsRead)?;
        if !caller.actor.is_clerk_of(agency_id) && !caller.actor.is_system_admin() {
            return Err(AppError::Forbidden);
        }
        let mut c = self.store.read().await?;
        Ok(xdb::outbox_of(&mut c, agency_id).await?)
    }

    /// One signed package of an outbox.
    pub async fn outbox_package(&self, caller: &Caller, id: i64) -> AppResult<Vec<u8>> {
        require(caller, Scope::DocumentsRead)?;
        let mut c = self.store.read().await?;
        let (agency_id, package) = xdb::outbox_package(&mut c, id).await?.ok_or(AppError::NotFound)?;
        if !caller.actor.is_clerk_of(agency_id) && !caller.actor.is_system_admin() {
            return Err(AppError::NotFound);
        }
        Ok(package.into_bytes())
    }
}
