use super::*;

#[test]
fn every_defined_command_has_a_permission_and_no_permission_names_a_missing_command() {
    let mut defined: Vec<&str> = DEFINED_COMMANDS.to_vec();
    let mut listed: Vec<&str> = command_names::COMMANDS.to_vec();
    defined.sort_unstable();
    listed.sort_unstable();
    assert_eq!(defined, listed, "src/command_names.rs must list exactly the commands in lib.rs");
}

#[test]
fn the_main_window_is_allowed_exactly_the_app_commands() {
    let cap: serde_json::Value = serde_json::from_str(include_str!("../capabilities/main.json")).unwrap();
    let mut granted: Vec<String> = cap["permissions"].as_array().unwrap().iter().map(|p| p.as_str().unwrap().to_string()).collect();
    granted.sort();
    let mut expected: Vec<String> = command_names::COMMANDS.iter().map(|c| format!("allow-{}", c.replace('_', "-"))).collect();
    expected.sort();
    assert_eq!(granted, expected);
}

/// Checks that the committed generated file `rel` (from the repository root) is `fresh`. When it
/// is not, writes the new content and fails, so the change shows up in `git diff` and is committed.
fn assert_generated(rel: &str, fresh: &str) {
    let path = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("..").join(rel);
    let old = std::fs::read_to_string(&path).unwrap_or_default();
    if old != fresh {
        std::fs::create_dir_all(path.parent().unwrap()).unwrap();
        std::fs::write(&path, fresh).unwrap();
        panic!("{rel} was out of date with the Rust types; it has been regenerated: commit it");
    }
}

/// The UI tests' fake backend answers `labels` and `templates` with what the Rust side answers.
#[test]
fn ui_test_fixtures_are_current() {
    assert_generated("ui/tests/fixtures/labels.json", &(serde_json::to_string_pretty(&Labels::all()).unwrap() + "\n"));
    let templates = carebook_domain::builtin_templates();
    assert_generated("ui/tests/fixtures/templates.json", &(serde_json::to_string_pretty(&templates).unwrap() + "\n"));
}

/// The committed `ui/src/bindings.ts` is what the Rust types generate.
#[test]
fn typescript_bindings_are_current() {
    let fresh = typescript();
    assert_generated("ui/src/bindings.ts", &fresh);
    for ty in ["export type Visit = ", "export type VisitRow = ", "export type Commands = ", "export type ErrorBody = "] {
        assert!(fresh.contains(ty), "{ty} missing");
    }
    assert!(fresh.contains(
        "respite_preview: { args: { childId: ChildId; visitId: VisitId | null; start: DateTime; end: DateTime; leadNurses: number }"
    ));
}

/// A value of each type a command takes, for calling every command in a test. A command taking
/// a new type fails to compile here until it gets a sample.
pub trait Sample {
    /// Any value of the type (the lock is checked before it is looked at).
    fn sample() -> Self;
}

impl Sample for String {
    fn sample() -> Self {
        "0000".into()
    }
}
impl Sample for u32 {
    fn sample() -> Self {
        1
    }
}
impl Sample for ChildId {
    fn sample() -> Self {
        ChildId::random()
    }
}
impl Sample for VisitId {
    fn sample() -> Self {
        VisitId::random()
    }
}
impl<T: Sample> Sample for Option<T> {
    fn sample() -> Self {
        Some(T::sample())
    }
}
impl<T: Sample> Sample for Vec<T> {
    fn sample() -> Self {
        vec![T::sample()]
    }
}
impl Sample for VisitKind {
    fn sample() -> Self {
        VisitKind::Respite
    }
}
impl Sample for Visit {
    fn sample() -> Self {
        carebook_testkit::respite(ChildId::random(), "2026-05-01T09:00", "2026-05-01T12:00")
    }
}
impl Sample for ReviewFilter {
    fn sample() -> Self {
        ReviewFilter::default()
    }
}
impl Sample for GuardianConfirmation {
    fn sample() -> Self {
        GuardianConfirmation::NotConfirmed { reason: "（架空）保護者不在".into() }
    }
}
impl Sample for DateTime {
    fn sample() -> Self {
        "2026-05-01T09:00".parse().unwrap()
    }
}
impl Sample for YearMonth {
    fn sample() -> Self {
        "2026-05".parse().unwrap()
    }
}
impl Sample for NewCoordinatorWork {
    fn sample() -> Self {
        NewCoordinatorWork {
            station: "st-mihon".into(),
            child_id: ChildId::random(),
            date: "2026-05-01".parse().unwrap(),
            minutes: 60,
            cost_yen: 3_500,
            kind: carebook_domain::WorkKind::Liaison,
            note: String::new(),
        }
    }
}
impl Sample for NewRegionalMeeting {
    fn sample() -> Self {
        NewRegionalMeeting {
            station: "st-mihon".into(),
            date: "2026-05-01".parse().unwrap(),
            kind: carebook_domain::MeetingKind::Meeting,
            title: "架空 地域の協議の場".into(),
            cost_yen: 100_000,
        }
    }
}

