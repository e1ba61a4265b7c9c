//! `carebook respite remaining`.

use carebook_domain::{ChildId, FiscalYear};
use clap::Subcommand;

use crate::output::{print_json, print_respite, respite_json};
use crate::Env;

#[derive(Debug, Subcommand)]
pub enum RespiteCmd {
    /// 残り時間 / a child's remaining respite hours in a fiscal year.
    Remaining {
        /// 児童ID / child id.
        #[arg(long)]
        child: ChildId,
        /// 年度（開始年） / fiscal year by its starting year, e.g. 2026 = 令和8年度 (default: this one).
        #[arg(long, value_name = "YEAR", value_parser = clap::value_parser!(i32).range(1989..=9998))]
        fy: Option<i32>,
    },
}

pub async fn run(env: &Env, cmd: RespiteCmd) -> anyhow::Result<()> {
    match cmd {
        RespiteCmd::Remaining { child, fy } => {
            let app = env.open().await?;
            let report = app.respite_remaining(child, fy.map(FiscalYear)).await?;
            if env.json {
                print_json(&respite_json(&report)?)
            } else {
                print_respite(&report);
                Ok(())
            }
        }
    }
}
