//! The JSON API under `/api/v1`: the same operations as the pages, described by an OpenAPI 3
//! document generated from this code at `/api/v1/openapi.json`.

pub(crate) mod documents;
mod handlers;
pub(crate) mod notifications;
pub(crate) mod reports;
pub(crate) mod schedules;
pub(crate) mod signatures;
pub(crate) mod stats;
mod types;
pub(crate) mod work;

use axum::routing::{delete, get, patch, post, put, MethodRouter};
use axum::{Json, Router};
use egov_domain::authz::Scope;
use utoipa::openapi::security::{ApiKey, ApiKeyValue, HttpAuthScheme, HttpBuilder, SecurityScheme};
use utoipa::{Modify, OpenApi};

use crate::AppState;
use handlers::CommonResponses;

/// What a route asks of its caller, declared once per route in [`api_routes!`].
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Access {
    /// No sign-in: the OpenAPI document, and pushed packages (trusted by their own signatures).
    Public,
    /// A browser session only; API tokens are refused (tokens, personal keys).
    Session,
    /// A browser session, even one whose password must be changed first: the change itself.
    OwnPassword,
    /// A browser session, or an API token holding this scope.
    Scope(Scope),
}

/// One route of the API as declared: method, path (under `/api/v1`) and access.
#[derive(Clone, Copy, Debug)]
pub struct RouteInfo {
    pub method: &'static str,
    pub path: &'static str,
    pub access: Access,
}

/// Declares every route once, with its access: builds the router (each route behind
/// [`crate::session::api_guard`] with its access) and the table tests walk.
macro_rules! api_routes {
    ($($method:ident $path:literal $access:expr => $handler:path;)*) => {
        pub(crate) fn routes(state: AppState) -> Router<AppState> {
            Router::new()
                $(.route($path, guarded(&state, $access, $method($handler))))*
                .fallback(not_found)
        }

        /// Every API route with the access it declares.
        pub fn route_table() -> Vec<RouteInfo> {
            vec![$(RouteInfo { method: stringify!($method), path: $path, access: $access }),*]
        }
    };
}

fn guarded(state: &AppState, access: Access, route: MethodRouter<AppState>) -> MethodRouter<AppState> {
    route.layer(axum::middleware::from_fn_with_state(
        state.clone(),
        move |st: axum::extract::State<AppState>, req: axum::extract::Request, next: axum::middleware::Next| {
            crate::session::api_guard(st, access, req, next)
        },
    ))
}

use handlers::*;
use Access::{OwnPassword, Public, Session};
const ORG_READ: Access = Access::Scope(Scope::OrgRead);
const ORG_WRITE: Access = Access::Scope(Scope::OrgWrite);
const AUDIT_READ: Access = Access::Scope(Scope::AuditRead);
const PROFILE: Access = Access::Scope(Scope::Profile);
const DOCS_READ: Access = Access::Scope(Scope::DocumentsRead);
const DOCS_WRITE: Access = Access::Scope(Scope::DocumentsWrite);
const WORK_READ: Access = Access::Scope(Scope::WorkRead);
const WORK_WRITE: Access = Access::Scope(Scope::WorkWrite);

