//! The JSON API under `/api/v1`: the same operations as the pages, described by an OpenAPI 3
//! document generated from this code at `/api/v1/openapi.json`.

pub(crate) mod documents;
mod handlers;
pub(crate) mod signatures;
mod types;

use axum::routing::{delete, get, patch, post};
use axum::{Json, Router};
use utoipa::openapi::security::{ApiKey, ApiKeyValue, HttpAuthScheme, HttpBuilder, SecurityScheme};
use utoipa::{Modify, OpenApi};

use crate::AppState;
use handlers::CommonResponses;

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
        .route("/documents/incoming", post(documents::register_incoming))
        .route("/documents/to-register", get(documents::to_register))
        .route("/documents/{id}", get(documents::get_document))
        .route("/documents/{id}/present", post(documents::present))
        .route("/documents/{id}/assign", post(documents::assign))
        .route("/documents/{id}/opinions", post(documents::post_opinion))
        .route("/documents/{id}/register", post(documents::register_arrived))
        .route("/documents/{id}/refuse", post(documents::refuse_arrived))
        .route("/documents/{id}/revoke", post(documents::revoke))
        .route("/documents/{id}/take-back", post(documents::take_back))
        .route("/documents/{id}/exchange-update", post(documents::exchange_update))
        .route("/exchange/directory", get(documents::exchange_directory))
        .route("/assignments/{id}/return", post(documents::return_assignment))
        .route("/assignments/{id}/progress", post(documents::progress))
        .route("/assignments/{id}/finish", post(documents::finish_assignment))
        .route("/files/{id}", get(documents::download))
        .route("/drafts", post(documents::create_draft))
        .route("/drafts/{id}/versions", post(documents::revise_draft))
        .route("/drafts/{id}/consult", post(documents::consult))
        .route("/drafts/{id}/comments", post(documents::answer_consultation))
        .route("/drafts/{id}/submit", post(documents::submit))
        .route("/drafts/{id}/decision", post(documents::decide))
        .route("/drafts/{id}/issue", post(documents::issue))
        .route("/documents/{id}/sign", post(signatures::sign_document))
        .route("/me/signing-key", get(signatures::my_key).post(signatures::import_my_key))
        .route("/agencies/{id}/seal-key", post(signatures::import_seal_key))
        .route("/signatures/check", post(signatures::check_pdf))
        .route("/files/{id}/signatures", post(signatures::recheck_file))
        .route("/messages", post(documents::send_message))
        .route("/inbox", get(documents::inbox))
        .route("/inbox/{id}/done", post(documents::inbox_done))
        .route("/search", get(documents::search))
        .route("/saved-searches", get(documents::saved_searches).post(documents::save_search))
        .route("/documents/{id}/edxml", post(documents::export_package))
        .route("/agencies/{id}/edxml", post(documents::import_package))
        .route("/exchange/push/{code}", post(documents::exchange_push))
        .route("/agencies/{id}/outbox", get(documents::outbox))
        .route("/outbox/{id}", get(documents::outbox_package))
        .route("/saved-searches/{id}", delete(documents::delete_saved_search))
        .route("/books", get(documents::books))
        .route("/books/{id}/csv", get(documents::book_csv))
        .route("/books/{id}/pdf", get(documents::book_pdf))
        .route("/case-files", get(documents::case_files).post(documents::create_case_file))
        .route("/case-files/{id}", get(documents::case_file))
        .route("/case-files/{id}/documents", post(documents::add_to_case_file))
        .route("/case-files/{id}/status", post(documents::case_file_status))
        .route("/people/reachable", get(documents::reachable))
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
        description = "Organisation, accounts, audit and official documents of the egov e-government platform. Authenticate with \
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
        documents::register_incoming, documents::to_register, documents::get_document, documents::present,
        documents::assign, documents::post_opinion, documents::register_arrived, documents::refuse_arrived,
        documents::revoke, documents::take_back, documents::exchange_update, documents::exchange_directory, documents::return_assignment, documents::progress, documents::finish_assignment,
        documents::download, documents::create_draft, documents::revise_draft, documents::consult,
        documents::answer_consultation, documents::submit, documents::decide, documents::issue,
        documents::send_message, documents::inbox, documents::inbox_done, documents::search, documents::books,
        documents::book_csv, documents::book_pdf, documents::create_case_file, documents::case_files, documents::case_file,
        documents::add_to_case_file, documents::case_file_status, documents::reachable,
        signatures::import_my_key, signatures::my_key, signatures::import_seal_key, signatures::sign_document,
        signatures::check_pdf, signatures::recheck_file, documents::saved_searches, documents::save_search,
        documents::delete_saved_search, documents::export_package, documents::import_package, documents::exchange_push,
        documents::outbox, documents::outbox_package,
    ),
    modifiers(&Security, &CommonResponses),
    security(("token" = []), ("session" = [])),
    tags((name = "me", description = "The caller's own account"),
         (name = "organisation", description = "Agencies and units"),
         (name = "users", description = "People, positions and roles"),
         (name = "audit", description = "The hash-chained audit trail"),
         (name = "documents", description = "Incoming documents, routing and handling, inbox, books, search"),
         (name = "drafts", description = "Outgoing documents: drafts, consultation, approval, issue"),
         (name = "case files", description = "Case files (hồ sơ công việc)"),
         (name = "signatures", description = "Digital signatures: keys, signing, checking PDF signatures"),
         (name = "exchange", description = "edXML packages between agencies"))
)]
pub(crate) struct ApiDoc;

/// The OpenAPI document as pretty JSON (for snapshots and `egov` tooling).
pub fn openapi_json() -> String {
    ApiDoc::openapi().to_pretty_json().unwrap_or_default()
}

async fn not_found(lang: crate::session::ApiLang) -> crate::error::ApiError {
    crate::error::ApiError { err: egov_service::AppError::NotFound, lang: lang.0 }
}
