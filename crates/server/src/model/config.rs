//! Server configuration: defaults, then a TOML file, then `CAREBOOK_*` environment variables.
//! Command-line flags are the caller's to apply after [`Config::load`].

use std::path::{Path, PathBuf};

use carebook_domain::Message;
use serde::{Deserialize, Serialize};

use super::QuarantineQuota;

/// How the server runs.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct Config {
    /// Address to listen on (`CAREBOOK_LISTEN`).
    pub listen: String,
    /// Database URL (`CAREBOOK_DATABASE_URL`): `sqlite://…` or `postgres://…`. When unset,
    /// `sqlite://<data_dir>/server.sqlite` (see [`Config::database_url`]).
    pub database_url: Option<String>,
    /// Where the default SQLite file lives (`CAREBOOK_DATA_DIR`).
    pub data_dir: PathBuf,
    /// How many days a device's token works after login (`CAREBOOK_TOKEN_TTL_DAYS`).
    pub token_ttl_days: i64,
    /// How many days a device may go without a request before it must log in again
    /// (`CAREBOOK_IDLE_DAYS`; counted from its last request, or its login when it made none).
    pub idle_days: i64,
    /// Whether office, municipality and administrator accounts must have a second factor (TOTP)
    /// (`CAREBOOK_REQUIRE_SECOND_FACTOR`, `true` or `false`): without one, their login gives a
    /// token that may only enrol one.
    pub require_second_factor: bool,
    /// The largest request body accepted, after decompression (`CAREBOOK_MAX_BODY_BYTES`).
    pub max_body_bytes: usize,
    /// The most documents one `/changes` page holds (`CAREBOOK_CHANGES_PAGE_LIMIT`).
    pub changes_page_limit: i64,
    /// The most bytes of documents one `/changes` page holds (`CAREBOOK_CHANGES_PAGE_BYTES`);
    /// a single larger document travels alone in its own page.
    pub changes_page_bytes: i64,
    // Bounded document work (issue 11, findings 1 and 8): checked on the pushed bytes by
    // `carebook_domain::bounds::scan` before automerge expands anything, and on every merged
    // document before it is stored.
    /// The most bytes one pushed document may inflate to (`CAREBOOK_MAX_DOCUMENT_INFLATED_BYTES`).
    /// Real visits and face sheets are tens of kilobytes; text fields are bounded by the domain.
    pub max_document_inflated_bytes: u64,
    /// The most changes one document may hold (`CAREBOOK_MAX_DOCUMENT_CHANGES`). A visit saved
    /// every ten seconds for an eight-hour day is under 3,000; a face sheet edited for years,
    /// hundreds.
    pub max_document_changes: u64,
    /// The most operations one document may hold, and the most rows any column of it may claim
    /// (`CAREBOOK_MAX_DOCUMENT_OPS`). Every character typed is one: a visit edited all day is a
    /// few thousand, its notes typed and corrected several times over some tens of thousands.
    /// Loading and merging costs some hundreds of bytes per operation, so the default keeps one
    /// document near 50 MiB of server memory.
    pub max_document_ops: u64,
    /// How many documents are loaded, merged, checked and saved at once, each on a blocking
    /// thread so the async workers keep answering (`CAREBOOK_DOCUMENT_WORKERS`); by default the
    /// number of cores.
    pub document_workers: usize,

    // ---- login (issue 11, findings 2 and 3) ----
    /// Failed logins of one user name from one client address allowed before the back-off starts
    /// (`CAREBOOK_LOGIN_FREE_FAILURES`). An attempt is counted before its password is checked.
    pub login_free_failures: i64,
    /// Failed logins from one client address, whatever the user names, allowed before that
    /// address backs off too (`CAREBOOK_LOGIN_ADDRESS_FREE_FAILURES`).
    pub login_address_free_failures: i64,
    /// The first wait past the free failures, milliseconds, doubling with each further failure
    /// up to 15 minutes (`CAREBOOK_LOGIN_FIRST_BACKOFF_MS`, 1000).
    pub login_first_backoff_ms: i64,
    /// How many password hashes (Argon2id, 19 MiB each) are computed at once, each on a thread of
    /// its own off the async workers (`CAREBOOK_HASH_CONCURRENCY`).
    pub hash_concurrency: usize,
    /// How many logins may wait for a hashing thread; past that, 503 with `Retry-After`
    /// (`CAREBOOK_HASH_QUEUE`).
    pub hash_queue: usize,
    /// The most bytes all documents of one push may read and inflate together, refused ones
    /// included (`CAREBOOK_MAX_PUSH_INFLATED_BYTES`); documents past it are refused as
    /// `too_large`, asking for smaller batches. A device's batch (at most 100 documents, 8 MiB,
    /// 64 MiB inflated) stays well under it; without it, a 16 MiB body of small bombs would make
    /// one request inflate hundreds of gigabytes, 32 MiB at a time.
    pub max_push_inflated_bytes: u64,

    // ---- connections and storage faults (issue 11, findings 4 and 12) ----------------------
    /// Seconds a connection may take to send a whole request head (`CAREBOOK_HEADER_TIMEOUT_SECS`),
    /// counted from when it starts waiting for one: a new connection, or a kept-alive one after
    /// its last answer. So this is also the keep-alive idle timeout; then the server closes it.
    pub header_timeout_secs: u64,
    /// Seconds a request body may take to arrive in full, from its head
    /// (`CAREBOOK_BODY_TIMEOUT_SECS`); past it the request is answered 408 and the connection closed.
    pub body_timeout_secs: u64,
    /// The most connections served at once (`CAREBOOK_MAX_CONNECTIONS`). At the limit a new
    /// connection takes the place of the oldest one waiting for a request; lowered at start to
    /// what the process's descriptor limit (RLIMIT_NOFILE) leaves room for, with a warning.
    pub max_connections: usize,
    /// Seconds a request waits for a database connection before it is answered 503 with
    /// `Retry-After` (`CAREBOOK_DATABASE_TIMEOUT_SECS`); also how long `/health` waits for the database.
    pub database_timeout_secs: u64,
    /// The most one device's refused pushes may take in the quarantine, bytes
    /// (`CAREBOOK_QUARANTINE_DEVICE_BYTES`; each entry counts its bytes, reason and record id and
    /// 1 KiB). Past it a refused push is answered `quarantine_full` and not kept; the device
    /// keeps its copy. Room for one largest push, not for a flood.
    pub quarantine_device_bytes: i64,
    /// The most all refused pushes together may take in the quarantine, bytes
    /// (`CAREBOOK_QUARANTINE_TOTAL_BYTES`); at least `quarantine_device_bytes`.
    pub quarantine_total_bytes: i64,
    /// The certificate chain (PEM) to serve HTTPS with (`CAREBOOK_TLS_CERT`); with
    /// [`Config::tls_key`]. Without both, plain HTTP (for development or behind a proxy). The
    /// files are read again on SIGHUP: new connections get the new certificate, open ones go on.
    pub tls_cert: Option<PathBuf>,
    /// The private key (PEM) of [`Config::tls_cert`] (`CAREBOOK_TLS_KEY`).
    pub tls_key: Option<PathBuf>,
}

