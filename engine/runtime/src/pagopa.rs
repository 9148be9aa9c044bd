//! The numbers printed on a pagoPA payment notice: the notice number (*codice avviso*) with its
//! segregation code and check digits, the creditor's fiscal code (*codice fiscale dell'ente creditore*)
//! and the payload of the notice's QR code. Pure arithmetic on digits: generating a notice number from a
//! counter, checking one a citizen typed, nothing that talks to pagoPA.
//!
//! Only aux digit 3 is supported, the form for a creditor with several IUV generators told apart by a
//! segregation code: `3 ‖ segregation code (2) ‖ IUV base (13) ‖ check digits (2)`, where the check
//! digits are the first sixteen digits, read as one number, modulo 93.

use std::fmt;

use serde::{Deserialize, Deserializer, Serialize, Serializer};

/// The only aux digit this module writes and accepts.
const AUX_DIGIT: u64 = 3;
/// The divisor of the notice number's check digits.
const CHECK_MODULUS: u64 = 93;
/// The digits of a notice number.
const NOTICE_DIGITS: usize = 18;
/// The digits of a creditor's fiscal code.
const CREDITOR_DIGITS: usize = 11;

/// Why a text or a value is not one of the pagoPA numbers.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum PagopaError {
    /// A segregation code text that is not exactly two digits.
    #[error("a segregation code has 2 digits, {0:?} has not")]
    SegregationShape(String),
    /// A segregation code value above 99.
    #[error("a segregation code is 00 to 99, not {0}")]
    SegregationRange(u8),
    /// An IUV base above [`NoticeNumber::MAX_BASE`].
    #[error("an IUV base has at most 13 digits, {0} is larger")]
    BaseTooLarge(u64),
    /// A character of the notice number that is not an ASCII digit.
    #[error("character {position} of the notice number is {found:?}, not a digit")]
    NoticeNotDigit {
        /// Where, counting from 1.
        position: usize,
        /// The character found there.
        found: char,
    },
    /// A notice number with other than 18 digits.
    #[error("a notice number has 18 digits, this one has {0}")]
    NoticeLength(usize),
    /// A notice number whose first digit is not 3.
    #[error("a notice number starts with the aux digit 3, this one starts with {0}")]
    AuxDigit(char),
    /// A notice number whose last two digits do not match the others.
    #[error("the check digits are {found:02}, they should be {expected:02}")]
    NoticeCheck {
        /// The last two digits.
        found: u8,
        /// What the first sixteen digits give.
        expected: u8,
    },
    /// A character of the creditor's fiscal code that is not an ASCII digit.
    #[error("character {position} of the creditor fiscal code is {found:?}, not a digit")]
    CreditorNotDigit {
        /// Where, counting from 1.
        position: usize,
        /// The character found there.
        found: char,
    },
    /// A creditor fiscal code with other than 11 digits.
    #[error("a creditor fiscal code has 11 digits, this one has {0}")]
    CreditorLength(usize),
    /// A creditor fiscal code whose last digit does not match the others.
    #[error("the creditor fiscal code's check digit is {found}, it should be {expected}")]
    CreditorCheck {
        /// The last digit.
        found: u8,
        /// What the first ten digits give.
        expected: u8,
    },
}

/// The creditor's segregation code: two digits, 00–99, telling apart the systems that issue its IUVs.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub struct SegregationCode(u8);

impl SegregationCode {
    /// Reads exactly two ASCII digits (`"07"`, not `"7"`).
    pub fn parse(text: &str) -> Result<Self, PagopaError> {
        match text.as_bytes() {
            &[tens @ b'0'..=b'9', units @ b'0'..=b'9'] => Ok(Self((tens - b'0') * 10 + (units - b'0'))),
            _ => Err(PagopaError::SegregationShape(text.to_owned())),
        }
    }

    /// Accepts 0 to 99.
    pub fn new(value: u8) -> Result<Self, PagopaError> {
        if value > 99 { Err(PagopaError::SegregationRange(value)) } else { Ok(Self(value)) }
    }

    /// The code as a number, 0 to 99.
    pub fn value(self) -> u8 {
        self.0
    }
}

impl fmt::Display for SegregationCode {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{:02}", self.0)
    }
}

