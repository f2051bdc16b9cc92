//! Each validation error: the element path, the code and both messages.
#![allow(clippy::unwrap_used, clippy::expect_used)]

mod common;

use common::{codes_of, sample_package, sample_xml_with, status_xml_with};
use egov_edxml::*;

/// The sample's `Type` and `TypeName`.
const TYPE: &str = "<edXML:Type>18</edXML:Type>\n          <edXML:TypeName>Công văn</edXML:TypeName>";

/// Reads the sample with one replacement and expects exactly a problem at `path` with `code`.
fn expect_problem(from: &str, to: &str, path: &str, code: &str) -> EdxmlError {
    let xml = sample_xml_with(from, to);
    let e = read_package(&xml).expect_err(&format!("{to} should be refused"));
    assert_eq!(e.kind(), ErrorKind::Invalid, "{e}");
    assert!(
        e.problems().iter().any(|p| p.path == path && p.code == code),
        "want {path} {code}, got {:?}",
        codes_of(&e)
    );
    for p in e.problems() {
        assert!(!p.message_vi.is_empty() && !p.message_en.is_empty());
    }
    e
}

#[test]
fn subject_missing_empty_and_too_long() {
    let e = expect_problem(
        "<edXML:Subject>V/v triển khai liên thông văn bản điện tử &lt;edXML&gt; &amp; \"ký số\"</edXML:Subject>",
        "",
        "MessageHeader/Subject",
        codes::REQUIRED,
    );
    let p = e.first().expect("problem");
    assert_eq!(p.message_en, "The required element Subject is missing or empty at MessageHeader/Subject.");
    assert_eq!(p.message_vi, "Thiếu phần tử bắt buộc Subject (hoặc phần tử này để trống) tại MessageHeader/Subject.");
    expect_problem(
        "<edXML:Subject>V/v triển khai liên thông văn bản điện tử &lt;edXML&gt; &amp; \"ký số\"</edXML:Subject>",
        "<edXML:Subject> \n </edXML:Subject>",
        "MessageHeader/Subject",
        codes::REQUIRED,
    );

    let long = "ệ".repeat(501);
    let e = expect_problem("V/v triển khai", &long, "MessageHeader/Subject", codes::TOO_LONG);
    assert!(e.first().expect("p").message_en.contains("over the limit of 500"), "{e}");
    // Exactly 500 is fine.
    let mut p = sample_package();
    p.header.subject = "ệ".repeat(500);
    assert!(validate_package(&p).is_empty());
}

#[test]
fn length_limits() {
    expect_problem("Nội dung tóm tắt", &"a".repeat(501), "MessageHeader/Content", codes::TOO_LONG);
    expect_problem(
        "<edXML:Place>Nghệ An</edXML:Place>",
        &format!("<edXML:Place>{}</edXML:Place>", "x".repeat(151)),
        "MessageHeader/PromulgationInfo/Place",
        codes::TOO_LONG,
    );
    expect_problem("Lưu: VT, VP", &"x".repeat(151), "MessageHeader/ToPlaces/Place[2]", codes::TOO_LONG);
    expect_problem("Phụ lục I", &"x".repeat(251), "MessageHeader/OtherInfo/Appendixes/Appendix[1]", codes::TOO_LONG);
    expect_problem(
        "<AttachmentName>12-STTTT-VP.pdf</AttachmentName>",
        &format!("<AttachmentName>{}.pdf</AttachmentName>", "t".repeat(197)),
        "AttachmentEncoded/Attachment[1]/AttachmentName",
        codes::TOO_LONG,
    );
    expect_problem(
        "<edXML:OrganId>H41</edXML:OrganId>",
        &format!("<edXML:OrganId>H41{}</edXML:OrganId>", ".1".repeat(17)),
        "MessageHeader/To[1]/OrganId",
        codes::INVALID_AGENCY_CODE,
    );
}

#[test]
fn duplicate_recipients() {
    let e = expect_problem(
        "<edXML:OrganId>000.00.04.G14</edXML:OrganId>",
        "<edXML:OrganId>H41</edXML:OrganId>",
        "MessageHeader/To[2]/OrganId",
        codes::DUPLICATE,
    );
    assert!(e.first().expect("p").message_en.contains("“H41” appears more than once"), "{e}");
}

