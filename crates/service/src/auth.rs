//! Signing in and staying signed in: passwords, throttling and lockout, server-side sessions,
//! the TOTP second factor, and API tokens for other systems.

use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use base64::Engine as _;
use egov_domain::authz::{Actor, Grant, Scope};
use egov_domain::person::{check_password, Username};
use egov_domain::{FieldError, Lang, Role};
use egov_storage::accounts::{self as db, GrantRow, NewSession, ThrottleRow, TokenRow};
use egov_storage::Conn;
use sha2::{Digest, Sha256};
use totp_rs::{Algorithm, TOTP};

use crate::audit::{record, Who, NONE};
use crate::{commit, now_ms, AppError, AppResult, Caller, Check, Services};

/// How far a session has got through sign-in.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Stage {
    /// Fully signed in.
    Full,
    /// Password accepted; the TOTP code is still due.
    Totp,
    /// Password accepted; the person's role requires a second factor they have not set up.
    Enroll,
}

impl Stage {
    fn as_str(self) -> &'static str {
        match self {
            Stage::Full => "full",
            Stage::Totp => "totp",
            Stage::Enroll => "enroll",
        }
    }

    fn parse(s: &str) -> Stage {
        match s {
            "full" => Stage::Full,
            "enroll" => Stage::Enroll,
            _ => Stage::Totp,
        }
    }
}

/// A new session: the cookie value (secret, shown once) and where sign-in stands.
#[derive(Clone)]
pub struct NewSessionToken {
    pub token: String,
    pub stage: Stage,
    pub locale: Lang,
    pub must_change_password: bool,
}

impl std::fmt::Debug for NewSessionToken {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("NewSessionToken").field("token", &"[redacted]").field("stage", &self.stage).finish()
    }
}

/// A live session as the web layer sees it.
#[derive(Clone, Debug)]
pub struct SessionInfo {
    pub id: i64,
    pub user_id: i64,
    pub agency_id: i64,
    pub agency_name: String,
    /// The user's role grants, read with the session.
    pub grants: Vec<GrantRow>,
    pub username: String,
    pub full_name: String,
    pub csrf_token: String,
    pub stage: Stage,
    pub locale: Lang,
    pub must_change_password: bool,
}

/// Secret material for setting up an authenticator app.
#[derive(Clone)]
pub struct TotpSetup {
    pub secret_base32: String,
    pub otpauth_url: String,
}

impl std::fmt::Debug for TotpSetup {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("TotpSetup([redacted])")
    }
}

fn sha256_hex(s: &str) -> String {
    hex::encode(Sha256::digest(s.as_bytes()))
}

fn random_token() -> String {
    URL_SAFE_NO_PAD.encode(rand::random::<[u8; 32]>())
}

fn totp_for(secret_hex: &str, issuer: &str, account: &str) -> AppResult<TOTP> {
    let bytes = hex::decode(secret_hex).map_err(AppError::internal)?;
    TOTP::new(Algorithm::SHA1, 6, 1, 30, bytes, Some(issuer.to_string()), account.to_string())
        .map_err(|e| AppError::internal(anyhow::anyhow!("totp: {e}")))
}

fn wrong_code() -> AppError {
    AppError::invalid(
        "code",
        "wrong_code",
        "Mã xác thực không đúng hoặc đã hết hạn.",
        "The code is wrong or has expired.",
    )
}

/// Wrong second-factor codes in a lockout window before the second factor locks.
const TOTP_FAILURE_LIMIT: i64 = 5;

/// Returns the time step whose code equals `code` (±1 step of clock drift), if any.
fn matching_step(totp: &TOTP, code: &str, now_ms: i64) -> Option<i64> {
    let code = code.trim().replace(' ', "");
    if code.len() != 6 || !code.bytes().all(|b| b.is_ascii_digit()) {
        return None;
    }
    let step = now_ms / 1000 / 30;
    (step - 1..=step + 1).find(|s| totp.generate((*s * 30) as u64) == code)
}

