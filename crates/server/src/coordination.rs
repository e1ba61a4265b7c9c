//! Coordinator support records of a station: who may record and read them.
//!
//! | | work for a child | regional meetings |
//! |---|---|---|
//! | the station's coordinator | records (for a child the station owns today) and reads | records and reads |
//! | the station's office | reads | records and reads |
//! | an administrator | records and reads | records and reads |
//! | anyone else | refused | refused |

use carebook_domain::{
    CoordinatorWorkRecord, FiscalYear, Message, NewCoordinatorWork, NewRegionalMeeting, OrgKind, Problems, RegionalMeetingRecord, Role,
};

use crate::access::{self, Reach};
use crate::model::{unix_now, Caller, Error, Result};
use crate::storage::Storage;

/// What a caller asks to do with a station's coordinator records.
#[derive(Clone, Copy, PartialEq, Eq)]
enum Act {
    Read,
    RecordWork,
    RecordMeeting,
}

fn may(caller: &Caller, station: &str, act: Act) -> Result<()> {
    let ours = caller.org_id == station;
    let allowed = match caller.role {
        Role::Admin => true,
        Role::Coordinator => ours,
        Role::Office => ours && act != Act::RecordWork,
        Role::Nurse | Role::Parent | Role::Municipality => false,
    };
    if allowed {
        return Ok(());
    }
    Err(Error::Forbidden(match act {
        Act::RecordWork => Message::new(
            "コーディネーターの業務は、その事業所のコーディネーターと管理者だけが記録できます",
            "only the station's coordinator and administrators record coordinator work",
        ),
        _ => Message::new(
            "コーディネーター支援の記録は、その事業所のコーディネーター・事務担当と管理者だけが記録・閲覧できます",
            "only the station's coordinator, office staff and administrators record and read its coordinator support",
        ),
    }))
}

/// `station` must be a visiting-nurse station the server knows.
async fn known_station(storage: &Storage, station: &str) -> Result<()> {
    match storage.orgs().await?.into_iter().find(|o| o.id == station) {
        Some(o) if o.kind == OrgKind::Station => Ok(()),
        _ => {
            let mut problems = Problems::new();
            problems.push(
                "station",
                "unknown_station",
                format!("事業所「{station}」はありません"),
                format!("station: expected the id of a visiting-nurse station, got {station:?}"),
            );
            Err(Error::Problems(problems))
        }
    }
}

/// Records a piece of coordinator work: the caller may, the fields are right, the station
/// exists and owns the child today (the coordinator reaches its face sheet).
pub(crate) async fn add_work(storage: &Storage, caller: &Caller, w: NewCoordinatorWork) -> Result<CoordinatorWorkRecord> {
    may(caller, &w.station, Act::RecordWork)?;
    w.validate(caller.today).into_result().map_err(Error::Problems)?;
    known_station(storage, &w.station).await?;
    let facts = storage.child_facts(&w.child_id.to_string(), &caller.user_id).await?;
    let owned = facts.owner_on(caller.today) == Some(w.station.as_str());
    if !owned || access::reach(caller, &facts) == Reach::Nothing {
        let mut problems = Problems::new();
        problems.push(
            "child_id",
            "unknown_child",
            "この事業所の子どもではありません（フェイスシートが同期されている子どもを選んでください）",
            format!("child_id: expected a child of station {:?}, got {}", w.station, w.child_id),
        );
        return Err(Error::Problems(problems));
    }
    let id = storage.add_coordinator_work(&w, caller, unix_now()).await?;
    let mut one = storage.coordinator_work(&w.station, w.date.fiscal_year(), Some(id)).await?;
    one.pop().ok_or(Error::Database(sqlx::Error::RowNotFound))
}

/// Records a regional meeting or training.
pub(crate) async fn add_meeting(storage: &Storage, caller: &Caller, m: NewRegionalMeeting) -> Result<RegionalMeetingRecord> {
    may(caller, &m.station, Act::RecordMeeting)?;
    m.validate(caller.today).into_result().map_err(Error::Problems)?;
    known_station(storage, &m.station).await?;
    let id = storage.add_regional_meeting(&m, caller, unix_now()).await?;
    let mut one = storage.regional_meetings(&m.station, m.date.fiscal_year(), Some(id)).await?;
    one.pop().ok_or(Error::Database(sqlx::Error::RowNotFound))
}

/// The coordinator work of `station` in `fy`.
pub(crate) async fn work(storage: &Storage, caller: &Caller, station: &str, fy: FiscalYear) -> Result<Vec<CoordinatorWorkRecord>> {
    may(caller, station, Act::Read)?;
    storage.coordinator_work(station, fy, None).await
}

/// The regional meetings of `station` in `fy`.
pub(crate) async fn meetings(storage: &Storage, caller: &Caller, station: &str, fy: FiscalYear) -> Result<Vec<RegionalMeetingRecord>> {
    may(caller, station, Act::Read)?;
    storage.regional_meetings(station, fy, None).await
}
