//! Demo PKI → certificate facts → path validation → CRLs → PKCS#12 and
//! signatures, all with keys made in the test.

use std::time::{Instant, SystemTime, UNIX_EPOCH};

use egov_pki::*;
use ring::signature::{EcdsaKeyPair, ECDSA_P256_SHA256_ASN1_SIGNING};

const DAY: i64 = 86_400;
const CRL_URL: &str = "http://pki.egov.test/crl/demo-root.crl";

fn now() -> i64 {
    let secs = SystemTime::now().duration_since(UNIX_EPOCH).expect("clock after 1970").as_secs();
    i64::try_from(secs).expect("fits i64")
}

struct Pki {
    now: i64,
    root: Issued,
    personal: Issued,
    seal: Issued,
    tsa: Issued,
    trust: TrustStore,
}

fn pki() -> Pki {
    let now = now();
    let root = create_root("Demo Root CA", "Cổng dịch vụ công Demo", now - DAY, 3650).expect("root");
    let person = Subject {
        common_name: "Nguyễn Văn An".into(),
        organization: Some("UBND tỉnh Demo".into()),
        organizational_unit: None,
        locality: Some("Hà Nội".into()),
        email: Some("an.nv@demo.gov.vn".into()),
        user_id: Some("CCCD:001099012345".into()),
    };
    let personal =
        issue_certificate(&root, &person, CertificateKind::Personal, now - 3600, 365, Some(CRL_URL)).expect("personal");
    let mut org = Subject::new("UBND tỉnh Demo");
    org.organization = Some("UBND tỉnh Demo".into());
    let seal = issue_certificate(&root, &org, CertificateKind::Seal, now - 3600, 365, None).expect("seal");
    let tsa = issue_certificate(
        &root,
        &Subject::new("Demo TSA"),
        CertificateKind::TimeStamping,
        now - 3600,
        365,
        Some(CRL_URL),
    )
    .expect("tsa");
    let trust = TrustStore::new(vec![root.certificate_der.clone()]).expect("trust");
    Pki { now, root, personal, seal, tsa, trust }
}

#[test]
fn certificate_info_reads_demo_certificates() {
    let p = pki();
    let info = certificate_info(&p.personal.certificate_der).expect("info");
    assert_eq!(info.common_name, "Nguyễn Văn An");
    assert_eq!(
        info.subject,
        "CN=Nguyễn Văn An, E=an.nv@demo.gov.vn, UID=CCCD:001099012345, O=UBND tỉnh Demo, L=Hà Nội, C=VN"
    );
    assert_eq!(info.organization.as_deref(), Some("UBND tỉnh Demo"));
    assert_eq!(info.issuer, "CN=Demo Root CA, O=Cổng dịch vụ công Demo, C=VN");
    assert_eq!(info.serial_hex.len(), 32, "16-byte serial: {}", info.serial_hex);
    assert!(!info.serial_hex.starts_with("00"));
    assert_eq!(info.serial_hex, info.serial_hex.to_lowercase());
    assert_eq!(info.not_before, p.now - 3600);
    assert_eq!(info.not_after, p.now - 3600 + 365 * DAY);
    assert_eq!(info.key_algorithm, "ECDSA P-256");
    assert!(!info.is_ca);
    assert_eq!(info.crl_urls, vec![CRL_URL.to_owned()]);
    assert_eq!(info.fingerprint_sha256.len(), 64);

    let root = certificate_info(&p.root.certificate_der).expect("root info");
    assert!(root.is_ca);
    assert_eq!(root.subject, root.issuer);
    assert!(root.crl_urls.is_empty());
    assert_ne!(root.fingerprint_sha256, info.fingerprint_sha256);

    let seal = certificate_info(&p.seal.certificate_der).expect("seal info");
    assert_eq!(seal.subject, "CN=UBND tỉnh Demo, O=UBND tỉnh Demo, C=VN");
    assert!(seal.crl_urls.is_empty());
    assert_ne!(seal.serial_hex, info.serial_hex);

    // PEM round trip.
    let pem =
        der_to_pem(&p.personal.certificate_der, "CERTIFICATE") + &der_to_pem(&p.root.certificate_der, "CERTIFICATE");
    assert_eq!(pem_to_der_all(&pem), vec![p.personal.certificate_der.clone(), p.root.certificate_der.clone()]);
    assert!(matches!(certificate_info(b"not a cert"), Err(PkiError::Malformed(_))));
    let bad_email = Subject { email: Some("nguyễn@demo.vn".into()), ..Subject::new("X") };
    assert!(matches!(
        issue_certificate(&p.root, &bad_email, CertificateKind::Personal, p.now, 1, None),
        Err(PkiError::Malformed(_))
    ));
}

