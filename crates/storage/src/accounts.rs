//! Accounts: users, their role grants, sessions, API tokens and sign-in throttling.

use sqlx::{AnyConnection, FromRow};

use crate::query::Sql;
use crate::Flag;
use crate::{Result, Visibility};

/// A user as shown to administrators (no secrets).
#[derive(Clone, Debug, FromRow, PartialEq, Eq)]
pub struct UserRow {
    pub id: i64,
    pub username: String,
    pub full_name: String,
    pub email: Option<String>,
    pub phone: Option<String>,
    pub agency_id: i64,
    pub agency_name: String,
    #[sqlx(try_from = "Flag")]
    pub active: bool,
    pub locale: String,
    #[sqlx(try_from = "Flag")]
    pub must_change_password: bool,
    #[sqlx(try_from = "Flag")]
    pub totp_enabled: bool,
    /// The administrator who set the current password, if one did (migration 0009).
    pub password_set_by: Option<i64>,
    pub created_at: i64,
    pub updated_at: i64,
}

const USER_SELECT: &str = "SELECT u.id, u.username, u.full_name, u.email, u.phone, u.agency_id, \
     a.name AS agency_name, u.active, u.locale, u.must_change_password, u.totp_enabled, u.password_set_by, \
     u.created_at, u.updated_at FROM users u JOIN agencies a ON a.id = u.agency_id";

/// What sign-in needs to know about an account.
#[derive(Clone, Debug, FromRow)]
pub struct Credentials {
    pub id: i64,
    pub username: String,
    pub password_hash: String,
    #[sqlx(try_from = "Flag")]
    pub active: bool,
    pub totp_secret: Option<String>,
    #[sqlx(try_from = "Flag")]
    pub totp_enabled: bool,
    pub totp_last_step: Option<i64>,
}

/// Values for a new user.
#[derive(Clone, Debug)]
pub struct NewUser<'a> {
    pub username: &'a str,
    pub full_name: &'a str,
    pub email: Option<&'a str>,
    pub phone: Option<&'a str>,
    pub agency_id: i64,
    pub password_hash: &'a str,
    pub locale: &'a str,
    pub must_change_password: bool,
    /// The administrator who chose the first password; `None` from the command line.
    pub password_set_by: Option<i64>,
}

/// Inserts a user and returns the id.
pub async fn insert_user(c: &mut AnyConnection, u: &NewUser<'_>, now: i64) -> Result<i64> {
    Ok(sqlx::query_scalar(
        "INSERT INTO users (username, full_name, email, phone, agency_id, password_hash, active, locale, \
         must_change_password, totp_enabled, password_changed_at, created_at, updated_at, password_set_by) \
         VALUES ($1, $2, $3, $4, $5, $6, 1, $7, $8, 0, $9, $9, $9, $10) RETURNING id",
    )
    .bind(u.username)
    .bind(u.full_name)
    .bind(u.email)
    .bind(u.phone)
    .bind(u.agency_id)
    .bind(u.password_hash)
    .bind(u.locale)
    .bind(i64::from(u.must_change_password))
    .bind(now)
    .bind(u.password_set_by)
    .fetch_one(c)
    .await?)
}

/// The user with this id, if the caller may see the user's agency.
pub async fn get_user(c: &mut AnyConnection, id: i64, vis: &Visibility) -> Result<Option<UserRow>> {
    let mut q = Sql::new(USER_SELECT);
    q.push(" WHERE u.id = ").int(id).visible("a.path", "a.id", vis);
    q.fetch_optional(c).await
}

/// Filters for listing users.
#[derive(Clone, Debug, Default)]
pub struct UserFilter<'a> {
    /// Only users whose home agency is this one.
    pub agency_id: Option<i64>,
    /// Case-insensitive substring of the username or full name.
    pub query: Option<&'a str>,
    /// Keyset: only ids above this.
    pub after_id: Option<i64>,
    pub limit: u32,
}

/// Users visible to the caller, by id.
pub async fn list_users(c: &mut AnyConnection, vis: &Visibility, f: &UserFilter<'_>) -> Result<Vec<UserRow>> {
    let mut q = Sql::new(USER_SELECT);
    q.push(" WHERE 1 = 1").visible("a.path", "a.id", vis);
    if let Some(a) = f.agency_id {
        q.push(" AND u.agency_id = ").int(a);
    }
    if let Some(text) = f.query.filter(|t| !t.is_empty()) {
        let pattern = format!("%{}%", text.to_lowercase().replace(['%', '_'], ""));
        q.push(" AND (lower(u.username) LIKE ").text(pattern.clone());
        q.push(" OR lower(u.full_name) LIKE ").text(pattern).push(")");
    }
    if let Some(after) = f.after_id {
        q.push(" AND u.id > ").int(after);
    }
    q.push(" ORDER BY u.id LIMIT ").int(i64::from(f.limit));
    q.fetch_all(c).await
}

