//! The demo province: a People's Committee with its office, three departments, two communes
//! under the two-level model and one district (with a commune) under the older model, and a
//! user for every role. Identifier codes are well-formed but invented for the demo.

mod agenda;
mod pdf;
mod work;

pub use work::DemoWork;

use egov_domain::Role;

use crate::org::AgencyInput;
use crate::users::NewUserInput;
use crate::{AppResult, Caller, Services};

/// The password every demo account starts with.
pub const DEMO_PASSWORD: &str = "egov-demo-2026";

/// A demo login to print.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct DemoLogin {
    pub username: &'static str,
    pub role: Role,
    pub who: &'static str,
}

struct DemoUser {
    username: &'static str,
    full_name: &'static str,
    agency: &'static str,
    unit: Option<&'static str>,
    position: &'static str,
    role: Role,
}

/// (code, name, short name, level, parent code).
type DemoAgency = (&'static str, &'static str, Option<&'static str>, &'static str, Option<&'static str>);

const AGENCIES: &[DemoAgency] = &[
    ("H41", "Ủy ban nhân dân tỉnh Nghệ An", Some("UBND tỉnh"), "province", None),
    ("H41.01", "Văn phòng Ủy ban nhân dân tỉnh", Some("VP UBND tỉnh"), "province", Some("H41")),
    ("H41.12", "Sở Nội vụ", Some("SNV"), "province", Some("H41")),
    ("H41.13", "Sở Tài chính", Some("STC"), "province", Some("H41")),
    ("H41.14", "Sở Tư pháp", Some("STP"), "province", Some("H41")),
    ("H41.501", "Ủy ban nhân dân xã Hưng Nguyên", Some("UBND xã Hưng Nguyên"), "commune", Some("H41")),
    ("H41.502", "Ủy ban nhân dân phường Vinh Phú", Some("UBND phường Vinh Phú"), "commune", Some("H41")),
    ("H41.90", "Ủy ban nhân dân huyện Quỳ Hợp (mô hình 3 cấp)", Some("UBND huyện Quỳ Hợp"), "district", Some("H41")),
    ("H41.90.01", "Ủy ban nhân dân xã Châu Quang", Some("UBND xã Châu Quang"), "commune", Some("H41.90")),
];

/// Notations the demo agencies sign their documents with (`QĐ-UBND`, `05/SNV-VP`).
const ISSUER_NOTATIONS: &[(&str, &str)] = &[
    ("H41", "UBND"),
    ("H41.01", "VPUBND"),
    ("H41.12", "SNV"),
    ("H41.13", "STC"),
    ("H41.14", "STP"),
    ("H41.501", "UBND"),
    ("H41.502", "UBND"),
    ("H41.90", "UBND"),
    ("H41.90.01", "UBND"),
];

/// Notations of demo units, for công văn (`UBND-VP`).
const UNIT_NOTATIONS: &[(&str, &str)] = &[
    ("Phòng Hành chính – Tổ chức", "HCTC"),
    ("Phòng Tổng hợp", "TH"),
    ("Phòng Kinh tế", "KT"),
    ("Văn phòng Sở", "VP"),
    ("Phòng Tổ chức – Biên chế", "TCBC"),
    ("Phòng Quản lý ngân sách", "QLNS"),
    ("Văn phòng HĐND và UBND", "VP"),
    ("Văn phòng HĐND và UBND huyện", "VP"),
];

const UNITS: &[(&str, &str)] = &[
    ("H41.01", "Phòng Hành chính – Tổ chức"),
    ("H41.01", "Phòng Tổng hợp"),
    ("H41.01", "Phòng Kinh tế"),
    ("H41.12", "Văn phòng Sở"),
    ("H41.12", "Phòng Tổ chức – Biên chế"),
    ("H41.13", "Văn phòng Sở"),
    ("H41.13", "Phòng Quản lý ngân sách"),
    ("H41.14", "Văn phòng Sở"),
    ("H41.501", "Văn phòng HĐND và UBND"),
    ("H41.501", "Phòng Kinh tế"),
    ("H41.502", "Văn phòng HĐND và UBND"),
    ("H41.90", "Văn phòng HĐND và UBND huyện"),
    ("H41.90.01", "Văn phòng HĐND và UBND"),
];

const USERS: &[DemoUser] = &[
    DemoUser {
        username: "admin",
        full_name: "Quản trị hệ thống",
        agency: "H41",
        unit: None,
        position: "",
        role: Role::SystemAdmin,
    },
    DemoUser {
        username: "quantri.vp",
        full_name: "Lê Thị Hoa",
        agency: "H41.01",
        unit: Some("Phòng Hành chính – Tổ chức"),
        position: "specialist",
        role: Role::AgencyAdmin,
    },
    DemoUser {
        username: "lanhdao",
        full_name: "Nguyễn Văn An",
        agency: "H41.01",
        unit: None,
        position: "head",
        role: Role::Leader,
    },
    DemoUser {
        username: "truongphong",
        full_name: "Trần Thị Bình",
        agency: "H41.01",
        unit: Some("Phòng Tổng hợp"),
        position: "unit_head",
        role: Role::UnitHead,
    },
    DemoUser {
        username: "phophong",
        full_name: "Phạm Văn Cường",
        agency: "H41.01",
        unit: Some("Phòng Tổng hợp"),
        position: "unit_deputy",
        role: Role::Deputy,
    },
    DemoUser {
        username: "chuyenvien",
        full_name: "Hoàng Thị Dung",
        agency: "H41.01",
        unit: Some("Phòng Tổng hợp"),
        position: "specialist",
        role: Role::Specialist,
    },
    DemoUser {
        username: "vanthu",
        full_name: "Đặng Văn Em",
        agency: "H41.01",
        unit: Some("Phòng Hành chính – Tổ chức"),
        position: "clerk",
        role: Role::Clerk,
    },
    DemoUser {
        username: "vanthu.snv",
        full_name: "Bùi Thị Hạnh",
        agency: "H41.12",
        unit: Some("Văn phòng Sở"),
        position: "clerk",
        role: Role::Clerk,
    },
    DemoUser {
        username: "giamdoc.snv",
        full_name: "Lưu Văn Khánh",
        agency: "H41.12",
        unit: None,
        position: "head",
        role: Role::Leader,
    },
    DemoUser {
        username: "chuyenvien.snv",
        full_name: "Ngô Thị Lan",
        agency: "H41.12",
        unit: Some("Phòng Tổ chức – Biên chế"),
        position: "specialist",
        role: Role::Specialist,
    },
    DemoUser {
        username: "quantri.xa",
        full_name: "Võ Thị Giang",
        agency: "H41.501",
        unit: Some("Văn phòng HĐND và UBND"),
        position: "specialist",
        role: Role::AgencyAdmin,
    },
];

impl Services {
    /// Creates the demo province unless the database already has agencies. Returns the
    /// logins created (empty when nothing was done).
    pub async fn seed_demo(&self) -> AppResult<Vec<DemoLogin>> {
        let caller = Caller::system("demo");
        if !self.agencies(&caller, None, 1).await?.is_empty() {
            return Ok(Vec::new());
        }
        let mut ids: Vec<(&str, i64)> = Vec::new();
        for (code, name, short, level, parent) in AGENCIES {
            let parent_id = parent.and_then(|p| ids.iter().find(|(c, _)| *c == p).map(|(_, id)| *id));
            let a =
                self.create_agency(&caller, &AgencyInput { code, name, short_name: *short, level, parent_id }).await?;
            ids.push((code, a.id));
        }
        let agency_id = |code: &str| ids.iter().find(|(c, _)| *c == code).map(|(_, id)| *id).unwrap_or_default();
        let mut units: Vec<(&str, &str, i64)> = Vec::new();
        for (code, name) in UNITS {
            let u = self.create_unit(&caller, agency_id(code), None, name).await?;
            units.push((code, name, u.id));
        }
        let unit_id =
            |code: &str, name: &str| units.iter().find(|(c, n, _)| *c == code && *n == name).map(|(_, _, id)| *id);
        let mut tx = self.store.begin().await?;
        for (code, notation) in ISSUER_NOTATIONS {
            egov_storage::documents::set_notations(&mut tx, agency_id(code), notation).await?;
        }
        for (_, name, id) in &units {
            if let Some((_, n)) = UNIT_NOTATIONS.iter().find(|(u, _)| u == name) {
                egov_storage::documents::set_unit_notation(&mut tx, *id, n).await?;
            }
        }
        crate::commit(tx).await?;
        let mut logins = Vec::new();
        for u in USERS {
            let user_id = self
                .create_user(
                    &caller,
                    &NewUserInput {
                        username: u.username,
                        full_name: u.full_name,
                        email: None,
                        phone: None,
                        agency_id: agency_id(u.agency),
                        unit_id: u.unit.and_then(|n| unit_id(u.agency, n)),
                        position: Some(u.position).filter(|p| !p.is_empty()),
                        roles: vec![u.role.as_str().to_string()],
                        password: DEMO_PASSWORD,
                        must_change_password: false,
                    },
                )
                .await?;
            if u.username == "chuyenvien" {
                // One person holding positions in two units.
                let second = unit_id("H41.01", "Phòng Kinh tế");
                self.add_position(&caller, user_id, agency_id("H41.01"), second, "specialist").await?;
            }
            logins.push(DemoLogin { username: u.username, role: u.role, who: u.full_name });
        }
        Ok(logins)
    }
}
