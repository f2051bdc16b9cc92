//! Who may pass a document's handling to whom, present it or approve a draft, within one's own part of the organisation.

use crate::org::Position;

/// One position a person holds: in an agency's leadership (`unit_id` and `unit_path` `None`) or in
/// one of its units.
///
/// `unit_path` is the unit's materialised id path such as `"/3/7/"`: a descendant's path starts with
/// its ancestor's path. A trailing `/` is optional; an empty path counts as no path.
#[derive(Clone, Debug, PartialEq, Eq, Hash)]
pub struct Holding {
    /// The agency the position belongs to.
    pub agency_id: i64,
    /// The unit, for unit-level positions.
    pub unit_id: Option<i64>,
    /// The unit's id path (`"/3/7/"`), for unit-level positions.
    pub unit_path: Option<String>,
    /// The position held.
    pub position: Position,
}

/// Whom a document's handling is passed to.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Target<'a> {
    /// A person, given by every position they hold.
    Person(&'a [Holding]),
    /// A unit as a whole.
    Unit {
        /// The unit's agency.
        agency_id: i64,
        /// The unit's id path (`"/3/7/"`).
        unit_path: &'a str,
    },
}

/// Seniority of a position, 0 the most senior: head 0, deputy 1, unit head 2, unit deputy 3,
/// specialist 4, clerk 5.
pub fn rank(p: Position) -> u8 {
    match p {
        Position::Head => 0,
        Position::Deputy => 1,
        Position::UnitHead => 2,
        Position::UnitDeputy => 3,
        Position::Specialist => 4,
        Position::Clerk => 5,
    }
}

/// `true` for the agency's leadership: head or deputy.
pub fn is_leader(h: &Holding) -> bool {
    h.position.is_agency_level()
}

/// A path without its trailing slashes; `None` if nothing is left.
fn trimmed(path: &str) -> Option<&str> {
    Some(path.trim_end_matches('/')).filter(|p| !p.is_empty())
}

/// `true` if `path` lies strictly below `ancestor` (`"/3/7/"` below `"/3/"`, but not `"/30/"`).
fn is_strict_descendant(path: &str, ancestor: &str) -> bool {
    match (trimmed(path), trimmed(ancestor)) {
        (Some(p), Some(a)) => p.len() > a.len() && p.starts_with(a) && p[a.len()..].starts_with('/'),
        _ => false,
    }
}

/// `true` if both holdings are in the same unit: equal paths, or equal unit ids when a path is missing.
fn same_unit(a: &Holding, b: &Holding) -> bool {
    match (a.unit_path.as_deref().and_then(trimmed), b.unit_path.as_deref().and_then(trimmed)) {
        (Some(x), Some(y)) => x == y,
        _ => matches!((a.unit_id, b.unit_id), (Some(x), Some(y)) if x == y),
    }
}

/// `true` if `b` holds a unit-level position in a unit strictly below `a`'s unit.
fn in_unit_below(b: &Holding, a: &Holding) -> bool {
    !b.position.is_agency_level()
        && matches!((&b.unit_path, &a.unit_path), (Some(bp), Some(ap)) if is_strict_descendant(bp, ap))
}

/// Whether holding `h` may pass work to a person holding `t`.
fn reaches_holding(h: &Holding, t: &Holding) -> bool {
    if h.agency_id != t.agency_id {
        return false;
    }
    match h.position {
        Position::Head | Position::Deputy => rank(t.position) > rank(h.position),
        Position::UnitHead | Position::UnitDeputy => {
            in_unit_below(t, h) || (same_unit(h, t) && rank(t.position) > rank(h.position))
        }
        Position::Specialist | Position::Clerk => false,
    }
}

/// Whether holding `h` may pass work to `to`.
fn reaches(h: &Holding, to: Target<'_>) -> bool {
    match to {
        Target::Person(holdings) => holdings.iter().any(|t| reaches_holding(h, t)),
        Target::Unit { agency_id, unit_path } => {
            agency_id == h.agency_id
                && match h.position {
                    Position::Head | Position::Deputy => trimmed(unit_path).is_some(),
                    Position::UnitHead | Position::UnitDeputy => {
                        h.unit_path.as_deref().is_some_and(|own| is_strict_descendant(unit_path, own))
                    }
                    Position::Specialist | Position::Clerk => false,
                }
        }
    }
}

