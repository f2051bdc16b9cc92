//! Table exports every statistics and report table offers: CSV (UTF-8 with a byte-order mark for
//! spreadsheet programs, CRLF, RFC 4180 quoting, cells that a spreadsheet would run as a formula
//! prefixed with an apostrophe) and XLSX (rust_xlsxwriter, rows streamed in constant memory).

use egov_service::AppError;

/// One cell: text, or a number spreadsheets can sum.
#[derive(Clone, Debug, PartialEq)]
pub enum Cell {
    Text(String),
    Number(f64),
}

impl From<&str> for Cell {
    fn from(s: &str) -> Cell {
        Cell::Text(s.to_string())
    }
}

impl From<String> for Cell {
    fn from(s: String) -> Cell {
        Cell::Text(s)
    }
}

impl From<i64> for Cell {
    fn from(n: i64) -> Cell {
        Cell::Number(n as f64)
    }
}

impl From<f64> for Cell {
    fn from(n: f64) -> Cell {
        Cell::Number(n)
    }
}

/// A table with its title (the sheet's name) and column headings.
#[derive(Clone, Debug, Default)]
pub struct Table {
    pub title: String,
    pub headers: Vec<String>,
    pub rows: Vec<Vec<Cell>>,
}

fn csv_field(s: &str) -> String {
    // A cell starting like a formula is neutralised (CSV injection), then quoted when needed.
    let s = if s.starts_with(['=', '+', '-', '@', '\t', '\r']) { format!("'{s}") } else { s.to_string() };
    if s.contains([',', '"', '\n', '\r']) {
        format!("\"{}\"", s.replace('"', "\"\""))
    } else {
        s
    }
}

fn number(n: f64) -> String {
    if n.fract() == 0.0 && n.abs() < 1e15 {
        format!("{}", n as i64)
    } else {
        format!("{n}")
    }
}

/// The table as CSV.
pub fn csv(t: &Table) -> String {
    let mut out = String::from("\u{FEFF}");
    out.push_str(&t.headers.iter().map(|h| csv_field(h)).collect::<Vec<_>>().join(","));
    out.push_str("\r\n");
    for r in &t.rows {
        let cells: Vec<String> = r
            .iter()
            .map(|c| match c {
                Cell::Text(s) => csv_field(s),
                Cell::Number(n) => number(*n),
            })
            .collect();
        out.push_str(&cells.join(","));
        out.push_str("\r\n");
    }
    out
}

/// The table as an XLSX workbook of one sheet: bold headings, frozen first row, numbers as numbers.
pub fn xlsx(t: &Table) -> Result<Vec<u8>, AppError> {
    use rust_xlsxwriter::{Format, Workbook};
    let mut book = Workbook::new();
    let bold = Format::new().set_bold();
    let sheet = book.add_worksheet_with_constant_memory().map_err(AppError::internal)?;
    // Sheet names: at most 31 characters, none of []:*?/\.
    let name: String =
        t.title.chars().filter(|c| !"[]:*?/\\".contains(*c)).take(31).collect::<String>().trim().to_string();
    sheet.set_name(if name.is_empty() { "Sheet1" } else { &name }).map_err(AppError::internal)?;
    for (c, h) in t.headers.iter().enumerate() {
        let col = u16::try_from(c).map_err(AppError::internal)?;
        sheet.write_string_with_format(0, col, h, &bold).map_err(AppError::internal)?;
        sheet.set_column_width(col, (h.chars().count().clamp(10, 60)) as f64).map_err(AppError::internal)?;
    }
    sheet.set_freeze_panes(1, 0).map_err(AppError::internal)?;
    for (r, row) in t.rows.iter().enumerate() {
        let line = u32::try_from(r + 1).map_err(AppError::internal)?;
        for (c, cell) in row.iter().enumerate() {
            let col = u16::try_from(c).map_err(AppError::internal)?;
            match cell {
                Cell::Text(s) => sheet.write_string(line, col, s).map_err(AppError::internal)?,
                Cell::Number(n) => sheet.write_number(line, col, *n).map_err(AppError::internal)?,
            };
        }
    }
    book.save_to_buffer().map_err(AppError::internal)
}

/// A CSV or XLSX answer with a file name.
pub(crate) fn answer(t: &Table, format: &str, base_name: &str) -> Result<axum::response::Response, AppError> {
    use axum::response::IntoResponse;
    let (bytes, media, ext) = match format {
        "xlsx" => (xlsx(t)?, "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet", "xlsx"),
        _ => (csv(t).into_bytes(), "text/csv; charset=utf-8", "csv"),
    };
    let disposition = format!("attachment; filename=\"{base_name}.{ext}\"");
    Ok((
        [(axum::http::header::CONTENT_TYPE, media.to_string()), (axum::http::header::CONTENT_DISPOSITION, disposition)],
        bytes,
    )
        .into_response())
}

#[cfg(test)]
#[allow(clippy::unwrap_used)]
mod tests {
    use super::*;

    #[test]
    fn csv_quotes_and_neutralises_formulas() {
        let t = Table {
            title: "Thống kê".into(),
            headers: vec!["Đơn vị".into(), "Số văn bản".into()],
            rows: vec![
                vec!["Phòng Tổng hợp, Văn phòng".into(), 12.into()],
                vec!["=HYPERLINK(\"x\")".into(), Cell::Number(2.5)],
            ],
        };
        let out = csv(&t);
        assert!(out.starts_with('\u{FEFF}'));
        assert_eq!(
            out.trim_start_matches('\u{FEFF}'),
            "Đơn vị,Số văn bản\r\n\"Phòng Tổng hợp, Văn phòng\",12\r\n\"'=HYPERLINK(\"\"x\"\")\",2.5\r\n"
        );
        let bytes = xlsx(&t).unwrap();
        assert!(bytes.starts_with(b"PK"), "an OOXML zip");
    }
}
