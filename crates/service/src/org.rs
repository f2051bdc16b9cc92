//! The organisation tree: agencies (with identifier codes and levels) and their units.

use egov_domain::authz::{Scope, Visibility};
use egov_domain::person::DisplayName;
use egov_domain::{AgencyCode, FieldError, Level};
use egov_storage::org::{self as db, AgencyRow, NewAgency, UnitRow};
use serde::Serialize;

use crate::audit::{record, Who, NONE};
use crate::{commit, now_ms, AppError, AppResult, Caller, Check, Services};

/// Raw input for a new agency.
#[derive(Clone, Debug, Default)]
pub struct AgencyInput<'a> {
    pub code: &'a str,
    pub name: &'a str,
    pub short_name: Option<&'a str>,
    pub level: &'a str,
    pub parent_id: Option<i64>,
}

/// Raw input for changing an agency.
#[derive(Clone, Debug, Default)]
pub struct AgencyChange<'a> {
    pub name: &'a str,
    pub short_name: Option<&'a str>,
    pub active: bool,
}

#[derive(Serialize)]
struct AgencyAudit<'a> {
    code: &'a str,
    name: &'a str,
    short_name: Option<&'a str>,
    level: &'a str,
    parent_id: Option<i64>,
    active: bool,
}

impl<'a> From<&'a AgencyRow> for AgencyAudit<'a> {
    fn from(a: &'a AgencyRow) -> Self {
        AgencyAudit {
            code: &a.code,
            name: &a.name,
            short_name: a.short_name.as_deref(),
            level: &a.level,
            parent_id: a.parent_id,
            active: a.active,
        }
    }
}

fn optional_name(v: Option<&str>, field: &'static str) -> Result<Option<DisplayName>, FieldError> {
    match v.map(str::trim).filter(|s| !s.is_empty()) {
        Some(s) => DisplayName::parse(s, field).map(Some),
        None => Ok(None),
    }
}

pub(crate) fn require(caller: &Caller, scope: Scope) -> AppResult<()> {
    if caller.actor.allows(scope) {
        Ok(())
    } else {
        Err(AppError::Forbidden)
    }
}

impl Services {
    /// Agencies the caller may see, by id, keyset-paged.
    pub async fn agencies(&self, caller: &Caller, after_id: Option<i64>, limit: u32) -> AppResult<Vec<AgencyRow>> {
        require(caller, Scope::OrgRead)?;
        let mut c = self.store.read().await?;
        Ok(db::list_agencies(&mut c, &caller.actor.org_visibility(), after_id, limit).await?)
    }

    /// Every agency the caller may see, in tree order (for the tree page and pickers).
    pub async fn agency_tree(&self, caller: &Caller) -> AppResult<Vec<AgencyRow>> {
        require(caller, Scope::OrgRead)?;
        let mut c = self.store.read().await?;
        Ok(db::agency_tree(&mut c, &caller.actor.org_visibility()).await?)
    }

    /// Active units of every agency the caller administers (for choosing where people work).
    pub async fn administered_units(&self, caller: &Caller) -> AppResult<Vec<UnitRow>> {
        require(caller, Scope::OrgRead)?;
        let mut c = self.store.read().await?;
        Ok(db::active_units(&mut c, &caller.actor.admin_visibility()).await?)
    }

    /// One agency and its units; `NotFound` when the caller may not see it.
    pub async fn agency(&self, caller: &Caller, id: i64) -> AppResult<(AgencyRow, Vec<UnitRow>)> {
        require(caller, Scope::OrgRead)?;
        let mut c = self.store.read().await?;
        let agency = db::get_agency(&mut c, id, &caller.actor.org_visibility()).await?.ok_or(AppError::NotFound)?;
        let units = db::list_units(&mut c, id).await?;
        Ok((agency, units))
    }

