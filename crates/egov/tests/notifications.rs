//! Notifications through the real server: an event that puts something in a person's inbox
//! notifies them in the same transaction — in their list and unread count, and at once in an
//! open browser stream (`/events`), also when the stream is held by another server process on
//! the same PostgreSQL database; resuming a stream; choices and their bad input.

mod common;
mod support;

use std::time::Duration;

use common::TestApp;
use reqwest::StatusCode;
use serde_json::{json, Value};
use support::{incoming_fields, sign_in, ApiUser};

/// An open event stream and what was read of it.
struct Stream {
    res: reqwest::Response,
    buf: String,
}

impl Stream {
    /// Opens `/events` for a signed-in browser client, optionally resuming after `last`.
    async fn open(app: &TestApp, client: &reqwest::Client, last: Option<&str>) -> Stream {
        let mut req = client.get(app.url("/events")).timeout(Duration::from_secs(3600));
        if let Some(l) = last {
            req = req.header("Last-Event-ID", l);
        }
        let res = req.send().await.expect("open /events");
        assert_eq!(res.status(), StatusCode::OK);
        let ct = res.headers().get("content-type").and_then(|v| v.to_str().ok()).unwrap_or_default().to_string();
        assert!(ct.starts_with("text/event-stream"), "{ct}");
        Stream { res, buf: String::new() }
    }

    /// The next event named `name` (others are skipped), as (id, data), within `wait`.
    async fn next(&mut self, name: &str, wait: Duration) -> Option<(Option<String>, Value)> {
        let deadline = tokio::time::Instant::now() + wait;
        loop {
            while let Some(end) = self.buf.find("\n\n") {
                let block: String = self.buf.drain(..end + 2).collect();
                let (mut event, mut id, mut data) = ("message".to_string(), None, String::new());
                for line in block.lines() {
                    if let Some(v) = line.strip_prefix("event:") {
                        event = v.trim().to_string();
                    } else if let Some(v) = line.strip_prefix("id:") {
                        id = Some(v.trim().to_string());
                    } else if let Some(v) = line.strip_prefix("data:") {
                        data.push_str(v.trim_start());
                    }
                }
                if event == name {
                    return Some((id, serde_json::from_str(&data).unwrap_or(Value::Null)));
                }
            }
            let chunk = tokio::time::timeout_at(deadline, self.res.chunk()).await.ok()?.expect("stream read")?;
            self.buf.push_str(&String::from_utf8_lossy(&chunk));
        }
    }
}

async fn register(clerk: &ApiUser, number: &str, urgency: &str) -> i64 {
    let fields = incoming_fields(&[("number_notation", number), ("urgency", urgency)]);
    let (status, reg) = clerk.post_multipart("/api/v1/documents/incoming", &fields, &[]).await;
    assert_eq!(status, StatusCode::CREATED, "{reg}");
    reg["id"].as_i64().expect("id")
}

