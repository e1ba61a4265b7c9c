//! The library's error type, for every layer: storage, the use cases (access, login, push) and
//! administration. HTTP answers are made from it in `http` (the status and code of each
//! variant), where internals are logged and replaced by `internal`.

use std::path::PathBuf;

use super::OrgKind;

/// What went wrong in storage, administration or serving.
#[derive(Debug, thiserror::Error)]
pub enum Error {
    /// The configuration could not be used.
    #[error(transparent)]
    Config(#[from] super::config::ConfigError),
    /// The database URL names no supported backend.
    #[error("unsupported database url {0:?}: expected sqlite://… or postgres://…")]
    UnsupportedUrl(String),
    /// The directory for the SQLite file could not be made.
    #[error("cannot create data directory {path}: {source}")]
    DataDir {
        /// The directory.
        path: PathBuf,
        /// Why.
        source: std::io::Error,
    },
    /// The database said no.
    #[error("database error: {0}")]
    Database(#[from] sqlx::Error),
    /// A migration could not run.
    #[error("database migration failed: {0}")]
    Migrate(#[from] sqlx::migrate::MigrateError),
    /// `add_user` with a name already taken.
    #[error("user {0:?} already exists")]
    UsernameTaken(String),
    /// No account has this name.
    #[error("no user named {0:?}")]
    UnknownUser(String),
    /// No organisation has this id.
    #[error("所属 {0:?} はありません / no organisation with id {0:?}")]
    UnknownOrg(String),
    /// No device has this id.
    #[error("no device with id {0:?}")]
    UnknownDevice(String),
    /// The organisation exists with another kind.
    #[error("organisation {org:?} is a {existing}, not a {requested}")]
    OrgKindMismatch {
        /// The organisation.
        org: String,
        /// What it is.
        existing: OrgKind,
        /// What was asked for.
        requested: OrgKind,
    },
    /// An argument was refused.
    #[error("invalid {what} {value:?}: {reason}")]
    Invalid {
        /// Which argument.
        what: &'static str,
        /// Its value (never a password).
        value: String,
        /// Why.
        reason: &'static str,
    },
    /// A new password breaks the password rule (every problem; the password is never quoted).
    #[error("パスワードが使えません / the password was refused:\n{0}")]
    Password(carebook_domain::Problems),
    /// Input was refused (every problem with its field; answered `invalid`).
    #[error("入力に問題があります / the input was refused:\n{0}")]
    Problems(carebook_domain::Problems),
    /// Hashing a password failed.
    #[error("password hashing failed: {0}")]
    PasswordHash(String),
    /// A stored value is not what the server wrote.
    #[error("stored {what} {value:?} is unreadable")]
    Stored {
        /// Which value.
        what: &'static str,
        /// What was found.
        value: String,
    },
    /// A request that cannot be served as asked (answered `bad_request`); the message says why,
    /// Japanese first.
    #[error("{0}")]
    BadRequest(String),
    /// A login with a wrong user name or password (answered `unauthorized`).
    #[error("ユーザー名またはパスワードが違います / wrong username or password")]
    WrongPassword,
    /// A request without a device token the server knows (answered `unauthorized`).
    #[error("認証されていません / unknown or missing token")]
    UnknownToken,
    /// A request from a revoked device (answered `device_revoked`).
    #[error("この端末は無効にされています / this device has been revoked")]
    DeviceRevoked,
    /// A login to a disabled account, with the right password (answered `account_disabled`).
    #[error(
        "このアカウントは無効にされています。事業所の事務担当に連絡してください / this account has been disabled; contact your office"
    )]
    AccountDisabled,
    /// A login with a one-time password and no new password (answered `password_change_required`).
    #[error(
        "仮パスワードでログインしました。新しいパスワードを設定してください / this is a one-time password: set a new password of your own"
    )]
    PasswordChangeRequired,
    /// A login with a one-time password past its time (answered `one_time_password_expired`).
    #[error("仮パスワードの有効期限が切れました。事務担当に再発行を依頼してください / the one-time password has expired; ask your office for a new one")]
    OneTimePasswordExpired,
    /// The caller's role or organisation does not allow this (answered `forbidden`).
    #[error("この操作の権限がありません / you may not do this: {0}")]
    Forbidden(&'static str),
    /// A request with an expired token (answered `token_expired`).
    #[error("ログインの有効期限が切れました。もう一度ログインしてください / the token has expired; log in again")]
    TokenExpired,
    /// Too many failed logins under one of the attempt's keys (answered `too_many_attempts`).
    #[error("ログインの失敗が続いたため {secs} 秒待ってください / too many failed logins; try again in {secs} s")]
    TooManyAttempts {
        /// How long to wait, whole seconds rounded up.
        secs: i64,
    },
    /// Too many logins are waiting for a password check (answered `busy`).
    #[error(
        "ログインが混み合っています。{retry_after_secs} 秒後にもう一度お試しください / too many logins are being checked; try again in {retry_after_secs} s"
    )]
    Busy {
        /// When to try again, seconds.
        retry_after_secs: i64,
    },
    /// A document kept changing under concurrent pushes.
    #[error("record {0} kept changing under concurrent pushes; try again")]
    Contended(String),
    /// The address could not be bound.
    #[error("cannot listen on {addr}: {source}")]
    Bind {
        /// The address.
        addr: String,
        /// Why.
        source: std::io::Error,
    },
    /// The server failed while serving.
    #[error("server error: {0}")]
    Io(#[from] std::io::Error),
    /// A background task panicked or was cancelled.
    #[error("server task failed: {0}")]
    Task(#[from] tokio::task::JoinError),
}

/// The library's result.
pub type Result<T, E = Error> = std::result::Result<T, E>;

/// Why the database cannot serve a request now, when waiting may help (answered 503 with
/// `Retry-After`; every other error stays a 500).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Unavailable {
    /// No connection could be had in time: the database is down, unreachable or saturated.
    Database,
    /// The database's disk is full.
    StorageFull,
    /// Another writer held the database past the busy timeout.
    Busy,
}

