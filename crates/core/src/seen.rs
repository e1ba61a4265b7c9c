//! Who saw what, on the device: when the user of an office, municipality or administrator
//! account opens a record or exports a claim or a report here, the device notes it (names and
//! ids, never contents) and reports it to the server's access log at the next sync — it may be
//! offline now. A nurse's and a parent's own work is not noted.

use carebook_domain::wire::{AccessEvent, AccessEvents, ACCESS_EVENTS_MAX};
use carebook_domain::{ChildId, Role};

use crate::sync::{answer_empty, http, Session};
use crate::{clock, Carebook, CoreError};

/// A noted event, as the device keeps it until reported.
#[derive(sqlx::FromRow)]
struct Noted {
    id: i64,
    at: i64,
    action: String,
    record_id: Option<String>,
    child_id: Option<String>,
    what: String,
}

impl Carebook {
    /// Notes that this device's user opened `record_id` (`what`: `visit`, `face_sheet`).
    pub async fn note_opened(&self, record_id: &str, child_id: ChildId, what: &str) -> Result<(), CoreError> {
        self.note("opened", Some(record_id), Some(child_id), what).await
    }

    /// Notes that this device's user exported `what` (`claim 13105 2026-11 pdf` …).
    pub async fn note_export(&self, what: &str) -> Result<(), CoreError> {
        self.note("exported", None, None, what).await
    }

    async fn note(&self, action: &str, record_id: Option<&str>, child_id: Option<ChildId>, what: &str) -> Result<(), CoreError> {
        let Some(session) = self.session().await? else { return Ok(()) };
        if !matches!(session.user.role, Role::Office | Role::Municipality | Role::Admin) {
            return Ok(());
        }
        sqlx::query("INSERT INTO access_events (at, action, record_id, child_id, what) VALUES (?1, ?2, ?3, ?4, ?5)")
            .bind(clock::unix_now())
            .bind(action)
            .bind(record_id)
            .bind(child_id.map(|c| c.to_string()))
            .bind(what.chars().take(200).collect::<String>())
            .execute(self.store().pool())
            .await?;
        Ok(())
    }

    /// How many noted events wait to be reported.
    pub async fn access_events_waiting(&self) -> Result<i64, CoreError> {
        Ok(sqlx::query_scalar("SELECT count(*) FROM access_events").fetch_one(self.store().pool()).await?)
    }

    /// Reports the noted events to the server, oldest first, in reports of at most
    /// [`ACCESS_EVENTS_MAX`]; each reported one is removed. A server without the access log
    /// (older: 404) keeps them waiting. Returns how many were reported.
    pub(crate) async fn report_access_events(&self, s: &Session, auth: &str) -> Result<u64, CoreError> {
        let mut reported = 0;
        loop {
            let rows: Vec<Noted> =
                sqlx::query_as("SELECT id, at, action, record_id, child_id, what FROM access_events ORDER BY id LIMIT ?1")
                    .bind(ACCESS_EVENTS_MAX as i64)
                    .fetch_all(self.store().pool())
                    .await?;
            let Some(last) = rows.last().map(|r| r.id) else { return Ok(reported) };
            let events = rows
                .iter()
                .map(|r| AccessEvent {
                    at: r.at,
                    action: r.action.clone(),
                    record_id: r.record_id.clone(),
                    child_id: r.child_id.clone(),
                    what: r.what.clone(),
                })
                .collect();
            let req = http()?.post(format!("{}/api/v1/access/events", s.server_url)).header(reqwest::header::AUTHORIZATION, auth);
            if !answer_empty(req.json(&AccessEvents { events })).await? {
                return Ok(reported);
            }
            sqlx::query("DELETE FROM access_events WHERE id <= ?1").bind(last).execute(self.store().pool()).await?;
            reported += rows.len() as u64;
        }
    }
}
