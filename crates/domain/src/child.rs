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
        p.0.extend(validate_score(&self.score).0);
        p
    }
}

fn is_kana_or_space(c: char) -> bool {
    matches!(c, '\u{3040}'..='\u{309F}' | '\u{30A0}'..='\u{30FF}' | ' ' | '\u{3000}')
}

// The face sheet's document schema (crate::schema): every field listed, types from the struct.
described!(Contact { name, relation, phone });
described!(DoctorInstruction { doctor, institution, valid_from, valid_until });
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
});

#[cfg(test)]
mod tests {
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
        }
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
}
