//! Calendars a workflow can name: which days are working days for its terms.
//!
//! A calendar is Italy's national holidays (Easter Monday included), plus a municipality's patron
//! saint's day, plus extra closures, with Saturday a working day or not. The built-in ones cover the
//! larger municipalities; a workflow may declare others. Day arithmetic lives in the runtime.

use super::raw::RawCalendar;

/// A calendar's settings, checked.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize)]
pub struct CalendarSpec {
    /// Its name (`modena`).
    pub name: String,
    /// The patron saint's day as (month, day).
    pub patron_day: Option<(u8, u8)>,
    /// Whether Saturday is a working day.
    pub saturday_working: bool,
    /// Extra closure days as (year, month, day).
    pub closures: Vec<(i16, u8, u8)>,
}

/// Built-in calendars: the national one and municipal patron days.
pub const BUILT_IN: &[(&str, Option<(u8, u8)>)] = &[
    ("italia", None),
    ("modena", Some((1, 31))),  // San Geminiano
    ("bologna", Some((10, 4))), // San Petronio (a national holiday too from 2026)
    ("milano", Some((12, 7))),  // Sant'Ambrogio
    ("roma", Some((6, 29))),    // Santi Pietro e Paolo
    ("torino", Some((6, 24))),  // San Giovanni Battista
    ("firenze", Some((6, 24))), // San Giovanni Battista
    ("genova", Some((6, 24))),  // San Giovanni Battista
    ("napoli", Some((9, 19))),  // San Gennaro
    ("venezia", Some((4, 25))), // San Marco (also Liberation Day)
    ("palermo", Some((7, 15))), // Santa Rosalia
    ("bari", Some((12, 6))),    // San Nicola
];

/// The built-in calendar called `name`.
pub fn built_in(name: &str) -> Option<CalendarSpec> {
    BUILT_IN.iter().find(|(n, _)| *n == name).map(|(n, patron_day)| CalendarSpec {
        name: (*n).to_owned(),
        patron_day: *patron_day,
        saturday_working: false,
        closures: Vec::new(),
    })
}

/// A declared calendar, checked; errors name the offending field and value.
pub fn declared(name: &str, raw: &RawCalendar) -> Result<CalendarSpec, Vec<(&'static str, String)>> {
    let mut problems = Vec::new();
    let patron_day = raw.patron_day.as_deref().and_then(|text| match month_day(text) {
        Some(md) => Some(md),
        None => {
            problems.push(("patron_day", format!("`{text}` is not a day of the year written `MM-DD`")));
            None
        }
    });
    let mut closures = Vec::new();
    for text in &raw.closures {
        match text.split_once('-').and_then(|(y, rest)| Some((y.parse::<i16>().ok()?, month_day(rest)?))) {
            Some((year, (2, 29))) if !is_leap(year) => {
                problems.push(("closures", format!("`{text}` does not exist: {year} is not a leap year")));
            }
            Some((year, (month, day))) if (1900..=2200).contains(&year) => closures.push((year, month, day)),
            _ => problems.push(("closures", format!("`{text}` is not a date written `YYYY-MM-DD`"))),
        }
    }
    if problems.is_empty() {
        Ok(CalendarSpec { name: name.to_owned(), patron_day, saturday_working: raw.saturday_working, closures })
    } else {
        Err(problems)
    }
}

/// A date written `YYYY-MM-DD` that exists (between 1900 and 2200), as (year, month, day).
pub fn civil_date(text: &str) -> Option<(i16, u8, u8)> {
    let (year, rest) = text.split_once('-')?;
    let year = year.parse::<i16>().ok().filter(|y| (1900..=2200).contains(y) && year.len() == 4)?;
    let (month, day) = month_day(rest)?;
    (!(month == 2 && day == 29 && !is_leap(year))).then_some((year, month, day))
}

fn is_leap(year: i16) -> bool {
    (year % 4 == 0 && year % 100 != 0) || year % 400 == 0
}

fn month_day(text: &str) -> Option<(u8, u8)> {
    let (m, d) = text.split_once('-')?;
    if m.len() != 2 || d.len() != 2 {
        return None;
    }
    let (month, day): (u8, u8) = (m.parse().ok()?, d.parse().ok()?);
    let days_in_month = [31, 29, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31];
    (1..=12).contains(&month).then_some(())?;
    (1..=days_in_month[usize::from(month) - 1]).contains(&day).then_some((month, day))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn modena_closes_on_san_geminiano() {
        assert_eq!(built_in("modena").unwrap().patron_day, Some((1, 31)));
        assert!(built_in("atlantide").is_none());
    }

    #[test]
    fn declared_calendars_check_their_dates() {
        let good = RawCalendar {
            patron_day: Some("05-21".into()),
            saturday_working: false,
            closures: vec!["2026-12-24".into()],
        };
        assert_eq!(declared("carpi", &good).unwrap().closures, vec![(2026, 12, 24)]);
        let bad = RawCalendar {
            patron_day: Some("02-30".into()),
            saturday_working: false,
            closures: vec!["24/12/2026".into(), "2026-02-29".into()],
        };
        assert_eq!(declared("carpi", &bad).unwrap_err().len(), 3);
        let leap = RawCalendar { patron_day: None, saturday_working: false, closures: vec!["2028-02-29".into()] };
        assert!(declared("carpi", &leap).is_ok());
    }
}
