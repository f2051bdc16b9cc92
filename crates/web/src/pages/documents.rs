//! Document pages: the inbox, registering an incoming document, the document page (present,
//! assign or pass on, opinions, progress, finish), file downloads, search and printed books.

use super::form::Form;
use askama::Template;
use axum::extract::{Multipart, Path, Query, State};
use axum::response::{IntoResponse, Redirect, Response};
use axum::routing::{get, post};
use axum::Router;
use egov_domain::document::{DocumentType, Secrecy, Urgency};
use egov_service::documents::handling::{AssignInput, Assignee, Reachable};
use egov_service::documents::{is_overdue, today, DocumentDetail};
use egov_service::AppError;
use egov_storage::documents::{BookRow, SearchHit};
use egov_storage::handling::InboxRow;
use serde::Deserialize;

use super::render;
use crate::api::documents::{draft_input, file_response, incoming_input, search_input, search_params, MultipartForm};
use crate::error::PageError;
use crate::session::SignedIn;
use crate::view::{Ctx, FormErrors};
use crate::AppState;

pub(crate) fn routes() -> Router<AppState> {
    Router::new()
        .route("/inbox", get(inbox))
        .route("/documents/new", get(new_incoming).post(register))
        .route("/documents/{id}", get(document))
        .route("/documents/{id}/present", post(present))
        .route("/documents/{id}/assign", post(assign))
        .route("/documents/{id}/opinion", post(opinion))
        .route("/documents/{id}/register", post(register_arrived))
        .route("/assignments/{id}/finish", post(finish))
        .route("/assignments/{id}/return", post(return_assignment))
        .route("/assignments/{id}/accept", post(accept_result))
        .route("/assignments/{id}/return-result", post(return_result))
        .route("/files/{id}", get(download))
        .route("/drafts/new", get(new_draft).post(create_draft))
        .route("/drafts/{id}/submit", post(submit_draft))
        .route("/drafts/{id}/edit", get(edit_draft))
        .route("/drafts/{id}/versions", post(revise_draft))
        .route("/drafts/{id}/consult", post(consult_draft))
        .route("/drafts/{id}/comments", post(answer_consultation))
        .route("/drafts/{id}/decision", post(decide_draft))
        .route("/drafts/{id}/issue", post(issue_draft))
        .route("/documents/{id}/sign", post(sign_document))
        .route("/search", get(search))
        .route("/search/saved", post(save_search))
        .route("/search/saved/{id}/delete", post(delete_saved_search))
        .route("/books", get(books))
        .route("/books/{id}", get(book))
}

/// Inbox lines per page: a phone screen's worth or two; older ones are a click away.
const INBOX_PAGE: u32 = 30;

fn fail(s: &SignedIn) -> impl Fn(AppError) -> PageError + '_ {
    move |err| PageError { err, lang: s.ctx.lang }
}

#[derive(Template)]
#[template(path = "inbox.html")]
struct InboxPage {
    ctx: Ctx,
    items: Vec<InboxRow>,
    done: bool,
    today: jiff::civil::Date,
    waiting: usize,
    /// Open items in all (the open tab only).
    total: Option<i64>,
    /// The cursor of the next page.
    next: Option<i64>,
    /// Shown from this position (1-based) on this page.
    first: usize,
    /// The deadline filter (`overdue`, `week`) or "".
    due: String,
}

impl InboxPage {
    /// The tab this page is: `open`, `overdue`, `week` or `done`.
    fn tab(&self) -> &str {
        if self.done {
            "done"
        } else if self.due.is_empty() {
            "open"
        } else {
            &self.due
        }
    }
}

#[derive(Deserialize)]
struct InboxQuery {
    done: Option<String>,
    notice: Option<String>,
    /// Items older than this id (the next page).
    before: Option<i64>,
    /// How many items the pages before this one showed (for "31–60 of 151").
    #[serde(default)]
    shown: Option<usize>,
    /// `overdue` or `week`: only open items about documents due then.
    due: Option<String>,
}

async fn inbox(State(st): State<AppState>, s: SignedIn, Query(q): Query<InboxQuery>) -> Result<Response, PageError> {
    let done = q.done.is_some();
    let due = match q.due.as_deref().filter(|d| !d.is_empty()) {
        None => None,
        Some(d) => Some(egov_service::documents::sending::Due::parse(d).ok_or_else(|| PageError {
            err: AppError::invalid("due", "unknown_due", "Bộ lọc hạn xử lý không hợp lệ.", "Unknown deadline filter."),
            lang: s.ctx.lang,
        })?),
    };
    let mut items = match due {
        Some(d) => st.services.inbox_due(&s.caller, d, q.before, INBOX_PAGE + 1).await,
        None => st.services.inbox(&s.caller, done, q.before, INBOX_PAGE + 1).await,
    }
    .map_err(fail(&s))?;
    let next = (items.len() > INBOX_PAGE as usize).then(|| {
        items.truncate(INBOX_PAGE as usize);
        items.last().map(|i| i.id)
    });
    let total = match due {
        Some(d) => Some(st.services.inbox_due_count(&s.caller, d).await.map_err(fail(&s))?),
        None => (!done).then_some(s.counts.1),
    };
    let due = q.due.clone().filter(|_| due.is_some()).unwrap_or_default();
    let first = q.shown.unwrap_or(0).min(1_000_000) + 1;
    let waiting = if s.caller.actor.has_role(egov_domain::Role::Clerk) {
        st.services.to_register(&s.caller).await.map_err(fail(&s))?.len()
    } else {
        0
    };
    let ctx = super::ctx_with_notice(&s, "inbox.title", q.notice.as_deref());
    let next = next.flatten();
    render(&InboxPage { ctx, items, done, today: today(), waiting, total, next, first, due }, s.ctx.lang)
}

