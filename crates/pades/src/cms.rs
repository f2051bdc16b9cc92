//! CMS `SignedData` (RFC 5652) as PAdES uses it: building a detached signature and reading one back.
use crate::PadesError;
use cms::cert::{CertificateChoices, IssuerAndSerialNumber};
use cms::content_info::{CmsVersion, ContentInfo};
use cms::signed_data::{
    CertificateSet, EncapsulatedContentInfo, SignedAttributes, SignedData, SignerIdentifier, SignerInfo, SignerInfos,
};
use const_oid::ObjectIdentifier;
use der::asn1::{OctetString, SetOfVec};
use der::{Any, Decode, Encode, Sequence};
use spki::AlgorithmIdentifierOwned;
use x509_cert::attr::Attribute;
use x509_cert::ext::pkix::name::GeneralName;
use x509_cert::serial_number::SerialNumber;
use x509_cert::Certificate;

pub(crate) const ID_DATA: ObjectIdentifier = ObjectIdentifier::new_unwrap("1.2.840.113549.1.7.1");
pub(crate) const ID_SIGNED_DATA: ObjectIdentifier = ObjectIdentifier::new_unwrap("1.2.840.113549.1.7.2");
pub(crate) const ID_CONTENT_TYPE: ObjectIdentifier = ObjectIdentifier::new_unwrap("1.2.840.113549.1.9.3");
pub(crate) const ID_MESSAGE_DIGEST: ObjectIdentifier = ObjectIdentifier::new_unwrap("1.2.840.113549.1.9.4");
pub(crate) const ID_SIGNING_TIME: ObjectIdentifier = ObjectIdentifier::new_unwrap("1.2.840.113549.1.9.5");
pub(crate) const ID_SIGNING_CERTIFICATE_V2: ObjectIdentifier =
    ObjectIdentifier::new_unwrap("1.2.840.113549.1.9.16.2.47");
pub(crate) const ID_SIGNATURE_TIME_STAMP: ObjectIdentifier = ObjectIdentifier::new_unwrap("1.2.840.113549.1.9.16.2.14");
pub(crate) const ID_SHA256: ObjectIdentifier = ObjectIdentifier::new_unwrap("2.16.840.1.101.3.4.2.1");
pub(crate) const ID_SHA384: ObjectIdentifier = ObjectIdentifier::new_unwrap("2.16.840.1.101.3.4.2.2");
pub(crate) const ID_SHA512: ObjectIdentifier = ObjectIdentifier::new_unwrap("2.16.840.1.101.3.4.2.3");
pub(crate) const ID_SHA1: ObjectIdentifier = ObjectIdentifier::new_unwrap("1.3.14.3.2.26");

/// `SigningCertificateV2` (RFC 5035): binds the signature to the hash of the signing certificate.
#[derive(Debug, Clone, Sequence)]
pub(crate) struct SigningCertificateV2 {
    pub certs: Vec<EssCertIdV2>,
    #[asn1(optional = "true")]
    pub policies: Option<Any>,
}

/// One certificate reference; the hash algorithm defaults to SHA-256 and is then left out.
#[derive(Debug, Clone, Sequence)]
pub(crate) struct EssCertIdV2 {
    #[asn1(optional = "true")]
    pub hash_algorithm: Option<AlgorithmIdentifierOwned>,
    pub cert_hash: OctetString,
    #[asn1(optional = "true")]
    pub issuer_serial: Option<IssuerSerial>,
}

/// Issuer and serial number of the referenced certificate.
#[derive(Debug, Clone, Sequence)]
pub(crate) struct IssuerSerial {
    pub issuer: Vec<GeneralName>,
    pub serial_number: SerialNumber,
}

/// The CMS `signatureAlgorithm` of a signer's scheme.
pub(crate) fn signature_algorithm(algorithm: egov_pki::SignatureAlgorithm) -> AlgorithmIdentifierOwned {
    match algorithm {
        egov_pki::SignatureAlgorithm::RsaPkcs1Sha256 => {
            self::algorithm(const_oid::db::rfc5912::SHA_256_WITH_RSA_ENCRYPTION, true)
        }
        egov_pki::SignatureAlgorithm::EcdsaP256Sha256 => {
            self::algorithm(const_oid::db::rfc5912::ECDSA_WITH_SHA_256, false)
        }
    }
}

pub(crate) fn algorithm(oid: ObjectIdentifier, null_parameters: bool) -> AlgorithmIdentifierOwned {
    AlgorithmIdentifierOwned { oid, parameters: null_parameters.then(|| Any::from(der::asn1::Null)) }
}

