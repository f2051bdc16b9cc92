//! Signing a PDF: the incremental update that holds the signature, its appearance, and the CMS inside it.
use crate::appearance::{self, Rect};
use crate::cms::{self, ID_DATA};
use crate::object::{pdf_date, text_string, write_dictionary, write_object};
use crate::PadesError;
use der::{Decode, Encode};
use lopdf::{Dictionary, Document, Object, ObjectId, StringFormat};
use std::io::Write;
use x509_cert::Certificate;

pub use egov_pki::{KeySigner, SignatureAlgorithm, Signer};

/// What the signature shows on the page.
#[derive(Debug, Clone)]
pub enum Appearance {
    /// Nothing visible (the signature panel still lists it).
    Invisible,
    /// A PNG (handwritten signature or seal) fitted into `rect` on page `page` (1-based; `None` = last page).
    Image {
        /// Page number from 1; `None` for the last page.
        page: Option<u32>,
        /// Where on the page.
        rect: Rect,
        /// The image, a PNG (transparency kept).
        png: Vec<u8>,
    },
    /// Lines of text in Times-Roman, right-aligned in `rect` (the organisation signature of an attached file).
    Text {
        /// Page number from 1; `None` for the last page.
        page: Option<u32>,
        /// Where on the page.
        rect: Rect,
        /// The lines, top first.
        lines: Vec<String>,
        /// Font size in points.
        font_size: f32,
    },
}

/// A line of text put on a page with the signature (the issue number and date in the template's blanks).
#[derive(Debug, Clone)]
pub struct TextStamp {
    /// Page number from 1.
    pub page: u32,
    /// Left end of the text's baseline, in points.
    pub x: f32,
    /// Baseline height, in points.
    pub y: f32,
    /// The text (ASCII and `Đ`/`đ`).
    pub text: String,
    /// Font size in points.
    pub font_size: f32,
}

/// Everything about one signature except the key.
#[derive(Debug, Clone)]
pub struct SignRequest {
    /// Field name; `None` gives `Signature<n>`.
    pub field_name: Option<String>,
    /// Signing time (Unix seconds); written in Vietnam time.
    pub signing_time: i64,
    /// Signer's name for the signature dictionary.
    pub signer_name: Option<String>,
    /// Why the signature was made ("Ký ban hành", "Đóng dấu").
    pub reason: Option<String>,
    /// Where it was made.
    pub location: Option<String>,
    /// The look of the signature.
    pub appearance: Appearance,
    /// Text added with the signature.
    pub stamps: Vec<TextStamp>,
    /// Leave room for a time-stamp token (B-T).
    pub with_timestamp: bool,
}

/// A PDF with its signature dictionary in place and the digest to sign; [`finish`] puts the signature in.
#[derive(Debug)]
pub struct Prepared {
    bytes: Vec<u8>,
    contents_at: usize,
    contents_hex_len: usize,
    chain: Vec<Certificate>,
    signed_attrs: ::cms::signed_data::SignedAttributes,
    to_sign: [u8; 32],
}

impl Prepared {
    /// The SHA-256 digest the signer must sign (over the signed attributes).
    pub fn digest_to_sign(&self) -> &[u8; 32] {
        &self.to_sign
    }
}

/// Signs `pdf` with `signer` in one step (no time-stamp).
pub fn sign(pdf: &[u8], signer: &dyn Signer, request: &SignRequest) -> Result<Vec<u8>, PadesError> {
    let prepared = prepare(pdf, signer.certificate_chain(), request)?;
    let signature =
        signer.sign_digest(prepared.digest_to_sign()).map_err(|e| PadesError::SignerFailed(e.to_string()))?;
    finish(prepared, signer.algorithm(), &signature, None)
}

