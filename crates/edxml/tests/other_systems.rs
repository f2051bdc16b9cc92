//! Packages as other implementations send them (issue 12, items 16–18): the status layout inside an
//! edXML envelope, what strict reading refuses (a DocumentId that disagrees with the header, lower-case
//! identifier codes, a foreign namespace), and text in decomposed Unicode.
#![allow(clippy::unwrap_used, clippy::expect_used)]

mod common;

use common::{codes_of, sample_xml_with, status_xml_with, HEADER_STATUS, HEADER_STATUS_DEFAULT_NS};
use egov_edxml::*;

#[test]
fn a_status_inside_the_edxml_header_reads() {
    let r = read_status(HEADER_STATUS.as_bytes()).expect("the layout many systems send reads");
    let s = &r.status;
    assert_eq!(s.response_for.code, "267/VPCP-ĐMDN", "ResponseFor/Code is one string");
    assert_eq!(s.response_for.organ_id.as_str(), "000.00.00.G22");
    assert_eq!(s.response_for.document_id.to_string(), "000.00.00.G22,2024/03/05,267/VPCP-ĐMDN");
    assert_eq!(s.response_for.promulgation_date, Date::new(2024, 3, 5));
    assert_eq!(s.from.organ_id.as_str(), "000.00.00.H41");
    assert_eq!(s.status_code, StatusCode::Arrived);
    assert_eq!(s.description, "Đã đến");
    assert_eq!(s.staff.staff, "Lê C");
    // The signed element is the Status, the signature the DigitalSignature after it.
    let bytes = HEADER_STATUS.as_bytes();
    assert!(bytes[r.signature.signed.clone()].starts_with(b"<edXML:Status>"));
    assert!(bytes[r.signature.signed.clone()].ends_with(b"</edXML:Status>"));
    let sig = r.signature.digital_signature.clone().expect("DigitalSignature");
    assert!(bytes[sig].starts_with(b"<edXML:DigitalSignature>"));
    assert!(r.signature.signature.is_some());
    // Both readers agree, a document reader says what it is, and it round-trips.
    assert!(matches!(read_message(bytes).expect("reads"), Message::Status(_)));
    let e = read_package(bytes).expect_err("not a document package");
    assert_eq!(codes_of(&e), vec![("", codes::XML_ROOT)]);
    assert_eq!(check_round_trip(bytes), Ok(true));
    let written = write_status(s).expect("writes");
    assert_eq!(&read_status(&written.bytes).expect("re-reads").status, s);
}

#[test]
fn the_same_layout_with_a_default_namespace_and_the_signature_after_the_header() {
    let r = read_status(HEADER_STATUS_DEFAULT_NS.as_bytes()).expect("reads");
    assert_eq!(r.status.status_code, StatusCode::Received);
    assert_eq!(r.status.from.organ_id.as_str(), "H41.12");
    assert_eq!(r.status.timestamp.to_string(), "2024/03/06 08:00:00");
    assert!(r.notes.iter().any(|n| n.code == notes::STATUS_CODE_FORM), "{:?}", r.notes);
    assert!(r.signature.digital_signature.is_some());
    assert_eq!(check_round_trip(HEADER_STATUS_DEFAULT_NS.as_bytes()), Ok(true));
}

#[test]
fn an_unknown_status_code_is_refused_for_the_code_in_every_layout() {
    let header =
        HEADER_STATUS.replace("<edXML:StatusCode>01</edXML:StatusCode>", "<edXML:StatusCode>07</edXML:StatusCode>");
    let soap = status_xml_with("<edXML:StatusCode>03</edXML:StatusCode>", "<edXML:StatusCode>07</edXML:StatusCode>");
    for xml in [header.into_bytes(), soap] {
        let e = read_message(&xml).expect_err("07 is no status code");
        assert_eq!(codes_of(&e), vec![("Status/StatusCode", codes::UNKNOWN_STATUS_CODE)], "{e}");
        assert!(!e.to_string().contains("MessageHeader"), "{e}");
    }
    // A missing part is named as such.
    let e = read_status(HEADER_STATUS.replace("<edXML:Timestamp>2024/03/05 10:11:12</edXML:Timestamp>", "").as_bytes())
        .expect_err("no timestamp");
    assert_eq!(codes_of(&e), vec![("Status/Timestamp", codes::REQUIRED)]);
}

#[test]
fn a_document_id_that_disagrees_with_the_header_is_refused() {
    for (what, to) in [
        ("another number", "H41.12,2024/03/05,13/STTTT-VP"),
        ("another notation", "H41.12,2024/03/05,12/STTTT-TC"),
        ("another date", "H41.12,2024/03/06,12/STTTT-VP"),
        ("another sender", "H41.13,2024/03/05,12/STTTT-VP"),
    ] {
        let xml = sample_xml_with(
            "<edXML:DocumentId>H41.12,2024/03/05,12/STTTT-VP</edXML:DocumentId>",
            &format!("<edXML:DocumentId>{to}</edXML:DocumentId>"),
        );
        let e = read_package(&xml).expect_err(what);
        assert_eq!(codes_of(&e), vec![("MessageHeader/DocumentId", codes::DOCUMENT_ID_MISMATCH)], "{what}: {e}");
        let p = &e.problems()[0];
        assert!(p.message_en.contains("H41.12,2024/03/05,12/STTTT-VP"), "names what was expected: {}", p.message_en);
        assert!(p.message_vi.contains("không khớp"), "{}", p.message_vi);
    }
}

