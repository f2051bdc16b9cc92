//! iCalendar (RFC 5545, with RFC 7986's feed properties) for work schedules (lịch công tác): the feed writer and its ETag.

use jiff::civil::{Date, DateTime};
use jiff::tz::Offset;
use jiff::Timestamp;
use sha2::{Digest, Sha256};

use crate::text;

/// Vietnam's offset from UTC (no daylight saving time).
const VIETNAM: Offset = Offset::constant(7);
/// The zone named by timed recurring events (see [`write`]).
const TZID: &str = "Asia/Ho_Chi_Minh";
/// Longest physical line in octets, line break excluded (RFC 5545 §3.1).
const MAX_LINE: usize = 75;

/// The `STATUS` of an event.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum EventStatus {
    /// `CONFIRMED`: the event takes place.
    Confirmed,
    /// `TENTATIVE`: planned, not settled.
    Tentative,
    /// `CANCELLED`: called off; kept in the feed so that subscribers remove it.
    Cancelled,
}

impl EventStatus {
    fn ical(self) -> &'static str {
        match self {
            EventStatus::Confirmed => "CONFIRMED",
            EventStatus::Tentative => "TENTATIVE",
            EventStatus::Cancelled => "CANCELLED",
        }
    }
}

/// One entry of a work schedule, written as a `VEVENT`.
///
/// Text fields are cleaned on the way out (Unicode NFC, `\r\n` and lone `\r` become line breaks,
/// tabs spaces, other control characters dropped, surrounding whitespace trimmed) and escaped.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Event {
    /// Globally unique and stable across versions of the event (e.g. `"lich-42@egov.example.vn"`).
    /// Control characters, line breaks included, are dropped; it must not be empty.
    pub uid: String,
    /// Revision number (`SEQUENCE`): raise it on every significant change, cancellation included.
    pub sequence: u32,
    /// When the event starts.
    pub start: Timestamp,
    /// When the event ends (exclusive). For a timed event `DTEND` is left out when it is not after
    /// `start` (to the second), which RFC 5545 reads as an event of no duration.
    pub end: Timestamp,
    /// A whole-day event: `DTSTART;VALUE=DATE` is `start`'s date in Vietnam (UTC+7) and `DTEND`
    /// the day after the last day, the last day being the date of the last instant before `end`
    /// (so an `end` at midnight does not add a day), and at least the first day.
    pub all_day: bool,
    /// `SUMMARY`: the title.
    pub summary: String,
    /// `LOCATION`.
    pub location: Option<String>,
    /// `DESCRIPTION`; line breaks are kept.
    pub description: Option<String>,
    /// `URL`: a link to the entry (a URI: written as given, control characters dropped).
    pub url: Option<String>,
    /// `STATUS`.
    pub status: EventStatus,
    /// Display name of the organizer (the chairing person or unit), written as
    /// `ORGANIZER;CN="name":mailto:`. The value must be a URI (CAL-ADDRESS) and egov keeps no
    /// address for these names, so it is a `mailto:` URI without an address (RFC 6068 §2 makes
    /// the address optional); clients show the `CN`. A `"` in the name becomes `'` (a quoted
    /// parameter value cannot hold or escape a DQUOTE), line breaks become spaces.
    pub organizer: Option<String>,
    /// Display names of the participants, each written as `ATTENDEE;CN="name":mailto:` like
    /// [`Event::organizer`]. Empty names are skipped.
    pub attendees: Vec<String>,
    /// `CREATED`.
    pub created: Timestamp,
    /// `LAST-MODIFIED`.
    pub last_modified: Timestamp,
    /// An RFC 5545 recurrence rule (`FREQ=WEEKLY;BYDAY=MO;COUNT=5`, with or without `RRULE:`),
    /// e.g. from [`crate::rrule::Rule::to_rfc5545`]. Written as given except that control
    /// characters are dropped and an `UNTIL` is made the value type `DTSTART` has (RFC 5545
    /// §3.3.10): a date for an all-day event (the Vietnam date of a date-time), a UTC date-time
    /// otherwise (a date is taken as the end of that day in Vietnam, a local time as Vietnam's).
    pub rrule: Option<String>,
}

/// A published calendar: the schedule of a unit, served for subscription.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Feed {
    /// The calendar's name, written as RFC 7986 `NAME` and as `X-WR-CALNAME` (read by clients
    /// that predate RFC 7986).
    pub name: String,
    /// The calendar's description: RFC 7986 `DESCRIPTION` and `X-WR-CALDESC`.
    pub description: Option<String>,
    /// How often subscribers should reload, in minutes (at least 1): RFC 7986
    /// `REFRESH-INTERVAL;VALUE=DURATION:PT60M` and `X-PUBLISHED-TTL:PT60M`.
    pub refresh_minutes: u32,
    /// When the feed was made: the `DTSTAMP` of every event.
    pub stamp: Timestamp,
    /// The events, written in this order.
    pub events: Vec<Event>,
}

