//! A TrueType font for a report: measuring text, mapping it to glyphs, and cutting the font down to
//! the glyphs a document uses (glyph ids kept, so the PDF can name glyphs by id).

use std::collections::{BTreeMap, BTreeSet};

use crate::ReportError;

/// One face, parsed once; text is measured in font units and scaled by the caller's size.
#[derive(Debug)]
pub struct Font {
    /// The PostScript name written into the PDF (with a subset tag in front).
    pub name: &'static str,
    data: &'static [u8],
    pub(crate) units_per_em: f32,
    pub(crate) ascender: i16,
    pub(crate) descender: i16,
    pub(crate) cap_height: i16,
    pub(crate) bbox: [i16; 4],
    pub(crate) italic_angle: f32,
    /// Character → (glyph id, advance in font units), for every character the font maps.
    glyphs: BTreeMap<char, (u16, u16)>,
    /// Advance of glyph 0, used for characters the font lacks.
    notdef_advance: u16,
}

impl Font {
    /// Parses a TrueType (glyf-outline) font.
    pub fn parse(name: &'static str, data: &'static [u8]) -> Result<Font, ReportError> {
        let face = ttf_parser::Face::parse(data, 0).map_err(|e| ReportError::Font(e.to_string()))?;
        if face.tables().glyf.is_none() {
            return Err(ReportError::Font("not a TrueType font with glyf outlines".into()));
        }
        let mut glyphs = BTreeMap::new();
        if let Some(cmap) = face.tables().cmap {
            for sub in cmap.subtables.into_iter().filter(|s| s.is_unicode()) {
                sub.codepoints(|cp| {
                    if let (Some(c), Some(g)) = (char::from_u32(cp), sub.glyph_index(cp)) {
                        let adv = face.glyph_hor_advance(g).unwrap_or(0);
                        glyphs.entry(c).or_insert((g.0, adv));
                    }
                });
            }
        }
        let b = face.global_bounding_box();
        Ok(Font {
            name,
            data,
            units_per_em: f32::from(face.units_per_em()),
            ascender: face.ascender(),
            descender: face.descender(),
            cap_height: face.capital_height().unwrap_or(face.ascender()),
            bbox: [b.x_min, b.y_min, b.x_max, b.y_max],
            italic_angle: face.italic_angle(),
            glyphs,
            notdef_advance: face.glyph_hor_advance(ttf_parser::GlyphId(0)).unwrap_or(0),
        })
    }

    /// Glyph id and advance of `c`; glyph 0 (the "missing" box) when the font lacks it.
    pub(crate) fn glyph(&self, c: char) -> (u16, u16) {
        self.glyphs.get(&c).copied().unwrap_or((0, self.notdef_advance))
    }

    /// Width of `text` at `size` points.
    pub fn width(&self, text: &str, size: f32) -> f32 {
        let units: u32 = text.chars().map(|c| u32::from(self.glyph(c).1)).sum();
        units as f32 * size / self.units_per_em
    }

    /// Advance of a glyph in PDF text space units (1/1000 of the size).
    pub(crate) fn advance_1000(&self, advance: u16) -> i64 {
        (f32::from(advance) * 1000.0 / self.units_per_em).round() as i64
    }

    /// Scales a font-unit value to PDF text space units.
    pub(crate) fn scale_1000(&self, v: i16) -> i64 {
        (f32::from(v) * 1000.0 / self.units_per_em).round() as i64
    }

