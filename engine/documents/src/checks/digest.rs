//! The digest algorithms a CAdES signature may name (SHA-256, and SHA-1 for old files, SHA-384 and
//! SHA-512), told by OID, with one running hasher type over all of them so that the envelope's content
//! can be hashed as it streams past, and the DigestInfo prefixes PKCS #1 v1.5 signatures wrap them in.

use x509_cert::der::asn1::ObjectIdentifier;

/// A digest algorithm a signature may use.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum DigestAlg {
    Sha1,
    Sha256,
    Sha384,
    Sha512,
}

const SHA1: ObjectIdentifier = ObjectIdentifier::new_unwrap("1.3.14.3.2.26");
const SHA256: ObjectIdentifier = ObjectIdentifier::new_unwrap("2.16.840.1.101.3.4.2.1");
const SHA384: ObjectIdentifier = ObjectIdentifier::new_unwrap("2.16.840.1.101.3.4.2.2");
const SHA512: ObjectIdentifier = ObjectIdentifier::new_unwrap("2.16.840.1.101.3.4.2.3");

impl DigestAlg {
    /// The algorithm an `AlgorithmIdentifier` names, if it is one of ours.
    pub fn from_oid(oid: &ObjectIdentifier) -> Option<Self> {
        [(SHA1, Self::Sha1), (SHA256, Self::Sha256), (SHA384, Self::Sha384), (SHA512, Self::Sha512)]
            .into_iter()
            .find(|(known, _)| known == oid)
            .map(|(_, alg)| alg)
    }

    /// A fresh running hasher.
    pub fn hasher(self) -> Hasher {
        match self {
            Self::Sha1 => Hasher::Sha1(sha1::Digest::new()),
            Self::Sha256 => Hasher::Sha256(sha2::Digest::new()),
            Self::Sha384 => Hasher::Sha384(sha2::Digest::new()),
            Self::Sha512 => Hasher::Sha512(sha2::Digest::new()),
        }
    }

    /// The digest of bytes already in memory.
    pub fn digest(self, bytes: &[u8]) -> Vec<u8> {
        let mut hasher = self.hasher();
        hasher.update(bytes);
        hasher.finish()
    }

    /// The DER of `DigestInfo` up to the digest itself, for PKCS #1 v1.5: with the NULL parameters
    /// RFC 8017 writes, and without them, as some signers still do.
    pub fn pkcs1_prefixes(self) -> [&'static [u8]; 2] {
        match self {
            Self::Sha1 => [
                &[0x30, 0x21, 0x30, 0x09, 0x06, 0x05, 0x2B, 0x0E, 0x03, 0x02, 0x1A, 0x05, 0x00, 0x04, 0x14],
                &[0x30, 0x1F, 0x30, 0x07, 0x06, 0x05, 0x2B, 0x0E, 0x03, 0x02, 0x1A, 0x04, 0x14],
            ],
            Self::Sha256 => [&SHA2_WITH_NULL[0], &SHA2_WITHOUT_NULL[0]],
            Self::Sha384 => [&SHA2_WITH_NULL[1], &SHA2_WITHOUT_NULL[1]],
            Self::Sha512 => [&SHA2_WITH_NULL[2], &SHA2_WITHOUT_NULL[2]],
        }
    }
}

/// DigestInfo prefixes of SHA-256, SHA-384 and SHA-512 (OID arcs 1, 2 and 3 under
/// 2.16.840.1.101.3.4.2), with NULL parameters.
const SHA2_WITH_NULL: [[u8; 19]; 3] =
    [sha2_prefix(1, 0x20, true), sha2_prefix(2, 0x30, true), sha2_prefix(3, 0x40, true)];
/// The same without parameters.
const SHA2_WITHOUT_NULL: [[u8; 17]; 3] =
    [sha2_prefix(1, 0x20, false), sha2_prefix(2, 0x30, false), sha2_prefix(3, 0x40, false)];

