//! One SignerInfo checked against the content that went by: its digest algorithm, its certificate
//! (found among the envelope's by issuer and serial number or by subject key identifier), its signed
//! attributes, and the signature itself. What it proves is that the holder of the certificate's key
//! signed this content; whether the certificate deserves trust is [`crate::checks::TrustList`]'s
//! question.

use cms::signed_data::{SignerIdentifier, SignerInfo};
use x509_cert::Certificate;
use x509_cert::der::Decode;
use x509_cert::der::asn1::{ObjectIdentifier, OctetString};

use super::{Content, attributes, keys};
use crate::checks::digest::DigestAlg;
use crate::checks::{Refusal, Signer};

/// id-ce-subjectKeyIdentifier, 2.5.29.14.
const SUBJECT_KEY_IDENTIFIER: ObjectIdentifier = ObjectIdentifier::new_unwrap("2.5.29.14");

/// Verifies the DER SignerInfo `info_der` and says who signed.
pub(super) fn check(info_der: &[u8], content: &Content, certificates: &[Certificate]) -> Result<Signer, Refusal> {
    let info = SignerInfo::from_der(info_der).map_err(|_| Refusal::DamagedEnvelope)?;
    let digest = DigestAlg::from_oid(&info.digest_alg.oid).ok_or(Refusal::UnsupportedSignature)?;
    // A signer may only use a digest the envelope announced before the content: it is the only one
    // computed as the content went by.
    let content_digest = content
        .digests
        .iter()
        .find(|(alg, _)| *alg == digest)
        .map(|(_, d)| d.as_slice())
        .ok_or(Refusal::DamagedEnvelope)?;
    let certificate = certificates.iter().find(|c| identifies(&info.sid, c)).ok_or(Refusal::DamagedEnvelope)?;
    let hashed = match attributes::signed_bytes(info_der)? {
        Some(signed) => {
            attributes::check(&info, &content.content_type, content_digest)?;
            digest.digest(&signed)
        }
        None => content_digest.to_vec(),
    };
    keys::verify(
        &certificate.tbs_certificate.subject_public_key_info,
        &info.signature_algorithm,
        digest,
        &hashed,
        info.signature.as_bytes(),
    )?;
    Ok(Signer::from_certificate(certificate))
}

/// Whether `certificate` is the one `sid` names.
fn identifies(sid: &SignerIdentifier, certificate: &Certificate) -> bool {
    let tbs = &certificate.tbs_certificate;
    match sid {
        SignerIdentifier::IssuerAndSerialNumber(id) => id.issuer == tbs.issuer && id.serial_number == tbs.serial_number,
        SignerIdentifier::SubjectKeyIdentifier(ski) => tbs
            .extensions
            .iter()
            .flatten()
            .filter(|ext| ext.extn_id == SUBJECT_KEY_IDENTIFIER)
            .filter_map(|ext| OctetString::from_der(ext.extn_value.as_bytes()).ok())
            .any(|id| id == ski.0),
    }
}
