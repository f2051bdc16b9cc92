//! The Vietnamese lunar calendar (âm lịch) of 1900–2199, computed for UTC+7 from the moon and the sun.

// Nothing is tabulated: each conversion computes the new moons it needs (Meeus, Astronomical
// Algorithms, ch. 49, with ΔT from the Espenak–Meeus polynomials; within seconds of JPL's DE421)
// and the sun's apparent longitude (ch. 25, low-precision series; within 0.01°). The rules:
// - a month starts on the day, in Vietnam's time zone (UTC+7), of a new moon;
// - month 11 is the month containing the December solstice (apparent longitude 270°);
// - when 13 months separate two consecutive months 11, the first month after month 11 that
//   contains no major solar term (its start and the next month's start lie in the same 30° sector
//   of the sun's longitude) is the leap month, numbered like the month before it.
// The time zone is what makes Vietnam's calendar differ from China's (UTC+8) in some years: Tết 1985
// fell on 21 January in Vietnam, 20 February in China. Calendars printed in Vietnam before 1968
// followed UTC+8; this module applies UTC+7 to every year. A new moon within seconds of local
// midnight can land on the wrong day: in 1900–2050 the only one is that of 8 July 1967 00:00:04,
// put on 7 July (tests/lunar_independent.rs lists the near-midnight cases).

use jiff::civil::Date;

/// First lunar (and Gregorian) year supported. Functions taking a lunar year answer `None`
/// outside [`FIRST_YEAR`]`..=`[`LAST_YEAR`]; [`to_lunar`] accepts any date and extends the same
/// computation beyond, where the astronomy (ΔT above all) is less certain.
pub const FIRST_YEAR: i16 = 1900;
/// Last lunar (and Gregorian) year supported.
pub const LAST_YEAR: i16 = 2199;

/// A date of the Vietnamese lunar calendar.
///
/// `year` is the lunar year, named after the Gregorian year in which it begins (so the last days
/// of lunar 2025 fall in January or February 2026). `leap` marks the leap month (tháng nhuận),
/// which follows the ordinary month of the same number.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub struct LunarDate {
    /// Lunar year.
    pub year: i32,
    /// Month, 1 (tháng Giêng) to 12 (tháng Chạp).
    pub month: u8,
    /// Day of the month, 1 to 29 or 30.
    pub day: u8,
    /// `true` in the leap month.
    pub leap: bool,
}

/// Vietnam's time zone, in days.
const ZONE: f64 = 7.0 / 24.0;
/// Mean synodic month, in days.
const SYNODIC_MONTH: f64 = 29.530_588_861;
/// Julian day (TT) of the mean new moon number 0 (2000-01-06).
const NEW_MOON_EPOCH: f64 = 2_451_550.097_66;
/// Julian day of J2000.0.
const J2000: f64 = 2_451_545.0;

/// Julian day number of a proleptic Gregorian date.
fn day_number(year: i64, month: i64, day: i64) -> i64 {
    let y = if month <= 2 { year - 1 } else { year };
    let era = y.div_euclid(400);
    let yoe = y - era * 400;
    let doy = (153 * (month + if month > 2 { -3 } else { 9 }) + 2) / 5 + day - 1;
    let doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
    era * 146_097 + doe + 1_721_120
}

/// The proleptic Gregorian date of a Julian day number (None outside jiff's range).
fn date_of(jdn: i64) -> Option<Date> {
    let z = jdn - 1_721_120;
    let era = z.div_euclid(146_097);
    let doe = z - era * 146_097;
    let yoe = (doe - doe / 1460 + doe / 36_524 - doe / 146_096) / 365;
    let doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    let mp = (5 * doy + 2) / 153;
    let day = doy - (153 * mp + 2) / 5 + 1;
    let month = if mp < 10 { mp + 3 } else { mp - 9 };
    let year = yoe + era * 400 + i64::from(month <= 2);
    Date::new(i16::try_from(year).ok()?, month as i8, day as i8).ok()
}

/// The Julian day number of a jiff date.
fn jdn(d: Date) -> i64 {
    day_number(i64::from(d.year()), i64::from(d.month()), i64::from(d.day()))
}

