//! Tasks (giao việc): giving a task to a lead with cooperating people or units, passing parts of
//! it on as sub-tasks to any depth inside one's own part of the organisation, progress reports
//! (a parent's progress derived from its children, weighted, unless set by hand), finishing,
//! accepting with an evaluation or returning with a reason, and cancelling.

use egov_domain::notification::EventKind;
use egov_domain::work::{self, roll_up, ChildProgress, Priority, Quality, TaskStatus, Timeliness};
use egov_domain::FieldError;
use egov_storage::tasks::{self as tdb, NewTask, TaskList, TaskPersonRow, TaskRow, TaskUpdateRow, Transition};
use egov_storage::Conn;

use super::require;
use crate::audit::{record, Who};
use crate::documents::handling::Assignee;
use crate::documents::{date_of_ms, optional_text, parse_deadline, required_text, Upload};
use crate::{commit, now_ms, AppError, AppResult, Caller, Check, Scope, Services};

/// Longest task title.
const MAX_TITLE_CHARS: usize = 500;

/// A new task or sub-task as given by a form or the API.
#[derive(Clone, Debug, Default)]
pub struct TaskInput<'a> {
    /// The task a part of which is passed on; `None` for a new task.
    pub parent_id: Option<i64>,
    pub title: &'a str,
    pub description: &'a str,
    /// The document the task comes from, if any (the caller must see it).
    pub document_id: Option<i64>,
    /// The person who leads it (oneself for one's own work).
    pub lead: Option<i64>,
    pub cooperate: Vec<Assignee>,
    pub deadline: Option<&'a str>,
    pub deadline_days: Option<i64>,
    pub priority: &'a str,
    /// Weight in the parent's progress (1–100, default 1).
    pub weight: Option<i64>,
}

/// Everything a task's page shows.
#[derive(Clone, Debug)]
pub struct TaskDetail {
    pub task: TaskRow,
    /// The task it is part of, when the reader sees it.
    pub parent: Option<TaskRow>,
    pub people: Vec<TaskPersonRow>,
    /// Every task below it, parents before children.
    pub below: Vec<TaskRow>,
    pub history: Vec<TaskUpdateRow>,
    pub files: Vec<(i64, String, i64)>,
    /// What the reader may do.
    pub can_report: bool,
    pub can_pass_on: bool,
    pub can_decide: bool,
    pub can_cancel: bool,
}

/// A page of tasks.
#[derive(Clone, Debug)]
pub struct TaskPage {
    pub items: Vec<TaskRow>,
    pub next_before: Option<i64>,
}

fn not_in_state(code: &'static str, vi: &str, en: &str) -> AppError {
    AppError::Conflict(FieldError::new("status", code, vi, en))
}

fn audit_detail(t: &TaskRow, extra: serde_json::Value) -> serde_json::Value {
    let mut v = serde_json::json!({ "task": t.id, "agency_id": t.agency_id, "status": t.status });
    if let (Some(map), serde_json::Value::Object(more)) = (v.as_object_mut(), extra) {
        map.extend(more);
    }
    v
}

async fn audit_task(
    c: &mut Conn,
    caller: &Caller,
    action: &str,
    t: &TaskRow,
    extra: serde_json::Value,
) -> AppResult<()> {
    let detail = audit_detail(t, extra);
    record(c, &Who::caller(caller), action, "task", Some(t.id.to_string()), crate::audit::NONE, Some(&detail)).await
}

/// Whose action it is: the task's lead or its assigner.
#[derive(Clone, Copy)]
enum Party {
    Lead,
    Assigner,
}

impl Services {
    /// A task the caller may see and acts on as `party` (`NotFound` out of sight, `Forbidden` if
    /// they are not that party).
    async fn task_for(&self, c: &mut Conn, caller: &Caller, id: i64, party: Party) -> AppResult<TaskRow> {
        let t = self.visible_task(c, caller, id).await?;
        let holder = match party {
            Party::Lead => t.lead_id,
            Party::Assigner => t.assigner_id,
        };
        if holder != caller.actor.user_id {
            return Err(AppError::Forbidden);
        }
        Ok(t)
    }

