//! Work schedules (lịch công tác): the weekly schedule of an agency and of each leader. The
//! office or a leader drafts entries; a leader approves them, which publishes them; participants
//! hear of new, changed and cancelled entries; a clash with another entry of the same person is
//! shown when it is made; the week prints as the familiar table.

use egov_domain::notification::EventKind;
use egov_domain::text::{check_text, TextKind};
use egov_domain::{FieldError, Role};
use egov_storage::schedules::{self as sdb, EntryRow, EntryValues, ParticipantRow};
use egov_storage::Conn;
use jiff::civil::{Date, DateTime};

use super::require;
use crate::audit::{record, Who};
use crate::documents::{optional_text, required_text, vietnam_tz, Upload};
use crate::notify::{notify_item, NewItemNotice};
use crate::{commit, now_ms, AppError, AppResult, Caller, Check, Scope, Services};

/// An entry as given by a form or the API.
#[derive(Clone, Debug, Default)]
pub struct EntryInput<'a> {
    /// A leader's own schedule; `None` for the agency's.
    pub owner_id: Option<i64>,
    pub title: &'a str,
    /// Local (Vietnam) date and time, `YYYY-MM-DDTHH:MM`.
    pub starts_at: &'a str,
    pub ends_at: &'a str,
    pub place: &'a str,
    pub chair_id: Option<i64>,
    pub users: Vec<i64>,
    pub units: Vec<i64>,
    pub preparing_unit_id: Option<i64>,
    pub meeting_url: &'a str,
    pub notes: &'a str,
    /// Shown on the public portal once published.
    pub public: bool,
}

/// Another entry of the same person at the same time.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Clash {
    pub entry_id: i64,
    pub person: String,
    pub title: String,
    pub starts_at: i64,
}

/// An entry with its participants.
#[derive(Clone, Debug)]
pub struct EntryDetail {
    pub entry: EntryRow,
    pub participants: Vec<ParticipantRow>,
    pub files: Vec<(i64, String, i64)>,
}

/// One week of an agency's schedule.
#[derive(Clone, Debug)]
pub struct Week {
    pub agency_id: i64,
    pub agency_name: String,
    /// The Monday of the week.
    pub monday: Date,
    pub entries: Vec<EntryDetail>,
    /// The reader may draft and change entries (the office or a leader).
    pub can_edit: bool,
    /// The reader may approve drafts (a leader).
    pub can_approve: bool,
}

/// Parses a local date-time (`2026-12-07T08:00`, seconds optional, or `07/12/2026 08:00`) in
/// Vietnam time into milliseconds.
pub fn parse_local(input: &str, field: &'static str) -> Result<i64, FieldError> {
    let s = input.trim();
    let bad = || {
        FieldError::new(
            field,
            "datetime_invalid",
            "Thời gian không hợp lệ; nhập ngày và giờ, ví dụ 07/12/2026 08:00.",
            "Not a valid time; give a date and a time, e.g. 2026-12-07 08:00.",
        )
    };
    if s.is_empty() {
        return Err(FieldError::new(field, "required", "Vui lòng nhập thời gian.", "Enter the time."));
    }
    let dt = s
        .replace(' ', "T")
        .parse::<DateTime>()
        .ok()
        .or_else(|| {
            let (d, t) = s.split_once(' ')?;
            let date = egov_domain::document::parse_date(d, field).ok()?;
            let time: jiff::civil::Time = t.trim().parse().ok()?;
            Some(date.to_datetime(time))
        })
        .ok_or_else(bad)?;
    let z = dt.to_zoned(vietnam_tz()).map_err(|_| bad())?;
    Ok(z.timestamp().as_millisecond())
}

fn monday_of(d: Date) -> Date {
    d.checked_sub(jiff::Span::new().days(i64::from(d.weekday().to_monday_zero_offset()))).unwrap_or(d)
}

fn ms_of(d: Date) -> i64 {
    d.to_zoned(vietnam_tz()).map(|z| z.timestamp().as_millisecond()).unwrap_or_default()
}

struct Checked {
    title: String,
    starts: i64,
    ends: i64,
    place: String,
    url: Option<String>,
    notes: String,
}

