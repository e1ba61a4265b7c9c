//! The programmes' rules: respite units and caps per municipality, pro-rating, the ledger of
//! remaining hours and the sessions past the cap, fees, daytime-care eligibility and the
//! coordinator's hours. Pure functions over plain values.

use std::collections::BTreeMap;

use serde::{Deserialize, Serialize};

use crate::calendar::{Date, DateTime, FiscalYear};
use crate::ids::VisitId;
use crate::validation::{labelled_enum, Problems};

labelled_enum! {
    /// Household income tier (世帯区分), which sets the subsidy base amount.
    pub enum IncomeTier {
        /// 生活保護世帯.
        PublicAssistance = ("public_assistance", "生活保護世帯", "public assistance household"),
        /// 区市町村民税非課税世帯.
        TaxExempt = ("tax_exempt", "区市町村民税非課税世帯", "municipal-tax-exempt household"),
        /// 課税世帯.
        Taxed = ("taxed", "課税世帯", "taxed household"),
    }
}

/// How a child who enrols mid-year gets a smaller cap.
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "kind", rename_all = "snake_case")]
pub enum ProRating {
    /// The full annual cap whenever the child enrols.
    None,
    /// Annual cap × remaining months (the enrolment month included) / 12, rounded down to the unit (Minato).
    ProportionalMonths,
    /// A fixed number of minutes for each remaining month, at most the annual cap.
    PerRemainingMonth {
        /// Minutes per remaining month.
        minutes_per_month: u32,
    },
}

/// One municipality's respite settings. 144 h a year is only the Tokyo default: each
/// municipality sets its own (Bunkyo: 288 h).
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct MunicipalityRules {
    /// Local-government code (全国地方公共団体コード, 5 digits), e.g. `13105` for Bunkyo.
    pub code: String,
    /// Name in Japanese.
    pub name_ja: String,
    /// Name in English.
    pub name_en: String,
    /// Annual respite cap per child, minutes.
    pub annual_cap_minutes: u32,
    /// Billing unit, minutes (30).
    pub unit_minutes: u32,
    /// Shortest use, minutes (120).
    pub min_use_minutes: u32,
    /// Longest use, minutes (240).
    pub max_use_minutes: u32,
    /// Mid-year enrolment.
    pub pro_rating: ProRating,
    /// Subsidy base amount per unit, yen, by income tier.
    pub rate_per_unit_yen: BTreeMap<IncomeTier, u32>,
    /// Doctor's instruction document (医師指示書), yen.
    pub doctor_instruction_fee_yen: u32,
    /// Tokyo's share of the subsidy, percent (the municipality pays the rest).
    pub tokyo_share_percent: u32,
    /// Daytime care (日中預かり): the subsidy base amount (補助基準額) by the day's continuous
    /// hours, bands in order, none overlapping. A day in no band is not paid, with that reason.
    /// Absent from versions published before it existed: the built-in table.
    #[serde(default = "default_daytime_bands")]
    pub daytime_bands: Vec<DaytimeBand>,
    /// Daytime care: the user's charge per day (利用者負担) by household income tier. A tier
    /// without an entry is not paid, with that reason. Absent: the built-in charges.
    #[serde(default = "default_daytime_user_charge")]
    pub daytime_user_charge: BTreeMap<IncomeTier, UserCharge>,
    /// Daytime care: Tokyo's share of the subsidy (base amount − user charge), percent.
    /// Absent: 100 (assumed: the handout names the institutions as the ones subsidised and no
    /// municipal share).
    #[serde(default = "default_daytime_tokyo_share")]
    pub daytime_tokyo_share_percent: u32,
}

/// One band of the daytime-care subsidy: a day of at least `from_minutes` continuous minutes
/// and under `to_minutes` (none: no upper end) is paid `yen`.
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub struct DaytimeBand {
    /// Shortest continuous minutes of the band (inclusive).
    pub from_minutes: u32,
    /// Minutes the band ends before (exclusive); none for the last, open band.
    pub to_minutes: Option<u32>,
    /// Subsidy base amount for the day, yen.
    pub yen: u32,
}

impl DaytimeBand {
    /// Whether a day of `minutes` continuous minutes falls in the band.
    pub fn contains(&self, minutes: u32) -> bool {
        minutes >= self.from_minutes && self.to_minutes.is_none_or(|to| minutes < to)
    }

    /// `8時間以上9時間未満`, `10時間以上`.
    pub fn label_ja(&self) -> String {
        let from = hours_minutes_ja(self.from_minutes.into());
        match self.to_minutes {
            Some(to) => format!("{from}以上{}未満", hours_minutes_ja(to.into())),
            None => format!("{from}以上"),
        }
    }

    /// `480–539 min`, `600+ min`.
    pub fn label_en(&self) -> String {
        match self.to_minutes {
            Some(to) => format!("{}–{} min", self.from_minutes, to.saturating_sub(1)),
            None => format!("{}+ min", self.from_minutes),
        }
    }
}

/// The user's charge for a day of daytime care (利用者負担), by household income tier.
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "kind", rename_all = "snake_case")]
pub enum UserCharge {
    /// A fixed amount a day (0 for no charge), at most the day's base amount.
    PerDay {
        /// Yen a day.
        yen: u32,
    },
    /// A share of the day's base amount, rounded down to the yen.
    Percent {
        /// Percent of the base amount (0–100).
        percent: u32,
    },
}

impl UserCharge {
    /// The charge for a day whose base amount is `fee_yen`: never more than it.
    pub fn on(self, fee_yen: u32) -> u32 {
        match self {
            UserCharge::PerDay { yen } => yen.min(fee_yen),
            UserCharge::Percent { percent } => (u64::from(fee_yen) * u64::from(percent.min(100)) / 100) as u32,
        }
    }
}

/// The seed's one band (H §5-2 「例：8時間以上9時間未満 30,000円」). The handout gives no other band:
/// a municipality publishes its full table as a rule version.
pub fn default_daytime_bands() -> Vec<DaytimeBand> {
    vec![DaytimeBand { from_minutes: DAYTIME_CARE_MIN_MINUTES, to_minutes: Some(9 * 60), yen: 30_000 }]
}

