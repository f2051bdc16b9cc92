//! Interoperability with files and signatures made by other tools: the
//! `openssl` CLI (modern and legacy PKCS#12, RSA PKCS#1 v1.5 and PSS
//! signatures, EC keys) and Python `cryptography`. Each part is skipped, with
//! a note, when its tool is missing (openssl: unless `EGOV_REQUIRE_OPENSSL` is
//! set, as in CI).

use std::path::{Path, PathBuf};
use std::process::Command;

use egov_pki::*;
use ring::signature::{EcdsaKeyPair, RsaKeyPair, ECDSA_P256_SHA256_ASN1_SIGNING};

const PASSWORD: &str = "Mật-khẩu 2024";

/// A fresh scratch directory, removed on drop.
struct Scratch(PathBuf);

impl Scratch {
    fn new(tag: &str) -> Self {
        let nanos = std::time::SystemTime::now().duration_since(std::time::UNIX_EPOCH).expect("clock").subsec_nanos();
        let dir = std::env::temp_dir().join(format!("egov-pki-{tag}-{}-{nanos}", std::process::id()));
        std::fs::create_dir_all(&dir).expect("scratch dir");
        Self(dir)
    }

    fn path(&self, name: &str) -> PathBuf {
        self.0.join(name)
    }

    fn read(&self, name: &str) -> Vec<u8> {
        std::fs::read(self.path(name)).expect("read scratch file")
    }
}

impl Drop for Scratch {
    fn drop(&mut self) {
        let _ = std::fs::remove_dir_all(&self.0);
    }
}

fn has_openssl() -> bool {
    let found = Command::new("openssl").arg("version").output().is_ok_and(|o| o.status.success());
    if !found {
        assert!(
            std::env::var_os("EGOV_REQUIRE_OPENSSL").is_none(),
            "openssl is required (EGOV_REQUIRE_OPENSSL is set)"
        );
        eprintln!("NOTE: openssl CLI not found; skipping OpenSSL interop checks");
    }
    found
}

/// Runs openssl in `dir`, panicking with its stderr on failure.
fn openssl(dir: &Path, args: &[&str]) {
    let out = Command::new("openssl").args(args).current_dir(dir).output().expect("run openssl");
    assert!(out.status.success(), "openssl {args:?} failed: {}", String::from_utf8_lossy(&out.stderr));
}

fn pass_arg() -> String {
    format!("pass:{PASSWORD}")
}

