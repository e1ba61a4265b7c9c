//! What every scenario stands on: the records (from a fixed seed), the server as a separate
//! process (this binary's `serve` mode), a counting TCP proxy for bytes on the wire, a fresh
//! database per run, raw HTTP helpers for pushing as another device.

use std::io::{BufRead, BufReader, Read, Write};
use std::net::{SocketAddr, TcpListener, TcpStream};
use std::process::{Child as Process, ChildStdin, Command, Stdio};
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use automerge::ActorId;
use carebook_bench::{bench_child, realistic_visit, seeded_visit, CHILDREN};
use carebook_domain::{
    ChangesResponse, ChildId, DateTime, DocPayload, LoginRequest, LoginResponse, PushOutcome, PushRequest, PushResponse, RecordDoc,
    RecordKind, Role, Visit, VisitId, VisitKind,
};
use carebook_server::{open_storage, OrgKind};
use carebook_testkit::{Db, TestDb};

pub type Res<T> = Result<T, Box<dyn std::error::Error + Send + Sync>>;

pub const PASSWORD: &str = "bench-password-1";
/// The station every seeded record belongs to.
pub const ORG: &str = "st-kakuu-bench";

// ---- records ------------------------------------------------------------------------------

/// The actor of every seeded document, so the same seed gives the same bytes.
pub fn seed_actor() -> ActorId {
    ActorId::from(b"carebook-bench-s".as_slice())
}

/// Record `k` of a set of `n`: the first [`CHILDREN`] are face sheets, the rest realistic
/// visits ([`seeded_visit`]) whose ids (and the ids inside them) come from `k`, so the content
/// and the automerge bytes are the same on every run.
pub fn record(k: usize, n: usize) -> (String, RecordKind, Vec<u8>) {
    let actor = seed_actor();
    if k < CHILDREN {
        let c = bench_child(k);
        let id = c.id.to_string();
        return (id, RecordKind::Child, RecordDoc::create(c, actor).save());
    }
    let j = k - CHILDREN;
    let mut v = seeded_visit(j, n.saturating_sub(CHILDREN).max(1));
    v.id = visit_id(j);
    if v.kind == carebook_domain::VisitKind::Daytime {
        // The seeded children score 31 points, and the server refuses daytime care from 16
        // points on (checked against the stored face sheet); the device seed (which skips
        // validation) keeps them as daytime days, the server's seed records them as nursing.
        v.kind = carebook_domain::VisitKind::Nursing;
    }
    for (i, r) in v.vitals.iter_mut().enumerate() {
        r.id = format!("vt-{j}-{i}");
    }
    for (i, c) in v.care.iter_mut().enumerate() {
        c.id = format!("cg-{j}-{i}");
    }
    let id = v.id.to_string();
    (id, RecordKind::Visit, RecordDoc::create(v, actor).save())
}

/// The id of seeded visit `j`.
pub fn visit_id(j: usize) -> VisitId {
    VisitId(uuid::Uuid::from_u128(0x0000_0000_0000_4000_8000_0000_0000_0000 | (0xb1_u128 << 96) | j as u128))
}

/// A realistic visit ([`realistic_visit`]) with every id fixed: `id` for the visit and ids
/// derived from it for its vital readings and care items, so the same arguments give the same
/// automerge bytes on every run and at every store size.
pub fn fixed_visit(id: VisitId, child: ChildId, kind: VisitKind, start: DateTime, minutes: i64) -> Visit {
    let mut v = realistic_visit(child, kind, start, minutes);
    v.id = id;
    for (i, r) in v.vitals.iter_mut().enumerate() {
        r.id = format!("vt-{id}-{i}");
    }
    for (i, c) in v.care.iter_mut().enumerate() {
        c.id = format!("cg-{id}-{i}");
    }
    v
}

/// A document of `value` by the seed actor (the same bytes on every run).
pub fn fixed_doc<T: carebook_domain::Record>(value: T) -> DocPayload {
    DocPayload { id: value.record_id(), kind: T::KIND, bytes: RecordDoc::create(value, seed_actor()).save() }
}

