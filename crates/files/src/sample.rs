//! Small valid PDFs for tests (feature `test-support`).

use lopdf::content::{Content, Operation};
use lopdf::{dictionary, Document, Object, ObjectId, Stream, StringFormat};

/// Builds a valid PDF of `pages` A4 pages, each showing `text` in Helvetica, with compressed content
/// streams and a classic cross-reference table.
///
/// `pages == 0` gives a well-formed PDF without pages (which [`inspect`](fn@crate::inspect) refuses as broken).
/// Characters outside Latin-1 (such as Vietnamese letters with tone marks) are written as `?`: the
/// standard font cannot show them. Text extracted from the result is `text` followed by a newline, per page.
pub fn sample_pdf(text: &str, pages: usize) -> Vec<u8> {
    let mut doc = sample_document(text, pages);
    let mut out = Vec::new();
    doc.save_to(&mut out).expect("saving a sample PDF to memory");
    out
}

/// The document behind [`sample_pdf`], for tests that change it before saving.
pub(crate) fn sample_document(text: &str, pages: usize) -> Document {
    let mut doc = Document::with_version("1.5");
    let pages_id = doc.new_object_id();
    let font_id = doc.add_object(dictionary! {
        "Type" => "Font",
        "Subtype" => "Type1",
        "BaseFont" => "Helvetica",
        "Encoding" => "WinAnsiEncoding",
    });
    let resources_id = doc.add_object(dictionary! {
        "Font" => dictionary! { "F1" => font_id },
    });
    let encoded: Vec<u8> = text.chars().map(win_ansi_byte).collect();

    let mut kids: Vec<Object> = Vec::with_capacity(pages);
    for _ in 0..pages {
        let content = Content {
            operations: vec![
                Operation::new("BT", vec![]),
                Operation::new("Tf", vec!["F1".into(), 24.into()]),
                Operation::new("Td", vec![72.into(), 720.into()]),
                Operation::new("Tj", vec![Object::String(encoded.clone(), StringFormat::Literal)]),
                Operation::new("ET", vec![]),
            ],
        };
        let content_id =
            doc.add_object(Stream::new(dictionary! {}, content.encode().expect("encoding a sample content stream")));
        let page_id: ObjectId = doc.add_object(dictionary! {
            "Type" => "Page",
            "Parent" => pages_id,
            "Contents" => content_id,
        });
        kids.push(page_id.into());
    }
    let count = i64::try_from(kids.len()).unwrap_or(i64::MAX);
    doc.objects.insert(
        pages_id,
        Object::Dictionary(dictionary! {
            "Type" => "Pages",
            "Kids" => kids,
            "Count" => count,
            "Resources" => resources_id,
            "MediaBox" => vec![0.into(), 0.into(), 595.into(), 842.into()],
        }),
    );
    let catalog_id = doc.add_object(dictionary! {
        "Type" => "Catalog",
        "Pages" => pages_id,
    });
    doc.trailer.set("Root", catalog_id);
    doc.compress();
    doc
}

/// The WinAnsi byte for a Latin-1 character, `?` for anything else.
fn win_ansi_byte(c: char) -> u8 {
    match u8::try_from(u32::from(c)) {
        Ok(b) if !(0x80..0xA0).contains(&b) => b,
        _ => b'?',
    }
}

/// A sample PDF encrypted (RC4, 128-bit) with a user password, as a scanner's "protect" option makes.
pub fn encrypted_sample_pdf(user_password: &str) -> Vec<u8> {
    use lopdf::{EncryptionState, EncryptionVersion, Permissions};
    let mut doc = sample_document("Quyet dinh so 05", 1);
    doc.trailer.set("ID", Object::Array(vec![Object::string_literal("0123456789abcdef"); 2]));
    let state = EncryptionState::try_from(EncryptionVersion::V2 {
        document: &doc,
        owner_password: "owner-secret",
        user_password,
        key_length: 128,
        permissions: Permissions::all(),
    })
    .expect("encryption state");
    doc.encrypt(&state).expect("encrypting a sample PDF");
    let mut out = Vec::new();
    doc.save_to(&mut out).expect("saving a sample PDF to memory");
    out
}
