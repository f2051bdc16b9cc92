//! Tests of [`inspect`](super::inspect) on PDFs, office files, images and text.

use std::collections::{BTreeMap, HashSet};
use std::sync::Arc;

use lopdf::encryption::crypt_filters::{Aes128CryptFilter, CryptFilter};
use lopdf::{dictionary, Document, EncryptionState, EncryptionVersion, Object, Permissions, SaveOptions, StringFormat};

use super::*;
use crate::sample::{sample_document, sample_pdf};

const LIMIT: u64 = 50 * 1024 * 1024;
const PNG: &[u8] = b"\x89PNG\r\n\x1a\n\0\0\0\rIHDR\0\0\0\x01\0\0\0\x01\x08\x02\0\0\0";

fn save(doc: &mut Document) -> Vec<u8> {
    let mut out = Vec::new();
    doc.save_to(&mut out).unwrap();
    out
}

fn problem(name: &str, bytes: &[u8]) -> FileProblem {
    inspect(name, bytes, LIMIT).unwrap_err()
}

/// A ZIP archive with uncompressed ("stored") entries, written by hand.
fn stored_zip(entries: &[(&str, &[u8])]) -> Vec<u8> {
    fn crc32(data: &[u8]) -> u32 {
        let mut crc = !0u32;
        for &b in data {
            crc ^= u32::from(b);
            for _ in 0..8 {
                crc = if crc & 1 == 1 { (crc >> 1) ^ 0xEDB8_8320 } else { crc >> 1 };
            }
        }
        !crc
    }
    let mut out = Vec::new();
    let mut central = Vec::new();
    for (name, data) in entries {
        let offset = out.len() as u32;
        let (crc, len, name_len) = (crc32(data), data.len() as u32, name.len() as u16);
        out.extend_from_slice(b"PK\x03\x04");
        out.extend_from_slice(&[20, 0, 0, 0, 0, 0, 0, 0, 0, 0]); // version, flags, method, time, date
        out.extend_from_slice(&crc.to_le_bytes());
        out.extend_from_slice(&len.to_le_bytes());
        out.extend_from_slice(&len.to_le_bytes());
        out.extend_from_slice(&name_len.to_le_bytes());
        out.extend_from_slice(&0u16.to_le_bytes());
        out.extend_from_slice(name.as_bytes());
        out.extend_from_slice(data);

        central.extend_from_slice(b"PK\x01\x02");
        central.extend_from_slice(&[20, 0, 20, 0, 0, 0, 0, 0, 0, 0, 0, 0]); // made by, needed, flags, method, time, date
        central.extend_from_slice(&crc.to_le_bytes());
        central.extend_from_slice(&len.to_le_bytes());
        central.extend_from_slice(&len.to_le_bytes());
        central.extend_from_slice(&name_len.to_le_bytes());
        central.extend_from_slice(&[0; 12]); // extra, comment, disk, internal attrs, external attrs (4)
        central.extend_from_slice(&offset.to_le_bytes());
        central.extend_from_slice(name.as_bytes());
    }
    let cd_offset = out.len() as u32;
    let count = entries.len() as u16;
    out.extend_from_slice(&central);
    out.extend_from_slice(b"PK\x05\x06\0\0\0\0");
    out.extend_from_slice(&count.to_le_bytes());
    out.extend_from_slice(&count.to_le_bytes());
    out.extend_from_slice(&(central.len() as u32).to_le_bytes());
    out.extend_from_slice(&cd_offset.to_le_bytes());
    out.extend_from_slice(&0u16.to_le_bytes());
    out
}

/// A sample PDF encrypted by lopdf (RC4, 128-bit key) with the given passwords.
fn encrypted_pdf(user_password: &str) -> Vec<u8> {
    let mut doc = sample_document("Quyet dinh so 05", 1);
    doc.trailer.set("ID", Object::Array(vec![Object::string_literal("0123456789abcdef"); 2]));
    let state = EncryptionState::try_from(EncryptionVersion::V2 {
        document: &doc,
        owner_password: "owner-secret",
        user_password,
        key_length: 128,
        permissions: Permissions::all(),
    })
    .unwrap();
    doc.encrypt(&state).unwrap();
    save(&mut doc)
}

