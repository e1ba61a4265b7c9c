//! Office reads that go to the server: a record's history (who changed what, when) and the
//! quarantine of refused pushes. Both need a login with the office or admin role.

use carebook_domain::{AuditEntry, QuarantineDevice, QuarantineEntry};

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
}
