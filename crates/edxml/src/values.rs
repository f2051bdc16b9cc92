//! The small value types of a package: agency identifier codes, dates, timestamps and `DocumentId`.
//!
//! Each type only holds valid values in one canonical spelling, so writing is total and reading what
//! was written gives the same value back. Parsing is tolerant where real systems differ (both code
//! forms, both date orders) and reports what it tolerated through [`Tolerance`].

use std::fmt;
use std::str::FromStr;

use crate::error::{codes, Problem};

/// What a parse accepted that is not the canonical form (the reader turns these into notes).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum Tolerance {
    /// Nothing unusual.
    None,
    /// Day first (`dd/MM/yyyy`), `-` separators, one-digit fields or `T` between date and time.
    OtherDateForm,
}

/// Maximum length of an agency identifier code since the 2022 amendment (13 before).
pub const AGENCY_CODE_MAX_LEN: usize = 35;

/// Which layout an [`AgencyCode`] is written in (standards.md §1).
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
#[cfg_attr(feature = "serde", derive(serde::Serialize, serde::Deserialize))]
pub enum CodeForm {
    /// Decision 20/2020: groups read left to right, highest level first (`H41.12`).
    Current,
    /// QCVN 102:2016 original: `DDD.DD.DD.LNN`, read right to left (`000.00.12.H41`).
    Legacy,
}

/// An agency identifier code (mã định danh, `OrganId`) in the current or the legacy form.
///
/// Kept as received (trimmed, ASCII letters uppercased): a legacy code cannot be turned into a
/// current one without the agencies' mapping table, except at level 1 ([`AgencyCode::to_current`]).
#[derive(Clone, Debug, PartialEq, Eq, Hash, PartialOrd, Ord)]
#[cfg_attr(feature = "serde", derive(serde::Serialize, serde::Deserialize))]
#[cfg_attr(feature = "serde", serde(try_from = "String", into = "String"))]
pub struct AgencyCode(String);

fn is_level1_group(g: &str) -> bool {
    let b = g.as_bytes();
    b.len() == 3 && b[0].is_ascii_uppercase() && b[1].is_ascii_digit() && b[2].is_ascii_digit()
}

fn all_digits(g: &str, len: usize) -> bool {
    g.len() == len && g.bytes().all(|b| b.is_ascii_digit())
}

fn is_legacy(groups: &[&str]) -> bool {
    groups.len() == 4
        && all_digits(groups[0], 3)
        && all_digits(groups[1], 2)
        && all_digits(groups[2], 2)
        && is_level1_group(groups[3])
}

impl AgencyCode {
    /// Parses a code in either form; `path` names the element in the error.
    pub fn parse_at(input: &str, path: &str) -> Result<AgencyCode, Problem> {
        let code = input.trim().to_ascii_uppercase();
        let bad = |vi: &str, en: &str| Problem::invalid_value(path, codes::INVALID_AGENCY_CODE, input.trim(), vi, en);
        if code.is_empty() {
            return Err(Problem::required(path));
        }
        let len = code.chars().count();
        if len > AGENCY_CODE_MAX_LEN {
            return Err(bad(
                &format!("mã định danh tối đa {AGENCY_CODE_MAX_LEN} ký tự, giá trị có {len} ký tự"),
                &format!("an identifier code has at most {AGENCY_CODE_MAX_LEN} characters, this one has {len}"),
            ));
        }
        if code.chars().any(|c| !(c.is_ascii_digit() || c.is_ascii_uppercase() || c == '.')) {
            return Err(bad(
                "chỉ dùng chữ số 0-9, chữ cái A-Z và dấu chấm",
                "only digits 0-9, letters A-Z and dots are allowed",
            ));
        }
        let groups: Vec<&str> = code.split('.').collect();
        if groups.iter().any(|g| g.is_empty()) {
            return Err(bad(
                "có nhóm trống (dấu chấm ở đầu, ở cuối hoặc hai dấu chấm liền nhau)",
                "it has an empty group (a leading or trailing dot, or two dots in a row)",
            ));
        }
        if is_legacy(&groups) {
            return Ok(AgencyCode(code));
        }
        if groups.len() == 4 && groups[0].bytes().all(|b| b.is_ascii_digit()) {
            return Err(bad(
                "mã dạng cũ phải có dạng DDD.DD.DD.LNN (ví dụ 000.00.12.H41)",
                "a legacy code looks like DDD.DD.DD.LNN (e.g. 000.00.12.H41)",
            ));
        }
        if !is_level1_group(groups[0]) {
            return Err(bad(
                "nhóm đầu phải gồm một chữ cái và hai chữ số (ví dụ H41, G09)",
                "the first group must be one letter and two digits (e.g. H41, G09)",
            ));
        }
        Ok(AgencyCode(code))
    }