#[tokio::test]
async fn presenting_a_document_notifies_the_leader_in_the_list_the_count_and_an_open_page() {
    let app = TestApp::spawn().await;
    app.seed_demo().await;
    let clerk = ApiUser::sign_in(&app, "vanthu").await;
    let leader = ApiUser::sign_in(&app, "lanhdao").await;
    let specialist = ApiUser::sign_in(&app, "chuyenvien").await;
    let browser = app.client();
    let csrf = sign_in(&app, &browser, "lanhdao", common::DEMO_PASSWORD).await;

    let (_, before) = leader.get("/api/v1/notifications").await;
    let unread_before = before["unread"].as_i64().expect("unread");
    let mut stream = Stream::open(&app, &browser, None).await;
    let (_, counts) = stream.next("counts", Duration::from_secs(10)).await.expect("counts first");
    assert_eq!(counts["unread"].as_i64(), Some(unread_before), "{counts}");

    let doc = register(&clerk, "77/QĐ-STC", "flash").await;
    let (status, err) =
        clerk.post(&format!("/api/v1/documents/{doc}/present"), json!({ "leaders": [leader.user_id] })).await;
    assert_eq!(status, StatusCode::NO_CONTENT, "{err}");

    // At once in the open page, without a reload.
    let (id, n) = stream.next("notification", Duration::from_secs(10)).await.expect("a notification arrives");
    assert_eq!(n["kind"], "present", "{n}");
    assert_eq!(n["label"], "Văn bản trình tôi");
    assert!(n["text"].as_str().unwrap_or("").contains("77/QĐ-STC"), "{n}");
    assert_eq!(n["urgent"], true, "Hỏa tốc breaks through quiet hours");
    let id: i64 = id.expect("event id").parse().expect("numeric id");

    // In the list, unread, counted; nobody else sees it or can mark it.
    let (_, list) = leader.get("/api/v1/notifications?unread=true").await;
    assert_eq!(list["unread"].as_i64(), Some(unread_before + 1), "{list}");
    let first = &list["items"][0];
    assert_eq!((first["id"].as_i64(), first["document_id"].as_i64()), (Some(id), Some(doc)), "{list}");
    assert_eq!(first["read"], false);
    let (_, theirs) = specialist.get("/api/v1/notifications").await;
    assert!(theirs["items"].as_array().expect("items").iter().all(|i| i["id"].as_i64() != Some(id)), "{theirs}");
    assert_eq!(specialist.post(&format!("/api/v1/notifications/{id}/read"), json!({})).await.0, StatusCode::NOT_FOUND);

    // The header counts it on every page, and the centre lists it.
    let home = browser.get(app.url("/")).send().await.expect("home").text().await.expect("html");
    assert!(home.contains(&format!("id=\"count-unread\" aria-label=\"{} ", unread_before + 1)), "header count");
    let centre = browser.get(app.url("/notifications")).send().await.expect("centre").text().await.expect("html");
    assert!(centre.contains("77/QĐ-STC") && centre.contains(&format!("/notifications/{id}/open")), "centre lists it");

    // Opening it from the centre marks it read and goes to the document.
    let res = browser
        .post(app.url(&format!("/notifications/{id}/open")))
        .form(&[("csrf", csrf.as_str())])
        .send()
        .await
        .expect("open");
    assert_eq!(res.status(), StatusCode::SEE_OTHER);
    assert_eq!(res.headers()["location"], format!("/documents/{doc}").as_str());
    let (_, after) = leader.get("/api/v1/notifications").await;
    assert_eq!(after["unread"].as_i64(), Some(unread_before), "{after}");
    assert_eq!(after["items"][0]["read"], true);

    // A message reaches its recipient the same way.
    let (status, m) = clerk
        .post_multipart(
            "/api/v1/messages",
            &[("users", &leader.user_id.to_string()), ("body", "Mời họp lúc 14 giờ")],
            &[],
        )
        .await;
    assert_eq!(status, StatusCode::CREATED, "{m}");
    let (_, n) = stream.next("notification", Duration::from_secs(10)).await.expect("the message arrives");
    assert_eq!(n["kind"], "message");
    assert_eq!(n["text"], "Mời họp lúc 14 giờ");

    let (status, all) = leader.post("/api/v1/notifications/read-all", json!({})).await;
    assert_eq!(status, StatusCode::OK, "{all}");
    assert_eq!(leader.get("/api/v1/notifications").await.1["unread"], 0);
}

