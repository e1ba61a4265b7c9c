//! Device settings, municipality rules and checklist templates.

use std::collections::HashMap;

use carebook_domain::{ChecklistTemplate, Date, Message, MunicipalityRules, RuleBook};
use sqlx::Sqlite;

use super::Store;
use crate::error::CoreError;

/// The device setting holding the published settings and templates as last synced.
pub(crate) const RULE_BOOK: &str = "rule_book";

impl Store {
    /// A municipality's rules in force today (see [`Store::rules_on`]).
    pub async fn rules(&self, code: &str) -> Result<MunicipalityRules, CoreError> {
        self.rules_on(code, crate::clock::today_jst()).await
    }

    /// A municipality's rules in force on `date`: the published version in force then (synced
    /// from the server), else this device's own row (set before settings were shared), else
    /// the built-in settings.
    pub async fn rules_on(&self, code: &str, date: Date) -> Result<MunicipalityRules, CoreError> {
        match book_in(&self.pool).await?.published_rules_on(code, date) {
            Some(r) => Ok(r),
            None => rules_in(&self.pool, code).await,
        }
    }

    /// The settings of `code` in force on each of `days`, the book read once (as
    /// [`Store::rules_on`] for each day).
    pub async fn rules_on_days(
        &self,
        code: &str,
        days: impl IntoIterator<Item = Date>,
    ) -> Result<HashMap<Date, MunicipalityRules>, CoreError> {
        let book = book_in(&self.pool).await?;
        let mut local: Option<MunicipalityRules> = None;
        let mut out = HashMap::new();
        for day in days {
            let rules = match book.published_rules_on(code, day) {
                Some(r) => r,
                None => match &local {
                    Some(r) => r.clone(),
                    None => {
                        let r = rules_in(&self.pool, code).await?;
                        local = Some(r.clone());
                        r
                    }
                },
            };
            out.insert(day, rules);
        }
        Ok(out)
    }

    /// The published settings and templates as last synced (empty before the first sync).
    pub async fn rule_book(&self) -> Result<RuleBook, CoreError> {
        book_in(&self.pool).await
    }

    /// Replaces the synced settings, templates and canned phrases, and re-derives the index when
    /// the settings or templates changed (billable minutes depend on them): a change of a
    /// station's canned phrases alone re-derives nothing (at 10k visits a rebuild takes seconds).
    pub async fn set_rule_book(&self, json: &str) -> Result<(), CoreError> {
        let new: RuleBook = serde_json::from_str(json).map_err(|e| CoreError::step(Message::new("設定の版", "rule book"), e))?;
        let old = self.rule_book().await?;
        self.set_setting(RULE_BOOK, json).await?;
        if index_part(&old) != index_part(&new) {
            self.rebuild_index().await?;
        }
        Ok(())
    }

    /// Saves a municipality's rules and re-derives the index (billable minutes depend on them).
    pub async fn set_rules(&self, rules: &MunicipalityRules) -> Result<(), CoreError> {
        rules.validate().into_result()?;
        let json = serde_json::to_string(rules)?;
        sqlx::query("INSERT INTO municipality_rules (code, rules_json) VALUES (?1, ?2) ON CONFLICT (code) DO UPDATE SET rules_json = excluded.rules_json")
            .bind(&rules.code)
            .bind(json)
            .execute(&self.pool)
            .await?;
        self.rebuild_index().await?;
        Ok(())
    }

    /// Checklist templates in force today (see [`Store::templates_on`]).
    pub async fn templates(&self) -> Result<Vec<ChecklistTemplate>, CoreError> {
        self.templates_on(crate::clock::today_jst()).await
    }

    /// Checklist templates in force on `date`: built-in ones, this device's own (from before
    /// templates were shared), then the published versions in force then.
    pub async fn templates_on(&self, date: Date) -> Result<Vec<ChecklistTemplate>, CoreError> {
        let local = self.local_templates().await?;
        Ok(book_in(&self.pool).await?.templates_over(local, date))
    }

