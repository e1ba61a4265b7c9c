//! The real `carebook` binary as server, operator tool and device: a server process on a free
//! loopback port, an account made with `server user add`, a device that logs in and syncs, and
//! a revocation that empties the device.

use std::io::Write;
use std::process::{Command, Output, Stdio};

use carebook_testkit::cli::VisitArgs;
use carebook_testkit::ServerProcess;

use serde_json::Value;

fn carebook(data: &std::path::Path, args: &[&str], stdin: Option<&str>) -> Output {
    let mut cmd = Command::new(env!("CARGO_BIN_EXE_carebook"));
    cmd.env("CAREBOOK_PASSPHRASE", carebook_testkit::cli::PASSPHRASE);
    cmd.arg("--data-dir").arg(data).args(args).env_remove("CAREBOOK_DATA_DIR").env_remove("CAREBOOK_DATABASE_URL");
    cmd.stdin(Stdio::piped()).stdout(Stdio::piped()).stderr(Stdio::piped());
    let mut child = cmd.spawn().expect("the binary runs");
    if let Some(input) = stdin {
        child.stdin.take().unwrap().write_all(input.as_bytes()).unwrap();
    }
    drop(child.stdin.take());
    child.wait_with_output().unwrap()
}

fn ok(data: &std::path::Path, args: &[&str], stdin: Option<&str>) -> String {
    let out = carebook(data, args, stdin);
    let text = String::from_utf8_lossy(&out.stdout).to_string();
    assert!(out.status.success(), "{args:?} failed:\n{text}\n{}", String::from_utf8_lossy(&out.stderr));
    text
}

fn json(data: &std::path::Path, args: &[&str], stdin: Option<&str>) -> Value {
    let mut args = args.to_vec();
    args.push("--json");
    serde_json::from_str(&ok(data, &args, stdin)).unwrap()
}

/// Adds the fictional child 見本 はな (municipality 13105, income tier `tier`) and returns its id.
fn add_hana(data: &std::path::Path, tier: &str) -> String {
    let args = [
        "child",
        "add",
        "--name",
        "見本 はな",
        "--kana",
        "みほん はな",
        "--birth",
        "2019-06-01",
        "--municipality",
        "13105",
        "--tier",
        tier,
    ];
    ok(data, &args, None).lines().last().unwrap().trim().to_string()
}

fn start_server(data: &std::path::Path, db_url: &str) -> ServerProcess {
    ServerProcess::start(std::path::Path::new(env!("CARGO_BIN_EXE_carebook")), data, db_url, &[])
}

#[test]
fn an_account_made_by_the_operator_logs_a_device_in_which_syncs_until_it_is_revoked() {
    let server_dir = tempfile::tempdir().unwrap();
    let device_dir = tempfile::tempdir().unwrap();
    let (srv, dev) = (server_dir.path(), device_dir.path());
    let db = format!("sqlite://{}", srv.join("server.sqlite").display());

    ok(
        srv,
        &["server", "user", "add", "--username", "nurse-a", "--role", "nurse", "--org", "st-kakuu", "--database", &db],
        Some("kakuu-sora-pw-1\n"),
    );
    let users = json(srv, &["server", "user", "list", "--database", &db], None);
    assert_eq!(users[0]["username"], "nurse-a");
    assert_eq!(users[0]["role"], "nurse");

    let server = start_server(srv, &db);
    let child = add_hana(dev, "tax_exempt");
    ok(dev, &VisitArgs::respite(&child).station("st-kakuu:架空ステーション").date("2026-06-01").args(), None);

    // A wrong password is refused and nothing is stored.
    let bad = carebook(dev, &["login", "--server", &server.url(), "--user", "nurse-a"], Some("wrong\n"));
    assert_eq!(bad.status.code(), Some(1));
    ok(dev, &["login", "--server", &server.url(), "--user", "nurse-a", "--device-name", "tablet-1"], Some("kakuu-sora-pw-1\n"));

    let sync = carebook(dev, &["sync"], None);
    assert!(sync.status.success());
    let progress = String::from_utf8_lossy(&sync.stderr);
    assert!(progress.contains("送信 sent: 2/2"), "progress shows sent of total: {progress}");
    let status = json(dev, &["sync", "--status"], None);
    assert_eq!(status["pending"], 0);
    assert!(status["last_sync_at"].is_string());

    let devices = json(srv, &["server", "device", "list", "--database", &db], None);
    assert_eq!(devices.as_array().unwrap().len(), 1);
    assert_eq!(devices[0]["name"], "tablet-1");
    let device_id = devices[0]["id"].as_str().unwrap().to_string();
    ok(srv, &["server", "device", "revoke", &device_id, "--database", &db], None);

    let revoked = carebook(dev, &["sync"], None);
    assert_eq!(revoked.status.code(), Some(1));
    assert!(String::from_utf8_lossy(&revoked.stderr).contains("revoked"), "{}", String::from_utf8_lossy(&revoked.stderr));
    assert_eq!(json(dev, &["child", "list"], None).as_array().unwrap().len(), 0);

    let status = server.terminate();
    assert!(status.success(), "graceful shutdown on SIGTERM exits 0, got {status:?}");
}

#[test]
fn the_operator_assigns_lists_and_unassigns_and_the_nurses_device_follows_at_its_next_sync() {
    let server_dir = tempfile::tempdir().unwrap();
    let (owner_dir, cover_dir) = (tempfile::tempdir().unwrap(), tempfile::tempdir().unwrap());
    let (srv, owner, cover) = (server_dir.path(), owner_dir.path(), cover_dir.path());
    let db = format!("sqlite://{}", srv.join("server.sqlite").display());
    for (user, org) in [("nurse-b", "st-b"), ("nurse-a", "st-a")] {
        ok(
            srv,
            &["server", "user", "add", "--username", user, "--role", "nurse", "--org", org, "--database", &db],
            Some("kakuu-sora-pw-1\n"),
        );
    }
    let server = start_server(srv, &db);
    let add = [
        "child",
        "add",
        "--name",
        "見本 そら",
        "--kana",
        "みほん そら",
        "--birth",
        "2020-02-02",
        "--municipality",
        "13105",
        "--tier",
        "taxed",
    ];
    let child = ok(owner, &add, None).lines().last().unwrap().trim().to_string();
    for dir in [owner, cover] {
        let user = if dir == owner { "nurse-b" } else { "nurse-a" };
        ok(dir, &["login", "--server", &server.url(), "--user", user], Some("kakuu-sora-pw-1\n"));
        ok(dir, &["sync"], None);
    }
    assert_eq!(json(cover, &["child", "list"], None).as_array().unwrap().len(), 0, "another station's child");

    ok(srv, &["server", "user", "assign", "--user", "nurse-a", "--child", &child, "--database", &db], None);
    let listed = json(srv, &["server", "user", "assignments", "--child", &child, "--database", &db], None);
    assert_eq!(listed.as_array().unwrap().len(), 1);
    assert_eq!((listed[0]["username"].as_str(), listed[0]["child_id"].as_str()), (Some("nurse-a"), Some(child.as_str())));
    let synced = ok(cover, &["sync"], None);
    assert!(synced.contains("newly readable: 1"), "{synced}");
    assert_eq!(json(cover, &["child", "list"], None)[0]["name"], "見本 そら");

    let text = ok(srv, &["server", "user", "unassign", "--user", "nurse-a", "--child", &child, "--database", &db], None);
    assert!(text.contains("unassigned"), "{text}");
    assert_eq!(json(srv, &["server", "user", "assignments", "--user", "nurse-a", "--database", &db], None).as_array().unwrap().len(), 0);
    let again = ok(srv, &["server", "user", "unassign", "--user", "nurse-a", "--child", &child, "--database", &db], None);
    assert!(again.contains("no such assignment"), "{again}");
    let unknown = carebook(srv, &["server", "user", "unassign", "--user", "nobody", "--child", &child, "--database", &db], None);
    assert_eq!(unknown.status.code(), Some(1), "an unknown user is an error");

    ok(cover, &["sync"], None);
    assert_eq!(json(cover, &["child", "list"], None).as_array().unwrap().len(), 0);
    let status = ok(cover, &["sync", "--status"], None);
    assert!(status.contains("removed from this device: 1") && status.contains("見本 そら"), "{status}");
    let status = json(cover, &["sync", "--status"], None);
    assert_eq!((status["removed"][0]["child_id"].as_str(), status["removed"][0]["records"].as_i64()), (Some(child.as_str()), Some(1)));

    let changed = json(srv, &["server", "user", "change", "--user", "nurse-a", "--org", "st-b", "--database", &db], None);
    assert_eq!((changed["role"].as_str(), changed["org_id"].as_str()), (Some("nurse"), Some("st-b")));
    ok(cover, &["sync"], None);
    assert_eq!(json(cover, &["child", "list"], None).as_array().unwrap().len(), 1, "a nurse of the owning station reads the child again");
    assert!(server.terminate().success());
}