#[derive(Template)]
#[template(path = "document_new.html")]
struct NewIncomingPage {
    ctx: Ctx,
    errors: FormErrors,
    values: MultipartForm,
    types: Vec<(&'static str, &'static str)>,
    urgencies: Vec<(&'static str, &'static str)>,
    secrecies: Vec<(&'static str, &'static str)>,
    duplicate: bool,
    /// The earlier document a duplicate warning is about, when the reader may open it.
    earlier: Option<i64>,
}

impl NewIncomingPage {
    fn new(ctx: Ctx, errors: FormErrors, values: MultipartForm, duplicate: bool) -> NewIncomingPage {
        let lang = ctx.lang;
        NewIncomingPage {
            types: DocumentType::ALL.iter().map(|t| (t.as_str(), t.label(lang))).collect(),
            urgencies: Urgency::ALL.iter().map(|t| (t.as_str(), t.label(lang))).collect(),
            secrecies: Secrecy::ALL.iter().map(|t| (t.as_str(), t.label(lang))).collect(),
            ctx,
            errors,
            values,
            duplicate,
            earlier: None,
        }
    }

    fn value(&self, name: &str) -> &str {
        self.values.get(name)
    }
}

async fn new_incoming(s: SignedIn) -> Result<Response, PageError> {
    let mut values = MultipartForm::default();
    values.fields.insert("issued_on".into(), vec![today().to_string()]);
    values.fields.insert("doc_type".into(), vec!["cong_van".into()]);
    render(&NewIncomingPage::new(Ctx::signed_in(&s, "incoming.new"), FormErrors::default(), values, false), s.ctx.lang)
}

const INCOMING_FIELDS: &[&str] = &[
    "sender_name",
    "sender_code",
    "number_notation",
    "issued_on",
    "doc_type",
    "subject",
    "urgency",
    "secrecy",
    "deadline",
    "deadline_days",
    "page_count",
    "signer",
    "files",
];

async fn register(State(st): State<AppState>, s: SignedIn, m: Multipart) -> Result<Response, PageError> {
    let mut form = MultipartForm::read(m).await.map_err(fail(&s))?;
    let result = match (super::kept::restore(&st.services, &s.caller, &mut form).await, incoming_input(&form)) {
        (Err(e), _) => Err(e),
        (Ok(()), Ok(input)) => st.services.register_incoming(&s.caller, &input, form.files.clone()).await,
        (Ok(()), Err(e)) => Err(AppError::field(e)),
    };
    match result {
        Ok(r) => Ok(Redirect::to(&format!("/documents/{}?notice=registered", r.id)).into_response()),
        Err(e) => {
            let duplicate = matches!(&e, AppError::Conflict(f) if f.code == "likely_duplicate");
            let earlier = match incoming_input(&form) {
                Ok(input) if duplicate => st.services.likely_duplicate_of(&s.caller, &input).await.unwrap_or(None),
                _ => None,
            };
            match FormErrors::from_error(&e, s.ctx.lang, INCOMING_FIELDS) {
                Some(errors) => {
                    let mut values = form;
                    super::kept::keep(&st.services, &s.caller, &mut values).await;
                    let mut page = NewIncomingPage::new(Ctx::signed_in(&s, "incoming.new"), errors, values, duplicate);
                    page.earlier = earlier;
                    Ok((axum::http::StatusCode::UNPROCESSABLE_ENTITY, render(&page, s.ctx.lang)?).into_response())
                }
                None => Err(PageError { err: e, lang: s.ctx.lang }),
            }
        }
    }
}

#[derive(Template)]
#[template(path = "draft_new.html")]
struct NewDraftPage {
    ctx: Ctx,
    errors: FormErrors,
    values: MultipartForm,
    /// Where the form posts: a new draft, or a new version of draft `Some(id)`.
    revising: Option<i64>,
    types: Vec<(&'static str, &'static str)>,
    urgencies: Vec<(&'static str, &'static str)>,
    secrecies: Vec<(&'static str, &'static str)>,
    agencies: Vec<(i64, String)>,
    units: Vec<(i64, String)>,
    /// Agencies in the exchange hub's directory: (`CODE|Name`, label).
    directory: Vec<(String, String)>,
}

