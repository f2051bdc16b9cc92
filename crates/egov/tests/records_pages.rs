//! The pages for keeping and passing on documents, as a person uses them (both engines): a case file is
//! opened, a registered document is filed in it from the document page, the file is closed and handed to
//! the archive; a document is sent to a colleague with a note and a file; an issued document is revoked
//! with a reason. Bad input gets the form back with the message.

mod common;
mod support;

use common::TestApp;
use reqwest::StatusCode;
use support::{incoming_fields, page, post_form, sign_in, ApiUser};

fn id_from(location: &str, prefix: &str) -> i64 {
    location.trim_start_matches(prefix).split('?').next().and_then(|s| s.parse().ok()).expect("id in the location")
}

#[tokio::test]
async fn case_files_sending_and_revocation_work_from_the_pages() {
    let app = TestApp::spawn().await;
    app.seed_demo().await;
    let password = common::DEMO_PASSWORD;
    let clerk_api = ApiUser::sign_in(&app, "vanthu").await;
    let (status, reg) = clerk_api
        .post_multipart(
            "/api/v1/documents/incoming",
            &incoming_fields(&[]),
            &[("cv.pdf", egov_files::sample_pdf("Cong van", 1))],
        )
        .await;
    assert_eq!(status, StatusCode::CREATED, "{reg}");
    let doc = reg["id"].as_i64().expect("id");

    // The clerk opens a case file; a missing title is explained.
    let clerk = app.client();
    let csrf = sign_in(&app, &clerk, "vanthu", password).await;
    let res = post_form(&app, &clerk, "/case-files", &csrf, &[("notation", "01.VP"), ("title", " ")]).await;
    assert_eq!(res.status(), StatusCode::UNPROCESSABLE_ENTITY);
    assert!(res.text().await.expect("body").contains("class=\"error\""));
    let res = post_form(
        &app,
        &clerk,
        "/case-files",
        &csrf,
        &[("notation", "01.VP"), ("title", "Hồ sơ chuyển đổi số năm 2026"), ("retention_years", "10")],
    )
    .await;
    assert_eq!(res.status(), StatusCode::SEE_OTHER);
    let file = id_from(res.headers()["location"].to_str().expect("location"), "/case-files/");

    // From the document page: file it in the case file.
    let html = page(&app, &clerk, &format!("/documents/{doc}")).await;
    assert!(html.contains("Hồ sơ chuyển đổi số năm 2026"), "the open file is offered: {html}");
    let res =
        post_form(&app, &clerk, &format!("/documents/{doc}/file"), &csrf, &[("case_file", &file.to_string())]).await;
    assert_eq!(res.status(), StatusCode::SEE_OTHER);
    let html = page(&app, &clerk, &format!("/case-files/{file}")).await;
    assert!(html.contains(&format!("/documents/{doc}")), "the document is in the file: {html}");
    // Close, then archive; archiving an open file is refused.
    let res = post_form(&app, &clerk, &format!("/case-files/{file}/status"), &csrf, &[("to", "archived")]).await;
    assert_eq!(res.status(), StatusCode::UNPROCESSABLE_ENTITY);
    for to in ["closed", "archived"] {
        let res = post_form(&app, &clerk, &format!("/case-files/{file}/status"), &csrf, &[("to", to)]).await;
        assert_eq!(res.status(), StatusCode::SEE_OTHER, "{to}");
    }
    let html = page(&app, &clerk, "/case-files").await;
    assert!(html.contains("Đã nộp lưu") && html.contains("10 năm"), "{html}");

    // Free sending from the page: to the unit head, with a note and a file.
    let caller = egov_service::Caller::system("test");
    let head = app.services.user_id_by_username(&caller, "truongphong").await.expect("head");
    let form = page(&app, &clerk, &format!("/messages/new?document={doc}")).await;
    assert!(form.contains("Trần Thị Bình"), "{form}");
    let empty = reqwest::multipart::Form::new().text("body", "Gửi anh chị").text("document_id", doc.to_string());
    let res = clerk.post(app.url(&format!("/messages/new?csrf={csrf}"))).multipart(empty).send().await.expect("post");
    assert_eq!(res.status(), StatusCode::UNPROCESSABLE_ENTITY, "no recipient");
    let parts = reqwest::multipart::Form::new()
        .text("users", head.to_string())
        .text("body", "Gửi anh chị tham khảo")
        .text("document_id", doc.to_string())
        .part("files", reqwest::multipart::Part::bytes(b"ghi chu".to_vec()).file_name("ghi-chu.txt"));
    let res = clerk.post(app.url(&format!("/messages/new?csrf={csrf}"))).multipart(parts).send().await.expect("post");
    assert_eq!(res.status(), StatusCode::SEE_OTHER);
    let head_api = ApiUser::sign_in(&app, "truongphong").await;
    let (_, inbox) = head_api.get("/api/v1/inbox").await;
    assert!(inbox.to_string().contains("Gửi anh chị tham khảo"), "{inbox}");
}

