//! Reading X.509 certificates: the display facts in [`CertificateInfo`], PEM
//! conversion, and the small parsing helpers (names, times, serials, public
//! keys) that the other modules share.

use der::asn1::{AnyRef, UintRef};
use der::{Decode, Encode, Tag, Tagged};
use sha2::{Digest, Sha256};
use x509_cert::ext::pkix::name::{DistributionPointName, GeneralName};
use x509_cert::ext::pkix::{BasicConstraints, CrlDistributionPoints};
use x509_cert::name::Name;
use x509_cert::spki::SubjectPublicKeyInfoOwned;
use x509_cert::time::Time;
use x509_cert::Certificate;

use crate::oids;
use crate::PkiError;

/// Facts about one X.509 certificate for display and checks.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct CertificateInfo {
    /// Subject name in RFC 4514 style, most specific first, e.g.
    /// `CN=Nguyễn Văn An, O=UBND tỉnh Demo, C=VN`.
    pub subject: String,
    /// The subject's common name (empty when the certificate has none).
    pub common_name: String,
    /// The subject's organisation, when present.
    pub organization: Option<String>,
    /// Issuer name, formatted like [`CertificateInfo::subject`].
    pub issuer: String,
    /// Serial number as lower-case hex without leading zero bytes.
    pub serial_hex: String,
    /// Start of validity, Unix seconds.
    pub not_before: i64,
    /// End of validity, Unix seconds.
    pub not_after: i64,
    /// SHA-256 of the certificate's DER, lower-case hex.
    pub fingerprint_sha256: String,
    /// Public key kind and size: `RSA 2048`, `ECDSA P-256`, `ECDSA P-384`, …
    pub key_algorithm: String,
    /// Whether basic constraints mark the certificate as a CA.
    pub is_ca: bool,
    /// URIs from the CRL distribution points extension.
    pub crl_urls: Vec<String>,
}

/// Reads the display facts of one DER-encoded certificate.
pub fn certificate_info(der: &[u8]) -> Result<CertificateInfo, PkiError> {
    let cert = parse_certificate(der)?;
    let tbs = &cert.tbs_certificate;
    let mut is_ca = false;
    let mut crl_urls = Vec::new();
    for ext in tbs.extensions.iter().flatten() {
        if ext.extn_id == oids::BASIC_CONSTRAINTS {
            let bc = BasicConstraints::from_der(ext.extn_value.as_bytes())
                .map_err(|e| PkiError::malformed(format!("basicConstraints: {e}")))?;
            is_ca = bc.ca;
        } else if ext.extn_id == oids::CRL_DISTRIBUTION_POINTS {
            let points = CrlDistributionPoints::from_der(ext.extn_value.as_bytes())
                .map_err(|e| PkiError::malformed(format!("cRLDistributionPoints: {e}")))?;
            for point in points.0 {
                if let Some(DistributionPointName::FullName(names)) = point.distribution_point {
                    for name in names {
                        if let GeneralName::UniformResourceIdentifier(uri) = name {
                            crl_urls.push(uri.to_string());
                        }
                    }
                }
            }
        }
    }
    Ok(CertificateInfo {
        subject: format_name(&tbs.subject),
        common_name: name_attribute(&tbs.subject, &oids::COMMON_NAME).unwrap_or_default(),
        organization: name_attribute(&tbs.subject, &oids::ORGANIZATION),
        issuer: format_name(&tbs.issuer),
        serial_hex: serial_hex(tbs.serial_number.as_bytes()),
        not_before: unix_seconds(tbs.validity.not_before),
        not_after: unix_seconds(tbs.validity.not_after),
        fingerprint_sha256: hex::encode(Sha256::digest(der)),
        key_algorithm: key_algorithm(&tbs.subject_public_key_info),
        is_ca,
        crl_urls,
    })
}

/// Decodes every `CERTIFICATE` block of a PEM text, in order; other blocks and
/// undecodable text are skipped.
pub fn pem_to_der_all(pem: &str) -> Vec<Vec<u8>> {
    pem::parse_many(pem)
        .unwrap_or_default()
        .into_iter()
        .filter(|block| block.tag() == "CERTIFICATE" || block.tag() == "X509 CERTIFICATE")
        .map(pem::Pem::into_contents)
        .collect()
}

/// Encodes DER bytes as one PEM block with the given label (e.g.
/// `CERTIFICATE`, `X509 CRL`), 64-column base64 and `\n` line ends.
pub fn der_to_pem(der: &[u8], label: &str) -> String {
    let config = pem::EncodeConfig::new().set_line_ending(pem::LineEnding::LF);
    pem::encode_config(&pem::Pem::new(label, der.to_vec()), config)
}

