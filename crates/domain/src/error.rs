//! The validation error every parser of this crate returns: a field name, a stable code and bilingual messages.

use crate::lang::Lang;

/// A validation failure tied to one input field.
///
/// `field` is the form field / JSON property name, `code` a stable machine-readable reason
/// (for example `"too_long"`), and the two messages are complete sentences shown to people.
#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
#[error("{field}: {message_en}")]
pub struct FieldError {
    /// Name of the input field the error belongs to.
    pub field: &'static str,
    /// Stable machine-readable reason, snake_case.
    pub code: &'static str,
    /// Message in Vietnamese (with full diacritics).
    pub message_vi: String,
    /// Message in English.
    pub message_en: String,
}

impl FieldError {
    /// Builds an error from its field, code and the Vietnamese and English messages.
    pub fn new(field: &'static str, code: &'static str, vi: impl Into<String>, en: impl Into<String>) -> FieldError {
        FieldError { field, code, message_vi: vi.into(), message_en: en.into() }
    }

    /// The message in the requested language.
    pub fn message(&self, lang: Lang) -> &str {
        match lang {
            Lang::Vi => &self.message_vi,
            Lang::En => &self.message_en,
        }
    }

    /// The same error attributed to another field (e.g. when a value is reused under another name).
    pub fn with_field(mut self, field: &'static str) -> FieldError {
        self.field = field;
        self
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn message_follows_language_and_display_is_english() {
        let e = FieldError::new("username", "required", "Vui lòng nhập tên đăng nhập.", "Enter a username.");
        assert_eq!(e.message(Lang::Vi), "Vui lòng nhập tên đăng nhập.");
        assert_eq!(e.message(Lang::En), "Enter a username.");
        assert_eq!(e.to_string(), "username: Enter a username.");
        assert_eq!(e.with_field("login").field, "login");
    }
}
