//! Text rules shared by the reader, the validator and the writer, so that what one accepts the other
//! writes back identically: which characters XML 1.0 can carry, trimming, Unicode NFC, and escaping.

use std::borrow::Cow;

use unicode_normalization::{is_nfc_quick, IsNormalized, UnicodeNormalization};

/// `s` in Unicode NFC (composed: `ệ` as one character, as egov stores every text), borrowed when
/// it already is (the usual case, checked quickly).
pub(crate) fn nfc(s: &str) -> Cow<'_, str> {
    if s.is_ascii() || is_nfc_quick(s.chars()) == IsNormalized::Yes {
        Cow::Borrowed(s)
    } else {
        Cow::Owned(s.nfc().collect())
    }
}

/// `true` for a character XML 1.0 can carry (the `Char` production).
pub(crate) fn is_xml_char(c: char) -> bool {
    matches!(c, '\t' | '\n' | '\r' | '\u{20}'..='\u{D7FF}' | '\u{E000}'..='\u{FFFD}' | '\u{10000}'..='\u{10FFFF}')
}

/// The first character XML cannot carry, if any.
///
/// Scans bytes: in UTF-8 the only characters outside `Char` are the C0 controls other than tab,
/// line feed and carriage return (single bytes) and U+FFFE/U+FFFF (`EF BF BE`/`EF BF BF`);
/// surrogates cannot occur in a `str`.
pub(crate) fn first_bad_char(s: &str) -> Option<char> {
    let b = s.as_bytes();
    let bad_at = b.iter().enumerate().position(|(i, &c)| {
        (c < 0x20 && !matches!(c, b'\t' | b'\n' | b'\r'))
            || (c == 0xEF && b.get(i + 1) == Some(&0xBF) && matches!(b.get(i + 2), Some(0xBE | 0xBF)))
    })?;
    s[bad_at..].chars().next()
}

/// Appends `s` in NFC, escaped for element content: `&`, `<`, `>` and carriage returns (which a
/// parser would otherwise fold into line feeds).
pub(crate) fn escape_text_into(out: &mut String, s: &str) {
    for c in nfc(s).chars() {
        match c {
            '&' => out.push_str("&amp;"),
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            '\r' => out.push_str("&#13;"),
            c => out.push(c),
        }
    }
}

/// Appends `s` escaped for a double-quoted attribute value.
pub(crate) fn escape_attr_into(out: &mut String, s: &str) {
    for c in s.chars() {
        match c {
            '&' => out.push_str("&amp;"),
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            '"' => out.push_str("&quot;"),
            '\r' => out.push_str("&#13;"),
            '\n' => out.push_str("&#10;"),
            '\t' => out.push_str("&#9;"),
            c => out.push(c),
        }
    }
}

/// The plain form of an attachment content id: without `cid:` prefixes, angle brackets or spaces
/// around it. Real systems send `cid:x` in one place and `x` or `<x>` in the other.
pub(crate) fn plain_content_id(s: &str) -> &str {
    let mut s = s.trim();
    loop {
        let before = s;
        if s.len() >= 4 && s.is_char_boundary(4) && s[..4].eq_ignore_ascii_case("cid:") {
            s = s[4..].trim();
        }
        if let Some(inner) = s.strip_prefix('<').and_then(|x| x.strip_suffix('>')) {
            s = inner.trim();
        }
        if s == before {
            return s;
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn escaping_and_ids() {
        let mut out = String::new();
        escape_text_into(&mut out, "a<b>&c\r\n\"'");
        assert_eq!(out, "a&lt;b&gt;&amp;c&#13;\n\"'");
        let mut a = String::new();
        escape_attr_into(&mut a, "x\"y\tz");
        assert_eq!(a, "x&quot;y&#9;z");
        assert_eq!(plain_content_id(" cid:<CID:abc> "), "abc");
        assert_eq!(plain_content_id("abc"), "abc");
        assert!(!is_xml_char('\u{1}'));
        assert!(!is_xml_char('\u{FFFE}'));
        assert!(is_xml_char('Đ'));
        assert_eq!(first_bad_char("aĐ\u{FFFD}\u{10000}\t\r\n"), None);
        assert_eq!(first_bad_char("aĐ\u{FFFE}"), Some('\u{FFFE}'));
        assert_eq!(first_bad_char("x\u{FFFF}"), Some('\u{FFFF}'));
        assert_eq!(first_bad_char("x\u{1F}"), Some('\u{1F}'));
        assert_eq!(first_bad_char("\u{7F}\u{85}"), None);
        // NFD "Quyết định" (e + circumflex + acute, d + i + dot below…) composes.
        let nfd = "Quye\u{302}\u{301}t đi\u{323}nh";
        assert_eq!(nfc(nfd), "Quyết định");
        assert!(matches!(nfc("Quyết định"), Cow::Borrowed(_)));
        let mut w = String::new();
        escape_text_into(&mut w, nfd);
        assert_eq!(w, "Quyết định");
    }
}
