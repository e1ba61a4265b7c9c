//! The monthly daytime-care claim on a device: the records read from the store, the settings in
//! force on each day from the device's rule book, the household's tier on each day, and the
//! claim as a table. Expected amounts are worked out by hand in each test as sums of parts.

use carebook_core::export::{daytime_claim_table, Cell};
use carebook_domain::{
    ChildId, DaytimeBand, DaytimeUnclaimed, GuardianConfirmation, IncomeTier, MunicipalityRules, ProviderKind, RuleBook, RuleVersion,
    TierChange, UserCharge, Visit, VisitKind, VisitStatus,
};
use carebook_testkit::{child, respite, TempDevice};

fn daytime(c: ChildId, start: &str, end: &str) -> Visit {
    let mut v = respite(c, start, end);
    v.kind = VisitKind::Daytime;
    v.provider = Some(ProviderKind::Hospital);
    v.guardian = Some(GuardianConfirmation::Confirmed { name: "見本 母".into(), at: end.parse().unwrap(), signature: String::new() });
    v
}

/// Bunkyo publishes a daytime table from 2026-11-16: 8–9 h 31,000 yen, 9 h and more 34,000;
/// taxed households pay 2,500 a day, tax-exempt nothing; Tokyo pays 3/4. Before it, the
/// built-in table (8–9 h 30,000; taxed a tenth; Tokyo all).
fn book() -> RuleBook {
    let rules = MunicipalityRules {
        daytime_bands: vec![
            DaytimeBand { from_minutes: 480, to_minutes: Some(540), yen: 31_000 },
            DaytimeBand { from_minutes: 540, to_minutes: None, yen: 34_000 },
        ],
        daytime_user_charge: [
            (IncomeTier::TaxExempt, UserCharge::PerDay { yen: 0 }),
            (IncomeTier::Taxed, UserCharge::PerDay { yen: 2_500 }),
        ]
        .into_iter()
        .collect(),
        daytime_tokyo_share_percent: 75,
        ..MunicipalityRules::builtin("13105")
    };
    RuleBook {
        versions: vec![RuleVersion {
            key: "13105".into(),
            effective_from: "2026-11-16".parse().unwrap(),
            rules: Some(rules),
            template: None,
            phrases: None,
            author: "見本 事務".into(),
            recorded_at: 1_790_000_000,
        }],
    }
}

#[tokio::test]
async fn the_daytime_claim_pays_each_day_by_the_table_and_tier_in_force_and_lists_the_rest_with_the_reason() {
    let dev = TempDevice::new().await.unwrap();
    dev.app.store().set_rule_book(&serde_json::to_string(&book()).unwrap()).await.unwrap();
    let mut c = child("13105");
    c.income_tier_changes = vec![TierChange { from: "2026-11-10".parse().unwrap(), tier: IncomeTier::Taxed }];
    let c = dev.app.add_child(c).await.unwrap().id;
    let mut ids = Vec::new();
    for (start, end, approve) in [
        ("2026-11-02T08:00", "2026-11-02T16:30", true),  // 8 h 30, tax-exempt, built-in: 30,000
        ("2026-11-10T08:00", "2026-11-10T16:00", true),  // 8 h, taxed from today, built-in: 30,000 − 3,000
        ("2026-11-12T09:00", "2026-11-12T15:00", true),  // 6 h: no band
        ("2026-11-16T08:00", "2026-11-16T18:00", true),  // 10 h, the new table: 34,000 − 2,500
        ("2026-11-20T08:00", "2026-11-20T16:30", false), // submitted only
        ("2026-12-01T08:00", "2026-12-01T16:30", true),  // December: not this claim's
    ] {
        let id = dev.app.record_visit(daytime(c, start, end)).await.unwrap().id;
        dev.app.set_visit_status(id, VisitStatus::Submitted).await.unwrap();
        if approve {
            dev.app.set_visit_status(id, VisitStatus::Approved).await.unwrap();
        }
        ids.push(id);
    }
    let claim = dev.app.daytime_claim("13105", "2026-11".parse().unwrap()).await.unwrap();
    assert_eq!(claim.children.len(), 1);
    let k = &claim.children[0];
    assert_eq!(k.score, Some(12));
    let paid: Vec<_> =
        k.lines.iter().map(|l| (l.visit_id, l.tier, l.fee_yen, l.user_charge_yen, l.subsidy.total_yen, l.subsidy.tokyo_yen)).collect();
    assert_eq!(
        paid,
        [
            (ids[0], IncomeTier::TaxExempt, 30_000, 0, 30_000, 30_000),
            (ids[1], IncomeTier::Taxed, 30_000, 3_000, 27_000, 27_000),
            (ids[3], IncomeTier::Taxed, 34_000, 2_500, 31_500, 31_500 * 3 / 4),
        ]
    );
    let apart: Vec<_> = k.unclaimed.iter().map(|u| (u.visit_id, u.reasons.clone())).collect();
    assert_eq!(apart, [(ids[2], vec![DaytimeUnclaimed::NoBand]), (ids[4], vec![DaytimeUnclaimed::NotApproved])]);
    assert_eq!((claim.fee_yen, claim.user_charge_yen), (30_000 + 30_000 + 34_000, 3_000 + 2_500));
    assert_eq!(claim.subsidy.total_yen, 30_000 + 27_000 + 31_500);
    assert_eq!(claim.subsidy.tokyo_yen, 30_000 + 27_000 + 23_625);
    assert_eq!(claim.subsidy.municipality_yen, 31_500 - 23_625);

    // The table: three paid rows, two apart with the reason in Japanese, the child's subtotal
    // and the total.
    let t = daytime_claim_table(&claim);
    let kinds: Vec<_> = t.rows.iter().map(|r| r[0].clone()).collect();
    let text = |s: &str| Cell::Text(s.into());
    assert_eq!(kinds, [text("請求"), text("請求"), text("請求"), text("対象外"), text("対象外"), text("児童計"), text("合計")]);
    assert!(t.rows.iter().all(|r| r.len() == t.header.len()));
    assert_eq!(t.rows[0][7], text("病院"));
    assert_eq!(t.rows[2][9], text("9時間以上"));
    assert_eq!(t.rows[3][15], text("預かり時間が補助基準額の区分にない"));
    assert_eq!(t.rows[4][15], text("未承認"));
    let last = t.rows.last().unwrap();
    assert_eq!(last[10..15], [Cell::Int(94_000), Cell::Int(5_500), Cell::Int(88_500), Cell::Int(80_625), Cell::Int(7_875)]);
}

#[tokio::test]
async fn a_daytime_day_without_its_kind_of_institution_cannot_be_submitted_and_stays_a_draft() {
    let dev = TempDevice::new().await.unwrap();
    let c = dev.app.add_child(child("13105")).await.unwrap().id;
    let mut v = daytime(c, "2026-11-02T08:00", "2026-11-02T16:30");
    v.provider = None;
    let id = dev.app.record_visit(v).await.unwrap().id;
    let err = dev.app.set_visit_status(id, VisitStatus::Submitted).await.unwrap_err().to_string();
    assert!(err.contains("provider") && err.contains("介護医療院"), "{err}");
    assert_eq!(dev.app.visit(id).await.unwrap().status, VisitStatus::Draft, "nothing written");
}
