//! Administration pages: the organisation tree, units, people, security policy, audit trail.

use super::form::Form;
use askama::Template;
use axum::extract::{Path, Query, State};
use axum::response::{IntoResponse, Redirect, Response};
use axum::routing::{get, post};
use axum::Router;
use egov_domain::audit::StoredEntry;
use egov_domain::page::{encode_cursor, PageRequest};
use egov_domain::{Level, Position, Role};
use egov_service::audit::Verdict;
use egov_service::org::{AgencyChange, AgencyInput};
use egov_service::users::{NewUserInput, ProfileInput, UserDetail};
use egov_service::{AppError, Services};
use egov_storage::accounts::{UserFilter, UserRow};
use egov_storage::audit::AuditFilter;
use egov_storage::org::{AgencyRow, UnitRow};
use serde::Deserialize;

use super::{ctx_with_notice, render};
use crate::error::PageError;
use crate::i18n::tr;
use crate::session::SignedIn;
use crate::view::{Ctx, FormErrors};
use crate::AppState;

pub(super) fn routes() -> Router<AppState> {
    Router::new()
        .route("/admin/agencies", get(agencies))
        .route("/admin/agencies/new", get(agency_new).post(agency_create))
        .route("/admin/agencies/{id}", get(agency).post(agency_update))
        .route("/admin/agencies/{id}/units", post(unit_create))
        .route("/admin/units/{id}", post(unit_update))
        .route("/admin/users", get(users))
        .route("/admin/users/new", get(user_new).post(user_create))
        .route("/admin/users/{id}", get(user).post(user_update))
        .route("/admin/users/{id}/active", post(user_active))
        .route("/admin/users/{id}/password", post(user_password))
        .route("/admin/users/{id}/positions", post(position_add))
        .route("/admin/users/{id}/roles", post(role_add))
        .route("/admin/users/{id}/roles/{grant}/remove", post(role_remove))
        .route("/admin/positions/{id}/move", post(position_move))
        .route("/admin/positions/{id}/remove", post(position_remove))
        .route("/admin/security", get(security).post(security_save))
        .route("/admin/audit", get(audit))
        .route("/admin/audit/verify", post(audit_verify))
}

/// Administration pages answer "no permission" (403, egov's own page) to anyone who administers
/// nothing, instead of an empty page; the security and audit pages to anyone but a system
/// administrator. Each service call still checks its own rights.
pub(super) async fn admin_only(
    s: SignedIn,
    req: axum::extract::Request,
    next: axum::middleware::Next,
) -> Result<Response, PageError> {
    let actor = &s.caller.actor;
    let system = actor.is_system_admin();
    let path = req.uri().path();
    let allowed = if path.starts_with("/admin/security") || path.starts_with("/admin/audit") {
        system
    } else {
        system || actor.has_role(egov_domain::Role::AgencyAdmin)
    };
    if !allowed {
        return Err(PageError { err: AppError::Forbidden, lang: s.ctx.lang });
    }
    Ok(next.run(req).await)
}

fn fail(s: &SignedIn) -> impl Fn(AppError) -> PageError + '_ {
    move |err| PageError { err, lang: s.ctx.lang }
}

/// Rows with their depth in the tree (paths look like `/1/4/9/`), for indentation.
fn with_depth<T>(rows: Vec<T>, path: impl Fn(&T) -> &str) -> Vec<(usize, T)> {
    let base = rows.iter().map(|r| path(r).matches('/').count()).min().unwrap_or(2);
    rows.into_iter().map(|r| ((path(&r).matches('/').count() - base).min(6), r)).collect()
}

#[derive(Deserialize, Default)]
struct NoticeQuery {
    notice: Option<String>,
}

#[derive(Template)]
#[template(path = "agencies.html")]
struct AgenciesPage {
    ctx: Ctx,
    rows: Vec<(usize, AgencyRow)>,
}

