//! The one Argon2id wrapper, for every secret Carebook keeps only as a hash: the server's account
//! passwords and the app's PIN. Hashes are PHC strings (`$argon2id$v=19$m=…,t=…,p=…$salt$hash`)
//! with the argon2 crate's default parameters (m = 19456 KiB, t = 2, p = 1) and a random salt.
//!
//! A check runs in memory the caller may keep ([`Verifier`]): the server's hashing threads keep
//! theirs for their life, so no check allocates its 19 MiB anew (freed and allocated again, such
//! blocks stay in glibc's per-thread arenas and the process grows with every check). A stored
//! hash that asks for more than [`MAX_BLOCKS`] is never computed.
//!
//! Hashing is slow on purpose (tens of milliseconds): callers run it off their async workers.

use argon2::password_hash::phc::{Output, PasswordHash};
use argon2::password_hash::PasswordHasher;
use argon2::{Algorithm, Argon2, Block, Params, Version};

/// What an unknown user name is checked against, so that answering takes as long: a PHC string
/// with the parameters every hash gets and an output of zeros, which no secret hashes to.
pub const DUMMY_HASH: &str = "$argon2id$v=19$m=19456,t=2,p=1$c2FsdHNhbHRzYWx0c2FsdA$AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA";

/// The most Argon2 memory one check may take, in 1 KiB blocks: four times what the hashes made
/// today ask for.
pub const MAX_BLOCKS: usize = 4 * 19 * 1024;

/// The secret could not be hashed (no randomness for the salt).
#[derive(Debug, thiserror::Error)]
#[error("{}", self.message())]
pub struct HashError(String);

impl HashError {
    /// What went wrong, in Japanese and in English (with what Argon2 said).
    pub fn message(&self) -> crate::wire::Message {
        crate::wire::Message::new(
            format!("パスワードや PIN を保存用に変換できませんでした（{}）", self.0),
            format!("cannot hash the secret: {}", self.0),
        )
    }
}

/// Argon2id with the default parameters and a random salt, as a PHC string.
pub fn hash(secret: &str) -> Result<String, HashError> {
    Argon2::default().hash_password(secret.as_bytes()).map(|h| h.to_string()).map_err(|e| HashError(e.to_string()))
}

/// What a check found.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Verdict {
    /// The secret matches the hash.
    Match,
    /// It does not, or the hash does not parse.
    NoMatch,
    /// The hash asks for more memory than [`MAX_BLOCKS`]; nothing was computed (callers log it:
    /// a stored hash should never look like this).
    TooCostly,
}

/// Memory for checks, grown to what the hashes ask for and kept.
#[derive(Debug, Default)]
pub struct Verifier {
    memory: Vec<Block>,
}

impl Verifier {
    /// A verifier with no memory yet (the first check allocates it).
    pub fn new() -> Verifier {
        Verifier::default()
    }

    /// Whether `secret` matches the PHC string `hash`, computed in this verifier's memory. The
    /// comparison takes the same time wherever the bytes differ.
    pub fn verify(&mut self, secret: &str, hash: &str) -> Verdict {
        let Ok(parsed) = PasswordHash::new(hash) else { return Verdict::NoMatch };
        let (Some(salt), Some(expected)) = (&parsed.salt, &parsed.hash) else { return Verdict::NoMatch };
        let Ok(algorithm) = Algorithm::try_from(parsed.algorithm.as_str()) else { return Verdict::NoMatch };
        let Ok(version) = parsed.version.map(Version::try_from).transpose() else { return Verdict::NoMatch };
        let Ok(params) = Params::try_from(&parsed) else { return Verdict::NoMatch };
        let blocks = params.block_count();
        if blocks > MAX_BLOCKS {
            return Verdict::TooCostly;
        }
        if self.memory.len() < blocks {
            self.memory.resize(blocks, Block::default());
        }
        let mut out = [0u8; 64];
        let Some(out) = out.get_mut(..expected.len()) else { return Verdict::NoMatch };
        let argon2 = Argon2::new(algorithm, version.unwrap_or_default(), params);
        if argon2.hash_password_into_with_memory(secret.as_bytes(), salt.as_ref(), out, &mut self.memory[..blocks]).is_err() {
            return Verdict::NoMatch;
        }
        // `Output` compares in constant time.
        match Output::new(out) {
            Ok(computed) if &computed == expected => Verdict::Match,
            _ => Verdict::NoMatch,
        }
    }
}

