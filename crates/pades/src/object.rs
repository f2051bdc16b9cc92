//! Writing PDF objects as bytes (for incremental updates) and PDF strings and dates.
use lopdf::{Dictionary, Object, StringFormat};
use std::io::Write;

/// Appends the PDF syntax of `object` to `out`.
pub(crate) fn write_object(out: &mut Vec<u8>, object: &Object) {
    match object {
        Object::Null => out.extend_from_slice(b"null"),
        Object::Boolean(b) => out.extend_from_slice(if *b { b"true" } else { b"false" }),
        Object::Integer(i) => {
            let _ = write!(out, "{i}");
        }
        Object::Real(r) => write_real(out, *r),
        Object::Name(name) => write_name(out, name),
        Object::String(bytes, StringFormat::Hexadecimal) => {
            out.push(b'<');
            out.extend_from_slice(hex::encode_upper(bytes).as_bytes());
            out.push(b'>');
        }
        Object::String(bytes, StringFormat::Literal) => write_literal(out, bytes),
        Object::Array(items) => {
            out.push(b'[');
            for (i, item) in items.iter().enumerate() {
                if i > 0 {
                    out.push(b' ');
                }
                write_object(out, item);
            }
            out.push(b']');
        }
        Object::Dictionary(dict) => write_dictionary(out, dict),
        Object::Stream(stream) => {
            let mut dict = stream.dict.clone();
            dict.set("Length", Object::Integer(stream.content.len() as i64));
            write_dictionary(out, &dict);
            out.extend_from_slice(b"\nstream\n");
            out.extend_from_slice(&stream.content);
            out.extend_from_slice(b"\nendstream");
        }
        Object::Reference((id, generation)) => {
            let _ = write!(out, "{id} {generation} R");
        }
    }
}

pub(crate) fn write_dictionary(out: &mut Vec<u8>, dict: &Dictionary) {
    out.extend_from_slice(b"<<");
    for (key, value) in dict.iter() {
        write_name(out, key);
        out.push(b' ');
        write_object(out, value);
    }
    out.extend_from_slice(b">>");
}

fn write_real(out: &mut Vec<u8>, r: f32) {
    if r.fract() == 0.0 && r.abs() < 1e9 {
        let _ = write!(out, "{}", r as i64);
    } else {
        let text = format!("{r:.3}");
        out.extend_from_slice(text.trim_end_matches('0').trim_end_matches('.').as_bytes());
    }
}

fn write_name(out: &mut Vec<u8>, name: &[u8]) {
    out.push(b'/');
    for &b in name {
        let regular = b.is_ascii_graphic() && !b"()<>[]{}/%#".contains(&b);
        if regular {
            out.push(b);
        } else {
            let _ = write!(out, "#{b:02X}");
        }
    }
}

fn write_literal(out: &mut Vec<u8>, bytes: &[u8]) {
    out.push(b'(');
    for &b in bytes {
        match b {
            b'(' | b')' | b'\\' => {
                out.push(b'\\');
                out.push(b);
            }
            b'\r' => out.extend_from_slice(b"\\r"),
            b'\n' => out.extend_from_slice(b"\\n"),
            _ => out.push(b),
        }
    }
    out.push(b')');
}

/// A PDF text string: ASCII as a literal, anything else as UTF-16BE with a byte-order mark.
pub(crate) fn text_string(text: &str) -> Object {
    if text.bytes().all(|b| (0x20..0x7f).contains(&b)) {
        Object::String(text.as_bytes().to_vec(), StringFormat::Literal)
    } else {
        let mut bytes = vec![0xfe, 0xff];
        for unit in text.encode_utf16() {
            bytes.extend_from_slice(&unit.to_be_bytes());
        }
        Object::String(bytes, StringFormat::Hexadecimal)
    }
}