impl Services {
    /// Checks a username and password and opens a session.
    ///
    /// Unknown usernames, wrong passwords and deactivated accounts all answer
    /// [`AppError::BadCredentials`] after the same amount of work. Failures are counted per
    /// username and per address; past the thresholds both are locked for the lockout window,
    /// whether the account exists or not.
    pub async fn sign_in(
        &self,
        username: &str,
        password: &str,
        ip: Option<&str>,
        user_agent: Option<&str>,
    ) -> AppResult<NewSessionToken> {
        let now = now_ms();
        let name = Username::parse(username)
            .map(|u| u.as_str().to_string())
            .unwrap_or_else(|_| username.trim().to_lowercase().chars().take(64).collect());
        let user_key = format!("user:{name}");
        let ip_key = ip.map(|a| format!("ip:{a}"));
        let keys: Vec<&str> = std::iter::once(user_key.as_str()).chain(ip_key.as_deref()).collect();
        self.ensure_unlocked(&keys, now).await?;
        let creds = {
            let mut c = self.store.read().await?;
            db::credentials_by_username(&mut c, &name).await?
        };
        let password_ok = self.hasher.verify(password, creds.as_ref().map(|c| c.password_hash.as_str())).await;
        let who = Who { user_id: creds.as_ref().map(|c| c.id), label: name.clone(), ip: ip.map(str::to_string) };
        let creds = match creds {
            Some(c) if password_ok && c.active => c,
            _ => {
                let mut tx = self.store.begin().await?;
                let mut locked = false;
                let user_limit = i64::from(self.settings.lockout_threshold);
                locked |= self.count_failure(&mut tx, &user_key, user_limit, now).await?;
                if let Some(k) = &ip_key {
                    locked |=
                        self.count_failure(&mut tx, k, i64::from(self.settings.ip_lockout_threshold), now).await?;
                }
                record(&mut tx, &who, "session.sign_in_failed", "user", Some(name.clone()), NONE, NONE).await?;
                if locked {
                    record(&mut tx, &who, "session.locked_out", "user", Some(name.clone()), NONE, NONE).await?;
                }
                commit(tx).await?;
                return Err(AppError::BadCredentials);
            }
        };

        let mut tx = self.store.begin().await?;
        let grants = self.grants(&mut tx, creds.id).await?;
        let required = db::roles_requiring_totp(&mut tx).await?;
        let needs_factor = grants.iter().any(|g| required.iter().any(|r| r == g.role.as_str()));
        let stage = if creds.totp_enabled {
            Stage::Totp
        } else if needs_factor {
            Stage::Enroll
        } else {
            Stage::Full
        };
        let token = random_token();
        let expires_at = now + self.settings.session_idle.as_millis() as i64;
        let session_id = db::insert_session(
            &mut tx,
            &NewSession {
                token_hash: &sha256_hex(&token),
                user_id: creds.id,
                csrf_token: &random_token(),
                stage: stage.as_str(),
                ip,
                user_agent: user_agent.map(|u| if u.len() > 255 { &u[..u.floor_char_boundary(255)] } else { u }),
                expires_at,
            },
            now,
        )
        .await?;
        db::clear_throttle(&mut tx, &user_key).await?;
        let detail = serde_json::json!({ "session": session_id, "stage": stage.as_str() });
        record(&mut tx, &who, "session.sign_in", "user", Some(creds.id.to_string()), NONE, Some(&detail)).await?;
        let user =
            db::get_user(&mut tx, creds.id, &egov_domain::authz::Visibility::All).await?.ok_or(AppError::NotFound)?;
        commit(tx).await?;
        Ok(NewSessionToken {
            token,
            stage,
            locale: Lang::parse(&user.locale).unwrap_or_default(),
            must_change_password: user.must_change_password,
        })
    }

    /// Refuses with `Throttled` while any of `keys` is locked.
    async fn ensure_unlocked(&self, keys: &[&str], now: i64) -> AppResult<()> {
        let mut c = self.store.read().await?;
        for key in keys {
            if let Some(t) = db::throttle(&mut c, key).await? {
                if t.locked_until > now {
                    let retry_after_secs = ((t.locked_until - now) / 1000 + 1) as u64;
                    return Err(AppError::Throttled { retry_after_secs });
                }
            }
        }
        Ok(())
    }