fn check_input(input: &EntryInput<'_>) -> AppResult<Checked> {
    let mut check = Check::new();
    let title =
        check.take(required_text(input.title, "title", "Vui lòng nhập nội dung.", "Enter what it is.").map_err(first));
    let place = check.take(check_text(input.place, "place", TextKind::SingleLine).map(|()| input.place.to_string()));
    let notes = check.take(optional_text(input.notes, "notes").map_err(first));
    let starts = check.take(parse_local(input.starts_at, "starts_at"));
    let ends = check.take(parse_local(input.ends_at, "ends_at"));
    if let (Some(s), Some(e)) = (starts, ends) {
        if e <= s {
            check.push(FieldError::new(
                "ends_at",
                "ends_before_start",
                "Thời gian kết thúc phải sau thời gian bắt đầu.",
                "The end must be after the start.",
            ));
        }
        if e - s > 14 * 86_400_000 {
            check.push(FieldError::new(
                "ends_at",
                "too_long",
                "Một mục lịch kéo dài tối đa 14 ngày.",
                "An entry lasts at most 14 days.",
            ));
        }
    }
    let url = input.meeting_url.trim();
    if !(url.is_empty() || url.starts_with("https://") || url.starts_with("http://")) || url.len() > 1000 {
        check.push(FieldError::new(
            "meeting_url",
            "url_invalid",
            "Đường dẫn họp trực tuyến phải bắt đầu bằng https://.",
            "The online meeting link must start with https://.",
        ));
    }
    check.finish()?;
    match (title, starts, ends, place, notes) {
        (Some(title), Some(starts), Some(ends), Some(place), Some(notes)) => Ok(Checked {
            title,
            starts,
            ends,
            place: egov_domain::text::normalize(&place),
            url: Some(url.to_string()).filter(|u| !u.is_empty()),
            notes,
        }),
        _ => Err(AppError::internal(anyhow::anyhow!("checked input missing"))),
    }
}

fn first(e: AppError) -> FieldError {
    match e {
        AppError::Invalid(mut v) if !v.is_empty() => v.remove(0),
        _ => FieldError::new("form", "invalid", "Dữ liệu không hợp lệ.", "Invalid input."),
    }
}

impl Services {
    /// Whether the caller works in the agency (holds a position there) or is a system administrator.
    async fn member_of(&self, c: &mut Conn, caller: &Caller, agency_id: i64) -> AppResult<bool> {
        if caller.actor.is_system_admin() {
            return Ok(true);
        }
        Ok(self.holdings(c, caller.actor.user_id).await?.iter().any(|h| h.agency_id == agency_id))
    }

    fn may_edit(caller: &Caller, agency_id: i64) -> bool {
        caller.actor.has_role_in(Role::Clerk, agency_id) || caller.actor.has_role_in(Role::Leader, agency_id)
    }

    async fn entry_detail(&self, c: &mut Conn, entry: EntryRow) -> AppResult<EntryDetail> {
        let participants = sdb::participants_of(c, entry.id).await?;
        let files = sdb::files_of(c, entry.id).await?;
        Ok(EntryDetail { entry, participants, files })
    }

    /// An entry the caller may see: published or cancelled in an agency they work in; a draft
    /// only for those who may edit the agency's schedule.
    async fn visible_entry(&self, c: &mut Conn, caller: &Caller, id: i64) -> AppResult<EntryRow> {
        let e = sdb::get_entry(c, id).await?.ok_or(AppError::NotFound)?;
        let sees = self.member_of(c, caller, e.agency_id).await?
            && (e.status != "draft" || Self::may_edit(caller, e.agency_id) || e.created_by == caller.actor.user_id);
        if sees {
            Ok(e)
        } else {
            Err(AppError::NotFound)
        }
    }

    async fn check_people(&self, c: &mut Conn, agency_id: i64, input: &EntryInput<'_>) -> AppResult<()> {
        let mut errors = Vec::new();
        let people = input.owner_id.iter().chain(input.chair_id.iter()).chain(input.users.iter());
        for &u in people {
            if !self.holdings(c, u).await?.iter().any(|h| h.agency_id == agency_id) {
                errors.push(FieldError::new(
                    "participants",
                    "not_in_agency",
                    "Người được chọn không thuộc cơ quan này.",
                    "A chosen person does not work in this agency.",
                ));
                break;
            }
        }
        for &u in input.units.iter().chain(input.preparing_unit_id.iter()) {
            let unit = egov_storage::org::get_unit(c, u, &egov_storage::Visibility::All).await?;
            if !unit.is_some_and(|x| x.agency_id == agency_id && x.active) {
                errors.push(FieldError::new(
                    "units",
                    "not_in_agency",
                    "Đơn vị được chọn không thuộc cơ quan này.",
                    "A chosen unit is not part of this agency.",
                ));
                break;
            }
        }
        if errors.is_empty() {
            Ok(())
        } else {
            Err(AppError::Invalid(errors))
        }
    }

