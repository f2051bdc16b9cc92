//! Document metadata values (Decree 30/2020): types, urgency, secrecy, register series, number and notation, subject and dates.

use std::fmt;

use jiff::civil::Date;
use serde::{Deserialize, Deserializer, Serialize, Serializer};

use crate::error::FieldError;
use crate::lang::Lang;
use crate::text::{fold, normalize};

/// Shows a character in a message; spaces are named since they are invisible.
fn show_char(c: char) -> (String, String) {
    if c == ' ' {
        ("khoảng trắng".to_owned(), "a space".to_owned())
    } else {
        (format!("“{c}”"), format!("“{c}”"))
    }
}

/// The labels of every value joined for an error message ("Thường, Khẩn, …").
fn choices<T: Copy>(all: &[T], label: fn(T, Lang) -> &'static str, lang: Lang) -> String {
    all.iter().map(|&v| label(v, lang)).collect::<Vec<_>>().join(", ")
}

/// Common shape of the `parse_field` functions: blank input is `"required"`, an unknown name gets `code`.
fn parse_choice<T: Copy>(
    input: &str,
    field: &'static str,
    code: &'static str,
    what: (&str, &str),
    parse: impl Fn(&str) -> Option<T>,
    all: &[T],
    label: fn(T, Lang) -> &'static str,
) -> Result<T, FieldError> {
    let s = normalize(input);
    let (vi_what, en_what) = what;
    if s.is_empty() {
        return Err(FieldError::new(
            field,
            "required",
            format!("Vui lòng chọn {vi_what}."),
            format!("Choose {en_what}."),
        ));
    }
    parse(&s).ok_or_else(|| {
        FieldError::new(
            field,
            code,
            format!("Giá trị “{s}” không phải là {vi_what} hợp lệ; chọn một trong: {}.", choices(all, label, Lang::Vi)),
            format!("“{s}” is not a valid {en_what}; choose one of: {}.", choices(all, label, Lang::En)),
        )
    })
}

/// Type of a document (tên loại văn bản) under Decree 30/2020, Appendix III, plus the three kinds of copy.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum DocumentType {
    /// Nghị quyết (cá biệt): resolution (NQ).
    NghiQuyet,
    /// Quyết định (cá biệt): decision (QĐ).
    QuyetDinh,
    /// Chỉ thị: directive (CT).
    ChiThi,
    /// Quy chế: regulations (QC).
    QuyChe,
    /// Quy định: rules (QyĐ).
    QuyDinh,
    /// Thông cáo: communiqué (TC).
    ThongCao,
    /// Thông báo: notice (TB).
    ThongBao,
    /// Hướng dẫn: guidance (HD).
    HuongDan,
    /// Chương trình: programme (CTr).
    ChuongTrinh,
    /// Kế hoạch: plan (KH).
    KeHoach,
    /// Phương án: option / arrangement (PA).
    PhuongAn,
    /// Đề án: scheme (ĐA).
    DeAn,
    /// Dự án: project (DA).
    DuAn,
    /// Báo cáo: report (BC).
    BaoCao,
    /// Biên bản: minutes (BB).
    BienBan,
    /// Tờ trình: submission (TTr).
    ToTrinh,
    /// Hợp đồng: contract (HĐ).
    HopDong,
    /// Công văn: official letter; it has no abbreviation.
    CongVan,
    /// Công điện: official telegram (CĐ).
    CongDien,
    /// Bản ghi nhớ: memorandum of understanding (BGN).
    BanGhiNho,
    /// Bản thỏa thuận: agreement (BTT).
    BanThoaThuan,
    /// Giấy ủy quyền: power of attorney (GUQ).
    GiayUyQuyen,
    /// Giấy mời: invitation (GM).
    GiayMoi,
    /// Giấy giới thiệu: letter of introduction (GGT).
    GiayGioiThieu,
    /// Giấy nghỉ phép: leave permit (GNP).
    GiayNghiPhep,
    /// Phiếu gửi: transmittal slip (PG).
    PhieuGui,
    /// Phiếu chuyển: forwarding slip (PC).
    PhieuChuyen,
    /// Phiếu báo: notification slip (PB).
    PhieuBao,
    /// Bản sao y: certified true copy (SY).
    BanSaoY,
    /// Bản trích sao: certified extract (TrS).
    BanTrichSao,
    /// Bản sao lục: copy made from a copy (SL).
    BanSaoLuc,
}

vocabulary!(DocumentType {
    NghiQuyet => "nghi_quyet", "Nghị quyết", "Resolution";
    QuyetDinh => "quyet_dinh", "Quyết định", "Decision";
    ChiThi => "chi_thi", "Chỉ thị", "Directive";
    QuyChe => "quy_che", "Quy chế", "Regulations";
    QuyDinh => "quy_dinh", "Quy định", "Rules";
    ThongCao => "thong_cao", "Thông cáo", "Communiqué";
    ThongBao => "thong_bao", "Thông báo", "Notice";
    HuongDan => "huong_dan", "Hướng dẫn", "Guidance";
    ChuongTrinh => "chuong_trinh", "Chương trình", "Programme";
    KeHoach => "ke_hoach", "Kế hoạch", "Plan";
    PhuongAn => "phuong_an", "Phương án", "Option plan";
    DeAn => "de_an", "Đề án", "Scheme";
    DuAn => "du_an", "Dự án", "Project";
    BaoCao => "bao_cao", "Báo cáo", "Report";
    BienBan => "bien_ban", "Biên bản", "Minutes";
    ToTrinh => "to_trinh", "Tờ trình", "Submission";
    HopDong => "hop_dong", "Hợp đồng", "Contract";
    CongVan => "cong_van", "Công văn", "Official letter";
    CongDien => "cong_dien", "Công điện", "Official telegram";
    BanGhiNho => "ban_ghi_nho", "Bản ghi nhớ", "Memorandum of understanding";
    BanThoaThuan => "ban_thoa_thuan", "Bản thỏa thuận", "Agreement";
    GiayUyQuyen => "giay_uy_quyen", "Giấy ủy quyền", "Power of attorney";
    GiayMoi => "giay_moi", "Giấy mời", "Invitation";
    GiayGioiThieu => "giay_gioi_thieu", "Giấy giới thiệu", "Letter of introduction";
    GiayNghiPhep => "giay_nghi_phep", "Giấy nghỉ phép", "Leave permit";
    PhieuGui => "phieu_gui", "Phiếu gửi", "Transmittal slip";
    PhieuChuyen => "phieu_chuyen", "Phiếu chuyển", "Forwarding slip";
    PhieuBao => "phieu_bao", "Phiếu báo", "Notification slip";
    BanSaoY => "ban_sao_y", "Bản sao y", "Certified copy";
    BanTrichSao => "ban_trich_sao", "Bản trích sao", "Certified extract";
    BanSaoLuc => "ban_sao_luc", "Bản sao lục", "Copy of a copy";
});

