//! Routing and handling of a registered document, to any depth: the clerk presents it to a
//! leader; the leader directs and assigns a lead, cooperating and informed units or people;
//! every assignee may pass the work on inside their own part of the organisation or return it;
//! handlers post opinions, mark progress and finish. Every step is on the timeline.

use egov_domain::routing::{can_pass_to, can_present_to, Holding, Target};
use egov_domain::text::normalize;
use egov_domain::{FieldError, Position};
use egov_storage::documents::{self as db, DocumentRow};
use egov_storage::handling::{self as hdb, AssignmentRow, NewAssignment};
use egov_storage::Conn;

use super::{
    audit_doc, conflict, event, finish, holds_assignment, is_leader_position, optional_text, out_of_reach,
    parse_deadline, reindex, require, required_text,
};
use crate::{now_ms, AppError, AppResult, Caller, Check, Scope, Services};

/// Whom a piece of work goes to.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Assignee {
    Person(i64),
    Unit(i64),
}

/// A leader's (or any assignee's) instruction: lead, cooperating and informed assignees.
#[derive(Clone, Debug, Default)]
pub struct AssignInput<'a> {
    /// The assignment being passed on; `None` when a leader assigns from the top.
    pub parent_assignment_id: Option<i64>,
    pub directive: &'a str,
    pub lead: Option<Assignee>,
    pub cooperate: Vec<Assignee>,
    pub inform: Vec<Assignee>,
    pub deadline: Option<&'a str>,
    pub deadline_days: Option<i64>,
}

/// A person or unit someone may give work to (for pickers).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Reachable {
    pub assignee: Assignee,
    pub label: String,
}

impl Services {
    /// The clerk presents a registered document to one or more leaders of the agency.
    pub async fn present(&self, caller: &Caller, document_id: i64, leaders: &[i64], note: &str) -> AppResult<()> {
        require(caller, Scope::DocumentsWrite)?;
        if leaders.is_empty() {
            return Err(AppError::invalid(
                "leaders",
                "required",
                "Vui lòng chọn lãnh đạo để trình.",
                "Choose the leader to present the document to.",
            ));
        }
        let note = optional_text(note, "note")?;
        let now = now_ms();
        let mut tx = self.store.begin().await?;
        let d = self.visible_document(&mut tx, caller, document_id).await?;
        if !caller.actor.is_clerk_of(d.agency_id) {
            return Err(AppError::Forbidden);
        }
        if d.direction != "incoming" || !matches!(d.status.as_str(), "registered" | "presented") {
            return Err(conflict(
                "status",
                "not_presentable",
                "Chỉ trình được văn bản đến đã vào sổ và chưa được phân công.",
                "Only a registered incoming document that is not yet assigned can be presented.",
            ));
        }
        let mut names = Vec::new();
        for leader in leaders {
            let holdings = self.holdings(&mut tx, *leader).await?;
            if !can_present_to(d.agency_id, &holdings) {
                return Err(AppError::field(out_of_reach("leaders")));
            }
            let id = hdb::insert_assignment(
                &mut tx,
                &NewAssignment {
                    document_id: d.id,
                    parent_id: None,
                    kind: "present",
                    assigner_id: caller.actor.user_id,
                    assignee_user_id: Some(*leader),
                    assignee_unit_id: None,
                    directive: Some(&note).filter(|n| !n.is_empty()).map(String::as_str),
                    deadline: None,
                    depth: 0,
                },
                now,
            )
            .await?;
            self.deliver(
                &mut tx,
                *leader,
                d.id,
                "present",
                "presented",
                Some(id),
                Some(caller.actor.user_id),
                None,
                now,
            )
            .await?;
            names.push(person_name(&mut tx, *leader).await?);
        }
        db::set_status(&mut tx, d.id, "presented", d.agency_wide, now).await?;
        let body = Some(note.as_str()).filter(|n| !n.is_empty());
        event(&mut tx, caller, d.id, "presented", Some(&names.join(", ")), body, None).await?;
        reindex(&mut tx, d.id).await?;
        audit_doc(&mut tx, caller, "document.present", d.id, &serde_json::json!({ "leaders": leaders })).await?;
        finish(tx, ()).await
    }

