//! Sync state: records waiting to push, refused ones, the buckets held, removals.

use carebook_domain::{Date, RecordKind};
use serde::Serialize;
use sqlx::AssertSqlSafe;

use super::Store;
use crate::clock;
use crate::error::CoreError;

impl Store {
    /// Records changed here and not yet accepted by the server (rejected ones excluded until
    /// changed again), oldest first.
    pub async fn pending(&self, limit: i64) -> Result<Vec<PendingDoc>, CoreError> {
        Ok(sqlx::query_as(
            "SELECT id, kind, bytes, local_version AS version, resend FROM documents
             WHERE local_version > synced_version ORDER BY kind = 'visit', updated_at, id LIMIT ?1",
        )
        .bind(limit)
        .fetch_all(&self.pool)
        .await?)
    }

    /// How many records wait to sync.
    pub async fn pending_count(&self) -> Result<i64, CoreError> {
        sqlx::query_scalar("SELECT count(*) FROM documents WHERE local_version > synced_version")
            .fetch_one(&self.pool)
            .await
            .map_err(CoreError::from)
    }

    /// Ids of the records waiting to sync.
    pub async fn pending_ids(&self) -> Result<Vec<String>, CoreError> {
        sqlx::query_scalar("SELECT id FROM documents WHERE local_version > synced_version")
            .fetch_all(&self.pool)
            .await
            .map_err(CoreError::from)
    }

    /// The server accepted `version` of a record.
    pub async fn mark_synced(&self, id: &str, version: i64) -> Result<(), CoreError> {
        sqlx::query(
            "UPDATE documents SET synced_version = max(synced_version, ?2), rejected_code = NULL, rejected_reason = NULL, resend = 0 WHERE id = ?1",
        )
        .bind(id)
        .bind(version)
        .execute(&self.pool)
        .await?;
        Ok(())
    }

    /// The server, restored from a backup, refused `version` of a record it had accepted before
    /// (this account may not write it; the device that may brings it back): back to synced,
    /// not marked refused.
    pub async fn mark_not_restored(&self, id: &str, version: i64) -> Result<(), CoreError> {
        sqlx::query("UPDATE documents SET synced_version = max(synced_version, ?2), resend = 0 WHERE id = ?1")
            .bind(id)
            .bind(version)
            .execute(&self.pool)
            .await?;
        Ok(())
    }

    /// The server was restored from a backup (its epoch is now `epoch`): every record it had
    /// accepted waits to be pushed again (marked `resend`), the settings named in `forget` (the
    /// change cursor, the ETags) are removed so the next pull starts over, and the epoch is
    /// kept under `epoch_key` — all in one transaction. Returns how many records will be sent
    /// again. Records waiting already, and refused ones, stay as they are.
    pub async fn restart_sync(&self, forget: &[&str], epoch_key: &str, epoch: &str) -> Result<u64, CoreError> {
        let mut tx = self.pool.begin().await?;
        let resent = sqlx::query(
            "UPDATE documents SET synced_version = 0, resend = 1 WHERE local_version <= synced_version AND rejected_code IS NULL",
        )
        .execute(&mut *tx)
        .await?
        .rows_affected();
        for key in forget {
            sqlx::query("DELETE FROM device WHERE key = ?1").bind(key).execute(&mut *tx).await?;
        }
        sqlx::query("INSERT INTO device (key, value) VALUES (?1, ?2) ON CONFLICT (key) DO UPDATE SET value = excluded.value")
            .bind(epoch_key)
            .bind(epoch)
            .execute(&mut *tx)
            .await?;
        tx.commit().await?;
        Ok(resent)
    }

    /// The server refused `version` of a record: keep it, marked, and stop pushing it until it
    /// changes again.
    pub async fn mark_rejected(&self, id: &str, version: i64, code: &str, reason: &str) -> Result<(), CoreError> {
        sqlx::query(
            "UPDATE documents SET synced_version = max(synced_version, ?2), rejected_code = ?3, rejected_reason = ?4 WHERE id = ?1",
        )
        .bind(id)
        .bind(version)
        .bind(code)
        .bind(reason)
        .execute(&self.pool)
        .await?;
        Ok(())
    }

    /// Of the records `ids`, those waiting to be sent and those the server refused: what a list's
    /// rows say of each (the cost follows the list, not how many records wait on the device).
    pub async fn sync_marks(&self, ids: &[String]) -> Result<(Vec<String>, Vec<RejectedDoc>), CoreError> {
        let ids = serde_json::to_string(ids)?;
        let pending =
            sqlx::query_scalar("SELECT id FROM documents WHERE id IN (SELECT value FROM json_each(?1)) AND local_version > synced_version")
                .bind(&ids)
                .fetch_all(&self.pool)
                .await?;
        let rejected = sqlx::query_as(
            "SELECT id, kind, rejected_code AS code, COALESCE(rejected_reason, '') AS reason FROM documents
             WHERE id IN (SELECT value FROM json_each(?1)) AND rejected_code IS NOT NULL ORDER BY id",
        )
        .bind(&ids)
        .fetch_all(&self.pool)
        .await?;
        Ok((pending, rejected))
    }

