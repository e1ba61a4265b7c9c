//! Ad-hoc measurements behind the recommendations in BENCHMARKS.md (not part of the criterion
//! suite): `cargo run --release -p carebook-bench --bin probe -- <what>` with `what` one of
//! `split` (where the automerge time of creating and opening a visit goes), `hydrate` (only
//! hydrating, for callgrind), `roundtrip` (one
//! SQLite statement through sqlx), `respite` (remaining hours at 100k, its queries apart), `list` (the office list as written vs. with only the filters
//! given), `rebuild` (where `rebuild_index` spends its time, and documents loaded on every core
//! then written by the store's own batched writer, `store::write_visit_rows`, which must give
//! the same index), `claim` (the monthly claim's steps apart, and the PDF's). Each prints wall and CPU time.

use std::time::{Duration, Instant};

use automerge::{ActorId, AutoCommit, ReadDoc};
use carebook_bench::{child_id, copy_store, realistic_respite, runtime, seeded_store};
use carebook_core::store::{write_visit_rows, Indexed};
use carebook_core::{Carebook, VisitFilter};
use carebook_domain::{RecordDoc, Visit, VisitIndexView, VisitKind, VisitStatus, YearMonth};
use sqlx::Row;

/// Only what the index needs from a visit (what `Visit::summary` reads).
#[derive(Debug, autosurgeon::Hydrate)]
#[allow(dead_code)]
struct IndexView {
    id: carebook_domain::VisitId,
    child_id: carebook_domain::ChildId,
    station: StationId,
    kind: VisitKind,
    scheduled_start: Option<carebook_domain::DateTime>,
    actual_start: Option<carebook_domain::DateTime>,
    actual_end: Option<carebook_domain::DateTime>,
    outcome: carebook_domain::Outcome,
    staff: Vec<StaffRole>,
    status: VisitStatus,
}

#[derive(Debug, autosurgeon::Hydrate)]
#[allow(dead_code)]
struct StationId {
    id: String,
}

#[derive(Debug, autosurgeon::Hydrate)]
#[allow(dead_code)]
struct StaffRole {
    role: carebook_domain::StaffRole,
}

type Res<T> = Result<T, Box<dyn std::error::Error>>;

/// CPU seconds used by this process so far (all threads), from /proc/self/stat.
fn cpu() -> f64 {
    let stat = std::fs::read_to_string("/proc/self/stat").unwrap_or_default();
    let after = stat.rsplit_once(')').map(|(_, r)| r).unwrap_or("");
    let f: Vec<&str> = after.split_whitespace().collect();
    let ticks: f64 =
        f.get(11).and_then(|u| u.parse::<f64>().ok()).unwrap_or(0.0) + f.get(12).and_then(|s| s.parse::<f64>().ok()).unwrap_or(0.0);
    ticks / 100.0
}

fn report(what: &str, n: usize, wall: Duration, cpu_s: f64) {
    println!(
        "{what:<58} {:>10.1} µs/op  (cpu {:>5.0} %, n = {n})",
        wall.as_secs_f64() * 1e6 / n as f64,
        100.0 * cpu_s / wall.as_secs_f64().max(1e-9)
    );
}

fn timed<T>(what: &str, n: usize, mut f: impl FnMut() -> T) -> T {
    let mut last = None;
    let (t, c) = (Instant::now(), cpu());
    for _ in 0..n {
        last = Some(std::hint::black_box(f()));
    }
    report(what, n, t.elapsed(), cpu() - c);
    last.expect("n > 0")
}

