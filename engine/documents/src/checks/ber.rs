//! BER read as a stream, one tag-length-value header at a time, for envelopes too large to hold in
//! memory. Italian signing tools write both DER and BER (indefinite lengths, OCTET STRINGs cut into
//! pieces), so both are read alike: a constructed value's children end either at a byte position or at
//! an end-of-contents marker, and [`Reader::more`] hides which. Only the small parts (OIDs, whole
//! certificates) are ever read into memory, each against a byte budget.

use std::io::{self, Read};

/// Universal tags as they appear in the identifier byte.
pub(crate) mod tag {
    pub const INTEGER: u8 = 0x02;
    pub const OCTET_STRING: u8 = 0x04;
    pub const OCTET_STRING_CONSTRUCTED: u8 = 0x24;
    pub const OID: u8 = 0x06;
    pub const SEQUENCE: u8 = 0x30;
    pub const SET: u8 = 0x31;
    /// `[0]` constructed, context-specific.
    pub const CONTEXT_0: u8 = 0xA0;
    /// `[1]` constructed, context-specific.
    pub const CONTEXT_1: u8 = 0xA1;
}

/// How deep constructed values may nest before the input is taken as hostile.
const MAX_DEPTH: u32 = 32;

/// What went wrong reading BER.
#[derive(Debug, thiserror::Error)]
pub(crate) enum Error {
    /// Reading the underlying bytes failed, or they ended too soon (`UnexpectedEof`).
    #[error("reading the envelope")]
    Io(#[from] io::Error),
    /// The bytes are not the BER expected here.
    #[error("malformed BER: {0}")]
    Malformed(&'static str),
    /// A part that must be held in memory is larger than its budget.
    #[error("a part of the envelope is larger than {0} bytes")]
    TooBig(usize),
}

type Result<T> = std::result::Result<T, Error>;

/// One tag-length header.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) struct Header {
    /// The identifier byte (class, constructed bit and tag number below 31).
    pub tag: u8,
    /// The content length, or `None` for the indefinite form.
    pub len: Option<u64>,
    /// How many bytes the header itself took.
    pub size: u8,
}

impl Header {
    fn is_end_of_contents(self) -> bool {
        self.tag == 0 && self.len == Some(0)
    }
}

/// Where a constructed value's children end.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum End {
    /// At this byte position (definite length).
    At(u64),
    /// At an end-of-contents marker (indefinite length).
    Marker,
}

/// A forward-only BER reader over any byte stream.
pub(crate) struct Reader<R> {
    inner: R,
    /// Bytes consumed from `inner`.
    consumed: u64,
    /// A header read ahead by [`Reader::more`] and not yet handed out.
    peeked: Option<Header>,
}

impl<R: Read> Reader<R> {
    pub fn new(inner: R) -> Self {
        Reader { inner, consumed: 0, peeked: None }
    }

    /// The position of the next unread byte, counting a peeked header as unread.
    pub fn position(&self) -> u64 {
        self.consumed - self.peeked.map_or(0, |h| u64::from(h.size))
    }

    fn byte(&mut self) -> Result<u8> {
        let mut b = [0];
        self.inner.read_exact(&mut b)?;
        self.consumed += 1;
        Ok(b[0])
    }

    /// Reads the next header.
    pub fn header(&mut self) -> Result<Header> {
        if let Some(h) = self.peeked.take() {
            return Ok(h);
        }
        let tag = self.byte()?;
        if tag & 0x1F == 0x1F {
            return Err(Error::Malformed("high tag numbers are not used in CMS"));
        }
        let first = self.byte()?;
        let (len, size) = match first {
            0x00..=0x7F => (Some(u64::from(first)), 2),
            0x80 if tag & 0x20 != 0 => (None, 2),
            0x80 => return Err(Error::Malformed("indefinite length on a primitive value")),
            0x81..=0x88 => {
                let n = first - 0x80;
                let mut len = 0u64;
                for _ in 0..n {
                    len = (len << 8) | u64::from(self.byte()?);
                }
                (Some(len), 2 + n)
            }
            _ => return Err(Error::Malformed("length too large")),
        };
        Ok(Header { tag, len, size })
    }

