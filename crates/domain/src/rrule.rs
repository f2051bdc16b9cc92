//! Recurrence rules (RFC 5545 RRULE) for dates: the subset recurring tasks and schedule entries
//! use, parsed with field errors and expanded with bounds so that no rule can run away.
//!
//! Supported: `FREQ` (DAILY, WEEKLY, MONTHLY, YEARLY), `INTERVAL`, `COUNT` (at most
//! [`MAX_COUNT`]), `UNTIL` (a date, or a date-time whose date is taken), `BYDAY` (with an
//! ordinal such as `1MO` or `-1FR` for monthly and yearly rules), `BYMONTHDAY` (negative counts
//! from the month's end), `BYMONTH` and `WKST` (accepted; weeks start on Monday here, as in
//! Vietnam). Anything else is refused by name, never ignored.

use jiff::civil::{Date, Weekday};

use crate::FieldError;

/// Most occurrences a rule with `COUNT` may ask for.
pub const MAX_COUNT: u32 = 1000;
/// Largest `INTERVAL`.
pub const MAX_INTERVAL: u32 = 1000;
/// Periods (days, weeks, months or years) looked through for the next occurrence before giving up:
/// a rule such as "every 30 February" produces nothing and is refused when parsed.
const SEARCH_PERIODS: u32 = 4000;

/// How often a rule repeats.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Freq {
    Daily,
    Weekly,
    Monthly,
    Yearly,
}

/// A parsed rule.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Rule {
    pub freq: Freq,
    pub interval: u32,
    pub count: Option<u32>,
    pub until: Option<Date>,
    /// Weekdays, each with an optional ordinal within the month (or year).
    pub by_day: Vec<(Option<i8>, Weekday)>,
    pub by_month_day: Vec<i8>,
    pub by_month: Vec<i8>,
}

fn err(code: &'static str, vi: impl Into<String>, en: impl Into<String>, field: &'static str) -> FieldError {
    FieldError::new(field, code, vi, en)
}

fn weekday(s: &str) -> Option<Weekday> {
    Some(match s {
        "MO" => Weekday::Monday,
        "TU" => Weekday::Tuesday,
        "WE" => Weekday::Wednesday,
        "TH" => Weekday::Thursday,
        "FR" => Weekday::Friday,
        "SA" => Weekday::Saturday,
        "SU" => Weekday::Sunday,
        _ => return None,
    })
}

fn weekday_code(d: Weekday) -> &'static str {
    match d {
        Weekday::Monday => "MO",
        Weekday::Tuesday => "TU",
        Weekday::Wednesday => "WE",
        Weekday::Thursday => "TH",
        Weekday::Friday => "FR",
        Weekday::Saturday => "SA",
        Weekday::Sunday => "SU",
    }
}

