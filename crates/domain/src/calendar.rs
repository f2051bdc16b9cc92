//! Working days in Vietnam: weekends, public holidays (Tết by the lunar calendar) and compensatory days off.

use std::collections::BTreeSet;
use std::ops::Bound::{Excluded, Included};

use jiff::civil::{date, Date};

use crate::lunar;

/// `true` from Monday to Friday.
fn is_weekday(d: Date) -> bool {
    d.weekday().to_monday_zero_offset() < 5
}

/// The statutory public holidays of the years `first` to `last` under today's rule (Labour Code
/// 2019, Art. 112(1)), before any compensatory day: 11 days a year (10 in 1947, when Hùng Kings'
/// day is 30 April). Years outside those of [`lunar`] get only their solar holidays.
fn statutory_holidays(first: i16, last: i16) -> impl Iterator<Item = Date> {
    let solar =
        (first..=last).flat_map(|y| [date(y, 1, 1), date(y, 4, 30), date(y, 5, 1), date(y, 9, 1), date(y, 9, 2)]);
    let lunar = lunar::new_years_and_hung_kings_days(first, last).flat_map(|(tet, hung_kings)| {
        // Tết: the last day of the old year and the first four days of the new one.
        let tet = tet.yesterday().ok().into_iter().chain(tet.series(jiff::Span::new().days(1)).take(4));
        tet.chain([hung_kings])
    });
    solar.chain(lunar)
}

/// A working-day calendar: Monday to Friday, minus public holidays and other days off, plus any
/// weekend days declared working days (ngày làm bù).
///
/// [`WorkCalendar::vietnam`] knows the statutory holidays of 1900–2199; provinces and the
/// government publish the exact days off each year (swaps included), which
/// [`with_holidays`](WorkCalendar::with_holidays), [`without_holidays`](WorkCalendar::without_holidays)
/// and [`with_working_days`](WorkCalendar::with_working_days) apply on top.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct WorkCalendar {
    /// Statutory holidays; a weekend one gives a compensatory day.
    statutory: BTreeSet<Date>,
    /// Extra days off, taken as given.
    extra: BTreeSet<Date>,
    /// Days removed from the days off (a statutory or compensatory day moved elsewhere).
    removed: BTreeSet<Date>,
    /// Weekend days declared working days.
    working: BTreeSet<Date>,
    /// Every day off other than ordinary weekends, computed from the four sets above.
    days_off: BTreeSet<Date>,
}

impl WorkCalendar {
    /// First year of the built-in Vietnamese holidays (the first year of [`lunar`]).
    pub const FIRST_YEAR: i16 = lunar::FIRST_YEAR;
    /// Last year of the built-in Vietnamese holidays (the last year of [`lunar`]); later years
    /// only know weekends unless holidays are added.
    pub const LAST_YEAR: i16 = lunar::LAST_YEAR;

    /// A calendar without holidays: Monday to Friday are working days.
    pub fn new() -> WorkCalendar {
        WorkCalendar::default()
    }

    /// The statutory calendar of Vietnam for [`FIRST_YEAR`](Self::FIRST_YEAR)–[`LAST_YEAR`](Self::LAST_YEAR)
    /// (1900–2199) under the Labour Code 2019, Art. 112: 1 January; five days of Tết (the day before
    /// lunar new year's day and the first four days of the year); Hùng Kings' day (10/3 lunar);
    /// 30 April; 1 May; 2 September and the day before it. A holiday that falls on a Saturday or
    /// Sunday gives a compensatory day off on the next working day. The lunar dates are computed by
    /// [`lunar`] (Vietnam's calendar, UTC+7).
    ///
    /// Today's rule is applied to every year, past ones included: the calendar serves deadlines.
    /// The days off of a year before 2020 were set by the law of the time (fewer days, other
    /// compensation rules), so it does not tell what was a day off then.
    ///
    /// Built in about 2 ms (release build; 300 years of lunar computations and 4,237 days off), so
    /// it can be called at server start.
    pub fn vietnam() -> WorkCalendar {
        WorkCalendar::new().with_statutory_holidays(statutory_holidays(Self::FIRST_YEAR, Self::LAST_YEAR))
    }

