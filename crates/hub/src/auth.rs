//! Request signatures: every `/hub/v1` call is signed with the calling system's certificate.
//!
//! Headers: `X-Egov-System: <code>`, `X-Egov-Date: <unix seconds>`,
//! `X-Egov-Signature: <base64>`. The signature is [`egov_pki::Signer::sign_digest`] over
//! `sha256(canonical)` with
//! `canonical = "{METHOD}\n{path and query}\n{unix seconds}\n{hex sha256(body)}"`.
//! The hub checks it with the certificate registered for that code (RSA PKCS#1 v1.5 SHA-256 or
//! ECDSA P-256 SHA-256, chosen by the certificate's key) and refuses a date more than
//! [`MAX_SKEW_SECS`] away from its clock.

use base64::engine::general_purpose::STANDARD as B64;
use base64::Engine as _;
use sha2::{Digest, Sha256};

/// Header naming the calling system's identifier code.
pub const HEADER_SYSTEM: &str = "x-egov-system";
/// Header carrying the request time, Unix seconds.
pub const HEADER_DATE: &str = "x-egov-date";
/// Header carrying the base64 signature.
pub const HEADER_SIGNATURE: &str = "x-egov-signature";
/// Largest accepted difference between the request date and the hub's clock.
pub const MAX_SKEW_SECS: i64 = 300;

/// OID of sha256WithRSAEncryption.
pub const RSA_SHA256_OID: &str = "1.2.840.113549.1.1.11";
/// OID of ecdsa-with-SHA256.
pub const ECDSA_SHA256_OID: &str = "1.2.840.10045.4.3.2";

/// The text that is signed.
pub fn canonical(method: &str, path_and_query: &str, unix_secs: i64, body: &[u8]) -> String {
    canonical_with_body_hash(method, path_and_query, unix_secs, &hex::encode(Sha256::digest(body)))
}

/// [`canonical`] with the body's hex SHA-256 already computed (for a package body it is the
/// package id).
pub fn canonical_with_body_hash(method: &str, path_and_query: &str, unix_secs: i64, body_sha256_hex: &str) -> String {
    format!("{}\n{}\n{}\n{}", method.to_ascii_uppercase(), path_and_query, unix_secs, body_sha256_hex)
}

/// The three headers `(name, value)` for a request, signed by `signer` at `unix_secs`.
pub fn sign_request(
    signer: &dyn egov_pki::Signer,
    system_code: &str,
    method: &str,
    path_and_query: &str,
    unix_secs: i64,
    body: &[u8],
) -> Result<[(&'static str, String); 3], egov_pki::PkiError> {
    let digest: [u8; 32] = Sha256::digest(canonical(method, path_and_query, unix_secs, body).as_bytes()).into();
    let signature = signer.sign_digest(&digest)?;
    Ok([
        (HEADER_SYSTEM, system_code.to_string()),
        (HEADER_DATE, unix_secs.to_string()),
        (HEADER_SIGNATURE, B64.encode(signature)),
    ])
}

/// The signature algorithm OID for a certificate's key, from [`egov_pki::certificate_info`]'s
/// `key_algorithm` (`RSA 2048`, `ECDSA P-256`, …); `None` for keys the hub does not accept.
pub fn algorithm_oid(key_algorithm: &str) -> Option<&'static str> {
    if key_algorithm.starts_with("RSA") {
        Some(RSA_SHA256_OID)
    } else if key_algorithm == "ECDSA P-256" {
        Some(ECDSA_SHA256_OID)
    } else {
        None
    }
}

/// Why a request's signature was refused.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum AuthError {
    /// A header is missing or unreadable.
    #[error("missing or unreadable authentication headers")]
    Missing,
    /// The date is too far from the hub's clock.
    #[error("request date too far from the hub's clock")]
    Stale,
    /// No active system with that code.
    #[error("unknown system")]
    UnknownSystem,
    /// The registered certificate is not trusted or not valid now.
    #[error("the system's certificate is not trusted or not valid")]
    Untrusted(String),
    /// The signature does not verify.
    #[error("request signature does not verify")]
    BadSignature,
}

impl AuthError {
    /// Stable reason code.
    pub fn code(&self) -> &'static str {
        match self {
            AuthError::Missing => "missing_auth",
            AuthError::Stale => "stale_date",
            AuthError::UnknownSystem => "unknown_system",
            AuthError::Untrusted(_) => "untrusted_system",
            AuthError::BadSignature => "bad_request_signature",
        }
    }
}

/// Parses the date header and checks it against `now`.
pub fn check_date(date: &str, now_secs: i64) -> Result<i64, AuthError> {
    let secs: i64 = date.trim().parse().map_err(|_| AuthError::Missing)?;
    if (now_secs - secs).abs() > MAX_SKEW_SECS {
        return Err(AuthError::Stale);
    }
    Ok(secs)
}

/// Verifies `signature_b64` over the canonical text with `certificate_der` and its algorithm;
/// `body_sha256_hex` is the lowercase hex SHA-256 of the request body.
pub fn verify_request(
    certificate_der: &[u8],
    algorithm_oid: &str,
    method: &str,
    path_and_query: &str,
    unix_secs: i64,
    body_sha256_hex: &str,
    signature_b64: &str,
) -> Result<(), AuthError> {
    let signature = B64.decode(signature_b64.trim()).map_err(|_| AuthError::BadSignature)?;
    // ring hashes the message itself: pass the canonical text, whose SHA-256 the signer signed.
    let text = canonical_with_body_hash(method, path_and_query, unix_secs, body_sha256_hex);
    egov_pki::verify_signature_with_certificate(certificate_der, algorithm_oid, None, text.as_bytes(), &signature)
        .map_err(|_| AuthError::BadSignature)
}