#[test]
fn required_parts() {
    let xml = String::from_utf8(sample_xml_with("x", "x")).expect("utf8");
    // No recipient at all.
    let mut no_to = xml.clone();
    while let (Some(s), Some(e)) = (no_to.find("<edXML:To>"), no_to.find("</edXML:To>")) {
        no_to.replace_range(s..e + "</edXML:To>".len(), "");
    }
    let e = read_package(no_to.as_bytes()).expect_err("no To");
    assert_eq!(codes_of(&e), vec![("MessageHeader/To", codes::REQUIRED)]);

    expect_problem(
        "<edXML:OrganName>Sở Thông tin và Truyền thông</edXML:OrganName>",
        "",
        "MessageHeader/From/OrganName",
        codes::REQUIRED,
    );
    expect_problem(
        "<edXML:CodeNumber>12</edXML:CodeNumber>",
        "<edXML:CodeNumber/>",
        "MessageHeader/Code/CodeNumber",
        codes::REQUIRED,
    );
    expect_problem(
        "<edXML:PromulgationDate>2024/03/05</edXML:PromulgationDate>",
        "",
        "MessageHeader/PromulgationInfo/PromulgationDate",
        codes::REQUIRED,
    );
    expect_problem(TYPE, "", "MessageHeader/DocumentType/Type", codes::REQUIRED);
    expect_problem(
        TYPE,
        "<edXML:Type/><edXML:TypeName>Loại khác</edXML:TypeName>",
        "MessageHeader/DocumentType/Type",
        codes::REQUIRED,
    );
    expect_problem(
        "<edXML:DocumentId>H41.12,2024/03/05,12/STTTT-VP</edXML:DocumentId>",
        "",
        "MessageHeader/DocumentId",
        codes::REQUIRED,
    );
    expect_problem("<edXML:OrganId>H41.12</edXML:OrganId>", "", "MessageHeader/From/OrganId", codes::REQUIRED);
    expect_problem(
        "<edXML:Timestamp>2024/03/05 08:30:00</edXML:Timestamp>",
        "",
        "TraceHeaderList/TraceHeader[1]/Timestamp",
        codes::REQUIRED,
    );
    expect_problem(
        "<edXML:BussinessDocType>0</edXML:BussinessDocType>",
        "",
        "TraceHeaderList/Bussiness/BussinessDocType",
        codes::REQUIRED,
    );
    let p = sample_package();
    let b64 = {
        use base64::Engine as _;
        base64::engine::general_purpose::STANDARD.encode(&p.attachments[0].data)
    };
    let data = format!("<ContentTransferEncoded>{b64}</ContentTransferEncoded>");
    expect_problem(&data, "", "AttachmentEncoded/Attachment[1]/ContentTransferEncoded", codes::REQUIRED);

    let e = read_package(b"<edXML xmlns=\"http://www.mic.gov.vn/TBT/QCVN_102_2016\"/>").expect_err("empty");
    assert_eq!(codes_of(&e), vec![("edXMLEnvelope", codes::REQUIRED)]);
    let e = read_package(b"<edXML xmlns=\"http://www.mic.gov.vn/TBT/QCVN_102_2016\"><edXMLEnvelope><edXMLHeader/></edXMLEnvelope></edXML>").expect_err("no header");
    assert_eq!(codes_of(&e), vec![("MessageHeader", codes::REQUIRED)]);
}

