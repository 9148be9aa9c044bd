//! Just enough PDF syntax to read a trailer dictionary: a lexer for the object syntax (names with
//! `#xx` escapes, literal and hexadecimal strings, numbers, keywords, comments) and a parser that
//! keeps a dictionary's top-level keys, telling indirect references and names from other values and
//! skipping nested dictionaries and arrays. Bytes that are cut off or do not parse give `None`.

/// A top-level value of a dictionary, as far as the checks care.
#[derive(Clone, Debug, PartialEq, Eq)]
pub(crate) enum Value {
    /// An indirect reference, `12 0 R`.
    Reference,
    /// A name, `/XRef`, without the slash.
    Name(Vec<u8>),
    /// Anything else: a number, string, array, dictionary, boolean or null.
    Other,
}

/// A dictionary's top-level entries: each key (a name, without its slash) and its value, in order.
pub(crate) type Entries = Vec<(Vec<u8>, Value)>;

/// The top-level entries of the dictionary at the start of `bytes` (after optional whitespace).
pub(crate) fn parse(bytes: &[u8]) -> Option<Entries> {
    let mut lexer = Lexer { bytes, at: 0 };
    if lexer.next()? != Token::DictOpen {
        return None;
    }
    let mut entries = Vec::new();
    loop {
        match lexer.next()? {
            Token::DictClose => return Some(entries),
            Token::Name(key) => {
                let value = value(&mut lexer, 0)?;
                entries.push((key, value));
            }
            _ => return None,
        }
    }
}

/// How deep dictionaries and arrays may nest.
const MAX_DEPTH: u32 = 32;

fn value(lexer: &mut Lexer<'_>, depth: u32) -> Option<Value> {
    if depth > MAX_DEPTH {
        return None;
    }
    match lexer.next()? {
        Token::Name(name) => Some(Value::Name(name)),
        Token::Regular(first) if first.iter().all(u8::is_ascii_digit) => {
            // `n g R` is a reference; otherwise the number stands alone.
            let mut ahead = lexer.clone();
            match (ahead.next(), ahead.next()) {
                (Some(Token::Regular(g)), Some(Token::Regular(r))) if g.iter().all(u8::is_ascii_digit) && r == b"R" => {
                    *lexer = ahead;
                    Some(Value::Reference)
                }
                _ => Some(Value::Other),
            }
        }
        Token::Regular(_) | Token::String => Some(Value::Other),
        Token::DictOpen => loop {
            match lexer.next()? {
                Token::DictClose => return Some(Value::Other),
                Token::Name(_) => value(lexer, depth + 1)?,
                _ => return None,
            };
        },
        Token::ArrayOpen => loop {
            let mut ahead = lexer.clone();
            if ahead.next()? == Token::ArrayClose {
                *lexer = ahead;
                return Some(Value::Other);
            }
            value(lexer, depth + 1)?;
        },
        Token::DictClose | Token::ArrayClose => None,
    }
}

#[derive(Clone, Debug, PartialEq, Eq)]
enum Token {
    DictOpen,
    DictClose,
    ArrayOpen,
    ArrayClose,
    /// A name, unescaped, without its slash.
    Name(Vec<u8>),
    /// A literal or hexadecimal string (its bytes are not needed).
    String,
    /// A run of regular characters: a number or a keyword such as `R`, `true`, `null`.
    Regular(Vec<u8>),
}

#[derive(Clone)]
struct Lexer<'a> {
    bytes: &'a [u8],
    at: usize,
}

fn is_whitespace(b: u8) -> bool {
    matches!(b, b'\0' | b'\t' | b'\n' | b'\x0C' | b'\r' | b' ')
}

fn is_delimiter(b: u8) -> bool {
    matches!(b, b'(' | b')' | b'<' | b'>' | b'[' | b']' | b'{' | b'}' | b'/' | b'%')
}

