//! Carebook's central server: where the records of every device meet.
//!
//! # The model
//! - Each record (a child's face sheet, a visit) is an automerge document. Devices push whole
//!   documents or changes; the server **merges** them into its copy and stores the merged bytes.
//!   It never authors a change itself.
//! - **The server never trusts a device.** Every request carries a device's bearer token; every
//!   pushed document is checked against the caller's rights (by the child it concerns, read from
//!   the document and from the stored copy), merged, hydrated and validated before anything is
//!   stored. See [`access`](crate#access-rules) below.
//! - **Nothing is lost.** A refused document is answered `rejected` with a code (`forbidden`,
//!   `locked`, `invalid`, `corrupt_record`, `schema_mismatch`) and its bytes go to quarantine for
//!   the office; the device keeps it marked. The quarantine is bounded per device and in total:
//!   past its quota the answer is `quarantine_full` and nothing is kept (the device still keeps
//!   its copy), counted on the device's row for the office (`GET /api/v1/quarantine/devices`).
//! - **Sync costs what changed.** Every accepted change takes the next number of one server-wide
//!   sequence; `GET /api/v1/changes?since=N` returns the readable documents with a higher number,
//!   so a device that missed one change fetches one document whatever the store's size. Pushing
//!   the same bytes again is accepted without a new number or audit row.
//! - **Sync follows access.** The feed answers only a device whose digest of the children it
//!   holds matches the children the caller may read now; otherwise it sends that set, and the
//!   device removes what it may no longer read and catches up what it may now read
//!   (`POST /api/v1/changes/catch-up`). Nothing about a device is kept on the server for this,
//!   so several server processes can share one database.
//! - Every accepted change leaves an audit row (who, which device, when, the new heads).
//!
//! # Access rules
//! A child is owned by the organisation of whoever first stored its face sheet; users are
//! assigned children (`carebook server user assign`). Nurses reach children assigned to them or
//! owned by their station; parents read their own child's records and may only add the guardian
//! confirmation to an existing visit; office staff reach everything their organisation owns and
//! approve; administrators reach everything. An approved visit is locked for nurses and parents.
//! A municipality's welfare section (role `municipality`, in an organisation of kind
//! `municipality` with its code) reads, and never writes, the records of the children of its
//! municipality whose stored face sheet holds the guardian's sharing consent in force today in
//! Japan (given on or before today, its last day today or later, not withdrawn): its pushes are
//! all refused `forbidden`, and when the consent ends or is withdrawn the child leaves its
//! devices at their next sync. A child moves to another station from the first day of a
//! transfer its owner's office records after a handover visit both stations' nurses signed
//! (`POST /api/v1/children/{id}/transfer`); from then on the giving station's office reads,
//! and only reads, the visits its own staff wrote. A record the caller may not reach is answered
//! `forbidden` whether or not it exists. A station's equipment purchases and the amount granted
//! to it for a year (the station-readiness results report, `GET`/`POST /api/v1/purchases`,
//! `GET`/`PUT /api/v1/grants`) are its office's and the administrators' only.
//!
//! | role | reads and writes | also |
//! |---|---|---|
//! | nurse | children assigned to them or owned by their org | may not approve; approved records are locked |
//! | parent | reads their assigned child's records | writes only the guardian confirmation of an existing visit |
//! | office | children owned by their org today | approves; reads only its own staff's visits of a child it transferred away |
//! | admin | everything | |
//! | municipality | reads only: its municipality's children with a consent in force today | never writes, claims, approves or manages people |
//!
//! # Storage
//! One [`Storage`] over `sqlx::Any`: SQLite (a file, WAL) or PostgreSQL, chosen by the URL's
//! scheme, each with its own embedded migrations (`migrations/server-sqlite`,
//! `migrations/server-postgres`).
//!
//! # Faults
//! A connection never goes back to the pool inside a transaction (a transaction SQLite ended by
//! itself on a full disk would otherwise keep the write lock), so the server heals by itself
//! once the disk has room again. A database that cannot serve now is answered 503 with
//! `Retry-After` (code `unavailable`), and `/health` checks the database and the disk and names
//! the part that is unwell. Connections have a header timeout (also the keep-alive idle time), a
//! body deadline and a limit kept under the process's descriptor limit (see `Config`).
//!
//! # Example
//! ```no_run
//! # async fn demo() -> Result<(), carebook_server::Error> {
//! use carebook_server::{launch_with_listener, open_storage, Config, OrgKind};
//! use carebook_domain::Role;
//!
//! let config = Config::load(None)?;
//! let storage = open_storage(&config.database_url()).await?;
//! storage.add_user("office1", "kakuu-sora-to-umi-2026", Role::Office, "st-kakuu", OrgKind::Station).await?;
//! let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await?;
//! let server = launch_with_listener(config, storage, listener)?;
//! println!("listening on {}", server.base_url());
//! server.shutdown().await?;
//! # Ok(()) }
//! ```
#![deny(rustdoc::broken_intra_doc_links)]
#![warn(missing_docs)]

