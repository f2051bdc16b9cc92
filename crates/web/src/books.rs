//! Register books as CSV, with the columns Decree 30 lists for incoming and outgoing books.

use egov_service::documents::date_of_ms;
use egov_service::documents::registry::BookLine;
use egov_storage::documents::BookRow;

/// Escapes one CSV field (RFC 4180), and neutralises formula injection for spreadsheets.
fn field(s: &str) -> String {
    let s = if s.starts_with(['=', '+', '-', '@']) { format!("'{s}") } else { s.to_string() };
    if s.contains([',', '"', '\n', '\r']) {
        format!("\"{}\"", s.replace('"', "\"\""))
    } else {
        s
    }
}

fn doc_type_label(t: &str) -> &'static str {
    egov_domain::document::DocumentType::parse(t).map_or("", |t| t.label(egov_domain::Lang::Vi))
}

/// The book as CSV (UTF-8 with a byte-order mark so spreadsheet programs read Vietnamese).
pub(crate) fn to_csv(book: &BookRow, lines: &[BookLine]) -> String {
    let mut out = String::from("\u{FEFF}");
    let header: &[&str] = if book.direction == "incoming" {
        &[
            "Ngày đến",
            "Số đến",
            "Tác giả",
            "Số, ký hiệu",
            "Ngày tháng văn bản",
            "Tên loại và trích yếu nội dung",
            "Đơn vị hoặc người nhận",
            "Ngày chuyển",
            "Ký nhận",
            "Ghi chú",
        ]
    } else {
        &[
            "Số, ký hiệu văn bản",
            "Ngày tháng văn bản",
            "Tên loại và trích yếu nội dung",
            "Người ký",
            "Nơi nhận văn bản",
            "Đơn vị, người nhận bản lưu",
            "Số lượng bản",
            "Ngày chuyển",
            "Ký nhận",
            "Ghi chú",
        ]
    };
    out.push_str(&header.iter().map(|h| field(h)).collect::<Vec<_>>().join(","));
    out.push_str("\r\n");
    for l in lines {
        let d = &l.document;
        let kind_subject = format!("{} – {}", doc_type_label(&d.doc_type), d.subject);
        let registered = d.registered_at.map(|ms| date_of_ms(ms).strftime("%d/%m/%Y").to_string()).unwrap_or_default();
        let issued = d
            .issued_on
            .as_deref()
            .and_then(|s| s.parse::<jiff::civil::Date>().ok())
            .map(|x| x.strftime("%d/%m/%Y").to_string())
            .unwrap_or_default();
        let note = if d.status == "revoked" { "Đã thu hồi" } else { "" };
        let row: Vec<String> = if book.direction == "incoming" {
            vec![
                registered,
                d.book_number.map(|n| n.to_string()).unwrap_or_default(),
                d.sender_name.clone().unwrap_or_default(),
                d.number_notation.clone().unwrap_or_default(),
                issued,
                kind_subject,
                l.recipients.clone(),
                String::new(),
                String::new(),
                note.to_string(),
            ]
        } else {
            vec![
                d.number_notation.clone().unwrap_or_default(),
                issued,
                kind_subject,
                d.signer.clone().unwrap_or_default(),
                l.recipients.clone(),
                String::new(),
                String::new(),
                registered,
                String::new(),
                note.to_string(),
            ]
        };
        out.push_str(&row.iter().map(|v| field(v)).collect::<Vec<_>>().join(","));
        out.push_str("\r\n");
    }
    out
}