impl Lexer<'_> {
    fn peek(&self) -> Option<u8> {
        self.bytes.get(self.at).copied()
    }

    fn skip_whitespace_and_comments(&mut self) {
        while let Some(b) = self.peek() {
            if is_whitespace(b) {
                self.at += 1;
            } else if b == b'%' {
                while self.peek().is_some_and(|b| b != b'\n' && b != b'\r') {
                    self.at += 1;
                }
            } else {
                break;
            }
        }
    }

    fn next(&mut self) -> Option<Token> {
        self.skip_whitespace_and_comments();
        let b = self.peek()?;
        self.at += 1;
        match b {
            b'<' if self.peek() == Some(b'<') => {
                self.at += 1;
                Some(Token::DictOpen)
            }
            b'>' if self.peek() == Some(b'>') => {
                self.at += 1;
                Some(Token::DictClose)
            }
            b'<' => {
                let close = self.bytes[self.at..].iter().position(|&b| b == b'>')?;
                self.at += close + 1;
                Some(Token::String)
            }
            b'(' => self.literal_string(),
            b'[' => Some(Token::ArrayOpen),
            b']' => Some(Token::ArrayClose),
            b'/' => Some(Token::Name(self.name())),
            _ if is_delimiter(b) => None,
            _ => {
                let start = self.at - 1;
                while self.peek().is_some_and(|b| !is_whitespace(b) && !is_delimiter(b)) {
                    self.at += 1;
                }
                Some(Token::Regular(self.bytes[start..self.at].to_vec()))
            }
        }
    }

    /// After `(`: up to the matching `)`, minding nesting and backslash escapes.
    fn literal_string(&mut self) -> Option<Token> {
        let mut depth = 1;
        while depth > 0 {
            match self.peek()? {
                b'\\' => self.at += 1,
                b'(' => depth += 1,
                b')' => depth -= 1,
                _ => {}
            }
            self.at += 1;
        }
        Some(Token::String)
    }

    /// After `/`: the name's regular characters, with `#xx` escapes decoded.
    fn name(&mut self) -> Vec<u8> {
        let mut name = Vec::new();
        while let Some(b) = self.peek().filter(|&b| !is_whitespace(b) && !is_delimiter(b)) {
            self.at += 1;
            let escaped = (b == b'#')
                .then(|| self.bytes.get(self.at..self.at + 2))
                .flatten()
                .and_then(|hex| std::str::from_utf8(hex).ok())
                .and_then(|hex| u8::from_str_radix(hex, 16).ok());
            match escaped {
                Some(decoded) => {
                    name.push(decoded);
                    self.at += 2;
                }
                None => name.push(b),
            }
        }
        name
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn keys(dict: &str) -> Option<Vec<(String, Value)>> {
        parse(dict.as_bytes())
            .map(|entries| entries.into_iter().map(|(k, v)| (String::from_utf8(k).unwrap(), v)).collect())
    }

    #[test]
    fn a_trailer_gives_its_references_names_and_other_values() {
        let entries =
            keys("  << /Size 6 /Root 1 0 R /Info 5 0 R\n /ID [<0A1B> <2c3d>] /Type /XRef /W [1 2 1] >>").unwrap();
        assert_eq!(
            entries,
            [
                ("Size".into(), Value::Other),
                ("Root".into(), Value::Reference),
                ("Info".into(), Value::Reference),
                ("ID".into(), Value::Other),
                ("Type".into(), Value::Name(b"XRef".to_vec())),
                ("W".into(), Value::Other),
            ]
        );
    }

    #[test]
    fn nested_dictionaries_strings_and_comments_are_skipped() {
        let entries = keys(
            "<</A << /B [1 (a \\) paren and (nested)) << /C /D >>] >> % a comment >>\n\
             /Encrypt<</Filter/Standard/V 2>>/Root 3 0 R>>",
        )
        .unwrap();
        let names: Vec<&str> = entries.iter().map(|(k, _)| k.as_str()).collect();
        assert_eq!(names, ["A", "Encrypt", "Root"]);
        assert_eq!(entries[2].1, Value::Reference);
    }

    #[test]
    fn escaped_names_are_decoded() {
        let entries = keys("<< /Encr#79pt 5 0 R /R#6f#6Ft 1 0 R >>").unwrap();
        assert_eq!(entries[0].0, "Encrypt");
        assert_eq!(entries[1].0, "Root");
    }

    #[test]
    fn a_number_not_followed_by_a_generation_and_r_is_no_reference() {
        let entries = keys("<< /Size 6 /Prev 1234 >>").unwrap();
        assert_eq!(entries, [("Size".into(), Value::Other), ("Prev".into(), Value::Other)]);
    }

    #[test]
    fn cut_or_broken_dictionaries_do_not_parse() {
        assert_eq!(keys("<< /Root 1 0 R /Size 4"), None);
        assert_eq!(keys("<< /Root (unterminated >>"), None);
        assert_eq!(keys("<< 1 0 R >>"), None);
        assert_eq!(keys("/Root 1 0 R"), None);
        assert_eq!(keys("<< /A ] >>"), None);
        let deep = format!("<< /A {} >>", "[".repeat(100));
        assert_eq!(keys(&deep), None);
    }
}