/// ΔT = TT − UT in days at Julian day `jd`: the Espenak–Meeus polynomials for 1900–2150, their
/// long-term parabola outside.
fn delta_t(jd: f64) -> f64 {
    let y = 2000.0 + (jd - J2000) / 365.2425;
    let seconds = if (1900.0..1920.0).contains(&y) {
        let t = y - 1900.0;
        -2.79 + t * (1.494_119 + t * (-0.059_893_9 + t * (0.006_196_6 - t * 0.000_197)))
    } else if (1920.0..1941.0).contains(&y) {
        let t = y - 1920.0;
        21.20 + t * (0.844_93 + t * (-0.076_100 + t * 0.002_093_6))
    } else if (1941.0..1961.0).contains(&y) {
        let t = y - 1950.0;
        29.07 + 0.407 * t - t * t / 233.0 + t * t * t / 2547.0
    } else if (1961.0..1986.0).contains(&y) {
        let t = y - 1975.0;
        45.45 + 1.067 * t - t * t / 260.0 - t * t * t / 718.0
    } else if (1986.0..2005.0).contains(&y) {
        let t = y - 2000.0;
        63.86 + t * (0.3345 + t * (-0.060_374 + t * (0.001_727_5 + t * (0.000_651_814 + t * 0.000_023_735_99))))
    } else if (2005.0..2050.0).contains(&y) {
        let t = y - 2000.0;
        62.92 + t * (0.322_17 + t * 0.005_589)
    } else if (2050.0..2150.0).contains(&y) {
        let u = (y - 1820.0) / 100.0;
        -20.0 + 32.0 * u * u - 0.5628 * (2150.0 - y)
    } else {
        let u = (y - 1820.0) / 100.0;
        -20.0 + 32.0 * u * u
    };
    seconds / 86_400.0
}

/// Periodic terms of the true new moon (Meeus table 49.A): coefficient in days, power of the
/// eccentricity factor E, and the multiples of M (sun's anomaly), M′ (moon's anomaly) and F
/// (moon's argument of latitude).
const NEW_MOON_TERMS: [(f64, i32, f64, f64, f64); 24] = [
    (-0.407_20, 0, 0.0, 1.0, 0.0),
    (0.172_41, 1, 1.0, 0.0, 0.0),
    (0.016_08, 0, 0.0, 2.0, 0.0),
    (0.010_39, 0, 0.0, 0.0, 2.0),
    (0.007_39, 1, -1.0, 1.0, 0.0),
    (-0.005_14, 1, 1.0, 1.0, 0.0),
    (0.002_08, 2, 2.0, 0.0, 0.0),
    (-0.001_11, 0, 0.0, 1.0, -2.0),
    (-0.000_57, 0, 0.0, 1.0, 2.0),
    (0.000_56, 1, 1.0, 2.0, 0.0),
    (-0.000_42, 0, 0.0, 3.0, 0.0),
    (0.000_42, 1, 1.0, 0.0, 2.0),
    (0.000_38, 1, 1.0, 0.0, -2.0),
    (-0.000_24, 1, -1.0, 2.0, 0.0),
    (-0.000_07, 0, 2.0, 1.0, 0.0),
    (0.000_04, 0, 0.0, 2.0, -2.0),
    (0.000_04, 0, 3.0, 0.0, 0.0),
    (0.000_03, 0, 1.0, 1.0, -2.0),
    (0.000_03, 0, 0.0, 2.0, 2.0),
    (-0.000_03, 0, 1.0, 1.0, 2.0),
    (0.000_03, 0, -1.0, 1.0, 2.0),
    (-0.000_02, 0, -1.0, 1.0, -2.0),
    (-0.000_02, 0, 1.0, 3.0, 0.0),
    (0.000_02, 0, 0.0, 4.0, 0.0),
];

/// Planetary corrections of the new moon (Meeus ch. 49): coefficient in days and the argument
/// `a + b·k` in degrees (the first one also has −0.009173·T²).
const PLANETARY_TERMS: [(f64, f64, f64); 14] = [
    (0.000_325, 299.77, 0.107_408),
    (0.000_165, 251.88, 0.016_321),
    (0.000_164, 251.83, 26.651_886),
    (0.000_126, 349.42, 36.412_478),
    (0.000_110, 84.66, 18.206_239),
    (0.000_062, 141.74, 53.303_771),
    (0.000_060, 207.14, 2.453_732),
    (0.000_056, 154.84, 7.306_860),
    (0.000_047, 34.52, 27.261_239),
    (0.000_042, 207.19, 0.121_824),
    (0.000_040, 291.34, 1.844_379),
    (0.000_037, 161.72, 24.198_154),
    (0.000_035, 239.56, 25.513_099),
    (0.000_023, 331.55, 3.592_518),
];

