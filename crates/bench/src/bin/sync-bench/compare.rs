//! Carebook against automerge-repo on the same documents: a fresh client getting all of them,
//! then a reconnect after one changed on the server. Both servers run as their own process with
//! the same counting proxy in front; the documents are the same bytes (written here, imported
//! there with `repo.import`).

use std::io::{BufRead, BufReader, Write};
use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};
use std::sync::mpsc;
use std::time::{Duration, Instant};

use carebook_bench::CHILDREN;
use serde_json::Value;

use crate::infra::{records, vm_hwm_mib, Backend, Proxy, Res};
use crate::report::Report;
use crate::scenarios::{describe, World};

fn node_dir() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("automerge-repo")
}

fn ensure_node_modules() -> Res<()> {
    let dir = node_dir();
    if dir.join("node_modules/@automerge/automerge-repo").exists() {
        return Ok(());
    }
    eprintln!("sync-bench: npm ci in {}", dir.display());
    let status = Command::new("npm").args(["ci", "--no-audit", "--no-fund"]).current_dir(&dir).status()?;
    if !status.success() {
        return Err(format!("npm ci failed: {status}").into());
    }
    Ok(())
}

fn node(args: &[&str]) -> Command {
    let mut c = Command::new("node");
    c.arg(node_dir().join("compare.mjs")).args(args).current_dir(node_dir());
    c
}

fn run_json(args: &[&str]) -> Res<(Value, f64)> {
    let t0 = Instant::now();
    let out = node(args).stderr(Stdio::inherit()).output()?;
    let wall = t0.elapsed().as_secs_f64();
    if !out.status.success() {
        return Err(format!("node compare.mjs {}: {}", args[0], out.status).into());
    }
    let text = String::from_utf8_lossy(&out.stdout);
    let line = text.lines().rev().find(|l| l.starts_with('{')).ok_or_else(|| format!("node said {text:?}"))?;
    Ok((serde_json::from_str(line)?, wall))
}

/// A child process ended when dropped (an error must not leave the node server running).
struct KillOnDrop(std::process::Child);

impl Drop for KillOnDrop {
    fn drop(&mut self) {
        if let Ok(None) = self.0.try_wait() {
            let _ = self.0.kill();
        }
        let _ = self.0.wait();
    }
}

fn copy_dir(from: &Path, to: &Path) -> Res<()> {
    std::fs::create_dir_all(to)?;
    for entry in std::fs::read_dir(from)? {
        let entry = entry?;
        let target = to.join(entry.file_name());
        if entry.file_type()?.is_dir() {
            copy_dir(&entry.path(), &target)?;
        } else {
            std::fs::copy(entry.path(), target)?;
        }
    }
    Ok(())
}

fn kib(b: u64) -> String {
    if b >= 10 * 1024 * 1024 {
        format!("{:.1} MiB", b as f64 / 1048576.0)
    } else {
        format!("{:.1} KiB", b as f64 / 1024.0)
    }
}

