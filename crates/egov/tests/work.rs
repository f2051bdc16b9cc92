//! Work: a task tree three levels deep with progress roll-up, return and evaluation; recurring
//! tasks across Tết; the administered working-day calendar and the deadlines computed with it.
#![allow(clippy::unwrap_used)] // test helpers: a failed unwrap is a failed test

mod common;
mod support;

use common::TestApp;
use jiff::civil::{date, Date};
use reqwest::StatusCode;
use serde_json::{json, Value};
use support::ApiUser;

async fn task(u: &ApiUser, id: i64) -> Value {
    let (s, t) = u.get(&format!("/api/v1/tasks/{id}")).await;
    assert_eq!(s, StatusCode::OK, "{t}");
    t
}

fn created(res: (StatusCode, Value)) -> i64 {
    assert_eq!(res.0, StatusCode::CREATED, "{}", res.1);
    res.1["id"].as_i64().expect("id")
}

async fn inbox_kinds(u: &ApiUser, task_id: i64) -> Vec<String> {
    let (s, body) = u.get("/api/v1/inbox").await;
    assert_eq!(s, StatusCode::OK, "{body}");
    body.as_array()
        .expect("items")
        .iter()
        .filter(|i| i["task_id"].as_i64() == Some(task_id))
        .map(|i| i["kind"].as_str().unwrap_or_default().to_string())
        .collect()
}