/// Julian day (UT) of the new moon number `k` (0 is the one of 2000-01-06).
fn new_moon(k: i64) -> f64 {
    let k = k as f64;
    let t = k / 1236.85;
    let t2 = t * t;
    let mean = NEW_MOON_EPOCH + SYNODIC_MONTH * k + t2 * (0.000_154_37 + t * (-0.000_000_150 + t * 0.000_000_000_73));
    let e = 1.0 - t * (0.002_516 + t * 0.000_007_4);
    let m = (2.5534 + 29.105_356_70 * k - t2 * (0.000_001_4 + t * 0.000_000_11)).to_radians();
    let mp = (201.5643 + 385.816_935_28 * k + t2 * (0.010_758_2 + t * (0.000_012_38 - t * 0.000_000_058))).to_radians();
    let f = (160.7108 + 390.670_502_84 * k - t2 * (0.001_611_8 + t * (0.000_002_27 - t * 0.000_000_011))).to_radians();
    let omega = (124.7746 - 1.563_755_88 * k + t2 * (0.002_067_2 + t * 0.000_002_15)).to_radians();
    let mut correction = -0.000_17 * omega.sin();
    for (coefficient, e_power, cm, cmp, cf) in NEW_MOON_TERMS {
        correction += coefficient * e.powi(e_power) * (cm * m + cmp * mp + cf * f).sin();
    }
    for (i, (coefficient, a, b)) in PLANETARY_TERMS.into_iter().enumerate() {
        let quadratic = if i == 0 { -0.009_173 * t2 } else { 0.0 };
        correction += coefficient * (a + b * k + quadratic).to_radians().sin();
    }
    let jde = mean + correction;
    jde - delta_t(jde)
}

/// The sun's apparent longitude in degrees, `0..360`, at Julian day (UT) `jd`.
fn sun_longitude(jd: f64) -> f64 {
    let t = (jd + delta_t(jd) - J2000) / 36_525.0;
    let l0 = 280.466_46 + t * (36_000.769_83 + t * 0.000_303_2);
    let m = (357.529_11 + t * (35_999.050_29 - t * 0.000_153_7)).to_radians();
    let center = (1.914_602 - t * (0.004_817 + t * 0.000_014)) * m.sin()
        + (0.019_993 - t * 0.000_101) * (2.0 * m).sin()
        + 0.000_289 * (3.0 * m).sin();
    let omega = (125.04 - 1934.136 * t).to_radians();
    (l0 + center - 0.005_69 - 0.004_78 * omega.sin()).rem_euclid(360.0)
}

/// Julian day number of the first day (in UTC+7) of the month that begins with new moon `k`.
fn month_start(k: i64) -> i64 {
    (new_moon(k) + 0.5 + ZONE).floor() as i64
}

/// The 30° sector (0 from the March equinox, 9 from the December solstice) of the sun's longitude
/// at the local midnight that begins day `jdn`.
fn sector(jdn: i64) -> i64 {
    (sun_longitude(jdn as f64 - 0.5 - ZONE) / 30.0).floor() as i64
}

/// The month containing day `jdn`: its new moon `k`, its first day and the next month's first day.
fn month_of(jdn: i64) -> (i64, i64, i64) {
    let mut k = ((jdn as f64 - NEW_MOON_EPOCH) / SYNODIC_MONTH).floor() as i64;
    let mut start = month_start(k);
    let mut next;
    if start > jdn {
        next = start;
        while start > jdn {
            k -= 1;
            next = start;
            start = month_start(k);
        }
    } else {
        next = month_start(k + 1);
        while next <= jdn {
            k += 1;
            start = next;
            next = month_start(k + 1);
        }
    }
    (k, start, next)
}

/// The new moon that begins month 11 of Gregorian year `year`: the month containing the
/// December solstice.
fn month_11(year: i64) -> i64 {
    // The month containing 21 December, moved if the solstice falls outside it.
    let (mut k, mut start, mut next) = month_of(day_number(year, 12, 21));
    while sector(start) >= 9 {
        k -= 1;
        next = start;
        start = month_start(k);
    }
    while sector(next) < 9 {
        k += 1;
        next = month_start(k + 1);
    }
    k
}

