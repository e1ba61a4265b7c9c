//! Issue 11, findings 2, 3 and 11, against the real `carebook server start` process
//! (`carebook_testkit::ServerProcess`): guesses counted before the password is checked, the
//! back-off keyed by user name and client address (clients told apart by their loopback source
//! address, 127.0.0.2, 127.0.0.3 …), hashing bounded in memory, and the password rule at
//! `server user add` and `server user password`.

use std::io::Write;
use std::net::{IpAddr, Ipv4Addr};
use std::path::Path;
use std::process::{Command, Output, Stdio};
use std::time::{Duration, Instant};

use carebook_testkit::ServerProcess;
use reqwest::StatusCode;
use serde_json::Value;

const PASSWORD: &str = "kakuu-sora-pw-1";

fn carebook(data: &Path, args: &[&str], stdin: &str) -> Output {
    let mut cmd = Command::new(env!("CARGO_BIN_EXE_carebook"));
    cmd.env("CAREBOOK_PASSPHRASE", carebook_testkit::cli::PASSPHRASE);
    cmd.arg("--data-dir").arg(data).args(args).env_remove("CAREBOOK_DATA_DIR").env_remove("CAREBOOK_DATABASE_URL");
    cmd.stdin(Stdio::piped()).stdout(Stdio::piped()).stderr(Stdio::piped());
    let mut child = cmd.spawn().expect("the binary runs");
    child.stdin.take().unwrap().write_all(stdin.as_bytes()).unwrap();
    child.wait_with_output().unwrap()
}

/// A server over a fresh SQLite file with the nurse `nurse-a` (made with `server user add`).
struct World {
    dir: tempfile::TempDir,
    db: String,
    server: ServerProcess,
}

impl World {
    fn start() -> World {
        let _ = rustls::crypto::ring::default_provider().install_default();
        let dir = tempfile::tempdir().unwrap();
        let db = format!("sqlite://{}", dir.path().join("server.sqlite").display());
        let added = carebook(
            dir.path(),
            &["server", "user", "add", "--username", "nurse-a", "--role", "nurse", "--org", "st-kakuu", "--database", &db],
            &format!("{PASSWORD}\n"),
        );
        assert!(added.status.success(), "{}", String::from_utf8_lossy(&added.stderr));
        let server = ServerProcess::start(Path::new(env!("CARGO_BIN_EXE_carebook")), dir.path(), &db, &[]);
        World { dir, db, server }
    }
}

/// A client whose connections come from `127.0.0.N`.
fn client_from(n: u8) -> reqwest::Client {
    reqwest::Client::builder().local_address(IpAddr::V4(Ipv4Addr::new(127, 0, 0, n))).timeout(Duration::from_secs(120)).build().unwrap()
}

