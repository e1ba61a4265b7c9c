//! Who may read and write which records. Pure decisions over facts the storage looks up; the
//! push path and the change feed call them (the feed's SQL filter says the same as
//! [`may_access`]: the property test at the end of this file holds the two together on real
//! SQLite and PostgreSQL databases).
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
//! | municipality | reads, never writes: children of its org's municipality whose stored face sheet holds a guardian's sharing consent in force today (JST) | every push refused `forbidden`, nothing of it kept (not in the quarantine either); never claims, approves or manages |
//!
//! A consent is in force from the day it was given to its last day, and ends the day it is
//! withdrawn (`SharingConsent::in_force_days`); "today" is the request's day in Japan, read once
//! when the caller is authenticated (`Caller::today`), so the Rust rule and the SQL agree within
//! a request.

use carebook_domain::{Role, Visit, VisitStatus};

use crate::model::{Caller, ChildFacts};

/// Whether `caller` may read (and, within their role's limits, write) records of this child.
pub(crate) fn may_access(caller: &Caller, child: &ChildFacts) -> bool {
    let owned = child.owner.as_deref() == Some(caller.org_id.as_str());
    match caller.role {
        Role::Admin => true,
        Role::Office => owned,
        Role::Nurse => owned || child.assigned,
        Role::Parent => child.assigned,
        Role::Municipality => {
            let ours = caller.municipality.is_some() && child.municipality == caller.municipality;
            let in_force = child.shared.is_some_and(|(first, last)| first <= caller.today && caller.today <= last);
            ours && in_force
        }
    }
}

/// Whether `caller` may write records at all (a municipality only reads).
pub(crate) fn may_write(caller: &Caller) -> bool {
    caller.role != Role::Municipality
}

/// Whether `caller` may store the first face sheet of a child nobody owns yet, which makes their
/// organisation its owner. Nobody may claim a child whose records another organisation already
/// keeps on the server, unless assigned to it.
pub(crate) fn may_claim(caller: &Caller, child: &ChildFacts, child_has_records: bool) -> bool {
    debug_assert!(child.owner.is_none());
    match caller.role {
        Role::Admin => true,
        Role::Office | Role::Nurse => child.assigned || !child_has_records,
        Role::Parent | Role::Municipality => false,
    }
}

/// Whether `caller` may move a visit to `approved`.
pub(crate) fn may_approve(caller: &Caller) -> bool {
    matches!(caller.role, Role::Office | Role::Admin)
}

