//! Many writers at once: the audit chain never forks and every write is recorded exactly once,
//! on the engine the harness picks (on PostgreSQL the writers really run in parallel).
#![allow(clippy::unwrap_used)] // a failed unwrap is a failed test

mod common;

use common::TestApp;
use egov_service::audit::Verdict;
use egov_service::Caller;

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn concurrent_writers_keep_one_unbroken_audit_chain() {
    let app = TestApp::spawn().await;
    app.seed_demo().await;
    let caller = Caller::system("load");
    let agencies = app.services.agencies(&caller, None, 50).await.unwrap();
    let before = match app.services.verify_audit().await.unwrap() {
        Verdict::Intact { entries } => entries,
        Verdict::Broken(b) => panic!("{b}"),
    };
    let writers = 40;
    let mut tasks = Vec::new();
    for i in 0..writers {
        let services = app.services.clone();
        let agency = agencies[i % agencies.len()].id;
        tasks.push(tokio::spawn(async move {
            let caller = Caller::system("load");
            services.create_unit(&caller, agency, None, &format!("Tổ công tác số {i}")).await
        }));
    }
    for t in tasks {
        t.await.unwrap().unwrap();
    }
    match app.services.verify_audit().await.unwrap() {
        Verdict::Intact { entries } => assert_eq!(entries, before + writers as u64),
        Verdict::Broken(b) => panic!("the chain forked or broke under concurrency: {b}"),
    }
    let mut c = app.store.read().await.unwrap();
    let (n, distinct): (i64, i64) =
        sqlx::query_as("SELECT COUNT(*), COUNT(DISTINCT seq) FROM audit_log").fetch_one(&mut *c).await.unwrap();
    assert_eq!(n, distinct);
}
