//! Work: tasks given without a document or derived from one (`tasks`), recurring tasks made
//! from RRULEs (`series`).

pub mod feeds;
pub mod reports;
pub mod schedules;
pub mod series;
pub mod stats;
pub mod tasks;

use egov_domain::notification::EventKind;
use egov_storage::handling::{self as hdb, NewInboxItem};
use egov_storage::Tx;

use crate::notify::{notify_item, NewItemNotice};
use crate::{AppError, AppResult, Caller, Scope, Services};

pub(crate) fn require(caller: &Caller, scope: Scope) -> AppResult<()> {
    if caller.actor.allows(scope) {
        Ok(())
    } else {
        Err(AppError::Forbidden)
    }
}

impl Services {
    /// Puts a task item in someone's inbox with its notification (`task`, `task_returned`,
    /// `task_submitted`).
    #[allow(clippy::too_many_arguments)]
    pub(crate) async fn deliver_task(
        &self,
        tx: &mut Tx,
        user_id: i64,
        task_id: i64,
        kind: &str,
        from: Option<i64>,
        note: Option<&str>,
        now: i64,
    ) -> AppResult<()> {
        let item = hdb::insert_inbox_item(
            tx,
            &NewInboxItem {
                user_id,
                kind,
                document_id: None,
                message_id: None,
                ref_id: Some(task_id),
                from_user_id: from,
                note,
                task_id: Some(task_id),
            },
            now,
        )
        .await?;
        let notice = NewItemNotice {
            user_id,
            kind,
            document_id: None,
            inbox_item_id: Some(item),
            actor_id: from,
            task_id: Some(task_id),
            schedule_entry_id: None,
        };
        notify_item(tx, self.store.engine(), &notice, self.outside_channels(), now).await?;
        Ok(())
    }

    /// Tells someone about a task without asking anything of them (their result was accepted).
    pub(crate) async fn tell_task(
        &self,
        tx: &mut Tx,
        user_id: i64,
        task_id: i64,
        kind: EventKind,
        from: Option<i64>,
        now: i64,
    ) -> AppResult<()> {
        let notice = NewItemNotice {
            user_id,
            kind: kind.as_str(),
            document_id: None,
            inbox_item_id: None,
            actor_id: from,
            task_id: Some(task_id),
            schedule_entry_id: None,
        };
        notify_item(tx, self.store.engine(), &notice, self.outside_channels(), now).await?;
        Ok(())
    }
}
