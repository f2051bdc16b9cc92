//! Checking an upload before it is stored: name, size, type and content, and for PDFs the page
//! count and the text.
//!
//! [`inspect`] returns either an [`Inspected`] summary or the first [`FileProblem`] found, with a
//! message in Vietnamese and in English that a clerk can act on.

use std::panic::{self, AssertUnwindSafe};

use lopdf::{Document, LoadOptions, ObjectId};

use crate::kind::{as_text, contains, extension_of, FileKind};
use crate::pdf_text;
use crate::store::sha256_hex;

/// At most this many characters of extracted text are kept (enough to index and search a long document).
pub const MAX_TEXT_CHARS: usize = 200_000;

/// How far from the end of a PDF its `%%EOF` marker may be.
const PDF_EOF_WINDOW: usize = 1024;

/// Longest accepted file name, in characters.
pub const MAX_NAME_CHARS: usize = 255;

/// Why an upload is refused.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum FileProblem {
    /// The file has no content.
    #[error("{}", self.message_en())]
    Empty,
    /// The file is larger than `limit` bytes.
    #[error("{}", self.message_en())]
    TooLarge {
        /// The largest accepted size, in bytes.
        limit: u64,
    },
    /// The file name is empty, longer than [`MAX_NAME_CHARS`], or contains a path separator or a control character.
    #[error("{}", self.message_en())]
    BadName,
    /// The extension of the file name is not an accepted type.
    #[error("{}", self.message_en())]
    UnknownType {
        /// The extension, lowercase and without the dot (empty when the name has none).
        extension: String,
    },
    /// The content is not what the extension says (e.g. a PNG named `.pdf`).
    #[error("{}", self.message_en())]
    Mismatch {
        /// The kind the file name claims.
        claimed: FileKind,
    },
    /// The PDF is encrypted or password-protected.
    #[error("{}", self.message_en())]
    EncryptedPdf,
    /// The PDF cannot be parsed, or has no pages.
    #[error("{} ({reason})", self.message_en())]
    BrokenPdf {
        /// A technical description for logs (not meant for users).
        reason: String,
    },
}

impl FileProblem {
    /// A stable snake_case code for APIs, logs and tests.
    pub fn code(&self) -> &'static str {
        match self {
            FileProblem::Empty => "empty",
            FileProblem::TooLarge { .. } => "too_large",
            FileProblem::BadName => "bad_name",
            FileProblem::UnknownType { .. } => "unknown_type",
            FileProblem::Mismatch { .. } => "content_mismatch",
            FileProblem::EncryptedPdf => "encrypted_pdf",
            FileProblem::BrokenPdf { .. } => "broken_pdf",
        }
    }

    /// The problem explained in Vietnamese, for the person who uploaded the file.
    pub fn message_vi(&self) -> String {
        match self {
            FileProblem::Empty => "Tệp không có nội dung (0 byte). Vui lòng chọn lại tệp.".to_owned(),
            FileProblem::TooLarge { limit } => format!("Tệp vượt quá giới hạn {}.", human_size(*limit, true)),
            FileProblem::BadName => format!(
                "Tên tệp không hợp lệ: tên không được để trống, dài quá {MAX_NAME_CHARS} ký tự, \
                 hoặc chứa dấu / \\ hay ký tự điều khiển."
            ),
            FileProblem::UnknownType { extension } if extension.is_empty() => format!(
                "Tên tệp không có phần mở rộng (ví dụ .pdf) nên không xác định được loại tệp. \
                 Các loại tệp được chấp nhận: {}.",
                accepted_list()
            ),
            FileProblem::UnknownType { extension } => {
                format!("Không chấp nhận loại tệp .{extension}. Các loại tệp được chấp nhận: {}.", accepted_list())
            }
            FileProblem::Mismatch { claimed } => format!(
                "Nội dung tệp không phải là {} như phần mở rộng của tên tệp cho biết. \
                 Có thể tệp đã bị đổi tên hoặc bị hỏng.",
                claimed.label()
            ),
            FileProblem::EncryptedPdf => "Tệp PDF đang được đặt mật khẩu hoặc mã hóa nên không đọc được. \
                                          Vui lòng gỡ mật khẩu rồi tải lên lại."
                .to_owned(),
            FileProblem::BrokenPdf { .. } => "Tệp PDF bị hỏng hoặc không có trang nào. \
                                              Vui lòng lưu (xuất) lại tệp PDF rồi tải lên lại."
                .to_owned(),
        }
    }

    /// The problem explained in English, for the person who uploaded the file.
    pub fn message_en(&self) -> String {
        match self {
            FileProblem::Empty => "The file is empty (0 bytes). Please choose the file again.".to_owned(),
            FileProblem::TooLarge { limit } => {
                format!("The file is larger than the {} limit.", human_size(*limit, false))
            }
            FileProblem::BadName => format!(
                "The file name is not valid: it must not be empty, longer than {MAX_NAME_CHARS} characters, \
                 or contain / \\ or control characters."
            ),
            FileProblem::UnknownType { extension } if extension.is_empty() => format!(
                "The file name has no extension (such as .pdf), so its type is unknown. Accepted types: {}.",
                accepted_list()
            ),
            FileProblem::UnknownType { extension } => {
                format!("Files of type .{extension} are not accepted. Accepted types: {}.", accepted_list())
            }
            FileProblem::Mismatch { claimed } => format!(
                "The content of the file is not {} as its name says. The file may have been renamed or damaged.",
                claimed.label()
            ),
            FileProblem::EncryptedPdf => "The PDF is password-protected or encrypted, so it cannot be read. \
                                          Please remove the password and upload it again."
                .to_owned(),
            FileProblem::BrokenPdf { .. } => "The PDF is damaged or has no pages. \
                                              Please save (export) the PDF again and upload it."
                .to_owned(),
        }
    }
}