/// An 18-digit pagoPA notice number (*codice avviso*) with aux digit 3:
/// `3 ‖ segregation code (2) ‖ IUV base (13) ‖ check digits (2)`.
///
/// The check digits are `(aux digit ‖ segregation code ‖ base)`, a 16-digit number, modulo 93, written on
/// two digits. Serialized as its 18 digits; deserializing checks them as [`NoticeNumber::parse`] does.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct NoticeNumber(String);

impl NoticeNumber {
    /// The largest IUV base: thirteen nines.
    pub const MAX_BASE: u64 = 9_999_999_999_999;

    /// The notice number of `base` (typically a counter) under `segregation`; a base above
    /// [`Self::MAX_BASE`] is an error.
    pub fn generate(segregation: SegregationCode, base: u64) -> Result<Self, PagopaError> {
        if base > Self::MAX_BASE {
            return Err(PagopaError::BaseTooLarge(base));
        }
        let prefix = AUX_DIGIT * 10u64.pow(15) + u64::from(segregation.value()) * 10u64.pow(13) + base;
        Ok(Self(format!("{prefix}{:02}", prefix % CHECK_MODULUS)))
    }

    /// Checks that `text` is exactly 18 ASCII digits (no spaces), starting with the aux digit 3 and
    /// ending with the right check digits.
    pub fn parse(text: &str) -> Result<Self, PagopaError> {
        if let Some((position, found)) = first_non_digit(text) {
            return Err(PagopaError::NoticeNotDigit { position, found });
        }
        // Only ASCII digits from here on: bytes and characters are the same.
        if text.len() != NOTICE_DIGITS {
            return Err(PagopaError::NoticeLength(text.len()));
        }
        if text.as_bytes()[0] != b'0' + AUX_DIGIT as u8 {
            return Err(PagopaError::AuxDigit(char::from(text.as_bytes()[0])));
        }
        let expected = (digits_value(&text[..16]) % CHECK_MODULUS) as u8;
        let found = digits_value(&text[16..]) as u8;
        if found != expected {
            return Err(PagopaError::NoticeCheck { found, expected });
        }
        Ok(Self(text.to_owned()))
    }

    /// The 18 digits.
    pub fn as_str(&self) -> &str {
        &self.0
    }

    /// The IUV: the 17 digits after the aux digit (segregation code, base and check digits).
    pub fn iuv(&self) -> &str {
        &self.0[1..]
    }

    /// The segregation code, digits 2 and 3.
    pub fn segregation(&self) -> SegregationCode {
        SegregationCode(digits_value(&self.0[1..3]) as u8)
    }

    /// The IUV base, the 13 digits before the check digits.
    pub fn base(&self) -> u64 {
        digits_value(&self.0[3..16])
    }
}

impl fmt::Display for NoticeNumber {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

impl Serialize for NoticeNumber {
    fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        serializer.serialize_str(&self.0)
    }
}

impl<'de> Deserialize<'de> for NoticeNumber {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        let text = String::deserialize(deserializer)?;
        Self::parse(&text).map_err(serde::de::Error::custom)
    }
}

/// A creditor's (*ente creditore*) fiscal code: 11 digits, the last one the check digit of the
/// *partita IVA* algorithm.
///
/// Serialized as its 11 digits; deserializing checks them as [`CreditorFiscalCode::parse`] does.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct CreditorFiscalCode(String);

impl CreditorFiscalCode {
    /// Checks that `text` is exactly 11 ASCII digits (no spaces) whose last one is the check digit:
    /// digits in odd positions are added as they are, digits in even positions doubled (less 9 when the
    /// double is above 9), and the check digit is `(10 - sum % 10) % 10`.
    pub fn parse(text: &str) -> Result<Self, PagopaError> {
        if let Some((position, found)) = first_non_digit(text) {
            return Err(PagopaError::CreditorNotDigit { position, found });
        }
        if text.len() != CREDITOR_DIGITS {
            return Err(PagopaError::CreditorLength(text.len()));
        }
        let digits = text.as_bytes();
        let sum: u32 = digits[..10]
            .iter()
            .enumerate()
            .map(|(i, &b)| {
                let digit = u32::from(b - b'0');
                match (i % 2, digit * 2) {
                    (0, _) => digit,
                    (_, double) if double > 9 => double - 9,
                    (_, double) => double,
                }
            })
            .sum();
        let expected = ((10 - sum % 10) % 10) as u8;
        let found = digits[10] - b'0';
        if found != expected {
            return Err(PagopaError::CreditorCheck { found, expected });
        }
        Ok(Self(text.to_owned()))
    }

