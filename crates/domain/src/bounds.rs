//! Bounds on untrusted document bytes, checked before automerge expands anything.
//!
//! Automerge inflates compressed change chunks and DEFLATE-compressed document columns without
//! a bound, and its run-length columns can claim billions of rows in a few bytes; a document
//! chunk's change metadata can claim that a change holds billions of operations, for which
//! automerge reserves room up front. [`scan`] walks every chunk of the bytes without building
//! anything: it inflates through a reader that stops past the byte budget, counts column rows
//! from the run lengths, and reads a document's change metadata (the only values it decodes,
//! at most [`Limits::changes`] of them) to know how many operations each change claims. It
//! refuses, naming the limit, before any count passes its bound, and refuses what Carebook
//! never writes: bundle chunks, unknown chunk types, compressed columns inside a change chunk,
//! bytes after the last chunk.
//!
//! The counts it returns for a whole document are what automerge reports once it is loaded:
//! `changes` is `get_changes(&[]).len()` and `ops` the sum of those changes' lengths.

use std::io::Read;

use sha2::{Digest, Sha256};

use crate::wire::Message;

/// The most a document may hold. Every count is checked before the work it would cause.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Limits {
    /// Bytes once every compressed part is inflated (the input itself counts).
    pub inflated_bytes: u64,
    /// Changes (automerge commits).
    pub changes: u64,
    /// Operations; also the most rows any one column may claim.
    pub ops: u64,
}

impl Limits {
    /// Defaults with room well above real records: a visit edited all day is a few thousand
    /// changes and operations (every character typed is one), a face sheet edited for years a
    /// few hundred changes. Loading and merging a document costs the server some hundreds of
    /// bytes per operation, so 100,000 operations stay near 50 MiB.
    pub const DEFAULT: Limits = Limits { inflated_bytes: 32 * 1024 * 1024, changes: 10_000, ops: 100_000 };
}

impl Default for Limits {
    fn default() -> Self {
        Limits::DEFAULT
    }
}

/// What the bytes hold, counted without building it.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct Counts {
    /// Bytes once every compressed part is inflated.
    pub inflated_bytes: u64,
    /// Changes.
    pub changes: u64,
    /// Operations.
    pub ops: u64,
    /// Chunks.
    pub chunks: u64,
}

/// Which bound was passed.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Measure {
    /// [`Limits::inflated_bytes`].
    InflatedBytes,
    /// [`Limits::changes`].
    Changes,
    /// [`Limits::ops`].
    Ops,
}

/// Why bytes were refused before automerge saw them.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("{}", self.message())]
pub enum Refusal {
    /// A count passed its limit.
    TooLarge {
        /// Which count.
        measure: Measure,
        /// Its limit.
        limit: u64,
    },
    /// The bytes are not chunks Carebook writes (structure only; no contents are quoted).
    Malformed(String),
}

impl Refusal {
    /// Why, in Japanese and in English, naming the limit (or what is wrong with the structure).
    pub fn message(&self) -> Message {
        match self {
            Refusal::TooLarge { measure, limit } => {
                let (ja, en) = match measure {
                    Measure::InflatedBytes => ("展開後は最大", "bytes once inflated"),
                    Measure::Changes => ("変更は最大", "changes"),
                    Measure::Ops => ("操作は最大", "operations"),
                };
                let unit = if *measure == Measure::InflatedBytes { "バイト" } else { "件" };
                Message::new(
                    format!("記録が大きすぎます：{ja} {limit} {unit}ですが、それを超えています"),
                    format!("document too large: expected at most {limit} {en}, got more"),
                )
            }
            Refusal::Malformed(reason) => {
                Message::new(format!("記録のデータの形式が正しくありません（{reason}）"), format!("malformed document bytes: {reason}"))
            }
        }
    }
}

/// Walks every chunk of `bytes` and counts what automerge would build, refusing as soon as a
/// count passes `limits` or the structure is not what Carebook writes. No IO, no allocation
/// proportional to what the bytes claim; inflating streams through a fixed buffer.
pub fn scan(bytes: &[u8], limits: &Limits) -> Result<Counts, Refusal> {
    scan_metered(bytes, limits, &mut 0)
}

/// [`scan`] that adds to `work` the bytes it read and inflated, whether or not it refused the
/// bytes: a caller bounding the work of a whole request (many documents) counts each one's cost.
pub fn scan_metered(bytes: &[u8], limits: &Limits, work: &mut u64) -> Result<Counts, Refusal> {
    let inflated = std::cell::Cell::new(0);
    let result = scan_inner(bytes, limits, &inflated);
    *work = work.saturating_add(bytes.len() as u64).saturating_add(inflated.get());
    result
}

