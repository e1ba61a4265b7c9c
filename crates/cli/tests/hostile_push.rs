//! Hostile pushes against the real server process (issue 11, findings 1 and 8): decompression
//! bombs keep its peak memory small, heavy merges run off the async workers so `/health` keeps
//! answering, and a document past the change limit is refused with the limit named.

use std::io::Write;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::Arc;
use std::time::Duration;

use automerge::transaction::Transactable;
use automerge::ActorId;
use carebook_domain::bounds::bombs;
use carebook_domain::{DocPayload, LoginResponse, PushOutcome, PushRequest, PushResponse, PushResult, Record, RecordDoc, RecordKind, Role};
use carebook_server::OrgKind;
use carebook_testkit::ServerProcess;

/// A long passphrase (the password policy wants at least 13 characters).
const PASSPHRASE: &str = "kakuu-mihon-passphrase-2026";

struct Setup {
    _dir: tempfile::TempDir,
    server: ServerProcess,
    http: reqwest::Client,
}

impl Setup {
    /// A server process over a fresh SQLite file with a nurse and a parent of station st-a.
    async fn start(env: &[(&str, &str)]) -> Setup {
        let _ = rustls::crypto::ring::default_provider().install_default();
        let dir = tempfile::tempdir().unwrap();
        let db = format!("sqlite://{}", dir.path().join("server.sqlite").display());
        let storage = carebook_server::open_storage(&db).await.unwrap();
        storage.add_user("nurse-a", PASSPHRASE, Role::Nurse, "st-a", OrgKind::Station).await.unwrap();
        storage.add_user("parent-a", PASSPHRASE, Role::Parent, "st-a", OrgKind::Station).await.unwrap();
        storage.close().await;
        let server = ServerProcess::start(std::path::Path::new(env!("CARGO_BIN_EXE_carebook")), dir.path(), &db, env);
        let http = reqwest::Client::builder().timeout(Duration::from_secs(120)).build().unwrap();
        Setup { _dir: dir, server, http }
    }

    async fn token(&self, username: &str) -> String {
        let res = self
            .http
            .post(format!("{}/api/v1/login", self.server.url()))
            .json(&serde_json::json!({"username": username, "password": PASSPHRASE, "device_name": "架空タブレット"}))
            .send()
            .await
            .unwrap();
        assert_eq!(res.status(), 200, "login {username}");
        res.json::<LoginResponse>().await.unwrap().token
    }

    /// Pushes `documents` as a gzip body, as devices do.
    async fn push(&self, token: &str, documents: Vec<DocPayload>) -> Vec<PushResult> {
        push_to(self.http.clone(), self.server.url(), token.to_string(), documents).await
    }
}

async fn push_to(http: reqwest::Client, url: String, token: String, documents: Vec<DocPayload>) -> Vec<PushResult> {
    let body = gzip(&serde_json::to_vec(&PushRequest { documents }).unwrap());
    let res = http
        .post(format!("{url}/api/v1/push"))
        .bearer_auth(token)
        .header("content-type", "application/json")
        .header("content-encoding", "gzip")
        .body(body)
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), 200);
    res.json::<PushResponse>().await.unwrap().results
}

fn gzip(bytes: &[u8]) -> Vec<u8> {
    let mut e = flate2::write::GzEncoder::new(Vec::new(), flate2::Compression::fast());
    e.write_all(bytes).unwrap();
    e.finish().unwrap()
}

fn payload<T: Record>(doc: &mut RecordDoc<T>) -> DocPayload {
    DocPayload { id: doc.value().record_id(), kind: T::KIND, bytes: doc.save() }
}

fn accepted(r: &PushResult) {
    assert_eq!(r.outcome, PushOutcome::Accepted, "{r:?}");
}

/// Polls `/health` every 50 ms on its own thread until stopped; returns the slowest answer, or
/// panics naming the first poll that got no answer within 1 s.
fn watch_health(server: &ServerProcess, stop: Arc<AtomicBool>) -> std::thread::JoinHandle<(usize, Duration)> {
    let addr = server.addr().to_string();
    std::thread::spawn(move || {
        let mut polls = 0;
        let mut slowest = Duration::ZERO;
        while !stop.load(Ordering::Relaxed) {
            let answer = carebook_testkit::process::health(&addr, Duration::from_secs(1));
            let (code, took) = answer.unwrap_or_else(|| panic!("/health gave no answer within 1 s (poll {polls})"));
            assert_eq!(code, 200);
            slowest = slowest.max(took);
            polls += 1;
            std::thread::sleep(Duration::from_millis(50));
        }
        (polls, slowest)
    })
}

/// A stored child of st-a with a visit, both pushed by the nurse.
async fn child_and_visit(s: &Setup, nurse: &str) -> (RecordDoc<carebook_domain::Child>, RecordDoc<carebook_domain::Visit>) {
    let mut child = RecordDoc::create(carebook_testkit::child("13105"), ActorId::random());
    let mut visit =
        RecordDoc::create(carebook_testkit::respite(child.value().id, "2026-05-01T09:00", "2026-05-01T12:00"), ActorId::random());
    let results = s.push(nurse, vec![payload(&mut child), payload(&mut visit)]).await;
    accepted(&results[0]);
    accepted(&results[1]);
    (child, visit)
}