async fn agencies(
    State(st): State<AppState>,
    s: SignedIn,
    Query(q): Query<NoticeQuery>,
) -> Result<Response, PageError> {
    let tree = st.services.agency_tree(&s.caller).await.map_err(fail(&s))?;
    let page = AgenciesPage {
        ctx: ctx_with_notice(&s, "agencies.title", q.notice.as_deref()),
        rows: with_depth(tree, |a| &a.path),
    };
    render(&page, s.ctx.lang)
}

#[derive(Deserialize, Default, Clone)]
struct AgencyForm {
    #[serde(default)]
    code: String,
    #[serde(default)]
    name: String,
    #[serde(default)]
    short_name: String,
    #[serde(default)]
    level: String,
    #[serde(default)]
    parent_id: String,
    #[serde(default)]
    active: Option<String>,
}

#[derive(Template)]
#[template(path = "agency_new.html")]
struct AgencyNewPage {
    ctx: Ctx,
    form: AgencyForm,
    errors: FormErrors,
    levels: &'static [Level],
    parents: Vec<AgencyRow>,
    root_allowed: bool,
}

async fn agency_new_page(
    st: &AppState,
    s: &SignedIn,
    form: AgencyForm,
    errors: FormErrors,
) -> Result<Response, PageError> {
    let parents: Vec<AgencyRow> = st
        .services
        .agency_tree(&s.caller)
        .await
        .map_err(fail(s))?
        .into_iter()
        .filter(|a| s.caller.actor.can_admin_agency(&a.path))
        .collect();
    let page = AgencyNewPage {
        ctx: Ctx::signed_in(s, "agencies.new"),
        form,
        errors,
        levels: Level::ALL,
        parents,
        root_allowed: s.caller.actor.can_create_root_agency(),
    };
    render(&page, s.ctx.lang)
}

async fn agency_new(State(st): State<AppState>, s: SignedIn) -> Result<Response, PageError> {
    agency_new_page(&st, &s, AgencyForm { level: "province".into(), ..Default::default() }, FormErrors::default()).await
}

fn parse_id(v: &str) -> Option<i64> {
    v.trim().parse().ok()
}

/// An optional id chosen in a form: blank is none, anything but a whole number is refused
/// (never silently taken as "none", which would make a top-level agency or a unit-less account).
fn optional_id(v: &str, field: &'static str) -> Result<Option<i64>, AppError> {
    let v = v.trim();
    if v.is_empty() {
        return Ok(None);
    }
    v.parse().map(Some).map_err(|_| {
        AppError::invalid(field, "not_a_number", "Giá trị đã chọn không hợp lệ.", "The chosen value is not valid.")
    })
}

async fn agency_create(
    State(st): State<AppState>,
    s: SignedIn,
    Form(f): Form<AgencyForm>,
) -> Result<Response, PageError> {
    let created = match optional_id(&f.parent_id, "parent_id") {
        Ok(parent_id) => {
            let input = AgencyInput {
                code: &f.code,
                name: &f.name,
                short_name: Some(f.short_name.as_str()),
                level: &f.level,
                parent_id,
            };
            st.services.create_agency(&s.caller, &input).await
        }
        Err(e) => Err(e),
    };
    match created {
        Ok(a) => Ok(Redirect::to(&format!("/admin/agencies/{}?notice=created", a.id)).into_response()),
        Err(e) => match FormErrors::from_error(&e, s.ctx.lang, &["code", "name", "short_name", "level", "parent_id"]) {
            Some(errors) => agency_new_page(&st, &s, f, errors).await,
            None => Err(fail(&s)(e)),
        },
    }
}

#[derive(Template)]
#[template(path = "agency.html")]
struct AgencyPage {
    ctx: Ctx,
    agency: AgencyRow,
    units: Vec<(usize, UnitRow)>,
    form: AgencyEditForm,
    errors: FormErrors,
}

struct AgencyEditForm {
    name: String,
    short_name: String,
    active: bool,
}

