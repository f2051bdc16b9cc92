//! Recurring tasks: a series made from an RFC 5545 RRULE and a first date; each occurrence
//! becomes a task of the lead when its day comes (moved off, or skipping, days that are not
//! working days when asked), due a number of working days later.

use egov_domain::rrule::Rule;
use egov_domain::work::{self, NonWorking, Priority};
use egov_domain::FieldError;
use egov_storage::tasks::{self as tdb, NewSeries, NewTask, SeriesRow};
use jiff::civil::Date;

use super::require;
use crate::audit::{record, Who};
use crate::documents::handling::Assignee;
use crate::documents::{optional_text, required_text, today};
use crate::{commit, now_ms, AppError, AppResult, Caller, Check, Scope, Services};

/// Occurrences made by one sweep of one series at most (a series that was stopped for years
/// catches up over several sweeps).
const CATCH_UP: usize = 50;
/// Series handled by one sweep.
const BATCH: i64 = 200;

/// A recurring task as given by a form or the API.
#[derive(Clone, Debug, Default)]
pub struct SeriesInput<'a> {
    pub title: &'a str,
    pub description: &'a str,
    pub lead: Option<i64>,
    pub priority: &'a str,
    /// The RRULE (`FREQ=WEEKLY;BYDAY=MO`).
    pub rrule: &'a str,
    /// The first date (ISO or dd/mm/yyyy).
    pub starts_on: &'a str,
    /// `keep`, `next` or `skip`.
    pub non_working: &'a str,
    /// Each occurrence is due this many working days after its day (0: the same day).
    pub due_days: i64,
}

/// The occurrence dates of a series from `from` on (inclusive), after the working-day rule,
/// in order and without repeats; at most `limit`.
pub fn occurrence_days(
    rule: &Rule,
    starts_on: Date,
    non_working: NonWorking,
    calendar: &egov_domain::calendar::WorkCalendar,
    from: Date,
    limit: usize,
) -> Vec<Date> {
    let mut out: Vec<Date> = Vec::new();
    for d in rule.occurrences(starts_on) {
        let Some(day) = non_working.apply(d, calendar) else { continue };
        if day < from || out.last().is_some_and(|l| *l >= day) {
            continue;
        }
        out.push(day);
        if out.len() >= limit {
            break;
        }
    }
    out
}

impl Services {
    /// Starts a recurring task; returns the series id. Occurrences due today are made at once.
    pub async fn create_series(&self, caller: &Caller, input: &SeriesInput<'_>) -> AppResult<i64> {
        require(caller, Scope::WorkWrite)?;
        let mut check = Check::new();
        let title = check.take(
            required_text(input.title, "title", "Vui lòng nhập tên công việc.", "Enter the task's title.")
                .map_err(|e| first(e, "title")),
        );
        let description =
            check.take(optional_text(input.description, "description").map_err(|e| first(e, "description")));
        let starts = check.take(egov_domain::document::parse_date(input.starts_on, "starts_on"));
        if starts.is_some_and(|s| s < today()) {
            check.push(FieldError::new(
                "starts_on",
                "in_the_past",
                "Ngày bắt đầu không được ở trong quá khứ.",
                "The first date cannot be in the past.",
            ));
        }
        let rule = starts.and_then(|s| check.take(Rule::parse(input.rrule, s, "rrule")));
        let priority = check.take(work::parse_choice(
            if input.priority.trim().is_empty() { "normal" } else { input.priority },
            "priority",
            Priority::parse,
        ));
        let non_working = check.take(work::parse_choice(
            if input.non_working.trim().is_empty() { "next" } else { input.non_working },
            "non_working",
            NonWorking::parse,
        ));
        if !(0..=365).contains(&input.due_days) {
            check.push(FieldError::new(
                "due_days",
                "deadline_days_invalid",
                "Số ngày làm việc phải từ 0 đến 365.",
                "The number of working days must be between 0 and 365.",
            ));
        }
        if input.lead.is_none() {
            check.push(FieldError::new(
                "lead",
                "required",
                "Vui lòng chọn người chủ trì.",
                "Choose who leads the task.",
            ));
        }
        check.finish()?;
        let (Some(title), Some(description), Some(starts), Some(rule), Some(priority), Some(non_working), Some(lead)) =
            (title, description, starts, rule, priority, non_working, input.lead)
        else {
            return Err(AppError::internal(anyhow::anyhow!("checked input missing")));
        };
        let cal = self.calendar();
        let first_day = occurrence_days(&rule, starts, non_working, &cal, starts, 1);
        let Some(first_day) = first_day.first().copied() else {
            return Err(AppError::invalid(
                "rrule",
                "rrule_empty",
                "Quy tắc lặp không cho ra ngày làm việc nào.",
                "The rule produces no working day.",
            ));
        };
        let me = caller.actor.user_id;
        let mut tx = self.store.begin().await?;
        let holdings = self.holdings(&mut tx, me).await?;
        if lead != me && !self.reach(&mut tx, &holdings, Assignee::Person(lead)).await? {
            return Err(AppError::field(crate::documents::out_of_reach("lead")));
        }
        let agency_id = holdings.first().map_or(caller.actor.agency_id, |h| h.agency_id);
        let rrule = rule.to_rfc5545();
        let id = tdb::insert_series(
            &mut tx,
            &NewSeries {
                agency_id,
                assigner_id: me,
                lead_id: lead,
                title: &title,
                description: &description,
                priority: priority.as_str(),
                rrule: &rrule,
                starts_on: &starts.to_string(),
                non_working: non_working.as_str(),
                due_days: input.due_days,
                next_on: Some(&first_day.to_string()),
            },
            now_ms(),
        )
        .await?;
        let detail = serde_json::json!({ "series": id, "lead": lead, "rrule": rrule, "starts_on": starts.to_string() });
        record(
            &mut tx,
            &Who::caller(caller),
            "task.series_create",
            "task_series",
            Some(id.to_string()),
            crate::audit::NONE,
            Some(&detail),
        )
        .await?;
        commit(tx).await?;
        self.sweep_series(today()).await?;
        Ok(id)
    }

