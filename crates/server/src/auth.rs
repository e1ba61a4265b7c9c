//! Logins and device tokens: the login (back-off keys, the password check on the
//! [`Hasher`], a token of the device's own: 32 random bytes, only their SHA-256 kept) and the
//! bearer check every `/api` route but login goes through. Refusals are [`Error`]s; `http`
//! turns them into answers.

use std::net::IpAddr;

use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use base64::Engine;
use carebook_domain::{check_password, password, LoginRequest, LoginResponse, Message, PasswordStrength, Problems};
use sha2::{Digest, Sha256};

use crate::model::backoff::{BackoffShape, FAILURE_WINDOW_MS};
use crate::model::second_factor;
use crate::model::{today_jst, unix_now, unix_now_ms, Caller, Config, Error, Result};
use crate::password::{Busy, Hasher};
use crate::storage::{AccountChange, SignIn, Storage};

/// `last_seen` is written at most this often per device.
const LAST_SEEN_EVERY_SECS: i64 = 60;

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
) -> Result<LoginResponse> {
    let username = req.username.trim();
    if username.is_empty() || username.len() > 64 || req.password.is_empty() || req.password.len() > password::MAX_BYTES {
        return Err(Error::BadRequest(Message::new("ユーザー名とパスワードを入力してください", "username and password are required")));
    }
    let device_name = req.device_name.trim();
    if device_name.chars().count() > 200 {
        return Err(Error::BadRequest(Message::new(
            "端末名が長すぎます。200 文字までにしてください",
            "the device name is longer than 200 characters",
        )));
    }
    let client = match client {
        Some(ip) => client_key(ip),
        None => {
            tracing::error!("login without the client's address: every such login shares one back-off");
            "unknown".to_string()
        }
    };
    let (address_key, name_key) = attempt_keys(&client, username);
    let first_ms = config.login_first_backoff_ms;
    let (free_name, free_address) =
        (BackoffShape { free: config.login_free_failures, first_ms }, BackoffShape { free: config.login_address_free_failures, first_ms });
    let now_ms = unix_now_ms();
    let window_start = now_ms - FAILURE_WINDOW_MS;
    if let Some(wait) = storage.login_wait([(&address_key, free_address.free), (&name_key, free_name.free)], now_ms, window_start).await? {
        tracing::warn!(username, client, "login refused: too many failed attempts");
        return Err(Error::too_many_attempts(wait));
    }
    if let Some(wait) = storage.reserve_login_attempt(&address_key, now_ms, window_start, free_address).await? {
        tracing::warn!(client, "login refused: too many failed attempts from this address");
        return Err(Error::too_many_attempts(wait));
    }
    if let Some(wait) = storage.reserve_login_attempt(&name_key, now_ms, window_start, free_name).await? {
        storage.refund_login_attempt(&address_key, free_address).await?;
        tracing::warn!(username, client, "login refused: too many failed attempts");
        return Err(Error::too_many_attempts(wait));
    }
    let user = storage.user_for_login(username).await?;
    let hash = user.as_ref().map(|u| u.password_hash.clone());
    let ok = match hasher.verify(req.password.clone(), hash).await? {
        Ok(ok) => ok && user.is_some(),
        Err(Busy) => {
            storage.refund_login_attempt(&name_key, free_name).await?;
            storage.refund_login_attempt(&address_key, free_address).await?;
            tracing::warn!(client, "login refused: the password checks are busy");
            return Err(Error::Busy { retry_after_secs: LOGIN_BUSY_RETRY_SECS });
        }
    };
    let Some(user) = user.filter(|_| ok) else {
        let failed_at = unix_now_ms();
        storage.restart_login_backoff(&name_key, failed_at, free_name).await?;
        storage.restart_login_backoff(&address_key, failed_at, free_address).await?;
        storage.prune_login_attempts(window_start).await?;
        storage.log_sign_in(SignIn::Failed, username, None, None, &client).await?;
        tracing::info!(username, client, "login failed");
        return Err(Error::WrongPassword);
    };
    // The password was right. With a second factor, its code decides whether the attempt failed.
    let mut recovery_used = false;
    if let Some(secret) = user.totp_secret.as_deref() {
        let Some(typed) = req.otp.as_deref().map(str::trim).filter(|c| !c.is_empty()) else {
            // Not a failure, but not a success either: the name's count is kept as it was.
            storage.refund_login_attempt(&name_key, free_name).await?;
            storage.refund_login_attempt(&address_key, free_address).await?;
            return Err(Error::SecondFactorRequired);
        };
        let accepted = if second_factor::looks_like_code(typed) {
            match second_factor::check(secret, typed, unix_now(), user.totp_last_step)? {
                Some(step) => storage.use_totp_step(&user.info.id, step).await?,
                None => false,
            }
        } else if let Some(hash) = second_factor::recovery_hash(typed) {
            recovery_used = storage.spend_recovery_code(&user.info.id, &hash).await?;
            recovery_used
        } else {
            false
        };
        if !accepted {
            let failed_at = unix_now_ms();
            storage.restart_login_backoff(&name_key, failed_at, free_name).await?;
            storage.restart_login_backoff(&address_key, failed_at, free_address).await?;
            storage.prune_login_attempts(window_start).await?;
            let who = Some((user.info.id.as_str(), user.info.role));
            storage.log_sign_in(SignIn::SecondFactorWrong, &user.info.username, who, None, &client).await?;
            tracing::info!(username, client, "login failed: wrong second-factor code");
            return Err(Error::SecondFactorWrong);
        }
    }
    storage.clear_login_attempts(&name_key).await?;
    storage.refund_login_attempt(&address_key, free_address).await?;
    // Both factors were right: the account's state may now be told.
    if user.disabled_at.is_some() {
        storage.log_sign_in(SignIn::Refused, username, Some((&user.info.id, user.info.role)), None, &client).await?;
        tracing::warn!(username = %user.info.username, "login refused: the account is disabled");
        return Err(Error::AccountDisabled);
    }
    if let Some(until) = user.one_time_until {
        if unix_now() >= until {
            return Err(Error::OneTimePasswordExpired);
        }
        let Some(own) = req.new_password else { return Err(Error::PasswordChangeRequired) };
        let strength = if user.totp_secret.is_some() { PasswordStrength::WithSecondFactor } else { PasswordStrength::PasswordOnly };
        let mut problems = match check_password(&own, &user.info.username, strength) {
            Ok(()) => Problems::default(),
            Err(p) => p,
        };
        if own == req.password {
            problems.push(
                "password",
                "same_as_one_time",
                "仮パスワードとは別のパスワードを設定してください",
                "choose a password other than the one-time password",
            );
        }
        if !problems.is_empty() {
            problems.0.iter_mut().for_each(|p| p.field = "new_password".into());
            return Err(Error::Problems(problems));
        }
        let hash = crate::password::hash_password(own).await?;
        storage.replace_one_time_password(&user.info.id, &user.info.username, &hash).await?;
        let who = Some((user.info.id.as_str(), user.info.role));
        storage.log_account_change(AccountChange::PasswordChanged, &user.info.username, who, None, &client).await?;
    }
    let enrol_only = config.require_second_factor && second_factor::required_for(user.info.role) && user.totp_secret.is_none();
    let (token, hash) = new_token()?;
    let now = unix_now();
    let expires_at = now.saturating_add(config.token_ttl_days.saturating_mul(86_400));
    let name = if device_name.is_empty() { "(unnamed)" } else { device_name };
    let device_id = storage.create_device(&user.info.id, name, &hash, now, expires_at, enrol_only).await?;
    storage.log_sign_in(SignIn::Done, &user.info.username, Some((&user.info.id, user.info.role)), Some(&device_id), &client).await?;
    if recovery_used {
        let who = Some((user.info.id.as_str(), user.info.role));
        storage.log_account_change(AccountChange::RecoveryCodeUsed, &user.info.username, who, Some(&device_id), &client).await?;
    }
    tracing::info!(username = %user.info.username, device_id, enrol_only, "login");
    Ok(LoginResponse { token, device_id, expires_at, user: user.info, second_factor_enrolment_required: enrol_only })
}

