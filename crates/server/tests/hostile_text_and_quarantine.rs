//! The quarantine is bounded per device and in total (issue 11, finding 6), and a visit's text
//! is bounded and plain (finding 7), against the real HTTP API on both backends: a server on
//! 127.0.0.1:0 over a fresh database (SQLite in a temp dir, PostgreSQL when
//! `CAREBOOK_TEST_PG_URL` is set).

use std::time::Duration;

use carebook_domain::wire::{QuarantineDevice, QuarantineEntry};
use carebook_domain::{DocPayload, PushOutcome, PushRequest, PushResponse, PushResult, RecordKind, Role, QUARANTINE_FULL};
use carebook_server::{launch_with_listener, open_storage, Config, OrgKind, ServerHandle, Storage};
use carebook_testkit::{Db, TestDb};
use reqwest::StatusCode;

const PASSWORD: &str = "kakuu-password-1";
const MIB: usize = 1024 * 1024;

struct Harness {
    storage: Storage,
    server: ServerHandle,
    http: reqwest::Client,
    db: TestDb,
}

impl Harness {
    async fn start_with(db: Db, tweak: impl FnOnce(&mut Config)) -> Option<Harness> {
        let _ = rustls::crypto::ring::default_provider().install_default();
        let db = TestDb::create(db).await?;
        let storage = open_storage(&db.url).await.unwrap();
        let mut config = Config { data_dir: db.dir.path().into(), require_second_factor: false, ..Config::default() };
        tweak(&mut config);
        let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
        let server = launch_with_listener(config, storage.clone(), listener).unwrap();
        let http = reqwest::Client::builder().timeout(Duration::from_secs(120)).build().unwrap();
        for (name, role) in [("parent", Role::Parent), ("nurse", Role::Nurse), ("office", Role::Office)] {
            storage.add_user(name, PASSWORD, role, "st-a", OrgKind::Station).await.unwrap();
        }
        storage.add_user("office-b", PASSWORD, Role::Office, "st-b", OrgKind::Station).await.unwrap();
        Some(Harness { storage, server, http, db })
    }

    async fn finish(self) {
        self.server.shutdown().await.unwrap();
        self.storage.close().await;
        self.db.drop_database().await;
    }

    /// A new device of `username`: its token.
    async fn device(&self, username: &str) -> String {
        let res = self
            .http
            .post(format!("{}/api/v1/login", self.server.base_url()))
            .json(&serde_json::json!({"username": username, "password": PASSWORD, "device_name": "架空タブレット"}))
            .send()
            .await
            .unwrap();
        assert_eq!(res.status(), StatusCode::OK);
        res.json::<carebook_domain::LoginResponse>().await.unwrap().token
    }

    async fn push(&self, token: &str, documents: Vec<DocPayload>) -> Vec<PushResult> {
        let res = self
            .http
            .post(format!("{}/api/v1/push", self.server.base_url()))
            .bearer_auth(token)
            .json(&PushRequest { documents })
            .send()
            .await
            .unwrap();
        assert_eq!(res.status(), StatusCode::OK);
        res.json::<PushResponse>().await.unwrap().results
    }

    async fn push_one(&self, token: &str, doc: DocPayload) -> PushResult {
        self.push(token, vec![doc]).await.remove(0)
    }

    async fn get<T: serde::de::DeserializeOwned>(&self, token: &str, path: &str) -> T {
        let res = self.http.get(format!("{}{path}", self.server.base_url())).bearer_auth(token).send().await.unwrap();
        assert_eq!(res.status(), StatusCode::OK, "{path}");
        res.json().await.unwrap()
    }

    async fn entries(&self, token: &str) -> Vec<QuarantineEntry> {
        self.get(token, "/api/v1/quarantine").await
    }

    async fn devices(&self, token: &str) -> Vec<QuarantineDevice> {
        self.get(token, "/api/v1/quarantine/devices").await
    }
}

/// `n` bytes no compressor or automerge can make anything of (xorshift from `seed`).
fn random_bytes(n: usize, seed: u64) -> Vec<u8> {
    let mut x = seed.wrapping_mul(0x9E37_79B9_7F4A_7C15) | 1;
    (0..n)
        .map(|_| {
            x ^= x << 13;
            x ^= x >> 7;
            x ^= x << 17;
            (x >> 24) as u8
        })
        .collect()
}

