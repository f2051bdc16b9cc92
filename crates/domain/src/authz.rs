//! Authorization rules, in one place: who may do what, and which agencies a caller may see.
//!
//! The service layer builds an [`Actor`] for every request (from a session or an API token)
//! and asks it; storage applies the resulting [`Visibility`] inside queries.

use serde::{Deserialize, Serialize};

use crate::Role;

/// Which agencies' records a query may return.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Visibility {
    /// Every agency (system administrators).
    All,
    /// Agencies whose tree path starts with one of these prefixes: an agency and everything
    /// below it. Paths look like `/1/4/9/`.
    Subtrees(Vec<String>),
    /// These agencies only, not their subtrees.
    Agencies(Vec<i64>),
    /// Nothing.
    Nothing,
}

/// A role held in an agency, with the agency's tree path.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Grant {
    pub role: Role,
    pub agency_id: i64,
    pub agency_path: String,
}

/// What an API token may be used for. A session carries every scope.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Serialize, Deserialize)]
pub enum Scope {
    /// Read agencies, units and users.
    #[serde(rename = "org:read")]
    OrgRead,
    /// Create and change agencies, units, users, positions and roles.
    #[serde(rename = "org:write")]
    OrgWrite,
    /// Read the audit trail.
    #[serde(rename = "audit:read")]
    AuditRead,
    /// Read and change one's own profile.
    #[serde(rename = "profile")]
    Profile,
    /// Read documents, inboxes, case files and search.
    #[serde(rename = "documents:read")]
    DocumentsRead,
    /// Register, route, draft, approve, issue and send documents; manage case files.
    #[serde(rename = "documents:write")]
    DocumentsWrite,
    /// Read tasks, schedules, statistics and periodic reports.
    #[serde(rename = "work:read")]
    WorkRead,
    /// Give, report on and accept tasks; schedules; fill in periodic reports.
    #[serde(rename = "work:write")]
    WorkWrite,
}

impl Scope {
    /// Every scope.
    pub const ALL: &'static [Scope] = &[
        Scope::OrgRead,
        Scope::OrgWrite,
        Scope::AuditRead,
        Scope::Profile,
        Scope::DocumentsRead,
        Scope::DocumentsWrite,
        Scope::WorkRead,
        Scope::WorkWrite,
    ];

    /// Wire and storage name.
    pub fn as_str(self) -> &'static str {
        match self {
            Scope::OrgRead => "org:read",
            Scope::OrgWrite => "org:write",
            Scope::AuditRead => "audit:read",
            Scope::Profile => "profile",
            Scope::DocumentsRead => "documents:read",
            Scope::DocumentsWrite => "documents:write",
            Scope::WorkRead => "work:read",
            Scope::WorkWrite => "work:write",
        }
    }

    /// Parses a wire name.
    pub fn parse(s: &str) -> Option<Scope> {
        Scope::ALL.iter().copied().find(|sc| sc.as_str() == s)
    }
}

/// Who is acting: the signed-in person, their grants, and (for API tokens) the token's scopes.
#[derive(Clone, Debug)]
pub struct Actor {
    pub user_id: i64,
    pub username: String,
    pub agency_id: i64,
    pub grants: Vec<Grant>,
    /// `None` for a browser session (all scopes); the token's scopes otherwise.
    pub scopes: Option<Vec<Scope>>,
}

/// Which documents a query may return: documents shared agency-wide in an agency where the
/// actor is a clerk or a leader, and documents the actor was given explicitly (an access grant
/// written when they were presented, assigned, consulted, sent or delivered the document).
/// Secret documents are never shared agency-wide, so only explicit grants reach them.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct DocumentScope {
    /// The person whose explicit grants count.
    pub user_id: i64,
    /// Agencies whose agency-wide documents are visible.
    pub wide_agencies: Vec<i64>,
}

/// Which tasks a reader sees: those they take part in (as assigner, lead, cooperating, or above
/// in the task's tree), and every task of the agencies where they hold the leader's role.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct TaskScope {
    /// The person whose participation counts.
    pub user_id: i64,
    /// Agencies all of whose tasks are visible.
    pub leader_agencies: Vec<i64>,
}

/// How an account's current password came to be, as far as it matters for who may make the
/// account one that reads documents.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct PasswordOrigin {
    /// The administrator who last set it (creating the account or resetting it); `None` for
    /// accounts made before this was recorded and for those made by the command line.
    pub set_by: Option<i64>,
    /// It is still that temporary password: the person has not set their own yet.
    pub temporary: bool,
}

