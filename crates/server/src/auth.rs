//! Passwords (Argon2id), device tokens (32 random bytes, only their SHA-256 kept), the login
//! back-off, and the bearer check every `/api` route but login goes through.

use std::net::IpAddr;

use argon2::password_hash::phc::{Output, PasswordHash};
use argon2::password_hash::PasswordHasher;
use argon2::{Algorithm, Argon2, Block, Params, Version};
use axum::extract::FromRequestParts;
use axum::http::header::AUTHORIZATION;
use axum::http::request::Parts;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use base64::Engine;
use carebook_domain::{password, LoginRequest, LoginResponse, UserInfo};
use sha2::{Digest, Sha256};

use crate::access::Caller;
use crate::config::Config;
use crate::error::{Error, Result};
use crate::http::{ApiError, AppState};
use crate::storage::{unix_now, unix_now_ms, Storage};

/// The window failures count in: a key quiet this long starts again from zero.
pub(crate) const FAILURE_WINDOW_MS: i64 = 15 * 60 * 1000;
/// The first back-off, doubled with each further failure.
pub(crate) const FIRST_BACKOFF_MS: i64 = 1000;
/// The longest back-off.
pub(crate) const MAX_BACKOFF_MS: i64 = 15 * 60 * 1000;
/// `last_seen` is written at most this often per device.
const LAST_SEEN_EVERY_SECS: i64 = 60;

/// Argon2id with the crate's default parameters and a random salt, as a PHC string (accounts
/// made by operators; logins verify on the [`Hasher`]'s threads).
pub(crate) async fn hash_password(password: String) -> Result<String> {
    tokio::task::spawn_blocking(move || {
        Argon2::default().hash_password(password.as_bytes()).map(|h| h.to_string()).map_err(|e| Error::PasswordHash(e.to_string()))
    })
    .await?
}

/// What an unknown user name is checked against, so that answering takes as long: a PHC string
/// with the parameters every account gets (Argon2id, m = 19456 KiB, t = 2, p = 1) and an
/// output of zeros, which no password hashes to.
const DUMMY_HASH: &str = "$argon2id$v=19$m=19456,t=2,p=1$c2FsdHNhbHRzYWx0c2FsdA$AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA";

/// The most Argon2 memory one check may take, in 1 KiB blocks: four times what the accounts'
/// hashes ask for today. A stored hash asking for more never matches (and is logged).
const MAX_BLOCKS: usize = 4 * 19 * 1024;

/// Whether `password` matches the stored PHC string, computed in `memory` (a hashing thread's
/// own, kept for its life, so no check allocates its 19 MiB anew: freed and allocated again,
/// such blocks stay in glibc's per-thread arenas and the process grows with every check). A
/// hash that does not parse never matches.
fn verify_in(memory: &mut Vec<Block>, password: &str, hash: &str) -> bool {
    let Ok(parsed) = PasswordHash::new(hash) else { return false };
    let (Some(salt), Some(expected)) = (&parsed.salt, &parsed.hash) else { return false };
    let Ok(algorithm) = Algorithm::try_from(parsed.algorithm.as_str()) else { return false };
    let Ok(version) = parsed.version.map(Version::try_from).transpose() else { return false };
    let Ok(params) = Params::try_from(&parsed) else { return false };
    let blocks = params.block_count();
    if blocks > MAX_BLOCKS {
        tracing::error!(blocks, "a stored password hash asks for more memory than allowed");
        return false;
    }
    if memory.len() < blocks {
        memory.resize(blocks, Block::default());
    }
    let mut out = [0u8; 64];
    let Some(out) = out.get_mut(..expected.len()) else { return false };
    let argon2 = Argon2::new(algorithm, version.unwrap_or_default(), params);
    if argon2.hash_password_into_with_memory(password.as_bytes(), salt.as_ref(), out, &mut memory[..blocks]).is_err() {
        return false;
    }
    // `Output` compares in constant time.
    Output::new(out).is_ok_and(|computed| &computed == expected)
}

type Job = Box<dyn FnOnce(&mut Vec<Block>) + Send>;

/// Password checks off the async workers, bounded twice: `threads` threads of their own, each
/// with its Argon2id memory (19 MiB) allocated once, take jobs from a queue of at most `queue`;
/// a login that finds the queue full is answered 503 at once. So logins never hold more than
/// `threads` × 19 MiB, however many arrive.
#[derive(Debug, Clone)]
pub(crate) struct Hasher {
    jobs: std::sync::mpsc::SyncSender<Job>,
}

