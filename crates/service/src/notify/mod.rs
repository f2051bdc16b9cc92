//! Notifications: written in the same transaction as the event that asks something of a person
//! (an item put in their inbox), read in the notification centre and the open pages (`live`),
//! and carried by e-mail and Web Push (`delivery`) as each person chose.

pub mod deadlines;
pub mod delivery;
pub mod live;

use egov_domain::notification::{is_urgent, Channel, EventKind, Mode, Timing};
use egov_storage::notifications::{self as ndb, NewNotification, NotificationRow};
use egov_storage::{Engine, Tx};

use crate::audit::{record, Who};
use crate::{now_ms, AppError, AppResult, Caller, Scope, Services};

/// A page of a person's notifications.
#[derive(Clone, Debug)]
pub struct NotificationPage {
    pub items: Vec<NotificationRow>,
    /// Unread notifications in all (counted up to 1,000).
    pub unread: i64,
    /// The cursor of the next page, when there is one.
    pub next_before: Option<i64>,
}

/// One kind: whether it is mandatory, and its mode on the page, by e-mail and by push.
pub type KindChoices = (EventKind, bool, [(Channel, Mode); 3]);

/// A person's choices: the mode per kind and channel (with whether an administrator made the
/// kind mandatory), and the timing.
#[derive(Clone, Debug)]
pub struct Preferences {
    pub rows: Vec<KindChoices>,
    pub timing: Timing,
}

/// Writes the notification of an inbox item in the transaction that put it there, and queues
/// its e-mail and push deliveries as the person chose. Kinds that are not events are ignored.
pub(crate) async fn notify_item(
    tx: &mut Tx,
    engine: Engine,
    item: &NewItemNotice<'_>,
    outside: OutsideChannels,
    now: i64,
) -> AppResult<Option<i64>> {
    let Some(kind) = EventKind::of_inbox_kind(item.kind) else { return Ok(None) };
    let urgency: Option<String> = match item.document_id {
        Some(d) => egov_storage::documents::urgency_of(tx, d).await?,
        None => None,
    };
    let urgent = is_urgent(urgency.as_deref());
    let id = ndb::insert(
        tx,
        &NewNotification {
            user_id: item.user_id,
            kind: kind.as_str(),
            document_id: item.document_id,
            inbox_item_id: item.inbox_item_id,
            actor_id: item.actor_id,
            urgent,
            task_id: item.task_id,
            schedule_entry_id: item.schedule_entry_id,
        },
        now,
    )
    .await?;
    if outside.mail || outside.push {
        let (prefs, timing, mandatory) = choices(tx, item.user_id).await?;
        for channel in [Channel::Mail, Channel::Push] {
            if (channel == Channel::Mail && !outside.mail) || (channel == Channel::Push && !outside.push) {
                continue;
            }
            let mode = mode_of(&prefs, kind, channel).with_mandatory(channel, mandatory.contains(&kind));
            if let Some(due) = timing.due_at(now, mode, urgent) {
                let name = if mode == Mode::Digest { "digest" } else { channel.as_str() };
                ndb::enqueue_delivery(tx, id, name, due).await?;
            }
        }
    }
    ndb::announce(tx, engine, &[id]).await?;
    tx.signal_on_commit();
    Ok(Some(id))
}

/// What an inbox item's notification is made from.
#[derive(Clone, Debug)]
pub(crate) struct NewItemNotice<'a> {
    pub user_id: i64,
    pub kind: &'a str,
    pub document_id: Option<i64>,
    /// The inbox item it announces; `None` for news that asks nothing (work I gave is finished).
    pub inbox_item_id: Option<i64>,
    pub actor_id: Option<i64>,
    /// The task it is about, for task events.
    pub task_id: Option<i64>,
    /// The schedule entry it is about, for schedule events.
    pub schedule_entry_id: Option<i64>,
}

/// Which outside channels this server can use (a mail server and push are configured).
#[derive(Clone, Copy, Debug, Default)]
pub(crate) struct OutsideChannels {
    pub mail: bool,
    pub push: bool,
}

type Choices = (Vec<(String, String, String)>, Timing, Vec<EventKind>);

async fn choices(c: &mut egov_storage::Conn, user_id: i64) -> AppResult<Choices> {
    let prefs = ndb::prefs_of(c, user_id).await?;
    let timing = ndb::settings_of(c, user_id).await?.map(timing_of).unwrap_or_default();
    let mandatory = ndb::mandatory(c).await?.iter().filter_map(|k| EventKind::parse(k)).collect();
    Ok((prefs, timing, mandatory))
}

