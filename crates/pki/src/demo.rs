//! A demo PKI for the `egov pki` command and for tests: a root CA, personal,
//! organisation-seal and time-stamping certificates, and CRLs. Keys are
//! ECDSA P-256 and signatures ECDSA-with-SHA-256 (made with rcgen/*ring*).

use std::fmt;

use der::{Tag, Tagged};
use rcgen::{
    BasicConstraints, CertificateParams, CertificateRevocationListParams, CrlDistributionPoint, CustomExtension,
    DistinguishedName, DnType, DnValue, ExtendedKeyUsagePurpose, IsCa, KeyIdMethod, KeyPair, KeyUsagePurpose,
    RevokedCertParams, SanType, SerialNumber,
};
use ring::rand::{SecureRandom, SystemRandom};
use time::{Duration, OffsetDateTime};
use x509_cert::ext::pkix::SubjectKeyIdentifier;
use zeroize::Zeroizing;

use der::Decode;

use crate::certificate::{name_der, normalize_serial_hex, parse_certificate};
use crate::{oids, PkiError};

/// A certificate with its private key, as produced by the demo CA.
#[derive(Clone)]
pub struct Issued {
    /// The certificate, DER.
    pub certificate_der: Vec<u8>,
    /// Its private key, PKCS#8 v1 DER.
    pub key_pkcs8: Zeroizing<Vec<u8>>,
}

impl fmt::Debug for Issued {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Issued")
            .field("certificate_der_len", &self.certificate_der.len())
            .field("key_pkcs8", &"<redacted>")
            .finish()
    }
}

/// What an issued end-entity certificate is for.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum CertificateKind {
    /// A person's signing certificate.
    Personal,
    /// An organisation's seal (con dấu) certificate.
    Seal,
    /// A time-stamping authority certificate (RFC 3161).
    TimeStamping,
}

/// Subject fields of an issued certificate; the country is always `VN`.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Subject {
    /// Common name (CN), e.g. a person's full name.
    pub common_name: String,
    /// Organisation (O).
    pub organization: Option<String>,
    /// Organisational unit (OU).
    pub organizational_unit: Option<String>,
    /// Locality (L), e.g. the province.
    pub locality: Option<String>,
    /// E-mail address (emailAddress in the name and an rfc822Name SAN).
    pub email: Option<String>,
    /// User id (UID), e.g. `CCCD:001234567890`.
    pub user_id: Option<String>,
}

impl Subject {
    /// A subject with only a common name.
    pub fn new(common_name: impl Into<String>) -> Self {
        Self { common_name: common_name.into(), ..Self::default() }
    }
}

/// One revoked certificate for [`create_crl`].
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RevokedEntry {
    /// Serial number in hex (as in [`crate::CertificateInfo::serial_hex`]).
    pub serial_hex: String,
    /// Revocation time, Unix seconds.
    pub revoked_at: i64,
}

/// Creates a self-signed root CA (`C=VN, O=organization, CN=common_name`),
/// CA:true with keyCertSign and cRLSign, valid from `valid_from` (Unix
/// seconds) for `valid_days` days.
pub fn create_root(
    common_name: &str,
    organization: &str,
    valid_from: i64,
    valid_days: u32,
) -> Result<Issued, PkiError> {
    let key = new_key()?;
    let mut params = base_params(valid_from, valid_days)?;
    let subject = Subject { organization: Some(organization.to_owned()), ..Subject::new(common_name) };
    params.distinguished_name = subject_name(&subject)?;
    params.is_ca = IsCa::Ca(BasicConstraints::Unconstrained);
    params.key_usages = vec![KeyUsagePurpose::KeyCertSign, KeyUsagePurpose::CrlSign];
    let cert = params.self_signed(&key).map_err(rcgen_error)?;
    Ok(Issued { certificate_der: cert.der().to_vec(), key_pkcs8: key.serialize_der().into() })
}