impl Sample for NewPerson {
    fn sample() -> Self {
        NewPerson {
            username: "mihon".into(),
            role: carebook_domain::Role::Nurse,
            org_id: None,
            name: "見本 花子".into(),
            kana: "みほん はなこ".into(),
            profession: None,
        }
    }
}
impl Sample for PersonChange {
    fn sample() -> Self {
        PersonChange { name: Some("見本 花子".into()), ..PersonChange::default() }
    }
}

impl Sample for Date {
    fn sample() -> Self {
        "2026-05-01".parse().unwrap()
    }
}
impl Sample for RuleVersion {
    fn sample() -> Self {
        RuleVersion {
            key: "13105".into(),
            effective_from: Date::sample(),
            rules: Some(carebook_domain::MunicipalityRules::builtin("13105")),
            template: None,
            phrases: None,
            author: String::new(),
            recorded_at: 0,
        }
    }
}
impl Sample for carebook_core::export::ExportFormat {
    fn sample() -> Self {
        carebook_core::export::ExportFormat::Csv
    }
}

impl Sample for carebook_domain::Child {
    fn sample() -> Self {
        carebook_testkit::child("13105")
    }
}

impl Sample for carebook_domain::TransferRequest {
    fn sample() -> Self {
        carebook_domain::TransferRequest { to_org: "st-2".into(), first_day: Date::sample(), handover_visit: None }
    }
}

impl Sample for carebook_domain::FiscalYear {
    fn sample() -> Self {
        carebook_domain::FiscalYear(2026)
    }
}

impl Sample for carebook_domain::NewPurchase {
    fn sample() -> Self {
        carebook_domain::NewPurchase {
            station: "st-1".into(),
            item: "見本 小児用パルスオキシメーター".into(),
            date: Date::sample(),
            cost_yen: 24_800,
            note: String::new(),
        }
    }
}

impl Sample for carebook_domain::NewGrant {
    fn sample() -> Self {
        carebook_domain::NewGrant {
            station: "st-1".into(),
            fiscal_year: Date::sample().fiscal_year(),
            granted_yen: 1_000_000,
            decided_on: Date::sample(),
            note: String::new(),
        }
    }
}

/// A shell on a fresh store with a PIN set, then locked (as after a restart).
async fn locked_shell() -> (Shell, tempfile::TempDir) {
    let dir = tempfile::tempdir().unwrap();
    let shell = Shell::open(dir.path().into(), None, None).await.unwrap();
    cmd::set_pin::call(&shell, "2468".into()).await.unwrap();
    let status = cmd::lock::call(&shell).await.unwrap();
    assert!(status.pin_set && !status.unlocked, "{status:?}");
    (shell, dir)
}

#[tokio::test]
async fn while_locked_every_command_but_status_login_unlock_and_lock_answers_app_locked() {
    let (shell, _dir) = locked_shell().await;
    let results = call_every_locked_command(&shell).await;
    let called: Vec<&str> = results.iter().map(|(name, _)| *name).collect();
    let expected: Vec<&str> = DEFINED_COMMANDS.iter().copied().filter(|c| !WHILE_LOCKED.contains(c)).collect();
    assert_eq!(called, expected, "every command not marked [while_locked] is called");
    for (name, err) in results {
        let code = err.as_ref().map(|e| e.to_body().code);
        assert_eq!(code.as_deref(), Some("app_locked"), "{name} answered {err:?} while locked");
    }
    // Deciding that a command may run while locked is a change this test shows.
    assert_eq!(WHILE_LOCKED, ["app_status", "login", "unlock", "lock"]);
    // The lock held: the PIN is still the one set, and nothing opened the app.
    assert!(!cmd::app_status::call(&shell).await.unwrap().unlocked);
}

#[tokio::test]
async fn once_unlocked_the_same_commands_run_and_a_wrong_pin_keeps_the_app_locked() {
    let (shell, _dir) = locked_shell().await;
    let wrong = cmd::unlock::call(&shell, "1357".into()).await.unwrap_err();
    assert_ne!(wrong.to_body().code, "app_locked");
    assert!(cmd::templates::call(&shell).await.is_err_and(|e| e.to_body().code == "app_locked"));
    assert!(cmd::unlock::call(&shell, "2468".into()).await.unwrap().unlocked);
    let templates = cmd::templates::call(&shell).await.unwrap();
    assert_eq!(templates.len(), carebook_domain::builtin_templates().len());
    for (name, err) in call_every_locked_command(&shell).await {
        let code = err.as_ref().map(|e| e.to_body().code);
        assert_ne!(code.as_deref(), Some("app_locked"), "{name} is still locked after unlocking");
    }
}