    /// A task the caller may see, or `NotFound`.
    async fn visible_task(&self, c: &mut Conn, caller: &Caller, id: i64) -> AppResult<TaskRow> {
        tdb::get_task(c, id, &caller.actor.task_scope()).await?.ok_or(AppError::NotFound)
    }

    /// Gives a task, or passes a part of one on as a sub-task; returns its id. The lead and the
    /// cooperating people or units must be inside the caller's own part of the organisation
    /// (the rule of document routing); anyone may give a task to themselves. A sub-task's
    /// deadline is not later than its parent's. Files are checked before anything is written.
    pub async fn create_task(&self, caller: &Caller, input: &TaskInput<'_>, uploads: Vec<Upload>) -> AppResult<i64> {
        require(caller, Scope::WorkWrite)?;
        let mut check = Check::new();
        let title = check.take(
            required_text(input.title, "title", "Vui lòng nhập tên công việc.", "Enter the task's title.")
                .map_err(first),
        );
        if title.as_ref().is_some_and(|t| t.chars().count() > MAX_TITLE_CHARS) {
            check.push(FieldError::new(
                "title",
                "too_long",
                "Tên công việc dài quá 500 ký tự.",
                "The title is longer than 500 characters.",
            ));
        }
        let description = check.take(optional_text(input.description, "description").map_err(first));
        let deadline = check.take(parse_deadline(self, input.deadline, input.deadline_days, "deadline")).flatten();
        let priority = check.take(work::parse_choice(
            if input.priority.trim().is_empty() { "normal" } else { input.priority },
            "priority",
            Priority::parse,
        ));
        let weight = check.take(work::parse_weight(input.weight.unwrap_or(1), "weight"));
        if input.lead.is_none() {
            check.push(FieldError::new(
                "lead",
                "required",
                "Vui lòng chọn người chủ trì.",
                "Choose who leads the task.",
            ));
        }
        check.finish()?;
        let (Some(title), Some(description), Some(priority), Some(weight), Some(lead)) =
            (title, description, priority, weight, input.lead)
        else {
            return Err(AppError::internal(anyhow::anyhow!("checked input missing")));
        };
        let files = self.intake(uploads, "files").await?;
        let now = now_ms();
        let me = caller.actor.user_id;
        let mut tx = self.store.begin().await?;
        let holdings = self.holdings(&mut tx, me).await?;
        let parent = match input.parent_id {
            Some(pid) => {
                let p = self.visible_task(&mut tx, caller, pid).await?;
                if !tdb::has_role(&mut tx, p.id, me, &["lead", "cooperate"]).await? {
                    return Err(AppError::Forbidden);
                }
                if p.status != TaskStatus::Open.as_str() {
                    return Err(not_in_state(
                        "not_open",
                        "Công việc này đã báo cáo hoàn thành, đã xong hoặc đã hủy; không giao tiếp được.",
                        "This task was reported finished, is done or cancelled; it cannot be passed on.",
                    ));
                }
                Some(p)
            }
            None => None,
        };
        let mut errors = Vec::new();
        if lead != me && !self.reach(&mut tx, &holdings, Assignee::Person(lead)).await? {
            errors.push(crate::documents::out_of_reach("lead"));
        }
        for who in &input.cooperate {
            if !self.reach(&mut tx, &holdings, *who).await? {
                errors.push(crate::documents::out_of_reach("cooperate"));
                break;
            }
        }
        if let (Some(p), Some(d)) = (&parent, deadline) {
            if let Some(pd) = p.deadline.as_deref().and_then(|s| s.parse::<jiff::civil::Date>().ok()) {
                if d > pd {
                    errors.push(FieldError::new(
                        "deadline",
                        "after_parent",
                        format!("Hạn không được sau hạn của công việc cha ({}).", pd.strftime("%d/%m/%Y")),
                        format!("The deadline cannot be later than the parent task's ({}).", pd.strftime("%d/%m/%Y")),
                    ));
                }
            }
        }
        if let Some(doc) = input.document_id {
            if self.visible_document(&mut tx, caller, doc).await.is_err() {
                errors.push(FieldError::new(
                    "document_id",
                    "unknown_document",
                    "Không tìm thấy văn bản.",
                    "Unknown document.",
                ));
            }
        }
        if !errors.is_empty() {
            return Err(AppError::Invalid(errors));
        }
        let deadline = deadline.map(|d| d.to_string());
        let deadline = deadline.as_deref().or(parent.as_ref().and_then(|p| p.deadline.as_deref()));
        let agency_id = match &parent {
            Some(p) => p.agency_id,
            None => holdings.first().map_or(caller.actor.agency_id, |h| h.agency_id),
        };
        let id = tdb::insert_task(
            &mut tx,
            &NewTask {
                agency_id,
                parent_id: parent.as_ref().map(|p| p.id),
                depth: parent.as_ref().map_or(0, |p| p.depth + 1),
                title: &title,
                description: &description,
                document_id: input.document_id.or(parent.as_ref().and_then(|p| p.document_id)),
                assigner_id: me,
                lead_id: lead,
                priority: priority.as_str(),
                deadline,
                weight: i64::from(weight),
                series_id: None,
                occurrence: None,
            },
            now,
        )
        .await?;
        self.staff_task(&mut tx, id, parent.as_ref().map(|p| p.id), me, lead, &input.cooperate, now).await?;
        for f in &files {
            let file_id = crate::documents::insert_file(&mut tx, f, me, now).await?;
            tdb::attach_file(&mut tx, id, file_id).await?;
        }
        tdb::insert_update(&mut tx, id, Some(me), "created", None, None, now).await?;
        if let Some(p) = &parent {
            tdb::insert_update(&mut tx, p.id, Some(me), "passed_on", None, Some(&title), now).await?;
            self.roll_up_from(&mut tx, p.id, now).await?;
        }
        let t = tdb::get_task_any(&mut tx, id).await?.ok_or(AppError::NotFound)?;
        let extra = serde_json::json!({
            "parent": t.parent_id, "lead": lead, "deadline": t.deadline, "files": files.len(),
            "document_id": t.document_id,
        });
        audit_task(&mut tx, caller, "task.create", &t, extra).await?;
        commit(tx).await?;
        Ok(id)
    }