#[test]
fn openssl_rsa_pkcs12_modern_and_legacy_and_signatures() {
    if !has_openssl() {
        return;
    }
    let s = Scratch::new("rsa");
    let dir = &s.0;
    openssl(
        dir,
        &[
            "req",
            "-x509",
            "-newkey",
            "rsa:2048",
            "-nodes",
            "-keyout",
            "key.pem",
            "-out",
            "cert.pem",
            "-days",
            "30",
            "-utf8",
            "-subj",
            "/C=VN/O=Sở Tư pháp Demo/CN=Trần Thị Bình",
        ],
    );
    let pass = pass_arg();
    openssl(
        dir,
        &[
            "pkcs12",
            "-export",
            "-in",
            "cert.pem",
            "-inkey",
            "key.pem",
            "-name",
            "Bình",
            "-out",
            "modern.p12",
            "-passout",
            &pass,
        ],
    );
    let cert_der =
        pem_to_der_all(&String::from_utf8(s.read("cert.pem")).expect("utf8")).pop().expect("one certificate");

    let modern = read_pkcs12(&s.read("modern.p12"), PASSWORD).expect("read modern p12");
    assert_eq!(modern.chain, vec![cert_der.clone()]);
    RsaKeyPair::from_pkcs8(&modern.private_key_pkcs8).expect("RSA key loads in ring");
    let info = certificate_info(modern.certificate()).expect("info");
    assert_eq!(info.common_name, "Trần Thị Bình");
    assert_eq!(info.subject, "CN=Trần Thị Bình, O=Sở Tư pháp Demo, C=VN");
    assert_eq!(info.key_algorithm, "RSA 2048");
    assert_eq!(read_pkcs12(&s.read("modern.p12"), "wrong").err(), Some(PkiError::WrongPassword));

    let legacy_ok = Command::new("openssl")
        .args([
            "pkcs12",
            "-export",
            "-legacy",
            "-in",
            "cert.pem",
            "-inkey",
            "key.pem",
            "-out",
            "legacy.p12",
            "-passout",
            &pass,
        ])
        .current_dir(dir)
        .output()
        .is_ok_and(|o| o.status.success());
    if legacy_ok {
        let legacy = read_pkcs12(&s.read("legacy.p12"), PASSWORD).expect("read legacy p12");
        assert_eq!(legacy.chain, modern.chain);
        assert_eq!(legacy.private_key_pkcs8.as_slice(), modern.private_key_pkcs8.as_slice());
        assert_eq!(read_pkcs12(&s.read("legacy.p12"), "wrong").err(), Some(PkiError::WrongPassword));
    } else {
        eprintln!("NOTE: openssl pkcs12 -legacy unsupported here; skipping legacy file");
    }

    // A certificates-only file has no key.
    openssl(dir, &["pkcs12", "-export", "-nokeys", "-in", "cert.pem", "-out", "certs.p12", "-passout", &pass]);
    assert_eq!(read_pkcs12(&s.read("certs.p12"), PASSWORD).err(), Some(PkiError::NoPrivateKey));

    // RSA PKCS#1 v1.5 and PSS signatures made by openssl.
    let message = "Văn bản cần ký: Quyết định 42/QĐ".as_bytes();
    std::fs::write(s.path("msg.txt"), message).expect("write message");
    openssl(dir, &["dgst", "-sha256", "-sign", "key.pem", "-out", "pkcs1.sig", "msg.txt"]);
    let sig = s.read("pkcs1.sig");
    verify_signature_with_certificate(&cert_der, "1.2.840.113549.1.1.11", None, message, &sig)
        .expect("sha256WithRSAEncryption");
    verify_signature_with_certificate(&cert_der, "1.2.840.113549.1.1.1", Some("2.16.840.1.101.3.4.2.1"), message, &sig)
        .expect("rsaEncryption + SHA-256");
    assert!(matches!(
        verify_signature_with_certificate(&cert_der, "1.2.840.113549.1.1.11", None, b"x", &sig),
        Err(PkiError::Crypto(_))
    ));
    assert!(verify_signature_with_certificate(
        &cert_der,
        "1.2.840.113549.1.1.1",
        Some("2.16.840.1.101.3.4.2.3"),
        message,
        &sig
    )
    .is_err());

    openssl(
        dir,
        &[
            "dgst",
            "-sha256",
            "-sigopt",
            "rsa_padding_mode:pss",
            "-sigopt",
            "rsa_pss_saltlen:32",
            "-sigopt",
            "rsa_mgf1_md:sha256",
            "-sign",
            "key.pem",
            "-out",
            "pss.sig",
            "msg.txt",
        ],
    );
    let pss = s.read("pss.sig");
    verify_signature_with_certificate(
        &cert_der,
        "1.2.840.113549.1.1.10",
        Some("2.16.840.1.101.3.4.2.1"),
        message,
        &pss,
    )
    .expect("RSASSA-PSS SHA-256 without explicit parameters");
    // RSASSA-PSS-params: SHA-256, MGF1(SHA-256), salt 32.
    let params = hex::decode(concat!(
        "3034",
        "a00f300d06096086480165030402010500",
        "a11c301a06092a864886f70d010108300d06096086480165030402010500",
        "a203020120"
    ))
    .expect("hex");
    verify_signature_with_params(&cert_der, "1.2.840.113549.1.1.10", Some(&params), None, message, &pss)
        .expect("RSASSA-PSS with parameters");
    let mut salt20 = params.clone();
    let last = salt20.len() - 1;
    salt20[last] = 20;
    assert!(matches!(
        verify_signature_with_params(&cert_der, "1.2.840.113549.1.1.10", Some(&salt20), None, message, &pss),
        Err(PkiError::Unsupported(_))
    ));
}