/// Writes `feed` as an iCalendar object (`text/calendar`, UTF-8): CRLF line endings, lines
/// folded at 75 octets between characters (never inside a UTF-8 sequence), same input, same bytes.
///
/// Times are written in UTC (`20250303T013000Z`), with one exception: a timed event with a
/// recurrence rule is written in Vietnam's local time (`DTSTART;TZID=Asia/Ho_Chi_Minh:…`, with
/// a `VTIMEZONE` of a constant +07:00 added to the calendar), because a rule's `BYDAY`,
/// `BYMONTHDAY` … are read in `DTSTART`'s zone: Monday 06:30 in Vietnam written in UTC is
/// `DTSTART:20250302T233000Z`, and `BYDAY=MO` then repeats on Mondays at 23:30 UTC, which are
/// Tuesdays in Vietnam.
pub fn write(feed: &Feed) -> String {
    let mut out = Lines(String::with_capacity(1024 + 512 * feed.events.len()));
    out.line("BEGIN:VCALENDAR");
    out.line("VERSION:2.0");
    out.line("PRODID:-//egov//Lich cong tac//VI");
    out.line("CALSCALE:GREGORIAN");
    out.line("METHOD:PUBLISH");
    let name = escape_text(&feed.name);
    out.prop("NAME", &name);
    out.prop("X-WR-CALNAME", &name);
    if let Some(description) = &feed.description {
        let description = escape_text(description);
        out.prop("DESCRIPTION", &description);
        out.prop("X-WR-CALDESC", &description);
    }
    let refresh = format!("PT{}M", feed.refresh_minutes.max(1));
    out.prop("REFRESH-INTERVAL;VALUE=DURATION", &refresh);
    out.prop("X-PUBLISHED-TTL", &refresh);
    if feed.events.iter().any(is_local) {
        out.line("BEGIN:VTIMEZONE");
        out.prop("TZID", TZID);
        out.line("BEGIN:STANDARD");
        out.line("DTSTART:19700101T000000");
        out.line("TZOFFSETFROM:+0700");
        out.line("TZOFFSETTO:+0700");
        out.line("END:STANDARD");
        out.line("END:VTIMEZONE");
    }
    let stamp = utc(feed.stamp);
    for event in &feed.events {
        write_event(&mut out, event, &stamp);
    }
    out.line("END:VCALENDAR");
    out.0
}

/// A strong ETag (quoted, as sent in `ETag` and compared with `If-None-Match`) for a feed body:
/// the first 32 hex digits (128 bits) of its SHA-256.
pub fn etag(body: &str) -> String {
    let digest = hex::encode(Sha256::digest(body.as_bytes()));
    format!("\"{}\"", &digest[..32])
}

/// Content lines, folded and ended with CRLF.
struct Lines(String);

impl Lines {
    /// A property whose name (with parameters) and value are already escaped.
    fn prop(&mut self, name: &str, value: &str) {
        self.line(&format!("{name}:{value}"));
    }

    /// Appends one content line, folded: no physical line is longer than [`MAX_LINE`] octets,
    /// each continuation starts with one space (counted in its length), and a fold falls only
    /// between two characters.
    fn line(&mut self, line: &str) {
        let mut rest = line;
        let mut limit = MAX_LINE;
        while rest.len() > limit {
            let mut cut = limit;
            while !rest.is_char_boundary(cut) {
                cut -= 1;
            }
            self.0.push_str(&rest[..cut]);
            self.0.push_str("\r\n ");
            rest = &rest[cut..];
            limit = MAX_LINE - 1;
        }
        self.0.push_str(rest);
        self.0.push_str("\r\n");
    }
}