/// The assumed user charge (H §5-2 says only 「所得に応じた利用者の費用負担あり」): none for
/// public-assistance and tax-exempt households, as in the welfare services' income-based charge;
/// a tenth of the base amount for taxed households (the welfare services' 1割).
pub fn default_daytime_user_charge() -> BTreeMap<IncomeTier, UserCharge> {
    [
        (IncomeTier::PublicAssistance, UserCharge::PerDay { yen: 0 }),
        (IncomeTier::TaxExempt, UserCharge::PerDay { yen: 0 }),
        (IncomeTier::Taxed, UserCharge::Percent { percent: 10 }),
    ]
    .into_iter()
    .collect()
}

fn default_daytime_tokyo_share() -> u32 {
    100
}

/// What a day of daytime care is paid ([`MunicipalityRules::daytime_fee`]).
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub struct DaytimeFee {
    /// The band the day fell in.
    pub band: DaytimeBand,
    /// The household's tier.
    pub tier: IncomeTier,
    /// The band's base amount, yen.
    pub fee_yen: u32,
    /// The user's charge, yen (at most the base amount).
    pub user_charge_yen: u32,
    /// Base amount − user charge, split between Tokyo and the municipality.
    pub subsidy: Fee,
}

/// Why a day of daytime care has no fee under the settings in force.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum DaytimeFeeGap {
    /// Its continuous minutes fall in no band of the table.
    NoBand,
    /// The settings set no user charge for the household's tier.
    NoCharge,
}

/// The Tokyo default annual cap: 144 hours.
pub const DEFAULT_ANNUAL_CAP_MINUTES: u32 = 144 * 60;

impl MunicipalityRules {
    /// The Tokyo default (seed): 144 h a year, 2–4 h per use in 30-minute units, 3,750 yen per unit
    /// (2 h = 15,000 yen … 4 h = 30,000 yen), doctor's instruction 3,000 yen, Tokyo pays half.
    /// The seed gives the rate only for public-assistance and tax-exempt households; the taxed
    /// tier starts at the same figure (assumed) and is meant to be edited per municipality.
    pub fn tokyo_default(code: &str, name_ja: &str, name_en: &str) -> Self {
        MunicipalityRules {
            code: code.to_string(),
            name_ja: name_ja.to_string(),
            name_en: name_en.to_string(),
            annual_cap_minutes: DEFAULT_ANNUAL_CAP_MINUTES,
            unit_minutes: 30,
            min_use_minutes: 120,
            max_use_minutes: 240,
            pro_rating: ProRating::None,
            rate_per_unit_yen: IncomeTier::ALL.iter().map(|t| (*t, 3_750)).collect(),
            doctor_instruction_fee_yen: 3_000,
            tokyo_share_percent: 50,
            daytime_bands: default_daytime_bands(),
            daytime_user_charge: default_daytime_user_charge(),
            daytime_tokyo_share_percent: default_daytime_tokyo_share(),
        }
    }

    /// Settings known from municipal pages (2024–2025); every other code gets the Tokyo default.
    pub fn builtin(code: &str) -> Self {
        match code {
            "13103" => MunicipalityRules { pro_rating: ProRating::ProportionalMonths, ..Self::tokyo_default(code, "港区", "Minato") },
            "13105" => MunicipalityRules { annual_cap_minutes: 288 * 60, ..Self::tokyo_default(code, "文京区", "Bunkyo") },
            "13121" => Self::tokyo_default(code, "足立区", "Adachi"),
            _ => Self::tokyo_default(code, "", ""),
        }
    }