fn junk(bytes: Vec<u8>) -> DocPayload {
    DocPayload { id: uuid::Uuid::new_v4().to_string(), kind: RecordKind::Visit, bytes }
}

fn refused_as(r: &PushResult) -> &str {
    assert_eq!(r.outcome, PushOutcome::Rejected, "{r:?}");
    r.code.as_deref().unwrap()
}

carebook_testkit::on_both_backends!(
    a_parents_pushes_of_random_bytes_stop_at_the_device_quota_and_other_devices_are_kept_until_the_total,
    a_flood_of_small_refusals_is_bounded_and_counted_on_one_row,
    concurrent_refusals_from_one_device_cannot_pass_its_quota_together,
    a_visit_with_flooding_or_hidden_text_is_refused_as_invalid_naming_each_field_and_nothing_is_stored,
);

/// The finding's text, on a visit: megabytes in a note, NUL and an escape sequence in a name, a
/// right-to-left override in the place, a guardian name of zero-width spaces. Each is named by
/// its field; the reason never repeats the values; the stored visit stays as it was.
async fn a_visit_with_flooding_or_hidden_text_is_refused_as_invalid_naming_each_field_and_nothing_is_stored(db: Db) {
    use automerge::ActorId;
    use carebook_domain::{GuardianConfirmation, Record, RecordDoc};
    let Some(h) = Harness::start_with(db, |_| {}).await else { return };
    let nurse = h.device("nurse").await;
    let mut child = RecordDoc::create(carebook_testkit::child("13105"), ActorId::random());
    let mut visit =
        RecordDoc::create(carebook_testkit::respite(child.value().id, "2026-05-01T09:00", "2026-05-01T12:00"), ActorId::random());
    let pay = |id: String, kind, bytes| DocPayload { id, kind, bytes };
    let results = h
        .push(
            &nurse,
            vec![
                pay(child.value().record_id(), RecordKind::Child, child.save()),
                pay(visit.value().record_id(), RecordKind::Visit, visit.save()),
            ],
        )
        .await;
    assert!(results.iter().all(|r| r.outcome == PushOutcome::Accepted), "{results:?}");
    let clean = visit.save();

    visit.change(|v| {
        // 9 MB in one string (one operation); the SOAP note is text, one operation a character.
        v.care.push(carebook_domain::CareGiven {
            id: "c1".into(),
            item: carebook_domain::CareItem::Suction,
            count: None,
            amount_ml: None,
            rate_ml_per_h: None,
            oxygen_l_per_min: None,
            note: "見".repeat(3_000_000),
        });
        v.note.subjective = "見".repeat(10_001).into();
        v.staff[0].name = "看護\u{0}師\u{1b}[31m".into();
        v.place = "自宅\u{202E}校学".into();
        v.guardian = Some(GuardianConfirmation::Confirmed {
            name: "\u{200B}\u{200B}".into(),
            at: "2026-05-01T12:00".parse().unwrap(),
            signature: "M 1 2 <script>".into(),
        });
    });
    let r = h.push_one(&nurse, pay(visit.value().record_id(), RecordKind::Visit, visit.save())).await;
    assert_eq!(refused_as(&r), "invalid");
    let reason = r.reason.unwrap();
    for field in ["care[0].note", "note.subjective", "staff[0].name", "place", "guardian.name", "guardian.signature"] {
        assert!(reason.contains(field), "{field} not named in {reason}");
    }
    assert!(reason.contains("at most 4000 characters, got 3000000"), "{reason}");
    assert!(reason.contains("at most 10000 characters, got 10001"), "{reason}");
    assert!(
        !reason.contains("見見") && !reason.contains('\u{1b}') && !reason.contains('\u{202E}') && !reason.contains("script"),
        "{reason}"
    );
    assert!(reason.len() < 4000, "{} bytes", reason.len());
    // What the server holds is the clean visit: a new device gets exactly it.
    let reader = h.device("nurse").await;
    let digest = carebook_domain::buckets_digest([child.value().id.to_string().as_str()]);
    let page: carebook_domain::ChangesResponse = h.get(&reader, &format!("/api/v1/changes?since=0&buckets={digest}")).await;
    let stored = page.documents.iter().find(|d| d.id == visit.value().record_id()).unwrap();
    let stored: RecordDoc<carebook_domain::Visit> = RecordDoc::load(&stored.id, &stored.bytes, ActorId::random()).unwrap();
    let clean: RecordDoc<carebook_domain::Visit> = RecordDoc::load(&visit.value().record_id(), &clean, ActorId::random()).unwrap();
    assert_eq!(stored.value(), clean.value());
    h.finish().await;
}

