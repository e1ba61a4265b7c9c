//! The child's face sheet (記録書I): who the child is, where they live (the municipality sets the
//! respite rules), the household tier, guardians, devices at home, the medical-care score, the
//! doctor's instruction with its validity period, and emergency contacts.

use autosurgeon::{Hydrate, Reconcile};
use serde::{Deserialize, Serialize};

use crate::calendar::Date;
use crate::ids::ChildId;
use crate::rules::IncomeTier;
use crate::schema::described;
use crate::score::{medical_care_score, validate_score, Score, ScoreEntry};
use crate::validation::{labelled_enum, Problems};

/// A person to call: guardian, doctor, hospital.
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
#[derive(Debug, Clone, PartialEq, Eq, Default, Serialize, Deserialize, Reconcile, Hydrate)]
pub struct Contact {
    /// Name.
    pub name: String,
    /// Relation or role: 母, 父, 主治医, 訪問看護ステーション …
    pub relation: String,
    /// Phone number.
    pub phone: String,
}

/// The most characters of a name, kana, relation, device, doctor or institution.
pub const NAME_MAX: usize = 100;
/// The most characters of a phone number.
pub const PHONE_MAX: usize = 30;
/// The most characters of the diagnosis.
pub const NOTE_MAX: usize = 4000;

/// The doctor's instruction document (医師指示書) and how long it is valid.
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, Reconcile, Hydrate)]
pub struct DoctorInstruction {
    /// The doctor.
    pub doctor: String,
    /// The hospital or clinic.
    pub institution: String,
    /// First valid day.
    pub valid_from: Date,
    /// Last valid day.
    pub valid_until: Date,
}

labelled_enum! {
    /// Whether the doctor's instruction is valid on a day.
    pub enum InstructionState {
        /// Valid, and more than 14 days left.
        Valid = ("valid", "有効", "valid"),
        /// Valid, 14 days or fewer left.
        ExpiringSoon = ("expiring_soon", "まもなく期限切れ", "expiring soon"),
        /// Past its last day.
        Expired = ("expired", "期限切れ", "expired"),
        /// Not valid yet.
        NotYetValid = ("not_yet_valid", "有効期間前", "not yet valid"),
        /// No instruction on file.
        Missing = ("missing", "未登録", "missing"),
    }
}

labelled_enum! {
    /// What a guardian's consent to share covers. Only what the municipality pays for: it runs
    /// the home respite programme (在宅レスパイト・就労等支援事業) and pays half of it, and needs
    /// the child's face sheet and visit records to check the uses it is billed for.
    pub enum SharingScope {
        /// 在宅レスパイト事業の記録: the face sheet and the visit records, for the respite
        /// programme.
        RespiteRecords = ("respite_records", "在宅レスパイト事業の記録（フェイスシート・訪問記録）", "respite programme records (face sheet and visits)"),
    }
}

/// The most fiscal years a consent may run: until the end of the fiscal year after the one in
/// which it was given (so one to two years), then it is given again.
pub const SHARING_MAX_FISCAL_YEARS: i32 = 2;

/// The guardian's consent to share the child's records with the welfare section of the child's
/// municipality (区市町村の障害福祉課), recorded on the face sheet. In force from the day it was
/// given to `until`, both included, unless withdrawn: from the day it was withdrawn the
/// municipality reads the child no more (its devices remove the child's records at their next
/// sync).
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, Reconcile, Hydrate)]
pub struct SharingConsent {
    /// The guardian who consented (their name).
    pub by: String,
    /// The day the consent was given: the first day it is in force.
    pub given_on: Date,
    /// What it covers.
    pub scope: SharingScope,
    /// Its last day (required; at most the end of the fiscal year after `given_on`'s).
    pub until: Date,
    /// The day it was withdrawn, if it was: not in force from that day on.
    pub withdrawn_on: Option<Date>,
}