#[test]
fn chain_validation_verdicts() {
    let p = pki();
    let ok = validate_chain(&p.personal.certificate_der, &[], &p.trust, p.now, &[]);
    assert_eq!(ok.problem, None);
    assert_eq!(ok.chain.len(), 2);
    assert_eq!(ok.chain[0].common_name, "Nguyễn Văn An");
    assert!(ok.chain[1].is_ca);
    assert_eq!(ok.revocation, vec![Revocation::Unknown]);
    assert_eq!(ok.leaf_revocation, Revocation::Unknown);

    let seal = validate_chain(&p.seal.certificate_der, &[], &p.trust, p.now, &[]);
    assert_eq!(seal.problem, None);

    // A TSA certificate is not for document signing, but is for time-stamping.
    let tsa = validate_chain(&p.tsa.certificate_der, &[], &p.trust, p.now, &[]);
    assert_eq!(tsa.problem, Some(ChainProblem::NotForSigning));
    assert_eq!(tsa.chain.len(), 2);
    let tsa = validate_chain_for(&p.tsa.certificate_der, &[], &p.trust, p.now, &[], ChainUsage::TimeStamping);
    assert_eq!(tsa.problem, None);
    let person_as_tsa =
        validate_chain_for(&p.personal.certificate_der, &[], &p.trust, p.now, &[], ChainUsage::TimeStamping);
    assert_eq!(person_as_tsa.problem, Some(ChainProblem::NotForSigning));

    let info = &ok.chain[0];
    let expired = validate_chain(&p.personal.certificate_der, &[], &p.trust, info.not_after + 1, &[]);
    assert_eq!(expired.problem, Some(ChainProblem::Expired));
    assert_eq!(expired.chain.len(), 2, "display chain still reaches the root");
    let early = validate_chain(&p.personal.certificate_der, &[], &p.trust, info.not_before - 1, &[]);
    assert_eq!(early.problem, Some(ChainProblem::NotYetValid));

    let other_root = create_root("Other Root", "Khác", p.now - DAY, 30).expect("other root");
    let other_trust = TrustStore::new(vec![other_root.certificate_der]).expect("trust");
    let untrusted = validate_chain(&p.personal.certificate_der, &[], &other_trust, p.now, &[]);
    assert_eq!(untrusted.problem, Some(ChainProblem::UntrustedRoot));
    assert_eq!(untrusted.chain.len(), 1);
    assert_eq!(untrusted.revocation, vec![Revocation::Unknown]);
    let empty = validate_chain(&p.personal.certificate_der, &[], &TrustStore::default(), p.now, &[]);
    assert_eq!(empty.problem, Some(ChainProblem::UntrustedRoot));

    // Flip the last byte, inside the signature value.
    let mut tampered = p.personal.certificate_der.clone();
    let last = tampered.len() - 1;
    tampered[last] ^= 0x01;
    let bad = validate_chain(&tampered, &[], &p.trust, p.now, &[]);
    assert_eq!(bad.problem, Some(ChainProblem::BadSignature));

    let garbage = validate_chain(b"garbage", &[], &p.trust, p.now, &[]);
    assert!(matches!(garbage.problem, Some(ChainProblem::Other(_))));
    assert!(garbage.chain.is_empty());

    assert_eq!(ChainProblem::Expired.to_string(), "Chứng thư số đã hết hạn.");
}

#[test]
fn trust_store_from_pem_and_errors() {
    let p = pki();
    let other = create_root("Other Root", "Khác", p.now, 30).expect("root");
    let pem = format!(
        "{}{}{}",
        der_to_pem(&p.root.certificate_der, "CERTIFICATE"),
        der_to_pem(&other.certificate_der, "CERTIFICATE"),
        der_to_pem(&p.root.certificate_der, "CERTIFICATE"),
    );
    let store = TrustStore::from_pem(&pem).expect("store");
    assert!(!store.is_empty());
    assert_eq!(store.roots().len(), 2, "duplicates dropped");
    assert!(TrustStore::from_pem("").expect("empty").is_empty());
    assert!(matches!(TrustStore::new(vec![b"junk".to_vec()]), Err(PkiError::Malformed(_))));
}