/// Whether a person holding `from` may pass a document's handling down to `to`, to any depth
/// inside their own part of the organisation. True if some holding of the assigner reaches it:
///
/// - head or deputy: a person with a strictly more junior position in the same agency (the head
///   to deputies and below, a deputy to unit heads and below, never to a peer or above), or any
///   unit of the agency;
/// - unit head or unit deputy: a person holding a unit-level position in a unit strictly below
///   their own (any position), or in their own unit with a strictly more junior position (a unit
///   head to unit deputies and specialists, a unit deputy to specialists); or a unit strictly
///   below their own;
/// - specialist or clerk: nobody (they may return work, not pass it down).
pub fn can_pass_to(from: &[Holding], to: Target<'_>) -> bool {
    from.iter().any(|h| reaches(h, to))
}

/// Whether the clerical office of agency `clerk_agency` may present a document to the person
/// holding `target`: they are the head or a deputy of that agency.
pub fn can_present_to(clerk_agency: i64, target: &[Holding]) -> bool {
    target.iter().any(|t| t.agency_id == clerk_agency && is_leader(t))
}

/// Whether holding `a` may approve a draft written under holding `d`.
fn approves(d: &Holding, a: &Holding) -> bool {
    if d.agency_id != a.agency_id {
        return false;
    }
    match a.position {
        Position::Head | Position::Deputy => rank(a.position) < rank(d.position),
        Position::UnitHead | Position::UnitDeputy => {
            in_unit_below(d, a) || (same_unit(d, a) && rank(a.position) < rank(d.position))
        }
        Position::Specialist | Position::Clerk => false,
    }
}

/// Whether the person holding `approver` may approve a draft by the person holding `drafter`:
///
/// - the approver is the head or a deputy of the drafter's agency and more senior than the
///   drafter there (a deputy's draft goes to the head, not to another deputy);
/// - or the approver is the unit head or unit deputy of the drafter's unit or of one of its
///   ancestors: in a unit above the drafter's, any unit-level drafter; in the drafter's own unit,
///   only a more junior one (a unit deputy approves a specialist's draft, not the unit head's).
///
/// The caller checks that drafter and approver are different people.
pub fn can_approve(drafter: &[Holding], approver: &[Holding]) -> bool {
    drafter.iter().any(|d| approver.iter().any(|a| approves(d, a)))
}

#[cfg(test)]
#[allow(clippy::unwrap_used)]
mod tests {
    use super::*;
    use crate::testutil::Rng;
    use Position::*;

    fn leader(agency_id: i64, position: Position) -> Holding {
        Holding { agency_id, unit_id: None, unit_path: None, position }
    }

    fn member(agency_id: i64, path: &str, position: Position) -> Holding {
        let unit_id = path.trim_end_matches('/').rsplit('/').next().and_then(|s| s.parse().ok());
        Holding { agency_id, unit_id, unit_path: Some(path.to_owned()), position }
    }

    fn pass(from: &Holding, to: &Holding) -> bool {
        can_pass_to(std::slice::from_ref(from), Target::Person(std::slice::from_ref(to)))
    }

    fn pass_unit(from: &Holding, agency_id: i64, unit_path: &str) -> bool {
        can_pass_to(std::slice::from_ref(from), Target::Unit { agency_id, unit_path })
    }

    #[test]
    fn ranks() {
        let ranks: Vec<u8> = Position::ALL.iter().map(|&p| rank(p)).collect();
        assert_eq!(ranks, vec![0, 1, 2, 3, 4, 5]);
    }

    #[test]
    fn agency_leaders_pass_down_only() {
        let head = leader(1, Head);
        let deputy = leader(1, Deputy);
        assert!(pass(&head, &deputy));
        assert!(pass(&head, &member(1, "/3/", UnitHead)));
        assert!(pass(&head, &member(1, "/3/7/", Specialist)));
        assert!(pass(&deputy, &member(1, "/3/", UnitHead)));
        assert!(pass(&deputy, &member(1, "/3/7/", Specialist)));
        assert!(pass(&deputy, &member(1, "/9/", UnitDeputy)));
        assert!(!pass(&deputy, &head));
        assert!(!pass(&deputy, &leader(1, Deputy)));
        assert!(!pass(&head, &leader(1, Head)));
        // Never into another agency.
        assert!(!pass(&head, &leader(2, Deputy)));
        assert!(!pass(&head, &member(2, "/5/", Specialist)));
    }

    #[test]
    fn specialists_and_clerks_reach_nobody() {
        for p in [Specialist, Clerk] {
            let h = member(1, "/3/", p);
            assert!(!pass(&h, &member(1, "/3/", Specialist)));
            assert!(!pass(&h, &member(1, "/3/", Clerk)));
            assert!(!pass(&h, &member(1, "/3/7/", Specialist)));
            assert!(!pass(&h, &leader(1, Deputy)));
            assert!(!pass_unit(&h, 1, "/3/7/"));
        }
    }

