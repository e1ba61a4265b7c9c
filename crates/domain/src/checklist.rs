//! Equipment checklists (物品チェックリスト). Templates are data: two are built in (the station's
//! first-visit equipment list from the handout, and a home device check), and an office can add
//! its own. A visit records, per item, ok / problem / absent and a note.

use std::collections::BTreeMap;

use autosurgeon::{Hydrate, Reconcile};
use serde::{Deserialize, Serialize};

use crate::schema::described;
use crate::validation::{excerpt, is_blank, labelled_enum, Problems};

/// The most characters of a template or item id.
pub const ID_MAX: usize = 64;
/// The most characters of a template's title or an item's name.
pub const TITLE_MAX: usize = 200;
/// The most characters of a checked item's note (line breaks allowed).
pub const NOTE_MAX: usize = 1_000;

/// Whether `s` is a plain id: 1–[`ID_MAX`] lowercase ASCII letters, digits or `_`.
fn plain_id(s: &str) -> bool {
    (1..=ID_MAX).contains(&s.len()) && s.bytes().all(|b| b.is_ascii_lowercase() || b.is_ascii_digit() || b == b'_')
}

/// One line of a template.
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct TemplateItem {
    /// Stable id within the template, e.g. `pulse_oximeter`.
    pub id: String,
    /// Japanese name.
    pub ja: String,
    /// English name.
    pub en: String,
}

/// A checklist template.
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ChecklistTemplate {
    /// Stable id, e.g. `first_visit_equipment`.
    pub id: String,
    /// Title in Japanese.
    pub title_ja: String,
    /// Title in English.
    pub title_en: String,
    /// The items, in display order.
    pub items: Vec<TemplateItem>,
}

fn template(id: &str, title_ja: &str, title_en: &str, items: &[(&str, &str, &str)]) -> ChecklistTemplate {
    ChecklistTemplate {
        id: id.to_string(),
        title_ja: title_ja.to_string(),
        title_en: title_en.to_string(),
        items: items.iter().map(|(id, ja, en)| TemplateItem { id: id.to_string(), ja: ja.to_string(), en: en.to_string() }).collect(),
    }
}

/// The built-in templates.
pub fn builtin_templates() -> Vec<ChecklistTemplate> {
    vec![
        template(
            "first_visit_equipment",
            "初回訪問時までの準備物品",
            "Equipment prepared before the first visit",
            &[
                ("autoclave", "高圧滅菌機", "autoclave"),
                ("washing_machine", "洗濯機", "washing machine"),
                ("dryer", "乾燥機", "dryer"),
                ("charting_pc", "カルテ記載用パソコン", "charting PC"),
                ("phone", "連絡用電話", "phone"),
                ("uniform", "ユニフォーム", "uniform"),
                ("transport", "自転車等の移動手段", "bicycle or other transport"),
                ("thermometer", "体温計", "thermometer"),
                ("bp_monitor", "血圧計", "blood-pressure monitor"),
                ("pulse_oximeter", "パルスオキシメーター", "pulse oximeter"),
                ("penlight", "ペンライト", "penlight"),
                ("tape_measure", "メジャー", "tape measure"),
                ("stethoscope", "聴診器", "stethoscope"),
                ("portable_ecg", "ポータブル心電図モニター", "portable ECG monitor"),
                ("infusion_pump", "輸液ポンプ", "infusion pump"),
                ("syringe_pump", "シリンジポンプ", "syringe pump"),
                ("enteral_feeding_pump", "経腸栄養用ポンプ", "enteral feeding pump"),
                ("pressure_relief_mat", "除圧マット", "pressure-relief mat"),
                ("low_pressure_suction", "低圧持続吸引器", "low-pressure continuous suction unit"),
                ("extension_cord", "電源延長コード", "extension cord"),
                ("suction_unit", "吸引器（卓上型・携帯型）", "suction unit (desktop / portable)"),
                ("cough_assist", "排痰補助装置", "cough-assist device"),
                ("nebulizer", "吸入器", "nebulizer"),
                ("laryngoscope", "喉頭鏡", "laryngoscope"),
                ("blade", "ブレード", "blade"),
                ("stylet", "スタイレット", "stylet"),
                ("pediatric_stethoscope", "小児用聴診器", "pediatric stethoscope"),
                ("pediatric_bp_monitor", "小児用血圧計", "pediatric BP monitor"),
                ("pediatric_cuff", "小児用マンシェット", "pediatric cuff"),
                ("pediatric_pulse_oximeter", "小児用パルスオキシメーター", "pediatric pulse oximeter"),
                ("pediatric_finger_probe", "小児用フィンガークリッププローブ", "pediatric finger-clip probe"),
                ("other", "その他訪問看護に必要な物品", "other items needed for visits"),
            ],
        ),
        template(
            "home_devices",
            "在宅医療機器の点検",
            "Home device check",
            &[
                ("ventilator", "人工呼吸器（設定・アラーム・回路）", "ventilator (settings, alarms, circuit)"),
                ("ventilator_battery", "人工呼吸器の内部・外部バッテリー", "ventilator internal and external battery"),
                ("manual_resuscitator", "蘇生バッグ（アンビューバッグ）", "manual resuscitation bag"),
                ("suction_unit", "吸引器・吸引カテーテル", "suction unit and catheters"),
                ("feeding_pump", "経腸栄養ポンプ・チューブ", "feeding pump and tubing"),
                ("oxygen", "酸素濃縮器・酸素ボンベ残量", "oxygen concentrator and cylinder level"),
                ("pulse_oximeter", "パルスオキシメーター・プローブ", "pulse oximeter and probe"),
                ("cough_assist", "排痰補助装置", "cough-assist device"),
                ("nebulizer", "吸入器", "nebulizer"),
                ("spare_tracheostomy_tube", "予備の気管カニューレ", "spare tracheostomy tube"),
                ("emergency_contacts", "緊急連絡先の掲示", "emergency contacts posted"),
                ("power_backup", "停電時の電源確保", "power backup for outages"),
            ],
        ),
    ]
}

