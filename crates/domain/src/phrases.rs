//! Canned phrases (定型文): the sentences a station's nurses write at almost every visit
//! (「吸引時、白色痰少量あり。」), kept by the station's office as a list that every tablet of
//! the station receives at sync, so a nurse inserts one into a SOAP field or a care note with a
//! tap, offline.
//!
//! A list is station data carried by the rule book ([`crate::RuleVersion::phrases`], keyed by
//! the station id): each change is a new version from a date, like municipality settings and
//! templates, and [`crate::RuleBook::phrases_on`] gives the list in force on a visit's date.
//! A phrase is only inserted text: what the nurse keeps in the record is what the record says.

use serde::{Deserialize, Serialize};

use crate::validation::{excerpt, is_blank, labelled_enum, Problems};

/// The most phrases in one station's list.
pub const PHRASES_MAX: usize = 200;
/// The most characters of one phrase.
pub const PHRASE_TEXT_MAX: usize = 200;
/// The most characters of a phrase's category label.
pub const PHRASE_CATEGORY_MAX: usize = 20;
/// The most characters of a station id.
const STATION_ID_MAX: usize = 64;

labelled_enum! {
    /// Where a phrase may be inserted.
    pub enum PhrasePlace {
        /// SOAP S: what the family or child said.
        Subjective = ("s", "S（主観）", "S (subjective)"),
        /// SOAP O: what was observed.
        Objective = ("o", "O（客観）", "O (objective)"),
        /// SOAP A: assessment.
        Assessment = ("a", "A（評価）", "A (assessment)"),
        /// SOAP P: plan.
        Plan = ("p", "P（計画）", "P (plan)"),
        /// A care entry's note.
        Care = ("care", "ケアのメモ", "care note"),
    }
}

/// One canned phrase.
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Phrase {
    /// The text inserted (one line).
    pub text: String,
    /// Where it may be inserted (at least one place).
    pub places: Vec<PhrasePlace>,
    /// A short label grouping phrases in the picker (吸引, 胃ろう …); empty for none.
    #[serde(default)]
    pub category: String,
}

/// A station's list of canned phrases.
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct PhraseList {
    /// The station whose list it is (the organisation id of its staff).
    pub station_id: String,
    /// The phrases, in the order the picker shows them.
    pub items: Vec<Phrase>,
}

impl PhraseList {
    /// The phrases that may be inserted at `place`, in list order.
    pub fn for_place(&self, place: PhrasePlace) -> impl Iterator<Item = &Phrase> {
        self.items.iter().filter(move |p| p.places.contains(&place))
    }
}

/// Problems with a list: a station id; at most [`PHRASES_MAX`] phrases; each one line of
/// 1–[`PHRASE_TEXT_MAX`] characters without control characters, not the same text as an
/// earlier one, with at least one place (none twice) and a category of at most
/// [`PHRASE_CATEGORY_MAX`] characters.
pub fn validate_phrases(list: &PhraseList) -> Problems {
    let mut p = Problems::new();
    if is_blank(&list.station_id) {
        p.push("station_id", "required", "事業所IDを指定してください", "the station id is empty");
    }
    p.text("station_id", &list.station_id, STATION_ID_MAX, false);
    if list.items.len() > PHRASES_MAX {
        p.push(
            "items",
            "too_many",
            format!("定型文は{PHRASES_MAX}件までです（{}件）", list.items.len()),
            format!("at most {PHRASES_MAX} phrases, got {}", list.items.len()),
        );
    }
    for (i, item) in list.items.iter().enumerate() {
        let text = format!("items[{i}].text");
        if is_blank(&item.text) {
            p.push(&text, "required", "定型文を入力してください", "the phrase is empty");
        } else if list.items[..i].iter().any(|o| o.text.trim() == item.text.trim()) {
            p.push(
                &text,
                "duplicate",
                format!("定型文「{}」が重複しています", excerpt(item.text.trim())),
                format!("the phrase \"{}\" appears twice", excerpt(item.text.trim())),
            );
        }
        p.text(&text, &item.text, PHRASE_TEXT_MAX, false);
        p.text(&format!("items[{i}].category"), &item.category, PHRASE_CATEGORY_MAX, false);
        let places = format!("items[{i}].places");
        if item.places.is_empty() {
            p.push(
                &places,
                "required",
                "使う欄（S・O・A・P・ケアのメモ）を1つ以上選んでください",
                "choose at least one place (s, o, a, p, care)",
            );
        } else if item.places.iter().enumerate().any(|(j, pl)| item.places[..j].contains(pl)) {
            p.push(&places, "duplicate", "同じ欄が2回指定されています", "a place is given twice");
        }
    }
    p
}

#[cfg(test)]
mod tests {
    use super::*;

    fn phrase(text: &str, places: &[PhrasePlace]) -> Phrase {
        Phrase { text: text.into(), places: places.to_vec(), category: String::new() }
    }

