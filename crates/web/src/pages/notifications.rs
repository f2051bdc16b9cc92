//! The notification centre (`/notifications`: newest first, paged, read and unread), opening a
//! notification (marks it read, goes to what it is about), and `/events`, the server-sent event
//! stream the open pages listen to (`/static/live.js`; every page works without it).

use std::convert::Infallible;
use std::time::Duration;

use askama::Template;
use axum::extract::{Path, Query, State};
use axum::http::HeaderMap;
use axum::response::sse::{Event, KeepAlive, Sse};
use axum::response::{IntoResponse, Redirect, Response};
use axum::routing::{get, post};
use axum::Router;
use egov_domain::notification::EventKind;
use egov_domain::Lang;
use egov_service::notify::live::{LiveEvent, LiveStream};
use egov_service::{Caller, Services};
use egov_storage::notifications::NotificationRow;
use serde::Deserialize;

use super::render;
use crate::error::PageError;
use crate::session::SignedIn;
use crate::view::Ctx;
use crate::AppState;

pub(crate) fn routes() -> Router<AppState> {
    Router::new()
        .route("/notifications", get(centre))
        .route("/notifications/read-all", post(read_all))
        .route("/notifications/{id}/open", post(open))
        .route("/events", get(events))
        .route("/admin/deliveries", get(deliveries))
        .route("/admin/deliveries/{id}/retry", post(retry_delivery))
}

#[derive(Template)]
#[template(path = "deliveries.html")]
struct DeliveriesPage {
    ctx: Ctx,
    rows: Vec<egov_storage::notifications::DeliveryState>,
}

/// The dead-letter list: e-mails and pushes that could not be delivered (system administrators).
async fn deliveries(State(st): State<AppState>, s: SignedIn) -> Result<Response, PageError> {
    let lang = s.ctx.lang;
    let rows = st.services.notification_deliveries(&s.caller, "dead").await.map_err(|err| PageError { err, lang })?;
    render(&DeliveriesPage { ctx: Ctx::signed_in(&s, "deliveries.title"), rows }, lang)
}

async fn retry_delivery(State(st): State<AppState>, s: SignedIn, Path(id): Path<i64>) -> Result<Response, PageError> {
    let lang = s.ctx.lang;
    st.services.requeue_delivery(&s.caller, id).await.map_err(|err| PageError { err, lang })?;
    Ok(Redirect::to("/admin/deliveries").into_response())
}

/// One line of the centre.
pub(crate) struct Line {
    pub id: i64,
    pub label: &'static str,
    pub text: String,
    pub actor: Option<String>,
    pub urgent: bool,
    pub unread: bool,
    pub at: String,
}

fn line(n: &NotificationRow, lang: Lang) -> Line {
    Line {
        id: n.id,
        label: EventKind::parse(&n.kind).map_or("", |k| k.label(lang)),
        text: text_of(n),
        actor: n.actor_name.clone(),
        urgent: n.urgent,
        unread: n.read_at.is_none(),
        at: crate::view::format_time(n.created_at),
    }
}

/// What a notification is about, in one line: the document's number and subject, or the message.
fn text_of(n: &NotificationRow) -> String {
    let doc = match (&n.number_notation, &n.subject) {
        (Some(num), Some(s)) => format!("{num} — {s}"),
        (None, Some(s)) => s.clone(),
        _ => String::new(),
    };
    let text = if doc.is_empty() { n.message_body.clone().unwrap_or_default() } else { doc };
    let mut t: String = text.chars().take(160).collect();
    if text.chars().count() > 160 {
        t.push('…');
    }
    t
}

/// Where a notification leads.
fn target_of(n: &NotificationRow) -> String {
    match (n.document_id, n.task_id, n.schedule_entry_id) {
        (Some(id), _, _) => format!("/documents/{id}"),
        (None, Some(task), _) => format!("/tasks/{task}"),
        (None, None, Some(entry)) => format!("/schedule/entries/{entry}"),
        (None, None, None) if n.kind == EventKind::RightsChanged.as_str() => "/profile".into(),
        (None, None, None) => "/inbox".into(),
    }
}

#[derive(Template)]
#[template(path = "notifications.html")]
struct CentrePage {
    ctx: Ctx,
    lines: Vec<Line>,
    unread: i64,
    unread_only: bool,
    next: Option<i64>,
    push_available: bool,
}

#[derive(Deserialize)]
struct CentreQuery {
    before: Option<i64>,
    #[serde(default)]
    unread: Option<String>,
}