/// Issues an end-entity certificate signed by `ca`.
///
/// Personal and Seal: keyUsage digitalSignature + nonRepudiation, EKU
/// documentSigning (RFC 9336) + emailProtection. TimeStamping: keyUsage
/// digitalSignature, critical EKU timeStamping only. All carry a random
/// positive 16-byte serial, `C=VN`, subject and authority key identifiers,
/// CA:false, and a CRL distribution point when `crl_url` is given.
pub fn issue_certificate(
    ca: &Issued,
    subject: &Subject,
    kind: CertificateKind,
    valid_from: i64,
    valid_days: u32,
    crl_url: Option<&str>,
) -> Result<Issued, PkiError> {
    let signer = CaSigner::load(ca)?;
    let key = new_key()?;
    let mut params = base_params(valid_from, valid_days)?;
    params.distinguished_name = subject_name(subject)?;
    if let Some(email) = &subject.email {
        params.subject_alt_names.push(SanType::Rfc822Name(ia5_email(email)?));
    }
    params.is_ca = IsCa::ExplicitNoCa;
    params.use_authority_key_identifier_extension = true;
    match kind {
        CertificateKind::Personal | CertificateKind::Seal => {
            params.key_usages = vec![KeyUsagePurpose::DigitalSignature, KeyUsagePurpose::ContentCommitment];
            params.extended_key_usages = vec![
                ExtendedKeyUsagePurpose::Other(vec![1, 3, 6, 1, 5, 5, 7, 3, 36]),
                ExtendedKeyUsagePurpose::EmailProtection,
            ];
        }
        CertificateKind::TimeStamping => {
            params.key_usages = vec![KeyUsagePurpose::DigitalSignature];
            // rcgen writes EKU non-critical; RFC 3161 wants it critical.
            let mut eku_der = vec![0x30, 0x0a, 0x06, 0x08];
            eku_der.extend_from_slice(oids::EKU_TIME_STAMPING);
            let mut ext = CustomExtension::from_oid_content(&[2, 5, 29, 37], eku_der);
            ext.set_criticality(true);
            params.custom_extensions.push(ext);
        }
    }
    if let Some(url) = crl_url {
        params.crl_distribution_points = vec![CrlDistributionPoint { uris: vec![url.to_owned()] }];
    }
    let cert = params.signed_by(&key, &signer.certificate, &signer.key).map_err(rcgen_error)?;
    let der = cert.der().to_vec();
    let issued = parse_certificate(&der)?;
    if name_der(&issued.tbs_certificate.issuer) != signer.subject_der {
        return Err(PkiError::Unsupported("tên chủ thể của CA không tái tạo được chính xác".into()));
    }
    Ok(Issued { certificate_der: der, key_pkcs8: key.serialize_der().into() })
}

/// Creates a CRL signed by `ca` listing `revoked`, with the given update
/// times (Unix seconds, `next_update` after `this_update`) and CRL number.
pub fn create_crl(
    ca: &Issued,
    revoked: &[RevokedEntry],
    this_update: i64,
    next_update: i64,
    crl_number: u64,
) -> Result<Vec<u8>, PkiError> {
    let signer = CaSigner::load(ca)?;
    let revoked_certs = revoked
        .iter()
        .map(|entry| {
            let serial = hex::decode(normalize_serial_hex(&entry.serial_hex))
                .map_err(|_| PkiError::malformed(format!("số hiệu \"{}\"", entry.serial_hex)))?;
            Ok(RevokedCertParams {
                serial_number: SerialNumber::from_slice(&serial),
                revocation_time: unix_time(entry.revoked_at)?,
                reason_code: None,
                invalidity_date: None,
            })
        })
        .collect::<Result<Vec<_>, PkiError>>()?;
    let number = crl_number.to_be_bytes();
    let first = number.iter().position(|&b| b != 0).unwrap_or(number.len() - 1);
    let params = CertificateRevocationListParams {
        this_update: unix_time(this_update)?,
        next_update: unix_time(next_update)?,
        crl_number: SerialNumber::from_slice(&number[first..]),
        issuing_distribution_point: None,
        revoked_certs,
        key_identifier_method: signer.key_id_method.clone(),
    };
    let crl = params.signed_by(&signer.certificate, &signer.key).map_err(rcgen_error)?;
    Ok(crl.der().to_vec())
}

/// What rcgen needs to sign as an existing CA: its key and a stand-in
/// certificate whose subject re-encodes exactly to the CA's subject.
struct CaSigner {
    key: KeyPair,
    certificate: rcgen::Certificate,
    subject_der: Vec<u8>,
    key_id_method: KeyIdMethod,
}

impl CaSigner {
    fn load(ca: &Issued) -> Result<Self, PkiError> {
        let key =
            KeyPair::try_from(ca.key_pkcs8.as_slice()).map_err(|e| PkiError::malformed(format!("khóa CA: {e}")))?;
        let cert = parse_certificate(&ca.certificate_der)?;
        let tbs = &cert.tbs_certificate;
        if tbs.subject_public_key_info.subject_public_key.as_bytes() != Some(key.public_key_raw()) {
            return Err(PkiError::malformed("khóa CA không khớp với chứng thư CA"));
        }
        let ski = tbs
            .extensions
            .iter()
            .flatten()
            .find(|e| e.extn_id == oids::SUBJECT_KEY_IDENTIFIER)
            .and_then(|e| SubjectKeyIdentifier::from_der(e.extn_value.as_bytes()).ok());
        let key_id_method = match ski {
            Some(ski) => KeyIdMethod::PreSpecified(ski.0.as_bytes().to_vec()),
            None => KeyIdMethod::Sha256,
        };
        let mut params = CertificateParams::default();
        params.distinguished_name = rcgen_name(&tbs.subject)?;
        params.key_identifier_method = key_id_method.clone();
        params.is_ca = IsCa::Ca(BasicConstraints::Unconstrained);
        let certificate = params.self_signed(&key).map_err(rcgen_error)?;
        Ok(Self { key, certificate, subject_der: name_der(&tbs.subject), key_id_method })
    }
}

