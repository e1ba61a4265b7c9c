//! The record schemas as data: which automerge type each field of a child or visit document
//! has, so a mismatch names its field path and the type expected
//! (`vitals[2].pulse: expected uint, found int`), and so the schema can be published for other
//! programs (`docs/schema/`, written from [`published`] and [`markdown`]).
//!
//! # Where the description comes from
//! Every type stored in a record implements [`Described`], and the description follows the
//! Rust types rather than being written beside them:
//! - primitives, `Option` (null or the value), `Vec` (a list), `BTreeMap<String, _>` (a map with
//!   any keys) and autosurgeon's `Text` here;
//! - every `labelled_enum!` gets its allowed names from the same list as its `FromStr`, the ids
//!   (`id_type!`) and the calendar's string types (`string_repr!`) from their own macros, with
//!   the parser as the check of the string's form;
//! - each struct through `described!`, which lists its fields: the type of each field is taken
//!   from the struct itself (a field accessor, so a wrong type cannot be written down), and the
//!   macro destructures the struct without `..`, so a field added to the struct and not to the
//!   list does not compile;
//! - the one enum with data, [`GuardianConfirmation`](crate::visit::GuardianConfirmation), by hand
//!   beside its hand-written `Reconcile`/`Hydrate`.
//!
//! The tests hold [`check`] and autosurgeon's hydrate to the same verdict: every document
//! Carebook writes passes, and each kind of wrong type is refused by both
//! (`tests/schema.rs`). Keys a description does not name are ignored, as hydrate ignores them.
//!
//! [`check`] runs only when hydrate has failed (it explains the failure), so reading a
//! well-formed record costs nothing more than before.
//!
//! # Version
//! [`SCHEMA_VERSION`] is the version this code writes into every document it changes (root key
//! [`VERSION_KEY`], beside [`KIND_KEY`]); see `docs/schema/README.md` for how versions migrate.

use std::collections::BTreeMap;
use std::fmt;

use automerge::{ObjId, ObjType, ReadDoc, ScalarValue, Value};

use crate::validation::excerpt;

/// The schema version this code writes and the newest it reads. Version 1: documents stored
/// before the version was kept in them (no [`VERSION_KEY`]), the guardian confirmation stored as
/// `{"Confirmed": {…}}`. Version 2: [`KIND_KEY`] and [`VERSION_KEY`] at the root, the guardian
/// confirmation stored as `{"kind": "confirmed", …}`. Version 3: the face sheet's `sharing`
/// (the guardian's consent to share the child's records with the municipality), absent in
/// older documents and read as null ([`Field::since`]). Version 4: the face sheet's
/// `income_tier_changes` and `past_instructions` (for claims), absent in older documents and
/// read as empty, and the visit's `returned` (差し戻し), read as none. Version 5: the visit's
/// `provider` (the kind of institution of a daytime-care day), absent in older documents and
/// read as none.
pub const SCHEMA_VERSION: u64 = 5;

/// The root key naming the record kind (`"child"` or `"visit"`, a str).
pub const KIND_KEY: &str = "record_kind";

/// The root key holding the schema version (a uint; absent means version 1).
pub const VERSION_KEY: &str = "schema_version";

/// A string's required form: a name for people and the schema, and the parser that decides.
#[derive(Clone, Copy)]
pub struct Format {
    /// What the string holds, as the published schema says it (`uuid`, `date` …).
    pub name: &'static str,
    /// The form, for messages: `YYYY-MM-DD`.
    pub pattern: &'static str,
    /// Whether a string has the form (the type's own `FromStr`).
    pub valid: fn(&str) -> bool,
}

impl fmt::Debug for Format {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.name)
    }
}

/// The shape of one value in a document.
#[derive(Debug, Clone)]
pub enum Shape {
    /// A string scalar (automerge `str`), in a given form if any.
    Str(Option<Format>),
    /// One of a fixed set of names (a str).
    Enum(&'static [&'static str]),
    /// Automerge text (collaborative; a JavaScript string written into a document becomes this).
    Text,
    /// An unsigned integer scalar, at most `max`.
    Uint {
        /// The largest value the Rust type holds.
        max: u64,
    },
    /// A signed integer scalar.
    Int,
    /// A 64-bit float scalar (a whole number must still be written as f64).
    F64,
    /// A boolean scalar.
    Bool,
    /// A timestamp scalar.
    Timestamp,
    /// Null or the inner shape. The key must be there: an absent optional field is refused.
    Nullable(Box<Shape>),
    /// A map with these keys (a struct).
    Map(Fields),
    /// A map from any string key to values of one shape.
    Dict(Box<Shape>),
    /// A list of values of one shape.
    List(Box<Shape>),
    /// A map tagged by a str key naming the variant, with the variant's fields beside it.
    Tagged(Tagged),
}

