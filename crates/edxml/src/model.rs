//! The package types: a document package ([`Package`]) and a status package ([`StatusPackage`]).
//!
//! Field names follow the glossary; each doc comment names the edXML element it maps to. Free-text
//! fields are `String`s where empty means "not given" (the writer emits an empty element); the
//! writer trims them, and the reader returns them trimmed. Element names not fixed by standards.md
//! are taken from QCVN 102:2016 as published and as the national platform's SDK writes them; those
//! places say so.

use std::fmt;

use crate::values::{AgencyCode, Date, DocumentId, Timestamp};

/// One exchanged document (gói tin edXML): header, trace and business information, attachments.
#[derive(Clone, Debug, PartialEq, Eq)]
#[cfg_attr(feature = "serde", derive(serde::Serialize, serde::Deserialize))]
pub struct Package {
    /// `edXML:MessageHeader`: who sends what to whom.
    pub header: MessageHeader,
    /// `edXML:TraceHeaderList`: the hops and the business information.
    pub trace: TraceHeaderList,
    /// The attached files: `edXML:Reference` in the manifest plus `Attachment` in `AttachmentEncoded`.
    pub attachments: Vec<Attachment>,
}

/// `edXML:MessageHeader`, its 14 parts in the standard's order.
#[derive(Clone, Debug, PartialEq, Eq)]
#[cfg_attr(feature = "serde", derive(serde::Serialize, serde::Deserialize))]
pub struct MessageHeader {
    /// 1 `From`: the sending agency.
    pub from: Organization,
    /// 2 `To` (repeatable): the recipients; at least one, no agency twice.
    pub to: Vec<Organization>,
    /// 3 `Code`: number and notation (`267`, `VPCP-TTĐT`).
    pub code: Code,
    /// 4 `PromulgationInfo`: place and date of promulgation.
    pub promulgation: PromulgationInfo,
    /// 5 `DocumentType`: `Type` and `TypeName`.
    pub document_type: DocumentType,
    /// 6 `Subject` (trích yếu): required, at most 500 characters.
    pub subject: String,
    /// 7 `Content`: at most 500 characters.
    pub content: String,
    /// 8 `SignerInfo`.
    pub signer: SignerInfo,
    /// 9 `DueDate`: the date a reply or handling is due.
    pub due_date: Option<Date>,
    /// 10 `ToPlaces/Place`: the "Nơi nhận" lines, each at most 150 characters.
    pub to_places: Vec<String>,
    /// 11 `OtherInfo`.
    pub other_info: OtherInfo,
    /// 12 `ResponseFor` (repeatable): the documents this one answers.
    pub response_for: Vec<ResponseFor>,
    /// 13 `SteeringType`.
    pub steering_type: SteeringType,
    /// 14 `DocumentId`.
    pub document_id: DocumentId,
}

/// `From` / `To`: an agency with its contact details.
#[derive(Clone, Debug, PartialEq, Eq)]
#[cfg_attr(feature = "serde", derive(serde::Serialize, serde::Deserialize))]
pub struct Organization {
    /// `OrganId`: identifier code, current or legacy form.
    pub organ_id: AgencyCode,
    /// `OrganizationInCharge`: the governing body's name.
    pub organization_in_charge: String,
    /// `OrganName`: the agency's name (required for the sender).
    pub organ_name: String,
    /// `OrganAdd`: postal address.
    pub organ_add: String,
    /// `Email`.
    pub email: String,
    /// `Telephone`.
    pub telephone: String,
    /// `Fax`.
    pub fax: String,
    /// `Website`.
    pub website: String,
}

impl Organization {
    /// An agency with only its code and name.
    pub fn new(organ_id: AgencyCode, organ_name: impl Into<String>) -> Organization {
        Organization {
            organ_id,
            organization_in_charge: String::new(),
            organ_name: organ_name.into(),
            organ_add: String::new(),
            email: String::new(),
            telephone: String::new(),
            fax: String::new(),
            website: String::new(),
        }
    }
}

