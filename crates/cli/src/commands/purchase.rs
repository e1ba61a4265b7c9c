//! `carebook purchase …`: the equipment a station bought with the station-readiness subsidy and
//! the amount granted to it for the year (kept on the server; the office of the station or an
//! administrator).

use carebook_domain::{Date, FiscalYear, NewGrant, NewPurchase};
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
    /// 交付決定額を記録（同じ年度の記録を置き換え）/ record the amount granted for a fiscal year
    /// (replacing the one recorded before).
    Grant {
        /// 事業所ID / station id.
        #[arg(long, value_name = "ID")]
        station: String,
        /// 年度（開始年の西暦）/ the fiscal year, by the year it starts in.
        #[arg(long, value_name = "YYYY", value_parser = clap::value_parser!(i32).range(2000..=2100))]
        fy: i32,
        /// 交付決定額（円）/ the amount granted, whole yen.
        #[arg(long, value_name = "YEN")]
        granted_yen: u32,
        /// 交付決定日 / the day of the decision (YYYY-MM-DD, within the fiscal year).
        #[arg(long, value_name = "YYYY-MM-DD")]
        decided_on: Date,
        /// 備考（通知番号など）/ a note (the notice's number …).
        #[arg(long, default_value = "")]
        note: String,
    },
    /// 年度の購入一覧と交付決定額・残額 / the station's purchases of a fiscal year, the amount
    /// granted and what is left.
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
            match app.grant(&station, fy).await? {
                Some(g) => out!(
                    "交付決定額 granted {} 円 ({}), 残額 left {} 円",
                    g.granted_yen,
                    g.decided_on,
                    i64::from(g.granted_yen) - total as i64
                ),
                None => out!("交付決定額 未記録 / no grant recorded"),
            }
        }
        PurchaseCmd::Grant { station, fy, granted_yen, decided_on, note } => {
            let g = app.set_grant(&NewGrant { station, fiscal_year: FiscalYear(fy), granted_yen, decided_on, note }).await?;
            if env.json {
                return print_json(&g);
            }
            eprintln!("交付決定額を記録しました / grant recorded");
            out!("{} {}\t{}\t{} 円", g.station, g.fiscal_year.japanese_label(), g.decided_on, g.granted_yen);
        }
    }
    Ok(())
}
