//! Property tests: any valid package written and read back is the same package, and writing what
//! was read gives the same bytes (one canonical form).
#![allow(clippy::unwrap_used, clippy::expect_used)]

mod common;

use egov_edxml::*;
use proptest::collection::vec;
use proptest::option;
use proptest::prelude::*;

fn any_char() -> impl Strategy<Value = char> {
    prop_oneof![
        6 => proptest::char::range('a', 'z'),
        2 => proptest::char::range('A', 'Z'),
        1 => proptest::char::range('0', '9'),
        3 => prop::sample::select(vec![
            'ạ', 'ả', 'ã', 'ấ', 'ầ', 'ệ', 'ế', 'ờ', 'ữ', 'ự', 'Đ', 'đ', 'ư', 'ơ', 'ỹ',
        ]),
        2 => prop::sample::select(vec![' ', ' ', '\n', '\r', '\t', '\u{A0}']),
        2 => prop::sample::select(vec!['<', '>', '&', '"', '\'', ']', '/', ',', ';', '#', '🙂', '\u{FFFD}']),
    ]
}

/// Trimmed text of at most `max` characters (may be empty).
fn text(max: usize) -> impl Strategy<Value = String> {
    vec(any_char(), 0..=max.min(40)).prop_map(move |v| {
        let s: String = v.into_iter().collect();
        s.trim().chars().take(max).collect::<String>().trim().to_owned()
    })
}

/// Non-empty trimmed text of at most `max` characters.
fn text1(max: usize) -> impl Strategy<Value = String> {
    (proptest::char::range('A', 'Z'), text(max - 1)).prop_map(move |(c, t)| {
        let mut s = String::from(c);
        s.push_str(&t);
        s.chars().take(max).collect::<String>().trim().to_owned()
    })
}

/// A long text: exercises the length limits' edges.
fn long_text(max: usize) -> impl Strategy<Value = String> {
    prop_oneof![
        4 => text1(max),
        1 => (1..=max).prop_map(|n| "ệ".repeat(n)),
    ]
}

fn agency() -> impl Strategy<Value = AgencyCode> {
    let current = (proptest::char::range('A', 'K'), 0u8..100, vec(prop_oneof!["[0-9]{1,3}", "[A-Z][0-9]{1,2}"], 0..3))
        .prop_map(|(l, n, groups)| {
            let mut s = format!("{l}{n:02}");
            for g in groups {
                s.push('.');
                s.push_str(&g);
            }
            s
        });
    let legacy = ("[0-9]{3}", "[0-9]{2}", "[0-9]{2}", proptest::char::range('A', 'K'), 0u8..100)
        .prop_map(|(a, b, c, l, n)| format!("{a}.{b}.{c}.{l}{n:02}"));
    prop_oneof![3 => current, 1 => legacy].prop_map(|s| AgencyCode::parse(&s).expect("generated code"))
}

fn date() -> impl Strategy<Value = Date> {
    (1990u16..2100, 1u8..=12, 1u8..=28).prop_map(|(y, m, d)| Date::new(y, m, d).expect("date"))
}

fn timestamp() -> impl Strategy<Value = Timestamp> {
    (date(), 0u8..24, 0u8..60, 0u8..60).prop_map(|(d, h, m, s)| Timestamp::new(d, h, m, s).expect("ts"))
}

fn document_id() -> impl Strategy<Value = DocumentId> {
    (agency(), date(), "[0-9]{1,4}", "[A-ZĐ]{1,5}(-[A-ZĐ]{1,6}){0,2}")
        .prop_map(|(a, d, n, t)| DocumentId::new(a, d, &n, &t).expect("id"))
}

fn organization(name_required: bool) -> impl Strategy<Value = Organization> {
    let name = if name_required { text1(80).boxed() } else { text(80).boxed() };
    (agency(), text(60), name, text(60), text(30), text(20), text(20), text(40)).prop_map(
        |(organ_id, organization_in_charge, organ_name, organ_add, email, telephone, fax, website)| Organization {
            organ_id,
            organization_in_charge,
            organ_name,
            organ_add,
            email,
            telephone,
            fax,
            website,
        },
    )
}

fn recipients(min: usize) -> impl Strategy<Value = Vec<Organization>> {
    vec(organization(false), min..4).prop_map(|mut v| {
        let mut seen = std::collections::HashSet::new();
        v.retain(|o| seen.insert(o.organ_id.clone()));
        v
    })
}