/// What an accepted upload is.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Inspected {
    /// The type, from the extension and confirmed by the content.
    pub kind: FileKind,
    /// `kind.media_type()`, for the `Content-Type` header.
    pub media_type: &'static str,
    /// Lowercase hex SHA-256 of the bytes: the key in the [`FileStore`](crate::FileStore).
    pub sha256: String,
    /// Size in bytes.
    pub size: u64,
    /// Number of pages, for PDFs.
    pub page_count: Option<u32>,
    /// The text, for PDFs and text files, capped at [`MAX_TEXT_CHARS`] characters; `None` when there is
    /// none to extract (e.g. a scanned PDF) or extraction failed.
    pub text: Option<String>,
}

/// Checks an upload named `name` with content `bytes`, accepting at most `max_bytes` bytes.
///
/// The checks run in this order, and the first failure is returned: the name ([`FileProblem::BadName`]),
/// emptiness, size, the type by extension ([`FileProblem::UnknownType`]), the content against the type
/// ([`FileProblem::Mismatch`]), and for PDFs a full parse ([`FileProblem::EncryptedPdf`],
/// [`FileProblem::BrokenPdf`]) that also gives the page count and the text.
pub fn inspect(name: &str, bytes: &[u8], max_bytes: u64) -> Result<Inspected, FileProblem> {
    check_name(name)?;
    if bytes.is_empty() {
        return Err(FileProblem::Empty);
    }
    let size = bytes.len() as u64;
    if size > max_bytes {
        return Err(FileProblem::TooLarge { limit: max_bytes });
    }
    let kind = FileKind::from_file_name(name)
        .ok_or_else(|| FileProblem::UnknownType { extension: extension_of(name).unwrap_or_default().to_lowercase() })?;
    let mismatch = FileProblem::Mismatch { claimed: kind };

    let (page_count, text) = match kind {
        FileKind::Pdf => {
            if !kind.content_matches(bytes) {
                return Err(mismatch);
            }
            let pdf = inspect_pdf(bytes)?;
            (Some(pdf.page_count), pdf.text)
        }
        // Validate the UTF-8 once and keep the result.
        FileKind::Txt => {
            let text = as_text(bytes).ok_or(mismatch)?;
            let text = text.strip_prefix('\u{FEFF}').unwrap_or(text);
            (None, non_blank(cap_chars(text, MAX_TEXT_CHARS)).map(str::to_owned))
        }
        _ if kind.content_matches(bytes) => (None, None),
        _ => return Err(mismatch),
    };

    Ok(Inspected { kind, media_type: kind.media_type(), sha256: sha256_hex(bytes), size, page_count, text })
}

/// The text of all pages of a PDF (capped at [`MAX_TEXT_CHARS`]), or `None` when the PDF is unreadable,
/// encrypted, or has no text.
pub fn inspect_pdf_text(bytes: &[u8]) -> Option<String> {
    inspect_pdf(bytes).ok()?.text
}

/// The name is not empty, not too long, and has no path separator or control character.
fn check_name(name: &str) -> Result<(), FileProblem> {
    let bad = name.trim().is_empty()
        || name.chars().count() > MAX_NAME_CHARS
        || name.chars().any(|c| c == '/' || c == '\\' || c.is_control())
        || name == "."
        || name == "..";
    if bad {
        Err(FileProblem::BadName)
    } else {
        Ok(())
    }
}