    #[test]
    fn unit_leaders_stay_in_their_subtree() {
        let head_a = member(1, "/3/", UnitHead);
        let deputy_a = member(1, "/3/", UnitDeputy);
        assert!(pass(&head_a, &deputy_a));
        assert!(pass(&head_a, &member(1, "/3/", Specialist)));
        assert!(pass(&deputy_a, &member(1, "/3/", Specialist)));
        assert!(!pass(&deputy_a, &head_a));
        assert!(!pass(&deputy_a, &member(1, "/3/", UnitDeputy)));
        assert!(!pass(&head_a, &member(1, "/3/", UnitHead)));
        // Sibling units, including one whose id starts with the same digit.
        assert!(!pass(&head_a, &member(1, "/9/", Specialist)));
        assert!(!pass(&head_a, &member(1, "/30/", Specialist)));
        assert!(!pass(&head_a, &member(1, "/30/7/", Specialist)));
        // Not upwards or to the agency's leadership.
        assert!(!pass(&member(1, "/3/7/", UnitHead), &member(1, "/3/", Specialist)));
        assert!(!pass(&head_a, &leader(1, Deputy)));
        // Same paths in another agency are other units.
        assert!(!pass(&head_a, &member(2, "/3/7/", Specialist)));
    }

    #[test]
    fn passing_reaches_any_depth() {
        let unit_head = member(1, "/3/", UnitHead);
        let sub_deputy = member(1, "/3/7/", UnitDeputy);
        let sub_specialist = member(1, "/3/7/", Specialist);
        assert!(pass(&unit_head, &sub_deputy));
        assert!(pass(&sub_deputy, &sub_specialist));
        assert!(pass(&unit_head, &sub_specialist));
        assert!(pass(&unit_head, &member(1, "/3/7/", UnitHead)));
        assert!(pass(&member(1, "/3/", UnitDeputy), &member(1, "/3/7/", UnitHead)));
        assert!(pass(&unit_head, &member(1, "/3/7/11/", Clerk)));
        assert!(pass(&sub_deputy, &member(1, "/3/7/11/", UnitHead)));
        assert!(!pass(&sub_deputy, &member(1, "/3/8/", Specialist)));
    }

    #[test]
    fn passing_to_units() {
        assert!(pass_unit(&leader(1, Head), 1, "/3/"));
        assert!(pass_unit(&leader(1, Deputy), 1, "/3/7/"));
        assert!(!pass_unit(&leader(1, Head), 2, "/5/"));
        assert!(!pass_unit(&leader(1, Head), 1, ""));
        let unit_head = member(1, "/3/", UnitHead);
        assert!(pass_unit(&unit_head, 1, "/3/7/"));
        assert!(pass_unit(&member(1, "/3/", UnitDeputy), 1, "/3/7/11/"));
        assert!(!pass_unit(&unit_head, 1, "/3/"));
        assert!(!pass_unit(&unit_head, 1, "/9/"));
        assert!(!pass_unit(&unit_head, 1, "/30/"));
        assert!(!pass_unit(&unit_head, 2, "/3/7/"));
        assert!(!pass_unit(&member(1, "/3/7/", UnitHead), 1, "/3/"));
    }

    #[test]
    fn paths_with_or_without_trailing_slash_and_missing_paths() {
        assert!(pass(&member(1, "/3", UnitHead), &member(1, "/3/7", Specialist)));
        assert!(pass(&member(1, "/3/", UnitHead), &member(1, "/3/7", Specialist)));
        assert!(pass(&member(1, "/3", UnitHead), &member(1, "/3/", UnitDeputy)));
        assert!(!pass(&member(1, "/3", UnitHead), &member(1, "/30", Specialist)));
        // An empty path reaches no subtree.
        let no_path = Holding { agency_id: 1, unit_id: None, unit_path: Some(String::new()), position: UnitHead };
        assert!(!pass(&no_path, &member(1, "/3/", Specialist)));
        assert!(!pass_unit(&no_path, 1, "/3/"));
        // Without paths, the same unit is recognised by its id.
        let head = Holding { agency_id: 1, unit_id: Some(3), unit_path: None, position: UnitHead };
        let specialist = Holding { agency_id: 1, unit_id: Some(3), unit_path: None, position: Specialist };
        let other = Holding { agency_id: 1, unit_id: Some(4), unit_path: None, position: Specialist };
        assert!(pass(&head, &specialist));
        assert!(!pass(&head, &other));
    }

