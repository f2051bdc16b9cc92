//! Official documents end to end through the API, on the real server: the life of an incoming
//! document (register → present → assign → pass on down to a specialist → opinions → finish),
//! the life of an outgoing one (draft → consult → approve → number → issue to an agency on the
//! platform, which receives it as incoming), permissions, secrecy, search and bad input.

mod common;
mod support;

use common::TestApp;
use reqwest::StatusCode;
use serde_json::{json, Value};
use support::{incoming_fields, ApiUser};

fn pdf(text: &str) -> Vec<u8> {
    egov_files::sample_pdf(text, 1)
}

async fn id_of_target(user: &ApiUser, label_start: &str) -> Value {
    let (status, list) = user.get("/api/v1/people/reachable").await;
    assert_eq!(status, StatusCode::OK);
    let item = list
        .as_array()
        .expect("array")
        .iter()
        .find(|t| t["label"].as_str().is_some_and(|l| l.starts_with(label_start)))
        .unwrap_or_else(|| panic!("{} cannot reach {label_start}: {list}", user.username))
        .clone();
    match (item["user_id"].as_i64(), item["unit_id"].as_i64()) {
        (Some(u), _) => json!({ "user": u }),
        (_, Some(u)) => json!({ "unit": u }),
        _ => panic!("bad target {item}"),
    }
}

fn my_open_assignment(detail: &Value) -> i64 {
    detail["my_assignments"].as_array().and_then(|a| a.last()).and_then(Value::as_i64).expect("an open assignment")
}

