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
        .env("CAREBOOK_PASSPHRASE", carebook_testkit::cli::PASSPHRASE)
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
    let dev = TempDevice::with_passphrase(carebook_testkit::cli::PASSPHRASE).await.unwrap();
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

/// The quarantine quota against the real server process: a hostile device (a nurse of another
/// station, pushing visits for a child she may not touch) fills its 64 KiB there; the rest is
/// refused as `quarantine_full`, stays on her device marked, and the operator's
/// `carebook server quarantine` shows the device's entries and refusals.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_device_past_its_quarantine_quota_is_refused_and_the_operator_sees_it() {
    let server_dir = tempfile::tempdir().unwrap();
    let srv = server_dir.path();
    let db = format!("sqlite://{}", srv.join("server.sqlite").display());
    const PW: &str = "kakuu-password-long-1";
    for (user, role, org) in [("nurse-a", "nurse", "st-a"), ("nurse-b", "nurse", "st-b")] {
        let out = Command::new(env!("CARGO_BIN_EXE_carebook"))
            .env("CAREBOOK_PASSPHRASE", carebook_testkit::cli::PASSPHRASE)
            .arg("--data-dir")
            .arg(srv)
            .args(["server", "user", "add", "--username", user, "--role", role, "--org", org, "--database", &db])
            .env_remove("CAREBOOK_DATABASE_URL")
            .stdin(std::process::Stdio::piped())
            .stdout(std::process::Stdio::piped())
            .spawn()
            .and_then(|mut c| {
                use std::io::Write;
                c.stdin.take().unwrap().write_all(format!("{PW}\n").as_bytes())?;
                c.wait_with_output()
            })
            .unwrap();
        assert!(out.status.success());
    }
    let server = carebook_testkit::ServerProcess::start(
        std::path::Path::new(env!("CARGO_BIN_EXE_carebook")),
        srv,
        &db,
        &[("CAREBOOK_QUARANTINE_DEVICE_BYTES", "65536")],
    );
    let a = TempDevice::new().await.unwrap();
    a.app.login(&server.url(), "nurse-a", PW, "a-tablet").await.unwrap();
    let kid = a.app.add_child(child("13105")).await.unwrap();
    a.app.sync(&mut |_| {}).await.unwrap();

    let b = TempDevice::new().await.unwrap();
    b.app.login(&server.url(), "nurse-b", PW, "b-tablet").await.unwrap();
    for n in 0..60 {
        let (month, day) = (6 + n / 28, 1 + n % 28);
        let v = respite(kid.id, &format!("2026-{month:02}-{day:02}T09:00"), &format!("2026-{month:02}-{day:02}T11:00"));
        let id = v.id;
        b.app.import_visit(id, &RecordDoc::create(v, ActorId::random()).save()).await.unwrap();
    }
    let r = b.app.sync(&mut |_| {}).await.unwrap();
    assert_eq!((r.sent, r.rejected), (60, 60));
    let status = b.app.sync_status().await.unwrap();
    let full = status.rejected.iter().filter(|x| x.code == "quarantine_full").count();
    let forbidden = status.rejected.iter().filter(|x| x.code == "forbidden").count();
    assert_eq!(full + forbidden, 60, "each stays on the device, marked");
    assert!(full > 0 && forbidden > 0, "{forbidden} kept, {full} refused for the quota");
    assert_eq!(b.app.visits(&Default::default()).await.unwrap().len(), 60);

    let run = |args: &[&str]| {
        let out = Command::new(env!("CARGO_BIN_EXE_carebook"))
            .env("CAREBOOK_PASSPHRASE", carebook_testkit::cli::PASSPHRASE)
            .arg("--data-dir")
            .arg(srv)
            .args(args)
            .args(["--database", &db])
            .env_remove("CAREBOOK_DATABASE_URL")
            .env("CAREBOOK_QUARANTINE_DEVICE_BYTES", "65536")
            .output()
            .unwrap();
        assert!(out.status.success(), "{}", String::from_utf8_lossy(&out.stderr));
        String::from_utf8(out.stdout).unwrap()
    };
    let devices: serde_json::Value = serde_json::from_str(&run(&["server", "quarantine", "--json"])).unwrap();
    let d = &devices[0];
    assert_eq!(
        (d["username"].as_str(), d["entries"].as_i64(), d["refused"].as_i64()),
        (Some("nurse-b"), Some(forbidden as i64), Some(full as i64))
    );
    assert_eq!(d["quota_bytes"], 65536);
    assert!(d["bytes"].as_i64().unwrap() <= 65536);
    let human = run(&["server", "quarantine"]);
    assert!(human.contains("nurse-b") && human.contains(&format!("refused for the quota: {full}")), "{human}");
    drop(server);
}