#[tokio::test]
async fn a_resumed_stream_sends_only_the_persons_own_newer_notifications() {
    let app = TestApp::spawn().await;
    app.seed_demo().await;
    let clerk = ApiUser::sign_in(&app, "vanthu").await;
    let leader = ApiUser::sign_in(&app, "lanhdao").await;
    let d1 = register(&clerk, "81/QĐ-STC", "normal").await;
    let d2 = register(&clerk, "82/QĐ-STC", "normal").await;
    for d in [d1, d2] {
        let (status, _) =
            clerk.post(&format!("/api/v1/documents/{d}/present"), json!({ "leaders": [leader.user_id] })).await;
        assert_eq!(status, StatusCode::NO_CONTENT);
    }
    let (_, list) = leader.get("/api/v1/notifications").await;
    let ids: Vec<i64> = list["items"].as_array().expect("items").iter().filter_map(|i| i["id"].as_i64()).collect();
    let (newest, older) = (ids[0], ids[1]);

    // Resuming after the older one gives exactly the newer one.
    let browser = app.client();
    sign_in(&app, &browser, "lanhdao", common::DEMO_PASSWORD).await;
    let mut s = Stream::open(&app, &browser, Some(&older.to_string())).await;
    let (id, n) = s.next("notification", Duration::from_secs(10)).await.expect("caught up");
    assert_eq!(id.as_deref(), Some(newest.to_string().as_str()));
    assert!(n["text"].as_str().unwrap_or("").contains("82/QĐ-STC"), "{n}");

    // The clerk resuming from 0 (a forged id) sees none of the leader's notifications.
    let other = app.client();
    sign_in(&app, &other, "vanthu", common::DEMO_PASSWORD).await;
    let mut s = Stream::open(&app, &other, Some("0")).await;
    while let Some((_, n)) = s.next("notification", Duration::from_secs(2)).await {
        assert_ne!(n["id"].as_i64(), Some(newest), "another person's notification leaked");
        assert_ne!(n["id"].as_i64(), Some(older), "another person's notification leaked");
    }
    // Not a number: a fresh stream, not an error.
    let mut s = Stream::open(&app, &other, Some("abc")).await;
    assert!(s.next("counts", Duration::from_secs(10)).await.is_some());
}

#[tokio::test]
async fn an_event_committed_through_one_process_reaches_a_stream_held_by_another() {
    let app = TestApp::spawn().await;
    if app.engine != egov_storage::Engine::Postgres {
        // One SQLite file is served by one process; the suite runs this on PostgreSQL.
        eprintln!("two processes on one database: PostgreSQL only");
        return;
    }
    app.seed_demo().await;
    let beside = app.spawn_beside().await;
    let clerk = ApiUser::sign_in(&app, "vanthu").await;
    let leader_id = ApiUser::sign_in(&app, "lanhdao").await.user_id;
    let browser = beside.client();
    sign_in(&beside, &browser, "lanhdao", common::DEMO_PASSWORD).await;
    let mut stream = Stream::open(&beside, &browser, None).await;
    stream.next("counts", Duration::from_secs(10)).await.expect("counts");
    // Give the second process's LISTEN connection a moment to be established.
    tokio::time::sleep(Duration::from_millis(500)).await;

    let doc = register(&clerk, "91/QĐ-STC", "normal").await;
    let (status, _) = clerk.post(&format!("/api/v1/documents/{doc}/present"), json!({ "leaders": [leader_id] })).await;
    assert_eq!(status, StatusCode::NO_CONTENT);
    let (_, n) = stream.next("notification", Duration::from_secs(10)).await.expect("reaches the other process");
    assert_eq!(n["kind"], "present");
    assert!(n["text"].as_str().unwrap_or("").contains("91/QĐ-STC"), "{n}");
}