    /// Assigns a document (a leader, from the top) or passes an assignment on (any assignee,
    /// inside their own part of the organisation), with a directive and a deadline.
    pub async fn assign(&self, caller: &Caller, document_id: i64, input: &AssignInput<'_>) -> AppResult<Vec<i64>> {
        require(caller, Scope::DocumentsWrite)?;
        let directive = optional_text(input.directive, "directive")?;
        let mut check = Check::new();
        let deadline = check.take(parse_deadline(self, input.deadline, input.deadline_days, "deadline")).flatten();
        if input.lead.is_none() && input.cooperate.is_empty() && input.inform.is_empty() {
            check.push(FieldError::new(
                "lead",
                "required",
                "Vui lòng chọn đơn vị hoặc người xử lý.",
                "Choose who handles the document.",
            ));
        }
        check.finish()?;
        let now = now_ms();
        let mut tx = self.store.begin().await?;
        let d = self.visible_document(&mut tx, caller, document_id).await?;
        if d.direction != "incoming" || matches!(d.status.as_str(), "to_register" | "refused" | "revoked" | "done") {
            return Err(conflict(
                "status",
                "not_assignable",
                "Văn bản này không ở trạng thái có thể giao xử lý.",
                "This document cannot be assigned in its current state.",
            ));
        }
        let holdings = self.holdings(&mut tx, caller.actor.user_id).await?;
        let assignments = hdb::assignments_of(&mut tx, d.id).await?;
        let parent = match input.parent_assignment_id {
            Some(pid) => {
                let p = assignments.iter().find(|a| a.id == pid).ok_or(AppError::NotFound)?;
                if !holds_assignment(p, caller.actor.user_id, &holdings) {
                    return Err(AppError::Forbidden);
                }
                if p.status != "open" || p.kind == "inform" {
                    return Err(conflict(
                        "parent_assignment_id",
                        "not_open",
                        "Phần việc này đã được chuyển, trả lại hoặc hoàn thành.",
                        "This assignment was already passed on, returned or finished.",
                    ));
                }
                Some(p.clone())
            }
            None => {
                // From the top: a leader of the document's agency.
                if !holdings.iter().any(|h| h.agency_id == d.agency_id && is_leader_position(h)) {
                    return Err(AppError::Forbidden);
                }
                None
            }
        };
        let deadline = deadline.map(|x| x.to_string());
        let deadline = deadline.as_deref().or(parent.as_ref().and_then(|p| p.deadline.as_deref()));
        let depth = parent.as_ref().map_or(1, |p| if p.kind == "present" { 1 } else { p.depth + 1 });
        let parent_id = parent.as_ref().filter(|p| p.kind != "present").map(|p| p.id);
        let mut created = Vec::new();
        let mut errors = Vec::new();
        let groups: [(&str, &str, Vec<Assignee>); 3] = [
            ("lead", "lead", input.lead.into_iter().collect()),
            ("cooperate", "cooperate", input.cooperate.clone()),
            ("inform", "inform", input.inform.clone()),
        ];
        let mut targets = Vec::new();
        for (kind, field, list) in groups {
            for who in list {
                match self.reach(&mut tx, &holdings, who).await? {
                    true => targets.push((kind, who)),
                    false => errors.push(out_of_reach(field)),
                }
            }
        }
        if !errors.is_empty() {
            return Err(AppError::Invalid(errors));
        }
        if parent.as_ref().is_some_and(|p| p.kind == "cooperate") && targets.iter().any(|(k, _)| *k == "lead") {
            return Err(AppError::invalid(
                "lead",
                "lead_not_allowed",
                "Người phối hợp không giao được việc chủ trì; hãy giao phối hợp.",
                "A cooperating handler cannot pass on the lead; pass on cooperation instead.",
            ));
        }
        let mut labels = Vec::new();
        for (kind, who) in targets {
            let (user, unit) = match who {
                Assignee::Person(u) => (Some(u), None),
                Assignee::Unit(u) => (None, Some(u)),
            };
            let id = hdb::insert_assignment(
                &mut tx,
                &NewAssignment {
                    document_id: d.id,
                    parent_id,
                    kind,
                    assigner_id: caller.actor.user_id,
                    assignee_user_id: user,
                    assignee_unit_id: unit,
                    directive: Some(directive.as_str()).filter(|s| !s.is_empty()),
                    deadline,
                    depth,
                },
                now,
            )
            .await?;
            let item = if kind == "inform" { "inform" } else { "assignment" };
            let people = match who {
                Assignee::Person(u) => vec![u],
                Assignee::Unit(u) => super::results::unit_heads(&mut tx, u).await?,
            };
            for p in people {
                self.deliver(&mut tx, p, d.id, item, "assigned", Some(id), Some(caller.actor.user_id), None, now)
                    .await?;
            }
            labels.push(format!("{} ({})", self.assignee_label(&mut tx, who).await?, kind_label(kind)));
            created.push(id);
        }
        match &parent {
            Some(p) if p.kind == "present" => {
                hdb::close_assignment(&mut tx, p.id, "open", "done", None, None, now).await?;
            }
            Some(p) if input.lead.is_some() => {
                hdb::close_assignment(&mut tx, p.id, "open", "passed", None, None, now).await?;
            }
            _ => {}
        }
        // Presentations to other leaders are settled too once one leader directs.
        for a in assignments.iter().filter(|a| a.kind == "present" && a.status == "open" && parent.is_none()) {
            if a.assignee_user_id == Some(caller.actor.user_id) {
                hdb::close_assignment(&mut tx, a.id, "open", "done", None, None, now).await?;
            }
        }
        hdb::close_items(&mut tx, caller.actor.user_id, d.id, &["present", "assignment"], now).await?;
        if d.status != "in_progress" {
            db::set_status(&mut tx, d.id, "in_progress", d.agency_wide, now).await?;
            // The sender of a document that came through the exchange hears that a leader assigned it (04).
            let description = format!("Đã phân công: {}", labels.join("; "));
            self.queue_status(&mut tx, caller, &d, egov_edxml::StatusCode::Assigned, &description, now).await?;
        }
        let kind = if parent.as_ref().is_some_and(|p| p.kind != "present") { "passed_on" } else { "assigned" };
        let body = Some(directive.as_str()).filter(|s| !s.is_empty());
        event(&mut tx, caller, d.id, kind, Some(&labels.join("; ")), body, input.parent_assignment_id).await?;
        reindex(&mut tx, d.id).await?;
        let detail = serde_json::json!({
            "parent": input.parent_assignment_id, "assignments": created, "deadline": deadline,
        });
        audit_doc(&mut tx, caller, "document.assign", d.id, &detail).await?;
        finish(tx, created).await
    }

