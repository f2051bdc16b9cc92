//! Each form real systems send that the reader accepts, and the note it leaves.
#![allow(clippy::unwrap_used, clippy::expect_used)]

mod common;

use common::{sample_package, sample_xml_with, status_xml_with, REAL_WORLD, REAL_WORLD_STATUS};
use egov_edxml::*;

fn note_codes(notes: &[Note]) -> Vec<(&str, &str)> {
    notes.iter().map(|n| (n.path.as_str(), n.code)).collect()
}

fn has_note(notes: &[Note], path: &str, code: &str) -> bool {
    notes.iter().any(|n| n.path == path && n.code == code)
}

#[test]
fn real_world_package_reads() {
    let r = read_package(REAL_WORLD.as_bytes()).expect("reads");
    let h = &r.package.header;
    assert_eq!(h.from.organ_id.as_str(), "000.00.12.H41", "legacy code kept, uppercased");
    assert_eq!(h.from.organ_id.form(), CodeForm::Legacy);
    assert_eq!(h.to[0].organ_id.to_current().expect("level 1").as_str(), "H41");
    assert_eq!(h.promulgation.date, Date::new(2024, 3, 5).expect("date"));
    assert_eq!(h.document_type.code, TypeCode::Number(2));
    assert_eq!(h.subject, "Về việc <thử nghiệm> & liên thông", "CDATA and entity joined");
    assert_eq!(h.due_date, None);
    assert_eq!(h.to_places, vec!["Như trên".to_owned()]);
    assert!(h.other_info.appendixes.is_empty());
    let b = r.package.trace.business.as_ref().expect("business");
    assert_eq!(b.doc_type, BusinessDocType::New);
    assert_eq!(b.reason, "Van ban dien tu moi");
    assert_eq!(r.package.trace.traces[0].timestamp.to_string(), "2024/03/05 08:30:00");
    assert_eq!(r.package.attachments[0].data, b"%PDF-1.4\n%\xe2\xe3\xcf\xd3\n");
    let n = &r.notes;
    assert!(has_note(n, "MessageHeader/PromulgationInfo/PromulgationDate", notes::DATE_FORM), "{:?}", note_codes(n));
    assert!(has_note(n, "TraceHeaderList/TraceHeader[1]/Timestamp", notes::DATE_FORM));
    assert!(has_note(n, "TraceHeaderList/Bussiness", notes::BUSINESS_SPELLING));
    assert!(has_note(n, "TraceHeaderList/Bussiness/BussinessDocType", notes::BUSINESS_SPELLING));
    assert!(has_note(n, "MessageHeader/DocumentType/Type", notes::TYPE_RESOLVED));
    assert!(has_note(n, "MessageHeader/OtherInfo/Direction", notes::UNKNOWN_ELEMENT));
    assert!(has_note(n, "MessageHeader/ToPlaces/Place[2]", notes::EMPTY_ITEM_DROPPED));
}

#[test]
fn both_identifier_code_forms() {
    for (sent, kept, form) in [
        ("H41.12", "H41.12", CodeForm::Current),
        ("000.00.12.H41", "000.00.12.H41", CodeForm::Legacy),
        (" 000.00.00.H49 ", "000.00.00.H49", CodeForm::Legacy),
    ] {
        let xml =
            sample_xml_with("<edXML:OrganId>H41</edXML:OrganId>", &format!("<edXML:OrganId>{sent}</edXML:OrganId>"));
        let r = read_package(&xml).unwrap_or_else(|e| panic!("{sent}: {e}"));
        assert_eq!(r.package.header.to[0].organ_id.as_str(), kept);
        assert_eq!(r.package.header.to[0].organ_id.form(), form);
    }
}

