//! Dev-only helpers for tests: temporary device stores and builders for records. All names are
//! obviously fictional (見本, 架空).
#![warn(missing_docs)]

pub mod cli;
pub mod db;
pub mod process;
pub use db::{Db, TestDb};
pub use process::ServerProcess;

use carebook_core::vault::DataKey;
use carebook_core::{Carebook, CoreError};
use carebook_domain::{
    Child, ChildId, Contact, DoctorInstruction, IncomeTier, Profession, ScoreEntry, StaffMember, StaffRole, Station, Visit, VisitKind,
};

/// The test-only TLS files (`crates/testkit/tls`, made by its `make.sh`): `ca.pem` (a
/// fictional organisation's CA), `server.pem` and `server.key` (localhost and 127.0.0.1, signed by
/// it), `other-ca.pem` and `other-server.pem` (the same name signed by a CA nobody trusts).
pub fn tls_file(name: &str) -> std::path::PathBuf {
    std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("tls").join(name)
}

/// A device store in a temporary directory, removed when dropped.
#[derive(Debug)]
pub struct TempDevice {
    /// The use cases.
    pub app: Carebook,
    /// The directory (kept alive as long as the device).
    pub dir: tempfile::TempDir,
    /// The store's key (a random one: the tests that need a PIN go through `vault`).
    pub key: DataKey,
}

impl TempDevice {
    /// A fresh, empty device.
    pub async fn new() -> Result<TempDevice, CoreError> {
        let dir = tempfile::tempdir()?;
        let key = DataKey::random()?;
        let app = Carebook::open_with_key(dir.path(), &key).await?;
        Ok(TempDevice { app, dir, key })
    }

    /// A fresh, empty device whose key is wrapped by `passphrase`, as the CLI makes one (for
    /// tests that run the `carebook` binary on it with `CAREBOOK_PASSPHRASE`).
    pub async fn with_passphrase(passphrase: &str) -> Result<TempDevice, CoreError> {
        let dir = tempfile::tempdir()?;
        let key = carebook_core::vault::create(dir.path(), Some(passphrase)).await?;
        let app = Carebook::open_with_key(dir.path(), &key).await?;
        Ok(TempDevice { app, dir, key })
    }

    /// Reopens the same directory (as after an app restart).
    pub async fn reopen(self) -> Result<TempDevice, CoreError> {
        let TempDevice { app, dir, key } = self;
        app.store().clone().close().await;
        let app = Carebook::open_with_key(dir.path(), &key).await?;
        Ok(TempDevice { app, dir, key })
    }

    /// A connection of its own to the store's file, with the key (as another program that knows
    /// the key, or a damaged disk, would change it). Close the device's store first.
    pub async fn raw_connection(&self) -> Result<sqlx::SqliteConnection, CoreError> {
        use sqlx::ConnectOptions;
        let options = sqlx::sqlite::SqliteConnectOptions::new()
            .filename(self.dir.path().join(carebook_core::store::DB_FILE))
            .pragma("key", self.key.sqlcipher_pragma());
        Ok(options.connect().await?)
    }
}

/// The fictional station used by builders.
pub fn station() -> Station {
    Station { id: "st-kakuu".into(), name: "架空訪問看護ステーション".into() }
}

/// A valid child in `municipality`, with a ventilator score and a doctor's instruction for FY2026.
pub fn child(municipality: &str) -> Child {
    Child {
        id: ChildId::random(),
        name: "見本 はな".into(),
        kana: "みほん はな".into(),
        birth_date: "2019-06-01".parse().expect("date"),
        municipality: municipality.into(),
        income_tier: IncomeTier::TaxExempt,
        respite_enrolled_on: None,
        diagnosis: "（架空の診断名）".into(),
        guardians: vec![Contact { name: "見本 保護者".into(), relation: "母".into(), phone: "000-0000-0000".into() }],
        devices: vec!["人工呼吸器".into(), "吸引器".into()],
        score: vec![ScoreEntry { item: carebook_domain::CareItem::Ventilator, watch: carebook_domain::Watch::High }],
        doctor_instruction: Some(DoctorInstruction {
            doctor: "架空 医師".into(),
            institution: "架空病院".into(),
            valid_from: "2026-04-01".parse().expect("date"),
            valid_until: "2027-03-31".parse().expect("date"),
        }),
        emergency_contacts: vec![],
        sharing: None,
        income_tier_changes: vec![],
        past_instructions: vec![],
    }
}

/// A nurse of the fictional station.
pub fn nurse(id: &str, role: StaffRole) -> StaffMember {
    StaffMember { id: id.into(), name: format!("架空 看護師{id}"), profession: Profession::Nurse, role, station_id: station().id }
}

/// A done respite visit from `start` to `end` (`YYYY-MM-DDTHH:MM`) with one lead nurse.
pub fn respite(child: ChildId, start: &str, end: &str) -> Visit {
    let mut v = Visit::new(child, VisitKind::Respite, station());
    v.actual_start = Some(start.parse().expect("start"));
    v.actual_end = Some(end.parse().expect("end"));
    v.staff.push(nurse("n1", StaffRole::Lead));
    v
}

/// Runs each story twice, as `<story>::on_sqlite` and `<story>::on_postgres`: every story is an
/// `async fn story(db: carebook_testkit::Db)` in the calling module, which returns early when
/// [`TestDb::create`] gives `None` (PostgreSQL not configured). The calling crate needs `tokio`
/// (with its `macros` and `rt-multi-thread` features) among its dev-dependencies.
///
/// ```ignore
/// carebook_testkit::on_both_backends!(a_nurse_stores_a_child, a_parent_may_only_confirm);
/// ```
#[macro_export]
macro_rules! on_both_backends {
    ($($story:ident),* $(,)?) => {$(
        mod $story {
            #[::tokio::test(flavor = "multi_thread", worker_threads = 2)]
            async fn on_sqlite() {
                super::$story($crate::Db::Sqlite).await
            }
            #[::tokio::test(flavor = "multi_thread", worker_threads = 2)]
            async fn on_postgres() {
                super::$story($crate::Db::Postgres).await
            }
        }
    )*};
}