    pub(crate) async fn reach(&self, c: &mut Conn, from: &[Holding], who: Assignee) -> AppResult<bool> {
        Ok(match who {
            Assignee::Person(u) => {
                let target = self.holdings(c, u).await?;
                !target.is_empty() && can_pass_to(from, Target::Person(&target))
            }
            Assignee::Unit(u) => {
                let unit = egov_storage::org::get_unit(c, u, &egov_storage::Visibility::All).await?;
                match unit {
                    Some(un) if un.active => {
                        can_pass_to(from, Target::Unit { agency_id: un.agency_id, unit_path: &un.path })
                    }
                    _ => false,
                }
            }
        })
    }

    pub(crate) async fn assignee_label(&self, c: &mut Conn, who: Assignee) -> AppResult<String> {
        Ok(match who {
            Assignee::Person(u) => person_name(c, u).await?,
            Assignee::Unit(u) => egov_storage::org::get_unit(c, u, &egov_storage::Visibility::All)
                .await?
                .map(|u| u.name)
                .unwrap_or_default(),
        })
    }

    /// People and units the caller may give work to (their own part of the organisation).
    pub async fn reachable(&self, caller: &Caller) -> AppResult<Vec<Reachable>> {
        require(caller, Scope::DocumentsRead)?;
        let mut conn = self.store.read().await?;
        let from = self.holdings(&mut conn, caller.actor.user_id).await?;
        let agencies = super::agencies_of(&from);
        let mut out = Vec::new();
        for (id, agency_id, path, name) in hdb::units_of(&mut conn, &agencies).await? {
            if can_pass_to(&from, Target::Unit { agency_id, unit_path: &path }) {
                out.push(Reachable { assignee: Assignee::Unit(id), label: name });
            }
        }
        let by_person = super::group_people(hdb::people_of(&mut conn, &agencies).await?);
        for (id, name, holdings, unit) in by_person {
            if id != caller.actor.user_id && can_pass_to(&from, Target::Person(&holdings)) {
                let position = holdings[0].position.label(egov_domain::Lang::Vi);
                let label = if unit.is_empty() {
                    format!("{name} – {position}")
                } else {
                    format!("{name} – {position}, {unit}")
                };
                out.push(Reachable { assignee: Assignee::Person(id), label });
            }
        }
        Ok(out)
    }

