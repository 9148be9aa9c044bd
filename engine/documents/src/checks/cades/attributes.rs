//! A SignerInfo's signed attributes: the exact bytes the signature covers (the attributes' DER with
//! the `[0]` tag turned back into SET, RFC 5652 §5.4, taken from the envelope rather than
//! re-encoded, so that a signer who sorted them differently still verifies) and the checks that bind
//! them to the content: `messageDigest` must equal the content's digest and `contentType` its type.

use cms::signed_data::SignerInfo;
use x509_cert::der::asn1::ObjectIdentifier;
use x509_cert::der::{Tag, Tagged};

use crate::checks::Refusal;
use crate::checks::ber::{self, tag};

/// id-contentType, 1.2.840.113549.1.9.3.
const CONTENT_TYPE: ObjectIdentifier = ObjectIdentifier::new_unwrap("1.2.840.113549.1.9.3");
/// id-messageDigest, 1.2.840.113549.1.9.4.
const MESSAGE_DIGEST: ObjectIdentifier = ObjectIdentifier::new_unwrap("1.2.840.113549.1.9.4");

/// The DER the signature covers when a SignerInfo has signed attributes, from the SignerInfo's
/// own DER: `SEQUENCE { version, sid, digestAlgorithm, [0] signedAttrs, … }`.
pub(super) fn signed_bytes(signer_info: &[u8]) -> Result<Option<Vec<u8>>, Refusal> {
    let malformed = |_| Refusal::DamagedEnvelope;
    let mut reader = ber::Reader::new(signer_info);
    reader.expect(tag::SEQUENCE).map_err(malformed)?;
    for _ in 0..3 {
        let h = reader.header().map_err(malformed)?;
        reader.skip(h).map_err(malformed)?;
    }
    let h = reader.header().map_err(malformed)?;
    if h.tag != tag::CONTEXT_0 {
        return Ok(None);
    }
    let mut budget = signer_info.len();
    let mut bytes = reader.whole(h, &mut budget).map_err(malformed)?;
    bytes[0] = tag::SET;
    Ok(Some(bytes))
}

/// Checks that the signed attributes are about this content.
pub(super) fn check(info: &SignerInfo, content_type: &ObjectIdentifier, content_digest: &[u8]) -> Result<(), Refusal> {
    let Some(attributes) = &info.signed_attrs else {
        return Ok(());
    };
    let single = |oid: ObjectIdentifier| {
        let mut found = attributes.iter().filter(|a| a.oid == oid);
        match (found.next(), found.next()) {
            (Some(a), None) if a.values.len() == 1 => Ok(a.values.get(0)),
            (None, None) => Ok(None),
            _ => Err(Refusal::BadSignature),
        }
    };
    let digest = single(MESSAGE_DIGEST)?.ok_or(Refusal::BadSignature)?;
    if digest.tag() != Tag::OctetString || digest.value() != content_digest {
        return Err(Refusal::BadSignature);
    }
    if let Some(declared) = single(CONTENT_TYPE)? {
        let declared: ObjectIdentifier = declared.decode_as().map_err(|_| Refusal::BadSignature)?;
        if declared != *content_type {
            return Err(Refusal::BadSignature);
        }
    }
    Ok(())
}
