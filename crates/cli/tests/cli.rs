//! The real `carebook` binary against temporary data directories.

use std::process::{Command, Output};

use serde_json::Value;
use tempfile::TempDir;

const NURSE: &str = "n1:架空 看護師:lead:nurse";
const STATION: &str = "st1:架空訪問看護ステーション";

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
        self.run(&[
            "visit",
            "record",
            "--child",
            child,
            "--kind",
            "respite",
            "--station",
            STATION,
            "--date",
            date,
            "--start",
            start,
            "--end",
            end,
            "--staff",
            NURSE,
        ])
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
fn a_respite_of_two_hours_ten_is_rejected_on_actual_end_and_nothing_is_written() {
    let cb = Carebook::new();
    let child = cb.add_child("13105");
    let out = cb.respite(&child, "2026-05-01", "09:00", "11:10");
    assert_eq!(out.status.code(), Some(1), "{}", stderr(&out));
    let err = stderr(&out);
    assert!(err.contains("actual_end: ") && err.contains("30分単位") && err.contains("130 minutes"), "{err}");
    assert_eq!(cb.visit_count(), 0);
}

#[test]
fn a_failing_command_with_json_prints_the_error_body_on_stdout() {
    let cb = Carebook::new();
    let child = cb.add_child("13105");
    let out = cb.run(&[
        "visit",
        "record",
        "--child",
        &child,
        "--kind",
        "respite",
        "--station",
        STATION,
        "--date",
        "2026-05-01",
        "--start",
        "09:00",
        "--end",
        "11:10",
        "--staff",
        NURSE,
        "--vital",
        "09:30,spo2=140",
        "--json",
    ]);
    assert_eq!(out.status.code(), Some(1));
    let body: Value = serde_json::from_str(&stdout(&out)).expect("an ErrorBody");
    assert_eq!(body["code"], "invalid");
    let fields: Vec<&str> = body["problems"].as_array().unwrap().iter().map(|p| p["field"].as_str().unwrap()).collect();
    assert!(fields.contains(&"actual_end") && fields.contains(&"vitals[0].spo2"), "{fields:?}");
    assert!(stderr(&out).contains("vitals[0].spo2: "), "{}", stderr(&out));
    assert_eq!(cb.visit_count(), 0);
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
    let base = ["visit", "record", "--child", &child, "--station", STATION, "--date", "2026-05-01", "--start", "09:00", "--end", "12:00"];
    let with = |extra: &[&str]| {
        let mut a = base.to_vec();
        a.extend_from_slice(extra);
        cb.run(&a)
    };
    let out = with(&["--kind", "sleepover", "--staff", NURSE]);
    assert_eq!(out.status.code(), Some(2));
    assert!(stderr(&out).contains("sleepover") && stderr(&out).contains("respite"), "{}", stderr(&out));
    let out = with(&["--kind", "respite", "--staff", "n1:架空 看護師:lead"]);
    assert_eq!(out.status.code(), Some(2));
    assert!(stderr(&out).contains("n1:架空 看護師:lead") && stderr(&out).contains("id:name:role:profession"), "{}", stderr(&out));
    let out = with(&["--kind", "respite", "--staff", "n1:架空 看護師:lead:doctor"]);
    assert!(stderr(&out).contains("\"doctor\""), "{}", stderr(&out));
    let out = with(&["--kind", "respite", "--staff", NURSE, "--care", "suction:count=many"]);
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
    let nursing = recorded_id(&cb.run(&[
        "visit",
        "record",
        "--child",
        &child,
        "--kind",
        "nursing",
        "--station",
        STATION,
        "--date",
        "2026-05-15",
        "--start",
        "10:00",
        "--end",
        "11:00",
        "--staff",
        NURSE,
        "--guardian-name",
        "見本 母",
        "--submit",
    ]));
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
    assert_eq!(cb.json(&["visit", "list", "--kind", "nursing"]).as_array().unwrap().len(), 1);
}

#[test]
fn a_nursing_visit_keeps_vitals_care_note_and_checklist() {
    let cb = Carebook::new();
    let child = cb.add_child("13105");
    let id = recorded_id(&cb.run(&[
        "visit",
        "record",
        "--child",
        &child,
        "--kind",
        "nursing",
        "--station",
        STATION,
        "--date",
        "2026-05-01",
        "--start",
        "10:00",
        "--end",
        "11:30",
        "--staff",
        NURSE,
        "--vital",
        "10:05,rr=30,pulse=120,temp=36.8,spo2=98,bp=100/60",
        "--care",
        "suction:count=6,note=白色, 少量",
        "--care",
        "tube_feeding:ml=200,rate=100",
        "--subjective",
        "よく眠れていた",
        "--checklist",
        "home_devices",
        "--check",
        "ventilator=ok",
        "--check",
        "feeding_pump=problem:チューブ交換",
        "--no-guardian-reason",
        "保護者不在",
        "--submit",
    ]));
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
    let out = cb.run(&[
        "visit",
        "record",
        "--child",
        &child,
        "--kind",
        "nursing",
        "--station",
        STATION,
        "--date",
        "2026-05-01",
        "--start",
        "10:00",
        "--end",
        "11:00",
        "--staff",
        NURSE,
        "--check",
        "ventilator=ok",
    ]);
    assert_eq!(out.status.code(), Some(2));
    assert!(stderr(&out).contains("--checklist"), "{}", stderr(&out));
}

#[test]
fn submitting_without_guardian_confirmation_writes_nothing() {
    let cb = Carebook::new();
    let child = cb.add_child("13105");
    let out = cb.run(&[
        "visit",
        "record",
        "--child",
        &child,
        "--kind",
        "respite",
        "--station",
        STATION,
        "--date",
        "2026-05-01",
        "--start",
        "09:00",
        "--end",
        "12:00",
        "--staff",
        NURSE,
        "--submit",
    ]);
    assert_eq!(out.status.code(), Some(1));
    assert!(stderr(&out).contains("guardian: "), "{}", stderr(&out));
    assert_eq!(cb.visit_count(), 0);
}

#[test]
fn a_handover_visit_with_both_sign_offs_is_submitted() {
    let cb = Carebook::new();
    let child = cb.add_child("13105");
    let handover = |sign_to: &str| {
        cb.run(&[
            "visit",
            "record",
            "--child",
            &child,
            "--kind",
            "handover",
            "--station",
            "stA:架空A",
            "--date",
            "2026-10-01",
            "--start",
            "10:00",
            "--end",
            "11:30",
            "--staff",
            "a1:架空 看護師A:lead:nurse",
            "--staff",
            "b1:架空 看護師B:accompanying:nurse:stB",
            "--from-station",
            "stA:架空A",
            "--to-station",
            "stB:架空B",
            "--topic",
            "吸引の手順:口腔から",
            "--topic",
            "緊急時対応",
            "--sign-from",
            "a1",
            "--sign-to",
            sign_to,
            "--guardian-name",
            "見本 母",
            "--submit",
        ])
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
    let out = cb.run(&[
        "visit",
        "record",
        "--child",
        &child,
        "--kind",
        "respite",
        "--station",
        STATION,
        "--date",
        "2026-05-01",
        "--start",
        "22:00",
        "--end",
        "02:00",
        "--end-date",
        "2026-05-02",
        "--staff",
        NURSE,
        "--vital",
        "01:00,rr=24",
        "--json",
    ]);
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
        .args(["child", "list", "--json"])
        .env("CAREBOOK_DATA_DIR", dir.path())
        .output()
        .unwrap();
    assert!(out.status.success(), "{}", stderr(&out));
    assert!(dir.path().join("carebook.sqlite").exists());
}
