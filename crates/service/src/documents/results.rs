//! Results going back up the chain: whoever finishes the lead part they were passed reports the
//! result to the one who passed it (status `submitted`), who accepts it — reporting it in turn to
//! the one above — or returns it with a reason; the holder of the top lead closes the document.
//! Everyone up the chain, and the leader who assigned it, hears when it closes.

use egov_domain::notification::EventKind;
use egov_storage::documents::DocumentRow;
use egov_storage::handling::{self as hdb, AssignmentRow, FollowRow};
use egov_storage::Conn;

use super::handling::not_open;
use super::{audit_doc, conflict, event, finish, holds_assignment, optional_text, reindex, require, required_text};
use crate::{now_ms, AppError, AppResult, Caller, Scope, Services};

/// An assignment state: the holder reported a result that the one above has not yet accepted.
pub const SUBMITTED: &str = "submitted";

/// A page of the parts the caller gave or passed on that are still open below them.
#[derive(Clone, Debug)]
pub struct FollowingPage {
    pub items: Vec<FollowRow>,
    /// All of them (counted up to 10,000).
    pub total: i64,
    /// The cursor of the next page, when there is one.
    pub next_before: Option<i64>,
}

impl Services {
    /// "Đã chuyển – đang theo dõi": the parts the caller gave or passed on that nobody has
    /// closed yet, newest first, `limit` (1–200) at a time before `before_id`.
    pub async fn following(&self, caller: &Caller, before_id: Option<i64>, limit: u32) -> AppResult<FollowingPage> {
        require(caller, Scope::DocumentsRead)?;
        let limit = limit.clamp(1, 200);
        let mut c = self.store.read().await?;
        let mut items = hdb::following(&mut c, caller.actor.user_id, before_id, limit + 1).await?;
        let next_before = (items.len() > limit as usize).then(|| {
            items.truncate(limit as usize);
            items.last().map(|i| i.id)
        });
        let total = hdb::following_count(&mut c, caller.actor.user_id, 10_000).await?;
        Ok(FollowingPage { items, total, next_before: next_before.flatten() })
    }

    /// Finishes an assignment with a result (and optionally the reply document). A lead part
    /// that was passed on goes back to the one who passed it, to accept or return; the top lead
    /// (given by a leader) closes the document; a cooperating part is simply done.
    pub async fn finish_assignment(
        &self,
        caller: &Caller,
        assignment_id: i64,
        result: &str,
        result_document_id: Option<i64>,
    ) -> AppResult<()> {
        require(caller, Scope::DocumentsWrite)?;
        let result = required_text(result, "result", "Vui lòng nhập kết quả xử lý.", "Describe the result.")?;
        let now = now_ms();
        let mut tx = self.store.begin().await?;
        let (a, d) = self.held_assignment(&mut tx, caller, assignment_id).await?;
        if let Some(rid) = result_document_id {
            self.visible_document(&mut tx, caller, rid).await.map_err(|_| {
                AppError::invalid(
                    "result_document_id",
                    "unknown_document",
                    "Không tìm thấy văn bản trả lời.",
                    "Unknown reply document.",
                )
            })?;
        }
        if a.kind == "present" {
            return Err(conflict(
                "assignment",
                "present_needs_direction",
                "Văn bản trình cần được phân công hoặc trả lại, không thể kết thúc trực tiếp.",
                "A presented document is assigned or returned, not finished.",
            ));
        }
        let parent = match a.parent_id {
            Some(pid) if a.kind == "lead" => hdb::get_assignment(&mut tx, pid).await?.filter(|p| p.status == "passed"),
            _ => None,
        };
        let to = if parent.is_some() { SUBMITTED } else { "done" };
        if !hdb::close_assignment(&mut tx, a.id, "open", to, Some(&result), result_document_id, now).await? {
            return Err(not_open());
        }
        hdb::close_items_by_ref(&mut tx, "assignment", a.id, now).await?;
        match &parent {
            Some(p) => {
                let names = self.report_up(&mut tx, caller, &d, &a, p, &result, now).await?;
                event(&mut tx, caller, d.id, "result_submitted", Some(&names), Some(&result), Some(a.id)).await?;
            }
            None => {
                event(&mut tx, caller, d.id, "finished", None, Some(&result), Some(a.id)).await?;
                if a.kind == "lead" {
                    self.close_if_handled(&mut tx, caller, &d, &a, now).await?;
                }
            }
        }
        reindex(&mut tx, d.id).await?;
        let detail = serde_json::json!({
            "assignment": a.id, "result_document_id": result_document_id, "status": to,
        });
        audit_doc(&mut tx, caller, "document.finish", d.id, &detail).await?;
        finish(tx, ()).await
    }