/// `Code`: `CodeNumber` and `CodeNotation` (số, ký hiệu).
#[derive(Clone, Debug, PartialEq, Eq, Default)]
#[cfg_attr(feature = "serde", derive(serde::Serialize, serde::Deserialize))]
pub struct Code {
    /// `CodeNumber` (`267`).
    pub number: String,
    /// `CodeNotation` (`VPCP-TTĐT`).
    pub notation: String,
}

/// `PromulgationInfo`: `Place` (at most 150 characters) and `PromulgationDate`.
#[derive(Clone, Debug, PartialEq, Eq)]
#[cfg_attr(feature = "serde", derive(serde::Serialize, serde::Deserialize))]
pub struct PromulgationInfo {
    /// `Place` (địa danh).
    pub place: String,
    /// `PromulgationDate`.
    pub date: Date,
}

/// What `DocumentType/Type` holds (standards.md §2, open point).
#[derive(Clone, Debug, PartialEq, Eq, Hash)]
#[cfg_attr(feature = "serde", derive(serde::Serialize, serde::Deserialize))]
pub enum TypeCode {
    /// The 2022 amendment's number (`18` = Công văn); see [`type_name`](crate::type_name).
    Number(u16),
    /// A group code that could not be resolved to a number (not numeric, not a known abbreviation).
    Group(String),
}

/// `DocumentType`: `Type` and the Vietnamese `TypeName`.
#[derive(Clone, Debug, PartialEq, Eq)]
#[cfg_attr(feature = "serde", derive(serde::Serialize, serde::Deserialize))]
pub struct DocumentType {
    /// `Type`.
    pub code: TypeCode,
    /// `TypeName` (`Công văn`). When it is a known name it must agree with a numeric `code`.
    pub name: String,
}

impl DocumentType {
    /// A type by its number, named from the table when the number is known.
    pub fn number(n: u16) -> DocumentType {
        DocumentType { code: TypeCode::Number(n), name: crate::type_name(n).unwrap_or_default().to_owned() }
    }
}

/// `SignerInfo`: who signed.
#[derive(Clone, Debug, PartialEq, Eq, Default)]
#[cfg_attr(feature = "serde", derive(serde::Serialize, serde::Deserialize))]
pub struct SignerInfo {
    /// `Competence`: signing authority, e.g. `KT.`, `TM.`, `TL.`.
    pub competence: String,
    /// `Position`: the signer's position.
    pub position: String,
    /// `FullName`.
    pub full_name: String,
}

/// `OtherInfo`.
#[derive(Clone, Debug, PartialEq, Eq, Default)]
#[cfg_attr(feature = "serde", derive(serde::Serialize, serde::Deserialize))]
pub struct OtherInfo {
    /// `Priority` (độ khẩn).
    pub priority: Priority,
    /// `SphereOfPromulgation`: the circulation scope.
    pub sphere_of_promulgation: String,
    /// `TyperNotation`: initials of the typist.
    pub typer_notation: String,
    /// `PromulgationAmount`: number of copies issued.
    pub promulgation_amount: Option<u32>,
    /// `PageAmount`: number of pages.
    pub page_amount: Option<u32>,
    /// `Appendixes/Appendix`: appendix titles, each at most 250 characters.
    pub appendixes: Vec<String>,
}

/// `Priority` (độ khẩn), written as its digit.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Default)]
#[cfg_attr(feature = "serde", derive(serde::Serialize, serde::Deserialize))]
pub enum Priority {
    /// 0 Thường.
    #[default]
    Normal,
    /// 1 Khẩn.
    Urgent,
    /// 2 Thượng khẩn.
    VeryUrgent,
    /// 3 Hỏa tốc.
    Flash,
    /// 4 Hỏa tốc hẹn giờ.
    FlashScheduled,
}

