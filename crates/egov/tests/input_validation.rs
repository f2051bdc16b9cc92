//! Input validation at the edge (issue 12, items 20, 21 and 23): text that is not UTF-8 or holds
//! control characters is refused with a field error on the API and on the pages, never stored
//! with replacement characters; values that parse but are wrong (a date in 1800, a nameless file
//! part, `confirm_duplicate=maybe`, an unknown sort or status, a page size of 2³¹, a saved search
//! holding `book_id=1 OR 1=1`) are refused naming the field; JSON refusals speak Vietnamese (or
//! English) instead of echoing serde's English text.

mod common;
mod support;

use common::{TestApp, DEMO_PASSWORD};
use reqwest::multipart::{Form, Part};
use reqwest::StatusCode;
use serde_json::{json, Value};
use support::{incoming_fields, ApiUser};

/// A multipart form of the valid incoming fields, with `field` replaced by raw bytes.
fn form_with_bytes(field: &str, bytes: &[u8]) -> Form {
    let mut form = Form::new();
    for (k, v) in incoming_fields(&[]) {
        if k != field {
            form = form.text(k.to_string(), v.to_string());
        }
    }
    form.part(field.to_string(), Part::bytes(bytes.to_vec()))
}

async fn post_form(app: &TestApp, user: &ApiUser, path: &str, form: Form) -> (StatusCode, Value) {
    let res = app.client().post(app.url(path)).bearer_auth(user.token()).multipart(form).send().await.expect("POST");
    let status = res.status();
    (status, res.json().await.unwrap_or(Value::Null))
}

fn first_field(err: &Value) -> (String, String, String) {
    let f = &err["error"]["fields"][0];
    (
        f["field"].as_str().unwrap_or_default().to_string(),
        f["code"].as_str().unwrap_or_default().to_string(),
        f["message"].as_str().unwrap_or_default().to_string(),
    )
}

/// How many documents the clerk's agency registered so far (the arrival book's next number − 1).
async fn registered_count(clerk: &ApiUser) -> i64 {
    let (status, books) = clerk.get("/api/v1/books").await;
    assert_eq!(status, StatusCode::OK);
    books
        .as_array()
        .expect("books")
        .iter()
        .filter(|b| b["direction"] == "incoming")
        .map(|b| b["next_number"].as_i64().unwrap_or(1) - 1)
        .sum()
}

