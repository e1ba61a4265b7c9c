//! Office reads that go to the server: a record's history (who changed what, when) and the
//! quarantine of refused pushes, and the people the office manages. Each needs a login with the
//! office or admin role.

use automerge::ChangeHash;
use carebook_domain::{
    visit_changes, AuditEntry, FieldChange, NewPerson, OneTimePassword, PersonAdded, PersonChange, PersonDetail, PersonDisabled,
    QuarantineDevice, QuarantineEntry, RecordDoc, Visit, VisitId,
};
use serde::{Deserialize, Serialize};

use crate::sync::{http, send};
use crate::{Carebook, CoreError};

impl Carebook {
    /// A record's history on the server, oldest first.
    pub async fn record_history(&self, record_id: &str) -> Result<Vec<AuditEntry>, CoreError> {
        let s = self.session().await?.ok_or(CoreError::NotLoggedIn)?;
        send(http()?.get(format!("{}/api/v1/records/{record_id}/history", s.server_url)).bearer_auth(&s.token)).await
    }

    /// A visit's history on the server, oldest first, each entry with what it changed: the
    /// server says who and when (and the document's heads after the change); the device works
    /// out what from its own copy of the document ([`changes_for`]). An entry whose version the
    /// device does not have yet (not synced, or the whole record not on the device) is `unknown`,
    /// never an error.
    pub async fn visit_history(&self, id: VisitId) -> Result<Vec<HistoryEntry>, CoreError> {
        let entries = self.record_history(&id.to_string()).await?;
        match self.store().load::<Visit>(&id.to_string()).await {
            Ok(mut doc) => Ok(changes_for(&mut doc, entries)),
            // Not on this device (an office reading a record it does not hold): no version known.
            Err(CoreError::NotFound { .. }) => Ok(entries
                .into_iter()
                .map(|entry| HistoryEntry { unknown: !entry.change_hash.trim().is_empty(), entry, changes: Vec::new() })
                .collect()),
            Err(e) => Err(e),
        }
    }

    /// Pushes the server refused, newest first (the office's own organisation).
    pub async fn quarantine(&self) -> Result<Vec<QuarantineEntry>, CoreError> {
        let s = self.session().await?.ok_or(CoreError::NotLoggedIn)?;
        send(http()?.get(format!("{}/api/v1/quarantine", s.server_url)).bearer_auth(&s.token)).await
    }

    /// What each device's refused pushes take in the server's quarantine, and how many were
    /// refused because its quota was full (the office's own organisation).
    pub async fn quarantine_devices(&self) -> Result<Vec<QuarantineDevice>, CoreError> {
        let s = self.session().await?.ok_or(CoreError::NotLoggedIn)?;
        send(http()?.get(format!("{}/api/v1/quarantine/devices", s.server_url)).bearer_auth(&s.token)).await
    }

    /// The people the account manages (an office its organisation's, an administrator
    /// everyone), with their devices and assignments.
    pub async fn people(&self) -> Result<Vec<PersonDetail>, CoreError> {
        let s = self.session().await?.ok_or(CoreError::NotLoggedIn)?;
        send(http()?.get(format!("{}/api/v1/people", s.server_url)).bearer_auth(&s.token)).await
    }

    /// Adds a person; the answer carries the one-time password to hand them.
    pub async fn add_person(&self, new: &NewPerson) -> Result<PersonAdded, CoreError> {
        self.post_people("", new).await
    }

    /// Changes a person's name, reading, profession, role or organisation.
    pub async fn change_person(&self, username: &str, change: &PersonChange) -> Result<PersonDetail, CoreError> {
        self.post_people(&format!("/{}", path_segment(username)), change).await
    }

    /// Disables a person: every device of theirs is revoked at once.
    pub async fn disable_person(&self, username: &str) -> Result<PersonDisabled, CoreError> {
        self.post_people(&format!("/{}/disable", path_segment(username)), &serde_json::json!({})).await
    }

    /// Enables a disabled person.
    pub async fn enable_person(&self, username: &str) -> Result<PersonDetail, CoreError> {
        self.post_people(&format!("/{}/enable", path_segment(username)), &serde_json::json!({})).await
    }

