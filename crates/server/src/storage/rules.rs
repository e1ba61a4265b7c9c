//! Municipality settings and checklist templates as dated versions (`rule_versions`): the book
//! every device fetches, and publishing a version.

use carebook_domain::{Date, Message, Problems, RuleBook, RuleVersion};

use super::people::event;
use super::{settle, Storage};
use crate::model::{Caller, Error, Result};

impl Storage {
    /// Every published version.
    pub async fn rule_book(&self) -> Result<RuleBook> {
        let bodies: Vec<String> =
            sqlx::query_scalar("SELECT body FROM rule_versions ORDER BY kind, key, effective_from").fetch_all(&self.pool).await?;
        let versions = bodies
            .into_iter()
            .map(|b| serde_json::from_str(&b).map_err(|_| Error::Stored { what: Message::new("設定の版", "rule version"), value: b }))
            .collect::<Result<Vec<RuleVersion>>>()?;
        Ok(RuleBook { versions })
    }

    /// Publishes a version (already checked by the caller's use case: rights, dates). A version
    /// of the same thing from the same day replaces it only while that day is still to come
    /// (`today` < its date); one already in force stays, and the answer says so.
    pub(crate) async fn publish_rule(&self, v: &RuleVersion, caller: &Caller, today: Date, now: i64) -> Result<()> {
        let body = serde_json::to_string(v)
            .map_err(|e| Error::Stored { what: Message::new("設定の版", "rule version"), value: e.to_string() })?;
        let _turn = self.write_turn().await;
        let mut tx = self.pool.begin().await?;
        let result: Result<()> = async {
            let done = sqlx::query(
                "INSERT INTO rule_versions (kind, key, effective_from, body, user_id, at) VALUES ($1, $2, $3, $4, $5, $6) \
                 ON CONFLICT (kind, key, effective_from) DO UPDATE SET body = excluded.body, user_id = excluded.user_id, at = excluded.at \
                 WHERE rule_versions.effective_from > $7",
            )
            .bind(v.kind().name())
            .bind(&v.key)
            .bind(v.effective_from.to_string())
            .bind(&body)
            .bind(&caller.user_id)
            .bind(now)
            .bind(today.to_string())
            .execute(&mut *tx)
            .await?;
            if done.rows_affected() == 0 {
                let mut p = Problems::default();
                p.push(
                    "effective_from",
                    "in_force",
                    format!("{} からの版はすでに適用中です。後の日付から新しい版を作ってください", v.effective_from),
                    format!("the version from {} is already in force: publish a new one from a later date", v.effective_from),
                );
                return Err(Error::Problems(p));
            }
            let detail = format!("{} {} from {}", v.kind().name(), v.key, v.effective_from);
            event(&mut tx, Some(&caller.username), "rules_published", &v.key, &detail).await?;
            Ok(())
        }
        .await;
        settle(tx, result).await
    }
}