    /// Counts one failure under `key`; returns true when this failure locked it.
    async fn count_failure(&self, c: &mut Conn, key: &str, limit: i64, now: i64) -> AppResult<bool> {
        let window = self.settings.lockout_window.as_millis() as i64;
        let mut t =
            db::throttle(c, key).await?.unwrap_or(ThrottleRow { failures: 0, window_start: now, locked_until: 0 });
        if now - t.window_start > window {
            t = ThrottleRow { failures: 0, window_start: now, locked_until: 0 };
        }
        t.failures += 1;
        let locks = t.failures >= limit;
        if locks {
            t.locked_until = now + window;
            t.failures = 0;
            t.window_start = now;
        }
        db::save_throttle(c, key, &t).await?;
        Ok(locks)
    }

    async fn grants(&self, c: &mut Conn, user_id: i64) -> AppResult<Vec<Grant>> {
        Ok(crate::users::to_grants(&db::grants_of(c, user_id).await?))
    }

    /// Resolves a session cookie; `None` when unknown or expired. Extends the idle expiry at
    /// most once a minute so that reads stay reads.
    pub async fn session(&self, token: &str) -> AppResult<Option<SessionInfo>> {
        if token.is_empty() || token.len() > 100 {
            return Ok(None);
        }
        let now = now_ms();
        let row = {
            let mut c = self.store.read().await?;
            db::session_by_token(&mut c, &sha256_hex(token), now).await?
        };
        let Some((row, grant_rows)) = row.filter(|(r, _)| r.user_active) else {
            return Ok(None);
        };
        if now - row.last_seen_at > 60_000 {
            let idle_end = now + self.settings.session_idle.as_millis() as i64;
            let hard_end = row.created_at + self.settings.session_max.as_millis() as i64;
            let mut tx = self.store.begin().await?;
            db::touch_session(&mut tx, row.id, now, idle_end.min(hard_end)).await?;
            commit(tx).await?;
        }
        Ok(Some(SessionInfo {
            id: row.id,
            user_id: row.user_id,
            agency_id: row.agency_id,
            agency_name: row.agency_name,
            grants: grant_rows,
            username: row.username,
            full_name: row.full_name,
            csrf_token: row.csrf_token,
            stage: Stage::parse(&row.stage),
            locale: Lang::parse(&row.locale).unwrap_or_default(),
            must_change_password: row.must_change_password,
        }))
    }

    /// The caller behind a fully signed-in session.
    pub async fn session_caller(&self, s: &SessionInfo, ip: Option<String>) -> AppResult<Caller> {
        if s.stage != Stage::Full {
            return Err(AppError::Unauthenticated);
        }
        let actor = Actor {
            user_id: s.user_id,
            username: s.username.clone(),
            agency_id: s.agency_id,
            grants: crate::users::to_grants(&s.grants),
            scopes: None,
        };
        Ok(Caller { actor, ip, session_id: Some(s.id), token_id: None })
    }

    /// Builds the actor for a user, limited to `scopes` when acting through a token.
    pub async fn actor(&self, user_id: i64, scopes: Option<Vec<Scope>>) -> AppResult<Actor> {
        let mut c = self.store.read().await?;
        let user = db::get_user(&mut c, user_id, &egov_domain::authz::Visibility::All)
            .await?
            .ok_or(AppError::Unauthenticated)?;
        let grants = self.grants(&mut c, user_id).await?;
        Ok(Actor { user_id, username: user.username, agency_id: user.agency_id, grants, scopes })
    }

    /// Ends this session.
    pub async fn sign_out(&self, s: &SessionInfo, ip: Option<String>) -> AppResult<()> {
        let mut tx = self.store.begin().await?;
        db::delete_session(&mut tx, s.id).await?;
        let who = Who { user_id: Some(s.user_id), label: s.username.clone(), ip };
        record(&mut tx, &who, "session.sign_out", "user", Some(s.user_id.to_string()), NONE, NONE).await?;
        commit(tx).await?;
        Ok(())
    }

    /// Ends every session of the caller, this one included; returns how many ended.
    pub async fn sign_out_everywhere(&self, caller: &Caller) -> AppResult<u64> {
        let mut tx = self.store.begin().await?;
        let n = db::delete_sessions_of(&mut tx, caller.actor.user_id, None).await?;
        let detail = serde_json::json!({ "sessions_ended": n });
        record(
            &mut tx,
            &Who::caller(caller),
            "session.sign_out_everywhere",
            "user",
            Some(caller.actor.user_id.to_string()),
            NONE,
            Some(&detail),
        )
        .await?;
        commit(tx).await?;
        Ok(n)
    }

