//! People and organisations as the server keeps them and every device sees them: stations,
//! municipality welfare sections and the operator; each person's name (漢字 and かな), profession
//! and organisation. The server's directory ([`Directory`]) is what staff pickers list and what
//! turns an account into a name on every screen; [`PersonDetail`] is what an office manages.
//!
//! Names are checked here ([`validate_name`]), so the server, the CLI and the app refuse the same
//! input with the same problems.

use serde::{Deserialize, Serialize};

use crate::validation::{labelled_enum, Problems};
use crate::visit::Profession;
use crate::wire::Role;

labelled_enum! {
    /// What an organisation is.
    pub enum OrgKind {
        /// 訪問看護ステーション: owns children and their records.
        Station = ("station", "訪問看護ステーション", "visiting-nurse station"),
        /// 区市町村 障害福祉課: pays for respite in its municipality.
        Municipality = ("municipality", "区市町村 障害福祉課", "municipal welfare section"),
        /// Who runs Carebook (its administrators).
        Operator = ("operator", "運営", "operator"),
    }
}

/// The most characters of a name or its kana.
pub const NAME_MAX_CHARS: usize = 60;

/// An organisation.
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Org {
    /// Its id (a short code such as `st-kakuu`).
    pub id: String,
    /// What it is.
    pub kind: OrgKind,
    /// Its name (empty until set: the id is shown instead).
    pub name: String,
    /// The municipality code a welfare section pays for (`13101`); `None` for the others.
    pub municipality: Option<String>,
}

impl Org {
    /// The name people read: the name, or the id when none is set.
    pub fn shown_name(&self) -> &str {
        if self.name.is_empty() {
            &self.id
        } else {
            &self.name
        }
    }
}

/// A person as others see them: in staff pickers, on records, on the office's screens. Never
/// their account name (a login identifier), which only the people screen shows.
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Person {
    /// Account id: the staff code a visit's staff row keeps.
    pub id: String,
    /// Name in kanji (漢字), as records show it.
    pub name: String,
    /// Its reading (かな), for sorting and searching.
    pub kana: String,
    /// Profession (職種); `None` for parents and others without one.
    pub profession: Option<Profession>,
    /// What the account may do.
    pub role: Role,
    /// The organisation.
    pub org_id: String,
}

/// What a device may know of the organisation: every organisation's name and kind, and the
/// people its account works with (see the server's `directory`).
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct Directory {
    /// Organisations, by id.
    pub orgs: Vec<Org>,
    /// People who may log in, by organisation then kana.
    pub people: Vec<Person>,
    /// The transfers of children from or to the account's station, oldest first (an
    /// administrator's: all of them; empty from an older server).
    #[serde(default)]
    pub transfers: Vec<crate::transfer::Transfer>,
}

impl Directory {
    /// The person with this account id.
    pub fn person(&self, id: &str) -> Option<&Person> {
        self.people.iter().find(|p| p.id == id)
    }

    /// The organisation with this id.
    pub fn org(&self, id: &str) -> Option<&Org> {
        self.orgs.iter().find(|o| o.id == id)
    }

    /// The last transfer of `child_id` the directory lists.
    pub fn transfer_of(&self, child_id: &str) -> Option<&crate::transfer::Transfer> {
        self.transfers.iter().rev().find(|t| t.child_id == child_id)
    }

    /// Every station, by id.
    pub fn stations(&self) -> impl Iterator<Item = &Org> {
        self.orgs.iter().filter(|o| o.kind == OrgKind::Station)
    }
}

/// A device of a person, as the people screen lists it.
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct DeviceBrief {
    /// Device id.
    pub id: String,
    /// The name given at login.
    pub name: String,
    /// Unix seconds of its last request (to the minute).
    #[cfg_attr(feature = "ts", ts(type = "number | null"))]
    pub last_seen: Option<i64>,
    /// Unix seconds it was revoked, if it was.
    #[cfg_attr(feature = "ts", ts(type = "number | null"))]
    pub revoked_at: Option<i64>,
}

/// A person as their office manages them: the account, its state, devices and assignments.
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct PersonDetail {
    /// Who they are.
    #[serde(flatten)]
    pub person: Person,
    /// Account name (what they log in with).
    pub username: String,
    /// Unix seconds the account was disabled, if it is.
    #[cfg_attr(feature = "ts", ts(type = "number | null"))]
    pub disabled_at: Option<i64>,
    /// Unix seconds until which a one-time password waits to be replaced, if one was issued.
    #[cfg_attr(feature = "ts", ts(type = "number | null"))]
    pub one_time_until: Option<i64>,
    /// Their devices, newest first.
    pub devices: Vec<DeviceBrief>,
    /// Children assigned (a nurse's) or their own (a parent's), sorted.
    pub children: Vec<String>,
    /// Unix seconds.
    #[cfg_attr(feature = "ts", ts(type = "number"))]
    pub created_at: i64,
}