/// The hashing queue is full.
#[derive(Debug)]
pub(crate) struct Busy;

impl Hasher {
    /// Starts the threads; they end when the last clone of the hasher is dropped.
    pub(crate) fn start(threads: usize, queue: usize) -> Hasher {
        let (jobs, rx) = std::sync::mpsc::sync_channel::<Job>(queue);
        let rx = std::sync::Arc::new(std::sync::Mutex::new(rx));
        for i in 0..threads.max(1) {
            let rx = rx.clone();
            let spawned = std::thread::Builder::new().name(format!("carebook-hash-{i}")).spawn(move || {
                let mut memory = Vec::new();
                loop {
                    let job = match rx.lock() {
                        Ok(rx) => rx.recv(),
                        Err(_) => return,
                    };
                    match job {
                        Ok(job) => {
                            let _ = std::panic::catch_unwind(std::panic::AssertUnwindSafe(|| job(&mut memory)));
                        }
                        Err(_) => return,
                    }
                }
            });
            if let Err(e) = spawned {
                tracing::error!(error = %e, "cannot start a password hashing thread");
            }
        }
        Hasher { jobs }
    }

    /// Whether `password` matches `hash` (`None`: an unknown user name, checked as long against
    /// a dummy and never matching), on a hashing thread; [`Busy`] when the queue is full
    /// (nothing was checked).
    pub(crate) async fn verify(&self, password: String, hash: Option<String>) -> Result<Result<bool, Busy>> {
        let (tx, rx) = tokio::sync::oneshot::channel();
        let job: Job = Box::new(move |memory| {
            let ok = match &hash {
                Some(hash) => verify_in(memory, &password, hash),
                None => {
                    let _ = verify_in(memory, &password, DUMMY_HASH);
                    false
                }
            };
            let _ = tx.send(ok);
        });
        match self.jobs.try_send(job) {
            Ok(()) => {}
            Err(std::sync::mpsc::TrySendError::Full(_)) => return Ok(Err(Busy)),
            Err(std::sync::mpsc::TrySendError::Disconnected(_)) => {
                return Err(Error::PasswordHash("no password hashing thread is running".into()))
            }
        }
        rx.await.map(Ok).map_err(|_| Error::PasswordHash("a password hashing thread failed".into()))
    }
}

/// A new device token and the SHA-256 the server keeps of it.
fn new_token() -> Result<(String, Vec<u8>)> {
    let mut bytes = [0u8; 32];
    getrandom::fill(&mut bytes).map_err(|e| Error::PasswordHash(format!("no randomness for a token: {e}")))?;
    let token = URL_SAFE_NO_PAD.encode(bytes);
    let hash = token_hash(&token);
    Ok((token, hash))
}

fn token_hash(token: &str) -> Vec<u8> {
    Sha256::digest(token.as_bytes()).to_vec()
}

/// How long the next attempt under a key waits after `failures` counted attempts: nothing
/// below `free`, then [`FIRST_BACKOFF_MS`], doubling with each further failure, at most
/// [`MAX_BACKOFF_MS`].
pub(crate) fn backoff_ms(failures: i64, free: i64) -> i64 {
    if failures < free {
        return 0;
    }
    let doublings = (failures - free).min(40) as u32;
    FIRST_BACKOFF_MS.saturating_mul(1i64 << doublings).min(MAX_BACKOFF_MS)
}

/// [`backoff_ms`] as an SQL expression of the count `n` and the free failures `free` (both SQL
/// expressions), for the one statement that counts an attempt: a `CASE` over each doubling up
/// to the longest back-off. Written for SQLite and PostgreSQL alike.
pub(crate) fn backoff_sql(n: &str, free: &str) -> String {
    let mut sql = format!("CASE WHEN {n} < {free} THEN 0");
    let mut over = 0;
    while backoff_ms(over, 0) < MAX_BACKOFF_MS {
        sql.push_str(&format!(" WHEN {n} = {free} + {over} THEN {}", backoff_ms(over, 0)));
        over += 1;
    }
    sql.push_str(&format!(" ELSE {MAX_BACKOFF_MS} END"));
    sql
}

/// The client address as the back-off keys it: an IPv4 address whole (also when it comes
/// mapped into IPv6), an IPv6 address by its /64 network (what one subscriber usually holds).
pub(crate) fn client_key(ip: IpAddr) -> String {
    match ip {
        IpAddr::V4(v4) => v4.to_string(),
        IpAddr::V6(v6) => match v6.to_ipv4_mapped() {
            Some(v4) => v4.to_string(),
            None => {
                let s = v6.segments();
                format!("{:x}:{:x}:{:x}:{:x}::/64", s[0], s[1], s[2], s[3])
            }
        },
    }
}