impl Rule {
    /// Parses `input` (with or without a leading `RRULE:`), refusing what is unsupported or
    /// meaningless with an error on `field`. A rule without `COUNT` or `UNTIL` repeats without end
    /// (its occurrences are made one at a time as they come); one that can produce no date at all
    /// from `start` is refused.
    pub fn parse(input: &str, start: Date, field: &'static str) -> Result<Rule, FieldError> {
        let s = input.trim();
        let s = s.strip_prefix("RRULE:").unwrap_or(s);
        if s.is_empty() {
            return Err(err("required", "Vui lòng nhập quy tắc lặp.", "Enter a recurrence rule.", field));
        }
        if s.len() > 500 {
            return Err(err("too_long", "Quy tắc lặp quá dài.", "The recurrence rule is too long.", field));
        }
        let mut freq = None;
        let mut rule = Rule {
            freq: Freq::Daily,
            interval: 1,
            count: None,
            until: None,
            by_day: Vec::new(),
            by_month_day: Vec::new(),
            by_month: Vec::new(),
        };
        let mut seen = Vec::new();
        for part in s.split(';').filter(|p| !p.is_empty()) {
            let (name, value) = part.split_once('=').ok_or_else(|| {
                err(
                    "rrule_invalid",
                    format!("Phần “{part}” của quy tắc lặp không có dạng TÊN=giá trị."),
                    format!("Part “{part}” of the rule is not NAME=value."),
                    field,
                )
            })?;
            let name = name.trim().to_ascii_uppercase();
            let value = value.trim().to_ascii_uppercase();
            if seen.contains(&name) {
                return Err(err(
                    "rrule_invalid",
                    format!("{name} xuất hiện hai lần trong quy tắc lặp."),
                    format!("{name} appears twice in the rule."),
                    field,
                ));
            }
            seen.push(name.clone());
            let bad_value = || {
                err(
                    "rrule_invalid",
                    format!("Giá trị “{value}” của {name} không hợp lệ."),
                    format!("“{value}” is not a valid value of {name}."),
                    field,
                )
            };
            match name.as_str() {
                "FREQ" => {
                    freq = Some(match value.as_str() {
                        "DAILY" => Freq::Daily,
                        "WEEKLY" => Freq::Weekly,
                        "MONTHLY" => Freq::Monthly,
                        "YEARLY" => Freq::Yearly,
                        _ => {
                            return Err(err(
                                "rrule_unsupported",
                                "Chỉ hỗ trợ lặp theo ngày, tuần, tháng hoặc năm.",
                                "Only daily, weekly, monthly and yearly rules are supported.",
                                field,
                            ))
                        }
                    })
                }
                "INTERVAL" => {
                    rule.interval =
                        value.parse().ok().filter(|n| (1..=MAX_INTERVAL).contains(n)).ok_or_else(bad_value)?
                }
                "COUNT" => {
                    let n: u64 = value.parse().map_err(|_| bad_value())?;
                    if n == 0 || n > u64::from(MAX_COUNT) {
                        return Err(err(
                            "rrule_count",
                            format!("Số lần lặp (COUNT) phải từ 1 đến {MAX_COUNT}."),
                            format!("COUNT must be between 1 and {MAX_COUNT}."),
                            field,
                        ));
                    }
                    rule.count = Some(n as u32);
                }
                "UNTIL" => rule.until = Some(parse_until(&value).ok_or_else(bad_value)?),
                "BYDAY" => {
                    for item in value.split(',') {
                        let item = item.trim();
                        let split = item.len().checked_sub(2).ok_or_else(bad_value)?;
                        let (ord, day) = item.split_at(split);
                        let day = weekday(day).ok_or_else(bad_value)?;
                        let ord = if ord.is_empty() {
                            None
                        } else {
                            let n: i8 = ord.trim_start_matches('+').parse().map_err(|_| bad_value())?;
                            if n == 0 || !(-53..=53).contains(&n) {
                                return Err(bad_value());
                            }
                            Some(n)
                        };
                        rule.by_day.push((ord, day));
                    }
                }
                "BYMONTHDAY" => {
                    for item in value.split(',') {
                        let n: i8 = item.trim().parse().map_err(|_| bad_value())?;
                        if n == 0 || !(-31..=31).contains(&n) {
                            return Err(bad_value());
                        }
                        rule.by_month_day.push(n);
                    }
                }
                "BYMONTH" => {
                    for item in value.split(',') {
                        let n: i8 = item.trim().parse().map_err(|_| bad_value())?;
                        if !(1..=12).contains(&n) {
                            return Err(bad_value());
                        }
                        rule.by_month.push(n);
                    }
                }
                "WKST" => {
                    weekday(&value).ok_or_else(bad_value)?;
                }
                _ => {
                    return Err(err(
                        "rrule_unsupported",
                        format!("Quy tắc lặp có phần {name} chưa được hỗ trợ."),
                        format!("{name} is not supported in recurrence rules."),
                        field,
                    ))
                }
            }
        }
        rule.freq =
            freq.ok_or_else(|| err("rrule_invalid", "Quy tắc lặp thiếu FREQ.", "The rule has no FREQ.", field))?;
        if rule.count.is_some() && rule.until.is_some() {
            return Err(err(
                "rrule_invalid",
                "Quy tắc lặp chỉ được có COUNT hoặc UNTIL, không được cả hai.",
                "A rule has COUNT or UNTIL, not both.",
                field,
            ));
        }
        let ordinals = rule.by_day.iter().any(|(o, _)| o.is_some());
        if ordinals && matches!(rule.freq, Freq::Daily | Freq::Weekly) {
            return Err(err(
                "rrule_invalid",
                "Thứ có số thứ tự (như 1MO) chỉ dùng cho lặp theo tháng hoặc năm.",
                "Weekdays with an ordinal (such as 1MO) are for monthly and yearly rules only.",
                field,
            ));
        }
        if rule.until.is_some_and(|u| u < start) {
            return Err(err(
                "rrule_until_before_start",
                "Ngày kết thúc lặp (UNTIL) ở trước ngày bắt đầu.",
                "UNTIL is before the first date.",
                field,
            ));
        }
        if rule.occurrences(start).next().is_none() {
            return Err(err("rrule_empty", "Quy tắc lặp không cho ra ngày nào.", "The rule produces no date.", field));
        }
        Ok(rule)
    }

