//! What records hold reaches the terminal escaped (issue 11, finding 7): a name or note holding
//! ESC, NUL, CR or a bidirectional override — stored before the text limits existed, or
//! arriving from elsewhere — is shown by the real `carebook` binary as `\u{1b}` and the like,
//! never raw, and is not lost; `--json` carries the same text, escaped as JSON.

use std::process::Command;

use automerge::ActorId;
use carebook_domain::{GuardianConfirmation, RecordDoc};
use carebook_testkit::{child, respite, TempDevice};

/// Characters that must never reach a terminal from a record.
fn raw_hostile(s: &str) -> Option<char> {
    s.chars().find(|&c| (c.is_control() && c != '\n') || matches!(c, '\u{202A}'..='\u{202E}' | '\u{2066}'..='\u{2069}' | '\u{2028}'))
}

fn run(dir: &std::path::Path, args: &[&str]) -> String {
    let out = Command::new(env!("CARGO_BIN_EXE_carebook"))
        .arg("--data-dir")
        .arg(dir)
        .args(args)
        .env_remove("CAREBOOK_DATA_DIR")
        .output()
        .unwrap();
    assert!(out.status.success(), "{args:?}: {}", String::from_utf8_lossy(&out.stderr));
    String::from_utf8(out.stdout).unwrap()
}

/// Whether some string in `v` is `s`.
fn holds(v: &serde_json::Value, s: &str) -> bool {
    match v {
        serde_json::Value::String(x) => x == s,
        serde_json::Value::Array(xs) => xs.iter().any(|x| holds(x, s)),
        serde_json::Value::Object(m) => m.values().any(|x| holds(x, s)),
        _ => false,
    }
}

const NAME: &str = "見本\u{1b}[31mはな\u{202E}なは\u{0}";
const PLACE: &str = "自宅\u{1b}]0;title\u{7}";
const NOTE: &str = "一行目\r\n二行目\u{1b}[2J\u{2028}三行目\u{9b}";

#[tokio::test]
async fn record_text_with_escape_sequences_and_bidirectional_overrides_is_printed_escaped_and_kept() {
    // Records stored as they were before the limits: imported as document bytes, not validated.
    let dev = TempDevice::new().await.unwrap();
    let mut kid = child("13105");
    kid.name = NAME.into();
    kid.diagnosis = NOTE.into();
    kid.guardians[0].phone = "000\r0000".into();
    let kid_id = kid.id;
    dev.app.import_child(kid_id, &RecordDoc::create(kid, ActorId::random()).save()).await.unwrap();
    let mut v = respite(kid_id, "2026-05-01T09:00", "2026-05-01T12:00");
    v.place = PLACE.into();
    v.note.subjective = NOTE.into();
    v.guardian = Some(GuardianConfirmation::NotConfirmed { reason: NAME.into() });
    let visit_id = v.id;
    dev.app.import_visit(visit_id, &RecordDoc::create(v, ActorId::random()).save()).await.unwrap();
    dev.app.store().clone().close().await;
    let dir = dev.dir.path();

    let (kid_s, visit_s) = (kid_id.to_string(), visit_id.to_string());
    for args in [
        vec!["child", "list"],
        vec!["child", "show", &kid_s],
        vec!["visit", "list"],
        vec!["visit", "show", &visit_s],
        vec!["respite", "remaining", "--child", &kid_s],
    ] {
        let out = run(dir, &args);
        assert_eq!(raw_hostile(&out), None, "{args:?} printed a raw control character:\n{}", out.escape_debug());
        // The name is there, escaped — not dropped.
        if args != ["visit", "list"] || out.contains("見本") {
            assert!(out.contains("見本\\u{1b}[31mはな\\u{202e}なは\\u{0}"), "{args:?}:\n{out}");
        }
    }
    let show = run(dir, &["visit", "show", &visit_s]);
    assert!(show.contains("場所 place: 自宅\\u{1b}]0;title\\u{7}"), "{show}");
    // A multi-line note keeps its lines (indented); the CR, ESC, U+2028 and C1 CSI are escaped.
    assert!(show.contains("一行目\\u{d}\n    二行目\\u{1b}[2J\\u{2028}三行目\\u{9b}"), "{show}");
    let sheet = run(dir, &["child", "show", &kid_s]);
    assert!(sheet.contains("000\\u{d}0000"), "{sheet}");

    // JSON: the same text, escaped as JSON (also the characters serde leaves as they are).
    for args in [vec!["child", "list", "--json"], vec!["visit", "show", &visit_s, "--json"], vec!["child", "show", &kid_s, "--json"]] {
        let out = run(dir, &args);
        assert_eq!(raw_hostile(&out), None, "{args:?}:\n{}", out.escape_debug());
        let value: serde_json::Value = serde_json::from_str(&out).unwrap();
        assert!(holds(&value, NAME) || holds(&value, NOTE), "{args:?}: the text is kept exactly");
    }
    let json: serde_json::Value = serde_json::from_str(&run(dir, &["child", "list", "--json"])).unwrap();
    assert_eq!(json[0]["name"], NAME);
}
