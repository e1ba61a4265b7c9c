//! The real `carebook` binary against temporary data directories.

use std::process::{Command, Output};

use carebook_testkit::cli::VisitArgs;
use serde_json::Value;
use tempfile::TempDir;

/// A temporary data directory and the binary run against it.
struct Carebook {
    dir: TempDir,
}

impl Carebook {
    fn new() -> Self {
        Carebook { dir: tempfile::tempdir().expect("a temporary directory") }
    }

    fn run(&self, args: &[&str]) -> Output {
        Command::new(env!("CARGO_BIN_EXE_carebook"))
            .env("CAREBOOK_PASSPHRASE", carebook_testkit::cli::PASSPHRASE)
            .arg("--data-dir")
            .arg(self.dir.path())
            .args(args)
            .env_remove("CAREBOOK_DATA_DIR")
            .output()
            .expect("the binary runs")
    }

    /// Runs a command that must succeed and returns its stdout.
    fn ok(&self, args: &[&str]) -> String {
        let out = self.run(args);
        assert!(out.status.success(), "{args:?} failed ({:?}):\n{}\n{}", out.status, stdout(&out), stderr(&out));
        stdout(&out)
    }

    /// Runs a command with `--json` that must succeed and returns its JSON.
    fn json(&self, args: &[&str]) -> Value {
        let mut args = args.to_vec();
        args.push("--json");
        let text = self.ok(&args);
        serde_json::from_str(&text).unwrap_or_else(|e| panic!("{args:?} printed no JSON ({e}):\n{text}"))
    }

    /// Adds a child and returns its id (the last line of stdout).
    fn add_child(&self, municipality: &str) -> String {
        let out = self.ok(&[
            "child",
            "add",
            "--name",
            "見本 はな",
            "--kana",
            "みほん はな",
            "--birth",
            "2019-06-01",
            "--municipality",
            municipality,
            "--tier",
            "tax_exempt",
            "--score",
            "ventilator:high",
            "--score",
            "suction",
            "--guardian",
            "見本 母:母:000-0000-0000",
        ]);
        last_line(&out)
    }

    /// Records a done respite visit and returns the whole output.
    fn respite(&self, child: &str, date: &str, start: &str, end: &str) -> Output {
        self.run(&VisitArgs::respite(child).date(date).start(start).end(end).args())
    }

    fn visit_count(&self) -> usize {
        self.json(&["visit", "list"]).as_array().expect("a list").len()
    }
}

fn stdout(o: &Output) -> String {
    String::from_utf8_lossy(&o.stdout).into_owned()
}

fn stderr(o: &Output) -> String {
    String::from_utf8_lossy(&o.stderr).into_owned()
}

fn last_line(s: &str) -> String {
    s.lines().last().unwrap_or_default().trim().to_string()
}

fn recorded_id(o: &Output) -> String {
    assert!(o.status.success(), "recording failed:\n{}\n{}", stdout(o), stderr(o));
    last_line(&stdout(o))
}

#[test]
fn a_bunkyo_child_with_three_and_two_and_a_half_hours_has_16950_minutes_left() {
    let cb = Carebook::new();
    let child = cb.add_child("13105");
    recorded_id(&cb.respite(&child, "2026-05-01", "09:00", "12:00"));
    recorded_id(&cb.respite(&child, "2026-05-08", "13:00", "15:30"));
    let r = cb.json(&["respite", "remaining", "--child", &child, "--fy", "2026"]);
    assert_eq!(r["ledger"]["cap_minutes"], 288 * 60);
    assert_eq!(r["ledger"]["used_minutes"], 330);
    assert_eq!(r["ledger"]["remaining_minutes"], 16950);
    assert_eq!(r["ledger"]["sessions"].as_array().unwrap().len(), 2);
    assert_eq!(r["over_cap"], false);
    assert_eq!(r["fiscal_year_label"], "令和8年度");
    assert_eq!(r["municipality_name"], "文京区");

    let human = cb.ok(&["respite", "remaining", "--child", &child, "--fy", "2026"]);
    assert!(human.contains("残り時間 remaining: 282.5 h"), "{human}");
    assert!(human.contains("使用 used: 5.5 h") && human.contains("上限 cap: 288.0 h"), "{human}");
    assert!(human.contains("令和8年度") && human.contains("FY2026"), "{human}");
    assert!(human.contains("2026-05-08 13:00  2.5 h"), "{human}");
    assert!(!human.contains("上限超過"), "{human}");
}

#[test]
fn a_respite_of_two_hours_ten_is_recorded_with_its_real_times_counting_two_hours_with_a_warning() {
    let cb = Carebook::new();
    let child = cb.add_child("13105");
    let out = cb.respite(&child, "2026-05-01", "09:00", "11:10");
    assert_eq!(out.status.code(), Some(0), "{}", stderr(&out));
    let text = stdout(&out);
    // 130 min real; four whole 30-min units = 120 counted.
    assert!(text.contains("時間 duration: 130分") && text.contains("請求対象 billable: 120分"), "{text}");
    assert!(text.contains("注意 warning: actual_end: ") && text.contains("130 minutes count 120"), "{text}");
    assert_eq!(cb.visit_count(), 1);
    // 4 h 30: recorded, counted 4 h.
    let out = cb.respite(&child, "2026-05-02", "09:00", "13:30");
    let text = stdout(&out);
    assert!(text.contains("請求対象 billable: 240分") && text.contains("lasted 270 and counts 240"), "{text}");
}

#[test]
fn an_end_before_the_start_is_rejected_on_actual_end_and_nothing_is_written() {
    let cb = Carebook::new();
    let child = cb.add_child("13105");
    let out = cb.respite(&child, "2026-05-01", "09:00", "08:50");
    assert_eq!(out.status.code(), Some(1), "{}", stderr(&out));
    let err = stderr(&out);
    assert!(err.contains("actual_end: ") && err.contains("end 08:50 is not after start 09:00"), "{err}");
    assert_eq!(cb.visit_count(), 0);
}

#[test]
fn a_failing_command_with_json_prints_the_error_body_on_stdout() {
    let cb = Carebook::new();
    let child = cb.add_child("13105");
    // 09:00 on 1 May to 12:00 on 2 May: longer than 24 h.
    let out = cb.run(&VisitArgs::respite(&child).set("--end-date", "2026-05-02").vital("09:30,spo2=140").flag("--json").args());
    assert_eq!(out.status.code(), Some(1));
    let body: Value = serde_json::from_str(&stdout(&out)).expect("an ErrorBody");
    assert_eq!(body["code"], "invalid");
    let fields: Vec<&str> = body["problems"].as_array().unwrap().iter().map(|p| p["field"].as_str().unwrap()).collect();
    assert!(fields.contains(&"actual_end") && fields.contains(&"vitals[0].spo2"), "{fields:?}");
    assert!(stderr(&out).contains("vitals[0].spo2: "), "{}", stderr(&out));
    assert_eq!(cb.visit_count(), 0);
    assert_bilingual(&body);
    assert!(body["ja"].as_str().unwrap().starts_with("入力内容に問題があります"), "{body}");
    assert!(body["en"].as_str().unwrap().starts_with("the input is invalid"), "{body}");
}

/// An error body's `ja` holds Japanese, its `en` English without any, and `message` (kept for
/// older readers) is `ja / en`.
fn assert_bilingual(body: &Value) {
    let (ja, en) = (body["ja"].as_str().expect("ja"), body["en"].as_str().expect("en"));
    let japanese = |c: char| matches!(c, '\u{3040}'..='\u{30ff}' | '\u{4e00}'..='\u{9fff}');
    assert!(ja.chars().any(japanese), "{body}");
    assert!(!en.is_empty() && !en.chars().any(japanese), "{body}");
    assert_eq!(body["message"].as_str().unwrap(), format!("{ja} / {en}"), "{body}");
}