/// The results report's commands go through the core: a wrong purchase is refused on the device
/// with each wrong field named (nothing is sent: this shell has no server), and the report and
/// its export need the server for the purchases, so before a login they say so and write no file.
#[tokio::test]
async fn a_purchase_is_checked_on_the_device_and_the_results_report_needs_the_server() {
    let dir = tempfile::tempdir().unwrap();
    let shell = Shell::open(dir.path().into(), None, None).await.unwrap();
    let bad = NewPurchase { item: " ".into(), cost_yen: 0, ..NewPurchase::sample() };
    let body = cmd::add_purchase::call(&shell, bad).await.unwrap_err().to_body();
    assert_eq!(body.code, "invalid");
    let mut fields: Vec<(&str, &str)> = body.problems.iter().map(|p| (p.field.as_str(), p.code.as_str())).collect();
    fields.sort_unstable();
    assert_eq!(fields, [("cost_yen", "cost_range"), ("item", "required")]);
    assert!(body.problems.iter().all(|p| !p.ja.is_empty() && !p.en.is_empty()), "each problem in both languages");
    // A right one passes the device's check and then needs the server.
    let good = cmd::add_purchase::call(&shell, NewPurchase::sample()).await.unwrap_err();
    assert_eq!(good.to_body().code, "not_logged_in");
    // The same for the amount granted.
    let bad = carebook_domain::NewGrant { granted_yen: 0, ..carebook_domain::NewGrant::sample() };
    let body = cmd::set_grant::call(&shell, bad).await.unwrap_err().to_body();
    let fields: Vec<(&str, &str)> = body.problems.iter().map(|p| (p.field.as_str(), p.code.as_str())).collect();
    assert_eq!(fields, [("granted_yen", "cost_range")]);
    let good = cmd::set_grant::call(&shell, carebook_domain::NewGrant::sample()).await.unwrap_err();
    assert_eq!(good.to_body().code, "not_logged_in");

    let report = cmd::results_report::call(&shell, "st-1".into(), FiscalYear(2026)).await.unwrap_err();
    assert_eq!(report.to_body().code, "not_logged_in");
    let export = cmd::export_results_report::call(&shell, "st-1".into(), FiscalYear(2026), ExportFormat::Csv).await.unwrap_err();
    assert_eq!(export.to_body().code, "not_logged_in");
    assert!(!shell.export_dir.exists(), "no file written without a report");
}

/// The files of a data folder that hold `needle` in plain text.
fn plain_holders(dir: &std::path::Path, needle: &str) -> Vec<String> {
    std::fs::read_dir(dir)
        .unwrap()
        .map(|e| e.unwrap())
        .filter(|e| e.file_type().unwrap().is_file())
        .filter(|e| std::fs::read(e.path()).unwrap().windows(needle.len()).any(|w| w == needle.as_bytes()))
        .map(|e| e.file_name().to_string_lossy().to_string())
        .collect()
}

#[tokio::test]
async fn after_a_restart_the_store_stays_closed_until_the_pin_opens_it() {
    let (shell, dir) = locked_shell().await;
    let core = shell.core().unwrap();
    let c = core.add_child(carebook_domain::Child { name: "見本 閉子".into(), ..carebook_testkit::child("13105") }).await.unwrap();
    core.store().clone().close().await;
    drop(shell);

    let shell = Shell::open(dir.path().into(), None, None).await.unwrap();
    assert!(shell.core().is_none(), "the store is not opened before the PIN");
    let status = cmd::app_status::call(&shell).await.unwrap();
    assert!(status.pin_set && !status.unlocked && status.user.is_none(), "{status:?}");
    assert!(cmd::children::call(&shell).await.is_err_and(|e| e.code() == "app_locked"));
    let wrong = cmd::unlock::call(&shell, "1357".into()).await.unwrap_err();
    assert!(matches!(&wrong, CoreError::Invalid(p) if p.has_code("wrong_pin")), "{wrong:?}");
    assert!(shell.core().is_none(), "a wrong PIN opens nothing");
    assert!(cmd::unlock::call(&shell, "2468".into()).await.unwrap().unlocked);
    let names: Vec<String> = cmd::children::call(&shell).await.unwrap().into_iter().map(|c| c.name).collect();
    assert_eq!(names, ["見本 閉子"]);
    assert_eq!(plain_holders(dir.path(), "見本 閉子"), Vec::<String>::new());
    let _ = c;
}

