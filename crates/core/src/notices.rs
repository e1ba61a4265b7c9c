//! What the app tells its user without being asked (お知らせ, issue 14): doctor's instructions
//! about to expire or expired, records waiting for a guardian's confirmation, a problem on the
//! latest equipment checklist of a child, and records the office sent back. Worked out on the
//! device from what it holds, so they are there offline too.

use carebook_domain::{CheckStatus, ChildId, Date, InstructionState, Message, VisitId, VisitStatus};
use serde::Serialize;

use crate::app::ReviewFilter;
use crate::{clock, Carebook, CoreError};

/// What a notice is about.
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum NoticeKind {
    /// The doctor's instruction has 14 days or fewer left (指示書の期限が近い).
    InstructionExpiring,
    /// The doctor's instruction is past its last day (指示書の期限切れ).
    InstructionExpired,
    /// A submitted record without the guardian's confirmation (保護者の確認待ち).
    AwaitingConfirmation,
    /// The child's latest checklist has an item marked 問題あり.
    ChecklistProblem,
    /// The office sent a record back (差し戻し).
    SentBack,
}

/// One notice.
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Notice {
    /// What it is about.
    pub kind: NoticeKind,
    /// The child.
    pub child_id: ChildId,
    /// The child's name.
    pub child_name: String,
    /// The record, for those about one.
    pub visit_id: Option<VisitId>,
    /// The day: the instruction's last day, or the record's.
    pub on: Option<Date>,
    /// What to look at, in both languages: the checklist items with a problem, the office's
    /// reason for sending back.
    pub detail: Option<Message>,
}

impl Carebook {
    /// Every notice for what this device holds, the most pressing kinds first (expired
    /// instructions, sent-back records, checklist problems, expiring instructions, waiting
    /// confirmations), then by day.
    pub async fn notices(&self) -> Result<Vec<Notice>, CoreError> {
        let today = clock::today_jst();
        let mut out = Vec::new();
        let templates = self.templates().await?;
        for row in self.children().await? {
            let child = self.child(row.id).await?;
            let notice = |kind, visit_id, on, detail| Notice { kind, child_id: row.id, child_name: row.name.clone(), visit_id, on, detail };
            let last_day = child.doctor_instruction.as_ref().map(|d| d.valid_until);
            match child.instruction_state(today) {
                InstructionState::ExpiringSoon => out.push(notice(NoticeKind::InstructionExpiring, None, last_day, None)),
                InstructionState::Expired => out.push(notice(NoticeKind::InstructionExpired, None, last_day, None)),
                _ => {}
            }
            // The child's latest visit that took place, and what its checklist found.
            if let Some((start, visit)) = self.previous_visit_record(row.id, None).await? {
                let template = templates.iter().find(|t| t.id == visit.checklist.template_id);
                let problems: Vec<(String, String)> = visit
                    .checklist
                    .items
                    .iter()
                    .filter(|(_, e)| e.status == CheckStatus::Problem)
                    .map(|(id, e)| {
                        let item = template.and_then(|t| t.items.iter().find(|i| &i.id == id));
                        let (ja, en) = item.map_or((id.clone(), id.clone()), |i| (i.ja.clone(), i.en.clone()));
                        let note = if e.note.trim().is_empty() { String::new() } else { format!("（{}）", e.note.trim()) };
                        (format!("{ja}{note}"), format!("{en}{}", note.replace('（', " (").replace('）', ")")))
                    })
                    .collect();
                if !problems.is_empty() {
                    let ja = problems.iter().map(|p| p.0.as_str()).collect::<Vec<_>>().join("、");
                    let en = problems.iter().map(|p| p.1.as_str()).collect::<Vec<_>>().join(", ");
                    out.push(notice(NoticeKind::ChecklistProblem, Some(visit.id), Some(start.date), Some(Message::new(ja, en))));
                }
            }
        }
        // Two narrow reads of the index, not the whole of it: drafts (those sent back), and
        // submitted records without the guardian's confirmation.
        let drafts = self.review(&ReviewFilter { status: Some(VisitStatus::Draft), ..Default::default() }).await?;
        let waiting = self.review(&ReviewFilter { status: Some(VisitStatus::Submitted), unconfirmed: true, ..Default::default() }).await?;
        for r in drafts.iter().chain(&waiting) {
            let base = |kind, detail| Notice {
                kind,
                child_id: r.summary.child_id,
                child_name: r.child_name.clone(),
                visit_id: Some(r.summary.id),
                on: r.summary.date,
                detail,
            };
            match (&r.returned, r.summary.status) {
                (Some(returned), VisitStatus::Draft) => {
                    out.push(base(NoticeKind::SentBack, Some(Message::new(returned.reason.clone(), returned.reason.clone()))))
                }
                (_, VisitStatus::Submitted) if r.flags.unconfirmed && !r.handed_over => {
                    out.push(base(NoticeKind::AwaitingConfirmation, None))
                }
                _ => {}
            }
        }
        let rank = |k: NoticeKind| match k {
            NoticeKind::InstructionExpired => 0,
            NoticeKind::SentBack => 1,
            NoticeKind::ChecklistProblem => 2,
            NoticeKind::InstructionExpiring => 3,
            NoticeKind::AwaitingConfirmation => 4,
        };
        out.sort_by(|a, b| rank(a.kind).cmp(&rank(b.kind)).then(a.on.cmp(&b.on)).then(a.child_name.cmp(&b.child_name)));
        Ok(out)
    }
}