    async fn clashes_of(
        &self,
        c: &mut Conn,
        input: &EntryInput<'_>,
        v: &Checked,
        except: Option<i64>,
    ) -> AppResult<Vec<Clash>> {
        let mut people: Vec<i64> =
            input.owner_id.iter().chain(input.chair_id.iter()).chain(input.users.iter()).copied().collect();
        people.sort_unstable();
        people.dedup();
        Ok(sdb::clashes(c, &people, v.starts, v.ends, except)
            .await?
            .into_iter()
            .map(|(entry_id, person, title, starts_at)| Clash { entry_id, person, title, starts_at })
            .collect())
    }

    /// Tells the people of a published entry what happened to it (new, changed, cancelled).
    async fn tell_participants(
        &self,
        tx: &mut egov_storage::Tx,
        caller: &Caller,
        e: &EntryRow,
        now: i64,
    ) -> AppResult<usize> {
        let mut people: Vec<i64> = e.owner_id.iter().chain(e.chair_id.iter()).copied().collect();
        for p in sdb::participants_of(tx, e.id).await? {
            match (p.user_id, p.unit_id) {
                (Some(u), _) => people.push(u),
                (None, Some(unit)) => people.extend(crate::documents::results::unit_heads(tx, unit).await?),
                _ => {}
            }
        }
        people.sort_unstable();
        people.dedup();
        people.retain(|u| *u != caller.actor.user_id);
        for &u in &people {
            let notice = NewItemNotice {
                user_id: u,
                kind: EventKind::Schedule.as_str(),
                document_id: None,
                inbox_item_id: None,
                actor_id: caller.account_id(),
                task_id: None,
                schedule_entry_id: Some(e.id),
            };
            notify_item(tx, self.store.engine(), &notice, self.outside_channels(), now).await?;
        }
        Ok(people.len())
    }

    /// Drafts an entry of `agency_id`'s schedule (the office or a leader); returns its id and the
    /// clashes it makes with other entries of the same people.
    pub async fn create_schedule_entry(
        &self,
        caller: &Caller,
        agency_id: i64,
        input: &EntryInput<'_>,
        uploads: Vec<Upload>,
    ) -> AppResult<(i64, Vec<Clash>)> {
        require(caller, Scope::WorkWrite)?;
        if !Self::may_edit(caller, agency_id) {
            return Err(AppError::Forbidden);
        }
        let v = check_input(input)?;
        let files = self.intake(uploads, "files").await?;
        let now = now_ms();
        let me = caller.actor.user_id;
        let mut tx = self.store.begin().await?;
        self.check_people(&mut tx, agency_id, input).await?;
        let clashes = self.clashes_of(&mut tx, input, &v, None).await?;
        let values = EntryValues {
            agency_id,
            owner_id: input.owner_id,
            title: &v.title,
            starts_at: v.starts,
            ends_at: v.ends,
            place: &v.place,
            chair_id: input.chair_id,
            preparing_unit_id: input.preparing_unit_id,
            meeting_url: v.url.as_deref(),
            notes: &v.notes,
            public: input.public,
        };
        let id = sdb::insert_entry(&mut tx, &values, me, now).await?;
        sdb::set_participants(&mut tx, id, &input.users, &input.units).await?;
        for f in &files {
            let file_id = crate::documents::insert_file(&mut tx, f, me, now).await?;
            sdb::attach_file(&mut tx, id, file_id).await?;
        }
        let detail =
            serde_json::json!({ "entry": id, "agency_id": agency_id, "starts_at": v.starts, "clashes": clashes.len() });
        record(
            &mut tx,
            &Who::caller(caller),
            "schedule.create",
            "schedule_entry",
            Some(id.to_string()),
            crate::audit::NONE,
            Some(&detail),
        )
        .await?;
        commit(tx).await?;
        Ok((id, clashes))
    }