#[test]
fn timestamps_in_both_orders_and_forms() {
    for (sent, tolerated) in [
        ("2024/03/05 08:30:00", false),
        ("05/03/2024 08:30:00", true),
        ("2024-03-05T08:30:00", true),
        ("5/3/2024 8:30:00", true),
    ] {
        let xml = sample_xml_with("2024/03/05 08:30:00", sent);
        let r = read_package(&xml).unwrap_or_else(|e| panic!("{sent}: {e}"));
        assert_eq!(r.package.trace.traces[0].timestamp.to_string(), "2024/03/05 08:30:00", "{sent}");
        assert_eq!(has_note(&r.notes, "TraceHeaderList/TraceHeader[1]/Timestamp", notes::DATE_FORM), tolerated);
    }
    let xml = sample_xml_with("<edXML:DueDate>2024/03/15</edXML:DueDate>", "<edXML:DueDate>15-03-2024</edXML:DueDate>");
    let r = read_package(&xml).expect("reads");
    assert_eq!(r.package.header.due_date, Date::new(2024, 3, 15));
}

#[test]
fn business_and_bussiness_spellings() {
    let canonical = read_package(&sample_xml_with("x", "x")).expect("reads").package;
    let xml = String::from_utf8(sample_xml_with("<edXML:Bussiness>", "<edXML:Business>"))
        .expect("utf8")
        .replace("</edXML:Bussiness>", "</edXML:Business>")
        .replace("edXML:BussinessDocType", "edXML:BusinessDocType")
        .replace("edXML:BussinessDocReason", "edXML:BusinessDocReason");
    let r = read_package(xml.as_bytes()).expect("reads");
    assert_eq!(r.package, canonical);
    assert!(has_note(&r.notes, "TraceHeaderList/Bussiness", notes::BUSINESS_SPELLING));
    // And writing gives the standard spelling back.
    let out = String::from_utf8(write_package(&r.package).expect("writes").bytes).expect("utf8");
    assert!(out.contains("<edXML:Bussiness>") && !out.contains("Business>"));
}

#[test]
fn bussiness_directly_in_the_header_is_accepted() {
    let xml = String::from_utf8(sample_xml_with("x", "x")).expect("utf8");
    let start = xml.find("<edXML:Bussiness>").expect("start");
    let end = xml.find("</edXML:Bussiness>").expect("end") + "</edXML:Bussiness>".len();
    let business = xml[start..end].to_owned();
    let moved = format!("{}{}", &xml[..start], &xml[end..]).replacen(
        "<edXML:DigitalSignature>",
        &format!("{business}<edXML:DigitalSignature>"),
        1,
    );
    let r = read_package(moved.as_bytes()).expect("reads");
    assert_eq!(r.package, sample_package());
}

fn type_of(type_xml: &str) -> (DocumentType, Vec<Note>) {
    let xml =
        sample_xml_with("<edXML:Type>18</edXML:Type>\n          <edXML:TypeName>Công văn</edXML:TypeName>", type_xml);
    let r = read_package(&xml).unwrap_or_else(|e| panic!("{type_xml}: {e}"));
    (r.package.header.document_type, r.notes)
}

#[test]
fn document_type_as_number_or_group_code() {
    let (t, n) = type_of("<edXML:Type>18</edXML:Type><edXML:TypeName>Công văn</edXML:TypeName>");
    assert_eq!(t, DocumentType::number(18));
    assert!(!has_note(&n, "MessageHeader/DocumentType/Type", notes::TYPE_RESOLVED));

    // Leading zeros.
    let (t, _) = type_of("<edXML:Type>018</edXML:Type><edXML:TypeName>Công văn</edXML:TypeName>");
    assert_eq!(t.code, TypeCode::Number(18));

    // A Decree 30 abbreviation.
    let (t, n) = type_of("<edXML:Type>QĐ</edXML:Type><edXML:TypeName>Quyết định cá biệt</edXML:TypeName>");
    assert_eq!(t.code, TypeCode::Number(2));
    assert_eq!(t.name, "Quyết định cá biệt");
    assert!(has_note(&n, "MessageHeader/DocumentType/Type", notes::TYPE_RESOLVED));

    // A group in Type and the number in TypeDetail.
    let (t, n) = type_of(
        "<edXML:Type>VBHC</edXML:Type><edXML:TypeName>Tờ trình</edXML:TypeName><edXML:TypeDetail>16</edXML:TypeDetail>",
    );
    assert_eq!(t.code, TypeCode::Number(16));
    assert!(has_note(&n, "MessageHeader/DocumentType/Type", notes::TYPE_RESOLVED));

    // A group number in Type, decided by a known TypeName.
    let (t, _) = type_of("<edXML:Type>2</edXML:Type><edXML:TypeName>Công văn</edXML:TypeName>");
    assert_eq!(t.code, TypeCode::Number(18));

    // An unresolvable group code is kept as a group.
    let (t, _) = type_of("<edXML:Type>VBHC</edXML:Type><edXML:TypeName>Văn bản hành chính</edXML:TypeName>");
    assert_eq!(t.code, TypeCode::Group("VBHC".into()));

    // A known number without TypeName gets its name.
    let (t, n) = type_of("<edXML:Type>19</edXML:Type>");
    assert_eq!(t, DocumentType::number(19));
    assert!(has_note(&n, "MessageHeader/DocumentType/TypeName", notes::TYPE_NAME_FILLED));
}

