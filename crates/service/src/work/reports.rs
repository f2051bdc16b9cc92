//! Periodic reports from lower levels (báo cáo định kỳ). A leader of the higher agency defines a
//! form (fields and rules, `egov_domain::reporting`) and sends a round of it for one period to
//! the agencies that must report; any official of such an agency fills in a draft, a leader of
//! that agency approves it, which sends it as a new version; the higher agency sees who sent on
//! time, late or not at all, reminds those who have not sent, returns a version with a reason
//! or accepts it (final), and reads the totals and the per-agency table.
//!
//! Decisions:
//! - A round keeps the form version it was sent with. Changing a form makes a new version used
//!   by the rounds sent afterwards; drafts and versions of earlier rounds keep theirs.
//! - A send names the draft revision the leader saw: a second click (or a draft changed in
//!   between) finds the submission already sent and answers 409; nothing is counted twice (a
//!   version number is unique per submission, and the totals read only the latest version).
//! - Late: the latest version was sent (Vietnam day) after the due day, so a correction after
//!   the deadline makes an on-time submission late.
//! - Drafts keep whatever was typed (a number field holding "abc" included) so nothing is lost;
//!   the problems are listed, and sending refuses until they are fixed.

use std::collections::BTreeMap;

use egov_domain::notification::EventKind;
use egov_domain::reporting::{self as rep, Definition, Period, PeriodKind, Problem, SubmissionStatus, Values};
use egov_domain::{FieldError, Lang, Role};
use egov_storage::reports::{self as rdb, RoundListRow, RoundRow, SubmissionRow, TodoRow, VersionRow};
use egov_storage::Conn;
use jiff::civil::Date;

use super::require;
use crate::audit::{record, Who};
use crate::documents::{required_text, vietnam_tz};
use crate::notify::{notify_item, NewItemNotice};
use crate::{commit, now_ms, AppError, AppResult, Caller, Check, Scope, Services};

/// The form of a new round: a new one, or an existing form of the agency (its current version).
#[derive(Clone, Debug)]
pub enum FormChoice<'a> {
    New { title: &'a str, period: &'a str, deadline_days: &'a str, definition: Definition },
    Existing(i64),
}

/// A round to send.
#[derive(Clone, Debug)]
pub struct RoundInput<'a> {
    pub form: FormChoice<'a>,
    /// Any day of the period (`YYYY-MM-DD` or `dd/mm/yyyy`); a one-off report: its day.
    pub period_date: &'a str,
    /// The agencies that must report.
    pub agencies: Vec<i64>,
    /// Also every active agency of this level (`commune`, …) under the same province.
    pub level: Option<&'a str>,
}

/// Where one agency stands in a round.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Standing {
    OnTime,
    Late,
    /// Not sent yet (drafting, waiting for its leader or returned), before the due day.
    Pending,
    /// Not sent and the due day is past.
    Missing,
}

impl Standing {
    pub fn as_str(self) -> &'static str {
        match self {
            Standing::OnTime => "on_time",
            Standing::Late => "late",
            Standing::Pending => "pending",
            Standing::Missing => "missing",
        }
    }

    pub fn label(self, lang: Lang) -> &'static str {
        match (self, lang) {
            (Standing::OnTime, Lang::Vi) => "Đúng hạn",
            (Standing::Late, Lang::Vi) => "Trễ hạn",
            (Standing::Pending, Lang::Vi) => "Chưa gửi",
            (Standing::Missing, Lang::Vi) => "Chưa gửi – quá hạn",
            (Standing::OnTime, Lang::En) => "On time",
            (Standing::Late, Lang::En) => "Late",
            (Standing::Pending, Lang::En) => "Not sent yet",
            (Standing::Missing, Lang::En) => "Missing – overdue",
        }
    }
}

/// The counts of a round.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct Counts {
    pub expected: i64,
    pub submitted: i64,
    pub on_time: i64,
    pub late: i64,
    pub missing: i64,
}

impl Counts {
    /// Reporting rate in percent (submitted of expected).
    pub fn rate(&self) -> Option<f64> {
        rep::rate(self.submitted, self.expected)
    }
}

