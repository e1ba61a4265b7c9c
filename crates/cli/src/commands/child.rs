//! `carebook child add|edit|list|show`.

use carebook_core::clock;
use carebook_domain::{Child, ChildId, Date, IncomeTier, InstructionState, SharingConsent, SharingScope};
use clap::{Args, Subcommand};

use crate::args::{ContactArg, InstructionArg, ScoreArg};
use crate::output::{municipality, print_json, shown, shown_lines};
use crate::Env;

#[derive(Debug, Subcommand)]
pub enum ChildCmd {
    /// 児童を登録 / add a child's face sheet; prints the new id.
    Add(Box<AddArgs>),
    /// フェイスシートを修正 / edit a child's face sheet: each option given replaces its field,
    /// the others stay as they are. --guardian, --device, --score and --contact add to their list
    /// (a score item already there is replaced); --clear-guardians, --clear-devices,
    /// --clear-score and --clear-contacts empty a list first. Validated as a new face sheet;
    /// the record is sent at the next sync, also when the server refused it before.
    Edit(Box<EditArgs>),
    /// 児童の一覧 / list the children on this device.
    List,
    /// フェイスシートを表示 / show a child's face sheet.
    Show {
        /// 児童ID / child id.
        id: ChildId,
    },
    /// 他の事業所へ移管（同行訪問の後、事務担当）/ transfer a child to another station after the
    /// accompanied handover visit both stations' nurses signed (office; needs a login).
    Transfer {
        /// 児童ID / child id.
        id: ChildId,
        /// 移管先の事業所ID / the receiving station's id.
        #[arg(long)]
        to: String,
        /// 移管日（この日から移管先の子ども）/ the first day the receiving station owns the child (YYYY-MM-DD).
        #[arg(long)]
        from: carebook_domain::Date,
        /// 両方の看護師が署名した同行訪問の記録ID / the signed handover visit's id (an administrator may leave it out).
        #[arg(long)]
        handover: Option<carebook_domain::VisitId>,
    },
}

/// `child add`: the face sheet's fields, of which name, kana, birth, municipality and tier are
/// required.
#[derive(Debug, Args)]
#[command(
    mut_arg("name", |a| a.required(true)),
    mut_arg("kana", |a| a.required(true)),
    mut_arg("birth", |a| a.required(true)),
    mut_arg("municipality", |a| a.required(true)),
    mut_arg("tier", |a| a.required(true))
)]
pub struct AddArgs {
    #[command(flatten)]
    fields: ChildFields,
}

/// `child edit ID`: every option given replaces its field; the rest stay as they are.
#[derive(Debug, Args)]
pub struct EditArgs {
    /// 児童ID / child id.
    id: ChildId,
    /// 保護者を空にしてから --guardian を加える / empty the guardians before adding --guardian.
    #[arg(long)]
    clear_guardians: bool,
    /// 医療機器を空にしてから --device を加える / empty the devices before adding --device.
    #[arg(long)]
    clear_devices: bool,
    /// 判定スコア項目を空にしてから --score を加える / empty the score items before adding --score.
    #[arg(long)]
    clear_score: bool,
    /// 緊急連絡先を空にしてから --contact を加える / empty the emergency contacts before adding --contact.
    #[arg(long)]
    clear_contacts: bool,
    #[command(flatten)]
    fields: ChildFields,
}

