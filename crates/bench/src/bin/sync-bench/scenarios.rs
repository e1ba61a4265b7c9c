//! A fresh device's initial sync, incremental syncs, two offline weeks, a cold restart and the
//! server's memory, for one store size on one backend.

use std::time::{Duration, Instant};

use carebook_bench::{realistic_visit, CHILDREN};
use carebook_core::{Carebook, SyncReport, VisitFilter};
use carebook_domain::{DocPayload, RecordDoc, RecordKind, Role, VisitKind, VisitStatus};
use carebook_testkit::TestDb;

use crate::infra::{self, add_users, edited, seed_server, Backend, Proxy, RawDevice, Res, ServerProcess, ORG, PASSWORD};
use crate::report::Report;

/// The station of `nurse-x`, who reads only the children she is assigned.
pub const OTHER_ORG: &str = "st-other-bench";

/// One backend, one server process, `n` records on the server, a proxy in front.
pub struct World {
    pub backend: Backend,
    pub n: usize,
    pub db: TestDb,
    pub server: Option<ServerProcess>,
    pub proxy: Proxy,
    /// Another device (office) that changes records on the server, directly (not via the proxy).
    pub other: RawDevice,
    /// Document bytes pushed while seeding.
    pub seeded_bytes: u64,
}

/// A device store that synced through the proxy.
pub struct Device {
    pub app: Carebook,
    _dir: tempfile::TempDir,
}

pub struct Measured {
    pub secs: f64,
    pub up: u64,
    pub down: u64,
    pub report: SyncReport,
}

impl Measured {
    pub fn requests(&self) -> u64 {
        self.report.push_requests + self.report.pull_requests
    }
}

impl World {
    /// A fresh database with `n` records pushed by an office device, then a cold server
    /// process (so its peak memory covers only what follows).
    pub async fn start(backend: Backend, n: usize, out: &mut Report) -> Res<World> {
        World::start_with(backend, n, None, out).await
    }

    /// [`World::start`], with the seeding's rate checked against `ingest_target` (records/s).
    /// Accounts: the station's office (seeding, editing) and nurse `nurse-a`; `nurse-x`, a nurse
    /// of another station, reads only what she is assigned.
    pub async fn start_with(backend: Backend, n: usize, ingest_target: Option<f64>, out: &mut Report) -> Res<World> {
        let db = backend.fresh().await?;
        add_users(
            &db.url,
            &[
                ("office-seed", Role::Office, ORG),
                ("office-edit", Role::Office, ORG),
                ("nurse-a", Role::Nurse, ORG),
                ("nurse-x", Role::Nurse, OTHER_ORG),
            ],
        )
        .await?;
        let server = ServerProcess::spawn(&db.url)?;
        let base = format!("http://{}", server.addr);
        let (secs, seeded_bytes) = seed_server(&base, n).await?;
        let seed_hwm = server.hwm_mib();
        let rate = n as f64 / secs;
        let value = format!(
            "{secs:.2} s = {rate:.0} records/s ({:.1} MiB of documents{}, one device, 2 requests in flight); server peak {seed_hwm:.0} MiB",
            seeded_bytes as f64 / 1048576.0,
            if n <= infra::PREBUILD_MAX { ", built beforehand" } else { ", built while pushing" }
        );
        match ingest_target {
            Some(t) => out.target(
                backend,
                &format!("pushing {n} new records from one device (the server's ingest)"),
                value,
                format!("≥ {t:.0} records/s"),
                rate >= t,
            ),
            None => out.info(backend, &format!("seeding: push {n} records"), value),
        }
        server.stop()?;
        let server = ServerProcess::spawn(&db.url)?;
        let proxy = Proxy::start(server.addr)?;
        let other = RawDevice::login(&format!("http://{}", server.addr), "office-edit", "office-pc").await?;
        Ok(World { backend, n, db, server: Some(server), proxy, other, seeded_bytes })
    }

    pub fn server(&self) -> &ServerProcess {
        self.server.as_ref().expect("a running server")
    }

    /// A new, empty device logged in through the proxy.
    pub async fn device(&self, user: &str) -> Res<Device> {
        let dir = tempfile::tempdir()?;
        let app = Carebook::open_unencrypted(dir.path()).await?;
        app.login(&self.proxy.url(), user, PASSWORD, "bench-tablet").await?;
        Ok(Device { app, _dir: dir })
    }

