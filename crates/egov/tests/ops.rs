//! Operations endpoints through the real router, on the engine `EGOV_TEST_DATABASE_URL` picks;
//! also a smoke test of the `TestApp` harness itself.

mod common;

use common::TestApp;

#[tokio::test]
async fn health_readiness_and_metrics_answer() {
    let app = TestApp::spawn_with(|s| s.metrics_token = Some("metrics-secret-0123456789".into())).await;
    let client = app.client();
    for path in ["/healthz", "/readyz"] {
        let res = client.get(app.url(path)).send().await.expect(path);
        assert!(res.status().is_success(), "{path}: {}", res.status());
    }
    let metrics = client.get(app.url("/metrics")).bearer_auth("metrics-secret-0123456789").send().await.unwrap();
    assert_eq!(metrics.status(), 200);
    assert!(metrics.text().await.unwrap().contains("# EOF"));
}

#[tokio::test]
async fn metrics_need_their_token_and_are_off_without_one() {
    let app = TestApp::spawn_with(|s| s.metrics_token = Some("metrics-secret-0123456789".into())).await;
    let client = app.client();
    let none = client.get(app.url("/metrics")).send().await.unwrap();
    assert_eq!(none.status(), 401);
    let wrong = client.get(app.url("/metrics")).bearer_auth("metrics-secret-012345678X").send().await.unwrap();
    assert_eq!(wrong.status(), 401);
    assert!(!wrong.text().await.unwrap().contains("http_requests"));

    let off = TestApp::spawn().await;
    let res = off.client().get(off.url("/metrics")).bearer_auth("anything-at-all-here").send().await.unwrap();
    assert_eq!(res.status(), 404, "no metrics_token: /metrics is not served");
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