    /// Changes an entry; a published one counts a new SEQUENCE and its people are told.
    pub async fn update_schedule_entry(
        &self,
        caller: &Caller,
        id: i64,
        input: &EntryInput<'_>,
    ) -> AppResult<Vec<Clash>> {
        require(caller, Scope::WorkWrite)?;
        let v = check_input(input)?;
        let now = now_ms();
        let mut tx = self.store.begin().await?;
        let before = self.visible_entry(&mut tx, caller, id).await?;
        if !Self::may_edit(caller, before.agency_id) {
            return Err(AppError::Forbidden);
        }
        self.check_people(&mut tx, before.agency_id, input).await?;
        let clashes = self.clashes_of(&mut tx, input, &v, Some(id)).await?;
        let values = EntryValues {
            agency_id: before.agency_id,
            owner_id: input.owner_id,
            title: &v.title,
            starts_at: v.starts,
            ends_at: v.ends,
            place: &v.place,
            chair_id: input.chair_id,
            preparing_unit_id: input.preparing_unit_id,
            meeting_url: v.url.as_deref(),
            notes: &v.notes,
            public: input.public,
        };
        if !sdb::update_entry(&mut tx, id, &values, now).await? {
            return Err(cancelled());
        }
        sdb::set_participants(&mut tx, id, &input.users, &input.units).await?;
        let after = sdb::get_entry(&mut tx, id).await?.ok_or(AppError::NotFound)?;
        let told =
            if after.status == "published" { self.tell_participants(&mut tx, caller, &after, now).await? } else { 0 };
        let detail =
            serde_json::json!({ "entry": id, "sequence": after.sequence, "told": told, "clashes": clashes.len() });
        record(
            &mut tx,
            &Who::caller(caller),
            "schedule.update",
            "schedule_entry",
            Some(id.to_string()),
            crate::audit::NONE,
            Some(&detail),
        )
        .await?;
        commit(tx).await?;
        self.delivery_wake.notify_one();
        Ok(clashes)
    }

    /// A leader of the agency approves a draft entry, which publishes it; its people are told.
    pub async fn publish_schedule_entry(&self, caller: &Caller, id: i64) -> AppResult<()> {
        require(caller, Scope::WorkWrite)?;
        let now = now_ms();
        let mut tx = self.store.begin().await?;
        let e = self.visible_entry(&mut tx, caller, id).await?;
        if !caller.actor.has_role_in(Role::Leader, e.agency_id) {
            return Err(AppError::Forbidden);
        }
        if !sdb::set_status(&mut tx, id, "draft", "published", caller.account_id(), now).await? {
            return Err(AppError::Conflict(FieldError::new(
                "status",
                "not_draft",
                "Mục lịch này đã được duyệt hoặc đã hủy.",
                "This entry is already approved or cancelled.",
            )));
        }
        let told = self.tell_participants(&mut tx, caller, &e, now).await?;
        let detail = serde_json::json!({ "entry": id, "told": told });
        record(
            &mut tx,
            &Who::caller(caller),
            "schedule.publish",
            "schedule_entry",
            Some(id.to_string()),
            crate::audit::NONE,
            Some(&detail),
        )
        .await?;
        commit(tx).await?;
        self.delivery_wake.notify_one();
        Ok(())
    }

    /// Cancels an entry (the office or a leader); the people of a published one are told, and
    /// feeds show it as CANCELLED.
    pub async fn cancel_schedule_entry(&self, caller: &Caller, id: i64) -> AppResult<()> {
        require(caller, Scope::WorkWrite)?;
        let now = now_ms();
        let mut tx = self.store.begin().await?;
        let e = self.visible_entry(&mut tx, caller, id).await?;
        if !Self::may_edit(caller, e.agency_id) {
            return Err(AppError::Forbidden);
        }
        let was = e.status.clone();
        if !sdb::set_status(&mut tx, id, &was, "cancelled", None, now).await? || was == "cancelled" {
            return Err(cancelled());
        }
        let told = if was == "published" { self.tell_participants(&mut tx, caller, &e, now).await? } else { 0 };
        let detail = serde_json::json!({ "entry": id, "from": was, "told": told });
        record(
            &mut tx,
            &Who::caller(caller),
            "schedule.cancel",
            "schedule_entry",
            Some(id.to_string()),
            crate::audit::NONE,
            Some(&detail),
        )
        .await?;
        commit(tx).await?;
        self.delivery_wake.notify_one();
        Ok(())
    }

    /// The other entries the people of an entry have at the same time.
    pub async fn schedule_clashes(&self, caller: &Caller, id: i64) -> AppResult<Vec<Clash>> {
        require(caller, Scope::WorkRead)?;
        let mut c = self.store.read().await?;
        let e = self.visible_entry(&mut c, caller, id).await?;
        let mut people: Vec<i64> = e.owner_id.iter().chain(e.chair_id.iter()).copied().collect();
        people.extend(sdb::participants_of(&mut c, id).await?.into_iter().filter_map(|p| p.user_id));
        people.sort_unstable();
        people.dedup();
        Ok(sdb::clashes(&mut c, &people, e.starts_at, e.ends_at, Some(id))
            .await?
            .into_iter()
            .map(|(entry_id, person, title, starts_at)| Clash { entry_id, person, title, starts_at })
            .collect())
    }

