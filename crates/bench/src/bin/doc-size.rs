//! Bytes per visit document: `cargo run --release -p carebook-bench --bin doc-size`.
//!
//! Prints the saved size of the realistic visit (target ≤ 3072 bytes), how the size grows section
//! by section, what the same visit weighs after a realistic life of several edits, the automerge
//! document's columns, and the average stored document in a seeded 10k store.

use automerge::ActorId;
use carebook_bench::{
    add_minutes, care_items, home_devices_checklist, realistic_respite, seeded_store, soap_note, vital_readings, CHILDREN,
};
use carebook_domain::{ChildId, GuardianConfirmation, RecordDoc, SoapNote, Visit, VisitStatus};

const TARGET: usize = 3072;

/// One save in a visit's life: what happened, and the change.
type Step = (&'static str, Box<dyn Fn(&mut Visit)>);

fn saved(v: &Visit) -> usize {
    RecordDoc::create(v.clone(), ActorId::random()).save().len()
}

fn note_chars(n: &SoapNote) -> (usize, usize) {
    let parts = [&n.subjective, &n.objective, &n.assessment, &n.plan];
    (parts.iter().map(|t| t.as_str().chars().count()).sum(), parts.iter().map(|t| t.as_str().len()).sum())
}

fn main() -> Result<(), Box<dyn std::error::Error>> {
    let child = ChildId::random();
    let full = realistic_respite(child);
    let mut doc = RecordDoc::create(full.clone(), ActorId::random());
    let bytes = doc.save();
    let json = serde_json::to_vec(&full)?;
    let (chars, utf8) = note_chars(&full.note);
    println!("realistic respite visit (3 staff, 3 vitals, 4 care items with notes, 12-item checklist, SOAP {chars} chars)");
    println!("  automerge save(): {} bytes   target <= {TARGET}: {}", bytes.len(), if bytes.len() <= TARGET { "met" } else { "MISSED" });
    println!("  same visit as JSON: {} bytes (SOAP note alone: {utf8} bytes of UTF-8)", json.len());

    println!("\ngrowth, section by section (each a fresh one-change document):");
    let mut v = Visit::new(child, full.kind, full.station.clone());
    let mut rows: Vec<(&str, usize)> = Vec::new();
    rows.push(("empty draft (Visit::new)", saved(&v)));
    v.scheduled_start = full.scheduled_start;
    v.scheduled_end = full.scheduled_end;
    v.actual_start = full.actual_start;
    v.actual_end = full.actual_end;
    rows.push(("+ scheduled and actual times", saved(&v)));
    v.staff = full.staff.clone();
    rows.push(("+ 3 staff", saved(&v)));
    v.vitals = full.vitals.clone();
    rows.push(("+ 3 vital readings", saved(&v)));
    v.care = full.care.clone();
    rows.push(("+ 4 care items with notes", saved(&v)));
    v.checklist = full.checklist.clone();
    rows.push(("+ home_devices checklist (12)", saved(&v)));
    v.note = full.note.clone();
    rows.push(("+ SOAP note", saved(&v)));
    let mut prev = 0;
    for (what, size) in &rows {
        println!("  {what:<34} {size:>6} bytes  ({:+})", *size as i64 - prev as i64);
        prev = *size;
    }

    println!("\nwhere the bytes of the realistic visit go (automerge columns):");
    for line in columns(&bytes) {
        println!("  {line}");
    }

    println!("\nthe same visit with short list keys (\"v1\", \"c1\" instead of UUIDs), for comparison only:");
    let mut short = full.clone();
    for (i, r) in short.vitals.iter_mut().enumerate() {
        r.id = format!("v{i}");
    }
    for (i, c) in short.care.iter_mut().enumerate() {
        c.id = format!("c{i}");
    }
    println!("  {} bytes", saved(&short));

    let signature = svg_signature(120);
    println!("\na realistic life: scheduled, then filled in over several saves, submitted, approved:");
    println!("  {:<44} {:>14} {:>24}", "", "no signature", "drawn signature (SVG)");
    let plain = life(child, &full, "");
    let signed_life = life(child, &full, &signature);
    for ((what, a), (_, b)) in plain.iter().zip(&signed_life) {
        println!("  {what:<44} {a:>8} bytes {b:>18} bytes");
    }

    let start = full.actual_start.expect("a start");
    let mut signed = full.clone();
    signed.guardian = Some(GuardianConfirmation::Confirmed { name: "見本 保護者".into(), at: add_minutes(start, 180), signature });
    println!(
        "\nwith a drawn guardian signature (120-point SVG path, {} bytes): {} bytes",
        match &signed.guardian {
            Some(GuardianConfirmation::Confirmed { signature, .. }) => signature.len(),
            _ => 0,
        },
        saved(&signed)
    );

    let n = 10_000;
    let dir = seeded_store(n)?;
    let rt = carebook_bench::runtime();
    let (avg, max, file): (f64, i64, u64) = rt.block_on(async {
        let app = carebook_core::Carebook::open_unencrypted(&dir).await?;
        let (avg, max): (f64, i64) = sqlx_avg(&app).await?;
        app.store().clone().close().await;
        Ok::<_, carebook_core::CoreError>((
            avg,
            max,
            std::fs::metadata(dir.join(carebook_core::store::DB_FILE)).map(|m| m.len()).unwrap_or(0),
        ))
    })?;
    println!(
        "\nseeded store of {n} visits ({CHILDREN} children): documents average {avg:.0} bytes (largest {max}); the SQLite file is {:.1} MB, {:.0} bytes per visit with its index",
        file as f64 / 1e6,
        file as f64 / n as f64
    );
    Ok(())
}

async fn sqlx_avg(app: &carebook_core::Carebook) -> Result<(f64, i64), carebook_core::CoreError> {
    let avg =
        carebook_bench::scalar_f64(app.store(), "SELECT CAST(avg(length(bytes)) AS REAL) FROM documents WHERE kind = 'visit'").await?;
    let max =
        carebook_bench::scalar_f64(app.store(), "SELECT CAST(max(length(bytes)) AS REAL) FROM documents WHERE kind = 'visit'").await?;
    Ok((avg, max as i64))
}

/// The sizes of a visit's document over a realistic life of seven saves; the guardian signs
/// with `signature` (SVG path data, may be empty).
fn life(child: ChildId, full: &Visit, signature: &str) -> Vec<(&'static str, usize)> {
    let start = full.actual_start.expect("a start");
    let end = full.actual_end.expect("an end");
    let mut first = Visit::new(child, full.kind, full.station.clone());
    first.scheduled_start = full.scheduled_start;
    first.scheduled_end = full.scheduled_end;
    first.staff = full.staff.clone();
    let mut d = RecordDoc::create(first, ActorId::random());
    let mut sizes = vec![("scheduled draft", d.save().len())];
    let signature = signature.to_string();
    let steps: Vec<Step> = vec![
        (
            "arrived: actual start, first vitals",
            Box::new(move |v| {
                v.actual_start = Some(start);
                v.vitals = vital_readings(start, end)[..1].to_vec();
            }),
        ),
        (
            "care items and checklist",
            Box::new(|v| {
                v.care = care_items();
                v.checklist = home_devices_checklist();
            }),
        ),
        ("two more vitals", Box::new(move |v| v.vitals.extend(vital_readings(start, end)[1..].to_vec()))),
        ("SOAP note typed", Box::new(|v| v.note = soap_note())),
        (
            "end time, guardian confirms, submitted",
            Box::new(move |v| {
                v.actual_end = Some(end);
                v.guardian =
                    Some(GuardianConfirmation::Confirmed { name: "見本 保護者".into(), at: end, signature: signature.clone() });
                v.status = VisitStatus::Submitted;
            }),
        ),
        ("approved at the office", Box::new(|v| v.status = VisitStatus::Approved)),
    ];
    for (what, step) in steps {
        d.change(|v| step(v));
        sizes.push((what, d.save().len()));
    }
    sizes
}

/// A plausible drawn signature: `points` points of an SVG path.
fn svg_signature(points: usize) -> String {
    let mut s = String::from("M 12 40");
    for i in 1..points {
        let x = 12 + i * 3;
        let y = 40 + ((i * 37) % 23) as i64 - 11;
        s.push_str(&format!(" L {x} {y}"));
    }
    s
}

/// The sizes of an automerge document chunk's parts and columns.
fn columns(bytes: &[u8]) -> Vec<String> {
    carebook_bench::chunk::describe(bytes)
}
