//! Signing keys (personal and agency seal, sealed under a PIN), the signature check of each
//! stored PDF, and the cache of certificate revocation lists.

use sqlx::{AnyConnection, FromRow};

use crate::Result;

/// A signing key as stored: the certificate chain and the key sealed under its holder's PIN.
#[derive(Clone, Debug, FromRow, PartialEq, Eq)]
pub struct SigningKeyRow {
    pub id: i64,
    pub owner_user_id: Option<i64>,
    pub owner_agency_id: Option<i64>,
    pub purpose: String,
    pub subject: String,
    pub issuer: String,
    pub serial_hex: String,
    pub fingerprint: String,
    pub not_before: i64,
    pub not_after: i64,
    pub chain_b64: String,
    pub sealed_key_b64: String,
    pub image_sha256: Option<String>,
    pub failed_pins: i64,
    pub locked_until: Option<i64>,
    pub created_at: i64,
}

const SELECT_KEY: &str =
    "SELECT id, owner_user_id, owner_agency_id, purpose, subject, issuer, serial_hex, fingerprint, \
     not_before, not_after, chain_b64, sealed_key_b64, image_sha256, failed_pins, locked_until, created_at \
     FROM signing_keys";

/// Values for a new signing key.
#[derive(Clone, Debug)]
pub struct NewSigningKey<'a> {
    pub owner_user_id: Option<i64>,
    pub owner_agency_id: Option<i64>,
    pub purpose: &'a str,
    pub subject: &'a str,
    pub issuer: &'a str,
    pub serial_hex: &'a str,
    pub fingerprint: &'a str,
    pub not_before: i64,
    pub not_after: i64,
    pub chain_b64: &'a str,
    pub sealed_key_b64: &'a str,
    pub image_sha256: Option<&'a str>,
    /// The user who imported it; `None` for the command line.
    pub created_by: Option<i64>,
}

/// Stores a key as its owner's active one (the previous active key of the owner is retired) and returns its id.
pub async fn insert_signing_key(c: &mut AnyConnection, k: &NewSigningKey<'_>, now: i64) -> Result<i64> {
    sqlx::query(
        "UPDATE signing_keys SET active = 0 WHERE active = 1 AND purpose = $2 AND \
         (owner_user_id = $1 OR owner_agency_id = $3)",
    )
    .bind(k.owner_user_id.unwrap_or(-1))
    .bind(k.purpose)
    .bind(k.owner_agency_id.unwrap_or(-1))
    .execute(&mut *c)
    .await?;
    Ok(sqlx::query_scalar(
        "INSERT INTO signing_keys (owner_user_id, owner_agency_id, purpose, subject, issuer, serial_hex, fingerprint, \
         not_before, not_after, chain_b64, sealed_key_b64, image_sha256, created_by, created_at) \
         VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $14) RETURNING id",
    )
    .bind(k.owner_user_id)
    .bind(k.owner_agency_id)
    .bind(k.purpose)
    .bind(k.subject)
    .bind(k.issuer)
    .bind(k.serial_hex)
    .bind(k.fingerprint)
    .bind(k.not_before)
    .bind(k.not_after)
    .bind(k.chain_b64)
    .bind(k.sealed_key_b64)
    .bind(k.image_sha256)
    .bind(k.created_by)
    .bind(now)
    .fetch_one(&mut *c)
    .await?)
}

/// The active personal key of a user.
pub async fn personal_key(c: &mut AnyConnection, user_id: i64) -> Result<Option<SigningKeyRow>> {
    let sql = format!("{SELECT_KEY} WHERE owner_user_id = $1 AND purpose = 'personal' AND active = 1");
    Ok(sqlx::query_as(&sql).bind(user_id).fetch_optional(&mut *c).await?)
}

/// The active seal key of an agency.
pub async fn seal_key(c: &mut AnyConnection, agency_id: i64) -> Result<Option<SigningKeyRow>> {
    let sql = format!("{SELECT_KEY} WHERE owner_agency_id = $1 AND purpose = 'seal' AND active = 1");
    Ok(sqlx::query_as(&sql).bind(agency_id).fetch_optional(&mut *c).await?)
}

/// The active exchange key of an agency (signs its edXML packages without a person's PIN).
pub async fn exchange_key(c: &mut AnyConnection, agency_id: i64) -> Result<Option<SigningKeyRow>> {
    let sql = format!("{SELECT_KEY} WHERE owner_agency_id = $1 AND purpose = 'exchange' AND active = 1");
    Ok(sqlx::query_as(&sql).bind(agency_id).fetch_optional(&mut *c).await?)
}

/// Agencies holding an active exchange key (the ones this node sends and receives packages for).
pub async fn agencies_with_exchange_keys(c: &mut AnyConnection) -> Result<Vec<i64>> {
    Ok(sqlx::query_scalar(
        "SELECT DISTINCT owner_agency_id FROM signing_keys WHERE purpose = 'exchange' AND active = 1 \
         AND owner_agency_id IS NOT NULL ORDER BY owner_agency_id",
    )
    .fetch_all(&mut *c)
    .await?)
}