/// Decodes a PDF text string: UTF-16BE or UTF-8 with a byte-order mark; without one, UTF-8 when the bytes are
/// UTF-8 with some non-ASCII (poppler's `pdfsig` and other signing tools write the signer's `/Name` so), else
/// PDFDocEncoding.
pub(crate) fn decode_text(bytes: &[u8]) -> String {
    if let Some(rest) = bytes.strip_prefix(&[0xfe, 0xff]) {
        let units: Vec<u16> = rest.chunks_exact(2).map(|c| u16::from_be_bytes([c[0], c[1]])).collect();
        String::from_utf16_lossy(&units)
    } else if let Some(rest) = bytes.strip_prefix(&[0xef, 0xbb, 0xbf]) {
        String::from_utf8_lossy(rest).into_owned()
    } else if let Some(text) = std::str::from_utf8(bytes).ok().filter(|t| !t.is_ascii()) {
        text.to_owned()
    } else {
        bytes.iter().map(|&b| pdf_doc_char(b)).collect()
    }
}

/// One byte of PDFDocEncoding (PDF 32000-1, annex D): Latin-1 apart from 0x18–0x1F and 0x80–0xA0
/// (0x9F is undefined).
fn pdf_doc_char(b: u8) -> char {
    const LOW: [char; 8] = ['\u{2d8}', '\u{2c7}', '\u{2c6}', '\u{2d9}', '\u{2dd}', '\u{2db}', '\u{2da}', '\u{2dc}'];
    const HIGH: [char; 33] = [
        '\u{2022}', '\u{2020}', '\u{2021}', '\u{2026}', '\u{2014}', '\u{2013}', '\u{192}', '\u{2044}', '\u{2039}',
        '\u{203a}', '\u{2212}', '\u{2030}', '\u{201e}', '\u{201c}', '\u{201d}', '\u{2018}', '\u{2019}', '\u{201a}',
        '\u{2122}', '\u{fb01}', '\u{fb02}', '\u{141}', '\u{152}', '\u{160}', '\u{178}', '\u{17d}', '\u{131}',
        '\u{142}', '\u{153}', '\u{161}', '\u{17e}', '\u{fffd}', '\u{20ac}',
    ];
    match b {
        0x18..=0x1f => LOW[usize::from(b - 0x18)],
        0x80..=0xa0 => HIGH[usize::from(b - 0x80)],
        _ => char::from(b),
    }
}

/// The calendar fields (year, month, day, hour, minute, second) of a Unix time in Vietnam time (UTC+7), the
/// offset of every signing time egov writes.
fn vietnam_fields(unix: i64) -> (i32, u8, u8, u8, u8, u8) {
    let offset = time::UtcOffset::from_hms(7, 0, 0).unwrap_or(time::UtcOffset::UTC);
    let t =
        time::OffsetDateTime::from_unix_timestamp(unix).unwrap_or(time::OffsetDateTime::UNIX_EPOCH).to_offset(offset);
    (t.year(), u8::from(t.month()), t.day(), t.hour(), t.minute(), t.second())
}

/// `D:20261121101500+07'00'`, the PDF date of a Unix time in Vietnam time.
pub(crate) fn pdf_date(unix: i64) -> String {
    let (y, mo, d, h, mi, s) = vietnam_fields(unix);
    format!("D:{y:04}{mo:02}{d:02}{h:02}{mi:02}{s:02}+07'00'")
}

/// `2026-11-21T10:15:00+07:00`, ISO 8601 in Vietnam time.
pub fn iso_time(unix: i64) -> String {
    let (y, mo, d, h, mi, s) = vietnam_fields(unix);
    format!("{y:04}-{mo:02}-{d:02}T{h:02}:{mi:02}:{s:02}+07:00")
}