/// Why [`Actor::may_open_way_in`] refused.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum WayInRefusal {
    /// One's own account.
    Oneself,
    /// The caller set this account's password and is not a system administrator.
    PasswordYouSet,
    /// Another administrator's temporary password is still the account's.
    TemporaryPassword,
}

/// Does `path` lie in the subtree rooted at `root` (inclusive)?
fn within(path: &str, root: &str) -> bool {
    path.starts_with(root)
}

impl Actor {
    /// True when the actor may use `scope` (sessions may use all).
    pub fn allows(&self, scope: Scope) -> bool {
        self.scopes.as_ref().is_none_or(|s| s.contains(&scope))
    }

    /// Holds the system administrator role.
    pub fn is_system_admin(&self) -> bool {
        self.grants.iter().any(|g| g.role == Role::SystemAdmin)
    }

    /// Holds `role` anywhere.
    pub fn has_role(&self, role: Role) -> bool {
        self.grants.iter().any(|g| g.role == role)
    }

    /// Agencies whose organisation and accounts this actor administers.
    pub fn admin_visibility(&self) -> Visibility {
        if self.is_system_admin() {
            return Visibility::All;
        }
        let roots: Vec<String> =
            self.grants.iter().filter(|g| g.role == Role::AgencyAdmin).map(|g| g.agency_path.clone()).collect();
        if roots.is_empty() {
            Visibility::Nothing
        } else {
            Visibility::Subtrees(roots)
        }
    }

    /// Agencies whose organisation pages (units, people) this actor may read: what they
    /// administer, and always their own agency.
    pub fn org_visibility(&self) -> Visibility {
        match self.admin_visibility() {
            Visibility::Nothing => Visibility::Agencies(vec![self.agency_id]),
            v => v,
        }
    }

    /// May administer the agency at `agency_path` (its data, units, people).
    pub fn can_admin_agency(&self, agency_path: &str) -> bool {
        match self.admin_visibility() {
            Visibility::All => true,
            Visibility::Subtrees(roots) => roots.iter().any(|r| within(agency_path, r)),
            Visibility::Agencies(_) | Visibility::Nothing => false,
        }
    }

    /// May create a top-level agency or change which agency is whose parent at the top.
    pub fn can_create_root_agency(&self) -> bool {
        self.is_system_admin()
    }

    /// May give `role` in the agency at `agency_path`. Only system administrators create
    /// system administrators; agency administrators give any other role inside their subtree.
    pub fn can_grant(&self, role: Role, agency_path: &str) -> bool {
        if role == Role::SystemAdmin {
            return self.is_system_admin();
        }
        self.can_admin_agency(agency_path)
    }

    /// May give `role` in the agency at `agency_path` to the person `target_user_id`, whose
    /// password came as `origin`: as [`Actor::can_grant`], and a role that opens documents or
    /// administration ([`Role::is_sensitive`]) only as [`Actor::may_open_way_in`] allows.
    pub fn can_grant_to(&self, role: Role, agency_path: &str, target_user_id: i64, origin: PasswordOrigin) -> bool {
        if role.is_sensitive() && self.may_open_way_in(target_user_id, origin).is_err() {
            return false;
        }
        self.can_grant(role, agency_path)
    }

    /// May make the person `target_user_id` someone who reads documents (a sensitive role, or a
    /// leadership position). Nobody does it for themselves; an agency administrator does not do
    /// it for an account whose password they set (creating it or resetting it), since they could
    /// sign in as it; and nobody does it while a temporary password set by someone else is still
    /// the account's (that someone knows it). A system administrator may make an account they set
    /// the password of a leader at once: they could read everything anyway.
    pub fn may_open_way_in(&self, target_user_id: i64, origin: PasswordOrigin) -> Result<(), WayInRefusal> {
        if target_user_id == self.user_id {
            return Err(WayInRefusal::Oneself);
        }
        match origin.set_by {
            Some(by) if by == self.user_id => {
                if self.is_system_admin() {
                    Ok(())
                } else {
                    Err(WayInRefusal::PasswordYouSet)
                }
            }
            Some(_) if origin.temporary => Err(WayInRefusal::TemporaryPassword),
            _ => Ok(()),
        }
    }