/// Rebuilds an x509-cert name as an rcgen name with the same string types.
fn rcgen_name(name: &x509_cert::name::Name) -> Result<DistinguishedName, PkiError> {
    let unsupported = || PkiError::Unsupported("tên chủ thể CA dạng này".into());
    let mut dn = DistinguishedName::new();
    let mut count = 0;
    for rdn in name.0.iter() {
        let [atv] = rdn.0.as_slice() else {
            return Err(unsupported());
        };
        let bytes = atv.value.value();
        let text = || std::str::from_utf8(bytes).map_err(|_| unsupported());
        let value = match atv.value.tag() {
            Tag::Utf8String => DnValue::Utf8String(text()?.to_owned()),
            Tag::PrintableString => DnValue::PrintableString(text()?.try_into().map_err(rcgen_error)?),
            Tag::Ia5String => DnValue::Ia5String(text()?.try_into().map_err(rcgen_error)?),
            Tag::BmpString => DnValue::BmpString(rcgen::BmpString::from_utf16be(bytes.to_vec()).map_err(rcgen_error)?),
            _ => return Err(unsupported()),
        };
        dn.push(DnType::from_oid(&arcs(&atv.oid)), value);
        count += 1;
    }
    if dn.iter().count() != count {
        return Err(unsupported()); // repeated attribute types collapse in rcgen
    }
    Ok(dn)
}

/// `C=VN, [L], [O], [OU], [UID], [E], CN` (printed most specific first).
fn subject_name(subject: &Subject) -> Result<DistinguishedName, PkiError> {
    let mut dn = DistinguishedName::new();
    dn.push(DnType::CountryName, DnValue::PrintableString("VN".try_into().map_err(rcgen_error)?));
    if let Some(l) = &subject.locality {
        dn.push(DnType::LocalityName, l.as_str());
    }
    if let Some(o) = &subject.organization {
        dn.push(DnType::OrganizationName, o.as_str());
    }
    if let Some(ou) = &subject.organizational_unit {
        dn.push(DnType::OrganizationalUnitName, ou.as_str());
    }
    if let Some(uid) = &subject.user_id {
        dn.push(DnType::CustomDnType(arcs(&oids::USER_ID)), uid.as_str());
    }
    if let Some(email) = &subject.email {
        dn.push(DnType::CustomDnType(arcs(&oids::EMAIL_ADDRESS)), DnValue::Ia5String(ia5_email(email)?));
    }
    dn.push(DnType::CommonName, subject.common_name.as_str());
    Ok(dn)
}

/// An e-mail address as IA5String (ASCII only).
fn ia5_email(email: &str) -> Result<rcgen::Ia5String, PkiError> {
    email.try_into().map_err(|_| PkiError::malformed(format!("địa chỉ thư điện tử \"{email}\" phải là ASCII")))
}

/// The arcs of an OID as rcgen wants them.
fn arcs(oid: &der::oid::ObjectIdentifier) -> Vec<u64> {
    oid.arcs().map(u64::from).collect()
}

fn new_key() -> Result<KeyPair, PkiError> {
    KeyPair::generate_for(&rcgen::PKCS_ECDSA_P256_SHA256).map_err(rcgen_error)
}

/// Parameters with a random positive 16-byte serial and the validity period.
fn base_params(valid_from: i64, valid_days: u32) -> Result<CertificateParams, PkiError> {
    let mut serial = [0u8; 16];
    SystemRandom::new().fill(&mut serial).map_err(|_| PkiError::crypto("không lấy được số ngẫu nhiên"))?;
    serial[0] = (serial[0] & 0x7f) | 0x01;
    let mut params = CertificateParams::default();
    params.serial_number = Some(SerialNumber::from_slice(&serial));
    params.not_before = unix_time(valid_from)?;
    params.not_after = params
        .not_before
        .checked_add(Duration::days(i64::from(valid_days)))
        .ok_or_else(|| PkiError::malformed("thời hạn hiệu lực"))?;
    Ok(params)
}

fn unix_time(seconds: i64) -> Result<OffsetDateTime, PkiError> {
    OffsetDateTime::from_unix_timestamp(seconds).map_err(|_| PkiError::malformed(format!("thời điểm {seconds}")))
}

fn rcgen_error(error: rcgen::Error) -> PkiError {
    PkiError::Crypto(format!("rcgen: {error}"))
}
