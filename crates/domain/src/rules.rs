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
        p
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

    /// Checks the length of one respite use: within the range and whole units. `field` names the
    /// field to blame (usually the end time).
    pub fn check_use_length(&self, minutes: i64, field: &str) -> Problems {
        let mut p = Problems::new();
        let hm = hours_minutes_ja(minutes);
        if minutes < i64::from(self.min_use_minutes) || minutes > i64::from(self.max_use_minutes) {
            p.push(
                field,
                "respite_length",
                format!(
                    "レスパイトの1回の利用は{}〜{}です（{}でした）",
                    hours_minutes_ja(self.min_use_minutes.into()),
                    hours_minutes_ja(self.max_use_minutes.into()),
                    hm
                ),
                format!("a respite use must last {} to {} minutes, not {minutes}", self.min_use_minutes, self.max_use_minutes),
            );
        }
        if self.unit_minutes > 0 && minutes % i64::from(self.unit_minutes) != 0 {
            p.push(
                field,
                "respite_unit",
                format!("レスパイトは{}分単位です（{}でした）", self.unit_minutes, hm),
                format!("a respite use is counted in {}-minute units, not {minutes} minutes", self.unit_minutes),
            );
        }
        p
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

/// Whether a day of daytime care qualifies: score under 16 and at least 8 continuous hours.
pub fn check_daytime_care(score_total: u32, continuous_minutes: i64) -> Problems {
    let mut p = Problems::new();
    if score_total >= DAYTIME_CARE_SCORE_LIMIT {
        p.push(
            "child.score",
            "daytime_score",
            format!("日中預かりは医療的ケア判定スコア16点未満の児が対象です（{score_total}点）"),
            format!("daytime care is for a medical-care score under 16, not {score_total}"),
        );
    }
    if continuous_minutes < i64::from(DAYTIME_CARE_MIN_MINUTES) {
        p.push(
            "actual_end",
            "daytime_length",
            format!("日中預かりは連続8時間以上です（{}でした）", hours_minutes_ja(continuous_minutes)),
            format!("daytime care must last at least 480 continuous minutes, not {continuous_minutes}"),
        );
    }
    p
}

/// The seed's daytime-care subsidy: 8 h to under 9 h = 30,000 yen. Longer bands are set by the
/// municipality (not in the seed), so they return `None` here.
pub fn daytime_care_fee(continuous_minutes: u32) -> Option<u32> {
    (DAYTIME_CARE_MIN_MINUTES..9 * 60).contains(&continuous_minutes).then_some(30_000)
}

/// Coordinator work before a service-use plan exists: at most 8 hours per child.
pub const COORDINATOR_CAP_MINUTES: u32 = 8 * 60;

/// The coordinator's hours for one child.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
pub struct CoordinatorLedger {
    /// Cap, minutes.
    pub cap_minutes: u32,
    /// Used, minutes.
    pub used_minutes: u32,
    /// Remaining, minutes (negative when passed).
    pub remaining_minutes: i64,
}

/// Sums the coordinator's work entries (minutes each) for one child.
pub fn coordinator_ledger(entries: &[u32]) -> CoordinatorLedger {
    let used: u32 = entries.iter().sum();
    CoordinatorLedger {
        cap_minutes: COORDINATOR_CAP_MINUTES,
        used_minutes: used,
        remaining_minutes: i64::from(COORDINATOR_CAP_MINUTES) - i64::from(used),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn default_rules() -> MunicipalityRules {
        MunicipalityRules::builtin("13101")
    }

    #[test]
    fn uses_of_two_to_four_hours_in_half_hours_are_accepted() {
        let r = default_rules();
        for m in [120, 150, 180, 210, 240] {
            assert!(r.check_use_length(m, "actual_end").is_empty(), "{m}");
        }
    }

    #[test]
    fn one_and_a_half_hours_four_and_a_half_and_two_hours_ten_are_rejected() {
        let r = default_rules();
        let short = r.check_use_length(90, "actual_end");
        assert!(short.has_code("respite_length") && !short.has_code("respite_unit"));
        assert!(short.0[0].ja.contains("1時間30分"), "{}", short);
        let long = r.check_use_length(270, "actual_end");
        assert!(long.has_code("respite_length"));
        assert!(long.0[0].en.contains("270"));
        let odd = r.check_use_length(130, "actual_end");
        assert!(odd.has_code("respite_unit") && !odd.has_code("respite_length"));
        assert!(odd.0[0].ja.contains("2時間10分"));
        assert!(odd.has_field("actual_end"));
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
    fn daytime_care_needs_a_score_under_16_and_eight_continuous_hours() {
        assert!(check_daytime_care(15, 480).is_empty());
        assert!(check_daytime_care(16, 480).has_code("daytime_score"));
        assert!(check_daytime_care(10, 479).has_code("daytime_length"));
        assert_eq!(daytime_care_fee(480), Some(30_000));
        assert_eq!(daytime_care_fee(539), Some(30_000));
        assert_eq!(daytime_care_fee(540), None);
        assert_eq!(daytime_care_fee(479), None);
    }

    #[test]
    fn coordinator_hours_are_capped_at_eight_per_child() {
        let l = coordinator_ledger(&[120, 240, 90]);
        assert_eq!((l.used_minutes, l.remaining_minutes), (450, 30));
        assert_eq!(coordinator_ledger(&[300, 300]).remaining_minutes, -120);
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
