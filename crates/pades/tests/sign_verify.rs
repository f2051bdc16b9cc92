//! Signing PDFs and checking them again: one and two signatures, tampering, later changes, time-stamps, bad input,
//! and poppler's `pdfsig` as the independent verifier.
#![allow(clippy::unwrap_used)]

use egov_pades::{
    sign, timestamp, verify, Appearance, KeySigner, Modification, PadesError, Rect, SignRequest, Signer, TextStamp,
};
use egov_pki::{CertificateKind, Issued, Subject};
use std::process::Command;

const NOW: i64 = 1_795_230_000; // 2026-11-21 10:00 in Vietnam

struct Pki {
    root: Issued,
    leader: KeySigner,
    seal: KeySigner,
    tsa: KeySigner,
}

fn subject(name: &str) -> Subject {
    Subject {
        common_name: name.into(),
        organization: Some("UBND tỉnh Demo".into()),
        organizational_unit: None,
        locality: Some("Hà Nội".into()),
        email: None,
        user_id: None,
    }
}

fn pki() -> Pki {
    let root = egov_pki::create_root("Demo Root CA", "egov demo", NOW - 86_400, 3650).unwrap();
    let signer = |name: &str, kind| {
        let issued = egov_pki::issue_certificate(&root, &subject(name), kind, NOW - 3600, 365, None).unwrap();
        KeySigner::from_pkcs8(&issued.key_pkcs8, vec![issued.certificate_der.clone(), root.certificate_der.clone()])
            .unwrap()
    };
    Pki {
        leader: signer("Nguyễn Văn An", CertificateKind::Personal),
        seal: signer("UBND tỉnh Demo", CertificateKind::Seal),
        tsa: signer("Demo TSA", CertificateKind::TimeStamping),
        root,
    }
}

fn pdf(pages: usize) -> Vec<u8> {
    egov_files::sample_pdf("Quyết định về việc ban hành quy chế", pages)
}

fn png(w: u32, h: u32, rgba: [u8; 4]) -> Vec<u8> {
    let mut out = Vec::new();
    {
        let mut enc = png::Encoder::new(&mut out, w, h);
        enc.set_color(png::ColorType::Rgba);
        enc.set_depth(png::BitDepth::Eight);
        let mut writer = enc.write_header().unwrap();
        writer.write_image_data(&rgba.repeat((w * h) as usize)).unwrap();
    }
    out
}

fn request(appearance: Appearance) -> SignRequest {
    SignRequest {
        field_name: None,
        signing_time: NOW,
        signer_name: Some("Nguyễn Văn An".into()),
        reason: Some("Ký ban hành".into()),
        location: Some("Hà Nội".into()),
        appearance,
        stamps: Vec::new(),
        with_timestamp: false,
    }
}

fn personal_rect() -> Rect {
    Rect { x1: 350.0, y1: 120.0, x2: 520.0, y2: 190.0 }
}

fn two_signatures(p: &Pki) -> Vec<u8> {
    let personal = Appearance::Image { page: None, rect: personal_rect(), png: png(40, 20, [0, 0, 200, 255]) };
    let once = sign(&pdf(2), &p.leader, &request(personal)).unwrap();
    let seal_rect = Rect { x1: 300.0, y1: 104.0, x2: 402.0, y2: 206.0 };
    let mut seal = request(Appearance::Image { page: None, rect: seal_rect, png: png(30, 30, [220, 0, 0, 160]) });
    seal.reason = Some("Đóng dấu".into());
    seal.stamps = vec![
        TextStamp { page: 1, x: 120.0, y: 760.0, text: "05/QĐ-UBND".into(), font_size: 13.0 },
        TextStamp { page: 1, x: 380.0, y: 760.0, text: "21   11".into(), font_size: 13.0 },
    ];
    sign(&once, &p.seal, &seal).unwrap()
}

