//! Digital signatures in the API: importing signing keys, signing a document, checking the signatures of a PDF.
use axum::extract::State;
use axum::Json;
use egov_service::signatures::signing::{Placement, StampAt};
use egov_service::signatures::{FileCheck, KeyImport, KeyOwner, KeyStatus, SignatureCheck};
use egov_service::AppError;
use serde::{Deserialize, Serialize};
use utoipa::ToSchema;

use super::documents::{Form, MultipartForm};
use super::handlers::{Body, Ids};
use crate::error::{ApiError, ErrorBody};
use crate::session::ApiCaller;
use crate::AppState;

type ApiResult<T> = Result<T, ApiError>;

macro_rules! fail {
    ($c:expr) => {
        |err| ApiError { err, lang: $c.lang }
    };
}

/// A point on a page (page from 1; points from the bottom left).
#[derive(Debug, Clone, Copy, Deserialize, Serialize, ToSchema)]
pub struct PagePoint {
    pub page: u32,
    pub x: f32,
    pub y: f32,
}

impl From<PagePoint> for StampAt {
    fn from(p: PagePoint) -> Self {
        StampAt { page: p.page, x: p.x, y: p.y }
    }
}

/// One signature of a file as checked.
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct SignatureCheckBody {
    pub field: String,
    pub signer: String,
    pub organization: Option<String>,
    pub issuer: String,
    pub serial: String,
    /// Claimed signing time (Unix seconds).
    pub signing_time: Option<i64>,
    /// Time vouched for by a time-stamp authority (Unix seconds).
    pub timestamp_time: Option<i64>,
    /// The signed revision is as signed and the signature is mathematically right (later revisions aside: see
    /// `modified_after_signing`).
    pub intact: bool,
    /// The certificate leads to a trusted root and was valid at the signing time.
    pub trusted: bool,
    pub chain_problem: Option<String>,
    /// good, revoked or unknown.
    pub revocation: String,
    pub revoked_at: Option<i64>,
    /// Age of the revocation list used (seconds).
    pub crl_age_secs: Option<i64>,
    /// none, allowed or disallowed: what was added after this signature.
    pub modification: String,
    /// A later revision changed what may not change after signing (page content, …): the signature stands for
    /// the revision it signed, but the document is no longer that revision.
    pub modified_after_signing: bool,
    /// The disallowed changes (Vietnamese), when `modified_after_signing`.
    pub changes: Vec<String>,
    pub notes: Vec<String>,
    pub problems: Vec<String>,
    /// valid, invalid or untrusted.
    pub verdict: String,
}

/// The signatures of a file and the worst verdict among them (valid, invalid, untrusted, none), and, as a verdict
/// of its own, whether the document was modified after a signature.
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct FileCheckBody {
    pub verdict: String,
    /// A signature is intact but a later revision changed the document in a way signatures do not allow: what is
    /// shown is not what was signed.
    pub modified_after_signing: bool,
    pub signatures: Vec<SignatureCheckBody>,
    /// When the check ran (Unix seconds).
    pub checked_at: i64,
}

impl From<SignatureCheck> for SignatureCheckBody {
    fn from(s: SignatureCheck) -> Self {
        SignatureCheckBody {
            field: s.field,
            signer: s.signer,
            organization: s.organization,
            issuer: s.issuer,
            serial: s.serial,
            signing_time: s.signing_time,
            timestamp_time: s.timestamp_time,
            intact: s.intact,
            trusted: s.trusted,
            chain_problem: s.chain_problem,
            revocation: s.revocation,
            revoked_at: s.revoked_at,
            crl_age_secs: s.crl_age_secs,
            modification: s.modification,
            modified_after_signing: s.modified_after_signing,
            changes: s.changes,
            notes: s.notes,
            problems: s.problems,
            verdict: s.verdict,
        }
    }
}