    /// The 11 digits.
    pub fn as_str(&self) -> &str {
        &self.0
    }
}

impl fmt::Display for CreditorFiscalCode {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

impl Serialize for CreditorFiscalCode {
    fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        serializer.serialize_str(&self.0)
    }
}

impl<'de> Deserialize<'de> for CreditorFiscalCode {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        let text = String::deserialize(deserializer)?;
        Self::parse(&text).map_err(serde::de::Error::custom)
    }
}

/// The payload of the QR code printed on a pagoPA notice:
/// `PAGOPA|002|<notice number>|<creditor fiscal code>|<amount in cents>`.
///
/// The amount is written as given, without padding; pagoPA expects it positive, which the caller ensures.
pub fn qr_payload(notice: &NoticeNumber, creditor: &CreditorFiscalCode, amount_cents: i64) -> String {
    format!("PAGOPA|002|{notice}|{creditor}|{amount_cents}")
}

/// The first character of `text` that is not an ASCII digit, with its position counting from 1.
fn first_non_digit(text: &str) -> Option<(usize, char)> {
    let index = text.bytes().position(|b| !b.is_ascii_digit())?;
    // Every byte before `index` is an ASCII digit: `index` is a character boundary and counts characters.
    text[index..].chars().next().map(|found| (index + 1, found))
}

/// The value of a run of ASCII digits, checked by the caller; at most 19 of them, so it fits.
fn digits_value(digits: &str) -> u64 {
    digits.parse().expect("at most 19 ASCII digits")
}

#[cfg(test)]
mod tests {
    use std::collections::HashSet;

    use proptest::prelude::*;

    use super::*;

    const EXAMPLES: [&str; 2] = ["300715700000000032", "322201151398574181"];

    fn segregation(value: u8) -> SegregationCode {
        SegregationCode::new(value).unwrap()
    }

    #[test]
    fn the_known_examples_parse_into_their_parts() {
        let first = NoticeNumber::parse(EXAMPLES[0]).unwrap();
        assert_eq!((first.segregation(), first.base()), (segregation(0), 7_157_000_000_000));
        assert_eq!(first.iuv(), "00715700000000032");
        let second = NoticeNumber::parse(EXAMPLES[1]).unwrap();
        assert_eq!((second.segregation(), second.base()), (segregation(22), 2_011_513_985_741));
        assert_eq!(second.iuv(), "22201151398574181");
        assert_eq!(second.to_string(), EXAMPLES[1]);
        assert_eq!(second.as_str(), EXAMPLES[1]);
    }

    #[test]
    fn changing_any_single_digit_of_a_known_example_is_caught() {
        for example in EXAMPLES {
            for position in 0..NOTICE_DIGITS {
                for digit in b'0'..=b'9' {
                    let mut bytes = example.as_bytes().to_vec();
                    if bytes[position] == digit {
                        continue;
                    }
                    bytes[position] = digit;
                    let changed = String::from_utf8(bytes).unwrap();
                    let error = NoticeNumber::parse(&changed).unwrap_err();
                    let expected_kind = if position == 0 {
                        matches!(error, PagopaError::AuxDigit(_))
                    } else {
                        matches!(error, PagopaError::NoticeCheck { .. })
                    };
                    assert!(expected_kind, "{changed}: {error}");
                }
            }
        }
    }