impl Default for Config {
    fn default() -> Self {
        Config {
            listen: "127.0.0.1:8080".into(),
            database_url: None,
            data_dir: PathBuf::from("./carebook-server-data"),
            token_ttl_days: 30,
            idle_days: 14,
            require_second_factor: true,
            max_body_bytes: 16 * 1024 * 1024,
            changes_page_limit: 500,
            changes_page_bytes: 4 * 1024 * 1024,
            max_document_inflated_bytes: carebook_domain::bounds::Limits::DEFAULT.inflated_bytes,
            max_document_changes: carebook_domain::bounds::Limits::DEFAULT.changes,
            max_document_ops: carebook_domain::bounds::Limits::DEFAULT.ops,
            document_workers: std::thread::available_parallelism().map_or(2, |n| n.get()),
            login_free_failures: 5,
            login_address_free_failures: 20,
            login_first_backoff_ms: crate::model::backoff::FIRST_BACKOFF_MS,
            hash_concurrency: 2,
            hash_queue: 32,
            max_push_inflated_bytes: 256 * 1024 * 1024,
            header_timeout_secs: 10,
            body_timeout_secs: 60,
            max_connections: 1024,
            database_timeout_secs: 5,
            quarantine_device_bytes: QuarantineQuota::DEFAULT.per_device,
            quarantine_total_bytes: QuarantineQuota::DEFAULT.total,
            tls_cert: None,
            tls_key: None,
        }
    }
}

