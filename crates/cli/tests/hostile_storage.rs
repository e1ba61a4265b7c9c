//! Issue 11, finding 12: storage faults. A SQLite server whose disk fills during concurrent
//! pushes answers 503 meanwhile and works again by itself once space is freed, with nothing
//! half-written; a PostgreSQL server that goes down gives 503 + `Retry-After` within seconds and
//! `/health` says the database is unwell, and comes back without a restart. Real server process,
//! real devices (carebook-core), a real tmpfs and a throwaway PostgreSQL cluster of its own.

use std::collections::BTreeSet;
use std::io::{Read, Write};
use std::net::TcpStream;
use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

use carebook_core::CoreError;
use carebook_testkit::{child, ServerProcess, TempDevice};

const PASSWORD: &str = "mihon-kakuu-passphrase-2026";

fn binary() -> &'static Path {
    Path::new(env!("CARGO_BIN_EXE_carebook"))
}

fn add_user(data: &Path, db: &str, username: &str) {
    let mut cmd = Command::new(binary());
    cmd.env("CAREBOOK_PASSPHRASE", carebook_testkit::cli::PASSPHRASE);
    cmd.arg("--data-dir").arg(data).args(["server", "user", "add", "--username", username, "--role", "nurse", "--org", "st-kakuu"]);
    cmd.args(["--database", db]).env_remove("CAREBOOK_DATA_DIR").env_remove("CAREBOOK_DATABASE_URL");
    let mut p = cmd.stdin(Stdio::piped()).stdout(Stdio::piped()).stderr(Stdio::piped()).spawn().unwrap();
    p.stdin.take().unwrap().write_all(format!("{PASSWORD}\n").as_bytes()).unwrap();
    let out = p.wait_with_output().unwrap();
    assert!(out.status.success(), "user add: {}", String::from_utf8_lossy(&out.stderr));
}

/// One request on a fresh connection: the status, the head, the body.
fn http(addr: &str, method: &str, path: &str, token: Option<&str>, body: &str) -> (u16, String, String) {
    let mut s = TcpStream::connect(addr).unwrap();
    s.set_read_timeout(Some(Duration::from_secs(30))).unwrap();
    let auth = token.map(|t| format!("Authorization: Bearer {t}\r\n")).unwrap_or_default();
    write!(
        s,
        "{method} {path} HTTP/1.1\r\nHost: {addr}\r\nConnection: close\r\n{auth}Content-Type: application/json\r\nContent-Length: {}\r\n\r\n{body}",
        body.len()
    )
    .unwrap();
    let mut answer = Vec::new();
    s.read_to_end(&mut answer).unwrap();
    let text = String::from_utf8_lossy(&answer).to_string();
    let (head, body) = text.split_once("\r\n\r\n").unwrap_or((&text, ""));
    let code = head.get(9..12).and_then(|c| c.parse().ok()).unwrap_or(0);
    (code, head.to_string(), body.to_string())
}

fn login_body(device: &str) -> String {
    serde_json::json!({ "username": "nurse-a", "password": PASSWORD, "device_name": device }).to_string()
}

/// Whether a token authenticates (the feed answers 200 to a known device whatever its digest).
fn token_works(addr: &str, token: &str) -> bool {
    http(addr, "GET", "/api/v1/changes?since=0&buckets=none", Some(token), "").0 == 200
}

fn sync_outcome(r: &Result<carebook_core::SyncReport, CoreError>) -> String {
    match r {
        Ok(_) => "ok".into(),
        Err(CoreError::Unavailable { .. }) => "503".into(),
        // A 503 answered before the request's body was read (the token check already met the
        // full disk) closes the connection; a client still sending its body may see the reset
        // first. Either way the records wait on the device.
        Err(CoreError::Offline(_)) => "503".into(),
        // The device's own guard: the four devices keep adding children to the station, so the
        // set a device may read can keep changing while it syncs. Nothing to do with the disk.
        Err(CoreError::Server { status: 409, body }) if body.code == "access_changing" => "ok".into(),
        Err(e) => format!("{e:?}"),
    }
}

/// A tmpfs mounted for the test, unmounted when dropped.
struct Tmpfs {
    path: PathBuf,
    _dir: tempfile::TempDir,
}

impl Tmpfs {
    fn mount(size: &str) -> Option<Tmpfs> {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("disk");
        std::fs::create_dir(&path).unwrap();
        let out = Command::new("mount").args(["-t", "tmpfs", "-o", &format!("size={size}"), "tmpfs"]).arg(&path).output();
        match out {
            Ok(o) if o.status.success() => Some(Tmpfs { path, _dir: dir }),
            Ok(o) => {
                eprintln!("SKIPPED: cannot mount a tmpfs here (needs root): {}", String::from_utf8_lossy(&o.stderr).trim());
                None
            }
            Err(e) => {
                eprintln!("SKIPPED: cannot run mount: {e}");
                None
            }
        }
    }
}

