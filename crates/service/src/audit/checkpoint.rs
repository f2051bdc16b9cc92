//! Signed checkpoints of the audit chain's head, kept where the database writer cannot rewrite
//! them: one JSON line each in `audit-checkpoints.jsonl` beside the database (in `pki_dir`),
//! signed with an Ed25519 key of the server's (`audit-checkpoint.key`, made on first use), and
//! repeated in the structured log. Removing the newest entries and rolling `audit_head` back
//! passes the chain's own checks; it no longer passes the latest checkpoint's.

use std::io::{BufRead, Write};
use std::path::{Path, PathBuf};

use ring::rand::SystemRandom;
use ring::signature::{Ed25519KeyPair, KeyPair, UnparsedPublicKey, ED25519};
use serde::{Deserialize, Serialize};

use crate::{now_ms, AppError, AppResult, Services};

/// The checkpoint file, in `pki_dir`.
pub const CHECKPOINT_FILE: &str = "audit-checkpoints.jsonl";
/// The signing key (PKCS#8), in `pki_dir`.
pub const CHECKPOINT_KEY_FILE: &str = "audit-checkpoint.key";

/// One signed checkpoint: the chain's head (`seq`, `hash`) at `at_ms`.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct Checkpoint {
    pub seq: i64,
    pub hash: String,
    pub at_ms: i64,
    /// Ed25519 signature over [`signed_text`], hex.
    pub signature: String,
}

/// What a checkpoint's signature covers.
fn signed_text(seq: i64, hash: &str, at_ms: i64) -> String {
    format!("egov audit checkpoint v1\n{seq}\n{hash}\n{at_ms}\n")
}

fn key_path(dir: &Path) -> PathBuf {
    dir.join(CHECKPOINT_KEY_FILE)
}

/// The checkpoint key, made (and stored readable by the owner only) when there is none.
fn load_or_create_key(dir: &Path) -> AppResult<Ed25519KeyPair> {
    let path = key_path(dir);
    match std::fs::read(&path) {
        Ok(der) => Ed25519KeyPair::from_pkcs8(&der)
            .map_err(|_| AppError::internal(anyhow::anyhow!("{} is not an Ed25519 PKCS#8 key", path.display()))),
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => {
            std::fs::create_dir_all(dir).map_err(AppError::internal)?;
            let der = Ed25519KeyPair::generate_pkcs8(&SystemRandom::new())
                .map_err(|_| AppError::internal(anyhow::anyhow!("cannot make the audit checkpoint key")))?;
            let tmp = path.with_extension("tmp");
            {
                let mut opts = std::fs::OpenOptions::new();
                opts.write(true).create(true).truncate(true);
                #[cfg(unix)]
                std::os::unix::fs::OpenOptionsExt::mode(&mut opts, 0o600);
                let mut f = opts.open(&tmp).map_err(AppError::internal)?;
                f.write_all(der.as_ref()).map_err(AppError::internal)?;
                f.sync_all().map_err(AppError::internal)?;
            }
            std::fs::rename(&tmp, &path).map_err(AppError::internal)?;
            Ed25519KeyPair::from_pkcs8(der.as_ref()).map_err(|_| AppError::internal(anyhow::anyhow!("bad new key")))
        }
        Err(e) => Err(AppError::internal(e)),
    }
}

/// The latest checkpoint in `dir`'s file, read line by line (constant memory); `None` when
/// there is no file yet. A line that does not parse is an error: the file was damaged.
pub fn latest(dir: &Path) -> AppResult<Option<Checkpoint>> {
    let file = match std::fs::File::open(dir.join(CHECKPOINT_FILE)) {
        Ok(f) => f,
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => return Ok(None),
        Err(e) => return Err(AppError::internal(e)),
    };
    let mut last = None;
    for line in std::io::BufReader::new(file).lines() {
        let line = line.map_err(AppError::internal)?;
        if line.trim().is_empty() {
            continue;
        }
        let cp: Checkpoint = serde_json::from_str(&line)
            .map_err(|e| AppError::internal(anyhow::anyhow!("{CHECKPOINT_FILE} has a damaged line: {e}")))?;
        last = Some(cp);
    }
    Ok(last)
}

/// `true` when `dir` holds the checkpoint key, so checkpoints were written there (the key is
/// made with the first): a missing file then means removed checkpoints.
pub fn key_exists(dir: &Path) -> bool {
    key_path(dir).exists()
}

/// `true` when `cp` carries a valid signature of the key in `dir`.
pub fn signature_valid(dir: &Path, cp: &Checkpoint) -> AppResult<bool> {
    if !key_path(dir).exists() {
        return Ok(false);
    }
    let key = load_or_create_key(dir)?;
    let Ok(signature) = hex::decode(&cp.signature) else { return Ok(false) };
    let public = UnparsedPublicKey::new(&ED25519, key.public_key().as_ref());
    Ok(public.verify(signed_text(cp.seq, &cp.hash, cp.at_ms).as_bytes(), &signature).is_ok())
}

impl Services {
    /// Signs the chain's current head and appends it to the checkpoint file (and the log),
    /// unless the latest checkpoint already holds this head. Returns the new checkpoint.
    pub async fn write_audit_checkpoint(&self) -> AppResult<Option<Checkpoint>> {
        let (seq, hash) = {
            let mut c = self.store.read().await?;
            egov_storage::audit::head(&mut c).await?
        };
        let dir = self.settings.pki_dir.clone();
        let written = tokio::task::spawn_blocking(move || -> AppResult<Option<Checkpoint>> {
            if latest(&dir)?.is_some_and(|cp| cp.seq == seq && cp.hash == hash) {
                return Ok(None);
            }
            let key = load_or_create_key(&dir)?;
            let at_ms = now_ms();
            let signature = hex::encode(key.sign(signed_text(seq, &hash, at_ms).as_bytes()).as_ref());
            let cp = Checkpoint { seq, hash, at_ms, signature };
            let mut line = serde_json::to_string(&cp).map_err(AppError::internal)?;
            line.push('\n');
            let mut f = std::fs::OpenOptions::new()
                .append(true)
                .create(true)
                .open(dir.join(CHECKPOINT_FILE))
                .map_err(AppError::internal)?;
            f.write_all(line.as_bytes()).map_err(AppError::internal)?;
            f.sync_all().map_err(AppError::internal)?;
            Ok(Some(cp))
        })
        .await
        .map_err(AppError::internal)??;
        if let Some(cp) = &written {
            tracing::info!(
                target: "egov::audit_checkpoint",
                seq = cp.seq,
                hash = %cp.hash,
                at_ms = cp.at_ms,
                signature = %cp.signature,
                "audit checkpoint"
            );
        }
        Ok(written)
    }
}