impl SharingConsent {
    /// The days it is in force, first and last (both included): from `given_on` to `until`, or
    /// to the day before it was withdrawn. `None` when there is no such day.
    pub fn in_force_days(&self) -> Option<(Date, Date)> {
        let last = match self.withdrawn_on {
            Some(w) if w <= self.until => Date::from_days_since_epoch(w.days_since_epoch() - 1),
            _ => self.until,
        };
        (self.given_on <= last).then_some((self.given_on, last))
    }

    /// Whether it is in force on `today`.
    pub fn in_force(&self, today: Date) -> bool {
        self.in_force_days().is_some_and(|(first, last)| first <= today && today <= last)
    }

    /// The latest `until` allowed for a consent given on `given_on`.
    pub fn latest_until(given_on: Date) -> Date {
        let fy = given_on.fiscal_year();
        crate::calendar::FiscalYear(fy.0 + SHARING_MAX_FISCAL_YEARS - 1).last_day()
    }

    fn validate(&self, today: Date, p: &mut Problems) {
        p.text("sharing.by", &self.by, NAME_MAX, false);
        if crate::validation::is_blank(&self.by) {
            p.push("sharing.by", "required", "同意した保護者の氏名を入力してください", "the name of the guardian who consented is empty");
        }
        if self.given_on > today {
            p.push(
                "sharing.given_on",
                "future",
                format!("同意日 {} が未来の日付です", self.given_on),
                format!("consent given on {} is in the future", self.given_on),
            );
        }
        let latest = SharingConsent::latest_until(self.given_on);
        if self.until < self.given_on {
            p.push(
                "sharing.until",
                "date_order",
                format!("同意の期限 {} が同意日 {} より前です", self.until, self.given_on),
                format!("consent until {} is before the day it was given, {}", self.until, self.given_on),
            );
        } else if self.until > latest {
            p.push(
                "sharing.until",
                "too_long",
                format!("同意の期限は翌年度末（{latest}）までです（{} が入力されています）", self.until),
                format!("consent may run at most to the end of the next fiscal year, {latest}; got {}", self.until),
            );
        }
        if let Some(w) = self.withdrawn_on {
            if w < self.given_on {
                p.push(
                    "sharing.withdrawn_on",
                    "date_order",
                    format!("撤回日 {w} が同意日 {} より前です", self.given_on),
                    format!("withdrawn on {w}, before the consent was given on {}", self.given_on),
                );
            }
            if w > today {
                p.push(
                    "sharing.withdrawn_on",
                    "future",
                    format!("撤回日 {w} が未来の日付です（撤回を受けた日を入力してください）"),
                    format!("withdrawn on {w} is in the future (enter the day the withdrawal was received)"),
                );
            }
        }
    }
}

/// Days before expiry at which the face sheet warns.
pub const INSTRUCTION_WARNING_DAYS: i64 = 14;

/// A child's face sheet. One automerge document per child.
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, Reconcile, Hydrate)]
pub struct Child {
    /// Id.
    pub id: ChildId,
    /// Name (氏名).
    pub name: String,
    /// Name in kana (ふりがな).
    pub kana: String,
    /// Birth date.
    pub birth_date: Date,
    /// Municipality code (5 digits), which sets the respite rules.
    pub municipality: String,
    /// Household income tier (世帯区分).
    pub income_tier: IncomeTier,
    /// When the child enrolled in respite, if mid-year (for pro-rating).
    pub respite_enrolled_on: Option<Date>,
    /// Diagnosis.
    pub diagnosis: String,
    /// Guardians (保護者).
    pub guardians: Vec<Contact>,
    /// Devices at home: 人工呼吸器, 吸引器 …
    pub devices: Vec<String>,
    /// Medical-care score items.
    pub score: Vec<ScoreEntry>,
    /// The doctor's instruction.
    pub doctor_instruction: Option<DoctorInstruction>,
    /// Emergency contacts (doctor, family, hospital).
    pub emergency_contacts: Vec<Contact>,
    /// The guardian's consent to share the records with the municipality, if recorded (schema
    /// version 3: absent in older documents, read as none).
    #[autosurgeon(missing = "Default::default")]
    pub sharing: Option<SharingConsent>,
    /// Changes of the household's income tier, each from a day, in day order: `income_tier` is
    /// the tier before the first (schema version 4: absent in older documents, read as none).
    #[autosurgeon(missing = "Default::default")]
    #[serde(default)]
    pub income_tier_changes: Vec<TierChange>,
    /// The doctor's instructions before the current one, oldest first: each was issued, and is
    /// claimed, once (schema version 4: absent in older documents, read as none).
    #[autosurgeon(missing = "Default::default")]
    #[serde(default)]
    pub past_instructions: Vec<DoctorInstruction>,
}