#[tokio::test]
async fn an_incoming_document_goes_from_registration_down_to_a_specialist_and_back_finished() {
    let app = TestApp::spawn().await;
    app.seed_demo().await;
    let clerk = ApiUser::sign_in(&app, "vanthu").await;
    let leader = ApiUser::sign_in(&app, "lanhdao").await;
    let head = ApiUser::sign_in(&app, "truongphong").await;
    let deputy = ApiUser::sign_in(&app, "phophong").await;
    let specialist = ApiUser::sign_in(&app, "chuyenvien").await;
    let outsider = ApiUser::sign_in(&app, "quantri.xa").await;

    // Register with a PDF: arrival number 1 of this year's book.
    let (status, reg) = clerk
        .post_multipart(
            "/api/v1/documents/incoming",
            &incoming_fields(&[]),
            &[("qd-05.pdf", pdf("Quyet dinh phan bo du toan"))],
        )
        .await;
    assert_eq!(status, StatusCode::CREATED, "{reg}");
    assert_eq!(reg["arrival_number"], 1);
    let doc = reg["id"].as_i64().expect("id");

    // The same sender, number and date again: a duplicate warning, nothing registered…
    let (status, err) = clerk.post_multipart("/api/v1/documents/incoming", &incoming_fields(&[]), &[]).await;
    assert_eq!(status, StatusCode::CONFLICT, "{err}");
    assert_eq!(err["error"]["fields"][0]["code"], "likely_duplicate");
    assert!(err["error"]["fields"][0]["message"].as_str().unwrap_or("").contains("số 1"), "{err}");
    // …and the next registration still gets number 2: the refused one took nothing.
    let (status, second) = clerk
        .post_multipart("/api/v1/documents/incoming", &incoming_fields(&[("number_notation", "06/QĐ-STC")]), &[])
        .await;
    assert_eq!(status, StatusCode::CREATED, "{second}");
    assert_eq!(second["arrival_number"], 2);

    // The file is stored and served to those who may see the document, not to others.
    let (_, detail) = clerk.get(&format!("/api/v1/documents/{doc}")).await;
    let file_id = detail["files"][0]["file_id"].as_i64().expect("file");
    let (status, bytes) = clerk.get_bytes(&format!("/api/v1/files/{file_id}")).await;
    assert_eq!(status, StatusCode::OK);
    assert!(bytes.starts_with(b"%PDF-"));
    assert_eq!(outsider.get_bytes(&format!("/api/v1/files/{file_id}")).await.0, StatusCode::NOT_FOUND);
    assert_eq!(outsider.get(&format!("/api/v1/documents/{doc}")).await.0, StatusCode::NOT_FOUND);

    // A specialist cannot direct a document from the top.
    let target = json!({ "lead": { "user": deputy.user_id } });
    assert_eq!(specialist.post(&format!("/api/v1/documents/{doc}/assign"), target).await.0, StatusCode::NOT_FOUND);

    // Present to the leader.
    let (status, err) = clerk
        .post(&format!("/api/v1/documents/{doc}/present"), json!({ "leaders": [leader.user_id], "note": "Kính trình" }))
        .await;
    assert_eq!(status, StatusCode::NO_CONTENT, "{err}");
    let (_, inbox) = leader.get("/api/v1/inbox").await;
    assert!(
        inbox.as_array().expect("inbox").iter().any(|i| i["document_id"] == doc && i["kind"] == "present"),
        "{inbox}"
    );

    // The leader directs: the head of the unit leads, with a deadline in working days.
    let lead = id_of_target(&leader, "Trần Thị Bình").await;
    let (status, created) = leader
        .post(
            &format!("/api/v1/documents/{doc}/assign"),
            json!({ "directive": "Giao Phòng Tổng hợp tham mưu", "lead": lead, "deadline_days": 5 }),
        )
        .await;
    assert_eq!(status, StatusCode::CREATED, "{created}");

    // Head → deputy → specialist: each passes on inside their own part of the organisation.
    let (_, d) = head.get(&format!("/api/v1/documents/{doc}")).await;
    let head_assignment = my_open_assignment(&d);
    let to_deputy = id_of_target(&head, "Phạm Văn Cường").await;
    let (status, body) = head
        .post(
            &format!("/api/v1/documents/{doc}/assign"),
            json!({ "parent_assignment_id": head_assignment, "directive": "Đồng chí Cường xử lý", "lead": to_deputy }),
        )
        .await;
    assert_eq!(status, StatusCode::CREATED, "{body}");
    let (_, d) = deputy.get(&format!("/api/v1/documents/{doc}")).await;
    let deputy_assignment = my_open_assignment(&d);
    // A deputy cannot pass work up to the leader.
    let (status, err) = deputy
        .post(
            &format!("/api/v1/documents/{doc}/assign"),
            json!({ "parent_assignment_id": deputy_assignment, "lead": { "user": leader.user_id } }),
        )
        .await;
    assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY, "{err}");
    assert_eq!(err["error"]["fields"][0]["code"], "out_of_reach");
    let to_specialist = id_of_target(&deputy, "Hoàng Thị Dung").await;
    let (status, body) = deputy
        .post(&format!("/api/v1/documents/{doc}/assign"), json!({ "parent_assignment_id": deputy_assignment, "directive": "Dung dự thảo báo cáo", "lead": to_specialist }))
        .await;
    assert_eq!(status, StatusCode::CREATED, "{body}");
    // Passing the same assignment twice is refused.
    let (status, _) = deputy
        .post(
            &format!("/api/v1/documents/{doc}/assign"),
            json!({ "parent_assignment_id": deputy_assignment, "lead": to_specialist }),
        )
        .await;
    assert_eq!(status, StatusCode::CONFLICT);

    // The specialist works: an opinion, progress, then the result.
    let (_, d) = specialist.get(&format!("/api/v1/documents/{doc}")).await;
    let mine = my_open_assignment(&d);
    assert_eq!(d["assignments"].as_array().map(Vec::len), Some(4), "present + 3 levels: {d}");
    let (status, _) = specialist
        .post(&format!("/api/v1/documents/{doc}/opinions"), json!({ "text": "Đề nghị bổ sung số liệu quý IV" }))
        .await;
    assert_eq!(status, StatusCode::NO_CONTENT);
    let (status, _) = specialist.post(&format!("/api/v1/assignments/{mine}/progress"), json!({ "percent": 50 })).await;
    assert_eq!(status, StatusCode::NO_CONTENT);
    let (status, body) = specialist
        .post(&format!("/api/v1/assignments/{mine}/finish"), json!({ "result": "Đã có văn bản trả lời" }))
        .await;
    assert_eq!(status, StatusCode::NO_CONTENT, "{body}");

    // Each who passed it on follows it: "Đã chuyển – đang theo dõi" lists the part below them.
    let (_, followed) = head.get("/api/v1/following").await;
    assert_eq!(followed["total"], 1, "{followed}");
    assert_eq!(followed["items"][0]["assignee"], "Phạm Văn Cường", "{followed}");
    assert_eq!(followed["items"][0]["status"], "passed", "passed further on: {followed}");
    let (_, followed) = deputy.get("/api/v1/following").await;
    assert_eq!(followed["items"][0]["id"], mine, "{followed}");
    assert_eq!(followed["items"][0]["status"], "submitted", "{followed}");
    assert_eq!(specialist.get("/api/v1/following").await.1["total"], 0);

    // The result goes back to the one who passed it on (the deputy), not up the whole chain.
    let (_, d) = leader.get(&format!("/api/v1/documents/{doc}")).await;
    assert_eq!(d["document"]["status"], "in_progress", "nobody has accepted the result yet: {d}");
    let statuses: Vec<&str> =
        d["assignments"].as_array().expect("list").iter().map(|a| a["status"].as_str().unwrap_or("")).collect();
    assert_eq!(statuses, ["done", "passed", "passed", "submitted"], "{d}");
    let (_, inbox) = deputy.get("/api/v1/inbox").await;
    let waiting = inbox.as_array().expect("inbox").iter().find(|i| i["document_id"] == doc && i["kind"] == "finished");
    assert!(waiting.is_some_and(|i| i["ref_id"] == mine), "the deputy has the result to accept: {inbox}");
    // Only the one who passed it on may accept it.
    let (status, _) = head.post(&format!("/api/v1/assignments/{mine}/accept"), json!({ "text": "" })).await;
    assert_eq!(status, StatusCode::NOT_FOUND, "the head did not pass it to the specialist");
    assert_eq!(
        specialist.post(&format!("/api/v1/assignments/{mine}/accept"), json!({})).await.0,
        StatusCode::NOT_FOUND,
        "nobody accepts their own result"
    );
    // The deputy returns it with a reason: the specialist's part is open again, with the reason.
    let (status, err) = deputy.post(&format!("/api/v1/assignments/{mine}/return-result"), json!({ "text": " " })).await;
    assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY, "a reason is required: {err}");
    let (status, _) = deputy
        .post(&format!("/api/v1/assignments/{mine}/return-result"), json!({ "text": "Bổ sung số liệu quý IV" }))
        .await;
    assert_eq!(status, StatusCode::NO_CONTENT);
    let (_, inbox) = specialist.get("/api/v1/inbox").await;
    assert!(
        inbox
            .as_array()
            .expect("inbox")
            .iter()
            .any(|i| i["document_id"] == doc && i["kind"] == "returned" && i["note"] == "Bổ sung số liệu quý IV"),
        "{inbox}"
    );
    let (status, _) = deputy.post(&format!("/api/v1/assignments/{mine}/accept"), json!({})).await;
    assert_eq!(status, StatusCode::CONFLICT, "nothing reported to accept now");
    let (status, body) = specialist
        .post(&format!("/api/v1/assignments/{mine}/finish"), json!({ "result": "Đã có văn bản trả lời, đủ số liệu" }))
        .await;
    assert_eq!(status, StatusCode::NO_CONTENT, "{body}");
    // A note over the text limit is refused and nothing changes.
    let long = "x".repeat(10_001);
    let (status, err) = deputy.post(&format!("/api/v1/assignments/{mine}/accept"), json!({ "text": long })).await;
    assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY, "{err}");
    assert_eq!(err["error"]["fields"][0]["field"], "note", "{err}");
    // The deputy accepts with a note: the deputy's part reports to the head, who accepts and,
    // holding the top part, closes the document.
    let (status, body) = deputy
        .post(&format!("/api/v1/assignments/{mine}/accept"), json!({ "text": "Đồng ý, trình trưởng phòng" }))
        .await;
    assert_eq!(status, StatusCode::NO_CONTENT, "{body}");
    let (_, d) = head.get(&format!("/api/v1/documents/{doc}")).await;
    let statuses: Vec<&str> =
        d["assignments"].as_array().expect("list").iter().map(|a| a["status"].as_str().unwrap_or("")).collect();
    assert_eq!(statuses, ["done", "passed", "submitted", "done"], "{d}");
    let (status, body) = head.post(&format!("/api/v1/assignments/{deputy_assignment}/accept"), json!({})).await;
    assert_eq!(status, StatusCode::NO_CONTENT, "{body}");

    // Everything is done and the document is handled; the timeline tells it all.
    let (_, d) = leader.get(&format!("/api/v1/documents/{doc}")).await;
    assert_eq!(d["document"]["status"], "done", "{d}");
    let statuses: Vec<&str> =
        d["assignments"].as_array().expect("list").iter().map(|a| a["status"].as_str().unwrap_or("")).collect();
    assert_eq!(statuses, ["done", "done", "done", "done"], "{d}");
    let head_result = d["assignments"][1]["result"].as_str().unwrap_or("");
    assert!(head_result.starts_with("Đồng ý, trình trưởng phòng") && head_result.contains("đủ số liệu"), "{d}");
    let kinds: Vec<&str> =
        d["timeline"].as_array().expect("timeline").iter().map(|e| e["kind"].as_str().unwrap_or("")).collect();
    assert_eq!(
        kinds,
        [
            "registered",
            "presented",
            "assigned",
            "passed_on",
            "passed_on",
            "opinion",
            "progress",
            "result_submitted",
            "result_returned",
            "result_submitted",
            "result_accepted",
            "result_submitted",
            "result_accepted",
        ]
    );
    for who in [&leader, &head, &deputy] {
        assert_eq!(who.get("/api/v1/following").await.1["total"], 0, "nothing left to follow");
    }
    // The leader who assigned it, and the specialist, hear that it is closed.
    for who in [&leader, &specialist, &deputy] {
        let (_, notes) = who.get("/api/v1/notifications").await;
        assert!(
            notes["items"]
                .as_array()
                .expect("items")
                .iter()
                .any(|n| n["kind"] == "finished" && n["document_id"] == doc),
            "{notes}"
        );
    }
    assert!(d["timeline"][4]["target"].as_str().unwrap_or("").contains("Hoàng Thị Dung"), "to whom: {d}");
    assert_eq!(d["timeline"][0]["actor"], "Đặng Văn Em", "who: {d}");
    assert_eq!(d["timeline"][7]["actor"], "Hoàng Thị Dung", "who: {d}");
    assert_eq!(d["timeline"][12]["actor"], "Trần Thị Bình", "the head closed it: {d}");

    // Search folds diacritics and finds opinions too; the outsider finds nothing and counts nothing.
    let (_, found) = leader.get("/api/v1/search?q=quyet%20dinh%20phan%20bo").await;
    assert!(found["items"].as_array().expect("items").iter().any(|i| i["id"] == doc), "{found}");
    let (_, found) = leader.get("/api/v1/search?q=so%20lieu%20quy").await;
    assert_eq!(found["items"][0]["id"], doc, "opinion text is searchable: {found}");
    let (_, found) = leader.get("/api/v1/search?q=phan%20bo%20du%20toan").await;
    assert!(found["items"].as_array().expect("items").iter().any(|i| i["id"] == doc), "PDF and subject: {found}");
    let (_, none) = outsider.get("/api/v1/search?q=quyet%20dinh").await;
    assert_eq!(none["total"], 0, "{none}");
    assert_eq!(none["items"].as_array().map(Vec::len), Some(0));

    // The register book exports with its columns.
    let book = reg["book_id"].as_i64().expect("book");
    let (status, csv) = clerk.get_bytes(&format!("/api/v1/books/{book}/csv")).await;
    assert_eq!(status, StatusCode::OK);
    let csv = String::from_utf8(csv).expect("utf-8");
    assert!(csv.contains("Ngày đến,Số đến,Tác giả"), "{csv}");
    assert!(csv.contains("05/QĐ-STC") && csv.contains("06/QĐ-STC"));
    assert!(csv.contains("Trần Thị Bình"), "recipient column: {csv}");
    // … and prints as a PDF whose Vietnamese text an independent reader gets back.
    let (status, pdf) = clerk.get_bytes(&format!("/api/v1/books/{book}/pdf")).await;
    assert_eq!(status, StatusCode::OK);
    assert!(pdf.starts_with(b"%PDF-"));
    if let Some(text) = support::pdftotext(&pdf) {
        for needle in [
            "SỔ ĐĂNG KÝ VĂN BẢN ĐẾN",
            "Tên loại và trích yếu nội dung",
            "05/QĐ-STC",
            "06/QĐ-STC",
            "Trần Thị Bình",
            "Từ số 1 đến số",
        ] {
            assert!(text.contains(needle), "{needle:?} not in the printed book: {text}");
        }
    }
    let (status, _) = outsider.get_bytes(&format!("/api/v1/books/{book}/pdf")).await;
    assert_eq!(status, StatusCode::NOT_FOUND, "another agency's book is not printed");
}

