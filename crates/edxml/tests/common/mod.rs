//! Shared test material: a full valid package, a status package, and a package as a real system
//! sends it (legacy codes, day-first timestamps, `Bussiness`, zipped attachment…).
#![allow(dead_code, clippy::unwrap_used, clippy::expect_used)]

pub mod mutate;

use egov_edxml::*;

pub fn code(s: &str) -> AgencyCode {
    AgencyCode::parse(s).expect("test code")
}

pub fn date(y: u16, m: u8, d: u8) -> Date {
    Date::new(y, m, d).expect("test date")
}

pub fn sample_package_with(attachment_bytes: usize) -> Package {
    let from = Organization {
        organ_id: code("H41.12"),
        organization_in_charge: "UBND tỉnh Nghệ An".into(),
        organ_name: "Sở Thông tin và Truyền thông".into(),
        organ_add: "16 Trường Thi, TP Vinh".into(),
        email: "stttt@nghean.gov.vn".into(),
        telephone: "0238 3844 444".into(),
        fax: String::new(),
        website: "https://stttt.nghean.gov.vn".into(),
    };
    let doc_date = date(2024, 3, 5);
    Package {
        header: MessageHeader {
            from,
            to: vec![
                Organization::new(code("H41"), "UBND tỉnh Nghệ An"),
                Organization::new(code("000.00.04.G14"), "Văn phòng Chính phủ"),
            ],
            code: Code { number: "12".into(), notation: "STTTT-VP".into() },
            promulgation: PromulgationInfo { place: "Nghệ An".into(), date: doc_date },
            document_type: DocumentType::number(18),
            subject: "V/v triển khai liên thông văn bản điện tử <edXML> & \"ký số\"".into(),
            content: "Nội dung tóm tắt".into(),
            signer: SignerInfo {
                competence: "KT.".into(),
                position: "Phó Giám đốc".into(),
                full_name: "Nguyễn Văn A".into(),
            },
            due_date: Some(date(2024, 3, 15)),
            to_places: vec!["Như trên".into(), "Lưu: VT, VP".into()],
            other_info: OtherInfo {
                priority: Priority::Urgent,
                sphere_of_promulgation: "Liên thông văn bản quốc gia".into(),
                typer_notation: "TVC".into(),
                promulgation_amount: Some(3),
                page_amount: Some(2),
                appendixes: vec!["Phụ lục I".into()],
            },
            response_for: vec![ResponseFor {
                organ_id: code("H41"),
                code: "100/UBND-VX".into(),
                promulgation_date: Some(date(2024, 2, 1)),
                document_id: DocumentId::new(code("H41"), date(2024, 2, 1), "100", "UBND-VX").expect("id"),
            }],
            steering_type: SteeringType::Ordinary,
            document_id: DocumentId::new(code("H41.12"), doc_date, "12", "STTTT-VP").expect("id"),
        },
        trace: TraceHeaderList {
            traces: vec![TraceHeader {
                organ_id: code("H41.12"),
                timestamp: Timestamp::new(doc_date, 8, 30, 0).expect("ts"),
            }],
            business: Some(Business {
                doc_type: BusinessDocType::New,
                reason: "Văn bản mới".into(),
                paper: false,
                staff: StaffInfo {
                    department: "Văn phòng".into(),
                    staff: "Trần Thị B".into(),
                    mobile: "0912345678".into(),
                    email: "b@nghean.gov.vn".into(),
                },
                document_info: None,
                replacements: Vec::new(),
            }),
        },
        attachments: vec![Attachment {
            content_id: "a1b2c3".into(),
            name: "12-STTTT-VP.pdf".into(),
            description: "Văn bản chính".into(),
            content_type: "application/pdf".into(),
            data: (0..attachment_bytes).map(|i| (i * 31 % 251) as u8).collect(),
        }],
    }
}

pub fn sample_package() -> Package {
    sample_package_with(2000)
}

