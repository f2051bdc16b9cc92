//! Operations endpoints through the real router, on the engine `EGOV_TEST_DATABASE_URL` picks;
//! also a smoke test of the `TestApp` harness itself.

mod common;

use common::TestApp;

#[tokio::test]
async fn health_readiness_and_metrics_answer() {
    let app = TestApp::spawn().await;
    let client = app.client();
    for path in ["/healthz", "/readyz", "/metrics"] {
        let res = client.get(app.url(path)).send().await.expect(path);
        assert!(res.status().is_success(), "{path}: {}", res.status());
    }
}

#[tokio::test]
async fn each_app_has_its_own_database() {
    let first = TestApp::spawn().await;
    let second = TestApp::spawn().await;
    assert_ne!(first.settings.database_url, second.settings.database_url);
    let logins = first.seed_demo().await;
    assert!(logins.iter().any(|l| l.username == "admin"));
    // The second database is still empty, so the demo can be seeded there too.
    assert!(!second.seed_demo().await.is_empty());
}

#[tokio::test]
async fn expired_sessions_are_purged() {
    let app = TestApp::spawn().await;
    let purged = egov::server::purge_expired_sessions(&app.store).await.expect("purge");
    assert_eq!(purged, 0);
}