#[tokio::test]
async fn choices_are_checked_stored_and_audited() {
    let app = TestApp::spawn().await;
    app.seed_demo().await;
    let browser = app.client();
    let csrf = sign_in(&app, &browser, "chuyenvien", common::DEMO_PASSWORD).await;
    let token = support::token(&app, &browser, &csrf, &["profile"]).await;
    let http = app.client();
    let put =
        |body: Value| http.put(app.url("/api/v1/me/notification-preferences")).bearer_auth(&token).json(&body).send();
    let field_codes = |v: &Value| -> Vec<(String, String)> {
        v["error"]["fields"]
            .as_array()
            .map(|a| {
                a.iter()
                    .map(|f| (f["field"].as_str().unwrap_or("").into(), f["code"].as_str().unwrap_or("").into()))
                    .collect()
            })
            .unwrap_or_default()
    };

    let bad = [
        (
            json!({ "choices": [{ "kind": "gossip", "channel": "mail", "mode": "now" }], "digest_hour": 7 }),
            ("kind", "unknown_event"),
        ),
        (
            json!({ "choices": [{ "kind": "present", "channel": "push", "mode": "digest" }], "digest_hour": 7 }),
            ("mode", "digest_mail_only"),
        ),
        (
            json!({ "choices": [{ "kind": "present", "channel": "fax", "mode": "now" }], "digest_hour": 7 }),
            ("channel", "unknown_channel"),
        ),
        (json!({ "choices": [], "digest_hour": 24 }), ("digest_hour", "hour_out_of_range")),
        (json!({ "choices": [], "digest_hour": 7, "quiet_from": 22 }), ("quiet_to", "both_or_neither")),
    ];
    for (body, (field, code)) in bad {
        let res = put(body.clone()).await.expect("PUT");
        assert_eq!(res.status(), StatusCode::UNPROCESSABLE_ENTITY, "{body}");
        let err: Value = res.json().await.expect("json");
        assert!(field_codes(&err).contains(&(field.into(), code.into())), "{body} → {err}");
    }

    let res = put(json!({
        "choices": [{ "kind": "assignment", "channel": "mail", "mode": "off" }, { "kind": "message", "channel": "mail", "mode": "now" }],
        "digest_hour": 16, "quiet_from": 22, "quiet_to": 6
    }))
    .await
    .expect("PUT");
    assert_eq!(res.status(), StatusCode::OK);
    let p: Value = res.json().await.expect("json");
    let mode = |kind: &str, channel: &str| {
        p["choices"]
            .as_array()
            .and_then(|a| a.iter().find(|c| c["kind"] == kind && c["channel"] == channel))
            .map(|c| c["mode"].as_str().unwrap_or("").to_string())
    };
    assert_eq!(mode("assignment", "mail").as_deref(), Some("off"));
    assert_eq!(mode("message", "mail").as_deref(), Some("now"));
    assert_eq!(mode("approve", "mail").as_deref(), Some("now"), "defaults stay");
    assert_eq!(mode("inform", "mail").as_deref(), Some("digest"), "defaults stay");
    assert_eq!(
        (p["digest_hour"].as_i64(), p["quiet_from"].as_i64(), p["quiet_to"].as_i64()),
        (Some(16), Some(22), Some(6))
    );

    // A token with only the documents scopes may not change them.
    let docs = support::token(&app, &browser, &csrf, &["documents:read"]).await;
    let res = http
        .put(app.url("/api/v1/me/notification-preferences"))
        .bearer_auth(&docs)
        .json(&json!({ "choices": [], "digest_hour": 7 }))
        .send()
        .await
        .expect("PUT");
    assert_eq!(res.status(), StatusCode::FORBIDDEN);

    // Web Push is off on this server: a subscription is refused on its field.
    let res = http
        .post(app.url("/api/v1/me/push-subscriptions"))
        .bearer_auth(&token)
        .json(&json!({ "endpoint": "https://push.example/x", "keys": { "p256dh": "AAAA", "auth": "BBBB" } }))
        .send()
        .await
        .expect("POST");
    assert_eq!(res.status(), StatusCode::UNPROCESSABLE_ENTITY);

    let mut c = app.store.read().await.expect("read");
    let audited: i64 = sqlx::query_scalar("SELECT COUNT(*) FROM audit_log WHERE action = 'notification.preferences'")
        .fetch_one(&mut *c)
        .await
        .expect("count");
    assert_eq!(audited, 1, "the one accepted change is audited, the refused ones are not");
}

