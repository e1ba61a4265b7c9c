//! Equipment purchases of a station (the station-readiness subsidy's results report): who may
//! record and read them. The office of the station and administrators only; nurses, parents and
//! municipalities are refused.

use carebook_domain::{FiscalYear, Message, NewPurchase, OrgKind, Purchase, Role};

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
    match storage.orgs().await?.into_iter().find(|o| o.id == p.station) {
        Some(o) if o.kind == OrgKind::Station => {}
        _ => {
            let mut problems = carebook_domain::Problems::new();
            problems.push(
                "station",
                "unknown_station",
                format!("事業所「{}」はありません", p.station),
                format!("station: expected the id of a visiting-nurse station, got {:?}", p.station),
            );
            return Err(Error::Problems(problems));
        }
    }
    let id = storage.add_purchase(&p, caller, unix_now()).await?;
    storage.purchase(id).await
}

/// The purchases of `station` in `fy`.
pub(crate) async fn list(storage: &Storage, caller: &Caller, station: &str, fy: FiscalYear) -> Result<Vec<Purchase>> {
    may(caller, station)?;
    storage.purchases(station, fy).await
}