impl From<FileCheck> for FileCheckBody {
    fn from(f: FileCheck) -> Self {
        FileCheckBody {
            verdict: f.verdict,
            modified_after_signing: f.modified_after_signing,
            signatures: f.signatures.into_iter().map(Into::into).collect(),
            checked_at: f.checked_at,
        }
    }
}

/// A signing key as its holder sees it.
#[derive(Debug, Serialize, ToSchema)]
pub struct SigningKey {
    pub id: i64,
    /// personal or seal.
    pub purpose: String,
    pub subject: String,
    pub issuer: String,
    pub serial: String,
    pub not_before: i64,
    pub not_after: i64,
    pub has_image: bool,
    /// Locked after repeated wrong PINs until this time (ms since the epoch).
    pub locked_until: Option<i64>,
}

impl From<KeyStatus> for SigningKey {
    fn from(k: KeyStatus) -> Self {
        SigningKey {
            id: k.id,
            purpose: k.purpose,
            subject: k.subject,
            issuer: k.issuer,
            serial: k.serial,
            not_before: k.not_before,
            not_after: k.not_after,
            has_image: k.has_image,
            locked_until: k.locked_until,
        }
    }
}

/// The parts of a key import: a `.p12`/`.pfx` file, its `password`, the new `pin` (6–64 characters) and an
/// optional `.png` signature or seal image.
pub(crate) fn key_import(f: &MultipartForm) -> Result<KeyImport, AppError> {
    f.check_files().map_err(AppError::field)?;
    let is = |name: &str, exts: &[&str]| exts.iter().any(|e| name.to_lowercase().ends_with(e));
    let pkcs12 = f.files.iter().find(|u| is(&u.name, &[".p12", ".pfx"])).ok_or_else(|| {
        AppError::invalid(
            "pkcs12",
            "required",
            "Chọn tệp chứng thư số (.p12 hoặc .pfx).",
            "Choose the certificate file (.p12 or .pfx).",
        )
    })?;
    let image = f.files.iter().find(|u| !is(&u.name, &[".p12", ".pfx"])).cloned();
    let one = egov_domain::text::TextKind::SingleLine;
    let text = |name| f.text(name, one).map_err(AppError::field);
    let (password, pin, pin_again) = (text("password")?, text("pin")?, text("pin_again")?);
    if pin != pin_again && !pin_again.is_empty() {
        return Err(AppError::invalid(
            "pin_again",
            "mismatch",
            "Hai lần nhập mã PIN không khớp.",
            "The two PINs differ.",
        ));
    }
    Ok(KeyImport { pkcs12: pkcs12.bytes.clone(), password: password.to_string(), pin: pin.to_string(), image })
}

/// Imports the caller's own signing key (PKCS#12); the key is kept sealed under the PIN.
#[utoipa::path(post, path = "/api/v1/me/signing-key", tag = "signatures",
    request_body(content_type = "multipart/form-data", description = "pkcs12 file, password, pin, optional PNG image"),
    responses((status = 201, body = SigningKey), (status = 422, body = ErrorBody)))]
pub(crate) async fn import_my_key(
    State(st): State<AppState>,
    c: ApiCaller,
    Form(f): Form,
) -> ApiResult<axum::response::Response> {
    let import = key_import(&f).map_err(fail!(c))?;
    let owner = KeyOwner::Person(c.caller.actor.user_id);
    let k = st.services.import_key(&c.caller, owner, import).await.map_err(fail!(c))?;
    Ok(super::documents::created_json(SigningKey::from(k)))
}

/// The caller's active signing key.
#[utoipa::path(get, path = "/api/v1/me/signing-key", tag = "signatures",
    responses((status = 200, body = SigningKey), (status = 404, body = ErrorBody)))]
pub(crate) async fn my_key(State(st): State<AppState>, c: ApiCaller) -> ApiResult<Json<SigningKey>> {
    let k = st.services.my_signing_key(&c.caller).await.map_err(fail!(c))?;
    Ok(Json(k.ok_or(AppError::NotFound).map_err(fail!(c))?.into()))
}