fn scan_inner(bytes: &[u8], limits: &Limits, inflated: &std::cell::Cell<u64>) -> Result<Counts, Refusal> {
    let mut s = Scanner { limits: *limits, counts: Counts::default(), inflated };
    let mut pos = 0;
    while pos < bytes.len() {
        let chunk = s.counts.chunks + 1;
        let mut head = Slice::new(&bytes[pos..]);
        if head.take(4).ok() != Some(&MAGIC[..]) {
            return Err(malformed(format!("chunk {chunk} does not start with automerge's magic bytes")));
        }
        let checksum: [u8; 4] = head.take(4)?.try_into().expect("four bytes");
        let kind = head.byte()?.ok_or_else(|| malformed(format!("chunk {chunk} ends in its header")))?;
        let len = uleb(&mut head)?;
        let start = pos + head.pos;
        let end = usize::try_from(len).ok().and_then(|l| start.checked_add(l)).filter(|e| *e <= bytes.len());
        let Some(end) = end else {
            return Err(malformed(format!("chunk {chunk} claims {len} bytes, more than are left")));
        };
        let data = &bytes[start..end];
        match kind {
            0 | 1 => {
                if !checksum_ok(kind, data, checksum) {
                    return Err(malformed(format!("chunk {chunk} has a wrong checksum")));
                }
                if kind == 0 {
                    s.document(head.pos, data)?;
                } else {
                    s.add(Measure::InflatedBytes, (head.pos + data.len()) as u64)?;
                    s.change(&mut Slice::new(data))?;
                }
            }
            2 => {
                s.add(Measure::InflatedBytes, head.pos as u64)?;
                let mut inflate =
                    Inflate::new(data, s.limits.inflated_bytes - s.counts.inflated_bytes, s.limits.inflated_bytes, s.inflated);
                s.change(&mut inflate)?;
                inflate.finish()?;
                s.add(Measure::InflatedBytes, inflate.produced)?;
            }
            3 => return Err(malformed(format!("chunk {chunk} is a bundle, which Carebook never writes"))),
            other => return Err(malformed(format!("chunk {chunk} has unknown type {other}"))),
        }
        s.counts.chunks += 1;
        pos = end;
    }
    Ok(s.counts)
}

const MAGIC: [u8; 4] = [0x85, 0x6f, 0x4a, 0x83];
/// More columns than any automerge chunk has (a change has about 14, a document about 25).
const MAX_COLUMNS: u64 = 256;

fn malformed(reason: String) -> Refusal {
    Refusal::Malformed(reason)
}

fn checksum_ok(kind: u8, data: &[u8], checksum: [u8; 4]) -> bool {
    let mut hasher = Sha256::new();
    hasher.update([kind]);
    let mut len = Vec::with_capacity(10);
    write_uleb(&mut len, data.len() as u64);
    hasher.update(&len);
    hasher.update(data);
    hasher.finalize()[..4] == checksum
}

/// Appends `v` as unsigned LEB128.
fn write_uleb(out: &mut Vec<u8>, mut v: u64) {
    loop {
        let b = (v & 0x7f) as u8;
        v >>= 7;
        if v == 0 {
            out.push(b);
            return;
        }
        out.push(b | 0x80);
    }
}

/// Bytes read one at a time from a slice or an inflating stream.
trait Source {
    /// The next byte, `None` at the end.
    fn byte(&mut self) -> Result<Option<u8>, Refusal>;
    /// Skips `n` bytes, which must be there.
    fn skip(&mut self, mut n: u64) -> Result<(), Refusal> {
        while n > 0 {
            self.byte()?.ok_or_else(|| malformed("a field runs past the end of its chunk".into()))?;
            n -= 1;
        }
        Ok(())
    }
    /// Reads a byte that must be there.
    fn need(&mut self) -> Result<u8, Refusal> {
        self.byte()?.ok_or_else(|| malformed("a field runs past the end of its chunk".into()))
    }
}

struct Slice<'a> {
    data: &'a [u8],
    pos: usize,
}

impl<'a> Slice<'a> {
    fn new(data: &'a [u8]) -> Self {
        Slice { data, pos: 0 }
    }
    fn take(&mut self, n: usize) -> Result<&'a [u8], Refusal> {
        let end = self.pos.checked_add(n).filter(|e| *e <= self.data.len());
        let end = end.ok_or_else(|| malformed("a field runs past the end of its chunk".into()))?;
        let out = &self.data[self.pos..end];
        self.pos = end;
        Ok(out)
    }
    fn rest(&self) -> &'a [u8] {
        &self.data[self.pos..]
    }
}

impl Source for Slice<'_> {
    fn byte(&mut self) -> Result<Option<u8>, Refusal> {
        let b = self.data.get(self.pos).copied();
        self.pos += usize::from(b.is_some());
        Ok(b)
    }
    fn skip(&mut self, n: u64) -> Result<(), Refusal> {
        let n = usize::try_from(n).map_err(|_| malformed("a field runs past the end of its chunk".into()))?;
        self.take(n).map(|_| ())
    }
}

/// At most `left` bytes of another source (one column's data).
struct Take<'s, S: Source> {
    inner: &'s mut S,
    left: u64,
}

impl<S: Source> Source for Take<'_, S> {
    fn byte(&mut self) -> Result<Option<u8>, Refusal> {
        if self.left == 0 {
            return Ok(None);
        }
        self.left -= 1;
        Ok(Some(self.inner.need()?))
    }
}

/// A DEFLATE stream inflated through a fixed buffer, refused once it passes `allowance` bytes.
struct Inflate<'a> {
    decoder: flate2::bufread::DeflateDecoder<&'a [u8]>,
    buf: Vec<u8>,
    pos: usize,
    len: usize,
    produced: u64,
    allowance: u64,
    limit: u64,
    total: &'a std::cell::Cell<u64>,
}

impl<'a> Inflate<'a> {
    fn new(compressed: &'a [u8], allowance: u64, limit: u64, total: &'a std::cell::Cell<u64>) -> Self {
        let decoder = flate2::bufread::DeflateDecoder::new(compressed);
        Inflate { decoder, buf: vec![0; 16 * 1024], pos: 0, len: 0, produced: 0, allowance, limit, total }
    }
    /// Reads what is left (automerge reads the stream to its end).
    fn finish(&mut self) -> Result<(), Refusal> {
        while self.byte()?.is_some() {
            self.pos = self.len;
        }
        Ok(())
    }
}

