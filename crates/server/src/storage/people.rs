//! People and organisations beyond the login: organisations' names, people's names and
//! professions, disabling and enabling an account (disabling revokes every device at once),
//! one-time passwords, the directory a device sees, the people an office manages, and the
//! events of all this (`org_events`: who did what to whom, without record contents).

use carebook_domain::{
    validate_name, DeviceBrief, Directory, Message, NewPerson, OneTimePassword, Org, OrgKind, Person, PersonDetail, Problems, Profession,
    Role, UserInfo,
};
use serde::Serialize;
use sqlx::any::AnyRow;
use sqlx::{Any, AssertSqlSafe, Row, Transaction};

use super::accounts::NewAccount;
use super::{org_kind_of, profession_of, role_of, settle, Storage};
use crate::model::{unix_now, Caller, Error, Result};
use crate::password;

/// How long a one-time password may be used: three days, for an office to hand it over.
pub const ONE_TIME_PASSWORD_SECS: i64 = 3 * 86_400;

/// Characters of one-time passwords: lower-case letters and digits without the ones people
/// confuse (0/o, 1/l/i).
const ONE_TIME_ALPHABET: &[u8] = b"abcdefghjkmnpqrstuvwxyz23456789";

/// One event of the administration of people and organisations.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct OrgEvent {
    /// Unix seconds.
    pub at: i64,
    /// The account that did it; `None` for the operator's command line.
    pub actor: Option<String>,
    /// What: `user_added`, `user_disabled`, `user_enabled`, `user_changed`, `password_reset`,
    /// `org_added`, `org_changed` …
    pub action: String,
    /// What it was done to: an account name or an organisation id.
    pub subject: String,
    /// A short description (never record contents).
    pub detail: String,
}

const PERSON_COLUMNS: &str = "u.id, u.username, u.role, u.org_id, u.display_name, u.display_kana, u.profession, u.disabled_at, \
                              u.one_time_until, u.created_at";

fn person_of(r: &AnyRow) -> Result<Person> {
    Ok(Person {
        id: r.try_get("id")?,
        name: r.try_get("display_name")?,
        kana: r.try_get("display_kana")?,
        profession: profession_of(r.try_get("profession")?)?,
        role: role_of(r.try_get("role")?)?,
        org_id: r.try_get("org_id")?,
    })
}

fn org_of(r: &AnyRow) -> Result<Org> {
    let kind: String = r.try_get("kind")?;
    Ok(Org { id: r.try_get("id")?, kind: org_kind_of(kind)?, name: r.try_get("name")?, municipality: r.try_get("municipality")? })
}

/// A one-time password: four groups of four (about 79 bits), easy to read out and type.
fn one_time_password() -> Result<String> {
    let mut bytes = [0u8; 16];
    getrandom::fill(&mut bytes).map_err(|e| Error::PasswordHash(format!("no randomness for a password: {e}")))?;
    let chars: Vec<char> = bytes.iter().map(|b| ONE_TIME_ALPHABET[*b as usize % ONE_TIME_ALPHABET.len()] as char).collect();
    Ok(chars.chunks(4).map(|c| c.iter().collect::<String>()).collect::<Vec<_>>().join("-"))
}

fn check_org_id(org_id: &str) -> Result<&str> {
    let org_id = org_id.trim();
    if org_id.is_empty() || org_id.len() > 64 || org_id.chars().any(|c| c.is_whitespace() || c.is_control()) {
        return Err(Error::Invalid {
            what: Message::new("所属ID", "organisation id"),
            value: org_id.into(),
            reason: Message::new("空白を含まない 1〜64 文字にしてください", "1–64 characters without spaces"),
        });
    }
    Ok(org_id)
}

