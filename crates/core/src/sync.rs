//! The device's side of sync: log in, push what changed here, pull what changed on the server
//! since the device's cursor, and a background loop with back-off for the app.
//!
//! A push sends whole documents in batches; the server merges them (idempotently) and answers
//! per document. A pull asks for documents with a server sequence number above the cursor, page
//! by page, so a sync where one record changed moves about one record, however many the server
//! holds. A rejected record stays on the device, marked with the reason. A revoked device
//! deletes the records it holds.
//!
//! The pull follows access (see `carebook_domain::wire`): the device sends the digest of the
//! children it holds; when the server's readable set differs, the device removes the children
//! it may no longer read (after pushing their waiting edits), catches up every record of the
//! children it may now read, and asks again.

use std::io::Write;
use std::sync::OnceLock;
use std::time::Duration;

use carebook_domain::wire::{fit_in_bytes as fit_bytes, ServerEpoch, CATCH_UP_MAX_CHILDREN};
use carebook_domain::ChildId;
use carebook_domain::{
    buckets_digest, CatchUpRequest, CatchUpResponse, ChangesResponse, DateTime, Directory, DocPayload, ErrorBody, LoginRequest,
    LoginResponse, Message, PushOutcome, PushRequest, PushResponse, RecoveryCodes, RuleBook, RuleVersion, SecondFactorConfirm,
    SecondFactorEnrolment, SecondFactorRemove, SecondFactorStart, SecondFactorStatus, Transfer, TransferRequest, UserInfo,
};
use serde::{Deserialize, Serialize};
use tokio::sync::{watch, Notify};

use crate::store::{AccessRemoval, PendingDoc};
use crate::{clock, Carebook, CoreError};

const SESSION: &str = "session";
const CURSOR: &str = "cursor";
/// The server's epoch at the last sync (`GET /api/v1/epoch`; it changes when the server is
/// restored from a backup).
const SERVER_EPOCH: &str = "server_epoch";
const LAST_SYNC: &str = "last_sync_at";
/// The organisation's directory (names, stations) as the server last sent it, and its ETag.
const DIRECTORY: &str = "directory";
const DIRECTORY_ETAG: &str = "directory_etag";
/// The ETag of the published settings and templates held (`store::settings::RULE_BOOK`).
const RULE_BOOK_ETAG: &str = "rule_book_etag";
/// Documents per push request.
pub const PUSH_BATCH: i64 = 100;
/// Document bytes per push request (base64 in JSON adds a third; the server's default limit is
/// 16 MiB after decompression). A larger document goes alone.
pub const PUSH_BYTES: usize = 8 * 1024 * 1024;
/// Document bytes once inflated per push request, well under the server's default budget for
/// one push (256 MiB). A larger document goes alone.
pub const PUSH_INFLATED_BYTES: usize = 64 * 1024 * 1024;

/// How many documents from the front of `batch` make one push: within [`PUSH_BYTES`] as sent
/// and [`PUSH_INFLATED_BYTES`] once inflated (at least one).
fn batch_len(batch: &[PendingDoc]) -> usize {
    let batch = &batch[..batch.len().min(PUSH_BATCH as usize)];
    let n = fit_bytes(batch.iter().map(|d| d.bytes.len()), PUSH_BYTES);
    let inflated = |d: &PendingDoc| {
        let limits = carebook_domain::bounds::Limits::DEFAULT;
        carebook_domain::bounds::scan(&d.bytes, &limits).map_or(d.bytes.len(), |c| c.inflated_bytes as usize)
    };
    fit_bytes(batch[..n].iter().map(inflated), PUSH_INFLATED_BYTES)
}
/// Documents per pull page (the server may bound pages further, by bytes too).
pub const PULL_PAGE: i64 = 500;
/// How often one sync reconciles its buckets with the server before giving up (access that
/// keeps changing while the device syncs).
const RECONCILE_ROUNDS: usize = 4;
/// How many removals `sync_status` lists, and from how many days back.
const REMOVALS_SHOWN: i64 = 20;
const REMOVALS_DAYS: i64 = 14;

/// The device's login: server, token, account.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Session {
    /// Base URL, e.g. `http://127.0.0.1:8080`.
    pub server_url: String,
    /// The device's bearer token.
    pub token: String,
    /// The device's id on the server.
    pub device_id: String,
    /// Unix seconds when the token expires.
    pub expires_at: i64,
    /// The account.
    pub user: UserInfo,
    /// The account must enrol a second factor before this token works for anything else
    /// ([`Carebook::start_second_factor`], [`Carebook::confirm_second_factor`]).
    #[serde(default, skip_serializing_if = "std::ops::Not::not")]
    pub second_factor_enrolment_required: bool,
}

/// Which half of a sync is running.
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum SyncPhase {
    /// Sending local changes.
    Push,
    /// Receiving the server's changes.
    Pull,
}

/// Progress within a sync: `done` of `total` documents in the current phase.
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
pub struct SyncProgress {
    /// Phase.
    pub phase: SyncPhase,
    /// Documents handled so far.
    pub done: u64,
    /// Documents in this phase (for pull, the server's count at the start, growing when access
    /// to more children arrives during the sync).
    pub total: u64,
}

/// What one sync did.
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize)]
pub struct SyncReport {
    /// Documents sent.
    pub sent: u64,
    /// Of those, accepted.
    pub accepted: u64,
    /// Of those, rejected (kept on the device, marked).
    pub rejected: u64,
    /// Documents received.
    pub received: u64,
    /// Push requests made.
    pub push_requests: u64,
    /// Pull requests made.
    pub pull_requests: u64,
    /// Of those received, records of children newly readable (caught up whatever the cursor).
    pub caught_up: u64,
    /// Children whose records left the device because the account may no longer read them.
    pub removed: Vec<AccessRemoval>,
    /// The cursor after the sync.
    pub cursor: i64,
    /// The server had been restored from a backup since the last sync: this many records the
    /// server had accepted were sent again (the pull started over from the beginning).
    pub resent_after_restore: Option<u64>,
    /// Records opened and exports made on this device reported to the server's access log.
    pub access_events: u64,
}

