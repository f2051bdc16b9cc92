//! Work schedules (lịch công tác): entries with their participants and files, clashes, and the
//! secret iCalendar feed addresses.

use sqlx::{AnyConnection, FromRow};

use crate::query::Sql;
use crate::Result;

/// Values of an entry, new or changed.
#[derive(Clone, Debug, Default)]
pub struct EntryValues<'a> {
    pub agency_id: i64,
    pub owner_id: Option<i64>,
    pub title: &'a str,
    pub starts_at: i64,
    pub ends_at: i64,
    pub place: &'a str,
    pub chair_id: Option<i64>,
    pub preparing_unit_id: Option<i64>,
    pub meeting_url: Option<&'a str>,
    pub notes: &'a str,
    pub public: bool,
}

/// An entry with the names a page shows.
#[derive(Clone, Debug, FromRow, PartialEq, Eq)]
pub struct EntryRow {
    pub id: i64,
    pub agency_id: i64,
    pub owner_id: Option<i64>,
    pub owner_name: Option<String>,
    pub title: String,
    pub starts_at: i64,
    pub ends_at: i64,
    pub place: String,
    pub chair_id: Option<i64>,
    pub chair_name: Option<String>,
    pub preparing_unit_id: Option<i64>,
    pub preparing_unit: Option<String>,
    pub meeting_url: Option<String>,
    pub notes: String,
    pub status: String,
    #[sqlx(try_from = "crate::Flag")]
    pub public: bool,
    pub sequence: i64,
    pub created_by: i64,
    pub created_at: i64,
    pub updated_at: i64,
}

const ROW: &str = "SELECT e.id, e.agency_id, e.owner_id, o.full_name AS owner_name, e.title, e.starts_at, e.ends_at, \
     e.place, e.chair_id, c.full_name AS chair_name, e.preparing_unit_id, u.name AS preparing_unit, e.meeting_url, \
     e.notes, e.status, e.public, e.sequence, e.created_by, e.created_at, e.updated_at FROM schedule_entries e \
     LEFT JOIN users o ON o.id = e.owner_id LEFT JOIN users c ON c.id = e.chair_id \
     LEFT JOIN units u ON u.id = e.preparing_unit_id";

/// Stores a draft entry and returns its id.
pub async fn insert_entry(c: &mut AnyConnection, v: &EntryValues<'_>, by: i64, now: i64) -> Result<i64> {
    Ok(sqlx::query_scalar(
        "INSERT INTO schedule_entries (agency_id, owner_id, title, starts_at, ends_at, place, chair_id, \
         preparing_unit_id, meeting_url, notes, status, public, sequence, created_by, created_at, updated_at) \
         VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, 'draft', $11, 0, $12, $13, $13) RETURNING id",
    )
    .bind(v.agency_id)
    .bind(v.owner_id)
    .bind(v.title)
    .bind(v.starts_at)
    .bind(v.ends_at)
    .bind(v.place)
    .bind(v.chair_id)
    .bind(v.preparing_unit_id)
    .bind(v.meeting_url)
    .bind(v.notes)
    .bind(i64::from(v.public))
    .bind(by)
    .bind(now)
    .fetch_one(c)
    .await?)
}

/// Changes an entry's values; a published one counts a new SEQUENCE. False if it is cancelled.
pub async fn update_entry(c: &mut AnyConnection, id: i64, v: &EntryValues<'_>, now: i64) -> Result<bool> {
    let done = sqlx::query(
        "UPDATE schedule_entries SET owner_id = $1, title = $2, starts_at = $3, ends_at = $4, place = $5, \
         chair_id = $6, preparing_unit_id = $7, meeting_url = $8, notes = $9, public = $10, updated_at = $11, \
         sequence = sequence + CASE WHEN status = 'published' THEN 1 ELSE 0 END \
         WHERE id = $12 AND status IN ('draft', 'published')",
    )
    .bind(v.owner_id)
    .bind(v.title)
    .bind(v.starts_at)
    .bind(v.ends_at)
    .bind(v.place)
    .bind(v.chair_id)
    .bind(v.preparing_unit_id)
    .bind(v.meeting_url)
    .bind(v.notes)
    .bind(i64::from(v.public))
    .bind(now)
    .bind(id)
    .execute(c)
    .await?;
    Ok(done.rows_affected() > 0)
}

