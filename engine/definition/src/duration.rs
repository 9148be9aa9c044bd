//! Durations as analysts write them: `30 days`, `10 business days`, `48 hours`, `6 months`.

use std::fmt;
use std::str::FromStr;

/// The unit a duration counts in.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, serde::Serialize)]
#[serde(rename_all = "snake_case")]
pub enum DurationUnit {
    /// Calendar days; a due date on a non-working day rolls forward to the next working day.
    Days,
    /// Working days of the workflow's calendar.
    BusinessDays,
    /// Hours, counted on the clock.
    Hours,
    /// Calendar months: the term ends on the same day number of the last month, or on that month's
    /// last day when it has no such day (art. 2963 c.c.); then rolls forward like days.
    Months,
}

/// A length of time for deadlines and payment terms.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, serde::Serialize)]
pub struct Duration {
    /// How many units.
    pub amount: u32,
    /// Which unit.
    pub unit: DurationUnit,
}

/// The longest duration accepted, in days (ten years): a longer one is surely a typo.
pub const MAX_DAYS: u32 = 3_660;

/// Why a text is not a duration.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("`{text}` is not a duration: {reason}")]
pub struct DurationError {
    text: String,
    reason: &'static str,
}

impl FromStr for Duration {
    type Err = DurationError;

    fn from_str(text: &str) -> Result<Self, Self::Err> {
        let err = |reason| DurationError { text: text.to_owned(), reason };
        let words: Vec<&str> = text.split_whitespace().collect();
        let (number, unit) = match words.as_slice() {
            [n, unit] => (*n, *unit),
            [n, "business", unit] | [n, "working", unit] => {
                let unit = if matches!(*unit, "day" | "days") { "business days" } else { "?" };
                (*n, unit)
            }
            _ => {
                return Err(err("write a number and a unit, e.g. `30 days`, `10 business days`, `48 hours`"));
            }
        };
        let amount: u32 = number.parse().map_err(|_| err("the amount must be a whole number"))?;
        let unit = match unit {
            "day" | "days" => DurationUnit::Days,
            "business days" => DurationUnit::BusinessDays,
            "hour" | "hours" => DurationUnit::Hours,
            "month" | "months" => DurationUnit::Months,
            _ => return Err(err("the unit must be `days`, `business days`, `hours` or `months`")),
        };
        if amount == 0 {
            return Err(err("a duration of zero fires at once; remove it or give a length"));
        }
        let days = match unit {
            DurationUnit::Hours => amount / 24,
            DurationUnit::Months => amount.saturating_mul(31),
            DurationUnit::Days | DurationUnit::BusinessDays => amount,
        };
        if days > MAX_DAYS {
            return Err(err("longer than ten years"));
        }
        Ok(Duration { amount, unit })
    }
}

impl fmt::Display for Duration {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let unit = match (self.unit, self.amount) {
            (DurationUnit::Days, 1) => "day",
            (DurationUnit::Days, _) => "days",
            (DurationUnit::BusinessDays, 1) => "business day",
            (DurationUnit::BusinessDays, _) => "business days",
            (DurationUnit::Hours, 1) => "hour",
            (DurationUnit::Hours, _) => "hours",
            (DurationUnit::Months, 1) => "month",
            (DurationUnit::Months, _) => "months",
        };
        write!(f, "{} {unit}", self.amount)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_three_units_parse_and_print_back() {
        for text in ["30 days", "1 day", "10 business days", "48 hours", "1 month", "6 months"] {
            assert_eq!(text.parse::<Duration>().unwrap().to_string(), text);
        }
        assert_eq!("5 working days".parse::<Duration>().unwrap().unit, DurationUnit::BusinessDays);
    }

    #[test]
    fn bad_durations_say_why() {
        for text in ["30", "thirty days", "30 weeks", "0 days", "99999 days", "200 months", "-3 days", ""] {
            assert!(text.parse::<Duration>().is_err(), "{text}");
        }
    }
}
