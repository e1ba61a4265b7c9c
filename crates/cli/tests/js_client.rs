//! Issue 10: another program edits a record. The JavaScript example (`examples/js/edit-visit.mjs`,
//! the official `@automerge/automerge` from npm) runs under Node against a real server process:
//! a nurse's tablet (carebook-core) records a visit and syncs, the script pulls the visit, splices
//! its SOAP note and writes a pulse as a uint, the tablet edits the same visit meanwhile, and an
//! office device sees every edit merged. A pulse written as a plain JS number (an automerge int)
//! is refused with the server's reason and leaves the stored record as it was.
//!
//! Needs `node` and the example's packages: `npm ci` in `examples/js` (scripts/test.sh runs it).
//! Without them these tests fail saying so; they never skip.

use std::io::Write;
use std::path::{Path, PathBuf};
use std::process::{Command, Output, Stdio};
use std::time::Duration;

use carebook_domain::{buckets_digest, ChangedDoc, ChangesResponse, LoginResponse, QuarantineEntry, StaffRole, VisitId, VitalReading};
use carebook_testkit::{child, respite, ServerProcess, TempDevice};

/// The one password of the fictional accounts (the password rule wants 13 characters or more).
const PASSWORD: &str = "kakuu-mihon-js-2026";
const NURSE: &str = "mihon-nurse";
const OFFICE: &str = "mihon-office";

/// What the tablet wrote before anyone else edits.
const SUBJECTIVE: &str = "（架空）母より：朝から機嫌よく過ごしている。";
/// What the script appends to the subjective part.
const JS_APPEND: &str = "（架空）夜はよく眠れたとのこと。";
/// What the tablet puts in front of the subjective part, concurrently with the script.
const TABLET_PREFIX: &str = "【架空・追記】";
/// The plan the tablet writes, concurrently with the script.
const TABLET_PLAN: &str = "（架空）次回は吸引の回数を確認する。";

fn binary() -> &'static Path {
    Path::new(env!("CARGO_BIN_EXE_carebook"))
}

fn example_dir() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("../../examples/js")
}

/// Node and the example's packages are there, or the test fails saying how to get them.
fn require_node() {
    let hint = "examples/js で `npm ci` を実行してください（CI は scripts/test.sh で実行します） / \
                run `npm ci` in examples/js (CI runs it in scripts/test.sh)";
    match Command::new("node").arg("--version").output() {
        Ok(out) if out.status.success() => {}
        Ok(out) => panic!("`node --version` failed ({}): install Node.js 18 or later, then {hint}", out.status),
        Err(e) => panic!("node が見つかりません / node not found ({e}): install Node.js 18 or later, then {hint}"),
    }
    let package = example_dir().join("node_modules/@automerge/automerge/package.json");
    assert!(package.is_file(), "examples/js/node_modules/@automerge/automerge がありません / is missing: {hint}");
}

/// An account on the server's database, added as an operator does (`carebook server user add`,
/// the password on standard input), as scripts/run.sh makes the demo's.
fn add_user(data: &Path, db: &str, username: &str, role: &str) {
    let mut cmd = Command::new(binary());
    cmd.arg("--data-dir").arg(data).args(["server", "user", "add", "--username", username, "--role", role, "--org", "st-kakuu"]);
    cmd.args(["--database", db]).env_remove("CAREBOOK_DATA_DIR").env_remove("CAREBOOK_DATABASE_URL");
    let mut p = cmd.stdin(Stdio::piped()).stdout(Stdio::piped()).stderr(Stdio::piped()).spawn().unwrap();
    p.stdin.take().unwrap().write_all(format!("{PASSWORD}\n").as_bytes()).unwrap();
    let out = p.wait_with_output().unwrap();
    assert!(out.status.success(), "user add {username}: {}", String::from_utf8_lossy(&out.stderr));
}

struct Setup {
    _data: tempfile::TempDir,
    server: ServerProcess,
    /// The nurse's tablet.
    tablet: TempDevice,
    visit: VisitId,
}