    /// Completes sign-in with a TOTP code.
    pub async fn verify_totp(&self, s: &SessionInfo, code: &str, ip: Option<String>) -> AppResult<()> {
        if s.stage != Stage::Totp {
            return Err(AppError::Unauthenticated);
        }
        let now = now_ms();
        // Second-factor failures have a counter of their own: a correct password (which clears
        // the sign-in counter) never clears it, so knowing the password buys no more guesses.
        let factor_key = format!("totp:{}", s.username);
        self.ensure_unlocked(&[factor_key.as_str()], now).await?;
        let mut tx = self.store.begin().await?;
        let creds = db::credentials_by_id(&mut tx, s.user_id).await?.ok_or(AppError::Unauthenticated)?;
        let secret = creds.totp_secret.ok_or(AppError::Unauthenticated)?;
        let totp = totp_for(&secret, &self.settings.totp_issuer, &s.username)?;
        let who = Who { user_id: Some(s.user_id), label: s.username.clone(), ip };
        let step = matching_step(&totp, code, now);
        let fresh = match step {
            Some(st) => db::use_totp_step(&mut tx, s.user_id, st).await?,
            None => false,
        };
        if !fresh {
            let locked = self.count_failure(&mut tx, &factor_key, TOTP_FAILURE_LIMIT, now).await?;
            let id = Some(s.user_id.to_string());
            record(&mut tx, &who, "session.totp_failed", "user", id.clone(), NONE, NONE).await?;
            if locked {
                record(&mut tx, &who, "session.totp_locked_out", "user", id, NONE, NONE).await?;
            }
            commit(tx).await?;
            return Err(wrong_code());
        }
        db::set_session_stage(&mut tx, s.id, Stage::Full.as_str()).await?;
        db::clear_throttle(&mut tx, &factor_key).await?;
        record(&mut tx, &who, "session.totp_verified", "user", Some(s.user_id.to_string()), NONE, NONE).await?;
        commit(tx).await?;
        Ok(())
    }

    /// Starts setting up a second factor: stores a fresh secret (not yet enabled) and returns
    /// what the authenticator app needs. Allowed for a full session or an `Enroll` one.
    pub async fn begin_totp(&self, s: &SessionInfo) -> AppResult<TotpSetup> {
        if s.stage == Stage::Totp {
            return Err(AppError::Unauthenticated);
        }
        let mut tx = self.store.begin().await?;
        let creds = db::credentials_by_id(&mut tx, s.user_id).await?.ok_or(AppError::Unauthenticated)?;
        if creds.totp_enabled {
            return Err(AppError::invalid(
                "code",
                "already_enabled",
                "Xác thực hai lớp đã được bật.",
                "Two-factor sign-in is already on.",
            ));
        }
        let secret = hex::encode(rand::random::<[u8; 20]>());
        db::set_totp(&mut tx, s.user_id, Some(&secret), false, now_ms()).await?;
        commit(tx).await?;
        let totp = totp_for(&secret, &self.settings.totp_issuer, &s.username)?;
        Ok(TotpSetup { secret_base32: totp.get_secret_base32(), otpauth_url: totp.get_url() })
    }

    /// The setup started and not yet confirmed, if any: the same secret again (after a wrong
    /// code or a reload), so the app the person already added keeps working.
    pub async fn pending_totp(&self, s: &SessionInfo) -> AppResult<Option<TotpSetup>> {
        if s.stage == Stage::Totp {
            return Err(AppError::Unauthenticated);
        }
        let mut c = self.store.read().await?;
        let creds = db::credentials_by_id(&mut c, s.user_id).await?.ok_or(AppError::Unauthenticated)?;
        match creds.totp_secret.filter(|_| !creds.totp_enabled) {
            Some(secret) => {
                let totp = totp_for(&secret, &self.settings.totp_issuer, &s.username)?;
                Ok(Some(TotpSetup { secret_base32: totp.get_secret_base32(), otpauth_url: totp.get_url() }))
            }
            None => Ok(None),
        }
    }

