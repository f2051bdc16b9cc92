//! iCalendar feeds of schedules behind revocable secret addresses: one's own schedule (what one
//! owns, chairs or takes part in) or an agency's published one. The secret is kept as SHA-256.

use egov_domain::ical::{self, Event, EventStatus, Feed};
use egov_storage::schedules::{self as sdb, EntryRow, FeedRow};
use sha2::{Digest, Sha256};

use super::require;
use crate::audit::{record, Who};
use crate::{commit, now_ms, random_hex, AppError, AppResult, Caller, Scope, Services};

/// How far back a feed reaches (older entries drop out of calendars).
const PAST_DAYS: i64 = 60;
/// Most entries in one feed.
const MAX_ENTRIES: i64 = 2000;
/// The refresh interval a feed asks of its readers.
pub const REFRESH_MINUTES: u32 = 60;

fn hash(secret: &str) -> String {
    hex::encode(Sha256::digest(secret.as_bytes()))
}

/// A feed's body and its ETag.
#[derive(Clone, Debug)]
pub struct FeedBody {
    pub body: String,
    pub etag: String,
}

impl Services {
    /// Makes a secret feed address for the caller's own schedule (`agency_id` `None`) or an
    /// agency's published one (an agency they work in); returns its id and the secret, shown once.
    pub async fn create_feed(&self, caller: &Caller, agency_id: Option<i64>) -> AppResult<(i64, String)> {
        require(caller, Scope::WorkRead)?;
        let mut tx = self.store.begin().await?;
        if let Some(a) = agency_id {
            if !self.holdings(&mut tx, caller.actor.user_id).await?.iter().any(|h| h.agency_id == a) {
                return Err(AppError::NotFound);
            }
        }
        let secret = random_hex(24);
        let id = sdb::insert_feed(&mut tx, caller.actor.user_id, agency_id, &hash(&secret), now_ms()).await?;
        let detail = serde_json::json!({ "feed": id, "agency_id": agency_id });
        record(
            &mut tx,
            &Who::caller(caller),
            "feed.create",
            "calendar_feed",
            Some(id.to_string()),
            crate::audit::NONE,
            Some(&detail),
        )
        .await?;
        commit(tx).await?;
        Ok((id, secret))
    }

    /// The caller's live feed addresses (without their secrets).
    pub async fn feeds(&self, caller: &Caller) -> AppResult<Vec<FeedRow>> {
        require(caller, Scope::WorkRead)?;
        let mut c = self.store.read().await?;
        Ok(sdb::feeds_of(&mut c, caller.actor.user_id).await?)
    }

    /// Revokes one of the caller's feeds: its address answers 404 from now on.
    pub async fn revoke_feed(&self, caller: &Caller, id: i64) -> AppResult<()> {
        require(caller, Scope::WorkRead)?;
        let mut tx = self.store.begin().await?;
        if !sdb::revoke_feed(&mut tx, caller.actor.user_id, id, now_ms()).await? {
            return Err(AppError::NotFound);
        }
        record(
            &mut tx,
            &Who::caller(caller),
            "feed.revoke",
            "calendar_feed",
            Some(id.to_string()),
            crate::audit::NONE,
            crate::audit::NONE,
        )
        .await?;
        commit(tx).await
    }

    /// The feed behind a secret, for calendar programs (no sign-in): `NotFound` for an unknown or
    /// revoked secret, a deactivated account, or an agency the person no longer works in.
    pub async fn feed_body(&self, secret: &str) -> AppResult<FeedBody> {
        if secret.len() != 48 || !secret.bytes().all(|b| b.is_ascii_hexdigit()) {
            return Err(AppError::NotFound);
        }
        let mut c = self.store.read().await?;
        let feed = sdb::feed_by_hash(&mut c, &hash(secret)).await?.ok_or(AppError::NotFound)?;
        let active = egov_storage::accounts::get_user(&mut c, feed.user_id, &egov_storage::Visibility::All)
            .await?
            .is_some_and(|u| u.active);
        if !active {
            return Err(AppError::NotFound);
        }
        let from = now_ms() - PAST_DAYS * 86_400_000;
        let (name, rows) = match feed.agency_id {
            Some(a) => {
                if !self.holdings(&mut c, feed.user_id).await?.iter().any(|h| h.agency_id == a) {
                    return Err(AppError::NotFound);
                }
                let agency = egov_storage::org::get_agency(&mut c, a, &egov_storage::Visibility::All)
                    .await?
                    .ok_or(AppError::NotFound)?;
                (format!("Lịch công tác – {}", agency.name), sdb::for_agency(&mut c, a, from, MAX_ENTRIES).await?)
            }
            None => {
                ("Lịch công tác của tôi".to_string(), sdb::for_person(&mut c, feed.user_id, from, MAX_ENTRIES).await?)
            }
        };
        let ids: Vec<i64> = rows.iter().map(|r| r.id).collect();
        let mut names: std::collections::HashMap<i64, Vec<String>> = std::collections::HashMap::new();
        for (entry, name) in sdb::participant_names(&mut c, &ids).await? {
            names.entry(entry).or_default().push(name);
        }
        let events: Vec<Event> =
            rows.iter().map(|r| self.event_of(r, names.remove(&r.id).unwrap_or_default())).collect();
        let stamp = rows.iter().map(|r| r.updated_at).max().unwrap_or(feed.created_at);
        let feed = Feed {
            name,
            description: None,
            refresh_minutes: REFRESH_MINUTES,
            stamp: jiff::Timestamp::from_millisecond(stamp).map_err(AppError::internal)?,
            events,
        };
        let body = ical::write(&feed);
        let etag = ical::etag(&body);
        Ok(FeedBody { body, etag })
    }

    fn event_of(&self, r: &EntryRow, attendees: Vec<String>) -> Event {
        let ts = |ms: i64| jiff::Timestamp::from_millisecond(ms).unwrap_or(jiff::Timestamp::UNIX_EPOCH);
        let base = self.settings.public_url.trim_end_matches('/');
        let host = base.split("://").nth(1).unwrap_or(base).split('/').next().unwrap_or("egov");
        let mut description = r.notes.clone();
        if let Some(u) = &r.preparing_unit {
            if !description.is_empty() {
                description.push('\n');
            }
            description.push_str(&format!("Đơn vị chuẩn bị: {u}"));
        }
        Event {
            uid: format!("schedule-{}@{host}", r.id),
            sequence: u32::try_from(r.sequence).unwrap_or(0),
            start: ts(r.starts_at),
            end: ts(r.ends_at),
            all_day: false,
            summary: r.title.clone(),
            location: Some(r.place.clone()).filter(|p| !p.is_empty()),
            description: Some(description).filter(|d| !d.is_empty()),
            url: Some(r.meeting_url.clone().unwrap_or_else(|| format!("{base}/schedule/entries/{}", r.id))),
            status: if r.status == "cancelled" { EventStatus::Cancelled } else { EventStatus::Confirmed },
            organizer: r.chair_name.clone(),
            attendees,
            created: ts(r.created_at),
            last_modified: ts(r.updated_at),
            rrule: None,
        }
    }
}