/// The device's sync state, for the status line.
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct SyncStatus {
    /// Logged-in account, if any.
    pub user: Option<UserInfo>,
    /// Server URL, if logged in.
    pub server_url: Option<String>,
    /// Records waiting to sync.
    pub pending: i64,
    /// Records the server refused.
    pub rejected: Vec<crate::store::RejectedDoc>,
    /// Last successful sync (JST).
    pub last_sync_at: Option<String>,
    /// The change cursor.
    pub cursor: i64,
    /// Removals of children the account may no longer read in the last two weeks, newest first.
    pub removed: Vec<AccessRemoval>,
}

/// The environment variable naming a PEM file of an organisation's own CA certificates, trusted
/// besides the system's roots (a server whose certificate the organisation issued itself).
pub const CA_CERT_ENV: &str = "CAREBOOK_CA_CERT";

/// The organisation's CA certificates named by [`CA_CERT_ENV`], if set.
fn organisation_roots() -> Result<Vec<reqwest::Certificate>, String> {
    let Some(path) = std::env::var_os(CA_CERT_ENV).filter(|p| !p.is_empty()) else { return Ok(Vec::new()) };
    let shown = std::path::Path::new(&path).display().to_string();
    let pem = std::fs::read(&path).map_err(|e| format!("{shown}: {e}"))?;
    let certs = reqwest::Certificate::from_pem_bundle(&pem).map_err(|e| format!("{shown}: {e}"))?;
    if certs.is_empty() {
        return Err(format!("{shown}: no CERTIFICATE in the file"));
    }
    Ok(certs)
}

/// The process's HTTP client: HTTPS checked against the system's roots and the organisation's
/// CA ([`CA_CERT_ENV`]). A CA file that cannot be used is an error of every request, naming it.
pub(crate) fn http() -> Result<&'static reqwest::Client, CoreError> {
    static CLIENT: OnceLock<Result<reqwest::Client, String>> = OnceLock::new();
    CLIENT.get_or_init(build_client).as_ref().map_err(|e| CoreError::CaCertificate(e.clone()))
}

fn build_client() -> Result<reqwest::Client, String> {
    // One process-wide TLS provider; another crate may have installed one already.
    let _ = rustls::crypto::ring::default_provider().install_default();
    let roots = organisation_roots()?;
    {
        reqwest::Client::builder()
            .tls_certs_merge(roots)
            .connect_timeout(Duration::from_secs(10))
            // The server closes a connection idle for its header timeout (10 s by default); a
            // pooled one is let go first, so a request is not sent on a closing connection.
            .pool_idle_timeout(Duration::from_secs(5))
            .timeout(Duration::from_secs(120))
            .user_agent(concat!("carebook/", env!("CARGO_PKG_VERSION")))
            .build()
            .map_err(|e| e.to_string())
    }
}

/// Refuses a server address that would send the password and the records unencrypted:
/// `https://` always, `http://` only to this machine (`localhost`, `127.0.0.0/8`, `::1`), for
/// development.
pub fn check_server_url(url: &str) -> Result<(), CoreError> {
    let refuse = |code: &str, ja: String, en: String| {
        let mut p = carebook_domain::Problems::new();
        p.push("server", code, ja, en);
        Err(CoreError::Invalid(p))
    };
    let Ok(parsed) = reqwest::Url::parse(url) else {
        return refuse(
            "url",
            format!("サーバーのアドレスが正しくありません（例：https://carebook.example.jp）：{url}"),
            format!("server: expected an address such as https://carebook.example.jp, got {url:?}"),
        );
    };
    let host = parsed.host_str().unwrap_or_default().trim_start_matches('[').trim_end_matches(']');
    let loopback = host.eq_ignore_ascii_case("localhost") || host.parse::<std::net::IpAddr>().is_ok_and(|ip| ip.is_loopback());
    match parsed.scheme() {
        "https" => Ok(()),
        "http" if loopback => Ok(()),
        "http" => refuse(
            "insecure_url",
            format!("http:// ではパスワードと記録が暗号化されずに送られます。https:// のアドレスを指定してください（http:// はこの端末内の開発用サーバーにだけ使えます）：{url}"),
            format!("server: expected an https:// address (http:// sends the password and the records unencrypted; it is allowed only to this machine, for development), got {url:?}"),
        ),
        other => refuse(
            "url",
            format!("サーバーのアドレスは https:// で始めてください（{other}:// は使えません）：{url}"),
            format!("server: expected an https:// address, got {url:?}"),
        ),
    }
}

fn offline(e: reqwest::Error) -> CoreError {
    let e = e.without_url();
    // What went wrong, through every cause (reqwest's own text says only "error sending request").
    let mut text = e.to_string();
    for cause in causes(&e) {
        // A certificate the device cannot verify is no missing signal: say so, with rustls's reason.
        let tls = cause.downcast_ref::<rustls::Error>().or_else(|| wrapped(cause).and_then(|w| w.downcast_ref::<rustls::Error>()));
        if let Some(tls) = tls {
            return CoreError::Untrusted(tls.to_string());
        }
        let more = cause.to_string();
        if !text.contains(&more) {
            text = format!("{text}: {more}");
        }
    }
    CoreError::Offline(text)
}