    /// One sync of `dev`, timed, with the bytes through the proxy.
    pub async fn sync(&self, dev: &Device) -> Res<Measured> {
        self.proxy.reset();
        let t0 = Instant::now();
        let report = dev.app.sync(&mut |_| {}).await?;
        let secs = t0.elapsed().as_secs_f64();
        let (up, down) = self.proxy.bytes();
        Ok(Measured { secs, up, down, report })
    }

    /// Another device changes `count` visits (round `round`), pushing them in batches of 100;
    /// it starts from `dev`'s copies, so its edits build on everything already synced.
    pub async fn change_on_server(&self, dev: &Device, count: usize, round: usize) -> Res<Vec<String>> {
        let visits = self.n - CHILDREN;
        let mut docs = Vec::with_capacity(count);
        for i in 0..count {
            // Spread over the whole set, a different visit each round.
            let j = (round * 7919 + i * 104_729) % visits;
            let id = infra::visit_id(j).to_string();
            let bytes = dev.app.store().bytes(RecordKind::Visit, &id).await?.ok_or_else(|| format!("{id} is not on the device"))?;
            docs.push(DocPayload { id: id.clone(), kind: RecordKind::Visit, bytes: edited(&id, &bytes, round)? });
        }
        let ids = docs.iter().map(|d| d.id.clone()).collect();
        for batch in docs.chunks(100) {
            self.other.push_all_accepted(batch.to_vec()).await?;
        }
        Ok(ids)
    }

    pub async fn finish(mut self) -> Res<()> {
        if let Some(s) = self.server.take() {
            s.stop()?;
        }
        self.db.drop_database().await;
        Ok(())
    }
}

fn kib(b: u64) -> String {
    if b >= 10 * 1024 * 1024 {
        format!("{:.1} MiB", b as f64 / 1048576.0)
    } else {
        format!("{:.1} KiB", b as f64 / 1024.0)
    }
}

fn ms(s: f64) -> String {
    if s >= 10.0 {
        format!("{s:.1} s")
    } else if s >= 1.0 {
        format!("{s:.2} s")
    } else {
        format!("{:.1} ms", s * 1000.0)
    }
}

pub fn describe(m: &Measured) -> String {
    format!(
        "{}  ↑{} ↓{}  {} req (sent {}, received {})",
        ms(m.secs),
        kib(m.up),
        kib(m.down),
        m.requests(),
        m.report.sent,
        m.report.received
    )
}

/// What a size run measured, for the comparisons across sizes.
#[derive(Debug, Clone, Default)]
pub struct SizeResult {
    pub n: usize,
    pub initial_secs: f64,
    /// The median time of a sync after 1 record changed elsewhere.
    pub one_change_secs: f64,
    /// Per repetition of the 1-changed-record sync (the same record content at every size):
    /// documents in the server's answer, their bytes, and the device's requests.
    pub one_change: Vec<OneChange>,
}

/// What one sync after 1 record changed elsewhere transferred.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct OneChange {
    pub documents: u64,
    pub document_bytes: u64,
    pub requests: u64,
    /// Bytes through the proxy, server → device (headers and cursor digits vary a little).
    pub wire_down: u64,
}

pub struct SizeOptions {
    pub reps_one: usize,
    pub reps_hundred: usize,
    pub offline: bool,
    pub restart: bool,
    /// Full-run targets (none in the quick run: it never fails on a time).
    pub initial_target: Option<f64>,
    pub ingest_target: Option<f64>,
    pub memory_target_mib: Option<f64>,
    /// Run the access scenario on this store, with its time target if any.
    pub access: Option<Option<f64>>,
}

