//! Writing audit entries (inside the caller's transaction), reading them, verifying the chain
//! (streamed, against the recorded head and the latest signed checkpoint).

pub mod checkpoint;

use egov_domain::audit::{AuditRecord, BreakKind, ChainBreak, ChainVerifier, StoredEntry};
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

/// Keys the audit detail of a document (or its file, or a case file) may carry: identifiers,
/// numbers, counts, codes and states. Never its subject, title, file names, reasons or
/// messages: the audit reader (a system administrator) may have no right to see the document,
/// secret ones above all, and chained entries cannot be redacted later. The content of each
/// step stays on the document's own timeline, behind its access rules.
const DOCUMENT_DETAIL_KEYS: &[&str] = &[
    "addressees",
    "answer",
    "approvers",
    "arrival_number",
    "assignment",
    "assignments",
    "book_id",
    "bytes",
    "code",
    "deadline",
    "decision",
    "delivered",
    "document_id",
    "failures",
    "file_id",
    "files",
    "from",
    "leaders",
    "length",
    "message",
    "number",
    "number_notation",
    "parent",
    "progress",
    "queued",
    "recipient",
    "recipient_status",
    "result_document_id",
    "reviewers",
    "secrecy",
    "state",
    "status",
    "step",
    "to",
    "version",
];

/// Object types whose audit details follow [`DOCUMENT_DETAIL_KEYS`].
const DOCUMENT_OBJECTS: &[&str] = &["document", "file", "case_file"];

/// `detail` with only the keys a document's audit entry may carry (see [`DOCUMENT_DETAIL_KEYS`]).
pub(crate) fn document_detail(detail: &serde_json::Value) -> serde_json::Value {
    match detail {
        serde_json::Value::Object(map) => serde_json::Value::Object(
            map.iter()
                .filter(|(k, _)| DOCUMENT_DETAIL_KEYS.contains(&k.as_str()))
                .map(|(k, v)| (k.clone(), v.clone()))
                .collect(),
        ),
        _ => serde_json::Value::Null,
    }
}

/// The stored JSON `text` of a document entry with only the allowed keys (entries written
/// before the rule may hold more; they are shown redacted, the chain is left as it is).
fn redact_stored(text: Option<String>) -> Option<String> {
    let value: serde_json::Value = serde_json::from_str(text.as_deref()?).ok()?;
    serde_json::to_string(&document_detail(&value)).ok()
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
        let mut entries = egov_storage::audit::list(&mut c, filter).await?;
        for e in &mut entries {
            if DOCUMENT_OBJECTS.contains(&e.record.object_type.as_str()) {
                e.record.before = redact_stored(e.record.before.take());
                e.record.after = redact_stored(e.record.after.take());
            }
        }
        Ok(entries)
    }

    /// Re-computes every hash in storage order, a chunk at a time (constant memory however
    /// long the chain), and compares the end with the recorded head and the chain with the
    /// latest signed checkpoint (see [`checkpoint`]).
    pub async fn verify_audit(&self) -> AppResult<Verdict> {
        let dir = self.settings.pki_dir.clone();
        // The latest checkpoint and whether its signature verifies; `Err` for a file that was
        // removed while its key stayed.
        let cp = tokio::task::spawn_blocking(
            move || -> AppResult<Result<Option<(checkpoint::Checkpoint, bool)>, BreakKind>> {
                Ok(match checkpoint::latest(&dir)? {
                    Some(cp) => {
                        let valid = checkpoint::signature_valid(&dir, &cp)?;
                        Ok(Some((cp, valid)))
                    }
                    None if checkpoint::key_exists(&dir) => Err(BreakKind::CheckpointMissing),
                    None => Ok(None),
                })
            },
        )
        .await
        .map_err(AppError::internal)??;
        let cp = match cp {
            Ok(cp) => cp,
            Err(kind) => return Ok(Verdict::Broken(ChainBreak { seq: 0, kind })),
        };
        if let Some((_, false)) = &cp {
            return Ok(Verdict::Broken(ChainBreak { seq: 0, kind: BreakKind::CheckpointSignature }));
        }
        let cp = cp.map(|(cp, _)| cp);
        let mut c = self.store.read().await?;
        let head = egov_storage::audit::head(&mut c).await?;
        let mut verifier = ChainVerifier::new();
        let mut checkpoint_seen = false;
        let mut after = 0;
        loop {
            let chunk = egov_storage::audit::chunk(&mut c, after, 10_000).await?;
            let Some((last, _)) = chunk.last() else { break };
            let last = *last;
            for (id, e) in &chunk {
                if let Err(mut brk) = verifier.push(e) {
                    if let BreakKind::Missing { expected_seq } = brk.kind {
                        if egov_storage::audit::seq_stored_after(&mut c, expected_seq, *id).await? {
                            brk.kind = BreakKind::Reordered;
                        }
                    }
                    return Ok(Verdict::Broken(brk));
                }
                if let Some(cp) = cp.as_ref().filter(|cp| cp.seq == e.record.seq) {
                    if cp.hash != e.hash {
                        let kind = BreakKind::Checkpoint { checkpoint_seq: cp.seq };
                        return Ok(Verdict::Broken(ChainBreak { seq: e.record.seq, kind }));
                    }
                    checkpoint_seen = true;
                }
            }
            after = last;
        }
        let next = verifier.expected_seq();
        if let Some(cp) = cp.filter(|cp| cp.seq > 0 && !checkpoint_seen) {
            let kind = BreakKind::Checkpoint { checkpoint_seq: cp.seq };
            return Ok(Verdict::Broken(ChainBreak { seq: next, kind }));
        }
        Ok(match verifier.finish(Some((head.0, head.1.as_str()))) {
            Ok(n) => Verdict::Intact { entries: n },
            Err(b) => Verdict::Broken(b),
        })
    }
}
