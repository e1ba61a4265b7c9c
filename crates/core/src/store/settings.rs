//! Device settings, municipality rules and checklist templates.

use carebook_domain::{ChecklistTemplate, Message, MunicipalityRules};
use sqlx::Sqlite;

use super::Store;
use crate::error::CoreError;

impl Store {
    /// A municipality's rules: the office's own row, else the built-in settings.
    pub async fn rules(&self, code: &str) -> Result<MunicipalityRules, CoreError> {
        rules_in(&self.pool, code).await
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

    /// Checklist templates: built-in ones, then the office's own.
    pub async fn templates(&self) -> Result<Vec<ChecklistTemplate>, CoreError> {
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

pub(super) async fn rules_in<'e, E: sqlx::Executor<'e, Database = Sqlite>>(ex: E, code: &str) -> Result<MunicipalityRules, CoreError> {
    let json: Option<String> =
        sqlx::query_scalar("SELECT rules_json FROM municipality_rules WHERE code = ?1").bind(code).fetch_optional(ex).await?;
    match json {
        Some(j) => serde_json::from_str(&j)
            .map_err(|e| CoreError::step(Message::new(format!("保存された {code} の市町村ルール"), format!("stored rules for {code}")), e)),
        None => Ok(MunicipalityRules::builtin(code)),
    }
}