/// The months from month 11 of one Gregorian year to month 11 of the next: months 11 and 12 of
/// lunar year `year − 1` and months 1 to 10 of lunar year `year`, with a leap month among them
/// when they are 13.
#[derive(Clone, Copy, Debug)]
struct Cycle {
    /// The lunar year whose months 1 to 10 are in the cycle.
    year: i64,
    /// New moon number of its month 11.
    k11: i64,
    /// Offset from month 11 of the leap month, if any at or before the offset the cycle was
    /// computed `through` (1 to 12): later months are not looked at.
    leap: Option<i64>,
}

impl Cycle {
    /// The cycle between month 11 of `year − 1` (new moon `k11`) and month 11 of `year` (`next`),
    /// looking for the leap month among the months at offsets 1 to `through`.
    fn new(year: i64, k11: i64, next: i64, through: i64) -> Cycle {
        let mut leap = None;
        if next - k11 == 13 {
            // Twelve major terms in thirteen months: at least one of months 1 to 12 after month 11 has
            // none (month 11 itself contains the solstice); the first such one is the leap month.
            let mut this = sector(month_start(k11 + 1));
            for offset in 1..=through.min(12) {
                let following = sector(month_start(k11 + offset + 1));
                if following == this {
                    leap = Some(offset);
                    break;
                }
                this = following;
            }
            // Unreachable with a consistent `sector`; keeps the numbering within 12 months anyway.
            if through >= 12 {
                leap = leap.or(Some(12));
            }
        }
        Cycle { year, k11, leap }
    }

    /// The cycle in which lunar year `year` has its months 1 to 10, computed `through` an offset.
    fn of_year(year: i64, through: i64) -> Cycle {
        Cycle::new(year, month_11(year - 1), month_11(year), through)
    }

    /// The lunar date of day `jdn`, which is in the month that begins on day `start` with new
    /// moon `k` of this cycle (computed through `k`'s offset at least).
    fn date(&self, k: i64, start: i64, jdn: i64) -> LunarDate {
        let offset = k - self.k11;
        let after_leap = self.leap.is_some_and(|l| offset >= l);
        let number = offset - i64::from(after_leap);
        LunarDate {
            year: (if number < 2 { self.year - 1 } else { self.year }) as i32,
            month: month_name(number),
            day: (jdn - start + 1) as u8,
            leap: self.leap == Some(offset),
        }
    }

    /// The new moon beginning month `number` (0 for month 11, 1 for month 12, 2 for month 1 …)
    /// of this cycle, or its leap month; None if that leap month does not exist. The cycle must
    /// have been computed through offset `number + 1`.
    fn new_moon_of(&self, number: i64, leap: bool) -> Option<i64> {
        match (self.leap, leap) {
            (Some(l), true) if l - 1 == number => Some(self.k11 + l),
            (_, true) => None,
            (Some(l), false) if l <= number => Some(self.k11 + number + 1),
            _ => Some(self.k11 + number),
        }
    }

    /// The Gregorian date of day `day` of month `number` (see [`new_moon_of`](Self::new_moon_of)),
    /// None if the month or the day does not exist.
    fn day(&self, number: i64, leap: bool, day: u8) -> Option<Date> {
        let k = self.new_moon_of(number, leap)?;
        let start = month_start(k);
        // Every month has 29 days at least; only a day 30 needs the next new moon.
        if day == 30 && month_start(k + 1) - start < 30 {
            return None;
        }
        date_of(start + i64::from(day) - 1)
    }
}

/// The month number (1–12) of the month `number` months after month 11, leap months not counted.
fn month_name(number: i64) -> u8 {
    ((number + 10).rem_euclid(12) + 1) as u8
}

/// `true` if `year` is within [`FIRST_YEAR`]`..=`[`LAST_YEAR`].
fn supported(year: i32) -> bool {
    (i32::from(FIRST_YEAR)..=i32::from(LAST_YEAR)).contains(&year)
}

/// The lunar date of a Gregorian date.
///
/// Defined for every date: checked for 1900–2199, extrapolated with the same astronomy outside
/// (see [`FIRST_YEAR`]).
pub fn to_lunar(d: Date) -> LunarDate {
    let day = jdn(d);
    let (k, start, _) = month_of(day);
    let year = i64::from(d.year());
    let k11 = month_11(year);
    let cycle = if k >= k11 {
        Cycle::new(year + 1, k11, month_11(year + 1), k - k11)
    } else {
        let previous = month_11(year - 1);
        Cycle::new(year, previous, k11, k - previous)
    };
    cycle.date(k, start, day)
}