#[test]
fn bad_values() {
    expect_problem(
        "H41.12,2024/03/05,12/STTTT-VP",
        "H41.12;2024/03/05;12",
        "MessageHeader/DocumentId",
        codes::INVALID_DOCUMENT_ID,
    );
    let e = expect_problem(
        "H41.12,2024/03/05,12/STTTT-VP",
        "H41.12,2024/03/05,12",
        "MessageHeader/DocumentId",
        codes::INVALID_DOCUMENT_ID,
    );
    assert!(e.first().expect("p").message_en.contains("{OrganId},{yyyy/MM/dd},{number}/{notation}"));
    expect_problem(
        "<edXML:PromulgationDate>2024/03/05",
        "<edXML:PromulgationDate>2023/02/29",
        "MessageHeader/PromulgationInfo/PromulgationDate",
        codes::INVALID_DATE,
    );
    expect_problem("<edXML:DueDate>2024/03/15", "<edXML:DueDate>mai", "MessageHeader/DueDate", codes::INVALID_DATE);
    expect_problem(
        "2024/03/05 08:30:00",
        "2024/03/05 25:30:00",
        "TraceHeaderList/TraceHeader[1]/Timestamp",
        codes::INVALID_TIMESTAMP,
    );
    expect_problem(
        "<edXML:OrganId>H41</edXML:OrganId>",
        "<edXML:OrganId>UBND-NA</edXML:OrganId>",
        "MessageHeader/To[1]/OrganId",
        codes::INVALID_AGENCY_CODE,
    );
    expect_problem(
        "<edXML:OrganId>H41</edXML:OrganId>",
        "<edXML:OrganId>00.00.12.H41</edXML:OrganId>",
        "MessageHeader/To[1]/OrganId",
        codes::INVALID_AGENCY_CODE,
    );
    expect_problem(
        "<edXML:Priority>1</edXML:Priority>",
        "<edXML:Priority>5</edXML:Priority>",
        "MessageHeader/OtherInfo/Priority",
        codes::UNKNOWN_PRIORITY,
    );
    expect_problem(
        "<edXML:Priority>1</edXML:Priority>",
        "<edXML:Priority>Khẩn</edXML:Priority>",
        "MessageHeader/OtherInfo/Priority",
        codes::UNKNOWN_PRIORITY,
    );
    expect_problem(
        "<edXML:SteeringType>0</edXML:SteeringType>",
        "<edXML:SteeringType>3</edXML:SteeringType>",
        "MessageHeader/SteeringType",
        codes::UNKNOWN_STEERING_TYPE,
    );
    expect_problem(
        "<edXML:BussinessDocType>0</edXML:BussinessDocType>",
        "<edXML:BussinessDocType>4</edXML:BussinessDocType>",
        "TraceHeaderList/Bussiness/BussinessDocType",
        codes::UNKNOWN_BUSINESS_TYPE,
    );
    expect_problem(
        "<edXML:PageAmount>2</edXML:PageAmount>",
        "<edXML:PageAmount>-2</edXML:PageAmount>",
        "MessageHeader/OtherInfo/PageAmount",
        codes::INVALID_NUMBER,
    );
    expect_problem(
        "<edXML:Paper>0</edXML:Paper>",
        "<edXML:Paper>2</edXML:Paper>",
        "TraceHeaderList/Bussiness/Paper",
        codes::INVALID_FLAG,
    );
    // A known TypeName decides the number; otherwise Type must make sense on its own.
    let other = |t: &str| format!("<edXML:Type>{t}</edXML:Type><edXML:TypeName>Loại khác</edXML:TypeName>");
    expect_problem(TYPE, &other("99999"), "MessageHeader/DocumentType/Type", codes::INVALID_DOCUMENT_TYPE);
    expect_problem(TYPE, &other("0"), "MessageHeader/DocumentType/Type", codes::INVALID_DOCUMENT_TYPE);
}

#[test]
fn structure_problems() {
    expect_problem(
        "<edXML:Content>",
        "<edXML:Subject>again</edXML:Subject><edXML:Content>",
        "MessageHeader/Subject",
        codes::REPEATED,
    );
    expect_problem(
        "<edXML:SteeringType>0</edXML:SteeringType>",
        "<edXML:SteeringType>0</edXML:SteeringType><edXML:SteeringType>1</edXML:SteeringType>",
        "MessageHeader/SteeringType",
        codes::REPEATED,
    );
    expect_problem(
        "<edXML:Subject>V/v",
        "<edXML:Subject><b>bold</b>V/v",
        "MessageHeader/Subject",
        codes::UNEXPECTED_ELEMENT,
    );
    expect_problem(
        "<edXML:Content>Nội dung",
        "<edXML:Content>&#1;Nội dung",
        "MessageHeader/Content",
        codes::INVALID_CHAR,
    );
    expect_problem(
        "<edXML:Content>Nội dung",
        "<edXML:Content>\u{1}Nội dung",
        "MessageHeader/Content",
        codes::INVALID_CHAR,
    );
    expect_problem(
        "<ContentTransferEncoded>",
        "<ContentTransferEncoded>!!not base64!!",
        "AttachmentEncoded/Attachment[1]/ContentTransferEncoded",
        codes::INVALID_BASE64,
    );
    // A manifest reference without its attachment.
    let xml = String::from_utf8(sample_xml_with("<AttachmentEncoded>", "<!--<AttachmentEncoded>"))
        .expect("utf8")
        .replacen("</AttachmentEncoded>", "</AttachmentEncoded>-->", 1);
    let e = read_package(xml.as_bytes()).expect_err("missing attachment");
    assert_eq!(codes_of(&e), vec![("edXMLManifest/Reference[1]", codes::ATTACHMENT_MISSING)]);
    // Two attachments with one content id.
    let mut p = sample_package();
    p.attachments.push(p.attachments[0].clone());
    let e = write_package(&p).expect_err("duplicate id");
    assert_eq!(codes_of(&e), vec![("AttachmentEncoded/Attachment[2]/ContentId", codes::DUPLICATE)]);
}

