//! The event cursor under the reader: one quick-xml event at a time, with the byte offsets, the
//! nesting depth, the DOCTYPE and entity refusals, text assembly and the typed-value parsers.
//! Problems found along the way are collected, not returned, so one read reports them all.

use std::borrow::Cow;
use std::collections::HashSet;

use quick_xml::events::{BytesRef, BytesStart, Event};
use quick_xml::Reader;

use super::{notes, Note, ReadOptions};
use crate::error::{codes, EdxmlError, ErrorKind, Problem, MAX_PROBLEMS};
use crate::text::{first_bad_char, nfc};
use crate::values::{AgencyCode, Date, DocumentId, Timestamp, Tolerance};
use crate::write::EDXML_NS;

/// An element start as seen by the cursor.
/// At most this many notes are kept for one package (plus one [`notes::MORE_NOTES`]).
pub(super) const MAX_NOTES: usize = 100;

pub(super) struct El<'a> {
    /// Local name, with `Business…` already spelled `Bussiness…`.
    pub(super) name: String,
    /// Offset of its `<` in the original input.
    pub(super) start: usize,
    /// `<x/>`.
    pub(super) empty: bool,
    pub(super) tag: BytesStart<'a>,
}

pub(super) struct Cursor<'a> {
    pub(super) reader: Reader<&'a [u8]>,
    pub(super) base: usize,
    pub(super) depth: usize,
    pub(super) opts: &'a ReadOptions,
    pub(super) problems: Vec<Problem>,
    pub(super) notes: Vec<Note>,
    pub(super) attachment_count: usize,
    pub(super) reference_count: usize,
}

pub(super) fn malformed(vi: impl Into<String>, en: impl Into<String>, offset: usize) -> EdxmlError {
    EdxmlError::one(ErrorKind::Malformed, Problem::new("", codes::XML_MALFORMED, vi, en)).at(offset as u64)
}

pub(super) fn refused_doctype(offset: usize) -> EdxmlError {
    EdxmlError::one(
        ErrorKind::Refused,
        Problem::new(
            "",
            codes::XML_DOCTYPE,
            "Gói tin có khai báo DOCTYPE: bị từ chối (không cho phép DTD và thực thể tự định nghĩa).",
            "The package has a DOCTYPE declaration: refused (no DTD and no declared entities are allowed).",
        ),
    )
    .at(offset as u64)
}

pub(super) fn refused_entity(name: &str, offset: usize) -> EdxmlError {
    let shown = crate::error::shorten(name);
    EdxmlError::one(
        ErrorKind::Refused,
        Problem::new(
            "",
            codes::XML_ENTITY,
            format!("Tham chiếu thực thể &{shown}; không được phép (chỉ dùng &lt; &gt; &amp; &apos; &quot; và &#…;)."),
            format!("The entity reference &{shown}; is not allowed (only &lt; &gt; &amp; &apos; &quot; and &#…;)."),
        ),
    )
    .at(offset as u64)
}

pub(super) fn convert_xml_error(e: quick_xml::Error, offset: usize) -> EdxmlError {
    if let quick_xml::Error::Escape(quick_xml::escape::EscapeError::UnrecognizedEntity(_, name)) = &e {
        return refused_entity(name, offset);
    }
    malformed(format!("XML không hợp lệ: {e}."), format!("Malformed XML: {e}."), offset)
}

/// The namespace of `el`: the declaration of its prefix (or the default namespace) on `el` or on
/// the first of `outer` that has one; `None` when none is declared.
pub(super) fn namespace_of(el: &El<'_>, outer: &[&El<'_>]) -> Result<Option<String>, EdxmlError> {
    let qname = el.tag.name();
    let wanted: String = match qname.prefix() {
        Some(p) => format!("xmlns:{}", p.as_ref()),
        None => "xmlns".to_owned(),
    };
    for e in std::iter::once(el).chain(outer.iter().copied()) {
        for attr in e.tag.attributes() {
            let attr = attr.map_err(|err| convert_xml_error(err.into(), e.start))?;
            if attr.key.as_ref() == wanted {
                let v = attr
                    .normalized_value(quick_xml::XmlVersion::Implicit1_0)
                    .map_err(|err| convert_xml_error(err, e.start))?;
                return Ok(Some(v.into_owned()));
            }
        }
    }
    Ok(None)
}