#[test]
fn every_kind_of_error_says_it_in_japanese_and_in_english() {
    let cb = Carebook::new();
    let body = |out: Output| -> Value { serde_json::from_str(&stdout(&out)).expect("an ErrorBody") };
    // A use case's error.
    let missing = body(cb.run(&["visit", "show", "0b7e2c1a-5d34-4f0e-9a51-2f3d8c6b7e10", "--json"]));
    assert_eq!(missing["code"], "not_found");
    assert_bilingual(&missing);
    // A value the domain refused while parsing the arguments: both name it.
    let usage = body(cb.run(&["visit", "show", "nope", "--json"]));
    assert_eq!(usage["code"], "usage");
    assert_bilingual(&usage);
    assert!(usage["ja"].as_str().unwrap().contains("\"nope\"") && usage["en"].as_str().unwrap().contains("\"nope\""), "{usage}");
    // The CLI's own refusal.
    let own = body(cb.run(&["server", "user", "change", "--user", "x", "--json"]));
    assert_eq!(own["code"], "error");
    assert_bilingual(&own);
    // The server library's error beneath the CLI's context: both in both languages.
    let out = Command::new(env!("CARGO_BIN_EXE_carebook"))
        .env("CAREBOOK_PASSPHRASE", carebook_testkit::cli::PASSPHRASE)
        .args(["--data-dir"])
        .arg(cb.dir.path())
        .args(["server", "user", "list", "--json"])
        .env("CAREBOOK_DATABASE_URL", "mysql://x")
        .output()
        .unwrap();
    let server = body(out);
    assert_eq!(server["code"], "error");
    assert_bilingual(&server);
    for (lang, context) in [("ja", "サーバーのデータベース mysql://x を開けません"), ("en", "opening the server database mysql://x")]
    {
        let text = server[lang].as_str().unwrap();
        assert!(text.starts_with(context) && text.contains("\"mysql://x\""), "{server}");
    }
}

#[test]
fn an_impossible_birth_date_is_rejected_naming_the_value() {
    let cb = Carebook::new();
    let out = cb.run(&[
        "child",
        "add",
        "--name",
        "見本",
        "--kana",
        "みほん",
        "--birth",
        "2026-02-30",
        "--municipality",
        "13105",
        "--tier",
        "tax_exempt",
    ]);
    assert_eq!(out.status.code(), Some(2));
    assert!(stderr(&out).contains("2026-02-30") && stderr(&out).contains("--birth"), "{}", stderr(&out));
    assert!(stdout(&out).is_empty());
    assert!(!cb.dir.path().join("carebook.sqlite").exists(), "a usage error opens nothing");
}

#[test]
fn unknown_names_and_malformed_staff_are_rejected_naming_the_value() {
    let cb = Carebook::new();
    let child = cb.add_child("13105");
    let out = cb.run(&VisitArgs::record(&child, "sleepover").args());
    assert_eq!(out.status.code(), Some(2));
    assert!(stderr(&out).contains("sleepover") && stderr(&out).contains("respite"), "{}", stderr(&out));
    let out = cb.run(&VisitArgs::respite(&child).staff("n1:架空 看護師:lead").args());
    assert_eq!(out.status.code(), Some(2));
    assert!(stderr(&out).contains("n1:架空 看護師:lead") && stderr(&out).contains("id:name:role:profession"), "{}", stderr(&out));
    let out = cb.run(&VisitArgs::respite(&child).staff("n1:架空 看護師:lead:doctor").args());
    assert!(stderr(&out).contains("\"doctor\""), "{}", stderr(&out));
    let out = cb.run(&VisitArgs::respite(&child).care("suction:count=many").args());
    assert!(stderr(&out).contains("many"), "{}", stderr(&out));
    let out = cb.run(&[
        "child",
        "add",
        "--name",
        "見本",
        "--kana",
        "Mihon",
        "--birth",
        "2020-01-01",
        "--municipality",
        "Bunkyo",
        "--tier",
        "taxed",
    ]);
    assert_eq!(out.status.code(), Some(1));
    let err = stderr(&out);
    assert!(err.contains("kana: ") && err.contains("municipality: ") && err.contains("\"Bunkyo\""), "{err}");
    assert_eq!(cb.json(&["child", "list"]).as_array().unwrap().len(), 1);
    assert_eq!(cb.visit_count(), 0);
}

#[test]
fn visit_list_filters_by_month_kind_and_status() {
    let cb = Carebook::new();
    let child = cb.add_child("13105");
    let may = recorded_id(&cb.respite(&child, "2026-05-31", "09:00", "12:00"));
    let june = recorded_id(&cb.respite(&child, "2026-06-01", "09:00", "11:00"));
    let nursing =
        recorded_id(&cb.run(
            &VisitArgs::nursing(&child).date("2026-05-15").start("10:00").end("11:00").set("--guardian-name", "見本 母").submit().args(),
        ));
    let ids = |v: Value| v.as_array().unwrap().iter().map(|s| s["id"].as_str().unwrap().to_string()).collect::<Vec<_>>();
    assert_eq!(ids(cb.json(&["visit", "list", "--month", "2026-05"])), vec![nursing.clone(), may.clone()]);
    assert_eq!(ids(cb.json(&["visit", "list", "--month", "2026-06"])), vec![june.clone()]);
    assert!(ids(cb.json(&["visit", "list", "--month", "2026-07"])).is_empty());
    assert_eq!(ids(cb.json(&["visit", "list", "--month", "2026-05", "--kind", "respite"])), vec![may]);
    assert_eq!(ids(cb.json(&["visit", "list", "--status", "submitted"])), vec![nursing]);
    assert_eq!(ids(cb.json(&["visit", "list", "--child", &child])).len(), 3);
    let human = cb.ok(&["visit", "list", "--month", "2026-06"]);
    assert!(human.contains("2026-06-01 09:00") && human.contains(&june) && !human.contains("2026-05-31"), "{human}");
}

#[test]
fn checklist_templates_lists_the_first_visit_equipment_and_home_devices() {
    let cb = Carebook::new();
    let ts = cb.json(&["checklist", "templates"]);
    let ids: Vec<&str> = ts.as_array().unwrap().iter().map(|t| t["id"].as_str().unwrap()).collect();
    assert!(ids.contains(&"first_visit_equipment") && ids.contains(&"home_devices"), "{ids:?}");
    let human = cb.ok(&["checklist", "templates"]);
    assert!(human.contains("小児用フィンガークリッププローブ"), "{human}");
}

#[test]
fn sessions_past_a_small_cap_are_recorded_with_an_over_cap_warning_naming_them() {
    let cb = Carebook::new();
    let set = cb.json(&["municipality", "set", "13101", "--cap-hours", "5"]);
    assert_eq!(set["annual_cap_minutes"], 300);
    assert_eq!(cb.json(&["municipality", "show", "13101"])["annual_cap_minutes"], 300);
    let child = cb.add_child("13101");
    let first = cb.respite(&child, "2026-05-01", "09:00", "12:00");
    assert!(!stdout(&first).contains("上限超過"), "{}", stdout(&first));
    let second = cb.respite(&child, "2026-05-02", "09:00", "12:00");
    let second_id = recorded_id(&second);
    let text = stdout(&second);
    assert!(text.contains("上限超過") && text.contains("over cap") && text.contains(&second_id), "{text}");
    assert!(text.contains("残り時間 remaining: -1.0 h"), "{text}");

    let r = cb.json(&["respite", "remaining", "--child", &child, "--fy", "2026"]);
    assert_eq!(r["over_cap"], true);
    assert_eq!(r["ledger"]["remaining_minutes"], -60);
    assert_eq!(r["ledger"]["over_cap"], serde_json::json!([second_id]));
    let human = cb.ok(&["respite", "remaining", "--child", &child, "--fy", "2026"]);
    assert!(human.contains("上限超過") && human.contains(&second_id) && human.contains("-1.0 h"), "{human}");
    assert_eq!(cb.visit_count(), 2, "the session past the cap is kept");
}

#[test]
fn municipality_settings_refuse_a_bad_code_and_a_bad_cap() {
    let cb = Carebook::new();
    let out = cb.run(&["municipality", "show", "1310"]);
    assert_eq!(out.status.code(), Some(1));
    assert!(stderr(&out).contains("\"1310\""), "{}", stderr(&out));
    let out = cb.run(&["municipality", "set", "13101", "--cap-hours", "-3"]);
    assert_eq!(out.status.code(), Some(2));
    assert!(stderr(&out).contains("-3"), "{}", stderr(&out));
    let shown = cb.ok(&["municipality", "show", "13105"]);
    assert!(shown.contains("文京区") && shown.contains("288.0 h"), "{shown}");
}