/// The household's income tier from a day on (a change reported mid-year).
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, Reconcile, Hydrate)]
pub struct TierChange {
    /// The first day of the new tier.
    pub from: Date,
    /// The tier from that day.
    pub tier: IncomeTier,
}

impl Child {
    /// The medical-care score.
    pub fn score(&self) -> Score {
        medical_care_score(&self.score)
    }

    /// The medical-care score when it is known: `None` when the face sheet lists no score item.
    /// A child who needs medical care has at least one item (each is worth 3 points or more),
    /// so an empty list means the score was never entered, not a score of 0.
    pub fn known_score(&self) -> Option<u32> {
        (!self.score.is_empty()).then(|| self.score().total())
    }

    /// The household's income tier on `day`: the last change from that day or before, else
    /// `income_tier`.
    pub fn tier_on(&self, day: Date) -> IncomeTier {
        self.income_tier_changes.iter().filter(|c| c.from <= day).max_by_key(|c| c.from).map_or(self.income_tier, |c| c.tier)
    }

    /// Every doctor's instruction the face sheet knows of, oldest first: the past ones, then
    /// the current one.
    pub fn instructions(&self) -> impl Iterator<Item = &DoctorInstruction> {
        self.past_instructions.iter().chain(&self.doctor_instruction)
    }

    /// Records a new doctor's instruction: one issued from another day than the current one
    /// is a renewal, and the current one joins the past ones (it was issued, and claimed, once);
    /// one from the same day corrects the current one.
    pub fn set_instruction(&mut self, new: Option<DoctorInstruction>) {
        if let (Some(old), Some(n)) = (&self.doctor_instruction, &new) {
            if old.valid_from != n.valid_from && !self.past_instructions.contains(old) {
                self.past_instructions.push(old.clone());
            }
        }
        self.doctor_instruction = new;
    }

    /// The state of the doctor's instruction on `today`.
    pub fn instruction_state(&self, today: Date) -> InstructionState {
        let Some(i) = &self.doctor_instruction else {
            return InstructionState::Missing;
        };
        if today < i.valid_from {
            InstructionState::NotYetValid
        } else if today > i.valid_until {
            InstructionState::Expired
        } else if i.valid_until.days_since_epoch() - today.days_since_epoch() <= INSTRUCTION_WARNING_DAYS {
            InstructionState::ExpiringSoon
        } else {
            InstructionState::Valid
        }
    }

