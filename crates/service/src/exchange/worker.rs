//! The exchange worker: carries the outbox to the hub (retries with backoff; a refusal is recorded on the
//! addressee) and, for every agency of this node that has an exchange key, long-polls the hub for what
//! arrived, hands each package to [`Services::receive_package`] or [`Services::apply_status`], and
//! acknowledges it only once that is committed (so a crash before the acknowledgement re-delivers it, and
//! the document-id check makes the second arrival harmless).
use std::collections::HashMap;
use std::sync::Arc;
use std::time::Duration;

use egov_edxml::{Message, StatusCode};
use egov_hub::{ClientError, HubClient};
use egov_storage::documents as db;
use egov_storage::exchange as xdb;
use tokio::task::JoinSet;

use super::status::About;
use super::{record_step, Step};
use crate::{now_ms, AppError, AppResult, Caller, Services};

/// Packages sent at once.
const SEND_BATCH: i64 = 32;
/// Longest wait between two tries of a package the hub could not take.
const MAX_BACKOFF_MS: i64 = 5 * 60 * 1000;

/// Runs the exchange worker against the hub at `hub_url` until `shutdown` resolves.
pub async fn run(services: Services, hub_url: String, shutdown: tokio::sync::watch::Receiver<bool>) {
    let worker = Worker { services, hub_url, clients: Arc::default() };
    let mut tasks = JoinSet::new();
    tasks.spawn(worker.clone().send_loop(shutdown.clone()));
    tasks.spawn(worker.receive_all(shutdown));
    while tasks.join_next().await.is_some() {}
}

#[derive(Clone)]
struct Worker {
    services: Services,
    hub_url: String,
    clients: Arc<tokio::sync::Mutex<HashMap<i64, HubClient>>>,
}

fn stopped(shutdown: &tokio::sync::watch::Receiver<bool>) -> bool {
    *shutdown.borrow()
}

/// Backoff after `attempts` failed tries: 1 s doubling, at most 5 minutes.
fn backoff_ms(attempts: i64) -> i64 {
    let exp = u32::try_from(attempts.clamp(0, 20)).unwrap_or(20);
    1000i64.saturating_mul(1i64 << exp).min(MAX_BACKOFF_MS)
}

impl Worker {
    /// The hub client acting as `agency_id` (its code and exchange key); `None` without a key.
    async fn client(&self, agency_id: i64) -> AppResult<Option<HubClient>> {
        if let Some(c) = self.clients.lock().await.get(&agency_id) {
            return Ok(Some(c.clone()));
        }
        let mut c = self.services.store.read().await?;
        let Some(signer) = self.services.exchange_signer(&mut c, agency_id).await? else { return Ok(None) };
        let agency = egov_storage::org::get_agency(&mut c, agency_id, &egov_storage::Visibility::All)
            .await?
            .ok_or(AppError::NotFound)?;
        let client = HubClient::new(self.hub_url.clone(), agency.code, signer)
            .with_max_package_bytes(self.services.settings.max_package_bytes);
        self.clients.lock().await.insert(agency_id, client.clone());
        Ok(Some(client))
    }

    /// Sends due outbox packages; sleeps until woken by a new package or the next retry is due.
    async fn send_loop(self, mut shutdown: tokio::sync::watch::Receiver<bool>) {
        let wake = self.services.exchange_wake.clone();
        loop {
            if stopped(&shutdown) {
                return;
            }
            let sent = match self.send_due().await {
                Ok(n) => n,
                Err(e) => {
                    tracing::warn!(error = ?e, "exchange outbox: cannot read the outbox");
                    0
                }
            };
            if sent > 0 {
                continue;
            }
            // A package may be announced just before its transaction commits: look again shortly.
            let mut found = false;
            for _ in 0..5 {
                tokio::time::sleep(Duration::from_millis(5)).await;
                if self.has_due().await {
                    found = true;
                    break;
                }
            }
            if found {
                continue;
            }
            let sleep = self.until_next_due().await;
            tokio::select! {
                _ = wake.notified() => {}
                _ = tokio::time::sleep(sleep) => {}
                _ = shutdown.changed() => return,
            }
        }
    }

