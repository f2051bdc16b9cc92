//! RFC 3161 time-stamps: the request and response of a time-stamp authority, making a token, reading one.
use crate::cms::{self, tlv, ID_SHA256};
use crate::sign::Signer;
use crate::PadesError;
use const_oid::ObjectIdentifier;
use der::asn1::{GeneralizedTime, Int, OctetString};
use der::{Any, Decode, Encode, Sequence};
use spki::AlgorithmIdentifierOwned;
use x509_cert::Certificate;

/// `id-ct-TSTInfo`, the content type of a time-stamp token.
pub const ID_CT_TST_INFO: ObjectIdentifier = ObjectIdentifier::new_unwrap("1.2.840.113549.1.9.16.1.4");

#[derive(Debug, Clone, Sequence)]
struct MessageImprint {
    hash_algorithm: AlgorithmIdentifierOwned,
    hashed_message: OctetString,
}

#[derive(Debug, Clone, Sequence)]
struct TimeStampReq {
    version: u8,
    message_imprint: MessageImprint,
    #[asn1(optional = "true")]
    req_policy: Option<ObjectIdentifier>,
    #[asn1(optional = "true")]
    nonce: Option<Int>,
    #[asn1(default = "Default::default")]
    cert_req: bool,
}

#[derive(Debug, Clone, Sequence)]
struct TstInfo {
    version: u8,
    policy: ObjectIdentifier,
    message_imprint: MessageImprint,
    serial_number: Int,
    gen_time: GeneralizedTime,
    #[asn1(optional = "true")]
    nonce: Option<Int>,
}

#[derive(Debug, Clone, Sequence)]
struct PkiStatusInfo {
    status: u8,
    #[asn1(optional = "true")]
    status_string: Option<Vec<String>>,
}

#[derive(Debug, Clone, Sequence)]
struct TimeStampResp {
    status: PkiStatusInfo,
    #[asn1(optional = "true")]
    token: Option<Any>,
}

/// A non-negative INTEGER in its minimal DER form.
fn positive_int(n: u64) -> Result<Int, PadesError> {
    let bytes = n.to_be_bytes();
    let first = bytes.iter().position(|&b| b != 0).unwrap_or(bytes.len() - 1);
    let mut minimal = Vec::with_capacity(9);
    if bytes[first] & 0x80 != 0 {
        minimal.push(0);
    }
    minimal.extend_from_slice(&bytes[first..]);
    Int::new(&minimal).map_err(bad)
}

fn bad(e: impl std::fmt::Display) -> PadesError {
    PadesError::BadTimestamp(e.to_string())
}

/// A time-stamp request for a SHA-256 digest, asking for the authority's certificate.
pub fn request(sha256: &[u8; 32], nonce: u64) -> Result<Vec<u8>, PadesError> {
    let req = TimeStampReq {
        version: 1,
        message_imprint: MessageImprint {
            hash_algorithm: cms::algorithm(ID_SHA256, true),
            hashed_message: OctetString::new(sha256.as_slice()).map_err(bad)?,
        },
        req_policy: None,
        nonce: Some(positive_int(nonce)?),
        cert_req: true,
    };
    req.to_der().map_err(bad)
}

/// What a time-stamp authority is asked to stamp.
#[derive(Debug, Clone)]
pub struct StampRequest {
    imprint: MessageImprint,
    nonce: Option<Int>,
}

/// Reads a time-stamp request; only SHA-256, SHA-384 and SHA-512 imprints of the right length are accepted.
pub fn parse_request(der: &[u8]) -> Result<StampRequest, PadesError> {
    let req = TimeStampReq::from_der(der).map_err(bad)?;
    let algorithm = cms::digest_algorithm(&req.message_imprint.hash_algorithm.oid)
        .filter(|a| a.output_len() >= 32)
        .ok_or_else(|| bad("thuật toán băm không hỗ trợ"))?;
    if req.message_imprint.hashed_message.as_bytes().len() != algorithm.output_len() {
        return Err(bad("độ dài mã băm sai"));
    }
    Ok(StampRequest { imprint: req.message_imprint, nonce: req.nonce })
}

