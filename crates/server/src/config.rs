//! Server configuration: defaults, then a TOML file, then `CAREBOOK_*` environment variables.
//! Command-line flags are the caller's to apply after [`Config::load`].

use std::path::{Path, PathBuf};

use serde::{Deserialize, Serialize};

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
    /// The largest request body accepted, after decompression (`CAREBOOK_MAX_BODY_BYTES`).
    pub max_body_bytes: usize,
    /// The most documents one `/changes` page holds (`CAREBOOK_CHANGES_PAGE_LIMIT`).
    pub changes_page_limit: i64,
    /// The most bytes of documents one `/changes` page holds (`CAREBOOK_CHANGES_PAGE_BYTES`);
    /// a single larger document travels alone in its own page.
    pub changes_page_bytes: i64,

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
}

impl Default for Config {
    fn default() -> Self {
        Config {
            listen: "127.0.0.1:8080".into(),
            database_url: None,
            data_dir: PathBuf::from("./carebook-server-data"),
            token_ttl_days: 30,
            max_body_bytes: 16 * 1024 * 1024,
            changes_page_limit: 500,
            changes_page_bytes: 4 * 1024 * 1024,
            header_timeout_secs: 10,
            body_timeout_secs: 60,
            max_connections: 1024,
            database_timeout_secs: 5,
        }
    }
}

/// Why the configuration could not be loaded.
#[derive(Debug, thiserror::Error)]
pub enum ConfigError {
    /// The file could not be read.
    #[error("cannot read config file {path}: {source}")]
    Read {
        /// The file.
        path: PathBuf,
        /// Why.
        source: std::io::Error,
    },
    /// The file is not valid TOML for this configuration.
    #[error("config file {path} is invalid: {message}")]
    Parse {
        /// The file.
        path: PathBuf,
        /// What the parser said.
        message: String,
    },
    /// An environment variable holds a value of the wrong shape.
    #[error("environment variable {var}={value:?} is invalid: {reason}")]
    Env {
        /// The variable.
        var: &'static str,
        /// Its value.
        value: String,
        /// Why.
        reason: String,
    },
    /// A setting is out of range.
    #[error("setting {field} = {value} is invalid: {reason}")]
    Invalid {
        /// The setting.
        field: &'static str,
        /// Its value.
        value: String,
        /// Why.
        reason: &'static str,
    },
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
        if let Some(v) = env("CAREBOOK_MAX_BODY_BYTES") {
            config.max_body_bytes = parse_env("CAREBOOK_MAX_BODY_BYTES", v)?;
        }
        if let Some(v) = env("CAREBOOK_CHANGES_PAGE_LIMIT") {
            config.changes_page_limit = parse_env("CAREBOOK_CHANGES_PAGE_LIMIT", v)?;
        }
        if let Some(v) = env("CAREBOOK_CHANGES_PAGE_BYTES") {
            config.changes_page_bytes = parse_env("CAREBOOK_CHANGES_PAGE_BYTES", v)?;
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
        config.check()?;
        Ok(config)
    }

    /// Refuses settings the server cannot run with.
    pub fn check(&self) -> Result<(), ConfigError> {
        if self.token_ttl_days < 0 {
            return Err(ConfigError::Invalid {
                field: "token_ttl_days",
                value: self.token_ttl_days.to_string(),
                reason: "must not be negative",
            });
        }
        if self.max_body_bytes == 0 {
            return Err(ConfigError::Invalid { field: "max_body_bytes", value: "0".into(), reason: "must be positive" });
        }
        if self.changes_page_limit < 1 {
            return Err(ConfigError::Invalid {
                field: "changes_page_limit",
                value: self.changes_page_limit.to_string(),
                reason: "must be at least 1",
            });
        }
        if self.changes_page_bytes < 1024 {
            return Err(ConfigError::Invalid {
                field: "changes_page_bytes",
                value: self.changes_page_bytes.to_string(),
                reason: "must be at least 1024",
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
                    reason: if value == 0 { "must be at least 1 second" } else { "must be at most an hour (database: 10 minutes)" },
                });
            }
        }
        if self.max_connections < 1 {
            return Err(ConfigError::Invalid { field: "max_connections", value: "0".into(), reason: "must be at least 1" });
        }
        Ok(())
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