    /// Creates an agency below a parent the caller administers (or a root, for system
    /// administrators). The code must be valid and unused; the level must fit the parent's.
    pub async fn create_agency(&self, caller: &Caller, input: &AgencyInput<'_>) -> AppResult<AgencyRow> {
        require(caller, Scope::OrgWrite)?;
        let mut check = Check::new();
        let code = check.take(AgencyCode::parse(input.code, "code"));
        let name = check.take(DisplayName::parse(input.name, "name"));
        let short_name = check.take(optional_name(input.short_name, "short_name")).flatten();
        let level = Level::parse(input.level);
        if level.is_none() {
            check.push(FieldError::new(
                "level",
                "unknown_level",
                "Hãy chọn cấp hành chính.",
                "Choose an administrative level.",
            ));
        }
        let mut tx = self.store.begin().await?;
        let parent = match input.parent_id {
            Some(pid) => {
                let p = db::get_agency(&mut tx, pid, &caller.actor.org_visibility()).await?;
                match p {
                    Some(p) if caller.actor.can_admin_agency(&p.path) => Some(p),
                    Some(_) => return Err(AppError::Forbidden),
                    None => {
                        check.push(FieldError::new(
                            "parent_id",
                            "unknown_parent",
                            "Không tìm thấy cơ quan cấp trên.",
                            "The parent agency does not exist.",
                        ));
                        None
                    }
                }
            }
            None if caller.actor.can_create_root_agency() => None,
            None => return Err(AppError::Forbidden),
        };
        if let (Some(p), Some(l)) = (&parent, level) {
            if Level::parse(&p.level).is_some_and(|pl| !l.can_be_child_of(pl)) {
                check.push(FieldError::new(
                    "level",
                    "level_above_parent",
                    "Cấp của cơ quan không được cao hơn cấp của cơ quan cấp trên.",
                    "An agency cannot be at a higher level than its parent.",
                ));
            }
        }
        if let (Some(code), Some(p)) = (&code, &parent) {
            let parent_code = AgencyCode::parse(&p.code, "parent_id").map_err(AppError::field)?;
            if !code.extends(&parent_code) {
                check.push(FieldError::new(
                    "code",
                    "outside_parent",
                    format!("Mã định danh phải nằm trong mã của cơ quan cấp trên ({}), ví dụ {}.01.", p.code, p.code),
                    format!("The code must extend the parent agency's code ({}), e.g. {}.01.", p.code, p.code),
                ));
            }
        }
        if let Some(code) = &code {
            // Both forms of a code name one agency: `000.00.13.H41` is taken when `H41.13` is.
            if db::get_agency_by_code(&mut tx, code.as_str()).await?.is_some() {
                check.push(FieldError::new(
                    "code",
                    "duplicate",
                    "Mã định danh này (ở dạng mới hoặc dạng cũ) đã được dùng cho cơ quan khác.",
                    "This identifier code (in its current or legacy form) is already used by another agency.",
                ));
            }
        }
        check.finish()?;
        let (Some(code), Some(name), Some(level)) = (code, name, level) else {
            return Err(AppError::NotFound);
        };
        let row = db::insert_agency(
            &mut tx,
            &NewAgency {
                code: code.as_str(),
                name: name.as_str(),
                short_name: short_name.as_ref().map(|s| s.as_str()),
                level: level.as_str(),
                parent: parent.as_ref(),
            },
            now_ms(),
        )
        .await?;
        record(
            &mut tx,
            &Who::caller(caller),
            "agency.create",
            "agency",
            Some(row.id.to_string()),
            NONE,
            Some(&AgencyAudit::from(&row)),
        )
        .await?;
        commit(tx).await?;
        Ok(row)
    }

    /// Renames, re-abbreviates or (de)activates an agency the caller administers.
    pub async fn update_agency(&self, caller: &Caller, id: i64, change: &AgencyChange<'_>) -> AppResult<AgencyRow> {
        require(caller, Scope::OrgWrite)?;
        let mut check = Check::new();
        let name = check.take(DisplayName::parse(change.name, "name"));
        let short_name = check.take(optional_name(change.short_name, "short_name")).flatten();
        check.finish()?;
        let name = name.ok_or(AppError::NotFound)?;
        let mut tx = self.store.begin().await?;
        let before = db::get_agency(&mut tx, id, &caller.actor.org_visibility()).await?.ok_or(AppError::NotFound)?;
        if !caller.actor.can_admin_agency(&before.path) {
            return Err(AppError::Forbidden);
        }
        db::update_agency(&mut tx, id, name.as_str(), short_name.as_ref().map(|s| s.as_str()), change.active, now_ms())
            .await?;
        let after = db::get_agency(&mut tx, id, &Visibility::All).await?.ok_or(AppError::NotFound)?;
        record(
            &mut tx,
            &Who::caller(caller),
            "agency.update",
            "agency",
            Some(id.to_string()),
            Some(&AgencyAudit::from(&before)),
            Some(&AgencyAudit::from(&after)),
        )
        .await?;
        commit(tx).await?;
        Ok(after)
    }