/// Ids outside the seeded set (`tag` tells the sets apart): visits of scenarios other than the
/// seed, and their children.
pub fn extra_visit_id(tag: u8, i: usize) -> VisitId {
    VisitId(uuid::Uuid::from_u128(0x0000_0000_0000_4000_8000_0000_0000_0000 | (u128::from(tag) << 96) | i as u128))
}

/// A child outside the seeded set.
pub fn extra_child_id(tag: u8) -> ChildId {
    ChildId(uuid::Uuid::from_u128(0x0000_0000_0000_4000_8000_0000_0000_0000 | (0xbf_u128 << 96) | u128::from(tag)))
}

/// A face sheet of a child outside the seeded set (owned by whoever pushes it first).
pub fn extra_child(tag: u8, name: &str) -> DocPayload {
    let mut c = bench_child(tag as usize);
    c.id = extra_child_id(tag);
    c.name = name.into();
    fixed_doc(c)
}

/// `chars` random CJK ideographs from a fixed seed: free text that compresses about as badly as
/// Japanese text can (automerge deflates its columns, so repeated text would shrink to nothing).
pub fn random_cjk(seed: u64, chars: usize) -> String {
    let mut x = seed.wrapping_mul(0x9e37_79b9_7f4a_7c15) | 1;
    let mut s = String::with_capacity(chars * 3);
    for _ in 0..chars {
        x ^= x << 13;
        x ^= x >> 7;
        x ^= x << 17;
        s.push(char::from_u32(0x4e00 + (x % 20_992) as u32).expect("a CJK ideograph"));
    }
    s
}

/// Records `0..n` built on every core, in order.
pub fn records(n: usize) -> Vec<(String, RecordKind, Vec<u8>)> {
    let workers = std::thread::available_parallelism().map_or(1, |p| p.get()).max(1);
    let chunk = n.div_ceil(workers).max(1);
    std::thread::scope(|s| {
        let parts: Vec<_> = (0..workers)
            .map(|w| s.spawn(move || (w * chunk..((w + 1) * chunk).min(n)).map(|k| record(k, n)).collect::<Vec<_>>()))
            .collect();
        parts.into_iter().flat_map(|p| p.join().expect("a record builder panicked")).collect()
    })
}

// ---- process measurements ----------------------------------------------------------------

/// `VmHWM` (peak resident set) of a process, in MiB, from `/proc/<pid>/status`.
pub fn vm_hwm_mib(pid: u32) -> f64 {
    proc_status_kb(pid, "VmHWM:") as f64 / 1024.0
}

/// `VmRSS` of a process, in MiB.
pub fn vm_rss_mib(pid: u32) -> f64 {
    proc_status_kb(pid, "VmRSS:") as f64 / 1024.0
}

fn proc_status_kb(pid: u32, key: &str) -> u64 {
    let status = std::fs::read_to_string(format!("/proc/{pid}/status")).unwrap_or_default();
    status.lines().find(|l| l.starts_with(key)).and_then(|l| l.split_whitespace().nth(1)).and_then(|v| v.parse().ok()).unwrap_or(0)
}

// ---- the server as a separate process -------------------------------------------------------

/// `sync-bench serve <database-url>`: the Carebook server library on 127.0.0.1:0 with its own
/// runtime, as `carebook server start` runs it; prints `LISTENING <addr>`, stops when stdin closes.
pub fn serve_main(url: &str) -> Res<()> {
    let rt = tokio::runtime::Builder::new_multi_thread().enable_all().build()?;
    rt.block_on(async {
        let storage = open_storage(url).await?;
        let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await?;
        let dir = tempfile::tempdir()?;
        let config =
            carebook_server::Config { data_dir: dir.path().into(), require_second_factor: false, ..carebook_server::Config::default() };
        let server = carebook_server::launch_with_listener(config, storage.clone(), listener)?;
        println!("LISTENING {}", server.local_addr());
        std::io::stdout().flush()?;
        // Stop when the bench closes our stdin (or dies).
        tokio::task::spawn_blocking(|| {
            let mut sink = Vec::new();
            let _ = std::io::stdin().read_to_end(&mut sink);
        })
        .await?;
        server.shutdown().await?;
        storage.close().await;
        Ok(())
    })
}