impl Source for Inflate<'_> {
    fn byte(&mut self) -> Result<Option<u8>, Refusal> {
        if self.pos == self.len {
            let n = self.decoder.read(&mut self.buf).map_err(|_| malformed("a compressed part does not inflate".into()))?;
            if n == 0 {
                return Ok(None);
            }
            self.produced += n as u64;
            self.total.set(self.total.get() + n as u64);
            if self.produced > self.allowance {
                return Err(Refusal::TooLarge { measure: Measure::InflatedBytes, limit: self.limit });
            }
            self.pos = 0;
            self.len = n;
        }
        self.pos += 1;
        Ok(Some(self.buf[self.pos - 1]))
    }
}

fn uleb(s: &mut impl Source) -> Result<u64, Refusal> {
    let mut v: u64 = 0;
    for shift in (0..64).step_by(7) {
        let b = s.need()?;
        let part = u64::from(b & 0x7f);
        if shift == 63 && part > 1 {
            return Err(malformed("a number is too large".into()));
        }
        v |= part << shift;
        if b & 0x80 == 0 {
            return Ok(v);
        }
    }
    Err(malformed("a number is too large".into()))
}

fn sleb(s: &mut impl Source) -> Result<i64, Refusal> {
    let mut v: i64 = 0;
    let mut shift = 0;
    loop {
        let b = s.need()?;
        if shift == 63 && b != 0 && b != 0x7f {
            return Err(malformed("a number is too large".into()));
        }
        v |= i64::from(b & 0x7f) << shift;
        shift += 7;
        if b & 0x80 == 0 {
            if shift < 64 && b & 0x40 != 0 {
                v |= -1i64 << shift;
            }
            return Ok(v);
        }
        if shift >= 64 {
            return Err(malformed("a number is too large".into()));
        }
    }
}

/// A column's specification: id, type and the deflate bit.
#[derive(Debug, Clone, Copy)]
struct Column {
    spec: u32,
    len: u64,
}

impl Column {
    fn normal(&self) -> u32 {
        self.spec & !0b1000
    }
    fn deflated(&self) -> bool {
        self.spec & 0b1000 != 0
    }
    fn col_type(&self) -> u32 {
        self.spec & 0b111
    }
}

// Column specifications (id << 4 | type) of the columns whose rows or values the scan reads.
/// A change chunk's `action` column: one row per operation.
const CHANGE_ACTION: u32 = (4 << 4) | 2;
/// A document's op `id` actor column: one row per operation.
const DOC_OP_ID_ACTOR: u32 = (2 << 4) | 1;
/// A document's change `actor` column: one row per change.
const DOC_CHANGE_ACTOR: u32 = 1;
/// A document's change `max_op` column (delta).
const DOC_CHANGE_MAX_OP: u32 = (1 << 4) | 3;
/// A document's change `deps` count column (group).
const DOC_CHANGE_DEPS_COUNT: u32 = 4 << 4;
/// A document's change `deps` index column (delta).
const DOC_CHANGE_DEPS: u32 = (4 << 4) | 3;

const TYPE_BOOLEAN: u32 = 4;
const TYPE_STRING: u32 = 5;
const TYPE_VALUE: u32 = 7;
const TYPE_DELTA: u32 = 3;

fn columns(s: &mut impl Source) -> Result<Vec<Column>, Refusal> {
    let n = uleb(s)?;
    if n > MAX_COLUMNS {
        return Err(malformed(format!("a chunk claims {n} columns")));
    }
    let mut out = Vec::with_capacity(n as usize);
    let mut last = None;
    for _ in 0..n {
        let spec = u32::try_from(uleb(s)?).map_err(|_| malformed("a column specification is too large".into()))?;
        let len = uleb(s)?;
        let col = Column { spec, len };
        if last.is_some_and(|l| col.normal() < l) {
            return Err(malformed("columns are out of order".into()));
        }
        last = Some(col.normal());
        out.push(col);
    }
    Ok(out)
}

/// What a column's rows decode to, when the scan needs the values.
enum Values<'v> {
    Count,
    Unsigned(&'v mut Vec<u64>),
    Delta(&'v mut Vec<u64>),
}

struct Scanner<'c> {
    limits: Limits,
    counts: Counts,
    /// Every byte inflated so far, refused or not.
    inflated: &'c std::cell::Cell<u64>,
}

