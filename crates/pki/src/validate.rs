//! Trust roots and certificate-path validation: rustls-webpki builds and
//! verifies the path at a given time; revocation is looked up separately in
//! the CRLs the caller supplies and reported, not enforced.

use std::time::Duration;

use rustls_pki_types::{CertificateDer, TrustAnchor, UnixTime};
use webpki::{
    EndEntityCert, ExtendedKeyUsageValidator, KeyPurposeId, KeyPurposeIdIter, KeyUsage, RequiredEkuNotFoundContext,
};
use x509_cert::ext::pkix::ExtendedKeyUsage;

use crate::certificate::{certificate_info, name_der, parse_certificate, pem_to_der_all};
use crate::{oids, CertificateInfo, Crl, PkiError};

/// Trusted root certificates, with their webpki trust anchors prepared once.
#[derive(Debug, Clone, Default)]
pub struct TrustStore {
    roots: Vec<Vec<u8>>,
    anchors: Vec<TrustAnchor<'static>>,
    /// Subject name DER of each root, for building display chains.
    subjects: Vec<Vec<u8>>,
}

impl TrustStore {
    /// Builds a store from DER root certificates (duplicates are dropped).
    pub fn new(roots: Vec<Vec<u8>>) -> Result<Self, PkiError> {
        let mut store = Self::default();
        for (i, root) in roots.into_iter().enumerate() {
            if store.roots.contains(&root) {
                continue;
            }
            let anchor = webpki::anchor_from_trusted_cert(&CertificateDer::from(root.as_slice()))
                .map_err(|e| PkiError::malformed(format!("chứng thư gốc thứ {}: {e}", i + 1)))?
                .to_owned();
            let subject = name_der(&parse_certificate(&root)?.tbs_certificate.subject);
            store.anchors.push(anchor);
            store.subjects.push(subject);
            store.roots.push(root);
        }
        Ok(store)
    }

    /// Builds a store from every `CERTIFICATE` block of a PEM text.
    pub fn from_pem(pem: &str) -> Result<Self, PkiError> {
        Self::new(pem_to_der_all(pem))
    }

    /// True when no root is trusted.
    pub fn is_empty(&self) -> bool {
        self.roots.is_empty()
    }

    /// The trusted roots, DER.
    pub fn roots(&self) -> &[Vec<u8>] {
        &self.roots
    }
}

/// Why a certificate path is not valid.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum ChainProblem {
    /// No path to a trusted root.
    #[error("Chứng thư số không được cấp bởi tổ chức chứng thực tin cậy.")]
    UntrustedRoot,
    /// A certificate of the path had expired at the time checked.
    #[error("Chứng thư số đã hết hạn.")]
    Expired,
    /// A certificate of the path was not yet valid at the time checked.
    #[error("Chứng thư số chưa có hiệu lực.")]
    NotYetValid,
    /// A signature in the path does not verify.
    #[error("Chữ ký của tổ chức cấp trên chứng thư số không hợp lệ.")]
    BadSignature,
    /// The extended key usage does not allow this use.
    #[error("Chứng thư số không được phép dùng cho mục đích này.")]
    NotForSigning,
    /// Any other defect; the text gives details.
    #[error("Chứng thư số không hợp lệ: {0}.")]
    Other(String),
}

/// Revocation status of one certificate, from the supplied CRLs.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Revocation {
    /// Listed in none of the CRLs signed by its issuer.
    Good {
        /// thisUpdate (Unix seconds) of the newest such CRL.
        crl_this_update: i64,
    },
    /// Listed as revoked at `at` (Unix seconds); the caller compares it with
    /// the signing time.
    Revoked {
        /// Revocation time.
        at: i64,
    },
    /// No CRL signed by the certificate's issuer was supplied.
    Unknown,
}

/// The outcome of [`validate_chain`].
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ChainReport {
    /// Leaf first, up to and including the trusted root when one was found;
    /// at least the leaf (empty only if the leaf itself cannot be parsed).
    pub chain: Vec<CertificateInfo>,
    /// `None` when the path is valid to a trusted root at the time checked.
    pub problem: Option<ChainProblem>,
    /// Revocation status of the leaf (same as `revocation[0]`, or `Unknown`).
    pub leaf_revocation: Revocation,
    /// One status per certificate of `chain`, except the trusted root.
    pub revocation: Vec<Revocation>,
}

/// What the end-entity certificate is validated for.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum ChainUsage {
    /// Document signing: no EKU, or one of documentSigning, emailProtection,
    /// clientAuth, anyExtendedKeyUsage.
    #[default]
    Signing,
    /// RFC 3161 time-stamping: the leaf must carry EKU timeStamping.
    TimeStamping,
}

