//! The status package: `edXML:Status`, bare, in a SOAP envelope's header, or in an edXML envelope's
//! header (`edXML/edXMLEnvelope/edXMLHeader/Status`, read in [`super::document`]).

use super::cursor::{join, namespace_of, Cursor, El};
use super::{notes, ReadStatus, SignatureSpans};
use crate::error::{codes, EdxmlError, ErrorKind, Problem};
use crate::model::{Organization, ResponseFor, StaffInfo, StatusCode, StatusPackage};
use crate::validate::validate_status;
use crate::values::Timestamp;

impl<'a> Cursor<'a> {
    /// The `Status` element's content.
    pub(super) fn status_body(
        &mut self,
        el: &El<'a>,
        spans: &mut SignatureSpans,
    ) -> Result<(Option<StatusPackage>, usize), EdxmlError> {
        let path = "Status";
        let mut response_for: Option<ResponseFor> = None;
        let mut from: Option<Organization> = None;
        let mut to: Vec<Organization> = Vec::new();
        let mut status_code: Option<StatusCode> = None;
        let mut code_seen = false;
        let mut description: Option<String> = None;
        let mut timestamp: Option<Timestamp> = None;
        let mut ts_seen = false;
        let mut staff: Option<StaffInfo> = None;
        if !el.empty {
            while let Some(ch) = self.child(path)? {
                let p = join(path, &ch.name);
                match ch.name.as_str() {
                    "ResponseFor" => self.struct_once(&ch, &p, &mut response_for, |c, e, p| c.response_for(e, p))?,
                    "From" => self.struct_once(&ch, &p, &mut from, |c, e, p| c.organization(e, p))?,
                    "To" => {
                        let p = format!("{p}[{}]", to.len() + 1);
                        to.push(self.organization(&ch, &p)?);
                    }
                    "StatusCode" => {
                        if !self.repeated_struct(&mut code_seen, &ch, &p)? {
                            let t = self.text(&ch, &p)?;
                            status_code = self.status_code(&t, &p);
                        }
                    }
                    "Description" => self.text_once(&ch, &p, &mut description)?,
                    "Timestamp" => {
                        if !self.repeated_struct(&mut ts_seen, &ch, &p)? {
                            let t = self.text(&ch, &p)?;
                            timestamp = self.timestamp(&t, &p);
                        }
                    }
                    "StaffInfo" => self.struct_once(&ch, &p, &mut staff, |c, e, p| c.staff(e, p))?,
                    "DigitalSignature" | "Signature" => self.signature(&ch, path, spans)?,
                    _ => self.unknown(&ch, path)?,
                }
            }
        }
        let end = self.pos();
        for (missing, name) in [
            (response_for.is_none(), "ResponseFor"),
            (from.is_none(), "From"),
            (!code_seen, "StatusCode"),
            (!ts_seen, "Timestamp"),
        ] {
            if missing {
                self.problem(Problem::required(&join(path, name)));
            }
        }
        let (Some(response_for), Some(from), Some(status_code), Some(timestamp)) =
            (response_for, from, status_code, timestamp)
        else {
            return Ok((None, end));
        };
        Ok((
            Some(StatusPackage {
                response_for,
                from,
                to,
                status_code,
                description: description.unwrap_or_default(),
                timestamp,
                staff: staff.unwrap_or_default(),
            }),
            end,
        ))
    }

    fn status_code(&mut self, text: &str, path: &str) -> Option<StatusCode> {
        if text.is_empty() {
            self.problem(Problem::required(path));
            return None;
        }
        let code = if text.len() <= 3 && text.bytes().all(|b| b.is_ascii_digit()) {
            text.parse::<u8>().ok().and_then(StatusCode::from_code)
        } else {
            None
        };
        match code {
            Some(c) => {
                if text.len() != 2 {
                    self.note(path, notes::STATUS_CODE_FORM, text);
                }
                Some(c)
            }
            None => {
                self.problem(Problem::invalid_value(
                    path,
                    codes::UNKNOWN_STATUS_CODE,
                    text,
                    "mã trạng thái chỉ nhận 01–06, 13, 15, 16",
                    "a status code is one of 01–06, 13, 15, 16",
                ));
                None
            }
        }
    }

    pub(super) fn status_done(
        &mut self,
        status: Option<StatusPackage>,
        spans: SignatureSpans,
    ) -> Result<ReadStatus, EdxmlError> {
        let Some(status) = status else {
            return Err(EdxmlError::invalid(std::mem::take(&mut self.problems)));
        };
        self.finish(validate_status(&status))?;
        Ok(ReadStatus { status, signature: spans, notes: std::mem::take(&mut self.notes) })
    }

    pub(super) fn status_root(&mut self, root: El<'a>) -> Result<ReadStatus, EdxmlError> {
        let namespace = namespace_of(&root, &[])?;
        let mut spans = SignatureSpans::default();
        let (status, end) = self.status_body(&root, &mut spans)?;
        spans.signed = root.start..end;
        self.epilog()?;
        self.namespace_verdict("Status", root.start, namespace)?;
        self.status_done(status, spans)
    }

    pub(super) fn soap_status(&mut self, root: El<'a>) -> Result<ReadStatus, EdxmlError> {
        let mut spans = SignatureSpans::default();
        let mut status: Option<Option<StatusPackage>> = None;
        let mut namespace: Option<(usize, Option<String>)> = None;
        if !root.empty {
            while let Some(el) = self.child("Envelope")? {
                match el.name.as_str() {
                    "Header" if !el.empty => {
                        while let Some(h) = self.child("Header")? {
                            match h.name.as_str() {
                                "Status" => {
                                    if status.is_some() {
                                        self.problem(Problem::repeated("Status"));
                                        self.skip(&h)?;
                                    } else {
                                        namespace = Some((h.start, namespace_of(&h, &[&el, &root])?));
                                        let (s, end) = self.status_body(&h, &mut spans)?;
                                        spans.signed = h.start..end;
                                        status = Some(s);
                                    }
                                }
                                "DigitalSignature" | "Signature" => self.signature(&h, "Header", &mut spans)?,
                                _ => self.unknown(&h, "Header")?,
                            }
                        }
                    }
                    "Body" => {
                        self.skip(&el)?;
                    }
                    _ => self.unknown(&el, "Envelope")?,
                }
            }
        }
        self.epilog()?;
        if let Some((start, found)) = namespace {
            self.namespace_verdict("Status", start, found)?;
        }
        match status {
            Some(s) => self.status_done(s, spans),
            None => Err(EdxmlError::one(
                ErrorKind::Invalid,
                Problem::new(
                    "Envelope/Header",
                    codes::XML_ROOT,
                    "Phong bì SOAP không chứa edXML:Status.",
                    "The SOAP envelope holds no edXML:Status.",
                ),
            )),
        }
    }
}