api_routes! {
    get "/openapi.json" Public => openapi_document;
    get "/me" PROFILE => me;
    patch "/me" PROFILE => update_me;
    post "/me/password" OwnPassword => change_password;
    get "/me/tokens" Session => list_tokens;
    post "/me/tokens" Session => create_token;
    delete "/me/tokens/{id}" Session => revoke_token;
    get "/agencies" ORG_READ => list_agencies;
    post "/agencies" ORG_WRITE => create_agency;
    get "/agencies/{id}" ORG_READ => get_agency;
    patch "/agencies/{id}" ORG_WRITE => update_agency;
    post "/agencies/{id}/units" ORG_WRITE => create_unit;
    patch "/units/{id}" ORG_WRITE => update_unit;
    get "/users" ORG_READ => list_users;
    post "/users" ORG_WRITE => create_user;
    get "/users/{id}" ORG_READ => get_user;
    patch "/users/{id}" ORG_WRITE => update_user;
    post "/users/{id}/deactivate" ORG_WRITE => deactivate_user;
    post "/users/{id}/activate" ORG_WRITE => activate_user;
    post "/users/{id}/password-reset" ORG_WRITE => reset_password;
    post "/users/{id}/positions" ORG_WRITE => add_position;
    post "/users/{id}/roles" ORG_WRITE => grant_role;
    delete "/users/{id}/roles/{grant_id}" ORG_WRITE => revoke_role;
    post "/positions/{id}/move" ORG_WRITE => move_position;
    delete "/positions/{id}" ORG_WRITE => remove_position;
    get "/audit" AUDIT_READ => list_audit;
    post "/documents/incoming" DOCS_WRITE => documents::register_incoming;
    get "/documents/to-register" DOCS_READ => documents::to_register;
    get "/documents/{id}" DOCS_READ => documents::get_document;
    post "/documents/{id}/present" DOCS_WRITE => documents::present;
    post "/documents/{id}/assign" DOCS_WRITE => documents::assign;
    post "/documents/{id}/opinions" DOCS_WRITE => documents::post_opinion;
    post "/documents/{id}/register" DOCS_WRITE => documents::register_arrived;
    post "/documents/{id}/refuse" DOCS_WRITE => documents::refuse_arrived;
    post "/documents/{id}/revoke" DOCS_WRITE => documents::revoke;
    post "/documents/{id}/take-back" DOCS_WRITE => documents::take_back;
    post "/documents/{id}/exchange-update" DOCS_WRITE => documents::exchange_update;
    post "/documents/{id}/sign" DOCS_WRITE => signatures::sign_document;
    post "/documents/{id}/edxml" DOCS_WRITE => documents::export_package;
    get "/exchange/directory" DOCS_READ => documents::exchange_directory;
    post "/exchange/push/{code}" Public => documents::exchange_push;
    post "/assignments/{id}/return" DOCS_WRITE => documents::return_assignment;
    post "/assignments/{id}/progress" DOCS_WRITE => documents::progress;
    post "/assignments/{id}/finish" DOCS_WRITE => documents::finish_assignment;
    post "/assignments/{id}/accept" DOCS_WRITE => documents::accept_result;
    post "/assignments/{id}/return-result" DOCS_WRITE => documents::return_result;
    get "/files/{id}" DOCS_READ => documents::download;
    post "/files/{id}/signatures" DOCS_WRITE => signatures::recheck_file;
    post "/drafts" DOCS_WRITE => documents::create_draft;
    post "/drafts/{id}/versions" DOCS_WRITE => documents::revise_draft;
    post "/drafts/{id}/consult" DOCS_WRITE => documents::consult;
    post "/drafts/{id}/comments" DOCS_WRITE => documents::answer_consultation;
    post "/drafts/{id}/submit" DOCS_WRITE => documents::submit;
    post "/drafts/{id}/decision" DOCS_WRITE => documents::decide;
    post "/drafts/{id}/issue" DOCS_WRITE => documents::issue;
    get "/me/signing-key" DOCS_READ => signatures::my_key;
    post "/me/signing-key" DOCS_WRITE => signatures::import_my_key;
    post "/agencies/{id}/seal-key" ORG_WRITE => signatures::import_seal_key;
    post "/agencies/{id}/edxml" DOCS_WRITE => documents::import_package;
    get "/agencies/{id}/outbox" DOCS_READ => documents::outbox;
    get "/outbox/{id}" DOCS_READ => documents::outbox_package;
    post "/signatures/check" DOCS_READ => signatures::check_pdf;
    post "/messages" DOCS_WRITE => documents::send_message;
    get "/inbox" DOCS_READ => documents::inbox;
    get "/following" DOCS_READ => documents::following;
    post "/inbox/{id}/done" DOCS_WRITE => documents::inbox_done;
    get "/search" DOCS_READ => documents::search;
    get "/saved-searches" DOCS_READ => documents::saved_searches;
    post "/saved-searches" DOCS_WRITE => documents::save_search;
    delete "/saved-searches/{id}" DOCS_WRITE => documents::delete_saved_search;
    get "/books" DOCS_READ => documents::books;
    get "/books/{id}/csv" DOCS_READ => documents::book_csv;
    get "/books/{id}/pdf" DOCS_READ => documents::book_pdf;
    get "/case-files" DOCS_READ => documents::case_files;
    post "/case-files" DOCS_WRITE => documents::create_case_file;
    get "/case-files/{id}" DOCS_READ => documents::case_file;
    post "/case-files/{id}/documents" DOCS_WRITE => documents::add_to_case_file;
    post "/case-files/{id}/status" DOCS_WRITE => documents::case_file_status;
    get "/people/reachable" DOCS_READ => documents::reachable;
    get "/notifications" DOCS_READ => notifications::list;
    post "/notifications/read-all" DOCS_WRITE => notifications::read_all;
    post "/notifications/{id}/read" DOCS_WRITE => notifications::read;
    get "/me/notification-preferences" PROFILE => notifications::get_preferences;
    put "/me/notification-preferences" PROFILE => notifications::put_preferences;
    post "/me/push-subscriptions" PROFILE => notifications::subscribe;
    delete "/me/push-subscriptions/{id}" PROFILE => notifications::unsubscribe;
    get "/push/key" PROFILE => notifications::push_key;
    get "/tasks" WORK_READ => work::list_tasks;
    post "/tasks" WORK_WRITE => work::create_task;
    get "/tasks/{id}" WORK_READ => work::get_task;
    post "/tasks/{id}/subtasks" WORK_WRITE => work::create_subtask;
    post "/tasks/{id}/progress" WORK_WRITE => work::task_progress;
    post "/tasks/{id}/submit" WORK_WRITE => work::submit_task;
    post "/tasks/{id}/accept" WORK_WRITE => work::accept_task;
    post "/tasks/{id}/return" WORK_WRITE => work::return_task;
    post "/tasks/{id}/cancel" WORK_WRITE => work::cancel_task;
    get "/task-files/{id}" WORK_READ => work::task_file;
    post "/task-series" WORK_WRITE => work::create_series;
    post "/task-series/{id}/stop" WORK_WRITE => work::stop_series;
    get "/calendar/{id}" WORK_READ => work::calendar_year;
    put "/calendar/{id}" ORG_WRITE => work::put_calendar_year;
    get "/agencies/{id}/schedule" WORK_READ => schedules::week;
    post "/agencies/{id}/schedule" WORK_WRITE => schedules::create_entry;
    get "/agencies/{id}/schedule/pdf" WORK_READ => schedules::week_pdf;
    get "/schedule-entries/{id}" WORK_READ => schedules::get_entry;
    put "/schedule-entries/{id}" WORK_WRITE => schedules::update_entry;
    post "/schedule-entries/{id}/publish" WORK_WRITE => schedules::publish_entry;
    post "/schedule-entries/{id}/cancel" WORK_WRITE => schedules::cancel_entry;
    get "/me/feeds" Session => schedules::list_feeds;
    post "/me/feeds" Session => schedules::create_feed;
    delete "/me/feeds/{id}" Session => schedules::revoke_feed;
    get "/agencies/{id}/stats" WORK_READ => stats::stats;
    get "/reports" WORK_READ => reports::lists;
    post "/report-rounds" WORK_WRITE => reports::create_round;
    get "/report-rounds/{id}" WORK_READ => reports::get_round;
    post "/report-rounds/{id}/remind" WORK_WRITE => reports::remind;
    get "/report-rounds/{id}/export" WORK_READ => reports::export;
    put "/report-forms/{id}" WORK_WRITE => reports::update_form;
    get "/report-submissions/{id}" WORK_READ => reports::get_submission;
    put "/report-submissions/{id}" WORK_WRITE => reports::save_draft;
    post "/report-submissions/{id}/send" WORK_WRITE => reports::send;
    post "/report-submissions/{id}/return" WORK_WRITE => reports::return_submission;
    post "/report-submissions/{id}/accept" WORK_WRITE => reports::accept;
}

