//! The login back-off's arithmetic: how long a key waits after its counted failures, in Rust
//! ([`backoff_ms`]) and as the SQL the storage counts attempts with ([`backoff_sql`]).

/// The window failures count in: a key quiet this long starts again from zero.
pub(crate) const FAILURE_WINDOW_MS: i64 = 15 * 60 * 1000;
/// The first back-off, doubled with each further failure (the default of
/// `Config::login_first_backoff_ms`).
pub(crate) const FIRST_BACKOFF_MS: i64 = 1000;
/// The longest back-off.
pub(crate) const MAX_BACKOFF_MS: i64 = 15 * 60 * 1000;
/// Doublings enough to take any first back-off of at least 1 ms past [`MAX_BACKOFF_MS`].
const MAX_DOUBLINGS: i64 = 20;

/// A key's back-off: its free failures and its first wait.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) struct BackoffShape {
    /// Failures that cost no wait.
    pub free: i64,
    /// The first wait, milliseconds.
    pub first_ms: i64,
}

/// How long the next attempt under a key waits after `failures` counted attempts: nothing
/// below `free`, then `first_ms`, doubling with each further failure, at most
/// [`MAX_BACKOFF_MS`].
/// (The one back-off shape, `carebook_domain::backoff`, in milliseconds; the SQL of
/// [`backoff_sql`] is tested against it.)
#[cfg(test)]
pub(crate) fn backoff_ms(failures: i64, free: i64, first_ms: i64) -> i64 {
    use carebook_domain::backoff::Backoff;
    use std::time::Duration;
    let shape = Backoff {
        free: free.max(0) as u64,
        first: Duration::from_millis(first_ms.max(0) as u64),
        max: Duration::from_millis(MAX_BACKOFF_MS as u64),
    };
    shape.wait(failures.max(0) as u64).as_millis() as i64
}

/// The doubling factor of [`backoff_ms`] as an SQL `CASE` of the count `n` and the free failures
/// `free` (SQL expressions): 0 below `free`, then 1, 2, 4 … up to 2^[`MAX_DOUBLINGS`].
fn factor_sql(n: &str, free: &str) -> String {
    let mut sql = format!("CASE WHEN {n} < {free} THEN 0");
    for over in 0..MAX_DOUBLINGS {
        sql.push_str(&format!(" WHEN {n} = {free} + {over} THEN {}", 1i64 << over));
    }
    sql.push_str(&format!(" ELSE {} END", 1i64 << MAX_DOUBLINGS));
    sql
}

/// [`backoff_ms`] as an SQL expression of the count `n`, the free failures `free` and the first
/// back-off `first` (all SQL expressions), for the one statement that counts an attempt: the
/// doubling factor times the first back-off, at most the longest. Written for SQLite and
/// PostgreSQL alike.
pub(crate) fn backoff_sql(n: &str, free: &str, first: &str) -> String {
    let wait = format!("({}) * ({first})", factor_sql(n, free));
    format!("CASE WHEN {wait} > {MAX_BACKOFF_MS} THEN {MAX_BACKOFF_MS} ELSE {wait} END")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn five_failures_are_free_then_the_wait_doubles_up_to_fifteen_minutes() {
        let b = |n, free| backoff_ms(n, free, FIRST_BACKOFF_MS);
        assert_eq!((b(4, 5), b(5, 5), b(6, 5), b(7, 5)), (0, 1000, 2000, 4000));
        assert_eq!(b(14, 5), 512_000);
        assert_eq!(b(15, 5), MAX_BACKOFF_MS, "1024 s would pass 15 minutes");
        assert_eq!(b(500, 5), MAX_BACKOFF_MS);
        assert_eq!((b(19, 20), b(20, 20), b(21, 20)), (0, 1000, 2000));
        assert_eq!((backoff_ms(5, 5, 600_000), backoff_ms(6, 5, 600_000)), (600_000, MAX_BACKOFF_MS), "10 min, then the cap");
    }

    /// Evaluates [`backoff_sql`] the way a database would, for whole numbers.
    fn eval_backoff(sql: &str, n: i64, free: i64, first: i64) -> i64 {
        let rest = sql.strip_prefix("CASE WHEN (").unwrap();
        let (factor, tail) = rest.split_once(") * (first) > ").unwrap();
        assert_eq!(tail, format!("{MAX_BACKOFF_MS} THEN {MAX_BACKOFF_MS} ELSE ({factor}) * (first) END"));
        (eval_case(factor, n, free) * first).min(MAX_BACKOFF_MS)
    }

    /// Evaluates the SQL `CASE` the way a database would, for whole numbers.
    fn eval_case(sql: &str, n: i64, free: i64) -> i64 {
        let body = sql.strip_prefix("CASE ").and_then(|s| s.strip_suffix(" END")).unwrap();
        let (whens, otherwise) = body.rsplit_once(" ELSE ").unwrap();
        for when in whens.split("WHEN ").filter(|w| !w.trim().is_empty()) {
            let (cond, then) = when.trim().split_once(" THEN ").unwrap();
            let hit = if let Some(rhs) = cond.strip_prefix("n < ") {
                assert_eq!(rhs, "f");
                n < free
            } else {
                let over: i64 = cond.strip_prefix("n = f + ").unwrap().parse().unwrap();
                n == free + over
            };
            if hit {
                return then.trim().parse().unwrap();
            }
        }
        otherwise.parse().unwrap()
    }

    #[test]
    fn the_sql_back_off_is_the_same_arithmetic() {
        let sql = backoff_sql("n", "f", "first");
        for first in [1, 250, FIRST_BACKOFF_MS, 600_000] {
            for free in [1, 5, 20] {
                for n in 0..60 {
                    assert_eq!(eval_backoff(&sql, n, free, first), backoff_ms(n, free, first), "n = {n}, free = {free}, first = {first}");
                }
            }
        }
    }
}
