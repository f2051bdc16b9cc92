//! Parts shared by document and status packages: organisations, staff, `ResponseFor`, text lists.

use super::cursor::{join, Cursor, El};
use super::{notes, SignatureSpans};
use crate::error::{EdxmlError, Problem};
use crate::model::{Organization, ResponseFor, StaffInfo};
use crate::values::{AgencyCode, Date, DocumentId};

impl<'a> Cursor<'a> {
    pub(super) fn organization(&mut self, el: &El<'a>, path: &str) -> Result<Organization, EdxmlError> {
        let mut id: Option<AgencyCode> = None;
        let mut id_seen = false;
        let mut f: [Option<String>; 7] = Default::default();
        if !el.empty {
            while let Some(ch) = self.child(path)? {
                let p = join(path, &ch.name);
                let idx = match ch.name.as_str() {
                    "OrganId" => {
                        if id_seen {
                            self.problem(Problem::repeated(&p));
                            self.skip(&ch)?;
                        } else {
                            id_seen = true;
                            let t = self.text(&ch, &p)?;
                            id = self.agency(&t, &p);
                        }
                        continue;
                    }
                    "OrganizationInCharge" => 0,
                    "OrganName" => 1,
                    "OrganAdd" => 2,
                    "Email" => 3,
                    "Telephone" => 4,
                    "Fax" => 5,
                    "Website" => 6,
                    _ => {
                        self.unknown(&ch, path)?;
                        continue;
                    }
                };
                self.text_once(&ch, &p, &mut f[idx])?;
            }
        }
        if !id_seen {
            self.problem(Problem::required(&join(path, "OrganId")));
        }
        let [a, b, c, d, e, g, h] = f;
        Ok(Organization {
            organ_id: id.unwrap_or_else(AgencyCode::placeholder),
            organization_in_charge: a.unwrap_or_default(),
            organ_name: b.unwrap_or_default(),
            organ_add: c.unwrap_or_default(),
            email: d.unwrap_or_default(),
            telephone: e.unwrap_or_default(),
            fax: g.unwrap_or_default(),
            website: h.unwrap_or_default(),
        })
    }

    pub(super) fn staff(&mut self, el: &El<'a>, path: &str) -> Result<StaffInfo, EdxmlError> {
        let mut f: [Option<String>; 4] = Default::default();
        if !el.empty {
            while let Some(ch) = self.child(path)? {
                let p = join(path, &ch.name);
                let idx = match ch.name.as_str() {
                    "Department" => 0,
                    "Staff" => 1,
                    "Mobile" => 2,
                    "Email" => 3,
                    _ => {
                        self.unknown(&ch, path)?;
                        continue;
                    }
                };
                self.text_once(&ch, &p, &mut f[idx])?;
            }
        }
        let [a, b, c, d] = f;
        Ok(StaffInfo {
            department: a.unwrap_or_default(),
            staff: b.unwrap_or_default(),
            mobile: c.unwrap_or_default(),
            email: d.unwrap_or_default(),
        })
    }

    pub(super) fn response_for(&mut self, el: &El<'a>, path: &str) -> Result<ResponseFor, EdxmlError> {
        let mut organ: Option<AgencyCode> = None;
        let mut organ_seen = false;
        let mut code: Option<String> = None;
        let mut date: Option<Option<Date>> = None;
        let mut id: Option<DocumentId> = None;
        let mut id_seen = false;
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
                    "Code" => self.text_once(&ch, &p, &mut code)?,
                    "PromulgationDate" => self.value_once(&ch, &p, &mut date, |c, t, p| c.opt_date(t, p))?,
                    "DocumentId" => {
                        if !self.repeated_struct(&mut id_seen, &ch, &p)? {
                            let t = self.text(&ch, &p)?;
                            id = self.document_id(&t, &p);
                        }
                    }
                    _ => self.unknown(&ch, path)?,
                }
            }
        }
        if !organ_seen {
            self.problem(Problem::required(&join(path, "OrganId")));
        }
        if !id_seen {
            self.problem(Problem::required(&join(path, "DocumentId")));
        }
        Ok(ResponseFor {
            organ_id: organ.unwrap_or_else(AgencyCode::placeholder),
            code: code.unwrap_or_default(),
            promulgation_date: date.flatten(),
            document_id: id.unwrap_or_else(DocumentId::placeholder),
        })
    }

    /// A list of text items (`ToPlaces/Place`, `Appendixes/Appendix`); empty items are dropped.
    pub(super) fn text_list(&mut self, el: &El<'a>, path: &str, item: &str) -> Result<Vec<String>, EdxmlError> {
        let mut out = Vec::new();
        if el.empty {
            return Ok(out);
        }
        while let Some(ch) = self.child(path)? {
            if ch.name == item {
                let p = format!("{path}/{item}[{}]", out.len() + 1);
                let t = self.text(&ch, &p)?;
                if t.is_empty() {
                    self.note(&p, notes::EMPTY_ITEM_DROPPED, "");
                } else {
                    out.push(t);
                }
            } else {
                self.unknown(&ch, path)?;
            }
        }
        Ok(out)
    }

    /// `DigitalSignature` (or a bare `Signature`): records the spans and skips the content.
    pub(super) fn signature(&mut self, el: &El<'a>, path: &str, spans: &mut SignatureSpans) -> Result<(), EdxmlError> {
        if spans.digital_signature.is_some() {
            self.problem(Problem::repeated(&join(path, &el.name)));
            self.skip(el)?;
            return Ok(());
        }
        if el.name == "Signature" {
            let end = self.skip(el)?;
            spans.digital_signature = Some(el.start..end);
            spans.signature = Some(el.start..end);
            return Ok(());
        }
        let p = join(path, &el.name);
        let mut end = self.pos();
        if !el.empty {
            loop {
                match self.child(&p)? {
                    Some(ch) => {
                        let ch_end = self.skip(&ch)?;
                        if ch.name == "Signature" && spans.signature.is_none() {
                            spans.signature = Some(ch.start..ch_end);
                        }
                    }
                    None => {
                        end = self.pos();
                        break;
                    }
                }
            }
        }
        spans.digital_signature = Some(el.start..end);
        Ok(())
    }
}