async fn openapi_document() -> Json<utoipa::openapi::OpenApi> {
    Json(ApiDoc::openapi())
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
        documents::revoke, documents::take_back, documents::exchange_update, documents::exchange_directory, documents::return_assignment, documents::progress, documents::finish_assignment, documents::accept_result, documents::return_result, documents::following,
        documents::download, documents::create_draft, documents::revise_draft, documents::consult,
        documents::answer_consultation, documents::submit, documents::decide, documents::issue,
        documents::send_message, documents::inbox, documents::inbox_done, documents::search, documents::books,
        documents::book_csv, documents::book_pdf, documents::create_case_file, documents::case_files, documents::case_file,
        documents::add_to_case_file, documents::case_file_status, documents::reachable,
        signatures::import_my_key, signatures::my_key, signatures::import_seal_key, signatures::sign_document,
        signatures::check_pdf, signatures::recheck_file, documents::saved_searches, documents::save_search,
        documents::delete_saved_search, documents::export_package, documents::import_package, documents::exchange_push,
        documents::outbox, documents::outbox_package,
        notifications::list, notifications::read, notifications::read_all, notifications::get_preferences,
        notifications::put_preferences, notifications::subscribe, notifications::unsubscribe, notifications::push_key,
        work::list_tasks, work::create_task, work::get_task, work::create_subtask, work::task_progress,
        work::submit_task, work::accept_task, work::return_task, work::cancel_task, work::task_file,
        work::create_series, work::stop_series, work::calendar_year, work::put_calendar_year,
        schedules::week, schedules::create_entry, schedules::week_pdf, schedules::get_entry, schedules::update_entry,
        schedules::publish_entry, schedules::cancel_entry, schedules::list_feeds, schedules::create_feed,
        schedules::revoke_feed, stats::stats,
        reports::lists, reports::create_round, reports::get_round, reports::remind, reports::export, reports::update_form, reports::get_submission, reports::save_draft, reports::send, reports::return_submission, reports::accept,
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
         (name = "exchange", description = "edXML packages between agencies"),
         (name = "notifications", description = "Notifications, their channels and each person's choices"),
         (name = "work", description = "Tasks, recurring tasks, work schedules and their iCalendar feeds, the working-day calendar"))
)]
pub(crate) struct ApiDoc;

/// The OpenAPI document as pretty JSON (for snapshots and `egov` tooling).
pub fn openapi_json() -> String {
    ApiDoc::openapi().to_pretty_json().unwrap_or_default()
}

async fn not_found(lang: crate::session::ApiLang) -> crate::error::ApiError {
    crate::error::ApiError { err: egov_service::AppError::NotFound, lang: lang.0 }
}