#[tokio::test]
async fn an_issued_document_is_revoked_from_its_page_with_a_reason() {
    let app = TestApp::spawn().await;
    app.seed_demo().await;
    let specialist = ApiUser::sign_in(&app, "chuyenvien").await;
    let leader = ApiUser::sign_in(&app, "lanhdao").await;
    let clerk_api = ApiUser::sign_in(&app, "vanthu").await;
    let fields = [("doc_type", "cong_van"), ("subject", "Công văn đôn đốc báo cáo")];
    let (_, draft) =
        specialist.post_multipart("/api/v1/drafts", &fields, &[("cv.pdf", egov_files::sample_pdf("Cv", 1))]).await;
    let id = draft["id"].as_i64().expect("id");
    let submit = serde_json::json!({ "approvers": [leader.user_id] });
    assert_eq!(specialist.post(&format!("/api/v1/drafts/{id}/submit"), submit).await.0, StatusCode::NO_CONTENT);
    let approve = serde_json::json!({ "decision": "approve" });
    assert_eq!(leader.post(&format!("/api/v1/drafts/{id}/decision"), approve).await.0, StatusCode::NO_CONTENT);
    assert_eq!(
        clerk_api.post(&format!("/api/v1/drafts/{id}/issue"), serde_json::json!({})).await.0,
        StatusCode::CREATED
    );

    let clerk = app.client();
    let csrf = sign_in(&app, &clerk, "vanthu", common::DEMO_PASSWORD).await;
    let html = page(&app, &clerk, &format!("/documents/{id}")).await;
    assert!(html.contains("Thu hồi văn bản"), "{html}");
    let res = post_form(&app, &clerk, &format!("/documents/{id}/revoke"), &csrf, &[("reason", " ")]).await;
    assert_eq!(res.status(), StatusCode::UNPROCESSABLE_ENTITY);
    let res = post_form(&app, &clerk, &format!("/documents/{id}/revoke"), &csrf, &[("reason", "Sai thời hạn")]).await;
    assert_eq!(res.status(), StatusCode::SEE_OTHER);
    let html = page(&app, &clerk, &format!("/documents/{id}?notice=revoked")).await;
    assert!(html.contains("Đã thu hồi văn bản"), "{html}");
    let (_, d) = clerk_api.get(&format!("/api/v1/documents/{id}")).await;
    assert_eq!(d["document"]["status"], "revoked");
}