/// A person to add (by an office for its own organisation, or an administrator). The server
/// issues a one-time password ([`OneTimePassword`]) that must be replaced at the first login.
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct NewPerson {
    /// Account name.
    pub username: String,
    /// Role.
    pub role: Role,
    /// Organisation; an office may only give its own (and may leave it out).
    #[serde(default)]
    pub org_id: Option<String>,
    /// Name in kanji.
    pub name: String,
    /// Its reading in kana.
    pub kana: String,
    /// Profession.
    #[serde(default)]
    pub profession: Option<Profession>,
}

/// A change to a person: each field given is set, the others stay.
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct PersonChange {
    /// New role.
    #[serde(default)]
    pub role: Option<Role>,
    /// New organisation (administrators only).
    #[serde(default)]
    pub org_id: Option<String>,
    /// New name in kanji.
    #[serde(default)]
    pub name: Option<String>,
    /// New reading in kana.
    #[serde(default)]
    pub kana: Option<String>,
    /// New profession.
    #[serde(default)]
    pub profession: Option<Profession>,
}

/// A one-time password the server made (shown once; only its hash is kept). The person must
/// set a password of their own at their next login, before `expires_at`.
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct OneTimePassword {
    /// Account name.
    pub username: String,
    /// The password.
    pub password: String,
    /// Unix seconds after which it no longer works.
    #[cfg_attr(feature = "ts", ts(type = "number"))]
    pub expires_at: i64,
}

/// A person added, and the one-time password to hand them (shown once).
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct PersonAdded {
    /// The person.
    pub person: PersonDetail,
    /// Their first password.
    pub one_time_password: OneTimePassword,
}

/// What disabling a person did.
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct PersonDisabled {
    /// Account name.
    pub username: String,
    /// How many of their devices were revoked now.
    #[cfg_attr(feature = "ts", ts(type = "number"))]
    pub devices_revoked: u64,
}

/// Problems with a person's name and kana: the name is required, both at most
/// [`NAME_MAX_CHARS`] characters on one line, and the kana only kana (ひらがな or カタカナ), with
/// spaces and the long-vowel mark.
pub fn validate_name(name: &str, kana: &str) -> Problems {
    let mut p = Problems::default();
    if name.trim().is_empty() {
        p.push("name", "required", "氏名を入力してください", "the name is required");
    } else {
        p.text("name", name, NAME_MAX_CHARS, false);
    }
    let before = p.0.len();
    p.text("kana", kana, NAME_MAX_CHARS, false);
    if p.0.len() > before {
        return p;
    }
    if let Some(c) = kana.chars().find(|&c| !is_kana(c)) {
        p.push(
            "kana",
            "not_kana",
            format!("ふりがなはひらがなかカタカナで入力してください（「{c}」は使えません）"),
            format!("the reading must be hiragana or katakana (not {c:?})"),
        );
    }
    p
}

fn is_kana(c: char) -> bool {
    matches!(c, '\u{3041}'..='\u{309F}' | '\u{30A0}'..='\u{30FF}' | ' ' | '\u{3000}')
}

#[cfg(test)]
mod tests {
    use super::*;

    fn fields(p: &Problems) -> Vec<&str> {
        p.0.iter().map(|p| p.field.as_str()).collect()
    }

    #[test]
    fn a_name_is_required_and_its_reading_is_kana() {
        assert!(validate_name("架空 花子", "かくう はなこ").is_empty());
        assert!(validate_name("架空 花子", "カクウ　ハナコ").is_empty());
        assert!(validate_name("架空 花子", "").is_empty(), "the reading may wait");
        let p = validate_name("  ", "かくう");
        assert_eq!(fields(&p), vec!["name"]);
        let p = validate_name("架空 花子", "kakuu");
        assert_eq!(fields(&p), vec!["kana"]);
        assert!(p.0.iter().any(|p| p.ja.contains("「k」")), "the first non-kana character is named");
        let p = validate_name(&"名".repeat(NAME_MAX_CHARS + 1), "かくう\n");
        assert_eq!(fields(&p), vec!["name", "kana"]);
    }

    #[test]
    fn an_org_without_a_name_shows_its_id() {
        let mut o = Org { id: "st-kakuu".into(), kind: OrgKind::Station, name: String::new(), municipality: None };
        assert_eq!(o.shown_name(), "st-kakuu");
        o.name = "架空訪問看護ステーション".into();
        assert_eq!(o.shown_name(), "架空訪問看護ステーション");
    }
}