#[test]
fn pdf_text_and_pages() {
    let pdf = sample_pdf("Quyet dinh so 05", 1);
    let got = inspect("Quyết định 05.pdf", &pdf, LIMIT).unwrap();
    assert_eq!(got.kind, FileKind::Pdf);
    assert_eq!(got.media_type, "application/pdf");
    assert_eq!(got.size, pdf.len() as u64);
    assert_eq!(got.sha256, sha256_hex(&pdf));
    assert_eq!(got.page_count, Some(1));
    let text = got.text.unwrap();
    assert!(text.contains("Quyet dinh"), "{text:?}");
    assert_eq!(inspect_pdf_text(&pdf).as_deref(), Some(text.as_str()));
}

/// A PDF whose text is shown with a two-byte (Identity-H) font mapped to Unicode by a `ToUnicode`
/// CMap, as office suites write Vietnamese text; `pages` pages share the font.
fn tounicode_pdf(text: &str, pages: usize) -> Vec<u8> {
    let mut chars: Vec<char> = Vec::new();
    for c in text.chars() {
        if !chars.contains(&c) {
            chars.push(c);
        }
    }
    let code = |c: char| chars.iter().position(|&x| x == c).unwrap() + 1;
    let mut cmap = String::from(
        "/CIDInit /ProcSet findresource begin\n12 dict begin\nbegincmap\n/CMapName /Adobe-Identity-UCS def\n\
         /CMapType 2 def\n1 begincodespacerange\n<0000> <FFFF>\nendcodespacerange\n",
    );
    cmap.push_str(&format!("{} beginbfchar\n", chars.len()));
    for &c in &chars {
        let dst: String = c.encode_utf16(&mut [0; 2]).iter().map(|u| format!("{u:04X}")).collect();
        cmap.push_str(&format!("<{:04X}> <{dst}>\n", code(c)));
    }
    cmap.push_str("endbfchar\nendcmap\nCMapName currentdict /CMap defineresource pop\nend\nend\n");

    let mut doc = Document::with_version("1.5");
    let pages_id = doc.new_object_id();
    let to_unicode = doc.add_object(lopdf::Stream::new(dictionary! {}, cmap.into_bytes()));
    let font = doc.add_object(dictionary! {
        "Type" => "Font",
        "Subtype" => "Type0",
        "BaseFont" => "ABCDEF+TimesNewRoman",
        "Encoding" => "Identity-H",
        "DescendantFonts" => vec![Object::Dictionary(dictionary! {
            "Type" => "Font",
            "Subtype" => "CIDFontType2",
            "BaseFont" => "ABCDEF+TimesNewRoman",
            "CIDSystemInfo" => dictionary! {
                "Registry" => Object::string_literal("Adobe"),
                "Ordering" => Object::string_literal("Identity"),
                "Supplement" => 0,
            },
        })],
        "ToUnicode" => to_unicode,
    });
    let resources = doc.add_object(dictionary! { "Font" => dictionary! { "F1" => font } });
    let shown: Vec<u8> = text.chars().flat_map(|c| (code(c) as u16).to_be_bytes()).collect();
    let mut kids = Vec::new();
    for _ in 0..pages {
        let mut content = b"BT /F1 12 Tf 72 720 Td <".to_vec();
        content.extend_from_slice(hex::encode_upper(&shown).as_bytes());
        content.extend_from_slice(b"> Tj ET");
        let content_id = doc.add_object(lopdf::Stream::new(dictionary! {}, content));
        let page = doc.add_object(dictionary! {
            "Type" => "Page",
            "Parent" => pages_id,
            "Contents" => content_id,
            "Resources" => resources,
            "MediaBox" => vec![0.into(), 0.into(), 595.into(), 842.into()],
        });
        kids.push(Object::Reference(page));
    }
    let count = kids.len() as i64;
    doc.objects
        .insert(pages_id, Object::Dictionary(dictionary! { "Type" => "Pages", "Kids" => kids, "Count" => count }));
    let catalog = doc.add_object(dictionary! { "Type" => "Catalog", "Pages" => pages_id });
    doc.trailer.set("Root", catalog);
    doc.compress();
    save(&mut doc)
}

