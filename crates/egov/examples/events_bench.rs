//! Live event stream benchmark (issue 13). Prints figures; asserts nothing.
//!
//! `events_bench URL SERVER_PID STREAMS EVENTS` against a running `egov serve --demo`: signs the
//! leader `lanhdao` in and opens `STREAMS` event streams (`/events`) with that session, reads the
//! server's resident memory before and after (per stream), then the clerk `vanthu` sends the
//! leader `EVENTS` quick messages back to back through the API (each one commit, one
//! notification). It prints the time from the first message's commit (its API answer) to its
//! event reaching each stream (p50/p95/p99/max over the streams), whether every stream got every
//! event, and deliveries per second over the burst (streams × events ÷ time from the first send
//! to the last arrival).
//!
//! All streams belong to one person (one notification reaches every one of them): the fan-out,
//! per-stream memory and framing are what a province's 10,000 officials would cost, and the
//! per-person index is exercised less than with 10,000 people.
//!
//! `cargo run --release -p egov --example events_bench -- http://127.0.0.1:18091 PID 10000 20`

use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

const PASSWORD: &str = "egov-demo-2026";

fn rss_kb(pid: &str) -> u64 {
    std::fs::read_to_string(format!("/proc/{pid}/status"))
        .ok()
        .and_then(|s| {
            s.lines().find(|l| l.starts_with("VmRSS:")).and_then(|l| l.split_whitespace().nth(1)?.parse().ok())
        })
        .unwrap_or(0)
}

fn percentile(sorted: &[f64], p: f64) -> f64 {
    if sorted.is_empty() {
        return f64::NAN;
    }
    sorted[((sorted.len() as f64 - 1.0) * p).round() as usize]
}

fn client(max_idle: usize) -> reqwest::Client {
    reqwest::Client::builder()
        .cookie_store(true)
        .redirect(reqwest::redirect::Policy::none())
        .pool_max_idle_per_host(max_idle)
        .build()
        .expect("client")
}

/// Signs `username` in through the sign-in page; returns the session's CSRF token.
async fn sign_in(http: &reqwest::Client, base: &str, username: &str) -> String {
    let page = http.get(format!("{base}/signin")).send().await.expect("signin page").text().await.expect("html");
    let csrf = csrf_of(&page);
    let res = http
        .post(format!("{base}/signin"))
        .form(&[("csrf", csrf.as_str()), ("username", username), ("password", PASSWORD)])
        .send()
        .await
        .expect("sign in");
    assert_eq!(res.status(), reqwest::StatusCode::SEE_OTHER, "sign-in of {username}");
    let home = http.get(format!("{base}/")).send().await.expect("home").text().await.expect("html");
    csrf_of(&home)
}

fn csrf_of(html: &str) -> String {
    let at = html.find("name=\"csrf\" value=\"").expect("a csrf field") + "name=\"csrf\" value=\"".len();
    html[at..].chars().take_while(|c| *c != '"').collect()
}

