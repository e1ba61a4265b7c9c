//! The accept loop (instead of `axum::serve`, which has no timeouts and no connection limit):
//! hyper's HTTP/1 connection with its header-read timer, a bounded number of connections, and an
//! `accept` that backs off instead of spinning when the process runs out of descriptors.
//!
//! - **Request head**: hyper's `header_read_timeout` starts whenever a connection waits for a
//!   request (a new one, or a kept-alive one after its last answer), so it closes partial
//!   headers and idle sockets alike. The request body's deadline is a tower-http layer in
//!   [`crate::http::router`].
//! - **Connection limit**: at the limit, a new connection takes the place of the oldest one
//!   waiting for a request (hyper's graceful shutdown closes a connection between requests at
//!   once and lets a request in progress finish). When every connection is busy with a request,
//!   the new one is answered 503 and closed. So idle sockets cannot keep anyone out.
//! - **Descriptors**: the limit is kept below the process's `RLIMIT_NOFILE` (raised to the hard
//!   limit when that helps); `accept` failing with EMFILE/ENFILE makes room and waits briefly.
//! - Every request carries `ConnectInfo<SocketAddr>`, as `into_make_service_with_connect_info`
//!   gives it, so handlers may key on the client's address.
//! - **HTTPS**: with a TLS configuration, each connection's handshake runs in its own task under
//!   the request-head timeout (a client that never finishes it holds nothing for long), then
//!   HTTP/1.1 is served over it exactly as over plain TCP.

use std::collections::BTreeMap;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use axum::extract::ConnectInfo;
use axum::Router;
use hyper::body::Incoming;
use hyper::server::conn::http1;
use hyper_util::rt::{TokioIo, TokioTimer};
use tokio::net::{TcpListener, TcpStream};
use tokio::sync::{watch, Notify};
use tower::ServiceExt;

/// Descriptors kept for everything but client connections: the database pool (a SQLite
/// connection holds its file, the WAL and the shared-memory file), the listener, the runtime,
/// standard streams and logs.
pub(crate) const RESERVED_FDS: u64 = 64;

/// How long `accept` waits after the process ran out of descriptors.
const FD_BACKOFF: Duration = Duration::from_millis(50);

/// The static answer for a connection over the limit when no connection can give way.
const BUSY: &[u8] = b"HTTP/1.1 503 Service Unavailable\r\nContent-Type: application/json\r\nRetry-After: 1\r\nConnection: close\r\nContent-Length: 108\r\n\r\n{\"code\":\"busy\",\"message\":\"\xe6\x8e\xa5\xe7\xb6\x9a\xe3\x81\x8c\xe5\xa4\x9a\xe3\x81\x99\xe3\x81\x8e\xe3\x81\xbe\xe3\x81\x99 / too many connections; try again shortly\",\"problems\":[]}";

/// One open connection, as the accept loop sees it.
#[derive(Debug)]
struct Open {
    /// Requests being answered on it now.
    in_flight: Arc<AtomicUsize>,
    /// Wakes the connection to close once its request in progress (if any) is answered.
    evict: Arc<Notify>,
    /// Already asked to close.
    evicting: bool,
}

/// The open connections, oldest first.
#[derive(Debug, Default)]
struct Connections {
    next_id: u64,
    open: BTreeMap<u64, Open>,
}

impl Connections {
    /// Connections not already asked to close.
    fn live(&self) -> usize {
        self.open.values().filter(|c| !c.evicting).count()
    }

    /// Asks the oldest connection that is waiting for a request to close. Whether there was one.
    fn evict_oldest_idle(&mut self) -> bool {
        match self.open.values_mut().find(|c| !c.evicting && c.in_flight.load(Ordering::Acquire) == 0) {
            Some(c) => {
                c.evicting = true;
                c.evict.notify_one();
                true
            }
            None => false,
        }
    }
}

/// How the loop serves.
#[derive(Debug, Clone)]
pub(crate) struct Limits {
    pub header_timeout: Duration,
    pub max_connections: usize,
    /// HTTPS with this configuration; plain HTTP without.
    pub tls: Option<Arc<rustls::ServerConfig>>,
}

/// Counts a request in progress until dropped.
struct InFlight(Arc<AtomicUsize>);

impl InFlight {
    fn new(counter: &Arc<AtomicUsize>) -> InFlight {
        counter.fetch_add(1, Ordering::AcqRel);
        InFlight(counter.clone())
    }
}

impl Drop for InFlight {
    fn drop(&mut self) {
        self.0.fetch_sub(1, Ordering::AcqRel);
    }
}

