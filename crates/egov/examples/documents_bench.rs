//! Document benchmarks (issue 3). Prints figures; asserts nothing but the numbering invariant.
//!
//! - `register URL FILES_DIR SECONDS CLIENTS`: `CLIENTS` concurrent clerks register incoming
//!   documents through the service layer, each with its own ~100 KB PDF (a scanned page: a
//!   JPEG-like image stream and a line of text; every file is distinct, so every one is written
//!   and fsynced), for `SECONDS`. Prints registrations per second, latency percentiles, and
//!   checks that the arrival numbers are exactly 1..=count.
//! - `load URL TOTAL`: bulk-loads registered documents (realistic Vietnamese subjects) until the
//!   database holds `TOTAL`: half in the demo office H41.01 (visible to its leader, every 20th
//!   explicitly given to the specialist `chuyenvien`, every 10th in the leader's inbox), half in
//!   H41.12 (invisible to both).
//! - `query URL FILES_DIR QUERIES`: search and inbox latency (in process), as the leader
//!   (agency-wide visibility) and as the specialist (explicit grants only), and peak memory.
//!
//! `cargo run --release -p egov --example documents_bench -- register sqlite://… /tmp/files 20 32`

use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::Arc;
use std::time::{Duration, Instant};

use egov_domain::document::folded_search_text;
use egov_service::documents::registry::IncomingInput;
use egov_service::documents::search::SearchInput;
use egov_service::documents::Upload;
use egov_service::{Argon2Cost, Caller, ServiceSettings, Services};
use egov_storage::bulk::{self, BulkDocument};
use egov_storage::Store;

fn percentile(sorted: &[Duration], p: f64) -> f64 {
    if sorted.is_empty() {
        return 0.0;
    }
    let i = ((sorted.len() as f64 - 1.0) * p).round() as usize;
    sorted[i].as_secs_f64() * 1000.0
}

fn report(label: &str, mut lat: Vec<Duration>, elapsed: Duration) {
    lat.sort_unstable();
    println!(
        "{label}: {} in {:.1} s = {:.0}/s; latency p50 {:.2} ms, p95 {:.2} ms, p99 {:.2} ms, max {:.2} ms",
        lat.len(),
        elapsed.as_secs_f64(),
        lat.len() as f64 / elapsed.as_secs_f64(),
        percentile(&lat, 0.50),
        percentile(&lat, 0.95),
        percentile(&lat, 0.99),
        percentile(&lat, 1.0),
    );
}

fn peak_rss_mb() -> String {
    let status = std::fs::read_to_string("/proc/self/status").unwrap_or_default();
    let field = |name: &str| {
        status
            .lines()
            .find(|l| l.starts_with(name))
            .and_then(|l| l.split_whitespace().nth(1))
            .and_then(|v| v.parse::<f64>().ok())
            .map_or("?".to_string(), |kb| format!("{:.1} MB", kb / 1024.0))
    };
    format!("RSS {} (peak {})", field("VmRSS:"), field("VmHWM:"))
}

async fn services(url: &str, files: &str) -> Services {
    let store = Store::open(url, 16, true).await.expect("open the database");
    let settings = ServiceSettings {
        files_dir: files.into(),
        argon2: Argon2Cost { memory_kib: 1024, iterations: 1, parallelism: 1 },
        ..ServiceSettings::default()
    };
    let s = Services::new(store, settings).expect("services");
    s.seed_demo().await.expect("demo seed");
    s
}

async fn caller(s: &Services, username: &str) -> Caller {
    let id = s.user_id_by_username(&Caller::system("bench"), username).await.expect("demo user");
    Caller { actor: s.actor(id, None).await.expect("actor"), ip: None, session_id: None, token_id: None }
}

