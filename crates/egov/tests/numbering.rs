//! Arrival numbers under concurrency: 1,000 registrations from 50 parallel clients get exactly
//! the numbers 1..=1000, even with requests failing half-way (after the number was taken) mixed in;
//! and an `egov serve` process killed with SIGKILL in the middle of 32 clients' registrations keeps
//! every number it acknowledged, with no gap, and goes on from the next one.

mod common;
mod support;

use std::sync::Arc;

use common::TestApp;
use reqwest::StatusCode;
use support::{incoming_fields, ApiUser};

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn a_thousand_registrations_from_fifty_clients_get_numbers_one_to_a_thousand() {
    let app = TestApp::spawn_with(|s| s.database_max_connections = 16).await;
    app.seed_demo().await;
    let clerk = Arc::new(ApiUser::sign_in(&app, "vanthu").await);
    let mut tasks = Vec::new();
    for client in 0..50 {
        let clerk = clerk.clone();
        tasks.push(tokio::spawn(async move {
            let mut numbers = Vec::new();
            let mut refused = 0;
            for i in 0..20 {
                let notation = format!("{}/CV-C{client}", i + 1);
                let fields = incoming_fields(&[("number_notation", &notation)]);
                let (status, body) = clerk.post_multipart("/api/v1/documents/incoming", &fields, &[]).await;
                assert_eq!(status, StatusCode::CREATED, "{body}");
                numbers.push(body["arrival_number"].as_i64().expect("number"));
                if i % 4 == 0 {
                    // The same registration again fails inside the transaction, after a number
                    // was taken: the rollback must give it back.
                    let (status, _) = clerk.post_multipart("/api/v1/documents/incoming", &fields, &[]).await;
                    assert_eq!(status, StatusCode::CONFLICT);
                    refused += 1;
                }
            }
            (numbers, refused)
        }));
    }
    let mut all = Vec::new();
    let mut refused = 0;
    for t in tasks {
        let (numbers, r) = t.await.expect("client task");
        all.extend(numbers);
        refused += r;
    }
    assert_eq!(refused, 250);
    all.sort_unstable();
    let expected: Vec<i64> = (1..=1000).collect();
    assert_eq!(all, expected, "numbers are exactly 1..=1000: no gap, no duplicate");
    let (_, books) = clerk.get("/api/v1/books").await;
    assert_eq!(books[0]["next_number"], 1001);
}

/// `egov serve` on SQLite with its demo data, as its own process; returns it and its address.
fn serve(dir: &std::path::Path, db: &str) -> (std::process::Child, String) {
    use std::io::BufRead;
    let mut child = std::process::Command::new(env!("CARGO_BIN_EXE_egov"))
        .current_dir(dir)
        .args(["serve", "--demo", "--bind", "127.0.0.1:0", "--database-url", db])
        .env("EGOV_LOG_LEVEL", "warn")
        .env("EGOV_FILES_DIR", dir.join("files"))
        .env("EGOV_PKI_DIR", dir.join("pki"))
        .stdout(std::process::Stdio::piped())
        .stderr(std::process::Stdio::null())
        .spawn()
        .expect("spawn egov serve");
    let stdout = child.stdout.take().expect("stdout");
    let (tx, rx) = std::sync::mpsc::channel();
    std::thread::spawn(move || {
        for line in std::io::BufReader::new(stdout).lines().map_while(Result::ok) {
            if let Some(rest) = line.strip_prefix("egov is listening on http://") {
                let _ = tx.send(rest.split_whitespace().next().unwrap_or_default().to_string());
            }
        }
    });
    let address = rx.recv_timeout(std::time::Duration::from_secs(120)).expect("egov serve announces its address");
    (child, format!("http://{address}"))
}

