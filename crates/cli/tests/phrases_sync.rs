//! Canned phrases (定型文) from an office's device to a nurse's, through a real server process:
//! after one sync the nurse's device has its station's list, and only its station's, and
//! gives it for a visit's station and date with the server gone (offline).

use carebook_domain::{ChildId, Date, Phrase, PhraseList, PhrasePlace, Role, RuleKind, RuleVersion};
use carebook_server::OrgKind;
use carebook_testkit::{respite, ServerProcess, TempDevice};

const PASSWORD: &str = "kakuu-mihon-passphrase-2026";

/// Tomorrow in Japan: an office may publish from it, whatever the hour.
fn tomorrow() -> Date {
    carebook_core::clock::today_jst().succ()
}

fn version(station: &str, texts: &[&str]) -> RuleVersion {
    let items =
        texts.iter().map(|t| Phrase { text: t.to_string(), places: vec![PhrasePlace::Subjective], category: String::new() }).collect();
    RuleVersion {
        key: station.into(),
        effective_from: tomorrow(),
        rules: None,
        template: None,
        phrases: Some(PhraseList { station_id: station.into(), items }),
        author: String::new(),
        recorded_at: 0,
    }
}

async fn device(url: &str, user: &str) -> TempDevice {
    let dev = TempDevice::new().await.unwrap();
    dev.app.login(url, user, PASSWORD, "架空タブレット").await.unwrap();
    dev
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn after_a_sync_a_nurses_device_has_its_stations_phrases_offline_for_a_visits_date() {
    let _ = rustls::crypto::ring::default_provider().install_default();
    let dir = tempfile::tempdir().unwrap();
    let db = format!("sqlite://{}", dir.path().join("server.sqlite").display());
    let storage = carebook_server::open_storage(&db).await.unwrap();
    for (user, role, org) in [("office-a", Role::Office, "st-a"), ("nurse-a", Role::Nurse, "st-a"), ("office-b", Role::Office, "st-b")] {
        storage.add_user(user, PASSWORD, role, org, OrgKind::Station).await.unwrap();
    }
    storage.close().await;
    let server = ServerProcess::start(std::path::Path::new(env!("CARGO_BIN_EXE_carebook")), dir.path(), &db, &[]);
    let url = server.url();

    let office_a = device(&url, "office-a").await;
    office_a.app.publish_rule_version(&version("st-a", &["本人の機嫌良好。", "母より「夜間よく眠れた」と。"])).await.unwrap();
    let office_b = device(&url, "office-b").await;
    office_b.app.publish_rule_version(&version("st-b", &["B 事業所の定型文。"])).await.unwrap();
    // The office's own device has its list at once (publishing fetches the book again).
    assert_eq!(office_a.app.station_phrases(Some(tomorrow())).await.unwrap().items.len(), 2);

    let nurse = device(&url, "nurse-a").await;
    nurse.app.sync(&mut |_| {}).await.unwrap();
    drop(server);

    // Offline now: a visit of st-a tomorrow gets st-a's list; today, before it applies, none.
    let texts = |l: PhraseList| l.items.into_iter().map(|p| p.text).collect::<Vec<_>>();
    let day = tomorrow().to_string();
    let mut visit = respite(ChildId::random(), &format!("{day}T10:00"), &format!("{day}T13:00"));
    visit.station.id = "st-a".into();
    let got = nurse.app.visit_phrases(&visit).await.unwrap();
    assert_eq!(got.station_id, "st-a");
    assert_eq!(texts(got), ["本人の機嫌良好。", "母より「夜間よく眠れた」と。"]);
    let today = carebook_core::clock::today_jst().to_string();
    let mut earlier = visit.clone();
    earlier.actual_start = Some(format!("{today}T10:00").parse().unwrap());
    assert!(texts(nurse.app.visit_phrases(&earlier).await.unwrap()).is_empty(), "not before its first day");
    // Another station's list never reached this device.
    let book = nurse.app.store().rule_book().await.unwrap();
    let stations: Vec<&str> = book.versions.iter().filter(|v| v.kind() == RuleKind::Phrases).map(|v| v.key.as_str()).collect();
    assert_eq!(stations, ["st-a"]);
    visit.station.id = "st-b".into();
    assert!(texts(nurse.app.visit_phrases(&visit).await.unwrap()).is_empty());
}
