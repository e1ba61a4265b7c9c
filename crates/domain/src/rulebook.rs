//! Municipality settings, checklist templates and stations' canned phrases (定型文) as
//! organisation data that changes over time.
//!
//! Each change is a new version that applies from a date ([`RuleVersion::effective_from`]); a
//! version never changes what applied before its date, so a visit is always checked, counted and
//! billed by the version in force on the visit's own date. The built-in settings
//! ([`MunicipalityRules::builtin`], [`crate::builtin_templates`]) are the first versions: they
//! apply until the first published version of that municipality or template.
//!
//! The [`RuleBook`]'s municipality settings and templates are the same on every device and on
//! the server (the server keeps the versions; devices fetch them at each sync), so the preview,
//! the ledger, validation and the claim all use one version for one date. Canned phrases are
//! station data: a device receives the lists of its own account's station only (the server
//! filters them per caller), and they decide nothing, they are only text to insert.

use serde::{Deserialize, Serialize};

use crate::calendar::Date;
use crate::checklist::{builtin_templates, validate_template, ChecklistTemplate};
use crate::phrases::{validate_phrases, PhraseList};
use crate::rules::MunicipalityRules;
use crate::validation::{labelled_enum, Problems};

labelled_enum! {
    /// What a version holds.
    pub enum RuleKind {
        /// A municipality's respite settings (keyed by its code).
        Municipality = ("municipality", "区市町村の設定", "municipality settings"),
        /// A checklist template (keyed by its id).
        Template = ("template", "チェックリストのひな形", "checklist template"),
        /// A station's canned phrases (keyed by its station id).
        Phrases = ("phrases", "定型文", "canned phrases"),
    }
}

/// One published version of a municipality's settings, of a template or of a station's
/// canned phrases: exactly one of `rules`, `template` and `phrases`.
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct RuleVersion {
    /// The municipality code, the template id or the station id.
    pub key: String,
    /// The first day it applies (JST).
    pub effective_from: Date,
    /// The settings, when a municipality's.
    pub rules: Option<MunicipalityRules>,
    /// The template, when a template.
    pub template: Option<ChecklistTemplate>,
    /// The canned phrases, when a station's (absent in what older servers and devices write,
    /// read as none).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub phrases: Option<PhraseList>,
    /// Who published it (the person's name, else the account name).
    pub author: String,
    /// Unix seconds it was published.
    #[cfg_attr(feature = "ts", ts(type = "number"))]
    pub recorded_at: i64,
}

impl RuleVersion {
    /// What it holds.
    pub fn kind(&self) -> RuleKind {
        if self.template.is_some() {
            RuleKind::Template
        } else if self.phrases.is_some() {
            RuleKind::Phrases
        } else {
            RuleKind::Municipality
        }
    }

    /// Problems with it: exactly one of `rules`, `template` and `phrases`, keyed by its code or
    /// id, and valid itself.
    pub fn validate(&self) -> Problems {
        let mut p = Problems::default();
        match (&self.rules, &self.template, &self.phrases) {
            (Some(r), None, None) => {
                if r.code != self.key {
                    p.push("key", "mismatch", "キーが区市町村コードと一致しません", "the key must be the municipality code");
                }
                p.extend_prefixed("rules", r.validate());
            }
            (None, Some(t), None) => {
                if t.id != self.key {
                    p.push("key", "mismatch", "キーがひな形のIDと一致しません", "the key must be the template id");
                }
                p.extend_prefixed("template", validate_template(t));
            }
            (None, None, Some(l)) => {
                if l.station_id != self.key {
                    p.push("key", "mismatch", "キーが定型文の事業所IDと一致しません", "the key must be the phrase list's station id");
                }
                p.extend_prefixed("phrases", validate_phrases(l));
            }
            _ => p.push(
                "rules",
                "one_of",
                "区市町村の設定・ひな形・定型文のどれか1つを指定してください",
                "give exactly one of rules, template and phrases",
            ),
        }
        p
    }
}