/// Credentials for a username (exact, already normalised).
pub async fn credentials_by_username(c: &mut AnyConnection, username: &str) -> Result<Option<Credentials>> {
    Ok(sqlx::query_as(
        "SELECT id, username, password_hash, active, totp_secret, totp_enabled, totp_last_step \
         FROM users WHERE username = $1",
    )
    .bind(username)
    .fetch_optional(c)
    .await?)
}

/// Credentials by user id.
pub async fn credentials_by_id(c: &mut AnyConnection, id: i64) -> Result<Option<Credentials>> {
    Ok(sqlx::query_as(
        "SELECT id, username, password_hash, active, totp_secret, totp_enabled, totp_last_step \
         FROM users WHERE id = $1",
    )
    .bind(id)
    .fetch_optional(c)
    .await?)
}

/// Updates the profile fields of a user.
pub async fn update_profile(
    c: &mut AnyConnection,
    id: i64,
    full_name: &str,
    email: Option<&str>,
    phone: Option<&str>,
    locale: &str,
    now: i64,
) -> Result<()> {
    sqlx::query("UPDATE users SET full_name = $1, email = $2, phone = $3, locale = $4, updated_at = $5 WHERE id = $6")
        .bind(full_name)
        .bind(email)
        .bind(phone)
        .bind(locale)
        .bind(now)
        .bind(id)
        .execute(c)
        .await?;
    Ok(())
}

/// Records that the administrator `admin` set this account's current password (a reset).
pub async fn set_password_origin(c: &mut AnyConnection, id: i64, admin: i64) -> Result<()> {
    sqlx::query("UPDATE users SET password_set_by = $1 WHERE id = $2").bind(admin).bind(id).execute(c).await?;
    Ok(())
}

/// Sets a new password hash; `must_change` forces a change at next sign-in (after a reset).
pub async fn set_password(c: &mut AnyConnection, id: i64, hash: &str, must_change: bool, now: i64) -> Result<()> {
    sqlx::query(
        "UPDATE users SET password_hash = $1, must_change_password = $2, password_changed_at = $3, \
         updated_at = $3 WHERE id = $4",
    )
    .bind(hash)
    .bind(i64::from(must_change))
    .bind(now)
    .bind(id)
    .execute(c)
    .await?;
    Ok(())
}

/// Activates or deactivates an account.
pub async fn set_active(c: &mut AnyConnection, id: i64, active: bool, now: i64) -> Result<()> {
    sqlx::query("UPDATE users SET active = $1, updated_at = $2 WHERE id = $3")
        .bind(i64::from(active))
        .bind(now)
        .bind(id)
        .execute(c)
        .await?;
    Ok(())
}

/// Moves a user's home agency.
pub async fn set_home_agency(c: &mut AnyConnection, id: i64, agency_id: i64, now: i64) -> Result<()> {
    sqlx::query("UPDATE users SET agency_id = $1, updated_at = $2 WHERE id = $3")
        .bind(agency_id)
        .bind(now)
        .bind(id)
        .execute(c)
        .await?;
    Ok(())
}

/// Stores (or clears) the TOTP secret and whether it is enabled.
pub async fn set_totp(c: &mut AnyConnection, id: i64, secret: Option<&str>, enabled: bool, now: i64) -> Result<()> {
    sqlx::query(
        "UPDATE users SET totp_secret = $1, totp_enabled = $2, totp_last_step = NULL, updated_at = $3 WHERE id = $4",
    )
    .bind(secret)
    .bind(i64::from(enabled))
    .bind(now)
    .bind(id)
    .execute(c)
    .await?;
    Ok(())
}

/// Records the last TOTP time step used, refusing a replay: returns false when `step` is not
/// newer than the one recorded.
pub async fn use_totp_step(c: &mut AnyConnection, id: i64, step: i64) -> Result<bool> {
    let done = sqlx::query(
        "UPDATE users SET totp_last_step = $1 WHERE id = $2 AND (totp_last_step IS NULL OR totp_last_step < $1)",
    )
    .bind(step)
    .bind(id)
    .execute(c)
    .await?;
    Ok(done.rows_affected() == 1)
}

