//! `carebook checklist templates`.

use clap::Subcommand;

use crate::output::{print_json, shown};
use crate::Env;

#[derive(Debug, Subcommand)]
pub enum ChecklistCmd {
    /// テンプレートの一覧 / list the checklist templates (built-in and the office's own).
    Templates,
}

pub async fn run(env: &Env, cmd: ChecklistCmd) -> anyhow::Result<()> {
    match cmd {
        ChecklistCmd::Templates => {
            let app = env.open().await?;
            let templates = app.templates().await?;
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