impl Priority {
    /// All values in code order.
    pub const ALL: [Priority; 5] =
        [Priority::Normal, Priority::Urgent, Priority::VeryUrgent, Priority::Flash, Priority::FlashScheduled];

    /// The code written in the package.
    pub fn code(self) -> u8 {
        match self {
            Priority::Normal => 0,
            Priority::Urgent => 1,
            Priority::VeryUrgent => 2,
            Priority::Flash => 3,
            Priority::FlashScheduled => 4,
        }
    }

    /// The value for a code.
    pub fn from_code(code: u8) -> Option<Priority> {
        Priority::ALL.into_iter().find(|p| p.code() == code)
    }

    /// The Vietnamese label.
    pub fn label_vi(self) -> &'static str {
        match self {
            Priority::Normal => "Thường",
            Priority::Urgent => "Khẩn",
            Priority::VeryUrgent => "Thượng khẩn",
            Priority::Flash => "Hỏa tốc",
            Priority::FlashScheduled => "Hỏa tốc hẹn giờ",
        }
    }
}

/// `SteeringType` (standards.md §2, likely).
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Default)]
#[cfg_attr(feature = "serde", derive(serde::Serialize, serde::Deserialize))]
pub enum SteeringType {
    /// 0 an ordinary document.
    #[default]
    Ordinary,
    /// 1 a steering (chỉ đạo) document.
    Steering,
    /// 2 a report on a steering document.
    SteeringReport,
}

impl SteeringType {
    /// All values in code order.
    pub const ALL: [SteeringType; 3] = [SteeringType::Ordinary, SteeringType::Steering, SteeringType::SteeringReport];

    /// The code written in the package.
    pub fn code(self) -> u8 {
        match self {
            SteeringType::Ordinary => 0,
            SteeringType::Steering => 1,
            SteeringType::SteeringReport => 2,
        }
    }

    /// The value for a code.
    pub fn from_code(code: u8) -> Option<SteeringType> {
        SteeringType::ALL.into_iter().find(|p| p.code() == code)
    }
}

/// `ResponseFor`: the document being answered (in a document or a status package).
#[derive(Clone, Debug, PartialEq, Eq)]
#[cfg_attr(feature = "serde", derive(serde::Serialize, serde::Deserialize))]
pub struct ResponseFor {
    /// `OrganId`: the agency that issued the answered document.
    pub organ_id: AgencyCode,
    /// `Code`: its number and notation as one text (`267/VPCP-TTĐT`).
    pub code: String,
    /// `PromulgationDate`.
    pub promulgation_date: Option<Date>,
    /// `DocumentId`.
    pub document_id: DocumentId,
}

/// `TraceHeaderList`: one `TraceHeader` per hop, and the business information.
#[derive(Clone, Debug, PartialEq, Eq, Default)]
#[cfg_attr(feature = "serde", derive(serde::Serialize, serde::Deserialize))]
pub struct TraceHeaderList {
    /// `TraceHeader` per hop, oldest first.
    pub traces: Vec<TraceHeader>,
    /// `Bussiness` (so spelled in the standard and in real traffic); `None` reads as a new document.
    pub business: Option<Business>,
}

/// `TraceHeader`: an agency the package passed through, and when.
#[derive(Clone, Debug, PartialEq, Eq)]
#[cfg_attr(feature = "serde", derive(serde::Serialize, serde::Deserialize))]
pub struct TraceHeader {
    /// `OrganId`.
    pub organ_id: AgencyCode,
    /// `Timestamp`.
    pub timestamp: Timestamp,
}

/// `BussinessDocType`: what the package does to the document.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Default)]
#[cfg_attr(feature = "serde", derive(serde::Serialize, serde::Deserialize))]
pub enum BusinessDocType {
    /// 0 a new document.
    #[default]
    New,
    /// 1 revoke (thu hồi) an earlier one.
    Revoke,
    /// 2 update (cập nhật) an earlier one: see [`Business::document_info`].
    Update,
    /// 3 replace (thay thế) earlier ones: see [`Business::replacements`].
    Replace,
}

