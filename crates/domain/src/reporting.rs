//! Periodic reports from lower levels (báo cáo định kỳ): the form a higher agency defines (typed
//! fields — numbers, text, choices, tables with columns — and rules such as "the sum of a table's
//! column equals a field"), the check of a definition, the check of a submission's values against
//! it, the reporting period of a date with its Vietnamese label, and the deadline (N working days
//! after the period's end) with on-time/late.
//!
//! Numbers are exact: a number field has 0–3 decimals and its values are kept as integers in
//! units of 10^-decimals, so totals never round. Input follows the Vietnamese writing: `.` groups
//! thousands and `,` marks the decimals (`1.234,5`); a single `.` followed by anything but three
//! digits is also taken as the decimal mark (`12.5`), since systems write numbers that way.

use std::collections::{BTreeMap, BTreeSet};

use jiff::civil::Date;
use serde::{Deserialize, Serialize};

use crate::calendar::WorkCalendar;
use crate::error::FieldError;
use crate::lang::Lang;
use crate::text::{check_text, normalize, TextKind};

/// How often a report is due.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum PeriodKind {
    Monthly,
    Quarterly,
    Yearly,
    /// A one-off report as of a given day.
    Once,
}

vocabulary!(PeriodKind {
    Monthly => "monthly", "Hằng tháng", "Monthly";
    Quarterly => "quarterly", "Hằng quý", "Quarterly";
    Yearly => "yearly", "Hằng năm", "Yearly";
    Once => "once", "Một lần", "One-off";
});

/// The kind of a field or of a table's column.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum FieldKind {
    Number,
    Text,
    Choice,
    /// Rows with columns (number, text or choice).
    Table,
}

vocabulary!(FieldKind {
    Number => "number", "Số", "Number";
    Text => "text", "Chữ", "Text";
    Choice => "choice", "Lựa chọn", "Choice";
    Table => "table", "Bảng", "Table";
});

/// Where a submission stands. `draft` → (`ready`: waiting for the agency's leader) →
/// `submitted` (the leader approved and sent it) → `accepted` (final), or `returned` by the
/// higher agency with a reason → edited → `submitted` again as a new version.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum SubmissionStatus {
    Draft,
    Ready,
    Submitted,
    Returned,
    Accepted,
}

vocabulary!(SubmissionStatus {
    Draft => "draft", "Đang soạn", "Draft";
    Ready => "ready", "Chờ lãnh đạo duyệt", "Awaiting approval";
    Submitted => "submitted", "Đã gửi", "Submitted";
    Returned => "returned", "Bị trả lại", "Returned";
    Accepted => "accepted", "Đã tiếp nhận", "Accepted";
});

impl SubmissionStatus {
    /// The agency may still change its values.
    pub fn editable(self) -> bool {
        matches!(self, SubmissionStatus::Draft | SubmissionStatus::Ready | SubmissionStatus::Returned)
    }

    /// Counts in the round's totals (the latest sent version).
    pub fn counted(self) -> bool {
        matches!(self, SubmissionStatus::Submitted | SubmissionStatus::Accepted)
    }
}

/// A column of a table field.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct Column {
    pub key: String,
    pub label: String,
    pub kind: FieldKind,
    #[serde(default)]
    pub decimals: u8,
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub options: Vec<String>,
}

fn yes() -> bool {
    true
}

/// A field of the form.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct Field {
    /// Stable name, `a-z`, digits and `_`, starting with a letter.
    pub key: String,
    pub label: String,
    pub kind: FieldKind,
    /// A value is needed to send (a table: at least one row).
    #[serde(default = "yes")]
    pub required: bool,
    /// Decimals of a number (0–3).
    #[serde(default)]
    pub decimals: u8,
    /// The choices of a choice field.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub options: Vec<String>,
    /// The columns of a table.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub columns: Vec<Column>,
}

/// A rule: the sum of `column` over the rows of table `table` equals number field `equals`.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct Rule {
    pub table: String,
    pub column: String,
    pub equals: String,
}

/// A report form: its fields in order and its rules.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct Definition {
    pub fields: Vec<Field>,
    #[serde(default)]
    pub rules: Vec<Rule>,
}

/// At most this many fields, columns per table, options per choice, rows per table.
pub const MAX_FIELDS: usize = 100;
pub const MAX_COLUMNS: usize = 20;
pub const MAX_OPTIONS: usize = 50;
pub const MAX_ROWS: usize = 200;
/// Longest text value, in characters.
pub const MAX_TEXT: usize = 4000;

fn def_error(code: &'static str, vi: String, en: String) -> FieldError {
    FieldError::new("fields", code, vi, en)
}

fn valid_key(k: &str) -> bool {
    let b = k.as_bytes();
    !b.is_empty()
        && b.len() <= 40
        && b[0].is_ascii_lowercase()
        && b.iter().all(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || *c == b'_')
}

fn check_label(label: &str, errors: &mut Vec<FieldError>, at: &str) -> String {
    let l = normalize(label);
    if let Err(e) = check_text(&l, "fields", TextKind::SingleLine) {
        errors.push(e);
    } else if l.is_empty() || l.chars().count() > 200 {
        errors.push(def_error(
            "label_invalid",
            format!("{at}: tên hiển thị phải có từ 1 đến 200 ký tự."),
            format!("{at}: the label must have 1 to 200 characters."),
        ));
    }
    l
}