    /// Leaders of an agency a clerk may present to.
    pub async fn leaders_of(&self, caller: &Caller, agency_id: i64) -> AppResult<Vec<(i64, String)>> {
        require(caller, Scope::DocumentsRead)?;
        if !caller.actor.is_clerk_of(agency_id) {
            return Err(AppError::Forbidden);
        }
        let mut conn = self.store.read().await?;
        let mut out: Vec<(i64, String)> = hdb::people_of(&mut conn, &[agency_id])
            .await?
            .into_iter()
            .filter(|p| matches!(p.position.as_str(), "head" | "deputy"))
            .map(|p| {
                (
                    p.user_id,
                    format!(
                        "{} – {}",
                        p.full_name,
                        Position::parse(&p.position).map_or("", |x| x.label(egov_domain::Lang::Vi))
                    ),
                )
            })
            .collect();
        out.dedup_by_key(|(id, _)| *id);
        Ok(out)
    }

    /// Returns an assignment to whoever gave it, with a reason.
    pub async fn return_assignment(&self, caller: &Caller, assignment_id: i64, reason: &str) -> AppResult<()> {
        require(caller, Scope::DocumentsWrite)?;
        let reason = required_text(reason, "reason", "Vui lòng nêu lý do trả lại.", "Give the reason for returning.")?;
        let now = now_ms();
        let mut tx = self.store.begin().await?;
        let (a, d) = self.held_assignment(&mut tx, caller, assignment_id).await?;
        if !hdb::close_assignment(&mut tx, a.id, "open", "returned", Some(&reason), None, now).await? {
            return Err(not_open());
        }
        let back_to = match a.parent_id {
            Some(pid) => {
                hdb::reopen_assignment(&mut tx, pid, now).await?;
                let p = hdb::get_assignment(&mut tx, pid).await?.ok_or(AppError::NotFound)?;
                p.assignee_user_id.unwrap_or(a.assigner_id)
            }
            None => a.assigner_id,
        };
        self.deliver(
            &mut tx,
            back_to,
            d.id,
            "returned",
            "assigned",
            Some(a.id),
            Some(caller.actor.user_id),
            Some(&reason),
            now,
        )
        .await?;
        if a.kind == "present" {
            db::set_status(&mut tx, d.id, "registered", d.agency_wide, now).await?;
        }
        hdb::close_items_by_ref(&mut tx, "assignment", a.id, now).await?;
        hdb::close_items_by_ref(&mut tx, "present", a.id, now).await?;
        let to = person_name(&mut tx, back_to).await?;
        event(&mut tx, caller, d.id, "returned", Some(&to), Some(&reason), Some(a.id)).await?;
        reindex(&mut tx, d.id).await?;
        audit_doc(
            &mut tx,
            caller,
            "document.return",
            d.id,
            &serde_json::json!({ "assignment": a.id, "reason": reason }),
        )
        .await?;
        finish(tx, ()).await
    }