fn write_event(out: &mut Lines, e: &Event, stamp: &str) {
    out.line("BEGIN:VEVENT");
    let uid: String = e.uid.chars().filter(|c| !c.is_control()).collect();
    out.prop("UID", &escape_text_raw(&uid));
    out.prop("DTSTAMP", stamp);
    if e.all_day {
        let first = vietnam_date(e.start);
        let last = if e.end > e.start {
            e.end.checked_sub(jiff::SignedDuration::from_nanos(1)).map(vietnam_date).unwrap_or(first)
        } else {
            first
        };
        out.prop("DTSTART;VALUE=DATE", &date(first));
        if let Ok(after) = last.max(first).tomorrow() {
            out.prop("DTEND;VALUE=DATE", &date(after));
        }
    } else if is_local(e) {
        out.prop(&format!("DTSTART;TZID={TZID}"), &local(e.start));
        if e.end.as_second() > e.start.as_second() {
            out.prop(&format!("DTEND;TZID={TZID}"), &local(e.end));
        }
    } else {
        out.prop("DTSTART", &utc(e.start));
        if e.end.as_second() > e.start.as_second() {
            out.prop("DTEND", &utc(e.end));
        }
    }
    out.prop("SEQUENCE", &e.sequence.to_string());
    out.prop("STATUS", e.status.ical());
    out.prop("SUMMARY", &escape_text(&e.summary));
    if let Some(location) = &e.location {
        out.prop("LOCATION", &escape_text(location));
    }
    if let Some(description) = &e.description {
        out.prop("DESCRIPTION", &escape_text(description));
    }
    if let Some(url) = &e.url {
        let url = single_line_raw(url);
        if !url.is_empty() {
            out.prop("URL", &url);
        }
    }
    if let Some(name) = e.organizer.as_deref().and_then(quoted_param) {
        out.prop(&format!("ORGANIZER;CN={name}"), "mailto:");
    }
    for name in e.attendees.iter().filter_map(|a| quoted_param(a)) {
        out.prop(&format!("ATTENDEE;CN={name}"), "mailto:");
    }
    out.prop("CREATED", &utc(e.created));
    out.prop("LAST-MODIFIED", &utc(e.last_modified));
    if let Some(rule) = rrule(e) {
        out.prop("RRULE", &rule);
    }
    out.line("END:VEVENT");
}

/// A timed event with a recurrence rule: written in Vietnam's local time.
fn is_local(e: &Event) -> bool {
    !e.all_day && rrule(e).is_some()
}

/// TEXT value (RFC 5545 §3.3.11): cleaned, then `\`, `;`, `,` and line breaks escaped.
fn escape_text(s: &str) -> String {
    escape_text_raw(&text::normalize_multiline(s))
}

/// Escapes already cleaned text.
fn escape_text_raw(s: &str) -> String {
    let mut out = String::with_capacity(s.len() + 8);
    for c in s.chars() {
        match c {
            '\\' => out.push_str("\\\\"),
            ';' => out.push_str("\\;"),
            ',' => out.push_str("\\,"),
            '\n' => out.push_str("\\n"),
            c => out.push(c),
        }
    }
    out
}

/// A parameter value in double quotes (RFC 5545 §3.1): one line, NFC, `"` replaced by `'`
/// (there is no escape for it); `None` when nothing is left.
fn quoted_param(s: &str) -> Option<String> {
    let s = text::normalize(s).replace('"', "'");
    (!s.is_empty()).then(|| format!("\"{s}\""))
}

/// A value that is not TEXT (URI, RRULE): control characters (line breaks included) dropped, trimmed.
fn single_line_raw(s: &str) -> String {
    let s: String = s.chars().filter(|c| !c.is_control()).collect();
    s.trim().to_owned()
}

/// The event's recurrence rule as written, if it has one.
fn rrule(e: &Event) -> Option<String> {
    let rule = single_line_raw(e.rrule.as_deref()?);
    let rule = match rule.get(..6) {
        Some(prefix) if prefix.eq_ignore_ascii_case("RRULE:") => rule[6..].trim(),
        _ => rule.as_str(),
    };
    if rule.is_empty() {
        return None;
    }
    let parts: Vec<String> = rule
        .split(';')
        .map(|part| match part.split_once('=') {
            Some((name, value)) if name.trim().eq_ignore_ascii_case("UNTIL") => {
                format!("UNTIL={}", until(value.trim(), e.all_day))
            }
            _ => part.to_owned(),
        })
        .collect();
    Some(parts.join(";"))
}

