//! The fuzz target's body on stable Rust, without a fuzzing engine: mutates seed packages
//! (and inputs in `fuzz/corpus/read_package` when present) for a time budget and checks that the
//! reader never panics and that every accepted input round-trips (see `check_round_trip`).
//!
//! `cargo run --release -p egov-edxml --example fuzz_stable -- 60` runs for 60 seconds; an optional
//! second argument is the random seed. Failing inputs are written to `fuzz_stable-failure-N.xml`
//! and the process exits non-zero.
#![allow(clippy::unwrap_used, clippy::expect_used)]

#[path = "../tests/common/mod.rs"]
mod common;

use std::panic::{catch_unwind, AssertUnwindSafe};
use std::time::{Duration, Instant};

use common::mutate::{mutate, Rng};
use egov_edxml::{check_round_trip, write_package, write_status};

fn main() {
    let mut args = std::env::args().skip(1);
    let seconds: u64 = args.next().and_then(|s| s.parse().ok()).unwrap_or(60);
    let seed: u64 = args.next().and_then(|s| s.parse().ok()).unwrap_or_else(|| {
        std::time::SystemTime::now().duration_since(std::time::UNIX_EPOCH).map(|d| d.as_nanos() as u64).unwrap_or(1)
    });
    let mut seeds: Vec<Vec<u8>> = vec![
        write_package(&common::sample_package_with(64)).expect("writes").bytes,
        write_package(&common::sample_package_with(0)).expect("writes").bytes,
        common::REAL_WORLD.as_bytes().to_vec(),
        common::REAL_WORLD_STATUS.as_bytes().to_vec(),
        common::HEADER_STATUS.as_bytes().to_vec(),
        common::HEADER_STATUS_DEFAULT_NS.as_bytes().to_vec(),
        write_status(&common::sample_status()).expect("writes").bytes,
    ];
    let corpus = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("fuzz/corpus/read_package");
    if let Ok(dir) = std::fs::read_dir(&corpus) {
        for entry in dir.flatten() {
            if let Ok(bytes) = std::fs::read(entry.path()) {
                if bytes.len() < 64 * 1024 {
                    seeds.push(bytes);
                }
            }
        }
    }
    // Keep panics quiet: they are counted and saved instead.
    std::panic::set_hook(Box::new(|_| {}));

    let mut rng = Rng::new(seed);
    let budget = Duration::from_secs(seconds);
    let start = Instant::now();
    let (mut runs, mut accepted, mut failures) = (0u64, 0u64, 0u64);
    while start.elapsed() < budget {
        for _ in 0..256 {
            let a = &seeds[rng.below(seeds.len())];
            let b = &seeds[rng.below(seeds.len())];
            let input = mutate(&mut rng, a, b);
            runs += 1;
            let outcome = catch_unwind(AssertUnwindSafe(|| check_round_trip(&input)));
            let failure = match outcome {
                Ok(Ok(true)) => {
                    accepted += 1;
                    // Accepted mutants become seeds: they reach deeper than random bytes.
                    if seeds.len() < 2000 && input.len() < 64 * 1024 {
                        seeds.push(input.clone());
                    }
                    None
                }
                Ok(Ok(false)) => None,
                Ok(Err(msg)) => Some(msg),
                Err(_) => Some("panic".to_owned()),
            };
            if let Some(msg) = failure {
                failures += 1;
                let path = format!("fuzz_stable-failure-{failures}.xml");
                let _ = std::fs::write(&path, &input);
                eprintln!("FAILURE ({msg}); input saved to {path}");
            }
        }
    }
    let secs = start.elapsed().as_secs_f64();
    println!(
        "fuzz_stable: seed {seed}, {runs} executions in {secs:.1} s ({:.0}/s), {accepted} accepted and round-tripped, {failures} failures",
        runs as f64 / secs
    );
    if failures > 0 {
        std::process::exit(1);
    }
}
