//! API handlers: parse, call one service function, answer JSON.

use axum::extract::State;
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use axum::Json;
use egov_domain::page::{encode_cursor, PageRequest};
use egov_service::org::{AgencyChange, AgencyInput};
use egov_service::users::{NewUserInput, ProfileInput};
use egov_service::AppError;
use egov_storage::accounts::UserFilter;
use egov_storage::audit::AuditFilter;

use super::types::*;
use crate::error::{ApiError, ErrorBody};
use crate::session::ApiCaller;
use crate::AppState;

mod input;
mod responses;
pub(crate) use input::{Body, Ids, Params};
pub(crate) use responses::CommonResponses;

type ApiResult<T> = Result<T, ApiError>;

fn page(cursor: Option<&str>, limit: Option<u32>, lang: egov_domain::Lang) -> ApiResult<PageRequest> {
    PageRequest::parse(cursor, limit).map_err(|e| ApiError { err: AppError::field(e), lang })
}

fn paged<T, R>(rows: Vec<R>, limit: u32, id: impl Fn(&R) -> i64, map: impl Fn(R) -> T) -> Page<T> {
    let next_cursor = (rows.len() == limit as usize).then(|| rows.last().map(|r| encode_cursor(id(r)))).flatten();
    Page { items: rows.into_iter().map(map).collect(), next_cursor }
}

fn no_content() -> Response {
    StatusCode::NO_CONTENT.into_response()
}

fn created<T: serde::Serialize>(v: T) -> Response {
    (StatusCode::CREATED, Json(v)).into_response()
}

macro_rules! fail {
    ($c:expr) => {
        |err| ApiError { err, lang: $c.lang }
    };
}

/// The caller's account.
#[utoipa::path(get, path = "/api/v1/me", tag = "me", responses((status = 200, body = UserDetails), (status = 401, body = ErrorBody)))]
pub(crate) async fn me(State(st): State<AppState>, c: ApiCaller) -> ApiResult<Json<UserDetails>> {
    Ok(Json(st.services.me(&c.caller).await.map_err(fail!(c))?.into()))
}

/// Changes the caller's profile.
#[utoipa::path(patch, path = "/api/v1/me", tag = "me", request_body = ProfilePatch, responses((status = 204), (status = 422, body = ErrorBody)))]
pub(crate) async fn update_me(
    State(st): State<AppState>,
    c: ApiCaller,
    Body(b): Body<ProfilePatch>,
) -> ApiResult<Response> {
    let input = ProfileInput {
        full_name: &b.full_name,
        email: b.email.as_deref(),
        phone: b.phone.as_deref(),
        locale: b.locale.as_deref(),
    };
    st.services.update_own_profile(&c.caller, &input).await.map_err(fail!(c))?;
    Ok(no_content())
}

/// Changes the caller's password (browser sessions only; tokens are refused); their other
/// sessions end, and with `everywhere` this session and all their API tokens too. Wrong
/// current passwords count towards the sign-in lockout.
#[utoipa::path(post, path = "/api/v1/me/password", tag = "me", request_body = PasswordChange, responses((status = 204), (status = 403, description = "An API token was used (only a browser session may change the password)", body = ErrorBody), (status = 422, description = "The current password is wrong or the new one too weak; `fields` says which", body = ErrorBody), (status = 429, description = "Too many wrong current passwords: locked for a while (Retry-After)", body = ErrorBody)))]
pub(crate) async fn change_password(
    State(st): State<AppState>,
    c: ApiCaller,
    Body(b): Body<PasswordChange>,
) -> ApiResult<Response> {
    st.services
        .change_password(&c.caller, &b.current_password, &b.new_password, b.everywhere)
        .await
        .map_err(fail!(c))?;
    Ok(no_content())
}

/// The caller's API tokens.
#[utoipa::path(get, path = "/api/v1/me/tokens", tag = "me", responses((status = 200, body = Vec<Token>)))]
pub(crate) async fn list_tokens(State(st): State<AppState>, c: ApiCaller) -> ApiResult<Json<Vec<Token>>> {
    Ok(Json(st.services.tokens(&c.caller).await.map_err(fail!(c))?.into_iter().map(Into::into).collect()))
}