#[tokio::test]
async fn the_page_asked_for_is_kept_through_sign_in_and_unknown_addresses_get_egovs_own_page() {
    let app = TestApp::spawn().await;
    app.seed_demo().await;
    let client = app.client();
    let res = client.get(app.url("/notifications?unread=1")).send().await.expect("GET");
    assert_eq!(res.status(), StatusCode::SEE_OTHER);
    let to = res.headers()["location"].to_str().expect("location").to_string();
    assert_eq!(to, "/signin?return_to=%2Fnotifications%3Funread%3D1");
    let signin = support::page(&app, &client, &to).await;
    assert!(signin.contains("name=\"return_to\" value=\"/notifications?unread=1\""), "kept in the form");
    let csrf = support::csrf_of(&signin);
    let sign = |return_to: &'static str| {
        let client = client.clone();
        let csrf = csrf.clone();
        let url = app.url("/signin");
        async move {
            client
                .post(url)
                .form(&[
                    ("csrf", csrf.as_str()),
                    ("username", "lanhdao"),
                    ("password", common::DEMO_PASSWORD),
                    ("return_to", return_to),
                ])
                .send()
                .await
                .expect("POST /signin")
        }
    };
    let res = sign("/notifications?unread=1").await;
    assert_eq!(res.headers()["location"], "/notifications?unread=1");
    // Off-site targets are dropped: sign-in goes home.
    for evil in ["//evil.example/x", "https://evil.example/", "/\\evil.example", "javascript:alert(1)"] {
        let other = app.client();
        let csrf = support::csrf_of(&support::page(&app, &other, "/signin").await);
        let res = other
            .post(app.url("/signin"))
            .form(&[
                ("csrf", csrf.as_str()),
                ("username", "lanhdao"),
                ("password", common::DEMO_PASSWORD),
                ("return_to", evil),
            ])
            .send()
            .await
            .expect("POST /signin");
        assert_eq!(res.headers()["location"], "/", "{evil}");
    }

    let res = client.get(app.url("/khong-co-trang-nay")).send().await.expect("GET");
    assert_eq!(res.status(), StatusCode::NOT_FOUND);
    let html = res.text().await.expect("html");
    assert!(html.contains("Không tìm thấy nội dung yêu cầu."), "{html}");
    assert!(html.contains("<html lang=\"vi\""), "egov's own page");
}

#[tokio::test]
async fn the_choices_page_saves_and_shows_errors_in_vietnamese() {
    let app = TestApp::spawn().await;
    app.seed_demo().await;
    let client = app.client();
    let csrf = sign_in(&app, &client, "chuyenvien", common::DEMO_PASSWORD).await;
    let page = support::page(&app, &client, "/profile/notifications").await;
    assert!(
        page.contains("name=\"assignment.mail\"") && page.contains("Gộp hằng ngày"),
        "a choice per kind and channel"
    );
    let res = support::post_form(
        &app,
        &client,
        "/profile/notifications",
        &csrf,
        &[("assignment.mail", "off"), ("digest_hour", "7"), ("quiet_from", "22"), ("quiet_to", "")],
    )
    .await;
    assert_eq!(res.status(), StatusCode::UNPROCESSABLE_ENTITY);
    let html = res.text().await.expect("html");
    assert!(html.contains("Giờ yên lặng cần cả giờ bắt đầu và giờ kết thúc."), "the error, in Vietnamese");
    let res = support::post_form(
        &app,
        &client,
        "/profile/notifications",
        &csrf,
        &[("assignment.mail", "off"), ("message.push", "digest"), ("digest_hour", "7")],
    )
    .await;
    assert_eq!(res.status(), StatusCode::UNPROCESSABLE_ENTITY, "a digest is for e-mail only");
    let res = support::post_form(
        &app,
        &client,
        "/profile/notifications",
        &csrf,
        &[("assignment.mail", "off"), ("digest_hour", "16"), ("quiet_from", "22"), ("quiet_to", "6")],
    )
    .await;
    assert_eq!(res.status(), StatusCode::SEE_OTHER);
    let page = support::page(&app, &client, "/profile/notifications").await;
    let cell = page.split("name=\"assignment.mail\"").nth(1).and_then(|s| s.split("</select>").next()).unwrap_or("");
    assert!(cell.contains("value=\"off\" selected"), "{cell}");
    assert!(page.contains("<option value=\"16\" selected>"), "digest hour kept");
}