const fn sha2_prefix<const N: usize>(arc: u8, len: u8, null: bool) -> [u8; N] {
    let mut out = [0u8; N];
    let extra = if null { 2 } else { 0 };
    let head =
        [0x30, 0x0F + extra + len, 0x30, 0x0B + extra, 0x06, 0x09, 0x60, 0x86, 0x48, 0x01, 0x65, 0x03, 0x04, 0x02, arc];
    let mut i = 0;
    while i < head.len() {
        out[i] = head[i];
        i += 1;
    }
    if null {
        out[i] = 0x05;
        out[i + 1] = 0x00;
        i += 2;
    }
    out[i] = 0x04;
    out[i + 1] = len;
    out
}

/// A running digest of one of the [`DigestAlg`]s.
pub(crate) enum Hasher {
    Sha1(sha1::Sha1),
    Sha256(sha2::Sha256),
    Sha384(sha2::Sha384),
    Sha512(sha2::Sha512),
}

impl Hasher {
    /// Feeds more bytes.
    pub fn update(&mut self, bytes: &[u8]) {
        match self {
            Hasher::Sha1(h) => sha1::Digest::update(h, bytes),
            Hasher::Sha256(h) => sha2::Digest::update(h, bytes),
            Hasher::Sha384(h) => sha2::Digest::update(h, bytes),
            Hasher::Sha512(h) => sha2::Digest::update(h, bytes),
        }
    }

    /// The digest of everything fed.
    pub fn finish(self) -> Vec<u8> {
        match self {
            Hasher::Sha1(h) => sha1::Digest::finalize(h).to_vec(),
            Hasher::Sha256(h) => sha2::Digest::finalize(h).to_vec(),
            Hasher::Sha384(h) => sha2::Digest::finalize(h).to_vec(),
            Hasher::Sha512(h) => sha2::Digest::finalize(h).to_vec(),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn hex(bytes: &[u8]) -> String {
        bytes.iter().map(|b| format!("{b:02x}")).collect()
    }

    #[test]
    fn digests_match_the_published_test_vectors() {
        assert_eq!(hex(&DigestAlg::Sha1.digest(b"abc")), "a9993e364706816aba3e25717850c26c9cd0d89d");
        assert_eq!(
            hex(&DigestAlg::Sha256.digest(b"abc")),
            "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad"
        );
        assert_eq!(DigestAlg::Sha384.digest(b"abc").len(), 48);
        assert_eq!(DigestAlg::Sha512.digest(b"abc").len(), 64);
    }

    #[test]
    fn a_streamed_digest_equals_the_one_of_the_whole() {
        let mut hasher = DigestAlg::Sha256.hasher();
        hasher.update(b"a");
        hasher.update(b"bc");
        assert_eq!(hasher.finish(), DigestAlg::Sha256.digest(b"abc"));
    }

    #[test]
    fn pkcs1_prefixes_are_the_rfc_8017_ones() {
        // RFC 8017, section 9.2, note 1.
        assert_eq!(hex(DigestAlg::Sha256.pkcs1_prefixes()[0]), "3031300d060960864801650304020105000420");
        assert_eq!(hex(DigestAlg::Sha384.pkcs1_prefixes()[0]), "3041300d060960864801650304020205000430");
        assert_eq!(hex(DigestAlg::Sha512.pkcs1_prefixes()[0]), "3051300d060960864801650304020305000440");
        assert_eq!(hex(DigestAlg::Sha256.pkcs1_prefixes()[1]), "302f300b06096086480165030402010420");
    }

    #[test]
    fn algorithms_are_told_by_oid() {
        assert_eq!(DigestAlg::from_oid(&SHA256), Some(DigestAlg::Sha256));
        assert_eq!(DigestAlg::from_oid(&ObjectIdentifier::new_unwrap("1.2.840.113549.2.5")), None);
    }
}
