//! What crosses the network between a device and the server, and the one error shape every
//! boundary speaks (the CLI's `--json`, the app's commands, the server). Internals never go in it.
//!
//! # Endpoints (all JSON; authenticated ones take `Authorization: Bearer <token>`)
//! | method | path | body → answer |
//! |---|---|---|
//! | GET | `/health` | → `{"status":"ok","database":"ok","disk":"ok"}`; 503 `"unwell"` naming the part (`database`: `unavailable`, `disk`: `full`) |
//! | POST | `/api/v1/login` | [`LoginRequest`] → [`LoginResponse`] |
//! | GET | `/api/v1/account/second-factor` | → [`SecondFactorStatus`] |
//! | POST | `/api/v1/account/second-factor` | [`SecondFactorStart`] → [`SecondFactorEnrolment`] (a new secret, waiting for its first code) |
//! | POST | `/api/v1/account/second-factor/confirm` | [`SecondFactorConfirm`] → [`RecoveryCodes`] (shown once) |
//! | DELETE | `/api/v1/account/second-factor` | [`SecondFactorRemove`] → 204 (accounts that need not have one) |
//! | POST | `/api/v1/push` | [`PushRequest`] → [`PushResponse`] (per-document results) |
//! | GET | `/api/v1/changes?since=N&buckets=D[&limit=M][&max_bytes=B][&total=true]` | → [`ChangesResponse`] (documents the caller may read with `seq > N`, or the caller's buckets when `D` is out of date) |
//! | POST | `/api/v1/changes/catch-up` | [`CatchUpRequest`] → [`CatchUpResponse`] (every record of newly readable children) |
//! | GET | `/api/v1/records/{id}/history` | → `Vec<`[`AuditEntry`]`>` (office, admin) |
//! | GET | `/api/v1/quarantine` | → `Vec<`[`QuarantineEntry`]`>` (office, admin) |
//!
//! # The change feed follows access
//! A device's records are grouped by child: a child's face sheet and visits are one *bucket*
//! (the unit PowerSync's protocol is built on). The device keeps the set of buckets it holds in
//! full and sends its digest ([`buckets_digest`]) with every feed request. When the server's
//! set of children the caller may read has another digest, the answer carries no documents but
//! that set (`buckets`); the device then
//! 1. pushes any unsynced edit of a child no longer in the set (a refused push goes to the
//!    server's quarantine) and removes that child's records;
//! 2. asks [`CatchUpRequest`] for every record of each child new in the set up to its cursor
//!    (what came later, the feed brings), and adds them to its set;
//! 3. asks the feed again with the new digest.
//!
//! So whatever the cursor says, a device ends up with exactly the records its account may read,
//! and a sync where nothing changed costs one small request. Pages are bounded by count and by
//! bytes (a document larger than the byte bound travels alone).
//!
//! Errors are an HTTP status with an [`ErrorBody`]: 400 `bad_request`, 401 `unauthorized` /
//! `token_expired` / `device_revoked`, 403 `forbidden`, 413 `too_large`, 429 `too_many_attempts`,
//! 500 `internal`.

use std::fmt;

use serde::{Deserialize, Serialize};

use crate::document::RecordKind;
use crate::validation::{labelled_enum, Problem};
use crate::visit::VisitIndexView;

/// A message for people, in Japanese (the users' language) and in English.
///
/// Its `Display` is `日本語 / English`, for the CLI and logs, which print both.
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
#[derive(Debug, Clone, Default, PartialEq, Eq, Hash, Serialize, Deserialize)]
pub struct Message {
    /// Japanese.
    pub ja: String,
    /// English.
    pub en: String,
}

impl Message {
    /// A message from its Japanese and its English.
    pub fn new(ja: impl Into<String>, en: impl Into<String>) -> Message {
        Message { ja: ja.into(), en: en.into() }
    }