impl DocumentType {
    /// The abbreviation used in notations, exactly as written in Decree 30 (`"QĐ"`, `"TTr"`, `"QyĐ"`);
    /// `None` for a công văn, which has none.
    pub fn abbreviation(self) -> Option<&'static str> {
        use DocumentType::*;
        Some(match self {
            NghiQuyet => "NQ",
            QuyetDinh => "QĐ",
            ChiThi => "CT",
            QuyChe => "QC",
            QuyDinh => "QyĐ",
            ThongCao => "TC",
            ThongBao => "TB",
            HuongDan => "HD",
            ChuongTrinh => "CTr",
            KeHoach => "KH",
            PhuongAn => "PA",
            DeAn => "ĐA",
            DuAn => "DA",
            BaoCao => "BC",
            BienBan => "BB",
            ToTrinh => "TTr",
            HopDong => "HĐ",
            CongVan => return None,
            CongDien => "CĐ",
            BanGhiNho => "BGN",
            BanThoaThuan => "BTT",
            GiayUyQuyen => "GUQ",
            GiayMoi => "GM",
            GiayGioiThieu => "GGT",
            GiayNghiPhep => "GNP",
            PhieuGui => "PG",
            PhieuChuyen => "PC",
            PhieuBao => "PB",
            BanSaoY => "SY",
            BanTrichSao => "TrS",
            BanSaoLuc => "SL",
        })
    }

    /// The type with this abbreviation; exact and case-sensitive (`"QĐ"` but not `"qđ"` or `"QD"`,
    /// since `"DA"` and `"ĐA"` are different types).
    pub fn from_abbreviation(abbr: &str) -> Option<DocumentType> {
        DocumentType::ALL.iter().copied().find(|t| t.abbreviation() == Some(abbr))
    }

    /// `true` for the three kinds of copy (sao y, trích sao, sao lục).
    pub fn is_copy(self) -> bool {
        matches!(self, DocumentType::BanSaoY | DocumentType::BanTrichSao | DocumentType::BanSaoLuc)
    }

    /// Parses a form or API value: the stored name (`"quyet_dinh"`, ASCII case ignored) or the exact
    /// abbreviation (`"QĐ"`). Blank input gives `"required"`, anything else unknown `"unknown_document_type"`.
    pub fn parse_field(input: &str, field: &'static str) -> Result<DocumentType, FieldError> {
        parse_choice(
            input,
            field,
            "unknown_document_type",
            ("loại văn bản", "document type"),
            |s| DocumentType::parse(s).or_else(|| DocumentType::from_abbreviation(s)),
            DocumentType::ALL,
            DocumentType::label,
        )
    }
}

/// Urgency mark (độ khẩn). Ordered from least to most urgent.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord, Default, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Urgency {
    /// Thường: no urgency mark.
    #[default]
    Normal,
    /// Khẩn.
    Urgent,
    /// Thượng khẩn.
    VeryUrgent,
    /// Hỏa tốc.
    Flash,
}

vocabulary!(Urgency {
    Normal => "normal", "Thường", "Normal";
    Urgent => "urgent", "Khẩn", "Urgent";
    VeryUrgent => "very_urgent", "Thượng khẩn", "Very urgent";
    Flash => "flash", "Hỏa tốc", "Flash";
});

impl Urgency {
    /// Parses a form or API value (stored name); blank gives `"required"`, unknown `"unknown_urgency"`.
    pub fn parse_field(input: &str, field: &'static str) -> Result<Urgency, FieldError> {
        parse_choice(
            input,
            field,
            "unknown_urgency",
            ("độ khẩn", "urgency"),
            Urgency::parse,
            Urgency::ALL,
            Urgency::label,
        )
    }
}

/// Secrecy mark (độ mật). Ordered from not secret to most secret.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord, Default, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Secrecy {
    /// Not a state secret.
    #[default]
    None,
    /// Mật.
    Confidential,
    /// Tối mật.
    Secret,
    /// Tuyệt mật.
    TopSecret,
}

vocabulary!(Secrecy {
    None => "none", "Thường", "Not secret";
    Confidential => "confidential", "Mật", "Confidential";
    Secret => "secret", "Tối mật", "Secret";
    TopSecret => "top_secret", "Tuyệt mật", "Top secret";
});

impl Secrecy {
    /// `true` for every level of state secret (Mật and above). Secret documents have their own
    /// register series and are never exchanged as edXML.
    pub fn is_secret(self) -> bool {
        self != Secrecy::None
    }

    /// Parses a form or API value (stored name); blank gives `"required"`, unknown `"unknown_secrecy"`.
    pub fn parse_field(input: &str, field: &'static str) -> Result<Secrecy, FieldError> {
        parse_choice(
            input,
            field,
            "unknown_secrecy",
            ("độ mật", "secrecy"),
            Secrecy::parse,
            Secrecy::ALL,
            Secrecy::label,
        )
    }
}

/// Whether a document was received (đến) or issued (đi) by the agency.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Direction {
    /// Văn bản đến: received from outside the agency.
    Incoming,
    /// Văn bản đi: issued by the agency.
    Outgoing,
}

vocabulary!(Direction {
    Incoming => "incoming", "Văn bản đến", "Incoming";
    Outgoing => "outgoing", "Văn bản đi", "Outgoing";
});

impl Direction {
    /// Parses a form or API value (stored name); blank gives `"required"`, unknown `"unknown_direction"`.
    pub fn parse_field(input: &str, field: &'static str) -> Result<Direction, FieldError> {
        parse_choice(
            input,
            field,
            "unknown_direction",
            ("loại sổ (đến / đi)", "direction (incoming / outgoing)"),
            Direction::parse,
            Direction::ALL,
            Direction::label,
        )
    }
}

/// The numbering series of a register book. Numbers restart at 01 each year within a series.
///
/// Serialises as its [`key`](Series::key); deserialising accepts only valid keys.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum Series {
    /// Ordinary documents.
    Regular,
    /// Secret documents (any level of secrecy) have their own series.
    Secret,
    /// Legal normative documents (văn bản quy phạm pháp luật) have a series per type.
    LegalNormative(DocumentType),
}