async fn agency_page(
    st: &AppState,
    s: &SignedIn,
    id: i64,
    form: Option<AgencyEditForm>,
    errors: FormErrors,
    notice: Option<&str>,
) -> Result<Response, PageError> {
    let (agency, units) = st.services.agency(&s.caller, id).await.map_err(fail(s))?;
    let form = form.unwrap_or_else(|| AgencyEditForm {
        name: agency.name.clone(),
        short_name: agency.short_name.clone().unwrap_or_default(),
        active: agency.active,
    });
    let page = AgencyPage {
        ctx: ctx_with_notice(s, "agency.edit", notice),
        agency,
        units: with_depth(units, |u| &u.path),
        form,
        errors,
    };
    render(&page, s.ctx.lang)
}

async fn agency(
    State(st): State<AppState>,
    s: SignedIn,
    Path(id): Path<i64>,
    Query(q): Query<NoticeQuery>,
) -> Result<Response, PageError> {
    agency_page(&st, &s, id, None, FormErrors::default(), q.notice.as_deref()).await
}

async fn agency_update(
    State(st): State<AppState>,
    s: SignedIn,
    Path(id): Path<i64>,
    Form(f): Form<AgencyForm>,
) -> Result<Response, PageError> {
    let active = f.active.is_some();
    let change = AgencyChange { name: &f.name, short_name: Some(f.short_name.as_str()), active };
    match st.services.update_agency(&s.caller, id, &change).await {
        Ok(_) => Ok(Redirect::to(&format!("/admin/agencies/{id}?notice=saved")).into_response()),
        Err(e) => match FormErrors::from_error(&e, s.ctx.lang, &["name", "short_name"]) {
            Some(errors) => {
                agency_page(
                    &st,
                    &s,
                    id,
                    Some(AgencyEditForm { name: f.name, short_name: f.short_name, active }),
                    errors,
                    None,
                )
                .await
            }
            None => Err(fail(&s)(e)),
        },
    }
}

#[derive(Deserialize)]
struct UnitForm {
    #[serde(default)]
    name: String,
    #[serde(default)]
    parent_unit_id: String,
    #[serde(default)]
    active: Option<String>,
}

async fn unit_create(
    State(st): State<AppState>,
    s: SignedIn,
    Path(id): Path<i64>,
    Form(f): Form<UnitForm>,
) -> Result<Response, PageError> {
    let created = match optional_id(&f.parent_unit_id, "parent_unit_id") {
        Ok(parent) => st.services.create_unit(&s.caller, id, parent, &f.name).await,
        Err(e) => Err(e),
    };
    match created {
        Ok(_) => Ok(Redirect::to(&format!("/admin/agencies/{id}?notice=created")).into_response()),
        Err(e) => match FormErrors::from_error(&e, s.ctx.lang, &[]) {
            Some(errors) => agency_page(&st, &s, id, None, errors, None).await,
            None => Err(fail(&s)(e)),
        },
    }
}

async fn unit_update(
    State(st): State<AppState>,
    s: SignedIn,
    Path(id): Path<i64>,
    Form(f): Form<UnitForm>,
) -> Result<Response, PageError> {
    match st.services.update_unit(&s.caller, id, &f.name, f.active.is_some()).await {
        Ok(u) => Ok(Redirect::to(&format!("/admin/agencies/{}?notice=saved", u.agency_id)).into_response()),
        Err(e) => Err(fail(&s)(e)),
    }
}

#[derive(Deserialize, Default)]
struct UsersQuery {
    #[serde(default)]
    q: String,
    agency_id: Option<i64>,
    cursor: Option<String>,
}

#[derive(Template)]
#[template(path = "users.html")]
struct UsersPage {
    ctx: Ctx,
    users: Vec<UserRow>,
    q: String,
    agency_id: Option<i64>,
    next_cursor: Option<String>,
}