    #[test]
    fn each_malformed_notice_number_says_what_is_wrong() {
        let cases = [
            ("30071570000000003", PagopaError::NoticeLength(17)),
            ("3007157000000000320", PagopaError::NoticeLength(19)),
            ("", PagopaError::NoticeLength(0)),
            ("000715700000000032", PagopaError::AuxDigit('0')),
            ("3007 1570 0000 0000 32", PagopaError::NoticeNotDigit { position: 5, found: ' ' }),
            ("30071570000000003x", PagopaError::NoticeNotDigit { position: 18, found: 'x' }),
            ("3007157000000000３2", PagopaError::NoticeNotDigit { position: 17, found: '３' }),
            ("300715700000000031", PagopaError::NoticeCheck { found: 31, expected: 32 }),
            ("300715700000000095", PagopaError::NoticeCheck { found: 95, expected: 32 }),
        ];
        for (text, error) in cases {
            assert_eq!(NoticeNumber::parse(text), Err(error), "{text:?}");
        }
        let messages: Vec<String> = ["30071570000000003", "000715700000000032", "3x", "300715700000000031"]
            .into_iter()
            .map(|text| NoticeNumber::parse(text).unwrap_err().to_string())
            .collect();
        assert_eq!(
            messages,
            [
                "a notice number has 18 digits, this one has 17",
                "a notice number starts with the aux digit 3, this one starts with 0",
                "character 2 of the notice number is 'x', not a digit",
                "the check digits are 31, they should be 32",
            ]
        );
    }

    #[test]
    fn generating_gives_the_known_examples_and_round_trips() {
        assert_eq!(NoticeNumber::generate(segregation(0), 7_157_000_000_000).unwrap().as_str(), EXAMPLES[0]);
        assert_eq!(NoticeNumber::generate(segregation(22), 2_011_513_985_741).unwrap().as_str(), EXAMPLES[1]);
        // 3 ‖ 07 ‖ 1570000000000 = 3071570000000000, which is 14 modulo 93.
        let notice = NoticeNumber::generate(segregation(7), 1_570_000_000_000).unwrap();
        assert_eq!(notice.as_str(), "307157000000000014");
        let parsed = NoticeNumber::parse(notice.as_str()).unwrap();
        assert_eq!((parsed.segregation(), parsed.base()), (segregation(7), 1_570_000_000_000));
        assert_eq!(parsed, notice);
    }

    #[test]
    fn the_base_has_thirteen_digits_at_most() {
        let smallest = NoticeNumber::generate(segregation(0), 0).unwrap();
        assert_eq!(smallest.as_str(), format!("3000000000000000{:02}", 3 * 10u64.pow(15) % 93));
        let largest = NoticeNumber::generate(segregation(99), NoticeNumber::MAX_BASE).unwrap();
        assert_eq!(&largest.as_str()[..16], "3999999999999999");
        assert_eq!(
            NoticeNumber::generate(segregation(0), NoticeNumber::MAX_BASE + 1),
            Err(PagopaError::BaseTooLarge(10_000_000_000_000))
        );
    }

    #[test]
    fn segregation_codes_are_two_digits() {
        assert_eq!(SegregationCode::parse("07").unwrap().value(), 7);
        assert_eq!(SegregationCode::parse("99").unwrap().to_string(), "99");
        assert_eq!(segregation(7).to_string(), "07");
        for text in ["7", "007", "", "a7", " 7", "-1"] {
            assert_eq!(SegregationCode::parse(text), Err(PagopaError::SegregationShape(text.to_owned())));
        }
        assert_eq!(SegregationCode::new(100), Err(PagopaError::SegregationRange(100)));
        assert_eq!(SegregationCode::new(100).unwrap_err().to_string(), "a segregation code is 00 to 99, not 100");
    }

    #[test]
    fn real_creditor_fiscal_codes_validate() {
        // Comune di Modena, Comune di Roma, Comune di Milano.
        for text in ["00221940364", "02438750586", "01199250158"] {
            let code = CreditorFiscalCode::parse(text).unwrap();
            assert_eq!((code.as_str(), code.to_string()), (text, text.to_owned()));
        }
    }

    #[test]
    fn malformed_creditor_fiscal_codes_say_what_is_wrong() {
        let cases = [
            ("00221940365", PagopaError::CreditorCheck { found: 5, expected: 4 }),
            ("02438750580", PagopaError::CreditorCheck { found: 0, expected: 6 }),
            // Two neighbouring digits swapped.
            ("01919250158", PagopaError::CreditorCheck { found: 8, expected: 7 }),
            ("0022194036", PagopaError::CreditorLength(10)),
            ("002219403640", PagopaError::CreditorLength(12)),
            ("IT00221940364", PagopaError::CreditorNotDigit { position: 1, found: 'I' }),
            ("0022194036A", PagopaError::CreditorNotDigit { position: 11, found: 'A' }),
        ];
        for (text, error) in cases {
            assert_eq!(CreditorFiscalCode::parse(text), Err(error), "{text:?}");
        }
        assert_eq!(
            CreditorFiscalCode::parse("00221940365").unwrap_err().to_string(),
            "the creditor fiscal code's check digit is 5, it should be 4"
        );
    }

