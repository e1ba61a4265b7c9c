//! Device-side benchmarks on real SQLite files in temporary directories:
//! `cargo bench -p carebook-bench --bench device` (the whole suite: about 2.5 minutes, 4 the first time, when the
//! 1k/10k/100k stores are seeded and cached under `target/carebook-bench/`).
//!
//! Filter with criterion's usual argument, e.g. `cargo bench -p carebook-bench --bench device -- respite`.
//! Results and the targets are in BENCHMARKS.md.

use std::cell::OnceCell;
use std::hint::black_box;
use std::sync::LazyLock;
use std::time::Duration;

use automerge::ActorId;
use carebook_bench::{
    child_id, claim_month, claim_plan, claim_store, copy_store, realistic_respite, runtime, seeded_store, BENCH_FY, CHILDREN,
    CLAIM_MUNICIPALITY,
};
use carebook_core::app::ReviewFilter;
use carebook_core::export::{claim_heading, claim_table, japanese_font, to_pdf, write_claim, ExportFormat};
use carebook_core::{clock, Carebook, VisitFilter};
use carebook_domain::{RecordDoc, Visit, VisitKind, VisitStatus, YearMonth};
use criterion::{criterion_group, criterion_main, BatchSize, BenchmarkId, Criterion, SamplingMode, Throughput};

static RT: LazyLock<tokio::runtime::Runtime> = LazyLock::new(runtime);

/// A device opened on a copy of a seeded store, in a temporary directory.
struct Device {
    app: Carebook,
    _dir: tempfile::TempDir,
}

impl Device {
    /// A copy of the cached store of `n` seeded visits (seeded first if needed).
    fn seeded(n: usize) -> Device {
        let cached = seeded_store(n).expect("seeding the store");
        let dir = copy_store(&cached).expect("copying the seeded store");
        let app = RT.block_on(Carebook::open_unencrypted(dir.path())).expect("opening the store");
        Device { app, _dir: dir }
    }

    /// The same store encrypted as the app keeps it (SQLCipher under a random key): the copy
    /// is encrypted when opened with a key, as a store from before encryption is.
    fn seeded_encrypted(n: usize) -> Device {
        let cached = seeded_store(n).expect("seeding the store");
        let dir = copy_store(&cached).expect("copying the seeded store");
        let key = carebook_core::vault::DataKey::random().expect("a key");
        let app = RT.block_on(Carebook::open_with_key(dir.path(), &key)).expect("opening and encrypting the store");
        Device { app, _dir: dir }
    }
}

/// 1. Create and store a realistic visit: document and index row in one transaction, on a device
///    that already holds 10k visits.
fn store_visit(c: &mut Criterion) {
    let device = OnceCell::new();
    let device = || device.get_or_init(|| Device::seeded(10_000));
    let child = child_id(0);
    let mut g = c.benchmark_group("store_visit");
    g.bench_function("record_visit (validate + document + index + summary)", |b| {
        let app = &device().app;
        b.iter_batched(
            || realistic_respite(child),
            |v| RT.block_on(app.record_visit(v)).expect("recording a valid visit"),
            BatchSize::SmallInput,
        )
    });
    g.bench_function("create document + Store::save (one transaction)", |b| {
        let app = &device().app;
        let actor = app.store().actor().clone();
        b.iter_batched(
            || realistic_respite(child),
            |v| {
                let mut doc = RecordDoc::create(v, actor.clone());
                RT.block_on(app.store().save(&mut doc)).expect("saving");
            },
            BatchSize::SmallInput,
        )
    });
    g.bench_function("create document + save() bytes, in memory", |b| {
        let actor = ActorId::random();
        b.iter_batched(|| realistic_respite(child), |v| RecordDoc::create(v, actor.clone()).save(), BatchSize::SmallInput)
    });
    g.finish();
}