/// The connection limit `wanted` leaves room for within the process's descriptor limit: the
/// soft limit is raised towards the hard one when it is lower than `wanted` + [`RESERVED_FDS`];
/// when it still is, the limit is lowered to fit, with a warning.
pub(crate) fn connection_limit(wanted: usize) -> usize {
    use rustix::process::{getrlimit, setrlimit, Resource};
    let need = (wanted as u64).saturating_add(RESERVED_FDS);
    let mut limit = getrlimit(Resource::Nofile);
    let current = limit.current.unwrap_or(u64::MAX);
    if current < need {
        let raised = limit.maximum.map_or(need, |max| max.min(need));
        if raised > current {
            let mut wanted_limit = limit;
            wanted_limit.current = Some(raised);
            if setrlimit(Resource::Nofile, wanted_limit).is_ok() {
                limit = getrlimit(Resource::Nofile);
            }
        }
    }
    let current = limit.current.unwrap_or(u64::MAX);
    if current >= need {
        return wanted;
    }
    let fits = current.saturating_sub(RESERVED_FDS).max(current / 2).max(1) as usize;
    tracing::warn!(
        rlimit_nofile = current,
        max_connections = wanted,
        serving = fits,
        "the descriptor limit (ulimit -n) is below max_connections + {RESERVED_FDS}: serving at most {fits} connections at once"
    );
    fits
}

/// Whether `accept` failed because the process or the system has no descriptor (or buffer) left.
fn out_of_descriptors(e: &std::io::Error) -> bool {
    use rustix::io::Errno;
    [Errno::MFILE, Errno::NFILE, Errno::NOBUFS, Errno::NOMEM].iter().any(|errno| e.raw_os_error() == Some(errno.raw_os_error()))
}

/// Serves `app` on `listener` until `stop` fires, then lets requests in progress finish.
pub(crate) async fn serve(
    listener: TcpListener,
    app: Router,
    limits: Limits,
    stop: impl std::future::Future<Output = ()>,
) -> std::io::Result<()> {
    let connections = Arc::new(Mutex::new(Connections::default()));
    let (shutdown, shutting_down) = watch::channel(false);
    let mut http = http1::Builder::new();
    http.timer(TokioTimer::new()).header_read_timeout(limits.header_timeout);
    let mut last_warning: Option<Instant> = None;
    tokio::pin!(stop);
    loop {
        let accepted = tokio::select! {
            () = &mut stop => break,
            accepted = listener.accept() => accepted,
        };
        let (stream, remote) = match accepted {
            Ok(a) => a,
            Err(e) if out_of_descriptors(&e) => {
                if last_warning.is_none_or(|t| t.elapsed() >= Duration::from_secs(10)) {
                    tracing::warn!(error = %e, "accept failed: out of descriptors; closing the oldest idle connection and retrying");
                    last_warning = Some(Instant::now());
                }
                lock(&connections).evict_oldest_idle();
                tokio::time::sleep(FD_BACKOFF).await;
                continue;
            }
            // The peer gave up before it was accepted (ECONNABORTED and the like).
            Err(e) => {
                tracing::debug!(error = %e, "accept failed");
                continue;
            }
        };
        let (id, in_flight, evict) = {
            let mut open = lock(&connections);
            if open.live() >= limits.max_connections && !open.evict_oldest_idle() {
                drop(open);
                refuse(stream);
                continue;
            }
            let id = open.next_id;
            open.next_id += 1;
            let in_flight = Arc::new(AtomicUsize::new(0));
            let evict = Arc::new(Notify::new());
            open.open.insert(id, Open { in_flight: in_flight.clone(), evict: evict.clone(), evicting: false });
            (id, in_flight, evict)
        };
        let _ = stream.set_nodelay(true);
        let app = app.clone();
        let service = hyper::service::service_fn(move |mut req: hyper::Request<Incoming>| {
            req.extensions_mut().insert(ConnectInfo(remote));
            let guard = InFlight::new(&in_flight);
            let app = app.clone();
            async move {
                let answer = app.oneshot(req).await;
                drop(guard);
                answer
            }
        });
        let connections = connections.clone();
        let mut shutting_down = shutting_down.clone();
        let http = http.clone();
        let tls = limits.tls.clone();
        let handshake_timeout = limits.header_timeout;
        tokio::spawn(async move {
            match tls {
                None => drive(http.serve_connection(TokioIo::new(stream), service), evict, &mut shutting_down).await,
                Some(config) => {
                    match tokio::time::timeout(handshake_timeout, tokio_rustls::TlsAcceptor::from(config).accept(stream)).await {
                        Ok(Ok(tls_stream)) => {
                            drive(http.serve_connection(TokioIo::new(tls_stream), service), evict, &mut shutting_down).await
                        }
                        // A client that does not trust the certificate, or speaks no TLS.
                        Ok(Err(e)) => tracing::debug!(error = %e, "TLS handshake failed"),
                        Err(_) => tracing::debug!("TLS handshake timed out"),
                    }
                }
            }
            lock(&connections).open.remove(&id);
            drop(shutting_down);
        });
    }
    drop(listener);
    let _ = shutdown.send(true);
    drop(shutting_down);
    shutdown.closed().await;
    Ok(())
}

