//! Big records: visits of several MB (care notes of random CJK text, which automerge's column
//! compression cannot shrink; each note within the text limit, so many care entries) between
//! visits of about 1.5 MB. Once 8 visits of 10 MB made one
//! 85 MB `/changes` answer and a 224 MB server peak (4 devices at once: 611 MB); pages are now
//! bounded by bytes, a document larger than the bound travelling alone. Measured: how a fresh
//! device pulls them (requests, bytes, the server's peak memory), every page's document bytes,
//! and the server's peak with 4 devices pulling at once.

use std::time::{Duration, Instant};

use carebook_core::Carebook;
use carebook_domain::{Date, DateTime, DocPayload, Role, TimeOfDay, Visit, VisitKind};

use crate::infra::{self, add_users, Backend, Proxy, RawDevice, Res, ServerProcess, ORG, PASSWORD};
use crate::report::Report;

pub struct BigOptions {
    /// Visits of about `big_bytes` document bytes each.
    pub big: usize,
    pub big_bytes: usize,
    /// Visits of about `medium_bytes` each, pushed between the big ones.
    pub medium: usize,
    pub medium_bytes: usize,
    /// Full run: the server's peak with 4 devices pulling at once, MiB.
    pub memory_target_mib: Option<f64>,
}

const TAG: u8 = 0xb9;

/// Visit `i` of the scenario with `chars` random ideographs of care notes: each note within its
/// limit ([`carebook_domain::visit::NOTE_MAX`]), as many care entries as it takes (one
/// operation a note, a dozen an entry: a 10 MB visit is some 1,400 entries and 20,000
/// operations in one change, far from any bound on operations per document).
fn big_visit(i: usize, chars: usize) -> Visit {
    let first = Date::new(2026, 10, 1).expect("a date").days_since_epoch();
    let start = DateTime::new(Date::from_days_since_epoch(first + i as i64), TimeOfDay::new(10, 0).expect("a time"));
    let mut v = infra::fixed_visit(infra::extra_visit_id(TAG, i), infra::extra_child_id(TAG), VisitKind::Nursing, start, 90);
    let template = v.care[0].clone();
    let text = infra::random_cjk(i as u64 + 1, chars);
    let notes: Vec<String> =
        text.chars().collect::<Vec<_>>().chunks(carebook_domain::visit::NOTE_MAX).map(|c| c.iter().collect()).collect();
    for (n, note) in notes.into_iter().enumerate() {
        if n == 0 {
            v.care[0].note = note;
        } else {
            v.care.push(carebook_domain::CareGiven { id: format!("cg-{}-big-{n}", v.id), note, ..template.clone() });
        }
    }
    v
}

/// The documents, built on two threads, their sizes aimed at from a calibration document. In
/// push order: all medium ones but the last in a row (pages of several documents must stop at
/// the byte bound), a big one, the last medium one (between two big ones: a page must stop
/// before a big document), the other big ones.
fn build(o: &BigOptions) -> Vec<DocPayload> {
    let base = infra::fixed_doc(big_visit(0, 0)).bytes.len() as f64;
    let sample_chars = 100_000;
    let per_char = (infra::fixed_doc(big_visit(0, sample_chars)).bytes.len() as f64 - base) / sample_chars as f64;
    let chars = |bytes: usize| ((bytes as f64 - base).max(0.0) / per_char) as usize;
    let (medium, big) = (chars(o.medium_bytes), chars(o.big_bytes));
    let mut plan: Vec<usize> = vec![medium; o.medium.saturating_sub(1)];
    plan.extend(std::iter::repeat_n(big, o.big.min(1)));
    plan.extend(std::iter::repeat_n(medium, o.medium.min(1)));
    plan.extend(std::iter::repeat_n(big, o.big.saturating_sub(1)));
    let plan = &plan;
    std::thread::scope(|s| {
        let halves: Vec<_> = (0..2)
            .map(|w| s.spawn(move || (w..plan.len()).step_by(2).map(|i| (i, infra::fixed_doc(big_visit(i, plan[i])))).collect::<Vec<_>>()))
            .collect();
        let mut all: Vec<(usize, DocPayload)> = halves.into_iter().flat_map(|h| h.join().expect("a document builder")).collect();
        all.sort_by_key(|(i, _)| *i);
        all.into_iter().map(|(_, d)| d).collect()
    })
}

fn mb(b: u64) -> String {
    format!("{:.2} MB", b as f64 / 1e6)
}

