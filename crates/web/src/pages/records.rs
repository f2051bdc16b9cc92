//! Pages for keeping and passing on documents: case files (the yearly file list, a file's documents, close
//! and archive), free internal sending (a note, files or a document to colleagues and units), and revoking
//! an issued document.

use super::form::Form;
use askama::Template;
use axum::extract::{Multipart, Path, Query, State};
use axum::response::{IntoResponse, Redirect, Response};
use axum::routing::{get, post};
use axum::Router;
use egov_service::documents::case_files::{CaseFileDetail, CaseFileInput};
use egov_service::documents::sending::SendInput;
use egov_service::AppError;
use egov_storage::case_files::CaseFileRow;
use serde::Deserialize;

use super::{ctx_with_notice, render};
use crate::api::documents::MultipartForm;
use crate::error::PageError;
use crate::session::SignedIn;
use crate::view::{Ctx, FormErrors};
use crate::AppState;

pub(super) fn routes() -> Router<AppState> {
    Router::new()
        .route("/case-files", get(case_files).post(create_case_file))
        .route("/case-files/{id}", get(case_file))
        .route("/case-files/{id}/documents", post(add_document))
        .route("/case-files/{id}/status", post(set_status))
        .route("/messages/new", get(new_message).post(send_message))
        .route("/documents/{id}/revoke", post(revoke))
        .route("/documents/{id}/take-back", post(take_back))
        .route("/documents/{id}/exchange-update", post(exchange_update))
        .route("/documents/{id}/file", post(file_document))
        .route("/files/{id}/print", post(print_copy))
}

#[derive(Deserialize)]
struct NoticeQuery {
    notice: Option<String>,
}

fn fail(s: &SignedIn) -> impl Fn(AppError) -> PageError + '_ {
    move |err| PageError { err, lang: s.ctx.lang }
}

#[derive(Template)]
#[template(path = "case_files.html")]
struct CaseFilesPage {
    ctx: Ctx,
    files: Vec<CaseFileRow>,
    errors: FormErrors,
}

async fn case_files_view(
    st: &AppState,
    s: &SignedIn,
    errors: FormErrors,
    notice: Option<&str>,
) -> Result<Response, PageError> {
    let files = st.services.case_files(&s.caller, None).await.map_err(fail(s))?;
    let failed = !errors.is_empty();
    let resp = render(&CaseFilesPage { ctx: ctx_with_notice(s, "case.title", notice), files, errors }, s.ctx.lang)?;
    Ok(if failed { (axum::http::StatusCode::UNPROCESSABLE_ENTITY, resp).into_response() } else { resp })
}

async fn case_files(
    State(st): State<AppState>,
    s: SignedIn,
    Query(q): Query<NoticeQuery>,
) -> Result<Response, PageError> {
    case_files_view(&st, &s, FormErrors::default(), q.notice.as_deref()).await
}

#[derive(Deserialize)]
struct CaseFileForm {
    #[serde(default)]
    notation: String,
    #[serde(default)]
    title: String,
    #[serde(default)]
    retention_years: String,
}

async fn create_case_file(
    State(st): State<AppState>,
    s: SignedIn,
    Form(f): Form<CaseFileForm>,
) -> Result<Response, PageError> {
    let retention = match f.retention_years.trim() {
        "" => Ok(None),
        n => n.parse::<i64>().map(Some).map_err(|_| {
            AppError::invalid(
                "retention_years",
                "not_a_number",
                "Thời hạn bảo quản phải là số năm.",
                "Retention must be a number of years.",
            )
        }),
    };
    let result = match retention {
        Ok(retention_years) => {
            let input = CaseFileInput { year: None, notation: &f.notation, title: &f.title, retention_years };
            st.services.create_case_file(&s.caller, &input).await
        }
        Err(e) => Err(e),
    };
    match result {
        Ok(id) => Ok(Redirect::to(&format!("/case-files/{id}?notice=created")).into_response()),
        Err(e) => match FormErrors::from_error(&e, s.ctx.lang, &["notation", "title", "retention_years"]) {
            Some(errors) => case_files_view(&st, &s, errors, None).await,
            None => Err(fail(&s)(e)),
        },
    }
}

