//! The working-day calendar as administered: the statutory calendar plus the days a system
//! administrator declared (swaps, make-up working days, extra days off), kept in memory for
//! deadlines, changed per year with an audit entry, and reloaded by every process each minute.

use std::sync::Arc;
use std::time::Duration;

use egov_domain::calendar::WorkCalendar;
use egov_domain::days_off::{self, DayKind, DeclaredDay};
use egov_domain::document::parse_date;
use egov_domain::FieldError;
use egov_storage::calendar as cdb;
use jiff::civil::Date;

use crate::audit::{record, Who};
use crate::documents::require;
use crate::{commit, now_ms, AppError, AppResult, Caller, Scope, Services};

/// How often a process reads the declared days again (another process may have changed them).
const REFRESH: Duration = Duration::from_secs(60);

/// One day of a year that is not an ordinary one: a day off on a weekday (or a weekend holiday),
/// or a weekend working day.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct YearDay {
    pub date: Date,
    /// Off (else a working day).
    pub off: bool,
    /// What the administrator declared about it, with the note.
    pub declared: Option<(DayKind, String)>,
}

/// A year of the calendar: its special days and the declared ones.
#[derive(Clone, Debug)]
pub struct CalendarYear {
    pub year: i16,
    pub days: Vec<YearDay>,
    pub declared: Vec<DeclaredDay>,
    /// Working days in the year.
    pub working_days: i64,
}

/// A declared day as given by a form or the API.
#[derive(Clone, Debug, Default)]
pub struct DayInput {
    pub date: String,
    pub kind: String,
    pub note: String,
}

fn year_range(year: i64) -> AppResult<i16> {
    i16::try_from(year).ok().filter(|y| (WorkCalendar::FIRST_YEAR..=WorkCalendar::LAST_YEAR).contains(y)).ok_or_else(
        || {
            AppError::invalid(
                "year",
                "year_out_of_range",
                &format!("Năm phải từ {} đến {}.", WorkCalendar::FIRST_YEAR, WorkCalendar::LAST_YEAR),
                &format!("The year must be between {} and {}.", WorkCalendar::FIRST_YEAR, WorkCalendar::LAST_YEAR),
            )
        },
    )
}

fn declared_of(rows: Vec<cdb::CalendarDayRow>) -> Vec<DeclaredDay> {
    rows.into_iter()
        .filter_map(|r| Some(DeclaredDay { date: r.day.parse().ok()?, kind: DayKind::parse(&r.kind)?, note: r.note }))
        .collect()
}

fn parse_inputs(days: &[DayInput]) -> AppResult<Vec<DeclaredDay>> {
    let mut out = Vec::new();
    let mut errors: Vec<FieldError> = Vec::new();
    for d in days {
        let date = parse_date(&d.date, "days");
        let kind = DayKind::parse(&d.kind)
            .ok_or_else(|| FieldError::new("days", "unknown_kind", "Loại ngày không hợp lệ.", "Unknown kind of day."));
        let note = egov_domain::text::normalize(&d.note);
        match (date, kind) {
            (Ok(date), Ok(kind)) => out.push(DeclaredDay { date, kind, note }),
            (date, kind) => errors.extend(date.err().into_iter().chain(kind.err())),
        }
    }
    if errors.is_empty() {
        Ok(out)
    } else {
        Err(AppError::Invalid(errors))
    }
}

impl Services {
    /// The calendar deadlines are computed with now.
    pub fn calendar(&self) -> Arc<WorkCalendar> {
        self.calendar.read().map(|c| c.clone()).unwrap_or_else(|p| p.into_inner().clone())
    }

    /// The calendar without any declared day: statutory holidays and the configured extra ones.
    fn base_calendar(&self) -> WorkCalendar {
        WorkCalendar::vietnam().with_holidays(self.settings.extra_holidays.iter().copied())
    }

    /// Reads the declared days and makes them the calendar of this process.
    pub async fn reload_calendar(&self) -> AppResult<()> {
        let rows = {
            let mut c = self.store.read().await?;
            cdb::all_days(&mut c).await?
        };
        let cal = days_off::apply(self.base_calendar(), &declared_of(rows));
        if let Ok(mut slot) = self.calendar.write() {
            *slot = Arc::new(cal);
        }
        Ok(())
    }

    /// Reloads the calendar every minute (changes made by another process).
    pub async fn run_calendar_refresh(self) {
        loop {
            tokio::time::sleep(REFRESH).await;
            if let Err(e) = self.reload_calendar().await {
                tracing::warn!(error = %e, "calendar reload failed");
            }
        }
    }

