//! Wire types of the API: separate from storage rows, so the database can change without
//! changing the contract.

use egov_domain::audit::StoredEntry;
use egov_service::users::UserDetail;
use egov_storage::accounts::{GrantRow, TokenRow, UserRow};
use egov_storage::org::{AgencyRow, PositionRow, UnitRow};
use serde::{Deserialize, Serialize};
use utoipa::{IntoParams, ToSchema};

/// A page of results. `next_cursor` is absent on the last page.
#[derive(Debug, Serialize, ToSchema)]
pub struct Page<T> {
    pub items: Vec<T>,
    pub next_cursor: Option<String>,
}

/// Paging parameters.
#[derive(Debug, Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
pub struct PageQuery {
    /// Opaque cursor from a previous page's `next_cursor`.
    pub cursor: Option<String>,
    /// Items per page, 1–200 (default 50).
    pub limit: Option<u32>,
}

/// An agency.
#[derive(Debug, Serialize, ToSchema)]
pub struct Agency {
    pub id: i64,
    /// Identifier code (current form `H41.12` or legacy `000.00.12.H41`).
    pub code: String,
    pub name: String,
    pub short_name: Option<String>,
    /// central, province, district or commune.
    pub level: String,
    pub parent_id: Option<i64>,
    pub active: bool,
}

impl From<AgencyRow> for Agency {
    fn from(a: AgencyRow) -> Self {
        Agency {
            id: a.id,
            code: a.code,
            name: a.name,
            short_name: a.short_name,
            level: a.level,
            parent_id: a.parent_id,
            active: a.active,
        }
    }
}

/// A unit of an agency.
#[derive(Debug, Serialize, ToSchema)]
pub struct Unit {
    pub id: i64,
    pub agency_id: i64,
    pub parent_unit_id: Option<i64>,
    pub name: String,
    pub active: bool,
}

impl From<UnitRow> for Unit {
    fn from(u: UnitRow) -> Self {
        Unit { id: u.id, agency_id: u.agency_id, parent_unit_id: u.parent_unit_id, name: u.name, active: u.active }
    }
}

/// An agency with its units.
#[derive(Debug, Serialize, ToSchema)]
pub struct AgencyDetail {
    #[serde(flatten)]
    pub agency: Agency,
    pub units: Vec<Unit>,
}

/// New agency.
#[derive(Debug, Deserialize, ToSchema)]
pub struct NewAgency {
    pub code: String,
    pub name: String,
    pub short_name: Option<String>,
    pub level: String,
    /// Absent for a top-level agency (system administrators only).
    pub parent_id: Option<i64>,
}

/// Changes to an agency.
#[derive(Debug, Deserialize, ToSchema)]
pub struct AgencyPatch {
    pub name: String,
    pub short_name: Option<String>,
    pub active: bool,
}

/// New unit.
#[derive(Debug, Deserialize, ToSchema)]
pub struct NewUnit {
    pub name: String,
    pub parent_unit_id: Option<i64>,
}

/// Changes to a unit.
#[derive(Debug, Deserialize, ToSchema)]
pub struct UnitPatch {
    pub name: String,
    pub active: bool,
}

/// A person's account.
#[derive(Debug, Serialize, ToSchema)]
pub struct User {
    pub id: i64,
    pub username: String,
    pub full_name: String,
    pub email: Option<String>,
    pub phone: Option<String>,
    pub agency_id: i64,
    pub agency_name: String,
    pub active: bool,
    pub locale: String,
    pub totp_enabled: bool,
}

impl From<UserRow> for User {
    fn from(u: UserRow) -> Self {
        User {
            id: u.id,
            username: u.username,
            full_name: u.full_name,
            email: u.email,
            phone: u.phone,
            agency_id: u.agency_id,
            agency_name: u.agency_name,
            active: u.active,
            locale: u.locale,
            totp_enabled: u.totp_enabled,
        }
    }
}

/// A position held.
#[derive(Debug, Serialize, ToSchema)]
pub struct PositionHeld {
    pub id: i64,
    pub agency_id: i64,
    pub agency_name: String,
    pub unit_id: Option<i64>,
    pub unit_name: Option<String>,
    /// head, deputy, unit_head, unit_deputy, specialist or clerk.
    pub position: String,
}

impl From<PositionRow> for PositionHeld {
    fn from(p: PositionRow) -> Self {
        PositionHeld {
            id: p.id,
            agency_id: p.agency_id,
            agency_name: p.agency_name,
            unit_id: p.unit_id,
            unit_name: p.unit_name,
            position: p.position,
        }
    }
}

/// A role held in an agency.
#[derive(Debug, Serialize, ToSchema)]
pub struct RoleGrant {
    pub id: i64,
    pub role: String,
    pub agency_id: i64,
    pub agency_name: String,
}

impl From<GrantRow> for RoleGrant {
    fn from(g: GrantRow) -> Self {
        RoleGrant { id: g.id, role: g.role, agency_id: g.agency_id, agency_name: g.agency_name }
    }
}