/// A one-page PDF of about 100 KB: a line of text and a 100 000-byte image stream (as a scan
/// would carry), with a marker in the image bytes that makes every copy distinct.
fn scanned_pdf() -> (Vec<u8>, usize) {
    use lopdf::{dictionary, Document, Object, Stream};
    let mut doc = Document::with_version("1.5");
    let pages_id = doc.new_object_id();
    let font = doc.add_object(dictionary! { "Type" => "Font", "Subtype" => "Type1", "BaseFont" => "Helvetica" });
    let mut noise = Vec::with_capacity(100_000);
    let mut x: u64 = 0x9E37_79B9_7F4A_7C15;
    while noise.len() < 100_000 {
        x ^= x << 13;
        x ^= x >> 7;
        x ^= x << 17;
        noise.extend_from_slice(&x.to_le_bytes());
    }
    noise[..16].copy_from_slice(b"EGOVMARK00000000");
    let image = doc.add_object(Stream::new(
        dictionary! { "Type" => "XObject", "Subtype" => "Image", "Width" => 400, "Height" => 250,
        "ColorSpace" => "DeviceGray", "BitsPerComponent" => 8, "Filter" => "DCTDecode" },
        noise,
    ));
    let content = b"BT /F1 12 Tf 72 760 Td (Cong van ve viec bao cao ket qua thuc hien nhiem vu) Tj ET q 400 0 0 250 72 400 cm /Im1 Do Q".to_vec();
    let content_id = doc.add_object(Stream::new(dictionary! {}, content));
    let page = doc.add_object(dictionary! {
        "Type" => "Page", "Parent" => pages_id, "Contents" => content_id,
        "Resources" => dictionary! { "Font" => dictionary! { "F1" => font }, "XObject" => dictionary! { "Im1" => image } },
        "MediaBox" => vec![0.into(), 0.into(), 595.into(), 842.into()],
    });
    doc.objects.insert(
        pages_id,
        Object::Dictionary(dictionary! { "Type" => "Pages", "Kids" => vec![page.into()], "Count" => 1 }),
    );
    let catalog = doc.add_object(dictionary! { "Type" => "Catalog", "Pages" => pages_id });
    doc.trailer.set("Root", catalog);
    let mut out = Vec::new();
    doc.save_to(&mut out).expect("save PDF");
    let marker = out.windows(16).position(|w| w == b"EGOVMARK00000000").expect("marker");
    (out, marker)
}

async fn register(url: &str, files: &str, seconds: u64, clients: usize) {
    let s = services(url, files).await;
    let clerk = caller(&s, "vanthu").await;
    let (pdf, marker) = scanned_pdf();
    // EGOV_BENCH_WITHOUT_FILE=1 measures the database part alone, for comparison.
    let without_file = std::env::var("EGOV_BENCH_WITHOUT_FILE").as_deref() == Ok("1");
    println!("PDF size: {} bytes; {} clients for {seconds} s", pdf.len(), clients);
    let counter = Arc::new(AtomicU64::new(0));
    // Distinguishes this run's notations from an earlier run's on the same database.
    let run = egov_service::now_ms() % 1_000_000;
    let until = Instant::now() + Duration::from_secs(seconds);
    let start = Instant::now();
    let mut tasks = Vec::new();
    for t in 0..clients {
        let (s, clerk, pdf, counter) = (s.clone(), clerk.clone(), pdf.clone(), counter.clone());
        tasks.push(tokio::spawn(async move {
            let mut lat = Vec::new();
            let mut numbers = Vec::new();
            let mut i = 0u64;
            while Instant::now() < until {
                i += 1;
                let n = counter.fetch_add(1, Ordering::Relaxed);
                let mut bytes = pdf.clone();
                bytes[marker + 8..marker + 16].copy_from_slice(format!("{n:08}").as_bytes());
                let notation = format!("{i}/CV-B{t}-R{run}");
                let input = IncomingInput {
                    sender_code: "H41.13",
                    sender_name: "Sở Tài chính",
                    number_notation: &notation,
                    issued_on: "2026-01-15",
                    doc_type: "cong_van",
                    subject: "Công văn về việc báo cáo kết quả thực hiện nhiệm vụ năm 2026",
                    deadline_days: Some(5),
                    ..IncomingInput::default()
                };
                let t0 = Instant::now();
                let files = if without_file { Vec::new() } else { vec![Upload { name: format!("cv-{n}.pdf"), bytes }] };
                let r = s.register_incoming(&clerk, &input, files).await.expect("registration");
                lat.push(t0.elapsed());
                numbers.push(r.arrival_number);
            }
            (lat, numbers)
        }));
    }
    let mut lat = Vec::new();
    let mut numbers = Vec::new();
    for t in tasks {
        let (l, n) = t.await.expect("task");
        lat.extend(l);
        numbers.extend(n);
    }
    let elapsed = start.elapsed();
    report("registrations with a ~100 KB PDF", lat, elapsed);
    numbers.sort_unstable();
    let first = numbers.first().copied().unwrap_or(1);
    let contiguous = numbers.iter().enumerate().all(|(i, n)| *n == first + i as i64);
    println!(
        "arrival numbers {first}..={}: contiguous, no duplicate: {contiguous}",
        numbers.last().copied().unwrap_or(0)
    );
    assert!(contiguous, "numbering invariant broken");
    println!("memory: {}", peak_rss_mb());
}

