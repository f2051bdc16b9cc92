//! Signing and verification throughput on a 2 MB PDF, printed as figures (not a pass/fail test).
//!
//! `cargo run --release -p egov-pades --example signature_bench [iterations]`
//!
//! - sign: PAdES B-B with a visible image, by incremental update (parse, write, hash 2 MB, CMS, key operation),
//!   with the demo PKI's ECDSA P-256 key and, when `openssl` is on the machine, an RSA-2048 key;
//! - verify: every signature's byte range, digest and CMS signature, plus the certificate chain to the trusted
//!   root and the revocation list (parsed once: "from cache"), as egov does for an arriving file.
//!
//! Each figure is measured on one thread (latency percentiles) and on two threads (throughput of the machine).
#![allow(clippy::unwrap_used)]

use egov_pades::{sign, verify, Appearance, KeySigner, Rect, SignRequest, Signer};
use std::time::{Duration, Instant};

fn two_megabyte_pdf() -> Vec<u8> {
    let base = egov_files::sample_pdf("Quyết định ban hành quy chế làm việc", 3);
    let mut doc = lopdf::Document::load_mem(&base).unwrap();
    // A scanned page is mostly incompressible image data: 2 MB of pseudo-random bytes.
    let mut state = 0x2545_f491_4f6c_dd1du64;
    let data: Vec<u8> = (0..2 * 1024 * 1024)
        .map(|_| {
            state ^= state << 13;
            state ^= state >> 7;
            state ^= state << 17;
            state as u8
        })
        .collect();
    let mut dict = lopdf::Dictionary::new();
    dict.set("Type", lopdf::Object::Name(b"XObject".to_vec()));
    dict.set("Subtype", lopdf::Object::Name(b"Image".to_vec()));
    dict.set("Width", 1024);
    dict.set("Height", 683);
    dict.set("ColorSpace", lopdf::Object::Name(b"DeviceRGB".to_vec()));
    dict.set("BitsPerComponent", 8);
    let id = doc.add_object(lopdf::Stream::new(dict, data));
    let (_, page) = doc.get_pages().into_iter().next().unwrap();
    let mut xobjects = lopdf::Dictionary::new();
    xobjects.set("Scan", lopdf::Object::Reference(id));
    let mut resources = lopdf::Dictionary::new();
    resources.set("XObject", lopdf::Object::Dictionary(xobjects));
    doc.get_dictionary_mut(page).unwrap().set("Resources", lopdf::Object::Dictionary(resources));
    let mut out = Vec::new();
    doc.save_to(&mut out).unwrap();
    out
}

fn signature_png() -> Vec<u8> {
    let mut out = Vec::new();
    {
        let mut enc = png::Encoder::new(&mut out, 240, 90);
        enc.set_color(png::ColorType::Rgba);
        let mut w = enc.write_header().unwrap();
        let rgba: Vec<u8> =
            (0..240 * 90).flat_map(|i| if i % 7 == 0 { [20, 40, 170, 255] } else { [0, 0, 0, 0] }).collect();
        w.write_image_data(&rgba).unwrap();
    }
    out
}

fn request(png: &[u8]) -> SignRequest {
    SignRequest {
        field_name: None,
        signing_time: 1_795_230_000,
        signer_name: Some("Nguyễn Văn An".into()),
        reason: Some("Ký ban hành".into()),
        location: None,
        appearance: Appearance::Image {
            page: None,
            rect: Rect { x1: 340.0, y1: 130.0, x2: 510.0, y2: 190.0 },
            png: png.to_vec(),
        },
        stamps: Vec::new(),
        with_timestamp: false,
    }
}

struct Figures {
    per_second_one_thread: f64,
    per_second_two_threads: f64,
    p50: Duration,
    p95: Duration,
    p99: Duration,
}

fn measure(iterations: usize, op: &(dyn Fn() + Sync)) -> Figures {
    for _ in 0..5 {
        op();
    }
    let mut latencies = Vec::with_capacity(iterations);
    let start = Instant::now();
    for _ in 0..iterations {
        let t = Instant::now();
        op();
        latencies.push(t.elapsed());
    }
    let one = iterations as f64 / start.elapsed().as_secs_f64();
    let start = Instant::now();
    std::thread::scope(|s| {
        for _ in 0..2 {
            s.spawn(|| {
                for _ in 0..iterations / 2 {
                    op();
                }
            });
        }
    });
    let two = (iterations / 2 * 2) as f64 / start.elapsed().as_secs_f64();
    latencies.sort();
    let at = |q: f64| latencies[((latencies.len() as f64 * q) as usize).min(latencies.len() - 1)];
    Figures { per_second_one_thread: one, per_second_two_threads: two, p50: at(0.50), p95: at(0.95), p99: at(0.99) }
}

fn print(label: &str, f: &Figures) {
    println!(
        "{label:<44} {:>8.0}/s (1 thread) {:>8.0}/s (2 threads)   p50 {:>6.2} ms  p95 {:>6.2} ms  p99 {:>6.2} ms",
        f.per_second_one_thread,
        f.per_second_two_threads,
        f.p50.as_secs_f64() * 1e3,
        f.p95.as_secs_f64() * 1e3,
        f.p99.as_secs_f64() * 1e3
    );
}