#[test]
fn demo_run_twice_seeds_the_children_once() {
    let cb = Carebook::new();
    let first = cb.json(&["demo"]);
    assert_eq!(first["seeded"], true);
    let children = cb.json(&["child", "list"]);
    assert_eq!(children.as_array().unwrap().len(), 2);
    let visits = cb.visit_count();
    assert!(visits >= 20, "{visits}");
    let again = cb.ok(&["demo"]);
    assert!(again.contains("残り時間 remaining") && again.contains("見本 はな"), "{again}");
    assert_eq!(cb.json(&["child", "list"]).as_array().unwrap().len(), 2);
    assert_eq!(cb.visit_count(), visits);
    let codes: Vec<&str> = children.as_array().unwrap().iter().map(|c| c["municipality"].as_str().unwrap()).collect();
    assert!(codes.contains(&"13105") && codes.contains(&"13103"), "{codes:?}");
    for c in first["children"].as_array().unwrap() {
        assert!(c["ledger"]["remaining_minutes"].as_i64().unwrap() > 0);
        assert!(!c["ledger"]["sessions"].as_array().unwrap().is_empty());
    }
    assert_eq!(cb.json(&["visit", "list", "--kind", "handover"]).as_array().unwrap().len(), 1);
    // One nursing visit that took place, and the nurse's plan: today, and three days on (and a
    // respite session tomorrow) — drafts with only a planned start.
    let nursing = cb.json(&["visit", "list", "--kind", "nursing"]);
    assert_eq!(nursing.as_array().unwrap().len(), 3, "{nursing}");
    let today = carebook_core::clock::today_jst();
    let planned: Vec<String> = cb
        .json(&["visit", "list", "--status", "draft"])
        .as_array()
        .unwrap()
        .iter()
        .map(|v| v["date"].as_str().unwrap_or_default().to_string())
        .collect();
    let day = |n: i64| carebook_domain::Date::from_days_since_epoch(today.days_since_epoch() + n).to_string();
    assert_eq!(planned, [day(0), day(1), day(3)]);
}

#[test]
fn a_nursing_visit_keeps_vitals_care_note_and_checklist() {
    let cb = Carebook::new();
    let child = cb.add_child("13105");
    let id = recorded_id(
        &cb.run(
            &VisitArgs::nursing(&child)
                .start("10:00")
                .end("11:30")
                .vital("10:05,rr=30,pulse=120,temp=36.8,spo2=98,bp=100/60")
                .care("suction:count=6,note=白色, 少量")
                .care("tube_feeding:ml=200,rate=100")
                .set("--subjective", "よく眠れていた")
                .set("--checklist", "home_devices")
                .check("ventilator=ok")
                .check("feeding_pump=problem:チューブ交換")
                .set("--no-guardian-reason", "保護者不在")
                .submit()
                .args(),
        ),
    );
    let v = cb.json(&["visit", "show", &id]);
    assert_eq!(v["status"], "submitted");
    assert_eq!(v["vitals"][0]["at"], "2026-05-01T10:05");
    assert_eq!(v["vitals"][0]["bp_diastolic"], 60);
    assert_eq!(v["vitals"][0]["temperature_c"], 36.8);
    assert_eq!(v["care"][0]["note"], "白色, 少量");
    assert_eq!(v["care"][1]["amount_ml"], 200);
    assert!(uuid::Uuid::parse_str(v["care"][0]["id"].as_str().unwrap()).is_ok());
    assert_eq!(v["note"]["subjective"], "よく眠れていた");
    assert_eq!(v["checklist"]["items"]["feeding_pump"]["status"], "problem");
    assert_eq!(v["guardian"]["kind"], "not_confirmed");
    let human = cb.ok(&["visit", "show", &id]);
    assert!(human.contains("経腸栄養ポンプ・チューブ") && human.contains("チューブ交換") && human.contains("SpO2 98%"), "{human}");
}

#[test]
fn a_checked_item_without_a_template_is_a_usage_error() {
    let cb = Carebook::new();
    let child = cb.add_child("13105");
    let out = cb.run(&VisitArgs::nursing(&child).start("10:00").end("11:00").check("ventilator=ok").args());
    assert_eq!(out.status.code(), Some(2));
    assert!(stderr(&out).contains("--checklist"), "{}", stderr(&out));
}

#[test]
fn submitting_without_guardian_confirmation_writes_nothing() {
    let cb = Carebook::new();
    let child = cb.add_child("13105");
    let out = cb.run(&VisitArgs::respite(&child).submit().args());
    assert_eq!(out.status.code(), Some(1));
    assert!(stderr(&out).contains("guardian: "), "{}", stderr(&out));
    assert_eq!(cb.visit_count(), 0);
}

#[test]
fn a_handover_visit_with_both_sign_offs_is_submitted() {
    let cb = Carebook::new();
    let child = cb.add_child("13105");
    let handover = |sign_to: &str| {
        cb.run(
            &VisitArgs::record(&child, "handover")
                .station("stA:架空A")
                .date("2026-10-01")
                .start("10:00")
                .end("11:30")
                .staff("a1:架空 看護師A:lead:nurse")
                .staff("b1:架空 看護師B:accompanying:nurse:stB")
                .set("--from-station", "stA:架空A")
                .set("--to-station", "stB:架空B")
                .topic("吸引の手順:口腔から")
                .topic("緊急時対応")
                .set("--sign-from", "a1")
                .set("--sign-to", sign_to)
                .set("--guardian-name", "見本 母")
                .submit()
                .args(),
        )
    };
    let bad = handover("zz9");
    assert_eq!(bad.status.code(), Some(1));
    assert!(stderr(&bad).contains("handover.to_sign_off") && stderr(&bad).contains("zz9"), "{}", stderr(&bad));
    assert_eq!(cb.visit_count(), 0);

    let id = recorded_id(&handover("b1"));
    let v = cb.json(&["visit", "show", &id]);
    assert_eq!(v["status"], "submitted");
    assert_eq!(v["handover"]["to_sign_off"]["name"], "架空 看護師B");
    assert_eq!(v["handover"]["to_sign_off"]["at"], "2026-10-01T11:30");
    assert_eq!(v["handover"]["topics"][0]["detail"], "口腔から");
    assert_eq!(v["staff"][0]["station_id"], "stA");
}

#[test]
fn a_night_respite_across_midnight_counts_its_real_length() {
    let cb = Carebook::new();
    let child = cb.add_child("13105");
    let out =
        cb.run(&VisitArgs::respite(&child).start("22:00").end("02:00").end_date("2026-05-02").vital("01:00,rr=24").flag("--json").args());
    assert!(out.status.success(), "{}", stderr(&out));
    let r: Value = serde_json::from_str(&stdout(&out)).unwrap();
    assert_eq!(r["summary"]["billable_minutes"], 240);
    assert_eq!(r["respite"]["ledger"]["remaining_minutes"], 288 * 60 - 240);
    let id = r["id"].as_str().unwrap();
    assert_eq!(cb.json(&["visit", "show", id])["vitals"][0]["at"], "2026-05-02T01:00");
}

#[test]
fn an_end_before_the_start_without_an_end_date_points_to_end_date() {
    let cb = Carebook::new();
    let child = cb.add_child("13105");
    let out = cb.respite(&child, "2026-05-01", "22:00", "02:00");
    assert_eq!(out.status.code(), Some(1));
    assert!(stderr(&out).contains("actual_end: ") && stderr(&out).contains("--end-date"), "{}", stderr(&out));
    assert_eq!(cb.visit_count(), 0);
}

#[test]
fn child_show_warns_about_an_expired_doctors_instruction() {
    let cb = Carebook::new();
    let id = last_line(&cb.ok(&[
        "child",
        "add",
        "--name",
        "見本 そら",
        "--kana",
        "みほん そら",
        "--birth",
        "2019-01-01",
        "--municipality",
        "13103",
        "--tier",
        "public_assistance",
        "--score",
        "oxygen:high",
        "--instruction",
        "架空 医師:架空病院:2020-01-01:2020-06-30",
    ]));
    let human = cb.ok(&["child", "show", &id]);
    assert!(human.contains("見本 そら") && human.contains("港区"), "{human}");
    assert!(human.contains("⚠") && human.contains("expired on 2020-06-30"), "{human}");
    let v = cb.json(&["child", "show", &id]);
    assert_eq!(v["instruction_state"], "expired");
    assert_eq!(v["score_total"], 9);
    assert_eq!(cb.json(&["child", "list"])[0]["id"], id.as_str());
}