/// Moves an entry from `from` to `to` (publishing records the approver; cancelling counts a new
/// SEQUENCE); false when it was not in `from`.
pub async fn set_status(
    c: &mut AnyConnection,
    id: i64,
    from: &str,
    to: &str,
    by: Option<i64>,
    now: i64,
) -> Result<bool> {
    let done = sqlx::query(
        "UPDATE schedule_entries SET status = $1, updated_at = $2, \
         approved_by = CASE WHEN $1 = 'published' THEN $3 ELSE approved_by END, \
         sequence = sequence + CASE WHEN $1 = 'cancelled' THEN 1 ELSE 0 END WHERE id = $4 AND status = $5",
    )
    .bind(to)
    .bind(now)
    .bind(by)
    .bind(id)
    .bind(from)
    .execute(c)
    .await?;
    Ok(done.rows_affected() > 0)
}

/// An entry by id.
pub async fn get_entry(c: &mut AnyConnection, id: i64) -> Result<Option<EntryRow>> {
    Ok(sqlx::query_as(&format!("{ROW} WHERE e.id = $1")).bind(id).fetch_optional(c).await?)
}

/// The entries of an agency starting in `[from, to)` (ms), in time order: published and
/// cancelled ones, and drafts when `drafts`; only one person's schedule when `owner` is given.
pub async fn week(
    c: &mut AnyConnection,
    agency_id: i64,
    owner: Option<i64>,
    from: i64,
    to: i64,
    drafts: bool,
) -> Result<Vec<EntryRow>> {
    let mut q = Sql::new(ROW);
    q.push(" WHERE e.agency_id = ").int(agency_id).push(" AND e.starts_at >= ").int(from);
    q.push(" AND e.starts_at < ").int(to);
    if let Some(o) = owner {
        q.push(" AND e.owner_id = ").int(o);
    }
    if !drafts {
        q.push(" AND e.status <> 'draft'");
    }
    q.push(" ORDER BY e.starts_at, e.id");
    q.fetch_all(c).await
}

/// A person's published (and cancelled) entries ending after `from`: those they own, chair or
/// take part in, for their feed; at most `limit`.
pub async fn for_person(c: &mut AnyConnection, user_id: i64, from: i64, limit: i64) -> Result<Vec<EntryRow>> {
    Ok(sqlx::query_as(&format!(
        "{ROW} WHERE e.status IN ('published', 'cancelled') AND e.ends_at >= $1 AND (e.owner_id = $2 \
         OR e.chair_id = $2 OR EXISTS (SELECT 1 FROM schedule_participants p WHERE p.entry_id = e.id \
         AND p.user_id = $2)) ORDER BY e.starts_at, e.id LIMIT $3"
    ))
    .bind(from)
    .bind(user_id)
    .bind(limit)
    .fetch_all(c)
    .await?)
}

/// An agency's published (and cancelled) entries ending after `from`, for its feed.
pub async fn for_agency(c: &mut AnyConnection, agency_id: i64, from: i64, limit: i64) -> Result<Vec<EntryRow>> {
    Ok(sqlx::query_as(&format!(
        "{ROW} WHERE e.status IN ('published', 'cancelled') AND e.ends_at >= $1 AND e.agency_id = $2 \
         ORDER BY e.starts_at, e.id LIMIT $3"
    ))
    .bind(from)
    .bind(agency_id)
    .bind(limit)
    .fetch_all(c)
    .await?)
}