    /// Every problem with the face sheet. `today` is supplied by the caller (no clock here).
    pub fn validate(&self, today: Date) -> Problems {
        let mut p = Problems::new();
        p.text("name", &self.name, NAME_MAX, false);
        p.text("kana", &self.kana, NAME_MAX, false);
        p.text("diagnosis", &self.diagnosis, NOTE_MAX, true);
        for (list, contacts) in [("guardians", &self.guardians), ("emergency_contacts", &self.emergency_contacts)] {
            for (i, c) in contacts.iter().enumerate() {
                p.text(&format!("{list}[{i}].name"), &c.name, NAME_MAX, false);
                p.text(&format!("{list}[{i}].relation"), &c.relation, NAME_MAX, false);
                p.text(&format!("{list}[{i}].phone"), &c.phone, PHONE_MAX, false);
            }
        }
        for (i, d) in self.devices.iter().enumerate() {
            p.text(&format!("devices[{i}]"), d, NAME_MAX, false);
        }
        if let Some(i) = &self.doctor_instruction {
            p.text("doctor_instruction.doctor", &i.doctor, NAME_MAX, false);
            p.text("doctor_instruction.institution", &i.institution, NAME_MAX, false);
        }
        for (i, pair) in self.income_tier_changes.windows(2).enumerate() {
            if pair[1].from <= pair[0].from {
                p.push(
                    format!("income_tier_changes[{}].from", i + 1),
                    "order",
                    format!("世帯区分の変更日 {} は前の変更日 {} より後にしてください", pair[1].from, pair[0].from),
                    format!("tier change from {} must come after the one from {}", pair[1].from, pair[0].from),
                );
            }
        }
        if crate::validation::is_blank(&self.name) {
            p.push("name", "required", "氏名を入力してください", "the name is empty");
        }
        if crate::validation::is_blank(&self.kana) {
            p.push("kana", "required", "ふりがなを入力してください", "the kana is empty");
        } else if self.kana.chars().count() > NAME_MAX {
            // Already reported as too long; quoting it would repeat all of it.
        } else if !self.kana.chars().all(is_kana_or_space) {
            p.push(
                "kana",
                "kana",
                format!("ふりがな「{}」はひらがな・カタカナで入力してください", crate::validation::excerpt(&self.kana)),
                format!("kana \"{}\" must be hiragana or katakana", crate::validation::excerpt(&self.kana)),
            );
        }
        if self.birth_date > today {
            p.push(
                "birth_date",
                "future",
                format!("生年月日 {} が未来の日付です", self.birth_date),
                format!("birth date {} is in the future", self.birth_date),
            );
        }
        if self.municipality.len() != 5 || !self.municipality.bytes().all(|b| b.is_ascii_digit()) {
            p.push(
                "municipality",
                "municipality_code",
                format!(
                    "自治体コード「{}」は5桁の数字で入力してください（例: 文京区 13105）",
                    crate::validation::excerpt(&self.municipality)
                ),
                format!(
                    "municipality code \"{}\" must be 5 digits (e.g. 13105 for Bunkyo)",
                    crate::validation::excerpt(&self.municipality)
                ),
            );
        }
        if let Some(i) = &self.doctor_instruction {
            if i.valid_until < i.valid_from {
                p.push(
                    "doctor_instruction.valid_until",
                    "date_order",
                    format!("指示書の有効期限 {} が開始日 {} より前です", i.valid_until, i.valid_from),
                    format!("instruction valid until {} is before its start {}", i.valid_until, i.valid_from),
                );
            }
        }
        for (i, c) in self.guardians.iter().chain(&self.emergency_contacts).enumerate() {
            if c.name.trim().is_empty() {
                let field = if i < self.guardians.len() {
                    format!("guardians[{i}].name")
                } else {
                    format!("emergency_contacts[{}].name", i - self.guardians.len())
                };
                p.push(field, "required", "連絡先の氏名を入力してください", "a contact has no name");
            }
        }
        if let Some(s) = &self.sharing {
            s.validate(today, &mut p);
        }
        p.0.extend(validate_score(&self.score).0);
        p
    }

    /// Whether the child's municipality may read its records on `today`: a consent is recorded
    /// and in force.
    pub fn shared_on(&self, today: Date) -> bool {
        self.sharing.as_ref().is_some_and(|s| s.in_force(today))
    }
}

fn is_kana_or_space(c: char) -> bool {
    matches!(c, '\u{3040}'..='\u{309F}' | '\u{30A0}'..='\u{30FF}' | ' ' | '\u{3000}')
}

// The face sheet's document schema (crate::schema): every field listed, types from the struct.
described!(Contact { name, relation, phone });
described!(DoctorInstruction { doctor, institution, valid_from, valid_until });
described!(SharingConsent { by, given_on, scope, until, withdrawn_on });
described!(Child {
    id,
    name,
    kana,
    birth_date,
    municipality,
    income_tier,
    respite_enrolled_on,
    diagnosis,
    guardians,
    devices,
    score,
    doctor_instruction,
    emergency_contacts,
    sharing since 3,
    income_tier_changes since 4,
    past_instructions since 4,
});
described!(TierChange { from, tier });