impl BusinessDocType {
    /// All values in code order.
    pub const ALL: [BusinessDocType; 4] =
        [BusinessDocType::New, BusinessDocType::Revoke, BusinessDocType::Update, BusinessDocType::Replace];

    /// The code written in the package.
    pub fn code(self) -> u8 {
        match self {
            BusinessDocType::New => 0,
            BusinessDocType::Revoke => 1,
            BusinessDocType::Update => 2,
            BusinessDocType::Replace => 3,
        }
    }

    /// The value for a code.
    pub fn from_code(code: u8) -> Option<BusinessDocType> {
        BusinessDocType::ALL.into_iter().find(|p| p.code() == code)
    }
}

/// `StaffInfo`: the person who handled the package.
#[derive(Clone, Debug, PartialEq, Eq, Default)]
#[cfg_attr(feature = "serde", derive(serde::Serialize, serde::Deserialize))]
pub struct StaffInfo {
    /// `Department`.
    pub department: String,
    /// `Staff`: the person's name.
    pub staff: String,
    /// `Mobile`.
    pub mobile: String,
    /// `Email`.
    pub email: String,
}

/// `Bussiness`: business type, reason and what an update or replacement concerns.
#[derive(Clone, Debug, PartialEq, Eq, Default)]
#[cfg_attr(feature = "serde", derive(serde::Serialize, serde::Deserialize))]
pub struct Business {
    /// `BussinessDocType`.
    pub doc_type: BusinessDocType,
    /// `BussinessDocReason`.
    pub reason: String,
    /// `Paper`: a paper copy also follows.
    pub paper: bool,
    /// `StaffInfo`.
    pub staff: StaffInfo,
    /// `BussinessDocumentInfo`: required for an update.
    pub document_info: Option<BusinessDocumentInfo>,
    /// `ReplacementInfoList/ReplacementInfo`: at least one for a replacement.
    pub replacements: Vec<ReplacementInfo>,
}

/// `BussinessDocumentInfo`: what an update changes.
#[derive(Clone, Debug, PartialEq, Eq, Default)]
#[cfg_attr(feature = "serde", derive(serde::Serialize, serde::Deserialize))]
pub struct BusinessDocumentInfo {
    /// `DocumentInfo`: the document's information changed.
    pub document_info: bool,
    /// `DocumentReceiver`: the recipients changed.
    pub document_receiver: bool,
    /// `ReceiverList/Receiver`.
    pub receivers: Vec<Receiver>,
}

/// `Receiver` in an update's receiver list.
#[derive(Clone, Debug, PartialEq, Eq)]
#[cfg_attr(feature = "serde", derive(serde::Serialize, serde::Deserialize))]
pub struct Receiver {
    /// `ReceiverType`: kept as the number sent (its values are not fixed by standards.md).
    pub receiver_type: u8,
    /// `OrganId`.
    pub organ_id: AgencyCode,
}

/// `ReplacementInfo`: a document being replaced, and at which recipients.
#[derive(Clone, Debug, PartialEq, Eq)]
#[cfg_attr(feature = "serde", derive(serde::Serialize, serde::Deserialize))]
pub struct ReplacementInfo {
    /// `DocumentId` of the replaced document.
    pub document_id: DocumentId,
    /// `OrganIdList/OrganId`.
    pub organ_ids: Vec<AgencyCode>,
}

/// An attached file: its manifest `Reference` and its `Attachment` in `AttachmentEncoded`.
#[derive(Clone, PartialEq, Eq)]
#[cfg_attr(feature = "serde", derive(serde::Serialize, serde::Deserialize))]
pub struct Attachment {
    /// `ContentId`, plain (the manifest's `xlink:href` is `cid:` followed by it).
    pub content_id: String,
    /// `AttachmentName`: file name, at most 200 characters.
    pub name: String,
    /// `Description`.
    pub description: String,
    /// `ContentType`: media type.
    pub content_type: String,
    /// The file's bytes (`ContentTransferEncoded` decoded, and unzipped when it arrived zipped).
    pub data: Vec<u8>,
}

