//! `ReadOptions::lenient`: what strict reading refuses is accepted, each with a note.
#![allow(clippy::unwrap_used, clippy::expect_used)]

mod common;

use common::{sample_package, sample_xml_with, HEADER_STATUS};
use egov_edxml::*;

fn lenient() -> ReadOptions {
    ReadOptions { lenient: true, ..ReadOptions::default() }
}

fn has_note(notes: &[Note], path: &str, code: &str) -> bool {
    notes.iter().any(|n| n.path == path && n.code == code)
}

#[test]
fn leniency_is_off_by_default() {
    assert!(!ReadOptions::default().lenient);
}

#[test]
fn a_forwarded_document_keeps_its_id_with_a_note() {
    let xml = sample_xml_with(
        "<edXML:DocumentId>H41.12,2024/03/05,12/STTTT-VP</edXML:DocumentId>",
        "<edXML:DocumentId>H41,2024/03/01,5/UBND-VX</edXML:DocumentId>",
    );
    assert!(read_package(&xml).is_err());
    let r = read_package_with(&xml, &lenient()).expect("lenient");
    assert_eq!(r.package.header.document_id.to_string(), "H41,2024/03/01,5/UBND-VX");
    assert!(has_note(&r.notes, "MessageHeader/DocumentId", notes::DOCUMENT_ID_MISMATCH), "{:?}", r.notes);
}

#[test]
fn lower_case_codes_are_uppercased_with_a_note() {
    let xml = sample_xml_with("<edXML:OrganId>H41</edXML:OrganId>", "<edXML:OrganId> h41 </edXML:OrganId>");
    assert!(read_package(&xml).is_err());
    let r = read_package_with(&xml, &lenient()).expect("lenient");
    assert_eq!(r.package.header.to[0].organ_id.as_str(), "H41");
    let xml = sample_xml_with("<edXML:OrganId>H41</edXML:OrganId>", "<edXML:OrganId>000.00.00.h49</edXML:OrganId>");
    let r = read_package_with(&xml, &lenient()).expect("lenient legacy");
    assert_eq!(r.package.header.to[0].organ_id.as_str(), "000.00.00.H49");
    assert_eq!(r.package.header.to[0].organ_id.form(), CodeForm::Legacy);
    assert!(has_note(&r.notes, "MessageHeader/To[1]/OrganId", notes::LOWERCASE_CODE), "{:?}", r.notes);
    let r = read_status_with(HEADER_STATUS.replace("000.00.00.H41", "000.00.00.h41").as_bytes(), &lenient())
        .expect("status");
    assert_eq!(r.status.from.organ_id.as_str(), "000.00.00.H41");
}

#[test]
fn another_namespace_is_read_with_a_note() {
    let xml = String::from_utf8(sample_xml_with("x", "x")).expect("utf8").replace(EDXML_NS, "urn:other");
    let r = read_package_with(xml.as_bytes(), &lenient()).expect("lenient");
    assert_eq!(r.package, sample_package());
    assert!(has_note(&r.notes, "edXML", notes::NAMESPACE), "{:?}", r.notes);
    assert_eq!(r.notes.iter().find(|n| n.code == notes::NAMESPACE).map(|n| n.detail.as_str()), Some("urn:other"));
}
