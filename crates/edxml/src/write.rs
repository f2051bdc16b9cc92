//! The writer: one canonical spelling of a valid package.
//!
//! Output is UTF-8 with an XML declaration, two-space indentation, every element of the standard
//! present in the standard's order (empty ones as `<edXML:X/>`), dates `yyyy/MM/dd`, timestamps
//! `yyyy/MM/dd HH:mm:ss`, status codes with two digits, the `Bussiness` spelling, plain base64 on one
//! line, and an empty `edXML:DigitalSignature` element whose inside ([`Written::signature_slot`]) is
//! where an XML-DSig `Signature` goes.
//!
//! Document package: `edXML` (default namespace: QCVN 102) → `edXML:edXMLEnvelope` (declares the
//! `edXML` and `xlink` prefixes, so the envelope can be canonicalised on its own) → header and body,
//! then `AttachmentEncoded` outside the envelope, unprefixed, as the national platform writes it.
//! Status package: the SOAP form the national platform's SDK writes — `SOAP-ENV:Envelope` →
//! `SOAP-ENV:Header` → `edXML:Status` and the signature slot, then an empty `SOAP-ENV:Body`.

use std::ops::Range;

use base64::Engine as _;

use crate::error::EdxmlError;
use crate::model::{
    Attachment, Business, MessageHeader, Organization, Package, ResponseFor, StaffInfo, StatusPackage, TraceHeaderList,
    TypeCode,
};
use crate::text::{escape_attr_into, escape_text_into};
use crate::validate::{validate_package, validate_status};
use crate::values::Date;

/// The QCVN 102:2016 namespace.
pub const EDXML_NS: &str = "http://www.mic.gov.vn/TBT/QCVN_102_2016";
/// The XLink namespace (manifest references).
pub const XLINK_NS: &str = "http://www.w3.org/1999/xlink";
/// The SOAP 1.1 envelope namespace (status packages).
pub const SOAP_NS: &str = "http://schemas.xmlsoap.org/soap/envelope/";

/// A written package, and where a signature goes.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Written {
    /// The package bytes (UTF-8 XML).
    pub bytes: Vec<u8>,
    /// The element a signature covers: `edXML:edXMLEnvelope` (document) or `edXML:Status` (status).
    pub signed: Range<usize>,
    /// Byte offset inside the empty `edXML:DigitalSignature` element where a `Signature` goes.
    pub signature_slot: usize,
}

impl Written {
    /// The package with `signature_xml` (a complete `<ds:Signature …>…</ds:Signature>` element)
    /// placed in the signature slot. The caller is responsible for it being well-formed.
    pub fn with_signature(&self, signature_xml: &[u8]) -> Vec<u8> {
        let slot = self.signature_slot.min(self.bytes.len());
        let mut out = Vec::with_capacity(self.bytes.len() + signature_xml.len());
        out.extend_from_slice(&self.bytes[..slot]);
        out.extend_from_slice(signature_xml);
        out.extend_from_slice(&self.bytes[slot..]);
        out
    }
}

struct W {
    out: String,
    indent: usize,
}

impl W {
    fn new(capacity: usize) -> W {
        let mut out = String::with_capacity(capacity);
        out.push_str("<?xml version=\"1.0\" encoding=\"UTF-8\"?>");
        W { out, indent: 0 }
    }

    fn line(&mut self) {
        self.out.push('\n');
        for _ in 0..self.indent {
            self.out.push_str("  ");
        }
    }

    /// Opens `<name attrs>`; returns the offset of its `<`.
    fn open_with(&mut self, name: &str, attrs: &[(&str, &str)]) -> usize {
        self.line();
        let start = self.out.len();
        self.out.push('<');
        self.out.push_str(name);
        for (k, v) in attrs {
            self.out.push(' ');
            self.out.push_str(k);
            self.out.push_str("=\"");
            escape_attr_into(&mut self.out, v);
            self.out.push('"');
        }
        self.out.push('>');
        self.indent += 1;
        start
    }

    fn open(&mut self, name: &str) -> usize {
        self.open_with(name, &[])
    }