    /// Writes who takes part in a new task and puts it in their inboxes: the assigner, the lead,
    /// the cooperating people (a unit: its head, or its deputies when it has none), and everyone
    /// above it in the tree.
    #[allow(clippy::too_many_arguments)]
    pub(crate) async fn staff_task(
        &self,
        tx: &mut egov_storage::Tx,
        id: i64,
        parent_id: Option<i64>,
        assigner: i64,
        lead: i64,
        cooperate: &[Assignee],
        now: i64,
    ) -> AppResult<()> {
        tdb::add_person(tx, id, assigner, "assigner", None).await?;
        tdb::add_person(tx, id, lead, "lead", None).await?;
        if let Some(p) = parent_id {
            tdb::inherit_people(tx, id, p).await?;
        }
        let mut told = vec![assigner];
        if lead != assigner {
            self.deliver_task(tx, lead, id, "task", Some(assigner), None, now).await?;
        }
        told.push(lead);
        for who in cooperate {
            let (people, unit) = match *who {
                Assignee::Person(u) => (vec![u], None),
                Assignee::Unit(u) => (crate::documents::results::unit_heads(tx, u).await?, Some(u)),
            };
            for u in people {
                tdb::add_person(tx, id, u, "cooperate", unit).await?;
                if !told.contains(&u) {
                    self.deliver_task(tx, u, id, "task", Some(assigner), Some("Phối hợp thực hiện"), now).await?;
                    told.push(u);
                }
            }
        }
        Ok(())
    }

    /// Recomputes the progress of `task_id` and of each task above it from their children,
    /// stopping at the first one whose progress was set by hand.
    async fn roll_up_from(&self, c: &mut Conn, task_id: i64, now: i64) -> AppResult<()> {
        let mut next = Some(task_id);
        let mut guard = 0;
        while let Some(id) = next {
            guard += 1;
            if guard > 1000 {
                break;
            }
            let Some(t) = tdb::get_task_any(c, id).await? else { break };
            if t.progress_set || t.status != TaskStatus::Open.as_str() {
                break;
            }
            let children = tdb::children(c, id).await?;
            let counted: Vec<ChildProgress> = children
                .iter()
                .map(|k| ChildProgress {
                    weight: u8::try_from(k.weight).unwrap_or(1),
                    progress: u8::try_from(k.progress).unwrap_or(0),
                    status: TaskStatus::parse(&k.status).unwrap_or(TaskStatus::Open),
                })
                .collect();
            if let Some(p) = roll_up(&counted) {
                if i64::from(p) != t.progress {
                    tdb::set_progress(c, id, i64::from(p), false, now).await?;
                }
            }
            next = t.parent_id;
        }
        Ok(())
    }

