//! Publishing municipality settings, checklist templates and stations' canned phrases (定型文):
//! who may, and from which date. Office staff and administrators publish; a station's phrases
//! only its own office (the caller's organisation is the station) or an administrator. A
//! version applies from its date and never before it, so an office may publish only from today
//! on (a change never rewrites what applied to visits already recorded); an administrator may
//! also correct from an earlier date. Reading the book, each caller sees every municipality and
//! template version and the phrases of its own station only ([`visible_book`]).

use carebook_domain::{Date, Message, Role, RuleBook, RuleKind, RuleVersion};

use crate::model::{unix_now, Caller, Error, Result};
use crate::storage::Storage;

/// Publishes `v` as `caller` on `today` (JST): the author and time are the server's.
pub(crate) async fn publish(storage: &Storage, caller: &Caller, mut v: RuleVersion, today: Date) -> Result<RuleVersion> {
    let phrases = v.kind() == RuleKind::Phrases;
    if !matches!(caller.role, Role::Office | Role::Admin) {
        return Err(Error::Forbidden(if phrases {
            Message::new(
                "定型文は事業所の事務担当と管理者が変更します",
                "only the station's office staff and administrators change its canned phrases",
            )
        } else {
            Message::new(
                "区市町村の設定とひな形は事務担当と管理者が変更します",
                "only office staff and administrators change municipality settings and templates",
            )
        }));
    }
    if phrases && caller.role == Role::Office && v.key != caller.org_id {
        return Err(Error::Forbidden(Message::new(
            "他の事業所の定型文は変更できません。自分の事業所の定型文だけを変更できます",
            "an office changes its own station's canned phrases only, not another station's",
        )));
    }
    let mut problems = v.validate();
    if v.effective_from < today && caller.role != Role::Admin {
        problems.push(
            "effective_from",
            "in_the_past",
            format!("適用開始日は今日（{today}）以降にしてください。記録済みの訪問の設定は変わりません"),
            format!("the version must apply from today ({today}) or later: visits already recorded keep their settings"),
        );
    }
    problems.into_result().map_err(Error::Problems)?;
    let person = storage.person(&caller.username).await?;
    v.author = if person.person.name.is_empty() { caller.username.clone() } else { person.person.name };
    v.recorded_at = unix_now();
    storage.publish_rule(&v, caller, today, v.recorded_at).await?;
    Ok(v)
}

/// The rule book as `caller` sees it: every municipality and template version, and the canned
/// phrases of the caller's own station (an administrator's: every station's). The answer, and
/// so its ETag, differs between callers of different stations.
pub(crate) async fn visible_book(storage: &Storage, caller: &Caller) -> Result<RuleBook> {
    let book = storage.rule_book().await?;
    Ok(match caller.role {
        Role::Admin => book.visible_to(None),
        _ => book.visible_to(Some(&[caller.org_id.as_str()])),
    })
}
