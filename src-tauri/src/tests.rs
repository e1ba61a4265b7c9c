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
