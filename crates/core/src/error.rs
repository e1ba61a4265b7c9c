//! The core's error: small, typed, and convertible to the wire shape.

use carebook_domain::{DocError, ErrorBody, Message, Problems, RecordKind};

/// What can go wrong in a use case. Its `Display` is [`CoreError::message`] (`日本語 / English`).
#[derive(Debug, thiserror::Error)]
#[error("{}", self.message())]
pub enum CoreError {
    /// The input breaks the rules; nothing was written.
    Invalid(Problems),
    /// No such record on this device.
    NotFound {
        /// Which kind.
        kind: RecordKind,
        /// The id asked for.
        id: String,
    },
    /// A stored or received document cannot be read or does not fit its schema.
    Document(#[from] DocError),
    /// The record is approved and locked against edits.
    Locked {
        /// The record.
        id: String,
    },
    /// The server cannot be reached (no signal, server down). Nothing is lost: records wait.
    Offline(String),
    /// The server's certificate could not be verified (rustls's reason): not a missing signal
    /// but a wrong address, a server of another organisation, or a missing CA
    /// (`CAREBOOK_CA_CERT`). Nothing is sent; records stay on the device.
    Untrusted(String),
    /// The organisation's CA file (`CAREBOOK_CA_CERT`) cannot be used; why, naming the file.
    CaCertificate(String),
    /// The server cannot serve now (503: its database is down, its disk full) and said when to
    /// try again. Nothing is lost: records wait on the device, and the sync loop retries then.
    Unavailable {
        /// Seconds the server asked to wait (`Retry-After`; 30 when it did not say).
        retry_after_secs: u64,
        /// The server's error (boxed: it is large, and errors travel in every `Result`).
        body: Box<ErrorBody>,
    },
    /// The server answered with an error.
    Server {
        /// HTTP status.
        status: u16,
        /// The server's error (boxed: it is large, and errors travel in every `Result`).
        body: Box<ErrorBody>,
    },
    /// Sync needs a login first.
    NotLoggedIn,
    /// The server revoked this device (or disabled its account); its records were removed from
    /// it, after it handed over what it had not sent. Records the server could not keep
    /// (`quarantine_full`) stay.
    DeviceRevoked {
        /// How many records were removed.
        removed: u64,
        /// How many stay: unsent records the server's quarantine had no room for.
        kept: u64,
    },
    /// The app is locked: the PIN opens it.
    AppLocked,
    /// Too many wrong PINs in a row: the device's store and key were deleted.
    Wiped {
        /// Records that were waiting to be sent when the app last counted them.
        unsent: u64,
    },
    /// The record is of a child this station handed over to another: this device keeps the
    /// visits its staff wrote to read, and writes none.
    HandedOver {
        /// The child's name as on the day of the transfer.
        child_name: String,
        /// The receiving station.
        to_org: String,
    },
    /// The local database failed (code `storage`, as every variant below).
    Storage(#[from] sqlx::Error),
    /// Bringing the store's schema up to date failed.
    Migrate(#[from] sqlx::migrate::MigrateError),
    /// A value could not be written or read as JSON.
    Json(#[from] serde_json::Error),
    /// A background task (decoding on a blocking thread) panicked or was cancelled.
    Task(#[from] tokio::task::JoinError),
    /// A file or directory could not be read or written.
    Io(#[from] std::io::Error),
    /// A step of the store failed and the message says which (the stored rules of a
    /// municipality, the backup before a migration …); the cause is kept as the source.
    Step {
        /// What was being done or read, in both languages.
        what: Message,
        /// Why it failed.
        #[source]
        source: Box<dyn std::error::Error + Send + Sync>,
    },
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
            CoreError::Untrusted(_) => "untrusted_certificate",
            CoreError::CaCertificate(_) => "ca_certificate",
            CoreError::Server { body, .. } | CoreError::Unavailable { body, .. } => &body.code,
            CoreError::NotLoggedIn => "not_logged_in",
            CoreError::DeviceRevoked { .. } => "device_revoked",
            CoreError::AppLocked => "app_locked",
            CoreError::Wiped { .. } => "device_wiped",
            CoreError::HandedOver { .. } => "handed_over",
        }
    }

    /// A storage step that failed, saying which (in both languages); the cause stays the source.
    pub fn step(what: Message, source: impl Into<Box<dyn std::error::Error + Send + Sync>>) -> CoreError {
        CoreError::Step { what, source: source.into() }
    }

    /// What went wrong, in Japanese and in English. Values from outside (an id, a count, what
    /// the server, the database or the system said) appear in both; record contents never do.
    pub fn message(&self) -> Message {
        let storage = Message::new("端末内の保存に失敗しました", "device storage failed");
        match self {
            CoreError::Invalid(p) => {
                let lines = |f: fn(&carebook_domain::Problem) -> &str| {
                    p.0.iter().map(|pr| format!("\n{}: {}", pr.field, f(pr))).collect::<String>()
                };
                Message::new(
                    format!("入力内容に問題があります{}", lines(|pr| &pr.ja)),
                    format!("the input is invalid{}", lines(|pr| &pr.en)),
                )
            }
            CoreError::NotFound { kind, id } => {
                Message::new(format!("{} {id} が見つかりません", kind.label().ja), format!("{kind} record {id} not found"))
            }
            CoreError::Document(e) => e.message(),
            CoreError::Locked { id } => {
                Message::new(format!("承認済みの記録 {id} は変更できません"), format!("visit {id} is approved and locked"))
            }
            CoreError::Untrusted(why) => Message::new(
                format!("サーバーの証明書を確認できません（{why}）。アドレスが正しいか、組織の CA 証明書を CAREBOOK_CA_CERT で指定しているか確かめてください。記録は端末に保存されています"),
                format!("the server's certificate could not be verified ({why}): check the address, and name the organisation's CA certificate in CAREBOOK_CA_CERT; records are kept on this device"),
            ),
            CoreError::CaCertificate(why) => Message::new(
                format!("組織の CA 証明書（CAREBOOK_CA_CERT）を使えません：{why}"),
                format!("cannot use the organisation's CA certificate (CAREBOOK_CA_CERT): {why}"),
            ),
            CoreError::Offline(why) => Message::new(
                format!("サーバーに接続できません。記録は端末に保存されています（{why}）"),
                format!("cannot reach the server; records are kept on this device ({why})"),
            ),
            CoreError::Unavailable { retry_after_secs: secs, body } => {
                let server = body.text();
                Message::new(
                    format!("{}（記録は端末に保存されています。{secs} 秒後に再試行します）", server.ja),
                    format!("{} (records are kept on this device; retrying in {secs} s)", server.en),
                )
            }
            CoreError::Server { body, .. } => body.text(),
            CoreError::HandedOver { child_name, to_org } => Message::new(
                format!("{child_name} さんは {to_org} に引き継がれました。この端末の記録は閲覧のみで、変更は引継ぎ先の事業所が行います"),
                format!("{child_name} was handed over to station {to_org}: the records here are read-only (the receiving station writes them)"),
            ),
            CoreError::NotLoggedIn => Message::new(
                "ログインしていません。先に `carebook login` でログインしてください",
                "not logged in: run `carebook login` first",
            ),
            CoreError::DeviceRevoked { removed, kept: 0 } => Message::new(
                format!("この端末は無効化されました。端末内の記録 {removed} 件を削除しました"),
                format!("this device was revoked; {removed} records were removed from it"),
            ),
            CoreError::DeviceRevoked { removed, kept } => Message::new(
                format!(
                    "この端末は無効化されました。端末内の記録 {removed} 件を削除しました（事務所に渡せなかった {kept} 件は端末に残しています。事務所に連絡してください）"
                ),
                format!("this device was revoked; {removed} records were removed from it ({kept} the office could not take stay on it: tell the office)"),
            ),
            CoreError::AppLocked => Message::new("アプリはロックされています。PIN を入力してください", "the app is locked: enter the PIN"),
            CoreError::Wiped { unsent } => Message::new(
                format!("PIN の誤りが続いたため、この端末の記録を消去しました（未送信だった記録 {unsent} 件）。送信済みの記録は、ログインし直すとサーバーから戻ります"),
                format!("too many wrong PINs: this device's records were erased ({unsent} not yet sent). Records already sent come back from the server after signing in again"),
            ),
            CoreError::Storage(e) => storage.with_detail(e),
            CoreError::Migrate(e) => Message::new(
                format!("{}：端末の保存形式を更新できませんでした：{e}", storage.ja),
                format!("{}: migrating the device store failed: {e}", storage.en),
            ),
            CoreError::Json(e) => storage.with_detail(e),
            CoreError::Task(e) => storage.with_detail(e),
            CoreError::Io(e) => storage.with_detail(e),
            CoreError::Step { what, source } => {
                Message::new(format!("{}：{}：{source}", storage.ja, what.ja), format!("{}: {}: {source}", storage.en, what.en))
            }
        }
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
            CoreError::Server { body, .. } => (**body).clone(),
            CoreError::Invalid(p) => ErrorBody::new(self.code(), self.message()).with_problems(p.0.clone()),
            _ => ErrorBody::new(self.code(), self.message()),
        }
    }
}

impl From<Problems> for CoreError {
    fn from(p: Problems) -> Self {
        CoreError::Invalid(p)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use carebook_domain::{Problem, RecordKind};

    /// One of each variant, with values from outside that are plain ASCII.
    fn one_of_each() -> Vec<CoreError> {
        let server = ErrorBody::new("locked", Message::new("変更できません", "locked"));
        let problems = Problems(vec![Problem {
            field: "pulse".into(),
            code: "range".into(),
            ja: "脈拍が範囲外です".into(),
            en: "pulse out of range".into(),
        }]);
        vec![
            CoreError::Invalid(problems),
            CoreError::NotFound { kind: RecordKind::Visit, id: "v-1".into() },
            CoreError::Document(DocError::Stale { kind: RecordKind::Child, id: "c-1".into(), reason: "old".into() }),
            CoreError::Locked { id: "v-1".into() },
            CoreError::Offline("connection refused".into()),
            CoreError::Unavailable { retry_after_secs: 30, body: Box::new(server.clone()) },
            CoreError::Server { status: 409, body: Box::new(server) },
            CoreError::NotLoggedIn,
            CoreError::DeviceRevoked { removed: 3, kept: 0 },
            CoreError::DeviceRevoked { removed: 3, kept: 1 },
            CoreError::AppLocked,
            CoreError::HandedOver { child_name: "Mihon Hana".into(), to_org: "st-mihon".into() },
            CoreError::Storage(sqlx::Error::RowNotFound),
            CoreError::Migrate(sqlx::migrate::MigrateError::VersionMissing(7)),
            CoreError::Json(serde_json::from_str::<u8>("x").unwrap_err()),
            CoreError::Io(std::io::Error::other("disk gone")),
            CoreError::step(Message::new("保存された設定", "stored setting"), "bad json"),
        ]
    }

    #[test]
    fn every_error_says_it_in_japanese_and_in_english_and_the_body_carries_both() {
        for e in one_of_each() {
            let m = e.message();
            assert!(m.is_bilingual(), "{m:?}");
            assert_eq!(e.to_string(), m.to_string());
            let body = e.to_body();
            assert_eq!((body.ja.as_str(), body.en.as_str()), (m.ja.as_str(), m.en.as_str()), "{}", e.code());
            assert_eq!(body.message, m.to_string());
            assert_eq!(body.code, e.code());
            // Values from outside appear in both languages.
            for v in ["v-1", "c-1", "connection refused", "30", "3", "disk gone", "bad json", "pulse", "Mihon Hana", "st-mihon"] {
                assert_eq!(m.ja.contains(v), m.en.contains(v), "{v} in {m:?}");
            }
        }
        // The task's error has no public constructor; its message follows the others.
        let task = tokio::runtime::Builder::new_current_thread().build().unwrap().block_on(async {
            let handle = tokio::spawn(async { std::future::pending::<()>().await });
            handle.abort();
            handle.await.unwrap_err()
        });
        assert!(CoreError::Task(task).message().is_bilingual());
    }

    #[test]
    fn an_invalid_input_lists_each_problem_in_its_language_and_keeps_the_problems() {
        let e = CoreError::Invalid(Problems(vec![Problem {
            field: "pulse".into(),
            code: "range".into(),
            ja: "脈拍が範囲外です".into(),
            en: "pulse out of range".into(),
        }]));
        let body = e.to_body();
        assert_eq!(body.ja, "入力内容に問題があります\npulse: 脈拍が範囲外です");
        assert_eq!(body.en, "the input is invalid\npulse: pulse out of range");
        assert_eq!(body.problems.len(), 1);
    }
}