#[cfg(test)]
pub(crate) mod tests {
    use super::*;
    use crate::score::{CareItem, Watch};

    pub(crate) fn sample() -> Child {
        Child {
            id: ChildId::random(),
            name: "見本 はな".into(),
            kana: "みほん はな".into(),
            birth_date: "2019-06-01".parse().unwrap(),
            municipality: "13105".into(),
            income_tier: IncomeTier::TaxExempt,
            respite_enrolled_on: None,
            diagnosis: "（架空）".into(),
            guardians: vec![Contact { name: "見本 母".into(), relation: "母".into(), phone: "000-0000-0000".into() }],
            devices: vec!["人工呼吸器".into()],
            score: vec![ScoreEntry { item: CareItem::Ventilator, watch: Watch::High }],
            doctor_instruction: Some(DoctorInstruction {
                doctor: "架空 医師".into(),
                institution: "架空病院".into(),
                valid_from: "2026-04-01".parse().unwrap(),
                valid_until: "2026-09-30".parse().unwrap(),
            }),
            emergency_contacts: vec![],
            sharing: None,
            income_tier_changes: vec![],
            past_instructions: vec![],
        }
    }

    #[test]
    fn the_tier_on_a_day_follows_its_changes_and_their_days_must_increase() {
        let mut c = sample();
        let d = |s: &str| s.parse::<Date>().unwrap();
        c.income_tier_changes = vec![
            TierChange { from: d("2026-10-01"), tier: IncomeTier::Taxed },
            TierChange { from: d("2027-01-01"), tier: IncomeTier::PublicAssistance },
        ];
        assert_eq!(c.tier_on(d("2026-09-30")), IncomeTier::TaxExempt, "before any change: the base tier");
        assert_eq!(c.tier_on(d("2026-10-01")), IncomeTier::Taxed);
        assert_eq!(c.tier_on(d("2026-12-31")), IncomeTier::Taxed);
        assert_eq!(c.tier_on(d("2027-01-01")), IncomeTier::PublicAssistance);
        assert!(c.validate(d("2026-05-01")).is_empty());
        c.income_tier_changes[1].from = d("2026-10-01");
        let p = c.validate(d("2026-05-01"));
        assert_eq!(p.0.iter().map(|x| (x.field.as_str(), x.code.as_str())).collect::<Vec<_>>(), [("income_tier_changes[1].from", "order")]);
    }

    #[test]
    fn a_renewed_instruction_keeps_the_one_before_and_a_correction_does_not() {
        let mut c = sample();
        let first = c.doctor_instruction.clone().unwrap();
        let mut corrected = first.clone();
        corrected.doctor = "架空 医師二".into();
        c.set_instruction(Some(corrected.clone()));
        assert!(c.past_instructions.is_empty(), "the same day: a correction");
        let renewed = DoctorInstruction {
            valid_from: "2026-10-01".parse().unwrap(),
            valid_until: "2027-03-31".parse().unwrap(),
            ..corrected.clone()
        };
        c.set_instruction(Some(renewed.clone()));
        assert_eq!(c.past_instructions, [corrected.clone()]);
        assert_eq!(c.instructions().cloned().collect::<Vec<_>>(), [corrected, renewed]);
    }

    #[test]
    fn the_score_is_known_only_when_the_face_sheet_lists_an_item() {
        let mut c = sample();
        // Ventilator with high watch: 10 + 2.
        assert_eq!(c.known_score(), Some(12));
        // Enema alone, the smallest item: 3.
        c.score = vec![ScoreEntry { item: CareItem::Enema, watch: Watch::None }];
        assert_eq!(c.known_score(), Some(3));
        c.score.clear();
        assert_eq!(c.known_score(), None, "no item entered is not a score of 0");
    }