/// One total: a number field, or a number column of a table.
#[derive(Clone, Debug, PartialEq)]
pub struct Total {
    pub field: String,
    pub column: String,
    pub label: String,
    pub decimals: u8,
    /// In units of 10^-decimals.
    pub value: i64,
}

/// One agency's line of a round.
#[derive(Clone, Debug)]
pub struct AgencyLine {
    pub submission: SubmissionRow,
    pub status: SubmissionStatus,
    pub standing: Standing,
    /// Its numbers (table columns summed over rows), in the order of [`RoundView::totals`];
    /// `None` when nothing counted was sent.
    pub numbers: Vec<Option<i64>>,
}

/// A round as its higher agency sees it.
#[derive(Clone, Debug)]
pub struct RoundView {
    pub round: RoundRow,
    pub definition: Definition,
    pub period: Period,
    pub due: Date,
    pub counts: Counts,
    pub totals: Vec<Total>,
    pub lines: Vec<AgencyLine>,
}

/// A submission as its agency (or the higher agency) sees it.
#[derive(Clone, Debug)]
pub struct SubmissionView {
    pub submission: SubmissionRow,
    pub status: SubmissionStatus,
    pub round: RoundRow,
    pub definition: Definition,
    pub period: Period,
    pub due: Date,
    /// The values being edited (or the latest sent).
    pub values: Values,
    /// What keeps the values from being sent.
    pub problems: Vec<Problem>,
    pub versions: Vec<VersionRow>,
    /// The caller may change the values (an official of the agency, while editable).
    pub can_edit: bool,
    /// The caller may approve and send (a leader of the agency).
    pub can_send: bool,
    /// The caller is a leader of the higher agency (return, accept).
    pub can_review: bool,
}

/// The lists of the reports page.
#[derive(Clone, Debug, Default)]
pub struct ReportLists {
    /// What the caller's agencies must send.
    pub todo: Vec<TodoRow>,
    /// Rounds the caller's agencies (where they are a leader) sent, newest first.
    pub sent: Vec<RoundListRow>,
    pub sent_total: i64,
    /// Agencies the caller may send rounds for (a leader there).
    pub issuer_agencies: Vec<i64>,
}

/// The agencies a new round may be sent to: (id, code, name, level).
pub type Addressable = Vec<(i64, String, String, String)>;

fn today() -> Date {
    jiff::Timestamp::now().to_zoned(vietnam_tz()).date()
}

fn parse_day(s: &str) -> AppResult<Date> {
    s.parse::<Date>().map_err(AppError::internal)
}

fn definition_of(json: &str) -> AppResult<Definition> {
    serde_json::from_str(json).map_err(AppError::internal)
}

fn values_of(json: &str) -> AppResult<Values> {
    serde_json::from_str(json).map_err(AppError::internal)
}

fn period_of(r: &RoundRow) -> AppResult<Period> {
    let kind = PeriodKind::parse(&r.period).ok_or_else(|| AppError::internal(anyhow::anyhow!("period kind")))?;
    Ok(Period { kind, start: parse_day(&r.period_start)?, end: parse_day(&r.period_end)? })
}

fn status_of(s: &SubmissionRow) -> SubmissionStatus {
    SubmissionStatus::parse(&s.status).unwrap_or(SubmissionStatus::Draft)
}

fn standing(s: &SubmissionRow, due: Date, today: Date) -> Standing {
    if status_of(s).counted() {
        if s.late {
            Standing::Late
        } else {
            Standing::OnTime
        }
    } else if today > due {
        Standing::Missing
    } else {
        Standing::Pending
    }
}

/// Problems as field errors on `values` (for the API); the page shows them by field.
fn invalid(problems: Vec<Problem>) -> AppError {
    AppError::Invalid(problems.into_iter().map(|p| p.error).collect())
}

fn conflict(code: &'static str, vi: &str, en: &str) -> AppError {
    AppError::Conflict(FieldError::new("status", code, vi, en))
}

