//! The tamper-evident audit log: hashing of entries into a chain and verification of a stored chain.

use std::fmt;

use sha2::{Digest, Sha256};

/// One audit log entry as recorded.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct AuditRecord {
    /// Position in the chain, 1 for the first entry, no gaps.
    pub seq: i64,
    /// Time of the action, milliseconds since the Unix epoch (UTC).
    pub at_ms: i64,
    /// The acting user's id, if a user acted.
    pub actor_user_id: Option<i64>,
    /// Who acted, as shown (username, or `"system"`, a hub name …).
    pub actor: String,
    /// Client IP address, if known.
    pub ip: Option<String>,
    /// What was done, e.g. `"incoming.register"`.
    pub action: String,
    /// Kind of object acted on, e.g. `"incoming_document"`.
    pub object_type: String,
    /// Id of the object acted on.
    pub object_id: Option<String>,
    /// State before the change (usually JSON).
    pub before: Option<String>,
    /// State after the change (usually JSON).
    pub after: Option<String>,
}

/// The `prev_hash` of the first entry: 64 `'0'` characters.
pub const GENESIS_HASH: &str = "0000000000000000000000000000000000000000000000000000000000000000";

/// Version tag hashed first; a new encoding must use a new tag.
const VERSION_TAG: &[u8] = b"egov-audit-chain/v1";

fn put_bytes(buf: &mut Vec<u8>, bytes: &[u8]) {
    buf.extend_from_slice(&(bytes.len() as u64).to_be_bytes());
    buf.extend_from_slice(bytes);
}

fn put_i64(buf: &mut Vec<u8>, v: i64) {
    buf.extend_from_slice(&v.to_be_bytes());
}

fn put_opt_str(buf: &mut Vec<u8>, v: Option<&str>) {
    match v {
        None => buf.push(0),
        Some(s) => {
            buf.push(1);
            put_bytes(buf, s.as_bytes());
        }
    }
}

/// The hash of an entry: lowercase hex SHA-256 of the encoding below. **This is a forever
/// format**: stored chains are verified with it, so it must never change; a new encoding needs
/// a new version tag and code that keeps verifying v1.
///
/// Encoding, concatenated in this order (`u64be(n)` = 8-byte big-endian unsigned length):
///
/// 1. `u64be(19)` then the ASCII bytes `egov-audit-chain/v1`;
/// 2. `prev_hash`: `u64be(len)` then its UTF-8 bytes (as stored, normally 64 lowercase hex);
/// 3. `seq`, then 4. `at_ms`: each 8 bytes, big-endian two's complement;
/// 5. `actor_user_id`: byte `0x00` for `None`, or byte `0x01` then 8 bytes big-endian;
/// 6. `actor`: `u64be(len)` then UTF-8 bytes;
/// 7. `ip`: `0x00` for `None`, or `0x01`, `u64be(len)`, UTF-8 bytes;
/// 8. `action`, 9. `object_type`: `u64be(len)` then UTF-8 bytes;
/// 10. `object_id`, 11. `before`, 12. `after`: optional strings encoded like `ip`.
///
/// Strings are hashed byte for byte (no normalisation here; normalise before storing).
/// `None` and `Some("")` therefore hash differently, and no two records share an encoding.
pub fn chain_hash(prev_hash: &str, rec: &AuditRecord) -> String {
    let mut buf = Vec::with_capacity(256);
    put_bytes(&mut buf, VERSION_TAG);
    put_bytes(&mut buf, prev_hash.as_bytes());
    put_i64(&mut buf, rec.seq);
    put_i64(&mut buf, rec.at_ms);
    match rec.actor_user_id {
        None => buf.push(0),
        Some(id) => {
            buf.push(1);
            put_i64(&mut buf, id);
        }
    }
    put_bytes(&mut buf, rec.actor.as_bytes());
    put_opt_str(&mut buf, rec.ip.as_deref());
    put_bytes(&mut buf, rec.action.as_bytes());
    put_bytes(&mut buf, rec.object_type.as_bytes());
    put_opt_str(&mut buf, rec.object_id.as_deref());
    put_opt_str(&mut buf, rec.before.as_deref());
    put_opt_str(&mut buf, rec.after.as_deref());
    hex::encode(Sha256::digest(&buf))
}

/// An entry as read back from storage: the record with the hashes stored alongside it.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct StoredEntry {
    /// The recorded content.
    pub record: AuditRecord,
    /// The hash of the previous entry as stored with this one ([`GENESIS_HASH`] for seq 1).
    pub prev_hash: String,
    /// This entry's stored hash, `chain_hash(prev_hash, record)` when intact.
    pub hash: String,
}

