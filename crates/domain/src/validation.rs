//! Validation results: every problem, with the field it concerns and a message in Japanese and
//! English. Validation never panics and never stops at the first problem.

use std::fmt;

use serde::{Deserialize, Serialize};

/// One thing wrong with a record or an input.
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Problem {
    /// The field, as a path: `actual_end`, `vitals[2].spo2`, `handover.to_station`.
    pub field: String,
    /// A stable machine-readable code, e.g. `respite_unit`.
    pub code: String,
    /// The message in Japanese.
    pub ja: String,
    /// The message in English (lowercase, names the bad value, no trailing period).
    pub en: String,
}

impl fmt::Display for Problem {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}: {} / {}", self.field, self.ja, self.en)
    }
}

/// All the problems found, in the order found. Empty means valid.
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(transparent)]
pub struct Problems(pub Vec<Problem>);

impl Problems {
    /// No problems yet.
    pub fn new() -> Self {
        Self::default()
    }
    /// Records a problem.
    pub fn push(&mut self, field: impl Into<String>, code: &str, ja: impl Into<String>, en: impl Into<String>) {
        self.0.push(Problem { field: field.into(), code: code.to_string(), ja: ja.into(), en: en.into() });
    }
    /// Checks a piece of free text people will read: at most `max` characters; no control
    /// characters (tab and line breaks — also U+2028/U+2029 — allowed only where `multiline`); no bidirectional overrides,
    /// embeddings or isolates, which make text display other than it is stored. The value is
    /// never quoted (it may be anything).
    pub fn text(&mut self, field: &str, value: &str, max: usize, multiline: bool) {
        let n = value.chars().count();
        if n > max {
            self.push(
                field,
                "too_long",
                format!("{max}文字以内で入力してください（{n}文字）"),
                format!("at most {max} characters, got {n}"),
            );
            return;
        }
        let breaks_line = |c: char| matches!(c, '\n' | '\r' | '\t' | '\u{2028}' | '\u{2029}');
        if let Some(c) = value.chars().find(|&c| (c.is_control() || breaks_line(c)) && !(multiline && breaks_line(c))) {
            self.push(
                field,
                "control_char",
                format!("制御文字（U+{:04X}）は使えません", c as u32),
                format!("control character U+{:04X} is not allowed", c as u32),
            );
        } else if let Some(c) = value.chars().find(|c| is_bidi_control(*c)) {
            self.push(
                field,
                "bidi_control",
                format!("文字の向きを変える制御文字（U+{:04X}）は使えません", c as u32),
                format!("bidirectional control character U+{:04X} is not allowed", c as u32),
            );
        }
    }

    /// Adds all problems of `other`, with `prefix.` before each field.
    pub fn extend_prefixed(&mut self, prefix: &str, other: Problems) {
        for mut p in other.0 {
            p.field = format!("{prefix}.{}", p.field);
            self.0.push(p);
        }
    }
    /// Whether nothing is wrong.
    pub fn is_empty(&self) -> bool {
        self.0.is_empty()
    }
    /// `Ok(())` when empty, otherwise `Err(self)`.
    pub fn into_result(self) -> Result<(), Problems> {
        if self.is_empty() {
            Ok(())
        } else {
            Err(self)
        }
    }
    /// Whether some problem concerns `field`.
    pub fn has_field(&self, field: &str) -> bool {
        self.0.iter().any(|p| p.field == field)
    }
    /// Whether some problem has `code`.
    pub fn has_code(&self, code: &str) -> bool {
        self.0.iter().any(|p| p.code == code)
    }
}

impl fmt::Display for Problems {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        for (i, p) in self.0.iter().enumerate() {
            if i > 0 {
                writeln!(f)?;
            }
            write!(f, "{p}")?;
        }
        Ok(())
    }
}

impl std::error::Error for Problems {}

/// A label in both languages.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
pub struct Label {
    /// Japanese.
    pub ja: &'static str,
    /// English.
    pub en: &'static str,
}

impl fmt::Display for Label {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{} ({})", self.ja, self.en)
    }
}