fn check_options(options: &[String], errors: &mut Vec<FieldError>, at: &str) -> Vec<String> {
    let opts: Vec<String> = options.iter().map(|o| normalize(o)).collect();
    let distinct: BTreeSet<&String> = opts.iter().collect();
    if opts.len() < 2
        || opts.len() > MAX_OPTIONS
        || distinct.len() != opts.len()
        || opts.iter().any(|o| o.is_empty() || o.chars().count() > 200 || o.contains(['\n', '\r']))
    {
        errors.push(def_error(
            "options_invalid",
            format!("{at}: trường lựa chọn cần từ 2 đến {MAX_OPTIONS} lựa chọn khác nhau, không để trống."),
            format!("{at}: a choice needs 2 to {MAX_OPTIONS} different, non-empty options."),
        ));
    }
    opts
}

impl Definition {
    /// Checks a definition and returns it normalised (labels and options in NFC): keys valid and
    /// unique (columns unique within their table), labels 1–200 characters, choices with 2–50
    /// distinct options, tables with 1–20 columns that are not tables, decimals 0–3, rules naming
    /// a table's number column and a number field with the same decimals. Errors are on `fields`.
    pub fn check(&self) -> Result<Definition, Vec<FieldError>> {
        let mut errors = Vec::new();
        if self.fields.is_empty() || self.fields.len() > MAX_FIELDS {
            errors.push(def_error(
                "fields_count",
                format!("Biểu mẫu cần từ 1 đến {MAX_FIELDS} trường."),
                format!("A form needs 1 to {MAX_FIELDS} fields."),
            ));
        }
        let mut keys = BTreeSet::new();
        let mut fields = Vec::with_capacity(self.fields.len());
        for (i, f) in self.fields.iter().enumerate() {
            let at_vi = format!("Trường {} ({})", i + 1, f.key);
            if !valid_key(&f.key) {
                errors.push(def_error(
                    "key_invalid",
                    format!("{at_vi}: mã trường chỉ gồm chữ thường không dấu, số và “_”, bắt đầu bằng chữ, tối đa 40 ký tự."),
                    format!("Field {} ({}): a key has lowercase letters a-z, digits and “_”, starts with a letter, at most 40 characters.", i + 1, f.key),
                ));
            } else if !keys.insert(f.key.as_str()) {
                errors.push(def_error(
                    "key_duplicate",
                    format!("{at_vi}: mã trường bị trùng."),
                    format!("Field {} ({}): the key is used twice.", i + 1, f.key),
                ));
            }
            let label = check_label(&f.label, &mut errors, &at_vi);
            if f.decimals > 3 {
                errors.push(def_error(
                    "decimals_invalid",
                    format!("{at_vi}: số chữ số thập phân từ 0 đến 3."),
                    format!("Field {}: decimals go from 0 to 3.", i + 1),
                ));
            }
            let mut field = Field { label, options: Vec::new(), columns: Vec::new(), ..f.clone() };
            match f.kind {
                FieldKind::Choice => field.options = check_options(&f.options, &mut errors, &at_vi),
                FieldKind::Table => {
                    if f.columns.is_empty() || f.columns.len() > MAX_COLUMNS {
                        errors.push(def_error(
                            "columns_count",
                            format!("{at_vi}: bảng cần từ 1 đến {MAX_COLUMNS} cột."),
                            format!("Field {}: a table needs 1 to {MAX_COLUMNS} columns.", i + 1),
                        ));
                    }
                    let mut cols = BTreeSet::new();
                    for (j, c) in f.columns.iter().enumerate() {
                        let at = format!("{at_vi}, cột {}", j + 1);
                        if !valid_key(&c.key) || !cols.insert(c.key.as_str()) {
                            errors.push(def_error(
                                "column_key_invalid",
                                format!("{at}: mã cột không hợp lệ hoặc bị trùng."),
                                format!("Field {}, column {}: the column key is invalid or used twice.", i + 1, j + 1),
                            ));
                        }
                        if c.kind == FieldKind::Table || c.decimals > 3 {
                            errors.push(def_error(
                                "column_kind_invalid",
                                format!("{at}: cột là số (0–3 chữ số thập phân), chữ hoặc lựa chọn."),
                                format!(
                                    "Field {}, column {}: a column is a number (0–3 decimals), text or a choice.",
                                    i + 1,
                                    j + 1
                                ),
                            ));
                        }
                        let label = check_label(&c.label, &mut errors, &at);
                        let options = if c.kind == FieldKind::Choice {
                            check_options(&c.options, &mut errors, &at)
                        } else {
                            Vec::new()
                        };
                        field.columns.push(Column {
                            key: c.key.clone(),
                            label,
                            kind: c.kind,
                            decimals: c.decimals,
                            options,
                        });
                    }
                }
                FieldKind::Number | FieldKind::Text => {}
            }
            if f.kind != FieldKind::Number {
                field.decimals = 0;
            }
            fields.push(field);
        }
        let out = Definition { fields, rules: self.rules.clone() };
        for (i, r) in self.rules.iter().enumerate() {
            let column = out.field(&r.table).filter(|t| t.kind == FieldKind::Table).and_then(|t| t.column(&r.column));
            let total = out.field(&r.equals).filter(|f| f.kind == FieldKind::Number);
            let ok = matches!((column, total), (Some(c), Some(t)) if c.kind == FieldKind::Number && c.decimals == t.decimals);
            if !ok {
                errors.push(FieldError::new(
                    "rules",
                    "rule_invalid",
                    format!(
                        "Quy tắc {}: cần một cột số của một bảng và một trường số có cùng số chữ số thập phân ({}.{} = {}).",
                        i + 1,
                        r.table,
                        r.column,
                        r.equals
                    ),
                    format!(
                        "Rule {}: it needs a number column of a table and a number field with the same decimals ({}.{} = {}).",
                        i + 1,
                        r.table,
                        r.column,
                        r.equals
                    ),
                ));
            }
        }
        if errors.is_empty() {
            Ok(out)
        } else {
            Err(errors)
        }
    }

