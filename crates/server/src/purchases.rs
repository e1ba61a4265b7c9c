//! Equipment purchases of a station and the amount granted to it for a year (the
//! station-readiness subsidy's results report): who may record and read them. The office of the
//! station and administrators only; nurses, parents, coordinators and municipalities are refused.

use carebook_domain::{FiscalYear, Grant, Message, NewGrant, NewPurchase, OrgKind, Problems, Purchase, Role};

use crate::model::{unix_now, Caller, Error, Result};
use crate::storage::Storage;

/// The fiscal years a purchase list may be asked for.
pub(crate) const FY_RANGE: std::ops::RangeInclusive<i32> = 2000..=2100;

/// Whether `caller` may record and read the purchases of `station`.
fn may(caller: &Caller, station: &str) -> Result<()> {
    match caller.role {
        Role::Admin => Ok(()),
        Role::Office if caller.org_id == station => Ok(()),
        _ => Err(Error::Forbidden(Message::new(
            "物品の購入は、その事業所の事務担当と管理者だけが記録・閲覧できます",
            "only the station's office staff and administrators record and read its equipment purchases",
        ))),
    }
}

/// Records a purchase as `caller` (the author and time are the server's).
pub(crate) async fn add(storage: &Storage, caller: &Caller, p: NewPurchase) -> Result<Purchase> {
    may(caller, &p.station)?;
    p.validate(caller.today).into_result().map_err(Error::Problems)?;
    station_exists(storage, &p.station).await?;
    let id = storage.add_purchase(&p, caller, unix_now()).await?;
    storage.purchase(id).await
}

/// Refuses (field `station`, `unknown_station`) an id that is not a visiting-nurse station's.
async fn station_exists(storage: &Storage, station: &str) -> Result<()> {
    match storage.orgs().await?.into_iter().find(|o| o.id == station) {
        Some(o) if o.kind == OrgKind::Station => Ok(()),
        _ => {
            let mut problems = Problems::new();
            problems.push(
                "station",
                "unknown_station",
                format!("事業所「{station}」はありません"),
                format!("station: expected the id of a visiting-nurse station, got {station:?}"),
            );
            Err(Error::Problems(problems))
        }
    }
}

/// Records the amount granted to a station for a year as `caller`, replacing the one recorded
/// before (a changed decision); returns it as stored.
pub(crate) async fn set_grant(storage: &Storage, caller: &Caller, g: NewGrant) -> Result<Grant> {
    may(caller, &g.station)?;
    g.validate(caller.today).into_result().map_err(Error::Problems)?;
    station_exists(storage, &g.station).await?;
    storage.set_grant(&g, caller, unix_now()).await?;
    storage.grant(&g.station, g.fiscal_year).await?.ok_or(Error::Database(sqlx::Error::RowNotFound))
}

/// The amount granted to `station` for `fy`, if recorded.
pub(crate) async fn grant(storage: &Storage, caller: &Caller, station: &str, fy: FiscalYear) -> Result<Option<Grant>> {
    may(caller, station)?;
    storage.grant(station, fy).await
}

/// The purchases of `station` in `fy`.
pub(crate) async fn list(storage: &Storage, caller: &Caller, station: &str, fy: FiscalYear) -> Result<Vec<Purchase>> {
    may(caller, station)?;
    storage.purchases(station, fy).await
}