fn rsa_signer(dir: &std::path::Path) -> Option<KeySigner> {
    let run = |args: &[&str]| {
        std::process::Command::new("openssl").args(args).current_dir(dir).output().ok().filter(|o| o.status.success())
    };
    run(&[
        "req",
        "-x509",
        "-newkey",
        "rsa:2048",
        "-nodes",
        "-keyout",
        "k.pem",
        "-out",
        "c.pem",
        "-days",
        "30",
        "-subj",
        "/CN=RSA bench/C=VN",
    ])?;
    run(&["pkcs12", "-export", "-inkey", "k.pem", "-in", "c.pem", "-out", "b.p12", "-passout", "pass:bench"])?;
    let identity = egov_pki::read_pkcs12(&std::fs::read(dir.join("b.p12")).ok()?, "bench").ok()?;
    KeySigner::from_pkcs8(&identity.private_key_pkcs8, identity.chain.clone()).ok()
}

fn main() {
    let iterations: usize = std::env::args().nth(1).and_then(|a| a.parse().ok()).unwrap_or(400);
    let pdf = two_megabyte_pdf();
    let png = signature_png();
    println!(
        "PDF: {} bytes; {iterations} operations per figure; {} CPUs",
        pdf.len(),
        std::thread::available_parallelism().map(|n| n.get()).unwrap_or(1)
    );
    let now = 1_795_230_000 - 3600;
    let root = egov_pki::create_root("Bench Root", "egov", now - 86_400, 3650).unwrap();
    let leaf = egov_pki::issue_certificate(
        &root,
        &egov_pki::Subject::new("Nguyễn Văn An"),
        egov_pki::CertificateKind::Personal,
        now,
        365,
        Some("http://127.0.0.1/crl"),
    )
    .unwrap();
    let ecdsa =
        KeySigner::from_pkcs8(&leaf.key_pkcs8, vec![leaf.certificate_der.clone(), root.certificate_der.clone()])
            .unwrap();
    let req = request(&png);

    let f = measure(iterations, &|| {
        let out = sign(&pdf, &ecdsa, &req).unwrap();
        assert!(out.len() > pdf.len());
    });
    print("sign, ECDSA P-256, visible image", &f);
    let dir = std::env::temp_dir().join(format!("egov-sign-bench-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    if let Some(rsa) = rsa_signer(&dir) {
        let f = measure(iterations, &|| {
            sign(&pdf, &rsa, &req).unwrap();
        });
        print("sign, RSA-2048, visible image", &f);
    }
    let _ = std::fs::remove_dir_all(&dir);

    let signed = sign(&pdf, &ecdsa, &req).unwrap();
    let trust = egov_pki::TrustStore::new(vec![root.certificate_der.clone()]).unwrap();
    let crl = egov_pki::Crl::parse(&egov_pki::create_crl(&root, &[], now, now + 86_400 * 30, 1).unwrap()).unwrap();
    let crls = vec![crl];
    // Everything egov checks on an arriving file: each signature, its chain and its revocation status.
    let full_check = |pdf: &[u8], expected: usize| {
        let reports = verify(pdf).unwrap();
        assert_eq!(reports.len(), expected);
        for r in &reports {
            assert!(r.intact());
            let chain = egov_pki::validate_chain(
                r.signer_certificate.as_ref().unwrap(),
                &r.certificates,
                &trust,
                r.signing_time.unwrap(),
                &crls,
            );
            assert!(chain.problem.is_none() && matches!(chain.leaf_revocation, egov_pki::Revocation::Good { .. }));
        }
    };
    let f = measure(iterations, &|| full_check(&signed, 1));
    print("verify (digest, CMS, chain, CRL), 1 signature", &f);
    let twice = sign(&signed, &ecdsa, &req).unwrap();
    let f = measure(iterations, &|| full_check(&twice, 2));
    print("verify, 2 signatures (revision diff)", &f);
    let _ = ecdsa.certificate_chain();
    // What the server adds per signature: opening the stored key with the PIN (Argon2id 19 MiB × 2, AES-GCM).
    let sealed = egov_pki::seal_key(&leaf.key_pkcs8, "123456").unwrap();
    let f = measure(40, &|| {
        let key = egov_pki::open_key(&sealed, "123456").unwrap();
        KeySigner::from_pkcs8(&key, vec![leaf.certificate_der.clone()]).unwrap();
    });
    print("open a PIN-sealed key (per signature)", &f);
    let peak = std::fs::read_to_string("/proc/self/status")
        .ok()
        .and_then(|s| {
            s.lines().find(|l| l.starts_with("VmHWM")).map(|l| l.split_whitespace().nth(1).unwrap_or("0").to_string())
        })
        .unwrap_or_default();
    println!("peak resident memory: {} MB", peak.parse::<u64>().unwrap_or(0) / 1024);
}
