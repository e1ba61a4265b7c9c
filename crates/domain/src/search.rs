//! Search on the device: what a visit's searchable text is, how text is cut into the terms a
//! full-text index holds, and how a nurse's query is read.
//!
//! Japanese is written without spaces, so words cannot be split on them. The text is instead
//! cut into overlapping pairs of characters (bigrams, as search engines do for Chinese,
//! Japanese and Korean), so that any run of two or more characters in a query is found as the
//! same pairs at consecutive positions, and a single character as the pairs it starts. Latin
//! letters and digits stay whole words, matched by their beginning (`spo` finds `SpO2`). Both
//! sides are first folded the same way ([`normalize`]): full-width and half-width forms
//! (NFKC), upper and lower case, katakana and hiragana, so `ヤマダ`, `やまだ` and `ﾔﾏﾀﾞ` are one.
//!
//! A query is words separated by spaces; a visit must match every word. A word that reads as a
//! date (`2026-12-02`, `12/2`, `12月2日`, `令和8年12月2日`, `2026年12月`) filters by the visit's
//! date instead ([`DateFilter`]).

use autosurgeon::Hydrate;
use serde::{Deserialize, Serialize};
use unicode_normalization::UnicodeNormalization;

use crate::calendar::{Date, YearMonth};
use crate::ids::VisitId;
use crate::visit::{SoapNote, Visit};

/// `text` folded for matching: NFKC (full-width Latin and digits to ASCII, half-width katakana
/// to full-width), lower case, and katakana as hiragana.
pub fn normalize(text: &str) -> String {
    text.nfkc()
        .flat_map(char::to_lowercase)
        .map(|c| match c {
            // ァ (U+30A1) … ヶ (U+30F6) are ぁ (U+3041) … ゖ (U+3096) plus 0x60.
            '\u{30A1}'..='\u{30F6}' => char::from_u32(c as u32 - 0x60).unwrap_or(c),
            _ => c,
        })
        .collect()
}

/// One stretch of characters that belong together: an ASCII word, or a run of other letters
/// (kanji, kana …).
#[derive(Debug, PartialEq, Eq)]
enum Run {
    Word(String),
    Chars(Vec<char>),
}

/// The runs of folded `text`, in order; anything but a letter or digit separates them.
fn runs(folded: &str) -> Vec<Run> {
    let mut out = Vec::new();
    let mut word = String::new();
    let mut chars = Vec::new();
    for c in folded.chars() {
        if c.is_ascii_alphanumeric() {
            if !chars.is_empty() {
                out.push(Run::Chars(std::mem::take(&mut chars)));
            }
            word.push(c);
        } else if c.is_alphanumeric() && !c.is_ascii() {
            if !word.is_empty() {
                out.push(Run::Word(std::mem::take(&mut word)));
            }
            chars.push(c);
        } else {
            if !word.is_empty() {
                out.push(Run::Word(std::mem::take(&mut word)));
            }
            if !chars.is_empty() {
                out.push(Run::Chars(std::mem::take(&mut chars)));
            }
        }
    }
    if !word.is_empty() {
        out.push(Run::Word(word));
    }
    if !chars.is_empty() {
        out.push(Run::Chars(chars));
    }
    out
}

/// The pairs of a run of characters, then its last character alone: `低下あり` gives `低下 下あ
/// あり り`. The lone last character lets a one-character query find a run's last character,
/// which starts no pair.
fn push_pairs(run: &[char], terms: &mut Vec<String>) {
    for pair in run.windows(2) {
        terms.push(pair.iter().collect());
    }
    if let Some(last) = run.last() {
        terms.push(last.to_string());
    }
}

/// The terms the full-text index holds for `text`, separated by spaces (the index splits on
/// nothing else: SQLite's `ascii` tokenizer, for which every non-ASCII character is part of a
/// term).
pub fn index_terms(text: &str) -> String {
    let mut terms = Vec::new();
    for run in runs(&normalize(text)) {
        match run {
            Run::Word(w) => terms.push(w),
            Run::Chars(c) => push_pairs(&c, &mut terms),
        }
    }
    terms.join(" ")
}

