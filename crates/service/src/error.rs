//! The one error type of egov. The web crate turns it into an HTML page or a JSON envelope.

use egov_domain::FieldError;
use egov_storage::StorageError;

/// Everything a service call can answer besides success.
#[derive(Debug, thiserror::Error)]
pub enum AppError {
    /// Input failed validation; one entry per field at fault.
    #[error("invalid input: {}", .0.iter().map(|e| e.to_string()).collect::<Vec<_>>().join("; "))]
    Invalid(Vec<FieldError>),
    /// The value collides with an existing record (a username taken, a code in use).
    #[error("conflict: {0}")]
    Conflict(FieldError),
    /// No such thing, or the caller may not know it exists.
    #[error("not found")]
    NotFound,
    /// Signed in, but not allowed.
    #[error("forbidden")]
    Forbidden,
    /// Signed in, but the password must be changed before anything else.
    #[error("password change required")]
    PasswordChangeRequired,
    /// Not signed in, or the session or token is no longer valid.
    #[error("authentication required")]
    Unauthenticated,
    /// Wrong username or password: one answer for both, so accounts cannot be discovered.
    #[error("wrong username or password")]
    BadCredentials,
    /// Too many failed attempts for this account or address.
    #[error("too many attempts; retry in {retry_after_secs} s")]
    Throttled {
        /// Seconds until the next attempt is allowed.
        retry_after_secs: u64,
    },
    /// The database cannot be reached.
    #[error("service unavailable")]
    Unavailable,
    /// A bug or an unexpected failure: logged with its cause, never shown to users.
    #[error("internal error")]
    Internal(#[source] anyhow::Error),
}

/// Result of a service call.
pub type AppResult<T> = Result<T, AppError>;

impl AppError {
    /// One invalid field.
    pub fn field(e: FieldError) -> AppError {
        AppError::Invalid(vec![e])
    }

    /// One invalid field, built in place.
    pub fn invalid(field: &'static str, code: &'static str, vi: &str, en: &str) -> AppError {
        AppError::field(FieldError::new(field, code, vi, en))
    }

    /// Renames the field of field errors from `from` to `to` (when a form names it differently).
    pub fn remap(self, from: &str, to: &'static str) -> AppError {
        let fix = |e: FieldError| if e.field == from { e.with_field(to) } else { e };
        match self {
            AppError::Invalid(list) => AppError::Invalid(list.into_iter().map(fix).collect()),
            AppError::Conflict(e) => AppError::Conflict(fix(e)),
            other => other,
        }
    }

    /// Wraps an unexpected failure.
    pub fn internal(e: impl Into<anyhow::Error>) -> AppError {
        AppError::Internal(e.into())
    }
}

impl From<StorageError> for AppError {
    fn from(e: StorageError) -> Self {
        match e {
            StorageError::Duplicate { field } => AppError::Conflict(FieldError::new(
                field,
                "duplicate",
                "Giá trị này đã được sử dụng.",
                "This value is already in use.",
            )),
            StorageError::Unavailable(cause) => {
                tracing::error!(%cause, "database unavailable");
                AppError::Unavailable
            }
            other => AppError::Internal(other.into()),
        }
    }
}

/// Collects field errors across a form so the user sees every problem at once.
#[derive(Debug, Default)]
pub struct Check {
    errors: Vec<FieldError>,
}

impl Check {
    /// Starts an empty check.
    pub fn new() -> Check {
        Check::default()
    }

    /// Keeps the value, or records its error.
    pub fn take<T>(&mut self, r: Result<T, FieldError>) -> Option<T> {
        match r {
            Ok(v) => Some(v),
            Err(e) => {
                self.errors.push(e);
                None
            }
        }
    }

    /// Records an error.
    pub fn push(&mut self, e: FieldError) {
        self.errors.push(e);
    }

    /// Ok when nothing was recorded.
    pub fn finish(self) -> AppResult<()> {
        if self.errors.is_empty() {
            Ok(())
        } else {
            Err(AppError::Invalid(self.errors))
        }
    }
}