/// Initial sync, incremental syncs after 0, 1 and 100 changes, optionally two offline weeks
/// and a cold restart, and the server's memory, for `n` records.
pub async fn size_run(backend: Backend, n: usize, opts: &SizeOptions, out: &mut Report) -> Res<SizeResult> {
    let w = World::start_with(backend, n, opts.ingest_target, out).await?;
    let dev = w.device("nurse-a").await?;

    let initial = w.sync(&dev).await?;
    if initial.report.received != n as u64 {
        out.fail(backend, &format!("initial sync {n}"), format!("received {} of {n} records", initial.report.received));
    }
    let name = format!("initial sync, fresh device, {n} records");
    match opts.initial_target {
        Some(t) => out.target(backend, &name, describe(&initial), format!("≤ {t:.1} s"), initial.secs <= t),
        None => out.info(backend, &name, describe(&initial)),
    }
    let hwm = w.server().hwm_mib();
    let rss = infra::vm_rss_mib(w.server().pid());
    let name = format!("server memory, {n} records stored");
    let value = format!(
        "peak {hwm:.0} MiB (VmHWM of the server process over login + the initial sync; now {rss:.0} MiB) vs {:.0} MiB of stored documents",
        w.seeded_bytes as f64 / 1048576.0
    );
    match opts.memory_target_mib {
        Some(t) => out.target(backend, &name, value, format!("≤ {t:.0} MiB"), hwm <= t),
        None => out.info(backend, &name, value),
    }

    // The records the 1-changed-record syncs edit: the same content at every store size, so
    // what those syncs transfer can be compared byte for byte.
    let probes: Vec<DocPayload> = (0..opts.reps_one).map(probe_visit).map(infra::fixed_doc).collect();
    w.other.push_all_accepted(probes.clone()).await?;
    let m = w.sync(&dev).await?;
    if m.report.received != probes.len() as u64 {
        out.fail(backend, &format!("probe records, {n}"), format!("received {} of {} records", m.report.received, probes.len()));
    }

    // Nothing changed.
    let mut none = Vec::new();
    for _ in 0..opts.reps_one {
        none.push(w.sync(&dev).await?);
    }
    let mid = median_by_time(none);
    out.info(backend, &format!("sync, nothing changed, {n} records"), describe(&mid));

    // One record changed elsewhere (a different probe each time). What the device was sent
    // is read back from the server: the answer to the same request from the same cursor.
    let mut one = Vec::new();
    let mut one_change = Vec::new();
    for (r, probe) in probes.iter().enumerate() {
        let bytes =
            dev.app.store().bytes(RecordKind::Visit, &probe.id).await?.ok_or_else(|| format!("{} is not on the device", probe.id))?;
        w.other
            .push_all_accepted(vec![DocPayload { id: probe.id.clone(), kind: RecordKind::Visit, bytes: edited(&probe.id, &bytes, r + 1)? }])
            .await?;
        let since = dev.app.sync_status().await?.cursor;
        let m = w.sync(&dev).await?;
        if m.report.received != 1 {
            out.fail(backend, &format!("1 changed, {n}"), format!("received {} records, not 1", m.report.received));
        }
        let answer = w.other.changes(since, carebook_core::sync::PULL_PAGE).await?;
        if answer.documents.iter().map(|d| &d.id).ne([&probe.id]) || answer.more {
            out.fail(
                backend,
                &format!("1 changed, {n}"),
                format!("the server's answer from the device's cursor holds {} documents (more: {})", answer.documents.len(), answer.more),
            );
        }
        one_change.push(OneChange {
            documents: m.report.received,
            document_bytes: answer.documents.iter().map(|d| d.bytes.len() as u64).sum(),
            requests: m.requests(),
            wire_down: m.down,
        });
        one.push(m);
    }
    let one = median_by_time(one);
    out.info(backend, &format!("sync after 1 changed record, {n} records"), describe(&one));

    // A hundred changed elsewhere.
    let mut hundred = Vec::new();
    for r in 0..opts.reps_hundred {
        w.change_on_server(&dev, 100, 1000 + r).await?;
        let m = w.sync(&dev).await?;
        if m.report.received != 100 {
            out.fail(backend, &format!("100 changed, {n}"), format!("received {} records, not 100", m.report.received));
        }
        hundred.push(m);
    }
    let hundred = median_by_time(hundred);
    out.info(backend, &format!("sync after 100 changed records, {n} records"), describe(&hundred));

    // One edit made on this device (push 1; its accepted change comes back once).
    // Daytime-care drafts of the seed belong to children whose score the device's own check refuses.
    let mut drafts = dev.app.visits(&VisitFilter { status: Some(VisitStatus::Draft), ..Default::default() }).await?;
    drafts.retain(|d| d.kind != VisitKind::Daytime);
    let mut local = Vec::new();
    for (r, d) in drafts.iter().take(opts.reps_one).enumerate() {
        dev.app.update_visit(d.id, |v| v.place = format!("学校 {r}")).await?;
        local.push(w.sync(&dev).await?);
    }
    if !local.is_empty() {
        let local = median_by_time(local);
        out.info(backend, &format!("sync after 1 edit on the device, {n} records"), describe(&local));
    }

    if opts.offline {
        offline_weeks(&w, &dev, &drafts[opts.reps_one.min(drafts.len())..], out).await?;
    }
    let mut w = w;
    if opts.restart {
        cold_restart(&mut w, &dev, out).await?;
    }
    if let Some(target) = opts.access {
        crate::access::access_run(&w, target, out).await?;
    }
    let result = SizeResult { n, initial_secs: initial.secs, one_change_secs: one.secs, one_change };
    dev.app.store().clone().close().await;
    w.finish().await?;
    Ok(result)
}