#[test]
fn business_needs_what_it_acts_on() {
    let xml = sample_xml_with(
        "<edXML:BussinessDocType>0</edXML:BussinessDocType>",
        "<edXML:BussinessDocType>3</edXML:BussinessDocType>",
    );
    let e = read_package(&xml).expect_err("replace without list");
    assert_eq!(codes_of(&e), vec![("TraceHeaderList/Bussiness/ReplacementInfoList/ReplacementInfo", codes::REQUIRED)]);
    let xml = sample_xml_with(
        "<edXML:BussinessDocType>0</edXML:BussinessDocType>",
        "<edXML:BussinessDocType>2</edXML:BussinessDocType>",
    );
    let e = read_package(&xml).expect_err("update without info");
    assert_eq!(codes_of(&e), vec![("TraceHeaderList/Bussiness/BussinessDocumentInfo", codes::REQUIRED)]);
    // With them it is fine, and their contents are checked.
    let xml = sample_xml_with(
        "<edXML:BussinessDocType>0</edXML:BussinessDocType>",
        "<edXML:BussinessDocType>3</edXML:BussinessDocType><edXML:ReplacementInfoList><edXML:ReplacementInfo><edXML:DocumentId>H41,2024/01/02,5/UBND</edXML:DocumentId><edXML:OrganIdList><edXML:OrganId>H41.1</edXML:OrganId><edXML:OrganId>bad</edXML:OrganId></edXML:OrganIdList></edXML:ReplacementInfo></edXML:ReplacementInfoList>",
    );
    let e = read_package(&xml).expect_err("bad organ id in list");
    assert_eq!(
        codes_of(&e),
        vec![(
            "TraceHeaderList/Bussiness/ReplacementInfoList/ReplacementInfo[1]/OrganIdList/OrganId[2]",
            codes::INVALID_AGENCY_CODE
        )]
    );
}

#[test]
fn all_problems_are_reported_at_once() {
    let xml = String::from_utf8(sample_xml_with(
        "<edXML:OrganId>000.00.04.G14</edXML:OrganId>",
        "<edXML:OrganId>H41</edXML:OrganId>",
    ))
    .expect("utf8")
    .replacen(
        "<edXML:Subject>V/v triển khai liên thông văn bản điện tử &lt;edXML&gt; &amp; \"ký số\"</edXML:Subject>",
        "",
        1,
    )
    .replacen("2024/03/05 08:30:00", "hôm nay", 1)
    .replacen("<edXML:Priority>1</edXML:Priority>", "<edXML:Priority>9</edXML:Priority>", 1);
    let e = read_package(xml.as_bytes()).expect_err("many problems");
    let got = codes_of(&e);
    for want in [
        ("MessageHeader/To[2]/OrganId", codes::DUPLICATE),
        ("MessageHeader/Subject", codes::REQUIRED),
        ("TraceHeaderList/TraceHeader[1]/Timestamp", codes::INVALID_TIMESTAMP),
        ("MessageHeader/OtherInfo/Priority", codes::UNKNOWN_PRIORITY),
    ] {
        assert!(got.contains(&want), "{want:?} not in {got:?}");
    }
    assert_eq!(got.len(), 4, "{got:?}");
    assert!(e.to_string().contains("(and 3 more)"), "{e}");
}

#[test]
fn status_problems() {
    let e = read_status(&status_xml_with(
        "<edXML:StatusCode>03</edXML:StatusCode>",
        "<edXML:StatusCode>07</edXML:StatusCode>",
    ))
    .expect_err("07");
    assert_eq!(codes_of(&e), vec![("Status/StatusCode", codes::UNKNOWN_STATUS_CODE)]);
    assert!(e.first().expect("p").message_vi.contains("01–06, 13, 15, 16"));
    let e = read_status(&status_xml_with("<edXML:StatusCode>03</edXML:StatusCode>", "")).expect_err("none");
    assert_eq!(codes_of(&e), vec![("Status/StatusCode", codes::REQUIRED)]);
    let e = read_status(&status_xml_with("H41.12,2024/03/05,12/STTTT-VP", "12/STTTT-VP")).expect_err("bad id");
    assert_eq!(codes_of(&e), vec![("Status/ResponseFor/DocumentId", codes::INVALID_DOCUMENT_ID)]);
    let e =
        read_status(&status_xml_with("<edXML:Timestamp>2024/03/05 09:00:01</edXML:Timestamp>", "")).expect_err("no ts");
    assert_eq!(codes_of(&e), vec![("Status/Timestamp", codes::REQUIRED)]);
    let e = read_status(&status_xml_with("</edXML:From>", "</edXML:From><edXML:To><edXML:OrganId>H41.12</edXML:OrganId></edXML:To><edXML:To><edXML:OrganId>H41.12</edXML:OrganId></edXML:To>")).expect_err("dup");
    assert_eq!(codes_of(&e), vec![("Status/To[2]/OrganId", codes::DUPLICATE)]);
}