    async fn has_due(&self) -> bool {
        let Ok(mut c) = self.services.store.read().await else { return false };
        xdb::due_outbox(&mut c, now_ms(), 1).await.map(|r| !r.is_empty()).unwrap_or(false)
    }

    async fn until_next_due(&self) -> Duration {
        let next = match self.services.store.read().await {
            Ok(mut c) => xdb::next_due(&mut c).await.ok().flatten(),
            Err(_) => None,
        };
        let ms = next.map(|at| (at - now_ms()).clamp(10, 60_000)).unwrap_or(60_000);
        Duration::from_millis(u64::try_from(ms).unwrap_or(60_000))
    }

    /// Sends one batch of due packages concurrently; returns how many were tried.
    async fn send_due(&self) -> AppResult<usize> {
        let due = {
            let mut c = self.services.store.read().await?;
            xdb::due_outbox(&mut c, now_ms(), SEND_BATCH).await?
        };
        let tried = due.len();
        let mut sends = JoinSet::new();
        for item in due {
            let Some(client) = self.client(item.agency_id).await? else {
                let mut tx = self.services.store.begin().await?;
                xdb::mark_failed(&mut tx, item.id, "Cơ quan chưa có khóa ký gói tin liên thông.", None).await?;
                crate::commit(tx).await?;
                continue;
            };
            sends.spawn(async move {
                let result = client.send(item.package.as_bytes()).await;
                (item, result)
            });
        }
        while let Some(joined) = sends.join_next().await {
            let (item, result) = joined.map_err(AppError::internal)?;
            self.record_send(&item, result).await?;
        }
        Ok(tried)
    }

    /// Records the outcome of one send on the outbox entry and, for documents, on the addressee.
    async fn record_send(&self, item: &xdb::DueOutbox, result: Result<egov_hub::Sent, ClientError>) -> AppResult<()> {
        let now = now_ms();
        let mut tx = self.services.store.begin().await?;
        let recipient = match item.document_id {
            Some(doc) if item.kind != "status" => db::recipients_of(&mut tx, doc)
                .await?
                .into_iter()
                .find(|r| r.code.as_deref() == Some(item.to_code.as_str()) && r.agency_id.is_none()),
            _ => None,
        };
        match result {
            Ok(sent) => {
                xdb::mark_sent(&mut tx, item.id, &sent.id, now).await?;
                if let Some(r) = recipient.filter(|r| r.status == "queued" || r.status == "send_failed") {
                    if item.kind != "revoke" {
                        db::set_recipient_status(&mut tx, r.id, "sent", None, None, now).await?;
                    }
                }
            }
            Err(e) if e.is_permanent() => {
                let reason = match &e {
                    ClientError::Refused { message, code, .. } => {
                        format!("Trục liên thông từ chối ({code}): {message}")
                    }
                    ClientError::Unavailable(m) => m.clone(),
                };
                tracing::warn!(outbox = item.id, to = %item.to_code, %reason, "exchange: package refused by the hub");
                xdb::mark_failed(&mut tx, item.id, &reason, None).await?;
                if let (Some(r), Some(doc)) = (recipient, item.document_id) {
                    db::set_recipient_status(&mut tx, r.id, "send_failed", None, Some(&reason), now).await?;
                    let step =
                        Step { actor: None, actor_name: "", kind: "exchange_status", target: &r.name, body: &reason };
                    record_step(&mut tx, doc, step, now).await?;
                }
            }
            Err(e) => {
                let next = now + backoff_ms(item.attempts);
                tracing::info!(outbox = item.id, error = %e, "exchange: hub unavailable, will retry");
                xdb::mark_failed(&mut tx, item.id, &e.to_string(), Some(next)).await?;
            }
        }
        crate::commit(tx).await
    }