/// Two nurses shorten one visit from opposite ends while offline: each edit is valid, the merge
/// is not (it ends before it starts), so the server refuses the second push. The refused record
/// stays on her device, marked; she corrects it with `visit edit` and the next sync is accepted.
#[test]
fn a_visit_the_server_refused_is_corrected_with_visit_edit_and_accepted_at_the_next_sync() {
    let server_dir = tempfile::tempdir().unwrap();
    let (a_dir, b_dir) = (tempfile::tempdir().unwrap(), tempfile::tempdir().unwrap());
    let (srv, a, b) = (server_dir.path(), a_dir.path(), b_dir.path());
    let db = format!("sqlite://{}", srv.join("server.sqlite").display());
    for user in ["nurse-a", "nurse-b"] {
        ok(
            srv,
            &["server", "user", "add", "--username", user, "--role", "nurse", "--org", "st-kakuu", "--database", &db],
            Some("kakuu-sora-pw-1\n"),
        );
    }
    let server = start_server(srv, &db);
    let child = add_hana(a, "taxed");
    let visit = json(a, &VisitArgs::nursing(&child).station("st-kakuu:架空ステーション").date("2026-06-01").args(), None);
    let id = visit["id"].as_str().unwrap().to_string();
    for (dir, user) in [(a, "nurse-a"), (b, "nurse-b")] {
        ok(dir, &["login", "--server", &server.url(), "--user", user], Some("kakuu-sora-pw-1\n"));
        ok(dir, &["sync"], None);
    }
    assert_eq!(json(b, &["visit", "show", &id], None)["actual_end"], "2026-06-01T12:00");

    ok(a, &["visit", "edit", &id, "--end", "10:00"], None);
    ok(b, &["visit", "edit", &id, "--start", "10:30"], None);
    let first = json(a, &["sync"], None);
    assert_eq!((first["sent"].as_u64(), first["accepted"].as_u64()), (Some(1), Some(1)));
    let refused = json(b, &["sync"], None);
    assert_eq!((refused["sent"].as_u64(), refused["rejected"].as_u64()), (Some(1), Some(1)), "{refused}");
    let status = json(b, &["sync", "--status"], None);
    assert_eq!((status["rejected"][0]["id"].as_str(), status["rejected"][0]["code"].as_str()), (Some(id.as_str()), Some("invalid")));
    assert!(status["rejected"][0]["reason"].as_str().unwrap().contains("actual_end"), "{status}");
    assert_eq!(status["pending"], 0, "a refused record waits for a change");

    // Her device now holds both edits, as the server would have merged them: 10:30–10:00.
    let merged = json(b, &["visit", "show", &id], None);
    assert_eq!((merged["actual_start"].as_str(), merged["actual_end"].as_str()), (Some("2026-06-01T10:30"), Some("2026-06-01T10:00")));
    ok(b, &["visit", "edit", &id, "--end", "11:30"], None);
    assert_eq!(json(b, &["sync", "--status"], None)["pending"], 1, "the corrected record waits to be pushed");
    let accepted = json(b, &["sync"], None);
    assert_eq!((accepted["sent"].as_u64(), accepted["accepted"].as_u64(), accepted["rejected"].as_u64()), (Some(1), Some(1), Some(0)));
    let status = json(b, &["sync", "--status"], None);
    assert_eq!((status["pending"].as_u64(), status["rejected"].as_array().map(Vec::len)), (Some(0), Some(0)), "{status}");

    ok(a, &["sync"], None);
    let on_a = json(a, &["visit", "show", &id], None);
    assert_eq!((on_a["actual_start"].as_str(), on_a["actual_end"].as_str()), (Some("2026-06-01T10:30"), Some("2026-06-01T11:30")));
    assert_eq!(on_a, json(b, &["visit", "show", &id], None));
    assert!(server.terminate().success());
}

#[test]
fn the_operator_names_a_station_adds_a_person_with_a_one_time_password_and_disables_her() {
    let server_dir = tempfile::tempdir().unwrap();
    let device_dir = tempfile::tempdir().unwrap();
    let (srv, dev) = (server_dir.path(), device_dir.path());
    let db = format!("sqlite://{}", srv.join("server.sqlite").display());
    let server_args = |args: &[&str]| -> Vec<String> {
        let mut v: Vec<String> = ["server"].iter().chain(args).map(|s| s.to_string()).collect();
        v.extend(["--database".to_string(), db.clone()]);
        v
    };
    let run = |args: &[&str], stdin: Option<&str>| {
        let a = server_args(args);
        ok(srv, &a.iter().map(String::as_str).collect::<Vec<_>>(), stdin)
    };
    let run_json = |args: &[&str]| {
        let a = server_args(args);
        json(srv, &a.iter().map(String::as_str).collect::<Vec<_>>(), None)
    };

    run(&["org", "add", "--id", "st-kakuu", "--kind", "station", "--name", "架空訪問看護ステーション"], None);
    let orgs = run_json(&["org", "list"]);
    assert_eq!((orgs[0]["id"].as_str(), orgs[0]["name"].as_str()), (Some("st-kakuu"), Some("架空訪問看護ステーション")));
    // A welfare section needs its municipality code; the refusal names the field.
    let refused = carebook(
        srv,
        &["server", "org", "add", "--id", "ku-kakuu", "--kind", "municipality", "--name", "架空区 障害福祉課", "--database", &db],
        None,
    );
    assert!(!refused.status.success());
    assert!(String::from_utf8_lossy(&refused.stderr).contains("municipality"), "{}", String::from_utf8_lossy(&refused.stderr));

    let added = run_json(&[
        "user",
        "add",
        "--username",
        "hanako",
        "--role",
        "nurse",
        "--org",
        "st-kakuu",
        "--name",
        "見本 花子",
        "--kana",
        "みほん はなこ",
        "--profession",
        "nurse",
        "--one-time",
    ]);
    assert_eq!(added["user"]["name"], "見本 花子");
    let one_time = added["one_time_password"]["password"].as_str().unwrap().to_string();

    let server = start_server(srv, &db);
    let url = server.url();
    let login = ["login", "--server", url.as_str(), "--user", "hanako"];
    // Without a new password the login says what to do; with one it sets hers.
    let first = carebook(dev, &login, Some(&format!("{one_time}\n")));
    assert!(!first.status.success());
    assert!(String::from_utf8_lossy(&first.stderr).contains("--new-password"), "{}", String::from_utf8_lossy(&first.stderr));
    let mut with_new = login.to_vec();
    with_new.push("--new-password");
    let out = ok(dev, &with_new, Some(&format!("{one_time}\nkakuu-sora-no-pasuwaado-7\n")));
    assert!(out.contains("見本 花子"), "{out}");

    let shown = run_json(&["user", "show", "--user", "hanako"]);
    assert_eq!((shown["one_time_until"].is_null(), shown["devices"].as_array().unwrap().len()), (true, 1));
    let out = run(&["user", "disable", "--user", "hanako"], None);
    assert!(out.contains("1"), "{out}");
    let sync = carebook(dev, &["sync"], None);
    assert!(!sync.status.success());
    assert!(String::from_utf8_lossy(&sync.stderr).contains("device was revoked"), "{}", String::from_utf8_lossy(&sync.stderr));
    let reset = run_json(&["user", "reset-password", "--user", "hanako"]);
    assert_eq!(reset["password"].as_str().unwrap().len(), 19);
    let events = run_json(&["events", "--subject", "hanako"]);
    let actions: Vec<&str> = events.as_array().unwrap().iter().map(|e| e["action"].as_str().unwrap()).collect();
    assert_eq!(actions, ["user_added", "password_set", "user_disabled", "password_reset"]);
    drop(server);
}