    /// Gives a person a one-time password (their devices must log in again).
    pub async fn reset_person_password(&self, username: &str) -> Result<OneTimePassword, CoreError> {
        self.post_people(&format!("/{}/password-reset", path_segment(username)), &serde_json::json!({})).await
    }

    async fn post_people<B: Serialize, T: for<'de> serde::Deserialize<'de>>(&self, path: &str, body: &B) -> Result<T, CoreError> {
        let s = self.session().await?.ok_or(CoreError::NotLoggedIn)?;
        send(http()?.post(format!("{}/api/v1/people{path}", s.server_url)).bearer_auth(&s.token).json(body)).await
    }
}

/// One entry of a record's history with what it changed.
///
/// On the wire (and in TypeScript) the audit entry's fields are at the top level beside
/// `changes` and `unknown`, so a reader of the plain audit entry reads this too.
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct HistoryEntry {
    /// Who, when, which device, the heads after it, what kind of entry (from the server).
    #[serde(flatten)]
    pub entry: AuditEntry,
    /// What this entry changed from the entry before it (the first: every filled-in field, from
    /// nothing), field by field ([`carebook_domain::visit_changes`]). Empty when `unknown`, and
    /// for an entry that changed nothing a person sees.
    pub changes: Vec<FieldChange>,
    /// The device cannot tell what changed: it does not have the version after this entry, or
    /// the one before it (not synced yet), or cannot read it. Syncing usually fills it in.
    pub unknown: bool,
}

/// What each history entry of a visit changed, worked out from the device's copy of the
/// document: the version at each entry's heads (`change_hash`: hex change hashes,
/// comma-separated) is read as it was then and compared with the version at the entry before
/// it. Entries in the order given (the server's: oldest first). Heads the document does not
/// hold, heads that do not parse, and a version that does not read as a visit make that entry
/// (and the one after it, which has nothing to compare with) `unknown`; an entry without heads
/// (not a change of the document: a transfer's note) changed nothing. Nothing here fails.
pub fn changes_for(doc: &mut RecordDoc<Visit>, entries: Vec<AuditEntry>) -> Vec<HistoryEntry> {
    let id = doc.value().id.to_string();
    let actor = doc.automerge().get_actor().clone();
    // `None`: not known; `Some(None)`: before the first entry (nothing).
    let mut previous: Option<Option<Visit>> = Some(None);
    let mut out = Vec::with_capacity(entries.len());
    for entry in entries {
        if entry.change_hash.trim().is_empty() {
            // Not a change of the document (a transfer's note): nothing changed, nothing unknown.
            out.push(HistoryEntry { entry, changes: Vec::new(), unknown: false });
            continue;
        }
        let version = version_at(doc, &id, &actor, &entry.change_hash);
        let changes = match (&previous, &version) {
            (Some(before), Some(after)) => Some(visit_changes(before.as_ref(), after)),
            _ => None,
        };
        out.push(HistoryEntry { entry, unknown: changes.is_none(), changes: changes.unwrap_or_default() });
        previous = version.map(Some);
    }
    out
}

/// The visit as it was at `heads` (hex change hashes, comma-separated), if the document holds
/// every one of them and that version reads as this visit.
fn version_at(doc: &mut RecordDoc<Visit>, id: &str, actor: &automerge::ActorId, heads: &str) -> Option<Visit> {
    let heads: Vec<ChangeHash> = heads.split(',').map(|h| h.trim().parse().ok()).collect::<Option<_>>()?;
    let am = doc.automerge();
    if heads.iter().any(|h| am.get_change_by_hash(h).is_none()) {
        return None;
    }
    let then = am.fork_at(&heads).ok()?;
    RecordDoc::<Visit>::from_loaded(id, then, actor.clone()).ok().map(|d| d.value().clone())
}

/// An account name as one path segment (names have no spaces, but may hold `/`, `?` or `%`).
fn path_segment(name: &str) -> String {
    name.bytes()
        .map(|b| if b.is_ascii_alphanumeric() || b"-_.~".contains(&b) { (b as char).to_string() } else { format!("%{b:02X}") })
        .collect()
}
