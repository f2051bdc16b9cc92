//! The document package: `edXML` → `edXMLEnvelope` (header, trace list, signature, manifest) and
//! `AttachmentEncoded`, the manifest matched with the attachments.

use std::collections::HashMap;

use base64::engine::{DecodePaddingMode, GeneralPurpose, GeneralPurposeConfig};
use base64::Engine as _;

use super::cursor::{convert_xml_error, join, namespace_of, Cursor, El};
use super::{notes, Message, Note, ReadPackage, SignatureSpans};
use crate::doctype;
use crate::error::{codes, EdxmlError, ErrorKind, Problem};
use crate::model::*;
use crate::text::plain_content_id;
use crate::validate::validate_package;
use crate::values::{AgencyCode, Date, DocumentId, Timestamp};
use crate::zipped;

impl<'a> Cursor<'a> {
    fn document_type(&mut self, el: &El<'a>, path: &str) -> Result<Option<DocumentType>, EdxmlError> {
        let mut ty: Option<String> = None;
        let mut name: Option<String> = None;
        let mut detail: Option<String> = None;
        if !el.empty {
            while let Some(ch) = self.child(path)? {
                let p = join(path, &ch.name);
                match ch.name.as_str() {
                    "Type" => self.text_once(&ch, &p, &mut ty)?,
                    "TypeName" => self.text_once(&ch, &p, &mut name)?,
                    "TypeDetail" => self.text_once(&ch, &p, &mut detail)?,
                    _ => self.unknown(&ch, path)?,
                }
            }
        }
        let ty = ty.unwrap_or_default();
        let mut name = name.unwrap_or_default();
        let type_path = join(path, "Type");
        let by_name = doctype::type_number_by_name(&name);
        let detail_num = detail
            .as_deref()
            .filter(|d| !d.is_empty() && d.len() <= 5 && d.bytes().all(|b| b.is_ascii_digit()))
            .and_then(|d| d.parse::<u16>().ok())
            .filter(|n| doctype::type_name(*n).is_some());
        let ty_num = if !ty.is_empty() && ty.len() <= 5 && ty.bytes().all(|b| b.is_ascii_digit()) {
            ty.parse::<u16>().ok()
        } else {
            None
        };
        let code = if let Some(n) = by_name {
            if ty_num != Some(n) {
                self.note(&type_path, notes::TYPE_RESOLVED, format!("Type “{ty}”, TypeName “{name}” → {n}"));
            }
            TypeCode::Number(n)
        } else if let Some(n) = detail_num {
            self.note(&type_path, notes::TYPE_RESOLVED, format!("Type “{ty}”, TypeDetail {n} → {n}"));
            TypeCode::Number(n)
        } else if let Some(n) = ty_num {
            TypeCode::Number(n)
        } else if let Some(n) = doctype::type_number_by_abbreviation(&ty) {
            self.note(&type_path, notes::TYPE_RESOLVED, format!("Type “{ty}” → {n}"));
            TypeCode::Number(n)
        } else if ty.is_empty() {
            self.problem(Problem::required(&type_path));
            return Ok(None);
        } else {
            TypeCode::Group(ty)
        };
        if name.is_empty() {
            if let TypeCode::Number(n) = code {
                if let Some(known) = doctype::type_name(n) {
                    self.note(&join(path, "TypeName"), notes::TYPE_NAME_FILLED, known);
                    name = known.to_owned();
                }
            }
        }
        Ok(Some(DocumentType { code, name }))
    }