impl Setup {
    /// A server process over a fresh SQLite file with a nurse and an office account of station
    /// st-kakuu; the nurse's tablet has recorded a respite visit with one vital reading and synced.
    async fn start() -> Setup {
        require_node();
        let data = tempfile::tempdir().unwrap();
        let db = format!("sqlite://{}", data.path().join("server.sqlite").display());
        add_user(data.path(), &db, NURSE, "nurse");
        add_user(data.path(), &db, OFFICE, "office");
        let server = ServerProcess::start(binary(), data.path(), &db, &[]);

        let tablet = TempDevice::new().await.unwrap();
        tablet.app.login(&server.url(), NURSE, PASSWORD, "見本タブレット").await.unwrap();
        let c = tablet.app.add_child(child("13105")).await.unwrap();
        let mut v = respite(c.id, "2026-05-01T09:00", "2026-05-01T12:00");
        v.note.subjective.update(SUBJECTIVE);
        v.vitals.push(VitalReading {
            id: "vt-mihon-1".into(),
            at: Some("2026-05-01T09:10".parse().unwrap()),
            respiration: Some(24),
            pulse: Some(104),
            temperature_c: Some(36.8),
            spo2: Some(97),
            bp_systolic: None,
            bp_diastolic: None,
        });
        let visit = tablet.app.record_visit(v).await.unwrap().id;
        let report = tablet.app.sync(&mut |_| {}).await.unwrap();
        assert_eq!((report.accepted, report.rejected), (2, 0), "{report:?}");
        Setup { _data: data, server, tablet, visit }
    }

    /// `node examples/js/edit-visit.mjs --server … --user NURSE --visit … ARGS`, the password in
    /// the environment.
    fn run_js(&self, args: &[&str]) -> Output {
        let out = Command::new("node")
            .arg("edit-visit.mjs")
            .args(["--server", &self.server.url(), "--user", NURSE, "--visit", &self.visit.to_string()])
            .args(args)
            .current_dir(example_dir())
            .env("CAREBOOK_PASSWORD", PASSWORD)
            .stdin(Stdio::null())
            .output()
            .expect("node runs");
        eprintln!(
            "edit-visit.mjs {args:?}: {}\nstdout: {}\nstderr: {}",
            out.status,
            String::from_utf8_lossy(&out.stdout),
            String::from_utf8_lossy(&out.stderr)
        );
        out
    }

    /// A fresh login over plain HTTP (no carebook code on the client side).
    async fn token(&self, username: &str) -> String {
        let res = http()
            .post(format!("{}/api/v1/login", self.server.url()))
            .json(&serde_json::json!({"username": username, "password": PASSWORD, "device_name": "見本の確認用"}))
            .send()
            .await
            .unwrap();
        assert_eq!(res.status(), 200, "login {username}");
        res.json::<LoginResponse>().await.unwrap().token
    }

    /// The server's copy of the visit, as the feed sends it to `token`'s device.
    async fn stored_visit(&self, token: &str) -> ChangedDoc {
        let feed =
            |digest: String| http().get(format!("{}/api/v1/changes?since=0&buckets={digest}", self.server.url())).bearer_auth(token).send();
        let first: ChangesResponse = feed(buckets_digest([])).await.unwrap().json().await.unwrap();
        let buckets = first.buckets.expect("the office reads one child: its digest differs from the empty set's");
        let page: ChangesResponse = feed(buckets_digest(buckets.iter().map(String::as_str))).await.unwrap().json().await.unwrap();
        assert!(!page.more, "two records fit in one page");
        page.documents.into_iter().find(|d| d.id == self.visit.to_string()).expect("the visit is in the feed")
    }
}

