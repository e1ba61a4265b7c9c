//! Coordinator support (医療的ケア児等コーディネーター): the work records and regional meetings
//! the server keeps (`/api/v1/coordination/…`: the station's coordinator, office, or an
//! administrator), and the year's report with the children's names from the face sheets this
//! device holds. The arithmetic is the domain's (`carebook_domain::coordinator_report`).

use carebook_domain::{
    coordinator_report, CoordinatorReport, CoordinatorWorkRecord, FiscalYear, NewCoordinatorWork, NewRegionalMeeting, RegionalMeetingRecord,
};
use serde::de::DeserializeOwned;
use serde::Serialize;

use crate::sync::{http, send};
use crate::{clock, Carebook, CoreError};

impl Carebook {
    /// A station's list of a fiscal year from the server (`what`: `work` or `meetings`).
    async fn coordination_list<T: DeserializeOwned>(&self, what: &str, station: &str, fy: FiscalYear) -> Result<Vec<T>, CoreError> {
        let s = self.session().await?.ok_or(CoreError::NotLoggedIn)?;
        let url = format!("{}/api/v1/coordination/{what}", s.server_url);
        send(http()?.get(url).query(&[("station", station), ("fy", &fy.0.to_string())]).bearer_auth(&s.token)).await
    }

    /// Sends a new record to the server (`what`: `work` or `meetings`).
    async fn coordination_add<B: Serialize, T: DeserializeOwned>(&self, what: &str, body: &B) -> Result<T, CoreError> {
        let s = self.session().await?.ok_or(CoreError::NotLoggedIn)?;
        send(http()?.post(format!("{}/api/v1/coordination/{what}", s.server_url)).bearer_auth(&s.token).json(body)).await
    }

    /// The coordinator work of `station` dated in `fy`.
    pub async fn coordinator_work(&self, station: &str, fy: FiscalYear) -> Result<Vec<CoordinatorWorkRecord>, CoreError> {
        self.coordination_list("work", station, fy).await
    }

    /// Records a piece of coordinator work (checked here first: nothing is sent when a field is
    /// wrong).
    pub async fn add_coordinator_work(&self, w: &NewCoordinatorWork) -> Result<CoordinatorWorkRecord, CoreError> {
        w.validate(clock::today_jst()).into_result()?;
        self.coordination_add("work", w).await
    }

    /// The regional meetings and trainings of `station` held in `fy`.
    pub async fn regional_meetings(&self, station: &str, fy: FiscalYear) -> Result<Vec<RegionalMeetingRecord>, CoreError> {
        self.coordination_list("meetings", station, fy).await
    }

    /// Records a regional meeting or training (checked here first).
    pub async fn add_regional_meeting(&self, m: &NewRegionalMeeting) -> Result<RegionalMeetingRecord, CoreError> {
        m.validate(clock::today_jst()).into_result()?;
        self.coordination_add("meetings", m).await
    }

    /// The coordinator support of `station` in `fy`: per child the 8 hours and the amount, the
    /// meetings, the totals. Needs the server for the records.
    pub async fn coordinator_report(&self, station: &str, fy: FiscalYear) -> Result<CoordinatorReport, CoreError> {
        let work = self.coordinator_work(station, fy).await?;
        let meetings = self.regional_meetings(station, fy).await?;
        let children = self.children().await?;
        let name = |id| children.iter().find(|c| c.id == id).map(|c| c.name.clone()).unwrap_or_default();
        Ok(coordinator_report(station, fy, &work, &meetings, name))
    }
}