#[test]
fn pdf_vietnamese_text_through_tounicode() {
    let line = "Quyết định số 05/QĐ-UBND về việc cấp giấy phép 📄";
    let pdf = tounicode_pdf(line, 3);
    let got = inspect("Quyết định.pdf", &pdf, LIMIT).unwrap();
    assert_eq!(got.page_count, Some(3));
    let text = got.text.unwrap();
    assert_eq!(text.matches(line).count(), 3, "{text:?}");
    // Same text as lopdf's own (slower) extractor.
    let doc = Document::load_mem(&pdf).unwrap();
    let theirs = doc.extract_text(&[1, 2, 3]).unwrap();
    let squash = |s: &str| s.split_whitespace().collect::<String>();
    assert_eq!(squash(&text), squash(&theirs));
}

#[test]
fn pdf_many_pages() {
    let pdf = sample_pdf("Trang", 40);
    let got = inspect("ho-so.PDF", &pdf, LIMIT).unwrap();
    assert_eq!(got.page_count, Some(40));
    assert_eq!(got.text.unwrap().matches("Trang").count(), 40);
}

#[test]
fn pdf_latin1_text_round_trips() {
    let pdf = sample_pdf("Café à Hà Nội", 1);
    let text = inspect_pdf_text(&pdf).unwrap();
    // Latin-1 letters survive; the Vietnamese "ộ" is outside the standard font's encoding.
    assert!(text.contains("Café à Hà N?i"), "{text:?}");
}

#[test]
fn pdf_with_object_streams_and_xref_stream() {
    let mut doc = sample_document("Quyet dinh so 05", 2);
    let mut pdf = Vec::new();
    let options = SaveOptions { use_object_streams: true, use_xref_streams: true, ..Default::default() };
    doc.save_with_options(&mut pdf, options).unwrap();
    assert!(contains(&pdf, b"/ObjStm"), "expected an object stream");
    assert!(contains(&pdf, b"/XRef"), "expected a cross-reference stream");
    let got = inspect("qd.pdf", &pdf, LIMIT).unwrap();
    assert_eq!(got.page_count, Some(2));
    assert_eq!(got.text.unwrap().matches("Quyet dinh").count(), 2);
}

#[test]
fn pdf_without_text_is_accepted() {
    // Like a scan: a page whose content draws nothing textual.
    let mut doc = sample_document("x", 1);
    let page = doc.page_iter().next().unwrap();
    let content = doc.get_page_contents(page)[0];
    doc.objects.insert(content, Object::Stream(lopdf::Stream::new(dictionary! {}, b"0 0 m 10 10 l S".to_vec())));
    let pdf = save(&mut doc);
    let got = inspect("scan.pdf", &pdf, LIMIT).unwrap();
    assert_eq!(got.page_count, Some(1));
    assert_eq!(got.text, None);
}

#[test]
fn pdf_text_is_capped() {
    let line = "Quyet dinh so 05 ".repeat(20);
    let pdf = sample_pdf(&line, MAX_TEXT_CHARS / line.len() + 40);
    let got = inspect("long.pdf", &pdf, LIMIT).unwrap();
    assert_eq!(got.text.unwrap().chars().count(), MAX_TEXT_CHARS);
}