/// A face sheet's fields on the command line, shared by `child add` and `child edit`. Given
/// options set their field; lists (`--guardian`, `--device`, `--score`, `--contact`) add, a
/// score item already there being replaced.
#[derive(Debug, Args)]
pub struct ChildFields {
    /// 氏名 / name.
    #[arg(long)]
    name: Option<String>,
    /// ふりがな / name in kana.
    #[arg(long)]
    kana: Option<String>,
    /// 生年月日 / birth date.
    #[arg(long, value_name = "YYYY-MM-DD")]
    birth: Option<Date>,
    /// 自治体コード / municipality code (5 digits, e.g. 13105 文京区).
    #[arg(long, value_name = "CODE")]
    municipality: Option<String>,
    /// 世帯区分 / household income tier: public_assistance | tax_exempt | taxed.
    #[arg(long, value_name = "TIER")]
    tier: Option<IncomeTier>,
    /// --tier が変わる日（年度途中の変更。これより前の訪問は前の区分で請求）/ the day --tier
    /// takes effect (a change reported mid-year; earlier sessions keep the tier before).
    #[arg(long, value_name = "YYYY-MM-DD", requires = "tier")]
    tier_from: Option<Date>,
    /// 年度途中の利用開始日 / respite enrolment day, if mid-year.
    #[arg(long, value_name = "YYYY-MM-DD")]
    enrolled_on: Option<Date>,
    /// 診断名 / diagnosis.
    #[arg(long, value_name = "TEXT")]
    diagnosis: Option<String>,
    /// 保護者 / guardian "name:relation:phone" (repeatable; adds one).
    #[arg(long, value_name = "NAME:RELATION:PHONE")]
    guardian: Vec<ContactArg>,
    /// 医療機器 / device at home (repeatable; adds one).
    #[arg(long, value_name = "TEXT")]
    device: Vec<String>,
    /// 判定スコア項目 / score item "item[:high|medium|none]" (repeatable), e.g. ventilator:high
    /// (an item already scored is replaced).
    #[arg(long, value_name = "ITEM[:WATCH]")]
    score: Vec<ScoreArg>,
    /// 医師指示書 / doctor's instruction "doctor:institution:FROM:UNTIL".
    #[arg(long, value_name = "DOCTOR:INSTITUTION:FROM:UNTIL")]
    instruction: Option<InstructionArg>,
    /// 緊急連絡先 / emergency contact "name:relation:phone" (repeatable; adds one).
    #[arg(long, value_name = "NAME:RELATION:PHONE")]
    contact: Vec<ContactArg>,
    /// 区市町村への情報提供に同意した保護者 / the guardian who consented to share the records
    /// with the municipality's welfare section (a new consent needs --sharing-by,
    /// --sharing-from and --sharing-until).
    #[arg(long, value_name = "NAME")]
    sharing_by: Option<String>,
    /// 同意日 / the day the consent was given (its first day in force).
    #[arg(long, value_name = "YYYY-MM-DD")]
    sharing_from: Option<Date>,
    /// 同意の期限 / the consent's last day (at most the end of the next fiscal year).
    #[arg(long, value_name = "YYYY-MM-DD")]
    sharing_until: Option<Date>,
    /// 同意の範囲 / what the consent covers: respite_records (the default for a new consent).
    #[arg(long, value_name = "SCOPE")]
    sharing_scope: Option<SharingScope>,
    /// 同意の撤回日 / the day the consent was withdrawn: the municipality reads the child no
    /// more from that day.
    #[arg(long, value_name = "YYYY-MM-DD")]
    sharing_withdrawn: Option<Date>,
}

impl ChildFields {
    fn touches_sharing(&self) -> bool {
        self.sharing_by.is_some()
            || self.sharing_from.is_some()
            || self.sharing_until.is_some()
            || self.sharing_scope.is_some()
            || self.sharing_withdrawn.is_some()
    }

    /// A consent's options need a consent to change, or the three a new one needs.
    fn check_sharing(&self, existing: Option<&SharingConsent>) -> anyhow::Result<()> {
        if existing.is_none() && self.touches_sharing() {
            let missing: Vec<&str> = [
                (self.sharing_by.is_none(), "--sharing-by"),
                (self.sharing_from.is_none(), "--sharing-from"),
                (self.sharing_until.is_none(), "--sharing-until"),
            ]
            .into_iter()
            .filter_map(|(m, name)| m.then_some(name))
            .collect();
            if !missing.is_empty() {
                anyhow::bail!(
                    "同意を新しく記録するには {} も指定してください / a new consent also needs {}",
                    missing.join(", "),
                    missing.join(", ")
                );
            }
        }
        Ok(())
    }
}