/// An `UNTIL` value in the type of the event's `DTSTART`; unrecognised values are kept.
fn until(value: &str, all_day: bool) -> String {
    let upper = value.to_ascii_uppercase();
    let parsed = if let Some(utc_form) = upper.strip_suffix('Z') {
        DateTime::strptime("%Y%m%dT%H%M%S", utc_form)
            .ok()
            .and_then(|dt| Offset::UTC.to_timestamp(dt).ok())
            .map(Until::At)
    } else if upper.len() == 8 {
        Date::strptime("%Y%m%d", &upper).ok().map(Until::Day)
    } else {
        DateTime::strptime("%Y%m%dT%H%M%S", &upper).ok().and_then(|dt| VIETNAM.to_timestamp(dt).ok()).map(Until::At)
    };
    match (parsed, all_day) {
        (Some(Until::Day(d)), true) => date(d),
        (Some(Until::At(t)), true) => date(vietnam_date(t)),
        (Some(Until::At(t)), false) => utc(t),
        // The last second of that day in Vietnam, so that the day's occurrence is included.
        (Some(Until::Day(d)), false) => d
            .tomorrow()
            .ok()
            .and_then(|next| VIETNAM.to_timestamp(next.to_datetime(jiff::civil::Time::midnight())).ok())
            .and_then(|t| t.checked_sub(jiff::SignedDuration::from_secs(1)).ok())
            .map(utc)
            .unwrap_or_else(|| value.to_owned()),
        (None, _) => value.to_owned(),
    }
}

enum Until {
    Day(Date),
    At(Timestamp),
}

fn vietnam_date(t: Timestamp) -> Date {
    VIETNAM.to_datetime(t).date()
}

/// `YYYYMMDD`.
fn date(d: Date) -> String {
    format!("{:04}{:02}{:02}", d.year(), d.month(), d.day())
}

/// `YYYYMMDDTHHMMSS` (seconds truncated).
fn datetime(dt: DateTime) -> String {
    format!("{}T{:02}{:02}{:02}", date(dt.date()), dt.hour(), dt.minute(), dt.second())
}

/// UTC date-time form, `YYYYMMDDTHHMMSSZ`.
fn utc(t: Timestamp) -> String {
    datetime(Offset::UTC.to_datetime(t)) + "Z"
}

/// Vietnam's local time, for `TZID=Asia/Ho_Chi_Minh`.
fn local(t: Timestamp) -> String {
    datetime(VIETNAM.to_datetime(t))
}

#[cfg(test)]
#[allow(clippy::unwrap_used)]
mod tests {
    use super::*;
    use crate::testutil::Rng;

    fn at(s: &str) -> Timestamp {
        s.parse().unwrap()
    }

    fn event(uid: &str, summary: &str) -> Event {
        Event {
            uid: uid.to_owned(),
            sequence: 0,
            start: at("2025-03-10T08:00:00+07:00"),
            end: at("2025-03-10T10:00:00+07:00"),
            all_day: false,
            summary: summary.to_owned(),
            location: None,
            description: None,
            url: None,
            status: EventStatus::Confirmed,
            organizer: None,
            attendees: Vec::new(),
            created: at("2025-03-01T09:00:00+07:00"),
            last_modified: at("2025-03-02T09:00:00+07:00"),
            rrule: None,
        }
    }

    fn feed(events: Vec<Event>) -> Feed {
        Feed {
            name: "Lịch công tác Sở Nội vụ".to_owned(),
            description: None,
            refresh_minutes: 60,
            stamp: at("2025-03-05T12:00:00Z"),
            events,
        }
    }

    /// The logical lines of a body: physical lines split on CRLF, continuations joined.
    fn unfold(body: &str) -> Vec<String> {
        assert!(body.ends_with("\r\n"));
        let mut lines: Vec<String> = Vec::new();
        for physical in body[..body.len() - 2].split("\r\n") {
            match physical.strip_prefix(' ') {
                Some(rest) => lines.last_mut().unwrap().push_str(rest),
                None => lines.push(physical.to_owned()),
            }
        }
        lines
    }

    /// The value of the only logical line starting with `name` (`"SUMMARY:"`, `"DTSTART;"` …).
    fn value(body: &str, name: &str) -> String {
        let found: Vec<String> = unfold(body).into_iter().filter(|l| l.starts_with(name)).collect();
        assert_eq!(found.len(), 1, "{name} in {body}");
        found[0].clone()
    }