/// Every published version, the built-in settings underneath.
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct RuleBook {
    /// The versions, in any order.
    pub versions: Vec<RuleVersion>,
}

impl RuleBook {
    /// The version of `kind` for `key` in force on `date`: the one with the latest
    /// `effective_from` on or before it (the latest published wins a tie).
    fn in_force(&self, kind: RuleKind, key: &str, date: Date) -> Option<&RuleVersion> {
        self.versions
            .iter()
            .filter(|v| v.kind() == kind && v.key == key && v.effective_from <= date)
            .max_by_key(|v| (v.effective_from, v.recorded_at))
    }

    /// A municipality's settings in force on `date`: its latest version from on or before that
    /// date, else the built-in settings.
    pub fn rules_on(&self, code: &str, date: Date) -> MunicipalityRules {
        self.published_rules_on(code, date).unwrap_or_else(|| MunicipalityRules::builtin(code))
    }

    /// A municipality's published settings in force on `date`, if any version is.
    pub fn published_rules_on(&self, code: &str, date: Date) -> Option<MunicipalityRules> {
        self.in_force(RuleKind::Municipality, code, date).and_then(|v| v.rules.clone())
    }

    /// Whether any version of a municipality's settings has been published.
    pub fn has_rules(&self, code: &str) -> bool {
        self.versions.iter().any(|v| v.kind() == RuleKind::Municipality && v.key == code)
    }

    /// The checklist templates in force on `date`: each built-in one, or its latest version
    /// from on or before that date, then templates that exist only as published versions.
    pub fn templates_on(&self, date: Date) -> Vec<ChecklistTemplate> {
        self.templates_over(builtin_templates(), date)
    }

    /// `base` with each template replaced by its published version in force on `date`, and
    /// templates that exist only as published versions added.
    pub fn templates_over(&self, mut all: Vec<ChecklistTemplate>, date: Date) -> Vec<ChecklistTemplate> {
        let mut ids: Vec<&str> = self.versions.iter().filter(|v| v.kind() == RuleKind::Template).map(|v| v.key.as_str()).collect();
        ids.sort_unstable();
        ids.dedup();
        for id in ids {
            if let Some(t) = self.in_force(RuleKind::Template, id, date).and_then(|v| v.template.clone()) {
                match all.iter_mut().find(|b| b.id == id) {
                    Some(slot) => *slot = t,
                    None => all.push(t),
                }
            }
        }
        all
    }

    /// A station's canned phrases in force on `date`: its latest version from on or before that
    /// date (the latest published wins a tie), else an empty list.
    pub fn phrases_on(&self, station_id: &str, date: Date) -> PhraseList {
        self.in_force(RuleKind::Phrases, station_id, date)
            .and_then(|v| v.phrases.clone())
            .unwrap_or_else(|| PhraseList { station_id: station_id.to_string(), items: Vec::new() })
    }

