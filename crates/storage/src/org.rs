//! Agencies, units and positions: the organisation tree.
//!
//! Agencies and units carry a materialised `path` of ids from the root (`/1/4/9/`), so a
//! subtree is a prefix match and visibility can be applied inside any query.

use sqlx::{AnyConnection, FromRow};

use crate::query::Sql;
use crate::Flag;
use crate::{Result, StorageError, Visibility};

/// An agency as stored.
#[derive(Clone, Debug, FromRow, PartialEq, Eq)]
pub struct AgencyRow {
    pub id: i64,
    pub code: String,
    pub name: String,
    pub short_name: Option<String>,
    pub level: String,
    pub parent_id: Option<i64>,
    pub path: String,
    #[sqlx(try_from = "Flag")]
    pub active: bool,
    pub created_at: i64,
    pub updated_at: i64,
}

/// Values for a new agency.
#[derive(Clone, Debug)]
pub struct NewAgency<'a> {
    pub code: &'a str,
    pub name: &'a str,
    pub short_name: Option<&'a str>,
    pub level: &'a str,
    pub parent: Option<&'a AgencyRow>,
}

const AGENCY_COLS: &str =
    "a.id, a.code, a.name, a.short_name, a.level, a.parent_id, a.path, a.active, a.created_at, a.updated_at";

/// Inserts an agency below `parent` (or as a root) and returns it with its path.
pub async fn insert_agency(c: &mut AnyConnection, new: &NewAgency<'_>, now: i64) -> Result<AgencyRow> {
    let id: i64 = sqlx::query_scalar(
        "INSERT INTO agencies (code, name, short_name, level, parent_id, path, active, created_at, updated_at, code_key) \
         VALUES ($1, $2, $3, $4, $5, '', 1, $6, $6, $7) RETURNING id",
    )
    .bind(new.code)
    .bind(new.name)
    .bind(new.short_name)
    .bind(new.level)
    .bind(new.parent.map(|p| p.id))
    .bind(now)
    .bind(egov_domain::agency_code::code_key(new.code).unwrap_or_else(|| new.code.to_owned()))
    .fetch_one(&mut *c)
    .await?;
    let path = format!("{}{id}/", new.parent.map_or("/", |p| p.path.as_str()));
    sqlx::query("UPDATE agencies SET path = $1 WHERE id = $2").bind(&path).bind(id).execute(&mut *c).await?;
    get_agency(c, id, &Visibility::All).await?.ok_or(StorageError::Reference)
}

/// The agency with this id, if the caller may see it.
pub async fn get_agency(c: &mut AnyConnection, id: i64, vis: &Visibility) -> Result<Option<AgencyRow>> {
    let mut q = Sql::new(&format!("SELECT {AGENCY_COLS} FROM agencies a WHERE a.id = "));
    q.int(id).visible("a.path", "a.id", vis);
    q.fetch_optional(c).await
}

/// The agency with this identifier code in either form (`H41.13` or `000.00.13.H41`; visible to
/// anyone signed in: codes are public). Text that is no valid code names no agency.
pub async fn get_agency_by_code(c: &mut AnyConnection, code: &str) -> Result<Option<AgencyRow>> {
    let Some(key) = egov_domain::agency_code::code_key(code) else { return Ok(None) };
    let mut q = Sql::new(&format!("SELECT {AGENCY_COLS} FROM agencies a WHERE a.code_key = "));
    q.text(&key);
    q.fetch_optional(c).await
}

/// Fills `code_key` of agencies made before migration 0010 (run after every migration; a no-op
/// once filled). Two agencies whose codes are one code in two forms fail here, on the unique
/// index, with both rows left as they were: the operator must first give one a new code.
pub(crate) async fn fill_code_keys(c: &mut AnyConnection) -> Result<usize> {
    let rows: Vec<(i64, String)> =
        sqlx::query_as("SELECT id, code FROM agencies WHERE code_key IS NULL").fetch_all(&mut *c).await?;
    for (id, code) in &rows {
        let key = egov_domain::agency_code::code_key(code).unwrap_or_else(|| code.clone());
        sqlx::query("UPDATE agencies SET code_key = $1 WHERE id = $2").bind(key).bind(id).execute(&mut *c).await?;
    }
    Ok(rows.len())
}

