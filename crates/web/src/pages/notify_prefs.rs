//! The page of a person's notification choices (`/profile/notifications`): per kind and
//! channel (on the page, e-mail now or in the digest, push), the digest hour and quiet hours.

use std::collections::HashMap;

use askama::Template;
use axum::extract::State;
use axum::response::{IntoResponse, Redirect, Response};
use axum::routing::get;
use axum::Router;
use egov_domain::notification::{parse_hour, Channel, EventKind, Mode, Timing};
use egov_domain::{FieldError, Lang};
use egov_service::AppError;

use super::form::Form;
use super::{ctx_with_notice, render};
use crate::error::PageError;
use crate::session::SignedIn;
use crate::view::Ctx;
use crate::AppState;

pub(crate) fn routes() -> Router<AppState> {
    Router::new().route("/profile/notifications", get(page).post(save))
}

struct Cell {
    name: String,
    channel_label: &'static str,
    mode: &'static str,
    options: Vec<(&'static str, &'static str)>,
}

struct Row {
    label: &'static str,
    mandatory: bool,
    cells: Vec<Cell>,
}

#[derive(Template)]
#[template(path = "notification_prefs.html")]
struct PrefsPage {
    ctx: Ctx,
    channels: Vec<(&'static str, &'static str)>,
    rows: Vec<Row>,
    hours: Vec<u8>,
    digest_hour: u8,
    quiet_from: Option<u8>,
    quiet_to: Option<u8>,
    errors: Vec<String>,
}

const CHANNELS: [Channel; 3] = [Channel::Web, Channel::Mail, Channel::Push];

fn build(ctx: Ctx, p: &egov_service::notify::Preferences, lang: Lang, errors: Vec<String>) -> PrefsPage {
    let rows = p
        .rows
        .iter()
        .map(|(kind, mandatory, modes)| Row {
            label: kind.label(lang),
            mandatory: *mandatory,
            cells: modes
                .iter()
                .map(|(ch, m)| {
                    let mut options = vec![(Mode::Now.as_str(), Mode::Now.label(lang))];
                    if *ch == Channel::Mail {
                        options.push((Mode::Digest.as_str(), Mode::Digest.label(lang)));
                    }
                    if !*mandatory || *ch == Channel::Push {
                        options.push((Mode::Off.as_str(), Mode::Off.label(lang)));
                    }
                    Cell {
                        name: format!("{}.{}", kind.as_str(), ch.as_str()),
                        channel_label: ch.label(lang),
                        mode: m.as_str(),
                        options,
                    }
                })
                .collect(),
        })
        .collect();
    PrefsPage {
        ctx,
        channels: CHANNELS.iter().map(|c| (c.as_str(), c.label(lang))).collect(),
        rows,
        hours: (0..24).collect(),
        digest_hour: p.timing.digest_hour,
        quiet_from: p.timing.quiet.map(|q| q.0),
        quiet_to: p.timing.quiet.map(|q| q.1),
        errors,
    }
}

#[derive(serde::Deserialize)]
struct NoticeQuery {
    notice: Option<String>,
}

async fn page(
    State(st): State<AppState>,
    s: SignedIn,
    axum::extract::Query(q): axum::extract::Query<NoticeQuery>,
) -> Result<Response, PageError> {
    let lang = s.ctx.lang;
    let p = st.services.notification_preferences(&s.caller).await.map_err(|err| PageError { err, lang })?;
    render(&build(ctx_with_notice(&s, "prefs.title", q.notice.as_deref()), &p, lang, Vec::new()), lang)
}

fn hour_field(f: &HashMap<String, String>, name: &'static str, errors: &mut Vec<FieldError>) -> Option<u8> {
    let v = f.get(name).map(|v| v.trim()).filter(|v| !v.is_empty())?;
    match v.parse::<i64>().map_err(|_| ()).and_then(|h| parse_hour(h, name).map_err(|e| errors.push(e))) {
        Ok(h) => Some(h),
        Err(()) => {
            if !errors.iter().any(|e| e.field == name) {
                errors.push(FieldError::new(
                    name,
                    "hour_out_of_range",
                    "Giờ phải từ 0 đến 23.",
                    "The hour must be from 0 to 23.",
                ));
            }
            None
        }
    }
}

async fn save(
    State(st): State<AppState>,
    s: SignedIn,
    Form(f): Form<HashMap<String, String>>,
) -> Result<Response, PageError> {
    let lang = s.ctx.lang;
    let mut errors = Vec::new();
    let mut changes = Vec::new();
    for kind in EventKind::ALL {
        for ch in CHANNELS {
            let Some(v) = f.get(&format!("{}.{}", kind.as_str(), ch.as_str())) else { continue };
            match Mode::parse_for(v, ch, "mode") {
                Ok(m) => changes.push((*kind, ch, m)),
                Err(e) => errors.push(e),
            }
        }
    }
    let digest_hour = hour_field(&f, "digest_hour", &mut errors).unwrap_or(7);
    let quiet_from = hour_field(&f, "quiet_from", &mut errors);
    let quiet_to = hour_field(&f, "quiet_to", &mut errors);
    if quiet_from.is_some() != quiet_to.is_some() {
        errors.push(FieldError::new(
            "quiet_to",
            "both_or_neither",
            "Giờ yên lặng cần cả giờ bắt đầu và giờ kết thúc.",
            "Quiet hours need both a start and an end.",
        ));
    }
    let result = if errors.is_empty() {
        let timing = Timing { digest_hour, quiet: quiet_from.zip(quiet_to) };
        st.services.set_notification_preferences(&s.caller, &changes, Some(timing)).await
    } else {
        Err(AppError::Invalid(errors))
    };
    match result {
        Ok(()) => Ok(Redirect::to("/profile/notifications?notice=saved").into_response()),
        Err(AppError::Invalid(list)) => {
            let p = st.services.notification_preferences(&s.caller).await.map_err(|err| PageError { err, lang })?;
            let messages = list.iter().map(|e| e.message(lang).to_string()).collect();
            let page = build(Ctx::signed_in(&s, "prefs.title"), &p, lang, messages);
            Ok((axum::http::StatusCode::UNPROCESSABLE_ENTITY, render(&page, lang)?).into_response())
        }
        Err(err) => Err(PageError { err, lang }),
    }
}