/// Why the configuration could not be loaded. Its `Display` is [`ConfigError::message`].
#[derive(Debug, thiserror::Error)]
#[error("{}", self.message())]
pub enum ConfigError {
    /// The file could not be read.
    Read {
        /// The file.
        path: PathBuf,
        /// Why.
        source: std::io::Error,
    },
    /// The file is not valid TOML for this configuration.
    Parse {
        /// The file.
        path: PathBuf,
        /// What the parser said.
        message: String,
    },
    /// An environment variable holds a value of the wrong shape.
    Env {
        /// The variable.
        var: &'static str,
        /// Its value.
        value: String,
        /// Why (what the parser said).
        reason: String,
    },
    /// A setting is out of range.
    Invalid {
        /// The setting.
        field: &'static str,
        /// Its value.
        value: String,
        /// Why, in both languages.
        reason: Message,
    },
}

impl ConfigError {
    /// What is wrong, in Japanese and in English, naming the file, variable or setting.
    pub fn message(&self) -> Message {
        match self {
            ConfigError::Read { path, source } => Message::new(
                format!("設定ファイル {} を読めません：{source}", path.display()),
                format!("cannot read config file {}: {source}", path.display()),
            ),
            ConfigError::Parse { path, message } => Message::new(
                format!("設定ファイル {} の内容が正しくありません：{message}", path.display()),
                format!("config file {} is invalid: {message}", path.display()),
            ),
            ConfigError::Env { var, value, reason } => Message::new(
                format!("環境変数 {var}={value:?} の値が正しくありません：{reason}"),
                format!("environment variable {var}={value:?} is invalid: {reason}"),
            ),
            ConfigError::Invalid { field, value, reason } => Message::new(
                format!("設定 {field} = {value} は使えません：{}", reason.ja),
                format!("setting {field} = {value} is invalid: {}", reason.en),
            ),
        }
    }
}

impl Config {
    /// Defaults, then `file` (TOML) if given, then `CAREBOOK_*` environment variables.
    pub fn load(file: Option<&Path>) -> Result<Config, ConfigError> {
        Self::load_with_env(file, |name| std::env::var(name).ok())
    }

