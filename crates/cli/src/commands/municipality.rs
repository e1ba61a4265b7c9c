//! `carebook municipality show|set`: an office's per-municipality respite settings.

use carebook_domain::{Date, IncomeTier, MunicipalityRules, ProRating, Problems, RuleVersion, UserCharge};
use clap::{Args, Subcommand};

use crate::args::{DaytimeBandArg, DaytimeChargeArg, Hours, ProRatingArg};
use crate::output::{hours, municipality, print_json};
use crate::Env;

#[derive(Debug, Subcommand)]
pub enum MunicipalityCmd {
    /// 設定を表示 / show a municipality's respite settings (in force today, or on --on DATE).
    Show {
        /// 自治体コード / municipality code (5 digits).
        code: String,
        /// この日に適用される設定 / the settings in force on this date (YYYY-MM-DD).
        #[arg(long, value_name = "DATE")]
        on: Option<Date>,
    },
    /// 設定を変更。ログイン中はサーバーに新しい版として登録し（--from の日から適用、それ以前の訪問は従来の設定のまま）、全端末が同期で受け取ります
    /// / change a municipality's respite settings. Logged in: published to the server as a new version applying from --from (earlier visits keep theirs), which every device receives at its sync; otherwise this device only.
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
    /// 単位（分） / billing unit, minutes (e.g. 30).
    #[arg(long, value_name = "MINUTES")]
    unit_minutes: Option<u32>,
    /// 1回の最短（時間） / shortest use, hours.
    #[arg(long, value_name = "HOURS")]
    min_hours: Option<Hours>,
    /// 1回の最長（時間） / longest use counted, hours.
    #[arg(long, value_name = "HOURS")]
    max_hours: Option<Hours>,
    /// 日中預かりの補助基準額の区分（時間、繰り返し可、指定すると表を置き換え）/ a daytime-care band,
    /// FROM-TO:YEN in hours (TO empty for the last, open band: 10-:37500); repeat for each band;
    /// given, they replace the table.
    #[arg(long, value_name = "FROM-TO:YEN")]
    daytime_band: Vec<DaytimeBandArg>,
    /// 日中預かりの利用者負担（世帯区分ごと）/ the daytime-care user charge of a household tier:
    /// TIER:yen:N a day or TIER:percent:N of the base amount (repeat for each tier).
    #[arg(long, value_name = "TIER:yen|percent:N")]
    daytime_charge: Vec<DaytimeChargeArg>,
    /// 日中預かりの都の負担割合（%）/ Tokyo's share of the daytime-care subsidy, percent.
    #[arg(long, value_name = "PERCENT")]
    daytime_tokyo_percent: Option<u32>,
    /// 適用開始日（既定: 今日） / first day the new version applies (default: today; never before today).
    #[arg(long, value_name = "DATE")]
    from: Option<Date>,
}

pub async fn run(env: &Env, cmd: MunicipalityCmd) -> anyhow::Result<()> {
    match cmd {
        MunicipalityCmd::Show { code, on } => {
            check_code(&code)?;
            let app = env.open().await?;
            let rules = match on {
                Some(date) => app.store().rules_on(&code, date).await?,
                None => app.store().rules(&code).await?,
            };
            print_rules(env, &rules)
        }
        MunicipalityCmd::Set(a) => {
            check_code(&a.code)?;
            let app = env.open().await?;
            let from = a.from.unwrap_or_else(carebook_core::clock::today_jst);
            let mut rules = app.store().rules_on(&a.code, from).await?;
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
            if let Some(u) = a.unit_minutes {
                rules.unit_minutes = u;
            }
            if let Some(h) = a.min_hours {
                rules.min_use_minutes = h.0;
            }
            if let Some(h) = a.max_hours {
                rules.max_use_minutes = h.0;
            }
            if !a.daytime_band.is_empty() {
                rules.daytime_bands = a.daytime_band.iter().map(|b| b.0).collect();
            }
            for DaytimeChargeArg(tier, charge) in a.daytime_charge {
                rules.daytime_user_charge.insert(tier, charge);
            }
            if let Some(p) = a.daytime_tokyo_percent {
                rules.daytime_tokyo_share_percent = p;
            }
            if app.session().await?.is_none() {
                anyhow::ensure!(
                    a.from.is_none(),
                    "--from はログイン中だけ使えます（版はサーバーに登録されます） / --from needs a login: versions are kept on the server"
                );
                app.store().set_rules(&rules).await?;
                if !env.json {
                    eprintln!("この端末の設定を保存しました（ログインすると全端末で共有されます） / saved on this device only (log in to share it with every device)");
                }
                return print_rules(env, &rules);
            }
            rules.validate().into_result().map_err(carebook_core::CoreError::Invalid)?;
            let version = RuleVersion {
                key: rules.code.clone(),
                effective_from: from,
                rules: Some(rules.clone()),
                template: None,
                phrases: None,
                author: String::new(),
                recorded_at: 0,
            };
            let published = app.publish_rule_version(&version).await?;
            if !env.json {
                eprintln!(
                    "新しい版を登録しました（{} から適用） / published a new version, applying from {}",
                    published.effective_from, published.effective_from
                );
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
    for b in &r.daytime_bands {
        out!("  日中預かり daytime care {} ({}): {}円 yen", b.label_ja(), b.label_en(), b.yen);
    }
    if r.daytime_bands.is_empty() {
        out!("  日中預かり daytime care: 区分なし no bands");
    }
    for tier in IncomeTier::ALL {
        match r.daytime_user_charge.get(tier) {
            Some(UserCharge::PerDay { yen }) => {
                out!("  日中預かりの利用者負担 daytime user charge — {}: 1日 {yen}円 yen a day", tier.label())
            }
            Some(UserCharge::Percent { percent }) => {
                out!("  日中預かりの利用者負担 daytime user charge — {}: 基準額の{percent}% of the base amount", tier.label())
            }
            None => out!("  日中預かりの利用者負担 daytime user charge — {}: 未設定 not set", tier.label()),
        }
    }
    out!("  日中預かりの都の負担 Tokyo's share of daytime care: {}%", r.daytime_tokyo_share_percent);
    Ok(())
}