    /// The font with every glyph outside `used` (and the components of composite glyphs in it)
    /// emptied. Glyph ids stay the same; tables a PDF viewer does not need are dropped.
    pub(crate) fn subset(&self, used: &BTreeSet<u16>) -> Result<Vec<u8>, ReportError> {
        let tables = table_directory(self.data)?;
        let table = |tag: &[u8; 4]| -> Result<&[u8], ReportError> {
            tables
                .get(tag)
                .map(|&(off, len)| &self.data[off..off + len])
                .ok_or_else(|| ReportError::Font(format!("no {} table", String::from_utf8_lossy(tag))))
        };
        let head = table(b"head")?;
        let maxp = table(b"maxp")?;
        let glyf = table(b"glyf")?;
        let loca = table(b"loca")?;
        let long_loca = be_i16(head, 50)? != 0;
        let glyph_count = usize::from(be_u16(maxp, 4)?);
        let offsets: Vec<usize> = (0..=glyph_count)
            .map(|i| {
                if long_loca {
                    be_u32(loca, i * 4).map(|v| v as usize)
                } else {
                    be_u16(loca, i * 2).map(|v| usize::from(v) * 2)
                }
            })
            .collect::<Result<_, _>>()?;
        let outline = |g: usize| -> Result<&[u8], ReportError> {
            let (start, end) = (offsets[g], offsets[g + 1]);
            glyf.get(start..end).ok_or_else(|| ReportError::Font(format!("glyph {g} outside glyf")))
        };

        // Keep glyph 0 and what is used, then the components composite glyphs are built from.
        let mut keep: BTreeSet<usize> = used.iter().map(|&g| usize::from(g)).filter(|&g| g < glyph_count).collect();
        keep.insert(0);
        let mut queue: Vec<usize> = keep.iter().copied().collect();
        while let Some(g) = queue.pop() {
            for c in components(outline(g)?)? {
                if c < glyph_count && keep.insert(c) {
                    queue.push(c);
                }
            }
        }

        let mut new_glyf = Vec::new();
        let mut new_loca = Vec::with_capacity((glyph_count + 1) * 4);
        for g in 0..glyph_count {
            new_loca.extend_from_slice(&(new_glyf.len() as u32).to_be_bytes());
            if keep.contains(&g) {
                new_glyf.extend_from_slice(outline(g)?);
                while new_glyf.len() % 4 != 0 {
                    new_glyf.push(0);
                }
            }
        }
        new_loca.extend_from_slice(&(new_glyf.len() as u32).to_be_bytes());
        let mut new_head = head.to_vec();
        new_head[8..12].copy_from_slice(&[0; 4]); // checkSumAdjustment, set below
        new_head[50..52].copy_from_slice(&1i16.to_be_bytes()); // long loca offsets

        let mut out_tables: Vec<([u8; 4], Vec<u8>)> = Vec::new();
        for tag in [b"cvt ", b"fpgm", b"glyf", b"head", b"hhea", b"hmtx", b"loca", b"maxp", b"prep"] {
            let bytes = match tag {
                b"glyf" => new_glyf.clone(),
                b"loca" => new_loca.clone(),
                b"head" => new_head.clone(),
                _ => match tables.get(tag) {
                    Some(&(off, len)) => self.data[off..off + len].to_vec(),
                    None if matches!(tag, b"cvt " | b"fpgm" | b"prep") => continue,
                    None => return Err(ReportError::Font(format!("no {} table", String::from_utf8_lossy(tag)))),
                },
            };
            out_tables.push((*tag, bytes));
        }
        Ok(assemble(out_tables))
    }
}

/// Table tag → (offset, length), checked to lie inside the file.
fn table_directory(data: &[u8]) -> Result<BTreeMap<[u8; 4], (usize, usize)>, ReportError> {
    let count = usize::from(be_u16(data, 4)?);
    let mut out = BTreeMap::new();
    for i in 0..count {
        let rec = 12 + i * 16;
        let tag: [u8; 4] = data
            .get(rec..rec + 4)
            .and_then(|s| s.try_into().ok())
            .ok_or_else(|| ReportError::Font("truncated table directory".into()))?;
        let off = be_u32(data, rec + 8)? as usize;
        let len = be_u32(data, rec + 12)? as usize;
        if off.checked_add(len).is_none_or(|end| end > data.len()) {
            return Err(ReportError::Font(format!("table {} outside the file", String::from_utf8_lossy(&tag))));
        }
        out.insert(tag, (off, len));
    }
    Ok(out)
}

/// Glyph ids a composite glyph refers to (none for a simple or empty glyph).
fn components(outline: &[u8]) -> Result<Vec<usize>, ReportError> {
    const ARGS_ARE_WORDS: u16 = 0x0001;
    const HAVE_SCALE: u16 = 0x0008;
    const MORE_COMPONENTS: u16 = 0x0020;
    const HAVE_XY_SCALE: u16 = 0x0040;
    const HAVE_2X2: u16 = 0x0080;
    if outline.len() < 10 || be_i16(outline, 0)? >= 0 {
        return Ok(Vec::new());
    }
    let mut out = Vec::new();
    let mut at = 10;
    loop {
        let flags = be_u16(outline, at)?;
        out.push(usize::from(be_u16(outline, at + 2)?));
        at += 4 + if flags & ARGS_ARE_WORDS != 0 { 4 } else { 2 };
        at += if flags & HAVE_SCALE != 0 {
            2
        } else if flags & HAVE_XY_SCALE != 0 {
            4
        } else if flags & HAVE_2X2 != 0 {
            8
        } else {
            0
        };
        if flags & MORE_COMPONENTS == 0 {
            return Ok(out);
        }
    }
}

