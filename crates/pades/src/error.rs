//! The one error type of the crate, with messages an official can act on.
use thiserror::Error;

/// Why a PDF could not be signed or read.
#[derive(Debug, Error)]
pub enum PadesError {
    /// The file is not a PDF this crate can read.
    #[error("Tệp PDF bị hỏng hoặc không đọc được: {0}")]
    BrokenPdf(String),
    /// The file is encrypted: it cannot be signed by incremental update without the owner's password.
    #[error("Tệp PDF đã được mã hóa (đặt mật khẩu), không thể ký.")]
    Encrypted,
    /// The page asked for does not exist.
    #[error("Tệp PDF không có trang {0}.")]
    NoSuchPage(u32),
    /// The signature image is not a usable PNG.
    #[error("Ảnh chữ ký hoặc con dấu phải là tệp PNG hợp lệ: {0}")]
    BadImage(String),
    /// The certificate or key given to a signer cannot be used.
    #[error("Khóa hoặc chứng thư số không dùng được để ký: {0}")]
    BadKey(String),
    /// The signer (token, remote service, stored key) failed to sign.
    #[error("Không ký được: {0}")]
    SignerFailed(String),
    /// The signature does not fit in the space reserved for it.
    #[error("Chữ ký quá lớn ({0} byte) so với chỗ dành sẵn trong tệp.")]
    SignatureTooLarge(usize),
    /// A time-stamp token or request is malformed.
    #[error("Dấu thời gian không hợp lệ: {0}")]
    BadTimestamp(String),
}

impl From<lopdf::Error> for PadesError {
    fn from(e: lopdf::Error) -> Self {
        PadesError::BrokenPdf(e.to_string())
    }
}