    /// The rule written back in RFC 5545 form (without `RRULE:`).
    pub fn to_rfc5545(&self) -> String {
        let mut out = format!(
            "FREQ={}",
            match self.freq {
                Freq::Daily => "DAILY",
                Freq::Weekly => "WEEKLY",
                Freq::Monthly => "MONTHLY",
                Freq::Yearly => "YEARLY",
            }
        );
        if self.interval != 1 {
            out += &format!(";INTERVAL={}", self.interval);
        }
        if let Some(c) = self.count {
            out += &format!(";COUNT={c}");
        }
        if let Some(u) = self.until {
            out += &format!(";UNTIL={}", u.strftime("%Y%m%d"));
        }
        if !self.by_day.is_empty() {
            let days: Vec<String> = self
                .by_day
                .iter()
                .map(|(o, d)| format!("{}{}", o.map(|o| o.to_string()).unwrap_or_default(), weekday_code(*d)))
                .collect();
            out += &format!(";BYDAY={}", days.join(","));
        }
        if !self.by_month_day.is_empty() {
            let days: Vec<String> = self.by_month_day.iter().map(i8::to_string).collect();
            out += &format!(";BYMONTHDAY={}", days.join(","));
        }
        if !self.by_month.is_empty() {
            let months: Vec<String> = self.by_month.iter().map(i8::to_string).collect();
            out += &format!(";BYMONTH={}", months.join(","));
        }
        out
    }