/// Runs `pdfsig` on `bytes`; `None` when poppler is not installed and not required.
fn pdfsig(bytes: &[u8]) -> Option<String> {
    let dir = std::env::temp_dir().join(format!("egov-pades-{}-{}", std::process::id(), rand_suffix()));
    std::fs::create_dir_all(&dir).unwrap();
    let path = dir.join("signed.pdf");
    std::fs::write(&path, bytes).unwrap();
    let output = Command::new("pdfsig").arg("-nocert").arg(&path).output();
    let _ = std::fs::remove_dir_all(&dir);
    match output {
        Ok(o) => Some(String::from_utf8_lossy(&o.stdout).into_owned() + &String::from_utf8_lossy(&o.stderr)),
        Err(_) if std::env::var_os("EGOV_REQUIRE_PDFSIG").is_some() => {
            panic!("pdfsig (poppler-utils) is required (EGOV_REQUIRE_PDFSIG is set) but was not found")
        }
        Err(_) => {
            eprintln!("note: pdfsig not installed; the independent check was skipped");
            None
        }
    }
}

fn rand_suffix() -> u64 {
    use std::sync::atomic::{AtomicU64, Ordering};
    static N: AtomicU64 = AtomicU64::new(0);
    N.fetch_add(1, Ordering::Relaxed)
}

#[test]
fn one_invisible_signature_is_intact_and_covers_the_file() {
    let p = pki();
    let signed = sign(&pdf(1), &p.leader, &request(Appearance::Invisible)).unwrap();
    let reports = verify(&signed).unwrap();
    assert_eq!(reports.len(), 1);
    let r = &reports[0];
    assert!(r.intact(), "{:?}", r.problems);
    assert_eq!(r.revision_end, signed.len());
    assert_eq!(r.modification, Modification::None);
    assert_eq!(r.signing_time, Some(NOW));
    assert_eq!(r.sub_filter, "ETSI.CAdES.detached");
    assert_eq!(r.signer_name.as_deref(), Some("Nguyễn Văn An"));
    assert_eq!(r.signer_certificate.as_deref(), Some(p.leader.certificate_chain()[0].as_slice()));
    let chain = egov_pki::validate_chain(
        r.signer_certificate.as_ref().unwrap(),
        &r.certificates,
        &egov_pki::TrustStore::new(vec![p.root.certificate_der.clone()]).unwrap(),
        r.signing_time.unwrap(),
        &[],
    );
    assert!(chain.problem.is_none(), "{:?}", chain.problem);
    if let Some(out) = pdfsig(&signed) {
        assert!(out.contains("Signature is Valid"), "{out}");
        assert!(out.contains("ETSI.CAdES.detached"), "{out}");
    }
}

#[test]
fn two_signatures_both_stay_valid_and_the_first_sees_only_allowed_additions() {
    let p = pki();
    let signed = two_signatures(&p);
    if let Some(dir) = std::env::var_os("EGOV_PADES_DUMP") {
        std::fs::write(std::path::Path::new(&dir).join("two-signatures.pdf"), &signed).unwrap();
    }
    let reports = verify(&signed).unwrap();
    assert_eq!(reports.len(), 2);
    for r in &reports {
        assert!(r.intact(), "{}: {:?}", r.field_name, r.problems);
    }
    assert!(
        matches!(&reports[0].modification, Modification::Allowed(notes) if notes.iter().any(|n| n.contains("chữ ký")))
    );
    assert_eq!(reports[1].modification, Modification::None);
    assert_eq!(reports[0].field_name, "Signature1");
    assert_eq!(reports[1].field_name, "Signature2");
    let fields = egov_pades::signature_fields(&signed).unwrap();
    assert_eq!(fields.len(), 2);
    assert_eq!(fields[0].page, Some(2));
    assert_eq!(fields[0].rect, Some(personal_rect()));
    if let Some(out) = pdfsig(&signed) {
        assert_eq!(out.matches("Signature is Valid").count(), 2, "{out}");
    }
}