fn split() {
    let v = realistic_respite(child_id(0));
    let actor = ActorId::random();
    let n = 2000;
    timed("create: reconcile + commit (AutoCommit)", n, || {
        let mut d = AutoCommit::new().with_actor(actor.clone());
        autosurgeon::reconcile(&mut d, &v).expect("reconcile");
        d.commit();
        d
    });
    let mut d = AutoCommit::new().with_actor(actor.clone());
    autosurgeon::reconcile(&mut d, &v).expect("reconcile");
    d.commit();
    timed("create: hydrate the value back (RecordDoc::create does)", n, || autosurgeon::hydrate::<_, Visit>(&d).expect("hydrate"));
    let bytes = timed("save(): encode + deflate", n, || d.save());
    timed("RecordDoc::create (all of the above but save)", n, || RecordDoc::create(v.clone(), actor.clone()));
    let loaded = timed("open: AutoCommit::load (rebuild op set, verify heads)", n, || AutoCommit::load(&bytes).expect("load"));
    timed("open: hydrate Visit", n, || autosurgeon::hydrate::<_, Visit>(&loaded).expect("hydrate"));
    let id = v.id.to_string();
    timed("open: RecordDoc::load (load + hydrate + id check)", n, || RecordDoc::<Visit>::load(&id, &bytes, actor.clone()).expect("load"));
    timed("open: automerge's own one-pass hydrate (doc.hydrate(ROOT))", n, || loaded.hydrate(automerge::ROOT, None).expect("hydrate"));
    timed("open: hydrate only the index fields (IndexView)", n, || autosurgeon::hydrate::<_, IndexView>(&loaded).expect("hydrate"));
    timed("create: hydrate only the SOAP note back", n, || {
        autosurgeon::hydrate_prop::<_, carebook_domain::SoapNote, _, _>(&d, automerge::ROOT, "note").expect("hydrate")
    });
    println!("(document: {} bytes, {} ops)", bytes.len(), loaded.stats().num_ops);
}

fn roundtrip() -> Res<()> {
    for (name, rt) in [
        ("current-thread runtime", tokio::runtime::Builder::new_current_thread().enable_all().build()?),
        ("multi-thread runtime (as the CLI and the benches)", runtime()),
    ] {
        rt.block_on(async {
            let dir = tempfile::tempdir()?;
            let app = Carebook::open_unencrypted(dir.path()).await?;
            let pool = app.store().pool().clone();
            let n = 5000;
            let (t, c) = (Instant::now(), cpu());
            for _ in 0..n {
                let _: i64 = sqlx::query_scalar("SELECT 1").fetch_one(&pool).await?;
            }
            report(&format!("SELECT 1 through the pool, {name}"), n, t.elapsed(), cpu() - c);
            let (t, c) = (Instant::now(), cpu());
            for _ in 0..n / 5 {
                let mut tx = pool.begin().await?;
                sqlx::query("INSERT OR REPLACE INTO device (key, value) VALUES ('probe', 'x')").execute(&mut *tx).await?;
                tx.commit().await?;
            }
            report(&format!("BEGIN + one INSERT + COMMIT, {name}"), n / 5, t.elapsed(), cpu() - c);
            app.store().clone().close().await;
            Ok::<_, Box<dyn std::error::Error>>(())
        })?;
    }
    Ok(())
}

const LIST_COLUMNS: &str =
    "SELECT id, child_id, kind, station_id, date, start, fiscal_year, duration_minutes, billable_minutes, uses, outcome, status FROM visits";

