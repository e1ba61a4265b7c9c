//! Transferring a child to another station (引継ぎによる移管): who may, after which handover
//! visit, from which day. The access rule that follows is `access::reach`; the domain checks are
//! `carebook_domain::transfer`.
//!
//! The giving station is the child's owner today. Its office (or an administrator) transfers it
//! to another station from a first day, after an accompanied handover visit of the child that
//! took place, submitted or approved, whose handover section names both stations and was
//! signed by a person of each — two different people (an administrator may leave the visit out,
//! to correct an owner). The first day is on or after the visit's day and after the child's
//! last transfer began; a child has at most one transfer waiting for its first day. A child the
//! caller may not reach whole is answered as if unknown (`forbidden`), so an office cannot learn
//! which children exist elsewhere.

use automerge::ActorId;
use carebook_domain::transfer::{first_day_problems, handover_problems};
use carebook_domain::{Child, Date, Message, OrgKind, Problems, RecordDoc, RecordKind, Role, Transfer, TransferRequest, Visit};

use crate::access;
use crate::model::{unix_now, Caller, Error, Result};
use crate::storage::{Storage, StoredDoc};

fn unknown_child() -> Error {
    Error::Forbidden(Message::new(
        "この子どもの移管はできません（記録がないか、あなたの事業所の子どもではありません）",
        "you may not transfer this child (no such child, or not your station's)",
    ))
}

/// Loads a stored record off the async threads (automerge work is CPU-bound).
async fn hydrate<T: carebook_domain::Record + Send + 'static>(id: &str, doc: StoredDoc) -> Result<T> {
    let id = id.to_string();
    tokio::task::spawn_blocking(move || RecordDoc::<T>::load(&id, &doc.bytes, ActorId::random()).map(|d| d.value().clone()))
        .await?
        .map_err(|e| Error::Stored { what: Message::new("保存されている記録", "stored record"), value: e.message().en })
}

/// Transfers `child_id` as `caller` on `today` (JST).
pub(crate) async fn transfer(
    storage: &Storage,
    caller: &Caller,
    child_id: &str,
    request: TransferRequest,
    today: Date,
) -> Result<Transfer> {
    if !matches!(caller.role, Role::Office | Role::Admin) {
        return Err(Error::Forbidden(Message::new(
            "子どもの移管は事務担当と管理者だけができます",
            "only office staff and administrators transfer a child",
        )));
    }
    let facts = storage.child_facts(child_id, &caller.user_id).await?;
    let Some(giving) = facts.owner_on(today).map(str::to_string) else { return Err(unknown_child()) };
    if !access::may_access(caller, &facts) {
        return Err(unknown_child());
    }
    let mut problems = Problems::new();
    let receiving = storage.orgs().await?.into_iter().find(|o| o.id == request.to_org);
    match &receiving {
        Some(o) if o.kind == OrgKind::Station && o.id != giving => {}
        Some(o) if o.id == giving => problems.push(
            "to_org",
            "same_station",
            format!("移管先が今の事業所（{}）と同じです", o.shown_name()),
            format!("the receiving station is the child's station already ({})", o.id),
        ),
        _ => problems.push(
            "to_org",
            "unknown_station",
            format!("移管先の事業所 {:?} はありません", request.to_org),
            format!("expected the id of another station, found {:?}", request.to_org),
        ),
    }
    if let Some(pending) = facts.transfers.iter().find(|t| t.first_day > today) {
        problems.push(
            "first_day",
            "transfer_pending",
            format!("{} から {} への移管がすでに予定されています", pending.first_day, pending.to),
            format!("a transfer to {} from {} is already waiting for its first day", pending.to, pending.first_day),
        );
    }
    let handover_day = match &request.handover_visit {
        Some(id) => match storage.document(id).await? {
            Some(doc) if doc.kind == RecordKind::Visit && doc.child_id == child_id => {
                let visit: Visit = hydrate(id, doc).await?;
                problems.0.extend(handover_problems(&visit, child_id, &giving, &request.to_org).0);
                signer_problems(storage, &visit, &giving, &request.to_org, &mut problems).await?;
                Some(visit.rule_date(today))
            }
            _ => {
                problems.push(
                    "handover_visit",
                    "unknown_visit",
                    format!("この子どもの訪問記録 {id:?} はありません"),
                    format!("no visit {id:?} of this child"),
                );
                None
            }
        },
        None if caller.role == Role::Admin => None,
        None => {
            problems.push(
                "handover_visit",
                "required",
                "移管の前に、両方の事業所の看護師が署名した同行訪問の記録が必要です",
                "expected the accompanied handover visit both stations' nurses signed",
            );
            None
        }
    };
    let last = facts.transfers.iter().map(|t| t.first_day).max();
    problems.0.extend(first_day_problems(request.first_day, today, handover_day, last).0);
    problems.into_result().map_err(Error::Problems)?;

    let sheet = storage.document(child_id).await?.filter(|d| d.kind == RecordKind::Child).ok_or_else(unknown_child)?;
    let child: Child = hydrate(child_id, sheet).await?;
    let person = storage.person(&caller.username).await?;
    let transfer = Transfer {
        child_id: child_id.to_string(),
        child_name: child.name,
        municipality: child.municipality,
        from_org: giving,
        to_org: request.to_org,
        first_day: request.first_day,
        handover_visit: request.handover_visit,
        by: if person.person.name.is_empty() { caller.username.clone() } else { person.person.name },
        at: unix_now(),
    };
    storage.add_transfer(&transfer, last, caller).await?;
    tracing::info!(child = %child_id, from = %transfer.from_org, to = %transfer.to_org, first_day = %transfer.first_day, "child transferred");
    Ok(transfer)
}

/// Each sign-off of the handover must be by a person of its station.
async fn signer_problems(storage: &Storage, visit: &Visit, giving: &str, receiving: &str, problems: &mut Problems) -> Result<()> {
    let Some(h) = &visit.handover else { return Ok(()) };
    for (field, sign, station) in
        [("handover.from_sign_off", &h.from_sign_off, giving), ("handover.to_sign_off", &h.to_sign_off, receiving)]
    {
        let Some(sign) = sign else { continue };
        if storage.org_of_user(&sign.staff_id).await?.as_deref() != Some(station) {
            problems.push(
                field,
                "signer_station",
                format!("署名した {} さんは {} の職員ではありません", sign.name, station),
                format!("the signer {:?} is not a person of station {station}", sign.staff_id),
            );
        }
    }
    Ok(())
}
