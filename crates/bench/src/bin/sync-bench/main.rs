//! `sync-bench`: Carebook's sync and server figures on this machine, over real HTTP on loopback.
//!
//! ```text
//! cargo run --release -p carebook-bench --bin sync-bench -- --quick      # CI: a minute or two, asserts counts
//! cargo run --release -p carebook-bench --bin sync-bench -- --full       # every figure and target
//! cargo run --release -p carebook-bench --bin sync-bench -- --compare    # against automerge-repo
//! cargo run --release -p carebook-bench --bin sync-bench -- --only load  # one group: sizes, big, load, compare
//! ```
//!
//! The quick run (CI) checks only what cannot depend on how busy the machine is: a sync after 1
//! changed record receives 1 document, with the same document bytes and requests at every store
//! size; an access change brings exactly the child's records (and its end removes them); every
//! `/changes` page stays within the byte bound unless it holds one document; the load run has 0
//! errors and 0 records lost. It prints its times but never fails on them. The full run adds the
//! time and memory targets.
//!
//! Records come from a fixed seed (the realistic visits of `carebook_bench`, ids fixed too). The
//! server runs as a separate process (this binary's `serve` mode: the server library with its
//! own runtime, as `carebook server start` runs it) on a fresh SQLite file or a fresh PostgreSQL
//! database (`CAREBOOK_TEST_PG_URL`), so its peak memory is its own (`VmHWM`). Devices are real
//! `carebook_core::Carebook` stores on temp directories; bytes on the wire are counted by a TCP
//! proxy between device and server (headers and gzip bodies included). The load test drives
//! simulated tablets over raw HTTP with real automerge documents. Options: `--backend sqlite|postgres`,
//! `--sizes 1000,10000`, `--devices N`, `--secs S`, `--think-ms MS`.

mod access;
mod big;
mod compare;
mod infra;
mod load;
mod report;
mod scenarios;

use std::process::ExitCode;

use infra::{Backend, Res};
use report::Report;
use scenarios::{SizeOptions, SizeResult};

#[derive(Debug, Clone)]
struct Options {
    quick: bool,
    only: Option<String>,
    backends: Vec<Backend>,
    sizes: Vec<usize>,
    devices: usize,
    secs: f64,
    think_ms: u64,
}

fn usage() -> ! {
    eprintln!("usage: sync-bench [--quick | --full | --compare] [--only sizes|big|load|compare] [--backend sqlite|postgres] [--sizes N,N] [--devices N] [--secs S] [--think-ms MS]");
    std::process::exit(2)
}

fn parse() -> Options {
    let args: Vec<String> = std::env::args().skip(1).collect();
    let mut o = Options { quick: false, only: None, backends: vec![], sizes: vec![], devices: 0, secs: 0.0, think_ms: 1000 };
    let mut i = 0;
    let value = |i: &mut usize| -> String {
        *i += 1;
        args.get(*i).cloned().unwrap_or_else(|| usage())
    };
    while i < args.len() {
        match args[i].as_str() {
            "--quick" => o.quick = true,
            "--full" => o.quick = false,
            "--compare" => o.only = Some("compare".into()),
            "--only" => o.only = Some(value(&mut i)),
            "--backend" => o.backends.push(match value(&mut i).as_str() {
                "sqlite" => Backend::Sqlite,
                "postgres" | "postgresql" | "pg" => Backend::Postgres,
                _ => usage(),
            }),
            "--sizes" => {
                o.sizes = value(&mut i).split(',').map(|s| s.trim().replace('_', "").parse().unwrap_or_else(|_| usage())).collect()
            }
            "--devices" => o.devices = value(&mut i).parse().unwrap_or_else(|_| usage()),
            "--secs" => o.secs = value(&mut i).parse().unwrap_or_else(|_| usage()),
            "--think-ms" => o.think_ms = value(&mut i).parse().unwrap_or_else(|_| usage()),
            "-h" | "--help" => usage(),
            _ => usage(),
        }
        i += 1;
    }
    if let Some(only) = &o.only {
        if !["sizes", "big", "load", "compare"].contains(&only.as_str()) {
            usage();
        }
    }
    o
}

fn main() -> ExitCode {
    let args: Vec<String> = std::env::args().collect();
    if args.get(1).map(String::as_str) == Some("serve") {
        return match infra::serve_main(args.get(2).map(String::as_str).unwrap_or_else(|| usage())) {
            Ok(()) => ExitCode::SUCCESS,
            Err(e) => {
                eprintln!("sync-bench serve: {e}");
                ExitCode::FAILURE
            }
        };
    }
    if args.get(1).map(String::as_str) == Some("probe-decode") {
        // Where a pulled visit's decoding time goes (see BENCHMARKS.md, "Sync and server").
        infra::probe_decode();
        infra::probe_fields();
        return ExitCode::SUCCESS;
    }
    let o = parse();
    let rt = carebook_bench::runtime();
    let mut out = Report::default();
    if let Err(e) = rt.block_on(run(&o, &mut out)) {
        out.fail("run", "error", e.to_string());
    }
    out.print();
    if out.failures().is_empty() {
        ExitCode::SUCCESS
    } else {
        ExitCode::FAILURE
    }
}

