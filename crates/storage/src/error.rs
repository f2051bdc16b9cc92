//! The storage error, and the one place where database constraint violations become field errors.

use sqlx::error::ErrorKind;

/// What went wrong in the storage layer.
#[derive(Debug, thiserror::Error)]
pub enum StorageError {
    /// The URL or a setting is wrong.
    #[error("database configuration: {0}")]
    Config(String),
    /// The database could not be reached.
    #[error("database unreachable: {0}")]
    Unavailable(String),
    /// A unique constraint rejected the write; `field` names the input that collided.
    #[error("duplicate value for {field}")]
    Duplicate {
        /// The API/form field the constraint protects.
        field: &'static str,
    },
    /// A foreign key or check constraint rejected the write.
    #[error("the write refers to a record that does not exist")]
    Reference,
    /// A migration could not be applied or an applied one was edited.
    #[error("migration: {0}")]
    Migration(String),
    /// Any other database error.
    #[error("database error: {0}")]
    Sql(sqlx::Error),
}

impl StorageError {
    pub(crate) fn unavailable(e: sqlx::Error) -> StorageError {
        StorageError::Unavailable(e.to_string())
    }
}

/// Unique constraints and the field each protects. PostgreSQL reports the constraint name,
/// SQLite the columns (`UNIQUE constraint failed: users.username`); both are listed.
const UNIQUE_FIELDS: &[(&str, &str, &str)] = &[
    ("agencies_code_key_idx", "agencies.code_key", "code"),
    ("agencies_code_key", "agencies.code", "code"),
    ("users_username_key", "users.username", "username"),
    ("role_grants_unique_key", "role_grants.user_id", "role"),
    ("api_tokens_hash_key", "api_tokens.token_hash", "token"),
    ("sessions_token_key", "sessions.token_hash", "session"),
    ("audit_log_seq_key", "audit_log.seq", "seq"),
    ("documents_book_number_key", "documents.book_id", "book_number"),
    ("documents_issued_key", "documents.number_notation", "number_notation"),
    ("case_files_code_key", "case_files.code", "notation"),
    ("saved_searches_name", "saved_searches.user_id", "name"),
    ("documents_exchange_key", "documents.exchange_id", "package"),
];

impl From<sqlx::Error> for StorageError {
    fn from(e: sqlx::Error) -> Self {
        match &e {
            sqlx::Error::Database(db) => match db.kind() {
                ErrorKind::UniqueViolation => {
                    let constraint = db.constraint().unwrap_or_default().to_string();
                    let message = db.message().to_string();
                    let field = UNIQUE_FIELDS
                        .iter()
                        .find(|(name, cols, _)| constraint == *name || message.contains(cols))
                        .map(|(_, _, field)| *field)
                        .unwrap_or("value");
                    StorageError::Duplicate { field }
                }
                ErrorKind::ForeignKeyViolation => StorageError::Reference,
                _ => StorageError::Sql(e),
            },
            sqlx::Error::PoolTimedOut | sqlx::Error::Io(_) | sqlx::Error::Tls(_) => {
                StorageError::Unavailable(e.to_string())
            }
            _ => StorageError::Sql(e),
        }
    }
}