#[test]
fn an_unknown_child_is_not_found() {
    let cb = Carebook::new();
    let out = cb.run(&["child", "show", "0b7e2c1a-5d34-4f0e-9a51-2f3d8c6b7e10", "--json"]);
    assert_eq!(out.status.code(), Some(1));
    assert_eq!(serde_json::from_str::<Value>(&stdout(&out)).unwrap()["code"], "not_found");
    let out = cb.run(&["child", "show", "not-an-id"]);
    assert_eq!(out.status.code(), Some(2));
    assert!(stderr(&out).contains("not-an-id"));
}

#[test]
fn index_rebuild_counts_every_record() {
    let cb = Carebook::new();
    let child = cb.add_child("13105");
    recorded_id(&cb.respite(&child, "2026-05-01", "09:00", "12:00"));
    let r = cb.json(&["index", "rebuild"]);
    assert_eq!(r["indexed"], 2);
    assert_eq!(r["unreadable"], serde_json::json!([]));
    assert!(cb.ok(&["index", "rebuild"]).contains("2件"));
}

#[test]
fn the_data_dir_comes_from_the_environment_when_not_given() {
    let dir = tempfile::tempdir().unwrap();
    let out = Command::new(env!("CARGO_BIN_EXE_carebook"))
        .env("CAREBOOK_PASSPHRASE", carebook_testkit::cli::PASSPHRASE)
        .args(["child", "list", "--json"])
        .env("CAREBOOK_DATA_DIR", dir.path())
        .output()
        .unwrap();
    assert!(out.status.success(), "{}", stderr(&out));
    assert!(dir.path().join("carebook.sqlite").exists());
}

// ---- editing records --------------------------------------------------------------------------

impl Carebook {
    /// The stored document bytes of a visit (what a write would change), read with the core.
    fn visit_bytes(&self, id: &str) -> Vec<u8> {
        let id = id.parse().unwrap();
        runtime().block_on(async { open_device(self.dir.path()).await.export_visit(id).await.unwrap() })
    }

    /// The stored document bytes of a child's face sheet.
    fn child_bytes(&self, id: &str) -> Vec<u8> {
        let id = id.parse().unwrap();
        runtime().block_on(async { open_device(self.dir.path()).await.export_child(id).await.unwrap() })
    }

    /// Runs an edit that must fail with exit code 1 and `--json`; returns the error body and stderr.
    fn refused(&self, args: &[&str]) -> (Value, String) {
        let mut args = args.to_vec();
        args.push("--json");
        let out = self.run(&args);
        assert_eq!(out.status.code(), Some(1), "{args:?}: {}\n{}", stdout(&out), stderr(&out));
        (serde_json::from_str(&stdout(&out)).expect("an ErrorBody"), stderr(&out))
    }
}

fn runtime() -> tokio::runtime::Runtime {
    tokio::runtime::Builder::new_current_thread().enable_all().build().unwrap()
}

/// A nursing visit on 2026-05-01, 10:00–11:30, with one reading, one care entry, a subjective
/// note and one checked item; returns its id.
fn nursing_visit(cb: &Carebook, child: &str) -> String {
    recorded_id(
        &cb.run(
            &VisitArgs::nursing(child)
                .start("10:00")
                .end("11:30")
                .vital("10:05,rr=30,spo2=98")
                .care("suction:count=6")
                .set("--subjective", "よく眠れていた")
                .set("--checklist", "home_devices")
                .check("ventilator=ok")
                .args(),
        ),
    )
}

#[test]
fn each_visit_edit_option_changes_its_field_and_nothing_else() {
    let cb = Carebook::new();
    let child = cb.add_child("13105");
    let id = nursing_visit(&cb, &child);
    // Each case: the options, and what they change in `visit show --json` (worked out by hand).
    type Change = fn(&mut Value, &Value);
    let cases: Vec<(Vec<&str>, Change)> = vec![
        (vec!["--place", "祖父母宅（架空）"], |v, _| v["place"] = "祖父母宅（架空）".into()),
        (vec!["--start", "10:30"], |v, _| v["actual_start"] = "2026-05-01T10:30".into()),
        (vec!["--end", "12:00"], |v, _| v["actual_end"] = "2026-05-01T12:00".into()),
        (vec!["--date", "2026-05-02"], |v, _| {
            v["actual_start"] = "2026-05-02T10:30".into();
            v["actual_end"] = "2026-05-02T12:00".into();
        }),
        (vec!["--end", "01:00", "--end-date", "2026-05-03"], |v, _| v["actual_end"] = "2026-05-03T01:00".into()),
        (vec!["--end", "08:00"], |v, _| v["actual_end"] = "2026-05-03T08:00".into()),
        (vec!["--end", "13:00", "--end-date", "2026-05-02"], |v, _| v["actual_end"] = "2026-05-02T13:00".into()),
        (vec!["--scheduled-start", "2026-05-02T10:00", "--scheduled-end", "2026-05-02T12:00"], |v, _| {
            v["scheduled_start"] = "2026-05-02T10:00".into();
            v["scheduled_end"] = "2026-05-02T12:00".into();
        }),
        (vec!["--station", "st1:架空訪問看護ステーション本店"], |v, _| {
            v["station"]["name"] = "架空訪問看護ステーション本店".into()
        }),
        (vec!["--staff", "n2:架空 看護師二:accompanying:nurse"], |v, _| {
            v["staff"].as_array_mut().unwrap().push(serde_json::json!({
                "id": "n2", "name": "架空 看護師二", "profession": "nurse", "role": "accompanying", "station_id": "st1"
            }))
        }),
        (vec!["--staff", "n1:架空 看護師改:lead:nurse"], |v, _| v["staff"][0]["name"] = "架空 看護師改".into()),
        (vec!["--vital", "11:00,pulse=110"], |v, after| {
            let id = after["vitals"][1]["id"].clone();
            v["vitals"].as_array_mut().unwrap().push(serde_json::json!({
                "id": id, "at": "2026-05-02T11:00", "respiration": null, "pulse": 110, "temperature_c": null,
                "spo2": null, "bp_systolic": null, "bp_diastolic": null
            }))
        }),
        (vec!["--clear-vitals", "--vital", "10:40,spo2=97"], |v, after| {
            v["vitals"] = serde_json::json!([{
                "id": after["vitals"][0]["id"], "at": "2026-05-02T10:40", "respiration": null, "pulse": null,
                "temperature_c": null, "spo2": 97, "bp_systolic": null, "bp_diastolic": null
            }])
        }),
        (vec!["--care", "oxygen:lpm=1.5"], |v, after| {
            v["care"].as_array_mut().unwrap().push(serde_json::json!({
                "id": after["care"][1]["id"], "item": "oxygen", "count": null, "amount_ml": null, "rate_ml_per_h": null,
                "oxygen_l_per_min": 1.5, "note": ""
            }))
        }),
        (vec!["--clear-care"], |v, _| v["care"] = serde_json::json!([])),
        (vec!["--subjective", "夜間は2回覚醒（架空）"], |v, _| v["note"]["subjective"] = "夜間は2回覚醒（架空）".into()),
        (vec!["--objective", "胸郭の動き良好"], |v, _| v["note"]["objective"] = "胸郭の動き良好".into()),
        (vec!["--assessment", "安定"], |v, _| v["note"]["assessment"] = "安定".into()),
        (vec!["--plan", "次回も吸引"], |v, _| v["note"]["plan"] = "次回も吸引".into()),
        (vec!["--check", "feeding_pump=problem:チューブ交換"], |v, _| {
            v["checklist"]["items"]["feeding_pump"] = serde_json::json!({"status": "problem", "note": "チューブ交換"})
        }),
        (vec!["--check", "ventilator=absent"], |v, _| {
            v["checklist"]["items"]["ventilator"] = serde_json::json!({"status": "absent", "note": ""})
        }),
        (vec!["--clear-checks"], |v, _| v["checklist"]["items"] = serde_json::json!({})),
        (vec!["--checklist", "first_visit_equipment", "--check", "autoclave=ok"], |v, _| {
            v["checklist"] =
                serde_json::json!({"template_id": "first_visit_equipment", "items": {"autoclave": {"status": "ok", "note": ""}}})
        }),
        (vec!["--outcome", "absent"], |v, _| v["outcome"] = "absent".into()),
        (vec!["--outcome", "done", "--no-guardian-reason", "保護者不在（架空）"], |v, after| {
            v["outcome"] = "done".into();
            assert_eq!(after["guardian"]["kind"], "not_confirmed");
            assert_eq!(after["guardian"]["reason"], "保護者不在（架空）");
            v["guardian"] = after["guardian"].clone();
        }),
        (vec!["--guardian-name", "見本 母"], |v, after| {
            assert_eq!(after["guardian"]["kind"], "confirmed");
            assert_eq!((&after["guardian"]["name"], &after["guardian"]["at"]), (&"見本 母".into(), &"2026-05-02T13:00".into()));
            v["guardian"] = after["guardian"].clone();
        }),
        (vec!["--submit"], |v, _| v["status"] = "submitted".into()),
    ];
    for (options, change) in cases {
        let before = cb.json(&["visit", "show", &id]);
        let mut args = vec!["visit", "edit", &id];
        args.extend(&options);
        cb.ok(&args);
        let after = cb.json(&["visit", "show", &id]);
        let mut expected = before.clone();
        change(&mut expected, &after);
        assert_eq!(after, expected, "{options:?}");
    }
    let line = cb.json(&["visit", "list"])[0].clone();
    assert_eq!((line["duration_minutes"].as_i64(), line["status"].as_str()), (Some(150), Some("submitted")));
}