fn check_form(
    title: &str,
    period: &str,
    days: &str,
    def: &Definition,
) -> AppResult<(String, PeriodKind, i64, Definition)> {
    let mut check = Check::new();
    let title = check
        .take(required_text(title, "title", "Vui lòng nhập tên báo cáo.", "Enter the report's title.").map_err(first));
    if title.as_ref().is_some_and(|t| t.chars().count() > 300 || t.contains('\n')) {
        check.push(FieldError::new(
            "title",
            "too_long",
            "Tên báo cáo là một dòng, tối đa 300 ký tự.",
            "The title is one line of at most 300 characters.",
        ));
    }
    let kind = PeriodKind::parse(period);
    if kind.is_none() {
        check.push(FieldError::new("period", "unknown_period", "Hãy chọn kỳ báo cáo.", "Choose the reporting period."));
    }
    let days = days.trim().parse::<i64>().ok().filter(|d| (0..=60).contains(d));
    if days.is_none() {
        check.push(FieldError::new(
            "deadline_days",
            "deadline_invalid",
            "Hạn nộp là số ngày làm việc sau khi hết kỳ, từ 0 đến 60.",
            "The deadline is a number of working days after the period, 0 to 60.",
        ));
    }
    let def = match def.check() {
        Ok(d) => Some(d),
        Err(errors) => {
            for e in errors {
                check.push(e);
            }
            None
        }
    };
    check.finish()?;
    match (title, kind, days, def) {
        (Some(t), Some(k), Some(d), Some(def)) => Ok((t, k, d, def)),
        _ => Err(AppError::internal(anyhow::anyhow!("checked form missing"))),
    }
}

fn round_exists(period: Period) -> AppError {
    AppError::Conflict(FieldError::new(
        "period_date",
        "round_exists",
        format!("Báo cáo này đã được giao cho kỳ {}.", period.label(Lang::Vi)),
        format!("This report was already asked for {}.", period.label(Lang::En)),
    ))
}

fn first(e: AppError) -> FieldError {
    match e {
        AppError::Invalid(mut v) if !v.is_empty() => v.remove(0),
        _ => FieldError::new("form", "invalid", "Dữ liệu không hợp lệ.", "Invalid input."),
    }
}

impl Services {
    async fn works_in(&self, c: &mut Conn, caller: &Caller, agency_id: i64) -> AppResult<bool> {
        Ok(self.holdings(c, caller.actor.user_id).await?.iter().any(|h| h.agency_id == agency_id))
    }

    fn leads(caller: &Caller, agency_id: i64) -> bool {
        caller.actor.has_role_in(Role::Leader, agency_id)
    }

    /// The agencies a leader of `agency_id` may send a round to: active agencies of the same
    /// province (the same top agency), other than itself.
    pub async fn report_addressable(&self, caller: &Caller, agency_id: i64) -> AppResult<Addressable> {
        require(caller, Scope::WorkRead)?;
        if !Self::leads(caller, agency_id) {
            return Err(AppError::Forbidden);
        }
        let mut c = self.store.read().await?;
        self.addressable(&mut c, agency_id).await
    }

    async fn addressable(&self, c: &mut Conn, agency_id: i64) -> AppResult<Addressable> {
        let agency = egov_storage::org::get_agency(c, agency_id, &egov_storage::Visibility::All)
            .await?
            .ok_or(AppError::NotFound)?;
        let root = agency.path.split('/').find(|s| !s.is_empty()).unwrap_or_default();
        Ok(rdb::agencies_under_root(c, &format!("/{root}/"), agency_id).await?)
    }

