//! The load test: many simulated tablets against one server process for a bounded time, each
//! recording visits (real automerge documents, built before the clock starts) and syncing in a
//! loop over raw HTTP: push what it recorded or edited, pull its station's changes, wait.
//! At the end every accepted record must be on the server with every change the tablet made.

use std::collections::HashMap;
use std::time::{Duration, Instant};

use automerge::{ActorId, Automerge, ChangeHash, ReadDoc};
use carebook_bench::{bench_child, realistic_visit};
use carebook_domain::{ChildId, DocPayload, PushOutcome, RecordDoc, RecordKind, Role, Visit, VisitKind};

use crate::infra::{add_users, quantile, Backend, RawDevice, Res, ServerProcess};
use crate::report::Report;

pub struct LoadOptions {
    pub devices: usize,
    pub secs: f64,
    /// Pause between a tablet's syncs (± 50 % jitter).
    pub think_ms: u64,
    /// Tablets are spread over this many stations (each with its own nurse account and children).
    pub stations: usize,
    /// The full run's latency target (the quick run never fails on a time: errors and lost
    /// records are its checks).
    pub p99_target_ms: Option<f64>,
}

const CHILDREN_PER_STATION: usize = 10;

fn station_child(s: usize, i: usize) -> ChildId {
    ChildId(uuid::Uuid::from_u128(0x0000_0000_0000_4000_8000_0000_0000_0000 | (0xcc_u128 << 96) | (s * 1000 + i) as u128))
}

/// One sync's worth of work for a tablet: the documents it pushes and the heads they carry.
struct Step {
    docs: Vec<DocPayload>,
    heads: Vec<(String, Vec<ChangeHash>)>,
}

/// Builds a tablet's steps: a new visit every time, and every third time an edit of the visit
/// before it too.
fn build_steps(device: usize, station: usize, count: usize) -> Vec<Step> {
    let actor = ActorId::from(uuid::Uuid::from_u128(0xd0d0_0000_0000_0000_0000_0000_0000_0000 | device as u128).as_bytes().as_slice());
    let first = carebook_domain::Date::new(2026, 8, 1).expect("a date").days_since_epoch();
    let mut steps = Vec::with_capacity(count);
    let mut previous: Option<RecordDoc<Visit>> = None;
    for i in 0..count {
        let day = carebook_domain::Date::from_days_since_epoch(first + (i / 3) as i64);
        let hour = [9u8, 13, 16][i % 3];
        let start = carebook_domain::DateTime::new(day, carebook_domain::TimeOfDay::new(hour, 0).expect("a time"));
        let kind = if i % 3 == 0 { VisitKind::Respite } else { VisitKind::Nursing };
        let minutes = if kind == VisitKind::Respite { 120 } else { 60 };
        let mut doc = RecordDoc::create(
            realistic_visit(station_child(station, (device + i) % CHILDREN_PER_STATION), kind, start, minutes),
            actor.clone(),
        );
        let mut docs = vec![];
        let mut heads = vec![];
        if i % 3 == 2 {
            if let Some(mut prev) = previous.take() {
                prev.change(|v| v.note.plan.update(format!("{}（追記 {i}）", v.note.plan.as_str())));
                let id = prev.value().id.to_string();
                heads.push((id.clone(), prev.heads()));
                docs.push(DocPayload { id, kind: RecordKind::Visit, bytes: prev.save() });
            }
        }
        let id = doc.value().id.to_string();
        heads.push((id.clone(), doc.heads()));
        docs.push(DocPayload { id, kind: RecordKind::Visit, bytes: doc.save() });
        previous = Some(doc);
        steps.push(Step { docs, heads });
    }
    steps
}

#[derive(Default)]
struct TabletResult {
    push_ms: Vec<f64>,
    pull_ms: Vec<f64>,
    errors: Vec<String>,
    syncs: u64,
    pushed_docs: u64,
    expected: Vec<(String, Vec<ChangeHash>)>,
}