/// Writes an sfnt file from its tables (sorted by tag), with checksums and head's adjustment.
fn assemble(mut tables: Vec<([u8; 4], Vec<u8>)>) -> Vec<u8> {
    tables.sort_by_key(|a| a.0);
    let n = tables.len() as u16;
    let mut power = 1u16;
    let mut log = 0u16;
    while power * 2 <= n {
        power *= 2;
        log += 1;
    }
    let mut out = Vec::new();
    out.extend_from_slice(&0x0001_0000u32.to_be_bytes());
    for v in [n, power * 16, log, n * 16 - power * 16] {
        out.extend_from_slice(&v.to_be_bytes());
    }
    let mut offset = 12 + 16 * tables.len();
    let mut head_at = None;
    for (tag, bytes) in &tables {
        out.extend_from_slice(tag);
        out.extend_from_slice(&checksum(bytes).to_be_bytes());
        out.extend_from_slice(&(offset as u32).to_be_bytes());
        out.extend_from_slice(&(bytes.len() as u32).to_be_bytes());
        if tag == b"head" {
            head_at = Some(offset);
        }
        offset += bytes.len().div_ceil(4) * 4;
    }
    for (_, bytes) in &tables {
        out.extend_from_slice(bytes);
        out.resize(out.len().div_ceil(4) * 4, 0);
    }
    if let Some(at) = head_at {
        let adjust = 0xB1B0_AFBAu32.wrapping_sub(checksum(&out));
        out[at + 8..at + 12].copy_from_slice(&adjust.to_be_bytes());
    }
    out
}

fn checksum(bytes: &[u8]) -> u32 {
    bytes.chunks(4).fold(0u32, |sum, c| {
        let mut word = [0u8; 4];
        word[..c.len()].copy_from_slice(c);
        sum.wrapping_add(u32::from_be_bytes(word))
    })
}

fn be_u16(d: &[u8], at: usize) -> Result<u16, ReportError> {
    d.get(at..at + 2)
        .map(|s| u16::from_be_bytes([s[0], s[1]]))
        .ok_or_else(|| ReportError::Font("truncated font data".into()))
}

fn be_i16(d: &[u8], at: usize) -> Result<i16, ReportError> {
    be_u16(d, at).map(|v| v as i16)
}

fn be_u32(d: &[u8], at: usize) -> Result<u32, ReportError> {
    d.get(at..at + 4)
        .map(|s| u32::from_be_bytes([s[0], s[1], s[2], s[3]]))
        .ok_or_else(|| ReportError::Font("truncated font data".into()))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn serif() -> Font {
        Font::parse("DejaVuSerif", dejavu::serif::regular()).expect("DejaVu Serif parses")
    }

    #[test]
    fn maps_every_vietnamese_letter() {
        let f = serif();
        let letters = "aàáảãạăằắẳẵặâầấẩẫậbcdđeèéẻẽẹêềếểễệghiìíỉĩịklmnoòóỏõọôồốổỗộơờớởỡợpqrstuùúủũụưừứửữựvxyỳýỷỹỵ";
        for c in letters.chars().chain(letters.to_uppercase().chars()) {
            assert_ne!(f.glyph(c).0, 0, "no glyph for {c}");
        }
        assert_eq!(f.glyph('\u{E000}').0, 0, "a private-use character falls back to glyph 0");
        assert!(f.width("Quyết định", 10.0) > f.width("Quyết", 10.0));
    }

    #[test]
    fn subset_keeps_used_and_component_glyphs_and_parses_again() {
        let f = serif();
        let used: BTreeSet<u16> = "Đặng Ưng".chars().map(|c| f.glyph(c).0).collect();
        let bytes = f.subset(&used).expect("subset");
        assert!(bytes.len() < f.data.len() / 4, "{} of {} bytes", bytes.len(), f.data.len());
        let face = ttf_parser::Face::parse(&bytes, 0).expect("the subset is a valid font");
        assert_eq!(face.number_of_glyphs(), ttf_parser::Face::parse(f.data, 0).expect("font").number_of_glyphs());
        let original = ttf_parser::Face::parse(f.data, 0).expect("font");
        for &g in &used {
            let id = ttf_parser::GlyphId(g);
            assert_eq!(face.glyph_bounding_box(id), original.glyph_bounding_box(id), "glyph {g} kept as it was");
        }
        let unused = f.glyph('Z').0;
        assert_eq!(face.glyph_bounding_box(ttf_parser::GlyphId(unused)), None, "unused glyph emptied");
    }
}