impl Scanner<'_> {
    fn add(&mut self, measure: Measure, n: u64) -> Result<(), Refusal> {
        let (count, limit) = match measure {
            Measure::Changes => (&mut self.counts.changes, self.limits.changes),
            Measure::Ops => (&mut self.counts.ops, self.limits.ops),
            Measure::InflatedBytes => (&mut self.counts.inflated_bytes, self.limits.inflated_bytes),
        };
        *count = count.saturating_add(n);
        if *count > limit {
            return Err(Refusal::TooLarge { measure, limit });
        }
        Ok(())
    }

    /// A change chunk's body (after the header), from a slice or an inflating stream.
    fn change(&mut self, s: &mut impl Source) -> Result<(), Refusal> {
        self.add(Measure::Changes, 1)?;
        let deps = uleb(s)?;
        s.skip(deps.checked_mul(32).ok_or_else(|| malformed("a change claims too many dependencies".into()))?)?;
        let actor = uleb(s)?;
        s.skip(actor)?;
        uleb(s)?; // seq
        uleb(s)?; // start op
        sleb(s)?; // time
        let message = uleb(s)?;
        s.skip(message)?;
        let others = uleb(s)?;
        for _ in 0..others {
            let len = uleb(s)?;
            s.skip(len)?;
        }
        let cols = columns(s)?;
        for col in cols {
            if col.deflated() {
                return Err(malformed("a change chunk has a compressed column".into()));
            }
            let rows = self.rows(&mut Take { inner: s, left: col.len }, col, Values::Count)?;
            if col.normal() == CHANGE_ACTION {
                self.add(Measure::Ops, rows)?;
            }
        }
        // Extra bytes after the columns are kept by automerge as they are.
        while s.byte()?.is_some() {}
        Ok(())
    }

    /// A document chunk's body (after the header).
    fn document(&mut self, header: usize, data: &[u8]) -> Result<(), Refusal> {
        let mut s = Slice::new(data);
        let actors = uleb(&mut s)?;
        for _ in 0..actors {
            let len = uleb(&mut s)?;
            s.skip(len)?;
        }
        let heads = uleb(&mut s)?;
        s.skip(heads.checked_mul(32).ok_or_else(|| malformed("a document claims too many heads".into()))?)?;
        let change_cols = columns(&mut s)?;
        let op_cols = columns(&mut s)?;
        // Everything but the columns counts as it is; each column as it inflates.
        let column_bytes = change_cols.iter().chain(&op_cols).try_fold(0u64, |sum, c| sum.checked_add(c.len));
        let rest = column_bytes.and_then(|c| (data.len() as u64).checked_sub(c));
        let rest = rest.ok_or_else(|| malformed("a document's columns claim more bytes than it has".into()))?;
        self.add(Measure::InflatedBytes, header as u64 + rest)?;

        let (mut max_ops, mut deps_count, mut deps) = (Vec::new(), Vec::new(), Vec::new());
        let mut changes = 0;
        for col in &change_cols {
            let values = match col.normal() {
                DOC_CHANGE_MAX_OP => Values::Delta(&mut max_ops),
                DOC_CHANGE_DEPS_COUNT => Values::Unsigned(&mut deps_count),
                DOC_CHANGE_DEPS => Values::Delta(&mut deps),
                _ => Values::Count,
            };
            let rows = self.column(&mut s, *col, values)?;
            if col.normal() == DOC_CHANGE_ACTOR {
                changes = rows;
                self.add(Measure::Changes, rows)?;
            }
        }
        let mut ops = 0;
        for col in &op_cols {
            let rows = self.column(&mut s, *col, Values::Count)?;
            if col.normal() == DOC_OP_ID_ACTOR {
                ops = rows;
            }
        }
        // Head indices, or nothing (older writers).
        if !s.rest().is_empty() {
            for _ in 0..heads {
                uleb(&mut s)?;
            }
            if !s.rest().is_empty() {
                return Err(malformed("a document chunk has bytes after its end".into()));
            }
        }
        // The operations each change claims (automerge reserves room for them): its max_op less
        // the largest max_op of its dependencies. Together they must be the document's ops.
        let n = usize::try_from(changes).expect("bounded by the change limit");
        if max_ops.len() != n || deps_count.len() != n {
            return Err(malformed("a document's change columns differ in length".into()));
        }
        let mut deps = deps.into_iter();
        let mut claimed: u64 = 0;
        for i in 0..n {
            let mut last = 0;
            for _ in 0..deps_count[i] {
                let dep = deps.next().ok_or_else(|| malformed("a document's change dependencies are cut short".into()))?;
                let dep = usize::try_from(dep)
                    .ok()
                    .filter(|d| *d < n)
                    .ok_or_else(|| malformed("a change depends on a change that is not there".into()))?;
                last = last.max(max_ops[dep]);
            }
            let own = max_ops[i].checked_sub(last).ok_or_else(|| malformed("a change's max_op is below its dependencies'".into()))?;
            claimed = claimed.saturating_add(own);
            if claimed > self.limits.ops {
                return Err(Refusal::TooLarge { measure: Measure::Ops, limit: self.limits.ops });
            }
        }
        // Deletions are not stored as rows (they are the successors of what they delete), so
        // the rows are at most what the changes claim.
        if ops > claimed {
            return Err(malformed(format!("a document holds {ops} operations but its changes claim {claimed}")));
        }
        self.add(Measure::Ops, claimed)
    }

    /// One document column: read from the slice, or inflated within the byte budget.
    fn column(&mut self, s: &mut Slice<'_>, col: Column, values: Values<'_>) -> Result<u64, Refusal> {
        let len = usize::try_from(col.len).map_err(|_| malformed("a column claims more bytes than are left".into()))?;
        let data = s.take(len)?;
        if !col.deflated() {
            self.add(Measure::InflatedBytes, data.len() as u64)?;
            return self.rows(&mut Slice::new(data), col, values);
        }
        let mut inflate =
            Inflate::new(data, self.limits.inflated_bytes - self.counts.inflated_bytes, self.limits.inflated_bytes, self.inflated);
        let rows = self.rows(&mut inflate, col, values)?;
        inflate.finish()?;
        self.add(Measure::InflatedBytes, inflate.produced)?;
        Ok(rows)
    }

    /// Counts a column's rows from its run lengths (refusing past the operation limit), reading
    /// every byte of it; decodes the values only when asked (then at most the limit of them).
    fn rows(&mut self, s: &mut impl Source, col: Column, mut values: Values<'_>) -> Result<u64, Refusal> {
        let cap = self.limits.ops;
        let too_many = || Refusal::TooLarge { measure: Measure::Ops, limit: cap };
        let mut rows: u64 = 0;
        match col.col_type() {
            TYPE_VALUE => while s.byte()?.is_some() {},
            TYPE_BOOLEAN => {
                while let Some(first) = s.byte()? {
                    let n = uleb(&mut Prefixed { first: Some(first), inner: s })?;
                    rows = rows.checked_add(n).filter(|r| *r <= cap).ok_or_else(too_many)?;
                }
            }
            t => {
                let string = t == TYPE_STRING;
                let delta = t == TYPE_DELTA;
                let mut acc: i64 = 0;
                let mut push = |values: &mut Values<'_>, v: Option<i64>, times: u64| -> Result<(), Refusal> {
                    let out = match values {
                        Values::Count => return Ok(()),
                        Values::Unsigned(out) | Values::Delta(out) => out,
                    };
                    for _ in 0..times {
                        let v = v.ok_or_else(|| malformed("a change column has a null".into()))?;
                        let v = if delta {
                            acc = acc.checked_add(v).ok_or_else(|| malformed("a number is too large".into()))?;
                            acc
                        } else {
                            v
                        };
                        out.push(u64::try_from(v).map_err(|_| malformed("a change column has a negative number".into()))?);
                    }
                    Ok(())
                };
                while let Some(first) = s.byte()? {
                    let n = sleb(&mut Prefixed { first: Some(first), inner: s })?;
                    if n > 0 {
                        rows = rows.checked_add(n as u64).filter(|r| *r <= cap).ok_or_else(too_many)?;
                        let v = value(s, string, delta)?;
                        push(&mut values, Some(v), n as u64)?;
                    } else if n < 0 {
                        let n = n.unsigned_abs();
                        rows = rows.checked_add(n).filter(|r| *r <= cap).ok_or_else(too_many)?;
                        for _ in 0..n {
                            let v = value(s, string, delta)?;
                            push(&mut values, Some(v), 1)?;
                        }
                    } else {
                        let n = uleb(s)?;
                        rows = rows.checked_add(n).filter(|r| *r <= cap).ok_or_else(too_many)?;
                        push(&mut values, None, n)?;
                    }
                }
            }
        }
        Ok(rows)
    }
}