impl Series {
    const LEGAL_PREFIX: &'static str = "legal:";

    /// The stored key: `"regular"`, `"secret"`, `"legal:quyet_dinh"`.
    pub fn key(self) -> String {
        match self {
            Series::Regular => "regular".to_owned(),
            Series::Secret => "secret".to_owned(),
            Series::LegalNormative(t) => format!("{}{}", Series::LEGAL_PREFIX, t.as_str()),
        }
    }

    /// Parses a stored key exactly as [`key`](Series::key) writes it.
    pub fn from_key(key: &str) -> Option<Series> {
        match key {
            "regular" => Some(Series::Regular),
            "secret" => Some(Series::Secret),
            _ => {
                let name = key.strip_prefix(Series::LEGAL_PREFIX)?;
                DocumentType::ALL.iter().copied().find(|t| t.as_str() == name).map(Series::LegalNormative)
            }
        }
    }

    /// The register book's name: "Sổ văn bản thường", "Sổ văn bản mật", "Sổ văn bản QPPL – Quyết định".
    pub fn label(self, lang: Lang) -> String {
        match (self, lang) {
            (Series::Regular, Lang::Vi) => "Sổ văn bản thường".to_owned(),
            (Series::Regular, Lang::En) => "Regular documents register".to_owned(),
            (Series::Secret, Lang::Vi) => "Sổ văn bản mật".to_owned(),
            (Series::Secret, Lang::En) => "Secret documents register".to_owned(),
            (Series::LegalNormative(t), Lang::Vi) => format!("Sổ văn bản QPPL – {}", t.label(Lang::Vi)),
            (Series::LegalNormative(t), Lang::En) => {
                format!("Legal normative documents register – {}", t.label(Lang::En))
            }
        }
    }

    /// The series a document is numbered in: secret documents always go to [`Series::Secret`]
    /// (secrecy wins over legal normative), legal normative ones to their type's series, the rest
    /// to [`Series::Regular`].
    pub fn for_document(doc_type: DocumentType, secrecy: Secrecy, legal_normative: bool) -> Series {
        if secrecy.is_secret() {
            Series::Secret
        } else if legal_normative {
            Series::LegalNormative(doc_type)
        } else {
            Series::Regular
        }
    }
}

impl fmt::Display for Series {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.key())
    }
}

impl Serialize for Series {
    fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        serializer.serialize_str(&self.key())
    }
}

impl<'de> Deserialize<'de> for Series {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        let s = String::deserialize(deserializer)?;
        Series::from_key(&s).ok_or_else(|| serde::de::Error::custom(format!("unknown register series {s:?}")))
    }
}

/// Replaces the look-alike Latin capital eth `Ð` (U+00D0), often typed by mistake, with the
/// Vietnamese `Đ` (U+0110).
fn fix_d_stroke(s: &str) -> String {
    s.replace('\u{00D0}', "\u{0110}")
}

/// A document notation (ký hiệu), e.g. `QĐ-UBND`, `UBND-VP`, `TTr-SNV`, `BC-SKHĐT`.
///
/// Segments separated by `-`, each 1–20 letters (any alphabet, any case), digits, `&` or `.`;
/// at most 60 characters in all. Serialises as its string; deserialising validates.
#[derive(Clone, Debug, PartialEq, Eq, Hash)]
pub struct Notation(String);

impl Notation {
    /// Maximum length in characters.
    pub const MAX_LEN: usize = 60;
    /// Maximum length of one `-`-separated segment in characters.
    pub const MAX_SEGMENT_LEN: usize = 20;

    /// Validates a notation. The input is put in NFC and trimmed (a look-alike `Ð` becomes `Đ`);
    /// case is kept as typed since the decree mixes cases (`TTr`, `QyĐ`).
    pub fn parse(input: &str, field: &'static str) -> Result<Notation, FieldError> {
        let s = fix_d_stroke(&normalize(input));
        if s.is_empty() {
            return Err(FieldError::new(
                field,
                "required",
                "Vui lòng nhập ký hiệu văn bản.",
                "Enter the document notation.",
            ));
        }
        let invalid = |vi: String, en: String| {
            FieldError::new(
                field,
                "notation_invalid",
                format!("Ký hiệu “{s}” không hợp lệ: {vi}"),
                format!("Invalid notation “{s}”: {en}"),
            )
        };
        let len = s.chars().count();
        if len > Self::MAX_LEN {
            return Err(invalid(
                format!("dài tối đa {} ký tự (đã nhập {len} ký tự).", Self::MAX_LEN),
                format!("at most {} characters allowed, got {len}.", Self::MAX_LEN),
            ));
        }
        if let Some(bad) =
            s.chars().find(|&c| !(c.is_alphabetic() || c.is_ascii_digit() || matches!(c, '&' | '.' | '-')))
        {
            let (vi, en) = show_char(bad);
            return Err(invalid(
                format!("không được chứa {vi}; chỉ dùng chữ cái, chữ số, “&”, “.” và dấu gạch ngang “-” giữa các phần (ví dụ QĐ-UBND)."),
                format!("{en} is not allowed; use letters, digits, “&”, “.” and a hyphen “-” between parts (e.g. QĐ-UBND)."),
            ));
        }
        if s.split('-').any(str::is_empty) {
            return Err(invalid(
                "có phần trống (dấu gạch ngang ở đầu, ở cuối hoặc hai dấu gạch ngang liền nhau).".to_owned(),
                "it has an empty part (a leading or trailing hyphen, or two hyphens in a row).".to_owned(),
            ));
        }
        if let Some(long) = s.split('-').find(|seg| seg.chars().count() > Self::MAX_SEGMENT_LEN) {
            return Err(invalid(
                format!("phần “{long}” dài quá {} ký tự.", Self::MAX_SEGMENT_LEN),
                format!("the part “{long}” is longer than {} characters.", Self::MAX_SEGMENT_LEN),
            ));
        }
        Ok(Notation(s))
    }

    /// The notation as written.
    pub fn as_str(&self) -> &str {
        &self.0
    }

    /// The `-`-separated segments (`"QĐ-UBND"` → `["QĐ", "UBND"]`).
    pub fn segments(&self) -> impl Iterator<Item = &str> {
        self.0.split('-')
    }
}