/// The error an `io::Error` wraps, which its `source()` skips.
fn wrapped<'a>(e: &'a (dyn std::error::Error + 'static)) -> Option<&'a (dyn std::error::Error + 'static)> {
    e.downcast_ref::<std::io::Error>().and_then(|io| io.get_ref()).map(|w| w as &(dyn std::error::Error + 'static))
}

/// Every cause under `e`, the errors `io::Error`s wrap included.
fn causes<'a>(e: &'a (dyn std::error::Error + 'static)) -> impl Iterator<Item = &'a (dyn std::error::Error + 'static)> {
    std::iter::successors(e.source(), |s| s.source().or_else(|| wrapped(*s)))
}

/// Sends a request and turns a non-success answer into the server's `ErrorBody`.
pub(crate) async fn send<T: for<'de> Deserialize<'de>>(req: reqwest::RequestBuilder) -> Result<T, CoreError> {
    answer(req.send().await.map_err(offline)?).await
}

/// A response's JSON, or the server's `ErrorBody` when it did not succeed.
async fn answer<T: for<'de> Deserialize<'de>>(resp: reqwest::Response) -> Result<T, CoreError> {
    if resp.status().is_success() {
        return resp.json::<T>().await.map_err(offline);
    }
    Err(failure(resp).await)
}

/// Sends a request whose success has no body: `true` when it succeeded, `false` when the server
/// does not know the route (an older server: 404), else the server's error.
pub(crate) async fn answer_empty(req: reqwest::RequestBuilder) -> Result<bool, CoreError> {
    let resp = req.send().await.map_err(offline)?;
    match resp.status() {
        s if s.is_success() => Ok(true),
        reqwest::StatusCode::NOT_FOUND => Ok(false),
        _ => Err(failure(resp).await),
    }
}

/// The server's `ErrorBody` of a response that did not succeed, as a `CoreError`.
async fn failure(resp: reqwest::Response) -> CoreError {
    let status = resp.status();
    let retry_after =
        resp.headers().get(reqwest::header::RETRY_AFTER).and_then(|v| v.to_str().ok()).and_then(|v| v.trim().parse::<u64>().ok());
    let text = resp.text().await.unwrap_or_default();
    let body = serde_json::from_str::<ErrorBody>(&text).unwrap_or_else(|_| {
        ErrorBody::new("http_error", Message::new(format!("サーバーエラーです（{status}）"), format!("server answered {status}")))
    });
    if status == reqwest::StatusCode::SERVICE_UNAVAILABLE {
        return CoreError::Unavailable {
            retry_after_secs: retry_after.unwrap_or(UNAVAILABLE_RETRY_SECS).clamp(1, 300),
            body: Box::new(body),
        };
    }
    CoreError::Server { status: status.as_u16(), body: Box::new(body) }
}

/// How long to wait after a 503 that did not say (`Retry-After`).
const UNAVAILABLE_RETRY_SECS: u64 = 30;

fn gzip_json<T: Serialize>(value: &T) -> Result<Vec<u8>, CoreError> {
    let json = serde_json::to_vec(value)?;
    let mut enc = flate2::write::GzEncoder::new(Vec::with_capacity(json.len() / 3), flate2::Compression::fast());
    Ok(enc.write_all(&json).and_then(|_| enc.finish())?)
}

/// An authenticated POST of `body` as gzipped JSON.
fn post_gzip_json<T: Serialize>(s: &Session, auth: &str, path: &str, body: &T) -> Result<reqwest::RequestBuilder, CoreError> {
    Ok(http()?
        .post(format!("{}{path}", s.server_url))
        .header("authorization", auth)
        .header("content-type", "application/json")
        .header("content-encoding", "gzip")
        .body(gzip_json(body)?))
}

async fn join_fetch(task: tokio::task::JoinHandle<Result<ChangesResponse, CoreError>>) -> Result<ChangesResponse, CoreError> {
    task.await.map_err(|e| CoreError::step(Message::new("受信の処理が止まりました", "the pull task failed"), e))?
}

/// One page of `/changes` after `since`, for a device holding the buckets of `digest`.
async fn fetch_page(base: String, auth: String, since: i64, digest: String, total: bool) -> Result<ChangesResponse, CoreError> {
    let req = http()?
        .get(format!("{base}/api/v1/changes"))
        .header("authorization", auth)
        .query(&[("since", since), ("limit", PULL_PAGE)])
        .query(&[("buckets", digest.as_str()), ("total", if total { "true" } else { "false" })]);
    send(req).await
}

/// What the feed ended with.
enum Feed {
    /// Everything up to the server's present is on the device.
    Done,
    /// The account's readable children changed: reconcile with these, then ask again.
    AccessChanged(Vec<String>),
}

/// The running total of a pull's progress.
#[derive(Debug, Default)]
struct PullProgress {
    done: u64,
    total: u64,
}

impl PullProgress {
    fn report(&mut self, received: u64, progress: &mut (dyn FnMut(SyncProgress) + Send)) {
        self.done += received;
        self.total = self.total.max(self.done);
        progress(SyncProgress { phase: SyncPhase::Pull, done: self.done, total: self.total });
    }
}

impl Carebook {
    /// Logs this device in. The password is sent once; the device keeps only its own token.
    pub async fn login(&self, server_url: &str, username: &str, password: &str, device_name: &str) -> Result<Session, CoreError> {
        self.login_with(server_url, username, password, None, None, device_name).await
    }

    /// Logs in, replacing a one-time password (`password`) with `new_password` when one is
    /// given (the server refuses a one-time password without one: `password_change_required`),
    /// with `otp`, the authenticator app's code or a recovery code, for an account with a second
    /// factor (without one the server answers `second_factor_required` once the password is
    /// right, and `second_factor_wrong` for a wrong or used code).
    pub async fn login_with(
        &self,
        server_url: &str,
        username: &str,
        password: &str,
        new_password: Option<&str>,
        otp: Option<&str>,
        device_name: &str,
    ) -> Result<Session, CoreError> {
        let base = server_url.trim_end_matches('/').to_string();
        check_server_url(&base)?;
        let req = LoginRequest {
            username: username.into(),
            password: password.into(),
            device_name: device_name.into(),
            new_password: new_password.map(Into::into),
            otp: otp.map(Into::into),
        };
        let resp: LoginResponse = send(http()?.post(format!("{base}/api/v1/login")).json(&req)).await?;
        let session = Session {
            server_url: base,
            token: resp.token,
            device_id: resp.device_id,
            expires_at: resp.expires_at,
            user: resp.user,
            second_factor_enrolment_required: resp.second_factor_enrolment_required,
        };
        let json = serde_json::to_string(&session)?;
        self.store.set_setting(SESSION, &json).await?;
        Ok(session)
    }

    /// Where this account stands with its second factor.
    pub async fn second_factor_status(&self) -> Result<SecondFactorStatus, CoreError> {
        let s = self.session().await?.ok_or(CoreError::NotLoggedIn)?;
        send(http()?.get(format!("{}/api/v1/account/second-factor", s.server_url)).bearer_auth(&s.token)).await
    }

    /// Starts enrolling a second factor: the secret, its URI and QR code for the authenticator
    /// app. Replacing a confirmed one needs the account's `password`.
    pub async fn start_second_factor(&self, password: Option<&str>) -> Result<SecondFactorEnrolment, CoreError> {
        let s = self.session().await?.ok_or(CoreError::NotLoggedIn)?;
        let body = SecondFactorStart { password: password.map(Into::into) };
        send(http()?.post(format!("{}/api/v1/account/second-factor", s.server_url)).bearer_auth(&s.token).json(&body)).await
    }

    /// Confirms the enrolment with the app's code: the recovery codes (shown once). The device's
    /// token then works for everything again.
    pub async fn confirm_second_factor(&self, code: &str) -> Result<RecoveryCodes, CoreError> {
        let mut s = self.session().await?.ok_or(CoreError::NotLoggedIn)?;
        let body = SecondFactorConfirm { code: code.trim().into() };
        let codes: RecoveryCodes =
            send(http()?.post(format!("{}/api/v1/account/second-factor/confirm", s.server_url)).bearer_auth(&s.token).json(&body)).await?;
        if s.second_factor_enrolment_required {
            s.second_factor_enrolment_required = false;
            self.store.set_setting(SESSION, &serde_json::to_string(&s)?).await?;
        }
        Ok(codes)
    }

    /// Removes the account's second factor (accounts that need not have one), with its password.
    pub async fn remove_second_factor(&self, password: &str) -> Result<(), CoreError> {
        let s = self.session().await?.ok_or(CoreError::NotLoggedIn)?;
        let body = SecondFactorRemove { password: password.into() };
        answer_empty(http()?.delete(format!("{}/api/v1/account/second-factor", s.server_url)).bearer_auth(&s.token).json(&body)).await?;
        Ok(())
    }

    /// The current login, if any.
    pub async fn session(&self) -> Result<Option<Session>, CoreError> {
        match self.store.setting(SESSION).await? {
            Some(json) => serde_json::from_str(&json)
                .map(Some)
                .map_err(|e| CoreError::step(Message::new("保存されたログイン情報", "stored session"), e)),
            None => Ok(None),
        }
    }

    /// The sync status line: account, waiting, rejected, last success.
    pub async fn sync_status(&self) -> Result<SyncStatus, CoreError> {
        let session = self.session().await?;
        Ok(SyncStatus {
            server_url: session.as_ref().map(|s| s.server_url.clone()),
            user: session.map(|s| s.user),
            pending: self.store.pending_count().await?,
            rejected: self.store.rejected().await?,
            last_sync_at: self.store.setting(LAST_SYNC).await?,
            cursor: self.cursor().await?,
            removed: self.store.access_removals(removals_since(clock::today_jst()), REMOVALS_SHOWN).await?,
        })
    }

    async fn cursor(&self) -> Result<i64, CoreError> {
        Ok(self.store.setting(CURSOR).await?.and_then(|c| c.parse().ok()).unwrap_or(0))
    }

    /// Pushes every waiting record, then pulls everything new, reporting progress.
    pub async fn sync(&self, progress: &mut (dyn FnMut(SyncProgress) + Send)) -> Result<SyncReport, CoreError> {
        let session = self.session().await?.ok_or(CoreError::NotLoggedIn)?;
        match self.sync_with(&session, progress).await {
            Err(CoreError::Server { status: 401, body }) if body.code == "device_revoked" => {
                let wiped = self.store.wipe_records().await?;
                self.store.remove_settings(&[SESSION, CURSOR, LAST_SYNC, DIRECTORY, DIRECTORY_ETAG, SERVER_EPOCH]).await?;
                Err(CoreError::DeviceRevoked { removed: wiped.removed, kept: wiped.kept })
            }
            other => other,
        }
    }

    async fn sync_with(&self, s: &Session, progress: &mut (dyn FnMut(SyncProgress) + Send)) -> Result<SyncReport, CoreError> {
        check_server_url(&s.server_url)?;
        let mut report = SyncReport::default();
        let auth = format!("Bearer {}", s.token);
        report.resent_after_restore = self.check_epoch(s, &auth).await?;

        // Push: every waiting record, in batches.
        let total = self.store.pending_count().await?.max(0) as u64;
        progress(SyncProgress { phase: SyncPhase::Push, done: 0, total });
        let mut seen = std::collections::HashSet::new();
        loop {
            // Pushed records leave the pending set (accepted or rejected); one changed again
            // during this sync waits for the next one.
            let mut batch: Vec<_> = self.store.pending(PUSH_BATCH).await?.into_iter().filter(|d| !seen.contains(&d.id)).collect();
            if batch.is_empty() {
                break;
            }
            batch.truncate(batch_len(&batch));
            seen.extend(batch.iter().map(|d| d.id.clone()));
            self.push_batch(s, &auth, &batch, &mut report).await?;
            progress(SyncProgress { phase: SyncPhase::Push, done: report.sent, total: total.max(report.sent) });
        }

        // What this device's user opened or exported since the last sync, for the access log.
        report.access_events = self.report_access_events(s, &auth).await?;

        // Pull: the feed, reconciling the buckets whenever the account's access changed.
        let mut pull = PullProgress::default();
        let mut rounds = 0;
        while let Feed::AccessChanged(readable) = self.pull_feed(s, &auth, &mut report, &mut pull, progress).await? {
            rounds += 1;
            if rounds > RECONCILE_ROUNDS {
                return Err(CoreError::Server {
                    status: 409,
                    body: Box::new(ErrorBody::new(
                        "access_changing",
                        Message::new(
                            "同期中にアクセス権が変わり続けています。もう一度同期してください",
                            "access kept changing during the sync; sync again",
                        ),
                    )),
                });
            }
            self.reconcile(s, &auth, &readable, &mut report, &mut pull, progress).await?;
        }
        report.cursor = self.cursor().await?;
        self.refresh_directory(s, &auth).await?;
        self.store.set_setting(LAST_SYNC, &clock::now_jst().to_string()).await?;
        Ok(report)
    }

    /// Compares the server's epoch with the one of the last sync. When it changed (the server
    /// was restored from a backup, which may lack what it accepted since), every record the
    /// server had accepted waits to be pushed again and the pull starts over; returns how many.
    /// The first epoch seen is only kept. A server without epochs (older) changes nothing.
    async fn check_epoch(&self, s: &Session, auth: &str) -> Result<Option<u64>, CoreError> {
        let resp = http()?
            .get(format!("{}/api/v1/epoch", s.server_url))
            .header(reqwest::header::AUTHORIZATION, auth)
            .send()
            .await
            .map_err(offline)?;
        // An older server has no epoch; a revoked device (401) goes on to its push, which hands
        // its unsent records to the office before the device empties itself, and any other 401
        // is the push's to tell.
        if matches!(resp.status(), reqwest::StatusCode::NOT_FOUND | reqwest::StatusCode::UNAUTHORIZED) {
            return Ok(None);
        }
        let ServerEpoch { epoch } = answer(resp).await?;
        match self.store.setting(SERVER_EPOCH).await? {
            Some(known) if known == epoch => Ok(None),
            Some(_) => {
                let resent = self.store.restart_sync(&[CURSOR, DIRECTORY_ETAG, RULE_BOOK_ETAG], SERVER_EPOCH, &epoch).await?;
                tracing::warn!(
                    resent,
                    "the server was restored from a backup: pulling again from the start, pushing back what it had accepted"
                );
                Ok(Some(resent))
            }
            None => {
                self.store.set_setting(SERVER_EPOCH, &epoch).await?;
                Ok(None)
            }
        }
    }

    /// Fetches the organisation's directory and the published settings and templates when they
    /// changed. A server without them (older) or one that fails to send them leaves the copies
    /// held: names and settings wait for the next sync.
    async fn refresh_directory(&self, s: &Session, auth: &str) -> Result<(), CoreError> {
        if let Some(text) = self.fetch_if_changed::<Directory>(s, auth, "/api/v1/directory", DIRECTORY_ETAG).await? {
            self.store.set_setting(DIRECTORY, &text).await?;
        }
        if let Some(text) = self.fetch_if_changed::<RuleBook>(s, auth, "/api/v1/rules", RULE_BOOK_ETAG).await? {
            self.store.set_rule_book(&text).await?;
        }
        Ok(())
    }

    /// GETs `path` with `If-None-Match` holding the ETag kept under `etag_key`: the new JSON
    /// (a `T`; its ETag kept) when it changed, `None` when not (304) or not served.
    async fn fetch_if_changed<T: for<'de> Deserialize<'de>>(
        &self,
        s: &Session,
        auth: &str,
        path: &str,
        etag_key: &str,
    ) -> Result<Option<String>, CoreError> {
        let mut req = http()?.get(format!("{}{path}", s.server_url)).header(reqwest::header::AUTHORIZATION, auth);
        if let Some(etag) = self.store.setting(etag_key).await? {
            req = req.header(reqwest::header::IF_NONE_MATCH, etag);
        }
        let resp = req.send().await.map_err(offline)?;
        if resp.status() != reqwest::StatusCode::OK {
            return Ok(None);
        }
        let etag = resp.headers().get(reqwest::header::ETAG).and_then(|v| v.to_str().ok()).map(str::to_string);
        let text = resp.text().await.map_err(offline)?;
        if serde_json::from_str::<T>(&text).is_err() {
            return Ok(None);
        }
        match etag {
            Some(etag) => self.store.set_setting(etag_key, &etag).await?,
            None => self.store.remove_settings(&[etag_key]).await?,
        }
        Ok(Some(text))
    }

    /// Publishes a version of a municipality's settings (`rules`) or of a checklist template
    /// (`template`) that applies from `effective_from` (office, admin), and takes the published
    /// versions at once, so this device uses it without waiting for the next sync.
    pub async fn publish_rule_version(&self, version: &RuleVersion) -> Result<RuleVersion, CoreError> {
        let s = self.session().await?.ok_or(CoreError::NotLoggedIn)?;
        let auth = format!("Bearer {}", s.token);
        let published: RuleVersion =
            send(http()?.post(format!("{}/api/v1/rules", s.server_url)).header(reqwest::header::AUTHORIZATION, &auth).json(version))
                .await?;
        if let Some(text) = self.fetch_if_changed::<RuleBook>(&s, &auth, "/api/v1/rules", RULE_BOOK_ETAG).await? {
            self.store.set_rule_book(&text).await?;
        }
        Ok(published)
    }

    /// Transfers a child to another station from `request.first_day` (the giving station's
    /// office, or an administrator), after the accompanied handover visit both stations' nurses
    /// signed; takes the directory again at once, so this device lists the transfer without
    /// waiting for the next sync (which brings the change of access).
    pub async fn transfer_child(&self, child_id: ChildId, request: &TransferRequest) -> Result<Transfer, CoreError> {
        let s = self.session().await?.ok_or(CoreError::NotLoggedIn)?;
        let auth = format!("Bearer {}", s.token);
        let url = format!("{}/api/v1/children/{child_id}/transfer", s.server_url);
        let transfer: Transfer = send(http()?.post(url).header(reqwest::header::AUTHORIZATION, &auth).json(request)).await?;
        if let Some(text) = self.fetch_if_changed::<Directory>(&s, &auth, "/api/v1/directory", DIRECTORY_ETAG).await? {
            self.store.set_setting(DIRECTORY, &text).await?;
        }
        Ok(transfer)
    }

    /// The organisation's directory as last synced: every organisation's name and the people
    /// the account works with (empty before the first sync).
    pub async fn directory(&self) -> Result<Directory, CoreError> {
        match self.store.setting(DIRECTORY).await? {
            Some(json) => serde_json::from_str(&json)
                .map_err(|e| CoreError::step(Message::new("保存されている職員・所属の一覧", "stored directory"), e)),
            None => Ok(Directory::default()),
        }
    }

    /// Pushes one batch and marks each record accepted or rejected.
    async fn push_batch(&self, s: &Session, auth: &str, batch: &[PendingDoc], report: &mut SyncReport) -> Result<(), CoreError> {
        let body = PushRequest {
            documents: batch.iter().map(|d| DocPayload { id: d.id.clone(), kind: d.kind, bytes: d.bytes.clone() }).collect(),
        };
        let resp: PushResponse = send(post_gzip_json(s, auth, "/api/v1/push", &body)?).await?;
        report.push_requests += 1;
        for (doc, result) in batch.iter().zip(resp.results) {
            report.sent += 1;
            match result.outcome {
                PushOutcome::Accepted => {
                    report.accepted += 1;
                    self.store.mark_synced(&doc.id, doc.version).await?;
                }
                PushOutcome::Rejected if doc.resend => {
                    // Accepted before the restore; this account may not write it now (the
                    // device that may brings it back): not this device's refusal to show.
                    self.store.mark_not_restored(&doc.id, doc.version).await?;
                }
                PushOutcome::Rejected => {
                    report.rejected += 1;
                    let code = result.code.unwrap_or_else(|| "rejected".into());
                    self.store.mark_rejected(&doc.id, doc.version, &code, result.reason.as_deref().unwrap_or("")).await?;
                }
            }
        }
        Ok(())
    }

    /// Every readable document that changed after the cursor, page by page, as a pipeline: the
    /// next page is asked for while this one is decoded, and decoded while this one is written.
    /// Each page and the cursor after it are written in one transaction. Stops early when the
    /// server says the account's readable children are not the ones the device holds.
    async fn pull_feed(
        &self,
        s: &Session,
        auth: &str,
        report: &mut SyncReport,
        pull: &mut PullProgress,
        progress: &mut (dyn FnMut(SyncProgress) + Send),
    ) -> Result<Feed, CoreError> {
        let buckets = self.store.buckets().await?;
        // A child held in part cannot match any digest the server computes: reconcile first.
        let digest = if buckets.complete.len() == buckets.held.len() {
            buckets_digest(buckets.complete.iter().map(String::as_str))
        } else {
            "incomplete".to_string()
        };
        let cursor = self.cursor().await?;
        let fetch =
            |since: i64, total: bool| tokio::spawn(fetch_page(s.server_url.clone(), auth.to_string(), since, digest.clone(), total));
        let page = join_fetch(fetch(cursor, true)).await?;
        report.pull_requests += 1;
        if let Some(readable) = page.buckets {
            return Ok(Feed::AccessChanged(readable));
        }
        pull.total += page.total.unwrap_or(0).max(0) as u64;
        let mut next = (page.more && !page.documents.is_empty()).then(|| fetch(page.cursor, false));
        let mut current = (self.store.prepare_server_page(page.documents).await?, page.cursor);
        loop {
            let (prepared, page_cursor) = current;
            let received = prepared.len() as u64;
            let cursor_text = page_cursor.to_string();
            let settings = [(CURSOR, cursor_text.as_str())];
            let (written, following) = match next.take() {
                Some(task) => {
                    let page = match join_fetch(task).await {
                        Ok(p) => p,
                        Err(e) => {
                            // Keep what arrived before the failure.
                            self.store.write_server_page(prepared, &settings).await?;
                            return Err(e);
                        }
                    };
                    report.pull_requests += 1;
                    if let Some(readable) = page.buckets {
                        self.store.write_server_page(prepared, &settings).await?;
                        report.received += received;
                        pull.report(received, progress);
                        return Ok(Feed::AccessChanged(readable));
                    }
                    next = (page.more && !page.documents.is_empty()).then(|| fetch(page.cursor, false));
                    let cursor = page.cursor;
                    let (written, decoded) =
                        tokio::join!(self.store.write_server_page(prepared, &settings), self.store.prepare_server_page(page.documents));
                    (written, Some(decoded.map(|d| (d, cursor))))
                }
                None => (self.store.write_server_page(prepared, &settings).await, None),
            };
            let merged = match written {
                Ok(m) => m,
                Err(e) => {
                    if let Some(task) = next.take() {
                        task.abort();
                    }
                    return Err(e);
                }
            };
            warn_refused(&merged);
            report.received += received;
            pull.report(received, progress);
            match following {
                Some(f) => current = f?,
                None => return Ok(Feed::Done),
            }
        }
    }

    /// Brings the device's buckets to `readable`: children no longer readable leave the device
    /// (their waiting edits pushed first: accepted, or refused into the server's quarantine);
    /// children newly readable get every record up to the cursor.
    async fn reconcile(
        &self,
        s: &Session,
        auth: &str,
        readable: &[String],
        report: &mut SyncReport,
        pull: &mut PullProgress,
        progress: &mut (dyn FnMut(SyncProgress) + Send),
    ) -> Result<(), CoreError> {
        let buckets = self.store.buckets().await?;
        let readable_set: std::collections::HashSet<&str> = readable.iter().map(String::as_str).collect();
        let gone: Vec<String> = buckets.held.iter().filter(|c| !readable_set.contains(c.as_str())).cloned().collect();
        if !gone.is_empty() {
            let mut waiting = &self.store.pending_of(&gone).await?[..];
            while !waiting.is_empty() {
                let n = batch_len(waiting);
                self.push_batch(s, auth, &waiting[..n], report).await?;
                waiting = &waiting[n..];
            }
            let removed = self.store.remove_children(&gone).await?;
            for r in &removed {
                tracing::info!(
                    records = r.records,
                    quarantined = r.quarantined,
                    "records of a child the account may no longer read removed"
                );
            }
            report.removed.extend(removed);
        }
        let complete: std::collections::HashSet<&str> = buckets.complete.iter().map(String::as_str).collect();
        let new: Vec<String> = readable.iter().filter(|c| !complete.contains(c.as_str())).cloned().collect();
        let upto = self.cursor().await?;
        for children in new.chunks(CATCH_UP_MAX_CHILDREN) {
            // With the cursor at 0 the feed brings everything anyway.
            if upto > 0 {
                self.catch_up(s, auth, children, upto, report, pull, progress).await?;
            }
            self.store.set_buckets_complete(children).await?;
        }
        Ok(())
    }

    /// Every record of `children` with a server sequence number up to `upto`, page by page.
    #[allow(clippy::too_many_arguments)]
    async fn catch_up(
        &self,
        s: &Session,
        auth: &str,
        children: &[String],
        upto: i64,
        report: &mut SyncReport,
        pull: &mut PullProgress,
        progress: &mut (dyn FnMut(SyncProgress) + Send),
    ) -> Result<(), CoreError> {
        // What comes is theirs: a visit of a child held by its own-records bucket is not taken
        // for a bucket of the whole child.
        self.store.hold_buckets(children).await?;
        let children = children.iter().map(|b| carebook_domain::bucket_child(b).to_string()).collect();
        let mut req = CatchUpRequest { children, upto, after: None, limit: Some(PULL_PAGE), max_bytes: None, total: true };
        loop {
            let page: CatchUpResponse = send(post_gzip_json(s, auth, "/api/v1/changes/catch-up", &req)?).await?;
            report.pull_requests += 1;
            pull.total += page.total.unwrap_or(0).max(0) as u64;
            let received = page.documents.len() as u64;
            let merged = self.store.merge_server_page(page.documents, &[]).await?;
            warn_refused(&merged);
            report.received += received;
            report.caught_up += received;
            pull.report(received, progress);
            match page.next {
                Some(next) => {
                    req.after = Some(next);
                    req.total = false;
                }
                None => return Ok(()),
            }
        }
    }
}

/// The first day whose removals the status still lists.
fn removals_since(today: carebook_domain::Date) -> carebook_domain::Date {
    carebook_domain::Date::from_days_since_epoch(today.days_since_epoch() - REMOVALS_DAYS)
}

/// A server copy that cannot merge with local edits: the local record stays as it is (nothing
/// lost); the next local change pushes it for the server to judge.
fn warn_refused(merged: &crate::store::PageMerge) {
    for (id, e) in &merged.refused {
        tracing::warn!(record = %id, error = %e, "server document not merged");
    }
}

/// What the background loop last did.
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize)]
pub struct LoopStatus {
    /// A sync is running.
    pub syncing: bool,
    /// Progress of the running sync.
    pub progress: Option<SyncProgress>,
    /// Last successful sync (JST).
    pub last_success_at: Option<DateTime>,
    /// The last sync's report.
    pub last_report: Option<SyncReport>,
    /// The last failure (offline, server error), cleared by a success.
    pub last_error: Option<ErrorBody>,
    /// Failures in a row.
    pub failures: u32,
}

/// The wait before the next attempt: `every` after a success, doubling per failure up to `max`
/// (the one back-off shape, with no free failures).
pub fn backoff(every: Duration, failures: u32, max: Duration) -> Duration {
    carebook_domain::backoff::Backoff { free: 0, first: every, max }.wait(u64::from(failures))
}

/// The app's background sync.
#[derive(Debug)]
pub struct SyncLoop {
    status: watch::Receiver<LoopStatus>,
    wake: std::sync::Arc<Notify>,
    task: tokio::task::JoinHandle<()>,
}

impl SyncLoop {
    /// Starts syncing now and then every `every` (backing off up to 5 minutes while failing).
    pub fn spawn(app: Carebook, every: Duration) -> SyncLoop {
        let (tx, rx) = watch::channel(LoopStatus::default());
        let wake = std::sync::Arc::new(Notify::new());
        let woken = wake.clone();
        let task = tokio::spawn(async move {
            loop {
                tx.send_modify(|s| s.syncing = true);
                let progress_tx = tx.clone();
                let mut on_progress = move |p: SyncProgress| progress_tx.send_modify(|s| s.progress = Some(p));
                let result = app.sync(&mut on_progress).await;
                let stop = matches!(result, Err(CoreError::NotLoggedIn | CoreError::DeviceRevoked { .. }));
                tx.send_modify(|s| {
                    s.syncing = false;
                    s.progress = None;
                    match &result {
                        Ok(report) => {
                            s.failures = 0;
                            s.last_error = None;
                            s.last_success_at = Some(clock::now_jst());
                            s.last_report = Some(report.clone());
                        }
                        Err(e) => {
                            s.failures = s.failures.saturating_add(1);
                            s.last_error = Some(e.to_body());
                        }
                    }
                });
                if stop {
                    break;
                }
                // What the sync received becomes searchable by its notes (read from the documents
                // after the sync, so the sync itself reads no more than the index needs). A failure
                // here leaves the backlog for the next round; search still finds names and dates.
                if result.is_ok() {
                    if let Err(e) = app.index_search_backlog().await {
                        tracing::warn!(code = e.code(), "indexing received visits for search failed; retried after the next sync");
                    }
                }
                // A server that is unavailable for now (503) says when to come back: the loop
                // waits that long rather than the growing back-off; the records wait meanwhile.
                let wait = match &result {
                    Err(CoreError::Unavailable { retry_after_secs, .. }) => Duration::from_secs(*retry_after_secs),
                    _ => backoff(every, tx.borrow().failures, Duration::from_secs(300)),
                };
                tokio::select! {
                    _ = tokio::time::sleep(wait) => {}
                    _ = woken.notified() => {}
                }
            }
        });
        SyncLoop { status: rx, wake, task }
    }

    /// The latest status.
    pub fn status(&self) -> LoopStatus {
        self.status.borrow().clone()
    }

    /// A receiver that sees every status change.
    pub fn watch(&self) -> watch::Receiver<LoopStatus> {
        self.status.clone()
    }

    /// Syncs now instead of waiting (after a local change, or when the network returns).
    pub fn sync_now(&self) {
        self.wake.notify_one();
    }

    /// Stops the loop.
    pub fn stop(self) {
        self.task.abort();
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn https_is_taken_and_http_only_to_this_machine() {
        for ok in [
            "https://carebook.example.jp",
            "https://10.0.0.5:8443",
            "http://localhost:8080",
            "http://127.0.0.1:9",
            "http://127.9.9.9",
            "http://[::1]:80",
        ] {
            assert!(check_server_url(ok).is_ok(), "{ok}");
        }
        let code = |url: &str| match check_server_url(url) {
            Err(CoreError::Invalid(p)) => (p.0[0].field.clone(), p.0[0].code.clone(), p.0[0].en.clone()),
            other => panic!("{url}: {other:?}"),
        };
        for insecure in [
            "http://carebook.example.jp",
            "http://10.0.0.5:8080",
            "http://192.0.2.1",
            "http://[2001:db8::1]",
            "http://localhost.example.jp",
        ] {
            let (field, code, en) = code(insecure);
            assert_eq!((field.as_str(), code.as_str()), ("server", "insecure_url"), "{insecure}");
            assert!(en.contains("https://") && en.contains(insecure), "{en}");
        }
        assert_eq!(code("ftp://carebook.example.jp").1, "url");
        assert_eq!(code("carebook.example.jp").1, "url");
    }

    #[test]
    fn removals_are_listed_for_two_weeks() {
        let today: carebook_domain::Date = "2026-12-02".parse().unwrap();
        assert_eq!(removals_since(today).to_string(), "2026-11-18");
        // A removal stamped at any time on that day sorts after the day itself.
        assert!("2026-11-18T00:00" >= removals_since(today).to_string().as_str());
        assert!("2026-11-17T23:59" < removals_since(today).to_string().as_str());
    }

    #[test]
    fn a_push_batch_takes_one_document_at_least_then_stays_within_its_bytes() {
        assert_eq!(fit_bytes([], 10), 0);
        assert_eq!(fit_bytes([25, 1], 10), 1, "a document larger than a batch goes alone");
        assert_eq!(fit_bytes([4, 6, 1], 10), 2);
        assert_eq!(fit_bytes([1; 7], 10), 7);
    }

    #[test]
    fn a_push_batch_stays_within_its_inflated_bytes_too() {
        let doc = |mib| PendingDoc {
            id: "x".into(),
            kind: carebook_domain::RecordKind::Visit,
            bytes: carebook_domain::bounds::bombs::compressed_change(mib),
            version: 1,
            resend: false,
        };
        // 30 KiB or so as sent, 20 MiB each once inflated: three fit in 64 MiB, not four.
        let batch: Vec<PendingDoc> = (0..5).map(|_| doc(20)).collect();
        assert!(batch.iter().map(|d| d.bytes.len()).sum::<usize>() < 200_000);
        assert_eq!(batch_len(&batch), 3);
        assert_eq!(batch_len(&batch[..1]), 1);
    }

    #[test]
    fn back_off_doubles_per_failure_and_stops_at_the_maximum() {
        let s = Duration::from_secs;
        assert_eq!(backoff(s(30), 0, s(300)), s(30));
        assert_eq!(backoff(s(30), 1, s(300)), s(60));
        assert_eq!(backoff(s(30), 3, s(300)), s(240));
        assert_eq!(backoff(s(30), 4, s(300)), s(300));
        assert_eq!(backoff(s(30), 40, s(300)), s(300));
    }
}