    fn message_header(&mut self, el: &El<'a>, path: &str) -> Result<MessageHeader, EdxmlError> {
        let mut from: Option<Organization> = None;
        let mut to: Vec<Organization> = Vec::new();
        let mut code: Option<Code> = None;
        let mut promulgation: Option<(String, Option<Date>)> = None;
        let mut document_type: Option<Option<DocumentType>> = None;
        let mut subject: Option<String> = None;
        let mut content: Option<String> = None;
        let mut signer: Option<SignerInfo> = None;
        let mut due_date: Option<Option<Date>> = None;
        let mut to_places: Option<Vec<String>> = None;
        let mut other: Option<OtherInfo> = None;
        let mut response_for: Vec<ResponseFor> = Vec::new();
        let mut steering: Option<SteeringType> = None;
        let mut document_id: Option<Option<DocumentId>> = None;

        if !el.empty {
            while let Some(ch) = self.child(path)? {
                let p = join(path, &ch.name);
                match ch.name.as_str() {
                    "From" => {
                        if from.is_some() {
                            self.problem(Problem::repeated(&p));
                            self.skip(&ch)?;
                        } else {
                            from = Some(self.organization(&ch, &p)?);
                        }
                    }
                    "To" => {
                        let p = format!("{p}[{}]", to.len() + 1);
                        to.push(self.organization(&ch, &p)?);
                    }
                    "Code" => self.struct_once(&ch, &p, &mut code, |c, e, p| c.code(e, p))?,
                    "PromulgationInfo" => {
                        self.struct_once(&ch, &p, &mut promulgation, |c, e, p| c.promulgation(e, p))?
                    }
                    "DocumentType" => self.struct_once(&ch, &p, &mut document_type, |c, e, p| c.document_type(e, p))?,
                    "Subject" => self.text_once(&ch, &p, &mut subject)?,
                    "Content" => self.text_once(&ch, &p, &mut content)?,
                    "SignerInfo" => self.struct_once(&ch, &p, &mut signer, |c, e, p| c.signer(e, p))?,
                    "DueDate" => self.value_once(&ch, &p, &mut due_date, |c, t, p| c.opt_date(t, p))?,
                    "ToPlaces" => self.struct_once(&ch, &p, &mut to_places, |c, e, p| c.text_list(e, p, "Place"))?,
                    "OtherInfo" => self.struct_once(&ch, &p, &mut other, |c, e, p| c.other_info(e, p))?,
                    "ResponseFor" => {
                        let p = format!("{p}[{}]", response_for.len() + 1);
                        response_for.push(self.response_for(&ch, &p)?);
                    }
                    "SteeringType" => self.value_once(&ch, &p, &mut steering, |c, t, p| {
                        let n = c.small_code(t, p, Some(0), codes::UNKNOWN_STEERING_TYPE)?;
                        let v = SteeringType::from_code(n);
                        if v.is_none() {
                            c.problem(Problem::invalid_value(
                                p,
                                codes::UNKNOWN_STEERING_TYPE,
                                t,
                                "chỉ nhận 0 (thường), 1 (chỉ đạo), 2 (báo cáo văn bản chỉ đạo)",
                                "only 0 (ordinary), 1 (steering), 2 (report on a steering document)",
                            ));
                        }
                        v
                    })?,
                    "DocumentId" => {
                        let mut seen = document_id.is_some();
                        if !self.repeated_struct(&mut seen, &ch, &p)? {
                            let t = self.text(&ch, &p)?;
                            document_id = Some(self.document_id(&t, &p));
                        }
                    }
                    _ => self.unknown(&ch, path)?,
                }
            }
        }

        let from = match from {
            Some(f) => f,
            None => {
                self.problem(Problem::required(&join(path, "From")));
                Organization::new(AgencyCode::placeholder(), "")
            }
        };
        let (place, date) = match promulgation {
            Some((place, date)) => (place, date.unwrap_or_else(Date::placeholder)),
            None => {
                self.problem(Problem::required(&join(path, "PromulgationInfo/PromulgationDate")));
                (String::new(), Date::placeholder())
            }
        };
        let document_type = match document_type {
            Some(Some(t)) => t,
            Some(None) => DocumentType { code: TypeCode::Number(1), name: "-".to_owned() },
            None => {
                self.problem(Problem::required(&join(path, "DocumentType/Type")));
                DocumentType { code: TypeCode::Number(1), name: "-".to_owned() }
            }
        };
        let document_id = match document_id {
            Some(Some(d)) => d,
            Some(None) => DocumentId::placeholder(),
            None => {
                self.problem(Problem::required(&join(path, "DocumentId")));
                DocumentId::placeholder()
            }
        };
        let code = code.unwrap_or_default();
        let mismatch = document_id.organ_id() != &from.organ_id
            || document_id.date() != date
            || document_id.number() != code.number
            || document_id.notation() != code.notation;
        if mismatch && self.problems.is_empty() {
            let p = join(path, "DocumentId");
            if self.opts.lenient {
                self.note(&p, notes::DOCUMENT_ID_MISMATCH, document_id.to_string());
            } else {
                let expected = format!("{},{},{}/{}", from.organ_id, date, code.number, code.notation);
                let shown = crate::error::shorten(&document_id.to_string());
                self.problem(Problem::new(
                    p.clone(),
                    codes::DOCUMENT_ID_MISMATCH,
                    format!("DocumentId “{shown}” không khớp với From/OrganId, Code và PromulgationDate (cần “{expected}”) ({p})."),
                    format!("The DocumentId “{shown}” does not match From/OrganId, Code and PromulgationDate (expected “{expected}”) ({p})."),
                ));
            }
        }
        Ok(MessageHeader {
            from,
            to,
            code,
            promulgation: PromulgationInfo { place, date },
            document_type,
            subject: subject.unwrap_or_default(),
            content: content.unwrap_or_default(),
            signer: signer.unwrap_or_default(),
            due_date: due_date.flatten(),
            to_places: to_places.unwrap_or_default(),
            other_info: other.unwrap_or_default(),
            response_for,
            steering_type: steering.unwrap_or_default(),
            document_id,
        })
    }

    fn code(&mut self, el: &El<'a>, path: &str) -> Result<Code, EdxmlError> {
        let mut number = None;
        let mut notation = None;
        if !el.empty {
            while let Some(ch) = self.child(path)? {
                let p = join(path, &ch.name);
                match ch.name.as_str() {
                    "CodeNumber" => self.text_once(&ch, &p, &mut number)?,
                    "CodeNotation" => self.text_once(&ch, &p, &mut notation)?,
                    _ => self.unknown(&ch, path)?,
                }
            }
        }
        Ok(Code { number: number.unwrap_or_default(), notation: notation.unwrap_or_default() })
    }