fn list() -> Res<()> {
    let dir = copy_store(&seeded_store(100_000)?)?;
    let rt = runtime();
    rt.block_on(async {
        let app = Carebook::open_unencrypted(dir.path()).await?;
        let pool = app.store().pool().clone();
        let month: YearMonth = "2026-06".parse()?;
        let filter = VisitFilter { month: Some(month), kind: Some(VisitKind::Respite), status: Some(VisitStatus::Submitted), ..VisitFilter::default() };
        let current = "WHERE (?1 IS NULL OR child_id = ?1) AND (?2 IS NULL OR month = ?2) AND (?3 IS NULL OR kind = ?3) AND (?4 IS NULL OR status = ?4) ORDER BY start, id";
        let plan = |sql: String, binds: Vec<Option<String>>| {
            let pool = pool.clone();
            async move {
                let mut q = sqlx::query(sqlx::AssertSqlSafe(format!("EXPLAIN QUERY PLAN {sql}")));
                for b in binds {
                    q = q.bind(b);
                }
                let rows = q.fetch_all(&pool).await?;
                Ok::<_, sqlx::Error>(rows.iter().map(|r| r.get::<String, _>(3)).collect::<Vec<_>>().join(" / "))
            }
        };
        let binds = vec![None, Some("2026-06".to_string()), Some("respite".to_string()), Some("submitted".to_string())];
        println!("plan as written:        {}", plan(format!("{LIST_COLUMNS} {current}"), binds.clone()).await?);
        let only = "WHERE month = ?1 AND kind = ?2 AND status = ?3 ORDER BY start, id";
        let only_binds = vec![Some("2026-06".to_string()), Some("respite".to_string()), Some("submitted".to_string())];
        println!("plan with given filters: {}", plan(format!("{LIST_COLUMNS} {only}"), only_binds.clone()).await?);
        let n = 200;
        let mut rows = 0;
        // Interleaved rounds: this machine is shared, so a single pass can mislead.
        for round in 1..=3 {
            if round == 3 {
                sqlx::query("CREATE INDEX IF NOT EXISTS probe_month_kind_status ON visits (month, kind, status, start)").execute(&pool).await?;
                println!("-- round 3 with an extra index on visits (month, kind, status, start):");
            }
            let (t, c) = (Instant::now(), cpu());
            for _ in 0..n {
                rows = app.visits(&filter).await?.len();
            }
            report(&format!("round {round}: Carebook::visits as written ({rows} rows)"), n, t.elapsed(), cpu() - c);
            for (name, sql, binds) in [
                ("raw query as written, no decoding", format!("{LIST_COLUMNS} {current}"), binds.clone()),
                ("raw query, only the filters given, no decoding", format!("{LIST_COLUMNS} {only}"), only_binds.clone()),
            ] {
                let (t, c) = (Instant::now(), cpu());
                for _ in 0..n {
                    let mut q = sqlx::query(sqlx::AssertSqlSafe(sql.clone()));
                    for b in &binds {
                        q = q.bind(b.clone());
                    }
                    rows = q.fetch_all(&pool).await?.len();
                }
                report(&format!("round {round}: {name} ({rows} rows)"), n, t.elapsed(), cpu() - c);
            }
        }
        let month_only = "WHERE month = ?1 ORDER BY start, id";
        let (t, c) = (Instant::now(), cpu());
        for _ in 0..n / 4 {
            rows = app.visits(&VisitFilter { month: Some(month), ..VisitFilter::default() }).await?.len();
        }
        report(&format!("Carebook::visits month only, as written ({rows} rows)"), n / 4, t.elapsed(), cpu() - c);
        let (t, c) = (Instant::now(), cpu());
        for _ in 0..n / 4 {
            rows = sqlx::query(sqlx::AssertSqlSafe(format!("{LIST_COLUMNS} {month_only}"))).bind("2026-06").fetch_all(&pool).await?.len();
        }
        report(&format!("raw month-only query with month = ?1, no decoding ({rows} rows)"), n / 4, t.elapsed(), cpu() - c);
        app.store().clone().close().await;
        Ok::<_, Box<dyn std::error::Error>>(())
    })
}

