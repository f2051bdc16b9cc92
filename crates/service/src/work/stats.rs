//! Statistics for leaders: for a period and a level (the agency, a unit's people, one person),
//! the documents (lead handling parts) and tasks received, in progress, done early / on time /
//! late, overdue, and the average handling time in working days; the items behind every number.
//! A leader of the agency sees it all, a unit's head their unit's people, anyone else themselves.

use std::collections::{BTreeMap, HashMap};

use egov_domain::calendar::WorkCalendar;
use egov_domain::routing::rank;
use egov_domain::{FieldError, Position, Role};
use egov_storage::stats::{self as xdb, Group, StatItem};
use jiff::civil::Date;

use super::require;
use crate::documents::{today, vietnam_tz};
use crate::{AppError, AppResult, Caller, Scope, Services};

/// Most items a drill-down lists.
pub const MAX_ITEMS: i64 = 500;

/// What a statistics page asks for.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct StatsQuery {
    pub agency_id: i64,
    pub from: Date,
    /// Inclusive.
    pub to: Date,
    /// One unit's people.
    pub unit_id: Option<i64>,
    /// One person.
    pub person: Option<i64>,
}

/// The counts of one row (the agency, or a person) for documents or tasks.
#[derive(Clone, Debug, Default, PartialEq)]
pub struct Counts {
    pub received: i64,
    pub in_progress: i64,
    pub early: i64,
    pub on_time: i64,
    pub late: i64,
    pub overdue: i64,
    /// Working days from given to done, over the done ones.
    pub handling_days: i64,
    pub done: i64,
}

impl Counts {
    /// The average handling time in working days, one decimal; `None` with nothing done.
    pub fn average_days(&self) -> Option<f64> {
        (self.done > 0).then(|| (self.handling_days as f64 / self.done as f64 * 10.0).round() / 10.0)
    }

    /// Done on time or early, as a share of those done (percent).
    pub fn on_time_rate(&self) -> Option<i64> {
        (self.done > 0).then(|| (self.early + self.on_time) * 100 / self.done)
    }
}

/// One line of the table: documents and tasks.
#[derive(Clone, Debug, Default, PartialEq)]
pub struct StatsRow {
    /// The person; `None` for the agency as a whole.
    pub person: Option<i64>,
    pub label: String,
    pub documents: Counts,
    pub tasks: Counts,
}

/// The statistics of a period.
#[derive(Clone, Debug)]
pub struct Stats {
    pub query: StatsQuery,
    pub agency_name: String,
    /// The agency's totals (parts given at the top only, so nothing is counted twice), when the
    /// reader may see the whole agency.
    pub total: Option<StatsRow>,
    /// Per person (every part they lead, at any depth).
    pub people: Vec<StatsRow>,
    /// The agency's units, for choosing a level (only for those who see the whole agency).
    pub units: Vec<(i64, String)>,
}

/// A number of the table one can open: which counts, of which source.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Metric {
    Received,
    InProgress,
    Early,
    OnTime,
    Late,
    Overdue,
}

impl Metric {
    /// Parses a metric name of a drill-down link.
    pub fn parse(s: &str) -> Option<Metric> {
        Some(match s {
            "received" => Metric::Received,
            "in_progress" => Metric::InProgress,
            "early" => Metric::Early,
            "on_time" => Metric::OnTime,
            "late" => Metric::Late,
            "overdue" => Metric::Overdue,
            _ => return None,
        })
    }
}

fn day_of(n: i64) -> Option<Date> {
    Date::new(1970, 1, 1).ok()?.checked_add(jiff::Span::new().days(n)).ok()
}

/// Which way an item counts: done early / on time / late, or open (overdue or not).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum State {
    Early,
    OnTime,
    Late,
    Open { overdue: bool },
}

fn state_of(done: bool, deadline: Option<&str>, done_day: Option<i64>, today: Date) -> State {
    let deadline = deadline.and_then(|d| d.parse::<Date>().ok());
    match (done, done_day.and_then(day_of)) {
        (true, Some(d)) => match egov_domain::work::Timeliness::of(deadline, d) {
            egov_domain::work::Timeliness::Early => State::Early,
            egov_domain::work::Timeliness::OnTime => State::OnTime,
            egov_domain::work::Timeliness::Late => State::Late,
        },
        _ => State::Open { overdue: deadline.is_some_and(|d| d < today) },
    }
}

fn add(c: &mut Counts, g: &Group) {
    c.received += g.count;
    match g.class.as_str() {
        "early" => c.early += g.count,
        "on_time" => c.on_time += g.count,
        "late" => c.late += g.count,
        "overdue" => {
            c.in_progress += g.count;
            c.overdue += g.count;
        }
        _ => c.in_progress += g.count,
    }
    if matches!(g.class.as_str(), "early" | "on_time" | "late") {
        c.done += g.count;
        c.handling_days += g.handling_days;
    }
}

