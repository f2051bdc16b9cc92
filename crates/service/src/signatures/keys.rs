//! Signing keys: importing a PKCS#12 file (the key is sealed under a PIN the holder chooses), the key's status,
//! and opening it with the PIN for one signature, with a lock after repeated wrong PINs.
use base64::engine::general_purpose::STANDARD as B64;
use base64::Engine as _;
use egov_pades::KeySigner;
use egov_storage::signatures::{self as sdb, NewSigningKey, SigningKeyRow};
use serde::Serialize;

use crate::audit::{record, Who, NONE};
use crate::documents::{require, Upload};
use crate::{now_ms, AppError, AppResult, Caller, Scope, Services};

/// Wrong PINs in a row before a key is locked.
pub const MAX_WRONG_PINS: i64 = 5;
/// How long a locked key stays locked.
pub const PIN_LOCK_MS: i64 = 15 * 60 * 1000;

/// A key as its holder sees it (never the key itself).
#[derive(Clone, Debug, Serialize, PartialEq, Eq)]
pub struct KeyStatus {
    pub id: i64,
    pub purpose: String,
    pub subject: String,
    pub issuer: String,
    pub serial: String,
    pub not_before: i64,
    pub not_after: i64,
    pub has_image: bool,
    pub locked_until: Option<i64>,
}

impl From<&SigningKeyRow> for KeyStatus {
    fn from(k: &SigningKeyRow) -> Self {
        KeyStatus {
            id: k.id,
            purpose: k.purpose.clone(),
            subject: k.subject.clone(),
            issuer: k.issuer.clone(),
            serial: k.serial_hex.clone(),
            not_before: k.not_before,
            not_after: k.not_after,
            has_image: k.image_sha256.is_some(),
            locked_until: k.locked_until,
        }
    }
}

/// What a key is for.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum KeyOwner {
    /// A person's own signature.
    Person(i64),
    /// An agency's seal (the organisation signature), used by its clerks.
    Agency(i64),
    /// An agency's exchange key: signs its edXML packages unattended (sealed under the server's
    /// key-encryption key, not a person's PIN).
    Exchange(i64),
}

/// A key import: the PKCS#12 file and its password, the PIN chosen for egov, and the signature or seal image.
#[derive(Clone, Debug)]
pub struct KeyImport {
    pub pkcs12: Vec<u8>,
    pub password: String,
    pub pin: String,
    pub image: Option<Upload>,
}

fn pin_rule(pin: &str) -> AppResult<()> {
    let n = pin.chars().count();
    if !(6..=64).contains(&n) {
        return Err(AppError::invalid(
            "pin",
            "pin_length",
            "Mã PIN phải có từ 6 đến 64 ký tự.",
            "The PIN must have 6 to 64 characters.",
        ));
    }
    Ok(())
}

fn pki_field(field: &'static str, e: &egov_pki::PkiError) -> AppError {
    let code = match e {
        egov_pki::PkiError::WrongPassword => "wrong_password",
        egov_pki::PkiError::NoPrivateKey => "no_private_key",
        _ => "bad_pkcs12",
    };
    AppError::invalid(
        field,
        code,
        &e.to_string(),
        "The PKCS#12 file cannot be used (wrong password or not a key file).",
    )
}