#[tokio::test]
async fn admin_pages_say_no_permission_and_document_pages_are_titled_by_the_document() {
    let app = TestApp::spawn().await;
    app.seed_demo().await;
    let clerk = ApiUser::sign_in(&app, "vanthu").await;
    let doc = register(&clerk, "55/QĐ-STC", "normal").await;
    let client = app.client();
    sign_in(&app, &client, "vanthu", common::DEMO_PASSWORD).await;
    for path in ["/admin/users", "/admin/agencies", "/admin/audit", "/admin/security"] {
        let res = client.get(app.url(path)).send().await.expect("GET");
        assert_eq!(res.status(), StatusCode::FORBIDDEN, "{path}");
        let html = res.text().await.expect("html");
        assert!(html.contains("<html lang=\"vi\""), "{path}: egov's own page");
    }
    let page = support::page(&app, &client, &format!("/documents/{doc}")).await;
    let title = page.split("<title>").nth(1).and_then(|t| t.split("</title>").next()).unwrap_or("");
    assert!(title.starts_with("55/QĐ-STC "), "{title}");
    let inbox = support::page(&app, &client, "/inbox").await;
    assert!(inbox.contains("<a href=\"/inbox\" aria-current=\"page\">"), "the current page is marked");
    // An agency administrator still reaches the agency pages.
    let admin = app.client();
    sign_in(&app, &admin, "quantri.xa", common::DEMO_PASSWORD).await;
    assert_eq!(admin.get(app.url("/admin/users")).send().await.expect("GET").status(), StatusCode::OK);
    assert_eq!(admin.get(app.url("/admin/audit")).send().await.expect("GET").status(), StatusCode::FORBIDDEN);
}

#[tokio::test]
async fn an_assignees_inbox_shows_the_deadline_and_directive_given_to_them() {
    let app = TestApp::spawn().await;
    app.seed_demo().await;
    let clerk = ApiUser::sign_in(&app, "vanthu").await;
    let leader = ApiUser::sign_in(&app, "lanhdao").await;
    let head = ApiUser::sign_in(&app, "truongphong").await;
    // The document's own deadline is far away; the leader gives the head an earlier one.
    let fields = incoming_fields(&[("number_notation", "66/QĐ-STC"), ("deadline_days", "30")]);
    let (status, reg) = clerk.post_multipart("/api/v1/documents/incoming", &fields, &[]).await;
    assert_eq!(status, StatusCode::CREATED, "{reg}");
    let doc = reg["id"].as_i64().expect("id");
    let (status, body) = leader
        .post(
            &format!("/api/v1/documents/{doc}/assign"),
            json!({ "directive": "Phòng Tổng hợp tham mưu trước ngày họp", "lead": { "user": head.user_id }, "deadline_days": 2 }),
        )
        .await;
    assert_eq!(status, StatusCode::CREATED, "{body}");
    let (_, d) = head.get(&format!("/api/v1/documents/{doc}")).await;
    let doc_deadline = d["document"]["deadline"].as_str().expect("the document's deadline").to_string();
    let (_, inbox) = head.get("/api/v1/inbox").await;
    let item = inbox
        .as_array()
        .and_then(|a| a.iter().find(|i| i["document_id"] == doc && i["kind"] == "assignment"))
        .unwrap_or_else(|| panic!("{inbox}"))
        .clone();
    assert_eq!(item["note"], "Phòng Tổng hợp tham mưu trước ngày họp", "{item}");
    let mine = item["deadline"].as_str().expect("a deadline").to_string();
    assert!(
        doc_deadline.is_empty() || mine < doc_deadline,
        "my deadline {mine} is the leader's, not the document's {doc_deadline}"
    );
}