    /// Reads the next header and checks its tag.
    pub fn expect(&mut self, tag: u8) -> Result<Header> {
        let h = self.header()?;
        if h.tag == tag { Ok(h) } else { Err(Error::Malformed("unexpected tag")) }
    }

    /// Where the children of the constructed value `h`, whose header was just read, end.
    pub fn end_of(&self, h: Header) -> End {
        match h.len {
            Some(len) => End::At(self.position() + len),
            None => End::Marker,
        }
    }

    /// Whether another child comes before `end`; at a marker, consumes it.
    pub fn more(&mut self, end: End) -> Result<bool> {
        match end {
            End::At(at) => match self.position().cmp(&at) {
                std::cmp::Ordering::Less => Ok(true),
                std::cmp::Ordering::Equal => Ok(false),
                std::cmp::Ordering::Greater => Err(Error::Malformed("a value overruns its parent")),
            },
            End::Marker => {
                let h = self.header()?;
                if h.is_end_of_contents() {
                    Ok(false)
                } else {
                    self.peeked = Some(h);
                    Ok(true)
                }
            }
        }
    }

    /// Checks that nothing is left before `end` (consuming the marker of an indefinite length).
    pub fn close(&mut self, end: End) -> Result<()> {
        if self.more(end)? { Err(Error::Malformed("unexpected trailing value")) } else { Ok(()) }
    }

    /// The content of a small primitive value, such as an OID or an INTEGER.
    pub fn small_value(&mut self, h: Header, max: usize) -> Result<Vec<u8>> {
        let len = h.len.ok_or(Error::Malformed("indefinite length on a primitive value"))?;
        let len = usize::try_from(len).ok().filter(|&l| l <= max).ok_or(Error::TooBig(max))?;
        let mut value = vec![0; len];
        self.inner.read_exact(&mut value)?;
        self.consumed += len as u64;
        Ok(value)
    }

    /// Skips a value whose header was just read, whatever its form.
    pub fn skip(&mut self, h: Header) -> Result<()> {
        self.skip_at(h, 0)
    }

    fn skip_at(&mut self, h: Header, depth: u32) -> Result<()> {
        match h.len {
            Some(len) => {
                let copied = io::copy(&mut (&mut self.inner).take(len), &mut io::sink())?;
                self.consumed += copied;
                if copied < len {
                    return Err(Error::Io(io::ErrorKind::UnexpectedEof.into()));
                }
            }
            None => {
                let depth = deeper(depth)?;
                while self.more(End::Marker)? {
                    let child = self.header()?;
                    self.skip_at(child, depth)?;
                }
            }
        }
        Ok(())
    }

    /// A whole value (header and content) whose header was just read, with every length, at any
    /// depth, made definite and shortest so that a DER decoder takes it; `budget` is what may still be held
    /// in memory and shrinks by what this value takes.
    pub fn whole(&mut self, h: Header, budget: &mut usize) -> Result<Vec<u8>> {
        self.whole_at(h, budget, 0)
    }

    fn whole_at(&mut self, h: Header, budget: &mut usize, depth: u32) -> Result<Vec<u8>> {
        // Children count themselves against the budget; a primitive value counts its content.
        let (content, counted) = if h.tag & 0x20 == 0 {
            let content = self.small_value(h, *budget)?;
            let len = content.len();
            (content, len)
        } else {
            // Each child is rewritten too, since BER allows indefinite lengths inside definite ones.
            if h.len.is_some_and(|len| len > *budget as u64) {
                return Err(Error::TooBig(*budget));
            }
            let depth = deeper(depth)?;
            let end = self.end_of(h);
            let mut content = Vec::new();
            while self.more(end)? {
                let child = self.header()?;
                content.extend(self.whole_at(child, budget, depth)?);
            }
            (content, 0)
        };
        let mut out = encode_header(h.tag, content.len());
        *budget = budget.checked_sub(out.len() + counted).ok_or(Error::TooBig(*budget))?;
        out.extend(content);
        Ok(out)
    }

