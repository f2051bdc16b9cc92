//! The form extractor of the pages: an `application/x-www-form-urlencoded` body whose every value
//! is checked (valid UTF-8 — a lossy decoding would leave U+FFFD —, no control characters, no
//! line break outside the multi-line fields) before it is deserialised, so damaged text is refused
//! with a field error instead of being stored with replacement characters or silently cleaned.

use axum::body::Bytes;
use axum::extract::{FromRequest, Request};
use egov_domain::text::{text_from_bytes, TextKind};
use egov_domain::{FieldError, Lang};
use egov_service::AppError;
use serde::de::DeserializeOwned;

use crate::error::PageError;
use crate::session::RequestContext;

/// Form fields that hold several lines of text (a `<textarea>`).
const MULTILINE: &[&str] = &["text", "note", "directive", "comment", "reason", "result", "body", "message"];

/// A urlencoded form, checked (see the module documentation).
pub(crate) struct Form<T>(pub T);

/// Percent-decodes one form value into bytes (`+` is a space), without any UTF-8 decoding.
fn decode(raw: &[u8]) -> Vec<u8> {
    let mut out = Vec::with_capacity(raw.len());
    let mut i = 0;
    while i < raw.len() {
        match raw[i] {
            b'+' => out.push(b' '),
            b'%' if i + 2 < raw.len() => {
                let hex = std::str::from_utf8(&raw[i + 1..i + 3]).ok().and_then(|h| u8::from_str_radix(h, 16).ok());
                match hex {
                    Some(b) => {
                        out.push(b);
                        i += 2;
                    }
                    None => out.push(b'%'),
                }
            }
            b => out.push(b),
        }
        i += 1;
    }
    out
}

/// Checks every value of a urlencoded body; the error names the field when it is one of `known`.
pub(crate) fn check_form(body: &[u8]) -> Result<(), FieldError> {
    for pair in body.split(|b| *b == b'&').filter(|p| !p.is_empty()) {
        let (name, value) = match pair.iter().position(|b| *b == b'=') {
            Some(at) => (&pair[..at], &pair[at + 1..]),
            None => (pair, &[][..]),
        };
        let name = String::from_utf8_lossy(&decode(name)).into_owned();
        let kind = if MULTILINE.contains(&name.as_str()) { TextKind::MultiLine } else { TextKind::SingleLine };
        let field = static_name(&name);
        text_from_bytes(&decode(value), field, kind)?;
    }
    Ok(())
}

/// The field name as `'static` for the error (the multi-line names and a fallback).
fn static_name(name: &str) -> &'static str {
    MULTILINE.iter().copied().find(|m| *m == name).unwrap_or("form")
}

impl<S: Send + Sync, T: DeserializeOwned> FromRequest<S> for Form<T> {
    type Rejection = PageError;

    async fn from_request(req: Request, state: &S) -> Result<Self, Self::Rejection> {
        let lang = req.extensions().get::<RequestContext>().map_or(Lang::Vi, |c| c.lang);
        let bad = |e: FieldError| PageError { err: AppError::field(e), lang };
        let bytes = Bytes::from_request(req, state).await.map_err(|_| {
            bad(FieldError::new(
                "form",
                "unreadable",
                "Không đọc được biểu mẫu gửi lên.",
                "The form could not be read.",
            ))
        })?;
        check_form(&bytes).map_err(bad)?;
        serde_html_form::from_bytes(&bytes).map(Form).map_err(|_| {
            bad(FieldError::new(
                "form",
                "malformed",
                "Biểu mẫu gửi lên không đúng định dạng.",
                "The form data is malformed.",
            ))
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn damaged_form_values_are_refused() {
        assert!(check_form(b"csrf=abc&name=Qu%E1%BA%BFt+%C4%91%E1%BB%8Bnh&note=a%0D%0Ab").is_ok());
        assert_eq!(check_form(b"name=S%E1+T%E0i").map_err(|e| e.code), Err("invalid_utf8"));
        assert_eq!(check_form(b"name=a%00b").map_err(|e| e.code), Err("control_character"));
        assert_eq!(check_form(b"name=a%0Ab").map_err(|e| e.code), Err("line_break"));
        assert_eq!(check_form(b"note=a%07b").map_err(|e| (e.field, e.code)), Err(("note", "control_character")));
        assert!(check_form(b"q=100%25&x=%").is_ok());
    }
}
