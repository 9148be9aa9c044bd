//! Verifying a signature value with the signer's public key: RSA PKCS #1 v1.5 (`rsaEncryption`,
//! `sha*WithRSAEncryption`), RSA-PSS with SHA-2 and MGF1, and ECDSA on P-256 and P-384. The digest
//! has already been computed (of the signed attributes, or of the content), so every scheme here
//! verifies a prehash.

use p256::ecdsa::signature::hazmat::PrehashVerifier;
use rsa::pkcs8::DecodePublicKey;
use rsa::{Pkcs1v15Sign, Pss, RsaPublicKey};
use x509_cert::der::asn1::ObjectIdentifier;
use x509_cert::der::{Decode, Encode};
use x509_cert::spki::{AlgorithmIdentifierOwned, SubjectPublicKeyInfoOwned};

use crate::checks::Refusal;
use crate::checks::digest::DigestAlg;

const RSA_ENCRYPTION: ObjectIdentifier = ObjectIdentifier::new_unwrap("1.2.840.113549.1.1.1");
const SHA1_WITH_RSA: ObjectIdentifier = ObjectIdentifier::new_unwrap("1.2.840.113549.1.1.5");
const SHA256_WITH_RSA: ObjectIdentifier = ObjectIdentifier::new_unwrap("1.2.840.113549.1.1.11");
const SHA384_WITH_RSA: ObjectIdentifier = ObjectIdentifier::new_unwrap("1.2.840.113549.1.1.12");
const SHA512_WITH_RSA: ObjectIdentifier = ObjectIdentifier::new_unwrap("1.2.840.113549.1.1.13");
const RSA_PSS: ObjectIdentifier = ObjectIdentifier::new_unwrap("1.2.840.113549.1.1.10");
const MGF1: ObjectIdentifier = ObjectIdentifier::new_unwrap("1.2.840.113549.1.1.8");
const EC_PUBLIC_KEY: ObjectIdentifier = ObjectIdentifier::new_unwrap("1.2.840.10045.2.1");
const ECDSA_WITH_SHA1: ObjectIdentifier = ObjectIdentifier::new_unwrap("1.2.840.10045.4.1");
const ECDSA_WITH_SHA256: ObjectIdentifier = ObjectIdentifier::new_unwrap("1.2.840.10045.4.3.2");
const ECDSA_WITH_SHA384: ObjectIdentifier = ObjectIdentifier::new_unwrap("1.2.840.10045.4.3.3");
const ECDSA_WITH_SHA512: ObjectIdentifier = ObjectIdentifier::new_unwrap("1.2.840.10045.4.3.4");
const P256: ObjectIdentifier = ObjectIdentifier::new_unwrap("1.2.840.10045.3.1.7");
const P384: ObjectIdentifier = ObjectIdentifier::new_unwrap("1.3.132.0.34");

/// Verifies `signature` over the prehash `hashed` (made with `digest`) with the key in `key`.
pub(super) fn verify(
    key: &SubjectPublicKeyInfoOwned,
    algorithm: &AlgorithmIdentifierOwned,
    digest: DigestAlg,
    hashed: &[u8],
    signature: &[u8],
) -> Result<(), Refusal> {
    let key_der = key.to_der().map_err(|_| Refusal::DamagedEnvelope)?;
    let rsa_pkcs1 = [RSA_ENCRYPTION, SHA1_WITH_RSA, SHA256_WITH_RSA, SHA384_WITH_RSA, SHA512_WITH_RSA];
    let ecdsa = [EC_PUBLIC_KEY, ECDSA_WITH_SHA1, ECDSA_WITH_SHA256, ECDSA_WITH_SHA384, ECDSA_WITH_SHA512];
    let verified = if rsa_pkcs1.contains(&algorithm.oid) {
        key_is(key, RSA_ENCRYPTION)?;
        rsa_pkcs1v15(&key_der, digest, hashed, signature)?
    } else if algorithm.oid == RSA_PSS {
        key_is(key, RSA_ENCRYPTION).or_else(|_| key_is(key, RSA_PSS))?;
        rsa_pss(&key_der, algorithm, digest, hashed, signature)?
    } else if ecdsa.contains(&algorithm.oid) {
        key_is(key, EC_PUBLIC_KEY)?;
        ecdsa_verify(key, &key_der, hashed, signature)?
    } else {
        return Err(Refusal::UnsupportedSignature);
    };
    if verified { Ok(()) } else { Err(Refusal::BadSignature) }
}