/// What a PDF parse found.
struct PdfFacts {
    page_count: u32,
    text: Option<String>,
}

/// Parses a PDF: refuses encrypted or broken ones, counts the pages and extracts the text.
///
/// lopdf is run under `catch_unwind`, so that a malformed upload that trips a panic in the parser is
/// reported as a broken PDF instead of taking down the request.
fn inspect_pdf(bytes: &[u8]) -> Result<PdfFacts, FileProblem> {
    // A PDF ends with `%%EOF`; readers allow some trailing bytes, and so do we (1 KB). Without it the
    // file was cut short (an interrupted copy or transfer): lopdf may rebuild what is left, but pages
    // could be missing, so the file is refused.
    if !contains(&bytes[bytes.len().saturating_sub(PDF_EOF_WINDOW)..], b"%%EOF") {
        return Err(unreadable_pdf(bytes, "the file is cut short (no %%EOF at its end)".to_owned()));
    }
    let options = LoadOptions { max_decompressed_size: Some(pdf_text::MAX_INFLATED), ..LoadOptions::default() };
    let doc = match panic::catch_unwind(|| Document::load_mem_with_options(bytes, options)) {
        Ok(Ok(doc)) => doc,
        Ok(Err(err)) => return Err(unreadable_pdf(bytes, err.to_string())),
        Err(_) => return Err(unreadable_pdf(bytes, "the PDF parser panicked".to_owned())),
    };
    // lopdf decrypts a file whose user password is empty and then drops `/Encrypt` from the trailer;
    // `encryption_state` remembers it. With any other password the trailer keeps `/Encrypt`.
    if doc.trailer.has(b"Encrypt") || doc.encryption_state.is_some() {
        return Err(FileProblem::EncryptedPdf);
    }
    let page_ids: Vec<ObjectId> = match panic::catch_unwind(AssertUnwindSafe(|| doc.page_iter().collect())) {
        Ok(ids) => ids,
        Err(_) => return Err(FileProblem::BrokenPdf { reason: "the page tree cannot be read".to_owned() }),
    };
    if page_ids.is_empty() {
        return Err(FileProblem::BrokenPdf { reason: "the document has no pages".to_owned() });
    }
    let page_count = u32::try_from(page_ids.len()).unwrap_or(u32::MAX);
    let text =
        panic::catch_unwind(AssertUnwindSafe(|| pdf_text::extract(&doc, &page_ids, MAX_TEXT_CHARS))).ok().flatten();
    Ok(PdfFacts { page_count, text })
}

/// A PDF that cannot be read: encrypted if it mentions `/Encrypt` (its trailer then names an
/// encryption dictionary that lopdf may fail on), otherwise broken.
fn unreadable_pdf(bytes: &[u8], reason: String) -> FileProblem {
    if contains(bytes, b"/Encrypt") {
        FileProblem::EncryptedPdf
    } else {
        FileProblem::BrokenPdf { reason }
    }
}

/// The first `max` characters of `s`.
fn cap_chars(s: &str, max: usize) -> &str {
    match s.char_indices().nth(max) {
        Some((end, _)) => &s[..end],
        None => s,
    }
}

/// `s`, unless it is empty or only whitespace.
fn non_blank(s: &str) -> Option<&str> {
    (!s.trim().is_empty()).then_some(s)
}

/// The accepted types for messages: ".pdf, .docx, .doc, …".
fn accepted_list() -> String {
    let exts: Vec<String> = FileKind::ALL.iter().flat_map(|k| k.extensions().iter().map(|e| format!(".{e}"))).collect();
    exts.join(", ")
}

/// A size for people: "50 MB", "1.5 MB" ("1,5 MB" in Vietnamese), "300 KB", "512 bytes".
fn human_size(bytes: u64, vi: bool) -> String {
    const UNITS: [(u64, &str); 3] = [(1 << 30, "GB"), (1 << 20, "MB"), (1 << 10, "KB")];
    for (unit, name) in UNITS {
        if bytes >= unit {
            let whole = bytes / unit;
            let tenth = (bytes % unit) * 10 / unit;
            return match (tenth, vi) {
                (0, _) => format!("{whole} {name}"),
                (_, true) => format!("{whole},{tenth} {name}"),
                (_, false) => format!("{whole}.{tenth} {name}"),
            };
        }
    }
    if vi {
        format!("{bytes} byte")
    } else if bytes == 1 {
        "1 byte".to_owned()
    } else {
        format!("{bytes} bytes")
    }
}

#[cfg(test)]
mod tests;
