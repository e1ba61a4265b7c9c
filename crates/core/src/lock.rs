//! The PIN's rules and back-off: a PIN (4–8 digits) or a passphrase (8 characters or more) that
//! reopens the app on this device, never leaving it and never logged. Wrong PINs in a row make
//! the next try wait. Today the PIN unwraps the store's key ([`crate::vault`]); the hash kept in
//! the device settings ([`Carebook::verify_pin`]) is how a store from before encryption was
//! locked, and opens it once more before it is encrypted under that PIN.

use std::time::Duration;

use carebook_domain::backoff::Backoff;
use carebook_domain::{hashing, Message, Problems};

use crate::{Carebook, CoreError};

const PIN_HASH: &str = "pin_hash";
const PIN_FAILURES: &str = "pin_failures";
const PIN_WAIT_UNTIL: &str = "pin_wait_until";
/// Wrong PINs allowed in a row before the app makes the next try wait.
pub const PIN_FREE_TRIES: u32 = 5;

/// The wait after `failures` wrong PINs in a row: none for the first five, then 30 s doubling
/// per further failure, at most 15 minutes. A lost tablet cannot be opened by trying every PIN.
pub fn pin_wait_secs(failures: u32) -> i64 {
    PIN_BACKOFF.wait(u64::from(failures)).as_secs() as i64
}

/// The PIN's back-off, in the one shape every back-off has.
const PIN_BACKOFF: Backoff = Backoff { free: PIN_FREE_TRIES as u64, first: Duration::from_secs(30), max: Duration::from_secs(15 * 60) };

/// A try during the back-off's wait, `secs` before the next one may be made.
pub(crate) fn pin_wait(secs: i64) -> Problems {
    let mut p = Problems::new();
    p.push(
        "pin",
        "pin_wait",
        format!("PIN の誤りが続いたため、{secs} 秒後にもう一度入力してください"),
        format!("too many wrong PINs: try again in {secs} s"),
    );
    p
}

/// Every problem with a new PIN or passphrase.
pub fn check_pin(pin: &str) -> Problems {
    let mut p = Problems::new();
    let n = pin.chars().count();
    let digits = pin.chars().all(|c| c.is_ascii_digit());
    if pin.trim() != pin {
        p.push("pin", "pin_spaces", "前後に空白は使えません", "a PIN cannot start or end with a space");
    } else if digits && !(4..=8).contains(&n) {
        p.push("pin", "pin_length", format!("PIN は 4〜8 桁の数字です（{n} 桁）"), format!("a PIN has 4–8 digits, not {n}"));
    } else if !digits && n < 8 {
        p.push(
            "pin",
            "passphrase_length",
            format!("パスフレーズは 8 文字以上です（{n} 文字）"),
            format!("a passphrase has at least 8 characters, not {n}"),
        );
    }
    p
}

impl Carebook {
    /// Whether a PIN is set on this device.
    pub async fn pin_is_set(&self) -> Result<bool, CoreError> {
        Ok(self.store().setting(PIN_HASH).await?.is_some())
    }

    /// Sets (or changes) the PIN. A PIN that breaks the rules is refused and nothing is written.
    pub async fn set_pin(&self, pin: &str) -> Result<(), CoreError> {
        check_pin(pin).into_result()?;
        let pin = pin.to_string();
        let hash = tokio::task::spawn_blocking(move || hashing::hash(&pin))
            .await?
            .map_err(|e| CoreError::step(Message::new("PIN の変換", "PIN hash"), e))?;
        self.store().set_setting(PIN_HASH, &hash).await
    }

    /// Forgets the PIN's hash (the PIN of a store from before encryption, which now wraps the
    /// store's key instead).
    pub async fn forget_pin(&self) -> Result<(), CoreError> {
        self.store().remove_settings(&[PIN_HASH, PIN_FAILURES, PIN_WAIT_UNTIL]).await
    }

    /// Checks the PIN; a wrong one is `invalid` with the problem on `pin`.
    /// After five wrong PINs in a row each further try must wait ([`pin_wait_secs`]); a try
    /// during the wait is refused without checking the PIN.
    pub async fn verify_pin(&self, pin: &str) -> Result<(), CoreError> {
        let Some(hash) = self.store().setting(PIN_HASH).await? else {
            return Ok(());
        };
        let wait_until: i64 = self.store().setting(PIN_WAIT_UNTIL).await?.and_then(|v| v.parse().ok()).unwrap_or(0);
        let now = crate::clock::unix_now();
        if now < wait_until {
            return Err(pin_wait(wait_until - now).into());
        }
        let pin = pin.to_string();
        let ok = tokio::task::spawn_blocking(move || hashing::verify(&pin, &hash)).await?;
        if ok {
            self.store().remove_settings(&[PIN_FAILURES, PIN_WAIT_UNTIL]).await?;
            return Ok(());
        }
        let failures = self.store().setting(PIN_FAILURES).await?.and_then(|v| v.parse::<u32>().ok()).unwrap_or(0).saturating_add(1);
        self.store().set_setting(PIN_FAILURES, &failures.to_string()).await?;
        let wait = pin_wait_secs(failures);
        if wait > 0 {
            self.store().set_setting(PIN_WAIT_UNTIL, &(now + wait).to_string()).await?;
        }
        let mut p = Problems::new();
        p.push("pin", "wrong_pin", "PIN が違います", "wrong PIN");
        Err(p.into())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn five_wrong_pins_are_free_then_the_wait_doubles_up_to_15_minutes() {
        assert_eq!((0..5).map(pin_wait_secs).collect::<Vec<_>>(), [0, 0, 0, 0, 0]);
        assert_eq!(pin_wait_secs(5), 30);
        assert_eq!(pin_wait_secs(6), 60);
        assert_eq!(pin_wait_secs(9), 480);
        assert_eq!(pin_wait_secs(10), 900);
        assert_eq!(pin_wait_secs(40), 900);
    }

    #[test]
    fn pins_are_4_to_8_digits_and_passphrases_8_characters_or_more() {
        for ok in ["1234", "12345678", "たんぽぽの見本です", "correct horse"] {
            assert!(check_pin(ok).is_empty(), "{ok}");
        }
        assert!(check_pin("123").has_code("pin_length"));
        assert!(check_pin("123456789").has_code("pin_length"));
        assert!(check_pin("abc1234").has_code("passphrase_length"));
        assert!(check_pin(" 1234").has_code("pin_spaces"));
    }
}
