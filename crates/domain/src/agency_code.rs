//! Agency identifier codes (mã định danh) in the current and the legacy QCVN 102 forms (standards.md §1).

use std::fmt;
use std::str::FromStr;

use serde::{Deserialize, Deserializer, Serialize, Serializer};
use unicode_normalization::UnicodeNormalization;

use crate::error::FieldError;

/// Maximum length of a code in the current form (Decision 20/2020/QĐ-TTg).
pub const MAX_LEN: usize = 35;

/// Which of the two official layouts a code is written in.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum CodeForm {
    /// Decision 20/2020 form: dot-separated groups, higher level first (`H41.12`).
    Current,
    /// Original QCVN 102:2016 form `DDD.DD.DD.LNN`, read right to left (`000.00.04.G14`).
    Legacy,
}

/// A validated agency identifier code, stored in canonical (trimmed, uppercase) form.
///
/// Serialises as its string; deserialising validates.
#[derive(Clone, Debug, PartialEq, Eq, Hash)]
pub struct AgencyCode {
    code: String,
    form: CodeForm,
}

/// What a level-1 letter stands for (standards.md §1, English), e.g. `'H'` → provincial People's Committees.
pub fn level1_category(letter: char) -> Option<&'static str> {
    Some(match letter.to_ascii_uppercase() {
        'A' => "Party bodies",
        'B' => "Office of the President",
        'C' => "National Assembly",
        'D' => "Supreme People's Court",
        'E' => "Supreme People's Procuracy",
        'F' => "State Audit",
        'G' => "Ministries and government agencies",
        'H' => "Provincial People's Committees",
        'I' => "Central socio-political organisations",
        'J' => "Social and professional organisations",
        'K' => "Provincial People's Councils",
        _ => return None,
    })
}

/// `true` for a level-1 group: one ASCII uppercase letter followed by exactly two digits.
fn is_level1_group(g: &str) -> bool {
    let b = g.as_bytes();
    b.len() == 3 && b[0].is_ascii_uppercase() && b[1].is_ascii_digit() && b[2].is_ascii_digit()
}

fn all_digits(g: &str, len: usize) -> bool {
    g.len() == len && g.bytes().all(|b| b.is_ascii_digit())
}

/// `true` if the (already uppercased, character-checked) code is in the legacy layout.
fn is_legacy(groups: &[&str]) -> bool {
    groups.len() == 4
        && all_digits(groups[0], 3)
        && all_digits(groups[1], 2)
        && all_digits(groups[2], 2)
        && is_level1_group(groups[3])
}