async fn users(State(st): State<AppState>, s: SignedIn, Query(q): Query<UsersQuery>) -> Result<Response, PageError> {
    let page = PageRequest::parse(q.cursor.as_deref(), Some(50)).map_err(|e| fail(&s)(AppError::field(e)))?;
    let filter =
        UserFilter { agency_id: q.agency_id, query: Some(q.q.as_str()), after_id: page.after_id, limit: page.limit };
    let users = st.services.users(&s.caller, &filter).await.map_err(fail(&s))?;
    let next_cursor = (users.len() == page.limit as usize).then(|| users.last().map(|u| encode_cursor(u.id))).flatten();
    render(
        &UsersPage { ctx: Ctx::signed_in(&s, "users.title"), users, q: q.q, agency_id: q.agency_id, next_cursor },
        s.ctx.lang,
    )
}

/// Agencies the caller administers, and their active units labelled with the agency name.
async fn reach(services: &Services, s: &SignedIn) -> Result<(Vec<AgencyRow>, Vec<(String, UnitRow)>), PageError> {
    let agencies: Vec<AgencyRow> = services
        .agency_tree(&s.caller)
        .await
        .map_err(fail(s))?
        .into_iter()
        .filter(|a| s.caller.actor.can_admin_agency(&a.path))
        .collect();
    let names: std::collections::HashMap<i64, &str> = agencies.iter().map(|a| (a.id, a.name.as_str())).collect();
    let units = services
        .administered_units(&s.caller)
        .await
        .map_err(fail(s))?
        .into_iter()
        .filter_map(|u| Some((names.get(&u.agency_id)?.to_string(), u)))
        .collect();
    Ok((agencies, units))
}

#[derive(Deserialize, Default, Clone)]
struct NewUserForm {
    #[serde(default)]
    username: String,
    #[serde(default)]
    full_name: String,
    #[serde(default)]
    email: String,
    #[serde(default)]
    phone: String,
    #[serde(default)]
    agency_id: String,
    #[serde(default)]
    unit_id: String,
    #[serde(default)]
    position: String,
    #[serde(default)]
    roles: Vec<String>,
    #[serde(default)]
    password: String,
}

impl NewUserForm {
    fn has_role(&self, role: &str) -> bool {
        self.roles.iter().any(|r| r == role)
    }
}

#[derive(Template)]
#[template(path = "user_new.html")]
struct UserNewPage {
    ctx: Ctx,
    form: NewUserForm,
    errors: FormErrors,
    agencies: Vec<AgencyRow>,
    units: Vec<(String, UnitRow)>,
    positions: &'static [Position],
    roles: Vec<Role>,
}

fn grantable(s: &SignedIn) -> Vec<Role> {
    Role::ALL.iter().copied().filter(|r| *r != Role::SystemAdmin || s.caller.actor.is_system_admin()).collect()
}

async fn user_new_page(
    st: &AppState,
    s: &SignedIn,
    form: NewUserForm,
    errors: FormErrors,
) -> Result<Response, PageError> {
    let (agencies, units) = reach(&st.services, s).await?;
    let page = UserNewPage {
        ctx: Ctx::signed_in(s, "users.new"),
        form,
        errors,
        agencies,
        units,
        positions: Position::ALL,
        roles: grantable(s),
    };
    render(&page, s.ctx.lang)
}

async fn user_new(State(st): State<AppState>, s: SignedIn) -> Result<Response, PageError> {
    user_new_page(&st, &s, NewUserForm::default(), FormErrors::default()).await
}

