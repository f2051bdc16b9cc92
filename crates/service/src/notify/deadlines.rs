//! Deadline alerts (Decree 30, Appendix VI: deadline tracking): once per open item that asks for
//! action, a `due_tomorrow` notification when its deadline is the next working day (on a Friday
//! that covers the weekend and Monday), and an `overdue` one the day after its deadline passed.
//! Every `egov serve` sweeps every few minutes; a unique index makes each alert happen once
//! however many sweep at the same moment.

use std::time::Duration;

use egov_domain::notification::EventKind;
use egov_storage::handling as hdb;

use super::{notify_item, NewItemNotice};
use crate::documents::today;
use crate::{now_ms, AppError, AppResult, Services};

/// How often a process sweeps.
const EVERY: Duration = Duration::from_secs(600);
/// Alerts written per kind per sweep (the next sweep takes the rest).
const BATCH: i64 = 500;

/// What one sweep wrote.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct Swept {
    pub due_tomorrow: usize,
    pub overdue: usize,
}

impl Services {
    /// Sweeps for deadline alerts for ever (`egov serve`).
    pub async fn run_deadline_sweeper(self) {
        loop {
            match self.sweep_series(today()).await {
                Ok(0) => {}
                Ok(n) => tracing::info!(made = n, "recurring tasks"),
                Err(e) => tracing::warn!(error = %e, "recurring task sweep failed"),
            }
            match self.sweep_deadlines().await {
                Ok(s) if s != Swept::default() => tracing::info!(?s, "deadline alerts"),
                Ok(_) => {}
                Err(e) => tracing::warn!(error = %e, "deadline sweep failed"),
            }
            tokio::time::sleep(EVERY).await;
        }
    }

    /// Writes the deadline alerts due now (tests call this directly).
    pub async fn sweep_deadlines(&self) -> AppResult<Swept> {
        let today = today();
        let next_working = self.calendar().add_working_days(today, 1);
        let after = |d: jiff::civil::Date| d.tomorrow().map(|d| d.to_string()).map_err(AppError::internal);
        // Due soon: after today, up to and including the next working day.
        let due_tomorrow = self.alert(EventKind::DueTomorrow, &after(today)?, &after(next_working)?).await?;
        // Overdue: the deadline is before today (`documents::is_overdue`).
        let overdue = self.alert(EventKind::Overdue, "0000-01-01", &today.to_string()).await?;
        Ok(Swept { due_tomorrow, overdue })
    }

    /// Writes a `kind` alert for every open item due in `[from, to)` that has none yet.
    async fn alert(&self, kind: EventKind, from: &str, to: &str) -> AppResult<usize> {
        let due = {
            let mut c = self.store.read().await?;
            hdb::alerts_due(&mut c, kind.as_str(), from, to, BATCH).await?
        };
        let mut written = 0;
        for (item, user_id, document_id, task_id) in due {
            let mut tx = self.store.begin().await?;
            let notice = NewItemNotice {
                user_id,
                kind: kind.as_str(),
                document_id,
                inbox_item_id: Some(item),
                actor_id: None,
                task_id,
                schedule_entry_id: None,
            };
            match notify_item(&mut tx, self.store.engine(), &notice, self.outside_channels(), now_ms()).await {
                Ok(_) => {
                    tx.commit().await?;
                    written += 1;
                }
                // Another process wrote this alert first.
                Err(AppError::Conflict(_)) => drop(tx),
                Err(e) => return Err(e),
            }
        }
        if written > 0 {
            self.delivery_wake.notify_one();
        }
        Ok(written)
    }
}