/// A signature made for one kind of key cannot verify with another.
fn key_is(key: &SubjectPublicKeyInfoOwned, kind: ObjectIdentifier) -> Result<(), Refusal> {
    if key.algorithm.oid == kind { Ok(()) } else { Err(Refusal::BadSignature) }
}

fn rsa_key(key_der: &[u8]) -> Result<RsaPublicKey, Refusal> {
    RsaPublicKey::from_public_key_der(key_der).map_err(|_| Refusal::DamagedEnvelope)
}

/// RSA wants the signature as long as the modulus; some tools drop its leading zeros.
fn padded(key: &RsaPublicKey, signature: &[u8]) -> Vec<u8> {
    let size = rsa::traits::PublicKeyParts::size(key);
    let mut out = vec![0; size.saturating_sub(signature.len())];
    out.extend_from_slice(signature);
    out
}

fn rsa_pkcs1v15(key_der: &[u8], digest: DigestAlg, hashed: &[u8], signature: &[u8]) -> Result<bool, Refusal> {
    let key = rsa_key(key_der)?;
    let signature = padded(&key, signature);
    Ok(digest.pkcs1_prefixes().into_iter().any(|prefix| {
        let scheme = Pkcs1v15Sign { hash_len: Some(hashed.len()), prefix: prefix.into() };
        key.verify(scheme, hashed, &signature).is_ok()
    }))
}

/// RSASSA-PSS with the parameters RFC 4056 puts in the algorithm identifier: the same SHA-2 for
/// the message and MGF1, and the salt length.
fn rsa_pss(
    key_der: &[u8],
    algorithm: &AlgorithmIdentifierOwned,
    digest: DigestAlg,
    hashed: &[u8],
    signature: &[u8],
) -> Result<bool, Refusal> {
    let parameters = algorithm.parameters.as_ref().ok_or(Refusal::UnsupportedSignature)?;
    let parameters = parameters.to_der().map_err(|_| Refusal::DamagedEnvelope)?;
    let parameters = rsa::pkcs1::RsaPssParams::from_der(&parameters).map_err(|_| Refusal::DamagedEnvelope)?;
    let mgf_hash = parameters.mask_gen.parameters.map(|hash| hash.oid);
    if DigestAlg::from_oid(&parameters.hash.oid) != Some(digest)
        || parameters.mask_gen.oid != MGF1
        || mgf_hash != Some(parameters.hash.oid)
    {
        return Err(Refusal::UnsupportedSignature);
    }
    let salt = usize::from(parameters.salt_len);
    let scheme = match digest {
        DigestAlg::Sha256 => Pss::new_with_salt::<sha2::Sha256>(salt),
        DigestAlg::Sha384 => Pss::new_with_salt::<sha2::Sha384>(salt),
        DigestAlg::Sha512 => Pss::new_with_salt::<sha2::Sha512>(salt),
        DigestAlg::Sha1 => return Err(Refusal::UnsupportedSignature),
    };
    let key = rsa_key(key_der)?;
    let signature = padded(&key, signature);
    Ok(key.verify(scheme, hashed, &signature).is_ok())
}

/// ECDSA on the curve the key names; the signature DER-encoded as CMS wants, or as plain `r‖s`
/// as a few tools write it.
fn ecdsa_verify(
    key: &SubjectPublicKeyInfoOwned,
    key_der: &[u8],
    hashed: &[u8],
    signature: &[u8],
) -> Result<bool, Refusal> {
    let curve: ObjectIdentifier =
        key.algorithm.parameters.as_ref().and_then(|p| p.decode_as().ok()).ok_or(Refusal::DamagedEnvelope)?;
    if curve == P256 {
        let key = p256::ecdsa::VerifyingKey::from_public_key_der(key_der).map_err(|_| Refusal::DamagedEnvelope)?;
        let Ok(signature) =
            p256::ecdsa::Signature::from_der(signature).or_else(|_| p256::ecdsa::Signature::from_slice(signature))
        else {
            return Ok(false);
        };
        Ok(key.verify_prehash(hashed, &signature).is_ok())
    } else if curve == P384 {
        let key = p384::ecdsa::VerifyingKey::from_public_key_der(key_der).map_err(|_| Refusal::DamagedEnvelope)?;
        let Ok(signature) =
            p384::ecdsa::Signature::from_der(signature).or_else(|_| p384::ecdsa::Signature::from_slice(signature))
        else {
            return Ok(false);
        };
        Ok(key.verify_prehash(hashed, &signature).is_ok())
    } else {
        Err(Refusal::UnsupportedSignature)
    }
}