    #[test]
    fn whole_feed_is_exactly_as_expected() {
        let mut e = event("lich-1@egov.test", "Họp giao ban");
        e.location = Some("Phòng họp 2".to_owned());
        e.organizer = Some("Giám đốc Sở".to_owned());
        e.attendees = vec!["Văn phòng".to_owned()];
        let expected = "BEGIN:VCALENDAR\r\n\
            VERSION:2.0\r\n\
            PRODID:-//egov//Lich cong tac//VI\r\n\
            CALSCALE:GREGORIAN\r\n\
            METHOD:PUBLISH\r\n\
            NAME:Lịch công tác Sở Nội vụ\r\n\
            X-WR-CALNAME:Lịch công tác Sở Nội vụ\r\n\
            REFRESH-INTERVAL;VALUE=DURATION:PT60M\r\n\
            X-PUBLISHED-TTL:PT60M\r\n\
            BEGIN:VEVENT\r\n\
            UID:lich-1@egov.test\r\n\
            DTSTAMP:20250305T120000Z\r\n\
            DTSTART:20250310T010000Z\r\n\
            DTEND:20250310T030000Z\r\n\
            SEQUENCE:0\r\n\
            STATUS:CONFIRMED\r\n\
            SUMMARY:Họp giao ban\r\n\
            LOCATION:Phòng họp 2\r\n\
            ORGANIZER;CN=\"Giám đốc Sở\":mailto:\r\n\
            ATTENDEE;CN=\"Văn phòng\":mailto:\r\n\
            CREATED:20250301T020000Z\r\n\
            LAST-MODIFIED:20250302T020000Z\r\n\
            END:VEVENT\r\n\
            END:VCALENDAR\r\n";
        assert_eq!(write(&feed(vec![e])), expected);
    }

    #[test]
    fn lines_end_with_crlf_only() {
        let mut e = event("a@b", "x\ny\r\nz\rw");
        e.description = Some("một\ndòng\r\nhai".to_owned());
        let body = write(&feed(vec![e]));
        let bytes = body.as_bytes();
        for (i, &b) in bytes.iter().enumerate() {
            if b == b'\n' {
                assert_eq!(bytes[i - 1], b'\r', "bare LF at {i}");
            }
            if b == b'\r' {
                assert_eq!(bytes.get(i + 1), Some(&b'\n'), "bare CR at {i}");
            }
        }
        assert!(body.ends_with("END:VCALENDAR\r\n"));
        assert_eq!(value(&body, "SUMMARY:"), "SUMMARY:x\\ny\\nz\\nw");
    }

    #[test]
    fn text_escapes_backslash_semicolon_comma_and_newline() {
        assert_eq!(escape_text(r"a\b;c,d"), r"a\\b\;c\,d");
        assert_eq!(escape_text("một\nhai"), r"một\nhai");
        assert_eq!(escape_text("x: \"y\""), "x: \"y\"", "colon and DQUOTE need no escape in TEXT");
        let mut e = event("a@b", r"Sở A; Sở B, Phòng C\D");
        e.location = Some("Tầng 3, phòng 301".to_owned());
        e.description = Some("Dòng 1;\nDòng 2".to_owned());
        let body = write(&feed(vec![e]));
        assert_eq!(value(&body, "SUMMARY:"), r"SUMMARY:Sở A\; Sở B\, Phòng C\\D");
        assert_eq!(value(&body, "LOCATION:"), r"LOCATION:Tầng 3\, phòng 301");
        assert_eq!(value(&body, "DESCRIPTION:"), r"DESCRIPTION:Dòng 1\;\nDòng 2");
    }

    #[test]
    fn text_is_nfc_without_control_characters() {
        // "Quyết" decomposed (e + combining circumflex + combining acute).
        assert_eq!(escape_text("Quye\u{302}\u{301}t"), "Quyết");
        assert_eq!(escape_text("a\u{0}b\u{7}c\u{1b}d\u{7f}e\u{85}f"), "abcdef");
        assert_eq!(escape_text("a\tb"), "a b");
        assert_eq!(escape_text("  giữa  "), "giữa");
    }

    #[test]
    fn long_vietnamese_lines_fold_between_characters() {
        let summary = "Hội nghị trực tuyến toàn quốc tổng kết công tác năm 2024, triển khai nhiệm vụ năm 2025 \
                       của ngành Nội vụ; đồng chí Giám đốc Sở chủ trì, các Phó Giám đốc và Trưởng phòng dự \
                       (đề nghị chuẩn bị báo cáo \"tham luận\" trước 16 giờ ngày thứ Sáu) ✅";
        let mut e = event("a@b", summary);
        e.organizer = Some("Đồng chí Nguyễn Thị Hồng Nhung, Phó Chủ tịch Ủy ban nhân dân tỉnh Quảng Ngãi".to_owned());
        let body = write(&feed(vec![e]));
        let mut folded = 0;
        for physical in body.as_bytes().split(|&b| b == b'\n') {
            let physical = physical.strip_suffix(b"\r").unwrap_or(physical);
            assert!(physical.len() <= 75, "{} octets: {:?}", physical.len(), String::from_utf8_lossy(physical));
            std::str::from_utf8(physical).expect("a fold split a UTF-8 character");
            folded += usize::from(physical.first() == Some(&b' '));
        }
        assert!(folded >= 4, "expected several folds, got {folded}");
        assert_eq!(value(&body, "SUMMARY:"), format!("SUMMARY:{}", escape_text(summary)));
        assert!(value(&body, "ORGANIZER;").contains("Quảng Ngãi\":mailto:"));
    }