    /// The dates of the rule from `start` (which counts as the first when it matches the rule),
    /// in order. Ends after `COUNT` dates, after `UNTIL`, or when nothing more is found within a
    /// few thousand periods (or at the end of the calendar).
    pub fn occurrences(&self, start: Date) -> Occurrences<'_> {
        Occurrences { rule: self, start, period: 0, pending: Vec::new(), emitted: 0, empty_run: 0, done: false }
    }

    /// The first day of period `k` after `start`'s period (`None` past the end of the calendar).
    fn period_start(&self, start: Date, k: u32) -> Option<Date> {
        let step = i64::from(k) * i64::from(self.interval);
        match self.freq {
            Freq::Daily => start.checked_add(jiff::Span::new().days(step)).ok(),
            Freq::Weekly => start
                .checked_sub(jiff::Span::new().days(i64::from(start.weekday().to_monday_zero_offset())))
                .ok()?
                .checked_add(jiff::Span::new().weeks(step))
                .ok(),
            Freq::Monthly => start.first_of_month().checked_add(jiff::Span::new().months(step)).ok(),
            Freq::Yearly => {
                let year = i16::try_from(i64::from(start.year()) + step).ok().filter(|y| *y <= 9999)?;
                Date::new(year, 1, 1).ok()
            }
        }
    }

    /// The candidate dates of period `k` after `start`'s period, in order.
    fn period_dates(&self, start: Date, k: u32) -> Option<Vec<Date>> {
        let step = i64::from(k) * i64::from(self.interval);
        let mut out = match self.freq {
            Freq::Daily => {
                let d = start.checked_add(jiff::Span::new().days(step)).ok()?;
                vec![d]
            }
            Freq::Weekly => {
                let monday = start
                    .checked_sub(jiff::Span::new().days(i64::from(start.weekday().to_monday_zero_offset())))
                    .ok()?
                    .checked_add(jiff::Span::new().weeks(step))
                    .ok()?;
                let days: Vec<Weekday> = if self.by_day.is_empty() {
                    vec![start.weekday()]
                } else {
                    self.by_day.iter().map(|(_, d)| *d).collect()
                };
                days.iter()
                    .filter_map(|d| {
                        monday.checked_add(jiff::Span::new().days(i64::from(d.to_monday_zero_offset()))).ok()
                    })
                    .collect()
            }
            Freq::Monthly => {
                let first = start.first_of_month().checked_add(jiff::Span::new().months(step)).ok()?;
                self.month_dates(first, start)
            }
            Freq::Yearly => {
                let year = i64::from(start.year()) + step;
                let year = i16::try_from(year).ok().filter(|y| *y <= 9999)?;
                let months: Vec<i8> =
                    if self.by_month.is_empty() { vec![start.month()] } else { self.by_month.clone() };
                let mut out = Vec::new();
                if self.by_month.is_empty()
                    && self.by_month_day.is_empty()
                    && self.by_day.iter().any(|(o, _)| o.is_some())
                {
                    // 20MO in a yearly rule: the n-th weekday of the year.
                    let jan = Date::new(year, 1, 1).ok()?;
                    let dec = Date::new(year, 12, 31).ok()?;
                    out.extend(self.nth_weekdays(jan, dec));
                } else {
                    for m in months {
                        if let Ok(first) = Date::new(year, m, 1) {
                            out.extend(self.month_dates(first, start));
                        }
                    }
                }
                out
            }
        };
        if !self.by_month.is_empty() && self.freq != Freq::Yearly {
            out.retain(|d| self.by_month.contains(&d.month()));
        }
        if self.freq == Freq::Daily || self.freq == Freq::Weekly {
            if !self.by_month_day.is_empty() {
                out.retain(|d| self.by_month_day.iter().any(|&n| month_day_matches(*d, n)));
            }
            if self.freq == Freq::Daily && !self.by_day.is_empty() {
                out.retain(|d| self.by_day.iter().any(|(_, w)| *w == d.weekday()));
            }
        }
        out.sort();
        out.dedup();
        Some(out)
    }

    /// The dates of the month starting `first` that the rule's BYMONTHDAY/BYDAY pick (the
    /// start's day of the month when neither is given; a month without it has none).
    fn month_dates(&self, first: Date, start: Date) -> Vec<Date> {
        let last = first.last_of_month();
        let mut out: Vec<Date> = Vec::new();
        if !self.by_month_day.is_empty() {
            for &n in &self.by_month_day {
                let day = if n > 0 { n } else { last.day() + 1 + n };
                if let Ok(d) = Date::new(first.year(), first.month(), day) {
                    if day >= 1 {
                        out.push(d);
                    }
                }
            }
            if !self.by_day.is_empty() {
                out.retain(|d| self.by_day.iter().any(|(_, w)| *w == d.weekday()));
            }
        } else if !self.by_day.is_empty() {
            out = self.nth_weekdays(first, last);
        } else if let Ok(d) = Date::new(first.year(), first.month(), start.day()) {
            out.push(d);
        }
        out
    }

    /// The BYDAY dates between `first` and `last`: every such weekday, or the n-th (from the
    /// end when negative) for an ordinal.
    fn nth_weekdays(&self, first: Date, last: Date) -> Vec<Date> {
        let mut out = Vec::new();
        for &(ord, w) in &self.by_day {
            let mut all = Vec::new();
            let mut d = first;
            while d <= last {
                if d.weekday() == w {
                    all.push(d);
                }
                match d.tomorrow() {
                    Ok(n) => d = n,
                    Err(_) => break,
                }
            }
            match ord {
                None => out.extend(all),
                Some(n) if n > 0 => out.extend(all.get(n as usize - 1)),
                Some(n) => out.extend(all.len().checked_sub(n.unsigned_abs() as usize).and_then(|i| all.get(i))),
            }
        }
        out
    }
}