/// The full-text query (SQLite FTS5 syntax) that finds `word` anywhere in text indexed with
/// [`index_terms`]: its terms as one phrase, the last a prefix where the word may go on in the
/// text. `None` when the word has no letter or digit.
pub fn match_expression(word: &str) -> Option<String> {
    let runs = runs(&normalize(word));
    let mut terms = Vec::new();
    let mut prefix = false;
    for (i, run) in runs.iter().enumerate() {
        let last = i + 1 == runs.len();
        match run {
            Run::Word(w) => {
                terms.push(w.clone());
                prefix = last;
            }
            // The last run may go on in the text: its pairs only (not the lone last character,
            // which the text has only where its own run ends there), or a lone character as the
            // start of a pair.
            Run::Chars(c) if last && c.len() == 1 => {
                terms.push(c[0].to_string());
                prefix = true;
            }
            Run::Chars(c) if last => terms.extend(c.windows(2).map(|p| p.iter().collect::<String>())),
            Run::Chars(c) => push_pairs(c, &mut terms),
        }
    }
    if terms.is_empty() {
        return None;
    }
    // Terms hold only letters and digits, so no quote needs escaping.
    Some(format!("\"{}\"{}", terms.join(" "), if prefix { " *" } else { "" }))
}

/// Whether `word` is found in `text` when both are folded ([`normalize`]) and spaces ignored:
/// names (`山田 太郎` is found by `山田太郎`).
pub fn name_matches(text: &str, word: &str) -> bool {
    let squeeze = |s: &str| normalize(s).chars().filter(|c| !c.is_whitespace()).collect::<String>();
    let word = squeeze(word);
    !word.is_empty() && squeeze(text).contains(&word)
}

/// A date in a query.
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "kind", rename_all = "snake_case")]
pub enum DateFilter {
    /// One day: `2026-12-02`, `2026年12月2日`, `令和8年12月2日`.
    Day {
        /// The day.
        date: Date,
    },
    /// One month: `2026-12`, `2026年12月`, `令和8年12月`.
    Month {
        /// The month.
        month: YearMonth,
    },
    /// A day of any year: `12/2`, `12月2日`.
    MonthDay {
        /// 1–12.
        month: u8,
        /// 1–31.
        day: u8,
    },
}

impl DateFilter {
    /// Reads `word` as a date, or `None`.
    pub fn parse(word: &str) -> Option<DateFilter> {
        let w = normalize(word);
        // An era name first: 令和 N 年 (元年 is 1), 平成 N 年.
        let (era, rest) = [("令和", 2018), ("平成", 1988)]
            .iter()
            .find_map(|(name, base)| w.strip_prefix(name).map(|r| (Some(*base), r.replacen('元', "1", 1))))
            .unwrap_or((None, w.clone()));
        // Numbers and what follows each: 年, 月, 日, or a separator.
        let mut parts: Vec<(u32, char)> = Vec::new();
        let mut digits = String::new();
        for c in rest.chars() {
            if c.is_ascii_digit() {
                digits.push(c);
                continue;
            }
            if digits.is_empty() || digits.len() > 4 || !matches!(c, '年' | '月' | '日' | '-' | '/' | '.') {
                return None;
            }
            parts.push((digits.parse().ok()?, c));
            digits.clear();
        }
        if !digits.is_empty() {
            if digits.len() > 4 {
                return None;
            }
            parts.push((digits.parse().ok()?, ' '));
        }
        let day = |y: u32, m: u32, d: u32| Date::new(i32::try_from(y).ok()?, u8::try_from(m).ok()?, u8::try_from(d).ok()?);
        let year = |y: u32| match era {
            Some(base) if (1..=99).contains(&y) => Some(base + y),
            Some(_) => None,
            None if (1000..=9999).contains(&y) => Some(y),
            None => None,
        };
        let sep = |c: char| matches!(c, '-' | '/' | '.');
        match parts.as_slice() {
            [(y, '年'), (m, '月'), (d, '日' | ' ')] => Some(DateFilter::Day { date: day(year(*y)?, *m, *d)? }),
            [(y, '年'), (m, '月' | ' ')] => {
                let first = day(year(*y)?, *m, 1)?;
                Some(DateFilter::Month { month: first.year_month() })
            }
            [(y, a), (m, b), (d, ' ')] if sep(*a) && a == b && era.is_none() => Some(DateFilter::Day { date: day(year(*y)?, *m, *d)? }),
            [(y, a), (m, ' ')] if sep(*a) && *y >= 1000 && era.is_none() => {
                let first = day(year(*y)?, *m, 1)?;
                Some(DateFilter::Month { month: first.year_month() })
            }
            [(m, '月'), (d, '日' | ' ')] | [(m, '/'), (d, ' ')] if era.is_none() => {
                // Checked against a leap year, so 2/29 is a day some year has.
                day(2024, *m, *d)?;
                Some(DateFilter::MonthDay { month: u8::try_from(*m).ok()?, day: u8::try_from(*d).ok()? })
            }
            _ => None,
        }
    }