#[test]
fn base64_with_line_breaks_and_without_padding() {
    let p = sample_package();
    let b64 = {
        use base64::Engine as _;
        base64::engine::general_purpose::STANDARD.encode(&p.attachments[0].data)
    };
    let wrapped: String =
        b64.as_bytes().chunks(76).map(|c| std::str::from_utf8(c).expect("ascii")).collect::<Vec<_>>().join("\r\n");
    let r = read_package(&sample_xml_with(&b64, &format!("\n{wrapped}\n"))).expect("wrapped reads");
    assert_eq!(r.package, p);

    let mut small = sample_package();
    small.attachments[0].data = b"ab".to_vec();
    let xml = String::from_utf8(write_package(&small).expect("writes").bytes).expect("utf8").replace("YWI=", "YWI");
    assert_eq!(read_package(xml.as_bytes()).expect("unpadded reads").package, small);
}

#[test]
fn content_ids_in_every_spelling() {
    let xml = String::from_utf8(sample_xml_with("xlink:href=\"cid:a1b2c3\"", "xlink:href=\"CID:&lt;a1b2c3&gt;\""))
        .expect("utf8")
        .replace("<ContentId>a1b2c3</ContentId>", "<ContentId>&lt;cid:a1b2c3&gt;</ContentId>");
    let r = read_package(xml.as_bytes()).expect("reads");
    assert_eq!(r.package, sample_package());

    // ContentId child instead of href.
    let xml = sample_xml_with(
        " xlink:href=\"cid:a1b2c3\" xlink:type=\"simple\">",
        "><edXML:ContentId>cid:a1b2c3</edXML:ContentId>",
    );
    assert_eq!(read_package(&xml).expect("reads").package, sample_package());
}

#[test]
fn manifest_and_attachment_complete_each_other() {
    // Attachment without name and type: taken from the manifest reference.
    let xml = String::from_utf8(sample_xml_with("<AttachmentName>12-STTTT-VP.pdf</AttachmentName>", ""))
        .expect("utf8")
        .replacen("<ContentType>application/pdf</ContentType>", "", 1);
    let r = read_package(xml.as_bytes()).expect("reads");
    assert_eq!(r.package, sample_package());

    // Disagreeing details: the attachment's are kept, with a note.
    let xml = sample_xml_with(
        "<edXML:Description>Văn bản chính</edXML:Description>",
        "<edXML:Description>Khác</edXML:Description>",
    );
    let r = read_package(&xml).expect("reads");
    assert_eq!(r.package, sample_package());
    assert!(has_note(&r.notes, "AttachmentEncoded/Attachment[1]/Description", notes::REFERENCE_MISMATCH));

    // An attachment without a manifest reference is kept; a missing ContentType is filled.
    let xml = String::from_utf8(sample_xml_with(
        "<edXML:edXMLManifest version=\"1.0\">",
        "<edXML:edXMLManifest version=\"1.0\"><!--",
    ))
    .expect("utf8")
    .replacen("</edXML:edXMLManifest>", "--></edXML:edXMLManifest>", 1)
    .replacen("<ContentType>application/pdf</ContentType>", "", 1);
    let r = read_package(xml.as_bytes()).expect("reads");
    assert_eq!(r.package.attachments[0].content_type, "application/octet-stream");
    assert!(has_note(&r.notes, "AttachmentEncoded/Attachment[1]", notes::ATTACHMENT_UNREFERENCED));
    assert!(has_note(&r.notes, "AttachmentEncoded/Attachment[1]/ContentType", notes::CONTENT_TYPE_FILLED));
}

