//! What crosses the network between a device and the server, and the one error shape every
//! boundary speaks (the CLI's `--json`, the app's commands, the server). Internals never go in it.
//!
//! # Endpoints (all JSON; authenticated ones take `Authorization: Bearer <token>`)
//! | method | path | body → answer |
//! |---|---|---|
//! | GET | `/health` | → `{"status":"ok"}` |
//! | POST | `/api/v1/login` | [`LoginRequest`] → [`LoginResponse`] |
//! | POST | `/api/v1/push` | [`PushRequest`] → [`PushResponse`] (per-document results) |
//! | GET | `/api/v1/changes?since=N&limit=M` | → [`ChangesResponse`] (documents the caller may read with `seq > N`) |
//! | GET | `/api/v1/records/{id}/history` | → `Vec<`[`AuditEntry`]`>` (office, admin) |
//! | GET | `/api/v1/quarantine` | → `Vec<`[`QuarantineEntry`]`>` (office, admin) |
//!
//! Errors are an HTTP status with an [`ErrorBody`]: 400 `bad_request`, 401 `unauthorized` /
//! `token_expired` / `device_revoked`, 403 `forbidden`, 413 `too_large`, 429 `too_many_attempts`,
//! 500 `internal`.

use serde::{Deserialize, Serialize};

use crate::document::RecordKind;
use crate::validation::{labelled_enum, Problem};

/// `{code, message, problems}`: a stable code, a message for people (Japanese, then English),
/// and, for invalid input, every problem with its field.
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ErrorBody {
    /// Stable machine-readable code: `invalid`, `not_found`, `locked`, `corrupt_record` …
    pub code: String,
    /// What went wrong, for people.
    pub message: String,
    /// Field-level problems (empty unless `code` is `invalid`).
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub problems: Vec<Problem>,
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
    /// Why it was rejected: `forbidden`, `locked`, `invalid`, `corrupt_record`, `schema_mismatch`.
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
    /// The server's sequence number for this version.
    pub seq: i64,
    /// The whole document.
    #[serde(with = "base64_bytes")]
    pub bytes: Vec<u8>,
}

/// Documents the caller may read that changed after its cursor, oldest first.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ChangesResponse {
    /// At most `limit` documents.
    pub documents: Vec<ChangedDoc>,
    /// The cursor to ask from next time (the last `seq` scanned).
    pub cursor: i64,
    /// How many more readable documents changed after `cursor` (0 when done).
    pub remaining: i64,
}

/// One accepted change in a record's history.
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct AuditEntry {
    /// Record id.
    pub record_id: String,
    /// Account name.
    pub username: String,
    /// Device id.
    pub device_id: String,
    /// Unix seconds.
    pub at: i64,
    /// The document's heads after the change (hex change hashes, comma-separated).
    pub change_hash: String,
    /// `created` or `changed`.
    pub action: String,
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
}
