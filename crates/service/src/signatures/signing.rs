//! Signing outgoing documents: the competent person signs the main file (personal signature, image between
//! title and name), then at issue the clerk's organisation signature goes on (seal over the left third of the
//! personal signature, the issue number and date where the template leaves room; attached files get the
//! organisation signature as text at the top right of page 1).
use egov_pades::{Appearance, KeySigner, Rect, SignRequest, TextStamp};
use egov_storage::documents::{self as db, DocumentFileRow, DocumentRow};
use egov_storage::handling as hdb;
use egov_storage::signatures as sdb;
use egov_storage::Conn;

use super::check::{self, FileCheck};
use super::save_check;
use crate::documents::{audit_doc, conflict, event, reindex, require};
use crate::{now_ms, AppError, AppResult, Caller, Scope, Services};

/// Where the personal signature image goes (points from the bottom left; page from 1, `None` = last page).
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct Placement {
    pub page: Option<u32>,
    pub x: f32,
    pub y: f32,
    pub width: f32,
    pub height: f32,
}

impl Default for Placement {
    /// Below the signature block's title at the right of an A4 page.
    fn default() -> Self {
        Placement { page: None, x: 340.0, y: 130.0, width: 170.0, height: 60.0 }
    }
}

/// A point on a page where the template leaves room for the issue number or date.
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct StampAt {
    pub page: u32,
    pub x: f32,
    pub y: f32,
}

/// What the clerk gives to apply the organisation signature at issue.
#[derive(Clone, Debug, Default)]
pub struct SealInput {
    /// The PIN of the agency's seal key.
    pub pin: String,
    /// Where the number goes (e.g. after "Số:"), if the template leaves room.
    pub number_at: Option<StampAt>,
    /// Where the date goes (day and month after "ngày … tháng …"), if the template leaves room.
    pub date_at: Option<StampAt>,
}

/// Size of a seal at true size: about 36 mm across.
const SEAL_POINTS: f32 = 102.0;

fn no_key(field: &'static str, vi: &str, en: &str) -> AppError {
    AppError::invalid(field, "no_signing_key", vi, en)
}

/// The PDFs of the latest version of a document's files, the main one first.
pub(crate) fn latest_pdfs(files: &[DocumentFileRow]) -> Vec<&DocumentFileRow> {
    let latest = files.iter().map(|f| f.version).max().unwrap_or(0);
    files.iter().filter(|f| f.version == latest && f.media_type == "application/pdf").collect()
}

/// Refuses to sign over a signature that is already broken, or over a document changed after an earlier
/// signature (the new signature would vouch for content the earlier signer did not sign).
fn refuse_broken(bytes: &[u8], field: &'static str) -> AppResult<()> {
    let reports = egov_pades::verify(bytes).map_err(sign_error)?;
    if reports.iter().any(|r| !r.intact()) {
        return Err(AppError::invalid(
            field,
            "invalid_signature",
            "Tệp đã có chữ ký số không hợp lệ; không thể ký tiếp.",
            "The file already carries an invalid signature; it cannot be signed again.",
        ));
    }
    if reports.iter().any(egov_pades::SignatureReport::modified_after_signing) {
        return Err(AppError::invalid(
            field,
            "modified_after_signing",
            "Tệp đã bị thay đổi nội dung sau khi ký; không thể ký tiếp.",
            "The file was modified after it was signed; it cannot be signed again.",
        ));
    }
    Ok(())
}

fn sign_error(e: egov_pades::PadesError) -> AppError {
    let code = match e {
        egov_pades::PadesError::Encrypted => "encrypted_pdf",
        egov_pades::PadesError::BrokenPdf(_) => "broken_pdf",
        egov_pades::PadesError::NoSuchPage(_) => "no_such_page",
        egov_pades::PadesError::BadImage(_) => "not_png",
        _ => "signing_failed",
    };
    AppError::invalid("file", code, &e.to_string(), "The file could not be signed.")
}

impl Services {
    fn read_stored(&self, sha256: &str) -> AppResult<Vec<u8>> {
        self.files.get(sha256).map_err(AppError::internal)
    }