/// Makes an API token (browser sessions only; tokens cannot mint tokens).
#[utoipa::path(post, path = "/api/v1/me/tokens", tag = "me", request_body = NewToken, responses((status = 201, body = CreatedToken), (status = 422, body = ErrorBody)))]
pub(crate) async fn create_token(
    State(st): State<AppState>,
    c: ApiCaller,
    Body(b): Body<NewToken>,
) -> ApiResult<Response> {
    let (row, secret) =
        st.services.create_token(&c.caller, &b.name, &b.scopes, b.expires_in_days).await.map_err(fail!(c))?;
    Ok(created(CreatedToken { token: row.into(), secret }))
}

/// Revokes one of the caller's tokens.
#[utoipa::path(delete, path = "/api/v1/me/tokens/{id}", tag = "me", params(("id" = i64, Path)), responses((status = 204), (status = 404, body = ErrorBody)))]
pub(crate) async fn revoke_token(State(st): State<AppState>, c: ApiCaller, Ids(id): Ids<i64>) -> ApiResult<Response> {
    st.services.revoke_token(&c.caller, id).await.map_err(fail!(c))?;
    Ok(no_content())
}

/// Agencies the caller may see.
#[utoipa::path(get, path = "/api/v1/agencies", tag = "organisation", params(PageQuery), responses((status = 200, body = Page<Agency>)))]
pub(crate) async fn list_agencies(
    State(st): State<AppState>,
    c: ApiCaller,
    Params(q): Params<PageQuery>,
) -> ApiResult<Json<Page<Agency>>> {
    let p = page(q.cursor.as_deref(), q.limit, c.lang)?;
    let rows = st.services.agencies(&c.caller, p.after_id, p.limit).await.map_err(fail!(c))?;
    Ok(Json(paged(rows, p.limit, |a| a.id, Into::into)))
}

/// Creates an agency.
#[utoipa::path(post, path = "/api/v1/agencies", tag = "organisation", request_body = NewAgency, responses((status = 201, body = Agency), (status = 409, body = ErrorBody), (status = 422, body = ErrorBody)))]
pub(crate) async fn create_agency(
    State(st): State<AppState>,
    c: ApiCaller,
    Body(b): Body<NewAgency>,
) -> ApiResult<Response> {
    let input = AgencyInput {
        code: &b.code,
        name: &b.name,
        short_name: b.short_name.as_deref(),
        level: &b.level,
        parent_id: b.parent_id,
    };
    Ok(created(Agency::from(st.services.create_agency(&c.caller, &input).await.map_err(fail!(c))?)))
}

/// One agency with its units.
#[utoipa::path(get, path = "/api/v1/agencies/{id}", tag = "organisation", params(("id" = i64, Path)), responses((status = 200, body = AgencyDetail), (status = 404, body = ErrorBody)))]
pub(crate) async fn get_agency(
    State(st): State<AppState>,
    c: ApiCaller,
    Ids(id): Ids<i64>,
) -> ApiResult<Json<AgencyDetail>> {
    let (a, units) = st.services.agency(&c.caller, id).await.map_err(fail!(c))?;
    Ok(Json(AgencyDetail { agency: a.into(), units: units.into_iter().map(Into::into).collect() }))
}

/// Changes an agency.
#[utoipa::path(patch, path = "/api/v1/agencies/{id}", tag = "organisation", params(("id" = i64, Path)), request_body = AgencyPatch, responses((status = 200, body = Agency), (status = 404, body = ErrorBody)))]
pub(crate) async fn update_agency(
    State(st): State<AppState>,
    c: ApiCaller,
    Ids(id): Ids<i64>,
    Body(b): Body<AgencyPatch>,
) -> ApiResult<Json<Agency>> {
    let change = AgencyChange { name: &b.name, short_name: b.short_name.as_deref(), active: b.active };
    Ok(Json(st.services.update_agency(&c.caller, id, &change).await.map_err(fail!(c))?.into()))
}

/// Adds a unit to an agency.
#[utoipa::path(post, path = "/api/v1/agencies/{id}/units", tag = "organisation", params(("id" = i64, Path)), request_body = NewUnit, responses((status = 201, body = Unit), (status = 409, body = ErrorBody)))]
pub(crate) async fn create_unit(
    State(st): State<AppState>,
    c: ApiCaller,
    Ids(id): Ids<i64>,
    Body(b): Body<NewUnit>,
) -> ApiResult<Response> {
    Ok(created(Unit::from(st.services.create_unit(&c.caller, id, b.parent_unit_id, &b.name).await.map_err(fail!(c))?)))
}

