//! The demo's document files: a one-page PDF per document with its agency, number, title and
//! body in Vietnamese (a real text layer, so search finds the words inside the files).

use egov_report::{Column, Report};

use crate::{AppError, AppResult};

/// A PDF that reads like the document it belongs to.
pub(super) fn document_pdf(agency: &str, number: &str, title: &str, body: &[&str]) -> AppResult<Vec<u8>> {
    let report = Report {
        heading: vec![agency.to_uppercase(), format!("Số: {number}")],
        title: title.to_uppercase(),
        subtitle: vec!["CỘNG HÒA XÃ HỘI CHỦ NGHĨA VIỆT NAM – Độc lập – Tự do – Hạnh phúc".into()],
        columns: vec![Column { heading: "Nội dung".into(), weight: 1.0 }],
        rows: body.iter().map(|line| vec![(*line).to_string()]).collect(),
        created: None,
    };
    egov_report::render(&report).map_err(AppError::internal)
}