    /// The competent person signs the main file of an approved outgoing document with their key and PIN.
    pub async fn sign_document(
        &self,
        caller: &Caller,
        id: i64,
        pin: &str,
        placement: Placement,
    ) -> AppResult<FileCheck> {
        require(caller, Scope::DocumentsWrite)?;
        let (d, main, key) = {
            let mut c = self.store.read().await?;
            let d = self.visible_document(&mut c, caller, id).await?;
            if d.direction != "outgoing" || d.status != "approved" || !d.signature_state.is_empty() {
                return Err(conflict(
                    "status",
                    "not_signable",
                    "Chỉ ký được văn bản đã duyệt và chưa ký.",
                    "Only an approved document that is not yet signed can be signed.",
                ));
            }
            let reviews = hdb::reviews_of(&mut c, d.id).await?;
            let last_approver = reviews
                .iter()
                .filter(|r| r.kind == "approve" && r.status == "approved")
                .max_by_key(|r| (r.round, r.step))
                .map(|r| r.reviewer_id);
            if last_approver != Some(caller.actor.user_id) {
                return Err(AppError::Forbidden);
            }
            let files = db::document_files(&mut c, d.id).await?;
            let main = latest_pdfs(&files).first().map(|f| (*f).clone()).ok_or_else(|| {
                AppError::invalid(
                    "file",
                    "no_pdf",
                    "Văn bản chưa có tệp PDF để ký.",
                    "The document has no PDF to sign.",
                )
            })?;
            let key = sdb::personal_key(&mut c, caller.actor.user_id).await?.ok_or_else(|| {
                no_key(
                    "pin",
                    "Bạn chưa có chứng thư số; vào Hồ sơ cá nhân để nhập tệp chứng thư (PKCS#12).",
                    "You have no signing certificate yet; import one on your profile page.",
                )
            })?;
            (d, main, key)
        };
        let signer = self.unlock(caller, &key, pin).await?;
        let bytes = self.read_stored(&main.sha256)?;
        let image = key.image_sha256.as_deref().map(|s| self.read_stored(s)).transpose()?;
        let name = caller.actor.username.clone();
        let tsa = self.tsa_url();
        let signed = tokio::task::spawn_blocking(move || -> AppResult<Vec<u8>> {
            refuse_broken(&bytes, "file")?;
            let rect = Rect {
                x1: placement.x,
                y1: placement.y,
                x2: placement.x + placement.width,
                y2: placement.y + placement.height,
            };
            let appearance = match image {
                Some(png) => Appearance::Image { page: placement.page, rect, png },
                None => Appearance::Invisible,
            };
            let request = SignRequest {
                field_name: None,
                signing_time: now_ms() / 1000,
                signer_name: Some(name),
                reason: Some("Ký ban hành".into()),
                location: None,
                appearance,
                stamps: Vec::new(),
                with_timestamp: false,
            };
            sign_pdf(&bytes, &signer, request, tsa.as_deref())
        })
        .await
        .map_err(AppError::internal)??;
        let now = now_ms();
        let check = self.store_signed(caller, &d, &main, signed, "signed", now).await?;
        Ok(check)
    }

    /// Stores a signed copy in place of a document file, records the step and keeps the signature check.
    async fn store_signed(
        &self,
        caller: &Caller,
        d: &DocumentRow,
        original: &DocumentFileRow,
        signed: Vec<u8>,
        state: &str,
        now: i64,
    ) -> AppResult<FileCheck> {
        let sha = egov_files::sha256_hex(&signed);
        let checks = self.check_signed_files(vec![(sha.clone(), signed.clone())], "file").await?;
        let check = checks
            .into_iter()
            .next()
            .map(|(_, c)| c)
            .ok_or_else(|| AppError::internal(anyhow::anyhow!("signed file has no signature")))?;
        let files = self.files.clone();
        let sha2 = sha.clone();
        let size = signed.len() as i64;
        tokio::task::spawn_blocking(move || files.put_with_sha(&sha2, &signed))
            .await
            .map_err(AppError::internal)?
            .map_err(AppError::internal)?;
        let mut tx = self.store.begin().await?;
        let fresh =
            db::get_document(&mut tx, d.id, &crate::documents::scope_of(caller)?).await?.ok_or(AppError::NotFound)?;
        if fresh.signature_state != d.signature_state || fresh.status != d.status {
            return Err(conflict(
                "status",
                "already_signed",
                "Văn bản vừa được ký bởi người khác.",
                "The document was just signed by someone else.",
            ));
        }
        self.replace_with_signed(&mut tx, caller, original, &sha, size, &check, now).await?;
        db::set_signature_state(&mut tx, d.id, state, now).await?;
        let signer = check.signatures.last().map(|s| s.signer.clone()).unwrap_or_default();
        event(&mut tx, caller, d.id, "signed", Some(&signer), Some(&original.file_name), None).await?;
        reindex(&mut tx, d.id).await?;
        let detail =
            serde_json::json!({ "file": original.file_name, "from": original.sha256, "to": sha, "state": state });
        audit_doc(&mut tx, caller, "document.sign", d.id, &detail).await?;
        crate::commit(tx).await?;
        Ok(check)
    }

    #[allow(clippy::too_many_arguments)]
    async fn replace_with_signed(
        &self,
        tx: &mut Conn,
        caller: &Caller,
        original: &DocumentFileRow,
        sha: &str,
        size: i64,
        check: &FileCheck,
        now: i64,
    ) -> AppResult<()> {
        let file_id = db::insert_signed_copy(tx, original.file_id, sha, size, caller.actor.user_id, now).await?;
        db::replace_document_file(tx, original.id, file_id).await?;
        save_check(tx, sha, check).await
    }

