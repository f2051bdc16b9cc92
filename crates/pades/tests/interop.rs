//! egov and other PAdES implementations check each other's signatures: egov verifies PDFs pyHanko signed (RSA keys
//! made by Python's `cryptography`), reports them broken once tampered, and pyHanko validates a PDF egov signed
//! with that RSA key; and egov verifies what poppler's `pdfsig` (NSS), NSS's `cmsutil`, `openssl cms -sign` and
//! pyHanko sign with an `openssl`-made certificate whose subject is Vietnamese, RSA and ECDSA, both sub-filters
//! (see `interop/foreign.rs`). Requires python3 with pyHanko, poppler-utils, libnss3-tools and openssl; set the
//! `EGOV_REQUIRE_*` variables (CI does) to fail instead of skipping when one is missing.
#![allow(clippy::unwrap_used)]

#[path = "interop/foreign.rs"]
mod foreign;

use egov_pades::{sign, verify, Appearance, KeySigner, Modification, Rect, SignRequest};
use std::path::{Path, PathBuf};
use std::process::Command;

fn tool() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/interop/pyhanko_tool.py")
}

fn python(args: &[&str]) -> Option<String> {
    let available =
        Command::new("python3").args(["-c", "import pyhanko.sign"]).output().is_ok_and(|o| o.status.success());
    if !available {
        assert!(
            std::env::var_os("EGOV_REQUIRE_PYHANKO").is_none(),
            "pyHanko is required (EGOV_REQUIRE_PYHANKO is set)"
        );
        eprintln!("note: pyHanko not installed; the interoperability test was skipped");
        return None;
    }
    let out = Command::new("python3").arg(tool()).args(args).output().unwrap();
    assert!(out.status.success(), "pyhanko_tool {args:?}: {}", String::from_utf8_lossy(&out.stderr));
    Some(String::from_utf8_lossy(&out.stdout).into_owned())
}

#[test]
fn egov_and_pyhanko_verify_each_others_signatures() {
    let dir = tempfile_dir();
    let input = dir.join("in.pdf");
    std::fs::write(&input, egov_files::sample_pdf("Văn bản thử nghiệm", 1)).unwrap();
    let Some(_) = python(&["sign", input.to_str().unwrap(), dir.to_str().unwrap()]) else { return };
    let root_pem = std::fs::read_to_string(dir.join("root.pem")).unwrap();
    let trust = egov_pki::TrustStore::from_pem(&root_pem).unwrap();

    // pyHanko's two signatures: both intact for egov, chains valid to pyHanko's root.
    let two = std::fs::read(dir.join("two.pdf")).unwrap();
    let reports = verify(&two).unwrap();
    assert_eq!(reports.len(), 2);
    for r in &reports {
        assert!(r.intact(), "{}: {:?}", r.field_name, r.problems);
        let chain = egov_pki::validate_chain(
            r.signer_certificate.as_ref().unwrap(),
            &r.certificates,
            &trust,
            r.signing_time.unwrap(),
            &[],
        );
        assert!(chain.problem.is_none(), "{:?}", chain.problem);
        assert_eq!(chain.chain[0].common_name, "Phạm Thị Dung");
    }
    assert!(matches!(reports[0].modification, Modification::Allowed(_)), "{:?}", reports[0].modification);
    assert_eq!(reports[1].modification, Modification::None);

    // Tampered inside the first revision: egov says so.
    let mut tampered = two.clone();
    let at = reports[0].byte_range[1] as usize / 2;
    tampered[at] ^= 0x20;
    let broken = verify(&tampered).unwrap();
    assert!(broken.iter().all(|r| !r.digest_matches), "{broken:?}");

    // egov signs pyHanko's file with the RSA key from Python's PKCS#12; pyHanko validates all three signatures.
    let identity = egov_pki::read_pkcs12(&std::fs::read(dir.join("signer.p12")).unwrap(), "test").unwrap();
    let signer = KeySigner::from_pkcs8(&identity.private_key_pkcs8, identity.chain.clone()).unwrap();
    let request = SignRequest {
        field_name: Some("egov".into()),
        signing_time: 1_795_230_000,
        signer_name: None,
        reason: Some("Ký ban hành".into()),
        location: None,
        appearance: Appearance::Text {
            page: Some(1),
            rect: Rect { x1: 380.0, y1: 790.0, x2: 580.0, y2: 825.0 },
            lines: vec!["12/STP-VP".into(), "2026-11-21T10:00:00+07:00".into()],
            font_size: 10.0,
        },
        stamps: Vec::new(),
        with_timestamp: false,
    };
    let three = sign(&two, &signer, &request).unwrap();
    let path = dir.join("three.pdf");
    std::fs::write(&path, &three).unwrap();
    let out = python(&["validate", path.to_str().unwrap(), dir.join("root.pem").to_str().unwrap()]).unwrap();
    let lines: Vec<&str> = out.lines().collect();
    assert_eq!(lines.len(), 3, "{out}");
    for line in lines {
        assert!(line.contains("intact=True valid=True trusted=True"), "{out}");
    }
    let _ = std::fs::remove_dir_all(&dir);
}

