//! Compound command-line values (`--staff "id:name:role:profession"`, `--vital "10:00,rr=30"` …)
//! and their parsers. Every error names the option, the bad value and what was expected, so
//! clap can print it and exit with its usage code (2) before anything is opened or written.

use std::str::FromStr;

use carebook_domain::{
    CareGiven, CareItem, CheckStatus, Contact, Date, DateTime, DoctorInstruction, Profession, ScoreEntry, StaffRole, Station, TimeOfDay,
    Watch,
};

fn parse<T: FromStr>(what: &str, value: &str, whole: &str) -> Result<T, String>
where
    T::Err: std::fmt::Display,
{
    value.trim().parse().map_err(|e: T::Err| format!("{what} in {whole:?}: {e}"))
}

fn nonempty<'a>(what: &str, value: &'a str, whole: &str) -> Result<&'a str, String> {
    let v = value.trim();
    if v.is_empty() {
        Err(format!("{what} is empty in {whole:?}"))
    } else {
        Ok(v)
    }
}

/// `--station "id:name"` (also `--from-station`, `--to-station`).
#[derive(Debug, Clone)]
pub struct StationArg(pub Station);

impl FromStr for StationArg {
    type Err = String;
    fn from_str(s: &str) -> Result<Self, String> {
        let (id, name) = s.split_once(':').ok_or_else(|| format!("station {s:?}: expected id:name, e.g. st1:架空訪問看護ステーション"))?;
        Ok(StationArg(Station { id: nonempty("station id", id, s)?.to_string(), name: nonempty("station name", name, s)?.to_string() }))
    }
}

/// `--staff "id:name:role:profession[:station_id]"`.
#[derive(Debug, Clone)]
pub struct StaffArg {
    pub id: String,
    pub name: String,
    pub role: StaffRole,
    pub profession: Profession,
    pub station_id: Option<String>,
}

impl FromStr for StaffArg {
    type Err = String;
    fn from_str(s: &str) -> Result<Self, String> {
        let parts: Vec<&str> = s.split(':').collect();
        if !(4..=5).contains(&parts.len()) {
            return Err(format!("staff {s:?}: expected id:name:role:profession[:station_id], e.g. n1:架空 看護師:lead:nurse"));
        }
        Ok(StaffArg {
            id: nonempty("staff id", parts[0], s)?.to_string(),
            name: nonempty("staff name", parts[1], s)?.to_string(),
            role: parse("staff role", parts[2], s)?,
            profession: parse("staff profession", parts[3], s)?,
            station_id: match parts.get(4) {
                Some(st) => Some(nonempty("staff station id", st, s)?.to_string()),
                None => None,
            },
        })
    }
}

/// When a vital reading was taken: a time on the visit's day, or a full date and time.
#[derive(Debug, Clone, Copy)]
pub enum VitalTime {
    /// `HH:MM`, on the visit's day (or its end day for a night visit).
    Time(TimeOfDay),
    /// `YYYY-MM-DDTHH:MM`.
    At(DateTime),
}

/// `--vital "HH:MM,rr=30,pulse=120,temp=36.8,spo2=98,bp=100/60"`.
#[derive(Debug, Clone, Default)]
pub struct VitalArg {
    pub at: Option<VitalTime>,
    pub respiration: Option<u32>,
    pub pulse: Option<u32>,
    pub temperature_c: Option<f64>,
    pub spo2: Option<u32>,
    pub bp: Option<(u32, u32)>,
}

impl FromStr for VitalArg {
    type Err = String;
    fn from_str(s: &str) -> Result<Self, String> {
        let mut v = VitalArg::default();
        for (i, part) in s.split(',').map(str::trim).enumerate() {
            if part.is_empty() {
                continue;
            }
            let Some((key, value)) = part.split_once('=') else {
                if i == 0 {
                    v.at = Some(if part.contains('T') {
                        VitalTime::At(parse("vital time", part, s)?)
                    } else {
                        VitalTime::Time(parse("vital time", part, s)?)
                    });
                    continue;
                }
                return Err(format!("vital {s:?}: {part:?} is not key=value (keys: rr, pulse, temp, spo2, bp)"));
            };
            match key.trim() {
                "rr" | "resp" | "respiration" => v.respiration = Some(parse("respiration (rr)", value, s)?),
                "pulse" | "hr" => v.pulse = Some(parse("pulse", value, s)?),
                "temp" | "t" | "temperature" => {
                    let t: f64 = parse("temperature (temp)", value, s)?;
                    if !t.is_finite() {
                        return Err(format!("temperature (temp) in {s:?}: {value:?} is not a number"));
                    }
                    v.temperature_c = Some(t);
                }
                "spo2" => v.spo2 = Some(parse("spo2", value, s)?),
                "bp" => {
                    let (sys, dia) = value
                        .split_once('/')
                        .ok_or_else(|| format!("bp in {s:?}: expected systolic/diastolic such as 100/60, not {value:?}"))?;
                    v.bp = Some((parse("bp systolic", sys, s)?, parse("bp diastolic", dia, s)?));
                }
                other => return Err(format!("vital {s:?}: unknown key {other:?} (keys: rr, pulse, temp, spo2, bp)")),
            }
        }
        Ok(v)
    }
}