/// The login back-off's two keys for one attempt: the client address (every user name), and
/// the user name from that address.
fn attempt_keys(client: &str, username: &str) -> (String, String) {
    (format!("a|{client}"), format!("u|{client}|{username}"))
}

/// Checks a password and gives the device a token of its own.
///
/// Each attempt is counted before its password is checked, under two keys: the client address
/// with the user name (`login_free_failures` free), and the client address alone
/// (`login_address_free_failures` free, whatever the names). Past the free ones a key waits 1 s
/// from its last failure, doubling with each further failure up to 15 minutes, and is forgiven
/// after 15 quiet minutes; a refused attempt is not counted. So a guesser slows down only itself: the nurse logging in
/// from her own tablet is not affected, and a device that holds a token never comes here. A
/// right password clears its name's key and gives back its count on the address.
pub(crate) async fn login(
    storage: &Storage,
    hasher: &Hasher,
    config: &Config,
    client: Option<IpAddr>,
    req: LoginRequest,
) -> Result<LoginResponse, ApiError> {
    let username = req.username.trim();
    if username.is_empty() || username.len() > 64 || req.password.is_empty() || req.password.len() > password::MAX_BYTES {
        return Err(ApiError::bad_request("ユーザー名とパスワードを入力してください / username and password are required"));
    }
    let device_name = req.device_name.trim();
    if device_name.chars().count() > 200 {
        return Err(ApiError::bad_request("端末名が長すぎます / the device name is longer than 200 characters"));
    }
    let client = match client {
        Some(ip) => client_key(ip),
        None => {
            tracing::error!("login without the client's address: every such login shares one back-off");
            "unknown".to_string()
        }
    };
    let (address_key, name_key) = attempt_keys(&client, username);
    let (free_name, free_address) = (config.login_free_failures, config.login_address_free_failures);
    let now_ms = unix_now_ms();
    let window_start = now_ms - FAILURE_WINDOW_MS;
    if let Some(wait) = storage.login_wait([(&address_key, free_address), (&name_key, free_name)], now_ms, window_start).await? {
        tracing::warn!(username, client, "login refused: too many failed attempts");
        return Err(ApiError::too_many_attempts(wait));
    }
    if let Some(wait) = storage.reserve_login_attempt(&address_key, now_ms, window_start, free_address).await? {
        tracing::warn!(client, "login refused: too many failed attempts from this address");
        return Err(ApiError::too_many_attempts(wait));
    }
    if let Some(wait) = storage.reserve_login_attempt(&name_key, now_ms, window_start, free_name).await? {
        storage.refund_login_attempt(&address_key, free_address).await?;
        tracing::warn!(username, client, "login refused: too many failed attempts");
        return Err(ApiError::too_many_attempts(wait));
    }
    let user = storage.user_for_login(username).await?;
    let hash = user.as_ref().map(|u| u.password_hash.clone());
    let ok = match hasher.verify(req.password, hash).await? {
        Ok(ok) => ok && user.is_some(),
        Err(Busy) => {
            storage.refund_login_attempt(&name_key, free_name).await?;
            storage.refund_login_attempt(&address_key, free_address).await?;
            tracing::warn!(client, "login refused: the password checks are busy");
            return Err(ApiError::busy(LOGIN_BUSY_RETRY_SECS));
        }
    };
    let Some(user) = user.filter(|_| ok) else {
        let failed_at = unix_now_ms();
        storage.restart_login_backoff(&name_key, failed_at, free_name).await?;
        storage.restart_login_backoff(&address_key, failed_at, free_address).await?;
        storage.prune_login_attempts(window_start).await?;
        tracing::info!(username, client, "login failed");
        return Err(ApiError::unauthorized("unauthorized", "ユーザー名またはパスワードが違います / wrong username or password"));
    };
    storage.clear_login_attempts(&name_key).await?;
    storage.refund_login_attempt(&address_key, free_address).await?;
    let (token, hash) = new_token()?;
    let now = unix_now();
    let expires_at = now.saturating_add(config.token_ttl_days.saturating_mul(86_400));
    let name = if device_name.is_empty() { "(unnamed)" } else { device_name };
    let device_id = storage.create_device(&user.id, name, &hash, now, expires_at).await?;
    tracing::info!(username = %user.username, device_id, "login");
    Ok(LoginResponse {
        token,
        device_id,
        expires_at,
        user: UserInfo { id: user.id, username: user.username, role: user.role, org_id: user.org_id },
    })
}

