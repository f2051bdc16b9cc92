//! Validated personal and naming inputs (username, full name, e-mail, phone, display names) and the password policy.

use crate::error::FieldError;
use crate::text::normalize;

fn required(field: &'static str, vi_what: &str, en_what: &str) -> FieldError {
    FieldError::new(field, "required", format!("Vui lòng nhập {vi_what}."), format!("Enter {en_what}."))
}

fn too_long(field: &'static str, vi_what: &str, en_what: &str, max: usize, len: usize) -> FieldError {
    FieldError::new(
        field,
        "too_long",
        format!("{vi_what} dài tối đa {max} ký tự (đã nhập {len} ký tự)."),
        format!("{en_what} must be at most {max} characters long (got {len})."),
    )
}

/// Shows a character in a message; spaces are named since they are invisible.
fn show_char(c: char) -> (String, String) {
    if c == ' ' {
        ("khoảng trắng".to_owned(), "a space".to_owned())
    } else {
        (format!("“{c}”"), format!("“{c}”"))
    }
}

/// A login name: 3–64 characters of `a-z 0-9 . _ -`, starting with a letter or digit.
/// Input is normalised and lowercased.
#[derive(Clone, Debug, PartialEq, Eq, Hash)]
pub struct Username(String);

impl Username {
    /// Minimum length in characters.
    pub const MIN_LEN: usize = 3;
    /// Maximum length in characters.
    pub const MAX_LEN: usize = 64;
    const FIELD: &'static str = "username";

    /// Validates a username (field `"username"`).
    pub fn parse(input: &str) -> Result<Username, FieldError> {
        let s = normalize(input).to_lowercase();
        let len = s.chars().count();
        if len == 0 {
            return Err(required(Self::FIELD, "tên đăng nhập", "a username"));
        }
        if let Some(bad) =
            s.chars().find(|c| !(c.is_ascii_lowercase() || c.is_ascii_digit() || matches!(c, '.' | '_' | '-')))
        {
            let (vi, en) = show_char(bad);
            return Err(FieldError::new(
                Self::FIELD,
                "invalid_char",
                format!("Tên đăng nhập không được chứa {vi}; chỉ dùng chữ cái không dấu (a-z), chữ số, dấu chấm, dấu gạch dưới và dấu gạch ngang."),
                format!("The username may not contain {en}; use only letters a-z, digits, dots, underscores and hyphens."),
            ));
        }
        if !s.starts_with(|c: char| c.is_ascii_alphanumeric()) {
            return Err(FieldError::new(
                Self::FIELD,
                "invalid_start",
                "Tên đăng nhập phải bắt đầu bằng chữ cái hoặc chữ số.",
                "The username must start with a letter or a digit.",
            ));
        }
        if len < Self::MIN_LEN {
            return Err(FieldError::new(
                Self::FIELD,
                "too_short",
                format!("Tên đăng nhập phải có ít nhất {} ký tự.", Self::MIN_LEN),
                format!("The username must be at least {} characters long.", Self::MIN_LEN),
            ));
        }
        if len > Self::MAX_LEN {
            return Err(too_long(Self::FIELD, "Tên đăng nhập", "The username", Self::MAX_LEN, len));
        }
        Ok(Username(s))
    }

    /// The canonical (lowercase) username.
    pub fn as_str(&self) -> &str {
        &self.0
    }
}

/// A person's full name (họ và tên): 1–120 characters after normalising, containing at least
/// one letter, without `<` or `>`.
#[derive(Clone, Debug, PartialEq, Eq, Hash)]
pub struct PersonName(String);

impl PersonName {
    /// Maximum length in characters.
    pub const MAX_LEN: usize = 120;
    const FIELD: &'static str = "full_name";