#[test]
fn a_byte_changed_after_signing_is_reported_by_egov_and_by_pdfsig() {
    let p = pki();
    let mut signed = sign(&pdf(1), &p.leader, &request(Appearance::Invisible)).unwrap();
    let at = signed.windows(8).position(|w| w == b"Quy\\341\\272").unwrap_or(200).min(200);
    signed[at] ^= 0x01;
    let reports = verify(&signed).unwrap();
    assert_eq!(reports.len(), 1);
    assert!(!reports[0].digest_matches);
    assert!(!reports[0].intact());
    assert!(reports[0].problems.iter().any(|p| p.contains("không khớp")), "{:?}", reports[0].problems);
    if let Some(out) = pdfsig(&signed) {
        assert!(!out.contains("Signature is Valid"), "{out}");
    }
}

#[test]
fn content_changed_after_signing_leaves_the_signature_intact_and_the_document_modified() {
    let p = pki();
    let signed = sign(&pdf(1), &p.leader, &request(Appearance::Invisible)).unwrap();
    // An incremental update that replaces the page with one whose content stream differs.
    let doc = lopdf::Document::load_mem(&signed).unwrap();
    let (_, page_id) = doc.get_pages().into_iter().next().unwrap();
    let mut page = doc.get_dictionary(page_id).unwrap().clone();
    let new_id = doc.max_id + 1;
    page.set("Contents", lopdf::Object::Reference((new_id, 0)));
    let startxref = {
        let s = String::from_utf8_lossy(&signed);
        let at = s.rfind("startxref").unwrap();
        s[at + 9..].split_whitespace().next().unwrap().to_string()
    };
    let root = doc.trailer.get(b"Root").unwrap().as_reference().unwrap();
    let mut out = signed.clone();
    let page_at = out.len();
    out.extend_from_slice(
        format!(
            "{} 0 obj\n<</Type/Page/Parent {} 0 R/Contents {new_id} 0 R/MediaBox[0 0 595 842]>>\nendobj\n",
            page_id.0,
            page.get(b"Parent").unwrap().as_reference().unwrap().0
        )
        .as_bytes(),
    );
    let stream_at = out.len();
    out.extend_from_slice(
        format!("{new_id} 0 obj\n<</Length 26>>\nstream\nBT /F1 12 Tf (FORGED) Tj ET\nendstream\nendobj\n").as_bytes(),
    );
    let xref_at = out.len();
    out.extend_from_slice(
        format!(
            "xref\n{} 1\n{page_at:010} 00000 n\r\n{new_id} 1\n{stream_at:010} 00000 n\r\ntrailer\n<</Size {} /Root {} 0 R /Prev {startxref}>>\nstartxref\n{xref_at}\n%%EOF\n",
            page_id.0,
            new_id + 1,
            root.0
        )
        .as_bytes(),
    );
    let reports = verify(&out).unwrap();
    assert!(reports[0].digest_matches && reports[0].signature_valid);
    assert!(matches!(&reports[0].modification, Modification::Disallowed(_)), "{:?}", reports[0].modification);
    // The signature is intact (its bytes are as signed): the document is what changed, as pdfsig says too.
    assert!(reports[0].intact(), "{:?}", reports[0].problems);
    assert!(reports[0].modified_after_signing());
    assert!(reports[0].problems.is_empty(), "{:?}", reports[0].problems);
    if let Some(out) = pdfsig(&out) {
        assert!(out.contains("Signature is Valid") && out.contains("Not total document signed"), "{out}");
    }
}

#[test]
fn a_time_stamp_token_is_embedded_and_checked() {
    let p = pki();
    let mut req = request(Appearance::Text {
        page: Some(1),
        rect: Rect { x1: 395.0, y1: 790.0, x2: 575.0, y2: 822.0 },
        lines: vec!["05/QĐ-UBND".into(), "2026-11-21T10:00:00+07:00".into()],
        font_size: 10.0,
    });
    req.with_timestamp = true;
    let prepared = egov_pades::prepare(&pdf(1), p.seal.certificate_chain(), &req).unwrap();
    let signature = p.seal.sign_digest(prepared.digest_to_sign()).unwrap();
    let imprint: [u8; 32] = ring::digest::digest(&ring::digest::SHA256, &signature).as_ref().try_into().unwrap();
    let ts_request = timestamp::parse_request(&timestamp::request(&imprint, 7).unwrap()).unwrap();
    let response = timestamp::respond(&p.tsa, &ts_request, 1, NOW + 5).unwrap();
    let token = timestamp::token_from_response(&response).unwrap();
    let signed = egov_pades::finish(prepared, p.seal.algorithm(), &signature, Some(&token)).unwrap();
    let reports = verify(&signed).unwrap();
    let r = &reports[0];
    assert!(r.intact(), "{:?}", r.problems);
    let ts = r.timestamp.as_ref().expect("time-stamp");
    assert!(ts.imprint_matches && ts.signature_valid);
    assert_eq!(ts.time, NOW + 5);
    assert_eq!(ts.tsa_certificate.as_deref(), Some(p.tsa.certificate_chain()[0].as_slice()));
    if let Some(out) = pdfsig(&signed) {
        assert!(out.contains("Signature is Valid"), "{out}");
    }
}