    /// One entry with its people and files.
    pub async fn schedule_entry(&self, caller: &Caller, id: i64) -> AppResult<EntryDetail> {
        require(caller, Scope::WorkRead)?;
        let mut c = self.store.read().await?;
        let e = self.visible_entry(&mut c, caller, id).await?;
        self.entry_detail(&mut c, e).await
    }

    /// The week (from its Monday) of an agency's schedule, or of one leader's (`owner`).
    pub async fn schedule_week(
        &self,
        caller: &Caller,
        agency_id: i64,
        owner: Option<i64>,
        day: Date,
    ) -> AppResult<Week> {
        require(caller, Scope::WorkRead)?;
        let mut c = self.store.read().await?;
        if !self.member_of(&mut c, caller, agency_id).await? {
            return Err(AppError::NotFound);
        }
        let agency = egov_storage::org::get_agency(&mut c, agency_id, &egov_storage::Visibility::All)
            .await?
            .ok_or(AppError::NotFound)?;
        let monday = monday_of(day);
        let next = monday.checked_add(jiff::Span::new().days(7)).map_err(AppError::internal)?;
        let can_edit = Self::may_edit(caller, agency_id);
        let rows = sdb::week(&mut c, agency_id, owner, ms_of(monday), ms_of(next), can_edit).await?;
        let mut entries = Vec::with_capacity(rows.len());
        for r in rows {
            entries.push(self.entry_detail(&mut c, r).await?);
        }
        Ok(Week {
            agency_id,
            agency_name: agency.name,
            monday,
            entries,
            can_edit,
            can_approve: caller.actor.has_role_in(Role::Leader, agency_id),
        })
    }

    /// The week as the familiar printed table (A4 landscape PDF, Vietnamese text): published
    /// entries only.
    pub async fn schedule_week_pdf(&self, caller: &Caller, agency_id: i64, day: Date) -> AppResult<Vec<u8>> {
        let week = self.schedule_week(caller, agency_id, None, day).await?;
        let sunday = week.monday.checked_add(jiff::Span::new().days(6)).map_err(AppError::internal)?;
        const DAYS: [&str; 7] = ["Thứ Hai", "Thứ Ba", "Thứ Tư", "Thứ Năm", "Thứ Sáu", "Thứ Bảy", "Chủ nhật"];
        let local = |ms: i64| jiff::Timestamp::from_millisecond(ms).map(|t| t.to_zoned(vietnam_tz())).ok();
        let mut rows = Vec::new();
        for d in week.entries.iter().filter(|d| d.entry.status == "published") {
            let e = &d.entry;
            let (Some(s), Some(t)) = (local(e.starts_at), local(e.ends_at)) else { continue };
            let day =
                format!("{}\n{}", DAYS[usize::from(s.weekday().to_monday_zero_offset() as u8)], s.strftime("%d/%m"));
            let people: Vec<&str> = d.participants.iter().map(|p| p.name.as_str()).collect();
            rows.push(vec![
                day,
                format!("{}–{}", s.strftime("%H:%M"), t.strftime("%H:%M")),
                e.title.clone(),
                e.chair_name.clone().unwrap_or_default(),
                people.join(", "),
                e.place.clone(),
                e.preparing_unit.clone().unwrap_or_default(),
            ]);
        }
        let columns = [
            ("Thứ, ngày", 1.0),
            ("Thời gian", 1.0),
            ("Nội dung", 4.0),
            ("Chủ trì", 1.6),
            ("Thành phần", 2.6),
            ("Địa điểm", 1.6),
            ("Đơn vị chuẩn bị", 1.6),
        ];
        let report = egov_report::Report {
            heading: vec![week.agency_name.to_uppercase()],
            title: "LỊCH CÔNG TÁC TUẦN".into(),
            subtitle: vec![format!(
                "Từ ngày {} đến ngày {}",
                week.monday.strftime("%d/%m/%Y"),
                sunday.strftime("%d/%m/%Y")
            )],
            columns: columns.iter().map(|(h, w)| egov_report::Column { heading: (*h).into(), weight: *w }).collect(),
            rows,
            created: None,
        };
        egov_report::render(&report).map_err(AppError::internal)
    }
}

fn cancelled() -> AppError {
    AppError::Conflict(FieldError::new("status", "cancelled", "Mục lịch này đã bị hủy.", "This entry is cancelled."))
}
