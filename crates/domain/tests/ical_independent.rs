//! The iCalendar writer checked by independent readers: `ical_independent.py` parses a feed written
//! by `egov_domain::ical` with the PyPI package `icalendar`, expands its recurring events with
//! `recurring-ical-events` (python-dateutil underneath), checks the raw lines on its own, and
//! prints what it read; every value must be what was written, after unescaping and unfolding.
//!
//! Without python3 or the packages the test prints a skip note, unless `EGOV_REQUIRE_ICAL_CHECK=1`,
//! where it fails (CI sets it after `python3 -m pip install icalendar recurring-ical-events`).

use std::collections::BTreeMap;
use std::io::Write;
use std::process::{Command, Stdio};

use egov_domain::ical::{self, Event, EventStatus, Feed};
use jiff::Timestamp;
use serde_json::Value;

const PLAIN_SUMMARY: &str = r"Họp giao ban: Sở Nội vụ; UBND tỉnh, Văn phòng\Tổng hợp";
const PLAIN_DESCRIPTION: &str =
    "Thành phần: Giám đốc, các Phó Giám đốc; Trưởng phòng.\nChuẩn bị tài liệu: Phòng Tổ chức\\Cán bộ, “dự thảo”";
const LONG_SUMMARY: &str = "Hội nghị trực tuyến toàn quốc tổng kết công tác năm 2024 và triển khai nhiệm vụ năm \
                            2025 của ngành Nội vụ; đồng chí Giám đốc Sở chủ trì, mời lãnh đạo các phòng, ban, \
                            đơn vị trực thuộc dự tại điểm cầu tỉnh (Hội trường tầng 5, số 52 đường Hùng Vương)";

fn package_available() -> bool {
    let ok = Command::new("python3")
        .args(["-c", "import icalendar, recurring_ical_events"])
        .stderr(Stdio::null())
        .status()
        .map(|s| s.success())
        .unwrap_or(false);
    if !ok {
        if std::env::var("EGOV_REQUIRE_ICAL_CHECK").as_deref() == Ok("1") {
            panic!(
                "EGOV_REQUIRE_ICAL_CHECK=1 but python3 cannot import icalendar and recurring_ical_events \
                 (python3 -m pip install icalendar recurring-ical-events)"
            );
        }
        eprintln!(
            "SKIPPED: python3 cannot import icalendar and recurring_ical_events (python3 -m pip install \
             icalendar recurring-ical-events); iCalendar feed not cross-checked"
        );
    }
    ok
}

fn at(s: &str) -> Timestamp {
    s.parse().unwrap_or_else(|e| panic!("bad timestamp {s:?}: {e}"))
}

fn event(uid: &str, summary: &str, start: &str, end: &str) -> Event {
    Event {
        uid: uid.to_owned(),
        sequence: 0,
        start: at(start),
        end: at(end),
        all_day: false,
        summary: summary.to_owned(),
        location: None,
        description: None,
        url: None,
        status: EventStatus::Confirmed,
        organizer: None,
        attendees: Vec::new(),
        created: at("2025-02-20T09:00:00+07:00"),
        last_modified: at("2025-02-25T15:30:00+07:00"),
        rrule: None,
    }
}