    /// A stand-in used by the reader while it collects problems; never returned to callers.
    pub(crate) fn placeholder() -> AgencyCode {
        AgencyCode(String::new())
    }

    /// Parses a code in either form (`H41.12`, `000.00.12.H41`).
    pub fn parse(input: &str) -> Result<AgencyCode, Problem> {
        AgencyCode::parse_at(input, "OrganId")
    }

    /// The code as text.
    pub fn as_str(&self) -> &str {
        &self.0
    }

    /// The layout the code is written in.
    pub fn form(&self) -> CodeForm {
        let groups: Vec<&str> = self.0.split('.').collect();
        if is_legacy(&groups) {
            CodeForm::Legacy
        } else {
            CodeForm::Current
        }
    }

    /// The level-1 group (`H41`) in either form.
    pub fn level1(&self) -> &str {
        match self.form() {
            CodeForm::Current => self.0.split('.').next().unwrap_or(&self.0),
            CodeForm::Legacy => self.0.rsplit('.').next().unwrap_or(&self.0),
        }
    }

    /// The current-form equivalent where it is known without a mapping table: a current code is
    /// itself, a legacy level-1 code (`000.00.00.H41`) is its level-1 group (`H41`); other legacy
    /// codes give `None` (their lower groups were numbered differently).
    pub fn to_current(&self) -> Option<AgencyCode> {
        match self.form() {
            CodeForm::Current => Some(self.clone()),
            CodeForm::Legacy => {
                let lower_all_zero = self.0.rsplit('.').skip(1).all(|g| g.bytes().all(|b| b == b'0'));
                lower_all_zero.then(|| AgencyCode(self.level1().to_owned()))
            }
        }
    }
}

impl fmt::Display for AgencyCode {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

impl FromStr for AgencyCode {
    type Err = Problem;
    fn from_str(s: &str) -> Result<Self, Self::Err> {
        AgencyCode::parse(s)
    }
}

impl TryFrom<String> for AgencyCode {
    type Error = String;
    fn try_from(s: String) -> Result<Self, Self::Error> {
        AgencyCode::parse(&s).map_err(|p| p.message_en)
    }
}

impl From<AgencyCode> for String {
    fn from(c: AgencyCode) -> String {
        c.0
    }
}

/// A calendar date, written `yyyy/MM/dd`.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord)]
#[cfg_attr(feature = "serde", derive(serde::Serialize, serde::Deserialize))]
#[cfg_attr(feature = "serde", serde(try_from = "String", into = "String"))]
pub struct Date {
    year: u16,
    month: u8,
    day: u8,
}

fn days_in_month(year: u16, month: u8) -> u8 {
    match month {
        1 | 3 | 5 | 7 | 8 | 10 | 12 => 31,
        4 | 6 | 9 | 11 => 30,
        2 if (year.is_multiple_of(4) && !year.is_multiple_of(100)) || year.is_multiple_of(400) => 29,
        2 => 28,
        _ => 0,
    }
}

fn number(s: &str, min_len: usize, max_len: usize) -> Option<u16> {
    if s.len() < min_len || s.len() > max_len || !s.bytes().all(|b| b.is_ascii_digit()) {
        return None;
    }
    s.parse().ok()
}

impl Date {
    /// A date from its parts, if it exists (years 1000–9999).
    pub fn new(year: u16, month: u8, day: u8) -> Option<Date> {
        ((1000..=9999).contains(&year) && day >= 1 && day <= days_in_month(year, month)).then_some(Date {
            year,
            month,
            day,
        })
    }

    /// A stand-in used by the reader while it collects problems; never returned to callers.
    pub(crate) fn placeholder() -> Date {
        Date { year: 1000, month: 1, day: 1 }
    }

    /// The year.
    pub fn year(self) -> u16 {
        self.year
    }
    /// The month, 1–12.
    pub fn month(self) -> u8 {
        self.month
    }
    /// The day of the month.
    pub fn day(self) -> u8 {
        self.day
    }