/// `--care "suction:count=6"`, `"tube_feeding:ml=200,rate=100"`, `"oxygen:lpm=1.5"`; a `note=`
/// key takes the rest of the value, commas included.
/// The care entry itself, its id left empty for the caller to fill.
#[derive(Debug, Clone)]
pub struct CareArg(pub CareGiven);

impl std::ops::Deref for CareArg {
    type Target = CareGiven;
    fn deref(&self) -> &CareGiven {
        &self.0
    }
}

impl FromStr for CareArg {
    type Err = String;
    fn from_str(s: &str) -> Result<Self, String> {
        let (item, rest) = s.split_once(':').unwrap_or((s, ""));
        let mut c = CareGiven {
            id: String::new(),
            item: parse("care item", item, s)?,
            count: None,
            amount_ml: None,
            rate_ml_per_h: None,
            oxygen_l_per_min: None,
            note: String::new(),
        };
        let mut rest = rest.trim();
        while !rest.is_empty() {
            if let Some(note) = rest.strip_prefix("note=") {
                c.note = note.trim().to_string();
                break;
            }
            let (part, tail) = rest.split_once(',').unwrap_or((rest, ""));
            rest = tail.trim();
            let (key, value) =
                part.split_once('=').ok_or_else(|| format!("care {s:?}: {part:?} is not key=value (keys: count, ml, rate, lpm, note)"))?;
            match key.trim() {
                "count" => c.count = Some(parse("care count", value, s)?),
                "ml" => c.amount_ml = Some(parse("care ml", value, s)?),
                "rate" => c.rate_ml_per_h = Some(parse("care rate (mL/h)", value, s)?),
                "lpm" => {
                    let l: f64 = parse("care lpm (L/min)", value, s)?;
                    if !l.is_finite() {
                        return Err(format!("care lpm in {s:?}: {value:?} is not a number"));
                    }
                    c.oxygen_l_per_min = Some(l);
                }
                other => return Err(format!("care {s:?}: unknown key {other:?} (keys: count, ml, rate, lpm, note)")),
            }
        }
        Ok(CareArg(c))
    }
}

/// `--check "item_id=ok|problem|absent[:note]"`.
#[derive(Debug, Clone)]
pub struct CheckArg {
    pub item: String,
    pub status: CheckStatus,
    pub note: String,
}

impl FromStr for CheckArg {
    type Err = String;
    fn from_str(s: &str) -> Result<Self, String> {
        let (item, rest) = s.split_once('=').ok_or_else(|| format!("check {s:?}: expected item_id=ok|problem|absent[:note]"))?;
        let (status, note) = rest.split_once(':').unwrap_or((rest, ""));
        Ok(CheckArg {
            item: nonempty("checklist item id", item, s)?.to_string(),
            status: parse("check status", status, s)?,
            note: note.trim().to_string(),
        })
    }
}

/// `--score "item[:watch]"`.
#[derive(Debug, Clone)]
pub struct ScoreArg(pub ScoreEntry);

impl FromStr for ScoreArg {
    type Err = String;
    fn from_str(s: &str) -> Result<Self, String> {
        let (item, watch) = s.split_once(':').unwrap_or((s, "none"));
        Ok(ScoreArg(ScoreEntry { item: parse::<CareItem>("score item", item, s)?, watch: parse::<Watch>("score watch", watch, s)? }))
    }
}

/// `--guardian` / `--contact "name:relation:phone"`.
#[derive(Debug, Clone)]
pub struct ContactArg(pub Contact);

impl FromStr for ContactArg {
    type Err = String;
    fn from_str(s: &str) -> Result<Self, String> {
        let mut parts = s.splitn(3, ':');
        let (Some(name), Some(relation), Some(phone)) = (parts.next(), parts.next(), parts.next()) else {
            return Err(format!("contact {s:?}: expected name:relation:phone, e.g. 見本 母:母:000-0000-0000"));
        };
        Ok(ContactArg(Contact {
            name: nonempty("contact name", name, s)?.to_string(),
            relation: relation.trim().to_string(),
            phone: phone.trim().to_string(),
        }))
    }
}