    /// Prepares the organisation signature of an issue: the seal key opened with its PIN and the files to seal.
    /// `None` when the agency signs on paper (no seal key) or the document has no PDF.
    pub(crate) async fn prepare_seal(
        &self,
        caller: &Caller,
        d: &DocumentRow,
        seal: Option<&SealInput>,
    ) -> AppResult<Option<PreparedSeal>> {
        let (key, files) = {
            let mut c = self.store.read().await?;
            let key = sdb::seal_key(&mut c, d.agency_id).await?;
            let files = db::document_files(&mut c, d.id).await?;
            (key, files)
        };
        let pdfs: Vec<DocumentFileRow> = latest_pdfs(&files).into_iter().cloned().collect();
        let Some(key) = key else { return Ok(None) };
        if pdfs.is_empty() {
            return Ok(None);
        }
        if d.signature_state != "signed" {
            return Err(conflict(
                "status",
                "not_signed",
                "Văn bản chưa được người có thẩm quyền ký số; chưa thể đóng dấu và phát hành.",
                "The competent person has not signed the document yet.",
            ));
        }
        let Some(seal) = seal.filter(|s| !s.pin.is_empty()) else {
            return Err(AppError::invalid(
                "seal_pin",
                "required",
                "Nhập mã PIN con dấu của cơ quan.",
                "Enter the PIN of the agency's seal.",
            ));
        };
        let signer = self.unlock(caller, &key, &seal.pin).await?;
        let image = key.image_sha256.as_deref().map(|s| self.read_stored(s)).transpose()?;
        let mut contents = Vec::with_capacity(pdfs.len());
        for f in &pdfs {
            contents.push(self.read_stored(&f.sha256)?);
        }
        Ok(Some(PreparedSeal {
            signer,
            image,
            files: pdfs,
            contents,
            number_at: seal.number_at,
            date_at: seal.date_at,
        }))
    }

    /// Applies a prepared organisation signature with the number just taken, inside the transaction.
    pub(crate) async fn apply_seal(
        &self,
        tx: &mut Conn,
        caller: &Caller,
        d: &DocumentRow,
        prepared: PreparedSeal,
        number_notation: &str,
        now: i64,
    ) -> AppResult<()> {
        let notation = number_notation.to_string();
        let tsa = self.tsa_url();
        let (trust, crls, files) = (self.trust(), self.cached_crls(tx).await?, self.files.clone());
        // Sign, check and store every file off the async threads; the rows change below in the transaction.
        let sealed =
            tokio::task::spawn_blocking(move || -> AppResult<Vec<(DocumentFileRow, String, i64, FileCheck)>> {
                let mut out = Vec::new();
                for (original, bytes) in prepared.sign_all(&notation, tsa.as_deref())? {
                    let check = check::check_pdf(&bytes, &trust, &crls, now / 1000)
                        .map_err(|e| AppError::internal(anyhow::anyhow!(e)))?;
                    let sha = egov_files::sha256_hex(&bytes);
                    files.put_with_sha(&sha, &bytes).map_err(AppError::internal)?;
                    out.push((original, sha, bytes.len() as i64, check));
                }
                Ok(out)
            })
            .await
            .map_err(AppError::internal)??;
        for (original, sha, size, check) in sealed {
            self.replace_with_signed(tx, caller, &original, &sha, size, &check, now).await?;
        }
        db::set_signature_state(tx, d.id, "sealed", now).await?;
        event(tx, caller, d.id, "sealed", None, Some(number_notation), None).await?;
        Ok(())
    }
}

/// The organisation signature ready to go on, once the number is known.
pub(crate) struct PreparedSeal {
    signer: KeySigner,
    image: Option<Vec<u8>>,
    files: Vec<DocumentFileRow>,
    contents: Vec<Vec<u8>>,
    number_at: Option<StampAt>,
    date_at: Option<StampAt>,
}

impl std::fmt::Debug for PreparedSeal {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("PreparedSeal").field("files", &self.files.len()).finish_non_exhaustive()
    }
}

