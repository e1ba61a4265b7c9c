//! Prints the medians of the last `cargo bench -p carebook-bench` run as a Markdown table (the one
//! in BENCHMARKS.md): `cargo run --release -p carebook-bench --bin bench-table`.
//!
//! Reads criterion's `target/criterion/<group>/<bench>/new/{benchmark,estimates}.json`.

use std::path::{Path, PathBuf};

use serde_json::Value;

const ORDER: &[&str] = &[
    "store_visit",
    "open_visit",
    "respite_remaining",
    "office_list_100k",
    "rebuild_index",
    "claim_200_children",
    "claim_pdf_200_children",
];

/// The targets, by benchmark title.
fn target(title: &str) -> &'static str {
    match title {
        t if t.starts_with("store_visit/record_visit") => "≤ 5 ms",
        t if t.starts_with("store_visit/create document + Store::save") => "≤ 5 ms",
        "respite_remaining/100000" => "≤ 1 ms",
        t if t.starts_with("office_list_100k/") => "≤ 2 ms",
        "claim_200_children/Carebook::monthly_claim" => "≤ 100 ms",
        t if t.starts_with("claim_pdf_200_children/write_claim") => "≤ 1 s",
        _ => "—",
    }
}

fn human(ns: f64) -> String {
    match ns {
        n if n >= 1e9 => format!("{:.2} s", n / 1e9),
        n if n >= 1e6 => format!("{:.2} ms", n / 1e6),
        n if n >= 1e3 => format!("{:.0} µs", n / 1e3),
        n => format!("{n:.0} ns"),
    }
}

fn find(dir: &Path, out: &mut Vec<PathBuf>) {
    let Ok(entries) = std::fs::read_dir(dir) else { return };
    for e in entries.flatten() {
        let p = e.path();
        if p.is_dir() {
            if p.file_name().is_some_and(|n| n == "new") && p.join("benchmark.json").exists() {
                out.push(p);
            } else {
                find(&p, out);
            }
        }
    }
}

fn read(p: &Path) -> Option<Value> {
    serde_json::from_str(&std::fs::read_to_string(p).ok()?).ok()
}

fn main() {
    let criterion = carebook_bench::cache_root().parent().map(|t| t.join("criterion")).unwrap_or_default();
    let mut dirs = Vec::new();
    find(&criterion, &mut dirs);
    let mut rows: Vec<(usize, String, String)> = dirs
        .iter()
        .filter_map(|d| {
            let b = read(&d.join("benchmark.json"))?;
            let e = read(&d.join("estimates.json"))?;
            let title = b["title"].as_str()?.to_string();
            let group = b["group_id"].as_str().unwrap_or("");
            let rank = ORDER.iter().position(|g| *g == group).unwrap_or(ORDER.len());
            let median = e["median"]["point_estimate"].as_f64()?;
            let (lo, hi) =
                (e["median"]["confidence_interval"]["lower_bound"].as_f64()?, e["median"]["confidence_interval"]["upper_bound"].as_f64()?);
            let per = match b["throughput"]["Elements"].as_u64() {
                Some(n) if n > 0 => format!(" ({} per record, {:.0} records/s)", human(median / n as f64), n as f64 * 1e9 / median),
                _ => String::new(),
            };
            let line = format!("| {title} | {} | {}{per} | {} – {} |", target(&title), human(median), human(lo), human(hi));
            Some((rank, title, line))
        })
        .collect();
    rows.sort();
    println!("| measure | target | measured (median) | 95 % CI of the median |");
    println!("| --- | --- | --- | --- |");
    for (_, _, line) in rows {
        println!("{line}");
    }
}