    #[test]
    fn any_holding_counts() {
        let from = [member(1, "/9/", Specialist), member(1, "/3/", UnitHead)];
        let to = [member(2, "/5/", Specialist), member(1, "/3/7/", Specialist)];
        assert!(can_pass_to(&from, Target::Person(&to)));
        assert!(!can_pass_to(&from[..1], Target::Person(&to)));
        assert!(!can_pass_to(&from, Target::Person(&to[..1])));
        assert!(!can_pass_to(&[], Target::Person(&to)));
        assert!(!can_pass_to(&from, Target::Person(&[])));
    }

    #[test]
    fn presenting_goes_to_the_agency_leadership() {
        assert!(is_leader(&leader(1, Head)) && is_leader(&leader(1, Deputy)));
        assert!(!is_leader(&member(1, "/3/", UnitHead)));
        assert!(can_present_to(1, &[leader(1, Head)]));
        assert!(can_present_to(1, &[member(1, "/3/", Specialist), leader(1, Deputy)]));
        assert!(!can_present_to(1, &[leader(2, Deputy)]));
        assert!(!can_present_to(1, &[member(1, "/3/", UnitHead)]));
        assert!(!can_present_to(1, &[]));
    }

    #[test]
    fn approval_follows_the_line() {
        let approve = |d: &Holding, a: &Holding| can_approve(std::slice::from_ref(d), std::slice::from_ref(a));
        let drafter = member(1, "/3/7/", Specialist);
        assert!(approve(&drafter, &member(1, "/3/7/", UnitDeputy)));
        assert!(approve(&drafter, &member(1, "/3/7/", UnitHead)));
        assert!(approve(&drafter, &member(1, "/3/", UnitHead)));
        assert!(approve(&drafter, &member(1, "/3/", UnitDeputy)));
        assert!(approve(&drafter, &leader(1, Head)));
        assert!(approve(&drafter, &leader(1, Deputy)));
        assert!(!approve(&drafter, &member(1, "/9/", UnitHead)));
        assert!(!approve(&drafter, &member(1, "/3/7/11/", UnitHead)));
        assert!(!approve(&drafter, &member(1, "/3/7/", Specialist)));
        assert!(!approve(&drafter, &leader(2, Head)));
        assert!(!approve(&member(1, "/30/", Specialist), &member(1, "/3/", UnitHead)));
        // Within one unit only a more senior leader approves.
        let unit_head = member(1, "/3/7/", UnitHead);
        assert!(!approve(&unit_head, &member(1, "/3/7/", UnitDeputy)));
        assert!(approve(&unit_head, &member(1, "/3/", UnitDeputy)));
        assert!(approve(&member(1, "/3/7/", UnitDeputy), &unit_head));
        // In the leadership, a deputy's draft goes to the head.
        assert!(approve(&leader(1, Deputy), &leader(1, Head)));
        assert!(!approve(&leader(1, Head), &leader(1, Deputy)));
        assert!(!approve(&leader(1, Deputy), &leader(1, Deputy)));
        assert!(!approve(&leader(1, Deputy), &member(1, "/3/", UnitHead)));
        // Several holdings on either side.
        assert!(can_approve(&[leader(2, Deputy), drafter.clone()], &[member(1, "/9/", UnitHead), leader(1, Head)]));
    }

    #[test]
    fn property_passing_is_irreflexive_antisymmetric_and_local() {
        let paths = ["/3/", "/3/7/", "/3/7/11/", "/9/", "/30/", "/3/8/"];
        let mut rng = Rng::new(31);
        let random_holding = |rng: &mut Rng| {
            let agency = 1 + rng.below(2) as i64;
            let position = *rng.pick(Position::ALL);
            if position.is_agency_level() {
                leader(agency, position)
            } else {
                member(agency, paths[rng.below(paths.len())], position)
            }
        };
        for _ in 0..5000 {
            let a = random_holding(&mut rng);
            let b = random_holding(&mut rng);
            assert!(!pass(&a, &a), "{a:?} passes to itself");
            if pass(&a, &b) {
                assert!(!pass(&b, &a), "{a:?} and {b:?} pass to each other");
                assert_eq!(a.agency_id, b.agency_id);
                assert!(!matches!(a.position, Specialist | Clerk));
                assert!(rank(a.position) < rank(b.position) || in_unit_below(&b, &a));
            }
            if approves(&a, &b) {
                assert!(!approves(&b, &a));
                assert_eq!(a.agency_id, b.agency_id);
            }
        }
    }
}