    /// Makes the occurrences that are due on or before `today` for every active series; returns
    /// how many tasks were made. Safe to run from several processes at once: an occurrence is
    /// unique per series and date, and a series moves on only from the `next_on` it was read with.
    pub async fn sweep_series(&self, today: Date) -> AppResult<usize> {
        let due = {
            let mut c = self.store.read().await?;
            tdb::series_due(&mut c, &today.to_string(), BATCH).await?
        };
        let mut made = 0;
        for s in due {
            made += self.make_occurrences(&s, today).await?;
        }
        Ok(made)
    }

    async fn make_occurrences(&self, s: &SeriesRow, today: Date) -> AppResult<usize> {
        let (Ok(starts), Some(next_on)) = (s.starts_on.parse::<Date>(), s.next_on.as_deref()) else { return Ok(0) };
        let Ok(next) = next_on.parse::<Date>() else { return Ok(0) };
        let Ok(rule) = Rule::parse(&s.rrule, starts, "rrule") else { return Ok(0) };
        let non_working = NonWorking::parse(&s.non_working).unwrap_or(NonWorking::Next);
        let cal = self.calendar();
        let days = occurrence_days(&rule, starts, non_working, &cal, next, CATCH_UP + 1);
        let (now_due, later): (Vec<Date>, Vec<Date>) = days.into_iter().partition(|d| *d <= today);
        let now_due: Vec<Date> = now_due.into_iter().take(CATCH_UP).collect();
        let following = later.first().copied().map(|d| d.to_string());
        let next_after = match now_due.last() {
            Some(last) if now_due.len() == CATCH_UP => last.tomorrow().ok().map(|d| d.to_string()),
            _ => following,
        };
        let now = now_ms();
        let mut tx = self.store.begin().await?;
        if !tdb::advance_series(&mut tx, s.id, next_on, next_after.as_deref(), s.made + now_due.len() as i64).await? {
            return Ok(0);
        }
        let system = Caller::system("work");
        for day in &now_due {
            let deadline = cal.add_working_days(*day, s.due_days).to_string();
            let occurrence = day.to_string();
            let id = tdb::insert_task(
                &mut tx,
                &NewTask {
                    agency_id: s.agency_id,
                    parent_id: None,
                    depth: 0,
                    title: &s.title,
                    description: &s.description,
                    document_id: None,
                    assigner_id: s.assigner_id,
                    lead_id: s.lead_id,
                    priority: &s.priority,
                    deadline: Some(&deadline),
                    weight: 1,
                    series_id: Some(s.id),
                    occurrence: Some(&occurrence),
                },
                now,
            )
            .await?;
            self.staff_task(&mut tx, id, None, s.assigner_id, s.lead_id, &[], now).await?;
            tdb::insert_update(&mut tx, id, None, "created", None, Some(&occurrence), now).await?;
            let detail =
                serde_json::json!({ "task": id, "series": s.id, "occurrence": occurrence, "deadline": deadline });
            record(
                &mut tx,
                &Who::caller(&system),
                "task.occurrence",
                "task",
                Some(id.to_string()),
                crate::audit::NONE,
                Some(&detail),
            )
            .await?;
        }
        commit(tx).await?;
        if !now_due.is_empty() {
            self.delivery_wake.notify_one();
        }
        Ok(now_due.len())
    }

    /// Stops a recurring task (its assigner): no more occurrences are made.
    pub async fn stop_series(&self, caller: &Caller, series_id: i64) -> AppResult<()> {
        require(caller, Scope::WorkWrite)?;
        let mut tx = self.store.begin().await?;
        let s = tdb::get_series(&mut tx, series_id).await?.ok_or(AppError::NotFound)?;
        if s.assigner_id != caller.actor.user_id {
            return Err(AppError::NotFound);
        }
        if !tdb::stop_series(&mut tx, s.id).await? {
            return Err(AppError::Conflict(FieldError::new(
                "status",
                "stopped",
                "Chuỗi công việc này đã dừng.",
                "This series is already stopped.",
            )));
        }
        let detail = serde_json::json!({ "series": s.id, "made": s.made });
        record(
            &mut tx,
            &Who::caller(caller),
            "task.series_stop",
            "task_series",
            Some(s.id.to_string()),
            crate::audit::NONE,
            Some(&detail),
        )
        .await?;
        commit(tx).await
    }
}

fn first(e: AppError, field: &'static str) -> FieldError {
    match e {
        AppError::Invalid(mut v) if !v.is_empty() => v.remove(0),
        _ => FieldError::new(field, "invalid", "Dữ liệu không hợp lệ.", "Invalid input."),
    }
}