#[tokio::test]
async fn searches_are_saved_per_person_and_run_again() {
    let app = TestApp::spawn().await;
    app.seed_demo().await;
    let clerk_api = ApiUser::sign_in(&app, "vanthu").await;
    let clerk = app.client();
    let csrf = sign_in(&app, &clerk, "vanthu", common::DEMO_PASSWORD).await;
    let query = "q=bao+cao&doc_type=cong_van&sort=date&page=3";
    let html = page(&app, &clerk, &format!("/search?{query}")).await;
    assert!(html.contains("Lưu tìm kiếm"), "{html}");
    // A blank name is refused; a good one is kept with only the search parameters.
    let res = post_form(&app, &clerk, "/search/saved", &csrf, &[("name", " "), ("query", query)]).await;
    assert_eq!(res.status(), StatusCode::UNPROCESSABLE_ENTITY);
    let res = post_form(&app, &clerk, "/search/saved", &csrf, &[("name", "Công văn báo cáo"), ("query", query)]).await;
    assert_eq!(res.status(), StatusCode::SEE_OTHER);
    assert_eq!(res.headers()["location"], "/search?q=bao+cao&doc_type=cong_van&sort=date&notice=saved");
    let res = post_form(&app, &clerk, "/search/saved", &csrf, &[("name", "Công văn báo cáo"), ("query", query)]).await;
    assert_eq!(res.status(), StatusCode::UNPROCESSABLE_ENTITY, "a name is used once per person");
    let html = page(&app, &clerk, "/search").await;
    assert!(
        html.contains("Công văn báo cáo") && html.contains("href=\"/search?q=bao+cao&#38;doc_type=cong_van"),
        "{html}"
    );
    let (_, list) = clerk_api.get("/api/v1/saved-searches").await;
    assert_eq!(list.as_array().map(Vec::len), Some(1), "{list}");
    // Another person has their own list; they cannot delete the clerk's search.
    let other = ApiUser::sign_in(&app, "chuyenvien").await;
    let (_, theirs) = other.get("/api/v1/saved-searches").await;
    assert_eq!(theirs, serde_json::json!([]));
    let id = list[0]["id"].as_i64().expect("id");
    let res = other.delete(&format!("/api/v1/saved-searches/{id}")).await;
    assert_eq!(res, StatusCode::NOT_FOUND);
    assert_eq!(clerk_api.delete(&format!("/api/v1/saved-searches/{id}")).await, StatusCode::NO_CONTENT);
    let (_, list) = clerk_api.get("/api/v1/saved-searches").await;
    assert_eq!(list, serde_json::json!([]));
}

#[tokio::test]
async fn a_printed_copy_is_marked_and_recorded() {
    let app = TestApp::spawn().await;
    app.seed_demo().await;
    let clerk_api = ApiUser::sign_in(&app, "vanthu").await;
    let (_, reg) = clerk_api
        .post_multipart(
            "/api/v1/documents/incoming",
            &incoming_fields(&[]),
            &[("công-văn.pdf", egov_files::sample_pdf("Cong van", 2))],
        )
        .await;
    let doc = reg["id"].as_i64().expect("id");
    let (_, d) = clerk_api.get(&format!("/api/v1/documents/{doc}")).await;
    let file = d["files"][0]["file_id"].as_i64().expect("file");
    let clerk = app.client();
    let csrf = sign_in(&app, &clerk, "vanthu", common::DEMO_PASSWORD).await;
    let res = post_form(&app, &clerk, &format!("/files/{file}/print"), &csrf, &[]).await;
    assert_eq!(res.status(), StatusCode::OK);
    assert_eq!(res.headers()["content-type"], "application/pdf");
    let bytes = res.bytes().await.expect("body").to_vec();
    let doc_pdf = lopdf::Document::load_mem(&bytes).expect("a PDF");
    let marks: Vec<String> = doc_pdf
        .objects
        .values()
        .filter_map(|o| o.as_dict().ok())
        .filter(|d| d.get(b"Subtype").and_then(lopdf::Object::as_name).ok() == Some(b"FreeText"))
        .filter_map(|d| {
            d.get(b"Contents").and_then(lopdf::Object::as_str).ok().map(|b| String::from_utf8_lossy(b).into_owned())
        })
        .collect();
    assert_eq!(marks.len(), 2, "one mark per page");
    assert!(marks[0].starts_with("Ban in cua Dang Van Em (vanthu) luc 20"), "{marks:?}");
    // On the timeline and in the audit trail; someone who may not see the document cannot print it.
    let (_, d) = clerk_api.get(&format!("/api/v1/documents/{doc}")).await;
    assert!(d["timeline"].to_string().contains("\"printed\""), "{d}");
    let outsider = app.client();
    let outsider_csrf = sign_in(&app, &outsider, "chuyenvien", common::DEMO_PASSWORD).await;
    let res = post_form(&app, &outsider, &format!("/files/{file}/print"), &outsider_csrf, &[]).await;
    assert_eq!(res.status(), StatusCode::NOT_FOUND);
}