/// 2. Open a visit: read the bytes, load the automerge document, hydrate the `Visit`.
fn open_visit(c: &mut Criterion) {
    let state = OnceCell::new();
    let state = || {
        state.get_or_init(|| {
            let device = Device::seeded(10_000);
            let visit = RT.block_on(device.app.record_visit(realistic_respite(child_id(0)))).expect("recording").id;
            let bytes = RT.block_on(device.app.export_visit(visit)).expect("bytes");
            (device, visit, bytes)
        })
    };
    let mut g = c.benchmark_group("open_visit");
    g.bench_function("Carebook::visit (SQLite read + load + hydrate)", |b| {
        let (device, id, _) = state();
        b.iter(|| RT.block_on(device.app.visit(black_box(*id))).expect("opening"))
    });
    g.bench_function("RecordDoc::load + hydrate, in memory", |b| {
        let (_, id, bytes) = state();
        let (name, actor) = (id.to_string(), ActorId::random());
        b.iter(|| RecordDoc::<Visit>::load(&name, black_box(bytes), actor.clone()).expect("loading"))
    });
    g.finish();
}

/// 3. Remaining respite hours for one child, from the index, as the store grows.
fn respite_remaining(c: &mut Criterion) {
    let mut g = c.benchmark_group("respite_remaining");
    for n in [1_000, 10_000, 100_000] {
        let device = OnceCell::new();
        g.bench_with_input(BenchmarkId::from_parameter(n), &n, |b, &n| {
            let device: &Device = device.get_or_init(|| {
                let d = Device::seeded(n);
                let r = RT.block_on(d.app.respite_remaining(child_id(0), Some(BENCH_FY))).expect("ledger");
                eprintln!("  [{n} visits: child 0 has {} counted respite uses in {}]", r.ledger.sessions.len(), BENCH_FY.english_label());
                d
            });
            b.iter(|| RT.block_on(device.app.respite_remaining(black_box(child_id(0)), Some(BENCH_FY))).expect("ledger"))
        });
    }
    g.finish();
}

/// 4. The office's review list at 100k: one month, one kind, one status.
fn office_list(c: &mut Criterion) {
    let device = OnceCell::new();
    let device = || device.get_or_init(|| Device::seeded(100_000));
    let month: YearMonth = "2026-06".parse().expect("a month");
    let filters = [
        (
            "month + kind + status (respite, submitted)",
            VisitFilter {
                month: Some(month),
                kind: Some(VisitKind::Respite),
                status: Some(VisitStatus::Submitted),
                ..VisitFilter::default()
            },
        ),
        ("month only", VisitFilter { month: Some(month), ..VisitFilter::default() }),
    ];
    let mut g = c.benchmark_group("office_list_100k");
    g.sampling_mode(SamplingMode::Flat).sample_size(20).measurement_time(Duration::from_secs(4));
    for (name, filter) in filters {
        let counted = std::cell::Cell::new(false);
        g.bench_function(name, |b| {
            let app = &device().app;
            if !counted.replace(true) {
                let rows = RT.block_on(app.visits(&filter)).expect("list").len();
                eprintln!("  [{name}: {rows} rows]");
            }
            b.iter(|| RT.block_on(app.visits(black_box(&filter))).expect("list"))
        });
    }
    // The office's review table itself: the same narrowing, with each row's staff names,
    // confirmation and flags from the index.
    let review = ReviewFilter {
        month: Some(month),
        kind: Some(VisitKind::Respite),
        status: Some(VisitStatus::Submitted),
        ..ReviewFilter::default()
    };
    g.bench_function("review rows, month + kind + status", |b| {
        let app = &device().app;
        b.iter(|| RT.block_on(app.review(black_box(&review))).expect("review"))
    });
    // What the office's screen asks for first: a whole month, a page of 200 (and one more to
    // know whether more follow).
    let first_page = ReviewFilter { month: Some(month), limit: Some(201), ..ReviewFilter::default() };
    g.bench_function("review rows, month only, first page", |b| {
        let app = &device().app;
        b.iter(|| RT.block_on(app.review(black_box(&first_page))).expect("review"))
    });
    g.finish();
}

