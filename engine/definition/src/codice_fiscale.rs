//! The Italian fiscal code (*codice fiscale*) of a person: 16 characters, check character verified,
//! omocodia included.
//!
//! When two people would get the same code, the revenue agency replaces digits, from the right, by the
//! letters `LMNPQRSTUV` (0 to 9): such a code is as valid as the original, so every digit position
//! accepts both forms.

use std::fmt;

/// A fiscal code that has the right shape, a possible date and the right check character.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct CodiceFiscale(String);

/// Why a text is not a fiscal code.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum CodiceFiscaleError {
    /// Not 16 characters.
    #[error("a fiscal code has 16 characters, not {0}")]
    Length(usize),
    /// A letter where a digit belongs, or the reverse.
    #[error("character {0} of the fiscal code is not allowed there")]
    Shape(usize),
    /// The month letter or the day is impossible.
    #[error("the fiscal code's birth month or day is impossible")]
    Date,
    /// The last character does not match the others.
    #[error("the fiscal code's check character should be {expected}")]
    Check {
        /// The check character the other fifteen give.
        expected: char,
    },
}

const OMOCODE_LETTERS: &str = "LMNPQRSTUV";
const MONTHS: &str = "ABCDEHLMPRST";
/// Positions (0-based) that hold digits, or their omocode letters.
const DIGIT_POSITIONS: [usize; 7] = [6, 7, 9, 10, 12, 13, 14];
/// Values of characters in odd (1-based) positions, for A..Z and 0..9 alike.
const ODD_VALUES: [u32; 26] =
    [1, 0, 5, 7, 9, 13, 15, 17, 19, 21, 2, 4, 18, 20, 11, 3, 6, 8, 12, 14, 16, 10, 22, 25, 24, 23];

impl CodiceFiscale {
    /// Checks `text` (case-insensitive, surrounding spaces ignored) and keeps it in upper case.
    pub fn parse(text: &str) -> Result<Self, CodiceFiscaleError> {
        let code = text.trim().to_ascii_uppercase();
        let chars: Vec<char> = code.chars().collect();
        if chars.len() != 16 {
            return Err(CodiceFiscaleError::Length(chars.len()));
        }
        for (i, &c) in chars.iter().enumerate() {
            let ok = if DIGIT_POSITIONS.contains(&i) {
                c.is_ascii_digit() || OMOCODE_LETTERS.contains(c)
            } else {
                c.is_ascii_uppercase()
            };
            if !ok {
                return Err(CodiceFiscaleError::Shape(i + 1));
            }
        }
        let digit = |i: usize| -> u32 {
            let c = chars[i];
            c.to_digit(10).unwrap_or_else(|| OMOCODE_LETTERS.find(c).map_or(0, |d| d as u32))
        };
        let day = digit(9) * 10 + digit(10);
        if !MONTHS.contains(chars[8]) || !((1..=31).contains(&day) || (41..=71).contains(&day)) {
            return Err(CodiceFiscaleError::Date);
        }
        let expected = check_character(&chars[..15]);
        if chars[15] != expected {
            return Err(CodiceFiscaleError::Check { expected });
        }
        Ok(Self(code))
    }

    /// The code in upper case.
    pub fn as_str(&self) -> &str {
        &self.0
    }
}

/// The check character of the first fifteen characters.
pub fn check_character(first_fifteen: &[char]) -> char {
    let sum: u32 = first_fifteen
        .iter()
        .enumerate()
        .map(|(i, &c)| {
            let index = c.to_digit(10).unwrap_or_else(|| u32::from(c) - u32::from('A'));
            if i % 2 == 0 { ODD_VALUES[index as usize] } else { index }
        })
        .sum();
    char::from(b'A' + (sum % 26) as u8)
}

impl fmt::Display for CodiceFiscale {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_known_code_is_valid_in_any_case() {
        assert_eq!(CodiceFiscale::parse(" rssmra85t10a562s ").unwrap().as_str(), "RSSMRA85T10A562S");
    }

    #[test]
    fn a_wrong_check_character_names_the_right_one() {
        assert_eq!(CodiceFiscale::parse("RSSMRA85T10A562T"), Err(CodiceFiscaleError::Check { expected: 'S' }));
    }

    #[test]
    fn omocodia_letters_stand_for_digits() {
        // The last digit of the place code 562 replaced by N (2), with its new check character.
        let mut chars: Vec<char> = "RSSMRA85T10A56N".chars().collect();
        chars.push(check_character(&chars));
        let code: String = chars.into_iter().collect();
        assert!(CodiceFiscale::parse(&code).is_ok());
        assert_ne!(code, "RSSMRA85T10A56NS", "the check character depends on the letter");
    }

    #[test]
    fn shape_length_and_date_are_checked() {
        assert_eq!(CodiceFiscale::parse("RSSMRA85T10A562"), Err(CodiceFiscaleError::Length(15)));
        assert_eq!(CodiceFiscale::parse("RSSMRA8XT10A562S"), Err(CodiceFiscaleError::Shape(8)));
        assert_eq!(CodiceFiscale::parse("RSSMRA85Z10A562S"), Err(CodiceFiscaleError::Date));
        assert_eq!(CodiceFiscale::parse("RSSMRA85T35A562S"), Err(CodiceFiscaleError::Date));
    }
}