    /// `PromulgationInfo`: place and date (`None` if missing or invalid: a problem is recorded).
    fn promulgation(&mut self, el: &El<'a>, path: &str) -> Result<(String, Option<Date>), EdxmlError> {
        let mut place = None;
        let mut date: Option<Option<Date>> = None;
        let mut date_seen = false;
        if !el.empty {
            while let Some(ch) = self.child(path)? {
                let p = join(path, &ch.name);
                match ch.name.as_str() {
                    "Place" => self.text_once(&ch, &p, &mut place)?,
                    "PromulgationDate" => {
                        if !self.repeated_struct(&mut date_seen, &ch, &p)? {
                            let t = self.text(&ch, &p)?;
                            if t.is_empty() {
                                self.problem(Problem::required(&p));
                                date = Some(None);
                            } else {
                                date = Some(self.date(&t, &p));
                            }
                        }
                    }
                    _ => self.unknown(&ch, path)?,
                }
            }
        }
        if !date_seen {
            self.problem(Problem::required(&join(path, "PromulgationDate")));
        }
        Ok((place.unwrap_or_default(), date.flatten()))
    }

    fn signer(&mut self, el: &El<'a>, path: &str) -> Result<SignerInfo, EdxmlError> {
        let mut f: [Option<String>; 3] = Default::default();
        if !el.empty {
            while let Some(ch) = self.child(path)? {
                let p = join(path, &ch.name);
                let idx = match ch.name.as_str() {
                    "Competence" => 0,
                    "Position" => 1,
                    "FullName" => 2,
                    _ => {
                        self.unknown(&ch, path)?;
                        continue;
                    }
                };
                self.text_once(&ch, &p, &mut f[idx])?;
            }
        }
        let [a, b, c] = f;
        Ok(SignerInfo {
            competence: a.unwrap_or_default(),
            position: b.unwrap_or_default(),
            full_name: c.unwrap_or_default(),
        })
    }

    fn other_info(&mut self, el: &El<'a>, path: &str) -> Result<OtherInfo, EdxmlError> {
        let mut priority: Option<Priority> = None;
        let mut sphere = None;
        let mut typer = None;
        let mut promulgation_amount: Option<Option<u32>> = None;
        let mut page_amount: Option<Option<u32>> = None;
        let mut appendixes: Option<Vec<String>> = None;
        if !el.empty {
            while let Some(ch) = self.child(path)? {
                let p = join(path, &ch.name);
                match ch.name.as_str() {
                    "Priority" => self.value_once(&ch, &p, &mut priority, |c, t, p| {
                        let n = c.small_code(t, p, Some(0), codes::UNKNOWN_PRIORITY)?;
                        let v = Priority::from_code(n);
                        if v.is_none() {
                            c.problem(Problem::invalid_value(
                                p,
                                codes::UNKNOWN_PRIORITY,
                                t,
                                "chỉ nhận 0 (thường), 1 (khẩn), 2 (thượng khẩn), 3 (hỏa tốc), 4 (hỏa tốc hẹn giờ)",
                                "only 0 (normal), 1 (urgent), 2 (very urgent), 3 (flash), 4 (flash, scheduled)",
                            ));
                        }
                        v
                    })?,
                    "SphereOfPromulgation" => self.text_once(&ch, &p, &mut sphere)?,
                    "TyperNotation" => self.text_once(&ch, &p, &mut typer)?,
                    "PromulgationAmount" => {
                        self.value_once(&ch, &p, &mut promulgation_amount, |c, t, p| c.amount(t, p))?
                    }
                    "PageAmount" => self.value_once(&ch, &p, &mut page_amount, |c, t, p| c.amount(t, p))?,
                    "Appendixes" => {
                        self.struct_once(&ch, &p, &mut appendixes, |c, e, p| c.text_list(e, p, "Appendix"))?
                    }
                    _ => self.unknown(&ch, path)?,
                }
            }
        }
        Ok(OtherInfo {
            priority: priority.unwrap_or_default(),
            sphere_of_promulgation: sphere.unwrap_or_default(),
            typer_notation: typer.unwrap_or_default(),
            promulgation_amount: promulgation_amount.flatten(),
            page_amount: page_amount.flatten(),
            appendixes: appendixes.unwrap_or_default(),
        })
    }