    /// One receiving loop per agency with an exchange key (looked for again every minute, for new keys).
    async fn receive_all(self, shutdown: tokio::sync::watch::Receiver<bool>) {
        let mut running: HashMap<i64, tokio::task::JoinHandle<()>> = HashMap::new();
        loop {
            if stopped(&shutdown) {
                break;
            }
            match self.hosted_agencies().await {
                Ok(agencies) => {
                    for agency_id in agencies {
                        let alive = running.get(&agency_id).is_some_and(|h| !h.is_finished());
                        if !alive {
                            let w = self.clone();
                            running.insert(agency_id, tokio::spawn(w.receive_loop(agency_id, shutdown.clone())));
                        }
                    }
                }
                Err(e) => tracing::warn!(error = %e, "exchange: cannot list the agencies with exchange keys"),
            }
            let mut s = shutdown.clone();
            tokio::select! {
                _ = tokio::time::sleep(Duration::from_secs(60)) => {}
                _ = s.changed() => break,
            }
        }
        for (_, h) in running {
            h.abort();
        }
    }

    async fn hosted_agencies(&self) -> AppResult<Vec<i64>> {
        let mut c = self.services.store.read().await?;
        Ok(egov_storage::signatures::agencies_with_exchange_keys(&mut c).await?)
    }

    /// Takes what the hub holds for `agency_id` as it comes ([`egov_hub::pull`]: several at a time, those
    /// about one document in order), until shutdown.
    async fn receive_loop(self, agency_id: i64, mut shutdown: tokio::sync::watch::Receiver<bool>) {
        let client = loop {
            match self.client(agency_id).await {
                Ok(Some(c)) => break c,
                Ok(None) => return,
                Err(e) => tracing::warn!(agency = agency_id, error = ?e, "exchange: cannot open the agency's key"),
            }
            tokio::select! {
                _ = tokio::time::sleep(Duration::from_secs(10)) => {}
                _ = shutdown.changed() => return,
            }
        };
        egov_hub::pull(client, shutdown, move |client, p| {
            let worker = self.clone();
            async move {
                match client.fetch(&p.id).await {
                    Ok(bytes) => worker.handle(agency_id, &p.kind, &bytes).await.map_err(|e| e.to_string())?,
                    // Over this node's package limit: refused by size without reading it whole, and
                    // acknowledged (a retry cannot help; it would hold back what follows).
                    Err(ClientError::Refused { code, message, .. }) if code == egov_hub::TOO_LARGE => {
                        tracing::warn!(agency = agency_id, package = %p.id, from = %p.from, %message, "exchange: arrived package refused: too_large");
                    }
                    Err(e) => return Err(e.to_string()),
                }
                client.ack(&p.id).await.map_err(|e| e.to_string())
            }
        })
        .await;
    }

    async fn handle(&self, agency_id: i64, kind: &str, bytes: &[u8]) -> AppResult<()> {
        self.services.take_arrived(agency_id, kind, bytes).await.map(|_| ())
    }
}

