//! Municipality settings and checklist templates as organisation data that changes over time.
//!
//! Each change is a new version that applies from a date ([`RuleVersion::effective_from`]); a
//! version never changes what applied before its date, so a visit is always checked, counted and
//! billed by the version in force on the visit's own date. The built-in settings
//! ([`MunicipalityRules::builtin`], [`crate::builtin_templates`]) are the first versions: they
//! apply until the first published version of that municipality or template.
//!
//! The [`RuleBook`] is the same on every device and on the server (the server keeps the
//! versions; devices fetch them at each sync), so the preview, the ledger, validation and the
//! claim all use one version for one date.

use serde::{Deserialize, Serialize};

use crate::calendar::Date;
use crate::checklist::{builtin_templates, validate_template, ChecklistTemplate};
use crate::rules::MunicipalityRules;
use crate::validation::{labelled_enum, Problems};

labelled_enum! {
    /// What a version holds.
    pub enum RuleKind {
        /// A municipality's respite settings (keyed by its code).
        Municipality = ("municipality", "区市町村の設定", "municipality settings"),
        /// A checklist template (keyed by its id).
        Template = ("template", "チェックリストのひな形", "checklist template"),
    }
}

/// One published version of a municipality's settings or of a template.
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct RuleVersion {
    /// The municipality code or the template id.
    pub key: String,
    /// The first day it applies (JST).
    pub effective_from: Date,
    /// The settings, when a municipality's.
    pub rules: Option<MunicipalityRules>,
    /// The template, when a template.
    pub template: Option<ChecklistTemplate>,
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
        } else {
            RuleKind::Municipality
        }
    }

    /// Problems with it: exactly one of `rules` and `template`, keyed by its code or id, and
    /// valid itself.
    pub fn validate(&self) -> Problems {
        let mut p = Problems::default();
        match (&self.rules, &self.template) {
            (Some(r), None) => {
                if r.code != self.key {
                    p.push("key", "mismatch", "キーが区市町村コードと一致しません", "the key must be the municipality code");
                }
                p.extend_prefixed("rules", r.validate());
            }
            (None, Some(t)) => {
                if t.id != self.key {
                    p.push("key", "mismatch", "キーがひな形のIDと一致しません", "the key must be the template id");
                }
                p.extend_prefixed("template", validate_template(t));
            }
            _ => p.push(
                "rules",
                "one_of",
                "区市町村の設定かひな形のどちらか一方を指定してください",
                "give exactly one of rules and template",
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
}

#[cfg(test)]
mod tests {
    use super::*;

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
}