#[test]
fn lower_case_identifier_codes_are_refused() {
    for (from, to, path) in [
        ("<edXML:OrganId>H41</edXML:OrganId>", "<edXML:OrganId>h41</edXML:OrganId>", "MessageHeader/To[1]/OrganId"),
        (
            "<edXML:OrganId>H41.12</edXML:OrganId>",
            "<edXML:OrganId>H41.12a</edXML:OrganId>",
            "MessageHeader/From/OrganId",
        ),
    ] {
        let e = read_package(&sample_xml_with(from, to)).expect_err(to);
        assert!(codes_of(&e).contains(&(path, codes::INVALID_AGENCY_CODE)), "{to}: {e}");
        assert!(e.problems()[0].message_en.contains("capital letters"), "{e}");
    }
    // In a DocumentId, and in a status.
    let xml = sample_xml_with(
        "<edXML:DocumentId>H41.12,2024/03/05,12/STTTT-VP</edXML:DocumentId>",
        "<edXML:DocumentId>h41.12,2024/03/05,12/STTTT-VP</edXML:DocumentId>",
    );
    let e = read_package(&xml).expect_err("lower-case DocumentId");
    assert_eq!(codes_of(&e), vec![("MessageHeader/DocumentId", codes::INVALID_AGENCY_CODE)]);
    let e = read_status(HEADER_STATUS.replace("000.00.00.H41", "000.00.00.h41").as_bytes()).expect_err("status");
    assert_eq!(codes_of(&e), vec![("Status/From/OrganId", codes::INVALID_AGENCY_CODE)]);
}

#[test]
fn a_root_outside_the_standard_namespace_is_refused() {
    let canonical = String::from_utf8(sample_xml_with("x", "x")).expect("utf8");
    for (what, xml) in [
        ("another URI", canonical.replace(EDXML_NS, "http://www.mic.gov.vn/TBT/QCVN_102_2016/")),
        ("another case", canonical.replace(EDXML_NS, "http://www.mic.gov.vn/tbt/QCVN_102_2016")),
        ("no namespace", canonical.replacen(&format!("<edXML xmlns=\"{EDXML_NS}\""), "<edXML", 1)),
    ] {
        assert_ne!(xml, canonical, "{what}");
        let e = read_package(xml.as_bytes()).expect_err(what);
        assert_eq!(codes_of(&e), vec![("edXML", codes::XML_NAMESPACE)], "{what}: {e}");
    }
    // Status packages: the Status element's namespace, declared on it or around it.
    let e = read_status(HEADER_STATUS.replace(EDXML_NS, "urn:other").as_bytes()).expect_err("header layout");
    assert_eq!(codes_of(&e), vec![("edXML", codes::XML_NAMESPACE)]);
    let soap = String::from_utf8(status_xml_with("x", "x")).expect("utf8");
    let e = read_status(soap.replace(EDXML_NS, "urn:other").as_bytes()).expect_err("SOAP layout");
    assert_eq!(codes_of(&e), vec![("Status", codes::XML_NAMESPACE)]);
    let bare = "<Status xmlns=\"urn:other\"/>";
    let e = read_status(bare.as_bytes()).expect_err("bare");
    assert_eq!(codes_of(&e), vec![("Status", codes::XML_NAMESPACE)]);
    // The declaration may sit on an outer element: the SOAP envelope declares edXML in the samples.
    assert!(read_status(common::REAL_WORLD_STATUS.as_bytes()).is_ok());
    assert!(read_status(&status_xml_with("x", "x")).is_ok());
}

#[test]
fn decomposed_text_is_read_in_nfc() {
    // "Quyết định" and "Nghệ An" decomposed (NFD), as some systems send them.
    let nfd_subject = "Quye\u{302}\u{301}t đi\u{323}nh ve\u{302}\u{300} vie\u{323}\u{302}c";
    let xml = sample_xml_with("V/v triển khai liên thông văn bản điện tử &lt;edXML&gt; &amp; \"ký số\"", nfd_subject);
    assert!(std::str::from_utf8(&xml).expect("utf8").contains(nfd_subject), "the test sends NFD");
    let r = read_package(&xml).expect("reads");
    assert_eq!(r.package.header.subject, "Quyết định về việc");
    let nfd_place = "Nghe\u{323}\u{302} An";
    let r = read_package(&sample_xml_with(
        "<edXML:Place>Nghệ An</edXML:Place>",
        &format!("<edXML:Place>{nfd_place}</edXML:Place>"),
    ))
    .expect("reads");
    assert_eq!(r.package.header.promulgation.place, "Nghệ An");
    // Status descriptions too.
    let r = read_status(HEADER_STATUS.replace("Đã đến", "Đa\u{303} đe\u{302}\u{301}n").as_bytes()).expect("reads");
    assert_eq!(r.status.description, "Đã đến");
    // A package built in code with decomposed text is written composed.
    let mut p = r.status.clone();
    p.description = "Đa\u{303} đe\u{302}\u{301}n".into();
    let written = String::from_utf8(write_status(&p).expect("writes").bytes).expect("utf8");
    assert!(written.contains("<edXML:Description>Đã đến</edXML:Description>"), "{written}");
}