    /// Whether `date` is in it.
    pub fn contains(self, date: Date) -> bool {
        match self {
            DateFilter::Day { date: d } => date == d,
            DateFilter::Month { month } => date.year_month() == month,
            DateFilter::MonthDay { month, day } => date.month() == month && date.day() == day,
        }
    }
}

/// A query read into its words and dates.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct SearchQuery {
    /// Words to find (each in the child's name or kana, or in the visit's text), as typed.
    pub words: Vec<String>,
    /// Dates the visit must fall on (every one).
    pub dates: Vec<DateFilter>,
}

impl SearchQuery {
    /// Reads `query`: words separated by spaces (full-width ones too), each a date or a word to
    /// find. Words without a letter or digit are left out.
    pub fn parse(query: &str) -> SearchQuery {
        let mut q = SearchQuery::default();
        for word in query.split(|c: char| c.is_whitespace()).filter(|w| !w.is_empty()) {
            if let Some(d) = DateFilter::parse(word) {
                q.dates.push(d);
            } else if match_expression(word).is_some() {
                q.words.push(word.to_string());
            }
        }
        q
    }

    /// Whether nothing is asked.
    pub fn is_empty(&self) -> bool {
        self.words.is_empty() && self.dates.is_empty()
    }
}

/// The free text of a visit, and nothing else: the fields search reads from a document without
/// hydrating the whole visit (see [`load_visit_text`]).
#[derive(Debug, Clone, PartialEq, Eq, Hydrate)]
pub(crate) struct VisitTextView {
    pub(crate) id: VisitId,
    note: SoapNote,
    care: Vec<NoteOnly>,
    checklist: ChecklistNotes,
    handover: Option<HandoverText>,
    #[autosurgeon(missing = "Default::default")]
    returned: Option<ReasonOnly>,
}

#[derive(Debug, Clone, PartialEq, Eq, Hydrate)]
struct NoteOnly {
    note: String,
}

#[derive(Debug, Clone, PartialEq, Eq, Hydrate)]
struct ChecklistNotes {
    items: std::collections::BTreeMap<String, NoteOnly>,
}

#[derive(Debug, Clone, PartialEq, Eq, Hydrate)]
struct HandoverText {
    topics: Vec<TopicText>,
}

#[derive(Debug, Clone, PartialEq, Eq, Hydrate)]
struct TopicText {
    topic: String,
    detail: String,
}

#[derive(Debug, Clone, PartialEq, Eq, Hydrate)]
struct ReasonOnly {
    reason: String,
}

/// A visit's searchable text: its SOAP note, care notes, checklist notes, handover topics and
/// the office's reason for sending it back, one per line (empty ones left out).
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct VisitText(pub String);