#[tokio::main]
async fn main() {
    let args: Vec<String> = std::env::args().collect();
    if args.len() < 5 {
        eprintln!("usage: events_bench URL SERVER_PID STREAMS EVENTS");
        return;
    }
    let (base, pid) = (args[1].trim_end_matches('/').to_string(), args[2].clone());
    let streams: usize = args[3].parse().expect("STREAMS");
    let events: usize = args[4].parse().expect("EVENTS");

    let leader = client(streams + 10);
    sign_in(&leader, &base, "lanhdao").await;
    let me: serde_json::Value =
        leader.get(format!("{base}/api/v1/me")).send().await.expect("me").json().await.expect("json");
    let leader_id = me["id"].as_i64().expect("leader id");

    let before = rss_kb(&pid);
    let opened = Arc::new(AtomicUsize::new(0));
    let first_arrival: Arc<Mutex<Vec<Instant>>> = Arc::default();
    let last_arrival: Arc<Mutex<Vec<Instant>>> = Arc::default();
    let complete = Arc::new(AtomicUsize::new(0));
    let open_start = Instant::now();
    let mut tasks = Vec::with_capacity(streams);
    for _ in 0..streams {
        let (http, base) = (leader.clone(), base.clone());
        let (opened, first, last, complete) =
            (opened.clone(), first_arrival.clone(), last_arrival.clone(), complete.clone());
        tasks.push(tokio::spawn(async move {
            let mut res = loop {
                match http.get(format!("{base}/events")).send().await {
                    Ok(r) if r.status().is_success() => break r,
                    _ => tokio::time::sleep(Duration::from_millis(50)).await,
                }
            };
            opened.fetch_add(1, Ordering::SeqCst);
            let mut seen = 0;
            let mut buf = String::new();
            while let Ok(Some(chunk)) = res.chunk().await {
                buf.push_str(&String::from_utf8_lossy(&chunk));
                while let Some(end) = buf.find("\n\n") {
                    let block: String = buf.drain(..end + 2).collect();
                    if block.contains("event: notification") {
                        seen += 1;
                        let now = Instant::now();
                        if seen == 1 {
                            first.lock().expect("lock").push(now);
                        }
                        if seen == events {
                            last.lock().expect("lock").push(now);
                            complete.fetch_add(1, Ordering::SeqCst);
                            return;
                        }
                    }
                }
            }
        }));
    }
    while opened.load(Ordering::SeqCst) < streams {
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    let open_time = open_start.elapsed();
    tokio::time::sleep(Duration::from_secs(3)).await;
    let after = rss_kb(&pid);
    println!(
        "streams open: {streams} in {:.1} s; server RSS {:.1} MB before, {:.1} MB after = {:.2} KB per stream",
        open_time.as_secs_f64(),
        before as f64 / 1024.0,
        after as f64 / 1024.0,
        after.saturating_sub(before) as f64 / streams as f64
    );

    let clerk = client(4);
    let csrf = sign_in(&clerk, &base, "vanthu").await;
    let token: serde_json::Value = clerk
        .post(format!("{base}/api/v1/me/tokens"))
        .header("x-csrf-token", &csrf)
        .json(&serde_json::json!({ "name": "events bench", "scopes": ["documents:write", "documents:read"], "expires_in_days": 1 }))
        .send()
        .await
        .expect("token")
        .json()
        .await
        .expect("json");
    let token = token["secret"].as_str().expect("token secret").to_string();
    let api = client(4);
    let mut sent_at = Vec::with_capacity(events);
    let burst = Instant::now();
    for i in 0..events {
        let form = reqwest::multipart::Form::new()
            .text("users", leader_id.to_string())
            .text("body", format!("Tin nhắn thử nghiệm số {}", i + 1));
        let res = api
            .post(format!("{base}/api/v1/messages"))
            .bearer_auth(&token)
            .multipart(form)
            .send()
            .await
            .expect("send message");
        assert_eq!(res.status(), reqwest::StatusCode::CREATED, "message {i}");
        sent_at.push(Instant::now());
    }
    let deadline = Instant::now() + Duration::from_secs(60);
    while complete.load(Ordering::SeqCst) < streams && Instant::now() < deadline {
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
    let got_all = complete.load(Ordering::SeqCst);
    let first = first_arrival.lock().expect("lock").clone();
    let last = last_arrival.lock().expect("lock").clone();
    let mut lat: Vec<f64> =
        first.iter().map(|t| t.saturating_duration_since(sent_at[0]).as_secs_f64() * 1000.0).collect();
    lat.sort_by(f64::total_cmp);
    println!(
        "first event, from its commit to each stream: p50 {:.1} ms, p95 {:.1} ms, p99 {:.1} ms, max {:.1} ms ({} streams got it)",
        percentile(&lat, 0.50),
        percentile(&lat, 0.95),
        percentile(&lat, 0.99),
        lat.last().copied().unwrap_or(f64::NAN),
        lat.len()
    );
    let end = last.iter().max().copied().unwrap_or(burst);
    let span = end.saturating_duration_since(burst).as_secs_f64();
    println!(
        "burst of {events} events: {got_all} of {streams} streams got every one; {} deliveries in {:.2} s = {:.0} deliveries/s (sending took {:.2} s)",
        got_all * events,
        span,
        (got_all * events) as f64 / span,
        sent_at.last().map_or(0.0, |t| t.saturating_duration_since(burst).as_secs_f64())
    );
    println!("server RSS at the end: {:.1} MB", rss_kb(&pid) as f64 / 1024.0);
    for t in tasks {
        t.abort();
    }
}
