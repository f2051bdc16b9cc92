//! Fast text extraction from a PDF that lopdf has loaded.
//!
//! lopdf parses the file, resolves pages and fonts and builds each font's encoding; this module does
//! the per-page work itself, because lopdf's `extract_text` is slow on real documents: it parses each
//! font's `ToUnicode` CMap again on every page, allocates for every character it decodes, builds a
//! full operation list of the content stream, and sets up a new inflater for every stream.
//! Here each font's encoding is built once per document and its lookups are memoised, the content
//! stream is scanned by a small lexer that keeps only what text needs, and one inflater is reused.
//!
//! The text follows lopdf's conventions: `Tj`, `TJ`, `'` and `"` show text, a large negative
//! kerning in a `TJ` array and the end of the array count as a space, and `T*`, `ET`, `'` and `"`
//! start a new line. In addition, `Td`/`TD` with a vertical move start a new line, so that lines
//! placed one under the other do not run together.

use std::borrow::Cow;
use std::collections::HashMap;
use std::hash::{BuildHasherDefault, Hasher};

use flate2::{Decompress, FlushDecompress, Status};
use lopdf::{Dictionary, Document, Encoding, Object, ObjectId, Stream};

/// The most bytes a stream may inflate to (guards against decompression bombs): the content of one
/// page is cut here, a larger `ToUnicode` CMap is ignored, and lopdf refuses to load a larger object stream.
pub(crate) const MAX_INFLATED: usize = 64 * 1024 * 1024;

/// The text of the pages `page_ids`, in order, cut at `max_chars` characters; `None` when no page has
/// any (non-blank) text.
pub(crate) fn extract(doc: &Document, page_ids: &[ObjectId], max_chars: usize) -> Option<String> {
    let mut ex = Extractor { doc, fonts: Vec::new(), font_index: HashMap::new(), inflater: Inflater::new() };
    let mut out = Text { text: String::new(), chars: 0, max_chars, scratch: Vec::new() };
    let mut content = Vec::new();
    for &page_id in page_ids {
        if out.full() {
            break;
        }
        ex.page(page_id, &mut content, &mut out);
    }
    let mut text = out.text;
    if out.chars > max_chars {
        if let Some((end, _)) = text.char_indices().nth(max_chars) {
            text.truncate(end);
        }
    }
    (!text.trim().is_empty()).then_some(text)
}

/// Per-document state: fonts seen so far and the reusable inflater.
struct Extractor<'a> {
    doc: &'a Document,
    fonts: Vec<FontText<'a>>,
    /// Index into `fonts` by the address of the font dictionary (which lives as long as `doc`).
    font_index: HashMap<*const Dictionary, Option<usize>>,
    inflater: Inflater,
}

impl Extractor<'_> {
    /// Appends the text of one page to `out`; `content` is a reusable buffer.
    fn page(&mut self, page_id: ObjectId, content: &mut Vec<u8>, out: &mut Text) {
        let Ok(page_fonts) = self.doc.get_page_fonts(page_id) else { return };
        // Resource name -> index into `self.fonts`.
        let mut names: Vec<(Vec<u8>, Option<usize>)> = Vec::with_capacity(page_fonts.len());
        for (name, font) in page_fonts {
            let key = std::ptr::from_ref(font);
            let index = match self.font_index.get(&key) {
                Some(&index) => index,
                None => {
                    let index = font.get_font_encoding_with_limit(self.doc, MAX_INFLATED).ok().map(|encoding| {
                        self.fonts.push(FontText { encoding, memo: Memo::default() });
                        self.fonts.len() - 1
                    });
                    self.font_index.insert(key, index);
                    index
                }
            };
            names.push((name, index));
        }

        content.clear();
        for stream_id in self.doc.get_page_contents(page_id) {
            if let Ok(stream) = self.doc.get_object(stream_id).and_then(Object::as_stream) {
                self.inflater.decode(stream, content);
                content.push(b'\n');
            }
            if content.len() > MAX_INFLATED {
                content.truncate(MAX_INFLATED);
                break;
            }
        }

        let mut font: Option<usize> = None;
        let fonts = &mut self.fonts;
        scan_content(content, |op, operands| match op {
            b"Tf" => {
                font = match operands.first() {
                    Some(Operand::Name(name)) => {
                        names.iter().find(|(n, _)| n.as_slice() == name.as_ref()).and_then(|&(_, index)| index)
                    }
                    _ => None,
                };
            }
            b"Tj" | b"TJ" => {
                if let Some(f) = font.and_then(|i| fonts.get_mut(i)) {
                    out.show(f, operands);
                }
            }
            b"'" => {
                if let Some(f) = font.and_then(|i| fonts.get_mut(i)) {
                    out.newline();
                    out.show(f, operands);
                }
            }
            b"\"" => {
                if let Some(f) = font.and_then(|i| fonts.get_mut(i)) {
                    out.newline();
                    out.show(f, operands.get(2..).unwrap_or_default());
                }
            }
            b"Td" | b"TD" => {
                if matches!(operands.get(1), Some(Operand::Number(ty)) if *ty != 0.0) {
                    out.newline();
                }
            }
            b"T*" | b"ET" => out.newline(),
            _ => {}
        });
    }
}