/// The Gregorian date of a lunar date, or None if it does not exist (a day 30 of a 29-day month,
/// a leap month the year does not have, a month outside 1–12) or `year` is not within
/// [`FIRST_YEAR`]`..=`[`LAST_YEAR`].
pub fn from_lunar(year: i32, month: u8, day: u8, leap: bool) -> Option<Date> {
    if !supported(year) || !(1..=12).contains(&month) || !(1..=30).contains(&day) {
        return None;
    }
    let year = i64::from(year);
    // Months 11 and 12 belong to the cycle that ends with month 11 of the next Gregorian year.
    let (year, number) = if month >= 11 { (year + 1, i64::from(month) - 11) } else { (year, i64::from(month) + 1) };
    Cycle::of_year(year, number + 1).day(number, leap, day)
}

/// The leap month of lunar year `year`, if it has one (the month number it repeats); None also
/// outside [`FIRST_YEAR`]`..=`[`LAST_YEAR`].
pub fn leap_month(year: i32) -> Option<u8> {
    if !supported(year) {
        return None;
    }
    let year = i64::from(year);
    // A leap month 1 to 10 sits at offset 3 or more of the year's own cycle, a leap month 11 or 12
    // at offset 1 or 2 of the next one.
    let own = Cycle::of_year(year, 12).leap.filter(|&l| l >= 3);
    let leap = own.or_else(|| Cycle::of_year(year + 1, 2).leap)?;
    Some(month_name(leap - 1))
}

/// Lunar new year's day and Hùng Kings' day of each year from `first` to `last` (only those
/// within [`FIRST_YEAR`]`..=`[`LAST_YEAR`]), each month 11 computed once: what
/// [`WorkCalendar::vietnam`](crate::calendar::WorkCalendar::vietnam) needs, at half the cost of
/// [`lunar_new_year`] and [`hung_kings_day`] year by year.
pub(crate) fn new_years_and_hung_kings_days(first: i16, last: i16) -> impl Iterator<Item = (Date, Date)> {
    let first = first.max(FIRST_YEAR);
    let mut k11 = month_11(i64::from(first) - 1);
    (first..=last.min(LAST_YEAR)).filter_map(move |year| {
        let next = month_11(i64::from(year));
        // Month 1 is number 2 and month 3 number 4: the leap month matters only up to offset 5.
        let cycle = Cycle::new(i64::from(year), k11, next, 5);
        k11 = next;
        Some((cycle.day(2, false, 1)?, cycle.day(4, false, 10)?))
    })
}

/// Lunar new year's day (mùng 1 Tết, the 1st day of month 1) of the lunar year that begins in
/// Gregorian year `year`; None outside [`FIRST_YEAR`]`..=`[`LAST_YEAR`].
pub fn lunar_new_year(year: i16) -> Option<Date> {
    from_lunar(i32::from(year), 1, 1, false)
}

/// Hùng Kings' commemoration day (Giỗ Tổ Hùng Vương, the 10th day of month 3) of lunar year
/// `year`; None outside [`FIRST_YEAR`]`..=`[`LAST_YEAR`].
pub fn hung_kings_day(year: i16) -> Option<Date> {
    from_lunar(i32::from(year), 3, 10, false)
}

#[cfg(test)]
#[allow(clippy::unwrap_used)]
mod tests {
    use super::*;
    use jiff::civil::date;

    fn lunar(year: i32, month: u8, day: u8, leap: bool) -> LunarDate {
        LunarDate { year, month, day, leap }
    }

    #[test]
    fn day_numbers_agree_with_jiff() {
        let epoch = date(2000, 1, 1);
        assert_eq!(jdn(epoch), 2_451_545);
        for d in [Date::MIN, date(-1, 3, 1), date(1582, 10, 15), date(1900, 2, 28), date(2199, 12, 31), Date::MAX] {
            let days = i64::from((d - epoch).get_days());
            assert_eq!(jdn(d), 2_451_545 + days, "{d}");
            assert_eq!(date_of(jdn(d)), Some(d));
        }
        let mut d = date(1899, 1, 1);
        while d < date(1905, 1, 1) {
            assert_eq!(date_of(jdn(d)), Some(d));
            assert_eq!(jdn(d.tomorrow().unwrap()), jdn(d) + 1);
            d = d.tomorrow().unwrap();
        }
        assert_eq!(date_of(jdn(Date::MIN) - 1), None);
        assert_eq!(date_of(jdn(Date::MAX) + 1), None);
    }

