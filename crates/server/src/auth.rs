//! Passwords (Argon2id), device tokens (32 random bytes, only their SHA-256 kept), the login
//! back-off, and the bearer check every `/api` route but login goes through.

use std::sync::OnceLock;

use argon2::password_hash::phc::PasswordHash;
use argon2::password_hash::{PasswordHasher, PasswordVerifier};
use argon2::Argon2;
use axum::extract::FromRequestParts;
use axum::http::header::AUTHORIZATION;
use axum::http::request::Parts;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use base64::Engine;
use carebook_domain::{LoginRequest, LoginResponse, UserInfo};
use sha2::{Digest, Sha256};

use crate::access::Caller;
use crate::error::{Error, Result};
use crate::http::{ApiError, AppState};
use crate::storage::{unix_now, unix_now_ms, Failures, Storage};

/// Failures allowed within [`FAILURE_WINDOW_MS`] before logins are refused for a while.
pub(crate) const FREE_FAILURES: i64 = 5;
/// The window the free failures count in, and how long a quiet username takes to be forgiven.
pub(crate) const FAILURE_WINDOW_MS: i64 = 15 * 60 * 1000;
/// The longest back-off.
pub(crate) const MAX_BACKOFF_MS: i64 = 15 * 60 * 1000;
/// `last_seen` is written at most this often per device.
const LAST_SEEN_EVERY_SECS: i64 = 60;

/// Argon2id with the crate's default parameters and a random salt, as a PHC string.
pub(crate) async fn hash_password(password: String) -> Result<String> {
    tokio::task::spawn_blocking(move || {
        Argon2::default().hash_password(password.as_bytes()).map(|h| h.to_string()).map_err(|e| Error::PasswordHash(e.to_string()))
    })
    .await?
}

/// Whether `password` matches the stored PHC string. A hash that does not parse never matches.
async fn verify_password(password: String, hash: String) -> Result<bool> {
    Ok(tokio::task::spawn_blocking(move || {
        PasswordHash::new(&hash).is_ok_and(|parsed| Argon2::default().verify_password(password.as_bytes(), &parsed).is_ok())
    })
    .await?)
}

/// A hash to verify against when the username does not exist, so that answering takes as long.
async fn dummy_hash() -> Result<String> {
    static DUMMY: OnceLock<String> = OnceLock::new();
    if let Some(h) = DUMMY.get() {
        return Ok(h.clone());
    }
    let h = hash_password("not-a-real-password".into()).await?;
    Ok(DUMMY.get_or_init(|| h).clone())
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

/// How long to refuse logins after `failures` failures: nothing up to [`FREE_FAILURES`], then
/// 1 s, doubling with each further failure, at most [`MAX_BACKOFF_MS`].
pub(crate) fn backoff_ms(failures: i64) -> i64 {
    if failures < FREE_FAILURES {
        return 0;
    }
    let doublings = (failures - FREE_FAILURES).min(30) as u32;
    (1000i64 << doublings).min(MAX_BACKOFF_MS)
}

/// Milliseconds until a login for this username may be tried again, if it must wait.
pub(crate) fn wait_ms(f: &Failures, now_ms: i64) -> Option<i64> {
    if f.failures < FREE_FAILURES || now_ms - f.last_ms >= FAILURE_WINDOW_MS {
        return None;
    }
    let until = f.last_ms + backoff_ms(f.failures);
    (now_ms < until).then_some(until - now_ms)
}

/// The failure record after one more failure at `now_ms`. Failures count within a window from
/// the first; once refusing, the count keeps growing until the username has been quiet a window.
pub(crate) fn after_failure(prev: Option<Failures>, now_ms: i64) -> Failures {
    match prev {
        Some(f) if now_ms - f.last_ms < FAILURE_WINDOW_MS && (f.failures >= FREE_FAILURES || now_ms - f.first_ms < FAILURE_WINDOW_MS) => {
            Failures { failures: f.failures + 1, first_ms: f.first_ms, last_ms: now_ms }
        }
        _ => Failures { failures: 1, first_ms: now_ms, last_ms: now_ms },
    }
}

/// Checks a password and gives the device a token of its own.
pub(crate) async fn login(storage: &Storage, token_ttl_days: i64, req: LoginRequest) -> Result<LoginResponse, ApiError> {
    let username = req.username.trim();
    if username.is_empty() || username.len() > 64 || req.password.is_empty() || req.password.len() > 1024 {
        return Err(ApiError::bad_request("ユーザー名とパスワードを入力してください / username and password are required"));
    }
    let device_name = req.device_name.trim();
    if device_name.chars().count() > 200 {
        return Err(ApiError::bad_request("端末名が長すぎます / the device name is longer than 200 characters"));
    }
    let now_ms = unix_now_ms();
    let failures = storage.login_failures(username).await?;
    if let Some(wait) = failures.as_ref().and_then(|f| wait_ms(f, now_ms)) {
        tracing::warn!(username, "login refused: too many failed attempts");
        return Err(ApiError::too_many_attempts(wait));
    }
    let user = storage.user_for_login(username).await?;
    let hash = match &user {
        Some(u) => u.password_hash.clone(),
        None => dummy_hash().await?,
    };
    let ok = verify_password(req.password, hash).await? && user.is_some();
    let Some(user) = user.filter(|_| ok) else {
        storage.set_login_failures(username, after_failure(failures, now_ms)).await?;
        storage.prune_login_failures(now_ms - FAILURE_WINDOW_MS).await?;
        tracing::info!(username, "login failed");
        return Err(ApiError::unauthorized("unauthorized", "ユーザー名またはパスワードが違います / wrong username or password"));
    };
    if failures.is_some() {
        storage.clear_login_failures(username).await?;
    }
    let (token, hash) = new_token()?;
    let now = unix_now();
    let expires_at = now.saturating_add(token_ttl_days.saturating_mul(86_400));
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
        assert_eq!((backoff_ms(4), backoff_ms(5), backoff_ms(6), backoff_ms(7)), (0, 1000, 2000, 4000));
        assert_eq!(backoff_ms(15), MAX_BACKOFF_MS);
        assert_eq!(backoff_ms(500), MAX_BACKOFF_MS);
    }

    #[test]
    fn failures_spread_over_more_than_the_window_never_lock_out() {
        let mut f = None;
        for i in 0..10 {
            let next = after_failure(f, i * 4 * 60 * 1000);
            assert!(wait_ms(&next, i * 4 * 60 * 1000).is_none() || next.failures >= FREE_FAILURES);
            f = Some(next);
        }
        assert!(f.unwrap().failures < FREE_FAILURES, "{f:?}");
    }

    #[test]
    fn the_sixth_quick_failure_waits_and_a_quiet_window_forgives() {
        let mut f = None;
        for i in 0..5 {
            f = Some(after_failure(f, 1000 + i));
        }
        let f = f.unwrap();
        assert_eq!(wait_ms(&f, 1005), Some(999));
        assert_eq!(wait_ms(&f, 2004), None);
        let later = after_failure(Some(f), 1000 + FAILURE_WINDOW_MS + 10);
        assert_eq!(later.failures, 1);
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
