//! Printable PDF reports in Vietnamese: a title block and a table that runs over as many A4
//! landscape pages as it needs, its heading repeated on each, with page numbers.
//!
//! The standard PDF fonts cannot show Vietnamese (ư, ơ, ạ, ễ…), so the text is set in DejaVu Serif,
//! embedded as a subset holding only the glyphs the report uses, with a ToUnicode map so the text
//! can be searched and copied. Standalone: it knows nothing of documents or books.

mod font;
mod layout;
mod pdf;

use std::sync::OnceLock;

pub use font::Font;

/// Why a report could not be made.
#[derive(Debug, thiserror::Error)]
pub enum ReportError {
    #[error("font: {0}")]
    Font(String),
    #[error("a report needs at least one column, and every row one cell per column")]
    Shape,
}

/// One column of the table: its heading and its share of the table's width.
#[derive(Debug, Clone)]
pub struct Column {
    pub heading: String,
    /// Relative width; the table's width is shared out in proportion.
    pub weight: f32,
}

/// What to print.
#[derive(Debug, Clone, Default)]
pub struct Report {
    /// Lines above the title (the agency's name, in capitals by convention).
    pub heading: Vec<String>,
    /// The title, in bold capitals ("SỔ ĐĂNG KÝ VĂN BẢN ĐẾN").
    pub title: String,
    /// Lines under the title ("Năm 2026", "In ngày 21/11/2026").
    pub subtitle: Vec<String>,
    pub columns: Vec<Column>,
    pub rows: Vec<Vec<String>>,
    /// Written into the file's information dictionary, as a PDF date (`D:20261121093000+07'00'`).
    pub created: Option<String>,
}

/// The regular and bold faces every report uses, parsed once.
pub(crate) struct Faces {
    pub regular: Font,
    pub bold: Font,
}

fn faces() -> Result<&'static Faces, ReportError> {
    static FACES: OnceLock<Result<Faces, String>> = OnceLock::new();
    FACES
        .get_or_init(|| {
            Ok(Faces {
                regular: Font::parse("DejaVuSerif", dejavu::serif::regular()).map_err(|e| e.to_string())?,
                bold: Font::parse("DejaVuSerif-Bold", dejavu::serif::bold()).map_err(|e| e.to_string())?,
            })
        })
        .as_ref()
        .map_err(|e| ReportError::Font(e.clone()))
}

/// The report as a PDF file.
pub fn render(report: &Report) -> Result<Vec<u8>, ReportError> {
    if report.columns.is_empty() || report.rows.iter().any(|r| r.len() != report.columns.len()) {
        return Err(ReportError::Shape);
    }
    let faces = faces()?;
    let pages = layout::lay_out(report, faces);
    pdf::write(report, faces, &pages)
}