impl AgencyCode {
    /// Parses and validates a code typed by a person or received from another system.
    ///
    /// The input is trimmed, put in NFC and its ASCII letters uppercased. Accepted are the
    /// current form (≤ 35 characters of `0-9 A-Z .`, non-empty dot-separated groups, the first
    /// being a letter and two digits such as `H41`) and the legacy form `DDD.DD.DD.LNN`.
    /// Any level-1 letter is accepted; [`level1_category`] knows the meaning of A–K.
    pub fn parse(input: &str, field: &'static str) -> Result<AgencyCode, FieldError> {
        let nfc: String = input.trim().nfc().collect();
        let code = nfc.to_ascii_uppercase();
        let shown = nfc.as_str();

        if code.is_empty() {
            return Err(FieldError::new(field, "required", "Vui lòng nhập mã định danh.", "Enter an identifier code."));
        }
        let len = code.chars().count();
        if len > MAX_LEN {
            return Err(FieldError::new(
                field,
                "too_long",
                format!("Mã định danh không hợp lệ: chỉ được tối đa {MAX_LEN} ký tự (đã nhập {len} ký tự)."),
                format!("Invalid identifier code: at most {MAX_LEN} characters allowed, got {len}."),
            ));
        }
        if let Some(bad) = code.chars().find(|c| !(c.is_ascii_digit() || c.is_ascii_uppercase() || *c == '.')) {
            let shown_char = if bad == ' ' { "khoảng trắng".to_owned() } else { format!("“{bad}”") };
            let shown_char_en = if bad == ' ' { "a space".to_owned() } else { format!("“{bad}”") };
            return Err(FieldError::new(
                field,
                "invalid_char",
                format!(
                    "Mã định danh không hợp lệ: ký tự {shown_char} không được phép; chỉ dùng chữ số 0-9, chữ cái A-Z và dấu chấm."
                ),
                format!(
                    "Invalid identifier code: {shown_char_en} is not allowed; use only digits 0-9, letters A-Z and dots."
                ),
            ));
        }
        let groups: Vec<&str> = code.split('.').collect();
        if groups.iter().any(|g| g.is_empty()) {
            return Err(FieldError::new(
                field,
                "empty_group",
                format!(
                    "Mã định danh không hợp lệ: “{shown}” có nhóm trống (dấu chấm ở đầu, ở cuối hoặc hai dấu chấm liền nhau)."
                ),
                format!(
                    "Invalid identifier code: “{shown}” has an empty group (a leading or trailing dot, or two dots in a row)."
                ),
            ));
        }
        if is_legacy(&groups) {
            return Ok(AgencyCode { code, form: CodeForm::Legacy });
        }
        if groups.len() == 4 && groups[0].bytes().all(|b| b.is_ascii_digit()) {
            // Looks like an attempt at the legacy form.
            return Err(FieldError::new(
                field,
                "invalid_legacy",
                format!(
                    "Mã định danh dạng cũ không hợp lệ: “{shown}” phải có dạng DDD.DD.DD.LNN (ví dụ 000.00.00.H41)."
                ),
                format!("Invalid legacy identifier code: “{shown}” must look like DDD.DD.DD.LNN (e.g. 000.00.00.H41)."),
            ));
        }
        if !is_level1_group(groups[0]) {
            let first = groups[0];
            return Err(FieldError::new(
                field,
                "invalid_first_group",
                format!(
                    "Mã định danh không hợp lệ: nhóm đầu “{first}” phải gồm một chữ cái và hai chữ số (ví dụ H41, G09)."
                ),
                format!(
                    "Invalid identifier code: the first group “{first}” must be one letter followed by two digits (e.g. H41, G09)."
                ),
            ));
        }
        Ok(AgencyCode { code, form: CodeForm::Current })
    }

    /// The canonical text of the code.
    pub fn as_str(&self) -> &str {
        &self.code
    }

    /// Which layout the code is written in.
    pub fn form(&self) -> CodeForm {
        self.form
    }

    /// The level-1 group (`"H41"`) in either form.
    pub fn level1(&self) -> &str {
        match self.form {
            CodeForm::Current => self.code.split('.').next().unwrap_or(&self.code),
            CodeForm::Legacy => self.code.rsplit('.').next().unwrap_or(&self.code),
        }
    }

    /// The level-1 letter (`'H'` for `H41`).
    pub fn level1_letter(&self) -> char {
        self.level1().chars().next().unwrap_or('?')
    }

    /// The groups from the highest level down: as written for the current form,
    /// reversed for the legacy form (`000.00.04.G14` → `["G14", "04", "00", "000"]`).
    pub fn groups_top_down(&self) -> Vec<&str> {
        match self.form {
            CodeForm::Current => self.code.split('.').collect(),
            CodeForm::Legacy => self.code.rsplit('.').collect(),
        }
    }

    /// Top-down groups without the legacy form's trailing all-zero groups (which mean "no lower level").
    fn significant_groups(&self) -> Vec<&str> {
        let mut groups = self.groups_top_down();
        if self.form == CodeForm::Legacy {
            while groups.len() > 1 && groups.last().is_some_and(|g| g.bytes().all(|b| b == b'0')) {
                groups.pop();
            }
        }
        groups
    }

    /// The equivalent current-form code where it is known without a mapping table:
    /// a current code maps to itself, a legacy level-1 code (`000.00.00.H49`) to its level-1
    /// group (`H49`). Other legacy codes give `None`.
    pub fn to_current(&self) -> Option<AgencyCode> {
        match self.form {
            CodeForm::Current => Some(self.clone()),
            CodeForm::Legacy => {
                let groups = self.significant_groups();
                (groups.len() == 1).then(|| AgencyCode { code: groups[0].to_owned(), form: CodeForm::Current })
            }
        }
    }