    /// The field with this key.
    pub fn field(&self, key: &str) -> Option<&Field> {
        self.fields.iter().find(|f| f.key == key)
    }

    /// The number fields and number columns, in form order: (field key, column key or "", label,
    /// decimals) — the totals of a round.
    pub fn number_cells(&self) -> Vec<(String, String, String, u8)> {
        let mut out = Vec::new();
        for f in &self.fields {
            match f.kind {
                FieldKind::Number => out.push((f.key.clone(), String::new(), f.label.clone(), f.decimals)),
                FieldKind::Table => {
                    for c in f.columns.iter().filter(|c| c.kind == FieldKind::Number) {
                        out.push((f.key.clone(), c.key.clone(), format!("{} – {}", f.label, c.label), c.decimals));
                    }
                }
                _ => {}
            }
        }
        out
    }

    /// Reads the simple line format of the page: one field per line, `key|label|kind|options`,
    /// kind `number` (options: the decimals), `text`, `choice` (options `A;B;C`) or `table`
    /// (options `col=Label:number;col2=Label:text`, a choice column as `col=Label:choice:A/B`);
    /// a fifth part `optional` (or `không bắt buộc`) makes the field optional. Rules one per line
    /// `table.column = field`. The result is then [`Definition::check`]ed.
    pub fn from_lines(fields: &str, rules: &str) -> Result<Definition, Vec<FieldError>> {
        let mut errors = Vec::new();
        let mut def = Definition::default();
        for (n, line) in fields.lines().enumerate() {
            let line = line.trim();
            if line.is_empty() {
                continue;
            }
            let parts: Vec<&str> = line.split('|').map(str::trim).collect();
            let bad = |what: &str| {
                def_error(
                    "line_invalid",
                    format!("Dòng {}: {what}. Viết theo dạng mã|tên hiển thị|loại|tùy chọn.", n + 1),
                    format!("Line {}: {what}. Write key|label|kind|options.", n + 1),
                )
            };
            if parts.len() < 3 || parts.len() > 5 {
                errors.push(bad("cần từ 3 đến 5 phần ngăn bởi “|”"));
                continue;
            }
            let Some(kind) = kind_word(parts[2]) else {
                errors.push(bad("loại phải là number, text, choice hoặc table"));
                continue;
            };
            let options = parts.get(3).copied().unwrap_or("");
            let required = !parts.get(4).is_some_and(|p| {
                let p = p.to_lowercase();
                p == "optional" || p == "không bắt buộc" || p == "khong bat buoc"
            });
            let mut field = Field {
                key: parts[0].to_string(),
                label: parts[1].to_string(),
                kind,
                required,
                decimals: 0,
                options: Vec::new(),
                columns: Vec::new(),
            };
            match kind {
                FieldKind::Number if !options.is_empty() => match options.parse::<u8>() {
                    Ok(d) => field.decimals = d,
                    Err(_) => errors.push(bad("tùy chọn của trường số là số chữ số thập phân (0–3)")),
                },
                FieldKind::Choice => {
                    field.options = options.split(';').map(|o| o.trim().to_string()).filter(|o| !o.is_empty()).collect()
                }
                FieldKind::Table => {
                    for col in options.split(';').map(str::trim).filter(|c| !c.is_empty()) {
                        let Some((key, rest)) = col.split_once('=') else {
                            errors.push(bad("mỗi cột viết theo dạng mã=Tên:loại"));
                            continue;
                        };
                        let bits: Vec<&str> = rest.split(':').map(str::trim).collect();
                        let ckind = bits.get(1).map_or(Some(FieldKind::Text), |k| kind_word(k));
                        let Some(ckind) = ckind else {
                            errors.push(bad("loại của cột phải là number, text hoặc choice"));
                            continue;
                        };
                        let mut c = Column {
                            key: key.trim().to_string(),
                            label: bits[0].to_string(),
                            kind: ckind,
                            decimals: 0,
                            options: Vec::new(),
                        };
                        if let Some(extra) = bits.get(2) {
                            match ckind {
                                FieldKind::Choice => {
                                    c.options = extra.split('/').map(|o| o.trim().to_string()).collect()
                                }
                                _ => c.decimals = extra.parse().unwrap_or(9),
                            }
                        }
                        field.columns.push(c);
                    }
                }
                _ => {}
            }
            def.fields.push(field);
        }
        for (n, line) in rules.lines().enumerate() {
            let line = line.trim();
            if line.is_empty() {
                continue;
            }
            let parsed = line.split_once('=').and_then(|(l, r)| {
                let (t, c) = l.trim().split_once('.')?;
                Some(Rule { table: t.trim().to_string(), column: c.trim().to_string(), equals: r.trim().to_string() })
            });
            match parsed {
                Some(r) => def.rules.push(r),
                None => errors.push(FieldError::new(
                    "rules",
                    "line_invalid",
                    format!("Quy tắc dòng {}: viết theo dạng bảng.cột = trường.", n + 1),
                    format!("Rule line {}: write table.column = field.", n + 1),
                )),
            }
        }
        if !errors.is_empty() {
            return Err(errors);
        }
        def.check()
    }