    /// [`Config::load`] with the environment supplied by `env` (tests pass a map).
    pub fn load_with_env(file: Option<&Path>, env: impl Fn(&str) -> Option<String>) -> Result<Config, ConfigError> {
        let mut config = match file {
            Some(path) => {
                let text = std::fs::read_to_string(path).map_err(|source| ConfigError::Read { path: path.into(), source })?;
                toml::from_str(&text).map_err(|e| ConfigError::Parse { path: path.into(), message: e.to_string() })?
            }
            None => Config::default(),
        };
        if let Some(v) = env("CAREBOOK_LISTEN") {
            config.listen = v;
        }
        if let Some(v) = env("CAREBOOK_DATABASE_URL") {
            config.database_url = Some(v);
        }
        if let Some(v) = env("CAREBOOK_DATA_DIR") {
            config.data_dir = PathBuf::from(v);
        }
        if let Some(v) = env("CAREBOOK_TOKEN_TTL_DAYS") {
            config.token_ttl_days = parse_env("CAREBOOK_TOKEN_TTL_DAYS", v)?;
        }
        if let Some(v) = env("CAREBOOK_IDLE_DAYS") {
            config.idle_days = parse_env("CAREBOOK_IDLE_DAYS", v)?;
        }
        if let Some(v) = env("CAREBOOK_REQUIRE_SECOND_FACTOR") {
            config.require_second_factor = parse_env("CAREBOOK_REQUIRE_SECOND_FACTOR", v)?;
        }
        if let Some(v) = env("CAREBOOK_MAX_BODY_BYTES") {
            config.max_body_bytes = parse_env("CAREBOOK_MAX_BODY_BYTES", v)?;
        }
        if let Some(v) = env("CAREBOOK_CHANGES_PAGE_LIMIT") {
            config.changes_page_limit = parse_env("CAREBOOK_CHANGES_PAGE_LIMIT", v)?;
        }
        if let Some(v) = env("CAREBOOK_CHANGES_PAGE_BYTES") {
            config.changes_page_bytes = parse_env("CAREBOOK_CHANGES_PAGE_BYTES", v)?;
        }
        if let Some(v) = env("CAREBOOK_MAX_DOCUMENT_INFLATED_BYTES") {
            config.max_document_inflated_bytes = parse_env("CAREBOOK_MAX_DOCUMENT_INFLATED_BYTES", v)?;
        }
        if let Some(v) = env("CAREBOOK_MAX_DOCUMENT_CHANGES") {
            config.max_document_changes = parse_env("CAREBOOK_MAX_DOCUMENT_CHANGES", v)?;
        }
        if let Some(v) = env("CAREBOOK_MAX_DOCUMENT_OPS") {
            config.max_document_ops = parse_env("CAREBOOK_MAX_DOCUMENT_OPS", v)?;
        }
        if let Some(v) = env("CAREBOOK_MAX_PUSH_INFLATED_BYTES") {
            config.max_push_inflated_bytes = parse_env("CAREBOOK_MAX_PUSH_INFLATED_BYTES", v)?;
        }
        if let Some(v) = env("CAREBOOK_DOCUMENT_WORKERS") {
            config.document_workers = parse_env("CAREBOOK_DOCUMENT_WORKERS", v)?;
        }
        if let Some(v) = env("CAREBOOK_LOGIN_FREE_FAILURES") {
            config.login_free_failures = parse_env("CAREBOOK_LOGIN_FREE_FAILURES", v)?;
        }
        if let Some(v) = env("CAREBOOK_LOGIN_FIRST_BACKOFF_MS") {
            config.login_first_backoff_ms = parse_env("CAREBOOK_LOGIN_FIRST_BACKOFF_MS", v)?;
        }
        if let Some(v) = env("CAREBOOK_LOGIN_ADDRESS_FREE_FAILURES") {
            config.login_address_free_failures = parse_env("CAREBOOK_LOGIN_ADDRESS_FREE_FAILURES", v)?;
        }
        if let Some(v) = env("CAREBOOK_HASH_CONCURRENCY") {
            config.hash_concurrency = parse_env("CAREBOOK_HASH_CONCURRENCY", v)?;
        }
        if let Some(v) = env("CAREBOOK_HASH_QUEUE") {
            config.hash_queue = parse_env("CAREBOOK_HASH_QUEUE", v)?;
        }
        if let Some(v) = env("CAREBOOK_HEADER_TIMEOUT_SECS") {
            config.header_timeout_secs = parse_env("CAREBOOK_HEADER_TIMEOUT_SECS", v)?;
        }
        if let Some(v) = env("CAREBOOK_BODY_TIMEOUT_SECS") {
            config.body_timeout_secs = parse_env("CAREBOOK_BODY_TIMEOUT_SECS", v)?;
        }
        if let Some(v) = env("CAREBOOK_MAX_CONNECTIONS") {
            config.max_connections = parse_env("CAREBOOK_MAX_CONNECTIONS", v)?;
        }
        if let Some(v) = env("CAREBOOK_DATABASE_TIMEOUT_SECS") {
            config.database_timeout_secs = parse_env("CAREBOOK_DATABASE_TIMEOUT_SECS", v)?;
        }
        if let Some(v) = env("CAREBOOK_QUARANTINE_DEVICE_BYTES") {
            config.quarantine_device_bytes = parse_env("CAREBOOK_QUARANTINE_DEVICE_BYTES", v)?;
        }
        if let Some(v) = env("CAREBOOK_QUARANTINE_TOTAL_BYTES") {
            config.quarantine_total_bytes = parse_env("CAREBOOK_QUARANTINE_TOTAL_BYTES", v)?;
        }
        if let Some(v) = env("CAREBOOK_TLS_CERT") {
            config.tls_cert = Some(PathBuf::from(v));
        }
        if let Some(v) = env("CAREBOOK_TLS_KEY") {
            config.tls_key = Some(PathBuf::from(v));
        }
        config.check()?;
        Ok(config)
    }