/// Where `Carebook::monthly_claim` spends its time on the claim store (200 children, about
/// 11,000 visits): each kind of step it takes, timed apart over the whole claim, and the same
/// claim with the month's lead nurse and confirmation read from the index (`indexed_visits`)
/// instead of each session's document; then where the PDF's time goes.
fn claim() -> Res<()> {
    use carebook_bench::{claim_month, claim_store, CLAIM_MUNICIPALITY};
    use carebook_domain::{ClaimChild, ClaimSession};
    let dir = copy_store(&claim_store()?)?;
    let rt = runtime();
    rt.block_on(async {
        let app = Carebook::open_unencrypted(dir.path()).await?;
        let store = app.store();
        let month = claim_month();
        let fy = month.first_day().fiscal_year();
        let n = 5;
        let rows: Vec<_> = app.children().await?.into_iter().filter(|r| r.municipality == CLAIM_MUNICIPALITY).collect();
        let filter = |id| VisitFilter { child: Some(id), kind: Some(VisitKind::Respite), from: Some(fy.first_day()), ..Default::default() };
        let mut in_month = Vec::new();
        for r in &rows {
            for v in store.visits(&filter(r.id)).await? {
                if v.start.is_some_and(|s| s.date.year_month() == month) {
                    in_month.push(v.id);
                }
            }
        }
        println!("{} children, {} sessions in {month}", rows.len(), in_month.len());
        let step = |what: &str, t: Instant, c: f64| report(what, n, t.elapsed(), cpu() - c);
        for round in 1..=2 {
            println!("-- round {round} (per whole claim):");
            let (t, c) = (Instant::now(), cpu());
            for _ in 0..n {
                app.monthly_claim(CLAIM_MUNICIPALITY, month).await?;
            }
            step("Carebook::monthly_claim, as written", t, c);
            let (t, c) = (Instant::now(), cpu());
            for _ in 0..n {
                store.rejected().await?;
                app.children().await?;
            }
            step("  rejected() + children()", t, c);
            let (t, c) = (Instant::now(), cpu());
            for _ in 0..n {
                for r in &rows {
                    app.child(r.id).await?;
                }
            }
            step(&format!("  {} face sheets: Carebook::child (load + hydrate)", rows.len()), t, c);
            let (t, c) = (Instant::now(), cpu());
            for _ in 0..n {
                for r in &rows {
                    app.respite_remaining(r.id, Some(fy)).await?;
                }
            }
            step(&format!("  {} × respite_remaining (the cap)", rows.len()), t, c);
            let (t, c) = (Instant::now(), cpu());
            for _ in 0..n {
                for r in &rows {
                    store.visits(&filter(r.id)).await?;
                }
            }
            step(&format!("  {} × Store::visits (child, respite, from April)", rows.len()), t, c);
            let (t, c) = (Instant::now(), cpu());
            for _ in 0..n {
                for id in &in_month {
                    app.visit(*id).await?;
                }
            }
            step(&format!("  {} × Carebook::visit (the month's sessions' documents)", in_month.len()), t, c);
            // The prototype: the month's lead and confirmation from the index's review columns
            // (staff names are stored lead first), everything else as written.
            let (t, c) = (Instant::now(), cpu());
            let mut same = true;
            for _ in 0..n {
                let written = app.monthly_claim(CLAIM_MUNICIPALITY, month).await?;
                let end = month.last_day();
                let mut children = Vec::new();
                for r in &rows {
                    let child = app.child(r.id).await?;
                    let cap = app.respite_remaining(r.id, Some(fy)).await?.ledger.cap_minutes;
                    let mut sessions = Vec::new();
                    for v in store.indexed_visits(&filter(r.id)).await? {
                        let Some(start) = v.summary.start.filter(|s| s.date <= end) else { continue };
                        let mine = start.date.year_month() == month;
                        sessions.push(ClaimSession {
                            visit_id: v.summary.id,
                            start,
                            end: start.plus_minutes(i64::from(v.summary.duration_minutes)),
                            billable_minutes: v.summary.billable_minutes,
                            uses: v.summary.uses,
                            lead: if mine { v.review.staff_names.first().cloned().unwrap_or_default() } else { String::new() },
                            confirmed: mine && v.review.confirmed,
                            status: v.summary.status,
                            refused: false,
                        });
                    }
                    children.push((child, cap, sessions));
                }
                let rules = store.rules_on(CLAIM_MUNICIPALITY, end).await?;
                let inputs: Vec<ClaimChild<'_>> = children
                    .iter()
                    .map(|(child, cap, sessions)| ClaimChild { child, cap_minutes: *cap, sessions: sessions.clone() })
                    .collect();
                let proto = carebook_domain::monthly_claim(CLAIM_MUNICIPALITY, month, &inputs, |_| rules.clone());
                same &= proto == written;
            }
            step("  (written + prototype, both) ", t, c);
            println!("  the prototype's claim equals the written one: {same} (one fixed rule set; lead = first staff name)");
        }
        // The domain's arithmetic alone, on inputs gathered once.
        let written = app.monthly_claim(CLAIM_MUNICIPALITY, month).await?;
        let font = carebook_core::export::japanese_font()?;
        let (t, c) = (Instant::now(), cpu());
        let bytes = std::fs::read(&font)?;
        report(&format!("reading the font file ({} MB)", bytes.len() / 1_000_000), 1, t.elapsed(), cpu() - c);
        let table = carebook_core::export::claim_table(&written);
        let heading = carebook_core::export::claim_heading(&written);
        timed(&format!("claim_table + claim_heading ({} rows)", table.rows.len()), 20, || {
            (carebook_core::export::claim_table(&written), carebook_core::export::claim_heading(&written))
        });
        let pdf = timed("to_pdf (font read, layout, subset, write)", 3, || carebook_core::export::to_pdf(&heading, &table, &font));
        let pdf = pdf?;
        println!("PDF: {} bytes", pdf.len());
        // To look at it: CAREBOOK_PROBE_PDF=/tmp/claim.pdf probe claim
        if let Some(path) = std::env::var_os("CAREBOOK_PROBE_PDF") {
            std::fs::write(&path, &pdf)?;
        }
        app.store().clone().close().await;
        Ok::<_, Box<dyn std::error::Error>>(())
    })
}