    /// Closes `</name>`; returns the offset just after it.
    fn close(&mut self, name: &str) -> usize {
        self.indent = self.indent.saturating_sub(1);
        self.line();
        self.out.push_str("</");
        self.out.push_str(name);
        self.out.push('>');
        self.out.len()
    }

    fn empty(&mut self, name: &str) {
        self.line();
        self.out.push('<');
        self.out.push_str(name);
        self.out.push_str("/>");
    }

    fn leaf(&mut self, name: &str, value: &str) {
        let v = value.trim();
        if v.is_empty() {
            self.empty(name);
            return;
        }
        self.line();
        self.out.push('<');
        self.out.push_str(name);
        self.out.push('>');
        escape_text_into(&mut self.out, v);
        self.out.push_str("</");
        self.out.push_str(name);
        self.out.push('>');
    }

    fn date(&mut self, name: &str, d: Option<Date>) {
        match d {
            Some(d) => self.leaf(name, &d.to_string()),
            None => self.empty(name),
        }
    }

    fn flag(&mut self, name: &str, b: bool) {
        self.leaf(name, if b { "1" } else { "0" });
    }

    fn number(&mut self, name: &str, n: Option<u32>) {
        match n {
            Some(n) => self.leaf(name, &n.to_string()),
            None => self.empty(name),
        }
    }

    fn list<T>(&mut self, name: &str, items: &[T], mut each: impl FnMut(&mut W, &T)) {
        if items.is_empty() {
            self.empty(name);
            return;
        }
        self.open(name);
        for item in items {
            each(self, item);
        }
        self.close(name);
    }

    fn organization(&mut self, name: &str, o: &Organization) {
        self.open(name);
        self.leaf("edXML:OrganId", o.organ_id.as_str());
        self.leaf("edXML:OrganizationInCharge", &o.organization_in_charge);
        self.leaf("edXML:OrganName", &o.organ_name);
        self.leaf("edXML:OrganAdd", &o.organ_add);
        self.leaf("edXML:Email", &o.email);
        self.leaf("edXML:Telephone", &o.telephone);
        self.leaf("edXML:Fax", &o.fax);
        self.leaf("edXML:Website", &o.website);
        self.close(name);
    }

    fn response_for(&mut self, r: &ResponseFor) {
        self.open("edXML:ResponseFor");
        self.leaf("edXML:OrganId", r.organ_id.as_str());
        self.leaf("edXML:Code", &r.code);
        self.date("edXML:PromulgationDate", r.promulgation_date);
        self.leaf("edXML:DocumentId", &r.document_id.to_string());
        self.close("edXML:ResponseFor");
    }

    fn staff(&mut self, s: &StaffInfo, email_before_mobile: bool) {
        self.open("edXML:StaffInfo");
        self.leaf("edXML:Department", &s.department);
        self.leaf("edXML:Staff", &s.staff);
        if email_before_mobile {
            self.leaf("edXML:Email", &s.email);
            self.leaf("edXML:Mobile", &s.mobile);
        } else {
            self.leaf("edXML:Mobile", &s.mobile);
            self.leaf("edXML:Email", &s.email);
        }
        self.close("edXML:StaffInfo");
    }

