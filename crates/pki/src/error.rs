//! The crate's single error type, [`PkiError`], whose messages are written in
//! Vietnamese so they can be shown to an official as they are.

/// Everything that can go wrong while reading, sealing, issuing or checking
/// certificates and keys.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum PkiError {
    /// The PKCS#12 password is wrong (its integrity MAC does not verify).
    #[error("Mật khẩu tệp PKCS#12 không đúng.")]
    WrongPassword,
    /// The PIN protecting a sealed key is wrong (the AES-GCM tag does not verify).
    #[error("Mã PIN không đúng.")]
    WrongPin,
    /// The PKCS#12 file holds certificates but no private key.
    #[error("Tệp không chứa khóa bí mật.")]
    NoPrivateKey,
    /// The input is not a well-formed certificate, key, CRL or container; the
    /// text says which part.
    #[error("Tệp chứng thư số không hợp lệ: {0}.")]
    Malformed(String),
    /// The input is well formed but uses an algorithm or feature this crate
    /// does not handle; the text names it.
    #[error("Chưa hỗ trợ: {0}.")]
    Unsupported(String),
    /// A cryptographic operation failed (key generation, signing, a signature
    /// that does not verify, …); the text gives details.
    #[error("Lỗi mật mã: {0}.")]
    Crypto(String),
}

impl PkiError {
    /// Shorthand for [`PkiError::Malformed`].
    pub(crate) fn malformed(what: impl Into<String>) -> Self {
        Self::Malformed(what.into())
    }

    /// Shorthand for [`PkiError::Crypto`].
    pub(crate) fn crypto(what: impl std::fmt::Display) -> Self {
        Self::Crypto(what.to_string())
    }
}