#[test]
fn a_municipality_setting_changed_by_the_office_reaches_a_nurses_device_from_its_date() {
    let server_dir = tempfile::tempdir().unwrap();
    let (office_dir, nurse_dir) = (tempfile::tempdir().unwrap(), tempfile::tempdir().unwrap());
    let (srv, office, nurse) = (server_dir.path(), office_dir.path(), nurse_dir.path());
    let db = format!("sqlite://{}", srv.join("server.sqlite").display());
    for (user, role) in [("office-a", "office"), ("nurse-a", "nurse")] {
        let args = ["server", "user", "add", "--username", user, "--role", role, "--org", "st-kakuu", "--database", &db];
        ok(srv, &args, Some("kakuu-sora-pw-1\n"));
    }
    let server = start_server(srv, &db);
    let url = server.url();
    for (dir, user) in [(office, "office-a"), (nurse, "nurse-a")] {
        ok(dir, &["login", "--server", &url, "--user", user], Some("kakuu-sora-pw-1\n"));
    }
    // Offline-only options need no login; --from a past date is refused by the server.
    let refused = carebook(office, &["municipality", "set", "13105", "--unit-minutes", "60", "--from", "2026-04-01"], None);
    assert!(!refused.status.success());
    assert!(String::from_utf8_lossy(&refused.stderr).contains("effective_from"), "{}", String::from_utf8_lossy(&refused.stderr));
    let set = json(office, &["municipality", "set", "13105", "--unit-minutes", "60"], None);
    assert_eq!(set["unit_minutes"], 60);
    ok(nurse, &["sync"], None);
    assert_eq!(json(nurse, &["municipality", "show", "13105"], None)["unit_minutes"], 60, "the nurse's device has the new version");
    let before = json(nurse, &["municipality", "show", "13105", "--on", "2026-04-01"], None);
    assert_eq!(before["unit_minutes"], 30, "earlier dates keep the built-in settings");

    // A template of the office's own, from a file, reaches the nurse's device from its date.
    let file = office.join("kakuu.json");
    let template =
        r#"{"id":"kakuu_own","title_ja":"架空の確認","title_en":"Kakuu check","items":[{"id":"oxygen","ja":"酸素","en":"oxygen"}]}"#;
    std::fs::write(&file, template).unwrap();
    ok(office, &["checklist", "publish", file.to_str().unwrap()], None);
    ok(nurse, &["sync"], None);
    let ids = |v: Value| v.as_array().unwrap().iter().map(|t| t["id"].as_str().unwrap().to_string()).collect::<Vec<_>>();
    assert!(ids(json(nurse, &["checklist", "templates"], None)).contains(&"kakuu_own".to_string()));
    assert!(!ids(json(nurse, &["checklist", "templates", "--on", "2026-04-01"], None)).contains(&"kakuu_own".to_string()));

    // The station's canned phrases, from a file, reach the nurse's device.
    let file = office.join("phrases.json");
    let phrases =
        r#"[{"text":"本人の機嫌良好。","places":["s","o"]},{"text":"胃ろう周囲の発赤なし。","places":["care"],"category":"胃ろう"}]"#;
    std::fs::write(&file, phrases).unwrap();
    ok(office, &["phrases", "publish", file.to_str().unwrap()], None);
    ok(nurse, &["sync"], None);
    let list = json(nurse, &["phrases", "show"], None);
    assert_eq!(list["station_id"], "st-kakuu");
    let texts: Vec<&str> = list["items"].as_array().unwrap().iter().map(|p| p["text"].as_str().unwrap()).collect();
    assert_eq!(texts, ["本人の機嫌良好。", "胃ろう周囲の発赤なし。"]);
    assert_eq!(json(nurse, &["phrases", "show", "--on", "2026-04-01"], None)["items"], serde_json::json!([]), "not before its date");
    // A nurse cannot publish them.
    let refused = carebook(nurse, &["phrases", "publish", file.to_str().unwrap()], None);
    assert!(!refused.status.success());
    assert!(String::from_utf8_lossy(&refused.stderr).contains("定型文"), "{}", String::from_utf8_lossy(&refused.stderr));
    drop(server);
}

/// `server user add --role municipality` in a welfare section works without naming the kind
/// again; in a station it is refused, as a nurse in a welfare section is.
#[test]
fn a_municipality_account_belongs_to_a_welfare_section() {
    let (srv, db_dir) = (tempfile::tempdir().unwrap(), tempfile::tempdir().unwrap());
    let srv = srv.path();
    let db = format!("sqlite://{}", db_dir.path().join("server.sqlite").display());
    let run = |args: &[&str], stdin: Option<&str>| {
        let mut v: Vec<&str> = vec!["server"];
        v.extend(args);
        v.extend(["--database", &db]);
        carebook(srv, &v, stdin)
    };
    let password = Some("kakuu-sora-to-umi-no-pasuwaado\n");
    assert!(run(&["org", "add", "--id", "st-kakuu", "--kind", "station", "--name", "架空訪問看護ステーション"], None).status.success());
    let section = ["org", "add", "--id", "ku-kakuu", "--kind", "municipality", "--name", "架空区 障害福祉課", "--municipality", "13105"];
    let out = run(&section, None);
    assert!(out.status.success(), "{}", String::from_utf8_lossy(&out.stderr));

    let out = run(&["user", "add", "--username", "ku-kakuu-1", "--role", "municipality", "--org", "ku-kakuu"], password);
    assert!(out.status.success(), "{}", String::from_utf8_lossy(&out.stderr));
    let out = run(&["user", "add", "--username", "ku-st-1", "--role", "municipality", "--org", "st-kakuu"], password);
    assert!(!out.status.success());
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(err.contains("municipality") && err.contains("station"), "{err}");
    let out = run(&["user", "add", "--username", "nurse-ku-1", "--role", "nurse", "--org", "ku-kakuu"], password);
    assert!(!out.status.success(), "a nurse does not belong to a welfare section");
    let out = run(&["user", "list", "--json"], None);
    let users: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    let names: Vec<(&str, &str, &str)> = users
        .as_array()
        .unwrap()
        .iter()
        .map(|u| (u["username"].as_str().unwrap(), u["role"].as_str().unwrap(), u["org_kind"].as_str().unwrap()))
        .collect();
    assert_eq!(names, [("ku-kakuu-1", "municipality", "municipality")], "only the fitting account was added");
}

