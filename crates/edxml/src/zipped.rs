//! Attachments that arrive zipped: some systems put a ZIP archive holding the one file inside
//! `ContentTransferEncoded` (the national platform's SDKs unzip it when they see one).
//!
//! A decoded attachment is unwrapped when it starts with a ZIP local header, its `AttachmentName`
//! is not itself an archive (`.zip`, `.kmz`), and the archive holds exactly one file. Archives of
//! several entries (such as `.docx`, `.odt`) are files in their own right and are kept as they are.
//! The unzipped size is bounded by [`Limits::max_attachment_bytes`](crate::Limits::max_attachment_bytes)
//! while inflating, so a small bomb cannot grow past it. Stored and deflated entries are supported;
//! other methods and encrypted entries give `zip.unsupported`. Without the `zip` feature (on by
//! default) such attachments are kept as they arrived and the reader adds a `maybe_zipped` note.

use crate::error::EdxmlError;
#[cfg(feature = "zip")]
use crate::error::{codes, ErrorKind, Problem};

const ZIP_MAGIC: &[u8] = b"PK\x03\x04";

/// `true` when the bytes look like a ZIP archive and the file name does not say it is one.
pub(crate) fn looks_zipped(data: &[u8], name: &str) -> bool {
    let lower = name.trim().to_ascii_lowercase();
    data.starts_with(ZIP_MAGIC) && !lower.ends_with(".zip") && !lower.ends_with(".kmz")
}

#[cfg(feature = "zip")]
fn zip_problem(path: &str, code: &'static str, detail: &str) -> EdxmlError {
    let kind = if code == codes::ZIP_UNSUPPORTED { ErrorKind::Unsupported } else { ErrorKind::Invalid };
    EdxmlError::one(
        kind,
        Problem::new(
            path,
            code,
            format!("Không giải nén được tệp đính kèm nén ZIP ({path}): {detail}."),
            format!("Cannot unzip the zipped attachment ({path}): {detail}."),
        ),
    )
}

/// The single file inside a zipped attachment, with its name inside the archive; `None` when the
/// data is not a one-file archive (then it is an ordinary file and is kept as it is).
#[cfg(feature = "zip")]
pub(crate) fn unwrap_single(data: &[u8], max: usize, path: &str) -> Result<Option<(Vec<u8>, String)>, EdxmlError> {
    use std::io::Read as _;
    use zip::result::ZipError;

    let Ok(mut archive) = zip::ZipArchive::new(std::io::Cursor::new(data)) else {
        return Ok(None);
    };
    if archive.len() > 4 {
        return Ok(None);
    }
    let mut file_index = None;
    for i in 0..archive.len() {
        let is_dir = match archive.by_index_raw(i) {
            Ok(f) => f.is_dir(),
            Err(_) => return Ok(None),
        };
        if !is_dir {
            if file_index.is_some() {
                return Ok(None);
            }
            file_index = Some(i);
        }
    }
    let Some(i) = file_index else {
        return Ok(None);
    };
    let mut entry = match archive.by_index(i) {
        Ok(e) => e,
        Err(ZipError::UnsupportedArchive(m)) => return Err(zip_problem(path, codes::ZIP_UNSUPPORTED, m)),
        Err(ZipError::CompressionMethodNotSupported(m)) => {
            return Err(zip_problem(path, codes::ZIP_UNSUPPORTED, &format!("compression method {m}")))
        }
        Err(ZipError::InvalidPassword) => {
            return Err(zip_problem(path, codes::ZIP_UNSUPPORTED, "encrypted entry"));
        }
        Err(e) => return Err(zip_problem(path, codes::ZIP_INVALID, &e.to_string())),
    };
    if entry.encrypted() {
        return Err(zip_problem(path, codes::ZIP_UNSUPPORTED, "encrypted entry"));
    }
    let too_large = || {
        EdxmlError::one(
            ErrorKind::TooLarge,
            Problem::new(
                path,
                codes::LIMIT_ATTACHMENT_BYTES,
                format!("Tệp đính kèm sau khi giải nén vượt quá {max} byte ({path})."),
                format!("The unzipped attachment is larger than {max} bytes ({path})."),
            ),
        )
    };
    if entry.size() > max as u64 {
        return Err(too_large());
    }
    let name = entry.name().map(|n| n.into_owned()).unwrap_or_default();
    let mut out = Vec::with_capacity(usize::try_from(entry.size()).unwrap_or(0).min(max));
    let limit = u64::try_from(max).unwrap_or(u64::MAX).saturating_add(1);
    match (&mut entry).take(limit).read_to_end(&mut out) {
        Ok(_) if out.len() > max => Err(too_large()),
        Ok(_) => Ok(Some((out, name))),
        Err(e) if e.kind() == std::io::ErrorKind::Unsupported => {
            Err(zip_problem(path, codes::ZIP_UNSUPPORTED, &e.to_string()))
        }
        Err(e) => Err(zip_problem(path, codes::ZIP_INVALID, &e.to_string())),
    }
}

/// Without the `zip` feature a possibly zipped attachment is kept as it arrived (the reader notes it).
#[cfg(not(feature = "zip"))]
pub(crate) fn unwrap_single(_data: &[u8], _max: usize, _path: &str) -> Result<Option<(Vec<u8>, String)>, EdxmlError> {
    Ok(None)
}