/// The fields of a [`Shape::Map`].
#[derive(Debug, Clone)]
pub struct Fields {
    /// Each field, in declaration order.
    pub fields: Vec<Field>,
    /// The field that identifies an element in a list (the merge key), if any.
    pub key: Option<&'static str>,
}

/// One field of a map.
#[derive(Debug, Clone)]
pub struct Field {
    /// Its key.
    pub name: &'static str,
    /// Its shape.
    pub shape: Shape,
    /// The schema version that added the field (1: always there). A field added after version 1
    /// is absent from documents written before it, so its key may be missing in any document
    /// and is then read as its default (null): the Rust field carries autosurgeon's
    /// `#[autosurgeon(missing = "Default::default")]`, and [`check`] accepts the missing key
    /// exactly as hydrate does. Every document written now holds the key.
    pub since: u64,
}

impl Field {
    /// Whether a document may lack the key (the field was added after version 1).
    pub fn may_be_absent(&self) -> bool {
        self.since > 1
    }
}

/// A [`Shape::Tagged`] enum.
#[derive(Debug, Clone)]
pub struct Tagged {
    /// The key naming the variant.
    pub tag: &'static str,
    /// Each variant: its tag value, its schema-version-1 name, its fields.
    pub variants: Vec<Variant>,
}

/// One variant of a [`Tagged`] enum.
#[derive(Debug, Clone)]
pub struct Variant {
    /// The tag's value (`confirmed`).
    pub name: &'static str,
    /// How schema version 1 stored it: a map with this one key holding the fields
    /// (`{"Confirmed": {…}}`, autosurgeon's derive). Still read; never written.
    pub legacy: &'static str,
    /// The fields beside the tag.
    pub fields: Vec<Field>,
}

/// A type whose document shape is known.
pub trait Described {
    /// The shape.
    fn shape() -> Shape;
}

/// A field of struct `S` named `name`, its shape taken from the field's type through `get`.
pub fn field<S, T: Described>(name: &'static str, _get: fn(&S) -> &T) -> Field {
    Field { name, shape: T::shape(), since: 1 }
}

/// A field of struct `S` added in schema version `since` (see [`Field::since`]).
pub fn field_since<S, T: Described>(name: &'static str, since: u64, _get: fn(&S) -> &T) -> Field {
    Field { name, shape: T::shape(), since }
}

/// Implements [`Described`] for a struct stored as a map: `described!(Station { id, name })`,
/// or `described!(StaffMember keyed id { id, name, … })` for list elements merged by a key.
/// Every field must be listed (the struct is destructured without `..`), and each field's shape
/// comes from its type. A field added after schema version 1 says since when:
/// `described!(Child { id, …, sharing since 3 })` (its key may be absent: [`Field::since`]).
macro_rules! described {
    ($ty:ident $(keyed $key:ident)? { $($field:ident $(since $since:literal)?),+ $(,)? }) => {
        impl $crate::schema::Described for $ty {
            fn shape() -> $crate::schema::Shape {
                #[allow(dead_code)]
                fn every_field_is_listed(v: &$ty) {
                    let $ty { $($field: _),+ } = v;
                }
                $crate::schema::Shape::Map($crate::schema::Fields {
                    fields: vec![$($crate::schema::field_since(stringify!($field), 1 $(+ $since - 1)?, |v: &$ty| &v.$field)),+],
                    key: None $(.or(Some(stringify!($key))))?,
                })
            }
        }
    };
}
pub(crate) use described;

impl Described for String {
    fn shape() -> Shape {
        Shape::Str(None)
    }
}
impl Described for autosurgeon::Text {
    fn shape() -> Shape {
        Shape::Text
    }
}
impl Described for u32 {
    fn shape() -> Shape {
        Shape::Uint { max: u32::MAX.into() }
    }
}
impl Described for u64 {
    fn shape() -> Shape {
        Shape::Uint { max: u64::MAX }
    }
}
impl Described for i64 {
    fn shape() -> Shape {
        Shape::Int
    }
}
impl Described for f64 {
    fn shape() -> Shape {
        Shape::F64
    }
}
impl Described for bool {
    fn shape() -> Shape {
        Shape::Bool
    }
}
impl<T: Described> Described for Option<T> {
    fn shape() -> Shape {
        Shape::Nullable(Box::new(T::shape()))
    }
}
impl<T: Described> Described for Vec<T> {
    fn shape() -> Shape {
        Shape::List(Box::new(T::shape()))
    }
}
impl<T: Described> Described for BTreeMap<String, T> {
    fn shape() -> Shape {
        Shape::Dict(Box::new(T::shape()))
    }
}

