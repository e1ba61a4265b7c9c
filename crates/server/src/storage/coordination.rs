//! Coordinator support records (`coordinator_work`, `regional_meetings`): recording one, with
//! an organisation event that names it by id, day and amount (never the child's name or the
//! note), and listing a station's records of a fiscal year.

use carebook_domain::{
    ChildId, CoordinatorWorkRecord, Date, FiscalYear, Message, NewCoordinatorWork, NewRegionalMeeting, RegionalMeetingRecord,
};
use sqlx::any::AnyRow;
use sqlx::Row;

use super::people::event;
use super::{settle, Storage};
use crate::model::{Caller, Error, Result};

const BY: &str = "COALESCE(NULLIF(u.display_name, ''), u.username, '') AS by_name";

/// A stored value read back through its domain parser, or `Error::Stored` naming it.
fn parsed<T: std::str::FromStr>(r: &AnyRow, column: &str, what: (&str, &str)) -> Result<T> {
    let text: String = r.try_get(column)?;
    text.parse().map_err(|_| Error::Stored { what: Message::new(what.0, what.1), value: text })
}

/// A stored whole number that must fit a `u32`.
fn count(r: &AnyRow, column: &str, what: (&str, &str)) -> Result<u32> {
    let n: i64 = r.try_get(column)?;
    u32::try_from(n).map_err(|_| Error::Stored { what: Message::new(what.0, what.1), value: n.to_string() })
}

fn work_of(r: &AnyRow) -> Result<CoordinatorWorkRecord> {
    Ok(CoordinatorWorkRecord {
        id: r.try_get("id")?,
        work: NewCoordinatorWork {
            station: r.try_get("org_id")?,
            child_id: parsed::<ChildId>(r, "child_id", ("児童ID", "child id"))?,
            date: parsed::<Date>(r, "day", ("業務の日", "day of the work"))?,
            minutes: count(r, "minutes", ("業務時間", "minutes of work"))?,
            cost_yen: count(r, "cost_yen", ("費用", "cost"))?,
            kind: parsed(r, "kind", ("業務の種類", "kind of work"))?,
            note: r.try_get("note")?,
        },
        by: r.try_get("by_name")?,
        at: r.try_get("at")?,
    })
}

fn meeting_of(r: &AnyRow) -> Result<RegionalMeetingRecord> {
    Ok(RegionalMeetingRecord {
        id: r.try_get("id")?,
        meeting: NewRegionalMeeting {
            station: r.try_get("org_id")?,
            date: parsed::<Date>(r, "day", ("開催日", "day held"))?,
            kind: parsed(r, "kind", ("会議・研修の別", "kind of meeting"))?,
            title: r.try_get("title")?,
            cost_yen: count(r, "cost_yen", ("費用", "cost"))?,
        },
        by: r.try_get("by_name")?,
        at: r.try_get("at")?,
    })
}

impl Storage {
    /// Records `w` (already checked: rights, fields, the child is the station's) by `caller`
    /// at `now`.
    pub(crate) async fn add_coordinator_work(&self, w: &NewCoordinatorWork, caller: &Caller, now: i64) -> Result<i64> {
        let _turn = self.write_turn().await;
        let mut tx = self.pool.begin().await?;
        let result = async {
            let id: i64 = sqlx::query_scalar(
                "INSERT INTO coordinator_work (org_id, child_id, day, minutes, cost_yen, kind, note, user_id, at) \
                 VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9) RETURNING id",
            )
            .bind(&w.station)
            .bind(w.child_id.to_string())
            .bind(w.date.to_string())
            .bind(i64::from(w.minutes))
            .bind(i64::from(w.cost_yen))
            .bind(w.kind.name())
            .bind(w.note.trim())
            .bind(&caller.user_id)
            .bind(now)
            .fetch_one(&mut *tx)
            .await?;
            let detail = format!("coordinator work {id} on {}: {} min, {} yen", w.date, w.minutes, w.cost_yen);
            event(&mut tx, Some(&caller.username), "coordinator_work_added", &w.station, &detail).await?;
            Ok(id)
        }
        .await;
        settle(tx, result).await
    }

    /// Records `m` (already checked) by `caller` at `now`.
    pub(crate) async fn add_regional_meeting(&self, m: &NewRegionalMeeting, caller: &Caller, now: i64) -> Result<i64> {
        let _turn = self.write_turn().await;
        let mut tx = self.pool.begin().await?;
        let result = async {
            let id: i64 = sqlx::query_scalar(
                "INSERT INTO regional_meetings (org_id, day, kind, title, cost_yen, user_id, at) \
                 VALUES ($1, $2, $3, $4, $5, $6, $7) RETURNING id",
            )
            .bind(&m.station)
            .bind(m.date.to_string())
            .bind(m.kind.name())
            .bind(m.title.trim())
            .bind(i64::from(m.cost_yen))
            .bind(&caller.user_id)
            .bind(now)
            .fetch_one(&mut *tx)
            .await?;
            let detail = format!("regional {} {id} on {}: {} yen", m.kind.name(), m.date, m.cost_yen);
            event(&mut tx, Some(&caller.username), "regional_meeting_added", &m.station, &detail).await?;
            Ok(id)
        }
        .await;
        settle(tx, result).await
    }

    /// The coordinator work of `station` dated in `fy` (`id`: that one record only), by day then id.
    pub(crate) async fn coordinator_work(&self, station: &str, fy: FiscalYear, id: Option<i64>) -> Result<Vec<CoordinatorWorkRecord>> {
        let rows = sqlx::query(sqlx::AssertSqlSafe(format!(
            "SELECT w.id, w.org_id, w.child_id, w.day, w.minutes, w.cost_yen, w.kind, w.note, w.at, {BY} \
             FROM coordinator_work w JOIN users u ON u.id = w.user_id \
             WHERE w.org_id = $1 AND w.day >= $2 AND w.day <= $3 AND ($4 < 0 OR w.id = $5) ORDER BY w.day, w.id"
        )))
        .bind(station)
        .bind(fy.first_day().to_string())
        .bind(fy.last_day().to_string())
        .bind(id.unwrap_or(-1))
        .bind(id.unwrap_or(-1))
        .fetch_all(&self.pool)
        .await?;
        rows.iter().map(work_of).collect()
    }

    /// The regional meetings of `station` held in `fy` (`id`: that one only), by day then id.
    pub(crate) async fn regional_meetings(&self, station: &str, fy: FiscalYear, id: Option<i64>) -> Result<Vec<RegionalMeetingRecord>> {
        let rows = sqlx::query(sqlx::AssertSqlSafe(format!(
            "SELECT m.id, m.org_id, m.day, m.kind, m.title, m.cost_yen, m.at, {BY} \
             FROM regional_meetings m JOIN users u ON u.id = m.user_id \
             WHERE m.org_id = $1 AND m.day >= $2 AND m.day <= $3 AND ($4 < 0 OR m.id = $5) ORDER BY m.day, m.id"
        )))
        .bind(station)
        .bind(fy.first_day().to_string())
        .bind(fy.last_day().to_string())
        .bind(id.unwrap_or(-1))
        .bind(id.unwrap_or(-1))
        .fetch_all(&self.pool)
        .await?;
        rows.iter().map(meeting_of).collect()
    }
}