#[tokio::test]
async fn an_outgoing_document_is_drafted_consulted_approved_issued_and_received_inside_the_platform() {
    let app = TestApp::spawn().await;
    app.seed_demo().await;
    let specialist = ApiUser::sign_in(&app, "chuyenvien").await;
    let deputy = ApiUser::sign_in(&app, "phophong").await;
    let head = ApiUser::sign_in(&app, "truongphong").await;
    let leader = ApiUser::sign_in(&app, "lanhdao").await;
    let clerk = ApiUser::sign_in(&app, "vanthu").await;
    let other_clerk = ApiUser::sign_in(&app, "vanthu.snv").await;
    let caller = egov_service::Caller::system("test");
    let agencies = app.services.agencies(&caller, None, 50).await.expect("agencies");
    let snv = agencies.iter().find(|a| a.code == "H41.12").expect("the demo Department of Home Affairs").id;

    let fields = [
        ("doc_type", "cong_van"),
        ("subject", "V/v báo cáo tình hình thực hiện nhiệm vụ năm 2026"),
        ("signer", "Nguyễn Văn An"),
        ("recipient_agencies", &*snv.to_string()),
        ("recipient_external", "G01.01|Bộ Nội vụ"),
    ];
    let (status, draft) =
        specialist.post_multipart("/api/v1/drafts", &fields, &[("du-thao.pdf", pdf("Du thao bao cao"))]).await;
    assert_eq!(status, StatusCode::CREATED, "{draft}");
    let id = draft["id"].as_i64().expect("id");

    // Consultation with a deadline; the deputy answers.
    let (status, body) = specialist
        .post(&format!("/api/v1/drafts/{id}/consult"), json!({ "reviewers": [deputy.user_id], "deadline_days": 2 }))
        .await;
    assert_eq!(status, StatusCode::NO_CONTENT, "{body}");
    let (status, body) =
        deputy.post(&format!("/api/v1/drafts/{id}/comments"), json!({ "text": "Bổ sung phụ lục số liệu" })).await;
    assert_eq!(status, StatusCode::NO_CONTENT, "{body}");

    // A new version with the appendix.
    let (status, v) = specialist
        .post_multipart(&format!("/api/v1/drafts/{id}/versions"), &fields, &[("du-thao-v2.pdf", pdf("Du thao v2"))])
        .await;
    assert_eq!(status, StatusCode::CREATED, "{v}");
    assert_eq!(v["id"], 2);

    // Approval chain: unit head, then the agency leader.
    let (status, body) = specialist
        .post(&format!("/api/v1/drafts/{id}/submit"), json!({ "approvers": [head.user_id, leader.user_id] }))
        .await;
    assert_eq!(status, StatusCode::NO_CONTENT, "{body}");
    // Not the leader's turn yet.
    assert_eq!(
        leader.post(&format!("/api/v1/drafts/{id}/decision"), json!({ "decision": "approve" })).await.0,
        StatusCode::CONFLICT
    );
    let (status, body) = head
        .post(&format!("/api/v1/drafts/{id}/decision"), json!({ "decision": "approve", "comment": "Đồng ý" }))
        .await;
    assert_eq!(status, StatusCode::NO_CONTENT, "{body}");
    // Approving twice is refused.
    let (status, err) = head.post(&format!("/api/v1/drafts/{id}/decision"), json!({ "decision": "approve" })).await;
    assert_eq!(status, StatusCode::CONFLICT, "{err}");
    assert_eq!(err["error"]["fields"][0]["code"], "already_decided");
    let (status, _) = leader.post(&format!("/api/v1/drafts/{id}/decision"), json!({ "decision": "approve" })).await;
    assert_eq!(status, StatusCode::NO_CONTENT);

    // Only a clerk issues; the number comes from the outgoing book with the derived notation.
    assert_eq!(specialist.post(&format!("/api/v1/drafts/{id}/issue"), json!({})).await.0, StatusCode::FORBIDDEN);
    let (status, issued) = clerk.post(&format!("/api/v1/drafts/{id}/issue"), json!({})).await;
    assert_eq!(status, StatusCode::CREATED, "{issued}");
    assert_eq!(issued["number_notation"], "01/VPUBND-TH");
    // The outside ministry goes through the exchange; this agency has no exchange key here, so its copy is
    // marked "not sent" with the reason (tests/exchange*.rs cover agencies with keys).
    assert_eq!(issued["queued"], 0, "{issued}");
    let copy = issued["delivered"][0].as_i64().expect("a copy inside the platform");
    // Issuing twice is refused.
    assert_eq!(clerk.post(&format!("/api/v1/drafts/{id}/issue"), json!({})).await.0, StatusCode::CONFLICT);

    // The Department of Home Affairs' clerk finds it waiting, with the file, and registers it.
    let (_, waiting) = other_clerk.get("/api/v1/documents/to-register").await;
    assert!(
        waiting.as_array().expect("list").iter().any(|d| d["id"] == copy && d["number_notation"] == "01/VPUBND-TH"),
        "{waiting}"
    );
    let (_, d) = other_clerk.get(&format!("/api/v1/documents/{copy}")).await;
    assert_eq!(d["files"][0]["name"], "du-thao-v2.pdf", "the latest version travels: {d}");
    let (status, reg) = other_clerk.post(&format!("/api/v1/documents/{copy}/register"), json!({})).await;
    assert_eq!(status, StatusCode::CREATED, "{reg}");
    assert_eq!(reg["arrival_number"], 1);
    assert_eq!(
        other_clerk.post(&format!("/api/v1/documents/{copy}/register"), json!({})).await.0,
        StatusCode::CONFLICT
    );

    // The issuer sees each recipient's status.
    let (_, d) = specialist.get(&format!("/api/v1/documents/{id}")).await;
    assert_eq!(d["document"]["status"], "issued");
    let statuses: Vec<&str> =
        d["recipients"].as_array().expect("recipients").iter().map(|r| r["status"].as_str().unwrap_or("")).collect();
    assert_eq!(statuses, ["registered", "not_sent"], "{d}");
    assert!(d["recipients"][1]["note"].as_str().unwrap_or("").contains("chưa có khóa"), "{d}");
    let kinds: Vec<&str> =
        d["timeline"].as_array().expect("timeline").iter().map(|e| e["kind"].as_str().unwrap_or("")).collect();
    assert_eq!(
        kinds,
        [
            "drafted",
            "consult_requested",
            "consult_answered",
            "revised",
            "submitted",
            "approved_step",
            "approved",
            "issued"
        ]
    );

    // Revocation: the copy is revoked too, and both stay on record.
    let (status, _) = clerk.post(&format!("/api/v1/documents/{id}/revoke"), json!({ "text": "Sai số liệu" })).await;
    assert_eq!(status, StatusCode::NO_CONTENT);
    let (_, d) = other_clerk.get(&format!("/api/v1/documents/{copy}")).await;
    assert_eq!(d["document"]["status"], "revoked");
    assert_eq!(d["document"]["revoke_reason"], "Sai số liệu");
}

