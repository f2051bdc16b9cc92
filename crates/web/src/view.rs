//! What every page template receives: language, who is signed in, the CSRF token, a notice;
//! plus formatting helpers (Vietnam time).

use std::collections::HashMap;

use egov_domain::{FieldError, Lang};
use egov_service::AppError;

use crate::i18n::tr;
use crate::session::{RequestContext, SignedIn};

/// Navigation entries shown to the signed-in person.
#[derive(Clone, Debug, Default)]
pub(crate) struct Nav {
    pub full_name: String,
    pub admin: bool,
    pub system_admin: bool,
    /// Registers and issues documents (văn thư).
    pub clerk: bool,
    /// Unread notifications.
    pub unread: i64,
    /// Open inbox items.
    pub open: i64,
}

/// The shared part of every page.
#[derive(Clone, Debug)]
pub(crate) struct Ctx {
    pub lang: Lang,
    pub csrf: String,
    pub nav: Option<Nav>,
    /// A one-line notice shown at the top (after a successful action).
    pub notice: Option<String>,
    /// The page title key.
    pub title_key: &'static str,
    /// What the page is about (a document's number and subject), put before the title.
    pub title_detail: Option<String>,
}

impl Ctx {
    pub(crate) fn anonymous(ctx: &RequestContext, title_key: &'static str) -> Ctx {
        Ctx { lang: ctx.lang, csrf: ctx.csrf.clone(), nav: None, notice: None, title_key, title_detail: None }
    }

    pub(crate) fn signed_in(s: &SignedIn, title_key: &'static str) -> Ctx {
        let actor = &s.caller.actor;
        Ctx {
            lang: s.ctx.lang,
            csrf: s.ctx.csrf.clone(),
            nav: Some(Nav {
                full_name: s.session.full_name.clone(),
                admin: actor.is_system_admin() || actor.has_role(egov_domain::Role::AgencyAdmin),
                system_admin: actor.is_system_admin(),
                clerk: actor.has_role(egov_domain::Role::Clerk),
                unread: s.counts.0,
                open: s.counts.1,
            }),
            notice: None,
            title_key,
            title_detail: None,
        }
    }

    /// With what the page is about in its title (`05/QĐ-UBND Quyết định … · Văn bản · egov`).
    pub(crate) fn about(mut self, detail: String) -> Ctx {
        let short: String = detail.chars().take(80).collect();
        self.title_detail = Some(if detail.chars().count() > 80 { format!("{short}…") } else { short });
        self
    }

    /// With a notice (by message key).
    pub(crate) fn notice(mut self, key: &str) -> Ctx {
        self.notice = Some(tr(self.lang, key).to_string());
        self
    }