/// Three 11 MiB pushes of random bytes from a parent's device (the finding): with the default
/// 24 MiB per device, two are kept and the third is refused, naming the quota, and not stored.
/// Pushing kept bytes again takes no more room. Other devices still quarantine until the total
/// (40 MiB here) is full, which is named too.
async fn a_parents_pushes_of_random_bytes_stop_at_the_device_quota_and_other_devices_are_kept_until_the_total(db: Db) {
    let Some(h) = Harness::start_with(db, |c| c.quarantine_total_bytes = 40 * MIB as i64).await else { return };
    assert_eq!(Config::default().quarantine_device_bytes, 24 * MIB as i64, "the finding's flood against the default quota");
    let parent = h.device("parent").await;
    let office = h.device("office").await;
    let pushes: Vec<DocPayload> = (1..=3).map(|i| junk(random_bytes(11 * MIB, i))).collect();
    let mut codes = vec![];
    let mut last = None;
    for p in &pushes {
        let r = h.push_one(&parent, p.clone()).await;
        codes.push(refused_as(&r).to_string());
        last = Some(r);
    }
    assert_eq!(codes, ["corrupt_record", "corrupt_record", QUARANTINE_FULL]);
    let reason = last.unwrap().reason.unwrap();
    let (ja, en) = reason.split_once(" / ").expect("japanese / english");
    assert!(ja.contains("この端末の保留箱の上限（24.0 MiB）") && ja.contains("corrupt_record"), "{ja}");
    assert!(en.contains("this device's quarantine quota (24.0 MiB) is full") && en.contains("stays on this device"), "{en}");

    let entries = h.entries(&office).await;
    assert_eq!(entries.len(), 2, "the third is not kept: {entries:?}");
    assert!(entries.iter().all(|e| e.size == 11 * MIB as i64 && e.code == "corrupt_record"));
    assert!(!entries.iter().any(|e| e.record_id == pushes[2].id));
    let stored: i64 = sqlx_sum(&h).await;
    assert_eq!(stored, 22 * MIB as i64, "bytes actually stored in the quarantine table");

    // Kept bytes pushed again, under their id or another: no refusal, no new bytes.
    assert_eq!(refused_as(&h.push_one(&parent, pushes[0].clone()).await), "corrupt_record");
    let again = DocPayload { id: uuid::Uuid::new_v4().to_string(), ..pushes[1].clone() };
    assert_eq!(refused_as(&h.push_one(&parent, again.clone()).await), "corrupt_record", "the same bytes take only an entry's room");
    assert_eq!(sqlx_sum(&h).await, 22 * MIB as i64);
    let entries = h.entries(&office).await;
    assert_eq!(entries.len(), 3);
    assert!(entries.iter().any(|e| e.record_id == again.id && e.size == 11 * MIB as i64), "listed with the size it was pushed with");

    // The office sees the quota was hit, on the device's one row.
    let devices = h.devices(&office).await;
    assert_eq!(devices.len(), 1, "{devices:?}");
    let d = &devices[0];
    assert_eq!((d.username.as_str(), d.entries, d.refused, d.quota_bytes), ("parent", 3, 1, 24 * MIB as i64));
    assert!(d.bytes > 22 * MIB as i64 && d.bytes <= d.quota_bytes, "{d:?}");
    let since = d.refused_since.expect("since when");
    assert!(d.refused_last >= Some(since));
    // Another push past the quota counts on the same row; the first refusal time stays.
    assert_eq!(refused_as(&h.push_one(&parent, junk(random_bytes(3 * MIB, 9))).await), QUARANTINE_FULL);
    let d = h.devices(&office).await.remove(0);
    assert_eq!((d.refused, d.refused_since), (2, Some(since)));
    assert!(h.devices(&h.device("office-b").await).await.is_empty(), "another station's office sees none of it");

    // A nurse's device has its own quota; the total (40 MiB) stops the second push.
    let nurse = h.device("nurse").await;
    assert_eq!(refused_as(&h.push_one(&nurse, junk(random_bytes(11 * MIB, 4))).await), "corrupt_record");
    let r = h.push_one(&nurse, junk(random_bytes(11 * MIB, 5))).await;
    assert_eq!(refused_as(&r), QUARANTINE_FULL);
    let reason = r.reason.unwrap();
    assert!(
        reason.contains("保留箱全体の上限（40.0 MiB）") && reason.contains("the server's total quarantine quota (40.0 MiB) is full"),
        "{reason}"
    );
    // Below the total, a small refusal from a third device is still kept.
    let other = h.device("nurse").await;
    assert_eq!(refused_as(&h.push_one(&other, junk(b"\x85o\x4a\x83 not a document".to_vec())).await), "corrupt_record");
    let entries = h.entries(&office).await;
    assert_eq!(entries.len(), 5);
    assert!(sqlx_sum(&h).await <= 40 * MIB as i64);
    let devices = h.devices(&office).await;
    assert_eq!(devices.iter().map(|d| (d.username.as_str(), d.refused)).collect::<Vec<_>>(), [("parent", 2), ("nurse", 1), ("nurse", 0)]);
    h.finish().await;
}