/// EKUs accepted for [`ChainUsage::Signing`].
const SIGNING_EKUS: [&[u8]; 4] =
    [oids::EKU_DOCUMENT_SIGNING, oids::EKU_EMAIL_PROTECTION, oids::EKU_CLIENT_AUTH, oids::EKU_ANY];

/// webpki EKU policy: accept a certificate without EKU, or with one of the
/// allowed purposes. Applied by webpki to every certificate of the path.
struct EkuPolicy(ChainUsage);

impl ExtendedKeyUsageValidator for EkuPolicy {
    fn validate(&self, iter: KeyPurposeIdIter<'_, '_>) -> Result<(), webpki::Error> {
        let allowed: &[&[u8]] = match self.0 {
            ChainUsage::Signing => &SIGNING_EKUS,
            ChainUsage::TimeStamping => &[oids::EKU_TIME_STAMPING],
        };
        let mut empty = true;
        for id in iter {
            let id = id?;
            empty = false;
            if allowed.iter().any(|oid| KeyPurposeId::new(oid) == id) {
                return Ok(());
            }
        }
        if empty {
            Ok(())
        } else {
            Err(webpki::Error::RequiredEkuNotFoundContext(RequiredEkuNotFoundContext {
                required: KeyUsage::required_if_present(allowed[0]),
                present: Vec::new(),
            }))
        }
    }
}

/// Validates a signing certificate's path to `trust` at `at_unix` (Unix
/// seconds) and looks up revocation in `crls`; see [`validate_chain_for`].
pub fn validate_chain(
    leaf_der: &[u8],
    intermediates: &[Vec<u8>],
    trust: &TrustStore,
    at_unix: i64,
    crls: &[Crl],
) -> ChainReport {
    validate_chain_for(leaf_der, intermediates, trust, at_unix, crls, ChainUsage::Signing)
}

/// Validates the path of `leaf_der` for `usage` with rustls-webpki (all
/// *ring* algorithms, no webpki revocation), then reports each non-root
/// certificate's status in the CRLs signed by its issuer. Revocation never
/// sets `problem`: the caller decides against the signing time.
pub fn validate_chain_for(
    leaf_der: &[u8],
    intermediates: &[Vec<u8>],
    trust: &TrustStore,
    at_unix: i64,
    crls: &[Crl],
    usage: ChainUsage,
) -> ChainReport {
    let leaf_info = match certificate_info(leaf_der) {
        Ok(info) => info,
        Err(e) => {
            return ChainReport {
                chain: Vec::new(),
                problem: Some(ChainProblem::Other(e.to_string())),
                leaf_revocation: Revocation::Unknown,
                revocation: Vec::new(),
            }
        }
    };
    let (ders, mut root_found, mut problem) = match webpki_path(leaf_der, intermediates, trust, at_unix, usage) {
        Ok(ders) => (ders, true, None),
        Err(problem) => {
            let (ders, root_found) = display_path(leaf_der, intermediates, trust);
            (ders, root_found, Some(problem))
        }
    };
    if problem.is_none() && usage == ChainUsage::TimeStamping && !has_eku(leaf_der, oids::EKU_TIME_STAMPING) {
        problem = Some(ChainProblem::NotForSigning);
    }

    // chain[i + 1] is the issuer of chain[i]; issuers[i] is it parsed.
    let mut chain = vec![leaf_info];
    let mut issuers = Vec::with_capacity(ders.len());
    for der in ders.iter().skip(1) {
        match (certificate_info(der), parse_certificate(der)) {
            (Ok(info), Ok(cert)) => {
                chain.push(info);
                issuers.push(cert);
            }
            _ => {
                root_found = false;
                break;
            }
        }
    }
    let checked = if root_found { chain.len() - 1 } else { chain.len() };
    let revocation: Vec<Revocation> = (0..checked)
        .map(|i| match issuers.get(i) {
            Some(issuer) => revocation_status(&chain[i].serial_hex, issuer, crls),
            None => Revocation::Unknown,
        })
        .collect();
    ChainReport {
        leaf_revocation: revocation.first().copied().unwrap_or(Revocation::Unknown),
        chain,
        problem,
        revocation,
    }
}