// The layers, each importing only those above it in this list (see `model`; the test
// `the_layers_import_only_downward` holds them to it).
mod access;
mod account;
mod auth;
mod coordination;
mod http;
mod model;
mod password;
mod people;
mod purchases;
mod push;
mod rulebook;
mod serve;
mod storage;
mod tls;
mod transfer;

use std::net::SocketAddr;
use std::sync::Arc;

use tokio::net::TcpListener;
use tokio::sync::oneshot;
use tokio::task::JoinHandle;

pub use model::{Config, ConfigError, Error, OrgKind, QuarantineQuota, Result};
pub use storage::{
    backups_in, open_storage, restore, AccessEntry, Backend, DeviceSummary, Health, OrgEvent, Storage, UserSummary, ONE_TIME_PASSWORD_SECS,
};

/// A running server.
///
/// Dropping the handle also starts a graceful shutdown; [`ServerHandle::shutdown`] waits for it.
#[derive(Debug)]
pub struct ServerHandle {
    local_addr: SocketAddr,
    stop: Option<oneshot::Sender<()>>,
    task: JoinHandle<std::io::Result<()>>,
    certs: Option<Arc<tls::Certs>>,
}

impl ServerHandle {
    /// The address the server listens on (the real port when bound to port 0).
    pub fn local_addr(&self) -> SocketAddr {
        self.local_addr
    }

    /// `http://<local address>`.
    pub fn base_url(&self) -> String {
        match self.certs {
            // The certificate names the host, not the address.
            Some(_) => format!("https://localhost:{}", self.local_addr.port()),
            None => format!("http://{}", self.local_addr),
        }
    }

    /// Whether it serves HTTPS.
    pub fn is_tls(&self) -> bool {
        self.certs.is_some()
    }

    /// Reads the TLS certificate and key files again (what SIGHUP does): new connections get
    /// the new certificate, open ones go on. On an error the certificate in use stays.
    pub fn reload_tls(&self) -> Result<()> {
        match &self.certs {
            Some(certs) => certs.reload(),
            None => Ok(()),
        }
    }

    /// Stops accepting connections, lets requests in flight finish, and waits until it has.
    pub async fn shutdown(mut self) -> Result<()> {
        if let Some(stop) = self.stop.take() {
            let _ = stop.send(());
        }
        (&mut self.task).await??;
        Ok(())
    }
}