    /// Streams the bytes of an OCTET STRING whose header was just read, primitive or cut into
    /// pieces (constructed, at any depth), to `sink` in bounded chunks.
    pub fn octets(&mut self, h: Header, sink: &mut dyn FnMut(&[u8])) -> Result<()> {
        let mut buf = vec![0; 64 * 1024];
        self.octets_at(h, sink, &mut buf, 0)
    }

    fn octets_at(&mut self, h: Header, sink: &mut dyn FnMut(&[u8]), buf: &mut [u8], depth: u32) -> Result<()> {
        match (h.tag, h.len) {
            (tag::OCTET_STRING, Some(mut left)) => {
                while left > 0 {
                    let n = buf.len().min(usize::try_from(left).unwrap_or(usize::MAX));
                    self.inner.read_exact(&mut buf[..n])?;
                    self.consumed += n as u64;
                    left -= n as u64;
                    sink(&buf[..n]);
                }
                Ok(())
            }
            (tag::OCTET_STRING_CONSTRUCTED, _) => {
                let depth = deeper(depth)?;
                let end = self.end_of(h);
                while self.more(end)? {
                    let piece = self.header()?;
                    self.octets_at(piece, sink, buf, depth)?;
                }
                Ok(())
            }
            _ => Err(Error::Malformed("expected an OCTET STRING")),
        }
    }
}

fn deeper(depth: u32) -> Result<u32> {
    if depth < MAX_DEPTH { Ok(depth + 1) } else { Err(Error::Malformed("nested too deep")) }
}