    /// The definition in the line format of [`Definition::from_lines`]: (fields, rules).
    pub fn to_lines(&self) -> (String, String) {
        let mut out = String::new();
        for f in &self.fields {
            let options = match f.kind {
                FieldKind::Number => f.decimals.to_string(),
                FieldKind::Choice => f.options.join(";"),
                FieldKind::Table => f
                    .columns
                    .iter()
                    .map(|c| match c.kind {
                        FieldKind::Choice => format!("{}={}:choice:{}", c.key, c.label, c.options.join("/")),
                        FieldKind::Number if c.decimals > 0 => format!("{}={}:number:{}", c.key, c.label, c.decimals),
                        k => format!("{}={}:{}", c.key, c.label, k.as_str()),
                    })
                    .collect::<Vec<_>>()
                    .join(";"),
                FieldKind::Text => String::new(),
            };
            let optional = if f.required { "" } else { "|optional" };
            out.push_str(&format!("{}|{}|{}|{options}{optional}\n", f.key, f.label, f.kind.as_str()));
        }
        let rules = self.rules.iter().map(|r| format!("{}.{} = {}\n", r.table, r.column, r.equals)).collect();
        (out, rules)
    }
}

fn kind_word(s: &str) -> Option<FieldKind> {
    match s.trim().to_lowercase().as_str() {
        "number" | "so" | "số" => Some(FieldKind::Number),
        "text" | "chu" | "chữ" => Some(FieldKind::Text),
        "choice" | "chon" | "chọn" | "lựa chọn" => Some(FieldKind::Choice),
        "table" | "bang" | "bảng" => Some(FieldKind::Table),
        _ => None,
    }
}

impl Field {
    /// The column with this key.
    pub fn column(&self, key: &str) -> Option<&Column> {
        self.columns.iter().find(|c| c.key == key)
    }
}

/// A value as typed: the text of a number, text or choice field, or the rows of a table (each a
/// column key → text map).
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(untagged)]
pub enum Value {
    Text(String),
    Rows(Vec<BTreeMap<String, String>>),
}

/// A submission's values by field key, kept as typed so a draft loses nothing.
pub type Values = BTreeMap<String, Value>;

/// One problem with a submission's values: the field (and row, column) it is about, and the
/// bilingual error (its `field` is `values`).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Problem {
    pub key: String,
    /// Row (from 1) and column key, for a table cell.
    pub row: Option<usize>,
    pub column: Option<String>,
    pub error: FieldError,
}

/// One number of a checked submission: field, column ("" for a number field), row (0 for a
/// number field, from 1 in a table), value in units of 10^-decimals.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct NumberCell {
    pub field: String,
    pub column: String,
    pub row: i64,
    pub value: i64,
}

/// Parses a number typed the Vietnamese way (see the module doc) into units of 10^-`decimals`.
/// Errors: (code, Vietnamese, English).
pub fn parse_number(input: &str, decimals: u8) -> Result<i64, (&'static str, String, String)> {
    let s: String = input.chars().filter(|c| !c.is_whitespace()).collect();
    let bad = || {
        (
            "number_invalid",
            "phải là một số, ví dụ 1.234 hoặc 12,5".to_string(),
            "must be a number, e.g. 1234 or 12.5".to_string(),
        )
    };
    let (negative, body) = match s.strip_prefix('-') {
        Some(rest) => (true, rest),
        None => (false, s.as_str()),
    };
    if body.is_empty() {
        return Err(bad());
    }
    let (int, frac) = if let Some((i, f)) = body.split_once(',') {
        (i.to_string(), f.to_string())
    } else if body.matches('.').count() == 1 && body.split_once('.').is_some_and(|(_, f)| f.len() != 3) {
        let (i, f) = body.split_once('.').unwrap_or((body, ""));
        (i.to_string(), f.to_string())
    } else {
        (body.to_string(), String::new())
    };
    // Thousands separators: groups of three after the first group of one to three digits.
    let groups: Vec<&str> = int.split('.').collect();
    if groups.len() > 1 && (groups[0].is_empty() || groups[0].len() > 3 || groups[1..].iter().any(|g| g.len() != 3)) {
        return Err(bad());
    }
    let digits: String = groups.concat();
    if digits.is_empty() || !digits.bytes().all(|b| b.is_ascii_digit()) || !frac.bytes().all(|b| b.is_ascii_digit()) {
        return Err(bad());
    }
    if frac.len() > usize::from(decimals) {
        return Err(if decimals == 0 {
            ("not_whole", "phải là số nguyên".to_string(), "must be a whole number".to_string())
        } else {
            (
                "too_many_decimals",
                format!("có tối đa {decimals} chữ số thập phân"),
                format!("takes at most {decimals} decimals"),
            )
        });
    }
    let too_large = || ("too_large", "quá lớn".to_string(), "is too large".to_string());
    let scale = 10_i64.pow(u32::from(decimals));
    let whole: i64 = digits.parse().map_err(|_| too_large())?;
    let mut fraction: i64 = if frac.is_empty() { 0 } else { frac.parse().map_err(|_| bad())? };
    fraction *= 10_i64.pow(u32::from(decimals) - frac.len() as u32);
    let v = whole.checked_mul(scale).and_then(|w| w.checked_add(fraction)).filter(|v| *v < 1_000_000_000_000_000);
    let v = v.ok_or_else(too_large)?;
    Ok(if negative { -v } else { v })
}