/// Makes a granted response holding a token over the request's imprint, signed by `tsa` at `time`.
pub fn respond(tsa: &dyn Signer, request: &StampRequest, serial: u64, time: i64) -> Result<Vec<u8>, PadesError> {
    let info = TstInfo {
        version: 1,
        policy: ObjectIdentifier::new_unwrap("1.3.6.1.4.1.61089.1.1"),
        message_imprint: request.imprint.clone(),
        serial_number: positive_int(serial)?,
        gen_time: GeneralizedTime::from_unix_duration(std::time::Duration::from_secs(
            u64::try_from(time).map_err(bad)?,
        ))
        .map_err(bad)?,
        nonce: request.nonce.clone(),
    };
    let info_der = info.to_der().map_err(bad)?;
    let chain = tsa
        .certificate_chain()
        .iter()
        .map(|der| Certificate::from_der(der).map_err(bad))
        .collect::<Result<Vec<_>, _>>()?;
    let leaf = chain.first().ok_or_else(|| bad("thiếu chứng thư của đơn vị cấp dấu thời gian"))?;
    let digest = ring::digest::digest(&ring::digest::SHA256, &info_der);
    let attrs = cms::signed_attributes(ID_CT_TST_INFO, digest.as_ref(), leaf, &tsa.certificate_chain()[0])?;
    let to_sign = ring::digest::digest(&ring::digest::SHA256, &attrs.to_der().map_err(bad)?);
    let mut sha = [0u8; 32];
    sha.copy_from_slice(to_sign.as_ref());
    let signature = tsa.sign_digest(&sha).map_err(|e| PadesError::SignerFailed(e.to_string()))?;
    let algorithm = cms::signature_algorithm(tsa.algorithm());
    let token = cms::signed_data(&chain, Some((ID_CT_TST_INFO, info_der)), attrs, algorithm, &signature, None)?;
    let response = TimeStampResp {
        status: PkiStatusInfo { status: 0, status_string: None },
        token: Some(Any::from_der(&token).map_err(bad)?),
    };
    response.to_der().map_err(bad)
}

/// A rejection (`status` 2) with a reason.
pub fn reject(reason: &str) -> Vec<u8> {
    let response = TimeStampResp {
        status: PkiStatusInfo { status: 2, status_string: Some(vec![reason.to_string()]) },
        token: None,
    };
    response.to_der().unwrap_or_default()
}

/// The token of a granted response; an error with the authority's reason otherwise.
pub fn token_from_response(der: &[u8]) -> Result<Vec<u8>, PadesError> {
    let response = TimeStampResp::from_der(der).map_err(bad)?;
    if response.status.status > 1 {
        let reason = response.status.status_string.unwrap_or_default().join("; ");
        return Err(bad(format!("bị từ chối ({reason})")));
    }
    response.token.ok_or_else(|| bad("phản hồi không có dấu thời gian"))?.to_der().map_err(bad)
}

/// A time-stamp token read back.
#[derive(Debug)]
pub(crate) struct ReadToken {
    pub time: i64,
    pub imprint_algorithm: Option<&'static ring::digest::Algorithm>,
    pub imprint: Vec<u8>,
    pub signature_valid: bool,
    pub tsa_certificate: Option<Vec<u8>>,
    pub certificates: Vec<Vec<u8>>,
}

