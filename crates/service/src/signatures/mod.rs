//! Digital signatures: signing keys under a PIN ([`keys`]), the check of every signed PDF that enters the
//! platform ([`check`]), revocation lists fetched and cached, signing outgoing documents (the competent person's
//! signature, then the organisation's at issue), and the demo PKI ([`demo`]).
pub mod check;
pub mod demo;
pub mod keys;
pub mod signing;

use std::collections::HashMap;
use std::sync::Arc;

use base64::engine::general_purpose::STANDARD as B64;
use base64::Engine as _;
use egov_pki::{Crl, TrustStore};
use egov_storage::signatures::{self as sdb, CrlRow, FileSignaturesRow};
use egov_storage::Conn;

pub use check::{FileCheck, SignatureCheck};
pub use keys::{KeyImport, KeyOwner, KeyStatus};

use crate::documents::{require, Upload};
use crate::{now_ms, AppError, AppResult, Caller, Scope, Services};

/// A revocation list older than this is fetched again when its URL is reachable.
const CRL_MAX_AGE_SECS: i64 = 24 * 3600;

/// Loads the trusted roots from `trusted-roots.pem` in the PKI folder; none when the file is missing.
pub(crate) fn load_trust(pki_dir: &std::path::Path) -> anyhow::Result<TrustStore> {
    let path = pki_dir.join("trusted-roots.pem");
    match std::fs::read_to_string(&path) {
        Ok(pem) => TrustStore::from_pem(&pem).map_err(|e| anyhow::anyhow!("{}: {e}", path.display())),
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => Ok(TrustStore::default()),
        Err(e) => Err(anyhow::anyhow!("{}: {e}", path.display())),
    }
}

impl Services {
    /// The trusted roots in force.
    pub fn trust(&self) -> Arc<TrustStore> {
        self.trust.read().map(|t| t.clone()).unwrap_or_default()
    }

    /// The time-stamp authority signatures get their token from (PAdES B-T), if any.
    pub fn tsa_url(&self) -> Option<String> {
        self.tsa.read().ok().and_then(|t| t.clone())
    }

    /// Sets the time-stamp authority (from the configuration, or the demo's own at start).
    pub fn set_tsa_url(&self, url: Option<String>) {
        if let Ok(mut t) = self.tsa.write() {
            *t = url;
        }
    }

    /// Reads the trusted roots again (after `egov pki` changed them).
    pub fn reload_trust(&self) -> anyhow::Result<()> {
        let store = load_trust(&self.settings.pki_dir)?;
        if let Ok(mut t) = self.trust.write() {
            *t = Arc::new(store);
        }
        Ok(())
    }

    /// The cached revocation lists.
    pub(crate) async fn cached_crls(&self, c: &mut Conn) -> AppResult<Vec<check::CachedCrl>> {
        let rows = sdb::crls(c).await?;
        Ok(rows
            .into_iter()
            .filter_map(|r| {
                let der = B64.decode(&r.crl_b64).ok()?;
                Some(check::CachedCrl { crl: Crl::parse(&der).ok()?, fetched_at: r.fetched_at })
            })
            .collect())
    }

    /// Stores a revocation list for `url` (fetched, or handed over by `egov pki`).
    pub async fn store_crl(&self, url: &str, der: &[u8]) -> AppResult<()> {
        let crl = Crl::parse(der)
            .map_err(|e| AppError::invalid("crl", "bad_crl", &e.to_string(), "The revocation list cannot be read."))?;
        let mut tx = self.store.begin().await?;
        sdb::put_crl(
            &mut tx,
            &CrlRow {
                url: url.to_string(),
                crl_b64: B64.encode(der),
                this_update: crl.this_update,
                next_update: crl.next_update,
                fetched_at: now_ms() / 1000,
            },
        )
        .await?;
        crate::commit(tx).await
    }

    /// Fetches the revocation lists named by `urls` whose cached copy is missing or stale; an unreachable URL
    /// leaves the cached copy (its age is shown with the result).
    pub(crate) async fn refresh_crls(&self, urls: &[String]) -> AppResult<()> {
        if urls.is_empty() {
            return Ok(());
        }
        let now = now_ms() / 1000;
        let cached = {
            let mut c = self.store.read().await?;
            sdb::crls(&mut c).await?
        };
        for url in urls {
            let fresh = cached.iter().any(|r| {
                &r.url == url && now - r.fetched_at < CRL_MAX_AGE_SECS && r.next_update.is_none_or(|n| n > now)
            });
            if fresh || !(url.starts_with("http://") || url.starts_with("https://")) {
                continue;
            }
            let client = reqwest::Client::builder().timeout(std::time::Duration::from_secs(3)).build();
            let Ok(client) = client else { continue };
            match client.get(url).send().await.and_then(|r| r.error_for_status()) {
                Ok(response) => match response.bytes().await {
                    Ok(body) if body.len() < 20 * 1024 * 1024 => {
                        if let Err(e) = self.store_crl(url, &body).await {
                            tracing::warn!(%url, error = %e, "revocation list refused");
                        }
                    }
                    _ => tracing::warn!(%url, "revocation list unreadable"),
                },
                Err(e) => tracing::info!(%url, error = %e, "revocation list unreachable; using the cached copy"),
            }
        }
        Ok(())
    }

