//! The leader's statistics: hand-computed figures for tasks and documents across Tết, scope by
//! level (leader, unit head, specialist), drill-down to the items, CSV/XLSX (read back by
//! openpyxl) and the chart.
#![allow(clippy::unwrap_used)] // test helpers: a failed unwrap is a failed test

mod common;
mod support;

use common::TestApp;
use reqwest::StatusCode;
use serde_json::{json, Value};
use support::{page, ApiUser};

fn ms(date: &str) -> i64 {
    let d: jiff::civil::Date = date.parse().unwrap();
    d.to_datetime(jiff::civil::time(10, 0, 0, 0))
        .to_zoned(jiff::tz::TimeZone::fixed(jiff::tz::offset(7)))
        .unwrap()
        .timestamp()
        .as_millisecond()
}

async fn task(u: &ApiUser, lead: i64, title: &str) -> i64 {
    let (s, b) = u.post("/api/v1/tasks", json!({ "title": title, "lead_user_id": lead })).await;
    assert_eq!(s, StatusCode::CREATED, "{b}");
    b["id"].as_i64().unwrap()
}

/// Moves a task's story in time: given on `given`, due `deadline`, reported `done` (if any).
async fn set_task(app: &TestApp, id: i64, given: &str, deadline: &str, done: Option<&str>) {
    let mut c = app.store.read().await.unwrap();
    sqlx::query("UPDATE tasks SET created_at = $1, deadline = $2, submitted_at = $3, closed_at = $3 WHERE id = $4")
        .bind(ms(given))
        .bind(deadline)
        .bind(done.map(ms))
        .bind(id)
        .execute(&mut *c)
        .await
        .unwrap();
}

fn line<'a>(body: &'a Value, label: &str) -> &'a Value {
    body["people"]
        .as_array()
        .unwrap()
        .iter()
        .find(|p| p["label"] == label)
        .unwrap_or_else(|| panic!("{label} in {body}"))
}