#[test]
fn openssl_ec_pkcs12_with_demo_chain_is_ordered() {
    if !has_openssl() {
        return;
    }
    let s = Scratch::new("ec");
    let dir = &s.0;
    let now =
        i64::try_from(std::time::SystemTime::now().duration_since(std::time::UNIX_EPOCH).expect("clock").as_secs())
            .expect("i64");
    let root = create_root("Demo Root CA", "Egov Demo", now - 86_400, 365).expect("root");
    let leaf = issue_certificate(&root, &Subject::new("Phạm Minh Châu"), CertificateKind::Personal, now - 60, 30, None)
        .expect("leaf");
    // Root first in the input file: the reader must still put the leaf first.
    let certs = der_to_pem(&root.certificate_der, "CERTIFICATE") + &der_to_pem(&leaf.certificate_der, "CERTIFICATE");
    std::fs::write(s.path("certs.pem"), certs).expect("write");
    std::fs::write(s.path("key.pem"), der_to_pem(&leaf.key_pkcs8, "PRIVATE KEY")).expect("write");
    let pass = pass_arg();
    openssl(dir, &["pkcs12", "-export", "-in", "certs.pem", "-inkey", "key.pem", "-out", "id.p12", "-passout", &pass]);
    let id = read_pkcs12(&s.read("id.p12"), PASSWORD).expect("read");
    assert_eq!(id.chain, vec![leaf.certificate_der.clone(), root.certificate_der.clone()]);
    let rng = ring::rand::SystemRandom::new();
    EcdsaKeyPair::from_pkcs8(&ECDSA_P256_SHA256_ASN1_SIGNING, &id.private_key_pkcs8, &rng)
        .expect("EC key loads in ring");

    // An EC signature made by openssl with the demo key.
    std::fs::write(s.path("msg.txt"), b"hello").expect("write");
    openssl(dir, &["dgst", "-sha256", "-sign", "key.pem", "-out", "ec.sig", "msg.txt"]);
    verify_signature_with_certificate(&leaf.certificate_der, "1.2.840.10045.4.3.2", None, b"hello", &s.read("ec.sig"))
        .expect("openssl ECDSA signature");

    // An EC key whose PKCS#8 lacks the public point (some exporters do
    // this): the reader fills it in from the certificate so ring loads it.
    openssl(dir, &["ec", "-in", "key.pem", "-no_public", "-out", "nopub.pem"]);
    openssl(dir, &["pkcs8", "-topk8", "-nocrypt", "-in", "nopub.pem", "-outform", "DER", "-out", "nopub.p8"]);
    let nopub = s.read("nopub.p8");
    assert!(EcdsaKeyPair::from_pkcs8(&ECDSA_P256_SHA256_ASN1_SIGNING, &nopub, &rng).is_err());
    let p12 = write_pkcs12(
        &Identity { private_key_pkcs8: nopub.into(), chain: vec![leaf.certificate_der.clone()] },
        PASSWORD,
        "nopub",
    )
    .expect("write");
    let fixed = read_pkcs12(&p12, PASSWORD).expect("read key without public point");
    let fixed_key = EcdsaKeyPair::from_pkcs8(&ECDSA_P256_SHA256_ASN1_SIGNING, &fixed.private_key_pkcs8, &rng)
        .expect("normalised key loads in ring");
    let sig = fixed_key.sign(&rng, b"hello").expect("sign");
    verify_signature_with_certificate(&leaf.certificate_der, "1.2.840.10045.4.3.2", None, b"hello", sig.as_ref())
        .expect("normalised key is the certificate's key");

    // A P-384 key from openssl.
    openssl(
        dir,
        &[
            "req",
            "-x509",
            "-newkey",
            "ec",
            "-pkeyopt",
            "ec_paramgen_curve:P-384",
            "-nodes",
            "-keyout",
            "k384.pem",
            "-out",
            "c384.pem",
            "-days",
            "5",
            "-subj",
            "/CN=P384",
        ],
    );
    openssl(
        dir,
        &["pkcs12", "-export", "-in", "c384.pem", "-inkey", "k384.pem", "-out", "p384.p12", "-passout", &pass],
    );
    let p384 = read_pkcs12(&s.read("p384.p12"), PASSWORD).expect("read p384");
    assert_eq!(certificate_info(p384.certificate()).expect("info").key_algorithm, "ECDSA P-384");
}