fn median_by_time(mut ms: Vec<Measured>) -> Measured {
    ms.sort_by(|a, b| a.secs.total_cmp(&b.secs));
    let i = ms.len() / 2;
    ms.swap_remove(i)
}

/// Two weeks offline: the device records 50 visits and edits 20; meanwhile other devices add
/// 50 and edit 20 on the server. Then one sync.
async fn offline_weeks(w: &World, dev: &Device, drafts: &[carebook_domain::VisitSummary], out: &mut Report) -> Res<()> {
    let first = carebook_domain::Date::new(2026, 7, 1).expect("a date").days_since_epoch();
    for i in 0..50 {
        let day = carebook_domain::Date::from_days_since_epoch(first + (i / 4) as i64);
        let start = carebook_domain::DateTime::new(day, carebook_domain::TimeOfDay::new(9 + 2 * (i % 4) as u8, 0).expect("a time"));
        dev.app.record_visit(realistic_visit(infra::seeded_child(i), VisitKind::Nursing, start, 90)).await?;
    }
    for (r, d) in drafts.iter().take(20).enumerate() {
        dev.app.update_visit(d.id, |v| v.note.plan.update(format!("{}（2週間後に再確認 {r}）", v.note.plan.as_str()))).await?;
    }
    // Other devices: 50 new visits and 20 edits.
    let actor = automerge::ActorId::from(b"carebook-bench-o".as_slice());
    let mut docs = Vec::new();
    for i in 0..50 {
        let day = carebook_domain::Date::from_days_since_epoch(first + (i / 4) as i64);
        let start = carebook_domain::DateTime::new(day, carebook_domain::TimeOfDay::new(14, 0).expect("a time"));
        let mut doc = RecordDoc::create(realistic_visit(infra::seeded_child(i + 7), VisitKind::Respite, start, 180), actor.clone());
        docs.push(DocPayload { id: doc.value().id.to_string(), kind: RecordKind::Visit, bytes: doc.save() });
    }
    w.other.push_all_accepted(docs).await?;
    w.change_on_server(dev, 20, 5000).await?;
    let m = w.sync(dev).await?;
    if (m.report.sent, m.report.accepted) != (70, 70) || m.report.received < 140 {
        out.fail(
            w.backend,
            "offline weeks",
            format!("sent {} accepted {} received {}", m.report.sent, m.report.accepted, m.report.received),
        );
    }
    out.info(
        w.backend,
        &format!("sync after two offline weeks (device 50 new + 20 edited; others 50 + 20), {} records", w.n),
        describe(&m),
    );
    Ok(())
}