/// Whether `secret` matches `hash`, in memory of its own (for a one-off check such as the PIN).
pub fn verify(secret: &str, hash: &str) -> bool {
    Verifier::new().verify(secret, hash) == Verdict::Match
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_hash_error_says_it_in_japanese_and_in_english() {
        let e = HashError("no randomness".into());
        assert!(e.message().is_bilingual(), "{e}");
        assert!(e.message().ja.contains("no randomness"));
    }

    #[test]
    fn a_hash_matches_its_secret_and_nothing_else() {
        let h = hash("見本の合言葉-2026").unwrap();
        assert!(h.starts_with("$argon2id$v=19$m=19456,t=2,p=1$"), "{h}");
        assert!(verify("見本の合言葉-2026", &h));
        assert!(!verify("見本の合言葉-2025", &h));
        assert_ne!(hash("見本の合言葉-2026").unwrap(), h, "each hash has its own salt");
    }

    #[test]
    fn the_argon2_crate_agrees_with_the_verifier() {
        use argon2::password_hash::PasswordVerifier;
        let h = hash("kakuu-mihon").unwrap();
        let parsed = PasswordHash::new(&h).unwrap();
        assert!(Argon2::default().verify_password(b"kakuu-mihon", &parsed).is_ok());
        assert_eq!(Verifier::new().verify("kakuu-mihon", &h), Verdict::Match);
    }

    #[test]
    fn the_dummy_hash_parses_costs_as_much_and_matches_nothing() {
        let mut v = Verifier::new();
        for secret in ["", "password", "kakuu-mihon-2026"] {
            assert_eq!(v.verify(secret, DUMMY_HASH), Verdict::NoMatch);
        }
        assert_eq!(v.memory.len(), 19456, "computed with the accounts' memory");
    }

    #[test]
    fn checks_in_kept_memory_never_allocate_it_again_and_read_other_parameters_from_the_hash() {
        let h = hash("kakuu-hana-12").unwrap();
        let mut v = Verifier::new();
        assert_eq!(v.verify("kakuu-hana-12", &h), Verdict::Match);
        let kept = v.memory.as_ptr();
        assert_eq!(v.verify("kakuu-hana-13", &h), Verdict::NoMatch);
        assert_eq!(v.verify("", &h), Verdict::NoMatch);
        assert_eq!(v.verify("kakuu-hana-12", &h), Verdict::Match);
        assert_eq!(v.memory.as_ptr(), kept, "the same memory every time");
        let light = Argon2::new(Algorithm::Argon2id, Version::V0x13, Params::new(1024, 1, 1, None).unwrap());
        let light = light.hash_password(b"kakuu-hana-12").unwrap().to_string();
        assert_eq!(v.verify("kakuu-hana-12", &light), Verdict::Match);
        assert_eq!(v.verify("kakuu-hana-1", &light), Verdict::NoMatch);
        assert_eq!(v.memory.len(), 19 * 1024, "a lighter hash uses part of the kept memory");
    }

    #[test]
    fn a_hash_asking_for_too_much_memory_is_not_computed() {
        let greedy = "$argon2id$v=19$m=4000000,t=2,p=1$c2FsdHNhbHRzYWx0c2FsdA$AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA";
        let mut v = Verifier::new();
        assert_eq!(v.verify("x", greedy), Verdict::TooCostly);
        assert!(v.memory.is_empty());
    }

    #[test]
    fn garbage_never_matches() {
        for h in ["", "$argon2id$", "not a hash", "$argon2id$v=19$m=8,t=1,p=1$c2FsdA$"] {
            assert_eq!(Verifier::new().verify("x", h), Verdict::NoMatch, "{h:?}");
        }
    }
}