    /// Finishes setting up a second factor with a first code from the app.
    pub async fn confirm_totp(&self, s: &SessionInfo, code: &str, ip: Option<String>) -> AppResult<()> {
        if s.stage == Stage::Totp {
            return Err(AppError::Unauthenticated);
        }
        let now = now_ms();
        let mut tx = self.store.begin().await?;
        let creds = db::credentials_by_id(&mut tx, s.user_id).await?.ok_or(AppError::Unauthenticated)?;
        let Some(secret) = creds.totp_secret.filter(|_| !creds.totp_enabled) else {
            return Err(AppError::invalid(
                "code",
                "not_started",
                "Hãy bắt đầu lại việc cài đặt.",
                "Start the setup again.",
            ));
        };
        let totp = totp_for(&secret, &self.settings.totp_issuer, &s.username)?;
        let Some(step) = matching_step(&totp, code, now) else {
            return Err(wrong_code());
        };
        db::set_totp(&mut tx, s.user_id, Some(&secret), true, now).await?;
        db::use_totp_step(&mut tx, s.user_id, step).await?;
        if s.stage == Stage::Enroll {
            db::set_session_stage(&mut tx, s.id, Stage::Full.as_str()).await?;
        }
        let who = Who { user_id: Some(s.user_id), label: s.username.clone(), ip };
        record(&mut tx, &who, "user.totp_enable", "user", Some(s.user_id.to_string()), NONE, NONE).await?;
        commit(tx).await?;
        Ok(())
    }

    /// Turns the second factor off (needs the current password; refused when a role of the
    /// caller requires it).
    pub async fn disable_totp(&self, caller: &Caller, password: &str) -> AppResult<()> {
        self.check_current_password(caller, password).await?;
        let mut tx = self.store.begin().await?;
        let required = db::roles_requiring_totp(&mut tx).await?;
        if caller.actor.grants.iter().any(|g| required.iter().any(|r| r == g.role.as_str())) {
            return Err(AppError::invalid(
                "password",
                "totp_required",
                "Vai trò của bạn bắt buộc xác thực hai lớp.",
                "Your role requires two-factor sign-in.",
            ));
        }
        db::set_totp(&mut tx, caller.actor.user_id, None, false, now_ms()).await?;
        record(
            &mut tx,
            &Who::caller(caller),
            "user.totp_disable",
            "user",
            Some(caller.actor.user_id.to_string()),
            NONE,
            NONE,
        )
        .await?;
        commit(tx).await?;
        Ok(())
    }

    /// Checks the caller's current password (before a password change or turning the second
    /// factor off) under the sign-in throttle: the same per-username counter and lockout, so it
    /// is no faster an oracle than the sign-in form; each failure is audited.
    async fn check_current_password(&self, caller: &Caller, password: &str) -> AppResult<()> {
        let now = now_ms();
        let user_key = format!("user:{}", caller.actor.username);
        self.ensure_unlocked(&[user_key.as_str()], now).await?;
        let creds = {
            let mut c = self.store.read().await?;
            db::credentials_by_id(&mut c, caller.actor.user_id).await?.ok_or(AppError::Unauthenticated)?
        };
        if self.hasher.verify(password, Some(&creds.password_hash)).await {
            return Ok(());
        }
        let mut tx = self.store.begin().await?;
        let locked = self.count_failure(&mut tx, &user_key, i64::from(self.settings.lockout_threshold), now).await?;
        let who = Who::caller(caller);
        let id = Some(caller.actor.user_id.to_string());
        record(&mut tx, &who, "user.password_check_failed", "user", id.clone(), NONE, NONE).await?;
        if locked {
            record(&mut tx, &who, "session.locked_out", "user", id, NONE, NONE).await?;
        }
        commit(tx).await?;
        Err(AppError::invalid(
            "current_password",
            "wrong_password",
            "Mật khẩu hiện tại không đúng.",
            "The current password is wrong.",
        ))
    }

    /// Who set the caller's current temporary password and when (from the audit trail), while
    /// the password they were given is still to be changed: the person is told their password
    /// was reset, and by whom.
    pub async fn password_reset_notice(&self, caller: &Caller) -> AppResult<Option<(String, i64)>> {
        let mut c = self.store.read().await?;
        let id = caller.actor.user_id.to_string();
        let filter = egov_storage::audit::AuditFilter {
            object_type: Some("user"),
            object_id: Some(&id),
            action: Some("user.password_reset"),
            limit: 1,
            ..Default::default()
        };
        let entry = egov_storage::audit::list(&mut c, &filter).await?.into_iter().next();
        Ok(entry.map(|e| (e.record.actor, e.record.at_ms)))
    }

