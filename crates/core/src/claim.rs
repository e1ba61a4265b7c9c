//! The office's monthly respite claim, from what this device holds: the children of one
//! municipality, their respite sessions of the fiscal year with each one's lead nurse and
//! guardian confirmation, all from the index (no document is loaded), the records the server
//! refused, and the settings in force on each day. The arithmetic is the domain's
//! (`carebook_domain::claim`).

use std::collections::{BTreeSet, HashMap, HashSet};

use carebook_domain::{monthly_claim, ChildId, ClaimChild, ClaimSession, MonthlyClaim, VisitKind, YearMonth};

use crate::store::VisitFilter;
use crate::{Carebook, CoreError};

impl Carebook {
    /// The claim of `municipality` for `month`: every child of it on this device. Four reads,
    /// whatever the number of children: the refused records, the children's face sheets, the
    /// fiscal year's respite sessions of every child (the index), and the rule book.
    pub async fn monthly_claim(&self, municipality: &str, month: YearMonth) -> Result<MonthlyClaim, CoreError> {
        let fy = month.first_day().fiscal_year();
        let end = month.last_day();
        let refused: HashSet<String> = self.store().rejected().await?.into_iter().map(|r| r.id).collect();
        let children = self.store().children_of(municipality).await?;
        // The year's respite sessions up to the month's end, per child, in time order.
        let filter = VisitFilter { kind: Some(VisitKind::Respite), fiscal_year: Some(fy), ..Default::default() };
        let mut sessions: HashMap<ChildId, Vec<ClaimSession>> = HashMap::new();
        let mut days = BTreeSet::from([end]);
        for v in self.store().indexed_visits(&filter).await? {
            let (v, facts) = (v.summary, v.review);
            let Some(start) = v.start.filter(|s| s.date <= end) else { continue };
            // Who led it and whether the guardian confirmed matter for the month's sessions
            // (the others only count against the cap).
            let (lead, confirmed) = if start.date.year_month() == month {
                days.insert(start.date);
                (facts.lead, facts.confirmed)
            } else {
                (String::new(), false)
            };
            sessions.entry(v.child_id).or_default().push(ClaimSession {
                visit_id: v.id,
                start,
                end: start.plus_minutes(i64::from(v.duration_minutes)),
                billable_minutes: v.billable_minutes,
                uses: v.uses,
                lead,
                confirmed,
                status: v.status,
                refused: refused.contains(&v.id.to_string()),
            });
        }
        for child in &children {
            days.extend(child.instructions().map(|i| i.valid_from).filter(|d| d.year_month() == month));
        }
        // The year's cap as the settings in force today say, or on its last day for a past year
        // (as `respite_remaining` reads it); and the settings in force on every day the claim
        // reads them.
        let cap_day = crate::clock::today_jst().min(fy.last_day());
        days.insert(cap_day);
        let rules = self.store().rules_on_days(municipality, days).await?;
        let cap_rules = &rules[&cap_day];
        let at_end = &rules[&end];
        let inputs: Vec<ClaimChild<'_>> = children
            .iter()
            .map(|child| ClaimChild {
                child,
                cap_minutes: cap_rules.cap_minutes(fy, child.respite_enrolled_on),
                sessions: sessions.remove(&child.id).unwrap_or_default(),
            })
            .collect();
        Ok(monthly_claim(municipality, month, &inputs, |day| rules.get(&day).unwrap_or(at_end).clone()))
    }
}