    /// Refuses settings the server cannot run with.
    pub fn check(&self) -> Result<(), ConfigError> {
        if self.tls_cert.is_some() != self.tls_key.is_some() {
            let (field, value) = match &self.tls_cert {
                Some(c) => ("tls_key", format!("(none; tls_cert = {})", c.display())),
                None => ("tls_cert", format!("(none; tls_key = {})", self.tls_key.as_deref().unwrap_or(Path::new("")).display())),
            };
            return Err(ConfigError::Invalid {
                field,
                value,
                reason: Message::new("HTTPS には証明書と秘密鍵の両方が必要です", "HTTPS needs both the certificate and its key"),
            });
        }
        if self.token_ttl_days < 0 {
            return Err(ConfigError::Invalid {
                field: "token_ttl_days",
                value: self.token_ttl_days.to_string(),
                reason: Message::new("0 以上にしてください", "must not be negative"),
            });
        }
        if self.idle_days < 0 {
            return Err(ConfigError::Invalid {
                field: "idle_days",
                value: self.idle_days.to_string(),
                reason: Message::new("0 以上にしてください", "must not be negative"),
            });
        }
        if self.max_body_bytes == 0 {
            return Err(ConfigError::Invalid {
                field: "max_body_bytes",
                value: "0".into(),
                reason: Message::new("1 以上にしてください", "must be positive"),
            });
        }
        if self.changes_page_limit < 1 {
            return Err(ConfigError::Invalid {
                field: "changes_page_limit",
                value: self.changes_page_limit.to_string(),
                reason: Message::new("1 以上にしてください", "must be at least 1"),
            });
        }
        if self.changes_page_bytes < 1024 {
            return Err(ConfigError::Invalid {
                field: "changes_page_bytes",
                value: self.changes_page_bytes.to_string(),
                reason: Message::new("1024 以上にしてください", "must be at least 1024"),
            });
        }
        if self.max_document_inflated_bytes < 64 * 1024 {
            return Err(ConfigError::Invalid {
                field: "max_document_inflated_bytes",
                value: self.max_document_inflated_bytes.to_string(),
                reason: Message::new("65536 以上にしてください", "must be at least 65536"),
            });
        }
        if self.max_document_changes < 1 {
            return Err(ConfigError::Invalid {
                field: "max_document_changes",
                value: "0".into(),
                reason: Message::new("1 以上にしてください", "must be at least 1"),
            });
        }
        if self.max_document_ops < 1 {
            return Err(ConfigError::Invalid {
                field: "max_document_ops",
                value: "0".into(),
                reason: Message::new("1 以上にしてください", "must be at least 1"),
            });
        }
        if self.max_push_inflated_bytes < self.max_document_inflated_bytes {
            return Err(ConfigError::Invalid {
                field: "max_push_inflated_bytes",
                value: self.max_push_inflated_bytes.to_string(),
                reason: Message::new("max_document_inflated_bytes 以上にしてください", "must be at least max_document_inflated_bytes"),
            });
        }
        if self.document_workers < 1 {
            return Err(ConfigError::Invalid {
                field: "document_workers",
                value: "0".into(),
                reason: Message::new("1 以上にしてください", "must be at least 1"),
            });
        }
        if !(1..=1000).contains(&self.login_free_failures) {
            return Err(ConfigError::Invalid {
                field: "login_free_failures",
                value: self.login_free_failures.to_string(),
                reason: Message::new("1〜1000 にしてください", "must be 1 to 1000"),
            });
        }
        if !(1..=100_000).contains(&self.login_address_free_failures) {
            return Err(ConfigError::Invalid {
                field: "login_address_free_failures",
                value: self.login_address_free_failures.to_string(),
                reason: Message::new("1〜100000 にしてください", "must be 1 to 100000"),
            });
        }
        if !(1..=crate::model::backoff::MAX_BACKOFF_MS).contains(&self.login_first_backoff_ms) {
            return Err(ConfigError::Invalid {
                field: "login_first_backoff_ms",
                value: self.login_first_backoff_ms.to_string(),
                reason: Message::new("1〜900000（15 分）にしてください", "must be 1 to 900000 (15 minutes)"),
            });
        }
        if !(1..=64).contains(&self.hash_concurrency) {
            return Err(ConfigError::Invalid {
                field: "hash_concurrency",
                value: self.hash_concurrency.to_string(),
                reason: Message::new(
                    "1〜64 にしてください（1 件のハッシュ計算に 19 MiB 使います）",
                    "must be 1 to 64 (each hash holds 19 MiB)",
                ),
            });
        }
        if !(1..=100_000).contains(&self.hash_queue) {
            return Err(ConfigError::Invalid {
                field: "hash_queue",
                value: self.hash_queue.to_string(),
                reason: Message::new("1〜100000 にしてください", "must be 1 to 100000"),
            });
        }
        for (field, value, max) in [
            ("header_timeout_secs", self.header_timeout_secs, 3600),
            ("body_timeout_secs", self.body_timeout_secs, 3600),
            ("database_timeout_secs", self.database_timeout_secs, 600),
        ] {
            if value == 0 || value > max {
                return Err(ConfigError::Invalid {
                    field,
                    value: value.to_string(),
                    reason: if value == 0 {
                        Message::new("1 秒以上にしてください", "must be at least 1 second")
                    } else {
                        Message::new("1 時間以内にしてください（database は 10 分以内）", "must be at most an hour (database: 10 minutes)")
                    },
                });
            }
        }
        if self.max_connections < 1 {
            return Err(ConfigError::Invalid {
                field: "max_connections",
                value: "0".into(),
                reason: Message::new("1 以上にしてください", "must be at least 1"),
            });
        }
        if self.quarantine_device_bytes < 64 * 1024 {
            return Err(ConfigError::Invalid {
                field: "quarantine_device_bytes",
                value: self.quarantine_device_bytes.to_string(),
                reason: Message::new("65536 以上にしてください", "must be at least 65536"),
            });
        }
        if self.quarantine_total_bytes < self.quarantine_device_bytes {
            return Err(ConfigError::Invalid {
                field: "quarantine_total_bytes",
                value: self.quarantine_total_bytes.to_string(),
                reason: Message::new("quarantine_device_bytes 以上にしてください", "must be at least quarantine_device_bytes"),
            });
        }
        Ok(())
    }