/// 5. Rebuilding the whole index from the documents at 10k visits (+ 200 children).
fn rebuild_index(c: &mut Criterion) {
    let device = OnceCell::new();
    let device = || device.get_or_init(|| Device::seeded(10_000));
    let mut g = c.benchmark_group("rebuild_index");
    // One rebuild takes seconds: 10 single-iteration samples, no warm-up beyond one pass.
    g.sampling_mode(SamplingMode::Flat).sample_size(10).warm_up_time(Duration::from_millis(1)).measurement_time(Duration::from_secs(60));
    g.throughput(Throughput::Elements(10_000 + carebook_bench::CHILDREN as u64));
    g.bench_function("10000", |b| {
        let app = &device().app;
        b.iter(|| {
            let report = RT.block_on(app.rebuild_index()).expect("rebuilding");
            assert!(report.unreadable.is_empty());
            report.indexed
        })
    });
    g.finish();
}

/// 6. What the app's screens ask for at 10k visits: the office's review table for one month (the
///    flags read each listed visit's document), the nurse's home (today onwards), the children's
///    cards, and a parent's respite year.
fn app_screens(c: &mut Criterion) {
    let device = OnceCell::new();
    let device = || device.get_or_init(|| Device::seeded(10_000));
    let month: YearMonth = "2026-06".parse().expect("a month");
    let mut g = c.benchmark_group("app_screens_10k");
    g.sampling_mode(SamplingMode::Flat).sample_size(10).measurement_time(Duration::from_secs(5));
    let review = ReviewFilter { month: Some(month), ..ReviewFilter::default() };
    g.bench_function("review (one month, with flags)", |b| {
        let app = &device().app;
        eprintln!("  [review: {} rows]", RT.block_on(app.review(&review)).expect("review").len());
        b.iter(|| RT.block_on(app.review(black_box(&review))).expect("review"))
    });
    let home = ReviewFilter { from: Some(clock::today_jst()), ..ReviewFilter::default() };
    g.bench_function("nurse home visits (today onwards)", |b| {
        let app = &device().app;
        b.iter(|| RT.block_on(app.review(black_box(&home))).expect("home"))
    });
    g.bench_function("child_cards (all children)", |b| {
        let app = &device().app;
        b.iter(|| RT.block_on(app.child_cards()).expect("cards"))
    });
    g.bench_function("respite_year (one child)", |b| {
        let app = &device().app;
        let child = RT.block_on(app.children()).expect("children")[0].id;
        b.iter(|| RT.block_on(app.respite_year(black_box(child), None)).expect("year"))
    });
    // Issue 14: opening a child with its previous visit (前回の値), ≤ 20 ms at 10k.
    g.bench_function("child_sheet + previous_visit (one child)", |b| {
        let app = &device().app;
        let child = RT.block_on(app.children()).expect("children")[0].id;
        RT.block_on(app.previous_visit(child, None)).expect("previous").expect("a seeded child has visits");
        b.iter(|| {
            let sheet = RT.block_on(app.child_sheet(black_box(child))).expect("sheet");
            let previous = RT.block_on(app.previous_visit(black_box(child), None)).expect("previous");
            (sheet, previous)
        })
    });
    // Issue 14: search at 10k visits, ≤ 20 ms. Every seeded visit has the same notes, so a
    // word of them matches all 10k (the most a search can find, sorted to list the newest 100).
    let kana = carebook_bench::bench_child(0).kana;
    // A day the seeded visits fall on (they share about 50 days over two years).
    let day = carebook_bench::seeded_visit(0, 10_000).actual_start.expect("a seeded visit took place").date;
    for (name, query) in [
        ("search: a word in every visit's notes (吸引)", "吸引".to_string()),
        ("search: one character (痰)", "痰".to_string()),
        ("search: a word in no visit (けいれん)", "けいれん".to_string()),
        ("search: a child's kana + a word of the notes", format!("{kana} 吸引")),
        ("search: a day of any year (M/D)", format!("{}/{}", day.month(), day.day())),
    ] {
        g.bench_function(name, |b| {
            let app = &device().app;
            RT.block_on(app.index_search_backlog()).expect("indexing for search");
            let r = RT.block_on(app.search(&query)).expect("search");
            eprintln!("  [{query}: {} visits listed, more: {}, {} children]", r.visits.len(), r.more, r.children.len());
            b.iter(|| RT.block_on(app.search(black_box(&query))).expect("search"))
        });
    }
    // The same on a tablet whose records were all sent (the seeded store's 10k records all wait
    // to be sent, which each list's rows look up).
    let sent = OnceCell::new();
    g.bench_function("search: a word in every visit's notes (吸引), every record sent", |b| {
        let app = &sent
            .get_or_init(|| {
                let d = Device::seeded(10_000);
                RT.block_on(sqlx::query("UPDATE documents SET synced_version = local_version").execute(d.app.store().pool()))
                    .expect("marking every record sent");
                RT.block_on(d.app.index_search_backlog()).expect("indexing for search");
                d
            })
            .app;
        b.iter(|| RT.block_on(app.search(black_box("吸引"))).expect("search"))
    });
    // The store's part of the first (the query and the listed rows' text), without the rows'
    // flags that `Carebook::search` adds as every list does.
    g.bench_function("search: Store::search only (吸引)", |b| {
        let app = &device().app;
        let q = carebook_domain::SearchQuery::parse("吸引");
        b.iter(|| RT.block_on(app.store().search(black_box(&q), carebook_core::search::SEARCH_LIMIT)).expect("search"))
    });
    g.finish();
}