impl fmt::Display for Notation {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

impl AsRef<str> for Notation {
    fn as_ref(&self) -> &str {
        &self.0
    }
}

impl Serialize for Notation {
    fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        serializer.serialize_str(&self.0)
    }
}

impl<'de> Deserialize<'de> for Notation {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        let s = String::deserialize(deserializer)?;
        Notation::parse(&s, "notation").map_err(|e| serde::de::Error::custom(e.message_en))
    }
}

/// A document's number as written on it: numbers below 10 get a leading zero (`5` → `"05"`).
pub fn format_number(n: u32) -> String {
    format!("{n:02}")
}

/// A document's number and notation (số, ký hiệu), e.g. `05/QĐ-UBND`.
#[derive(Clone, Debug, PartialEq, Eq, Hash)]
pub struct DocumentNumber {
    /// The number within its series and year, 1..=999 999.
    pub number: u32,
    /// The notation after the slash.
    pub notation: Notation,
}

impl DocumentNumber {
    /// Largest accepted number.
    pub const MAX_NUMBER: u32 = 999_999;

    /// Parses `"05/QĐ-UBND"`, `"5/QĐ-UBND"`, `"Số: 05/QĐ-UBND"`, `"số 12 / UBND-VP"`: an optional
    /// "Số" prefix (any case) with an optional colon, the number, `/` (spaces around it allowed)
    /// and a [`Notation`]. Number errors have code `"number_invalid"`; notation errors come from
    /// [`Notation::parse`].
    pub fn parse(input: &str, field: &'static str) -> Result<DocumentNumber, FieldError> {
        let s = normalize(input);
        if s.is_empty() {
            return Err(FieldError::new(
                field,
                "required",
                "Vui lòng nhập số, ký hiệu văn bản (ví dụ 05/QĐ-UBND).",
                "Enter the document number and notation (e.g. 05/QĐ-UBND).",
            ));
        }
        let rest = strip_so_prefix(&s);
        let invalid = |vi: String, en: String| FieldError::new(field, "number_invalid", vi, en);
        let Some((num, notation)) = rest.split_once('/') else {
            return Err(invalid(
                format!("Số, ký hiệu “{s}” thiếu dấu “/” giữa số và ký hiệu (ví dụ 05/QĐ-UBND)."),
                format!("“{s}” lacks the “/” between the number and the notation (e.g. 05/QĐ-UBND)."),
            ));
        };
        let num = num.trim();
        if num.is_empty() {
            return Err(invalid(
                "Thiếu số văn bản trước dấu “/” (ví dụ 05/QĐ-UBND).".to_owned(),
                "The number before the “/” is missing (e.g. 05/QĐ-UBND).".to_owned(),
            ));
        }
        if !num.bytes().all(|b| b.is_ascii_digit()) {
            return Err(invalid(
                format!("Số văn bản “{num}” không phải là số; chỉ dùng chữ số 0-9."),
                format!("The document number “{num}” is not a number; use digits 0-9 only."),
            ));
        }
        // Leading zeros are allowed ("05"); more than six significant digits cannot fit.
        let significant = num.trim_start_matches('0');
        let number = match significant.len() {
            0 => 0,
            1..=6 => significant.parse::<u32>().unwrap_or(u32::MAX),
            _ => u32::MAX,
        };
        if number == 0 {
            return Err(invalid(
                "Số văn bản phải lớn hơn 0 (số bắt đầu từ 01).".to_owned(),
                "The document number must be greater than 0 (numbers start at 01).".to_owned(),
            ));
        }
        if number > Self::MAX_NUMBER {
            return Err(invalid(
                format!("Số văn bản “{num}” quá lớn (tối đa {}).", Self::MAX_NUMBER),
                format!("The document number “{num}” is too large (at most {}).", Self::MAX_NUMBER),
            ));
        }
        let notation = Notation::parse(notation, field)?;
        Ok(DocumentNumber { number, notation })
    }
}

/// Strips a leading "Số" / "số" (any case), an optional colon and the spaces around them.
fn strip_so_prefix(s: &str) -> &str {
    let mut chars = s.char_indices();
    let prefix_end = match (chars.next(), chars.next()) {
        (Some((_, a)), Some((i, b))) if matches!(a, 'S' | 's') && matches!(b, 'ố' | 'Ố') => i + b.len_utf8(),
        _ => return s,
    };
    let rest = s[prefix_end..].trim_start();
    rest.strip_prefix(':').unwrap_or(rest).trim_start()
}

impl fmt::Display for DocumentNumber {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}/{}", format_number(self.number), self.notation)
    }
}

/// The notation of an outgoing document (Decree 30, Appendix I):
///
/// - a typed document: type abbreviation - issuer (`"QĐ-UBND"`, `"TTr-SNV"`); the drafting unit is
///   ignored, the decree's form for typed documents does not carry it;
/// - a công văn: issuer - drafting unit (`"UBND-VP"`), or the issuer alone without a unit.
///
/// `issuer` and `drafting_unit` are the abbreviations of the agency and unit names; they are trimmed
/// and a blank unit counts as none. Check the result with [`Notation::parse`].
pub fn outgoing_notation(doc_type: DocumentType, issuer: &str, drafting_unit: Option<&str>) -> String {
    let issuer = issuer.trim();
    match (doc_type.abbreviation(), drafting_unit.map(str::trim).filter(|u| !u.is_empty())) {
        (Some(abbr), _) => format!("{abbr}-{issuer}"),
        (None, Some(unit)) => format!("{issuer}-{unit}"),
        (None, None) => issuer.to_owned(),
    }
}

/// A document's subject line (trích yếu): normalised, 1–500 characters (the edXML limit).
///
/// Serialises as its string; deserialising validates.
#[derive(Clone, Debug, PartialEq, Eq, Hash)]
pub struct Subject(String);

impl Subject {
    /// Maximum length in characters.
    pub const MAX_LEN: usize = 500;

    /// Validates a subject line (whitespace collapsed, NFC).
    pub fn parse(input: &str, field: &'static str) -> Result<Subject, FieldError> {
        let s = normalize(input);
        let len = s.chars().count();
        if len == 0 {
            return Err(FieldError::new(
                field,
                "required",
                "Vui lòng nhập trích yếu nội dung văn bản.",
                "Enter the document's subject.",
            ));
        }
        if len > Self::MAX_LEN {
            return Err(FieldError::new(
                field,
                "too_long",
                format!("Trích yếu dài tối đa {} ký tự (đã nhập {len} ký tự).", Self::MAX_LEN),
                format!("The subject must be at most {} characters long (got {len}).", Self::MAX_LEN),
            ));
        }
        Ok(Subject(s))
    }