/// What a login that found the password checks busy is told to wait.
const LOGIN_BUSY_RETRY_SECS: i64 = 2;

/// The account and device behind a bearer token.
pub(crate) async fn authenticate(storage: &Storage, token: &str) -> Result<Caller, ApiError> {
    let unknown = || ApiError::unauthorized("unauthorized", "認証されていません / unknown or missing token");
    if token.is_empty() || token.len() > 256 {
        return Err(unknown());
    }
    let Some(d) = storage.device_by_token(&token_hash(token)).await? else {
        return Err(unknown());
    };
    if d.revoked_at.is_some() {
        return Err(ApiError::unauthorized("device_revoked", "この端末は無効にされています / this device has been revoked"));
    }
    let now = unix_now();
    if now >= d.expires_at {
        return Err(ApiError::unauthorized(
            "token_expired",
            "ログインの有効期限が切れました。もう一度ログインしてください / the token has expired; log in again",
        ));
    }
    if d.last_seen.is_none_or(|seen| now - seen >= LAST_SEEN_EVERY_SECS) {
        storage.touch_device(&d.device_id, now).await?;
    }
    Ok(Caller { user_id: d.user_id, username: d.username, role: d.role, org_id: d.org_id, device_id: d.device_id })
}

impl FromRequestParts<AppState> for Caller {
    type Rejection = ApiError;

