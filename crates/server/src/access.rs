//! Who may read and write which records. Pure decisions over facts the storage looks up; the
//! push path and the change feed call them (the feed's SQL filter says the same as
//! [`may_read`]: the property test at the end of this file holds the two together on real
//! SQLite and PostgreSQL databases).
//!
//! A record belongs to a child: a face sheet to itself, a visit to its `child_id`. A child is
//! owned by the organisation of whoever first stored its face sheet, until a transfer moves it
//! to another station from a first day (the owner on a day is the receiving station of the last
//! transfer in force that day); users are assigned children. Every record also keeps the
//! organisation of the account that first stored it (its writer's station).
//!
//! | role | reads and writes | also |
//! |---|---|---|
//! | nurse | children assigned to them or owned by their org today | may not approve; approved records are locked |
//! | parent | reads their assigned child's records | writes only the guardian confirmation of an existing visit |
//! | office | children owned by their org today | approves; **reads only** the visits its own staff wrote of a child it handed over to another station |
//! | admin | everything | |
//! | coordinator | reads, never writes: the face sheets (not the visits) of children owned by their org today | records coordinator work and regional meetings over HTTP (`coordination`), not by sync |
//! | municipality | reads, never writes: children of its org's municipality whose stored face sheet holds a guardian's sharing consent in force today (JST) | every push refused `forbidden`, nothing of it kept (not in the quarantine either); never claims, approves or manages |
//!
//! A consent is in force from the day it was given to its last day, and ends the day it is
//! withdrawn (`SharingConsent::in_force_days`); "today" is the request's day in Japan, read once
//! when the caller is authenticated (`Caller::today`), so the Rust rule and the SQL agree within
//! a request. Transfers take effect on their first day by the same reading.

use carebook_domain::{RecordKind, Role, Visit, VisitStatus};

use crate::model::{Caller, ChildFacts};

/// How much of a child's records a caller reaches.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Reach {
    /// None of them.
    Nothing,
    /// Reads the visits its own organisation's staff wrote, nothing else (a station's office
    /// after handing the child over).
    OwnVisits,
    /// Reads the face sheet, no visit, writes nothing (a coordinator of the owning station).
    FaceSheets,
    /// Reads every record and writes within the role's limits.
    Whole,
}

/// What the access rule needs of one record.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) struct DocFacts<'a> {
    /// Face sheet or visit.
    pub kind: RecordKind,
    /// The organisation of the account that first stored it (`None`: not known).
    pub org: Option<&'a str>,
}

/// How much of `child`'s records `caller` reaches today.
pub(crate) fn reach(caller: &Caller, child: &ChildFacts) -> Reach {
    let owned = child.owner_on(caller.today) == Some(caller.org_id.as_str());
    let whole = match caller.role {
        Role::Admin => true,
        Role::Office => owned,
        Role::Nurse => owned || child.assigned,
        Role::Parent => child.assigned,
        Role::Municipality => {
            let ours = caller.municipality.is_some() && child.municipality == caller.municipality;
            let in_force = child.shared.is_some_and(|(first, last)| first <= caller.today && caller.today <= last);
            ours && in_force
        }
        Role::Coordinator => false,
    };
    if whole {
        Reach::Whole
    } else if caller.role == Role::Coordinator && owned {
        Reach::FaceSheets
    } else if caller.role == Role::Office && child.handed_over_by(&caller.org_id, caller.today) {
        Reach::OwnVisits
    } else {
        Reach::Nothing
    }
}

/// Whether `caller` may read, and within their role's limits write, every record of this child.
pub(crate) fn may_access(caller: &Caller, child: &ChildFacts) -> bool {
    reach(caller, child) == Reach::Whole
}

/// Whether `caller` may read this record of this child.
pub(crate) fn may_read(caller: &Caller, child: &ChildFacts, doc: DocFacts<'_>) -> bool {
    match reach(caller, child) {
        Reach::Whole => true,
        Reach::OwnVisits => doc.kind == RecordKind::Visit && doc.org == Some(caller.org_id.as_str()),
        Reach::FaceSheets => doc.kind == RecordKind::Child,
        Reach::Nothing => false,
    }
}

