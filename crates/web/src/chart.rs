//! Charts drawn on the server as SVG (they work without scripts and print): horizontal stacked
//! bars, one per row, with the figures written on them and a title for screen readers.

/// One segment kind of the bars: its label and colour.
#[derive(Clone, Copy, Debug)]
pub struct Series {
    pub label: &'static str,
    pub colour: &'static str,
}

fn esc(s: &str) -> String {
    s.replace('&', "&amp;").replace('<', "&lt;").replace('>', "&gt;").replace('"', "&quot;")
}

/// A stacked bar chart: `rows` are (label, one value per series); bars share one scale.
pub fn stacked_bars(title: &str, series: &[Series], rows: &[(String, Vec<i64>)]) -> String {
    const LABEL_W: i64 = 150;
    const BAR_W: i64 = 300;
    const ROW_H: i64 = 26;
    let legend_h = 28;
    let height = legend_h + ROW_H * rows.len().max(1) as i64 + 8;
    let width = LABEL_W + BAR_W + 50;
    let max = rows.iter().map(|(_, v)| v.iter().sum::<i64>()).max().unwrap_or(0).max(1);
    let mut out = format!(
        "<svg xmlns=\"http://www.w3.org/2000/svg\" class=\"chart\" viewBox=\"0 0 {width} {height}\" role=\"img\" \
         aria-labelledby=\"chart-title\" font-family=\"sans-serif\" font-size=\"12\"><title id=\"chart-title\">{}</title>",
        esc(title)
    );
    let mut x = 0;
    for s in series {
        out.push_str(&format!(
            "<rect x=\"{x}\" y=\"6\" width=\"12\" height=\"12\" fill=\"{}\"/><text x=\"{}\" y=\"16\">{}</text>",
            s.colour,
            x + 16,
            esc(s.label)
        ));
        x += 16 + 8 * s.label.chars().count() as i64 + 14;
    }
    for (i, (label, values)) in rows.iter().enumerate() {
        let y = legend_h + i as i64 * ROW_H;
        let name: String = label.chars().take(22).collect();
        out.push_str(&format!("<text x=\"0\" y=\"{}\">{}</text>", y + 16, esc(&name)));
        let mut at = LABEL_W;
        for (v, s) in values.iter().zip(series) {
            if *v <= 0 {
                continue;
            }
            let w = (v * BAR_W / max).max(2);
            out.push_str(&format!(
                "<rect x=\"{at}\" y=\"{}\" width=\"{w}\" height=\"18\" fill=\"{}\"><title>{}: {v}</title></rect>",
                y + 3,
                s.colour,
                esc(s.label)
            ));
            if w >= 22 {
                out.push_str(&format!(
                    "<text x=\"{}\" y=\"{}\" fill=\"#fff\" text-anchor=\"middle\">{v}</text>",
                    at + w / 2,
                    y + 16
                ));
            }
            at += w;
        }
        let total: i64 = values.iter().sum();
        out.push_str(&format!("<text x=\"{}\" y=\"{}\">{total}</text>", at + 6, y + 16));
    }
    out.push_str("</svg>");
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn bars_scale_escape_and_label() {
        let series = [Series { label: "Đúng hạn", colour: "#2e7d32" }, Series { label: "Trễ hạn", colour: "#c62828" }];
        let svg =
            stacked_bars("Thống kê <quý>", &series, &[("Phòng A & B".into(), vec![30, 10]), ("C".into(), vec![0, 20])]);
        assert!(svg.starts_with("<svg") && svg.ends_with("</svg>"));
        assert!(svg.contains("Thống kê &lt;quý&gt;") && svg.contains("Phòng A &amp; B"));
        // The longest bar (40) spans the whole width: 30 → 225, 10 → 75.
        assert!(svg.contains("width=\"225\"") && svg.contains("width=\"75\""));
        assert!(svg.contains(">40</text>") && svg.contains(">20</text>"));
        assert_eq!(svg.matches("<rect").count(), 2 + 3, "two legend boxes, three segments (a zero is left out)");
    }
}
