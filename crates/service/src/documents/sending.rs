//! Free internal sending: anyone sends a note, files or a document they can read to
//! colleagues or units, with a message; recipients find it in their inbox at once.

use egov_domain::document::Secrecy;
use egov_domain::text::normalize_multiline;
use egov_storage::documents as db;
use egov_storage::handling::{self as hdb, NewInboxItem};

use super::{audit_doc, event, finish, require, Upload};
use crate::audit::{record, Who, NONE};
use crate::{now_ms, AppError, AppResult, Caller, Check, Scope, Services};
use egov_domain::FieldError;

/// What a person sends.
#[derive(Clone, Debug, Default)]
pub struct SendInput<'a> {
    pub users: Vec<i64>,
    pub units: Vec<i64>,
    pub body: &'a str,
    pub document_id: Option<i64>,
}

/// A deadline window of the inbox.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Due {
    /// Deadline before today.
    Overdue,
    /// Deadline today or in the six days after.
    ThisWeek,
}

impl Due {
    /// Parses `overdue` or `week`.
    pub fn parse(s: &str) -> Option<Due> {
        match s {
            "overdue" => Some(Due::Overdue),
            "week" => Some(Due::ThisWeek),
            _ => None,
        }
    }

    /// The `[from, to)` ISO dates of the window.
    fn window(self) -> (String, String) {
        let today = super::today();
        match self {
            Due::Overdue => ("0000-01-01".into(), today.to_string()),
            Due::ThisWeek => (today.to_string(), today.saturating_add(jiff::Span::new().days(7)).to_string()),
        }
    }
}

impl Services {
    /// Sends a message (with files and/or a document) to people and units of the caller's
    /// agencies; returns the message id. Secret documents cannot be sent this way.
    pub async fn send_message(&self, caller: &Caller, input: &SendInput<'_>, uploads: Vec<Upload>) -> AppResult<i64> {
        require(caller, Scope::DocumentsWrite)?;
        let body = normalize_multiline(input.body);
        let mut check = Check::new();
        if body.is_empty() {
            check.push(FieldError::new("body", "required", "Vui lòng nhập nội dung.", "Write a message."));
        }
        if body.chars().count() > 10_000 {
            check.push(FieldError::new(
                "body",
                "too_long",
                "Nội dung dài quá 10000 ký tự.",
                "The message is over 10000 characters.",
            ));
        }
        if input.users.is_empty() && input.units.is_empty() {
            check.push(FieldError::new(
                "recipients",
                "required",
                "Vui lòng chọn người nhận.",
                "Choose the recipients.",
            ));
        }
        check.finish()?;
        let files = self.intake(uploads, "files").await?;
        let now = now_ms();
        let mut tx = self.store.begin().await?;
        let mine = self.holdings(&mut tx, caller.actor.user_id).await?;
        let my_agencies: Vec<i64> = mine.iter().map(|h| h.agency_id).collect();
        if let Some(doc) = input.document_id {
            let d = self.visible_document(&mut tx, caller, doc).await?;
            if Secrecy::parse(&d.secrecy).is_some_and(Secrecy::is_secret) {
                return Err(AppError::invalid(
                    "document_id",
                    "secret_not_sendable",
                    "Văn bản mật chỉ được giao cho người có thẩm quyền, không gửi tự do.",
                    "Secret documents are given to named people only, never sent freely.",
                ));
            }
        }
        let mut recipients: Vec<i64> = Vec::new();
        for u in &input.users {
            let h = self.holdings(&mut tx, *u).await?;
            if !h.iter().any(|h| my_agencies.contains(&h.agency_id)) {
                return Err(AppError::field(super::out_of_reach("recipients")));
            }
            recipients.push(*u);
        }
        for unit in &input.units {
            let un = egov_storage::org::get_unit(&mut tx, *unit, &egov_storage::Visibility::All).await?;
            if !un.is_some_and(|un| my_agencies.contains(&un.agency_id)) {
                return Err(AppError::field(super::out_of_reach("recipients")));
            }
            recipients.extend(hdb::unit_members(&mut tx, *unit, &[]).await?.into_iter().map(|(id, _)| id));
        }
        recipients.sort_unstable();
        recipients.dedup();
        recipients.retain(|u| *u != caller.actor.user_id);
        let message = hdb::insert_message(&mut tx, caller.actor.user_id, &body, input.document_id, now).await?;
        for f in &files {
            let file_id = db::insert_file(
                &mut tx,
                &db::NewFile {
                    sha256: &f.inspected.sha256,
                    size: f.inspected.size as i64,
                    media_type: f.inspected.media_type,
                    file_name: &f.name,
                    page_count: f.inspected.page_count.map(i64::from),
                    text_folded: f.text_folded.as_deref(),
                    uploaded_by: caller.actor.user_id,
                },
                now,
            )
            .await?;
            hdb::attach_message_file(&mut tx, message, file_id).await?;
        }
        for r in &recipients {
            if let Some(doc) = input.document_id {
                db::grant_access(&mut tx, doc, *r, "sent", Some(caller.actor.user_id), now).await?;
            }
            let item = hdb::insert_inbox_item(
                &mut tx,
                &NewInboxItem {
                    user_id: *r,
                    kind: "message",
                    document_id: input.document_id,
                    message_id: Some(message),
                    ref_id: None,
                    from_user_id: Some(caller.actor.user_id),
                    note: None,
                    task_id: None,
                },
                now,
            )
            .await?;
            let notice = crate::notify::NewItemNotice {
                user_id: *r,
                kind: "message",
                document_id: input.document_id,
                inbox_item_id: Some(item),
                actor_id: Some(caller.actor.user_id),
                task_id: None,
                schedule_entry_id: None,
            };
            crate::notify::notify_item(&mut tx, self.store.engine(), &notice, self.outside_channels(), now).await?;
        }
        match input.document_id {
            Some(doc) => {
                let mut names = Vec::new();
                for r in &recipients {
                    names.push(super::handling::person_name(&mut tx, *r).await?);
                }
                event(&mut tx, caller, doc, "sent", Some(&names.join(", ")), Some(&body), None).await?;
                super::reindex(&mut tx, doc).await?;
                audit_doc(
                    &mut tx,
                    caller,
                    "document.send",
                    doc,
                    &serde_json::json!({ "message": message, "to": recipients }),
                )
                .await?;
            }
            None => {
                let detail = serde_json::json!({ "to": recipients, "files": files.len() });
                record(
                    &mut tx,
                    &Who::caller(caller),
                    "message.send",
                    "message",
                    Some(message.to_string()),
                    NONE,
                    Some(&detail),
                )
                .await?;
            }
        }
        finish(tx, message).await
    }