    /// The lead reports progress: a percentage (`None`: derive it from the sub-tasks again) and
    /// a note. Above tasks follow, unless their progress was set by hand.
    pub async fn report_task_progress(
        &self,
        caller: &Caller,
        task_id: i64,
        percent: Option<i64>,
        note: &str,
    ) -> AppResult<()> {
        require(caller, Scope::WorkWrite)?;
        let percent = percent.map(|p| work::parse_progress(p, "progress")).transpose().map_err(AppError::field)?;
        let note = optional_text(note, "note")?;
        let now = now_ms();
        let me = caller.actor.user_id;
        let mut tx = self.store.begin().await?;
        let t = self.task_for(&mut tx, caller, task_id, Party::Lead).await?;
        if t.status != TaskStatus::Open.as_str() {
            return Err(not_in_state(
                "not_open",
                "Chỉ báo cáo tiến độ được khi công việc đang thực hiện.",
                "Progress is reported only while the task is in progress.",
            ));
        }
        match percent {
            Some(p) => tdb::set_progress(&mut tx, t.id, i64::from(p), true, now).await?,
            None => {
                tdb::set_progress(&mut tx, t.id, t.progress, false, now).await?;
                self.roll_up_from(&mut tx, t.id, now).await?;
            }
        }
        let shown = match percent {
            Some(p) => i64::from(p),
            None => tdb::get_task_any(&mut tx, t.id).await?.map_or(t.progress, |x| x.progress),
        };
        let body = Some(note.as_str()).filter(|n| !n.is_empty());
        tdb::insert_update(&mut tx, t.id, Some(me), "progress", Some(shown), body, now).await?;
        if let Some(p) = t.parent_id {
            self.roll_up_from(&mut tx, p, now).await?;
        }
        audit_task(&mut tx, caller, "task.progress", &t, serde_json::json!({ "progress": shown })).await?;
        commit(tx).await
    }

    /// The lead reports the task finished with its result; it waits for the assigner's
    /// acceptance (one's own task is done at once). A second click is refused, not counted.
    pub async fn submit_task(&self, caller: &Caller, task_id: i64, result: &str) -> AppResult<()> {
        require(caller, Scope::WorkWrite)?;
        let result = required_text(result, "result", "Vui lòng nhập kết quả thực hiện.", "Describe the result.")?;
        let now = now_ms();
        let me = caller.actor.user_id;
        let mut tx = self.store.begin().await?;
        let t = self.task_for(&mut tx, caller, task_id, Party::Lead).await?;
        let own = t.assigner_id == me;
        let change = if own {
            let timeliness = Timeliness::of(t.deadline.as_deref().and_then(|d| d.parse().ok()), date_of_ms(now));
            Transition { result: Some(&result), timeliness: Some(timeliness.as_str()), ..Transition::default() }
        } else {
            Transition { result: Some(&result), ..Transition::default() }
        };
        let to = if own { TaskStatus::Done } else { TaskStatus::Submitted };
        if !tdb::transition(&mut tx, t.id, "open", to.as_str(), &change, now).await? {
            return Err(not_in_state(
                "not_open",
                "Công việc này đã được báo cáo hoàn thành hoặc đã đóng.",
                "This task was already reported finished or is closed.",
            ));
        }
        tdb::set_progress(&mut tx, t.id, 100, t.progress_set, now).await?;
        tdb::close_items(&mut tx, t.id, &["task", "task_returned"], now).await?;
        tdb::insert_update(&mut tx, t.id, Some(me), "submitted", Some(100), Some(&result), now).await?;
        if !own {
            self.deliver_task(&mut tx, t.assigner_id, t.id, "task_submitted", Some(me), None, now).await?;
        }
        if let Some(p) = t.parent_id {
            self.roll_up_from(&mut tx, p, now).await?;
        }
        audit_task(&mut tx, caller, "task.submit", &t, serde_json::json!({ "to": to.as_str() })).await?;
        commit(tx).await
    }