#[test]
fn any_prefix_any_order_unknown_elements_skipped() {
    let xml = String::from_utf8(sample_xml_with("x", "x"))
        .expect("utf8")
        .replace("edXML:", "ns0:")
        .replace("xmlns:edXML=", "xmlns:ns0=");
    let r = read_package(xml.as_bytes()).expect("other prefix reads");
    assert_eq!(r.package, sample_package());

    // Subject before From, an unknown element with children, a comment and a PI.
    let xml = String::from_utf8(sample_xml_with("x", "x")).expect("utf8");
    let subj_start = xml.find("<edXML:Subject>").expect("s");
    let subj_end = xml.find("</edXML:Subject>").expect("e") + "</edXML:Subject>".len();
    let subject = xml[subj_start..subj_end].to_owned();
    let moved = format!("{}{}", &xml[..subj_start], &xml[subj_end..]).replacen(
        "<edXML:From>",
        &format!("{subject}<!-- c --><?pi x?><edXML:Extra a=\"1\"><edXML:X>y</edXML:X></edXML:Extra><edXML:From>"),
        1,
    );
    let r = read_package(moved.as_bytes()).expect("reordered reads");
    assert_eq!(r.package, sample_package());
    assert!(has_note(&r.notes, "MessageHeader/Extra", notes::UNKNOWN_ELEMENT));
}

#[test]
fn bom_crlf_and_empty_defaults() {
    let mut xml = b"\xEF\xBB\xBF".to_vec();
    xml.extend(String::from_utf8(sample_xml_with("x", "x")).expect("utf8").replace('\n', "\r\n").into_bytes());
    let r = read_package(&xml).expect("BOM + CRLF reads");
    assert_eq!(r.package, sample_package());
    assert!(xml[r.signature.signed.clone()].starts_with(b"<edXML:edXMLEnvelope"), "spans count the BOM");

    let xml = sample_xml_with("<edXML:Priority>1</edXML:Priority>", "<edXML:Priority/>");
    let r = read_package(&xml).expect("empty priority reads");
    assert_eq!(r.package.header.other_info.priority, Priority::Normal);
    assert!(has_note(&r.notes, "MessageHeader/OtherInfo/Priority", notes::DEFAULTED));

    // Subject text with an internal CRLF and a character reference for CR.
    let xml = sample_xml_with(
        "<edXML:Content>Nội dung tóm tắt</edXML:Content>",
        "<edXML:Content>a\r\nb&#13;c&#x1F642;</edXML:Content>",
    );
    assert_eq!(read_package(&xml).expect("reads").package.header.content, "a\nb\rc🙂");
}

#[test]
fn status_in_every_form() {
    let r = read_status(REAL_WORLD_STATUS.as_bytes()).expect("SOAP status reads");
    assert_eq!(r.status.status_code, StatusCode::Received);
    assert_eq!(r.status.timestamp.to_string(), "2024/03/06 10:11:12");
    assert!(has_note(&r.notes, "Status/StatusCode", notes::STATUS_CODE_FORM));
    assert!(has_note(&r.notes, "Status/Timestamp", notes::DATE_FORM));
    assert!(REAL_WORLD_STATUS.as_bytes()[r.signature.signed.clone()].starts_with(b"<edXML:Status"));

    // A bare edXML:Status root.
    let soap = String::from_utf8(status_xml_with("x", "x")).expect("utf8");
    let start = soap.find("<edXML:Status>").expect("s");
    let end = soap.find("</edXML:Status>").expect("e") + "</edXML:Status>".len();
    let bare = soap[start..end].replacen(
        "<edXML:Status>",
        "<edXML:Status xmlns:edXML=\"http://www.mic.gov.vn/TBT/QCVN_102_2016\">",
        1,
    );
    let r = read_status(bare.as_bytes()).expect("bare status reads");
    assert_eq!(r.status, common::sample_status());

    // Every status code, with one or two digits.
    for code in StatusCode::ALL {
        for text in [format!("{:02}", code.code()), code.code().to_string()] {
            let xml = status_xml_with(
                "<edXML:StatusCode>03</edXML:StatusCode>",
                &format!("<edXML:StatusCode>{text}</edXML:StatusCode>"),
            );
            assert_eq!(read_status(&xml).expect("reads").status.status_code, code);
        }
    }

    // read_message tells the kinds apart; the specific readers refuse the other kind.
    assert!(matches!(read_message(REAL_WORLD_STATUS.as_bytes()), Ok(Message::Status(_))));
    assert!(matches!(read_message(REAL_WORLD.as_bytes()), Ok(Message::Package(_))));
    assert_eq!(
        read_package(REAL_WORLD_STATUS.as_bytes()).expect_err("kind").first().map(|p| p.code),
        Some(codes::XML_ROOT)
    );
    assert_eq!(read_status(REAL_WORLD.as_bytes()).expect_err("kind").first().map(|p| p.code), Some(codes::XML_ROOT));
}