fn day_number(d: Date) -> i64 {
    Date::new(1970, 1, 1).map(|e| i64::from((d - e).get_days())).unwrap_or_default()
}

/// For every local day number from `from` to `to`: the working days in `[from, day]`, so that the
/// working days of `(given, done]` are `table[done] − table[given]`.
fn working_table(cal: &WorkCalendar, from: Date, to: Date) -> Vec<(i64, i64)> {
    let mut out = Vec::new();
    let (mut d, mut n) = (from, 0);
    while d <= to {
        n += i64::from(cal.is_working_day(d));
        out.push((day_number(d), n));
        match d.tomorrow() {
            Ok(x) => d = x,
            Err(_) => break,
        }
    }
    out
}

fn ms_of(d: Date) -> i64 {
    d.to_zoned(vietnam_tz()).map(|z| z.timestamp().as_millisecond()).unwrap_or_default()
}

/// The items a metric counts, among `items`.
pub fn pick(items: Vec<StatItem>, metric: Metric, today: Date) -> Vec<StatItem> {
    items
        .into_iter()
        .filter(|i| {
            let s = state_of(i.done == 1, i.deadline.as_deref(), i.done_day, today);
            match metric {
                Metric::Received => true,
                Metric::InProgress => matches!(s, State::Open { .. }),
                Metric::Early => s == State::Early,
                Metric::OnTime => s == State::OnTime,
                Metric::Late => s == State::Late,
                Metric::Overdue => s == State::Open { overdue: true },
            }
        })
        .collect()
}

impl Services {
    /// Who the caller may see in the agency's statistics: everyone (`None`, a leader of the
    /// agency or a system administrator), the people of the units they head, or only themselves.
    async fn stats_reach(
        &self,
        c: &mut egov_storage::Conn,
        caller: &Caller,
        agency_id: i64,
    ) -> AppResult<Option<Vec<i64>>> {
        if caller.actor.is_system_admin() || caller.actor.has_role_in(Role::Leader, agency_id) {
            return Ok(None);
        }
        let mut people = vec![caller.actor.user_id];
        let holdings = self.holdings(c, caller.actor.user_id).await?;
        for h in holdings.iter().filter(|h| h.agency_id == agency_id) {
            if let (Some(unit), true) = (h.unit_id, rank(h.position) <= rank(Position::UnitDeputy)) {
                people.extend(
                    egov_storage::handling::unit_members(c, unit, &["unit_head", "unit_deputy", "specialist", "clerk"])
                        .await?
                        .into_iter()
                        .map(|(id, _)| id),
                );
            }
        }
        if holdings.iter().all(|h| h.agency_id != agency_id) {
            return Err(AppError::NotFound);
        }
        people.sort_unstable();
        people.dedup();
        Ok(Some(people))
    }

    fn check_period(q: &StatsQuery) -> AppResult<()> {
        if q.to < q.from {
            return Err(AppError::field(FieldError::new(
                "to",
                "before_from",
                "Ngày kết thúc phải sau ngày bắt đầu.",
                "The end must not be before the start.",
            )));
        }
        if (q.to - q.from).get_days() > 366 * 2 {
            return Err(AppError::field(FieldError::new(
                "to",
                "period_too_long",
                "Kỳ thống kê tối đa hai năm.",
                "A period is at most two years.",
            )));
        }
        Ok(())
    }