/// Stops the server process and starts it again on the same database: how long until it
/// listens, and until the device's first sync is answered.
async fn cold_restart(w: &mut World, dev: &Device, out: &mut Report) -> Res<()> {
    w.server.take().expect("a server").stop()?;
    let t0 = Instant::now();
    let server = ServerProcess::spawn(&w.db.url)?;
    w.proxy.retarget(server.addr);
    // The other device's token outlives the process; it talks to the new address from now on.
    w.other.base = format!("http://{}", server.addr);
    let listening = server.started_in;
    w.server = Some(server);
    // The device's pooled connection went with the old process; the first try may meet it closed.
    let mut tries = 0;
    let m = loop {
        match w.sync(dev).await {
            Ok(m) => break m,
            Err(e) if tries < 3 => {
                tries += 1;
                eprintln!("sync-bench: first sync after restart: {e}; retrying");
                tokio::time::sleep(Duration::from_millis(10)).await;
            }
            Err(e) => return Err(e),
        }
    };
    let first = t0.elapsed().as_secs_f64();
    out.info(
        w.backend,
        &format!("cold server restart, {} records", w.n),
        format!("listening after {}, first sync answered after {} (that sync: {})", ms(listening.as_secs_f64()), ms(first), ms(m.secs)),
    );
    Ok(())
}

/// Probe visit `r`: the record the `r`th 1-changed-record sync changes; the same at every size.
fn probe_visit(r: usize) -> carebook_domain::Visit {
    let start = carebook_domain::DateTime::new(
        carebook_domain::Date::new(2026, 9, 1 + r as u8 % 28).expect("a date"),
        carebook_domain::TimeOfDay::new(10, 0).expect("a time"),
    );
    infra::fixed_visit(infra::extra_visit_id(0xb2, r), infra::seeded_child(r), VisitKind::Nursing, start, 90)
}

/// The 100k/1k (or largest/smallest) ratio of the one-change sync: a check with `target`, or
/// (the quick run, which never fails on a time) a figure only.
pub fn ratio(out: &mut Report, backend: Backend, small: &SizeResult, large: &SizeResult, target: Option<f64>) {
    let r = large.one_change_secs / small.one_change_secs;
    let name = format!("incremental sync of 1 record: time, {} vs {} records", large.n, small.n);
    let value = format!("{:.2} ({:.1} ms vs {:.1} ms)", r, large.one_change_secs * 1000.0, small.one_change_secs * 1000.0);
    match target {
        Some(t) => out.target(backend, &name, value, format!("≤ {t}"), r <= t),
        None => out.info(backend, &name, format!("ratio {value}; not a check in the quick run")),
    }
}

/// Whatever the store size, a sync after 1 record changed elsewhere transfers 1 document, the
/// same document bytes and the same number of requests (a check in every run: counts and
/// bytes do not depend on how busy the machine is).
pub fn same_transfer(out: &mut Report, backend: Backend, results: &[SizeResult]) {
    let Some(first) = results.first() else { return };
    let sizes: Vec<String> = results.iter().map(|r| r.n.to_string()).collect();
    let sums = |r: &SizeResult| -> (u64, u64, u64) {
        r.one_change.iter().fold((0, 0, 0), |(d, b, q), o| (d + o.documents, b + o.document_bytes, q + o.requests))
    };
    let key = |r: &SizeResult| r.one_change.iter().map(|o| (o.documents, o.document_bytes, o.requests)).collect::<Vec<_>>();
    let same = !first.one_change.is_empty() && results.iter().all(|r| key(r) == key(first));
    let all_one = results.iter().all(|r| r.one_change.iter().all(|o| o.documents == 1));
    let (docs, bytes, requests) = sums(first);
    let reps = first.one_change.len().max(1) as u64;
    let wire: Vec<String> = results
        .iter()
        .map(|r| format!("{:.0}", r.one_change.iter().map(|o| o.wire_down as f64).sum::<f64>() / r.one_change.len().max(1) as f64))
        .collect();
    let value = if same {
        format!(
            "{} syncs at each size: {docs} documents, {bytes} document bytes ({} per sync), {requests} requests — identical at {} records; wire ↓ {} bytes per sync (HTTP headers and cursor digits included)",
            reps,
            bytes / reps,
            sizes.join(" and "),
            wire.join(" vs "),
        )
    } else {
        let per: Vec<String> = results.iter().map(|r| format!("{}: {:?}", r.n, key(r))).collect();
        format!("differ (documents, document bytes, requests per sync): {}", per.join("; "))
    };
    out.target(
        backend,
        "incremental sync of 1 record: documents and bytes at every store size",
        value,
        "1 document, equal bytes".into(),
        same && all_one,
    );
}
