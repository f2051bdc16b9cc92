//! Electronic exchange, the agency side: outgoing packages ([`package`]), arriving ones ([`receive`]), status
//! answers both ways ([`status`]), and the worker that carries them through a hub ([`worker`]). This module
//! holds what they share: the mapping between our document fields and edXML's, the agencies' exchange keys
//! and the outbox.
use egov_domain::document::{DocumentType, Urgency};
use egov_domain::lang::Lang;
use egov_edxml::{Date, DocumentType as EdType, Priority, Timestamp, TypeCode};
use egov_storage::exchange::{self as xdb, OutboxRow};
use egov_storage::signatures as sdb;
use egov_storage::Conn;
use std::sync::Arc;

use crate::documents::require;
use crate::{now_ms, AppError, AppResult, Caller, Scope, Services};

mod package;
mod receive;
pub use receive::PushRefusal;
pub mod status;
pub mod worker;

pub(crate) use package::Purpose;

/// The hub's directory of agencies as last fetched, and when.
pub(crate) type DirectoryCache = Arc<tokio::sync::Mutex<Option<(std::time::Instant, Vec<egov_hub::DirectoryEntry>)>>>;

/// Longest reason carried in a package (edXML `Description` / `BussinessDocReason`).
const MAX_REASON_CHARS: usize = 500;

/// A reason for the addressees, NFC-normalised and trimmed: required, at most 500 characters.
pub(crate) fn exchange_reason(reason: &str, missing_vi: &str, missing_en: &str) -> AppResult<String> {
    let reason = egov_domain::text::normalize(reason.trim());
    if reason.is_empty() {
        return Err(AppError::invalid("reason", "required", missing_vi, missing_en));
    }
    if reason.chars().count() > MAX_REASON_CHARS {
        return Err(AppError::invalid(
            "reason",
            "too_long",
            "Lý do tối đa 500 ký tự.",
            "The reason is at most 500 characters.",
        ));
    }
    Ok(reason)
}

/// A package's number and notation as written on a document (`05/QĐ-UBND`, or the number alone).
pub(crate) fn number_notation_of(code: &egov_edxml::Code) -> String {
    if code.notation.is_empty() {
        code.number.clone()
    } else {
        format!("{}/{}", code.number, code.notation)
    }
}

/// A step of the exchange for a document's timeline.
pub(crate) struct Step<'a> {
    /// The person acting here, if any (the exchange worker acts for nobody in person).
    pub actor: Option<i64>,
    /// The name of the person acting elsewhere (a status's staff), or empty.
    pub actor_name: &'a str,
    pub kind: &'a str,
    pub target: &'a str,
    pub body: &'a str,
}

/// Puts a step of the exchange on a document's timeline and refreshes its search entry.
pub(crate) async fn record_step(c: &mut Conn, document_id: i64, step: Step<'_>, now: i64) -> AppResult<()> {
    let event = egov_storage::handling::NewEvent {
        document_id,
        actor_id: step.actor,
        actor_name: step.actor_name,
        kind: step.kind,
        target: Some(step.target),
        body: Some(step.body),
        ..egov_storage::handling::NewEvent::default()
    };
    egov_storage::handling::insert_event(c, &event, now).await?;
    crate::documents::reindex(c, document_id).await
}

/// Addressee statuses of an outside addressee that has the document, or will: an update or a take-back
/// request goes to these.
pub(crate) const HELD_BY_ADDRESSEE: &[&str] =
    &["queued", "sent", "arrived", "received", "assigned", "processing", "completed", "update_requested", "updated"];

/// How long a fetched directory is used before it is fetched again.
const DIRECTORY_TTL: std::time::Duration = std::time::Duration::from_secs(300);

/// The edXML namespace.
pub const EDXML_NS: &str = "http://www.mic.gov.vn/TBT/QCVN_102_2016";

/// The size refusal of a package over `max` bytes (`size` when known): field `package`, code `too_large`.
pub fn package_too_large(size: Option<usize>, max: usize) -> AppError {
    let (vi, en) = match size {
        Some(n) => (
            format!("Gói tin có {n} byte, vượt quá kích thước tối đa {max} byte."),
            format!("The package is {n} bytes, over the limit of {max} bytes."),
        ),
        None => (
            format!("Gói tin vượt quá kích thước tối đa {max} byte."),
            format!("The package is larger than the limit of {max} bytes."),
        ),
    };
    AppError::invalid("package", "too_large", &vi, &en)
}

