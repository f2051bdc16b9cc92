//! Writing laid-out pages as a PDF file: content streams, the fonts as Type 0 / CIDFontType2
//! with Identity encoding (text is written as glyph ids), ToUnicode maps, and the cross-reference.

use std::collections::{BTreeMap, BTreeSet};
use std::fmt::Write as _;
use std::io::Write as _;

use crate::layout::{Face, Mark, Page, PAGE_HEIGHT, PAGE_WIDTH};
use crate::{Faces, Font, Report, ReportError};

/// Glyphs a face used, with the character each stands for (for the ToUnicode map).
#[derive(Default)]
struct Used {
    glyphs: BTreeMap<u16, char>,
}

fn deflate(bytes: &[u8]) -> Vec<u8> {
    let mut z = flate2::write::ZlibEncoder::new(Vec::new(), flate2::Compression::default());
    // Writing into a Vec cannot fail.
    let _ = z.write_all(bytes);
    z.finish().unwrap_or_default()
}

/// A PDF string for the information dictionary: UTF-16BE with a byte-order mark, in hex.
fn text_string(s: &str) -> String {
    let mut out = String::from("<FEFF");
    for u in s.encode_utf16() {
        let _ = write!(out, "{u:04X}");
    }
    out.push('>');
    out
}

fn content(page: &Page, faces: &Faces, used: &mut [Used; 2]) -> Vec<u8> {
    let mut s = String::from("0 g 0 G 0.5 w\n");
    for mark in page {
        match mark {
            Mark::Rect { x, y, w, h } => {
                let _ = writeln!(s, "{x:.2} {y:.2} {w:.2} {h:.2} re S");
            }
            Mark::Text { face, size, x, y, text } => {
                let (name, font, used) = match face {
                    Face::Regular => ("F1", &faces.regular, &mut used[0]),
                    Face::Bold => ("F2", &faces.bold, &mut used[1]),
                };
                let _ = write!(s, "BT /{name} {size:.2} Tf {x:.2} {y:.2} Td <");
                for c in text.chars() {
                    let (g, _) = font.glyph(c);
                    used.glyphs.entry(g).or_insert(c);
                    let _ = write!(s, "{g:04X}");
                }
                s.push_str("> Tj ET\n");
            }
        }
    }
    s.into_bytes()
}

/// Six capital letters naming this subset, as PDF asks of subsetted fonts.
fn subset_tag(used: &Used) -> String {
    let mut h: u32 = 2_166_136_261;
    for g in used.glyphs.keys() {
        for b in g.to_be_bytes() {
            h = (h ^ u32::from(b)).wrapping_mul(16_777_619);
        }
    }
    (0..6).map(|i| char::from(b'A' + ((h >> (i * 5)) % 26) as u8)).collect()
}

fn to_unicode(used: &Used) -> Vec<u8> {
    let mut s = String::from(
        "/CIDInit /ProcSet findresource begin\n12 dict begin\nbegincmap\n\
         /CIDSystemInfo << /Registry (Adobe) /Ordering (UCS) /Supplement 0 >> def\n\
         /CMapName /Adobe-Identity-UCS def\n/CMapType 2 def\n\
         1 begincodespacerange\n<0000> <FFFF>\nendcodespacerange\n",
    );
    let pairs: Vec<(&u16, &char)> = used.glyphs.iter().filter(|(g, _)| **g != 0).collect();
    for chunk in pairs.chunks(100) {
        let _ = writeln!(s, "{} beginbfchar", chunk.len());
        for (g, c) in chunk {
            let _ = write!(s, "<{g:04X}> <");
            for u in c.encode_utf16(&mut [0; 2]) {
                let _ = write!(s, "{u:04X}");
            }
            s.push_str(">\n");
        }
        s.push_str("endbfchar\n");
    }
    s.push_str("endcmap\nCMapName currentdict /CMap defineresource pop\nend\nend\n");
    s.into_bytes()
}

/// Objects numbered from 1, written in order.
#[derive(Default)]
struct Objects {
    bodies: Vec<Vec<u8>>,
}

impl Objects {
    /// Reserves a number for an object written later.
    fn reserve(&mut self) -> usize {
        self.bodies.push(Vec::new());
        self.bodies.len()
    }

    fn set(&mut self, id: usize, body: impl Into<Vec<u8>>) {
        self.bodies[id - 1] = body.into();
    }

    fn add(&mut self, body: impl Into<Vec<u8>>) -> usize {
        let id = self.reserve();
        self.set(id, body);
        id
    }

    /// A stream, deflated.
    fn stream(&mut self, dict: &str, data: &[u8]) -> usize {
        let packed = deflate(data);
        let mut body = format!("<< {dict} /Filter /FlateDecode /Length {} >>\nstream\n", packed.len()).into_bytes();
        body.extend_from_slice(&packed);
        body.extend_from_slice(b"\nendstream");
        self.add(body)
    }