    /// Both languages followed by a detail that is the same in both (`{ja}：{detail}`,
    /// `{en}: {detail}`): a path, or what a library said.
    pub fn with_detail(&self, detail: impl fmt::Display) -> Message {
        Message { ja: format!("{}：{detail}", self.ja), en: format!("{}: {detail}", self.en) }
    }

    /// Whether `ja` holds Japanese (a kana or kanji) and `en` is non-empty English without any:
    /// what every error message must be (the tests of each crate check their errors with it).
    pub fn is_bilingual(&self) -> bool {
        let japanese = |c: char| matches!(c, '\u{3040}'..='\u{30ff}' | '\u{3400}'..='\u{4dbf}' | '\u{4e00}'..='\u{9fff}');
        self.ja.chars().any(japanese) && !self.en.trim().is_empty() && !self.en.chars().any(japanese)
    }
}

impl fmt::Display for Message {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{} / {}", self.ja, self.en)
    }
}

/// `{code, message, ja, en, problems}`: a stable code, a message for people in Japanese (`ja`)
/// and in English (`en`), and, for invalid input, every problem with its field.
///
/// Build one with [`ErrorBody::new`] from a [`Message`]: it fills `ja`, `en` and `message`.
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ErrorBody {
    /// Stable machine-readable code: `invalid`, `not_found`, `locked`, `corrupt_record` …
    pub code: String,
    /// Both languages in one string, `日本語 / English`. Kept only for older devices and apps,
    /// which read it (and split it on ` / `); read `ja` and `en` instead.
    pub message: String,
    /// What went wrong, in Japanese (empty in a body from a server older than the field).
    #[serde(default)]
    pub ja: String,
    /// What went wrong, in English (empty in a body from a server older than the field).
    #[serde(default)]
    pub en: String,
    /// Field-level problems (empty unless `code` is `invalid`).
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub problems: Vec<Problem>,
}

impl ErrorBody {
    /// A body with a code and a message (`ja`, `en`, and `message` for older readers).
    pub fn new(code: impl Into<String>, message: Message) -> ErrorBody {
        ErrorBody { code: code.into(), message: message.to_string(), ja: message.ja, en: message.en, problems: vec![] }
    }

    /// The same body with field-level problems.
    pub fn with_problems(mut self, problems: Vec<Problem>) -> ErrorBody {
        self.problems = problems;
        self
    }

    /// The message in both languages. A body from a server older than `ja`/`en` has only
    /// `message`: it is split at its first ` / ` (the whole of it in both when there is none).
    pub fn text(&self) -> Message {
        if !self.ja.is_empty() || !self.en.is_empty() {
            return Message::new(&self.ja, &self.en);
        }
        match self.message.split_once(" / ") {
            Some((ja, en)) => Message::new(ja, en),
            None => Message::new(&self.message, &self.message),
        }
    }
}

labelled_enum! {
    /// What an account may do.
    pub enum Role {
        /// 看護師: records for assigned children and their station's children.
        Nurse = ("nurse", "看護師", "nurse"),
        /// 保護者: reads their own child's records, writes only the guardian confirmation.
        Parent = ("parent", "保護者", "parent"),
        /// 事務: reads everything in the organisation, approves.
        Office = ("office", "事務", "office staff"),
        /// 管理者: everything.
        Admin = ("admin", "管理者", "administrator"),
        /// 区市町村 (a municipal welfare section, 障害福祉課): reads, never writes, the records of
        /// the children of its municipality whose guardian consented to sharing them
        /// (`Child::sharing`), while the consent is in force.
        Municipality = ("municipality", "区市町村", "municipal welfare section"),
        /// 医療的ケア児等コーディネーター (of a station): reads the face sheets of the station's
        /// children, never their visits; writes no synced record; records its own work per
        /// child before the service-use plan and the regional meetings (coordinator support).
        Coordinator = ("coordinator", "医療的ケア児等コーディネーター", "medical-care coordinator"),
    }
}

