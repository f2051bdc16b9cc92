//! The administered working-day calendar: the days a system administrator declared off or
//! working on top of the statutory calendar.

use sqlx::{AnyConnection, FromRow};

use crate::Result;

/// One declared day.
#[derive(Clone, Debug, FromRow, PartialEq, Eq)]
pub struct CalendarDayRow {
    /// ISO date.
    pub day: String,
    /// `off` or `working`.
    pub kind: String,
    pub note: String,
    pub set_by: Option<i64>,
    pub set_at: i64,
}

/// Every declared day, in order.
pub async fn all_days(c: &mut AnyConnection) -> Result<Vec<CalendarDayRow>> {
    Ok(sqlx::query_as("SELECT day, kind, note, set_by, set_at FROM calendar_days ORDER BY day").fetch_all(c).await?)
}

/// The declared days of one year, in order.
pub async fn days_of_year(c: &mut AnyConnection, year: i16) -> Result<Vec<CalendarDayRow>> {
    Ok(sqlx::query_as(
        "SELECT day, kind, note, set_by, set_at FROM calendar_days WHERE day >= $1 AND day <= $2 ORDER BY day",
    )
    .bind(format!("{year:04}-01-01"))
    .bind(format!("{year:04}-12-31"))
    .fetch_all(c)
    .await?)
}

/// Replaces the declared days of one year by `days` (`(day, kind, note)`).
pub async fn replace_year(
    c: &mut AnyConnection,
    year: i16,
    days: &[(String, String, String)],
    by: Option<i64>,
    now: i64,
) -> Result<()> {
    sqlx::query("DELETE FROM calendar_days WHERE day >= $1 AND day <= $2")
        .bind(format!("{year:04}-01-01"))
        .bind(format!("{year:04}-12-31"))
        .execute(&mut *c)
        .await?;
    for (day, kind, note) in days {
        sqlx::query("INSERT INTO calendar_days (day, kind, note, set_by, set_at) VALUES ($1, $2, $3, $4, $5)")
            .bind(day)
            .bind(kind)
            .bind(note)
            .bind(by)
            .bind(now)
            .execute(&mut *c)
            .await?;
    }
    Ok(())
}
