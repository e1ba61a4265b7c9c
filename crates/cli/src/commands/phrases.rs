//! `carebook phrases show|publish`: the station's canned phrases (定型文).

use std::path::PathBuf;

use anyhow::Context as _;
use carebook_domain::{Date, Phrase, PhraseList, RuleVersion};
use clap::Subcommand;

use crate::output::{print_json, shown};
use crate::Env;

#[derive(Debug, Subcommand)]
pub enum PhrasesCmd {
    /// 自分の事業所の定型文 / the canned phrases of this account's station (as last synced).
    Show {
        /// この日に使う定型文 / the list in force on this date (default: today).
        #[arg(long, value_name = "DATE")]
        on: Option<Date>,
    },
    /// 定型文をサーバーに新しい版として登録（JSON ファイル、--from の日から適用） / publish this
    /// account's station's phrases (a JSON file: [{text, places: [s|o|a|p|care], category}]) as
    /// a new version applying from --from (office; needs a login).
    Publish {
        /// 定型文の JSON ファイル / the phrases as JSON.
        file: PathBuf,
        /// 適用開始日（既定: 今日） / first day it applies (default: today).
        #[arg(long, value_name = "DATE")]
        from: Option<Date>,
    },
}

pub async fn run(env: &Env, cmd: PhrasesCmd) -> anyhow::Result<()> {
    match cmd {
        PhrasesCmd::Publish { file, from } => {
            let text = std::fs::read_to_string(&file).with_context(|| format!("reading {}", file.display()))?;
            let items: Vec<Phrase> = serde_json::from_str(&text).with_context(|| format!("{} is not a list of phrases", file.display()))?;
            let app = env.open().await?;
            let station = app.station_phrases(None).await?.station_id;
            let version = RuleVersion {
                key: station.clone(),
                effective_from: from.unwrap_or_else(carebook_core::clock::today_jst),
                rules: None,
                template: None,
                phrases: Some(PhraseList { station_id: station, items }),
                author: String::new(),
                recorded_at: 0,
            };
            let published = app.publish_rule_version(&version).await?;
            if env.json {
                return print_json(&published);
            }
            out!(
                "定型文の新しい版を登録しました（{} から適用） / published, applying from {}",
                published.effective_from,
                published.effective_from
            );
            Ok(())
        }
        PhrasesCmd::Show { on } => {
            let app = env.open().await?;
            let list = app.station_phrases(on).await?;
            if env.json {
                return print_json(&list);
            }
            for p in &list.items {
                let places: Vec<&str> = p.places.iter().map(|pl| pl.name()).collect();
                out!("{}  [{}] {}", shown(&p.text), places.join(","), shown(&p.category));
            }
            Ok(())
        }
    }
}
