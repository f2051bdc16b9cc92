//! API of official documents: registration, routing and handling, drafts and approval, issue,
//! free sending, inbox, books, case files and search.

use std::collections::{HashMap, HashSet};

use axum::extract::{FromRequest, Multipart, RawQuery, Request, State};
use axum::http::{header, StatusCode};
use axum::response::{IntoResponse, Response};
use axum::Json;
use egov_domain::page::PageRequest;
use egov_domain::search::{SearchParams, SearchSort};
use egov_domain::text::{check_text, text_from_bytes, TextKind};
use egov_domain::FieldError;
use egov_service::documents::case_files::CaseFileInput;
use egov_service::documents::drafting::{Decision, DraftInput, RecipientInput};
use egov_service::documents::handling::{AssignInput, Assignee};
use egov_service::documents::registry::IncomingInput;
use egov_service::documents::search::SearchInput;
use egov_service::documents::sending::SendInput;
use egov_service::documents::{is_overdue, today, Upload};
use egov_service::signatures::signing::SealInput;
use egov_service::AppError;
use serde::{Deserialize, Serialize};
use utoipa::{IntoParams, ToSchema};

use super::handlers::{Body, Ids, Params};
use crate::error::{ApiError, ErrorBody};
use crate::session::{api_lang, ApiCaller};
use crate::AppState;

type ApiResult<T> = Result<T, ApiError>;

macro_rules! fail {
    ($c:expr) => {
        |err| ApiError { err, lang: $c.lang }
    };
}

/// A multipart form: text fields (repeatable) and files (every part with a file name).
///
/// Text is read through [`MultipartForm::text`] (and the typed readers built on it), which refuses
/// a value that is not valid UTF-8 or holds control characters, naming the field; nothing is
/// decoded lossily or cleaned silently. `fields` keeps every value for showing the form again (a
/// value that was not UTF-8 is kept there lossily for display only and remembered in `not_utf8`).
#[derive(Debug, Default)]
pub(crate) struct MultipartForm {
    pub fields: HashMap<String, Vec<String>>,
    pub files: Vec<Upload>,
    /// Fields with at least one value that was not valid UTF-8.
    pub not_utf8: HashSet<String>,
    /// A file part that cannot be taken (bytes without a file name), refused by [`MultipartForm::check_files`].
    pub file_problem: Option<FieldError>,
    /// Files of an earlier failed submission kept for this session, offered again (pages only).
    pub kept: Vec<egov_service::documents::kept::KeptFile>,
}

impl MultipartForm {
    /// The first value of a field for display (a form shown again); never for storing, see [`MultipartForm::text`].
    pub fn get(&self, name: &str) -> &str {
        self.fields.get(name).and_then(|v| v.first()).map_or("", String::as_str)
    }

    /// Every non-empty value of a field for display (which options were chosen); never for storing.
    pub fn shown(&self, name: &str) -> Vec<&str> {
        self.fields
            .get(name)
            .map(|v| v.iter().map(String::as_str).filter(|s| !s.is_empty()).collect())
            .unwrap_or_default()
    }

    fn check(&self, name: &'static str, value: &str, kind: TextKind) -> Result<(), FieldError> {
        if self.not_utf8.contains(name) {
            return text_from_bytes(&[0xFF], name, kind).map(|_| ());
        }
        check_text(value, name, kind)
    }

    /// The first value of a text field ("" when absent), checked: valid UTF-8, no control
    /// characters (no line breaks either in a single-line field).
    pub fn text(&self, name: &'static str, kind: TextKind) -> Result<&str, FieldError> {
        let value = self.get(name);
        self.check(name, value, kind)?;
        Ok(value)
    }

    /// Every non-empty value of a repeatable single-line field, checked as [`MultipartForm::text`] does.
    pub fn all(&self, name: &'static str) -> Result<Vec<&str>, FieldError> {
        let values: Vec<&str> = self
            .fields
            .get(name)
            .map(|v| v.iter().map(String::as_str).filter(|s| !s.is_empty()).collect())
            .unwrap_or_default();
        for v in &values {
            self.check(name, v, TextKind::SingleLine)?;
        }
        Ok(values)
    }

    /// An optional whole number.
    pub fn int(&self, name: &'static str) -> Result<Option<i64>, FieldError> {
        parse_int(self.text(name, TextKind::SingleLine)?, name)
    }

    /// Every value of a repeatable whole-number field.
    pub fn ints(&self, name: &'static str) -> Result<Vec<i64>, FieldError> {
        self.all(name)?.into_iter().map(|s| parse_int(s, name).map(|v| v.unwrap_or_default())).collect()
    }

    /// A yes/no field (a checkbox): absent or empty is no; `true`/`on`/`1` yes, `false`/`off`/`0`
    /// no; anything else is refused (code `"not_a_boolean"`).
    pub fn flag(&self, name: &'static str) -> Result<bool, FieldError> {
        parse_flag(self.text(name, TextKind::SingleLine)?, name)
    }

    /// Refuses the form when a file part could not be taken.
    pub fn check_files(&self) -> Result<(), FieldError> {
        self.file_problem.clone().map_or(Ok(()), Err)
    }

    /// Reads a multipart body; a broken body is a field error, not a crash.
    pub async fn read(mut m: Multipart) -> Result<MultipartForm, AppError> {
        let mut form = MultipartForm::default();
        let broken = |e: axum::extract::multipart::MultipartError| {
            let too_large = e.status() == StatusCode::PAYLOAD_TOO_LARGE;
            if too_large {
                AppError::invalid("files", "too_large", "Dữ liệu gửi lên quá lớn.", "The upload is too large.")
            } else {
                AppError::invalid(
                    "body",
                    "malformed",
                    "Dữ liệu gửi lên không đúng định dạng.",
                    "The form data is malformed.",
                )
            }
        };
        while let Some(field) = m.next_field().await.map_err(broken)? {
            let name = field.name().unwrap_or_default().to_string();
            match field.file_name().map(str::to_string) {
                Some(file_name) if !file_name.trim().is_empty() => {
                    let bytes = field.bytes().await.map_err(broken)?;
                    form.files.push(Upload { name: file_name, bytes: bytes.to_vec() });
                }
                Some(_) => {
                    // An empty file input: the browser sends a part with no name and no bytes. A
                    // part with bytes but no name is refused rather than dropped.
                    let bytes = field.bytes().await.map_err(broken)?;
                    if !bytes.is_empty() && form.file_problem.is_none() {
                        form.file_problem = Some(FieldError::new(
                            "files",
                            "file_name_missing",
                            "Một tệp gửi lên không có tên tệp; hãy đặt tên cho tệp (ví dụ van-ban.pdf).",
                            "An uploaded file has no file name; give it one (e.g. document.pdf).",
                        ));
                    }
                }
                None => {
                    let bytes = field.bytes().await.map_err(broken)?;
                    let text = match String::from_utf8(bytes.to_vec()) {
                        Ok(t) => t,
                        Err(e) => {
                            form.not_utf8.insert(name.clone());
                            String::from_utf8_lossy(e.as_bytes()).into_owned()
                        }
                    };
                    form.fields.entry(name).or_default().push(text);
                }
            }
        }
        Ok(form)
    }
}

fn parse_int(s: &str, field: &'static str) -> Result<Option<i64>, FieldError> {
    let s = s.trim();
    if s.is_empty() {
        return Ok(None);
    }
    s.parse().map(Some).map_err(|_| {
        FieldError::new(field, "not_a_number", format!("“{s}” không phải là số."), format!("“{s}” is not a number."))
    })
}

/// A yes/no value as forms send it; see [`MultipartForm::flag`].
pub(crate) fn parse_flag(s: &str, field: &'static str) -> Result<bool, FieldError> {
    match s.trim() {
        "" | "false" | "off" | "0" => Ok(false),
        "true" | "on" | "1" => Ok(true),
        other => Err(FieldError::new(
            field,
            "not_a_boolean",
            format!("“{other}” không phải là giá trị có/không; dùng true hoặc false."),
            format!("“{other}” is not a yes/no value; use true or false."),
        )),
    }
}

/// A multipart request whose rejection uses the error envelope.
pub(crate) struct Form(pub MultipartForm);

impl<S: Send + Sync> FromRequest<S> for Form {
    type Rejection = ApiError;

    async fn from_request(req: Request, state: &S) -> Result<Self, Self::Rejection> {
        let (parts, body) = req.into_parts();
        let lang = api_lang(&parts);
        let m = Multipart::from_request(Request::from_parts(parts, body), state).await.map_err(|_| ApiError {
            err: AppError::invalid(
                "body",
                "multipart_expected",
                "Yêu cầu phải ở dạng multipart/form-data.",
                "The request must be multipart/form-data.",
            ),
            lang,
        })?;
        MultipartForm::read(m).await.map(Form).map_err(|err| ApiError { err, lang })
    }
}

pub(crate) fn created_json<T: Serialize>(v: T) -> Response {
    created(v)
}

fn created<T: Serialize>(v: T) -> Response {
    (StatusCode::CREATED, Json(v)).into_response()
}

fn no_content() -> Response {
    StatusCode::NO_CONTENT.into_response()
}