    /// The normalised subject.
    pub fn as_str(&self) -> &str {
        &self.0
    }
}

impl fmt::Display for Subject {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

impl Serialize for Subject {
    fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        serializer.serialize_str(&self.0)
    }
}

impl<'de> Deserialize<'de> for Subject {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        let s = String::deserialize(deserializer)?;
        Subject::parse(&s, "subject").map_err(|e| serde::de::Error::custom(e.message_en))
    }
}

/// A date the Vietnamese way, `dd/mm/yyyy`.
fn show_date(d: Date) -> String {
    format!("{:02}/{:02}/{:04}", d.day(), d.month(), d.year())
}

/// Parses `min_digits..=max_digits` ASCII digits into a number; `None` for anything else.
fn digits(s: &str, min_digits: usize, max_digits: usize) -> Option<i16> {
    if s.len() < min_digits || s.len() > max_digits || !s.bytes().all(|b| b.is_ascii_digit()) {
        return None;
    }
    s.parse().ok()
}

/// Parses a date typed by a person or read from another system: `2026-03-05` (ISO), `05/03/2026`
/// and `5/3/2026` (day first, as written in Vietnam), and also `2026/03/05` (edXML) and `05-03-2026`
/// / `05.03.2026`. The year has four digits (1000 or later); the separator is the same twice.
/// Errors: `"required"` for blank input, `"date_invalid"` otherwise.
pub fn parse_date(input: &str, field: &'static str) -> Result<Date, FieldError> {
    let s = normalize(input);
    if s.is_empty() {
        return Err(FieldError::new(field, "required", "Vui lòng nhập ngày.", "Enter a date."));
    }
    let format_error = || {
        FieldError::new(
            field,
            "date_invalid",
            format!("Ngày “{s}” không hợp lệ; nhập theo dạng ngày/tháng/năm, ví dụ 05/03/2026."),
            format!("“{s}” is not a valid date; write it as day/month/year, e.g. 05/03/2026, or as 2026-03-05."),
        )
    };
    let Some(sep) = s.chars().find(|c| matches!(c, '-' | '/' | '.')) else {
        return Err(format_error());
    };
    let parts: Vec<&str> = s.split(sep).map(str::trim).collect();
    let [a, b, c] = parts.as_slice() else {
        return Err(format_error());
    };
    let (year, month, day) = if a.len() == 4 {
        (digits(a, 4, 4), digits(b, 1, 2), digits(c, 1, 2))
    } else {
        (digits(c, 4, 4), digits(b, 1, 2), digits(a, 1, 2))
    };
    let (Some(year), Some(month), Some(day)) = (year, month, day) else {
        return Err(format_error());
    };
    if year < 1000 {
        return Err(format_error());
    }
    let month = i8::try_from(month).map_err(|_| format_error())?;
    let day = i8::try_from(day).map_err(|_| format_error())?;
    Date::new(year, month, day).map_err(|_| {
        FieldError::new(
            field,
            "date_invalid",
            format!("Ngày {day:02}/{month:02}/{year} không tồn tại."),
            format!("The date {day:02}/{month:02}/{year} (day/month/year) does not exist."),
        )
    })
}

/// Checks that `date` is not after `today` (a document's date, an arrival date); code `"date_in_future"`.
/// The caller supplies `today` in Vietnam time.
pub fn not_after(date: Date, today: Date, field: &'static str) -> Result<(), FieldError> {
    if date > today {
        return Err(FieldError::new(
            field,
            "date_in_future",
            format!("Ngày {} ở tương lai; ngày không được sau hôm nay ({}).", show_date(date), show_date(today)),
            format!("The date {} is in the future; it may not be after today ({}).", show_date(date), show_date(today)),
        ));
    }
    Ok(())
}

/// The earliest date an official document can carry: 2 September 1945, when the Vietnamese state
/// that issues them was founded. An earlier date is a typing mistake (1800 for 2008), not a document.
pub const EARLIEST_DOCUMENT_DATE: Date = jiff::civil::date(1945, 9, 2);

/// Checks that a document's date is not before [`EARLIEST_DOCUMENT_DATE`]; code `"date_too_early"`.
pub fn not_before_earliest(date: Date, field: &'static str) -> Result<(), FieldError> {
    if date < EARLIEST_DOCUMENT_DATE {
        return Err(FieldError::new(
            field,
            "date_too_early",
            format!(
                "Ngày {} quá xa trong quá khứ; văn bản không thể có ngày trước {}.",
                show_date(date),
                show_date(EARLIEST_DOCUMENT_DATE)
            ),
            format!(
                "The date {} is too far in the past; a document cannot be dated before {}.",
                show_date(date),
                show_date(EARLIEST_DOCUMENT_DATE)
            ),
        ));
    }
    Ok(())
}

/// Text for accent-insensitive search: each part normalised and folded (lowercase, no diacritics,
/// `đ` → `d`, see [`crate::text::fold`]), the non-empty ones joined with one space.
///
/// `folded_search_text(&["05/QĐ-UBND", "Về việc Đà Nẵng"]) == "05/qd-ubnd ve viec da nang"`.
pub fn folded_search_text(parts: &[&str]) -> String {
    parts.iter().map(|p| fold(&normalize(p))).filter(|p| !p.is_empty()).collect::<Vec<_>>().join(" ")
}

#[cfg(test)]
#[allow(clippy::unwrap_used)]
mod tests {
    use super::*;
    use crate::testutil::Rng;
    use jiff::civil::date;

    #[test]
    fn document_dates_start_in_1945() {
        assert_eq!(not_before_earliest(date(1800, 1, 1), "issued_on").map_err(|e| e.code), Err("date_too_early"));
        assert!(not_before_earliest(date(1945, 9, 2), "issued_on").is_ok());
        assert!(not_before_earliest(date(2026, 1, 15), "issued_on").is_ok());
    }

    #[test]
    fn vocabularies_are_consistent() {
        use crate::testutil::check_vocabulary;
        check_vocabulary(DocumentType::ALL, DocumentType::as_str, DocumentType::parse, DocumentType::label);
        check_vocabulary(Urgency::ALL, Urgency::as_str, Urgency::parse, Urgency::label);
        check_vocabulary(Secrecy::ALL, Secrecy::as_str, Secrecy::parse, Secrecy::label);
        check_vocabulary(Direction::ALL, Direction::as_str, Direction::parse, Direction::label);
        assert_eq!(DocumentType::ALL.len(), 31);
        assert_eq!(Urgency::ALL.len(), 4);
        assert_eq!(Secrecy::ALL.len(), 4);
        assert_eq!(Direction::ALL.len(), 2);
    }