/// Checks an office's template: ids present, unique and plain, names given.
pub fn validate_template(t: &ChecklistTemplate) -> Problems {
    let mut p = Problems::new();
    let plain = plain_id;
    p.text("title_ja", &t.title_ja, TITLE_MAX, false);
    p.text("title_en", &t.title_en, TITLE_MAX, false);
    if !plain(&t.id) {
        p.push(
            "id",
            "template_id",
            format!("テンプレートID「{}」は英小文字・数字・_ の{ID_MAX}文字以内で入力してください", excerpt(&t.id)),
            format!("template id \"{}\" must be 1–{ID_MAX} lowercase letters, digits and _", excerpt(&t.id)),
        );
    }
    if is_blank(&t.title_ja) {
        p.push("title_ja", "required", "タイトル（日本語）を入力してください", "the japanese title is empty");
    }
    if t.items.is_empty() {
        p.push("items", "required", "項目が1つもありません", "the template has no items");
    }
    for (i, item) in t.items.iter().enumerate() {
        p.text(&format!("items[{i}].ja"), &item.ja, TITLE_MAX, false);
        p.text(&format!("items[{i}].en"), &item.en, TITLE_MAX, false);
        if !plain(&item.id) {
            p.push(
                format!("items[{i}].id"),
                "item_id",
                format!("項目ID「{}」は英小文字・数字・_ の{ID_MAX}文字以内で入力してください", excerpt(&item.id)),
                format!("item id \"{}\" must be 1–{ID_MAX} lowercase letters, digits and _", excerpt(&item.id)),
            );
        } else if t.items[..i].iter().any(|o| o.id == item.id) {
            p.push(
                format!("items[{i}].id"),
                "item_duplicate",
                format!("項目ID「{}」が重複しています", item.id),
                format!("item id {:?} appears twice", item.id),
            );
        }
        if is_blank(&item.ja) {
            p.push(
                format!("items[{i}].ja"),
                "required",
                "項目名（日本語）を入力してください",
                format!("item \"{}\" has no japanese name", excerpt(&item.id)),
            );
        }
    }
    p
}

labelled_enum! {
    /// The state of one checked item.
    pub enum CheckStatus {
        /// 問題なし.
        Ok = ("ok", "問題なし", "ok"),
        /// 問題あり.
        Problem = ("problem", "問題あり", "problem"),
        /// 該当なし: the item is not there (a bare なし read as "none", issue 14 item 10).
        Absent = ("absent", "該当なし", "absent"),
    }
}

/// One checked item on a visit.
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, Reconcile, Hydrate)]
pub struct CheckEntry {
    /// Ok / problem / absent.
    pub status: CheckStatus,
    /// A note (what the problem is).
    pub note: String,
}

