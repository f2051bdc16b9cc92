//! Forms that never lose work: the files of a form that failed are kept for the browser session
//! that sent them (stored content-addressed, as intake would, with a row naming the session), so
//! the form offers them again and a resubmission — a duplicate confirmed, a field corrected —
//! brings them back without a new upload. Only that session can name them.

use egov_storage::kept_uploads as kdb;

use super::Upload;
use crate::{now_ms, AppError, AppResult, Caller, Services};

/// A kept upload as the form shows it.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct KeptFile {
    pub id: i64,
    pub name: String,
    pub size: i64,
}

impl Services {
    /// Keeps `uploads` for the caller's browser session. A file that fails the file checks is
    /// not kept (its error comes with the next submission); without a browser session (an API
    /// token) nothing is kept.
    pub async fn keep_uploads(&self, caller: &Caller, uploads: Vec<Upload>) -> AppResult<Vec<KeptFile>> {
        let Some(session_id) = caller.session_id else { return Ok(Vec::new()) };
        if uploads.is_empty() {
            return Ok(Vec::new());
        }
        let store = self.files.clone();
        let max = self.settings.max_file_bytes;
        let stored = tokio::task::spawn_blocking(move || -> AppResult<Vec<(String, String, i64)>> {
            let mut out = Vec::new();
            for u in uploads {
                if let Ok(inspected) = egov_files::inspect(&u.name, &u.bytes, max) {
                    store.put_with_sha(&inspected.sha256, &u.bytes).map_err(AppError::internal)?;
                    out.push((u.name, inspected.sha256, i64::try_from(u.bytes.len()).unwrap_or(i64::MAX)));
                }
            }
            Ok(out)
        })
        .await
        .map_err(AppError::internal)??;
        let now = now_ms();
        let mut tx = self.store.begin().await?;
        let mut kept = Vec::with_capacity(stored.len());
        for (name, sha, size) in stored {
            let id = kdb::insert(&mut tx, session_id, &sha, &name, size, now).await?;
            kept.push(KeptFile { id, name, size });
        }
        tx.commit().await?;
        Ok(kept)
    }

    /// The uploads kept for the caller's session under `ids`, read back from the file store.
    /// An id that is not this session's (or has expired) is refused on the `files` field.
    pub async fn kept_uploads(&self, caller: &Caller, ids: &[i64]) -> AppResult<Vec<Upload>> {
        if ids.is_empty() {
            return Ok(Vec::new());
        }
        let gone = || {
            AppError::invalid(
                "files",
                "kept_file_gone",
                "Tệp đã tải lên trước đó không còn được giữ; vui lòng chọn lại tệp.",
                "A file uploaded earlier is no longer kept; please choose it again.",
            )
        };
        let session_id = caller.session_id.ok_or_else(gone)?;
        let rows = {
            let mut c = self.store.read().await?;
            kdb::of_session(&mut c, session_id, ids, now_ms()).await?
        };
        if rows.len() != ids.len() {
            return Err(gone());
        }
        let store = self.files.clone();
        tokio::task::spawn_blocking(move || {
            rows.into_iter()
                .map(|r| match store.get(&r.sha256) {
                    Ok(bytes) => Ok(Upload { name: r.name, bytes }),
                    Err(e) if e.kind() == std::io::ErrorKind::NotFound => Err(gone()),
                    Err(e) => Err(AppError::internal(e)),
                })
                .collect()
        })
        .await
        .map_err(AppError::internal)?
    }
}