impl Storage {
    /// Adds an organisation, or names an existing one of the same kind (its name and
    /// municipality are set to these). A welfare section must name its municipality code.
    pub async fn add_org(&self, org: &Org, actor: Option<&str>) -> Result<Org> {
        let id = check_org_id(&org.id)?;
        let mut problems = Problems::default();
        problems.text("name", &org.name, 100, false);
        if org.name.trim().is_empty() {
            problems.push("name", "required", "名称を入力してください", "the name is required");
        }
        match (&org.kind, &org.municipality) {
            (OrgKind::Municipality, Some(code)) if code.len() == 5 && code.bytes().all(|b| b.is_ascii_digit()) => {}
            (OrgKind::Municipality, _) => problems.push(
                "municipality",
                "required",
                "区市町村コード（5桁の数字）を入力してください",
                "a welfare section needs its municipality code (5 digits, e.g. 13101)",
            ),
            (_, Some(_)) => problems.push(
                "municipality",
                "not_allowed",
                "区市町村コードは障害福祉課だけに設定できます",
                "only a municipal welfare section has a municipality code",
            ),
            (_, None) => {}
        }
        problems.into_result().map_err(Error::Problems)?;
        let now = unix_now();
        let _turn = self.write_turn().await;
        let mut tx = self.pool.begin().await?;
        let result: Result<Org> = async {
            sqlx::query(
                "INSERT INTO orgs (id, kind, created_at, name, municipality) VALUES ($1, $2, $3, $4, $5) ON CONFLICT (id) DO NOTHING",
            )
            .bind(id)
            .bind(org.kind.name())
            .bind(now)
            .bind(org.name.trim())
            .bind(org.municipality.clone())
            .execute(&mut *tx)
            .await?;
            let existing =
                org_of(&sqlx::query("SELECT id, kind, name, municipality FROM orgs WHERE id = $1").bind(id).fetch_one(&mut *tx).await?)?;
            if existing.kind != org.kind {
                return Err(Error::OrgKindMismatch { org: id.into(), existing: existing.kind, requested: org.kind });
            }
            sqlx::query("UPDATE orgs SET name = $1, municipality = $2 WHERE id = $3")
                .bind(org.name.trim())
                .bind(org.municipality.clone())
                .bind(id)
                .execute(&mut *tx)
                .await?;
            event(&mut tx, actor, "org_saved", id, &format!("{} {}", org.kind.name(), org.name.trim())).await?;
            Ok(Org { id: id.into(), kind: org.kind, name: org.name.trim().into(), municipality: org.municipality.clone() })
        }
        .await;
        settle(tx, result).await
    }

    /// Every organisation, by id.
    pub async fn orgs(&self) -> Result<Vec<Org>> {
        let rows = sqlx::query("SELECT id, kind, name, municipality FROM orgs ORDER BY id").fetch_all(&self.pool).await?;
        rows.iter().map(org_of).collect()
    }

    /// Adds a person to an existing organisation, with their name, reading and profession:
    /// with `password` (their own, checked against the rule), or else a one-time password,
    /// returned once, that the first login must replace.
    /// With `create_org`, a missing organisation is created as that kind (the operator's
    /// command line); without, it must exist.
    pub async fn add_person(
        &self,
        p: &NewPerson,
        password: Option<&str>,
        create_org: Option<OrgKind>,
        actor: Option<&str>,
    ) -> Result<(UserInfo, Option<OneTimePassword>)> {
        validate_name(&p.name, &p.kana).into_result().map_err(Error::Problems)?;
        let org_id = check_org_id(p.org_id.as_deref().unwrap_or_default())?;
        let kind: Option<String> =
            sqlx::query_scalar("SELECT kind FROM orgs WHERE id = $1").bind(org_id).fetch_optional(&self.pool).await?;
        let org_kind = match (kind, create_org) {
            (Some(kind), _) => org_kind_of(kind)?,
            (None, Some(kind)) => kind,
            (None, None) => return Err(Error::UnknownOrg(org_id.into())),
        };
        let one_time = match password {
            Some(_) => None,
            None => Some((one_time_password()?, unix_now() + ONE_TIME_PASSWORD_SECS)),
        };
        let account = NewAccount {
            username: &p.username,
            password: password.unwrap_or_else(|| one_time.as_ref().map_or("", |(pw, _)| pw.as_str())),
            role: p.role,
            org_id,
            org_kind,
            profile: Some((p.name.trim(), p.kana.trim(), p.profession)),
            one_time_until: one_time.as_ref().map(|(_, until)| *until),
        };
        let user = self.insert_account(account, actor).await?;
        let one_time = one_time.map(|(password, expires_at)| OneTimePassword { username: user.username.clone(), password, expires_at });
        Ok((user, one_time))
    }

