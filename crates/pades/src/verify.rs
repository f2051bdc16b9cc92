//! Checking every signature in a PDF: byte range, digest, CMS signature, signer, time, time-stamp, later changes.
use crate::appearance::Rect;
use crate::cms::{self, find_attribute, ParsedSignedData};
use crate::object::{decode_text, parse_pdf_date};
use crate::PadesError;
use der::asn1::OctetString;
use der::{Decode, Encode};
use lopdf::{Dictionary, Document, Object, ObjectId};
use std::collections::BTreeMap;

/// A signature field of a PDF and where its widget is.
#[derive(Debug, Clone)]
pub struct FieldInfo {
    /// The field's name (`/T`).
    pub name: String,
    /// Page number from 1, when known.
    pub page: Option<u32>,
    /// The widget rectangle, when visible.
    pub rect: Option<Rect>,
    /// Whether the field holds a signature.
    pub signed: bool,
}

/// What was added to the file after a signature.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Modification {
    /// Nothing: the signature covers the whole file.
    None,
    /// Only what the rules allow after signing: more signatures, form filling of signature fields, annotations.
    Allowed(Vec<String>),
    /// The content was changed after signing.
    Disallowed(Vec<String>),
}

/// The RFC 3161 time-stamp on a signature (PAdES B-T).
#[derive(Debug, Clone)]
pub struct TimestampReport {
    /// The time the authority vouches for (Unix seconds).
    pub time: i64,
    /// The token is over this signature's value.
    pub imprint_matches: bool,
    /// The authority's signature on the token is valid.
    pub signature_valid: bool,
    /// The authority's certificate (DER), when the token carries it.
    pub tsa_certificate: Option<Vec<u8>>,
    /// Other certificates in the token.
    pub certificates: Vec<Vec<u8>>,
}

/// Everything this crate can tell about one signature; trust in the certificate is checked by the caller.
#[derive(Debug, Clone)]
pub struct SignatureReport {
    /// Field name.
    pub field_name: String,
    /// `/SubFilter` (`ETSI.CAdES.detached`, `adbe.pkcs7.detached`, …).
    pub sub_filter: String,
    /// The `/ByteRange` as written.
    pub byte_range: Vec<i64>,
    /// A document time-stamp (`ETSI.RFC3161`, PAdES B-LTA) rather than a signature: the "signer" is the
    /// time-stamp authority, the token's imprint is the digest, and the time is in
    /// [`timestamp`](Self::timestamp).
    pub document_timestamp: bool,
    /// The byte range starts at 0 and leaves out exactly this signature's `/Contents` string.
    pub covers_revision: bool,
    /// The end of the signed revision (bytes).
    pub revision_end: usize,
    /// The digest in the CMS matches the bytes of the range.
    pub digest_matches: bool,
    /// The signature over the signed attributes verifies with the signer's certificate.
    pub signature_valid: bool,
    /// The signer's certificate (DER).
    pub signer_certificate: Option<Vec<u8>>,
    /// Every certificate in the CMS (DER).
    pub certificates: Vec<Vec<u8>>,
    /// The signing time the signer claims (signing-time attribute, else `/M`), Unix seconds.
    pub signing_time: Option<i64>,
    /// The time-stamp, if any.
    pub timestamp: Option<TimestampReport>,
    /// What was added after this signature. A disallowed change leaves the signature intact (its bytes are as
    /// signed) but the document is no longer what was signed: see [`SignatureReport::modified_after_signing`].
    pub modification: Modification,
    /// `/Name`.
    pub signer_name: Option<String>,
    /// `/Reason`.
    pub reason: Option<String>,
    /// `/Location`.
    pub location: Option<String>,
    /// What is wrong with the signature, in Vietnamese (changes made after signing are in `modification`).
    pub problems: Vec<String>,
}

impl SignatureReport {
    /// The signed revision is as it was signed and the signature is mathematically valid: the byte range leaves
    /// out exactly the signature, the digest matches and the signature verifies. Later revisions do not count
    /// here (as in pdfsig and Acrobat): see [`SignatureReport::modified_after_signing`].
    pub fn intact(&self) -> bool {
        self.covers_revision && self.digest_matches && self.signature_valid
    }

