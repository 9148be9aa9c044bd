//! A first, unverified look at a compact JWT: the header's `alg`, `kid` and `crit`, and the payload's
//! `iss`. They only choose how the token is verified (which issuer, which key, which algorithm); nothing
//! read here is trusted until the signature and claims have been checked in `verify`.

use serde::Deserialize;

use crate::auth::AuthError;

/// Longer tokens are refused before any decoding (real ones are a few kilobytes at most).
const MAX_TOKEN_LEN: usize = 16 * 1024;

/// What the token says about itself, before it is verified.
#[derive(Debug)]
pub(crate) struct Unverified {
    /// The header's `alg`, as written (`none` included).
    pub alg: String,
    /// The header's `kid`, if any.
    pub kid: Option<String>,
    /// The payload's `iss`.
    pub issuer: String,
}

#[derive(Deserialize)]
struct Header {
    alg: String,
    kid: Option<String>,
    crit: Option<serde_json::Value>,
}

#[derive(Deserialize)]
struct Payload {
    iss: Option<serde_json::Value>,
}

/// Reads the routing fields of `token`, refusing anything that is not a compact JWS with a string `iss`.
pub(crate) fn peek(token: &str) -> Result<Unverified, AuthError> {
    if token.len() > MAX_TOKEN_LEN {
        return Err(AuthError::InvalidToken("too long"));
    }
    let mut parts = token.split('.');
    let (Some(header), Some(payload), Some(_signature), None) =
        (parts.next(), parts.next(), parts.next(), parts.next())
    else {
        return Err(AuthError::InvalidToken("not a signed jwt"));
    };
    let header: Header = json(header).ok_or(AuthError::InvalidToken("unreadable header"))?;
    if header.crit.is_some() {
        // RFC 7515 §4.1.11: extensions marked critical must be understood; this server knows none.
        return Err(AuthError::InvalidToken("critical header extensions are not supported"));
    }
    let payload: Payload = json(payload).ok_or(AuthError::InvalidToken("unreadable claims"))?;
    let Some(serde_json::Value::String(issuer)) = payload.iss else {
        return Err(AuthError::InvalidToken("no iss claim"));
    };
    Ok(Unverified { alg: header.alg, kid: header.kid, issuer })
}

fn json<T: serde::de::DeserializeOwned>(part: &str) -> Option<T> {
    serde_json::from_slice(&base64url(part)?).ok()
}

/// Decodes unpadded base64url (RFC 4648 §5), as JWS uses; `None` on any other character.
fn base64url(text: &str) -> Option<Vec<u8>> {
    let mut out = Vec::with_capacity(text.len() * 3 / 4);
    let (mut buffer, mut bits) = (0u32, 0u32);
    for byte in text.bytes() {
        let value = match byte {
            b'A'..=b'Z' => byte - b'A',
            b'a'..=b'z' => byte - b'a' + 26,
            b'0'..=b'9' => byte - b'0' + 52,
            b'-' => 62,
            b'_' => 63,
            _ => return None,
        };
        buffer = (buffer << 6) | u32::from(value);
        bits += 6;
        if bits >= 8 {
            bits -= 8;
            out.push((buffer >> bits) as u8);
            buffer &= (1 << bits) - 1;
        }
    }
    // A length of 4n + 1 characters leaves 6 bits over: not a whole byte.
    (bits < 6).then_some(out)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn base64url_decodes_every_length_and_refuses_padding() {
        assert_eq!(base64url("").unwrap(), b"");
        assert_eq!(base64url("Zg").unwrap(), b"f");
        assert_eq!(base64url("Zm8").unwrap(), b"fo");
        assert_eq!(base64url("Zm9v").unwrap(), b"foo");
        assert_eq!(base64url("-_8").unwrap(), [0xfb, 0xff]);
        assert_eq!(base64url("Zm9vY"), None);
        assert_eq!(base64url("Zg=="), None);
        assert_eq!(base64url("+/"), None);
    }

    #[test]
    fn peek_reads_alg_kid_and_issuer_even_for_alg_none() {
        // {"alg":"none","kid":"k"} . {"iss":"https://id.example"} . (empty)
        let token = "eyJhbGciOiJub25lIiwia2lkIjoiayJ9.eyJpc3MiOiJodHRwczovL2lkLmV4YW1wbGUifQ.";
        let peeked = peek(token).unwrap();
        assert_eq!((peeked.alg.as_str(), peeked.kid.as_deref()), ("none", Some("k")));
        assert_eq!(peeked.issuer, "https://id.example");
    }

    #[test]
    fn peek_refuses_what_is_not_a_signed_jwt() {
        for token in ["abc", "a.b", "a.b.c.d.e", "e30.e30.sig"] {
            assert_eq!(peek(token).unwrap_err().code(), "invalid-token", "{token}");
        }
        // {"alg":"RS256","crit":["exp"]} . {"iss":"x"}
        let critical = "eyJhbGciOiJSUzI1NiIsImNyaXQiOlsiZXhwIl19.eyJpc3MiOiJ4In0.sig";
        assert!(peek(critical).unwrap_err().to_string().contains("critical"));
    }
}
