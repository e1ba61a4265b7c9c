//! Office reads that go to the server: a record's history (who changed what, when) and the
//! quarantine of refused pushes, and the people the office manages. Each needs a login with the
//! office or admin role.

use carebook_domain::{
    AuditEntry, NewPerson, OneTimePassword, PersonAdded, PersonChange, PersonDetail, PersonDisabled, QuarantineDevice, QuarantineEntry,
};
use serde::Serialize;

use crate::sync::{http, send};
use crate::{Carebook, CoreError};

impl Carebook {
    /// A record's history on the server, oldest first.
    pub async fn record_history(&self, record_id: &str) -> Result<Vec<AuditEntry>, CoreError> {
        let s = self.session().await?.ok_or(CoreError::NotLoggedIn)?;
        send(http().get(format!("{}/api/v1/records/{record_id}/history", s.server_url)).bearer_auth(&s.token)).await
    }

    /// Pushes the server refused, newest first (the office's own organisation).
    pub async fn quarantine(&self) -> Result<Vec<QuarantineEntry>, CoreError> {
        let s = self.session().await?.ok_or(CoreError::NotLoggedIn)?;
        send(http().get(format!("{}/api/v1/quarantine", s.server_url)).bearer_auth(&s.token)).await
    }

    /// What each device's refused pushes take in the server's quarantine, and how many were
    /// refused because its quota was full (the office's own organisation).
    pub async fn quarantine_devices(&self) -> Result<Vec<QuarantineDevice>, CoreError> {
        let s = self.session().await?.ok_or(CoreError::NotLoggedIn)?;
        send(http().get(format!("{}/api/v1/quarantine/devices", s.server_url)).bearer_auth(&s.token)).await
    }

    /// The people the account manages (an office its organisation's, an administrator
    /// everyone), with their devices and assignments.
    pub async fn people(&self) -> Result<Vec<PersonDetail>, CoreError> {
        let s = self.session().await?.ok_or(CoreError::NotLoggedIn)?;
        send(http().get(format!("{}/api/v1/people", s.server_url)).bearer_auth(&s.token)).await
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
        send(http().post(format!("{}/api/v1/people{path}", s.server_url)).bearer_auth(&s.token).json(body)).await
    }
}

/// An account name as one path segment (names have no spaces, but may hold `/`, `?` or `%`).
fn path_segment(name: &str) -> String {
    name.bytes()
        .map(|b| if b.is_ascii_alphanumeric() || b"-_.~".contains(&b) { (b as char).to_string() } else { format!("%{b:02X}") })
        .collect()
}