#[tokio::test]
async fn a_mail_that_cannot_be_delivered_ends_on_the_dead_letter_list_and_can_be_sent_again() {
    // Port 9 (discard) on loopback: nothing listens, so every try fails as "server unavailable".
    let app = support::app_with_mail("smtp://127.0.0.1:9".into()).await;
    let clerk = ApiUser::sign_in(&app, "vanthu").await;
    let leader = ApiUser::sign_in(&app, "lanhdao").await;
    let doc = register(&clerk, "44/QĐ-STC", "normal").await;
    let (status, _) =
        clerk.post(&format!("/api/v1/documents/{doc}/present"), json!({ "leaders": [leader.user_id] })).await;
    assert_eq!(status, StatusCode::NO_CONTENT);
    let count = |state: &'static str| {
        let store = app.store.clone();
        async move {
            let mut c = store.read().await.expect("read");
            sqlx::query_scalar::<_, i64>(
                "SELECT COUNT(*) FROM notification_deliveries WHERE channel = 'mail' AND state = $1",
            )
            .bind(state)
            .fetch_one(&mut *c)
            .await
            .expect("count")
        }
    };
    assert_eq!(count("pending").await, 1, "a mail at once for a document presented to me (the default)");

    // The first try fails and is scheduled again later: the event itself was committed long ago.
    let round = app.services.deliver_due_notifications().await.expect("round");
    assert_eq!((round.sent, round.retried, round.dead), (0, 1, 0), "{round:?}");
    assert_eq!(count("pending").await, 1);
    // Its last try (as if seven had failed before) puts it on the dead-letter list.
    {
        let mut c = app.store.read().await.expect("read");
        sqlx::query("UPDATE notification_deliveries SET attempts = 7, due_at = 0 WHERE channel = 'mail'")
            .execute(&mut *c)
            .await
            .expect("age");
    }
    let round = app.services.deliver_due_notifications().await.expect("round");
    assert_eq!(round.dead, 1, "{round:?}");
    assert_eq!(count("dead").await, 1);

    // The system administrator sees it and sends it again; others may not.
    let admin = app.client();
    let csrf = sign_in(&app, &admin, "admin", common::DEMO_PASSWORD).await;
    let page = support::page(&app, &admin, "/admin/deliveries").await;
    assert!(page.contains("Nguyễn Văn An") && page.contains("/retry"), "the dead letter is listed");
    let other = app.client();
    sign_in(&app, &other, "vanthu", common::DEMO_PASSWORD).await;
    assert_eq!(other.get(app.url("/admin/deliveries")).send().await.expect("GET").status(), StatusCode::FORBIDDEN);
    let id: i64 = page.split("/admin/deliveries/").nth(1).and_then(|t| t.split('/').next()?.parse().ok()).expect("id");
    let res = support::post_form(&app, &admin, &format!("/admin/deliveries/{id}/retry"), &csrf, &[]).await;
    assert_eq!(res.status(), StatusCode::SEE_OTHER);
    assert_eq!((count("dead").await, count("pending").await), (0, 1), "back in the queue");
}

