//! Record identifiers: random UUIDs made on the device, so two offline tablets never collide.

use std::fmt;
use std::str::FromStr;

use autosurgeon::{Hydrate, HydrateError, Reconcile, Reconciler};
use uuid::Uuid;

/// A malformed identifier.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("{}", self.message())]
pub struct IdError {
    /// Which id.
    pub what: &'static str,
    /// What was given.
    pub value: String,
}

impl IdError {
    /// What was wrong, in Japanese and in English, naming the id and the value.
    pub fn message(&self) -> crate::wire::Message {
        let (what, value) = (self.what, &self.value);
        crate::wire::Message::new(
            format!("{what} {value:?} が正しくありません。0b7e2c1a-5d34-4f0e-9a51-2f3d8c6b7e10 のような UUID を指定してください"),
            format!("invalid {what} {value:?}: expected a UUID such as 0b7e2c1a-5d34-4f0e-9a51-2f3d8c6b7e10"),
        )
    }
}

macro_rules! id_type {
    ($(#[$meta:meta])* $name:ident, $what:literal) => {
        $(#[$meta])*
        #[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, serde::Serialize, serde::Deserialize)]
        #[serde(transparent)]
        #[cfg_attr(feature = "ts", derive(ts_rs::TS), ts(type = "string"))]
        pub struct $name(pub Uuid);

        impl $name {
            /// A new random id.
            pub fn random() -> Self {
                Self(Uuid::new_v4())
            }
        }
        impl fmt::Display for $name {
            fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                self.0.fmt(f)
            }
        }
        impl FromStr for $name {
            type Err = IdError;
            fn from_str(s: &str) -> Result<Self, Self::Err> {
                Uuid::parse_str(s.trim()).map($name).map_err(|_| IdError { what: $what, value: s.to_string() })
            }
        }
        impl Reconcile for $name {
            type Key<'a> = autosurgeon::reconcile::NoKey;
            fn reconcile<R: Reconciler>(&self, mut r: R) -> Result<(), R::Error> {
                r.str(self.0.to_string())
            }
        }
        impl $crate::schema::Described for $name {
            fn shape() -> $crate::schema::Shape {
                $crate::schema::Shape::Str(Some($crate::schema::Format {
                    name: "uuid",
                    pattern: "a UUID such as 0b7e2c1a-5d34-4f0e-9a51-2f3d8c6b7e10",
                    valid: |s| s.parse::<$name>().is_ok(),
                }))
            }
        }
        impl Hydrate for $name {
            fn hydrate_string(s: &'_ str) -> Result<Self, HydrateError> {
                s.parse().map_err(|e: IdError| HydrateError::unexpected($what, e.to_string()))
            }
        }
    };
}

id_type!(
    /// A child (the face sheet's id).
    ChildId,
    "child id"
);
id_type!(
    /// A visit record.
    VisitId,
    "visit id"
);