impl Shape {
    /// A scalar's automerge type as messages name it.
    pub fn scalar_type_name(s: &ScalarValue) -> &'static str {
        type_name(Some(&Value::Scalar(std::borrow::Cow::Borrowed(s))))
    }

    /// An object's automerge type as messages name it.
    pub fn object_type_name(t: ObjType) -> &'static str {
        type_name(Some(&Value::Object(t)))
    }

    /// What a message says this shape expects: `uint`, `null or map`, `one of ok, problem`.
    pub fn expected(&self) -> String {
        match self {
            Shape::Enum(names) => format!("one of {}", names.join(", ")),
            Shape::Nullable(inner) => format!("null or {}", inner.expected()),
            other => other.automerge_type().to_string(),
        }
    }

    /// The automerge type, as the published schema and messages name it.
    pub fn automerge_type(&self) -> &'static str {
        match self {
            Shape::Str(_) | Shape::Enum(_) => "str",
            Shape::Text => "text",
            Shape::Uint { .. } => "uint",
            Shape::Int => "int",
            Shape::F64 => "f64",
            Shape::Bool => "bool",
            Shape::Timestamp => "timestamp",
            Shape::Nullable(inner) => inner.automerge_type(),
            Shape::Map(_) | Shape::Dict(_) | Shape::Tagged(_) => "map",
            Shape::List(_) => "list",
        }
    }
}

/// Where a document does not fit its schema.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Mismatch {
    /// The field path: `vitals[2].pulse`, `checklist.items["pump"].status`.
    pub path: String,
    /// What the schema wants: `uint`, `null or map`, `one of done, absent, cancelled`.
    pub expected: String,
    /// What the document holds: a type (`int`, `nothing`), or a value that is not allowed.
    pub found: String,
}

impl fmt::Display for Mismatch {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}: expected {}, found {}", self.path, self.expected, self.found)
    }
}