/// Log in from a device: the device gets a token of its own.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct LoginRequest {
    /// Account name.
    pub username: String,
    /// Password (sent over TLS in production; only its Argon2id hash is stored).
    pub password: String,
    /// A name for this device, shown in `device list`.
    pub device_name: String,
    /// A password of the person's own, replacing the one-time password given as `password`
    /// (a login with a one-time password and no new one is refused `password_change_required`).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub new_password: Option<String>,
    /// The account's second factor: the 6-digit code of its authenticator app, or one of its
    /// recovery codes (spent). An account with a second factor and no code here is refused
    /// `second_factor_required` — only once the password was right.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub otp: Option<String>,
}

/// Who is logged in.
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct UserInfo {
    /// Account id.
    pub id: String,
    /// Account name.
    pub username: String,
    /// Role.
    pub role: Role,
    /// Organisation (station or municipality office) id.
    pub org_id: String,
    /// The person's name (漢字); empty when none is set (older servers, accounts without one).
    #[serde(default)]
    pub name: String,
    /// Profession, when the account has one.
    #[serde(default)]
    pub profession: Option<crate::Profession>,
}

/// A successful login.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct LoginResponse {
    /// The device's bearer token (shown once; the server keeps only its hash).
    pub token: String,
    /// The device's id on the server.
    pub device_id: String,
    /// Unix seconds after which the token stops working.
    pub expires_at: i64,
    /// The account.
    pub user: UserInfo,
    /// The account must enrol a second factor (office, municipality, administrator): until it
    /// confirms one, the token only works for `/api/v1/account/second-factor…`; every other
    /// route answers `second_factor_enrolment_required`.
    #[serde(default, skip_serializing_if = "std::ops::Not::not")]
    pub second_factor_enrolment_required: bool,
}

/// Where the caller's account stands with its second factor.
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct SecondFactorStatus {
    /// A second factor is confirmed.
    pub enrolled: bool,
    /// An enrolment waits for its first code.
    pub pending: bool,
    /// The account must have one (its role, and the server's setting).
    pub required: bool,
    /// Recovery codes not yet used.
    #[cfg_attr(feature = "ts", ts(type = "number"))]
    pub recovery_codes_left: i64,
}

/// Starts an enrolment. Replacing a confirmed second factor needs the account's password.
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct SecondFactorStart {
    /// The account's password (only when it already has a second factor).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub password: Option<String>,
}

/// A new TOTP secret for the authenticator app, waiting for its first code.
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct SecondFactorEnrolment {
    /// The secret in base32, for typing into the app by hand.
    pub secret: String,
    /// The `otpauth://totp/…` URI the QR code holds.
    pub uri: String,
    /// The QR code as an SVG document (show it as an image, never as markup).
    pub qr_svg: String,
}

/// Confirms an enrolment with a code of the app.
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct SecondFactorConfirm {
    /// The app's current 6-digit code.
    pub code: String,
}

/// The recovery codes of a confirmed second factor: shown once, each works once.
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct RecoveryCodes {
    /// The codes (`xxxx-xxxx-xxxx-xxxx`).
    pub codes: Vec<String>,
}

/// Removes the account's second factor (only accounts that need not have one).
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct SecondFactorRemove {
    /// The account's password.
    pub password: String,
}

/// A document on the wire: its id, schema and automerge bytes (base64 in JSON).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct DocPayload {
    /// Record id.
    pub id: String,
    /// Schema.
    pub kind: RecordKind,
    /// Automerge bytes (a whole document or changes).
    #[serde(with = "base64_bytes")]
    pub bytes: Vec<u8>,
}

/// Documents a device sends.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct PushRequest {
    /// The documents.
    pub documents: Vec<DocPayload>,
}