    /// Changes the caller's own password and ends their other sessions. With `everywhere`,
    /// this session and every API token of theirs end too ("sign out everywhere").
    pub async fn change_password(&self, caller: &Caller, current: &str, new: &str, everywhere: bool) -> AppResult<()> {
        if caller.token_id.is_some() {
            return Err(AppError::Forbidden);
        }
        let mut check = Check::new();
        check.take(check_password(new, &caller.actor.username).map_err(|e| e.with_field("new_password")));
        if current == new {
            check.push(FieldError::new(
                "new_password",
                "unchanged",
                "Mật khẩu mới phải khác mật khẩu hiện tại.",
                "The new password must differ from the current one.",
            ));
        }
        check.finish()?;
        self.check_current_password(caller, current).await?;
        let hash = self.hasher.hash(new).await?;
        let now = now_ms();
        let mut tx = self.store.begin().await?;
        db::set_password(&mut tx, caller.actor.user_id, &hash, false, now).await?;
        let keep = if everywhere { None } else { caller.session_id };
        let ended = db::delete_sessions_of(&mut tx, caller.actor.user_id, keep).await?;
        let revoked = if everywhere { db::revoke_tokens_of(&mut tx, caller.actor.user_id, now).await? } else { 0 };
        let detail =
            serde_json::json!({ "sessions_ended": ended, "tokens_revoked": revoked, "everywhere": everywhere });
        record(
            &mut tx,
            &Who::caller(caller),
            "user.password_change",
            "user",
            Some(caller.actor.user_id.to_string()),
            NONE,
            Some(&detail),
        )
        .await?;
        commit(tx).await?;
        Ok(())
    }

    /// Creates an API token for the caller. Returns the stored row and the secret, which is
    /// shown once and kept only as a hash. Tokens cannot mint tokens.
    pub async fn create_token(
        &self,
        caller: &Caller,
        name: &str,
        scopes: &[String],
        expires_in_days: Option<u32>,
    ) -> AppResult<(TokenRow, String)> {
        if caller.token_id.is_some() {
            return Err(AppError::Forbidden);
        }
        let mut check = Check::new();
        let name = check.take(egov_domain::person::DisplayName::parse(name, "name"));
        let mut parsed = Vec::new();
        for s in scopes {
            match Scope::parse(s) {
                Some(sc) if !parsed.contains(&sc) => parsed.push(sc),
                Some(_) => {}
                None => check.push(FieldError::new(
                    "scopes",
                    "unknown_scope",
                    format!("Phạm vi không hợp lệ: {s}"),
                    format!("Unknown scope: {s}"),
                )),
            }
        }
        if parsed.is_empty() && scopes.is_empty() {
            check.push(FieldError::new(
                "scopes",
                "required",
                "Chọn ít nhất một phạm vi.",
                "Choose at least one scope.",
            ));
        }
        if let Some(d) = expires_in_days {
            if !(1..=730).contains(&d) {
                check.push(FieldError::new(
                    "expires_in_days",
                    "range",
                    "Thời hạn phải từ 1 đến 730 ngày.",
                    "Expiry must be 1 to 730 days.",
                ));
            }
        }
        check.finish()?;
        let name = name.ok_or(AppError::NotFound)?;
        let secret = format!("egov_{}", random_token());
        let now = now_ms();
        let scope_text = parsed.iter().map(|s| s.as_str()).collect::<Vec<_>>().join(" ");
        let expires_at = expires_in_days.map(|d| now + i64::from(d) * 86_400_000);
        let mut tx = self.store.begin().await?;
        let id = db::insert_token(
            &mut tx,
            caller.actor.user_id,
            name.as_str(),
            &sha256_hex(&secret),
            &secret[..12],
            &scope_text,
            expires_at,
            now,
        )
        .await?;
        let detail = serde_json::json!({ "name": name.as_str(), "scopes": scope_text, "expires_at": expires_at });
        record(&mut tx, &Who::caller(caller), "token.create", "api_token", Some(id.to_string()), NONE, Some(&detail))
            .await?;
        let row = db::tokens_of(&mut tx, caller.actor.user_id)
            .await?
            .into_iter()
            .find(|t| t.id == id)
            .ok_or(AppError::NotFound)?;
        commit(tx).await?;
        Ok((row, secret))
    }