#[derive(Template)]
#[template(path = "case_file.html")]
struct CaseFilePage {
    ctx: Ctx,
    d: CaseFileDetail,
    reader_is_clerk: bool,
    errors: FormErrors,
}

async fn case_file_view(
    st: &AppState,
    s: &SignedIn,
    id: i64,
    errors: FormErrors,
    notice: Option<&str>,
) -> Result<Response, PageError> {
    let d = st.services.case_file(&s.caller, id).await.map_err(fail(s))?;
    let reader_is_clerk = s.caller.actor.is_clerk_of(d.file.agency_id);
    let failed = !errors.is_empty();
    let resp = render(
        &CaseFilePage { ctx: ctx_with_notice(s, "case.title", notice), d, reader_is_clerk, errors },
        s.ctx.lang,
    )?;
    Ok(if failed { (axum::http::StatusCode::UNPROCESSABLE_ENTITY, resp).into_response() } else { resp })
}

async fn case_file(
    State(st): State<AppState>,
    s: SignedIn,
    Path(id): Path<i64>,
    Query(q): Query<NoticeQuery>,
) -> Result<Response, PageError> {
    case_file_view(&st, &s, id, FormErrors::default(), q.notice.as_deref()).await
}

#[derive(Deserialize)]
struct AddForm {
    #[serde(default)]
    document_id: String,
}

#[derive(Deserialize)]
struct FileInForm {
    #[serde(default)]
    case_file: i64,
}

/// Files the document in one of the reader's open case files (from the document page).
async fn file_document(
    State(st): State<AppState>,
    s: SignedIn,
    Path(id): Path<i64>,
    Form(f): Form<FileInForm>,
) -> Result<Response, PageError> {
    match st.services.add_to_case_file(&s.caller, f.case_file, id).await {
        Ok(()) => Ok(Redirect::to(&format!("/documents/{id}?notice=saved")).into_response()),
        Err(e) => super::documents::refused(&st, &s, id, e, &["document_id", "status"]).await,
    }
}

async fn add_document(
    State(st): State<AppState>,
    s: SignedIn,
    Path(id): Path<i64>,
    Form(f): Form<AddForm>,
) -> Result<Response, PageError> {
    let document = f.document_id.trim().parse::<i64>().map_err(|_| {
        AppError::invalid("document_id", "not_a_number", "Nhập số định danh của văn bản.", "Enter the document's id.")
    });
    let result = match document {
        Ok(doc) => st.services.add_to_case_file(&s.caller, id, doc).await.map(|()| doc),
        Err(e) => Err(e),
    };
    match result {
        Ok(_) => Ok(Redirect::to(&format!("/case-files/{id}?notice=saved")).into_response()),
        Err(e) => match FormErrors::from_error(&e, s.ctx.lang, &["document_id", "status"]) {
            Some(errors) => case_file_view(&st, &s, id, errors, None).await,
            None => Err(fail(&s)(e)),
        },
    }
}

#[derive(Deserialize)]
struct StatusForm {
    #[serde(default)]
    to: String,
}

async fn set_status(
    State(st): State<AppState>,
    s: SignedIn,
    Path(id): Path<i64>,
    Form(f): Form<StatusForm>,
) -> Result<Response, PageError> {
    match st.services.set_case_file_status(&s.caller, id, &f.to).await {
        Ok(()) => Ok(Redirect::to(&format!("/case-files/{id}?notice=saved")).into_response()),
        Err(e) => match FormErrors::from_error(&e, s.ctx.lang, &["status"]) {
            Some(errors) => case_file_view(&st, &s, id, errors, None).await,
            None => Err(fail(&s)(e)),
        },
    }
}

#[derive(Template)]
#[template(path = "message_new.html")]
struct NewMessagePage {
    ctx: Ctx,
    people: Vec<(i64, String)>,
    units: Vec<(i64, String)>,
    document_id: Option<i64>,
    body: String,
    errors: FormErrors,
}

#[derive(Deserialize)]
struct NewMessageQuery {
    document: Option<i64>,
}