    /// Adds statutory holidays (for instance for a year after [`LAST_YEAR`](Self::LAST_YEAR)):
    /// each one that falls on a Saturday or Sunday gives a compensatory day off on the next
    /// Monday-to-Friday day that is not itself a statutory holiday or already a compensatory day
    /// (Labour Code 2019, Art. 112(3)).
    pub fn with_statutory_holidays(mut self, days: impl IntoIterator<Item = Date>) -> WorkCalendar {
        for d in days {
            self.statutory.insert(d);
            self.removed.remove(&d);
        }
        self.recompute();
        self
    }

    /// Adds days off exactly as published (a province's extra day, the day of a swap); no
    /// compensation is derived from them.
    pub fn with_holidays(mut self, extra: impl IntoIterator<Item = Date>) -> WorkCalendar {
        for d in extra {
            self.extra.insert(d);
            self.removed.remove(&d);
        }
        self.recompute();
        self
    }

    /// Removes days off (a compensatory day the published schedule put elsewhere); the days
    /// become ordinary days again (working days if Monday to Friday).
    pub fn without_holidays(mut self, days: impl IntoIterator<Item = Date>) -> WorkCalendar {
        for d in days {
            self.extra.remove(&d);
            self.removed.insert(d);
        }
        self.recompute();
        self
    }

    /// Declares weekend days working days (ngày làm bù, e.g. a Saturday worked in exchange for a
    /// bridge day). A day that is also a day off stays a day off.
    pub fn with_working_days(mut self, days: impl IntoIterator<Item = Date>) -> WorkCalendar {
        self.working.extend(days);
        self
    }

    fn recompute(&mut self) {
        let mut compensatory = BTreeSet::new();
        for &d in &self.statutory {
            if is_weekday(d) {
                continue;
            }
            let mut c = d;
            loop {
                let Ok(next) = c.tomorrow() else { break };
                c = next;
                if is_weekday(c) && !self.statutory.contains(&c) && !compensatory.contains(&c) {
                    compensatory.insert(c);
                    break;
                }
            }
        }
        self.days_off = self
            .statutory
            .iter()
            .chain(&compensatory)
            .chain(&self.extra)
            .filter(|d| !self.removed.contains(d))
            .copied()
            .collect();
    }

    /// `true` if `d` is a day off other than an ordinary weekend: a holiday, a compensatory day or
    /// an added day off (weekend holidays count too).
    pub fn is_holiday(&self, d: Date) -> bool {
        self.days_off.contains(&d)
    }

    /// Every day off of the calendar (holidays, compensatory and added days), in order.
    pub fn holidays(&self) -> impl Iterator<Item = Date> + '_ {
        self.days_off.iter().copied()
    }

    /// `true` if `d` is a working day: Monday to Friday or a declared working day, and not a day off.
    pub fn is_working_day(&self, d: Date) -> bool {
        !self.days_off.contains(&d) && (is_weekday(d) || self.working.contains(&d))
    }

    /// The `n`-th working day after `start` (`start` itself is not counted; `n = 0` gives `start`).
    /// A negative `n` counts backwards: the `|n|`-th working day before `start`.
    /// Saturates at the ends of the supported date range (years -9999 and 9999).
    pub fn add_working_days(&self, start: Date, n: i64) -> Date {
        let mut d = start;
        let mut left = n.unsigned_abs();
        while left > 0 {
            let step = if n > 0 { d.tomorrow() } else { d.yesterday() };
            let Ok(next) = step else { return d };
            d = next;
            if self.is_working_day(d) {
                left -= 1;
            }
        }
        d
    }

    /// The first working day after `d`.
    pub fn next_working_day(&self, d: Date) -> Date {
        self.add_working_days(d, 1)
    }

    /// The number of working days in `(from, to]`; negative (minus those in `(to, from]`) if `to`
    /// is before `from`. So a deadline `add_working_days(from, n)` is `n` working days after `from`.
    pub fn working_days_between(&self, from: Date, to: Date) -> i64 {
        if to < from {
            return -self.working_days_between(to, from);
        }
        let days = i64::from((to - from).get_days());
        // Monday-to-Friday days in (from, to]: whole weeks, then the remaining days.
        let first = i64::from(from.weekday().to_monday_zero_offset()) + 1;
        let mut count = days / 7 * 5 + (0..days % 7).filter(|k| (first + k) % 7 < 5).count() as i64;
        let range = (Excluded(from), Included(to));
        count -= self.days_off.range(range).filter(|&&d| is_weekday(d)).count() as i64;
        count += self.working.range(range).filter(|&&d| !is_weekday(d) && !self.days_off.contains(&d)).count() as i64;
        count
    }
}