/// Which lists `child edit` empties before adding what its options give.
#[derive(Debug, Default)]
struct Lists {
    guardians: bool,
    devices: bool,
    score: bool,
    contacts: bool,
}

/// Applies the given options to a face sheet: each option given replaces its field, list
/// options add (after the lists named in `clear` are emptied).
fn apply(c: &mut Child, f: ChildFields, clear: &Lists) {
    if let Some(v) = f.name {
        c.name = v;
    }
    if let Some(v) = f.kana {
        c.kana = v;
    }
    if let Some(v) = f.birth {
        c.birth_date = v;
    }
    if let Some(v) = f.municipality {
        c.municipality = v;
    }
    match (f.tier, f.tier_from) {
        (Some(tier), Some(from)) => {
            c.income_tier_changes.retain(|t| t.from != from);
            c.income_tier_changes.push(carebook_domain::TierChange { from, tier });
            c.income_tier_changes.sort_by_key(|t| t.from);
        }
        (Some(tier), None) => c.income_tier = tier,
        _ => {}
    }
    if f.enrolled_on.is_some() {
        c.respite_enrolled_on = f.enrolled_on;
    }
    if let Some(v) = f.diagnosis {
        c.diagnosis = v;
    }
    if clear.guardians {
        c.guardians.clear();
    }
    c.guardians.extend(f.guardian.into_iter().map(|g| g.0));
    if clear.devices {
        c.devices.clear();
    }
    c.devices.extend(f.device);
    if clear.score {
        c.score.clear();
    }
    for ScoreArg(entry) in f.score {
        match c.score.iter_mut().find(|e| e.item == entry.item) {
            Some(e) => *e = entry,
            None => c.score.push(entry),
        }
    }
    if let Some(i) = f.instruction {
        // A renewal keeps the one before (each instruction is claimed once).
        c.set_instruction(Some(i.0));
    }
    if clear.contacts {
        c.emergency_contacts.clear();
    }
    c.emergency_contacts.extend(f.contact.into_iter().map(|g| g.0));
    // Checked before (`check_sharing`): a new consent has its three required options.
    if let (None, Some(by), Some(given_on), Some(until)) = (&c.sharing, &f.sharing_by, f.sharing_from, f.sharing_until) {
        let scope = f.sharing_scope.unwrap_or(SharingScope::RespiteRecords);
        c.sharing = Some(SharingConsent { by: by.clone(), given_on, scope, until, withdrawn_on: None });
    }
    if let Some(s) = &mut c.sharing {
        if let Some(v) = f.sharing_by {
            s.by = v;
        }
        if let Some(v) = f.sharing_from {
            s.given_on = v;
        }
        if let Some(v) = f.sharing_until {
            s.until = v;
        }
        if let Some(v) = f.sharing_scope {
            s.scope = v;
        }
        if f.sharing_withdrawn.is_some() {
            s.withdrawn_on = f.sharing_withdrawn;
        }
    }
}

pub async fn run(env: &Env, cmd: ChildCmd) -> anyhow::Result<()> {
    match cmd {
        ChildCmd::Add(a) => add(env, *a).await,
        ChildCmd::Edit(a) => edit(env, *a).await,
        ChildCmd::List => list(env).await,
        ChildCmd::Show { id } => show(env, id).await,
        ChildCmd::Transfer { id, to, from, handover } => transfer(env, id, to, from, handover).await,
    }
}

