//! Reading API input: JSON bodies and query strings into wire types, with every refusal a field
//! error in both languages (never serde's English text inside a Vietnamese sentence), and every
//! string checked by [`egov_domain::text::check_text`] before any handler sees it.

use std::collections::HashSet;
use std::sync::OnceLock;

use axum::body::Bytes;
use axum::extract::{FromRequest, FromRequestParts, Path, Request};
use axum::http::request::Parts;
use axum::http::{header, StatusCode};
use egov_domain::text::{check_text, TextKind};
use egov_domain::FieldError;
use egov_service::AppError;
use serde::de::DeserializeOwned;
use serde_json::Value;

use crate::error::ApiError;
use crate::session::api_lang;

/// JSON properties that hold several lines of text (notes, reasons, comments); every other
/// string is a single line.
const MULTILINE: &[&str] =
    &["text", "note", "directive", "comment", "reason", "result", "body", "description", "notes"];

fn kind_of(field: &str) -> TextKind {
    if MULTILINE.contains(&field) {
        TextKind::MultiLine
    } else {
        TextKind::SingleLine
    }
}

/// Every property and parameter name the API documents, as `'static` names for field errors
/// (made once from the OpenAPI document, so the set is bounded).
fn known_names() -> &'static HashSet<&'static str> {
    static NAMES: OnceLock<HashSet<&'static str>> = OnceLock::new();
    NAMES.get_or_init(|| {
        let doc = serde_json::to_value(<super::super::ApiDoc as utoipa::OpenApi>::openapi()).unwrap_or_default();
        let mut names = HashSet::new();
        collect_names(&doc, &mut names);
        names.into_iter().map(|n| &*Box::leak(n.into_boxed_str())).collect()
    })
}

fn collect_names(v: &Value, out: &mut HashSet<String>) {
    match v {
        Value::Object(map) => {
            if let Some(Value::Object(props)) = map.get("properties") {
                out.extend(props.keys().cloned());
            }
            if let (Some(Value::String(name)), Some(Value::String(_))) = (map.get("name"), map.get("in")) {
                out.insert(name.clone());
            }
            map.values().for_each(|x| collect_names(x, out));
        }
        Value::Array(items) => items.iter().for_each(|x| collect_names(x, out)),
        _ => {}
    }
}