    /// Parses `yyyy/MM/dd` (the standard), and also `dd/MM/yyyy`, `-` separators and one-digit fields.
    pub(crate) fn parse_tolerant(s: &str) -> Option<(Date, Tolerance)> {
        let s = s.trim();
        let sep = if s.contains('/') { '/' } else { '-' };
        let parts: Vec<&str> = s.split(sep).collect();
        if parts.len() != 3 {
            return None;
        }
        let (y, m, d, year_first) = if parts[0].len() == 4 {
            (number(parts[0], 4, 4)?, number(parts[1], 1, 2)?, number(parts[2], 1, 2)?, true)
        } else if parts[2].len() == 4 {
            (number(parts[2], 4, 4)?, number(parts[1], 1, 2)?, number(parts[0], 1, 2)?, false)
        } else {
            return None;
        };
        let date = Date::new(y, u8::try_from(m).ok()?, u8::try_from(d).ok()?)?;
        let canonical = year_first && sep == '/' && parts[1].len() == 2 && parts[2].len() == 2;
        Some((date, if canonical { Tolerance::None } else { Tolerance::OtherDateForm }))
    }

    /// Parses a date as [`Date::parse_tolerant`] does; `path` names the element in the error.
    pub(crate) fn parse_at(s: &str, path: &str) -> Result<(Date, Tolerance), Problem> {
        Date::parse_tolerant(s).ok_or_else(|| {
            Problem::invalid_value(
                path,
                codes::INVALID_DATE,
                s,
                "ngày phải có dạng yyyy/MM/dd (ví dụ 2024/03/05) và là ngày có thật",
                "a date is written yyyy/MM/dd (e.g. 2024/03/05) and must exist",
            )
        })
    }
}

impl fmt::Display for Date {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{:04}/{:02}/{:02}", self.year, self.month, self.day)
    }
}

impl FromStr for Date {
    type Err = Problem;
    /// Tolerant parse: `yyyy/MM/dd`, also `dd/MM/yyyy`, `-` separators and one-digit fields.
    fn from_str(s: &str) -> Result<Self, Self::Err> {
        Date::parse_at(s, "Date").map(|(d, _)| d)
    }
}

impl TryFrom<String> for Date {
    type Error = String;
    fn try_from(s: String) -> Result<Self, Self::Error> {
        s.parse().map_err(|p: Problem| p.message_en)
    }
}

impl From<Date> for String {
    fn from(d: Date) -> String {
        d.to_string()
    }
}

/// A local (Vietnam time) date and time to the second, written `yyyy/MM/dd HH:mm:ss`.
///
/// Read also as `dd/MM/yyyy HH:mm:ss`, which some systems send (standards.md §2, open point),
/// with `-` separators or a `T` between date and time.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord)]
#[cfg_attr(feature = "serde", derive(serde::Serialize, serde::Deserialize))]
#[cfg_attr(feature = "serde", serde(try_from = "String", into = "String"))]
pub struct Timestamp {
    date: Date,
    hour: u8,
    minute: u8,
    second: u8,
}

impl Timestamp {
    /// A timestamp from a date and a time of day, if the time exists.
    pub fn new(date: Date, hour: u8, minute: u8, second: u8) -> Option<Timestamp> {
        (hour < 24 && minute < 60 && second < 60).then_some(Timestamp { date, hour, minute, second })
    }

    /// A stand-in used by the reader while it collects problems; never returned to callers.
    pub(crate) fn placeholder() -> Timestamp {
        Timestamp { date: Date::placeholder(), hour: 0, minute: 0, second: 0 }
    }

    /// The date.
    pub fn date(self) -> Date {
        self.date
    }
    /// Hour, minute and second.
    pub fn time(self) -> (u8, u8, u8) {
        (self.hour, self.minute, self.second)
    }

    pub(crate) fn parse_tolerant(s: &str) -> Option<(Timestamp, Tolerance)> {
        let s = s.trim();
        let (date_part, time_part, t_sep) = match s.split_once(' ') {
            Some((d, t)) => (d, t.trim_start(), false),
            None => {
                let (d, t) = s.split_once('T')?;
                (d, t, true)
            }
        };
        let (date, date_tol) = Date::parse_tolerant(date_part)?;
        let fields: Vec<&str> = time_part.split(':').collect();
        if fields.len() != 3 {
            return None;
        }
        let h = u8::try_from(number(fields[0], 1, 2)?).ok()?;
        let m = u8::try_from(number(fields[1], 2, 2)?).ok()?;
        let sec = u8::try_from(number(fields[2], 2, 2)?).ok()?;
        let ts = Timestamp::new(date, h, m, sec)?;
        let canonical = date_tol == Tolerance::None && !t_sep && fields[0].len() == 2 && !time_part.is_empty();
        Some((ts, if canonical && s.len() == 19 { Tolerance::None } else { Tolerance::OtherDateForm }))
    }