fn document_type() -> impl Strategy<Value = DocumentType> {
    prop_oneof![
        (1u16..40).prop_map(DocumentType::number).prop_filter("needs a name", |d| !d.name.is_empty()),
        (1u16..200, text1(30)).prop_filter_map("name must not be a known one", |(n, name)| {
            (type_number_by_name(&name).is_none()).then_some(DocumentType { code: TypeCode::Number(n), name })
        }),
        ("[A-Z]{2,6}", text1(30)).prop_filter_map("group must not resolve", |(g, name)| {
            (type_number_by_abbreviation(&g).is_none() && type_number_by_name(&name).is_none())
                .then_some(DocumentType { code: TypeCode::Group(g), name })
        }),
    ]
}

fn response_for() -> impl Strategy<Value = ResponseFor> {
    (agency(), text(30), option::of(date()), document_id()).prop_map(
        |(organ_id, code, promulgation_date, document_id)| ResponseFor {
            organ_id,
            code,
            promulgation_date,
            document_id,
        },
    )
}

fn staff() -> impl Strategy<Value = StaffInfo> {
    (text(40), text(40), text(15), text(30)).prop_map(|(department, staff, mobile, email)| StaffInfo {
        department,
        staff,
        mobile,
        email,
    })
}

fn business() -> impl Strategy<Value = Business> {
    let receivers = vec((0u8..4, agency()), 0..4).prop_map(|v| {
        let mut seen = std::collections::HashSet::new();
        v.into_iter()
            .filter(|(t, c)| seen.insert((*t, c.clone())))
            .map(|(receiver_type, organ_id)| Receiver { receiver_type, organ_id })
            .collect::<Vec<_>>()
    });
    let info = (any::<bool>(), any::<bool>(), receivers).prop_map(|(document_info, document_receiver, receivers)| {
        BusinessDocumentInfo { document_info, document_receiver, receivers }
    });
    let replacement = (document_id(), vec(agency(), 0..3))
        .prop_map(|(document_id, organ_ids)| ReplacementInfo { document_id, organ_ids });
    (
        prop::sample::select(BusinessDocType::ALL.to_vec()),
        text(80),
        any::<bool>(),
        staff(),
        option::of(info),
        vec(replacement, 0..3),
    )
        .prop_map(|(doc_type, reason, paper, staff, mut document_info, mut replacements)| {
            if doc_type == BusinessDocType::Update && document_info.is_none() {
                document_info = Some(BusinessDocumentInfo::default());
            }
            if doc_type == BusinessDocType::Replace && replacements.is_empty() {
                replacements.push(ReplacementInfo {
                    document_id: DocumentId::new(
                        AgencyCode::parse("H41").expect("code"),
                        Date::new(2024, 1, 2).expect("date"),
                        "1",
                        "UBND",
                    )
                    .expect("id"),
                    organ_ids: Vec::new(),
                });
            }
            Business { doc_type, reason, paper, staff, document_info, replacements }
        })
}

fn attachments() -> impl Strategy<Value = Vec<Attachment>> {
    vec(
        (
            "[A-Za-z0-9._@-]{1,20}",
            long_text(MAX_ATTACHMENT_NAME),
            text(40),
            "[a-z]{1,11}/[a-z0-9.+-]{1,20}",
            vec(any::<u8>(), 0..300),
        ),
        0..4,
    )
    .prop_map(|v| {
        v.into_iter()
            .enumerate()
            .map(|(i, (id, name, description, content_type, data))| Attachment {
                content_id: format!("{i}-{id}"),
                name,
                description,
                content_type,
                data,
            })
            .collect()
    })
}

prop_compose! {
    fn header()(
        from in organization(true),
        to in recipients(1),
        code in ("[0-9]{1,4}", text1(20)),
        promulgation in (text(MAX_PLACE), date()),
        document_type in document_type(),
        subject in long_text(MAX_SUBJECT),
        content in prop_oneof![text(60), long_text(MAX_CONTENT)],
        signer in (text(10), text(40), text(40)),
        due_date in option::of(date()),
        to_places in vec(long_text(MAX_PLACE), 0..4),
        other in (prop::sample::select(Priority::ALL.to_vec()), text(60), text(10), option::of(any::<u32>()), option::of(0u32..500), vec(long_text(MAX_APPENDIX), 0..3)),
        response_for in vec(response_for(), 0..3),
        steering_type in prop::sample::select(SteeringType::ALL.to_vec()),
    ) -> MessageHeader {
        // The id agrees with From, Code and PromulgationDate (strict reading refuses one that does not).
        let document_id = DocumentId::new(from.organ_id.clone(), promulgation.1, &code.0, &code.1).expect("id");
        MessageHeader {
            from,
            to,
            code: Code { number: code.0, notation: code.1 },
            promulgation: PromulgationInfo { place: promulgation.0, date: promulgation.1 },
            document_type,
            subject,
            content,
            signer: SignerInfo { competence: signer.0, position: signer.1, full_name: signer.2 },
            due_date,
            to_places,
            other_info: OtherInfo {
                priority: other.0,
                sphere_of_promulgation: other.1,
                typer_notation: other.2,
                promulgation_amount: other.3,
                page_amount: other.4,
                appendixes: other.5,
            },
            response_for,
            steering_type,
            document_id,
        }
    }
}