#[cfg(test)]
#[allow(clippy::unwrap_used)]
mod tests {
    use super::*;
    use crate::testutil::Rng;

    fn vn() -> WorkCalendar {
        WorkCalendar::vietnam()
    }

    #[test]
    fn weekends_and_plain_weekdays() {
        let cal = WorkCalendar::new();
        assert!(cal.is_working_day(date(2026, 3, 6))); // Friday
        assert!(!cal.is_working_day(date(2026, 3, 7))); // Saturday
        assert!(!cal.is_working_day(date(2026, 3, 8))); // Sunday
        assert_eq!(cal.next_working_day(date(2026, 3, 6)), date(2026, 3, 9));
        assert_eq!(cal.next_working_day(date(2026, 3, 7)), date(2026, 3, 9));
        assert_eq!(cal.add_working_days(date(2026, 3, 6), 0), date(2026, 3, 6));
        assert_eq!(cal.add_working_days(date(2026, 3, 7), 0), date(2026, 3, 7));
        assert_eq!(cal.add_working_days(date(2026, 3, 4), 5), date(2026, 3, 11));
        assert_eq!(cal.add_working_days(date(2026, 3, 9), -1), date(2026, 3, 6));
        assert_eq!(cal.working_days_between(date(2026, 3, 6), date(2026, 3, 9)), 1);
        assert_eq!(cal.working_days_between(date(2026, 3, 9), date(2026, 3, 6)), -1);
        assert_eq!(cal.working_days_between(date(2026, 3, 7), date(2026, 3, 8)), 0);
        assert_eq!(cal.working_days_between(date(2026, 3, 6), date(2026, 3, 6)), 0);
        assert_eq!(cal.holidays().count(), 0);
    }

    #[test]
    fn tet_2026_pushes_deadlines() {
        let cal = vn();
        // Lunar new year's day is Tuesday 17/02/2026: days off Monday 16 to Friday 20.
        for day in 16..=20 {
            assert!(!cal.is_working_day(date(2026, 2, day)), "{day}/02");
            assert!(cal.is_holiday(date(2026, 2, day)));
        }
        assert!(cal.is_working_day(date(2026, 2, 13)));
        assert!(cal.is_working_day(date(2026, 2, 23)));
        assert_eq!(cal.next_working_day(date(2026, 2, 13)), date(2026, 2, 23));
        // Received Thursday 12/02, 3 working days: Friday 13, Monday 23, Tuesday 24.
        assert_eq!(cal.add_working_days(date(2026, 2, 12), 3), date(2026, 2, 24));
        assert_eq!(cal.working_days_between(date(2026, 2, 12), date(2026, 2, 24)), 3);
        assert_eq!(cal.add_working_days(date(2026, 2, 24), -3), date(2026, 2, 12));
    }