    /// Sets a person's name, reading and profession (each given one; the others stay).
    pub async fn set_profile(
        &self,
        username: &str,
        name: Option<&str>,
        kana: Option<&str>,
        profession: Option<Profession>,
        actor: Option<&str>,
    ) -> Result<Person> {
        let current = self.person(username).await?.person;
        let name = name.map_or(current.name.clone(), |n| n.trim().to_string());
        let kana = kana.map_or(current.kana.clone(), |k| k.trim().to_string());
        validate_name(&name, &kana).into_result().map_err(Error::Problems)?;
        let profession = profession.or(current.profession);
        let _turn = self.write_turn().await;
        let mut tx = self.pool.begin().await?;
        sqlx::query("UPDATE users SET display_name = $1, display_kana = $2, profession = $3 WHERE id = $4")
            .bind(&name)
            .bind(&kana)
            .bind(profession.map(|p| p.name()))
            .bind(&current.id)
            .execute(&mut *tx)
            .await?;
        event(&mut tx, actor, "profile_changed", username.trim(), "name, reading or profession").await?;
        tx.commit().await?;
        Ok(Person { name, kana, profession, ..current })
    }

    /// Disables an account: it can no longer log in, and every device of it is revoked at once
    /// (each hands its unsent records to the quarantine and removes its records at its next
    /// sync). Returns how many devices were revoked now. Disabling twice keeps the first time.
    pub async fn disable_user(&self, username: &str, actor: Option<&str>) -> Result<u64> {
        let user_id = self.user_id(username).await?;
        let now = unix_now();
        let _turn = self.write_turn().await;
        let mut tx = self.pool.begin().await?;
        sqlx::query("UPDATE users SET disabled_at = COALESCE(disabled_at, $1) WHERE id = $2")
            .bind(now)
            .bind(&user_id)
            .execute(&mut *tx)
            .await?;
        let revoked = sqlx::query("UPDATE devices SET revoked_at = $1 WHERE user_id = $2 AND revoked_at IS NULL")
            .bind(now)
            .bind(&user_id)
            .execute(&mut *tx)
            .await?
            .rows_affected();
        event(&mut tx, actor, "user_disabled", username.trim(), &format!("{revoked} devices revoked")).await?;
        tx.commit().await?;
        Ok(revoked)
    }

    /// Enables a disabled account: it may log in again (its old devices stay revoked; each
    /// device logs in anew).
    pub async fn enable_user(&self, username: &str, actor: Option<&str>) -> Result<()> {
        let user_id = self.user_id(username).await?;
        let _turn = self.write_turn().await;
        let mut tx = self.pool.begin().await?;
        sqlx::query("UPDATE users SET disabled_at = NULL WHERE id = $1").bind(&user_id).execute(&mut *tx).await?;
        event(&mut tx, actor, "user_enabled", username.trim(), "").await?;
        tx.commit().await?;
        Ok(())
    }