/// `child transfer`: an office without the signed handover visit is refused with the field
/// named; an administrator moves the child, and the giving nurse's device lets it go at its
/// next sync while the receiving nurse's device takes it.
#[test]
fn a_child_transferred_from_the_command_line_moves_to_the_receiving_station_at_the_next_sync() {
    let server_dir = tempfile::tempdir().unwrap();
    let dirs: Vec<_> = (0..4).map(|_| tempfile::tempdir().unwrap()).collect();
    let srv = server_dir.path();
    let db = format!("sqlite://{}", srv.join("server.sqlite").display());
    let people = [
        ("office-a", "office", "st-kakuu"),
        ("nurse-a", "nurse", "st-kakuu"),
        ("nurse-b", "nurse", "st-mihon"),
        ("admin", "admin", "st-kakuu"),
    ];
    for (user, role, org) in people {
        ok(srv, &["server", "user", "add", "--username", user, "--role", role, "--org", org, "--database", &db], Some("kakuu-sora-pw-1\n"));
    }
    let server = start_server(srv, &db);
    let url = server.url();
    for (dir, (user, _, _)) in dirs.iter().zip(people) {
        ok(dir.path(), &["login", "--server", &url, "--user", user], Some("kakuu-sora-pw-1\n"));
    }
    let (office, nurse_a, nurse_b, admin) = (dirs[0].path(), dirs[1].path(), dirs[2].path(), dirs[3].path());
    let args = [
        "child",
        "add",
        "--name",
        "見本 そら",
        "--kana",
        "みほん そら",
        "--birth",
        "2021-02-14",
        "--municipality",
        "13105",
        "--tier",
        "taxed",
    ];
    let child = json(nurse_a, &args, None)["id"].as_str().unwrap().to_string();
    ok(nurse_a, &["sync"], None);
    ok(nurse_b, &["sync"], None);
    assert_eq!(json(nurse_b, &["child", "list"], None).as_array().unwrap().len(), 0);

    let refused = carebook(office, &["child", "transfer", &child, "--to", "st-mihon", "--from", "2026-12-01"], None);
    assert!(!refused.status.success());
    let err = String::from_utf8_lossy(&refused.stderr);
    assert!(err.contains("handover_visit") && err.contains("同行訪問"), "{err}");

    // Today in Japan, from the system clock.
    let secs = std::time::SystemTime::now().duration_since(std::time::UNIX_EPOCH).unwrap().as_secs() as i64;
    let from = carebook_domain::Date::from_days_since_epoch((secs + 9 * 3600).div_euclid(86_400)).to_string();
    let t = json(admin, &["child", "transfer", &child, "--to", "st-mihon", "--from", &from], None);
    assert_eq!(
        (t["from_org"].as_str(), t["to_org"].as_str(), t["child_name"].as_str()),
        (Some("st-kakuu"), Some("st-mihon"), Some("見本 そら"))
    );
    ok(nurse_a, &["sync"], None);
    assert_eq!(json(nurse_a, &["child", "list"], None).as_array().unwrap().len(), 0, "the giving nurse's device lets it go");
    ok(nurse_b, &["sync"], None);
    let held = json(nurse_b, &["child", "list"], None);
    assert_eq!(held[0]["id"].as_str(), Some(child.as_str()), "the receiving nurse's device takes it");
    drop(server);
}

/// The rows Python's csv module reads from `path` in `encoding`.
fn python_rows(path: &std::path::Path, encoding: &str) -> Vec<Vec<String>> {
    let script = "import csv, json, sys\nwith open(sys.argv[1], encoding=sys.argv[2], newline='') as f:\n    print(json.dumps(list(csv.reader(f)), ensure_ascii=False))";
    let out = Command::new("python3").args(["-c", script]).arg(path).arg(encoding).output().expect("python3 runs");
    assert!(out.status.success(), "{}", String::from_utf8_lossy(&out.stderr));
    serde_json::from_slice(&out.stdout).unwrap()
}

