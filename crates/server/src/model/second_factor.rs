//! The second factor's arithmetic, without IO: TOTP codes (RFC 6238 through `totp-rs`: HMAC-SHA1,
//! 6 digits, 30 s steps, one step of skew either way), new secrets, the `otpauth://` URI and its
//! QR code (SVG), and the one-time recovery codes (80 random bits each, kept as their SHA-256).
//!
//! A code is accepted for a time step only when that step is later than the last one accepted for
//! the account (`users.totp_last_step`): a code seen over someone's shoulder, or replayed, is
//! refused (RFC 6238 §5.2).

use carebook_domain::Role;
use sha2::{Digest, Sha256};
use totp_rs::{Algorithm, Builder, Secret, Totp};

use super::{Error, Result};

/// Seconds of one TOTP step.
pub(crate) const STEP_SECS: u64 = 30;
/// Bytes of a new secret (160 bits, as RFC 4226 recommends).
const SECRET_BYTES: usize = 20;
/// How many recovery codes an enrolment gives.
pub(crate) const RECOVERY_CODES: usize = 10;
/// The issuer shown in authenticator apps.
const ISSUER: &str = "Carebook";
/// The alphabet of recovery codes: lowercase letters without i, l, o and the digits without 1
/// (32 characters, 5 bits each), so a code copied by hand is not mistaken.
const RECOVERY_ALPHABET: &[u8; 32] = b"abcdefghjkmnpqrstuvwxyz023456789";

/// Whether accounts of `role` must have a second factor (when `require_second_factor` is on):
/// those that read other people's work — an office, a municipality, an administrator.
pub(crate) fn required_for(role: Role) -> bool {
    matches!(role, Role::Office | Role::Municipality | Role::Admin)
}

fn totp(secret: &[u8]) -> Result<Totp> {
    Builder::new()
        .with_algorithm(Algorithm::SHA1)
        .with_digits(6)
        .with_skew(1)
        .with_step_duration(STEP_SECS)
        .with_secret(secret.to_vec())
        .build()
        .map_err(|e| Error::PasswordHash(format!("TOTP: {e}")))
}

/// A new random secret, base32 (RFC 4648, no padding: what authenticator apps read).
pub(crate) fn new_secret() -> Result<String> {
    let mut bytes = [0u8; SECRET_BYTES];
    getrandom::fill(&mut bytes).map_err(|e| Error::PasswordHash(format!("no randomness for a secret: {e}")))?;
    Ok(Secret::from(bytes.to_vec()).to_base32().trim_end_matches('=').to_string())
}

fn secret_bytes(secret: &str) -> Result<Vec<u8>> {
    Secret::try_from_base32(secret.trim_end_matches('='))
        .map_err(|_| Error::Stored {
            what: carebook_domain::Message::new("二要素認証の秘密鍵", "second-factor secret"), value: "…".into()
        })
        .map(|s| s.as_ref().to_vec())
}

/// The code of `secret` (base32) at unix time `at`.
#[cfg(test)]
fn code_at(secret: &str, at: u64) -> Result<String> {
    Ok(totp(&secret_bytes(secret)?)?.generate(at).to_string())
}

/// Whether `code` is a code of `secret` within one step of `now`, for a step later than
/// `last_step`: the step it matched (to be kept as the new last step), or `None`.
pub(crate) fn check(secret: &str, code: &str, now: i64, last_step: i64) -> Result<Option<i64>> {
    let code: String = code.chars().filter(|c| !c.is_whitespace()).collect();
    if code.len() != 6 || !code.bytes().all(|b| b.is_ascii_digit()) {
        return Ok(None);
    }
    let totp = totp(&secret_bytes(secret)?)?;
    let now = u64::try_from(now).unwrap_or(0);
    let origin = now / STEP_SECS;
    // Every step of the window is computed (no early return), the comparison is constant-time.
    let mut matched = None;
    for step in origin.saturating_sub(1)..=origin + 1 {
        let expected = totp.generate(step * STEP_SECS).to_string();
        let same = expected.len() == code.len() && expected.bytes().zip(code.bytes()).fold(0u8, |acc, (a, b)| acc | (a ^ b)) == 0;
        let step = i64::try_from(step).unwrap_or(i64::MAX);
        if same && step > last_step {
            matched = Some(step);
        }
    }
    Ok(matched)
}

/// Whether what was typed looks like a TOTP code (6 digits, spaces allowed) rather than a
/// recovery code.
pub(crate) fn looks_like_code(typed: &str) -> bool {
    let digits: String = typed.chars().filter(|c| !c.is_whitespace()).collect();
    digits.len() == 6 && digits.bytes().all(|b| b.is_ascii_digit())
}

/// The `otpauth://` URI an authenticator app reads from the QR code.
pub(crate) fn otpauth_uri(secret: &str, username: &str) -> String {
    let label = percent(&format!("{ISSUER}:{username}"));
    format!("otpauth://totp/{label}?secret={secret}&issuer={ISSUER}&algorithm=SHA1&digits=6&period={STEP_SECS}")
}

fn percent(s: &str) -> String {
    s.bytes()
        .map(|b| match b {
            b'A'..=b'Z' | b'a'..=b'z' | b'0'..=b'9' | b'-' | b'.' | b'_' | b'~' => (b as char).to_string(),
            _ => format!("%{b:02X}"),
        })
        .collect()
}