/// Serves one connection until it ends, is asked to give way (`evict`), or the server stops.
async fn drive<I, S>(conn: http1::Connection<I, S>, evict: Arc<Notify>, shutting_down: &mut watch::Receiver<bool>)
where
    I: hyper::rt::Read + hyper::rt::Write + Unpin + Send + 'static,
    S: hyper::service::HttpService<Incoming>,
    S::ResBody: 'static,
    <S::ResBody as hyper::body::Body>::Error: Into<Box<dyn std::error::Error + Send + Sync>>,
{
    tokio::pin!(conn);
    let finished = tokio::select! {
        result = conn.as_mut() => Some(result),
        () = evict.notified() => None,
        stopping = shutting_down.wait_for(|stop| *stop) => stopping.err().map(|_| Ok(())),
    };
    let result = match finished {
        Some(result) => result,
        None => {
            conn.as_mut().graceful_shutdown();
            conn.await
        }
    };
    if let Err(e) = result {
        // Timeouts, resets and malformed requests: the peer's doing, nothing to keep.
        tracing::debug!(error = %e, "connection ended");
    }
}

fn lock(connections: &Mutex<Connections>) -> std::sync::MutexGuard<'_, Connections> {
    connections.lock().unwrap_or_else(|poisoned| poisoned.into_inner())
}

/// Answers a connection over the limit 503 without waiting for it, and closes it.
fn refuse(stream: TcpStream) {
    let _ = stream.try_write(BUSY);
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_busy_answer_has_the_length_it_says() {
        let text = std::str::from_utf8(BUSY).unwrap();
        let (head, body) = text.split_once("\r\n\r\n").unwrap();
        assert!(head.contains(&format!("Content-Length: {}", body.len())), "{head} / {}", body.len());
        let parsed: serde_json::Value = serde_json::from_str(body).unwrap();
        assert_eq!(parsed["code"], "busy");
    }

    #[test]
    fn the_oldest_connection_waiting_for_a_request_gives_way_and_a_busy_one_does_not() {
        let mut c = Connections::default();
        for id in 0..3 {
            let in_flight = Arc::new(AtomicUsize::new(usize::from(id == 0)));
            c.open.insert(id, Open { in_flight, evict: Arc::new(Notify::new()), evicting: false });
        }
        assert_eq!(c.live(), 3);
        assert!(c.evict_oldest_idle());
        assert!(!c.open[&0].evicting, "a connection answering a request is not chosen");
        assert!(c.open[&1].evicting);
        assert!(c.evict_oldest_idle());
        assert!(c.open[&2].evicting);
        assert!(!c.evict_oldest_idle(), "nothing left waiting");
        assert_eq!(c.live(), 1);
    }

    #[tokio::test]
    async fn handlers_see_the_client_address_and_shutdown_waits_for_nothing_idle() {
        use axum::routing::get;
        async fn whoami(ConnectInfo(addr): ConnectInfo<std::net::SocketAddr>) -> String {
            addr.ip().to_string()
        }
        let listener = TcpListener::bind("127.0.0.1:0").await.unwrap();
        let url = format!("http://{}/", listener.local_addr().unwrap());
        let (stop, stopped) = tokio::sync::oneshot::channel::<()>();
        let limits = Limits { header_timeout: Duration::from_secs(5), max_connections: 4, tls: None };
        let task = tokio::spawn(serve(listener, Router::new().route("/", get(whoami)), limits, async move {
            let _ = stopped.await;
        }));
        let addr = url.trim_start_matches("http://").trim_end_matches('/').to_string();
        let mut client = tokio::net::TcpStream::connect(&addr).await.unwrap();
        tokio::io::AsyncWriteExt::write_all(&mut client, b"GET / HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n").await.unwrap();
        let mut answer = String::new();
        tokio::io::AsyncReadExt::read_to_string(&mut client, &mut answer).await.unwrap();
        assert!(answer.starts_with("HTTP/1.1 200") && answer.ends_with("\r\n\r\n127.0.0.1"), "{answer}");
        let _idle = tokio::net::TcpStream::connect(&addr).await.unwrap();
        stop.send(()).unwrap();
        tokio::time::timeout(Duration::from_secs(5), task).await.expect("shutdown closes idle connections").unwrap().unwrap();
    }
}