    /// One spelling shared by both forms, for comparing codes: the significant groups top down,
    /// joined by dots. `000.00.13.H41` and `H41.13` are both `H41.13`.
    pub fn canonical(&self) -> String {
        self.significant_groups().join(".")
    }

    /// Every way this code can be written: its canonical (current-form) spelling, and the legacy
    /// spelling when the groups fit the legacy widths (`H41.13` → `000.00.13.H41`). Uniqueness
    /// compares codes through these, so one agency cannot be registered twice under two forms.
    pub fn spellings(&self) -> Vec<String> {
        let groups = self.significant_groups();
        let mut out = vec![groups.join(".")];
        let digits = |g: Option<&&str>, width: usize, zero: &'static str| match g {
            None => Some(zero.to_string()),
            Some(g) if all_digits(g, width) => Some((*g).to_string()),
            Some(_) => None,
        };
        if groups.len() <= 4 {
            if let (Some(l2), Some(l3), Some(l4)) =
                (digits(groups.get(1), 2, "00"), digits(groups.get(2), 2, "00"), digits(groups.get(3), 3, "000"))
            {
                out.push(format!("{l4}.{l3}.{l2}.{}", groups[0]));
            }
        }
        out
    }

    /// `true` if this code lies strictly below `parent` (its significant groups extend the
    /// parent's), whichever form either is written in: `H41.12.77` and `000.77.12.H41` extend
    /// `H41.12`; `H42.01` and `H41` itself do not extend `H41`.
    pub fn extends(&self, parent: &AgencyCode) -> bool {
        let mine = self.significant_groups();
        let theirs = parent.significant_groups();
        theirs.len() < mine.len() && mine.iter().zip(&theirs).all(|(a, b)| a == b)
    }

    /// `true` if this code is `ancestor` itself or lies below it in the hierarchy
    /// (the ancestor's top-down groups are a prefix of this code's).
    ///
    /// Codes of the same form are compared group by group (legacy all-zero lower groups are
    /// ignored). Across forms only a level-1 ancestor can be decided (the level-1 group is the same
    /// in both forms); any deeper cross-form comparison needs a mapping table and returns `false`.
    pub fn is_within(&self, ancestor: &AgencyCode) -> bool {
        let mine = self.significant_groups();
        let theirs = ancestor.significant_groups();
        if self.form != ancestor.form && theirs.len() > 1 {
            return false;
        }
        theirs.len() <= mine.len() && mine.iter().zip(&theirs).all(|(a, b)| a == b)
    }
}

impl fmt::Display for AgencyCode {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.code)
    }
}

impl FromStr for AgencyCode {
    type Err = FieldError;

    /// Parses with field name `"agency_code"`.
    fn from_str(s: &str) -> Result<Self, Self::Err> {
        AgencyCode::parse(s, "agency_code")
    }
}

impl AsRef<str> for AgencyCode {
    fn as_ref(&self) -> &str {
        &self.code
    }
}

impl Serialize for AgencyCode {
    fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        serializer.serialize_str(&self.code)
    }
}

impl<'de> Deserialize<'de> for AgencyCode {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        let s = String::deserialize(deserializer)?;
        AgencyCode::parse(&s, "agency_code").map_err(|e| serde::de::Error::custom(e.message_en))
    }
}

/// The key that names one agency whichever form its code is written in: the canonical spelling
/// ([`AgencyCode::canonical`]) of a valid code, or `None` for text that is no code at all.
/// `000.00.13.H41`, `h41.13` and ` H41.13 ` all give `H41.13`.
pub fn code_key(text: &str) -> Option<String> {
    AgencyCode::parse(text, "code").ok().map(|c| c.canonical())
}

/// Do `a` and `b` name the same agency (both valid codes, equal in either form)?
pub fn same_agency_code(a: &str, b: &str) -> bool {
    matches!((code_key(a), code_key(b)), (Some(x), Some(y)) if x == y)
}

#[cfg(test)]
#[allow(clippy::unwrap_used)]
mod tests {
    use super::*;
    use crate::testutil::Rng;
    use crate::Lang;

    fn code(s: &str) -> AgencyCode {
        AgencyCode::parse(s, "code").unwrap()
    }

