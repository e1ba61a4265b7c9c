//! The password rule for server accounts, after the health ministry's guideline for medical
//! information systems (医療情報システムの安全管理に関するガイドライン): at least 13 characters
//! (8 where the account also has a second factor — see [`Strength`]), not the user name, not a
//! common password.
//!
//! Decisions (also in ARCHITECTURE.md):
//! - **The user name** is compared ignoring case; a password that *contains* the name (of 3 or
//!   more characters) is refused too: `nurse-a2026-kakuu…` is guessed right after `nurse-a`.
//! - **Common** means: in the embedded list (`data/common-passwords.txt`, 30,000 passwords from
//!   leaked-password corpora, with its source and licence), ignoring case — also once the digits,
//!   punctuation and spaces around it are taken off (`Password2024!!!!` is `password`), and a
//!   password of only digits and symbols, or of one character repeated, counts as common.
//! - Problems name what is wrong and never quote the password (nor the user name, part of it).

use std::collections::HashSet;
use std::sync::OnceLock;

use crate::validation::Problems;

/// The fewest characters of a password on an account with a password alone.
pub const MIN_CHARS: usize = 13;
/// The fewest characters of a password on an account that also has a second factor.
pub const MIN_CHARS_WITH_SECOND_FACTOR: usize = 8;
/// The most bytes of a password (the login refuses longer ones without hashing them).
pub const MAX_BYTES: usize = 1024;
/// A user name shorter than this is only compared whole, not looked for inside the password.
const NAME_INSIDE_MIN_CHARS: usize = 3;

static LIST: &str = include_str!("../data/common-passwords.txt");

/// How strongly the account is protected besides its password: the seam for the second factor
/// that the data-protection issue adds (which allows a shorter password).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum Strength {
    /// A password alone.
    #[default]
    PasswordOnly,
    /// A password and a second factor.
    WithSecondFactor,
}

impl Strength {
    /// The fewest characters a password needs.
    pub fn min_chars(self) -> usize {
        match self {
            Strength::PasswordOnly => MIN_CHARS,
            Strength::WithSecondFactor => MIN_CHARS_WITH_SECOND_FACTOR,
        }
    }
}

/// Checks a new password for the account `username`. Every problem is returned, each with the
/// field `password`; the password itself is never quoted.
pub fn check_password(password: &str, username: &str, strength: Strength) -> Result<(), Problems> {
    let mut problems = Problems::new();
    let n = password.chars().count();
    let min = strength.min_chars();
    if n < min {
        problems.push(
            "password",
            "too_short",
            format!("パスワードは{min}文字以上にしてください（{n}文字）"),
            format!("the password needs at least {min} characters, got {n}"),
        );
    }
    if password.len() > MAX_BYTES {
        problems.push(
            "password",
            "too_long",
            format!("パスワードは{MAX_BYTES}バイト以内にしてください"),
            format!("the password may have at most {MAX_BYTES} bytes, got {}", password.len()),
        );
    }
    if let Some(c) = password.chars().find(|c| c.is_control()) {
        problems.push(
            "password",
            "control_char",
            format!("パスワードに制御文字（U+{:04X}）は使えません", c as u32),
            format!("the password must not contain control character U+{:04X}", c as u32),
        );
    }
    if contains_name(password, username) {
        problems.push(
            "password",
            "contains_username",
            "ユーザー名そのもの、またはユーザー名を含むパスワードは使えません",
            "the password must not be or contain the user name (ignoring case)",
        );
    }
    if let Some(why) = commonness(password) {
        let (ja, en) = match why {
            Common::Listed => (
                "よく使われるパスワード（またはその前後に数字や記号を付けただけのもの）は使えません",
                "the password is a commonly used one, or one with only digits or symbols added around it",
            ),
            Common::NoLetters => (
                "数字や記号だけ、または同じ文字の繰り返しのパスワードは使えません",
                "the password is only digits and symbols, or one character repeated",
            ),
        };
        problems.push("password", "common", ja, en);
    }
    problems.into_result()
}