pub async fn big_run(backend: Backend, o: &BigOptions, out: &mut Report) -> Res<()> {
    let bound = carebook_server::Config::default().changes_page_bytes as u64;
    let db = backend.fresh().await?;
    add_users(&db.url, &[("office-big", Role::Office, ORG), ("nurse-big", Role::Nurse, ORG)]).await?;
    let server = ServerProcess::spawn(&db.url)?;
    let base = format!("http://{}", server.addr);
    let office = RawDevice::login(&base, "office-big", "office-pc").await?;

    let t_build = Instant::now();
    let docs = tokio::task::block_in_place(|| build(o));
    let build_secs = t_build.elapsed().as_secs_f64();
    let sizes: Vec<u64> = docs.iter().map(|d| d.bytes.len() as u64).collect();
    let doc_bytes: u64 = sizes.iter().sum();
    let t_push = Instant::now();
    office.push_all_accepted(vec![infra::extra_child(TAG, "見本 大記録児")]).await?;
    for d in docs {
        // One request each: a 10 MB document is 13.4 MB of base64, the server takes 16 MiB.
        office.push_all_accepted(vec![d]).await?;
    }
    let push_secs = t_push.elapsed().as_secs_f64();
    let expected = sizes.len() as u64 + 1;
    let label = format!("{} visits of {} and {} of {}", o.big, mb(o.big_bytes as u64), o.medium, mb(o.medium_bytes as u64));
    out.info(
        backend,
        &format!("big records: {label}"),
        format!(
            "documents {} to {} ({} in all), built in {build_secs:.1} s, pushed one per request in {push_secs:.1} s; server peak while pushing {:.0} MiB",
            mb(*sizes.iter().min().unwrap_or(&0)),
            mb(*sizes.iter().max().unwrap_or(&0)),
            mb(doc_bytes),
            server.hwm_mib()
        ),
    );

    // Every login before the restart (Argon2id's memory would count in the server's peak).
    let proxy = Proxy::start(server.addr)?;
    let dir = tempfile::tempdir()?;
    let app = Carebook::open_unencrypted(dir.path()).await?;
    app.login(&proxy.url(), "nurse-big", PASSWORD, "bench-tablet").await?;
    let mut raws = Vec::new();
    for i in 0..4 {
        raws.push(RawDevice::login(&base, "nurse-big", &format!("big-tablet-{i}")).await?);
    }
    server.stop()?;

    // One fresh device pulls everything, on a cold server.
    let server = ServerProcess::spawn(&db.url)?;
    proxy.retarget(server.addr);
    let idle = server.hwm_mib();
    proxy.reset();
    let t = Instant::now();
    let mut tries = 0;
    let report = loop {
        match app.sync(&mut |_| {}).await {
            Ok(r) => break r,
            // The device's pooled connection went with the old process.
            Err(e) if tries < 3 => {
                tries += 1;
                eprintln!("sync-bench: big records, first sync after restart: {e}; retrying");
                tokio::time::sleep(Duration::from_millis(10)).await;
                proxy.reset();
            }
            Err(e) => return Err(e.into()),
        }
    };
    let secs = t.elapsed().as_secs_f64();
    let (_, down) = proxy.bytes();
    let hwm_one = server.hwm_mib();
    if report.received != expected {
        out.fail(backend, "big records, device pull", format!("received {} of {expected} records", report.received));
    }
    out.info(
        backend,
        &format!("big records: a fresh device pulls {label}"),
        format!(
            "{secs:.2} s, ↓{:.1} MiB, {} pull requests, received {}; server peak {hwm_one:.0} MiB (idle {idle:.0} MiB)",
            down as f64 / 1048576.0,
            report.pull_requests,
            report.received
        ),
    );
    app.store().clone().close().await;
    server.stop()?;

    // Four devices at once, over raw HTTP: every page's documents and bytes.
    let server = ServerProcess::spawn(&db.url)?;
    let base = format!("http://{}", server.addr);
    let t = Instant::now();
    let mut tasks = tokio::task::JoinSet::new();
    for mut dev in raws {
        dev.base = base.clone();
        tasks.spawn(async move {
            let mut pages: Vec<(usize, u64)> = Vec::new();
            let mut cursor = 0;
            loop {
                let page = dev.changes(cursor, carebook_core::sync::PULL_PAGE).await?;
                pages.push((page.documents.len(), page.documents.iter().map(|d| d.bytes.len() as u64).sum()));
                cursor = page.cursor;
                if !page.more {
                    return Res::Ok(pages);
                }
            }
        });
    }
    let mut all_pages = Vec::new();
    while let Some(r) = tasks.join_next().await {
        all_pages.push(r??);
    }
    let secs4 = t.elapsed().as_secs_f64();
    let hwm_four = server.hwm_mib();
    server.stop()?;
    db.drop_database().await;

    let pages = all_pages.first().cloned().unwrap_or_default();
    let over: Vec<(usize, u64)> = all_pages.iter().flatten().filter(|(n, b)| *n > 1 && *b > bound).copied().collect();
    let complete = all_pages.iter().all(|p| p.iter().map(|(n, _)| *n as u64).sum::<u64>() == expected);
    let largest = pages.iter().max_by_key(|(_, b)| *b).copied().unwrap_or_default();
    let largest_multi = pages.iter().filter(|(n, _)| *n > 1).max_by_key(|(_, b)| *b).copied();
    out.target(
        backend,
        "big records: document bytes per /changes page",
        format!(
            "{} pages, documents per page {:?} ({} {expected} received by each of 4 devices); largest {} ({} document{}); largest with several documents {}",
            pages.len(),
            pages.iter().map(|(n, _)| *n).collect::<Vec<_>>(),
            if complete { "all" } else { "NOT all" },
            mb(largest.1),
            largest.0,
            if largest.0 == 1 { "" } else { "s" },
            largest_multi.map_or("none".into(), |(n, b)| format!("{} ({n} documents)", mb(b))),
        ),
        format!("≤ {} unless 1 document", mb(bound)),
        over.is_empty() && complete && !pages.is_empty(),
    );
    let name = "big records: server peak with 4 devices pulling at once";
    let value = format!("{hwm_four:.0} MiB (1 device: {hwm_one:.0} MiB; the 4 pulls took {secs4:.2} s)");
    match o.memory_target_mib {
        Some(t) => out.target(backend, name, value, format!("≤ {t:.0} MiB"), hwm_four <= t),
        None => out.info(backend, name, value),
    }
    Ok(())
}
