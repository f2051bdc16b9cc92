//! Rules a package must meet beyond its types: required texts, lengths, duplicates, consistency.
//!
//! The reader runs these on what it read and the writer on what it is given, so nothing invalid is
//! accepted or emitted. Lengths count Unicode characters of the trimmed text (the length limits are
//! those of the widely used checker in standards.md §2).

use std::collections::HashSet;

use crate::doctype;
use crate::error::{codes, Problem, MAX_PROBLEMS};
use crate::model::{
    Attachment, Business, BusinessDocType, MessageHeader, Organization, Package, ResponseFor, StaffInfo, StatusPackage,
    TypeCode,
};
use crate::text::{first_bad_char, plain_content_id};

/// `Subject` at most this many characters.
pub const MAX_SUBJECT: usize = 500;
/// `Content` at most this many characters.
pub const MAX_CONTENT: usize = 500;
/// `Place` (promulgation place, each `ToPlaces/Place`) at most this many characters.
pub const MAX_PLACE: usize = 150;
/// `Appendix` at most this many characters.
pub const MAX_APPENDIX: usize = 250;
/// `AttachmentName` at most this many characters.
pub const MAX_ATTACHMENT_NAME: usize = 200;

#[derive(Default)]
struct V {
    problems: Vec<Problem>,
}

impl V {
    fn push(&mut self, p: Problem) {
        if self.problems.len() < MAX_PROBLEMS {
            self.problems.push(p);
        }
    }

    /// Checks a text: characters XML can carry, present when required, at most `max` characters.
    fn text(&mut self, path: &str, value: &str, required: bool, max: Option<usize>) {
        if let Some(c) = first_bad_char(value) {
            self.push(Problem::invalid_char(path, c));
            return;
        }
        let t = value.trim();
        if required && t.is_empty() {
            self.push(Problem::required(path));
            return;
        }
        if let Some(max) = max {
            let n = t.chars().count();
            if n > max {
                self.push(Problem::too_long(path, max, n));
            }
        }
    }

    fn organization(&mut self, path: &str, o: &Organization, name_required: bool) {
        self.text(&format!("{path}/OrganizationInCharge"), &o.organization_in_charge, false, None);
        self.text(&format!("{path}/OrganName"), &o.organ_name, name_required, None);
        self.text(&format!("{path}/OrganAdd"), &o.organ_add, false, None);
        self.text(&format!("{path}/Email"), &o.email, false, None);
        self.text(&format!("{path}/Telephone"), &o.telephone, false, None);
        self.text(&format!("{path}/Fax"), &o.fax, false, None);
        self.text(&format!("{path}/Website"), &o.website, false, None);
    }

    fn recipients(&mut self, path: &str, list: &[Organization], required: bool) {
        if required && list.is_empty() {
            self.push(Problem::required(path));
        }
        let mut seen = HashSet::new();
        for (i, o) in list.iter().enumerate() {
            let p = format!("{path}[{}]", i + 1);
            self.organization(&p, o, false);
            let id = o.organ_id.as_str();
            if !id.is_empty() && !seen.insert(id) {
                self.push(Problem::duplicate(&format!("{p}/OrganId"), id));
            }
        }
    }

    fn staff(&mut self, path: &str, s: &StaffInfo) {
        self.text(&format!("{path}/Department"), &s.department, false, None);
        self.text(&format!("{path}/Staff"), &s.staff, false, None);
        self.text(&format!("{path}/Mobile"), &s.mobile, false, None);
        self.text(&format!("{path}/Email"), &s.email, false, None);
    }

    fn response_for(&mut self, path: &str, r: &ResponseFor) {
        self.text(&format!("{path}/Code"), &r.code, false, None);
    }

    fn header(&mut self, h: &MessageHeader) {
        let m = "MessageHeader";
        self.organization(&format!("{m}/From"), &h.from, true);
        self.recipients(&format!("{m}/To"), &h.to, true);
        self.text(&format!("{m}/Code/CodeNumber"), &h.code.number, true, None);
        self.text(&format!("{m}/Code/CodeNotation"), &h.code.notation, true, None);
        self.text(&format!("{m}/PromulgationInfo/Place"), &h.promulgation.place, false, Some(MAX_PLACE));
        self.document_type(h);
        self.text(&format!("{m}/Subject"), &h.subject, true, Some(MAX_SUBJECT));
        self.text(&format!("{m}/Content"), &h.content, false, Some(MAX_CONTENT));
        self.text(&format!("{m}/SignerInfo/Competence"), &h.signer.competence, false, None);
        self.text(&format!("{m}/SignerInfo/Position"), &h.signer.position, false, None);
        self.text(&format!("{m}/SignerInfo/FullName"), &h.signer.full_name, false, None);
        for (i, place) in h.to_places.iter().enumerate() {
            self.text(&format!("{m}/ToPlaces/Place[{}]", i + 1), place, true, Some(MAX_PLACE));
        }
        let o = &h.other_info;
        self.text(&format!("{m}/OtherInfo/SphereOfPromulgation"), &o.sphere_of_promulgation, false, None);
        self.text(&format!("{m}/OtherInfo/TyperNotation"), &o.typer_notation, false, None);
        for (i, a) in o.appendixes.iter().enumerate() {
            self.text(&format!("{m}/OtherInfo/Appendixes/Appendix[{}]", i + 1), a, true, Some(MAX_APPENDIX));
        }
        for (i, r) in h.response_for.iter().enumerate() {
            self.response_for(&format!("{m}/ResponseFor[{}]", i + 1), r);
        }
    }