    /// Validates a full name (field `"full_name"`).
    pub fn parse(input: &str) -> Result<PersonName, FieldError> {
        let s = normalize(input);
        let len = s.chars().count();
        if len == 0 {
            return Err(required(Self::FIELD, "họ và tên", "a full name"));
        }
        if len > Self::MAX_LEN {
            return Err(too_long(Self::FIELD, "Họ và tên", "The full name", Self::MAX_LEN, len));
        }
        if s.contains(['<', '>']) {
            return Err(FieldError::new(
                Self::FIELD,
                "invalid_char",
                "Họ và tên không được chứa ký tự “<” hoặc “>”.",
                "The full name may not contain “<” or “>”.",
            ));
        }
        if !s.chars().any(char::is_alphabetic) {
            return Err(FieldError::new(
                Self::FIELD,
                "no_letter",
                "Họ và tên phải có chữ cái.",
                "The full name must contain letters.",
            ));
        }
        Ok(PersonName(s))
    }

    /// The normalised name.
    pub fn as_str(&self) -> &str {
        &self.0
    }
}

/// An e-mail address that passes a structural check; the domain is lowercased.
#[derive(Clone, Debug, PartialEq, Eq, Hash)]
pub struct Email(String);

impl Email {
    /// Maximum length in characters (RFC 5321 path limit).
    pub const MAX_LEN: usize = 254;
    const FIELD: &'static str = "email";

    /// Validates an e-mail address (field `"email"`): one `@`, a non-empty local part, a domain
    /// of non-empty dot-separated labels with at least one dot, no whitespace, ≤ 254 characters.
    pub fn parse(input: &str) -> Result<Email, FieldError> {
        let s = normalize(input);
        let len = s.chars().count();
        if len == 0 {
            return Err(required(Self::FIELD, "địa chỉ email", "an email address"));
        }
        if len > Self::MAX_LEN {
            return Err(too_long(Self::FIELD, "Địa chỉ email", "The email address", Self::MAX_LEN, len));
        }
        let invalid = || {
            FieldError::new(
                Self::FIELD,
                "invalid",
                format!("Địa chỉ email không hợp lệ: “{s}”. Ví dụ đúng: ten@coquan.gov.vn"),
                format!("Invalid email address: “{s}”. Example: name@agency.gov.vn"),
            )
        };
        if s.contains(char::is_whitespace) {
            return Err(invalid());
        }
        let Some((local, domain)) = s.split_once('@') else {
            return Err(invalid());
        };
        let domain_ok =
            domain.contains('.') && !domain.contains('@') && domain.split('.').all(|label| !label.is_empty());
        if local.is_empty() || !domain_ok {
            return Err(invalid());
        }
        Ok(Email(format!("{local}@{}", domain.to_lowercase())))
    }

    /// The address, domain lowercased.
    pub fn as_str(&self) -> &str {
        &self.0
    }
}

/// A phone number: an optional leading `+` and 9–15 digits; spaces, dots and dashes are removed.
#[derive(Clone, Debug, PartialEq, Eq, Hash)]
pub struct Phone(String);

impl Phone {
    /// Minimum number of digits.
    pub const MIN_DIGITS: usize = 9;
    /// Maximum number of digits (E.164).
    pub const MAX_DIGITS: usize = 15;
    const FIELD: &'static str = "phone";

    /// Validates a phone number (field `"phone"`), e.g. `"0912 345 678"` → `"0912345678"`.
    pub fn parse(input: &str) -> Result<Phone, FieldError> {
        let compact: String = normalize(input).chars().filter(|c| !matches!(c, ' ' | '.' | '-')).collect();
        if compact.is_empty() {
            return Err(required(Self::FIELD, "số điện thoại", "a phone number"));
        }
        let digits = compact.strip_prefix('+').unwrap_or(&compact);
        let count = digits.chars().count();
        if !digits.chars().all(|c| c.is_ascii_digit()) || !(Self::MIN_DIGITS..=Self::MAX_DIGITS).contains(&count) {
            return Err(FieldError::new(
                Self::FIELD,
                "invalid",
                format!(
                    "Số điện thoại không hợp lệ: phải gồm {} đến {} chữ số, có thể bắt đầu bằng dấu +.",
                    Self::MIN_DIGITS,
                    Self::MAX_DIGITS
                ),
                format!(
                    "Invalid phone number: it must have {} to {} digits, optionally starting with +.",
                    Self::MIN_DIGITS,
                    Self::MAX_DIGITS
                ),
            ));
        }
        Ok(Phone(compact))
    }

    /// The compact number (`+` and digits only).
    pub fn as_str(&self) -> &str {
        &self.0
    }
}

