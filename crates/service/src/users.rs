//! People and their accounts: creating and changing users, positions in units, role grants,
//! deactivation, password resets, and each person's own profile.

use egov_domain::authz::{Grant, PasswordOrigin, Scope, Visibility, WayInRefusal};
use egov_domain::notification::EventKind;
use egov_domain::person::{check_password, Email, PersonName, Phone, Username};
use egov_domain::{FieldError, Lang, Position, Role};
use egov_storage::accounts::{self as db, GrantRow, NewUser, UserFilter, UserRow};
use egov_storage::org::{self as orgdb, AgencyRow, PositionRow};
use egov_storage::Conn;
use serde::Serialize;

use crate::audit::{record, Who, NONE};
use crate::org::require;
use crate::{commit, now_ms, AppError, AppResult, Caller, Check, Services};

/// Raw input for a new account.
#[derive(Clone, Debug, Default)]
pub struct NewUserInput<'a> {
    pub username: &'a str,
    pub full_name: &'a str,
    pub email: Option<&'a str>,
    pub phone: Option<&'a str>,
    pub agency_id: i64,
    /// First position: in this unit (or the agency leadership when `None`).
    pub unit_id: Option<i64>,
    pub position: Option<&'a str>,
    /// Roles given in the home agency.
    pub roles: Vec<String>,
    pub password: &'a str,
    /// Ask for a new password at first sign-in (default for accounts made by an administrator).
    pub must_change_password: bool,
}

/// Raw profile fields.
#[derive(Clone, Debug, Default)]
pub struct ProfileInput<'a> {
    pub full_name: &'a str,
    pub email: Option<&'a str>,
    pub phone: Option<&'a str>,
    pub locale: Option<&'a str>,
}

/// A person with everything an administrator sees about them.
#[derive(Clone, Debug)]
pub struct UserDetail {
    pub user: UserRow,
    pub positions: Vec<PositionRow>,
    pub grants: Vec<GrantRow>,
    /// Whether the caller may change this account.
    pub manageable: bool,
}

#[derive(Serialize)]
struct ProfileAudit<'a> {
    full_name: &'a str,
    email: Option<&'a str>,
    phone: Option<&'a str>,
    locale: &'a str,
}

fn optional<T>(v: Option<&str>, parse: impl Fn(&str) -> Result<T, FieldError>) -> Result<Option<T>, FieldError> {
    match v.map(str::trim).filter(|s| !s.is_empty()) {
        Some(s) => parse(s).map(Some),
        None => Ok(None),
    }
}

/// Role grants as the permission rules see them (unknown role names are ignored).
pub(crate) fn to_grants(rows: &[GrantRow]) -> Vec<Grant> {
    rows.iter()
        .filter_map(|g| {
            Some(Grant { role: Role::parse(&g.role)?, agency_id: g.agency_id, agency_path: g.agency_path.clone() })
        })
        .collect()
}

/// Stands for the account being created in checks that take a user id (no account has it).
const NOT_YET_AN_ACCOUNT: i64 = i64::MAX;

/// How `user`'s current password came to be.
fn origin_of(user: &UserRow) -> PasswordOrigin {
    PasswordOrigin { set_by: user.password_set_by, temporary: user.must_change_password }
}

/// The field error for a refused way into documents (see `Actor::may_open_way_in`).
fn way_in_refused(field: &'static str, why: WayInRefusal) -> FieldError {
    match why {
        WayInRefusal::Oneself => FieldError::new(
            field,
            "self_grant",
            "Bạn không thể tự cấp cho mình vai trò này; hãy nhờ một quản trị viên khác hoặc quản trị hệ thống.",
            "You cannot give yourself this role; ask another administrator or a system administrator.",
        ),
        WayInRefusal::PasswordYouSet => FieldError::new(
            field,
            "password_you_set",
            "Bạn đã đặt mật khẩu cho tài khoản này nên không được cấp vai trò hay chức vụ mở văn bản cho nó; \
             hãy nhờ một quản trị viên khác hoặc quản trị hệ thống.",
            "You set this account's password, so you may not give it a role or position that opens documents; \
             ask another administrator or a system administrator.",
        ),
        WayInRefusal::TemporaryPassword => FieldError::new(
            field,
            "temporary_password",
            "Người này chưa tự đặt mật khẩu của mình (mật khẩu tạm do quản trị viên khác đặt); \
             hãy chờ họ đăng nhập và đổi mật khẩu rồi cấp.",
            "This person has not set their own password yet (a temporary one set by another administrator); \
             give the role after they sign in and change it.",
        ),
    }
}