/// A running server process.
#[derive(Debug)]
pub struct ServerProcess {
    process: Process,
    stdin: Option<ChildStdin>,
    pub addr: SocketAddr,
    /// From spawning to the port being open.
    pub started_in: Duration,
}

impl ServerProcess {
    pub fn spawn(url: &str) -> Res<ServerProcess> {
        let t0 = Instant::now();
        let mut process = Command::new(std::env::current_exe()?)
            .arg("serve")
            .arg(url)
            .stdin(Stdio::piped())
            .stdout(Stdio::piped())
            .stderr(Stdio::inherit())
            .spawn()?;
        let stdout = process.stdout.take().ok_or("no server stdout")?;
        let mut line = String::new();
        BufReader::new(stdout).read_line(&mut line)?;
        let addr = line.trim().strip_prefix("LISTENING ").ok_or_else(|| format!("server said {line:?}"))?.parse()?;
        let stdin = process.stdin.take();
        Ok(ServerProcess { process, stdin, addr, started_in: t0.elapsed() })
    }

    pub fn pid(&self) -> u32 {
        self.process.id()
    }

    pub fn hwm_mib(&self) -> f64 {
        vm_hwm_mib(self.pid())
    }

    /// Graceful stop: close stdin, wait.
    pub fn stop(mut self) -> Res<()> {
        drop(self.stdin.take());
        let status = self.process.wait()?;
        if !status.success() {
            return Err(format!("server process exited with {status}").into());
        }
        Ok(())
    }
}

impl Drop for ServerProcess {
    fn drop(&mut self) {
        drop(self.stdin.take());
        let deadline = Instant::now() + Duration::from_secs(10);
        while Instant::now() < deadline {
            if let Ok(Some(_)) = self.process.try_wait() {
                return;
            }
            std::thread::sleep(Duration::from_millis(20));
        }
        let _ = self.process.kill();
        let _ = self.process.wait();
    }
}

// ---- counting proxy ---------------------------------------------------------------------------

/// A TCP proxy on 127.0.0.1:0 that counts the bytes going each way: everything on the wire
/// between client and server (HTTP headers, gzip bodies, WebSocket frames), nothing else.
#[derive(Debug, Clone)]
pub struct Proxy {
    pub addr: SocketAddr,
    target: Arc<Mutex<SocketAddr>>,
    pub up: Arc<AtomicU64>,
    pub down: Arc<AtomicU64>,
    last: Arc<Mutex<Instant>>,
}

impl Proxy {
    pub fn start(target: SocketAddr) -> Res<Proxy> {
        let listener = TcpListener::bind("127.0.0.1:0")?;
        let proxy = Proxy {
            addr: listener.local_addr()?,
            target: Arc::new(Mutex::new(target)),
            up: Arc::default(),
            down: Arc::default(),
            last: Arc::new(Mutex::new(Instant::now())),
        };
        let p = proxy.clone();
        std::thread::spawn(move || {
            for conn in listener.incoming() {
                let Ok(client) = conn else { continue };
                let target = *p.target.lock().expect("proxy target");
                let Ok(server) = TcpStream::connect(target) else { continue };
                let _ = client.set_nodelay(true);
                let _ = server.set_nodelay(true);
                let (c2, s2) = (client.try_clone(), server.try_clone());
                let (Ok(c2), Ok(s2)) = (c2, s2) else { continue };
                let (up, down, l1, l2) = (p.up.clone(), p.down.clone(), p.last.clone(), p.last.clone());
                std::thread::spawn(move || pipe(client, server, &up, &l1));
                std::thread::spawn(move || pipe(s2, c2, &down, &l2));
            }
        });
        Ok(proxy)
    }

