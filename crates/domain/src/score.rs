//! The medical-care score (医療的ケア判定スコア, MHLW 2021): per care item, base points plus
//! watch (見守り) points. Used for daytime-care eligibility (< 16) and service fees (3+, 16+, 32+).

use autosurgeon::{Hydrate, Reconcile};
use serde::{Deserialize, Serialize};

use crate::schema::described;
use crate::validation::{labelled_enum, Problems};

labelled_enum! {
    /// A care item from the score table; also what a nurse records as care given.
    pub enum CareItem {
        /// 人工呼吸器 incl. NPPV, high-flow, cough assist (counted once).
        Ventilator = ("ventilator", "人工呼吸器管理", "ventilator management"),
        /// 気管切開.
        Tracheostomy = ("tracheostomy", "気管切開の管理", "tracheostomy care"),
        /// 鼻咽頭エアウェイ.
        NasopharyngealAirway = ("nasopharyngeal_airway", "鼻咽頭エアウェイの管理", "nasopharyngeal airway"),
        /// 酸素療法.
        Oxygen = ("oxygen", "酸素療法", "oxygen therapy"),
        /// 吸引 (oral/nasal, tracheal).
        Suction = ("suction", "吸引", "suction"),
        /// 吸入 (nebulizer) during the service.
        Nebulizer = ("nebulizer", "ネブライザー吸入", "nebulizer"),
        /// 経管栄養.
        TubeFeeding = ("tube_feeding", "経管栄養", "tube feeding"),
        /// 持続経管注入ポンプ.
        FeedingPump = ("feeding_pump", "持続経管注入ポンプ", "continuous feeding pump"),
        /// 中心静脈カテーテル.
        CentralVenousCatheter = ("central_venous_catheter", "中心静脈カテーテルの管理", "central venous catheter"),
        /// 皮下注射.
        SubcutaneousInjection = ("subcutaneous_injection", "皮下注射", "subcutaneous injection"),
        /// 持続皮下注射ポンプ.
        SubcutaneousPump = ("subcutaneous_pump", "持続皮下注射ポンプ", "continuous subcutaneous pump"),
        /// 血糖測定 incl. CGM.
        BloodGlucose = ("blood_glucose", "血糖測定", "blood glucose measurement"),
        /// 透析.
        Dialysis = ("dialysis", "透析", "dialysis"),
        /// 間欠的導尿.
        IntermittentCatheterisation = ("intermittent_catheterisation", "間欠的導尿", "intermittent catheterisation"),
        /// 持続的導尿.
        ContinuousUrinaryDrainage = ("continuous_urinary_drainage", "持続的導尿", "continuous urinary drainage"),
        /// 消化管ストーマ.
        Stoma = ("stoma", "消化管ストーマ", "stoma"),
        /// 摘便・洗腸.
        Disimpaction = ("disimpaction", "摘便・洗腸", "manual disimpaction / irrigation"),
        /// 浣腸.
        Enema = ("enema", "浣腸", "enema"),
        /// 痙攣時の坐剤・吸引・酸素・迷走神経刺激.
        SeizureCare = ("seizure_care", "痙攣時の対応", "seizure care"),
    }
}

labelled_enum! {
    /// How much watching (見守り) an item needs. Items with two watch levels use High and None.
    pub enum Watch {
        /// 高.
        High = ("high", "見守り高", "high watch"),
        /// 中.
        Medium = ("medium", "見守り中", "medium watch"),
        /// 低 / なし.
        None = ("none", "見守りなし", "no watch"),
    }
}

impl CareItem {
    /// Base points.
    pub fn base_points(self) -> u32 {
        use CareItem::*;
        match self {
            Ventilator => 10,
            Tracheostomy | Oxygen | Suction | TubeFeeding | CentralVenousCatheter | Dialysis => 8,
            NasopharyngealAirway | SubcutaneousInjection | IntermittentCatheterisation | Stoma | Disimpaction => 5,
            Nebulizer | FeedingPump | SubcutaneousPump | BloodGlucose | ContinuousUrinaryDrainage | Enema | SeizureCare => 3,
        }
    }

    /// Watch points for a level; `None` where the item has no such level.
    pub fn watch_points(self, watch: Watch) -> Option<u32> {
        use CareItem::*;
        let (high, medium) = match self {
            Ventilator => (2, Some(1)),
            Tracheostomy | TubeFeeding | CentralVenousCatheter | Dialysis | SeizureCare => (2, None),
            NasopharyngealAirway
            | Oxygen
            | Suction
            | FeedingPump
            | SubcutaneousInjection
            | SubcutaneousPump
            | BloodGlucose
            | ContinuousUrinaryDrainage
            | Stoma => (1, None),
            Nebulizer | IntermittentCatheterisation | Disimpaction | Enema => (0, None),
        };
        match watch {
            Watch::None => Some(0),
            Watch::High if high > 0 => Some(high),
            Watch::Medium => medium,
            Watch::High => None,
        }
    }
}