    #[test]
    fn the_qr_payload_joins_the_fields_with_bars() {
        let notice = NoticeNumber::parse(EXAMPLES[1]).unwrap();
        let creditor = CreditorFiscalCode::parse("00221940364").unwrap();
        assert_eq!(qr_payload(&notice, &creditor, 12_050), "PAGOPA|002|322201151398574181|00221940364|12050");
    }

    #[test]
    fn serde_uses_the_digits_and_checks_them() {
        let notice = NoticeNumber::parse(EXAMPLES[0]).unwrap();
        assert_eq!(serde_json::to_string(&notice).unwrap(), "\"300715700000000032\"");
        assert_eq!(serde_json::from_str::<NoticeNumber>("\"300715700000000032\"").unwrap(), notice);
        let error = serde_json::from_str::<NoticeNumber>("\"300715700000000031\"").unwrap_err();
        assert!(error.to_string().starts_with("the check digits are 31, they should be 32"), "{error}");
        assert!(serde_json::from_str::<NoticeNumber>("300715700000000032").is_err(), "a number is not a string");

        let creditor = CreditorFiscalCode::parse("02438750586").unwrap();
        assert_eq!(serde_json::to_string(&creditor).unwrap(), "\"02438750586\"");
        assert_eq!(serde_json::from_str::<CreditorFiscalCode>("\"02438750586\"").unwrap(), creditor);
        assert!(serde_json::from_str::<CreditorFiscalCode>("\"02438750587\"").is_err());
    }

    #[test]
    fn a_million_generated_numbers_are_distinct_and_valid() {
        // As the application numbers its notices: one segregation code, bases from a counter, here half
        // consecutive from an offset and half spread with a stride, past the consecutive ones.
        const HALF: u64 = 500_000;
        const STRIDE: u64 = 19_000_001;
        let first_spread = 2_000_000_000;
        assert!(first_spread + (HALF - 1) * STRIDE <= NoticeNumber::MAX_BASE);
        let consecutive = (0..HALF).map(|i| 1_000_000_000 + i);
        let spread = (0..HALF).map(|i| first_spread + i * STRIDE);
        let code = segregation(7);

        let mut seen = HashSet::with_capacity(2 * HALF as usize);
        for base in consecutive.chain(spread) {
            let notice = NoticeNumber::generate(code, base).unwrap();
            let parsed = NoticeNumber::parse(notice.as_str()).unwrap();
            assert_eq!((parsed.segregation(), parsed.base()), (code, base));
            seen.insert(notice);
        }
        assert_eq!(seen.len(), 1_000_000);
    }

    proptest! {
        #![proptest_config(ProptestConfig::with_cases(4096))]

        #[test]
        fn every_generated_number_parses_with_the_check_digits_of_its_prefix(
            value in 0u8..=99,
            base in 0u64..=NoticeNumber::MAX_BASE,
        ) {
            let notice = NoticeNumber::generate(segregation(value), base).unwrap();
            let text = notice.as_str();
            prop_assert_eq!(text.len(), 18);
            let prefix: u64 = text[..16].parse().unwrap();
            let check: u64 = text[16..].parse().unwrap();
            prop_assert_eq!(check, prefix % 93);
            let parsed = NoticeNumber::parse(text).unwrap();
            prop_assert_eq!(parsed.segregation().value(), value);
            prop_assert_eq!(parsed.base(), base);
            prop_assert_eq!(parsed.iuv(), &text[1..]);
        }

        #[test]
        fn changing_one_digit_of_a_generated_number_is_caught(
            value in 0u8..=99,
            base in 0u64..=NoticeNumber::MAX_BASE,
            position in 0usize..18,
            shift in 1u8..=9,
        ) {
            let notice = NoticeNumber::generate(segregation(value), base).unwrap();
            let mut bytes = notice.as_str().as_bytes().to_vec();
            bytes[position] = b'0' + (bytes[position] - b'0' + shift) % 10;
            let changed = String::from_utf8(bytes).unwrap();
            prop_assert!(NoticeNumber::parse(&changed).is_err(), "{} was accepted", changed);
        }
    }
}