#[tokio::test]
async fn secret_documents_are_seen_only_by_people_given_them_and_every_read_is_audited() {
    let app = TestApp::spawn().await;
    app.seed_demo().await;
    let clerk = ApiUser::sign_in(&app, "vanthu").await;
    let leader = ApiUser::sign_in(&app, "lanhdao").await;
    let specialist = ApiUser::sign_in(&app, "chuyenvien").await;

    let (status, normal) = clerk.post_multipart("/api/v1/documents/incoming", &incoming_fields(&[]), &[]).await;
    assert_eq!(status, StatusCode::CREATED);
    let fields = incoming_fields(&[
        ("secrecy", "secret"),
        ("number_notation", "01/QĐ-M"),
        ("subject", "Kế hoạch bảo vệ bí mật nhà nước"),
    ]);
    let (status, secret) = clerk.post_multipart("/api/v1/documents/incoming", &fields, &[]).await;
    assert_eq!(status, StatusCode::CREATED, "{secret}");
    // Secret documents have their own series.
    assert_eq!(secret["arrival_number"], 1);
    assert_ne!(secret["book_id"], normal["book_id"]);
    let id = secret["id"].as_i64().expect("id");

    // The leader sees the agency's ordinary documents but not the secret one, in lists or search.
    assert_eq!(leader.get(&format!("/api/v1/documents/{}", normal["id"])).await.0, StatusCode::OK);
    assert_eq!(leader.get(&format!("/api/v1/documents/{id}")).await.0, StatusCode::NOT_FOUND);
    let (_, found) = leader.get("/api/v1/search?q=bao%20ve%20bi%20mat").await;
    assert_eq!(found["total"], 0, "{found}");

    // Once presented, the leader may read it, and the read is audited.
    let (status, _) =
        clerk.post(&format!("/api/v1/documents/{id}/present"), json!({ "leaders": [leader.user_id] })).await;
    assert_eq!(status, StatusCode::NO_CONTENT);
    assert_eq!(leader.get(&format!("/api/v1/documents/{id}")).await.0, StatusCode::OK);
    let (_, found) = leader.get("/api/v1/search?q=bao%20ve%20bi%20mat").await;
    assert_eq!(found["total"], 1, "{found}");
    let audit = app
        .services
        .audit_entries(
            &egov_service::Caller::system("test"),
            &egov_storage::audit::AuditFilter { limit: 500, ..Default::default() },
        )
        .await
        .expect("audit");
    let reads = audit
        .iter()
        .filter(|e| e.record.action == "document.read" && e.record.object_id.as_deref() == Some(&*id.to_string()))
        .count();
    assert_eq!(reads, 1, "the leader's read is audited");
    assert_eq!(clerk.get(&format!("/api/v1/documents/{id}")).await.0, StatusCode::OK);
    let audit = app
        .services
        .audit_entries(
            &egov_service::Caller::system("test"),
            &egov_storage::audit::AuditFilter { limit: 500, ..Default::default() },
        )
        .await
        .expect("audit");
    let reads = audit
        .iter()
        .filter(|e| e.record.action == "document.read" && e.record.object_id.as_deref() == Some(&*id.to_string()))
        .count();
    assert_eq!(reads, 2, "the clerk's read is audited too");

    // Never sent freely, never exchanged.
    let (status, err) = clerk
        .post_multipart(
            "/api/v1/messages",
            &[("users", &*specialist.user_id.to_string()), ("body", "Xem"), ("document_id", &*id.to_string())],
            &[],
        )
        .await;
    assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY, "{err}");
    assert_eq!(specialist.get(&format!("/api/v1/documents/{id}")).await.0, StatusCode::NOT_FOUND);
    let (status, err) = specialist
        .post_multipart(
            "/api/v1/drafts",
            &[
                ("doc_type", "bao_cao"),
                ("subject", "Báo cáo mật"),
                ("secrecy", "secret"),
                ("recipient_external", "G01.01|Bộ Nội vụ"),
            ],
            &[],
        )
        .await;
    assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY);
    assert_eq!(err["error"]["fields"][0]["code"], "secret_not_exchanged");
}

