//! Read and write throughput of a document package with a 100 KB attachment.
//!
//! `cargo run --release -p egov-edxml --example edxml_bench [-- SECONDS_PER_PHASE]` prints
//! packages per second and p50/p95/p99 latencies for writing and for reading (default 3 s each).
#![allow(clippy::unwrap_used, clippy::expect_used)]

#[path = "../tests/common/mod.rs"]
mod common;

use std::time::{Duration, Instant};

use egov_edxml::{read_package, write_package};

fn report(what: &str, mut samples: Vec<Duration>, bytes: usize) {
    samples.sort();
    let n = samples.len();
    let total: Duration = samples.iter().sum();
    let pct = |p: f64| samples[((n as f64 * p) as usize).min(n - 1)];
    let per_sec = n as f64 / total.as_secs_f64();
    println!(
        "{what:<6} {n:>7} runs  {per_sec:>9.0} packages/s  {:>7.1} MB/s  p50 {:>7.1} µs  p95 {:>7.1} µs  p99 {:>7.1} µs",
        per_sec * bytes as f64 / 1e6,
        pct(0.50).as_secs_f64() * 1e6,
        pct(0.95).as_secs_f64() * 1e6,
        pct(0.99).as_secs_f64() * 1e6,
    );
}

fn main() {
    let seconds: f64 = std::env::args().nth(1).and_then(|s| s.parse().ok()).unwrap_or(3.0);
    let budget = Duration::from_secs_f64(seconds);
    let package = common::sample_package_with(100 * 1024);
    let bytes = write_package(&package).expect("writes").bytes;
    println!("package: {} bytes of XML, attachment {} bytes", bytes.len(), package.attachments[0].data.len());

    let mut samples = Vec::new();
    let start = Instant::now();
    while start.elapsed() < budget {
        let t = Instant::now();
        let w = write_package(&package).expect("writes");
        samples.push(t.elapsed());
        std::hint::black_box(w);
    }
    report("write", samples, bytes.len());

    let mut samples = Vec::new();
    let start = Instant::now();
    while start.elapsed() < budget {
        let t = Instant::now();
        let r = read_package(&bytes).expect("reads");
        samples.push(t.elapsed());
        std::hint::black_box(r);
    }
    report("read", samples, bytes.len());
}