/// Declares a unit-only enum that is stored and serialised by a stable snake_case name, with a
/// bilingual label per variant, `ALL`, `name()` and `FromStr`; its schema
/// ([`Described`](crate::schema::Described)) allows exactly those names.
macro_rules! labelled_enum {
    (
        $(#[$meta:meta])*
        pub enum $name:ident {
            $( $(#[$vmeta:meta])* $variant:ident = ($key:literal, $ja:literal, $en:literal) ),+ $(,)?
        }
    ) => {
        $(#[$meta])*
        #[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
        #[cfg_attr(feature = "ts", derive(ts_rs::TS))]
        pub enum $name {
            $( $(#[$vmeta])* #[cfg_attr(feature = "ts", ts(rename = $key))] $variant ),+
        }
        impl $name {
            /// Every variant, in display order.
            pub const ALL: &'static [$name] = &[$($name::$variant),+];
            /// The stable name used in documents, JSON and the CLI.
            pub fn name(self) -> &'static str {
                match self { $($name::$variant => $key),+ }
            }
            /// The bilingual label shown to people.
            pub fn label(self) -> $crate::validation::Label {
                match self { $($name::$variant => $crate::validation::Label { ja: $ja, en: $en }),+ }
            }
        }
        impl std::fmt::Display for $name {
            fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
                f.write_str(self.name())
            }
        }
        impl std::str::FromStr for $name {
            type Err = $crate::validation::UnknownName;
            fn from_str(s: &str) -> Result<Self, Self::Err> {
                match s {
                    $($key => Ok($name::$variant),)+
                    _ => Err($crate::validation::UnknownName {
                        what: stringify!($name),
                        value: s.to_string(),
                        expected: vec![$($key),+],
                    }),
                }
            }
        }
        impl serde::Serialize for $name {
            fn serialize<S: serde::Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
                s.serialize_str(self.name())
            }
        }
        impl<'de> serde::Deserialize<'de> for $name {
            fn deserialize<D: serde::Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
                let s = <std::borrow::Cow<'de, str>>::deserialize(d)?;
                s.parse().map_err(serde::de::Error::custom)
            }
        }
        impl autosurgeon::Reconcile for $name {
            type Key<'a> = autosurgeon::reconcile::NoKey;
            fn reconcile<R: autosurgeon::Reconciler>(&self, mut r: R) -> Result<(), R::Error> {
                r.str(self.name())
            }
        }
        impl autosurgeon::Hydrate for $name {
            fn hydrate_string(s: &'_ str) -> Result<Self, autosurgeon::HydrateError> {
                s.parse().map_err(|e: $crate::validation::UnknownName| {
                    autosurgeon::HydrateError::unexpected(stringify!($name), e.to_string())
                })
            }
        }
        impl $crate::schema::Described for $name {
            fn shape() -> $crate::schema::Shape {
                $crate::schema::Shape::Enum(&[$($key),+])
            }
        }
    };
}
pub(crate) use labelled_enum;

/// A name that is not one of an enum's variants.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("{}", self.message())]
pub struct UnknownName {
    /// Which kind of thing.
    pub what: &'static str,
    /// What was given.
    pub value: String,
    /// The names that would have been accepted.
    pub expected: Vec<&'static str>,
}

impl UnknownName {
    /// What was wrong, in Japanese and in English, naming the value and the accepted names.
    pub fn message(&self) -> crate::wire::Message {
        let (what, value, expected) = (self.what, &self.value, self.expected.join(", "));
        crate::wire::Message::new(
            format!("{what} に {value:?} は使えません。次のいずれかを指定してください：{expected}"),
            format!("unknown {what} {value:?}: expected one of {expected}"),
        )
    }
}

/// A short, printable rendering of a value for a message: control and bidirectional characters
/// escaped (`\u{1b}`), at most 40 characters, `…` when cut. For messages that name a value
/// (a duplicate id, a station) which may itself be anything.
pub fn excerpt(s: &str) -> String {
    const MAX: usize = 40;
    let mut out = String::new();
    for (i, c) in s.chars().enumerate() {
        if i == MAX {
            out.push('…');
            break;
        }
        if c.is_control() || is_bidi_control(c) {
            out.push_str(&format!("\\u{{{:x}}}", c as u32));
        } else {
            out.push(c);
        }
    }
    out
}

/// Characters that reorder how text is displayed (embeddings, overrides, isolates).
pub fn is_bidi_control(c: char) -> bool {
    matches!(c, '\u{202A}'..='\u{202E}' | '\u{2066}'..='\u{2069}')
}

/// Whether `s` shows nothing: empty, or only spaces and invisible characters (zero-width spaces,
/// joiners and direction marks, word joiner and invisible operators, soft hyphen, fillers,
/// variation selectors, tags, byte-order mark).
pub fn is_blank(s: &str) -> bool {
    s.chars().all(|c| c.is_whitespace() || c.is_control() || is_invisible(c))
}

/// Characters that show nothing by themselves (Unicode's default-ignorable code points, and the
/// blank fillers that render as a space).
fn is_invisible(c: char) -> bool {
    matches!(
        c,
        '\u{00AD}'
            | '\u{034F}'
            | '\u{061C}'
            | '\u{115F}'
            | '\u{1160}'
            | '\u{17B4}'
            | '\u{17B5}'
            | '\u{180B}'..='\u{180F}'
            | '\u{200B}'..='\u{200F}'
            | '\u{202A}'..='\u{202E}'
            | '\u{2060}'..='\u{206F}'
            | '\u{2800}'
            | '\u{3164}'
            | '\u{FE00}'..='\u{FE0F}'
            | '\u{FEFF}'
            | '\u{FFA0}'
            | '\u{1D173}'..='\u{1D17A}'
            | '\u{E0000}'..='\u{E0FFF}'
    )
}