fn month_day_matches(d: Date, n: i8) -> bool {
    if n > 0 {
        d.day() == n
    } else {
        d.last_of_month().day() + 1 + n == d.day()
    }
}

fn parse_until(v: &str) -> Option<Date> {
    let digits = v.get(..8)?;
    if !digits.bytes().all(|b| b.is_ascii_digit()) {
        return None;
    }
    let rest = &v[8..];
    if !(rest.is_empty() || (rest.starts_with('T') && rest.len() <= 8)) {
        return None;
    }
    let year: i16 = digits[..4].parse().ok()?;
    let month: i8 = digits[4..6].parse().ok()?;
    let day: i8 = digits[6..8].parse().ok()?;
    Date::new(year, month, day).ok()
}

/// The dates of a [`Rule`], in order (see [`Rule::occurrences`]).
#[derive(Debug)]
pub struct Occurrences<'a> {
    rule: &'a Rule,
    start: Date,
    period: u32,
    pending: Vec<Date>,
    emitted: u32,
    empty_run: u32,
    done: bool,
}

impl Iterator for Occurrences<'_> {
    type Item = Date;

    fn next(&mut self) -> Option<Date> {
        loop {
            if self.done {
                return None;
            }
            if self.rule.count.is_some_and(|c| self.emitted >= c) {
                self.done = true;
                return None;
            }
            if let Some(d) = (!self.pending.is_empty()).then(|| self.pending.remove(0)) {
                if self.rule.until.is_some_and(|u| d > u) {
                    self.done = true;
                    return None;
                }
                self.emitted += 1;
                return Some(d);
            }
            if self.empty_run >= SEARCH_PERIODS {
                self.done = true;
                return None;
            }
            let Some(dates) = self.rule.period_dates(self.start, self.period) else {
                self.done = true;
                return None;
            };
            self.period = self.period.saturating_add(1);
            let start = self.start;
            self.pending = dates.into_iter().filter(|d| *d >= start).collect();
            if self.pending.is_empty() {
                self.empty_run += 1;
                // Past UNTIL with nothing found: stop looking.
                if self.rule.until.is_some_and(|u| self.rule.period_start(start, self.period).is_none_or(|p| p > u)) {
                    self.done = true;
                }
            } else {
                self.empty_run = 0;
            }
        }
    }
}

#[cfg(test)]
#[allow(clippy::unwrap_used)]
mod tests {
    use super::*;
    use jiff::civil::date;

    fn dates(rule: &str, start: Date, n: usize) -> Vec<String> {
        Rule::parse(rule, start, "rrule").unwrap().occurrences(start).take(n).map(|d| d.to_string()).collect()
    }

