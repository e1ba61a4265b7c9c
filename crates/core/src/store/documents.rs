//! Documents: save, load, merge, raw bytes.

use carebook_domain::{DocError, Record, RecordDoc, RecordKind};

use super::index::Indexed;
use super::{Origin, Store};
use crate::clock;
use crate::error::CoreError;

impl Store {
    /// Stores a record's document, changed on this device, and its index row in one
    /// transaction. The record is then waiting to sync.
    pub async fn save<T: Indexed>(&self, doc: &mut RecordDoc<T>) -> Result<(), CoreError> {
        self.save_from(doc, Origin::Local).await
    }

    /// Stores a document and its index row in one transaction. A local change bumps the
    /// record's local version (it waits to sync); a document from the server does not.
    pub async fn save_from<T: Indexed>(&self, doc: &mut RecordDoc<T>, origin: Origin) -> Result<(), CoreError> {
        let bytes = doc.save();
        let mut tx = self.pool.begin().await?;
        let sql = match origin {
            Origin::Local => {
                "INSERT INTO documents (id, kind, bytes, updated_at, local_version, synced_version, child_id) VALUES (?1, ?2, ?3, ?4, 1, 0, ?5)
                 ON CONFLICT (id) DO UPDATE SET bytes = excluded.bytes, updated_at = excluded.updated_at,
                     local_version = documents.local_version + 1, child_id = excluded.child_id"
            }
            Origin::Server => {
                "INSERT INTO documents (id, kind, bytes, updated_at, local_version, synced_version, child_id) VALUES (?1, ?2, ?3, ?4, 1, 1, ?5)
                 ON CONFLICT (id) DO UPDATE SET bytes = excluded.bytes, updated_at = excluded.updated_at, child_id = excluded.child_id"
            }
        };
        sqlx::query(sql)
            .bind(doc.value().record_id())
            .bind(T::KIND.name())
            .bind(bytes)
            .bind(clock::now_jst().to_string())
            .bind(doc.value().child_id().to_string())
            .execute(&mut *tx)
            .await?;
        doc.value().write_index(&mut tx).await?;
        doc.value().write_search(&mut tx).await?;
        tx.commit().await.map_err(CoreError::from)
    }

    /// The raw document bytes of a record, if present.
    pub async fn bytes(&self, kind: RecordKind, id: &str) -> Result<Option<Vec<u8>>, CoreError> {
        sqlx::query_scalar("SELECT bytes FROM documents WHERE id = ?1 AND kind = ?2")
            .bind(id)
            .bind(kind.name())
            .fetch_optional(&self.pool)
            .await
            .map_err(CoreError::from)
    }

    /// The face sheets of the children of `municipality` (as the index has it), read in one query,
    /// by kana then id.
    pub async fn children_of(&self, municipality: &str) -> Result<Vec<carebook_domain::Child>, CoreError> {
        let rows: Vec<(String, Vec<u8>)> = sqlx::query_as(
            "SELECT d.id, d.bytes FROM documents d JOIN children c ON c.id = d.id \
             WHERE c.municipality = ?1 AND d.kind = 'child' ORDER BY c.kana, c.id",
        )
        .bind(municipality)
        .fetch_all(&self.pool)
        .await?;
        rows.iter()
            .map(|(id, bytes)| Ok(RecordDoc::<carebook_domain::Child>::load(id, bytes, self.actor.clone())?.value().clone()))
            .collect()
    }

    /// Loads a record's document.
    pub async fn load<T: Record>(&self, id: &str) -> Result<RecordDoc<T>, CoreError> {
        let bytes = self.bytes(T::KIND, id).await?.ok_or_else(|| CoreError::NotFound { kind: T::KIND, id: id.to_string() })?;
        let mut doc = RecordDoc::load(id, &bytes, self.actor.clone())?;
        // Whatever a use case changes next is stamped with the device's clock, so no caller can
        // forget to (the domain reads no clock).
        doc.at(clock::unix_now());
        Ok(doc)
    }

    /// Merges a document from another device into the local copy (or stores it if new) and
    /// re-indexes it. If the merged result would not fit the schema, nothing is written.
    pub async fn merge<T: Indexed>(&self, id: &str, bytes: &[u8], origin: Origin) -> Result<RecordDoc<T>, CoreError> {
        // Bytes from elsewhere are bounded before automerge expands them.
        within_bounds(T::KIND, id, bytes)?;
        let mut doc = match self.bytes(T::KIND, id).await? {
            Some(local) => {
                let mut doc = RecordDoc::<T>::load(id, &local, self.actor.clone())?;
                doc.merge_bytes(bytes)?;
                doc
            }
            None => RecordDoc::<T>::load(id, bytes, self.actor.clone())?,
        };
        self.save_from(&mut doc, origin).await?;
        Ok(doc)
    }
}

/// Refuses bytes from another device or the server that pass the bounds a Carebook server
/// keeps by default ([`carebook_domain::bounds::Limits::DEFAULT`]), before automerge expands
/// them: a hostile server or file cannot bomb the tablet.
pub(super) fn within_bounds(kind: RecordKind, id: &str, bytes: &[u8]) -> Result<(), DocError> {
    match carebook_domain::bounds::scan(bytes, &carebook_domain::bounds::Limits::DEFAULT) {
        Ok(_) => Ok(()),
        Err(refusal) => Err(DocError::Corrupt { kind, id: id.to_string(), reason: refusal.message().en }),
    }
}