/// Reads a token and checks the authority's signature over it (trust in the authority is the caller's check).
pub(crate) fn read_token(der: &[u8]) -> Result<ReadToken, String> {
    let parsed = cms::parse_signed_data(der)?;
    let econtent = parsed.data.encap_content_info.econtent.as_ref().ok_or("thiếu nội dung TSTInfo")?;
    let info = econtent.decode_as::<OctetString>().map_err(|e| e.to_string())?;
    let info = info.as_bytes();
    let (imprint_alg, imprint, time) = read_tst_info(info).ok_or("TSTInfo không đúng cấu trúc")?;
    let signer = parsed.data.signer_infos.0.iter().next().ok_or("không có người ký")?;
    let tsa_certificate = crate::verify::find_signer_certificate(&parsed, &signer.sid);
    let mut signature_valid = false;
    if let (Some(cert), Some(attrs), Some(attrs_der)) =
        (&tsa_certificate, &signer.signed_attrs, &parsed.signed_attrs_der)
    {
        let digest_ok = cms::digest_algorithm(&signer.digest_alg.oid).is_some_and(|alg| {
            let digest = ring::digest::digest(alg, info);
            cms::find_attribute(attrs, cms::ID_MESSAGE_DIGEST)
                .and_then(|v| v.decode_as::<OctetString>().ok())
                .is_some_and(|d| d.as_bytes() == digest.as_ref())
        });
        signature_valid = digest_ok
            && egov_pki::verify_signature_with_certificate(
                cert,
                &signer.signature_algorithm.oid.to_string(),
                Some(&signer.digest_alg.oid.to_string()),
                attrs_der,
                signer.signature.as_bytes(),
            )
            .is_ok();
    }
    Ok(ReadToken {
        time,
        imprint_algorithm: cms::digest_algorithm(&imprint_alg),
        imprint,
        signature_valid,
        tsa_certificate,
        certificates: parsed.certificates,
    })
}

/// Reads the imprint and the time of a TSTInfo, leniently (fractional seconds, any optional fields after).
fn read_tst_info(der: &[u8]) -> Option<(ObjectIdentifier, Vec<u8>, i64)> {
    let (_, _, mut body) = tlv(der)?;
    let mut next = || {
        let (tag, element, _) = tlv(body)?;
        body = &body[element.len()..];
        Some((tag, element))
    };
    next()?; // version
    next()?; // policy
    let (_, imprint) = next()?;
    let imprint = MessageImprint::from_der(imprint).ok()?;
    next()?; // serial number
    let (tag, time) = next()?;
    if tag != 0x18 {
        return None;
    }
    let (_, _, text) = tlv(time)?;
    Some((imprint.hash_algorithm.oid, imprint.hashed_message.as_bytes().to_vec(), generalized_time(text)?))
}

/// `YYYYMMDDHHMMSS[.fff]Z` as Unix seconds.
fn generalized_time(text: &[u8]) -> Option<i64> {
    let text = std::str::from_utf8(text).ok()?;
    let digits = text.get(..14)?;
    if !text.ends_with('Z') || !digits.bytes().all(|b| b.is_ascii_digit()) {
        return None;
    }
    let n = |a: usize, b: usize| digits[a..b].parse::<i64>().ok();
    let month = time::Month::try_from(u8::try_from(n(4, 6)?).ok()?).ok()?;
    let date =
        time::Date::from_calendar_date(i32::try_from(n(0, 4)?).ok()?, month, u8::try_from(n(6, 8)?).ok()?).ok()?;
    let t = date
        .with_hms(u8::try_from(n(8, 10)?).ok()?, u8::try_from(n(10, 12)?).ok()?, u8::try_from(n(12, 14)?).ok()?)
        .ok()?;
    Some(t.assume_utc().unix_timestamp())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn generalized_time_accepts_fractions() {
        assert_eq!(generalized_time(b"20261121030000Z"), Some(1_795_230_000));
        assert_eq!(generalized_time(b"20261121030000.25Z"), Some(1_795_230_000));
        assert_eq!(generalized_time(b"2026112103000Z"), None);
    }

    #[test]
    fn request_round_trips_and_bad_requests_are_refused() {
        let req = request(&[7; 32], 42).expect("request");
        let parsed = parse_request(&req).expect("parse");
        assert_eq!(parsed.imprint.hashed_message.as_bytes(), &[7; 32]);
        assert!(parse_request(&req[..req.len() - 3]).is_err());
        assert!(token_from_response(&reject("bận")).is_err());
    }
}
