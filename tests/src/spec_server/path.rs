//! Templated paths (`/organizations/{organizationfiscalcode}/debtpositions/{iupd}`): matching a request
//! path segment by segment, percent-decoding what the parameters capture, and ranking templates so that
//! a literal segment beats a parameter (`/debtpositions/transfers` before `/debtpositions/{iupd}`).

use std::cmp::Ordering;

/// One segment of a template.
#[derive(Debug, Clone, PartialEq, Eq)]
enum Segment {
    Literal(String),
    Param(String),
}

/// A path template of the document.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PathTemplate {
    segments: Vec<Segment>,
}

impl PathTemplate {
    /// Parses a template; a segment is a parameter when it is `{name}` whole.
    pub fn parse(template: &str) -> Self {
        let segments = split(template)
            .map(|segment| match segment.strip_prefix('{').and_then(|s| s.strip_suffix('}')) {
                Some(name) => Segment::Param(name.to_owned()),
                None => Segment::Literal(segment.to_owned()),
            })
            .collect();
        Self { segments }
    }

    /// The parameters' values, percent-decoded, if `path` (below the base path, still encoded) matches.
    pub fn capture(&self, path: &str) -> Option<Vec<(String, String)>> {
        let given: Vec<&str> = split(path).collect();
        if given.len() != self.segments.len() {
            return None;
        }
        let mut captured = Vec::new();
        for (segment, text) in self.segments.iter().zip(given) {
            let text = percent_decode(text)?;
            match segment {
                Segment::Literal(literal) if *literal == text => {}
                Segment::Literal(_) => return None,
                Segment::Param(_) if text.is_empty() => return None,
                Segment::Param(name) => captured.push((name.clone(), text)),
            }
        }
        Some(captured)
    }

    /// Which of two templates matching the same path is more specific: the first segment where one has
    /// a literal and the other a parameter decides.
    pub fn specificity(&self, other: &Self) -> Ordering {
        self.segments
            .iter()
            .zip(&other.segments)
            .map(|pair| match pair {
                (Segment::Literal(_), Segment::Param(_)) => Ordering::Greater,
                (Segment::Param(_), Segment::Literal(_)) => Ordering::Less,
                _ => Ordering::Equal,
            })
            .find(|order| order.is_ne())
            .unwrap_or(Ordering::Equal)
    }
}

/// The segments after the leading `/`; a trailing `/` makes an empty last segment.
fn split(path: &str) -> impl Iterator<Item = &str> {
    path.strip_prefix('/').unwrap_or(path).split('/')
}

/// `%XX` escapes decoded as UTF-8; `None` for a broken escape or invalid UTF-8.
pub fn percent_decode(text: &str) -> Option<String> {
    let bytes = text.as_bytes();
    let mut out = Vec::with_capacity(bytes.len());
    let mut i = 0;
    while i < bytes.len() {
        if bytes[i] == b'%' {
            let hex = std::str::from_utf8(bytes.get(i + 1..i + 3)?).ok()?;
            out.push(u8::from_str_radix(hex, 16).ok()?);
            i += 3;
        } else {
            out.push(bytes[i]);
            i += 1;
        }
    }
    String::from_utf8(out).ok()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parameters_capture_decoded_segments() {
        let template = PathTemplate::parse("/organizations/{organizationfiscalcode}/debtpositions/{iupd}");
        assert_eq!(
            template.capture("/organizations/77777777777/debtpositions/IUPD%20001"),
            Some(vec![
                ("organizationfiscalcode".to_owned(), "77777777777".to_owned()),
                ("iupd".to_owned(), "IUPD 001".to_owned())
            ])
        );
        assert_eq!(template.capture("/organizations/77777777777/debtpositions"), None);
        assert_eq!(template.capture("/organizations/77777777777/debtpositions/"), None);
        assert_eq!(template.capture("/organizations/77777777777/positions/x"), None);
    }

    #[test]
    fn a_trailing_slash_is_part_of_the_template() {
        assert!(PathTemplate::parse("/activations/").capture("/activations/").is_some());
        assert!(PathTemplate::parse("/activations/").capture("/activations").is_none());
    }

    #[test]
    fn a_literal_segment_is_more_specific_than_a_parameter() {
        let literal = PathTemplate::parse("/organizations/{o}/debtpositions/transfers");
        let param = PathTemplate::parse("/organizations/{o}/debtpositions/{iupd}");
        assert_eq!(literal.specificity(&param), Ordering::Greater);
        assert_eq!(param.specificity(&literal), Ordering::Less);
    }
}
