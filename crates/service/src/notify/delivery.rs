//! The outside channels' worker: claims due deliveries (e-mail now or in a digest, Web Push),
//! checks just before sending that the notification is still unread and still wanted, sends,
//! and records the outcome — retried with backoff when the server is down, dead (the
//! administrators' list) when refused for good or tried too often. A mail server that is down
//! only delays mail: the events and their notifications were committed long before.

use std::time::Duration;

use egov_domain::notification::{Channel, EventKind, Mode};
use egov_domain::Lang;
use egov_notify::mail::{Mail, MailError};
use egov_notify::push::{PushError, Subscription, Urgency};
use egov_storage::notifications::{self as ndb, DeliveryRow};

use crate::{now_ms, AppError, AppResult, Caller, Services};

/// Attempts before a delivery is dead.
pub const MAX_ATTEMPTS: i64 = 8;
/// How long a claimed delivery is held before another worker may take it.
const LEASE_MS: i64 = 120_000;

/// The delay before try `attempts + 1`: 30 s doubling, at most an hour.
pub fn backoff_ms(attempts: i64) -> i64 {
    let exp = u32::try_from(attempts.clamp(1, 8) - 1).unwrap_or(0);
    (30_000i64 << exp).min(3_600_000)
}

/// The server's outside channels: the mailer and the push client, when configured.
#[derive(Clone, Debug, Default)]
pub struct Outside {
    pub mailer: Option<egov_notify::mail::Mailer>,
    pub push: Option<egov_notify::push::PushClient>,
    /// The address links in mails point to (`public_url`), without a trailing slash.
    pub base_url: String,
}

/// What one round of the worker did.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct Round {
    pub sent: usize,
    pub skipped: usize,
    pub retried: usize,
    pub dead: usize,
}

enum Outcome {
    Sent,
    Skipped(&'static str),
    Retry(String),
    Dead(String),
}

impl Services {
    /// Runs the worker until the process ends: a round whenever woken, at least every 5 s.
    pub async fn run_delivery_worker(self) {
        loop {
            match self.deliver_due_notifications().await {
                Ok(r) if r != Round::default() => tracing::debug!(?r, "notification deliveries"),
                Ok(_) => {}
                Err(e) => tracing::warn!(error = %e, "notification deliveries failed"),
            }
            let _ = tokio::time::timeout(Duration::from_secs(5), self.delivery_wake.notified()).await;
        }
    }

    /// Sends what is due now (tests call this to drain the queue).
    pub async fn deliver_due_notifications(&self) -> AppResult<Round> {
        let mut round = Round::default();
        loop {
            let now = now_ms();
            let claimed = {
                let mut tx = self.store.begin().await?;
                let rows = ndb::claim_deliveries(&mut tx, self.store.engine(), now, LEASE_MS, 20).await?;
                tx.commit().await?;
                rows
            };
            if claimed.is_empty() {
                return Ok(round);
            }
            for d in claimed {
                let (outcome, extra) = self.deliver_one(&d, now).await?;
                let mut tx = self.store.begin().await?;
                for row in std::iter::once(&d).chain(extra.iter()) {
                    match &outcome {
                        Outcome::Sent => ndb::end_delivery(&mut tx, row.id, "sent", None, now).await?,
                        Outcome::Skipped(why) => ndb::end_delivery(&mut tx, row.id, "skipped", Some(why), now).await?,
                        Outcome::Dead(e) => ndb::end_delivery(&mut tx, row.id, "dead", Some(e), now).await?,
                        Outcome::Retry(e) if row.attempts >= MAX_ATTEMPTS => {
                            ndb::end_delivery(&mut tx, row.id, "dead", Some(e), now).await?
                        }
                        Outcome::Retry(e) => {
                            ndb::retry_delivery(&mut tx, row.id, e, now + backoff_ms(row.attempts)).await?
                        }
                    }
                }
                tx.commit().await?;
                let n = 1 + extra.len();
                match outcome {
                    Outcome::Sent => round.sent += n,
                    Outcome::Skipped(_) => round.skipped += n,
                    Outcome::Retry(_) if d.attempts >= MAX_ATTEMPTS => round.dead += n,
                    Outcome::Retry(_) => round.retried += n,
                    Outcome::Dead(_) => round.dead += n,
                }
            }
        }
    }