    #[test]
    fn april_and_may_2026() {
        let cal = vn();
        // Hùng Kings' day is Sunday 26/04/2026: compensated on Monday 27/04.
        assert!(cal.is_holiday(date(2026, 4, 26)));
        assert!(!cal.is_working_day(date(2026, 4, 27)));
        assert_eq!(cal.next_working_day(date(2026, 4, 24)), date(2026, 4, 28));
        // 30/04 (Thursday) and 01/05 (Friday), then the weekend.
        assert!(!cal.is_working_day(date(2026, 4, 30)));
        assert!(!cal.is_working_day(date(2026, 5, 1)));
        assert_eq!(cal.next_working_day(date(2026, 4, 29)), date(2026, 5, 4));
        assert_eq!(cal.add_working_days(date(2026, 4, 24), 5), date(2026, 5, 6));
        assert_eq!(cal.working_days_between(date(2026, 4, 24), date(2026, 5, 6)), 5);
        assert_eq!(cal.working_days_between(date(2026, 4, 29), date(2026, 5, 4)), 1);
    }

    #[test]
    fn weekend_holidays_are_compensated() {
        let cal = vn();
        // Tết 2027: lunar new year's day Saturday 06/02 → days off Friday 05 to Tuesday 09,
        // Saturday and Sunday compensated on Wednesday 10 and Thursday 11.
        for day in [5, 8, 9, 10, 11] {
            assert!(!cal.is_working_day(date(2027, 2, day)), "{day}/02/2027");
        }
        assert!(cal.is_working_day(date(2027, 2, 4)));
        assert!(cal.is_working_day(date(2027, 2, 12)));
        // Tết 2030: lunar new year's day Saturday 02/02 (the new moon is at 23:07 in Vietnam; China's
        // is on the 3rd) → Friday 01 to Tuesday 05, Saturday and Sunday compensated on 06 and 07.
        assert!(cal.is_holiday(date(2030, 2, 1)) && cal.is_holiday(date(2030, 2, 7)));
        assert_eq!(cal.next_working_day(date(2030, 1, 31)), date(2030, 2, 8));
        // 1 January 2028 is a Saturday → Monday 03/01.
        assert_eq!(cal.next_working_day(date(2027, 12, 31)), date(2028, 1, 4));
        // 30/04/2028 is a Sunday and 01/05 a Monday → the compensatory day is Tuesday 02/05.
        assert!(!cal.is_working_day(date(2028, 5, 2)));
        assert_eq!(cal.next_working_day(date(2028, 4, 28)), date(2028, 5, 3));
        // 1 and 2 September 2029 are Saturday and Sunday → Monday 03 and Tuesday 04.
        assert_eq!(cal.next_working_day(date(2029, 8, 31)), date(2029, 9, 5));
        // 2024: Tết from Friday 09/02, lunar new year's day on Saturday 10/02 → through Thursday 15/02.
        assert_eq!(cal.next_working_day(date(2024, 2, 8)), date(2024, 2, 16));
    }

    #[test]
    fn eleven_weekdays_off_every_built_in_year() {
        // Eleven days a year is the rule of the Labour Code 2019 (in force since 2020), applied to
        // every built-in year. Only in 1947 do two holidays coincide (Hùng Kings' day on 30 April),
        // leaving ten.
        let cal = vn();
        let mut coinciding = Vec::new();
        for year in WorkCalendar::FIRST_YEAR..=WorkCalendar::LAST_YEAR {
            let off = cal.holidays().filter(|d| d.year() == year && is_weekday(*d)).count();
            let hung = lunar::hung_kings_day(year).unwrap();
            if hung == date(year, 4, 30) {
                coinciding.push(year);
            }
            assert_eq!(off, if hung == date(year, 4, 30) { 10 } else { 11 }, "{year}");
            assert!(cal.is_holiday(date(year, 1, 1)) && cal.is_holiday(date(year, 9, 2)));
            assert!(cal.is_holiday(date(year, 9, 1)) && cal.is_holiday(date(year, 4, 30)));
            let tet = lunar::lunar_new_year(year).unwrap();
            assert!(cal.is_holiday(hung) && cal.is_holiday(tet) && cal.is_holiday(tet.yesterday().unwrap()));
            assert!((date(year, 1, 20)..=date(year, 2, 21)).contains(&tet), "{year}: {tet}");
        }
        assert_eq!(coinciding, [1947]);
        assert!(cal.is_working_day(date(2200, 1, 1))); // a Wednesday after the last built-in year
        assert!(cal.is_working_day(date(1899, 12, 29))); // a Friday before the first
    }