/// Agencies visible to the caller, in tree order, keyset-paged by id.
pub async fn list_agencies(
    c: &mut AnyConnection,
    vis: &Visibility,
    after_id: Option<i64>,
    limit: u32,
) -> Result<Vec<AgencyRow>> {
    let mut q = Sql::new(&format!("SELECT {AGENCY_COLS} FROM agencies a WHERE 1 = 1"));
    q.visible("a.path", "a.id", vis);
    if let Some(after) = after_id {
        q.push(" AND a.id > ").int(after);
    }
    q.push(" ORDER BY a.id LIMIT ").int(i64::from(limit));
    q.fetch_all(c).await
}

/// Every agency the caller may see, for drawing the tree (agencies number in the thousands
/// at most per province).
pub async fn agency_tree(c: &mut AnyConnection, vis: &Visibility) -> Result<Vec<AgencyRow>> {
    let mut q = Sql::new(&format!("SELECT {AGENCY_COLS} FROM agencies a WHERE 1 = 1"));
    q.visible("a.path", "a.id", vis).push(" ORDER BY a.path");
    q.fetch_all(c).await
}

/// Updates an agency's editable fields.
pub async fn update_agency(
    c: &mut AnyConnection,
    id: i64,
    name: &str,
    short_name: Option<&str>,
    active: bool,
    now: i64,
) -> Result<()> {
    sqlx::query("UPDATE agencies SET name = $1, short_name = $2, active = $3, updated_at = $4 WHERE id = $5")
        .bind(name)
        .bind(short_name)
        .bind(i64::from(active))
        .bind(now)
        .bind(id)
        .execute(c)
        .await?;
    Ok(())
}

/// A unit as stored.
#[derive(Clone, Debug, FromRow, PartialEq, Eq)]
pub struct UnitRow {
    pub id: i64,
    pub agency_id: i64,
    pub parent_unit_id: Option<i64>,
    pub name: String,
    pub path: String,
    #[sqlx(try_from = "Flag")]
    pub active: bool,
    pub created_at: i64,
    pub updated_at: i64,
}

const UNIT_COLS: &str =
    "un.id, un.agency_id, un.parent_unit_id, un.name, un.path, un.active, un.created_at, un.updated_at";

/// Inserts a unit of `agency_id`, below `parent` if given.
pub async fn insert_unit(
    c: &mut AnyConnection,
    agency_id: i64,
    parent: Option<&UnitRow>,
    name: &str,
    now: i64,
) -> Result<UnitRow> {
    let id: i64 = sqlx::query_scalar(
        "INSERT INTO units (agency_id, parent_unit_id, name, path, active, created_at, updated_at) \
         VALUES ($1, $2, $3, '', 1, $4, $4) RETURNING id",
    )
    .bind(agency_id)
    .bind(parent.map(|p| p.id))
    .bind(name)
    .bind(now)
    .fetch_one(&mut *c)
    .await?;
    let path = format!("{}{id}/", parent.map_or("/", |p| p.path.as_str()));
    sqlx::query("UPDATE units SET path = $1 WHERE id = $2").bind(&path).bind(id).execute(&mut *c).await?;
    get_unit(c, id, &Visibility::All).await?.ok_or(StorageError::Reference)
}

/// The unit with this id, if the caller may see its agency.
pub async fn get_unit(c: &mut AnyConnection, id: i64, vis: &Visibility) -> Result<Option<UnitRow>> {
    let mut q =
        Sql::new(&format!("SELECT {UNIT_COLS} FROM units un JOIN agencies a ON a.id = un.agency_id WHERE un.id = "));
    q.int(id).visible("a.path", "a.id", vis);
    q.fetch_optional(c).await
}

/// Units of one agency in tree order.
pub async fn list_units(c: &mut AnyConnection, agency_id: i64) -> Result<Vec<UnitRow>> {
    let mut q = Sql::new(&format!("SELECT {UNIT_COLS} FROM units un WHERE un.agency_id = "));
    q.int(agency_id).push(" ORDER BY un.path");
    q.fetch_all(c).await
}

