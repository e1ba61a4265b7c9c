//! Issue 11, finding 4: sockets that send partial headers, dribble a body or sit idle are closed
//! by the server within its configured timeouts, and idle sockets past the process's descriptor
//! limit do not keep `/health` out. Each test runs the real server binary on port 0.

use std::io::{ErrorKind, Read, Write};
use std::net::TcpStream;
use std::path::Path;
use std::time::{Duration, Instant};

use carebook_testkit::ServerProcess;

const HEADER_SECS: u64 = 1;
const BODY_SECS: u64 = 2;
/// What the server may take beyond a timeout to notice it and close (timer granularity, a
/// loaded 2-core machine).
const MARGIN: Duration = Duration::from_secs(2);

fn binary() -> &'static Path {
    Path::new(env!("CARGO_BIN_EXE_carebook"))
}

fn start(data: &Path) -> ServerProcess {
    let db = format!("sqlite://{}", data.join("server.sqlite").display());
    let (header, body) = (HEADER_SECS.to_string(), BODY_SECS.to_string());
    ServerProcess::start(binary(), data, &db, &[("CAREBOOK_HEADER_TIMEOUT_SECS", &header), ("CAREBOOK_BODY_TIMEOUT_SECS", &body)])
}

/// Reads until the server closes the socket (EOF or reset) or `limit` passes, writing one byte
/// of `dribble` every 100 ms meanwhile. What was read, and when the socket closed (if it did).
fn until_closed(s: &mut TcpStream, limit: Duration, dribble: Option<u8>) -> (Vec<u8>, Option<Duration>) {
    let start = Instant::now();
    s.set_read_timeout(Some(Duration::from_millis(100))).unwrap();
    let mut got = Vec::new();
    let mut buf = [0u8; 4096];
    while start.elapsed() < limit {
        if let Some(b) = dribble {
            // The server may already have stopped reading; a failed write is no answer yet.
            let _ = s.write_all(&[b]);
        }
        match s.read(&mut buf) {
            Ok(0) => return (got, Some(start.elapsed())),
            Ok(n) => got.extend_from_slice(&buf[..n]),
            Err(e) if matches!(e.kind(), ErrorKind::WouldBlock | ErrorKind::TimedOut | ErrorKind::Interrupted) => {}
            Err(_) => return (got, Some(start.elapsed())),
        }
    }
    (got, None)
}

fn connect(server: &ServerProcess) -> TcpStream {
    TcpStream::connect(server.addr()).expect("the server accepts")
}

#[test]
fn partial_headers_silent_or_dribbled_are_closed_within_the_header_timeout() {
    let dir = tempfile::tempdir().unwrap();
    let server = start(dir.path());
    let limit = Duration::from_secs(HEADER_SECS) + MARGIN;

    let mut silent = connect(&server);
    silent.write_all(b"GET /health HTTP/1.1\r\nHost: carebook.invalid\r\n").unwrap();
    let mut dribbling = connect(&server);
    dribbling.write_all(b"GET /health HTTP/1.1\r\nHost: carebook.invalid\r\nX-Mihon: ").unwrap();

    let (_, dribbled_closed) = until_closed(&mut dribbling, limit, Some(b'a'));
    let (_, silent_closed) = until_closed(&mut silent, limit, None);
    let dribbled_closed = dribbled_closed.expect("a head dribbled a byte per 100 ms is closed within the header timeout + margin");
    assert!(silent_closed.is_some(), "a head that stopped half-way is closed within the header timeout + margin");
    eprintln!("partial head closed after ≤ {dribbled_closed:?} (dribbling), silent one soon after");
    assert_eq!(server.health(Duration::from_secs(1)).map(|(code, _)| code), Some(200));
}

#[test]
fn a_dribbled_body_is_answered_408_and_closed_within_the_body_timeout() {
    let dir = tempfile::tempdir().unwrap();
    let server = start(dir.path());
    let mut s = connect(&server);
    s.write_all(
        b"POST /api/v1/login HTTP/1.1\r\nHost: carebook.invalid\r\nContent-Type: application/json\r\nContent-Length: 100000\r\n\r\n{",
    )
    .unwrap();
    let (answer, closed) = until_closed(&mut s, Duration::from_secs(BODY_SECS) + MARGIN, Some(b' '));
    let closed = closed.expect("a body dribbled a byte per 100 ms is cut off within the body timeout + margin");
    let text = String::from_utf8_lossy(&answer);
    assert!(text.starts_with("HTTP/1.1 408"), "{text}");
    assert!(text.contains("\"code\":\"request_timeout\""), "{text}");
    eprintln!("dribbled body closed after {closed:?}");
    assert_eq!(server.health(Duration::from_secs(1)).map(|(code, _)| code), Some(200));
}