    #[test]
    fn tet_2026_for_public_servants() {
        let cal = vn();
        // Lunar new year's day is Tuesday 17/02/2026: the five statutory days are Monday 16 to
        // Friday 20, so Saturday 14 to Sunday 22 is nine days off in a row.
        for day in 14..=22 {
            assert!(!cal.is_working_day(date(2026, 2, day)), "{day}/02/2026");
        }
        assert_eq!(cal.holidays().filter(|d| (date(2026, 2, 14)..=date(2026, 2, 22)).contains(d)).count(), 5);
        assert!(!cal.is_holiday(date(2026, 2, 14)) && !cal.is_holiday(date(2026, 2, 22)));
        assert!(cal.is_working_day(date(2026, 2, 23)));
        // Deadlines across it: Friday 13/02 + 1 working day is Monday 23/02.
        assert_eq!(cal.add_working_days(date(2026, 2, 13), 1), date(2026, 2, 23));
        assert_eq!(cal.add_working_days(date(2026, 2, 13), 2), date(2026, 2, 24));
        assert_eq!(cal.add_working_days(date(2026, 2, 23), -1), date(2026, 2, 13));
        assert_eq!(cal.working_days_between(date(2026, 2, 13), date(2026, 2, 23)), 1);
        // A request filed during the break counts from the first working day.
        assert_eq!(cal.add_working_days(date(2026, 2, 18), 1), date(2026, 2, 23));
        assert_eq!(cal.add_working_days(date(2026, 2, 18), 5), date(2026, 2, 27));
        // 15 working days from Monday 09/02: 4 before the break, 11 after → Monday 09/03.
        assert_eq!(cal.add_working_days(date(2026, 2, 9), 15), date(2026, 3, 9));
    }

    #[test]
    fn hung_kings_day_2026_is_compensated() {
        let cal = vn();
        // 10/3 lunar is Sunday 26/04/2026 → Monday 27/04 off.
        assert_eq!(lunar::hung_kings_day(2026), Some(date(2026, 4, 26)));
        assert!(cal.is_holiday(date(2026, 4, 26)) && cal.is_holiday(date(2026, 4, 27)));
        assert!(!cal.is_working_day(date(2026, 4, 27)));
        assert!(cal.is_working_day(date(2026, 4, 28)) && cal.is_working_day(date(2026, 4, 29)));
        // Friday 24/04 + 1 → Tuesday 28/04; + 3 → Monday 04/05 (30/04 and 01/05 are off too).
        assert_eq!(cal.add_working_days(date(2026, 4, 24), 1), date(2026, 4, 28));
        assert_eq!(cal.add_working_days(date(2026, 4, 24), 3), date(2026, 5, 4));
        assert_eq!(cal.working_days_between(date(2026, 4, 24), date(2026, 5, 4)), 3);
    }

    #[test]
    fn far_years_come_from_the_lunar_calendar() {
        let cal = vn();
        // 1985 (Vietnam's Tết a month before China's): Monday 21/01, so Sunday 20 to Thursday 24,
        // the Sunday compensated on Friday 25.
        assert_eq!(lunar::lunar_new_year(1985), Some(date(1985, 1, 21)));
        assert_eq!(cal.next_working_day(date(1985, 1, 18)), date(1985, 1, 28));
        // The first and last built-in Tết. Wednesday 31/01/1900: Tuesday 30 to Saturday 03/02, the
        // Saturday compensated on Monday 05/02.
        assert!(cal.is_holiday(date(1900, 1, 30)) && cal.is_holiday(date(1900, 2, 5)));
        assert_eq!(cal.next_working_day(date(1900, 1, 29)), date(1900, 2, 6));
        // Saturday 26/01/2199: Friday 25 to Tuesday 29, compensated on Wednesday 30 and Thursday 31.
        assert_eq!(lunar::lunar_new_year(2199), Some(date(2199, 1, 26)));
        assert_eq!(cal.next_working_day(date(2199, 1, 24)), date(2199, 2, 1));
    }