/// One value of a run-length column: a number (signed for delta columns), or a string's bytes
/// (then 0 is returned).
fn value(s: &mut impl Source, string: bool, signed: bool) -> Result<i64, Refusal> {
    if string {
        let len = uleb(s)?;
        s.skip(len)?;
        return Ok(0);
    }
    if signed {
        sleb(s)
    } else {
        i64::try_from(uleb(s)?).map_err(|_| malformed("a number is too large".into()))
    }
}

/// A source with one byte already read put back in front.
struct Prefixed<'s, S: Source> {
    first: Option<u8>,
    inner: &'s mut S,
}

impl<S: Source> Source for Prefixed<'_, S> {
    fn byte(&mut self) -> Result<Option<u8>, Refusal> {
        match self.first.take() {
            Some(b) => Ok(Some(b)),
            None => self.inner.byte(),
        }
    }
}

/// Hostile bytes for tests: real bombs, built cheaply (a DEFLATE stream of zeros is one
/// compressed megabyte repeated), with the chunk headers and checksums automerge expects.
#[cfg(any(test, feature = "bombs"))]
pub mod bombs {
    use flate2::{Compress, Compression, FlushCompress};
    use sha2::{Digest, Sha256};

    use super::{write_uleb, MAGIC};

    const MIB: usize = 1024 * 1024;

    fn deflate(c: &mut Compress, input: &[u8], flush: FlushCompress) -> Vec<u8> {
        let mut out = Vec::with_capacity(input.len() / 100 + 1024);
        let start = c.total_in();
        loop {
            let consumed = (c.total_in() - start) as usize;
            out.reserve(64 * 1024);
            let status = c.compress_vec(&input[consumed..], &mut out, flush).expect("deflate");
            if (c.total_in() - start) as usize == input.len() && (status == flate2::Status::StreamEnd || out.capacity() > out.len()) {
                return out;
            }
        }
    }

    /// A raw DEFLATE stream of `prefix` followed by `zero_mib` MiB of zeros.
    pub fn deflated_zeros(prefix: &[u8], zero_mib: usize) -> Vec<u8> {
        let mut c = Compress::new(Compression::best(), false);
        let mut out = deflate(&mut c, prefix, FlushCompress::Full);
        let segment = deflate(&mut c, &vec![0; MIB], FlushCompress::Full);
        for _ in 0..zero_mib {
            out.extend_from_slice(&segment);
        }
        out.extend(deflate(&mut c, &[], FlushCompress::Finish));
        out
    }

    fn chunk(kind: u8, checksum: [u8; 4], data: &[u8]) -> Vec<u8> {
        let mut out = MAGIC.to_vec();
        out.extend(checksum);
        out.push(kind);
        write_uleb(&mut out, data.len() as u64);
        out.extend(data);
        out
    }

    fn checksum(kind: u8, parts: &[&[u8]], zero_bytes: u64) -> [u8; 4] {
        let len = parts.iter().map(|p| p.len() as u64).sum::<u64>() + zero_bytes;
        let mut h = Sha256::new();
        h.update([kind]);
        let mut l = Vec::new();
        write_uleb(&mut l, len);
        h.update(&l);
        for p in parts {
            h.update(p);
        }
        let zeros = vec![0u8; MIB];
        let mut left = zero_bytes;
        while left > 0 {
            let n = left.min(MIB as u64) as usize;
            h.update(&zeros[..n]);
            left -= n as u64;
        }
        h.finalize()[..4].try_into().expect("four bytes")
    }

    /// The start of a change chunk's body with the given columns (spec, length).
    fn change_prefix(columns: &[(u32, u64)]) -> Vec<u8> {
        let mut p = vec![0]; // no dependencies
        p.push(16);
        p.extend([0x5a; 16]); // actor
        p.extend([1, 1, 0, 0, 0]); // seq 1, start op 1, time 0, no message, no other actors
        write_uleb(&mut p, columns.len() as u64);
        for (spec, len) in columns {
            write_uleb(&mut p, u64::from(*spec));
            write_uleb(&mut p, *len);
        }
        p
    }