    async fn from_request_parts(parts: &mut Parts, state: &AppState) -> Result<Self, Self::Rejection> {
        let token = parts
            .headers
            .get(AUTHORIZATION)
            .and_then(|v| v.to_str().ok())
            .and_then(|v| v.strip_prefix("Bearer ").or_else(|| v.strip_prefix("bearer ")))
            .map(str::trim)
            .unwrap_or_default();
        authenticate(&state.storage, token).await
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn five_failures_are_free_then_the_wait_doubles_up_to_fifteen_minutes() {
        assert_eq!((backoff_ms(4, 5), backoff_ms(5, 5), backoff_ms(6, 5), backoff_ms(7, 5)), (0, 1000, 2000, 4000));
        assert_eq!(backoff_ms(14, 5), 512_000);
        assert_eq!(backoff_ms(15, 5), MAX_BACKOFF_MS, "1024 s would pass 15 minutes");
        assert_eq!(backoff_ms(500, 5), MAX_BACKOFF_MS);
        assert_eq!((backoff_ms(19, 20), backoff_ms(20, 20), backoff_ms(21, 20)), (0, 1000, 2000));
    }

    /// Evaluates the SQL `CASE` the way a database would, for whole numbers.
    fn eval_case(sql: &str, n: i64, free: i64) -> i64 {
        let body = sql.strip_prefix("CASE ").and_then(|s| s.strip_suffix(" END")).unwrap();
        let (whens, otherwise) = body.rsplit_once(" ELSE ").unwrap();
        for when in whens.split("WHEN ").filter(|w| !w.trim().is_empty()) {
            let (cond, then) = when.trim().split_once(" THEN ").unwrap();
            let hit = if let Some(rhs) = cond.strip_prefix("n < ") {
                assert_eq!(rhs, "f");
                n < free
            } else {
                let over: i64 = cond.strip_prefix("n = f + ").unwrap().parse().unwrap();
                n == free + over
            };
            if hit {
                return then.trim().parse().unwrap();
            }
        }
        otherwise.parse().unwrap()
    }

    #[test]
    fn the_sql_back_off_is_the_same_arithmetic() {
        let sql = backoff_sql("n", "f");
        for free in [1, 5, 20] {
            for n in 0..60 {
                assert_eq!(eval_case(&sql, n, free), backoff_ms(n, free), "n = {n}, free = {free}");
            }
        }
    }

    #[test]
    fn addresses_are_keyed_whole_for_ipv4_and_by_network_for_ipv6() {
        let ip = |s: &str| s.parse::<IpAddr>().unwrap();
        assert_eq!(client_key(ip("127.0.0.2")), "127.0.0.2");
        assert_eq!(client_key(ip("::ffff:192.0.2.7")), "192.0.2.7");
        assert_eq!(client_key(ip("2001:db8:1:2:aaaa::1")), "2001:db8:1:2::/64");
        assert_eq!(client_key(ip("2001:db8:1:2:bbbb::9")), client_key(ip("2001:db8:1:2:aaaa::1")));
        assert_ne!(client_key(ip("2001:db8:1:3::1")), client_key(ip("2001:db8:1:2::1")));
        let (a, u) = attempt_keys("127.0.0.2", "nurse-a");
        assert_eq!((a.as_str(), u.as_str()), ("a|127.0.0.2", "u|127.0.0.2|nurse-a"));
    }

    #[test]
    fn the_dummy_hash_costs_what_an_account_check_costs_and_nothing_matches_it() {
        let dummy = PasswordHash::new(DUMMY_HASH).unwrap();
        let real = Argon2::default().hash_password(b"kakuu-hana-12").unwrap().to_string();
        let real = PasswordHash::new(&real).unwrap();
        assert_eq!((dummy.algorithm, dummy.version, dummy.params.clone()), (real.algorithm, real.version, real.params.clone()));
        let mut memory = Vec::new();
        assert!(!verify_in(&mut memory, "not-a-real-password", DUMMY_HASH));
        assert_eq!(memory.len(), 19 * 1024, "the check ran in full");
    }

    #[test]
    fn a_check_in_kept_memory_agrees_with_the_crate_and_never_grows_it_again() {
        let hash = Argon2::default().hash_password(b"kakuu-hana-12").unwrap().to_string();
        let mut memory = Vec::new();
        assert!(verify_in(&mut memory, "kakuu-hana-12", &hash));
        let kept = memory.as_ptr();
        assert!(!verify_in(&mut memory, "kakuu-hana-13", &hash));
        assert!(!verify_in(&mut memory, "", &hash));
        assert!(!verify_in(&mut memory, "kakuu-hana-12", "not a hash"));
        assert!(verify_in(&mut memory, "kakuu-hana-12", &hash));
        assert_eq!(memory.as_ptr(), kept, "the same memory every time");
        // Other parameters are read from the hash itself.
        let light = Argon2::new(Algorithm::Argon2id, Version::V0x13, Params::new(1024, 1, 1, None).unwrap());
        let light = light.hash_password(b"kakuu-hana-12").unwrap().to_string();
        assert!(verify_in(&mut memory, "kakuu-hana-12", &light));
        assert!(!verify_in(&mut memory, "kakuu-hana-1", &light));
        let greedy = Argon2::new(Algorithm::Argon2id, Version::V0x13, Params::new(5 * 19 * 1024, 1, 1, None).unwrap());
        let greedy = greedy.hash_password(b"kakuu-hana-12").unwrap().to_string();
        assert!(!verify_in(&mut memory, "kakuu-hana-12", &greedy), "more memory than allowed never matches");
        assert_eq!(memory.len(), 19 * 1024);
    }

    #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
    async fn the_hasher_checks_on_its_threads_and_says_busy_when_its_queue_is_full() {
        let hash = Argon2::default().hash_password(b"kakuu-hana-12").unwrap().to_string();
        let hasher = Hasher::start(1, 1);
        assert!(hasher.verify("kakuu-hana-12".into(), Some(hash.clone())).await.unwrap().unwrap());
        assert!(!hasher.verify("kakuu-hana-13".into(), Some(hash.clone())).await.unwrap().unwrap());
        assert!(!hasher.verify("not-a-real-password, never matched".into(), None).await.unwrap().unwrap(), "an unknown name never matches");
        // One thread, a queue of one: of many at once, some are refused straight away, and every
        // one that was taken is answered.
        let tasks: Vec<_> = (0..8)
            .map(|_| {
                let (hasher, hash) = (hasher.clone(), hash.clone());
                tokio::spawn(async move { hasher.verify("kakuu-hana-12".into(), Some(hash)).await.unwrap() })
            })
            .collect();
        let (mut busy, mut checked) = (0, 0);
        for t in tasks {
            match t.await.unwrap() {
                Ok(true) => checked += 1,
                Ok(false) => panic!("the right password did not match"),
                Err(Busy) => busy += 1,
            }
        }
        assert_eq!(busy + checked, 8);
        assert!(busy >= 1 && checked >= 1, "busy {busy}, checked {checked}");
    }

    #[test]
    fn tokens_are_43_url_safe_characters_and_only_their_hash_is_kept() {
        let (t, h) = new_token().unwrap();
        assert_eq!(t.len(), 43);
        assert!(t.bytes().all(|b| b.is_ascii_alphanumeric() || b == b'-' || b == b'_'));
        assert_eq!(h, token_hash(&t));
        assert_ne!(new_token().unwrap().0, t);
    }
}