    /// Accepts the result reported on `assignment_id` (a part the caller passed on). The caller's
    /// own part then carries the result (with the caller's `note` in front, when given) up to
    /// the one who passed it to them — or, at the top, closes the document.
    pub async fn accept_result(&self, caller: &Caller, assignment_id: i64, note: &str) -> AppResult<()> {
        require(caller, Scope::DocumentsWrite)?;
        let note = optional_text(note, "note")?;
        let now = now_ms();
        let mut tx = self.store.begin().await?;
        let (child, parent, d) = self.reported(&mut tx, caller, assignment_id).await?;
        if !hdb::close_assignment(
            &mut tx,
            child.id,
            SUBMITTED,
            "done",
            child.result.as_deref(),
            child.result_document_id,
            now,
        )
        .await?
        {
            return Err(not_reported());
        }
        hdb::close_items_by_ref(&mut tx, "finished", child.id, now).await?;
        let reported = child.result.clone().unwrap_or_default();
        let result = if note.is_empty() { reported } else { format!("{note}\n{reported}") };
        let above = match parent.parent_id {
            Some(pid) => hdb::get_assignment(&mut tx, pid).await?.filter(|p| p.status == "passed"),
            None => None,
        };
        let to = if above.is_some() { SUBMITTED } else { "done" };
        if !hdb::close_assignment(&mut tx, parent.id, "passed", to, Some(&result), child.result_document_id, now)
            .await?
        {
            return Err(not_reported());
        }
        let body = Some(note.as_str()).filter(|n| !n.is_empty());
        event(&mut tx, caller, d.id, "result_accepted", Some(&child.assignee_name), body, Some(child.id)).await?;
        match &above {
            Some(p) => {
                let names = self.report_up(&mut tx, caller, &d, &parent, p, &result, now).await?;
                event(&mut tx, caller, d.id, "result_submitted", Some(&names), Some(&result), Some(parent.id)).await?;
            }
            None => self.close_if_handled(&mut tx, caller, &d, &parent, now).await?,
        }
        reindex(&mut tx, d.id).await?;
        let detail = serde_json::json!({ "assignment": child.id, "status": to });
        audit_doc(&mut tx, caller, "document.accept_result", d.id, &detail).await?;
        finish(tx, ()).await
    }

    /// Returns the result reported on `assignment_id` to its holder with a reason: their part is
    /// open again, and the caller's stays passed on.
    pub async fn return_result(&self, caller: &Caller, assignment_id: i64, reason: &str) -> AppResult<()> {
        require(caller, Scope::DocumentsWrite)?;
        let reason =
            required_text(reason, "reason", "Vui lòng nêu lý do trả lại kết quả.", "Give the reason for returning.")?;
        let now = now_ms();
        let mut tx = self.store.begin().await?;
        let (child, _parent, d) = self.reported(&mut tx, caller, assignment_id).await?;
        if !hdb::close_assignment(&mut tx, child.id, SUBMITTED, "open", child.result.as_deref(), None, now).await? {
            return Err(not_reported());
        }
        hdb::close_items_by_ref(&mut tx, "finished", child.id, now).await?;
        for person in self.holders_of(&mut tx, &child).await? {
            self.deliver(
                &mut tx,
                person,
                d.id,
                "returned",
                "assigned",
                Some(child.id),
                Some(caller.actor.user_id),
                Some(&reason),
                now,
            )
            .await?;
        }
        event(&mut tx, caller, d.id, "result_returned", Some(&child.assignee_name), Some(&reason), Some(child.id))
            .await?;
        reindex(&mut tx, d.id).await?;
        // The reason is free text of the document's handling: the audit entry keeps identifiers.
        audit_doc(&mut tx, caller, "document.return_result", d.id, &serde_json::json!({ "assignment": child.id }))
            .await?;
        finish(tx, ()).await
    }