async fn user_create(
    State(st): State<AppState>,
    s: SignedIn,
    Form(f): Form<NewUserForm>,
) -> Result<Response, PageError> {
    let created = match optional_id(&f.unit_id, "unit_id") {
        Ok(unit_id) => {
            let input = NewUserInput {
                username: &f.username,
                full_name: &f.full_name,
                email: Some(f.email.as_str()),
                phone: Some(f.phone.as_str()),
                agency_id: parse_id(&f.agency_id).unwrap_or(0),
                unit_id,
                position: Some(f.position.as_str()),
                roles: f.roles.clone(),
                password: &f.password,
                must_change_password: true,
            };
            st.services.create_user(&s.caller, &input).await
        }
        Err(e) => Err(e),
    };
    match created {
        Ok(id) => Ok(Redirect::to(&format!("/admin/users/{id}?notice=created")).into_response()),
        Err(e) => {
            let shown =
                ["username", "full_name", "email", "phone", "agency_id", "unit_id", "position", "roles", "password"];
            match FormErrors::from_error(&e, s.ctx.lang, &shown) {
                Some(errors) => user_new_page(&st, &s, NewUserForm { password: String::new(), ..f }, errors).await,
                None => Err(fail(&s)(e)),
            }
        }
    }
}

#[derive(Template)]
#[template(path = "user.html")]
struct UserPage {
    ctx: Ctx,
    detail: UserDetail,
    form: ProfileForm,
    errors: FormErrors,
    agencies: Vec<AgencyRow>,
    units: Vec<(String, UnitRow)>,
    positions: &'static [Position],
    roles: Vec<Role>,
}

#[derive(Deserialize, Default, Clone)]
pub(super) struct ProfileForm {
    #[serde(default)]
    pub full_name: String,
    #[serde(default)]
    pub email: String,
    #[serde(default)]
    pub phone: String,
    #[serde(default)]
    pub locale: String,
}

impl ProfileForm {
    /// The service input; the language is only taken from one's own profile form.
    pub(super) fn input(&self, with_locale: bool) -> ProfileInput<'_> {
        ProfileInput {
            full_name: &self.full_name,
            email: Some(self.email.as_str()),
            phone: Some(self.phone.as_str()),
            locale: with_locale.then_some(self.locale.as_str()),
        }
    }
}

async fn user_page(
    st: &AppState,
    s: &SignedIn,
    id: i64,
    form: Option<ProfileForm>,
    errors: FormErrors,
    notice: Option<&str>,
) -> Result<Response, PageError> {
    let detail = st.services.user(&s.caller, id).await.map_err(fail(s))?;
    let (agencies, units) = if detail.manageable { reach(&st.services, s).await? } else { (Vec::new(), Vec::new()) };
    let form = form.unwrap_or_else(|| ProfileForm {
        full_name: detail.user.full_name.clone(),
        email: detail.user.email.clone().unwrap_or_default(),
        phone: detail.user.phone.clone().unwrap_or_default(),
        locale: detail.user.locale.clone(),
    });
    let page = UserPage {
        ctx: ctx_with_notice(s, "users.title", notice),
        detail,
        form,
        errors,
        agencies,
        units,
        positions: Position::ALL,
        roles: grantable(s),
    };
    render(&page, s.ctx.lang)
}

async fn user(
    State(st): State<AppState>,
    s: SignedIn,
    Path(id): Path<i64>,
    Query(q): Query<NoticeQuery>,
) -> Result<Response, PageError> {
    user_page(&st, &s, id, None, FormErrors::default(), q.notice.as_deref()).await
}

/// Re-renders the user page with the error, or fails with it.
async fn user_error(
    st: &AppState,
    s: &SignedIn,
    id: i64,
    e: AppError,
    form: Option<ProfileForm>,
) -> Result<Response, PageError> {
    match FormErrors::from_error(&e, s.ctx.lang, &["full_name", "email", "phone", "new_password"]) {
        Some(errors) => user_page(st, s, id, form, errors, None).await,
        None => Err(fail(s)(e)),
    }
}

fn done(id: i64, notice: &str) -> Response {
    Redirect::to(&format!("/admin/users/{id}?notice={notice}")).into_response()
}