#[test]
fn an_idle_socket_and_an_idle_kept_alive_connection_are_closed_within_the_header_timeout() {
    let dir = tempfile::tempdir().unwrap();
    let server = start(dir.path());
    let limit = Duration::from_secs(HEADER_SECS) + MARGIN;

    let mut idle = connect(&server);
    let mut kept = connect(&server);
    kept.write_all(b"GET /health HTTP/1.1\r\nHost: carebook.invalid\r\n\r\n").unwrap();
    // The answer comes, and the connection stays open for another request …
    let mut answer = Vec::new();
    kept.set_read_timeout(Some(Duration::from_secs(5))).unwrap();
    let mut buf = [0u8; 1024];
    while !String::from_utf8_lossy(&answer).contains("\"status\":\"ok\"") {
        let n = kept.read(&mut buf).expect("the health answer");
        assert!(n > 0, "the connection was closed instead of kept alive: {}", String::from_utf8_lossy(&answer));
        answer.extend_from_slice(&buf[..n]);
    }
    assert!(String::from_utf8_lossy(&answer).starts_with("HTTP/1.1 200"));
    // … until it has been idle for the header timeout.
    let (_, kept_closed) = until_closed(&mut kept, limit, None);
    let (_, idle_closed) = until_closed(&mut idle, limit, None);
    assert!(kept_closed.is_some(), "an idle kept-alive connection is closed within the header timeout + margin");
    assert!(idle_closed.is_some(), "a socket that never sends is closed within the header timeout + margin");
}

#[test]
fn idle_sockets_past_the_descriptor_limit_do_not_keep_health_out() {
    let dir = tempfile::tempdir().unwrap();
    let db = format!("sqlite://{}", dir.path().join("server.sqlite").display());
    // Default timeouts (header 10 s): the idle sockets stay for the whole test.
    let server = ServerProcess::start_with_nofile(binary(), dir.path(), &db, &[], 256);
    let mut idle = Vec::new();
    for _ in 0..300 {
        // Past the connection limit the kernel still completes handshakes (the listen backlog).
        if let Ok(s) = TcpStream::connect_timeout(&server.addr().parse().unwrap(), Duration::from_secs(2)) {
            idle.push(s);
        }
    }
    assert!(idle.len() >= 256, "only {} of 300 sockets connected", idle.len());
    for round in 0..5 {
        let answer = server.health(Duration::from_secs(1));
        assert!(
            matches!(answer, Some((200, _))),
            "round {round}: /health answered {answer:?} with {} idle sockets open\n{}",
            idle.len(),
            server.log()
        );
    }
    assert!(server.open_fds() <= 256, "the server holds {} descriptors", server.open_fds());
    assert!(server.log().contains("descriptor limit"), "the server warns that ulimit -n is below its connection limit:\n{}", server.log());
    drop(idle);
}

#[test]
fn with_very_few_descriptors_accept_runs_out_and_the_server_still_answers_health() {
    let dir = tempfile::tempdir().unwrap();
    let db = format!("sqlite://{}", dir.path().join("server.sqlite").display());
    // 64 descriptors: the connection limit becomes 32, and the database, the runtime and the
    // logs take most of the rest, so accept() itself fails with EMFILE while sockets pile up.
    let server = ServerProcess::start_with_nofile(binary(), dir.path(), &db, &[], 64);
    let mut idle = Vec::new();
    for _ in 0..150 {
        if let Ok(s) = TcpStream::connect_timeout(&server.addr().parse().unwrap(), Duration::from_secs(2)) {
            idle.push(s);
        }
    }
    for round in 0..5 {
        let answer = server.health(Duration::from_secs(1));
        assert!(
            matches!(answer, Some((200, _))),
            "round {round}: /health answered {answer:?} with {} idle sockets open\n{}",
            idle.len(),
            server.log()
        );
    }
    assert!(server.open_fds() <= 64, "the server holds {} descriptors", server.open_fds());
    assert!(server.log().contains("out of descriptors"), "accept met EMFILE and went on:\n{}", server.log());
    drop(idle);
}
