//! Organisation vocabulary: administrative levels, positions and access roles, with their stored names and labels.

use serde::{Deserialize, Serialize};

/// Administrative level (cấp) of an agency.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Level {
    /// Trung ương: ministries, central bodies.
    Central,
    /// Tỉnh: province (and its departments).
    Province,
    /// Huyện: district (abolished from 01/07/2025, kept for the 4-level model and history).
    District,
    /// Xã: commune, ward, special zone.
    Commune,
}

vocabulary!(Level {
    Central => "central", "Trung ương", "Central";
    Province => "province", "Tỉnh", "Province";
    District => "district", "Huyện", "District";
    Commune => "commune", "Xã", "Commune";
});

impl Level {
    /// 0 for central, 1 province, 2 district, 3 commune.
    pub fn rank(self) -> u8 {
        match self {
            Level::Central => 0,
            Level::Province => 1,
            Level::District => 2,
            Level::Commune => 3,
        }
    }

    /// Whether an agency of this level may sit under a parent of level `parent`.
    ///
    /// The child must not be higher than the parent; equal is allowed (a department under a
    /// provincial People's Committee is province level too), and levels may be skipped (a commune
    /// under a province in the two-level model, or under a district in the old one).
    pub fn can_be_child_of(self, parent: Level) -> bool {
        self.rank() >= parent.rank()
    }
}

/// A person's position (chức vụ) in an agency or one of its units.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Position {
    /// Thủ trưởng: head of the agency.
    Head,
    /// Cấp phó: deputy head of the agency.
    Deputy,
    /// Trưởng phòng: head of a unit.
    UnitHead,
    /// Phó trưởng phòng: deputy head of a unit.
    UnitDeputy,
    /// Chuyên viên: specialist / officer.
    Specialist,
    /// Văn thư: clerk of the clerical office.
    Clerk,
}

vocabulary!(Position {
    Head => "head", "Thủ trưởng", "Head";
    Deputy => "deputy", "Cấp phó", "Deputy head";
    UnitHead => "unit_head", "Trưởng phòng", "Head of unit";
    UnitDeputy => "unit_deputy", "Phó trưởng phòng", "Deputy head of unit";
    Specialist => "specialist", "Chuyên viên", "Specialist";
    Clerk => "clerk", "Văn thư", "Clerk";
});

impl Position {
    /// `true` for positions held in the agency's leadership (no unit): head and deputy.
    /// All other positions are held in a unit.
    pub fn is_agency_level(self) -> bool {
        matches!(self, Position::Head | Position::Deputy)
    }
}

/// An access role granting permissions in the system.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Role {
    /// Quản trị hệ thống: administers the whole installation.
    SystemAdmin,
    /// Quản trị cơ quan: administers one agency.
    AgencyAdmin,
    /// Lãnh đạo: agency leadership (assigns and approves).
    Leader,
    /// Trưởng đơn vị: head of a unit.
    UnitHead,
    /// Cấp phó: deputy.
    Deputy,
    /// Chuyên viên: handles documents and tasks.
    Specialist,
    /// Văn thư: registers, numbers and dispatches documents.
    Clerk,
}

vocabulary!(Role {
    SystemAdmin => "system_admin", "Quản trị hệ thống", "System administrator";
    AgencyAdmin => "agency_admin", "Quản trị cơ quan", "Agency administrator";
    Leader => "leader", "Lãnh đạo", "Leader";
    UnitHead => "unit_head", "Trưởng đơn vị", "Unit head";
    Deputy => "deputy", "Cấp phó", "Deputy";
    Specialist => "specialist", "Chuyên viên", "Specialist";
    Clerk => "clerk", "Văn thư", "Clerk";
});

impl Role {
    /// `true` for roles that open an agency's documents or its administration (leader and clerk
    /// see the agency's documents; an agency administrator manages accounts). Nobody gives such a
    /// role to themselves, and only a system administrator resets the password of its holder.
    pub fn is_sensitive(self) -> bool {
        matches!(self, Role::SystemAdmin | Role::AgencyAdmin | Role::Leader | Role::Clerk)
    }

    /// `true` only for the system administrator, whose role is not tied to one agency.
    pub fn is_global(self) -> bool {
        matches!(self, Role::SystemAdmin)
    }
}

#[cfg(test)]
#[allow(clippy::unwrap_used)]
mod tests {
    use super::*;
    use crate::lang::Lang;

    #[test]
    fn vocabularies_are_consistent() {
        use crate::testutil::check_vocabulary;
        check_vocabulary(Level::ALL, Level::as_str, Level::parse, Level::label);
        check_vocabulary(Position::ALL, Position::as_str, Position::parse, Position::label);
        check_vocabulary(Role::ALL, Role::as_str, Role::parse, Role::label);
        assert_eq!(Level::ALL.len(), 4);
        assert_eq!(Position::ALL.len(), 6);
        assert_eq!(Role::ALL.len(), 7);
    }

    #[test]
    fn labels() {
        assert_eq!(Level::Central.label(Lang::Vi), "Trung ương");
        assert_eq!(Level::Commune.label(Lang::Vi), "Xã");
        assert_eq!(Position::UnitDeputy.label(Lang::Vi), "Phó trưởng phòng");
        assert_eq!(Role::SystemAdmin.label(Lang::Vi), "Quản trị hệ thống");
        assert_eq!(Role::Clerk.label(Lang::En), "Clerk");
        assert_eq!(Role::UnitHead.to_string(), "unit_head");
    }

    #[test]
    fn level_hierarchy() {
        let ranks: Vec<u8> = Level::ALL.iter().map(|l| l.rank()).collect();
        assert_eq!(ranks, vec![0, 1, 2, 3]);
        assert!(Level::Province.can_be_child_of(Level::Province));
        assert!(Level::Commune.can_be_child_of(Level::Province));
        assert!(Level::Commune.can_be_child_of(Level::District));
        assert!(Level::Province.can_be_child_of(Level::Central));
        assert!(!Level::Province.can_be_child_of(Level::District));
        assert!(!Level::Central.can_be_child_of(Level::Commune));
        for &a in Level::ALL {
            for &b in Level::ALL {
                assert_eq!(a.can_be_child_of(b), a >= b);
            }
        }
    }

    #[test]
    fn position_and_role_flags() {
        let agency: Vec<_> = Position::ALL.iter().filter(|p| p.is_agency_level()).collect();
        assert_eq!(agency, vec![&Position::Head, &Position::Deputy]);
        let global: Vec<_> = Role::ALL.iter().filter(|r| r.is_global()).collect();
        assert_eq!(global, vec![&Role::SystemAdmin]);
    }
}
