//! Shared output helpers: hours, JSON, the respite report and its over-cap warning.

use carebook_core::RespiteReport;
use carebook_domain::{RespiteUse, VisitId};
use serde::Serialize;

/// `141.0 h` (one decimal; negative allowed).
pub fn hours(minutes: i64) -> String {
    format!("{:.1} h", minutes as f64 / 60.0)
}

/// Prints a value as pretty JSON on stdout.
pub fn print_json<T: Serialize + ?Sized>(value: &T) -> anyhow::Result<()> {
    out!("{}", serde_json::to_string_pretty(value)?);
    Ok(())
}

/// The respite report as JSON: the report itself plus an `over_cap` boolean.
pub fn respite_json(report: &RespiteReport) -> anyhow::Result<serde_json::Value> {
    let mut v = serde_json::to_value(report)?;
    if let Some(obj) = v.as_object_mut() {
        obj.insert("over_cap".into(), serde_json::Value::Bool(report.ledger.is_over_cap()));
    }
    Ok(v)
}

/// `2026-05-01 09:00`.
pub fn when(s: &RespiteUse) -> String {
    format!("{} {}", s.start.date, s.start.time)
}

/// The municipality as `13105 文京区`.
pub fn municipality(code: &str, name_ja: &str) -> String {
    if name_ja.is_empty() {
        code.to_string()
    } else {
        format!("{code} {name_ja}")
    }
}

/// The sessions past the cap, each as `2026-05-01 09:00 (id)`; `this` is marked.
fn over_cap_sessions(report: &RespiteReport, this: Option<VisitId>) -> String {
    report
        .ledger
        .over_cap
        .iter()
        .map(|id| {
            let at = report.ledger.sessions.iter().find(|s| s.visit_id == *id).map(when).unwrap_or_default();
            let mark = if Some(*id) == this { " 今回 this visit" } else { "" };
            format!("{at} ({id}{mark})")
        })
        .collect::<Vec<_>>()
        .join(", ")
}

/// The warning shown when a child is past the cap, naming the sessions past it.
pub fn over_cap_warning(report: &RespiteReport, this: Option<VisitId>) -> Option<String> {
    let l = &report.ledger;
    if !l.is_over_cap() {
        return None;
    }
    let cap = hours(l.cap_minutes.into());
    let over = hours(-l.remaining_minutes);
    let remaining = hours(l.remaining_minutes);
    let sessions = over_cap_sessions(report, this);
    Some(format!(
        "⚠ 上限超過: {label}の上限 {cap} を {over} 超えています（残り時間 {remaining}）。上限を超えた利用: {sessions}。事務所で確認してください。\n\
         ⚠ over cap: the {en} cap of {cap} is passed by {over} (remaining {remaining}); sessions past the cap: {sessions}. The office must review them.",
        label = report.fiscal_year_label,
        en = l.fiscal_year.english_label(),
    ))
}

/// The human respite report (`respite remaining`, `demo`).
pub fn print_respite(report: &RespiteReport) {
    let l = &report.ledger;
    out!("{} — 自治体 municipality: {}", report.child_name, municipality(&report.municipality, &report.municipality_name));
    out!("年度 fiscal year: {} ({})", report.fiscal_year_label, l.fiscal_year.english_label());
    out!("上限 cap: {}", hours(l.cap_minutes.into()));
    out!("使用 used: {}", hours(l.used_minutes.into()));
    out!("残り時間 remaining: {}", hours(l.remaining_minutes));
    out!("利用 sessions: {}", l.sessions.len());
    for s in &l.sessions {
        let over = if l.over_cap.contains(&s.visit_id) { "  ⚠ 上限超過 over cap" } else { "" };
        out!("  {}  {}  {}回 use(s)  {}{over}", when(s), hours(s.billable_minutes.into()), s.uses, s.visit_id);
    }
    if let Some(w) = over_cap_warning(report, None) {
        out!("{w}");
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn hours_have_one_decimal_and_may_be_negative() {
        assert_eq!(hours(16950), "282.5 h");
        assert_eq!(hours(8460), "141.0 h");
        assert_eq!(hours(-90), "-1.5 h");
    }
}