    /// The codes with built-in settings.
    pub const BUILTIN_CODES: &'static [&'static str] = &["13103", "13105", "13121"];

    /// Checks the settings make sense.
    pub fn validate(&self) -> Problems {
        let mut p = Problems::new();
        if self.code.len() != 5 || !self.code.bytes().all(|b| b.is_ascii_digit()) {
            p.push(
                "code",
                "municipality_code",
                format!("自治体コード「{}」は5桁の数字ではありません", self.code),
                format!("municipality code {:?} is not 5 digits", self.code),
            );
        }
        if self.unit_minutes == 0
            || !self.min_use_minutes.is_multiple_of(self.unit_minutes)
            || !self.max_use_minutes.is_multiple_of(self.unit_minutes)
        {
            p.push(
                "unit_minutes",
                "unit",
                "利用時間の上下限が単位の倍数ではありません",
                format!("min and max use must be multiples of the unit {} min", self.unit_minutes),
            );
        }
        if self.min_use_minutes > self.max_use_minutes {
            p.push(
                "min_use_minutes",
                "use_range",
                "最短利用時間が最長利用時間を超えています",
                format!("shortest use {} min is longer than the longest {} min", self.min_use_minutes, self.max_use_minutes),
            );
        }
        if self.tokyo_share_percent > 100 {
            p.push(
                "tokyo_share_percent",
                "share",
                "都の負担割合は100%以下です",
                format!("tokyo share {}% is over 100%", self.tokyo_share_percent),
            );
        }
        self.validate_daytime(&mut p);
        p
    }

    /// The daytime-care table: each band ends after it starts, bands in order without overlap
    /// (an open band only last), charges of at most 100 %, Tokyo's share at most 100 %.
    fn validate_daytime(&self, p: &mut Problems) {
        let mut previous_end: Option<Option<u32>> = None;
        for (i, b) in self.daytime_bands.iter().enumerate() {
            if let Some(to) = b.to_minutes.filter(|to| *to <= b.from_minutes) {
                p.push(
                    format!("daytime_bands[{i}].to_minutes"),
                    "band_range",
                    format!("日中預かりの区分{}の終わり（{to}分）は始まり（{}分）より後にしてください", i + 1, b.from_minutes),
                    format!("daytime band {i}: to_minutes {to} must be greater than from_minutes {}", b.from_minutes),
                );
            }
            match previous_end {
                Some(None) => p.push(
                    format!("daytime_bands[{i}].from_minutes"),
                    "band_order",
                    format!("日中預かりの区分{}は、上限のない区分の後に置けません（上限のない区分は最後に1つ）", i + 1),
                    format!("daytime band {i} follows a band with no to_minutes: only the last band may be open"),
                ),
                Some(Some(end)) if b.from_minutes < end => p.push(
                    format!("daytime_bands[{i}].from_minutes"),
                    "band_order",
                    format!("日中預かりの区分{}の始まり（{}分）は前の区分の終わり（{end}分）以降にしてください", i + 1, b.from_minutes),
                    format!("daytime band {i}: from_minutes {} must be at least the previous band's to_minutes {end}", b.from_minutes),
                ),
                _ => {}
            }
            previous_end = Some(b.to_minutes);
        }
        for (tier, charge) in &self.daytime_user_charge {
            if let UserCharge::Percent { percent } = charge {
                if *percent > 100 {
                    p.push(
                        format!("daytime_user_charge.{tier}.percent"),
                        "share",
                        format!("利用者負担（{}）は100%以下です", tier.label().ja),
                        format!("the user charge for {tier} must be 0–100 percent, not {percent}"),
                    );
                }
            }
        }
        if self.daytime_tokyo_share_percent > 100 {
            p.push(
                "daytime_tokyo_share_percent",
                "share",
                "日中預かりの都の負担割合は100%以下です",
                format!("daytime tokyo share {}% is over 100%", self.daytime_tokyo_share_percent),
            );
        }
    }

    /// The band a day of `continuous_minutes` falls in, if any.
    pub fn daytime_band(&self, continuous_minutes: u32) -> Option<DaytimeBand> {
        self.daytime_bands.iter().copied().find(|b| b.contains(continuous_minutes))
    }

    /// What a day of daytime care of `continuous_minutes` is paid for a household of `tier`:
    /// the band's base amount, the tier's user charge, and the rest as the subsidy split with
    /// Tokyo's daytime share. A day in no band, or a tier without a charge, is a gap — never 0.
    pub fn daytime_fee(&self, continuous_minutes: u32, tier: IncomeTier) -> Result<DaytimeFee, DaytimeFeeGap> {
        let band = self.daytime_band(continuous_minutes).ok_or(DaytimeFeeGap::NoBand)?;
        let charge = self.daytime_user_charge.get(&tier).ok_or(DaytimeFeeGap::NoCharge)?;
        let user_charge_yen = charge.on(band.yen);
        Ok(DaytimeFee {
            band,
            tier,
            fee_yen: band.yen,
            user_charge_yen,
            subsidy: Fee::split(band.yen - user_charge_yen, self.daytime_tokyo_share_percent),
        })
    }

    /// The cap for a child in a fiscal year, given when they enrolled (if mid-year).
    pub fn cap_minutes(&self, fy: FiscalYear, enrolled_on: Option<Date>) -> u32 {
        let months = match enrolled_on {
            Some(date) if date > fy.first_day() => fy.months_remaining_from(date),
            _ => return self.annual_cap_minutes,
        };
        let unit = self.unit_minutes.max(1);
        match self.pro_rating {
            ProRating::None => self.annual_cap_minutes,
            ProRating::ProportionalMonths => {
                let exact = u64::from(self.annual_cap_minutes) * u64::from(months) / 12;
                (exact as u32) / unit * unit
            }
            ProRating::PerRemainingMonth { minutes_per_month } => (minutes_per_month * months).min(self.annual_cap_minutes),
        }
    }

    /// How many minutes one respite session counts — the one rule behind the nurse's preview,
    /// the index (and so the ledger, remaining hours and the month's table) and the server's
    /// check. `length_minutes` is the session's real length (actual end − actual start, across
    /// midnight too), `uses` the uses it counts as (lead nurses sent, at least one).
    ///
    /// H §5-1 gives the service time of one use as 「1回当たり2~4時間（30分単位）」: a use is
    /// counted in whole units (a started unit is not counted) and at most the longest use; a
    /// session longer than that is recorded with its real times and counts the longest use (4 h);
    /// one shorter than the shortest use is not a use of the programme and counts nothing.
    /// Neither is refused: [`MunicipalityRules::respite_warnings`] names them for the office.
    pub fn respite_count(&self, length_minutes: i64, uses: u32) -> RespiteCount {
        let length = length_minutes.clamp(0, i64::from(u32::MAX)) as u32;
        let unit = self.unit_minutes.max(1);
        let per_use = if length == 0 || length < self.min_use_minutes { 0 } else { (length / unit * unit).min(self.max_use_minutes) };
        let uses = uses.max(1);
        RespiteCount { length_minutes: length, per_use_minutes: per_use, uses, billable_minutes: per_use * uses }
    }

    /// What the nurse and the office should know about a session's length: shorter than the
    /// shortest use (`respite_short`: counts nothing), longer than the longest (`respite_capped`:
    /// counts the longest), or not whole units (`respite_unit`: the rest is not counted). Warnings,
    /// never a refusal: the real times are always recorded. `field` names the field to blame
    /// (the end time).
    pub fn respite_warnings(&self, length_minutes: i64, field: &str) -> Problems {
        let mut p = Problems::new();
        if length_minutes <= 0 {
            return p;
        }
        let counted = self.respite_count(length_minutes, 1).per_use_minutes;
        let (hm, counted_hm) = (hours_minutes_ja(length_minutes), hours_minutes_ja(counted.into()));
        if length_minutes < i64::from(self.min_use_minutes) {
            p.push(
                field,
                "respite_short",
                format!(
                    "レスパイトの1回の利用は{}以上です（{hm}でした）。この利用は時間数に数えず、補助の対象になりません",
                    hours_minutes_ja(self.min_use_minutes.into())
                ),
                format!(
                    "a respite use lasts at least {} minutes; this one lasted {length_minutes}, so it counts nothing against the cap and is not subsidised",
                    self.min_use_minutes
                ),
            );
        } else if length_minutes > i64::from(self.max_use_minutes) {
            p.push(
                field,
                "respite_capped",
                format!("レスパイトの1回の利用は{counted_hm}までです（{hm}でした）。{counted_hm}として数えます"),
                format!("a respite use counts at most {counted} minutes; this one lasted {length_minutes} and counts {counted}"),
            );
        } else if i64::from(counted) != length_minutes {
            p.push(
                field,
                "respite_unit",
                format!("レスパイトは{}分単位で数えます（{hm}は{counted_hm}として数えます）", self.unit_minutes),
                format!("a respite use is counted in {}-minute units: {length_minutes} minutes count {counted}", self.unit_minutes),
            );
        }
        p
    }

    /// Whether a session's length is outside the shortest and longest use: the office's flag.
    pub fn respite_outside_limits(&self, length_minutes: i64) -> bool {
        length_minutes > 0 && (length_minutes < i64::from(self.min_use_minutes) || length_minutes > i64::from(self.max_use_minutes))
    }

    /// The subsidy for one respite use of `billable_minutes` (already whole units).
    pub fn respite_fee(&self, tier: IncomeTier, billable_minutes: u32) -> Option<Fee> {
        let rate = *self.rate_per_unit_yen.get(&tier)?;
        let units = billable_minutes / self.unit_minutes.max(1);
        Some(Fee::split(units * rate, self.tokyo_share_percent))
    }
}

