//! Arrival numbers under concurrency: 1,000 registrations from 50 parallel clients get exactly
//! the numbers 1..=1000, even with requests failing half-way (after the number was taken) mixed in.

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