impl NewDraftPage {
    /// Whether the outside addressee `value` (`CODE|Name`) is chosen.
    fn external_chosen(&self, value: &str) -> bool {
        self.values.shown("recipient_external").contains(&value)
    }

    /// Chosen outside addressees that are not in the directory (typed by code, or kept from a version).
    fn external_others(&self) -> Vec<&str> {
        self.values
            .shown("recipient_external")
            .into_iter()
            .filter(|v| !v.trim().is_empty() && !self.directory.iter().any(|(d, _)| d == v))
            .collect()
    }

    fn value(&self, name: &str) -> &str {
        self.values.get(name)
    }

    /// Whether `id` is among the chosen values of the multi-select `name`.
    fn chosen(&self, name: &str, id: &i64) -> bool {
        self.values.shown(name).contains(&id.to_string().as_str())
    }

    fn action(&self) -> String {
        match self.revising {
            Some(id) => format!("/drafts/{id}/versions"),
            None => "/drafts/new".into(),
        }
    }
}

async fn draft_page(
    st: &AppState,
    s: &SignedIn,
    errors: FormErrors,
    values: MultipartForm,
    revising: Option<i64>,
) -> Result<NewDraftPage, PageError> {
    let lang = s.ctx.lang;
    let (agencies, units) = st.services.addressees(&s.caller).await.map_err(fail(s))?;
    let directory = st
        .services
        .exchange_directory(&s.caller)
        .await
        .map_err(fail(s))?
        .into_iter()
        .map(|e| (format!("{}|{}", e.code, e.name), format!("{} ({})", e.name, e.code)))
        .collect();
    Ok(NewDraftPage {
        ctx: Ctx::signed_in(s, if revising.is_some() { "draft.revise" } else { "draft.new" }),
        errors,
        values,
        revising,
        types: DocumentType::ALL.iter().map(|t| (t.as_str(), t.label(lang))).collect(),
        urgencies: Urgency::ALL.iter().map(|t| (t.as_str(), t.label(lang))).collect(),
        secrecies: Secrecy::ALL.iter().map(|t| (t.as_str(), t.label(lang))).collect(),
        agencies,
        units,
        directory,
    })
}

async fn new_draft(State(st): State<AppState>, s: SignedIn) -> Result<Response, PageError> {
    let mut values = MultipartForm::default();
    values.fields.insert("doc_type".into(), vec!["cong_van".into()]);
    render(&draft_page(&st, &s, FormErrors::default(), values, None).await?, s.ctx.lang)
}

/// The form for a new version of a draft, filled with the current metadata and addressees.
async fn edit_draft(State(st): State<AppState>, s: SignedIn, Path(id): Path<i64>) -> Result<Response, PageError> {
    let d = st.services.document(&s.caller, id).await.map_err(fail(&s))?;
    let doc = &d.document;
    let mut values = MultipartForm::default();
    for (name, value) in [
        ("doc_type", doc.doc_type.clone()),
        ("subject", doc.subject.clone()),
        ("urgency", doc.urgency.clone()),
        ("secrecy", doc.secrecy.clone()),
        ("signer", doc.signer.clone().unwrap_or_default()),
    ] {
        values.fields.insert(name.into(), vec![value]);
    }
    for r in &d.recipients {
        let (name, value) = match (r.agency_id, r.unit_id, &r.code) {
            (_, Some(unit), _) => ("recipient_units", unit.to_string()),
            (Some(agency), _, _) => ("recipient_agencies", agency.to_string()),
            (None, None, Some(code)) => ("recipient_external", format!("{code}|{}", r.name)),
            _ => continue,
        };
        values.fields.entry(name.into()).or_default().push(value);
    }
    render(&draft_page(&st, &s, FormErrors::default(), values, Some(id)).await?, s.ctx.lang)
}

async fn revise_draft(
    State(st): State<AppState>,
    s: SignedIn,
    Path(id): Path<i64>,
    m: Multipart,
) -> Result<Response, PageError> {
    let mut form = MultipartForm::read(m).await.map_err(fail(&s))?;
    let result = match (super::kept::restore(&st.services, &s.caller, &mut form).await, draft_input(&form)) {
        (Err(e), _) => Err(e),
        (Ok(()), Ok(input)) => st.services.revise_draft(&s.caller, id, &input, form.files.clone()).await,
        (Ok(()), Err(e)) => Err(AppError::field(e)),
    };
    match result {
        Ok(_) => Ok(back(id, "saved")),
        Err(e) => {
            match FormErrors::from_error(&e, s.ctx.lang, &["doc_type", "subject", "recipients", "files", "status"]) {
                Some(errors) => {
                    let mut values = form;
                    super::kept::keep(&st.services, &s.caller, &mut values).await;
                    let page = draft_page(&st, &s, errors, values, Some(id)).await?;
                    Ok((axum::http::StatusCode::UNPROCESSABLE_ENTITY, render(&page, s.ctx.lang)?).into_response())
                }
                None => Err(PageError { err: e, lang: s.ctx.lang }),
            }
        }
    }
}