impl Services {
    /// Imports a signing key for a person (themselves) or an agency seal (its clerks, or an administrator).
    pub async fn import_key(&self, caller: &Caller, owner: KeyOwner, import: KeyImport) -> AppResult<KeyStatus> {
        require(caller, Scope::DocumentsWrite)?;
        match owner {
            KeyOwner::Person(user) if user == caller.actor.user_id => {}
            KeyOwner::Agency(agency) if caller.actor.is_clerk_of(agency) || caller.actor.is_system_admin() => {}
            KeyOwner::Exchange(_) if caller.actor.is_system_admin() => {}
            _ => return Err(AppError::Forbidden),
        }
        // Personal and seal keys are sealed under their holder's PIN; an exchange key signs unattended, so it
        // is sealed under the server's key-encryption key and needs no PIN.
        let secret = match owner {
            KeyOwner::Exchange(_) => crate::exchange::exchange_kek(&self.settings.pki_dir)?,
            _ => {
                pin_rule(&import.pin)?;
                import.pin.clone()
            }
        };
        let image = match import.image {
            Some(upload) => Some(self.signature_image(upload).await?),
            None => None,
        };
        let trust = self.trust();
        let now_secs = now_ms() / 1000;
        let (pkcs12, password, pin) = (import.pkcs12, import.password, secret);
        let sealed = tokio::task::spawn_blocking(move || -> AppResult<_> {
            let identity = egov_pki::read_pkcs12(&pkcs12, &password).map_err(|e| pki_field("pkcs12", &e))?;
            let info = egov_pki::certificate_info(identity.certificate()).map_err(|e| pki_field("pkcs12", &e))?;
            if info.not_after < now_secs {
                return Err(AppError::invalid(
                    "pkcs12",
                    "expired",
                    "Chứng thư số đã hết hạn.",
                    "The certificate has expired.",
                ));
            }
            if info.not_before > now_secs {
                return Err(AppError::invalid(
                    "pkcs12",
                    "not_yet_valid",
                    "Chứng thư số chưa có hiệu lực.",
                    "The certificate is not valid yet.",
                ));
            }
            if !trust.is_empty() {
                let chain = egov_pki::validate_chain(identity.certificate(), &identity.chain, &trust, now_secs, &[]);
                if let Some(problem) = chain.problem {
                    return Err(AppError::invalid(
                        "pkcs12",
                        "untrusted",
                        &problem.to_string(),
                        "The certificate does not lead to a trusted root.",
                    ));
                }
            }
            // The key must belong to the certificate.
            KeySigner::from_pkcs8(&identity.private_key_pkcs8, identity.chain.clone()).map_err(|e| {
                AppError::invalid("pkcs12", "key_mismatch", &e.to_string(), "The key does not match the certificate.")
            })?;
            let sealed = egov_pki::seal_key(&identity.private_key_pkcs8, &pin).map_err(AppError::internal)?;
            Ok((info, identity.chain, sealed))
        })
        .await
        .map_err(AppError::internal)??;
        let (info, chain, sealed_key) = sealed;
        let stored = self.store_key(caller, owner, &info, &chain, &sealed_key, image.as_deref()).await?;
        if let KeyOwner::Exchange(agency) = owner {
            // The next package is signed with the new key, not the one kept open in memory.
            if let Ok(mut open) = self.exchange_signers.lock() {
                open.remove(&agency);
            }
        }
        Ok(stored)
    }

    /// Stores a sealed key as its owner's active one, with its audit entry.
    pub(crate) async fn store_key(
        &self,
        caller: &Caller,
        owner: KeyOwner,
        info: &egov_pki::CertificateInfo,
        chain: &[Vec<u8>],
        sealed_key: &[u8],
        image: Option<&str>,
    ) -> AppResult<KeyStatus> {
        let chain_b64: Vec<String> = chain.iter().map(|c| B64.encode(c)).collect();
        let (purpose, user, agency) = match owner {
            KeyOwner::Person(u) => ("personal", Some(u), None),
            KeyOwner::Agency(a) => ("seal", None, Some(a)),
            KeyOwner::Exchange(a) => ("exchange", None, Some(a)),
        };
        let now = now_ms();
        let mut tx = self.store.begin().await?;
        let id = sdb::insert_signing_key(
            &mut tx,
            &NewSigningKey {
                owner_user_id: user,
                owner_agency_id: agency,
                purpose,
                subject: &info.subject,
                issuer: &info.issuer,
                serial_hex: &info.serial_hex,
                fingerprint: &info.fingerprint_sha256,
                not_before: info.not_before,
                not_after: info.not_after,
                chain_b64: &chain_b64.join(","),
                sealed_key_b64: &B64.encode(sealed_key),
                image_sha256: image,
                created_by: Some(caller.actor.user_id).filter(|u| *u > 0),
            },
            now,
        )
        .await?;
        let detail = serde_json::json!({
            "purpose": purpose, "owner_user_id": user, "owner_agency_id": agency,
            "subject": info.subject, "serial": info.serial_hex, "fingerprint": info.fingerprint_sha256,
        });
        record(
            &mut tx,
            &Who::caller(caller),
            "signing_key.import",
            "signing_key",
            Some(id.to_string()),
            NONE,
            Some(&detail),
        )
        .await?;
        let row = match owner {
            KeyOwner::Person(u) => sdb::personal_key(&mut tx, u).await?,
            KeyOwner::Agency(a) => sdb::seal_key(&mut tx, a).await?,
            KeyOwner::Exchange(a) => sdb::exchange_key(&mut tx, a).await?,
        }
        .ok_or(AppError::NotFound)?;
        crate::commit(tx).await?;
        Ok(KeyStatus::from(&row))
    }

    /// The caller's own active key, if any.
    pub async fn my_signing_key(&self, caller: &Caller) -> AppResult<Option<KeyStatus>> {
        let mut c = self.store.read().await?;
        Ok(sdb::personal_key(&mut c, caller.actor.user_id).await?.as_ref().map(KeyStatus::from))
    }

