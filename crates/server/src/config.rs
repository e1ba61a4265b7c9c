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
    /// The most one device's refused pushes may take in the quarantine, bytes
    /// (`CAREBOOK_QUARANTINE_DEVICE_BYTES`; each entry counts its bytes, reason and record id and
    /// 1 KiB). Past it a refused push is answered `quarantine_full` and not kept; the device
    /// keeps its copy. Room for one largest push, not for a flood.
    pub quarantine_device_bytes: i64,
    /// The most all refused pushes together may take in the quarantine, bytes
    /// (`CAREBOOK_QUARANTINE_TOTAL_BYTES`); at least `quarantine_device_bytes`.
    pub quarantine_total_bytes: i64,
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
            quarantine_device_bytes: 24 * 1024 * 1024,
            quarantine_total_bytes: 1024 * 1024 * 1024,
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
        if let Some(v) = env("CAREBOOK_QUARANTINE_DEVICE_BYTES") {
            config.quarantine_device_bytes = parse_env("CAREBOOK_QUARANTINE_DEVICE_BYTES", v)?;
        }
        if let Some(v) = env("CAREBOOK_QUARANTINE_TOTAL_BYTES") {
            config.quarantine_total_bytes = parse_env("CAREBOOK_QUARANTINE_TOTAL_BYTES", v)?;
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
        if self.quarantine_device_bytes < 64 * 1024 {
            return Err(ConfigError::Invalid {
                field: "quarantine_device_bytes",
                value: self.quarantine_device_bytes.to_string(),
                reason: "must be at least 65536",
            });
        }
        if self.quarantine_total_bytes < self.quarantine_device_bytes {
            return Err(ConfigError::Invalid {
                field: "quarantine_total_bytes",
                value: self.quarantine_total_bytes.to_string(),
                reason: "must be at least quarantine_device_bytes",
            });
        }
        Ok(())
    }

    /// The quarantine's bounds.
    pub fn quarantine_quota(&self) -> crate::storage::QuarantineQuota {
        crate::storage::QuarantineQuota { per_device: self.quarantine_device_bytes, total: self.quarantine_total_bytes }
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
