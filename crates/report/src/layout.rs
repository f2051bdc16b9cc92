//! Setting a report on pages: the title block, then the table row by row, wrapping each cell's
//! text to its column and starting a new page (heading repeated) when a row no longer fits.

use crate::{Faces, Font, Report};

/// A4 landscape, in points.
pub(crate) const PAGE_WIDTH: f32 = 841.89;
pub(crate) const PAGE_HEIGHT: f32 = 595.28;
/// Margins as the clerical rules set them for documents: 30 mm left, 15 mm right, 20 mm top and bottom.
const LEFT: f32 = 85.0;
const RIGHT: f32 = 42.5;
const TOP: f32 = 56.7;
const BOTTOM: f32 = 56.7;

const BODY_SIZE: f32 = 8.5;
const HEAD_SIZE: f32 = 8.5;
const LEADING: f32 = 1.25;
const PAD: f32 = 3.0;

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Face {
    Regular,
    Bold,
}

/// Something drawn on a page; coordinates from the bottom left, as PDF has them.
#[derive(Debug, Clone)]
pub(crate) enum Mark {
    Text { face: Face, size: f32, x: f32, y: f32, text: String },
    Rect { x: f32, y: f32, w: f32, h: f32 },
}

/// One page's marks.
pub(crate) type Page = Vec<Mark>;

fn font(faces: &Faces, face: Face) -> &Font {
    match face {
        Face::Regular => &faces.regular,
        Face::Bold => &faces.bold,
    }
}

/// Breaks `text` into lines no wider than `width` at `size`: at spaces where it can, inside a word
/// where a word alone is too wide; explicit line breaks are kept.
pub(crate) fn wrap(text: &str, f: &Font, size: f32, width: f32) -> Vec<String> {
    let mut lines = Vec::new();
    for paragraph in text.split('\n') {
        let mut line = String::new();
        for word in paragraph.split_whitespace() {
            let candidate = if line.is_empty() { word.to_string() } else { format!("{line} {word}") };
            if f.width(&candidate, size) <= width {
                line = candidate;
                continue;
            }
            if !line.is_empty() {
                lines.push(std::mem::take(&mut line));
            }
            // The word alone: cut it where it overflows.
            for c in word.chars() {
                line.push(c);
                if f.width(&line, size) > width && line.chars().count() > 1 {
                    line.pop();
                    lines.push(std::mem::replace(&mut line, c.to_string()));
                }
            }
        }
        lines.push(line);
    }
    lines
}

/// A row's cells, wrapped, and its height.
struct SetRow {
    cells: Vec<Vec<String>>,
    height: f32,
}

fn set_row(cells: &[String], widths: &[f32], f: &Font, size: f32, max_height: f32) -> SetRow {
    let leading = size * LEADING;
    let max_lines = (((max_height - 2.0 * PAD) / leading).floor() as usize).max(1);
    let cells: Vec<Vec<String>> = cells
        .iter()
        .zip(widths)
        .map(|(text, w)| {
            let mut lines = wrap(text, f, size, w - 2.0 * PAD);
            if lines.len() > max_lines {
                lines.truncate(max_lines);
                if let Some(last) = lines.last_mut() {
                    last.push('…');
                }
            }
            lines
        })
        .collect();
    let lines = cells.iter().map(Vec::len).max().unwrap_or(1).max(1);
    SetRow { cells, height: lines as f32 * leading + 2.0 * PAD }
}

fn draw_row(page: &mut Page, row: &SetRow, widths: &[f32], top: f32, face: Face, size: f32) {
    let leading = size * LEADING;
    let mut x = LEFT;
    for (lines, w) in row.cells.iter().zip(widths) {
        page.push(Mark::Rect { x, y: top - row.height, w: *w, h: row.height });
        for (i, line) in lines.iter().enumerate() {
            // Baseline: one line down from the cell's top, less the descent.
            let y = top - PAD - (i as f32 + 1.0) * leading + size * 0.25;
            page.push(Mark::Text { face, size, x: x + PAD, y, text: line.clone() });
        }
        x += w;
    }
}

fn centred(page: &mut Page, faces: &Faces, face: Face, size: f32, y: f32, text: &str) {
    let w = font(faces, face).width(text, size);
    let x = LEFT + ((PAGE_WIDTH - LEFT - RIGHT) - w).max(0.0) / 2.0;
    page.push(Mark::Text { face, size, x, y, text: text.to_string() });
}