#[test]
fn visit_edit_kind_and_handover_options_change_their_fields_and_json_prints_the_summary() {
    let cb = Carebook::new();
    let child = cb.add_child("13105");
    let respite = recorded_id(&cb.respite(&child, "2026-05-01", "09:00", "12:00"));
    let edited = cb.json(&["visit", "edit", &respite, "--kind", "nursing"]);
    assert_eq!((edited["id"].as_str(), edited["summary"]["kind"].as_str()), (Some(respite.as_str()), Some("nursing")));
    assert_eq!(edited["respite"], Value::Null, "no respite hours for a nursing visit");
    let r = cb.json(&["respite", "remaining", "--child", &child, "--fy", "2026"]);
    assert_eq!(r["ledger"]["used_minutes"], 0, "the hours come back with the kind");
    let edited = cb.json(&["visit", "edit", &respite, "--kind", "respite", "--end", "11:00"]);
    assert_eq!(edited["respite"]["ledger"]["remaining_minutes"], 288 * 60 - 120);
    let human = cb.ok(&["visit", "edit", &respite, "--place", "病院（架空）"]);
    assert!(human.contains("訪問記録を修正しました / visit changed") && human.ends_with(&format!("{respite}\n")), "{human}");

    let handover = recorded_id(
        &cb.run(
            &VisitArgs::record(&child, "handover")
                .station("stA:架空A")
                .staff("a1:架空 看護師A:lead:nurse")
                .staff("b1:架空 看護師B:accompanying:nurse:stB")
                .set("--from-station", "stA:架空A")
                .set("--to-station", "stB:架空B")
                .topic("吸引の手順:口腔から")
                .set("--sign-from", "a1")
                .args(),
        ),
    );
    cb.ok(&["visit", "edit", &handover, "--topic", "緊急時対応", "--sign-to", "b1", "--end", "12:30"]);
    let v = cb.json(&["visit", "show", &handover]);
    let topics: Vec<&str> = v["handover"]["topics"].as_array().unwrap().iter().map(|t| t["topic"].as_str().unwrap()).collect();
    assert_eq!(topics, ["吸引の手順", "緊急時対応"]);
    assert_eq!(v["handover"]["from_sign_off"]["at"], "2026-05-01T12:00", "the sign-off given before keeps its time");
    assert_eq!(
        (&v["handover"]["to_sign_off"]["name"], &v["handover"]["to_sign_off"]["at"]),
        (&"架空 看護師B".into(), &"2026-05-01T12:30".into())
    );
    cb.ok(&[
        "visit",
        "edit",
        &handover,
        "--clear-topics",
        "--topic",
        "物品の確認",
        "--from-station",
        "stB:架空B",
        "--to-station",
        "stA:架空A",
    ]);
    let v = cb.json(&["visit", "show", &handover]);
    assert_eq!(v["handover"]["topics"].as_array().unwrap().len(), 1);
    assert_eq!((v["handover"]["from_station"]["id"].as_str(), v["handover"]["to_station"]["id"].as_str()), (Some("stB"), Some("stA")));
}

#[test]
fn a_visit_edit_with_a_problem_names_the_field_and_writes_nothing() {
    let cb = Carebook::new();
    let child = cb.add_child("13105");
    let id = nursing_visit(&cb, &child);
    let stored = cb.visit_bytes(&id);
    for (options, field, code) in [
        (vec!["--vital", "10:30,spo2=140"], "vitals[1].spo2", "invalid"),
        (vec!["--end", "09:00"], "actual_end", "invalid"),
        (vec!["--staff", "n1:架空 看護師:accompanying:nurse"], "staff", "invalid"),
        (vec!["--place", "自宅\u{202e}"], "place", "invalid"),
        (vec!["--check", "ventilator=ok", "--check", "ventilator=problem"], "checklist.items.ventilator", "invalid"),
        (vec!["--kind", "handover"], "handover.from_station", "invalid"),
        (vec!["--sign-from", "zz9"], "handover.from_sign_off", "invalid"),
    ] {
        let mut args = vec!["visit", "edit", &id];
        args.extend(&options);
        let (body, err) = cb.refused(&args);
        assert_eq!(body["code"], code, "{options:?}: {body}");
        let fields: Vec<&str> = body["problems"].as_array().unwrap().iter().map(|p| p["field"].as_str().unwrap()).collect();
        assert!(fields.contains(&field), "{options:?}: {fields:?}");
        assert!(err.contains(&format!("{field}: ")), "{options:?}: {err}");
        assert_eq!(cb.visit_bytes(&id), stored, "{options:?} wrote nothing");
    }
    let out = cb.run(&["visit", "edit", &id, "--child", &child]);
    assert_eq!(out.status.code(), Some(2), "a record never changes child");
    let out = cb.run(&["visit", "edit", &id, "--vital", "10:30,weight=3"]);
    assert_eq!(out.status.code(), Some(2));
    assert!(stderr(&out).contains("weight"), "{}", stderr(&out));
    let (body, _) = cb.refused(&["visit", "edit", "0b7e2c1a-5d34-4f0e-9a51-2f3d8c6b7e10", "--place", "病院"]);
    assert_eq!(body["code"], "not_found");
    assert_eq!(cb.visit_bytes(&id), stored);
}

#[test]
fn an_approved_visit_is_locked_against_edits() {
    let cb = Carebook::new();
    let child = cb.add_child("13105");
    let id = recorded_id(&cb.run(&VisitArgs::nursing(&child).set("--guardian-name", "見本 母").submit().args()));
    runtime().block_on(async {
        let app = open_device(cb.dir.path()).await;
        app.set_visit_status(id.parse().unwrap(), carebook_domain::VisitStatus::Approved).await.unwrap();
    });
    let stored = cb.visit_bytes(&id);
    for options in [vec!["--place", "病院（架空）"], vec!["--vital", "10:30,spo2=140"]] {
        let mut args = vec!["visit", "edit", &id];
        args.extend(&options);
        let (body, err) = cb.refused(&args);
        assert_eq!(body["code"], "locked", "{options:?}: {body}");
        assert!(err.contains(&id), "{err}");
    }
    assert_eq!(cb.visit_bytes(&id), stored);
}