    /// The assigner accepts a reported result with an evaluation: quality chosen, timeliness
    /// from the day it was reported against the deadline.
    pub async fn accept_task(&self, caller: &Caller, task_id: i64, quality: &str, note: &str) -> AppResult<()> {
        require(caller, Scope::WorkWrite)?;
        let quality = work::parse_choice(quality, "quality", Quality::parse).map_err(AppError::field)?;
        let note = optional_text(note, "note")?;
        let now = now_ms();
        let me = caller.actor.user_id;
        let mut tx = self.store.begin().await?;
        let t = self.task_for(&mut tx, caller, task_id, Party::Assigner).await?;
        let reported = t.submitted_at.map_or_else(|| date_of_ms(now), date_of_ms);
        let timeliness = Timeliness::of(t.deadline.as_deref().and_then(|d| d.parse().ok()), reported);
        let change = Transition {
            timeliness: Some(timeliness.as_str()),
            quality: Some(quality.as_str()),
            evaluation: Some(note.as_str()).filter(|n| !n.is_empty()),
            ..Transition::default()
        };
        if !tdb::transition(&mut tx, t.id, "submitted", "done", &change, now).await? {
            return Err(not_submitted());
        }
        tdb::close_items(&mut tx, t.id, &["task", "task_submitted", "task_returned"], now).await?;
        let body = format!(
            "{} · {}{}",
            timeliness.label(egov_domain::Lang::Vi),
            quality.label(egov_domain::Lang::Vi),
            if note.is_empty() { String::new() } else { format!(" · {note}") }
        );
        tdb::insert_update(&mut tx, t.id, Some(me), "accepted", Some(100), Some(&body), now).await?;
        self.tell_task(&mut tx, t.lead_id, t.id, EventKind::Accepted, Some(me), now).await?;
        if let Some(p) = t.parent_id {
            self.roll_up_from(&mut tx, p, now).await?;
        }
        let extra = serde_json::json!({ "timeliness": timeliness.as_str(), "quality": quality.as_str() });
        audit_task(&mut tx, caller, "task.accept", &t, extra).await?;
        commit(tx).await
    }

    /// The assigner returns a reported result with a reason; the task is in progress again.
    pub async fn return_task(&self, caller: &Caller, task_id: i64, reason: &str) -> AppResult<()> {
        require(caller, Scope::WorkWrite)?;
        let reason =
            required_text(reason, "reason", "Vui lòng nhập lý do trả lại.", "Give the reason for returning it.")?;
        let now = now_ms();
        let me = caller.actor.user_id;
        let mut tx = self.store.begin().await?;
        let t = self.task_for(&mut tx, caller, task_id, Party::Assigner).await?;
        if !tdb::transition(&mut tx, t.id, "submitted", "open", &Transition::default(), now).await? {
            return Err(not_submitted());
        }
        tdb::close_items(&mut tx, t.id, &["task_submitted"], now).await?;
        tdb::insert_update(&mut tx, t.id, Some(me), "returned", None, Some(&reason), now).await?;
        self.deliver_task(&mut tx, t.lead_id, t.id, "task_returned", Some(me), Some(&reason), now).await?;
        audit_task(&mut tx, caller, "task.return", &t, serde_json::json!({})).await?;
        commit(tx).await
    }