    /// The people who act on an assignment: its person, or the heads of its unit (the deputies
    /// when the unit has no head).
    pub(crate) async fn holders_of(&self, c: &mut Conn, a: &AssignmentRow) -> AppResult<Vec<i64>> {
        if let Some(u) = a.assignee_user_id {
            return Ok(vec![u]);
        }
        match a.assignee_unit_id {
            Some(unit) => unit_heads(c, unit).await,
            None => Ok(Vec::new()),
        }
    }

    /// Puts the result of `part` in the inbox of the holders of `above` (who passed it on);
    /// returns their names for the timeline.
    #[allow(clippy::too_many_arguments)]
    async fn report_up(
        &self,
        tx: &mut egov_storage::Tx,
        caller: &Caller,
        d: &DocumentRow,
        part: &AssignmentRow,
        above: &AssignmentRow,
        result: &str,
        now: i64,
    ) -> AppResult<String> {
        for person in self.holders_of(tx, above).await? {
            self.deliver(
                tx,
                person,
                d.id,
                "finished",
                "assigned",
                Some(part.id),
                Some(caller.actor.user_id),
                Some(result),
                now,
            )
            .await?;
        }
        Ok(above.assignee_name.clone())
    }

    /// After a top lead part is done: when every top lead is, the document is handled — its
    /// status, the exchange status 06 for its sender — and the leader who assigned the part
    /// and everyone who passed it down hear of it.
    async fn close_if_handled(
        &self,
        tx: &mut egov_storage::Tx,
        caller: &Caller,
        d: &DocumentRow,
        top: &AssignmentRow,
        now: i64,
    ) -> AppResult<()> {
        let all = hdb::assignments_of(tx, d.id).await?;
        let handled = all.iter().filter(|x| x.kind == "lead" && x.parent_id.is_none()).all(|x| x.status == "done");
        if handled {
            egov_storage::documents::set_status(tx, d.id, "done", d.agency_wide, now).await?;
            self.queue_status(tx, caller, d, egov_edxml::StatusCode::Completed, "Đã hoàn thành xử lý", now).await?;
        }
        // The chain below the top part: everyone who held a lead part of it, and the leader.
        let mut told = vec![caller.actor.user_id];
        let mut people = vec![top.assigner_id];
        let mut frontier = vec![top.id];
        while let Some(id) = frontier.pop() {
            for x in all.iter().filter(|x| x.parent_id == Some(id) && x.kind == "lead") {
                people.extend(self.holders_of(tx, x).await?);
                frontier.push(x.id);
            }
        }
        people.extend(self.holders_of(tx, top).await?);
        for person in people {
            if !told.contains(&person) {
                self.tell(tx, person, Some(d.id), EventKind::Finished, Some(caller.actor.user_id), now).await?;
                told.push(person);
            }
        }
        Ok(())
    }

    /// The reported part `id` and the caller's part it was passed from, with their document.
    async fn reported(
        &self,
        c: &mut Conn,
        caller: &Caller,
        id: i64,
    ) -> AppResult<(AssignmentRow, AssignmentRow, DocumentRow)> {
        let child = hdb::get_assignment(c, id).await?.ok_or(AppError::NotFound)?;
        let d = self.visible_document(c, caller, child.document_id).await?;
        let parent = match child.parent_id {
            Some(pid) => hdb::get_assignment(c, pid).await?.ok_or(AppError::NotFound)?,
            None => return Err(AppError::NotFound),
        };
        let holdings = self.holdings(c, caller.actor.user_id).await?;
        if !holds_assignment(&parent, caller.actor.user_id, &holdings) {
            return Err(AppError::NotFound);
        }
        if child.status != SUBMITTED {
            return Err(not_reported());
        }
        Ok((child, parent, d))
    }
}

/// The heads of `unit` (its deputies when it has no head): who acts on work given to the unit.
pub(crate) async fn unit_heads(c: &mut Conn, unit: i64) -> AppResult<Vec<i64>> {
    let heads = hdb::unit_members(c, unit, &["unit_head"]).await?;
    let heads = if heads.is_empty() { hdb::unit_members(c, unit, &["unit_deputy"]).await? } else { heads };
    Ok(heads.into_iter().map(|(id, _)| id).collect())
}

fn not_reported() -> AppError {
    conflict(
        "assignment",
        "not_reported",
        "Phần việc này không có kết quả đang chờ chấp nhận.",
        "This part has no result waiting to be accepted.",
    )
}