#[test]
fn broken_pdfs() {
    let pdf = sample_pdf("Quyet dinh so 05", 1);
    for bytes in [
        &pdf[..pdf.len() / 2],
        &pdf[..pdf.len() - 40],
        b"%PDF-1.7\nthis is not a pdf at all".as_slice(),
        b"%PDF-1.7\nthis is not a pdf at all\n%%EOF\n".as_slice(),
        b"%PDF-".as_slice(),
    ] {
        let p = problem("qd.pdf", bytes);
        assert!(matches!(p, FileProblem::BrokenPdf { .. }), "{p:?}");
        assert_eq!(p.code(), "broken_pdf");
    }
    let p = problem("empty.pdf", &sample_pdf("x", 0));
    assert_eq!(p, FileProblem::BrokenPdf { reason: "the document has no pages".to_owned() });
}

#[test]
fn pdf_with_encrypt_dictionary_in_trailer() {
    let mut doc = sample_document("Quyet dinh so 05", 1);
    let encrypt = doc.add_object(dictionary! {
        "Filter" => "Standard",
        "V" => 1,
        "R" => 2,
        "O" => Object::String(vec![0x41; 32], StringFormat::Hexadecimal),
        "U" => Object::String(vec![0x42; 32], StringFormat::Hexadecimal),
        "P" => -4,
    });
    doc.trailer.set("Encrypt", encrypt);
    let pdf = save(&mut doc);
    let doc = Document::load_mem(&pdf).unwrap();
    assert!(doc.trailer.has(b"Encrypt"));
    assert_eq!(problem("qd.pdf", &pdf), FileProblem::EncryptedPdf);
    assert_eq!(inspect_pdf_text(&pdf), None);
}

#[test]
fn pdf_encrypted_with_a_user_password() {
    let pdf = encrypted_pdf("user-secret");
    // lopdf loads it without the password, keeping `/Encrypt` and no readable pages.
    let doc = Document::load_mem(&pdf).unwrap();
    assert!(doc.trailer.has(b"Encrypt"));
    assert_eq!(problem("qd.pdf", &pdf), FileProblem::EncryptedPdf);
}

#[test]
fn pdf_encrypted_with_an_empty_user_password() {
    let pdf = encrypted_pdf("");
    // The trap this guards against: lopdf opens such a file, decrypts it silently and drops `/Encrypt`.
    let doc = Document::load_mem(&pdf).unwrap();
    assert!(!doc.trailer.has(b"Encrypt"));
    assert!(doc.encryption_state.is_some());
    assert_eq!(problem("qd.pdf", &pdf), FileProblem::EncryptedPdf);
}

#[test]
fn damaged_encrypted_pdf_is_reported_as_encrypted() {
    let pdf = encrypted_pdf("user-secret");
    let cut = &pdf[..pdf.len() - 20];
    assert_eq!(problem("qd.pdf", cut), FileProblem::EncryptedPdf);
    let garbled = b"%PDF-1.7\n1 0 obj\n<< /Filter /Standard /V 2 >>\nendobj\ntrailer\n<< /Encrypt 1 0 R >>\n%%EOF\n";
    assert_eq!(problem("qd.pdf", garbled), FileProblem::EncryptedPdf);
}

#[test]
fn pdf_encrypted_with_aes() {
    let mut doc = sample_document("Quyet dinh so 05", 1);
    doc.trailer.set("ID", Object::Array(vec![Object::string_literal("0123456789abcdef"); 2]));
    let filter: Arc<dyn CryptFilter> = Arc::new(Aes128CryptFilter);
    let state = EncryptionState::try_from(EncryptionVersion::V4 {
        document: &doc,
        encrypt_metadata: true,
        crypt_filters: BTreeMap::from([(b"StdCF".to_vec(), filter)]),
        stream_filter: b"StdCF".to_vec(),
        string_filter: b"StdCF".to_vec(),
        owner_password: "owner",
        user_password: "user",
        permissions: Permissions::all(),
    })
    .unwrap();
    doc.encrypt(&state).unwrap();
    assert_eq!(problem("qd.pdf", &save(&mut doc)), FileProblem::EncryptedPdf);
}

