//! The caller's own account: its second factor (TOTP). Enrolment is two steps — `start` makes a
//! secret that waits (`users.totp_pending`) and shows it as text, URI and QR code; `confirm`
//! takes the app's first code, makes the secret the account's and answers ten recovery codes,
//! shown once (only their SHA-256 is kept). Replacing a confirmed second factor, and removing
//! one (only accounts that need not have one), take the account's password. Each change is an
//! `access_log` line; the secret and the codes never are, nor are they traced.

use carebook_domain::{
    Message, Problems, RecoveryCodes, SecondFactorConfirm, SecondFactorEnrolment, SecondFactorRemove, SecondFactorStart, SecondFactorStatus,
};

use crate::model::second_factor;
use crate::model::{unix_now, Caller, Config, Error, Result};
use crate::password::{Busy, Hasher};
use crate::storage::{AccountChange, Storage};

/// What the password check of an account change needs to wait when busy, seconds.
const BUSY_RETRY_SECS: i64 = 2;

fn problem(field: &str, code: &str, ja: &str, en: &str) -> Error {
    let mut p = Problems::new();
    p.push(field, code, ja, en);
    Error::Problems(p)
}

/// Where the caller's account stands.
pub(crate) async fn status(storage: &Storage, config: &Config, caller: &Caller) -> Result<SecondFactorStatus> {
    let state = storage.second_factor(&caller.user_id).await?;
    Ok(SecondFactorStatus {
        enrolled: state.secret.is_some(),
        pending: state.pending.is_some(),
        required: config.require_second_factor && second_factor::required_for(caller.role),
        recovery_codes_left: if state.secret.is_some() { state.recovery_left } else { 0 },
    })
}

/// Checks the caller's password; a wrong one is a problem on the field `password` (not
/// `unauthorized`, which would tell the device its token is gone).
async fn check_own_password(storage: &Storage, hasher: &Hasher, caller: &Caller, password: Option<String>) -> Result<()> {
    let wrong = || problem("password", "wrong_password", "パスワードが違います", "the password is wrong");
    let Some(password) = password.filter(|p| !p.is_empty() && p.len() <= carebook_domain::password::MAX_BYTES) else {
        return Err(wrong());
    };
    let hash = storage.user_for_login(&caller.username).await?.map(|u| u.password_hash);
    match hasher.verify(password, hash).await? {
        Ok(true) => Ok(()),
        Ok(false) => Err(wrong()),
        Err(Busy) => Err(Error::Busy { retry_after_secs: BUSY_RETRY_SECS }),
    }
}

/// Starts an enrolment: a new secret waits for its first code.
pub(crate) async fn start(storage: &Storage, hasher: &Hasher, caller: &Caller, req: SecondFactorStart) -> Result<SecondFactorEnrolment> {
    let state = storage.second_factor(&caller.user_id).await?;
    if state.secret.is_some() {
        check_own_password(storage, hasher, caller, req.password).await?;
    }
    let secret = second_factor::new_secret()?;
    storage.start_second_factor(&caller.user_id, &secret).await?;
    let uri = second_factor::otpauth_uri(&secret, &caller.username);
    let qr_svg = second_factor::qr_svg(&uri)?;
    tracing::info!(username = %caller.username, "second factor: enrolment started");
    Ok(SecondFactorEnrolment { secret, uri, qr_svg })
}

/// Confirms the waiting enrolment with the app's code: the recovery codes, shown once.
pub(crate) async fn confirm(storage: &Storage, caller: &Caller, client: &str, req: SecondFactorConfirm) -> Result<RecoveryCodes> {
    let state = storage.second_factor(&caller.user_id).await?;
    let Some(pending) = state.pending else {
        return Err(Error::BadRequest(Message::new(
            "登録中の二要素認証がありません。最初からやり直してください",
            "no second-factor enrolment is waiting; start again",
        )));
    };
    // A code of a step already used by the old factor is no proof of the new one either way:
    // the new secret starts from the account's last step.
    let Some(step) = second_factor::check(&pending, &req.code, unix_now(), state.last_step)? else {
        return Err(problem(
            "code",
            "second_factor_wrong",
            "確認コードが違います。認証アプリに表示されている今のコードを入力してください",
            "the code is wrong: enter the code the authenticator app shows now",
        ));
    };
    let codes = second_factor::new_recovery_codes()?;
    let hashes: Vec<String> = codes.iter().filter_map(|c| second_factor::recovery_hash(c)).collect();
    if !storage.confirm_second_factor(&caller.user_id, &pending, step, &hashes, &caller.device_id).await? {
        return Err(Error::BadRequest(Message::new(
            "別の登録が始まったため確認できませんでした。最初からやり直してください",
            "another enrolment started meanwhile; start again",
        )));
    }
    let who = Some((caller.user_id.as_str(), caller.role));
    storage.log_account_change(AccountChange::SecondFactorEnrolled, &caller.username, who, Some(&caller.device_id), client).await?;
    tracing::info!(username = %caller.username, "second factor: confirmed");
    Ok(RecoveryCodes { codes })
}

/// Removes the caller's second factor, with the password; refused `forbidden` for accounts that
/// must have one.
pub(crate) async fn remove(
    storage: &Storage,
    hasher: &Hasher,
    config: &Config,
    caller: &Caller,
    client: &str,
    req: SecondFactorRemove,
) -> Result<()> {
    if config.require_second_factor && second_factor::required_for(caller.role) {
        return Err(Error::Forbidden(Message::new(
            "この役割のアカウントは二要素認証を外せません",
            "accounts of this role must keep their second factor",
        )));
    }
    check_own_password(storage, hasher, caller, Some(req.password)).await?;
    storage.remove_second_factor(&caller.user_id).await?;
    let who = Some((caller.user_id.as_str(), caller.role));
    storage.log_account_change(AccountChange::SecondFactorRemoved, &caller.username, who, Some(&caller.device_id), client).await?;
    tracing::info!(username = %caller.username, "second factor: removed");
    Ok(())
}