    pub fn url(&self) -> String {
        format!("http://{}", self.addr)
    }

    /// Points new connections at another server address (after a restart).
    pub fn retarget(&self, to: SocketAddr) {
        *self.target.lock().expect("proxy target") = to;
    }

    pub fn reset(&self) {
        self.up.store(0, Ordering::SeqCst);
        self.down.store(0, Ordering::SeqCst);
    }

    /// (bytes client → server, bytes server → client).
    pub fn bytes(&self) -> (u64, u64) {
        (self.up.load(Ordering::SeqCst), self.down.load(Ordering::SeqCst))
    }

    /// When a byte last went through.
    pub fn last_activity(&self) -> Instant {
        *self.last.lock().expect("proxy clock")
    }

    /// Waits until nothing has gone through for `quiet`.
    pub fn settle(&self, quiet: Duration, max: Duration) {
        let until = Instant::now() + max;
        while Instant::now() < until && self.last_activity().elapsed() < quiet {
            std::thread::sleep(Duration::from_millis(20));
        }
    }
}

fn pipe(mut from: TcpStream, mut to: TcpStream, count: &AtomicU64, last: &Mutex<Instant>) {
    let mut buf = vec![0u8; 64 * 1024];
    loop {
        match from.read(&mut buf) {
            Ok(0) | Err(_) => break,
            Ok(n) => {
                count.fetch_add(n as u64, Ordering::SeqCst);
                *last.lock().expect("proxy clock") = Instant::now();
                if to.write_all(&buf[..n]).is_err() {
                    break;
                }
            }
        }
    }
    let _ = to.shutdown(std::net::Shutdown::Write);
}

// ---- databases and accounts ---------------------------------------------------------------------

/// Which server database a run uses.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Backend {
    Sqlite,
    Postgres,
}

impl Backend {
    pub fn name(self) -> &'static str {
        match self {
            Backend::Sqlite => "SQLite",
            Backend::Postgres => "PostgreSQL",
        }
    }

    pub fn available(self) -> bool {
        match self {
            Backend::Sqlite => true,
            Backend::Postgres => std::env::var("CAREBOOK_TEST_PG_URL").is_ok_and(|u| !u.is_empty()),
        }
    }

    /// A fresh database (a new SQLite file, or a new PostgreSQL database like `TestDb`).
    pub async fn fresh(self) -> Res<TestDb> {
        let db = match self {
            Backend::Sqlite => Db::Sqlite,
            Backend::Postgres => Db::Postgres,
        };
        TestDb::create(db).await.ok_or_else(|| "PostgreSQL: set CAREBOOK_TEST_PG_URL".into())
    }
}

/// Assigns (`true`) or unassigns a child to an account, as an operator does (`carebook server
/// user assign`), on the server's database while the server runs.
pub async fn set_assigned(url: &str, user: &str, child: ChildId, assigned: bool) -> Res<()> {
    let storage = open_storage(url).await?;
    let done = if assigned { storage.assign(user, child).await.map(|_| true) } else { storage.unassign(user, child).await };
    storage.close().await;
    if !done? {
        return Err(format!("{user} was not assigned {child}").into());
    }
    Ok(())
}

/// Creates accounts (before the server starts; the database is shared).
pub async fn add_users(url: &str, users: &[(&str, Role, &str)]) -> Res<()> {
    let storage = open_storage(url).await?;
    for (name, role, org) in users {
        storage.add_user(name, PASSWORD, *role, org, OrgKind::Station).await?;
    }
    storage.close().await;
    Ok(())
}

// ---- raw HTTP, as another device -------------------------------------------------------------

/// A device speaking the wire protocol directly (no store): what the seeding device, the
/// "other devices" that change records, and the load test's simulated tablets use.
#[derive(Debug, Clone)]
pub struct RawDevice {
    pub http: reqwest::Client,
    pub base: String,
    pub token: String,
    /// The digest of the buckets this simulated tablet holds: it adopts whatever the server
    /// says it may read (it keeps no records, so there is nothing to catch up or remove).
    pub buckets: std::sync::Arc<std::sync::Mutex<String>>,
}