fn timing_of(s: ndb::SettingsRow) -> Timing {
    let hour = |h: i64| u8::try_from(h).ok().filter(|h| *h < 24);
    Timing {
        digest_hour: hour(s.digest_hour).unwrap_or(7),
        quiet: s.quiet_from.and_then(hour).zip(s.quiet_to.and_then(hour)),
    }
}

fn mode_of(prefs: &[(String, String, String)], kind: EventKind, channel: Channel) -> Mode {
    prefs
        .iter()
        .find(|(k, c, _)| k == kind.as_str() && c == channel.as_str())
        .and_then(|(_, _, m)| Mode::parse(m))
        .unwrap_or_else(|| Mode::default_for(kind, channel))
}

impl Services {
    /// Tells `user_id` of news that asks nothing of them (a notification with no inbox item:
    /// work they gave is finished, their rights changed), in the transaction of the event.
    pub(crate) async fn tell(
        &self,
        tx: &mut Tx,
        user_id: i64,
        document_id: Option<i64>,
        kind: EventKind,
        from: Option<i64>,
        now: i64,
    ) -> AppResult<()> {
        let notice = NewItemNotice {
            user_id,
            kind: kind.as_str(),
            document_id,
            inbox_item_id: None,
            actor_id: from,
            task_id: None,
            schedule_entry_id: None,
        };
        notify_item(tx, self.store.engine(), &notice, self.outside_channels(), now).await?;
        Ok(())
    }

    /// The outside channels this server delivers on.
    pub(crate) fn outside_channels(&self) -> OutsideChannels {
        OutsideChannels { mail: self.outside.mailer.is_some(), push: self.outside.push.is_some() }
    }

    /// The caller's notifications, newest first (only unread ones when asked), with the unread total.
    pub async fn notifications(
        &self,
        caller: &Caller,
        unread_only: bool,
        before_id: Option<i64>,
        limit: u32,
    ) -> AppResult<NotificationPage> {
        crate::documents::require(caller, Scope::DocumentsRead)?;
        let limit = limit.clamp(1, 100);
        let mut c = self.store.read().await?;
        let mut items = ndb::list(&mut c, caller.actor.user_id, unread_only, before_id, limit + 1).await?;
        let next_before = (items.len() > limit as usize).then(|| {
            items.truncate(limit as usize);
            items.last().map(|n| n.id)
        });
        let unread = ndb::unread_count(&mut c, caller.actor.user_id, 1000).await?;
        Ok(NotificationPage { items, unread, next_before: next_before.flatten() })
    }

    /// The caller's notifications after `after_id`, oldest first (a stream catching up; at most 50).
    pub async fn notifications_after(&self, caller: &Caller, after_id: i64) -> AppResult<Vec<NotificationRow>> {
        crate::documents::require(caller, Scope::DocumentsRead)?;
        let mut c = self.store.read().await?;
        Ok(ndb::after(&mut c, caller.actor.user_id, after_id, 50).await?)
    }

    /// The caller's unread notifications and open inbox items (the counts in the header).
    pub async fn header_counts(&self, caller: &Caller) -> AppResult<(i64, i64)> {
        if !caller.actor.allows(Scope::DocumentsRead) {
            return Ok((0, 0));
        }
        let mut c = self.store.read().await?;
        let unread = ndb::unread_count(&mut c, caller.actor.user_id, 1000).await?;
        let open = egov_storage::handling::open_count(&mut c, caller.actor.user_id, 1000).await?;
        Ok((unread, open))
    }

    /// Marks one of the caller's notifications read (404 when it is not theirs). Reading is the
    /// person's own bookkeeping, like "last seen": it writes no audit entry.
    pub async fn mark_notification_read(&self, caller: &Caller, id: i64) -> AppResult<()> {
        crate::documents::require(caller, Scope::DocumentsWrite)?;
        let mut tx = self.store.begin().await?;
        if !ndb::mark_read(&mut tx, caller.actor.user_id, id, now_ms()).await? {
            return Err(AppError::NotFound);
        }
        crate::commit(tx).await
    }

    /// Marks every notification of the caller read; returns how many were unread.
    pub async fn mark_all_notifications_read(&self, caller: &Caller) -> AppResult<u64> {
        crate::documents::require(caller, Scope::DocumentsWrite)?;
        let mut tx = self.store.begin().await?;
        let n = ndb::mark_all_read(&mut tx, caller.actor.user_id, now_ms()).await?;
        crate::commit(tx).await?;
        Ok(n)
    }