/// Whether an approved record is locked for `caller`.
pub(crate) fn locked_for(caller: &Caller) -> bool {
    matches!(caller.role, Role::Nurse | Role::Parent | Role::Municipality)
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
    use carebook_domain::{ChildId, Date, GuardianConfirmation, Station, VisitKind};

    fn day(d: &str) -> Date {
        d.parse().unwrap()
    }

    fn caller(role: Role, org: &str) -> Caller {
        Caller {
            user_id: "u".into(),
            username: "u".into(),
            role,
            org_id: org.into(),
            municipality: None,
            device_id: "d".into(),
            today: day("2026-05-01"),
        }
    }

    fn facts(owner: Option<&str>, assigned: bool) -> ChildFacts {
        ChildFacts { owner: owner.map(Into::into), municipality: None, shared: None, assigned }
    }

    #[test]
    fn a_municipality_reads_only_its_own_childrens_records_while_the_consent_is_in_force() {
        let ku = Caller { municipality: Some("13105".into()), ..caller(Role::Municipality, "ku-kakuu") };
        let child = |code: &str, shared: Option<(&str, &str)>| ChildFacts {
            owner: Some("st1".into()),
            municipality: Some(code.into()),
            shared: shared.map(|(a, b)| (day(a), day(b))),
            assigned: false,
        };
        assert!(may_access(&ku, &child("13105", Some(("2026-04-01", "2027-03-31")))));
        assert!(may_access(&ku, &child("13105", Some(("2026-05-01", "2026-05-01")))), "first and last day included");
        assert!(!may_access(&ku, &child("13105", Some(("2026-05-02", "2027-03-31")))), "not yet given");
        assert!(!may_access(&ku, &child("13105", Some(("2026-04-01", "2026-04-30")))), "expired or withdrawn");
        assert!(!may_access(&ku, &child("13105", None)), "no consent");
        assert!(!may_access(&ku, &child("13101", Some(("2026-04-01", "2027-03-31")))), "another municipality's child");
        let no_code = caller(Role::Municipality, "ku-kakuu");
        assert!(!may_access(&no_code, &ChildFacts { municipality: None, ..child("13105", Some(("2026-04-01", "2027-03-31"))) }));
        assert!(!may_access(&ku, &ChildFacts { assigned: true, ..child("13101", None) }), "an assignment gives it nothing");
        assert!(!may_write(&ku) && may_write(&caller(Role::Parent, "st1")));
        assert!(!may_claim(&ku, &ChildFacts { owner: None, ..facts(None, true) }, false));
        assert!(!may_approve(&ku) && locked_for(&ku));
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

/// The rule in Rust ([`may_access`] over the facts `Storage::child_facts` looks up) and the rule
/// in SQL (the storage's readable set: `readable_children`, and the filter of `changes` and
/// `catch_up`) answer the same for random worlds on a real SQLite database: organisations of
/// both kinds (municipalities with their codes), users of every role moved between them,
/// children owned by random stations (or by nobody: visits stored before any face sheet) in
/// random municipalities with consents in force, expired, not yet given or withdrawn, nurses'
/// assignments and parents' own children. On SQLite and, when the test cluster is set up, on
/// PostgreSQL.
#[cfg(test)]
mod agrees_with_the_sql {
    use std::cell::Cell;

    use carebook_domain::{CatchUpRequest, ChildId, Date, RecordKind, Role, SharingConsent, SharingScope};
    use carebook_testkit::{Db, TestDb};
    use proptest::prelude::*;
    use proptest::test_runner::{Config, TestCaseError, TestRunner};

    use super::may_access;
    use crate::model::{unix_now, Caller, OrgKind};
    use crate::storage::{FaceSheet, Page, Storage, Version};

    /// The organisations: two stations and two municipalities' welfare sections.
    const ORGS: [(&str, OrgKind); 4] = [
        ("st-kakuu-1", OrgKind::Station),
        ("st-kakuu-2", OrgKind::Station),
        ("ku-kakuu", OrgKind::Municipality),
        ("shi-kakuu", OrgKind::Municipality),
    ];
    /// The municipality code of each organisation (the welfare sections').
    const CODES: [Option<&str>; 4] = [None, None, Some("13105"), Some("13101")];
    /// The municipalities children live in: the two above and one without a welfare section.
    const CHILD_CODES: [&str; 3] = ["13105", "13101", "13103"];
    /// The day every world's requests are made on.
    const TODAY: &str = "2026-05-01";
    /// The accounts every world re-roles (made once: each costs an Argon2 hash).
    const USERS: usize = 5;

    /// A guardian's consent, in days from [`TODAY`]: given, last day, withdrawn.
    #[derive(Debug, Clone)]
    struct ConsentSpec {
        given: i64,
        until: i64,
        withdrawn: Option<i64>,
    }

    impl ConsentSpec {
        fn consent(&self) -> SharingConsent {
            let at = |d: i64| Date::from_days_since_epoch(today().days_since_epoch() + d);
            SharingConsent {
                by: "見本 母".into(),
                given_on: at(self.given),
                scope: SharingScope::RespiteRecords,
                until: at(self.until),
                withdrawn_on: self.withdrawn.map(at),
            }
        }
    }

    fn today() -> Date {
        TODAY.parse().unwrap()
    }

    #[derive(Debug, Clone)]
    struct ChildSpec {
        /// The organisation whose face sheet claimed the child (`None`: no face sheet stored).
        owner: Option<usize>,
        /// The child's municipality (of [`CHILD_CODES`]).
        municipality: usize,
        /// The consent on its face sheet.
        consent: Option<ConsentSpec>,
        /// How many visits are stored.
        visits: usize,
        /// Whether it is assigned to each user (a nurse's child, a parent's own).
        assigned: Vec<bool>,
    }

    #[derive(Debug, Clone)]
    struct World {
        /// Each user's role and organisation.
        users: Vec<(Role, usize)>,
        children: Vec<ChildSpec>,
    }

    fn world() -> impl Strategy<Value = World> {
        let role = prop_oneof![
            1 => Just(Role::Admin),
            1 => Just(Role::Office),
            1 => Just(Role::Nurse),
            1 => Just(Role::Parent),
            3 => Just(Role::Municipality),
        ];
        // A municipality user belongs to a welfare section, a nurse to a station; the others anywhere.
        let user = (role, 0..ORGS.len()).prop_map(|(role, org)| match role {
            Role::Municipality => (role, 2 + org % 2),
            Role::Nurse => (role, org % 2),
            _ => (role, org),
        });
        // Consents in force, expired, not yet given, withdrawn (before or after today), and
        // around the edges of today.
        let consent = (-3..=2i64, 0..=4i64, proptest::option::weighted(0.3, -2..=3i64)).prop_map(|(given, length, withdrawn)| {
            ConsentSpec { given, until: given + length - 1, withdrawn: withdrawn.map(|w| given + w.max(0)) }
        });
        let child = (
            proptest::option::of(0..ORGS.len()),
            0..CHILD_CODES.len(),
            proptest::option::weighted(0.7, consent),
            0..3usize,
            proptest::collection::vec(proptest::bool::weighted(0.3), USERS),
        )
            .prop_map(|(owner, municipality, consent, visits, assigned)| ChildSpec {
                owner,
                municipality,
                consent,
                visits,
                assigned,
            });
        (proptest::collection::vec(user, USERS), proptest::collection::vec(child, 1..6))
            .prop_map(|(users, children)| World { users, children })
    }

    struct Account {
        username: String,
        /// The SHA-256 its device's token would have (the device is found by it).
        token_hash: [u8; 32],
    }

    async fn accounts(storage: &Storage) -> Vec<Account> {
        for ((id, kind), code) in ORGS.iter().zip(CODES) {
            let org = carebook_domain::Org { id: id.to_string(), kind: *kind, name: "見本".into(), municipality: code.map(Into::into) };
            storage.add_org(&org, None).await.unwrap();
        }
        let mut out = Vec::new();
        for i in 0..USERS {
            let username = format!("kakuu-user-{i}");
            let (org, kind) = ORGS[i % ORGS.len()];
            let info = storage.add_user(&username, "umi-to-sora-no-mihon", Role::Office, org, kind).await.unwrap();
            let token_hash = [i as u8; 32];
            storage.create_device(&info.id, "見本の端末", &token_hash, unix_now(), unix_now() + 86_400).await.unwrap();
            out.push(Account { username, token_hash });
        }
        out
    }

    /// Builds `world` in the storage (its children are new; the accounts are re-roled), then
    /// compares the two rules for every (user, child) pair. Counts the pairs each way in `seen`.
    async fn check(storage: &Storage, accounts: &[Account], world: &World, seen: &[Cell<usize>; 3]) -> Result<(), TestCaseError> {
        let fail = |e: crate::model::Error| TestCaseError::fail(e.to_string());
        let mut callers = Vec::new();
        for (account, &(role, org)) in accounts.iter().zip(&world.users) {
            storage.change_user(&account.username, Some(role), Some(ORGS[org])).await.map_err(fail)?;
            // The caller as a request's device finds it: the organisation's code joined in.
            let d = storage.device_by_token(&account.token_hash).await.map_err(fail)?.expect("the device exists");
            prop_assert_eq!((d.role, d.municipality.as_deref()), (role, CODES[org]));
            callers.push(Caller {
                user_id: d.user_id,
                username: d.username,
                role: d.role,
                org_id: d.org_id,
                municipality: d.municipality,
                device_id: d.device_id,
                today: today(),
            });
        }
        let mut ids = Vec::new();
        let mut since = i64::MAX;
        for spec in &world.children {
            let child = ChildId::random();
            let id = child.to_string();
            let mut versions = Vec::new();
            if let Some(org) = spec.owner {
                versions.push(Version {
                    id: id.clone(),
                    kind: RecordKind::Child,
                    child_id: id.clone(),
                    bytes: b"mihon".to_vec(),
                    expected_seq: None,
                    face_sheet: Some(FaceSheet {
                        org_id: ORGS[org].0.into(),
                        municipality: CHILD_CODES[spec.municipality].into(),
                        shared: spec.consent.as_ref().and_then(|c| c.consent().in_force_days()),
                    }),
                    heads: String::new(),
                    index_json: None,
                });
            }
            // A child nobody owns and nobody is assigned exists on the server only by its visits.
            let bare = spec.owner.is_none() && !spec.assigned.contains(&true);
            for _ in 0..spec.visits.max(usize::from(bare)) {
                versions.push(Version {
                    id: uuid::Uuid::new_v4().to_string(),
                    kind: RecordKind::Visit,
                    child_id: id.clone(),
                    bytes: b"mihon".to_vec(),
                    expected_seq: None,
                    face_sheet: None,
                    heads: String::new(),
                    index_json: None,
                });
            }
            for seq in storage.write_versions(&versions, &callers[0], unix_now()).await.map_err(fail)? {
                since = since.min(seq.ok_or_else(|| TestCaseError::fail("a new record was not written"))? - 1);
            }
            for (account, _) in accounts.iter().zip(&spec.assigned).filter(|(_, a)| **a) {
                storage.assign(&account.username, child).await.map_err(fail)?;
            }
            ids.push((id, !versions.is_empty()));
        }
        let page = Page { limit: 1_000_000, max_bytes: i64::MAX };
        for (caller, &(role, org)) in callers.iter().zip(&world.users) {
            let buckets = storage.readable_children(caller).await.map_err(fail)?;
            let feed = storage.changes(caller, since, page, false).await.map_err(fail)?;
            let request = CatchUpRequest {
                children: ids.iter().map(|(id, _)| id.clone()).collect(),
                upto: i64::MAX,
                after: None,
                limit: None,
                max_bytes: None,
                total: false,
            };
            let caught_up = storage.catch_up(caller, &request, page).await.map_err(fail)?;
            for ((id, has_records), spec) in ids.iter().zip(&world.children) {
                let facts = storage.child_facts(id, &caller.user_id).await.map_err(fail)?;
                // The facts are the world as built (else agreeing would prove little).
                let user = callers.iter().position(|c| c.user_id == caller.user_id).unwrap_or_default();
                prop_assert_eq!(facts.owner.as_deref(), spec.owner.map(|o| ORGS[o].0));
                prop_assert_eq!(facts.assigned, spec.assigned[user]);
                prop_assert_eq!(facts.municipality.as_deref(), spec.owner.map(|_| CHILD_CODES[spec.municipality]));
                let consent = spec.owner.and(spec.consent.as_ref()).map(ConsentSpec::consent);
                prop_assert_eq!(facts.shared, consent.as_ref().and_then(SharingConsent::in_force_days));
                if role == Role::Municipality {
                    // Worked out apart from both rules: the face sheet's consent on the day.
                    let expected =
                        CODES[org] == Some(CHILD_CODES[spec.municipality]) && consent.as_ref().is_some_and(|c| c.in_force(today()));
                    prop_assert_eq!(may_access(caller, &facts), expected, "municipality: {}", ORGS[org].0);
                    seen[2].set(seen[2].get() + usize::from(expected));
                }
                let rust = may_access(caller, &facts);
                seen[usize::from(rust)].set(seen[usize::from(rust)].get() + 1);
                let context = format!("{role:?} of {} and child {spec:?}", ORGS[org].0);
                prop_assert_eq!(rust, buckets.contains(id), "readable_children, {}", context);
                if *has_records {
                    prop_assert_eq!(rust, feed.documents.iter().any(|d| &d.child_id == id), "changes, {}", context);
                    prop_assert_eq!(rust, caught_up.documents.iter().any(|d| &d.child_id == id), "catch_up, {}", context);
                }
            }
        }
        Ok(())
    }

    /// Runs the property on a fresh database of `db`'s kind (`None`: PostgreSQL is not set up).
    fn agree_on(db: Db) {
        let rt = tokio::runtime::Builder::new_current_thread().enable_all().build().unwrap();
        let Some(test_db) = rt.block_on(TestDb::create(db)) else { return };
        let storage = rt.block_on(Storage::open(&test_db.url)).unwrap();
        let accounts = rt.block_on(accounts(&storage));
        let seen = [Cell::new(0), Cell::new(0), Cell::new(0)];
        let mut runner = TestRunner::new(Config { cases: 48, failure_persistence: None, ..Config::default() });
        let result = runner.run(&world(), |world| rt.block_on(check(&storage, &accounts, &world, &seen)));
        rt.block_on(storage.close());
        rt.block_on(test_db.drop_database());
        if let Err(e) = result {
            panic!("{e}");
        }
        let (denied, allowed, municipal) = (seen[0].get(), seen[1].get(), seen[2].get());
        assert!(denied > 20 && allowed > 20, "both answers were tried: {denied} denied, {allowed} allowed");
        assert!(municipal > 3, "municipalities were allowed consented children: {municipal}");
    }

    #[test]
    fn the_sql_readable_set_and_may_access_agree_for_random_callers_and_children_on_sqlite() {
        agree_on(Db::Sqlite);
    }

    #[test]
    fn the_sql_readable_set_and_may_access_agree_for_random_callers_and_children_on_postgres() {
        agree_on(Db::Postgres);
    }
}
