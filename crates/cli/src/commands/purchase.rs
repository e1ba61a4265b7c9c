//! `carebook purchase …`: the equipment a station bought with the station-readiness subsidy
//! (kept on the server; the office of the station or an administrator).

use carebook_domain::{Date, FiscalYear, NewPurchase};
use clap::Subcommand;

use crate::output::{print_json, shown};
use crate::Env;

#[derive(Debug, Subcommand)]
pub enum PurchaseCmd {
    /// 購入した物品を記録 / record an equipment purchase.
    Add {
        /// 事業所ID / station id.
        #[arg(long, value_name = "ID")]
        station: String,
        /// 物品 / what was bought.
        #[arg(long)]
        item: String,
        /// 購入日 / the day it was bought (YYYY-MM-DD).
        #[arg(long, value_name = "YYYY-MM-DD")]
        date: Date,
        /// 金額（円、税込）/ cost in whole yen, tax included.
        #[arg(long, value_name = "YEN")]
        cost_yen: u32,
        /// 備考 / a note.
        #[arg(long, default_value = "")]
        note: String,
    },
    /// 年度の購入一覧 / the station's purchases of a fiscal year.
    List {
        /// 事業所ID / station id.
        #[arg(long, value_name = "ID")]
        station: String,
        /// 年度（開始年の西暦）/ the fiscal year, by the year it starts in.
        #[arg(long, value_name = "YYYY", value_parser = clap::value_parser!(i32).range(2000..=2100))]
        fy: i32,
    },
}

pub async fn run(env: &Env, cmd: PurchaseCmd) -> anyhow::Result<()> {
    let app = env.open().await?;
    match cmd {
        PurchaseCmd::Add { station, item, date, cost_yen, note } => {
            let p = app.add_purchase(&NewPurchase { station, item, date, cost_yen, note }).await?;
            if env.json {
                return print_json(&p);
            }
            eprintln!("購入を記録しました / purchase recorded");
            out!("{}\t{}\t{}\t{} 円", p.id, p.date, shown(&p.item), p.cost_yen);
        }
        PurchaseCmd::List { station, fy } => {
            let fy = FiscalYear(fy);
            let list = app.purchases(&station, fy).await?;
            if env.json {
                return print_json(&list);
            }
            for p in &list {
                out!("{}\t{}\t{}\t{} 円\t{}", p.id, p.date, shown(&p.item), p.cost_yen, shown(&p.note));
            }
            let total: u64 = list.iter().map(|p| u64::from(p.cost_yen)).sum();
            out!("{} {}: {} 件 purchases, 合計 total {} 円", station, fy.japanese_label(), list.len(), total);
        }
    }
    Ok(())
}