    /// May set a temporary password for a person who holds `grants` (and a leadership position
    /// when `leads`): system administrators for anyone; an agency administrator only for people
    /// without a sensitive role or a leadership position, so an administrator cannot sign in
    /// as a leader or a clerk (or another administrator) and read what they read.
    pub fn can_reset_password(&self, grants: &[Grant], leads: bool) -> bool {
        self.is_system_admin() || (!leads && grants.iter().all(|g| !g.role.is_sensitive()))
    }

    /// May manage the account of a person whose home agency is at `home_path` and who holds
    /// `grants`: the home agency is in reach, and every role they hold could have been given
    /// by this actor (an agency administrator cannot take over a system administrator).
    pub fn can_manage_user(&self, home_path: &str, grants: &[Grant]) -> bool {
        self.can_admin_agency(home_path) && grants.iter().all(|g| self.can_grant(g.role, &g.agency_path))
    }

    /// May read the audit trail.
    pub fn can_read_audit(&self) -> bool {
        self.is_system_admin() && self.allows(Scope::AuditRead)
    }

    /// Holds `role` in the agency `agency_id` (not inherited by sub-agencies).
    pub fn has_role_in(&self, role: Role, agency_id: i64) -> bool {
        self.grants.iter().any(|g| g.role == role && g.agency_id == agency_id)
    }

    /// Is a clerk (văn thư) of `agency_id`: registers, numbers and issues its documents.
    pub fn is_clerk_of(&self, agency_id: i64) -> bool {
        self.has_role_in(Role::Clerk, agency_id)
    }

    /// The documents this actor may see; see [`DocumentScope`].
    pub fn document_scope(&self) -> DocumentScope {
        let mut wide: Vec<i64> =
            self.grants.iter().filter(|g| matches!(g.role, Role::Clerk | Role::Leader)).map(|g| g.agency_id).collect();
        wide.sort_unstable();
        wide.dedup();
        DocumentScope { user_id: self.user_id, wide_agencies: wide }
    }

    /// The tasks this actor may see; see [`TaskScope`].
    pub fn task_scope(&self) -> TaskScope {
        let mut agencies: Vec<i64> =
            self.grants.iter().filter(|g| g.role == Role::Leader).map(|g| g.agency_id).collect();
        agencies.sort_unstable();
        agencies.dedup();
        TaskScope { user_id: self.user_id, leader_agencies: agencies }
    }