fn feed() -> Feed {
    let mut plain = event("lich-1@egov.test", PLAIN_SUMMARY, "2025-03-10T08:00:00+07:00", "2025-03-10T11:30:00+07:00");
    plain.location = Some("Phòng họp số 2, tầng 3; trụ sở Sở".to_owned());
    plain.description = Some(PLAIN_DESCRIPTION.to_owned());
    plain.url = Some("https://egov.test/lich?tuan=11&nam=2025,a;b".to_owned());
    plain.organizer = Some("Nguyễn Văn \"Ba\"; Giám đốc, Sở: Nội vụ".to_owned());
    plain.attendees = vec!["Trần Thị Bình".to_owned(), "Lê Văn Cường, Phó Giám đốc".to_owned()];

    let long = event("lich-2@egov.test", LONG_SUMMARY, "2025-03-11T13:30:00+07:00", "2025-03-11T17:00:00+07:00");

    let mut cancelled =
        event("lich-3@egov.test", "Tiếp công dân định kỳ", "2025-03-12T07:30:00+07:00", "2025-03-12T11:00:00+07:00");
    cancelled.status = EventStatus::Cancelled;
    cancelled.sequence = 3;

    let mut all_day =
        event("lich-4@egov.test", "Nghỉ lễ 30/4 và 1/5", "2025-04-30T00:00:00+07:00", "2025-05-02T00:00:00+07:00");
    all_day.all_day = true;

    // 06:30 in Vietnam is 23:30 on Sunday in UTC: the rule must be read in Vietnam's time.
    let mut weekly =
        event("lich-5@egov.test", "Chào cờ đầu tuần", "2025-03-03T06:30:00+07:00", "2025-03-03T07:30:00+07:00");
    weekly.rrule = Some("FREQ=WEEKLY;BYDAY=MO;COUNT=5".to_owned());

    // An UNTIL given as a date (as `rrule::Rule::to_rfc5545` writes it) on a timed event.
    let mut until =
        event("lich-6@egov.test", "Giao ban chiều thứ Sáu", "2025-03-07T16:00:00+07:00", "2025-03-07T17:00:00+07:00");
    until.rrule = Some("FREQ=WEEKLY;BYDAY=FR;UNTIL=20250321".to_owned());

    Feed {
        name: "Lịch công tác Sở Nội vụ, tỉnh Quảng Ngãi".to_owned(),
        description: Some("Lịch tuần của lãnh đạo Sở".to_owned()),
        refresh_minutes: 60,
        stamp: at("2025-03-05T12:00:00Z"),
        events: vec![plain, long, cancelled, all_day, weekly, until],
    }
}

fn str_of<'a>(v: &'a Value, key: &str) -> &'a str {
    v[key].as_str().unwrap_or_else(|| panic!("{key} missing in {v}"))
}

/// A timestamp printed by Python (`2025-03-10T01:00:00+00:00`).
fn instant(v: &Value, key: &str) -> Timestamp {
    at(str_of(v, key))
}

/// A display name as written: one line, `"` replaced by `'`.
fn cn(s: &str) -> String {
    s.replace('"', "'")
}