/// The visits index as rows of text, to compare two rebuilds.
async fn index_fingerprint(pool: &sqlx::SqlitePool) -> Result<(i64, String), sqlx::Error> {
    let rows = sqlx::query(
        "SELECT id || '|' || child_id || '|' || kind || '|' || station_id || '|' || coalesce(date, '') || '|' || coalesce(start, '') || '|' ||
                coalesce(month, '') || '|' || coalesce(fiscal_year, '') || '|' || duration_minutes || '|' || billable_minutes || '|' || uses || '|' ||
                outcome || '|' || status FROM visits ORDER BY id",
    )
    .fetch_all(pool)
    .await?;
    let mut h = 0xcbf2_9ce4_8422_2325_u64;
    for r in &rows {
        for b in r.get::<String, _>(0).bytes() {
            h = (h ^ u64::from(b)).wrapping_mul(0x100_0000_01b3);
        }
    }
    Ok((rows.len() as i64, format!("{h:016x}")))
}

fn respite() -> Res<()> {
    let dir = copy_store(&seeded_store(100_000)?)?;
    for (name, rt) in [
        ("current-thread runtime", tokio::runtime::Builder::new_current_thread().enable_all().build()?),
        ("multi-thread runtime", runtime()),
    ] {
        rt.block_on(async {
            let app = Carebook::open_unencrypted(dir.path()).await?;
            let pool = app.store().pool().clone();
            let child = child_id(0);
            for _ in 0..2 {
                let (t, c) = (Instant::now(), cpu());
                for _ in 0..2000 {
                    app.respite_remaining(child, Some(carebook_bench::BENCH_FY)).await?;
                }
                report(&format!("respite_remaining at 100k, {name}"), 2000, t.elapsed(), cpu() - c);
            }
            let (t, c) = (Instant::now(), cpu());
            for _ in 0..2000 {
                app.store().child_row(child).await?;
            }
            report(&format!("  child_row only, {name}"), 2000, t.elapsed(), cpu() - c);
            let (t, c) = (Instant::now(), cpu());
            for _ in 0..2000 {
                app.store().respite_uses(child, carebook_bench::BENCH_FY).await?;
            }
            report(&format!("  respite_uses only (67 rows), {name}"), 2000, t.elapsed(), cpu() - c);
            let n: i64 = sqlx::query_scalar("SELECT count(*) FROM visits").fetch_one(&pool).await?;
            assert_eq!(n, 100_000);
            app.store().clone().close().await;
            Ok::<_, Box<dyn std::error::Error>>(())
        })?;
    }
    Ok(())
}