/// Fields of an incoming registration (multipart; attach files as `files` parts).
#[derive(Debug, ToSchema)]
#[allow(dead_code)]
pub struct IncomingForm {
    /// Sender from the directory (an agency id), or give `sender_code` and `sender_name`.
    sender_agency_id: Option<i64>,
    sender_code: Option<String>,
    sender_name: Option<String>,
    /// `05/QĐ-UBND`.
    number_notation: String,
    /// `2026-03-05` or `05/03/2026`, not in the future.
    issued_on: String,
    /// A Decree 30 type (`quyet_dinh`, `cong_van`, …).
    doc_type: String,
    subject: String,
    /// normal, urgent, very_urgent, flash.
    urgency: Option<String>,
    /// none, confidential, secret, top_secret.
    secrecy: Option<String>,
    deadline: Option<String>,
    deadline_days: Option<i64>,
    page_count: Option<i64>,
    signer: Option<String>,
    /// `true` to register despite a likely-duplicate warning (`false` or absent otherwise; any
    /// other value is refused).
    confirm_duplicate: Option<bool>,
    /// The document's files (repeat the part; each with a file name). Optional: a document that
    /// arrived on paper only is registered without files.
    #[schema(value_type = Option<Vec<String>>, format = Binary)]
    files: Option<Vec<Vec<u8>>>,
}

/// A registered document's numbers.
#[derive(Debug, Serialize, ToSchema)]
pub struct Registration {
    pub id: i64,
    pub arrival_number: i64,
    pub book_id: i64,
    pub book_name: String,
}

/// Registers an incoming document with its files; the arrival number is taken in the same transaction.
#[utoipa::path(post, path = "/api/v1/documents/incoming", tag = "documents",
    request_body(content = IncomingForm, content_type = "multipart/form-data"),
    responses((status = 201, body = Registration), (status = 409, body = ErrorBody), (status = 422, body = ErrorBody)))]
pub(crate) async fn register_incoming(State(st): State<AppState>, c: ApiCaller, Form(f): Form) -> ApiResult<Response> {
    let input = incoming_input(&f).map_err(|e| ApiError { err: AppError::field(e), lang: c.lang })?;
    let files = f.files.clone();
    let r = st.services.register_incoming(&c.caller, &input, files).await.map_err(fail!(c))?;
    Ok(created(Registration { id: r.id, arrival_number: r.arrival_number, book_id: r.book_id, book_name: r.book_name }))
}

pub(crate) fn incoming_input(f: &MultipartForm) -> Result<IncomingInput<'_>, FieldError> {
    use TextKind::SingleLine as One;
    f.check_files()?;
    Ok(IncomingInput {
        agency_id: f.int("agency_id")?,
        sender_agency_id: f.int("sender_agency_id")?,
        sender_code: f.text("sender_code", One)?,
        sender_name: f.text("sender_name", One)?,
        number_notation: f.text("number_notation", One)?,
        issued_on: f.text("issued_on", One)?,
        doc_type: f.text("doc_type", One)?,
        // The subject is a textarea on the pages: a line break typed there is allowed (the
        // subject's parser joins the lines); control characters are not.
        subject: f.text("subject", TextKind::MultiLine)?,
        urgency: f.text("urgency", One)?,
        secrecy: f.text("secrecy", One)?,
        deadline: Some(f.text("deadline", One)?),
        deadline_days: f.int("deadline_days")?,
        page_count: f.int("page_count")?,
        signer: f.text("signer", One)?,
        confirm_duplicate: f.flag("confirm_duplicate")?,
    })
}

/// A document as the API shows it.
#[derive(Debug, Serialize, ToSchema)]
pub struct Document {
    pub id: i64,
    pub agency_id: i64,
    /// incoming or outgoing.
    pub direction: String,
    /// to_register, registered, presented, in_progress, done, refused, revoked (incoming);
    /// draft, in_approval, returned, approved, issued, revoked, replaced (outgoing).
    pub status: String,
    pub book_id: Option<i64>,
    /// Arrival number (incoming) or issue number (outgoing).
    pub book_number: Option<i64>,
    pub doc_type: String,
    pub number_notation: Option<String>,
    pub issued_on: Option<String>,
    pub subject: String,
    pub sender_code: Option<String>,
    pub sender_name: Option<String>,
    pub urgency: String,
    pub secrecy: String,
    pub deadline: Option<String>,
    pub overdue: bool,
    pub signer: Option<String>,
    pub recipients_text: Option<String>,
    pub origin_document_id: Option<i64>,
    pub replaces_id: Option<i64>,
    pub revoke_reason: Option<String>,
    pub version: i64,
    pub created_at: i64,
}

impl From<egov_storage::documents::DocumentRow> for Document {
    fn from(d: egov_storage::documents::DocumentRow) -> Self {
        let overdue = !matches!(d.status.as_str(), "done" | "issued" | "revoked" | "replaced")
            && is_overdue(d.deadline.as_deref(), today());
        Document {
            id: d.id,
            agency_id: d.agency_id,
            direction: d.direction,
            status: d.status,
            book_id: d.book_id,
            book_number: d.book_number,
            doc_type: d.doc_type,
            number_notation: d.number_notation,
            issued_on: d.issued_on,
            subject: d.subject,
            sender_code: d.sender_code,
            sender_name: d.sender_name,
            urgency: d.urgency,
            secrecy: d.secrecy,
            deadline: d.deadline,
            overdue,
            signer: d.signer,
            recipients_text: d.recipients_text,
            origin_document_id: d.origin_document_id,
            replaces_id: d.replaces_id,
            revoke_reason: d.revoke_reason,
            version: d.version,
            created_at: d.created_at,
        }
    }
}

/// A file attached to a document.
#[derive(Debug, Serialize, ToSchema)]
pub struct DocumentFile {
    pub file_id: i64,
    pub name: String,
    pub media_type: String,
    pub size: i64,
    pub sha256: String,
    pub page_count: Option<i64>,
    /// Draft version (0 for registered documents).
    pub version: i64,
    /// main, attachment or draft.
    pub role: String,
    /// The check of the file's digital signatures, when it is signed.
    pub signatures: Option<super::signatures::FileCheckBody>,
}

/// One assignment in the handling tree.
#[derive(Debug, Serialize, ToSchema)]
pub struct Assignment {
    pub id: i64,
    pub parent_id: Option<i64>,
    /// present, lead, cooperate or inform.
    pub kind: String,
    pub assigner: String,
    pub assignee: String,
    pub assignee_user_id: Option<i64>,
    pub assignee_unit_id: Option<i64>,
    pub directive: Option<String>,
    pub deadline: Option<String>,
    pub overdue: bool,
    /// open, passed, returned or done.
    pub status: String,
    pub progress: i64,
    pub result: Option<String>,
    pub depth: i64,
}

/// One step of the timeline: who, when, what, to whom.
#[derive(Debug, Serialize, ToSchema)]
pub struct TimelineStep {
    pub at: i64,
    pub actor: String,
    pub kind: String,
    pub target: Option<String>,
    pub text: Option<String>,
}

/// A consultation or approval step.
#[derive(Debug, Serialize, ToSchema)]
pub struct Review {
    pub id: i64,
    /// consult or approve.
    pub kind: String,
    pub round: i64,
    pub step: i64,
    pub reviewer: String,
    /// pending, waiting, answered, approved, returned, cancelled.
    pub status: String,
    pub comment: Option<String>,
}

/// An addressee of an outgoing document and its copy's status.
#[derive(Debug, Serialize, ToSchema)]
pub struct Recipient {
    /// The addressee's id (to ask for its edXML package).
    pub id: i64,
    pub name: String,
    pub code: Option<String>,
    /// pending, delivered, registered, refused, queued.
    pub status: String,
    pub note: Option<String>,
}

/// Everything about one document the caller may see.
#[derive(Debug, Serialize, ToSchema)]
pub struct DocumentDetail {
    pub document: Document,
    pub files: Vec<DocumentFile>,
    pub assignments: Vec<Assignment>,
    pub timeline: Vec<TimelineStep>,
    pub reviews: Vec<Review>,
    pub recipients: Vec<Recipient>,
    /// Assignments the caller holds and may act on.
    pub my_assignments: Vec<i64>,
}

impl From<egov_service::documents::DocumentDetail> for DocumentDetail {
    fn from(d: egov_service::documents::DocumentDetail) -> Self {
        let t = today();
        DocumentDetail {
            files: d
                .files
                .into_iter()
                .map(|f| DocumentFile {
                    file_id: f.file_id,
                    name: f.file_name,
                    media_type: f.media_type,
                    size: f.size,
                    signatures: d.signatures.get(&f.sha256).cloned().map(Into::into),
                    sha256: f.sha256,
                    page_count: f.page_count,
                    version: f.version,
                    role: f.role,
                })
                .collect(),
            assignments: d
                .assignments
                .into_iter()
                .map(|a| Assignment {
                    overdue: a.status == "open" && is_overdue(a.deadline.as_deref(), t),
                    id: a.id,
                    parent_id: a.parent_id,
                    kind: a.kind,
                    assigner: a.assigner_name,
                    assignee: a.assignee_name,
                    assignee_user_id: a.assignee_user_id,
                    assignee_unit_id: a.assignee_unit_id,
                    directive: a.directive,
                    deadline: a.deadline,
                    status: a.status,
                    progress: a.progress,
                    result: a.result,
                    depth: a.depth,
                })
                .collect(),
            timeline: d
                .timeline
                .into_iter()
                .map(|e| TimelineStep { at: e.at, actor: e.actor_name, kind: e.kind, target: e.target, text: e.body })
                .collect(),
            reviews: d
                .reviews
                .into_iter()
                .map(|r| Review {
                    id: r.id,
                    kind: r.kind,
                    round: r.round,
                    step: r.step,
                    reviewer: r.reviewer_name,
                    status: r.status,
                    comment: r.comment,
                })
                .collect(),
            recipients: d
                .recipients
                .into_iter()
                .map(|r| Recipient { id: r.id, name: r.name, code: r.code, status: r.status, note: r.note })
                .collect(),
            my_assignments: d.my_assignments,
            document: d.document.into(),
        }
    }
}

