//! What a signature looks like on the page: images decoded from PNG, appearance streams, and text in Times.
use crate::PadesError;
use lopdf::{Dictionary, Object, Stream};
use std::io::Write;

/// A rectangle in PDF user space (points, origin at the bottom left of the page).
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Rect {
    /// Left edge.
    pub x1: f32,
    /// Bottom edge.
    pub y1: f32,
    /// Right edge.
    pub x2: f32,
    /// Top edge.
    pub y2: f32,
}

impl Rect {
    /// Width in points.
    pub fn width(&self) -> f32 {
        (self.x2 - self.x1).abs()
    }
    /// Height in points.
    pub fn height(&self) -> f32 {
        (self.y2 - self.y1).abs()
    }
    /// Left-bottom-first form of the same rectangle.
    pub fn normalised(&self) -> Rect {
        Rect { x1: self.x1.min(self.x2), y1: self.y1.min(self.y2), x2: self.x1.max(self.x2), y2: self.y1.max(self.y2) }
    }
    pub(crate) fn to_object(self) -> Object {
        Object::Array(vec![self.x1.into(), self.y1.into(), self.x2.into(), self.y2.into()])
    }
    pub(crate) fn from_object(object: &Object) -> Option<Rect> {
        let items = object.as_array().ok()?;
        let n: Vec<f32> = items.iter().filter_map(|o| o.as_float().ok()).collect();
        (n.len() == 4).then(|| Rect { x1: n[0], y1: n[1], x2: n[2], y2: n[3] }.normalised())
    }
}

/// A PNG decoded into a PDF image: the colour samples and, when the PNG has transparency, a soft mask.
pub(crate) struct PdfImage {
    pub width: u32,
    pub height: u32,
    pub image: Stream,
    pub mask: Option<Stream>,
}

/// Decodes a PNG (any colour type and depth) into an image XObject with an `SMask` for its alpha channel.
pub(crate) fn png_image(png_bytes: &[u8]) -> Result<PdfImage, PadesError> {
    let bad = |e: png::DecodingError| PadesError::BadImage(e.to_string());
    let mut decoder = png::Decoder::new(png_bytes);
    decoder.set_transformations(png::Transformations::normalize_to_color8());
    decoder.set_limits(png::Limits { bytes: 64 * 1024 * 1024 });
    let mut reader = decoder.read_info().map_err(bad)?;
    let mut buf = vec![0; reader.output_buffer_size()];
    let info = reader.next_frame(&mut buf).map_err(bad)?;
    buf.truncate(info.buffer_size());
    let (colour_channels, has_alpha, colour_space) = match info.color_type {
        png::ColorType::Grayscale => (1, false, "DeviceGray"),
        png::ColorType::GrayscaleAlpha => (1, true, "DeviceGray"),
        png::ColorType::Rgb => (3, false, "DeviceRGB"),
        png::ColorType::Rgba => (3, true, "DeviceRGB"),
        png::ColorType::Indexed => return Err(PadesError::BadImage("bảng màu không mở rộng được".into())),
    };
    let stride = colour_channels + usize::from(has_alpha);
    let pixels = (info.width as usize) * (info.height as usize);
    if pixels == 0 || buf.len() < pixels * stride {
        return Err(PadesError::BadImage("ảnh rỗng".into()));
    }
    let mut colour = Vec::with_capacity(pixels * colour_channels);
    let mut alpha = Vec::with_capacity(if has_alpha { pixels } else { 0 });
    for px in buf.chunks_exact(stride).take(pixels) {
        colour.extend_from_slice(&px[..colour_channels]);
        if has_alpha {
            alpha.push(px[colour_channels]);
        }
    }
    let image_stream = |samples: &[u8], space: &str| {
        let mut dict = Dictionary::new();
        dict.set("Type", Object::Name(b"XObject".to_vec()));
        dict.set("Subtype", Object::Name(b"Image".to_vec()));
        dict.set("Width", Object::Integer(i64::from(info.width)));
        dict.set("Height", Object::Integer(i64::from(info.height)));
        dict.set("ColorSpace", Object::Name(space.as_bytes().to_vec()));
        dict.set("BitsPerComponent", Object::Integer(8));
        dict.set("Filter", Object::Name(b"FlateDecode".to_vec()));
        Stream::new(dict, deflate(samples))
    };
    let mask = has_alpha.then(|| image_stream(&alpha, "DeviceGray"));
    Ok(PdfImage { width: info.width, height: info.height, image: image_stream(&colour, colour_space), mask })
}