#[test]
fn openssl_accepts_demo_certificates_and_crl() {
    if !has_openssl() {
        return;
    }
    let s = Scratch::new("verify");
    let dir = &s.0;
    let now =
        i64::try_from(std::time::SystemTime::now().duration_since(std::time::UNIX_EPOCH).expect("clock").as_secs())
            .expect("i64");
    let root = create_root("Demo Root CA", "Egov Demo", now - 86_400, 365).expect("root");
    let issue = |name: &str, kind| {
        issue_certificate(&root, &Subject::new(name), kind, now - 60, 30, Some("http://crl.test/r.crl")).expect("issue")
    };
    let good = issue("Người tốt", CertificateKind::Personal);
    let bad = issue("Người bị thu hồi", CertificateKind::Seal);
    let tsa = issue("TSA", CertificateKind::TimeStamping);
    let serial = certificate_info(&bad.certificate_der).expect("info").serial_hex;
    let crl =
        create_crl(&root, &[RevokedEntry { serial_hex: serial, revoked_at: now - 30 }], now - 10, now + 86_400, 7)
            .expect("crl");
    for (name, der, label) in [
        ("root.pem", &root.certificate_der, "CERTIFICATE"),
        ("good.pem", &good.certificate_der, "CERTIFICATE"),
        ("bad.pem", &bad.certificate_der, "CERTIFICATE"),
        ("tsa.pem", &tsa.certificate_der, "CERTIFICATE"),
        ("crl.pem", &crl, "X509 CRL"),
    ] {
        std::fs::write(s.path(name), der_to_pem(der, label)).expect("write");
    }
    let verify = |leaf: &str, purpose: &str| {
        Command::new("openssl")
            .args(["verify", "-purpose", purpose, "-crl_check", "-CAfile", "root.pem", "-CRLfile", "crl.pem", leaf])
            .current_dir(dir)
            .output()
            .expect("run openssl verify")
    };
    let out = verify("good.pem", "smimesign");
    assert!(out.status.success(), "{}", String::from_utf8_lossy(&out.stdout));
    let out = verify("tsa.pem", "timestampsign");
    assert!(out.status.success(), "{}", String::from_utf8_lossy(&out.stdout));
    let out = verify("bad.pem", "any");
    assert!(!out.status.success());
    let text = String::from_utf8_lossy(&out.stdout).to_string() + &String::from_utf8_lossy(&out.stderr);
    assert!(text.contains("revoked"), "{text}");
}

/// DER of the first PEM certificate in a scratch file.
fn cert_file(s: &Scratch, name: &str) -> Vec<u8> {
    pem_to_der_all(&String::from_utf8(s.read(name)).expect("utf8")).remove(0)
}

#[test]
fn openssl_intermediate_chain_validates_with_revocation_per_level() {
    if !has_openssl() {
        return;
    }
    let s = Scratch::new("inter");
    let dir = &s.0;
    std::fs::write(
        s.path("ca.ext"),
        "basicConstraints=critical,CA:TRUE\nkeyUsage=critical,keyCertSign,cRLSign\n\
         subjectKeyIdentifier=hash\nauthorityKeyIdentifier=keyid\n",
    )
    .expect("write");
    std::fs::write(
        s.path("leaf.ext"),
        "basicConstraints=CA:FALSE\nkeyUsage=critical,digitalSignature,nonRepudiation\n\
         extendedKeyUsage=emailProtection\nsubjectKeyIdentifier=hash\nauthorityKeyIdentifier=keyid\n",
    )
    .expect("write");
    let ec = ["-utf8", "-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:P-256", "-nodes"];
    let mut args = vec!["req", "-x509"];
    args.extend(ec);
    args.extend(["-keyout", "rk.pem", "-out", "root.pem", "-days", "30", "-subj", "/C=VN/O=Root Org/CN=Gốc"]);
    args.extend(["-addext", "basicConstraints=critical,CA:TRUE", "-addext", "keyUsage=critical,keyCertSign,cRLSign"]);
    openssl(dir, &args);
    for (name, subject, ca, ca_key, ext) in [
        ("inter", "/C=VN/O=Root Org/CN=Trung gian", "root.pem", "rk.pem", "ca.ext"),
        ("leaf", "/C=VN/CN=Lá", "inter.pem", "inter-k.pem", "leaf.ext"),
    ] {
        let (key, csr, cert) = (format!("{name}-k.pem"), format!("{name}.csr"), format!("{name}.pem"));
        let mut args = vec!["req"];
        args.extend(ec);
        args.extend(["-keyout", &key, "-out", &csr, "-subj", subject]);
        openssl(dir, &args);
        openssl(
            dir,
            &[
                "x509",
                "-req",
                "-in",
                &csr,
                "-CA",
                ca,
                "-CAkey",
                ca_key,
                "-CAcreateserial",
                "-days",
                "20",
                "-out",
                &cert,
                "-extfile",
                ext,
            ],
        );
    }
    openssl(dir, &["pkcs8", "-topk8", "-nocrypt", "-in", "inter-k.pem", "-outform", "DER", "-out", "inter-k.der"]);
    let (root, inter, leaf) = (cert_file(&s, "root.pem"), cert_file(&s, "inter.pem"), cert_file(&s, "leaf.pem"));
    let now = certificate_info(&leaf).expect("info").not_before + 60;
    let trust = TrustStore::new(vec![root.clone()]).expect("trust");

    // Our demo code signs with the OpenSSL intermediate as CA.
    let inter_ca = Issued { certificate_der: inter.clone(), key_pkcs8: s.read("inter-k.der").into() };
    let ours = issue_certificate(&inter_ca, &Subject::new("Do egov cấp"), CertificateKind::Personal, now - 10, 5, None)
        .expect("issue under an OpenSSL CA");
    let leaf_serial = certificate_info(&leaf).expect("info").serial_hex;
    let crl = Crl::parse(
        &create_crl(&inter_ca, &[RevokedEntry { serial_hex: leaf_serial, revoked_at: now - 5 }], now - 1, now + 99, 1)
            .expect("crl"),
    )
    .expect("parse");
    assert!(crl.verify_issued_by(&inter));
    assert!(!crl.verify_issued_by(&root));

    // Unrelated and duplicate intermediates are ignored.
    let unrelated = create_root("Khác", "Khác", now - 100, 10).expect("root").certificate_der;
    let intermediates = vec![unrelated, inter.clone(), inter.clone()];
    let report = validate_chain(&leaf, &intermediates, &trust, now, std::slice::from_ref(&crl));
    assert_eq!(report.problem, None);
    let names: Vec<&str> = report.chain.iter().map(|c| c.common_name.as_str()).collect();
    assert_eq!(names, ["Lá", "Trung gian", "Gốc"]);
    assert_eq!(report.revocation, vec![Revocation::Revoked { at: now - 5 }, Revocation::Unknown]);
    assert_eq!(report.leaf_revocation, Revocation::Revoked { at: now - 5 });

    let ours_report = validate_chain(&ours.certificate_der, &intermediates, &trust, now, std::slice::from_ref(&crl));
    assert_eq!(ours_report.problem, None);
    assert_eq!(ours_report.chain.len(), 3);
    assert_eq!(ours_report.leaf_revocation, Revocation::Good { crl_this_update: now - 1 });

    // Without the intermediate there is no path; the display chain is the leaf.
    let lonely = validate_chain(&leaf, &[], &trust, now, &[]);
    assert_eq!(lonely.problem, Some(ChainProblem::UntrustedRoot));
    assert_eq!(lonely.chain.len(), 1);
    assert_eq!(lonely.revocation, vec![Revocation::Unknown]);
    // Expired intermediate-era time: the display chain still reaches the root.
    let late = validate_chain(&leaf, &intermediates, &trust, now + 40 * 86_400, &[]);
    assert_eq!(late.problem, Some(ChainProblem::Expired));
    assert_eq!(late.chain.len(), 3);
    assert_eq!(late.revocation.len(), 2);
}

