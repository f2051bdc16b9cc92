//! The JSON API under `/api/v1`: the same operations as the pages, described by an OpenAPI 3
//! document generated from this code at `/api/v1/openapi.json`.

mod handlers;
mod types;

use axum::routing::{delete, get, patch, post};
use axum::{Json, Router};
use utoipa::openapi::security::{ApiKey, ApiKeyValue, HttpAuthScheme, HttpBuilder, SecurityScheme};
use utoipa::{Modify, OpenApi};

use crate::AppState;

pub(crate) fn routes(_state: AppState) -> Router<AppState> {
    use handlers::*;
    Router::new()
        .route("/openapi.json", get(|| async { Json(ApiDoc::openapi()) }))
        .route("/me", get(me).patch(update_me))
        .route("/me/password", post(change_password))
        .route("/me/tokens", get(list_tokens).post(create_token))
        .route("/me/tokens/{id}", delete(revoke_token))
        .route("/agencies", get(list_agencies).post(create_agency))
        .route("/agencies/{id}", get(get_agency).patch(update_agency))
        .route("/agencies/{id}/units", post(create_unit))
        .route("/units/{id}", patch(update_unit))
        .route("/users", get(list_users).post(create_user))
        .route("/users/{id}", get(get_user).patch(update_user))
        .route("/users/{id}/deactivate", post(deactivate_user))
        .route("/users/{id}/activate", post(activate_user))
        .route("/users/{id}/password-reset", post(reset_password))
        .route("/users/{id}/positions", post(add_position))
        .route("/users/{id}/roles", post(grant_role))
        .route("/users/{id}/roles/{grant_id}", delete(revoke_role))
        .route("/positions/{id}/move", post(move_position))
        .route("/positions/{id}", delete(remove_position))
        .route("/audit", get(list_audit))
        .fallback(not_found)
}

struct Security;

impl Modify for Security {
    fn modify(&self, openapi: &mut utoipa::openapi::OpenApi) {
        let components = openapi.components.get_or_insert_with(Default::default);
        components.add_security_scheme(
            "token",
            SecurityScheme::Http(HttpBuilder::new().scheme(HttpAuthScheme::Bearer).bearer_format("egov_…").build()),
        );
        components
            .add_security_scheme("session", SecurityScheme::ApiKey(ApiKey::Cookie(ApiKeyValue::new("egov_session"))));
    }
}

#[derive(OpenApi)]
#[openapi(
    info(
        title = "egov API",
        version = "1",
        description = "Organisation, accounts and audit of the egov e-government platform. Authenticate with \
            `Authorization: Bearer <token>` (tokens are made on the profile page, with scopes), or with the \
            browser session cookie plus an `X-CSRF-Token` header on writes. Errors use one envelope with \
            field errors; lists are cursor-paginated (`cursor`, `limit` ≤ 200, `next_cursor`). Messages are \
            Vietnamese unless `Accept-Language: en`."
    ),
    paths(
        handlers::me, handlers::update_me, handlers::change_password, handlers::list_tokens,
        handlers::create_token, handlers::revoke_token, handlers::list_agencies, handlers::create_agency,
        handlers::get_agency, handlers::update_agency, handlers::create_unit, handlers::update_unit,
        handlers::list_users, handlers::create_user, handlers::get_user, handlers::update_user,
        handlers::deactivate_user, handlers::activate_user, handlers::reset_password, handlers::add_position,
        handlers::grant_role, handlers::revoke_role, handlers::move_position, handlers::remove_position,
        handlers::list_audit,
    ),
    modifiers(&Security),
    security(("token" = []), ("session" = [])),
    tags((name = "me", description = "The caller's own account"),
         (name = "organisation", description = "Agencies and units"),
         (name = "users", description = "People, positions and roles"),
         (name = "audit", description = "The hash-chained audit trail"))
)]
pub(crate) struct ApiDoc;

/// The OpenAPI document as pretty JSON (for snapshots and `egov` tooling).
pub fn openapi_json() -> String {
    ApiDoc::openapi().to_pretty_json().unwrap_or_default()
}

async fn not_found(lang: crate::session::ApiLang) -> crate::error::ApiError {
    crate::error::ApiError { err: egov_service::AppError::NotFound, lang: lang.0 }
}