impl StoredEntry {
    /// Seals a record after the given previous hash (what the writer stores).
    pub fn seal(record: AuditRecord, prev_hash: &str) -> StoredEntry {
        let hash = chain_hash(prev_hash, &record);
        StoredEntry { record, prev_hash: prev_hash.to_owned(), hash }
    }
}

/// What is wrong at the point where verification stopped.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum BreakKind {
    /// The entry's stored hash does not match its content: it was edited.
    Edited,
    /// Entries from `expected_seq` up to the found one (exclusive) are missing.
    Missing {
        /// The seq that should have come next.
        expected_seq: i64,
    },
    /// The entry's seq is not greater than its predecessor's, and it is not a gap: entries were
    /// reordered or duplicated.
    Reordered,
    /// The entry's `prev_hash` is not the previous entry's hash: entries were replaced, rewritten
    /// or moved.
    LinkBroken,
    /// Entries after the last stored one were removed; the separately recorded head is `head_seq`.
    TailTruncated {
        /// The last seq according to the recorded head.
        head_seq: i64,
    },
    /// The last entry does not match the separately recorded head (same or smaller head seq but
    /// a different hash, or entries beyond the head): the chain was rewritten or extended behind
    /// the head's back.
    HeadMismatch {
        /// The last seq according to the recorded head.
        head_seq: i64,
    },
    /// The chain does not hold the entry a signed checkpoint recorded (removed, or rewritten
    /// with the head rolled back): the database was changed behind the writer's back.
    Checkpoint {
        /// The seq the latest checkpoint recorded.
        checkpoint_seq: i64,
    },
    /// The latest checkpoint's signature does not verify: the checkpoint file was tampered with.
    CheckpointSignature,
    /// The checkpoint key is there but the checkpoint file is gone or empty: checkpoints were
    /// written (the key is made with the first) and have been removed.
    CheckpointMissing,
}

/// The first problem found in a chain: where (`seq`) and what (`kind`).
///
/// For [`BreakKind::TailTruncated`] `seq` is the first missing seq.
#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
pub struct ChainBreak {
    /// The seq of the offending entry.
    pub seq: i64,
    /// What is wrong.
    pub kind: BreakKind,
}

impl fmt::Display for ChainBreak {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let seq = self.seq;
        match self.kind {
            BreakKind::Edited => write!(
                f,
                "entry {seq} was edited (its hash does not match its content)"
            ),
            BreakKind::Missing { expected_seq } if expected_seq + 1 == seq => write!(
                f,
                "entry {expected_seq} is missing (entry {seq} follows entry {})",
                expected_seq - 1
            ),
            BreakKind::Missing { expected_seq } => write!(
                f,
                "entries {expected_seq} to {} are missing (entry {seq} follows entry {})",
                seq - 1,
                expected_seq - 1
            ),
            BreakKind::Reordered => write!(
                f,
                "entry {seq} is out of order or duplicated"
            ),
            BreakKind::LinkBroken => write!(
                f,
                "entry {seq} does not link to the entry before it (its prev_hash does not match)"
            ),
            BreakKind::TailTruncated { head_seq } if head_seq == seq => write!(
                f,
                "entry {seq} was removed from the end (the recorded head is entry {head_seq})"
            ),
            BreakKind::TailTruncated { head_seq } => write!(
                f,
                "entries {seq} to {head_seq} were removed from the end (the recorded head is entry {head_seq})"
            ),
            BreakKind::Checkpoint { checkpoint_seq } => write!(
                f,
                "entry {seq} does not match the signed checkpoint of entry {checkpoint_seq}: entries were removed or rewritten after it was taken"
            ),
            BreakKind::CheckpointSignature => write!(
                f,
                "the latest audit checkpoint's signature does not verify (the checkpoint file was changed)"
            ),
            BreakKind::CheckpointMissing => write!(
                f,
                "the audit checkpoint file is missing or empty although its key exists: checkpoints were removed"
            ),
            BreakKind::HeadMismatch { head_seq } => write!(
                f,
                "entry {seq} does not match the recorded head (entry {head_seq}): the chain was rewritten or the head is stale"
            ),
        }
    }
}