#[test]
fn crl_issue_parse_verify_and_revocation_report() {
    let p = pki();
    let revoked = issue_certificate(
        &p.root,
        &Subject::new("Lê Thị Thu Hồi"),
        CertificateKind::Personal,
        p.now - 3600,
        365,
        Some(CRL_URL),
    )
    .expect("to revoke");
    let revoked_serial = certificate_info(&revoked.certificate_der).expect("info").serial_hex;
    let revoked_at = p.now - 600;
    let crl_der = create_crl(
        &p.root,
        &[RevokedEntry { serial_hex: revoked_serial.to_uppercase(), revoked_at }],
        p.now - 300,
        p.now + 7 * DAY,
        42,
    )
    .expect("crl");
    let crl = Crl::parse(&crl_der).expect("parse");
    assert_eq!(crl.der(), crl_der.as_slice());
    assert_eq!(crl.issuer, "CN=Demo Root CA, O=Cổng dịch vụ công Demo, C=VN");
    assert_eq!(crl.this_update, p.now - 300);
    assert_eq!(crl.next_update, Some(p.now + 7 * DAY));
    assert_eq!(crl.revoked_at(&revoked_serial), Some(revoked_at));
    assert_eq!(crl.revoked_at(&format!("00{revoked_serial}")), Some(revoked_at));
    assert_eq!(crl.entries().count(), 1);
    let good_serial = certificate_info(&p.personal.certificate_der).expect("info").serial_hex;
    assert_eq!(crl.revoked_at(&good_serial), None);

    assert!(crl.verify_issued_by(&p.root.certificate_der));
    let other = create_root("Other Root", "Khác", p.now - DAY, 30).expect("other");
    assert!(!crl.verify_issued_by(&other.certificate_der));
    // Same name, different key: the signature check must catch it.
    let twin = create_root("Demo Root CA", "Cổng dịch vụ công Demo", p.now - DAY, 30).expect("twin");
    assert!(!crl.verify_issued_by(&twin.certificate_der));
    assert!(!crl.verify_issued_by(&p.personal.certificate_der));
    let mut tampered = crl_der.clone();
    let pos = tampered
        .windows(4)
        .position(|w| w == &hex::decode(&revoked_serial).expect("hex")[..4])
        .expect("serial inside CRL");
    tampered[pos + 2] ^= 0xff;
    let tampered = Crl::parse(&tampered).expect("still parses");
    assert!(!tampered.verify_issued_by(&p.root.certificate_der));
    assert!(matches!(Crl::parse(b"\x30\x03junk"), Err(PkiError::Malformed(_))));

    let report = validate_chain(&revoked.certificate_der, &[], &p.trust, p.now, std::slice::from_ref(&crl));
    assert_eq!(report.problem, None, "revocation is reported, not a chain problem");
    assert_eq!(report.leaf_revocation, Revocation::Revoked { at: revoked_at });
    assert_eq!(report.revocation, vec![Revocation::Revoked { at: revoked_at }]);

    let good = validate_chain(&p.personal.certificate_der, &[], &p.trust, p.now, std::slice::from_ref(&crl));
    assert_eq!(good.leaf_revocation, Revocation::Good { crl_this_update: p.now - 300 });
    // A CRL from another CA says nothing about this certificate.
    let foreign = Crl::parse(
        &create_crl(
            &twin,
            &[RevokedEntry { serial_hex: good_serial.clone(), revoked_at }],
            p.now - 300,
            p.now + DAY,
            1,
        )
        .expect("foreign crl"),
    )
    .expect("parse foreign");
    let still_good = validate_chain(&p.personal.certificate_der, &[], &p.trust, p.now, &[foreign]);
    assert_eq!(still_good.leaf_revocation, Revocation::Unknown);

    // Fast enough for the benchmark (≥ 200/s per core in release); the
    // bound here is loose because tests run unoptimised.
    let crls = [crl];
    let start = Instant::now();
    for _ in 0..50 {
        let r = validate_chain(&p.personal.certificate_der, &[], &p.trust, p.now, &crls);
        assert_eq!(r.problem, None);
    }
    let per_call = start.elapsed() / 50;
    println!("validate_chain with one CRL: {per_call:?} per call");
    assert!(per_call.as_millis() < 100, "too slow: {per_call:?}");
}

