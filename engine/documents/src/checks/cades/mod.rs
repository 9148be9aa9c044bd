//! CAdES `.p7m` envelopes with the document inside (CMS SignedData, RFC 5652), read in one pass:
//! the envelope's headers are walked as a BER stream, the signed content is hashed as it goes by with
//! every digest algorithm the envelope announces (and its first bytes kept to tell what it is), and
//! only the certificates and signer infos, which are small, are held in memory to check each
//! signature ([`signature`]). DER and BER (indefinite lengths, content cut into pieces) are read alike.

mod attributes;
mod keys;
mod signature;

use std::io::{self, Read};

use x509_cert::der::Decode;
use x509_cert::der::asn1::ObjectIdentifier;
use x509_cert::spki::AlgorithmIdentifierOwned;

use crate::checks::ber::{self, tag};
use crate::checks::digest::{DigestAlg, Hasher};
use crate::checks::{Refusal, SNIFF_LEN, Signer};

/// id-signedData, 1.2.840.113549.1.7.2.
const SIGNED_DATA: ObjectIdentifier = ObjectIdentifier::new_unwrap("1.2.840.113549.1.7.2");

/// The most the certificates and signer infos may take in memory together.
const MAX_HELD: usize = 1024 * 1024;

/// What a verified envelope holds.
#[derive(Debug)]
pub(crate) struct Envelope {
    /// Every signer, in the envelope's order; each signature verified.
    pub signers: Vec<Signer>,
    /// Every certificate the envelope carries, DER-encoded.
    pub certificates: Vec<Vec<u8>>,
    /// The first bytes of the signed content, to tell what it is.
    pub content_head: Vec<u8>,
    /// Where the signed content lies in the input, when it is in one piece (DER): its first
    /// byte's position and its length.
    pub content_span: Option<(u64, u64)>,
}

/// Reads the envelope in `input` and verifies every signature in it.
pub(crate) fn verify(input: impl Read) -> Result<Envelope, Refusal> {
    let mut reader = ber::Reader::new(input);
    let signed = walk(&mut reader)?;
    let certificates: Vec<_> =
        signed.certificates.iter().filter_map(|der| x509_cert::Certificate::from_der(der).ok()).collect();
    if signed.signer_infos.is_empty() {
        return Err(Refusal::DamagedEnvelope);
    }
    let signers = signed
        .signer_infos
        .iter()
        .map(|info| signature::check(info, &signed.content, &certificates))
        .collect::<Result<_, _>>()?;
    Ok(Envelope {
        signers,
        certificates: signed.certificates,
        content_head: signed.content.head,
        content_span: signed.content.span,
    })
}

/// The signed content as it went by.
pub(crate) struct Content {
    /// The `eContentType`.
    pub content_type: ObjectIdentifier,
    /// Its digest by each algorithm the envelope announced.
    pub digests: Vec<(DigestAlg, Vec<u8>)>,
    /// Its first bytes.
    pub head: Vec<u8>,
    /// Where it lies in the input, when it is in one piece.
    pub span: Option<(u64, u64)>,
}

/// The parts of a SignedData that are checked after the content went by.
struct SignedParts {
    content: Content,
    certificates: Vec<Vec<u8>>,
    signer_infos: Vec<Vec<u8>>,
}