    /// The caller's tokens.
    pub async fn tokens(&self, caller: &Caller) -> AppResult<Vec<TokenRow>> {
        let mut c = self.store.read().await?;
        Ok(db::tokens_of(&mut c, caller.actor.user_id).await?)
    }

    /// Revokes one of the caller's tokens.
    pub async fn revoke_token(&self, caller: &Caller, id: i64) -> AppResult<()> {
        let mut tx = self.store.begin().await?;
        if !db::revoke_token(&mut tx, id, caller.actor.user_id, now_ms()).await? {
            return Err(AppError::NotFound);
        }
        record(&mut tx, &Who::caller(caller), "token.revoke", "api_token", Some(id.to_string()), NONE, NONE).await?;
        commit(tx).await?;
        Ok(())
    }

    /// The caller behind a bearer token, or `Unauthenticated`.
    pub async fn token_caller(&self, secret: &str, ip: Option<String>) -> AppResult<Caller> {
        if !secret.starts_with("egov_") || secret.len() > 100 {
            return Err(AppError::Unauthenticated);
        }
        let now = now_ms();
        let token = {
            let mut c = self.store.read().await?;
            db::token_by_hash(&mut c, &sha256_hex(secret), now).await?.ok_or(AppError::Unauthenticated)?
        };
        let scopes = token.scopes.split_whitespace().filter_map(Scope::parse).collect();
        let (actor, user) = {
            let mut c = self.store.read().await?;
            let user = db::get_user(&mut c, token.user_id, &egov_domain::authz::Visibility::All)
                .await?
                .filter(|u| u.active)
                .ok_or(AppError::Unauthenticated)?;
            let grants = self.grants(&mut c, token.user_id).await?;
            let actor = Actor {
                user_id: token.user_id,
                username: user.username.clone(),
                agency_id: user.agency_id,
                grants,
                scopes: Some(scopes),
            };
            (actor, user)
        };
        // A password change that is due blocks tokens as well as sessions (only a session can
        // make the change).
        if user.must_change_password {
            return Err(AppError::PasswordChangeRequired);
        }
        if token.last_used_at.is_none_or(|t| now - t > 60_000) {
            let mut tx = self.store.begin().await?;
            db::touch_token(&mut tx, token.id, now).await?;
            commit(tx).await?;
        }
        Ok(Caller { actor, ip, session_id: None, token_id: Some(token.id) })
    }

    /// Roles that currently require a second factor.
    pub async fn totp_policy(&self) -> AppResult<Vec<Role>> {
        let mut c = self.store.read().await?;
        Ok(db::roles_requiring_totp(&mut c).await?.iter().filter_map(|r| Role::parse(r)).collect())
    }

    /// Requires (or stops requiring) a second factor for a role. System administrators only.
    pub async fn set_totp_policy(&self, caller: &Caller, role: Role, require: bool) -> AppResult<()> {
        if !caller.actor.can_manage_security() || !caller.actor.allows(Scope::OrgWrite) {
            return Err(AppError::Forbidden);
        }
        let mut tx = self.store.begin().await?;
        db::set_role_policy(&mut tx, role.as_str(), require, now_ms()).await?;
        let detail = serde_json::json!({ "role": role.as_str(), "require_totp": require });
        record(
            &mut tx,
            &Who::caller(caller),
            "policy.totp",
            "role",
            Some(role.as_str().to_string()),
            NONE,
            Some(&detail),
        )
        .await?;
        commit(tx).await?;
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn totp_codes_match_their_step_with_drift_and_reject_garbage() {
        let secret = hex::encode([7u8; 20]);
        let totp = totp_for(&secret, "egov", "a").unwrap();
        let now = 1_700_000_000_000i64;
        let step = now / 30_000;
        let code = totp.generate((step * 30) as u64);
        assert_eq!(matching_step(&totp, &code, now), Some(step));
        let prev = totp.generate(((step - 1) * 30) as u64);
        assert_eq!(matching_step(&totp, &prev, now), Some(step - 1));
        let old = totp.generate(((step - 3) * 30) as u64);
        assert_eq!(matching_step(&totp, &old, now), None);
        assert_eq!(matching_step(&totp, "12a456", now), None);
        assert_eq!(matching_step(&totp, "", now), None);
    }
}