    /// Records the server refused.
    pub async fn rejected(&self) -> Result<Vec<RejectedDoc>, CoreError> {
        Ok(sqlx::query_as(
            "SELECT id, kind, rejected_code AS code, COALESCE(rejected_reason, '') AS reason FROM documents
             WHERE rejected_code IS NOT NULL ORDER BY id",
        )
        .fetch_all(&self.pool)
        .await?)
    }

    /// The sync buckets the device holds: the children held in full, and every child it holds
    /// records of from the server (in full or not), both sorted.
    pub async fn buckets(&self) -> Result<Buckets, CoreError> {
        let rows: Vec<(String, i64)> =
            sqlx::query_as("SELECT child_id, complete FROM sync_buckets ORDER BY child_id").fetch_all(&self.pool).await?;
        let mut b = Buckets::default();
        for (child, complete) in rows {
            if complete == 1 {
                b.complete.push(child.clone());
            }
            b.held.push(child);
        }
        Ok(b)
    }

    /// Marks children as held in full (their records up to the cursor are on the device).
    pub async fn set_buckets_complete(&self, children: &[String]) -> Result<(), CoreError> {
        let mut tx = self.pool.begin().await?;
        for child in children {
            sqlx::query("INSERT INTO sync_buckets (child_id, complete) VALUES (?1, 1) ON CONFLICT (child_id) DO UPDATE SET complete = 1")
                .bind(child)
                .execute(&mut *tx)
                .await?;
        }
        tx.commit().await.map_err(CoreError::from)
    }

    /// Holds `buckets` incomplete until they are caught up (a bucket already held keeps its
    /// state), so that what the catch-up brings is known to be theirs.
    pub async fn hold_buckets(&self, buckets: &[String]) -> Result<(), CoreError> {
        let mut tx = self.pool.begin().await?;
        for bucket in buckets {
            sqlx::query("INSERT INTO sync_buckets (child_id, complete) VALUES (?1, 0) ON CONFLICT (child_id) DO NOTHING")
                .bind(bucket)
                .execute(&mut *tx)
                .await?;
        }
        tx.commit().await.map_err(CoreError::from)
    }

    /// Records of these buckets' children waiting to sync.
    pub async fn pending_of(&self, buckets: &[String]) -> Result<Vec<PendingDoc>, CoreError> {
        let children: Vec<&str> = buckets.iter().map(|b| carebook_domain::bucket_child(b)).collect();
        let ids = serde_json::to_string(&children)?;
        Ok(sqlx::query_as(
            "SELECT id, kind, bytes, local_version AS version, resend FROM documents
             WHERE local_version > synced_version AND child_id IN (SELECT value FROM json_each(?1)) ORDER BY kind = 'visit', id",
        )
        .bind(ids)
        .fetch_all(&self.pool)
        .await?)
    }

    /// Removes the records of children the account may no longer read, and notes each removal.
    /// A record with an edit still waiting to sync stays (with its bucket), for the next sync to
    /// push first; a record whose edit the server refused goes (the server keeps it in quarantine).
    ///
    /// Takes buckets: a child id, or the own-records bucket of one (its records go alike).
    pub async fn remove_children(&self, buckets: &[String]) -> Result<Vec<AccessRemoval>, CoreError> {
        let at = clock::now_jst().to_string();
        let mut removals = Vec::new();
        let mut tx = self.pool.begin().await?;
        for bucket in buckets {
            let child = carebook_domain::bucket_child(bucket);
            let name: Option<String> =
                sqlx::query_scalar("SELECT name FROM children WHERE id = ?1").bind(child).fetch_optional(&mut *tx).await?;
            let gone = "SELECT id FROM documents WHERE child_id = ?1 AND local_version <= synced_version";
            let quarantined: i64 = sqlx::query_scalar(
                "SELECT count(*) FROM documents WHERE child_id = ?1 AND local_version <= synced_version AND rejected_code IS NOT NULL",
            )
            .bind(child)
            .fetch_one(&mut *tx)
            .await?;
            for index in ["visits", "children"] {
                sqlx::query(AssertSqlSafe(format!("DELETE FROM {index} WHERE id IN ({gone})"))).bind(child).execute(&mut *tx).await?;
            }
            let records = sqlx::query("DELETE FROM documents WHERE child_id = ?1 AND local_version <= synced_version")
                .bind(child)
                .execute(&mut *tx)
                .await?
                .rows_affected() as i64;
            let left: i64 =
                sqlx::query_scalar("SELECT count(*) FROM documents WHERE child_id = ?1").bind(child).fetch_one(&mut *tx).await?;
            if left == 0 {
                sqlx::query("DELETE FROM sync_buckets WHERE child_id = ?1").bind(bucket).execute(&mut *tx).await?;
            }
            if records > 0 {
                sqlx::query("INSERT INTO access_removals (child_id, child_name, records, quarantined, at) VALUES (?1, ?2, ?3, ?4, ?5)")
                    .bind(child)
                    .bind(&name)
                    .bind(records)
                    .bind(quarantined)
                    .bind(&at)
                    .execute(&mut *tx)
                    .await?;
                removals.push(AccessRemoval::new(child.to_string(), name, records, quarantined, at.clone()));
            }
        }
        tx.commit().await?;
        Ok(removals)
    }

