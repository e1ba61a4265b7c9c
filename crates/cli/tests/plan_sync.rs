//! The office plans a visit for one of its nurses (予定), through a real server process: after
//! the office's sync and the nurse's, the nurse's tablet has the planned draft, led by her, at
//! its planned start; a person of another station cannot be given the visit.

use carebook_core::VisitFilter;
use carebook_domain::{NewPerson, Profession, Role, StaffRole, VisitKind, VisitStatus};
use carebook_server::OrgKind;
use carebook_testkit::{child, ServerProcess, TempDevice};

const PASSWORD: &str = "kakuu-mihon-passphrase-2026";

fn person(username: &str, role: Role, org: &str, name: &str, kana: &str, profession: Option<Profession>) -> NewPerson {
    NewPerson { username: username.into(), role, org_id: Some(org.into()), name: name.into(), kana: kana.into(), profession }
}

async fn device(url: &str, user: &str) -> TempDevice {
    let dev = TempDevice::new().await.unwrap();
    dev.app.login(url, user, PASSWORD, "架空タブレット").await.unwrap();
    dev
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_office_plans_a_visit_for_a_nurse_and_her_tablet_has_it_after_a_sync() {
    let _ = rustls::crypto::ring::default_provider().install_default();
    let dir = tempfile::tempdir().unwrap();
    let db = format!("sqlite://{}", dir.path().join("server.sqlite").display());
    let storage = carebook_server::open_storage(&db).await.unwrap();
    for p in [
        person("office-a", Role::Office, "st-a", "見本 事務", "みほん じむ", Some(Profession::Other)),
        person("nurse-a", Role::Nurse, "st-a", "見本 看護師", "みほん かんごし", Some(Profession::Nurse)),
        person("nurse-b", Role::Nurse, "st-b", "架空 看護師", "かくう かんごし", Some(Profession::Nurse)),
    ] {
        storage.add_person(&p, Some(PASSWORD), Some(OrgKind::Station), None).await.unwrap();
    }
    storage.close().await;
    let server = ServerProcess::start(std::path::Path::new(env!("CARGO_BIN_EXE_carebook")), dir.path(), &db, &[]);
    let url = server.url();

    // The nurse's tablet first: it registers the child, so the station owns it.
    let nurse = device(&url, "nurse-a").await;
    let kid = nurse.app.add_child(child("13105")).await.unwrap();
    nurse.app.sync(&mut |_| {}).await.unwrap();

    let office = device(&url, "office-a").await;
    office.app.sync(&mut |_| {}).await.unwrap();
    let directory = office.app.directory().await.unwrap();
    let id_of = |name: &str| directory.people.iter().find(|p| p.name == name).map(|p| p.id.clone());
    let nurse_id = id_of("見本 看護師").expect("the office's directory lists its nurse");
    // Another station's nurse is not in this office's directory: refused naming the field.
    let other = carebook_domain::ChildId::random().to_string();
    let start = "2026-12-10T10:30".parse().unwrap();
    let err = office.app.plan_visit(kid.id, VisitKind::Respite, start, Some(&other)).await.unwrap_err();
    assert_eq!(err.to_body().problems[0].field, "staff");

    let row = office.app.plan_visit(kid.id, VisitKind::Respite, start, Some(&nurse_id)).await.unwrap();
    assert_eq!(row.staff, vec!["見本 看護師".to_string()]);
    let report = office.app.sync(&mut |_| {}).await.unwrap();
    assert_eq!((report.sent, report.rejected), (1, 0), "the server takes the office's plan");

    nurse.app.sync(&mut |_| {}).await.unwrap();
    let planned = nurse.app.visits(&VisitFilter { child: Some(kid.id), ..Default::default() }).await.unwrap();
    assert_eq!(planned.len(), 1);
    let v = nurse.app.visit(planned[0].id).await.unwrap();
    assert_eq!((v.kind, v.status, v.scheduled_start, v.actual_start), (VisitKind::Respite, VisitStatus::Draft, Some(start), None));
    assert_eq!(v.station.id, "st-a");
    assert_eq!(v.staff.len(), 1);
    assert_eq!((v.staff[0].id.as_str(), v.staff[0].role, v.staff[0].name.as_str()), (nurse_id.as_str(), StaffRole::Lead, "見本 看護師"));
}