impl VisitText {
    fn from_parts<'a>(parts: impl IntoIterator<Item = &'a str>) -> VisitText {
        VisitText(parts.into_iter().map(str::trim).filter(|s| !s.is_empty()).collect::<Vec<_>>().join("\n"))
    }

    /// The line of the text that has the most of `words` (the first of equals), cut to about
    /// `max` characters around the first word found there: what a search result shows.
    pub fn excerpt(&self, words: &[String], max: usize) -> Option<String> {
        let folded: Vec<String> = words.iter().map(|w| normalize(w)).collect();
        let (line, _) =
            self.0.lines().map(|l| (l, folded.iter().filter(|w| normalize(l).contains(w.as_str())).count())).filter(|(_, n)| *n > 0).fold(
                None::<(&str, usize)>,
                |best, (l, n)| match best {
                    Some((_, m)) if m >= n => best,
                    _ => Some((l, n)),
                },
            )?;
        let chars: Vec<char> = line.chars().collect();
        if chars.len() <= max {
            return Some(line.to_string());
        }
        // Where the first word found starts, in characters of the line (normalising each
        // character on its own keeps positions; the few that fold to two are rare in notes).
        let per_char: Vec<String> = chars.iter().map(|c| normalize(&c.to_string())).collect();
        let at = folded
            .iter()
            .filter_map(|w| {
                let first = w.chars().next()?.to_string();
                (0..chars.len()).find(|&i| per_char[i] == first && per_char[i..].concat().starts_with(w.as_str()))
            })
            .min()
            .unwrap_or(0);
        let start = at.saturating_sub(max / 3).min(chars.len() - max);
        let body: String = chars[start..start + max].iter().collect();
        Some(format!("{}{}{}", if start > 0 { "…" } else { "" }, body, if start + max < chars.len() { "…" } else { "" }))
    }
}

impl VisitTextView {
    pub(crate) fn text(&self) -> VisitText {
        text_of(
            &self.note,
            self.care.iter().map(|c| c.note.as_str()),
            self.checklist.items.values().map(|e| e.note.as_str()),
            self.handover.iter().flat_map(|h| h.topics.iter().map(|t| (t.topic.as_str(), t.detail.as_str()))),
            self.returned.as_ref().map(|r| r.reason.as_str()),
        )
    }
}

impl Visit {
    /// The searchable text ([`VisitText`]); the same as [`load_visit_text`] reads from its
    /// document.
    pub fn search_text(&self) -> VisitText {
        text_of(
            &self.note,
            self.care.iter().map(|c| c.note.as_str()),
            self.checklist.items.values().map(|e| e.note.as_str()),
            self.handover.iter().flat_map(|h| h.topics.iter().map(|t| (t.topic.as_str(), t.detail.as_str()))),
            self.returned.as_ref().map(|r| r.reason.as_str()),
        )
    }
}

/// The one order of a visit's text, from the whole visit or from its text fields alone.
fn text_of<'a>(
    note: &'a SoapNote,
    care: impl Iterator<Item = &'a str>,
    checklist: impl Iterator<Item = &'a str>,
    topics: impl Iterator<Item = (&'a str, &'a str)>,
    returned: Option<&'a str>,
) -> VisitText {
    VisitText::from_parts(
        [note.subjective.as_str(), note.objective.as_str(), note.assessment.as_str(), note.plan.as_str()]
            .into_iter()
            .chain(care)
            .chain(checklist)
            .chain(topics.flat_map(|(t, d)| [t, d]))
            .chain(returned),
    )
}