pub fn http_client() -> reqwest::Client {
    let _ = rustls::crypto::ring::default_provider().install_default();
    reqwest::Client::builder().timeout(Duration::from_secs(120)).pool_max_idle_per_host(4).build().expect("an HTTP client")
}

pub fn gzip_json<T: serde::Serialize>(value: &T) -> Vec<u8> {
    let json = serde_json::to_vec(value).expect("JSON");
    let mut enc = flate2::write::GzEncoder::new(Vec::with_capacity(json.len() / 3), flate2::Compression::fast());
    enc.write_all(&json).expect("gzip");
    enc.finish().expect("gzip")
}

impl RawDevice {
    pub async fn login(base: &str, user: &str, device: &str) -> Res<RawDevice> {
        let http = http_client();
        let req =
            LoginRequest { username: user.into(), password: PASSWORD.into(), device_name: device.into(), new_password: None, otp: None };
        let resp = http.post(format!("{base}/api/v1/login")).json(&req).send().await?;
        if !resp.status().is_success() {
            return Err(format!("login {user}: {} {}", resp.status(), resp.text().await.unwrap_or_default()).into());
        }
        let login: LoginResponse = resp.json().await?;
        Ok(RawDevice { http, base: base.into(), token: login.token, buckets: Default::default() })
    }

    /// Pushes documents in one request; every result must be accepted.
    pub async fn push(&self, docs: Vec<DocPayload>) -> Res<PushResponse> {
        let body = gzip_json(&PushRequest { documents: docs });
        let resp = self
            .http
            .post(format!("{}/api/v1/push", self.base))
            .bearer_auth(&self.token)
            .header("content-type", "application/json")
            .header("content-encoding", "gzip")
            .body(body)
            .send()
            .await?;
        if !resp.status().is_success() {
            return Err(format!("push: {} {}", resp.status(), resp.text().await.unwrap_or_default()).into());
        }
        Ok(resp.json().await?)
    }

    pub async fn push_all_accepted(&self, docs: Vec<DocPayload>) -> Res<()> {
        let resp = self.push(docs).await?;
        if let Some(r) = resp.results.iter().find(|r| r.outcome != PushOutcome::Accepted) {
            return Err(format!("push of {} rejected: {:?} {:?}", r.id, r.code, r.reason).into());
        }
        Ok(())
    }

    pub async fn changes(&self, since: i64, limit: i64) -> Res<ChangesResponse> {
        for _ in 0..4 {
            let digest = self.buckets.lock().expect("digest").clone();
            let resp = self
                .http
                .get(format!("{}/api/v1/changes", self.base))
                .bearer_auth(&self.token)
                .query(&[("since", since), ("limit", limit)])
                .query(&[("buckets", digest.as_str())])
                .send()
                .await?;
            if !resp.status().is_success() {
                return Err(format!("changes: {} {}", resp.status(), resp.text().await.unwrap_or_default()).into());
            }
            let page: ChangesResponse = resp.json().await?;
            match &page.buckets {
                Some(readable) => {
                    *self.buckets.lock().expect("digest") = carebook_domain::buckets_digest(readable.iter().map(String::as_str))
                }
                None => return Ok(page),
            }
        }
        Err("changes: the readable children kept changing".into())
    }
}

/// Up to this many records, [`seed_server`] builds every document before the clock starts, so
/// its figure is the server's ingest alone (on 2 cores the builders would take CPU from it).
pub const PREBUILD_MAX: usize = 20_000;

