//! Work benchmarks (issue 14). Prints figures; asserts nothing.
//!
//! - `stats URL RUNS`: loads a province-year (700,000 documents with their lead parts and
//!   200,000 tasks, a tenth of each in the demo office H41.01, the rest in H41.12) unless already
//!   there, then times the leader's statistics of the year for the office (`RUNS` times) and for
//!   one person, in process, and prints p50/p95/p99.
//! - `xlsx ROWS`: writes a statistics-shaped table of `ROWS` rows to XLSX; time and peak memory.
//! - `ical URL RUNS`: a leader with 500 schedule entries over a year; times their feed.
//!
//! `cargo run --release -p egov --example work_bench -- stats sqlite:///tmp/w/egov.db 200`
#![allow(clippy::unwrap_used)] // a benchmark: a failed unwrap is a failed run
use std::time::{Duration, Instant};

use egov_service::work::schedules::EntryInput;
use egov_service::work::stats::StatsQuery;
use egov_service::{Argon2Cost, Caller, ServiceSettings, Services};
use egov_storage::bulk::{self, BulkItem};
use egov_storage::Store;
use jiff::civil::date;

fn percentile(sorted: &[Duration], p: f64) -> f64 {
    let i = ((sorted.len().max(1) as f64 - 1.0) * p).round() as usize;
    sorted.get(i).map_or(0.0, |d| d.as_secs_f64() * 1000.0)
}

fn report(label: &str, mut lat: Vec<Duration>) {
    lat.sort_unstable();
    println!(
        "{label}: {} runs; p50 {:.2} ms, p95 {:.2} ms, p99 {:.2} ms, max {:.2} ms",
        lat.len(),
        percentile(&lat, 0.50),
        percentile(&lat, 0.95),
        percentile(&lat, 0.99),
        percentile(&lat, 1.0)
    );
}

fn peak_rss_mb() -> f64 {
    let status = std::fs::read_to_string("/proc/self/status").unwrap_or_default();
    status
        .lines()
        .find(|l| l.starts_with("VmHWM:"))
        .and_then(|l| l.split_whitespace().nth(1))
        .and_then(|v| v.parse::<f64>().ok())
        .map_or(0.0, |kb| kb / 1024.0)
}

async fn services(url: &str) -> Services {
    let store = Store::open(url, 16, true).await.expect("open the database");
    let dir = std::env::temp_dir().join("egov-work-bench");
    let settings = ServiceSettings {
        files_dir: dir.join("files"),
        pki_dir: dir.join("pki"),
        argon2: Argon2Cost { memory_kib: 1024, iterations: 1, parallelism: 1 },
        ..ServiceSettings::default()
    };
    let s = Services::new(store, settings).expect("services");
    s.seed_demo().await.expect("demo seed");
    s.reload_calendar().await.expect("calendar");
    s
}

async fn caller(s: &Services, username: &str) -> Caller {
    let id = s.user_id_by_username(&Caller::system("bench"), username).await.expect("demo user");
    Caller { actor: s.actor(id, None).await.expect("actor"), ip: None, session_id: None, token_id: None }
}

/// A deterministic year of items for `leads`: given through 2026, due 5–20 days later, four in
/// five done 1–25 days after they were given.
fn items(n: usize, leads: &[i64], seed: u64) -> Vec<BulkItem> {
    let mut x = seed | 1;
    let mut next = move || {
        x ^= x << 13;
        x ^= x >> 7;
        x ^= x << 17;
        x
    };
    let start =
        date(2026, 1, 1).to_zoned(jiff::tz::TimeZone::fixed(jiff::tz::offset(7))).unwrap().timestamp().as_millisecond();
    (0..n)
        .map(|i| {
            let given = start + (next() % (333 * 86_400_000)) as i64;
            let due = given + ((5 + next() % 16) * 86_400_000) as i64;
            let deadline = jiff::Timestamp::from_millisecond(due)
                .unwrap()
                .to_zoned(jiff::tz::TimeZone::fixed(jiff::tz::offset(7)))
                .date();
            let done = (next() % 5 != 0).then(|| given + ((1 + next() % 25) * 86_400_000) as i64);
            BulkItem { lead: leads[i % leads.len()], given, deadline: deadline.to_string(), done }
        })
        .collect()
}