/// `child transfer`: asks the server; the access follows at each device's next sync.
async fn transfer(
    env: &Env,
    id: ChildId,
    to: String,
    from: carebook_domain::Date,
    handover: Option<carebook_domain::VisitId>,
) -> anyhow::Result<()> {
    let app = env.open().await?;
    let request = carebook_domain::TransferRequest { to_org: to, first_day: from, handover_visit: handover.map(|v| v.to_string()) };
    let t = app.transfer_child(id, &request).await?;
    if env.json {
        return print_json(&t);
    }
    eprintln!("移管を登録しました / transfer recorded");
    out!(
        "{}: {} → {}  {} から from {}（次の同期で各端末に反映 / devices follow at their next sync）",
        shown(&t.child_name),
        t.from_org,
        t.to_org,
        t.first_day,
        t.first_day
    );
    Ok(())
}

async fn add(env: &Env, a: AddArgs) -> anyhow::Result<()> {
    // Required by clap (`mut_arg` on AddArgs); the values are replaced by the options.
    let mut child = Child {
        id: ChildId::random(),
        name: String::new(),
        kana: String::new(),
        birth_date: a.fields.birth.expect("--birth is required"),
        municipality: String::new(),
        income_tier: a.fields.tier.expect("--tier is required"),
        respite_enrolled_on: None,
        diagnosis: String::new(),
        guardians: vec![],
        devices: vec![],
        score: vec![],
        doctor_instruction: None,
        emergency_contacts: vec![],
        sharing: None,
        income_tier_changes: vec![],
        past_instructions: vec![],
    };
    a.fields.check_sharing(None)?;
    apply(&mut child, a.fields, &Lists::default());
    let app = env.open().await?;
    let child = app.add_child(child).await?;
    if env.json {
        print_json(&serde_json::json!({ "id": child.id }))
    } else {
        eprintln!("児童を登録しました / child added");
        out!("{}", child.id);
        Ok(())
    }
}

/// `child edit`: the stored face sheet with the given options applied, validated as a new one
/// is, written only if it passes; it waits for the next sync.
async fn edit(env: &Env, a: EditArgs) -> anyhow::Result<()> {
    let clear = Lists { guardians: a.clear_guardians, devices: a.clear_devices, score: a.clear_score, contacts: a.clear_contacts };
    let app = env.open().await?;
    if a.fields.touches_sharing() {
        a.fields.check_sharing(app.child(a.id).await?.sharing.as_ref())?;
    }
    let child = app.update_child(a.id, |c| apply(c, a.fields, &clear)).await?;
    if env.json {
        print_json(&serde_json::json!({ "id": child.id, "child": child }))
    } else {
        eprintln!("フェイスシートを修正しました / face sheet changed");
        out!("{}", child.id);
        Ok(())
    }
}

async fn list(env: &Env) -> anyhow::Result<()> {
    let app = env.open().await?;
    let rows = app.children().await?;
    if env.json {
        return print_json(&rows);
    }
    if rows.is_empty() {
        out!("児童は登録されていません / no children on this device");
        return Ok(());
    }
    out!("児童 children: {}", rows.len());
    for r in rows {
        let tier = r.income_tier.label().ja;
        let until = r.instruction_until.map(|d| format!("〜{d}")).unwrap_or_else(|| "未登録 missing".into());
        out!(
            "  {}（{}） 生年月日 born {}  自治体 {}  {tier}  スコア score {}  指示書 instruction {until}  {}",
            shown(&r.name),
            shown(&r.kana),
            r.birth_date,
            shown(&r.municipality),
            r.score_total,
            r.id
        );
    }
    Ok(())
}

