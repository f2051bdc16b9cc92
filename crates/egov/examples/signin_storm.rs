//! The 8 am sign-in storm: `CLIENTS` concurrent browsers each sign in through the real form
//! (GET the page for its CSRF token, POST the credentials) again and again for `SECONDS`, and
//! the run prints sign-ins per second and latency percentiles of the POST.
//!
//! `cargo run --release -p egov --example signin_storm -- http://127.0.0.1:8080 64 20 lanhdao egov-demo-2026`

use std::time::{Duration, Instant};

fn csrf_of(html: &str) -> Option<String> {
    let at = html.find("name=\"csrf\" value=\"")? + 19;
    Some(html[at..at + html[at..].find('"')?].to_string())
}

async fn one_client(
    base: String,
    user: String,
    password: String,
    until: Instant,
) -> (Vec<Duration>, u64) {
    let mut latencies = Vec::new();
    let mut failures = 0;
    while Instant::now() < until {
        let client = reqwest::Client::builder()
            .cookie_store(true)
            .redirect(reqwest::redirect::Policy::none())
            .build()
            .expect("client");
        let Ok(page) = client.get(format!("{base}/signin")).send().await else {
            failures += 1;
            continue;
        };
        let Some(csrf) = csrf_of(&page.text().await.unwrap_or_default()) else {
            failures += 1;
            continue;
        };
        let started = Instant::now();
        let res = client
            .post(format!("{base}/signin"))
            .form(&[
                ("csrf", csrf.as_str()),
                ("username", user.as_str()),
                ("password", password.as_str()),
            ])
            .send()
            .await;
        match res {
            Ok(r) if r.status().as_u16() == 303 => latencies.push(started.elapsed()),
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
    let base = args
        .get(1)
        .cloned()
        .unwrap_or_else(|| "http://127.0.0.1:8080".into());
    let clients: usize = args.get(2).and_then(|v| v.parse().ok()).unwrap_or(64);
    let seconds: u64 = args.get(3).and_then(|v| v.parse().ok()).unwrap_or(20);
    let user = args.get(4).cloned().unwrap_or_else(|| "lanhdao".into());
    let password = args
        .get(5)
        .cloned()
        .unwrap_or_else(|| "egov-demo-2026".into());
    let started = Instant::now();
    let until = started + Duration::from_secs(seconds);
    let tasks: Vec<_> = (0..clients)
        .map(|_| {
            tokio::spawn(one_client(
                base.clone(),
                user.clone(),
                password.clone(),
                until,
            ))
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
    println!("sign-in storm: {clients} clients, {elapsed:.1} s");
    println!("  sign-ins: {} ok, {failures} failed", all.len());
    println!("  throughput: {:.1} sign-ins/s", all.len() as f64 / elapsed);
    println!(
        "  POST /signin latency ms: p50 {:.0}  p95 {:.0}  p99 {:.0}  max {:.0}",
        percentile(&all, 0.50),
        percentile(&all, 0.95),
        percentile(&all, 0.99),
        all.last().map_or(0.0, |d| d.as_secs_f64() * 1000.0)
    );
}
