//! The file types accepted for upload, their media types, extensions and content signatures.
//!
//! The type of an upload is first taken from the extension of its name ([`FileKind::from_file_name`]),
//! then confirmed by a cheap look at the bytes ([`FileKind::content_matches`]): a renamed `.exe` or a
//! PNG saved as `.pdf` is caught before it reaches a clerk.

/// An accepted type of uploaded file.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum FileKind {
    /// PDF document (`.pdf`).
    Pdf,
    /// Word document, Office Open XML (`.docx`).
    Docx,
    /// Excel workbook, Office Open XML (`.xlsx`).
    Xlsx,
    /// PowerPoint presentation, Office Open XML (`.pptx`).
    Pptx,
    /// OpenDocument text (`.odt`).
    Odt,
    /// OpenDocument spreadsheet (`.ods`).
    Ods,
    /// Legacy Word document, OLE2 (`.doc`).
    Doc,
    /// Legacy Excel workbook, OLE2 (`.xls`).
    Xls,
    /// Rich Text Format (`.rtf`).
    Rtf,
    /// PNG image (`.png`).
    Png,
    /// JPEG image (`.jpg`, `.jpeg`).
    Jpeg,
    /// Plain UTF-8 text (`.txt`).
    Txt,
}

/// Signature of a ZIP local file header: OOXML and ODF documents are ZIP archives.
const ZIP_MAGIC: &[u8] = b"PK\x03\x04";
/// Signature of an OLE2 compound file: legacy `.doc` and `.xls`.
const OLE2_MAGIC: &[u8] = &[0xD0, 0xCF, 0x11, 0xE0, 0xA1, 0xB1, 0x1A, 0xE1];
const PNG_MAGIC: &[u8] = b"\x89PNG\r\n\x1a\n";
const JPEG_MAGIC: &[u8] = &[0xFF, 0xD8, 0xFF];
/// How far into the file `%PDF-` may start (the PDF specification's tolerance, as readers apply it).
const PDF_HEADER_WINDOW: usize = 1024;
/// ZIP entry names looked for in the first bytes of the archive (where the first entries are)...
const ZIP_HEAD_WINDOW: usize = 4 * 1024;
/// ...and in its last bytes (the central directory, which lists every entry).
const ZIP_TAIL_WINDOW: usize = 64 * 1024;

impl FileKind {
    /// Every accepted kind, in the order they are listed to users.
    pub const ALL: [FileKind; 12] = [
        FileKind::Pdf,
        FileKind::Docx,
        FileKind::Doc,
        FileKind::Odt,
        FileKind::Rtf,
        FileKind::Txt,
        FileKind::Xlsx,
        FileKind::Xls,
        FileKind::Ods,
        FileKind::Pptx,
        FileKind::Png,
        FileKind::Jpeg,
    ];

