//! Why an XML signature could not be made or does not verify, in words an operator can act on.
use thiserror::Error;

/// An XML signature problem.
#[derive(Debug, Error, Clone, PartialEq, Eq)]
pub enum XmlDsigError {
    /// The XML cannot be read (malformed, a DTD, an unknown entity).
    #[error("XML không hợp lệ: {0}")]
    Malformed(String),
    /// There is no signature where one is expected.
    #[error("Không có chữ ký số XML (ds:Signature).")]
    NoSignature,
    /// The element that should hold the signature is missing.
    #[error("Không có phần tử {0} để đặt chữ ký.")]
    NoPlace(String),
    /// The signature uses something this implementation does not accept.
    #[error("Chữ ký XML dùng thuật toán hoặc cấu trúc không hỗ trợ: {0}")]
    Unsupported(String),
    /// The document changed after signing.
    #[error("Mã băm của gói tin không khớp: nội dung đã bị thay đổi sau khi ký.")]
    DigestMismatch,
    /// The signature value does not verify with the certificate's key.
    #[error("Giá trị chữ ký không đúng với chứng thư số kèm theo.")]
    BadSignature,
    /// The signer failed.
    #[error("Không ký được: {0}")]
    Signer(String),
}