    pub(crate) fn parse_at(s: &str, path: &str) -> Result<(Timestamp, Tolerance), Problem> {
        Timestamp::parse_tolerant(s).ok_or_else(|| {
            Problem::invalid_value(
                path,
                codes::INVALID_TIMESTAMP,
                s,
                "thời điểm phải có dạng yyyy/MM/dd HH:mm:ss (hoặc dd/MM/yyyy HH:mm:ss)",
                "a timestamp is written yyyy/MM/dd HH:mm:ss (or dd/MM/yyyy HH:mm:ss)",
            )
        })
    }
}

impl fmt::Display for Timestamp {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{} {:02}:{:02}:{:02}", self.date, self.hour, self.minute, self.second)
    }
}

impl FromStr for Timestamp {
    type Err = Problem;
    fn from_str(s: &str) -> Result<Self, Self::Err> {
        Timestamp::parse_at(s, "Timestamp").map(|(t, _)| t)
    }
}

impl TryFrom<String> for Timestamp {
    type Error = String;
    fn try_from(s: String) -> Result<Self, Self::Error> {
        s.parse().map_err(|p: Problem| p.message_en)
    }
}

impl From<Timestamp> for String {
    fn from(t: Timestamp) -> String {
        t.to_string()
    }
}

/// The exchange-wide identity of a document:
/// `{sender OrganId},{yyyy/MM/dd},{CodeNumber}/{CodeNotation}`, e.g. `000.00.04.G14,2012/08/06,267/VPCP-TTĐT`.
#[derive(Clone, Debug, PartialEq, Eq, Hash)]
#[cfg_attr(feature = "serde", derive(serde::Serialize, serde::Deserialize))]
#[cfg_attr(feature = "serde", serde(try_from = "String", into = "String"))]
pub struct DocumentId {
    organ_id: AgencyCode,
    date: Date,
    number: String,
    notation: String,
}

impl DocumentId {
    /// Builds an id from its parts. The number may not contain `/`; number and notation must be
    /// non-empty, without surrounding spaces or characters XML cannot carry.
    pub fn new(organ_id: AgencyCode, date: Date, number: &str, notation: &str) -> Option<DocumentId> {
        let ok = |s: &str| !s.is_empty() && s.trim() == s && s.chars().all(crate::text::is_xml_char);
        (ok(number) && ok(notation) && !number.contains('/')).then(|| DocumentId {
            organ_id,
            date,
            number: number.to_owned(),
            notation: notation.to_owned(),
        })
    }

    /// A stand-in used by the reader while it collects problems; never returned to callers.
    pub(crate) fn placeholder() -> DocumentId {
        DocumentId {
            organ_id: AgencyCode::placeholder(),
            date: Date::placeholder(),
            number: String::new(),
            notation: String::new(),
        }
    }

    /// The issuing agency's code.
    pub fn organ_id(&self) -> &AgencyCode {
        &self.organ_id
    }
    /// The promulgation date.
    pub fn date(&self) -> Date {
        self.date
    }
    /// The document number (`267`).
    pub fn number(&self) -> &str {
        &self.number
    }
    /// The notation (`VPCP-TTĐT`).
    pub fn notation(&self) -> &str {
        &self.notation
    }

    /// Parses the id; the date may be in either order. `path` names the element in the error.
    pub(crate) fn parse_at(s: &str, path: &str) -> Result<(DocumentId, Tolerance), Problem> {
        let bad = || {
            Problem::invalid_value(
                path,
                codes::INVALID_DOCUMENT_ID,
                s,
                "DocumentId phải có dạng {mã định danh},{yyyy/MM/dd},{số}/{ký hiệu}, ví dụ H41.12,2024/03/05,12/QĐ-UBND",
                "a DocumentId looks like {OrganId},{yyyy/MM/dd},{number}/{notation}, e.g. H41.12,2024/03/05,12/QĐ-UBND",
            )
        };
        let s = s.trim();
        if s.is_empty() {
            return Err(Problem::required(path));
        }
        let mut parts = s.splitn(3, ',');
        let (Some(organ), Some(date), Some(code)) = (parts.next(), parts.next(), parts.next()) else {
            return Err(bad());
        };
        let organ_id = AgencyCode::parse_at(organ, path).map_err(|_| bad())?;
        let (date, tol) = Date::parse_tolerant(date).ok_or_else(bad)?;
        let (number, notation) = code.split_once('/').ok_or_else(bad)?;
        let id = DocumentId::new(organ_id, date, number.trim(), notation.trim()).ok_or_else(bad)?;
        Ok((id, tol))
    }
}