    #[test]
    fn document_type_names_and_labels() {
        assert_eq!(DocumentType::QuyetDinh.as_str(), "quyet_dinh");
        assert_eq!(DocumentType::CongVan.as_str(), "cong_van");
        assert_eq!(DocumentType::NghiQuyet.as_str(), "nghi_quyet");
        assert_eq!(DocumentType::BanSaoY.as_str(), "ban_sao_y");
        assert_eq!(DocumentType::QuyetDinh.label(Lang::Vi), "Quyết định");
        assert_eq!(DocumentType::QuyetDinh.label(Lang::En), "Decision");
        assert_eq!(DocumentType::BanThoaThuan.label(Lang::Vi), "Bản thỏa thuận");
        assert_eq!(DocumentType::ToTrinh.to_string(), "to_trinh");
        assert!(DocumentType::BanTrichSao.is_copy());
        assert!(!DocumentType::CongVan.is_copy());
    }

    #[test]
    fn abbreviations_follow_the_decree() {
        let expected = [
            "NQ", "QĐ", "CT", "QC", "QyĐ", "TC", "TB", "HD", "CTr", "KH", "PA", "ĐA", "DA", "BC", "BB", "TTr", "HĐ",
            "CĐ", "BGN", "BTT", "GUQ", "GM", "GGT", "GNP", "PG", "PC", "PB", "SY", "TrS", "SL",
        ];
        let actual: Vec<&str> = DocumentType::ALL.iter().filter_map(|t| t.abbreviation()).collect();
        assert_eq!(actual, expected);
        assert_eq!(DocumentType::CongVan.abbreviation(), None);
        for &t in DocumentType::ALL {
            if let Some(a) = t.abbreviation() {
                assert_eq!(DocumentType::from_abbreviation(a), Some(t));
                // Every abbreviation is itself a valid notation segment.
                assert!(Notation::parse(a, "n").is_ok());
            }
        }
        assert_eq!(DocumentType::from_abbreviation("ĐA"), Some(DocumentType::DeAn));
        assert_eq!(DocumentType::from_abbreviation("DA"), Some(DocumentType::DuAn));
        assert_eq!(DocumentType::from_abbreviation("TTr"), Some(DocumentType::ToTrinh));
        assert_eq!(DocumentType::from_abbreviation("TTR"), None);
        assert_eq!(DocumentType::from_abbreviation("qđ"), None);
        assert_eq!(DocumentType::from_abbreviation("QD"), None);
        assert_eq!(DocumentType::from_abbreviation(""), None);
        // The abbreviations are in NFC already.
        for a in expected {
            assert_eq!(normalize(a), a);
        }
    }

    #[test]
    fn parse_field_for_vocabularies() {
        assert_eq!(DocumentType::parse_field(" quyet_dinh ", "type").unwrap(), DocumentType::QuyetDinh);
        assert_eq!(DocumentType::parse_field("QĐ", "type").unwrap(), DocumentType::QuyetDinh);
        assert_eq!(DocumentType::parse_field("cong_van", "type").unwrap(), DocumentType::CongVan);
        let e = DocumentType::parse_field("sắc_lệnh", "doc_type").unwrap_err();
        assert_eq!((e.field, e.code), ("doc_type", "unknown_document_type"));
        assert!(e.message_vi.contains("“sắc_lệnh”") && e.message_vi.contains("Quyết định"), "{}", e.message_vi);
        assert_eq!(DocumentType::parse_field("  ", "doc_type").unwrap_err().code, "required");

        assert_eq!(Urgency::parse_field("flash", "urgency").unwrap(), Urgency::Flash);
        let e = Urgency::parse_field("rất khẩn", "urgency").unwrap_err();
        assert_eq!(e.code, "unknown_urgency");
        assert!(e.message_vi.contains("Thường, Khẩn, Thượng khẩn, Hỏa tốc"), "{}", e.message_vi);
        assert_eq!(Secrecy::parse_field("TOP_SECRET", "secrecy").unwrap(), Secrecy::TopSecret);
        assert_eq!(Secrecy::parse_field("mat", "secrecy").unwrap_err().code, "unknown_secrecy");
        assert_eq!(Direction::parse_field("incoming", "direction").unwrap(), Direction::Incoming);
        assert_eq!(Direction::parse_field("sideways", "direction").unwrap_err().code, "unknown_direction");
    }

    #[test]
    fn urgency_and_secrecy() {
        assert!(Urgency::Flash > Urgency::VeryUrgent && Urgency::VeryUrgent > Urgency::Urgent);
        assert!(Urgency::Urgent > Urgency::Normal);
        assert_eq!(Urgency::default(), Urgency::Normal);
        assert_eq!(Urgency::Flash.label(Lang::Vi), "Hỏa tốc");
        assert_eq!(Urgency::VeryUrgent.label(Lang::Vi), "Thượng khẩn");
        assert_eq!(Secrecy::default(), Secrecy::None);
        assert!(!Secrecy::None.is_secret());
        assert!(Secrecy::Confidential.is_secret() && Secrecy::Secret.is_secret() && Secrecy::TopSecret.is_secret());
        assert_eq!(Secrecy::TopSecret.label(Lang::Vi), "Tuyệt mật");
        assert_eq!(Secrecy::Secret.label(Lang::Vi), "Tối mật");
        assert_eq!(Secrecy::None.label(Lang::En), "Not secret");
        assert_eq!(Direction::Outgoing.label(Lang::Vi), "Văn bản đi");
    }