#[test]
fn concurrent_cli_edits_on_two_devices_merge_and_both_survive() {
    let (a, b) = (Carebook::new(), Carebook::new());
    let child = a.add_child("13105");
    let id = nursing_visit(&a, &child);
    let copy = |from: &Carebook, to: &Carebook| {
        runtime().block_on(async {
            let (src, dst) = (open_device(from.dir.path()).await, open_device(to.dir.path()).await);
            let child_id = child.parse().unwrap();
            dst.import_child(child_id, &src.export_child(child_id).await.unwrap()).await.unwrap();
            let visit_id = id.parse().unwrap();
            dst.import_visit(visit_id, &src.export_visit(visit_id).await.unwrap()).await.unwrap();
        })
    };
    copy(&a, &b);
    a.ok(&[
        "visit",
        "edit",
        &id,
        "--place",
        "祖父母宅（架空）",
        "--subjective",
        "よく眠れていた。朝は機嫌が良い",
        "--vital",
        "11:00,pulse=110",
    ]);
    b.ok(&[
        "visit",
        "edit",
        &id,
        "--plan",
        "吸引器の点検を依頼",
        "--staff",
        "n2:架空 看護師二:accompanying:nurse",
        "--vital",
        "11:10,rr=28",
    ]);
    b.ok(&["child", "edit", &child, "--device", "加湿器"]);
    a.ok(&["child", "edit", &child, "--name", "見本 はなこ"]);
    copy(&a, &b);
    copy(&b, &a);
    let (on_a, on_b) = (a.json(&["visit", "show", &id]), b.json(&["visit", "show", &id]));
    assert_eq!(on_a, on_b);
    assert_eq!(on_a["place"], "祖父母宅（架空）");
    assert_eq!(on_a["note"]["subjective"], "よく眠れていた。朝は機嫌が良い");
    assert_eq!(on_a["note"]["plan"], "吸引器の点検を依頼");
    assert_eq!(on_a["staff"].as_array().unwrap().len(), 2);
    let mut readings: Vec<&str> = on_a["vitals"].as_array().unwrap().iter().map(|v| v["at"].as_str().unwrap()).collect();
    readings.sort_unstable();
    assert_eq!(readings, ["2026-05-01T10:05", "2026-05-01T11:00", "2026-05-01T11:10"]);
    let sheet = a.json(&["child", "show", &child]);
    assert_eq!(sheet, b.json(&["child", "show", &child]));
    assert_eq!(sheet["name"], "見本 はなこ");
    assert_eq!(sheet["devices"], serde_json::json!(["加湿器"]));
}

#[test]
fn each_child_edit_option_changes_its_field_and_nothing_else() {
    let cb = Carebook::new();
    let id = cb.add_child("13105");
    type Change = fn(&mut Value);
    let cases: Vec<(Vec<&str>, Change)> = vec![
        (vec!["--name", "見本 はなこ"], |v| v["name"] = "見本 はなこ".into()),
        (vec!["--kana", "みほん はなこ"], |v| v["kana"] = "みほん はなこ".into()),
        (vec!["--birth", "2019-07-01"], |v| v["birth_date"] = "2019-07-01".into()),
        (vec!["--tier", "taxed"], |v| v["income_tier"] = "taxed".into()),
        (vec!["--enrolled-on", "2026-06-01"], |v| v["respite_enrolled_on"] = "2026-06-01".into()),
        (vec!["--diagnosis", "（架空の診断名）\n2行目"], |v| v["diagnosis"] = "（架空の診断名）\n2行目".into()),
        (vec!["--guardian", "見本 父:父:000-0000-0001"], |v| {
            v["guardians"].as_array_mut().unwrap().push(serde_json::json!({"name": "見本 父", "relation": "父", "phone": "000-0000-0001"}))
        }),
        (vec!["--clear-guardians", "--guardian", "見本 祖母:祖母:000-0000-0002"], |v| {
            v["guardians"] = serde_json::json!([{"name": "見本 祖母", "relation": "祖母", "phone": "000-0000-0002"}])
        }),
        (vec!["--device", "吸引器"], |v| v["devices"] = serde_json::json!(["吸引器"])),
        (vec!["--device", "パルスオキシメーター"], |v| v["devices"] = serde_json::json!(["吸引器", "パルスオキシメーター"])),
        (vec!["--clear-devices"], |v| v["devices"] = serde_json::json!([])),
        (vec!["--score", "ventilator:medium"], |v| v["score"][0]["watch"] = "medium".into()),
        (vec!["--score", "oxygen:high"], |v| {
            v["score"].as_array_mut().unwrap().push(serde_json::json!({"item": "oxygen", "watch": "high"}))
        }),
        (vec!["--clear-score", "--score", "suction"], |v| v["score"] = serde_json::json!([{"item": "suction", "watch": "none"}])),
        (vec!["--instruction", "架空 医師:架空病院:2026-04-01:2027-03-31"], |v| {
            v["doctor_instruction"] = serde_json::json!({
                "doctor": "架空 医師", "institution": "架空病院", "valid_from": "2026-04-01", "valid_until": "2027-03-31"
            })
        }),
        (vec!["--contact", "架空 訪問看護:事業所:000-0000-0003"], |v| {
            v["emergency_contacts"] = serde_json::json!([{"name": "架空 訪問看護", "relation": "事業所", "phone": "000-0000-0003"}])
        }),
        (vec!["--clear-contacts"], |v| v["emergency_contacts"] = serde_json::json!([])),
    ];
    // `child show --json` adds derived fields; compare the face sheet itself.
    let sheet = |cb: &Carebook| {
        let mut v = cb.json(&["child", "show", &id]);
        for derived in ["municipality_name", "score_total", "score_points", "instruction_state"] {
            v.as_object_mut().unwrap().remove(derived);
        }
        v
    };
    for (options, change) in cases {
        let before = sheet(&cb);
        let mut args = vec!["child", "edit", &id];
        args.extend(&options);
        cb.ok(&args);
        let mut expected = before;
        change(&mut expected);
        assert_eq!(sheet(&cb), expected, "{options:?}");
    }
    let edited = cb.json(&["child", "edit", &id, "--municipality", "13103"]);
    assert_eq!((edited["id"].as_str(), edited["child"]["municipality"].as_str()), (Some(id.as_str()), Some("13103")));
    assert_eq!(cb.json(&["child", "list"])[0]["municipality"], "13103", "the index follows");
    let r = cb.json(&["respite", "remaining", "--child", &id, "--fy", "2026"]);
    assert_eq!(r["municipality_name"], "港区");
}

#[test]
fn the_guardians_consent_to_share_is_recorded_changed_and_withdrawn_from_the_command_line() {
    let cb = Carebook::new();
    let id = cb.add_child("13105");
    assert!(cb.json(&["child", "show", &id])["sharing"].is_null());
    // A withdrawal or a single option needs a consent, or the three a new one needs.
    let stored = cb.child_bytes(&id);
    let out = cb.run(&["child", "edit", &id, "--sharing-withdrawn", "2026-11-01"]);
    assert_eq!(out.status.code(), Some(1));
    assert!(stderr(&out).contains("--sharing-by") && stderr(&out).contains("--sharing-until"), "{}", stderr(&out));
    assert_eq!(cb.child_bytes(&id), stored, "nothing written");

    let consent = ["--sharing-by", "見本 母", "--sharing-from", "2026-04-10", "--sharing-until", "2027-03-31"];
    let mut args = vec!["child", "edit", &id];
    args.extend(consent);
    cb.ok(&args);
    let expected = serde_json::json!({
        "by": "見本 母", "given_on": "2026-04-10", "scope": "respite_records", "until": "2027-03-31", "withdrawn_on": null
    });
    assert_eq!(cb.json(&["child", "show", &id])["sharing"], expected);
    let shown = cb.ok(&["child", "show", &id]);
    assert!(shown.contains("2026-04-10〜2027-03-31") && shown.contains("在宅レスパイト事業の記録"), "{shown}");

    // A last day before the first is refused with its field, and writes nothing.
    let stored = cb.child_bytes(&id);
    let (body, _) = cb.refused(&["child", "edit", &id, "--sharing-until", "2026-04-09"]);
    assert_eq!(body["problems"][0]["field"], "sharing.until", "{body}");
    assert_eq!(cb.child_bytes(&id), stored);

    cb.ok(&["child", "edit", &id, "--sharing-withdrawn", "2026-11-01"]);
    let mut withdrawn = expected.clone();
    withdrawn["withdrawn_on"] = "2026-11-01".into();
    assert_eq!(cb.json(&["child", "show", &id])["sharing"], withdrawn);
    assert!(cb.ok(&["child", "show", &id]).contains("2026-11-01 撤回 withdrawn"));

    // `child add` takes the same options.
    let mut args = vec!["child", "add", "--name", "見本 そら", "--kana", "みほん そら", "--birth", "2021-02-14"];
    args.extend(["--municipality", "13105", "--tier", "taxed"]);
    args.extend(consent);
    let added = cb.json(&args);
    let other = added["id"].as_str().unwrap();
    assert_eq!(cb.json(&["child", "show", other])["sharing"], expected);
}