#[test]
fn pkcs12_round_trip_and_errors() {
    let p = pki();
    let identity = Identity {
        private_key_pkcs8: p.personal.key_pkcs8.clone(),
        chain: vec![p.personal.certificate_der.clone(), p.root.certificate_der.clone()],
    };
    assert_eq!(identity.certificate(), p.personal.certificate_der.as_slice());
    let p12 = write_pkcs12(&identity, "mật khẩu 123", "Nguyễn Văn An").expect("write");
    let back = read_pkcs12(&p12, "mật khẩu 123").expect("read");
    assert_eq!(back.private_key_pkcs8.as_slice(), identity.private_key_pkcs8.as_slice());
    assert_eq!(back.chain, identity.chain);
    assert!(!format!("{back:?}").contains("private_key_pkcs8: ["));

    assert_eq!(read_pkcs12(&p12, "sai mật khẩu").err(), Some(PkiError::WrongPassword));
    assert!(matches!(read_pkcs12(b"garbage", "x"), Err(PkiError::Malformed(_))));
    assert!(matches!(read_pkcs12(&p12[..p12.len() / 2], "mật khẩu 123"), Err(PkiError::Malformed(_))));
    assert_eq!(PkiError::WrongPassword.to_string(), "Mật khẩu tệp PKCS#12 không đúng.");
    assert!(matches!(
        write_pkcs12(&Identity { private_key_pkcs8: identity.private_key_pkcs8.clone(), chain: vec![] }, "x", "y"),
        Err(PkiError::Malformed(_))
    ));
}

#[test]
fn ring_ecdsa_signature_verifies_with_demo_certificate() {
    let p = pki();
    let rng = ring::rand::SystemRandom::new();
    let key = EcdsaKeyPair::from_pkcs8(&ECDSA_P256_SHA256_ASN1_SIGNING, &p.personal.key_pkcs8, &rng)
        .expect("demo key loads in ring");
    let message = "Quyết định số 123/QĐ-UBND".as_bytes();
    let sig = key.sign(&rng, message).expect("sign");
    let cert = &p.personal.certificate_der;
    verify_signature_with_certificate(cert, "1.2.840.10045.4.3.2", None, message, sig.as_ref())
        .expect("ecdsa-with-SHA256");
    verify_signature_with_certificate(cert, "1.2.840.10045.2.1", Some("2.16.840.1.101.3.4.2.1"), message, sig.as_ref())
        .expect("id-ecPublicKey + SHA-256");
    assert!(matches!(
        verify_signature_with_certificate(cert, "1.2.840.10045.4.3.2", None, b"other", sig.as_ref()),
        Err(PkiError::Crypto(_))
    ));
    assert!(matches!(
        verify_signature_with_certificate(cert, "1.2.840.10045.4.3.3", None, message, sig.as_ref()),
        Err(PkiError::Crypto(_))
    ));
    assert!(matches!(
        verify_signature_with_certificate(cert, "1.2.840.113549.1.1.11", None, message, sig.as_ref()),
        Err(PkiError::Unsupported(_))
    ));
    assert!(matches!(
        verify_signature_with_certificate(cert, "1.2.3.4", None, message, sig.as_ref()),
        Err(PkiError::Unsupported(_))
    ));
    assert!(matches!(
        verify_signature_with_certificate(cert, "not an oid", None, message, sig.as_ref()),
        Err(PkiError::Malformed(_))
    ));

    // A demo key sealed under a PIN opens to the same usable key.
    let sealed = seal_key(&p.personal.key_pkcs8, "246810").expect("seal");
    let opened = open_key(&sealed, "246810").expect("open");
    assert_eq!(opened.as_slice(), p.personal.key_pkcs8.as_slice());
    assert_eq!(open_key(&sealed, "000000").err(), Some(PkiError::WrongPin));
    assert!(matches!(open_key(&sealed[..10], "246810"), Err(PkiError::Malformed(_))));
}