    fn trace_header(&mut self, el: &El<'a>, path: &str) -> Result<TraceHeader, EdxmlError> {
        let mut organ: Option<AgencyCode> = None;
        let mut organ_seen = false;
        let mut ts: Option<Timestamp> = None;
        let mut ts_seen = false;
        if !el.empty {
            while let Some(ch) = self.child(path)? {
                let p = join(path, &ch.name);
                match ch.name.as_str() {
                    "OrganId" => {
                        if !self.repeated_struct(&mut organ_seen, &ch, &p)? {
                            let t = self.text(&ch, &p)?;
                            organ = self.agency(&t, &p);
                        }
                    }
                    "Timestamp" => {
                        if !self.repeated_struct(&mut ts_seen, &ch, &p)? {
                            let t = self.text(&ch, &p)?;
                            ts = self.timestamp(&t, &p);
                        }
                    }
                    _ => self.unknown(&ch, path)?,
                }
            }
        }
        if !organ_seen {
            self.problem(Problem::required(&join(path, "OrganId")));
        }
        if !ts_seen {
            self.problem(Problem::required(&join(path, "Timestamp")));
        }
        Ok(TraceHeader {
            organ_id: organ.unwrap_or_else(AgencyCode::placeholder),
            timestamp: ts.unwrap_or_else(Timestamp::placeholder),
        })
    }

    fn business(&mut self, el: &El<'a>, path: &str) -> Result<Business, EdxmlError> {
        let mut doc_type: Option<BusinessDocType> = None;
        let mut doc_type_seen = false;
        let mut reason = None;
        let mut paper: Option<bool> = None;
        let mut staff: Option<StaffInfo> = None;
        let mut info: Option<BusinessDocumentInfo> = None;
        let mut replacements: Option<Vec<ReplacementInfo>> = None;
        if !el.empty {
            while let Some(ch) = self.child(path)? {
                let p = join(path, &ch.name);
                match ch.name.as_str() {
                    "BussinessDocType" => {
                        if !self.repeated_struct(&mut doc_type_seen, &ch, &p)? {
                            let t = self.text(&ch, &p)?;
                            if let Some(n) = self.small_code(&t, &p, None, codes::UNKNOWN_BUSINESS_TYPE) {
                                doc_type = BusinessDocType::from_code(n);
                                if doc_type.is_none() {
                                    self.problem(Problem::invalid_value(
                                        &p,
                                        codes::UNKNOWN_BUSINESS_TYPE,
                                        &t,
                                        "chỉ nhận 0 (mới), 1 (thu hồi), 2 (cập nhật), 3 (thay thế)",
                                        "only 0 (new), 1 (revoke), 2 (update), 3 (replace)",
                                    ));
                                }
                            }
                        }
                    }
                    "BussinessDocReason" => self.text_once(&ch, &p, &mut reason)?,
                    "Paper" => self.value_once(&ch, &p, &mut paper, |c, t, p| c.flag(t, p))?,
                    "StaffInfo" => self.struct_once(&ch, &p, &mut staff, |c, e, p| c.staff(e, p))?,
                    "BussinessDocumentInfo" => {
                        self.struct_once(&ch, &p, &mut info, |c, e, p| c.business_document_info(e, p))?
                    }
                    "ReplacementInfoList" => {
                        self.struct_once(&ch, &p, &mut replacements, |c, e, p| c.replacements(e, p))?
                    }
                    _ => self.unknown(&ch, path)?,
                }
            }
        }
        if !doc_type_seen {
            self.problem(Problem::required(&join(path, "BussinessDocType")));
        }
        Ok(Business {
            doc_type: doc_type.unwrap_or_default(),
            reason: reason.unwrap_or_default(),
            paper: paper.unwrap_or_default(),
            staff: staff.unwrap_or_default(),
            document_info: info,
            replacements: replacements.unwrap_or_default(),
        })
    }

    fn business_document_info(&mut self, el: &El<'a>, path: &str) -> Result<BusinessDocumentInfo, EdxmlError> {
        let mut document_info: Option<bool> = None;
        let mut document_receiver: Option<bool> = None;
        let mut receivers: Option<Vec<Receiver>> = None;
        if !el.empty {
            while let Some(ch) = self.child(path)? {
                let p = join(path, &ch.name);
                match ch.name.as_str() {
                    "DocumentInfo" => self.value_once(&ch, &p, &mut document_info, |c, t, p| c.flag(t, p))?,
                    "DocumentReceiver" => self.value_once(&ch, &p, &mut document_receiver, |c, t, p| c.flag(t, p))?,
                    "ReceiverList" => self.struct_once(&ch, &p, &mut receivers, |c, e, p| c.receivers(e, p))?,
                    _ => self.unknown(&ch, path)?,
                }
            }
        }
        Ok(BusinessDocumentInfo {
            document_info: document_info.unwrap_or_default(),
            document_receiver: document_receiver.unwrap_or_default(),
            receivers: receivers.unwrap_or_default(),
        })
    }