/// Verifies a stored chain, in storage order, and returns how many entries were verified.
///
/// For each entry, in order: its seq must be the previous seq + 1, starting at 1 (a jump is
/// [`BreakKind::Missing`], unless the skipped seq appears later, which is
/// [`BreakKind::Reordered`]; a repeat or decrease is `Reordered`); its `prev_hash` must equal the
/// previous entry's hash ([`GENESIS_HASH`] first), else [`BreakKind::LinkBroken`]; its hash must
/// equal [`chain_hash`]`(prev_hash, record)`, else [`BreakKind::Edited`]. Finally, when `head`
/// (`last_seq`, `last_hash`, recorded separately) is given, the last entry must be that one
/// ([`BreakKind::TailTruncated`] if entries are missing at the end, [`BreakKind::HeadMismatch`]
/// if the last entry's seq is beyond the head or its hash differs). An empty chain matches the
/// head `(0, GENESIS_HASH)`. Stops at the first problem.
pub fn verify_chain<'a>(
    entries: impl IntoIterator<Item = &'a StoredEntry>,
    head: Option<(i64, &str)>,
) -> Result<u64, ChainBreak> {
    let entries: Vec<&StoredEntry> = entries.into_iter().collect();
    let mut verifier = ChainVerifier::new();
    for (i, e) in entries.iter().enumerate() {
        if let Err(mut brk) = verifier.push(e) {
            if let BreakKind::Missing { expected_seq } = brk.kind {
                if entries[i + 1..].iter().any(|later| later.record.seq == expected_seq) {
                    brk.kind = BreakKind::Reordered;
                }
            }
            return Err(brk);
        }
    }
    verifier.finish(head)
}

/// Verifies a chain one entry at a time, in storage order, holding only the last hash: what
/// [`verify_chain`] does, in constant memory, for chains too long to load at once.
///
/// A jump forward is reported as [`BreakKind::Missing`]; a caller that can look ahead (storage
/// can: is the skipped seq stored later?) turns it into [`BreakKind::Reordered`] as
/// [`verify_chain`] does.
#[derive(Clone, Debug)]
pub struct ChainVerifier {
    expected_seq: i64,
    prev_hash: String,
    count: u64,
}

impl Default for ChainVerifier {
    fn default() -> Self {
        ChainVerifier::new()
    }
}

impl ChainVerifier {
    /// A verifier expecting seq 1 after [`GENESIS_HASH`].
    pub fn new() -> ChainVerifier {
        ChainVerifier { expected_seq: 1, prev_hash: GENESIS_HASH.to_owned(), count: 0 }
    }

    /// Checks the next entry: its seq, its link to the previous one, its own hash.
    pub fn push(&mut self, e: &StoredEntry) -> Result<(), ChainBreak> {
        let seq = e.record.seq;
        let fail = |kind| Err(ChainBreak { seq, kind });
        if seq != self.expected_seq {
            return if seq > self.expected_seq {
                fail(BreakKind::Missing { expected_seq: self.expected_seq })
            } else {
                fail(BreakKind::Reordered)
            };
        }
        if e.prev_hash != self.prev_hash {
            return fail(BreakKind::LinkBroken);
        }
        if chain_hash(&e.prev_hash, &e.record) != e.hash {
            return fail(BreakKind::Edited);
        }
        self.prev_hash.clone_from(&e.hash);
        self.expected_seq = seq + 1;
        self.count += 1;
        Ok(())
    }

    /// The seq the next entry must have.
    pub fn expected_seq(&self) -> i64 {
        self.expected_seq
    }

    /// Ends the chain: compares its last entry with the recorded `head` (when given) and
    /// returns how many entries were verified.
    pub fn finish(self, head: Option<(i64, &str)>) -> Result<u64, ChainBreak> {
        if let Some((head_seq, head_hash)) = head {
            let last_seq = self.expected_seq - 1;
            if head_seq > last_seq {
                return Err(ChainBreak { seq: self.expected_seq, kind: BreakKind::TailTruncated { head_seq } });
            }
            if head_seq < last_seq || head_hash != self.prev_hash {
                return Err(ChainBreak { seq: last_seq, kind: BreakKind::HeadMismatch { head_seq } });
            }
        }
        Ok(self.count)
    }
}

#[cfg(test)]
#[allow(clippy::unwrap_used)]
mod tests {
    use super::*;
    use crate::testutil::Rng;

    fn record(seq: i64) -> AuditRecord {
        AuditRecord {
            seq,
            at_ms: 1_735_689_600_000 + seq * 1000,
            actor_user_id: (seq % 3 != 0).then_some(seq % 5),
            actor: format!("user{}", seq % 5),
            ip: (seq % 2 == 0).then(|| "10.0.0.1".to_owned()),
            action: "incoming.register".to_owned(),
            object_type: "incoming_document".to_owned(),
            object_id: Some(seq.to_string()),
            before: None,
            after: Some(format!("{{\"arrival_number\":{seq}}}")),
        }
    }