async fn user_update(
    State(st): State<AppState>,
    s: SignedIn,
    Path(id): Path<i64>,
    Form(f): Form<ProfileForm>,
) -> Result<Response, PageError> {
    let input = f.input(false);
    match st.services.update_user(&s.caller, id, &input).await {
        Ok(()) => Ok(done(id, "saved")),
        Err(e) => user_error(&st, &s, id, e, Some(f)).await,
    }
}

#[derive(Deserialize)]
struct ActiveForm {
    active: String,
}

async fn user_active(
    State(st): State<AppState>,
    s: SignedIn,
    Path(id): Path<i64>,
    Form(f): Form<ActiveForm>,
) -> Result<Response, PageError> {
    let active = f.active == "true";
    match st.services.set_user_active(&s.caller, id, active).await {
        Ok(()) => Ok(done(id, if active { "activated" } else { "deactivated" })),
        Err(e) => user_error(&st, &s, id, e, None).await,
    }
}

#[derive(Deserialize)]
struct ResetForm {
    #[serde(default)]
    new_password: String,
}

async fn user_password(
    State(st): State<AppState>,
    s: SignedIn,
    Path(id): Path<i64>,
    Form(f): Form<ResetForm>,
) -> Result<Response, PageError> {
    match st.services.reset_password(&s.caller, id, &f.new_password).await {
        Ok(()) => Ok(done(id, "password_reset")),
        Err(e) => user_error(&st, &s, id, e.remap("password", "new_password"), None).await,
    }
}

#[derive(Deserialize)]
struct PositionForm {
    /// `a<agency id>` for the leadership of an agency, `u<unit id>` for a unit.
    #[serde(default)]
    target: String,
    #[serde(default)]
    position: String,
}

async fn position_add(
    State(st): State<AppState>,
    s: SignedIn,
    Path(id): Path<i64>,
    Form(f): Form<PositionForm>,
) -> Result<Response, PageError> {
    let result = if let Some(a) = f.target.strip_prefix('a').and_then(parse_id) {
        st.services.add_position(&s.caller, id, a, None, &f.position).await
    } else if let Some(u) = f.target.strip_prefix('u').and_then(parse_id) {
        match st.services.agency_of_unit(&s.caller, u).await {
            Ok(a) => st.services.add_position(&s.caller, id, a, Some(u), &f.position).await,
            Err(e) => Err(e),
        }
    } else {
        Err(AppError::invalid("unit_id", "required", "Hãy chọn đơn vị.", "Choose a unit."))
    };
    match result {
        Ok(_) => Ok(done(id, "saved")),
        Err(e) => user_error(&st, &s, id, e, None).await,
    }
}

#[derive(Deserialize)]
struct MoveForm {
    #[serde(default)]
    unit_id: String,
}

async fn position_move(
    State(st): State<AppState>,
    s: SignedIn,
    Path(id): Path<i64>,
    Form(f): Form<MoveForm>,
) -> Result<Response, PageError> {
    let user_id = st.services.position_owner(&s.caller, id).await.map_err(fail(&s))?;
    match st.services.move_position(&s.caller, id, parse_id(&f.unit_id).unwrap_or(0)).await {
        Ok(()) => Ok(done(user_id, "saved")),
        Err(e) => user_error(&st, &s, user_id, e, None).await,
    }
}

async fn position_remove(State(st): State<AppState>, s: SignedIn, Path(id): Path<i64>) -> Result<Response, PageError> {
    let user_id = st.services.position_owner(&s.caller, id).await.map_err(fail(&s))?;
    match st.services.remove_position(&s.caller, id).await {
        Ok(()) => Ok(done(user_id, "saved")),
        Err(e) => user_error(&st, &s, user_id, e, None).await,
    }
}

#[derive(Deserialize)]
struct RoleForm {
    #[serde(default)]
    role: String,
    #[serde(default)]
    agency_id: String,
}