/// Imports an agency's seal key (its clerks or an administrator).
#[utoipa::path(post, path = "/api/v1/agencies/{id}/seal-key", tag = "signatures", params(("id" = i64, Path)),
    request_body(content_type = "multipart/form-data", description = "pkcs12 file, password, pin, optional PNG seal image"),
    responses((status = 201, body = SigningKey), (status = 403, body = ErrorBody), (status = 422, body = ErrorBody)))]
pub(crate) async fn import_seal_key(
    State(st): State<AppState>,
    c: ApiCaller,
    Ids(id): Ids<i64>,
    Form(f): Form,
) -> ApiResult<axum::response::Response> {
    let import = key_import(&f).map_err(fail!(c))?;
    let k = st.services.import_key(&c.caller, KeyOwner::Agency(id), import).await.map_err(fail!(c))?;
    Ok(super::documents::created_json(SigningKey::from(k)))
}

/// The PIN and where the signature image goes.
#[derive(Debug, Deserialize, ToSchema)]
pub struct SignBody {
    pub pin: String,
    /// Page from 1; the last page when absent.
    pub page: Option<u32>,
    pub x: Option<f32>,
    pub y: Option<f32>,
    pub width: Option<f32>,
    pub height: Option<f32>,
}

/// The competent person signs the approved document's main PDF (personal signature).
#[utoipa::path(post, path = "/api/v1/documents/{id}/sign", tag = "signatures", params(("id" = i64, Path)),
    request_body = SignBody,
    responses((status = 200, body = FileCheckBody), (status = 409, body = ErrorBody), (status = 422, body = ErrorBody), (status = 429, body = ErrorBody)))]
pub(crate) async fn sign_document(
    State(st): State<AppState>,
    c: ApiCaller,
    Ids(id): Ids<i64>,
    Body(b): Body<SignBody>,
) -> ApiResult<Json<FileCheckBody>> {
    let d = Placement::default();
    let placement = Placement {
        page: b.page,
        x: b.x.unwrap_or(d.x),
        y: b.y.unwrap_or(d.y),
        width: b.width.unwrap_or(d.width),
        height: b.height.unwrap_or(d.height),
    };
    let check = st.services.sign_document(&c.caller, id, &b.pin, placement).await.map_err(fail!(c))?;
    Ok(Json(check.into()))
}

/// Checks the signatures of an uploaded PDF (not kept).
#[utoipa::path(post, path = "/api/v1/signatures/check", tag = "signatures",
    request_body(content_type = "multipart/form-data", description = "one PDF file"),
    responses((status = 200, body = FileCheckBody),
        (status = 422, body = ErrorBody, description = "not a PDF, or an encrypted (`encrypted_pdf`), cut short or broken (`broken_pdf`) one")))]
pub(crate) async fn check_pdf(
    State(st): State<AppState>,
    c: ApiCaller,
    Form(f): Form,
) -> ApiResult<Json<FileCheckBody>> {
    let upload =
        f.files.into_iter().next().ok_or_else(|| {
            AppError::invalid("file", "required", "Chọn tệp PDF cần kiểm tra.", "Choose the PDF to check.")
        });
    let check = st.services.check_upload(&c.caller, upload.map_err(fail!(c))?).await.map_err(fail!(c))?;
    Ok(Json(check.into()))
}

/// Checks a document file's signatures again (new revocation lists, trusted roots) and keeps the result.
#[utoipa::path(post, path = "/api/v1/files/{id}/signatures", tag = "signatures", params(("id" = i64, Path)),
    responses((status = 200, body = FileCheckBody), (status = 404, body = ErrorBody),
        (status = 422, body = ErrorBody, description = "the stored file can no longer be read (`broken_pdf`)")))]
pub(crate) async fn recheck_file(
    State(st): State<AppState>,
    c: ApiCaller,
    Ids(id): Ids<i64>,
) -> ApiResult<Json<FileCheckBody>> {
    let check = st.services.recheck_file(&c.caller, id).await.map_err(fail!(c))?;
    Ok(Json(check.into()))
}