    /// The latest removals of records the account could no longer read, on or after `since`,
    /// newest first.
    pub async fn access_removals(&self, since: Date, limit: i64) -> Result<Vec<AccessRemoval>, CoreError> {
        let rows: Vec<(String, Option<String>, i64, i64, String)> = sqlx::query_as(
            "SELECT child_id, child_name, records, quarantined, at FROM access_removals WHERE at >= ?1 ORDER BY id DESC LIMIT ?2",
        )
        .bind(since.to_string())
        .bind(limit)
        .fetch_all(&self.pool)
        .await?;
        Ok(rows
            .into_iter()
            .map(|(child_id, child_name, records, quarantined, at)| AccessRemoval::new(child_id, child_name, records, quarantined, at))
            .collect())
    }

    /// Deletes the records of a revoked device, index included: every record but those it
    /// could not hand over — still waiting to be sent, or refused with no room in the server's
    /// quarantine (`quarantine_full`) — which stay, so nothing is lost.
    pub async fn wipe_records(&self) -> Result<Wiped, CoreError> {
        const KEPT: &str = "local_version > synced_version OR COALESCE(rejected_code, '') = 'quarantine_full'";
        let mut tx = self.pool.begin().await?;
        sqlx::query("DELETE FROM sync_buckets").execute(&mut *tx).await?;
        // The removal notes name children: they go too.
        sqlx::query("DELETE FROM access_removals").execute(&mut *tx).await?;
        for index in ["visits", "children"] {
            sqlx::query(AssertSqlSafe(format!("DELETE FROM {index} WHERE id NOT IN (SELECT id FROM documents WHERE {KEPT})")))
                .execute(&mut *tx)
                .await?;
        }
        let removed =
            sqlx::query(AssertSqlSafe(format!("DELETE FROM documents WHERE NOT ({KEPT})"))).execute(&mut *tx).await?.rows_affected();
        let kept: i64 = sqlx::query_scalar("SELECT count(*) FROM documents").fetch_one(&mut *tx).await?;
        tx.commit().await?;
        sqlx::query("VACUUM").execute(&self.pool).await?;
        Ok(Wiped { removed, kept: kept as u64 })
    }
}

/// What [`Store::wipe_records`] did.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Wiped {
    /// Records removed.
    pub removed: u64,
    /// Records kept: not handed over.
    pub kept: u64,
}

/// A record waiting to be pushed.
#[derive(Debug, Clone, sqlx::FromRow)]
pub struct PendingDoc {
    /// Record id.
    pub id: String,
    /// Schema.
    pub kind: RecordKind,
    /// Current bytes.
    pub bytes: Vec<u8>,
    /// The local version these bytes are.
    pub version: i64,
    /// Pushed again after a restore of the server (it had accepted this version before).
    pub resend: bool,
}

/// A record the server refused, kept on the device with the reason.
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
#[derive(Debug, Clone, PartialEq, Eq, Serialize, sqlx::FromRow)]
pub struct RejectedDoc {
    /// Record id.
    pub id: String,
    /// Schema name.
    pub kind: String,
    /// The server's code (`forbidden`, `locked`, `invalid` …).
    pub code: String,
    /// The server's reason.
    pub reason: String,
}

/// The children whose records the device holds from the server ([`Store::buckets`]).
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Buckets {
    /// Held in full up to the cursor, sorted.
    pub complete: Vec<String>,
    /// Every child held, in full or not, sorted.
    pub held: Vec<String>,
}

/// Records removed from the device because the account may no longer read the child.
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct AccessRemoval {
    /// The child.
    pub child_id: String,
    /// The child's name as the device had it, if it had the face sheet.
    pub child_name: Option<String>,
    /// Records removed.
    pub records: i64,
    /// Of those, edits the server refused: they are in the server's quarantine, not lost.
    pub quarantined: i64,
    /// When (JST).
    pub at: String,
    /// Why, for people (Japanese / English).
    pub reason: String,
}

impl AccessRemoval {
    fn new(child_id: String, child_name: Option<String>, records: i64, quarantined: i64, at: String) -> AccessRemoval {
        let mut reason = "このアカウントではこの子どもの記録を読めなくなったため（担当の解除・他ステーションへの移管・役割の変更）、端末から削除しました"
            .to_string();
        if quarantined > 0 {
            reason.push_str(&format!("。サーバーが受け付けなかった変更 {quarantined} 件はサーバーの保留箱にあります"));
        }
        reason.push_str(" / removed from this device: this account may no longer read the child's records (unassigned, moved to another station, or role changed)");
        if quarantined > 0 {
            reason.push_str(&format!("; {quarantined} edit(s) the server refused are kept in its quarantine"));
        }
        AccessRemoval { child_id, child_name, records, quarantined, at, reason }
    }
}