/// What egov must find in a signature made by another implementation: intact, of the expected sub-filter, the
/// signer's Vietnamese names read back exactly, and a chain to the root that issued it.
fn assert_verifies(pdf: &[u8], pki: &foreign::Pki, sub_filter: &str, made_by: &str) {
    let reports = verify(pdf).unwrap_or_else(|e| panic!("{made_by}: {e}"));
    assert_eq!(reports.len(), 1, "{made_by}");
    let r = &reports[0];
    assert!(r.intact(), "{made_by}: {:?}", r.problems);
    assert!(r.problems.is_empty(), "{made_by}: {:?}", r.problems);
    assert!(!r.modified_after_signing(), "{made_by}: {:?}", r.modification);
    assert_eq!(r.sub_filter, sub_filter, "{made_by}");
    assert_eq!(r.signer_certificate.as_deref(), Some(pki.leaf_der.as_slice()), "{made_by}");
    let info = egov_pki::certificate_info(&pki.leaf_der).unwrap();
    assert_eq!(info.common_name, foreign::SIGNER_CN, "{made_by}");
    assert_eq!(info.organization.as_deref(), Some(foreign::SIGNER_O), "{made_by}");
    assert!(info.subject.contains("ST=Tỉnh Demo"), "{made_by}: {}", info.subject);
    if let Some(name) = &r.signer_name {
        assert_eq!(name, foreign::SIGNER_CN, "{made_by}: /Name");
    }
    let trust = egov_pki::TrustStore::from_pem(&pki.root_pem).unwrap();
    let at = r.signing_time.unwrap_or_else(|| std::time::UNIX_EPOCH.elapsed().unwrap().as_secs() as i64);
    let chain = egov_pki::validate_chain(r.signer_certificate.as_ref().unwrap(), &r.certificates, &trust, at, &[]);
    assert!(chain.problem.is_none(), "{made_by}: {:?}", chain.problem);
    assert_eq!(chain.chain[0].common_name, foreign::SIGNER_CN, "{made_by}");
}

/// A signature followed by a document time-stamp (PAdES B-LTA): both intact, the time-stamp adding only what is
/// allowed, its authority's chain valid for time-stamping.
fn assert_document_timestamp_verifies(pdf: &[u8], pki: &foreign::Pki) {
    let reports = verify(pdf).unwrap();
    assert_eq!(reports.len(), 2, "signature + document time-stamp");
    assert!(reports[0].intact() && !reports[0].modified_after_signing(), "{:?}", reports[0]);
    let ts = &reports[1];
    assert!(ts.document_timestamp && ts.sub_filter == "ETSI.RFC3161", "{ts:?}");
    assert!(ts.intact(), "{:?}", ts.problems);
    assert!(ts.problems.is_empty(), "{:?}", ts.problems);
    let token = ts.timestamp.as_ref().expect("the token");
    assert!(token.imprint_matches && token.signature_valid);
    let tsa = ts.signer_certificate.as_ref().expect("the authority's certificate");
    assert_eq!(egov_pki::certificate_info(tsa).unwrap().common_name, "Dịch vụ dấu thời gian");
    let trust = egov_pki::TrustStore::from_pem(&pki.root_pem).unwrap();
    let chain = egov_pki::validate_chain_for(
        tsa,
        &ts.certificates,
        &trust,
        token.time,
        &[],
        egov_pki::ChainUsage::TimeStamping,
    );
    assert!(chain.problem.is_none(), "{:?}", chain.problem);
}

/// poppler checks the PDFs made around a CMS from elsewhere, so that a failure in egov cannot be the helper's.
fn assert_pdfsig_valid(pdf: &[u8], dir: &Path, made_by: &str) {
    if !foreign::have_pdfsig() {
        return;
    }
    let path = dir.join("check.pdf");
    std::fs::write(&path, pdf).unwrap();
    let out = Command::new("pdfsig").arg("-nocert").arg(&path).output().unwrap();
    let text = String::from_utf8_lossy(&out.stdout);
    assert!(text.contains("Signature is Valid"), "{made_by}: pdfsig says {text}");
}