fn parse_position(v: &str) -> Result<Position, FieldError> {
    Position::parse(v)
        .ok_or_else(|| FieldError::new("position", "unknown_position", "Hãy chọn chức vụ.", "Choose a position."))
}

fn parse_role(v: &str) -> Result<Role, FieldError> {
    Role::parse(v).ok_or_else(|| {
        FieldError::new("role", "unknown_role", format!("Vai trò không hợp lệ: {v}"), format!("Unknown role: {v}"))
    })
}

impl Services {
    /// Loads a user the caller may manage, with their agency; `NotFound` when out of sight,
    /// `Forbidden` when visible but not manageable.
    async fn managed_user(&self, c: &mut Conn, caller: &Caller, user_id: i64) -> AppResult<(UserRow, AgencyRow)> {
        let user = db::get_user(c, user_id, &caller.actor.admin_visibility()).await?.ok_or(AppError::NotFound)?;
        let home = orgdb::get_agency(c, user.agency_id, &Visibility::All).await?.ok_or(AppError::NotFound)?;
        let grants = db::grants_of(c, user_id).await?;
        if !caller.actor.can_manage_user(&home.path, &to_grants(&grants)) {
            return Err(AppError::Forbidden);
        }
        Ok((user, home))
    }

    /// An agency the caller administers, or an error naming `field`.
    async fn administered_agency(
        &self,
        c: &mut Conn,
        caller: &Caller,
        agency_id: i64,
        field: &'static str,
    ) -> AppResult<AgencyRow> {
        match orgdb::get_agency(c, agency_id, &caller.actor.admin_visibility()).await? {
            Some(a) if caller.actor.can_admin_agency(&a.path) => Ok(a),
            _ => Err(AppError::invalid(
                field,
                "agency_out_of_reach",
                "Bạn không quản trị cơ quan này.",
                "You do not administer this agency.",
            )),
        }
    }

    /// A unit of `agency_id`, or a field error.
    async fn unit_of(&self, c: &mut Conn, agency_id: i64, unit_id: i64) -> AppResult<()> {
        match orgdb::get_unit(c, unit_id, &Visibility::All).await? {
            Some(u) if u.agency_id == agency_id && u.active => Ok(()),
            _ => Err(AppError::invalid(
                "unit_id",
                "unknown_unit",
                "Đơn vị không thuộc cơ quan đã chọn.",
                "The unit is not part of the chosen agency.",
            )),
        }
    }

    /// Users the caller administers, filtered and keyset-paged.
    pub async fn users(&self, caller: &Caller, filter: &UserFilter<'_>) -> AppResult<Vec<UserRow>> {
        require(caller, Scope::OrgRead)?;
        let mut c = self.store.read().await?;
        Ok(db::list_users(&mut c, &caller.actor.admin_visibility(), filter).await?)
    }

    /// One user with positions and grants.
    pub async fn user(&self, caller: &Caller, user_id: i64) -> AppResult<UserDetail> {
        require(caller, Scope::OrgRead)?;
        let mut c = self.store.read().await?;
        let user = db::get_user(&mut c, user_id, &caller.actor.admin_visibility()).await?.ok_or(AppError::NotFound)?;
        let home = orgdb::get_agency(&mut c, user.agency_id, &Visibility::All).await?.ok_or(AppError::NotFound)?;
        let grants = db::grants_of(&mut c, user_id).await?;
        let manageable = caller.actor.can_manage_user(&home.path, &to_grants(&grants));
        let positions = orgdb::positions_of(&mut c, user_id).await?;
        Ok(UserDetail { user, positions, grants, manageable })
    }