/// The station-readiness results report (実績報告) from the command line: nurses of two stations
/// record accompanied handover visits (one on the last day of the year before, one on the first
/// day of this year) and a first-visit checklist; the office records its purchases (one of the
/// year before) and exports the report of this fiscal year as CSV (UTF-8 and Shift_JIS, read
/// back by Python's csv), as a workbook (read back through LibreOffice) and as a PDF (its text
/// by pdftotext). A nurse may neither record nor list purchases.
#[test]
fn the_results_report_of_a_station_and_fiscal_year_is_exported_with_handovers_checklists_and_purchases() {
    let server_dir = tempfile::tempdir().unwrap();
    let dirs: Vec<_> = (0..3).map(|_| tempfile::tempdir().unwrap()).collect();
    let srv = server_dir.path();
    let db = format!("sqlite://{}", srv.join("server.sqlite").display());
    let people = [("office-a", "office", "st-kakuu"), ("nurse-a", "nurse", "st-kakuu"), ("nurse-b", "nurse", "st-mihon")];
    for (user, role, org) in people {
        ok(srv, &["server", "user", "add", "--username", user, "--role", role, "--org", org, "--database", &db], Some("kakuu-sora-pw-1\n"));
    }
    let server = start_server(srv, &db);
    let url = server.url();
    for (dir, (user, _, _)) in dirs.iter().zip(people) {
        ok(dir.path(), &["login", "--server", &url, "--user", user], Some("kakuu-sora-pw-1\n"));
    }
    let (office, nurse_a, nurse_b) = (dirs[0].path(), dirs[1].path(), dirs[2].path());

    // This fiscal year, from the system clock (JST): every day recorded is on or before today.
    let secs = std::time::SystemTime::now().duration_since(std::time::UNIX_EPOCH).unwrap().as_secs() as i64;
    let today = carebook_domain::Date::from_days_since_epoch((secs + 9 * 3600).div_euclid(86_400));
    let fy = today.fiscal_year();
    let (first, last_year_end) = (fy.first_day().to_string(), carebook_domain::FiscalYear(fy.0 - 1).last_day().to_string());
    let fy_text = fy.0.to_string();

    let child = add_hana(nurse_a, "taxed");
    for date in [&last_year_end, &first] {
        let args = VisitArgs::record(&child, "handover")
            .station("st-kakuu:架空あおば訪問看護")
            .date(date)
            .start("10:00")
            .end("11:30")
            .staff("a1:架空 一子:lead:nurse")
            .staff("b1:見本 二郎:accompanying:physiotherapist:st-mihon")
            .set("--from-station", "st-kakuu:架空あおば訪問看護")
            .set("--to-station", "st-mihon:見本さくら訪問看護")
            .topic("吸引の手順:口腔から")
            .set("--sign-from", "a1")
            .set("--sign-to", "b1")
            .set("--guardian-name", "見本 母")
            .submit()
            .args();
        ok(nurse_a, &args, None);
    }
    let first_visit = VisitArgs::nursing(&child)
        .station("st-kakuu:架空あおば訪問看護")
        .date(&first)
        .start("13:00")
        .end("14:00")
        .staff("a1:架空 一子:lead:nurse")
        .set("--checklist", "first_visit_equipment")
        .check("autoclave=ok")
        .check("thermometer=ok")
        .check("pulse_oximeter=problem:プローブが合わない")
        .check("laryngoscope=absent")
        .args();
    ok(nurse_a, &first_visit, None);
    ok(nurse_a, &["sync"], None);
    ok(office, &["sync"], None);

    // Purchases: two of this year, one of the year before; a nurse is refused.
    let buy = |dir: &std::path::Path, item: &str, date: &str, cost: &str| {
        carebook(
            dir,
            &["purchase", "add", "--station", "st-kakuu", "--item", item, "--date", date, "--cost-yen", cost, "--note", "見本"],
            None,
        )
    };
    for (item, date, cost) in [
        ("小児用パルスオキシメーター", first.as_str(), "24800"),
        ("小児用血圧計", today.to_string().leak(), "15300"),
        ("架空の吸引器", last_year_end.as_str(), "99000"),
    ] {
        let out = buy(office, item, date, cost);
        assert!(out.status.success(), "{}", String::from_utf8_lossy(&out.stderr));
    }
    let refused = buy(nurse_a, "架空の体温計", &first, "1000");
    assert!(!refused.status.success());
    let err = String::from_utf8_lossy(&refused.stderr).to_string();
    assert!(err.contains("事務担当") && err.contains("office staff"), "{err}");
    let refused = carebook(nurse_b, &["purchase", "list", "--station", "st-kakuu", "--fy", &fy_text], None);
    assert!(!refused.status.success());
    // A wrong field is named before anything is sent.
    let bad = buy(office, "架空の体温計", &first, "0");
    assert!(!bad.status.success() && String::from_utf8_lossy(&bad.stderr).contains("cost_yen"), "{}", String::from_utf8_lossy(&bad.stderr));
    let listed = json(office, &["purchase", "list", "--station", "st-kakuu", "--fy", &fy_text], None);
    let costs: Vec<u64> = listed.as_array().unwrap().iter().map(|p| p["cost_yen"].as_u64().unwrap()).collect();
    assert_eq!(costs, [24_800, 15_300]);
    let listed = ok(office, &["purchase", "list", "--station", "st-kakuu", "--fy", &fy_text], None);
    assert!(listed.contains("交付決定額 未記録"), "{listed}");

    // The amount granted: recorded, then replaced by a changed decision; a nurse is refused.
    let grant = |dir: &std::path::Path, yen: &str| {
        carebook(
            dir,
            &[
                "purchase",
                "grant",
                "--station",
                "st-kakuu",
                "--fy",
                &fy_text,
                "--granted-yen",
                yen,
                "--decided-on",
                &first,
                "--note",
                "見本 第1号",
            ],
            None,
        )
    };
    for yen in ["100000", "60000"] {
        let out = grant(office, yen);
        assert!(out.status.success(), "{}", String::from_utf8_lossy(&out.stderr));
    }
    assert!(!grant(nurse_a, "1").status.success());
    let listed = ok(office, &["purchase", "list", "--station", "st-kakuu", "--fy", &fy_text], None);
    // 60,000 − (24,800 + 15,300) = 19,900 left.
    assert!(listed.contains("交付決定額 granted 60000 円") && listed.contains("残額 left 19900 円"), "{listed}");

    // CSV, UTF-8 with a BOM.
    let out_dir = tempfile::tempdir().unwrap();
    let csv = out_dir.path().join("results.csv");
    let report =
        json(office, &["export", "results-report", "--station", "st-kakuu", "--fy", &fy_text, "--out", csv.to_str().unwrap()], None);
    assert_eq!(report["report"]["purchases_total_yen"].as_u64(), Some(24_800 + 15_300));
    assert_eq!(report["report"]["grant"]["granted_yen"].as_u64(), Some(60_000));
    assert_eq!(report["report"]["remaining_yen"].as_i64(), Some(60_000 - (24_800 + 15_300)));
    assert_eq!(&std::fs::read(&csv).unwrap()[..3], &[0xEF, 0xBB, 0xBF]);
    let rows = python_rows(&csv, "utf-8-sig");
    let check_rows = |rows: &[Vec<String>], what: &str| {
        assert_eq!(rows[0][..6], ["区分", "日付", "児童氏名", "引継ぐ事業所", "引継ぎを受ける事業所", "内容"], "{what}");
        let handovers: Vec<&Vec<String>> = rows.iter().filter(|r| r[0] == "同行訪問").collect();
        assert_eq!(handovers.len(), 1, "only this year's handover ({what}): {rows:?}");
        let h = handovers[0];
        assert_eq!((h[1].as_str(), h[2].as_str()), (first.as_str(), "見本 はな"), "{what}");
        assert_eq!((h[3].as_str(), h[4].as_str()), ("架空あおば訪問看護", "見本さくら訪問看護"), "{what}");
        assert!(h[5].contains("架空 一子（看護師・担当・架空あおば訪問看護）"), "{what}: {}", h[5]);
        assert!(h[5].contains("見本 二郎（理学療法士・同行・見本さくら訪問看護）"), "{what}: {}", h[5]);
        assert!(h[8].contains("署名：架空 一子／見本 二郎") && h[8].contains("吸引の手順"), "{what}: {}", h[8]);
        let check = rows.iter().find(|r| r[0] == "物品チェック").expect("the checklist row");
        // 32 items: 2 ok, 1 problem, 1 absent, 32 − 2 − 1 − 1 = 28 not checked.
        assert_eq!(check[5], "問題なし 2・問題あり 1・なし 1・未確認 28", "{what}");
        assert!(
            check[8].contains("問題あり：パルスオキシメーター（プローブが合わない）") && check[8].contains("該当なし：喉頭鏡"),
            "{what}: {}",
            check[8]
        );
        // The workbook's yen are numbers shown with thousands separators.
        let yen = |s: &str| s.replace(',', "");
        let bought: Vec<(&str, String)> = rows.iter().filter(|r| r[0] == "物品購入").map(|r| (r[5].as_str(), yen(&r[7]))).collect();
        assert_eq!(bought, [("小児用パルスオキシメーター", "24800".to_string()), ("小児用血圧計", "15300".to_string())], "{what}");
        let total = rows.iter().find(|r| r[0] == "合計").expect("the total row");
        assert_eq!(yen(&total[7]), (24_800 + 15_300).to_string(), "{what}");
        let tail: Vec<(&str, String)> = rows.iter().skip_while(|r| r[0] != "合計").skip(1).map(|r| (r[0].as_str(), yen(&r[7]))).collect();
        assert_eq!(tail, [("交付決定額", "60000".to_string()), ("残額", (60_000 - 24_800 - 15_300).to_string())], "{what}");
    };
    check_rows(&rows, "utf-8 csv");

    // CSV in Shift_JIS.
    let sjis = out_dir.path().join("results-sjis.csv");
    let summary = ok(
        office,
        &[
            "export",
            "results-report",
            "--station",
            "st-kakuu",
            "--fy",
            &fy_text,
            "--encoding",
            "shift_jis",
            "--out",
            sjis.to_str().unwrap(),
        ],
        None,
    );
    assert!(summary.contains("同行訪問 1 件") && summary.contains("物品購入 2 件") && summary.contains("40100 円"), "{summary}");
    assert!(summary.contains("残額 left 19900 円"), "{summary}");
    check_rows(&python_rows(&sjis, "shift_jis"), "shift_jis csv");

    // The workbook, opened by LibreOffice and written out as CSV.
    let xlsx = out_dir.path().join("results.xlsx");
    ok(
        office,
        &["export", "results-report", "--station", "st-kakuu", "--fy", &fy_text, "--format", "xlsx", "--out", xlsx.to_str().unwrap()],
        None,
    );
    let converted = out_dir.path().join("converted");
    let lo = Command::new("soffice")
        .arg(format!("-env:UserInstallation=file://{}/profile", out_dir.path().display()))
        .args(["--headless", "--norestore", "--convert-to", "csv:Text - txt - csv (StarCalc):44,34,76", "--outdir"])
        .arg(&converted)
        .arg(&xlsx)
        .output()
        .expect("LibreOffice (soffice) runs");
    assert!(lo.status.success(), "{}", String::from_utf8_lossy(&lo.stderr));
    check_rows(&python_rows(&converted.join("results.csv"), "utf-8"), "xlsx via LibreOffice");

    // The printed report: its heading and rows as text.
    let pdf = out_dir.path().join("results.pdf");
    ok(
        office,
        &["export", "results-report", "--station", "st-kakuu", "--fy", &fy_text, "--format", "pdf", "--out", pdf.to_str().unwrap()],
        None,
    );
    let text = Command::new("pdftotext").args(["-layout", "-enc", "UTF-8"]).arg(&pdf).arg("-").output().expect("pdftotext runs");
    assert!(text.status.success());
    let text = String::from_utf8(text.stdout).unwrap();
    for expected in [
        "医療的ケア児訪問看護ステーション体制整備事業 実績報告",
        &fy.japanese_label(),
        "同行訪問",
        "見本 はな",
        "小児用血圧計",
        "40,100",
        "交付決定額 60,000 円",
        "残額 19,900 円",
    ] {
        assert!(text.contains(expected), "{expected} in the PDF:\n{text}");
    }
    assert!(!text.contains("架空の吸引器"), "last year's purchase is not on this year's report");

    // A year that is not one is refused, naming the option.
    let bad = carebook(office, &["export", "results-report", "--station", "st-kakuu", "--fy", "26"], None);
    assert!(!bad.status.success() && String::from_utf8_lossy(&bad.stderr).contains("--fy"), "{}", String::from_utf8_lossy(&bad.stderr));
    drop(server);
}

