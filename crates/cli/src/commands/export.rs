//! `carebook export …`: what the office sends and keeps, as files people open.

use std::path::PathBuf;

use carebook_core::export::{
    claim_heading, claim_table, daytime_claim_heading, daytime_claim_table, results_file_name, results_heading, results_table, ExportFormat,
};
use carebook_domain::YearMonth;
use clap::{Subcommand, ValueEnum};

use crate::output::print_json;
use crate::Env;

#[derive(Debug, Subcommand)]
pub enum ExportCmd {
    /// 在宅レスパイトの月次請求（区市町村・月ごと）/ the monthly respite claim of one municipality
    /// (CSV, Excel or a printed PDF; the PDF needs a Japanese font: Noto Sans CJK, or
    /// CAREBOOK_PDF_FONT).
    Claim {
        /// 自治体コード / municipality code (5 digits).
        #[arg(long, value_name = "CODE")]
        municipality: String,
        /// 対象月 / the month (YYYY-MM).
        #[arg(long, value_name = "YYYY-MM")]
        month: YearMonth,
        /// 形式 / format.
        #[arg(long, value_enum, default_value = "csv")]
        format: Format,
        /// CSV の文字コード / the CSV's encoding (utf-8 with a BOM, or shift_jis for older Excel).
        #[arg(long, value_enum, default_value = "utf-8")]
        encoding: Encoding,
        /// 出力先 / the file to write (default: claim-CODE-YYYY-MM.csv|xlsx|pdf here).
        #[arg(long, value_name = "FILE")]
        out: Option<PathBuf>,
    },
    /// 体制整備事業の実績報告（事業所・年度ごと）/ the station-readiness results report of one
    /// station and fiscal year: accompanied handover visits, first-visit equipment checklists,
    /// equipment purchases (needs a login: the purchases are on the server).
    #[command(name = "results-report")]
    ResultsReport {
        /// 事業所ID / station id.
        #[arg(long, value_name = "ID")]
        station: String,
        /// 年度（4月〜翌3月、開始年の西暦）/ the fiscal year (April–March), by the year it starts in.
        #[arg(long, value_name = "YYYY", value_parser = clap::value_parser!(i32).range(2000..=2100))]
        fy: i32,
        /// 形式 / format.
        #[arg(long, value_enum, default_value = "csv")]
        format: Format,
        /// CSV の文字コード / the CSV's encoding (utf-8 with a BOM, or shift_jis for older Excel).
        #[arg(long, value_enum, default_value = "utf-8")]
        encoding: Encoding,
        /// 出力先 / the file to write (default: results-STATION-FY2026.csv|xlsx|pdf here).
        #[arg(long, value_name = "FILE")]
        out: Option<PathBuf>,
    },
    /// 日中預かりの月次請求（区市町村・月ごと）/ the monthly daytime-care claim of one
    /// municipality: each day's band, base amount, user charge and subsidy, and the days not
    /// paid with the reason (CSV, Excel or a printed PDF).
    DaytimeClaim {
        /// 自治体コード / municipality code (5 digits).
        #[arg(long, value_name = "CODE")]
        municipality: String,
        /// 対象月 / the month (YYYY-MM).
        #[arg(long, value_name = "YYYY-MM")]
        month: YearMonth,
        /// 形式 / format.
        #[arg(long, value_enum, default_value = "csv")]
        format: Format,
        /// CSV の文字コード / the CSV's encoding (utf-8 with a BOM, or shift_jis for older Excel).
        #[arg(long, value_enum, default_value = "utf-8")]
        encoding: Encoding,
        /// 出力先 / the file to write (default: daytime-claim-CODE-YYYY-MM.csv|xlsx|pdf here).
        #[arg(long, value_name = "FILE")]
        out: Option<PathBuf>,
    },
    /// 訪問看護記録書（1件、印刷用PDF）/ one visit as a printed record (PDF).
    Visit {
        /// 訪問ID / visit id.
        id: carebook_domain::VisitId,
        /// 出力先のフォルダ / the folder to write into (default: here).
        #[arg(long, value_name = "DIR", default_value = ".")]
        dir: PathBuf,
    },
}

#[derive(Debug, Clone, Copy, ValueEnum)]
pub enum Format {
    /// CSV (Excel).
    Csv,
    /// Excel workbook.
    Xlsx,
    /// Printed report (PDF).
    Pdf,
}

#[derive(Debug, Clone, Copy, ValueEnum)]
pub enum Encoding {
    /// UTF-8 with a byte-order mark.
    #[value(name = "utf-8")]
    Utf8,
    /// Shift_JIS.
    #[value(name = "shift_jis")]
    ShiftJis,
}