fn http() -> reqwest::Client {
    let _ = rustls::crypto::ring::default_provider().install_default();
    reqwest::Client::builder().timeout(Duration::from_secs(60)).build().unwrap()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_javascript_edit_of_the_soap_note_and_a_pulse_is_accepted_and_arrives_merged_with_the_tablets_edit_on_an_office_device() {
    let s = Setup::start().await;

    // The script edits the server's copy: its pulse as a uint, its text as a splice.
    let out = s.run_js(&["--append", JS_APPEND, "--pulse", "112"]);
    assert!(out.status.success(), "the server accepted the JavaScript edit: {}", String::from_utf8_lossy(&out.stderr));
    let answer: serde_json::Value = serde_json::from_slice(&out.stdout).expect("one line of JSON");
    assert_eq!(answer["id"], s.visit.to_string());
    assert!(answer["seq"].as_i64().is_some_and(|seq| seq > 2), "a new version after the child (1) and the visit (2): {answer}");

    // Meanwhile, before it syncs again, the tablet edits the same visit: other fields (the plan,
    // the same reading's temperature) and the same text at another place.
    s.tablet
        .app
        .update_visit(s.visit, |v| {
            v.note.plan.update(TABLET_PLAN);
            v.note.subjective.update(format!("{TABLET_PREFIX}{SUBJECTIVE}"));
            v.vitals[0].temperature_c = Some(37.2);
        })
        .await
        .unwrap();
    let report = s.tablet.app.sync(&mut |_| {}).await.unwrap();
    assert_eq!((report.accepted, report.rejected), (1, 0), "the tablet's edit merges with the script's on the server: {report:?}");

    // An office device that never saw either edit gets the merge of both.
    let office = TempDevice::new().await.unwrap();
    office.app.login(&s.server.url(), OFFICE, PASSWORD, "見本事務端末").await.unwrap();
    office.app.sync(&mut |_| {}).await.unwrap();
    let merged = office.app.visit(s.visit).await.unwrap();
    assert_eq!(merged.note.subjective.as_str(), format!("{TABLET_PREFIX}{SUBJECTIVE}{JS_APPEND}"));
    assert_eq!(merged.note.plan.as_str(), TABLET_PLAN);
    let reading = &merged.vitals[..];
    assert_eq!(reading.len(), 1, "{reading:?}");
    assert_eq!(
        (reading[0].pulse, reading[0].temperature_c, reading[0].respiration, reading[0].spo2),
        (Some(112), Some(37.2), Some(24), Some(97)),
        "the script's pulse and the tablet's temperature, the rest as recorded"
    );
    assert_eq!(merged.staff[0].role, StaffRole::Lead, "untouched fields stay");
    // The tablet pulled the same merge.
    assert_eq!(s.tablet.app.visit(s.visit).await.unwrap(), merged);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_pulse_written_as_a_plain_js_number_is_refused_with_the_servers_reason_and_the_stored_visit_stays_as_it_was() {
    let s = Setup::start().await;
    let office = s.token(OFFICE).await;
    let before = s.stored_visit(&office).await;

    let out = s.run_js(&["--pulse", "120", "--pulse-as-js-number"]);
    assert_eq!(out.status.code(), Some(2), "exit status 2: refused by the server");
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(
        stderr.starts_with("サーバーが変更を受け付けませんでした / the server refused the edit: schema_mismatch: "),
        "the code and the server's reason: {stderr}"
    );
    assert!(
        stderr.contains("vitals[0].pulse: expected null or uint, found int"),
        "the reason names the field, the type the schema wants and the type the script wrote: {stderr}"
    );
    assert!(out.stdout.is_empty());

    let after = s.stored_visit(&office).await;
    assert_eq!((after.seq, &after.bytes), (before.seq, &before.bytes), "the stored visit is byte for byte the same");
    // The refused document went to the quarantine, for the office.
    let entries: Vec<QuarantineEntry> =
        http().get(format!("{}/api/v1/quarantine", s.server.url())).bearer_auth(&office).send().await.unwrap().json().await.unwrap();
    assert_eq!(entries.len(), 1, "{entries:?}");
    assert_eq!((entries[0].record_id.as_str(), entries[0].code.as_str()), (s.visit.to_string().as_str(), "schema_mismatch"));

    // The same edit with the pulse as a uint is taken.
    assert!(s.run_js(&["--pulse", "120"]).status.success());
    s.tablet.app.sync(&mut |_| {}).await.unwrap();
    assert_eq!(s.tablet.app.visit(s.visit).await.unwrap().vitals[0].pulse, Some(120));
}