#[tokio::test]
async fn free_sending_reaches_colleagues_inboxes_with_files() {
    let app = TestApp::spawn().await;
    app.seed_demo().await;
    let specialist = ApiUser::sign_in(&app, "chuyenvien").await;
    let deputy = ApiUser::sign_in(&app, "phophong").await;
    let (status, sent) = specialist
        .post_multipart(
            "/api/v1/messages",
            &[("users", &*deputy.user_id.to_string()), ("body", "Anh xem giúp bảng số liệu")],
            &[("so-lieu.txt", "Quý IV: 12 tỷ".as_bytes().to_vec())],
        )
        .await;
    assert_eq!(status, StatusCode::CREATED, "{sent}");
    let (_, inbox) = deputy.get("/api/v1/inbox").await;
    let item = &inbox[0];
    assert_eq!(item["kind"], "message");
    assert_eq!(item["message"], "Anh xem giúp bảng số liệu");
    assert_eq!(item["from"], "Hoàng Thị Dung");
    let (status, _) = deputy.post(&format!("/api/v1/inbox/{}/done", item["id"]), json!({})).await;
    assert_eq!(status, StatusCode::NO_CONTENT);
    let (_, inbox) = deputy.get("/api/v1/inbox").await;
    assert_eq!(inbox.as_array().map(Vec::len), Some(0));
}

#[tokio::test]
async fn case_files_hold_documents_without_copies_and_close_then_archive() {
    let app = TestApp::spawn().await;
    app.seed_demo().await;
    let clerk = ApiUser::sign_in(&app, "vanthu").await;
    let (_, reg) = clerk.post_multipart("/api/v1/documents/incoming", &incoming_fields(&[]), &[]).await;
    let (status, file) = clerk
        .post(
            "/api/v1/case-files",
            json!({ "notation": "TH-01", "title": "Hồ sơ dự toán ngân sách 2026", "retention_years": 10 }),
        )
        .await;
    assert_eq!(status, StatusCode::CREATED, "{file}");
    let fid = file["id"].as_i64().expect("id");
    let (status, _) = clerk.post("/api/v1/case-files", json!({ "notation": "TH-01", "title": "Trùng ký hiệu" })).await;
    assert_eq!(status, StatusCode::CONFLICT, "the file code is unique");
    let (status, _) =
        clerk.post(&format!("/api/v1/case-files/{fid}/documents"), json!({ "document_id": reg["id"] })).await;
    assert_eq!(status, StatusCode::NO_CONTENT);
    let (_, d) = clerk.get(&format!("/api/v1/case-files/{fid}")).await;
    assert!(d["file"]["code"].as_str().unwrap_or("").starts_with("H41.01.20"), "{d}");
    assert!(d["file"]["code"].as_str().unwrap_or("").ends_with(".TH-01"), "{d}");
    assert_eq!(d["documents"][0]["id"], reg["id"]);
    assert_eq!(
        clerk.post(&format!("/api/v1/case-files/{fid}/status"), json!({ "status": "archived" })).await.0,
        StatusCode::CONFLICT
    );
    assert_eq!(
        clerk.post(&format!("/api/v1/case-files/{fid}/status"), json!({ "status": "closed" })).await.0,
        StatusCode::NO_CONTENT
    );
    assert_eq!(
        clerk.post(&format!("/api/v1/case-files/{fid}/documents"), json!({ "document_id": reg["id"] })).await.0,
        StatusCode::CONFLICT
    );
    assert_eq!(
        clerk.post(&format!("/api/v1/case-files/{fid}/status"), json!({ "status": "archived" })).await.0,
        StatusCode::NO_CONTENT
    );
}