pub fn sample_status() -> StatusPackage {
    StatusPackage {
        response_for: ResponseFor {
            organ_id: code("H41.12"),
            code: "12/STTTT-VP".into(),
            promulgation_date: Some(date(2024, 3, 5)),
            document_id: DocumentId::new(code("H41.12"), date(2024, 3, 5), "12", "STTTT-VP").expect("id"),
        },
        from: Organization::new(code("H41"), "UBND tỉnh Nghệ An"),
        to: Vec::new(),
        status_code: StatusCode::Received,
        description: "Đã tiếp nhận".into(),
        timestamp: Timestamp::new(date(2024, 3, 5), 9, 0, 1).expect("ts"),
        staff: StaffInfo {
            department: "Văn thư".into(),
            staff: "Lê C".into(),
            mobile: String::new(),
            email: String::new(),
        },
    }
}

/// A package as an older system sends it: legacy codes, `Business` spelling, day-first dates and
/// timestamps, Type as an abbreviation, extra elements, CDATA, an entity reference, a signature.
pub const REAL_WORLD: &str = r#"<?xml version="1.0" encoding="utf-8"?>
<!-- sent by an older system -->
<edXML xmlns:xsi="http://www.w3.org/2001/XMLSchema-instance" xmlns="http://www.mic.gov.vn/TBT/QCVN_102_2016">
  <edXML:edXMLEnvelope xmlns:edXML="http://www.mic.gov.vn/TBT/QCVN_102_2016">
    <edXML:edXMLHeader>
      <edXML:MessageHeader>
        <edXML:From>
          <edXML:OrganId>000.00.12.H41</edXML:OrganId>
          <edXML:OrganizationInCharge>UBND tỉnh Nghệ An</edXML:OrganizationInCharge>
          <edXML:OrganName>Sở Thông tin và Truyền thông</edXML:OrganName>
          <edXML:OrganAdd />
          <edXML:Email />
        </edXML:From>
        <edXML:To>
          <edXML:OrganId>000.00.00.H41</edXML:OrganId>
          <edXML:OrganName>UBND tỉnh Nghệ An</edXML:OrganName>
        </edXML:To>
        <edXML:Code>
          <edXML:CodeNumber>12</edXML:CodeNumber>
          <edXML:CodeNotation>QĐ-STTTT</edXML:CodeNotation>
        </edXML:Code>
        <edXML:PromulgationInfo>
          <edXML:Place>Nghệ An</edXML:Place>
          <edXML:PromulgationDate>05/03/2024</edXML:PromulgationDate>
        </edXML:PromulgationInfo>
        <edXML:DocumentType>
          <edXML:Type>QĐ</edXML:Type>
          <edXML:TypeName>Quyết định</edXML:TypeName>
          <edXML:TypeDetail>0</edXML:TypeDetail>
        </edXML:DocumentType>
        <edXML:Subject><![CDATA[Về việc <thử nghiệm>]]> &amp; liên thông</edXML:Subject>
        <edXML:Content>Nội dung</edXML:Content>
        <edXML:SignerInfo>
          <edXML:Competence>KT.</edXML:Competence>
          <edXML:Position>Phó Giám đốc</edXML:Position>
          <edXML:FullName>Nguyễn Văn A</edXML:FullName>
        </edXML:SignerInfo>
        <edXML:DueDate></edXML:DueDate>
        <edXML:ToPlaces>
          <edXML:Place>Như trên</edXML:Place>
          <edXML:Place></edXML:Place>
        </edXML:ToPlaces>
        <edXML:OtherInfo>
          <edXML:Priority>0</edXML:Priority>
          <edXML:SphereOfPromulgation>Lien thong van ban</edXML:SphereOfPromulgation>
          <edXML:TyperNotation>TVC</edXML:TyperNotation>
          <edXML:PromulgationAmount>1</edXML:PromulgationAmount>
          <edXML:PageAmount>1</edXML:PageAmount>
          <edXML:Direction>0</edXML:Direction>
          <edXML:Appendixes>
            <edXML:Appendix />
          </edXML:Appendixes>
        </edXML:OtherInfo>
        <edXML:SteeringType>0</edXML:SteeringType>
        <edXML:DocumentId>000.00.12.H41,2024/03/05,12/QĐ-STTTT</edXML:DocumentId>
      </edXML:MessageHeader>
      <edXML:TraceHeaderList id="a1" version="1.0" mustUnderstand="1" actor="http://schemas.xmlsoap.org/soap/actor/next">
        <edXML:TraceHeader>
          <edXML:OrganId>000.00.12.H41</edXML:OrganId>
          <edXML:Timestamp>05/03/2024 08:30:00</edXML:Timestamp>
        </edXML:TraceHeader>
        <edXML:Business>
          <edXML:BusinessDocType>0</edXML:BusinessDocType>
          <edXML:BusinessDocReason>Van ban dien tu moi</edXML:BusinessDocReason>
          <edXML:StaffInfo>
            <edXML:Department>N/A</edXML:Department>
            <edXML:Staff>Nguyễn Văn A</edXML:Staff>
            <edXML:Mobile />
            <edXML:Email />
          </edXML:StaffInfo>
          <edXML:Paper>0</edXML:Paper>
        </edXML:Business>
      </edXML:TraceHeaderList>
      <edXML:DigitalSignature><Signature xmlns="http://www.w3.org/2000/09/xmldsig#"><SignedInfo/><SignatureValue>AAAA</SignatureValue></Signature></edXML:DigitalSignature>
    </edXML:edXMLHeader>
    <edXML:edXMLBody>
      <edXML:edXMLManifest version="1.0">
        <edXML:Reference xmlns:xlink="http://www.w3.org/1999/xlink" xlink:href="cid:f1" xlink:role="XLinkRole" xlink:type="simple">
          <edXML:Description>File dinh kem 1</edXML:Description>
          <edXML:AttachmentName>qd.pdf</edXML:AttachmentName>
          <edXML:ContentType>application/pdf</edXML:ContentType>
          <edXML:ContentId>cid:f1</edXML:ContentId>
        </edXML:Reference>
      </edXML:edXMLManifest>
    </edXML:edXMLBody>
  </edXML:edXMLEnvelope>
  <AttachmentEncoded>
    <Attachment>
      <ContentType>application/pdf</ContentType>
      <ContentId>f1</ContentId>
      <Description>File dinh kem 1</Description>
      <ContentTransferEncoded>JVBERi0x