#[test]
fn feed_reads_back_in_icalendar_and_recurring_ical_events() {
    if !package_available() {
        return;
    }
    let feed = feed();
    let body = ical::write(&feed);
    let script = concat!(env!("CARGO_MANIFEST_DIR"), "/tests/ical_independent.py");
    let mut child = Command::new("python3")
        .args([script, "2025-03-01", "2025-05-10"])
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::inherit())
        .spawn()
        .expect("run python3");
    child.stdin.take().expect("stdin").write_all(body.as_bytes()).expect("write the feed");
    let out = child.wait_with_output().expect("wait for python3");
    assert!(out.status.success(), "{script} failed on:\n{body}");
    let text = String::from_utf8(out.stdout).expect("utf-8");

    let mut versions = String::new();
    let mut raw = None;
    let mut calendar = None;
    let mut events: BTreeMap<String, Value> = BTreeMap::new();
    let mut occurrences: BTreeMap<String, Vec<Timestamp>> = BTreeMap::new();
    let mut all_day_occurrences: BTreeMap<String, Vec<String>> = BTreeMap::new();
    for line in text.lines() {
        let v: Value = serde_json::from_str(line).unwrap_or_else(|e| panic!("bad line {line:?}: {e}"));
        match str_of(&v, "kind") {
            "version" => {
                versions = format!(
                    "icalendar {}, recurring-ical-events {}",
                    str_of(&v, "icalendar"),
                    str_of(&v, "recurring_ical_events")
                )
            }
            "raw" => raw = Some(v),
            "calendar" => calendar = Some(v),
            "event" => {
                let uid = str_of(&v, "uid").to_owned();
                assert!(events.insert(uid.clone(), v).is_none(), "UID {uid} twice");
            }
            "occurrence" => {
                let uid = str_of(&v, "uid").to_owned();
                let start = str_of(&v, "start");
                if start.len() == 10 {
                    all_day_occurrences.entry(uid).or_default().push(start.to_owned());
                } else {
                    occurrences.entry(uid).or_default().push(at(start));
                }
            }
            other => panic!("unexpected kind {other} in {line:?}"),
        }
    }
    assert!(!versions.is_empty(), "no version line");

    let raw = raw.expect("no raw line");
    assert_eq!(raw["problems"], Value::Array(Vec::new()), "raw lines:\n{body}");
    let folded = raw["folded"].as_u64().expect("folded");
    assert!(folded >= 3, "the long summary should fold several times, {folded} folds");

    let cal = calendar.expect("no calendar line");
    assert_eq!(cal["errors"], Value::Array(Vec::new()), "icalendar reported errors on:\n{body}");
    assert_eq!(str_of(&cal, "version"), "2.0");
    assert_eq!(str_of(&cal, "prodid"), "-//egov//Lich cong tac//VI");
    assert_eq!(str_of(&cal, "method"), "PUBLISH");
    assert_eq!(str_of(&cal, "name"), feed.name);
    assert_eq!(str_of(&cal, "calname"), feed.name);
    assert_eq!(cal["refresh_seconds"].as_f64(), Some(3600.0));
    assert_eq!(str_of(&cal, "refresh_value"), "DURATION");
    assert_eq!(str_of(&cal, "published_ttl"), "PT60M");
    assert_eq!(cal["timezones"], serde_json::json!(["Asia/Ho_Chi_Minh"]));

    assert_eq!(events.len(), feed.events.len());
    for e in &feed.events {
        let got = events.get(&e.uid).unwrap_or_else(|| panic!("{} not read back", e.uid));
        assert_eq!(str_of(got, "summary"), e.summary, "{}", e.uid);
        let status = match e.status {
            EventStatus::Confirmed => "CONFIRMED",
            EventStatus::Tentative => "TENTATIVE",
            EventStatus::Cancelled => "CANCELLED",
        };
        assert_eq!(str_of(got, "status"), status, "{}", e.uid);
        assert_eq!(got["sequence"].as_u64(), Some(u64::from(e.sequence)), "{}", e.uid);
        assert_eq!(instant(got, "dtstamp"), feed.stamp);
        if !e.all_day {
            assert_eq!(instant(got, "dtstart"), e.start, "{}", e.uid);
            assert_eq!(instant(got, "dtend"), e.end, "{}", e.uid);
        }
        assert_eq!(got["location"].as_str(), e.location.as_deref(), "{}", e.uid);
        assert_eq!(got["description"].as_str(), e.description.as_deref(), "{}", e.uid);
        assert_eq!(got["url"].as_str(), e.url.as_deref(), "{}", e.uid);
        let organizer: Vec<Value> =
            e.organizer.iter().map(|name| serde_json::json!({"cn": cn(name), "value": "mailto:"})).collect();
        assert_eq!(got["organizer"], Value::Array(organizer), "{}", e.uid);
        let attendees: Vec<Value> =
            e.attendees.iter().map(|name| serde_json::json!({"cn": cn(name), "value": "mailto:"})).collect();
        assert_eq!(got["attendees"], Value::Array(attendees), "{}", e.uid);
    }

    // The cancelled event.
    let cancelled = &events["lich-3@egov.test"];
    assert_eq!((str_of(cancelled, "status"), cancelled["sequence"].as_u64()), ("CANCELLED", Some(3)));

    // The all-day event: two dates in Vietnam, DTEND the day after the last.
    let all_day = &events["lich-4@egov.test"];
    assert_eq!((str_of(all_day, "dtstart"), str_of(all_day, "dtend")), ("2025-04-30", "2025-05-02"));
    assert_eq!(all_day_occurrences["lich-4@egov.test"], ["2025-04-30"]);

    // The weekly rule: five Mondays at 06:30 in Vietnam.
    assert_eq!(str_of(&events["lich-5@egov.test"], "dtstart"), "2025-03-03T06:30:00+07:00");
    let mondays: Vec<Timestamp> =
        ["03", "10", "17", "24", "31"].iter().map(|day| at(&format!("2025-03-{day}T06:30:00+07:00"))).collect();
    assert_eq!(occurrences["lich-5@egov.test"], mondays);

    // The date UNTIL includes its own day's occurrence.
    let fridays: Vec<Timestamp> =
        ["07", "14", "21"].iter().map(|day| at(&format!("2025-03-{day}T16:00:00+07:00"))).collect();
    assert_eq!(occurrences["lich-6@egov.test"], fridays);

    // Single events occur once.
    for uid in ["lich-1@egov.test", "lich-2@egov.test"] {
        assert_eq!(occurrences[uid].len(), 1, "{uid}");
    }

    eprintln!(
        "iCalendar feed vs {versions}: {} events, {} physical lines ({folded} folded), {} occurrences read back",
        events.len(),
        raw["lines"],
        occurrences.values().map(Vec::len).sum::<usize>() + all_day_occurrences.values().map(Vec::len).sum::<usize>()
    );
}