#[tokio::test]
async fn damaged_text_in_multipart_fields_is_refused_on_the_api_and_the_pages() {
    let app = TestApp::spawn().await;
    app.seed_demo().await;
    let clerk = ApiUser::sign_in(&app, "vanthu").await;

    // Latin-1 bytes instead of UTF-8 ("Sở Tài chính" as another system might send it).
    let (status, err) =
        post_form(&app, &clerk, "/api/v1/documents/incoming", form_with_bytes("subject", b"S\xf4 T\xe0i ch\xednh"))
            .await;
    assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY, "{err}");
    assert_eq!(first_field(&err).0, "subject");
    assert_eq!(first_field(&err).1, "invalid_utf8");

    for (field, bytes, code) in [
        ("subject", &b"Quy\xe1\xba\xbft \x00\xc4\x91\xe1\xbb\x8bnh"[..], "control_character"),
        ("signer", &b"Nguy\xe1\xbb\x85n\x07"[..], "control_character"),
        ("number_notation", &b"05/Q\xc4\x90-STC\n06"[..], "line_break"),
        ("sender_name", "Sở T\u{FFFD}i chính".as_bytes(), "replacement_character"),
    ] {
        let (status, err) = post_form(&app, &clerk, "/api/v1/documents/incoming", form_with_bytes(field, bytes)).await;
        assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY, "{field}: {err}");
        let (f, c, message) = first_field(&err);
        assert_eq!((f.as_str(), c.as_str()), (field, code), "{err}");
        assert!(!message.is_empty());
    }
    assert_eq!(registered_count(&clerk).await, 0, "nothing was registered");

    // The same through the page: a field error, the form shown again, nothing stored.
    let browser = app.client();
    let csrf = support::sign_in(&app, &browser, "vanthu", DEMO_PASSWORD).await;
    let res = browser
        .post(app.url(&format!("/documents/new?csrf={csrf}")))
        .multipart(form_with_bytes("subject", b"S\xf4 T\xe0i"))
        .send()
        .await
        .expect("POST page");
    assert_eq!(res.status(), StatusCode::UNPROCESSABLE_ENTITY);
    let html = res.text().await.expect("page");
    assert!(html.contains("UTF-8"), "the page says what is wrong");
    assert_eq!(registered_count(&clerk).await, 0);

    // A urlencoded page form is checked the same way (an opinion with a NUL on a document).
    let (status, reg) = clerk.post_multipart("/api/v1/documents/incoming", &incoming_fields(&[]), &[]).await;
    assert_eq!(status, StatusCode::CREATED, "{reg}");
    let id = reg["id"].as_i64().expect("id");
    let res =
        support::post_form(&app, &browser, &format!("/documents/{id}/opinion"), &csrf, &[("text", "ý\u{0}kiến")]).await;
    assert_eq!(res.status(), StatusCode::UNPROCESSABLE_ENTITY);
    let bad_latin1 = browser
        .post(app.url(&format!("/documents/{id}/opinion")))
        .header("content-type", "application/x-www-form-urlencoded")
        .body(format!("csrf={csrf}&text=%C3%BD+ki%E1n"))
        .send()
        .await
        .expect("POST");
    assert_eq!(bad_latin1.status(), StatusCode::UNPROCESSABLE_ENTITY);

    // JSON strings too: a control character is refused; line breaks in a multi-line field are fine.
    let (status, err) = clerk.post(&format!("/api/v1/documents/{id}/opinions"), json!({ "text": "ý kiến\u{0}" })).await;
    assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY, "{err}");
    assert_eq!(first_field(&err).0, "text");
    assert_eq!(first_field(&err).1, "control_character");
    let (status, _) =
        clerk.post(&format!("/api/v1/documents/{id}/opinions"), json!({ "text": "Dòng 1\r\nDòng 2" })).await;
    assert_eq!(status, StatusCode::NO_CONTENT);
    let (_, detail) = clerk.get(&format!("/api/v1/documents/{id}")).await;
    let texts: Vec<&str> =
        detail["timeline"].as_array().expect("timeline").iter().filter_map(|e| e["text"].as_str()).collect();
    assert!(texts.iter().all(|t| !t.contains('\u{FFFD}') && !t.contains('\u{0}')), "{texts:?}");
}

