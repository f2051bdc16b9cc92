//! Writes a sample register book to a file, to look at: `cargo run -p egov-report --example sample_book -- out.pdf`.

fn main() {
    let out = std::env::args().nth(1).unwrap_or_else(|| "sample-book.pdf".into());
    // A few of the incoming book's columns (the full list is in egov-web's books module).
    let columns = [
        ("Ngày đến", 2.0),
        ("Số đến", 1.0),
        ("Tác giả", 3.0),
        ("Số, ký hiệu", 2.2),
        ("Trích yếu", 6.0),
        ("Ghi chú", 1.5),
    ];
    let report = egov_report::Report {
        heading: vec!["ỦY BAN NHÂN DÂN TỈNH HƯNG YÊN".into()],
        title: "SỔ ĐĂNG KÝ VĂN BẢN ĐẾN".into(),
        subtitle: vec![
            "Sổ văn bản đến – năm 2026".into(),
            "Từ số 1 đến số 40 (40 văn bản)".into(),
            "In ngày 21/11/2026 09:30".into(),
        ],
        columns: columns.iter().map(|(h, w)| egov_report::Column { heading: h.to_string(), weight: *w }).collect(),
        rows: (1..=40)
            .map(|i| {
                vec![
                    "21/11/2026".into(),
                    i.to_string(),
                    "Sở Tài nguyên và Môi trường tỉnh Hưng Yên".into(),
                    format!("{i}/QĐ-STNMT"),
                    "Quyết định – Về việc phê duyệt kế hoạch sử dụng đất năm 2027 của huyện Ân Thi".into(),
                    if i % 7 == 0 { "Đã thu hồi".into() } else { String::new() },
                ]
            })
            .collect(),
        created: None,
    };
    let pdf = egov_report::render(&report).expect("render");
    std::fs::write(&out, &pdf).expect("write");
    println!("{out}: {} bytes", pdf.len());
}
