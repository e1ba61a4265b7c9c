//! Equipment purchases of a station (`purchases`): recording one, with its organisation event,
//! and listing a station's purchases of a fiscal year.

use carebook_domain::{Date, FiscalYear, Message, NewPurchase, Purchase};
use sqlx::any::AnyRow;
use sqlx::Row;

use super::people::event;
use super::{settle, Storage};
use crate::model::{Caller, Error, Result};

const PURCHASE_COLUMNS: &str =
    "p.id, p.org_id, p.item, p.day, p.cost_yen, p.note, COALESCE(NULLIF(u.display_name, ''), u.username, '') AS by_name, p.at";

fn purchase_of(r: &AnyRow) -> Result<Purchase> {
    let day: String = r.try_get("day")?;
    let date: Date = day.parse().map_err(|_| Error::Stored { what: Message::new("購入日", "purchase day"), value: day })?;
    let cost: i64 = r.try_get("cost_yen")?;
    let cost_yen =
        u32::try_from(cost).map_err(|_| Error::Stored { what: Message::new("購入金額", "purchase cost"), value: cost.to_string() })?;
    Ok(Purchase {
        id: r.try_get("id")?,
        station: r.try_get("org_id")?,
        item: r.try_get("item")?,
        date,
        cost_yen,
        note: r.try_get("note")?,
        by: r.try_get("by_name")?,
        at: r.try_get("at")?,
    })
}

impl Storage {
    /// Records `p` (already checked: rights, fields, the station exists) by `caller` at `now`,
    /// with an organisation event that names the purchase by id, day and cost (not its text).
    pub(crate) async fn add_purchase(&self, p: &NewPurchase, caller: &Caller, now: i64) -> Result<i64> {
        let _turn = self.write_turn().await;
        let mut tx = self.pool.begin().await?;
        let result = async {
            let id: i64 = sqlx::query_scalar(
                "INSERT INTO purchases (org_id, item, day, cost_yen, note, user_id, at) VALUES ($1, $2, $3, $4, $5, $6, $7) RETURNING id",
            )
            .bind(&p.station)
            .bind(p.item.trim())
            .bind(p.date.to_string())
            .bind(i64::from(p.cost_yen))
            .bind(p.note.trim())
            .bind(&caller.user_id)
            .bind(now)
            .fetch_one(&mut *tx)
            .await?;
            let detail = format!("purchase {id} of {} on {}: {} yen", p.station, p.date, p.cost_yen);
            event(&mut tx, Some(&caller.username), "purchase_added", &p.station, &detail).await?;
            Ok(id)
        }
        .await;
        settle(tx, result).await
    }

    /// The purchases of `station` dated in `fy`, by day then id.
    pub(crate) async fn purchases(&self, station: &str, fy: FiscalYear) -> Result<Vec<Purchase>> {
        let rows = sqlx::query(sqlx::AssertSqlSafe(format!(
            "SELECT {PURCHASE_COLUMNS} FROM purchases p JOIN users u ON u.id = p.user_id \
             WHERE p.org_id = $1 AND p.day >= $2 AND p.day <= $3 ORDER BY p.day, p.id"
        )))
        .bind(station)
        .bind(fy.first_day().to_string())
        .bind(fy.last_day().to_string())
        .fetch_all(&self.pool)
        .await?;
        rows.iter().map(purchase_of).collect()
    }

    /// One purchase by id.
    pub(crate) async fn purchase(&self, id: i64) -> Result<Purchase> {
        let row = sqlx::query(sqlx::AssertSqlSafe(format!(
            "SELECT {PURCHASE_COLUMNS} FROM purchases p JOIN users u ON u.id = p.user_id WHERE p.id = $1"
        )))
        .bind(id)
        .fetch_one(&self.pool)
        .await?;
        purchase_of(&row)
    }
}