/// Adds locked, printable text stamps to a PDF by incremental update, without signing (earlier signatures
/// stay valid: annotations are an allowed change). `page` 0 in a stamp means every page.
pub fn annotate(pdf: &[u8], stamps: &[TextStamp]) -> Result<Vec<u8>, PadesError> {
    let doc = Document::load_mem(pdf)?;
    if doc.is_encrypted() || doc.was_encrypted() || doc.trailer.has(b"Encrypt") {
        return Err(PadesError::Encrypted);
    }
    let mut update = Update::new(pdf, &doc)?;
    let pages = doc.get_pages();
    let mut objects: Vec<(u32, Object)> = Vec::new();
    let mut annots: Vec<(ObjectId, u32)> = Vec::new();
    for stamp in stamps {
        let targets: Vec<ObjectId> = if stamp.page == 0 {
            pages.values().copied().collect()
        } else {
            vec![pages.get(&stamp.page).copied().ok_or(PadesError::NoSuchPage(stamp.page))?]
        };
        for page in targets {
            let (mut annot, ap) = stamp_annotation(stamp, page);
            let annot_id = update.alloc();
            let ap_id = update.alloc();
            let mut normal = Dictionary::new();
            normal.set("N", Object::Reference((ap_id, 0)));
            annot.set("AP", Object::Dictionary(normal));
            objects.push((annot_id, Object::Dictionary(annot)));
            objects.push((ap_id, Object::Stream(ap)));
            annots.push((page, annot_id));
        }
    }
    update.add_annotations(&annots, &mut objects)?;
    let mut out = Vec::with_capacity(pdf.len() + 4096);
    out.extend_from_slice(pdf);
    if !out.ends_with(b"\n") {
        out.push(b'\n');
    }
    update.append_objects(&mut out, &mut Vec::new(), &objects);
    Ok(out)
}

/// Writes the incremental update with an empty signature and computes what must be signed.
pub fn prepare(pdf: &[u8], chain: &[Vec<u8>], request: &SignRequest) -> Result<Prepared, PadesError> {
    let certs = chain
        .iter()
        .map(|der| Certificate::from_der(der).map_err(|e| PadesError::BadKey(e.to_string())))
        .collect::<Result<Vec<_>, _>>()?;
    let leaf = certs.first().ok_or_else(|| PadesError::BadKey("thiếu chứng thư số".into()))?;
    let doc = Document::load_mem(pdf)?;
    if doc.is_encrypted() || doc.was_encrypted() || doc.trailer.has(b"Encrypt") {
        return Err(PadesError::Encrypted);
    }
    let reserve = chain.iter().map(Vec::len).sum::<usize>() + 4096 + if request.with_timestamp { 12_288 } else { 0 };
    let update = Update::new(pdf, &doc)?;
    let (bytes, contents_at, contents_hex_len) = update.write(request, reserve * 2)?;
    let mut context = ring::digest::Context::new(&ring::digest::SHA256);
    context.update(&bytes[..contents_at]);
    context.update(&bytes[contents_at + contents_hex_len + 2..]);
    let message_digest = context.finish();
    let signed_attrs = cms::signed_attributes(ID_DATA, message_digest.as_ref(), leaf, &chain[0])?;
    let encoded = signed_attrs.to_der().map_err(cms::der_error)?;
    let to_sign: [u8; 32] = sha2_256(&encoded);
    Ok(Prepared { bytes, contents_at, contents_hex_len, chain: certs, signed_attrs, to_sign })
}

fn sha2_256(bytes: &[u8]) -> [u8; 32] {
    let digest = ring::digest::digest(&ring::digest::SHA256, bytes);
    let mut out = [0u8; 32];
    out.copy_from_slice(digest.as_ref());
    out
}

/// Puts the signature (and the time-stamp token over it, if any) into the prepared PDF.
pub fn finish(
    prepared: Prepared,
    algorithm: SignatureAlgorithm,
    signature: &[u8],
    timestamp_token: Option<&[u8]>,
) -> Result<Vec<u8>, PadesError> {
    let unsigned = match timestamp_token {
        Some(token) => Some(vec![cms::time_stamp_attribute(token)?]),
        None => None,
    };
    let cms = cms::signed_data(
        &prepared.chain,
        None,
        prepared.signed_attrs,
        cms::signature_algorithm(algorithm),
        signature,
        unsigned,
    )?;
    let hex = hex::encode_upper(&cms);
    if hex.len() > prepared.contents_hex_len {
        return Err(PadesError::SignatureTooLarge(cms.len()));
    }
    let mut bytes = prepared.bytes;
    let start = prepared.contents_at + 1;
    bytes[start..start + hex.len()].copy_from_slice(hex.as_bytes());
    Ok(bytes)
}

/// The pieces of the original file an incremental update refers to.
struct Update<'a> {
    original: &'a [u8],
    doc: &'a Document,
    prev_xref: u64,
    next_id: u32,
}

const BYTE_RANGE_PLACEHOLDER: &str = "[0 0000000000 0000000000 0000000000]";

impl<'a> Update<'a> {
    fn new(original: &'a [u8], doc: &'a Document) -> Result<Self, PadesError> {
        let prev_xref = last_startxref(original).ok_or_else(|| PadesError::BrokenPdf("thiếu startxref".into()))?;
        let size = doc.trailer.get(b"Size").and_then(Object::as_i64).unwrap_or(0);
        let next_id = u32::try_from(size).unwrap_or(0).max(doc.max_id + 1);
        Ok(Update { original, doc, prev_xref, next_id })
    }