async fn tablet(dev: RawDevice, steps: Vec<Step>, start: Instant, deadline: Instant, think: Duration, seed: u64) -> TabletResult {
    let mut r = TabletResult::default();
    let mut rng = seed.wrapping_mul(0x9e37_79b9_7f4a_7c15) | 1;
    let mut jitter = |max: u64| {
        rng ^= rng << 13;
        rng ^= rng >> 7;
        rng ^= rng << 17;
        if max == 0 {
            0
        } else {
            rng % max
        }
    };
    // Tablets do not all start at the same instant.
    tokio::time::sleep_until((start + Duration::from_millis(jitter(think.as_millis() as u64 + 1))).into()).await;
    let mut cursor = 0i64;
    for step in steps {
        if Instant::now() >= deadline {
            break;
        }
        let t = Instant::now();
        match dev.push(step.docs).await {
            Ok(resp) => {
                r.push_ms.push(t.elapsed().as_secs_f64() * 1000.0);
                for (res, (id, heads)) in resp.results.iter().zip(step.heads) {
                    if res.outcome == PushOutcome::Accepted {
                        r.pushed_docs += 1;
                        r.expected.push((id, heads));
                    } else {
                        r.errors.push(format!("push {id} rejected: {:?} {:?}", res.code, res.reason));
                    }
                }
            }
            Err(e) => r.errors.push(format!("push: {e}")),
        }
        loop {
            let t = Instant::now();
            match dev.changes(cursor, 500).await {
                Ok(page) => {
                    r.pull_ms.push(t.elapsed().as_secs_f64() * 1000.0);
                    cursor = page.cursor;
                    if !page.more {
                        break;
                    }
                }
                Err(e) => {
                    r.errors.push(format!("pull: {e}"));
                    break;
                }
            }
        }
        r.syncs += 1;
        let half = think.as_millis() as u64 / 2;
        tokio::time::sleep(Duration::from_millis(half + jitter(think.as_millis() as u64 + 1))).await;
    }
    r
}