/// One line of a child's score: an item the child needs and how much watching it needs.
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, Reconcile, Hydrate)]
pub struct ScoreEntry {
    /// The item (the key: one entry per item).
    #[key]
    pub item: CareItem,
    /// The watch level.
    pub watch: Watch,
}

/// The computed score.
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
pub struct Score {
    /// Sum of base points.
    pub base: u32,
    /// Sum of watch points (tracheostomy's dropped when a ventilator is counted).
    pub watch: u32,
}

impl Score {
    /// Base plus watch.
    pub fn total(self) -> u32 {
        self.base + self.watch
    }
}

/// Checks a score list: each item at most once, watch levels the item has.
pub fn validate_score(entries: &[ScoreEntry]) -> Problems {
    let mut problems = Problems::new();
    for (i, e) in entries.iter().enumerate() {
        if entries[..i].iter().any(|o| o.item == e.item) {
            problems.push(
                format!("score[{i}].item"),
                "score_duplicate",
                format!("「{}」が2回あります", e.item.label().ja),
                format!("care item {} is listed twice", e.item.name()),
            );
        }
        if e.item.watch_points(e.watch).is_none() {
            problems.push(
                format!("score[{i}].watch"),
                "score_watch_level",
                format!("「{}」に{}はありません", e.item.label().ja, e.watch.label().ja),
                format!("care item {} has no watch level {}", e.item.name(), e.watch.name()),
            );
        }
    }
    problems
}

/// The medical-care score of a list of entries. Entries with an unknown watch level count no
/// watch points (validation reports them); a repeated item counts once.
pub fn medical_care_score(entries: &[ScoreEntry]) -> Score {
    let has_ventilator = entries.iter().any(|e| e.item == CareItem::Ventilator);
    let mut seen = Vec::new();
    let mut score = Score { base: 0, watch: 0 };
    for e in entries {
        if seen.contains(&e.item) {
            continue;
        }
        seen.push(e.item);
        score.base += e.item.base_points();
        let watch_counts = !(e.item == CareItem::Tracheostomy && has_ventilator);
        if watch_counts {
            score.watch += e.item.watch_points(e.watch).unwrap_or(0);
        }
    }
    score
}

// The score entries' document schema (crate::schema): a list keyed by the item.
described!(ScoreEntry keyed item { item, watch });

#[cfg(test)]
mod tests {
    use super::*;

    fn e(item: CareItem, watch: Watch) -> ScoreEntry {
        ScoreEntry { item, watch }
    }

    #[test]
    fn ventilated_child_with_tracheostomy_and_suction_scores_per_the_table() {
        // Ventilator 10 + high watch 2; tracheostomy 8, its watch dropped; suction 8 + 1; tube feeding 8 + 2.
        let s = medical_care_score(&[
            e(CareItem::Ventilator, Watch::High),
            e(CareItem::Tracheostomy, Watch::High),
            e(CareItem::Suction, Watch::High),
            e(CareItem::TubeFeeding, Watch::High),
        ]);
        assert_eq!(s, Score { base: 34, watch: 5 });
        assert_eq!(s.total(), 39);
    }

    #[test]
    fn tracheostomy_watch_counts_without_a_ventilator() {
        let s = medical_care_score(&[e(CareItem::Tracheostomy, Watch::High)]);
        assert_eq!(s.total(), 10);
    }

    #[test]
    fn items_without_watch_levels_reject_them() {
        let p = validate_score(&[e(CareItem::Enema, Watch::High), e(CareItem::Suction, Watch::Medium)]);
        assert!(p.has_field("score[0].watch"));
        assert!(p.has_field("score[1].watch"));
        assert!(validate_score(&[e(CareItem::Ventilator, Watch::Medium)]).is_empty());
        assert_eq!(medical_care_score(&[e(CareItem::Ventilator, Watch::Medium)]).total(), 11);
    }

    #[test]
    fn a_repeated_item_is_reported_and_counted_once() {
        let entries = [e(CareItem::Suction, Watch::None), e(CareItem::Suction, Watch::High)];
        assert!(validate_score(&entries).has_code("score_duplicate"));
        assert_eq!(medical_care_score(&entries).total(), 8);
    }

    #[test]
    fn every_item_has_base_points_and_a_zero_watch_level() {
        for item in CareItem::ALL {
            assert!(item.base_points() >= 3);
            assert_eq!(item.watch_points(Watch::None), Some(0));
        }
        assert_eq!(CareItem::ALL.len(), 19);
    }
}