impl fmt::Display for DocumentId {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{},{},{}/{}", self.organ_id, self.date, self.number, self.notation)
    }
}

impl FromStr for DocumentId {
    type Err = Problem;
    fn from_str(s: &str) -> Result<Self, Self::Err> {
        DocumentId::parse_at(s, "DocumentId").map(|(d, _)| d)
    }
}

impl TryFrom<String> for DocumentId {
    type Error = String;
    fn try_from(s: String) -> Result<Self, Self::Error> {
        s.parse().map_err(|p: Problem| p.message_en)
    }
}

impl From<DocumentId> for String {
    fn from(d: DocumentId) -> String {
        d.to_string()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn agency_codes_in_both_forms() {
        let c = AgencyCode::parse(" h41.12 ").expect("current");
        assert_eq!(c.as_str(), "H41.12");
        assert_eq!(c.form(), CodeForm::Current);
        assert_eq!(c.level1(), "H41");
        let l = AgencyCode::parse("000.00.12.H41").expect("legacy");
        assert_eq!(l.form(), CodeForm::Legacy);
        assert_eq!(l.level1(), "H41");
        assert_eq!(l.to_current(), None);
        assert_eq!(AgencyCode::parse("000.00.00.H49").expect("l1").to_current().expect("known").as_str(), "H49");
        for bad in ["", "H4", "41.H", "H41..2", "000.0.12.H41", "H41-12", &"H41.".repeat(10)] {
            assert!(AgencyCode::parse(bad).is_err(), "{bad}");
        }
    }

    #[test]
    fn dates_and_timestamps_in_both_orders() {
        let (d, t) = Date::parse_tolerant("2024/03/05").expect("std");
        assert_eq!((d.to_string(), t), ("2024/03/05".to_owned(), Tolerance::None));
        let (d2, t2) = Date::parse_tolerant("05/03/2024").expect("day first");
        assert_eq!((d2, t2), (d, Tolerance::OtherDateForm));
        assert!(Date::parse_tolerant("2023/02/29").is_none());
        assert!(Date::parse_tolerant("2024/02/29").is_some());
        assert!(Date::parse_tolerant("24/03/05").is_none());
        let (ts, tol) = Timestamp::parse_tolerant("2024/03/05 08:09:10").expect("std");
        assert_eq!((ts.to_string().as_str(), tol), ("2024/03/05 08:09:10", Tolerance::None));
        let (ts2, tol2) = Timestamp::parse_tolerant("05/03/2024 08:09:10").expect("vn order");
        assert_eq!((ts2, tol2), (ts, Tolerance::OtherDateForm));
        assert_eq!(Timestamp::parse_tolerant("2024-03-05T08:09:10").map(|x| x.0), Some(ts));
        assert!(Timestamp::parse_tolerant("2024/03/05 24:00:00").is_none());
        assert!(Timestamp::parse_tolerant("2024/03/05").is_none());
    }

    #[test]
    fn document_ids() {
        let (id, _) = DocumentId::parse_at("000.00.04.G14,2012/08/06,267/VPCP-TTĐT", "DocumentId").expect("sample");
        assert_eq!(id.organ_id().as_str(), "000.00.04.G14");
        assert_eq!((id.number(), id.notation()), ("267", "VPCP-TTĐT"));
        assert_eq!(id.to_string(), "000.00.04.G14,2012/08/06,267/VPCP-TTĐT");
        let (id2, tol) = DocumentId::parse_at("H41.12,05/03/2024,12/QĐ-UBND", "DocumentId").expect("day first");
        assert_eq!(id2.to_string(), "H41.12,2024/03/05,12/QĐ-UBND");
        assert_eq!(tol, Tolerance::OtherDateForm);
        for bad in [
            "x",
            "H41,2024/03/05",
            "H41,2024/03/05,12",
            "H41,2024/13/05,1/A",
            "bad,2024/03/05,1/A",
            "H41,2024/03/05,/A",
        ] {
            let p = DocumentId::parse_at(bad, "MessageHeader/DocumentId").expect_err(bad);
            assert_eq!(p.code, codes::INVALID_DOCUMENT_ID, "{bad}");
        }
    }
}
