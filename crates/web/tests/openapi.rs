//! The OpenAPI document is generated from the code; this snapshot makes every API change
//! visible in review (`cargo insta review` after an intended change).

#[test]
fn openapi_document_matches_snapshot() {
    let doc = egov_web::openapi_json();
    let parsed: serde_json::Value = serde_json::from_str(&doc).expect("valid JSON");
    assert_eq!(parsed["openapi"].as_str().map(|v| v.starts_with("3.")), Some(true));
    assert!(parsed["paths"]["/api/v1/users"]["post"].is_object());
    insta::assert_snapshot!("openapi", doc);
}