/// Active units of every agency in `vis`, in tree order, in one query (for pickers).
pub async fn active_units(c: &mut AnyConnection, vis: &Visibility) -> Result<Vec<UnitRow>> {
    let mut q = Sql::new(&format!(
        "SELECT {UNIT_COLS} FROM units un JOIN agencies a ON a.id = un.agency_id WHERE un.active = 1"
    ));
    q.visible("a.path", "a.id", vis).push(" ORDER BY a.path, un.path");
    q.fetch_all(c).await
}

/// Whether a sibling unit already has this name.
pub async fn unit_name_taken(
    c: &mut AnyConnection,
    agency_id: i64,
    parent_unit_id: Option<i64>,
    name: &str,
    except_id: Option<i64>,
) -> Result<bool> {
    let mut q = Sql::new("SELECT un.id FROM units un WHERE un.agency_id = ");
    q.int(agency_id).push(" AND lower(un.name) = lower(").text(name).push(")");
    match parent_unit_id {
        Some(p) => q.push(" AND un.parent_unit_id = ").int(p),
        None => q.push(" AND un.parent_unit_id IS NULL"),
    };
    if let Some(e) = except_id {
        q.push(" AND un.id <> ").int(e);
    }
    Ok(q.fetch_optional::<(i64,)>(c).await?.is_some())
}

/// Renames or (de)activates a unit.
pub async fn update_unit(c: &mut AnyConnection, id: i64, name: &str, active: bool, now: i64) -> Result<()> {
    sqlx::query("UPDATE units SET name = $1, active = $2, updated_at = $3 WHERE id = $4")
        .bind(name)
        .bind(i64::from(active))
        .bind(now)
        .bind(id)
        .execute(c)
        .await?;
    Ok(())
}

/// A position a person holds, with the names needed to show it.
#[derive(Clone, Debug, FromRow, PartialEq, Eq)]
pub struct PositionRow {
    pub id: i64,
    pub user_id: i64,
    pub agency_id: i64,
    pub agency_name: String,
    pub unit_id: Option<i64>,
    pub unit_name: Option<String>,
    pub position: String,
}

const POSITION_SELECT: &str = "SELECT p.id, p.user_id, p.agency_id, a.name AS agency_name, p.unit_id, \
     un.name AS unit_name, p.position FROM positions p JOIN agencies a ON a.id = p.agency_id \
     LEFT JOIN units un ON un.id = p.unit_id";

/// Positions held by a person.
pub async fn positions_of(c: &mut AnyConnection, user_id: i64) -> Result<Vec<PositionRow>> {
    let mut q = Sql::new(POSITION_SELECT);
    q.push(" WHERE p.user_id = ").int(user_id).push(" ORDER BY p.id");
    q.fetch_all(c).await
}

/// One position by id.
pub async fn get_position(c: &mut AnyConnection, id: i64) -> Result<Option<PositionRow>> {
    let mut q = Sql::new(POSITION_SELECT);
    q.push(" WHERE p.id = ").int(id);
    q.fetch_optional(c).await
}

/// Gives a person a position in an agency (and unit).
pub async fn insert_position(
    c: &mut AnyConnection,
    user_id: i64,
    agency_id: i64,
    unit_id: Option<i64>,
    position: &str,
    now: i64,
) -> Result<i64> {
    Ok(sqlx::query_scalar(
        "INSERT INTO positions (user_id, agency_id, unit_id, position, created_at) \
         VALUES ($1, $2, $3, $4, $5) RETURNING id",
    )
    .bind(user_id)
    .bind(agency_id)
    .bind(unit_id)
    .bind(position)
    .bind(now)
    .fetch_one(c)
    .await?)
}

/// Moves a position to another unit (possibly of another agency, after a reorganisation).
pub async fn move_position(c: &mut AnyConnection, id: i64, agency_id: i64, unit_id: Option<i64>) -> Result<()> {
    sqlx::query("UPDATE positions SET agency_id = $1, unit_id = $2 WHERE id = $3")
        .bind(agency_id)
        .bind(unit_id)
        .bind(id)
        .execute(c)
        .await?;
    Ok(())
}

/// Ends a position.
pub async fn delete_position(c: &mut AnyConnection, id: i64) -> Result<()> {
    sqlx::query("DELETE FROM positions WHERE id = $1").bind(id).execute(c).await?;
    Ok(())
}