    /// Gives an account a one-time password (returned once; only its hash is kept), valid for
    /// [`ONE_TIME_PASSWORD_SECS`]: the next login must set a password of the person's own.
    /// Every device of the account must log in again (its records stay on it).
    pub async fn reset_password(&self, username: &str, actor: Option<&str>) -> Result<OneTimePassword> {
        let user_id = self.user_id(username).await?;
        let password = one_time_password()?;
        let hash = password::hash_password(password.clone()).await?;
        let now = unix_now();
        let expires_at = now + ONE_TIME_PASSWORD_SECS;
        let _turn = self.write_turn().await;
        let mut tx = self.pool.begin().await?;
        sqlx::query("UPDATE users SET password_hash = $1, one_time_until = $2 WHERE id = $3")
            .bind(&hash)
            .bind(expires_at)
            .bind(&user_id)
            .execute(&mut *tx)
            .await?;
        sqlx::query("UPDATE devices SET expires_at = $1 WHERE user_id = $2 AND revoked_at IS NULL AND expires_at > $1")
            .bind(now)
            .bind(&user_id)
            .execute(&mut *tx)
            .await?;
        event(&mut tx, actor, "password_reset", username.trim(), "one-time password issued").await?;
        tx.commit().await?;
        let by = if actor.is_some() { "people-api" } else { "operator" };
        self.log_account_change(super::AccountChange::PasswordReset, username.trim(), None, None, by).await?;
        Ok(OneTimePassword { username: username.trim().into(), password, expires_at })
    }

    /// Replaces a one-time password with the person's own (already checked against the rule
    /// and hashed), at login.
    pub(crate) async fn replace_one_time_password(&self, user_id: &str, username: &str, hash: &str) -> Result<()> {
        let _turn = self.write_turn().await;
        let mut tx = self.pool.begin().await?;
        sqlx::query("UPDATE users SET password_hash = $1, one_time_until = NULL WHERE id = $2")
            .bind(hash)
            .bind(user_id)
            .execute(&mut *tx)
            .await?;
        event(&mut tx, Some(username), "password_set", username, "own password set at login").await?;
        tx.commit().await?;
        Ok(())
    }

    /// One person with their devices and assignments.
    pub async fn person(&self, username: &str) -> Result<PersonDetail> {
        let row = sqlx::query(AssertSqlSafe(format!("SELECT {PERSON_COLUMNS} FROM users u WHERE u.username = $1")))
            .bind(username.trim())
            .fetch_optional(&self.pool)
            .await?
            .ok_or_else(|| Error::UnknownUser(username.trim().into()))?;
        let mut people = self.details(vec![row]).await?;
        Ok(people.remove(0))
    }

    /// The people of one organisation, or of all, with their devices and assignments, by
    /// organisation then reading then account name.
    pub async fn people(&self, org_id: Option<&str>) -> Result<Vec<PersonDetail>> {
        let rows = sqlx::query(AssertSqlSafe(format!(
            "SELECT {PERSON_COLUMNS} FROM users u WHERE ($1 = '' OR u.org_id = $1) ORDER BY u.org_id, u.display_kana, u.username"
        )))
        .bind(org_id.unwrap_or_default())
        .fetch_all(&self.pool)
        .await?;
        self.details(rows).await
    }

    async fn details(&self, rows: Vec<AnyRow>) -> Result<Vec<PersonDetail>> {
        let mut out = Vec::with_capacity(rows.len());
        for r in rows {
            let person = person_of(&r)?;
            let devices =
                sqlx::query("SELECT id, name, last_seen, revoked_at FROM devices WHERE user_id = $1 ORDER BY created_at DESC, id")
                    .bind(&person.id)
                    .fetch_all(&self.pool)
                    .await?
                    .iter()
                    .map(|d| {
                        Ok(DeviceBrief {
                            id: d.try_get("id")?,
                            name: d.try_get("name")?,
                            last_seen: d.try_get("last_seen")?,
                            revoked_at: d.try_get("revoked_at")?,
                        })
                    })
                    .collect::<Result<Vec<_>>>()?;
            let children: Vec<String> = sqlx::query_scalar("SELECT child_id FROM assignments WHERE user_id = $1 ORDER BY child_id")
                .bind(&person.id)
                .fetch_all(&self.pool)
                .await?;
            out.push(PersonDetail {
                username: r.try_get("username")?,
                disabled_at: r.try_get("disabled_at")?,
                one_time_until: r.try_get("one_time_until")?,
                created_at: r.try_get("created_at")?,
                devices,
                children,
                person,
            });
        }
        Ok(out)
    }

