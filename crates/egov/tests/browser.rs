//! The browser suite: headless Chromium, driven through Debian's chromedriver, walks the main
//! screens as a person would on a phone and on a desktop, and keeps screenshots in
//! `target/screenshots/` (or `$EGOV_SCREENSHOTS`). Ignored by default because it needs
//! `/usr/bin/chromedriver`; `.ci/run` runs it with `--ignored` and fails if Chromium is missing.
#![allow(clippy::unwrap_used)] // test helpers: a failed unwrap is a failed test

mod common;
mod support;

use std::process::{Child, Command, Stdio};
use std::time::Duration;

use common::{TestApp, DEMO_PASSWORD};
use fantoccini::{Client, ClientBuilder, Locator};

struct Driver {
    child: Child,
    port: u16,
}

impl Drop for Driver {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

fn free_port() -> u16 {
    std::net::TcpListener::bind("127.0.0.1:0").expect("free port").local_addr().expect("addr").port()
}

async fn start_driver() -> Driver {
    let path = std::env::var("CHROMEDRIVER").unwrap_or_else(|_| "/usr/bin/chromedriver".into());
    assert!(std::path::Path::new(&path).exists(), "chromedriver not found at {path}: install Debian's chromium-driver");
    let port = free_port();
    let child = Command::new(&path)
        .arg(format!("--port={port}"))
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .spawn()
        .expect("start chromedriver");
    let driver = Driver { child, port };
    // chromedriver is a separate process: poll its status endpoint until it answers.
    let status = format!("http://127.0.0.1:{port}/status");
    for _ in 0..100 {
        if reqwest::get(&status).await.is_ok_and(|r| r.status().is_success()) {
            return driver;
        }
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    panic!("chromedriver did not start on port {port}");
}

async fn browser(driver: &Driver, width: u32, height: u32, profile: &std::path::Path) -> Client {
    let mut caps = serde_json::Map::new();
    let args = vec![
        "--headless=new".to_string(),
        "--no-sandbox".into(),
        "--disable-gpu".into(),
        "--disable-dev-shm-usage".into(),
        "--disable-background-networking".into(),
        "--disable-component-update".into(),
        "--disable-sync".into(),
        "--no-first-run".into(),
        "--disable-quic".into(),
        format!("--window-size={width},{height}"),
        format!("--user-data-dir={}", profile.display()),
    ];
    let binary = std::env::var("CHROMIUM").unwrap_or_else(|_| "/usr/bin/chromium".into());
    caps.insert("goog:chromeOptions".into(), serde_json::json!({ "args": args, "binary": binary }));
    // chromedriver listens on plain HTTP on loopback: no TLS stack needed.
    ClientBuilder::new(hyper_util::client::legacy::connect::HttpConnector::new())
        .capabilities(caps)
        .connect(&format!("http://127.0.0.1:{}", driver.port))
        .await
        .expect("a Chromium session")
}

fn shots_dir() -> std::path::PathBuf {
    let dir = std::env::var("EGOV_SCREENSHOTS")
        .map(std::path::PathBuf::from)
        .unwrap_or_else(|_| std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("../../target/screenshots"));
    std::fs::create_dir_all(&dir).expect("screenshot folder");
    dir
}

async fn shot(c: &Client, name: &str) {
    let png = c.screenshot().await.expect("screenshot");
    assert!(png.len() > 1000, "the screenshot {name} is not empty");
    std::fs::write(shots_dir().join(format!("{name}.png")), png).expect("save screenshot");
}

/// The page's text. A click that submits a form may still be loading the next page, which
/// makes the old body stale: read again until the page settles.
async fn text(c: &Client) -> String {
    let mut last_error = None;
    for _ in 0..50 {
        match c.find(Locator::Css("body")).await {
            Ok(body) => match body.text().await {
                Ok(t) => return t,
                Err(e) => last_error = Some(e.to_string()),
            },
            Err(e) => last_error = Some(e.to_string()),
        }
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    panic!("the page never settled: {last_error:?}");
}

async fn sign_in(c: &Client, app: &TestApp, username: &str) {
    c.goto(&app.url("/signin")).await.expect("open sign-in");
    c.find(Locator::Id("f-username")).await.expect("username field").send_keys(username).await.expect("type");
    c.find(Locator::Id("f-password")).await.expect("password field").send_keys(DEMO_PASSWORD).await.expect("type");
    c.find(Locator::Css("button.primary")).await.expect("submit").click().await.expect("click");
    c.wait().for_element(Locator::Css("h1")).await.expect("dashboard");
}

#[tokio::test]
#[ignore = "needs Chromium and chromedriver; run by .ci/run"]
async fn sign_in_dashboard_and_admin_pages_on_phone_and_desktop() {
    let app = TestApp::spawn().await;
    app.seed_demo().await;
    let driver = start_driver().await;
    let profile = tempfile::tempdir().expect("profile folder");

    // A leader's phone: sign in with a wrong password first, then the right one.
    let phone = browser(&driver, 390, 844, profile.path()).await;
    phone.goto(&app.url("/signin")).await.expect("open");
    shot(&phone, "01-signin-phone").await;
    phone.find(Locator::Id("f-username")).await.unwrap().send_keys("lanhdao").await.unwrap();
    phone.find(Locator::Id("f-password")).await.unwrap().send_keys("sai mật khẩu rồi").await.unwrap();
    phone.find(Locator::Css("button.primary")).await.unwrap().click().await.unwrap();
    phone.wait().for_element(Locator::Css(".error-box")).await.expect("the sign-in error");
    let page = text(&phone).await;
    assert!(page.contains("Tên đăng nhập hoặc mật khẩu không đúng."), "{page}");
    shot(&phone, "02-signin-error-phone").await;
    sign_in(&phone, &app, "lanhdao").await;
    let page = text(&phone).await;
    assert!(page.contains("Xin chào, Nguyễn Văn An"), "{page}");
    assert!(page.contains("Thủ trưởng"), "the dashboard lists the leader's position");
    shot(&phone, "03-dashboard-phone").await;
    // On the phone the navigation folds behind a labelled menu button, and the name opens a
    // menu with the profile and sign-out.
    let nav = phone.find(Locator::Id("main-nav")).await.expect("nav");
    assert!(!nav.is_displayed().await.unwrap(), "the navigation starts folded on a phone");
    let toggle = phone.find(Locator::Css(".menu-toggle")).await.expect("menu button");
    assert_eq!(toggle.attr("aria-expanded").await.unwrap().as_deref(), Some("false"));
    toggle.click().await.unwrap();
    assert!(nav.is_displayed().await.unwrap(), "the menu button opens it");
    assert_eq!(toggle.attr("aria-expanded").await.unwrap().as_deref(), Some("true"));
    shot(&phone, "03b-menu-open-phone").await;
    let account = phone.find(Locator::Css("details.account > summary")).await.expect("account menu");
    assert!(account.text().await.unwrap().contains("Nguyễn Văn An"));
    account.click().await.unwrap();
    let signout = phone.find(Locator::Css("details.account button[type=submit]")).await.expect("sign-out");
    assert!(signout.is_displayed().await.unwrap() && signout.text().await.unwrap().contains("Đăng xuất"));
    phone.close().await.expect("close");

    // The system administrator on a desktop: organisation and user administration.
    let profile2 = tempfile::tempdir().expect("profile folder");
    let desk = browser(&driver, 1280, 900, profile2.path()).await;
    sign_in(&desk, &app, "admin").await;
    shot(&desk, "04-dashboard-desktop").await;
    desk.find(Locator::LinkText("Cơ quan, đơn vị")).await.expect("nav link").click().await.expect("click");
    desk.wait().for_element(Locator::Css("table")).await.expect("agency table");
    let page = text(&desk).await;
    assert!(page.contains("Ủy ban nhân dân xã Châu Quang") && page.contains("H41.90.01"), "{page}");
    shot(&desk, "05-agencies-desktop").await;
    desk.find(Locator::LinkText("Người dùng")).await.expect("nav link").click().await.expect("click");
    desk.wait().for_element(Locator::Css("table")).await.expect("user table");
    let page = text(&desk).await;
    assert!(page.contains("Hoàng Thị Dung") && page.contains("Võ Thị Giang"), "{page}");
    shot(&desk, "06-users-desktop").await;
    // Create a user through the form; a bad password shows the reason next to the field.
    desk.goto(&app.url("/admin/users/new")).await.unwrap();
    desk.find(Locator::Id("f-username")).await.unwrap().send_keys("nguyen.moi").await.unwrap();
    desk.find(Locator::Id("f-full_name")).await.unwrap().send_keys("Nguyễn Văn Mới").await.unwrap();
    desk.find(Locator::Id("f-password")).await.unwrap().send_keys("1234567890").await.unwrap();
    desk.find(Locator::Css("button.primary")).await.unwrap().click().await.unwrap();
    desk.wait().for_element(Locator::Css(".error")).await.expect("field error shown");
    let page = text(&desk).await;
    assert!(page.contains("Mật khẩu"), "{page}");
    shot(&desk, "07-user-form-error-desktop").await;
    desk.close().await.expect("close");
}

#[tokio::test]
#[ignore = "needs Chromium and chromedriver; run by .ci/run"]
async fn a_clerk_registers_and_a_leader_assigns_on_a_phone() {
    let app = TestApp::spawn().await;
    app.seed_demo().await;
    let driver = start_driver().await;
    let caller = egov_service::Caller::system("test");
    let head = app.services.user_id_by_username(&caller, "truongphong").await.unwrap();
    let pdf_dir = tempfile::tempdir().unwrap();
    let pdf_path = pdf_dir.path().join("cong-van-12.pdf");
    std::fs::write(&pdf_path, egov_files::sample_pdf("Cong van 12 ve viec bao cao", 2)).unwrap();

    // The clerk, on a phone, registers a document; a malformed number is explained first.
    let profile = tempfile::tempdir().unwrap();
    let phone = browser(&driver, 390, 844, profile.path()).await;
    sign_in(&phone, &app, "vanthu").await;
    phone.goto(&app.url("/documents/new")).await.unwrap();
    phone.find(Locator::Id("f-sender_name")).await.unwrap().send_keys("UBND huyện Quỳ Hợp").await.unwrap();
    phone.find(Locator::Id("f-number_notation")).await.unwrap().send_keys("12").await.unwrap();
    phone
        .find(Locator::Id("f-subject"))
        .await
        .unwrap()
        .send_keys("Công văn về việc báo cáo kết quả năm 2026")
        .await
        .unwrap();
    phone.find(Locator::Id("f-deadline_days")).await.unwrap().send_keys("5").await.unwrap();
    phone.find(Locator::Id("f-files")).await.unwrap().send_keys(&pdf_path.display().to_string()).await.unwrap();
    shot(&phone, "10-register-form-phone").await;
    phone.find(Locator::Css("button.primary")).await.unwrap().click().await.unwrap();
    phone.wait().for_element(Locator::Css(".error")).await.expect("field error");
    let page = text(&phone).await;
    assert!(page.contains("thiếu dấu “/”"), "{page}");
    shot(&phone, "11-register-error-phone").await;
    let number = phone.find(Locator::Id("f-number_notation")).await.unwrap();
    number.clear().await.unwrap();
    number.send_keys("12/UBND-VP").await.unwrap();
    // The file input is emptied by the round trip; choose the file again.
    phone.find(Locator::Id("f-files")).await.unwrap().send_keys(&pdf_path.display().to_string()).await.unwrap();
    phone.find(Locator::Css("button.primary")).await.unwrap().click().await.unwrap();
    phone.wait().for_element(Locator::Id("arrival-number")).await.expect("registered document page");
    let page = text(&phone).await;
    assert!(page.contains("Đã vào sổ văn bản.") && page.contains("cong-van-12.pdf"), "{page}");
    assert_eq!(phone.find(Locator::Id("arrival-number")).await.unwrap().text().await.unwrap(), "1");
    shot(&phone, "12-registered-phone").await;
    // Present it to the leader.
    phone.find(Locator::Id("present-submit")).await.unwrap().click().await.unwrap();
    // The handling section appears only once the document has been presented.
    phone.wait().for_element(Locator::Id("h-handling")).await.expect("presented");
    let page = text(&phone).await;
    assert!(page.contains("Nguyễn Văn An ← Đặng Văn Em"), "the presentation is on the handling tree: {page}");
    phone.close().await.unwrap();

    // The leader, on a phone, finds it in the inbox and assigns it to the head of a unit.
    let profile2 = tempfile::tempdir().unwrap();
    let phone = browser(&driver, 390, 844, profile2.path()).await;
    sign_in(&phone, &app, "lanhdao").await;
    phone.goto(&app.url("/inbox")).await.unwrap();
    shot(&phone, "13-inbox-phone").await;
    phone
        .find(Locator::XPath("//a[contains(., 'báo cáo kết quả năm 2026')]"))
        .await
        .expect("inbox item")
        .click()
        .await
        .unwrap();
    phone.wait().for_element(Locator::Id("f-lead")).await.expect("assign form");
    phone
        .find(Locator::Id("f-directive"))
        .await
        .unwrap()
        .send_keys("Giao Phòng Tổng hợp tham mưu trả lời")
        .await
        .unwrap();
    phone.find(Locator::Id("f-lead")).await.unwrap().select_by_value(&format!("user:{head}")).await.unwrap();
    phone.find(Locator::Id("f-deadline_days")).await.unwrap().send_keys("3").await.unwrap();
    shot(&phone, "14-assign-form-phone").await;
    phone.find(Locator::Id("assign-submit")).await.unwrap().click().await.unwrap();
    // The assign form disappears once the leader's presentation is settled.
    phone
        .wait()
        .for_element(Locator::XPath("//p[@class='notice' and contains(., 'Đã giao việc.')]"))
        .await
        .expect("assigned");
    let page = text(&phone).await;
    assert!(page.contains("Đã giao việc.") && page.contains("Trần Thị Bình") && page.contains("Chủ trì"), "{page}");
    shot(&phone, "15-assigned-phone").await;
    // The page fits the phone: nothing wider than the viewport.
    let overflow =
        phone.execute("return document.documentElement.scrollWidth - window.innerWidth", vec![]).await.unwrap();
    assert!(overflow.as_i64().unwrap_or(9999) <= 0, "no horizontal scrolling on a phone: {overflow}");
    phone.close().await.unwrap();
}

#[tokio::test]
#[ignore = "needs Chromium and chromedriver; run by .ci/run"]
async fn a_leader_signs_an_approved_document_with_a_pin_and_sees_the_check() {
    let app = TestApp::spawn().await;
    app.seed_demo().await;
    app.services.create_demo_pki(Some(&app.url("/pki/demo-root.crl"))).await.unwrap();
    let driver = start_driver().await;
    // A draft approved by the leader, through the API.
    let specialist = support::ApiUser::sign_in(&app, "chuyenvien").await;
    let leader = support::ApiUser::sign_in(&app, "lanhdao").await;
    let fields = [("doc_type", "quyet_dinh"), ("subject", "Quyết định phê duyệt kế hoạch chuyển đổi số")];
    let (status, draft) = specialist
        .post_multipart("/api/v1/drafts", &fields, &[("quyet-dinh.pdf", egov_files::sample_pdf("Quyet dinh", 1))])
        .await;
    assert_eq!(status, reqwest::StatusCode::CREATED, "{draft}");
    let id = draft["id"].as_i64().unwrap();
    let submit = serde_json::json!({ "approvers": [leader.user_id] });
    assert_eq!(
        specialist.post(&format!("/api/v1/drafts/{id}/submit"), submit).await.0,
        reqwest::StatusCode::NO_CONTENT
    );
    let approve = serde_json::json!({ "decision": "approve" });
    assert_eq!(leader.post(&format!("/api/v1/drafts/{id}/decision"), approve).await.0, reqwest::StatusCode::NO_CONTENT);

    // The leader opens it on a phone and signs: a wrong PIN first, then the right one.
    let profile = tempfile::tempdir().unwrap();
    let phone = browser(&driver, 390, 844, profile.path()).await;
    sign_in(&phone, &app, "lanhdao").await;
    phone.goto(&app.url(&format!("/documents/{id}"))).await.unwrap();
    phone.wait().for_element(Locator::Id("f-pin")).await.expect("the signing form");
    shot(&phone, "20-sign-form-phone").await;
    phone.find(Locator::Id("f-pin")).await.unwrap().send_keys("111111").await.unwrap();
    phone.find(Locator::Id("sign")).await.unwrap().click().await.unwrap();
    phone.wait().for_element(Locator::Css(".field.invalid .error")).await.expect("PIN error");
    let page = text(&phone).await;
    assert!(page.contains("Mã PIN không đúng"), "{page}");
    shot(&phone, "21-sign-wrong-pin-phone").await;
    phone.find(Locator::Id("f-pin")).await.unwrap().send_keys(egov_service::signatures::demo::DEMO_PIN).await.unwrap();
    phone.find(Locator::Id("sign")).await.unwrap().click().await.unwrap();
    phone
        .wait()
        .for_element(Locator::XPath("//p[@class='notice' and contains(., 'Đã ký số văn bản.')]"))
        .await
        .expect("signed");
    let page = text(&phone).await;
    assert!(page.contains("Chữ ký số hợp lệ") && page.contains("Nguyễn Văn An"), "the check shows on the page: {page}");
    assert!(page.contains("chưa bị thu hồi"), "the revocation list was consulted: {page}");
    let verdict = phone.find(Locator::Css(".signatures")).await.unwrap().attr("data-verdict").await.unwrap();
    assert_eq!(verdict.as_deref(), Some("valid"));
    shot(&phone, "22-signed-phone").await;
    phone.close().await.unwrap();
}

#[tokio::test]
#[ignore = "needs Chromium and chromedriver; run by .ci/run"]
async fn a_notification_arrives_in_an_open_page_without_reload() {
    let app = TestApp::spawn().await;
    app.seed_demo().await;
    let driver = start_driver().await;
    let profile = tempfile::tempdir().expect("profile folder");
    let phone = browser(&driver, 390, 844, profile.path()).await;
    sign_in(&phone, &app, "lanhdao").await;
    phone.goto(&app.url("/inbox")).await.expect("open inbox");
    phone.wait().for_element(Locator::Css("h1")).await.expect("inbox");
    // Mark the page: a reload would lose this.
    phone.execute("document.body.setAttribute('data-loaded-once', '1'); return null;", vec![]).await.expect("mark");
    let unread_before: i64 = phone
        .execute(
            "var e = document.getElementById('count-unread'); return e.hidden ? 0 : parseInt(e.textContent, 10);",
            vec![],
        )
        .await
        .expect("count")
        .as_i64()
        .unwrap_or(0);
    // Let the page open its event stream.
    tokio::time::sleep(Duration::from_millis(800)).await;

    // The clerk registers and presents a document to the leader, through the API.
    let clerk = support::ApiUser::sign_in(&app, "vanthu").await;
    let leader_id =
        app.services.user_id_by_username(&egov_service::Caller::system("test"), "lanhdao").await.expect("leader");
    let fields = support::incoming_fields(&[("number_notation", "99/QĐ-STC")]);
    let (status, reg) = clerk.post_multipart("/api/v1/documents/incoming", &fields, &[]).await;
    assert_eq!(status, reqwest::StatusCode::CREATED, "{reg}");
    let doc = reg["id"].as_i64().expect("id");
    let (status, _) =
        clerk.post(&format!("/api/v1/documents/{doc}/present"), serde_json::json!({ "leaders": [leader_id] })).await;
    assert_eq!(status, reqwest::StatusCode::NO_CONTENT);

    let item = phone.wait().for_element(Locator::Css("#live .live-item")).await.expect("the notice appears");
    let notice = item.text().await.expect("text");
    assert!(notice.contains("Văn bản trình tôi") && notice.contains("99/QĐ-STC"), "{notice}");
    let still_same_page =
        phone.execute("return document.body.getAttribute('data-loaded-once');", vec![]).await.expect("mark");
    assert_eq!(still_same_page.as_str(), Some("1"), "the page was not reloaded");
    let unread_after: i64 = phone
        .execute("return parseInt(document.getElementById('count-unread').textContent, 10);", vec![])
        .await
        .expect("count")
        .as_i64()
        .unwrap_or(0);
    assert_eq!(unread_after, unread_before + 1, "the header count went up");
    shot(&phone, "20-live-notification-phone").await;
    phone.close().await.expect("close");
}

#[tokio::test]
#[ignore = "needs Chromium and chromedriver; run by .ci/run"]
async fn a_schedule_entry_is_made_and_published_and_statistics_exported_on_a_phone() {
    let app = TestApp::spawn().await;
    app.seed_demo().await;
    let driver = start_driver().await;

    // The clerk, on a phone, drafts Monday's meeting; an end before the start is explained first.
    let profile = tempfile::tempdir().unwrap();
    let phone = browser(&driver, 390, 844, profile.path()).await;
    sign_in(&phone, &app, "vanthu").await;
    phone.goto(&app.url("/schedule")).await.unwrap();
    phone.find(Locator::Id("new-entry")).await.expect("the office may add entries").click().await.unwrap();
    phone.wait().for_element(Locator::Id("entry-form")).await.unwrap();
    phone.find(Locator::Id("f-title")).await.unwrap().send_keys("Họp giao ban đầu tuần").await.unwrap();
    let set = |id: &str, v: &str| format!("document.getElementById('{id}').value = '{v}';");
    phone
        .execute(&(set("f-starts_at", "2026-12-14T08:00") + &set("f-ends_at", "2026-12-14T07:00")), vec![])
        .await
        .unwrap();
    phone.find(Locator::Id("f-place")).await.unwrap().send_keys("Phòng họp số 1").await.unwrap();
    phone.find(Locator::Id("save-entry")).await.unwrap().click().await.unwrap();
    phone.wait().for_element(Locator::Id("e-ends_at")).await.expect("the error next to the end");
    let page = text(&phone).await;
    assert!(page.contains("Thời gian kết thúc phải sau thời gian bắt đầu."), "{page}");
    let title = phone.find(Locator::Id("f-title")).await.unwrap().prop("value").await.unwrap();
    assert_eq!(title.as_deref(), Some("Họp giao ban đầu tuần"), "what was typed is kept");
    shot(&phone, "40-schedule-error-phone").await;
    phone.execute(&set("f-ends_at", "2026-12-14T09:30"), vec![]).await.unwrap();
    phone.find(Locator::Id("save-entry")).await.unwrap().click().await.unwrap();
    phone.wait().for_element(Locator::Id("entry-status")).await.expect("the draft's page");
    let status = phone.find(Locator::Id("entry-status")).await.unwrap().text().await.unwrap();
    assert_eq!(status, "Dự thảo, chờ duyệt");
    let entry_url = phone.current_url().await.unwrap().to_string();
    phone.close().await.unwrap();

    // The leader approves it on a phone; the week shows it.
    let profile2 = tempfile::tempdir().unwrap();
    let phone = browser(&driver, 390, 844, profile2.path()).await;
    sign_in(&phone, &app, "lanhdao").await;
    phone.goto(&entry_url).await.unwrap();
    phone.find(Locator::Id("publish-entry")).await.expect("a leader approves").click().await.unwrap();
    phone
        .wait()
        .for_element(Locator::XPath("//span[@id='entry-status' and contains(., 'Đã công bố')]"))
        .await
        .expect("published");
    shot(&phone, "41-schedule-published-phone").await;
    phone.goto(&app.url("/schedule?week=2026-12-14")).await.unwrap();
    let page = text(&phone).await;
    assert!(page.contains("Họp giao ban đầu tuần") && page.contains("Phòng họp số 1"), "{page}");
    let overflow =
        phone.execute("return document.documentElement.scrollWidth - window.innerWidth", vec![]).await.unwrap();
    assert!(overflow.as_i64().unwrap_or(9999) <= 0, "the week fits a phone: {overflow}");

    // Statistics on the phone: the table scrolls inside its frame, and its XLSX export answers.
    phone.goto(&app.url("/stats")).await.unwrap();
    phone.wait().for_element(Locator::Id("stats-table")).await.expect("the statistics table");
    shot(&phone, "42-stats-phone").await;
    let overflow =
        phone.execute("return document.documentElement.scrollWidth - window.innerWidth", vec![]).await.unwrap();
    assert!(overflow.as_i64().unwrap_or(9999) <= 0, "the page fits a phone: {overflow}");
    let answer = phone
        .execute_async(
            "const done = arguments[arguments.length - 1]; \
             fetch(document.getElementById('export-xlsx').href).then(r => r.arrayBuffer().then(b => \
             done(r.status + ' ' + r.headers.get('content-type') + ' ' + new Uint8Array(b).slice(0, 2).join(','))));",
            vec![],
        )
        .await
        .unwrap();
    assert_eq!(
        answer.as_str(),
        Some("200 application/vnd.openxmlformats-officedocument.spreadsheetml.sheet 80,75"),
        "an XLSX (a zip: PK)"
    );
    phone.close().await.unwrap();
}