/// Walks ContentInfo { signedData, [0] SignedData { version, digestAlgorithms, encapContentInfo,
/// [0] certificates, [1] crls, signerInfos } }.
fn walk<R: Read>(reader: &mut ber::Reader<R>) -> Result<SignedParts, Refusal> {
    let content_info = reader.expect(tag::SEQUENCE).map_err(refusal)?;
    let content_info_end = reader.end_of(content_info);
    if oid(reader)? != SIGNED_DATA {
        return Err(Refusal::NotSignedData);
    }
    let explicit = reader.expect(tag::CONTEXT_0).map_err(refusal)?;
    let explicit_end = reader.end_of(explicit);
    let signed_data = reader.expect(tag::SEQUENCE).map_err(refusal)?;
    let signed_data_end = reader.end_of(signed_data);

    let version = reader.expect(tag::INTEGER).map_err(refusal)?;
    reader.skip(version).map_err(refusal)?;
    let mut held = MAX_HELD;
    let algorithms = reader.expect(tag::SET).map_err(refusal)?;
    let algorithms = reader.whole(algorithms, &mut held).map_err(refusal)?;
    let mut hashers = announced_digests(&algorithms)?;

    let content = encapsulated_content(reader, &mut hashers)?;

    let mut certificates = Vec::new();
    let mut signer_infos = Vec::new();
    while reader.more(signed_data_end).map_err(refusal)? {
        let h = reader.header().map_err(refusal)?;
        match h.tag {
            tag::CONTEXT_0 => {
                let end = reader.end_of(h);
                while reader.more(end).map_err(refusal)? {
                    let choice = reader.header().map_err(refusal)?;
                    let der = reader.whole(choice, &mut held).map_err(refusal)?;
                    // Other CertificateChoices (attribute certificates) play no part.
                    if choice.tag == tag::SEQUENCE {
                        certificates.push(der);
                    }
                }
            }
            tag::CONTEXT_1 => reader.skip(h).map_err(refusal)?,
            tag::SET if signer_infos.is_empty() => {
                let end = reader.end_of(h);
                while reader.more(end).map_err(refusal)? {
                    let info = reader.header().map_err(refusal)?;
                    signer_infos.push(reader.whole(info, &mut held).map_err(refusal)?);
                }
            }
            _ => return Err(Refusal::DamagedEnvelope),
        }
    }
    reader.close(explicit_end).map_err(refusal)?;
    reader.close(content_info_end).map_err(refusal)?;
    let digests = hashers.into_iter().map(|(alg, hasher)| (alg, hasher.finish())).collect();
    Ok(SignedParts { content: Content { digests, ..content }, certificates, signer_infos })
}

/// A hasher for each supported algorithm in SignedData's `digestAlgorithms`, each at most once
/// (so the content is hashed at most four times, whatever the envelope announces).
fn announced_digests(set: &[u8]) -> Result<Vec<(DigestAlg, Hasher)>, Refusal> {
    let mut reader = ber::Reader::new(set);
    let h = reader.expect(tag::SET).map_err(refusal)?;
    let end = reader.end_of(h);
    let mut hashers: Vec<(DigestAlg, Hasher)> = Vec::new();
    let mut budget = set.len();
    while reader.more(end).map_err(refusal)? {
        let h = reader.header().map_err(refusal)?;
        let der = reader.whole(h, &mut budget).map_err(refusal)?;
        let algorithm = AlgorithmIdentifierOwned::from_der(&der).map_err(|_| Refusal::DamagedEnvelope)?;
        if let Some(alg) = DigestAlg::from_oid(&algorithm.oid)
            && !hashers.iter().any(|(known, _)| *known == alg)
        {
            hashers.push((alg, alg.hasher()));
        }
    }
    Ok(hashers)
}

/// EncapsulatedContentInfo { eContentType, [0] EXPLICIT OCTET STRING }: streams the content into
/// the hashers and says what went by (the digests are still in the hashers). No content means a
/// detached signature.
fn encapsulated_content<R: Read>(
    reader: &mut ber::Reader<R>,
    hashers: &mut [(DigestAlg, Hasher)],
) -> Result<Content, Refusal> {
    let info = reader.expect(tag::SEQUENCE).map_err(refusal)?;
    let info_end = reader.end_of(info);
    let content_type = oid(reader)?;
    if !reader.more(info_end).map_err(refusal)? {
        return Err(Refusal::DetachedSignature);
    }
    let explicit = reader.expect(tag::CONTEXT_0).map_err(refusal)?;
    let explicit_end = reader.end_of(explicit);
    let octets = reader.header().map_err(refusal)?;
    let span = match (octets.tag, octets.len) {
        (tag::OCTET_STRING, Some(len)) => Some((reader.position(), len)),
        _ => None,
    };
    let mut head = Vec::with_capacity(SNIFF_LEN);
    reader
        .octets(octets, &mut |chunk| {
            let room = SNIFF_LEN - head.len();
            head.extend_from_slice(&chunk[..room.min(chunk.len())]);
            for (_, hasher) in hashers.iter_mut() {
                hasher.update(chunk);
            }
        })
        .map_err(refusal)?;
    reader.close(explicit_end).map_err(refusal)?;
    reader.close(info_end).map_err(refusal)?;
    Ok(Content { content_type, digests: Vec::new(), head, span })
}

