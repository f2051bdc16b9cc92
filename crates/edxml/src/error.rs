//! The error type of the crate: what went wrong, where (an element path) and why, in Vietnamese and English.
//!
//! Every failure carries one or more [`Problem`]s. A problem names the element by its path from the
//! package's main element (`MessageHeader/To[2]/OrganId`, indexes from 1), a stable machine-readable
//! [`code`](codes) and two complete sentences, one per language. Reading reports every validation
//! problem it finds at once; XML syntax errors, refusals and limits stop at the first.

use std::fmt;

/// Stable machine-readable problem codes. Callers match on these; the messages may change.
pub mod codes {
    /// The bytes are not well-formed XML (truncated, wrong nesting, bad markup).
    pub const XML_MALFORMED: &str = "xml.malformed";
    /// A `<!DOCTYPE …>` declaration: refused, so no entity can be declared or expanded.
    pub const XML_DOCTYPE: &str = "xml.doctype";
    /// A reference to an entity other than the five predefined ones and character references.
    pub const XML_ENTITY: &str = "xml.entity";
    /// The bytes are not UTF-8, or the XML declaration names another encoding.
    pub const XML_ENCODING: &str = "xml.encoding";
    /// The root element is not an edXML package of the expected kind.
    pub const XML_ROOT: &str = "xml.root";
    /// The package's main element (`edXML`, or `Status`) is not in the namespace
    /// [`EDXML_NS`](crate::EDXML_NS) exactly.
    pub const XML_NAMESPACE: &str = "xml.namespace";
    /// Elements nested deeper than [`Limits::max_depth`](crate::Limits::max_depth).
    pub const LIMIT_DEPTH: &str = "limit.depth";
    /// The package is larger than [`Limits::max_package_bytes`](crate::Limits::max_package_bytes).
    pub const LIMIT_PACKAGE_BYTES: &str = "limit.package_bytes";
    /// More attachments than [`Limits::max_attachments`](crate::Limits::max_attachments).
    pub const LIMIT_ATTACHMENTS: &str = "limit.attachments";
    /// An attachment larger than [`Limits::max_attachment_bytes`](crate::Limits::max_attachment_bytes).
    pub const LIMIT_ATTACHMENT_BYTES: &str = "limit.attachment_bytes";
    /// A required element is missing or empty.
    pub const REQUIRED: &str = "required";
    /// An element that may appear once appears again.
    pub const REPEATED: &str = "repeated";
    /// A text longer than the standard allows.
    pub const TOO_LONG: &str = "too_long";
    /// The same recipient, content id or code twice in a list.
    pub const DUPLICATE: &str = "duplicate";
    /// A character that XML 1.0 cannot carry (control characters, U+FFFE, U+FFFF).
    pub const INVALID_CHAR: &str = "invalid_char";
    /// An element inside an element that holds text only.
    pub const UNEXPECTED_ELEMENT: &str = "unexpected_element";
    /// An agency identifier code (`OrganId`) in neither the current nor the legacy form.
    pub const INVALID_AGENCY_CODE: &str = "invalid_agency_code";
    /// A date that is not a real `yyyy/MM/dd` (or `dd/MM/yyyy`) date.
    pub const INVALID_DATE: &str = "invalid_date";
    /// A timestamp that is not a real `yyyy/MM/dd HH:mm:ss` (or `dd/MM/yyyy HH:mm:ss`) time.
    pub const INVALID_TIMESTAMP: &str = "invalid_timestamp";
    /// A `DocumentId` not of the form `{OrganId},{yyyy/MM/dd},{CodeNumber}/{CodeNotation}`.
    pub const INVALID_DOCUMENT_ID: &str = "invalid_document_id";
    /// A `DocumentId` that disagrees with `From/OrganId`, `PromulgationDate` or `Code`.
    pub const DOCUMENT_ID_MISMATCH: &str = "document_id_mismatch";
    /// A count or amount that is not a non-negative whole number.
    pub const INVALID_NUMBER: &str = "invalid_number";
    /// A flag that is not `0` or `1`.
    pub const INVALID_FLAG: &str = "invalid_flag";
    /// A status code outside 01–06, 13, 15, 16.
    pub const UNKNOWN_STATUS_CODE: &str = "unknown_status_code";
    /// A priority outside 0–4.
    pub const UNKNOWN_PRIORITY: &str = "unknown_priority";
    /// A steering type outside 0–2.
    pub const UNKNOWN_STEERING_TYPE: &str = "unknown_steering_type";
    /// A business document type outside 0–3.
    pub const UNKNOWN_BUSINESS_TYPE: &str = "unknown_business_type";
    /// A document `Type` that is neither a number nor a group code, or that contradicts `TypeName`.
    pub const INVALID_DOCUMENT_TYPE: &str = "invalid_document_type";
    /// An attachment content id that is empty or not in its plain form.
    pub const INVALID_CONTENT_ID: &str = "invalid_content_id";
    /// `ContentTransferEncoded` that is not base64.
    pub const INVALID_BASE64: &str = "invalid_base64";
    /// A manifest `Reference` whose attachment is not in the package.
    pub const ATTACHMENT_MISSING: &str = "attachment_missing";
    /// A zipped attachment this build cannot open (feature `zip` off, or an unsupported method).
    pub const ZIP_UNSUPPORTED: &str = "zip.unsupported";
    /// A zipped attachment whose archive is damaged.
    pub const ZIP_INVALID: &str = "zip.invalid";
}