/// Whether the password is the user name or contains it, ignoring case.
fn contains_name(password: &str, username: &str) -> bool {
    let name = username.trim().to_lowercase();
    if name.is_empty() {
        return false;
    }
    let password = password.to_lowercase();
    password == name || (name.chars().count() >= NAME_INSIDE_MIN_CHARS && password.contains(&name))
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Common {
    Listed,
    NoLetters,
}

fn list() -> &'static HashSet<&'static str> {
    static SET: OnceLock<HashSet<&'static str>> = OnceLock::new();
    SET.get_or_init(|| LIST.lines().filter(|l| !l.is_empty() && !l.starts_with('#')).collect())
}

/// Why the password counts as common, if it does.
fn commonness(password: &str) -> Option<Common> {
    let lower = password.to_lowercase();
    let core = lower.trim_matches(|c: char| c.is_ascii_digit() || c.is_ascii_punctuation() || c.is_whitespace());
    let mut chars = core.chars();
    let first = chars.next();
    if first.is_none() || chars.all(|c| Some(c) == first) {
        return Some(Common::NoLetters);
    }
    let set = list();
    (set.contains(lower.as_str()) || set.contains(core)).then_some(Common::Listed)
}

/// Whether `password` is in the embedded list of common passwords (ignoring case).
pub fn is_listed_common(password: &str) -> bool {
    list().contains(password.to_lowercase().as_str())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn codes(password: &str, username: &str, strength: Strength) -> Vec<String> {
        match check_password(password, username, strength) {
            Ok(()) => vec![],
            Err(p) => p.0.into_iter().map(|p| p.code).collect(),
        }
    }

    #[test]
    fn the_list_is_the_whole_embedded_file_lowercased() {
        assert_eq!(list().len(), 30_000);
        assert!(list().iter().all(|w| *w == w.to_lowercase() && !w.trim().is_empty()));
        for common in ["password", "12345678", "qwerty", "iloveyou", "qwertyuiop123", "whosyourdaddy"] {
            assert!(is_listed_common(common), "{common}");
        }
        assert!(is_listed_common("PassWord"), "case is ignored");
        assert!(!is_listed_common("kakuu-password"));
    }

    #[test]
    fn thirteen_characters_pass_twelve_do_not_and_a_second_factor_allows_eight() {
        assert_eq!(codes("kakuu-hana-12", "nurse-a", Strength::PasswordOnly), Vec::<String>::new());
        assert_eq!(codes("kakuu-hana-1", "nurse-a", Strength::PasswordOnly), ["too_short"]);
        assert_eq!(codes("kakuu-hana-1", "nurse-a", Strength::WithSecondFactor), Vec::<String>::new());
        assert_eq!(codes("kakuhana", "nurse-a", Strength::WithSecondFactor), Vec::<String>::new());
        assert_eq!(codes("kakuhan", "nurse-a", Strength::WithSecondFactor), ["too_short"]);
        // Characters, not bytes: thirteen kana are enough, twelve are not.
        assert_eq!(codes("みほんのかくうのぱすわーど", "nurse-a", Strength::PasswordOnly), Vec::<String>::new());
        assert_eq!(codes("みほんのかくうのぱすわー", "nurse-a", Strength::PasswordOnly), ["too_short"]);
    }

    #[test]
    fn the_problem_names_the_rule_and_never_quotes_the_password() {
        let secret = "12345678";
        let err = check_password(secret, "nurse-a", Strength::PasswordOnly).unwrap_err();
        assert_eq!(err.0.iter().map(|p| p.code.as_str()).collect::<Vec<_>>(), ["too_short", "common"]);
        for p in &err.0 {
            assert_eq!(p.field, "password");
            assert!(!p.ja.contains(secret) && !p.en.contains(secret), "{p}");
        }
        assert!(err.0[0].en.contains("at least 13 characters, got 8"), "{}", err.0[0].en);
        assert!(err.0[0].ja.contains("13文字以上"), "{}", err.0[0].ja);
    }

    #[test]
    fn the_user_name_is_refused_whole_inside_and_in_any_case() {
        assert_eq!(codes("Mihon-Nurse-Kakuu", "mihon-nurse-kakuu", Strength::PasswordOnly), ["contains_username"]);
        assert_eq!(codes("kakuu-MIHON-NURSE-2026", "mihon-nurse", Strength::PasswordOnly), ["contains_username"]);
        // A two-letter name is only compared whole: "ab" may appear inside a long passphrase.
        assert_eq!(codes("tabi-no-sora-ni-kakuu", "ab", Strength::PasswordOnly), Vec::<String>::new());
        assert_eq!(codes("ab", "ab", Strength::WithSecondFactor), ["too_short", "contains_username"]);
    }

    #[test]
    fn common_passwords_and_common_ones_with_digits_around_are_refused() {
        for common in ["qwertyuiop123", "Password12345", "!!dragon2024!!!", "iloveyou-2026!", "Whosyourdaddy"] {
            assert_eq!(codes(common, "nurse-a", Strength::PasswordOnly), ["common"], "{common}");
        }
        for simple in ["1234567890123", "2026-12-02 13:45", "aaaaaaaaaaaaa", "0000000000000x", "!!!!!!!!!!!!!!"] {
            assert_eq!(codes(simple, "nurse-a", Strength::PasswordOnly), ["common"], "{simple}");
        }
        // Words inside a longer passphrase are fine; only the whole (trimmed) password counts.
        assert_eq!(codes("password-kakuu-sora", "nurse-a", Strength::PasswordOnly), Vec::<String>::new());
        assert_eq!(codes("kakuu-password-1", "nurse-a", Strength::PasswordOnly), Vec::<String>::new());
    }

    #[test]
    fn the_project_s_own_demo_and_test_passwords_pass() {
        for (password, username) in [
            ("kakuu-mihon-2026", "mihon-nurse"), // scripts/run.sh, README (every demo account)
            ("kakuu-mihon-2026", "mihon-office"),
            ("kakuu-password-1", "nurse-a"), // crates/server/tests, tests/stories.rs
            ("kakuu-sora-pw-1", "nurse-a"),  // crates/cli/tests
            ("kakuu-nurse-pw", "e2e-nurse"), // ui/tests/e2e (kakuu-<role>-pw)
            ("kakuu-parent-pw", "e2e-parent"),
            ("bench-password-1", "nurse-load-0"),  // crates/bench
            ("kakuu-sora-to-umi-2026", "office1"), // the server crate's doc example
        ] {
            assert_eq!(check_password(password, username, Strength::PasswordOnly), Ok(()), "{password}");
        }
    }

    #[test]
    fn control_characters_and_oversized_passwords_are_refused() {
        assert_eq!(codes("kakuu-hana-12\u{7}", "nurse-a", Strength::PasswordOnly), ["control_char"]);
        let long = "k".repeat(MAX_BYTES) + "-x";
        assert_eq!(codes(&long, "nurse-a", Strength::PasswordOnly), ["too_long"]);
    }
}
