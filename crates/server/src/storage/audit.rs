//! The audit trail: who changed a record, from which device, when, and its heads; and what else
//! was done to it (a face sheet's transfer, with a note).

use carebook_domain::wire::AuditEntry;
use carebook_domain::Message;
use sqlx::Row;

use super::Storage;
use crate::model::{Error, Result};

impl Storage {
    /// The accepted changes of a record, oldest first.
    pub(crate) async fn history(&self, record_id: &str) -> Result<Vec<AuditEntry>> {
        let rows = sqlx::query(
            "SELECT a.record_id, u.username, u.display_name, a.device_id, a.at, a.change_hash, a.action, a.note \
             FROM audit a JOIN users u ON u.id = a.user_id WHERE a.record_id = $1 ORDER BY a.id",
        )
        .bind(record_id)
        .fetch_all(&self.pool)
        .await?;
        rows.iter()
            .map(|r| {
                Ok(AuditEntry {
                    record_id: r.try_get("record_id")?,
                    username: r.try_get("username")?,
                    name: r.try_get("display_name")?,
                    device_id: r.try_get("device_id")?,
                    at: r.try_get("at")?,
                    change_hash: r.try_get("change_hash")?,
                    action: r.try_get("action")?,
                    note: match r.try_get::<Option<String>, _>("note")? {
                        Some(text) => Some(
                            serde_json::from_str(&text)
                                .map_err(|_| Error::Stored { what: Message::new("履歴の注記", "history note"), value: text })?,
                        ),
                        None => None,
                    },
                })
            })
            .collect()
    }
}
