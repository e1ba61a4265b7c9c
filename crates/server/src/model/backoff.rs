//! The login back-off's arithmetic: how long a key waits after its counted failures, in Rust
//! ([`backoff_ms`]) and as the SQL the storage counts attempts with ([`backoff_sql`]).

use std::time::Duration;

use carebook_domain::backoff::Backoff;

/// The window failures count in: a key quiet this long starts again from zero.
pub(crate) const FAILURE_WINDOW_MS: i64 = 15 * 60 * 1000;
/// The first back-off, doubled with each further failure.
pub(crate) const FIRST_BACKOFF_MS: i64 = 1000;
/// The longest back-off.
pub(crate) const MAX_BACKOFF_MS: i64 = 15 * 60 * 1000;

/// How long the next attempt under a key waits after `failures` counted attempts: nothing
/// below `free`, then [`FIRST_BACKOFF_MS`], doubling with each further failure, at most
/// [`MAX_BACKOFF_MS`].
/// (The one back-off shape, `carebook_domain::backoff`, in milliseconds.)
pub(crate) fn backoff_ms(failures: i64, free: i64) -> i64 {
    let shape = Backoff {
        free: free.max(0) as u64,
        first: Duration::from_millis(FIRST_BACKOFF_MS as u64),
        max: Duration::from_millis(MAX_BACKOFF_MS as u64),
    };
    shape.wait(failures.max(0) as u64).as_millis() as i64
}

/// [`backoff_ms`] as an SQL expression of the count `n` and the free failures `free` (both SQL
/// expressions), for the one statement that counts an attempt: a `CASE` over each doubling up
/// to the longest back-off. Written for SQLite and PostgreSQL alike.
pub(crate) fn backoff_sql(n: &str, free: &str) -> String {
    let mut sql = format!("CASE WHEN {n} < {free} THEN 0");
    let mut over = 0;
    while backoff_ms(over, 0) < MAX_BACKOFF_MS {
        sql.push_str(&format!(" WHEN {n} = {free} + {over} THEN {}", backoff_ms(over, 0)));
        over += 1;
    }
    sql.push_str(&format!(" ELSE {MAX_BACKOFF_MS} END"));
    sql
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn five_failures_are_free_then_the_wait_doubles_up_to_fifteen_minutes() {
        assert_eq!((backoff_ms(4, 5), backoff_ms(5, 5), backoff_ms(6, 5), backoff_ms(7, 5)), (0, 1000, 2000, 4000));
        assert_eq!(backoff_ms(14, 5), 512_000);
        assert_eq!(backoff_ms(15, 5), MAX_BACKOFF_MS, "1024 s would pass 15 minutes");
        assert_eq!(backoff_ms(500, 5), MAX_BACKOFF_MS);
        assert_eq!((backoff_ms(19, 20), backoff_ms(20, 20), backoff_ms(21, 20)), (0, 1000, 2000));
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
        let sql = backoff_sql("n", "f");
        for free in [1, 5, 20] {
            for n in 0..60 {
                assert_eq!(eval_case(&sql, n, free), backoff_ms(n, free), "n = {n}, free = {free}");
            }
        }
    }
}