#[test]
fn png_named_pdf_is_a_mismatch() {
    let p = problem("scan.pdf", PNG);
    assert_eq!(p, FileProblem::Mismatch { claimed: FileKind::Pdf });
    assert_eq!(p.code(), "content_mismatch");
    assert!(p.message_vi().contains("PDF"));
    // The same bytes named .png are fine.
    let got = inspect("scan.png", PNG, LIMIT).unwrap();
    assert_eq!((got.kind, got.page_count, got.text), (FileKind::Png, None, None));
    assert_eq!(problem("anh.jpg", PNG), FileProblem::Mismatch { claimed: FileKind::Jpeg });
}

#[test]
fn unknown_types() {
    assert_eq!(problem("setup.exe", b"MZ\x90\0"), FileProblem::UnknownType { extension: "exe".to_owned() });
    assert_eq!(problem("Virus.EXE", b"MZ"), FileProblem::UnknownType { extension: "exe".to_owned() });
    let none = problem("README", b"hello");
    assert_eq!(none, FileProblem::UnknownType { extension: String::new() });
    assert!(none.message_en().contains("no extension"));
    let exe = problem("setup.exe", b"MZ");
    assert!(exe.message_vi().contains(".exe") && exe.message_vi().contains(".pdf"), "{}", exe.message_vi());
}

#[test]
fn size_limits() {
    let p = inspect("a.txt", &[b'a'; 11], 10).unwrap_err();
    assert_eq!(p, FileProblem::TooLarge { limit: 10 });
    assert_eq!(p.code(), "too_large");
    assert!(inspect("a.txt", &[b'a'; 10], 10).is_ok());
    let big = FileProblem::TooLarge { limit: LIMIT };
    assert_eq!(big.message_vi(), "Tệp vượt quá giới hạn 50 MB.");
    assert_eq!(big.message_en(), "The file is larger than the 50 MB limit.");
    assert_eq!(big.to_string(), big.message_en());
    assert_eq!(problem("a.pdf", b""), FileProblem::Empty);
}

#[test]
fn human_sizes() {
    assert_eq!(human_size(50 * 1024 * 1024, false), "50 MB");
    assert_eq!(human_size(3 * 1024 * 1024 / 2, true), "1,5 MB");
    assert_eq!(human_size(3 * 1024 * 1024 / 2, false), "1.5 MB");
    assert_eq!(human_size(300 * 1024, false), "300 KB");
    assert_eq!(human_size(2 << 30, false), "2 GB");
    assert_eq!(human_size(512, false), "512 bytes");
    assert_eq!(human_size(512, true), "512 byte");
    assert_eq!(human_size(1, false), "1 byte");
}

#[test]
fn bad_names() {
    let long = format!("{}.pdf", "a".repeat(MAX_NAME_CHARS));
    for name in
        ["../x.pdf", "../../etc/passwd", "a/b.pdf", "/x.pdf", "a\\b.pdf", "", "   ", "x\n.pdf", "x\0.pdf", "..", &long]
    {
        assert_eq!(problem(name, b"hello"), FileProblem::BadName, "{name:?}");
    }
    // 255 characters, multi-byte letters included, is fine.
    let ok = format!("{}.txt", "đ".repeat(MAX_NAME_CHARS - 4));
    assert!(inspect(&ok, b"hello", LIMIT).is_ok());
    assert!(inspect("Tờ trình (bản cuối) v2.txt", b"hello", LIMIT).is_ok());
}