prop_compose! {
    fn package()(
        header in header(),
        traces in vec((agency(), timestamp()).prop_map(|(organ_id, timestamp)| TraceHeader { organ_id, timestamp }), 0..4),
        business in option::of(business()),
        attachments in attachments(),
    ) -> Package {
        Package { header, trace: TraceHeaderList { traces, business }, attachments }
    }
}

prop_compose! {
    fn status()(
        response_for in response_for(),
        from in organization(false),
        to in recipients(0),
        status_code in prop::sample::select(StatusCode::ALL.to_vec()),
        description in text(100),
        timestamp in timestamp(),
        staff in staff(),
    ) -> StatusPackage {
        StatusPackage { response_for, from, to, status_code, description, timestamp, staff }
    }
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 400, ..ProptestConfig::default() })]

    #[test]
    fn package_write_read_is_identity(p in package()) {
        prop_assert_eq!(validate_package(&p), Vec::<Problem>::new());
        let w = write_package(&p).expect("valid package writes");
        let r = read_package(&w.bytes).expect("written package reads");
        prop_assert_eq!(&r.package, &p);
        prop_assert!(r.notes.is_empty(), "canonical output needs no tolerance: {:?}", r.notes);
        let w2 = write_package(&r.package).expect("rewrite");
        prop_assert_eq!(&w2.bytes, &w.bytes);
        prop_assert_eq!(check_round_trip(&w.bytes), Ok(true));
        // The signature slot is inside the signed envelope and empty.
        prop_assert!(w.signed.contains(&w.signature_slot));
        prop_assert_eq!(r.signature.signed, w.signed);
        prop_assert_eq!(r.signature.signature, None);
    }

    #[test]
    fn status_write_read_is_identity(s in status()) {
        let w = write_status(&s).expect("valid status writes");
        let r = read_status(&w.bytes).expect("written status reads");
        prop_assert_eq!(&r.status, &s);
        prop_assert!(r.notes.is_empty(), "{:?}", r.notes);
        let w2 = write_status(&r.status).expect("rewrite");
        prop_assert_eq!(&w2.bytes, &w.bytes);
        prop_assert_eq!(check_round_trip(&w.bytes), Ok(true));
    }

    #[test]
    fn signature_inserted_in_slot_is_found(p in package()) {
        let w = write_package(&p).expect("writes");
        let sig = b"<ds:Signature xmlns:ds=\"http://www.w3.org/2000/09/xmldsig#\"><ds:SignedInfo/><ds:SignatureValue>QUJD</ds:SignatureValue></ds:Signature>";
        let signed = w.with_signature(sig);
        let r = read_package(&signed).expect("signed package reads");
        prop_assert_eq!(&r.package, &p);
        let span = r.signature.signature.clone().expect("signature span");
        prop_assert_eq!(&signed[span], &sig[..]);
        let env = r.signature.signed.clone();
        prop_assert!(signed[env].starts_with(b"<edXML:edXMLEnvelope"));
        prop_assert!(signed[r.signature.signed.clone()].ends_with(b"</edXML:edXMLEnvelope>"));
    }
}

#[test]
fn sample_round_trips_and_real_world_normalises() {
    let p = common::sample_package();
    let w = write_package(&p).expect("writes");
    assert_eq!(read_package(&w.bytes).expect("reads").package, p);
    // A real-world package normalises to canonical form in one step.
    let r = read_package(common::REAL_WORLD.as_bytes()).expect("reads");
    let w1 = write_package(&r.package).expect("writes");
    let r2 = read_package(&w1.bytes).expect("re-reads");
    assert_eq!(r2.package, r.package);
    assert_eq!(write_package(&r2.package).expect("writes").bytes, w1.bytes);
    assert_eq!(check_round_trip(common::REAL_WORLD.as_bytes()), Ok(true));
    assert_eq!(check_round_trip(common::REAL_WORLD_STATUS.as_bytes()), Ok(true));
}