/// A font's encoding, with memoised `ToUnicode` lookups.
struct FontText<'a> {
    encoding: Encoding<'a>,
    memo: Memo,
}

/// What a `ToUnicode` CMap gave for one code: nothing looked up yet, no mapping, or `len` UTF-16
/// units at `off` in [`Memo::units`].
#[derive(Clone, Copy, Default)]
enum Slot {
    #[default]
    Unknown,
    Missing,
    Found {
        off: u32,
        len: u16,
    },
}

/// Memoised CMap lookups: direct tables for 1- and 2-byte codes (the common cases), a map for longer ones.
#[derive(Default)]
struct Memo {
    /// The UTF-16 units of every mapping found so far.
    units: Vec<u16>,
    /// 1-byte codes.
    one: Option<Box<[Slot; 256]>>,
    /// 2-byte codes, by high byte then low byte; pages are allocated when first used.
    two: Vec<Option<Box<[Slot; 256]>>>,
    /// 3- and 4-byte codes, by `(code << 3) | len`.
    wide: FastMap<u64, Slot>,
}

impl Memo {
    /// Appends the mapping of `code` (of `len` bytes) to `out` and returns true, or returns false
    /// when the CMap has none; `get` asks the CMap the first time a code is seen.
    #[inline]
    fn lookup(&mut self, code: u32, len: u8, out: &mut Vec<u16>, get: impl FnOnce() -> Option<Vec<u16>>) -> bool {
        let Memo { units, one, two, wide } = self;
        let slot = match len {
            1 => &mut one.get_or_insert_with(|| Box::new([Slot::Unknown; 256]))[(code & 0xFF) as usize],
            2 => {
                if two.is_empty() {
                    two.resize_with(256, || None);
                }
                let page = &mut two[((code >> 8) & 0xFF) as usize];
                &mut page.get_or_insert_with(|| Box::new([Slot::Unknown; 256]))[(code & 0xFF) as usize]
            }
            _ => wide.entry((u64::from(code) << 3) | u64::from(len)).or_default(),
        };
        if let Slot::Unknown = slot {
            *slot = match get() {
                Some(found) if found.len() <= usize::from(u16::MAX) && units.len() <= u32::MAX as usize => {
                    let off = units.len() as u32;
                    units.extend_from_slice(&found);
                    Slot::Found { off, len: found.len() as u16 }
                }
                _ => Slot::Missing,
            };
        }
        match *slot {
            Slot::Found { off, len: 1 } => {
                out.push(units[off as usize]);
                true
            }
            Slot::Found { off, len } => {
                let off = off as usize;
                out.extend_from_slice(&units[off..off + usize::from(len)]);
                true
            }
            _ => false,
        }
    }
}

/// The text collected so far.
struct Text {
    text: String,
    /// Characters in `text`.
    chars: usize,
    /// Once `chars` reaches this, nothing more is added.
    max_chars: usize,
    /// UTF-16 units being decoded.
    scratch: Vec<u16>,
}