#[test]
fn a_child_edit_with_a_problem_names_the_field_and_writes_nothing() {
    let cb = Carebook::new();
    let id = cb.add_child("13105");
    let stored = cb.child_bytes(&id);
    for (options, field) in [
        (vec!["--kana", "Mihon"], "kana"),
        (vec!["--municipality", "Bunkyo"], "municipality"),
        (vec!["--name", ""], "name"),
        (vec!["--guardian", "見本\u{1b}[31m:母:000"], "guardians[1].name"),
    ] {
        let mut args = vec!["child", "edit", &id];
        args.extend(&options);
        let (body, err) = cb.refused(&args);
        assert_eq!(body["code"], "invalid", "{options:?}: {body}");
        let fields: Vec<&str> = body["problems"].as_array().unwrap().iter().map(|p| p["field"].as_str().unwrap()).collect();
        assert!(fields.contains(&field), "{options:?}: {fields:?}");
        assert!(err.contains(&format!("{field}: ")), "{options:?}: {err}");
        assert_eq!(cb.child_bytes(&id), stored, "{options:?} wrote nothing");
    }
    let out = cb.run(&["child", "edit", &id, "--birth", "2026-02-30"]);
    assert_eq!(out.status.code(), Some(2));
    assert!(stderr(&out).contains("2026-02-30"), "{}", stderr(&out));
    assert_eq!(cb.child_bytes(&id), stored);
}

#[test]
fn edit_help_says_which_options_add_and_how_to_empty_a_list() {
    let cb = Carebook::new();
    let help = cb.ok(&["visit", "edit", "--help"]);
    for text in ["each option given replaces its field", "--clear-vitals", "adds a reading", "approved visit is locked"] {
        assert!(help.contains(text), "{text:?} missing in:\n{help}");
    }
    let help = cb.ok(&["child", "edit", "--help"]);
    for text in ["each option given replaces its field", "--clear-guardians", "adds one"] {
        assert!(help.contains(text), "{text:?} missing in:\n{help}");
    }
    let help = cb.ok(&["visit", "record", "--help"]);
    assert!(help.contains("--staff <ID:NAME:ROLE:PROFESSION[:STATION]>") && !help.contains("--clear-vitals"), "{help}");
}

/// `export claim`: sessions not yet approved are listed apart with the reason, in a CSV with a
/// byte-order mark (or Shift_JIS on request) and in a workbook; the summary counts them.
#[test]
fn the_monthly_claim_is_exported_as_csv_in_both_encodings_and_as_a_workbook() {
    let cb = Carebook::new();
    let child = cb.add_child("13105");
    for (date, start, end) in [("2026-11-02", "09:00", "12:00"), ("2026-11-09", "13:00", "15:00")] {
        let args = VisitArgs::respite(&child).date(date).start(start).end(end).set("--guardian-name", "見本 母").flag("--submit").args();
        recorded_id(&cb.run(&args));
    }
    let dir = cb.dir.path();
    let csv = dir.join("claim.csv");
    let out = cb.json(&["export", "claim", "--municipality", "13105", "--month", "2026-11", "--out", csv.to_str().unwrap()]);
    assert_eq!(out["claim"]["children"][0]["unclaimed"].as_array().unwrap().len(), 2);
    let bytes = std::fs::read(&csv).unwrap();
    assert_eq!(&bytes[..3], &[0xEF, 0xBB, 0xBF]);
    let text = String::from_utf8(bytes[3..].to_vec()).unwrap();
    let rows: Vec<&str> = text.lines().collect();
    assert!(rows[0].starts_with("区分,児童氏名,利用日"), "{}", rows[0]);
    assert_eq!(rows.iter().filter(|r| r.starts_with("対象外,見本 はな,2026-11-") && r.ends_with(",未承認")).count(), 2, "{text}");
    assert!(rows.last().unwrap().starts_with("合計,"), "{text}");

    let sjis = dir.join("claim-sjis.csv");
    let summary = cb.ok(&[
        "export",
        "claim",
        "--municipality",
        "13105",
        "--month",
        "2026-11",
        "--encoding",
        "shift_jis",
        "--out",
        sjis.to_str().unwrap(),
    ]);
    assert!(summary.contains("対象外 2 件") && summary.contains("合計 total 0 円"), "{summary}");
    let bytes = std::fs::read(&sjis).unwrap();
    assert!(String::from_utf8(bytes.clone()).is_err(), "Shift_JIS, not UTF-8");
    // 区分 in Shift_JIS: 0x8B E6 0x95 AA.
    assert_eq!(&bytes[..4], &[0x8B, 0xE6, 0x95, 0xAA]);

    let xlsx = dir.join("claim.xlsx");
    cb.ok(&["export", "claim", "--municipality", "13105", "--month", "2026-11", "--format", "xlsx", "--out", xlsx.to_str().unwrap()]);
    assert_eq!(&std::fs::read(&xlsx).unwrap()[..2], b"PK", "a zip: the workbook");
    // A month that is not a month is refused, naming it.
    let bad = cb.run(&["export", "claim", "--municipality", "13105", "--month", "2026-13"]);
    assert!(!bad.status.success() && stderr(&bad).contains("2026-13"), "{}", stderr(&bad));
}

/// `export daytime-claim`: days not yet approved and a day outside the fee table are listed
/// apart with every reason, in a CSV with a byte-order mark and in a workbook; the summary
/// counts them and says the money is nil.
#[test]
fn the_daytime_claim_is_exported_with_the_days_not_paid_and_why() {
    let cb = Carebook::new();
    // Ventilator with high watch alone: 12 points, under daytime care's 16.
    let child = last_line(&cb.ok(&[
        "child",
        "add",
        "--name",
        "見本 そら",
        "--kana",
        "みほん そら",
        "--birth",
        "2020-04-01",
        "--municipality",
        "13105",
        "--tier",
        "taxed",
        "--score",
        "ventilator:high",
        "--guardian",
        "見本 父:父:000-0000-0000",
    ]));
    // Without the kind of institution a daytime day is refused at submit, naming the field.
    let args = VisitArgs::record(&child, "daytime").date("2026-11-02").start("08:00").end("16:30").set("--guardian-name", "見本 父");
    let refused = cb.run(&args.clone().flag("--submit").args());
    assert!(
        !refused.status.success() && stderr(&refused).contains("provider") && stderr(&refused).contains("診療所"),
        "{}",
        stderr(&refused)
    );
    for (date, start, end, provider) in [("2026-11-02", "08:00", "16:30", "clinic"), ("2026-11-05", "09:00", "15:00", "hospital")] {
        let args = VisitArgs::record(&child, "daytime")
            .date(date)
            .start(start)
            .end(end)
            .set("--guardian-name", "見本 父")
            .set("--provider", provider)
            .flag("--submit")
            .args();
        recorded_id(&cb.run(&args));
    }
    let dir = cb.dir.path();
    let csv = dir.join("daytime.csv");
    let out = cb.json(&["export", "daytime-claim", "--municipality", "13105", "--month", "2026-11", "--out", csv.to_str().unwrap()]);
    let apart = out["claim"]["children"][0]["unclaimed"].as_array().unwrap();
    let reasons: Vec<_> = apart.iter().map(|u| u["reasons"].clone()).collect();
    assert_eq!(reasons, [serde_json::json!(["not_approved"]), serde_json::json!(["not_approved", "no_band"])]);
    let bytes = std::fs::read(&csv).unwrap();
    assert_eq!(&bytes[..3], &[0xEF, 0xBB, 0xBF]);
    let text = String::from_utf8(bytes[3..].to_vec()).unwrap();
    let rows: Vec<&str> = text.lines().collect();
    assert!(rows[0].starts_with("区分,児童氏名,利用日,開始,終了,預かり時間（時間）"), "{}", rows[0]);
    assert!(rows[0].contains(",担当,実施機関,世帯区分,"), "{}", rows[0]);
    assert!(rows[1].starts_with("対象外,見本 そら,2026-11-02,08:00,16:30,8.5,") && rows[1].ends_with(",未承認"), "{text}");
    assert!(rows[1].contains(",診療所,") && rows[2].contains(",病院,"), "{text}");
    assert!(rows[2].ends_with(",未承認、預かり時間が補助基準額の区分にない"), "{text}");
    assert!(rows.last().unwrap().starts_with("合計,"), "{text}");

    let xlsx = dir.join("daytime.xlsx");
    let summary = cb.ok(&[
        "export",
        "daytime-claim",
        "--municipality",
        "13105",
        "--month",
        "2026-11",
        "--format",
        "xlsx",
        "--out",
        xlsx.to_str().unwrap(),
    ]);
    assert!(summary.contains("請求 0 日") && summary.contains("対象外 2 件") && summary.contains("補助 subsidy 0 円"), "{summary}");
    assert_eq!(&std::fs::read(&xlsx).unwrap()[..2], b"PK", "a zip: the workbook");
}

