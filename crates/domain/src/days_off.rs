//! The days a system administrator declares on top of the statutory calendar (the government's
//! announced swaps, make-up working days, extra days off): their kinds, the checks on one year's
//! list, and the calendar they make.

use jiff::civil::Date;
use serde::{Deserialize, Serialize};

use crate::calendar::WorkCalendar;
use crate::FieldError;

/// Most days declared in one year.
pub const MAX_DAYS_PER_YEAR: usize = 100;
/// Longest note on a declared day.
pub const MAX_NOTE_CHARS: usize = 200;

/// What a declared day is.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum DayKind {
    /// A day off: an extra one, or one a swap moved here.
    Off,
    /// A working day: a make-up Saturday, or a holiday a swap moved away.
    Working,
}

vocabulary!(DayKind {
    Off => "off", "Ngày nghỉ", "Day off";
    Working => "working", "Ngày làm việc", "Working day";
});

/// One declared day.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct DeclaredDay {
    pub date: Date,
    pub kind: DayKind,
    pub note: String,
}

fn shown(d: Date) -> String {
    d.strftime("%d/%m/%Y").to_string()
}

/// Checks one year's list against the calendar without declarations (`base`): every day in that
/// year, none twice, a day off only on a day that would be a working day (not onto a holiday or a
/// weekend), a working day only on a day that would be off; notes short and the list bounded.
/// All problems are returned, on the field `days`.
pub fn check_year(base: &WorkCalendar, year: i16, days: &[DeclaredDay]) -> Result<(), Vec<FieldError>> {
    let mut errors = Vec::new();
    let field = "days";
    if days.len() > MAX_DAYS_PER_YEAR {
        errors.push(FieldError::new(
            field,
            "too_many",
            format!("Một năm khai báo tối đa {MAX_DAYS_PER_YEAR} ngày."),
            format!("At most {MAX_DAYS_PER_YEAR} days can be declared in a year."),
        ));
    }
    let mut seen = std::collections::BTreeSet::new();
    for d in days {
        let s = shown(d.date);
        if d.date.year() != year {
            errors.push(FieldError::new(
                field,
                "wrong_year",
                format!("Ngày {s} không thuộc năm {year}."),
                format!("{s} is not in {year}."),
            ));
            continue;
        }
        if !seen.insert(d.date) {
            errors.push(FieldError::new(
                field,
                "duplicate",
                format!("Ngày {s} được khai báo hai lần."),
                format!("{s} is declared twice."),
            ));
            continue;
        }
        if d.note.chars().count() > MAX_NOTE_CHARS {
            errors.push(FieldError::new(
                field,
                "too_long",
                format!("Ghi chú của ngày {s} dài quá {MAX_NOTE_CHARS} ký tự."),
                format!("The note of {s} is longer than {MAX_NOTE_CHARS} characters."),
            ));
        }
        match d.kind {
            DayKind::Off if !base.is_working_day(d.date) => errors.push(FieldError::new(
                field,
                "already_off",
                format!("Ngày {s} đã là ngày nghỉ (cuối tuần hoặc ngày lễ); không thể nghỉ thêm vào ngày đó."),
                format!("{s} is already a day off (a weekend or a holiday); a day off cannot be moved onto it."),
            )),
            DayKind::Working if base.is_working_day(d.date) => errors.push(FieldError::new(
                field,
                "already_working",
                format!("Ngày {s} đã là ngày làm việc."),
                format!("{s} is already a working day."),
            )),
            _ => {}
        }
    }
    if errors.is_empty() {
        Ok(())
    } else {
        Err(errors)
    }
}

/// The calendar `base` with the declared days applied.
pub fn apply(base: WorkCalendar, days: &[DeclaredDay]) -> WorkCalendar {
    let off = days.iter().filter(|d| d.kind == DayKind::Off).map(|d| d.date);
    let working: Vec<Date> = days.iter().filter(|d| d.kind == DayKind::Working).map(|d| d.date).collect();
    base.with_holidays(off).without_holidays(working.iter().copied()).with_working_days(working)
}

#[cfg(test)]
#[allow(clippy::unwrap_used)]
mod tests {
    use super::*;
    use crate::testutil::check_vocabulary;
    use jiff::civil::date;

    fn day(date: Date, kind: DayKind) -> DeclaredDay {
        DeclaredDay { date, kind, note: String::new() }
    }

    #[test]
    fn a_swap_moves_a_day_off_and_makes_up_for_it() {
        check_vocabulary(DayKind::ALL, DayKind::as_str, DayKind::parse, DayKind::label);
        let base = WorkCalendar::vietnam();
        // 2025: Friday 02/05 off, made up on Saturday 26/04.
        let days = [day(date(2025, 5, 2), DayKind::Off), day(date(2025, 4, 26), DayKind::Working)];
        check_year(&base, 2025, &days).unwrap();
        let cal = apply(base.clone(), &days);
        assert!(!cal.is_working_day(date(2025, 5, 2)));
        assert!(cal.is_working_day(date(2025, 4, 26)));
        assert_eq!(cal.add_working_days(date(2025, 4, 25), 1), date(2025, 4, 26));
        // A statutory day moved away becomes a working day.
        let moved = [day(date(2026, 2, 20), DayKind::Working), day(date(2026, 2, 13), DayKind::Off)];
        check_year(&base, 2026, &moved).unwrap();
        let cal = apply(base, &moved);
        assert!(cal.is_working_day(date(2026, 2, 20)) && !cal.is_working_day(date(2026, 2, 13)));
    }

    #[test]
    fn bad_lists_are_refused_with_every_reason() {
        let base = WorkCalendar::vietnam();
        let codes = |days: &[DeclaredDay]| -> Vec<&'static str> {
            check_year(&base, 2026, days).unwrap_err().iter().map(|e| e.code).collect()
        };
        // A swap onto a holiday (Tết) and onto a Sunday.
        assert_eq!(
            codes(&[day(date(2026, 2, 17), DayKind::Off), day(date(2026, 3, 8), DayKind::Off)]),
            ["already_off", "already_off"]
        );
        assert_eq!(codes(&[day(date(2026, 3, 9), DayKind::Working)]), ["already_working"]);
        assert_eq!(codes(&[day(date(2026, 3, 10), DayKind::Off), day(date(2026, 3, 10), DayKind::Off)]), ["duplicate"]);
        assert_eq!(codes(&[day(date(2027, 3, 10), DayKind::Off)]), ["wrong_year"]);
        let long = DeclaredDay { note: "x".repeat(201), ..day(date(2026, 3, 10), DayKind::Off) };
        assert_eq!(codes(&[long]), ["too_long"]);
        let many: Vec<DeclaredDay> = (0..101).map(|_| day(date(2026, 3, 10), DayKind::Off)).collect();
        assert_eq!(codes(&many)[0], "too_many");
        let err = &check_year(&base, 2026, &[day(date(2026, 2, 17), DayKind::Off)]).unwrap_err()[0];
        assert!(err.message_vi.contains("17/02/2026"), "{}", err.message_vi);
    }
}