/// Deadline alerts and rights changes (issue 13 item 1): the working day before its deadline an
/// open item alerts its holder (`due_tomorrow`), the day after it passed (`overdue`); each once,
/// however many sweeps run, at the same moment too; a role given or taken tells the person.
#[tokio::test]
async fn deadlines_alert_once_and_a_change_of_rights_is_told() {
    let app = TestApp::spawn().await;
    app.seed_demo().await;
    let clerk = ApiUser::sign_in(&app, "vanthu").await;
    let leader = ApiUser::sign_in(&app, "lanhdao").await;
    let head = ApiUser::sign_in(&app, "truongphong").await;
    let mut docs = Vec::new();
    for (number, days) in [("71/UBND", 1), ("72/UBND", 3), ("73/UBND", 5)] {
        let doc = register(&clerk, number, "normal").await;
        let (status, body) = leader
            .post(
                &format!("/api/v1/documents/{doc}/assign"),
                json!({ "lead": { "user": head.user_id }, "deadline_days": days }),
            )
            .await;
        assert_eq!(status, StatusCode::CREATED, "{body}");
        docs.push(doc);
    }
    // The second one's deadline has passed (set in the database: the API refuses past deadlines).
    let yesterday = egov_service::documents::today().yesterday().expect("date").to_string();
    let mut tx = app.store.begin().await.expect("tx");
    for table in ["assignments", "inbox_items"] {
        sqlx::query(&format!("UPDATE {table} SET deadline = $1 WHERE document_id = $2"))
            .bind(&yesterday)
            .bind(docs[1])
            .execute(&mut *tx)
            .await
            .expect("update");
    }
    tx.commit().await.expect("commit");

    let alerts = |kind: &'static str| {
        let head = &head;
        async move {
            let (_, notes) = head.get("/api/v1/notifications?limit=100").await;
            let docs: Vec<i64> = notes["items"]
                .as_array()
                .expect("items")
                .iter()
                .filter(|n| n["kind"] == kind)
                .filter_map(|n| n["document_id"].as_i64())
                .collect();
            docs
        }
    };
    // Two processes sweeping at the same moment write each alert once.
    let (a, b) = tokio::join!(app.services.sweep_deadlines(), app.services.sweep_deadlines());
    let (a, b) = (a.expect("sweep"), b.expect("sweep"));
    assert!(a.due_tomorrow + b.due_tomorrow >= 1 && a.overdue + b.overdue >= 1, "{a:?} {b:?}");
    let due = alerts("due_tomorrow").await;
    let overdue = alerts("overdue").await;
    assert_eq!(due.iter().filter(|d| **d == docs[0]).count(), 1, "due the next working day: {due:?}");
    assert_eq!(overdue.iter().filter(|d| **d == docs[1]).count(), 1, "overdue: {overdue:?}");
    assert!(!due.contains(&docs[2]) && !overdue.contains(&docs[2]), "not due yet");
    assert!(!due.contains(&docs[1]), "an overdue item is not 'due tomorrow'");
    let again = app.services.sweep_deadlines().await.expect("sweep");
    assert_eq!((alerts("due_tomorrow").await, alerts("overdue").await), (due, overdue), "{again:?}: nothing twice");

    // A role given and taken back: the person is told, and the notification leads to the profile.
    let admin = app.client();
    let admin_csrf = sign_in(&app, &admin, "admin", common::DEMO_PASSWORD).await;
    let tok = support::token(&app, &admin, &admin_csrf, &["org:read", "org:write"]).await;
    let office = {
        let mut c = app.store.read().await.expect("read");
        egov_storage::org::get_agency_by_code(&mut c, "H41.01").await.expect("lookup").expect("office").id
    };
    let res = app
        .client()
        .post(app.url(&format!("/api/v1/users/{}/roles", head.user_id)))
        .bearer_auth(&tok)
        .json(&json!({ "role": "clerk", "agency_id": office }))
        .send()
        .await
        .expect("grant");
    assert_eq!(res.status(), StatusCode::CREATED);
    let grant_id = res.json::<Value>().await.expect("json")["id"].as_i64().expect("id");
    let res = app
        .client()
        .delete(app.url(&format!("/api/v1/users/{}/roles/{grant_id}", head.user_id)))
        .bearer_auth(&tok)
        .send()
        .await
        .expect("revoke");
    assert_eq!(res.status(), StatusCode::NO_CONTENT);
    assert_eq!(alerts("rights_changed").await.len(), 0, "no document on a change of rights");
    let (_, notes) = head.get("/api/v1/notifications").await;
    let told: Vec<&Value> =
        notes["items"].as_array().expect("items").iter().filter(|n| n["kind"] == "rights_changed").collect();
    assert_eq!(told.len(), 2, "given and taken back: {notes}");
    let client = app.client();
    sign_in(&app, &client, "truongphong", common::DEMO_PASSWORD).await;
    let id = told[0]["id"].as_i64().expect("id");
    let page = support::page(&app, &client, "/notifications").await;
    let csrf = support::csrf_of(&page);
    let res = support::post_form(&app, &client, &format!("/notifications/{id}/open"), &csrf, &[]).await;
    assert_eq!(res.headers()["location"], "/profile");
}