    #[test]
    fn folding_property_random_multibyte_text() {
        // 1-, 2-, 3- and 4-octet characters, and the characters that get escaped.
        let alphabet: Vec<char> = "aZ 0;,\\\nđĐơƯếẫỹ中€😀🇻".chars().collect();
        let mut rng = Rng::new(5545);
        for _ in 0..500 {
            let s = rng.string_from(&alphabet, 300);
            let line = format!("SUMMARY:{}", escape_text_raw(&s));
            let mut out = Lines(String::new());
            out.line(&line);
            let physical: Vec<&str> = out.0.strip_suffix("\r\n").unwrap().split("\r\n").collect();
            for (i, p) in physical.iter().enumerate() {
                assert!(p.len() <= 75);
                assert_eq!(i > 0, p.starts_with(' '));
                // A fold is as late as possible: the next character would not have fitted.
                if i + 1 < physical.len() {
                    let next = physical[i + 1][1..].chars().next().unwrap();
                    assert!(p.len() + next.len_utf8() > 75);
                }
            }
            let unfolded: String =
                physical.iter().enumerate().map(|(i, p)| if i == 0 { *p } else { &p[1..] }).collect();
            assert_eq!(unfolded, line);
        }
    }

    #[test]
    fn names_are_quoted_parameters_without_dquote() {
        let mut e = event("a@b", "x");
        e.organizer = Some("Nguyễn Văn \"Ba\"; Giám đốc, Sở: Nội vụ".to_owned());
        e.attendees = vec!["Trần Thị\nBình".to_owned(), "  ".to_owned(), "Lê C".to_owned()];
        let body = write(&feed(vec![e]));
        assert_eq!(value(&body, "ORGANIZER;"), "ORGANIZER;CN=\"Nguyễn Văn 'Ba'; Giám đốc, Sở: Nội vụ\":mailto:");
        let attendees: Vec<String> = unfold(&body).into_iter().filter(|l| l.starts_with("ATTENDEE")).collect();
        assert_eq!(attendees, ["ATTENDEE;CN=\"Trần Thị Bình\":mailto:", "ATTENDEE;CN=\"Lê C\":mailto:"]);
        let mut e = event("a@b", "x");
        e.organizer = Some("\u{1}".to_owned());
        assert!(!write(&feed(vec![e])).contains("ORGANIZER"));
    }

    #[test]
    fn uid_url_and_rrule_cannot_break_out_of_their_line() {
        let mut e = event("abc\r\nEND:VEVENT\r\nBEGIN:VEVENT", "x");
        e.url = Some("https://egov.test/lich?id=1\r\nATTENDEE:mailto:x@y".to_owned());
        e.rrule = Some("FREQ=DAILY;COUNT=2\nATTENDEE:mailto:x@y".to_owned());
        let body = write(&feed(vec![e]));
        assert_eq!(body.matches("\r\nBEGIN:VEVENT\r\n").count(), 1);
        assert_eq!(body.matches("\r\nEND:VEVENT\r\n").count(), 1);
        assert_eq!(unfold(&body).iter().filter(|l| l.starts_with("BEGIN:VEVENT")).count(), 1);
        assert_eq!(value(&body, "UID:"), "UID:abcEND:VEVENTBEGIN:VEVENT");
        assert_eq!(value(&body, "URL:"), "URL:https://egov.test/lich?id=1ATTENDEE:mailto:x@y");
        assert!(!unfold(&body).iter().any(|l| l.starts_with("ATTENDEE")));
        let mut e = event("a,b;c\\d", "x");
        e.url = Some("https://egov.test/a,b;c".to_owned());
        let body = write(&feed(vec![e]));
        assert_eq!(value(&body, "UID:"), r"UID:a\,b\;c\\d", "UID is TEXT");
        assert_eq!(value(&body, "URL:"), "URL:https://egov.test/a,b;c", "a URI is not escaped");
    }

    #[test]
    fn output_is_stable() {
        let mut a = event("a@b", "Họp; giao ban");
        a.attendees = vec!["B".to_owned(), "A".to_owned()];
        let mut b = event("c@d", "Tiếp công dân");
        b.rrule = Some("FREQ=WEEKLY;BYDAY=TH".to_owned());
        let f = feed(vec![a, b]);
        let first = write(&f);
        assert_eq!(write(&f.clone()), first);
        assert_eq!(etag(&write(&f)), etag(&first));
        let attendees: Vec<String> = unfold(&first).into_iter().filter(|l| l.starts_with("ATTENDEE")).collect();
        assert_eq!(attendees, ["ATTENDEE;CN=\"B\":mailto:", "ATTENDEE;CN=\"A\":mailto:"], "input order kept");
    }