#[test]
fn signature_spans_of_a_signed_package() {
    let input = REAL_WORLD.as_bytes();
    let r = read_package(input).expect("reads");
    let s = &r.signature;
    let sig = SignatureSpans::slice(input, s.signature.as_ref().expect("signature"));
    assert!(sig.starts_with(b"<Signature xmlns=\"http://www.w3.org/2000/09/xmldsig#\">"));
    assert!(sig.ends_with(b"</Signature>"));
    let ds = SignatureSpans::slice(input, s.digital_signature.as_ref().expect("ds"));
    assert!(ds.starts_with(b"<edXML:DigitalSignature>") && ds.ends_with(b"</edXML:DigitalSignature>"));
    let env = SignatureSpans::slice(input, &s.signed);
    assert!(env.starts_with(b"<edXML:edXMLEnvelope") && env.ends_with(b"</edXML:edXMLEnvelope>"));

    // A bare ds:Signature in the header works too.
    let xml = sample_xml_with(
        "<edXML:DigitalSignature></edXML:DigitalSignature>",
        "<ds:Signature xmlns:ds=\"http://www.w3.org/2000/09/xmldsig#\"><ds:SignedInfo/></ds:Signature>",
    );
    let r = read_package(&xml).expect("reads");
    let span = r.signature.signature.expect("span");
    assert!(xml[span].starts_with(b"<ds:Signature"));

    // An unsigned canonical package: a DigitalSignature element without a signature.
    let w = write_package(&sample_package()).expect("writes");
    let r = read_package(&w.bytes).expect("reads");
    assert!(r.signature.digital_signature.is_some());
    assert_eq!(r.signature.signature, None);
    assert_eq!(&w.bytes[w.signature_slot - 24..w.signature_slot], b"<edXML:DigitalSignature>");
}

#[cfg(feature = "zip")]
mod zipped {
    use super::*;
    use std::io::Write as _;

    fn zip_of(entries: &[(&str, &[u8])], method: zip::CompressionMethod) -> Vec<u8> {
        let mut w = zip::ZipWriter::new(std::io::Cursor::new(Vec::new()));
        let opts = zip::write::SimpleFileOptions::default().compression_method(method);
        for (name, data) in entries {
            w.start_file(*name, opts).expect("start");
            w.write_all(data).expect("write");
        }
        w.finish().expect("finish").into_inner()
    }

    fn package_with(data: Vec<u8>, name: &str) -> Vec<u8> {
        let mut p = sample_package();
        p.attachments[0].data = data;
        p.attachments[0].name = name.into();
        write_package(&p).expect("writes").bytes
    }

    #[test]
    fn one_file_zip_is_unwrapped() {
        let inner = b"%PDF-1.7 the real file".repeat(50);
        for method in [zip::CompressionMethod::Stored, zip::CompressionMethod::Deflated] {
            let xml = package_with(zip_of(&[("vanban.pdf", &inner)], method), "vanban.pdf");
            let r = read_package(&xml).expect("reads");
            assert_eq!(r.package.attachments[0].data, inner, "{method:?}");
            assert!(r.notes.iter().any(|n| n.code == notes::ZIPPED_ATTACHMENT && n.detail == "vanban.pdf"));
            // Canonical output carries the plain file.
            assert_eq!(check_round_trip(&xml), Ok(true));
        }
    }

