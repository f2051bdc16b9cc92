//! Keyset (cursor) pagination: opaque cursors and validated page requests.

use crate::error::FieldError;

/// Prefix of version-1 cursors.
const CURSOR_V1: &str = "v1.";

/// A validated request for one page of a list ordered by id.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct PageRequest {
    /// Return rows after this id (exclusive); `None` for the first page.
    pub after_id: Option<i64>,
    /// Maximum number of rows to return, `1..=MAX_LIMIT`.
    pub limit: u32,
}

impl Default for PageRequest {
    fn default() -> Self {
        PageRequest { after_id: None, limit: Self::DEFAULT_LIMIT }
    }
}

impl PageRequest {
    /// Page size when none is asked for.
    pub const DEFAULT_LIMIT: u32 = 50;
    /// Largest page size allowed.
    pub const MAX_LIMIT: u32 = 200;

    /// Validates the `cursor` and `limit` query parameters.
    ///
    /// An absent or blank cursor means the first page; otherwise it must be one produced by
    /// [`encode_cursor`] (field `"cursor"`). The limit defaults to 50 and must be 1–200 (field `"limit"`).
    pub fn parse(cursor: Option<&str>, limit: Option<u32>) -> Result<PageRequest, FieldError> {
        let limit = limit.unwrap_or(Self::DEFAULT_LIMIT);
        if !(1..=Self::MAX_LIMIT).contains(&limit) {
            return Err(FieldError::new(
                "limit",
                "out_of_range",
                format!("Số dòng mỗi trang phải từ 1 đến {}.", Self::MAX_LIMIT),
                format!("The page size must be between 1 and {}.", Self::MAX_LIMIT),
            ));
        }
        let after_id = match cursor.map(str::trim).filter(|c| !c.is_empty()) {
            None => None,
            Some(c) => Some(decode_cursor(c).ok_or_else(|| {
                FieldError::new(
                    "cursor",
                    "invalid",
                    "Con trỏ phân trang không hợp lệ. Vui lòng tải lại danh sách từ trang đầu.",
                    "Invalid page cursor. Reload the list from the first page.",
                )
            })?),
        };
        Ok(PageRequest { after_id, limit })
    }

    /// How many rows to fetch to know whether another page exists (`limit + 1`).
    pub fn fetch_limit(&self) -> u32 {
        self.limit + 1
    }
}

/// Encodes the last id of a page as an opaque, URL-safe cursor: `"v1."` followed by the id's
/// 64-bit two's-complement value in lowercase hexadecimal without leading zeros.
pub fn encode_cursor(last_id: i64) -> String {
    format!("{CURSOR_V1}{:x}", last_id as u64)
}

/// Decodes a cursor made by [`encode_cursor`]; only the canonical spelling is accepted.
fn decode_cursor(cursor: &str) -> Option<i64> {
    let digits = cursor.strip_prefix(CURSOR_V1)?;
    let canonical = !digits.is_empty()
        && digits.len() <= 16
        && digits.bytes().all(|b| b.is_ascii_digit() || (b'a'..=b'f').contains(&b))
        && (digits == "0" || !digits.starts_with('0'));
    if !canonical {
        return None;
    }
    u64::from_str_radix(digits, 16).ok().map(|v| v as i64)
}

#[cfg(test)]
#[allow(clippy::unwrap_used)]
mod tests {
    use super::*;
    use crate::testutil::Rng;

    #[test]
    fn defaults_and_limits() {
        assert_eq!(PageRequest::parse(None, None).unwrap(), PageRequest::default());
        assert_eq!(PageRequest::parse(Some("  "), Some(1)).unwrap(), PageRequest { after_id: None, limit: 1 });
        assert_eq!(PageRequest::parse(None, Some(200)).unwrap().limit, 200);
        assert_eq!(PageRequest::parse(None, Some(200)).unwrap().fetch_limit(), 201);
        for bad in [0, 201, u32::MAX] {
            let e = PageRequest::parse(None, Some(bad)).unwrap_err();
            assert_eq!((e.field, e.code), ("limit", "out_of_range"));
        }
    }

    #[test]
    fn cursor_round_trip() {
        assert_eq!(encode_cursor(0), "v1.0");
        assert_eq!(encode_cursor(255), "v1.ff");
        assert_eq!(encode_cursor(-1), "v1.ffffffffffffffff");
        let p = PageRequest::parse(Some(&encode_cursor(12345)), Some(10)).unwrap();
        assert_eq!(p, PageRequest { after_id: Some(12345), limit: 10 });
    }

    #[test]
    fn malformed_cursors_are_field_errors() {
        for bad in ["v1.", "v1.FF", "v1.0ff", "v2.ff", "ff", "v1.fffffffffffffffff", "v1.-1", "v1.g", "v1.ff "] {
            let bad_trimmed_ok = bad.trim() != bad;
            let r = PageRequest::parse(Some(bad), None);
            if bad_trimmed_ok {
                assert!(r.is_ok(), "{bad}");
            } else {
                let e = r.unwrap_err();
                assert_eq!((e.field, e.code), ("cursor", "invalid"), "{bad}");
            }
        }
    }

    #[test]
    fn property_cursors_round_trip_and_are_url_safe() {
        let mut rng = Rng::new(5);
        let mut ids: Vec<i64> = vec![i64::MIN, i64::MAX, 0, 1, -1];
        ids.extend((0..2000).map(|_| rng.next_u64() as i64 >> rng.below(63)));
        for id in ids {
            let c = encode_cursor(id);
            assert!(c.bytes().all(|b| b.is_ascii_alphanumeric() || b == b'.'));
            assert_eq!(PageRequest::parse(Some(&c), None).unwrap().after_id, Some(id), "{c}");
        }
    }
}