    /// A leader of `agency_id` sends a round: a new form (or an existing one of the agency, at its
    /// current version) for the period holding `period_date`, to the agencies that must report.
    /// Returns the round's id. A second round of the same form and period is refused (409).
    pub async fn create_report_round(&self, caller: &Caller, agency_id: i64, input: &RoundInput<'_>) -> AppResult<i64> {
        require(caller, Scope::WorkWrite)?;
        if !Self::leads(caller, agency_id) {
            return Err(AppError::Forbidden);
        }
        let new_form = match &input.form {
            FormChoice::New { title, period, deadline_days, definition } => {
                let date = egov_domain::document::parse_date(input.period_date, "period_date");
                let checked = check_form(title, period, deadline_days, definition);
                match (checked, date) {
                    (Ok(f), Ok(_)) => Some(f),
                    (Err(AppError::Invalid(mut e)), Err(d)) => {
                        e.push(d);
                        return Err(AppError::Invalid(e));
                    }
                    (Err(e), _) => return Err(e),
                    (_, Err(d)) => return Err(AppError::field(d)),
                }
            }
            FormChoice::Existing(_) => None,
        };
        let day = egov_domain::document::parse_date(input.period_date, "period_date").map_err(AppError::field)?;
        let now = now_ms();
        let me = caller.actor.user_id;
        let mut tx = self.store.begin().await?;
        let mut targets = input.agencies.clone();
        let allowed = self.addressable(&mut tx, agency_id).await?;
        if let Some(level) = input.level.filter(|l| !l.trim().is_empty()) {
            targets.extend(allowed.iter().filter(|a| a.3 == level.trim()).map(|a| a.0));
        }
        targets.sort_unstable();
        targets.dedup();
        if targets.is_empty() {
            return Err(AppError::invalid(
                "agencies",
                "required",
                "Hãy chọn ít nhất một cơ quan phải báo cáo.",
                "Choose at least one agency that must report.",
            ));
        }
        if targets.iter().any(|t| !allowed.iter().any(|a| a.0 == *t)) {
            return Err(AppError::invalid(
                "agencies",
                "not_addressable",
                "Có cơ quan được chọn không thuộc tỉnh hoặc không còn hoạt động.",
                "A chosen agency is not in the province or no longer active.",
            ));
        }
        let (form_id, version, kind, days) = match (&input.form, new_form) {
            (FormChoice::Existing(id), _) => {
                let f = rdb::get_form(&mut tx, *id).await?.filter(|f| f.agency_id == agency_id).ok_or_else(|| {
                    AppError::invalid("form_id", "unknown_form", "Không có biểu mẫu này.", "No such form.")
                })?;
                let kind = PeriodKind::parse(&f.period).unwrap_or(PeriodKind::Once);
                (f.id, f.version, kind, f.deadline_days)
            }
            (FormChoice::New { .. }, Some((title, kind, days, def))) => {
                let start = Period::containing(kind, day).start.to_string();
                if rdb::round_exists(&mut tx, agency_id, &title, &start).await? {
                    return Err(round_exists(Period::containing(kind, day)));
                }
                let json = serde_json::to_string(&def).map_err(AppError::internal)?;
                let id = rdb::insert_form(&mut tx, agency_id, &title, kind.as_str(), days, &json, me, now).await?;
                (id, 1, kind, days)
            }
            (FormChoice::New { .. }, None) => return Err(AppError::internal(anyhow::anyhow!("form missing"))),
        };
        let period = Period::containing(kind, day);
        let due = period.due_date(&self.calendar(), days);
        let round = rdb::insert_round(
            &mut tx,
            form_id,
            version,
            agency_id,
            &period.start.to_string(),
            &period.end.to_string(),
            &due.to_string(),
            me,
            now,
        )
        .await?
        .ok_or_else(|| round_exists(period))?;
        for t in &targets {
            rdb::insert_submission(&mut tx, round, *t, now).await?;
        }
        let detail = serde_json::json!({
            "round": round, "form": form_id, "version": version, "agency_id": agency_id,
            "period_start": period.start.to_string(), "due_on": due.to_string(), "agencies": targets.len(),
        });
        record(
            &mut tx,
            &Who::caller(caller),
            "report.round_create",
            "report_round",
            Some(round.to_string()),
            crate::audit::NONE,
            Some(&detail),
        )
        .await?;
        commit(tx).await?;
        Ok(round)
    }