async fn show(env: &Env, id: ChildId) -> anyhow::Result<()> {
    let app = env.open().await?;
    let child = app.child(id).await?;
    let today = clock::today_jst();
    let state = child.instruction_state(today);
    let score = child.score();
    let rules = app.store().rules(&child.municipality).await?;
    if env.json {
        let mut v = serde_json::to_value(&child)?;
        if let Some(o) = v.as_object_mut() {
            o.insert("municipality_name".into(), rules.name_ja.clone().into());
            o.insert("score_total".into(), score.total().into());
            o.insert("score_points".into(), serde_json::to_value(score)?);
            o.insert("instruction_state".into(), state.name().into());
        }
        return print_json(&v);
    }
    out!("{}（{}）", shown(&child.name), shown(&child.kana));
    out!("  ID: {}", child.id);
    out!("  生年月日 birth date: {}", child.birth_date);
    out!("  自治体 municipality: {}{}", municipality(&shown(&child.municipality).to_string(), &rules.name_ja), en_name(&rules.name_en));
    out!("  世帯区分 income tier: {}", child.income_tier.label());
    for t in &child.income_tier_changes {
        out!("    {} から from: {}", t.from, t.tier.label());
    }
    if let Some(d) = child.respite_enrolled_on {
        out!("  利用開始 respite enrolled on: {d}");
    }
    out!("  診断名 diagnosis: {}", shown_lines(&child.diagnosis, "    "));
    out!("  保護者 guardians:");
    for g in &child.guardians {
        out!("    {}（{}） {}", shown(&g.name), shown(&g.relation), shown(&g.phone));
    }
    out!("  医療機器 devices: {}", child.devices.iter().map(|d| shown(d).to_string()).collect::<Vec<_>>().join("、"));
    out!(
        "  医療的ケア判定スコア medical-care score: {} 点 points（基本 base {} + 見守り watch {}）",
        score.total(),
        score.base,
        score.watch
    );
    for e in &child.score {
        out!("    {} / {}: {}", e.item.label().ja, e.item.label().en, e.watch.label());
    }
    match &child.doctor_instruction {
        Some(i) => out!(
            "  医師指示書 doctor's instruction: {}（{}） {}〜{} — {}",
            shown(&i.doctor),
            shown(&i.institution),
            i.valid_from,
            i.valid_until,
            state.label()
        ),
        None => out!("  医師指示書 doctor's instruction: {}", state.label()),
    }
    if let Some(w) = instruction_warning(&child, today, state) {
        out!("  {w}");
    }
    out!("  緊急連絡先 emergency contacts:");
    for c in &child.emergency_contacts {
        out!("    {}（{}） {}", shown(&c.name), shown(&c.relation), shown(&c.phone));
    }
    match &child.sharing {
        Some(s) => {
            let state = match s.withdrawn_on {
                Some(w) => format!("{w} 撤回 withdrawn"),
                None if s.in_force(today) => "有効 in force".into(),
                None => "期間外 not in force".into(),
            };
            out!(
                "  区市町村への情報提供の同意 consent to share with the municipality: {}、{}〜{}（{} / {}） — {state}",
                shown(&s.by),
                s.given_on,
                s.until,
                s.scope.label().ja,
                s.scope.label().en
            );
        }
        None => out!("  区市町村への情報提供の同意 consent to share with the municipality: なし none"),
    }
    Ok(())
}

fn en_name(en: &str) -> String {
    if en.is_empty() {
        String::new()
    } else {
        format!(" ({en})")
    }
}

/// The warning line for an expired or expiring doctor's instruction.
fn instruction_warning(child: &Child, today: Date, state: InstructionState) -> Option<String> {
    let i = child.doctor_instruction.as_ref()?;
    match state {
        InstructionState::Expired => Some(format!(
            "⚠ 医師指示書の有効期限（{}）が切れています。新しい指示書を受け取ってください。 / the doctor's instruction expired on {}; get a new one",
            i.valid_until, i.valid_until
        )),
        InstructionState::ExpiringSoon => {
            let days = i.valid_until.days_since_epoch() - today.days_since_epoch();
            Some(format!(
                "⚠ 医師指示書の有効期限（{}）まであと{days}日です。 / the doctor's instruction expires on {} ({days} days left)",
                i.valid_until, i.valid_until
            ))
        }
        _ => None,
    }
}