    fn message_header(&mut self, h: &MessageHeader) {
        self.open("edXML:MessageHeader");
        self.organization("edXML:From", &h.from);
        for to in &h.to {
            self.organization("edXML:To", to);
        }
        self.open("edXML:Code");
        self.leaf("edXML:CodeNumber", &h.code.number);
        self.leaf("edXML:CodeNotation", &h.code.notation);
        self.close("edXML:Code");
        self.open("edXML:PromulgationInfo");
        self.leaf("edXML:Place", &h.promulgation.place);
        self.date("edXML:PromulgationDate", Some(h.promulgation.date));
        self.close("edXML:PromulgationInfo");
        self.open("edXML:DocumentType");
        match &h.document_type.code {
            TypeCode::Number(n) => self.leaf("edXML:Type", &n.to_string()),
            TypeCode::Group(g) => self.leaf("edXML:Type", g),
        }
        self.leaf("edXML:TypeName", &h.document_type.name);
        self.close("edXML:DocumentType");
        self.leaf("edXML:Subject", &h.subject);
        self.leaf("edXML:Content", &h.content);
        self.open("edXML:SignerInfo");
        self.leaf("edXML:Competence", &h.signer.competence);
        self.leaf("edXML:Position", &h.signer.position);
        self.leaf("edXML:FullName", &h.signer.full_name);
        self.close("edXML:SignerInfo");
        self.date("edXML:DueDate", h.due_date);
        self.list("edXML:ToPlaces", &h.to_places, |w, p| w.leaf("edXML:Place", p));
        let o = &h.other_info;
        self.open("edXML:OtherInfo");
        self.leaf("edXML:Priority", &o.priority.code().to_string());
        self.leaf("edXML:SphereOfPromulgation", &o.sphere_of_promulgation);
        self.leaf("edXML:TyperNotation", &o.typer_notation);
        self.number("edXML:PromulgationAmount", o.promulgation_amount);
        self.number("edXML:PageAmount", o.page_amount);
        self.list("edXML:Appendixes", &o.appendixes, |w, a| w.leaf("edXML:Appendix", a));
        self.close("edXML:OtherInfo");
        for r in &h.response_for {
            self.response_for(r);
        }
        self.leaf("edXML:SteeringType", &h.steering_type.code().to_string());
        self.leaf("edXML:DocumentId", &h.document_id.to_string());
        self.close("edXML:MessageHeader");
    }

    fn business(&mut self, b: &Business) {
        self.open("edXML:Bussiness");
        self.leaf("edXML:BussinessDocType", &b.doc_type.code().to_string());
        self.leaf("edXML:BussinessDocReason", &b.reason);
        self.flag("edXML:Paper", b.paper);
        self.staff(&b.staff, false);
        if let Some(info) = &b.document_info {
            self.open("edXML:BussinessDocumentInfo");
            self.flag("edXML:DocumentInfo", info.document_info);
            self.flag("edXML:DocumentReceiver", info.document_receiver);
            self.list("edXML:ReceiverList", &info.receivers, |w, r| {
                w.open("edXML:Receiver");
                w.leaf("edXML:ReceiverType", &r.receiver_type.to_string());
                w.leaf("edXML:OrganId", r.organ_id.as_str());
                w.close("edXML:Receiver");
            });
            self.close("edXML:BussinessDocumentInfo");
        }
        if !b.replacements.is_empty() {
            self.list("edXML:ReplacementInfoList", &b.replacements, |w, r| {
                w.open("edXML:ReplacementInfo");
                w.leaf("edXML:DocumentId", &r.document_id.to_string());
                w.list("edXML:OrganIdList", &r.organ_ids, |w, id| w.leaf("edXML:OrganId", id.as_str()));
                w.close("edXML:ReplacementInfo");
            });
        }
        self.close("edXML:Bussiness");
    }

    fn trace(&mut self, t: &TraceHeaderList) {
        if t.traces.is_empty() && t.business.is_none() {
            self.empty("edXML:TraceHeaderList");
            return;
        }
        self.open("edXML:TraceHeaderList");
        for th in &t.traces {
            self.open("edXML:TraceHeader");
            self.leaf("edXML:OrganId", th.organ_id.as_str());
            self.leaf("edXML:Timestamp", &th.timestamp.to_string());
            self.close("edXML:TraceHeader");
        }
        if let Some(b) = &t.business {
            self.business(b);
        }
        self.close("edXML:TraceHeaderList");
    }

    /// Writes the empty signature element; returns the offset between its tags.
    fn signature_slot(&mut self) -> usize {
        self.line();
        self.out.push_str("<edXML:DigitalSignature>");
        let slot = self.out.len();
        self.out.push_str("</edXML:DigitalSignature>");
        slot
    }

    fn manifest(&mut self, attachments: &[Attachment]) {
        if attachments.is_empty() {
            self.line();
            self.out.push_str("<edXML:edXMLManifest version=\"1.0\"/>");
            return;
        }
        self.open_with("edXML:edXMLManifest", &[("version", "1.0")]);
        for a in attachments {
            let href = format!("cid:{}", a.content_id.trim());
            self.open_with("edXML:Reference", &[("xlink:href", &href), ("xlink:type", "simple")]);
            self.leaf("edXML:AttachmentName", &a.name);
            self.leaf("edXML:Description", &a.description);
            self.leaf("edXML:ContentType", &a.content_type);
            self.close("edXML:Reference");
        }
        self.close("edXML:edXMLManifest");
    }

