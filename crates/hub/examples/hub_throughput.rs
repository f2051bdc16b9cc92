//! Rough throughput of one hub on this machine: N signed document packages, each with a
//! 100 KB attachment, sent by one node to another with C concurrent requests; prints
//! packages per second. Run: `cargo run --release -p egov-hub --example hub_throughput -- [N] [C] [DB URL] [BODY DIR]`
//! (default 2000, 64, a temporary SQLite file with its bodies in segment files beside it; on
//! PostgreSQL the bodies are in the database unless a body folder is given). The client runs in
//! the same process and shares the CPU, so the figure is a lower bound.
#![allow(clippy::unwrap_used, clippy::expect_used)]

use std::sync::Arc;
use std::time::{Duration, Instant};

use egov_edxml::{AgencyCode, Date, DocumentId, Organization};
use egov_hub::{Hub, HubClient, HubSettings, NewSystem, SystemKind};
use egov_pki::{CertificateKind, KeySigner, Subject};
use rand::RngCore;

const NS: &str = "http://www.mic.gov.vn/TBT/QCVN_102_2016";

fn main() {
    let args: Vec<String> = std::env::args().collect();
    let n: usize = args.get(1).and_then(|a| a.parse().ok()).unwrap_or(2000);
    let concurrency: usize = args.get(2).and_then(|a| a.parse().ok()).unwrap_or(64);
    let dir = tempfile::tempdir().unwrap();
    let url = args.get(3).cloned().unwrap_or_else(|| format!("sqlite://{}/hub.db", dir.path().display()));

    let now = std::time::SystemTime::now().duration_since(std::time::UNIX_EPOCH).unwrap().as_secs() as i64;
    let root = egov_pki::create_root("Bench Root", "bench", now - 3600, 30).unwrap();
    let issue = |name: &str| {
        let leaf =
            egov_pki::issue_certificate(&root, &Subject::new(name), CertificateKind::Seal, now - 60, 30, None).unwrap();
        let signer = KeySigner::from_pkcs8(&leaf.key_pkcs8, vec![leaf.certificate_der.clone()]).unwrap();
        (leaf.certificate_der, Arc::new(signer))
    };
    let (cert_a, key_a) = issue("A");
    let (cert_b, _key_b) = issue("B");

    let sample =
        std::fs::read(concat!(env!("CARGO_MANIFEST_DIR"), "/../edxml/fuzz/corpus/read_package/canonical.xml")).unwrap();
    let egov_edxml::Message::Package(read) = egov_edxml::read_message(&sample).unwrap() else { panic!() };
    let base = read.package;
    let code = |c: &str| AgencyCode::parse(c).unwrap();
    let t0 = Instant::now();
    let threads = std::thread::available_parallelism().map(|n| n.get()).unwrap_or(2);
    let packages: Vec<Vec<u8>> = std::thread::scope(|s| {
        let handles: Vec<_> = (0..threads)
            .map(|t| {
                let base = base.clone();
                let key_a = key_a.clone();
                s.spawn(move || {
                    let mut out = Vec::new();
                    let mut rng = rand::thread_rng();
                    for i in (t..n).step_by(threads) {
                        let mut p = base.clone();
                        p.header.from = Organization::new(code("G09"), "A");
                        p.header.to = vec![Organization::new(code("G10"), "B")];
                        p.header.response_for.clear();
                        p.header.code.number = (i + 1).to_string();
                        p.header.document_id = DocumentId::new(
                            code("G09"),
                            Date::new(2026, 1, 1).unwrap(),
                            &(i + 1).to_string(),
                            "UBND-VP",
                        )
                        .unwrap();
                        let mut data = vec![0u8; 100 * 1024];
                        rng.fill_bytes(&mut data);
                        if let Some(a) = p.attachments.first_mut() {
                            a.data = data;
                        }
                        let xml = String::from_utf8(egov_edxml::write_package(&p).unwrap().bytes).unwrap();
                        out.push(
                            egov_xmldsig::sign(&xml, NS, "DigitalSignature", key_a.as_ref()).unwrap().into_bytes(),
                        );
                    }
                    out
                })
            })
            .collect();
        handles.into_iter().flat_map(|h| h.join().unwrap()).collect()
    });
    eprintln!("prepared {} packages of ~{} bytes in {:.1?}", packages.len(), packages[0].len(), t0.elapsed());
    // Where one core's time goes, per package.
    let m = packages.len().min(200);
    let t = Instant::now();
    for p in &packages[..m] {
        std::hint::black_box(egov_hub::package_id(p));
    }
    let sha = t.elapsed() / m as u32;
    let opts = egov_edxml::ReadOptions { unzip_attachments: false, ..Default::default() };
    let t = Instant::now();
    for p in &packages[..m] {
        std::hint::black_box(egov_edxml::read_message_with(p, &opts).unwrap());
    }
    let read = t.elapsed() / m as u32;
    let t = Instant::now();
    for p in &packages[..m] {
        std::hint::black_box(egov_xmldsig::verify(std::str::from_utf8(p).unwrap()).unwrap());
    }
    let verify = t.elapsed() / m as u32;
    eprintln!("per package, one core: sha256 {sha:?}, edxml read {read:?}, xmldsig verify {verify:?}");

    let rt = tokio::runtime::Builder::new_multi_thread().enable_all().build().unwrap();
    rt.block_on(async move {
        let hub = Hub::open(HubSettings {
            database_url: url,
            own_code: "G00".into(),
            trust_roots_pem: egov_pki::der_to_pem(&root.certificate_der, "CERTIFICATE"),
            admin_token: "x".into(),
            body_dir: args.get(4).map(std::path::PathBuf::from),
            ..HubSettings::default()
        })
        .await
        .unwrap();
        for (code, cert) in [("G09", &cert_a), ("G10", &cert_b)] {
            let s = NewSystem {
                code: code.into(),
                name: code.into(),
                kind: SystemKind::Node,
                certificate_der: cert.clone(),
                level: None,
                parent: None,
                endpoint: None,
            };
            hub.register_system(&s).await.unwrap();
        }
        let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
        let addr = listener.local_addr().unwrap();
        tokio::spawn(hub.clone().run(listener, std::future::pending()));
        let client = HubClient::new(format!("http://{addr}"), "G09", key_a.clone());
        let packages = Arc::new(packages);
        let next = Arc::new(std::sync::atomic::AtomicUsize::new(0));
        let start = Instant::now();
        let cpu0 = cpu_seconds();
        let mut tasks = Vec::new();
        for _ in 0..concurrency {
            let (client, packages, next) = (client.clone(), packages.clone(), next.clone());
            tasks.push(tokio::spawn(async move {
                loop {
                    let i = next.fetch_add(1, std::sync::atomic::Ordering::Relaxed);
                    let Some(p) = packages.get(i) else { break };
                    let sent = client.send(p).await.expect("send");
                    assert!(!sent.duplicate);
                }
            }));
        }
        for t in tasks {
            t.await.unwrap();
        }
        let elapsed = start.elapsed();
        let cpu = cpu_seconds() - cpu0;
        println!(
            "CPU used while sending: {cpu:.2} s over {:.2} s ({:.0}% of one core)",
            elapsed.as_secs_f64(),
            100.0 * cpu / elapsed.as_secs_f64()
        );
        println!(
            "{} packages in {:.2?}: {:.0} packages/s ({} concurrent senders)",
            n,
            elapsed,
            n as f64 / elapsed.as_secs_f64(),
            concurrency
        );
        let b = HubClient::new(format!("http://{addr}"), "G10", _key_b);
        let pending = b.pending(Duration::ZERO).await.unwrap();
        println!("receiver sees {} pending (first page)", pending.len());
    });
}

/// User + system CPU seconds of this process so far (Linux), or 0.
fn cpu_seconds() -> f64 {
    let stat = std::fs::read_to_string("/proc/self/stat").unwrap_or_default();
    let after = stat.rsplit(')').next().unwrap_or_default();
    let f: Vec<&str> = after.split_whitespace().collect();
    let ticks = |i: usize| f.get(i).and_then(|v| v.parse::<f64>().ok()).unwrap_or(0.0);
    (ticks(11) + ticks(12)) / 100.0
}