    /// The IANA media type, suitable for a `Content-Type` header (text is declared UTF-8).
    pub fn media_type(self) -> &'static str {
        match self {
            FileKind::Pdf => "application/pdf",
            FileKind::Docx => "application/vnd.openxmlformats-officedocument.wordprocessingml.document",
            FileKind::Xlsx => "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
            FileKind::Pptx => "application/vnd.openxmlformats-officedocument.presentationml.presentation",
            FileKind::Odt => "application/vnd.oasis.opendocument.text",
            FileKind::Ods => "application/vnd.oasis.opendocument.spreadsheet",
            FileKind::Doc => "application/msword",
            FileKind::Xls => "application/vnd.ms-excel",
            FileKind::Rtf => "application/rtf",
            FileKind::Png => "image/png",
            FileKind::Jpeg => "image/jpeg",
            FileKind::Txt => "text/plain; charset=utf-8",
        }
    }

    /// The accepted file-name extensions, lowercase and without the dot; the first is the usual one.
    pub fn extensions(self) -> &'static [&'static str] {
        match self {
            FileKind::Pdf => &["pdf"],
            FileKind::Docx => &["docx"],
            FileKind::Xlsx => &["xlsx"],
            FileKind::Pptx => &["pptx"],
            FileKind::Odt => &["odt"],
            FileKind::Ods => &["ods"],
            FileKind::Doc => &["doc"],
            FileKind::Xls => &["xls"],
            FileKind::Rtf => &["rtf"],
            FileKind::Png => &["png"],
            FileKind::Jpeg => &["jpg", "jpeg"],
            FileKind::Txt => &["txt"],
        }
    }

    /// A short name for messages to users, e.g. `"PDF"`, `"Word (.docx)"`.
    pub fn label(self) -> &'static str {
        match self {
            FileKind::Pdf => "PDF",
            FileKind::Docx => "Word (.docx)",
            FileKind::Xlsx => "Excel (.xlsx)",
            FileKind::Pptx => "PowerPoint (.pptx)",
            FileKind::Odt => "OpenDocument (.odt)",
            FileKind::Ods => "OpenDocument (.ods)",
            FileKind::Doc => "Word (.doc)",
            FileKind::Xls => "Excel (.xls)",
            FileKind::Rtf => "RTF",
            FileKind::Png => "PNG",
            FileKind::Jpeg => "JPEG",
            FileKind::Txt => "TXT",
        }
    }

    /// The kind for an extension such as `"pdf"`, `".PDF"` or `"Jpeg"` (case-insensitive, leading dot optional).
    pub fn from_extension(ext: &str) -> Option<FileKind> {
        let ext = ext.strip_prefix('.').unwrap_or(ext);
        FileKind::ALL.into_iter().find(|kind| kind.extensions().iter().any(|e| e.eq_ignore_ascii_case(ext)))
    }

    /// The kind named by the extension of a file name (`"Quyết định 05.PDF"` → `Pdf`); `None` without
    /// an accepted extension.
    pub fn from_file_name(name: &str) -> Option<FileKind> {
        FileKind::from_extension(extension_of(name)?)
    }

    /// True for kinds a browser can show inline (PDF, PNG, JPEG, text); others are offered as downloads.
    pub fn is_inline_viewable(self) -> bool {
        matches!(self, FileKind::Pdf | FileKind::Png | FileKind::Jpeg | FileKind::Txt)
    }

    /// True when `bytes` look like this kind of file (a signature check, not a full parse).
    ///
    /// PDF: `%PDF-` within the first 1024 bytes. DOCX/XLSX/PPTX: a ZIP archive with a
    /// `[Content_Types].xml` entry. ODT/ODS: a ZIP archive with a `mimetype` entry. DOC/XLS: an OLE2
    /// compound file. RTF: starts with `{\rtf`. PNG/JPEG: their magic numbers. TXT: valid UTF-8
    /// without NUL bytes.
    pub fn content_matches(self, bytes: &[u8]) -> bool {
        match self {
            FileKind::Pdf => contains(&bytes[..bytes.len().min(PDF_HEADER_WINDOW)], b"%PDF-"),
            FileKind::Docx | FileKind::Xlsx | FileKind::Pptx => zip_has_entry(bytes, b"[Content_Types].xml"),
            FileKind::Odt | FileKind::Ods => zip_has_entry(bytes, b"mimetype"),
            FileKind::Doc | FileKind::Xls => bytes.starts_with(OLE2_MAGIC),
            FileKind::Rtf => bytes.starts_with(b"{\\rtf"),
            FileKind::Png => bytes.starts_with(PNG_MAGIC),
            FileKind::Jpeg => bytes.starts_with(JPEG_MAGIC),
            FileKind::Txt => as_text(bytes).is_some(),
        }
    }
}

/// The extension of a file name: the text after the last dot, surrounding spaces trimmed; `None`
/// when there is no dot or nothing after it.
pub(crate) fn extension_of(name: &str) -> Option<&str> {
    let (_, ext) = name.rsplit_once('.')?;
    let ext = ext.trim();
    (!ext.is_empty()).then_some(ext)
}

/// `bytes` as text when they are valid UTF-8 without NUL bytes.
pub(crate) fn as_text(bytes: &[u8]) -> Option<&str> {
    if bytes.contains(&0) {
        return None;
    }
    std::str::from_utf8(bytes).ok()
}

/// True when `needle` occurs in `haystack`.
pub(crate) fn contains(haystack: &[u8], needle: &[u8]) -> bool {
    let Some((&first, rest)) = needle.split_first() else { return true };
    let mut from = 0;
    while let Some(pos) = haystack[from..].iter().position(|&b| b == first) {
        let start = from + pos;
        if haystack[start + 1..].starts_with(rest) {
            return true;
        }
        from = start + 1;
    }
    false
}

