//! Register books as CSV and PDF, with the columns Decree 30 lists for incoming and outgoing books.

use egov_report::{Column, Report};
use egov_service::documents::date_of_ms;
use egov_service::documents::registry::{BookExtract, BookLine};

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

/// Columns of the incoming book, with their relative widths on paper.
const INCOMING: &[(&str, f32)] = &[
    ("Ngày đến", 2.0),
    ("Số đến", 1.1),
    ("Tác giả", 3.0),
    ("Số, ký hiệu", 2.2),
    ("Ngày tháng văn bản", 2.0),
    ("Tên loại và trích yếu nội dung", 6.0),
    ("Đơn vị hoặc người nhận", 3.0),
    ("Ngày chuyển", 2.0),
    ("Ký nhận", 1.5),
    ("Ghi chú", 1.5),
];

/// Columns of the outgoing book.
const OUTGOING: &[(&str, f32)] = &[
    ("Số, ký hiệu văn bản", 2.2),
    ("Ngày tháng văn bản", 2.0),
    ("Tên loại và trích yếu nội dung", 6.0),
    ("Người ký", 2.2),
    ("Nơi nhận văn bản", 3.2),
    ("Đơn vị, người nhận bản lưu", 2.2),
    ("Số lượng bản", 1.2),
    ("Ngày chuyển", 2.0),
    ("Ký nhận", 1.5),
    ("Ghi chú", 1.5),
];

fn columns(incoming: bool) -> &'static [(&'static str, f32)] {
    if incoming {
        INCOMING
    } else {
        OUTGOING
    }
}

/// One book line as the cells of its row.
fn row(incoming: bool, l: &BookLine) -> Vec<String> {
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
    if incoming {
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
    }
}

/// The book as CSV (UTF-8 with a byte-order mark so spreadsheet programs read Vietnamese).
pub(crate) fn to_csv(extract: &BookExtract) -> String {
    let incoming = extract.book.direction == "incoming";
    let mut out = String::from("\u{FEFF}");
    out.push_str(&columns(incoming).iter().map(|(h, _)| field(h)).collect::<Vec<_>>().join(","));
    out.push_str("\r\n");
    for l in &extract.lines {
        out.push_str(&row(incoming, l).iter().map(|v| field(v)).collect::<Vec<_>>().join(","));
        out.push_str("\r\n");
    }
    out
}

/// The book as a printable PDF (A4 landscape): the agency, the title and year, the range of
/// numbers, the date it was printed, then the table with its heading on every page.
pub(crate) fn to_pdf(extract: &BookExtract, printed_at: jiff::Zoned) -> Result<Vec<u8>, egov_report::ReportError> {
    let book = &extract.book;
    let incoming = book.direction == "incoming";
    let title = if incoming { "SỔ ĐĂNG KÝ VĂN BẢN ĐẾN" } else { "SỔ ĐĂNG KÝ VĂN BẢN ĐI" };
    let numbers: Vec<i64> = extract.lines.iter().filter_map(|l| l.document.book_number).collect();
    let mut subtitle = vec![format!("{} – năm {}", book.name, book.year)];
    if let (Some(first), Some(last)) = (numbers.iter().min(), numbers.iter().max()) {
        subtitle.push(format!("Từ số {first} đến số {last} ({} văn bản)", extract.lines.len()));
    }
    subtitle.push(format!("In ngày {}", printed_at.strftime("%d/%m/%Y %H:%M")));
    let report = Report {
        heading: vec![extract.agency.name.to_uppercase()],
        title: title.to_string(),
        subtitle,
        columns: columns(incoming).iter().map(|(h, w)| Column { heading: h.to_string(), weight: *w }).collect(),
        rows: extract.lines.iter().map(|l| row(incoming, l)).collect(),
        created: Some(printed_at.strftime("D:%Y%m%d%H%M%S+07'00'").to_string()),
    };
    egov_report::render(&report)
}