    fn finish(self, root: usize, info: usize) -> Vec<u8> {
        let mut out = b"%PDF-1.7\n%\xE2\xE3\xCF\xD3\n".to_vec();
        let mut offsets = Vec::with_capacity(self.bodies.len());
        for (i, body) in self.bodies.iter().enumerate() {
            offsets.push(out.len());
            out.extend_from_slice(format!("{} 0 obj\n", i + 1).as_bytes());
            out.extend_from_slice(body);
            out.extend_from_slice(b"\nendobj\n");
        }
        let xref = out.len();
        let mut table = format!("xref\n0 {}\n0000000000 65535 f \n", self.bodies.len() + 1);
        for off in offsets {
            let _ = writeln!(table, "{off:010} 00000 n ");
        }
        let _ = write!(
            table,
            "trailer\n<< /Size {} /Root {root} 0 R /Info {info} 0 R >>\nstartxref\n{xref}\n%%EOF\n",
            self.bodies.len() + 1
        );
        out.extend_from_slice(table.as_bytes());
        out
    }
}

/// Writes one face as a Type 0 font and returns the font dictionary's number.
fn write_font(objects: &mut Objects, font: &Font, used: &Used) -> Result<usize, ReportError> {
    let set: BTreeSet<u16> = used.glyphs.keys().copied().collect();
    let file = font.subset(&set)?;
    let file_id = objects.stream(&format!("/Length1 {}", file.len()), &file);
    let name = format!("{}+{}", subset_tag(used), font.name);
    let [x0, y0, x1, y1] = font.bbox.map(|v| font.scale_1000(v));
    let descriptor = objects.add(format!(
        "<< /Type /FontDescriptor /FontName /{name} /Flags 34 /FontBBox [{x0} {y0} {x1} {y1}] \
         /ItalicAngle {} /Ascent {} /Descent {} /CapHeight {} /StemV 80 /FontFile2 {file_id} 0 R >>",
        font.italic_angle.round() as i64,
        font.scale_1000(font.ascender),
        font.scale_1000(font.descender),
        font.scale_1000(font.cap_height),
    ));
    let mut widths = String::new();
    for (&g, &c) in &used.glyphs {
        let _ = write!(widths, "{g} [{}] ", font.advance_1000(font.glyph(c).1));
    }
    let cid_font = objects.add(format!(
        "<< /Type /Font /Subtype /CIDFontType2 /BaseFont /{name} \
         /CIDSystemInfo << /Registry (Adobe) /Ordering (Identity) /Supplement 0 >> \
         /FontDescriptor {descriptor} 0 R /CIDToGIDMap /Identity /W [{widths}] >>"
    ));
    let cmap = objects.stream("", &to_unicode(used));
    Ok(objects.add(format!(
        "<< /Type /Font /Subtype /Type0 /BaseFont /{name} /Encoding /Identity-H \
         /DescendantFonts [{cid_font} 0 R] /ToUnicode {cmap} 0 R >>"
    )))
}

/// The whole file.
pub(crate) fn write(report: &Report, faces: &Faces, pages: &[Page]) -> Result<Vec<u8>, ReportError> {
    let mut used = [Used::default(), Used::default()];
    let contents: Vec<Vec<u8>> = pages.iter().map(|p| content(p, faces, &mut used)).collect();

    let mut objects = Objects::default();
    let catalog = objects.reserve();
    let page_tree = objects.reserve();
    let regular = write_font(&mut objects, &faces.regular, &used[0])?;
    let bold = write_font(&mut objects, &faces.bold, &used[1])?;
    let mut kids = Vec::new();
    for c in &contents {
        let content_id = objects.stream("", c);
        kids.push(objects.add(format!(
            "<< /Type /Page /Parent {page_tree} 0 R /MediaBox [0 0 {PAGE_WIDTH} {PAGE_HEIGHT}] \
             /Resources << /Font << /F1 {regular} 0 R /F2 {bold} 0 R >> >> /Contents {content_id} 0 R >>"
        )));
    }
    let kids_list: Vec<String> = kids.iter().map(|k| format!("{k} 0 R")).collect();
    objects.set(page_tree, format!("<< /Type /Pages /Kids [{}] /Count {} >>", kids_list.join(" "), kids.len()));
    objects.set(catalog, format!("<< /Type /Catalog /Pages {page_tree} 0 R /Lang (vi-VN) >>"));
    let mut info = format!("<< /Title {} /Producer (egov)", text_string(&report.title));
    if let Some(created) = &report.created {
        let _ = write!(info, " /CreationDate ({})", created.replace(['(', ')', '\\'], ""));
    }
    info.push_str(" >>");
    let info_id = objects.add(info);
    Ok(objects.finish(catalog, info_id))
}