/// 10. Making 10k received visits searchable: reading each one's text from its document and
///     indexing its terms (what the app does after the first sync of a tablet).
fn search_backlog(c: &mut Criterion) {
    let device = OnceCell::new();
    let device = || device.get_or_init(|| Device::seeded(10_000));
    let mut g = c.benchmark_group("search_backlog_10k");
    g.sampling_mode(SamplingMode::Flat).sample_size(10).measurement_time(Duration::from_secs(20));
    g.bench_function("index_search_backlog (10k visits)", |b| {
        let app = &device().app;
        b.iter_batched(
            || {
                RT.block_on(async {
                    let pool = app.store().pool();
                    sqlx::query("DELETE FROM visit_text").execute(pool).await.expect("clearing the text");
                    sqlx::query("INSERT OR IGNORE INTO search_pending (id) SELECT id FROM documents WHERE kind = 'visit'")
                        .execute(pool)
                        .await
                        .expect("queueing every visit");
                })
            },
            |()| assert_eq!(RT.block_on(app.index_search_backlog()).expect("indexing"), 10_000),
            BatchSize::PerIteration,
        )
    });
    g.finish();
}

/// 7. A municipality's monthly claim for 200 children (the claim store: every child 2–4 respite
///    sessions in November 2026 and in each month of FY2026 before it, plus weekly nursing
///    visits; about 11,000 visits), and writing it as a PDF.
fn claim(c: &mut Criterion) {
    let state = OnceCell::new();
    let state = || {
        state.get_or_init(|| {
            let cached = claim_store().expect("seeding the claim store");
            let dir = copy_store(&cached).expect("copying the claim store");
            let app = RT.block_on(Carebook::open_unencrypted(dir.path())).expect("opening the store");
            let claim = RT.block_on(app.monthly_claim(CLAIM_MUNICIPALITY, claim_month())).expect("the claim");
            // Counts only (never times): what the claim must hold, from the plan the store was seeded with.
            let plan = claim_plan();
            let in_month: Vec<_> = plan
                .iter()
                .filter(|p| p.kind == VisitKind::Respite && p.start.date.year_month() == claim_month())
                .collect();
            let not_claimable = in_month.iter().filter(|p| p.status != VisitStatus::Approved || !p.confirmed).count();
            let lines: usize = claim.children.iter().map(|c| c.lines.len()).sum();
            let unclaimed: usize = claim.children.iter().map(|c| c.unclaimed.len()).sum();
            let instructions: usize = claim.children.iter().map(|c| c.instructions.len()).sum();
            assert_eq!(claim.children.len(), CHILDREN, "every child of the municipality is on the claim");
            assert_eq!(lines + unclaimed, in_month.len(), "every November session is on the claim");
            assert_eq!(unclaimed, not_claimable, "the submitted and unconfirmed sessions are the unclaimed ones");
            assert_eq!(instructions, CHILDREN.div_ceil(6), "every sixth child's instruction was renewed in November");
            eprintln!(
                "  [claim store: {} visits; the claim: {} children, {lines} sessions claimed, {unclaimed} unclaimed, {instructions} instruction fees, {} yen]",
                plan.len(),
                claim.children.len(),
                claim.total.total_yen
            );
            (Device { app, _dir: dir }, claim)
        })
    };
    let month = claim_month();
    let mut g = c.benchmark_group("claim_200_children");
    g.sampling_mode(SamplingMode::Flat).sample_size(20).measurement_time(Duration::from_secs(8));
    g.bench_function("Carebook::monthly_claim", |b| {
        let app = &state().0.app;
        b.iter(|| RT.block_on(app.monthly_claim(black_box(CLAIM_MUNICIPALITY), month)).expect("the claim"))
    });
    g.finish();
    let mut g = c.benchmark_group("claim_pdf_200_children");
    g.sampling_mode(SamplingMode::Flat).sample_size(10).warm_up_time(Duration::from_millis(1)).measurement_time(Duration::from_secs(15));
    let out = tempfile::tempdir().expect("a temporary directory");
    let logged = std::cell::Cell::new(false);
    g.bench_function("write_claim PDF (claim + PDF + file)", |b| {
        let app = &state().0.app;
        b.iter(|| {
            let file = RT.block_on(write_claim(app, CLAIM_MUNICIPALITY, month, ExportFormat::Pdf, out.path())).expect("the PDF");
            if !logged.replace(true) {
                eprintln!("  [claim PDF: {} bytes]", file.bytes);
            }
            file
        })
    });
    g.bench_function("to_pdf only (the claim's table, font read and subset)", |b| {
        let (_, claim) = state();
        let font = japanese_font().expect("Noto Sans CJK (fonts-noto-cjk)");
        let (heading, table) = (claim_heading(claim), claim_table(claim));
        b.iter(|| to_pdf(black_box(&heading), black_box(&table), &font).expect("the PDF"))
    });
    g.finish();
}