    fn receivers(&mut self, el: &El<'a>, path: &str) -> Result<Vec<Receiver>, EdxmlError> {
        let mut out = Vec::new();
        if el.empty {
            return Ok(out);
        }
        while let Some(ch) = self.child(path)? {
            if ch.name != "Receiver" {
                self.unknown(&ch, path)?;
                continue;
            }
            let rp = format!("{path}/Receiver[{}]", out.len() + 1);
            let mut rtype: Option<u8> = None;
            let mut organ: Option<AgencyCode> = None;
            let mut organ_seen = false;
            if !ch.empty {
                while let Some(g) = self.child(&rp)? {
                    let p = join(&rp, &g.name);
                    match g.name.as_str() {
                        "ReceiverType" => self.value_once(&g, &p, &mut rtype, |c, t, p| {
                            c.small_code(t, p, None, codes::INVALID_NUMBER)
                        })?,
                        "OrganId" => {
                            if !self.repeated_struct(&mut organ_seen, &g, &p)? {
                                let t = self.text(&g, &p)?;
                                organ = self.agency(&t, &p);
                            }
                        }
                        _ => self.unknown(&g, &rp)?,
                    }
                }
            }
            if !organ_seen {
                self.problem(Problem::required(&join(&rp, "OrganId")));
            }
            out.push(Receiver {
                receiver_type: rtype.unwrap_or_default(),
                organ_id: organ.unwrap_or_else(AgencyCode::placeholder),
            });
        }
        Ok(out)
    }

    fn replacements(&mut self, el: &El<'a>, path: &str) -> Result<Vec<ReplacementInfo>, EdxmlError> {
        let mut out = Vec::new();
        if el.empty {
            return Ok(out);
        }
        while let Some(ch) = self.child(path)? {
            if ch.name != "ReplacementInfo" {
                self.unknown(&ch, path)?;
                continue;
            }
            let rp = format!("{path}/ReplacementInfo[{}]", out.len() + 1);
            let mut id: Option<DocumentId> = None;
            let mut id_seen = false;
            let mut organs: Vec<AgencyCode> = Vec::new();
            if !ch.empty {
                while let Some(g) = self.child(&rp)? {
                    let p = join(&rp, &g.name);
                    match g.name.as_str() {
                        "DocumentId" => {
                            if !self.repeated_struct(&mut id_seen, &g, &p)? {
                                let t = self.text(&g, &p)?;
                                id = self.document_id(&t, &p);
                            }
                        }
                        "OrganIdList" => {
                            if !g.empty {
                                while let Some(o) = self.child(&p)? {
                                    if o.name == "OrganId" {
                                        let op = format!("{p}/OrganId[{}]", organs.len() + 1);
                                        let t = self.text(&o, &op)?;
                                        if let Some(c) = self.agency(&t, &op) {
                                            organs.push(c);
                                        }
                                    } else {
                                        self.unknown(&o, &p)?;
                                    }
                                }
                            }
                        }
                        _ => self.unknown(&g, &rp)?,
                    }
                }
            }
            if !id_seen {
                self.problem(Problem::required(&join(&rp, "DocumentId")));
            }
            out.push(ReplacementInfo { document_id: id.unwrap_or_else(DocumentId::placeholder), organ_ids: organs });
        }
        Ok(out)
    }

    fn trace_list(&mut self, el: &El<'a>, path: &str, out: &mut TraceHeaderList) -> Result<(), EdxmlError> {
        if el.empty {
            return Ok(());
        }
        while let Some(ch) = self.child(path)? {
            match ch.name.as_str() {
                "TraceHeader" => {
                    let p = format!("{path}/TraceHeader[{}]", out.traces.len() + 1);
                    let th = self.trace_header(&ch, &p)?;
                    out.traces.push(th);
                }
                "Bussiness" => self.business_once(&ch, out)?,
                _ => self.unknown(&ch, path)?,
            }
        }
        Ok(())
    }

    fn business_once(&mut self, el: &El<'a>, out: &mut TraceHeaderList) -> Result<(), EdxmlError> {
        let p = "TraceHeaderList/Bussiness";
        if out.business.is_some() {
            self.problem(Problem::repeated(p));
            self.skip(el)?;
            return Ok(());
        }
        out.business = Some(self.business(el, p)?);
        Ok(())
    }

    fn reference(&mut self, el: &El<'a>, path: &str) -> Result<RawRef, EdxmlError> {
        self.reference_count += 1;
        self.check_attachment_count(self.reference_count, path)?;
        let mut href: Option<String> = None;
        for attr in el.tag.attributes() {
            let attr = attr.map_err(|e| convert_xml_error(e.into(), el.start))?;
            if attr.key.local_name().as_ref() == "href" {
                let v = attr
                    .normalized_value(quick_xml::XmlVersion::Implicit1_0)
                    .map_err(|e| convert_xml_error(e, el.start))?;
                href = Some(v.into_owned());
            }
        }
        let mut f: [Option<String>; 4] = Default::default();
        if !el.empty {
            while let Some(ch) = self.child(path)? {
                let p = join(path, &ch.name);
                let idx = match ch.name.as_str() {
                    "ContentId" => 0,
                    "AttachmentName" => 1,
                    "Description" => 2,
                    "ContentType" => 3,
                    _ => {
                        self.unknown(&ch, path)?;
                        continue;
                    }
                };
                self.text_once(&ch, &p, &mut f[idx])?;
            }
        }
        let [cid, name, description, content_type] = f;
        let id_source = href.filter(|h| !h.trim().is_empty()).or(cid).unwrap_or_default();
        let content_id = plain_content_id(&id_source).to_owned();
        if content_id.is_empty() {
            self.problem(Problem::required(&format!("{path}/@href")));
        }
        Ok(RawRef {
            path: path.to_owned(),
            content_id,
            name: name.unwrap_or_default(),
            description: description.unwrap_or_default(),
            content_type: content_type.unwrap_or_default(),
        })
    }