    /// Creates an account in an agency the caller administers, with a first position and roles.
    pub async fn create_user(&self, caller: &Caller, input: &NewUserInput<'_>) -> AppResult<i64> {
        require(caller, Scope::OrgWrite)?;
        let mut check = Check::new();
        let username = check.take(Username::parse(input.username));
        let full_name = check.take(PersonName::parse(input.full_name));
        let email = check.take(optional(input.email, Email::parse)).flatten();
        let phone = check.take(optional(input.phone, Phone::parse)).flatten();
        let position = check.take(optional(input.position, parse_position)).flatten();
        let roles: Vec<Role> = input.roles.iter().filter_map(|r| check.take(parse_role(r))).collect();
        check.take(check_password(input.password, username.as_ref().map_or("", |u| u.as_str())));
        if let Some(p) = position {
            if !p.is_agency_level() && input.unit_id.is_none() {
                check.push(FieldError::new(
                    "unit_id",
                    "unit_required",
                    "Chức vụ này cần chọn đơn vị.",
                    "This position needs a unit.",
                ));
            }
        }
        let mut tx = self.store.begin().await?;
        let agency = match self.administered_agency(&mut tx, caller, input.agency_id, "agency_id").await {
            Ok(a) => Some(a),
            Err(AppError::Invalid(errs)) => {
                errs.into_iter().for_each(|e| check.push(e));
                None
            }
            Err(e) => return Err(e),
        };
        if let (Some(a), Some(unit)) = (&agency, input.unit_id) {
            if let Err(AppError::Invalid(errs)) = self.unit_of(&mut tx, a.id, unit).await {
                errs.into_iter().for_each(|e| check.push(e));
            }
        }
        // The caller chooses this account's password: they may not also give it a way into
        // documents (a system administrator may; see `Actor::may_open_way_in`).
        let origin = PasswordOrigin { set_by: Some(caller.actor.user_id), temporary: true };
        let opens = roles.iter().any(|r| r.is_sensitive()) || position.is_some_and(Position::is_agency_level);
        if opens {
            if let Err(why) = caller.actor.may_open_way_in(NOT_YET_AN_ACCOUNT, origin) {
                let field = if roles.iter().any(|r| r.is_sensitive()) { "roles" } else { "position" };
                check.push(way_in_refused(field, why));
            }
        }
        if let Some(a) = &agency {
            for r in &roles {
                if !caller.actor.can_grant(*r, &a.path) {
                    check.push(FieldError::new(
                        "roles",
                        "role_out_of_reach",
                        "Bạn không được cấp vai trò này.",
                        "You may not give this role.",
                    ));
                }
            }
        }
        check.finish()?;
        let (Some(username), Some(full_name), Some(agency)) = (username, full_name, agency) else {
            return Err(AppError::NotFound);
        };
        // Hash outside the transaction's critical path would be nicer, but the hash must not
        // be computed for input that fails validation; it is computed once, here.
        let hash = self.hasher.hash(input.password).await?;
        let now = now_ms();
        let id = db::insert_user(
            &mut tx,
            &NewUser {
                username: username.as_str(),
                full_name: full_name.as_str(),
                email: email.as_ref().map(|e| e.as_str()),
                phone: phone.as_ref().map(|p| p.as_str()),
                agency_id: agency.id,
                password_hash: &hash,
                locale: Lang::Vi.as_str(),
                must_change_password: input.must_change_password,
                password_set_by: caller.account_id(),
            },
            now,
        )
        .await?;
        if let Some(p) = position {
            let unit = if p.is_agency_level() { None } else { input.unit_id };
            orgdb::insert_position(&mut tx, id, agency.id, unit, p.as_str(), now).await?;
        }
        for r in &roles {
            db::insert_grant(&mut tx, id, r.as_str(), agency.id, now).await?;
        }
        let detail = serde_json::json!({
            "username": username.as_str(), "full_name": full_name.as_str(), "agency_id": agency.id,
            "unit_id": input.unit_id, "position": position.map(|p| p.as_str()),
            "roles": roles.iter().map(|r| r.as_str()).collect::<Vec<_>>(),
        });
        record(&mut tx, &Who::caller(caller), "user.create", "user", Some(id.to_string()), NONE, Some(&detail)).await?;
        commit(tx).await?;
        Ok(id)
    }