/// The documented name `name` as `'static`, or `fallback` for a name the API does not know.
fn field_name(name: &str, fallback: &'static str) -> &'static str {
    known_names().get(name).copied().unwrap_or(fallback)
}

/// The top-level property of a serde path (`lead.user` → `lead`, `leaders[2]` → `leaders`).
fn top_of(path: &str) -> &str {
    path.split(['.', '[']).next().unwrap_or("")
}

/// The first `` `quoted` `` word of a serde message.
fn quoted(msg: &str) -> Option<&str> {
    let start = msg.find('`')? + 1;
    let len = msg[start..].find('`')?;
    Some(&msg[start..start + len])
}

/// What serde's "expected …" names, said in both languages.
fn expected_type(msg: &str) -> (&'static str, &'static str) {
    let expected = msg.rsplit("expected ").next().unwrap_or("");
    if ["i8", "i16", "i32", "i64", "u8", "u16", "u32", "u64", "integer"].iter().any(|t| expected.contains(t)) {
        ("một số nguyên", "a whole number")
    } else if expected.contains("f64") || expected.contains("f32") {
        ("một số", "a number")
    } else if expected.contains("bool") {
        ("true hoặc false", "true or false")
    } else if expected.contains("string") || expected.contains("char") {
        ("một chuỗi ký tự", "a string")
    } else if expected.contains("sequence") {
        ("một danh sách", "a list")
    } else if expected.contains("struct") || expected.contains("map") || expected.contains("enum") {
        ("một đối tượng", "an object")
    } else {
        ("một giá trị khác", "another kind of value")
    }
}

/// A deserialisation error (serde's message `msg` at `path`) as a bilingual field error.
/// `what` says where the value came from ("trường"/"field" for JSON, "tham số"/"parameter" for queries).
fn data_error(path: &str, msg: &str, fallback: &'static str, what: (&str, &str)) -> FieldError {
    let (vi_what, en_what) = what;
    let at = top_of(path);
    if msg.starts_with("missing field") {
        let name = quoted(msg).unwrap_or(at);
        let field = field_name(if at.is_empty() { name } else { at }, fallback);
        return FieldError::new(
            field,
            "required",
            format!("Thiếu {vi_what} bắt buộc “{name}”."),
            format!("The {en_what} “{name}” is required."),
        );
    }
    let field = field_name(at, fallback);
    let shown = if at.is_empty() { fallback } else { at };
    if msg.starts_with("unknown variant") {
        let got = quoted(msg).unwrap_or("");
        let allowed: Vec<&str> = msg
            .split_once("expected")
            .map(|(_, rest)| rest.split('`').skip(1).step_by(2).collect())
            .unwrap_or_default();
        return FieldError::new(
            field,
            "unknown_value",
            format!("Giá trị “{got}” của {vi_what} “{shown}” không hợp lệ; chọn một trong: {}.", allowed.join(", ")),
            format!("“{got}” is not a valid value of the {en_what} “{shown}”; use one of: {}.", allowed.join(", ")),
        );
    }
    if msg.starts_with("unknown field") {
        let name = quoted(msg).unwrap_or("");
        return FieldError::new(
            field_name(name, fallback),
            "unknown_field",
            format!("Không có {vi_what} “{name}”."),
            format!("There is no {en_what} “{name}”."),
        );
    }
    if msg.starts_with("invalid type") {
        let (vi, en) = expected_type(msg);
        return FieldError::new(
            field,
            "wrong_type",
            format!("{} “{shown}” phải là {vi}.", capitalise(vi_what)),
            format!("The {en_what} “{shown}” must be {en}."),
        );
    }
    let (vi, en) = expected_type(msg);
    let out_of_range = msg.contains("too large") || msg.contains("too small") || msg.starts_with("invalid value");
    FieldError::new(
        field,
        if out_of_range { "out_of_range" } else { "invalid_value" },
        format!("Giá trị của {vi_what} “{shown}” không hợp lệ: cần {vi} trong giới hạn cho phép."),
        format!("The value of the {en_what} “{shown}” is not valid: it must be {en} within the allowed range."),
    )
}

fn capitalise(s: &str) -> String {
    let mut c = s.chars();
    c.next().map(|f| f.to_uppercase().chain(c).collect()).unwrap_or_default()
}

/// Checks every string of a JSON value; `top` is the top-level property it sits under.
fn check_strings(v: &Value, top: &str) -> Result<(), FieldError> {
    match v {
        Value::String(s) => check_text(s, field_name(top, "body"), kind_of(top)),
        Value::Array(items) => items.iter().try_for_each(|x| check_strings(x, top)),
        Value::Object(map) => map.iter().try_for_each(|(k, x)| check_strings(x, if top.is_empty() { k } else { top })),
        _ => Ok(()),
    }
}

/// Parses a JSON body into `T`: the content type, the syntax, every string (no control
/// characters), then the shape, each refusal a field error.
pub(crate) fn parse_json<T: DeserializeOwned>(content_type: Option<&str>, bytes: &[u8]) -> Result<T, FieldError> {
    let is_json = content_type
        .and_then(|ct| ct.split(';').next())
        .map(str::trim)
        .is_some_and(|m| m.eq_ignore_ascii_case("application/json") || m.to_ascii_lowercase().ends_with("+json"));
    if !is_json {
        return Err(FieldError::new(
            "body",
            "json_expected",
            "Nội dung yêu cầu phải là JSON (Content-Type: application/json).",
            "The request body must be JSON (Content-Type: application/json).",
        ));
    }
    let value: Value = serde_json::from_slice(bytes).map_err(|e| {
        let (line, column) = (e.line(), e.column());
        if e.is_eof() {
            FieldError::new(
                "body",
                "json_incomplete",
                format!("Nội dung JSON bị cắt ngang (dòng {line}, cột {column})."),
                format!("The JSON body ends too early (line {line}, column {column})."),
            )
        } else {
            FieldError::new(
                "body",
                "json_syntax",
                format!("Nội dung JSON sai cú pháp ở dòng {line}, cột {column}."),
                format!("The JSON body has a syntax error at line {line}, column {column}."),
            )
        }
    })?;
    check_strings(&value, "")?;
    serde_path_to_error::deserialize(value).map_err(|e| {
        let path = e.path().to_string();
        let path = if path == "." { String::new() } else { path };
        data_error(&path, &e.inner().to_string(), "body", ("trường", "field"))
    })
}

/// Parses a query string into `T`: every value checked (valid UTF-8 — a lossy decoding shows as
/// U+FFFD and is refused —, no control characters), then the shape.
pub(crate) fn parse_query<T: DeserializeOwned>(query: &str) -> Result<T, FieldError> {
    for (name, value) in form_urlencoded::parse(query.as_bytes()) {
        check_text(&value, field_name(&name, "query"), TextKind::SingleLine)?;
    }
    let de = serde_urlencoded::Deserializer::new(form_urlencoded::parse(query.as_bytes()));
    serde_path_to_error::deserialize(de).map_err(|e| {
        let path = e.path().to_string();
        let path = if path == "." { String::new() } else { path };
        data_error(&path, &e.inner().to_string(), "query", ("tham số", "parameter"))
    })
}

/// A JSON body whose rejection uses the error envelope (see [`parse_json`]).
pub(crate) struct Body<T>(pub T);

impl<S: Send + Sync, T: DeserializeOwned> FromRequest<S> for Body<T> {
    type Rejection = ApiError;

    async fn from_request(req: Request, state: &S) -> Result<Self, Self::Rejection> {
        let (parts, body) = req.into_parts();
        let lang = api_lang(&parts);
        let content_type = parts.headers.get(header::CONTENT_TYPE).and_then(|v| v.to_str().ok()).map(str::to_string);
        let req = Request::from_parts(parts, body);
        let bytes = Bytes::from_request(req, state).await.map_err(|r| {
            let err = if r.status() == StatusCode::PAYLOAD_TOO_LARGE {
                AppError::invalid("body", "too_large", "Nội dung yêu cầu quá lớn.", "The request body is too large.")
            } else {
                AppError::invalid(
                    "body",
                    "unreadable",
                    "Không đọc được nội dung yêu cầu.",
                    "The request body could not be read.",
                )
            };
            ApiError { err, lang }
        })?;
        parse_json(content_type.as_deref(), &bytes).map(Body).map_err(|e| ApiError { err: AppError::field(e), lang })
    }
}

/// Query parameters whose rejection uses the error envelope (see [`parse_query`]).
pub(crate) struct Params<T>(pub T);

impl<S: Send + Sync, T: DeserializeOwned> FromRequestParts<S> for Params<T> {
    type Rejection = ApiError;

    async fn from_request_parts(parts: &mut Parts, _state: &S) -> Result<Self, Self::Rejection> {
        let lang = api_lang(parts);
        parse_query(parts.uri.query().unwrap_or_default())
            .map(Params)
            .map_err(|e| ApiError { err: AppError::field(e), lang })
    }
}

/// Numeric path ids; anything else is "not found".
pub(crate) struct Ids<T>(pub T);

impl<S: Send + Sync, T: DeserializeOwned + Send> FromRequestParts<S> for Ids<T> {
    type Rejection = ApiError;

    async fn from_request_parts(parts: &mut Parts, state: &S) -> Result<Self, Self::Rejection> {
        let lang = api_lang(parts);
        Path::<T>::from_request_parts(parts, state)
            .await
            .map(|Path(v)| Ids(v))
            .map_err(|_| ApiError { err: AppError::NotFound, lang })
    }
}

#[cfg(test)]
#[allow(clippy::unwrap_used)]
mod tests {
    use super::*;

    #[derive(Debug, serde::Deserialize)]
    #[allow(dead_code)]
    struct Sample {
        leaders: Vec<i64>,
        #[serde(default)]
        note: String,
        decision: Option<Choice>,
    }

    #[derive(Debug, serde::Deserialize)]
    #[serde(rename_all = "snake_case")]
    enum Choice {
        Approve,
        Return,
    }

    const JSON: Option<&str> = Some("application/json");

    fn err(body: &str) -> FieldError {
        parse_json::<Sample>(JSON, body.as_bytes()).unwrap_err()
    }

    #[test]
    fn json_refusals_are_bilingual_and_name_the_field() {
        let e = err("{}");
        assert_eq!((e.field, e.code), ("leaders", "required"));
        assert!(!e.message_vi.contains("missing"), "{}", e.message_vi);
        let e = err(r#"{"leaders": "x"}"#);
        assert_eq!((e.field, e.code), ("leaders", "wrong_type"));
        assert!(e.message_vi.contains("danh sách"), "{}", e.message_vi);
        let e = err(r#"{"leaders": [1, "x"]}"#);
        assert_eq!((e.field, e.code), ("leaders", "wrong_type"));
        assert!(e.message_vi.contains("số nguyên"), "{}", e.message_vi);
        let e = err(r#"{"leaders": [], "decision": "maybe"}"#);
        assert_eq!((e.field, e.code), ("decision", "unknown_value"));
        assert!(e.message_vi.contains("approve, return"), "{}", e.message_vi);
        let e = err(r#"{"leaders": [1"#);
        assert_eq!((e.field, e.code), ("body", "json_incomplete"));
        let e = err(r#"{"leaders": [1}"#);
        assert_eq!((e.field, e.code), ("body", "json_syntax"));
        let e = parse_json::<Sample>(Some("text/plain"), b"{}").unwrap_err();
        assert_eq!(e.code, "json_expected");
        let e = err(r#"{"leaders": [], "note": "a\u0000b"}"#);
        assert_eq!((e.field, e.code), ("note", "control_character"));
        assert!(parse_json::<Sample>(JSON, br#"{"leaders": [], "note": "a\nb"}"#).is_ok());
    }

    #[derive(Debug, serde::Deserialize)]
    #[allow(dead_code)]
    struct Q {
        limit: Option<u32>,
        q: Option<String>,
    }

    #[test]
    fn query_refusals_name_the_parameter() {
        let e = parse_query::<Q>("limit=abc").unwrap_err();
        assert_eq!(e.field, "limit");
        let e = parse_query::<Q>("limit=99999999999").unwrap_err();
        assert_eq!(e.field, "limit");
        let e = parse_query::<Q>("q=%FF%FE").unwrap_err();
        assert_eq!((e.field, e.code), ("q", "replacement_character"));
        let e = parse_query::<Q>("q=a%00b").unwrap_err();
        assert_eq!((e.field, e.code), ("q", "control_character"));
        assert!(parse_query::<Q>("q=Quy%E1%BA%BFt&limit=5").is_ok());
    }
}