    fn check_attachment_count(&self, n: usize, path: &str) -> Result<(), EdxmlError> {
        let max = self.opts.limits.max_attachments;
        if n > max {
            return Err(EdxmlError::one(
                ErrorKind::TooLarge,
                Problem::new(
                    path,
                    codes::LIMIT_ATTACHMENTS,
                    format!("Gói tin có hơn {max} tệp đính kèm."),
                    format!("The package has more than {max} attachments."),
                ),
            ));
        }
        Ok(())
    }

    /// Decodes `ContentTransferEncoded`: base64 with or without padding, line breaks allowed.
    fn decode_base64(&mut self, text: &str, path: &str) -> Result<Option<Vec<u8>>, EdxmlError> {
        let max = self.opts.limits.max_attachment_bytes;
        let engine = GeneralPurpose::new(
            &base64::alphabet::STANDARD,
            GeneralPurposeConfig::new()
                .with_decode_padding_mode(DecodePaddingMode::Indifferent)
                .with_decode_allow_trailing_bits(true),
        );
        let plain = text.trim();
        // The usual case, one unbroken line, decodes straight from the input.
        let first_try = if plain.len() / 4 * 3 <= max.saturating_add(3) { engine.decode(plain).ok() } else { None };
        let decoded = match first_try {
            Some(d) => Ok(d),
            None => {
                // Count before copying: an oversized attachment is refused without a second copy.
                let len = plain.bytes().filter(|b| !b.is_ascii_whitespace()).count();
                if len / 4 * 3 > max.saturating_add(3) {
                    return Err(self.attachment_too_large(path));
                }
                let compact: Vec<u8> = plain.bytes().filter(|b| !b.is_ascii_whitespace()).collect();
                engine.decode(compact)
            }
        };
        match decoded {
            Ok(d) if d.len() > max => Err(self.attachment_too_large(path)),
            Ok(d) => Ok(Some(d)),
            Err(e) => {
                self.problem(Problem::invalid_value(
                    path,
                    codes::INVALID_BASE64,
                    &e.to_string(),
                    "nội dung tệp phải được mã hóa base64",
                    "the file content must be base64",
                ));
                Ok(None)
            }
        }
    }

    fn attachment_too_large(&self, path: &str) -> EdxmlError {
        let max = self.opts.limits.max_attachment_bytes;
        EdxmlError::one(
            ErrorKind::TooLarge,
            Problem::new(
                path,
                codes::LIMIT_ATTACHMENT_BYTES,
                format!("Tệp đính kèm lớn hơn {max} byte ({path})."),
                format!("The attachment is larger than {max} bytes ({path})."),
            ),
        )
    }

    fn attachment(&mut self, el: &El<'a>, path: &str) -> Result<RawAttachment, EdxmlError> {
        self.attachment_count += 1;
        self.check_attachment_count(self.attachment_count, path)?;
        let mut f: [Option<String>; 4] = Default::default();
        let mut data: Option<Option<Vec<u8>>> = None;
        if !el.empty {
            while let Some(ch) = self.child(path)? {
                let p = join(path, &ch.name);
                let idx = match ch.name.as_str() {
                    "ContentId" => 0,
                    "AttachmentName" => 1,
                    "Description" => 2,
                    "ContentType" => 3,
                    "ContentTransferEncoded" => {
                        if data.is_some() {
                            self.problem(Problem::repeated(&p));
                            self.skip(&ch)?;
                        } else {
                            let t = self.raw_text(&ch, &p)?;
                            data = Some(self.decode_base64(&t, &p)?);
                        }
                        continue;
                    }
                    _ => {
                        self.unknown(&ch, path)?;
                        continue;
                    }
                };
                self.text_once(&ch, &p, &mut f[idx])?;
            }
        }
        let [cid, name, description, content_type] = f;
        let content_id = plain_content_id(cid.as_deref().unwrap_or_default()).to_owned();
        let name = name.unwrap_or_default();
        let mut data = match data {
            Some(d) => d.unwrap_or_default(),
            None => {
                self.problem(Problem::required(&join(path, "ContentTransferEncoded")));
                Vec::new()
            }
        };
        if self.opts.unzip_attachments && zipped::looks_zipped(&data, &name) {
            let max = self.opts.limits.max_attachment_bytes;
            match zipped::unwrap_single(&data, max, path)? {
                Some((inner, entry)) => {
                    self.note(path, notes::ZIPPED_ATTACHMENT, entry);
                    data = inner;
                }
                None if !cfg!(feature = "zip") => self.note(path, notes::MAYBE_ZIPPED, name.clone()),
                None => {}
            }
        }
        Ok(RawAttachment {
            path: path.to_owned(),
            content_id,
            name,
            description: description.unwrap_or_default(),
            content_type: content_type.unwrap_or_default(),
            data,
        })
    }