    /// A leader of the form's agency changes it: a new version, used by rounds sent from now on
    /// (rounds already sent keep the version they were sent with). Returns the new version.
    pub async fn update_report_form(
        &self,
        caller: &Caller,
        form_id: i64,
        title: &str,
        deadline_days: &str,
        definition: &Definition,
    ) -> AppResult<i64> {
        require(caller, Scope::WorkWrite)?;
        let now = now_ms();
        let mut tx = self.store.begin().await?;
        let form = rdb::get_form(&mut tx, form_id).await?.ok_or(AppError::NotFound)?;
        if !Self::leads(caller, form.agency_id) {
            return Err(AppError::NotFound);
        }
        let (title, _, days, def) = check_form(title, &form.period, deadline_days, definition)?;
        let json = serde_json::to_string(&def).map_err(AppError::internal)?;
        let version = rdb::update_form(&mut tx, form_id, &title, days, &json, caller.actor.user_id, now).await?;
        let detail = serde_json::json!({ "form": form_id, "version": version });
        record(
            &mut tx,
            &Who::caller(caller),
            "report.form_update",
            "report_form",
            Some(form_id.to_string()),
            crate::audit::NONE,
            Some(&detail),
        )
        .await?;
        commit(tx).await?;
        Ok(version)
    }

    /// A form of an agency the caller leads (with its current definition).
    pub async fn report_form(&self, caller: &Caller, form_id: i64) -> AppResult<(rdb::FormRow, Definition)> {
        require(caller, Scope::WorkRead)?;
        let mut c = self.store.read().await?;
        let form = rdb::get_form(&mut c, form_id).await?.ok_or(AppError::NotFound)?;
        if !Self::leads(caller, form.agency_id) {
            return Err(AppError::NotFound);
        }
        let def = definition_of(&form.definition)?;
        Ok((form, def))
    }

    /// What the caller's agencies must send, and the rounds sent by agencies the caller leads
    /// (newest first, `limit` of them before round `before`).
    pub async fn report_lists(&self, caller: &Caller, before: Option<i64>, limit: i64) -> AppResult<ReportLists> {
        require(caller, Scope::WorkRead)?;
        let mut c = self.store.read().await?;
        let mut mine: Vec<i64> =
            self.holdings(&mut c, caller.actor.user_id).await?.iter().map(|h| h.agency_id).collect();
        mine.sort_unstable();
        mine.dedup();
        let mut led: Vec<i64> =
            caller.actor.grants.iter().filter(|g| g.role == Role::Leader).map(|g| g.agency_id).collect();
        led.sort_unstable();
        led.dedup();
        Ok(ReportLists {
            todo: rdb::todo_of(&mut c, &mine, 200).await?,
            sent: rdb::rounds_of(&mut c, &led, before, limit.clamp(1, 200)).await?,
            sent_total: rdb::count_rounds_of(&mut c, &led).await?,
            issuer_agencies: led,
        })
    }

    async fn visible_round(&self, c: &mut Conn, caller: &Caller, id: i64) -> AppResult<RoundRow> {
        let r = rdb::get_round(c, id).await?.ok_or(AppError::NotFound)?;
        if Self::leads(caller, r.agency_id) || caller.actor.is_system_admin() {
            Ok(r)
        } else {
            Err(AppError::NotFound)
        }
    }

    /// A round as its higher agency sees it: per agency where it stands, the counts, the totals
    /// (sums over what was sent and not returned) and each agency's numbers.
    pub async fn report_round(&self, caller: &Caller, id: i64) -> AppResult<RoundView> {
        require(caller, Scope::WorkRead)?;
        let mut c = self.store.read().await?;
        let round = self.visible_round(&mut c, caller, id).await?;
        let definition = definition_of(&round.definition)?;
        let period = period_of(&round)?;
        let due = parse_day(&round.due_on)?;
        let today = today();
        let subs = rdb::submissions_of(&mut c, id).await?;
        let cells = definition.number_cells();
        let sums = rdb::totals(&mut c, id).await?;
        let totals: Vec<Total> = cells
            .iter()
            .map(|(field, column, label, decimals)| Total {
                field: field.clone(),
                column: column.clone(),
                label: label.clone(),
                decimals: *decimals,
                value: sums.iter().find(|s| &s.0 == field && &s.1 == column).map_or(0, |s| s.2),
            })
            .collect();
        let mut per: BTreeMap<(i64, String, String), i64> = BTreeMap::new();
        for (s, f, col, v) in rdb::numbers_by_submission(&mut c, id).await? {
            per.insert((s, f, col), v);
        }
        let mut counts = Counts { expected: subs.len() as i64, ..Counts::default() };
        let mut lines = Vec::with_capacity(subs.len());
        for s in subs {
            let st = standing(&s, due, today);
            match st {
                Standing::OnTime => counts.on_time += 1,
                Standing::Late => counts.late += 1,
                Standing::Pending | Standing::Missing => counts.missing += 1,
            }
            let status = status_of(&s);
            let numbers = cells
                .iter()
                .map(|(f, col, _, _)| {
                    status.counted().then(|| per.get(&(s.id, f.clone(), col.clone())).copied().unwrap_or(0))
                })
                .collect();
            lines.push(AgencyLine { submission: s, status, standing: st, numbers });
        }
        counts.submitted = counts.on_time + counts.late;
        Ok(RoundView { round, definition, period, due, counts, totals, lines })
    }