/// Writes a value in units of 10^-`decimals` the Vietnamese way: `1.234,5`.
pub fn format_number(value: i64, decimals: u8) -> String {
    let scale = 10_i64.pow(u32::from(decimals));
    let (whole, frac) = (value.unsigned_abs() / scale as u64, value.unsigned_abs() % scale as u64);
    let digits = whole.to_string();
    let mut grouped = String::new();
    for (i, ch) in digits.chars().enumerate() {
        if i > 0 && (digits.len() - i) % 3 == 0 {
            grouped.push('.');
        }
        grouped.push(ch);
    }
    let sign = if value < 0 { "-" } else { "" };
    if decimals == 0 {
        format!("{sign}{grouped}")
    } else {
        format!("{sign}{grouped},{frac:0width$}", width = usize::from(decimals))
    }
}

/// The value as a float (for spreadsheets).
pub fn as_f64(value: i64, decimals: u8) -> f64 {
    value as f64 / 10_f64.powi(i32::from(decimals))
}

fn problem(key: &str, row: Option<usize>, column: Option<&str>, code: &'static str, vi: String, en: String) -> Problem {
    Problem {
        key: key.to_string(),
        row,
        column: column.map(str::to_string),
        error: FieldError::new("values", code, vi, en),
    }
}

fn cell_check(
    text: &str,
    kind: FieldKind,
    decimals: u8,
    options: &[String],
) -> Result<Option<i64>, (&'static str, String, String)> {
    match kind {
        FieldKind::Number => parse_number(text, decimals).map(Some),
        FieldKind::Choice if !options.iter().any(|o| o == text) => Err((
            "not_an_option",
            "phải là một trong các lựa chọn đã cho".to_string(),
            "must be one of the options given".to_string(),
        )),
        _ => {
            check_text(text, "values", TextKind::MultiLine).map_err(|e| (e.code, e.message_vi, e.message_en))?;
            if text.chars().count() > MAX_TEXT {
                return Err((
                    "too_long",
                    format!("dài quá {MAX_TEXT} ký tự"),
                    format!("is longer than {MAX_TEXT} characters"),
                ));
            }
            Ok(None)
        }
    }
}

/// Normalises values for storing (NFC, blank table rows dropped) and returns the keys that the
/// definition does not know, or tables given as text and the reverse (a structural mistake,
/// refused even in a draft).
pub fn normalise_values(def: &Definition, values: &Values) -> Result<Values, Vec<Problem>> {
    let mut out = Values::new();
    let mut problems = Vec::new();
    for (key, v) in values {
        let Some(f) = def.field(key) else {
            problems.push(problem(
                key,
                None,
                None,
                "unknown_field",
                format!("Biểu mẫu không có trường “{key}”."),
                format!("The form has no field “{key}”."),
            ));
            continue;
        };
        match (f.kind, v) {
            (FieldKind::Table, Value::Rows(rows)) => {
                let mut kept = Vec::new();
                for r in rows {
                    if let Some(c) = r.keys().find(|c| f.column(c).is_none()) {
                        problems.push(problem(
                            key,
                            None,
                            Some(c),
                            "unknown_column",
                            format!("Bảng “{}” không có cột “{c}”.", f.label),
                            format!("The table “{}” has no column “{c}”.", f.label),
                        ));
                        continue;
                    }
                    let row: BTreeMap<String, String> =
                        r.iter().map(|(c, t)| (c.clone(), normalize(t))).filter(|(_, t)| !t.is_empty()).collect();
                    if !row.is_empty() {
                        kept.push(row);
                    }
                }
                if kept.len() > MAX_ROWS {
                    problems.push(problem(
                        key,
                        None,
                        None,
                        "too_many_rows",
                        format!("Bảng “{}” có tối đa {MAX_ROWS} dòng.", f.label),
                        format!("The table “{}” takes at most {MAX_ROWS} rows.", f.label),
                    ));
                }
                out.insert(key.clone(), Value::Rows(kept));
            }
            (FieldKind::Table, Value::Text(t)) if t.trim().is_empty() => {
                out.insert(key.clone(), Value::Rows(Vec::new()));
            }
            (k, Value::Text(t)) if k != FieldKind::Table => {
                let t = if k == FieldKind::Text { crate::text::normalize_multiline(t) } else { normalize(t) };
                if !t.is_empty() {
                    out.insert(key.clone(), Value::Text(t));
                }
            }
            _ => problems.push(problem(
                key,
                None,
                None,
                "wrong_shape",
                format!("Trường “{}” không nhận kiểu giá trị này.", f.label),
                format!("The field “{}” does not take this kind of value.", f.label),
            )),
        }
    }
    if problems.is_empty() {
        Ok(out)
    } else {
        Err(problems)
    }
}