    /// Changes another person's profile fields.
    pub async fn update_user(&self, caller: &Caller, user_id: i64, input: &ProfileInput<'_>) -> AppResult<()> {
        require(caller, Scope::OrgWrite)?;
        let mut tx = self.store.begin().await?;
        let (user, _) = self.managed_user(&mut tx, caller, user_id).await?;
        self.write_profile(&mut tx, caller, &user, input, "user.update").await?;
        commit(tx).await
    }

    /// Changes the caller's own profile.
    pub async fn update_own_profile(&self, caller: &Caller, input: &ProfileInput<'_>) -> AppResult<()> {
        require(caller, Scope::Profile)?;
        let mut tx = self.store.begin().await?;
        let user = db::get_user(&mut tx, caller.actor.user_id, &Visibility::All).await?.ok_or(AppError::NotFound)?;
        self.write_profile(&mut tx, caller, &user, input, "user.profile").await?;
        commit(tx).await
    }

    async fn write_profile(
        &self,
        c: &mut Conn,
        caller: &Caller,
        user: &UserRow,
        input: &ProfileInput<'_>,
        action: &str,
    ) -> AppResult<()> {
        let mut check = Check::new();
        let full_name = check.take(PersonName::parse(input.full_name));
        let email = check.take(optional(input.email, Email::parse)).flatten();
        let phone = check.take(optional(input.phone, Phone::parse)).flatten();
        let locale = match input.locale {
            Some(l) => Lang::parse(l).unwrap_or_else(|| {
                check.push(FieldError::new("locale", "unknown_locale", "Ngôn ngữ không hợp lệ.", "Unknown language."));
                Lang::Vi
            }),
            None => Lang::parse(&user.locale).unwrap_or_default(),
        };
        check.finish()?;
        let full_name = full_name.ok_or(AppError::NotFound)?;
        let after = ProfileAudit {
            full_name: full_name.as_str(),
            email: email.as_ref().map(|e| e.as_str()),
            phone: phone.as_ref().map(|p| p.as_str()),
            locale: locale.as_str(),
        };
        let before = ProfileAudit {
            full_name: &user.full_name,
            email: user.email.as_deref(),
            phone: user.phone.as_deref(),
            locale: &user.locale,
        };
        db::update_profile(c, user.id, after.full_name, after.email, after.phone, after.locale, now_ms()).await?;
        record(c, &Who::caller(caller), action, "user", Some(user.id.to_string()), Some(&before), Some(&after)).await
    }

    /// Deactivates (ending every session) or reactivates an account. Nobody deactivates themselves.
    pub async fn set_user_active(&self, caller: &Caller, user_id: i64, active: bool) -> AppResult<()> {
        require(caller, Scope::OrgWrite)?;
        if user_id == caller.actor.user_id && !active {
            return Err(AppError::invalid(
                "active",
                "self",
                "Bạn không thể tự khóa tài khoản của mình.",
                "You cannot deactivate your own account.",
            ));
        }
        let mut tx = self.store.begin().await?;
        let (user, _) = self.managed_user(&mut tx, caller, user_id).await?;
        db::set_active(&mut tx, user_id, active, now_ms()).await?;
        if !active {
            db::delete_sessions_of(&mut tx, user_id, None).await?;
        }
        let action = if active { "user.activate" } else { "user.deactivate" };
        let (b, a) = (serde_json::json!({ "active": user.active }), serde_json::json!({ "active": active }));
        record(&mut tx, &Who::caller(caller), action, "user", Some(user_id.to_string()), Some(&b), Some(&a)).await?;
        commit(tx).await
    }