    /// A person's inbox (open items, or finished ones), newest first.
    pub async fn inbox(
        &self,
        caller: &Caller,
        done: bool,
        before_id: Option<i64>,
        limit: u32,
    ) -> AppResult<Vec<hdb::InboxRow>> {
        require(caller, Scope::DocumentsRead)?;
        let mut conn = self.store.read().await?;
        Ok(hdb::inbox(&mut conn, self.store.engine(), caller.actor.user_id, done, before_id, limit.clamp(1, 200), None)
            .await?)
    }

    /// The caller's open items about documents due in a window: overdue (before today) or due
    /// this week (today and the six days after), newest first.
    pub async fn inbox_due(
        &self,
        caller: &Caller,
        due: Due,
        before_id: Option<i64>,
        limit: u32,
    ) -> AppResult<Vec<hdb::InboxRow>> {
        require(caller, Scope::DocumentsRead)?;
        let (from, to) = due.window();
        let mut conn = self.store.read().await?;
        let rows = hdb::inbox(
            &mut conn,
            self.store.engine(),
            caller.actor.user_id,
            false,
            before_id,
            limit.clamp(1, 200),
            Some((&from, &to)),
        )
        .await?;
        Ok(rows)
    }

    /// How many open items of the caller are overdue, or due this week (capped at 1000).
    pub async fn inbox_due_count(&self, caller: &Caller, due: Due) -> AppResult<i64> {
        require(caller, Scope::DocumentsRead)?;
        let (from, to) = due.window();
        let mut conn = self.store.read().await?;
        Ok(hdb::open_due_count(&mut conn, caller.actor.user_id, &from, &to, 1000).await?)
    }

    /// Number of open items in the caller's inbox (capped at 1000).
    pub async fn inbox_count(&self, caller: &Caller) -> AppResult<i64> {
        require(caller, Scope::DocumentsRead)?;
        let mut conn = self.store.read().await?;
        Ok(hdb::open_count(&mut conn, caller.actor.user_id, 1000).await?)
    }

    /// Marks an inbox item read or done (for messages and "for information" items).
    pub async fn mark_inbox_item(&self, caller: &Caller, id: i64, done: bool) -> AppResult<()> {
        require(caller, Scope::DocumentsWrite)?;
        let mut tx = self.store.begin().await?;
        if !hdb::mark_item(&mut tx, caller.actor.user_id, id, done, now_ms()).await? {
            return Err(AppError::NotFound);
        }
        finish(tx, ()).await
    }

    /// Files of a message the caller sent or received: (file id, name, size).
    pub async fn message_files(&self, caller: &Caller, message_id: i64) -> AppResult<Vec<(i64, String, i64)>> {
        require(caller, Scope::DocumentsRead)?;
        let mut conn = self.store.read().await?;
        let files = hdb::message_files(&mut conn, message_id).await?;
        // Only files the caller may download (sent to or by them).
        let scope = caller.actor.document_scope();
        let mut out = Vec::new();
        for f in files {
            if db::file_for(&mut conn, f.0, &scope).await?.is_some() {
                out.push(f);
            }
        }
        Ok(out)
    }
}