    /// Translates a message key.
    pub(crate) fn t(&self, key: &str) -> &'static str {
        tr(self.lang, key)
    }

    /// The page title.
    pub(crate) fn title(&self) -> String {
        match &self.title_detail {
            Some(d) => format!("{d} · {}", tr(self.lang, self.title_key)),
            None => tr(self.lang, self.title_key).to_string(),
        }
    }

    /// Whether the navigation entry `path` is the page shown (marked `aria-current="page"`).
    pub(crate) fn is_current(&self, path: &str) -> bool {
        const PAGES: &[(&str, &str)] = &[
            ("home.title", "/"),
            ("inbox.title", "/inbox"),
            ("notifications.title", "/notifications"),
            ("search.title", "/search"),
            ("books.title", "/books"),
            ("message.title", "/messages/new"),
            ("agencies.title", "/admin/agencies"),
            ("users.title", "/admin/users"),
            ("security.title", "/admin/security"),
            ("audit.title", "/admin/audit"),
            ("deliveries.title", "/admin/deliveries"),
            ("profile.title", "/profile"),
            ("prefs.title", "/profile"),
            ("password.title", "/profile"),
        ];
        PAGES.iter().any(|(key, p)| *key == self.title_key && *p == path)
    }

    /// `vi` or `en`, for `<html lang>`.
    pub(crate) fn lang_code(&self) -> &'static str {
        self.lang.as_str()
    }

    /// A timestamp (ms) as Vietnam local time, `dd/MM/yyyy HH:mm`.
    pub(crate) fn time(&self, ms: &i64) -> String {
        format_time(*ms)
    }

    /// A calendar date (`YYYY-MM-DD`, as stored) the way pages show dates: `dd/MM/yyyy`, the
    /// form of `time`. Text that is not such a date is shown as it is.
    pub(crate) fn date(&self, iso: &str) -> String {
        match iso.parse::<jiff::civil::Date>() {
            Ok(d) => d.strftime("%d/%m/%Y").to_string(),
            Err(_) => iso.to_string(),
        }
    }

    /// A file size for people: `850 B`, `37 KB`, `2,4 MB` (Vietnamese decimal comma).
    pub(crate) fn size(&self, bytes: &i64) -> String {
        let b = *bytes;
        if b < 1024 {
            format!("{b} B")
        } else if b < 1024 * 1024 {
            format!("{} KB", b / 1024)
        } else {
            let tenths = b * 10 / (1024 * 1024);
            let sep = if self.lang == egov_domain::Lang::Vi { ',' } else { '.' };
            format!("{}{sep}{} MB", tenths / 10, tenths % 10)
        }
    }

    /// Label of a role, position or level code.
    pub(crate) fn role(&self, code: &str) -> &'static str {
        egov_domain::Role::parse(code).map_or("?", |r| r.label(self.lang))
    }

    pub(crate) fn position(&self, code: &str) -> &'static str {
        egov_domain::Position::parse(code).map_or("?", |p| p.label(self.lang))
    }

    /// Label of a document type, urgency, secrecy or status code.
    pub(crate) fn doc_type(&self, code: &str) -> &'static str {
        egov_domain::document::DocumentType::parse(code).map_or("?", |t| t.label(self.lang))
    }

    pub(crate) fn urgency(&self, code: &str) -> &'static str {
        egov_domain::document::Urgency::parse(code).map_or("?", |t| t.label(self.lang))
    }

    pub(crate) fn secrecy(&self, code: &str) -> &'static str {
        egov_domain::document::Secrecy::parse(code).map_or("?", |t| t.label(self.lang))
    }

    /// Label of a status, inbox kind or timeline step (`status.registered`, `kind.present`, …).
    pub(crate) fn code(&self, prefix: &str, code: &str) -> &'static str {
        crate::i18n::tr_or(self.lang, &format!("{prefix}.{code}")).unwrap_or("")
    }

    pub(crate) fn level(&self, code: &str) -> &'static str {
        egov_domain::Level::parse(code).map_or("?", |l| l.label(self.lang))
    }
}

/// Vietnam has kept UTC+7 without daylight saving since 1975.
pub(crate) fn format_time(ms: i64) -> String {
    let offset = jiff::tz::Offset::constant(7);
    jiff::Timestamp::from_millisecond(ms)
        .map(|t| t.to_zoned(jiff::tz::TimeZone::fixed(offset)).strftime("%d/%m/%Y %H:%M").to_string())
        .unwrap_or_default()
}

/// Field errors of a rejected form, by field, in the page's language.
#[derive(Clone, Debug, Default)]
pub(crate) struct FormErrors {
    by_field: HashMap<String, String>,
    /// The field errors in the order they came, for the summary at the top of the form.
    ordered: Vec<(String, String)>,
    /// Errors not tied to a shown field.
    pub general: Vec<String>,
    /// The summary's heading, in the page's language.
    title: &'static str,
}

impl FormErrors {
    /// Splits an error into field messages; `None` when it is not about the input.
    pub(crate) fn from_error(e: &AppError, lang: Lang, shown: &[&str]) -> Option<FormErrors> {
        let list: Vec<&FieldError> = match e {
            AppError::Invalid(list) => list.iter().collect(),
            AppError::Conflict(f) => vec![f],
            _ => return None,
        };
        let title = if lang == Lang::Vi { "Có lỗi cần sửa" } else { "There is a problem" };
        let mut out = FormErrors { title, ..FormErrors::default() };
        for f in list {
            if shown.contains(&f.field) && !out.by_field.contains_key(f.field) {
                out.by_field.insert(f.field.to_string(), f.message(lang).to_string());
                out.ordered.push((f.field.to_string(), f.message(lang).to_string()));
            } else {
                out.general.push(f.message(lang).to_string());
            }
        }
        Some(out)
    }

    /// The message for a field, or "".
    pub(crate) fn get(&self, field: &str) -> &str {
        self.by_field.get(field).map_or("", String::as_str)
    }

    /// Whether a field has an error.
    pub(crate) fn has(&self, field: &str) -> bool {
        self.by_field.contains_key(field)
    }

    /// The field errors, in order: (field, message); each links to its field `#f-<field>`.
    pub(crate) fn fields(&self) -> &[(String, String)] {
        &self.ordered
    }

    /// The heading of the error summary.
    pub(crate) fn title(&self) -> &str {
        self.title
    }

    /// No error at all.
    pub(crate) fn is_empty(&self) -> bool {
        self.by_field.is_empty() && self.general.is_empty()
    }
}
