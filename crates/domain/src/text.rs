//! Text hygiene: Unicode NFC on the way in, whitespace and control-character cleanup, and diacritic folding for search.

use unicode_normalization::char::is_combining_mark;
use unicode_normalization::UnicodeNormalization;

use crate::error::FieldError;

/// What a text field may hold, for [`check_text`] and [`text_from_bytes`].
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum TextKind {
    /// One line (a name, a number, a subject): tab allowed, line breaks refused.
    SingleLine,
    /// Several lines (a note, a directive, a comment): tab and line breaks (`\n`, `\r\n`) allowed.
    MultiLine,
}

/// Checks that a field's text holds no character that never belongs in stored text: NUL and the
/// other C0 and C1 control characters (tab always allowed; `\n` and `\r` only in
/// [`TextKind::MultiLine`] fields) and U+FFFD, the replacement character left behind by a lossy
/// decoding upstream. Codes: `"control_character"`, `"line_break"`, `"replacement_character"`.
///
/// Such input is refused, never cleaned silently: the sender learns its text was damaged.
pub fn check_text(s: &str, field: &'static str, kind: TextKind) -> Result<(), FieldError> {
    for c in s.chars() {
        match c {
            '\t' => {}
            '\n' | '\r' if kind == TextKind::MultiLine => {}
            '\n' | '\r' => {
                return Err(FieldError::new(
                    field,
                    "line_break",
                    "Trường này chỉ nhận một dòng; hãy bỏ dấu xuống dòng.",
                    "This field takes a single line; remove the line break.",
                ))
            }
            '\u{FFFD}' => {
                return Err(FieldError::new(
                    field,
                    "replacement_character",
                    "Văn bản có ký tự thay thế (�): dữ liệu đã bị hỏng mã hoá trước khi gửi. Hãy nhập lại.",
                    "The text holds a replacement character (�): it was damaged by a wrong encoding before it \
                     was sent. Enter it again.",
                ))
            }
            c if c.is_control() => {
                return Err(FieldError::new(
                    field,
                    "control_character",
                    format!("Văn bản có ký tự điều khiển không được phép (U+{:04X}).", u32::from(c)),
                    format!("The text holds a control character that is not allowed (U+{:04X}).", u32::from(c)),
                ))
            }
            _ => {}
        }
    }
    Ok(())
}

/// Reads a text field sent as bytes (a multipart part, a form value): it must be valid UTF-8
/// (code `"invalid_utf8"`; never decoded lossily into U+FFFD) and pass [`check_text`].
pub fn text_from_bytes<'a>(bytes: &'a [u8], field: &'static str, kind: TextKind) -> Result<&'a str, FieldError> {
    let s = std::str::from_utf8(bytes).map_err(|_| {
        FieldError::new(
            field,
            "invalid_utf8",
            "Văn bản không phải là UTF-8 hợp lệ; hãy gửi lại bằng bảng mã UTF-8.",
            "The text is not valid UTF-8; send it again encoded as UTF-8.",
        )
    })?;
    check_text(s, field, kind)?;
    Ok(s)
}

/// Invisible characters that are not `char::is_control` but never belong in stored text.
fn is_invisible_junk(c: char) -> bool {
    matches!(c, '\u{FEFF}' | '\u{200B}')
}

/// Normalises a single-line value: strips control characters, collapses every run of
/// whitespace (spaces, tabs, newlines, non-breaking spaces …) into one space, trims, and
/// returns the result in Unicode NFC.
///
/// Idempotent: `normalize(&normalize(s)) == normalize(s)`.
pub fn normalize(s: &str) -> String {
    let mut cleaned = String::with_capacity(s.len());
    let mut pending_space = false;
    for c in s.chars() {
        if c.is_whitespace() {
            pending_space = !cleaned.is_empty();
        } else if c.is_control() || is_invisible_junk(c) {
            continue;
        } else {
            if pending_space {
                cleaned.push(' ');
                pending_space = false;
            }
            cleaned.push(c);
        }
    }
    cleaned.nfc().collect()
}

/// Normalises a multi-line value (a comment, a directive): `\r\n` and lone `\r` become `\n`,
/// tabs become spaces, other control characters are removed, the whole text is trimmed and
/// returned in Unicode NFC. Line structure and inner spacing are otherwise kept.
pub fn normalize_multiline(s: &str) -> String {
    let mut cleaned = String::with_capacity(s.len());
    let mut chars = s.chars().peekable();
    while let Some(c) = chars.next() {
        match c {
            '\r' => {
                if chars.peek() == Some(&'\n') {
                    chars.next();
                }
                cleaned.push('\n');
            }
            '\n' => cleaned.push('\n'),
            '\t' => cleaned.push(' '),
            c if c.is_control() || is_invisible_junk(c) => {}
            c => cleaned.push(c),
        }
    }
    let nfc: String = cleaned.nfc().collect();
    nfc.trim().to_owned()
}

/// Folds text for accent-insensitive search: lowercase, decompose (NFD), drop combining
/// marks, and map `đ`/`Đ` to `d`, so `fold("Quyết định Đà Nẵng") == "quyet dinh da nang"`.
///
/// Whitespace is kept as is; run [`normalize`] first when the input is raw.
pub fn fold(s: &str) -> String {
    s.to_lowercase().nfd().filter(|&c| !is_combining_mark(c)).map(|c| if c == 'đ' { 'd' } else { c }).collect()
}

/// Vietnamese written without diacritics, case kept (`Nguyễn Văn Đức` → `Nguyen Van Duc`), for places that can
/// only show ASCII (a mark printed with a standard PDF font).
pub fn without_diacritics(s: &str) -> String {
    s.nfd()
        .filter(|&c| !is_combining_mark(c))
        .map(|c| match c {
            'đ' => 'd',
            'Đ' => 'D',
            c => c,
        })
        .collect()
}