/// Pushes records `0..n` (children first) in batches of 100, two requests in flight (one per
/// core); returns the seconds taken and the document bytes pushed. Up to [`PREBUILD_MAX`]
/// records the documents are built first and only the pushing is timed; above, they are built
/// while pushing.
pub async fn seed_server(base: &str, n: usize) -> Res<(f64, u64)> {
    let dev = RawDevice::login(base, "office-seed", "seeder").await?;
    if n <= PREBUILD_MAX {
        let all: Vec<DocPayload> =
            tokio::task::block_in_place(|| records(n)).into_iter().map(|(id, kind, bytes)| DocPayload { id, kind, bytes }).collect();
        let total = all.iter().map(|d| d.bytes.len() as u64).sum::<u64>();
        let (children, visits) = all.split_at(CHILDREN.min(n));
        let t0 = Instant::now();
        for batch in children.chunks(100) {
            dev.push_all_accepted(batch.to_vec()).await?;
        }
        let mut inflight = tokio::task::JoinSet::new();
        for batch in visits.chunks(100) {
            if inflight.len() >= 2 {
                inflight.join_next().await.expect("a push task")??;
            }
            let (dev, batch) = (dev.clone(), batch.to_vec());
            inflight.spawn(async move { dev.push_all_accepted(batch).await });
        }
        while let Some(r) = inflight.join_next().await {
            r??;
        }
        return Ok((t0.elapsed().as_secs_f64(), total));
    }
    let t0 = Instant::now();
    let mut total = 0u64;
    // Children first, alone: visits need their child's owner.
    let children: Vec<DocPayload> =
        (0..CHILDREN.min(n)).map(|k| record(k, n)).map(|(id, kind, bytes)| DocPayload { id, kind, bytes }).collect();
    total += children.iter().map(|d| d.bytes.len() as u64).sum::<u64>();
    for batch in children.chunks(100) {
        dev.push_all_accepted(batch.to_vec()).await?;
    }
    let (tx, mut rx) = tokio::sync::mpsc::channel::<Vec<DocPayload>>(4);
    let builder = std::thread::spawn(move || {
        let mut k = CHILDREN;
        while k < n {
            let end = (k + 1000).min(n);
            let part: Vec<DocPayload> = std::thread::scope(|s| {
                let mid = k + (end - k) / 2;
                let a = s.spawn(move || (k..mid).map(|i| record(i, n)).collect::<Vec<_>>());
                let b = s.spawn(move || (mid..end).map(|i| record(i, n)).collect::<Vec<_>>());
                let mut v = a.join().expect("builder");
                v.extend(b.join().expect("builder"));
                v.into_iter().map(|(id, kind, bytes)| DocPayload { id, kind, bytes }).collect()
            });
            for batch in part.chunks(100) {
                if tx.blocking_send(batch.to_vec()).is_err() {
                    return;
                }
            }
            k = end;
        }
    });
    let mut inflight = tokio::task::JoinSet::new();
    while let Some(batch) = rx.recv().await {
        total += batch.iter().map(|d| d.bytes.len() as u64).sum::<u64>();
        if inflight.len() >= 2 {
            inflight.join_next().await.expect("a push task")??;
        }
        let dev = dev.clone();
        inflight.spawn(async move { dev.push_all_accepted(batch).await });
    }
    while let Some(r) = inflight.join_next().await {
        r??;
    }
    builder.join().map_err(|_| "record builder panicked")?;
    Ok((t0.elapsed().as_secs_f64(), total))
}

/// A child of the seeded set, for new visits.
pub fn seeded_child(i: usize) -> ChildId {
    carebook_bench::child_id(i % CHILDREN)
}

/// An edit another device makes to a record it got from `bytes`: a changed place.
pub fn edited(id: &str, bytes: &[u8], round: usize) -> Res<Vec<u8>> {
    let mut doc = RecordDoc::<Visit>::load(id, bytes, ActorId::from(b"carebook-bench-e".as_slice()))?;
    doc.change(|v| v.place = format!("祖父母宅 {round}"));
    Ok(doc.save())
}

/// Quantile of a sorted list.
pub fn quantile(sorted: &[f64], q: f64) -> f64 {
    if sorted.is_empty() {
        return f64::NAN;
    }
    let i = ((sorted.len() as f64 - 1.0) * q).round() as usize;
    sorted[i.min(sorted.len() - 1)]
}