fn attribute(oid: ObjectIdentifier, value: Any) -> Result<Attribute, PadesError> {
    let values = SetOfVec::try_from(vec![value]).map_err(der_error)?;
    Ok(Attribute { oid, values })
}

pub(crate) fn der_error(e: der::Error) -> PadesError {
    PadesError::BrokenPdf(format!("ASN.1: {e}"))
}

/// The signed attributes of a PAdES signature: content type, message digest and signing certificate v2.
pub(crate) fn signed_attributes(
    content_type: ObjectIdentifier,
    message_digest: &[u8],
    signer: &Certificate,
    signer_der: &[u8],
) -> Result<SignedAttributes, PadesError> {
    let cert_hash = ring::digest::digest(&ring::digest::SHA256, signer_der);
    let signing_certificate = SigningCertificateV2 {
        certs: vec![EssCertIdV2 {
            hash_algorithm: None,
            cert_hash: OctetString::new(cert_hash.as_ref()).map_err(der_error)?,
            issuer_serial: Some(IssuerSerial {
                issuer: vec![GeneralName::DirectoryName(signer.tbs_certificate.issuer.clone())],
                serial_number: signer.tbs_certificate.serial_number.clone(),
            }),
        }],
        policies: None,
    };
    let attrs = vec![
        attribute(ID_CONTENT_TYPE, Any::encode_from(&content_type).map_err(der_error)?)?,
        attribute(
            ID_MESSAGE_DIGEST,
            Any::encode_from(&OctetString::new(message_digest).map_err(der_error)?).map_err(der_error)?,
        )?,
        attribute(ID_SIGNING_CERTIFICATE_V2, Any::encode_from(&signing_certificate).map_err(der_error)?)?,
    ];
    SetOfVec::try_from(attrs).map_err(der_error)
}

/// Assembles `ContentInfo(SignedData)` with one signer; `econtent` is the encapsulated content when not detached.
pub(crate) fn signed_data(
    chain: &[Certificate],
    econtent: Option<(ObjectIdentifier, Vec<u8>)>,
    signed_attrs: SignedAttributes,
    signature_algorithm: AlgorithmIdentifierOwned,
    signature: &[u8],
    unsigned_attrs: Option<Vec<Attribute>>,
) -> Result<Vec<u8>, PadesError> {
    let signer = chain.first().ok_or_else(|| PadesError::BadKey("thiếu chứng thư số".into()))?;
    let signer_info = SignerInfo {
        version: CmsVersion::V1,
        sid: SignerIdentifier::IssuerAndSerialNumber(IssuerAndSerialNumber {
            issuer: signer.tbs_certificate.issuer.clone(),
            serial_number: signer.tbs_certificate.serial_number.clone(),
        }),
        digest_alg: algorithm(ID_SHA256, false),
        signed_attrs: Some(signed_attrs),
        signature_algorithm,
        signature: OctetString::new(signature).map_err(der_error)?,
        unsigned_attrs: match unsigned_attrs {
            Some(attrs) => Some(SetOfVec::try_from(attrs).map_err(der_error)?),
            None => None,
        },
    };
    let (econtent_type, econtent) = match econtent {
        Some((oid, bytes)) => {
            (oid, Some(Any::encode_from(&OctetString::new(bytes).map_err(der_error)?).map_err(der_error)?))
        }
        None => (ID_DATA, None),
    };
    let certificates: Vec<CertificateChoices> = chain.iter().cloned().map(CertificateChoices::Certificate).collect();
    let data = SignedData {
        version: CmsVersion::V1,
        digest_algorithms: SetOfVec::try_from(vec![algorithm(ID_SHA256, false)]).map_err(der_error)?,
        encap_content_info: EncapsulatedContentInfo { econtent_type, econtent },
        certificates: Some(CertificateSet::try_from(certificates).map_err(der_error)?),
        crls: None,
        signer_infos: SignerInfos::try_from(vec![signer_info]).map_err(der_error)?,
    };
    let info = ContentInfo { content_type: ID_SIGNED_DATA, content: Any::encode_from(&data).map_err(der_error)? };
    info.to_der().map_err(der_error)
}

pub(crate) fn time_stamp_attribute(token: &[u8]) -> Result<Attribute, PadesError> {
    attribute(ID_SIGNATURE_TIME_STAMP, Any::from_der(token).map_err(der_error)?)
}