    /// The quarantine's bounds.
    pub fn quarantine_quota(&self) -> QuarantineQuota {
        QuarantineQuota { per_device: self.quarantine_device_bytes, total: self.quarantine_total_bytes }
    }

    /// The bounds every pushed document is scanned against.
    pub fn document_limits(&self) -> carebook_domain::bounds::Limits {
        carebook_domain::bounds::Limits {
            inflated_bytes: self.max_document_inflated_bytes,
            changes: self.max_document_changes,
            ops: self.max_document_ops,
        }
    }

    /// The database URL in force: `database_url`, or the SQLite file in `data_dir`.
    pub fn database_url(&self) -> String {
        match &self.database_url {
            Some(url) if !url.trim().is_empty() => url.clone(),
            _ => format!("sqlite://{}", self.data_dir.join("server.sqlite").display()),
        }
    }
}

fn parse_env<T: std::str::FromStr>(var: &'static str, value: String) -> Result<T, ConfigError>
where
    T::Err: std::fmt::Display,
{
    value.trim().parse().map_err(|e: T::Err| ConfigError::Env { var, reason: e.to_string(), value })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn defaults_listen_locally_and_keep_sqlite_in_the_data_dir() {
        let c = Config::load_with_env(None, |_| None).unwrap();
        assert_eq!(c.listen, "127.0.0.1:8080");
        assert_eq!((c.token_ttl_days, c.max_body_bytes, c.changes_page_limit), (30, 16 * 1024 * 1024, 500));
        assert_eq!(c.database_url(), "sqlite://./carebook-server-data/server.sqlite");
        assert_eq!((c.max_document_inflated_bytes, c.max_document_changes, c.max_document_ops), (32 * 1024 * 1024, 10_000, 100_000));
        assert!(c.document_workers >= 1);
        assert_eq!(c.max_push_inflated_bytes, 256 * 1024 * 1024);
    }

    #[test]
    fn document_limits_come_from_the_environment_and_nonsense_is_refused_by_name() {
        let env = |k: &str| match k {
            "CAREBOOK_MAX_DOCUMENT_INFLATED_BYTES" => Some("1048576".to_string()),
            "CAREBOOK_MAX_DOCUMENT_CHANGES" => Some("100".to_string()),
            "CAREBOOK_MAX_DOCUMENT_OPS" => Some("5000".to_string()),
            "CAREBOOK_DOCUMENT_WORKERS" => Some("3".to_string()),
            _ => None,
        };
        let c = Config::load_with_env(None, env).unwrap();
        let l = c.document_limits();
        assert_eq!((l.inflated_bytes, l.changes, l.ops, c.document_workers), (1_048_576, 100, 5000, 3));
        let err = Config::load_with_env(None, |k| (k == "CAREBOOK_DOCUMENT_WORKERS").then(|| "0".to_string())).unwrap_err();
        assert!(err.to_string().contains("document_workers"), "{err}");
        let err = Config::load_with_env(None, |k| (k == "CAREBOOK_MAX_PUSH_INFLATED_BYTES").then(|| "1000000".to_string())).unwrap_err();
        assert!(err.to_string().contains("max_push_inflated_bytes"), "{err}");
        let err = Config::load_with_env(None, |k| (k == "CAREBOOK_MAX_DOCUMENT_OPS").then(|| "0".to_string())).unwrap_err();
        assert!(err.to_string().contains("max_document_ops"), "{err}");
    }

    #[test]
    fn the_file_overrides_defaults_and_the_environment_overrides_the_file() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("server.toml");
        std::fs::write(&path, "listen = \"0.0.0.0:9000\"\ndata_dir = \"/srv/carebook\"\ntoken_ttl_days = 7\n").unwrap();
        let c = Config::load_with_env(Some(&path), |_| None).unwrap();
        assert_eq!((c.listen.as_str(), c.token_ttl_days), ("0.0.0.0:9000", 7));
        assert_eq!(c.database_url(), "sqlite:///srv/carebook/server.sqlite");

        let env = |k: &str| match k {
            "CAREBOOK_TOKEN_TTL_DAYS" => Some("1".to_string()),
            "CAREBOOK_DATABASE_URL" => Some("postgres://carebook@db/carebook".to_string()),
            _ => None,
        };
        let c = Config::load_with_env(Some(&path), env).unwrap();
        assert_eq!((c.listen.as_str(), c.token_ttl_days), ("0.0.0.0:9000", 1));
        assert_eq!(c.database_url(), "postgres://carebook@db/carebook");
    }

    #[test]
    fn login_limits_come_from_the_environment_and_are_checked() {
        let c = Config::load_with_env(None, |_| None).unwrap();
        assert_eq!((c.login_free_failures, c.login_address_free_failures, c.hash_concurrency, c.hash_queue), (5, 20, 2, 32));
        let env = |k: &str| match k {
            "CAREBOOK_LOGIN_FREE_FAILURES" => Some("3".to_string()),
            "CAREBOOK_LOGIN_ADDRESS_FREE_FAILURES" => Some("40".to_string()),
            "CAREBOOK_HASH_CONCURRENCY" => Some("1".to_string()),
            "CAREBOOK_HASH_QUEUE" => Some("8".to_string()),
            _ => None,
        };
        let c = Config::load_with_env(None, env).unwrap();
        assert_eq!((c.login_free_failures, c.login_address_free_failures, c.hash_concurrency, c.hash_queue), (3, 40, 1, 8));
        for (var, bad) in [("CAREBOOK_HASH_CONCURRENCY", "0"), ("CAREBOOK_HASH_QUEUE", "0"), ("CAREBOOK_LOGIN_FREE_FAILURES", "0")] {
            let err = Config::load_with_env(None, |k| (k == var).then(|| bad.to_string())).unwrap_err();
            assert!(matches!(err, ConfigError::Invalid { .. }), "{var}: {err}");
        }
    }

    #[test]
    fn connection_and_database_timeouts_have_defaults_and_refuse_zero() {
        let c = Config::load_with_env(None, |_| None).unwrap();
        assert_eq!((c.header_timeout_secs, c.body_timeout_secs, c.max_connections, c.database_timeout_secs), (10, 60, 1024, 5));
        let env = |k: &str| (k == "CAREBOOK_HEADER_TIMEOUT_SECS").then(|| "2".to_string());
        assert_eq!(Config::load_with_env(None, env).unwrap().header_timeout_secs, 2);
        for var in
            ["CAREBOOK_HEADER_TIMEOUT_SECS", "CAREBOOK_BODY_TIMEOUT_SECS", "CAREBOOK_MAX_CONNECTIONS", "CAREBOOK_DATABASE_TIMEOUT_SECS"]
        {
            let err = Config::load_with_env(None, |k| (k == var).then(|| "0".to_string())).unwrap_err().to_string();
            let field = var.trim_start_matches("CAREBOOK_").to_ascii_lowercase();
            assert!(err.contains(&field), "{var}: {err}");
        }
    }

    #[test]
    fn the_quarantine_is_bounded_per_device_and_in_total() {
        let c = Config::load_with_env(None, |_| None).unwrap();
        assert_eq!((c.quarantine_device_bytes, c.quarantine_total_bytes), (24 << 20, 1 << 30));
        let env = |k: &str| match k {
            "CAREBOOK_QUARANTINE_DEVICE_BYTES" => Some("1048576".to_string()),
            "CAREBOOK_QUARANTINE_TOTAL_BYTES" => Some("8388608".to_string()),
            _ => None,
        };
        let c = Config::load_with_env(None, env).unwrap();
        assert_eq!((c.quarantine_quota().per_device, c.quarantine_quota().total), (1 << 20, 8 << 20));
        let smaller_total = |k: &str| (k == "CAREBOOK_QUARANTINE_TOTAL_BYTES").then(|| "100000".to_string());
        let err = Config::load_with_env(None, smaller_total).unwrap_err();
        assert!(err.to_string().contains("quarantine_total_bytes"), "{err}");
    }

    #[test]
    fn a_bad_value_names_the_variable_or_the_file() {
        let err = Config::load_with_env(None, |k| (k == "CAREBOOK_MAX_BODY_BYTES").then(|| "lots".to_string())).unwrap_err();
        assert!(err.to_string().contains("CAREBOOK_MAX_BODY_BYTES"), "{err}");
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("server.toml");
        std::fs::write(&path, "listen_on = 1\n").unwrap();
        let err = Config::load_with_env(Some(&path), |_| None).unwrap_err();
        assert!(err.to_string().contains("server.toml"), "{err}");
    }
}