/// Refusals of almost nothing still take room (1 KiB each and their reason): a device sending
/// thousands is stopped at its quota, and the refusals are one counter, not rows.
async fn a_flood_of_small_refusals_is_bounded_and_counted_on_one_row(db: Db) {
    let Some(h) = Harness::start_with(db, |c| c.quarantine_device_bytes = 64 * 1024).await else { return };
    let parent = h.device("parent").await;
    let office = h.device("office").await;
    let docs: Vec<DocPayload> = (0..300u64).map(|i| junk(i.to_le_bytes().to_vec())).collect();
    let results = h.push(&parent, docs).await;
    let full = results.iter().filter(|r| refused_as(r) == QUARANTINE_FULL).count();
    let kept = h.entries(&office).await.len();
    assert_eq!(kept + full, 300);
    // Each entry is 8 bytes + a reason of ~150 bytes + a 36-byte id + 1 KiB: about 54 fit in 64 KiB.
    assert!((40..=60).contains(&kept), "{kept} kept");
    let d = h.devices(&office).await.remove(0);
    assert_eq!((d.entries, d.refused), (kept as i64, full as i64));
    assert!(d.bytes <= 64 * 1024);
    h.finish().await;
}

/// Six 5 MiB refusals from one device at once against a 12 MiB quota: the reservations are
/// made one at a time by the database, so exactly two are kept, whatever the interleaving.
async fn concurrent_refusals_from_one_device_cannot_pass_its_quota_together(db: Db) {
    let Some(h) = Harness::start_with(db, |c| c.quarantine_device_bytes = 12 * MIB as i64).await else { return };
    let parent = h.device("parent").await;
    let office = h.device("office").await;
    let h = std::sync::Arc::new(h);
    let mut tasks = tokio::task::JoinSet::new();
    for i in 0..6 {
        let (h, parent) = (h.clone(), parent.clone());
        tasks.spawn(async move { h.push_one(&parent, junk(random_bytes(5 * MIB, 100 + i))).await });
    }
    let mut codes = vec![];
    while let Some(r) = tasks.join_next().await {
        codes.push(refused_as(&r.unwrap()).to_string());
    }
    codes.sort();
    assert_eq!(codes, ["corrupt_record", "corrupt_record", QUARANTINE_FULL, QUARANTINE_FULL, QUARANTINE_FULL, QUARANTINE_FULL]);
    assert_eq!(h.entries(&office).await.len(), 2);
    assert_eq!(sqlx_sum(&h).await, 10 * MIB as i64);
    let d = h.devices(&office).await.remove(0);
    assert_eq!((d.entries, d.refused), (2, 4));
    std::sync::Arc::into_inner(h).expect("every push finished").finish().await;
}

/// What the quarantine table holds in bytes, read from the database itself.
async fn sqlx_sum(h: &Harness) -> i64 {
    h.storage.quarantine_stored_bytes().await.unwrap()
}