/// A role grant with its agency's path (for scoping).
#[derive(Clone, Debug, FromRow, PartialEq, Eq)]
pub struct GrantRow {
    pub id: i64,
    pub user_id: i64,
    pub role: String,
    pub agency_id: i64,
    pub agency_path: String,
    pub agency_name: String,
}

/// Role grants of a user.
pub async fn grants_of(c: &mut AnyConnection, user_id: i64) -> Result<Vec<GrantRow>> {
    Ok(sqlx::query_as(
        "SELECT g.id, g.user_id, g.role, g.agency_id, a.path AS agency_path, a.name AS agency_name \
         FROM role_grants g JOIN agencies a ON a.id = g.agency_id WHERE g.user_id = $1 ORDER BY g.id",
    )
    .bind(user_id)
    .fetch_all(c)
    .await?)
}

/// Grants a role in an agency.
pub async fn insert_grant(c: &mut AnyConnection, user_id: i64, role: &str, agency_id: i64, now: i64) -> Result<i64> {
    Ok(sqlx::query_scalar(
        "INSERT INTO role_grants (user_id, role, agency_id, created_at) VALUES ($1, $2, $3, $4) RETURNING id",
    )
    .bind(user_id)
    .bind(role)
    .bind(agency_id)
    .bind(now)
    .fetch_one(c)
    .await?)
}

/// Removes a grant.
pub async fn delete_grant(c: &mut AnyConnection, id: i64) -> Result<()> {
    sqlx::query("DELETE FROM role_grants WHERE id = $1").bind(id).execute(c).await?;
    Ok(())
}

/// Roles for which a second factor is required.
pub async fn roles_requiring_totp(c: &mut AnyConnection) -> Result<Vec<String>> {
    Ok(sqlx::query_scalar("SELECT role FROM role_policies WHERE require_totp = 1 ORDER BY role").fetch_all(c).await?)
}

/// Sets whether a role requires a second factor.
pub async fn set_role_policy(c: &mut AnyConnection, role: &str, require_totp: bool, now: i64) -> Result<()> {
    sqlx::query(
        "INSERT INTO role_policies (role, require_totp, updated_at) VALUES ($1, $2, $3) \
         ON CONFLICT (role) DO UPDATE SET require_totp = excluded.require_totp, updated_at = excluded.updated_at",
    )
    .bind(role)
    .bind(i64::from(require_totp))
    .bind(now)
    .execute(c)
    .await?;
    Ok(())
}

/// A server-side session joined with its user.
#[derive(Clone, Debug, FromRow)]
pub struct SessionRow {
    pub id: i64,
    pub user_id: i64,
    pub csrf_token: String,
    pub stage: String,
    pub created_at: i64,
    pub last_seen_at: i64,
    pub expires_at: i64,
    pub username: String,
    pub full_name: String,
    pub locale: String,
    pub agency_id: i64,
    pub agency_name: String,
    #[sqlx(try_from = "Flag")]
    pub must_change_password: bool,
    #[sqlx(try_from = "Flag")]
    pub user_active: bool,
}

/// Values for a new session.
#[derive(Clone, Debug)]
pub struct NewSession<'a> {
    pub token_hash: &'a str,
    pub user_id: i64,
    pub csrf_token: &'a str,
    pub stage: &'a str,
    pub ip: Option<&'a str>,
    pub user_agent: Option<&'a str>,
    pub expires_at: i64,
}

/// Stores a session.
pub async fn insert_session(c: &mut AnyConnection, s: &NewSession<'_>, now: i64) -> Result<i64> {
    Ok(sqlx::query_scalar(
        "INSERT INTO sessions (token_hash, user_id, csrf_token, stage, ip, user_agent, created_at, last_seen_at, expires_at) \
         VALUES ($1, $2, $3, $4, $5, $6, $7, $7, $8) RETURNING id",
    )
    .bind(s.token_hash)
    .bind(s.user_id)
    .bind(s.csrf_token)
    .bind(s.stage)
    .bind(s.ip)
    .bind(s.user_agent)
    .bind(now)
    .bind(s.expires_at)
    .fetch_one(c)
    .await?)
}