/// Entries (not cancelled, other than `except`) overlapping `[from, to)` that one of `people`
/// owns, chairs or takes part in: (entry, person's name, entry title, start).
pub async fn clashes(
    c: &mut AnyConnection,
    people: &[i64],
    from: i64,
    to: i64,
    except: Option<i64>,
) -> Result<Vec<(i64, String, String, i64)>> {
    if people.is_empty() {
        return Ok(Vec::new());
    }
    let mut q = Sql::new(
        "SELECT DISTINCT e.id, u.full_name, e.title, e.starts_at FROM schedule_entries e JOIN users u ON u.id",
    );
    q.in_ints(people);
    q.push(" WHERE e.status <> 'cancelled' AND e.starts_at < ").int(to).push(" AND e.ends_at > ").int(from);
    q.push(" AND e.id <> ").int(except.unwrap_or(0));
    q.push(
        " AND (e.owner_id = u.id OR e.chair_id = u.id OR EXISTS (SELECT 1 FROM schedule_participants p \
             WHERE p.entry_id = e.id AND p.user_id = u.id)) ORDER BY e.starts_at",
    );
    #[derive(FromRow)]
    struct Clash {
        id: i64,
        full_name: String,
        title: String,
        starts_at: i64,
    }
    let rows: Vec<Clash> = q.fetch_all(c).await?;
    Ok(rows.into_iter().map(|r| (r.id, r.full_name, r.title, r.starts_at)).collect())
}

/// Replaces an entry's participants.
pub async fn set_participants(c: &mut AnyConnection, entry_id: i64, users: &[i64], units: &[i64]) -> Result<()> {
    sqlx::query("DELETE FROM schedule_participants WHERE entry_id = $1").bind(entry_id).execute(&mut *c).await?;
    for u in users {
        sqlx::query("INSERT INTO schedule_participants (entry_id, user_id) VALUES ($1, $2)")
            .bind(entry_id)
            .bind(u)
            .execute(&mut *c)
            .await?;
    }
    for u in units {
        sqlx::query("INSERT INTO schedule_participants (entry_id, unit_id) VALUES ($1, $2)")
            .bind(entry_id)
            .bind(u)
            .execute(&mut *c)
            .await?;
    }
    Ok(())
}

/// One participant: a person or a unit, with its name.
#[derive(Clone, Debug, FromRow, PartialEq, Eq)]
pub struct ParticipantRow {
    pub user_id: Option<i64>,
    pub unit_id: Option<i64>,
    pub name: String,
}

/// The participants of an entry, people first.
pub async fn participants_of(c: &mut AnyConnection, entry_id: i64) -> Result<Vec<ParticipantRow>> {
    Ok(sqlx::query_as(
        "SELECT p.user_id, p.unit_id, COALESCE(u.full_name, n.name) AS name FROM schedule_participants p \
         LEFT JOIN users u ON u.id = p.user_id LEFT JOIN units n ON n.id = p.unit_id WHERE p.entry_id = $1 \
         ORDER BY CASE WHEN p.user_id IS NULL THEN 1 ELSE 0 END, COALESCE(u.full_name, n.name)",
    )
    .bind(entry_id)
    .fetch_all(c)
    .await?)
}

/// Attaches a stored file to an entry.
pub async fn attach_file(c: &mut AnyConnection, entry_id: i64, file_id: i64) -> Result<()> {
    sqlx::query(
        "INSERT INTO schedule_files (entry_id, file_id) VALUES ($1, $2) ON CONFLICT (entry_id, file_id) DO NOTHING",
    )
    .bind(entry_id)
    .bind(file_id)
    .execute(c)
    .await?;
    Ok(())
}

/// An entry's files: (file id, name, size).
pub async fn files_of(c: &mut AnyConnection, entry_id: i64) -> Result<Vec<(i64, String, i64)>> {
    Ok(sqlx::query_as(
        "SELECT f.id, f.file_name, f.size FROM schedule_files x JOIN stored_files f ON f.id = x.file_id \
         WHERE x.entry_id = $1 ORDER BY f.id",
    )
    .bind(entry_id)
    .fetch_all(c)
    .await?)
}