/// The QR code of `text` as an SVG document (black on white, a quiet zone around).
pub(crate) fn qr_svg(text: &str) -> Result<String> {
    let code = qrcode::QrCode::new(text.as_bytes()).map_err(|e| Error::PasswordHash(format!("QR code: {e}")))?;
    Ok(code.render::<qrcode::render::svg::Color<'_>>().min_dimensions(200, 200).quiet_zone(true).build())
}

/// New recovery codes: each 16 characters of [`RECOVERY_ALPHABET`] (80 bits), shown as
/// `xxxx-xxxx-xxxx-xxxx`.
pub(crate) fn new_recovery_codes() -> Result<Vec<String>> {
    (0..RECOVERY_CODES)
        .map(|_| {
            let mut bytes = [0u8; 16];
            getrandom::fill(&mut bytes).map_err(|e| Error::PasswordHash(format!("no randomness for a recovery code: {e}")))?;
            let chars: Vec<char> = bytes.iter().map(|b| RECOVERY_ALPHABET[usize::from(b & 31)] as char).collect();
            Ok(chars.chunks(4).map(|c| c.iter().collect::<String>()).collect::<Vec<_>>().join("-"))
        })
        .collect()
}

/// A recovery code as typed, normalised (lowercase, without spaces and dashes), or `None` when it
/// cannot be one.
fn normalised_recovery(typed: &str) -> Option<String> {
    let code: String = typed.chars().filter(|c| !c.is_whitespace() && *c != '-').flat_map(char::to_lowercase).collect();
    (code.len() == 16 && code.bytes().all(|b| RECOVERY_ALPHABET.contains(&b))).then_some(code)
}

/// The hash kept of a recovery code (SHA-256 of the normalised code, hex): the same for every way
/// of typing it, and `None` for what cannot be a code. The codes are 80 random bits, so no salt
/// or stretching is needed: guessing one from its hash costs 2^79 hashes on average.
pub(crate) fn recovery_hash(typed: &str) -> Option<String> {
    let code = normalised_recovery(typed)?;
    Some(Sha256::digest(code.as_bytes()).iter().map(|b| format!("{b:02x}")).collect())
}

#[cfg(test)]
mod tests {
    use super::*;

    /// RFC 6238 appendix B, SHA1, with the 20-byte secret "12345678901234567890": the last six
    /// digits of its 8-digit codes.
    #[test]
    fn codes_match_the_rfc_6238_test_vectors() {
        let secret = Secret::from(b"12345678901234567890".to_vec()).to_base32();
        for (at, eight) in [(59u64, "94287082"), (1_111_111_109, "07081804"), (1_234_567_890, "89005924"), (2_000_000_000, "69279037")] {
            assert_eq!(code_at(&secret, at).unwrap(), eight[2..], "t = {at}");
        }
    }

    #[test]
    fn a_code_is_accepted_one_step_either_way_and_never_for_a_step_already_used() {
        let secret = new_secret().unwrap();
        let now = 1_800_000_015i64; // step 60_000_000, 15 s in
        let step = now / 30;
        let at = |s: i64| code_at(&secret, (s * 30) as u64).unwrap();
        assert_eq!(check(&secret, &at(step), now, 0).unwrap(), Some(step));
        assert_eq!(check(&secret, &at(step - 1), now, 0).unwrap(), Some(step - 1));
        assert_eq!(check(&secret, &at(step + 1), now, 0).unwrap(), Some(step + 1));
        assert_eq!(check(&secret, &at(step + 2), now, 0).unwrap(), None, "two steps ahead");
        assert_eq!(check(&secret, &at(step - 2), now, 0).unwrap(), None, "two steps behind");
        assert_eq!(check(&secret, &at(step), now, step).unwrap(), None, "the step was used");
        assert_eq!(check(&secret, &at(step + 1), now, step).unwrap(), Some(step + 1), "a later step still works");
        let spaced = format!("{} {}", &at(step)[..3], &at(step)[3..]);
        assert_eq!(check(&secret, &spaced, now, 0).unwrap(), Some(step), "spaces are ignored");
        assert_eq!(check(&secret, "12345", now, 0).unwrap(), None);
        assert_eq!(check(&secret, "abcdef", now, 0).unwrap(), None);
    }

    #[test]
    fn recovery_codes_are_random_and_hash_the_same_however_typed() {
        let codes = new_recovery_codes().unwrap();
        assert_eq!(codes.len(), RECOVERY_CODES);
        let distinct: std::collections::HashSet<_> = codes.iter().collect();
        assert_eq!(distinct.len(), RECOVERY_CODES);
        for c in &codes {
            assert_eq!(c.len(), 4 * 4 + 3, "{c}");
            assert!(!looks_like_code(c));
        }
        let c = &codes[0];
        let h = recovery_hash(c).unwrap();
        assert_eq!(recovery_hash(&c.to_uppercase()).unwrap(), h);
        assert_eq!(recovery_hash(&c.replace('-', " ")).unwrap(), h);
        assert_ne!(recovery_hash(&codes[1]).unwrap(), h);
        assert_eq!(h.len(), 64);
        assert_eq!(recovery_hash("too-short"), None);
        assert_eq!(recovery_hash("123456"), None);
    }

    #[test]
    fn the_uri_names_issuer_and_account_and_the_qr_is_svg() {
        let uri = otpauth_uri("JBSWY3DPEHPK3PXP", "office a");
        assert_eq!(uri, "otpauth://totp/Carebook%3Aoffice%20a?secret=JBSWY3DPEHPK3PXP&issuer=Carebook&algorithm=SHA1&digits=6&period=30");
        let svg = qr_svg(&uri).unwrap();
        assert!(svg.contains("<svg") && svg.ends_with("</svg>") && !svg.contains("<script"), "{}", &svg[..100]);
        assert_eq!(new_secret().unwrap().len(), 32, "160 bits in base32");
    }
}