/// `2時間10分`, `1時間30分`, `4時間`.
pub fn hours_minutes_ja(minutes: i64) -> String {
    let sign = if minutes < 0 { "-" } else { "" };
    let m = minutes.abs();
    match (m / 60, m % 60) {
        (h, 0) => format!("{sign}{h}時間"),
        (0, r) => format!("{sign}{r}分"),
        (h, r) => format!("{sign}{h}時間{r}分"),
    }
}

/// A fee and who pays it.
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub struct Fee {
    /// Total, yen.
    pub total_yen: u32,
    /// Tokyo's share, yen (rounded down).
    pub tokyo_yen: u32,
    /// The municipality's share, yen (the rest).
    pub municipality_yen: u32,
}

impl Fee {
    /// Splits `total` with Tokyo paying `tokyo_percent` (rounded down to the yen).
    pub fn split(total_yen: u32, tokyo_percent: u32) -> Fee {
        let tokyo_yen = (u64::from(total_yen) * u64::from(tokyo_percent) / 100) as u32;
        Fee { total_yen, tokyo_yen, municipality_yen: total_yen - tokyo_yen }
    }
}

/// How one respite session counts ([`MunicipalityRules::respite_count`]).
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub struct RespiteCount {
    /// The real length, minutes (as recorded).
    pub length_minutes: u32,
    /// Minutes one use counts: whole units, at most the longest use; 0 under the shortest.
    pub per_use_minutes: u32,
    /// Uses it counts as (lead nurses sent, at least one).
    pub uses: u32,
    /// Minutes counted against the cap and billed: `per_use_minutes × uses`.
    pub billable_minutes: u32,
}

/// One counted respite use, as the ledger sees it (read from the index, not the document).
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub struct RespiteUse {
    /// The visit.
    pub visit_id: VisitId,
    /// When it started.
    pub start: DateTime,
    /// Minutes counted against the cap (length × nurses sent).
    pub billable_minutes: u32,
    /// Number of uses it counts as (two nurses at once = two uses).
    pub uses: u32,
}

/// A child's respite hours in a fiscal year.
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct RespiteLedger {
    /// The fiscal year.
    pub fiscal_year: FiscalYear,
    /// Cap, minutes (after pro-rating).
    pub cap_minutes: u32,
    /// Used, minutes.
    pub used_minutes: u32,
    /// Cap minus used; negative when devices recorded past the cap offline.
    pub remaining_minutes: i64,
    /// Every counted use, in time order.
    pub sessions: Vec<RespiteUse>,
    /// The sessions that took the child past the cap: in time order, the one that crossed it
    /// and every one after it. Empty when within the cap (reaching it exactly is within).
    pub over_cap: Vec<VisitId>,
}

impl RespiteLedger {
    /// Whether the child is past the cap.
    pub fn is_over_cap(&self) -> bool {
        self.remaining_minutes < 0
    }
}

/// Builds the ledger from the uses of one child in one fiscal year.
pub fn respite_ledger(fiscal_year: FiscalYear, cap_minutes: u32, mut sessions: Vec<RespiteUse>) -> RespiteLedger {
    sessions.sort_by_key(|s| (s.start, s.visit_id));
    let mut used: u32 = 0;
    let mut over_cap = Vec::new();
    for s in &sessions {
        used += s.billable_minutes;
        if used > cap_minutes {
            over_cap.push(s.visit_id);
        }
    }
    RespiteLedger {
        fiscal_year,
        cap_minutes,
        used_minutes: used,
        remaining_minutes: i64::from(cap_minutes) - i64::from(used),
        sessions,
        over_cap,
    }
}

/// Daytime care (日中預かり): at least this many continuous minutes a day.
pub const DAYTIME_CARE_MIN_MINUTES: u32 = 8 * 60;
/// Daytime care: only children whose score is below this.
pub const DAYTIME_CARE_SCORE_LIMIT: u32 = 16;

/// Whether a child may use daytime care (H §5-2: 「医療的ケア判定スコア16点未満の児童に限る」):
/// a score of 16 or more is `daytime_score`; an unknown score (no face sheet, or no score items
/// on it) is `daytime_score_unknown` — a problem to fix on the face sheet, never a pass. Both
/// refuse the record, on the device and on the server. The field is the child's score.
pub fn check_daytime_care(score_total: Option<u32>) -> Problems {
    let mut p = Problems::new();
    match score_total {
        Some(score) if score >= DAYTIME_CARE_SCORE_LIMIT => p.push(
            "child.score",
            "daytime_score",
            format!("日中預かりは医療的ケア判定スコア16点未満の児が対象です（{score}点）"),
            format!("daytime care is for a medical-care score under 16, not {score}"),
        ),
        Some(_) => {}
        None => p.push(
            "child.score",
            "daytime_score_unknown",
            "お子さんの医療的ケア判定スコアが登録されていないため、日中預かりの対象（16点未満）か判断できません。フェイスシートにスコアを入力してください",
            "the child's medical-care score is unknown, so eligibility for daytime care (under 16) cannot be told: enter the score on the face sheet",
        ),
    }
    p
}