/// One document with its files, handling tree, timeline and reviews. Reading a secret document is audited.
#[utoipa::path(get, path = "/api/v1/documents/{id}", tag = "documents", params(("id" = i64, Path)),
    responses((status = 200, body = DocumentDetail), (status = 404, body = ErrorBody)))]
pub(crate) async fn get_document(
    State(st): State<AppState>,
    c: ApiCaller,
    Ids(id): Ids<i64>,
) -> ApiResult<Json<DocumentDetail>> {
    Ok(Json(st.services.document(&c.caller, id).await.map_err(fail!(c))?.into()))
}

/// Downloads a file of a document or message the caller may see.
#[utoipa::path(get, path = "/api/v1/files/{id}", tag = "documents", params(("id" = i64, Path)),
    responses((status = 200, description = "The file's bytes"), (status = 404, body = ErrorBody)))]
pub(crate) async fn download(State(st): State<AppState>, c: ApiCaller, Ids(id): Ids<i64>) -> ApiResult<Response> {
    let (name, media, bytes) = st.services.download(&c.caller, id).await.map_err(fail!(c))?;
    Ok(file_response(&name, &media, bytes))
}

/// A file answer: inline for types a browser shows safely, an attachment otherwise.
pub(crate) fn file_response(name: &str, media: &str, bytes: Vec<u8>) -> Response {
    let inline = matches!(media, "application/pdf" | "image/png" | "image/jpeg");
    let ascii: String =
        name.chars().map(|c| if c.is_ascii_alphanumeric() || ".-_".contains(c) { c } else { '_' }).collect();
    let encoded: String = name
        .bytes()
        .map(|b| {
            if b.is_ascii_alphanumeric() || b".-_".contains(&b) {
                (b as char).to_string()
            } else {
                format!("%{b:02X}")
            }
        })
        .collect();
    let disposition =
        format!("{}; filename=\"{ascii}\"; filename*=UTF-8''{encoded}", if inline { "inline" } else { "attachment" });
    let media = if media.starts_with("text/") { "text/plain; charset=utf-8".to_string() } else { media.to_string() };
    (
        [
            (header::CONTENT_TYPE, media),
            (header::CONTENT_DISPOSITION, disposition),
            (header::CACHE_CONTROL, "private, no-store".to_string()),
        ],
        bytes,
    )
        .into_response()
}

/// Presentation to leaders.
#[derive(Debug, Deserialize, ToSchema)]
pub struct PresentBody {
    pub leaders: Vec<i64>,
    #[serde(default)]
    pub note: String,
}

/// The clerk presents a registered document to leaders.
#[utoipa::path(post, path = "/api/v1/documents/{id}/present", tag = "documents", params(("id" = i64, Path)), request_body = PresentBody,
    responses((status = 204), (status = 409, body = ErrorBody), (status = 422, body = ErrorBody)))]
pub(crate) async fn present(
    State(st): State<AppState>,
    c: ApiCaller,
    Ids(id): Ids<i64>,
    Body(b): Body<PresentBody>,
) -> ApiResult<Response> {
    st.services.present(&c.caller, id, &b.leaders, &b.note).await.map_err(fail!(c))?;
    Ok(no_content())
}

/// A person or a unit.
#[derive(Debug, Clone, Copy, Deserialize, ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum Target {
    User(i64),
    Unit(i64),
}

impl From<Target> for Assignee {
    fn from(t: Target) -> Self {
        match t {
            Target::User(u) => Assignee::Person(u),
            Target::Unit(u) => Assignee::Unit(u),
        }
    }
}

/// An assignment or a pass-on.
#[derive(Debug, Deserialize, ToSchema)]
pub struct AssignBody {
    /// The assignment being passed on; absent when a leader assigns from the top.
    pub parent_assignment_id: Option<i64>,
    #[serde(default)]
    pub directive: String,
    pub lead: Option<Target>,
    #[serde(default)]
    pub cooperate: Vec<Target>,
    #[serde(default)]
    pub inform: Vec<Target>,
    /// A date, or give `deadline_days` (working days from today).
    pub deadline: Option<String>,
    pub deadline_days: Option<i64>,
}

/// Ids of created records.
#[derive(Debug, Serialize, ToSchema)]
pub struct CreatedIds {
    pub ids: Vec<i64>,
}

/// Assigns a document (a leader) or passes an assignment on inside one's own part of the organisation.
#[utoipa::path(post, path = "/api/v1/documents/{id}/assign", tag = "documents", params(("id" = i64, Path)), request_body = AssignBody,
    responses((status = 201, body = CreatedIds), (status = 403, body = ErrorBody), (status = 409, body = ErrorBody), (status = 422, body = ErrorBody)))]
pub(crate) async fn assign(
    State(st): State<AppState>,
    c: ApiCaller,
    Ids(id): Ids<i64>,
    Body(b): Body<AssignBody>,
) -> ApiResult<Response> {
    let input = AssignInput {
        parent_assignment_id: b.parent_assignment_id,
        directive: &b.directive,
        lead: b.lead.map(Into::into),
        cooperate: b.cooperate.iter().copied().map(Into::into).collect(),
        inform: b.inform.iter().copied().map(Into::into).collect(),
        deadline: b.deadline.as_deref(),
        deadline_days: b.deadline_days,
    };
    Ok(created(CreatedIds { ids: st.services.assign(&c.caller, id, &input).await.map_err(fail!(c))? }))
}

/// A reason, comment or text.
#[derive(Debug, Deserialize, ToSchema)]
pub struct TextBody {
    #[serde(default)]
    pub text: String,
}

/// Returns an assignment to whoever gave it, with a reason.
#[utoipa::path(post, path = "/api/v1/assignments/{id}/return", tag = "documents", params(("id" = i64, Path)), request_body = TextBody,
    responses((status = 204), (status = 409, body = ErrorBody), (status = 422, body = ErrorBody)))]
pub(crate) async fn return_assignment(
    State(st): State<AppState>,
    c: ApiCaller,
    Ids(id): Ids<i64>,
    Body(b): Body<TextBody>,
) -> ApiResult<Response> {
    st.services.return_assignment(&c.caller, id, &b.text).await.map_err(fail!(c))?;
    Ok(no_content())
}

/// Progress on an assignment.
#[derive(Debug, Deserialize, ToSchema)]
pub struct ProgressBody {
    pub percent: i64,
    #[serde(default)]
    pub note: String,
}

/// Records progress on an assignment.
#[utoipa::path(post, path = "/api/v1/assignments/{id}/progress", tag = "documents", params(("id" = i64, Path)), request_body = ProgressBody,
    responses((status = 204), (status = 409, body = ErrorBody), (status = 422, body = ErrorBody)))]
pub(crate) async fn progress(
    State(st): State<AppState>,
    c: ApiCaller,
    Ids(id): Ids<i64>,
    Body(b): Body<ProgressBody>,
) -> ApiResult<Response> {
    st.services.set_progress(&c.caller, id, b.percent, &b.note).await.map_err(fail!(c))?;
    Ok(no_content())
}

/// The result of an assignment.
#[derive(Debug, Deserialize, ToSchema)]
pub struct FinishBody {
    #[serde(default)]
    pub result: String,
    pub result_document_id: Option<i64>,
}

/// Finishes an assignment; a lead part passed on goes back to whoever passed it, to accept
/// (`/accept`) or return (`/return-result`); the top lead closes the document.
#[utoipa::path(post, path = "/api/v1/assignments/{id}/finish", tag = "documents", params(("id" = i64, Path)), request_body = FinishBody,
    responses((status = 204), (status = 409, body = ErrorBody), (status = 422, body = ErrorBody)))]
pub(crate) async fn finish_assignment(
    State(st): State<AppState>,
    c: ApiCaller,
    Ids(id): Ids<i64>,
    Body(b): Body<FinishBody>,
) -> ApiResult<Response> {
    st.services.finish_assignment(&c.caller, id, &b.result, b.result_document_id).await.map_err(fail!(c))?;
    Ok(no_content())
}

/// Accepts the result reported on a part the caller passed on (`text`: an optional note put in
/// front of the result); the caller's part carries it up, or the document closes at the top.
#[utoipa::path(post, path = "/api/v1/assignments/{id}/accept", tag = "documents", params(("id" = i64, Path)), request_body = TextBody,
    responses((status = 204), (status = 404, body = ErrorBody), (status = 409, body = ErrorBody), (status = 422, body = ErrorBody)))]
pub(crate) async fn accept_result(
    State(st): State<AppState>,
    c: ApiCaller,
    Ids(id): Ids<i64>,
    Body(b): Body<TextBody>,
) -> ApiResult<Response> {
    st.services.accept_result(&c.caller, id, &b.text).await.map_err(fail!(c))?;
    Ok(no_content())
}