/// A `SignedData` read back, with the exact bytes its signer signed.
#[derive(Debug)]
pub(crate) struct ParsedSignedData {
    /// The structure, without its `certificates` and `crls` (see [`certificates`](Self::certificates)).
    pub data: SignedData,
    /// The signed attributes as the signer encoded them, re-tagged as a SET (what the signature covers).
    pub signed_attrs_der: Option<Vec<u8>>,
    /// The DER of each certificate in the message, each once.
    pub certificates: Vec<Vec<u8>>,
}

/// Reads `ContentInfo(SignedData)` in DER or BER (NSS writes indefinite lengths); trailing zero padding (as in a
/// PDF `/Contents`) is ignored. The certificates are read apart from the rest, so that one listed twice (as NSS
/// does for the signer) or one the strict decoder refuses leaves the signature readable.
pub(crate) fn parse_signed_data(bytes: &[u8]) -> Result<ParsedSignedData, String> {
    let (whole, certificates) = crate::ber::normalize_signed_data(bytes).ok_or("CMS không đúng cấu trúc")?;
    let info = ContentInfo::from_der(&whole).map_err(|e| format!("CMS: {e}"))?;
    if info.content_type != ID_SIGNED_DATA {
        return Err("CMS không phải SignedData".into());
    }
    let data: SignedData = info.content.decode_as().map_err(|e| format!("SignedData: {e}"))?;
    Ok(ParsedSignedData { signed_attrs_der: raw_signed_attrs(&whole), data, certificates })
}

/// The first signer's `[0] IMPLICIT SignedAttributes`, exactly as encoded, with the tag turned into SET (0x31).
fn raw_signed_attrs(content_info: &[u8]) -> Option<Vec<u8>> {
    let (_, _, body) = tlv(content_info)?; // ContentInfo
    let (_, content_type, _) = tlv(body)?;
    let (_, _, explicit) = tlv(&body[content_type.len()..])?; // [0] EXPLICIT
    let (_, _, signed_data) = tlv(explicit)?;
    let mut items = signed_data;
    let mut signer_infos = None;
    while !items.is_empty() {
        let (tag, element, body) = tlv(items)?;
        items = &items[element.len()..];
        if tag == 0x31 && items.is_empty() {
            signer_infos = Some(body);
        }
    }
    let (_, _, signer_info) = tlv(signer_infos?)?;
    let mut fields = signer_info;
    for _ in 0..3 {
        let (_, element, _) = tlv(fields)?;
        fields = &fields[element.len()..];
    }
    let (tag, element, _) = tlv(fields)?;
    (tag == 0xa0).then(|| {
        let mut raw = element.to_vec();
        raw[0] = 0x31;
        raw
    })
}

/// Splits the first DER element off `bytes`: its tag, the whole element, and its contents.
pub(crate) fn tlv(bytes: &[u8]) -> Option<(u8, &[u8], &[u8])> {
    let tag = *bytes.first()?;
    let first = *bytes.get(1)?;
    let (len, header) = if first < 0x80 {
        (usize::from(first), 2)
    } else {
        let n = usize::from(first & 0x7f);
        if n == 0 || n > 4 {
            return None;
        }
        let mut len = 0usize;
        for i in 0..n {
            len = (len << 8) | usize::from(*bytes.get(2 + i)?);
        }
        (len, 2 + n)
    };
    let end = header.checked_add(len)?;
    let element = bytes.get(..end)?;
    Some((tag, element, &element[header..]))
}

/// The attribute `oid` among `attrs`, first value.
pub(crate) fn find_attribute(attrs: &SetOfVec<Attribute>, oid: ObjectIdentifier) -> Option<&Any> {
    attrs.iter().find(|a| a.oid == oid).and_then(|a| a.values.iter().next())
}

/// The ring digest algorithm for a CMS digest OID.
pub(crate) fn digest_algorithm(oid: &ObjectIdentifier) -> Option<&'static ring::digest::Algorithm> {
    match *oid {
        ID_SHA256 => Some(&ring::digest::SHA256),
        ID_SHA384 => Some(&ring::digest::SHA384),
        ID_SHA512 => Some(&ring::digest::SHA512),
        ID_SHA1 => Some(&ring::digest::SHA1_FOR_LEGACY_USE_ONLY),
        _ => None,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn tlv_reads_short_and_long_lengths_and_refuses_truncation() {
        assert_eq!(tlv(&[0x04, 0x02, 1, 2, 0, 0]).map(|t| t.2), Some(&[1u8, 2][..]));
        let mut long = vec![0x04, 0x82, 0x01, 0x00];
        long.extend(std::iter::repeat_n(7, 256));
        assert_eq!(tlv(&long).map(|t| t.2.len()), Some(256));
        assert!(tlv(&long[..100]).is_none());
        assert!(tlv(&[0x30]).is_none());
    }
}