    /// What `caller`'s devices may know of the organisation: every organisation, and the
    /// people the caller works with — for staff (nurses, office) and administrators, every
    /// active nurse and office worker of every station (staff pickers, the other station of a
    /// handover); for a parent, only themselves; for a municipality, nobody. Disabled accounts
    /// are left out.
    pub(crate) async fn directory(&self, caller: &Caller) -> Result<Directory> {
        let orgs = self.orgs().await?;
        let rows = match caller.role {
            Role::Nurse | Role::Office | Role::Admin => {
                sqlx::query(AssertSqlSafe(format!(
                    "SELECT {PERSON_COLUMNS} FROM users u JOIN orgs o ON o.id = u.org_id \
                     WHERE u.disabled_at IS NULL AND o.kind = 'station' AND u.role IN ('nurse', 'office') \
                     ORDER BY u.org_id, u.display_kana, u.username"
                )))
                .fetch_all(&self.pool)
                .await?
            }
            Role::Parent => {
                sqlx::query(AssertSqlSafe(format!("SELECT {PERSON_COLUMNS} FROM users u WHERE u.id = $1")))
                    .bind(&caller.user_id)
                    .fetch_all(&self.pool)
                    .await?
            }
            // A welfare section reads records; it picks no staff. A coordinator records its
            // own work, naming no other staff.
            Role::Municipality | Role::Coordinator => vec![],
        };
        let people = rows.iter().map(person_of).collect::<Result<Vec<_>>>()?;
        Ok(Directory { orgs, people, transfers: self.transfers_for(caller).await? })
    }

    /// The events of the administration of people and organisations, oldest first: all, or
    /// those about one account or organisation.
    pub async fn org_events(&self, subject: Option<&str>) -> Result<Vec<OrgEvent>> {
        let rows = sqlx::query("SELECT at, actor, action, subject, detail FROM org_events WHERE ($1 = '' OR subject = $1) ORDER BY id")
            .bind(subject.unwrap_or_default())
            .fetch_all(&self.pool)
            .await?;
        rows.iter()
            .map(|r| {
                Ok(OrgEvent {
                    at: r.try_get("at")?,
                    actor: r.try_get("actor")?,
                    action: r.try_get("action")?,
                    subject: r.try_get("subject")?,
                    detail: r.try_get("detail")?,
                })
            })
            .collect()
    }
}

/// Writes one event in `tx`.
pub(super) async fn event(tx: &mut Transaction<'_, Any>, actor: Option<&str>, action: &str, subject: &str, detail: &str) -> Result<()> {
    sqlx::query("INSERT INTO org_events (at, actor, action, subject, detail) VALUES ($1, $2, $3, $4, $5)")
        .bind(unix_now())
        .bind(actor.map(str::to_string))
        .bind(action)
        .bind(subject)
        .bind(detail)
        .execute(&mut **tx)
        .await?;
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn one_time_passwords_are_four_groups_of_unambiguous_characters() {
        let p = one_time_password().unwrap();
        assert_eq!(p.len(), 19, "{p}");
        let groups: Vec<&str> = p.split('-').collect();
        assert_eq!(groups.len(), 4);
        assert!(groups.iter().all(|g| g.len() == 4 && g.bytes().all(|b| ONE_TIME_ALPHABET.contains(&b))));
        assert!(!p.contains(['0', 'o', '1', 'l', 'i']));
        assert_ne!(one_time_password().unwrap(), p);
    }
}