pub(crate) fn deflate(bytes: &[u8]) -> Vec<u8> {
    let mut encoder = flate2::write::ZlibEncoder::new(Vec::new(), flate2::Compression::fast());
    let _ = encoder.write_all(bytes);
    encoder.finish().unwrap_or_default()
}

/// A form XObject of the given size drawing `content`, with `resources`.
pub(crate) fn form_xobject(width: f32, height: f32, resources: Dictionary, content: Vec<u8>) -> Stream {
    let mut dict = Dictionary::new();
    dict.set("Type", Object::Name(b"XObject".to_vec()));
    dict.set("Subtype", Object::Name(b"Form".to_vec()));
    dict.set("BBox", Rect { x1: 0.0, y1: 0.0, x2: width, y2: height }.to_object());
    dict.set("Resources", Object::Dictionary(resources));
    Stream::new(dict, content)
}

/// Content that draws an image of `w`×`h` pixels as large as fits in a `box_w`×`box_h` box, centred.
pub(crate) fn draw_image_fitted(name: &str, w: u32, h: u32, box_w: f32, box_h: f32) -> Vec<u8> {
    let scale = (box_w / w as f32).min(box_h / h as f32);
    let (dw, dh) = (w as f32 * scale, h as f32 * scale);
    let (x, y) = ((box_w - dw) / 2.0, (box_h - dh) / 2.0);
    format!("q {dw:.3} 0 0 {dh:.3} {x:.3} {y:.3} cm /{name} Do Q\n").into_bytes()
}

/// The Times-Roman font as egov uses it: WinAnsi plus `Đ` and `đ` (notations such as `QĐ-UBND`).
pub(crate) fn times_font() -> Dictionary {
    let mut encoding = Dictionary::new();
    encoding.set("Type", Object::Name(b"Encoding".to_vec()));
    encoding.set("BaseEncoding", Object::Name(b"WinAnsiEncoding".to_vec()));
    encoding.set(
        "Differences",
        Object::Array(vec![
            Object::Integer(208),
            Object::Name(b"Dcroat".to_vec()),
            Object::Integer(240),
            Object::Name(b"dcroat".to_vec()),
        ]),
    );
    let mut font = Dictionary::new();
    font.set("Type", Object::Name(b"Font".to_vec()));
    font.set("Subtype", Object::Name(b"Type1".to_vec()));
    font.set("BaseFont", Object::Name(b"Times-Roman".to_vec()));
    font.set("Encoding", Object::Dictionary(encoding));
    font
}

/// Times-Roman advance widths (thousandths of the font size) for printable ASCII, from the font's metrics.
const TIMES_WIDTHS: [u16; 95] = [
    250, 333, 408, 500, 500, 833, 778, 180, 333, 333, 500, 564, 250, 333, 250, 278, 500, 500, 500, 500, 500, 500, 500,
    500, 500, 500, 278, 278, 564, 564, 564, 444, 921, 722, 667, 667, 722, 611, 556, 722, 722, 333, 389, 722, 611, 889,
    722, 722, 556, 722, 667, 556, 611, 722, 722, 944, 722, 722, 611, 333, 278, 333, 469, 500, 333, 444, 500, 444, 500,
    444, 333, 500, 500, 278, 278, 500, 278, 778, 500, 500, 500, 500, 333, 389, 278, 500, 500, 722, 500, 500, 444, 480,
    200, 480, 541,
];

