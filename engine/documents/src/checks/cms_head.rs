//! Whether the first bytes of a file are a CMS (PKCS #7) ContentInfo, as DER or BER: what both the
//! binary sniffing and the base64 one ask of the bytes they have.

/// The DER arcs of 1.2.840.113549.1.7 (PKCS #7 content types), without the last arc.
const PKCS7_ARCS: [u8; 10] = [0x06, 0x09, 0x2A, 0x86, 0x48, 0x86, 0xF7, 0x0D, 0x01, 0x07];

/// A CMS ContentInfo: a SEQUENCE (definite or indefinite length) opening with a PKCS #7 content
/// type OID. Which content type is for `inspect` to judge (only signedData is a signature).
pub(crate) fn is_cms(head: &[u8]) -> bool {
    let oid_at = match head {
        [0x30, 0x80, ..] => 2,
        [0x30, n @ 0x81..=0x84, ..] => 2 + usize::from(n - 0x80),
        _ => return false,
    };
    head.get(oid_at..oid_at + PKCS7_ARCS.len() + 1)
        .is_some_and(|oid| oid.starts_with(&PKCS7_ARCS) && (1..=6).contains(&oid[PKCS7_ARCS.len()]))
}
