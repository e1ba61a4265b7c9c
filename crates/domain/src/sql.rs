//! How the domain's values are stored in SQL (feature `sqlx`): every one as its text — the
//! same text `Display` writes and `FromStr` reads, so a column holds `2026-06-01`, `respite` or
//! a child's UUID exactly as the documents and the wire do.
//!
//! Reading a value that does not parse is an error (sqlx names the column: `error occurred
//! while decoding column "birth_date": …`), never a silent `None` and never a panic. Only the
//! encodings live here: the domain still does no IO.

use sqlx::database::Database;
use sqlx::encode::IsNull;
use sqlx::error::BoxDynError;
use sqlx::{Decode, Encode, Type};

use crate::{ChildId, Date, DateTime, IncomeTier, Outcome, RecordKind, TimeOfDay, VisitId, VisitKind, VisitStatus, YearMonth};

/// `Type`, `Encode` and `Decode` for any database whose text type is `String`/`&str`, through
/// `Display` and `FromStr`.
macro_rules! stored_as_text {
    ($($ty:ty),+ $(,)?) => {$(
        impl<DB: Database> Type<DB> for $ty
        where
            String: Type<DB>,
        {
            fn type_info() -> DB::TypeInfo {
                <String as Type<DB>>::type_info()
            }

            fn compatible(ty: &DB::TypeInfo) -> bool {
                <String as Type<DB>>::compatible(ty)
            }
        }

        impl<'q, DB: Database> Encode<'q, DB> for $ty
        where
            String: Encode<'q, DB>,
        {
            fn encode_by_ref(&self, buf: &mut DB::ArgumentBuffer) -> Result<IsNull, BoxDynError> {
                <String as Encode<'q, DB>>::encode(self.to_string(), buf)
            }
        }

        impl<'r, DB: Database> Decode<'r, DB> for $ty
        where
            &'r str: Decode<'r, DB>,
        {
            fn decode(value: DB::ValueRef<'r>) -> Result<Self, BoxDynError> {
                let text = <&'r str as Decode<'r, DB>>::decode(value)?;
                Ok(text.parse::<$ty>()?)
            }
        }
    )+};
}

stored_as_text!(Date, DateTime, TimeOfDay, YearMonth, ChildId, VisitId, RecordKind, VisitKind, VisitStatus, Outcome, IncomeTier);