    /// The book as `station_ids` see it: every municipality and template version, and the
    /// phrase lists of those stations only (`None`: every station's, for an administrator).
    pub fn visible_to(mut self, station_ids: Option<&[&str]>) -> RuleBook {
        if let Some(ids) = station_ids {
            self.versions.retain(|v| v.kind() != RuleKind::Phrases || ids.contains(&v.key.as_str()));
        }
        self
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::phrases::{Phrase, PhrasePlace};

    fn d(s: &str) -> Date {
        s.parse().unwrap()
    }

    fn version(code: &str, from: &str, cap_hours: u32, at: i64) -> RuleVersion {
        let mut rules = MunicipalityRules::builtin(code);
        rules.annual_cap_minutes = cap_hours * 60;
        RuleVersion {
            key: code.into(),
            effective_from: d(from),
            rules: Some(rules),
            template: None,
            phrases: None,
            author: "架空 事務".into(),
            recorded_at: at,
        }
    }

    #[test]
    fn the_version_in_force_on_a_date_decides_and_the_built_in_settings_come_first() {
        let book = RuleBook { versions: vec![version("13101", "2026-10-01", 200, 2), version("13101", "2027-04-01", 100, 1)] };
        let builtin = MunicipalityRules::builtin("13101").annual_cap_minutes;
        assert_eq!(book.rules_on("13101", d("2026-09-30")).annual_cap_minutes, builtin, "before the first version");
        assert_eq!(book.rules_on("13101", d("2026-10-01")).annual_cap_minutes, 200 * 60, "from its first day");
        assert_eq!(book.rules_on("13101", d("2027-03-31")).annual_cap_minutes, 200 * 60);
        assert_eq!(book.rules_on("13101", d("2027-04-01")).annual_cap_minutes, 100 * 60, "a later version, published earlier");
        assert_eq!(book.rules_on("13105", d("2027-04-01")), MunicipalityRules::builtin("13105"), "another municipality");
        // Two versions from the same day: the later published one.
        let mut book = book;
        book.versions.push(version("13101", "2026-10-01", 150, 3));
        assert_eq!(book.rules_on("13101", d("2026-12-01")).annual_cap_minutes, 150 * 60);
    }

    #[test]
    fn a_template_version_replaces_the_built_in_one_from_its_date_and_a_new_one_is_added() {
        let mut changed = builtin_templates().remove(0);
        changed.title_ja = "架空の見直し版".into();
        let mut own = changed.clone();
        own.id = "kakuu_own".into();
        let v = |t: &ChecklistTemplate, from: &str| RuleVersion {
            key: t.id.clone(),
            effective_from: d(from),
            rules: None,
            template: Some(t.clone()),
            phrases: None,
            author: "架空 事務".into(),
            recorded_at: 1,
        };
        let book = RuleBook { versions: vec![v(&changed, "2026-12-01"), v(&own, "2026-12-15")] };
        assert_eq!(book.templates_on(d("2026-11-30")), builtin_templates());
        let dec = book.templates_on(d("2026-12-01"));
        assert_eq!(dec.len(), builtin_templates().len());
        assert_eq!(dec.iter().find(|t| t.id == changed.id).unwrap().title_ja, "架空の見直し版");
        let later = book.templates_on(d("2026-12-15"));
        assert_eq!(later.len(), builtin_templates().len() + 1);
        assert!(later.iter().any(|t| t.id == "kakuu_own"));
    }

    #[test]
    fn a_version_holds_one_thing_under_its_own_key_and_is_valid() {
        let mut v = version("13101", "2026-10-01", 200, 1);
        assert!(v.validate().is_empty());
        v.key = "13105".into();
        assert!(v.validate().has_field("key"));
        v.key = "13101".into();
        v.rules.as_mut().unwrap().unit_minutes = 0;
        assert!(v.validate().0.iter().any(|p| p.field.starts_with("rules.")), "{:?}", v.validate());
        v.rules = None;
        assert!(v.validate().has_code("one_of"));
    }

    fn phrases(station: &str, from: &str, texts: &[&str], at: i64) -> RuleVersion {
        let items = texts.iter().map(|t| Phrase { text: t.to_string(), places: vec![PhrasePlace::Objective], category: String::new() });
        RuleVersion {
            key: station.into(),
            effective_from: d(from),
            rules: None,
            template: None,
            phrases: Some(PhraseList { station_id: station.into(), items: items.collect() }),
            author: "架空 事務".into(),
            recorded_at: at,
        }
    }

    #[test]
    fn a_station_s_phrases_in_force_are_its_latest_version_from_on_or_before_the_date() {
        let texts = |l: PhraseList| l.items.into_iter().map(|p| p.text).collect::<Vec<_>>();
        let book = RuleBook {
            versions: vec![
                phrases("st1", "2026-12-01", &["咳なし。"], 1),
                phrases("st1", "2027-01-01", &["咳なし。", "発熱なし。"], 2),
                phrases("st2", "2026-11-01", &["他の事業所。"], 3),
                version("13101", "2026-10-01", 200, 4),
            ],
        };
        assert!(texts(book.phrases_on("st1", d("2026-11-30"))).is_empty(), "before the first version");
        assert_eq!(book.phrases_on("st1", d("2026-11-30")).station_id, "st1");
        assert_eq!(texts(book.phrases_on("st1", d("2026-12-01"))), ["咳なし。"], "from its first day");
        assert_eq!(texts(book.phrases_on("st1", d("2026-12-31"))), ["咳なし。"]);
        assert_eq!(texts(book.phrases_on("st1", d("2027-01-01"))), ["咳なし。", "発熱なし。"]);
        assert_eq!(texts(book.phrases_on("st2", d("2027-01-01"))), ["他の事業所。"], "another station's own list");
        assert!(texts(book.phrases_on("st3", d("2027-01-01"))).is_empty());
        // Two versions from the same day: the later published one.
        let mut book = book;
        book.versions.push(phrases("st1", "2027-01-01", &["吸引後、SpO2 98%。"], 5));
        assert_eq!(texts(book.phrases_on("st1", d("2027-02-01"))), ["吸引後、SpO2 98%。"]);
        // A phrase list is neither settings nor a template.
        assert_eq!(book.rules_on("st1", d("2027-02-01")), MunicipalityRules::builtin("st1"));
        assert!(!book.has_rules("st1"));
        assert_eq!(book.templates_on(d("2027-02-01")), builtin_templates());
    }

    #[test]
    fn a_station_sees_its_own_phrases_and_every_setting() {
        let book = RuleBook {
            versions: vec![
                phrases("st1", "2026-12-01", &["咳なし。"], 1),
                phrases("st2", "2026-12-01", &["他。"], 2),
                version("13101", "2026-10-01", 200, 3),
            ],
        };
        let keys = |b: RuleBook| b.versions.into_iter().map(|v| v.key).collect::<Vec<_>>();
        assert_eq!(keys(book.clone().visible_to(Some(&["st1"]))), ["st1", "13101"]);
        assert_eq!(keys(book.clone().visible_to(Some(&["st3"]))), ["13101"]);
        assert_eq!(keys(book.visible_to(None)), ["st1", "st2", "13101"]);
    }

    #[test]
    fn a_phrase_version_is_keyed_by_its_station_and_valid_and_holds_nothing_else() {
        let mut v = phrases("st1", "2026-12-01", &["咳なし。"], 1);
        assert_eq!(v.kind(), RuleKind::Phrases);
        assert!(v.validate().is_empty(), "{}", v.validate());
        v.key = "st2".into();
        assert!(v.validate().has_field("key"));
        v.key = "st1".into();
        v.phrases.as_mut().unwrap().items.push(Phrase {
            text: "咳なし。".into(),
            places: vec![PhrasePlace::Care],
            category: String::new(),
        });
        assert!(v.validate().has_field("phrases.items[1].text"), "{}", v.validate());
        v.phrases.as_mut().unwrap().items.pop();
        v.rules = Some(MunicipalityRules::builtin("13101"));
        assert!(v.validate().has_code("one_of"));
    }

    #[test]
    fn a_version_written_before_phrases_existed_still_reads_and_is_written_the_same() {
        let old = version("13101", "2026-10-01", 200, 1);
        let json = serde_json::to_string(&old).unwrap();
        assert!(!json.contains("phrases"), "no new key in an old kind's body: {json}");
        let mut value: serde_json::Value = serde_json::from_str(&json).unwrap();
        value.as_object_mut().unwrap().remove("phrases");
        assert_eq!(serde_json::from_value::<RuleVersion>(value).unwrap(), old);
    }
}