    #[test]
    fn times_are_utc() {
        let mut e = event("a@b", "x");
        e.start = at("2025-03-10T06:30:15.9+07:00");
        e.end = at("2025-03-10T07:00:00+07:00");
        let body = write(&feed(vec![e]));
        assert_eq!(value(&body, "DTSTART"), "DTSTART:20250309T233015Z");
        assert_eq!(value(&body, "DTEND"), "DTEND:20250310T000000Z");
        assert_eq!(value(&body, "DTSTAMP"), "DTSTAMP:20250305T120000Z");
        assert!(!body.contains("VTIMEZONE") && !body.contains("TZID"));
    }

    #[test]
    fn dtend_is_left_out_unless_after_dtstart() {
        for end in ["2025-03-10T08:00:00.5+07:00", "2025-03-10T07:00:00+07:00"] {
            let mut e = event("a@b", "x");
            e.end = at(end);
            let body = write(&feed(vec![e]));
            assert!(!body.contains("DTEND"), "{end}");
        }
    }

    #[test]
    fn all_day_events_use_vietnam_dates() {
        let cases = [
            // One day, end at the next midnight.
            ("2025-04-30T00:00:00+07:00", "2025-05-01T00:00:00+07:00", "20250430", "20250501"),
            // Two days, end during the last day.
            ("2025-04-30T08:00:00+07:00", "2025-05-01T17:00:00+07:00", "20250430", "20250502"),
            // 00:30 in Vietnam is still the day before in UTC.
            ("2025-03-09T17:30:00Z", "2025-03-09T18:00:00Z", "20250310", "20250311"),
            // No duration, or an end before the start: one day.
            ("2025-03-10T08:00:00+07:00", "2025-03-10T08:00:00+07:00", "20250310", "20250311"),
            ("2025-03-10T08:00:00+07:00", "2025-03-01T08:00:00+07:00", "20250310", "20250311"),
            // Across a year.
            ("2025-12-31T00:00:00+07:00", "2026-01-02T00:00:00+07:00", "20251231", "20260102"),
        ];
        for (start, end, first, after) in cases {
            let mut e = event("a@b", "Nghỉ lễ");
            e.all_day = true;
            e.start = at(start);
            e.end = at(end);
            let body = write(&feed(vec![e]));
            assert_eq!(value(&body, "DTSTART"), format!("DTSTART;VALUE=DATE:{first}"), "{start}");
            assert_eq!(value(&body, "DTEND"), format!("DTEND;VALUE=DATE:{after}"), "{start}–{end}");
        }
    }

    #[test]
    fn timed_recurring_events_are_in_vietnam_time() {
        let mut e = event("a@b", "Giao ban thứ Hai");
        e.start = at("2025-03-03T06:30:00+07:00");
        e.end = at("2025-03-03T07:30:00+07:00");
        e.rrule = Some("RRULE:FREQ=WEEKLY;BYDAY=MO;COUNT=5".to_owned());
        let mut whole_day = event("c@d", "Trực lễ");
        whole_day.all_day = true;
        whole_day.rrule = Some("FREQ=YEARLY".to_owned());
        let body = write(&feed(vec![e, whole_day.clone()]));
        assert_eq!(value(&body, "DTSTART;TZID"), "DTSTART;TZID=Asia/Ho_Chi_Minh:20250303T063000");
        assert_eq!(value(&body, "DTEND;TZID"), "DTEND;TZID=Asia/Ho_Chi_Minh:20250303T073000");
        let rules: Vec<String> = unfold(&body).into_iter().filter(|l| l.starts_with("RRULE")).collect();
        assert_eq!(rules, ["RRULE:FREQ=WEEKLY;BYDAY=MO;COUNT=5", "RRULE:FREQ=YEARLY"]);
        let tz = "BEGIN:VTIMEZONE\r\nTZID:Asia/Ho_Chi_Minh\r\nBEGIN:STANDARD\r\nDTSTART:19700101T000000\r\n\
                  TZOFFSETFROM:+0700\r\nTZOFFSETTO:+0700\r\nEND:STANDARD\r\nEND:VTIMEZONE\r\n";
        assert_eq!(body.matches(tz).count(), 1);
        assert!(body.find(tz).unwrap() < body.find("BEGIN:VEVENT").unwrap());
        // Only all-day recurring events: no zone needed.
        assert!(!write(&feed(vec![whole_day])).contains("VTIMEZONE"));
    }

