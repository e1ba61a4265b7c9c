//! Server databases for tests: a SQLite file in a temporary folder, or a fresh PostgreSQL
//! database on the cluster named by `CAREBOOK_TEST_PG_URL` (the test script starts one).

use sqlx::{AssertSqlSafe, Connection};

/// Which backend a story runs on.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Db {
    /// An embedded SQLite file.
    Sqlite,
    /// A real PostgreSQL server.
    Postgres,
}

/// A database that exists for one test.
#[derive(Debug)]
pub struct TestDb {
    /// The URL to open.
    pub url: String,
    /// A folder the test may use (holds the SQLite file).
    pub dir: tempfile::TempDir,
    pg: Option<(String, String)>,
}

/// `url` with its database name replaced by `db`.
pub fn with_database(url: &str, db: &str) -> String {
    let (base, query) = match url.split_once('?') {
        Some((b, q)) => (b, Some(q)),
        None => (url, None),
    };
    let after_scheme = base.find("://").map(|i| i + 3).unwrap_or(0);
    let root = match base[after_scheme..].find('/') {
        Some(i) => &base[..after_scheme + i],
        None => base,
    };
    match query {
        Some(q) => format!("{root}/{db}?{q}"),
        None => format!("{root}/{db}"),
    }
}

impl TestDb {
    /// A fresh database, or `None` for PostgreSQL when `CAREBOOK_TEST_PG_URL` is unset (which
    /// panics instead when `CAREBOOK_REQUIRE_PG=1`, as in CI).
    pub async fn create(db: Db) -> Option<TestDb> {
        let dir = tempfile::tempdir().expect("temp dir");
        match db {
            Db::Sqlite => Some(TestDb { url: format!("sqlite://{}", dir.path().join("server.sqlite").display()), dir, pg: None }),
            Db::Postgres => {
                let Some(admin_url) = std::env::var("CAREBOOK_TEST_PG_URL").ok().filter(|u| !u.is_empty()) else {
                    if std::env::var("CAREBOOK_REQUIRE_PG").as_deref() == Ok("1") {
                        panic!("CAREBOOK_REQUIRE_PG=1 but CAREBOOK_TEST_PG_URL is not set");
                    }
                    eprintln!("skipped: set CAREBOOK_TEST_PG_URL to run this on PostgreSQL");
                    return None;
                };
                sqlx::any::install_default_drivers();
                let name = format!("carebook_test_{}", uuid::Uuid::new_v4().simple());
                let mut admin = sqlx::AnyConnection::connect(&admin_url).await.expect("connect to CAREBOOK_TEST_PG_URL");
                sqlx::query(AssertSqlSafe(format!("CREATE DATABASE {name}"))).execute(&mut admin).await.expect("create test database");
                admin.close().await.ok();
                Some(TestDb { url: with_database(&admin_url, &name), dir, pg: Some((admin_url, name)) })
            }
        }
    }

    /// Drops a PostgreSQL test database (SQLite files go with the folder).
    pub async fn drop_database(self) {
        if let Some((admin_url, name)) = self.pg {
            if let Ok(mut admin) = sqlx::AnyConnection::connect(&admin_url).await {
                let _ = sqlx::query(AssertSqlSafe(format!("DROP DATABASE IF EXISTS {name} WITH (FORCE)"))).execute(&mut admin).await;
                admin.close().await.ok();
            }
        }
    }
}