/// A ZIP archive naming `entry` among its first or last bytes (local headers or central directory).
fn zip_has_entry(bytes: &[u8], entry: &[u8]) -> bool {
    if !bytes.starts_with(ZIP_MAGIC) {
        return false;
    }
    let head = &bytes[..bytes.len().min(ZIP_HEAD_WINDOW)];
    let tail = &bytes[bytes.len().saturating_sub(ZIP_TAIL_WINDOW)..];
    contains(head, entry) || contains(tail, entry)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn extensions_round_trip() {
        for kind in FileKind::ALL {
            for ext in kind.extensions() {
                assert_eq!(FileKind::from_extension(ext), Some(kind));
                assert_eq!(FileKind::from_extension(&ext.to_uppercase()), Some(kind));
                assert_eq!(FileKind::from_extension(&format!(".{ext}")), Some(kind));
            }
            assert!(!kind.media_type().is_empty());
            assert!(!kind.label().is_empty());
        }
        assert_eq!(FileKind::from_extension("exe"), None);
        assert_eq!(FileKind::from_extension(""), None);
    }

    #[test]
    fn kind_from_file_name() {
        assert_eq!(FileKind::from_file_name("Quyết định 05.PDF"), Some(FileKind::Pdf));
        assert_eq!(FileKind::from_file_name("anh.chup.JPG"), Some(FileKind::Jpeg));
        assert_eq!(FileKind::from_file_name("bao-cao.xlsx"), Some(FileKind::Xlsx));
        assert_eq!(FileKind::from_file_name("setup.exe"), None);
        assert_eq!(FileKind::from_file_name("pdf"), None);
        assert_eq!(FileKind::from_file_name("file."), None);
    }

    #[test]
    fn media_types_and_inline() {
        assert_eq!(FileKind::Pdf.media_type(), "application/pdf");
        assert_eq!(
            FileKind::Docx.media_type(),
            "application/vnd.openxmlformats-officedocument.wordprocessingml.document"
        );
        assert!(FileKind::Pdf.is_inline_viewable());
        assert!(FileKind::Jpeg.is_inline_viewable());
        assert!(!FileKind::Docx.is_inline_viewable());
        assert!(!FileKind::Doc.is_inline_viewable());
    }

    #[test]
    fn signatures() {
        assert!(FileKind::Pdf.content_matches(b"%PDF-1.7\n..."));
        assert!(FileKind::Pdf.content_matches(b"\xEF\xBB\xBF garbage before %PDF-1.4"));
        let mut late = vec![b' '; 2000];
        late.extend_from_slice(b"%PDF-1.4");
        assert!(!FileKind::Pdf.content_matches(&late));
        assert!(!FileKind::Pdf.content_matches(PNG_MAGIC));
        assert!(FileKind::Png.content_matches(b"\x89PNG\r\n\x1a\n\0\0\0\rIHDR"));
        assert!(FileKind::Jpeg.content_matches(&[0xFF, 0xD8, 0xFF, 0xE0, 0, 0x10]));
        assert!(FileKind::Doc.content_matches(&[0xD0, 0xCF, 0x11, 0xE0, 0xA1, 0xB1, 0x1A, 0xE1, 0]));
        assert!(FileKind::Xls.content_matches(OLE2_MAGIC));
        assert!(FileKind::Rtf.content_matches(b"{\\rtf1\\ansi Hello}"));
        assert!(!FileKind::Rtf.content_matches(b"Hello"));
        assert!(FileKind::Txt.content_matches("Quyết định số 05".as_bytes()));
        assert!(!FileKind::Txt.content_matches(b"a\0b"));
        assert!(!FileKind::Txt.content_matches(&[0xC3, 0x28]));
        assert!(FileKind::Odt.content_matches(b"PK\x03\x04....mimetypeapplication/vnd.oasis.opendocument.text"));
        assert!(!FileKind::Docx.content_matches(b"PK\x03\x04....mimetypeapplication/vnd.oasis.opendocument.text"));
        assert!(!FileKind::Odt.content_matches(b"mimetype but not a zip"));
    }

    #[test]
    fn byte_search() {
        assert!(contains(b"abcabd", b"abd"));
        assert!(contains(b"abc", b""));
        assert!(!contains(b"ab", b"abc"));
        assert!(!contains(b"", b"a"));
        assert!(contains(b"a", b"a"));
    }
}
