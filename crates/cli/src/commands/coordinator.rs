//! `carebook coordinator …`: coordinator support (医療的ケア児等コーディネーター支援) — a
//! coordinator's work for a child before the service-use plan (8 hours a child), the regional
//! meetings and trainings (3 a year), and the year's report with the subsidy. Kept on the
//! server: the station's coordinator records work; its coordinator or office records meetings
//! and reads both.

use carebook_domain::{ChildId, Date, FiscalYear, MeetingKind, NewCoordinatorWork, NewRegionalMeeting, WorkKind};
use clap::Subcommand;

use crate::output::{hours, print_json, shown};
use crate::Env;

#[derive(Debug, Subcommand)]
pub enum CoordinatorCmd {
    /// 業務を記録 / record a piece of work for a child (before the service-use plan).
    Work {
        /// 事業所ID / the coordinator's station.
        #[arg(long, value_name = "ID")]
        station: String,
        /// 児童ID / the child.
        #[arg(long, value_name = "UUID")]
        child: ChildId,
        /// 業務の日 / the day (YYYY-MM-DD).
        #[arg(long, value_name = "YYYY-MM-DD")]
        date: Date,
        /// 業務時間（分）/ minutes.
        #[arg(long)]
        minutes: u32,
        /// 費用（円）/ cost in whole yen.
        #[arg(long, value_name = "YEN")]
        cost_yen: u32,
        /// 業務の種類 / consultation | liaison | home_visit | case_meeting | other.
        #[arg(long)]
        kind: WorkKind,
        /// 備考（1行）/ a one-line note.
        #[arg(long, default_value = "")]
        note: String,
    },
    /// 地域の会議・研修を記録 / record a regional meeting or training.
    Meeting {
        /// 事業所ID / station id.
        #[arg(long, value_name = "ID")]
        station: String,
        /// 開催日 / the day (YYYY-MM-DD).
        #[arg(long, value_name = "YYYY-MM-DD")]
        date: Date,
        /// meeting（会議）| training（研修）.
        #[arg(long)]
        kind: MeetingKind,
        /// 名称 / title.
        #[arg(long)]
        title: String,
        /// 費用（円）/ cost in whole yen.
        #[arg(long, value_name = "YEN")]
        cost_yen: u32,
    },
    /// 年度の報告 / the year's report: each child's hours and amount, the meetings, the totals.
    Report {
        /// 事業所ID / station id.
        #[arg(long, value_name = "ID")]
        station: String,
        /// 年度（開始年の西暦）/ the fiscal year, by the year it starts in.
        #[arg(long, value_name = "YYYY", value_parser = clap::value_parser!(i32).range(2000..=2100))]
        fy: i32,
    },
}

pub async fn run(env: &Env, cmd: CoordinatorCmd) -> anyhow::Result<()> {
    let app = env.open().await?;
    match cmd {
        CoordinatorCmd::Work { station, child, date, minutes, cost_yen, kind, note } => {
            let w = app.add_coordinator_work(&NewCoordinatorWork { station, child_id: child, date, minutes, cost_yen, kind, note }).await?;
            if env.json {
                return print_json(&w);
            }
            eprintln!("業務を記録しました / work recorded");
            out!("{}\t{}\t{}\t{}\t{} 円", w.id, w.work.date, w.work.kind.label().ja, hours(w.work.minutes.into()), w.work.cost_yen);
        }
        CoordinatorCmd::Meeting { station, date, kind, title, cost_yen } => {
            let m = app.add_regional_meeting(&NewRegionalMeeting { station, date, kind, title, cost_yen }).await?;
            if env.json {
                return print_json(&m);
            }
            eprintln!("会議・研修を記録しました / meeting recorded");
            out!("{}\t{}\t{}\t{}\t{} 円", m.id, m.meeting.date, m.meeting.kind.label().ja, shown(&m.meeting.title), m.meeting.cost_yen);
        }
        CoordinatorCmd::Report { station, fy } => {
            let r = app.coordinator_report(&station, FiscalYear(fy)).await?;
            if env.json {
                return print_json(&r);
            }
            out!("{} {} コーディネーター支援 / coordinator support", station, r.fiscal_year.japanese_label());
            for c in &r.children {
                let past = if c.ledger.over_cap.is_empty() {
                    String::new()
                } else {
                    format!("、8時間超 {} 件 (past 8 h)", c.ledger.over_cap.len())
                };
                out!(
                    "{}\t{} / 8時間{}\t補助 {} 円（都 {} 円）",
                    shown(&c.name),
                    hours(c.ledger.used_minutes.into()),
                    past,
                    c.amount.fee.total_yen,
                    c.amount.fee.tokyo_yen
                );
            }
            let m = &r.meetings;
            out!("会議・研修 meetings: {} 回（補助対象 {} 回）\t補助 {} 円", r.meeting_records.len(), m.counted.len(), m.fee.total_yen);
            out!("合計 total: {} 円（都 {} 円、区市町村 {} 円）", r.total.total_yen, r.total.tokyo_yen, r.total.municipality_yen);
        }
    }
    Ok(())
}