#[tokio::test]
async fn bad_registrations_get_field_errors_and_leave_nothing_behind() {
    let app = TestApp::spawn_with(|s| s.max_file_bytes = 64 * 1024).await;
    app.seed_demo().await;
    let clerk = ApiUser::sign_in(&app, "vanthu").await;
    let png = b"\x89PNG\r\n\x1a\n0000000000".to_vec();
    let encrypted = egov_files::encrypted_sample_pdf("user-secret");
    type Case<'a> = (Vec<(&'a str, &'a str)>, Vec<(&'a str, Vec<u8>)>, &'a str, &'a str);
    let cases: Vec<Case> = vec![
        (incoming_fields(&[("number_notation", "QĐ-STC")]), vec![], "number_notation", "number_invalid"),
        (incoming_fields(&[("number_notation", "0/QĐ-STC")]), vec![], "number_notation", "number_invalid"),
        (incoming_fields(&[("issued_on", "2999-01-01")]), vec![], "issued_on", "date_in_future"),
        (incoming_fields(&[("subject", "   ")]), vec![], "subject", "required"),
        (incoming_fields(&[("doc_type", "thu_tay")]), vec![], "doc_type", "unknown_document_type"),
        (incoming_fields(&[("secrecy", "very")]), vec![], "secrecy", "unknown_secrecy"),
        (incoming_fields(&[]), vec![("scan.pdf", png)], "files", "content_mismatch"),
        (incoming_fields(&[]), vec![("big.pdf", vec![b'%'; 70 * 1024])], "files", "too_large"),
        (incoming_fields(&[]), vec![("broken.pdf", b"%PDF-1.4 garbage".to_vec())], "files", "broken_pdf"),
        (incoming_fields(&[]), vec![("locked.pdf", encrypted)], "files", "encrypted_pdf"),
        (incoming_fields(&[]), vec![("virus.exe", b"MZ".to_vec())], "files", "unknown_type"),
    ];
    for (fields, files, field, code) in cases {
        let (status, err) = clerk.post_multipart("/api/v1/documents/incoming", &fields, &files).await;
        assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY, "{field}/{code}: {err}");
        let hit =
            err["error"]["fields"].as_array().expect("fields").iter().any(|f| f["field"] == field && f["code"] == code);
        assert!(hit, "expected {field}/{code}: {err}");
        assert!(!err["error"]["fields"][0]["message"].as_str().unwrap_or("").is_empty());
    }
    // Nothing was registered: the first good registration gets number 1.
    let (status, reg) = clerk.post_multipart("/api/v1/documents/incoming", &incoming_fields(&[]), &[]).await;
    assert_eq!(status, StatusCode::CREATED, "{reg}");
    assert_eq!(reg["arrival_number"], 1);
    // Free text is bounded and required where the rules need it; refusals write nothing.
    let doc = reg["id"].as_i64().expect("id");
    let long = "a".repeat(10_001);
    let (status, err) = clerk.post(&format!("/api/v1/documents/{doc}/opinions"), json!({ "text": long })).await;
    assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY);
    assert_eq!(err["error"]["fields"][0]["code"], "too_long");
    let (status, err) = clerk.post(&format!("/api/v1/documents/{doc}/opinions"), json!({ "text": "  \n " })).await;
    assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY);
    assert_eq!(err["error"]["fields"][0]["code"], "required");
    let (_, d) = clerk.get(&format!("/api/v1/documents/{doc}")).await;
    assert_eq!(d["timeline"].as_array().map(Vec::len), Some(1), "only the registration: {d}");
    // A malformed multipart body is a clean 4xx.
    let res = reqwest::Client::new()
        .post(app.url("/api/v1/documents/incoming"))
        .header("content-type", "multipart/form-data; boundary=XYZ")
        .body("--XYZ\r\nbroken")
        .send()
        .await
        .expect("post");
    assert!(res.status().is_client_error());
}