impl fmt::Debug for Attachment {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Attachment")
            .field("content_id", &self.content_id)
            .field("name", &self.name)
            .field("description", &self.description)
            .field("content_type", &self.content_type)
            .field("data_len", &self.data.len())
            .finish()
    }
}

/// A status package (`edXML:Status`): the receiving side's feedback on a document.
#[derive(Clone, Debug, PartialEq, Eq)]
#[cfg_attr(feature = "serde", derive(serde::Serialize, serde::Deserialize))]
pub struct StatusPackage {
    /// `ResponseFor`: the document the status is about.
    pub response_for: ResponseFor,
    /// `From`: the agency reporting the status.
    pub from: Organization,
    /// `To`: the agencies the status is for. Not in standards.md's list; written only when non-empty
    /// (some hubs send it).
    pub to: Vec<Organization>,
    /// `StatusCode`.
    pub status_code: StatusCode,
    /// `Description`.
    pub description: String,
    /// `Timestamp`.
    pub timestamp: Timestamp,
    /// `StaffInfo`.
    pub staff: StaffInfo,
}

/// `StatusCode`, written with two digits.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
#[cfg_attr(feature = "serde", derive(serde::Serialize, serde::Deserialize))]
pub enum StatusCode {
    /// 01 arrived (đã đến).
    Arrived,
    /// 02 refused (từ chối); also: revocation refused.
    Refused,
    /// 03 received / registered (đã tiếp nhận); also: revocation accepted.
    Received,
    /// 04 assigned by a leader (đã phân công).
    Assigned,
    /// 05 being processed (đang xử lý).
    Processing,
    /// 06 completed (hoàn thành).
    Completed,
    /// 13 the sender asks to take the document back (lấy lại).
    TakeBackRequested,
    /// 15 take-back or update accepted.
    TakeBackAccepted,
    /// 16 take-back or update refused.
    TakeBackRefused,
}

impl StatusCode {
    /// All values in code order.
    pub const ALL: [StatusCode; 9] = [
        StatusCode::Arrived,
        StatusCode::Refused,
        StatusCode::Received,
        StatusCode::Assigned,
        StatusCode::Processing,
        StatusCode::Completed,
        StatusCode::TakeBackRequested,
        StatusCode::TakeBackAccepted,
        StatusCode::TakeBackRefused,
    ];

    /// The numeric code.
    pub fn code(self) -> u8 {
        match self {
            StatusCode::Arrived => 1,
            StatusCode::Refused => 2,
            StatusCode::Received => 3,
            StatusCode::Assigned => 4,
            StatusCode::Processing => 5,
            StatusCode::Completed => 6,
            StatusCode::TakeBackRequested => 13,
            StatusCode::TakeBackAccepted => 15,
            StatusCode::TakeBackRefused => 16,
        }
    }

    /// The value for a numeric code.
    pub fn from_code(code: u8) -> Option<StatusCode> {
        StatusCode::ALL.into_iter().find(|s| s.code() == code)
    }

    /// The Vietnamese label.
    pub fn label_vi(self) -> &'static str {
        match self {
            StatusCode::Arrived => "Đã đến",
            StatusCode::Refused => "Từ chối",
            StatusCode::Received => "Đã tiếp nhận",
            StatusCode::Assigned => "Đã phân công",
            StatusCode::Processing => "Đang xử lý",
            StatusCode::Completed => "Hoàn thành",
            StatusCode::TakeBackRequested => "Đề nghị lấy lại",
            StatusCode::TakeBackAccepted => "Đồng ý lấy lại / cập nhật",
            StatusCode::TakeBackRefused => "Từ chối lấy lại / cập nhật",
        }
    }
}

impl fmt::Display for StatusCode {
    /// Two digits, as written in the package (`03`).
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{:02}", self.code())
    }
}