/// Whether a day of daytime care is shorter than the handout's 8 continuous hours. H §5-2 asks
/// for them 「原則として」 (in principle): a shorter day is recorded with its real times and
/// flagged for the office, not refused.
pub fn daytime_short_day(continuous_minutes: i64) -> bool {
    continuous_minutes > 0 && continuous_minutes < i64::from(DAYTIME_CARE_MIN_MINUTES)
}

/// The warning for a short day of daytime care (`daytime_short`), empty for 8 hours or more.
pub fn daytime_warnings(continuous_minutes: i64, field: &str) -> Problems {
    let mut p = Problems::new();
    if daytime_short_day(continuous_minutes) {
        p.push(
            field,
            "daytime_short",
            format!("日中預かりは原則として連続8時間以上です（{}でした）", hours_minutes_ja(continuous_minutes)),
            format!("daytime care is in principle at least 480 continuous minutes; this day lasted {continuous_minutes}"),
        );
    }
    p
}

/// Coordinator work before a service-use plan exists: at most 8 hours per child.
pub const COORDINATOR_CAP_MINUTES: u32 = 8 * 60;

/// One piece of a coordinator's work for a child before the service-use plan, as the ledger
/// counts it.
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub struct CoordinatorWork {
    /// The work record (the server's id).
    #[cfg_attr(feature = "ts", ts(type = "number"))]
    pub id: i64,
    /// The day of the work.
    pub date: Date,
    /// Its minutes.
    pub minutes: u32,
}

/// The coordinator's hours for one child.
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct CoordinatorLedger {
    /// Cap, minutes.
    pub cap_minutes: u32,
    /// Used, minutes.
    pub used_minutes: u32,
    /// Remaining, minutes (negative when passed).
    #[cfg_attr(feature = "ts", ts(type = "number"))]
    pub remaining_minutes: i64,
    /// Every piece of work, in day order (then id).
    pub entries: Vec<CoordinatorWork>,
    /// The pieces that took the child past the 8 hours: the one that crossed them and every
    /// later one — flagged, never dropped. Empty when within (reaching 8 h exactly is within).
    #[cfg_attr(feature = "ts", ts(type = "Array<number>"))]
    pub over_cap: Vec<i64>,
}