/// Whether `caller` may write records at all (a municipality and a coordinator only read).
pub(crate) fn may_write(caller: &Caller) -> bool {
    !matches!(caller.role, Role::Municipality | Role::Coordinator)
}

/// Whether `caller` may store the first face sheet of a child nobody owns yet, which makes their
/// organisation its owner. Nobody may claim a child whose records another organisation already
/// keeps on the server, unless assigned to it.
pub(crate) fn may_claim(caller: &Caller, child: &ChildFacts, child_has_records: bool) -> bool {
    debug_assert!(child.owner.is_none());
    match caller.role {
        Role::Admin => true,
        Role::Office | Role::Nurse => child.assigned || !child_has_records,
        Role::Parent | Role::Municipality | Role::Coordinator => false,
    }
}

/// Whether `caller` may move a visit to `approved`.
pub(crate) fn may_approve(caller: &Caller) -> bool {
    matches!(caller.role, Role::Office | Role::Admin)
}

/// Whether an approved record is locked for `caller`.
pub(crate) fn locked_for(caller: &Caller) -> bool {
    matches!(caller.role, Role::Nurse | Role::Parent | Role::Municipality | Role::Coordinator)
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
        ChildFacts { owner: owner.map(Into::into), assigned, ..ChildFacts::default() }
    }

    #[test]
    fn a_municipality_reads_only_its_own_childrens_records_while_the_consent_is_in_force() {
        let ku = Caller { municipality: Some("13105".into()), ..caller(Role::Municipality, "ku-kakuu") };
        let child = |code: &str, shared: Option<(&str, &str)>| ChildFacts {
            owner: Some("st1".into()),
            municipality: Some(code.into()),
            shared: shared.map(|(a, b)| (day(a), day(b))),
            ..ChildFacts::default()
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
    fn a_transfer_moves_the_child_on_its_first_day_and_the_giving_office_keeps_reading_its_own_visits() {
        use crate::model::Handed;
        // Claimed by st1, handed to st2 from 2026-05-01 (the callers' today), then to st3 from
        // 2026-06-01 (not yet in force).
        let child = ChildFacts {
            transfers: vec![
                Handed { from: "st1".into(), to: "st2".into(), first_day: day("2026-05-01") },
                Handed { from: "st2".into(), to: "st3".into(), first_day: day("2026-06-01") },
            ],
            ..facts(Some("st1"), false)
        };
        assert_eq!(child.owner_on(day("2026-04-30")), Some("st1"));
        assert_eq!(child.owner_on(day("2026-05-01")), Some("st2"));
        assert_eq!(child.owner_on(day("2026-06-01")), Some("st3"));
        let visit = |org: &'static str| DocFacts { kind: RecordKind::Visit, org: Some(org) };
        let sheet = DocFacts { kind: RecordKind::Child, org: Some("st1") };
        let giving = caller(Role::Office, "st1");
        assert_eq!(reach(&giving, &child), Reach::OwnVisits);
        assert!(may_read(&giving, &child, visit("st1")), "its own staff's visit");
        assert!(!may_read(&giving, &child, visit("st2")), "the receiving station's visit");
        assert!(!may_read(&giving, &child, sheet), "the face sheet, though its staff wrote it");
        assert!(!may_access(&giving, &child), "read-only");
        assert_eq!(reach(&caller(Role::Nurse, "st1"), &child), Reach::Nothing, "the giving station's nurse");
        let receiving = caller(Role::Office, "st2");
        assert!(may_access(&receiving, &child) && may_read(&receiving, &child, visit("st1")) && may_read(&receiving, &child, sheet));
        assert!(may_access(&caller(Role::Nurse, "st2"), &child));
        assert_eq!(reach(&caller(Role::Office, "st3"), &child), Reach::Nothing, "not before its first day");
        // The day before the first transfer, st1 still owns it whole.
        let before = Caller { today: day("2026-04-30"), ..caller(Role::Office, "st1") };
        assert_eq!(reach(&before, &child), Reach::Whole);
        // A child handed back is owned whole again.
        let back = Caller { today: day("2026-06-01"), ..caller(Role::Office, "st1") };
        let returned = ChildFacts {
            transfers: vec![Handed { from: "st3".into(), to: "st1".into(), first_day: day("2026-06-01") }, child.transfers[0].clone()],
            ..child.clone()
        };
        assert_eq!(reach(&back, &returned), Reach::Whole);
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

/// The rule in Rust ([`reach`] and [`may_read`] over the facts `Storage::child_facts` looks up)
/// and the rule in SQL (the storage's buckets, `readable_children`, and the filter of `changes`
/// and `catch_up`) answer the same, record by record, for random worlds on a real SQLite
/// database: organisations of both kinds (municipalities with their codes), users of every role
/// moved between them, children owned by random stations (or by nobody: visits stored before
/// any face sheet) in random municipalities with consents in force, expired, not yet given or
/// withdrawn, transferred from station to station with first days before, on and after today,
/// visits written by users of random organisations, nurses' assignments and parents' own
/// children. On SQLite and, when the test cluster is set up, on PostgreSQL.
#[cfg(test)]
mod agrees_with_the_sql {
    use std::cell::Cell;

    use carebook_domain::{own_records_bucket, CatchUpRequest, ChildId, Date, RecordKind, Role, SharingConsent, SharingScope, Transfer};
    use carebook_testkit::{Db, TestDb};
    use proptest::prelude::*;
    use proptest::test_runner::{Config, TestCaseError, TestRunner};

    use super::{may_access, may_read, reach, DocFacts, Reach};
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

    /// The day `offset` days from [`TODAY`].
    fn day(offset: i64) -> Date {
        Date::from_days_since_epoch(today().days_since_epoch() + offset)
    }

    #[derive(Debug, Clone)]
    struct ChildSpec {
        /// The organisation whose face sheet claimed the child (`None`: no face sheet stored).
        owner: Option<usize>,
        /// The child's municipality (of [`CHILD_CODES`]).
        municipality: usize,
        /// The consent on its face sheet.
        consent: Option<ConsentSpec>,
        /// The visits stored, each by the user (index) who wrote it.
        visits: Vec<usize>,
        /// Its transfers: the receiving organisation (of [`ORGS`]) and the first day, in days
        /// from [`TODAY`] (increasing); each from the owner the one before left.
        transfers: Vec<(usize, i64)>,
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
            2 => Just(Role::Office),
            1 => Just(Role::Nurse),
            1 => Just(Role::Parent),
            4 => Just(Role::Municipality),
            2 => Just(Role::Coordinator),
        ];
        // A municipality user belongs to a welfare section, a nurse to a station, an office
        // mostly to a station; the others anywhere.
        let user = (role, 0..ORGS.len()).prop_map(|(role, org)| match role {
            Role::Municipality => (role, 2 + org % 2),
            Role::Nurse | Role::Coordinator => (role, org % 2),
            Role::Office => (role, [0, 1, 0, 2][org]),
            _ => (role, org),
        });
        // Consents in force, expired, not yet given, withdrawn (before or after today), and
        // around the edges of today.
        let consent = (-3..=2i64, 0..=4i64, proptest::option::weighted(0.3, -2..=3i64)).prop_map(|(given, length, withdrawn)| {
            ConsentSpec { given, until: given + length - 1, withdrawn: withdrawn.map(|w| given + w.max(0)) }
        });
        // First days from two days ago to two days ahead, strictly increasing.
        let transfers = proptest::collection::vec((0..2usize, 1..=2i64), 0..3).prop_map(|steps| {
            let mut day = -3;
            steps
                .into_iter()
                .map(|(to, gap)| {
                    day += gap;
                    (to, day)
                })
                .collect::<Vec<_>>()
        });
        // Owned mostly by stations (children move between them), sometimes by anyone or nobody.
        let owner = proptest::option::weighted(0.85, prop_oneof![3 => 0..2usize, 1 => 0..ORGS.len()]);
        let child = (
            owner,
            0..CHILD_CODES.len(),
            proptest::option::weighted(0.7, consent),
            proptest::collection::vec(0..USERS, 0..4),
            proptest::collection::vec(proptest::bool::weighted(0.3), USERS),
            proptest::option::weighted(0.7, transfers),
        )
            .prop_map(|(owner, municipality, consent, visits, assigned, transfers)| ChildSpec {
                owner,
                municipality,
                consent,
                visits,
                assigned,
                // Only a child with a face sheet has an owner to move.
                transfers: if owner.is_some() { transfers.unwrap_or_default() } else { vec![] },
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
            storage.create_device(&info.id, "見本の端末", &token_hash, unix_now(), unix_now() + 86_400, false).await.unwrap();
            out.push(Account { username, token_hash });
        }
        out
    }

    /// Builds `world` in the storage (its children are new; the accounts are re-roled), then
    /// compares the two rules for every (user, child) pair. Counts the pairs each way in `seen`.
    async fn check(storage: &Storage, accounts: &[Account], world: &World, seen: &[Cell<usize>; 5]) -> Result<(), TestCaseError> {
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
            let mut versions: Vec<Version> = Vec::new();
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
            let bare = spec.owner.is_none() && !spec.assigned.contains(&true) && spec.visits.is_empty();
            let writers: Vec<usize> = if bare { vec![0] } else { spec.visits.clone() };
            // Each record, its kind and the organisation of the account that wrote it.
            let mut records = Vec::new();
            if let Some(sheet) = versions.first() {
                records.push((sheet.id.clone(), RecordKind::Child, world.users[0].1));
            }
            for seq in storage.write_versions(&versions, &callers[0], unix_now()).await.map_err(fail)? {
                since = since.min(seq.ok_or_else(|| TestCaseError::fail("a new record was not written"))? - 1);
            }
            for &w in &writers {
                let visit = Version {
                    id: uuid::Uuid::new_v4().to_string(),
                    kind: RecordKind::Visit,
                    child_id: id.clone(),
                    bytes: b"mihon".to_vec(),
                    expected_seq: None,
                    face_sheet: None,
                    heads: String::new(),
                    index_json: None,
                };
                for seq in storage.write_versions(std::slice::from_ref(&visit), &callers[w], unix_now()).await.map_err(fail)? {
                    since = since.min(seq.ok_or_else(|| TestCaseError::fail("a new record was not written"))? - 1);
                }
                records.push((visit.id, RecordKind::Visit, world.users[w].1));
            }
            let mut from = spec.owner;
            let mut last = None;
            for &(to, offset) in &spec.transfers {
                let (Some(giving), first_day) = (from, day(offset)) else { break };
                let t = Transfer {
                    child_id: id.clone(),
                    child_name: "見本 架空".into(),
                    municipality: CHILD_CODES[spec.municipality].into(),
                    from_org: ORGS[giving].0.into(),
                    to_org: ORGS[to].0.into(),
                    first_day,
                    handover_visit: None,
                    by: String::new(),
                    at: unix_now(),
                };
                storage.add_transfer(&t, last, &callers[0]).await.map_err(fail)?;
                (from, last) = (Some(to), Some(first_day));
            }
            for (account, _) in accounts.iter().zip(&spec.assigned).filter(|(_, a)| **a) {
                storage.assign(&account.username, child).await.map_err(fail)?;
            }
            ids.push((id, records));
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
            for ((id, records), spec) in ids.iter().zip(&world.children) {
                let facts = storage.child_facts(id, &caller.user_id).await.map_err(fail)?;
                // The facts are the world as built (else agreeing would prove little).
                let user = callers.iter().position(|c| c.user_id == caller.user_id).unwrap_or_default();
                prop_assert_eq!(facts.owner.as_deref(), spec.owner.map(|o| ORGS[o].0));
                prop_assert_eq!(facts.assigned, spec.assigned[user]);
                prop_assert_eq!(facts.municipality.as_deref(), spec.owner.map(|_| CHILD_CODES[spec.municipality]));
                let consent = spec.owner.and(spec.consent.as_ref()).map(ConsentSpec::consent);
                prop_assert_eq!(facts.shared, consent.as_ref().and_then(SharingConsent::in_force_days));
                let handed: Vec<(&str, Date)> = facts.transfers.iter().map(|t| (t.to.as_str(), t.first_day)).collect();
                let expected: Vec<(&str, Date)> = spec.transfers.iter().map(|&(to, d)| (ORGS[to].0, day(d))).collect();
                prop_assert_eq!(handed, expected);
                if role == Role::Municipality {
                    // Worked out apart from both rules: the face sheet's consent on the day.
                    let expected =
                        CODES[org] == Some(CHILD_CODES[spec.municipality]) && consent.as_ref().is_some_and(|c| c.in_force(today()));
                    prop_assert_eq!(may_access(caller, &facts), expected, "municipality: {}", ORGS[org].0);
                    seen[2].set(seen[2].get() + usize::from(expected));
                }
                if role == Role::Office {
                    // Worked out apart from both rules: the owner today is the receiving end of
                    // the last transfer begun by today; a station that gave the child away by
                    // today and does not own it keeps its own visits.
                    let owner = spec.transfers.iter().rev().find(|(_, d)| *d <= 0).map(|(to, _)| *to).or(spec.owner);
                    let mut chain = spec.owner;
                    let mut gave = false;
                    for &(to, d) in &spec.transfers {
                        gave |= d <= 0 && chain == Some(org);
                        chain = Some(to);
                    }
                    let expected = match (owner == Some(org), gave) {
                        (true, _) => Reach::Whole,
                        (false, true) => Reach::OwnVisits,
                        (false, false) => Reach::Nothing,
                    };
                    prop_assert_eq!(reach(caller, &facts), expected, "office of {}", ORGS[org].0);
                    seen[3].set(seen[3].get() + usize::from(expected == Reach::OwnVisits));
                }
                if role == Role::Coordinator {
                    // Worked out apart from both rules: the owner today (as for the office) is
                    // the coordinator's station: its face sheet, never a visit.
                    let owner = spec.transfers.iter().rev().find(|(_, d)| *d <= 0).map(|(to, _)| *to).or(spec.owner);
                    let expected = if owner == Some(org) { Reach::FaceSheets } else { Reach::Nothing };
                    prop_assert_eq!(reach(caller, &facts), expected, "coordinator of {}", ORGS[org].0);
                    seen[4].set(seen[4].get() + usize::from(expected == Reach::FaceSheets));
                }
                let context = format!("{role:?} of {} and child {spec:?}", ORGS[org].0);
                let bucket = match reach(caller, &facts) {
                    Reach::Whole | Reach::FaceSheets => Some(id.clone()),
                    Reach::OwnVisits => Some(own_records_bucket(id)),
                    Reach::Nothing => None,
                };
                prop_assert_eq!(buckets.contains(id), bucket.as_ref() == Some(id), "readable_children (whole), {}", context);
                prop_assert_eq!(
                    buckets.contains(&own_records_bucket(id)),
                    bucket == Some(own_records_bucket(id)),
                    "readable_children (own records), {}",
                    context
                );
                for (record, kind, writer_org) in records {
                    let rust = may_read(caller, &facts, DocFacts { kind: *kind, org: Some(ORGS[*writer_org].0) });
                    seen[usize::from(rust)].set(seen[usize::from(rust)].get() + 1);
                    prop_assert_eq!(rust, feed.documents.iter().any(|d| &d.id == record), "changes, {:?} {}, {}", kind, record, context);
                    prop_assert_eq!(rust, caught_up.documents.iter().any(|d| &d.id == record), "catch_up, {:?}, {}", kind, context);
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
        let seen = [Cell::new(0), Cell::new(0), Cell::new(0), Cell::new(0), Cell::new(0)];
        let mut runner = TestRunner::new(Config { cases: 48, failure_persistence: None, ..Config::default() });
        let result = runner.run(&world(), |world| rt.block_on(check(&storage, &accounts, &world, &seen)));
        rt.block_on(storage.close());
        rt.block_on(test_db.drop_database());
        if let Err(e) = result {
            panic!("{e}");
        }
        let (denied, allowed, municipal, kept, face_sheets) = (seen[0].get(), seen[1].get(), seen[2].get(), seen[3].get(), seen[4].get());
        assert!(denied > 20 && allowed > 20, "both answers were tried: {denied} denied, {allowed} allowed");
        // The worlds are random: each rarer path must have been tried, however often (a fixed
        // count above one failed now and then on a world set that tried it only 3 times).
        assert!(municipal > 0, "municipalities were allowed consented children: {municipal}");
        assert!(kept > 0, "offices kept their own visits of children they handed over: {kept}");
        assert!(face_sheets > 0, "coordinators read their station's face sheets: {face_sheets}");
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