/// Coordinator support from the command line: a nurse records a child; the station's
/// coordinator syncs (its face sheet arrives, no visit), records three pieces of work for it
/// (9 hours: the third crosses the 8) and two meetings, and reads the year's report with the
/// child's name and the subsidy; a nurse is refused the report.
#[test]
fn a_coordinator_records_work_and_meetings_and_reads_the_years_report() {
    let server_dir = tempfile::tempdir().unwrap();
    let dirs: Vec<_> = (0..2).map(|_| tempfile::tempdir().unwrap()).collect();
    let srv = server_dir.path();
    let db = format!("sqlite://{}", srv.join("server.sqlite").display());
    let people = [("nurse-a", "nurse", "st-kakuu"), ("coord-a", "coordinator", "st-kakuu")];
    for (user, role, org) in people {
        ok(srv, &["server", "user", "add", "--username", user, "--role", role, "--org", org, "--database", &db], Some("kakuu-sora-pw-1\n"));
    }
    let server = start_server(srv, &db);
    let url = server.url();
    for (dir, (user, _, _)) in dirs.iter().zip(people) {
        ok(dir.path(), &["login", "--server", &url, "--user", user], Some("kakuu-sora-pw-1\n"));
    }
    let (nurse, coord) = (dirs[0].path(), dirs[1].path());
    let child = add_hana(nurse, "taxed");
    ok(nurse, &VisitArgs::nursing(&child).args(), None);
    ok(nurse, &["sync"], None);
    ok(coord, &["sync"], None);
    let children = json(coord, &["child", "list"], None);
    assert_eq!(children.as_array().map(Vec::len), Some(1), "{children}");
    let visits = json(coord, &["visit", "list"], None);
    assert_eq!(visits.as_array().map(Vec::len), Some(0), "a coordinator receives no visit: {visits}");

    let secs = std::time::SystemTime::now().duration_since(std::time::UNIX_EPOCH).unwrap().as_secs() as i64;
    let today = carebook_domain::Date::from_days_since_epoch((secs + 9 * 3600).div_euclid(86_400));
    let (day, fy) = (today.to_string(), today.fiscal_year().0.to_string());
    for (minutes, cost) in [("240", "14000"), ("180", "10500"), ("120", "7000")] {
        let args = [
            "coordinator",
            "work",
            "--station",
            "st-kakuu",
            "--child",
            &child,
            "--date",
            &day,
            "--minutes",
            minutes,
            "--cost-yen",
            cost,
            "--kind",
            "liaison",
        ];
        ok(coord, &args, None);
    }
    let bad = carebook(
        coord,
        &[
            "coordinator",
            "work",
            "--station",
            "st-kakuu",
            "--child",
            &child,
            "--date",
            &day,
            "--minutes",
            "0",
            "--cost-yen",
            "0",
            "--kind",
            "liaison",
        ],
        None,
    );
    assert!(!bad.status.success() && String::from_utf8_lossy(&bad.stderr).contains("minutes"), "{}", String::from_utf8_lossy(&bad.stderr));
    for cost in ["200000", "300000"] {
        ok(
            coord,
            &[
                "coordinator",
                "meeting",
                "--station",
                "st-kakuu",
                "--date",
                &day,
                "--kind",
                "meeting",
                "--title",
                "架空 地域の協議の場",
                "--cost-yen",
                cost,
            ],
            None,
        );
    }
    let r = json(coord, &["coordinator", "report", "--station", "st-kakuu", "--fy", &fy], None);
    let c = &r["children"][0];
    assert_eq!(c["name"], "見本 はな");
    assert_eq!(c["ledger"]["used_minutes"].as_u64(), Some(240 + 180 + 120));
    assert_eq!(c["ledger"]["over_cap"].as_array().map(Vec::len), Some(1), "the third crosses 8 h");
    // Within the 8 hours: 14,000 + 10,500 = 24,500, Tokyo 3/4 = 18,375. Meetings: 500,000 spent,
    // 420,000 subsidised, all Tokyo's.
    assert_eq!(c["amount"]["fee"]["total_yen"].as_u64(), Some(14_000 + 10_500));
    assert_eq!(c["past_hours_cost_yen"].as_u64(), Some(7_000));
    assert_eq!(r["meetings"]["subsidised_yen"].as_u64(), Some(420_000));
    assert_eq!(r["total"]["total_yen"].as_u64(), Some(24_500 + 420_000));
    assert_eq!(r["total"]["tokyo_yen"].as_u64(), Some(24_500 * 3 / 4 + 420_000));
    let text = ok(coord, &["coordinator", "report", "--station", "st-kakuu", "--fy", &fy], None);
    assert!(text.contains("見本 はな") && text.contains("8時間超 1 件"), "{text}");
    let refused = carebook(nurse, &["coordinator", "report", "--station", "st-kakuu", "--fy", &fy], None);
    assert!(!refused.status.success(), "a nurse reads no coordinator records");
}

/// Backups that restore (issue 15, item 5), on SQLite and on PostgreSQL: three devices record
/// and sync; the operator backs up while the server runs (three times, keeping two); the
/// devices record more and sync, and one record stays on its tablet unsent; the database is
/// lost and the backup restored. At their next sync the devices notice the server's new epoch,
/// pull again from the start and push back what the backup lacks: a fresh device then finds
/// every record any device held, and the office's copies of nurses' records are not shown as
/// refused on the office's tablet.
#[test]
fn after_backing_up_losing_the_database_and_restoring_every_record_a_device_held_is_on_the_server_again() {
    let rt = tokio::runtime::Builder::new_current_thread().enable_all().build().unwrap();
    for db in [carebook_testkit::Db::Sqlite, carebook_testkit::Db::Postgres] {
        let Some(test_db) = rt.block_on(carebook_testkit::TestDb::create(db)) else { continue };
        backup_restore_story(&test_db.url);
        rt.block_on(test_db.drop_database());
    }
}