/// Returns the result reported on a part the caller passed on, with a reason (`text`); the part
/// is open again for its holder.
#[utoipa::path(post, path = "/api/v1/assignments/{id}/return-result", tag = "documents", params(("id" = i64, Path)), request_body = TextBody,
    responses((status = 204), (status = 404, body = ErrorBody), (status = 409, body = ErrorBody), (status = 422, body = ErrorBody)))]
pub(crate) async fn return_result(
    State(st): State<AppState>,
    c: ApiCaller,
    Ids(id): Ids<i64>,
    Body(b): Body<TextBody>,
) -> ApiResult<Response> {
    st.services.return_result(&c.caller, id, &b.text).await.map_err(fail!(c))?;
    Ok(no_content())
}

/// Posts an opinion on a document.
#[utoipa::path(post, path = "/api/v1/documents/{id}/opinions", tag = "documents", params(("id" = i64, Path)), request_body = TextBody,
    responses((status = 204), (status = 404, body = ErrorBody), (status = 422, body = ErrorBody)))]
pub(crate) async fn post_opinion(
    State(st): State<AppState>,
    c: ApiCaller,
    Ids(id): Ids<i64>,
    Body(b): Body<TextBody>,
) -> ApiResult<Response> {
    st.services.post_opinion(&c.caller, id, &b.text).await.map_err(fail!(c))?;
    Ok(no_content())
}

/// Registers a document waiting in the "to register" queue.
#[utoipa::path(post, path = "/api/v1/documents/{id}/register", tag = "documents", params(("id" = i64, Path)),
    responses((status = 201, body = Registration), (status = 409, body = ErrorBody)))]
pub(crate) async fn register_arrived(
    State(st): State<AppState>,
    c: ApiCaller,
    Ids(id): Ids<i64>,
) -> ApiResult<Response> {
    let r = st.services.register_arrived(&c.caller, id).await.map_err(fail!(c))?;
    Ok(created(Registration { id: r.id, arrival_number: r.arrival_number, book_id: r.book_id, book_name: r.book_name }))
}

/// Refuses a document waiting in the queue, with a reason for the sender.
#[utoipa::path(post, path = "/api/v1/documents/{id}/refuse", tag = "documents", params(("id" = i64, Path)), request_body = TextBody,
    responses((status = 204), (status = 409, body = ErrorBody), (status = 422, body = ErrorBody)))]
pub(crate) async fn refuse_arrived(
    State(st): State<AppState>,
    c: ApiCaller,
    Ids(id): Ids<i64>,
    Body(b): Body<TextBody>,
) -> ApiResult<Response> {
    st.services.refuse_arrived(&c.caller, id, &b.text).await.map_err(fail!(c))?;
    Ok(no_content())
}

/// Documents waiting to be registered in the caller's clerk agencies.
#[utoipa::path(get, path = "/api/v1/documents/to-register", tag = "documents", responses((status = 200, body = Vec<Document>)))]
pub(crate) async fn to_register(State(st): State<AppState>, c: ApiCaller) -> ApiResult<Json<Vec<Document>>> {
    Ok(Json(st.services.to_register(&c.caller).await.map_err(fail!(c))?.into_iter().map(Into::into).collect()))
}

/// Fields of a draft (multipart; attach the draft files as `files` parts).
#[derive(Debug, ToSchema)]
#[allow(dead_code)]
pub struct DraftForm {
    doc_type: String,
    subject: String,
    urgency: Option<String>,
    secrecy: Option<String>,
    legal_normative: Option<bool>,
    signer: Option<String>,
    /// Agencies on the platform (repeat the field).
    recipient_agencies: Vec<i64>,
    /// Units of the issuing agency (repeat the field).
    recipient_units: Vec<i64>,
    /// Outside agencies as `CODE|Name` (repeat the field).
    recipient_external: Vec<String>,
    replaces_id: Option<i64>,
    note: Option<String>,
    /// The draft's files (repeat the part; each with a file name). Optional: a version may change
    /// only the metadata.
    #[schema(value_type = Option<Vec<String>>, format = Binary)]
    files: Option<Vec<Vec<u8>>>,
}

pub(crate) fn draft_input(f: &MultipartForm) -> Result<DraftInput<'_>, FieldError> {
    use TextKind::SingleLine as One;
    f.check_files()?;
    let mut recipients: Vec<RecipientInput> = Vec::new();
    recipients.extend(f.ints("recipient_agencies")?.into_iter().map(RecipientInput::Agency));
    recipients.extend(f.ints("recipient_units")?.into_iter().map(RecipientInput::Unit));
    for ext in f.all("recipient_external")?.into_iter().filter(|e| !e.trim().is_empty()) {
        let (code, name) = ext.split_once('|').unwrap_or((ext, ""));
        recipients.push(RecipientInput::External { code: code.trim().to_string(), name: name.trim().to_string() });
    }
    Ok(DraftInput {
        doc_type: f.text("doc_type", One)?,
        subject: f.text("subject", TextKind::MultiLine)?,
        urgency: f.text("urgency", One)?,
        secrecy: f.text("secrecy", One)?,
        legal_normative: f.flag("legal_normative")?,
        signer: f.text("signer", One)?,
        recipients,
        replaces_id: f.int("replaces_id")?,
        note: f.text("note", TextKind::MultiLine)?,
    })
}

/// The id of a new record.
#[derive(Debug, Serialize, ToSchema)]
pub struct NewId {
    pub id: i64,
}

/// Starts a draft of an outgoing document.
#[utoipa::path(post, path = "/api/v1/drafts", tag = "drafts", request_body(content = DraftForm, content_type = "multipart/form-data"),
    responses((status = 201, body = NewId), (status = 422, body = ErrorBody)))]
pub(crate) async fn create_draft(State(st): State<AppState>, c: ApiCaller, Form(f): Form) -> ApiResult<Response> {
    let input = draft_input(&f).map_err(|e| ApiError { err: AppError::field(e), lang: c.lang })?;
    let id = st.services.create_draft(&c.caller, &input, f.files.clone()).await.map_err(fail!(c))?;
    Ok(created(NewId { id }))
}

/// A new version of a draft (metadata and files).
#[utoipa::path(post, path = "/api/v1/drafts/{id}/versions", tag = "drafts", params(("id" = i64, Path)),
    request_body(content = DraftForm, content_type = "multipart/form-data"),
    responses((status = 201, body = NewId), (status = 409, body = ErrorBody), (status = 422, body = ErrorBody)))]
pub(crate) async fn revise_draft(
    State(st): State<AppState>,
    c: ApiCaller,
    Ids(id): Ids<i64>,
    Form(f): Form,
) -> ApiResult<Response> {
    let input = draft_input(&f).map_err(|e| ApiError { err: AppError::field(e), lang: c.lang })?;
    let version = st.services.revise_draft(&c.caller, id, &input, f.files.clone()).await.map_err(fail!(c))?;
    Ok(created(NewId { id: version }))
}

/// Consultation of a draft.
#[derive(Debug, Deserialize, ToSchema)]
pub struct ConsultBody {
    pub reviewers: Vec<i64>,
    pub deadline: Option<String>,
    pub deadline_days: Option<i64>,
    #[serde(default)]
    pub note: String,
}

/// Sends a draft out for comments.
#[utoipa::path(post, path = "/api/v1/drafts/{id}/consult", tag = "drafts", params(("id" = i64, Path)), request_body = ConsultBody,
    responses((status = 204), (status = 409, body = ErrorBody), (status = 422, body = ErrorBody)))]
pub(crate) async fn consult(
    State(st): State<AppState>,
    c: ApiCaller,
    Ids(id): Ids<i64>,
    Body(b): Body<ConsultBody>,
) -> ApiResult<Response> {
    st.services
        .consult(&c.caller, id, &b.reviewers, b.deadline.as_deref(), b.deadline_days, &b.note)
        .await
        .map_err(fail!(c))?;
    Ok(no_content())
}

/// Answers a consultation.
#[utoipa::path(post, path = "/api/v1/drafts/{id}/comments", tag = "drafts", params(("id" = i64, Path)), request_body = TextBody,
    responses((status = 204), (status = 409, body = ErrorBody), (status = 422, body = ErrorBody)))]
pub(crate) async fn answer_consultation(
    State(st): State<AppState>,
    c: ApiCaller,
    Ids(id): Ids<i64>,
    Body(b): Body<TextBody>,
) -> ApiResult<Response> {
    st.services.answer_consultation(&c.caller, id, &b.text).await.map_err(fail!(c))?;
    Ok(no_content())
}

/// The approval chain, in order.
#[derive(Debug, Deserialize, ToSchema)]
pub struct SubmitBody {
    pub approvers: Vec<i64>,
}

/// Submits a draft through an approval chain.
#[utoipa::path(post, path = "/api/v1/drafts/{id}/submit", tag = "drafts", params(("id" = i64, Path)), request_body = SubmitBody,
    responses((status = 204), (status = 409, body = ErrorBody), (status = 422, body = ErrorBody)))]
pub(crate) async fn submit(
    State(st): State<AppState>,
    c: ApiCaller,
    Ids(id): Ids<i64>,
    Body(b): Body<SubmitBody>,
) -> ApiResult<Response> {
    st.services.submit_for_approval(&c.caller, id, &b.approvers).await.map_err(fail!(c))?;
    Ok(no_content())
}

/// An approver's decision.
#[derive(Debug, Deserialize, ToSchema)]
pub struct DecisionBody {
    /// approve or return.
    pub decision: String,
    #[serde(default)]
    pub comment: String,
}