fn rebuild() -> Res<()> {
    let cached = seeded_store(10_000)?;
    let rt = runtime();
    // 1. The real rebuild.
    let dir = copy_store(&cached)?;
    let reference = rt.block_on(async {
        let app = Carebook::open_unencrypted(dir.path()).await?;
        let (t, c) = (Instant::now(), cpu());
        let r = app.rebuild_index().await?;
        report(&format!("Store::rebuild_index, per record ({} records)", r.indexed), r.indexed, t.elapsed(), cpu() - c);
        let fp = index_fingerprint(app.store().pool()).await?;
        app.store().clone().close().await;
        Ok::<_, Box<dyn std::error::Error>>(fp)
    })?;

    // 2. Where it goes: the same steps one at a time, with the real `Indexed::write_index`.
    let dir = copy_store(&cached)?;
    rt.block_on(async {
        let app = Carebook::open_unencrypted(dir.path()).await?;
        let pool = app.store().pool().clone();
        let actor = app.store().actor().clone();
        let (t, c) = (Instant::now(), cpu());
        let rows = sqlx::query("SELECT id, bytes FROM documents WHERE kind = 'visit' ORDER BY id").fetch_all(&pool).await?;
        let n = rows.len();
        report("  fetch all visit documents (per record)", n, t.elapsed(), cpu() - c);
        let (t, c) = (Instant::now(), cpu());
        let docs: Vec<RecordDoc<Visit>> = rows
            .iter()
            .map(|r| RecordDoc::<Visit>::load(r.get::<&str, _>(0), r.get::<&[u8], _>(1), actor.clone()))
            .collect::<Result<_, _>>()?;
        report("  RecordDoc::load + hydrate, one thread (per record)", n, t.elapsed(), cpu() - c);
        let mut tx = pool.begin().await?;
        sqlx::query("DELETE FROM visits").execute(&mut *tx).await?;
        let (t, c) = (Instant::now(), cpu());
        for d in &docs {
            d.value().write_index(&mut tx).await?;
        }
        report("  Indexed::write_index: 2 SELECTs + INSERT (per record)", n, t.elapsed(), cpu() - c);
        tx.commit().await?;
        app.store().clone().close().await;
        Ok::<_, Box<dyn std::error::Error>>(())
    })?;

    // 3. Batched: documents loaded on all cores, then the store's own batched writer
    //    (`store::write_visit_rows`: rules read once per child, rows inserted 100 at a time);
    //    it must give the same index.
    let dir = copy_store(&cached)?;
    let fp = rt.block_on(async {
        let app = Carebook::open_unencrypted(dir.path()).await?;
        let pool = app.store().pool().clone();
        let actor = app.store().actor().clone();
        let (t, c) = (Instant::now(), cpu());
        let mut tx = pool.begin().await?;
        sqlx::query("DELETE FROM visits").execute(&mut *tx).await?;
        let rows = sqlx::query("SELECT id, bytes FROM documents WHERE kind = 'visit' ORDER BY id").fetch_all(&mut *tx).await?;
        let docs: Vec<(String, Vec<u8>)> = rows.into_iter().map(|r| (r.get(0), r.get(1))).collect();
        let workers = std::thread::available_parallelism().map_or(1, |p| p.get());
        let chunk = docs.len().div_ceil(workers).max(1);
        let visits: Vec<Visit> = std::thread::scope(|s| {
            let handles: Vec<_> = docs
                .chunks(chunk)
                .map(|part| {
                    let actor = actor.clone();
                    s.spawn(move || {
                        part.iter()
                            .map(|(id, b)| RecordDoc::<Visit>::load(id, b, actor.clone()).map(|d| d.value().clone()))
                            .collect::<Vec<_>>()
                    })
                })
                .collect();
            handles.into_iter().flat_map(|h| h.join().expect("a loader thread")).collect::<Result<Vec<_>, _>>()
        })?;
        // The store's own batched writer: rules read once per child, rows 100 to a statement.
        let views: Vec<VisitIndexView> = visits.iter().map(Visit::index_view).collect();
        write_visit_rows(&mut tx, &views.iter().collect::<Vec<_>>()).await?;
        tx.commit().await?;
        report(
            &format!("batched: loaded on all cores + store::write_visit_rows (visits only), per record, {workers} loader threads"),
            visits.len(),
            t.elapsed(),
            cpu() - c,
        );
        let fp = index_fingerprint(&pool).await?;
        app.store().clone().close().await;
        Ok::<_, Box<dyn std::error::Error>>(fp)
    })?;
    println!(
        "index after the real rebuild: {} rows, fingerprint {}; after the batched write: {} rows, fingerprint {} ({})",
        reference.0,
        reference.1,
        fp.0,
        fp.1,
        if reference == fp { "identical" } else { "DIFFERENT" }
    );
    Ok(())
}

fn main() -> Res<()> {
    let what = std::env::args().nth(1).unwrap_or_default();
    match what.as_str() {
        "split" => split(),
        "hydrate" => {
            // For callgrind: only hydrating a loaded realistic visit, 200 times.
            let bytes = RecordDoc::create(realistic_respite(child_id(0)), ActorId::random()).save();
            let doc = AutoCommit::load(&bytes)?;
            timed("hydrate Visit", 200, || autosurgeon::hydrate::<_, Visit>(&doc).expect("hydrate"));
        }
        "roundtrip" => roundtrip()?,
        "respite" => respite()?,
        "list" => list()?,
        "rebuild" => rebuild()?,
        "claim" => claim()?,
        _ => {
            eprintln!("usage: probe split|hydrate|roundtrip|respite|list|rebuild|claim");
            std::process::exit(2);
        }
    }
    Ok(())
}