/// Signs the demo clerk in with a cookie session; returns the client and the CSRF token.
async fn clerk_session(base: &str) -> (reqwest::Client, String) {
    let client = reqwest::Client::builder()
        .cookie_store(true)
        .redirect(reqwest::redirect::Policy::none())
        .build()
        .expect("client");
    let form = client.get(format!("{base}/signin")).send().await.expect("GET /signin").text().await.expect("page");
    let csrf = support::csrf_of(&form);
    let password = egov_service::demo::DEMO_PASSWORD;
    let res = client
        .post(format!("{base}/signin"))
        .form(&[("csrf", csrf.as_str()), ("username", "vanthu"), ("password", password)])
        .send()
        .await
        .expect("POST /signin");
    assert_eq!(res.status(), StatusCode::SEE_OTHER);
    let home = client.get(format!("{base}/")).send().await.expect("GET /").text().await.expect("page");
    (client, support::csrf_of(&home))
}

/// One registration through the API; the arrival number, or None when the server did not answer.
async fn register(client: &reqwest::Client, base: &str, csrf: &str, notation: &str) -> Option<i64> {
    let mut form = reqwest::multipart::Form::new();
    for (k, v) in incoming_fields(&[("number_notation", notation)]) {
        form = form.text(k.to_string(), v.to_string());
    }
    let res = client
        .post(format!("{base}/api/v1/documents/incoming"))
        .header("x-csrf-token", csrf)
        .multipart(form)
        .send()
        .await
        .ok()?;
    if res.status() != StatusCode::CREATED {
        return None;
    }
    res.json::<serde_json::Value>().await.ok()?["arrival_number"].as_i64()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn numbers_stay_gapless_when_the_server_is_killed_mid_registration() {
    let dir = tempfile::tempdir().expect("temporary folder");
    let db = format!("sqlite://{}/egov.db", dir.path().display());
    let (mut child, base) = serve(dir.path(), &db);
    let (client, csrf) = clerk_session(&base).await;

    // 32 clients register as fast as they can; the server is killed with SIGKILL while they do.
    let mut tasks = Vec::new();
    for c in 0..32 {
        let (client, base, csrf) = (client.clone(), base.clone(), csrf.clone());
        tasks.push(tokio::spawn(async move {
            let mut acknowledged = Vec::new();
            for i in 0.. {
                match register(&client, &base, &csrf, &format!("{}/CV-K{c}", i + 1)).await {
                    Some(n) => acknowledged.push(n),
                    None => break,
                }
            }
            acknowledged
        }));
    }
    tokio::time::sleep(std::time::Duration::from_millis(1500)).await;
    child.kill().expect("SIGKILL");
    child.wait().expect("killed");
    let mut acknowledged = Vec::new();
    for t in tasks {
        acknowledged.extend(t.await.expect("client"));
    }
    assert!(acknowledged.len() > 50, "registrations were under way: {}", acknowledged.len());

    // What the database holds: every acknowledged number, and the numbers 1..=max without a gap.
    let mut conn = <sqlx::SqliteConnection as sqlx::Connection>::connect(&db).await.expect("open the database");
    let stored: Vec<i64> = sqlx::query_scalar(
        "SELECT book_number FROM documents WHERE direction = 'incoming' AND book_number IS NOT NULL ORDER BY book_number",
    )
    .fetch_all(&mut conn)
    .await
    .expect("numbers");
    let max = *stored.last().expect("some registrations");
    assert_eq!(stored, (1..=max).collect::<Vec<_>>(), "no gap, no duplicate after kill -9");
    for n in &acknowledged {
        assert!(stored.binary_search(n).is_ok(), "acknowledged number {n} survived");
    }
    let next: i64 = sqlx::query_scalar("SELECT next_number FROM register_books WHERE direction = 'incoming'")
        .fetch_one(&mut conn)
        .await
        .expect("book");
    assert_eq!(next, max + 1);
    drop(conn);

    // After a restart the book goes on from there.
    let (mut child, base) = serve(dir.path(), &db);
    let (client, csrf) = clerk_session(&base).await;
    assert_eq!(register(&client, &base, &csrf, "1/CV-AFTER").await, Some(max + 1));
    child.kill().expect("stop");
    let _ = child.wait();
}