    /// Sends one delivery (a digest takes the person's other due digest rows with it).
    async fn deliver_one(&self, d: &DeliveryRow, now: i64) -> AppResult<(Outcome, Vec<DeliveryRow>)> {
        let Some(kind) = EventKind::parse(&d.kind) else { return Ok((Outcome::Skipped("unknown kind"), vec![])) };
        if !d.active {
            return Ok((Outcome::Skipped("account inactive"), vec![]));
        }
        let channel = if d.channel == "push" { Channel::Push } else { Channel::Mail };
        let (prefs, _, mandatory) = {
            let mut c = self.store.read().await?;
            super::choices(&mut c, d.user_id).await?
        };
        let wanted = |k: EventKind| super::mode_of(&prefs, k, channel).with_mandatory(channel, mandatory.contains(&k));
        match channel {
            Channel::Push => {
                if d.read_at.is_some() {
                    return Ok((Outcome::Skipped("read"), vec![]));
                }
                if wanted(kind) == Mode::Off {
                    return Ok((Outcome::Skipped("no longer wanted"), vec![]));
                }
                Ok((self.push_one(d).await?, vec![]))
            }
            _ => {
                let mut rows = vec![d.clone()];
                if d.channel == "digest" {
                    let mut tx = self.store.begin().await?;
                    rows.extend(ndb::claim_digest_rest(&mut tx, d.user_id, now, LEASE_MS, d.id).await?);
                    tx.commit().await?;
                }
                let extra = rows.split_off(1);
                let mut items: Vec<&DeliveryRow> = std::iter::once(d).chain(extra.iter()).collect();
                items.retain(|r| {
                    r.read_at.is_none() && EventKind::parse(&r.kind).is_some_and(|k| wanted(k) != Mode::Off)
                });
                if items.is_empty() {
                    return Ok((Outcome::Skipped("read or no longer wanted"), extra));
                }
                Ok((self.mail_items(d, &items).await, extra))
            }
        }
    }

    async fn mail_items(&self, d: &DeliveryRow, items: &[&DeliveryRow]) -> Outcome {
        let Some(mailer) = &self.outside.mailer else { return Outcome::Retry("no mail server configured".into()) };
        let Some(to) = d.email.as_deref().filter(|e| !e.is_empty()) else {
            return Outcome::Skipped("no e-mail address");
        };
        let lang = Lang::Vi;
        let base = &self.outside.base_url;
        let line = |r: &DeliveryRow| {
            let kind = EventKind::parse(&r.kind).map_or("", |k| k.label(lang));
            let what = r.subject.as_deref().or(r.message_body.as_deref()).unwrap_or("");
            let who = r.actor_name.as_deref().map(|n| format!(" ({n})")).unwrap_or_default();
            let link = format!("\n  {base}{}", target(r, "/inbox"));
            format!("- {kind}{who}: {}{link}", what.chars().take(200).collect::<String>())
        };
        let (subject, intro) = if d.channel == "digest" {
            (format!("[egov] {} việc mới cần anh/chị xử lý", items.len()), "Tổng hợp thông báo trong ngày:")
        } else {
            let kind = EventKind::parse(&d.kind).map_or("Thông báo", |k| k.label(lang));
            let what: String =
                d.subject.as_deref().or(d.message_body.as_deref()).unwrap_or("").chars().take(120).collect();
            (format!("[egov] {kind}: {what}"), "Anh/chị có việc mới trên egov:")
        };
        let body: Vec<String> = items.iter().map(|r| line(r)).collect();
        let text = format!(
            "Kính gửi {},\n\n{intro}\n\n{}\n\nĐổi cách nhận thông báo: {base}/profile/notifications\n",
            d.full_name,
            body.join("\n")
        );
        let mail = Mail {
            to: to.to_string(),
            to_name: d.full_name.clone(),
            subject,
            text,
            html: None,
            message_id: format!("notification-{}@egov", d.id),
        };
        match mailer.send(&mail).await {
            Ok(()) => Outcome::Sent,
            Err(MailError::Transient(e)) => Outcome::Retry(e),
            Err(e @ (MailError::Permanent(_) | MailError::Config(_))) => Outcome::Dead(e.to_string()),
        }
    }

    async fn push_one(&self, d: &DeliveryRow) -> AppResult<Outcome> {
        let Some(client) = &self.outside.push else { return Ok(Outcome::Retry("push is not configured".into())) };
        let subs = {
            let mut c = self.store.read().await?;
            ndb::pushes_of(&mut c, d.user_id).await?
        };
        if subs.is_empty() {
            return Ok(Outcome::Skipped("no push subscription"));
        }
        let kind = EventKind::parse(&d.kind).map_or("", |k| k.label(Lang::Vi));
        let what: String = d.subject.as_deref().or(d.message_body.as_deref()).unwrap_or("").chars().take(200).collect();
        let url = target(d, "/notifications");
        let payload =
            serde_json::json!({ "title": kind, "body": what, "url": url, "id": d.notification_id }).to_string();
        let urgency = if d.urgent { Urgency::High } else { Urgency::Normal };
        let (mut sent, mut transient, mut last) = (0, 0, String::new());
        for s in subs {
            let Ok(sub) = Subscription::parse(&s.endpoint, &s.p256dh, &s.auth, true) else { continue };
            match client.send(&sub, payload.as_bytes(), 86_400, urgency).await {
                Ok(()) => sent += 1,
                Err(PushError::Gone) => {
                    let mut tx = self.store.begin().await?;
                    ndb::remove_push(&mut tx, None, s.id).await?;
                    tx.commit().await?;
                }
                Err(PushError::Transient(e)) => {
                    transient += 1;
                    last = e;
                }
                Err(e) => last = e.to_string(),
            }
        }
        Ok(match (sent, transient) {
            (s, _) if s > 0 => Outcome::Sent,
            (_, t) if t > 0 => Outcome::Retry(last),
            _ if last.is_empty() => Outcome::Skipped("every subscription is gone"),
            _ => Outcome::Dead(last),
        })
    }