    /// A later revision changed what the rules do not allow after signing (page content, …): the signature
    /// still stands for the revision it signed, but the document shown is no longer that revision.
    pub fn modified_after_signing(&self) -> bool {
        matches!(self.modification, Modification::Disallowed(_))
    }
}

/// The signature fields of a PDF, in file order.
pub fn signature_fields(pdf: &[u8]) -> Result<Vec<FieldInfo>, PadesError> {
    let doc = Document::load_mem(pdf)?;
    let page_numbers: BTreeMap<ObjectId, u32> = doc.get_pages().into_iter().map(|(n, id)| (id, n)).collect();
    Ok(signature_field_dicts(&doc)
        .into_iter()
        .map(|(_, field)| FieldInfo {
            name: field_name(field),
            page: field.get(b"P").and_then(Object::as_reference).ok().and_then(|p| page_numbers.get(&p).copied()),
            rect: field.get(b"Rect").ok().and_then(Rect::from_object).filter(|r| r.width() > 0.0),
            signed: field.has(b"V"),
        })
        .collect())
}

pub(crate) fn signature_field_count(doc: &Document) -> usize {
    signature_field_dicts(doc).len()
}

fn signature_field_dicts(doc: &Document) -> Vec<(ObjectId, &Dictionary)> {
    doc.objects
        .iter()
        .filter_map(|(id, o)| o.as_dict().ok().map(|d| (*id, d)))
        .filter(|(_, d)| d.get(b"FT").and_then(Object::as_name).ok() == Some(b"Sig"))
        .collect()
}

fn field_name(field: &Dictionary) -> String {
    field.get(b"T").and_then(Object::as_str).map(decode_text).unwrap_or_default()
}

fn text_entry(dict: &Dictionary, key: &[u8]) -> Option<String> {
    dict.get(key).and_then(Object::as_str).ok().map(decode_text)
}

/// Checks every signature of `pdf`, oldest first. Fails when the file is not a readable PDF
/// ([`PadesError::BrokenPdf`]) or is encrypted ([`PadesError::Encrypted`]: its strings, the signatures'
/// included, cannot be read as written).
pub fn verify(pdf: &[u8]) -> Result<Vec<SignatureReport>, PadesError> {
    let doc = Document::load_mem(pdf)?;
    if doc.trailer.has(b"Encrypt") || doc.encryption_state.is_some() {
        return Err(PadesError::Encrypted);
    }
    let mut reports = Vec::new();
    for (field_id, field) in signature_field_dicts(&doc) {
        let Ok(value) = field.get(b"V") else { continue };
        // The object that holds the signature dictionary: its own, or the field's when it is written inline.
        let holder = value.as_reference().unwrap_or(field_id);
        let Ok((_, Object::Dictionary(sig))) = doc.dereference(value) else { continue };
        reports.push(check_signature(pdf, &doc, field, sig, holder));
    }
    reports.sort_by_key(|r| r.revision_end);
    Ok(reports)
}

fn check_signature(
    pdf: &[u8],
    doc: &Document,
    field: &Dictionary,
    sig: &Dictionary,
    holder: ObjectId,
) -> SignatureReport {
    let mut report = SignatureReport {
        field_name: field_name(field),
        sub_filter: sig
            .get(b"SubFilter")
            .and_then(Object::as_name)
            .map(|n| String::from_utf8_lossy(n).into_owned())
            .unwrap_or_default(),
        byte_range: sig
            .get(b"ByteRange")
            .and_then(Object::as_array)
            .map(|a| a.iter().filter_map(|o| o.as_i64().ok()).collect())
            .unwrap_or_default(),
        covers_revision: false,
        revision_end: 0,
        digest_matches: false,
        signature_valid: false,
        signer_certificate: None,
        certificates: Vec::new(),
        signing_time: text_entry(sig, b"M").and_then(|m| parse_pdf_date(&m)),
        timestamp: None,
        document_timestamp: false,
        modification: Modification::None,
        signer_name: text_entry(sig, b"Name"),
        reason: text_entry(sig, b"Reason"),
        location: text_entry(sig, b"Location"),
        problems: Vec::new(),
    };
    let written = format_byte_range(&report.byte_range);
    let Some(ranges) = byte_ranges(&report.byte_range, pdf.len()) else {
        report.problems.push(format!(
            "ByteRange {written} không hợp lệ: cần bốn số không âm, tăng dần, trong phạm vi tệp ({} byte).",
            pdf.len()
        ));
        return report;
    };
    report.revision_end = ranges[1].1;
    let contents = sig.get(b"Contents").and_then(Object::as_str).unwrap_or_default();
    match gap_problem(pdf, doc, holder, &ranges, contents) {
        None => report.covers_revision = true,
        Some(why) => report.problems.push(format!(
            "ByteRange {written} không loại ra đúng giá trị /Contents của chữ ký ({why}): phần được ký không phải \
             là tệp trừ chữ ký."
        )),
    }
    if report.sub_filter == "ETSI.RFC3161" {
        report.document_timestamp = true;
        check_document_timestamp(pdf, &ranges, contents, &mut report);
    } else {
        match cms::parse_signed_data(contents) {
            Ok(parsed) => check_cms(pdf, &ranges, &parsed, &mut report),
            Err(problem) => report.problems.push(problem),
        }
    }
    report.modification = modification_after(pdf, doc, report.revision_end);
    report
}