    /// The latest version sent of each submission of a round (for the exports): submission id → values.
    pub async fn report_round_contents(&self, caller: &Caller, id: i64) -> AppResult<BTreeMap<i64, Values>> {
        require(caller, Scope::WorkRead)?;
        let mut c = self.store.read().await?;
        self.visible_round(&mut c, caller, id).await?;
        let mut out = BTreeMap::new();
        for s in rdb::submissions_of(&mut c, id).await? {
            if status_of(&s).counted() {
                if let Some(v) = rdb::versions_of(&mut c, s.id).await?.into_iter().next() {
                    out.insert(s.id, values_of(&v.content)?);
                }
            }
        }
        Ok(out)
    }

    async fn submission_parts(
        &self,
        c: &mut Conn,
        caller: &Caller,
        id: i64,
    ) -> AppResult<(SubmissionRow, RoundRow, bool, bool)> {
        let s = rdb::get_submission(c, id).await?.ok_or(AppError::NotFound)?;
        let round = rdb::get_round(c, s.round_id).await?.ok_or(AppError::NotFound)?;
        let member = self.works_in(c, caller, s.agency_id).await?;
        let reviewer = Self::leads(caller, round.agency_id);
        if !member && !reviewer {
            return Err(AppError::NotFound);
        }
        Ok((s, round, member, reviewer))
    }

    /// A submission with its values, problems and versions.
    pub async fn report_submission(&self, caller: &Caller, id: i64) -> AppResult<SubmissionView> {
        require(caller, Scope::WorkRead)?;
        let mut c = self.store.read().await?;
        let (s, round, member, reviewer) = self.submission_parts(&mut c, caller, id).await?;
        let definition = definition_of(&round.definition)?;
        let status = status_of(&s);
        let versions = rdb::versions_of(&mut c, id).await?;
        // The agency sees its draft; the higher agency sees the latest version sent.
        let values =
            if member || versions.is_empty() { values_of(&s.draft)? } else { values_of(&versions[0].content)? };
        let problems = match rep::check_values(&definition, &values) {
            Ok(_) => Vec::new(),
            Err(p) => p,
        };
        Ok(SubmissionView {
            period: period_of(&round)?,
            due: parse_day(&round.due_on)?,
            can_edit: member && status.editable(),
            can_send: member && status.editable() && Self::leads(caller, s.agency_id),
            can_review: reviewer,
            status,
            submission: s,
            round,
            definition,
            values,
            problems,
            versions,
        })
    }