#[test]
fn office_documents() {
    let docx = stored_zip(&[
        ("[Content_Types].xml", b"<?xml version=\"1.0\"?><Types/>"),
        ("word/document.xml", b"<w:document/>"),
    ]);
    let got = inspect("To trinh.docx", &docx, LIMIT).unwrap();
    assert_eq!(got.kind, FileKind::Docx);
    assert_eq!(got.media_type, FileKind::Docx.media_type());
    assert_eq!((got.page_count, got.text), (None, None));
    assert_eq!(inspect("bang.xlsx", &docx, LIMIT).unwrap().kind, FileKind::Xlsx);

    let odt = stored_zip(&[("mimetype", b"application/vnd.oasis.opendocument.text"), ("content.xml", b"<x/>")]);
    assert_eq!(inspect("van-ban.odt", &odt, LIMIT).unwrap().kind, FileKind::Odt);
    assert_eq!(problem("van-ban.docx", &odt), FileProblem::Mismatch { claimed: FileKind::Docx });
    assert_eq!(problem("van-ban.odt", &docx), FileProblem::Mismatch { claimed: FileKind::Odt });

    let plain_zip = stored_zip(&[("a.txt", b"hello")]);
    assert_eq!(problem("a.docx", &plain_zip), FileProblem::Mismatch { claimed: FileKind::Docx });

    let ole = [0xD0, 0xCF, 0x11, 0xE0, 0xA1, 0xB1, 0x1A, 0xE1, 0, 0, 0, 0];
    assert_eq!(inspect("cu.doc", &ole, LIMIT).unwrap().kind, FileKind::Doc);
    assert_eq!(inspect("cu.XLS", &ole, LIMIT).unwrap().kind, FileKind::Xls);
    assert_eq!(problem("cu.doc", &docx), FileProblem::Mismatch { claimed: FileKind::Doc });
    assert_eq!(inspect("thu.rtf", b"{\\rtf1\\ansi Xin chao}", LIMIT).unwrap().kind, FileKind::Rtf);
    assert_eq!(problem("thu.rtf", b"Xin chao"), FileProblem::Mismatch { claimed: FileKind::Rtf });
}

#[test]
fn text_files() {
    let got = inspect("ghi-chu.txt", "\u{FEFF}Quyết định số 05".as_bytes(), LIMIT).unwrap();
    assert_eq!(got.kind, FileKind::Txt);
    assert_eq!(got.text.as_deref(), Some("Quyết định số 05"));
    assert_eq!(got.page_count, None);
    assert_eq!(problem("a.txt", b"a\0b"), FileProblem::Mismatch { claimed: FileKind::Txt });
    assert_eq!(problem("a.txt", &[0xC3, 0x28]), FileProblem::Mismatch { claimed: FileKind::Txt });
    assert_eq!(inspect("blank.txt", b" \n ", LIMIT).unwrap().text, None);
    let long = "ệ".repeat(MAX_TEXT_CHARS + 10);
    let got = inspect("long.txt", long.as_bytes(), LIMIT).unwrap();
    assert_eq!(got.text.unwrap().chars().count(), MAX_TEXT_CHARS);
}

#[test]
fn problem_codes_and_messages() {
    let all = [
        FileProblem::Empty,
        FileProblem::TooLarge { limit: 1024 },
        FileProblem::BadName,
        FileProblem::UnknownType { extension: "exe".to_owned() },
        FileProblem::Mismatch { claimed: FileKind::Pdf },
        FileProblem::EncryptedPdf,
        FileProblem::BrokenPdf { reason: "xref".to_owned() },
    ];
    let codes: HashSet<&str> = all.iter().map(FileProblem::code).collect();
    assert_eq!(codes.len(), all.len());
    for p in &all {
        assert!(p.code().bytes().all(|b| b.is_ascii_lowercase() || b == b'_'), "{}", p.code());
        for msg in [p.message_vi(), p.message_en()] {
            assert!(msg.ends_with('.'), "{msg}");
            assert!(!msg.contains("  "), "{msg:?}");
        }
        assert!(p.to_string().starts_with(&p.message_en()));
    }
    assert_eq!(
        FileProblem::EncryptedPdf.message_vi(),
        "Tệp PDF đang được đặt mật khẩu hoặc mã hóa nên không đọc được. Vui lòng gỡ mật khẩu rồi tải lên lại."
    );
}