/// Parses a DER certificate with x509-cert, mapping errors to
/// [`PkiError::Malformed`].
pub(crate) fn parse_certificate(der: &[u8]) -> Result<Certificate, PkiError> {
    Certificate::from_der(der).map_err(|e| PkiError::malformed(format!("chứng thư X.509: {e}")))
}

/// DER encoding of a name, for byte-exact comparisons.
pub(crate) fn name_der(name: &Name) -> Vec<u8> {
    name.to_der().unwrap_or_default()
}

/// Unix seconds of an X.509 time.
pub(crate) fn unix_seconds(time: Time) -> i64 {
    i64::try_from(time.to_unix_duration().as_secs()).unwrap_or(i64::MAX)
}

/// Lower-case hex of a big-endian integer without leading zero bytes (`00`
/// for zero).
pub(crate) fn serial_hex(bytes: &[u8]) -> String {
    let start = bytes.iter().position(|&b| b != 0).unwrap_or(bytes.len());
    if start == bytes.len() {
        "00".to_owned()
    } else {
        hex::encode(&bytes[start..])
    }
}

/// Brings a user-supplied serial (any case, optional `0x`, colons or spaces,
/// leading zeros) to the form of [`serial_hex`].
pub(crate) fn normalize_serial_hex(serial: &str) -> String {
    let digits: String = serial.trim().trim_start_matches("0x").chars().filter(char::is_ascii_hexdigit).collect();
    let padded = if digits.len() % 2 == 1 { format!("0{digits}") } else { digits };
    serial_hex(&hex::decode(padded).unwrap_or_default())
}

/// First value of the attribute `oid` in a name, decoded to text.
pub(crate) fn name_attribute(name: &Name, oid: &der::oid::ObjectIdentifier) -> Option<String> {
    name.0
        .iter()
        .flat_map(|rdn| rdn.0.iter())
        .find(|atv| &atv.oid == oid)
        .map(|atv| attribute_text(&AnyRef::from(&atv.value)))
}

/// Formats a name in RFC 4514 order (last RDN first), `, ` between RDNs and
/// `+` inside multi-valued ones.
pub(crate) fn format_name(name: &Name) -> String {
    let mut out = String::new();
    for rdn in name.0.iter().rev() {
        if !out.is_empty() {
            out.push_str(", ");
        }
        for (i, atv) in rdn.0.iter().enumerate() {
            if i > 0 {
                out.push('+');
            }
            out.push_str(&oids::attribute_label(&atv.oid));
            out.push('=');
            out.push_str(&escape_rfc4514(&attribute_text(&AnyRef::from(&atv.value))));
        }
    }
    out
}

/// Decodes a DirectoryString-like value: UTF8String (and the ASCII string
/// types, read as UTF-8 for issuers that put UTF-8 there) as UTF-8,
/// BMPString as UTF-16BE, TeletexString as UTF-8 when it is, else Latin-1.
/// Unknown types become `#hex` of the whole encoding as RFC 4514 prescribes.
fn attribute_text(value: &AnyRef<'_>) -> String {
    let bytes = value.value();
    let text = match value.tag() {
        Tag::Utf8String | Tag::PrintableString | Tag::Ia5String | Tag::VisibleString | Tag::NumericString => {
            std::str::from_utf8(bytes).ok().map(str::to_owned)
        }
        // Issuers that put non-ASCII text in a TeletexString put UTF-8 there; otherwise T.61 is close enough to
        // Latin-1 for the names found in practice.
        Tag::TeletexString => Some(match std::str::from_utf8(bytes) {
            Ok(text) => text.to_owned(),
            Err(_) => bytes.iter().map(|&b| char::from(b)).collect(),
        }),
        Tag::BmpString if bytes.len() % 2 == 0 => {
            let units = bytes.chunks_exact(2).map(|c| u16::from_be_bytes([c[0], c[1]]));
            char::decode_utf16(units).collect::<Result<String, _>>().ok()
        }
        _ => None,
    };
    text.unwrap_or_else(|| format!("#{}", hex::encode(value.to_der().unwrap_or_default())))
}

/// Escapes the characters RFC 4514 requires (`,+"\<>;`, a leading `#` or
/// space, a trailing space).
fn escape_rfc4514(value: &str) -> String {
    if value.starts_with('#') && value.len() > 1 && value[1..].bytes().all(|b| b.is_ascii_hexdigit()) {
        return value.to_owned(); // already a hex-encoded value from attribute_text
    }
    let mut out = String::with_capacity(value.len());
    let last = value.chars().count().saturating_sub(1);
    for (i, c) in value.chars().enumerate() {
        let needs = matches!(c, ',' | '+' | '"' | '\\' | '<' | '>' | ';')
            || (i == 0 && (c == '#' || c == ' '))
            || (i == last && c == ' ');
        if needs {
            out.push('\\');
        }
        out.push(c);
    }
    out
}