/// The report on pages, each ending with "Trang n/N".
pub(crate) fn lay_out(report: &Report, faces: &Faces) -> Vec<Page> {
    let table_width = PAGE_WIDTH - LEFT - RIGHT;
    let total: f32 = report.columns.iter().map(|c| c.weight.max(0.1)).sum();
    let widths: Vec<f32> = report.columns.iter().map(|c| c.weight.max(0.1) / total * table_width).collect();
    let usable = PAGE_HEIGHT - TOP - BOTTOM;

    let headings: Vec<String> = report.columns.iter().map(|c| c.heading.clone()).collect();
    let numbers: Vec<String> = (1..=report.columns.len()).map(|i| format!("({i})")).collect();
    let head = set_row(&headings, &widths, &faces.bold, HEAD_SIZE, usable / 3.0);
    let numbering = set_row(&numbers, &widths, &faces.regular, HEAD_SIZE, usable);
    let start_page = |page: &mut Page, mut top: f32| -> f32 {
        draw_row(page, &head, &widths, top, Face::Bold, HEAD_SIZE);
        top -= head.height;
        draw_row(page, &numbering, &widths, top, Face::Regular, HEAD_SIZE);
        top - numbering.height
    };

    let mut pages = Vec::new();
    let mut page = Page::new();
    let mut top = PAGE_HEIGHT - TOP;
    for line in &report.heading {
        top -= 13.0;
        centred(&mut page, faces, Face::Bold, 11.0, top, line);
    }
    top -= 26.0;
    centred(&mut page, faces, Face::Bold, 15.0, top, &report.title);
    top -= 6.0;
    for line in &report.subtitle {
        top -= 14.0;
        centred(&mut page, faces, Face::Regular, 11.0, top, line);
    }
    top -= 16.0;
    top = start_page(&mut page, top);

    let room_for_rows = usable - head.height - numbering.height;
    for cells in &report.rows {
        let row = set_row(cells, &widths, &faces.regular, BODY_SIZE, room_for_rows);
        if top - row.height < BOTTOM {
            pages.push(std::mem::take(&mut page));
            top = start_page(&mut page, PAGE_HEIGHT - TOP);
        }
        draw_row(&mut page, &row, &widths, top, Face::Regular, BODY_SIZE);
        top -= row.height;
    }
    pages.push(page);

    let count = pages.len();
    for (i, page) in pages.iter_mut().enumerate() {
        centred(page, faces, Face::Regular, 8.0, BOTTOM / 2.0, &format!("Trang {}/{count}", i + 1));
    }
    pages
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::Column;

    #[test]
    fn wrap_respects_the_width_and_keeps_every_word() {
        let faces = crate::faces().expect("fonts");
        let f = &faces.regular;
        let text = "Về việc triển khai thực hiện Nghị quyết số 12/NQ-HĐND ngày 05/3/2026 của Hội đồng nhân dân tỉnh";
        let lines = wrap(text, f, 9.0, 120.0);
        assert!(lines.len() > 2);
        assert!(lines.iter().all(|l| f.width(l, 9.0) <= 120.0), "{lines:?}");
        assert_eq!(lines.join(" "), text);
        let long = "x".repeat(200);
        let cut = wrap(&long, f, 9.0, 50.0);
        assert!(cut.len() > 3 && cut.iter().all(|l| f.width(l, 9.0) <= 50.0));
        assert_eq!(cut.concat(), long);
        assert_eq!(wrap("", f, 9.0, 50.0), vec![String::new()]);
    }

    #[test]
    fn long_tables_run_over_pages_with_the_heading_on_each() {
        let faces = crate::faces().expect("fonts");
        let report = Report {
            title: "SỔ".into(),
            columns: vec![
                Column { heading: "Số đến".into(), weight: 1.0 },
                Column { heading: "Trích yếu".into(), weight: 5.0 },
            ],
            rows: (1..=200).map(|i| vec![i.to_string(), format!("Văn bản thứ {i}")]).collect(),
            ..Report::default()
        };
        let pages = lay_out(&report, faces);
        assert!(pages.len() > 3, "{} pages", pages.len());
        for (i, page) in pages.iter().enumerate() {
            let texts: Vec<&str> = page
                .iter()
                .filter_map(|m| if let Mark::Text { text, .. } = m { Some(text.as_str()) } else { None })
                .collect();
            assert!(texts.contains(&"Số đến"), "heading on page {}", i + 1);
            assert!(texts.contains(&format!("Trang {}/{}", i + 1, pages.len()).as_str()));
            for m in page {
                let (Mark::Text { y, .. } | Mark::Rect { y, .. }) = m;
                assert!(*y >= 0.0 && *y <= PAGE_HEIGHT);
            }
        }
        let all: usize = pages
            .iter()
            .flatten()
            .filter(|m| matches!(m, Mark::Text { text, .. } if text.starts_with("Văn bản thứ")))
            .count();
        assert_eq!(all, 200, "every row printed once");
    }
}
