//! The core's error: small, typed, and convertible to the wire shape.

use carebook_domain::{DocError, ErrorBody, Problems, RecordKind};

/// What can go wrong in a use case.
#[derive(Debug, thiserror::Error)]
pub enum CoreError {
    /// The input breaks the rules; nothing was written.
    #[error("入力内容に問題があります / the input is invalid\n{0}")]
    Invalid(Problems),
    /// No such record on this device.
    #[error("{}が見つかりません / {kind} record {id} not found", kind.label().ja)]
    NotFound {
        /// Which kind.
        kind: RecordKind,
        /// The id asked for.
        id: String,
    },
    /// A stored or received document cannot be read or does not fit its schema.
    #[error("記録 {id} を読み込めません / {err}", id = doc_id(.0), err = .0)]
    Document(DocError),
    /// The record is approved and locked against edits.
    #[error("承認済みの記録 {id} は変更できません / visit {id} is approved and locked")]
    Locked {
        /// The record.
        id: String,
    },
    /// The local database failed.
    #[error("端末内の保存に失敗しました / device storage failed: {0}")]
    Storage(String),
}

fn doc_id(e: &DocError) -> &str {
    match e {
        DocError::Corrupt { id, .. } | DocError::Schema { id, .. } | DocError::IdMismatch { id, .. } => id,
    }
}

impl CoreError {
    /// The stable code.
    pub fn code(&self) -> &'static str {
        match self {
            CoreError::Invalid(_) => "invalid",
            CoreError::NotFound { .. } => "not_found",
            CoreError::Document(DocError::Corrupt { .. }) => "corrupt_record",
            CoreError::Document(_) => "schema_mismatch",
            CoreError::Locked { .. } => "locked",
            CoreError::Storage(_) => "storage",
        }
    }

    /// The wire shape.
    pub fn to_body(&self) -> ErrorBody {
        let problems = match self {
            CoreError::Invalid(p) => p.0.clone(),
            _ => vec![],
        };
        ErrorBody { code: self.code().to_string(), message: self.to_string(), problems }
    }
}

impl From<Problems> for CoreError {
    fn from(p: Problems) -> Self {
        CoreError::Invalid(p)
    }
}