    fn code(rule: &str, start: Date) -> &'static str {
        Rule::parse(rule, start, "rrule").unwrap_err().code
    }

    #[test]
    fn daily_weekly_monthly_yearly() {
        let start = date(2026, 2, 2); // a Monday
        assert_eq!(dates("FREQ=DAILY;COUNT=3", start, 10), ["2026-02-02", "2026-02-03", "2026-02-04"]);
        assert_eq!(dates("RRULE:FREQ=WEEKLY;BYDAY=TU", start, 3), ["2026-02-03", "2026-02-10", "2026-02-17"]);
        assert_eq!(
            dates("FREQ=WEEKLY;INTERVAL=2;BYDAY=MO,FR", start, 4),
            ["2026-02-02", "2026-02-06", "2026-02-16", "2026-02-20"]
        );
        assert_eq!(dates("FREQ=MONTHLY;BYMONTHDAY=-1", start, 3), ["2026-02-28", "2026-03-31", "2026-04-30"]);
        assert_eq!(dates("FREQ=MONTHLY;BYDAY=1MO", start, 3), ["2026-02-02", "2026-03-02", "2026-04-06"]);
        assert_eq!(dates("FREQ=MONTHLY;BYDAY=-1FR", start, 2), ["2026-02-27", "2026-03-27"]);
        // The 31st: months without one have none (RFC 5545).
        assert_eq!(dates("FREQ=MONTHLY", date(2026, 1, 31), 3), ["2026-01-31", "2026-03-31", "2026-05-31"]);
        assert_eq!(
            dates("FREQ=YEARLY;BYMONTH=1,7;BYMONTHDAY=15", start, 3),
            ["2026-07-15", "2027-01-15", "2027-07-15"]
        );
        assert_eq!(dates("FREQ=YEARLY", date(2024, 2, 29), 2), ["2024-02-29", "2028-02-29"]);
        assert_eq!(
            dates("FREQ=DAILY;BYDAY=SA,SU;UNTIL=20260215", start, 10),
            ["2026-02-07", "2026-02-08", "2026-02-14", "2026-02-15"]
        );
        assert_eq!(dates("FREQ=DAILY;UNTIL=20260203T235959Z", start, 10), ["2026-02-02", "2026-02-03"]);
    }

    #[test]
    fn bad_rules_are_refused_by_name() {
        let start = date(2026, 2, 2);
        assert_eq!(code("", start), "required");
        assert_eq!(code("FREQ=HOURLY", start), "rrule_unsupported");
        assert_eq!(code("FREQ=DAILY;BYSETPOS=1", start), "rrule_unsupported");
        assert_eq!(code("FREQ=DAILY;COUNT=1000000", start), "rrule_count");
        assert_eq!(code("FREQ=DAILY;COUNT=0", start), "rrule_count");
        assert_eq!(code("COUNT=3", start), "rrule_invalid");
        assert_eq!(code("FREQ=DAILY;FREQ=WEEKLY", start), "rrule_invalid");
        assert_eq!(code("FREQ=DAILY;COUNT=2;UNTIL=20270101", start), "rrule_invalid");
        assert_eq!(code("FREQ=WEEKLY;BYDAY=1MO", start), "rrule_invalid");
        assert_eq!(code("FREQ=WEEKLY;BYDAY=XX", start), "rrule_invalid");
        assert_eq!(code("FREQ=DAILY;UNTIL=20260101", start), "rrule_until_before_start");
        assert_eq!(code("FREQ=DAILY;INTERVAL=0", start), "rrule_invalid");
        // Produces nothing: 30 February.
        assert_eq!(code("FREQ=YEARLY;BYMONTH=2;BYMONTHDAY=30", start), "rrule_empty");
        assert_eq!(code("FREQ=MONTHLY;BYMONTHDAY=31;BYMONTH=4", start), "rrule_empty");
        assert_eq!(code("FREQ=DAILY;UNTIL=20260205;BYDAY=SA", start), "rrule_empty");
        assert_eq!(code("garbage", start), "rrule_invalid");
    }

    #[test]
    fn never_ending_rules_are_lazy_and_round_trip() {
        let start = date(2026, 2, 2);
        let rule = Rule::parse("freq=weekly;byday=mo,we;wkst=mo", start, "r").unwrap();
        assert_eq!(rule.count, None);
        assert_eq!(rule.occurrences(start).take(2000).count(), 2000);
        assert_eq!(rule.to_rfc5545(), "FREQ=WEEKLY;BYDAY=MO,WE");
        let back = Rule::parse(&rule.to_rfc5545(), start, "r").unwrap();
        assert_eq!(back, rule);
        let r = Rule::parse("FREQ=MONTHLY;INTERVAL=3;BYDAY=-1FR;COUNT=4", start, "r").unwrap();
        assert_eq!(Rule::parse(&r.to_rfc5545(), start, "r").unwrap(), r);
        // COUNT at the maximum ends there.
        let r = Rule::parse("FREQ=DAILY;COUNT=1000", start, "r").unwrap();
        assert_eq!(r.occurrences(start).count(), 1000);
        // At the end of the calendar the iterator stops instead of failing.
        let r = Rule::parse("FREQ=YEARLY", date(9998, 1, 1), "r").unwrap();
        assert_eq!(r.occurrences(date(9998, 1, 1)).count(), 2);
    }
}
