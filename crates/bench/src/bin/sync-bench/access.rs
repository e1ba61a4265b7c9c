//! Access changes: a nurse of another station is assigned one child with 500 visits on a
//! server holding the whole store, then unassigned. Her device must get exactly that child's
//! records in one sync (caught up, since her cursor had already passed them), then nothing more,
//! and lose them all when the assignment ends.

use std::time::Instant;

use carebook_core::VisitFilter;
use carebook_domain::{Date, DateTime, DocPayload, TimeOfDay, VisitKind};

use crate::infra::{self, set_assigned, Res};
use crate::report::Report;
use crate::scenarios::{describe, World};

/// Visits of the child the nurse is assigned.
pub const VISITS: usize = 500;

/// Runs on `w` (its server keeps running); `target`: the full run's time target for the sync
/// that brings the child (the counts are checked in every run).
pub async fn access_run(w: &World, target: Option<f64>, out: &mut Report) -> Res<()> {
    let backend = w.backend;
    let n = w.n;
    let records = (VISITS + 1) as u64;
    let fail = |out: &mut Report, what: String| out.fail(backend, &format!("access change, {n} records"), what);

    // The child and its visits, on the server before the nurse's first sync.
    let child = infra::extra_child_id(0xa1);
    let t0 = Instant::now();
    w.other.push_all_accepted(vec![infra::extra_child(0xa1, "見本 割当児")]).await?;
    let first = Date::new(2025, 4, 1).expect("a date").days_since_epoch();
    let visits: Vec<DocPayload> = (0..VISITS)
        .map(|i| {
            let start = DateTime::new(Date::from_days_since_epoch(first + i as i64), TimeOfDay::new(10, 0).expect("a time"));
            infra::fixed_doc(infra::fixed_visit(infra::extra_visit_id(0xa1, i), child, VisitKind::Nursing, start, 90))
        })
        .collect();
    for batch in visits.chunks(100) {
        w.other.push_all_accepted(batch.to_vec()).await?;
    }
    out.info(backend, "access change: setup", format!("1 child + {VISITS} visits pushed in {:.1} s", t0.elapsed().as_secs_f64()));

    let dev = w.device("nurse-x").await?;
    let before = w.sync(&dev).await?;
    if before.report.received != 0 {
        fail(out, format!("before the assignment the nurse of another station received {} records", before.report.received));
    }

    set_assigned(&w.db.url, "nurse-x", child, true).await?;
    let m = w.sync(&dev).await?;
    let name = format!("gaining access to 1 child with {VISITS} visits, server holding {n} records");
    let value = format!("{}; caught up {}", describe(&m), m.report.caught_up);
    match target {
        Some(t) => out.target(backend, &name, value, format!("≤ {t} s"), m.secs <= t),
        None => out.info(backend, &name, value),
    }
    let held = dev.app.visits(&VisitFilter { child: Some(child), ..Default::default() }).await?.len();
    out.target(
        backend,
        &format!("access granted: records received in one sync, {n} records"),
        format!("received {}, caught up {}, on the device {} visits + face sheet", m.report.received, m.report.caught_up, held),
        format!("{records}"),
        m.report.received == records && m.report.caught_up == records && held == VISITS && dev.app.child(child).await.is_ok(),
    );
    let again = w.sync(&dev).await?;
    if again.report.received != 0 || again.report.caught_up != 0 {
        fail(out, format!("the sync after the catch-up received {} records", again.report.received));
    }

    set_assigned(&w.db.url, "nurse-x", child, false).await?;
    let gone = w.sync(&dev).await?;
    let child_text = child.to_string();
    let removed: i64 = gone.report.removed.iter().filter(|r| r.child_id == child_text).map(|r| r.records).sum();
    let others = gone.report.removed.iter().filter(|r| r.child_id != child_text).count();
    let left = dev.app.visits(&VisitFilter { child: Some(child), ..Default::default() }).await?.len();
    let sheet_left = dev.app.child(child).await.is_ok();
    out.target(
        backend,
        &format!("access ended: records removed in one sync, {n} records"),
        format!(
            "removed {removed} records of the child (sync {}, {} requests); {left} visits{} left on the device",
            ms(gone.secs),
            gone.report.pull_requests + gone.report.push_requests,
            if sheet_left { " and the face sheet" } else { "" }
        ),
        format!("{records}, none left"),
        removed == records as i64 && others == 0 && left == 0 && !sheet_left && gone.report.received == 0,
    );
    dev.app.store().clone().close().await;
    Ok(())
}

fn ms(s: f64) -> String {
    format!("{:.1} ms", s * 1000.0)
}