labelled_enum! {
    /// What the server did with one pushed document.
    pub enum PushOutcome {
        /// Merged and stored (or already had it: pushes are idempotent).
        Accepted = ("accepted", "受理", "accepted"),
        /// Refused; the device keeps it, marked with the reason; the server keeps a copy in quarantine.
        Rejected = ("rejected", "差し戻し", "rejected"),
    }
}

/// The result for one pushed document.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct PushResult {
    /// Record id.
    pub id: String,
    /// Accepted or rejected.
    pub outcome: PushOutcome,
    /// Why it was rejected: `forbidden`, `locked`, `invalid`, `corrupt_record`, `schema_mismatch`,
    /// `too_large` (past the server's document bounds).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub code: Option<String>,
    /// The reason in words (Japanese / English).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub reason: Option<String>,
    /// The record's server sequence number after an accepted push.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub seq: Option<i64>,
}

/// Per-document results, in request order.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct PushResponse {
    /// One per pushed document.
    pub results: Vec<PushResult>,
}

/// A document that changed on the server.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ChangedDoc {
    /// Record id.
    pub id: String,
    /// Schema.
    pub kind: RecordKind,
    /// The child the record concerns (its bucket).
    pub child_id: String,
    /// The server's sequence number for this version.
    pub seq: i64,
    /// The whole document.
    #[serde(with = "base64_bytes")]
    pub bytes: Vec<u8>,
    /// For a visit: the fields its index row is derived from, as the server read them from this
    /// version (a device storing a visit new to it indexes it from these without loading it).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub index: Option<VisitIndexView>,
}

/// Documents the caller may read that changed after its cursor, oldest first; or, when the
/// device's buckets are out of date, no documents and the buckets it should hold.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ChangesResponse {
    /// At most `limit` documents and, beyond the first, at most `max_bytes` of them.
    pub documents: Vec<ChangedDoc>,
    /// The cursor to ask from next time (the last `seq` scanned).
    pub cursor: i64,
    /// Whether more documents follow `cursor` (ask again from it).
    pub more: bool,
    /// With `total=true`: how many readable documents changed after `since` (for progress).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub total: Option<i64>,
    /// When the device's bucket digest does not match: every child the caller may read,
    /// sorted. `documents` is then empty and `cursor` is `since`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub buckets: Option<Vec<String>>,
}

/// The server's epoch (`GET /api/v1/epoch`): a random id that every restore of the server's
/// database from a backup replaces. A device that sees it change pulls again from the start and
/// pushes back every record it holds.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ServerEpoch {
    /// The id.
    pub epoch: String,
}

/// The most access events one report holds (`POST /api/v1/access/events`).
pub const ACCESS_EVENTS_MAX: usize = 500;

/// What an office, municipality or administrator device's user did with records on the device,
/// reported at the next sync (the device may have been offline): opened a record, or exported a
/// claim or a report. Names, never contents.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct AccessEvent {
    /// When, by the device's clock (Unix seconds).
    pub at: i64,
    /// `opened` or `exported`.
    pub action: String,
    /// The record opened, if one.
    #[serde(default)]
    pub record_id: Option<String>,
    /// The child it concerns, if one.
    #[serde(default)]
    pub child_id: Option<String>,
    /// What it was, in a few words: `visit`, `face_sheet`, `claim 13105 2026-11` …
    pub what: String,
}

/// A device's report of its access events.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct AccessEvents {
    /// At most [`ACCESS_EVENTS_MAX`].
    pub events: Vec<AccessEvent>,
}