#[cfg(test)]
#[allow(clippy::unwrap_used)]
mod tests {
    use super::*;
    use crate::testutil::Rng;

    #[test]
    fn check_text_refuses_controls_and_replacement_characters() {
        use TextKind::*;
        assert!(check_text("Ủy ban\tnhân dân", "f", SingleLine).is_ok());
        assert!(check_text("Dòng 1\r\nDòng 2\n", "f", MultiLine).is_ok());
        assert_eq!(check_text("a\nb", "f", SingleLine).map_err(|e| e.code), Err("line_break"));
        assert_eq!(check_text("a\u{0}b", "f", MultiLine).map_err(|e| e.code), Err("control_character"));
        assert_eq!(check_text("a\u{7}b", "f", SingleLine).map_err(|e| e.code), Err("control_character"));
        assert_eq!(check_text("a\u{85}b", "f", MultiLine).map_err(|e| e.code), Err("control_character"));
        assert_eq!(check_text("a\u{7F}", "f", MultiLine).map_err(|e| e.code), Err("control_character"));
        assert_eq!(check_text("H\u{FFFD}", "f", SingleLine).map_err(|e| e.code), Err("replacement_character"));
        assert_eq!(text_from_bytes(b"ok", "f", SingleLine), Ok("ok"));
        let e = text_from_bytes(b"S\xe1 T\xe0i", "subject", SingleLine).unwrap_err();
        assert_eq!((e.field, e.code), ("subject", "invalid_utf8"));
    }

    #[test]
    fn diacritics_go_and_case_stays() {
        assert_eq!(without_diacritics("Nguyễn Văn Đức, Ủy ban"), "Nguyen Van Duc, Uy ban");
    }

    #[test]
    fn normalize_collapses_whitespace_and_strips_controls() {
        assert_eq!(normalize("  Ủy ban\t\tnhân   dân\n tỉnh  "), "Ủy ban nhân dân tỉnh");
        assert_eq!(normalize("a\u{0}b\u{7}c"), "abc");
        assert_eq!(normalize("a\u{00A0}\u{2003}b"), "a b");
        assert_eq!(normalize("\u{FEFF}Hà\u{200B}Nội"), "HàNội");
        assert_eq!(normalize(""), "");
        assert_eq!(normalize(" \t\r\n "), "");
    }

    #[test]
    fn normalize_produces_nfc_from_decomposed_input() {
        // "Quyết" with the accents as separate combining marks.
        let decomposed = "Quye\u{0302}\u{0301}t đi\u{0323}nh";
        assert_ne!(decomposed, "Quyết định");
        assert_eq!(normalize(decomposed), "Quyết định");
        // A control character between a letter and its mark does not block composition.
        assert_eq!(normalize("e\u{1}\u{0301}"), "é");
    }

    #[test]
    fn normalize_multiline_keeps_lines() {
        assert_eq!(normalize_multiline("\r\n Dòng 1\r\nDòng 2\rDòng\t3\u{0}\n\n"), "Dòng 1\nDòng 2\nDòng 3");
        assert_eq!(normalize_multiline("a\n\nb"), "a\n\nb");
        assert_eq!(normalize_multiline("ho\u{0302}\u{0300}"), "hồ");
    }

    #[test]
    fn fold_removes_diacritics_and_maps_d_stroke() {
        assert_eq!(fold("Quyết định Đà Nẵng"), "quyet dinh da nang");
        assert_eq!(fold("Quye\u{0302}\u{0301}t \u{0110}i\u{0323}nh"), "quyet dinh");
        assert_eq!(fold("ỦY BAN NHÂN DÂN"), "uy ban nhan dan");
        assert_eq!(fold("Hồ Chí Minh"), "ho chi minh");
        assert_eq!(fold("QĐ-UBND"), "qd-ubnd");
    }

    const ALPHABET: &[char] = &[
        'a', 'A', 'đ', 'Đ', 'ế', 'Ệ', 'ư', 'ơ', 'e', '\u{0301}', '\u{0302}', '\u{0323}', ' ', '\t', '\n', '\r',
        '\u{0}', '\u{7F}', '\u{A0}', '\u{FEFF}', '1', '.', '<',
    ];

    #[test]
    fn property_normalize_is_idempotent_and_clean() {
        let mut rng = Rng::new(7);
        for _ in 0..3000 {
            let s = rng.string_from(ALPHABET, 24);
            let n = normalize(&s);
            assert_eq!(normalize(&n), n, "not idempotent for {s:?}");
            assert_eq!(n.trim(), n);
            assert!(!n.contains("  "));
            assert!(!n.chars().any(|c| c.is_control() || c == '\t'));
            assert!(n.chars().eq(n.nfc()));

            let m = normalize_multiline(&s);
            assert_eq!(normalize_multiline(&m), m, "multiline not idempotent for {s:?}");
            assert!(!m.contains('\r'));
        }
    }

    #[test]
    fn property_fold_is_idempotent_and_ignores_composition() {
        let mut rng = Rng::new(11);
        for _ in 0..3000 {
            let s = rng.string_from(ALPHABET, 24);
            let f = fold(&s);
            assert_eq!(fold(&f), f, "not idempotent for {s:?}");
            let composed: String = s.nfc().collect();
            let decomposed: String = s.nfd().collect();
            assert_eq!(fold(&composed), fold(&decomposed));
            assert!(!f.chars().any(|c| is_combining_mark(c) || c == 'đ'));
        }
    }
}
