//! When a failed delivery is tried again: exponential backoff with jitter, a `Retry-After` honoured,
//! and a budget of attempts after which the effect becomes an incident.

use std::time::Duration;

/// How deliveries are retried.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct RetryPolicy {
    /// Attempts per effect before it becomes an incident.
    pub budget: u32,
    /// The wait after the first failure; it doubles with each one.
    pub base: Duration,
    /// The longest wait.
    pub max: Duration,
}

impl Default for RetryPolicy {
    /// 10 attempts over about 9 hours: 30 s, 1 min, 2 min, … up to 4 hours.
    fn default() -> RetryPolicy {
        RetryPolicy { budget: 10, base: Duration::from_secs(30), max: Duration::from_secs(4 * 3600) }
    }
}

impl RetryPolicy {
    /// The wait after failed attempt `attempt` (from 1) of effect `effect_id`: `base · 2^(attempt-1)`,
    /// capped at `max`, then scaled by a jitter between 50% and 100% so that effects that failed
    /// together do not all come back together. The jitter is drawn from the effect and attempt, so
    /// it is reproducible.
    pub fn wait(&self, effect_id: i64, attempt: u32) -> Duration {
        let doubled = self.base.saturating_mul(1u32 << attempt.saturating_sub(1).min(20));
        let capped = doubled.min(self.max);
        let unit = (mix(effect_id as u64 ^ (u64::from(attempt) << 40)) >> 11) as f64 / (1u64 << 53) as f64;
        capped.mul_f64(0.5 + unit / 2.0)
    }

    /// The wait a throttled call asked for (capped at `max`), or the backoff when it named none.
    pub fn throttled(&self, effect_id: i64, attempt: u32, retry_after: Option<Duration>) -> Duration {
        retry_after.map_or_else(|| self.wait(effect_id, attempt), |asked| asked.min(self.max))
    }

    /// Whether attempt `attempt` was the last the budget allows.
    pub fn spent(&self, attempt: u32) -> bool {
        attempt >= self.budget
    }
}

/// SplitMix64: a well-spread 64-bit hash of `x`.
fn mix(x: u64) -> u64 {
    let mut z = x.wrapping_add(0x9E37_79B9_7F4A_7C15);
    z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
    z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
    z ^ (z >> 31)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn waits_double_within_their_jitter_and_stop_at_the_cap() {
        let policy = RetryPolicy { budget: 5, base: Duration::from_secs(10), max: Duration::from_secs(60) };
        for effect in 1..200 {
            for (attempt, full) in [(1, 10), (2, 20), (3, 40), (4, 60), (9, 60)] {
                let wait = policy.wait(effect, attempt);
                assert!(wait >= Duration::from_secs(full) / 2 && wait <= Duration::from_secs(full), "{wait:?}");
            }
        }
        let spread: std::collections::BTreeSet<_> = (1..50).map(|e| policy.wait(e, 3)).collect();
        assert!(spread.len() > 40, "effects failing together come back at different times");
        assert_eq!(policy.wait(7, 3), policy.wait(7, 3));
    }

    #[test]
    fn a_retry_after_is_honoured_up_to_the_cap_and_the_budget_counts_attempts() {
        let policy = RetryPolicy { budget: 3, base: Duration::from_secs(10), max: Duration::from_secs(60) };
        assert_eq!(policy.throttled(1, 1, Some(Duration::from_secs(42))), Duration::from_secs(42));
        assert_eq!(policy.throttled(1, 1, Some(Duration::from_secs(4200))), Duration::from_secs(60));
        assert_eq!(policy.throttled(1, 1, None), policy.wait(1, 1));
        assert!(!policy.spent(2));
        assert!(policy.spent(3));
    }
}