/// `[a b c d]` as written in the file.
fn format_byte_range(byte_range: &[i64]) -> String {
    let numbers: Vec<String> = byte_range.iter().map(i64::to_string).collect();
    format!("[{}]", numbers.join(" "))
}

/// Why the gap between the two byte ranges is not exactly this signature's `/Contents` string, if it is not: the
/// first range starts the file; the gap is one hexadecimal string, right after the `/Contents` key, inside the
/// object that holds this signature dictionary; and its value is the CMS that is checked.
fn gap_problem(
    pdf: &[u8],
    doc: &Document,
    holder: ObjectId,
    ranges: &[(usize, usize); 2],
    contents: &[u8],
) -> Option<String> {
    if ranges[0].0 != 0 {
        return Some("vùng ký đầu tiên không bắt đầu từ đầu tệp".into());
    }
    let (start, end) = (ranges[0].1, ranges[1].0);
    let gap = &pdf[start..end];
    let hex_string = gap.len() >= 2
        && gap[0] == b'<'
        && gap[gap.len() - 1] == b'>'
        && gap[1..gap.len() - 1].iter().all(|b| b.is_ascii_hexdigit() || is_pdf_whitespace(*b));
    if !hex_string {
        return Some(format!("phần bị loại ra, byte {start}–{end}, không phải một chuỗi thập lục phân"));
    }
    if hex_value(&gap[1..gap.len() - 1]) != contents {
        return Some(format!("phần bị loại ra, byte {start}–{end}, không phải giá trị /Contents"));
    }
    let before = &pdf[..start];
    let key_end = before.iter().rposition(|b| !is_pdf_whitespace(*b)).map_or(0, |i| i + 1);
    if !before[..key_end].ends_with(b"/Contents") {
        return Some(format!("phần bị loại ra, byte {start}–{end}, không đứng sau khóa /Contents"));
    }
    match doc.reference_table.get(holder.0) {
        Some(lopdf::xref::XrefEntry::Normal { offset, .. }) => {
            let offset = usize::try_from(*offset).unwrap_or(usize::MAX);
            let inside = offset < start && !pdf[offset..start].windows(6).any(|w| w == b"endobj");
            (!inside)
                .then(|| format!("phần bị loại ra, byte {start}–{end}, nằm ngoài đối tượng {} của chữ ký", holder.0))
        }
        Some(lopdf::xref::XrefEntry::Compressed { .. }) => {
            Some(format!("chữ ký (đối tượng {}) nằm trong luồng đối tượng nén", holder.0))
        }
        _ => None,
    }
}

/// PDF white-space characters (PDF 32000-1, 7.2.2).
fn is_pdf_whitespace(b: u8) -> bool {
    matches!(b, b'\0' | b'\t' | b'\n' | b'\x0c' | b'\r' | b' ')
}

/// The bytes of a hexadecimal string's digits (white space skipped, a missing last digit taken as 0).
fn hex_value(digits: &[u8]) -> Vec<u8> {
    let nibbles: Vec<u8> = digits.iter().filter_map(|b| char::from(*b).to_digit(16)).map(|d| d as u8).collect();
    nibbles.chunks(2).map(|pair| pair[0] << 4 | pair.get(1).copied().unwrap_or(0)).collect()
}

