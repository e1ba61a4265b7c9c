//! Transfers of children between stations: each one's row, the organisation event and the line
//! in the face sheet's history it writes, in one transaction; what a child's facts need of them;
//! and the transfers a directory lists.

use carebook_domain::{Date, Message, Problems, Role, Transfer};
use sqlx::any::AnyRow;
use sqlx::Row;

use super::people::event;
use super::{settle, Storage};
use crate::model::{Caller, Error, Handed, Result};

const TRANSFER_COLUMNS: &str = "t.child_id, t.child_name, t.municipality, t.from_org, t.to_org, t.first_day, t.handover_visit, \
     COALESCE(NULLIF(u.display_name, ''), u.username, '') AS by_name, t.at";

fn day_of(text: String) -> Result<Date> {
    text.parse().map_err(|_| Error::Stored { what: Message::new("移管日", "transfer's first day"), value: text })
}

fn transfer_of(r: &AnyRow) -> Result<Transfer> {
    Ok(Transfer {
        child_id: r.try_get("child_id")?,
        child_name: r.try_get("child_name")?,
        municipality: r.try_get("municipality")?,
        from_org: r.try_get("from_org")?,
        to_org: r.try_get("to_org")?,
        first_day: day_of(r.try_get("first_day")?)?,
        handover_visit: r.try_get("handover_visit")?,
        by: r.try_get("by_name")?,
        at: r.try_get("at")?,
    })
}

impl Storage {
    /// Records `transfer` (made by `caller`) if the child's last transfer still begins on
    /// `last_first_day` (`None`: it has none) — else another transfer was recorded meanwhile and
    /// this one is refused. Writes the organisation event and a line in the face sheet's history.
    pub(crate) async fn add_transfer(&self, transfer: &Transfer, last_first_day: Option<Date>, caller: &Caller) -> Result<()> {
        let _turn = self.write_turn().await;
        let mut tx = self.pool.begin().await?;
        let result = async {
            // Takes the child's row lock (PostgreSQL) or the write lock (SQLite) first, so two
            // transfers of one child are recorded one after the other.
            let locked = sqlx::query("UPDATE children SET created_at = created_at WHERE child_id = $1")
                .bind(&transfer.child_id)
                .execute(&mut *tx)
                .await?;
            if locked.rows_affected() != 1 {
                return Err(Error::Forbidden(Message::new("この子どもの記録はありません", "no such child")));
            }
            let last: Option<String> =
                sqlx::query_scalar("SELECT MAX(first_day) FROM transfers WHERE child_id = $1").bind(&transfer.child_id).fetch_one(&mut *tx).await?;
            if last.map(day_of).transpose()? != last_first_day {
                let mut p = Problems::new();
                p.push(
                    "first_day",
                    "transfer_changed",
                    "この子どもの移管がちょうど別に記録されました。画面を更新してやり直してください",
                    "another transfer of this child was just recorded: reload and try again",
                );
                return Err(Error::Problems(p));
            }
            sqlx::query(
                "INSERT INTO transfers (child_id, from_org, to_org, first_day, handover_visit, child_name, municipality, actor, at) \
                 VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9)",
            )
            .bind(&transfer.child_id)
            .bind(&transfer.from_org)
            .bind(&transfer.to_org)
            .bind(transfer.first_day.to_string())
            .bind(&transfer.handover_visit)
            .bind(&transfer.child_name)
            .bind(&transfer.municipality)
            .bind(&caller.user_id)
            .bind(transfer.at)
            .execute(&mut *tx)
            .await?;
            let detail = format!(
                "{} → {} from {}{}",
                transfer.from_org,
                transfer.to_org,
                transfer.first_day,
                transfer.handover_visit.as_deref().map(|v| format!(" after handover visit {v}")).unwrap_or_default()
            );
            event(&mut tx, Some(&caller.username), "child_transferred", &transfer.child_id, &detail).await?;
            let note = Message::new(
                format!("{} から {} へ移管（{} から）", transfer.from_org, transfer.to_org, transfer.first_day),
                format!("transferred from {} to {} (from {})", transfer.from_org, transfer.to_org, transfer.first_day),
            );
            let note = serde_json::to_string(&note).map_err(|e| Error::Stored { what: Message::new("履歴の注記", "history note"), value: e.to_string() })?;
            sqlx::query(
                "INSERT INTO audit (record_id, user_id, device_id, at, change_hash, action, note) VALUES ($1, $2, $3, $4, '', 'transferred', $5)",
            )
            .bind(&transfer.child_id)
            .bind(&caller.user_id)
            .bind(&caller.device_id)
            .bind(transfer.at)
            .bind(note)
            .execute(&mut *tx)
            .await?;
            Ok(())
        }
        .await;
        settle(tx, result).await
    }

    /// The organisation of the account with this id, if there is one.
    pub(crate) async fn org_of_user(&self, user_id: &str) -> Result<Option<String>> {
        Ok(sqlx::query_scalar("SELECT org_id FROM users WHERE id = $1").bind(user_id).fetch_optional(&self.pool).await?)
    }

    /// A child's transfers, by first day.
    pub(crate) async fn handed(&self, child_id: &str) -> Result<Vec<Handed>> {
        let rows = sqlx::query("SELECT from_org, to_org, first_day FROM transfers WHERE child_id = $1 ORDER BY first_day, id")
            .bind(child_id)
            .fetch_all(&self.pool)
            .await?;
        rows.iter()
            .map(|r| Ok(Handed { from: r.try_get("from_org")?, to: r.try_get("to_org")?, first_day: day_of(r.try_get("first_day")?)? }))
            .collect()
    }

    /// The transfers `caller`'s directory lists, oldest first: an administrator every one; a
    /// station's office those from or to its station; nobody else any (a nurse of the giving
    /// station has no more business with the child).
    pub(crate) async fn transfers_for(&self, caller: &Caller) -> Result<Vec<Transfer>> {
        let sql = format!("SELECT {TRANSFER_COLUMNS} FROM transfers t LEFT JOIN users u ON u.id = t.actor");
        let rows = match caller.role {
            Role::Admin => sqlx::query(sqlx::AssertSqlSafe(format!("{sql} ORDER BY t.id"))).fetch_all(&self.pool).await?,
            Role::Office => {
                sqlx::query(sqlx::AssertSqlSafe(format!("{sql} WHERE t.from_org = $1 OR t.to_org = $2 ORDER BY t.id")))
                    .bind(&caller.org_id)
                    .bind(&caller.org_id)
                    .fetch_all(&self.pool)
                    .await?
            }
            Role::Nurse | Role::Parent | Role::Municipality | Role::Coordinator => return Ok(vec![]),
        };
        rows.iter().map(transfer_of).collect()
    }
}
