//! Checking the signatures of a PDF: the format checks of `egov-pades` joined with the certificate checks of
//! `egov-pki` (chain to a trusted root at the signing time, revocation from the cached CRLs) into one verdict.
use egov_pades::Modification;
use egov_pki::{ChainProblem, Crl, Revocation, TrustStore};
use serde::{Deserialize, Serialize};

/// The verdict on one signature or a whole file.
pub const VALID: &str = "valid";
/// The signature is wrong: the signed bytes were changed, or the byte range, the digest or the signature value is
/// not right. (A document changed by a later revision is not this: see [`FileCheck::modified_after_signing`].)
pub const INVALID: &str = "invalid";
/// Intact, but the certificate does not lead to a trusted root, is out of date or was revoked.
pub const UNTRUSTED: &str = "untrusted";
/// The file has no signature.
pub const UNSIGNED: &str = "none";

/// One signature as the document page and the API show it.
#[derive(Clone, Debug, Serialize, Deserialize, PartialEq)]
pub struct SignatureCheck {
    pub field: String,
    pub signer: String,
    pub organization: Option<String>,
    pub issuer: String,
    pub serial: String,
    /// Claimed signing time (Unix seconds).
    pub signing_time: Option<i64>,
    /// Time vouched for by a time-stamp authority (Unix seconds).
    pub timestamp_time: Option<i64>,
    /// The signed revision is as signed and the signature is mathematically right (later revisions aside).
    pub intact: bool,
    /// The certificate leads to a trusted root and was valid at the signing time.
    pub trusted: bool,
    pub chain_problem: Option<String>,
    /// `good`, `revoked` or `unknown` (no revocation list).
    pub revocation: String,
    pub revoked_at: Option<i64>,
    /// How old the revocation list used was, in seconds.
    pub crl_age_secs: Option<i64>,
    /// `none`, `allowed` or `disallowed`: what later revisions added after this signature.
    pub modification: String,
    /// A later revision changed what may not change after signing (page content, …): the signature stands for
    /// the revision it signed, but the document is no longer that revision.
    #[serde(default)]
    pub modified_after_signing: bool,
    /// The disallowed changes, in Vietnamese, when `modified_after_signing`.
    #[serde(default)]
    pub changes: Vec<String>,
    pub notes: Vec<String>,
    pub problems: Vec<String>,
    pub verdict: String,
}

/// Every signature of a file and the worst verdict among them, and, apart from it, whether the document was
/// modified after a signature (as pdfsig and Acrobat tell "signature valid" from "document changed since").
#[derive(Clone, Debug, Serialize, Deserialize, PartialEq)]
pub struct FileCheck {
    pub verdict: String,
    /// Some signature's signed revision is not the document as it is now in what may not change after signing.
    #[serde(default)]
    pub modified_after_signing: bool,
    pub signatures: Vec<SignatureCheck>,
    pub checked_at: i64,
}

impl FileCheck {
    /// The check of a file without signatures.
    pub fn unsigned(checked_at: i64) -> FileCheck {
        FileCheck { verdict: UNSIGNED.into(), modified_after_signing: false, signatures: Vec::new(), checked_at }
    }
}

/// A revocation list with the time it was fetched (Unix seconds).
#[derive(Debug)]
pub struct CachedCrl {
    pub crl: Crl,
    pub fetched_at: i64,
}

/// Whether a file may hold PDF signatures (cheap test before parsing).
pub fn may_be_signed(bytes: &[u8]) -> bool {
    bytes.starts_with(b"%PDF") && memchr::memmem::find(bytes, b"/ByteRange").is_some()
}

/// The time of a signature's time-stamp when the token is over this signature, its authority's signature is
/// right and the authority's certificate (for time-stamping) leads to a trusted root.
fn trusted_timestamp(r: &egov_pades::SignatureReport, trust: &TrustStore, crls: &[Crl]) -> Option<i64> {
    let t = r.timestamp.as_ref().filter(|t| t.imprint_matches && t.signature_valid)?;
    let tsa = t.tsa_certificate.as_ref()?;
    let chain =
        egov_pki::validate_chain_for(tsa, &t.certificates, trust, t.time, crls, egov_pki::ChainUsage::TimeStamping);
    chain.problem.is_none().then_some(t.time)
}

/// Checks every signature of `pdf` at `now` (Unix seconds). A file that is not a readable PDF, or is encrypted,
/// is an error.
pub fn check_pdf(pdf: &[u8], trust: &TrustStore, crls: &[CachedCrl], now: i64) -> Result<FileCheck, String> {
    let reports = egov_pades::verify(pdf).map_err(|e| e.to_string())?;
    Ok(check_reports(reports, trust, crls, now))
}

