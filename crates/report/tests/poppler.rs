//! Reports read back by an independent reader: poppler's `pdftotext` must recover the Vietnamese
//! text exactly and `pdffonts` must see both fonts embedded as subsets. The tools come with
//! poppler-utils; when `EGOV_REQUIRE_PDFSIG` is set (CI) their absence fails the test.

use std::io::Write;
use std::process::{Command, Stdio};

use egov_report::{render, Column, Report};

/// Runs a poppler tool on `pdf` (through a file); None when the tool is missing outside CI.
fn poppler(tool: &str, args: &[&str], pdf: &[u8], after: &[&str]) -> Option<String> {
    let dir = std::env::temp_dir().join(format!("egov-report-{}-{tool}", std::process::id()));
    std::fs::create_dir_all(&dir).expect("temp dir");
    let path = dir.join("report.pdf");
    std::fs::File::create(&path).and_then(|mut f| f.write_all(pdf)).expect("write pdf");
    let out = Command::new(tool).args(args).arg(&path).args(after).stderr(Stdio::inherit()).output();
    let _ = std::fs::remove_dir_all(&dir);
    match out {
        Ok(o) => {
            assert!(o.status.success(), "{tool} failed");
            Some(String::from_utf8(o.stdout).expect("utf-8"))
        }
        Err(_) if std::env::var_os("EGOV_REQUIRE_PDFSIG").is_some() => {
            panic!("{tool} (poppler-utils) is required but missing")
        }
        Err(_) => {
            eprintln!("{tool} not found; skipping the independent check");
            None
        }
    }
}

fn book(rows: usize) -> Report {
    Report {
        heading: vec!["ỦY BAN NHÂN DÂN TỈNH HƯNG YÊN".into()],
        title: "SỔ ĐĂNG KÝ VĂN BẢN ĐẾN".into(),
        subtitle: vec!["Năm 2026".into()],
        columns: vec![
            Column { heading: "Số đến".into(), weight: 1.0 },
            Column { heading: "Tác giả".into(), weight: 3.0 },
            Column { heading: "Tên loại và trích yếu nội dung".into(), weight: 6.0 },
        ],
        rows: (1..=rows)
            .map(|i| {
                vec![
                    i.to_string(),
                    "Sở Tài nguyên và Môi trường".into(),
                    format!("Quyết định – Về việc phê duyệt đề án số {i} của Đảng ủy xã Ưng Hòa; ngữ cảnh ậ ỹ ự"),
                ]
            })
            .collect(),
        created: Some("D:20261121093000+07'00'".into()),
    }
}

#[test]
fn pdftotext_reads_the_vietnamese_text_back() {
    let pdf = render(&book(60)).expect("render");
    assert!(pdf.starts_with(b"%PDF-1.7"));
    let doc = lopdf::Document::load_mem(&pdf).expect("lopdf reads the file");
    let pages = doc.get_pages().len();
    assert!(pages >= 2, "60 rows take more than one page ({pages})");
    let Some(text) = poppler("pdftotext", &["-layout"], &pdf, &["-"]) else { return };
    let text: String = text.split_whitespace().collect::<Vec<_>>().join(" ");
    for needle in [
        "SỔ ĐĂNG KÝ VĂN BẢN ĐẾN",
        "ỦY BAN NHÂN DÂN TỈNH HƯNG YÊN",
        "Sở Tài nguyên và Môi trường",
        "Đảng ủy xã Ưng Hòa",
        "ậ ỹ ự",
    ] {
        assert!(text.contains(needle), "pdftotext lost {needle:?}");
    }
    assert!(text.contains(&format!("Trang {pages}/{pages}")));
    for i in [1, 30, 60] {
        assert!(text.contains(&format!("đề án số {i} ")), "row {i} printed");
    }
}

#[test]
fn pdffonts_sees_both_fonts_embedded_as_subsets() {
    let pdf = render(&book(5)).expect("render");
    assert!(pdf.len() < 150_000, "subsetted fonts keep a short book small: {} bytes", pdf.len());
    let Some(list) = poppler("pdffonts", &[], &pdf, &[]) else { return };
    let fonts: Vec<&str> = list.lines().filter(|l| l.contains("DejaVuSerif")).collect();
    assert_eq!(fonts.len(), 2, "{list}");
    for line in fonts {
        let cols: Vec<&str> = line.split_whitespace().collect();
        assert!(cols[0].len() > 7 && cols[0].as_bytes()[6] == b'+', "subset tag in {line}");
        assert!(line.contains("CID TrueType") && line.contains("Identity-H"), "{line}");
        // emb sub uni
        assert!(line.contains("yes yes yes"), "embedded, subset, with a Unicode map: {line}");
    }
}

#[test]
fn rows_of_the_wrong_shape_are_refused() {
    let mut r = book(1);
    r.rows[0].pop();
    assert!(render(&r).is_err());
    assert!(render(&Report::default()).is_err());
}