    #[test]
    fn a_complete_face_sheet_is_valid() {
        assert_eq!(sample().validate("2026-05-01".parse().unwrap()), Problems::new());
        assert_eq!(sample().score().total(), 12);
    }

    #[test]
    fn text_that_hides_or_floods_is_refused_with_its_field_and_without_being_quoted() {
        let today = "2026-05-01".parse().unwrap();
        let codes = |c: &Child| c.validate(today).0.into_iter().map(|p| (p.field, p.code)).collect::<Vec<_>>();
        let mut c = sample();
        c.name = "見".repeat(9_000_000 / 3);
        let problems = c.validate(today);
        assert_eq!(codes(&c), vec![("name".to_string(), "too_long".to_string())]);
        assert!(problems.0[0].en.contains("at most 100 characters, got 3000000") && problems.0[0].ja.len() < 200);
        c.name = "見本\u{0}はな".into();
        assert_eq!(codes(&c), vec![("name".to_string(), "control_char".to_string())]);
        c.name = "見本 \u{1b}[31mはな".into();
        assert_eq!(codes(&c), vec![("name".to_string(), "control_char".to_string())]);
        c.name = "見本 \u{202E}なは".into();
        assert_eq!(codes(&c), vec![("name".to_string(), "bidi_control".to_string())]);
        c.name = "\u{200B}\u{200B} \u{FEFF}".into();
        assert_eq!(codes(&c), vec![("name".to_string(), "required".to_string())]);
        // Line breaks belong in a diagnosis, not in a phone number.
        let mut c = sample();
        c.diagnosis = "（架空）\n経過観察".into();
        c.guardians[0].phone = "000\n0000".into();
        assert_eq!(codes(&c), vec![("guardians[0].phone".to_string(), "control_char".to_string())]);
        c.guardians[0].phone = "000-0000-0000".into();
        c.kana = "み".repeat(101);
        assert_eq!(codes(&c), vec![("kana".to_string(), "too_long".to_string())], "a long kana is named once, not quoted");
    }

    #[test]
    fn every_problem_is_reported_with_its_field() {
        let mut c = sample();
        c.name = " ".into();
        c.kana = "Hana".into();
        c.birth_date = "2027-01-01".parse().unwrap();
        c.municipality = "Bunkyo".into();
        c.guardians[0].name.clear();
        let p = c.validate("2026-05-01".parse().unwrap());
        for f in ["name", "kana", "birth_date", "municipality", "guardians[0].name"] {
            assert!(p.has_field(f), "{f} missing in {p}");
        }
        assert!(p.0.iter().any(|x| x.en.contains("\"Bunkyo\"")));
    }

    #[test]
    fn the_instruction_warns_two_weeks_ahead_and_expires_after_its_last_day() {
        let c = sample();
        let state = |d: &str| c.instruction_state(d.parse().unwrap());
        assert_eq!(state("2026-03-31"), InstructionState::NotYetValid);
        assert_eq!(state("2026-09-15"), InstructionState::Valid);
        assert_eq!(state("2026-09-16"), InstructionState::ExpiringSoon);
        assert_eq!(state("2026-09-30"), InstructionState::ExpiringSoon);
        assert_eq!(state("2026-10-01"), InstructionState::Expired);
        let none = Child { doctor_instruction: None, ..c.clone() };
        assert_eq!(none.instruction_state("2026-05-01".parse().unwrap()), InstructionState::Missing);
    }

    fn consent(given: &str, until: &str, withdrawn: Option<&str>) -> SharingConsent {
        SharingConsent {
            by: "見本 母".into(),
            given_on: given.parse().unwrap(),
            scope: SharingScope::RespiteRecords,
            until: until.parse().unwrap(),
            withdrawn_on: withdrawn.map(|w| w.parse().unwrap()),
        }
    }

