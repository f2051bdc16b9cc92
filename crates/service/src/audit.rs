//! Writing audit entries (inside the caller's transaction), reading them, verifying the chain.

use egov_domain::audit::{verify_chain, AuditRecord, ChainBreak, StoredEntry};
use egov_storage::audit::AuditFilter;
use egov_storage::Conn;
use serde::Serialize;

use crate::{now_ms, AppError, AppResult, Caller, Services};

/// Who an audit entry is attributed to.
#[derive(Clone, Debug)]
pub struct Who {
    pub user_id: Option<i64>,
    pub label: String,
    pub ip: Option<String>,
}

impl Who {
    /// A signed-in caller.
    pub fn caller(c: &Caller) -> Who {
        let user_id = Some(c.actor.user_id).filter(|id| *id > 0);
        Who { user_id, label: c.actor.username.clone(), ip: c.ip.clone() }
    }

    /// The command line or the system itself (`cli`, `demo`, `worker`).
    pub fn system(label: &str) -> Who {
        Who { user_id: None, label: label.to_string(), ip: None }
    }
}

/// Appends one entry in the transaction `c`. `before`/`after` are stored as JSON.
pub async fn record(
    c: &mut Conn,
    who: &Who,
    action: &str,
    object_type: &str,
    object_id: Option<String>,
    before: Option<&impl Serialize>,
    after: Option<&impl Serialize>,
) -> AppResult<()> {
    let rec = AuditRecord {
        seq: 0,
        at_ms: now_ms(),
        actor_user_id: who.user_id,
        actor: who.label.clone(),
        ip: who.ip.clone(),
        action: action.to_string(),
        object_type: object_type.to_string(),
        object_id,
        before: to_json(before)?,
        after: to_json(after)?,
    };
    egov_storage::audit::append(c, rec).await?;
    Ok(())
}

fn to_json<T: Serialize>(v: Option<&T>) -> AppResult<Option<String>> {
    v.map(serde_json::to_string).transpose().map_err(AppError::internal)
}

/// No before/after payload.
pub const NONE: Option<&()> = None;

/// Outcome of verifying the chain.
#[derive(Debug)]
pub enum Verdict {
    /// Every entry checked out.
    Intact { entries: u64 },
    /// The first break found.
    Broken(ChainBreak),
}

impl Services {
    /// Reads the trail, newest first (system administrators only).
    pub async fn audit_entries(&self, caller: &Caller, filter: &AuditFilter<'_>) -> AppResult<Vec<StoredEntry>> {
        if !caller.actor.can_read_audit() {
            return Err(AppError::Forbidden);
        }
        let mut c = self.store.read().await?;
        Ok(egov_storage::audit::list(&mut c, filter).await?)
    }

    /// Re-computes every hash in storage order and compares with the recorded head.
    pub async fn verify_audit(&self) -> AppResult<Verdict> {
        let mut c = self.store.read().await?;
        let head = egov_storage::audit::head(&mut c).await?;
        let mut entries = Vec::new();
        let mut after = 0;
        loop {
            let chunk = egov_storage::audit::chunk(&mut c, after, 10_000).await?;
            let Some((last, _)) = chunk.last() else { break };
            after = *last;
            entries.extend(chunk.into_iter().map(|(_, e)| e));
        }
        Ok(match verify_chain(entries.iter(), Some((head.0, head.1.as_str()))) {
            Ok(n) => Verdict::Intact { entries: n },
            Err(b) => Verdict::Broken(b),
        })
    }
}