async fn create_draft(State(st): State<AppState>, s: SignedIn, m: Multipart) -> Result<Response, PageError> {
    let mut form = MultipartForm::read(m).await.map_err(fail(&s))?;
    let result = match (super::kept::restore(&st.services, &s.caller, &mut form).await, draft_input(&form)) {
        (Err(e), _) => Err(e),
        (Ok(()), Ok(input)) => st.services.create_draft(&s.caller, &input, form.files.clone()).await,
        (Ok(()), Err(e)) => Err(AppError::field(e)),
    };
    match result {
        Ok(id) => Ok(back(id, "created")),
        Err(e) => match FormErrors::from_error(&e, s.ctx.lang, &["doc_type", "subject", "recipients", "files"]) {
            Some(errors) => {
                let mut values = form;
                super::kept::keep(&st.services, &s.caller, &mut values).await;
                let page = draft_page(&st, &s, errors, values, None).await?;
                Ok((axum::http::StatusCode::UNPROCESSABLE_ENTITY, render(&page, s.ctx.lang)?).into_response())
            }
            None => Err(PageError { err: e, lang: s.ctx.lang }),
        },
    }
}

#[derive(Deserialize)]
struct SubmitForm {
    #[serde(default)]
    approvers: Vec<String>,
}

async fn submit_draft(
    State(st): State<AppState>,
    s: SignedIn,
    Path(id): Path<i64>,
    Form(f): Form<SubmitForm>,
) -> Result<Response, PageError> {
    let mut approvers: Vec<i64> = Vec::new();
    let mut bad = false;
    for a in f.approvers.iter().map(|a| a.trim()).filter(|a| !a.is_empty()) {
        match a.parse::<i64>() {
            Ok(a) if !approvers.contains(&a) => approvers.push(a),
            Ok(_) => {}
            Err(_) => bad = true,
        }
    }
    let submitted = if bad {
        Err(not_chosen("approvers"))
    } else {
        st.services.submit_for_approval(&s.caller, id, &approvers).await
    };
    match submitted {
        Ok(()) => Ok(back(id, "saved")),
        Err(e) => refused(&st, &s, id, e, &["approvers"]).await,
    }
}

#[derive(Deserialize)]
struct ConsultForm {
    #[serde(default)]
    reviewers: Vec<i64>,
    #[serde(default)]
    deadline_days: String,
    #[serde(default)]
    note: String,
}

async fn consult_draft(
    State(st): State<AppState>,
    s: SignedIn,
    Path(id): Path<i64>,
    Form(f): Form<ConsultForm>,
) -> Result<Response, PageError> {
    let days = f.deadline_days.trim();
    let days = if days.is_empty() { None } else { days.parse().ok().or(Some(0)) };
    match st.services.consult(&s.caller, id, &f.reviewers, None, days, &f.note).await {
        Ok(()) => Ok(back(id, "saved")),
        Err(e) => refused(&st, &s, id, e, &["reviewers", "deadline"]).await,
    }
}

async fn answer_consultation(
    State(st): State<AppState>,
    s: SignedIn,
    Path(id): Path<i64>,
    Form(f): Form<TextForm>,
) -> Result<Response, PageError> {
    match st.services.answer_consultation(&s.caller, id, &f.text).await {
        Ok(()) => Ok(back(id, "saved")),
        Err(e) => refused(&st, &s, id, e, &["comment"]).await,
    }
}

#[derive(Deserialize)]
struct DecisionForm {
    #[serde(default)]
    decision: String,
    #[serde(default)]
    comment: String,
}

async fn decide_draft(
    State(st): State<AppState>,
    s: SignedIn,
    Path(id): Path<i64>,
    Form(f): Form<DecisionForm>,
) -> Result<Response, PageError> {
    let decision = if f.decision == "return" {
        egov_service::documents::drafting::Decision::Return
    } else {
        egov_service::documents::drafting::Decision::Approve
    };
    match st.services.decide(&s.caller, id, decision, &f.comment).await {
        Ok(()) => Ok(back(id, "saved")),
        Err(e) => refused(&st, &s, id, e, &["comment"]).await,
    }
}

#[derive(Deserialize)]
struct IssueForm {
    #[serde(default)]
    notation: String,
    #[serde(default)]
    seal_pin: String,
}

async fn issue_draft(
    State(st): State<AppState>,
    s: SignedIn,
    Path(id): Path<i64>,
    Form(f): Form<IssueForm>,
) -> Result<Response, PageError> {
    let seal = egov_service::signatures::signing::SealInput { pin: f.seal_pin, ..Default::default() };
    match st.services.issue(&s.caller, id, Some(f.notation.as_str()), Some(&seal)).await {
        Ok(_) => Ok(back(id, "issued")),
        Err(e) => refused(&st, &s, id, e, &["notation", "seal_pin", "status", "file"]).await,
    }
}