/// At most this many problems are collected for one package: a hostile package could otherwise
/// make millions of them (and of messages) from a few megabytes.
pub const MAX_PROBLEMS: usize = 100;

/// One thing wrong with a package, tied to an element.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Problem {
    /// Element path from the package's main element, e.g. `MessageHeader/To[2]/OrganId`
    /// (indexes count from 1; empty for problems of the whole input).
    pub path: String,
    /// Stable machine-readable reason, one of [`codes`].
    pub code: &'static str,
    /// The message in Vietnamese (full diacritics).
    pub message_vi: String,
    /// The message in English.
    pub message_en: String,
}

impl Problem {
    /// Builds a problem from its parts.
    pub fn new(path: impl Into<String>, code: &'static str, vi: impl Into<String>, en: impl Into<String>) -> Problem {
        Problem { path: path.into(), code, message_vi: vi.into(), message_en: en.into() }
    }

    pub(crate) fn required(path: &str) -> Problem {
        let el = last(path);
        Problem::new(
            path,
            codes::REQUIRED,
            format!("Thiếu phần tử bắt buộc {el} (hoặc phần tử này để trống) tại {path}."),
            format!("The required element {el} is missing or empty at {path}."),
        )
    }

    pub(crate) fn repeated(path: &str) -> Problem {
        let el = last(path);
        Problem::new(
            path,
            codes::REPEATED,
            format!("Phần tử {el} chỉ được xuất hiện một lần tại {path}."),
            format!("The element {el} may appear only once at {path}."),
        )
    }

    pub(crate) fn too_long(path: &str, max: usize, got: usize) -> Problem {
        let el = last(path);
        Problem::new(
            path,
            codes::TOO_LONG,
            format!("{el} dài {got} ký tự, vượt quá giới hạn {max} ký tự ({path})."),
            format!("{el} is {got} characters long, over the limit of {max} ({path})."),
        )
    }

    pub(crate) fn duplicate(path: &str, value: &str) -> Problem {
        let el = last(path);
        Problem::new(
            path,
            codes::DUPLICATE,
            format!("Giá trị {el} “{value}” bị trùng lặp ({path})."),
            format!("The {el} “{value}” appears more than once ({path})."),
        )
    }

    pub(crate) fn invalid_char(path: &str, c: char) -> Problem {
        let el = last(path);
        let code = u32::from(c);
        Problem::new(
            path,
            codes::INVALID_CHAR,
            format!("{el} chứa ký tự không hợp lệ trong XML (U+{code:04X}) ({path})."),
            format!("{el} contains a character XML cannot carry (U+{code:04X}) ({path})."),
        )
    }

    pub(crate) fn unexpected_element(path: &str, child: &str) -> Problem {
        let el = last(path);
        Problem::new(
            path,
            codes::UNEXPECTED_ELEMENT,
            format!("Phần tử {el} chỉ chứa văn bản, không được chứa phần tử con {child} ({path})."),
            format!("The element {el} holds text only; it may not contain the element {child} ({path})."),
        )
    }