async fn message_view(
    st: &AppState,
    s: &SignedIn,
    document_id: Option<i64>,
    body: String,
    errors: FormErrors,
) -> Result<Response, PageError> {
    let people = st.services.colleagues(&s.caller).await.map_err(fail(s))?;
    let (_, units) = st.services.addressees(&s.caller).await.map_err(fail(s))?;
    let failed = !errors.is_empty();
    let page = NewMessagePage { ctx: Ctx::signed_in(s, "message.title"), people, units, document_id, body, errors };
    let resp = render(&page, s.ctx.lang)?;
    Ok(if failed { (axum::http::StatusCode::UNPROCESSABLE_ENTITY, resp).into_response() } else { resp })
}

async fn new_message(
    State(st): State<AppState>,
    s: SignedIn,
    Query(q): Query<NewMessageQuery>,
) -> Result<Response, PageError> {
    message_view(&st, &s, q.document, String::new(), FormErrors::default()).await
}

async fn send_message(State(st): State<AppState>, s: SignedIn, m: Multipart) -> Result<Response, PageError> {
    let form = MultipartForm::read(m).await.map_err(fail(&s))?;
    let parsed = form.check_files().and_then(|()| {
        let body = form.text("body", egov_domain::text::TextKind::MultiLine)?;
        Ok((form.ints("users")?, form.ints("units")?, form.int("document_id")?, body))
    });
    let result = match parsed {
        Ok((users, units, document_id, body)) => {
            let input = SendInput { users, units, body, document_id };
            st.services.send_message(&s.caller, &input, form.files.clone()).await
        }
        Err(e) => Err(AppError::field(e)),
    };
    match result {
        Ok(_) => Ok(Redirect::to("/inbox?notice=sent").into_response()),
        Err(e) => match FormErrors::from_error(&e, s.ctx.lang, &["body", "recipients", "files", "document_id"]) {
            Some(errors) => {
                let document_id = form.int("document_id").ok().flatten();
                message_view(&st, &s, document_id, form.get("body").to_string(), errors).await
            }
            None => Err(fail(&s)(e)),
        },
    }
}

#[derive(Deserialize)]
struct RevokeForm {
    #[serde(default)]
    reason: String,
}

async fn revoke(
    State(st): State<AppState>,
    s: SignedIn,
    Path(id): Path<i64>,
    Form(f): Form<RevokeForm>,
) -> Result<Response, PageError> {
    match st.services.revoke(&s.caller, id, &f.reason).await {
        Ok(()) => Ok(Redirect::to(&format!("/documents/{id}?notice=revoked")).into_response()),
        Err(e) => super::documents::refused(&st, &s, id, e, &["reason", "status"]).await,
    }
}

/// The clerk asks the outside addressees to give the document back (status 13).
async fn take_back(
    State(st): State<AppState>,
    s: SignedIn,
    Path(id): Path<i64>,
    Form(f): Form<RevokeForm>,
) -> Result<Response, PageError> {
    match st.services.request_take_back(&s.caller, id, &f.reason).await {
        Ok(_) => Ok(Redirect::to(&format!("/documents/{id}?notice=take_back_requested")).into_response()),
        Err(e) => super::documents::refused(&st, &s, id, e, &["reason", "status"]).await,
    }
}

/// A correction of an issued document, sent to the outside addressees (business type 2).
#[derive(Debug, serde::Deserialize)]
struct UpdateForm {
    #[serde(default)]
    subject: String,
    #[serde(default)]
    reason: String,
}

/// The clerk sends a correction of the document through the exchange.
async fn exchange_update(
    State(st): State<AppState>,
    s: SignedIn,
    Path(id): Path<i64>,
    Form(f): Form<UpdateForm>,
) -> Result<Response, PageError> {
    match st.services.send_update(&s.caller, id, Some(&f.subject), &f.reason).await {
        Ok(_) => Ok(Redirect::to(&format!("/documents/{id}?notice=update_sent")).into_response()),
        Err(e) => super::documents::refused(&st, &s, id, e, &["subject", "reason", "status"]).await,
    }
}

/// A printed copy of a PDF, marked on every page with who printed it and when (recorded on the timeline).
async fn print_copy(State(st): State<AppState>, s: SignedIn, Path(id): Path<i64>) -> Result<Response, PageError> {
    let (name, bytes) = st.services.print_copy(&s.caller, id).await.map_err(fail(&s))?;
    Ok(crate::api::documents::file_response(&format!("ban-in-{name}"), "application/pdf", bytes))
}