#[test]
fn signatures_made_by_nss_openssl_and_pyhanko_verify_with_the_signers_vietnamese_name() {
    if !foreign::have_openssl() {
        return;
    }
    let (nss, pdfsig, pyhanko) = (foreign::have_nss(), foreign::have_pdfsig(), foreign::have_pyhanko());
    let mut checked = Vec::new();
    for kind in [foreign::KeyKind::Rsa, foreign::KeyKind::Ecdsa] {
        let scratch = foreign::Scratch::new(&format!("{kind:?}"));
        let pki = foreign::Pki::new(&scratch.0, kind);
        let input = egov_files::sample_pdf("Công văn gửi các sở, ngành", 1);
        // poppler 22.12 signs with RSA keys only (ECDSA fails inside pdfsig), and adds adbe.pkcs7.detached only.
        if nss && pdfsig && kind == foreign::KeyKind::Rsa {
            let signed = pki.sign_with_pdfsig(&input);
            assert_verifies(&signed, &pki, "adbe.pkcs7.detached", "pdfsig (NSS), RSA");
            checked.push("pdfsig RSA adbe.pkcs7.detached".to_string());
        }
        for sub_filter in foreign::SUB_FILTERS {
            // NSS's cmsutil refuses this RSA certificate for e-mail signing (its key usage), so ECDSA there.
            if nss && kind == foreign::KeyKind::Ecdsa {
                let signed = pki.sign_with_cmsutil(sub_filter);
                assert_pdfsig_valid(&signed, &scratch.0, "cmsutil");
                assert_verifies(&signed, &pki, sub_filter, &format!("cmsutil (NSS), {kind:?}"));
                checked.push(format!("cmsutil {kind:?} {sub_filter}"));
            }
            let signed = pki.sign_with_openssl(sub_filter);
            assert_pdfsig_valid(&signed, &scratch.0, "openssl");
            assert_verifies(&signed, &pki, sub_filter, &format!("openssl cms, {kind:?}"));
            checked.push(format!("openssl {kind:?} {sub_filter}"));
            if pyhanko {
                let signed = pki.sign_with_pyhanko(&input, sub_filter);
                assert_verifies(&signed, &pki, sub_filter, &format!("pyHanko, {kind:?}"));
                checked.push(format!("pyHanko {kind:?} {sub_filter}"));
                if sub_filter == "ETSI.CAdES.detached" {
                    assert_document_timestamp_verifies(&pki.timestamp_with_pyhanko(&signed), &pki);
                    checked.push(format!("pyHanko {kind:?} {sub_filter} + document time-stamp"));
                }
            }
        }
    }
    eprintln!("verified: {checked:#?}");
}

#[test]
fn a_byte_range_that_leaves_out_more_than_the_contents_is_named_in_the_problem() {
    if !foreign::have_openssl() {
        return;
    }
    let scratch = foreign::Scratch::new("byterange");
    let pki = foreign::Pki::new(&scratch.0, foreign::KeyKind::Ecdsa);
    let signed = pki.sign_with_openssl("ETSI.CAdES.detached");
    assert!(verify(&signed).unwrap()[0].intact());
    // Widen the gap by one byte on each side (the length of the numbers kept): the gap is no longer the string.
    let at = signed.windows(11).position(|w| w == b"/ByteRange[").unwrap() + "/ByteRange[".len();
    let end = at + signed[at..].iter().position(|&b| b == b']').unwrap();
    let numbers: Vec<usize> =
        std::str::from_utf8(&signed[at..end]).unwrap().split_whitespace().map(|n| n.parse().unwrap()).collect();
    let wider = format!("0 {:<10} {:<10} {:<10}", numbers[1] - 1, numbers[2] + 1, numbers[3] - 1);
    let mut forged = signed.clone();
    forged[at..at + wider.len()].copy_from_slice(wider.as_bytes());
    let report = &verify(&forged).unwrap()[0];
    assert!(!report.covers_revision && !report.intact(), "{:?}", report.problems);
    let written = format!("[0 {} {} {}]", numbers[1] - 1, numbers[2] + 1, numbers[3] - 1);
    assert!(report.problems.iter().any(|p| p.contains(&written) && p.contains("/Contents")), "{:?}", report.problems);
    // A hexadecimal string elsewhere in the file: the gap must be this signature's own /Contents.
    let mut moved = signed.clone();
    let extra = b"\n% <00ff>\n";
    let at_end = moved.len();
    moved.extend_from_slice(extra);
    let start = at_end + 3;
    let range = format!("0 {:<10} {:<10} {:<10}", start, start + 6, 0);
    moved[at..at + range.len()].copy_from_slice(range.as_bytes());
    let report = &verify(&moved).unwrap()[0];
    assert!(!report.intact(), "{:?}", report.problems);
    assert!(report.problems.iter().any(|p| p.contains("ByteRange [0")), "{:?}", report.problems);
}

fn tempfile_dir() -> PathBuf {
    let dir = std::env::temp_dir().join(format!("egov-pades-interop-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    dir
}