    #[test]
    fn until_takes_the_type_of_dtstart() {
        let timed = |rule: &str| {
            let mut e = event("a@b", "x");
            e.rrule = Some(rule.to_owned());
            value(&write(&feed(vec![e])), "RRULE:")
        };
        let all_day = |rule: &str| {
            let mut e = event("a@b", "x");
            e.all_day = true;
            e.rrule = Some(rule.to_owned());
            value(&write(&feed(vec![e])), "RRULE:")
        };
        // A date: the end of that day in Vietnam.
        assert_eq!(timed("FREQ=WEEKLY;UNTIL=20250321;BYDAY=FR"), "RRULE:FREQ=WEEKLY;UNTIL=20250321T165959Z;BYDAY=FR");
        assert_eq!(timed("FREQ=DAILY;UNTIL=20250321T100000Z"), "RRULE:FREQ=DAILY;UNTIL=20250321T100000Z");
        assert_eq!(timed("FREQ=DAILY;until=20250321T100000"), "RRULE:FREQ=DAILY;UNTIL=20250321T030000Z");
        assert_eq!(all_day("FREQ=DAILY;UNTIL=20250321"), "RRULE:FREQ=DAILY;UNTIL=20250321");
        // 20 March 18:00 UTC is already 21 March in Vietnam.
        assert_eq!(all_day("FREQ=DAILY;UNTIL=20250320T180000Z"), "RRULE:FREQ=DAILY;UNTIL=20250321");
        assert_eq!(timed("FREQ=DAILY;UNTIL=soon"), "RRULE:FREQ=DAILY;UNTIL=soon");
        assert_eq!(timed("FREQ=DAILY;UNTIL=20250230"), "RRULE:FREQ=DAILY;UNTIL=20250230");
        let mut e = event("a@b", "x");
        e.rrule = Some(" RRULE: ".to_owned());
        let body = write(&feed(vec![e]));
        assert!(!body.contains("RRULE") && !body.contains("TZID"));
    }

    #[test]
    fn sequence_status_and_feed_properties() {
        let mut e = event("a@b", "Hoãn họp");
        e.sequence = 3;
        e.status = EventStatus::Cancelled;
        e.url = Some("https://egov.test/lich/1".to_owned());
        let mut t = event("c@d", "Dự kiến");
        t.status = EventStatus::Tentative;
        let mut f = feed(vec![e, t]);
        f.description = Some("Lịch tuần, cập nhật hằng giờ".to_owned());
        f.refresh_minutes = 30;
        let body = write(&f);
        assert_eq!(value(&body, "SEQUENCE:3"), "SEQUENCE:3");
        assert_eq!(value(&body, "STATUS:CANCELLED"), "STATUS:CANCELLED");
        assert_eq!(value(&body, "STATUS:TENTATIVE"), "STATUS:TENTATIVE");
        assert_eq!(value(&body, "URL:"), "URL:https://egov.test/lich/1");
        assert_eq!(value(&body, "REFRESH-INTERVAL"), "REFRESH-INTERVAL;VALUE=DURATION:PT30M");
        assert_eq!(value(&body, "X-PUBLISHED-TTL"), "X-PUBLISHED-TTL:PT30M");
        assert_eq!(value(&body, "DESCRIPTION:"), r"DESCRIPTION:Lịch tuần\, cập nhật hằng giờ");
        assert_eq!(value(&body, "X-WR-CALDESC:"), r"X-WR-CALDESC:Lịch tuần\, cập nhật hằng giờ");
        assert_eq!(body.matches("DTSTAMP:20250305T120000Z\r\n").count(), 2);
        f.refresh_minutes = 0;
        assert_eq!(value(&write(&f), "X-PUBLISHED-TTL"), "X-PUBLISHED-TTL:PT1M");
    }

    #[test]
    fn etag_is_a_strong_quoted_sha256_prefix() {
        let tag = etag("BEGIN:VCALENDAR\r\n");
        assert_eq!(tag.len(), 34);
        assert!(tag.starts_with('"') && tag.ends_with('"') && !tag.starts_with("W/"));
        assert!(tag[1..33].bytes().all(|b| b.is_ascii_hexdigit() && !b.is_ascii_uppercase()));
        assert_eq!(etag(""), "\"e3b0c44298fc1c149afbf4c8996fb924\"");
        assert_ne!(etag("a"), etag("b"));
    }
}
