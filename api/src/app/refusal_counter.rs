//! How many requests each caller has had refused this minute: what caps the rows a caller writes to
//! the security log (`refusals.rs`), so that a flood of refusals cannot fill the database.

use std::collections::HashMap;
use std::sync::Mutex;

/// The most rows one caller writes to the security log in a minute.
pub const ROWS_PER_MINUTE: u32 = 30;

/// Counts each caller's refusals per minute, to cap the rows they write.
#[derive(Debug, Default)]
pub struct RefusalCounter {
    minutes: Mutex<HashMap<String, (i64, u32)>>,
}

impl RefusalCounter {
    /// Counts a refusal of `actor` in `minute`; whether it may still be written as a row.
    pub fn admit(&self, actor: &str, minute: i64) -> bool {
        let mut minutes = self.minutes.lock().unwrap_or_else(std::sync::PoisonError::into_inner);
        if minutes.len() > 10_000 {
            minutes.retain(|_, (seen, _)| *seen == minute);
        }
        let entry = minutes.entry(actor.to_owned()).or_insert((minute, 0));
        if entry.0 != minute {
            *entry = (minute, 0);
        }
        entry.1 += 1;
        entry.1 <= ROWS_PER_MINUTE
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_caller_writes_at_most_the_rows_of_a_minute_and_again_the_next() {
        let counter = RefusalCounter::default();
        let admitted = (0..ROWS_PER_MINUTE + 5).filter(|_| counter.admit("citizen X", 7)).count();
        assert_eq!(admitted, ROWS_PER_MINUTE as usize);
        assert!(counter.admit("citizen Y", 7), "another caller has a budget of their own");
        assert!(counter.admit("citizen X", 8), "a new minute, a new budget");
    }
}