fn package_error(e: &egov_edxml::EdxmlError) -> AppError {
    if e.kind() == egov_edxml::ErrorKind::TooLarge {
        let first = e.problems().first();
        let vi = first.map(|p| p.message_vi.clone()).unwrap_or_else(|| e.to_string());
        let en = first.map(|p| p.message_en.clone()).unwrap_or_else(|| e.to_string());
        return AppError::invalid("package", "too_large", &vi, &en);
    }
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
    /// How arriving edXML is read: the package size limit and the leniency of the settings.
    pub(crate) fn edxml_options(&self) -> egov_edxml::ReadOptions {
        egov_edxml::ReadOptions {
            limits: egov_edxml::Limits {
                max_package_bytes: self.settings.max_package_bytes,
                ..egov_edxml::Limits::default()
            },
            lenient: self.settings.edxml_lenient,
            ..egov_edxml::ReadOptions::default()
        }
    }

    /// Refuses a package over the size limit before anything reads it.
    pub(crate) fn check_package_size(&self, len: usize) -> AppResult<()> {
        let max = self.settings.max_package_bytes;
        if len > max {
            return Err(package_too_large(Some(len), max));
        }
        Ok(())
    }

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

    /// Checks a package's XML signature: intact, and made with a certificate that chains to a trusted root and
    /// is valid now. Returns the note shown on the document; a package without a signature passes only when
    /// `allow_unsigned` (with a note saying so).
    pub(crate) async fn check_package_signature(&self, xml: &str, allow_unsigned: bool) -> AppResult<String> {
        match egov_xmldsig::verify(xml) {
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
                Ok(format!("Chữ ký số gói tin hợp lệ: {signer}"))
            }
            Err(egov_xmldsig::XmlDsigError::NoSignature) if allow_unsigned => {
                Ok("Gói tin không có chữ ký số.".to_string())
            }
            Err(egov_xmldsig::XmlDsigError::NoSignature) => Err(AppError::invalid(
                "package",
                "unsigned",
                "Gói tin không có chữ ký số.",
                "The package is not signed.",
            )),
            Err(e) => Err(AppError::invalid(
                "package",
                "bad_signature",
                &e.to_string(),
                "The package's signature does not verify.",
            )),
        }
    }

    /// The certificate (DER) of the exchange key of the agency with identifier code `code`, for registering
    /// the agency at a hub (`egov pki exchange-certificate`).
    pub async fn exchange_certificate(&self, code: &str) -> AppResult<Option<Vec<u8>>> {
        use base64::Engine as _;
        let mut c = self.store.read().await?;
        let Some(agency) = egov_storage::org::get_agency_by_code(&mut c, code).await? else {
            return Err(AppError::NotFound);
        };
        let Some(key) = sdb::exchange_key(&mut c, agency.id).await? else { return Ok(None) };
        let first = key.chain_b64.split(',').next().unwrap_or_default();
        Ok(Some(base64::engine::general_purpose::STANDARD.decode(first).map_err(AppError::internal)?))
    }

    /// The hub's directory of agencies (code, name, level, parent), to pick outside addressees; fetched with the
    /// exchange key of one of the caller's agencies and kept for five minutes. Empty when this node has no hub
    /// or the hub cannot be reached (the reason is logged; addressees can still be typed by code).
    pub async fn exchange_directory(&self, caller: &Caller) -> AppResult<Vec<egov_hub::DirectoryEntry>> {
        require(caller, Scope::DocumentsRead)?;
        let Some(hub_url) = self.settings.hub_url.clone() else { return Ok(Vec::new()) };
        let mut cache = self.hub_directory.lock().await;
        if let Some((at, entries)) = cache.as_ref() {
            if at.elapsed() < DIRECTORY_TTL {
                return Ok(entries.clone());
            }
        }
        let agencies: Vec<i64> =
            caller.actor.grants.iter().map(|g| g.agency_id).chain([caller.actor.agency_id]).collect();
        let mut c = self.store.read().await?;
        let mut client = None;
        for agency_id in agencies {
            if let Some(signer) = self.exchange_signer(&mut c, agency_id).await? {
                if let Some(agency) =
                    egov_storage::org::get_agency(&mut c, agency_id, &egov_storage::Visibility::All).await?
                {
                    client = Some(egov_hub::HubClient::new(hub_url.clone(), agency.code, signer));
                    break;
                }
            }
        }
        drop(c);
        let Some(client) = client else { return Ok(Vec::new()) };
        match client.directory().await {
            Ok(mut entries) => {
                entries.sort_by(|a, b| a.code.cmp(&b.code));
                *cache = Some((std::time::Instant::now(), entries.clone()));
                Ok(entries)
            }
            Err(e) => {
                tracing::warn!(error = %e, "exchange: cannot fetch the hub's directory");
                Ok(cache.as_ref().map(|(_, entries)| entries.clone()).unwrap_or_default())
            }
        }
    }

    /// Refuses a package not addressed to `agency_id` (none of `to` is its code); returns the agency's code.
    pub(crate) async fn addressed_here(
        &self,
        agency_id: i64,
        to: &[egov_edxml::Organization],
    ) -> AppResult<Option<egov_edxml::AgencyCode>> {
        let agency = {
            let mut c = self.store.read().await?;
            egov_storage::org::get_agency(&mut c, agency_id, &egov_storage::Visibility::All)
                .await?
                .ok_or(AppError::NotFound)?
        };
        let own = egov_edxml::AgencyCode::parse(&agency.code).ok();
        // Either form of the code names this agency (`000.00.13.H41` is `H41.13`).
        if !to.iter().any(|t| egov_domain::agency_code::same_agency_code(t.organ_id.as_str(), &agency.code)) {
            return Err(AppError::invalid(
                "package",
                "wrong_addressee",
                "Gói tin không gửi đến cơ quan này.",
                "The package is not addressed to this agency.",
            ));
        }
        Ok(own)
    }
}
