//! `.p7m` files that travel as base64 text, with or without a PEM `-----BEGIN PKCS7-----` line, as
//! some signing tools and mail clients leave them: told apart by the first few decoded bytes, and
//! decoded as a stream so that the envelope is read just as its binary form would be.

use std::io::{self, Read};

use crate::checks::cms_head::is_cms;

/// Whether `head` is base64 text whose decoded bytes open a CMS envelope.
pub(crate) fn looks_like_cms(head: &[u8]) -> bool {
    let Some(start) = body_start(head) else {
        return false;
    };
    let mut decoder = Decoder::new(&head[start..]);
    let mut decoded = [0; 24];
    let mut filled = 0;
    while filled < decoded.len() {
        match decoder.read(&mut decoded[filled..]) {
            Ok(0) | Err(_) => break,
            Ok(n) => filled += n,
        }
    }
    is_cms(&decoded[..filled])
}

/// Where the base64 text starts: after a byte order mark, whitespace and a PEM header line for
/// PKCS #7 or CMS. A DER envelope (SEQUENCE, `0x30`) always starts with `M` in base64.
pub(crate) fn body_start(head: &[u8]) -> Option<usize> {
    let text = head.strip_prefix(b"\xEF\xBB\xBF").unwrap_or(head);
    let mut at = head.len() - text.len() + (text.len() - text.trim_ascii_start().len());
    if head[at..].starts_with(b"-----BEGIN ") {
        let line_end = head[at..].iter().position(|&b| b == b'\n')?;
        let line = &head[at..at + line_end];
        let label = String::from_utf8_lossy(line).to_ascii_uppercase();
        if !(label.contains("PKCS7") || label.contains("PKCS #7") || label.contains("CMS")) {
            return None;
        }
        at += line_end + 1;
        at += head[at..].len() - head[at..].trim_ascii_start().len();
    }
    (head.get(at) == Some(&b'M')).then_some(at)
}

/// Decodes standard base64 read from `inner`, skipping whitespace, up to the padding, a PEM
/// `-----END` line or the end of the input.
pub(crate) struct Decoder<R> {
    inner: R,
    quad: [u8; 4],
    in_quad: usize,
    decoded: Vec<u8>,
    served: usize,
    done: bool,
    /// A character that is not base64 was met: an error once what came before is served.
    invalid: bool,
}

impl<R: Read> Decoder<R> {
    pub fn new(inner: R) -> Self {
        Decoder { inner, quad: [0; 4], in_quad: 0, decoded: Vec::new(), served: 0, done: false, invalid: false }
    }

    fn refill(&mut self) -> io::Result<()> {
        self.decoded.clear();
        self.served = 0;
        let mut chunk = [0; 8192];
        let n = self.inner.read(&mut chunk)?;
        if n == 0 {
            return self.finish();
        }
        for &b in &chunk[..n] {
            match b {
                _ if self.done => break,
                b'-' | b'=' => self.finish()?,
                _ if b.is_ascii_whitespace() => {}
                _ => {
                    let Some(sextet) = sextet(b) else {
                        self.invalid = true;
                        break;
                    };
                    self.quad[self.in_quad] = sextet;
                    self.in_quad += 1;
                    if self.in_quad == 4 {
                        self.flush_quad();
                    }
                }
            }
        }
        Ok(())
    }

    fn flush_quad(&mut self) {
        let [a, b, c, d] = self.quad;
        let bytes = [a << 2 | b >> 4, b << 4 | c >> 2, c << 6 | d];
        let keep = match self.in_quad {
            4 => 3,
            n => n - 1,
        };
        self.decoded.extend_from_slice(&bytes[..keep]);
        self.quad = [0; 4];
        self.in_quad = 0;
    }

    /// The end of the data: a partial group of two or three characters still holds bytes.
    fn finish(&mut self) -> io::Result<()> {
        if self.done {
            return Ok(());
        }
        self.done = true;
        match self.in_quad {
            0 => Ok(()),
            1 => Err(invalid("base64 cut in the middle of a byte")),
            _ => {
                self.flush_quad();
                Ok(())
            }
        }
    }
}

impl<R: Read> Read for Decoder<R> {
    fn read(&mut self, buf: &mut [u8]) -> io::Result<usize> {
        while self.served == self.decoded.len() {
            if self.invalid {
                return Err(invalid("not base64"));
            }
            if self.done {
                return Ok(0);
            }
            self.refill()?;
        }
        let n = buf.len().min(self.decoded.len() - self.served);
        buf[..n].copy_from_slice(&self.decoded[self.served..self.served + n]);
        self.served += n;
        Ok(n)
    }
}

fn sextet(b: u8) -> Option<u8> {
    match b {
        b'A'..=b'Z' => Some(b - b'A'),
        b'a'..=b'z' => Some(b - b'a' + 26),
        b'0'..=b'9' => Some(b - b'0' + 52),
        b'+' => Some(62),
        b'/' => Some(63),
        _ => None,
    }
}

fn invalid(what: &'static str) -> io::Error {
    io::Error::new(io::ErrorKind::InvalidData, what)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn decode(text: &[u8]) -> io::Result<Vec<u8>> {
        let mut out = Vec::new();
        let mut decoder = Decoder::new(text);
        let mut buf = [0; 5];
        loop {
            match decoder.read(&mut buf)? {
                0 => return Ok(out),
                n => out.extend_from_slice(&buf[..n]),
            }
        }
    }

    #[test]
    fn base64_decodes_across_whitespace_padding_and_an_end_line() {
        assert_eq!(decode(b"TWFu").unwrap(), b"Man");
        assert_eq!(decode(b"TW\r\nE=").unwrap(), b"Ma");
        assert_eq!(decode(b"TQ==\n-----END CMS-----\n").unwrap(), b"M");
        assert_eq!(decode(b"TWE").unwrap(), b"Ma");
        assert_eq!(decode(b"").unwrap(), b"");
    }

    #[test]
    fn bad_base64_is_invalid_data() {
        assert_eq!(decode(b"TW!u").unwrap_err().kind(), io::ErrorKind::InvalidData);
        assert_eq!(decode(b"TWFuT").unwrap_err().kind(), io::ErrorKind::InvalidData);
    }

    #[test]
    fn pem_and_bare_base64_envelopes_are_recognised() {
        let pem = include_bytes!("fixtures/rsa-sha256-pem.p7m");
        assert!(pem.starts_with(b"-----BEGIN CMS-----\n"));
        assert_eq!(body_start(pem), Some(20));
        assert!(looks_like_cms(pem));
        assert!(looks_like_cms(&pem[20..]));
        assert!(looks_like_cms(&[b"\xEF\xBB\xBF\r\n".as_slice(), &pem[20..]].concat()));
    }

    #[test]
    fn other_base64_or_pem_is_not_an_envelope() {
        assert!(!looks_like_cms(b"-----BEGIN CERTIFICATE-----\nMIIB"));
        assert!(!looks_like_cms(b"TWFuIGlzIGRpc3Rpbmd1aXNoZWQ="));
        assert!(!looks_like_cms(b"MIIBIjANBgkqhkiG9w0BAQEFAAOCAQ8AMIIBCgKCAQEA"));
    }
}