#[tokio::test]
async fn values_that_parse_but_are_wrong_are_refused_naming_the_field() {
    let app = TestApp::spawn().await;
    app.seed_demo().await;
    let clerk = ApiUser::sign_in(&app, "vanthu").await;

    let (status, err) =
        clerk.post_multipart("/api/v1/documents/incoming", &incoming_fields(&[("issued_on", "1800-01-01")]), &[]).await;
    assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY, "{err}");
    assert_eq!(first_field(&err).0, "issued_on");
    assert_eq!(first_field(&err).1, "date_too_early");

    let (status, err) = clerk
        .post_multipart("/api/v1/documents/incoming", &incoming_fields(&[("confirm_duplicate", "maybe")]), &[])
        .await;
    assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY, "{err}");
    assert_eq!(first_field(&err).0, "confirm_duplicate");

    let (status, err) =
        clerk.post_multipart("/api/v1/documents/incoming", &incoming_fields(&[("deadline", "9999-12-31")]), &[]).await;
    assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY, "{err}");
    assert_eq!(first_field(&err).0, "deadline");

    // A file part with bytes but an empty file name is refused, not dropped.
    let mut form = Form::new();
    for (k, v) in incoming_fields(&[]) {
        form = form.text(k.to_string(), v.to_string());
    }
    let form = form.part("files", Part::bytes(egov_files::sample_pdf("Van ban", 1)).file_name(""));
    let (status, err) = post_form(&app, &clerk, "/api/v1/documents/incoming", form).await;
    assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY, "{err}");
    assert_eq!(first_field(&err).0, "files");
    assert_eq!(first_field(&err).1, "file_name_missing");
    assert_eq!(registered_count(&clerk).await, 0);

    // A paper document is registered without files (the OpenAPI says files are optional).
    let (status, reg) = clerk.post_multipart("/api/v1/documents/incoming", &incoming_fields(&[]), &[]).await;
    assert_eq!(status, StatusCode::CREATED, "{reg}");

    for (query, field) in [
        ("q=a&sort=newest", "sort"),
        ("q=a&status=whatever", "status"),
        ("q=a&per_page=2147483648", "per_page"),
        ("q=a&per_page=101", "per_page"),
        ("q=a&page=5000", "page"),
        ("direction=sideways", "direction"),
        ("q=%FF%FE", "q"),
    ] {
        let (status, err) = clerk.get(&format!("/api/v1/search?{query}")).await;
        assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY, "{query}: {err}");
        assert_eq!(first_field(&err).0, field, "{query}: {err}");
    }
    let (status, _) = clerk.get("/api/v1/search?q=ngan+sach&sort=date&status=registered&per_page=100").await;
    assert_eq!(status, StatusCode::OK);

    for path in ["/api/v1/inbox?limit=2147483648", "/api/v1/agencies?limit=2147483648", "/api/v1/inbox?limit=0"] {
        let (status, err) = clerk.get(path).await;
        assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY, "{path}: {err}");
        assert_eq!(first_field(&err).0, "limit", "{path}: {err}");
    }

    // A saved search holds only what a search accepts, in canonical form.
    let (status, err) =
        clerk.post("/api/v1/saved-searches", json!({ "name": "Sổ 1", "query": "book_id=1 OR 1=1" })).await;
    assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY, "{err}");
    assert_eq!(first_field(&err).0, "query");
    let (status, err) =
        clerk.post("/api/v1/saved-searches", json!({ "name": "Sai", "query": "q=a&sort=sideways" })).await;
    assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY, "{err}");
    let (status, saved) = clerk.get("/api/v1/saved-searches").await;
    assert_eq!(status, StatusCode::OK);
    assert_eq!(saved, json!([]), "nothing was saved");
    let (status, saved) = clerk
        .post("/api/v1/saved-searches", json!({ "name": "Quyết định", "query": "q=quy%E1%BA%BFt&book_id=1&x=1" }))
        .await;
    assert_eq!(status, StatusCode::CREATED, "{saved}");
    assert_eq!(saved["query"], "q=quy%E1%BA%BFt&book_id=1");

    // A draft replacing a document that does not exist (or is out of sight) is refused on its
    // field, like one replacing a document that cannot be replaced (schemathesis found a 404).
    let author = ApiUser::sign_in(&app, "chuyenvien").await;
    for replaces in ["999999", "-525"] {
        let fields = [("doc_type", "cong_van"), ("subject", "Công văn thay thế"), ("replaces_id", replaces)];
        let (status, err) = author.post_multipart("/api/v1/drafts", &fields, &[]).await;
        assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY, "{replaces}: {err}");
        assert_eq!(first_field(&err).0, "replaces_id");
        assert_eq!(first_field(&err).1, "not_replaceable");
    }
}

