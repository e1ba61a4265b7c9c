//! The office's monthly daytime-care claim, from what this device holds: the children of one
//! municipality, their daytime-care records of the month (each record read for its times,
//! outcome and lead), the records the server refused, and the settings in force on each day.
//! The arithmetic is the domain's (`carebook_domain::daytime`).

use std::collections::{BTreeSet, HashMap, HashSet};

use carebook_domain::{
    daytime_claim, Date, DaytimeChild, DaytimeClaim, DaytimeDay, MunicipalityRules, Outcome, StaffRole, VisitKind, YearMonth,
};

use crate::store::VisitFilter;
use crate::{Carebook, CoreError};

impl Carebook {
    /// The daytime-care claim of `municipality` for `month`: every child of it on this device.
    pub async fn daytime_claim(&self, municipality: &str, month: YearMonth) -> Result<DaytimeClaim, CoreError> {
        let end = month.last_day();
        let refused: HashSet<String> = self.store().rejected().await?.into_iter().map(|r| r.id).collect();
        let mut children = Vec::new();
        let mut days = BTreeSet::from([end]);
        for row in self.children().await?.into_iter().filter(|r| r.municipality == municipality) {
            let child = self.child(row.id).await?;
            let filter = VisitFilter { child: Some(row.id), kind: Some(VisitKind::Daytime), month: Some(month), ..Default::default() };
            let mut records = Vec::new();
            for v in self.store().visits(&filter).await? {
                let visit = self.visit(v.id).await?;
                let Some(start) = visit.actual_start.or(visit.scheduled_start) else { continue };
                days.insert(start.date);
                records.push(DaytimeDay {
                    visit_id: visit.id,
                    start,
                    end: visit.actual_end.filter(|_| visit.actual_start.is_some()),
                    done: visit.outcome == Outcome::Done && visit.actual_start.is_some() && visit.actual_end.is_some(),
                    status: visit.status,
                    refused: refused.contains(&visit.id.to_string()),
                    lead: visit.staff.iter().find(|s| s.role == StaffRole::Lead).map(|s| s.name.clone()).unwrap_or_default(),
                    provider: visit.provider,
                });
            }
            children.push((child, records));
        }
        let mut rules: HashMap<Date, MunicipalityRules> = HashMap::new();
        for day in days {
            rules.insert(day, self.store().rules_on(municipality, day).await?);
        }
        let at_end = rules[&end].clone();
        let inputs: Vec<DaytimeChild<'_>> = children.iter().map(|(child, days)| DaytimeChild { child, days: days.clone() }).collect();
        Ok(daytime_claim(municipality, month, &inputs, |day| rules.get(&day).cloned().unwrap_or_else(|| at_end.clone())))
    }
}