/// `municipality set --daytime-band/--daytime-charge/--daytime-tokyo-percent`: the daytime-care
/// table as settings; a band that ends before it starts is refused naming it.
#[test]
fn the_daytime_fee_table_is_set_shown_and_checked() {
    let cb = Carebook::new();
    let shown = cb.ok(&["municipality", "show", "13105"]);
    assert!(shown.contains("日中預かり daytime care 8時間以上9時間未満 (480–539 min): 30000円"), "{shown}");
    assert!(shown.contains("課税世帯") && shown.contains("基準額の10%"), "{shown}");
    let set = cb.json(&[
        "municipality",
        "set",
        "13105",
        "--daytime-band",
        "8-9:30000",
        "--daytime-band",
        "9-:33750",
        "--daytime-charge",
        "taxed:yen:2000",
        "--daytime-tokyo-percent",
        "50",
    ]);
    assert_eq!(
        set["daytime_bands"],
        serde_json::json!([{"from_minutes": 480, "to_minutes": 540, "yen": 30000}, {"from_minutes": 540, "to_minutes": null, "yen": 33750}])
    );
    assert_eq!(set["daytime_user_charge"]["taxed"], serde_json::json!({"kind": "per_day", "yen": 2000}));
    assert_eq!(set["daytime_user_charge"]["tax_exempt"], serde_json::json!({"kind": "per_day", "yen": 0}));
    assert_eq!(set["daytime_tokyo_share_percent"], 50);
    let shown = cb.ok(&["municipality", "show", "13105"]);
    assert!(shown.contains("9時間以上 (540+ min): 33750円") && shown.contains("1日 2000円"), "{shown}");

    let bad = cb.run(&["municipality", "set", "13105", "--daytime-band", "9-8:30000"]);
    assert!(!bad.status.success() && stderr(&bad).contains("daytime_bands[0].to_minutes"), "{}", stderr(&bad));
    let bad = cb.run(&["municipality", "set", "13105", "--daytime-charge", "rich:yen:1"]);
    assert_eq!(bad.status.code(), Some(2));
    assert!(stderr(&bad).contains("\"rich\"") && stderr(&bad).contains("taxed"), "{}", stderr(&bad));
}

/// Opens a CLI test's device store in the test itself, with the passphrase the CLI was given.
async fn open_device(dir: &std::path::Path) -> carebook_core::Carebook {
    let key = carebook_core::vault::key_for_passphrase(dir, carebook_testkit::cli::PASSPHRASE, Default::default()).await.unwrap();
    carebook_core::Carebook::open_with_key(dir, &key).await.unwrap()
}

/// The CLI without `CAREBOOK_PASSPHRASE`: the store is encrypted all the same, its key kept
/// beside it unwrapped (stderr says so); a passphrase given later wraps it, and from then on the
/// store needs it.
#[test]
fn without_a_passphrase_the_store_is_encrypted_and_says_its_key_is_unprotected_until_one_wraps_it() {
    let dir = tempfile::tempdir().unwrap();
    let run = |passphrase: Option<&str>, args: &[&str]| {
        let mut cmd = Command::new(env!("CARGO_BIN_EXE_carebook"));
        cmd.arg("--data-dir").arg(dir.path()).args(args).env_remove("CAREBOOK_DATA_DIR").env_remove("CAREBOOK_PASSPHRASE");
        if let Some(p) = passphrase {
            cmd.env("CAREBOOK_PASSPHRASE", p);
        }
        cmd.output().unwrap()
    };
    let add = [
        "child",
        "add",
        "--name",
        "見本 鍵子",
        "--kana",
        "みほん かぎこ",
        "--birth",
        "2020-04-02",
        "--municipality",
        "13105",
        "--tier",
        "tax_exempt",
    ];
    let out = run(None, &add);
    assert!(out.status.success(), "{}", stderr(&out));
    assert!(stderr(&out).contains("CAREBOOK_PASSPHRASE"), "{}", stderr(&out));
    let store = std::fs::read(dir.path().join(carebook_core::store::DB_FILE)).unwrap();
    assert!(!store.windows("見本 鍵子".len()).any(|w| w == "見本 鍵子".as_bytes()), "the name in plain text");
    assert_eq!(carebook_core::vault::state(dir.path()).unwrap(), carebook_core::vault::VaultState::Unprotected);
    // Again without one: no second note, the child is there.
    let out = run(None, &["child", "list"]);
    assert!(out.status.success() && stdout(&out).contains("見本 鍵子") && stderr(&out).is_empty(), "{}", stderr(&out));
    // A passphrase wraps the key; then the store needs it, and a wrong one is counted.
    assert!(run(Some("見本のパスフレーズ"), &["child", "list"]).status.success());
    assert_eq!(carebook_core::vault::state(dir.path()).unwrap(), carebook_core::vault::VaultState::Locked);
    let out = run(None, &["child", "list"]);
    assert!(!out.status.success() && stderr(&out).contains("CAREBOOK_PASSPHRASE"), "{}", stderr(&out));
    let out = run(Some("違うパスフレーズです"), &["child", "list"]);
    assert!(!out.status.success() && stderr(&out).contains("あと 9 回"), "{}", stderr(&out));
    assert!(stdout(&run(Some("見本のパスフレーズ"), &["child", "list"])).contains("見本 鍵子"));
}

#[test]
fn search_finds_visits_by_a_word_of_their_notes_and_a_date_with_the_line_it_is_in() {
    let cb = Carebook::new();
    let child = cb.add_child("13105");
    let with = recorded_id(
        &cb.run(
            &VisitArgs::respite(&child)
                .date("2026-05-31")
                .start("09:00")
                .end("12:00")
                .set("--subjective", "夜間に痰が多くカテーテル交換")
                .args(),
        ),
    );
    let other = recorded_id(
        &cb.run(&VisitArgs::respite(&child).date("2026-06-01").start("09:00").end("11:00").set("--subjective", "発熱なし").args()),
    );
    let ids = |v: &Value| {
        v["visits"].as_array().unwrap().iter().map(|s| s["row"]["summary"]["id"].as_str().unwrap().to_string()).collect::<Vec<_>>()
    };
    // Katakana typed in hiragana; the line it is in comes back.
    let found = cb.json(&["search", "かてーてる"]);
    assert_eq!(ids(&found), vec![with.clone()]);
    assert_eq!(found["visits"][0]["excerpt"], "夜間に痰が多くカテーテル交換");
    // The child's kana finds both, newest first, and the child; a date narrows to one.
    let both = cb.json(&["search", "はな"]);
    assert_eq!(ids(&both), vec![other.clone(), with.clone()]);
    assert_eq!(both["children"][0]["id"], child.as_str());
    assert_eq!(ids(&cb.json(&["search", "はな", "6/1"])), vec![other]);
    assert!(ids(&cb.json(&["search", "嘔吐"])).is_empty());
    let human = cb.ok(&["search", "カテーテル"]);
    assert!(human.contains(&with) && human.contains("夜間に痰が多くカテーテル交換") && human.contains("記録 1件"), "{human}");
}

#[tokio::test]
async fn a_planned_visit_shows_its_planned_start_and_no_outcome_yet() {
    let cb = Carebook::new();
    let child = cb.add_child("13105");
    // A plan as the app makes one (the CLI records visits that took place): only its start.
    let app = open_device(cb.dir.path()).await;
    let mut v = app.new_visit(child.parse().unwrap(), carebook_domain::VisitKind::Respite).await.unwrap();
    v.scheduled_start = Some("2026-12-10T10:30".parse().unwrap());
    (v.station, v.staff) = (carebook_testkit::station(), vec![carebook_testkit::nurse("n1", carebook_domain::StaffRole::Lead)]);
    let plan = app.save_visit(v).await.unwrap().summary.id.to_string();
    app.store().clone().close().await;
    let shown = cb.ok(&["visit", "show", &plan]);
    assert!(shown.contains("予定 scheduled: 2026-12-10 10:30"), "{shown}");
    assert!(shown.contains("未実施（予定）") && !shown.contains("実施 (done)"), "{shown}");
}