/// Sets the signature image of a key.
pub async fn set_key_image(c: &mut AnyConnection, key_id: i64, image_sha256: &str) -> Result<()> {
    sqlx::query("UPDATE signing_keys SET image_sha256 = $2 WHERE id = $1")
        .bind(key_id)
        .bind(image_sha256)
        .execute(&mut *c)
        .await?;
    Ok(())
}

/// Counts a wrong PIN; from `max_failures` on, the key is locked until `lock_until`. Returns the failures so far.
pub async fn record_wrong_pin(c: &mut AnyConnection, key_id: i64, max_failures: i64, lock_until: i64) -> Result<i64> {
    Ok(sqlx::query_scalar(
        "UPDATE signing_keys SET failed_pins = failed_pins + 1, \
         locked_until = CASE WHEN failed_pins + 1 >= $2 THEN $3 ELSE locked_until END \
         WHERE id = $1 RETURNING failed_pins",
    )
    .bind(key_id)
    .bind(max_failures)
    .bind(lock_until)
    .fetch_one(&mut *c)
    .await?)
}

/// Clears the failure count after a right PIN (and a lock that has run out).
pub async fn record_right_pin(c: &mut AnyConnection, key_id: i64) -> Result<()> {
    sqlx::query("UPDATE signing_keys SET failed_pins = 0, locked_until = NULL WHERE id = $1")
        .bind(key_id)
        .execute(&mut *c)
        .await?;
    Ok(())
}

/// The stored signature check of a file.
#[derive(Clone, Debug, FromRow, PartialEq, Eq)]
pub struct FileSignaturesRow {
    pub sha256: String,
    pub signature_count: i64,
    pub verdict: String,
    pub report_json: String,
    pub checked_at: i64,
}

/// Stores (or replaces) the signature check of a file.
pub async fn put_file_signatures(c: &mut AnyConnection, row: &FileSignaturesRow) -> Result<()> {
    sqlx::query(
        "INSERT INTO file_signatures (sha256, signature_count, verdict, report_json, checked_at) \
         VALUES ($1, $2, $3, $4, $5) ON CONFLICT (sha256) DO UPDATE SET signature_count = excluded.signature_count, \
         verdict = excluded.verdict, report_json = excluded.report_json, checked_at = excluded.checked_at",
    )
    .bind(&row.sha256)
    .bind(row.signature_count)
    .bind(&row.verdict)
    .bind(&row.report_json)
    .bind(row.checked_at)
    .execute(&mut *c)
    .await?;
    Ok(())
}

/// The signature checks of the given files (those checked).
pub async fn file_signatures(c: &mut AnyConnection, sha256s: &[String]) -> Result<Vec<FileSignaturesRow>> {
    if sha256s.is_empty() {
        return Ok(Vec::new());
    }
    let placeholders: Vec<String> = (1..=sha256s.len()).map(|i| format!("${i}")).collect();
    let sql = format!(
        "SELECT sha256, signature_count, verdict, report_json, checked_at FROM file_signatures WHERE sha256 IN ({})",
        placeholders.join(", ")
    );
    let mut q = sqlx::query_as(&sql);
    for s in sha256s {
        q = q.bind(s);
    }
    Ok(q.fetch_all(&mut *c).await?)
}

/// A cached certificate revocation list.
#[derive(Clone, Debug, FromRow, PartialEq, Eq)]
pub struct CrlRow {
    pub url: String,
    pub crl_b64: String,
    pub this_update: i64,
    pub next_update: Option<i64>,
    pub fetched_at: i64,
}

/// Stores a fetched CRL for its URL.
pub async fn put_crl(c: &mut AnyConnection, row: &CrlRow) -> Result<()> {
    sqlx::query(
        "INSERT INTO crl_cache (url, crl_b64, this_update, next_update, fetched_at) VALUES ($1, $2, $3, $4, $5) \
         ON CONFLICT (url) DO UPDATE SET crl_b64 = excluded.crl_b64, this_update = excluded.this_update, \
         next_update = excluded.next_update, fetched_at = excluded.fetched_at",
    )
    .bind(&row.url)
    .bind(&row.crl_b64)
    .bind(row.this_update)
    .bind(row.next_update)
    .bind(row.fetched_at)
    .execute(&mut *c)
    .await?;
    Ok(())
}

/// Every cached CRL.
pub async fn crls(c: &mut AnyConnection) -> Result<Vec<CrlRow>> {
    Ok(sqlx::query_as("SELECT url, crl_b64, this_update, next_update, fetched_at FROM crl_cache ORDER BY url")
        .fetch_all(&mut *c)
        .await?)
}