/// Serves the API on `listener` in a background task (call within a Tokio runtime): hyper's
/// HTTP/1 with the configured header and body timeouts and connection limit; every request
/// carries `axum::extract::ConnectInfo<SocketAddr>`.
pub fn launch_with_listener(config: Config, storage: Storage, listener: TcpListener) -> Result<ServerHandle> {
    config.check()?;
    let local_addr = listener.local_addr()?;
    let certs = match (&config.tls_cert, &config.tls_key) {
        (Some(cert), Some(key)) => Some(tls::Certs::open(cert, key)?),
        _ => None,
    };
    let limits = serve::Limits {
        header_timeout: std::time::Duration::from_secs(config.header_timeout_secs),
        max_connections: serve::connection_limit(config.max_connections),
        tls: certs.as_ref().map(tls::Certs::server_config),
    };
    let storage = storage.with_quarantine_quota(config.quarantine_quota());
    let heavy = push::Heavy::new(&config);
    let hasher = password::Hasher::start(config.hash_concurrency, config.hash_queue);
    let app = http::router(http::AppState { storage, config: Arc::new(config), heavy, hasher });
    let (stop, stopped) = oneshot::channel::<()>();
    let task = tokio::spawn(serve::serve(listener, app, limits, async move {
        let _ = stopped.await;
    }));
    Ok(ServerHandle { local_addr, stop: Some(stop), task, certs })
}

/// Opens the database, listens on `config.listen`, and serves until SIGTERM or Ctrl-C, then
/// shuts down gracefully. Setting up a `tracing` subscriber is the caller's part.
pub async fn run(config: Config) -> Result<()> {
    run_with(config, |_| {}).await
}

/// [`run`], telling `on_listen` the address once bound (the real port when asked for port 0).
pub async fn run_with(config: Config, on_listen: impl FnOnce(SocketAddr)) -> Result<()> {
    config.check()?;
    let storage = Storage::open_with(&config.database_url(), std::time::Duration::from_secs(config.database_timeout_secs)).await?;
    let listener = TcpListener::bind(&config.listen).await.map_err(|source| Error::Bind { addr: config.listen.clone(), source })?;
    let server = launch_with_listener(config, storage.clone(), listener)?;
    #[cfg(unix)]
    if let Some(certs) = server.certs.clone() {
        match tokio::signal::unix::signal(tokio::signal::unix::SignalKind::hangup()) {
            Ok(mut hup) => {
                tokio::spawn(async move {
                    while hup.recv().await.is_some() {
                        if let Err(e) = certs.reload() {
                            tracing::error!(error = %e, "TLS certificate not reloaded; the one in use stays");
                        }
                    }
                });
            }
            Err(e) => tracing::error!(error = %e, "cannot listen for SIGHUP: the TLS certificate reloads only on restart"),
        }
    }
    on_listen(server.local_addr());
    tracing::info!(addr = %server.local_addr(), backend = ?storage.backend(), "carebook server listening");
    shutdown_signal().await;
    tracing::info!("shutting down");
    server.shutdown().await?;
    storage.close().await;
    Ok(())
}

async fn shutdown_signal() {
    let ctrl_c = async {
        if let Err(e) = tokio::signal::ctrl_c().await {
            tracing::error!(error = %e, "cannot listen for ctrl-c");
            std::future::pending::<()>().await;
        }
    };
    #[cfg(unix)]
    let terminate = async {
        match tokio::signal::unix::signal(tokio::signal::unix::SignalKind::terminate()) {
            Ok(mut s) => {
                s.recv().await;
            }
            Err(e) => {
                tracing::error!(error = %e, "cannot listen for SIGTERM");
                std::future::pending::<()>().await;
            }
        }
    };
    #[cfg(not(unix))]
    let terminate = std::future::pending::<()>();
    tokio::select! {
        () = ctrl_c => {}
        () = terminate => {}
    }
}

/// The layers stay a straight line: each module of the crate imports (`crate::…`, outside
/// comments) only modules of a lower layer, read from the sources themselves.
#[cfg(test)]
mod layers {
    use std::path::Path;

    /// Lowest first. Modules of one layer do not import each other.
    const LAYERS: &[&[&str]] = &[
        &["model"],
        &["password"],
        &["storage"],
        &["access"],
        &["account", "auth", "coordination", "people", "purchases", "push", "rulebook", "transfer"],
        &["http", "tls"],
        &["serve"],
    ];