    /// The root `edXML`: a document package, or a status package in the layout many systems send
    /// (`edXMLEnvelope/edXMLHeader/Status`, the body empty).
    pub(super) fn package(&mut self, root: El<'a>) -> Result<Message, EdxmlError> {
        let namespace = namespace_of(&root, &[])?;
        let mut header: Option<MessageHeader> = None;
        let mut status: Option<Option<StatusPackage>> = None;
        let mut trace = TraceHeaderList::default();
        let mut trace_seen = false;
        let mut spans = SignatureSpans::default();
        let mut envelope_seen = false;
        let mut refs: Vec<RawRef> = Vec::new();
        let mut atts: Vec<RawAttachment> = Vec::new();

        if !root.empty {
            while let Some(el) = self.child("edXML")? {
                match el.name.as_str() {
                    "edXMLEnvelope" => {
                        if envelope_seen {
                            self.problem(Problem::repeated("edXMLEnvelope"));
                            self.skip(&el)?;
                            continue;
                        }
                        envelope_seen = true;
                        let mut parts = EnvelopeParts {
                            header: &mut header,
                            status: &mut status,
                            trace: &mut trace,
                            trace_seen: &mut trace_seen,
                            spans: &mut spans,
                            refs: &mut refs,
                            atts: &mut atts,
                        };
                        let end = self.envelope(&el, &mut parts)?;
                        if status.is_none() {
                            spans.signed = el.start..end;
                        }
                    }
                    "AttachmentEncoded" => self.attachment_encoded(&el, &mut atts)?,
                    _ => self.unknown(&el, "")?,
                }
            }
        }
        self.epilog()?;
        self.namespace_verdict("edXML", root.start, namespace)?;

        if !envelope_seen {
            self.problem(Problem::required("edXMLEnvelope"));
        }
        if let Some(status) = status {
            if header.is_some() {
                self.problem(Problem::unexpected_element("edXMLHeader", "MessageHeader"));
            }
            if !atts.is_empty() || !refs.is_empty() {
                self.problem(Problem::unexpected_element("edXML", "AttachmentEncoded"));
            }
            return self.status_done(status, spans).map(|s| Message::Status(Box::new(s)));
        }
        let header = match header {
            Some(h) => h,
            None => {
                if envelope_seen {
                    self.problem(Problem::required("MessageHeader"));
                }
                return Err(EdxmlError::invalid(std::mem::take(&mut self.problems)));
            }
        };
        if !trace_seen {
            self.note("TraceHeaderList", notes::NO_TRACE_HEADER_LIST, "");
        }
        let attachments = self.match_attachments(refs, atts);
        let package = Package { header, trace, attachments };
        self.finish(validate_package(&package))?;
        Ok(Message::Package(Box::new(ReadPackage {
            package,
            signature: spans,
            notes: std::mem::take(&mut self.notes),
        })))
    }

    /// `AttachmentEncoded`: its `Attachment`s are added to `atts`.
    fn attachment_encoded(&mut self, el: &El<'a>, atts: &mut Vec<RawAttachment>) -> Result<(), EdxmlError> {
        if el.empty {
            return Ok(());
        }
        while let Some(a) = self.child("AttachmentEncoded")? {
            if a.name == "Attachment" {
                let p = format!("AttachmentEncoded/Attachment[{}]", atts.len() + 1);
                let raw = self.attachment(&a, &p)?;
                atts.push(raw);
            } else {
                self.unknown(&a, "AttachmentEncoded")?;
            }
        }
        Ok(())
    }

    fn match_attachments(&mut self, refs: Vec<RawRef>, atts: Vec<RawAttachment>) -> Vec<Attachment> {
        let mut used = vec![false; refs.len()];
        let mut by_id: HashMap<String, usize> = HashMap::new();
        for (i, r) in refs.iter().enumerate() {
            if !r.content_id.is_empty() {
                by_id.entry(r.content_id.clone()).or_insert(i);
            }
        }
        let mut out = Vec::with_capacity(atts.len());
        for a in atts {
            let found = by_id.get(&a.content_id).copied();
            let mut att = Attachment {
                content_id: a.content_id,
                name: a.name,
                description: a.description,
                content_type: a.content_type,
                data: a.data,
            };
            match found {
                Some(i) => {
                    used[i] = true;
                    let r = &refs[i];
                    for (mine, theirs, what) in [
                        (&mut att.name, &r.name, "AttachmentName"),
                        (&mut att.description, &r.description, "Description"),
                        (&mut att.content_type, &r.content_type, "ContentType"),
                    ] {
                        if mine.is_empty() {
                            mine.clone_from(theirs);
                        } else if !theirs.is_empty() && theirs != mine {
                            self.notes.push(Note {
                                path: format!("{}/{what}", a.path),
                                code: notes::REFERENCE_MISMATCH,
                                detail: crate::error::shorten(theirs),
                            });
                        }
                    }
                }
                None => self.note(&a.path, notes::ATTACHMENT_UNREFERENCED, att.content_id.clone()),
            }
            if att.content_type.is_empty() {
                att.content_type = "application/octet-stream".to_owned();
                self.note(&format!("{}/ContentType", a.path), notes::CONTENT_TYPE_FILLED, "");
            }
            out.push(att);
        }
        for (r, used) in refs.iter().zip(used) {
            if !used && !r.content_id.is_empty() {
                let shown = crate::error::shorten(&r.content_id);
                self.problem(Problem::new(
                    r.path.clone(),
                    codes::ATTACHMENT_MISSING,
                    format!("Tệp đính kèm “{shown}” có trong danh mục nhưng không có trong gói tin ({}).", r.path),
                    format!(
                        "The attachment “{shown}” is listed in the manifest but missing from the package ({}).",
                        r.path
                    ),
                ));
            }
        }
        out
    }