    /// A compressed change chunk (type 2) whose body inflates to `inflated_mib` MiB and a few
    /// bytes: one value column of zeros. The checksum is the inflated change's, as automerge
    /// checks it (after inflating everything).
    pub fn compressed_change(inflated_mib: usize) -> Vec<u8> {
        let zeros = (inflated_mib * MIB) as u64;
        let prefix = change_prefix(&[((5 << 4) | 7, zeros)]);
        let sum = checksum(1, &[&prefix], zeros);
        chunk(2, sum, &deflated_zeros(&prefix, inflated_mib))
    }

    /// A document chunk with one DEFLATE-compressed op column that inflates to `inflated_mib`
    /// MiB of zeros.
    pub fn document_column(inflated_mib: usize) -> Vec<u8> {
        let column = deflated_zeros(&[], inflated_mib);
        let mut data = vec![1, 16];
        data.extend([0x5b; 16]); // one actor
        data.push(0); // no heads
        data.push(0); // no change columns
        data.push(1); // one op column: values, deflated
        write_uleb(&mut data, (5 << 4) | 7 | 8);
        write_uleb(&mut data, column.len() as u64);
        data.extend(&column);
        chunk(0, checksum(0, &[&data], 0), &data)
    }

    /// An uncompressed change chunk whose columns claim `rows` operations in a few dozen bytes
    /// (run-length runs: a key, not inserted, `set`, a null value, no predecessors).
    pub fn rle_rows(rows: u64) -> Vec<u8> {
        let run = |value: &[u8]| {
            let mut c = Vec::new();
            write_sleb(&mut c, rows as i64);
            c.extend(value);
            c
        };
        let mut insert = vec![];
        write_uleb(&mut insert, rows);
        let cols: Vec<(u32, Vec<u8>)> = vec![
            ((1 << 4) | 5, run(&[1, b'k'])),
            ((3 << 4) | 4, insert),
            ((4 << 4) | 2, run(&[1])),
            ((5 << 4) | 6, run(&[0])),
            (7 << 4, run(&[0])),
        ];
        let mut data = change_prefix(&cols.iter().map(|(s, c)| (*s, c.len() as u64)).collect::<Vec<_>>());
        for (_, c) in &cols {
            data.extend(c);
        }
        chunk(1, checksum(1, &[&data], 0), &data)
    }

