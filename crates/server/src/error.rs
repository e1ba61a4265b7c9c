//! The library's error type. HTTP answers are made from it in `http`, where internals are logged
//! and replaced by `internal`.

use std::path::PathBuf;

use crate::storage::OrgKind;

/// What went wrong in storage, administration or serving.
#[derive(Debug, thiserror::Error)]
pub enum Error {
    /// The configuration could not be used.
    #[error(transparent)]
    Config(#[from] crate::config::ConfigError),
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