#[test]
fn writer_refuses_invalid_packages() {
    let mut p = sample_package();
    p.header.subject = " ".into();
    p.header.to.push(p.header.to[0].clone());
    p.header.document_type = DocumentType { code: TypeCode::Number(2), name: "Công văn".into() };
    p.attachments[0].content_id = "cid:x".into();
    p.header.content = "a\u{0}b".into();
    let e = write_package(&p).expect_err("invalid");
    assert_eq!(
        codes_of(&e),
        vec![
            ("MessageHeader/To[3]/OrganId", codes::DUPLICATE),
            ("MessageHeader/DocumentType/Type", codes::INVALID_DOCUMENT_TYPE),
            ("MessageHeader/Subject", codes::REQUIRED),
            ("MessageHeader/Content", codes::INVALID_CHAR),
            ("AttachmentEncoded/Attachment[1]/ContentId", codes::INVALID_CONTENT_ID),
        ]
    );
    let mut p = sample_package();
    p.header.document_type = DocumentType { code: TypeCode::Group("QĐ".into()), name: "Loại khác".into() };
    assert_eq!(
        codes_of(&write_package(&p).expect_err("group that is a number")),
        vec![("MessageHeader/DocumentType/Type", codes::INVALID_DOCUMENT_TYPE)]
    );
    let mut s = common::sample_status();
    s.description = "\u{FFFF}".into();
    assert_eq!(codes_of(&write_status(&s).expect_err("bad char")), vec![("Status/Description", codes::INVALID_CHAR)]);
}

#[test]
fn limits_while_reading() {
    let xml = write_package(&common::sample_package_with(10_000)).expect("writes").bytes;
    let small = |l: Limits| ReadOptions { limits: l, ..ReadOptions::default() };

    let e = read_package_with(&xml, &small(Limits { max_package_bytes: 1000, ..Limits::default() })).expect_err("size");
    assert_eq!((e.kind(), codes_of(&e)), (ErrorKind::TooLarge, vec![("", codes::LIMIT_PACKAGE_BYTES)]));

    let e = read_package_with(&xml, &small(Limits { max_attachment_bytes: 9_999, ..Limits::default() }))
        .expect_err("attachment");
    assert_eq!(
        (e.kind(), codes_of(&e)),
        (
            ErrorKind::TooLarge,
            vec![("AttachmentEncoded/Attachment[1]/ContentTransferEncoded", codes::LIMIT_ATTACHMENT_BYTES)]
        )
    );
    assert!(read_package_with(&xml, &small(Limits { max_attachment_bytes: 10_000, ..Limits::default() })).is_ok());

    let mut p = sample_package();
    for i in 0..3 {
        let mut a = p.attachments[0].clone();
        a.content_id = format!("x{i}");
        p.attachments.push(a);
    }
    let xml = write_package(&p).expect("writes").bytes;
    let e = read_package_with(&xml, &small(Limits { max_attachments: 3, ..Limits::default() })).expect_err("count");
    assert_eq!(
        (e.kind(), codes_of(&e)),
        (ErrorKind::TooLarge, vec![("edXMLManifest/Reference[4]", codes::LIMIT_ATTACHMENTS)])
    );
    assert!(read_package_with(&xml, &small(Limits { max_attachments: 4, ..Limits::default() })).is_ok());

    let deep = format!("<edXML>{}{}</edXML>", "<x>".repeat(40), "</x>".repeat(40));
    let e = read_package(deep.as_bytes()).expect_err("depth");
    assert_eq!((e.kind(), e.first().map(|p| p.code)), (ErrorKind::TooLarge, Some(codes::LIMIT_DEPTH)));
}

#[test]
fn problems_are_capped() {
    let bad_to = "<edXML:To><edXML:OrganId>bad</edXML:OrganId></edXML:To>".repeat(5000);
    let xml = sample_xml_with("<edXML:Code>", &format!("{bad_to}<edXML:Code>"));
    let e = read_package(&xml).expect_err("many");
    assert_eq!(e.problems().len(), MAX_PROBLEMS);
    let mut p = sample_package();
    p.header.to = vec![p.header.to[0].clone(); 5000];
    assert_eq!(validate_package(&p).len(), MAX_PROBLEMS);
}
