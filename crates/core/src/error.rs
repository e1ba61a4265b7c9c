//! The core's error: small, typed, and convertible to the wire shape.

use carebook_domain::{DocError, ErrorBody, Problems, RecordKind};

/// What can go wrong in a use case.
#[derive(Debug, thiserror::Error)]
pub enum CoreError {
    /// The input breaks the rules; nothing was written.
    #[error("入力内容に問題があります / the input is invalid\n{0}")]
    Invalid(Problems),
    /// No such record on this device.
    #[error("{}が見つかりません / {kind} record {id} not found", kind.label().ja)]
    NotFound {
        /// Which kind.
        kind: RecordKind,
        /// The id asked for.
        id: String,
    },
    /// A stored or received document cannot be read or does not fit its schema.
    #[error("記録 {id} を読み込めません / {err}", id = doc_id(.0), err = .0)]
    Document(#[from] DocError),
    /// The record is approved and locked against edits.
    #[error("承認済みの記録 {id} は変更できません / visit {id} is approved and locked")]
    Locked {
        /// The record.
        id: String,
    },
    /// The server cannot be reached (no signal, server down). Nothing is lost: records wait.
    #[error("サーバーに接続できません。記録は端末に保存されています / cannot reach the server; records are kept on this device ({0})")]
    Offline(String),
    /// The server cannot serve now (503: its database is down, its disk full) and said when to
    /// try again. Nothing is lost: records wait on the device, and the sync loop retries then.
    #[error("{} (記録は端末に保存されています。{retry_after_secs} 秒後に再試行します / records are kept on this device; retrying in {retry_after_secs} s)", .body.message)]
    Unavailable {
        /// Seconds the server asked to wait (`Retry-After`; 30 when it did not say).
        retry_after_secs: u64,
        /// The server's error.
        body: ErrorBody,
    },
    /// The server answered with an error.
    #[error("{}", .body.message)]
    Server {
        /// HTTP status.
        status: u16,
        /// The server's error.
        body: ErrorBody,
    },
    /// Sync needs a login first.
    #[error("ログインしていません / not logged in: run `carebook login` first")]
    NotLoggedIn,
    /// The server revoked this device (or disabled its account); its records were removed from
    /// it, after it handed over what it had not sent. Records the server could not keep
    /// (`quarantine_full`) stay.
    #[error(
        "この端末は無効化されました。端末内の記録 {removed} 件を削除しました{} / this device was revoked; {removed} records were removed from it{}",
        if *kept > 0 { format!("（事務所に渡せなかった {kept} 件は端末に残しています。事務所に連絡してください）") } else { String::new() },
        if *kept > 0 { format!(" ({kept} the office could not take stay on it: tell the office)") } else { String::new() }
    )]
    DeviceRevoked {
        /// How many records were removed.
        removed: u64,
        /// How many stay: unsent records the server's quarantine had no room for.
        kept: u64,
    },
    /// The app is locked: the PIN opens it.
    #[error("アプリはロックされています。PIN を入力してください / the app is locked: enter the PIN")]
    AppLocked,
    /// The local database failed (code `storage`, as every variant below).
    #[error("端末内の保存に失敗しました / device storage failed: {0}")]
    Storage(#[from] sqlx::Error),
    /// Bringing the store's schema up to date failed.
    #[error("端末内の保存に失敗しました / device storage failed: migrating the device store failed: {0}")]
    Migrate(#[from] sqlx::migrate::MigrateError),
    /// A value could not be written or read as JSON.
    #[error("端末内の保存に失敗しました / device storage failed: {0}")]
    Json(#[from] serde_json::Error),
    /// A background task (decoding on a blocking thread) panicked or was cancelled.
    #[error("端末内の保存に失敗しました / device storage failed: {0}")]
    Task(#[from] tokio::task::JoinError),
    /// A file or directory could not be read or written.
    #[error("端末内の保存に失敗しました / device storage failed: {0}")]
    Io(#[from] std::io::Error),
    /// A step of the store failed and the message says which (the stored rules of a
    /// municipality, the backup before a migration …); the cause is kept as the source.
    #[error("端末内の保存に失敗しました / device storage failed: {what}: {source}")]
    Step {
        /// What was being done or read.
        what: String,
        /// Why it failed.
        #[source]
        source: Box<dyn std::error::Error + Send + Sync>,
    },
}

fn doc_id(e: &DocError) -> &str {
    e.id()
}

impl CoreError {
    /// The stable code.
    pub fn code(&self) -> &str {
        match self {
            CoreError::Invalid(_) => "invalid",
            CoreError::NotFound { .. } => "not_found",
            CoreError::Document(e) => e.code(),
            CoreError::Locked { .. } => "locked",
            CoreError::Storage(_)
            | CoreError::Migrate(_)
            | CoreError::Json(_)
            | CoreError::Task(_)
            | CoreError::Io(_)
            | CoreError::Step { .. } => "storage",
            CoreError::Offline(_) => "offline",
            CoreError::Server { body, .. } | CoreError::Unavailable { body, .. } => &body.code,
            CoreError::NotLoggedIn => "not_logged_in",
            CoreError::DeviceRevoked { .. } => "device_revoked",
            CoreError::AppLocked => "app_locked",
        }
    }

    /// A storage step that failed, saying which; the cause stays the source.
    pub fn step(what: impl Into<String>, source: impl Into<Box<dyn std::error::Error + Send + Sync>>) -> CoreError {
        CoreError::Step { what: what.into(), source: source.into() }
    }

    /// Whether the device's own storage failed (code `storage`), as opposed to the input, the
    /// record or the server.
    pub fn is_storage(&self) -> bool {
        // `code()` is the one exhaustive list; a server's own error body never counts.
        !matches!(self, CoreError::Server { .. } | CoreError::Unavailable { .. }) && self.code() == "storage"
    }

    /// The wire shape.
    pub fn to_body(&self) -> ErrorBody {
        match self {
            CoreError::Server { body, .. } => body.clone(),
            CoreError::Invalid(p) => ErrorBody { code: self.code().to_string(), message: self.to_string(), problems: p.0.clone() },
            _ => ErrorBody { code: self.code().to_string(), message: self.to_string(), problems: vec![] },
        }
    }
}

impl From<Problems> for CoreError {
    fn from(p: Problems) -> Self {
        CoreError::Invalid(p)
    }
}