/// Checks (normalised) values against the definition for sending: required fields given, numbers
/// and choices valid, every rule holding. Returns the numbers to total, or every problem.
pub fn check_values(def: &Definition, values: &Values) -> Result<Vec<NumberCell>, Vec<Problem>> {
    let mut problems = Vec::new();
    let mut numbers = Vec::new();
    for f in &def.fields {
        match (f.kind, values.get(&f.key)) {
            (FieldKind::Table, Some(Value::Rows(rows))) if !rows.is_empty() => {
                for (i, row) in rows.iter().enumerate() {
                    for c in &f.columns {
                        let text = row.get(&c.key).map(String::as_str).unwrap_or("");
                        if text.is_empty() {
                            if c.kind != FieldKind::Text {
                                problems.push(problem(
                                    &f.key,
                                    Some(i + 1),
                                    Some(&c.key),
                                    "required",
                                    format!("{}, dòng {}, cột “{}”: vui lòng nhập giá trị.", f.label, i + 1, c.label),
                                    format!("{}, row {}, column “{}”: enter a value.", f.label, i + 1, c.label),
                                ));
                            }
                            continue;
                        }
                        match cell_check(text, c.kind, c.decimals, &c.options) {
                            Ok(Some(v)) => numbers.push(NumberCell {
                                field: f.key.clone(),
                                column: c.key.clone(),
                                row: i as i64 + 1,
                                value: v,
                            }),
                            Ok(None) => {}
                            Err((code, vi, en)) => problems.push(problem(
                                &f.key,
                                Some(i + 1),
                                Some(&c.key),
                                code,
                                format!("{}, dòng {}, cột “{}”: {vi}.", f.label, i + 1, c.label),
                                format!("{}, row {}, column “{}”: {en}.", f.label, i + 1, c.label),
                            )),
                        }
                    }
                }
            }
            (_, Some(Value::Text(text))) if f.kind != FieldKind::Table && !text.is_empty() => {
                match cell_check(text, f.kind, f.decimals, &f.options) {
                    Ok(Some(v)) => {
                        numbers.push(NumberCell { field: f.key.clone(), column: String::new(), row: 0, value: v })
                    }
                    Ok(None) => {}
                    Err((code, vi, en)) => problems.push(problem(
                        &f.key,
                        None,
                        None,
                        code,
                        format!("{}: {vi}.", f.label),
                        format!("{}: {en}.", f.label),
                    )),
                }
            }
            _ if f.required => problems.push(problem(
                &f.key,
                None,
                None,
                "required",
                if f.kind == FieldKind::Table {
                    format!("{}: vui lòng nhập ít nhất một dòng.", f.label)
                } else {
                    format!("{}: vui lòng nhập giá trị.", f.label)
                },
                if f.kind == FieldKind::Table {
                    format!("{}: enter at least one row.", f.label)
                } else {
                    format!("{}: enter a value.", f.label)
                },
            )),
            _ => {}
        }
    }
    for r in &def.rules {
        let sum: i64 = numbers.iter().filter(|n| n.field == r.table && n.column == r.column).map(|n| n.value).sum();
        let total = numbers.iter().find(|n| n.field == r.equals && n.column.is_empty()).map(|n| n.value);
        let (Some(total), Some(t), Some(f)) = (total, def.field(&r.table), def.field(&r.equals)) else { continue };
        let Some(c) = t.column(&r.column) else { continue };
        let has_rows = matches!(values.get(&r.table), Some(Value::Rows(rows)) if !rows.is_empty());
        if has_rows && sum != total {
            let (s, v) = (format_number(sum, f.decimals), format_number(total, f.decimals));
            problems.push(problem(
                &r.equals,
                None,
                None,
                "rule_sum",
                format!("{}: phải bằng tổng cột “{}” của bảng “{}” ({s}), đang là {v}.", f.label, c.label, t.label),
                format!(
                    "{}: must equal the sum of column “{}” of the table “{}” ({s}); it is {v}.",
                    f.label, c.label, t.label
                ),
            ));
        }
    }
    if problems.is_empty() {
        Ok(numbers)
    } else {
        Err(problems)
    }
}

/// A reporting period: its kind and first and last days.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Period {
    pub kind: PeriodKind,
    pub start: Date,
    pub end: Date,
}

impl Period {
    /// The period of `kind` that holds `d` (a one-off report: the day itself).
    pub fn containing(kind: PeriodKind, d: Date) -> Period {
        let (start, end) = match kind {
            PeriodKind::Monthly => (d.first_of_month(), d.last_of_month()),
            PeriodKind::Quarterly => {
                let first = (d.month() - 1) / 3 * 3 + 1;
                let start = Date::new(d.year(), first, 1).unwrap_or(d);
                let end = Date::new(d.year(), first + 2, 1).map(|m| m.last_of_month()).unwrap_or(d);
                (start, end)
            }
            PeriodKind::Yearly => (d.first_of_year(), d.last_of_year()),
            PeriodKind::Once => (d, d),
        };
        Period { kind, start, end }
    }

    /// "Tháng 11/2026", "Quý IV/2026", "Năm 2026", "Đến ngày 15/11/2026" (English: "November
    /// 2026", "Q4 2026", "Year 2026", "As of 15/11/2026").
    pub fn label(&self, lang: Lang) -> String {
        const ROMAN: [&str; 4] = ["I", "II", "III", "IV"];
        const MONTHS: [&str; 12] = [
            "January",
            "February",
            "March",
            "April",
            "May",
            "June",
            "July",
            "August",
            "September",
            "October",
            "November",
            "December",
        ];
        let (y, m) = (self.start.year(), self.start.month());
        let q = usize::try_from((m - 1) / 3).unwrap_or(0).min(3);
        match (self.kind, lang) {
            (PeriodKind::Monthly, Lang::Vi) => format!("Tháng {m}/{y}"),
            (PeriodKind::Monthly, Lang::En) => {
                format!("{} {y}", MONTHS[usize::try_from(m - 1).unwrap_or(0).min(11)])
            }
            (PeriodKind::Quarterly, Lang::Vi) => format!("Quý {}/{y}", ROMAN[q]),
            (PeriodKind::Quarterly, Lang::En) => format!("Q{} {y}", q + 1),
            (PeriodKind::Yearly, Lang::Vi) => format!("Năm {y}"),
            (PeriodKind::Yearly, Lang::En) => format!("Year {y}"),
            (PeriodKind::Once, Lang::Vi) => format!("Đến ngày {}", self.end.strftime("%d/%m/%Y")),
            (PeriodKind::Once, Lang::En) => format!("As of {}", self.end.strftime("%d/%m/%Y")),
        }
    }