/// `--instruction "doctor:institution:FROM:UNTIL"`.
#[derive(Debug, Clone)]
pub struct InstructionArg(pub DoctorInstruction);

impl FromStr for InstructionArg {
    type Err = String;
    fn from_str(s: &str) -> Result<Self, String> {
        let mut parts = s.rsplitn(3, ':');
        let (Some(until), Some(from), Some(who)) = (parts.next(), parts.next(), parts.next()) else {
            return Err(format!(
                "instruction {s:?}: expected doctor:institution:FROM:UNTIL, e.g. 架空 医師:架空病院:2026-04-01:2026-09-30"
            ));
        };
        let (doctor, institution) = who
            .split_once(':')
            .ok_or_else(|| format!("instruction {s:?}: expected doctor:institution:FROM:UNTIL (the institution is missing)"))?;
        Ok(InstructionArg(DoctorInstruction {
            doctor: nonempty("instruction doctor", doctor, s)?.to_string(),
            institution: institution.trim().to_string(),
            valid_from: parse::<Date>("instruction FROM", from, s)?,
            valid_until: parse::<Date>("instruction UNTIL", until, s)?,
        }))
    }
}

/// `--topic "topic[:detail]"`.
#[derive(Debug, Clone)]
pub struct TopicArg {
    pub topic: String,
    pub detail: String,
}

impl FromStr for TopicArg {
    type Err = String;
    fn from_str(s: &str) -> Result<Self, String> {
        let (topic, detail) = s.split_once(':').unwrap_or((s, ""));
        Ok(TopicArg { topic: nonempty("handover topic", topic, s)?.to_string(), detail: detail.trim().to_string() })
    }
}

/// Hours given on the command line (`--cap-hours 144`, `1.5`): whole minutes, not negative.
#[derive(Debug, Clone, Copy)]
pub struct Hours(pub u32);

impl FromStr for Hours {
    type Err = String;
    fn from_str(s: &str) -> Result<Self, String> {
        let h: f64 = s.trim().parse().map_err(|_| format!("hours {s:?}: expected a number of hours such as 144 or 1.5"))?;
        let minutes = h * 60.0;
        if !minutes.is_finite() || minutes < 0.0 || minutes > f64::from(u32::MAX) || (minutes - minutes.round()).abs() > 1e-6 {
            return Err(format!("hours {s:?}: expected a non-negative number of hours in whole minutes"));
        }
        Ok(Hours(minutes.round() as u32))
    }
}

/// `--pro-rating none|proportional|per_month:HOURS`.
#[derive(Debug, Clone, Copy)]
pub struct ProRatingArg(pub carebook_domain::ProRating);

impl FromStr for ProRatingArg {
    type Err = String;
    fn from_str(s: &str) -> Result<Self, String> {
        use carebook_domain::ProRating;
        match s.trim() {
            "none" => Ok(ProRatingArg(ProRating::None)),
            "proportional" | "proportional_months" => Ok(ProRatingArg(ProRating::ProportionalMonths)),
            other => match other.split_once(':') {
                Some(("per_month", h)) => Ok(ProRatingArg(ProRating::PerRemainingMonth { minutes_per_month: h.parse::<Hours>()?.0 })),
                _ => Err(format!("pro-rating {s:?}: expected one of none, proportional, per_month:HOURS")),
            },
        }
    }
}

/// `--daytime-band FROM-TO:YEN` (hours; `TO` empty for a last, open band: `10-:37500`).
#[derive(Debug, Clone, Copy)]
pub struct DaytimeBandArg(pub carebook_domain::DaytimeBand);

impl FromStr for DaytimeBandArg {
    type Err = String;
    fn from_str(s: &str) -> Result<Self, String> {
        let expected = || format!("daytime band {s:?}: expected FROM-TO:YEN in hours, such as 8-9:30000 or 10-:37500");
        let (range, yen) = s.trim().split_once(':').ok_or_else(expected)?;
        let (from, to) = range.split_once('-').ok_or_else(expected)?;
        let yen: u32 = yen.trim().parse().map_err(|_| expected())?;
        let from = from.parse::<Hours>()?.0;
        let to = if to.trim().is_empty() { None } else { Some(to.parse::<Hours>()?.0) };
        Ok(DaytimeBandArg(carebook_domain::DaytimeBand { from_minutes: from, to_minutes: to, yen }))
    }
}

/// `--daytime-charge TIER:yen:N` (a day) or `TIER:percent:N` (of the base amount).
#[derive(Debug, Clone, Copy)]
pub struct DaytimeChargeArg(pub carebook_domain::IncomeTier, pub carebook_domain::UserCharge);