#[tokio::test]
async fn json_refusals_are_bilingual_and_name_the_field() {
    let app = TestApp::spawn().await;
    app.seed_demo().await;
    let clerk = ApiUser::sign_in(&app, "vanthu").await;
    let (_, reg) = clerk.post_multipart("/api/v1/documents/incoming", &incoming_fields(&[]), &[]).await;
    let id = reg["id"].as_i64().expect("id");
    let path = format!("/api/v1/documents/{id}/present");

    let send = |body: &'static str, content_type: &'static str, lang: &'static str| {
        let req = app
            .client()
            .post(app.url(&path))
            .bearer_auth(clerk.token())
            .header("content-type", content_type)
            .header("accept-language", lang)
            .body(body);
        async move {
            let res = req.send().await.expect("POST");
            let status = res.status();
            (status, res.json::<Value>().await.unwrap_or(Value::Null))
        }
    };
    for (body, content_type, field, code) in [
        ("{}", "application/json", "leaders", "required"),
        (r#"{"leaders": "all"}"#, "application/json", "leaders", "wrong_type"),
        (r#"{"leaders": [1, 2"#, "application/json", "body", "json_incomplete"),
        (r#"{"leaders": [1, 2}"#, "application/json", "body", "json_syntax"),
        (r#"{"leaders": [1]}"#, "text/plain", "body", "json_expected"),
    ] {
        let (status, err) = send(body, content_type, "vi").await;
        assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY, "{body}: {err}");
        let (f, c, message) = first_field(&err);
        assert_eq!((f.as_str(), c.as_str()), (field, code), "{body}: {err}");
        for english in ["missing field", "invalid type", "expected", "Failed to", "EOF", "line "] {
            assert!(!message.contains(english), "English serde text in the Vietnamese message: {message}");
        }
        let (_, err) = send(body, content_type, "en").await;
        let (_, _, en) = first_field(&err);
        assert_ne!(en, message, "an English message exists too");
    }

    // An unknown value of an enumeration names the field and the allowed values.
    let (status, err) = clerk.post(&format!("/api/v1/documents/{id}/assign"), json!({ "lead": { "person": 1 } })).await;
    assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY, "{err}");
    let (f, c, message) = first_field(&err);
    assert_eq!((f.as_str(), c.as_str()), ("lead", "unknown_value"), "{err}");
    assert!(message.contains("user") && message.contains("unit"), "{message}");
}

#[tokio::test]
async fn page_forms_refuse_a_choice_that_is_not_one_instead_of_dropping_it() {
    let app = TestApp::spawn().await;
    app.seed_demo().await;
    let admin = app.client();
    let csrf = support::sign_in(&app, &admin, "admin", DEMO_PASSWORD).await;
    // A parent that is not an id used to become "no parent": a top-level agency.
    let fields = [("code", "H49"), ("name", "Tỉnh Thử"), ("level", "province"), ("parent_id", "1 OR 1=1")];
    let res = support::post_form(&app, &admin, "/admin/agencies/new", &csrf, &fields).await;
    assert_ne!(res.status(), StatusCode::SEE_OTHER, "the form is shown again with its error");
    assert!(res.text().await.expect("page").contains("không hợp lệ"));
    let caller = egov_service::Caller::system("test");
    let agencies = app.services.agencies(&caller, None, 200).await.expect("agencies");
    assert!(agencies.iter().all(|a| a.code != "H49"), "nothing was created");

    // An assignment whose cooperating target is unreadable is refused, not narrowed.
    let clerk = ApiUser::sign_in(&app, "vanthu").await;
    let (_, reg) = clerk.post_multipart("/api/v1/documents/incoming", &incoming_fields(&[]), &[]).await;
    let id = reg["id"].as_i64().expect("id");
    let leader_id = app.services.user_id_by_username(&caller, "lanhdao").await.expect("leader");
    let head_id = app.services.user_id_by_username(&caller, "truongphong").await.expect("unit head");
    let (status, err) = clerk.post(&format!("/api/v1/documents/{id}/present"), json!({ "leaders": [leader_id] })).await;
    assert_eq!(status, StatusCode::NO_CONTENT, "{err}");
    let leader = app.client();
    let csrf = support::sign_in(&app, &leader, "lanhdao", DEMO_PASSWORD).await;
    let lead = format!("user:{head_id}");
    let fields = [("lead", lead.as_str()), ("cooperate", "someone"), ("directive", "Xử lý")];
    let res = support::post_form(&app, &leader, &format!("/documents/{id}/assign"), &csrf, &fields).await;
    assert_eq!(res.status(), StatusCode::UNPROCESSABLE_ENTITY);
    let (_, detail) = clerk.get(&format!("/api/v1/documents/{id}")).await;
    let kinds: Vec<&str> =
        detail["assignments"].as_array().expect("assignments").iter().filter_map(|a| a["kind"].as_str()).collect();
    assert!(!kinds.contains(&"lead"), "nothing was assigned: {kinds:?}");
}