    /// One year of the calendar: its days off, make-up days and what was declared.
    pub async fn calendar_year(&self, caller: &Caller, year: i64) -> AppResult<CalendarYear> {
        require(caller, Scope::WorkRead)?;
        let year = year_range(year)?;
        let declared = {
            let mut c = self.store.read().await?;
            declared_of(cdb::days_of_year(&mut c, year).await?)
        };
        let cal = self.calendar();
        let first = Date::new(year, 1, 1).map_err(AppError::internal)?;
        let last = Date::new(year, 12, 31).map_err(AppError::internal)?;
        let mut days = Vec::new();
        let mut d = first;
        loop {
            let weekend = d.weekday().to_monday_zero_offset() >= 5;
            let working = cal.is_working_day(d);
            let mark = declared.iter().find(|x| x.date == d).map(|x| (x.kind, x.note.clone()));
            if (weekend && working) || (!weekend && !working) || cal.is_holiday(d) || mark.is_some() {
                days.push(YearDay { date: d, off: !working, declared: mark });
            }
            if d >= last {
                break;
            }
            d = d.tomorrow().map_err(AppError::internal)?;
        }
        let before_first = first.yesterday().map_err(AppError::internal)?;
        let working_days = cal.working_days_between(before_first, last);
        Ok(CalendarYear { year, days, declared, working_days })
    }

    /// Replaces the declared days of `year` (system administrators only). The list is checked
    /// whole against the statutory calendar; the change is audited and used at once by this
    /// process (by others within a minute).
    pub async fn set_calendar_year(&self, caller: &Caller, year: i64, days: &[DayInput]) -> AppResult<()> {
        require(caller, Scope::OrgWrite)?;
        if !caller.actor.is_system_admin() {
            return Err(AppError::Forbidden);
        }
        let year = year_range(year)?;
        let declared = parse_inputs(days)?;
        days_off::check_year(&self.base_calendar(), year, &declared).map_err(AppError::Invalid)?;
        let mut sorted = declared;
        sorted.sort_by_key(|d| d.date);
        let rows: Vec<(String, String, String)> =
            sorted.iter().map(|d| (d.date.to_string(), d.kind.as_str().to_string(), d.note.clone())).collect();
        let mut tx = self.store.begin().await?;
        let before = cdb::days_of_year(&mut tx, year).await?;
        cdb::replace_year(&mut tx, year, &rows, caller.account_id(), now_ms()).await?;
        let list = |r: &[(String, String, String)]| -> Vec<serde_json::Value> {
            r.iter().map(|(d, k, n)| serde_json::json!({ "day": d, "kind": k, "note": n })).collect()
        };
        let before: Vec<(String, String, String)> = before.into_iter().map(|r| (r.day, r.kind, r.note)).collect();
        let (b, a) = (list(&before), list(&rows));
        record(
            &mut tx,
            &Who::caller(caller),
            "calendar.change",
            "calendar",
            Some(year.to_string()),
            Some(&b),
            Some(&a),
        )
        .await?;
        commit(tx).await?;
        self.reload_calendar().await
    }

    /// Declares one day (adding it to its year's list, or replacing what was declared on it).
    pub async fn declare_day(&self, caller: &Caller, input: &DayInput) -> AppResult<()> {
        let date = parse_date(&input.date, "date").map_err(AppError::field)?;
        let current = self.calendar_year(caller, i64::from(date.year())).await?;
        let mut days: Vec<DayInput> = current
            .declared
            .iter()
            .filter(|d| d.date != date)
            .map(|d| DayInput { date: d.date.to_string(), kind: d.kind.as_str().into(), note: d.note.clone() })
            .collect();
        days.push(DayInput { date: date.to_string(), ..input.clone() });
        self.set_calendar_year(caller, i64::from(date.year()), &days).await
    }

    /// Removes what was declared on one day.
    pub async fn undeclare_day(&self, caller: &Caller, date: &str) -> AppResult<()> {
        let date = parse_date(date, "date").map_err(AppError::field)?;
        let current = self.calendar_year(caller, i64::from(date.year())).await?;
        if !current.declared.iter().any(|d| d.date == date) {
            return Err(AppError::NotFound);
        }
        let days: Vec<DayInput> = current
            .declared
            .iter()
            .filter(|d| d.date != date)
            .map(|d| DayInput { date: d.date.to_string(), kind: d.kind.as_str().into(), note: d.note.clone() })
            .collect();
        self.set_calendar_year(caller, i64::from(date.year()), &days).await
    }
}