async fn login(http: &reqwest::Client, url: &str, username: &str, password: &str) -> (StatusCode, Option<u64>, Value) {
    let res = http
        .post(format!("{url}/api/v1/login"))
        .json(&serde_json::json!({"username": username, "password": password, "device_name": "架空タブレット"}))
        .send()
        .await
        .unwrap();
    let status = res.status();
    let retry = res.headers().get("retry-after").and_then(|v| v.to_str().ok()).and_then(|v| v.parse().ok());
    (status, retry, res.json().await.unwrap_or(Value::Null))
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn sixty_concurrent_guesses_check_at_most_five_and_the_right_password_waits() {
    let w = World::start();
    let url = w.server.url();
    let attacker = client_from(2);
    let (tx, mut rx) = tokio::sync::mpsc::unbounded_channel();
    for i in 0..59 {
        let (http, url, tx) = (attacker.clone(), url.clone(), tx.clone());
        tokio::spawn(async move {
            let answer = login(&http, &url, "nurse-a", &format!("wrong-guess-{i:03}")).await;
            let _ = tx.send(answer);
        });
    }
    drop(tx);
    // Once the server has refused one guess, the right password joins the guesses still running.
    let mut answers = Vec::new();
    let mut right = None;
    while let Some(answer) = rx.recv().await {
        let refused = answer.0 == StatusCode::TOO_MANY_REQUESTS;
        answers.push(answer);
        if refused && right.is_none() {
            right = Some(login(&attacker, &url, "nurse-a", PASSWORD).await);
        }
    }
    let count = |s: StatusCode| answers.iter().filter(|a| a.0 == s).count();
    let (checked, refused) = (count(StatusCode::UNAUTHORIZED), count(StatusCode::TOO_MANY_REQUESTS));
    println!("59 wrong guesses at once: {checked} checked (401), {refused} refused (429)");
    assert_eq!(checked + refused, 59, "{answers:?}");
    assert!((1..=5).contains(&checked), "at most the 5 free guesses are checked, got {checked}");
    let (status, retry, body) = right.expect("a guess was refused");
    assert_eq!(status, StatusCode::TOO_MANY_REQUESTS, "the right password is refused while backing off: {body}");
    assert_eq!(body["code"], "too_many_attempts");
    let retry = retry.expect("Retry-After");
    assert!((1..=2).contains(&retry), "{retry}");

    // Waited out, the right password works again from the same address.
    tokio::time::sleep(Duration::from_secs(retry) + Duration::from_millis(200)).await;
    let (status, _, body) = login(&attacker, &url, "nurse-a", PASSWORD).await;
    assert_eq!(status, StatusCode::OK, "{body}");
    drop(w);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn failures_from_one_address_lock_neither_the_nurse_elsewhere_nor_her_tablet() {
    let w = World::start();
    let url = w.server.url();
    // The nurse's tablet logged in before the attack.
    let tablet = client_from(3);
    let (status, _, before) = login(&tablet, &url, "nurse-a", PASSWORD).await;
    assert_eq!(status, StatusCode::OK);
    let token = before["token"].as_str().unwrap().to_string();

    // Twelve guesses from 127.0.0.2: five are checked, then it backs off.
    let attacker = client_from(2);
    let mut statuses = Vec::new();
    for i in 0..12 {
        statuses.push(login(&attacker, &url, "nurse-a", &format!("wrong-guess-{i:03}")).await.0);
    }
    assert_eq!(statuses.iter().filter(|s| **s == StatusCode::UNAUTHORIZED).count(), 5, "{statuses:?}");
    assert!(statuses[5..].iter().all(|s| *s == StatusCode::TOO_MANY_REQUESTS), "{statuses:?}");
    assert_eq!(login(&attacker, &url, "nurse-a", PASSWORD).await.0, StatusCode::TOO_MANY_REQUESTS, "the guesser waits");

    // The nurse at another address logs in at once; her tablet's token never meets the back-off.
    let (status, _, body) = login(&client_from(4), &url, "nurse-a", PASSWORD).await;
    assert_eq!(status, StatusCode::OK, "{body}");
    let feed = tablet.get(format!("{url}/api/v1/changes?buckets=x")).bearer_auth(&token).send().await.unwrap();
    assert_eq!(feed.status(), StatusCode::OK);

    // One address guessing many names backs off as a whole after 20 failures, whatever the name.
    let sprayer = client_from(5);
    let mut checked = 0;
    for i in 0..25 {
        if login(&sprayer, &url, &format!("kakuu-{i}"), "kakuu-guess-pw-0").await.0 == StatusCode::UNAUTHORIZED {
            checked += 1;
        }
    }
    assert_eq!(checked, 20, "the address's free failures");
    assert_eq!(login(&sprayer, &url, "nurse-a", PASSWORD).await.0, StatusCode::TOO_MANY_REQUESTS);
    assert_eq!(login(&client_from(6), &url, "nurse-a", PASSWORD).await.0, StatusCode::OK);
    drop(w);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn two_hundred_concurrent_logins_stay_under_256_mib_and_health_answers_within_a_second() {
    let w = World::start();
    let url = w.server.url();
    let before = w.server.peak_mib();

    // /health on fresh connections all through the storm.
    let stop = std::sync::Arc::new(std::sync::atomic::AtomicBool::new(false));
    let watcher = {
        let (stop, server_addr) = (stop.clone(), w.server.addr().to_string());
        std::thread::spawn(move || {
            let mut slowest = Duration::ZERO;
            let mut checks = 0;
            while !stop.load(std::sync::atomic::Ordering::Relaxed) {
                let start = Instant::now();
                let ok = carebook_testkit::process::health(&server_addr, Duration::from_secs(1)).map(|(code, _)| code);
                assert_eq!(ok, Some(200), "/health did not answer 200 within 1 s during the storm (after {checks} checks)");
                slowest = slowest.max(start.elapsed());
                checks += 1;
                std::thread::sleep(Duration::from_millis(50));
            }
            (checks, slowest)
        })
    };

    // 200 clients at once, each from its own address (so no back-off stops them): the hashing
    // threads and their queue are all that bounds the work.
    let started = Instant::now();
    let tasks: Vec<_> = (0..200u32)
        .map(|i| {
            let url = url.clone();
            tokio::spawn(async move {
                let http = client_from((2 + i) as u8);
                let password = if i % 50 == 0 { PASSWORD.to_string() } else { format!("wrong-guess-{i:03}") };
                login(&http, &url, "nurse-a", &password).await
            })
        })
        .collect();
    let mut answers = Vec::new();
    for t in tasks {
        answers.push(t.await.unwrap());
    }
    let took = started.elapsed();
    stop.store(true, std::sync::atomic::Ordering::Relaxed);
    let (checks, slowest) = watcher.join().expect("/health kept answering");

    let count = |s: StatusCode| answers.iter().filter(|a| a.0 == s).count();
    let (ok, wrong, busy) = (count(StatusCode::OK), count(StatusCode::UNAUTHORIZED), count(StatusCode::SERVICE_UNAVAILABLE));
    let peak = w.server.peak_mib();
    println!(
        "200 logins at once in {took:?}: {ok} ok, {wrong} wrong, {busy} busy (503); peak {peak} MiB (before {before} MiB); \
         /health {checks} checks, slowest {slowest:?}"
    );
    assert_eq!(ok + wrong + busy, 200, "{answers:?}");
    assert!(busy >= 1, "the hashing queue is bounded: some logins are told to come back");
    for (_, retry, body) in answers.iter().filter(|a| a.0 == StatusCode::SERVICE_UNAVAILABLE) {
        assert_eq!(body["code"], "busy");
        assert!(retry.is_some_and(|r| r >= 1), "503 carries Retry-After");
    }
    assert!(peak < 256, "peak {peak} MiB");
    assert!(checks >= 1);

    // Afterwards a login goes through as usual.
    let (status, _, body) = login(&client_from(250), &url, "nurse-a", PASSWORD).await;
    assert_eq!(status, StatusCode::OK, "{body}");
    drop(w);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_password_rule_holds_at_user_add_and_a_new_password_logs_every_device_out() {
    let w = World::start();
    let (dir, db, url) = (w.dir.path(), w.db.as_str(), w.server.url());
    let add = |name: &str, password: &str| {
        carebook(
            dir,
            &["server", "user", "add", "--username", name, "--role", "nurse", "--org", "st-kakuu", "--database", db],
            &format!("{password}\n"),
        )
    };
    for (name, bad, what) in [
        ("nurse-b", "12345678", "at least 13 characters"),
        ("nurse-b", "Nurse-B-2026-kakuu", "user name"),
        ("nurse-b", "qwertyuiop123", "common"),
    ] {
        let out = add(name, bad);
        let err = String::from_utf8_lossy(&out.stderr);
        assert!(!out.status.success(), "{bad}");
        assert!(err.contains(what) && err.contains("パスワード"), "{err}");
        assert!(!err.contains(bad), "the password is never printed: {err}");
    }
    let users = carebook(dir, &["server", "user", "list", "--database", db, "--json"], "");
    let users: Value = serde_json::from_slice(&users.stdout).unwrap();
    assert_eq!(users.as_array().unwrap().len(), 1, "nothing was added: {users}");

    // Two devices of nurse-a, then an operator sets a new password.
    let http = client_from(2);
    let mut tokens = Vec::new();
    for _ in 0..2 {
        let (status, _, body) = login(&http, &url, "nurse-a", PASSWORD).await;
        assert_eq!(status, StatusCode::OK);
        tokens.push(body["token"].as_str().unwrap().to_string());
    }
    let weak = carebook(dir, &["server", "user", "password", "--user", "nurse-a", "--database", db], "nurse-a-kakuu-2026\n");
    assert!(!weak.status.success(), "the same rule at a change");
    assert_eq!(login(&http, &url, "nurse-a", PASSWORD).await.0, StatusCode::OK, "a refused change changes nothing");
    let changed = carebook(dir, &["--json", "server", "user", "password", "--user", "nurse-a", "--database", db], "kakuu-umi-pw-22\n");
    assert!(changed.status.success(), "{}", String::from_utf8_lossy(&changed.stderr));
    let changed: Value = serde_json::from_slice(&changed.stdout).unwrap();
    assert_eq!(changed["devices_logged_out"], 3, "{changed}");

    for token in &tokens {
        let res = http.get(format!("{url}/api/v1/changes?buckets=x")).bearer_auth(token).send().await.unwrap();
        assert_eq!(res.status(), StatusCode::UNAUTHORIZED);
        assert_eq!(res.json::<Value>().await.unwrap()["code"], "token_expired", "the device logs in again and keeps its records");
    }
    assert_eq!(login(&http, &url, "nurse-a", PASSWORD).await.0, StatusCode::UNAUTHORIZED, "the old password is gone");
    assert_eq!(login(&http, &url, "nurse-a", "kakuu-umi-pw-22").await.0, StatusCode::OK);
    drop(w);
}
