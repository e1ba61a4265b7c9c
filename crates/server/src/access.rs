//! Who may read and write which records. Pure decisions over facts the storage looks up; the
//! push path and the change feed call them (the feed's SQL filter says the same as
//! [`may_access`]).
//!
//! A record belongs to a child: a face sheet to itself, a visit to its `child_id`. A child is
//! owned by the organisation of whoever first stored its face sheet; users are assigned children.
//!
//! | role | reads and writes | also |
//! |---|---|---|
//! | nurse | children assigned to them or owned by their org | may not approve; approved records are locked |
//! | parent | reads their assigned child's records | writes only the guardian confirmation of an existing visit |
//! | office | children owned by their org | approves |
//! | admin | everything | |

use carebook_domain::{Role, Visit, VisitStatus};

/// An authenticated request's account and device.
#[derive(Debug, Clone)]
pub(crate) struct Caller {
    pub user_id: String,
    pub username: String,
    pub role: Role,
    pub org_id: String,
    pub device_id: String,
}

/// What the server knows about a child, as seen by one caller.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub(crate) struct ChildFacts {
    /// The owning organisation, once a face sheet is stored.
    pub owner: Option<String>,
    /// The child's municipality code, from the stored face sheet.
    pub municipality: Option<String>,
    /// Whether the child is assigned to the caller.
    pub assigned: bool,
}

/// Whether `caller` may read (and, within their role's limits, write) records of this child.
pub(crate) fn may_access(caller: &Caller, child: &ChildFacts) -> bool {
    let owned = child.owner.as_deref() == Some(caller.org_id.as_str());
    match caller.role {
        Role::Admin => true,
        Role::Office => owned,
        Role::Nurse => owned || child.assigned,
        Role::Parent => child.assigned,
    }
}

/// Whether `caller` may store the first face sheet of a child nobody owns yet, which makes their
/// organisation its owner. Nobody may claim a child whose records another organisation already
/// keeps on the server, unless assigned to it.
pub(crate) fn may_claim(caller: &Caller, child: &ChildFacts, child_has_records: bool) -> bool {
    debug_assert!(child.owner.is_none());
    match caller.role {
        Role::Admin => true,
        Role::Office | Role::Nurse => child.assigned || !child_has_records,
        Role::Parent => false,
    }
}

/// Whether `caller` may move a visit to `approved`.
pub(crate) fn may_approve(caller: &Caller) -> bool {
    matches!(caller.role, Role::Office | Role::Admin)
}

/// Whether an approved record is locked for `caller`.
pub(crate) fn locked_for(caller: &Caller) -> bool {
    matches!(caller.role, Role::Nurse | Role::Parent)
}

/// Whether `after` differs from `before` in the guardian confirmation only (or not at all).
pub(crate) fn only_guardian_changed(before: &Visit, after: &Visit) -> bool {
    let mut same = after.clone();
    same.guardian = before.guardian.clone();
    &same == before
}

/// Draft < submitted < approved.
pub(crate) fn status_rank(s: VisitStatus) -> u8 {
    match s {
        VisitStatus::Draft => 0,
        VisitStatus::Submitted => 1,
        VisitStatus::Approved => 2,
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use carebook_domain::{ChildId, GuardianConfirmation, Station, VisitKind};

    fn caller(role: Role, org: &str) -> Caller {
        Caller { user_id: "u".into(), username: "u".into(), role, org_id: org.into(), device_id: "d".into() }
    }

    fn facts(owner: Option<&str>, assigned: bool) -> ChildFacts {
        ChildFacts { owner: owner.map(Into::into), municipality: None, assigned }
    }

    #[test]
    fn each_role_reaches_exactly_its_children() {
        let own = facts(Some("st1"), false);
        let other = facts(Some("st2"), false);
        let assigned_elsewhere = facts(Some("st2"), true);
        let n = caller(Role::Nurse, "st1");
        assert!(may_access(&n, &own) && !may_access(&n, &other) && may_access(&n, &assigned_elsewhere));
        let o = caller(Role::Office, "st1");
        assert!(may_access(&o, &own) && !may_access(&o, &other) && !may_access(&o, &assigned_elsewhere));
        let p = caller(Role::Parent, "st1");
        assert!(!may_access(&p, &own) && may_access(&p, &assigned_elsewhere));
        let a = caller(Role::Admin, "hq");
        assert!(may_access(&a, &other) && may_access(&a, &facts(None, false)));
    }

    #[test]
    fn a_child_already_on_the_server_cannot_be_claimed_by_a_stranger() {
        let unowned = facts(None, false);
        let n = caller(Role::Nurse, "st1");
        assert!(may_claim(&n, &unowned, false));
        assert!(!may_claim(&n, &unowned, true));
        assert!(may_claim(&n, &facts(None, true), true));
        assert!(!may_claim(&caller(Role::Parent, "p"), &facts(None, true), false));
    }

    #[test]
    fn only_the_guardian_confirmation_may_differ_for_a_parent() {
        let before = Visit::new(ChildId::random(), VisitKind::Nursing, Station::default());
        let mut after = before.clone();
        after.guardian = Some(GuardianConfirmation::NotConfirmed { reason: "不在".into() });
        assert!(only_guardian_changed(&before, &after));
        after.place = "学校".into();
        assert!(!only_guardian_changed(&before, &after));
    }
}