/// The revocation-list URLs named by the certificates of verified signatures.
pub fn crl_urls(reports: &[egov_pades::SignatureReport]) -> Vec<String> {
    let mut urls: Vec<String> = reports
        .iter()
        .flat_map(|r| r.certificates.iter())
        .filter_map(|c| egov_pki::certificate_info(c).ok())
        .flat_map(|info| info.crl_urls)
        .collect();
    urls.sort();
    urls.dedup();
    urls
}

/// Joins the format checks of `egov_pades::verify` with the certificate checks into one verdict.
pub fn check_reports(
    reports: Vec<egov_pades::SignatureReport>,
    trust: &TrustStore,
    crls: &[CachedCrl],
    now: i64,
) -> FileCheck {
    let plain_crls: Vec<Crl> = crls.iter().map(|c| c.crl.clone()).collect();
    let mut signatures = Vec::with_capacity(reports.len());
    for r in reports {
        let mut check = SignatureCheck {
            field: r.field_name.clone(),
            signer: r.signer_name.clone().unwrap_or_default(),
            organization: None,
            issuer: String::new(),
            serial: String::new(),
            signing_time: r.signing_time,
            timestamp_time: trusted_timestamp(&r, trust, &plain_crls),
            intact: r.intact(),
            trusted: false,
            chain_problem: None,
            revocation: "unknown".into(),
            revoked_at: None,
            crl_age_secs: None,
            modification: match &r.modification {
                Modification::None => "none".into(),
                Modification::Allowed(_) => "allowed".into(),
                Modification::Disallowed(_) => "disallowed".into(),
            },
            modified_after_signing: r.modified_after_signing(),
            changes: match &r.modification {
                Modification::Disallowed(changes) => changes.clone(),
                _ => Vec::new(),
            },
            notes: match &r.modification {
                Modification::Allowed(notes) => notes.clone(),
                _ => Vec::new(),
            },
            problems: r.problems.clone(),
            verdict: INVALID.into(),
        };
        if r.document_timestamp {
            check.notes.push("Dấu thời gian tài liệu (PAdES B-LTA), không phải chữ ký của người ký.".into());
        }
        if r.timestamp.is_some() && check.timestamp_time.is_none() {
            check.notes.push("Dấu thời gian không được tin cậy; dùng thời điểm ký do người ký khai.".into());
        }
        if let Some(cert) = &r.signer_certificate {
            if let Ok(info) = egov_pki::certificate_info(cert) {
                check.signer = info.common_name.clone();
                check.organization = info.organization.clone();
                check.issuer = info.issuer.clone();
                check.serial = info.serial_hex.clone();
            }
            // The time the certificate must have been valid: the time-stamp's, else the claimed one (never later than now).
            let at = check.timestamp_time.or(r.signing_time).unwrap_or(now).min(now);
            // A document time-stamp's "signer" is a time-stamp authority: its certificate is for time-stamping.
            let usage =
                if r.document_timestamp { egov_pki::ChainUsage::TimeStamping } else { egov_pki::ChainUsage::Signing };
            let chain = egov_pki::validate_chain_for(cert, &r.certificates, trust, at, &plain_crls, usage);
            check.trusted = chain.problem.is_none();
            check.chain_problem = chain.problem.as_ref().map(ChainProblem::to_string);
            match chain.leaf_revocation {
                Revocation::Good { crl_this_update } => {
                    check.revocation = "good".into();
                    let fetched = crls.iter().find(|c| c.crl.this_update == crl_this_update).map(|c| c.fetched_at);
                    check.crl_age_secs = fetched.map(|f| (now - f).max(0));
                }
                Revocation::Revoked { at: revoked } => {
                    check.revocation = "revoked".into();
                    check.revoked_at = Some(revoked);
                    // Revoked after a time-stamped signing time: the signature stands; otherwise it does not.
                    let before = check.timestamp_time.is_some_and(|t| t < revoked);
                    if before {
                        check.notes.push("Chứng thư số bị thu hồi sau thời điểm ký (đã có dấu thời gian).".into());
                    } else {
                        check.trusted = false;
                        check.problems.push("Chứng thư số đã bị thu hồi.".into());
                    }
                }
                Revocation::Unknown => {
                    check.notes.push("Không có danh sách thu hồi (CRL) để kiểm tra.".into());
                }
            }
            if let Some(problem) = &check.chain_problem {
                check.problems.push(format!("Chứng thư số: {problem}"));
            }
        }
        check.verdict = if !check.intact {
            INVALID.into()
        } else if !check.trusted {
            UNTRUSTED.into()
        } else {
            VALID.into()
        };
        signatures.push(check);
    }
    let verdict = if signatures.is_empty() {
        UNSIGNED
    } else if signatures.iter().any(|s| s.verdict == INVALID) {
        INVALID
    } else if signatures.iter().any(|s| s.verdict == UNTRUSTED) {
        UNTRUSTED
    } else {
        VALID
    };
    let modified_after_signing = signatures.iter().any(|s| s.modified_after_signing);
    FileCheck { verdict: verdict.into(), modified_after_signing, signatures, checked_at: now }
}