impl FromStr for DaytimeChargeArg {
    type Err = String;
    fn from_str(s: &str) -> Result<Self, String> {
        use carebook_domain::UserCharge;
        let expected = || format!("daytime charge {s:?}: expected TIER:yen:N or TIER:percent:N, such as taxed:yen:2500");
        let mut parts = s.trim().splitn(3, ':');
        let (Some(tier), Some(how), Some(n)) = (parts.next(), parts.next(), parts.next()) else { return Err(expected()) };
        let tier: carebook_domain::IncomeTier = tier.parse().map_err(|e: carebook_domain::UnknownName| e.to_string())?;
        let n: u32 = n.trim().parse().map_err(|_| expected())?;
        let charge = match how {
            "yen" => UserCharge::PerDay { yen: n },
            "percent" => UserCharge::Percent { percent: n },
            _ => return Err(expected()),
        };
        Ok(DaytimeChargeArg(tier, charge))
    }
}

/// What the `cli_values` fuzz target runs (every parser on one text), shared with it.
#[cfg(test)]
#[path = "../../../fuzz/src/cli_values.rs"]
mod cli_values;

#[cfg(test)]
mod tests {
    use super::*;

    /// The `cli_values` fuzz target's seeds and every input that once crashed it
    /// (`fuzz/seeds/cli_values/`, `fuzz/regressions/cli_values/`), replayed without cargo-fuzz.
    #[test]
    fn every_seed_and_regression_of_the_cli_values_fuzz_target_parses_without_a_panic() {
        let fuzz = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("../../fuzz");
        let mut accepted = 0;
        for dir in ["seeds", "regressions"] {
            let Ok(entries) = std::fs::read_dir(fuzz.join(dir).join("cli_values")) else { continue };
            for e in entries {
                let path = e.unwrap().path();
                eprintln!("{}", path.display());
                accepted += cli_values::cli_values(&std::fs::read(&path).unwrap());
            }
        }
        // Each seed is a value some parser takes.
        assert!(accepted >= 18, "{accepted}");
    }

    #[test]
    fn a_staff_value_needs_four_or_five_parts_and_known_names() {
        let s: StaffArg = "n1:架空 看護師:lead:nurse".parse().unwrap();
        assert_eq!((s.role, s.profession, s.station_id), (StaffRole::Lead, Profession::Nurse, None));
        let s: StaffArg = "b1:B:accompanying:associate_nurse:stB".parse().unwrap();
        assert_eq!(s.station_id.as_deref(), Some("stB"));
        assert!("n1:name:lead".parse::<StaffArg>().unwrap_err().contains("id:name:role:profession"));
        assert!("n1:name:boss:nurse".parse::<StaffArg>().unwrap_err().contains("\"boss\""));
    }

    #[test]
    fn a_vital_value_reads_time_and_keys() {
        let v: VitalArg = "10:00,rr=30,pulse=120,temp=36.8,spo2=98,bp=100/60".parse().unwrap();
        assert!(matches!(v.at, Some(VitalTime::Time(_))));
        assert_eq!((v.respiration, v.pulse, v.spo2, v.bp), (Some(30), Some(120), Some(98), Some((100, 60))));
        assert_eq!(v.temperature_c, Some(36.8));
        assert!("10:00,bp=100".parse::<VitalArg>().unwrap_err().contains("bp"));
        assert!("10:00,weight=3".parse::<VitalArg>().unwrap_err().contains("weight"));
        assert!("25:00,rr=3".parse::<VitalArg>().unwrap_err().contains("25:00"));
    }

    #[test]
    fn a_care_value_keeps_a_note_with_commas() {
        let c: CareArg = "suction:count=6,note=白色, 粘稠".parse().unwrap();
        assert_eq!((c.item, c.count, c.note.as_str()), (CareItem::Suction, Some(6), "白色, 粘稠"));
        let c: CareArg = "oxygen:lpm=1.5".parse().unwrap();
        assert_eq!(c.oxygen_l_per_min, Some(1.5));
        assert!("suctioning".parse::<CareArg>().unwrap_err().contains("suctioning"));
    }

    #[test]
    fn an_instruction_value_splits_dates_from_the_right() {
        let i: InstructionArg = "架空 医師:架空病院:2026-04-01:2026-09-30".parse().unwrap();
        assert_eq!(i.0.institution, "架空病院");
        assert!("医師:病院:2026-04-01:2026-02-30".parse::<InstructionArg>().unwrap_err().contains("2026-02-30"));
    }

    #[test]
    fn hours_must_be_whole_minutes() {
        assert_eq!("1.5".parse::<Hours>().unwrap().0, 90);
        assert!("-1".parse::<Hours>().is_err());
        assert!("1.001".parse::<Hours>().is_err());
    }
}