#[test]
fn bad_input_is_refused_and_nothing_is_produced() {
    let p = pki();
    assert!(matches!(sign(b"not a pdf", &p.leader, &request(Appearance::Invisible)), Err(PadesError::BrokenPdf(_))));
    let encrypted = egov_files::encrypted_sample_pdf("");
    assert!(matches!(
        sign(&encrypted, &p.leader, &request(Appearance::Invisible)),
        Err(PadesError::Encrypted | PadesError::BrokenPdf(_))
    ));
    let bad_png = Appearance::Image { page: None, rect: personal_rect(), png: b"GIF89a".to_vec() };
    assert!(matches!(sign(&pdf(1), &p.leader, &request(bad_png)), Err(PadesError::BadImage(_))));
    let far_page = Appearance::Image { page: Some(9), rect: personal_rect(), png: png(2, 2, [0, 0, 0, 255]) };
    assert!(matches!(sign(&pdf(1), &p.leader, &request(far_page)), Err(PadesError::NoSuchPage(9))));
    // A key that is not the certificate's.
    let other =
        egov_pki::issue_certificate(&p.root, &subject("Khác"), CertificateKind::Personal, NOW, 10, None).unwrap();
    let wrong = KeySigner::from_pkcs8(&other.key_pkcs8, vec![p.leader.certificate_chain()[0].clone()]);
    assert!(matches!(wrong, Err(egov_pki::PkiError::Malformed(_))));
    // A file with no signature has nothing to report; garbage is an error, not a panic.
    assert!(verify(&pdf(1)).unwrap().is_empty());
    assert!(verify(b"%PDF-1.7\n garbage").is_err());
}

#[test]
fn a_printed_copy_mark_on_every_page_leaves_signatures_valid() {
    let p = pki();
    let signed = two_signatures(&p);
    let mark = TextStamp {
        page: 0,
        x: 30.0,
        y: 20.0,
        text: "Ban in cua Nguyen Van An - 2026-11-21T10:00:00+07:00".into(),
        font_size: 8.0,
    };
    let printed = egov_pades::annotate(&signed, &[mark]).unwrap();
    let reports = verify(&printed).unwrap();
    assert_eq!(reports.len(), 2);
    for r in &reports {
        assert!(r.intact(), "{}: {:?}", r.field_name, r.problems);
        assert!(
            matches!(&r.modification, Modification::Allowed(notes) if notes.iter().any(|n| n.contains("chú thích"))),
            "{:?}",
            r.modification
        );
    }
    let doc = lopdf::Document::load_mem(&printed).unwrap();
    let marks = doc
        .objects
        .values()
        .filter(|o| {
            o.as_dict().is_ok_and(|d| d.get(b"Subtype").and_then(lopdf::Object::as_name).ok() == Some(b"FreeText"))
        })
        .count();
    assert_eq!(marks, 2 + 2, "one mark per page (2 pages) plus the two stamps of the seal");
    assert!(matches!(
        egov_pades::annotate(&signed, &[TextStamp { page: 9, x: 0.0, y: 0.0, text: "x".into(), font_size: 8.0 }]),
        Err(PadesError::NoSuchPage(9))
    ));
    if let Some(out) = pdfsig(&printed) {
        assert_eq!(out.matches("Signature is Valid").count(), 2, "{out}");
    }
}