/// 9. What encryption costs: recording and opening a visit at 10k, and the remaining hours at
///    100k, on the plain store and on the same store under SQLCipher.
fn encryption(c: &mut Criterion) {
    let mut g = c.benchmark_group("encryption");
    for (store, open) in [("plain", Device::seeded as fn(usize) -> Device), ("sqlcipher", Device::seeded_encrypted)] {
        let ten_k = OnceCell::new();
        let ten_k = || {
            ten_k.get_or_init(|| {
                let device = open(10_000);
                let visit = RT.block_on(device.app.record_visit(realistic_respite(child_id(0)))).expect("recording").id;
                (device, visit)
            })
        };
        g.bench_function(BenchmarkId::new("record_visit 10k", store), |b| {
            let app = &ten_k().0.app;
            b.iter_batched(
                || realistic_respite(child_id(0)),
                |v| RT.block_on(app.record_visit(v)).expect("recording a valid visit"),
                BatchSize::SmallInput,
            )
        });
        g.bench_function(BenchmarkId::new("open visit 10k", store), |b| {
            let (device, id) = ten_k();
            b.iter(|| RT.block_on(device.app.visit(black_box(*id))).expect("opening"))
        });
        let hundred_k = OnceCell::new();
        g.bench_function(BenchmarkId::new("respite_remaining 100k", store), |b| {
            let device: &Device = hundred_k.get_or_init(|| open(100_000));
            b.iter(|| RT.block_on(device.app.respite_remaining(black_box(child_id(0)), Some(BENCH_FY))).expect("ledger"))
        });
    }
    g.finish();
}

fn config() -> Criterion {
    Criterion::default().warm_up_time(Duration::from_secs(1)).measurement_time(Duration::from_secs(3)).sample_size(30)
}

criterion_group! {
    name = device;
    config = config();
    targets = store_visit, open_visit, respite_remaining, office_list, rebuild_index, app_screens, claim, encryption, search_backlog
}
criterion_main!(device);
