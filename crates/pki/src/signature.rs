//! Raw signature checks with a certificate's public key (used for CMS signer
//! infos and CRLs): maps X.509/CMS algorithm identifiers to *ring*
//! verification algorithms.

use der::asn1::AnyRef;
use der::oid::ObjectIdentifier as Oid;
use der::Sequence;
use ring::signature::{self, UnparsedPublicKey, VerificationAlgorithm};
use x509_cert::spki::{AlgorithmIdentifierOwned, SubjectPublicKeyInfoOwned};

use crate::certificate::{ec_curve, parse_certificate};
use crate::{oids, PkiError};

/// Checks `signature` over `message` with the public key of `cert_der`.
///
/// `signature_algorithm_oid` is the dotted OID of the signature algorithm
/// (e.g. `1.2.840.113549.1.1.11`, `1.2.840.10045.4.3.2`) or of the bare key
/// algorithm (`rsaEncryption`, `id-ecPublicKey`), in which case
/// `digest_algorithm_oid` names the hash. For RSASSA-PSS without parameters
/// the hash comes from `digest_algorithm_oid` (SHA-256 when absent), with
/// MGF1 over the same hash and a salt as long as the hash; use
/// [`verify_signature_with_params`] to pass explicit PSS parameters.
/// The message is the signed bytes themselves: *ring* hashes them.
///
/// Errors: [`PkiError::Crypto`] when the signature does not verify (also for
/// RSA keys under 2048 bits, which *ring* refuses); [`PkiError::Unsupported`]
/// for algorithms *ring* cannot verify (ecdsa-with-SHA512, P-521, SHA-224,
/// PSS with other MGF/salt) or that do not fit the key; [`PkiError::Malformed`]
/// for a bad certificate or OID text.
pub fn verify_signature_with_certificate(
    cert_der: &[u8],
    signature_algorithm_oid: &str,
    digest_algorithm_oid: Option<&str>,
    message: &[u8],
    signature: &[u8],
) -> Result<(), PkiError> {
    verify_signature_with_params(cert_der, signature_algorithm_oid, None, digest_algorithm_oid, message, signature)
}

/// Like [`verify_signature_with_certificate`], with the DER encoding of the
/// signature algorithm's `parameters` field (needed for RSASSA-PSS, ignored
/// for the others).
pub fn verify_signature_with_params(
    cert_der: &[u8],
    signature_algorithm_oid: &str,
    signature_algorithm_params: Option<&[u8]>,
    digest_algorithm_oid: Option<&str>,
    message: &[u8],
    signature: &[u8],
) -> Result<(), PkiError> {
    let cert = parse_certificate(cert_der)?;
    let algorithm = parse_oid(signature_algorithm_oid)?;
    let digest = digest_algorithm_oid.map(parse_oid).transpose()?;
    let params = signature_algorithm_params
        .map(AnyRef::try_from)
        .transpose()
        .map_err(|e| PkiError::malformed(format!("tham số thuật toán ký: {e}")))?;
    verify_with_spki(
        &cert.tbs_certificate.subject_public_key_info,
        &algorithm,
        params,
        digest.as_ref(),
        message,
        signature,
    )
}

/// Verifies with an already parsed public key; see
/// [`verify_signature_with_params`].
pub(crate) fn verify_with_spki(
    spki: &SubjectPublicKeyInfoOwned,
    algorithm: &Oid,
    params: Option<AnyRef<'_>>,
    digest: Option<&Oid>,
    message: &[u8],
    signature: &[u8],
) -> Result<(), PkiError> {
    let ring_algorithm = select_algorithm(spki, algorithm, params, digest)?;
    let key = spki.subject_public_key.as_bytes().ok_or_else(|| PkiError::malformed("khóa công khai"))?;
    UnparsedPublicKey::new(ring_algorithm, key)
        .verify(message, signature)
        .map_err(|_| PkiError::Crypto("chữ ký số không khớp với khóa công khai".into()))
}

fn parse_oid(text: &str) -> Result<Oid, PkiError> {
    Oid::new(text.trim()).map_err(|_| PkiError::malformed(format!("OID \"{text}\"")))
}

/// Output length in bytes of a hash algorithm *ring* can pair with signatures.
fn hash_len(oid: &Oid) -> Result<u32, PkiError> {
    match *oid {
        oids::SHA1 => Ok(20),
        oids::SHA256 => Ok(32),
        oids::SHA384 => Ok(48),
        oids::SHA512 => Ok(64),
        _ => Err(PkiError::Unsupported(format!("thuật toán băm {oid}"))),
    }
}

