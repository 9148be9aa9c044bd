//! The one retry policy of commands that lose a race on their case: another command moved the case
//! between this one's read and its write (possible only on PostgreSQL, where commands run side by
//! side), so the write found the case row changed and wrote nothing. Such a command is decided again
//! on the new state, up to [`ATTEMPTS`] times, unless its caller named the version it expected and
//! the case has moved past it: then the caller gets `stale-case-version` and reloads.

use sportello_runtime::error::Error;

/// How many times a command is decided before its lost race is answered as `stale-case-version`.
pub const ATTEMPTS: usize = 20;

/// Counts a command's attempts and says whether a result is a lost race to decide again.
#[derive(Debug)]
pub struct Retry {
    attempt: usize,
    expected_version: Option<u64>,
}

impl Retry {
    /// For a command whose caller expects the case at `expected_version`, if it named one.
    pub fn new(expected_version: Option<u64>) -> Retry {
        Retry { attempt: 0, expected_version }
    }

    /// Whether the attempt that ended with `result` lost a race and the command should be decided
    /// again: a `stale-case-version` the caller did not cause (it named no version, or the one it
    /// named is still the case's), with attempts left. An entry that changes only the audit chain (a
    /// refused request, say) leaves the version alone, so a caller's version can still be current.
    pub fn again<T>(&mut self, result: &Result<T, Error>) -> bool {
        self.attempt += 1;
        match result {
            Err(Error::StaleCaseVersion { current, .. }) => {
                self.expected_version.is_none_or(|expected| expected == *current) && self.attempt < ATTEMPTS
            }
            _ => false,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn stale(current: u64) -> Result<(), Error> {
        Err(Error::StaleCaseVersion { expected: 3, current })
    }

    #[test]
    fn a_lost_race_is_decided_again_until_the_attempts_run_out() {
        let mut retry = Retry::new(None);
        let tries = std::iter::repeat_with(|| retry.again(&stale(4))).take_while(|again| *again).count();
        assert_eq!(tries, ATTEMPTS - 1);
    }

    #[test]
    fn a_case_moved_past_the_callers_version_is_answered_not_retried() {
        assert!(!Retry::new(Some(3)).again(&stale(4)));
        assert!(Retry::new(Some(4)).again(&stale(4)));
    }

    #[test]
    fn success_and_other_refusals_end_the_command() {
        assert!(!Retry::new(None).again(&Ok(())));
        assert!(!Retry::new(None).again(&Err::<(), _>(Error::CaseNotFound)));
    }
}