impl AccessEvents {
    /// Every problem, each naming its field (`events[3].what` …): at most
    /// [`ACCESS_EVENTS_MAX`] events; an action of `opened` or `exported`; ids of 1–64 plain
    /// characters; `what` of 1–200 characters on one line; a time within the last 400 days and
    /// at most a day ahead of `now` (Unix seconds; a tablet's clock may be off).
    pub fn validate(&self, now: i64) -> crate::Problems {
        let mut p = crate::Problems::new();
        if self.events.len() > ACCESS_EVENTS_MAX {
            p.push(
                "events",
                "too_many",
                format!("1回に送れるのは{ACCESS_EVENTS_MAX}件までです（{}件）", self.events.len()),
                format!("events: expected at most {ACCESS_EVENTS_MAX}, got {}", self.events.len()),
            );
            return p;
        }
        for (i, e) in self.events.iter().enumerate() {
            let f = |name: &str| format!("events[{i}].{name}");
            if !matches!(e.action.as_str(), "opened" | "exported") {
                p.push(f("action"), "action", "操作は opened か exported です", format!("{}: expected opened or exported", f("action")));
            }
            for (name, id) in [("record_id", &e.record_id), ("child_id", &e.child_id)] {
                if let Some(id) = id {
                    if id.is_empty() || id.len() > 64 || id.chars().any(|c| c.is_whitespace() || c.is_control()) {
                        p.push(
                            f(name),
                            "id",
                            "ID は空白を含まない1〜64文字です",
                            format!("{}: expected an id of 1–64 characters", f(name)),
                        );
                    }
                }
            }
            if e.what.trim().is_empty() {
                p.push(f("what"), "required", "内容がありません", format!("{}: expected what was opened or exported", f("what")));
            } else {
                p.text(&f("what"), &e.what, 200, false);
            }
            if e.at < now - 400 * 86_400 || e.at > now + 86_400 {
                p.push(
                    f("at"),
                    "time",
                    "時刻が正しくありません",
                    format!("{}: expected a time within the last 400 days, got {}", f("at"), e.at),
                );
            }
        }
        p
    }
}

/// Every record of some children, up to a cursor: what a device missed of children it may
/// now read (its feed cursor had already passed their records).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct CatchUpRequest {
    /// The children (at most [`CATCH_UP_MAX_CHILDREN`]); those the caller may not read bring nothing.
    pub children: Vec<String>,
    /// Records with `seq <= upto` (the device's feed cursor).
    pub upto: i64,
    /// Where the previous page ended (`None` for the first page).
    #[serde(default)]
    pub after: Option<CatchUpCursor>,
    /// The most documents in the page (the server's limit applies too).
    #[serde(default)]
    pub limit: Option<i64>,
    /// The most bytes of documents in the page (the server's limit applies too).
    #[serde(default)]
    pub max_bytes: Option<i64>,
    /// Count the documents to come (for progress; ask on the first page only).
    #[serde(default)]
    pub total: bool,
}

/// A position in a catch-up: pages run by child, then by `seq`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct CatchUpCursor {
    /// The last child of the previous page.
    pub child_id: String,
    /// Its last `seq`.
    pub seq: i64,
}

/// A page of a catch-up.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct CatchUpResponse {
    /// The documents, by child then `seq`.
    pub documents: Vec<ChangedDoc>,
    /// Where to continue (`None`: done).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub next: Option<CatchUpCursor>,
    /// With `total`: how many documents the whole catch-up holds.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub total: Option<i64>,
}

/// How many of the documents with these sizes make one page or request: at least one (a larger
/// document travels alone), then while the sum stays within `max`. The server bounds feed pages
/// with it, the device its pushes.
pub fn fit_in_bytes(sizes: impl IntoIterator<Item = usize>, max: usize) -> usize {
    let mut sum = 0usize;
    let mut n = 0;
    for size in sizes {
        if n > 0 && sum.saturating_add(size) > max {
            break;
        }
        sum = sum.saturating_add(size);
        n += 1;
    }
    n
}

/// The most children one [`CatchUpRequest`] may name.
pub const CATCH_UP_MAX_CHILDREN: usize = 500;