    fn chain(n: i64) -> Vec<StoredEntry> {
        let mut out: Vec<StoredEntry> = Vec::new();
        for seq in 1..=n {
            let prev = out.last().map_or(GENESIS_HASH.to_owned(), |e| e.hash.clone());
            out.push(StoredEntry::seal(record(seq), &prev));
        }
        out
    }

    fn head(entries: &[StoredEntry]) -> (i64, String) {
        let last = entries.last().unwrap();
        (last.record.seq, last.hash.clone())
    }

    fn brk(seq: i64, kind: BreakKind) -> Result<u64, ChainBreak> {
        Err(ChainBreak { seq, kind })
    }

    #[test]
    fn genesis_and_hash_shape() {
        assert_eq!(GENESIS_HASH.len(), 64);
        assert!(GENESIS_HASH.bytes().all(|b| b == b'0'));
        let h = chain_hash(GENESIS_HASH, &record(1));
        assert_eq!(h.len(), 64);
        assert!(h.bytes().all(|b| b.is_ascii_digit() || (b'a'..=b'f').contains(&b)));
        assert_eq!(h, chain_hash(GENESIS_HASH, &record(1)));
        assert_ne!(h, chain_hash(&"1".repeat(64), &record(1)));
    }

    #[test]
    fn hash_is_pinned() {
        // The encoding is a forever format: this value must never change.
        let rec = AuditRecord {
            seq: 1,
            at_ms: 0,
            actor_user_id: None,
            actor: "system".to_owned(),
            ip: None,
            action: "a".to_owned(),
            object_type: "t".to_owned(),
            object_id: None,
            before: None,
            after: None,
        };
        let mut buf = Vec::new();
        buf.extend_from_slice(&19u64.to_be_bytes());
        buf.extend_from_slice(b"egov-audit-chain/v1");
        buf.extend_from_slice(&64u64.to_be_bytes());
        buf.extend_from_slice(GENESIS_HASH.as_bytes());
        buf.extend_from_slice(&1i64.to_be_bytes());
        buf.extend_from_slice(&0i64.to_be_bytes());
        buf.push(0);
        buf.extend_from_slice(&6u64.to_be_bytes());
        buf.extend_from_slice(b"system");
        buf.push(0);
        buf.extend_from_slice(&1u64.to_be_bytes());
        buf.extend_from_slice(b"a");
        buf.extend_from_slice(&1u64.to_be_bytes());
        buf.extend_from_slice(b"t");
        buf.extend_from_slice(&[0, 0, 0]);
        assert_eq!(chain_hash(GENESIS_HASH, &rec), hex::encode(Sha256::digest(&buf)));
        assert_eq!(chain_hash(GENESIS_HASH, &rec), "29b6ddea5d22676a9fdb4160b7fb4bcc318f3e7f20e2040bf77bd91dd7e1d63c");
    }

    #[test]
    fn encoding_is_unambiguous() {
        let base = record(2);
        let variants = [
            AuditRecord { ip: Some(String::new()), ..base.clone() },
            AuditRecord { ip: None, ..base.clone() },
            AuditRecord { before: Some(String::new()), ..base.clone() },
            AuditRecord { after: None, ..base.clone() },
            AuditRecord { actor: "ab".into(), action: "c".into(), ..base.clone() },
            AuditRecord { actor: "a".into(), action: "bc".into(), ..base.clone() },
            AuditRecord { actor_user_id: None, ..base.clone() },
            AuditRecord { actor_user_id: Some(0), ..base.clone() },
            AuditRecord { object_id: None, before: Some("2".into()), ..base.clone() },
        ];
        let mut hashes: Vec<String> = variants.iter().map(|r| chain_hash(GENESIS_HASH, r)).collect();
        hashes.push(chain_hash(GENESIS_HASH, &base));
        let n = hashes.len();
        hashes.sort();
        hashes.dedup();
        assert_eq!(hashes.len(), n);
    }

    #[test]
    fn intact_chain_verifies() {
        let c = chain(50);
        let (hs, hh) = head(&c);
        assert_eq!(verify_chain(&c, None), Ok(50));
        assert_eq!(verify_chain(&c, Some((hs, hh.as_str()))), Ok(50));
        assert_eq!(verify_chain(&[], None), Ok(0));
        assert_eq!(verify_chain(&[], Some((0, GENESIS_HASH))), Ok(0));
    }

