//! Search parameters: the one parser of what a search may ask (the API's query, the search page,
//! a saved search), so an unknown status or sort, an oversized page or a value such as
//! `book_id=1 OR 1=1` is refused with a field error instead of being ignored or stored.

use jiff::civil::Date;

use crate::document::{parse_date, Direction, DocumentType, Urgency};
use crate::error::FieldError;
use crate::text::{check_text, normalize, TextKind};

/// The document statuses a search can filter on (incoming, then outgoing).
pub const STATUSES: &[&str] = &[
    "to_register",
    "registered",
    "presented",
    "in_progress",
    "done",
    "refused",
    "revoked",
    "draft",
    "in_approval",
    "returned",
    "approved",
    "issued",
    "replaced",
];

/// How results are ordered.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub enum SearchSort {
    /// Best match first (the default).
    #[default]
    Relevance,
    /// Newest first.
    Date,
}

/// Validated search parameters; absent filters are `None`.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct SearchParams {
    /// The words to find, normalised (may be empty for a filtered list).
    pub q: String,
    pub direction: Option<Direction>,
    pub doc_type: Option<DocumentType>,
    pub book_id: Option<i64>,
    pub urgency: Option<Urgency>,
    /// One of [`STATUSES`].
    pub status: Option<&'static str>,
    /// Sender's identifier code or name, normalised.
    pub sender: Option<String>,
    pub unit_id: Option<i64>,
    pub from: Option<Date>,
    pub to: Option<Date>,
    pub sort: SearchSort,
    /// Page number from 0, at most [`SearchParams::MAX_PAGE`].
    pub page: u32,
    /// Results per page, 1 to [`SearchParams::MAX_PER_PAGE`].
    pub per_page: u32,
}