/// RSASSA-PSS-params (RFC 4055), every field optional with its default.
#[derive(Sequence)]
struct PssParams {
    #[asn1(context_specific = "0", optional = "true")]
    hash: Option<AlgorithmIdentifierOwned>,
    #[asn1(context_specific = "1", optional = "true")]
    mask_gen: Option<AlgorithmIdentifierOwned>,
    #[asn1(context_specific = "2", optional = "true")]
    salt_length: Option<u32>,
    #[asn1(context_specific = "3", optional = "true")]
    trailer_field: Option<u32>,
}

/// The hash length of PSS parameters, accepting only what *ring* verifies:
/// MGF1 with the same hash, salt as long as the hash, trailer 1.
fn pss_hash_len(params: AnyRef<'_>) -> Result<u32, PkiError> {
    let bad = |e: der::Error| PkiError::malformed(format!("tham số RSASSA-PSS: {e}"));
    let params: PssParams = params.decode_as().map_err(bad)?;
    let hash = params.hash.as_ref().map_or(Ok(20), |alg| hash_len(&alg.oid))?;
    let mgf_hash = match &params.mask_gen {
        None => 20,
        Some(mgf) if mgf.oid == oids::MGF1 => {
            let inner = mgf.parameters.as_ref().ok_or_else(|| PkiError::malformed("tham số MGF1"))?;
            hash_len(&inner.decode_as::<AlgorithmIdentifierOwned>().map_err(bad)?.oid)?
        }
        Some(mgf) => return Err(PkiError::Unsupported(format!("hàm MGF {}", mgf.oid))),
    };
    if mgf_hash != hash || params.salt_length.unwrap_or(20) != hash || params.trailer_field.unwrap_or(1) != 1 {
        return Err(PkiError::Unsupported("tham số RSASSA-PSS (cần MGF1 cùng hàm băm, salt bằng độ dài băm)".into()));
    }
    Ok(hash)
}

fn select_algorithm(
    spki: &SubjectPublicKeyInfoOwned,
    algorithm: &Oid,
    params: Option<AnyRef<'_>>,
    digest: Option<&Oid>,
) -> Result<&'static dyn VerificationAlgorithm, PkiError> {
    use signature::*;
    let key = spki.algorithm.oid;
    let unsupported = || PkiError::Unsupported(format!("thuật toán chữ ký {algorithm} với khóa {key}"));
    let digest_len = || hash_len(digest.ok_or_else(unsupported)?);
    let rsa = key == oids::RSA_ENCRYPTION || key == oids::RSASSA_PSS;
    let chosen: &'static dyn VerificationAlgorithm = match *algorithm {
        oids::SHA1_WITH_RSA
        | oids::SHA256_WITH_RSA
        | oids::SHA384_WITH_RSA
        | oids::SHA512_WITH_RSA
        | oids::RSA_ENCRYPTION
            if rsa =>
        {
            let len = match *algorithm {
                oids::SHA1_WITH_RSA => 20,
                oids::SHA256_WITH_RSA => 32,
                oids::SHA384_WITH_RSA => 48,
                oids::SHA512_WITH_RSA => 64,
                _ => digest_len()?,
            };
            match len {
                20 => &RSA_PKCS1_2048_8192_SHA1_FOR_LEGACY_USE_ONLY,
                32 => &RSA_PKCS1_2048_8192_SHA256,
                48 => &RSA_PKCS1_2048_8192_SHA384,
                _ => &RSA_PKCS1_2048_8192_SHA512,
            }
        }
        oids::RSASSA_PSS if rsa => {
            let len = match params.filter(|p| !p.is_null()) {
                Some(p) => pss_hash_len(p)?,
                None => digest.map_or(Ok(32), hash_len)?,
            };
            match len {
                32 => &RSA_PSS_2048_8192_SHA256,
                48 => &RSA_PSS_2048_8192_SHA384,
                64 => &RSA_PSS_2048_8192_SHA512,
                _ => return Err(unsupported()),
            }
        }
        oids::ECDSA_WITH_SHA256 | oids::ECDSA_WITH_SHA384 | oids::ECDSA_WITH_SHA512 | oids::EC_PUBLIC_KEY
            if key == oids::EC_PUBLIC_KEY =>
        {
            let len = match *algorithm {
                oids::ECDSA_WITH_SHA256 => 32,
                oids::ECDSA_WITH_SHA384 => 48,
                oids::ECDSA_WITH_SHA512 => 64,
                _ => digest_len()?,
            };
            match (ec_curve(spki), len) {
                (Some("P-256"), 32) => &ECDSA_P256_SHA256_ASN1,
                (Some("P-256"), 48) => &ECDSA_P256_SHA384_ASN1,
                (Some("P-384"), 32) => &ECDSA_P384_SHA256_ASN1,
                (Some("P-384"), 48) => &ECDSA_P384_SHA384_ASN1,
                _ => return Err(unsupported()),
            }
        }
        oids::ED25519 if key == oids::ED25519 => &ED25519,
        _ => return Err(unsupported()),
    };
    Ok(chosen)
}