    #[test]
    fn archives_that_are_files_are_kept() {
        let docx = zip_of(
            &[("[Content_Types].xml", b"<x/>"), ("word/document.xml", b"<w/>")],
            zip::CompressionMethod::Deflated,
        );
        let r = read_package(&package_with(docx.clone(), "baocao.docx")).expect("reads");
        assert_eq!(r.package.attachments[0].data, docx);
        let one = zip_of(&[("a.txt", b"hello")], zip::CompressionMethod::Deflated);
        let r = read_package(&package_with(one.clone(), "hoso.zip")).expect("reads");
        assert_eq!(r.package.attachments[0].data, one, "a .zip attachment is a file");
        let opts = ReadOptions { unzip_attachments: false, ..ReadOptions::default() };
        let r = read_package_with(&package_with(one.clone(), "a.txt"), &opts).expect("reads");
        assert_eq!(r.package.attachments[0].data, one, "unzipping can be turned off");
    }

    #[test]
    fn zip_bomb_is_stopped_by_the_attachment_limit() {
        let zeros = vec![0u8; 2 << 20];
        let bomb = zip_of(&[("a.pdf", &zeros)], zip::CompressionMethod::Deflated);
        assert!(bomb.len() < 20_000);
        let opts = ReadOptions {
            limits: Limits { max_attachment_bytes: 1 << 20, ..Limits::default() },
            ..ReadOptions::default()
        };
        let e = read_package_with(&package_with(bomb, "a.pdf"), &opts).expect_err("bomb");
        assert_eq!(e.kind(), ErrorKind::TooLarge);
        assert!(e.has_code(codes::LIMIT_ATTACHMENT_BYTES));
    }

    #[test]
    fn damaged_archive_is_a_clear_error() {
        let inner = b"%PDF-1.7 some content that compresses".repeat(20);
        let mut z = zip_of(&[("a.pdf", &inner)], zip::CompressionMethod::Stored);
        // Damage the stored data: the CRC no longer matches.
        let data_at = 30 + "a.pdf".len() + 10;
        z[data_at] ^= 0xFF;
        let e = read_package(&package_with(z, "a.pdf")).expect_err("damaged");
        assert_eq!(e.kind(), ErrorKind::Invalid, "{e}");
        assert!(e.has_code(codes::ZIP_INVALID), "{e}");
    }

    #[test]
    fn unsupported_method_is_a_clear_error() {
        let mut z = zip_of(&[("a.pdf", b"data data data")], zip::CompressionMethod::Stored);
        // Mark the entry as bzip2 (method 12) in the local header and the central directory.
        z[8] = 12;
        let cd = z.windows(4).position(|w| w == b"PK\x01\x02").expect("central directory");
        z[cd + 10] = 12;
        let e = read_package(&package_with(z, "a.pdf")).expect_err("unsupported");
        assert_eq!(e.kind(), ErrorKind::Unsupported, "{e}");
        assert!(e.has_code(codes::ZIP_UNSUPPORTED));
        assert!(e.first().expect("problem").message_vi.contains("giải nén"));
    }
}

#[test]
fn attachments_inside_the_envelope_are_accepted() {
    let xml = String::from_utf8(sample_xml_with("x", "x")).expect("utf8");
    let start = xml.find("<AttachmentEncoded>").expect("s");
    let end = xml.find("</AttachmentEncoded>").expect("e") + "</AttachmentEncoded>".len();
    let block = xml[start..end].to_owned();
    let moved = format!("{}{}", &xml[..start], &xml[end..]).replacen(
        "</edXML:edXMLManifest>",
        &format!("</edXML:edXMLManifest>{block}"),
        1,
    );
    let r = read_package(moved.as_bytes()).expect("reads");
    assert_eq!(r.package, sample_package());
    assert!(has_note(&r.notes, "edXMLBody/AttachmentEncoded", notes::ATTACHMENTS_IN_ENVELOPE));
}

#[test]
fn notes_are_capped() {
    let xml = sample_xml_with("<edXML:Subject>", &format!("{}<edXML:Subject>", "<edXML:Unknown/>".repeat(5000)));
    let r = read_package(&xml).expect("reads");
    assert_eq!(r.notes.len(), 101);
    assert_eq!(r.notes.last().map(|n| n.code), Some(notes::MORE_NOTES));
}