    /// Posts an opinion (ý kiến xử lý) on a document the caller can read.
    pub async fn post_opinion(&self, caller: &Caller, document_id: i64, text: &str) -> AppResult<()> {
        require(caller, Scope::DocumentsWrite)?;
        let text = required_text(text, "opinion", "Vui lòng nhập ý kiến.", "Write the opinion.")?;
        let mut tx = self.store.begin().await?;
        let d = self.visible_document(&mut tx, caller, document_id).await?;
        event(&mut tx, caller, d.id, "opinion", None, Some(&text), None).await?;
        reindex(&mut tx, d.id).await?;
        audit_doc(&mut tx, caller, "document.opinion", d.id, &serde_json::json!({ "length": text.len() })).await?;
        finish(tx, ()).await
    }

    /// Records progress (0–100 %) on an assignment the caller holds.
    pub async fn set_progress(&self, caller: &Caller, assignment_id: i64, percent: i64, note: &str) -> AppResult<()> {
        require(caller, Scope::DocumentsWrite)?;
        if !(0..=100).contains(&percent) {
            return Err(AppError::invalid(
                "progress",
                "progress_invalid",
                "Tiến độ phải từ 0 đến 100%.",
                "Progress must be 0–100%.",
            ));
        }
        let note = normalize(note);
        let now = now_ms();
        let mut tx = self.store.begin().await?;
        let (a, d) = self.held_assignment(&mut tx, caller, assignment_id).await?;
        if !hdb::set_progress(&mut tx, a.id, percent, now).await? {
            return Err(not_open());
        }
        let body = if note.is_empty() { format!("{percent}%") } else { format!("{percent}% – {note}") };
        event(&mut tx, caller, d.id, "progress", None, Some(&body), Some(a.id)).await?;
        if a.parent_id.is_none() && a.kind == "lead" {
            // Progress of the lead handler is what the sender hears (05).
            self.queue_status(&mut tx, caller, &d, egov_edxml::StatusCode::Processing, &body, now).await?;
        }
        audit_doc(
            &mut tx,
            caller,
            "document.progress",
            d.id,
            &serde_json::json!({ "assignment": a.id, "progress": percent }),
        )
        .await?;
        finish(tx, ()).await
    }

    /// An assignment the caller holds, with its document.
    pub(super) async fn held_assignment(
        &self,
        c: &mut Conn,
        caller: &Caller,
        id: i64,
    ) -> AppResult<(AssignmentRow, DocumentRow)> {
        let a = hdb::get_assignment(c, id).await?.ok_or(AppError::NotFound)?;
        let d = self.visible_document(c, caller, a.document_id).await?;
        let holdings = self.holdings(c, caller.actor.user_id).await?;
        if !holds_assignment(&a, caller.actor.user_id, &holdings) {
            return Err(AppError::NotFound);
        }
        Ok((a, d))
    }
}

pub(super) fn not_open() -> AppError {
    conflict(
        "assignment",
        "not_open",
        "Phần việc này đã được chuyển, trả lại hoặc hoàn thành.",
        "This assignment was already passed on, returned or finished.",
    )
}

fn kind_label(kind: &str) -> &'static str {
    match kind {
        "lead" => "chủ trì",
        "cooperate" => "phối hợp",
        "inform" => "để biết",
        _ => "trình",
    }
}

pub(crate) async fn person_name(c: &mut Conn, user_id: i64) -> AppResult<String> {
    Ok(egov_storage::accounts::full_name(c, user_id).await?.unwrap_or_default())
}