    /// The last day to send: `days` working days after the period's end.
    pub fn due_date(&self, calendar: &WorkCalendar, days: i64) -> Date {
        calendar.add_working_days(self.end, days)
    }
}

/// A submission sent on `sent_on` (Vietnam time) is late when that day is after the last day.
pub fn is_late(sent_on: Date, due: Date) -> bool {
    sent_on > due
}

/// The reporting rate in percent (submitted of expected), one decimal; `None` with nothing expected.
pub fn rate(submitted: i64, expected: i64) -> Option<f64> {
    (expected > 0).then(|| (submitted as f64 * 1000.0 / expected as f64).round() / 10.0)
}

#[cfg(test)]
#[allow(clippy::unwrap_used)]
mod tests {
    use super::*;
    use jiff::civil::date;

    fn form() -> Definition {
        Definition::from_lines(
            "households|Tổng số hộ|number\n\
             poor_total|Tổng số hộ nghèo|number\n\
             note|Ghi chú|text||optional\n\
             level|Mức độ hoàn thành|choice|Tốt;Khá;Trung bình\n\
             villages|Theo thôn|table|name=Tên thôn:text;poor=Hộ nghèo:number;area=Diện tích:number:1",
            "villages.poor = poor_total",
        )
        .unwrap()
    }

    fn rows(list: &[&[(&str, &str)]]) -> Value {
        Value::Rows(list.iter().map(|r| r.iter().map(|(k, v)| (k.to_string(), v.to_string())).collect()).collect())
    }

    #[test]
    fn vocabularies_agree() {
        crate::testutil::check_vocabulary(PeriodKind::ALL, PeriodKind::as_str, PeriodKind::parse, PeriodKind::label);
        crate::testutil::check_vocabulary(FieldKind::ALL, FieldKind::as_str, FieldKind::parse, FieldKind::label);
        crate::testutil::check_vocabulary(
            SubmissionStatus::ALL,
            SubmissionStatus::as_str,
            SubmissionStatus::parse,
            SubmissionStatus::label,
        );
    }

    #[test]
    fn the_line_format_reads_and_writes_back() {
        let def = form();
        assert_eq!(def.fields.len(), 5);
        assert!(!def.field("note").unwrap().required);
        let t = def.field("villages").unwrap();
        assert_eq!(t.columns[2].decimals, 1);
        assert_eq!(
            def.rules,
            vec![Rule { table: "villages".into(), column: "poor".into(), equals: "poor_total".into() }]
        );
        let (f, r) = def.to_lines();
        assert_eq!(Definition::from_lines(&f, &r).unwrap(), def);
        assert_eq!(def.number_cells().len(), 4);
    }

