//! Document types (`DocumentType/Type`): the numbers of the 2022 amendment's list and the
//! Decree 30/2020 abbreviations, used to read `Type` sent either as a number or as a group code.
//!
//! standards.md §2 marks this point open: the amendment numbers administrative types
//! (1 Nghị quyết … 18 Công văn, 19 Công điện, 20 Bản ghi nhớ … 25 Giấy mời, 26 Giấy giới thiệu).
//! Numbers 1–20 follow the order of Decree 30/2020 Appendix III, which agrees with every number
//! standards.md gives; 21–24 are not confirmed and are therefore not named here (such numbers are
//! still read and written, with the `TypeName` the sender gave).

/// Known types: number, Vietnamese name, Decree 30 abbreviation (Công văn has none).
const KNOWN: &[(u16, &str, &str)] = &[
    (1, "Nghị quyết", "NQ"),
    (2, "Quyết định", "QĐ"),
    (3, "Chỉ thị", "CT"),
    (4, "Quy chế", "QC"),
    (5, "Quy định", "QyĐ"),
    (6, "Thông cáo", "TC"),
    (7, "Thông báo", "TB"),
    (8, "Hướng dẫn", "HD"),
    (9, "Chương trình", "CTr"),
    (10, "Kế hoạch", "KH"),
    (11, "Phương án", "PA"),
    (12, "Đề án", "ĐA"),
    (13, "Dự án", "DA"),
    (14, "Báo cáo", "BC"),
    (15, "Biên bản", "BB"),
    (16, "Tờ trình", "TTr"),
    (17, "Hợp đồng", "HĐ"),
    (18, "Công văn", ""),
    (19, "Công điện", "CĐ"),
    (20, "Bản ghi nhớ", "BGN"),
    (25, "Giấy mời", "GM"),
    (26, "Giấy giới thiệu", "GGT"),
];

/// The Vietnamese name of a known type number (`18` → `Công văn`).
pub fn type_name(number: u16) -> Option<&'static str> {
    KNOWN.iter().find(|(n, _, _)| *n == number).map(|(_, name, _)| *name)
}

/// The number of a type given by its Vietnamese name (case-insensitive, precomposed letters).
pub fn type_number_by_name(name: &str) -> Option<u16> {
    let wanted = name.trim().to_lowercase();
    KNOWN.iter().find(|(_, n, _)| n.to_lowercase() == wanted).map(|(num, _, _)| *num)
}

/// Folds an abbreviation for comparison: ASCII uppercase, `Đ`/`đ` as `D`.
fn fold_abbr(s: &str) -> String {
    s.trim().chars().map(|c| if c == 'Đ' || c == 'đ' { 'D' } else { c.to_ascii_uppercase() }).collect()
}

/// The number of a type given by its Decree 30 abbreviation (`QĐ`, `qd`, `TTr`).
pub fn type_number_by_abbreviation(abbr: &str) -> Option<u16> {
    let wanted = fold_abbr(abbr);
    if wanted.is_empty() {
        return None;
    }
    KNOWN.iter().find(|(_, _, a)| !a.is_empty() && fold_abbr(a) == wanted).map(|(n, _, _)| *n)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn table_lookups() {
        assert_eq!(type_name(18), Some("Công văn"));
        assert_eq!(type_name(22), None);
        assert_eq!(type_number_by_name("công văn"), Some(18));
        assert_eq!(type_number_by_abbreviation("qđ"), Some(2));
        assert_eq!(type_number_by_abbreviation("QyĐ"), Some(5));
        assert_eq!(type_number_by_abbreviation("CTr"), Some(9));
        assert_eq!(type_number_by_abbreviation(""), None);
        assert_eq!(type_number_by_abbreviation("VBHC"), None);
    }
}