/// Where the device's per-document pull time goes (automerge only).
pub fn probe_decode() {
    use automerge::{AutoCommit, LoadOptions, VerificationMode};
    let recs = records(3000);
    let recs = &recs[200..];
    let t = Instant::now();
    for (_, _, b) in recs {
        let _ = AutoCommit::load(b).unwrap();
    }
    let load = t.elapsed().as_secs_f64() / recs.len() as f64 * 1e6;
    let t = Instant::now();
    for (_, _, b) in recs {
        let _ = AutoCommit::load_with_options(b, LoadOptions::new().verification_mode(VerificationMode::DontCheck)).unwrap();
    }
    let load_nc = t.elapsed().as_secs_f64() / recs.len() as f64 * 1e6;
    let t = Instant::now();
    let mut docs = vec![];
    for (id, _, b) in recs {
        docs.push(RecordDoc::<Visit>::load(id, b, seed_actor()).unwrap());
    }
    let rl = t.elapsed().as_secs_f64() / recs.len() as f64 * 1e6;
    let t = Instant::now();
    for d in &mut docs {
        let _ = d.save();
    }
    let save = t.elapsed().as_secs_f64() / recs.len() as f64 * 1e6;
    let t = Instant::now();
    for (_, _, b) in recs {
        let _ = carebook_domain::document::check_bytes(b);
    }
    let check = t.elapsed().as_secs_f64() / recs.len() as f64 * 1e6;
    let t = Instant::now();
    for (id, _, b) in recs {
        let _ = carebook_domain::load_visit_index(id, b).unwrap();
    }
    let view = t.elapsed().as_secs_f64() / recs.len() as f64 * 1e6;
    println!(
        "per visit µs: AutoCommit::load {load:.0}, load DontCheck {load_nc:.0}, RecordDoc::load (load + whole hydrate) {rl:.0}, \
         load_visit_index (load + index fields) {view:.0}, save {save:.0}, check_bytes {check:.0}; {} bytes",
        recs[0].2.len()
    );
}

/// Time per top-level field of a visit's hydration.
pub fn probe_fields() {
    use automerge::{AutoCommit, ROOT};
    use autosurgeon::hydrate_prop;
    let recs = records(1200);
    let docs: Vec<AutoCommit> = recs[200..].iter().map(|(_, _, b)| AutoCommit::load(b).unwrap()).collect();
    macro_rules! field {
        ($name:literal, $t:ty) => {{
            let t = Instant::now();
            for d in &docs {
                let _: $t = hydrate_prop(d, ROOT, $name).unwrap();
            }
            println!("{:>16} {:6.1} µs", $name, t.elapsed().as_secs_f64() / docs.len() as f64 * 1e6);
        }};
    }
    field!("id", carebook_domain::VisitId);
    field!("child_id", ChildId);
    field!("station", carebook_domain::Station);
    field!("kind", carebook_domain::VisitKind);
    field!("place", String);
    field!("scheduled_start", Option<carebook_domain::DateTime>);
    field!("actual_end", Option<carebook_domain::DateTime>);
    field!("outcome", carebook_domain::Outcome);
    field!("staff", Vec<carebook_domain::StaffMember>);
    field!("vitals", Vec<carebook_domain::VitalReading>);
    field!("care", Vec<carebook_domain::CareGiven>);
    field!("note", carebook_domain::SoapNote);
    field!("checklist", carebook_domain::Checklist);
    field!("guardian", Option<carebook_domain::GuardianConfirmation>);
    field!("status", carebook_domain::VisitStatus);
    let t = Instant::now();
    for d in &docs {
        let _: Visit = autosurgeon::hydrate(d).unwrap();
    }
    println!("{:>16} {:6.1} µs", "whole visit", t.elapsed().as_secs_f64() / docs.len() as f64 * 1e6);
}