    async fn local_templates(&self) -> Result<Vec<ChecklistTemplate>, CoreError> {
        let mut all = carebook_domain::builtin_templates();
        let rows: Vec<String> =
            sqlx::query_scalar("SELECT template_json FROM checklist_templates ORDER BY id").fetch_all(&self.pool).await?;
        for json in rows {
            let t: ChecklistTemplate = serde_json::from_str(&json)
                .map_err(|e| CoreError::step(Message::new("保存されたチェックリストのひな形", "stored checklist template"), e))?;
            all.retain(|b| b.id != t.id);
            all.push(t);
        }
        Ok(all)
    }

    /// Adds or replaces an office template.
    pub async fn put_template(&self, t: &ChecklistTemplate) -> Result<(), CoreError> {
        carebook_domain::validate_template(t).into_result()?;
        let json = serde_json::to_string(t)?;
        sqlx::query("INSERT INTO checklist_templates (id, template_json) VALUES (?1, ?2) ON CONFLICT (id) DO UPDATE SET template_json = excluded.template_json")
            .bind(&t.id)
            .bind(json)
            .execute(&self.pool)
            .await?;
        Ok(())
    }

    /// A device setting.
    pub async fn setting(&self, key: &str) -> Result<Option<String>, CoreError> {
        sqlx::query_scalar("SELECT value FROM device WHERE key = ?1").bind(key).fetch_optional(&self.pool).await.map_err(CoreError::from)
    }

    /// Sets a device setting.
    pub async fn set_setting(&self, key: &str, value: &str) -> Result<(), CoreError> {
        sqlx::query("INSERT INTO device (key, value) VALUES (?1, ?2) ON CONFLICT (key) DO UPDATE SET value = excluded.value")
            .bind(key)
            .bind(value)
            .execute(&self.pool)
            .await?;
        Ok(())
    }

    /// Removes device settings.
    pub async fn remove_settings(&self, keys: &[&str]) -> Result<(), CoreError> {
        for key in keys {
            sqlx::query("DELETE FROM device WHERE key = ?1").bind(key).execute(&self.pool).await?;
        }
        Ok(())
    }
}

/// The synced settings and templates, read in `ex`.
pub(super) async fn book_in<'e, E: sqlx::Executor<'e, Database = Sqlite>>(ex: E) -> Result<RuleBook, CoreError> {
    let json: Option<String> = sqlx::query_scalar("SELECT value FROM device WHERE key = ?1").bind(RULE_BOOK).fetch_optional(ex).await?;
    match json {
        Some(j) => serde_json::from_str(&j).map_err(|e| CoreError::step(Message::new("保存された設定の版", "stored rule book"), e)),
        None => Ok(RuleBook::default()),
    }
}

pub(super) async fn rules_in<'e, E: sqlx::Executor<'e, Database = Sqlite>>(ex: E, code: &str) -> Result<MunicipalityRules, CoreError> {
    let json: Option<String> =
        sqlx::query_scalar("SELECT rules_json FROM municipality_rules WHERE code = ?1").bind(code).fetch_optional(ex).await?;
    match json {
        Some(j) => serde_json::from_str(&j)
            .map_err(|e| CoreError::step(Message::new(format!("保存された {code} の市町村ルール"), format!("stored rules for {code}")), e)),
        None => Ok(MunicipalityRules::builtin(code)),
    }
}

/// The versions of a rule book the index is derived from (settings and templates, not canned
/// phrases), in one order.
fn index_part(book: &RuleBook) -> Vec<&carebook_domain::RuleVersion> {
    let mut v: Vec<_> = book.versions.iter().filter(|v| v.kind() != carebook_domain::RuleKind::Phrases).collect();
    v.sort_by(|a, b| {
        (a.kind().name(), &a.key, a.effective_from, a.recorded_at).cmp(&(b.kind().name(), &b.key, b.effective_from, b.recorded_at))
    });
    v
}