impl Text {
    /// Appends the strings among `operands` (of `Tj`, `TJ`, `'` or `"`) decoded with `font`.
    fn show(&mut self, font: &mut FontText<'_>, operands: &[Operand<'_>]) {
        if self.full() {
            return;
        }
        for operand in operands {
            match operand {
                Operand::String(bytes) => self.decode(font, bytes),
                Operand::Array(items) => {
                    self.show(font, items);
                    self.push(' ');
                }
                Operand::Number(n) if *n < -100.0 => self.push(' '),
                _ => {}
            }
        }
    }

    /// Starts a new line unless the text already ends one.
    fn newline(&mut self) {
        if !self.text.is_empty() && !self.text.ends_with('\n') {
            self.push('\n');
        }
    }

    fn full(&self) -> bool {
        self.chars >= self.max_chars
    }

    fn push(&mut self, c: char) {
        self.text.push(c);
        self.chars += 1;
    }

    /// Appends `bytes` decoded with the font's encoding.
    fn decode(&mut self, font: &mut FontText<'_>, bytes: &[u8]) {
        let before = self.text.len();
        match &font.encoding {
            Encoding::UnicodeMapEncoding(cmap) => {
                // lopdf's algorithm: grow the code a byte at a time until the CMap knows it (at most 4 bytes).
                self.scratch.clear();
                let memo = &mut font.memo;
                let scratch = &mut self.scratch;
                // With `replace`, a code without mapping becomes U+FFFD, as in lopdf.
                let mut lookup = |code: u32, len: u8, replace: bool| {
                    let found = memo.lookup(code, len, scratch, || cmap.get(code, len));
                    if !found && replace {
                        scratch.push(0xFFFD);
                    }
                    found
                };
                let (mut code, mut len) = (0u32, 0u8);
                for &b in bytes {
                    if len == 4 {
                        lookup(code, len, true);
                        (code, len) = (0, 0);
                    }
                    len += 1;
                    code = (code << 8) | u32::from(b);
                    if lookup(code, len, false) {
                        (code, len) = (0, 0);
                    }
                }
                if len > 0 {
                    lookup(code, len, true);
                }
                for c in char::decode_utf16(self.scratch.iter().copied()) {
                    self.text.push(c.unwrap_or(char::REPLACEMENT_CHARACTER));
                    self.chars += 1;
                }
                return;
            }
            other => {
                if let Ok(decoded) = other.bytes_to_string(bytes) {
                    self.text.push_str(&decoded);
                }
            }
        }
        self.chars += self.text[before..].chars().count();
    }
}

/// Inflates content streams, reusing one zlib state.
struct Inflater {
    z: Decompress,
}

impl Inflater {
    fn new() -> Inflater {
        Inflater { z: Decompress::new(true) }
    }

    /// Appends the decoded content of `stream` to `out`: Flate-only streams are inflated here, other
    /// filters go through lopdf, and undecodable content is kept raw (as lopdf's text extraction does).
    fn decode(&mut self, stream: &Stream, out: &mut Vec<u8>) {
        let flate_only = match stream.filters() {
            Err(_) => {
                out.extend_from_slice(&stream.content);
                return;
            }
            Ok(filters) => filters == [b"FlateDecode".as_slice()] && !stream.dict.has(b"DecodeParms"),
        };
        let start = out.len();
        if flate_only && self.inflate(&stream.content, out) {
            return;
        }
        out.truncate(start);
        match stream.decompressed_content_with_limit(MAX_INFLATED) {
            Ok(data) => out.extend_from_slice(&data),
            Err(_) => out.extend_from_slice(&stream.content),
        }
    }

    /// Inflates a zlib stream into `out`; false on corrupt data (a truncated stream keeps what was read).
    fn inflate(&mut self, input: &[u8], out: &mut Vec<u8>) -> bool {
        self.z.reset(true);
        let limit = out.len() + MAX_INFLATED;
        loop {
            if out.len() >= limit {
                return true;
            }
            if out.capacity() - out.len() < 4096 {
                out.reserve((input.len() * 4).clamp(8192, 1 << 20));
            }
            let consumed = usize::try_from(self.z.total_in()).unwrap_or(usize::MAX);
            let (before_in, before_out) = (self.z.total_in(), out.len());
            match self.z.decompress_vec(input.get(consumed..).unwrap_or_default(), out, FlushDecompress::None) {
                Ok(Status::StreamEnd) => return true,
                Ok(_) if self.z.total_in() == before_in && out.len() == before_out => {
                    // No progress with room to spare: the input is exhausted (truncated stream).
                    return out.len() > before_out || consumed >= input.len();
                }
                Ok(_) => {}
                Err(_) => return false,
            }
        }
    }
}