    fn document_type(&mut self, h: &MessageHeader) {
        let path = "MessageHeader/DocumentType/Type";
        let dt = &h.document_type;
        self.text("MessageHeader/DocumentType/TypeName", &dt.name, true, None);
        let by_name = doctype::type_number_by_name(&dt.name);
        match &dt.code {
            TypeCode::Number(0) => self.push(Problem::invalid_value(
                path,
                codes::INVALID_DOCUMENT_TYPE,
                "0",
                "số loại văn bản bắt đầu từ 1",
                "document type numbers start at 1",
            )),
            TypeCode::Number(n) => {
                if let Some(expected) = by_name.filter(|e| e != n) {
                    self.push(Problem::invalid_value(
                        path,
                        codes::INVALID_DOCUMENT_TYPE,
                        &n.to_string(),
                        &format!("TypeName “{}” là loại số {expected}", dt.name.trim()),
                        &format!("TypeName “{}” is type number {expected}", dt.name.trim()),
                    ));
                }
            }
            TypeCode::Group(g) => {
                let t = g.trim();
                if let Some(c) = first_bad_char(g) {
                    self.push(Problem::invalid_char(path, c));
                } else if t.is_empty() {
                    self.push(Problem::required(path));
                } else if t.bytes().all(|b| b.is_ascii_digit())
                    || doctype::type_number_by_abbreviation(t).is_some()
                    || by_name.is_some()
                {
                    self.push(Problem::invalid_value(
                        path,
                        codes::INVALID_DOCUMENT_TYPE,
                        t,
                        "mã nhóm này tương ứng với một số loại văn bản; hãy ghi số",
                        "this group code stands for a type number; write the number",
                    ));
                }
            }
        }
    }

    fn business(&mut self, b: &Business) {
        let p = "TraceHeaderList/Bussiness";
        self.text(&format!("{p}/BussinessDocReason"), &b.reason, false, None);
        self.staff(&format!("{p}/StaffInfo"), &b.staff);
        match b.doc_type {
            BusinessDocType::Update if b.document_info.is_none() => {
                self.push(Problem::required(&format!("{p}/BussinessDocumentInfo")));
            }
            BusinessDocType::Replace if b.replacements.is_empty() => {
                self.push(Problem::required(&format!("{p}/ReplacementInfoList/ReplacementInfo")));
            }
            _ => {}
        }
        if let Some(info) = &b.document_info {
            let mut seen = HashSet::new();
            for (i, r) in info.receivers.iter().enumerate() {
                let id = r.organ_id.as_str();
                if !id.is_empty() && !seen.insert((r.receiver_type, id)) {
                    self.push(Problem::duplicate(
                        &format!("{p}/BussinessDocumentInfo/ReceiverList/Receiver[{}]/OrganId", i + 1),
                        id,
                    ));
                }
            }
        }
    }

    fn attachments(&mut self, list: &[Attachment]) {
        let mut seen = HashSet::new();
        for (i, a) in list.iter().enumerate() {
            let p = format!("AttachmentEncoded/Attachment[{}]", i + 1);
            let id_path = format!("{p}/ContentId");
            if let Some(c) = first_bad_char(&a.content_id) {
                self.push(Problem::invalid_char(&id_path, c));
            } else if a.content_id.trim().is_empty() {
                self.push(Problem::required(&id_path));
            } else if plain_content_id(&a.content_id) != a.content_id.trim()
                || a.content_id.chars().any(char::is_whitespace)
            {
                self.push(Problem::invalid_value(
                    &id_path,
                    codes::INVALID_CONTENT_ID,
                    &a.content_id,
                    "ghi mã nội dung không kèm tiền tố cid:, dấu <> hay khoảng trắng",
                    "write the content id without a cid: prefix, angle brackets or spaces",
                ));
            } else if !seen.insert(a.content_id.trim()) {
                self.push(Problem::duplicate(&id_path, a.content_id.trim()));
            }
            self.text(&format!("{p}/AttachmentName"), &a.name, true, Some(MAX_ATTACHMENT_NAME));
            self.text(&format!("{p}/Description"), &a.description, false, None);
            self.text(&format!("{p}/ContentType"), &a.content_type, true, None);
        }
    }
}

/// Every problem of a document package (empty when it is valid), at most [`MAX_PROBLEMS`].
pub fn validate_package(p: &Package) -> Vec<Problem> {
    let mut v = V::default();
    v.header(&p.header);
    if let Some(b) = &p.trace.business {
        v.business(b);
    }
    v.attachments(&p.attachments);
    v.problems
}

/// Every problem of a status package (empty when it is valid), at most [`MAX_PROBLEMS`].
pub fn validate_status(s: &StatusPackage) -> Vec<Problem> {
    let mut v = V::default();
    v.response_for("Status/ResponseFor", &s.response_for);
    v.organization("Status/From", &s.from, false);
    v.recipients("Status/To", &s.to, false);
    v.text("Status/Description", &s.description, false, None);
    v.staff("Status/StaffInfo", &s.staff);
    v.problems
}