/// Runs webpki; on success returns the path's DER certificates (leaf,
/// intermediates, root).
fn webpki_path(
    leaf_der: &[u8],
    intermediates: &[Vec<u8>],
    trust: &TrustStore,
    at_unix: i64,
    usage: ChainUsage,
) -> Result<Vec<Vec<u8>>, ChainProblem> {
    let leaf = CertificateDer::from(leaf_der);
    let ee = EndEntityCert::try_from(&leaf).map_err(map_webpki_error)?;
    let inter: Vec<CertificateDer<'_>> = intermediates.iter().map(|c| CertificateDer::from(c.as_slice())).collect();
    let time = UnixTime::since_unix_epoch(Duration::from_secs(u64::try_from(at_unix).unwrap_or(0)));
    let path = ee
        .verify_for_usage(webpki::ALL_VERIFICATION_ALGS, &trust.anchors, &inter, time, EkuPolicy(usage), None, None)
        .map_err(map_webpki_error)?;
    let mut ders = vec![leaf_der.to_vec()];
    ders.extend(path.intermediate_certificates().map(|c| c.der().to_vec()));
    let root = trust
        .anchors
        .iter()
        .position(|a| a == path.anchor())
        .ok_or_else(|| ChainProblem::Other("không tìm thấy chứng thư gốc".into()))?;
    ders.push(trust.roots[root].clone());
    Ok(ders)
}

/// A best-effort path for display when webpki fails: follows issuer names
/// through the intermediates, then the roots. Returns the path and whether it
/// ends in a trusted root.
fn display_path(leaf_der: &[u8], intermediates: &[Vec<u8>], trust: &TrustStore) -> (Vec<Vec<u8>>, bool) {
    let mut ders = vec![leaf_der.to_vec()];
    let mut used = vec![false; intermediates.len()];
    while ders.len() < 10 {
        let Some(cert) = ders.last().and_then(|d| parse_certificate(d).ok()) else { break };
        let issuer = name_der(&cert.tbs_certificate.issuer);
        if issuer == name_der(&cert.tbs_certificate.subject) {
            break;
        }
        if let Some(i) = trust.subjects.iter().position(|s| *s == issuer) {
            ders.push(trust.roots[i].clone());
            return (ders, true);
        }
        let next = intermediates.iter().enumerate().position(|(i, d)| {
            !used[i] && parse_certificate(d).is_ok_and(|c| name_der(&c.tbs_certificate.subject) == issuer)
        });
        match next {
            Some(i) => {
                used[i] = true;
                ders.push(intermediates[i].clone());
            }
            None => break,
        }
    }
    (ders, false)
}

/// Status of `serial` in the CRLs that `issuer` signed.
fn revocation_status(serial: &str, issuer: &x509_cert::Certificate, crls: &[Crl]) -> Revocation {
    let mut newest: Option<i64> = None;
    for crl in crls.iter().filter(|crl| crl.issued_by(issuer)) {
        if let Some(at) = crl.revoked_at(serial) {
            return Revocation::Revoked { at };
        }
        newest = Some(newest.map_or(crl.this_update, |t| t.max(crl.this_update)));
    }
    newest.map_or(Revocation::Unknown, |t| Revocation::Good { crl_this_update: t })
}

/// Whether the certificate's EKU extension lists `eku` (DER contents).
fn has_eku(cert_der: &[u8], eku: &[u8]) -> bool {
    use der::Decode;
    let Ok(cert) = parse_certificate(cert_der) else { return false };
    cert.tbs_certificate
        .extensions
        .iter()
        .flatten()
        .filter(|e| e.extn_id.as_bytes() == [0x55, 0x1d, 0x25])
        .filter_map(|e| ExtendedKeyUsage::from_der(e.extn_value.as_bytes()).ok())
        .any(|list| list.0.iter().any(|oid| oid.as_bytes() == eku))
}

fn map_webpki_error(error: webpki::Error) -> ChainProblem {
    use webpki::Error as E;
    match error {
        E::CertExpired { .. } => ChainProblem::Expired,
        E::CertNotValidYet { .. } => ChainProblem::NotYetValid,
        E::UnknownIssuer => ChainProblem::UntrustedRoot,
        E::InvalidSignatureForPublicKey | E::SignatureAlgorithmMismatch => ChainProblem::BadSignature,
        E::RequiredEkuNotFoundContext(_) | E::CaUsedAsEndEntity => ChainProblem::NotForSigning,
        E::UnsupportedSignatureAlgorithmContext(_) | E::UnsupportedSignatureAlgorithmForPublicKeyContext(_) => {
            ChainProblem::Other("thuật toán chữ ký chưa được hỗ trợ".into())
        }
        other => ChainProblem::Other(format!("{other}")),
    }
}
