//! `carebook municipality show|set`: an office's per-municipality respite settings.

use carebook_domain::{IncomeTier, MunicipalityRules, ProRating, Problems};
use clap::{Args, Subcommand};

use crate::args::{Hours, ProRatingArg};
use crate::output::{hours, municipality, print_json};
use crate::Env;

#[derive(Debug, Subcommand)]
pub enum MunicipalityCmd {
    /// 設定を表示 / show a municipality's respite settings.
    Show {
        /// 自治体コード / municipality code (5 digits).
        code: String,
    },
    /// 設定を変更 / change a municipality's respite settings (re-derives the index).
    Set(SetArgs),
}

#[derive(Debug, Args)]
pub struct SetArgs {
    /// 自治体コード / municipality code (5 digits).
    code: String,
    /// 年間上限（時間） / annual cap per child, hours.
    #[arg(long, value_name = "HOURS")]
    cap_hours: Option<Hours>,
    /// 年度途中の按分 / mid-year pro-rating: none | proportional | per_month:HOURS.
    #[arg(long, value_name = "RULE")]
    pro_rating: Option<ProRatingArg>,
    /// 自治体名（日本語） / name in Japanese.
    #[arg(long, value_name = "TEXT")]
    name_ja: Option<String>,
    /// 自治体名（英語） / name in English.
    #[arg(long, value_name = "TEXT")]
    name_en: Option<String>,
}

pub async fn run(env: &Env, cmd: MunicipalityCmd) -> anyhow::Result<()> {
    match cmd {
        MunicipalityCmd::Show { code } => {
            check_code(&code)?;
            let app = env.open().await?;
            let rules = app.store().rules(&code).await?;
            print_rules(env, &rules)
        }
        MunicipalityCmd::Set(a) => {
            check_code(&a.code)?;
            let app = env.open().await?;
            let mut rules = app.store().rules(&a.code).await?;
            if let Some(h) = a.cap_hours {
                rules.annual_cap_minutes = h.0;
            }
            if let Some(p) = a.pro_rating {
                rules.pro_rating = p.0;
            }
            if let Some(n) = a.name_ja {
                rules.name_ja = n;
            }
            if let Some(n) = a.name_en {
                rules.name_en = n;
            }
            app.store().set_rules(&rules).await?;
            if !env.json {
                eprintln!("設定を保存しました / settings saved");
            }
            print_rules(env, &rules)
        }
    }
}

/// Refuses a code that is not 5 digits before anything is opened.
fn check_code(code: &str) -> anyhow::Result<()> {
    let p = Problems(MunicipalityRules::builtin(code).validate().0.into_iter().filter(|p| p.field == "code").collect());
    p.into_result().map_err(|p| carebook_core::CoreError::Invalid(p).into())
}

fn print_rules(env: &Env, r: &MunicipalityRules) -> anyhow::Result<()> {
    if env.json {
        return print_json(r);
    }
    let builtin = *r == MunicipalityRules::builtin(&r.code);
    let en = if r.name_en.is_empty() { String::new() } else { format!(" ({})", r.name_en) };
    out!(
        "{}{en}{}",
        municipality(&r.code, &r.name_ja),
        if builtin { "  組み込み設定 built-in settings" } else { "  事務所の設定 office settings" }
    );
    out!("  年間上限 annual cap: {}", hours(r.annual_cap_minutes.into()));
    out!(
        "  1回の利用 per use: {}〜{}（{}分単位 {}-minute units）",
        hours(r.min_use_minutes.into()),
        hours(r.max_use_minutes.into()),
        r.unit_minutes,
        r.unit_minutes
    );
    let pro = match r.pro_rating {
        ProRating::None => "なし none".to_string(),
        ProRating::ProportionalMonths => "残り月数で按分 proportional to the remaining months".to_string(),
        ProRating::PerRemainingMonth { minutes_per_month } => {
            format!("残り1か月あたり {} per remaining month", hours(minutes_per_month.into()))
        }
    };
    out!("  年度途中の按分 mid-year pro-rating: {pro}");
    for tier in IncomeTier::ALL {
        match r.rate_per_unit_yen.get(tier) {
            Some(y) => out!("  単価 rate per unit — {}: {y}円 yen", tier.label()),
            None => out!("  単価 rate per unit — {}: 未設定 not set", tier.label()),
        }
    }
    out!("  医師指示書 doctor's instruction: {}円 yen", r.doctor_instruction_fee_yen);
    out!("  都の負担 Tokyo's share: {}%", r.tokyo_share_percent);
    Ok(())
}