async fn stats(url: &str, runs: usize) {
    let s = services(url).await;
    let leader = caller(&s, "lanhdao").await;
    let office_people = [caller(&s, "truongphong").await, caller(&s, "phophong").await, caller(&s, "chuyenvien").await];
    let other = caller(&s, "chuyenvien.snv").await;
    let (office, snv) = (leader.actor.agency_id, other.actor.agency_id);
    let loaded = {
        let mut c = s.store.read().await.unwrap();
        let n: i64 = sqlx::query_scalar("SELECT COUNT(*) FROM tasks").fetch_one(&mut *c).await.unwrap();
        n
    };
    if loaded < 200_000 {
        let t = Instant::now();
        let leads: Vec<i64> = office_people.iter().map(|c| c.actor.user_id).collect();
        for (agency, people, docs, tasks, seed) in
            [(office, leads.clone(), 70_000, 20_000, 7), (snv, vec![other.actor.user_id], 630_000, 180_000, 11)]
        {
            for (k, chunk) in items(docs, &people, seed).chunks(20_000).enumerate() {
                let mut tx = s.store.begin().await.unwrap();
                bulk::handled_documents(&mut tx, agency, leader.actor.user_id, chunk).await.unwrap();
                tx.commit().await.unwrap();
                if k % 10 == 0 {
                    eprintln!("documents: {} of agency {agency}", (k + 1) * 20_000);
                }
            }
            for chunk in items(tasks, &people, seed + 1).chunks(20_000) {
                let mut tx = s.store.begin().await.unwrap();
                bulk::tasks(&mut tx, agency, leader.actor.user_id, chunk).await.unwrap();
                tx.commit().await.unwrap();
            }
        }
        if url.starts_with("postgres") {
            let mut c = s.store.read().await.unwrap();
            sqlx::query("ANALYZE").execute(&mut *c).await.unwrap();
        }
        println!("loaded 700,000 documents and 200,000 tasks in {:.1} s", t.elapsed().as_secs_f64());
    }
    let year =
        StatsQuery { agency_id: office, from: date(2026, 1, 1), to: date(2026, 12, 31), unit_id: None, person: None };
    let first = s.stats(&leader, year).await.unwrap();
    let total = first.total.as_ref().unwrap();
    println!(
        "office year: {} documents ({} late, {} overdue, avg {:?} days), {} tasks, {} people",
        total.documents.received,
        total.documents.late,
        total.documents.overdue,
        total.documents.average_days(),
        total.tasks.received,
        first.people.len()
    );
    let mut lat = Vec::with_capacity(runs);
    for _ in 0..runs {
        let t = Instant::now();
        let st = s.stats(&leader, year).await.unwrap();
        lat.push(t.elapsed());
        assert!(st.total.is_some());
    }
    report("leader's statistics, office, year (70,000 documents + 20,000 tasks)", lat);
    let person = StatsQuery { person: Some(office_people[2].actor.user_id), ..year };
    let mut lat = Vec::with_capacity(runs);
    for _ in 0..runs {
        let t = Instant::now();
        s.stats(&leader, person).await.unwrap();
        lat.push(t.elapsed());
    }
    report("leader's statistics, one person, year", lat);
}

fn xlsx(rows: usize) {
    use egov_web::export::{Cell, Table};
    let before = peak_rss_mb();
    let table = Table {
        title: "Thống kê".into(),
        headers: (0..15).map(|i| format!("Cột số {i}")).collect(),
        rows: (0..rows)
            .map(|r| {
                let mut v = vec![Cell::Text(format!("Nguyễn Văn Người thứ {r}"))];
                v.extend((0..14).map(|c| Cell::Number(((r * 7 + c) % 1000) as f64)));
                v
            })
            .collect(),
    };
    let built = peak_rss_mb();
    let t = Instant::now();
    let bytes = egov_web::export::xlsx(&table).expect("xlsx");
    let took = t.elapsed();
    println!(
        "xlsx: {rows} rows × 15 columns in {:.2} s, {:.1} MB file; peak RSS {:.1} MB (the table itself: {:.1} MB, before: {:.1} MB)",
        took.as_secs_f64(),
        bytes.len() as f64 / 1_048_576.0,
        peak_rss_mb(),
        built - before,
        before
    );
}

async fn ical(url: &str, runs: usize) {
    let s = services(url).await;
    let clerk = caller(&s, "vanthu").await;
    let leader = caller(&s, "lanhdao").await;
    let head = caller(&s, "truongphong").await;
    let agency = leader.actor.agency_id;
    for i in 0..500i64 {
        let day = date(2026, 1, 5).checked_add(jiff::Span::new().days(i * 365 / 500)).unwrap();
        let input = EntryInput {
            title: "Họp giao ban, làm việc với các sở, ngành về tình hình kinh tế – xã hội",
            starts_at: &format!("{day}T08:00"),
            ends_at: &format!("{day}T10:30"),
            place: "Phòng họp số 1, trụ sở UBND tỉnh",
            chair_id: Some(leader.actor.user_id),
            users: vec![head.actor.user_id],
            notes: "Các đơn vị chuẩn bị báo cáo.",
            ..EntryInput::default()
        };
        let (id, _) = s.create_schedule_entry(&clerk, agency, &input, Vec::new()).await.unwrap();
        s.publish_schedule_entry(&leader, id).await.unwrap();
    }
    let (_, secret) = s.create_feed(&leader, None).await.unwrap();
    let body = s.feed_body(&secret).await.unwrap();
    println!("feed: {} bytes, {} events", body.body.len(), body.body.matches("BEGIN:VEVENT").count());
    let mut lat = Vec::with_capacity(runs);
    for _ in 0..runs {
        let t = Instant::now();
        s.feed_body(&secret).await.unwrap();
        lat.push(t.elapsed());
    }
    report("iCal feed of a leader (500 entries over a year, the feed keeps 60 days back)", lat);
}

#[tokio::main]
async fn main() {
    let args: Vec<String> = std::env::args().collect();
    match args.get(1).map(String::as_str) {
        Some("stats") => stats(&args[2], args.get(3).and_then(|n| n.parse().ok()).unwrap_or(200)).await,
        Some("xlsx") => xlsx(args.get(2).and_then(|n| n.parse().ok()).unwrap_or(100_000)),
        Some("ical") => ical(&args[2], args.get(3).and_then(|n| n.parse().ok()).unwrap_or(500)).await,
        _ => eprintln!("usage: work_bench stats URL [RUNS] | xlsx [ROWS] | ical URL [RUNS]"),
    }
}