    #[test]
    fn astronomy_matches_known_instants() {
        // New moon of 2024-02-09 22:59 UTC (so 10 February in Vietnam): the one before Tết 2024.
        let (k, start, _) = month_of(jdn(date(2024, 2, 10)));
        assert_eq!(start, jdn(date(2024, 2, 10)));
        let utc = (new_moon(k) - (jdn(date(2024, 2, 9)) as f64 - 0.5)) * 24.0;
        assert!((utc - 22.98).abs() < 0.05, "{utc}");
        assert_eq!(date_of(month_start(k)), Some(date(2024, 2, 10)));
        // December solstice 2024: 21 December 09:20 UTC.
        let solstice = jdn(date(2024, 12, 21)) as f64 - 0.5 + 9.35 / 24.0;
        assert!(sun_longitude(solstice - 0.01) < 270.0 && sun_longitude(solstice + 0.01) >= 270.0);
        // ΔT: about 64 s in 2000.
        assert!((delta_t(J2000) * 86_400.0 - 63.86).abs() < 0.5);
    }

    #[test]
    fn known_lunar_new_years() {
        let known = [
            (2024, date(2024, 2, 10)),
            (2025, date(2025, 1, 29)),
            (2026, date(2026, 2, 17)),
            (2027, date(2027, 2, 6)),
            (2028, date(2028, 1, 26)),
            (2029, date(2029, 2, 13)),
            // The new moon of 2 February 2030 is at 23:07 in Vietnam, 00:07 on the 3rd in China.
            (2030, date(2030, 2, 2)),
            // Vietnam, UTC+7; China (UTC+8) had 1985-02-20 and 2007-02-18.
            (1985, date(1985, 1, 21)),
            (2007, date(2007, 2, 17)),
            (1900, date(1900, 1, 31)),
            (2000, date(2000, 2, 5)),
        ];
        for (year, tet) in known {
            assert_eq!(lunar_new_year(year), Some(tet), "{year}");
            assert_eq!(to_lunar(tet), lunar(i32::from(year), 1, 1, false));
            assert_eq!(to_lunar(tet.yesterday().unwrap()).year, i32::from(year) - 1);
        }
    }

    #[test]
    fn known_hung_kings_days() {
        assert_eq!(hung_kings_day(2026), Some(date(2026, 4, 26)));
        assert_eq!(hung_kings_day(2025), Some(date(2025, 4, 7)));
        assert_eq!(hung_kings_day(2024), Some(date(2024, 4, 18)));
        // 2023 has a leap month 2, so 10/3 comes late.
        assert_eq!(hung_kings_day(2023), Some(date(2023, 4, 29)));
        assert_eq!(to_lunar(date(2026, 4, 26)), lunar(2026, 3, 10, false));
    }

    #[test]
    fn holidays_of_a_year_computed_at_once() {
        let all: Vec<_> = new_years_and_hung_kings_days(i16::MIN, i16::MAX).collect();
        assert_eq!(all.len(), 300);
        for (year, both) in (FIRST_YEAR..=LAST_YEAR).zip(all) {
            assert_eq!(Some(both), lunar_new_year(year).zip(hung_kings_day(year)), "{year}");
        }
        let some: Vec<_> = new_years_and_hung_kings_days(2025, 2026).collect();
        assert_eq!(some, [(date(2025, 1, 29), date(2025, 4, 7)), (date(2026, 2, 17), date(2026, 4, 26))]);
        assert_eq!(new_years_and_hung_kings_days(2200, 2300).count(), 0);
    }

    #[test]
    fn leap_months() {
        assert_eq!(leap_month(2020), Some(4));
        assert_eq!(leap_month(2023), Some(2));
        assert_eq!(leap_month(2025), Some(6));
        assert_eq!(leap_month(2024), None);
        assert_eq!(leap_month(2026), None);
        assert_eq!(leap_month(2028), Some(5));
        // Leap month 11 of 2033: the first month without a major term after the solstice month.
        assert_eq!(leap_month(2033), Some(11));
        assert_eq!(leap_month(2034), None);
        // Leap 6 of 2025 began on 25 July 2025; 1/6 on 25 June.
        assert_eq!(from_lunar(2025, 6, 1, true), Some(date(2025, 7, 25)));
        assert_eq!(from_lunar(2025, 6, 1, false), Some(date(2025, 6, 25)));
        assert_eq!(to_lunar(date(2025, 8, 1)), lunar(2025, 6, 8, true));
        assert_eq!(from_lunar(2025, 5, 1, true), None);
        assert_eq!(from_lunar(2026, 6, 1, true), None);
    }