    #[test]
    fn published_days_and_swaps() {
        // 2025: the government added Friday 02/05 off in exchange for Saturday 26/04.
        let base = vn();
        assert!(base.is_working_day(date(2025, 5, 2)));
        let cal = base.clone().with_holidays([date(2025, 5, 2)]).with_working_days([date(2025, 4, 26)]);
        assert!(!cal.is_working_day(date(2025, 5, 2)));
        assert!(cal.is_working_day(date(2025, 4, 26)));
        assert_eq!(cal.next_working_day(date(2025, 4, 29)), date(2025, 5, 5));
        assert_eq!(cal.working_days_between(date(2025, 4, 25), date(2025, 4, 28)), 2);
        assert_eq!(base.working_days_between(date(2025, 4, 25), date(2025, 4, 28)), 1);
        // A declared working day that is also a day off stays off.
        let cal = WorkCalendar::new().with_holidays([date(2026, 3, 7)]).with_working_days([date(2026, 3, 7)]);
        assert!(!cal.is_working_day(date(2026, 3, 7)));
        // Moving a compensatory day: 2024's Thursday 15/02 off moved to Thursday 08/02.
        let cal = vn().without_holidays([date(2024, 2, 15)]).with_holidays([date(2024, 2, 8)]);
        assert!(cal.is_working_day(date(2024, 2, 15)) && !cal.is_working_day(date(2024, 2, 8)));
        assert_eq!(cal.next_working_day(date(2024, 2, 7)), date(2024, 2, 15));
        // Statutory holidays of a later year get compensation too.
        let cal = WorkCalendar::new().with_statutory_holidays([date(2033, 1, 1)]); // a Saturday
        assert!(!cal.is_working_day(date(2033, 1, 3)));
    }

    #[test]
    fn saturates_at_the_end_of_time() {
        let cal = WorkCalendar::new();
        assert_eq!(cal.add_working_days(Date::MAX, 3), Date::MAX);
        assert_eq!(cal.add_working_days(Date::MIN, -3), Date::MIN);
        assert!(cal.working_days_between(Date::MIN, Date::MAX) > 2_000_000);
    }

    #[test]
    fn property_counting_matches_stepping() {
        let cal = vn().with_working_days([date(2025, 4, 26), date(2026, 1, 3)]).with_holidays([date(2026, 6, 3)]);
        let mut rng = Rng::new(23);
        for _ in 0..400 {
            let from = date(2023 + rng.below(9) as i16, 1 + rng.below(12) as i8, 1 + rng.below(28) as i8);
            let n = rng.below(60) as i64 - 20;
            let to = cal.add_working_days(from, n);
            if n > 0 {
                assert!(cal.is_working_day(to));
            }
            if n >= 0 || cal.is_working_day(from) {
                assert_eq!(cal.working_days_between(from, to), n, "{from} + {n} = {to}");
            }
            // The fast count agrees with a day-by-day count.
            let other = date(2023 + rng.below(9) as i16, 1 + rng.below(12) as i8, 1 + rng.below(28) as i8);
            let (lo, hi) = if from <= other { (from, other) } else { (other, from) };
            let mut naive = 0;
            let mut d = lo;
            while d < hi {
                d = d.tomorrow().unwrap();
                naive += i64::from(cal.is_working_day(d));
            }
            assert_eq!(cal.working_days_between(lo, hi), naive);
            assert_eq!(cal.working_days_between(hi, lo), -naive);
        }
    }
}