/// An operand of a content-stream operator, as far as text extraction needs it.
#[derive(Debug, PartialEq)]
enum Operand<'a> {
    /// A literal or hexadecimal string, decoded to its bytes.
    String(Cow<'a, [u8]>),
    /// A name, without the slash.
    Name(Cow<'a, [u8]>),
    Number(f64),
    Array(Vec<Operand<'a>>),
    /// Anything else (booleans, null, dictionaries).
    Other,
}

fn is_whitespace(b: u8) -> bool {
    matches!(b, b'\0' | b'\t' | b'\n' | b'\x0c' | b'\r' | b' ')
}

fn is_delimiter(b: u8) -> bool {
    matches!(b, b'(' | b')' | b'<' | b'>' | b'[' | b']' | b'{' | b'}' | b'/' | b'%')
}

fn is_regular(b: u8) -> bool {
    !is_whitespace(b) && !is_delimiter(b)
}

/// Scans a content stream, calling `on_op(operator, operands)` for each operator.
///
/// Tolerant like PDF readers are: unknown bytes are skipped, unterminated strings end at the end of
/// the data, and inline image data (`BI … ID … EI`) is skipped.
fn scan_content<'a>(data: &'a [u8], mut on_op: impl FnMut(&[u8], &[Operand<'a>])) {
    let mut operands: Vec<Operand<'a>> = Vec::new();
    // Open arrays, innermost last.
    let mut arrays: Vec<Vec<Operand<'a>>> = Vec::new();
    let mut dict_depth = 0usize;
    let mut pos = 0;
    while pos < data.len() {
        let b = data[pos];
        let operand = match b {
            _ if is_whitespace(b) => {
                pos += 1;
                continue;
            }
            b'%' => {
                while pos < data.len() && data[pos] != b'\n' && data[pos] != b'\r' {
                    pos += 1;
                }
                continue;
            }
            b'(' => {
                let (s, end) = literal_string(data, pos + 1);
                pos = end;
                Operand::String(s)
            }
            b'<' if data.get(pos + 1) == Some(&b'<') => {
                pos += 2;
                dict_depth += 1;
                continue;
            }
            b'>' if data.get(pos + 1) == Some(&b'>') => {
                pos += 2;
                dict_depth = dict_depth.saturating_sub(1);
                if dict_depth == 0 {
                    push(&mut operands, &mut arrays, Operand::Other);
                }
                continue;
            }
            b'<' => {
                let (s, end) = hex_string(data, pos + 1);
                pos = end;
                Operand::String(Cow::Owned(s))
            }
            b'[' => {
                pos += 1;
                if dict_depth == 0 {
                    arrays.push(Vec::new());
                }
                continue;
            }
            b']' => {
                pos += 1;
                if dict_depth == 0 {
                    if let Some(items) = arrays.pop() {
                        push(&mut operands, &mut arrays, Operand::Array(items));
                    }
                }
                continue;
            }
            b'/' => {
                let start = pos + 1;
                pos = start;
                while pos < data.len() && is_regular(data[pos]) {
                    pos += 1;
                }
                Operand::Name(decode_name(&data[start..pos]))
            }
            _ if is_delimiter(b) => {
                // A stray `)`, `>`, `{` or `}`.
                pos += 1;
                continue;
            }
            _ => {
                let start = pos;
                while pos < data.len() && is_regular(data[pos]) {
                    pos += 1;
                }
                let token = &data[start..pos];
                if matches!(token[0], b'0'..=b'9' | b'+' | b'-' | b'.') {
                    number(token).map_or(Operand::Other, Operand::Number)
                } else if matches!(token, b"true" | b"false" | b"null") {
                    Operand::Other
                } else {
                    if dict_depth > 0 {
                        continue;
                    }
                    // An operator ends any unterminated array.
                    while let Some(items) = arrays.pop() {
                        push(&mut operands, &mut arrays, Operand::Array(items));
                    }
                    if token == b"ID" {
                        pos = skip_inline_image(data, pos);
                    } else {
                        on_op(token, &operands);
                    }
                    operands.clear();
                    continue;
                }
            }
        };
        if dict_depth == 0 {
            push(&mut operands, &mut arrays, operand);
        }
    }
}

/// Adds an operand to the innermost open array, or to the operand list.
fn push<'a>(operands: &mut Vec<Operand<'a>>, arrays: &mut [Vec<Operand<'a>>], operand: Operand<'a>) {
    match arrays.last_mut() {
        Some(items) => items.push(operand),
        None => operands.push(operand),
    }
}

/// Parses a PDF number (`12`, `-3.5`, `.5`, `4.`).
fn number(token: &[u8]) -> Option<f64> {
    std::str::from_utf8(token).ok()?.parse().ok()
}

/// A name with its `#xx` escapes decoded.
fn decode_name(raw: &[u8]) -> Cow<'_, [u8]> {
    if !raw.contains(&b'#') {
        return Cow::Borrowed(raw);
    }
    let mut out = Vec::with_capacity(raw.len());
    let mut i = 0;
    while i < raw.len() {
        if raw[i] == b'#' {
            if let (Some(h), Some(l)) = (raw.get(i + 1).and_then(hex_val), raw.get(i + 2).and_then(hex_val)) {
                out.push(h << 4 | l);
                i += 3;
                continue;
            }
        }
        out.push(raw[i]);
        i += 1;
    }
    Cow::Owned(out)
}

fn hex_val(b: &u8) -> Option<u8> {
    match b {
        b'0'..=b'9' => Some(b - b'0'),
        b'a'..=b'f' => Some(b - b'a' + 10),
        b'A'..=b'F' => Some(b - b'A' + 10),
        _ => None,
    }
}

/// A hexadecimal string starting after its `<`; returns the bytes and the position after the `>`.
fn hex_string(data: &[u8], start: usize) -> (Vec<u8>, usize) {
    let mut out = Vec::new();
    let mut high: Option<u8> = None;
    let mut pos = start;
    while pos < data.len() {
        let b = data[pos];
        pos += 1;
        if b == b'>' {
            break;
        }
        if let Some(v) = hex_val(&b) {
            match high.take() {
                Some(h) => out.push(h << 4 | v),
                None => high = Some(v),
            }
        }
    }
    if let Some(h) = high {
        out.push(h << 4);
    }
    (out, pos)
}

/// A literal string starting after its `(`; returns the bytes and the position after the closing `)`.
///
/// Borrows the data when the string has no escape and no carriage return.
fn literal_string(data: &[u8], start: usize) -> (Cow<'_, [u8]>, usize) {
    // Fast path: find the end, checking for anything that needs decoding.
    let mut depth = 1usize;
    let mut pos = start;
    while pos < data.len() {
        match data[pos] {
            b'\\' | b'\r' => break,
            b'(' => depth += 1,
            b')' => {
                depth -= 1;
                if depth == 0 {
                    return (Cow::Borrowed(&data[start..pos]), pos + 1);
                }
            }
            _ => {}
        }
        pos += 1;
    }
    if pos >= data.len() {
        return (Cow::Borrowed(&data[start..]), data.len());
    }

    let mut out = data[start..pos].to_vec();
    while pos < data.len() {
        let b = data[pos];
        pos += 1;
        match b {
            b'(' => {
                depth += 1;
                out.push(b);
            }
            b')' => {
                depth -= 1;
                if depth == 0 {
                    return (Cow::Owned(out), pos);
                }
                out.push(b);
            }
            b'\r' => {
                // An end of line in a string is a line feed, whatever its form.
                if data.get(pos) == Some(&b'\n') {
                    pos += 1;
                }
                out.push(b'\n');
            }
            b'\\' => {
                let Some(&e) = data.get(pos) else { break };
                pos += 1;
                match e {
                    b'n' => out.push(b'\n'),
                    b'r' => out.push(b'\r'),
                    b't' => out.push(b'\t'),
                    b'b' => out.push(0x08),
                    b'f' => out.push(0x0c),
                    b'0'..=b'7' => {
                        let mut v = u32::from(e - b'0');
                        for _ in 0..2 {
                            match data.get(pos) {
                                Some(&d @ b'0'..=b'7') => {
                                    v = v * 8 + u32::from(d - b'0');
                                    pos += 1;
                                }
                                _ => break,
                            }
                        }
                        out.push((v & 0xFF) as u8);
                    }
                    // A backslash at the end of a line continues the string on the next line.
                    b'\r' => {
                        if data.get(pos) == Some(&b'\n') {
                            pos += 1;
                        }
                    }
                    b'\n' => {}
                    other => out.push(other),
                }
            }
            _ => out.push(b),
        }
    }
    (Cow::Owned(out), data.len())
}

/// The position after the `EI` that ends inline image data starting at `pos` (just after `ID`).
fn skip_inline_image(data: &[u8], pos: usize) -> usize {
    // One white-space byte follows `ID`; the data ends at `EI` between white space and white space / end.
    let mut i = pos + 1;
    while i + 1 < data.len() {
        if data[i] == b'E'
            && data[i + 1] == b'I'
            && is_whitespace(data[i - 1])
            && data.get(i + 2).is_none_or(|&b| is_whitespace(b))
        {
            return i + 2;
        }
        i += 1;
    }
    data.len()
}

/// A `HashMap` with a fast hash for small integer keys (not exposed to untrusted key choice at scale).
type FastMap<K, V> = HashMap<K, V, BuildHasherDefault<FastHasher>>;

/// Multiplicative hashing for `u64` keys.
#[derive(Default)]
struct FastHasher(u64);

impl Hasher for FastHasher {
    fn finish(&self) -> u64 {
        self.0
    }

    fn write(&mut self, bytes: &[u8]) {
        for &b in bytes {
            self.write_u64(u64::from(b));
        }
    }

    fn write_u64(&mut self, n: u64) {
        self.0 = (self.0.rotate_left(5) ^ n).wrapping_mul(0x517c_c1b7_2722_0a95);
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn ops(data: &[u8]) -> Vec<(String, Vec<Operand<'_>>)> {
        let mut out = Vec::new();
        scan_content(data, |op, operands| {
            let copy = operands.iter().map(clone_operand).collect();
            out.push((String::from_utf8_lossy(op).into_owned(), copy));
        });
        out
    }

    fn clone_operand<'a>(o: &Operand<'a>) -> Operand<'a> {
        match o {
            Operand::String(s) => Operand::String(s.clone()),
            Operand::Name(s) => Operand::Name(s.clone()),
            Operand::Number(n) => Operand::Number(*n),
            Operand::Array(items) => Operand::Array(items.iter().map(clone_operand).collect()),
            Operand::Other => Operand::Other,
        }
    }

    fn s(bytes: &[u8]) -> Operand<'_> {
        Operand::String(Cow::Borrowed(bytes))
    }

    #[test]
    fn lexes_text_operators() {
        let got = ops(b"BT /F1 12 Tf 72 720 Td (Quyet dinh) Tj [(A) -250 (B)] TJ ET");
        let names: Vec<&str> = got.iter().map(|(op, _)| op.as_str()).collect();
        assert_eq!(names, ["BT", "Tf", "Td", "Tj", "TJ", "ET"]);
        assert_eq!(got[1].1, [Operand::Name(Cow::Borrowed(b"F1")), Operand::Number(12.0)]);
        assert_eq!(got[3].1, [s(b"Quyet dinh")]);
        assert_eq!(got[4].1, [Operand::Array(vec![s(b"A"), Operand::Number(-250.0), s(b"B")])]);
    }

    #[test]
    fn literal_string_escapes() {
        let (v, end) = literal_string(b"a\\(b\\)c\\\\d\\n\\101\\7x(nested)) rest", 0);
        assert_eq!(v.as_ref(), b"a(b)c\\d\nA\x07x(nested)");
        assert_eq!(end, 28);
        let (v, _) = literal_string(b"line\\\r\ncontinued)", 0);
        assert_eq!(v.as_ref(), b"linecontinued");
        let (v, end) = literal_string(b"unterminated", 0);
        assert_eq!((v.as_ref(), end), (b"unterminated".as_slice(), 12));
    }

    #[test]
    fn hex_strings_names_and_numbers() {
        assert_eq!(hex_string(b"48 65 6c6C6f>", 0).0, b"Hello");
        assert_eq!(hex_string(b"414>", 0).0, b"A@");
        assert_eq!(decode_name(b"F#231").as_ref(), b"F#1");
        assert_eq!(number(b"-.5"), Some(-0.5));
        assert_eq!(number(b"4."), Some(4.0));
        assert_eq!(number(b"--1"), None);
    }

    #[test]
    fn skips_dictionaries_comments_and_inline_images() {
        let data =
            b"/P <</MCID 0 /Alt (x)>> BDC % comment (not text) Tj\nBI /W 2 /H 1 ID \x00EI(\xff\nEI Q (after) Tj EMC";
        let got = ops(data);
        let names: Vec<&str> = got.iter().map(|(op, _)| op.as_str()).collect();
        assert_eq!(names, ["BDC", "BI", "Q", "Tj", "EMC"]);
        assert_eq!(got[0].1, [Operand::Name(Cow::Borrowed(b"P")), Operand::Other]);
        assert_eq!(got[3].1, [s(b"after")]);
    }

    #[test]
    fn tolerates_garbage() {
        let _ = ops(b")]>> }{ [[[ (abc");
        let _ = ops(b"<<<<<< /x [ ( ");
        let _ = ops(b"\\ \xff\xfe 1.2.3 -- Tj");
    }
}
