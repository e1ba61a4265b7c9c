//! The office's monthly respite claim, from what this device holds: the children of one
//! municipality, their respite sessions of the fiscal year with each one's lead nurse and
//! guardian confirmation, all from the index (no document is loaded), the records the server
//! refused, and the settings in force on each day. The arithmetic is the domain's
//! (`carebook_domain::claim`).

use std::collections::{BTreeSet, HashMap, HashSet};

use carebook_domain::{monthly_claim, ClaimChild, ClaimSession, Date, MonthlyClaim, MunicipalityRules, VisitKind, YearMonth};

use crate::store::VisitFilter;
use crate::{Carebook, CoreError};

impl Carebook {
    /// The claim of `municipality` for `month`: every child of it on this device.
    pub async fn monthly_claim(&self, municipality: &str, month: YearMonth) -> Result<MonthlyClaim, CoreError> {
        let fy = month.first_day().fiscal_year();
        let end = month.last_day();
        let refused: HashSet<String> = self.store().rejected().await?.into_iter().map(|r| r.id).collect();
        let mut children = Vec::new();
        let mut days = BTreeSet::from([end]);
        // The year's cap as the settings in force today say, or on its last day for a past year
        // (as `respite_remaining` reads it), looked up once for the municipality.
        let cap_rules = self.store().rules_on(municipality, crate::clock::today_jst().min(fy.last_day())).await?;
        for row in self.children().await?.into_iter().filter(|r| r.municipality == municipality) {
            let child = self.child(row.id).await?;
            let cap_minutes = cap_rules.cap_minutes(fy, child.respite_enrolled_on);
            let filter =
                VisitFilter { child: Some(row.id), kind: Some(VisitKind::Respite), from: Some(fy.first_day()), ..Default::default() };
            let mut sessions = Vec::new();
            for v in self.store().indexed_visits(&filter).await? {
                let (v, facts) = (v.summary, v.review);
                let Some(start) = v.start.filter(|s| s.date <= end) else { continue };
                let end_at = start.plus_minutes(i64::from(v.duration_minutes));
                // Who led it and whether the guardian confirmed matter for the month's sessions
                // (the others only count against the cap).
                let (lead, confirmed) = if start.date.year_month() == month {
                    days.insert(start.date);
                    (facts.lead, facts.confirmed)
                } else {
                    (String::new(), false)
                };
                sessions.push(ClaimSession {
                    visit_id: v.id,
                    start,
                    end: end_at,
                    billable_minutes: v.billable_minutes,
                    uses: v.uses,
                    lead,
                    confirmed,
                    status: v.status,
                    refused: refused.contains(&v.id.to_string()),
                });
            }
            days.extend(child.instructions().map(|i| i.valid_from).filter(|d| d.year_month() == month));
            children.push((child, cap_minutes, sessions));
        }
        // The settings in force on every day the claim reads them.
        let mut rules: HashMap<Date, MunicipalityRules> = HashMap::new();
        for day in days {
            rules.insert(day, self.store().rules_on(municipality, day).await?);
        }
        let at_end = rules[&end].clone();
        let inputs: Vec<ClaimChild<'_>> =
            children.iter().map(|(child, cap, sessions)| ClaimChild { child, cap_minutes: *cap, sessions: sessions.clone() }).collect();
        Ok(monthly_claim(municipality, month, &inputs, |day| rules.get(&day).cloned().unwrap_or_else(|| at_end.clone())))
    }
}