    /// Reads `edXMLEnvelope`; returns the offset after it.
    fn envelope(&mut self, el: &El<'a>, parts: &mut EnvelopeParts<'_>) -> Result<usize, EdxmlError> {
        if el.empty {
            self.problem(Problem::required("MessageHeader"));
            return Ok(self.pos());
        }
        let mut header_seen = false;
        let mut body_seen = false;
        while let Some(ch) = self.child("edXMLEnvelope")? {
            match ch.name.as_str() {
                "edXMLHeader" => {
                    if !self.repeated_struct(&mut header_seen, &ch, "edXMLHeader")? && !ch.empty {
                        while let Some(h) = self.child("edXMLHeader")? {
                            match h.name.as_str() {
                                "Status" => {
                                    if parts.status.is_some() {
                                        self.problem(Problem::repeated("Status"));
                                        self.skip(&h)?;
                                    } else {
                                        let (st, end) = self.status_body(&h, parts.spans)?;
                                        parts.spans.signed = h.start..end;
                                        *parts.status = Some(st);
                                    }
                                }
                                "MessageHeader" => {
                                    if parts.header.is_some() {
                                        self.problem(Problem::repeated("MessageHeader"));
                                        self.skip(&h)?;
                                    } else {
                                        *parts.header = Some(self.message_header(&h, "MessageHeader")?);
                                    }
                                }
                                "TraceHeaderList" => {
                                    if !self.repeated_struct(parts.trace_seen, &h, "TraceHeaderList")? {
                                        self.trace_list(&h, "TraceHeaderList", parts.trace)?;
                                    }
                                }
                                "Bussiness" => self.business_once(&h, parts.trace)?,
                                "DigitalSignature" | "Signature" => self.signature(&h, "edXMLHeader", parts.spans)?,
                                _ => self.unknown(&h, "edXMLHeader")?,
                            }
                        }
                    }
                }
                "edXMLBody" => {
                    if !self.repeated_struct(&mut body_seen, &ch, "edXMLBody")? && !ch.empty {
                        while let Some(b) = self.child("edXMLBody")? {
                            match b.name.as_str() {
                                "edXMLManifest" | "Manifest" => {
                                    if !b.empty {
                                        while let Some(r) = self.child("edXMLManifest")? {
                                            if r.name == "Reference" {
                                                let p = format!("edXMLManifest/Reference[{}]", parts.refs.len() + 1);
                                                let raw = self.reference(&r, &p)?;
                                                parts.refs.push(raw);
                                            } else {
                                                self.unknown(&r, "edXMLManifest")?;
                                            }
                                        }
                                    }
                                }
                                "AttachmentEncoded" => {
                                    self.note("edXMLBody/AttachmentEncoded", notes::ATTACHMENTS_IN_ENVELOPE, "");
                                    self.attachment_encoded(&b, parts.atts)?;
                                }
                                _ => self.unknown(&b, "edXMLBody")?,
                            }
                        }
                    }
                }
                "DigitalSignature" | "Signature" => self.signature(&ch, "edXMLEnvelope", parts.spans)?,
                "AttachmentEncoded" => {
                    self.note("edXMLEnvelope/AttachmentEncoded", notes::ATTACHMENTS_IN_ENVELOPE, "");
                    self.attachment_encoded(&ch, parts.atts)?;
                }
                _ => self.unknown(&ch, "edXMLEnvelope")?,
            }
        }
        Ok(self.pos())
    }
}

struct EnvelopeParts<'p> {
    header: &'p mut Option<MessageHeader>,
    /// A `Status` in the header (the status package layout of many systems).
    status: &'p mut Option<Option<StatusPackage>>,
    trace: &'p mut TraceHeaderList,
    trace_seen: &'p mut bool,
    spans: &'p mut SignatureSpans,
    refs: &'p mut Vec<RawRef>,
    atts: &'p mut Vec<RawAttachment>,
}

struct RawRef {
    path: String,
    content_id: String,
    name: String,
    description: String,
    content_type: String,
}

struct RawAttachment {
    path: String,
    content_id: String,
    name: String,
    description: String,
    content_type: String,
    data: Vec<u8>,
}