/// The digest of a set of buckets (child ids): SHA-256 over the sorted, distinct ids, each
/// followed by a newline, in lowercase hex. Device and server compute it the same way.
pub fn buckets_digest<'a>(children: impl IntoIterator<Item = &'a str>) -> String {
    use sha2::Digest;
    let mut ids: Vec<&str> = children.into_iter().collect();
    ids.sort_unstable();
    ids.dedup();
    let mut h = sha2::Sha256::new();
    for id in ids {
        h.update(id.as_bytes());
        h.update(b"\n");
    }
    h.finalize().iter().map(|b| format!("{b:02x}")).collect()
}

/// One accepted change in a record's history.
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct AuditEntry {
    /// Record id.
    pub record_id: String,
    /// Account name.
    pub username: String,
    /// The person's name as screens show it (empty when none is set, or from an older server:
    /// show the account name).
    #[serde(default)]
    pub name: String,
    /// Device id.
    pub device_id: String,
    /// Unix seconds.
    pub at: i64,
    /// The document's heads after the change (hex change hashes, comma-separated).
    pub change_hash: String,
    /// `created` or `changed`; `transferred` for a face sheet's child moved to another station.
    pub action: String,
    /// What was done, when it was not a change of the record (a transfer: from which station to
    /// which, from when); `None` for changes and from older servers.
    #[serde(default)]
    pub note: Option<Message>,
}

/// A rejected push kept for the office.
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct QuarantineEntry {
    /// Entry id.
    pub id: i64,
    /// Record id.
    pub record_id: String,
    /// Schema claimed.
    pub kind: String,
    /// Account name.
    pub username: String,
    /// Device id.
    pub device_id: String,
    /// Unix seconds.
    pub at: i64,
    /// Rejection code.
    pub code: String,
    /// Rejection reason.
    pub reason: String,
    /// Size of the kept bytes.
    pub size: i64,
}

/// The code of a push refused because the quarantine has no room for it: nothing of it is
/// stored, and the device keeps its copy, marked.
pub const QUARANTINE_FULL: &str = "quarantine_full";

/// What one device's refused pushes take in the server's quarantine, and how many were refused
/// outright because its quota (or the total) was full. One per device that has had a push
/// refused.
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct QuarantineDevice {
    /// Device id.
    pub device_id: String,
    /// The device's name.
    pub device_name: String,
    /// Account name.
    pub username: String,
    /// Entries kept.
    pub entries: i64,
    /// Bytes they take (document bytes, reason and record id, 1 KiB per entry).
    pub bytes: i64,
    /// The device's quota, bytes.
    pub quota_bytes: i64,
    /// Pushes refused with [`QUARANTINE_FULL`] (not kept).
    pub refused: i64,
    /// Unix seconds of the first such refusal.
    pub refused_since: Option<i64>,
    /// Unix seconds of the latest.
    pub refused_last: Option<i64>,
}

mod base64_bytes {
    use base64::engine::general_purpose::STANDARD;
    use base64::Engine;
    use serde::{Deserialize, Deserializer, Serializer};

    pub fn serialize<S: Serializer>(bytes: &[u8], s: S) -> Result<S::Ok, S::Error> {
        s.serialize_str(&STANDARD.encode(bytes))
    }