LjQKJeLjz9MK</ContentTransferEncoded>
      <AttachmentName>qd.pdf</AttachmentName>
    </Attachment>
  </AttachmentEncoded>
</edXML>
"#;

/// A status package as the national platform's SDK sends it (SOAP, day-first timestamp).
pub const REAL_WORLD_STATUS: &str = r#"<SOAP-ENV:Envelope xmlns:SOAP-ENV="http://schemas.xmlsoap.org/soap/envelope/"><SOAP-ENV:Header><edXML:Status xmlns:edXML="http://www.mic.gov.vn/TBT/QCVN_102_2016"><edXML:ResponseFor><edXML:OrganId>000.00.12.H41</edXML:OrganId><edXML:Code>12/QĐ-STTTT</edXML:Code><edXML:PromulgationDate>05/03/2024</edXML:PromulgationDate><edXML:DocumentId>000.00.12.H41,2024/03/05,12/QĐ-STTTT</edXML:DocumentId></edXML:ResponseFor><edXML:From><edXML:OrganId>000.00.00.H41</edXML:OrganId><edXML:OrganName>UBND tỉnh</edXML:OrganName><edXML:OrganizationInCharge /><edXML:OrganAdd /><edXML:Email /><edXML:Telephone /><edXML:Fax /><edXML:Website /></edXML:From><edXML:StatusCode>3</edXML:StatusCode><edXML:Description>Đã tiếp nhận</edXML:Description><edXML:Timestamp>06/03/2024 10:11:12</edXML:Timestamp><edXML:StaffInfo><edXML:Department>Văn thư</edXML:Department><edXML:Staff>Lê C</edXML:Staff></edXML:StaffInfo></edXML:Status></SOAP-ENV:Header><SOAP-ENV:Body /></SOAP-ENV:Envelope>"#;