/// A person with positions and roles.
#[derive(Debug, Serialize, ToSchema)]
pub struct UserDetails {
    #[serde(flatten)]
    pub user: User,
    pub positions: Vec<PositionHeld>,
    pub roles: Vec<RoleGrant>,
    /// Whether the caller may change this account.
    pub manageable: bool,
}

impl From<UserDetail> for UserDetails {
    fn from(d: UserDetail) -> Self {
        UserDetails {
            user: d.user.into(),
            positions: d.positions.into_iter().map(Into::into).collect(),
            roles: d.grants.into_iter().map(Into::into).collect(),
            manageable: d.manageable,
        }
    }
}

/// New account.
#[derive(Debug, Deserialize, ToSchema)]
pub struct NewUser {
    pub username: String,
    pub full_name: String,
    pub email: Option<String>,
    pub phone: Option<String>,
    pub agency_id: i64,
    pub unit_id: Option<i64>,
    pub position: Option<String>,
    #[serde(default)]
    pub roles: Vec<String>,
    /// Initial password; the person must change it at first sign-in.
    pub password: String,
}

/// Profile fields.
#[derive(Debug, Deserialize, ToSchema)]
pub struct ProfilePatch {
    pub full_name: String,
    pub email: Option<String>,
    pub phone: Option<String>,
    /// vi or en (own profile only).
    pub locale: Option<String>,
}

/// Password change.
#[derive(Debug, Deserialize, ToSchema)]
pub struct PasswordChange {
    pub current_password: String,
    pub new_password: String,
    /// Also end this session and revoke every API token of the caller.
    #[serde(default)]
    pub everywhere: bool,
}

/// Temporary password set by an administrator.
#[derive(Debug, Deserialize, ToSchema)]
pub struct PasswordReset {
    pub new_password: String,
}

/// New position.
#[derive(Debug, Deserialize, ToSchema)]
pub struct NewPosition {
    pub agency_id: i64,
    pub unit_id: Option<i64>,
    pub position: String,
}

/// Move a position to another unit.
#[derive(Debug, Deserialize, ToSchema)]
pub struct PositionMove {
    pub unit_id: i64,
}

/// New role grant.
#[derive(Debug, Deserialize, ToSchema)]
pub struct NewGrant {
    pub role: String,
    pub agency_id: i64,
}

/// Id of something created.
#[derive(Debug, Serialize, ToSchema)]
pub struct Created {
    pub id: i64,
}

/// An API token (without its secret).
#[derive(Debug, Serialize, ToSchema)]
pub struct Token {
    pub id: i64,
    pub name: String,
    pub prefix: String,
    pub scopes: Vec<String>,
    pub created_at: i64,
    pub expires_at: Option<i64>,
    pub revoked_at: Option<i64>,
    pub last_used_at: Option<i64>,
}

impl From<TokenRow> for Token {
    fn from(t: TokenRow) -> Self {
        Token {
            id: t.id,
            name: t.name,
            prefix: t.prefix,
            scopes: t.scopes.split_whitespace().map(str::to_string).collect(),
            created_at: t.created_at,
            expires_at: t.expires_at,
            revoked_at: t.revoked_at,
            last_used_at: t.last_used_at,
        }
    }
}

/// New token request.
#[derive(Debug, Deserialize, ToSchema)]
pub struct NewToken {
    pub name: String,
    /// org:read, org:write, audit:read, profile.
    pub scopes: Vec<String>,
    pub expires_in_days: Option<u32>,
}

/// A newly made token: the secret is shown only here.
#[derive(Debug, Serialize, ToSchema)]
pub struct CreatedToken {
    #[serde(flatten)]
    pub token: Token,
    pub secret: String,
}

/// Filters for users.
#[derive(Debug, Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
pub struct UserQuery {
    pub cursor: Option<String>,
    pub limit: Option<u32>,
    pub agency_id: Option<i64>,
    /// Substring of the name or username.
    pub q: Option<String>,
}

/// Filters for the audit trail.
#[derive(Debug, Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
pub struct AuditQuery {
    pub cursor: Option<String>,
    pub limit: Option<u32>,
    pub object_type: Option<String>,
    pub object_id: Option<String>,
}

/// One audit entry.
#[derive(Debug, Serialize, ToSchema)]
pub struct AuditEntry {
    pub seq: i64,
    /// Milliseconds since the Unix epoch.
    pub at_ms: i64,
    pub actor_user_id: Option<i64>,
    pub actor: String,
    pub ip: Option<String>,
    pub action: String,
    pub object_type: String,
    pub object_id: Option<String>,
    /// JSON text of the state before, where it matters.
    pub before: Option<String>,
    pub after: Option<String>,
    pub prev_hash: String,
    pub hash: String,
}

impl From<StoredEntry> for AuditEntry {
    fn from(e: StoredEntry) -> Self {
        let r = e.record;
        AuditEntry {
            seq: r.seq,
            at_ms: r.at_ms,
            actor_user_id: r.actor_user_id,
            actor: r.actor,
            ip: r.ip,
            action: r.action,
            object_type: r.object_type,
            object_id: r.object_id,
            before: r.before,
            after: r.after,
            prev_hash: e.prev_hash,
            hash: e.hash,
        }
    }
}