/// A checklist filled in on a visit: items keyed by template item id, so two nurses ticking
/// different items at the same time both keep their ticks.
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
#[derive(Debug, Clone, PartialEq, Eq, Default, Serialize, Deserialize, Reconcile, Hydrate)]
pub struct Checklist {
    /// The template it was filled from.
    pub template_id: String,
    /// Item id → entry.
    pub items: BTreeMap<String, CheckEntry>,
}

impl Checklist {
    /// Checks the entries against the template they claim to come from.
    pub fn validate_against(&self, templates: &[ChecklistTemplate]) -> Problems {
        let mut p = Problems::new();
        // Ids are quoted in fields and messages only once they are known to be plain.
        if !plain_id(&self.template_id) {
            p.push(
                "template_id",
                "unknown_template",
                format!("チェックリストのIDは英小文字・数字・_ の{ID_MAX}文字以内です"),
                format!("a checklist template id is 1–{ID_MAX} lowercase letters, digits and _"),
            );
            return p;
        }
        let Some(t) = templates.iter().find(|t| t.id == self.template_id) else {
            p.push(
                "template_id",
                "unknown_template",
                format!("チェックリスト「{}」がありません", self.template_id),
                format!("unknown checklist template {:?}", self.template_id),
            );
            return p;
        };
        for (n, (id, entry)) in self.items.iter().enumerate() {
            if !plain_id(id) {
                p.push(
                    format!("items[{n}]"),
                    "unknown_item",
                    format!("「{}」の{}番目の項目IDは英小文字・数字・_ の{ID_MAX}文字以内ではありません", t.title_ja, n + 1),
                    format!("item {} of template {} has an id that is not 1–{ID_MAX} lowercase letters, digits and _", n + 1, t.id),
                );
                continue;
            }
            if !t.items.iter().any(|i| &i.id == id) {
                p.push(
                    format!("items.{id}"),
                    "unknown_item",
                    format!("「{}」に項目「{id}」はありません", t.title_ja),
                    format!("template {} has no item {id:?}", t.id),
                );
            }
            p.text(&format!("items.{id}.note"), &entry.note, NOTE_MAX, true);
            if entry.status == CheckStatus::Problem && is_blank(&entry.note) {
                p.push(
                    format!("items.{id}.note"),
                    "problem_note",
                    "「問題あり」の項目には内容を書いてください",
                    format!("item {id:?} is marked problem without a note"),
                );
            }
        }
        p
    }
}

// The checklist's document schema (crate::schema).
described!(CheckEntry { status, note });
described!(Checklist { template_id, items });

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn built_in_templates_are_valid_and_hold_the_handout_items() {
        let ts = builtin_templates();
        for t in &ts {
            assert!(validate_template(t).is_empty(), "{}", validate_template(t));
        }
        let first = &ts[0];
        // 27 standard items (other included) + 5 pediatric items in the handout.
        assert_eq!(first.items.len(), 32);
        assert!(first.items.iter().any(|i| i.ja == "小児用フィンガークリッププローブ"));
        assert!(ts[1].items.iter().any(|i| i.id == "ventilator"));
    }

    #[test]
    fn an_office_template_with_repeated_or_blank_items_is_rejected() {
        let t = template("Bad Id", "", "", &[("a", "A", "a"), ("a", "", "a")]);
        let p = validate_template(&t);
        assert!(p.has_field("id") && p.has_field("title_ja") && p.has_field("items[1].id") && p.has_field("items[1].ja"), "{p}");
    }

    #[test]
    fn a_problem_needs_a_note_and_items_must_exist_in_the_template() {
        let mut c = Checklist { template_id: "home_devices".into(), items: BTreeMap::new() };
        c.items.insert("ventilator".into(), CheckEntry { status: CheckStatus::Problem, note: " ".into() });
        c.items.insert("flux_capacitor".into(), CheckEntry { status: CheckStatus::Ok, note: String::new() });
        let p = c.validate_against(&builtin_templates());
        assert!(p.has_field("items.ventilator.note") && p.has_field("items.flux_capacitor"), "{p}");
        let unknown = Checklist { template_id: "nope".into(), items: BTreeMap::new() };
        assert!(unknown.validate_against(&builtin_templates()).has_code("unknown_template"));
    }
}
