//! edXML, the national format for exchanging electronic documents between Vietnamese public bodies
//! (QCVN 102:2016/BTTTT and its amendment 1:2022): the package types, a tolerant reader, a
//! canonical writer and the validation rules.
//!
//! - [`read_package`], [`read_status`], [`read_message`] (and `…_with` for [`ReadOptions`]): bytes
//!   to a validated [`Package`] or [`StatusPackage`], with the byte spans a signature check needs
//!   ([`SignatureSpans`]) and [`Note`]s on what was tolerated. No DTD, no entity expansion, size
//!   limits ([`Limits`]) enforced while reading.
//! - [`write_package`], [`write_status`]: a valid package to its one canonical spelling, with an
//!   empty `edXML:DigitalSignature` slot for a later XML-DSig step ([`Written`]).
//! - [`validate_package`], [`validate_status`]: every [`Problem`] of a package built in code.
//!
//! Errors ([`EdxmlError`]) carry an element path, a stable [`codes`] value and messages in Vietnamese
//! and English. XML signatures are not created or verified here.
//!
//! ```
//! use egov_edxml::{read_package, write_package, codes};
//!
//! # fn sample() -> Vec<u8> { include_bytes!("../fuzz/corpus/read_package/real-world.xml").to_vec() }
//! let bytes: Vec<u8> = sample(); // a package as received from another system
//! let read = read_package(&bytes)?;
//! assert_eq!(read.package.header.from.organ_id.as_str(), "000.00.12.H41");
//! for note in &read.notes {
//!     println!("tolerated {} at {}", note.code, note.path);
//! }
//! // Signature check (elsewhere): the envelope and the Signature element as received.
//! let signed_envelope = &bytes[read.signature.signed.clone()];
//! assert!(signed_envelope.starts_with(b"<edXML:edXMLEnvelope"));
//!
//! // Writing gives the one canonical form, which reads back to the same package.
//! let written = write_package(&read.package)?;
//! assert_eq!(read_package(&written.bytes)?.package, read.package);
//!
//! // Problems name the element, a stable code and say what is wrong in both languages.
//! let mut bad = read.package.clone();
//! bad.header.subject.clear();
//! let err = write_package(&bad).unwrap_err();
//! assert!(err.has_code(codes::REQUIRED));
//! assert_eq!(err.problems()[0].path, "MessageHeader/Subject");
//! # Ok::<(), egov_edxml::EdxmlError>(())
//! ```
#![forbid(unsafe_code)]

mod doctype;
mod error;
mod model;
mod read;
mod text;
mod validate;
mod values;
mod write;
mod zipped;

pub use doctype::{type_name, type_number_by_abbreviation, type_number_by_name};
pub use error::{codes, EdxmlError, ErrorKind, Problem, MAX_PROBLEMS};
pub use model::{
    Attachment, Business, BusinessDocType, BusinessDocumentInfo, Code, DocumentType, MessageHeader, Organization,
    OtherInfo, Package, Priority, PromulgationInfo, Receiver, ReplacementInfo, ResponseFor, SignerInfo, StaffInfo,
    StatusCode, StatusPackage, SteeringType, TraceHeader, TraceHeaderList, TypeCode,
};
pub use read::{
    notes, read_message, read_message_with, read_package, read_package_with, read_status, read_status_with, Limits,
    Message, Note, ReadOptions, ReadPackage, ReadStatus, SignatureSpans,
};
pub use validate::{
    validate_package, validate_status, MAX_APPENDIX, MAX_ATTACHMENT_NAME, MAX_CONTENT, MAX_PLACE, MAX_SUBJECT,
};
pub use values::{AgencyCode, CodeForm, Date, DocumentId, Timestamp, AGENCY_CODE_MAX_LEN};
pub use write::{write_package, write_status, Written, EDXML_NS, SOAP_NS, XLINK_NS};

/// Reads `input` as either kind of package and, when it is one, writes it, reads the output again
/// and checks that both reads give the same package and that writing again gives the same bytes.
///
/// `Ok(true)`: it was a package and the round trip held; `Ok(false)`: it was rejected (with an
/// error, as it should be); `Err`: the round trip broke, with a description. This is the body of the
/// fuzz target and of the stable stress runner.
pub fn check_round_trip(input: &[u8]) -> Result<bool, String> {
    let Ok(first) = read_message(input) else {
        return Ok(false);
    };
    let (written, again) = match &first {
        Message::Package(p) => {
            let w = write_package(&p.package).map_err(|e| format!("write of a read package failed: {e}"))?;
            let r = read_package(&w.bytes).map_err(|e| format!("re-read failed: {e}"))?;
            if r.package != p.package {
                return Err(format!("re-read package differs:\n{:?}\n{:?}", p.package, r.package));
            }
            let w2 = write_package(&r.package).map_err(|e| format!("second write failed: {e}"))?;
            (w, w2)
        }
        Message::Status(s) => {
            let w = write_status(&s.status).map_err(|e| format!("write of a read status failed: {e}"))?;
            let r = read_status(&w.bytes).map_err(|e| format!("re-read failed: {e}"))?;
            if r.status != s.status {
                return Err(format!("re-read status differs:\n{:?}\n{:?}", s.status, r.status));
            }
            let w2 = write_status(&r.status).map_err(|e| format!("second write failed: {e}"))?;
            (w, w2)
        }
    };
    if written != again {
        return Err("writing the re-read package gave other bytes".to_owned());
    }
    Ok(true)
}