/// What a login that found the password checks busy is told to wait.
const LOGIN_BUSY_RETRY_SECS: i64 = 2;

/// The account and device behind a bearer token (a device that may only enrol a second factor
/// is refused `second_factor_enrolment_required`).
pub(crate) async fn authenticate(storage: &Storage, config: &Config, token: &str) -> Result<Caller> {
    match device_caller(storage, config, token, false).await? {
        (caller, Standing::Active) => Ok(caller),
        (_, Standing::Revoked) => Err(Error::DeviceRevoked),
    }
}

/// The account and device behind a bearer token, also when the device may only enrol a second
/// factor: for the second-factor routes.
pub(crate) async fn authenticate_enrolling(storage: &Storage, config: &Config, token: &str) -> Result<Caller> {
    match device_caller(storage, config, token, true).await? {
        (caller, Standing::Active) => Ok(caller),
        (_, Standing::Revoked) => Err(Error::DeviceRevoked),
    }
}

/// Whether a device may still act for its account.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Standing {
    /// It may.
    Active,
    /// The device was revoked, or its account disabled: it may only hand over what it has not
    /// sent ([`crate::push::hand_over`]), then it removes its records.
    Revoked,
}

/// The account and device behind a bearer token that has not expired, revoked or not. An active
/// device idle for `idle_days` (no request since, or since its login) is expired like its token;
/// one that may only enrol a second factor is refused unless `enrolling`.
pub(crate) async fn device_caller(storage: &Storage, config: &Config, token: &str, enrolling: bool) -> Result<(Caller, Standing)> {
    if token.is_empty() || token.len() > 256 {
        return Err(Error::UnknownToken);
    }
    let Some(d) = storage.device_by_token(&token_hash(token)).await? else {
        return Err(Error::UnknownToken);
    };
    let standing = if d.revoked_at.is_some() || d.disabled_at.is_some() { Standing::Revoked } else { Standing::Active };
    let now = unix_now();
    if now >= d.expires_at {
        // A revoked device is told so whatever its token's age: it must remove its records.
        return Err(if standing == Standing::Revoked { Error::DeviceRevoked } else { Error::TokenExpired });
    }
    if standing == Standing::Active {
        let idle_since = d.last_seen.unwrap_or(d.created_at);
        if now - idle_since >= config.idle_days.saturating_mul(86_400) {
            tracing::info!(device_id = %d.device_id, "token refused: the device was idle past idle_days");
            return Err(Error::TokenExpired);
        }
        if d.enrol_only && config.require_second_factor && !enrolling {
            return Err(Error::SecondFactorEnrolmentRequired);
        }
    }
    if standing == Standing::Active && d.last_seen.is_none_or(|seen| now - seen >= LAST_SEEN_EVERY_SECS) {
        storage.touch_device(&d.device_id, now).await?;
    }
    let caller = Caller {
        user_id: d.user_id,
        username: d.username,
        role: d.role,
        org_id: d.org_id,
        municipality: d.municipality,
        device_id: d.device_id,
        today: today_jst(now),
    };
    Ok((caller, standing))
}

#[cfg(test)]
mod tests {
    use super::*;
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
    fn tokens_are_43_url_safe_characters_and_only_their_hash_is_kept() {
        let (t, h) = new_token().unwrap();
        assert_eq!(t.len(), 43);
        assert!(t.bytes().all(|b| b.is_ascii_alphanumeric() || b == b'-' || b == b'_'));
        assert_eq!(h, token_hash(&t));
        assert_ne!(new_token().unwrap().0, t);
    }
}