    fn list(items: Vec<Phrase>) -> PhraseList {
        PhraseList { station_id: "st1".into(), items }
    }

    #[test]
    fn a_good_list_is_valid_and_filters_by_place() {
        let l = list(vec![
            phrase("本人の機嫌良好。", &[PhrasePlace::Subjective, PhrasePlace::Objective]),
            phrase("胃ろう周囲の発赤なし。", &[PhrasePlace::Objective, PhrasePlace::Care]),
            phrase("次回も同様に観察する。", &[PhrasePlace::Plan]),
        ]);
        assert!(validate_phrases(&l).is_empty(), "{}", validate_phrases(&l));
        let texts = |pl| l.for_place(pl).map(|p| p.text.as_str()).collect::<Vec<_>>();
        assert_eq!(texts(PhrasePlace::Objective), ["本人の機嫌良好。", "胃ろう周囲の発赤なし。"]);
        assert_eq!(texts(PhrasePlace::Care), ["胃ろう周囲の発赤なし。"]);
        assert!(texts(PhrasePlace::Assessment).is_empty());
    }

    #[test]
    fn each_bound_is_named_at_its_field() {
        let s = &[PhrasePlace::Subjective];
        // 200 characters pass, 201 do not.
        let l = list(vec![phrase(&"あ".repeat(PHRASE_TEXT_MAX), s), phrase(&"い".repeat(PHRASE_TEXT_MAX + 1), s)]);
        let p = validate_phrases(&l);
        assert_eq!(p.0.len(), 1, "{p}");
        assert_eq!((p.0[0].field.as_str(), p.0[0].code.as_str()), ("items[1].text", "too_long"));
        // Empty or blank, and a line break (a control character in one line).
        let p = validate_phrases(&list(vec![phrase("", s), phrase("　", s), phrase("一行目\n二行目", s)]));
        assert!(p.0.iter().any(|x| x.field == "items[0].text" && x.code == "required"), "{p}");
        assert!(p.0.iter().any(|x| x.field == "items[1].text" && x.code == "required"), "{p}");
        assert!(p.0.iter().any(|x| x.field == "items[2].text" && x.code == "control_char"), "{p}");
        // No place, a place twice, a long category.
        let mut c = phrase("観察", &[PhrasePlace::Care, PhrasePlace::Care]);
        c.category = "か".repeat(PHRASE_CATEGORY_MAX + 1);
        let p = validate_phrases(&list(vec![phrase("記録", &[]), c]));
        assert!(p.0.iter().any(|x| x.field == "items[0].places" && x.code == "required"), "{p}");
        assert!(p.0.iter().any(|x| x.field == "items[1].places" && x.code == "duplicate"), "{p}");
        assert!(p.0.iter().any(|x| x.field == "items[1].category" && x.code == "too_long"), "{p}");
        // 200 phrases pass, 201 do not.
        let many = |n: usize| list((0..n).map(|i| phrase(&format!("定型文{i}"), s)).collect());
        assert!(validate_phrases(&many(PHRASES_MAX)).is_empty());
        let p = validate_phrases(&many(PHRASES_MAX + 1));
        assert_eq!(p.0.len(), 1, "{p}");
        assert_eq!((p.0[0].field.as_str(), p.0[0].code.as_str()), ("items", "too_many"));
        // No station.
        let mut l = many(1);
        l.station_id = String::new();
        assert!(validate_phrases(&l).has_field("station_id"));
    }

    #[test]
    fn the_same_phrase_twice_is_refused_at_the_second() {
        let s = &[PhrasePlace::Subjective];
        let p = validate_phrases(&list(vec![phrase("発熱なし。", s), phrase("咳なし。", s), phrase(" 発熱なし。", s)]));
        assert_eq!(p.0.len(), 1, "{p}");
        assert_eq!((p.0[0].field.as_str(), p.0[0].code.as_str()), ("items[2].text", "duplicate"));
        assert!(p.0[0].ja.contains("発熱なし。") && p.0[0].en.contains("appears twice"));
    }

    #[test]
    fn a_list_round_trips_through_json_and_a_missing_category_is_empty() {
        let l: PhraseList = serde_json::from_str(r#"{"station_id":"st1","items":[{"text":"咳なし。","places":["s","care"]}]}"#).unwrap();
        assert_eq!(l.items[0].places, [PhrasePlace::Subjective, PhrasePlace::Care]);
        assert_eq!(l.items[0].category, "");
        let back: PhraseList = serde_json::from_str(&serde_json::to_string(&l).unwrap()).unwrap();
        assert_eq!(back, l);
        assert!(serde_json::from_str::<PhraseList>(r#"{"station_id":"st1","items":[{"text":"x","places":["q"]}]}"#).is_err());
    }
}
