//! The one error shape every boundary speaks: the CLI's `--json`, the app's commands, and later
//! the server. Internals are never put in it.

use serde::{Deserialize, Serialize};

use crate::validation::Problem;

/// `{code, message, problems}`: a stable code, a message for people (Japanese, then English),
/// and, for invalid input, every problem with its field.
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
