//! Passwords: Argon2id hashes for new passwords, and the [`Hasher`] that checks logins on
//! threads of its own with bounded memory. Below storage (which hashes the passwords operators
//! set) and auth (which checks logins).

use carebook_domain::hashing::{self, Verdict, Verifier, DUMMY_HASH};

use crate::model::{Error, Result};

/// Argon2id with the default parameters and a random salt, as a PHC string (accounts made by
/// operators; logins verify on the [`Hasher`]'s threads). The one wrapper is
/// `carebook_domain::hashing`, shared with the app's PIN.
pub(crate) async fn hash_password(password: String) -> Result<String> {
    tokio::task::spawn_blocking(move || hashing::hash(&password).map_err(|e| Error::PasswordHash(e.to_string()))).await?
}

/// Whether `password` matches `hash` in the thread's kept memory; a stored hash that asks for
/// more memory than allowed never matches, and is logged (never the password).
fn verify_in(verifier: &mut Verifier, password: &str, hash: &str) -> bool {
    match verifier.verify(password, hash) {
        Verdict::Match => true,
        Verdict::NoMatch => false,
        Verdict::TooCostly => {
            tracing::error!("a stored password hash asks for more memory than allowed");
            false
        }
    }
}

type Job = Box<dyn FnOnce(&mut Verifier) + Send>;

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
                let mut verifier = Verifier::new();
                loop {
                    let job = match rx.lock() {
                        Ok(rx) => rx.recv(),
                        Err(_) => return,
                    };
                    match job {
                        Ok(job) => {
                            let _ = std::panic::catch_unwind(std::panic::AssertUnwindSafe(|| job(&mut verifier)));
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
        let job: Job = Box::new(move |verifier| {
            let ok = match &hash {
                Some(hash) => verify_in(verifier, &password, hash),
                None => {
                    let _ = verify_in(verifier, &password, DUMMY_HASH);
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

    #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
    async fn the_hasher_checks_on_its_threads_and_says_busy_when_its_queue_is_full() {
        let hash = hashing::hash("kakuu-hana-12").unwrap();
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