    /// Checks the signatures of PDFs (already stored): refreshes the revocation lists their certificates name,
    /// then checks each against the trusted roots. Returns the checks by SHA-256, for the files that are signed.
    /// A file that may hold signatures but cannot be read, or is encrypted, is refused with a field error on
    /// `field` (`broken_pdf`, `encrypted_pdf`) rather than taken for unsigned.
    pub(crate) async fn check_signed_files(
        &self,
        files: Vec<(String, Vec<u8>)>,
        field: &'static str,
    ) -> AppResult<Vec<(String, FileCheck)>> {
        let files: Vec<(String, Vec<u8>)> = files.into_iter().filter(|(_, b)| check::may_be_signed(b)).collect();
        if files.is_empty() {
            return Ok(Vec::new());
        }
        // Each file is parsed and its signatures checked once; the revocation lists they name are fetched
        // between the format checks and the certificate checks.
        let verified = tokio::task::spawn_blocking(move || {
            files
                .into_iter()
                .map(|(sha, bytes)| Ok((sha, egov_pades::verify(&bytes).map_err(|e| unreadable_pdf(field, &e))?)))
                .collect::<AppResult<Vec<(String, Vec<egov_pades::SignatureReport>)>>>()
        })
        .await
        .map_err(AppError::internal)??;
        let urls: Vec<String> = {
            let mut all: Vec<String> = verified.iter().flat_map(|(_, r)| check::crl_urls(r)).collect();
            all.sort();
            all.dedup();
            all
        };
        self.refresh_crls(&urls).await?;
        let crls = {
            let mut c = self.store.read().await?;
            self.cached_crls(&mut c).await?
        };
        let trust = self.trust();
        let now = now_ms() / 1000;
        tokio::task::spawn_blocking(move || {
            verified
                .into_iter()
                .filter(|(_, reports)| !reports.is_empty())
                .map(|(sha, reports)| (sha, check::check_reports(reports, &trust, &crls, now)))
                .collect()
        })
        .await
        .map_err(AppError::internal)
    }

    /// Checks an uploaded PDF without keeping it (the "check a signature" page and API). The file goes through
    /// the checks of an upload first: an encrypted, cut short or broken PDF is refused (`encrypted_pdf`,
    /// `broken_pdf`), never answered "not signed".
    pub async fn check_upload(&self, caller: &Caller, upload: Upload) -> AppResult<FileCheck> {
        require(caller, Scope::DocumentsRead)?;
        if !upload.bytes.starts_with(b"%PDF") {
            return Err(AppError::invalid("file", "not_pdf", "Tệp không phải PDF.", "The file is not a PDF."));
        }
        let bytes = self.refuse_unreadable_pdf(upload.bytes, "file").await?;
        let sha = egov_files::sha256_hex(&bytes);
        let checks = self.check_signed_files(vec![(sha, bytes)], "file").await?;
        Ok(checks.into_iter().next().map(|(_, c)| c).unwrap_or_else(|| FileCheck::unsigned(now_ms() / 1000)))
    }

    /// Checks a stored file of a document again (new revocation lists, new trusted roots) and keeps the result.
    /// A file that can no longer be read is an error, and the check kept before stays.
    pub async fn recheck_file(&self, caller: &Caller, file_id: i64) -> AppResult<FileCheck> {
        let (_, _, bytes) = self.download(caller, file_id).await?;
        let bytes = if bytes.starts_with(b"%PDF") { self.refuse_unreadable_pdf(bytes, "file").await? } else { bytes };
        let sha = egov_files::sha256_hex(&bytes);
        let checks = self.check_signed_files(vec![(sha.clone(), bytes)], "file").await?;
        let check = checks.into_iter().next().map(|(_, c)| c).unwrap_or_else(|| FileCheck::unsigned(now_ms() / 1000));
        let mut tx = self.store.begin().await?;
        save_check(&mut tx, &sha, &check).await?;
        crate::commit(tx).await?;
        Ok(check)
    }

    /// `bytes` when they are a PDF an upload would accept; otherwise the upload's field error on `field`
    /// (`encrypted_pdf`, `broken_pdf` for one cut short or unreadable, `too_large`).
    async fn refuse_unreadable_pdf(&self, bytes: Vec<u8>, field: &'static str) -> AppResult<Vec<u8>> {
        let max = self.settings.max_file_bytes;
        tokio::task::spawn_blocking(move || {
            // The name only picks the PDF checks: the content starts as a PDF's does.
            egov_files::inspect("kiem-tra.pdf", &bytes, max).map(|_| bytes)
        })
        .await
        .map_err(AppError::internal)?
        .map_err(|p| AppError::invalid(field, p.code(), &p.message_vi(), &p.message_en()))
    }

    /// The stored checks of the given files, by SHA-256.
    pub(crate) async fn stored_checks(&self, c: &mut Conn, shas: &[String]) -> AppResult<HashMap<String, FileCheck>> {
        Ok(sdb::file_signatures(c, shas)
            .await?
            .into_iter()
            .filter_map(|row| Some((row.sha256, serde_json::from_str(&row.report_json).ok()?)))
            .collect())
    }
}

/// The field error for a PDF whose signatures cannot be read: encrypted, or not a readable PDF.
fn unreadable_pdf(field: &'static str, e: &egov_pades::PadesError) -> AppError {
    let problem = match e {
        egov_pades::PadesError::Encrypted => egov_files::FileProblem::EncryptedPdf,
        other => egov_files::FileProblem::BrokenPdf { reason: other.to_string() },
    };
    AppError::invalid(field, problem.code(), &problem.message_vi(), &problem.message_en())
}

/// Keeps the check of a file.
pub(crate) async fn save_check(c: &mut Conn, sha256: &str, check: &FileCheck) -> AppResult<()> {
    sdb::put_file_signatures(
        c,
        &FileSignaturesRow {
            sha256: sha256.to_string(),
            signature_count: check.signatures.len() as i64,
            verdict: check.verdict.clone(),
            report_json: serde_json::to_string(check).map_err(AppError::internal)?,
            checked_at: check.checked_at,
        },
    )
    .await?;
    Ok(())
}
