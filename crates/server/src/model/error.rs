//! The library's error type, for every layer: storage, the use cases (access, login, push) and
//! administration. HTTP answers are made from it in `http` (the status and code of each
//! variant), where internals are logged and replaced by `internal`.

use std::path::PathBuf;

use carebook_domain::Message;

use super::OrgKind;

/// What went wrong in storage, administration or serving. Its `Display` is
/// [`Error::message`] (`日本語 / English`).
#[derive(Debug, thiserror::Error)]
#[error("{}", self.message())]
pub enum Error {
    /// The configuration could not be used.
    Config(#[from] super::config::ConfigError),
    /// The database URL names no supported backend.
    UnsupportedUrl(String),
    /// The directory for the SQLite file could not be made.
    DataDir {
        /// The directory.
        path: PathBuf,
        /// Why.
        source: std::io::Error,
    },
    /// The database said no.
    Database(#[from] sqlx::Error),
    /// A migration could not run.
    Migrate(#[from] sqlx::migrate::MigrateError),
    /// `add_user` with a name already taken.
    UsernameTaken(String),
    /// No account has this name.
    UnknownUser(String),
    /// No organisation has this id.
    UnknownOrg(String),
    /// No device has this id.
    UnknownDevice(String),
    /// The organisation exists with another kind.
    OrgKindMismatch {
        /// The organisation.
        org: String,
        /// What it is.
        existing: OrgKind,
        /// What was asked for.
        requested: OrgKind,
    },
    /// An argument was refused.
    Invalid {
        /// Which argument, in both languages.
        what: Message,
        /// Its value (never a password).
        value: String,
        /// Why, in both languages.
        reason: Message,
    },
    /// A new password breaks the password rule (every problem; the password is never quoted).
    Password(carebook_domain::Problems),
    /// Input was refused (every problem with its field; answered `invalid`).
    Problems(carebook_domain::Problems),
    /// Hashing a password failed.
    PasswordHash(String),
    /// A stored value is not what the server wrote.
    Stored {
        /// Which value, in both languages.
        what: Message,
        /// What was found.
        value: String,
    },
    /// A request that cannot be served as asked (answered `bad_request`); the message says why.
    BadRequest(Message),
    /// A login with a wrong user name or password (answered `unauthorized`).
    WrongPassword,
    /// A request without a device token the server knows (answered `unauthorized`).
    UnknownToken,
    /// A request from a revoked device (answered `device_revoked`).
    DeviceRevoked,
    /// A login to a disabled account, with the right password (answered `account_disabled`).
    AccountDisabled,
    /// A login with a one-time password and no new password (answered `password_change_required`).
    PasswordChangeRequired,
    /// A login with a one-time password past its time (answered `one_time_password_expired`).
    OneTimePasswordExpired,
    /// The caller's role or organisation does not allow this (answered `forbidden`).
    Forbidden(Message),
    /// A request with an expired token, or from a device idle past `idle_days` (answered
    /// `token_expired`).
    TokenExpired,
    /// A login with the right password to an account with a second factor, without a code
    /// (answered `second_factor_required`).
    SecondFactorRequired,
    /// A login with the right password and a wrong, used or replayed code (answered
    /// `second_factor_wrong`; counted like a wrong password).
    SecondFactorWrong,
    /// A request from a device whose account must enrol a second factor first (answered
    /// `second_factor_enrolment_required`).
    SecondFactorEnrolmentRequired,
    /// Too many failed logins under one of the attempt's keys (answered `too_many_attempts`).
    TooManyAttempts {
        /// How long to wait, whole seconds rounded up.
        secs: i64,
    },
    /// Too many logins are waiting for a password check (answered `busy`).
    Busy {
        /// When to try again, seconds.
        retry_after_secs: i64,
    },
    /// A document kept changing under concurrent pushes.
    Contended(String),
    /// The address could not be bound.
    Bind {
        /// The address.
        addr: String,
        /// Why.
        source: std::io::Error,
    },
    /// The server failed while serving.
    Io(#[from] std::io::Error),
    /// A background task panicked or was cancelled.
    Task(#[from] tokio::task::JoinError),
    /// A file could not be written or used (a backup, a restore, a TLS certificate); the message
    /// says what.
    Unusable(Message),
}

impl Error {
    /// What went wrong, in Japanese and in English. Values from outside (a name, a path, what
    /// the database or the system said) appear in both; a password never does.
    pub fn message(&self) -> Message {
        match self {
            Error::Config(e) => e.message(),
            Error::UnsupportedUrl(url) => Message::new(
                format!("データベースの URL {url:?} は使えません。sqlite://… か postgres://… を指定してください"),
                format!("unsupported database url {url:?}: expected sqlite://… or postgres://…"),
            ),
            Error::DataDir { path, source } => Message::new(
                format!("データ保存先 {} を作成できません：{source}", path.display()),
                format!("cannot create data directory {}: {source}", path.display()),
            ),
            Error::Database(e) => Message::new(format!("データベースのエラーです：{e}"), format!("database error: {e}")),
            Error::Migrate(e) => {
                Message::new(format!("データベースの形式を更新できませんでした：{e}"), format!("database migration failed: {e}"))
            }
            Error::UsernameTaken(name) => {
                Message::new(format!("ユーザー {name:?} はすでに登録されています"), format!("user {name:?} already exists"))
            }
            Error::UnknownUser(name) => Message::new(format!("ユーザー {name:?} は登録されていません"), format!("no user named {name:?}")),
            Error::UnknownOrg(id) => Message::new(format!("所属 {id:?} はありません"), format!("no organisation with id {id:?}")),
            Error::UnknownDevice(id) => Message::new(format!("ID {id:?} の端末はありません"), format!("no device with id {id:?}")),
            Error::OrgKindMismatch { org, existing, requested } => Message::new(
                format!("組織 {org:?} は{}として登録されています（{}ではありません）", existing.label().ja, requested.label().ja),
                format!("organisation {org:?} is a {existing}, not a {requested}"),
            ),
            Error::Invalid { what, value, reason } => Message::new(
                format!("{} {value:?} は使えません：{}", what.ja, reason.ja),
                format!("invalid {} {value:?}: {}", what.en, reason.en),
            ),
            Error::Password(p) => {
                let lines = |f: fn(&carebook_domain::Problem) -> &str| p.0.iter().map(|pr| format!("\n{}", f(pr))).collect::<String>();
                Message::new(
                    format!("パスワードが使えません：{}", lines(|pr| &pr.ja)),
                    format!("the password was refused:{}", lines(|pr| &pr.en)),
                )
            }
            Error::Problems(p) => {
                let lines = |f: fn(&carebook_domain::Problem) -> &str| {
                    p.0.iter().map(|pr| format!("\n{}: {}", pr.field, f(pr))).collect::<String>()
                };
                Message::new(
                    format!("入力に問題があります：{}", lines(|pr| &pr.ja)),
                    format!("the input was refused:{}", lines(|pr| &pr.en)),
                )
            }
            Error::PasswordHash(e) => {
                Message::new(format!("パスワードを保存用に変換できませんでした：{e}"), format!("password hashing failed: {e}"))
            }
            Error::Stored { what, value } => Message::new(
                format!("保存されている{} {value:?} が読めません", what.ja),
                format!("stored {} {value:?} is unreadable", what.en),
            ),
            Error::BadRequest(message) => message.clone(),
            Error::WrongPassword => Message::new("ユーザー名またはパスワードが違います", "wrong username or password"),
            Error::UnknownToken => Message::new("認証されていません", "unknown or missing token"),
            Error::DeviceRevoked => Message::new("この端末は無効にされています", "this device has been revoked"),
            Error::AccountDisabled => Message::new(
                "このアカウントは無効にされています。事業所の事務担当に連絡してください",
                "this account has been disabled; contact your office",
            ),
            Error::PasswordChangeRequired => Message::new(
                "仮パスワードでログインしました。新しいパスワードを設定してください",
                "this is a one-time password: set a new password of your own",
            ),
            Error::OneTimePasswordExpired => Message::new(
                "仮パスワードの有効期限が切れました。事務担当に再発行を依頼してください",
                "the one-time password has expired; ask your office for a new one",
            ),
            Error::Forbidden(why) => {
                Message::new(format!("この操作の権限がありません（{}）", why.ja), format!("you may not do this: {}", why.en))
            }
            Error::TokenExpired => {
                Message::new("ログインの有効期限が切れました。もう一度ログインしてください", "the token has expired; log in again")
            }
            Error::SecondFactorRequired => Message::new(
                "認証アプリの 6 桁のコード（または回復コード）を入力してください",
                "enter the 6-digit code of your authenticator app (or a recovery code)",
            ),
            Error::SecondFactorWrong => Message::new(
                "確認コードが違うか、すでに使われています。次のコードを入力してください",
                "the code is wrong or was already used; enter the next one",
            ),
            Error::SecondFactorEnrolmentRequired => Message::new(
                "このアカウントには二要素認証の設定が必要です。認証アプリを登録してください",
                "this account must set up two-factor sign-in first: enrol an authenticator app",
            ),
            Error::TooManyAttempts { secs } => Message::new(
                format!("ログインの失敗が続いたため {secs} 秒待ってください"),
                format!("too many failed logins; try again in {secs} s"),
            ),
            Error::Busy { retry_after_secs: secs } => Message::new(
                format!("ログインが混み合っています。{secs} 秒後にもう一度お試しください"),
                format!("too many logins are being checked; try again in {secs} s"),
            ),
            Error::Contended(id) => Message::new(
                format!("記録 {id} が同時の送信で変わり続けました。もう一度お試しください"),
                format!("record {id} kept changing under concurrent pushes; try again"),
            ),
            Error::Bind { addr, source } => {
                Message::new(format!("{addr} で待ち受けできません：{source}"), format!("cannot listen on {addr}: {source}"))
            }
            Error::Io(e) => Message::new(format!("サーバーのエラーです：{e}"), format!("server error: {e}")),
            Error::Task(e) => Message::new(format!("サーバーの処理が止まりました：{e}"), format!("server task failed: {e}")),
            Error::Unusable(m) => m.clone(),
        }
    }
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
    use crate::model::config::{Config, ConfigError};

    /// One of each variant (and of each configuration error), with plain ASCII values.
    fn one_of_each() -> Vec<Error> {
        let io = || std::io::Error::other("disk gone");
        let problem = carebook_domain::Problem {
            field: "password".into(),
            code: "too_short".into(),
            ja: "パスワードが短すぎます".into(),
            en: "the password is too short".into(),
        };
        vec![
            Error::Config(ConfigError::Read { path: "/etc/carebook.toml".into(), source: io() }),
            Error::Config(ConfigError::Parse { path: "/etc/carebook.toml".into(), message: "expected `=`".into() }),
            Error::Config(ConfigError::Env { var: "CAREBOOK_HASH_QUEUE", value: "x".into(), reason: "invalid digit".into() }),
            Error::Config(ConfigError::Invalid {
                field: "hash_queue",
                value: "0".into(),
                reason: Message::new("1〜100000 にしてください", "must be 1 to 100000"),
            }),
            Error::UnsupportedUrl("mysql://x".into()),
            Error::DataDir { path: "/data".into(), source: io() },
            Error::Database(sqlx::Error::RowNotFound),
            Error::Migrate(sqlx::migrate::MigrateError::VersionMissing(7)),
            Error::UsernameTaken("nurse-a".into()),
            Error::UnknownUser("nurse-a".into()),
            Error::UnknownDevice("dev-1".into()),
            Error::UnknownOrg("st-a".into()),
            Error::Problems(carebook_domain::Problems(vec![problem.clone()])),
            Error::AccountDisabled,
            Error::PasswordChangeRequired,
            Error::OneTimePasswordExpired,
            Error::Forbidden(Message::new("見本", "sample")),
            Error::OrgKindMismatch { org: "st-a".into(), existing: OrgKind::Station, requested: OrgKind::Municipality },
            Error::Password(carebook_domain::Problems(vec![problem])),
            Error::PasswordHash("no randomness".into()),
            Error::Stored { what: Message::new("役割", "role"), value: "chief".into() },
            Error::BadRequest(Message::new("見本", "sample")),
            Error::WrongPassword,
            Error::UnknownToken,
            Error::DeviceRevoked,
            Error::TokenExpired,
            Error::TooManyAttempts { secs: 2 },
            Error::Busy { retry_after_secs: 2 },
            Error::Contended("rec-1".into()),
            Error::Bind { addr: "0.0.0.0:8080".into(), source: io() },
            Error::Io(io()),
        ]
    }

    #[test]
    fn every_error_says_it_in_japanese_and_in_english_naming_the_same_values() {
        for e in one_of_each() {
            let m = e.message();
            assert!(m.is_bilingual(), "{m:?}");
            assert_eq!(e.to_string(), m.to_string());
            for v in [
                "/etc/carebook.toml",
                "CAREBOOK_HASH_QUEUE",
                "hash_queue",
                "mysql://x",
                "/data",
                "nurse-a",
                "dev-1",
                "st-a",
                "\"office\"",
                "no randomness",
                "chief",
                "rec-1",
                "0.0.0.0:8080",
                "disk gone",
                "2 ",
            ] {
                assert_eq!(m.ja.contains(v), m.en.contains(v), "{v} in {m:?}");
            }
        }
        let task = tokio::runtime::Builder::new_current_thread().build().unwrap().block_on(async {
            let handle = tokio::spawn(std::future::pending::<()>());
            handle.abort();
            handle.await.unwrap_err()
        });
        assert!(Error::Task(task).message().is_bilingual());
    }

    #[test]
    fn a_refused_setting_says_why_in_both_languages() {
        let err = Config { hash_queue: 0, ..Config::default() }.check().unwrap_err();
        let m = err.message();
        assert!(m.is_bilingual(), "{m:?}");
        assert!(m.ja.contains("hash_queue = 0") && m.en.contains("hash_queue = 0"), "{m:?}");
    }

    #[test]
    fn a_pool_that_cannot_connect_is_unavailable_and_a_bad_query_is_not() {
        assert_eq!(Error::Database(sqlx::Error::PoolTimedOut).unavailable(), Some(Unavailable::Database));
        let io = std::io::Error::new(std::io::ErrorKind::ConnectionRefused, "refused");
        assert_eq!(Error::Database(sqlx::Error::Io(io)).unavailable(), Some(Unavailable::Database));
        assert_eq!(Error::Database(sqlx::Error::RowNotFound).unavailable(), None);
        assert_eq!(Error::Contended("x".into()).unavailable(), None);
    }
}