impl Drop for Tmpfs {
    fn drop(&mut self) {
        let _ = Command::new("umount").arg("-l").arg(&self.path).status();
    }
}

/// Fills the file system at `dir` with one file until it is full.
fn fill(dir: &Path) -> PathBuf {
    let path = dir.join("filler");
    let mut f = std::fs::File::create(&path).unwrap();
    let chunk = vec![0x5au8; 64 * 1024];
    loop {
        if f.write_all(&chunk).is_err() {
            break;
        }
    }
    // Whatever is left below a chunk, byte by byte in small pieces.
    while f.write_all(&chunk[..512]).is_ok() {}
    let _ = f.flush();
    path
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn a_full_disk_gives_503_and_the_server_recovers_by_itself_when_space_is_freed_with_nothing_half_written() {
    let Some(disk) = Tmpfs::mount("24m") else { return };
    let data = tempfile::tempdir().unwrap();
    let db = format!("sqlite://{}", disk.path.join("server.sqlite").display());
    add_user(data.path(), &db, "nurse-a");
    let server = ServerProcess::start(binary(), data.path(), &db, &[("CAREBOOK_DATABASE_TIMEOUT_SECS", "2")]);
    let url = server.url();
    let addr = server.addr().to_string();

    let mut devices = Vec::new();
    for i in 0..4 {
        let d = TempDevice::new().await.unwrap();
        d.app.login(&url, "nurse-a", PASSWORD, &format!("見本端末{i}")).await.unwrap();
        d.app.add_child(child("13105")).await.unwrap();
        d.app.sync(&mut |_| {}).await.unwrap();
        devices.push(std::sync::Arc::new(d));
    }

    // Concurrent pushes of large face sheets (and logins) while the disk fills up.
    let stop = std::sync::Arc::new(std::sync::atomic::AtomicBool::new(false));
    let mut pushers = Vec::new();
    for d in &devices {
        let (d, stop) = (d.clone(), stop.clone());
        pushers.push(tokio::spawn(async move {
            let mut kinds = Vec::new();
            while !stop.load(std::sync::atomic::Ordering::Relaxed) {
                let mut c = child("13105");
                c.diagnosis = "架空の診断名。".repeat(500);
                d.app.add_child(c).await.unwrap();
                let r = d.app.sync(&mut |_| {}).await;
                kinds.push(sync_outcome(&r));
            }
            kinds
        }));
    }
    let login_addr = addr.clone();
    let login_stop = stop.clone();
    let logins = std::thread::spawn(move || {
        let mut answers = Vec::new();
        while !login_stop.load(std::sync::atomic::Ordering::Relaxed) {
            let (code, _, body) = http(&login_addr, "POST", "/api/v1/login", None, &login_body("見本ログイン"));
            let token = serde_json::from_str::<serde_json::Value>(&body).ok().and_then(|v| v["token"].as_str().map(str::to_string));
            answers.push((code, token));
            std::thread::sleep(Duration::from_millis(50));
        }
        answers
    });

    tokio::time::sleep(Duration::from_millis(500)).await;
    let filler = fill(&disk.path);
    // Pushes keep coming against the full disk for a while.
    tokio::time::sleep(Duration::from_secs(3)).await;
    let (code, head, body) = http(&addr, "GET", "/health", None, "");
    assert_eq!(code, 503, "/health while the disk is full: {head}\n{body}");
    let health: serde_json::Value = serde_json::from_str(&body).unwrap();
    assert_eq!((health["status"].as_str(), health["disk"].as_str()), (Some("unwell"), Some("full")), "{health}");
    assert!(head.to_ascii_lowercase().contains("retry-after:"), "{head}");

    std::fs::remove_file(&filler).unwrap();
    stop.store(true, std::sync::atomic::Ordering::Relaxed);
    let mut during = Vec::new();
    for p in pushers {
        during.extend(p.await.unwrap());
    }
    let logins = tokio::task::spawn_blocking(move || logins.join().unwrap()).await.unwrap();
    eprintln!(
        "while filling: {} syncs ({} ok, {} 503); {} logins ({} ok, {} 503)",
        during.len(),
        during.iter().filter(|k| *k == "ok").count(),
        during.iter().filter(|k| *k == "503").count(),
        logins.len(),
        logins.iter().filter(|(c, _)| *c == 200).count(),
        logins.iter().filter(|(c, _)| *c == 503).count(),
    );
    assert!(during.iter().any(|k| k == "503"), "the full disk was met by some push and answered 503: {during:?}");
    let others: Vec<_> = during.iter().filter(|k| *k != "ok" && *k != "503").collect();
    assert!(others.is_empty(), "a full disk is 503, never anything else: {others:?}\n{}", server.log());

    // Space again: pushes and logins work without a restart, at once and every time.
    for round in 0..3 {
        for (i, d) in devices.iter().enumerate() {
            d.app.add_child(child("13105")).await.unwrap();
            let started = Instant::now();
            let r = d.app.sync(&mut |_| {}).await;
            assert!(r.is_ok(), "round {round}, device {i}: {:?} after {:?}\n{}", r.err(), started.elapsed(), server.log());
            let status = d.app.sync_status().await.unwrap();
            assert_eq!((status.pending, status.rejected.len()), (0, 0), "device {i}: everything pushed and accepted");
        }
        for _ in 0..5 {
            let (code, _, body) = http(&addr, "POST", "/api/v1/login", None, &login_body("見本ログイン後"));
            assert_eq!(code, 200, "{body}");
            let token: serde_json::Value = serde_json::from_str(&body).unwrap();
            assert!(token_works(&addr, token["token"].as_str().unwrap()), "a token just given works");
        }
    }
    // Every login answered 200 while the disk was full gave a token that was stored.
    for (code, token) in &logins {
        if *code == 200 {
            assert!(token_works(&addr, token.as_deref().unwrap()), "a 200 login's token works");
        }
    }
    // Every accepted push is in the feed: a fresh device receives every child the others hold.
    let fresh = TempDevice::new().await.unwrap();
    fresh.app.login(&url, "nurse-a", PASSWORD, "見本端末-新").await.unwrap();
    fresh.app.sync(&mut |_| {}).await.unwrap();
    let on_server: BTreeSet<String> = fresh.app.children().await.unwrap().into_iter().map(|c| c.id.to_string()).collect();
    let mut on_devices = BTreeSet::new();
    for d in &devices {
        on_devices.extend(d.app.children().await.unwrap().into_iter().map(|c| c.id.to_string()));
    }
    assert_eq!(on_server, on_devices, "the feed holds exactly the children the devices made");
    assert_eq!(server.health(Duration::from_secs(1)).map(|(c, _)| c), Some(200));
}

/// A PostgreSQL cluster of this test's own (initdb + pg_ctl on a free port), stopped and removed
/// when dropped. The shared test cluster is never touched.
struct OwnPostgres {
    bindir: PathBuf,
    data: PathBuf,
    port: u16,
    _dir: tempfile::TempDir,
}

impl OwnPostgres {
    fn create() -> Option<OwnPostgres> {
        let bindir = std::fs::read_dir("/usr/lib/postgresql")
            .ok()
            .into_iter()
            .flatten()
            .filter_map(|e| e.ok().map(|e| e.path().join("bin")))
            .filter(|b| b.join("pg_ctl").exists())
            .max_by_key(|b| b.parent().and_then(|v| v.file_name()).and_then(|v| v.to_str()).and_then(|v| v.parse::<u32>().ok()));
        let Some(bindir) = bindir else {
            assert!(std::env::var("CAREBOOK_REQUIRE_PG").is_err(), "CAREBOOK_REQUIRE_PG is set but no PostgreSQL binaries are installed");
            eprintln!("SKIPPED: no PostgreSQL binaries under /usr/lib/postgresql");
            return None;
        };
        let dir = tempfile::Builder::new().prefix("carebook-own-pg-").tempdir_in("/tmp").unwrap();
        let data = dir.path().join("data");
        std::fs::create_dir(&data).unwrap();
        let port = std::net::TcpListener::bind("127.0.0.1:0").unwrap().local_addr().unwrap().port();
        let pg = OwnPostgres { bindir, data, port, _dir: dir };
        if pg.as_root() {
            use std::os::unix::fs::PermissionsExt;
            std::fs::set_permissions(pg._dir.path(), std::fs::Permissions::from_mode(0o755)).unwrap();
            assert!(Command::new("chown").args(["postgres:postgres"]).arg(&pg.data).status().unwrap().success());
        }
        let ok = pg
            .run("initdb", &["-D", pg.data.to_str().unwrap(), "-U", "carebook", "--auth=trust", "-E", "UTF8", "--locale=C.UTF-8"])
            .status()
            .unwrap()
            .success();
        assert!(ok, "initdb failed");
        pg.start();
        Some(pg)
    }

    fn as_root(&self) -> bool {
        Command::new("id").arg("-u").output().map(|o| String::from_utf8_lossy(&o.stdout).trim() == "0").unwrap_or(false)
    }

    fn run(&self, tool: &str, args: &[&str]) -> Command {
        let exe = self.bindir.join(tool);
        let mut cmd = if self.as_root() {
            let mut c = Command::new("runuser");
            c.args(["-u", "postgres", "--"]).arg(exe);
            c
        } else {
            Command::new(exe)
        };
        cmd.args(args).stdout(Stdio::null()).stderr(Stdio::null());
        cmd
    }

    fn url(&self) -> String {
        format!("postgres://carebook@127.0.0.1:{}/postgres", self.port)
    }

    fn start(&self) {
        let data = self.data.to_str().unwrap();
        let log = self.data.join("server.log");
        let opts = format!("-p {} -k {data} -c listen_addresses=127.0.0.1 -c fsync=off", self.port);
        let ok = self.run("pg_ctl", &["-D", data, "-l", log.to_str().unwrap(), "-w", "-o", &opts, "start"]).status().unwrap().success();
        assert!(ok, "pg_ctl start failed: {}", std::fs::read_to_string(&log).unwrap_or_default());
    }

    fn stop(&self) {
        let _ = self.run("pg_ctl", &["-D", self.data.to_str().unwrap(), "-m", "fast", "-w", "stop"]).status();
    }
}

impl Drop for OwnPostgres {
    fn drop(&mut self) {
        self.stop();
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn postgres_down_gives_503_with_retry_after_within_seconds_and_the_server_recovers_when_it_is_back() {
    let Some(pg) = OwnPostgres::create() else { return };
    let data = tempfile::tempdir().unwrap();
    add_user(data.path(), &pg.url(), "nurse-a");
    let server = ServerProcess::start(binary(), data.path(), &pg.url(), &[("CAREBOOK_DATABASE_TIMEOUT_SECS", "2")]);
    let addr = server.addr().to_string();
    let device = TempDevice::new().await.unwrap();
    device.app.login(&server.url(), "nurse-a", PASSWORD, "見本端末").await.unwrap();
    let first = device.app.add_child(child("13105")).await.unwrap();
    device.app.sync(&mut |_| {}).await.unwrap();

    pg.stop();
    // A push: the device keeps its record and is told when to come back.
    let second = device.app.add_child(child("13105")).await.unwrap();
    let started = Instant::now();
    let r = device.app.sync(&mut |_| {}).await;
    let took = started.elapsed();
    match &r {
        Err(CoreError::Unavailable { retry_after_secs, body }) => {
            assert_eq!((*retry_after_secs, body.code.as_str()), (5, "unavailable"));
            assert!(body.ja.contains("データベース") && body.en.contains("the database is unavailable"), "{body:?}");
        }
        other => panic!("expected 503 unavailable, got {other:?}"),
    }
    assert!(took < Duration::from_secs(10), "the answer took {took:?}");
    assert_eq!(device.app.sync_status().await.unwrap().pending, 1, "the record waits on the device");
    // A login: 503 with Retry-After, the wire's error shape.
    let (code, head, body) = http(&addr, "POST", "/api/v1/login", None, &login_body("見本ログイン"));
    assert_eq!(code, 503, "{head}\n{body}");
    assert!(head.to_ascii_lowercase().contains("retry-after: 5"), "{head}");
    let answer: serde_json::Value = serde_json::from_str(&body).unwrap();
    assert_eq!(answer["code"], "unavailable");
    assert!(answer["ja"].as_str().is_some_and(|ja| ja.contains("データベース")), "{answer}");
    assert!(answer["en"].as_str().is_some_and(|en| en.contains("the database is unavailable")), "{answer}");
    // /health names the database.
    let started = Instant::now();
    let (code, _, body) = http(&addr, "GET", "/health", None, "");
    assert!(started.elapsed() < Duration::from_secs(10), "/health took {:?}", started.elapsed());
    assert_eq!(code, 503, "{body}");
    let health: serde_json::Value = serde_json::from_str(&body).unwrap();
    assert_eq!((health["status"].as_str(), health["database"].as_str()), (Some("unwell"), Some("unavailable")), "{health}");
    eprintln!("PostgreSQL down: push answered 503 after {took:?}");

    pg.start();
    // Back without a restart of the server.
    assert_eq!(server.health(Duration::from_secs(5)).map(|(c, _)| c), Some(200), "{}", server.log());
    let report = device.app.sync(&mut |_| {}).await.unwrap();
    let status = device.app.sync_status().await.unwrap();
    assert_eq!((status.pending, status.rejected.len(), report.accepted), (0, 0, 1), "{report:?}\n{status:?}");
    let (code, _, body) = http(&addr, "POST", "/api/v1/login", None, &login_body("見本ログイン後"));
    assert_eq!(code, 200, "{body}");
    let other = TempDevice::new().await.unwrap();
    other.app.login(&server.url(), "nurse-a", PASSWORD, "見本端末2").await.unwrap();
    other.app.sync(&mut |_| {}).await.unwrap();
    let ids: BTreeSet<String> = other.app.children().await.unwrap().into_iter().map(|c| c.id.to_string()).collect();
    assert_eq!(ids, BTreeSet::from([first.id.to_string(), second.id.to_string()]));
}