pub async fn run(env: &Env, cmd: ExportCmd) -> anyhow::Result<()> {
    match cmd {
        ExportCmd::Visit { id, dir } => {
            let app = env.open().await?;
            let file = carebook_core::export::write_visit_pdf(&app, id, &dir).await?;
            if env.json {
                return print_json(&file);
            }
            eprintln!("訪問看護記録書を書き出しました / visit record written");
            out!("{}", file.path);
            Ok(())
        }
        ExportCmd::ResultsReport { station, fy, format, encoding, out } => {
            let app = env.open().await?;
            let fy = carebook_domain::FiscalYear(fy);
            let report = app.results_report(&station, fy).await?;
            let format = export_format(format, encoding);
            let bytes = format.write(&results_table(&report), &results_heading(&report))?;
            let path = out.unwrap_or_else(|| PathBuf::from(results_file_name(&station, fy, format)));
            write_file(&path, &bytes)?;
            app.note_export(&format!("results report {station} FY{} {}", fy.0, format.extension())).await?;
            if env.json {
                return print_json(&serde_json::json!({ "path": path, "bytes": bytes.len(), "report": report }));
            }
            eprintln!("実績報告を書き出しました / results report written: {}", path.display());
            out!(
                "{}（{}） {}: 同行訪問 {} 件 handover visits, 物品チェック {} 人 children, 物品購入 {} 件 purchases, 合計 total {} 円",
                report.station.name,
                report.station.id,
                fy.japanese_label(),
                report.handovers.len(),
                report.checklists.len(),
                report.purchases.len(),
                report.purchases_total_yen
            );
            match (&report.grant, report.remaining_yen) {
                (Some(g), Some(left)) => out!("交付決定額 granted {} 円, 残額 left {} 円", g.granted_yen, left),
                _ => out!("交付決定額 未記録 / no grant recorded"),
            }
            Ok(())
        }
        ExportCmd::Claim { municipality, month, format, encoding, out } => {
            let app = env.open().await?;
            let claim = app.monthly_claim(&municipality, month).await?;
            let table = claim_table(&claim);
            let format = export_format(format, encoding);
            let bytes = format.write(&table, &claim_heading(&claim))?;
            let ext = format.extension();
            let path = out.unwrap_or_else(|| PathBuf::from(format!("claim-{municipality}-{month}.{ext}")));
            write_file(&path, &bytes)?;
            app.note_export(&format!("claim {municipality} {month} {ext}")).await?;
            if env.json {
                return print_json(&serde_json::json!({ "path": path, "bytes": bytes.len(), "claim": claim }));
            }
            let children = claim.children.len();
            let sessions: usize = claim.children.iter().map(|c| c.lines.len()).sum();
            let apart: usize = claim.children.iter().map(|c| c.unclaimed.len()).sum();
            eprintln!("請求を書き出しました / claim written: {}", path.display());
            out!(
                "{}（{}） {}: 児童 {children} 人 children, 請求 {sessions} 件 sessions, 対象外 {apart} 件 not claimed, 合計 total {} 円 (都 Tokyo {} / 区市町村 municipality {})",
                claim.municipality_name,
                claim.municipality,
                claim.month,
                claim.total.total_yen,
                claim.total.tokyo_yen,
                claim.total.municipality_yen
            );
            Ok(())
        }
        ExportCmd::DaytimeClaim { municipality, month, format, encoding, out } => {
            let app = env.open().await?;
            let claim = app.daytime_claim(&municipality, month).await?;
            let format = export_format(format, encoding);
            let bytes = format.write(&daytime_claim_table(&claim), &daytime_claim_heading(&claim))?;
            let ext = format.extension();
            let path = out.unwrap_or_else(|| PathBuf::from(format!("daytime-claim-{municipality}-{month}.{ext}")));
            write_file(&path, &bytes)?;
            app.note_export(&format!("daytime claim {municipality} {month} {}", format.extension())).await?;
            if env.json {
                return print_json(&serde_json::json!({ "path": path, "bytes": bytes.len(), "claim": claim }));
            }
            let children = claim.children.len();
            let paid: usize = claim.children.iter().map(|c| c.lines.len()).sum();
            let apart: usize = claim.children.iter().map(|c| c.unclaimed.len()).sum();
            eprintln!("日中預かりの請求を書き出しました / daytime-care claim written: {}", path.display());
            out!(
                "{}（{}） {}: 児童 {children} 人 children, 請求 {paid} 日 days, 対象外 {apart} 件 not paid, 基準額 base {} 円 − 利用者負担 user charge {} 円 = 補助 subsidy {} 円 (都 Tokyo {} / 区市町村 municipality {})",
                claim.municipality_name,
                claim.municipality,
                claim.month,
                claim.fee_yen,
                claim.user_charge_yen,
                claim.subsidy.total_yen,
                claim.subsidy.tokyo_yen,
                claim.subsidy.municipality_yen
            );
            Ok(())
        }
    }
}

fn export_format(format: Format, encoding: Encoding) -> ExportFormat {
    match (format, encoding) {
        (Format::Csv, Encoding::Utf8) => ExportFormat::Csv,
        (Format::Csv, Encoding::ShiftJis) => ExportFormat::CsvShiftJis,
        (Format::Xlsx, _) => ExportFormat::Xlsx,
        (Format::Pdf, _) => ExportFormat::Pdf,
    }
}

fn write_file(path: &std::path::Path, bytes: &[u8]) -> anyhow::Result<()> {
    std::fs::write(path, bytes).map_err(|e| anyhow::anyhow!("{} に書き込めません / cannot write {}: {e}", path.display(), path.display()))
}