fn byte_ranges(byte_range: &[i64], len: usize) -> Option<[(usize, usize); 2]> {
    let [a, b, c, d] = <[i64; 4]>::try_from(byte_range).ok()?;
    let (a, b, c, d) =
        (usize::try_from(a).ok()?, usize::try_from(b).ok()?, usize::try_from(c).ok()?, usize::try_from(d).ok()?);
    let first_end = a.checked_add(b)?;
    let second_end = c.checked_add(d)?;
    (first_end <= c && second_end <= len).then_some([(a, first_end), (c, second_end)])
}

/// A document time-stamp: the token's imprint is the digest of the byte range, and the authority signed it.
fn check_document_timestamp(pdf: &[u8], ranges: &[(usize, usize); 2], contents: &[u8], report: &mut SignatureReport) {
    let read = match crate::timestamp::read_token(contents) {
        Ok(read) => read,
        Err(problem) => {
            report.problems.push(format!("Dấu thời gian tài liệu không đọc được: {problem}"));
            return;
        }
    };
    let Some(algorithm) = read.imprint_algorithm else {
        report.problems.push("Dấu thời gian tài liệu dùng thuật toán băm không hỗ trợ.".into());
        return;
    };
    let mut context = ring::digest::Context::new(algorithm);
    for (start, end) in ranges {
        context.update(&pdf[*start..*end]);
    }
    report.digest_matches = context.finish().as_ref() == read.imprint.as_slice();
    if !report.digest_matches {
        report.problems.push("Mã băm của tệp không khớp với dấu thời gian tài liệu: tệp đã bị thay đổi.".into());
    }
    report.signature_valid = read.signature_valid;
    if !read.signature_valid {
        report.problems.push("Chữ ký của tổ chức cấp dấu thời gian không đúng.".into());
    }
    report.signer_certificate = read.tsa_certificate.clone();
    report.certificates = read.certificates.clone();
    report.signing_time = Some(read.time);
    report.timestamp = Some(TimestampReport {
        time: read.time,
        imprint_matches: report.digest_matches,
        signature_valid: read.signature_valid,
        tsa_certificate: read.tsa_certificate,
        certificates: read.certificates,
    });
}

