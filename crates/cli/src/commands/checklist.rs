//! `carebook checklist templates|publish`.

use std::path::PathBuf;

use anyhow::Context as _;
use carebook_domain::{ChecklistTemplate, Date, RuleVersion};
use clap::Subcommand;

use crate::output::{print_json, shown};
use crate::Env;

#[derive(Debug, Subcommand)]
pub enum ChecklistCmd {
    /// テンプレートの一覧 / list the checklist templates (built-in and the office's own).
    Templates {
        /// この日に使えるひな形 / the templates in force on this date (default: today).
        #[arg(long, value_name = "DATE")]
        on: Option<Date>,
    },
    /// ひな形をサーバーに新しい版として登録（JSON ファイル、--from の日から適用） / publish a
    /// template (a JSON file: id, title_ja, title_en, items [{id, ja, en}]) as a new version applying from --from (office; needs a login).
    Publish {
        /// ひな形の JSON ファイル / the template as JSON.
        file: PathBuf,
        /// 適用開始日（既定: 今日） / first day it applies (default: today).
        #[arg(long, value_name = "DATE")]
        from: Option<Date>,
    },
}

pub async fn run(env: &Env, cmd: ChecklistCmd) -> anyhow::Result<()> {
    match cmd {
        ChecklistCmd::Publish { file, from } => {
            let text = std::fs::read_to_string(&file).with_context(|| format!("reading {}", file.display()))?;
            let template: ChecklistTemplate =
                serde_json::from_str(&text).with_context(|| format!("{} is not a checklist template", file.display()))?;
            let app = env.open().await?;
            let version = RuleVersion {
                key: template.id.clone(),
                effective_from: from.unwrap_or_else(carebook_core::clock::today_jst),
                rules: None,
                template: Some(template),
                phrases: None,
                author: String::new(),
                recorded_at: 0,
            };
            let published = app.publish_rule_version(&version).await?;
            if env.json {
                return print_json(&published);
            }
            out!(
                "ひな形の新しい版を登録しました（{} から適用） / published, applying from {}",
                published.effective_from,
                published.effective_from
            );
            Ok(())
        }
        ChecklistCmd::Templates { on } => {
            let app = env.open().await?;
            let templates = match on {
                Some(date) => app.store().templates_on(date).await?,
                None => app.templates().await?,
            };
            if env.json {
                return print_json(&templates);
            }
            for t in templates {
                out!("{}  {} / {}（{}項目 items）", shown(&t.id), shown(&t.title_ja), shown(&t.title_en), t.items.len());
                for i in &t.items {
                    out!("    {}  {} / {}", shown(&i.id), shown(&i.ja), shown(&i.en));
                }
            }
            Ok(())
        }
    }
}