#[tokio::test]
async fn a_task_tree_three_levels_deep_rolls_up_is_returned_and_evaluated() {
    let app = TestApp::spawn().await;
    app.seed_demo().await;
    let leader = ApiUser::sign_in(&app, "lanhdao").await;
    let head = ApiUser::sign_in(&app, "truongphong").await;
    let deputy = ApiUser::sign_in(&app, "phophong").await;
    let officer = ApiUser::sign_in(&app, "chuyenvien").await;
    let outsider = ApiUser::sign_in(&app, "chuyenvien.snv").await;

    // Bad input: no title, a progress of 120 %, a deadline in the past, someone out of reach.
    let (s, e) = leader.post("/api/v1/tasks", json!({ "title": "", "lead_user_id": head.user_id })).await;
    assert_eq!(s, StatusCode::UNPROCESSABLE_ENTITY);
    assert_eq!(e["error"]["fields"][0]["field"], "title", "{e}");
    let (s, e) = leader
        .post("/api/v1/tasks", json!({ "title": "X", "lead_user_id": head.user_id, "deadline": "2020-01-01" }))
        .await;
    assert_eq!(s, StatusCode::UNPROCESSABLE_ENTITY, "{e}");
    let (s, _) = leader.post("/api/v1/tasks", json!({ "title": "X", "lead_user_id": outsider.user_id })).await;
    assert_eq!(s, StatusCode::UNPROCESSABLE_ENTITY);
    let (s, _) = officer.post("/api/v1/tasks", json!({ "title": "X", "lead_user_id": head.user_id })).await;
    assert_eq!(s, StatusCode::UNPROCESSABLE_ENTITY, "a specialist gives nobody work");

    // Level 0: the leader gives the task to the unit head, the deputy cooperating.
    let root = created(
        leader
            .post(
                "/api/v1/tasks",
                json!({
                    "title": "Tổng hợp báo cáo kinh tế – xã hội quý IV",
                    "description": "Số liệu của các phòng, gửi trước ngày họp.",
                    "lead_user_id": head.user_id,
                    "cooperate": [{ "user": deputy.user_id }],
                    "deadline_days": 10,
                    "priority": "high",
                }),
            )
            .await,
    );
    assert_eq!(inbox_kinds(&head, root).await, ["task"]);
    assert_eq!(inbox_kinds(&deputy, root).await, ["task"]);
    let (s, _) = outsider.get(&format!("/api/v1/tasks/{root}")).await;
    assert_eq!(s, StatusCode::NOT_FOUND, "someone outside sees nothing");
    let root_deadline = task(&leader, root).await["task"]["deadline"].as_str().unwrap().to_string();

    // Level 1: two parts, weights 2 and 1; a part due after the parent is refused.
    let late = date(2030, 1, 1).to_string();
    let (s, e) = head
        .post(
            &format!("/api/v1/tasks/{root}/subtasks"),
            json!({ "title": "Phần số liệu", "lead_user_id": deputy.user_id, "deadline": late }),
        )
        .await;
    assert_eq!(s, StatusCode::UNPROCESSABLE_ENTITY);
    assert_eq!(e["error"]["fields"][0]["code"], "after_parent", "{e}");
    let figures = created(
        head.post(
            &format!("/api/v1/tasks/{root}/subtasks"),
            json!({ "title": "Phần số liệu", "lead_user_id": deputy.user_id, "weight": 2 }),
        )
        .await,
    );
    let text = created(
        head.post(
            &format!("/api/v1/tasks/{root}/subtasks"),
            json!({ "title": "Phần thuyết minh", "lead_user_id": officer.user_id, "weight": 1 }),
        )
        .await,
    );
    assert_eq!(task(&deputy, figures).await["task"]["deadline"].as_str(), Some(root_deadline.as_str()));
    // Level 2: the deputy passes a part of the figures on to the specialist.
    let tables = created(
        deputy
            .post(
                &format!("/api/v1/tasks/{figures}/subtasks"),
                json!({ "title": "Bảng số liệu thu chi", "lead_user_id": officer.user_id }),
            )
            .await,
    );
    // The specialist sees their part, not the sibling's parent chain beyond what they take part in.
    let (s, _) = officer.get(&format!("/api/v1/tasks/{figures}")).await;
    assert_eq!(s, StatusCode::NOT_FOUND);
    // The leader sees the whole tree from the top, three levels.
    let top = task(&leader, root).await;
    let below: Vec<i64> = top["below"].as_array().unwrap().iter().map(|t| t["id"].as_i64().unwrap()).collect();
    assert_eq!(below, [figures, text, tables]);
    assert_eq!(top["below"][2]["depth"], 2);

    // Progress: 120 % refused; 50 % on the table rolls up to figures (50) and root (2×50+0)/3 = 33.
    let (s, e) = officer.post(&format!("/api/v1/tasks/{tables}/progress"), json!({ "percent": 120 })).await;
    assert_eq!(s, StatusCode::UNPROCESSABLE_ENTITY);
    assert_eq!(e["error"]["fields"][0]["code"], "progress_invalid");
    let (s, _) = head.post(&format!("/api/v1/tasks/{tables}/progress"), json!({ "percent": 10 })).await;
    assert_eq!(s, StatusCode::FORBIDDEN, "only the lead reports progress");
    let (s, e) =
        officer.post(&format!("/api/v1/tasks/{tables}/progress"), json!({ "percent": 50, "note": "Xong nửa" })).await;
    assert_eq!(s, StatusCode::NO_CONTENT, "{e}");
    assert_eq!(task(&deputy, figures).await["task"]["progress"], 50);
    assert_eq!(task(&leader, root).await["task"]["progress"], 33);

    // The specialist finishes the table (a double click counts once); the deputy returns it.
    let (s, _) = officer.post(&format!("/api/v1/tasks/{tables}/submit"), json!({ "text": "Đã lập bảng" })).await;
    assert_eq!(s, StatusCode::NO_CONTENT);
    let (s, _) = officer.post(&format!("/api/v1/tasks/{tables}/submit"), json!({ "text": "Đã lập bảng" })).await;
    assert_eq!(s, StatusCode::CONFLICT);
    assert_eq!(inbox_kinds(&deputy, tables).await, ["task_submitted"]);
    assert_eq!(task(&leader, root).await["task"]["progress"], 66, "(2×100 + 1×0) / 3");
    let (s, _) = deputy.post(&format!("/api/v1/tasks/{tables}/return"), json!({ "text": "" })).await;
    assert_eq!(s, StatusCode::UNPROCESSABLE_ENTITY, "a return needs its reason");
    let (s, _) =
        deputy.post(&format!("/api/v1/tasks/{tables}/return"), json!({ "text": "Thiếu số liệu tháng 12" })).await;
    assert_eq!(s, StatusCode::NO_CONTENT);
    let t = task(&officer, tables).await;
    assert_eq!(t["task"]["status"], "open");
    assert!(inbox_kinds(&officer, tables).await.contains(&"task_returned".to_string()));
    assert!(t["history"]
        .as_array()
        .unwrap()
        .iter()
        .any(|h| h["kind"] == "returned" && h["body"] == "Thiếu số liệu tháng 12"));
    // Corrected and accepted with an evaluation: reported before the deadline → early.
    let (s, _) =
        officer.post(&format!("/api/v1/tasks/{tables}/submit"), json!({ "text": "Đã bổ sung tháng 12" })).await;
    assert_eq!(s, StatusCode::NO_CONTENT);
    let (s, _) = deputy.post(&format!("/api/v1/tasks/{tables}/accept"), json!({ "quality": "perfect" })).await;
    assert_eq!(s, StatusCode::UNPROCESSABLE_ENTITY);
    let (s, _) = deputy
        .post(&format!("/api/v1/tasks/{tables}/accept"), json!({ "quality": "good", "note": "Đạt yêu cầu" }))
        .await;
    assert_eq!(s, StatusCode::NO_CONTENT);
    let t = task(&officer, tables).await["task"].clone();
    assert_eq!(
        (t["status"].as_str(), t["quality"].as_str(), t["timeliness"].as_str()),
        (Some("done"), Some("good"), Some("early"))
    );
    // The deputy finishes the figures, the head accepts; the text part is cancelled.
    let (s, _) = deputy.post(&format!("/api/v1/tasks/{figures}/submit"), json!({ "text": "Số liệu đủ" })).await;
    assert_eq!(s, StatusCode::NO_CONTENT);
    let (s, _) = head.post(&format!("/api/v1/tasks/{figures}/accept"), json!({ "quality": "excellent" })).await;
    assert_eq!(s, StatusCode::NO_CONTENT);
    assert_eq!(task(&leader, root).await["task"]["progress"], 66);
    let (s, _) = head.post(&format!("/api/v1/tasks/{text}/cancel"), json!({ "text": "Gộp vào phần số liệu" })).await;
    assert_eq!(s, StatusCode::NO_CONTENT);
    assert!(inbox_kinds(&officer, text).await.is_empty(), "the cancelled part left the inbox");
    assert_eq!(task(&leader, root).await["task"]["progress"], 100, "only the accepted part counts now");
    // The head reports the whole task; the leader accepts it.
    let (s, _) = head.post(&format!("/api/v1/tasks/{root}/submit"), json!({ "text": "Báo cáo đã hoàn thành" })).await;
    assert_eq!(s, StatusCode::NO_CONTENT);
    let (s, _) = deputy.post(&format!("/api/v1/tasks/{root}/accept"), json!({ "quality": "good" })).await;
    assert_eq!(s, StatusCode::FORBIDDEN, "only the assigner accepts");
    let (s, _) = leader.post(&format!("/api/v1/tasks/{root}/accept"), json!({ "quality": "excellent" })).await;
    assert_eq!(s, StatusCode::NO_CONTENT);
    assert!(inbox_kinds(&leader, root).await.is_empty());

    // Lists: mine, given, open only.
    let (_, mine) = officer.get("/api/v1/tasks?which=mine").await;
    let ids: Vec<i64> = mine["items"].as_array().unwrap().iter().map(|t| t["id"].as_i64().unwrap()).collect();
    assert_eq!(ids, [tables, text]);
    let (_, given) = head.get("/api/v1/tasks?which=given&open=true").await;
    assert!(given["items"].as_array().unwrap().is_empty(), "{given}");
    let (s, _) = officer.get("/api/v1/tasks?which=everything").await;
    assert_eq!(s, StatusCode::UNPROCESSABLE_ENTITY);
    // Notifications carry the task: the lead heard their result was accepted.
    let (_, n) = head.get("/api/v1/notifications").await;
    assert!(n["items"].as_array().unwrap().iter().any(|x| x["kind"] == "accepted" && x["task_id"] == root), "{n}");
    // Every change is audited, with identifiers only.
    let mut c = app.store.read().await.unwrap();
    let entries = egov_storage::audit::chunk(&mut c, 0, 100_000).await.unwrap();
    let actions: Vec<&str> =
        entries.iter().map(|(_, e)| e.record.action.as_str()).filter(|a| a.starts_with("task.")).collect();
    for a in ["task.create", "task.progress", "task.submit", "task.return", "task.accept", "task.cancel"] {
        assert!(actions.contains(&a), "{a} in {actions:?}");
    }
    assert!(entries.iter().all(|(_, e)| !e.record.after.as_deref().unwrap_or("").contains("Tổng hợp báo cáo")));
}