    fn alloc(&mut self) -> u32 {
        self.next_id += 1;
        self.next_id - 1
    }

    /// Returns the new file, the offset of the `<` of `/Contents` and the number of hex digits reserved.
    fn write(mut self, request: &SignRequest, hex_len: usize) -> Result<(Vec<u8>, usize, usize), PadesError> {
        let doc = self.doc;
        let pages = doc.get_pages();
        let last_page = pages.keys().next_back().copied().unwrap_or(1);
        let page_of = |n: Option<u32>| -> Result<ObjectId, PadesError> {
            let n = n.unwrap_or(last_page);
            pages.get(&n).copied().ok_or(PadesError::NoSuchPage(n))
        };
        let mut objects: Vec<(u32, Object)> = Vec::new();
        let sig_id = self.alloc();
        let widget_id = self.alloc();
        let (page_id, rect, ap) = match &request.appearance {
            Appearance::Invisible => (page_of(None)?, Rect { x1: 0.0, y1: 0.0, x2: 0.0, y2: 0.0 }, None),
            Appearance::Image { page, rect, png } => {
                let rect = rect.normalised();
                let image = appearance::png_image(png)?;
                let image_id = self.alloc();
                let mut image_stream = image.image;
                if let Some(mask) = image.mask {
                    let mask_id = self.alloc();
                    image_stream.dict.set("SMask", Object::Reference((mask_id, 0)));
                    objects.push((mask_id, Object::Stream(mask)));
                }
                objects.push((image_id, Object::Stream(image_stream)));
                let mut xobjects = Dictionary::new();
                xobjects.set("Img", Object::Reference((image_id, 0)));
                let mut resources = Dictionary::new();
                resources.set("XObject", Object::Dictionary(xobjects));
                let content =
                    appearance::draw_image_fitted("Img", image.width, image.height, rect.width(), rect.height());
                (page_of(*page)?, rect, Some(appearance::form_xobject(rect.width(), rect.height(), resources, content)))
            }
            Appearance::Text { page, rect, lines, font_size } => {
                let rect = rect.normalised();
                let content = appearance::draw_text_lines(lines, *font_size, rect.width(), rect.height());
                let resources = font_resources();
                (page_of(*page)?, rect, Some(appearance::form_xobject(rect.width(), rect.height(), resources, content)))
            }
        };
        let mut new_annots: Vec<(ObjectId, u32)> = vec![(page_id, widget_id)];
        let field_name = match &request.field_name {
            Some(name) => name.clone(),
            None => format!("Signature{}", crate::verify::signature_field_count(doc) + 1),
        };
        let mut widget = Dictionary::new();
        widget.set("Type", Object::Name(b"Annot".to_vec()));
        widget.set("Subtype", Object::Name(b"Widget".to_vec()));
        widget.set("FT", Object::Name(b"Sig".to_vec()));
        widget.set("T", text_string(&field_name));
        widget.set("V", Object::Reference((sig_id, 0)));
        widget.set("P", Object::Reference(page_id));
        widget.set("Rect", rect.to_object());
        widget.set("F", Object::Integer(132));
        if let Some(ap) = ap {
            let ap_id = self.alloc();
            objects.push((ap_id, Object::Stream(ap)));
            let mut normal = Dictionary::new();
            normal.set("N", Object::Reference((ap_id, 0)));
            widget.set("AP", Object::Dictionary(normal));
        }
        objects.push((widget_id, Object::Dictionary(widget)));
        for stamp in &request.stamps {
            let page = page_of(Some(stamp.page))?;
            let (annot, ap) = stamp_annotation(stamp, page);
            let annot_id = self.alloc();
            let ap_id = self.alloc();
            let mut annot = annot;
            let mut normal = Dictionary::new();
            normal.set("N", Object::Reference((ap_id, 0)));
            annot.set("AP", Object::Dictionary(normal));
            objects.push((annot_id, Object::Dictionary(annot)));
            objects.push((ap_id, Object::Stream(ap)));
            new_annots.push((page, annot_id));
        }
        self.add_annotations(&new_annots, &mut objects)?;
        self.add_field(widget_id, &mut objects)?;

        let mut out = Vec::with_capacity(self.original.len() + hex_len + 16_384);
        out.extend_from_slice(self.original);
        if !out.ends_with(b"\n") {
            out.push(b'\n');
        }
        let mut offsets: Vec<(u32, usize)> = Vec::new();
        offsets.push((sig_id, out.len()));
        let _ =
            write!(out, "{sig_id} 0 obj\n<</Type/Sig/Filter/Adobe.PPKLite/SubFilter/ETSI.CAdES.detached/ByteRange ");
        let byte_range_at = out.len();
        out.extend_from_slice(BYTE_RANGE_PLACEHOLDER.as_bytes());
        out.extend_from_slice(b"/Contents ");
        let contents_at = out.len();
        out.push(b'<');
        out.resize(out.len() + hex_len, b'0');
        out.push(b'>');
        let mut extra = Dictionary::new();
        extra.set("M", Object::String(pdf_date(request.signing_time).into_bytes(), StringFormat::Literal));
        if let Some(name) = &request.signer_name {
            extra.set("Name", text_string(name));
        }
        if let Some(reason) = &request.reason {
            extra.set("Reason", text_string(reason));
        }
        if let Some(location) = &request.location {
            extra.set("Location", text_string(location));
        }
        for (key, value) in extra.iter() {
            let mut one = Dictionary::new();
            one.set(key.clone(), value.clone());
            let mut tmp = Vec::new();
            write_dictionary(&mut tmp, &one);
            out.extend_from_slice(&tmp[2..tmp.len() - 2]);
        }
        out.extend_from_slice(b">>\nendobj\n");
        self.append_objects(&mut out, &mut offsets, &objects);

        let after = contents_at + hex_len + 2;
        let byte_range = format!("[0 {contents_at} {after} {}]", out.len() - after);
        let padded = format!("{byte_range:<width$}", width = BYTE_RANGE_PLACEHOLDER.len());
        out[byte_range_at..byte_range_at + padded.len()].copy_from_slice(padded.as_bytes());
        Ok((out, contents_at, hex_len))
    }