    #[test]
    fn some_known_dates() {
        // Mid-autumn 2025 (15/8) was Monday 6 October; the 23/12 of lunar 2025 is 10 February 2026.
        assert_eq!(to_lunar(date(2025, 10, 6)), lunar(2025, 8, 15, false));
        assert_eq!(from_lunar(2025, 12, 23, false), Some(date(2026, 2, 10)));
        assert_eq!(to_lunar(date(2026, 2, 16)), lunar(2025, 12, 29, false));
        // Month 12 of lunar 2025 has 29 days: no 30th, Tết follows the 29th.
        assert_eq!(from_lunar(2025, 12, 30, false), None);
        assert_eq!(to_lunar(date(2026, 1, 1)), lunar(2025, 11, 13, false));
    }

    #[test]
    fn outside_the_range() {
        assert_eq!(lunar_new_year(FIRST_YEAR - 1), None);
        assert_eq!(lunar_new_year(LAST_YEAR + 1), None);
        assert_eq!(hung_kings_day(2200), None);
        assert_eq!(from_lunar(1899, 12, 1, false), None);
        assert_eq!(from_lunar(2200, 1, 1, false), None);
        assert_eq!(leap_month(2200), None);
        assert!(lunar_new_year(LAST_YEAR).is_some());
        // Months 11 and 12 of the last year end in January 2200.
        assert!(from_lunar(2199, 12, 1, false).unwrap().year() == 2200);
        for (month, day) in [(0, 1), (13, 1), (1, 0), (1, 31)] {
            assert_eq!(from_lunar(2026, month, day, false), None, "{month}/{day}");
        }
        // to_lunar extrapolates without panicking.
        for d in [Date::MIN, date(1, 1, 1), date(1899, 12, 31), date(2500, 6, 1), Date::MAX] {
            let l = to_lunar(d);
            assert!((1..=12).contains(&l.month) && (1..=30).contains(&l.day), "{d}: {l:?}");
            assert!((i32::from(d.year()) - l.year).abs() <= 1);
        }
        assert_eq!(to_lunar(date(1900, 1, 30)).year, 1899);
    }

    /// Every day of the supported range: consecutive days are consecutive lunar days, every month
    /// has 29 or 30 days, every year 12 or 13 months with the leap one in place, and `from_lunar`
    /// inverts `to_lunar`.
    #[test]
    fn every_day_round_trips() {
        let mut d = date(1900, 1, 31);
        let mut prev = to_lunar(d);
        assert_eq!(prev, lunar(1900, 1, 1, false));
        let mut months_in_year = 1;
        let mut days = 0;
        while d < date(2199, 12, 31) {
            d = d.tomorrow().unwrap();
            let l = to_lunar(d);
            if l.day == 1 {
                assert!(prev.day == 29 || prev.day == 30, "{d}: {prev:?} then {l:?}");
                if l.leap {
                    assert_eq!((l.year, l.month), (prev.year, prev.month), "{d}");
                    assert_eq!(leap_month(l.year), Some(l.month));
                } else if l.month == 1 {
                    assert_eq!((l.year, prev.month), (prev.year + 1, 12), "{d}");
                    let expected = if leap_month(prev.year).is_some() { 13 } else { 12 };
                    assert!(prev.year < 1900 || months_in_year == expected, "{d}: {months_in_year}");
                    months_in_year = 0;
                } else {
                    assert_eq!((l.year, l.month), (prev.year, prev.month + 1), "{d}");
                }
                months_in_year += 1;
            } else {
                assert_eq!(l, LunarDate { day: prev.day + 1, ..prev }, "{d}");
            }
            assert_eq!(from_lunar(l.year, l.month, l.day, l.leap), Some(d), "{l:?}");
            prev = l;
            days += 1;
        }
        assert_eq!(days, jdn(date(2199, 12, 31)) - jdn(date(1900, 1, 31)));
    }
}