/// Renames or (de)activates a unit.
#[utoipa::path(patch, path = "/api/v1/units/{id}", tag = "organisation", params(("id" = i64, Path)), request_body = UnitPatch, responses((status = 200, body = Unit), (status = 409, body = ErrorBody)))]
pub(crate) async fn update_unit(
    State(st): State<AppState>,
    c: ApiCaller,
    Ids(id): Ids<i64>,
    Body(b): Body<UnitPatch>,
) -> ApiResult<Json<Unit>> {
    Ok(Json(st.services.update_unit(&c.caller, id, &b.name, b.active).await.map_err(fail!(c))?.into()))
}

/// People the caller administers.
#[utoipa::path(get, path = "/api/v1/users", tag = "users", params(UserQuery), responses((status = 200, body = Page<User>)))]
pub(crate) async fn list_users(
    State(st): State<AppState>,
    c: ApiCaller,
    Params(q): Params<UserQuery>,
) -> ApiResult<Json<Page<User>>> {
    let p = page(q.cursor.as_deref(), q.limit, c.lang)?;
    let filter = UserFilter { agency_id: q.agency_id, query: q.q.as_deref(), after_id: p.after_id, limit: p.limit };
    let rows = st.services.users(&c.caller, &filter).await.map_err(fail!(c))?;
    Ok(Json(paged(rows, p.limit, |u| u.id, Into::into)))
}

/// Creates an account.
#[utoipa::path(post, path = "/api/v1/users", tag = "users", request_body = NewUser, responses((status = 201, body = Created), (status = 409, body = ErrorBody), (status = 422, body = ErrorBody)))]
pub(crate) async fn create_user(
    State(st): State<AppState>,
    c: ApiCaller,
    Body(b): Body<NewUser>,
) -> ApiResult<Response> {
    let input = NewUserInput {
        username: &b.username,
        full_name: &b.full_name,
        email: b.email.as_deref(),
        phone: b.phone.as_deref(),
        agency_id: b.agency_id,
        unit_id: b.unit_id,
        position: b.position.as_deref(),
        roles: b.roles.clone(),
        password: &b.password,
        must_change_password: true,
    };
    Ok(created(Created { id: st.services.create_user(&c.caller, &input).await.map_err(fail!(c))? }))
}

/// One account with positions and roles.
#[utoipa::path(get, path = "/api/v1/users/{id}", tag = "users", params(("id" = i64, Path)), responses((status = 200, body = UserDetails), (status = 404, body = ErrorBody)))]
pub(crate) async fn get_user(
    State(st): State<AppState>,
    c: ApiCaller,
    Ids(id): Ids<i64>,
) -> ApiResult<Json<UserDetails>> {
    Ok(Json(st.services.user(&c.caller, id).await.map_err(fail!(c))?.into()))
}

/// Changes a person's profile fields.
#[utoipa::path(patch, path = "/api/v1/users/{id}", tag = "users", params(("id" = i64, Path)), request_body = ProfilePatch, responses((status = 204), (status = 403, body = ErrorBody)))]
pub(crate) async fn update_user(
    State(st): State<AppState>,
    c: ApiCaller,
    Ids(id): Ids<i64>,
    Body(b): Body<ProfilePatch>,
) -> ApiResult<Response> {
    let input =
        ProfileInput { full_name: &b.full_name, email: b.email.as_deref(), phone: b.phone.as_deref(), locale: None };
    st.services.update_user(&c.caller, id, &input).await.map_err(fail!(c))?;
    Ok(no_content())
}

/// Deactivates an account and ends its sessions.
#[utoipa::path(post, path = "/api/v1/users/{id}/deactivate", tag = "users", params(("id" = i64, Path)), responses((status = 204)))]
pub(crate) async fn deactivate_user(
    State(st): State<AppState>,
    c: ApiCaller,
    Ids(id): Ids<i64>,
) -> ApiResult<Response> {
    st.services.set_user_active(&c.caller, id, false).await.map_err(fail!(c))?;
    Ok(no_content())
}

/// Reactivates an account.
#[utoipa::path(post, path = "/api/v1/users/{id}/activate", tag = "users", params(("id" = i64, Path)), responses((status = 204)))]
pub(crate) async fn activate_user(State(st): State<AppState>, c: ApiCaller, Ids(id): Ids<i64>) -> ApiResult<Response> {
    st.services.set_user_active(&c.caller, id, true).await.map_err(fail!(c))?;
    Ok(no_content())
}