#[tokio::test]
async fn a_new_draft_version_is_made_from_the_prefilled_page() {
    let app = TestApp::spawn().await;
    app.seed_demo().await;
    let specialist_api = ApiUser::sign_in(&app, "chuyenvien").await;
    let fields = [
        ("doc_type", "to_trinh"),
        ("subject", "Tờ trình kinh phí năm 2027"),
        ("signer", "Nguyễn Văn An"),
        ("recipient_external", "G01.01|Bộ Nội vụ"),
    ];
    let (status, draft) =
        specialist_api.post_multipart("/api/v1/drafts", &fields, &[("v1.pdf", egov_files::sample_pdf("V1", 1))]).await;
    assert_eq!(status, StatusCode::CREATED, "{draft}");
    let id = draft["id"].as_i64().expect("id");

    let specialist = app.client();
    let csrf = sign_in(&app, &specialist, "chuyenvien", common::DEMO_PASSWORD).await;
    let html = page(&app, &specialist, &format!("/documents/{id}")).await;
    assert!(html.contains(&format!("/drafts/{id}/edit")), "{html}");
    let form = page(&app, &specialist, &format!("/drafts/{id}/edit")).await;
    assert!(form.contains("Tờ trình kinh phí năm 2027") && form.contains("G01.01|Bộ Nội vụ"), "prefilled: {form}");
    // A blank subject is refused and the draft is unchanged.
    let blank = reqwest::multipart::Form::new().text("doc_type", "to_trinh").text("subject", " ");
    let res = specialist
        .post(app.url(&format!("/drafts/{id}/versions?csrf={csrf}")))
        .multipart(blank)
        .send()
        .await
        .expect("post");
    assert_eq!(res.status(), StatusCode::UNPROCESSABLE_ENTITY);
    let parts = reqwest::multipart::Form::new()
        .text("doc_type", "to_trinh")
        .text("subject", "Tờ trình kinh phí năm 2027 (bổ sung)")
        .text("signer", "Nguyễn Văn An")
        .text("recipient_external", "G01.01|Bộ Nội vụ")
        .text("note", "Bổ sung dự toán")
        .part("files", reqwest::multipart::Part::bytes(egov_files::sample_pdf("V2", 1)).file_name("v2.pdf"));
    let res = specialist
        .post(app.url(&format!("/drafts/{id}/versions?csrf={csrf}")))
        .multipart(parts)
        .send()
        .await
        .expect("post");
    assert_eq!(res.status(), StatusCode::SEE_OTHER);
    let (_, d) = specialist_api.get(&format!("/api/v1/documents/{id}")).await;
    assert_eq!(d["document"]["subject"], "Tờ trình kinh phí năm 2027 (bổ sung)");
    assert!(d["files"].as_array().expect("files").iter().any(|f| f["name"] == "v2.pdf" && f["version"] == 2), "{d}");
    assert_eq!(d["recipients"][0]["code"], "G01.01", "the addressee was kept: {d}");
    // Someone else cannot see the draft, let alone edit it.
    let other = app.client();
    sign_in(&app, &other, "vanthu.snv", common::DEMO_PASSWORD).await;
    let res = other.get(app.url(&format!("/drafts/{id}/edit"))).send().await.expect("get");
    assert_eq!(res.status(), StatusCode::NOT_FOUND);
}

/// Issue 13 item 2: search results page, with the total and where this page is in it.
#[tokio::test]
async fn search_results_page_with_the_total() {
    let app = TestApp::spawn().await;
    app.seed_demo().await;
    let clerk_api = ApiUser::sign_in(&app, "vanthu").await;
    for i in 1..=53 {
        let number = format!("{i}/TB-PT");
        let subject = format!("Thông báo thử phân trang số {i}");
        let fields = incoming_fields(&[("number_notation", &number), ("subject", &subject)]);
        let (status, body) = clerk_api.post_multipart("/api/v1/documents/incoming", &fields, &[]).await;
        assert_eq!(status, StatusCode::CREATED, "{body}");
    }
    let clerk = app.client();
    sign_in(&app, &clerk, "vanthu", common::DEMO_PASSWORD).await;
    let first = page(&app, &clerk, "/search?q=thu+phan+trang").await;
    assert!(first.contains("53") && first.contains("Đang hiển thị 1–50"), "the total and the range");
    assert_eq!(first.matches("Thông báo thử phân trang số").count(), 50);
    assert!(first.contains("rel=\"next\" href=\"/search?q=thu+phan+trang&amp;page=1\""), "a next page");
    assert!(!first.contains("rel=\"prev\""));
    let second = page(&app, &clerk, "/search?q=thu+phan+trang&page=1").await;
    assert!(second.contains("Đang hiển thị 51–53"), "the rest");
    assert_eq!(second.matches("Thông báo thử phân trang số").count(), 3);
    assert!(second.contains("rel=\"prev\"") && !second.contains("rel=\"next\""));
}