#[derive(Deserialize)]
struct SignForm {
    #[serde(default)]
    pin: String,
    /// right (default) or left: where on the last page the signature block is.
    #[serde(default)]
    position: String,
}

async fn sign_document(
    State(st): State<AppState>,
    s: SignedIn,
    Path(id): Path<i64>,
    Form(f): Form<SignForm>,
) -> Result<Response, PageError> {
    let mut placement = egov_service::signatures::signing::Placement::default();
    if f.position == "left" {
        placement.x = 80.0;
    }
    match st.services.sign_document(&s.caller, id, &f.pin, placement).await {
        Ok(_) => Ok(back(id, "signed")),
        Err(egov_service::AppError::Throttled { .. }) => {
            refused(
                &st,
                &s,
                id,
                egov_service::AppError::invalid(
                    "pin",
                    "locked",
                    "Khóa ký số đang tạm khóa do nhập sai mã PIN nhiều lần; thử lại sau 15 phút.",
                    "The key is locked after too many wrong PINs; try again in 15 minutes.",
                ),
                &["pin"],
            )
            .await
        }
        Err(e) => refused(&st, &s, id, e, &["pin", "status", "file"]).await,
    }
}

#[derive(Template)]
#[template(path = "document.html")]
struct DocumentPage {
    ctx: Ctx,
    d: DocumentDetail,
    reachable: Vec<Reachable>,
    leaders: Vec<(i64, String)>,
    approvers: Vec<(i64, String)>,
    /// People of the drafter's agencies, to ask for comments.
    colleagues: Vec<(i64, String)>,
    /// The reader was asked for comments and has not answered.
    consulted: bool,
    /// Open case files of the reader's agencies (to file the document in).
    case_files: Vec<(i64, String)>,
    errors: FormErrors,
    today: jiff::civil::Date,
}

impl DocumentPage {
    /// The indentation step of a part in the handling tree (a class, since the pages' CSP
    /// refuses inline styles), capped so that deep chains stay readable on a phone.
    fn depth_class(&self, a: &egov_storage::handling::AssignmentRow) -> i64 {
        a.depth.clamp(0, 6)
    }

    fn overdue(&self, deadline: &Option<String>) -> bool {
        is_overdue(deadline.as_deref(), self.today)
    }

    /// "Sent through the exchange to 12: arrived at 11, refused by 1 (reason)", for outside addressees.
    fn exchange_summary(&self) -> Option<String> {
        let outside: Vec<_> =
            self.d.recipients.iter().filter(|r| r.agency_id.is_none() && r.unit_id.is_none()).collect();
        if outside.is_empty() {
            return None;
        }
        let reached = ["arrived", "received", "assigned", "processing", "completed"];
        let arrived = outside.iter().filter(|r| reached.contains(&r.status.as_str())).count();
        let refused: Vec<_> = outside.iter().filter(|r| r.status == "refused" || r.status == "send_failed").collect();
        let reasons: Vec<&str> = refused.iter().filter_map(|r| r.note.as_deref()).collect();
        let reasons = if reasons.is_empty() { String::new() } else { format!(" — {}", reasons.join("; ")) };
        Some(match self.ctx.lang {
            egov_domain::Lang::Vi => format!(
                "Gửi liên thông đến {} nơi: đã đến {}, từ chối {}{reasons}",
                outside.len(),
                arrived,
                refused.len()
            ),
            egov_domain::Lang::En => format!(
                "Sent through the exchange to {}: arrived at {}, refused by {}{reasons}",
                outside.len(),
                arrived,
                refused.len()
            ),
        })
    }

    fn target_value(r: &Reachable) -> String {
        match r.assignee {
            Assignee::Person(u) => format!("user:{u}"),
            Assignee::Unit(u) => format!("unit:{u}"),
        }
    }

    fn can_direct(&self) -> bool {
        self.d.reader_is_leader && matches!(self.d.document.status.as_str(), "registered" | "presented" | "in_progress")
    }
}

#[derive(Deserialize)]
struct NoticeQuery {
    notice: Option<String>,
}

async fn document(
    State(st): State<AppState>,
    s: SignedIn,
    Path(id): Path<i64>,
    Query(q): Query<NoticeQuery>,
) -> Result<Response, PageError> {
    let ctx = match q.notice.as_deref() {
        Some("registered") => Ctx::signed_in(&s, "document.title").notice("notice.registered"),
        other => super::ctx_with_notice(&s, "document.title", other),
    };
    document_page(&st, &s, id, ctx, FormErrors::default()).await
}