const WORDS: &[&str] = &[
    "kế hoạch",
    "triển khai",
    "thực hiện",
    "báo cáo",
    "kết quả",
    "ngân sách",
    "dự toán",
    "đầu tư công",
    "xây dựng",
    "nông thôn mới",
    "chuyển đổi số",
    "cải cách hành chính",
    "phòng chống",
    "thiên tai",
    "dịch bệnh",
    "giáo dục",
    "y tế",
    "giao thông",
    "đất đai",
    "tài nguyên",
    "môi trường",
    "an ninh",
    "quốc phòng",
    "tuyển dụng",
    "công chức",
    "viên chức",
    "thi đua",
    "khen thưởng",
    "kiểm tra",
    "thanh tra",
    "giải quyết",
    "khiếu nại",
    "tố cáo",
    "quy hoạch",
    "sử dụng đất",
    "bồi thường",
    "tái định cư",
    "hỗ trợ",
    "doanh nghiệp",
    "thuế",
    "phí",
    "lệ phí",
    "an toàn thực phẩm",
    "du lịch",
    "văn hóa",
    "thể thao",
    "lao động",
    "việc làm",
    "bảo hiểm xã hội",
    "người có công",
    "trẻ em",
];
const PLACES: &[&str] =
    &["tỉnh Nghệ An", "xã Hưng Nguyên", "phường Vinh Phú", "huyện Quỳ Hợp", "xã Châu Quang", "Sở Tài chính"];
const OPENERS: &[&str] =
    &["Công văn về việc", "Quyết định phê duyệt", "Kế hoạch", "Báo cáo", "Thông báo về việc", "Tờ trình về việc"];

async fn load(url: &str, total: i64) {
    let store = Store::open(url, 4, true).await.expect("open");
    let settings =
        ServiceSettings { files_dir: std::env::temp_dir().join("egov-bench-files"), ..ServiceSettings::default() };
    let s = Services::new(store.clone(), settings).expect("services");
    s.seed_demo().await.expect("demo seed");
    let sys = Caller::system("bench");
    let agencies = s.agencies(&sys, None, 50).await.expect("agencies");
    let office = agencies.iter().find(|a| a.code == "H41.01").expect("office").id;
    let snv = agencies.iter().find(|a| a.code == "H41.12").expect("department").id;
    let leader = s.user_id_by_username(&sys, "lanhdao").await.expect("leader");
    let specialist = s.user_id_by_username(&sys, "chuyenvien").await.expect("specialist");
    let clerk = s.user_id_by_username(&sys, "vanthu").await.expect("clerk");
    let now = egov_service::now_ms();
    let mut existing = {
        let mut tx = store.begin().await.expect("tx");
        let book = egov_storage::documents::ensure_book(&mut tx, office, 2026, "incoming", "bulk", "Sổ nạp thử", now)
            .await
            .expect("book");
        tx.commit().await.expect("commit");
        (book.next_number - 1) * 2
    };
    let start = Instant::now();
    let mut x: u64 = 0x2545_F491_4F6C_DD1D ^ existing as u64;
    let mut next = |n: usize| {
        x ^= x << 13;
        x ^= x >> 7;
        x ^= x << 17;
        (x % n as u64) as usize
    };
    while existing < total {
        let batch = 10_000.min((total - existing) as usize);
        for (agency, half) in [(office, 0), (snv, 1)] {
            let mut tx = store.begin().await.expect("tx");
            let book =
                egov_storage::documents::ensure_book(&mut tx, agency, 2026, "incoming", "bulk", "Sổ nạp thử", now)
                    .await
                    .expect("book");
            let mut docs: Vec<BulkDocument> = Vec::with_capacity(batch / 2);
            for i in 0..batch / 2 {
                let number = book.next_number + i as i64;
                let subject = format!(
                    "{} {} {} {} năm 2026 của {}",
                    OPENERS[next(OPENERS.len())],
                    WORDS[next(WORDS.len())],
                    WORDS[next(WORDS.len())],
                    WORDS[next(WORDS.len())],
                    PLACES[next(PLACES.len())]
                );
                let notation = format!("{number}/CV-{}", if half == 0 { "VP" } else { "SNV" });
                docs.push(BulkDocument {
                    folded: folded_search_text(&[&subject, &notation, "Sở Tài chính", "H41.13"]),
                    subject,
                    number_notation: notation,
                    book_number: number,
                    urgency: if next(20) == 0 { "urgent" } else { "normal" },
                });
            }
            let (access, inbox) = if half == 0 { (Some((specialist, 20)), Some((leader, 10))) } else { (None, None) };
            // The access tokens the service writes into the index (see storage::documents::acl_tokens).
            for (i, d) in docs.iter_mut().enumerate() {
                let users: Vec<i64> = if half == 0 && i % 20 == 0 { vec![clerk, specialist] } else { vec![clerk] };
                let body = format!("{} {}", egov_storage::documents::acl_tokens(true, agency, &users), d.folded);
                d.folded = egov_service::documents::index_words(&body);
            }
            bulk::documents(&mut tx, agency, book.id, clerk, &docs, access, inbox, now).await.expect("bulk insert");
            bulk::set_next_number(&mut tx, book.id, book.next_number + docs.len() as i64).await.expect("next");
            tx.commit().await.expect("commit");
        }
        existing += batch as i64;
        if existing % 100_000 == 0 || existing >= total {
            println!("loaded {existing} documents in {:.0} s", start.elapsed().as_secs_f64());
        }
    }
    if store.engine() == egov_storage::Engine::Postgres {
        println!("(run ANALYZE after loading on PostgreSQL)");
    }
}

