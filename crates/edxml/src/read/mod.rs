//! The reader: bytes in, a validated package out, tolerant of what real systems send.
//!
//! Event-based over quick-xml with no tree and no DTD: a `<!DOCTYPE …>` is refused, so no entity
//! can be declared, expanded or fetched; only the five predefined entities and character references
//! are resolved. Elements are matched by local name whatever their prefix (systems differ in
//! prefixes and even namespace URIs), in any order; unknown elements are skipped and noted.
//!
//! Refused unless [`ReadOptions::lenient`]: a `DocumentId` that disagrees with From, Code and
//! PromulgationDate, lower-case letters in identifier codes, a main element outside [`crate::EDXML_NS`].
//! Text is returned in Unicode NFC.
//!
//! Accepted: identifier codes in the current or the legacy form, and,
//! each reported as a [`Note`] because it is not the canonical form: dates and timestamps day first (`dd/MM/yyyy HH:mm:ss`) or with `-`/`T`, `Business*`
//! as well as `Bussiness*`, `Type` as a number, an abbreviation (`QĐ`), a group code with
//! `TypeDetail`, or decided by a known `TypeName`, a missing `TypeName` for a known number,
//! status codes with one digit, base64 with line breaks or without padding, zipped attachments,
//! content ids with or without `cid:` and angle brackets, an attachment's missing name,
//! description or type taken from its manifest reference, an attachment without one, empty `Place`/`Appendix` items dropped, the signature as
//! `edXML:DigitalSignature` or a bare `Signature`, a status package bare, in a SOAP envelope or in an
//! edXML envelope's header.
//!
//! Limits ([`Limits`]) are checked while reading: the package size before parsing, nesting depth
//! per element, the attachment count per attachment, each attachment's size from its base64 length
//! before decoding and again while unzipping.

use std::ops::Range;

use crate::error::{codes, EdxmlError, ErrorKind, Problem};
use crate::model::{Package, StatusPackage};

mod cursor;
mod document;
mod parts;
mod status;

use cursor::Cursor;

/// Size limits enforced while reading.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Limits {
    /// Largest package accepted, in bytes. Default 64 MiB.
    pub max_package_bytes: usize,
    /// Most attachments in one package. Default 100.
    pub max_attachments: usize,
    /// Largest attachment, decoded (and unzipped), in bytes. Default 40 MiB.
    pub max_attachment_bytes: usize,
    /// Deepest element nesting. Default 32 (a package needs about 8).
    pub max_depth: usize,
}

impl Default for Limits {
    fn default() -> Limits {
        Limits { max_package_bytes: 64 << 20, max_attachments: 100, max_attachment_bytes: 40 << 20, max_depth: 32 }
    }
}

/// How to read.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct ReadOptions {
    /// Size limits.
    pub limits: Limits,
    /// Unwrap attachments that arrive as a one-file ZIP (default `true`).
    pub unzip_attachments: bool,
    /// Accept, each with a [`Note`], what is refused by default (default `false`): a `DocumentId`
    /// that disagrees with `From/OrganId`, `Code` and `PromulgationDate`
    /// ([`notes::DOCUMENT_ID_MISMATCH`]), lower-case letters in an identifier code (uppercased,
    /// [`notes::LOWERCASE_CODE`]) and a main element outside the namespace [`crate::EDXML_NS`]
    /// ([`notes::NAMESPACE`]).
    pub lenient: bool,
}

impl Default for ReadOptions {
    fn default() -> ReadOptions {
        ReadOptions { limits: Limits::default(), unzip_attachments: true, lenient: false }
    }
}