impl Error {
    /// [`Error::TooManyAttempts`] for a wait of `wait_ms` milliseconds.
    pub(crate) fn too_many_attempts(wait_ms: i64) -> Error {
        Error::TooManyAttempts { secs: (wait_ms + 999) / 1000 }
    }

    /// Whether this error is the database being unavailable for now, and how.
    pub(crate) fn unavailable(&self) -> Option<Unavailable> {
        match self {
            Error::Database(e) => unavailable(e),
            Error::Migrate(sqlx::migrate::MigrateError::Execute(e)) => unavailable(e),
            _ => None,
        }
    }
}

fn unavailable(e: &sqlx::Error) -> Option<Unavailable> {
    match e {
        sqlx::Error::PoolTimedOut | sqlx::Error::PoolClosed | sqlx::Error::Io(_) | sqlx::Error::Tls(_) | sqlx::Error::WorkerCrashed => {
            Some(Unavailable::Database)
        }
        sqlx::Error::Database(db) => {
            let code = db.code()?;
            match code.parse::<i32>() {
                // SQLite: the primary result code is the low byte of the extended one.
                Ok(n) => match n & 0xff {
                    13 => Some(Unavailable::StorageFull),   // SQLITE_FULL
                    5 | 6 => Some(Unavailable::Busy),       // SQLITE_BUSY, SQLITE_LOCKED
                    10 | 14 => Some(Unavailable::Database), // SQLITE_IOERR, SQLITE_CANTOPEN
                    _ => None,
                },
                // PostgreSQL's SQLSTATE: connection exceptions, shutting down, out of resources.
                Err(_) => match code.as_ref() {
                    "53100" => Some(Unavailable::StorageFull),
                    c if c.starts_with("08") || c.starts_with("57P") || c.starts_with("53") => Some(Unavailable::Database),
                    "40001" | "40P01" | "55P03" => Some(Unavailable::Busy),
                    _ => None,
                },
            }
        }
        _ => None,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_pool_that_cannot_connect_is_unavailable_and_a_bad_query_is_not() {
        assert_eq!(Error::Database(sqlx::Error::PoolTimedOut).unavailable(), Some(Unavailable::Database));
        let io = std::io::Error::new(std::io::ErrorKind::ConnectionRefused, "refused");
        assert_eq!(Error::Database(sqlx::Error::Io(io)).unavailable(), Some(Unavailable::Database));
        assert_eq!(Error::Database(sqlx::Error::RowNotFound).unavailable(), None);
        assert_eq!(Error::Contended("x".into()).unavailable(), None);
    }
}