    /// Appends `objects`, the cross-reference section for them (and those already in `offsets`) and the trailer.
    fn append_objects(&self, out: &mut Vec<u8>, offsets: &mut Vec<(u32, usize)>, objects: &[(u32, Object)]) {
        for (id, object) in objects {
            offsets.push((*id, out.len()));
            let _ = writeln!(out, "{id} 0 obj");
            write_object(out, object);
            out.extend_from_slice(b"\nendobj\n");
        }
        let xref_at = out.len();
        write_xref(out, offsets);
        let mut trailer = Dictionary::new();
        trailer.set("Size", Object::Integer(i64::from(self.next_id)));
        for key in [&b"Root"[..], b"Info", b"ID"] {
            if let Ok(value) = self.doc.trailer.get(key) {
                trailer.set(key.to_vec(), value.clone());
            }
        }
        trailer.set("Prev", Object::Integer(self.prev_xref as i64));
        out.extend_from_slice(b"trailer\n");
        write_dictionary(out, &trailer);
        let _ = write!(out, "\nstartxref\n{xref_at}\n%%EOF\n");
    }

    /// Adds annotations to their pages: the page's `/Annots` array grows (in the page or in its own object).
    fn add_annotations(&self, annots: &[(ObjectId, u32)], objects: &mut Vec<(u32, Object)>) -> Result<(), PadesError> {
        let mut page_ids: Vec<ObjectId> = annots.iter().map(|a| a.0).collect();
        page_ids.sort_unstable();
        page_ids.dedup();
        for page_id in page_ids {
            let refs: Vec<Object> =
                annots.iter().filter(|a| a.0 == page_id).map(|a| Object::Reference((a.1, 0))).collect();
            let mut page = self.doc.get_dictionary(page_id)?.clone();
            match page.get(b"Annots") {
                Ok(Object::Reference(array_id)) => {
                    let mut array = self.doc.get_object(*array_id)?.as_array()?.clone();
                    array.extend(refs);
                    objects.push((array_id.0, Object::Array(array)));
                    continue;
                }
                Ok(Object::Array(existing)) => {
                    let mut array = existing.clone();
                    array.extend(refs);
                    page.set("Annots", Object::Array(array));
                }
                _ => page.set("Annots", Object::Array(refs)),
            }
            objects.push((page_id.0, Object::Dictionary(page)));
        }
        Ok(())
    }