pub(super) fn join(parent: &str, name: &str) -> String {
    if parent.is_empty() {
        name.to_owned()
    } else {
        format!("{parent}/{name}")
    }
}

impl<'a> Cursor<'a> {
    pub(super) fn new(text: &'a str, base: usize, opts: &'a ReadOptions) -> Cursor<'a> {
        let mut reader = Reader::from_str(text);
        let cfg = reader.config_mut();
        cfg.check_end_names = true;
        cfg.expand_empty_elements = false;
        cfg.trim_text(false);
        Cursor {
            reader,
            base,
            depth: 0,
            opts,
            problems: Vec::new(),
            notes: Vec::new(),
            attachment_count: 0,
            reference_count: 0,
        }
    }

    pub(super) fn pos(&self) -> usize {
        self.base + usize::try_from(self.reader.buffer_position()).unwrap_or(usize::MAX)
    }

    pub(super) fn next(&mut self) -> Result<(usize, Event<'a>), EdxmlError> {
        let pos = self.pos();
        match self.reader.read_event() {
            Ok(Event::DocType(_)) => Err(refused_doctype(pos)),
            Ok(ev) => Ok((pos, ev)),
            Err(e) => {
                let at = self.base + usize::try_from(self.reader.error_position()).unwrap_or(0);
                Err(convert_xml_error(e, at))
            }
        }
    }

    /// Records a note; past [`MAX_NOTES`] only one [`notes::MORE_NOTES`] is added.
    pub(super) fn note(&mut self, path: &str, code: &'static str, detail: impl Into<String>) {
        match self.notes.len().cmp(&MAX_NOTES) {
            std::cmp::Ordering::Less => self.notes.push(Note { path: path.to_owned(), code, detail: detail.into() }),
            std::cmp::Ordering::Equal => {
                self.notes.push(Note { path: String::new(), code: notes::MORE_NOTES, detail: String::new() })
            }
            std::cmp::Ordering::Greater => {}
        }
    }

    /// Records a problem; past [`MAX_PROBLEMS`] they are dropped.
    pub(super) fn problem(&mut self, p: Problem) {
        if self.problems.len() < MAX_PROBLEMS {
            self.problems.push(p);
        }
    }

    /// Combines the reader's problems (one per element) with the validator's, leaving out those
    /// about an element already reported or inside or around it, and fails if there are any.
    pub(super) fn finish(&mut self, validation: Vec<Problem>) -> Result<(), EdxmlError> {
        let mut seen: HashSet<String> = HashSet::new();
        let mut problems: Vec<Problem> = Vec::new();
        for p in std::mem::take(&mut self.problems) {
            if seen.insert(p.path.clone()) {
                problems.push(p);
            }
        }
        // Every proper ancestor of a reported path.
        let mut around: HashSet<String> = HashSet::new();
        for path in &seen {
            let mut rest = path.as_str();
            while let Some((parent, _)) = rest.rsplit_once('/') {
                around.insert(parent.to_owned());
                rest = parent;
            }
        }
        let covered = |path: &str| {
            if seen.contains(path) || around.contains(path) {
                return true;
            }
            let mut rest = path;
            while let Some((parent, _)) = rest.rsplit_once('/') {
                if seen.contains(parent) {
                    return true;
                }
                rest = parent;
            }
            false
        };
        problems.extend(validation.into_iter().filter(|v| !covered(&v.path)));
        if problems.is_empty() {
            Ok(())
        } else {
            Err(EdxmlError::invalid(problems))
        }
    }

    pub(super) fn element(
        &mut self,
        tag: BytesStart<'a>,
        start: usize,
        empty: bool,
        parent: &str,
    ) -> Result<El<'a>, EdxmlError> {
        if !empty {
            self.depth += 1;
            let max = self.opts.limits.max_depth;
            if self.depth > max {
                return Err(EdxmlError::one(
                    ErrorKind::TooLarge,
                    Problem::new(
                        parent,
                        codes::LIMIT_DEPTH,
                        format!("Các phần tử lồng nhau sâu quá {max} cấp."),
                        format!("Elements are nested deeper than {max} levels."),
                    ),
                )
                .at(start as u64));
            }
        }
        let local = tag.local_name();
        let local: &str = local.as_ref();
        let name = match local.strip_prefix("Business") {
            Some(rest) => {
                let fixed = format!("Bussiness{rest}");
                self.note(&join(parent, &fixed), notes::BUSINESS_SPELLING, local);
                fixed
            }
            None => local.to_owned(),
        };
        Ok(El { name, start, empty, tag })
    }

    /// Checks a reference outside text: the same rules as inside.
    pub(super) fn resolve_ref(&self, r: &BytesRef<'_>, pos: usize) -> Result<char, EdxmlError> {
        if r.is_char_ref() {
            return match r.resolve_char_ref() {
                Ok(Some(c)) => Ok(c),
                Ok(None) | Err(_) => {
                    Err(malformed("Tham chiếu ký tự không hợp lệ.", "Invalid character reference.", pos))
                }
            };
        }
        match r.as_ref() {
            "lt" => Ok('<'),
            "gt" => Ok('>'),
            "amp" => Ok('&'),
            "apos" => Ok('\''),
            "quot" => Ok('"'),
            other => Err(refused_entity(other, pos)),
        }
    }

    /// Everything before the root element; returns the root.
    pub(super) fn prolog(&mut self) -> Result<El<'a>, EdxmlError> {
        loop {
            let (pos, ev) = self.next()?;
            match ev {
                Event::Decl(d) => {
                    if let Some(Ok(enc)) = d.encoding() {
                        let e = enc.to_ascii_lowercase();
                        if e != "utf-8" && e != "utf8" {
                            return Err(EdxmlError::one(
                                ErrorKind::Malformed,
                                Problem::new(
                                    "",
                                    codes::XML_ENCODING,
                                    format!("Gói tin khai báo bảng mã {enc}; chỉ chấp nhận UTF-8."),
                                    format!("The package declares the encoding {enc}; only UTF-8 is accepted."),
                                ),
                            )
                            .at(pos as u64));
                        }
                    }
                }
                Event::Text(t) if t.trim().is_empty() => {}
                Event::Comment(_) | Event::PI(_) => {}
                Event::Start(tag) => return self.element(tag, pos, false, ""),
                Event::Empty(tag) => return self.element(tag, pos, true, ""),
                Event::Eof => {
                    return Err(malformed("Không có phần tử gốc.", "There is no root element.", pos));
                }
                _ => {
                    return Err(malformed(
                        "Có nội dung trước phần tử gốc.",
                        "There is content before the root element.",
                        pos,
                    ));
                }
            }
        }
    }

    /// Everything after the root element: only whitespace, comments and processing instructions.
    pub(super) fn epilog(&mut self) -> Result<(), EdxmlError> {
        loop {
            let (pos, ev) = self.next()?;
            match ev {
                Event::Eof => return Ok(()),
                Event::Text(t) if t.trim().is_empty() => {}
                Event::Comment(_) | Event::PI(_) => {}
                _ => {
                    return Err(malformed(
                        "Có nội dung sau phần tử gốc.",
                        "There is content after the root element.",
                        pos,
                    ));
                }
            }
        }
    }

    /// The next child element of the current element, or `None` after its end tag.
    pub(super) fn child(&mut self, parent: &str) -> Result<Option<El<'a>>, EdxmlError> {
        let mut noted_text = false;
        loop {
            let (pos, ev) = self.next()?;
            match ev {
                Event::Start(tag) => return self.element(tag, pos, false, parent).map(Some),
                Event::Empty(tag) => return self.element(tag, pos, true, parent).map(Some),
                Event::End(_) => {
                    self.depth = self.depth.saturating_sub(1);
                    return Ok(None);
                }
                Event::Text(t) => {
                    if !noted_text && !t.trim().is_empty() {
                        noted_text = true;
                        self.note(parent, notes::UNEXPECTED_TEXT, crate::error::shorten(t.trim()));
                    }
                }
                Event::CData(_) => {
                    if !noted_text {
                        noted_text = true;
                        self.note(parent, notes::UNEXPECTED_TEXT, "CDATA");
                    }
                }
                Event::GeneralRef(r) => {
                    self.resolve_ref(&r, pos)?;
                    if !noted_text {
                        noted_text = true;
                        self.note(parent, notes::UNEXPECTED_TEXT, format!("&{};", r.as_ref()));
                    }
                }
                Event::Comment(_) | Event::PI(_) => {}
                Event::Decl(_) | Event::DocType(_) => {
                    return Err(malformed(
                        "Khai báo XML ở vị trí không hợp lệ.",
                        "An XML declaration in a wrong place.",
                        pos,
                    ));
                }
                Event::Eof => {
                    return Err(malformed(
                        format!("Gói tin kết thúc giữa chừng, bên trong {parent}."),
                        format!("The package ends early, inside {parent}."),
                        pos,
                    ));
                }
            }
        }
    }

    /// Skips an element and everything in it; returns the offset after its end.
    pub(super) fn skip(&mut self, el: &El<'a>) -> Result<usize, EdxmlError> {
        if el.empty {
            return Ok(self.pos());
        }
        let mut level = 1usize;
        loop {
            let (pos, ev) = self.next()?;
            match ev {
                Event::Start(_) => {
                    level += 1;
                    self.depth += 1;
                    if self.depth > self.opts.limits.max_depth {
                        let max = self.opts.limits.max_depth;
                        return Err(EdxmlError::one(
                            ErrorKind::TooLarge,
                            Problem::new(
                                el.name.as_str(),
                                codes::LIMIT_DEPTH,
                                format!("Các phần tử lồng nhau sâu quá {max} cấp."),
                                format!("Elements are nested deeper than {max} levels."),
                            ),
                        )
                        .at(pos as u64));
                    }
                }
                Event::End(_) => {
                    level -= 1;
                    self.depth = self.depth.saturating_sub(1);
                    if level == 0 {
                        return Ok(self.pos());
                    }
                }
                Event::GeneralRef(r) => {
                    self.resolve_ref(&r, pos)?;
                }
                Event::Eof => {
                    return Err(malformed(
                        format!("Gói tin kết thúc giữa chừng, bên trong {}.", el.name),
                        format!("The package ends early, inside {}.", el.name),
                        pos,
                    ));
                }
                Event::Decl(_) => {
                    return Err(malformed(
                        "Khai báo XML ở vị trí không hợp lệ.",
                        "An XML declaration in a wrong place.",
                        pos,
                    ));
                }
                _ => {}
            }
        }
    }

    pub(super) fn unknown(&mut self, el: &El<'a>, parent: &str) -> Result<(), EdxmlError> {
        self.note(&join(parent, &el.name), notes::UNKNOWN_ELEMENT, el.name.clone());
        self.skip(el).map(|_| ())
    }

    /// The text of an element that holds text only: references resolved, line ends normalised,
    /// trimmed, in Unicode NFC (Vietnamese often arrives decomposed).
    pub(super) fn text(&mut self, el: &El<'a>, path: &str) -> Result<String, EdxmlError> {
        let s = self.raw_text(el, path)?;
        let trimmed = s.trim();
        if let Some(c) = first_bad_char(trimmed) {
            self.problem(Problem::invalid_char(path, c));
            return Ok(String::new());
        }
        Ok(nfc(trimmed).into_owned())
    }

    /// The verdict on the namespace `found` of the package's main element `name` (at `start`):
    /// it must be [`EDXML_NS`] exactly. Refused with [`codes::XML_NAMESPACE`], or with
    /// [`ReadOptions::lenient`] noted. Given once the whole input is read, so that malformed XML
    /// and limits are reported first.
    pub(super) fn namespace_verdict(
        &mut self,
        name: &str,
        start: usize,
        found: Option<String>,
    ) -> Result<(), EdxmlError> {
        if found.as_deref() == Some(EDXML_NS) {
            return Ok(());
        }
        let shown = found.unwrap_or_default();
        if self.opts.lenient {
            self.note(name, notes::NAMESPACE, shown);
            return Ok(());
        }
        let shown = crate::error::shorten(&shown);
        Err(EdxmlError::one(
            ErrorKind::Invalid,
            Problem::new(
                name,
                codes::XML_NAMESPACE,
                format!("Phần tử {name} phải thuộc không gian tên {EDXML_NS}, không phải “{shown}”."),
                format!("The element {name} must be in the namespace {EDXML_NS}, not “{shown}”."),
            ),
        )
        .at(start as u64))
    }

    /// The text of an element as it is (borrowed from the input when it is one piece): references
    /// resolved and line ends normalised, not trimmed nor checked.
    pub(super) fn raw_text(&mut self, el: &El<'a>, path: &str) -> Result<Cow<'a, str>, EdxmlError> {
        if el.empty {
            return Ok(Cow::Borrowed(""));
        }
        // Most elements hold one text event: keep it borrowed until a second piece arrives.
        let mut s: Cow<'a, str> = Cow::Borrowed("");
        let append = |s: &mut Cow<'a, str>, piece: Cow<'a, str>| {
            if s.is_empty() {
                *s = piece;
            } else {
                s.to_mut().push_str(&piece);
            }
        };
        loop {
            let (pos, ev) = self.next()?;
            match ev {
                Event::Text(t) => append(&mut s, t.xml10_content()),
                Event::CData(t) => append(&mut s, t.xml10_content()),
                Event::GeneralRef(r) => {
                    let c = self.resolve_ref(&r, pos)?;
                    s.to_mut().push(c);
                }
                Event::Start(tag) => {
                    let inner = self.element(tag, pos, false, path)?;
                    self.problem(Problem::unexpected_element(path, &inner.name));
                    self.skip(&inner)?;
                }
                Event::Empty(tag) => {
                    let inner = self.element(tag, pos, true, path)?;
                    self.problem(Problem::unexpected_element(path, &inner.name));
                }
                Event::End(_) => {
                    self.depth = self.depth.saturating_sub(1);
                    break;
                }
                Event::Comment(_) | Event::PI(_) => {}
                Event::Decl(_) | Event::DocType(_) => {
                    return Err(malformed(
                        "Khai báo XML ở vị trí không hợp lệ.",
                        "An XML declaration in a wrong place.",
                        pos,
                    ));
                }
                Event::Eof => {
                    return Err(malformed(
                        format!("Gói tin kết thúc giữa chừng, bên trong {path}."),
                        format!("The package ends early, inside {path}."),
                        pos,
                    ));
                }
            }
        }
        Ok(s)
    }

    /// Reads a text child once; a second one is a problem.
    pub(super) fn text_once(&mut self, el: &El<'a>, path: &str, slot: &mut Option<String>) -> Result<(), EdxmlError> {
        if slot.is_some() {
            self.problem(Problem::repeated(path));
            self.skip(el)?;
            return Ok(());
        }
        *slot = Some(self.text(el, path)?);
        Ok(())
    }

    /// Reads a typed child once: `parse` turns the text into a value or a problem.
    pub(super) fn value_once<T>(
        &mut self,
        el: &El<'a>,
        path: &str,
        slot: &mut Option<T>,
        parse: impl FnOnce(&mut Self, &str, &str) -> Option<T>,
    ) -> Result<(), EdxmlError> {
        if slot.is_some() {
            self.problem(Problem::repeated(path));
            self.skip(el)?;
            return Ok(());
        }
        let t = self.text(el, path)?;
        if let Some(v) = parse(self, &t, path) {
            *slot = Some(v);
        }
        Ok(())
    }

    /// Reads a structured child once with `read`; a repeat is a problem and is skipped.
    pub(super) fn struct_once<T>(
        &mut self,
        el: &El<'a>,
        path: &str,
        slot: &mut Option<T>,
        read: impl FnOnce(&mut Self, &El<'a>, &str) -> Result<T, EdxmlError>,
    ) -> Result<(), EdxmlError> {
        if slot.is_some() {
            self.problem(Problem::repeated(path));
            self.skip(el)?;
            return Ok(());
        }
        *slot = Some(read(self, el, path)?);
        Ok(())
    }

    pub(super) fn repeated_struct(&mut self, seen: &mut bool, el: &El<'a>, path: &str) -> Result<bool, EdxmlError> {
        if *seen {
            self.problem(Problem::repeated(path));
            self.skip(el)?;
            return Ok(true);
        }
        *seen = true;
        Ok(false)
    }

    // --- typed values -------------------------------------------------------------------------

    /// Refuses lower-case letters in an identifier code (the standard's alphabet is `[0-9A-Z.]`),
    /// or with [`ReadOptions::lenient`] notes them; `true` when the code may be read on.
    fn code_case(&mut self, code: &str, value: &str, path: &str) -> bool {
        if !code.bytes().any(|b| b.is_ascii_lowercase()) {
            return true;
        }
        if self.opts.lenient {
            self.note(path, notes::LOWERCASE_CODE, code.trim());
            return true;
        }
        self.problem(Problem::invalid_value(
            path,
            codes::INVALID_AGENCY_CODE,
            value.trim(),
            "mã định danh chỉ dùng chữ số 0-9, chữ cái in hoa A-Z và dấu chấm",
            "an identifier code uses only digits 0-9, capital letters A-Z and dots",
        ));
        false
    }

    pub(super) fn agency(&mut self, text: &str, path: &str) -> Option<AgencyCode> {
        if !self.code_case(text, text, path) {
            return None;
        }
        match AgencyCode::parse_at(text, path) {
            Ok(c) => Some(c),
            Err(p) => {
                self.problem(p);
                None
            }
        }
    }

    pub(super) fn date(&mut self, text: &str, path: &str) -> Option<Date> {
        match Date::parse_at(text, path) {
            Ok((d, tol)) => {
                if tol != Tolerance::None {
                    self.note(path, notes::DATE_FORM, text);
                }
                Some(d)
            }
            Err(p) => {
                self.problem(p);
                None
            }
        }
    }

    /// An optional date: empty means none.
    pub(super) fn opt_date(&mut self, text: &str, path: &str) -> Option<Option<Date>> {
        if text.is_empty() {
            return Some(None);
        }
        self.date(text, path).map(Some)
    }

    pub(super) fn timestamp(&mut self, text: &str, path: &str) -> Option<Timestamp> {
        if text.is_empty() {
            self.problem(Problem::required(path));
            return None;
        }
        match Timestamp::parse_at(text, path) {
            Ok((t, tol)) => {
                if tol != Tolerance::None {
                    self.note(path, notes::DATE_FORM, text);
                }
                Some(t)
            }
            Err(p) => {
                self.problem(p);
                None
            }
        }
    }

    pub(super) fn document_id(&mut self, text: &str, path: &str) -> Option<DocumentId> {
        let organ = text.split(',').next().unwrap_or_default();
        if !self.code_case(organ, text, path) {
            return None;
        }
        match DocumentId::parse_at(text, path) {
            Ok((d, tol)) => {
                if tol != Tolerance::None {
                    self.note(path, notes::DATE_FORM, text);
                }
                Some(d)
            }
            Err(p) => {
                self.problem(p);
                None
            }
        }
    }

    /// A small code (`0`–`255`); empty gives the default when there is one.
    pub(super) fn small_code(
        &mut self,
        text: &str,
        path: &str,
        default: Option<u8>,
        problem_code: &'static str,
    ) -> Option<u8> {
        if text.is_empty() {
            return match default {
                Some(d) => {
                    self.note(path, notes::DEFAULTED, "");
                    Some(d)
                }
                None => {
                    self.problem(Problem::required(path));
                    None
                }
            };
        }
        let parsed = if text.len() <= 3 && text.bytes().all(|b| b.is_ascii_digit()) { text.parse().ok() } else { None };
        if parsed.is_none() {
            self.problem(Problem::invalid_value(path, problem_code, text, "phải là một số", "it must be a number"));
        }
        parsed
    }

    pub(super) fn flag(&mut self, text: &str, path: &str) -> Option<bool> {
        match text.to_ascii_lowercase().as_str() {
            "" => {
                self.note(path, notes::DEFAULTED, "");
                Some(false)
            }
            "0" | "false" => Some(false),
            "1" | "true" => Some(true),
            _ => {
                self.problem(Problem::invalid_value(
                    path,
                    codes::INVALID_FLAG,
                    text,
                    "chỉ nhận 0 hoặc 1",
                    "only 0 or 1",
                ));
                None
            }
        }
    }

    pub(super) fn amount(&mut self, text: &str, path: &str) -> Option<Option<u32>> {
        if text.is_empty() {
            return Some(None);
        }
        match text.parse::<u32>() {
            Ok(n) if text.bytes().all(|b| b.is_ascii_digit()) => Some(Some(n)),
            _ => {
                self.problem(Problem::invalid_value(
                    path,
                    codes::INVALID_NUMBER,
                    text,
                    "phải là số nguyên không âm",
                    "it must be a whole number, 0 or more",
                ));
                None
            }
        }
    }
}