/// A file of an entry of `agency_ids` (the reader's agencies).
pub async fn entry_file(
    c: &mut AnyConnection,
    file_id: i64,
    agency_ids: &[i64],
) -> Result<Option<crate::documents::FileRow>> {
    let mut q = Sql::new(
        "SELECT f.id, f.sha256, f.size, f.media_type, f.file_name, f.page_count FROM schedule_files x \
         JOIN schedule_entries e ON e.id = x.entry_id JOIN stored_files f ON f.id = x.file_id WHERE x.file_id = ",
    );
    q.int(file_id).push(" AND e.status <> 'draft' AND e.agency_id").in_ints(agency_ids).push(" LIMIT 1");
    q.fetch_optional(c).await
}

/// A feed address.
#[derive(Clone, Debug, FromRow, PartialEq, Eq)]
pub struct FeedRow {
    pub id: i64,
    pub user_id: i64,
    pub agency_id: Option<i64>,
    pub created_at: i64,
    pub revoked_at: Option<i64>,
}

/// Stores a feed address by the SHA-256 of its secret.
pub async fn insert_feed(
    c: &mut AnyConnection,
    user_id: i64,
    agency_id: Option<i64>,
    token_hash: &str,
    now: i64,
) -> Result<i64> {
    Ok(sqlx::query_scalar(
        "INSERT INTO calendar_feeds (user_id, agency_id, token_hash, created_at) VALUES ($1, $2, $3, $4) RETURNING id",
    )
    .bind(user_id)
    .bind(agency_id)
    .bind(token_hash)
    .bind(now)
    .fetch_one(c)
    .await?)
}

/// The live feed whose secret hashes to `token_hash`.
pub async fn feed_by_hash(c: &mut AnyConnection, token_hash: &str) -> Result<Option<FeedRow>> {
    Ok(sqlx::query_as(
        "SELECT id, user_id, agency_id, created_at, revoked_at FROM calendar_feeds \
         WHERE token_hash = $1 AND revoked_at IS NULL",
    )
    .bind(token_hash)
    .fetch_optional(c)
    .await?)
}

/// A person's live feeds.
pub async fn feeds_of(c: &mut AnyConnection, user_id: i64) -> Result<Vec<FeedRow>> {
    Ok(sqlx::query_as(
        "SELECT id, user_id, agency_id, created_at, revoked_at FROM calendar_feeds \
         WHERE user_id = $1 AND revoked_at IS NULL ORDER BY id",
    )
    .bind(user_id)
    .fetch_all(c)
    .await?)
}

/// Revokes one of a person's feeds; false if there is no such live feed.
pub async fn revoke_feed(c: &mut AnyConnection, user_id: i64, id: i64, now: i64) -> Result<bool> {
    let done =
        sqlx::query("UPDATE calendar_feeds SET revoked_at = $1 WHERE id = $2 AND user_id = $3 AND revoked_at IS NULL")
            .bind(now)
            .bind(id)
            .bind(user_id)
            .execute(c)
            .await?;
    Ok(done.rows_affected() > 0)
}

/// The participants' names of many entries at once (for feeds): (entry, name), people first.
pub async fn participant_names(c: &mut AnyConnection, entry_ids: &[i64]) -> Result<Vec<(i64, String)>> {
    if entry_ids.is_empty() {
        return Ok(Vec::new());
    }
    let mut q = Sql::new(
        "SELECT p.entry_id, COALESCE(u.full_name, n.name) AS name FROM schedule_participants p \
         LEFT JOIN users u ON u.id = p.user_id LEFT JOIN units n ON n.id = p.unit_id WHERE p.entry_id",
    );
    q.in_ints(entry_ids).push(" ORDER BY p.entry_id, CASE WHEN p.user_id IS NULL THEN 1 ELSE 0 END, name");
    #[derive(FromRow)]
    struct Name {
        entry_id: i64,
        name: String,
    }
    let rows: Vec<Name> = q.fetch_all(c).await?;
    Ok(rows.into_iter().map(|r| (r.entry_id, r.name)).collect())
}