/// The name of an agency or unit: 1–255 characters after normalising.
#[derive(Clone, Debug, PartialEq, Eq, Hash)]
pub struct DisplayName(String);

impl DisplayName {
    /// Maximum length in characters.
    pub const MAX_LEN: usize = 255;

    /// Validates a name for the given form field.
    pub fn parse(input: &str, field: &'static str) -> Result<DisplayName, FieldError> {
        let s = normalize(input);
        let len = s.chars().count();
        if len == 0 {
            return Err(required(field, "tên", "a name"));
        }
        if len > Self::MAX_LEN {
            return Err(too_long(field, "Tên", "The name", Self::MAX_LEN, len));
        }
        Ok(DisplayName(s))
    }

    /// The normalised name.
    pub fn as_str(&self) -> &str {
        &self.0
    }
}

/// Minimum password length in characters.
pub const PASSWORD_MIN_LEN: usize = 10;
/// Maximum password length in characters.
pub const PASSWORD_MAX_LEN: usize = 128;

/// Very common passwords (lowercase), including ones typical in Vietnam. Compared case-insensitively.
const COMMON_PASSWORDS: &[&str] = &[
    "123456",
    "12345678",
    "123456789",
    "1234567890",
    "12345678910",
    "0123456789",
    "9876543210",
    "0987654321",
    "1234512345",
    "1122334455",
    "1234567891",
    "123123123",
    "123123123123",
    "123456123456",
    "147258369",
    "1472583690",
    "159753",
    "147852369",
    "987654321",
    "11223344",
    "password",
    "password1",
    "password12",
    "password123",
    "password1234",
    "passw0rd",
    "p@ssw0rd",
    "p@ssword123",
    "p@ssw0rd123",
    "passwordpassword",
    "qwerty",
    "qwerty123",
    "qwerty1234",
    "qwerty12345",
    "qwertyuiop",
    "qwertyuiop123",
    "asdfghjkl",
    "asdfghjkl123",
    "zxcvbnm123",
    "1q2w3e4r",
    "1q2w3e4r5t",
    "1q2w3e4r5t6y",
    "1qaz2wsx",
    "1qaz2wsx3edc",
    "zaq12wsx",
    "zaq1zaq1zaq1",
    "abc123",
    "abc123456",
    "abc1234567",
    "abcd1234",
    "abcd123456",
    "abc@123456",
    "abc@12345678",
    "abcdefghij",
    "a123456789",
    "123456789a",
    "1234567890a",
    "aa123456789",
    "iloveyou",
    "iloveyou123",
    "iloveyou1234",
    "admin",
    "admin123",
    "admin@123",
    "admin@1234",
    "admin@12345",
    "admin123456",
    "administrator",
    "root@123456",
    "welcome123",
    "welcome@123",
    "letmein123",
    "changeme123",
    "football123",
    "superman123",
    "sunshine123",
    "princess123",
    "dragon123456",
    "monkey123456",
    "baseball123",
    "matkhau",
    "matkhau123",
    "matkhau@123",
    "matkhau1234",
    "matkhaumoi",
    "matkhaumoi123",
    "vietnam",
    "vietnam123",
    "vietnam@123",
    "vietnam1234",
    "vietnam2024",
    "vietnam2025",
    "anhyeuem",
    "anhyeuem123",
    "anhyeuem1234",
    "emyeuanh",
    "emyeuanh123",
    "yeuem123456",
    "hanoi123456",
    "saigon123456",
    "hochiminh123",
    "nguyen123456",
    "tranvan123",
    "khongbiet",
    "khongcopass",
    "motmothai",
    "egov123456",
    "egov@123456",
    "congvan123",
    "vanthu123",
    "vanthu@123",
    "ubnd123456",
    "ubnd@123456",
];