    fn attachment(&mut self, a: &Attachment) {
        self.open("Attachment");
        self.leaf("ContentId", &a.content_id);
        self.leaf("ContentType", &a.content_type);
        self.leaf("Description", &a.description);
        self.leaf("AttachmentName", &a.name);
        if a.data.is_empty() {
            self.empty("ContentTransferEncoded");
        } else {
            self.line();
            self.out.push_str("<ContentTransferEncoded>");
            base64::engine::general_purpose::STANDARD.encode_string(&a.data, &mut self.out);
            self.out.push_str("</ContentTransferEncoded>");
        }
        self.close("Attachment");
    }
}

/// Writes a document package in the canonical form, after checking it is valid.
pub fn write_package(p: &Package) -> Result<Written, EdxmlError> {
    let problems = validate_package(p);
    if !problems.is_empty() {
        return Err(EdxmlError::invalid(problems));
    }
    let data_len: usize = p.attachments.iter().map(|a| a.data.len() / 3 * 4 + 4 + 512).sum();
    let mut w = W::new(8192 + data_len);
    w.line();
    w.out.push_str("<edXML xmlns=\"");
    w.out.push_str(EDXML_NS);
    w.out.push_str("\">");
    w.indent = 1;
    w.line();
    let signed_start = w.out.len();
    w.out.push_str("<edXML:edXMLEnvelope xmlns:edXML=\"");
    w.out.push_str(EDXML_NS);
    w.out.push_str("\" xmlns:xlink=\"");
    w.out.push_str(XLINK_NS);
    w.out.push_str("\">");
    w.indent = 2;
    w.open("edXML:edXMLHeader");
    w.message_header(&p.header);
    w.trace(&p.trace);
    let slot = w.signature_slot();
    w.close("edXML:edXMLHeader");
    w.open("edXML:edXMLBody");
    w.manifest(&p.attachments);
    w.close("edXML:edXMLBody");
    let signed_end = w.close("edXML:edXMLEnvelope");
    if !p.attachments.is_empty() {
        w.open("AttachmentEncoded");
        for a in &p.attachments {
            w.attachment(a);
        }
        w.close("AttachmentEncoded");
    }
    w.close("edXML");
    w.out.push('\n');
    Ok(Written { bytes: w.out.into_bytes(), signed: signed_start..signed_end, signature_slot: slot })
}

/// Writes a status package in the canonical (SOAP) form, after checking it is valid.
pub fn write_status(s: &StatusPackage) -> Result<Written, EdxmlError> {
    let problems = validate_status(s);
    if !problems.is_empty() {
        return Err(EdxmlError::invalid(problems));
    }
    let mut w = W::new(4096);
    w.line();
    w.out.push_str("<SOAP-ENV:Envelope xmlns:SOAP-ENV=\"");
    w.out.push_str(SOAP_NS);
    w.out.push_str("\" xmlns:edXML=\"");
    w.out.push_str(EDXML_NS);
    w.out.push_str("\">");
    w.indent = 1;
    w.open("SOAP-ENV:Header");
    let signed_start = w.open("edXML:Status");
    w.response_for(&s.response_for);
    w.organization("edXML:From", &s.from);
    for to in &s.to {
        w.organization("edXML:To", to);
    }
    w.leaf("edXML:StatusCode", &s.status_code.to_string());
    w.leaf("edXML:Description", &s.description);
    w.leaf("edXML:Timestamp", &s.timestamp.to_string());
    w.staff(&s.staff, true);
    let signed_end = w.close("edXML:Status");
    let slot = w.signature_slot();
    w.close("SOAP-ENV:Header");
    w.empty("SOAP-ENV:Body");
    w.close("SOAP-ENV:Envelope");
    w.out.push('\n');
    Ok(Written { bytes: w.out.into_bytes(), signed: signed_start..signed_end, signature_slot: slot })
}
