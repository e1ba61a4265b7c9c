//! The one back-off shape: a number of free tries, then a first wait that doubles with each
//! further failure, up to a longest wait. The server's login back-off, the app's PIN lock and
//! the device's sync loop all use it (with their own numbers).

use std::time::Duration;

/// Free tries, then `first` doubling per failure, at most `max`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Backoff {
    /// Failures that cost no wait.
    pub free: u64,
    /// The wait after the first failure past the free ones.
    pub first: Duration,
    /// The longest wait.
    pub max: Duration,
}

impl Backoff {
    /// The wait after `failures` failures in a row: zero while `failures < free`, then
    /// `first × 2^(failures − free)`, at most `max`.
    pub fn wait(&self, failures: u64) -> Duration {
        if failures < self.free {
            return Duration::ZERO;
        }
        let doublings = (failures - self.free).min(63) as u32;
        let factor = 1u64.checked_shl(doublings).unwrap_or(u64::MAX);
        let first = u64::try_from(self.first.as_millis()).unwrap_or(u64::MAX);
        Duration::from_millis(first.saturating_mul(factor)).min(self.max)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn s(n: u64) -> Duration {
        Duration::from_secs(n)
    }

    #[test]
    fn free_failures_cost_nothing_then_the_wait_doubles_up_to_the_maximum() {
        let b = Backoff { free: 5, first: s(30), max: s(900) };
        let waits: Vec<u64> = (0..12).map(|n| b.wait(n).as_secs()).collect();
        assert_eq!(waits, [0, 0, 0, 0, 0, 30, 60, 120, 240, 480, 900, 900]);
    }

    #[test]
    fn with_no_free_failures_the_first_wait_comes_before_any_failure() {
        let b = Backoff { free: 0, first: s(60), max: s(300) };
        assert_eq!([b.wait(0), b.wait(1), b.wait(2), b.wait(3)], [s(60), s(120), s(240), s(300)]);
    }

    #[test]
    fn a_huge_count_of_failures_waits_the_maximum_without_overflowing() {
        let b = Backoff { free: 0, first: Duration::from_millis(1000), max: s(900) };
        for n in [40, 63, 64, 1_000, u64::MAX] {
            assert_eq!(b.wait(n), s(900), "{n} failures");
        }
    }
}