/// Reads a PDF date (`D:YYYYMMDDHHmmSS+HH'mm'`, later parts optional) as a Unix time.
pub(crate) fn parse_pdf_date(text: &str) -> Option<i64> {
    let s = text.strip_prefix("D:").unwrap_or(text);
    let digits = |from: usize, len: usize, default: i64| -> Option<i64> {
        match s.get(from..from + len) {
            Some(part) if part.bytes().all(|b| b.is_ascii_digit()) => part.parse().ok(),
            Some(_) => None,
            None => Some(default),
        }
    };
    let year = digits(0, 4, 0)?;
    if s.len() < 4 {
        return None;
    }
    let month = digits(4, 2, 1)?;
    let day = digits(6, 2, 1)?;
    let hour = digits(8, 2, 0)?;
    let minute = digits(10, 2, 0)?;
    let second = digits(12, 2, 0)?;
    let mut offset_seconds = 0i64;
    if let Some(sign) = s.get(14..15) {
        if sign == "+" || sign == "-" {
            let oh = digits(15, 2, 0)?;
            let om = s.get(18..20).and_then(|p| p.parse::<i64>().ok()).unwrap_or(0);
            offset_seconds = (oh * 3600 + om * 60) * if sign == "-" { -1 } else { 1 };
        }
    }
    let month = time::Month::try_from(u8::try_from(month).ok()?).ok()?;
    let date = time::Date::from_calendar_date(i32::try_from(year).ok()?, month, u8::try_from(day).ok()?).ok()?;
    let t = date.with_hms(u8::try_from(hour).ok()?, u8::try_from(minute).ok()?, u8::try_from(second).ok()?).ok()?;
    Some(t.assume_utc().unix_timestamp() - offset_seconds)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn text_strings_in_utf16_utf8_and_pdf_doc_encoding() {
        let vietnamese = "Cơ quan Văn thư tỉnh";
        let Object::String(utf16, _) = text_string(vietnamese) else { panic!("a string") };
        assert_eq!(decode_text(&utf16), vietnamese);
        assert_eq!(decode_text(vietnamese.as_bytes()), vietnamese, "UTF-8 without a byte-order mark (pdfsig's /Name)");
        assert_eq!(decode_text(&[&[0xef, 0xbb, 0xbf][..], vietnamese.as_bytes()].concat()), vietnamese);
        assert_eq!(decode_text(b"Ha Noi"), "Ha Noi");
        // PDFDocEncoding: Latin-1 letters, and its own quotes and dashes.
        assert_eq!(decode_text(&[b'C', 0xe0, b' ', 0x8d, b'x', 0x8e, 0x84]), "Cà \u{201c}x\u{201d}\u{2014}");
    }

    #[test]
    fn dates_round_trip_in_vietnam_time() {
        let unix = 1_795_000_000;
        let d = pdf_date(unix);
        assert!(d.ends_with("+07'00'"), "{d}");
        assert_eq!(parse_pdf_date(&d), Some(unix));
        assert_eq!(parse_pdf_date("D:2026"), Some(1_767_225_600));
        assert_eq!(parse_pdf_date("D:20261121030000Z"), parse_pdf_date("D:20261121100000+07'00'"));
        assert_eq!(parse_pdf_date("D:20xx"), None);
        assert!(iso_time(unix).ends_with("+07:00"));
    }

    #[test]
    fn names_strings_and_text_are_escaped() {
        let mut out = Vec::new();
        write_object(&mut out, &Object::Name(b"A B/C".to_vec()));
        assert_eq!(out, b"/A#20B#2FC");
        out.clear();
        write_object(&mut out, &Object::String(b"a(b)\\".to_vec(), StringFormat::Literal));
        assert_eq!(out, b"(a\\(b\\)\\\\)");
        assert_eq!(
            decode_text(match &text_string("Nguyễn Văn An") {
                Object::String(b, _) => b,
                _ => unreachable!(),
            }),
            "Nguyễn Văn An"
        );
        out.clear();
        write_object(&mut out, &Object::Real(1.5));
        assert_eq!(out, b"1.5");
    }
}