/// Approves or returns a draft (the caller's pending step); deciding twice answers 409.
#[utoipa::path(post, path = "/api/v1/drafts/{id}/decision", tag = "drafts", params(("id" = i64, Path)), request_body = DecisionBody,
    responses((status = 204), (status = 409, body = ErrorBody), (status = 422, body = ErrorBody)))]
pub(crate) async fn decide(
    State(st): State<AppState>,
    c: ApiCaller,
    Ids(id): Ids<i64>,
    Body(b): Body<DecisionBody>,
) -> ApiResult<Response> {
    let decision = match b.decision.as_str() {
        "approve" => Decision::Approve,
        "return" => Decision::Return,
        _ => {
            return Err(ApiError {
                err: AppError::invalid(
                    "decision",
                    "unknown_decision",
                    "Quyết định phải là approve hoặc return.",
                    "Decision must be approve or return.",
                ),
                lang: c.lang,
            })
        }
    };
    st.services.decide(&c.caller, id, decision, &b.comment).await.map_err(fail!(c))?;
    Ok(no_content())
}

/// Issue options.
#[derive(Debug, Deserialize, ToSchema)]
pub struct IssueBody {
    /// Overrides the notation derived from the agency and unit (`QĐ-UBND`).
    pub notation: Option<String>,
    /// PIN of the agency's seal key: needed when the agency signs electronically.
    pub seal_pin: Option<String>,
    /// Where the template leaves room for the number (page from 1, points from the bottom left).
    pub number_at: Option<super::signatures::PagePoint>,
    /// Where the template leaves room for the day and month.
    pub date_at: Option<super::signatures::PagePoint>,
}

/// The number an issued document got and where it went.
#[derive(Debug, Serialize, ToSchema)]
pub struct IssueResult {
    pub number: i64,
    pub number_notation: String,
    /// Incoming copies created in agencies on the platform.
    pub delivered: Vec<i64>,
    /// Packages queued for the exchange.
    pub queued: usize,
}

/// Numbers, registers and issues an approved document (a clerk).
#[utoipa::path(post, path = "/api/v1/drafts/{id}/issue", tag = "drafts", params(("id" = i64, Path)), request_body = IssueBody,
    responses((status = 201, body = IssueResult), (status = 409, body = ErrorBody), (status = 422, body = ErrorBody)))]
pub(crate) async fn issue(
    State(st): State<AppState>,
    c: ApiCaller,
    Ids(id): Ids<i64>,
    Body(b): Body<IssueBody>,
) -> ApiResult<Response> {
    let seal = SealInput {
        pin: b.seal_pin.clone().unwrap_or_default(),
        number_at: b.number_at.map(Into::into),
        date_at: b.date_at.map(Into::into),
    };
    let r = st.services.issue(&c.caller, id, b.notation.as_deref(), Some(&seal)).await.map_err(fail!(c))?;
    Ok(created(IssueResult {
        number: r.number,
        number_notation: r.number_notation,
        delivered: r.delivered,
        queued: r.queued,
    }))
}

/// Revokes an issued document (it stays on record).
#[utoipa::path(post, path = "/api/v1/documents/{id}/revoke", tag = "documents", params(("id" = i64, Path)), request_body = TextBody,
    responses((status = 204), (status = 409, body = ErrorBody), (status = 422, body = ErrorBody)))]
pub(crate) async fn revoke(
    State(st): State<AppState>,
    c: ApiCaller,
    Ids(id): Ids<i64>,
    Body(b): Body<TextBody>,
) -> ApiResult<Response> {
    st.services.revoke(&c.caller, id, &b.text).await.map_err(fail!(c))?;
    Ok(no_content())
}

/// One agency of the exchange hub's directory.
#[derive(Debug, Serialize, ToSchema)]
pub struct DirectoryAgency {
    pub code: String,
    pub name: String,
    pub level: Option<String>,
    pub parent: Option<String>,
}

/// The exchange hub's directory of agencies, to pick outside addressees (empty without a hub).
#[utoipa::path(get, path = "/api/v1/exchange/directory", tag = "documents",
    responses((status = 200, body = Vec<DirectoryAgency>)))]
pub(crate) async fn exchange_directory(State(st): State<AppState>, c: ApiCaller) -> ApiResult<Response> {
    let entries = st.services.exchange_directory(&c.caller).await.map_err(fail!(c))?;
    let list: Vec<DirectoryAgency> = entries
        .into_iter()
        .map(|e| DirectoryAgency { code: e.code, name: e.name, level: e.level, parent: e.parent })
        .collect();
    Ok(axum::Json(list).into_response())
}

/// A correction of an issued document sent through the exchange (business type 2).
#[derive(Debug, Deserialize, ToSchema)]
pub struct ExchangeUpdateBody {
    /// The corrected subject, if it changes.
    pub subject: Option<String>,
    /// What the update changes (sent to the addressees and put on the timeline).
    pub reason: String,
}

/// How many outside addressees were sent an update.
#[derive(Debug, Serialize, ToSchema)]
pub struct ExchangeUpdateResult {
    pub sent: usize,
}

/// Corrects an issued document and sends the correction (edXML business type 2) to the outside addressees
/// that have it; each answers 15 (applied) or 16 (refused).
#[utoipa::path(post, path = "/api/v1/documents/{id}/exchange-update", tag = "documents", params(("id" = i64, Path)),
    request_body = ExchangeUpdateBody,
    responses((status = 200, body = ExchangeUpdateResult), (status = 409, body = ErrorBody), (status = 422, body = ErrorBody)))]
pub(crate) async fn exchange_update(
    State(st): State<AppState>,
    c: ApiCaller,
    Ids(id): Ids<i64>,
    Body(b): Body<ExchangeUpdateBody>,
) -> ApiResult<Response> {
    let sent = st.services.send_update(&c.caller, id, b.subject.as_deref(), &b.reason).await.map_err(fail!(c))?;
    Ok(axum::Json(ExchangeUpdateResult { sent }).into_response())
}

/// How many outside addressees were asked to give a document back.
#[derive(Debug, Serialize, ToSchema)]
pub struct TakeBackResult {
    pub asked: usize,
}

/// Asks the outside addressees of an issued document to give it back (edXML status 13); each answers 15 or 16.
#[utoipa::path(post, path = "/api/v1/documents/{id}/take-back", tag = "documents", params(("id" = i64, Path)), request_body = TextBody,
    responses((status = 200, body = TakeBackResult), (status = 409, body = ErrorBody), (status = 422, body = ErrorBody)))]
pub(crate) async fn take_back(
    State(st): State<AppState>,
    c: ApiCaller,
    Ids(id): Ids<i64>,
    Body(b): Body<TextBody>,
) -> ApiResult<Response> {
    let asked = st.services.request_take_back(&c.caller, id, &b.text).await.map_err(fail!(c))?;
    Ok(axum::Json(TakeBackResult { asked }).into_response())
}

/// Fields of a free internal message (multipart).
#[derive(Debug, ToSchema)]
#[allow(dead_code)]
pub struct MessageForm {
    users: Vec<i64>,
    units: Vec<i64>,
    body: String,
    document_id: Option<i64>,
    /// Files to send (repeat the part; each with a file name). Optional.
    #[schema(value_type = Option<Vec<String>>, format = Binary)]
    files: Option<Vec<Vec<u8>>>,
}

/// Sends a note, files or a document to colleagues or units.
#[utoipa::path(post, path = "/api/v1/messages", tag = "documents", request_body(content = MessageForm, content_type = "multipart/form-data"),
    responses((status = 201, body = NewId), (status = 404, body = ErrorBody), (status = 422, body = ErrorBody)))]
pub(crate) async fn send_message(State(st): State<AppState>, c: ApiCaller, Form(f): Form) -> ApiResult<Response> {
    let bad = |e| ApiError { err: AppError::field(e), lang: c.lang };
    f.check_files().map_err(bad)?;
    let input = SendInput {
        users: f.ints("users").map_err(bad)?,
        units: f.ints("units").map_err(bad)?,
        body: f.text("body", TextKind::MultiLine).map_err(bad)?,
        document_id: f.int("document_id").map_err(bad)?,
    };
    let id = st.services.send_message(&c.caller, &input, f.files.clone()).await.map_err(fail!(c))?;
    Ok(created(NewId { id }))
}

/// Inbox paging.
#[derive(Debug, Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
pub struct InboxQuery {
    /// Show finished items instead of open ones.
    pub done: Option<bool>,
    /// Items older than this id.
    pub before: Option<i64>,
    /// Items per page, 1–200 (default 50); more is refused.
    pub limit: Option<u32>,
}

/// One inbox line.
#[derive(Debug, Serialize, ToSchema)]
pub struct InboxItem {
    pub id: i64,
    /// present, assignment, inform, returned, finished, consult, consult_answered, approve, issue,
    /// to_register, delivered, message; for tasks: task, task_returned, task_submitted.
    pub kind: String,
    pub document_id: Option<i64>,
    /// The task the item is about (its title is the subject).
    pub task_id: Option<i64>,
    pub message_id: Option<i64>,
    pub ref_id: Option<i64>,
    pub from: Option<String>,
    pub note: Option<String>,
    pub subject: Option<String>,
    pub number_notation: Option<String>,
    pub urgency: Option<String>,
    pub secrecy: Option<String>,
    pub deadline: Option<String>,
    pub overdue: bool,
    pub message: Option<String>,
    pub read: bool,
    pub created_at: i64,
}

