//! Malformed and hostile input: always an error or a package, never a panic, and refusals are precise.
#![allow(clippy::unwrap_used, clippy::expect_used)]

mod common;

use common::mutate::{mutate, Rng};
use egov_edxml::*;

fn must_fail(input: &[u8], kind: ErrorKind, code: &str) -> EdxmlError {
    let e = read_message(input).expect_err("must be refused");
    assert_eq!(e.kind(), kind, "{e}");
    assert!(e.has_code(code), "want {code}: {e}");
    e
}

#[test]
fn doctype_and_entity_bombs_are_refused() {
    let bomb = r#"<?xml version="1.0"?>
<!DOCTYPE edXML [
  <!ENTITY a "aaaaaaaaaa">
  <!ENTITY b "&a;&a;&a;&a;&a;&a;&a;&a;&a;&a;">
  <!ENTITY c "&b;&b;&b;&b;&b;&b;&b;&b;&b;&b;">
  <!ENTITY d "&c;&c;&c;&c;&c;&c;&c;&c;&c;&c;">
]>
<edXML><edXMLEnvelope><edXMLHeader><MessageHeader><Subject>&d;</Subject></MessageHeader></edXMLHeader></edXMLEnvelope></edXML>"#;
    let e = must_fail(bomb.as_bytes(), ErrorKind::Refused, codes::XML_DOCTYPE);
    assert!(e.first().expect("p").message_vi.contains("DOCTYPE"));
    let xxe = r#"<!DOCTYPE edXML [<!ENTITY x SYSTEM "file:///etc/passwd">]><edXML>&x;</edXML>"#;
    must_fail(xxe.as_bytes(), ErrorKind::Refused, codes::XML_DOCTYPE);
    let external = r#"<!DOCTYPE edXML SYSTEM "http://example.invalid/edxml.dtd"><edXML/>"#;
    must_fail(external.as_bytes(), ErrorKind::Refused, codes::XML_DOCTYPE);
    // An undeclared entity anywhere: in text, between elements, in an attribute.
    let xml = common::sample_xml_with("Nội dung tóm tắt", "&d;");
    must_fail(&xml, ErrorKind::Refused, codes::XML_ENTITY);
    let xml = common::sample_xml_with("<edXML:MessageHeader>", "<edXML:MessageHeader>&d;");
    must_fail(&xml, ErrorKind::Refused, codes::XML_ENTITY);
    let xml = common::sample_xml_with("xlink:href=\"cid:a1b2c3\"", "xlink:href=\"cid:&d;\"");
    must_fail(&xml, ErrorKind::Refused, codes::XML_ENTITY);
}

#[test]
fn malformed_xml_is_reported_with_an_offset() {
    let cases: &[&[u8]] = &[
        b"",
        b"   ",
        b"<?xml version=\"1.0\"?>",
        b"<edXML>",
        b"<edXML><edXMLEnvelope></edXML></edXMLEnvelope>",
        b"<edXML></edXML><edXML></edXML>",
        b"<edXML></edXML>trailing",
        b"text before<edXML/>",
        b"<edXML><edXMLEnvelope><edXMLHeader><MessageHeader><Subject>a<</Subject>",
        b"<edXML attr=\"unterminated></edXML>",
        b"<edXML a='1' a='2'/>",
        b"<edXML>&#0;</edXML>",
        b"<edXML>&#xD800;</edXML>",
        b"<edXML>& </edXML>",
        b"<edXML><!-- unterminated </edXML>",
        b"<edXML><![CDATA[ unterminated </edXML>",
        b"</edXML>",
    ];
    for case in cases {
        let e = read_message(case).expect_err(&String::from_utf8_lossy(case));
        assert!(matches!(e.kind(), ErrorKind::Malformed | ErrorKind::Invalid), "{e}");
    }
    let e = read_message(b"<edXML><edXMLEnvelope></edXML>").expect_err("nesting");
    assert_eq!(e.kind(), ErrorKind::Malformed);
    assert!(e.offset().is_some());
    // Not UTF-8, UTF-16, another declared encoding.
    must_fail(b"<edXML>\xC3\x28</edXML>", ErrorKind::Malformed, codes::XML_ENCODING);
    must_fail(b"\xFF\xFE<\0e\0", ErrorKind::Malformed, codes::XML_ENCODING);
    must_fail(b"<?xml version=\"1.0\" encoding=\"windows-1258\"?><edXML/>", ErrorKind::Malformed, codes::XML_ENCODING);
    // Another root.
    must_fail(b"<html/>", ErrorKind::Invalid, codes::XML_ROOT);
    must_fail(b"<Envelope><Header/><Body/></Envelope>", ErrorKind::Invalid, codes::XML_ROOT);
}