async fn run(o: &Options, out: &mut Report) -> Res<()> {
    let backends: Vec<Backend> = if o.backends.is_empty() {
        let mut b = vec![Backend::Sqlite];
        if Backend::Postgres.available() {
            b.push(Backend::Postgres);
        } else if std::env::var("CAREBOOK_REQUIRE_PG").as_deref() == Ok("1") {
            return Err("CAREBOOK_REQUIRE_PG=1 but CAREBOOK_TEST_PG_URL is not set".into());
        } else {
            eprintln!("sync-bench: PostgreSQL skipped (set CAREBOOK_TEST_PG_URL)");
        }
        b
    } else {
        o.backends.clone()
    };
    let wants = |group: &str| o.only.as_deref().is_none_or(|g| g == group);
    let t0 = std::time::Instant::now();

    if wants("sizes") {
        let sizes = if !o.sizes.is_empty() {
            o.sizes.clone()
        } else if o.quick {
            vec![400, 4_000]
        } else {
            vec![1_000, 10_000, 100_000]
        };
        let largest = sizes.iter().max().copied().unwrap_or(0);
        for &backend in &backends {
            let mut results: Vec<SizeResult> = Vec::new();
            for &n in &sizes {
                let big = n == 10_000 || (o.quick && n == largest);
                let full = !o.quick;
                let opts = SizeOptions {
                    reps_one: if o.quick { 5 } else { 9 },
                    reps_hundred: if o.quick { 1 } else { 3 },
                    offline: big,
                    restart: big,
                    initial_target: match n {
                        10_000 if full => Some(1.0),
                        100_000 if full => Some(10.0),
                        _ => None,
                    },
                    ingest_target: (full && n == 10_000).then_some(2_500.0),
                    memory_target_mib: (full && n == 100_000).then_some(128.0),
                    access: (n == largest).then_some((full && n >= 100_000).then_some(0.5)),
                };
                results.push(scenarios::size_run(backend, n, &opts, out).await?);
            }
            if results.len() >= 2 {
                let small = results.iter().min_by_key(|r| r.n).cloned().unwrap_or_default();
                let large = results.iter().max_by_key(|r| r.n).cloned().unwrap_or_default();
                // A time ratio is a check only in the full run (100k vs 1k: 1.3); the quick
                // run checks the counts and bytes, which do not depend on the machine's load.
                scenarios::ratio(out, backend, &small, &large, (!o.quick).then_some(1.3));
                scenarios::same_transfer(out, backend, &results);
            }
            let ten = results.iter().find(|r| r.n == 10_000);
            let hundred = results.iter().find(|r| r.n == 100_000);
            if let (false, Some(ten), Some(hundred)) = (o.quick, ten, hundred) {
                let r = hundred.initial_secs / ten.initial_secs;
                out.target(
                    backend,
                    "initial sync, 100,000 vs 10,000 records (same run)",
                    format!("{r:.2} × ({:.2} s vs {:.2} s)", hundred.initial_secs, ten.initial_secs),
                    "≤ 11 ×".into(),
                    r <= 11.0,
                );
            }
        }
    }
    if wants("big") {
        for &backend in &backends {
            let bo = if o.quick {
                big::BigOptions { big: 3, big_bytes: 5_000_000, medium: 4, medium_bytes: 1_500_000, memory_target_mib: None }
            } else {
                big::BigOptions { big: 8, big_bytes: 10_000_000, medium: 6, medium_bytes: 1_500_000, memory_target_mib: Some(256.0) }
            };
            big::big_run(backend, &bo, out).await?;
        }
    }
    if wants("load") {
        for &backend in &backends {
            let lo = load::LoadOptions {
                devices: if o.devices > 0 {
                    o.devices
                } else if o.quick {
                    50
                } else {
                    200
                },
                secs: if o.secs > 0.0 {
                    o.secs
                } else if o.quick {
                    5.0
                } else {
                    30.0
                },
                think_ms: o.think_ms,
                stations: 20,
                p99_target_ms: (!o.quick).then_some(250.0),
            };
            load::load_run(backend, &lo, out).await?;
        }
    }
    if wants("compare") && (!o.quick || o.only.as_deref() == Some("compare")) {
        compare::compare(o.sizes.first().copied().unwrap_or(10_000), 5.0, out).await?;
    }
    eprintln!("sync-bench: done in {:.0} s", t0.elapsed().as_secs_f64());
    Ok(())
}