    #[test]
    fn series_keys_labels_and_choice() {
        let mut all = vec![Series::Regular, Series::Secret];
        all.extend(DocumentType::ALL.iter().map(|&t| Series::LegalNormative(t)));
        for s in all {
            assert_eq!(Series::from_key(&s.key()), Some(s));
            assert_eq!(serde_json::from_str::<Series>(&serde_json::to_string(&s).unwrap()).unwrap(), s);
        }
        assert_eq!(Series::Regular.key(), "regular");
        assert_eq!(Series::Secret.key(), "secret");
        assert_eq!(Series::LegalNormative(DocumentType::QuyetDinh).key(), "legal:quyet_dinh");
        assert_eq!(Series::LegalNormative(DocumentType::QuyetDinh).to_string(), "legal:quyet_dinh");
        assert_eq!(Series::from_key("legal:"), None);
        assert_eq!(Series::from_key("legal:nonsense"), None);
        assert_eq!(Series::from_key("Regular"), None);
        assert_eq!(Series::from_key(""), None);
        assert!(serde_json::from_str::<Series>("\"nope\"").is_err());

        assert_eq!(Series::Secret.label(Lang::Vi), "Sổ văn bản mật");
        assert_eq!(Series::LegalNormative(DocumentType::QuyetDinh).label(Lang::Vi), "Sổ văn bản QPPL – Quyết định");
        assert_eq!(
            Series::LegalNormative(DocumentType::NghiQuyet).label(Lang::En),
            "Legal normative documents register – Resolution"
        );

        let qd = DocumentType::QuyetDinh;
        assert_eq!(Series::for_document(qd, Secrecy::None, false), Series::Regular);
        assert_eq!(Series::for_document(qd, Secrecy::None, true), Series::LegalNormative(qd));
        assert_eq!(Series::for_document(qd, Secrecy::Confidential, true), Series::Secret);
        assert_eq!(Series::for_document(DocumentType::CongVan, Secrecy::TopSecret, false), Series::Secret);
    }

    #[test]
    fn notation_accepts_real_notations() {
        for n in ["QĐ-UBND", "UBND-VP", "TTr-SNV", "BC-SKHĐT", "QyĐ-BTC", "CTr-UBND", "UBND", "HĐ-BQLDA.12", "TB-S&T"]
        {
            assert_eq!(Notation::parse(n, "notation").unwrap().as_str(), n);
        }
        // NFC, trimming and the look-alike eth.
        assert_eq!(Notation::parse("  QĐ-SKHĐT ", "n").unwrap().as_str(), "QĐ-SKHĐT");
        assert_eq!(Notation::parse("Q\u{00D0}-UBND", "n").unwrap().as_str(), "QĐ-UBND");
        assert_eq!(Notation::parse("Q\u{0110}-SO\u{031B}\u{0309}", "n").unwrap().as_str(), "QĐ-SỞ");
        let n = Notation::parse("TTr-SNV", "n").unwrap();
        assert_eq!(n.to_string(), "TTr-SNV");
        assert_eq!(n.segments().collect::<Vec<_>>(), vec!["TTr", "SNV"]);
        assert_eq!(serde_json::to_string(&n).unwrap(), "\"TTr-SNV\"");
        assert_eq!(serde_json::from_str::<Notation>("\"TTr-SNV\"").unwrap(), n);
        assert!(serde_json::from_str::<Notation>("\"TTr--SNV\"").is_err());
        // Exactly at the limits.
        let seg = "A".repeat(20);
        assert!(Notation::parse(&seg, "n").is_ok());
        let sixty = format!("{seg}-{}-{}", "B".repeat(19), "C".repeat(19));
        assert_eq!(sixty.chars().count(), 60);
        assert!(Notation::parse(&sixty, "n").is_ok());
    }

    #[test]
    fn notation_rejections_say_what_is_wrong() {
        let e = Notation::parse("   ", "notation").unwrap_err();
        assert_eq!((e.field, e.code), ("notation", "required"));
        let e = Notation::parse("QĐ UBND", "notation").unwrap_err();
        assert_eq!(e.code, "notation_invalid");
        assert!(e.message_vi.contains("khoảng trắng") && e.message_en.contains("a space"), "{}", e.message_vi);
        let e = Notation::parse("QĐ/UBND", "notation").unwrap_err();
        assert!(e.message_vi.contains("“/”") && e.message_en.contains("“/”"));
        let e = Notation::parse("QĐ_UBND", "notation").unwrap_err();
        assert!(e.message_en.contains("“_”"));
        for bad in ["-UBND", "QĐ-", "QĐ--UBND", "-"] {
            let e = Notation::parse(bad, "notation").unwrap_err();
            assert_eq!(e.code, "notation_invalid");
            assert!(e.message_vi.contains("phần trống"), "{bad}: {}", e.message_vi);
        }
        let e = Notation::parse(&format!("QĐ-{}", "X".repeat(21)), "notation").unwrap_err();
        assert!(e.message_vi.contains("dài quá 20 ký tự"), "{}", e.message_vi);
        let e = Notation::parse(&["ABCDEFGHIJ"; 6].join("-"), "notation").unwrap_err();
        assert!(e.message_vi.contains("tối đa 60 ký tự (đã nhập 65"), "{}", e.message_vi);
    }

    #[test]
    fn document_number_parses_common_forms() {
        let cases = [
            ("05/QĐ-UBND", 5, "QĐ-UBND"),
            ("5/QĐ-UBND", 5, "QĐ-UBND"),
            ("Số: 05/QĐ-UBND", 5, "QĐ-UBND"),
            ("số 12 / UBND-VP", 12, "UBND-VP"),
            ("SỐ:123/TTr-SNV", 123, "TTr-SNV"),
            ("Số :  7/ BC-SKHĐT", 7, "BC-SKHĐT"),
            ("999999/UBND", 999_999, "UBND"),
            ("000012/UBND-VP", 12, "UBND-VP"),
        ];
        for (input, number, notation) in cases {
            let n = DocumentNumber::parse(input, "number").unwrap();
            assert_eq!((n.number, n.notation.as_str()), (number, notation), "{input}");
        }
        assert_eq!(DocumentNumber::parse("5/QĐ-UBND", "n").unwrap().to_string(), "05/QĐ-UBND");
        assert_eq!(DocumentNumber::parse("số 12 / UBND-VP", "n").unwrap().to_string(), "12/UBND-VP");
        assert_eq!(DocumentNumber::parse("1234/UBND-VP", "n").unwrap().to_string(), "1234/UBND-VP");
        assert_eq!(format_number(5), "05");
        assert_eq!(format_number(12), "12");
        assert_eq!(format_number(123), "123");
    }