/// The automerge type of a value as messages name it (`nothing` when the key is absent).
fn type_name(value: Option<&Value<'_>>) -> &'static str {
    match value {
        None => "nothing",
        Some(Value::Object(ObjType::Map | ObjType::Table)) => "map",
        Some(Value::Object(ObjType::List)) => "list",
        Some(Value::Object(ObjType::Text)) => "text",
        Some(Value::Scalar(s)) => match s.as_ref() {
            ScalarValue::Str(_) => "str",
            ScalarValue::Int(_) => "int",
            ScalarValue::Uint(_) => "uint",
            ScalarValue::F64(_) => "f64",
            ScalarValue::Boolean(_) => "bool",
            ScalarValue::Null => "null",
            ScalarValue::Timestamp(_) => "timestamp",
            ScalarValue::Counter(_) => "counter",
            ScalarValue::Bytes(_) => "bytes",
            ScalarValue::Unknown { .. } => "an unknown scalar",
        },
    }
}

/// Checks a whole document against the shape of its root (a [`Shape::Map`]); the first
/// mismatch found, in field order.
pub fn check<D: ReadDoc>(doc: &D, root: &Shape) -> Result<(), Mismatch> {
    let mut path = String::new();
    match root {
        Shape::Map(fields) => check_fields(doc, &automerge::ROOT, &fields.fields, &mut path),
        other => walk(doc, Some((Value::Object(ObjType::Map), automerge::ROOT)), other, false, &mut path),
    }
}

fn check_fields<D: ReadDoc>(doc: &D, obj: &ObjId, fields: &[Field], path: &mut String) -> Result<(), Mismatch> {
    for f in fields {
        let value = doc.get(obj, f.name).ok().flatten();
        if value.is_none() && f.may_be_absent() {
            // Written before the field existed: read as its default, as hydrate does.
            continue;
        }
        let len = path.len();
        if !path.is_empty() {
            path.push('.');
        }
        path.push_str(f.name);
        walk(doc, value, &f.shape, false, path)?;
        path.truncate(len);
    }
    Ok(())
}

fn walk<D: ReadDoc>(doc: &D, value: Option<(Value<'_>, ObjId)>, shape: &Shape, nullable: bool, path: &mut String) -> Result<(), Mismatch> {
    let wrong = |value: Option<&Value<'_>>, path: &String| {
        let expected = shape.expected();
        Mismatch {
            path: path.clone(),
            expected: if nullable { format!("null or {expected}") } else { expected },
            found: type_name(value).to_string(),
        }
    };
    let Some((value, obj)) = value else { return Err(wrong(None, path)) };
    match (shape, &value) {
        (Shape::Nullable(inner), v) => match v {
            Value::Scalar(s) if matches!(s.as_ref(), ScalarValue::Null) => Ok(()),
            _ => walk(doc, Some((value, obj)), inner, true, path),
        },
        (Shape::Str(format), Value::Scalar(s)) if matches!(s.as_ref(), ScalarValue::Str(_)) => {
            let ScalarValue::Str(text) = s.as_ref() else { unreachable!() };
            match format {
                Some(f) if !(f.valid)(text) => Err(Mismatch {
                    path: path.clone(),
                    expected: format!("str in the form {}", f.pattern),
                    found: format!("{:?}", excerpt(text)),
                }),
                _ => Ok(()),
            }
        }
        (Shape::Enum(names), Value::Scalar(s)) if matches!(s.as_ref(), ScalarValue::Str(_)) => {
            let ScalarValue::Str(text) = s.as_ref() else { unreachable!() };
            if names.contains(&text.as_str()) {
                Ok(())
            } else {
                Err(Mismatch {
                    path: path.clone(),
                    expected: format!("one of {}", names.join(", ")),
                    found: format!("{:?}", excerpt(text)),
                })
            }
        }
        (Shape::Uint { max }, Value::Scalar(s)) if matches!(s.as_ref(), ScalarValue::Uint(_)) => {
            let ScalarValue::Uint(u) = s.as_ref() else { unreachable!() };
            if u <= max {
                Ok(())
            } else {
                Err(Mismatch { path: path.clone(), expected: format!("uint up to {max}"), found: u.to_string() })
            }
        }
        (Shape::Int, Value::Scalar(s)) if matches!(s.as_ref(), ScalarValue::Int(_)) => Ok(()),
        (Shape::F64, Value::Scalar(s)) if matches!(s.as_ref(), ScalarValue::F64(_)) => Ok(()),
        (Shape::Bool, Value::Scalar(s)) if matches!(s.as_ref(), ScalarValue::Boolean(_)) => Ok(()),
        (Shape::Timestamp, Value::Scalar(s)) if matches!(s.as_ref(), ScalarValue::Timestamp(_)) => Ok(()),
        (Shape::Text, Value::Object(ObjType::Text)) => Ok(()),
        (Shape::Map(fields), Value::Object(ObjType::Map | ObjType::Table)) => check_fields(doc, &obj, &fields.fields, path),
        (Shape::Dict(inner), Value::Object(ObjType::Map | ObjType::Table)) => {
            for key in doc.keys(&obj).collect::<Vec<_>>() {
                let v = doc.get(&obj, key.as_str()).ok().flatten();
                let len = path.len();
                path.push_str(&format!("[{:?}]", excerpt(&key)));
                walk(doc, v, inner, false, path)?;
                path.truncate(len);
            }
            Ok(())
        }
        (Shape::List(inner), Value::Object(ObjType::List)) => {
            for i in 0..doc.length(&obj) {
                let v = doc.get(&obj, i).ok().flatten();
                let len = path.len();
                path.push_str(&format!("[{i}]"));
                walk(doc, v, inner, false, path)?;
                path.truncate(len);
            }
            Ok(())
        }
        (Shape::Tagged(t), Value::Object(ObjType::Map | ObjType::Table)) => check_tagged(doc, &obj, t, path),
        (_, v) => Err(wrong(Some(v), path)),
    }
}

/// A tagged enum: the tag names the variant and its fields sit beside it; without a tag, the
/// schema-version-1 form (one key, the variant's Rust name, holding its fields).
fn check_tagged<D: ReadDoc>(doc: &D, obj: &ObjId, t: &Tagged, path: &mut String) -> Result<(), Mismatch> {
    let names: Vec<&str> = t.variants.iter().map(|v| v.name).collect();
    match doc.get(obj, t.tag).ok().flatten() {
        Some((tag, _)) => {
            let at = format!("{path}.{}", t.tag);
            let name = match &tag {
                Value::Scalar(s) => match s.as_ref() {
                    ScalarValue::Str(name) => Some(name.to_string()),
                    _ => None,
                },
                _ => None,
            };
            let expected = format!("one of {}", names.join(", "));
            let Some(name) = name else { return Err(Mismatch { path: at, expected, found: type_name(Some(&tag)).into() }) };
            let Some(variant) = t.variants.iter().find(|v| v.name == name) else {
                return Err(Mismatch { path: at, expected, found: format!("{:?}", excerpt(&name)) });
            };
            check_fields(doc, obj, &variant.fields, path)
        }
        None => {
            for v in &t.variants {
                if let Some(inner) = doc.get(obj, v.legacy).ok().flatten() {
                    let len = path.len();
                    path.push('.');
                    path.push_str(v.legacy);
                    let shape = Shape::Map(Fields { fields: v.fields.clone(), key: None });
                    walk(doc, Some(inner), &shape, false, path)?;
                    path.truncate(len);
                    return Ok(());
                }
            }
            Err(Mismatch { path: format!("{path}.{}", t.tag), expected: format!("one of {}", names.join(", ")), found: "nothing".into() })
        }
    }
}

/// One line of the published schema: a field path and what it holds.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize)]
pub struct Row {
    /// The path: `vitals[].pulse` (`[]` any list element), `checklist.items[key].status` (`[key]`
    /// any key of a map with free keys).
    pub path: String,
    /// The automerge type: str, text, uint, int, f64, bool, null, timestamp, map, list.
    #[serde(rename = "type")]
    pub automerge_type: &'static str,
    /// Whether the value may be null (the key must still be there).
    pub nullable: bool,
    /// The allowed values of an enum.
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub values: Vec<&'static str>,
    /// The form of a str: `uuid`, `date`, `datetime` …
    #[serde(skip_serializing_if = "Option::is_none")]
    pub format: Option<&'static str>,
    /// The form written out: `YYYY-MM-DD`.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub pattern: Option<&'static str>,
    /// The most a uint may hold.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub max: Option<u64>,
    /// For a list of maps merged by a key: the key field of each element.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub key: Option<&'static str>,
    /// For a field of one variant of a tagged map: `kind = confirmed`.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub when: Option<String>,
    /// For a field added after schema version 1: the version that added it. Documents written
    /// before it lack the key, which is read as null ([`Field::since`]).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub since: Option<u64>,
}

/// Every field path of a record's shape, depth first in declaration order.
pub fn rows(root: &Shape) -> Vec<Row> {
    let mut out = Vec::new();
    if let Shape::Map(fields) = root {
        for f in &fields.fields {
            push_rows(&mut out, f.name.to_string(), f, false, None);
        }
    }
    out
}

fn push_rows(out: &mut Vec<Row>, path: String, field: &Field, nullable: bool, when: Option<String>) {
    let since = field.may_be_absent().then_some(field.since);
    push_shape_rows(out, path, &field.shape, nullable, when, since);
}

fn push_shape_rows(out: &mut Vec<Row>, path: String, shape: &Shape, nullable: bool, when: Option<String>, since: Option<u64>) {
    if let Shape::Nullable(inner) = shape {
        return push_shape_rows(out, path, inner, true, when, since);
    }
    let mut row = Row {
        path: path.clone(),
        automerge_type: shape.automerge_type(),
        nullable,
        values: vec![],
        format: None,
        pattern: None,
        max: None,
        key: None,
        when: when.clone(),
        since,
    };
    match shape {
        Shape::Enum(names) => row.values = names.to_vec(),
        Shape::Str(Some(f)) => {
            row.format = Some(f.name);
            row.pattern = Some(f.pattern);
        }
        Shape::Uint { max } => row.max = Some(*max),
        Shape::List(inner) => {
            if let Shape::Map(f) = inner.as_ref() {
                row.key = f.key;
            }
        }
        _ => {}
    }
    out.push(row);
    match shape {
        Shape::Map(fields) => {
            for f in &fields.fields {
                push_rows(out, format!("{path}.{}", f.name), f, false, when.clone());
            }
        }
        Shape::List(inner) => push_children(out, format!("{path}[]"), inner, when),
        Shape::Dict(inner) => push_children(out, format!("{path}[key]"), inner, when),
        Shape::Tagged(t) => {
            let names: Vec<&'static str> = t.variants.iter().map(|v| v.name).collect();
            out.push(Row {
                path: format!("{path}.{}", t.tag),
                automerge_type: "str",
                nullable: false,
                values: names,
                format: None,
                pattern: None,
                max: None,
                key: None,
                when: when.clone(),
                since: None,
            });
            for v in &t.variants {
                for f in &v.fields {
                    push_rows(out, format!("{path}.{}", f.name), f, false, Some(format!("{} = {}", t.tag, v.name)));
                }
            }
        }
        _ => {}
    }
}

/// The element of a list or the value of a free-keyed map: a map's fields directly under the
/// element's path, anything else as one row.
fn push_children(out: &mut Vec<Row>, path: String, inner: &Shape, when: Option<String>) {
    match inner {
        Shape::Map(fields) => {
            for f in &fields.fields {
                push_rows(out, format!("{path}.{}", f.name), f, false, when.clone());
            }
        }
        other => push_shape_rows(out, path, other, false, when, None),
    }
}

/// The published schema of every record kind, for programs (`docs/schema/schema.json` is this,
/// serialised).
#[derive(Debug, Clone, serde::Serialize)]
pub struct Published {
    /// The schema version documents are written in ([`SCHEMA_VERSION`]).
    pub schema_version: u64,
    /// The root keys every record carries besides its fields: [`KIND_KEY`], [`VERSION_KEY`].
    pub root_keys: Vec<Row>,
    /// Each record kind (`child`, `visit`) and its fields.
    pub records: BTreeMap<&'static str, Vec<Row>>,
}

/// The schema as published (see [`Published`]).
pub fn published() -> Published {
    use crate::document::{Record, RecordKind};
    let kinds: Vec<&'static str> = RecordKind::ALL.iter().map(|k| k.name()).collect();
    let root = |path: &str, automerge_type, values: Vec<&'static str>| Row {
        path: path.into(),
        automerge_type,
        nullable: false,
        values,
        format: None,
        pattern: None,
        max: None,
        key: None,
        when: None,
        since: None,
    };
    Published {
        schema_version: SCHEMA_VERSION,
        root_keys: vec![root(KIND_KEY, "str", kinds), root(VERSION_KEY, "uint", vec![])],
        records: [
            (crate::child::Child::KIND.name(), rows(&crate::child::Child::shape())),
            (crate::visit::Visit::KIND.name(), rows(&crate::visit::Visit::shape())),
        ]
        .into_iter()
        .collect(),
    }
}