/// The live session with this token hash and its user's role grants, in one round trip
/// (every authenticated request starts here).
pub async fn session_by_token(
    c: &mut AnyConnection,
    token_hash: &str,
    now: i64,
) -> Result<Option<(SessionRow, Vec<GrantRow>)>> {
    use sqlx::Row;
    let rows = sqlx::query(
        "SELECT s.id, s.user_id, s.csrf_token, s.stage, s.created_at, s.last_seen_at, s.expires_at, \
         u.username, u.full_name, u.locale, u.agency_id, a.name AS agency_name, u.must_change_password, \
         u.active AS user_active, g.id AS grant_id, g.role AS grant_role, g.agency_id AS grant_agency_id, \
         ga.path AS grant_agency_path, ga.name AS grant_agency_name \
         FROM sessions s JOIN users u ON u.id = s.user_id JOIN agencies a ON a.id = u.agency_id \
         LEFT JOIN role_grants g ON g.user_id = u.id LEFT JOIN agencies ga ON ga.id = g.agency_id \
         WHERE s.token_hash = $1 AND s.expires_at > $2 ORDER BY g.id",
    )
    .bind(token_hash)
    .bind(now)
    .fetch_all(c)
    .await?;
    let Some(first) = rows.first() else {
        return Ok(None);
    };
    let session = SessionRow::from_row(first)?;
    let mut grants = Vec::new();
    for r in &rows {
        if let Some(id) = r.try_get::<Option<i64>, _>("grant_id")? {
            grants.push(GrantRow {
                id,
                user_id: session.user_id,
                role: r.try_get("grant_role")?,
                agency_id: r.try_get("grant_agency_id")?,
                agency_path: r.try_get("grant_agency_path")?,
                agency_name: r.try_get("grant_agency_name")?,
            });
        }
    }
    Ok(Some((session, grants)))
}

/// Marks a session as used now and pushes its idle expiry.
pub async fn touch_session(c: &mut AnyConnection, id: i64, now: i64, expires_at: i64) -> Result<()> {
    sqlx::query("UPDATE sessions SET last_seen_at = $1, expires_at = $2 WHERE id = $3")
        .bind(now)
        .bind(expires_at)
        .bind(id)
        .execute(c)
        .await?;
    Ok(())
}

/// Moves a session to another stage (`totp` → `full`).
pub async fn set_session_stage(c: &mut AnyConnection, id: i64, stage: &str) -> Result<()> {
    sqlx::query("UPDATE sessions SET stage = $1 WHERE id = $2").bind(stage).bind(id).execute(c).await?;
    Ok(())
}

/// Ends one session.
pub async fn delete_session(c: &mut AnyConnection, id: i64) -> Result<()> {
    sqlx::query("DELETE FROM sessions WHERE id = $1").bind(id).execute(c).await?;
    Ok(())
}

/// Ends every session of a user except `keep`; returns how many ended.
pub async fn delete_sessions_of(c: &mut AnyConnection, user_id: i64, keep: Option<i64>) -> Result<u64> {
    let done = sqlx::query("DELETE FROM sessions WHERE user_id = $1 AND id <> $2")
        .bind(user_id)
        .bind(keep.unwrap_or(0))
        .execute(c)
        .await?;
    Ok(done.rows_affected())
}

/// Counts a user's live sessions.
pub async fn count_sessions(c: &mut AnyConnection, user_id: i64, now: i64) -> Result<i64> {
    Ok(sqlx::query_scalar("SELECT COUNT(*) FROM sessions WHERE user_id = $1 AND expires_at > $2")
        .bind(user_id)
        .bind(now)
        .fetch_one(c)
        .await?)
}

/// Deletes expired sessions; returns how many.
pub async fn purge_expired_sessions(c: &mut AnyConnection, now: i64) -> Result<u64> {
    let done = sqlx::query("DELETE FROM sessions WHERE expires_at <= $1").bind(now).execute(&mut *c).await?;
    crate::kept_uploads::purge(c, now).await?;
    Ok(done.rows_affected())
}

/// An API token as listed (no hash).
#[derive(Clone, Debug, FromRow, PartialEq, Eq)]
pub struct TokenRow {
    pub id: i64,
    pub user_id: i64,
    pub name: String,
    pub prefix: String,
    pub scopes: String,
    pub created_at: i64,
    pub expires_at: Option<i64>,
    pub revoked_at: Option<i64>,
    pub last_used_at: Option<i64>,
}

const TOKEN_COLS: &str = "id, user_id, name, prefix, scopes, created_at, expires_at, revoked_at, last_used_at";

/// Stores a token by its hash.
#[allow(clippy::too_many_arguments)]
pub async fn insert_token(
    c: &mut AnyConnection,
    user_id: i64,
    name: &str,
    token_hash: &str,
    prefix: &str,
    scopes: &str,
    expires_at: Option<i64>,
    now: i64,
) -> Result<i64> {
    Ok(sqlx::query_scalar(
        "INSERT INTO api_tokens (user_id, name, token_hash, prefix, scopes, created_at, expires_at) \
         VALUES ($1, $2, $3, $4, $5, $6, $7) RETURNING id",
    )
    .bind(user_id)
    .bind(name)
    .bind(token_hash)
    .bind(prefix)
    .bind(scopes)
    .bind(now)
    .bind(expires_at)
    .fetch_one(c)
    .await?)
}