#[tokio::test]
async fn the_wrong_pin_that_reaches_the_limit_wipes_the_device_and_it_starts_as_a_new_one() {
    let (mut shell, dir) = locked_shell().await;
    shell.policy = WipePolicy { wipe_after: 3 };
    shell.core().unwrap().add_child(carebook_testkit::child("13105")).await.unwrap();
    // Locking counts what waits to be sent (the face sheet), for the warnings.
    cmd::lock::call(&shell).await.unwrap();
    for left in [2, 1] {
        let err = cmd::unlock::call(&shell, "0000".into()).await.unwrap_err();
        assert!(err.to_string().contains(&format!("あと {left} 回")), "{err}");
    }
    let err = cmd::unlock::call(&shell, "0000".into()).await.unwrap_err();
    assert_eq!(err.code(), "device_wiped");
    assert!(matches!(err, CoreError::Wiped { unsent: 1 }), "{err:?}");
    // A new, empty device, open for a sign-in and then a PIN; the old PIN means nothing.
    let status = cmd::app_status::call(&shell).await.unwrap();
    assert!(!status.pin_set && status.unlocked && status.user.is_none(), "{status:?}");
    assert_eq!(cmd::children::call(&shell).await.unwrap(), vec![]);
    assert!(cmd::unlock::call(&shell, "2468".into()).await.is_ok(), "with no PIN set, unlocking is a no-op");
    assert_eq!(carebook_core::vault::state(dir.path()).unwrap(), VaultState::Unprotected);
}

#[tokio::test]
async fn a_store_from_before_encryption_is_opened_by_its_old_pin_and_then_encrypted_under_it() {
    let dir = tempfile::tempdir().unwrap();
    {
        let plain = Carebook::open_unencrypted(dir.path()).await.unwrap();
        plain.set_pin("97531").await.unwrap();
        plain.add_child(carebook_domain::Child { name: "見本 旧子".into(), ..carebook_testkit::child("13105") }).await.unwrap();
        plain.store().clone().close().await;
    }
    assert_eq!(plain_holders(dir.path(), "見本 旧子"), [carebook_core::store::DB_FILE]);
    let shell = Shell::open(dir.path().into(), None, None).await.unwrap();
    let status = cmd::app_status::call(&shell).await.unwrap();
    assert!(status.pin_set && !status.unlocked, "the old PIN still locks it: {status:?}");
    assert!(cmd::unlock::call(&shell, "1234".into()).await.is_err());
    assert!(cmd::unlock::call(&shell, "97531".into()).await.unwrap().unlocked);
    assert_eq!(cmd::children::call(&shell).await.unwrap().len(), 1);
    assert_eq!(plain_holders(dir.path(), "見本 旧子"), Vec::<String>::new());
    drop(shell);
    // The same PIN opens it after a restart, now through the key file.
    let shell = Shell::open(dir.path().into(), None, None).await.unwrap();
    assert_eq!(carebook_core::vault::state(dir.path()).unwrap(), VaultState::Locked);
    assert!(cmd::unlock::call(&shell, "97531".into()).await.unwrap().unlocked);
    assert_eq!(cmd::children::call(&shell).await.unwrap().len(), 1);
}

#[tokio::test]
async fn changing_the_pin_needs_the_current_one_and_keeps_every_record() {
    let (shell, dir) = locked_shell().await;
    cmd::unlock::call(&shell, "2468".into()).await.unwrap();
    shell.core().unwrap().add_child(carebook_domain::Child { name: "見本 替子".into(), ..carebook_testkit::child("13105") }).await.unwrap();
    // The first-run command cannot replace a PIN that is set.
    let err = cmd::set_pin::call(&shell, "1111".into()).await.unwrap_err();
    assert!(matches!(&err, CoreError::Invalid(p) if p.has_code("pin_set")), "{err:?}");
    // A wrong current PIN changes nothing and counts like a wrong PIN at the lock.
    let err = cmd::change_pin::call(&shell, "0000".into(), "97531".into()).await.unwrap_err();
    assert!(err.to_string().contains("あと 9 回"), "{err}");
    // A new PIN that breaks the rules is refused before the current one is even checked.
    let err = cmd::change_pin::call(&shell, "2468".into(), "12".into()).await.unwrap_err();
    assert!(matches!(&err, CoreError::Invalid(p) if p.has_code("pin_length")), "{err:?}");
    cmd::change_pin::call(&shell, "2468".into(), "97531".into()).await.unwrap();
    shell.core().unwrap().store().clone().close().await;
    drop(shell);

    let shell = Shell::open(dir.path().into(), None, None).await.unwrap();
    assert!(cmd::unlock::call(&shell, "2468".into()).await.is_err(), "the old PIN no longer opens it");
    assert!(cmd::unlock::call(&shell, "97531".into()).await.unwrap().unlocked);
    let names: Vec<String> = cmd::children::call(&shell).await.unwrap().into_iter().map(|c| c.name).collect();
    assert_eq!(names, ["見本 替子"]);
}