/// Note codes: what the reader tolerated. Stable strings, like the problem codes.
pub mod notes {
    /// A date or timestamp in another form than `yyyy/MM/dd [HH:mm:ss]`.
    pub const DATE_FORM: &str = "date_form";
    /// `Business…` spelled with one "s" (the standard writes `Bussiness…`).
    pub const BUSINESS_SPELLING: &str = "business_spelling";
    /// `Type` was not the plain number: resolved from an abbreviation, `TypeDetail` or `TypeName`.
    pub const TYPE_RESOLVED: &str = "type_resolved";
    /// `TypeName` was missing and taken from the table.
    pub const TYPE_NAME_FILLED: &str = "type_name_filled";
    /// The attachment arrived zipped and was unwrapped (the detail names the entry).
    pub const ZIPPED_ATTACHMENT: &str = "zipped_attachment";
    /// The attachment may be zipped, and this build cannot tell (feature `zip` off).
    pub const MAYBE_ZIPPED: &str = "maybe_zipped";
    /// An element this reader does not know was skipped.
    pub const UNKNOWN_ELEMENT: &str = "unknown_element";
    /// Text where only elements belong was ignored.
    pub const UNEXPECTED_TEXT: &str = "unexpected_text";
    /// A status code not written with two digits.
    pub const STATUS_CODE_FORM: &str = "status_code_form";
    /// A missing `ContentType` was set to `application/octet-stream`.
    pub const CONTENT_TYPE_FILLED: &str = "content_type_filled";
    /// An attachment without a manifest reference (kept).
    pub const ATTACHMENT_UNREFERENCED: &str = "attachment_unreferenced";
    /// The manifest reference and the attachment disagree on a detail (the attachment's is kept).
    pub const REFERENCE_MISMATCH: &str = "reference_mismatch";
    /// `DocumentId` does not agree with `From/OrganId`, `PromulgationDate` or `Code` (read with
    /// [`ReadOptions::lenient`](super::ReadOptions::lenient) only; refused otherwise).
    pub const DOCUMENT_ID_MISMATCH: &str = "document_id_mismatch";
    /// An identifier code with lower-case letters, uppercased (lenient reading only).
    pub const LOWERCASE_CODE: &str = "lowercase_code";
    /// The main element is in another namespace than the standard's (lenient reading only; the
    /// detail is the namespace found, empty for none).
    pub const NAMESPACE: &str = "namespace";
    /// An empty `Place` or `Appendix` was dropped.
    pub const EMPTY_ITEM_DROPPED: &str = "empty_item_dropped";
    /// An empty `Priority`, `SteeringType` or flag was read as its default (0).
    pub const DEFAULTED: &str = "defaulted";
    /// No `TraceHeaderList` at all.
    pub const NO_TRACE_HEADER_LIST: &str = "no_trace_header_list";
    /// `AttachmentEncoded` inside the envelope instead of after it.
    pub const ATTACHMENTS_IN_ENVELOPE: &str = "attachments_in_envelope";
    /// More notes than are kept (100); the rest were dropped.
    pub const MORE_NOTES: &str = "more_notes";
}

/// Something the reader accepted although it is not the canonical form.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Note {
    /// Element path, as in [`Problem::path`].
    pub path: String,
    /// One of [`notes`].
    pub code: &'static str,
    /// What was seen (for logs).
    pub detail: String,
}

/// Byte ranges of the input that a signature module needs (XML-DSig is not verified here).
#[derive(Clone, Debug, PartialEq, Eq, Default)]
pub struct SignatureSpans {
    /// The signed element: `edXMLEnvelope` (document package) or `Status` (status package),
    /// from its `<` to the end of its end tag.
    pub signed: Range<usize>,
    /// The `DigitalSignature` element (or a bare `Signature` in its place), if present.
    pub digital_signature: Option<Range<usize>>,
    /// The `Signature` element (XML-DSig) inside it, if present.
    pub signature: Option<Range<usize>>,
}

impl SignatureSpans {
    /// The bytes of a span in the input that was read.
    pub fn slice<'a>(input: &'a [u8], span: &Range<usize>) -> &'a [u8] {
        input.get(span.clone()).unwrap_or_default()
    }
}

/// A document package as read.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct ReadPackage {
    /// The package.
    pub package: Package,
    /// Where the signed envelope and the signature are in the input.
    pub signature: SignatureSpans,
    /// What was tolerated.
    pub notes: Vec<Note>,
}