/// The bytes of `text` in the [`times_font`] encoding; characters it cannot show become `?`.
pub(crate) fn times_encode(text: &str) -> Vec<u8> {
    text.chars()
        .map(|c| match c {
            ' '..='~' => c as u8,
            'Đ' => 208,
            'đ' => 240,
            _ => b'?',
        })
        .collect()
}

/// Width in points of `text` set in Times-Roman at `size`.
pub(crate) fn times_width(text: &str, size: f32) -> f32 {
    let thousandths: u32 = times_encode(text)
        .iter()
        .map(|&b| match b {
            208 => 722,
            240 => 500,
            32..=126 => u32::from(TIMES_WIDTHS[usize::from(b - 32)]),
            _ => 500,
        })
        .sum();
    thousandths as f32 * size / 1000.0
}

/// Content showing `lines` in Times-Roman (`/F1`) at `size`, right-aligned in a box `width` wide, from the top.
pub(crate) fn draw_text_lines(lines: &[String], size: f32, width: f32, height: f32) -> Vec<u8> {
    let mut out = b"BT 0 0 0 rg\n".to_vec();
    let leading = size * 1.2;
    for (i, line) in lines.iter().enumerate() {
        let x = (width - times_width(line, size)).max(0.0);
        let y = height - leading * (i as f32 + 1.0) + (leading - size) / 2.0 + size * 0.2;
        let _ = write!(out, "/F1 {size:.2} Tf 1 0 0 1 {x:.3} {y:.3} Tm ");
        write_pdf_string(&mut out, &times_encode(line));
        out.extend_from_slice(b" Tj\n");
    }
    out.extend_from_slice(b"ET\n");
    out
}

fn write_pdf_string(out: &mut Vec<u8>, bytes: &[u8]) {
    out.push(b'<');
    out.extend_from_slice(hex::encode(bytes).as_bytes());
    out.push(b'>');
}

#[cfg(test)]
mod tests {
    use super::*;

    fn png(colour: png::ColorType, depth: png::BitDepth, w: u32, h: u32, data: &[u8]) -> Vec<u8> {
        let mut out = Vec::new();
        {
            let mut enc = png::Encoder::new(&mut out, w, h);
            enc.set_color(colour);
            enc.set_depth(depth);
            if colour == png::ColorType::Indexed {
                enc.set_palette(vec![255, 0, 0, 0, 0, 255]);
            }
            let mut writer = enc.write_header().expect("header");
            writer.write_image_data(data).expect("data");
        }
        out
    }

    #[test]
    fn transparent_png_gets_a_soft_mask_and_opaque_does_not() {
        let rgba = png(png::ColorType::Rgba, png::BitDepth::Eight, 2, 1, &[0, 0, 255, 255, 0, 0, 255, 0]);
        let image = png_image(&rgba).expect("rgba");
        assert_eq!((image.width, image.height), (2, 1));
        assert!(image.mask.is_some());
        let indexed = png(png::ColorType::Indexed, png::BitDepth::Eight, 2, 1, &[0, 1]);
        let image = png_image(&indexed).expect("indexed expands to RGB");
        assert!(image.mask.is_none());
        assert_eq!(image.image.dict.get(b"ColorSpace").and_then(|o| o.as_name()).ok(), Some(&b"DeviceRGB"[..]));
    }

    #[test]
    fn not_a_png_is_refused() {
        assert!(matches!(png_image(b"GIF89a...."), Err(PadesError::BadImage(_))));
        assert!(matches!(png_image(&[]), Err(PadesError::BadImage(_))));
    }

    #[test]
    fn times_text_keeps_the_d_with_stroke() {
        assert_eq!(times_encode("05/QĐ-UBND"), b"05/Q\xd0-UBND");
        assert!((times_width("0", 10.0) - 5.0).abs() < 1e-6);
        assert_eq!(times_encode("ư"), b"?");
    }
}
