//! Publishing municipality settings and checklist templates: who may, and from which date.
//! Office staff and administrators publish; a version applies from its date and never before
//! it, so an office may publish only from today on (a change never rewrites what applied to
//! visits already recorded); an administrator may also correct from an earlier date.

use carebook_domain::{Date, Message, Role, RuleVersion};

use crate::model::{unix_now, Caller, Error, Result};
use crate::storage::Storage;

/// Publishes `v` as `caller` on `today` (JST): the author and time are the server's.
pub(crate) async fn publish(storage: &Storage, caller: &Caller, mut v: RuleVersion, today: Date) -> Result<RuleVersion> {
    if !matches!(caller.role, Role::Office | Role::Admin) {
        return Err(Error::Forbidden(Message::new(
            "区市町村の設定とひな形は事務担当と管理者が変更します",
            "only office staff and administrators change municipality settings and templates",
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
