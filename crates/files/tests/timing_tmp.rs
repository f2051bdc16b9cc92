use lopdf::content::{Content, Operation};
use lopdf::{dictionary, Document, Object, Stream, StringFormat};
use std::time::Instant;

fn realistic(pages: usize, font_bytes: usize, tounicode: bool) -> Vec<u8> {
    let mut doc = Document::with_version("1.5");
    let pages_id = doc.new_object_id();
    let mut x: u64 = 12345;
    let junk: Vec<u8> = (0..font_bytes)
        .map(|_| {
            x ^= x << 13;
            x ^= x >> 7;
            x ^= x << 17;
            x as u8
        })
        .collect();
    let ff = doc.add_object(Stream::new(dictionary! {}, junk));
    let mut font = dictionary! { "Type" => "Font", "Subtype" => "TrueType", "BaseFont" => "ABCDEF+TimesNewRoman", "Encoding" => "WinAnsiEncoding",
    "FontDescriptor" => dictionary!{ "Type" => "FontDescriptor", "FontFile2" => ff } };
    if tounicode {
        font.remove(b"Encoding");
        let mut cmap = String::from("/CIDInit /ProcSet findresource begin 12 dict begin begincmap /CMapName /X def 1 begincodespacerange <00> <FF> endcodespacerange 95 beginbfchar\n");
        for b in 0x20u8..0x7F {
            cmap.push_str(&format!("<{:02X}> <{:04X}>\n", b, b));
        }
        cmap.push_str("endbfchar endcmap CMapName currentdict /CMap defineresource pop end end");
        let tu = doc.add_object(Stream::new(dictionary! {}, cmap.into_bytes()));
        font.set("ToUnicode", tu);
    }
    let font_id = doc.add_object(font);
    let font2 = doc.add_object(dictionary! { "Type" => "Font", "Subtype" => "Type1", "BaseFont" => "Helvetica-Bold", "Encoding" => "WinAnsiEncoding" });
    let res = doc.add_object(dictionary! { "Font" => dictionary! { "F1" => font_id, "F2" => font2 } });
    let line = "Quyet dinh so 05/QD-UBND ve viec cap giay phep xay dung cho cong trinh nha o rieng le tai phuong";
    let mut kids = vec![];
    for p in 0..pages {
        let mut ops = vec![
            Operation::new("BT", vec![]),
            Operation::new("Tf", vec!["F2".into(), 14.into()]),
            Operation::new("Td", vec![72.into(), 780.into()]),
            Operation::new("Tj", vec![Object::string_literal(format!("TRANG {p}"))]),
            Operation::new("Tf", vec!["F1".into(), 11.into()]),
        ];
        for i in 0..50 {
            ops.push(Operation::new("Td", vec![0.into(), (-14).into()]));
            ops.push(Operation::new(
                "TJ",
                vec![Object::Array(vec![
                    Object::String(format!("{i} {line}").into_bytes(), StringFormat::Literal),
                    (-250).into(),
                    Object::string_literal("x"),
                ])],
            ));
        }
        ops.push(Operation::new("ET", vec![]));
        let c = doc.add_object(Stream::new(dictionary! {}, Content { operations: ops }.encode().unwrap()));
        let pid =
            doc.add_object(dictionary! { "Type" => "Page", "Parent" => pages_id, "Contents" => c, "Resources" => res });
        kids.push(pid.into());
    }
    doc.objects.insert(pages_id, Object::Dictionary(dictionary! { "Type" => "Pages", "Kids" => kids, "Count" => pages as i64, "MediaBox" => vec![0.into(), 0.into(), 595.into(), 842.into()] }));
    let cat = doc.add_object(dictionary! { "Type" => "Catalog", "Pages" => pages_id });
    doc.trailer.set("Root", cat);
    doc.compress();
    let mut out = vec![];
    doc.save_to(&mut out).unwrap();
    out
}

fn bench(label: &str, pdf: &[u8]) {
    let min = |f: &dyn Fn()| {
        let mut best = std::time::Duration::MAX;
        for _ in 0..200 {
            let t = Instant::now();
            f();
            best = best.min(t.elapsed());
        }
        best
    };
    let load = min(&|| {
        let _ = lopdf::Document::load_mem(pdf).unwrap();
    });
    let ins = min(&|| {
        let _ = egov_files::inspect("a.pdf", pdf, 1 << 30).unwrap();
    });
    let tl = egov_files::inspect("a.pdf", pdf, 1 << 30).unwrap().text.map(|t| t.chars().count()).unwrap_or(0);
    println!("{label}: size={}KB chars={tl} load={load:?} inspect={ins:?}", pdf.len() / 1024);
}

fn parts(pdf: &[u8]) {
    let n = 20u32;
    let doc = lopdf::Document::load_mem(pdf).unwrap();
    let ids: Vec<_> = doc.page_iter().collect();
    let t = Instant::now();
    let mut contents = vec![];
    for _ in 0..n {
        contents.clear();
        for &id in &ids {
            contents.push(doc.get_page_content(id).unwrap());
        }
    }
    println!("  inflate {:?}", t.elapsed() / n);
    let t = Instant::now();
    let mut decoded = vec![];
    for _ in 0..n {
        decoded.clear();
        for c in &contents {
            decoded.push(Content::decode(c).unwrap());
        }
    }
    println!("  decode {:?} ({} bytes/page)", t.elapsed() / n, contents[0].len());
    let fonts = doc.get_page_fonts(ids[0]).unwrap();
    let encs: Vec<_> = fonts.values().map(|f| f.get_font_encoding(&doc).unwrap()).collect();
    let t = Instant::now();
    for _ in 0..n {
        for c in &decoded {
            let mut s = String::new();
            for op in &c.operations {
                if op.operator == "TJ" {
                    for o in op.operands[0].as_array().unwrap() {
                        if let Ok(b) = o.as_str() {
                            encs[0].write_to_string(b, &mut s).unwrap();
                        }
                    }
                }
            }
        }
    }
    println!("  text {:?}", t.elapsed() / n);
}

#[test]
fn prof() {
    let line = "Quyet dinh so 05 ve viec cap giay phep xay dung cho cong trinh nha o rieng le. ".repeat(3);
    let a = egov_files::sample_pdf(&line, 400);
    let b = realistic(20, 60_000, true);
    let which = std::env::var("WHICH").unwrap_or_default();
    let pdf = if which == "a" { a } else { b };
    let t = Instant::now();
    while t.elapsed().as_secs() < 4 {
        let _ = egov_files::inspect("a.pdf", &pdf, 1 << 30).unwrap();
    }
}

#[test]
fn timing() {
    parts(&realistic(20, 60_000, true));
    bench("5p+80KB font", &realistic(5, 80_000, false));
    bench("5p+80KB font tounicode", &realistic(5, 80_000, true));
    bench("20p+60KB font tounicode", &realistic(20, 60_000, true));
    bench("60p tounicode", &realistic(60, 1000, true));
    let line = "Quyet dinh so 05 ve viec cap giay phep xay dung cho cong trinh nha o rieng le. ".repeat(3);
    bench("400 tiny pages", &egov_files::sample_pdf(&line, 400));
}