    #[test]
    fn document_number_errors() {
        let code = |s: &str| DocumentNumber::parse(s, "number").unwrap_err();
        assert_eq!(code("").code, "required");
        let e = code("05 QĐ-UBND");
        assert_eq!(e.code, "number_invalid");
        assert!(e.message_vi.contains("thiếu dấu “/”"), "{}", e.message_vi);
        let e = code("/QĐ-UBND");
        assert!(e.message_vi.contains("Thiếu số văn bản"), "{}", e.message_vi);
        let e = code("ab/QĐ-UBND");
        assert!(e.message_vi.contains("không phải là số") && e.message_en.contains("“ab”"), "{}", e.message_vi);
        let e = code("0/QĐ-UBND");
        assert!(e.message_vi.contains("lớn hơn 0"), "{}", e.message_vi);
        assert!(code("000/QĐ-UBND").message_vi.contains("lớn hơn 0"));
        let e = code("1000000/QĐ-UBND");
        assert!(e.message_vi.contains("quá lớn"), "{}", e.message_vi);
        assert!(code("99999999999999999999999/QĐ-UBND").message_vi.contains("quá lớn"));
        assert_eq!(code("-5/QĐ-UBND").code, "number_invalid");
        let e = code("05/");
        assert_eq!((e.field, e.code), ("number", "required"));
        assert_eq!(code("05/QĐ/UBND").code, "notation_invalid");
        assert_eq!(code("Số:").code, "number_invalid");
    }

    #[test]
    fn outgoing_notations() {
        assert_eq!(outgoing_notation(DocumentType::QuyetDinh, "UBND", None), "QĐ-UBND");
        assert_eq!(outgoing_notation(DocumentType::QuyetDinh, "UBND", Some("VP")), "QĐ-UBND");
        assert_eq!(outgoing_notation(DocumentType::ToTrinh, "SNV", Some("")), "TTr-SNV");
        assert_eq!(outgoing_notation(DocumentType::CongVan, "UBND", Some("VP")), "UBND-VP");
        assert_eq!(outgoing_notation(DocumentType::CongVan, " UBND ", Some("  ")), "UBND");
        assert_eq!(outgoing_notation(DocumentType::CongVan, "UBND", None), "UBND");
        for &t in DocumentType::ALL {
            assert!(Notation::parse(&outgoing_notation(t, "SKHĐT", Some("VP")), "n").is_ok());
        }
    }

    #[test]
    fn subject_is_normalised_and_bounded() {
        let s = Subject::parse("  Về việc   tổ chức\nhội nghị ", "subject").unwrap();
        assert_eq!(s.as_str(), "Về việc tổ chức hội nghị");
        assert_eq!(s.to_string(), "Về việc tổ chức hội nghị");
        assert_eq!(Subject::parse(" \n", "subject").unwrap_err().code, "required");
        assert!(Subject::parse(&"ă".repeat(500), "subject").is_ok());
        let e = Subject::parse(&"ă".repeat(501), "subject").unwrap_err();
        assert_eq!((e.field, e.code), ("subject", "too_long"));
        assert!(e.message_vi.contains("501"));
        assert_eq!(serde_json::from_str::<Subject>("\"Về việc A\"").unwrap().as_str(), "Về việc A");
        assert!(serde_json::from_str::<Subject>("\"  \"").is_err());
    }

    #[test]
    fn dates_in_both_notations() {
        let d = date(2026, 3, 5);
        for input in ["2026-03-05", "05/03/2026", "5/3/2026", " 05/03/2026 ", "2026/03/05", "05-03-2026", "5.3.2026"] {
            assert_eq!(parse_date(input, "date").unwrap(), d, "{input}");
        }
        assert_eq!(parse_date("29/02/2024", "date").unwrap(), date(2024, 2, 29));
        assert_eq!(parse_date("", "date").unwrap_err().code, "required");
        for bad in [
            "2026-3",
            "05/03/26",
            "2026-03-05T10:00",
            "05/03-2026",
            "hôm nay",
            "0005/03/2026",
            "1/1/0999",
            "2026-003-05",
            "1.2.3.4",
        ] {
            assert_eq!(parse_date(bad, "date").unwrap_err().code, "date_invalid", "{bad}");
        }
        let e = parse_date("31/02/2026", "date").unwrap_err();
        assert_eq!(e.code, "date_invalid");
        assert!(e.message_vi.contains("31/02/2026 không tồn tại"), "{}", e.message_vi);
        assert!(parse_date("29/02/2026", "date").is_err());
        assert!(parse_date("00/01/2026", "date").is_err());
        assert!(parse_date("01/13/2026", "date").is_err());
    }

    #[test]
    fn dates_round_trip() {
        let mut rng = Rng::new(3);
        for _ in 0..500 {
            let d = date(1990 + rng.below(60) as i16, 1 + rng.below(12) as i8, 1 + rng.below(28) as i8);
            assert_eq!(parse_date(&show_date(d), "d").unwrap(), d);
            assert_eq!(parse_date(&d.to_string(), "d").unwrap(), d);
        }
    }

    #[test]
    fn dates_not_in_future() {
        let today = date(2026, 3, 5);
        assert!(not_after(date(2026, 3, 5), today, "date").is_ok());
        assert!(not_after(date(2025, 12, 31), today, "date").is_ok());
        let e = not_after(date(2026, 3, 6), today, "issued_on").unwrap_err();
        assert_eq!((e.field, e.code), ("issued_on", "date_in_future"));
        assert!(e.message_vi.contains("06/03/2026") && e.message_vi.contains("05/03/2026"), "{}", e.message_vi);
    }

    #[test]
    fn search_text_is_folded() {
        assert_eq!(folded_search_text(&["05/QĐ-UBND", "Về việc Đà Nẵng"]), "05/qd-ubnd ve viec da nang");
        assert_eq!(folded_search_text(&["", "  ", "Quyết  định\n", "", "Sở KH&ĐT"]), "quyet dinh so kh&dt");
        assert_eq!(folded_search_text(&["Quye\u{0302}\u{0301}t"]), "quyet");
        assert_eq!(folded_search_text(&[]), "");
    }

    #[test]
    fn property_parsers_never_panic_and_round_trip() {
        let alphabet: Vec<char> = "05Số: /-QĐUBNDđ&.x\u{00D0}\u{0301}\t".chars().collect();
        let mut rng = Rng::new(19);
        for _ in 0..3000 {
            let s = rng.string_from(&alphabet, 16);
            if let Ok(n) = Notation::parse(&s, "n") {
                assert_eq!(Notation::parse(n.as_str(), "n").unwrap(), n);
            }
            if let Ok(n) = DocumentNumber::parse(&s, "n") {
                assert_eq!(DocumentNumber::parse(&n.to_string(), "n").unwrap(), n);
                assert!((1..=DocumentNumber::MAX_NUMBER).contains(&n.number));
            }
            let _ = parse_date(&s, "d");
        }
    }
}