#[tokio::test]
async fn the_pages_take_a_draft_through_approval_to_issue() {
    use support::{page, post_form, sign_in};
    let app = TestApp::spawn().await;
    app.seed_demo().await;
    let password = common::DEMO_PASSWORD;
    let caller = egov_service::Caller::system("test");
    let head = app.services.user_id_by_username(&caller, "truongphong").await.expect("head").to_string();

    // The specialist drafts through the form (multipart; the CSRF token rides in the action URL).
    let specialist = app.client();
    let csrf = sign_in(&app, &specialist, "chuyenvien", password).await;
    let form = page(&app, &specialist, "/drafts/new").await;
    assert!(form.contains("Soạn dự thảo văn bản đi") && form.contains("Sở Nội vụ (H41.12)"), "{form}");
    let empty =
        reqwest::multipart::Form::new().text("csrf", csrf.clone()).text("doc_type", "cong_van").text("subject", " ");
    let res =
        specialist.post(app.url(&format!("/drafts/new?csrf={csrf}"))).multipart(empty).send().await.expect("post");
    assert_eq!(res.status(), StatusCode::UNPROCESSABLE_ENTITY);
    assert!(res.text().await.expect("body").contains("class=\"error\""));
    let parts = reqwest::multipart::Form::new()
        .text("csrf", csrf.clone())
        .text("doc_type", "to_trinh")
        .text("subject", "Tờ trình về việc bổ sung kinh phí chuyển đổi số")
        .part("files", reqwest::multipart::Part::bytes(pdf("To trinh")).file_name("to-trinh.pdf"));
    let res =
        specialist.post(app.url(&format!("/drafts/new?csrf={csrf}"))).multipart(parts).send().await.expect("post");
    assert_eq!(res.status(), StatusCode::SEE_OTHER);
    let location = res.headers()["location"].to_str().expect("location").to_string();
    let id: i64 =
        location.trim_start_matches("/documents/").split('?').next().and_then(|s| s.parse().ok()).expect("id");
    // Without the token in the URL the upload is refused and nothing is created.
    let forged = reqwest::multipart::Form::new().text("doc_type", "cong_van").text("subject", "Giả mạo");
    let res = specialist.post(app.url("/drafts/new")).multipart(forged).send().await.expect("post");
    assert_eq!(res.status(), StatusCode::FORBIDDEN);

    // Ask the deputy for comments through the page; the deputy answers on the document page.
    let deputy_id = app.services.user_id_by_username(&caller, "phophong").await.expect("deputy").to_string();
    let res = post_form(
        &app,
        &specialist,
        &format!("/drafts/{id}/consult"),
        &csrf,
        &[("reviewers", &deputy_id), ("deadline_days", "2")],
    )
    .await;
    assert_eq!(res.status(), StatusCode::SEE_OTHER);
    let deputy = app.client();
    let deputy_csrf = sign_in(&app, &deputy, "phophong", password).await;
    let doc = page(&app, &deputy, &format!("/documents/{id}")).await;
    assert!(doc.contains("Góp ý dự thảo"), "{doc}");
    let res = post_form(
        &app,
        &deputy,
        &format!("/drafts/{id}/comments"),
        &deputy_csrf,
        &[("text", "Nên bổ sung dự toán chi tiết")],
    )
    .await;
    assert_eq!(res.status(), StatusCode::SEE_OTHER);
    let doc = page(&app, &specialist, &format!("/documents/{id}")).await;
    assert!(doc.contains("Nên bổ sung dự toán chi tiết"), "the comment is on the timeline: {doc}");

    // Submit to the unit head through the page.
    let doc = page(&app, &specialist, &format!("/documents/{id}")).await;
    assert!(doc.contains("Trình duyệt") && doc.contains("Trần Thị Bình"), "{doc}");
    let res = post_form(
        &app,
        &specialist,
        &format!("/drafts/{id}/submit"),
        &csrf,
        &[("approvers", &head), ("approvers", "")],
    )
    .await;
    assert_eq!(res.status(), StatusCode::SEE_OTHER);

    // The unit head approves; the clerk issues.
    let head_client = app.client();
    let head_csrf = sign_in(&app, &head_client, "truongphong", password).await;
    let doc = page(&app, &head_client, &format!("/documents/{id}")).await;
    assert!(doc.contains("Duyệt dự thảo"), "{doc}");
    let res = post_form(
        &app,
        &head_client,
        &format!("/drafts/{id}/decision"),
        &head_csrf,
        &[("decision", "approve"), ("comment", "Đồng ý trình")],
    )
    .await;
    assert_eq!(res.status(), StatusCode::SEE_OTHER);
    let clerk = app.client();
    let clerk_csrf = sign_in(&app, &clerk, "vanthu", password).await;
    let res = post_form(&app, &clerk, &format!("/drafts/{id}/issue"), &clerk_csrf, &[("notation", "")]).await;
    assert_eq!(res.status(), StatusCode::SEE_OTHER);
    let doc = page(&app, &clerk, &format!("/documents/{id}?notice=issued")).await;
    assert!(doc.contains("Đã cấp số và phát hành.") && doc.contains("01/TTr-VPUBND"), "{doc}");
}

/// Issue 13 item 4 through the pages: "my part" shows the directive and my own deadline, the
/// handling tree nests with classes (no inline style, which the CSP would block), the result
/// waits on the page of the one who passed it on, who accepts it there, and "Đã chuyển – đang
/// theo dõi" lists it until then.
#[tokio::test]
async fn results_are_accepted_from_the_document_page_and_the_tree_nests() {
    use support::{page, post_form, sign_in};
    let app = TestApp::spawn().await;
    app.seed_demo().await;
    let clerk = ApiUser::sign_in(&app, "vanthu").await;
    let leader = ApiUser::sign_in(&app, "lanhdao").await;
    let head = ApiUser::sign_in(&app, "truongphong").await;
    let (status, reg) = clerk
        .post_multipart(
            "/api/v1/documents/incoming",
            &incoming_fields(&[("number_notation", "41/UBND-VX")]),
            &[("cv-41.pdf", pdf("Cong van 41"))],
        )
        .await;
    assert_eq!(status, StatusCode::CREATED, "{reg}");
    let doc = reg["id"].as_i64().expect("id");
    let lead = id_of_target(&leader, "Trần Thị Bình").await;
    let (status, body) = leader
        .post(
            &format!("/api/v1/documents/{doc}/assign"),
            json!({ "directive": "Phòng Tổng hợp tham mưu", "lead": lead, "deadline": "2030-06-30" }),
        )
        .await;
    assert_eq!(status, StatusCode::CREATED, "{body}");
    let (_, d) = head.get(&format!("/api/v1/documents/{doc}")).await;
    let head_part = my_open_assignment(&d);
    let to_deputy = id_of_target(&head, "Phạm Văn Cường").await;
    let (status, body) = head
        .post(
            &format!("/api/v1/documents/{doc}/assign"),
            json!({ "parent_assignment_id": head_part, "directive": "Anh Cường dự thảo trả lời",
                    "lead": to_deputy, "deadline": "2030-06-20" }),
        )
        .await;
    assert_eq!(status, StatusCode::CREATED, "{body}");

    // The deputy's page: their own deadline (not the document's) and the directive given to them.
    let deputy = app.client();
    let csrf = sign_in(&app, &deputy, "phophong", common::DEMO_PASSWORD).await;
    let html = page(&app, &deputy, &format!("/documents/{doc}")).await;
    assert!(html.contains("Hạn của tôi") && html.contains("20/06/2030"), "my deadline");
    assert!(html.contains("Anh Cường dự thảo trả lời"), "the directive given to me");
    assert!(html.contains("class=\"depth-2\""), "the deputy's part nests under the head's");
    assert!(!html.contains("style=\""), "no inline styles (the CSP blocks them)");
    let (_, d) = ApiUser::sign_in(&app, "phophong").await.get(&format!("/api/v1/documents/{doc}")).await;
    let deputy_part = my_open_assignment(&d);
    let res = post_form(
        &app,
        &deputy,
        &format!("/assignments/{deputy_part}/finish"),
        &csrf,
        &[("document_id", &doc.to_string()), ("text", "Đã dự thảo văn bản trả lời")],
    )
    .await;
    assert_eq!(res.status(), StatusCode::SEE_OTHER);

    // The head follows it, and accepts it on the document page.
    let head_page = app.client();
    let csrf = sign_in(&app, &head_page, "truongphong", common::DEMO_PASSWORD).await;
    let followed = page(&app, &head_page, "/following").await;
    assert!(followed.contains("Phạm Văn Cường") && followed.contains("chờ chấp nhận"), "{followed}");
    let html = page(&app, &head_page, &format!("/documents/{doc}")).await;
    assert!(html.contains("Kết quả chờ bạn chấp nhận") && html.contains("Đã dự thảo văn bản trả lời"), "{html}");
    let res = post_form(
        &app,
        &head_page,
        &format!("/assignments/{deputy_part}/accept"),
        &csrf,
        &[("document_id", &doc.to_string()), ("text", "")],
    )
    .await;
    assert_eq!(res.status(), StatusCode::SEE_OTHER);
    assert!(res.headers()["location"].to_str().unwrap_or("").contains("notice=result_accepted"));
    let (_, d) = leader.get(&format!("/api/v1/documents/{doc}")).await;
    assert_eq!(d["document"]["status"], "done", "the head held the top part: {d}");
    let followed = page(&app, &head_page, "/following").await;
    assert!(followed.contains("Không có phần việc nào đang theo dõi"), "{followed}");
}