    pub(crate) fn invalid_value(
        path: &str,
        code: &'static str,
        value: &str,
        expected_vi: &str,
        expected_en: &str,
    ) -> Problem {
        let el = last(path);
        let shown = shorten(value);
        Problem::new(
            path,
            code,
            format!("Giá trị {el} “{shown}” không hợp lệ: {expected_vi} ({path})."),
            format!("Invalid {el} “{shown}”: {expected_en} ({path})."),
        )
    }
}

/// The last element name of a path, without its index.
fn last(path: &str) -> &str {
    let el = path.rsplit('/').next().unwrap_or(path);
    el.split('[').next().unwrap_or(el)
}

/// A value shown in a message: at most 60 characters.
pub(crate) fn shorten(value: &str) -> String {
    let mut out: String = value.chars().take(60).collect();
    if value.chars().nth(60).is_some() {
        out.push('…');
    }
    out
}

/// What kind of failure an [`EdxmlError`] is.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum ErrorKind {
    /// Not well-formed XML, or not UTF-8.
    Malformed,
    /// Refused on principle: a DOCTYPE, an undeclared entity.
    Refused,
    /// Over one of the [`Limits`](crate::Limits).
    TooLarge,
    /// Well-formed, but not a valid edXML package: see the problems.
    Invalid,
    /// Valid as far as can be seen, but uses something this build does not support.
    Unsupported,
}

impl fmt::Display for ErrorKind {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(match self {
            ErrorKind::Malformed => "malformed XML",
            ErrorKind::Refused => "refused",
            ErrorKind::TooLarge => "too large",
            ErrorKind::Invalid => "invalid package",
            ErrorKind::Unsupported => "unsupported",
        })
    }
}

/// Why a package could not be read or written. Holds at least one [`Problem`], at most
/// [`MAX_PROBLEMS`].
#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
pub struct EdxmlError {
    kind: ErrorKind,
    problems: Vec<Problem>,
    offset: Option<u64>,
}

impl EdxmlError {
    pub(crate) fn one(kind: ErrorKind, problem: Problem) -> EdxmlError {
        EdxmlError { kind, problems: vec![problem], offset: None }
    }

    pub(crate) fn at(mut self, offset: u64) -> EdxmlError {
        self.offset = Some(offset);
        self
    }

    /// An [`ErrorKind::Invalid`] error with these problems (there must be at least one).
    pub(crate) fn invalid(mut problems: Vec<Problem>) -> EdxmlError {
        problems.truncate(MAX_PROBLEMS);
        EdxmlError { kind: ErrorKind::Invalid, problems, offset: None }
    }

    /// The kind of failure.
    pub fn kind(&self) -> ErrorKind {
        self.kind
    }

    /// All problems found (at least one).
    pub fn problems(&self) -> &[Problem] {
        &self.problems
    }

    /// The first problem.
    pub fn first(&self) -> Option<&Problem> {
        self.problems.first()
    }

    /// `true` if some problem has this code.
    pub fn has_code(&self, code: &str) -> bool {
        self.problems.iter().any(|p| p.code == code)
    }

    /// Byte offset in the input where reading stopped, for XML syntax errors.
    pub fn offset(&self) -> Option<u64> {
        self.offset
    }
}

impl fmt::Display for EdxmlError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "edXML {}", self.kind)?;
        if let Some(p) = self.problems.first() {
            if p.path.is_empty() {
                write!(f, ": {} [{}]", p.message_en, p.code)?;
            } else {
                write!(f, " at {}: {} [{}]", p.path, p.message_en, p.code)?;
            }
        }
        if self.problems.len() > 1 {
            write!(f, " (and {} more)", self.problems.len() - 1)?;
        }
        if let Some(o) = self.offset {
            write!(f, " (byte {o})")?;
        }
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn display_names_path_code_and_count() {
        let e = EdxmlError::invalid(vec![
            Problem::required("MessageHeader/Subject"),
            Problem::too_long("MessageHeader/Content", 500, 501),
        ]);
        let s = e.to_string();
        assert!(s.contains("MessageHeader/Subject"), "{s}");
        assert!(s.contains("[required]"), "{s}");
        assert!(s.contains("and 1 more"), "{s}");
        assert_eq!(e.problems()[1].code, codes::TOO_LONG);
        assert!(e.problems()[0].message_vi.contains("Thiếu phần tử bắt buộc Subject"));
        assert_eq!(last("MessageHeader/To[2]"), "To");
    }
}
