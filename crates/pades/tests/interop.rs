//! egov and another PAdES implementation (pyHanko, from PyPI) check each other's signatures: egov verifies PDFs
//! pyHanko signed (RSA keys made by Python's `cryptography`), reports them broken once tampered, and pyHanko
//! validates a PDF egov signed with that RSA key. Requires python3 with pyHanko; set `EGOV_REQUIRE_PYHANKO=1`
//! (CI does) to fail instead of skipping when it is missing.
#![allow(clippy::unwrap_used)]

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

fn tempfile_dir() -> PathBuf {
    let dir = std::env::temp_dir().join(format!("egov-pades-interop-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    dir
}