impl SearchParams {
    /// Longest query or sender text, in characters.
    pub const MAX_TEXT: usize = 200;
    /// Largest page size.
    pub const MAX_PER_PAGE: u32 = 100;
    /// Page size when none is asked for.
    pub const DEFAULT_PER_PAGE: u32 = 20;
    /// Last page number that can be asked for.
    pub const MAX_PAGE: u32 = 1_000;
    /// The parameter names this parser knows (a saved search keeps these, without paging).
    pub const KEYS: &'static [&'static str] =
        &["q", "doc_type", "direction", "from", "to", "sort", "book_id", "urgency", "status", "sender", "unit_id"];

    /// Parses `(name, value)` pairs (decoded query-string pairs); unknown names are ignored
    /// (the caller decides whether they are allowed), a blank value is the same as an absent one,
    /// and a name given twice keeps its first value. Every value that is wrong gives a field error.
    pub fn parse<'a>(pairs: impl IntoIterator<Item = (&'a str, &'a str)>) -> Result<SearchParams, Vec<FieldError>> {
        let pairs: Vec<(&str, &str)> = pairs.into_iter().collect();
        let get = |name: &str| pairs.iter().find(|(k, _)| *k == name).map(|(_, v)| v.trim()).filter(|v| !v.is_empty());
        let mut errors = Vec::new();
        for (name, value) in &pairs {
            if let Some(field) = Self::KEYS.iter().chain(["page", "per_page"].iter()).find(|k| *k == name) {
                if let Err(e) = check_text(value, field, TextKind::SingleLine) {
                    errors.push(e);
                }
            }
        }
        if !errors.is_empty() {
            return Err(errors);
        }
        let mut p = SearchParams { per_page: Self::DEFAULT_PER_PAGE, ..SearchParams::default() };
        p.q = keep(&mut errors, text(get("q").unwrap_or(""), "q")).unwrap_or_default();
        p.sender = keep(&mut errors, text(get("sender").unwrap_or(""), "sender")).filter(|s| !s.is_empty());
        p.direction = get("direction").and_then(|v| keep(&mut errors, Direction::parse_field(v, "direction")));
        p.doc_type = get("doc_type").and_then(|v| keep(&mut errors, DocumentType::parse_field(v, "doc_type")));
        p.urgency = get("urgency").and_then(|v| keep(&mut errors, Urgency::parse_field(v, "urgency")));
        p.status = get("status").and_then(|v| {
            keep(
                &mut errors,
                STATUSES.iter().copied().find(|s| *s == v).ok_or_else(|| {
                    FieldError::new(
                        "status",
                        "unknown_status",
                        format!("Trạng thái “{v}” không hợp lệ; chọn một trong: {}.", STATUSES.join(", ")),
                        format!("“{v}” is not a document status; use one of: {}.", STATUSES.join(", ")),
                    )
                }),
            )
        });
        p.book_id = get("book_id").and_then(|v| keep(&mut errors, id(v, "book_id")));
        p.unit_id = get("unit_id").and_then(|v| keep(&mut errors, id(v, "unit_id")));
        p.from = get("from").and_then(|v| keep(&mut errors, parse_date(v, "from")));
        p.to = get("to").and_then(|v| keep(&mut errors, parse_date(v, "to")));
        if let (Some(from), Some(to)) = (p.from, p.to) {
            if to < from {
                keep(
                    &mut errors,
                    Err::<(), _>(FieldError::new(
                        "to",
                        "date_range",
                        "Ngày kết thúc không được trước ngày bắt đầu.",
                        "The end date cannot be before the start date.",
                    )),
                );
            }
        }
        p.sort = match get("sort") {
            None | Some("relevance") => SearchSort::Relevance,
            Some("date") => SearchSort::Date,
            Some(other) => {
                keep(
                    &mut errors,
                    Err::<(), _>(FieldError::new(
                        "sort",
                        "unknown_sort",
                        format!("Cách sắp xếp “{other}” không hợp lệ; dùng relevance hoặc date."),
                        format!("“{other}” is not a sort order; use relevance or date."),
                    )),
                );
                SearchSort::Relevance
            }
        };
        if let Some(v) = get("page") {
            p.page = keep(&mut errors, number(v, "page", 0, Self::MAX_PAGE)).unwrap_or(0);
        }
        if let Some(v) = get("per_page") {
            p.per_page =
                keep(&mut errors, number(v, "per_page", 1, Self::MAX_PER_PAGE)).unwrap_or(Self::DEFAULT_PER_PAGE);
        }
        if errors.is_empty() {
            Ok(p)
        } else {
            Err(errors)
        }
    }

    /// The filters as `(name, value)` pairs in [`SearchParams::KEYS`] order, without paging: the
    /// canonical form a saved search keeps.
    pub fn pairs(&self) -> Vec<(&'static str, String)> {
        let mut out: Vec<(&'static str, String)> = Vec::new();
        let mut put = |k: &'static str, v: Option<String>| {
            if let Some(v) = v.filter(|v| !v.is_empty()) {
                out.push((k, v));
            }
        };
        put("q", Some(self.q.clone()));
        put("doc_type", self.doc_type.map(|v| v.as_str().to_string()));
        put("direction", self.direction.map(|v| v.as_str().to_string()));
        put("from", self.from.map(|d| d.to_string()));
        put("to", self.to.map(|d| d.to_string()));
        put("sort", (self.sort == SearchSort::Date).then(|| "date".to_string()));
        put("book_id", self.book_id.map(|v| v.to_string()));
        put("urgency", self.urgency.map(|v| v.as_str().to_string()));
        put("status", self.status.map(str::to_string));
        put("sender", self.sender.clone());
        put("unit_id", self.unit_id.map(|v| v.to_string()));
        out
    }

    /// Whether any filter or word is set.
    pub fn is_empty(&self) -> bool {
        self.pairs().is_empty()
    }
}

/// The value of `r`, or `None` with its error kept.
fn keep<T>(errors: &mut Vec<FieldError>, r: Result<T, FieldError>) -> Option<T> {
    r.map_err(|e| errors.push(e)).ok()
}