    /// Registers the signature field in the document's interactive form, creating the form if there is none.
    fn add_field(&mut self, field_id: u32, objects: &mut Vec<(u32, Object)>) -> Result<(), PadesError> {
        let root_id = self.doc.trailer.get(b"Root").and_then(Object::as_reference)?;
        let mut catalog = self.doc.get_dictionary(root_id)?.clone();
        let field = Object::Reference((field_id, 0));
        let grow = |form: &mut Dictionary, objects: &mut Vec<(u32, Object)>| -> Result<(), PadesError> {
            form.set("SigFlags", Object::Integer(3));
            match form.get(b"Fields") {
                Ok(Object::Reference(fields_id)) => {
                    let mut array = self.doc.get_object(*fields_id)?.as_array()?.clone();
                    array.push(field.clone());
                    objects.push((fields_id.0, Object::Array(array)));
                }
                Ok(Object::Array(existing)) => {
                    let mut array = existing.clone();
                    array.push(field.clone());
                    form.set("Fields", Object::Array(array));
                }
                _ => form.set("Fields", Object::Array(vec![field.clone()])),
            }
            Ok(())
        };
        match catalog.get(b"AcroForm") {
            Ok(Object::Reference(form_id)) => {
                let form_id = *form_id;
                let mut form = self.doc.get_dictionary(form_id)?.clone();
                grow(&mut form, objects)?;
                objects.push((form_id.0, Object::Dictionary(form)));
            }
            Ok(Object::Dictionary(existing)) => {
                let mut form = existing.clone();
                grow(&mut form, objects)?;
                catalog.set("AcroForm", Object::Dictionary(form));
                objects.push((root_id.0, Object::Dictionary(catalog)));
            }
            _ => {
                let mut form = Dictionary::new();
                grow(&mut form, objects)?;
                let form_id = self.alloc();
                objects.push((form_id, Object::Dictionary(form)));
                catalog.set("AcroForm", Object::Reference((form_id, 0)));
                objects.push((root_id.0, Object::Dictionary(catalog)));
            }
        }
        Ok(())
    }
}

fn font_resources() -> Dictionary {
    let mut fonts = Dictionary::new();
    fonts.set("F1", Object::Dictionary(appearance::times_font()));
    let mut resources = Dictionary::new();
    resources.set("Font", Object::Dictionary(fonts));
    resources
}

/// A locked, printable free-text annotation showing `stamp`, and its appearance.
fn stamp_annotation(stamp: &TextStamp, page: ObjectId) -> (Dictionary, lopdf::Stream) {
    let width = appearance::times_width(&stamp.text, stamp.font_size).max(1.0);
    let height = stamp.font_size * 1.3;
    let descent = stamp.font_size * 0.3;
    let rect = Rect { x1: stamp.x, y1: stamp.y - descent, x2: stamp.x + width, y2: stamp.y - descent + height };
    let mut content = Vec::new();
    let _ = write!(content, "BT 0 0 0 rg /F1 {:.2} Tf 0 {descent:.3} Td <", stamp.font_size);
    content.extend_from_slice(hex::encode(appearance::times_encode(&stamp.text)).as_bytes());
    content.extend_from_slice(b"> Tj ET\n");
    let ap = appearance::form_xobject(width, height, font_resources(), content);
    let mut annot = Dictionary::new();
    annot.set("Type", Object::Name(b"Annot".to_vec()));
    annot.set("Subtype", Object::Name(b"FreeText".to_vec()));
    annot.set("Rect", rect.to_object());
    annot.set("Contents", text_string(&stamp.text));
    annot.set("DA", Object::String(format!("/Helv {:.1} Tf 0 g", stamp.font_size).into_bytes(), StringFormat::Literal));
    annot.set("F", Object::Integer(4 + 64 + 128));
    annot.set("P", Object::Reference(page));
    annot.set("Border", Object::Array(vec![0.into(), 0.into(), 0.into()]));
    (annot, ap)
}

/// The offset after the last `startxref` keyword.
fn last_startxref(pdf: &[u8]) -> Option<u64> {
    let tail_start = pdf.len().saturating_sub(2048);
    let tail = &pdf[tail_start..];
    let at = tail.windows(9).rposition(|w| w == b"startxref")?;
    let rest = std::str::from_utf8(&tail[at + 9..]).ok()?;
    rest.split_whitespace().next()?.parse().ok()
}

/// A classic cross-reference table for the new and changed objects, in subsections of consecutive numbers.
fn write_xref(out: &mut Vec<u8>, offsets: &mut [(u32, usize)]) {
    offsets.sort_by_key(|o| o.0);
    out.extend_from_slice(b"xref\n");
    let mut i = 0;
    while i < offsets.len() {
        let mut j = i + 1;
        while j < offsets.len() && offsets[j].0 == offsets[j - 1].0 + 1 {
            j += 1;
        }
        let _ = writeln!(out, "{} {}", offsets[i].0, j - i);
        for (_, offset) in &offsets[i..j] {
            let _ = write!(out, "{offset:010} 00000 n\r\n");
        }
        i = j;
    }
}