async fn centre(State(st): State<AppState>, s: SignedIn, Query(q): Query<CentreQuery>) -> Result<Response, PageError> {
    let lang = s.ctx.lang;
    let unread_only = q.unread.as_deref() == Some("1");
    let page =
        st.services.notifications(&s.caller, unread_only, q.before, 30).await.map_err(|err| PageError { err, lang })?;
    let lines = page.items.iter().map(|n| line(n, lang)).collect();
    let page = CentrePage {
        ctx: Ctx::signed_in(&s, "notifications.title"),
        lines,
        unread: page.unread,
        unread_only,
        next: page.next_before,
        push_available: st.services.push_public_key().is_some(),
    };
    render(&page, lang)
}

async fn read_all(State(st): State<AppState>, s: SignedIn) -> Result<Response, PageError> {
    let lang = s.ctx.lang;
    st.services.mark_all_notifications_read(&s.caller).await.map_err(|err| PageError { err, lang })?;
    Ok(Redirect::to("/notifications").into_response())
}

/// Marks a notification read and goes to what it is about.
async fn open(State(st): State<AppState>, s: SignedIn, Path(id): Path<i64>) -> Result<Response, PageError> {
    let lang = s.ctx.lang;
    st.services.mark_notification_read(&s.caller, id).await.map_err(|err| PageError { err, lang })?;
    let page =
        st.services.notifications(&s.caller, false, Some(id + 1), 1).await.map_err(|err| PageError { err, lang })?;
    let to = page.items.first().filter(|n| n.id == id).map_or_else(|| "/notifications".into(), target_of);
    Ok(Redirect::to(&to).into_response())
}

/// The event a page receives for a notification.
fn notification_event(n: &NotificationRow, lang: Lang) -> Event {
    let data = serde_json::json!({
        "id": n.id,
        "kind": n.kind,
        "label": EventKind::parse(&n.kind).map_or("", |k| k.label(lang)),
        "text": text_of(n),
        "actor": n.actor_name,
        "urgent": n.urgent,
        "url": format!("/notifications/{}/open", n.id),
    });
    Event::default().id(n.id.to_string()).event("notification").data(data.to_string())
}

/// What a stream carries between polls.
struct StreamState {
    services: Services,
    caller: Caller,
    lang: Lang,
    live: LiveStream,
    /// The newest notification id this stream sent (or was told the browser had).
    last: i64,
    /// Events ready to go.
    queue: std::collections::VecDeque<Event>,
}

impl StreamState {
    /// Reads what came after `last` (after a reconnect or a resync) and the counts.
    async fn catch_up(&mut self) {
        if let Ok(rows) = self.services.notifications_after(&self.caller, self.last).await {
            for n in &rows {
                self.last = self.last.max(n.id);
                self.queue.push_back(notification_event(n, self.lang));
            }
        }
        self.push_counts().await;
    }

    async fn push_counts(&mut self) {
        if let Ok((unread, open)) = self.services.header_counts(&self.caller).await {
            let data = serde_json::json!({ "unread": unread, "inbox": open });
            self.queue.push_back(Event::default().event("counts").data(data.to_string()));
        }
    }
}

/// The browser's stream. `Last-Event-ID` (sent by the browser when it reconnects) resumes after
/// that notification: only the caller's own newer notifications are read, so a stale or forged
/// id shows nothing that is not theirs (an id that is not a number starts afresh). The stream
/// opens with the counts, then sends each new notification as it is committed, in any process
/// on the same database.
async fn events(State(st): State<AppState>, s: SignedIn, headers: HeaderMap) -> Result<Response, PageError> {
    let lang = s.ctx.lang;
    let services = st.services.clone();
    let resume = headers
        .get("last-event-id")
        .and_then(|v| v.to_str().ok())
        .and_then(|v| v.trim().parse::<i64>().ok())
        .filter(|v| *v >= 0);
    // Subscribe before reading, so nothing committed in between is missed.
    let live = services.live.subscribe(s.caller.actor.user_id);
    let mut state =
        StreamState { services, caller: s.caller, lang, live, last: 0, queue: std::collections::VecDeque::new() };
    match resume {
        Some(id) => {
            state.last = id;
            state.catch_up().await;
        }
        None => {
            // A new stream: only what comes from now on (the page shows what came before).
            let newest = state.services.notifications(&state.caller, false, None, 1).await;
            state.last = newest.ok().and_then(|p| p.items.first().map(|n| n.id)).unwrap_or(0);
            state.push_counts().await;
        }
    }
    let stream = futures_util::stream::unfold(state, |mut st| async move {
        loop {
            if let Some(e) = st.queue.pop_front() {
                return Some((Ok::<Event, Infallible>(e), st));
            }
            match st.live.events.recv().await? {
                LiveEvent::Notification(n) if n.id > st.last => {
                    st.last = n.id;
                    let e = notification_event(&n, st.lang);
                    return Some((Ok(e), st));
                }
                LiveEvent::Notification(_) => {}
                LiveEvent::Resync => st.catch_up().await,
            }
        }
    });
    Ok(Sse::new(stream).keep_alive(KeepAlive::new().interval(Duration::from_secs(25))).into_response())
}