fn check_cms(pdf: &[u8], ranges: &[(usize, usize); 2], parsed: &ParsedSignedData, report: &mut SignatureReport) {
    report.certificates = parsed.certificates.clone();
    let Some(signer) = parsed.data.signer_infos.0.iter().next() else {
        report.problems.push("CMS không có người ký.".into());
        return;
    };
    let signer_cert = find_signer_certificate(parsed, &signer.sid);
    if signer_cert.is_none() {
        report.problems.push("Không tìm thấy chứng thư số của người ký trong chữ ký.".into());
    }
    report.signer_certificate = signer_cert.clone();
    let Some(algorithm) = cms::digest_algorithm(&signer.digest_alg.oid) else {
        report.problems.push(format!("Thuật toán băm không hỗ trợ: {}.", signer.digest_alg.oid));
        return;
    };
    let mut context = ring::digest::Context::new(algorithm);
    for (start, end) in ranges {
        context.update(&pdf[*start..*end]);
    }
    let digest = context.finish();
    let Some(attrs) = &signer.signed_attrs else {
        report.problems.push("Chữ ký không có thuộc tính ký (không theo PAdES).".into());
        return;
    };
    let claimed = find_attribute(attrs, cms::ID_MESSAGE_DIGEST).and_then(|v| v.decode_as::<OctetString>().ok());
    report.digest_matches = claimed.as_ref().map(|c| c.as_bytes()) == Some(digest.as_ref());
    if !report.digest_matches {
        report.problems.push("Mã băm của tệp không khớp với chữ ký: tệp đã bị thay đổi.".into());
    }
    if let Some(time) = find_attribute(attrs, cms::ID_SIGNING_TIME)
        .and_then(|v| v.to_der().ok().and_then(|d| x509_cert::time::Time::from_der(&d).ok()))
    {
        report.signing_time = Some(time.to_unix_duration().as_secs() as i64);
    }
    let Some(cert) = signer_cert else { return };
    if let Some(binding) = find_attribute(attrs, cms::ID_SIGNING_CERTIFICATE_V2) {
        let bound = binding.decode_as::<cms::SigningCertificateV2>().ok().and_then(|s| s.certs.into_iter().next());
        let cert_hash = ring::digest::digest(&ring::digest::SHA256, &cert);
        let matches = bound.is_some_and(|b| {
            b.hash_algorithm.is_none_or(|a| a.oid == cms::ID_SHA256) && b.cert_hash.as_bytes() == cert_hash.as_ref()
        });
        if !matches {
            report.problems.push("Thuộc tính chứng thư ký (signing-certificate-v2) không khớp.".into());
        }
    }
    let Some(signed_der) = &parsed.signed_attrs_der else { return };
    let verified = egov_pki::verify_signature_with_certificate(
        &cert,
        &signer.signature_algorithm.oid.to_string(),
        Some(&signer.digest_alg.oid.to_string()),
        signed_der,
        signer.signature.as_bytes(),
    );
    report.signature_valid = verified.is_ok();
    if let Err(e) = verified {
        report.problems.push(format!("Chữ ký không đúng: {e}"));
    }
    if let Some(token) = signer.unsigned_attrs.as_ref().and_then(|u| find_attribute(u, cms::ID_SIGNATURE_TIME_STAMP)) {
        match token.to_der().map_err(|e| e.to_string()).and_then(|der| crate::timestamp::read_token(&der)) {
            Ok(read) => {
                let imprint = read.imprint_algorithm.map(|alg| ring::digest::digest(alg, signer.signature.as_bytes()));
                let imprint_matches = imprint.is_some_and(|d| d.as_ref() == read.imprint.as_slice());
                if !imprint_matches || !read.signature_valid {
                    report.problems.push("Dấu thời gian không khớp với chữ ký.".into());
                }
                report.timestamp = Some(TimestampReport {
                    time: read.time,
                    imprint_matches,
                    signature_valid: read.signature_valid,
                    tsa_certificate: read.tsa_certificate,
                    certificates: read.certificates,
                });
            }
            Err(problem) => report.problems.push(format!("Dấu thời gian không đọc được: {problem}")),
        }
    }
}

pub(crate) fn find_signer_certificate(
    parsed: &ParsedSignedData,
    sid: &::cms::signed_data::SignerIdentifier,
) -> Option<Vec<u8>> {
    use ::cms::signed_data::SignerIdentifier;
    parsed
        .certificates
        .iter()
        .find(|der| {
            let Ok(cert) = x509_cert::Certificate::from_der(der) else { return false };
            match sid {
                SignerIdentifier::IssuerAndSerialNumber(is) => {
                    cert.tbs_certificate.issuer == is.issuer && cert.tbs_certificate.serial_number == is.serial_number
                }
                SignerIdentifier::SubjectKeyIdentifier(ski) => cert
                    .tbs_certificate
                    .get::<x509_cert::ext::pkix::SubjectKeyIdentifier>()
                    .ok()
                    .flatten()
                    .is_some_and(|(_, own)| own == *ski),
            }
        })
        .cloned()
}

