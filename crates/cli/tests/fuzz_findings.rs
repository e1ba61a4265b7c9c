//! What the fuzz targets found, against a real server process (`carebook server start` on port
//! 0, watched through `/proc`): the regression fixtures of `fuzz/regressions/` pushed as any
//! account would push them.

use std::io::{Read, Write};
use std::net::TcpStream;
use std::process::{Command, Stdio};
use std::time::Duration;

use carebook_testkit::ServerProcess;
use serde_json::{json, Value};

const PASSWORD: &str = "kakuu-fuzz-password-1";

fn fixture(target: &str, name: &str) -> Vec<u8> {
    let path = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("../../fuzz/regressions").join(target).join(name);
    std::fs::read(path).unwrap()
}

/// One HTTP/1.1 request on a fresh connection: the status and the body.
fn request(addr: &str, method: &str, path: &str, token: Option<&str>, body: &Value) -> (u16, Value) {
    let body = body.to_string();
    let mut s = TcpStream::connect(addr).unwrap();
    s.set_read_timeout(Some(Duration::from_secs(60))).unwrap();
    let auth = token.map(|t| format!("Authorization: Bearer {t}\r\n")).unwrap_or_default();
    write!(
        s,
        "{method} {path} HTTP/1.1\r\nHost: {addr}\r\nContent-Type: application/json\r\n{auth}Content-Length: {}\r\nConnection: close\r\n\r\n{body}",
        body.len()
    )
    .unwrap();
    let mut answer = Vec::new();
    s.read_to_end(&mut answer).unwrap_or_else(|e| panic!("{method} {path}: no answer within 60 s ({e})"));
    let text = String::from_utf8_lossy(&answer);
    let (head, rest) = text.split_once("\r\n\r\n").expect("a whole answer");
    let status = head[9..12].parse().unwrap();
    (status, serde_json::from_str(rest).unwrap_or(Value::Null))
}

fn base64(bytes: &[u8]) -> String {
    const A: &[u8; 64] = b"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
    let mut out = String::new();
    for c in bytes.chunks(3) {
        let n = (u32::from(c[0]) << 16) | (u32::from(*c.get(1).unwrap_or(&0)) << 8) | u32::from(*c.get(2).unwrap_or(&0));
        for i in 0..4 {
            out.push(if i <= c.len() { A[(n >> (18 - 6 * i) & 63) as usize] as char } else { '=' });
        }
    }
    out
}

/// An 89-byte automerge bundle chunk claiming a run of billions of values took automerge past
/// 8 GiB in 50 s (and a cut-short one made it panic) in the strict load every push runs first,
/// for any account and a record id that need not exist. The server refuses both as corrupt
/// records, names the chunk, stays small and keeps answering.
#[test]
fn bundle_chunks_found_by_fuzzing_are_refused_as_corrupt_records_without_memory_or_a_crash() {
    let dir = tempfile::tempdir().unwrap();
    let db = format!("sqlite://{}", dir.path().join("server.sqlite").display());
    let mut add = Command::new(env!("CARGO_BIN_EXE_carebook"))
        .env("CAREBOOK_PASSPHRASE", carebook_testkit::cli::PASSPHRASE)
        .arg("--data-dir")
        .arg(dir.path())
        .args(["server", "user", "add", "--username", "fuzz-nurse", "--role", "nurse", "--org", "st-kakuu", "--database", &db])
        .env_remove("CAREBOOK_DATA_DIR")
        .env_remove("CAREBOOK_DATABASE_URL")
        .stdin(Stdio::piped())
        .stdout(Stdio::null())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    add.stdin.take().unwrap().write_all(format!("{PASSWORD}\n").as_bytes()).unwrap();
    let out = add.wait_with_output().unwrap();
    assert!(out.status.success(), "{}", String::from_utf8_lossy(&out.stderr));

    let server = ServerProcess::start(std::path::Path::new(env!("CARGO_BIN_EXE_carebook")), dir.path(), &db, &[]);
    let (status, login) = request(
        server.addr(),
        "POST",
        "/api/v1/login",
        None,
        &json!({"username": "fuzz-nurse", "password": PASSWORD, "device_name": "架空タブレット"}),
    );
    assert_eq!(status, 200, "{login}");
    let token = login["token"].as_str().unwrap().to_string();

    let documents: Vec<Value> = ["automerge-bundle-run-of-billions-oom", "automerge-bundle-leb128-panic"]
        .iter()
        .enumerate()
        .map(|(i, name)| {
            // The fixture's first byte is the target's flags; the rest is what a device pushes.
            let bytes = fixture("document", name);
            json!({"id": format!("f0220000-0000-4000-8000-00000000010{i}"), "kind": "visit", "bytes": base64(&bytes[1..])})
        })
        .collect();
    let (status, answer) = request(server.addr(), "POST", "/api/v1/push", Some(&token), &json!({ "documents": documents }));
    assert_eq!(status, 200, "{answer}");
    let results = answer["results"].as_array().unwrap();
    assert_eq!(results.len(), 2);
    for r in results {
        assert_eq!(r["outcome"], "rejected", "{r}");
        assert_eq!(r["code"], "corrupt_record", "{r}");
        // Refused by the bounds scan before automerge, naming the chunk type.
        assert!(r["reason"].as_str().unwrap().contains("bundle"), "{r}");
    }
    let peak = server.peak_mib();
    assert!(peak < 256, "peak resident memory {peak} MiB");
    let (code, took) = server.health(Duration::from_secs(1)).expect("/health answers within 1 s");
    assert_eq!(code, 200, "/health after the push took {took:?}");
    eprintln!("peak {peak} MiB, /health in {took:?}");
}
