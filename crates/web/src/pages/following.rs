//! "Đã chuyển – đang theo dõi": the parts a person gave or passed on that are still open below
//! them, paged like the inbox, beside it as a tab.

use askama::Template;
use axum::extract::{Query, State};
use axum::response::Response;
use axum::routing::get;
use axum::Router;
use egov_service::documents::today;
use egov_storage::handling::FollowRow;
use serde::Deserialize;

use super::render;
use crate::error::PageError;
use crate::session::SignedIn;
use crate::view::Ctx;
use crate::AppState;

const PAGE: u32 = 30;

pub(crate) fn routes() -> Router<AppState> {
    Router::new().route("/following", get(following))
}

#[derive(Template)]
#[template(path = "following.html")]
struct FollowingPage {
    ctx: Ctx,
    items: Vec<FollowRow>,
    total: i64,
    next: Option<i64>,
    first: usize,
    today: String,
}

impl FollowingPage {
    fn overdue(&self, deadline: &Option<String>) -> bool {
        deadline.as_deref().is_some_and(|d| d < self.today.as_str())
    }
}

#[derive(Deserialize)]
struct FollowingQuery {
    before: Option<i64>,
    #[serde(default)]
    shown: Option<usize>,
}

async fn following(
    State(st): State<AppState>,
    s: SignedIn,
    Query(q): Query<FollowingQuery>,
) -> Result<Response, PageError> {
    let page =
        st.services.following(&s.caller, q.before, PAGE).await.map_err(|err| PageError { err, lang: s.ctx.lang })?;
    let ctx = Ctx::signed_in(&s, "following.title");
    let first = q.shown.unwrap_or(0).min(1_000_000) + 1;
    let view = FollowingPage {
        ctx,
        items: page.items,
        total: page.total,
        next: page.next_before,
        first,
        today: today().to_string(),
    };
    render(&view, s.ctx.lang)
}