impl From<egov_storage::handling::InboxRow> for InboxItem {
    fn from(i: egov_storage::handling::InboxRow) -> Self {
        InboxItem {
            overdue: i.done_at.is_none() && is_overdue(i.deadline.as_deref(), today()),
            id: i.id,
            kind: i.kind,
            document_id: i.document_id,
            task_id: i.task_id,
            message_id: i.message_id,
            ref_id: i.ref_id,
            from: i.from_name,
            note: i.note,
            subject: i.subject,
            number_notation: i.number_notation,
            urgency: i.urgency,
            secrecy: i.secrecy,
            deadline: i.deadline,
            message: i.message_body,
            read: i.read_at.is_some(),
            created_at: i.created_at,
        }
    }
}

/// The caller's inbox, newest first.
#[utoipa::path(get, path = "/api/v1/inbox", tag = "documents", params(InboxQuery), responses((status = 200, body = Vec<InboxItem>)))]
pub(crate) async fn inbox(
    State(st): State<AppState>,
    c: ApiCaller,
    Params(q): Params<InboxQuery>,
) -> ApiResult<Json<Vec<InboxItem>>> {
    // The same page-size rule as every cursor-paginated list: 1–200, refused outside.
    let limit =
        PageRequest::parse(None, q.limit).map_err(|e| ApiError { err: AppError::field(e), lang: c.lang })?.limit;
    let rows = st.services.inbox(&c.caller, q.done.unwrap_or(false), q.before, limit).await.map_err(fail!(c))?;
    Ok(Json(rows.into_iter().map(Into::into).collect()))
}

/// Paging of "passed on – following".
#[derive(Debug, Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
pub struct FollowingQuery {
    /// Parts older than this id (the previous page's `next_before`).
    pub before: Option<i64>,
    /// Parts per page, 1–200 (default 50); more is refused.
    pub limit: Option<u32>,
}

/// A part the caller gave or passed on that is still open below them.
#[derive(Debug, Serialize, ToSchema)]
pub struct FollowedPart {
    /// The assignment.
    pub id: i64,
    pub document_id: i64,
    pub subject: String,
    pub number_notation: Option<String>,
    pub urgency: String,
    /// lead or cooperate.
    pub kind: String,
    /// The person or unit holding it.
    pub assignee: String,
    /// open, passed (further on) or submitted (a result waits for acceptance).
    pub status: String,
    pub progress: i64,
    pub deadline: Option<String>,
    pub updated_at: i64,
}

/// A page of followed parts with their total.
#[derive(Debug, Serialize, ToSchema)]
pub struct FollowingList {
    pub items: Vec<FollowedPart>,
    /// All followed parts (counted up to 10,000).
    pub total: i64,
    /// Pass as `before` for the next page; absent on the last.
    pub next_before: Option<i64>,
}

/// "Đã chuyển – đang theo dõi": what the caller gave or passed on and nobody has closed yet.
#[utoipa::path(get, path = "/api/v1/following", tag = "documents", params(FollowingQuery), responses((status = 200, body = FollowingList), (status = 422, body = ErrorBody)))]
pub(crate) async fn following(
    State(st): State<AppState>,
    c: ApiCaller,
    Params(q): Params<FollowingQuery>,
) -> ApiResult<Json<FollowingList>> {
    let limit =
        PageRequest::parse(None, q.limit).map_err(|e| ApiError { err: AppError::field(e), lang: c.lang })?.limit;
    let page = st.services.following(&c.caller, q.before, limit).await.map_err(fail!(c))?;
    let items = page
        .items
        .into_iter()
        .map(|r| FollowedPart {
            id: r.id,
            document_id: r.document_id,
            subject: r.subject,
            number_notation: r.number_notation,
            urgency: r.urgency,
            kind: r.kind,
            assignee: r.assignee_name,
            status: r.status,
            progress: r.progress,
            deadline: r.deadline,
            updated_at: r.updated_at,
        })
        .collect();
    Ok(Json(FollowingList { items, total: page.total, next_before: page.next_before }))
}

/// Marks an inbox item done (messages, items for information).
#[utoipa::path(post, path = "/api/v1/inbox/{id}/done", tag = "documents", params(("id" = i64, Path)), responses((status = 204), (status = 404, body = ErrorBody)))]
pub(crate) async fn inbox_done(State(st): State<AppState>, c: ApiCaller, Ids(id): Ids<i64>) -> ApiResult<Response> {
    st.services.mark_inbox_item(&c.caller, id, true).await.map_err(fail!(c))?;
    Ok(no_content())
}

/// Search parameters (their shape; the values are checked by `egov_domain::search::SearchParams`).
#[derive(Debug, Deserialize, IntoParams)]
#[allow(dead_code)]
#[into_params(parameter_in = Query)]
pub struct SearchQuery {
    /// Words to find; diacritics optional (`quyet dinh` finds `Quyết định`).
    pub q: Option<String>,
    pub direction: Option<String>,
    pub doc_type: Option<String>,
    pub book_id: Option<i64>,
    pub urgency: Option<String>,
    /// to_register, registered, presented, in_progress, done, refused, revoked, draft, in_approval,
    /// returned, approved, issued or replaced; anything else is refused.
    pub status: Option<String>,
    /// Sender's identifier code or name.
    pub sender: Option<String>,
    pub unit_id: Option<i64>,
    /// From this date (YYYY-MM-DD, Vietnam time).
    pub from: Option<String>,
    /// Up to and including this date.
    pub to: Option<String>,
    /// relevance (default) or date; anything else is refused.
    pub sort: Option<String>,
    /// Page number from 0 (at most 1000).
    pub page: Option<u32>,
    /// Results per page, 1–100 (default 20); more is refused.
    pub per_page: Option<u32>,
}

/// A page of search results; `total` counts only documents the caller may see.
#[derive(Debug, Serialize, ToSchema)]
pub struct SearchResults {
    pub items: Vec<Document>,
    pub total: i64,
    /// The count stopped at its cap.
    pub capped: bool,
}

/// Milliseconds at the start of `d` in Vietnam time (of the next day with `next_day`: an "up to
/// and including" bound).
fn day_ms(d: jiff::civil::Date, field: &'static str, next_day: bool) -> Result<i64, FieldError> {
    let d = if next_day { d.tomorrow().unwrap_or(d) } else { d };
    d.to_zoned(egov_service::documents::vietnam_tz())
        .map(|z| z.timestamp().as_millisecond())
        .map_err(|_| FieldError::new(field, "date_invalid", "Ngày không hợp lệ.", "Invalid date."))
}

/// Decoded `(name, value)` pairs of a query string.
pub(crate) fn query_pairs(raw: &str) -> Vec<(String, String)> {
    form_urlencoded::parse(raw.as_bytes()).map(|(k, v)| (k.into_owned(), v.into_owned())).collect()
}

/// Validated search parameters from a query string (pages and API alike).
pub(crate) fn search_params(raw: &str) -> Result<SearchParams, Vec<FieldError>> {
    let pairs = query_pairs(raw);
    SearchParams::parse(pairs.iter().map(|(k, v)| (k.as_str(), v.as_str())))
}

/// The service's search request for validated parameters.
pub(crate) fn search_input(p: &SearchParams) -> Result<SearchInput<'_>, FieldError> {
    Ok(SearchInput {
        q: &p.q,
        direction: p.direction.map(|d| d.as_str()),
        doc_type: p.doc_type.map(|d| d.as_str()),
        book_id: p.book_id,
        urgency: p.urgency.map(|u| u.as_str()),
        status: p.status,
        sender: p.sender.as_deref(),
        unit_id: p.unit_id,
        from_ms: p.from.map(|d| day_ms(d, "from", false)).transpose()?,
        to_ms: p.to.map(|d| day_ms(d, "to", true)).transpose()?,
        by_date: p.sort == SearchSort::Date,
        page: p.page,
        per_page: p.per_page,
    })
}

/// Full-text search with filters over the documents the caller may see.
#[utoipa::path(get, path = "/api/v1/search", tag = "documents", params(SearchQuery), responses((status = 200, body = SearchResults), (status = 422, body = ErrorBody)))]
pub(crate) async fn search(
    State(st): State<AppState>,
    c: ApiCaller,
    Params(_shape): Params<SearchQuery>,
    RawQuery(raw): RawQuery,
) -> ApiResult<Json<SearchResults>> {
    let p = search_params(raw.as_deref().unwrap_or(""))
        .map_err(|e| ApiError { err: AppError::Invalid(e), lang: c.lang })?;
    let input = search_input(&p).map_err(|e| ApiError { err: AppError::field(e), lang: c.lang })?;
    let r = st.services.search(&c.caller, &input).await.map_err(fail!(c))?;
    Ok(Json(SearchResults {
        items: r.hits.into_iter().map(|h| h.document.into()).collect(),
        total: r.total,
        capped: r.capped,
    }))
}

/// A register book.
#[derive(Debug, Serialize, ToSchema)]
pub struct Book {
    pub id: i64,
    pub agency_id: i64,
    pub year: i64,
    pub direction: String,
    /// regular, secret or legal:<type>.
    pub series: String,
    pub name: String,
    /// The number the next document will get.
    pub next_number: i64,
}