/// A status package as read.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct ReadStatus {
    /// The status.
    pub status: StatusPackage,
    /// Where the signed `Status` element and the signature are in the input.
    pub signature: SignatureSpans,
    /// What was tolerated.
    pub notes: Vec<Note>,
}

/// Either kind of package.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Message {
    /// A document package (root `edXML`).
    Package(Box<ReadPackage>),
    /// A status package (root `Status`, `Status` in a SOAP envelope's header, or `Status` in an
    /// `edXML` envelope's header).
    Status(Box<ReadStatus>),
}

/// Reads a document or a status package with the default options.
pub fn read_message(input: &[u8]) -> Result<Message, EdxmlError> {
    read_message_with(input, &ReadOptions::default())
}

/// Reads a document package with the default options.
pub fn read_package(input: &[u8]) -> Result<ReadPackage, EdxmlError> {
    read_package_with(input, &ReadOptions::default())
}

/// Reads a status package with the default options.
pub fn read_status(input: &[u8]) -> Result<ReadStatus, EdxmlError> {
    read_status_with(input, &ReadOptions::default())
}

fn wrong_kind(expected_en: &str, expected_vi: &str) -> EdxmlError {
    EdxmlError::one(
        ErrorKind::Invalid,
        Problem::new(
            "",
            codes::XML_ROOT,
            format!("Đây không phải {expected_vi}."),
            format!("This is not {expected_en}."),
        ),
    )
}

/// Reads a document package.
pub fn read_package_with(input: &[u8], opts: &ReadOptions) -> Result<ReadPackage, EdxmlError> {
    match read_message_with(input, opts)? {
        Message::Package(p) => Ok(*p),
        Message::Status(_) => {
            Err(wrong_kind("a document package but a status package", "gói tin văn bản mà là gói tin trạng thái"))
        }
    }
}

/// Reads a status package.
pub fn read_status_with(input: &[u8], opts: &ReadOptions) -> Result<ReadStatus, EdxmlError> {
    match read_message_with(input, opts)? {
        Message::Status(s) => Ok(*s),
        Message::Package(_) => {
            Err(wrong_kind("a status package but a document package", "gói tin trạng thái mà là gói tin văn bản"))
        }
    }
}

/// Reads a document or a status package.
pub fn read_message_with(input: &[u8], opts: &ReadOptions) -> Result<Message, EdxmlError> {
    let max = opts.limits.max_package_bytes;
    if input.len() > max {
        return Err(EdxmlError::one(
            ErrorKind::TooLarge,
            Problem::new(
                "",
                codes::LIMIT_PACKAGE_BYTES,
                format!("Gói tin có {} byte, vượt quá giới hạn {max} byte.", input.len()),
                format!("The package is {} bytes, over the limit of {max} bytes.", input.len()),
            ),
        ));
    }
    let (base, body) = match input.strip_prefix(b"\xEF\xBB\xBF") {
        Some(rest) => (3, rest),
        None => (0, input),
    };
    let text = std::str::from_utf8(body).map_err(|e| {
        EdxmlError::one(
            ErrorKind::Malformed,
            Problem::new(
                "",
                codes::XML_ENCODING,
                "Gói tin phải được mã hóa UTF-8.",
                "The package must be encoded in UTF-8.",
            ),
        )
        .at((base + e.valid_up_to()) as u64)
    })?;
    let mut c = Cursor::new(text, base, opts);
    let root = c.prolog()?;
    match root.name.as_str() {
        "edXML" => c.package(root),
        "Status" => c.status_root(root).map(|s| Message::Status(Box::new(s))),
        "Envelope" => c.soap_status(root).map(|s| Message::Status(Box::new(s))),
        other => Err(EdxmlError::one(
            ErrorKind::Invalid,
            Problem::new(
                other,
                codes::XML_ROOT,
                format!("Phần tử gốc {other} không phải gói tin edXML (cần edXML hoặc Status)."),
                format!("The root element {other} is not an edXML package (expected edXML or Status)."),
            ),
        )),
    }
}