async fn document_page(
    st: &AppState,
    s: &SignedIn,
    id: i64,
    ctx: Ctx,
    errors: FormErrors,
) -> Result<Response, PageError> {
    let d = st.services.document(&s.caller, id).await.map_err(fail(s))?;
    let about = match &d.document.number_notation {
        Some(n) => format!("{n} {}", d.document.subject),
        None => d.document.subject.clone(),
    };
    let ctx = ctx.about(about);
    // The people picker costs a query over the agency: only fetch it when a form will use it.
    let can_assign = d.document.direction == "incoming"
        && ((d.reader_is_leader && matches!(d.document.status.as_str(), "registered" | "presented" | "in_progress"))
            || !d.my_assignments.is_empty());
    let reachable = if can_assign { st.services.reachable(&s.caller).await.map_err(fail(s))? } else { Vec::new() };
    let leaders = if d.reader_is_clerk && d.document.direction == "incoming" {
        st.services.leaders_of(&s.caller, d.document.agency_id).await.map_err(fail(s))?
    } else {
        Vec::new()
    };
    let own_draft = d.document.direction == "outgoing"
        && d.document.created_by == d.reader_id
        && matches!(d.document.status.as_str(), "draft" | "returned");
    let approvers =
        if own_draft { st.services.possible_approvers(&s.caller).await.map_err(fail(s))? } else { Vec::new() };
    let colleagues = if own_draft { st.services.colleagues(&s.caller).await.map_err(fail(s))? } else { Vec::new() };
    let consulted =
        d.reviews.iter().any(|r| r.kind == "consult" && r.status == "pending" && r.reviewer_id == d.reader_id);
    let case_files = st
        .services
        .case_files(&s.caller, None)
        .await
        .map_err(fail(s))?
        .into_iter()
        .filter(|f| f.status == "open")
        .map(|f| (f.id, format!("{} – {}", f.code, f.title)))
        .collect();
    let page = DocumentPage {
        ctx,
        d,
        reachable,
        leaders,
        approvers,
        colleagues,
        consulted,
        case_files,
        errors,
        today: today(),
    };
    render(&page, s.ctx.lang)
}

/// Re-shows the document page with the errors of a refused action.
pub(super) async fn refused(
    st: &AppState,
    s: &SignedIn,
    id: i64,
    e: AppError,
    fields: &[&str],
) -> Result<Response, PageError> {
    match FormErrors::from_error(&e, s.ctx.lang, fields) {
        Some(errors) => {
            let resp = document_page(st, s, id, Ctx::signed_in(s, "document.title"), errors).await?;
            Ok((axum::http::StatusCode::UNPROCESSABLE_ENTITY, resp).into_response())
        }
        None => Err(PageError { err: e, lang: s.ctx.lang }),
    }
}

fn back(id: i64, notice: &str) -> Response {
    Redirect::to(&format!("/documents/{id}?notice={notice}")).into_response()
}

#[derive(Deserialize)]
struct PresentForm {
    #[serde(default)]
    leaders: Vec<i64>,
    #[serde(default)]
    note: String,
}

async fn present(
    State(st): State<AppState>,
    s: SignedIn,
    Path(id): Path<i64>,
    Form(f): Form<PresentForm>,
) -> Result<Response, PageError> {
    match st.services.present(&s.caller, id, &f.leaders, &f.note).await {
        Ok(()) => Ok(back(id, "saved")),
        Err(e) => refused(&st, &s, id, e, &["leaders"]).await,
    }
}

#[derive(Deserialize)]
struct AssignForm {
    parent_assignment_id: Option<i64>,
    #[serde(default)]
    directive: String,
    #[serde(default)]
    lead: String,
    #[serde(default)]
    cooperate: Vec<String>,
    #[serde(default)]
    inform: Vec<String>,
    #[serde(default)]
    deadline: String,
    #[serde(default)]
    deadline_days: String,
}

/// A choice of a form's list that is not one of its options (a forged or damaged form).
fn not_chosen(field: &'static str) -> AppError {
    AppError::invalid(field, "invalid_choice", "Lựa chọn không hợp lệ.", "The choice is not valid.")
}

/// The targets chosen in a list (`user:ID` or `unit:ID`); an unreadable one is refused, not dropped.
fn parse_targets(values: &[String], field: &'static str) -> Result<Vec<Assignee>, AppError> {
    values
        .iter()
        .map(|v| v.trim())
        .filter(|v| !v.is_empty())
        .map(|v| parse_target(v).ok_or_else(|| not_chosen(field)))
        .collect()
}

fn parse_target(v: &str) -> Option<Assignee> {
    let (kind, id) = v.split_once(':')?;
    let id = id.parse().ok()?;
    match kind {
        "user" => Some(Assignee::Person(id)),
        "unit" => Some(Assignee::Unit(id)),
        _ => None,
    }
}