/// Sums a child's coordinator work against the 8 hours, naming the work past them.
pub fn coordinator_ledger(mut entries: Vec<CoordinatorWork>) -> CoordinatorLedger {
    entries.sort_by_key(|e| (e.date, e.id));
    let mut used: u32 = 0;
    let mut over_cap = Vec::new();
    for e in &entries {
        used = used.saturating_add(e.minutes);
        if used > COORDINATOR_CAP_MINUTES {
            over_cap.push(e.id);
        }
    }
    CoordinatorLedger {
        cap_minutes: COORDINATOR_CAP_MINUTES,
        used_minutes: used,
        remaining_minutes: i64::from(COORDINATOR_CAP_MINUTES) - i64::from(used),
        entries,
        over_cap,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn default_rules() -> MunicipalityRules {
        MunicipalityRules::builtin("13101")
    }

    /// Minutes between two `YYYY-MM-DDTHH:MM` times, as a visit's actual times give them.
    fn length(start: &str, end: &str) -> i64 {
        start.parse::<DateTime>().unwrap().minutes_until(end.parse().unwrap())
    }

    fn codes(p: &Problems) -> Vec<&str> {
        p.0.iter().map(|x| x.code.as_str()).collect()
    }

    #[test]
    fn a_session_counts_whole_half_hours_within_two_to_four_hours_with_every_boundary() {
        let r = default_rules();
        // (start, end, real minutes, counted, warning): worked out by hand from 2–4 h, 30-min units.
        for (start, end, real, counted, warning) in [
            // 1 h 59: under the shortest use — not a use of the programme, counts nothing.
            ("2026-05-01T09:00", "2026-05-01T10:59", 119, 0, Some("respite_short")),
            // 2 h: the shortest use.
            ("2026-05-01T09:00", "2026-05-01T11:00", 120, 120, None),
            // 2 h 29: four whole units; the 29 minutes of the fifth are not counted.
            ("2026-05-01T09:00", "2026-05-01T11:29", 149, 120, Some("respite_unit")),
            // 3 h 30.
            ("2026-05-01T09:00", "2026-05-01T12:30", 210, 210, None),
            // 4 h: the longest use.
            ("2026-05-01T09:00", "2026-05-01T13:00", 240, 240, None),
            // 4 h 01 and 4 h 30: recorded as they were, counted as the longest use.
            ("2026-05-01T09:00", "2026-05-01T13:01", 241, 240, Some("respite_capped")),
            ("2026-05-01T09:00", "2026-05-01T13:30", 270, 240, Some("respite_capped")),
            // Across midnight: 22:00 → 02:00 is 4 h; 22:30 → 03:00 is 4 h 30, counted 4 h.
            ("2026-05-01T22:00", "2026-05-02T02:00", 240, 240, None),
            ("2026-05-01T22:30", "2026-05-02T03:00", 270, 240, Some("respite_capped")),
            // 31 March 23:00 → 1 April 01:30: 2 h 30 (the fiscal year is the start's).
            ("2027-03-31T23:00", "2027-04-01T01:30", 150, 150, None),
        ] {
            let minutes = length(start, end);
            assert_eq!(minutes, real, "{start}–{end}");
            let c = r.respite_count(minutes, 1);
            assert_eq!(
                (c.length_minutes, c.per_use_minutes, c.billable_minutes, c.uses),
                (real as u32, counted, counted, 1),
                "{start}–{end}"
            );
            let w = r.respite_warnings(minutes, "actual_end");
            assert_eq!(codes(&w), warning.into_iter().collect::<Vec<_>>(), "{start}–{end}: {w}");
            assert!(w.0.iter().all(|x| x.field == "actual_end"));
            assert_eq!(r.respite_outside_limits(minutes), matches!(warning, Some("respite_short" | "respite_capped")), "{start}–{end}");
        }
        // Two lead nurses: each counts; 4 h 30 × 2 = 240 × 2.
        assert_eq!(r.respite_count(270, 2).billable_minutes, 480);
        assert_eq!(r.respite_count(119, 2).billable_minutes, 0);
        // No length, or end before start: nothing, and no warning (the time order is a problem of its own).
        assert_eq!(r.respite_count(0, 1).billable_minutes, 0);
        assert_eq!(r.respite_count(-30, 1).billable_minutes, 0);
        assert!(r.respite_warnings(-30, "actual_end").is_empty());
    }

    #[test]
    fn the_warnings_say_the_real_length_and_what_it_counts() {
        let r = default_rules();
        let short = r.respite_warnings(119, "actual_end");
        assert!(short.0[0].ja.contains("2時間以上") && short.0[0].ja.contains("1時間59分"), "{short}");
        assert!(short.0[0].en.contains("119") && short.0[0].en.contains("counts nothing"), "{short}");
        let long = r.respite_warnings(270, "actual_end");
        assert!(long.0[0].ja.contains("4時間30分") && long.0[0].ja.contains("4時間として数えます"), "{long}");
        assert!(long.0[0].en.contains("lasted 270 and counts 240"), "{long}");
        let odd = r.respite_warnings(130, "actual_end");
        assert!(odd.0[0].ja.contains("2時間10分は2時間"), "{odd}");
    }

    #[test]
    fn a_municipality_with_another_unit_and_limits_counts_by_its_own() {
        // 15-minute units, 1 h to 3 h per use (an assumed municipality's settings).
        let r = MunicipalityRules { unit_minutes: 15, min_use_minutes: 60, max_use_minutes: 180, ..default_rules() };
        assert!(r.validate().is_empty());
        // 59 min: under 1 h, nothing. 1 h: 60. 1 h 44: six whole quarters = 90. 1 h 45: 105.
        // 3 h: 180. 3 h 10: capped at 180. 2 h 59 across midnight (23:30 → 02:29): 165.
        for (minutes, counted) in [(59, 0), (60, 60), (104, 90), (105, 105), (180, 180), (190, 180)] {
            assert_eq!(r.respite_count(minutes, 1).billable_minutes, counted, "{minutes}");
        }
        assert_eq!(r.respite_count(length("2026-05-01T23:30", "2026-05-02T02:29"), 1).billable_minutes, 165);
        assert_eq!(codes(&r.respite_warnings(59, "actual_end")), ["respite_short"]);
        assert_eq!(codes(&r.respite_warnings(104, "actual_end")), ["respite_unit"]);
        assert!(r.respite_warnings(105, "actual_end").is_empty());
        assert_eq!(codes(&r.respite_warnings(190, "actual_end")), ["respite_capped"]);
        // The same 1 h 45 under the Tokyo default (2–4 h) is under the shortest use.
        assert_eq!(default_rules().respite_count(105, 1).billable_minutes, 0);
        // The fee is units × rate: 105 min = 7 quarters.
        let fee_rules = MunicipalityRules { rate_per_unit_yen: IncomeTier::ALL.iter().map(|t| (*t, 1_000)).collect(), ..r };
        assert_eq!(fee_rules.respite_fee(IncomeTier::Taxed, fee_rules.respite_count(105, 1).billable_minutes).unwrap().total_yen, 7_000);
    }

    #[test]
    fn bunkyo_has_288_hours_and_others_default_to_144() {
        assert_eq!(MunicipalityRules::builtin("13105").annual_cap_minutes, 288 * 60);
        assert_eq!(MunicipalityRules::builtin("13103").annual_cap_minutes, 144 * 60);
        assert_eq!(MunicipalityRules::builtin("13999").annual_cap_minutes, 144 * 60);
        for code in MunicipalityRules::BUILTIN_CODES {
            assert!(MunicipalityRules::builtin(code).validate().is_empty());
        }
    }

    #[test]
    fn fees_follow_the_seed_example_and_split_between_tokyo_and_the_municipality() {
        let r = default_rules();
        let two = r.respite_fee(IncomeTier::TaxExempt, 120).unwrap();
        assert_eq!(two.total_yen, 15_000);
        assert_eq!(r.respite_fee(IncomeTier::PublicAssistance, 240).unwrap().total_yen, 30_000);
        assert_eq!(r.respite_fee(IncomeTier::TaxExempt, 150).unwrap().total_yen, 18_750);
        assert_eq!((two.tokyo_yen, two.municipality_yen), (7_500, 7_500));
        let odd = Fee::split(18_751, 50);
        assert_eq!((odd.tokyo_yen, odd.municipality_yen), (9_375, 9_376));
        let mut no_rate = r.clone();
        no_rate.rate_per_unit_yen.remove(&IncomeTier::Taxed);
        assert_eq!(no_rate.respite_fee(IncomeTier::Taxed, 120), None);
    }

    #[test]
    fn mid_year_enrolment_pro_rates_the_cap_only_where_the_municipality_does() {
        let fy = FiscalYear(2026);
        let october: Date = "2026-10-15".parse().unwrap();
        let minato = MunicipalityRules::builtin("13103");
        assert_eq!(minato.cap_minutes(fy, Some(october)), 72 * 60); // 144 h × 6/12
        assert_eq!(minato.cap_minutes(fy, Some("2026-04-01".parse().unwrap())), 144 * 60);
        assert_eq!(minato.cap_minutes(fy, None), 144 * 60);
        // 144 h × 5/12 = 60 h; 144 h × 7/12 = 84 h; 144 h × 1/12 = 12 h.
        assert_eq!(minato.cap_minutes(fy, Some("2026-11-01".parse().unwrap())), 60 * 60);
        assert_eq!(minato.cap_minutes(fy, Some("2026-09-30".parse().unwrap())), 84 * 60);
        assert_eq!(minato.cap_minutes(fy, Some("2027-03-31".parse().unwrap())), 12 * 60);
        // Enrolled in an earlier year: full cap.
        assert_eq!(minato.cap_minutes(fy, Some("2025-10-01".parse().unwrap())), 144 * 60);
        assert_eq!(default_rules().cap_minutes(fy, Some(october)), 144 * 60);
        let per_month = MunicipalityRules { pro_rating: ProRating::PerRemainingMonth { minutes_per_month: 12 * 60 }, ..default_rules() };
        assert_eq!(per_month.cap_minutes(fy, Some(october)), 72 * 60);
        let generous = MunicipalityRules { pro_rating: ProRating::PerRemainingMonth { minutes_per_month: 30 * 60 }, ..default_rules() };
        assert_eq!(generous.cap_minutes(fy, Some(october)), 144 * 60);
    }

    #[test]
    fn pro_rating_rounds_down_to_the_unit() {
        // 100 h × 5/12 = 41 h 40 min → 41 h 30 min.
        let r = MunicipalityRules { annual_cap_minutes: 100 * 60, pro_rating: ProRating::ProportionalMonths, ..default_rules() };
        assert_eq!(r.cap_minutes(FiscalYear(2026), Some("2026-11-10".parse().unwrap())), 41 * 60 + 30);
    }

    fn session(n: u128, start: &str, minutes: u32) -> RespiteUse {
        RespiteUse { visit_id: VisitId(uuid::Uuid::from_u128(n)), start: start.parse().unwrap(), billable_minutes: minutes, uses: 1 }
    }

    #[test]
    fn reaching_the_cap_exactly_is_not_over() {
        let l = respite_ledger(FiscalYear(2026), 480, vec![session(1, "2026-04-02T09:00", 240), session(2, "2026-04-03T09:00", 240)]);
        assert_eq!(l.remaining_minutes, 0);
        assert!(!l.is_over_cap());
        assert!(l.over_cap.is_empty());
    }

    #[test]
    fn the_crossing_session_and_every_later_one_are_named_over_the_cap() {
        // cap 600: 240 → 480 (fine), then 180 → 660 (crosses), then 120 → 780 (after).
        let l = respite_ledger(
            FiscalYear(2026),
            600,
            vec![
                session(3, "2026-06-01T09:00", 120),
                session(1, "2026-04-02T09:00", 240),
                session(2, "2026-05-01T09:00", 240),
                session(4, "2026-05-01T09:00", 0),
            ],
        );
        assert_eq!(l.used_minutes, 600);
        assert_eq!(l.remaining_minutes, 0);
        let l = respite_ledger(
            FiscalYear(2026),
            600,
            vec![session(3, "2026-06-01T09:00", 180), session(1, "2026-04-02T09:00", 240), session(2, "2026-05-01T09:00", 240)],
        );
        assert_eq!(l.remaining_minutes, -60);
        assert_eq!(l.over_cap, vec![VisitId(uuid::Uuid::from_u128(3))]);
        let order: Vec<_> = l.sessions.iter().map(|s| s.visit_id.0.as_u128()).collect();
        assert_eq!(order, vec![1, 2, 3]);
    }

    #[test]
    fn daytime_care_needs_a_known_score_under_16_and_flags_a_day_under_eight_hours() {
        assert!(check_daytime_care(Some(15)).is_empty());
        assert!(check_daytime_care(Some(3)).is_empty());
        let p = check_daytime_care(Some(16));
        assert_eq!(codes(&p), ["daytime_score"]);
        assert!(p.has_field("child.score") && p.0[0].ja.contains("16点") && p.0[0].en.contains("16"), "{p}");
        let unknown = check_daytime_care(None);
        assert_eq!(codes(&unknown), ["daytime_score_unknown"]);
        assert!(unknown.has_field("child.score") && unknown.0[0].en.contains("unknown"), "{unknown}");
        // 原則として 8 h: 7 h 59 and 6 h are short days (a warning), 8 h is not.
        for (minutes, short) in [(479, true), (360, true), (480, false), (600, false), (0, false)] {
            assert_eq!(daytime_short_day(minutes), short, "{minutes}");
            assert_eq!(daytime_warnings(minutes, "actual_end").has_code("daytime_short"), short, "{minutes}");
        }
        assert!(daytime_warnings(360, "actual_end").0[0].ja.contains("6時間"));
    }

    #[test]
    fn the_built_in_daytime_table_is_the_seeds_one_band_and_a_day_outside_it_is_a_gap() {
        let r = default_rules();
        // 8 h to under 9 h = 30,000 yen (seed); public assistance and tax-exempt pay nothing.
        for minutes in [480, 539] {
            let f = r.daytime_fee(minutes, IncomeTier::TaxExempt).unwrap();
            assert_eq!((f.fee_yen, f.user_charge_yen, f.subsidy.total_yen), (30_000, 0, 30_000), "{minutes}");
            assert_eq!((f.subsidy.tokyo_yen, f.subsidy.municipality_yen), (30_000, 0));
        }
        // Taxed: a tenth, 3,000; the subsidy is 30,000 − 3,000.
        let taxed = r.daytime_fee(500, IncomeTier::Taxed).unwrap();
        assert_eq!((taxed.user_charge_yen, taxed.subsidy.total_yen), (3_000, 30_000 - 3_000));
        // 7 h 59 and 9 h: no band in the seed's table — a gap, never 0 yen.
        assert_eq!(r.daytime_fee(479, IncomeTier::TaxExempt), Err(DaytimeFeeGap::NoBand));
        assert_eq!(r.daytime_fee(540, IncomeTier::TaxExempt), Err(DaytimeFeeGap::NoBand));
        let mut no_charge = r.clone();
        no_charge.daytime_user_charge.remove(&IncomeTier::Taxed);
        assert_eq!(no_charge.daytime_fee(480, IncomeTier::Taxed), Err(DaytimeFeeGap::NoCharge));
        assert_eq!(r.daytime_bands[0].label_ja(), "8時間以上9時間未満");
        assert_eq!(r.daytime_bands[0].label_en(), "480–539 min");
    }

    #[test]
    fn a_published_daytime_table_pays_by_its_bands_and_charges() {
        // An assumed municipality's table: 8–9 h 30,000; 9–10 h 33,750; 10 h and more 37,500;
        // taxed households pay 2,000 yen a day; Tokyo pays half.
        let r = MunicipalityRules {
            daytime_bands: vec![
                DaytimeBand { from_minutes: 480, to_minutes: Some(540), yen: 30_000 },
                DaytimeBand { from_minutes: 540, to_minutes: Some(600), yen: 33_750 },
                DaytimeBand { from_minutes: 600, to_minutes: None, yen: 37_500 },
            ],
            daytime_user_charge: [
                (IncomeTier::PublicAssistance, UserCharge::PerDay { yen: 0 }),
                (IncomeTier::TaxExempt, UserCharge::PerDay { yen: 0 }),
                (IncomeTier::Taxed, UserCharge::PerDay { yen: 2_000 }),
            ]
            .into_iter()
            .collect(),
            daytime_tokyo_share_percent: 50,
            ..default_rules()
        };
        assert!(r.validate().is_empty(), "{}", r.validate());
        for (minutes, fee) in [(480, 30_000), (539, 30_000), (540, 33_750), (599, 33_750), (600, 37_500), (900, 37_500)] {
            assert_eq!(r.daytime_fee(minutes, IncomeTier::PublicAssistance).unwrap().fee_yen, fee, "{minutes}");
        }
        let f = r.daytime_fee(545, IncomeTier::Taxed).unwrap();
        // 33,750 − 2,000 = 31,750; Tokyo half 15,875, the municipality the rest.
        assert_eq!(
            (f.user_charge_yen, f.subsidy.total_yen, f.subsidy.tokyo_yen, f.subsidy.municipality_yen),
            (2_000, 31_750, 15_875, 15_875)
        );
        // A charge above the base amount takes at most the base amount.
        assert_eq!(UserCharge::PerDay { yen: 50_000 }.on(30_000), 30_000);
        assert_eq!(UserCharge::Percent { percent: 15 }.on(33_750), 5_062);
    }

    #[test]
    fn a_bad_daytime_table_names_the_band_and_field() {
        let r = MunicipalityRules {
            daytime_bands: vec![
                DaytimeBand { from_minutes: 480, to_minutes: Some(480), yen: 30_000 },
                DaytimeBand { from_minutes: 470, to_minutes: None, yen: 1 },
                DaytimeBand { from_minutes: 900, to_minutes: None, yen: 1 },
            ],
            daytime_user_charge: [(IncomeTier::Taxed, UserCharge::Percent { percent: 101 })].into_iter().collect(),
            daytime_tokyo_share_percent: 101,
            ..default_rules()
        };
        let p = r.validate();
        for f in [
            "daytime_bands[0].to_minutes",
            "daytime_bands[1].from_minutes",
            "daytime_bands[2].from_minutes",
            "daytime_user_charge.taxed.percent",
            "daytime_tokyo_share_percent",
        ] {
            assert!(p.has_field(f), "{f}: {p}");
        }
        assert_eq!(p.0.len(), 5, "{p}");
    }

    #[test]
    fn settings_published_before_the_daytime_table_existed_read_the_built_in_one() {
        let mut json: serde_json::Value = serde_json::to_value(MunicipalityRules::builtin("13105")).unwrap();
        let obj = json.as_object_mut().unwrap();
        for k in ["daytime_bands", "daytime_user_charge", "daytime_tokyo_share_percent"] {
            assert!(obj.remove(k).is_some(), "{k}");
        }
        let old: MunicipalityRules = serde_json::from_value(json).unwrap();
        assert_eq!(old, MunicipalityRules::builtin("13105"));
        assert_eq!(old.daytime_fee(480, IncomeTier::Taxed).unwrap().user_charge_yen, 3_000);
    }

    #[test]
    fn coordinator_hours_are_capped_at_eight_per_child_and_the_work_past_them_is_named() {
        let work = |id: i64, date: &str, minutes: u32| CoordinatorWork { id, date: date.parse().unwrap(), minutes };
        let l = coordinator_ledger(vec![work(1, "2026-05-01", 120), work(2, "2026-05-08", 240), work(3, "2026-05-15", 90)]);
        assert_eq!((l.used_minutes, l.remaining_minutes), (120 + 240 + 90, 480 - 450));
        assert!(l.over_cap.is_empty());
        // Exactly 8 h is within.
        assert!(coordinator_ledger(vec![work(1, "2026-05-01", 240), work(2, "2026-05-02", 240)]).over_cap.is_empty());
        // 300 → 600 crosses at the second (in day order, whatever the order given); the third is after.
        let l = coordinator_ledger(vec![work(3, "2026-05-20", 30), work(2, "2026-05-10", 300), work(1, "2026-05-01", 300)]);
        assert_eq!(l.remaining_minutes, 480 - 630);
        assert_eq!(l.over_cap, [2, 3]);
        assert_eq!(l.entries.iter().map(|e| e.id).collect::<Vec<_>>(), [1, 2, 3]);
        // Two pieces on one day: by id.
        let l = coordinator_ledger(vec![work(9, "2026-05-01", 400), work(8, "2026-05-01", 100)]);
        assert_eq!((l.entries[0].id, l.over_cap.as_slice()), (8, &[9][..]));
    }

    #[test]
    fn settings_with_bad_values_name_them() {
        let bad =
            MunicipalityRules { code: "1310".into(), min_use_minutes: 300, unit_minutes: 45, tokyo_share_percent: 120, ..default_rules() };
        let p = bad.validate();
        for f in ["code", "unit_minutes", "min_use_minutes", "tokyo_share_percent"] {
            assert!(p.has_field(f), "{f}: {p}");
        }
    }

    #[test]
    fn rules_round_trip_through_json() {
        let r = MunicipalityRules::builtin("13103");
        let json = serde_json::to_string(&r).unwrap();
        assert!(json.contains("\"tax_exempt\":3750"), "{json}");
        assert_eq!(serde_json::from_str::<MunicipalityRules>(&json).unwrap(), r);
    }
}