impl From<egov_storage::documents::BookRow> for Book {
    fn from(b: egov_storage::documents::BookRow) -> Self {
        Book {
            id: b.id,
            agency_id: b.agency_id,
            year: b.year,
            direction: b.direction,
            series: b.series,
            name: b.name,
            next_number: b.next_number,
        }
    }
}

/// Register books of the caller's agencies.
#[utoipa::path(get, path = "/api/v1/books", tag = "documents", responses((status = 200, body = Vec<Book>)))]
pub(crate) async fn books(State(st): State<AppState>, c: ApiCaller) -> ApiResult<Json<Vec<Book>>> {
    Ok(Json(st.services.books(&c.caller).await.map_err(fail!(c))?.into_iter().map(Into::into).collect()))
}

/// A register book as CSV, with the columns the clerical rules list.
#[utoipa::path(get, path = "/api/v1/books/{id}/csv", tag = "documents", params(("id" = i64, Path)),
    responses((status = 200, description = "CSV (UTF-8 with BOM)"), (status = 404, body = ErrorBody)))]
pub(crate) async fn book_csv(State(st): State<AppState>, c: ApiCaller, Ids(id): Ids<i64>) -> ApiResult<Response> {
    let extract = st.services.book(&c.caller, id).await.map_err(fail!(c))?;
    let csv = crate::books::to_csv(&extract);
    Ok(book_download(&extract, "csv", "text/csv; charset=utf-8", csv.into_bytes()))
}

/// A register book as a printable PDF (A4 landscape, the columns the clerical rules list, the
/// heading repeated on every page, Vietnamese text in an embedded font).
#[utoipa::path(get, path = "/api/v1/books/{id}/pdf", tag = "documents", params(("id" = i64, Path)),
    responses((status = 200, description = "PDF", content_type = "application/pdf"), (status = 404, body = ErrorBody)))]
pub(crate) async fn book_pdf(State(st): State<AppState>, c: ApiCaller, Ids(id): Ids<i64>) -> ApiResult<Response> {
    let extract = st.services.book(&c.caller, id).await.map_err(fail!(c))?;
    let printed_at = jiff::Timestamp::now().to_zoned(egov_service::documents::vietnam_tz());
    let internal = |e: anyhow::Error| ApiError { err: egov_service::AppError::Internal(e), lang: c.lang };
    let made =
        tokio::task::spawn_blocking(move || crate::books::to_pdf(&extract, printed_at).map(|pdf| (extract, pdf)))
            .await
            .map_err(|e| internal(e.into()))?;
    let (extract, pdf) = made.map_err(|e| internal(e.into()))?;
    Ok(book_download(&extract, "pdf", "application/pdf", pdf))
}

/// A book file as a download named after the book.
fn book_download(
    extract: &egov_service::documents::registry::BookExtract,
    ext: &str,
    mime: &str,
    body: Vec<u8>,
) -> Response {
    let book = &extract.book;
    let name = format!("so-{}-{}-{}.{ext}", book.direction, book.year, book.id);
    (
        [
            (header::CONTENT_TYPE, mime.to_string()),
            (header::CONTENT_DISPOSITION, format!("attachment; filename=\"{name}\"")),
        ],
        body,
    )
        .into_response()
}

/// A new case file.
#[derive(Debug, Deserialize, ToSchema)]
pub struct NewCaseFile {
    pub year: Option<i64>,
    /// The file's notation within the year (`TH-01`); the code is agency code + year + notation.
    pub notation: String,
    pub title: String,
    /// Years to keep; absent for permanent.
    pub retention_years: Option<i64>,
}

/// A case file.
#[derive(Debug, Serialize, ToSchema)]
pub struct CaseFile {
    pub id: i64,
    pub code: String,
    pub title: String,
    pub year: i64,
    pub retention_years: Option<i64>,
    /// open, closed or archived.
    pub status: String,
    pub owner: String,
    pub document_count: i64,
}

impl From<egov_storage::case_files::CaseFileRow> for CaseFile {
    fn from(f: egov_storage::case_files::CaseFileRow) -> Self {
        CaseFile {
            id: f.id,
            code: f.code,
            title: f.title,
            year: f.year,
            retention_years: f.retention_years,
            status: f.status,
            owner: f.owner_name,
            document_count: f.document_count,
        }
    }
}

/// Opens a case file in the caller's agency.
#[utoipa::path(post, path = "/api/v1/case-files", tag = "case files", request_body = NewCaseFile,
    responses((status = 201, body = NewId), (status = 409, body = ErrorBody), (status = 422, body = ErrorBody)))]
pub(crate) async fn create_case_file(
    State(st): State<AppState>,
    c: ApiCaller,
    Body(b): Body<NewCaseFile>,
) -> ApiResult<Response> {
    let input =
        CaseFileInput { year: b.year, notation: &b.notation, title: &b.title, retention_years: b.retention_years };
    Ok(created(NewId { id: st.services.create_case_file(&c.caller, &input).await.map_err(fail!(c))? }))
}

/// The file list of the caller's agencies.
#[utoipa::path(get, path = "/api/v1/case-files", tag = "case files", responses((status = 200, body = Vec<CaseFile>)))]
pub(crate) async fn case_files(State(st): State<AppState>, c: ApiCaller) -> ApiResult<Json<Vec<CaseFile>>> {
    Ok(Json(st.services.case_files(&c.caller, None).await.map_err(fail!(c))?.into_iter().map(Into::into).collect()))
}

/// A case file with the documents the caller may see, in time order.
#[derive(Debug, Serialize, ToSchema)]
pub struct CaseFileDetail {
    pub file: CaseFile,
    pub documents: Vec<CaseFileDocument>,
}

/// A document in a case file.
#[derive(Debug, Serialize, ToSchema)]
pub struct CaseFileDocument {
    pub id: i64,
    pub subject: String,
    pub number_notation: Option<String>,
    pub direction: String,
}

/// One case file.
#[utoipa::path(get, path = "/api/v1/case-files/{id}", tag = "case files", params(("id" = i64, Path)), responses((status = 200, body = CaseFileDetail), (status = 404, body = ErrorBody)))]
pub(crate) async fn case_file(
    State(st): State<AppState>,
    c: ApiCaller,
    Ids(id): Ids<i64>,
) -> ApiResult<Json<CaseFileDetail>> {
    let d = st.services.case_file(&c.caller, id).await.map_err(fail!(c))?;
    Ok(Json(CaseFileDetail {
        file: d.file.into(),
        documents: d
            .documents
            .into_iter()
            .map(|e| CaseFileDocument {
                id: e.id,
                subject: e.subject,
                number_notation: e.number_notation,
                direction: e.direction,
            })
            .collect(),
    }))
}

/// A document to put in a case file.
#[derive(Debug, Deserialize, ToSchema)]
pub struct CaseFileAdd {
    pub document_id: i64,
}

/// Puts a document in an open case file (no copy is made).
#[utoipa::path(post, path = "/api/v1/case-files/{id}/documents", tag = "case files", params(("id" = i64, Path)), request_body = CaseFileAdd,
    responses((status = 204), (status = 409, body = ErrorBody), (status = 422, body = ErrorBody)))]
pub(crate) async fn add_to_case_file(
    State(st): State<AppState>,
    c: ApiCaller,
    Ids(id): Ids<i64>,
    Body(b): Body<CaseFileAdd>,
) -> ApiResult<Response> {
    st.services.add_to_case_file(&c.caller, id, b.document_id).await.map_err(fail!(c))?;
    Ok(no_content())
}

/// A case file's new state.
#[derive(Debug, Deserialize, ToSchema)]
pub struct CaseFileStatus {
    /// closed or archived.
    pub status: String,
}

/// Closes a case file, or hands a closed one to the archive.
#[utoipa::path(post, path = "/api/v1/case-files/{id}/status", tag = "case files", params(("id" = i64, Path)), request_body = CaseFileStatus,
    responses((status = 204), (status = 403, body = ErrorBody), (status = 409, body = ErrorBody)))]
pub(crate) async fn case_file_status(
    State(st): State<AppState>,
    c: ApiCaller,
    Ids(id): Ids<i64>,
    Body(b): Body<CaseFileStatus>,
) -> ApiResult<Response> {
    st.services.set_case_file_status(&c.caller, id, &b.status).await.map_err(fail!(c))?;
    Ok(no_content())
}

/// Someone the caller may give work to.
#[derive(Debug, Serialize, ToSchema)]
pub struct ReachableTarget {
    pub user_id: Option<i64>,
    pub unit_id: Option<i64>,
    pub label: String,
}

/// People and units inside the caller's own part of the organisation.
#[utoipa::path(get, path = "/api/v1/people/reachable", tag = "documents", responses((status = 200, body = Vec<ReachableTarget>)))]
pub(crate) async fn reachable(State(st): State<AppState>, c: ApiCaller) -> ApiResult<Json<Vec<ReachableTarget>>> {
    let list = st.services.reachable(&c.caller).await.map_err(fail!(c))?;
    Ok(Json(
        list.into_iter()
            .map(|r| match r.assignee {
                Assignee::Person(u) => ReachableTarget { user_id: Some(u), unit_id: None, label: r.label },
                Assignee::Unit(u) => ReachableTarget { user_id: None, unit_id: Some(u), label: r.label },
            })
            .collect(),
    ))
}

/// A saved search: a name and the query string of the search (`q=…&doc_type=…`).
#[derive(Debug, Serialize, Deserialize, ToSchema)]
pub struct SavedSearch {
    #[serde(default)]
    pub id: i64,
    pub name: String,
    /// Query string with the parameters of `/api/v1/search` (unknown ones are dropped).
    pub query: String,
}