#[tokio::test]
async fn recurring_tasks_step_over_tet_and_the_calendar_is_administered() {
    let app = TestApp::spawn().await;
    app.seed_demo().await;
    let admin = ApiUser::sign_in_with(&app, "admin", &["org:write", "work:read", "work:write"]).await;
    let leader = ApiUser::sign_in(&app, "lanhdao").await;
    let head = ApiUser::sign_in(&app, "truongphong").await;

    // A weekly Monday task from 25/01/2027, due two working days later; Tết 2027 closes
    // Friday 05 to Thursday 11 February, so the occurrence of Monday 08/02 moves to Friday 12/02.
    let body = |non_working: &str| {
        json!({
            "title": "Báo cáo tuần", "lead_user_id": head.user_id, "rrule": "FREQ=WEEKLY;BYDAY=MO;COUNT=4",
            "starts_on": "2027-01-25", "non_working": non_working, "due_days": 2,
        })
    };
    for (bad, field) in [
        (json!({ "rrule": "FREQ=DAILY;COUNT=1000000" }), "rrule"),
        (json!({ "rrule": "FREQ=YEARLY;BYMONTH=2;BYMONTHDAY=30" }), "rrule"),
        (json!({ "rrule": "FREQ=MINUTELY" }), "rrule"),
        (json!({ "starts_on": "2020-01-01" }), "starts_on"),
        (json!({ "non_working": "sometimes" }), "non_working"),
    ] {
        let mut b = body("next");
        for (k, v) in bad.as_object().unwrap() {
            b[k] = v.clone();
        }
        let (s, e) = leader.post("/api/v1/task-series", b).await;
        assert_eq!(s, StatusCode::UNPROCESSABLE_ENTITY, "{e}");
        assert_eq!(e["error"]["fields"][0]["field"], field, "{e}");
    }
    let series = created(leader.post("/api/v1/task-series", body("next")).await);
    let skipping = created(leader.post("/api/v1/task-series", body("skip")).await);
    // Nothing is due yet (the first day is in 2027); a sweep on 12/02/2027 makes three of each.
    assert_eq!(app.services.sweep_series(date(2027, 2, 12)).await.unwrap(), 5);
    assert_eq!(app.services.sweep_series(date(2027, 2, 12)).await.unwrap(), 0, "a second sweep makes nothing twice");
    let (_, mine) = head.get("/api/v1/tasks?which=mine").await;
    let mut made: Vec<(i64, String)> = mine["items"]
        .as_array()
        .unwrap()
        .iter()
        .map(|t| (t["series_id"].as_i64().unwrap(), t["deadline"].as_str().unwrap().to_string()))
        .collect();
    made.sort();
    let want = |s: i64, d: &[&str]| d.iter().map(|x| (s, x.to_string())).collect::<Vec<_>>();
    let mut expected = want(series, &["2027-01-27", "2027-02-03", "2027-02-16"]);
    expected.extend(want(skipping, &["2027-01-27", "2027-02-03"]));
    expected.sort();
    assert_eq!(made, expected, "deadlines two working days after each occurrence; 12/02 + 2 = Tuesday 16/02");
    assert_eq!(app.services.sweep_series(date(2027, 2, 15)).await.unwrap(), 2, "the fourth Monday of each");

    // The calendar: Tết 2026 for public servants, Saturday 14 to Sunday 22 February.
    let (s, y) = head.get("/api/v1/calendar/2026").await;
    assert_eq!(s, StatusCode::OK);
    let off: Vec<&str> =
        y["days"].as_array().unwrap().iter().filter(|d| d["off"] == true).filter_map(|d| d["date"].as_str()).collect();
    for d in ["2026-02-16", "2026-02-17", "2026-02-18", "2026-02-19", "2026-02-20", "2026-04-26", "2026-04-27"] {
        assert!(off.contains(&d), "{d} off in {off:?}");
    }
    let cal = app.services.calendar();
    for day in 14..=22 {
        assert!(!cal.is_working_day(date(2026, 2, day)), "{day}/02/2026");
    }
    assert_eq!(cal.add_working_days(date(2026, 2, 13), 1), date(2026, 2, 23));
    assert_eq!(cal.add_working_days(date(2026, 4, 24), 1), date(2026, 4, 28));

    // Declaring: only a system administrator; duplicates and a day off onto a holiday refused.
    let (s, _) = leader.put("/api/v1/calendar/2027", json!({ "days": [] })).await;
    assert_eq!(s, StatusCode::FORBIDDEN);
    let (s, e) = admin
        .put(
            "/api/v1/calendar/2027",
            json!({ "days": [
            { "date": "2027-03-10", "kind": "off" }, { "date": "2027-03-10", "kind": "off" },
            { "date": "2027-02-09", "kind": "off", "note": "onto Tết" } ] }),
        )
        .await;
    assert_eq!(s, StatusCode::UNPROCESSABLE_ENTITY);
    let codes: Vec<&str> = e["error"]["fields"].as_array().unwrap().iter().filter_map(|f| f["code"].as_str()).collect();
    assert_eq!(codes, ["duplicate", "already_off"], "{e}");

    // The next working day after today declared off: a deadline of one working day moves on.
    let today = egov_service::documents::today();
    let next = app.services.calendar().add_working_days(today, 1);
    let after = app.services.calendar().add_working_days(today, 2);
    let year = next.year();
    let (s, e) = admin
        .put(
            &format!("/api/v1/calendar/{year}"),
            json!({ "days": [{ "date": next.to_string(), "kind": "off", "note": "Nghỉ bù theo thông báo" }] }),
        )
        .await;
    assert_eq!(s, StatusCode::NO_CONTENT, "{e}");
    let t = created(
        leader
            .post("/api/v1/tasks", json!({ "title": "Việc gấp", "lead_user_id": head.user_id, "deadline_days": 1 }))
            .await,
    );
    let deadline: Date = task(&leader, t).await["task"]["deadline"].as_str().unwrap().parse().unwrap();
    assert_eq!(deadline, after, "{next} is a day off now");
    let (_, y) = head.get(&format!("/api/v1/calendar/{year}")).await;
    assert_eq!(y["declared"][0]["date"], next.to_string());
    let mut c = app.store.read().await.unwrap();
    let entries = egov_storage::audit::chunk(&mut c, 0, 100_000).await.unwrap();
    assert_eq!(entries.iter().filter(|(_, e)| e.record.action == "calendar.change").count(), 1);
    // Another process picks the change up from the database.
    let other = egov_service::Services::new(app.store.clone(), app.services.settings.as_ref().clone()).unwrap();
    assert!(other.calendar().is_working_day(next));
    other.reload_calendar().await.unwrap();
    assert!(!other.calendar().is_working_day(next));
}