    fn err(s: &str) -> FieldError {
        AgencyCode::parse(s, "code").unwrap_err()
    }

    #[test]
    fn accepts_current_form() {
        for s in ["H41", "H41.12", "H55.242", "G09.20", "G22", "H29.1.A.2B"] {
            let c = code(s);
            assert_eq!(c.as_str(), s);
            assert_eq!(c.form(), CodeForm::Current);
        }
        let c = code("  h41.12a ");
        assert_eq!(c.as_str(), "H41.12A");
        assert_eq!(c.level1(), "H41");
        assert_eq!(c.level1_letter(), 'H');
        assert_eq!(c.groups_top_down(), vec!["H41", "12A"]);
        assert_eq!(c.to_current(), Some(c.clone()));
        assert_eq!(c.to_string(), "H41.12A");
    }

    #[test]
    fn canonical_spellings_and_extension_across_forms() {
        assert_eq!(code_key(" h41.13 ").as_deref(), Some("H41.13"));
        assert_eq!(code_key("000.00.13.H41").as_deref(), Some("H41.13"));
        assert_eq!(code_key("not a code"), None);
        assert!(same_agency_code("000.00.13.H41", "H41.13"));
        assert!(!same_agency_code("H41.13", "H41.130"));
        assert!(!same_agency_code("junk", "junk"), "text that is no code names no agency");
        assert_eq!(code("000.00.13.H41").canonical(), "H41.13");
        assert_eq!(code("H41.13").canonical(), "H41.13");
        assert_eq!(code("H41.13").spellings(), vec!["H41.13", "000.00.13.H41"]);
        assert_eq!(code("000.00.13.H41").spellings(), vec!["H41.13", "000.00.13.H41"]);
        assert_eq!(code("H41").spellings(), vec!["H41", "000.00.00.H41"]);
        assert_eq!(code("H41.12.77.001").spellings(), vec!["H41.12.77.001", "001.77.12.H41"]);
        // Groups that do not fit the legacy widths have only the current spelling.
        assert_eq!(code("H55.242").spellings(), vec!["H55.242"]);
        assert_eq!(code("H41.1.2.3.4").spellings(), vec!["H41.1.2.3.4"]);

        let parent = code("H41.12");
        assert!(code("H41.12.77").extends(&parent));
        assert!(code("000.77.12.H41").extends(&parent));
        assert!(code("H41.12.77").extends(&code("000.00.12.H41")));
        assert!(!code("H41.12").extends(&parent), "a code does not extend itself");
        assert!(!code("000.00.12.H41").extends(&parent), "nor its other spelling");
        assert!(!code("H42.01").extends(&code("H41")));
        assert!(!code("H41.13.01").extends(&parent));
        assert!(!code("H41.120").extends(&parent), "groups compare whole, not as text prefixes");
    }

    #[test]
    fn accepts_legacy_form() {
        let c = code("000.00.04.G14");
        assert_eq!(c.form(), CodeForm::Legacy);
        assert_eq!(c.level1(), "G14");
        assert_eq!(c.groups_top_down(), vec!["G14", "04", "00", "000"]);
        assert_eq!(c.to_current(), None);

        let c = code("000.00.00.h49");
        assert_eq!(c.as_str(), "000.00.00.H49");
        assert_eq!(c.groups_top_down(), vec!["H49", "00", "00", "000"]);
        assert_eq!(c.to_current(), Some(code("H49")));
    }

    #[test]
    fn rejects_with_precise_messages() {
        let e = err("   ");
        assert_eq!((e.field, e.code), ("code", "required"));

        let long = format!("H41.{}", "1".repeat(32));
        let e = err(&long);
        assert_eq!(e.code, "too_long");
        assert!(e.message_en.contains("35") && e.message_en.contains("36"), "{e}");
        assert!(e.message(Lang::Vi).contains("tối đa 35 ký tự (đã nhập 36 ký tự)"));
        assert!(AgencyCode::parse(&long[..35], "code").is_ok());

        let e = err("H41-12");
        assert_eq!(e.code, "invalid_char");
        assert!(e.message_en.contains("“-”"), "{e}");
        assert!(e.message_vi.starts_with("Mã định danh không hợp lệ: ký tự “-”"));
        assert!(err("H41 12").message_en.contains("a space"));
        assert!(err("H41.đ").message_en.contains("“đ”"));

        for s in ["H41..12", ".H41", "H41.", "."] {
            assert_eq!(err(s).code, "empty_group", "{s}");
        }
        assert!(err("H41..12").message_en.contains("“H41..12”"));

        for s in ["41", "HH1", "H4", "H411.2", "1H41", "H4A"] {
            let e = err(s);
            assert_eq!(e.code, "invalid_first_group", "{s}");
        }
        assert!(err("H4.12").message_vi.contains("nhóm đầu “H4”"));

        for s in ["000.00.0.H41", "000.00.00.H4", "00.00.00.H41", "000.00.00.41"] {
            assert_eq!(err(s).code, "invalid_legacy", "{s}");
        }
    }