pub async fn compare(n: usize, target_ratio: f64, out: &mut Report) -> Res<()> {
    ensure_node_modules()?;
    let backend = Backend::Sqlite;

    // ---- Carebook ----
    let w = World::start(backend, n, out).await?;
    let dev = w.device("nurse-a").await?;
    let initial = w.sync(&dev).await?;
    let cb_hwm = w.server().hwm_mib();
    out.info(
        "Carebook",
        &format!("compare: fresh device gets {n} records"),
        format!("{}; server peak {cb_hwm:.0} MiB", describe(&initial)),
    );
    let changed_ids = w.change_on_server(&dev, 1, 1).await?;
    let one = w.sync(&dev).await?;
    out.info("Carebook", "compare: sync after 1 record changed on the server", describe(&one));
    dev.app.store().clone().close().await;
    w.finish().await?;

    // ---- automerge-repo, same bytes ----
    let work = tempfile::tempdir()?;
    let docs_dir = work.path().join("docs");
    std::fs::create_dir_all(&docs_dir)?;
    let mut ids_by_record = Vec::with_capacity(n);
    for (k, (id, _, bytes)) in records(n).into_iter().enumerate() {
        std::fs::write(docs_dir.join(format!("{k:06}.am")), bytes)?;
        ids_by_record.push(id);
    }
    let changed_k = ids_by_record.iter().position(|id| *id == changed_ids[0]).ok_or("the changed record is not among the documents")?;
    debug_assert!(changed_k >= CHILDREN);
    let client_store = work.path().join("client-store");
    let p = |p: &Path| p.to_string_lossy().into_owned();
    // Importing is slow (minutes for 10k): the imported store is cached under the target
    // directory and copied for each run (the run changes a document in it).
    let cache = carebook_bench::cache_root().join(format!("automerge-repo-v{}-{n}", carebook_bench::SEED_VERSION));
    let cached_ids = cache.join("ids.json");
    if !cached_ids.exists() {
        let _ = std::fs::remove_dir_all(&cache);
        std::fs::create_dir_all(&cache)?;
        let (prep, _) = run_json(&["prepare", &p(&docs_dir), &p(&cache.join("store")), &p(&cache.join("ids.tmp"))])?;
        std::fs::rename(cache.join("ids.tmp"), &cached_ids)?;
        eprintln!(
            "sync-bench: automerge-repo imported {} documents in {:.1} s",
            prep["imported"],
            prep["ms"].as_f64().unwrap_or(0.0) / 1000.0
        );
    }
    let server_store = work.path().join("server-store");
    copy_dir(&cache.join("store"), &server_store)?;
    let ids_file = cached_ids;
    let ids: Vec<String> = serde_json::from_str(&std::fs::read_to_string(&ids_file)?)?;

    let server = node(&["serve", &p(&server_store)]).stdin(Stdio::piped()).stdout(Stdio::piped()).stderr(Stdio::inherit()).spawn()?;
    // Killed on every way out of this function.
    let mut server = KillOnDrop(server);
    let server = &mut server.0;
    let pid = server.id();
    let (tx, rx) = mpsc::channel::<String>();
    let stdout = server.stdout.take().ok_or("no node stdout")?;
    std::thread::spawn(move || {
        for line in BufReader::new(stdout).lines().map_while(Result::ok) {
            if tx.send(line).is_err() {
                break;
            }
        }
    });
    let mut stdin = server.stdin.take().ok_or("no node stdin")?;
    let wait_line = |prefix: &str| -> Res<String> {
        loop {
            let line = rx.recv_timeout(Duration::from_secs(120))?;
            if let Some(rest) = line.strip_prefix(prefix) {
                return Ok(rest.trim().to_string());
            }
        }
    };
    let port: u16 = wait_line("LISTENING ")?.parse()?;
    let proxy = Proxy::start(format!("127.0.0.1:{port}").parse()?)?;
    let ws = format!("ws://{}", proxy.addr);

    let (first, first_wall) = run_json(&["client", &ws, &p(&ids_file), &p(&client_store)])?;
    proxy.settle(Duration::from_millis(500), Duration::from_secs(30));
    let (up1, down1) = proxy.bytes();
    let am_hwm = vm_hwm_mib(pid);
    let ready_s = first["ready_ms"].as_f64().unwrap_or(f64::NAN) / 1000.0;
    let flushed_s = first["flushed_ms"].as_f64().unwrap_or(f64::NAN) / 1000.0;
    out.info(
        "automerge-repo",
        &format!("compare: fresh client gets {n} documents"),
        format!(
            "all ready {ready_s:.2} s, stored {flushed_s:.2} s (process {first_wall:.2} s), {} ready  ↑{} ↓{}; server peak {am_hwm:.0} MiB",
            first["docs"],
            kib(up1),
            kib(down1)
        ),
    );

    writeln!(stdin, "change {}", ids[changed_k])?;
    stdin.flush()?;
    let heads = wait_line("CHANGED ")?;
    proxy.settle(Duration::from_millis(300), Duration::from_secs(10));
    proxy.reset();
    let (again, again_wall) = run_json(&["client", &ws, &p(&ids_file), &p(&client_store), &ids[changed_k], &heads])?;
    proxy.settle(Duration::from_millis(500), Duration::from_secs(30));
    let (up2, down2) = proxy.bytes();
    let am_hwm2 = vm_hwm_mib(pid);
    drop(stdin);
    let _ = server.wait();
    let changed_s = again["changed_ms"].as_f64().unwrap_or(f64::NAN) / 1000.0;
    let again_flushed = again["flushed_ms"].as_f64().unwrap_or(f64::NAN) / 1000.0;
    out.info(
        "automerge-repo",
        "compare: reconnect after 1 document changed on the server",
        format!(
            "changed document there after {changed_s:.2} s, all {n} handles ready and stored {again_flushed:.2} s (process {again_wall:.2} s)  ↑{} ↓{}; server peak {am_hwm2:.0} MiB",
            kib(up2),
            kib(down2)
        ),
    );

    let r_ready = ready_s / initial.secs;
    out.target(
        "both",
        &format!("initial sync {n}: automerge-repo all-ready time / Carebook sync time"),
        format!("{r_ready:.1}× ({ready_s:.2} s vs {:.2} s; with automerge-repo's flush {:.1}×)", initial.secs, flushed_s / initial.secs),
        format!("≥ {target_ratio}×"),
        r_ready >= target_ratio,
    );
    out.info(
        "both",
        &format!("initial sync {n}: bytes automerge-repo / Carebook"),
        format!(
            "{:.2}× ({} vs {})",
            (up1 + down1) as f64 / (initial.up + initial.down) as f64,
            kib(up1 + down1),
            kib(initial.up + initial.down)
        ),
    );
    out.info(
        "both",
        "1 changed: automerge-repo / Carebook",
        format!(
            "time {:.0}× ({changed_s:.2} s vs {:.1} ms), bytes {:.0}× ({} vs {})",
            changed_s / one.secs,
            one.secs * 1000.0,
            (up2 + down2) as f64 / (one.up + one.down) as f64,
            kib(up2 + down2),
            kib(one.up + one.down)
        ),
    );
    out.info("both", "server peak memory automerge-repo / Carebook", format!("{am_hwm2:.0} MiB vs {cb_hwm:.0} MiB"));
    Ok(())
}