    /// Stores the caller's browser subscription for Web Push (fields checked; audited).
    pub async fn subscribe_push(&self, caller: &Caller, endpoint: &str, p256dh: &str, auth: &str) -> AppResult<i64> {
        crate::documents::require(caller, crate::Scope::Profile)?;
        if self.outside.push.is_none() {
            return Err(AppError::invalid(
                "endpoint",
                "push_unavailable",
                "Máy chủ này chưa bật thông báo đẩy.",
                "Push notifications are not enabled on this server.",
            ));
        }
        let sub = Subscription::parse(endpoint, p256dh, auth, self.settings.push_allow_loopback).map_err(|e| {
            let msg = e.to_string();
            let field = ["p256dh", "auth"].into_iter().find(|f| msg.contains(&format!("{f}:"))).unwrap_or("endpoint");
            AppError::invalid(
                field,
                "bad_subscription",
                "Đăng ký nhận thông báo đẩy của trình duyệt không hợp lệ.",
                &format!("The browser's push subscription is not valid ({msg})."),
            )
        })?;
        let mut tx = self.store.begin().await?;
        let id = ndb::add_push(&mut tx, caller.actor.user_id, &sub.endpoint, &sub.p256dh, &sub.auth, now_ms()).await?;
        audit_plain(&mut tx, caller, "notification.push_subscribe", "push_subscription", id).await?;
        crate::commit(tx).await?;
        Ok(id)
    }

    /// Removes one of the caller's push subscriptions (404 when it is not theirs; audited).
    pub async fn unsubscribe_push(&self, caller: &Caller, id: i64) -> AppResult<()> {
        crate::documents::require(caller, crate::Scope::Profile)?;
        let mut tx = self.store.begin().await?;
        if !ndb::remove_push(&mut tx, Some(caller.actor.user_id), id).await? {
            return Err(AppError::NotFound);
        }
        audit_plain(&mut tx, caller, "notification.push_unsubscribe", "push_subscription", id).await?;
        crate::commit(tx).await
    }

    /// The VAPID public key browsers subscribe with (`None` when push is off).
    pub fn push_public_key(&self) -> Option<String> {
        self.push_key.as_ref().map(|k| k.public_key_base64url())
    }

    /// Deliveries in a state (`dead`: the dead-letter list); system administrators only.
    pub async fn notification_deliveries(&self, caller: &Caller, state: &str) -> AppResult<Vec<ndb::DeliveryState>> {
        if !caller.actor.is_system_admin() || !caller.actor.allows(crate::Scope::AuditRead) {
            return Err(AppError::Forbidden);
        }
        let mut c = self.store.read().await?;
        Ok(ndb::deliveries_in(&mut c, state, 200).await?)
    }

    /// Puts a dead delivery back in the queue; system administrators only; audited.
    pub async fn requeue_delivery(&self, caller: &Caller, id: i64) -> AppResult<()> {
        if !caller.actor.is_system_admin() || !caller.actor.allows(crate::Scope::OrgWrite) {
            return Err(AppError::Forbidden);
        }
        let mut tx = self.store.begin().await?;
        if !ndb::requeue(&mut tx, id, now_ms()).await? {
            return Err(AppError::NotFound);
        }
        audit_plain(&mut tx, caller, "notification.requeue", "notification_delivery", id).await?;
        crate::commit(tx).await?;
        self.delivery_wake.notify_one();
        Ok(())
    }
}

/// An audit entry naming only the action and the object (no details to reduce).
async fn audit_plain(tx: &mut egov_storage::Tx, caller: &Caller, action: &str, object: &str, id: i64) -> AppResult<()> {
    crate::audit::record(
        tx,
        &crate::audit::Who::caller(caller),
        action,
        object,
        Some(id.to_string()),
        crate::audit::NONE,
        crate::audit::NONE,
    )
    .await
}

/// The page a notification leads to: its document, its task, or `otherwise`.
fn target(d: &DeliveryRow, otherwise: &str) -> String {
    match (d.document_id, d.task_id, d.schedule_entry_id) {
        (Some(id), _, _) => format!("/documents/{id}"),
        (None, Some(id), _) => format!("/tasks/{id}"),
        (None, None, Some(id)) => format!("/schedule/entries/{id}"),
        (None, None, None) => otherwise.to_string(),
    }
}

#[cfg(test)]
mod tests {
    use super::backoff_ms;

    #[test]
    fn backoff_doubles_to_an_hour() {
        assert_eq!(backoff_ms(1), 30_000);
        assert_eq!(backoff_ms(2), 60_000);
        assert_eq!(backoff_ms(5), 480_000);
        assert_eq!(backoff_ms(8), 3_600_000);
        assert_eq!(backoff_ms(50), 3_600_000);
    }
}