fn backup_restore_story(db: &str) {
    let server_dir = tempfile::tempdir().unwrap();
    let backups = tempfile::tempdir().unwrap();
    let dirs: Vec<_> = (0..4).map(|_| tempfile::tempdir().unwrap()).collect();
    let srv = server_dir.path();
    let people = [("nurse-a", "nurse"), ("nurse-b", "nurse"), ("office-a", "office")];
    for (user, role) in people {
        ok(
            srv,
            &["server", "user", "add", "--username", user, "--role", role, "--org", "st-kakuu", "--database", db],
            Some("kakuu-sora-pw-1\n"),
        );
    }
    let server = start_server(srv, db);
    let url = server.url();
    let (nurse_a, nurse_b, office, fresh) = (dirs[0].path(), dirs[1].path(), dirs[2].path(), dirs[3].path());
    for (dir, (user, _)) in [nurse_a, nurse_b, office].into_iter().zip(people) {
        ok(dir, &["login", "--server", &url, "--user", user], Some("kakuu-sora-pw-1\n"));
    }
    let visit = |dir: &std::path::Path, child: &str, day: &str| ok(dir, &VisitArgs::nursing(child).date(day).args(), None);

    // Before the backup: one child, a visit by each nurse.
    let hana = add_hana(nurse_a, "taxed");
    visit(nurse_a, &hana, "2026-06-01");
    ok(nurse_a, &["sync"], None);
    ok(nurse_b, &["sync"], None);
    visit(nurse_b, &hana, "2026-06-02");
    for dir in [nurse_b, office] {
        ok(dir, &["sync"], None);
    }

    // Three backups while the server runs; two generations kept.
    let mut written = Vec::new();
    for _ in 0..3 {
        let out = json(srv, &["server", "backup", "--dir", backups.path().to_str().unwrap(), "--keep", "2", "--database", db], None);
        written.push(std::path::PathBuf::from(out["path"].as_str().unwrap()));
        std::thread::sleep(std::time::Duration::from_millis(5));
    }
    let kept = carebook_server::backups_in(backups.path()).unwrap();
    assert_eq!(kept, written[1..], "the two newest are kept");
    let backup = written[2].clone();

    // After the backup: a second child and three visits reach the server; one visit stays on
    // nurse B's tablet.
    let sora = add_hana(nurse_a, "tax_exempt");
    visit(nurse_a, &sora, "2026-07-01");
    visit(nurse_a, &hana, "2026-07-02");
    ok(nurse_a, &["sync"], None);
    ok(nurse_b, &["sync"], None);
    visit(nurse_b, &sora, "2026-07-03");
    ok(nurse_b, &["sync"], None);
    ok(office, &["sync"], None);
    visit(nurse_b, &hana, "2026-07-04");
    // 2 children; 2 visits before the backup, 3 after it, 1 not sent.
    let (children, visits) = (2, 2 + 3 + 1);
    assert_eq!(json(office, &["visit", "list"], None).as_array().unwrap().len(), visits - 1);

    // The database is lost; the backup comes back, on the same address.
    let addr = server.addr().to_string();
    assert!(server.terminate().success());
    if db.starts_with("sqlite") {
        let file = db.trim_start_matches("sqlite://");
        for suffix in ["", "-wal", "-shm"] {
            let _ = std::fs::remove_file(format!("{file}{suffix}"));
        }
    } else {
        let out = Command::new("psql")
            .args([db, "-v", "ON_ERROR_STOP=1", "-q", "-c", "DROP SCHEMA public CASCADE; CREATE SCHEMA public;"])
            .output()
            .unwrap();
        assert!(out.status.success(), "{}", String::from_utf8_lossy(&out.stderr));
    }
    let not_a_backup = server_dir.path().join("server.stderr");
    let refused = carebook(srv, &["server", "restore", not_a_backup.to_str().unwrap(), "--database", db], None);
    assert!(
        !refused.status.success() && String::from_utf8_lossy(&refused.stderr).contains("not a"),
        "{}",
        String::from_utf8_lossy(&refused.stderr)
    );
    ok(srv, &["server", "restore", backup.to_str().unwrap(), "--database", db], None);
    let server = ServerProcess::start_on(std::path::Path::new(env!("CARGO_BIN_EXE_carebook")), srv, db, &addr);

    // The office first: its copies of the nurses' records go back where it may write them, and
    // none of them is marked refused on its tablet.
    let report = json(office, &["sync"], None);
    assert_eq!(report["resent_after_restore"].as_u64(), Some((children + visits - 1) as u64), "{report}");
    assert_eq!(report["rejected"], 0, "{report}");
    for dir in [nurse_a, nurse_b] {
        let out = ok(dir, &["sync"], None);
        assert!(out.contains("復元されていた") && out.contains("restored from a backup"), "{out}");
    }
    ok(office, &["sync"], None);
    let pending = json(office, &["sync", "--status"], None);
    assert_eq!(pending["pending"], 0, "{pending}");
    let office_visits = json(office, &["visit", "list"], None);
    assert_eq!(office_visits.as_array().unwrap().len(), visits, "{office_visits}");
    assert!(office_visits.as_array().unwrap().iter().all(|v| v["rejected"].is_null() || v["rejected"] == false), "{office_visits}");

    // A device that never synced before finds every record any device held.
    ok(fresh, &["login", "--server", &server.url(), "--user", "office-a"], Some("kakuu-sora-pw-1\n"));
    ok(fresh, &["sync"], None);
    assert_eq!(json(fresh, &["child", "list"], None).as_array().unwrap().len(), children);
    assert_eq!(json(fresh, &["visit", "list"], None).as_array().unwrap().len(), visits);
    // A second sync finds nothing more to do: the epoch is the device's now.
    let again = json(nurse_a, &["sync"], None);
    assert!(again["resent_after_restore"].is_null() && again["sent"] == 0, "{again}");
    drop(server);
}

/// TLS end to end with the real binary (issue 15, item 2): the server serves HTTPS from a
/// certificate of the organisation's own CA; a device that names that CA
/// (`CAREBOOK_CA_CERT`) signs in and syncs; one that does not is refused, told that the
/// certificate could not be verified; and no device sends a password over `http://` to
/// another machine — it is refused before any connection, naming the field.
#[test]
fn devices_sync_over_https_with_the_organisations_ca_and_refuse_an_unknown_ca_and_plain_http() {
    use carebook_testkit::tls_file;
    let server_dir = tempfile::tempdir().unwrap();
    let srv = server_dir.path();
    let db = format!("sqlite://{}", srv.join("server.sqlite").display());
    ok(
        srv,
        &["server", "user", "add", "--username", "nurse-a", "--role", "nurse", "--org", "st-kakuu", "--database", &db],
        Some("kakuu-sora-pw-1\n"),
    );
    let (cert, key) = (tls_file("server.pem"), tls_file("server.key"));
    let env = [("CAREBOOK_TLS_CERT", cert.to_str().unwrap()), ("CAREBOOK_TLS_KEY", key.to_str().unwrap())];
    let server = ServerProcess::start(std::path::Path::new(env!("CARGO_BIN_EXE_carebook")), srv, &db, &env);
    let url = server.url();
    assert!(url.starts_with("https://127.0.0.1:"), "{url}");
    let with_ca = |dir: &std::path::Path, args: &[&str], stdin: Option<&str>| {
        let mut cmd = Command::new(env!("CARGO_BIN_EXE_carebook"));
        cmd.env("CAREBOOK_PASSPHRASE", carebook_testkit::cli::PASSPHRASE);
        cmd.arg("--data-dir").arg(dir).args(args).env("CAREBOOK_CA_CERT", tls_file("ca.pem"));
        cmd.stdin(Stdio::piped()).stdout(Stdio::piped()).stderr(Stdio::piped());
        let mut child = cmd.spawn().unwrap();
        if let Some(input) = stdin {
            child.stdin.take().unwrap().write_all(input.as_bytes()).unwrap();
        }
        drop(child.stdin.take());
        child.wait_with_output().unwrap()
    };

    // With the organisation's CA: signs in, records, syncs.
    let tablet = tempfile::tempdir().unwrap();
    let out = with_ca(tablet.path(), &["login", "--server", &url, "--user", "nurse-a"], Some("kakuu-sora-pw-1\n"));
    assert!(out.status.success(), "{}", String::from_utf8_lossy(&out.stderr));
    let child = add_hana(tablet.path(), "taxed");
    ok(tablet.path(), &VisitArgs::nursing(&child).args(), None);
    let out = with_ca(tablet.path(), &["sync", "--json"], None);
    assert!(out.status.success(), "{}", String::from_utf8_lossy(&out.stderr));
    let report: Value = serde_json::from_slice(&out.stdout).unwrap();
    assert_eq!((report["sent"].as_u64(), report["accepted"].as_u64()), (Some(2), Some(2)), "{report}");

    // Without it: the certificate is not trusted, and the message says so.
    let stranger = tempfile::tempdir().unwrap();
    let out = carebook(stranger.path(), &["login", "--server", &url, "--user", "nurse-a"], Some("kakuu-sora-pw-1\n"));
    assert!(!out.status.success());
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(
        err.contains("証明書を確認できません") && err.contains("certificate could not be verified") && err.contains("CAREBOOK_CA_CERT"),
        "{err}"
    );
    assert!(json(stranger.path(), &["sync", "--status"], None)["user"].is_null(), "no session kept");

    // Plain HTTP to another machine: refused before connecting (192.0.2.1 is a documentation
    // address nobody answers on), naming the field.
    let out = with_ca(stranger.path(), &["login", "--server", "http://192.0.2.1:8080", "--user", "nurse-a"], Some("kakuu-sora-pw-1\n"));
    assert!(!out.status.success());
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(err.contains("server") && err.contains("https://") && err.contains("unencrypted"), "{err}");
    drop(server);
}