    fn write_sleb(out: &mut Vec<u8>, mut v: i64) {
        loop {
            let b = (v & 0x7f) as u8;
            v >>= 7;
            if (v == 0 && b & 0x40 == 0) || (v == -1 && b & 0x40 != 0) {
                out.push(b);
                return;
            }
            out.push(b | 0x80);
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::document::RecordDoc;
    use crate::visit::tests::respite;
    use crate::visit::Visit;
    use automerge::ActorId;
    use proptest::prelude::*;
    use std::time::{Duration, Instant};

    /// What automerge itself reports for `bytes`: changes and the sum of their operations.
    fn automerge_counts(bytes: &[u8]) -> (u64, u64) {
        let mut doc = automerge::AutoCommit::load(bytes).expect("Carebook's own bytes load");
        let changes = doc.get_changes(&[]);
        (changes.len() as u64, changes.iter().map(|c| c.len() as u64).sum())
    }

    #[derive(Debug, Clone)]
    enum Edit {
        Place(String),
        Note(String),
        Plan(String),
        /// Fork on another device, edit there, merge back.
        Fork(String),
    }

    fn edit() -> impl Strategy<Value = Edit> {
        let text = "[a-zあ-ん見本架空 ]{0,40}";
        prop_oneof![
            text.prop_map(Edit::Place),
            text.prop_map(Edit::Note),
            "[a-z見本]{0,400}".prop_map(Edit::Plan),
            text.prop_map(Edit::Fork),
        ]
    }

    fn apply(doc: &mut RecordDoc<Visit>, e: &Edit) {
        match e {
            Edit::Place(t) => doc.change(|v| v.place = t.clone()),
            Edit::Note(t) => doc.change(|v| v.note.subjective.update(t.as_str())),
            Edit::Plan(t) => doc.change(|v| v.note.plan.update(t.as_str())),
            Edit::Fork(t) => {
                let id = doc.value().id.to_string();
                let mut other = RecordDoc::<Visit>::load(&id, &doc.save(), ActorId::random()).unwrap();
                other.change(|v| v.note.objective.update(t.as_str()));
                doc.change(|v| v.place = format!("{t}宅"));
                doc.merge(&mut other).unwrap();
            }
        }
    }

    proptest! {
        #![proptest_config(ProptestConfig::with_cases(48))]
        /// Every document Carebook saves passes with the counts automerge reports, whole or as
        /// its changes (compressed where they are large enough), so the bound never refuses real
        /// data that is under it.
        #[test]
        fn every_saved_document_passes_with_automerges_counts(edits in proptest::collection::vec(edit(), 0..30)) {
            let mut doc = RecordDoc::create(respite("2026-05-01T09:00", "2026-05-01T12:00"), ActorId::random());
            for e in &edits {
                apply(&mut doc, e);
            }
            let saved = doc.save();
            let (changes, ops) = automerge_counts(&saved);
            let counts = scan(&saved, &Limits::DEFAULT).unwrap();
            prop_assert_eq!((counts.changes, counts.ops, counts.chunks), (changes, ops, 1));
            prop_assert!(counts.inflated_bytes >= saved.len() as u64);
            let saved_inflated = counts.inflated_bytes;

            // The same document as change chunks, as `save_after` and a device's changes travel.
            let mut as_changes = Vec::new();
            for mut c in doc.automerge().get_changes(&[]) {
                as_changes.extend_from_slice(&c.bytes());
            }
            let counts = scan(&as_changes, &Limits::DEFAULT).unwrap();
            prop_assert_eq!((counts.changes, counts.ops, counts.chunks), (changes, ops, changes));

            // Exactly at the limits it passes; one below, it is refused naming the limit.
            let exact = Limits { inflated_bytes: counts.inflated_bytes, changes, ops };
            prop_assert_eq!(scan(&as_changes, &exact).map(|c| c.ops), Ok(ops));
            prop_assert_eq!(scan(&saved, &Limits { inflated_bytes: saved_inflated, ..exact }).map(|c| c.ops), Ok(ops));
            let fewer = Limits { changes: changes - 1, ..exact };
            prop_assert_eq!(scan(&as_changes, &fewer).unwrap_err(), Refusal::TooLarge { measure: Measure::Changes, limit: changes - 1 });
            let fewer = Limits { ops: ops - 1, inflated_bytes: saved_inflated, ..exact };
            prop_assert_eq!(scan(&saved, &fewer).unwrap_err(), Refusal::TooLarge { measure: Measure::Ops, limit: ops - 1 });
        }
    }

    #[test]
    fn a_large_change_travels_compressed_and_counts_its_inflated_bytes() {
        let mut doc = RecordDoc::create(respite("2026-05-01T09:00", "2026-05-01T12:00"), ActorId::random());
        doc.change(|v| v.note.plan.update("見本の計画。".repeat(2000)));
        let mut bytes = Vec::new();
        for mut c in doc.automerge().get_changes(&[]) {
            bytes.extend_from_slice(&c.bytes());
        }
        let kinds: Vec<u8> = {
            let mut kinds = Vec::new();
            let mut pos = 0;
            while pos < bytes.len() {
                let mut s = Slice::new(&bytes[pos + 9..]);
                let len = uleb(&mut s).unwrap() as usize;
                kinds.push(bytes[pos + 8]);
                pos += 9 + s.pos + len;
            }
            kinds
        };
        assert!(kinds.contains(&2), "the large change is a compressed chunk: {kinds:?}");
        let counts = scan(&bytes, &Limits::DEFAULT).unwrap();
        assert!(counts.inflated_bytes > bytes.len() as u64 + 30_000, "{counts:?} from {} bytes", bytes.len());
        assert_eq!((counts.changes, counts.ops), automerge_counts(&bytes));
        let small = Limits { inflated_bytes: bytes.len() as u64 + 1000, ..Limits::DEFAULT };
        assert_eq!(scan(&bytes, &small).unwrap_err(), Refusal::TooLarge { measure: Measure::InflatedBytes, limit: small.inflated_bytes });
    }

    fn quickly<T>(f: impl FnOnce() -> T) -> T {
        let start = Instant::now();
        let out = f();
        // Generous: a bomb is refused after inflating at most the limit.
        assert!(start.elapsed() < Duration::from_secs(10), "took {:?}", start.elapsed());
        out
    }

    #[test]
    fn a_compressed_change_that_inflates_to_two_gibibytes_is_refused_at_the_byte_limit() {
        let bomb = bombs::compressed_change(2048);
        assert!(bomb.len() < 3 * 1024 * 1024, "{} bytes", bomb.len());
        let err = quickly(|| scan(&bomb, &Limits::DEFAULT)).unwrap_err();
        assert_eq!(err, Refusal::TooLarge { measure: Measure::InflatedBytes, limit: 32 * 1024 * 1024 });
        assert!(err.to_string().contains("expected at most 33554432 bytes once inflated, got more"), "{err}");
        assert!(err.to_string().starts_with("記録が大きすぎます"), "{err}");
        // A small one with the same shape is whole: the bomb is refused for its size alone.
        let small = bombs::compressed_change(1);
        // Header: magic, checksum, type, a two-byte length; body: 28 bytes of change fields and column
        // metadata, then the column.
        assert!(small.len() < 16_384);
        assert_eq!(scan(&small, &Limits::DEFAULT).unwrap().inflated_bytes, 4 + 4 + 1 + 2 + 28 + 1024 * 1024);
    }

    #[test]
    fn the_metered_scan_counts_what_a_refused_bomb_cost() {
        let bomb = bombs::compressed_change(64);
        let mut work = 0;
        let limits = Limits { inflated_bytes: 4 * 1024 * 1024, ..Limits::DEFAULT };
        assert!(scan_metered(&bomb, &limits, &mut work).is_err());
        // The input, and at most one buffer past the 4 MiB allowance.
        assert!((4 * 1024 * 1024..4 * 1024 * 1024 + 16 * 1024 + 2 * bomb.len() as u64).contains(&work), "{work}");
        let fine = bombs::compressed_change(1);
        let before = work;
        let counts = scan_metered(&fine, &limits, &mut work).unwrap();
        assert_eq!(work - before, fine.len() as u64 + 28 + 1024 * 1024);
        assert_eq!(counts.inflated_bytes, 4 + 4 + 1 + 2 + 28 + 1024 * 1024);
    }

    #[test]
    fn a_document_with_a_deflated_column_bomb_is_refused_at_the_byte_limit() {
        let bomb = bombs::document_column(2048);
        let err = quickly(|| scan(&bomb, &Limits::DEFAULT)).unwrap_err();
        assert_eq!(err, Refusal::TooLarge { measure: Measure::InflatedBytes, limit: Limits::DEFAULT.inflated_bytes });
    }

    #[test]
    fn a_run_length_row_bomb_is_refused_without_counting_each_row() {
        let bomb = bombs::rle_rows(1 << 40);
        assert!(bomb.len() < 200, "{} bytes", bomb.len());
        let err = quickly(|| scan(&bomb, &Limits::DEFAULT)).unwrap_err();
        assert_eq!(err, Refusal::TooLarge { measure: Measure::Ops, limit: 100_000 });
        assert!(err.to_string().contains("expected at most 100000 operations, got more"), "{err}");
        // The same shape under the limit counts its rows as operations.
        let fine = bombs::rle_rows(1000);
        assert_eq!(scan(&fine, &Limits::DEFAULT).unwrap().ops, 1000);
        assert_eq!(
            scan(&fine, &Limits { ops: 999, ..Limits::DEFAULT }).unwrap_err(),
            Refusal::TooLarge { measure: Measure::Ops, limit: 999 }
        );
    }

    #[test]
    fn a_document_whose_changes_claim_more_operations_than_it_holds_is_refused() {
        let saved = RecordDoc::create(respite("2026-05-01T09:00", "2026-05-01T12:00"), ActorId::random()).save();
        let ops = scan(&saved, &Limits::DEFAULT).unwrap().ops;
        // Rewrite the one change's max_op (a delta column of one row) to claim 10 million.
        let doc = automerge::Automerge::load(&saved).unwrap();
        assert_eq!(doc.get_changes(&[]).len(), 1);
        let claimed = rewrite_max_op(&saved, 10_000_000);
        assert_eq!(scan(&claimed, &Limits::DEFAULT).unwrap_err(), Refusal::TooLarge { measure: Measure::Ops, limit: 100_000 });
        let err = scan(&rewrite_max_op(&saved, ops - 1), &Limits::DEFAULT).unwrap_err();
        assert!(matches!(&err, Refusal::Malformed(m) if m.contains("claim")), "{err}");
        assert_eq!(scan(&rewrite_max_op(&saved, ops), &Limits::DEFAULT).unwrap().ops, ops);
    }

    /// `saved` (one uncompressed document chunk of one change) with the change's max_op set to
    /// `max_op`, checksum recomputed.
    fn rewrite_max_op(saved: &[u8], max_op: u64) -> Vec<u8> {
        let mut s = Slice::new(&saved[9..]);
        let len = uleb(&mut s).unwrap() as usize;
        let data = &saved[9 + s.pos..9 + s.pos + len];
        let mut d = Slice::new(data);
        for _ in 0..uleb(&mut d).unwrap() {
            let l = uleb(&mut d).unwrap();
            d.skip(l).unwrap();
        }
        let heads = uleb(&mut d).unwrap();
        d.skip(heads * 32).unwrap();
        let meta_start = d.pos;
        let change_cols = columns(&mut d).unwrap();
        let op_cols = columns(&mut d).unwrap();
        let data_start = d.pos;
        let mut out_cols = Vec::new();
        let mut col_data = Vec::new();
        for c in &change_cols {
            let bytes = d.take(c.len as usize).unwrap();
            assert!(!c.deflated());
            let bytes = if c.normal() == DOC_CHANGE_MAX_OP {
                let mut b = vec![1];
                let mut v = Vec::new();
                write_uleb(&mut v, max_op); // small positive: the same bytes as sleb for < 2^62 without the sign bit
                if v.last().unwrap() & 0x40 != 0 {
                    if let Some(l) = v.last_mut() {
                        *l |= 0x80;
                    }
                    v.push(0);
                }
                b.extend(v);
                b
            } else {
                bytes.to_vec()
            };
            out_cols.push((c.spec, bytes.len() as u64));
            col_data.extend(bytes);
        }
        let mut body = data[..meta_start].to_vec();
        write_uleb(&mut body, out_cols.len() as u64);
        for (spec, len) in &out_cols {
            write_uleb(&mut body, u64::from(*spec));
            write_uleb(&mut body, *len);
        }
        write_uleb(&mut body, op_cols.len() as u64);
        for c in &op_cols {
            write_uleb(&mut body, u64::from(c.spec));
            write_uleb(&mut body, c.len);
        }
        let _ = data_start;
        body.extend(col_data);
        body.extend(d.rest());
        let mut out = MAGIC.to_vec();
        let mut h = Sha256::new();
        let mut l = Vec::new();
        write_uleb(&mut l, body.len() as u64);
        h.update([0]);
        h.update(&l);
        h.update(&body);
        out.extend(&h.finalize()[..4]);
        out.push(0);
        out.extend(l);
        out.extend(body);
        out
    }

    #[test]
    fn what_carebook_never_writes_is_refused_by_name() {
        let saved = RecordDoc::create(respite("2026-05-01T09:00", "2026-05-01T12:00"), ActorId::random()).save();
        let mut junk = saved.clone();
        junk.extend(b"xyz");
        assert!(matches!(scan(&junk, &Limits::DEFAULT), Err(Refusal::Malformed(m)) if m.contains("chunk 2 does not start")));
        let mut bundle = saved.clone();
        bundle[8] = 3;
        assert!(matches!(scan(&bundle, &Limits::DEFAULT), Err(Refusal::Malformed(m)) if m.contains("bundle")));
        let mut unknown = saved.clone();
        unknown[8] = 9;
        assert!(matches!(scan(&unknown, &Limits::DEFAULT), Err(Refusal::Malformed(m)) if m.contains("unknown type 9")));
        let mut flipped = saved.clone();
        let last = flipped.len() - 1;
        flipped[last] ^= 1;
        assert!(scan(&flipped, &Limits::DEFAULT).is_err());
        assert!(
            matches!(scan(&saved[..saved.len() - 2], &Limits::DEFAULT), Err(Refusal::Malformed(m)) if m.contains("more than are left"))
        );
        assert_eq!(scan(&[], &Limits::DEFAULT).unwrap(), Counts::default());
    }
}