    #[test]
    fn a_consent_is_in_force_from_the_day_given_to_its_last_day_and_not_from_the_day_withdrawn() {
        let c = consent("2026-04-10", "2027-03-31", None);
        let on = |c: &SharingConsent, d: &str| c.in_force(d.parse().unwrap());
        assert!(!on(&c, "2026-04-09") && on(&c, "2026-04-10") && on(&c, "2027-03-31") && !on(&c, "2027-04-01"));
        let w = consent("2026-04-10", "2027-03-31", Some("2026-06-01"));
        assert!(on(&w, "2026-05-31") && !on(&w, "2026-06-01") && !on(&w, "2026-12-01"));
        assert_eq!(w.in_force_days().map(|(a, b)| (a.to_string(), b.to_string())), Some(("2026-04-10".into(), "2026-05-31".into())));
        // Withdrawn the day it was given: never in force.
        assert_eq!(consent("2026-04-10", "2027-03-31", Some("2026-04-10")).in_force_days(), None);
        // Withdrawn after its last day: the last day stands.
        assert_eq!(consent("2026-04-10", "2026-04-30", Some("2026-05-10")).in_force_days().unwrap().1.to_string(), "2026-04-30");
    }

    #[test]
    fn a_consent_runs_at_most_to_the_end_of_the_next_fiscal_year() {
        // Given in fiscal 2026 (1 April 2026 – 31 March 2027): at most to 31 March 2028.
        assert_eq!(SharingConsent::latest_until("2026-04-01".parse().unwrap()).to_string(), "2028-03-31");
        assert_eq!(SharingConsent::latest_until("2027-03-31".parse().unwrap()).to_string(), "2028-03-31");
        assert_eq!(SharingConsent::latest_until("2027-04-01".parse().unwrap()).to_string(), "2029-03-31");
    }

    #[test]
    fn consent_problems_name_their_field() {
        let today = "2026-05-01".parse().unwrap();
        let codes = |c: SharingConsent| {
            let mut child = sample();
            child.sharing = Some(c);
            child.validate(today).0.into_iter().map(|p| (p.field, p.code)).collect::<Vec<_>>()
        };
        let pair = |f: &str, c: &str| (f.to_string(), c.to_string());
        assert_eq!(codes(consent("2026-04-10", "2028-03-31", None)), vec![]);
        assert_eq!(codes(consent("2026-04-10", "2026-04-09", None)), vec![pair("sharing.until", "date_order")]);
        assert_eq!(codes(consent("2026-04-10", "2028-04-01", None)), vec![pair("sharing.until", "too_long")]);
        assert_eq!(codes(consent("2026-05-02", "2027-03-31", None)), vec![pair("sharing.given_on", "future")]);
        assert_eq!(codes(consent("2026-04-10", "2027-03-31", Some("2026-04-09"))), vec![pair("sharing.withdrawn_on", "date_order")]);
        assert_eq!(codes(consent("2026-04-10", "2027-03-31", Some("2026-05-02"))), vec![pair("sharing.withdrawn_on", "future")]);
        assert_eq!(codes(consent("2026-04-10", "2027-03-31", Some("2026-05-01"))), vec![], "withdrawn today");
        let mut blank = consent("2026-04-10", "2027-03-31", None);
        blank.by = " ".into();
        assert_eq!(codes(blank), vec![pair("sharing.by", "required")]);
        let mut long = consent("2026-04-10", "2027-03-31", None);
        long.by = "見".repeat(101);
        assert_eq!(codes(long), vec![pair("sharing.by", "too_long")]);
        let mut child = sample();
        child.sharing = Some(consent("2026-04-10", "2026-04-09", None));
        let p = child.validate(today);
        assert!(p.0[0].ja.contains("2026-04-09") && p.0[0].en.contains("before the day it was given"), "{p}");
    }

    #[test]
    fn the_municipality_may_read_the_child_only_while_a_consent_is_in_force() {
        let mut c = sample();
        assert!(!c.shared_on("2026-05-01".parse().unwrap()));
        c.sharing = Some(consent("2026-04-10", "2027-03-31", None));
        assert!(c.shared_on("2026-05-01".parse().unwrap()) && !c.shared_on("2027-04-01".parse().unwrap()));
    }
}