pub async fn load_run(backend: Backend, o: &LoadOptions, out: &mut Report) -> Res<()> {
    let label = format!("{} devices, {:.0} s, sync every {} ms ± 50 %", o.devices, o.secs, o.think_ms);
    let db = backend.fresh().await?;
    let nurses: Vec<String> = (0..o.stations).map(|s| format!("nurse-load-{s}")).collect();
    let orgs: Vec<String> = (0..o.stations).map(|s| format!("st-load-{s}")).collect();
    let mut users: Vec<(&str, Role, &str)> = nurses.iter().zip(&orgs).map(|(n, org)| (n.as_str(), Role::Nurse, org.as_str())).collect();
    users.push(("admin-load", Role::Admin, "st-load-admin"));
    add_users(&db.url, &users).await?;
    let server = ServerProcess::spawn(&db.url)?;
    let base = format!("http://{}", server.addr);

    // Log every tablet in (Argon2id: two at a time, one per core), before the clock starts.
    let t_setup = Instant::now();
    let mut devices = Vec::with_capacity(o.devices);
    for pair in (0..o.devices).collect::<Vec<_>>().chunks(2) {
        let logins = pair.iter().map(|&d| {
            let (base, user) = (base.clone(), nurses[d % o.stations].clone());
            async move { RawDevice::login(&base, &user, &format!("tablet-{d}")).await }
        });
        for dev in futures_join(logins.collect()).await {
            devices.push(dev?);
        }
    }
    // Each station's children, pushed by its first tablet.
    for (s, first) in devices.iter().take(o.stations).enumerate() {
        let docs = (0..CHILDREN_PER_STATION)
            .map(|i| {
                let mut c = bench_child(s * CHILDREN_PER_STATION + i);
                c.id = station_child(s, i);
                let mut doc = RecordDoc::create(c, ActorId::random());
                DocPayload { id: station_child(s, i).to_string(), kind: RecordKind::Child, bytes: doc.save() }
            })
            .collect();
        first.push_all_accepted(docs).await?;
    }
    let per_device = ((o.secs * 1000.0) / o.think_ms.max(1) as f64 * 1.6).ceil() as usize + 3;
    let per_device = if o.think_ms == 0 { 400 } else { per_device };
    let stations = o.stations;
    let mut steps: Vec<Vec<Step>> = std::thread::scope(|s| {
        let workers = 2;
        let handles: Vec<_> = (0..workers)
            .map(|w| {
                s.spawn(move || {
                    (0..o.devices).filter(|d| d % workers == w).map(|d| (d, build_steps(d, d % stations, per_device))).collect::<Vec<_>>()
                })
            })
            .collect();
        let mut all: Vec<(usize, Vec<Step>)> = handles.into_iter().flat_map(|h| h.join().expect("step builder")).collect();
        all.sort_by_key(|(d, _)| *d);
        all.into_iter().map(|(_, s)| s).collect()
    });
    eprintln!("sync-bench: load setup ({label}) took {:.1} s", t_setup.elapsed().as_secs_f64());

    let start = Instant::now() + Duration::from_millis(200);
    let deadline = start + Duration::from_secs_f64(o.secs);
    let think = Duration::from_millis(o.think_ms);
    let mut tasks = tokio::task::JoinSet::new();
    for (d, dev) in devices.into_iter().enumerate() {
        let s = std::mem::take(&mut steps[d]);
        tasks.spawn(tablet(dev, s, start, deadline, think, d as u64 + 1));
    }
    let mut all = TabletResult::default();
    while let Some(r) = tasks.join_next().await {
        let r = r?;
        all.push_ms.extend(r.push_ms);
        all.pull_ms.extend(r.pull_ms);
        all.errors.extend(r.errors);
        all.syncs += r.syncs;
        all.pushed_docs += r.pushed_docs;
        all.expected.extend(r.expected);
    }
    let window = start.elapsed().as_secs_f64();
    let server_hwm = server.hwm_mib();

    // Every accepted record, with every change the tablet made, must be on the server.
    let admin = RawDevice::login(&base, "admin-load", "verifier").await?;
    let mut on_server: HashMap<String, Vec<u8>> = HashMap::new();
    let mut cursor = 0;
    loop {
        let page = admin.changes(cursor, 500).await?;
        cursor = page.cursor;
        for d in page.documents {
            on_server.insert(d.id, d.bytes);
        }
        if !page.more {
            break;
        }
    }
    let mut latest: HashMap<String, Vec<ChangeHash>> = HashMap::new();
    for (id, heads) in &all.expected {
        latest.entry(id.clone()).or_default().extend(heads.iter().copied());
    }
    let mut lost = 0usize;
    for (id, heads) in &latest {
        let ok = on_server
            .get(id)
            .and_then(|bytes| Automerge::load(bytes).ok())
            .is_some_and(|doc| heads.iter().all(|h| doc.get_change_by_hash(h).is_some()));
        if !ok {
            lost += 1;
        }
    }
    server.stop()?;
    db.drop_database().await;

    let mut lat: Vec<f64> = all.push_ms.iter().chain(&all.pull_ms).copied().collect();
    lat.sort_by(|a, b| a.total_cmp(b));
    all.push_ms.sort_by(|a, b| a.total_cmp(b));
    all.pull_ms.sort_by(|a, b| a.total_cmp(b));
    let p99 = quantile(&lat, 0.99);
    out.info(
        backend,
        &format!("load: {label}"),
        format!(
            "{:.0} req/s ({:.0} syncs/s, {:.0} documents pushed/s), {} requests; push p50 {:.1} / p99 {:.1} ms, pull p50 {:.1} / p99 {:.1} ms, max {:.0} ms; server peak {server_hwm:.0} MiB",
            lat.len() as f64 / window,
            all.syncs as f64 / window,
            all.pushed_docs as f64 / window,
            lat.len(),
            quantile(&all.push_ms, 0.5),
            quantile(&all.push_ms, 0.99),
            quantile(&all.pull_ms, 0.5),
            quantile(&all.pull_ms, 0.99),
            lat.last().copied().unwrap_or(0.0),
        ),
    );
    let name = format!("load p99 per request ({} devices)", o.devices);
    let value = format!("{p99:.1} ms (p50 {:.1} ms)", quantile(&lat, 0.5));
    match o.p99_target_ms {
        Some(t) => out.target(backend, &name, value, format!("≤ {t:.0} ms"), p99 <= t),
        None => out.info(backend, &name, value),
    }
    let errors = all.errors.len();
    if errors > 0 {
        eprintln!("sync-bench: first errors: {:?}", &all.errors[..errors.min(5)]);
    }
    out.target(backend, &format!("load errors ({} devices)", o.devices), format!("{errors}"), "0".into(), errors == 0);
    out.target(
        backend,
        &format!("load records lost ({} devices)", o.devices),
        format!("{lost} of {} records pushed ({} on the server)", latest.len(), on_server.len()),
        "0".into(),
        lost == 0 && !latest.is_empty(),
    );
    Ok(())
}

/// Awaits a few futures concurrently, in order.
async fn futures_join<T: Send + 'static>(fs: Vec<impl std::future::Future<Output = T> + Send + 'static>) -> Vec<T> {
    let handles: Vec<_> = fs.into_iter().map(tokio::spawn).collect();
    let mut out = Vec::with_capacity(handles.len());
    for h in handles {
        out.push(h.await.expect("a task"));
    }
    out
}