/// The published schema for people (`docs/schema/README.md`'s tables): one table per record
/// kind.
pub fn markdown() -> String {
    let p = published();
    let mut out = String::new();
    out.push_str("<!-- Generated from the Rust types by carebook-domain's tests (`tests/schema.rs`); do not edit. -->\n");
    out.push_str(&format!("# Carebook record schema, version {}\n\n", p.schema_version));
    out.push_str("Every record is one automerge document. Its root holds the fields below and two keys that say what it is:\n\n");
    out.push_str(&table(&p.root_keys));
    out.push_str("\nA document without `schema_version` is version 1 (written before the version was kept in it).\n");
    out.push_str("Paths: `a.b` is key `b` of map `a`; `a[]` any element of list `a`; `a[key]` any key of map `a` (free keys).\n");
    out.push_str("Nullable fields must be present (null when empty): a missing key is refused, except a field marked \"since N\": added in version N, it is absent from documents written before, and a missing key is read as null. Keys not listed are ignored.\n");
    for (kind, rows) in &p.records {
        out.push_str(&format!("\n## {kind}\n\n"));
        out.push_str(&table(rows));
    }
    out
}

fn table(rows: &[Row]) -> String {
    let mut out = String::from("| path | automerge type | nullable | allowed values / form |\n|---|---|---|---|\n");
    for r in rows {
        let mut notes: Vec<String> = Vec::new();
        if !r.values.is_empty() {
            notes.push(r.values.iter().map(|v| format!("`{v}`")).collect::<Vec<_>>().join(", "));
        }
        if let (Some(f), Some(p)) = (r.format, r.pattern) {
            notes.push(format!("{f}: {p}"));
        }
        if let Some(m) = r.max {
            notes.push(format!("at most {m}"));
        }
        if let Some(k) = r.key {
            notes.push(format!("elements merged by `{k}`"));
        }
        if let Some(w) = &r.when {
            notes.push(format!("when `{w}`"));
        }
        if let Some(v) = r.since {
            notes.push(format!("since {v}: may be absent in older documents (read as null)"));
        }
        out.push_str(&format!(
            "| `{}` | {} | {} | {} |\n",
            r.path,
            r.automerge_type,
            if r.nullable { "yes" } else { "no" },
            notes.join("; ")
        ));
    }
    out
}