/// The usable token with this hash (not revoked, not expired) and its owner's state.
pub async fn token_by_hash(c: &mut AnyConnection, token_hash: &str, now: i64) -> Result<Option<TokenRow>> {
    Ok(sqlx::query_as(&format!(
        "SELECT {TOKEN_COLS} FROM api_tokens WHERE token_hash = $1 AND revoked_at IS NULL \
         AND (expires_at IS NULL OR expires_at > $2)"
    ))
    .bind(token_hash)
    .bind(now)
    .fetch_optional(c)
    .await?)
}

/// Tokens owned by a user, newest first.
pub async fn tokens_of(c: &mut AnyConnection, user_id: i64) -> Result<Vec<TokenRow>> {
    Ok(sqlx::query_as(&format!("SELECT {TOKEN_COLS} FROM api_tokens WHERE user_id = $1 ORDER BY id DESC"))
        .bind(user_id)
        .fetch_all(c)
        .await?)
}

/// Revokes a token of this user; returns false if there was no such live token.
pub async fn revoke_token(c: &mut AnyConnection, id: i64, user_id: i64, now: i64) -> Result<bool> {
    let done =
        sqlx::query("UPDATE api_tokens SET revoked_at = $1 WHERE id = $2 AND user_id = $3 AND revoked_at IS NULL")
            .bind(now)
            .bind(id)
            .bind(user_id)
            .execute(c)
            .await?;
    Ok(done.rows_affected() == 1)
}

/// Revokes every live token of a user; returns how many.
pub async fn revoke_tokens_of(c: &mut AnyConnection, user_id: i64, now: i64) -> Result<u64> {
    let done = sqlx::query("UPDATE api_tokens SET revoked_at = $1 WHERE user_id = $2 AND revoked_at IS NULL")
        .bind(now)
        .bind(user_id)
        .execute(c)
        .await?;
    Ok(done.rows_affected())
}

/// Notes that a token was used (at most once a minute, to keep reads cheap).
pub async fn touch_token(c: &mut AnyConnection, id: i64, now: i64) -> Result<()> {
    sqlx::query(
        "UPDATE api_tokens SET last_used_at = $1 WHERE id = $2 AND (last_used_at IS NULL OR last_used_at < $3)",
    )
    .bind(now)
    .bind(id)
    .bind(now - 60_000)
    .execute(c)
    .await?;
    Ok(())
}

/// Sign-in failures counted under one key (`user:<name>` or `ip:<address>`).
#[derive(Clone, Debug, FromRow, PartialEq, Eq)]
pub struct ThrottleRow {
    pub failures: i64,
    pub window_start: i64,
    pub locked_until: i64,
}

/// The throttle state of a key.
pub async fn throttle(c: &mut AnyConnection, key: &str) -> Result<Option<ThrottleRow>> {
    Ok(sqlx::query_as("SELECT failures, window_start, locked_until FROM login_throttle WHERE throttle_key = $1")
        .bind(key)
        .fetch_optional(c)
        .await?)
}

/// Writes the throttle state of a key.
pub async fn save_throttle(c: &mut AnyConnection, key: &str, t: &ThrottleRow) -> Result<()> {
    sqlx::query(
        "INSERT INTO login_throttle (throttle_key, failures, window_start, locked_until) VALUES ($1, $2, $3, $4) \
         ON CONFLICT (throttle_key) DO UPDATE SET failures = excluded.failures, \
         window_start = excluded.window_start, locked_until = excluded.locked_until",
    )
    .bind(key)
    .bind(t.failures)
    .bind(t.window_start)
    .bind(t.locked_until)
    .execute(c)
    .await?;
    Ok(())
}

/// Forgets a key's failures (after a successful sign-in).
pub async fn clear_throttle(c: &mut AnyConnection, key: &str) -> Result<()> {
    sqlx::query("DELETE FROM login_throttle WHERE throttle_key = $1").bind(key).execute(c).await?;
    Ok(())
}

/// A person's full name.
pub async fn full_name(c: &mut AnyConnection, id: i64) -> Result<Option<String>> {
    Ok(sqlx::query_scalar("SELECT full_name FROM users WHERE id = $1").bind(id).fetch_optional(c).await?)
}