    /// The assigner cancels a task that is not done, with everything still open below it.
    pub async fn cancel_task(&self, caller: &Caller, task_id: i64, reason: &str) -> AppResult<()> {
        require(caller, Scope::WorkWrite)?;
        let reason = required_text(reason, "reason", "Vui lòng nhập lý do hủy.", "Give the reason for cancelling.")?;
        let now = now_ms();
        let me = caller.actor.user_id;
        let mut tx = self.store.begin().await?;
        let t = self.task_for(&mut tx, caller, task_id, Party::Assigner).await?;
        let mut cancelled = 0;
        let mut all = vec![t.clone()];
        all.extend(tdb::descendants(&mut tx, t.id).await?);
        for k in &all {
            for from in ["open", "submitted"] {
                if tdb::transition(&mut tx, k.id, from, "cancelled", &Transition::default(), now).await? {
                    cancelled += 1;
                    tdb::close_items(&mut tx, k.id, &["task", "task_submitted", "task_returned"], now).await?;
                    tdb::insert_update(&mut tx, k.id, Some(me), "cancelled", None, Some(&reason), now).await?;
                }
            }
        }
        if cancelled == 0 {
            return Err(not_in_state(
                "closed",
                "Công việc này đã hoàn thành hoặc đã hủy.",
                "This task is already done or cancelled.",
            ));
        }
        if let Some(p) = t.parent_id {
            self.roll_up_from(&mut tx, p, now).await?;
        }
        audit_task(&mut tx, caller, "task.cancel", &t, serde_json::json!({ "tasks": cancelled })).await?;
        commit(tx).await
    }

    /// Everything a task's page shows, with what the reader may do.
    pub async fn task(&self, caller: &Caller, task_id: i64) -> AppResult<TaskDetail> {
        require(caller, Scope::WorkRead)?;
        let me = caller.actor.user_id;
        let mut c = self.store.read().await?;
        let task = self.visible_task(&mut c, caller, task_id).await?;
        let parent = match task.parent_id {
            Some(p) => tdb::get_task(&mut c, p, &caller.actor.task_scope()).await?,
            None => None,
        };
        let people = tdb::people_of(&mut c, task.id).await?;
        let below = tdb::descendants(&mut c, task.id).await?;
        let history = tdb::updates_of(&mut c, task.id).await?;
        let files = tdb::files_of(&mut c, task.id).await?;
        let open = task.status == TaskStatus::Open.as_str();
        let takes_part = people.iter().any(|p| p.user_id == me && (p.role == "lead" || p.role == "cooperate"));
        Ok(TaskDetail {
            can_report: open && task.lead_id == me,
            can_pass_on: open && takes_part && caller.actor.allows(Scope::WorkWrite),
            can_decide: task.status == TaskStatus::Submitted.as_str() && task.assigner_id == me,
            can_cancel: matches!(task.status.as_str(), "open" | "submitted") && task.assigner_id == me,
            task,
            parent,
            people,
            below,
            history,
            files,
        })
    }

    /// A page of tasks, newest first: the caller's own (lead or cooperating), those they gave,
    /// or all they may see; open ones only when asked.
    pub async fn tasks(
        &self,
        caller: &Caller,
        which: TaskList,
        open: bool,
        before_id: Option<i64>,
        limit: u32,
    ) -> AppResult<TaskPage> {
        require(caller, Scope::WorkRead)?;
        let limit = limit.clamp(1, 200);
        let mut c = self.store.read().await?;
        let mut items = tdb::list(&mut c, &caller.actor.task_scope(), which, open, before_id, limit + 1).await?;
        let next_before = (items.len() > limit as usize).then(|| {
            items.truncate(limit as usize);
            items.last().map(|i| i.id)
        });
        Ok(TaskPage { items, next_before: next_before.flatten() })
    }

    /// A file of a task the caller sees: (name, media type, bytes).
    pub async fn task_file(&self, caller: &Caller, file_id: i64) -> AppResult<(String, String, Vec<u8>)> {
        require(caller, Scope::WorkRead)?;
        let file = {
            let mut c = self.store.read().await?;
            tdb::task_file(&mut c, file_id, &caller.actor.task_scope()).await?.ok_or(AppError::NotFound)?
        };
        let store = self.files.clone();
        let sha = file.sha256.clone();
        let bytes = tokio::task::spawn_blocking(move || store.get(&sha))
            .await
            .map_err(AppError::internal)?
            .map_err(AppError::internal)?;
        Ok((file.file_name, file.media_type, bytes))
    }
}

fn first(e: AppError) -> FieldError {
    match e {
        AppError::Invalid(mut v) if !v.is_empty() => v.remove(0),
        _ => FieldError::new("form", "invalid", "Dữ liệu không hợp lệ.", "Invalid input."),
    }
}

fn not_submitted() -> AppError {
    not_in_state(
        "not_submitted",
        "Công việc này không có kết quả đang chờ nghiệm thu.",
        "This task has no result waiting for acceptance.",
    )
}