/// The kind of public key, e.g. `RSA 2048` or `ECDSA P-256`.
pub(crate) fn key_algorithm(spki: &SubjectPublicKeyInfoOwned) -> String {
    match spki.algorithm.oid {
        oids::RSA_ENCRYPTION | oids::RSASSA_PSS => {
            match spki.subject_public_key.as_bytes().and_then(rsa_modulus_bits) {
                Some(bits) => format!("RSA {bits}"),
                None => "RSA".to_owned(),
            }
        }
        oids::EC_PUBLIC_KEY => format!("ECDSA {}", ec_curve(spki).unwrap_or("(đường cong khác)")),
        oids::ED25519 => "Ed25519".to_owned(),
        other => other.to_string(),
    }
}

/// Bit length of the modulus in an `RSAPublicKey` DER.
fn rsa_modulus_bits(rsa_public_key: &[u8]) -> Option<usize> {
    let any = AnyRef::try_from(rsa_public_key).ok()?;
    let modulus = any
        .sequence(|reader| {
            let n = UintRef::decode(reader)?;
            let _e = UintRef::decode(reader)?;
            Ok(n)
        })
        .ok()?;
    let bytes = modulus.as_bytes();
    let first = *bytes.first()?;
    Some(bytes.len() * 8 - first.leading_zeros() as usize)
}

/// The named curve of an EC public key: `P-256`, `P-384` or `P-521`.
pub(crate) fn ec_curve(spki: &SubjectPublicKeyInfoOwned) -> Option<&'static str> {
    let oid: der::oid::ObjectIdentifier = spki.algorithm.parameters.as_ref()?.decode_as().ok()?;
    [(oids::SECP256R1, "P-256"), (oids::SECP384R1, "P-384"), (oids::SECP521R1, "P-521")]
        .into_iter()
        .find_map(|(curve, name)| (curve == oid).then_some(name))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn serial_normalisation() {
        assert_eq!(serial_hex(&[0, 0x8f, 0x01]), "8f01");
        assert_eq!(serial_hex(&[0, 0]), "00");
        assert_eq!(normalize_serial_hex("00:8F:01"), "8f01");
        assert_eq!(normalize_serial_hex("0x0abc"), "0abc");
        assert_eq!(normalize_serial_hex("000"), "00");
    }

    /// A name with one attribute of each string type, and what it must read as.
    #[test]
    fn every_string_type_of_a_name_reads_back_exactly() {
        use der::asn1::{Any, SetOfVec};
        use x509_cert::attr::AttributeTypeAndValue;
        use x509_cert::name::RelativeDistinguishedName;
        let text = "Cơ quan Văn thư tỉnh";
        let bmp: Vec<u8> = text.encode_utf16().flat_map(u16::to_be_bytes).collect();
        let values: [(Tag, Vec<u8>, &str); 6] = [
            (Tag::Utf8String, text.as_bytes().to_vec(), text),
            (Tag::BmpString, bmp, text),
            (Tag::PrintableString, b"VN".to_vec(), "VN"),
            (Tag::TeletexString, text.as_bytes().to_vec(), text),
            (Tag::TeletexString, b"Ha\xefi".to_vec(), "Ha\u{ef}i"),
            (Tag::Ia5String, b"vt@demo.gov.vn".to_vec(), "vt@demo.gov.vn"),
        ];
        for (tag, bytes, expected) in values {
            let atv = AttributeTypeAndValue { oid: oids::COMMON_NAME, value: Any::new(tag, bytes).expect("value") };
            let rdn = RelativeDistinguishedName(SetOfVec::try_from(vec![atv]).expect("rdn"));
            let name = x509_cert::name::RdnSequence(vec![rdn]);
            assert_eq!(name_attribute(&name, &oids::COMMON_NAME).as_deref(), Some(expected), "{tag:?}");
            assert_eq!(format_name(&name), format!("CN={expected}"), "{tag:?}");
        }
    }

    #[test]
    fn rfc4514_escaping() {
        assert_eq!(escape_rfc4514("A, B"), "A\\, B");
        assert_eq!(escape_rfc4514(" x "), "\\ x\\ ");
        assert_eq!(escape_rfc4514("Nguyễn"), "Nguyễn");
    }

    #[test]
    fn pem_round_trip_keeps_only_certificates() {
        let a = der_to_pem(&[0x30, 0x03, 0x02, 0x01, 0x05], "CERTIFICATE");
        let b = der_to_pem(&[1, 2, 3], "X509 CRL");
        assert!(a.starts_with("-----BEGIN CERTIFICATE-----\n"));
        let all = pem_to_der_all(&format!("junk\n{a}{b}{a}"));
        assert_eq!(all, vec![vec![0x30, 0x03, 0x02, 0x01, 0x05]; 2]);
    }
}
