//! The station-readiness results report (実績報告) of one station and fiscal year, from what
//! this device holds (the accompanied handover visits of the year, each child's latest visit of
//! the year carrying the first-visit equipment checklist, the children's names, the directory)
//! and the station's equipment purchases and the amount granted to it for the year, which the
//! server keeps (`/api/v1/purchases`, `/api/v1/grants`: office of the station or administrator). The assembly is the domain's
//! (`carebook_domain::results_report`).

use std::collections::BTreeMap;

use carebook_domain::results::FIRST_VISIT_TEMPLATE;
use carebook_domain::{
    results_report, ChildId, FiscalYear, Grant, NewGrant, NewPurchase, Purchase, ReportChild, ResultsReport, Visit, VisitKind,
};

use crate::store::VisitFilter;
use crate::sync::{http, send};
use crate::{clock, Carebook, CoreError};

impl Carebook {
    /// The equipment purchases of `station` dated in `fy`, from the server.
    pub async fn purchases(&self, station: &str, fy: FiscalYear) -> Result<Vec<Purchase>, CoreError> {
        let s = self.session().await?.ok_or(CoreError::NotLoggedIn)?;
        let url = format!("{}/api/v1/purchases", s.server_url);
        send(http()?.get(url).query(&[("station", station), ("fy", &fy.0.to_string())]).bearer_auth(&s.token)).await
    }

    /// Records an equipment purchase on the server (checked here first: nothing is sent when a
    /// field is wrong).
    pub async fn add_purchase(&self, p: &NewPurchase) -> Result<Purchase, CoreError> {
        p.validate(clock::today_jst()).into_result()?;
        let s = self.session().await?.ok_or(CoreError::NotLoggedIn)?;
        send(http()?.post(format!("{}/api/v1/purchases", s.server_url)).bearer_auth(&s.token).json(p)).await
    }

    /// The amount granted to `station` for `fy` (交付決定額), from the server; `None` when the
    /// office has not recorded it.
    pub async fn grant(&self, station: &str, fy: FiscalYear) -> Result<Option<Grant>, CoreError> {
        let s = self.session().await?.ok_or(CoreError::NotLoggedIn)?;
        let url = format!("{}/api/v1/grants", s.server_url);
        send(http()?.get(url).query(&[("station", station), ("fy", &fy.0.to_string())]).bearer_auth(&s.token)).await
    }

    /// Records the amount granted to a station for a year on the server, replacing the one
    /// recorded before (checked here first: nothing is sent when a field is wrong).
    pub async fn set_grant(&self, g: &NewGrant) -> Result<Grant, CoreError> {
        g.validate(clock::today_jst()).into_result()?;
        let s = self.session().await?.ok_or(CoreError::NotLoggedIn)?;
        send(http()?.put(format!("{}/api/v1/grants", s.server_url)).bearer_auth(&s.token).json(g)).await
    }

    /// The results report of `station` for `fy`. Needs the server for the purchases and the
    /// grant.
    pub async fn results_report(&self, station: &str, fy: FiscalYear) -> Result<ResultsReport, CoreError> {
        let purchases = self.purchases(station, fy).await?;
        let grant = self.grant(station, fy).await?;
        let visits = self.report_visits(station, fy).await?;
        let children: Vec<ReportChild> = self.children().await?.into_iter().map(|r| ReportChild { id: r.id, name: r.name }).collect();
        let templates = self.templates().await?;
        let directory = self.directory().await?;
        Ok(results_report(station, fy, &visits, &children, &templates, &purchases, grant.as_ref(), &directory))
    }

    /// The visits the report reads: every handover visit of the year, and per child the latest
    /// visit of the year at `station` that carries the first-visit checklist (read newest first,
    /// stopping at the first that does).
    async fn report_visits(&self, station: &str, fy: FiscalYear) -> Result<Vec<Visit>, CoreError> {
        let filter = VisitFilter { from: Some(fy.first_day()), ..Default::default() };
        let mut per_child: BTreeMap<ChildId, Vec<_>> = BTreeMap::new();
        let mut out = Vec::new();
        for v in self.store().visits(&filter).await?.into_iter().filter(|v| v.fiscal_year == Some(fy)) {
            if v.kind == VisitKind::Handover {
                out.push(self.visit(v.id).await?);
            } else if v.station_id == station {
                per_child.entry(v.child_id).or_default().push(v);
            }
        }
        for (_, mut summaries) in per_child {
            summaries.sort_by_key(|s| std::cmp::Reverse((s.start, s.id.to_string())));
            for s in summaries {
                let visit = self.visit(s.id).await?;
                if visit.checklist.template_id == FIRST_VISIT_TEMPLATE {
                    out.push(visit);
                    break;
                }
            }
        }
        Ok(out)
    }
}