/// `bytes` (a visit) with `n` more changes made by one device: each sets the place once, or,
/// when `heavy`, nine times over (9 operations; the last value stays).
fn with_changes(bytes: &[u8], n: usize, heavy: bool) -> Vec<u8> {
    let mut doc = automerge::AutoCommit::load(bytes).unwrap().with_actor(ActorId::random());
    let puts = if heavy { 9 } else { 1 };
    for i in 0..n {
        for j in 0..puts {
            doc.put(automerge::ROOT, "place", format!("見本の場所{}", (i + j) % 7)).unwrap();
        }
        doc.commit();
    }
    doc.save()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn two_bombs_pushed_at_once_keep_the_server_under_256_mib_and_answering() {
    let s = Setup::start(&[]).await;
    let parent = s.token("parent-a").await;
    let nurse = s.token("nurse-a").await;
    let (_, visit) = child_and_visit(&s, &nurse).await;
    // Each would inflate to 1 GiB inside automerge; as JSON it is a 1.4 MB push.
    let bomb = bombs::compressed_change(1024);
    let json_len =
        serde_json::to_vec(&PushRequest { documents: vec![DocPayload { id: "x".into(), kind: RecordKind::Visit, bytes: bomb.clone() }] })
            .unwrap()
            .len();
    assert!((1_300_000..1_500_000).contains(&json_len), "{json_len} bytes");

    let stop = Arc::new(AtomicBool::new(false));
    let watcher = watch_health(&s.server, stop.clone());
    let existing = visit.value().id.to_string();
    let missing = uuid::Uuid::new_v4().to_string();
    let (a, b) = tokio::join!(
        s.push(&parent, vec![DocPayload { id: existing, kind: RecordKind::Visit, bytes: bomb.clone() }]),
        s.push(&parent, vec![DocPayload { id: missing, kind: RecordKind::Visit, bytes: bomb.clone() }]),
    );
    stop.store(true, Ordering::Relaxed);
    let (polls, slowest) = watcher.join().expect("/health answered within 1 s throughout");
    for r in a.iter().chain(&b) {
        assert_eq!((r.outcome, r.code.as_deref()), (PushOutcome::Rejected, Some("too_large")), "{r:?}");
        assert!(r.reason.as_deref().unwrap().contains("expected at most 33554432 bytes once inflated, got more"), "{r:?}");
    }
    assert_eq!(a[0].reason, b[0].reason, "the same answer whether or not the record exists");
    let peak = s.server.peak_mib();
    eprintln!("two bombs: peak {peak} MiB; /health polled {polls} times, slowest {slowest:?}");
    assert!(peak < 256, "peak {peak} MiB");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn heavy_merges_at_once_leave_health_answering_within_a_second() {
    // Limits an operator raised above the defaults, so that each document costs the server
    // seconds: what matters is that the work never runs on the async workers.
    let s = Setup::start(&[("CAREBOOK_MAX_DOCUMENT_CHANGES", "32000"), ("CAREBOOK_MAX_DOCUMENT_OPS", "300000")]).await;
    let nurse = s.token("nurse-a").await;
    // Three visits stored, then each edited on a device with 30,000 changes of 9 operations:
    // every push loads, merges, validates and saves a document of 30,001 changes and about
    // 270,000 operations, near the limits.
    let mut big = Vec::new();
    for _ in 0..3 {
        let (_, mut visit) = child_and_visit(&s, &nurse).await;
        let bytes = with_changes(&visit.save(), 30_000, true);
        big.push(DocPayload { id: visit.value().id.to_string(), kind: RecordKind::Visit, bytes });
    }
    let stop = Arc::new(AtomicBool::new(false));
    let watcher = watch_health(&s.server, stop.clone());
    let start = std::time::Instant::now();
    let mut pushes = tokio::task::JoinSet::new();
    for d in big {
        pushes.spawn(push_to(s.http.clone(), s.server.url(), nurse.clone(), vec![d]));
    }
    let results = pushes.join_all().await;
    let took = start.elapsed();
    stop.store(true, Ordering::Relaxed);
    let (polls, slowest) = watcher.join().expect("/health answered within 1 s throughout");
    for r in results.iter().flatten() {
        accepted(r);
    }
    eprintln!("three heavy merges took {took:?}; /health polled {polls} times, slowest {slowest:?}; peak {} MiB", s.server.peak_mib());
    assert_eq!(results.len(), 3);
    assert!(polls >= 2, "/health was polled while the pushes ran ({polls} polls in {took:?})");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_visit_with_more_changes_than_the_limit_is_refused_with_the_limit_named() {
    let s = Setup::start(&[]).await;
    let nurse = s.token("nurse-a").await;
    let (_, mut visit) = child_and_visit(&s, &nurse).await;
    // The stored visit has one change; 10,000 more make 10,001.
    let bytes = with_changes(&visit.save(), 10_000, false);
    let id = visit.value().id.to_string();
    let r = s.push(&nurse, vec![DocPayload { id: id.clone(), kind: RecordKind::Visit, bytes: bytes.clone() }]).await.remove(0);
    assert_eq!((r.outcome, r.code.as_deref()), (PushOutcome::Rejected, Some("too_large")), "{r:?}");
    let reason = r.reason.unwrap();
    assert!(
        reason.starts_with("記録が大きすぎます：変更は最大 10000 件") && reason.contains("expected at most 10000 changes, got more"),
        "{reason}"
    );
    // One change fewer is taken.
    let fewer = with_changes(&visit.save(), 9_999, false);
    accepted(&s.push(&nurse, vec![DocPayload { id, kind: RecordKind::Visit, bytes: fewer }]).await.remove(0));
}