#[test]
fn python_cryptography_pkcs12_is_read() {
    let script = r#"
import sys, datetime
from cryptography import x509
from cryptography.x509.oid import NameOID
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec
from cryptography.hazmat.primitives.serialization import pkcs12
key = ec.generate_private_key(ec.SECP256R1())
name = x509.Name([x509.NameAttribute(NameOID.COUNTRY_NAME, "VN"),
                  x509.NameAttribute(NameOID.COMMON_NAME, "Đỗ Quang Huy")])
now = datetime.datetime.now(datetime.timezone.utc)
cert = (x509.CertificateBuilder().subject_name(name).issuer_name(name)
        .public_key(key.public_key()).serial_number(x509.random_serial_number())
        .not_valid_before(now).not_valid_after(now + datetime.timedelta(days=1))
        .sign(key, hashes.SHA256()))
data = pkcs12.serialize_key_and_certificates(b"huy", key, cert, None,
        serialization.BestAvailableEncryption(sys.argv[2].encode()))
open(sys.argv[1], "wb").write(data)
"#;
    let s = Scratch::new("py");
    let out_file = s.path("py.p12");
    let ran = Command::new("python3").arg("-c").arg(script).arg(&out_file).arg(PASSWORD).output();
    match ran {
        Ok(o) if o.status.success() => {}
        _ => {
            eprintln!("NOTE: python3 with `cryptography` not available; skipping");
            return;
        }
    }
    let id = read_pkcs12(&s.read("py.p12"), PASSWORD).expect("read python p12");
    let info = certificate_info(id.certificate()).expect("info");
    assert_eq!(info.subject, "CN=Đỗ Quang Huy, C=VN");
    assert_eq!(info.key_algorithm, "ECDSA P-256");
    let rng = ring::rand::SystemRandom::new();
    EcdsaKeyPair::from_pkcs8(&ECDSA_P256_SHA256_ASN1_SIGNING, &id.private_key_pkcs8, &rng)
        .expect("EC key loads in ring");
    assert_eq!(read_pkcs12(&s.read("py.p12"), "nope").err(), Some(PkiError::WrongPassword));
}