    /// Sets a temporary password that must be changed at next sign-in; ends the person's sessions.
    pub async fn reset_password(&self, caller: &Caller, user_id: i64, new_password: &str) -> AppResult<()> {
        require(caller, Scope::OrgWrite)?;
        let mut tx = self.store.begin().await?;
        let (user, _) = self.managed_user(&mut tx, caller, user_id).await?;
        let grants = to_grants(&db::grants_of(&mut tx, user_id).await?);
        let leads = orgdb::positions_of(&mut tx, user_id)
            .await?
            .iter()
            .any(|p| Position::parse(&p.position).is_some_and(Position::is_agency_level));
        if !caller.actor.can_reset_password(&grants, leads) {
            return Err(AppError::invalid(
                "user",
                "reset_needs_system_admin",
                "Chỉ quản trị hệ thống được đặt lại mật khẩu của lãnh đạo, văn thư và quản trị viên.",
                "Only a system administrator may reset the password of a leader, a clerk or an administrator.",
            ));
        }
        check_password(new_password, &user.username).map_err(AppError::field)?;
        let hash = self.hasher.hash(new_password).await?;
        let now = now_ms();
        db::set_password(&mut tx, user_id, &hash, true, now).await?;
        if let Some(admin) = caller.account_id() {
            db::set_password_origin(&mut tx, user_id, admin).await?;
        }
        // A reset is for a person who lost their password or an account taken over: every way in
        // ends with it, sessions and API tokens alike.
        let sessions = db::delete_sessions_of(&mut tx, user_id, None).await?;
        let tokens = db::revoke_tokens_of(&mut tx, user_id, now).await?;
        let detail = serde_json::json!({ "sessions_ended": sessions, "tokens_revoked": tokens });
        record(
            &mut tx,
            &Who::caller(caller),
            "user.password_reset",
            "user",
            Some(user_id.to_string()),
            NONE,
            Some(&detail),
        )
        .await?;
        commit(tx).await
    }

    /// Gives a person a position in a unit (or the leadership) of an agency the caller administers.
    pub async fn add_position(
        &self,
        caller: &Caller,
        user_id: i64,
        agency_id: i64,
        unit_id: Option<i64>,
        position: &str,
    ) -> AppResult<i64> {
        require(caller, Scope::OrgWrite)?;
        let p = parse_position(position).map_err(AppError::field)?;
        let unit_id = if p.is_agency_level() { None } else { unit_id };
        if !p.is_agency_level() && unit_id.is_none() {
            return Err(AppError::invalid(
                "unit_id",
                "unit_required",
                "Chức vụ này cần chọn đơn vị.",
                "This position needs a unit.",
            ));
        }
        let mut tx = self.store.begin().await?;
        let (user, _) = self.managed_user(&mut tx, caller, user_id).await?;
        if p.is_agency_level() {
            caller
                .actor
                .may_open_way_in(user_id, origin_of(&user))
                .map_err(|why| AppError::field(way_in_refused("position", why)))?;
        }
        self.administered_agency(&mut tx, caller, agency_id, "agency_id").await?;
        if let Some(u) = unit_id {
            self.unit_of(&mut tx, agency_id, u).await?;
        }
        let id = orgdb::insert_position(&mut tx, user_id, agency_id, unit_id, p.as_str(), now_ms()).await?;
        let detail = serde_json::json!({ "user_id": user_id, "agency_id": agency_id, "unit_id": unit_id, "position": p.as_str() });
        record(&mut tx, &Who::caller(caller), "position.add", "position", Some(id.to_string()), NONE, Some(&detail))
            .await?;
        commit(tx).await?;
        Ok(id)
    }