    /// The statistics of a period at the level the caller asks and may see.
    pub async fn stats(&self, caller: &Caller, q: StatsQuery) -> AppResult<Stats> {
        require(caller, Scope::WorkRead)?;
        Self::check_period(&q)?;
        let mut c = self.store.read().await?;
        let agency = egov_storage::org::get_agency(&mut c, q.agency_id, &egov_storage::Visibility::All)
            .await?
            .ok_or(AppError::NotFound)?;
        let reach = self.stats_reach(&mut c, caller, q.agency_id).await?;
        let mut people: Option<Vec<i64>> = reach.clone();
        if let Some(unit) = q.unit_id {
            let members: Vec<i64> = egov_storage::handling::unit_members(
                &mut c,
                unit,
                &["unit_head", "unit_deputy", "specialist", "clerk"],
            )
            .await?
            .into_iter()
            .map(|(id, _)| id)
            .collect();
            people = Some(match people {
                Some(p) => p.into_iter().filter(|x| members.contains(x)).collect(),
                None => members,
            });
        }
        if let Some(person) = q.person {
            if people.as_ref().is_some_and(|p| !p.contains(&person)) {
                return Err(AppError::NotFound);
            }
            people = Some(vec![person]);
        }
        let to = q.to.tomorrow().map_err(AppError::internal)?;
        let cal = self.calendar();
        let today = today();
        let table = working_table(&cal, q.from, q.to.max(today));
        let groups = xdb::groups(
            &mut c,
            self.store.engine(),
            q.agency_id,
            ms_of(q.from),
            ms_of(to),
            day_number(today),
            &table,
            people.as_deref(),
        )
        .await?;
        let whole = reach.is_none() && q.unit_id.is_none() && q.person.is_none();
        let mut total = StatsRow { person: None, label: agency.name.clone(), ..StatsRow::default() };
        let mut by_person: BTreeMap<i64, StatsRow> = BTreeMap::new();
        for g in &groups {
            let task = g.source == "task";
            if whole && g.top {
                add(if task { &mut total.tasks } else { &mut total.documents }, g);
            }
            if let Some(p) = g.person {
                let row = by_person.entry(p).or_insert_with(|| StatsRow { person: Some(p), ..StatsRow::default() });
                add(if task { &mut row.tasks } else { &mut row.documents }, g);
            }
        }
        let ids: Vec<i64> = by_person.keys().copied().collect();
        let names: HashMap<i64, String> = xdb::names(&mut c, &ids).await?.into_iter().collect();
        let mut rows: Vec<StatsRow> = by_person
            .into_values()
            .map(|mut r| {
                r.label = r.person.and_then(|p| names.get(&p).cloned()).unwrap_or_default();
                r
            })
            .collect();
        rows.sort_by(|a, b| a.label.cmp(&b.label));
        let units = if reach.is_none() {
            egov_storage::org::list_units(&mut c, q.agency_id)
                .await?
                .into_iter()
                .filter(|u| u.active)
                .map(|u| (u.id, u.name))
                .collect()
        } else {
            Vec::new()
        };
        Ok(Stats { query: q, agency_name: agency.name, total: whole.then_some(total), people: rows, units })
    }

    /// The items behind one number: `source` `doc` or `task`, for a person or the agency's top
    /// parts, at most [`MAX_ITEMS`].
    pub async fn stats_items(
        &self,
        caller: &Caller,
        q: StatsQuery,
        source: &str,
        metric: Metric,
    ) -> AppResult<Vec<StatItem>> {
        require(caller, Scope::WorkRead)?;
        Self::check_period(&q)?;
        let mut c = self.store.read().await?;
        let reach = self.stats_reach(&mut c, caller, q.agency_id).await?;
        if q.person.is_none() && reach.is_some() {
            return Err(AppError::NotFound);
        }
        if let (Some(p), Some(r)) = (q.person, &reach) {
            if !r.contains(&p) {
                return Err(AppError::NotFound);
            }
        }
        let to = q.to.tomorrow().map_err(AppError::internal)?;
        let source = if source == "task" { "task" } else { "doc" };
        let items =
            xdb::items(&mut c, source, q.agency_id, ms_of(q.from), ms_of(to), q.person, q.person.is_none(), 20_000)
                .await?;
        let mut picked = pick(items, metric, today());
        picked.truncate(MAX_ITEMS as usize);
        Ok(picked)
    }
}

#[cfg(test)]
#[allow(clippy::unwrap_used)]
mod tests {
    use super::*;
    use jiff::civil::date;

    #[test]
    fn counts_and_the_working_day_table() {
        let g = |class: &str, count, days| Group {
            person: Some(1),
            source: "doc".into(),
            top: true,
            class: class.into(),
            count,
            handling_days: days,
        };
        let mut c = Counts::default();
        for x in [g("on_time", 2, 4), g("early", 1, 3), g("late", 1, 7), g("overdue", 4, 0), g("open", 1, 0)] {
            add(&mut c, &x);
        }
        assert_eq!((c.received, c.on_time, c.early, c.late, c.in_progress, c.overdue), (9, 2, 1, 1, 5, 4));
        assert_eq!((c.done, c.handling_days), (4, 14));
        assert_eq!(c.average_days(), Some(3.5));
        assert_eq!(c.on_time_rate(), Some(75));
        assert_eq!(Counts::default().average_days(), None);
        // Across Tết 2026: given Friday 13/02, done Tuesday 24/02 → 2 working days.
        let cal = WorkCalendar::vietnam();
        let t = working_table(&cal, date(2026, 2, 1), date(2026, 3, 1));
        let at = |d: Date| t.iter().find(|(n, _)| *n == day_number(d)).map(|(_, w)| *w).unwrap();
        assert_eq!(at(date(2026, 2, 24)) - at(date(2026, 2, 13)), 2);
        assert_eq!(
            at(date(2026, 2, 24)) - at(date(2026, 2, 13)),
            cal.working_days_between(date(2026, 2, 13), date(2026, 2, 24))
        );
        assert_eq!(day_number(date(1970, 1, 2)), 1);
    }
}