/// The multipart registration form of the pages, with `fields`, the files, and `kept` boxes.
async fn post_registration(
    app: &TestApp,
    client: &reqwest::Client,
    csrf: &str,
    fields: &[(&str, &str)],
    files: &[(&str, Vec<u8>)],
    kept: &[String],
) -> (StatusCode, String) {
    let mut form = reqwest::multipart::Form::new().text("csrf", csrf.to_string());
    for (k, v) in fields {
        form = form.text(k.to_string(), v.to_string());
    }
    for k in kept {
        form = form.text("kept", k.clone());
    }
    for (name, bytes) in files {
        form = form.part("files", reqwest::multipart::Part::bytes(bytes.clone()).file_name(name.to_string()));
    }
    let res = client.post(app.url(&format!("/documents/new?csrf={csrf}"))).multipart(form).send().await.expect("post");
    let status = res.status();
    let location = res.headers().get("location").and_then(|l| l.to_str().ok()).unwrap_or_default().to_string();
    (status, if status == StatusCode::SEE_OTHER { location } else { res.text().await.expect("body") })
}

/// The ids of the kept-file boxes a form page offers.
fn kept_ids(html: &str) -> Vec<String> {
    html.match_indices("name=\"kept\" value=\"")
        .map(|(i, m)| html[i + m.len()..].chars().take_while(char::is_ascii_digit).collect())
        .collect()
}

/// Issue 13 item 5: the chosen PDF survives a form error and a duplicate warning (kept for the
/// session and offered again), confirming the duplicate registers it with its file, the warning
/// links to the earlier document, and a kept file cannot be named from another session.
#[tokio::test]
async fn a_chosen_file_survives_form_errors_and_the_duplicate_warning_links_the_earlier_document() {
    use support::sign_in;
    let app = TestApp::spawn().await;
    app.seed_demo().await;
    let clerk = app.client();
    let csrf = sign_in(&app, &clerk, "vanthu", common::DEMO_PASSWORD).await;
    let api = ApiUser::sign_in(&app, "vanthu").await;
    let file = ("qd-77.pdf", pdf("Quyet dinh 77"));

    // A field error: the form comes back with the file offered again.
    let bad = incoming_fields(&[("number_notation", "77/QĐ-STC"), ("subject", " ")]);
    let (status, html) = post_registration(&app, &clerk, &csrf, &bad, std::slice::from_ref(&file), &[]).await;
    assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY);
    let kept = kept_ids(&html);
    assert_eq!(kept.len(), 1, "the file is offered again");
    assert!(html.contains("qd-77.pdf") && html.contains("Tệp đã tải lên, được giữ lại"));
    // Corrected without choosing the file again: registered with it.
    let good = incoming_fields(&[("number_notation", "77/QĐ-STC")]);
    let (status, location) = post_registration(&app, &clerk, &csrf, &good, &[], &kept).await;
    assert_eq!(status, StatusCode::SEE_OTHER, "{location}");
    let first: i64 = location.trim_start_matches("/documents/").split('?').next().unwrap().parse().unwrap();
    let (_, d) = api.get(&format!("/api/v1/documents/{first}")).await;
    assert_eq!(d["files"][0]["name"], "qd-77.pdf", "{d}");

    // The same document again: the duplicate warning links the first and keeps the file…
    let (status, html) = post_registration(&app, &clerk, &csrf, &good, std::slice::from_ref(&file), &[]).await;
    assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(html.contains(&format!("href=\"/documents/{first}\"")), "links the earlier document");
    let kept = kept_ids(&html);
    assert_eq!(kept.len(), 1);
    // …and confirming registers it with the file, not without.
    let mut confirmed = good.clone();
    confirmed.push(("confirm_duplicate", "true"));
    let (status, location) = post_registration(&app, &clerk, &csrf, &confirmed, &[], &kept).await;
    assert_eq!(status, StatusCode::SEE_OTHER, "{location}");
    let second: i64 = location.trim_start_matches("/documents/").split('?').next().unwrap().parse().unwrap();
    let (_, d) = api.get(&format!("/api/v1/documents/{second}")).await;
    assert_eq!(d["files"].as_array().map(Vec::len), Some(1), "registered with its file: {d}");

    // Another session (the same clerk signed in elsewhere) cannot use this session's kept file.
    let (_, html) = post_registration(&app, &clerk, &csrf, &bad, std::slice::from_ref(&file), &[]).await;
    let kept = kept_ids(&html);
    let other = app.client();
    let other_csrf = sign_in(&app, &other, "vanthu", common::DEMO_PASSWORD).await;
    let third = incoming_fields(&[("number_notation", "78/QĐ-STC")]);
    let (status, html) = post_registration(&app, &other, &other_csrf, &third, &[], &kept).await;
    assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(html.contains("không còn được giữ"), "refused on the files field");
    let (_, found) = api.get("/api/v1/search?q=78%2FQ%C4%90-STC").await;
    assert_eq!(found["total"], 0, "nothing registered: {found}");
}