async fn assign(
    State(st): State<AppState>,
    s: SignedIn,
    Path(id): Path<i64>,
    Form(f): Form<AssignForm>,
) -> Result<Response, PageError> {
    let days = f.deadline_days.trim();
    let deadline_days = if days.is_empty() { None } else { days.parse().ok().or(Some(0)) };
    let chosen = parse_targets(std::slice::from_ref(&f.lead), "lead").and_then(|lead| {
        Ok((lead.into_iter().next(), parse_targets(&f.cooperate, "cooperate")?, parse_targets(&f.inform, "inform")?))
    });
    let assigned = match chosen {
        Ok((lead, cooperate, inform)) => {
            let input = AssignInput {
                parent_assignment_id: f.parent_assignment_id,
                directive: &f.directive,
                lead,
                cooperate,
                inform,
                deadline: Some(f.deadline.as_str()),
                deadline_days,
            };
            st.services.assign(&s.caller, id, &input).await.map(|_| ())
        }
        Err(e) => Err(e),
    };
    match assigned {
        Ok(_) => Ok(back(id, "assigned")),
        Err(e) => refused(&st, &s, id, e, &["lead", "cooperate", "inform", "deadline"]).await,
    }
}

#[derive(Deserialize)]
struct TextForm {
    #[serde(default)]
    text: String,
}

async fn opinion(
    State(st): State<AppState>,
    s: SignedIn,
    Path(id): Path<i64>,
    Form(f): Form<TextForm>,
) -> Result<Response, PageError> {
    match st.services.post_opinion(&s.caller, id, &f.text).await {
        Ok(()) => Ok(back(id, "saved")),
        Err(e) => refused(&st, &s, id, e, &["opinion"]).await,
    }
}

async fn register_arrived(State(st): State<AppState>, s: SignedIn, Path(id): Path<i64>) -> Result<Response, PageError> {
    match st.services.register_arrived(&s.caller, id).await {
        Ok(_) => Ok(back(id, "registered")),
        Err(e) => refused(&st, &s, id, e, &[]).await,
    }
}

#[derive(Deserialize)]
struct AssignmentForm {
    document_id: i64,
    #[serde(default)]
    text: String,
}

async fn finish(
    State(st): State<AppState>,
    s: SignedIn,
    Path(id): Path<i64>,
    Form(f): Form<AssignmentForm>,
) -> Result<Response, PageError> {
    match st.services.finish_assignment(&s.caller, id, &f.text, None).await {
        Ok(()) => Ok(back(f.document_id, "saved")),
        Err(e) => refused(&st, &s, f.document_id, e, &["result"]).await,
    }
}

async fn return_assignment(
    State(st): State<AppState>,
    s: SignedIn,
    Path(id): Path<i64>,
    Form(f): Form<AssignmentForm>,
) -> Result<Response, PageError> {
    match st.services.return_assignment(&s.caller, id, &f.text).await {
        Ok(()) => Ok(Redirect::to("/inbox?notice=saved").into_response()),
        Err(e) => refused(&st, &s, f.document_id, e, &["reason"]).await,
    }
}

async fn accept_result(
    State(st): State<AppState>,
    s: SignedIn,
    Path(id): Path<i64>,
    Form(f): Form<AssignmentForm>,
) -> Result<Response, PageError> {
    match st.services.accept_result(&s.caller, id, &f.text).await {
        Ok(()) => Ok(back(f.document_id, "result_accepted")),
        Err(e) => refused(&st, &s, f.document_id, e, &["note"]).await,
    }
}

async fn return_result(
    State(st): State<AppState>,
    s: SignedIn,
    Path(id): Path<i64>,
    Form(f): Form<AssignmentForm>,
) -> Result<Response, PageError> {
    match st.services.return_result(&s.caller, id, &f.text).await {
        Ok(()) => Ok(back(f.document_id, "result_returned")),
        Err(e) => refused(&st, &s, f.document_id, e, &["reason"]).await,
    }
}

async fn download(State(st): State<AppState>, s: SignedIn, Path(id): Path<i64>) -> Result<Response, PageError> {
    let (name, media, bytes) = st.services.download(&s.caller, id).await.map_err(fail(&s))?;
    Ok(file_response(&name, &media, bytes))
}

#[derive(Template)]
#[template(path = "search.html")]
struct SearchPage {
    ctx: Ctx,
    q: SearchQuery,
    hits: Vec<SearchHit>,
    total: i64,
    capped: bool,
    searched: bool,
    errors: FormErrors,
    types: Vec<(&'static str, &'static str)>,
    /// The reader's saved searches.
    saved: Vec<egov_storage::saved_searches::SavedSearchRow>,
    /// The current search as a query string (what "save" keeps; no page).
    query_string: String,
    /// The page shown (0-based) and its size.
    page: u32,
    per_page: u32,
}

impl SearchPage {
    /// The position of the first hit shown (1-based).
    fn first(&self) -> i64 {
        i64::from(self.page) * i64::from(self.per_page) + 1
    }

    /// The position of the last hit shown.
    fn last(&self) -> i64 {
        self.first() + self.hits.len() as i64 - 1
    }

    /// There are more hits after this page.
    fn has_next(&self) -> bool {
        self.hits.len() as u32 == self.per_page && (self.last() < self.total || self.capped)
    }
}

