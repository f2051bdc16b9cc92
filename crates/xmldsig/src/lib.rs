//! XML digital signatures as edXML packages carry them (in `edXML:DigitalSignature`): enveloped signatures
//! over the whole document (`Reference URI=""`), exclusive canonicalisation, SHA-256 digests, RSA-SHA256 or
//! ECDSA-SHA256, and the signer's certificate in `KeyInfo`.
//!
//! - [`tree`]: the document read (quick-xml) into elements with byte spans, refusing DTDs and unknown entities.
//! - [`c14n`]: Exclusive XML Canonicalization 1.0 (without comments) of a document or a subtree, optionally
//!   leaving one element out (the enveloped-signature transform).
//! - [`sign()`](fn@sign) and [`verify()`](fn@verify): making and checking the signature. Trust in the
//!   certificate is the caller's check (`egov_pki::validate_chain`).
//!
//! Checked against `xmlsec1` in both directions by the tests.
#![forbid(unsafe_code)]

pub mod c14n;
mod error;
mod sign;
pub mod tree;
mod verify;

pub use error::XmlDsigError;
pub use sign::sign;
pub use verify::{verify, VerifiedSignature};

/// The XML-DSig namespace.
pub const DSIG_NS: &str = "http://www.w3.org/2000/09/xmldsig#";
/// Exclusive XML Canonicalization 1.0, without comments.
pub const EXC_C14N: &str = "http://www.w3.org/2001/10/xml-exc-c14n#";
/// The enveloped-signature transform.
pub const ENVELOPED: &str = "http://www.w3.org/2000/09/xmldsig#enveloped-signature";
/// SHA-256 as a digest method.
pub const SHA256: &str = "http://www.w3.org/2001/04/xmlenc#sha256";
/// RSA PKCS#1 v1.5 with SHA-256.
pub const RSA_SHA256: &str = "http://www.w3.org/2001/04/xmldsig-more#rsa-sha256";
/// ECDSA with SHA-256 (signature value r ‖ s).
pub const ECDSA_SHA256: &str = "http://www.w3.org/2001/04/xmldsig-more#ecdsa-sha256";