async fn role_add(
    State(st): State<AppState>,
    s: SignedIn,
    Path(id): Path<i64>,
    Form(f): Form<RoleForm>,
) -> Result<Response, PageError> {
    match st.services.grant_role(&s.caller, id, &f.role, parse_id(&f.agency_id).unwrap_or(0)).await {
        Ok(_) => Ok(done(id, "saved")),
        Err(e) => user_error(&st, &s, id, e, None).await,
    }
}

async fn role_remove(
    State(st): State<AppState>,
    s: SignedIn,
    Path((id, grant)): Path<(i64, i64)>,
) -> Result<Response, PageError> {
    match st.services.revoke_role(&s.caller, id, grant).await {
        Ok(()) => Ok(done(id, "saved")),
        Err(e) => user_error(&st, &s, id, e, None).await,
    }
}

#[derive(Template)]
#[template(path = "security.html")]
struct SecurityPage {
    ctx: Ctx,
    roles: Vec<(Role, bool)>,
}

async fn security(
    State(st): State<AppState>,
    s: SignedIn,
    Query(q): Query<NoticeQuery>,
) -> Result<Response, PageError> {
    if !s.caller.actor.can_manage_security() {
        return Err(fail(&s)(AppError::Forbidden));
    }
    let on = st.services.totp_policy().await.map_err(fail(&s))?;
    let roles = Role::ALL.iter().map(|r| (*r, on.contains(r))).collect();
    render(&SecurityPage { ctx: ctx_with_notice(&s, "security.title", q.notice.as_deref()), roles }, s.ctx.lang)
}

#[derive(Deserialize)]
struct SecurityForm {
    #[serde(default)]
    roles: Vec<String>,
}

async fn security_save(
    State(st): State<AppState>,
    s: SignedIn,
    Form(f): Form<SecurityForm>,
) -> Result<Response, PageError> {
    let current = st.services.totp_policy().await.map_err(fail(&s))?;
    for r in Role::ALL {
        let want = f.roles.iter().any(|x| x == r.as_str());
        if want != current.contains(r) {
            st.services.set_totp_policy(&s.caller, *r, want).await.map_err(fail(&s))?;
        }
    }
    Ok(Redirect::to("/admin/security?notice=saved").into_response())
}

#[derive(Template)]
#[template(path = "audit.html")]
struct AuditPage {
    ctx: Ctx,
    entries: Vec<StoredEntry>,
    verdict: Option<String>,
    next_cursor: Option<i64>,
}

#[derive(Deserialize)]
struct AuditQuery {
    before: Option<i64>,
}

async fn audit_page(
    st: &AppState,
    s: &SignedIn,
    before: Option<i64>,
    verdict: Option<String>,
) -> Result<Response, PageError> {
    let filter = AuditFilter { before_seq: before, limit: 100, ..Default::default() };
    let entries = st.services.audit_entries(&s.caller, &filter).await.map_err(fail(s))?;
    let next_cursor = (entries.len() == 100).then(|| entries.last().map(|e| e.record.seq)).flatten();
    render(&AuditPage { ctx: Ctx::signed_in(s, "audit.title"), entries, verdict, next_cursor }, s.ctx.lang)
}

async fn audit(State(st): State<AppState>, s: SignedIn, Query(q): Query<AuditQuery>) -> Result<Response, PageError> {
    audit_page(&st, &s, q.before, None).await
}

async fn audit_verify(State(st): State<AppState>, s: SignedIn) -> Result<Response, PageError> {
    if !s.caller.actor.can_read_audit() {
        return Err(fail(&s)(AppError::Forbidden));
    }
    let verdict = match st.services.verify_audit().await.map_err(fail(&s))? {
        Verdict::Intact { entries } => tr(s.ctx.lang, "audit.intact").replace("{n}", &entries.to_string()),
        Verdict::Broken(b) => tr(s.ctx.lang, "audit.broken").replace("{detail}", &b.to_string()),
    };
    audit_page(&st, &s, None, Some(verdict)).await
}