/// Sets a temporary password.
#[utoipa::path(post, path = "/api/v1/users/{id}/password-reset", tag = "users", params(("id" = i64, Path)), request_body = PasswordReset, responses((status = 204), (status = 422, body = ErrorBody)))]
pub(crate) async fn reset_password(
    State(st): State<AppState>,
    c: ApiCaller,
    Ids(id): Ids<i64>,
    Body(b): Body<PasswordReset>,
) -> ApiResult<Response> {
    st.services
        .reset_password(&c.caller, id, &b.new_password)
        .await
        .map_err(|e| ApiError { err: e.remap("password", "new_password"), lang: c.lang })?;
    Ok(no_content())
}

/// Gives a person a position.
#[utoipa::path(post, path = "/api/v1/users/{id}/positions", tag = "users", params(("id" = i64, Path)), request_body = NewPosition, responses((status = 201, body = Created)))]
pub(crate) async fn add_position(
    State(st): State<AppState>,
    c: ApiCaller,
    Ids(id): Ids<i64>,
    Body(b): Body<NewPosition>,
) -> ApiResult<Response> {
    let pid = st.services.add_position(&c.caller, id, b.agency_id, b.unit_id, &b.position).await.map_err(fail!(c))?;
    Ok(created(Created { id: pid }))
}

/// Moves a position to another unit (a transfer; possibly to another agency).
#[utoipa::path(post, path = "/api/v1/positions/{id}/move", tag = "users", params(("id" = i64, Path)), request_body = PositionMove, responses((status = 204)))]
pub(crate) async fn move_position(
    State(st): State<AppState>,
    c: ApiCaller,
    Ids(id): Ids<i64>,
    Body(b): Body<PositionMove>,
) -> ApiResult<Response> {
    st.services.move_position(&c.caller, id, b.unit_id).await.map_err(fail!(c))?;
    Ok(no_content())
}

/// Ends a position.
#[utoipa::path(delete, path = "/api/v1/positions/{id}", tag = "users", params(("id" = i64, Path)), responses((status = 204)))]
pub(crate) async fn remove_position(
    State(st): State<AppState>,
    c: ApiCaller,
    Ids(id): Ids<i64>,
) -> ApiResult<Response> {
    st.services.remove_position(&c.caller, id).await.map_err(fail!(c))?;
    Ok(no_content())
}

/// Gives a role in an agency.
#[utoipa::path(post, path = "/api/v1/users/{id}/roles", tag = "users", params(("id" = i64, Path)), request_body = NewGrant, responses((status = 201, body = Created), (status = 409, body = ErrorBody)))]
pub(crate) async fn grant_role(
    State(st): State<AppState>,
    c: ApiCaller,
    Ids(id): Ids<i64>,
    Body(b): Body<NewGrant>,
) -> ApiResult<Response> {
    let gid = st.services.grant_role(&c.caller, id, &b.role, b.agency_id).await.map_err(fail!(c))?;
    Ok(created(Created { id: gid }))
}

/// Takes a role back.
#[utoipa::path(delete, path = "/api/v1/users/{id}/roles/{grant_id}", tag = "users", params(("id" = i64, Path), ("grant_id" = i64, Path)), responses((status = 204)))]
pub(crate) async fn revoke_role(
    State(st): State<AppState>,
    c: ApiCaller,
    Ids((id, grant)): Ids<(i64, i64)>,
) -> ApiResult<Response> {
    st.services.revoke_role(&c.caller, id, grant).await.map_err(fail!(c))?;
    Ok(no_content())
}

/// The audit trail, newest first (system administrators, scope audit:read).
#[utoipa::path(get, path = "/api/v1/audit", tag = "audit", params(AuditQuery), responses((status = 200, body = Page<AuditEntry>), (status = 403, body = ErrorBody)))]
pub(crate) async fn list_audit(
    State(st): State<AppState>,
    c: ApiCaller,
    Params(q): Params<AuditQuery>,
) -> ApiResult<Json<Page<AuditEntry>>> {
    let p = page(q.cursor.as_deref(), q.limit, c.lang)?;
    let filter = AuditFilter {
        object_type: q.object_type.as_deref(),
        object_id: q.object_id.as_deref(),
        before_seq: p.after_id,
        limit: p.limit,
        ..Default::default()
    };
    let rows = st.services.audit_entries(&c.caller, &filter).await.map_err(fail!(c))?;
    Ok(Json(paged(rows, p.limit, |e| e.record.seq, Into::into)))
}