/// A status package in the layout many systems send: `edXML:Status` inside `edXML:edXMLHeader`,
/// followed by `edXML:DigitalSignature`, the body empty; `ResponseFor/Code` one string.
pub const HEADER_STATUS: &str = r#"<?xml version="1.0" encoding="UTF-8"?>
<edXML:edXML xmlns:edXML="http://www.mic.gov.vn/TBT/QCVN_102_2016">
  <edXML:edXMLEnvelope>
    <edXML:edXMLHeader>
      <edXML:Status>
        <edXML:ResponseFor>
          <edXML:OrganId>000.00.00.G22</edXML:OrganId>
          <edXML:Code>267/VPCP-ĐMDN</edXML:Code>
          <edXML:PromulgationDate>2024/03/05</edXML:PromulgationDate>
          <edXML:DocumentId>000.00.00.G22,2024/03/05,267/VPCP-ĐMDN</edXML:DocumentId>
        </edXML:ResponseFor>
        <edXML:From>
          <edXML:OrganId>000.00.00.H41</edXML:OrganId>
          <edXML:OrganName>UBND tỉnh Nghệ An</edXML:OrganName>
          <edXML:OrganAdd/>
          <edXML:Email/>
          <edXML:Telephone/>
          <edXML:Fax/>
          <edXML:Website/>
        </edXML:From>
        <edXML:StatusCode>01</edXML:StatusCode>
        <edXML:Description>Đã đến</edXML:Description>
        <edXML:Timestamp>2024/03/05 10:11:12</edXML:Timestamp>
        <edXML:StaffInfo>
          <edXML:Department>Văn thư</edXML:Department>
          <edXML:Staff>Lê C</edXML:Staff>
          <edXML:Mobile/>
          <edXML:Email/>
        </edXML:StaffInfo>
      </edXML:Status>
      <edXML:DigitalSignature><Signature xmlns="http://www.w3.org/2000/09/xmldsig#"><SignedInfo/><SignatureValue>AAAA</SignatureValue></Signature></edXML:DigitalSignature>
    </edXML:edXMLHeader>
    <edXML:edXMLBody></edXML:edXMLBody>
  </edXML:edXMLEnvelope>
</edXML:edXML>
"#;

/// The same layout with the default namespace, the signature after the header, a day-first
/// timestamp and a one-digit status code.
pub const HEADER_STATUS_DEFAULT_NS: &str = r#"<edXML xmlns="http://www.mic.gov.vn/TBT/QCVN_102_2016"><edXMLEnvelope><edXMLHeader><Status><ResponseFor><OrganId>000.00.00.G22</OrganId><Code>267/VPCP-ĐMDN</Code><PromulgationDate>05/03/2024</PromulgationDate><DocumentId>000.00.00.G22,2024/03/05,267/VPCP-ĐMDN</DocumentId></ResponseFor><From><OrganId>H41.12</OrganId><OrganName>Sở Thông tin và Truyền thông</OrganName></From><StatusCode>3</StatusCode><Description>Đã tiếp nhận</Description><Timestamp>06/03/2024 08:00:00</Timestamp><StaffInfo><Department>Văn thư</Department><Staff>Trần D</Staff></StaffInfo></Status></edXMLHeader><DigitalSignature/><edXMLBody/></edXMLEnvelope></edXML>"#;

/// Replaces the first occurrence of `from` by `to` in the canonical sample's XML.
pub fn sample_xml_with(from: &str, to: &str) -> Vec<u8> {
    let w = write_package(&sample_package()).expect("sample writes");
    let s = String::from_utf8(w.bytes).expect("utf8");
    assert!(s.contains(from), "sample lacks {from}");
    s.replacen(from, to, 1).into_bytes()
}

pub fn status_xml_with(from: &str, to: &str) -> Vec<u8> {
    let w = write_status(&sample_status()).expect("status writes");
    let s = String::from_utf8(w.bytes).expect("utf8");
    assert!(s.contains(from), "status lacks {from}");
    s.replacen(from, to, 1).into_bytes()
}

pub fn codes_of(e: &EdxmlError) -> Vec<(&str, &str)> {
    e.problems().iter().map(|p| (p.path.as_str(), p.code)).collect()
}
