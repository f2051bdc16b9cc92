//! Files of a failed form kept for the browser session (`egov_service::documents::kept`): read
//! back from the ticked `kept` boxes of a submission, and kept again when the form fails once
//! more, so that a chosen PDF is never lost to a field error or a duplicate warning.

use egov_service::documents::kept::KeptFile;
use egov_service::{AppError, Caller, Services};

use crate::api::documents::MultipartForm;

/// The kept files the submission still ticks, added to its uploads.
pub(crate) async fn restore(services: &Services, caller: &Caller, form: &mut MultipartForm) -> Result<(), AppError> {
    let mut ids = Vec::new();
    for v in form.shown("kept") {
        match v.parse::<i64>() {
            Ok(id) if !ids.contains(&id) => ids.push(id),
            Ok(_) => {}
            Err(_) => {
                return Err(AppError::invalid(
                    "files",
                    "kept_file_gone",
                    "Tệp đã tải lên trước đó không còn được giữ; vui lòng chọn lại tệp.",
                    "A file uploaded earlier is no longer kept; please choose it again.",
                ))
            }
        }
    }
    let mut uploads = services.kept_uploads(caller, &ids).await?;
    form.files.append(&mut uploads);
    Ok(())
}

/// Keeps the submission's uploads (new and restored) to offer them again on the form shown with
/// its errors. Keeping is best effort: a failure is logged and the form simply offers nothing.
pub(crate) async fn keep(services: &Services, caller: &Caller, form: &mut MultipartForm) {
    let files = std::mem::take(&mut form.files);
    form.kept = match services.keep_uploads(caller, files).await {
        Ok(kept) => kept,
        Err(e) => {
            tracing::warn!(error = %e, "uploads of a failed form could not be kept");
            Vec::<KeptFile>::new()
        }
    };
}