    /// Adds a unit to an agency the caller administers, optionally inside another unit.
    pub async fn create_unit(
        &self,
        caller: &Caller,
        agency_id: i64,
        parent_unit_id: Option<i64>,
        name: &str,
    ) -> AppResult<UnitRow> {
        require(caller, Scope::OrgWrite)?;
        let name = DisplayName::parse(name, "name").map_err(AppError::field)?;
        let mut tx = self.store.begin().await?;
        let agency =
            db::get_agency(&mut tx, agency_id, &caller.actor.org_visibility()).await?.ok_or(AppError::NotFound)?;
        if !caller.actor.can_admin_agency(&agency.path) {
            return Err(AppError::Forbidden);
        }
        let parent = match parent_unit_id {
            Some(pid) => match db::get_unit(&mut tx, pid, &Visibility::All).await? {
                Some(u) if u.agency_id == agency_id => Some(u),
                _ => {
                    return Err(AppError::invalid(
                        "parent_unit_id",
                        "unknown_unit",
                        "Đơn vị cấp trên không thuộc cơ quan này.",
                        "The parent unit is not in this agency.",
                    ))
                }
            },
            None => None,
        };
        if db::unit_name_taken(&mut tx, agency_id, parent_unit_id, name.as_str(), None).await? {
            return Err(AppError::Conflict(FieldError::new(
                "name",
                "duplicate",
                "Đã có đơn vị cùng tên ở cấp này.",
                "A unit with this name already exists here.",
            )));
        }
        let unit = db::insert_unit(&mut tx, agency_id, parent.as_ref(), name.as_str(), now_ms()).await?;
        let detail = serde_json::json!({ "agency_id": agency_id, "parent_unit_id": parent_unit_id, "name": unit.name });
        record(&mut tx, &Who::caller(caller), "unit.create", "unit", Some(unit.id.to_string()), NONE, Some(&detail))
            .await?;
        commit(tx).await?;
        Ok(unit)
    }

    /// Renames or (de)activates a unit.
    pub async fn update_unit(&self, caller: &Caller, unit_id: i64, name: &str, active: bool) -> AppResult<UnitRow> {
        require(caller, Scope::OrgWrite)?;
        let name = DisplayName::parse(name, "name").map_err(AppError::field)?;
        let mut tx = self.store.begin().await?;
        let unit = db::get_unit(&mut tx, unit_id, &caller.actor.org_visibility()).await?.ok_or(AppError::NotFound)?;
        let agency = db::get_agency(&mut tx, unit.agency_id, &Visibility::All).await?.ok_or(AppError::NotFound)?;
        if !caller.actor.can_admin_agency(&agency.path) {
            return Err(AppError::Forbidden);
        }
        if db::unit_name_taken(&mut tx, unit.agency_id, unit.parent_unit_id, name.as_str(), Some(unit_id)).await? {
            return Err(AppError::Conflict(FieldError::new(
                "name",
                "duplicate",
                "Đã có đơn vị cùng tên ở cấp này.",
                "A unit with this name already exists here.",
            )));
        }
        db::update_unit(&mut tx, unit_id, name.as_str(), active, now_ms()).await?;
        let before = serde_json::json!({ "name": unit.name, "active": unit.active });
        let after = serde_json::json!({ "name": name.as_str(), "active": active });
        record(
            &mut tx,
            &Who::caller(caller),
            "unit.update",
            "unit",
            Some(unit_id.to_string()),
            Some(&before),
            Some(&after),
        )
        .await?;
        let updated = db::get_unit(&mut tx, unit_id, &Visibility::All).await?.ok_or(AppError::NotFound)?;
        commit(tx).await?;
        Ok(updated)
    }
}