impl Services {
    /// Takes one arrived package of `kind` (as the hub classified it: `status` or `document`). `Ok` means it
    /// may be acknowledged: it was stored (`None`), or refused for good (the reason code; the sender hears 02
    /// where the standard says so); `Err` means try again later.
    pub(crate) async fn take_arrived(
        &self,
        agency_id: i64,
        kind: &str,
        bytes: &[u8],
    ) -> AppResult<Option<&'static str>> {
        let caller = Caller::system("exchange");
        let result = if kind == "status" {
            self.apply_status(&caller, agency_id, bytes).await.map(|_| ())
        } else {
            // From the exchange a package must be signed (the hub checks it; a push is not logged in).
            self.receive_checked(&caller, agency_id, bytes, false).await.map(|_| ())
        };
        let Err(e) = result else { return Ok(None) };
        let Some(code) = permanent_reason(&e) else { return Err(e) };
        tracing::warn!(agency = agency_id, reason = code, error = %e, "exchange: arrived package refused");
        if code == "duplicate_package" {
            return Ok(Some(code));
        }
        // A document package that can be read: its sender hears 02 with the reason.
        if let Ok(Message::Package(read)) = egov_edxml::read_message_with(bytes, &self.edxml_options()) {
            let header = &read.package.header;
            let about = About {
                document_id: header.document_id.clone(),
                sender: header.from.clone(),
                code: super::number_notation_of(&header.code),
                promulgation_date: Some(header.promulgation.date),
            };
            let to = about.sender.clone();
            let mut tx = self.store.begin().await?;
            let reason = reason_vi(&e);
            self.queue_answer(&mut tx, &caller, agency_id, None, &about, &to, StatusCode::Refused, &reason, now_ms())
                .await?;
            crate::commit(tx).await?;
        }
        Ok(Some(code))
    }

    /// A package the hub pushed to this node for the agency with identifier code `code` (push
    /// delivery: the node is registered at the hub with this node's push URL as its endpoint).
    /// Taken exactly as a pulled one — trusted by its own XML signature (an unsigned one is
    /// refused), checked to be addressed to that agency, answered 01/02, a second arrival
    /// recognised — so the push URL needs no login.
    ///
    /// `Ok(None)`: stored; `Ok(Some("duplicate_package"))`: it was here already. Every refusal —
    /// a bad, unsigned, misaddressed or oversized package, and a code that no agency here serves
    /// with an exchange key — is the same [`PushRefusal`](super::PushRefusal) error (the reason is
    /// logged), so that the answer does not tell which codes hold exchange keys. Other errors
    /// (the database) mean "try again".
    pub async fn take_pushed(&self, code: &str, kind: Option<&str>, bytes: &[u8]) -> AppResult<Option<&'static str>> {
        let refused = |reason: &str| {
            let shown: String = code.chars().filter(char::is_ascii_graphic).take(40).collect();
            tracing::warn!(code = %shown, reason, "exchange: pushed package refused");
            super::PushRefusal::error()
        };
        if bytes.len() > self.settings.max_package_bytes {
            return Err(refused("too_large"));
        }
        let agency_id = {
            let mut c = self.store.read().await?;
            let agency = egov_storage::org::get_agency_by_code(&mut c, code).await?;
            let keyed = egov_storage::signatures::agencies_with_exchange_keys(&mut c).await?;
            match agency.filter(|a| keyed.contains(&a.id)) {
                Some(a) => a.id,
                None => return Err(refused("unknown_code")),
            }
        };
        let kind = match kind {
            Some(k @ ("status" | "document")) => k,
            _ => match egov_edxml::read_message_with(bytes, &self.edxml_options()) {
                Ok(Message::Status(_)) => "status",
                _ => "document",
            },
        };
        match self.take_arrived(agency_id, kind, bytes).await? {
            None => Ok(None),
            Some(dup @ "duplicate_package") => Ok(Some(dup)),
            Some(_) => Err(super::PushRefusal::error()),
        }
    }
}

/// The reason code of a refusal that a retry will not change (bad package, wrong addressee, signature…);
/// `None` for failures worth retrying (database, files).
fn permanent_reason(e: &AppError) -> Option<&'static str> {
    match e {
        AppError::Invalid(fields) => fields.first().map(|f| f.code),
        AppError::Conflict(f) => Some(f.code),
        AppError::Forbidden | AppError::NotFound => Some("not_for_us"),
        _ => None,
    }
}

/// The Vietnamese reason of a refusal, for the 02 answer.
fn reason_vi(e: &AppError) -> String {
    match e {
        AppError::Invalid(fields) => fields.iter().map(|f| f.message_vi.as_str()).collect::<Vec<_>>().join("; "),
        AppError::Conflict(f) => f.message_vi.clone(),
        _ => "Gói tin không gửi đến cơ quan này.".to_string(),
    }
}