impl PreparedSeal {
    fn sign_all(self, number_notation: &str, tsa: Option<&str>) -> AppResult<Vec<(DocumentFileRow, Vec<u8>)>> {
        let now = now_ms() / 1000;
        let today = crate::documents::today();
        let mut out = Vec::with_capacity(self.files.len());
        for (i, (file, bytes)) in self.files.into_iter().zip(self.contents).enumerate() {
            refuse_broken(&bytes, "file")?;
            let mut request = SignRequest {
                field_name: None,
                signing_time: now,
                signer_name: None,
                reason: Some("Đóng dấu phát hành".into()),
                location: None,
                appearance: Appearance::Invisible,
                stamps: Vec::new(),
                with_timestamp: false,
            };
            if i == 0 {
                // Over the left third of the last personal signature, at true size.
                let personal = egov_pades::signature_fields(&bytes)
                    .map_err(sign_error)?
                    .into_iter()
                    .rev()
                    .find_map(|f| f.rect.map(|r| (f.page, r)));
                if let (Some(png), Some((page, r))) = (&self.image, personal) {
                    let right = r.x1 + r.width() / 3.0;
                    let centre_y = (r.y1 + r.y2) / 2.0;
                    let rect = Rect {
                        x1: right - SEAL_POINTS,
                        y1: centre_y - SEAL_POINTS / 2.0,
                        x2: right,
                        y2: centre_y + SEAL_POINTS / 2.0,
                    };
                    request.appearance = Appearance::Image { page, rect, png: png.clone() };
                }
                let number = number_notation.split('/').next().unwrap_or(number_notation).to_string();
                if let Some(at) = self.number_at {
                    request.stamps.push(TextStamp { page: at.page, x: at.x, y: at.y, text: number, font_size: 13.0 });
                }
                if let Some(at) = self.date_at {
                    let text = format!("{:02}     {:02}", today.day(), today.month());
                    request.stamps.push(TextStamp { page: at.page, x: at.x, y: at.y, text, font_size: 13.0 });
                }
            } else {
                // A separately attached file: the organisation signature as text at the top right of page 1.
                let (w, h) = egov_pades::page_size(&bytes, 1).unwrap_or((595.0, 842.0));
                request.appearance = Appearance::Text {
                    page: Some(1),
                    rect: Rect { x1: w - 215.0, y1: h - 46.0, x2: w - 15.0, y2: h - 12.0 },
                    lines: vec![number_notation.to_string(), egov_pades::iso_time(now)],
                    font_size: 10.0,
                };
            }
            let signed = sign_pdf(&bytes, &self.signer, request, tsa)?;
            out.push((file, signed));
        }
        Ok(out)
    }
}

/// Signs `pdf`; with a time-stamp authority, the signature gets its RFC 3161 token (PAdES B-T). Runs on a
/// blocking thread (the token is fetched through the runtime's handle).
fn sign_pdf(pdf: &[u8], signer: &KeySigner, mut request: SignRequest, tsa: Option<&str>) -> AppResult<Vec<u8>> {
    use egov_pades::Signer as _;
    let Some(url) = tsa else {
        return egov_pades::sign(pdf, signer, &request).map_err(sign_error);
    };
    request.with_timestamp = true;
    let prepared = egov_pades::prepare(pdf, signer.certificate_chain(), &request).map_err(sign_error)?;
    let signature = signer
        .sign_digest(prepared.digest_to_sign())
        .map_err(|e| sign_error(egov_pades::PadesError::SignerFailed(e.to_string())))?;
    let imprint = ring_sha256(&signature);
    let handle = tokio::runtime::Handle::current();
    let token = handle.block_on(fetch_time_stamp(url, &imprint))?;
    egov_pades::finish(prepared, signer.algorithm(), &signature, Some(&token)).map_err(sign_error)
}

fn ring_sha256(bytes: &[u8]) -> [u8; 32] {
    use sha2::Digest as _;
    sha2::Sha256::digest(bytes).into()
}

/// Asks the time-stamp authority at `url` for a token over `imprint` (RFC 3161 over HTTP).
async fn fetch_time_stamp(url: &str, imprint: &[u8; 32]) -> AppResult<Vec<u8>> {
    let unavailable = |detail: String| {
        tracing::warn!(%url, %detail, "time-stamp authority failed");
        AppError::invalid(
            "timestamp",
            "tsa_unavailable",
            "Không lấy được dấu thời gian từ đơn vị cấp dấu thời gian; vui lòng thử lại.",
            "The time-stamp authority did not answer; try again.",
        )
    };
    let nonce = u64::try_from(now_ms()).unwrap_or_default();
    let request = egov_pades::timestamp::request(imprint, nonce).map_err(|e| unavailable(e.to_string()))?;
    let client = reqwest::Client::builder()
        .timeout(std::time::Duration::from_secs(10))
        .build()
        .map_err(|e| unavailable(e.to_string()))?;
    let response = client
        .post(url)
        .header("content-type", "application/timestamp-query")
        .body(request)
        .send()
        .await
        .and_then(|r| r.error_for_status())
        .map_err(|e| unavailable(e.to_string()))?;
    let body = response.bytes().await.map_err(|e| unavailable(e.to_string()))?;
    egov_pades::timestamp::token_from_response(&body).map_err(|e| unavailable(e.to_string()))
}
