//! `carebook index rebuild` (support tooling).

use clap::Subcommand;

use crate::output::{print_json, shown};
use crate::Env;

#[derive(Debug, Subcommand)]
pub enum IndexCmd {
    /// 索引を記録から作り直す / re-derive the index from the stored documents.
    Rebuild,
}

pub async fn run(env: &Env, cmd: IndexCmd) -> anyhow::Result<()> {
    match cmd {
        IndexCmd::Rebuild => {
            let app = env.open().await?;
            let report = app.rebuild_index().await?;
            if env.json {
                return print_json(&report);
            }
            out!("索引を作り直しました / index rebuilt: {}件 records indexed", report.indexed);
            out!("読めない記録 unreadable records: {}", report.unreadable.len());
            for (id, reason) in &report.unreadable {
                out!("  {}: {}", shown(id), shown(reason));
            }
            Ok(())
        }
    }
}
