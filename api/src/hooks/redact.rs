//! Keeping citizens' data out of error messages. A remote system's refusal (a problem's `detail`, an
//! SMTP reply) may quote what we sent it; before such text becomes part of a [`HookError`], which is
//! stored and logged, the values we know to be personal are replaced, and so is anything shaped like an
//! Italian fiscal code.
//!
//! [`HookError`]: sportello_hooks::HookError

/// What replaces a personal value.
const REDACTED: &str = "[redacted]";

/// The most characters of remote text kept in a message.
const MAX_CHARS: usize = 300;

/// `text` without the `sensitive` values (compared ignoring ASCII case) nor fiscal-code-shaped words,
/// cut to a few hundred characters and without a final period.
pub fn redact(text: &str, sensitive: &[&str]) -> String {
    let mut text = text.to_owned();
    for value in sensitive.iter().map(|value| value.trim()).filter(|value| !value.is_empty()) {
        text = replace_ignoring_case(&text, value);
    }
    let text = redact_fiscal_codes(&text);
    let mut text: String = text.trim().chars().take(MAX_CHARS).collect();
    while text.ends_with('.') {
        text.pop();
    }
    text
}

fn replace_ignoring_case(text: &str, value: &str) -> String {
    let lower_text = text.to_ascii_lowercase();
    let lower_value = value.to_ascii_lowercase();
    let mut out = String::with_capacity(text.len());
    let mut rest = 0;
    // ASCII lowercasing keeps byte offsets, so positions found in the lowered copy hold in `text`.
    for (at, _) in lower_text.match_indices(&lower_value) {
        if at < rest {
            continue;
        }
        out.push_str(&text[rest..at]);
        out.push_str(REDACTED);
        rest = at + value.len();
    }
    out.push_str(&text[rest..]);
    out
}

fn redact_fiscal_codes(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    let mut word = String::new();
    for c in text.chars() {
        if c.is_ascii_alphanumeric() {
            word.push(c);
        } else {
            flush(&mut out, &mut word);
            out.push(c);
        }
    }
    flush(&mut out, &mut word);
    out
}

fn flush(out: &mut String, word: &mut String) {
    if looks_like_fiscal_code(word) {
        out.push_str(REDACTED);
    } else {
        out.push_str(word);
    }
    word.clear();
}

/// Sixteen characters laid out as a personal fiscal code: letters where letters go, digits (or their
/// omocodia letters) where digits go.
fn looks_like_fiscal_code(word: &str) -> bool {
    let bytes = word.to_ascii_uppercase().into_bytes();
    bytes.len() == 16
        && bytes.iter().enumerate().all(|(at, &b)| match at {
            0..=5 | 8 | 11 | 15 => b.is_ascii_uppercase(),
            _ => b.is_ascii_digit() || b"LMNPQRSTUV".contains(&b),
        })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn known_values_and_fiscal_codes_are_replaced() {
        let text = "value \"rssmra80a01h501u\" for Mario Rossi at [fiscal_code] is not valid; \
                    also SPNDNL80R13C555X and MRTNTN23M02D969P.";
        assert_eq!(
            redact(text, &["mario rossi"]),
            "value \"[redacted]\" for [redacted] at [fiscal_code] is not valid; also [redacted] and [redacted]"
        );
    }

    #[test]
    fn other_words_and_long_texts_are_kept_but_cut() {
        assert_eq!(redact("iupd ABCDEFGHIJKLMNOP1 exists.", &[]), "iupd ABCDEFGHIJKLMNOP1 exists");
        assert_eq!(redact(&"x".repeat(1000), &[]).chars().count(), MAX_CHARS);
    }
}