    fn layer_of(module: &str) -> Option<usize> {
        LAYERS.iter().position(|l| l.contains(&module))
    }

    /// The crate's top-level modules a source names with `crate::`, outside comments.
    fn imports(source: &str) -> Vec<String> {
        let mut out = Vec::new();
        for line in source.lines() {
            let code = line.split("//").next().unwrap_or_default();
            let mut rest = code;
            while let Some(at) = rest.find("crate::") {
                let before = rest[..at].chars().next_back();
                rest = &rest[at + "crate::".len()..];
                if before.is_some_and(|c| c.is_alphanumeric() || c == '_') {
                    continue; // `carebook_crate::…` or the like
                }
                let names: Vec<&str> = match rest.strip_prefix('{') {
                    Some(group) => group.split('}').next().unwrap_or_default().split(',').collect(),
                    None => vec![rest],
                };
                for name in names {
                    let name: String = name.trim().chars().take_while(|c| c.is_alphanumeric() || *c == '_').collect();
                    if !name.is_empty() {
                        out.push(name);
                    }
                }
            }
        }
        out
    }

    /// Every way `module`'s source breaks the order.
    fn breaches(module: &str, source: &str) -> Vec<String> {
        let Some(own) = layer_of(module) else { return vec![format!("{module} is in no layer")] };
        imports(source)
            .into_iter()
            .filter(|m| m != module)
            .filter_map(|m| match layer_of(&m) {
                Some(l) if l < own => None,
                // Items of the crate root (re-exports) sit above every layer.
                _ => Some(format!("{module} imports crate::{m}")),
            })
            .collect()
    }

    /// Every `.rs` file under `dir`, with the top-level module it belongs to.
    fn sources(dir: &Path, module: Option<&str>, out: &mut Vec<(String, String)>) {
        for entry in std::fs::read_dir(dir).unwrap() {
            let path = entry.unwrap().path();
            let stem = path.file_stem().unwrap().to_string_lossy().to_string();
            if path.is_dir() {
                sources(&path, Some(module.unwrap_or(&stem)), out);
            } else if path.extension().is_some_and(|e| e == "rs") {
                let m = module.map_or(stem, str::to_string);
                if m != "lib" {
                    out.push((m, std::fs::read_to_string(&path).unwrap()));
                }
            }
        }
    }

    #[test]
    fn the_layers_import_only_downward() {
        let mut files = Vec::new();
        sources(&Path::new(env!("CARGO_MANIFEST_DIR")).join("src"), None, &mut files);
        assert!(files.len() >= 15, "found only {} source files", files.len());
        let found: Vec<String> = files.iter().flat_map(|(m, s)| breaches(m, s)).collect();
        assert!(
            found.is_empty(),
            "imports against the layer order (model → password → storage → access → auth, coordination, people, purchases, push, rulebook, transfer → http → serve):\n{}",
            found.join("\n")
        );
    }

    #[test]
    fn the_check_sees_an_upward_import_a_sideways_one_and_a_grouped_one() {
        assert_eq!(breaches("storage", "use crate::auth;\n"), ["storage imports crate::auth"]);
        assert_eq!(breaches("auth", "use crate::push::Heavy;"), ["auth imports crate::push"]);
        assert_eq!(breaches("model", "    let c = crate::Config::default();"), ["model imports crate::Config"]);
        assert_eq!(breaches("access", "use crate::{model, http::ApiError};"), ["access imports crate::http"]);
        assert!(breaches("http", "use crate::{access, auth, push};\nuse crate::model::Error;").is_empty());
        assert!(breaches("storage", "/// See [`crate::access::may_access`].\n// crate::http").is_empty(), "comments are not imports");
        assert_eq!(breaches("newcomer", ""), ["newcomer is in no layer"]);
    }
}