/// An OBJECT IDENTIFIER.
fn oid<R: Read>(reader: &mut ber::Reader<R>) -> Result<ObjectIdentifier, Refusal> {
    let h = reader.expect(tag::OID).map_err(refusal)?;
    let bytes = reader.small_value(h, 64).map_err(refusal)?;
    ObjectIdentifier::from_bytes(&bytes).map_err(|_| Refusal::DamagedEnvelope)
}

/// An envelope that ends too soon or does not parse is damaged; failing to read the spool is not
/// the citizen's doing.
fn refusal(error: ber::Error) -> Refusal {
    match error {
        ber::Error::Io(e) if matches!(e.kind(), io::ErrorKind::UnexpectedEof | io::ErrorKind::InvalidData) => {
            Refusal::DamagedEnvelope
        }
        ber::Error::Io(e) => Refusal::Unreadable(e.to_string()),
        ber::Error::Malformed(_) | ber::Error::TooBig(_) => Refusal::DamagedEnvelope,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn verify_bytes(bytes: &[u8]) -> Result<Envelope, Refusal> {
        verify(bytes)
    }

    fn mario_rossi(envelope: &Envelope) {
        assert_eq!(envelope.signers.len(), 1);
        let signer = &envelope.signers[0];
        assert_eq!(signer.subject, "Mario Rossi");
        assert_eq!(signer.fiscal_code.as_deref(), Some("RSSMRA80A01H501U"));
        assert_eq!(signer.issuer, "Sportello Test Root");
        assert!(envelope.content_head.starts_with(b"%PDF-1.4\n% Domanda di prova"));
    }

    #[test]
    fn a_der_envelope_verifies_and_names_its_signer() {
        let envelope = verify_bytes(include_bytes!("../fixtures/rsa-sha256.p7m")).unwrap();
        mario_rossi(&envelope);
        assert_eq!(envelope.signers[0].serial, "1001");
        // The signer's certificate and the CA's, added with `-certfile`.
        assert_eq!(envelope.certificates.len(), 2);
        assert_eq!(envelope.content_head, include_bytes!("../fixtures/documento.pdf"));
    }

    #[test]
    fn a_ber_envelope_with_indefinite_lengths_verifies() {
        let ber = include_bytes!("../fixtures/rsa-sha256-ber.p7m");
        assert_eq!(&ber[..2], [0x30, 0x80]);
        mario_rossi(&verify_bytes(ber).unwrap());
    }

    #[test]
    fn content_cut_into_many_pieces_verifies() {
        // In the BER fixture the content is one piece, `04 82 01 6a` and 362 bytes at offset 52,
        // inside an indefinite constructed OCTET STRING: cut it into pieces of 10 bytes, two levels
        // deep, as streaming signers do. The signature covers the bytes, not their packaging.
        let ber = include_bytes!("../fixtures/rsa-sha256-ber.p7m");
        assert_eq!(&ber[52..56], [0x04, 0x82, 0x01, 0x6a]);
        let content = &ber[56..56 + 362];
        let mut pieces = vec![0x24, 0x80];
        for chunk in content.chunks(10) {
            pieces.extend([0x04, chunk.len() as u8]);
            pieces.extend_from_slice(chunk);
        }
        pieces.extend([0x00, 0x00]);
        let rebuilt = [&ber[..52], &pieces, &ber[56 + 362..]].concat();
        mario_rossi(&verify_bytes(&rebuilt).unwrap());
    }

    #[test]
    fn every_supported_algorithm_verifies() {
        for fixture in [
            include_bytes!("../fixtures/rsa-sha1.p7m").as_slice(),
            include_bytes!("../fixtures/rsa-sha256-noattr.p7m"),
            include_bytes!("../fixtures/rsa-pss.p7m"),
            include_bytes!("../fixtures/ecdsa-p256.p7m"),
            include_bytes!("../fixtures/ecdsa-p256-sha384.p7m"),
            include_bytes!("../fixtures/ecdsa-p384.p7m"),
        ] {
            mario_rossi(&verify_bytes(fixture).unwrap());
        }
    }

    #[test]
    fn a_changed_content_or_signature_is_a_bad_signature() {
        let content = verify_bytes(include_bytes!("../fixtures/content-tampered.p7m"));
        assert!(matches!(content, Err(Refusal::BadSignature)), "{content:?}");
        let signature = verify_bytes(include_bytes!("../fixtures/signature-tampered.p7m"));
        assert!(matches!(signature, Err(Refusal::BadSignature)), "{signature:?}");
    }

    #[test]
    fn a_changed_content_without_signed_attributes_is_a_bad_signature() {
        let mut bytes = include_bytes!("../fixtures/rsa-sha256-noattr.p7m").to_vec();
        let at = bytes.windows(5).position(|w| w == b"prova").unwrap();
        bytes[at] ^= 0x20;
        assert!(matches!(verify_bytes(&bytes), Err(Refusal::BadSignature)));
    }

    #[test]
    fn pkcs7_that_is_not_signed_data_is_refused_as_such() {
        assert!(matches!(verify_bytes(include_bytes!("../fixtures/data-only.p7m")), Err(Refusal::NotSignedData)));
        assert!(matches!(verify_bytes(include_bytes!("../fixtures/enveloped.p7m")), Err(Refusal::NotSignedData)));
    }

    #[test]
    fn a_truncated_envelope_is_damaged() {
        let der = include_bytes!("../fixtures/rsa-sha256.p7m");
        for cut in [10, 100, der.len() / 2, der.len() - 1] {
            let result = verify_bytes(&der[..cut]);
            assert!(matches!(result, Err(Refusal::DamagedEnvelope)), "cut at {cut}: {result:?}");
        }
    }

    #[test]
    fn an_envelope_without_the_document_is_a_detached_signature() {
        // Drop `[0] { OCTET STRING { … } }` from the BER fixture's EncapsulatedContentInfo: from
        // its header at 48 to just before the marker that closes the EncapsulatedContentInfo.
        let ber = include_bytes!("../fixtures/rsa-sha256-ber.p7m");
        assert_eq!(&ber[48..50], [0xA0, 0x80]);
        assert_eq!(&ber[418..424], [0; 6]);
        let detached = [&ber[..48], &ber[422..]].concat();
        assert!(matches!(verify_bytes(&detached), Err(Refusal::DetachedSignature)));
    }

    #[test]
    fn a_digest_algorithm_we_do_not_know_is_unsupported() {
        // The SignerInfo's digestAlgorithm, the last SHA-256 OID, turned into SHA-224.
        let mut bytes = include_bytes!("../fixtures/rsa-sha256-noattr.p7m").to_vec();
        let sha256 = [0x06, 0x09, 0x60, 0x86, 0x48, 0x01, 0x65, 0x03, 0x04, 0x02, 0x01];
        let at = bytes.windows(sha256.len()).rposition(|w| w == sha256).unwrap();
        bytes[at + sha256.len() - 1] = 0x04;
        assert!(matches!(verify_bytes(&bytes), Err(Refusal::UnsupportedSignature)));
    }

    #[test]
    fn a_signer_whose_certificate_is_missing_cannot_be_checked() {
        // The serial number in the SignerInfo's issuerAndSerialNumber (`02 02 10 01`, the last
        // one) made to name no certificate in the envelope.
        let mut bytes = include_bytes!("../fixtures/rsa-sha256.p7m").to_vec();
        let at = bytes.windows(4).rposition(|w| w == [0x02, 0x02, 0x10, 0x01]).unwrap();
        bytes[at + 3] = 0x09;
        assert!(matches!(verify_bytes(&bytes), Err(Refusal::DamagedEnvelope)));
    }

    #[test]
    fn certificates_beyond_the_memory_budget_are_refused() {
        // SignedData whose certificates field claims 2 MiB.
        let mut bytes = include_bytes!("../fixtures/rsa-sha256-ber.p7m")[..424].to_vec();
        bytes.extend([0xA0, 0x83, 0x20, 0x00, 0x00]);
        bytes.extend(std::iter::repeat_n(0u8, 64));
        assert!(matches!(verify_bytes(&bytes), Err(Refusal::DamagedEnvelope)));
    }
}