/// The caller's saved searches.
#[utoipa::path(get, path = "/api/v1/saved-searches", tag = "documents", responses((status = 200, body = Vec<SavedSearch>)))]
pub(crate) async fn saved_searches(State(st): State<AppState>, c: ApiCaller) -> ApiResult<Json<Vec<SavedSearch>>> {
    let rows = st.services.saved_searches(&c.caller).await.map_err(fail!(c))?;
    Ok(Json(rows.into_iter().map(|r| SavedSearch { id: r.id, name: r.name, query: r.query }).collect()))
}

/// Saves a search under a name (unique per person).
#[utoipa::path(post, path = "/api/v1/saved-searches", tag = "documents", request_body = SavedSearch,
    responses((status = 201, body = SavedSearch), (status = 409, body = ErrorBody), (status = 422, body = ErrorBody)))]
pub(crate) async fn save_search(
    State(st): State<AppState>,
    c: ApiCaller,
    Body(b): Body<SavedSearch>,
) -> ApiResult<Response> {
    let r = st.services.save_search(&c.caller, &b.name, &b.query).await.map_err(fail!(c))?;
    Ok(created(SavedSearch { id: r.id, name: r.name, query: r.query }))
}

/// Deletes one of the caller's saved searches.
#[utoipa::path(delete, path = "/api/v1/saved-searches/{id}", tag = "documents", params(("id" = i64, Path)),
    responses((status = 204), (status = 404, body = ErrorBody)))]
pub(crate) async fn delete_saved_search(
    State(st): State<AppState>,
    c: ApiCaller,
    Ids(id): Ids<i64>,
) -> ApiResult<StatusCode> {
    st.services.delete_saved_search(&c.caller, id).await.map_err(fail!(c))?;
    Ok(StatusCode::NO_CONTENT)
}

/// Which outside addressee a package is for, and the seal PIN that signs it.
#[derive(Debug, Deserialize, ToSchema)]
pub struct PackageRequest {
    /// The addressee (an entry of the document's `recipients` with an identifier code).
    pub recipient_id: i64,
    pub seal_pin: String,
}

/// The edXML package of an issued document for one outside addressee, signed with the agency's seal key
/// (XML-DSig). For exchange by file while the hub connection is not in place.
#[utoipa::path(post, path = "/api/v1/documents/{id}/edxml", tag = "exchange", params(("id" = i64, Path)), request_body = PackageRequest,
    responses((status = 200, description = "the signed edXML package", content_type = "application/xml"), (status = 404, body = ErrorBody), (status = 409, body = ErrorBody), (status = 422, body = ErrorBody)))]
pub(crate) async fn export_package(
    State(st): State<AppState>,
    c: ApiCaller,
    Ids(id): Ids<i64>,
    Body(b): Body<PackageRequest>,
) -> ApiResult<Response> {
    let xml = st.services.outgoing_package(&c.caller, id, b.recipient_id, &b.seal_pin).await.map_err(fail!(c))?;
    Ok(([(header::CONTENT_TYPE, "application/xml; charset=utf-8")], xml).into_response())
}

/// Receives an edXML package (the XML as the request body) into the agency's "to register" queue, after its
/// checks: valid edXML, addressed to this agency, XML signature intact and trusted, not received before.
#[utoipa::path(post, path = "/api/v1/agencies/{id}/edxml", tag = "exchange", params(("id" = i64, Path)),
    request_body(content_type = "application/xml", description = "an edXML document package"),
    responses((status = 201, body = NewId), (status = 409, body = ErrorBody), (status = 422, body = ErrorBody)))]
pub(crate) async fn import_package(
    State(st): State<AppState>,
    c: ApiCaller,
    Ids(id): Ids<i64>,
    headers: axum::http::HeaderMap,
    body: axum::body::Body,
) -> ApiResult<Response> {
    let max = st.services.settings.max_package_bytes;
    let body = package_body(&headers, body, max).await.map_err(fail!(c))?;
    let new = st.services.receive_package(&c.caller, id, &body).await.map_err(fail!(c))?;
    Ok(created(NewId { id: new }))
}

/// Reads an edXML package body of at most `max` bytes: refused on its declared length before
/// reading, else as soon as the bytes read pass `max` — never buffered past the limit, whatever
/// the router's body limit.
async fn package_body(
    headers: &axum::http::HeaderMap,
    body: axum::body::Body,
    max: usize,
) -> Result<axum::body::Bytes, egov_service::AppError> {
    use http_body_util::BodyExt as _;
    let declared =
        headers.get(header::CONTENT_LENGTH).and_then(|v| v.to_str().ok()).and_then(|v| v.trim().parse::<u64>().ok());
    if let Some(n) = declared.filter(|n| *n > max as u64) {
        return Err(egov_service::exchange::package_too_large(usize::try_from(n).ok(), max));
    }
    match http_body_util::Limited::new(body, max).collect().await {
        Ok(collected) => Ok(collected.to_bytes()),
        Err(e) if e.downcast_ref::<http_body_util::LengthLimitError>().is_some() => {
            Err(egov_service::exchange::package_too_large(None, max))
        }
        Err(_) => Err(egov_service::AppError::invalid(
            "package",
            "unreadable",
            "Không đọc được nội dung gói tin.",
            "The package body cannot be read.",
        )),
    }
}

/// The node's answer to a pushed package.
#[derive(Debug, Serialize, ToSchema)]
pub struct PushAnswer {
    /// The package is taken: stored, or it was here already.
    pub taken: bool,
    /// `duplicate_package` when it was here already; none when stored now.
    pub refused: Option<String>,
}

/// Push delivery: the exchange hub POSTs here a package for this node's agency `code` (when the node is
/// registered at the hub with this URL as its endpoint). No login: the package is trusted by its own
/// XML signature (an unsigned one is refused), as a pulled one is, must be addressed to that agency, and
/// a second arrival is recognised. 200 once taken (the hub then acknowledges it). A package that is not
/// taken — bad, unsigned, misaddressed, too large, or for a code no agency here serves — gets one answer,
/// 422 with the field error `refused` (or `too_large`, decided by size alone), so that the answer does not
/// tell which codes hold exchange keys; the hub does not retry it. Other answers (5xx) make the hub retry.
#[utoipa::path(post, path = "/api/v1/exchange/push/{code}", tag = "exchange", params(("code" = String, Path)),
    request_body(content_type = "application/xml", description = "an edXML document or status package"),
    responses((status = 200, body = PushAnswer), (status = 422, body = ErrorBody)))]
pub(crate) async fn exchange_push(
    State(st): State<AppState>,
    axum::extract::Path(code): axum::extract::Path<String>,
    headers: axum::http::HeaderMap,
    body: axum::body::Body,
) -> ApiResult<Json<PushAnswer>> {
    let lang = crate::session::lang_of_headers(&headers);
    let max = st.services.settings.max_package_bytes;
    // Size first, before the code is looked at: the same answer for every code.
    let body = package_body(&headers, body, max).await.map_err(|err| ApiError { err, lang })?;
    let kind = headers.get("x-egov-package-kind").and_then(|v| v.to_str().ok());
    let refused = st.services.take_pushed(&code, kind, &body).await.map_err(|err| ApiError { err, lang })?;
    Ok(Json(PushAnswer { taken: true, refused: refused.map(str::to_string) }))
}

/// A package in an agency's exchange outbox.
#[derive(Debug, Serialize, ToSchema)]
pub struct OutboxEntry {
    pub id: i64,
    /// status or document.
    pub kind: String,
    /// Identifier code of the addressee.
    pub to_code: String,
    pub document_id: Option<i64>,
    /// For status packages: 01 … 16.
    pub status_code: Option<String>,
    /// pending or sent.
    pub state: String,
    pub created_at: i64,
}

/// The agency's exchange outbox: signed packages waiting to be sent (its clerks).
#[utoipa::path(get, path = "/api/v1/agencies/{id}/outbox", tag = "exchange", params(("id" = i64, Path)),
    responses((status = 200, body = Vec<OutboxEntry>), (status = 403, body = ErrorBody)))]
pub(crate) async fn outbox(
    State(st): State<AppState>,
    c: ApiCaller,
    Ids(id): Ids<i64>,
) -> ApiResult<Json<Vec<OutboxEntry>>> {
    let rows = st.services.outbox(&c.caller, id).await.map_err(fail!(c))?;
    Ok(Json(
        rows.into_iter()
            .map(|r| OutboxEntry {
                id: r.id,
                kind: r.kind,
                to_code: r.to_code,
                document_id: r.document_id,
                status_code: r.status_code,
                state: r.state,
                created_at: r.created_at,
            })
            .collect(),
    ))
}

/// One signed package of the outbox.
#[utoipa::path(get, path = "/api/v1/outbox/{id}", tag = "exchange", params(("id" = i64, Path)),
    responses((status = 200, description = "the signed edXML package", content_type = "application/xml"), (status = 404, body = ErrorBody)))]
pub(crate) async fn outbox_package(State(st): State<AppState>, c: ApiCaller, Ids(id): Ids<i64>) -> ApiResult<Response> {
    let xml = st.services.outbox_package(&c.caller, id).await.map_err(fail!(c))?;
    Ok(([(header::CONTENT_TYPE, "application/xml; charset=utf-8")], xml).into_response())
}