    /// Moves a position to another unit, possibly in another agency the caller administers
    /// (a transfer or a reorganisation). The person's home agency follows when it was the
    /// position's agency and they hold nothing else there.
    pub async fn move_position(&self, caller: &Caller, position_id: i64, unit_id: i64) -> AppResult<()> {
        require(caller, Scope::OrgWrite)?;
        let mut tx = self.store.begin().await?;
        let pos = orgdb::get_position(&mut tx, position_id).await?.ok_or(AppError::NotFound)?;
        let (user, _) = self.managed_user(&mut tx, caller, pos.user_id).await?;
        let unit = orgdb::get_unit(&mut tx, unit_id, &caller.actor.admin_visibility())
            .await?
            .filter(|u| u.active)
            .ok_or_else(|| {
                AppError::invalid(
                    "unit_id",
                    "unknown_unit",
                    "Không tìm thấy đơn vị đích.",
                    "The target unit does not exist.",
                )
            })?;
        self.administered_agency(&mut tx, caller, unit.agency_id, "unit_id").await?;
        self.administered_agency(&mut tx, caller, pos.agency_id, "unit_id").await?;
        let position = Position::parse(&pos.position).ok_or(AppError::NotFound)?;
        if position.is_agency_level() {
            return Err(AppError::invalid(
                "unit_id",
                "leadership",
                "Chức vụ lãnh đạo cơ quan không thuộc đơn vị nào.",
                "Agency leadership positions are not held in a unit.",
            ));
        }
        orgdb::move_position(&mut tx, position_id, unit.agency_id, Some(unit.id)).await?;
        let now = now_ms();
        if user.agency_id == pos.agency_id && unit.agency_id != pos.agency_id {
            let remaining = orgdb::positions_of(&mut tx, user.id).await?;
            if !remaining.iter().any(|p| p.agency_id == pos.agency_id) {
                db::set_home_agency(&mut tx, user.id, unit.agency_id, now).await?;
            }
        }
        let before = serde_json::json!({ "agency_id": pos.agency_id, "unit_id": pos.unit_id });
        let after = serde_json::json!({ "agency_id": unit.agency_id, "unit_id": unit.id });
        record(
            &mut tx,
            &Who::caller(caller),
            "position.move",
            "position",
            Some(position_id.to_string()),
            Some(&before),
            Some(&after),
        )
        .await?;
        commit(tx).await
    }

    /// Ends a position.
    pub async fn remove_position(&self, caller: &Caller, position_id: i64) -> AppResult<()> {
        require(caller, Scope::OrgWrite)?;
        let mut tx = self.store.begin().await?;
        let pos = orgdb::get_position(&mut tx, position_id).await?.ok_or(AppError::NotFound)?;
        self.managed_user(&mut tx, caller, pos.user_id).await?;
        self.administered_agency(&mut tx, caller, pos.agency_id, "position_id").await?;
        orgdb::delete_position(&mut tx, position_id).await?;
        let before = serde_json::json!({ "user_id": pos.user_id, "agency_id": pos.agency_id, "unit_id": pos.unit_id, "position": pos.position });
        record(
            &mut tx,
            &Who::caller(caller),
            "position.remove",
            "position",
            Some(position_id.to_string()),
            Some(&before),
            NONE,
        )
        .await?;
        commit(tx).await
    }

    /// Gives a role in an agency.
    pub async fn grant_role(&self, caller: &Caller, user_id: i64, role: &str, agency_id: i64) -> AppResult<i64> {
        require(caller, Scope::OrgWrite)?;
        let role = parse_role(role).map_err(AppError::field)?;
        let mut tx = self.store.begin().await?;
        let (user, _) = self.managed_user(&mut tx, caller, user_id).await?;
        let agency =
            orgdb::get_agency(&mut tx, agency_id, &caller.actor.admin_visibility()).await?.ok_or_else(|| {
                AppError::invalid(
                    "agency_id",
                    "agency_out_of_reach",
                    "Bạn không quản trị cơ quan này.",
                    "You do not administer this agency.",
                )
            })?;
        if !caller.actor.can_grant(role, &agency.path) {
            return Err(AppError::Forbidden);
        }
        // The rule of `Actor::can_grant_to`, with the reason told.
        if role.is_sensitive() {
            caller
                .actor
                .may_open_way_in(user_id, origin_of(&user))
                .map_err(|why| AppError::field(way_in_refused("role", why)))?;
        }
        let id = db::insert_grant(&mut tx, user_id, role.as_str(), agency_id, now_ms()).await?;
        let detail = serde_json::json!({ "user_id": user_id, "role": role.as_str(), "agency_id": agency_id });
        record(&mut tx, &Who::caller(caller), "grant.add", "role_grant", Some(id.to_string()), NONE, Some(&detail))
            .await?;
        // Decree 30, Appendix VI: the person is told when their rights change.
        self.tell(&mut tx, user_id, None, EventKind::RightsChanged, caller.account_id(), now_ms()).await?;
        commit(tx).await?;
        Ok(id)
    }