/// Compares the signed revision with the whole file and sorts what changed into allowed and not.
fn modification_after(pdf: &[u8], latest: &Document, revision_end: usize) -> Modification {
    if revision_end == 0 || pdf[revision_end.min(pdf.len())..].iter().all(|b| b.is_ascii_whitespace()) {
        return Modification::None;
    }
    let Ok(signed) = Document::load_mem(&pdf[..revision_end]) else {
        return Modification::Disallowed(vec!["không đọc được bản đã ký".into()]);
    };
    let mut allowed = Vec::new();
    let mut disallowed = Vec::new();
    let info = latest.trailer.get(b"Info").and_then(Object::as_reference).ok();
    for (id, old) in &signed.objects {
        match latest.objects.get(id) {
            None => disallowed.push(format!("đối tượng {} bị xóa", id.0)),
            Some(new) if new == old => {}
            // The document information (producer, modification date) and XMP metadata describe the file.
            Some(_) if Some(*id) == info || is_metadata(old) => allowed.push("cập nhật thông tin mô tả tệp".into()),
            Some(new) => match allowed_change(old, new) {
                Some(note) => allowed.push(note),
                None => disallowed.push(describe_change(id.0, old)),
            },
        }
    }
    for (id, new) in &latest.objects {
        if signed.objects.contains_key(id) {
            continue;
        }
        let kind = new.as_dict().ok().and_then(|d| d.get(b"Type").and_then(Object::as_name).ok());
        match kind {
            Some(b"Page" | b"Pages" | b"Catalog") => disallowed.push(format!("thêm đối tượng {} kiểu trang", id.0)),
            Some(b"Sig") => allowed.push("thêm chữ ký số".into()),
            Some(b"DocTimeStamp") => allowed.push("thêm dấu thời gian".into()),
            Some(b"Annot") => {
                let subtype = new.as_dict().ok().and_then(|d| d.get(b"Subtype").and_then(Object::as_name).ok());
                if subtype != Some(b"Widget") {
                    allowed.push("thêm chú thích".into());
                }
            }
            _ => {}
        }
    }
    allowed.sort();
    allowed.dedup();
    disallowed.dedup();
    if !disallowed.is_empty() {
        Modification::Disallowed(disallowed)
    } else if allowed.is_empty() {
        Modification::Allowed(vec!["thêm dữ liệu không làm thay đổi nội dung".into()])
    } else {
        Modification::Allowed(allowed)
    }
}

fn is_metadata(object: &Object) -> bool {
    let dict = match object {
        Object::Stream(stream) => &stream.dict,
        Object::Dictionary(dict) => dict,
        _ => return false,
    };
    dict.get(b"Type").and_then(Object::as_name).ok() == Some(b"Metadata")
}

fn describe_change(id: u32, old: &Object) -> String {
    let kind = old.as_dict().ok().and_then(|d| d.get(b"Type").and_then(Object::as_name).ok());
    match kind {
        Some(b"Page") => format!("nội dung trang (đối tượng {id}) bị sửa"),
        Some(b"Catalog") => "danh mục tài liệu bị sửa".into(),
        _ => format!("đối tượng {id} bị sửa"),
    }
}

/// The note for a change the rules allow after signing, or `None`.
fn allowed_change(old: &Object, new: &Object) -> Option<String> {
    match (old, new) {
        (Object::Array(a), Object::Array(b)) => b.starts_with(a).then(|| "thêm vào danh sách chú thích/trường".into()),
        (Object::Dictionary(a), Object::Dictionary(b)) => {
            let kind = a.get(b"Type").and_then(Object::as_name).ok();
            let changeable: &[&[u8]] = match kind {
                Some(b"Catalog") => &[b"AcroForm", b"DSS", b"Perms", b"Extensions"],
                Some(b"Page") => &[b"Annots"],
                _ if a.get(b"FT").and_then(Object::as_name).ok() == Some(b"Sig") => &[b"V", b"AP", b"F", b"Rect"],
                _ if a.has(b"Fields") => &[b"Fields", b"SigFlags", b"DR", b"DA", b"NeedAppearances"],
                _ => return None,
            };
            let same_apart_from = |x: &Dictionary, y: &Dictionary| {
                x.iter().all(|(k, v)| changeable.contains(&k.as_slice()) || y.get(k).ok() == Some(v))
            };
            (same_apart_from(a, b) && same_apart_from(b, a)).then(|| match kind {
                Some(b"Page") => "thêm chú thích vào trang".into(),
                _ => "điền trường chữ ký".into(),
            })
        }
        _ => None,
    }
}

/// Width and height in points of page `page` (from 1), from its media box (inherited when not on the page).
pub fn page_size(pdf: &[u8], page: u32) -> Option<(f32, f32)> {
    let doc = Document::load_mem(pdf).ok()?;
    let mut id = *doc.get_pages().get(&page)?;
    for _ in 0..32 {
        let dict = doc.get_dictionary(id).ok()?;
        if let Ok(media_box) = dict.get(b"MediaBox") {
            let (_, media_box) = doc.dereference(media_box).ok()?;
            let rect = Rect::from_object(media_box)?;
            return Some((rect.width(), rect.height()));
        }
        id = dict.get(b"Parent").and_then(Object::as_reference).ok()?;
    }
    None
}
