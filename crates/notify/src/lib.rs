//! The delivery channels of notifications, standing alone (no database, no egov types):
//!
//! - [`mail`] sends one message over SMTP (lettre, rustls): it owns the SMTP URL forms, the
//!   MIME building (UTF-8 names, subjects and bodies) and the sorting of SMTP failures.
//! - [`push`] checks a browser's Web Push subscription, encrypts a payload for it (RFC 8291,
//!   `aes128gcm` of RFC 8188) and posts it with a VAPID identification (RFC 8292).
//!
//! The service crate decides who gets what and when; this crate only carries a message and
//! says whether trying again may help (`Transient`), will never help (`Permanent`), or, for
//! push, that the subscription is gone and should be dropped.

#![forbid(unsafe_code)]

pub mod mail;
pub mod push;

/// The error with its causes, `a: b: c` (a cause already in the text is not repeated).
pub(crate) fn error_chain(e: &dyn std::error::Error) -> String {
    let mut text = e.to_string();
    let mut source = e.source();
    while let Some(cause) = source {
        let more = cause.to_string();
        if !text.contains(&more) {
            text.push_str(": ");
            text.push_str(&more);
        }
        source = cause.source();
    }
    text
}