    /// Saves the values being edited (any official of the agency); with `ready`, also asks the
    /// agency's leader to approve, which needs values without problems. A value that breaks a
    /// rule is kept in the draft. Returns the new revision and the problems left.
    pub async fn save_report_draft(
        &self,
        caller: &Caller,
        id: i64,
        values: &Values,
        ready: bool,
    ) -> AppResult<(i64, Vec<Problem>)> {
        require(caller, Scope::WorkWrite)?;
        let now = now_ms();
        let mut tx = self.store.begin().await?;
        let (s, round, member, _) = self.submission_parts(&mut tx, caller, id).await?;
        if !member {
            return Err(AppError::Forbidden);
        }
        let def = definition_of(&round.definition)?;
        let values = rep::normalise_values(&def, values).map_err(invalid)?;
        let problems = rep::check_values(&def, &values).err().unwrap_or_default();
        if ready && !problems.is_empty() {
            return Err(invalid(problems));
        }
        let json = serde_json::to_string(&values).map_err(AppError::internal)?;
        if !rdb::save_draft(&mut tx, id, &json, caller.actor.user_id, now).await? {
            return Err(conflict(
                "not_editable",
                "Báo cáo đã được gửi; chỉ sửa được khi cấp trên trả lại.",
                "The report was sent; it can be changed only when it is returned.",
            ));
        }
        if ready {
            rdb::set_status(&mut tx, id, &["draft", "returned"], "ready", caller.actor.user_id, now).await?;
        }
        let revision = s.revision + 1;
        let detail = serde_json::json!({ "submission": id, "round": s.round_id, "revision": revision, "ready": ready });
        record(
            &mut tx,
            &Who::caller(caller),
            "report.draft_save",
            "report_submission",
            Some(id.to_string()),
            crate::audit::NONE,
            Some(&detail),
        )
        .await?;
        commit(tx).await?;
        Ok((revision, problems))
    }

    /// A leader of the agency approves the draft at `revision` (what they saw), which sends it
    /// as the next version. A second send of the same revision answers 409 and changes nothing.
    /// Returns the version number and whether it is late.
    pub async fn send_report(&self, caller: &Caller, id: i64, revision: i64) -> AppResult<(i64, bool)> {
        require(caller, Scope::WorkWrite)?;
        let now = now_ms();
        let mut tx = self.store.begin().await?;
        let (s, round, member, _) = self.submission_parts(&mut tx, caller, id).await?;
        if !member || !Self::leads(caller, s.agency_id) {
            return Err(AppError::Forbidden);
        }
        let already = || {
            conflict(
                "already_sent",
                "Báo cáo này đã được gửi (hoặc vừa được sửa); hãy tải lại trang.",
                "This report was already sent (or was just changed); reload the page.",
            )
        };
        if !status_of(&s).editable() || s.revision != revision {
            return Err(already());
        }
        let def = definition_of(&round.definition)?;
        let numbers = rep::check_values(&def, &values_of(&s.draft)?).map_err(invalid)?;
        let late = rep::is_late(today(), parse_day(&round.due_on)?);
        let (version, _) =
            rdb::send(&mut tx, id, revision, late, caller.actor.user_id, now).await?.ok_or_else(already)?;
        let rows: Vec<rdb::Number<'_>> =
            numbers.iter().map(|n| (n.field.as_str(), n.column.as_str(), n.row, n.value)).collect();
        rdb::replace_numbers(&mut tx, id, &rows).await?;
        let detail = serde_json::json!({ "submission": id, "round": s.round_id, "version": version, "late": late });
        record(
            &mut tx,
            &Who::caller(caller),
            "report.send",
            "report_submission",
            Some(id.to_string()),
            crate::audit::NONE,
            Some(&detail),
        )
        .await?;
        commit(tx).await?;
        Ok((version, late))
    }

    /// A leader of the higher agency returns a sent version for correction, with a reason; it
    /// leaves the totals until it is sent again.
    pub async fn return_report(&self, caller: &Caller, id: i64, reason: &str) -> AppResult<()> {
        require(caller, Scope::WorkWrite)?;
        let reason =
            required_text(reason, "reason", "Vui lòng nêu lý do trả lại.", "Give the reason for returning it.")?;
        let now = now_ms();
        let mut tx = self.store.begin().await?;
        let (s, _, _, reviewer) = self.submission_parts(&mut tx, caller, id).await?;
        if !reviewer {
            return Err(AppError::Forbidden);
        }
        if !rdb::return_submission(&mut tx, id, &reason, caller.actor.user_id, now).await? {
            return Err(conflict(
                "not_submitted",
                "Chỉ trả lại được báo cáo đã gửi và chưa tiếp nhận.",
                "Only a report sent and not yet accepted can be returned.",
            ));
        }
        let told = self.tell_report_people(&mut tx, caller, &s, EventKind::Overdue, now).await?;
        let detail = serde_json::json!({ "submission": id, "round": s.round_id, "version": s.version, "told": told });
        record(
            &mut tx,
            &Who::caller(caller),
            "report.return",
            "report_submission",
            Some(id.to_string()),
            crate::audit::NONE,
            Some(&detail),
        )
        .await?;
        commit(tx).await?;
        self.delivery_wake.notify_one();
        Ok(())
    }