#[test]
fn every_truncation_is_an_error_never_a_panic() {
    let full = write_package(&common::sample_package_with(600)).expect("writes").bytes;
    // Everything up to the root's final `>` is needed; only the trailing newline may go.
    let end = full.iter().rposition(|b| *b == b'>').expect("end") + 1;
    assert!(read_message(&full[..end]).is_ok());
    for n in 0..end {
        let r = read_message(&full[..n]);
        assert!(r.is_err(), "a truncation at {n} must not read as a package");
    }
    let status = write_status(&common::sample_status()).expect("writes").bytes;
    let end = status.iter().rposition(|b| *b == b'>').expect("end") + 1;
    for n in 0..end {
        assert!(read_message(&status[..n]).is_err(), "status truncated at {n}");
    }
}

#[test]
fn huge_and_deep_inputs_stay_bounded() {
    // A 16 MB attribute.
    let mut huge = b"<edXML a=\"".to_vec();
    huge.extend(std::iter::repeat_n(b'x', 16 << 20));
    huge.extend_from_slice(b"\"><edXMLEnvelope/></edXML>");
    let e = read_message(&huge).expect_err("no header");
    assert_eq!(e.kind(), ErrorKind::Invalid);
    // The same inside a Reference whose href is read.
    let big_href = format!("xlink:href=\"cid:{}\"", "y".repeat(1 << 20));
    let xml = common::sample_xml_with("xlink:href=\"cid:a1b2c3\"", &big_href);
    assert!(read_message(&xml).is_err());
    // 100 000 nested elements: stopped at the depth limit, no stack overflow.
    let deep = format!("<edXML>{}", "<a>".repeat(100_000));
    must_fail(deep.as_bytes(), ErrorKind::TooLarge, codes::LIMIT_DEPTH);
    let deep = format!("<edXML><edXMLEnvelope><X>{}", "<a>".repeat(100_000));
    must_fail(deep.as_bytes(), ErrorKind::TooLarge, codes::LIMIT_DEPTH);
    // 200 000 sibling unknown elements: read in linear time.
    let wide = format!("<edXML>{}</edXML>", "<u/>".repeat(200_000));
    let started = std::time::Instant::now();
    assert!(read_message(wide.as_bytes()).is_err());
    assert!(started.elapsed().as_secs() < 20);
}

#[test]
fn mutated_packages_never_panic_and_round_trip_when_accepted() {
    let seeds: Vec<Vec<u8>> = vec![
        write_package(&common::sample_package_with(100)).expect("writes").bytes,
        common::REAL_WORLD.as_bytes().to_vec(),
        common::REAL_WORLD_STATUS.as_bytes().to_vec(),
        write_status(&common::sample_status()).expect("writes").bytes,
    ];
    let mut rng = Rng::new(0x00ED_0102_2016);
    let mut accepted = 0;
    let runs = 3000;
    for i in 0..runs {
        let seed = &seeds[i % seeds.len()];
        let other = &seeds[rng.below(seeds.len())];
        let input = mutate(&mut rng, seed, other);
        match check_round_trip(&input) {
            Ok(true) => accepted += 1,
            Ok(false) => {}
            Err(msg) => panic!("round trip broke on input {i}: {msg}\n{}", String::from_utf8_lossy(&input)),
        }
    }
    assert!(accepted > 0, "some mutants should still be packages");
    assert!(accepted < runs, "most mutants should be refused");
}