pub use crate::document::load_visit_text;

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn folding_joins_widths_cases_and_kana() {
        assert_eq!(normalize("ＳｐＯ２"), "spo2");
        assert_eq!(normalize("ヤマダ"), "やまだ");
        assert_eq!(normalize("ﾔﾏﾀﾞ"), "やまだ");
        // The long-vowel mark and kanji stay as they are.
        assert_eq!(normalize("ケーキ食"), "けーき食");
    }

    #[test]
    fn terms_are_pairs_with_the_last_alone_and_latin_words_whole() {
        assert_eq!(index_terms("SpO2低下あり。吸引"), "spo2 低下 下あ あり り 吸引 引");
        assert_eq!(index_terms("熱"), "熱");
        // NFKC writes ℃ as °C; the degree sign separates.
        assert_eq!(index_terms("38.5℃"), "38 5 c");
        assert_eq!(index_terms("、。 "), "");
    }

    #[test]
    fn query_words_become_phrases() {
        assert_eq!(match_expression("低下").as_deref(), Some("\"低下\""));
        assert_eq!(match_expression("下あり").as_deref(), Some("\"下あ あり\""));
        assert_eq!(match_expression("熱").as_deref(), Some("\"熱\" *"));
        assert_eq!(match_expression("spo").as_deref(), Some("\"spo\" *"));
        // A run before the last keeps its lone last character: the text's run ends there too.
        assert_eq!(match_expression("低下SpO").as_deref(), Some("\"低下 下 spo\" *"));
        assert_eq!(match_expression("、"), None);
    }

    /// Every way a query word can sit in a text: the phrase's terms are a run of the text's
    /// terms (checked here as a substring of the terms with the prefix ending anywhere).
    #[test]
    fn a_word_found_in_the_text_has_its_terms_in_the_texts_terms() {
        let text = "昨夜は痰が多く、SpO2は96%。吸引6回";
        for word in ["昨夜", "夜は痰", "痰", "回", "多く", "spo2", "SpO", "96", "吸引6", "吸引6回"] {
            let e = match_expression(word).unwrap();
            let phrase = e.trim_end_matches(" *").trim_matches('"').to_string();
            let terms = format!(" {} ", index_terms(text));
            let found = if e.ends_with('*') { terms.contains(&format!(" {phrase}")) } else { terms.contains(&format!(" {phrase} ")) };
            assert!(found, "{word}: {e} not in {terms}");
        }
    }

    #[test]
    fn dates_in_every_usual_form() {
        let day = |y, m, d| Some(DateFilter::Day { date: Date::new(y, m, d).unwrap() });
        let month = |y, m| Some(DateFilter::Month { month: Date::new(y, m, 1).unwrap().year_month() });
        assert_eq!(DateFilter::parse("2026-12-02"), day(2026, 12, 2));
        assert_eq!(DateFilter::parse("2026/12/2"), day(2026, 12, 2));
        assert_eq!(DateFilter::parse("２０２６年１２月２日"), day(2026, 12, 2));
        assert_eq!(DateFilter::parse("令和8年12月2日"), day(2026, 12, 2));
        assert_eq!(DateFilter::parse("令和元年5月1日"), day(2019, 5, 1));
        assert_eq!(DateFilter::parse("平成31年4月30日"), day(2019, 4, 30));
        assert_eq!(DateFilter::parse("2026年12月"), month(2026, 12));
        assert_eq!(DateFilter::parse("2026-12"), month(2026, 12));
        assert_eq!(DateFilter::parse("12/2"), Some(DateFilter::MonthDay { month: 12, day: 2 }));
        assert_eq!(DateFilter::parse("2月29日"), Some(DateFilter::MonthDay { month: 2, day: 29 }));
        for not in ["2026-13-01", "2/30", "12", "12月", "吸引", "38.5", "2026-12/02", "令和8-12-2", "99999/1/1"] {
            assert_eq!(DateFilter::parse(not), None, "{not}");
        }
    }

    #[test]
    fn a_query_splits_on_any_space() {
        let q = SearchQuery::parse("やまだ\u{3000}12/2  吸引 、");
        assert_eq!(q.words, vec!["やまだ".to_string(), "吸引".to_string()]);
        assert_eq!(q.dates, vec![DateFilter::MonthDay { month: 12, day: 2 }]);
        assert!(SearchQuery::parse(" 、 ").is_empty());
    }

    #[test]
    fn names_match_without_spaces_in_any_kana() {
        assert!(name_matches("見本 花子", "見本花子"));
        assert!(name_matches("みほん はなこ", "ハナコ"));
        assert!(!name_matches("見本 花子", "架空"));
        assert!(!name_matches("見本 花子", " "));
    }

    #[test]
    fn the_excerpt_is_the_line_with_most_words_cut_around_the_first() {
        let t = VisitText("体温37.2℃\n痰は白色、吸引6回。\n吸引カテーテルの補充を確認".into());
        assert_eq!(t.excerpt(&["吸引".into(), "白色".into()], 40).as_deref(), Some("痰は白色、吸引6回。"));
        assert_eq!(t.excerpt(&["ｶﾃｰﾃﾙ".into()], 40).as_deref(), Some("吸引カテーテルの補充を確認"));
        assert_eq!(t.excerpt(&["胃ろう".into()], 40), None);
        let long = VisitText(format!("{}吸引{}", "あ".repeat(50), "い".repeat(50)));
        // 12 characters starting 4 before 吸引 (at 50).
        assert_eq!(long.excerpt(&["吸引".into()], 12).as_deref(), Some("…ああああ吸引いいいいいい…"));
    }
}
