//! The 8 am sign-in storm: `CLIENTS` concurrent browsers sign in through the real form (GET the
//! page for its CSRF token, POST the credentials) for `SECONDS`, and the run prints sign-ins per
//! second and latency percentiles.
//!
//! Without `RATE` the clients sign in back to back (closed loop: the server's saturation
//! throughput). With `RATE` (sign-ins per second, all clients together) each client starts its
//! sign-ins on a fixed schedule (open loop: officials arriving at 8 am) and latency counts from
//! the scheduled start, so time spent waiting behind a slow sign-in is included.
//!
//! `cargo run --release -p egov --example signin_storm -- URL CLIENTS SECONDS [RATE]`
//! (signs in as the demo user `lanhdao`).

use std::time::{Duration, Instant};

fn csrf_of(html: &str) -> Option<String> {
    let at = html.find("name=\"csrf\" value=\"")? + 19;
    Some(html[at..at + html[at..].find('"')?].to_string())
}

/// One browser: returns the latencies of its successful sign-ins and its failure count.
async fn one_client(base: String, until: Instant, schedule: Option<(Instant, Duration)>) -> (Vec<Duration>, u64) {
    let mut latencies = Vec::new();
    let mut failures = 0;
    let mut next = schedule.map(|(first, _)| first);
    loop {
        let due = match (next, schedule) {
            (Some(at), Some((_, every))) => {
                tokio::time::sleep_until(at.into()).await;
                next = Some(at + every);
                at
            }
            _ => Instant::now(),
        };
        if due >= until {
            break;
        }
        let client = reqwest::Client::builder()
            .cookie_store(true)
            .redirect(reqwest::redirect::Policy::none())
            .build()
            .expect("client");
        let csrf = match client.get(format!("{base}/signin")).send().await {
            Ok(page) => csrf_of(&page.text().await.unwrap_or_default()),
            Err(_) => None,
        };
        let Some(csrf) = csrf else {
            failures += 1;
            continue;
        };
        let res = client
            .post(format!("{base}/signin"))
            .form(&[("csrf", csrf.as_str()), ("username", "lanhdao"), ("password", "egov-demo-2026")])
            .send()
            .await;
        match res {
            Ok(r) if r.status().as_u16() == 303 => latencies.push(due.elapsed()),
            _ => failures += 1,
        }
    }
    (latencies, failures)
}

fn percentile(sorted: &[Duration], p: f64) -> f64 {
    if sorted.is_empty() {
        return 0.0;
    }
    let i = ((sorted.len() as f64 - 1.0) * p).round() as usize;
    sorted[i].as_secs_f64() * 1000.0
}

#[tokio::main]
async fn main() {
    let args: Vec<String> = std::env::args().collect();
    let base = args.get(1).cloned().unwrap_or_else(|| "http://127.0.0.1:8080".into());
    let clients: usize = args.get(2).and_then(|v| v.parse().ok()).unwrap_or(64);
    let seconds: u64 = args.get(3).and_then(|v| v.parse().ok()).unwrap_or(20);
    let rate: Option<f64> = args.get(4).and_then(|v| v.parse().ok());
    let started = Instant::now();
    let until = started + Duration::from_secs(seconds);
    let tasks: Vec<_> = (0..clients)
        .map(|i| {
            // Client i starts at an offset so that the whole fleet arrives evenly at `rate`.
            let schedule = rate.map(|r| {
                let every = Duration::from_secs_f64(clients as f64 / r);
                (started + every.mul_f64(i as f64 / clients as f64), every)
            });
            tokio::spawn(one_client(base.clone(), until, schedule))
        })
        .collect();
    let mut all = Vec::new();
    let mut failures = 0;
    for t in tasks {
        let (l, f) = t.await.expect("client task");
        all.extend(l);
        failures += f;
    }
    let elapsed = started.elapsed().as_secs_f64();
    all.sort();
    match rate {
        Some(r) => println!("sign-in storm, open loop at {r} sign-ins/s offered: {clients} clients, {elapsed:.1} s"),
        None => {
            println!("sign-in storm, closed loop (back to back): {clients} clients, {elapsed:.1} s")
        }
    }
    println!("  sign-ins: {} ok, {failures} failed", all.len());
    println!("  throughput: {:.1} sign-ins/s", all.len() as f64 / elapsed);
    println!(
        "  sign-in latency ms (form POST, from its scheduled start): p50 {:.0}  p95 {:.0}  p99 {:.0}  max {:.0}",
        percentile(&all, 0.50),
        percentile(&all, 0.95),
        percentile(&all, 0.99),
        all.last().map_or(0.0, |d| d.as_secs_f64() * 1000.0)
    );
}