    /// A leader of the higher agency accepts a sent version: final.
    pub async fn accept_report(&self, caller: &Caller, id: i64) -> AppResult<()> {
        require(caller, Scope::WorkWrite)?;
        let now = now_ms();
        let mut tx = self.store.begin().await?;
        let (s, _, _, reviewer) = self.submission_parts(&mut tx, caller, id).await?;
        if !reviewer {
            return Err(AppError::Forbidden);
        }
        if !rdb::set_status(&mut tx, id, &["submitted"], "accepted", caller.actor.user_id, now).await? {
            return Err(conflict(
                "not_submitted",
                "Chỉ tiếp nhận được báo cáo đã gửi và chưa tiếp nhận.",
                "Only a report sent and not yet accepted can be accepted.",
            ));
        }
        let detail = serde_json::json!({ "submission": id, "round": s.round_id, "version": s.version });
        record(
            &mut tx,
            &Who::caller(caller),
            "report.accept",
            "report_submission",
            Some(id.to_string()),
            crate::audit::NONE,
            Some(&detail),
        )
        .await?;
        commit(tx).await?;
        Ok(())
    }

    /// Leaders of the agency and whoever last edited its draft hear of it (a reminder, a return).
    async fn tell_report_people(
        &self,
        tx: &mut egov_storage::Tx,
        caller: &Caller,
        s: &SubmissionRow,
        kind: EventKind,
        now: i64,
    ) -> AppResult<usize> {
        let mut people = rdb::people_with_role(tx, s.agency_id, Role::Leader.as_str()).await?;
        people.extend(rdb::last_editor(tx, s.id).await?);
        people.sort_unstable();
        people.dedup();
        people.retain(|u| *u != caller.actor.user_id);
        for &u in &people {
            let notice = NewItemNotice {
                user_id: u,
                kind: kind.as_str(),
                document_id: None,
                inbox_item_id: None,
                actor_id: caller.account_id(),
                task_id: None,
                schedule_entry_id: None,
            };
            notify_item(tx, self.store.engine(), &notice, self.outside_channels(), now).await?;
        }
        Ok(people.len())
    }

    /// Reminds every agency of the round that has not sent (drafting, waiting for its leader,
    /// returned): a notification to its leaders and last editor, "overdue" after the due day and
    /// "due" before. An agency reminded in the last 10 minutes is skipped, so a double click
    /// reminds once. Returns how many agencies were reminded.
    pub async fn remind_reports(&self, caller: &Caller, round_id: i64) -> AppResult<usize> {
        require(caller, Scope::WorkWrite)?;
        let now = now_ms();
        let mut tx = self.store.begin().await?;
        let round = self.visible_round(&mut tx, caller, round_id).await?;
        if !Self::leads(caller, round.agency_id) {
            return Err(AppError::Forbidden);
        }
        let kind = if today() > parse_day(&round.due_on)? { EventKind::Overdue } else { EventKind::DueTomorrow };
        let mut reminded = Vec::new();
        for s in rdb::submissions_of(&mut tx, round_id).await? {
            if status_of(&s).counted() || s.reminded_at.is_some_and(|t| now - t < 10 * 60_000) {
                continue;
            }
            self.tell_report_people(&mut tx, caller, &s, kind, now).await?;
            reminded.push(s.id);
        }
        rdb::mark_reminded(&mut tx, &reminded, now).await?;
        let detail = serde_json::json!({ "round": round_id, "reminded": reminded.len() });
        record(
            &mut tx,
            &Who::caller(caller),
            "report.remind",
            "report_round",
            Some(round_id.to_string()),
            crate::audit::NONE,
            Some(&detail),
        )
        .await?;
        commit(tx).await?;
        self.delivery_wake.notify_one();
        Ok(reminded.len())
    }
}