    pub fn deserialize<'de, D: Deserializer<'de>>(d: D) -> Result<Vec<u8>, D::Error> {
        let s = <std::borrow::Cow<'de, str>>::deserialize(d)?;
        STANDARD.decode(s.as_bytes()).map_err(|e| serde::de::Error::custom(format!("invalid base64 document bytes: {e}")))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn document_bytes_travel_as_base64_and_bad_base64_is_an_error() {
        let p = DocPayload { id: "x".into(), kind: RecordKind::Visit, bytes: vec![0, 1, 2, 255] };
        let json = serde_json::to_string(&p).unwrap();
        assert_eq!(json, r#"{"id":"x","kind":"visit","bytes":"AAEC/w=="}"#);
        assert_eq!(serde_json::from_str::<DocPayload>(&json).unwrap(), p);
        let err = serde_json::from_str::<DocPayload>(r#"{"id":"x","kind":"visit","bytes":"%%%"}"#).unwrap_err();
        assert!(err.to_string().contains("base64"), "{err}");
    }

    #[test]
    fn an_error_body_carries_both_languages_and_still_reads_an_older_servers_body() {
        let body = ErrorBody::new("locked", Message::new("変更できません", "locked"));
        let json = serde_json::to_value(&body).unwrap();
        assert_eq!(
            json,
            serde_json::json!({"code": "locked", "message": "変更できません / locked", "ja": "変更できません", "en": "locked"})
        );
        assert_eq!(body.text(), Message::new("変更できません", "locked"));
        // An older server sends only `message`.
        let old: ErrorBody = serde_json::from_str(r#"{"code":"internal","message":"内部エラー / internal error"}"#).unwrap();
        assert_eq!((old.ja.as_str(), old.en.as_str()), ("", ""));
        assert_eq!(old.text(), Message::new("内部エラー", "internal error"));
        let plain: ErrorBody = serde_json::from_str(r#"{"code":"x","message":"boom"}"#).unwrap();
        assert_eq!(plain.text(), Message::new("boom", "boom"));
    }

    #[test]
    fn every_domain_error_says_it_in_japanese_and_in_english() {
        use crate::bounds::{Measure, Refusal};
        use crate::calendar::CalendarError;
        use crate::document::DocError;
        let kind = RecordKind::Visit;
        let id = || "rec-1".to_string();
        let mut messages = vec![
            DocError::Corrupt { kind, id: id(), reason: "bad chunk".into() }.message(),
            DocError::Schema { kind, id: id(), reason: "vitals[2].pulse: expected uint, found int".into() }.message(),
            DocError::TooNew { kind, id: id(), version: 9, known: 2 }.message(),
            DocError::IdMismatch { kind, id: id(), found: "rec-2".into() }.message(),
            DocError::Stale { kind, id: id(), reason: "old heads".into() }.message(),
            Refusal::Malformed("chunk 1 has a wrong checksum".into()).message(),
            CalendarError::Date("2026-02-30".into()).message(),
            CalendarError::Time("25:00".into()).message(),
            CalendarError::Month("2026-13".into()).message(),
            CalendarError::DateTime("x".into()).message(),
            "x".parse::<RecordKind>().unwrap_err().message(),
            "x".parse::<crate::ids::ChildId>().unwrap_err().message(),
        ];
        for measure in [Measure::InflatedBytes, Measure::Changes, Measure::Ops] {
            messages.push(Refusal::TooLarge { measure, limit: 7 }.message());
        }
        for m in messages {
            assert!(m.is_bilingual(), "{m:?}");
            // The values named appear in both languages.
            for v in ["rec-1", "rec-2", "bad chunk", "2026-02-30", "25:00", "7"] {
                assert_eq!(m.ja.contains(v), m.en.contains(v), "{v} in {m:?}");
            }
            assert_eq!(m.to_string(), format!("{} / {}", m.ja, m.en));
        }
        let err = DocError::TooNew { kind, id: id(), version: 9, known: 2 };
        assert_eq!(err.to_string(), err.message().to_string());
    }

    #[test]
    fn the_bucket_digest_ignores_order_and_repeats_but_not_membership() {
        // SHA-256 of the empty input and of "a\nb\n", as `printf 'a\nb\n' | sha256sum` gives them.
        assert_eq!(buckets_digest([]), "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855");
        assert_eq!(buckets_digest(["b", "a", "b"]), "911169ddaaf146aff539f58c26c489af3b892dff0fe283c1c264c65ae5aa59a2");
        assert_eq!(buckets_digest(["a", "b"]), buckets_digest(["b", "a"]));
        assert_ne!(buckets_digest(["a"]), buckets_digest(["a", "b"]));
        // The separator keeps ["ab"] and ["a", "b"] apart.
        assert_ne!(buckets_digest(["ab"]), buckets_digest(["a", "b"]));
    }
}