/// Checks a new password against the policy (field `"password"`): 10–128 characters, not a
/// single repeated character, not containing the username (case-insensitive, when the username
/// has at least 3 characters), and not one of the built-in very common passwords.
pub fn check_password(password: &str, username: &str) -> Result<(), FieldError> {
    const FIELD: &str = "password";
    let len = password.chars().count();
    if len < PASSWORD_MIN_LEN {
        return Err(FieldError::new(
            FIELD,
            "too_short",
            format!("Mật khẩu phải có ít nhất {PASSWORD_MIN_LEN} ký tự."),
            format!("The password must be at least {PASSWORD_MIN_LEN} characters long."),
        ));
    }
    if len > PASSWORD_MAX_LEN {
        return Err(FieldError::new(
            FIELD,
            "too_long",
            format!("Mật khẩu dài tối đa {PASSWORD_MAX_LEN} ký tự."),
            format!("The password must be at most {PASSWORD_MAX_LEN} characters long."),
        ));
    }
    let mut chars = password.chars();
    if let Some(first) = chars.next() {
        if chars.all(|c| c == first) {
            return Err(FieldError::new(
                FIELD,
                "repeated",
                "Mật khẩu không được chỉ gồm một ký tự lặp lại.",
                "The password may not be a single repeated character.",
            ));
        }
    }
    let lower = password.to_lowercase();
    let user = username.trim().to_lowercase();
    if user.chars().count() >= 3 && lower.contains(&user) {
        return Err(FieldError::new(
            FIELD,
            "contains_username",
            "Mật khẩu không được chứa tên đăng nhập.",
            "The password may not contain the username.",
        ));
    }
    if COMMON_PASSWORDS.contains(&lower.as_str()) {
        return Err(FieldError::new(
            FIELD,
            "too_common",
            "Mật khẩu này quá phổ biến và dễ bị đoán. Vui lòng chọn mật khẩu khác.",
            "This password is too common and easy to guess. Choose another one.",
        ));
    }
    Ok(())
}

#[cfg(test)]
#[allow(clippy::unwrap_used)]
mod tests {
    use super::*;
    use crate::testutil::Rng;
    use crate::Lang;

    #[test]
    fn username() {
        assert_eq!(Username::parse("  Nguyen.Van_A-1 ").unwrap().as_str(), "nguyen.van_a-1");
        assert_eq!(Username::parse("abc").unwrap().as_str(), "abc");
        assert_eq!(Username::parse("1ab").unwrap().as_str(), "1ab");
        assert_eq!(Username::parse(&"a".repeat(64)).unwrap().as_str().len(), 64);
        let code = |s: &str| Username::parse(s).unwrap_err().code;
        assert_eq!(code(""), "required");
        assert_eq!(code("ab"), "too_short");
        assert_eq!(code(&"a".repeat(65)), "too_long");
        assert_eq!(code(".abc"), "invalid_start");
        assert_eq!(code("_abc"), "invalid_start");
        assert_eq!(code("nguyễn"), "invalid_char");
        assert_eq!(code("a b c"), "invalid_char");
        assert_eq!(code("a@b.c"), "invalid_char");
        let e = Username::parse("an@").unwrap_err();
        assert_eq!(e.field, "username");
        assert!(e.message(Lang::Vi).contains("“@”"));
    }

    #[test]
    fn person_name() {
        let n = PersonName::parse("  Nguye\u{0302}\u{0303}n   Văn\tAn ").unwrap();
        assert_eq!(n.as_str(), "Nguyễn Văn An");
        assert_eq!(PersonName::parse("Đỗ Thị Hồng Nhung").unwrap().as_str(), "Đỗ Thị Hồng Nhung");
        assert!(PersonName::parse(&"ă".repeat(120)).is_ok());
        let code = |s: &str| PersonName::parse(s).unwrap_err().code;
        assert_eq!(code(" \n "), "required");
        assert_eq!(code(&"ă".repeat(121)), "too_long");
        assert_eq!(code("12345"), "no_letter");
        assert_eq!(code("<script>"), "invalid_char");
        assert_eq!(PersonName::parse("").unwrap_err().field, "full_name");
    }

    #[test]
    fn email() {
        assert_eq!(Email::parse(" An.Nguyen@NgheAn.GOV.vn ").unwrap().as_str(), "An.Nguyen@nghean.gov.vn");
        let bad = ["", "a", "a@b", "@b.vn", "a@@b.vn", "a@b@c.vn", "a b@c.vn", "a@.vn", "a@b.", "a@b..vn"];
        for s in bad {
            assert!(Email::parse(s).is_err(), "{s}");
        }
        let long = format!("{}@b.vn", "a".repeat(250));
        assert_eq!(Email::parse(&long).unwrap_err().code, "too_long");
        assert_eq!(Email::parse("x").unwrap_err().field, "email");
    }