async fn query(url: &str, files: &str, n: usize) {
    let s = services(url, files).await;
    let leader = caller(&s, "lanhdao").await;
    let specialist = caller(&s, "chuyenvien").await;
    let queries = [
        "ngan sach",
        "quyết định phê duyệt",
        "chuyen doi so xa Hung Nguyen",
        "bồi thường tái định cư",
        "12345/CV",
        "khieu nai to cao",
        "an toan thuc pham",
        "du lich",
    ];
    for (who, c) in [("leader (agency-wide)", &leader), ("specialist (explicit grants)", &specialist)] {
        let mut lat = Vec::new();
        let mut totals = Vec::new();
        let start = Instant::now();
        for i in 0..n {
            let q = queries[i % queries.len()];
            let t0 = Instant::now();
            let r = s.search(c, &SearchInput { q, per_page: 20, ..SearchInput::default() }).await.expect("search");
            lat.push(t0.elapsed());
            if i < queries.len() {
                totals.push(format!("{q:?}: {}{}", r.total, if r.capped { "+" } else { "" }));
            }
        }
        report(&format!("search as the {who}"), lat, start.elapsed());
        println!("  hits: {}", totals.join("; "));
    }
    let mut lat = Vec::new();
    let start = Instant::now();
    for _ in 0..n {
        let t0 = Instant::now();
        let page = s.inbox(&leader, false, None, 50).await.expect("inbox");
        lat.push(t0.elapsed());
        assert!(!page.is_empty());
    }
    report("inbox first page (50 items) as the leader", lat, start.elapsed());
    println!("memory: {}", peak_rss_mb());
}

#[tokio::main]
async fn main() {
    let args: Vec<String> = std::env::args().collect();
    let arg = |i: usize| args.get(i).cloned().unwrap_or_default();
    match arg(1).as_str() {
        "register" => register(&arg(2), &arg(3), arg(4).parse().unwrap_or(20), arg(5).parse().unwrap_or(32)).await,
        "load" => load(&arg(2), arg(3).parse().unwrap_or(100_000)).await,
        "query" => query(&arg(2), &arg(3), arg(4).parse().unwrap_or(400)).await,
        _ => {
            eprintln!("usage: documents_bench register URL FILES SECONDS CLIENTS | load URL TOTAL | query URL FILES N")
        }
    }
}
