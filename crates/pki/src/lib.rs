//! Certificates and keys for egov signatures.
//!
//! - [`certificate`]: reading X.509 certificates ([`CertificateInfo`]) and PEM.
//! - [`pkcs12`]: importing/exporting a signing [`Identity`] as PKCS#12.
//! - [`seal`]: PIN-sealed private keys for the database.
//! - [`demo`]: a demo PKI (root CA, personal/seal/TSA certificates, CRLs).
//! - [`crl`]: parsed CRLs and their issuer check.
//! - [`validate`]: trust store, path validation and revocation report.
//! - [`signature`]: raw signature checks with a certificate's key (CMS).
//! - [`error`]: the error type, [`PkiError`], with Vietnamese messages.
#![forbid(unsafe_code)]

pub mod certificate;
pub mod crl;
pub mod demo;
pub mod error;
mod oids;
pub mod pkcs12;
pub mod seal;
pub mod signature;
pub mod signer;
pub mod validate;

pub use certificate::{certificate_info, der_to_pem, pem_to_der_all, CertificateInfo};
pub use crl::Crl;
pub use demo::{create_crl, create_root, issue_certificate, CertificateKind, Issued, RevokedEntry, Subject};
pub use error::PkiError;
pub use pkcs12::{read_pkcs12, write_pkcs12, Identity};
pub use seal::{open_key, seal_key, SEAL_VERSION};
pub use signature::{verify_signature_with_certificate, verify_signature_with_params};
pub use signer::{KeySigner, SignatureAlgorithm, Signer};
pub use validate::{validate_chain, validate_chain_for, ChainProblem, ChainReport, ChainUsage, Revocation, TrustStore};