    #[test]
    fn bad_definitions_are_refused_with_reasons() {
        let codes = |f: &str, r: &str| -> Vec<&'static str> {
            Definition::from_lines(f, r).unwrap_err().iter().map(|e| e.code).collect()
        };
        assert_eq!(codes("a|A", ""), ["line_invalid"]);
        assert_eq!(codes("a|A|picture", ""), ["line_invalid"]);
        assert_eq!(codes("A b|A|number", ""), ["key_invalid"]);
        assert_eq!(codes("a|A|number\na|B|text", ""), ["key_duplicate"]);
        assert_eq!(codes("a|A|choice|one", ""), ["options_invalid"]);
        assert_eq!(codes("a|A|choice|x;x", ""), ["options_invalid"]);
        assert_eq!(codes("a||text", ""), ["label_invalid"]);
        assert_eq!(codes("t|T|table|", ""), ["columns_count"]);
        assert_eq!(codes("a|A|number|7", ""), ["decimals_invalid"]);
        assert_eq!(codes("a|A|number", "t.x = a"), ["rule_invalid"]);
        assert_eq!(codes("a|A|number\nt|T|table|x=X:number:1", "t.x = a"), ["rule_invalid"]);
        assert_eq!(codes("a|A|number", "nonsense"), ["line_invalid"]);
        assert_eq!(codes("", ""), ["fields_count"]);
    }

    #[test]
    fn numbers_are_read_the_vietnamese_way_and_exactly() {
        assert_eq!(parse_number("1.234", 0), Ok(1234));
        assert_eq!(parse_number("1.234.567", 0), Ok(1_234_567));
        assert_eq!(parse_number(" 12 ", 0), Ok(12));
        assert_eq!(parse_number("-5", 0), Ok(-5));
        assert_eq!(parse_number("1.234,5", 1), Ok(12_345));
        assert_eq!(parse_number("12,5", 2), Ok(1250));
        assert_eq!(parse_number("12.5", 1), Ok(125));
        assert_eq!(parse_number("0,25", 2), Ok(25));
        assert_eq!(parse_number("12,5", 0).unwrap_err().0, "not_whole");
        assert_eq!(parse_number("1,2345", 3).unwrap_err().0, "too_many_decimals");
        for bad in ["", "-", "abc", "1.23.4", "12a", ",5", "1..2", "1.2345,0"] {
            assert!(parse_number(bad, 1).is_err(), "{bad}");
        }
        assert_eq!(parse_number("99999999999999999999", 0).unwrap_err().0, "too_large");
        assert_eq!(format_number(1_234_567, 0), "1.234.567");
        assert_eq!(format_number(12_345, 1), "1.234,5");
        assert_eq!(format_number(-5, 2), "-0,05");
        assert_eq!(format_number(0, 0), "0");
        for v in [0_i64, 7, 999, 1000, 123_456_789, -42] {
            for d in 0..=3 {
                assert_eq!(parse_number(&format_number(v, d), d), Ok(v), "{v} with {d}");
            }
        }
    }

    #[test]
    fn values_are_checked_against_the_form_and_its_rule() {
        let def = form();
        let mut v = Values::new();
        v.insert("households".into(), Value::Text("1.200".into()));
        v.insert("poor_total".into(), Value::Text("13".into()));
        v.insert("level".into(), Value::Text("Tốt".into()));
        v.insert(
            "villages".into(),
            rows(&[
                &[("name", "Thôn 1"), ("poor", "5"), ("area", "12,5")],
                &[("name", "Thôn 2"), ("poor", "7"), ("area", "3")],
                &[("name", ""), ("poor", " ")],
            ]),
        );
        let v = normalise_values(&def, &v).unwrap();
        let Value::Rows(r) = &v["villages"] else { panic!() };
        assert_eq!(r.len(), 2, "the blank row is dropped");
        let problems = check_values(&def, &v).unwrap_err();
        assert_eq!(problems.len(), 1);
        assert_eq!(problems[0].key, "poor_total");
        assert_eq!(problems[0].error.code, "rule_sum");
        assert!(problems[0].error.message_vi.contains("(12), đang là 13"), "{}", problems[0].error.message_vi);

        let mut fixed = v.clone();
        fixed.insert("poor_total".into(), Value::Text("12".into()));
        let numbers = check_values(&def, &fixed).unwrap();
        let area: i64 = numbers.iter().filter(|n| n.column == "area").map(|n| n.value).sum();
        assert_eq!(area, 155);

        let mut bad = fixed.clone();
        bad.insert("households".into(), Value::Text("nhiều".into()));
        bad.insert("level".into(), Value::Text("Xuất sắc".into()));
        bad.remove("villages");
        let codes: Vec<_> = check_values(&def, &bad).unwrap_err().into_iter().map(|p| (p.key, p.error.code)).collect();
        assert_eq!(
            codes,
            [
                ("households".to_string(), "number_invalid"),
                ("level".to_string(), "not_an_option"),
                ("villages".to_string(), "required")
            ]
        );
        let mut cell = fixed.clone();
        cell.insert("villages".into(), rows(&[&[("name", "Thôn 1"), ("poor", "x")]]));
        let p = check_values(&def, &cell).unwrap_err();
        assert_eq!((p[0].row, p[0].column.as_deref()), (Some(1), Some("poor")));

        let mut unknown = Values::new();
        unknown.insert("nope".into(), Value::Text("1".into()));
        unknown.insert("villages".into(), Value::Text("x".into()));
        let p = normalise_values(&def, &unknown).unwrap_err();
        assert_eq!(p.iter().map(|p| p.error.code).collect::<Vec<_>>(), ["unknown_field", "wrong_shape"]);
    }

    #[test]
    fn periods_labels_and_deadlines() {
        let d = date(2026, 11, 18);
        let m = Period::containing(PeriodKind::Monthly, d);
        assert_eq!((m.start, m.end), (date(2026, 11, 1), date(2026, 11, 30)));
        assert_eq!(m.label(Lang::Vi), "Tháng 11/2026");
        assert_eq!(m.label(Lang::En), "November 2026");
        let q = Period::containing(PeriodKind::Quarterly, d);
        assert_eq!((q.start, q.end), (date(2026, 10, 1), date(2026, 12, 31)));
        assert_eq!(q.label(Lang::Vi), "Quý IV/2026");
        assert_eq!(Period::containing(PeriodKind::Quarterly, date(2026, 2, 3)).label(Lang::Vi), "Quý I/2026");
        assert_eq!(Period::containing(PeriodKind::Quarterly, date(2026, 6, 30)).end, date(2026, 6, 30));
        let y = Period::containing(PeriodKind::Yearly, d);
        assert_eq!((y.start, y.end, y.label(Lang::Vi)), (date(2026, 1, 1), date(2026, 12, 31), "Năm 2026".into()));
        assert_eq!(Period::containing(PeriodKind::Once, d).label(Lang::Vi), "Đến ngày 18/11/2026");

        let cal = WorkCalendar::vietnam();
        // 30/11/2026 is a Monday: five working days later is Monday 7/12.
        assert_eq!(m.due_date(&cal, 5), date(2026, 12, 7));
        // The year's report: 31/12/2026 (Thursday), then 1/1 is a holiday and 2–3/1 a weekend.
        assert_eq!(y.due_date(&cal, 1), date(2027, 1, 4));
        assert!(!is_late(date(2026, 12, 7), date(2026, 12, 7)));
        assert!(is_late(date(2026, 12, 8), date(2026, 12, 7)));
        assert_eq!(rate(2, 3), Some(66.7));
        assert_eq!(rate(0, 0), None);
    }
}