    /// Takes a role back. Nobody removes their own system-administrator role (so that the
    /// last administrator cannot lock everyone out by mistake).
    pub async fn revoke_role(&self, caller: &Caller, user_id: i64, grant_id: i64) -> AppResult<()> {
        require(caller, Scope::OrgWrite)?;
        let mut tx = self.store.begin().await?;
        self.managed_user(&mut tx, caller, user_id).await?;
        let grant =
            db::grants_of(&mut tx, user_id).await?.into_iter().find(|g| g.id == grant_id).ok_or(AppError::NotFound)?;
        if user_id == caller.actor.user_id && grant.role == Role::SystemAdmin.as_str() {
            return Err(AppError::invalid(
                "role",
                "self",
                "Bạn không thể tự bỏ vai trò quản trị hệ thống của mình.",
                "You cannot remove your own system-administrator role.",
            ));
        }
        let role = Role::parse(&grant.role).ok_or(AppError::NotFound)?;
        if !caller.actor.can_grant(role, &grant.agency_path) {
            return Err(AppError::Forbidden);
        }
        db::delete_grant(&mut tx, grant_id).await?;
        let before = serde_json::json!({ "user_id": user_id, "role": grant.role, "agency_id": grant.agency_id });
        record(
            &mut tx,
            &Who::caller(caller),
            "grant.remove",
            "role_grant",
            Some(grant_id.to_string()),
            Some(&before),
            NONE,
        )
        .await?;
        self.tell(&mut tx, user_id, None, EventKind::RightsChanged, caller.account_id(), now_ms()).await?;
        commit(tx).await
    }

    /// The id of the account with this username, if the caller may administer it.
    pub async fn user_id_by_username(&self, caller: &Caller, username: &str) -> AppResult<i64> {
        let name = Username::parse(username).map_err(AppError::field)?;
        let mut c = self.store.read().await?;
        let creds = db::credentials_by_username(&mut c, name.as_str()).await?.ok_or(AppError::NotFound)?;
        db::get_user(&mut c, creds.id, &caller.actor.admin_visibility()).await?.ok_or(AppError::NotFound)?;
        Ok(creds.id)
    }

    /// The agency a unit belongs to, if the caller administers it.
    pub async fn agency_of_unit(&self, caller: &Caller, unit_id: i64) -> AppResult<i64> {
        let mut c = self.store.read().await?;
        orgdb::get_unit(&mut c, unit_id, &caller.actor.admin_visibility()).await?.map(|u| u.agency_id).ok_or_else(
            || AppError::invalid("unit_id", "unknown_unit", "Không tìm thấy đơn vị.", "The unit does not exist."),
        )
    }

    /// The person holding a position the caller may see.
    pub async fn position_owner(&self, caller: &Caller, position_id: i64) -> AppResult<i64> {
        let mut c = self.store.read().await?;
        let pos = orgdb::get_position(&mut c, position_id).await?.ok_or(AppError::NotFound)?;
        db::get_user(&mut c, pos.user_id, &caller.actor.admin_visibility()).await?.ok_or(AppError::NotFound)?;
        Ok(pos.user_id)
    }

    /// Positions the caller holds (for the dashboard; roles come with the session).
    pub async fn own_positions(&self, caller: &Caller) -> AppResult<Vec<PositionRow>> {
        let mut c = self.store.read().await?;
        Ok(orgdb::positions_of(&mut c, caller.actor.user_id).await?)
    }

    /// The caller's own account, positions and roles.
    pub async fn me(&self, caller: &Caller) -> AppResult<UserDetail> {
        require(caller, Scope::Profile)?;
        let mut c = self.store.read().await?;
        let user = db::get_user(&mut c, caller.actor.user_id, &Visibility::All).await?.ok_or(AppError::NotFound)?;
        let positions = orgdb::positions_of(&mut c, user.id).await?;
        let grants = db::grants_of(&mut c, user.id).await?;
        Ok(UserDetail { user, positions, grants, manageable: false })
    }
}