/// Who saw what, from the command line (issue 15, item 4): an office's tablet opens a nurse's
/// visit and exports the month's claim while offline; its next sync reports both, and
/// `server access --child` answers "who saw this child's records?" with the office's sign-in,
/// the records its device received, the visit it opened; `--user` lists the export. A failed
/// sign-in is there too; the nurse's own reading is not.
#[test]
fn the_access_log_answers_who_saw_a_childs_records_with_what_an_office_opened_and_exported() {
    let server_dir = tempfile::tempdir().unwrap();
    let srv = server_dir.path();
    let db = format!("sqlite://{}", srv.join("server.sqlite").display());
    for (user, role) in [("nurse-a", "nurse"), ("office-a", "office")] {
        ok(
            srv,
            &["server", "user", "add", "--username", user, "--role", role, "--org", "st-kakuu", "--database", &db],
            Some("kakuu-sora-pw-1\n"),
        );
    }
    let server = start_server(srv, &db);
    let (nurse, office) = (tempfile::tempdir().unwrap(), tempfile::tempdir().unwrap());
    let (nurse, office) = (nurse.path(), office.path());
    assert!(!carebook(office, &["login", "--server", &server.url(), "--user", "office-a"], Some("wrong-password-1\n")).status.success());
    for (dir, user) in [(nurse, "nurse-a"), (office, "office-a")] {
        ok(dir, &["login", "--server", &server.url(), "--user", user], Some("kakuu-sora-pw-1\n"));
    }
    let child = add_hana(nurse, "taxed");
    let visit = json(nurse, &VisitArgs::nursing(&child).date("2026-06-01").args(), None)["id"].as_str().unwrap().to_string();
    ok(nurse, &["sync"], None);
    ok(nurse, &["visit", "show", &visit], None);
    ok(office, &["sync"], None);
    // Offline work on the office's tablet: noted, not yet reported.
    ok(office, &["visit", "show", &visit], None);
    let out_dir = tempfile::tempdir().unwrap();
    let csv = out_dir.path().join("claim.csv");
    ok(office, &["export", "claim", "--municipality", "13105", "--month", "2026-06", "--out", csv.to_str().unwrap()], None);
    let report = json(office, &["sync"], None);
    assert_eq!(report["access_events"], 2, "{report}");
    assert_eq!(json(office, &["sync"], None)["access_events"], 0, "reported once");

    let about = json(srv, &["server", "access", "--child", &child, "--database", &db], None);
    let lines: Vec<(String, String)> = about
        .as_array()
        .unwrap()
        .iter()
        .map(|e| (e["action"].as_str().unwrap().to_string(), e["username"].as_str().unwrap().to_string()))
        .collect();
    assert_eq!(lines, [("opened".to_string(), "office-a".to_string()), ("received".to_string(), "office-a".to_string())], "{about}");
    assert_eq!(about[0]["record_id"], visit.as_str());
    assert_eq!(about[0]["what"], "visit");
    assert!(about[0]["happened_at"].as_i64().unwrap() <= about[0]["at"].as_i64().unwrap());
    let office_lines = json(srv, &["server", "access", "--user", "office-a", "--database", &db], None);
    let actions: Vec<&str> = office_lines.as_array().unwrap().iter().map(|e| e["action"].as_str().unwrap()).collect();
    assert_eq!(actions, ["exported", "opened", "received", "sign_in", "sign_in_failed"], "{office_lines}");
    assert_eq!(office_lines[0]["what"], "claim 13105 2026-06 csv");
    let text = ok(srv, &["server", "access", "--child", &child, "--database", &db], None);
    assert!(text.contains("閲覧 opened visit") && text.contains("受信 received 2 件"), "{text}");
    drop(server);
}

/// The code of `secret` (base32) now + `ahead` seconds, computed with totp-rs (RFC 6238, SHA1, 6
/// digits, 30 s), not with the server's code.
fn totp_code(secret: &str, ahead: u64) -> String {
    let now = std::time::SystemTime::now().duration_since(std::time::UNIX_EPOCH).unwrap().as_secs();
    let bytes = totp_rs::Secret::try_from_base32(secret).unwrap().as_ref().to_vec();
    totp_rs::Builder::new().with_secret(bytes).build().unwrap().generate(now + ahead).to_string()
}

#[test]
fn an_office_enrols_a_second_factor_from_the_command_line_and_then_signs_in_with_its_codes() {
    let server_dir = tempfile::tempdir().unwrap();
    let device_dir = tempfile::tempdir().unwrap();
    let (srv, dev) = (server_dir.path(), device_dir.path());
    let db = format!("sqlite://{}", srv.join("server.sqlite").display());
    ok(
        srv,
        &["server", "user", "add", "--username", "office-a", "--role", "office", "--org", "st-kakuu", "--database", &db],
        Some("kakuu-sora-pw-1\n"),
    );
    let exe = std::path::Path::new(env!("CARGO_BIN_EXE_carebook"));
    let server = ServerProcess::start(exe, srv, &db, &[("CAREBOOK_REQUIRE_SECOND_FACTOR", "true")]);
    let url = server.url();
    let login = ["login", "--server", url.as_str(), "--user", "office-a"];

    // Signed in with the password alone, the office may only enrol.
    let first = json(dev, &login, Some("kakuu-sora-pw-1\n"));
    assert_eq!(first["second_factor_enrolment_required"], true);
    let text = ok(dev, &login, Some("kakuu-sora-pw-1\n"));
    assert!(text.contains("carebook account second-factor start"), "{text}");
    let refused = carebook(dev, &["sync"], None);
    assert_eq!(refused.status.code(), Some(1));
    assert!(String::from_utf8_lossy(&refused.stderr).contains("二要素認証"), "{}", String::from_utf8_lossy(&refused.stderr));

    let svg = dev.join("qr.svg");
    let started = json(dev, &["account", "second-factor", "start", "--qr-svg", svg.to_str().unwrap()], None);
    let secret = started["secret"].as_str().unwrap().to_string();
    assert!(std::fs::read_to_string(&svg).unwrap().contains("<svg"));
    let wrong = carebook(dev, &["account", "second-factor", "confirm", "000000x"], None);
    assert_eq!(wrong.status.code(), Some(1), "not a code");
    let codes = json(dev, &["account", "second-factor", "confirm", &totp_code(&secret, 0)], None);
    let codes: Vec<String> = codes["codes"].as_array().unwrap().iter().map(|c| c.as_str().unwrap().to_string()).collect();
    assert_eq!(codes.len(), 10);
    assert!(carebook(dev, &["sync"], None).status.success(), "the same device syncs once enrolled");
    let status = json(dev, &["account", "second-factor", "status"], None);
    assert_eq!((status["enrolled"].clone(), status["required"].clone()), (Value::Bool(true), Value::Bool(true)));

    // Without --otp (and no terminal to ask on) the login says what to add.
    let asked = carebook(dev, &login, Some("kakuu-sora-pw-1\n"));
    assert_eq!(asked.status.code(), Some(1));
    assert!(String::from_utf8_lossy(&asked.stderr).contains("--otp"), "{}", String::from_utf8_lossy(&asked.stderr));
    let code = totp_code(&secret, 30);
    let with_code = [&login[..], &["--otp", &code]].concat();
    assert_eq!(json(dev, &with_code, Some("kakuu-sora-pw-1\n"))["second_factor_enrolment_required"], false);
    // A recovery code signs in once.
    let with_recovery = [&login[..], &["--otp", &codes[3]]].concat();
    ok(dev, &with_recovery, Some("kakuu-sora-pw-1\n"));
    let spent = carebook(dev, &with_recovery, Some("kakuu-sora-pw-1\n"));
    assert_eq!(spent.status.code(), Some(1));
    // An office may not remove it; the operator may (phone and codes lost): it enrols again.
    assert_eq!(carebook(dev, &["account", "second-factor", "remove"], Some("kakuu-sora-pw-1\n")).status.code(), Some(1));
    ok(srv, &["server", "user", "reset-second-factor", "--user", "office-a", "--database", &db], None);
    assert_eq!(json(dev, &login, Some("kakuu-sora-pw-1\n"))["second_factor_enrolment_required"], true);
    drop(server);
}