    /// The active seal key of an agency (its clerks and administrators may see it).
    pub async fn seal_key_status(&self, caller: &Caller, agency_id: i64) -> AppResult<Option<KeyStatus>> {
        if !caller.actor.is_clerk_of(agency_id) && !caller.actor.is_system_admin() {
            return Err(AppError::Forbidden);
        }
        let mut c = self.store.read().await?;
        Ok(sdb::seal_key(&mut c, agency_id).await?.as_ref().map(KeyStatus::from))
    }

    /// Checks and stores a signature or seal image; it must be a PNG.
    pub(crate) async fn signature_image(&self, upload: Upload) -> AppResult<String> {
        let not_png = || {
            AppError::invalid(
                "image",
                "not_png",
                "Ảnh chữ ký/con dấu phải là tệp PNG (nền trong suốt).",
                "The signature or seal image must be a PNG file.",
            )
        };
        if !upload.bytes.starts_with(b"\x89PNG\r\n\x1a\n") || upload.bytes.len() > 2 * 1024 * 1024 {
            return Err(not_png());
        }
        let decoder = png::Decoder::new(upload.bytes.as_slice());
        decoder.read_info().map_err(|_| not_png())?;
        let sha = egov_files::sha256_hex(&upload.bytes);
        let files = self.files.clone();
        let bytes = upload.bytes;
        let sha2 = sha.clone();
        tokio::task::spawn_blocking(move || files.put_with_sha(&sha2, &bytes))
            .await
            .map_err(AppError::internal)?
            .map_err(AppError::internal)?;
        Ok(sha)
    }

    /// Opens a stored key with its PIN for one signature. Wrong PINs are counted (committed even though the
    /// signature fails) and lock the key for a while after [`MAX_WRONG_PINS`].
    pub(crate) async fn unlock(&self, caller: &Caller, key: &SigningKeyRow, pin: &str) -> AppResult<KeySigner> {
        if pin.is_empty() {
            // A blank PIN is a slip, not a guess: it is not counted towards the lock.
            return Err(AppError::invalid("pin", "required", "Nhập mã PIN.", "Enter the PIN."));
        }
        let now = now_ms();
        if let Some(until) = key.locked_until.filter(|u| *u > now) {
            return Err(AppError::Throttled { retry_after_secs: u64::try_from((until - now) / 1000).unwrap_or(0) + 1 });
        }
        let sealed = B64.decode(&key.sealed_key_b64).map_err(AppError::internal)?;
        let chain: Vec<Vec<u8>> =
            key.chain_b64.split(',').map(|c| B64.decode(c)).collect::<Result<_, _>>().map_err(AppError::internal)?;
        let pin = pin.to_string();
        let opened = tokio::task::spawn_blocking(move || match egov_pki::open_key(&sealed, &pin) {
            Ok(pkcs8) => KeySigner::from_pkcs8(&pkcs8, chain).map(Some).map_err(AppError::internal),
            Err(egov_pki::PkiError::WrongPin) => Ok(None),
            Err(e) => Err(AppError::internal(e)),
        })
        .await
        .map_err(AppError::internal)??;
        let mut tx = self.store.begin().await?;
        match opened {
            Some(signer) => {
                if key.failed_pins > 0 {
                    sdb::record_right_pin(&mut tx, key.id).await?;
                }
                crate::commit(tx).await?;
                Ok(signer)
            }
            None => {
                let failures = sdb::record_wrong_pin(&mut tx, key.id, MAX_WRONG_PINS, now + PIN_LOCK_MS).await?;
                let detail = serde_json::json!({ "failures": failures });
                record(
                    &mut tx,
                    &Who::caller(caller),
                    "signing_key.wrong_pin",
                    "signing_key",
                    Some(key.id.to_string()),
                    NONE,
                    Some(&detail),
                )
                .await?;
                crate::commit(tx).await?;
                let left = (MAX_WRONG_PINS - failures).max(0);
                if left == 0 {
                    return Err(AppError::Throttled {
                        retry_after_secs: u64::try_from(PIN_LOCK_MS / 1000).unwrap_or(900),
                    });
                }
                Err(AppError::invalid(
                    "pin",
                    "wrong_pin",
                    &format!("Mã PIN không đúng. Còn {left} lần thử trước khi khóa bị tạm khóa."),
                    &format!("Wrong PIN. {left} attempts left before the key is locked."),
                ))
            }
        }
    }
}