fn text(v: &str, field: &'static str) -> Result<String, FieldError> {
    let s = normalize(v);
    let len = s.chars().count();
    if len > SearchParams::MAX_TEXT {
        return Err(FieldError::new(
            field,
            "too_long",
            format!("Nội dung tìm kiếm dài tối đa {} ký tự (đã nhập {len}).", SearchParams::MAX_TEXT),
            format!("Search text can be at most {} characters long (got {len}).", SearchParams::MAX_TEXT),
        ));
    }
    Ok(s)
}

fn id(v: &str, field: &'static str) -> Result<i64, FieldError> {
    match v.parse::<i64>() {
        Ok(n) if n > 0 => Ok(n),
        _ => Err(FieldError::new(
            field,
            "not_an_id",
            format!("“{v}” không phải là mã số hợp lệ (một số nguyên dương)."),
            format!("“{v}” is not a valid id (a positive whole number)."),
        )),
    }
}

fn number(v: &str, field: &'static str, min: u32, max: u32) -> Result<u32, FieldError> {
    match v.parse::<u64>() {
        Ok(n) if (u64::from(min)..=u64::from(max)).contains(&n) => Ok(n as u32),
        _ => Err(FieldError::new(
            field,
            "out_of_range",
            format!("“{v}” không hợp lệ: cần một số nguyên từ {min} đến {max}."),
            format!("“{v}” is not valid: it must be a whole number from {min} to {max}."),
        )),
    }
}

#[cfg(test)]
#[allow(clippy::unwrap_used)]
mod tests {
    use super::*;

    fn codes(pairs: &[(&str, &str)]) -> Vec<(&'static str, &'static str)> {
        SearchParams::parse(pairs.iter().copied()).unwrap_err().into_iter().map(|e| (e.field, e.code)).collect()
    }

    #[test]
    fn good_parameters_parse_and_come_back_canonical() {
        let p = SearchParams::parse([
            ("q", "  quyết   định "),
            ("doc_type", "quyet_dinh"),
            ("status", "registered"),
            ("sort", "date"),
            ("book_id", "7"),
            ("from", "05/03/2026"),
            ("per_page", "100"),
            ("other", "kept out"),
        ])
        .unwrap();
        assert_eq!(p.q, "quyết định");
        assert_eq!(p.sort, SearchSort::Date);
        assert_eq!(p.per_page, 100);
        let owned = p.pairs();
        let pairs: Vec<(&str, &str)> = owned.iter().map(|(k, v)| (*k, v.as_str())).collect();
        assert_eq!(
            pairs,
            vec![
                ("q", "quyết định"),
                ("doc_type", "quyet_dinh"),
                ("from", "2026-03-05"),
                ("sort", "date"),
                ("book_id", "7"),
                ("status", "registered")
            ]
        );
        assert!(SearchParams::parse([("q", "")]).unwrap().is_empty());
    }

    #[test]
    fn wrong_values_are_refused_not_ignored() {
        assert_eq!(codes(&[("sort", "newest")]), vec![("sort", "unknown_sort")]);
        assert_eq!(codes(&[("status", "whatever")]), vec![("status", "unknown_status")]);
        assert_eq!(codes(&[("per_page", "2147483648")]), vec![("per_page", "out_of_range")]);
        assert_eq!(codes(&[("per_page", "0")]), vec![("per_page", "out_of_range")]);
        assert_eq!(codes(&[("page", "1001")]), vec![("page", "out_of_range")]);
        assert_eq!(codes(&[("book_id", "1 OR 1=1")]), vec![("book_id", "not_an_id")]);
        assert_eq!(codes(&[("unit_id", "-3")]), vec![("unit_id", "not_an_id")]);
        assert_eq!(codes(&[("from", "2026-03-05"), ("to", "2026-03-01")]), vec![("to", "date_range")]);
        assert_eq!(codes(&[("q", "a\u{0}b")]), vec![("q", "control_character")]);
        assert_eq!(codes(&[("direction", "sideways")])[0].0, "direction");
    }
}