    /// May change security policies (which roles need a second factor).
    pub fn can_manage_security(&self) -> bool {
        self.is_system_admin()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn actor(grants: &[(Role, &str)]) -> Actor {
        Actor {
            user_id: 1,
            username: "a".into(),
            agency_id: 1,
            grants: grants
                .iter()
                .enumerate()
                .map(|(i, (role, path))| Grant { role: *role, agency_id: i as i64, agency_path: path.to_string() })
                .collect(),
            scopes: None,
        }
    }

    #[test]
    fn agency_admin_reaches_only_own_subtree() {
        let a = actor(&[(Role::AgencyAdmin, "/1/4/")]);
        assert!(a.can_admin_agency("/1/4/"));
        assert!(a.can_admin_agency("/1/4/9/"));
        assert!(!a.can_admin_agency("/1/"));
        assert!(!a.can_admin_agency("/1/5/"));
        // A sibling whose id starts with the same digit is not inside.
        assert!(!a.can_admin_agency("/1/41/"));
        assert_eq!(a.admin_visibility(), Visibility::Subtrees(vec!["/1/4/".into()]));
    }

    #[test]
    fn only_system_admin_grants_system_admin() {
        let a = actor(&[(Role::AgencyAdmin, "/1/")]);
        assert!(!a.can_grant(Role::SystemAdmin, "/1/"));
        assert!(a.can_grant(Role::Clerk, "/1/2/"));
        let s = actor(&[(Role::SystemAdmin, "/1/")]);
        assert!(s.can_grant(Role::SystemAdmin, "/7/"));
        assert_eq!(s.admin_visibility(), Visibility::All);
    }

    #[test]
    fn agency_admin_cannot_manage_a_system_admin_in_their_agency() {
        let a = actor(&[(Role::AgencyAdmin, "/1/")]);
        let target = [Grant { role: Role::SystemAdmin, agency_id: 1, agency_path: "/1/".into() }];
        assert!(!a.can_manage_user("/1/", &target));
        let clerk = [Grant { role: Role::Clerk, agency_id: 2, agency_path: "/1/2/".into() }];
        assert!(a.can_manage_user("/1/2/", &clerk));
        let outside = [Grant { role: Role::Clerk, agency_id: 3, agency_path: "/3/".into() }];
        assert!(!a.can_manage_user("/1/2/", &outside));
    }

    #[test]
    fn sensitive_roles_are_not_self_granted() {
        let admin = actor(&[(Role::AgencyAdmin, "/1/2/")]);
        let theirs = PasswordOrigin { set_by: Some(99), temporary: false };
        for role in [Role::Leader, Role::Clerk, Role::AgencyAdmin] {
            assert!(!admin.can_grant_to(role, "/1/2/", admin.user_id, theirs), "{role:?} to oneself");
            assert!(admin.can_grant_to(role, "/1/2/", admin.user_id + 1, theirs), "{role:?} to another");
        }
        assert!(admin.can_grant_to(Role::Specialist, "/1/2/", admin.user_id, theirs));
        let system = actor(&[(Role::SystemAdmin, "/1/")]);
        assert!(!system.can_grant_to(Role::Leader, "/1/2/", system.user_id, theirs));
        assert!(system.can_grant_to(Role::Leader, "/1/2/", system.user_id + 1, theirs));
    }

    #[test]
    fn nobody_opens_documents_to_an_account_whose_password_they_know() {
        let admin = actor(&[(Role::AgencyAdmin, "/1/2/")]);
        let target = admin.user_id + 1;
        let set_by_me = |temporary| PasswordOrigin { set_by: Some(admin.user_id), temporary };
        // Created or reset by this administrator: never, even after the person chose their own
        // password (the administrator could have chosen it, signed in as them).
        for temporary in [true, false] {
            assert_eq!(admin.may_open_way_in(target, set_by_me(temporary)), Err(WayInRefusal::PasswordYouSet));
            assert!(!admin.can_grant_to(Role::Leader, "/1/2/", target, set_by_me(temporary)));
            assert!(admin.can_grant_to(Role::Specialist, "/1/2/", target, set_by_me(temporary)));
        }
        // Another administrator's temporary password: not until the person set their own.
        let other = PasswordOrigin { set_by: Some(target + 7), temporary: true };
        assert_eq!(admin.may_open_way_in(target, other), Err(WayInRefusal::TemporaryPassword));
        let chosen = PasswordOrigin { set_by: Some(target + 7), temporary: false };
        assert_eq!(admin.may_open_way_in(target, chosen), Ok(()));
        assert_eq!(admin.may_open_way_in(target, PasswordOrigin::default()), Ok(()));
        // A system administrator may make the account they just created a leader.
        let system = actor(&[(Role::SystemAdmin, "/1/")]);
        let by_system = PasswordOrigin { set_by: Some(system.user_id), temporary: true };
        assert_eq!(system.may_open_way_in(target, by_system), Ok(()));
        assert_eq!(system.may_open_way_in(system.user_id, by_system), Err(WayInRefusal::Oneself));
    }

    #[test]
    fn passwords_of_sensitive_accounts_are_reset_by_system_admins() {
        let admin = actor(&[(Role::AgencyAdmin, "/1/2/")]);
        let system = actor(&[(Role::SystemAdmin, "/1/")]);
        let leader = vec![Grant { role: Role::Leader, agency_id: 2, agency_path: "/1/2/".into() }];
        let specialist = vec![Grant { role: Role::Specialist, agency_id: 2, agency_path: "/1/2/".into() }];
        assert!(!admin.can_reset_password(&leader, false));
        assert!(!admin.can_reset_password(&specialist, true), "a head or deputy by position");
        assert!(admin.can_reset_password(&specialist, false));
        assert!(system.can_reset_password(&leader, true));
    }

    #[test]
    fn plain_roles_administer_nothing_and_token_scopes_limit() {
        let mut a = actor(&[(Role::Specialist, "/1/")]);
        assert_eq!(a.admin_visibility(), Visibility::Nothing);
        assert!(!a.can_admin_agency("/1/"));
        a.scopes = Some(vec![Scope::OrgRead]);
        assert!(a.allows(Scope::OrgRead));
        assert!(!a.allows(Scope::OrgWrite));
        for s in Scope::ALL {
            assert_eq!(Scope::parse(s.as_str()), Some(*s));
        }
    }
}