    #[test]
    fn phone() {
        assert_eq!(Phone::parse("0912 345 678").unwrap().as_str(), "0912345678");
        assert_eq!(Phone::parse("+84 912.345-678").unwrap().as_str(), "+84912345678");
        assert_eq!(Phone::parse("024.3825.1234").unwrap().as_str(), "02438251234");
        for s in ["12345678", "1234567890123456", "09x2345678", "++84912345678", "84+912345678"] {
            assert_eq!(Phone::parse(s).unwrap_err().code, "invalid", "{s}");
        }
        assert_eq!(Phone::parse(" ").unwrap_err().code, "required");
    }

    #[test]
    fn display_name() {
        let n = DisplayName::parse(" Sở  Nội vụ ", "unit_name").unwrap();
        assert_eq!(n.as_str(), "Sở Nội vụ");
        let e = DisplayName::parse("", "agency_name").unwrap_err();
        assert_eq!((e.field, e.code), ("agency_name", "required"));
        assert!(DisplayName::parse(&"x".repeat(255), "f").is_ok());
        assert_eq!(DisplayName::parse(&"x".repeat(256), "f").unwrap_err().code, "too_long");
    }

    #[test]
    fn password_policy() {
        assert!(check_password("Trống-đồng-Đông-Sơn", "an.nguyen").is_ok());
        assert!(check_password("correct horse battery", "").is_ok());
        let code = |p: &str, u: &str| check_password(p, u).unwrap_err().code;
        assert_eq!(code("short", "x"), "too_short");
        // Characters, not bytes: 9 Vietnamese letters are 18+ bytes but still too short.
        assert_eq!(code("ễễễễễễễễa", "x"), "too_short");
        assert!(check_password("ễễễễễễễễab", "x").is_ok());
        assert_eq!(code(&"ab".repeat(65), "x"), "too_long");
        assert!(check_password(&"ab".repeat(64), "x").is_ok());
        assert_eq!(code("aaaaaaaaaaaa", "x"), "repeated");
        assert_eq!(code("xxAN.NGUYENxx", "an.nguyen"), "contains_username");
        assert!(check_password("ab-xyz-cdefgh", "ab").is_ok(), "short usernames are not checked");
        for p in ["matkhau123", "VietNam123", "Abc@123456", "1234567890", "QWERTYUIOP"] {
            assert_eq!(code(p, "someone"), "too_common", "{p}");
        }
        let e = check_password("123", "x").unwrap_err();
        assert_eq!(e.field, "password");
        assert_eq!(e.message(Lang::Vi), "Mật khẩu phải có ít nhất 10 ký tự.");
    }

    #[test]
    fn common_list_is_lowercase_and_sizable() {
        assert!(COMMON_PASSWORDS.len() >= 100);
        for p in COMMON_PASSWORDS {
            assert_eq!(p.to_lowercase(), *p);
        }
    }

    #[test]
    fn property_parsers_accept_only_canonical_values() {
        let alphabet: Vec<char> = "aZ09._-@ +ăĐ<\t".chars().collect();
        let mut rng = Rng::new(3);
        for _ in 0..3000 {
            let s = rng.string_from(&alphabet, 20);
            if let Ok(u) = Username::parse(&s) {
                assert_eq!(Username::parse(u.as_str()).unwrap(), u);
                assert!((3..=64).contains(&u.as_str().len()));
            }
            if let Ok(n) = PersonName::parse(&s) {
                assert_eq!(PersonName::parse(n.as_str()).unwrap(), n);
            }
            if let Ok(e) = Email::parse(&s) {
                assert_eq!(Email::parse(e.as_str()).unwrap(), e);
                assert_eq!(e.as_str().matches('@').count(), 1);
            }
            if let Ok(p) = Phone::parse(&s) {
                assert_eq!(Phone::parse(p.as_str()).unwrap(), p);
            }
            let _ = check_password(&s, "a");
        }
    }
}
