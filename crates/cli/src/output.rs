//! Shared output helpers: hours, JSON, the respite report and its over-cap warning, and the one
//! place text from records or the server is made safe for a terminal ([`shown`]).

use std::borrow::Cow;
use std::fmt;

use carebook_core::RespiteReport;
use carebook_domain::{RespiteUse, VisitId};
use serde::Serialize;

/// Whether `c` must not reach a terminal as it is: control characters (ESC starts escape
/// sequences, CR overwrites a line, NUL, DEL, the C1 controls), line and paragraph separators,
/// and the bidirectional embeddings, overrides and isolates that make text display other than
/// it is stored.
fn unsafe_char(c: char) -> bool {
    c.is_control() || matches!(c, '\u{2028}' | '\u{2029}') || carebook_domain::validation::is_bidi_control(c)
}

/// `s` with every character that must not reach a terminal written as `\u{1b}`; line breaks
/// too unless `keep_newlines` (then only `\n`: a CR before it is escaped).
pub fn escaped(s: &str, keep_newlines: bool) -> Cow<'_, str> {
    let unsafe_here = |c: char| unsafe_char(c) && !(keep_newlines && c == '\n');
    if !s.chars().any(unsafe_here) {
        return Cow::Borrowed(s);
    }
    let mut out = String::with_capacity(s.len() + 16);
    for c in s.chars() {
        if unsafe_here(c) {
            out.push_str(&format!("\\u{{{:x}}}", c as u32));
        } else {
            out.push(c);
        }
    }
    Cow::Owned(out)
}

/// Text from a record or the server, for one line of human output: control and bidirectional
/// characters (line breaks included) shown escaped, never raw. Every command prints record text
/// through this; [`out!`] escapes whatever else reaches it, line breaks aside.
pub fn shown(s: &str) -> Shown<'_> {
    Shown(s)
}

/// See [`shown`].
pub struct Shown<'a>(&'a str);

impl fmt::Display for Shown<'_> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&escaped(self.0, false))
    }
}

/// Multi-line text from a record (a SOAP section, a note): each line break starts a new line
/// indented by `indent`, everything else as [`shown`].
pub fn shown_lines(s: &str, indent: &str) -> String {
    escaped(s, true).replace('\n', &format!("\n{indent}"))
}

/// Serialised JSON made safe for a terminal: serde escapes the C0 controls; DEL, the C1
/// controls, line separators and bidirectional controls are escaped here as `\uXXXX`, which is
/// the same JSON (they can only occur inside strings).
pub fn json_safe(json: &str) -> Cow<'_, str> {
    if !json.chars().any(unsafe_char) {
        return Cow::Borrowed(json);
    }
    let mut out = String::with_capacity(json.len() + 16);
    for c in json.chars() {
        if unsafe_char(c) && c != '\n' {
            out.push_str(&format!("\\u{:04x}", c as u32));
        } else {
            out.push(c);
        }
    }
    Cow::Owned(out)
}

/// `141.0 h` (one decimal; negative allowed).
pub fn hours(minutes: i64) -> String {
    format!("{:.1} h", minutes as f64 / 60.0)
}

/// Prints a value as pretty JSON on stdout.
pub fn print_json<T: Serialize + ?Sized>(value: &T) -> anyhow::Result<()> {
    out!("{}", json_safe(&serde_json::to_string_pretty(value)?));
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

/// Unix seconds as `2026-06-01T09:00` in Japan time.
pub fn unix_jst(secs: i64) -> String {
    let minutes = secs.div_euclid(60) + 9 * 60;
    let date = carebook_domain::Date::from_days_since_epoch(minutes.div_euclid(1440));
    let m = minutes.rem_euclid(1440);
    format!("{date}T{:02}:{:02}", m / 60, m % 60)
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
    out!("{} — 自治体 municipality: {}", shown(&report.child_name), municipality(&report.municipality, &report.municipality_name));
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
    fn control_and_bidirectional_characters_are_shown_escaped() {
        let hostile = "見本\u{1b}[31m\u{0}\r\n\u{202E}はな\u{7f}\u{9b}\u{2028}";
        assert_eq!(shown(hostile).to_string(), "見本\\u{1b}[31m\\u{0}\\u{d}\\u{a}\\u{202e}はな\\u{7f}\\u{9b}\\u{2028}");
        assert_eq!(shown_lines("一行目\r\n二行目\u{1b}", "    "), "一行目\\u{d}\n    二行目\\u{1b}");
        assert!(matches!(escaped("見本 はな（架空）", false), Cow::Borrowed(_)), "plain text is not copied");
        let json = serde_json::to_string(&serde_json::json!({"name": hostile})).unwrap();
        let safe = json_safe(&json);
        assert!(!safe.chars().any(unsafe_char), "{safe}");
        let back: serde_json::Value = serde_json::from_str(&safe).unwrap();
        assert_eq!(back["name"], hostile, "the same JSON");
    }

    #[test]
    fn hours_have_one_decimal_and_may_be_negative() {
        assert_eq!(hours(16950), "282.5 h");
        assert_eq!(hours(8460), "141.0 h");
        assert_eq!(hours(-90), "-1.5 h");
    }
}