#[tokio::test]
async fn statistics_count_by_hand_computed_outcomes_within_each_readers_scope() {
    let app = TestApp::spawn().await;
    app.seed_demo().await;
    let leader = ApiUser::sign_in(&app, "lanhdao").await;
    let head = ApiUser::sign_in(&app, "truongphong").await;
    let officer = ApiUser::sign_in(&app, "chuyenvien").await;

    // Four tasks to the unit head: on time across Tết, late, overdue, in progress; one to the officer, early.
    let on_time = task(&leader, head.user_id, "Đúng hạn qua Tết").await;
    let late = task(&leader, head.user_id, "Trễ hạn").await;
    let overdue = task(&leader, head.user_id, "Quá hạn").await;
    let open = task(&leader, head.user_id, "Đang làm").await;
    let early = task(&leader, officer.user_id, "Trước hạn").await;
    // A part passed on by the head counts for the officer, not twice for the agency.
    let (s, b) = head
        .post(
            &format!("/api/v1/tasks/{open}/subtasks"),
            json!({ "title": "Phần nhỏ", "lead_user_id": officer.user_id }),
        )
        .await;
    assert_eq!(s, StatusCode::CREATED, "{b}");
    for id in [on_time, late] {
        let (s, _) = head.post(&format!("/api/v1/tasks/{id}/submit"), json!({ "text": "Xong" })).await;
        assert_eq!(s, StatusCode::NO_CONTENT);
        let (s, _) = leader.post(&format!("/api/v1/tasks/{id}/accept"), json!({ "quality": "good" })).await;
        assert_eq!(s, StatusCode::NO_CONTENT);
    }
    let (s, _) = officer.post(&format!("/api/v1/tasks/{early}/submit"), json!({ "text": "Xong" })).await;
    assert_eq!(s, StatusCode::NO_CONTENT);
    let (s, _) = leader.post(&format!("/api/v1/tasks/{early}/accept"), json!({ "quality": "good" })).await;
    assert_eq!(s, StatusCode::NO_CONTENT);
    // Friday 13/02/2026 → Tuesday 24/02: 2 working days (Monday 23, Tuesday 24; Tết in between), due that day: on time.
    set_task(&app, on_time, "2026-02-13", "2026-02-24", Some("2026-02-24")).await;
    // Monday 02/03 → Wednesday 11/03, due 10/03: late, 7 working days.
    set_task(&app, late, "2026-03-02", "2026-03-10", Some("2026-03-11")).await;
    set_task(&app, overdue, "2026-03-02", "2026-03-20", None).await;
    set_task(&app, open, "2026-03-02", "2030-01-01", None).await;
    // Given 03/03, done 04/03, due 10/03: early, 1 working day.
    set_task(&app, early, "2026-03-03", "2026-03-10", Some("2026-03-04")).await;
    let sub = b["id"].as_i64().unwrap();
    set_task(&app, sub, "2026-03-05", "2030-01-01", None).await;

    let agency = {
        let mut c = app.store.read().await.unwrap();
        egov_storage::accounts::get_user(&mut c, leader.user_id, &egov_storage::Visibility::All)
            .await
            .unwrap()
            .unwrap()
            .agency_id
    };
    let q = format!("/api/v1/agencies/{agency}/stats?from=2026-01-01&to=2026-12-31");
    let (s, all) = leader.get(&q).await;
    assert_eq!(s, StatusCode::OK, "{all}");
    let t = &all["total"]["tasks"];
    assert_eq!(
        (
            t["received"].as_i64(),
            t["early"].as_i64(),
            t["on_time"].as_i64(),
            t["late"].as_i64(),
            t["in_progress"].as_i64(),
            t["overdue"].as_i64()
        ),
        (Some(5), Some(1), Some(1), Some(1), Some(2), Some(1)),
        "{all}"
    );
    // (2 + 7 + 1) / 3 = 3.3 working days.
    assert_eq!(t["average_days"], 3.3);
    let h = &line(&all, "Trần Thị Bình")["tasks"];
    assert_eq!((h["received"].as_i64(), h["late"].as_i64(), h["overdue"].as_i64()), (Some(4), Some(1), Some(1)));
    assert_eq!(h["average_days"], 4.5, "(2 + 7) / 2");
    let o = &line(&all, "Hoàng Thị Dung")["tasks"];
    assert_eq!((o["received"].as_i64(), o["early"].as_i64(), o["in_progress"].as_i64()), (Some(2), Some(1), Some(1)));

    // The unit head sees the unit's people, no agency total; the specialist only herself.
    let (_, unit) = head.get(&q).await;
    assert!(unit["total"].is_null(), "{unit}");
    assert!(unit["people"].as_array().unwrap().iter().all(|p| p["label"] != "Nguyễn Văn An"));
    let (_, me) = officer.get(&q).await;
    assert_eq!(me["people"].as_array().unwrap().len(), 1, "{me}");
    let (s, _) = officer.get(&format!("{q}&person={}", head.user_id)).await;
    assert_eq!(s, StatusCode::NOT_FOUND, "out of scope looks like nothing");
    let (s, e) = leader.get(&format!("/api/v1/agencies/{agency}/stats?from=2026-05-01&to=2026-01-01")).await;
    assert_eq!(s, StatusCode::UNPROCESSABLE_ENTITY, "{e}");

    // The page: drill-down from the head's late number lists the late task; exports.
    let client = app.client();
    support::sign_in(&app, &client, "lanhdao", common::DEMO_PASSWORD).await;
    let html = page(&app, &client, "/stats?from=2026-01-01&to=2026-12-31").await;
    assert!(html.contains("<svg") && html.contains("id=\"stats-table\""));
    // A level chosen from the units: an empty choice is the whole agency; a unit shows its people.
    let whole = page(&app, &client, "/stats?from=2026-01-01&to=2026-12-31&unit=").await;
    assert!(whole.contains("class=\"total\""), "the agency line");
    let unit = whole
        .split("<option value=\"")
        .find(|o| o.contains(">Phòng Tổng hợp<"))
        .and_then(|o| o.split('"').next())
        .unwrap();
    let html = page(&app, &client, &format!("/stats?from=2026-01-01&to=2026-12-31&unit={unit}")).await;
    assert!(
        !html.contains("class=\"total\"") && html.contains("Trần Thị Bình") && !html.contains(">Nguyễn Văn An</a>")
    );
    let items = page(
        &app,
        &client,
        &format!(
            "/stats/items?agency={agency}&from=2026-01-01&to=2026-12-31&person={}&source=task&metric=late",
            head.user_id
        ),
    )
    .await;
    assert!(
        items.contains(&format!("/tasks/{late}")) && !items.contains(&format!("/tasks/{on_time}\"")),
        "only the late one"
    );
    let csv = client.get(app.url("/stats/export?from=2026-01-01&to=2026-12-31&format=csv")).send().await.unwrap();
    assert_eq!(csv.status(), StatusCode::OK);
    let text = csv.text().await.unwrap();
    assert!(text.contains("Trần Thị Bình,0,0,0,0,0,0,,4,2,0,1,1,1,4.5"), "{text}");
    let x = client.get(app.url("/stats/export?from=2026-01-01&to=2026-12-31&format=xlsx")).send().await.unwrap();
    assert_eq!(x.status(), StatusCode::OK);
    let bytes = x.bytes().await.unwrap().to_vec();
    assert!(bytes.starts_with(b"PK"));
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("t.xlsx");
    std::fs::write(&path, &bytes).unwrap();
    let script = "import sys, openpyxl\nws = openpyxl.load_workbook(sys.argv[1]).active\nfor r in ws.iter_rows(values_only=True):\n    print('|'.join('' if v is None else str(v) for v in r))";
    match std::process::Command::new("python3").arg("-c").arg(script).arg(&path).output() {
        Ok(out) if out.status.success() => {
            let rows = String::from_utf8(out.stdout).unwrap();
            assert!(rows.lines().any(|l| l.starts_with("Trần Thị Bình|0|0|0|0|0|0||4|2|0|1|1|1|4.5")), "{rows}");
            assert!(rows.lines().next().unwrap().starts_with("Đơn vị / cá nhân|VB nhận"));
        }
        other => {
            assert!(std::env::var("EGOV_REQUIRE_OPENPYXL").as_deref() != Ok("1"), "openpyxl is required: {other:?}");
            eprintln!("SKIPPED: openpyxl is not installed; the XLSX was not read back");
        }
    }
}
