//! Passwords: Argon2id hashes for new passwords, and the [`Hasher`] that checks logins on
//! threads of its own with bounded memory. Below storage (which hashes the passwords operators
//! set) and auth (which checks logins).

use argon2::password_hash::phc::{Output, PasswordHash};
use argon2::password_hash::PasswordHasher;
use argon2::{Algorithm, Argon2, Block, Params, Version};

use crate::model::{Error, Result};

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

#[cfg(test)]
mod tests {
    use super::*;

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
}
