//! The files users upload to the egov platform (PDF scans, office documents, images, plain text).
//!
//! - [`store`]: a content-addressed store on local disk, keyed by SHA-256, with durable writes.
//! - [`kind`]: the accepted file types, their media types and how to recognise their content.
//! - [`inspect()`](fn@crate::inspect): checks an upload (name, size, type, content) and, for PDFs, counts the pages and
//!   extracts the text, returning a [`FileProblem`] a clerk can understand when something is wrong.
//!
//! With the `test-support` feature, `sample_pdf` builds small valid PDFs for other crates' tests.
#![forbid(unsafe_code)]

pub mod inspect;
pub mod kind;
mod pdf_text;
#[cfg(any(test, feature = "test-support"))]
pub mod sample;
pub mod store;

pub use inspect::{inspect, inspect_pdf_text, FileProblem, Inspected, MAX_NAME_CHARS, MAX_TEXT_CHARS};
pub use kind::FileKind;
#[cfg(any(test, feature = "test-support"))]
pub use sample::{encrypted_sample_pdf, sample_pdf};
pub use store::{is_sha256_hex, sha256_hex, FileStore};