/// A DER header: the tag byte and the definite length in its shortest form.
pub(crate) fn encode_header(tag: u8, len: usize) -> Vec<u8> {
    let mut out = vec![tag];
    if len < 0x80 {
        out.push(len as u8);
    } else {
        let bytes = len.to_be_bytes();
        let skip = bytes.iter().take_while(|&&b| b == 0).count();
        out.push(0x80 | (bytes.len() - skip) as u8);
        out.extend_from_slice(&bytes[skip..]);
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    fn collect(bytes: &[u8]) -> Result<Vec<u8>> {
        let mut reader = Reader::new(bytes);
        let h = reader.header()?;
        let mut out = Vec::new();
        reader.octets(h, &mut |chunk| out.extend_from_slice(chunk))?;
        Ok(out)
    }

    #[test]
    fn a_primitive_octet_string_streams_its_bytes() {
        assert_eq!(collect(&[0x04, 0x03, 1, 2, 3]).unwrap(), [1, 2, 3]);
        assert_eq!(collect(&[0x04, 0x81, 0x02, 7, 8]).unwrap(), [7, 8]);
    }

    #[test]
    fn octet_strings_cut_into_pieces_are_joined_at_any_depth() {
        // Indefinite, holding a piece and a definite constructed string holding two pieces.
        let ber =
            [0x24, 0x80, 0x04, 0x02, b'a', b'b', 0x24, 0x07, 0x04, 0x01, b'c', 0x04, 0x02, b'd', b'e', 0x00, 0x00];
        assert_eq!(collect(&ber).unwrap(), b"abcde");
    }

    #[test]
    fn a_cut_stream_is_an_unexpected_eof() {
        match collect(&[0x04, 0x05, 1, 2]) {
            Err(Error::Io(e)) => assert_eq!(e.kind(), io::ErrorKind::UnexpectedEof),
            other => panic!("{other:?}"),
        }
        assert!(collect(&[0x24, 0x80, 0x04, 0x01, 1]).is_err());
    }

    #[test]
    fn a_piece_that_is_not_an_octet_string_is_malformed() {
        assert!(matches!(collect(&[0x24, 0x80, 0x02, 0x01, 1, 0, 0]), Err(Error::Malformed(_))));
        assert!(matches!(collect(&[0x02, 0x01, 1]), Err(Error::Malformed(_))));
    }

    #[test]
    fn whole_values_come_out_with_definite_lengths() {
        // SEQUENCE (indefinite) { INTEGER 5, SET (indefinite) { } }
        let ber = [0x30, 0x80, 0x02, 0x01, 0x05, 0x31, 0x80, 0x00, 0x00, 0x00, 0x00];
        let mut reader = Reader::new(&ber[..]);
        let h = reader.header().unwrap();
        let mut budget = 100;
        let der = reader.whole(h, &mut budget).unwrap();
        assert_eq!(der, [0x30, 0x05, 0x02, 0x01, 0x05, 0x31, 0x00]);
        // The INTEGER (3 bytes), then the SET's header and the SEQUENCE's.
        assert_eq!(budget, 100 - 3 - 2 - 2);
        assert_eq!(reader.position(), ber.len() as u64);
    }

    #[test]
    fn indefinite_lengths_inside_definite_ones_are_rewritten_too() {
        // SEQUENCE (definite, 8) { SEQUENCE (indefinite) { INTEGER 7 } } with a long-form length.
        let ber = [0x30, 0x81, 0x07, 0x30, 0x80, 0x02, 0x01, 0x07, 0x00, 0x00];
        let mut reader = Reader::new(&ber[..]);
        let h = reader.header().unwrap();
        let der = reader.whole(h, &mut 100).unwrap();
        assert_eq!(der, [0x30, 0x05, 0x30, 0x03, 0x02, 0x01, 0x07]);
    }

    #[test]
    fn whole_values_beyond_the_budget_are_refused() {
        let mut reader = Reader::new(&[0x30, 0x03, 0x02, 0x01, 0x05][..]);
        let h = reader.header().unwrap();
        assert!(matches!(reader.whole(h, &mut 4), Err(Error::TooBig(_))));
    }

    #[test]
    fn more_and_close_follow_both_length_forms() {
        let ber = [0x30, 0x80, 0x02, 0x01, 0x01, 0x00, 0x00, 0x30, 0x03, 0x02, 0x01, 0x02];
        let mut reader = Reader::new(&ber[..]);
        let outer = reader.expect(tag::SEQUENCE).unwrap();
        let end = reader.end_of(outer);
        assert_eq!(end, End::Marker);
        assert!(reader.more(end).unwrap());
        let int = reader.expect(tag::INTEGER).unwrap();
        assert_eq!(reader.small_value(int, 8).unwrap(), [1]);
        reader.close(end).unwrap();
        let second = reader.expect(tag::SEQUENCE).unwrap();
        let end = reader.end_of(second);
        assert_eq!(end, End::At(12));
        let int = reader.header().unwrap();
        reader.skip(int).unwrap();
        reader.close(end).unwrap();
    }

    #[test]
    fn nesting_beyond_the_limit_is_refused() {
        let ber: Vec<u8> = std::iter::repeat_n([0x24, 0x80], 40).flatten().collect();
        assert!(matches!(collect(&ber), Err(Error::Malformed("nested too deep"))));
    }

    #[test]
    fn headers_reject_what_cms_never_uses() {
        assert!(Reader::new(&[0x1F, 0x81, 0x00][..]).header().is_err());
        assert!(Reader::new(&[0x04, 0x80][..]).header().is_err());
        assert!(Reader::new(&[0x04, 0x89, 0, 0, 0, 0, 0, 0, 0, 0, 0][..]).header().is_err());
    }

    #[test]
    fn der_headers_use_the_shortest_length() {
        assert_eq!(encode_header(0x30, 5), [0x30, 0x05]);
        assert_eq!(encode_header(0x30, 0x80), [0x30, 0x81, 0x80]);
        assert_eq!(encode_header(0x31, 0x1234), [0x31, 0x82, 0x12, 0x34]);
    }
}
