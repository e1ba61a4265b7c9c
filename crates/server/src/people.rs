//! Managing people from the app: who may manage whom. An office manages the people of its own
//! organisation (nurses, parents and other office staff — never administrators, never another
//! organisation's); an administrator manages everyone. Nobody disables, demotes or moves
//! themselves (an office could otherwise lock its station out). Every change is written to the
//! organisation's events with the caller as the actor.
//!
//! A person of another organisation is answered as if unknown (`not_found`), so an office cannot
//! learn which account names exist elsewhere.

use carebook_domain::{Message, NewPerson, OneTimePassword, OrgKind, PersonChange, PersonDetail, Role};

use crate::model::{Caller, Error, Result};
use crate::storage::Storage;

/// The organisation whose people `caller` manages: `None` for every organisation (an
/// administrator).
fn managed_org(caller: &Caller) -> Result<Option<&str>> {
    match caller.role {
        Role::Admin => Ok(None),
        Role::Office => Ok(Some(caller.org_id.as_str())),
        Role::Nurse | Role::Parent | Role::Municipality | Role::Coordinator => Err(Error::Forbidden(Message::new(
            "利用者の管理は事務担当と管理者だけができます",
            "only office staff and administrators manage people",
        ))),
    }
}

/// The person `username`, if `caller` manages them (else `UnknownUser`, whether or not they exist).
async fn managed(storage: &Storage, caller: &Caller, username: &str) -> Result<PersonDetail> {
    let org = managed_org(caller)?;
    let person = match storage.person(username).await {
        Ok(p) => p,
        Err(Error::UnknownUser(_)) => return Err(Error::UnknownUser(username.trim().into())),
        Err(e) => return Err(e),
    };
    if org.is_some_and(|org| person.person.org_id != org) {
        return Err(Error::UnknownUser(username.trim().into()));
    }
    if org.is_some() && person.person.role == Role::Admin {
        return Err(Error::Forbidden(Message::new("事務担当は管理者を管理できません", "an office does not manage administrators")));
    }
    Ok(person)
}

fn not_yourself(caller: &Caller, person: &PersonDetail) -> Result<()> {
    if person.person.id == caller.user_id {
        return Err(Error::Forbidden(Message::new(
            "自分のアカウントの変更は、他の事務担当か管理者に依頼してください",
            "ask another office worker or an administrator to change your own account",
        )));
    }
    Ok(())
}

/// The people `caller` manages, with their devices and assignments.
pub(crate) async fn list(storage: &Storage, caller: &Caller) -> Result<Vec<PersonDetail>> {
    let org = managed_org(caller)?;
    storage.people(org).await
}

/// Adds a person with a one-time password (returned once) that their first login replaces.
pub(crate) async fn add(storage: &Storage, caller: &Caller, mut new: NewPerson) -> Result<(PersonDetail, OneTimePassword)> {
    if let Some(own) = managed_org(caller)? {
        if new.org_id.as_deref().is_some_and(|o| o != own) {
            return Err(Error::Forbidden(Message::new(
                "事務担当が追加できるのは自分の所属の利用者だけです",
                "an office adds people to its own organisation only",
            )));
        }
        if new.role == Role::Admin {
            return Err(Error::Forbidden(Message::new("事務担当は管理者を追加できません", "an office does not add administrators")));
        }
        new.org_id = Some(own.to_string());
    }
    let (user, one_time) = storage.add_person(&new, None, None, Some(&caller.username)).await?;
    let one_time =
        one_time.ok_or_else(|| Error::Stored { what: Message::new("仮パスワード", "one-time password"), value: "missing".into() })?;
    Ok((storage.person(&user.username).await?, one_time))
}

/// Changes a person: name, reading and profession; role (not to or from administrator for an
/// office); organisation (administrators only).
pub(crate) async fn change(storage: &Storage, caller: &Caller, username: &str, change: PersonChange) -> Result<PersonDetail> {
    let person = managed(storage, caller, username).await?;
    let office = managed_org(caller)?.is_some();
    if change.role.is_some_and(|r| r != person.person.role) || change.org_id.as_deref().is_some_and(|o| o != person.person.org_id) {
        not_yourself(caller, &person)?;
    }
    if office && change.role == Some(Role::Admin) {
        return Err(Error::Forbidden(Message::new("事務担当は管理者を設定できません", "an office does not make administrators")));
    }
    if office && change.org_id.as_deref().is_some_and(|o| o != person.person.org_id) {
        return Err(Error::Forbidden(Message::new(
            "他の所属への異動は管理者だけができます",
            "only an administrator moves a person to another organisation",
        )));
    }
    if change.name.is_some() || change.kana.is_some() || change.profession.is_some() {
        storage
            .set_profile(&person.username, change.name.as_deref(), change.kana.as_deref(), change.profession, Some(&caller.username))
            .await?;
    }
    if change.role.is_some() || change.org_id.is_some() {
        let org = match change.org_id.as_deref() {
            Some(id) => {
                let org = storage.orgs().await?.into_iter().find(|o| o.id == id).ok_or_else(|| Error::UnknownOrg(id.into()))?;
                Some((org.id, org.kind))
            }
            None => None,
        };
        let org: Option<(&str, OrgKind)> = org.as_ref().map(|(id, kind)| (id.as_str(), *kind));
        storage.change_user_by(&person.username, change.role, org, Some(&caller.username)).await?;
    }
    storage.person(&person.username).await
}

/// Disables a person: every device of theirs is revoked now. How many were.
pub(crate) async fn disable(storage: &Storage, caller: &Caller, username: &str) -> Result<u64> {
    let person = managed(storage, caller, username).await?;
    not_yourself(caller, &person)?;
    storage.disable_user(&person.username, Some(&caller.username)).await
}

/// Enables a disabled person.
pub(crate) async fn enable(storage: &Storage, caller: &Caller, username: &str) -> Result<PersonDetail> {
    let person = managed(storage, caller, username).await?;
    storage.enable_user(&person.username, Some(&caller.username)).await?;
    storage.person(&person.username).await
}

/// Gives a person a one-time password (returned once); their devices must log in again.
pub(crate) async fn reset_password(storage: &Storage, caller: &Caller, username: &str) -> Result<OneTimePassword> {
    let person = managed(storage, caller, username).await?;
    storage.reset_password(&person.username, Some(&caller.username)).await
}
