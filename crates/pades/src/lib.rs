//! PAdES signatures for PDF files, written and checked by egov.
//!
//! - [`sign`](mod@sign): adds a signature to a PDF by incremental update (the earlier bytes are kept as they are, so
//!   earlier signatures stay valid): a signature field and widget, an optional visible appearance (a handwritten
//!   signature or seal image, or text), optional text stamps (the issue number and date), and a detached CMS
//!   `SignedData` over the byte range with the signing-certificate-v2 attribute (PAdES baseline B-B; B-T when a
//!   time-stamp token is supplied). Keys stay behind the [`Signer`] trait: hash in, signature out.
//! - [`verify`](mod@verify): reports, for every signature in a file, whether the byte range covers the file but the
//!   signature, whether the digest and the signature are right, who signed and when, the time-stamp, and what was
//!   added after the signature. Certificate trust is checked by the caller with `egov-pki`.
//! - [`timestamp`]: RFC 3161 time-stamp tokens: making one (for a demo time-stamp authority) and reading one.
#![forbid(unsafe_code)]

mod appearance;
mod ber;
mod cms;
mod error;
mod object;
pub mod sign;
pub mod timestamp;
pub mod verify;

pub use appearance::Rect;
pub use error::PadesError;
pub use object::iso_time;
pub use sign::{
    annotate, finish, prepare, sign, Appearance, KeySigner, Prepared, SignRequest, SignatureAlgorithm, Signer,
    TextStamp,
};
pub use verify::{page_size, signature_fields, verify, FieldInfo, Modification, SignatureReport, TimestampReport};