    #[test]
    fn edited_entry_is_found() {
        let mut c = chain(50);
        c[16].record.after = Some("{\"arrival_number\":999}".into());
        assert_eq!(verify_chain(&c, None), brk(17, BreakKind::Edited));
        let e = verify_chain(&c, None).unwrap_err();
        assert_eq!(e.to_string(), "entry 17 was edited (its hash does not match its content)");

        let mut c = chain(50);
        c[0].record.ip = Some(String::new());
        assert_eq!(verify_chain(&c, None), brk(1, BreakKind::Edited));
    }

    #[test]
    fn edited_and_rehashed_entry_breaks_the_next_link() {
        let mut c = chain(50);
        c[9].record.actor = "mallory".into();
        c[9].hash = chain_hash(&c[9].prev_hash, &c[9].record);
        assert_eq!(verify_chain(&c, None), brk(11, BreakKind::LinkBroken));
    }

    #[test]
    fn rewritten_suffix_is_caught_by_the_head() {
        let c = chain(50);
        let (hs, hh) = head(&c);
        let mut forged = c.clone();
        forged[29].record.actor = "mallory".into();
        for i in 29..50 {
            let prev = forged[i - 1].hash.clone();
            forged[i] = StoredEntry::seal(forged[i].record.clone(), &prev);
        }
        assert_eq!(verify_chain(&forged, None), Ok(50));
        assert_eq!(verify_chain(&forged, Some((hs, hh.as_str()))), brk(50, BreakKind::HeadMismatch { head_seq: 50 }));
    }

    #[test]
    fn removed_entries_are_missing() {
        let mut c = chain(50);
        c.remove(20); // seq 21
        assert_eq!(verify_chain(&c, None), brk(22, BreakKind::Missing { expected_seq: 21 }));
        assert_eq!(verify_chain(&c, None).unwrap_err().to_string(), "entry 21 is missing (entry 22 follows entry 20)");
        let mut c = chain(50);
        c.drain(0..3);
        let e = verify_chain(&c, None).unwrap_err();
        assert_eq!(e, ChainBreak { seq: 4, kind: BreakKind::Missing { expected_seq: 1 } });
        assert_eq!(e.to_string(), "entries 1 to 3 are missing (entry 4 follows entry 0)");
    }

    #[test]
    fn swapped_entries_are_reordered_or_unlinked() {
        // Swapped in storage order, seqs untouched.
        let mut c = chain(50);
        c.swap(9, 10); // seq 10 and 11
        assert_eq!(verify_chain(&c, None), brk(11, BreakKind::Reordered));

        // Swapped and renumbered so the seqs look continuous.
        let mut c = chain(50);
        c.swap(9, 10);
        c[9].record.seq = 10;
        c[10].record.seq = 11;
        assert_eq!(verify_chain(&c, None), brk(10, BreakKind::LinkBroken));

        // Duplicated entry.
        let mut c = chain(50);
        let dup = c[4].clone();
        c.insert(5, dup);
        assert_eq!(verify_chain(&c, None), brk(5, BreakKind::Reordered));
    }

    #[test]
    fn truncated_tail_needs_the_head() {
        let c = chain(50);
        let (hs, hh) = head(&c);
        let short = &c[..45];
        assert_eq!(verify_chain(short, None), Ok(45));
        let e = verify_chain(short, Some((hs, hh.as_str()))).unwrap_err();
        assert_eq!(e, ChainBreak { seq: 46, kind: BreakKind::TailTruncated { head_seq: 50 } });
        assert_eq!(e.to_string(), "entries 46 to 50 were removed from the end (the recorded head is entry 50)");
        assert_eq!(verify_chain(&[], Some((hs, hh.as_str()))), brk(1, BreakKind::TailTruncated { head_seq: 50 }));
        // Entries beyond the recorded head.
        assert_eq!(
            verify_chain(&c, Some((45, c[44].hash.as_str()))),
            brk(50, BreakKind::HeadMismatch { head_seq: 45 })
        );
    }

    #[test]
    fn property_any_single_tampering_is_detected() {
        let original = chain(30);
        let (hs, hh) = head(&original);
        let mut rng = Rng::new(99);
        for _ in 0..500 {
            let mut c = original.clone();
            let i = rng.below(c.len());
            match rng.below(6) {
                0 => c[i].record.at_ms += 1,
                1 => c[i].record.actor.push('x'),
                2 => c[i].record.object_id = None,
                3 => {
                    c.remove(i);
                }
                4 => {
                    let j = rng.below(c.len());
                    if i == j {
                        continue;
                    }
                    c.swap(i, j);
                }
                _ => c[i].hash = chain_hash(GENESIS_HASH, &record(999)),
            }
            let r = verify_chain(&c, Some((hs, hh.as_str())));
            assert!(r.is_err(), "tampering at {i} not detected");
        }
    }
}