    #[test]
    fn is_within_compares_prefixes() {
        let h41 = code("H41");
        let h41_12 = code("H41.12");
        let h41_12_3 = code("H41.12.3");
        assert!(h41_12.is_within(&h41));
        assert!(h41_12_3.is_within(&h41));
        assert!(h41_12_3.is_within(&h41_12));
        assert!(h41.is_within(&h41));
        assert!(!h41.is_within(&h41_12));
        assert!(!code("H41.123").is_within(&h41_12));
        assert!(!code("H42.12").is_within(&h41));

        // Legacy: zero groups mean "no lower level"; level-1 works across forms.
        let g14 = code("000.00.00.G14");
        let g14_04 = code("000.00.04.G14");
        assert!(g14_04.is_within(&g14));
        assert!(!g14.is_within(&g14_04));
        assert!(g14_04.is_within(&code("G14")));
        assert!(code("G14.04").is_within(&g14));
        assert!(!code("G14.04").is_within(&g14_04));
    }

    #[test]
    fn serde_round_trip_validates() {
        let c = code("H41.12");
        let json = serde_json::to_string(&c).unwrap();
        assert_eq!(json, "\"H41.12\"");
        assert_eq!(serde_json::from_str::<AgencyCode>(&json).unwrap(), c);
        assert_eq!(serde_json::from_str::<AgencyCode>("\"h41\"").unwrap(), code("H41"));
        assert!(serde_json::from_str::<AgencyCode>("\"H41..1\"").is_err());
        assert_eq!("G09.20".parse::<AgencyCode>().unwrap(), code("G09.20"));
    }

    #[test]
    fn level1_categories() {
        assert_eq!(level1_category('H'), Some("Provincial People's Committees"));
        assert_eq!(level1_category('g'), Some("Ministries and government agencies"));
        assert_eq!(level1_category('K'), Some("Provincial People's Councils"));
        assert_eq!(level1_category('Z'), None);
    }

    #[test]
    fn property_parse_is_canonical_and_total() {
        let alphabet: Vec<char> = "0123456789ABCHGZabh...- đ".chars().collect();
        let mut rng = Rng::new(42);
        let mut accepted = 0;
        for _ in 0..5000 {
            // Half the time build something close to valid.
            let s = if rng.below(2) == 0 {
                let mut s = format!("{}{}{}", rng.pick(&['H', 'G', 'h', '1']), rng.below(10), rng.below(10));
                for _ in 0..rng.below(4) {
                    s.push('.');
                    s.push_str(&rng.string_from(&alphabet, 4));
                }
                s
            } else {
                rng.string_from(&alphabet, 40)
            };
            match AgencyCode::parse(&s, "code") {
                Ok(c) => {
                    accepted += 1;
                    assert!(c.as_str().len() <= MAX_LEN);
                    assert_eq!(code(c.as_str()), c, "not canonical: {s:?}");
                    assert!(c.is_within(&code(c.level1())));
                    assert!(c.groups_top_down().iter().all(|g| !g.is_empty()));
                    if c.form() == CodeForm::Current {
                        assert_eq!(c.groups_top_down().join("."), c.as_str());
                    }
                }
                Err(e) => {
                    assert_eq!(e.field, "code");
                    assert!(!e.message_vi.is_empty() && !e.message_en.is_empty());
                }
            }
        }
        assert!(accepted > 100, "generator too weak: {accepted}");
    }
}
