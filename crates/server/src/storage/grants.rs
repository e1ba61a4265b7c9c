//! The subsidy granted to a station for a fiscal year (`grants`): recording it (replacing the
//! one recorded before, with an organisation event) and reading it.

use carebook_domain::{Date, FiscalYear, Grant, Message, NewGrant};
use sqlx::any::AnyRow;
use sqlx::Row;

use super::people::event;
use super::{settle, Storage};
use crate::model::{Caller, Error, Result};

fn grant_of(r: &AnyRow) -> Result<Grant> {
    let day: String = r.try_get("decided_on")?;
    let decided_on: Date =
        day.parse().map_err(|_| Error::Stored { what: Message::new("交付決定日", "day of the grant decision"), value: day })?;
    let yen: i64 = r.try_get("granted_yen")?;
    let granted_yen = u32::try_from(yen)
        .map_err(|_| Error::Stored { what: Message::new("交付決定額", "amount granted"), value: yen.to_string() })?;
    let fy: i64 = r.try_get("fy")?;
    let fiscal_year = i32::try_from(fy)
        .map(FiscalYear)
        .map_err(|_| Error::Stored { what: Message::new("年度", "fiscal year"), value: fy.to_string() })?;
    Ok(Grant {
        station: r.try_get("org_id")?,
        fiscal_year,
        granted_yen,
        decided_on,
        note: r.try_get("note")?,
        by: r.try_get("by_name")?,
        at: r.try_get("at")?,
    })
}

impl Storage {
    /// Records `g` (already checked: rights, fields, the station exists) by `caller` at `now`,
    /// replacing the grant of that station and year, with an organisation event that names the
    /// year, the amount and the amount it replaced (not the note).
    pub(crate) async fn set_grant(&self, g: &NewGrant, caller: &Caller, now: i64) -> Result<()> {
        let _turn = self.write_turn().await;
        let mut tx = self.pool.begin().await?;
        let result = async {
            let before: Option<i64> = sqlx::query_scalar("SELECT granted_yen FROM grants WHERE org_id = $1 AND fy = $2")
                .bind(&g.station)
                .bind(i64::from(g.fiscal_year.0))
                .fetch_optional(&mut *tx)
                .await?;
            sqlx::query(
                "INSERT INTO grants (org_id, fy, granted_yen, decided_on, note, user_id, at) VALUES ($1, $2, $3, $4, $5, $6, $7) \
                 ON CONFLICT (org_id, fy) DO UPDATE SET granted_yen = excluded.granted_yen, decided_on = excluded.decided_on, \
                 note = excluded.note, user_id = excluded.user_id, at = excluded.at",
            )
            .bind(&g.station)
            .bind(i64::from(g.fiscal_year.0))
            .bind(i64::from(g.granted_yen))
            .bind(g.decided_on.to_string())
            .bind(g.note.trim())
            .bind(&caller.user_id)
            .bind(now)
            .execute(&mut *tx)
            .await?;
            let was = before.map_or(String::new(), |y| format!(" (was {y} yen)"));
            let detail =
                format!("grant of {} for FY{} decided on {}: {} yen{was}", g.station, g.fiscal_year.0, g.decided_on, g.granted_yen);
            event(&mut tx, Some(&caller.username), "grant_set", &g.station, &detail).await?;
            Ok(())
        }
        .await;
        settle(tx, result).await
    }

    /// The grant of `station` for `fy`, if one is recorded.
    pub(crate) async fn grant(&self, station: &str, fy: FiscalYear) -> Result<Option<Grant>> {
        let row = sqlx::query(
            "SELECT g.org_id, g.fy, g.granted_yen, g.decided_on, g.note, \
             COALESCE(NULLIF(u.display_name, ''), u.username, '') AS by_name, g.at \
             FROM grants g JOIN users u ON u.id = g.user_id WHERE g.org_id = $1 AND g.fy = $2",
        )
        .bind(station)
        .bind(i64::from(fy.0))
        .fetch_optional(&self.pool)
        .await?;
        row.as_ref().map(grant_of).transpose()
    }
}