#[derive(Deserialize, Default)]
struct SearchQuery {
    #[serde(default)]
    q: String,
    #[serde(default)]
    notice: Option<String>,
    #[serde(default)]
    doc_type: String,
    #[serde(default)]
    direction: String,
    #[serde(default)]
    from: String,
    #[serde(default)]
    to: String,
    #[serde(default)]
    sort: String,
}

async fn search(
    State(st): State<AppState>,
    s: SignedIn,
    Query(q): Query<SearchQuery>,
    axum::extract::RawQuery(raw): axum::extract::RawQuery,
) -> Result<Response, PageError> {
    search_view(&st, &s, q, raw.as_deref().unwrap_or(""), FormErrors::default()).await
}

/// The search page for `q` (whose query string is `raw`), with `errors` from a refused save.
async fn search_view(
    st: &AppState,
    s: &SignedIn,
    q: SearchQuery,
    raw: &str,
    errors: FormErrors,
) -> Result<Response, PageError> {
    let lang = s.ctx.lang;
    let saved = st.services.saved_searches(&s.caller).await.map_err(fail(s))?;
    let query_string = egov_service::documents::search::clean_search_query(raw);
    let notice = q.notice.clone();
    let types = DocumentType::ALL.iter().map(|t| (t.as_str(), t.label(lang))).collect();
    let searched = !q.q.trim().is_empty() || !q.doc_type.is_empty() || !q.direction.is_empty() || !q.from.is_empty();
    let mut page = SearchPage {
        ctx: super::ctx_with_notice(s, "search.title", notice.as_deref()),
        saved,
        query_string,
        hits: Vec::new(),
        total: 0,
        capped: false,
        searched,
        errors,
        types,
        q,
        page: 0,
        per_page: 50,
    };
    if searched {
        let fields = ["q", "doc_type", "direction", "from", "to", "sort", "status", "book_id", "unit_id", "sender"];
        let mut refused = None;
        match search_params(raw) {
            Ok(mut p) => {
                p.per_page = 50;
                page.page = p.page;
                match search_input(&p) {
                    Ok(input) => {
                        let r = st.services.search(&s.caller, &input).await.map_err(fail(s))?;
                        page.hits = r.hits;
                        page.total = r.total;
                        page.capped = r.capped;
                    }
                    Err(e) => refused = Some(AppError::field(e)),
                }
            }
            Err(e) => refused = Some(AppError::Invalid(e)),
        }
        if let Some(e) = refused {
            page.errors = FormErrors::from_error(&e, lang, &fields).unwrap_or_default();
        }
    }
    let failed = !page.errors.is_empty();
    let resp = render(&page, lang)?;
    Ok(if failed { (axum::http::StatusCode::UNPROCESSABLE_ENTITY, resp).into_response() } else { resp })
}

#[derive(Template)]
#[template(path = "books.html")]
struct BooksPage {
    ctx: Ctx,
    books: Vec<BookRow>,
}

async fn books(State(st): State<AppState>, s: SignedIn) -> Result<Response, PageError> {
    let books = st.services.books(&s.caller).await.map_err(fail(&s))?;
    render(&BooksPage { ctx: Ctx::signed_in(&s, "books.title"), books }, s.ctx.lang)
}

#[derive(Template)]
#[template(path = "book.html")]
struct BookPage {
    ctx: Ctx,
    book: BookRow,
    lines: Vec<egov_service::documents::registry::BookLine>,
}

async fn book(State(st): State<AppState>, s: SignedIn, Path(id): Path<i64>) -> Result<Response, PageError> {
    let extract = st.services.book(&s.caller, id).await.map_err(fail(&s))?;
    render(&BookPage { ctx: Ctx::signed_in(&s, "books.title"), book: extract.book, lines: extract.lines }, s.ctx.lang)
}

#[derive(Deserialize)]
struct SaveSearchForm {
    #[serde(default)]
    name: String,
    #[serde(default)]
    query: String,
}

async fn save_search(
    State(st): State<AppState>,
    s: SignedIn,
    Form(f): Form<SaveSearchForm>,
) -> Result<Response, PageError> {
    match st.services.save_search(&s.caller, &f.name, &f.query).await {
        Ok(saved) => Ok(Redirect::to(&format!("/search?{}&notice=saved", saved.query)).into_response()),
        Err(e) => match FormErrors::from_error(&e, s.ctx.lang, &["name", "query"]) {
            Some(errors) => {
                let q: SearchQuery = serde_html_form::from_str(&f.query).unwrap_or_default();
                search_view(&st, &s, q, &f.query, errors).await
            }
            None => Err(fail(&s)(e)),
        },
    }
}

async fn delete_saved_search(
    State(st): State<AppState>,
    s: SignedIn,
    Path(id): Path<i64>,
) -> Result<Response, PageError> {
    st.services.delete_saved_search(&s.caller, id).await.map_err(fail(&s))?;
    Ok(Redirect::to("/search").into_response())
}