    /// The caller's choices, every kind and channel.
    pub async fn notification_preferences(&self, caller: &Caller) -> AppResult<Preferences> {
        crate::documents::require(caller, Scope::Profile)?;
        let mut c = self.store.read().await?;
        let (prefs, timing, mandatory) = choices(&mut c, caller.actor.user_id).await?;
        let rows = EventKind::ALL
            .iter()
            .map(|k| {
                let m = mandatory.contains(k);
                let at = |ch: Channel| (ch, mode_of(&prefs, *k, ch).with_mandatory(ch, m));
                (*k, m, [at(Channel::Web), at(Channel::Mail), at(Channel::Push)])
            })
            .collect();
        Ok(Preferences { rows, timing })
    }

    /// Stores the caller's choices (already parsed) and timing; audited.
    pub async fn set_notification_preferences(
        &self,
        caller: &Caller,
        changes: &[(EventKind, Channel, Mode)],
        timing: Option<Timing>,
    ) -> AppResult<()> {
        crate::documents::require(caller, Scope::Profile)?;
        let mut tx = self.store.begin().await?;
        let mandatory: Vec<EventKind> =
            ndb::mandatory(&mut tx).await?.iter().filter_map(|k| EventKind::parse(k)).collect();
        for (kind, channel, mode) in changes {
            if *mode == Mode::Off && mandatory.contains(kind) && *channel != Channel::Push {
                return Err(AppError::invalid(
                    "mode",
                    "mandatory",
                    "Quản trị viên đã đặt loại thông báo này là bắt buộc.",
                    "An administrator made this kind of notification mandatory.",
                ));
            }
            ndb::set_pref(&mut tx, caller.actor.user_id, kind.as_str(), channel.as_str(), mode.as_str()).await?;
        }
        if let Some(t) = timing {
            let row = ndb::SettingsRow {
                digest_hour: i64::from(t.digest_hour),
                quiet_from: t.quiet.map(|q| i64::from(q.0)),
                quiet_to: t.quiet.map(|q| i64::from(q.1)),
            };
            ndb::set_settings(&mut tx, caller.actor.user_id, &row).await?;
        }
        let detail = serde_json::json!({
            "changes": changes.iter().map(|(k, c, m)| [k.as_str(), c.as_str(), m.as_str()]).collect::<Vec<_>>(),
            "timing": timing,
        });
        record(
            &mut tx,
            &Who::caller(caller),
            "notification.preferences",
            "user",
            Some(caller.actor.user_id.to_string()),
            crate::audit::NONE,
            Some(&detail),
        )
        .await?;
        crate::commit(tx).await
    }

    /// Makes an event kind mandatory (or optional again); system administrators only; audited.
    pub async fn set_mandatory_notification(&self, caller: &Caller, kind: EventKind, on: bool) -> AppResult<()> {
        if !caller.actor.is_system_admin() || !caller.actor.allows(Scope::OrgWrite) {
            return Err(AppError::Forbidden);
        }
        let now = now_ms();
        let mut tx = self.store.begin().await?;
        ndb::set_mandatory(&mut tx, kind.as_str(), on, caller.actor.user_id, now).await?;
        let detail = serde_json::json!({ "kind": kind.as_str(), "mandatory": on });
        record(
            &mut tx,
            &Who::caller(caller),
            "notification.mandatory",
            "notification_kind",
            Some(kind.as_str().to_string()),
            crate::audit::NONE,
            Some(&detail),
        )
        .await?;
        crate::commit(tx).await
    }
}

/// The server's VAPID key: read from `pki_dir/vapid.key` (hex of the 32-byte scalar), made on
/// first use. Browsers' subscriptions are bound to it, so it is kept.
pub(crate) fn vapid_key(pki_dir: &std::path::Path) -> anyhow::Result<egov_notify::push::VapidKey> {
    use anyhow::Context as _;
    let path = pki_dir.join("vapid.key");
    if let Ok(text) = std::fs::read_to_string(&path) {
        let bytes = hex::decode(text.trim()).with_context(|| format!("{} is not hex", path.display()))?;
        return egov_notify::push::VapidKey::from_bytes(&bytes).map_err(|e| anyhow::anyhow!("{}: {e}", path.display()));
    }
    std::fs::create_dir_all(pki_dir).with_context(|| format!("cannot create {}", pki_dir.display()))?;
    let key = egov_notify::push::VapidKey::generate();
    let tmp = path.with_extension("tmp");
    std::fs::write(&tmp, hex::encode(key.to_bytes())).with_context(|| format!("cannot write {}", tmp.display()))?;
    std::fs::rename(&tmp, &path).with_context(|| format!("cannot write {}", path.display()))?;
    Ok(key)
}