#[tokio::test]
async fn the_task_pages_give_report_and_accept_and_keep_a_failed_form() {
    use support::{page, post_form, sign_in};
    let app = TestApp::spawn().await;
    app.seed_demo().await;
    let leader = app.client();
    let csrf = sign_in(&app, &leader, "lanhdao", common::DEMO_PASSWORD).await;
    let head_id = app.services.user_id_by_username(&egov_service::Caller::system("t"), "truongphong").await.unwrap();
    let form = page(&app, &leader, "/tasks/new").await;
    assert!(form.contains("Trần Thị Bình"), "the unit head is offered as lead");

    // No title: the form comes back with the error at the field, the text and the file kept.
    let failed = reqwest::multipart::Form::new()
        .text("title", "")
        .text("description", "Nội dung cần giữ lại")
        .text("lead", head_id.to_string())
        .text("priority", "high")
        .part("files", reqwest::multipart::Part::bytes(b"so lieu".to_vec()).file_name("so-lieu.txt"));
    let res = leader.post(app.url(&format!("/tasks/new?csrf={csrf}"))).multipart(failed).send().await.unwrap();
    assert_eq!(res.status(), StatusCode::UNPROCESSABLE_ENTITY);
    let html = res.text().await.unwrap();
    assert!(html.contains("id=\"e-title\""), "error next to the title");
    assert!(html.contains("Vui lòng nhập tên công việc."));
    assert!(html.contains("Nội dung cần giữ lại"));
    assert!(html.contains("so-lieu.txt"), "the file is offered again");
    let kept = html.split("name=\"kept\" value=\"").nth(1).and_then(|r| r.split('"').next()).unwrap().to_string();
    let ok = reqwest::multipart::Form::new()
        .text("title", "Rà soát hồ sơ tồn đọng")
        .text("description", "Nội dung cần giữ lại")
        .text("lead", head_id.to_string())
        .text("priority", "high")
        .text("deadline_days", "5")
        .text("kept", kept);
    let res = leader.post(app.url(&format!("/tasks/new?csrf={csrf}"))).multipart(ok).send().await.unwrap();
    assert_eq!(res.status(), StatusCode::SEE_OTHER);
    let to = res.headers()["location"].to_str().unwrap().to_string();
    let id: i64 = to.trim_start_matches("/tasks/").split('?').next().unwrap().parse().unwrap();
    let html = page(&app, &leader, &to).await;
    assert!(html.contains("Rà soát hồ sơ tồn đọng") && html.contains("so-lieu.txt"), "the kept file is attached");
    assert!(page(&app, &leader, "/tasks?which=given").await.contains(&format!("/tasks/{id}")));

    // The unit head sees it in the one inbox, reports 120 % (refused at the field), then finishes.
    let head = app.client();
    let hcsrf = sign_in(&app, &head, "truongphong", common::DEMO_PASSWORD).await;
    let inbox = page(&app, &head, "/inbox").await;
    assert!(inbox.contains(&format!("/tasks/{id}")) && inbox.contains("Việc được giao"), "task in the inbox");
    let res = post_form(&app, &head, &format!("/tasks/{id}/progress"), &hcsrf, &[("percent", "120")]).await;
    assert_eq!(res.status(), StatusCode::UNPROCESSABLE_ENTITY);
    assert!(res.text().await.unwrap().contains("Tiến độ phải từ 0 đến 100%."));
    let res = post_form(
        &app,
        &head,
        &format!("/tasks/{id}/progress"),
        &hcsrf,
        &[("percent", "40"), ("note", "Đang rà soát")],
    )
    .await;
    assert_eq!(res.status(), StatusCode::SEE_OTHER);
    assert!(page(&app, &head, &format!("/tasks/{id}")).await.contains("id=\"task-progress\">40%"));
    let res = post_form(&app, &head, &format!("/tasks/{id}/submit"), &hcsrf, &[("text", "Đã rà soát 120 hồ sơ")]).await;
    assert_eq!(res.status(), StatusCode::SEE_OTHER);
    // The leader accepts it from the page.
    let html = page(&app, &leader, &format!("/tasks/{id}")).await;
    assert!(html.contains("id=\"accept-task\""));
    let res = post_form(&app, &leader, &format!("/tasks/{id}/accept"), &csrf, &[("quality", "excellent")]).await;
    assert_eq!(res.status(), StatusCode::SEE_OTHER);
    let html = page(&app, &leader, &format!("/tasks/{id}")).await;
    assert!(html.contains("Xuất sắc") && html.contains("Trước hạn"), "evaluation shown");

    // The calendar page: a system administrator declares a day; a duplicate onto Tết is refused at the field.
    let admin = app.client();
    let acsrf = sign_in(&app, &admin, "admin", common::DEMO_PASSWORD).await;
    let html = page(&app, &admin, "/admin/calendar?year=2026").await;
    assert!(html.contains("17/02/2026") && html.contains("27/04/2026"), "Tết and the compensated Hùng Kings' day");
    let res = post_form(&app, &admin, "/admin/calendar", &acsrf, &[("date", "17/02/2026"), ("kind", "off")]).await;
    assert_eq!(res.status(), StatusCode::UNPROCESSABLE_ENTITY);
    assert!(res.text().await.unwrap().contains("đã là ngày nghỉ"));
    let res = post_form(
        &app,
        &admin,
        "/admin/calendar",
        &acsrf,
        &[("date", "2026-03-07"), ("kind", "working"), ("note", "Làm bù")],
    )
    .await;
    assert_eq!(res.status(), StatusCode::SEE_OTHER);
    let html = page(&app, &admin, "/admin/calendar?year=2026").await;
    assert!(html.contains("07/03/2026") && html.contains("Làm bù"));
    assert!(app.services.calendar().is_working_day(date(2026, 3, 7)));
}
