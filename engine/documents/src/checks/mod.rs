//! Checks of an uploaded file's bytes, run on the spooled file before it may join a case: what it
//! is ([`sniff`], from the bytes only), whether that type is accepted here, whether a PDF holds
//! together and is not encrypted, and whether every signature in a CAdES `.p7m` verifies and who
//! signed ([`Signer`]). [`inspect`] runs them all over a reader and never holds the file in memory: a
//! PDF is read at its head, its tail and its cross-reference section; a `.p7m` is read once, front to
//! back, hashing the signed content as it streams (and a PDF inside it is then checked in place). Each [`Refusal`] speaks Italian to the citizen and
//! has a stable [`code`](Refusal::code). Also here: [`display_name`] for showing a file's name, and
//! the [`TrustList`] port for a chain-of-trust check this deployment cannot make.

mod base64;
mod ber;
mod cades;
mod cms_head;
mod digest;
mod media_type;
mod name;
mod pdf;
mod signer;
mod trust;
mod window;

use std::io::{self, BufReader, Read, Seek, SeekFrom};

pub use media_type::{MediaType, SNIFF_LEN, Sniffed, UnknownMediaType, sniff};
pub use name::display_name;
pub use signer::Signer;
pub use trust::{NotChecked, TrustList, TrustOutcome};

/// What [`inspect`] found in an accepted file.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Inspected {
    /// The file's media type, from its bytes.
    pub media_type: MediaType,
    /// For a `.p7m`, who signed (the first signer when there are several).
    pub signer: Option<Signer>,
    /// For a `.p7m` with parallel signatures, the signers after the first, each verified.
    pub cosigners: Vec<Signer>,
    /// For a `.p7m`, what the envelope holds, e.g. a PDF.
    pub signed_content: Option<Sniffed>,
    /// For a `.p7m`, every certificate it carries (DER), for a [`TrustList`] to judge.
    pub certificates: Vec<Vec<u8>>,
}

/// Why an upload cannot join the case file.
///
/// `Display` is an Italian sentence for the citizen; [`code`](Refusal::code) is the stable
/// kebab-case code for problem+json. [`Unreadable`](Refusal::Unreadable) alone is not the
/// citizen's doing: the server answers it with a 500 or 503.
#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
pub enum Refusal {
    /// The file is of a type not accepted here.
    #[error("Il file caricato è {found}, un tipo di file che qui non è accettato.")]
    NotAccepted {
        /// What the file is, in Italian ("una pagina HTML", "un documento PDF").
        found: String,
    },
    /// The file is empty.
    #[error("Il file caricato è vuoto.")]
    Empty,
    /// The bytes start like a PDF but the document does not hold together.
    #[error(
        "Il file sembra un PDF, ma è danneggiato o incompleto e non si può aprire: va salvato di \
         nuovo dal programma che l'ha prodotto e caricato ancora."
    )]
    NotAPdf,
    /// The PDF is encrypted or protected by a password.
    #[error(
        "Il PDF è protetto da una password: va salvato senza password (o senza protezione) e \
         caricato di nuovo."
    )]
    EncryptedPdf,
    /// A `.p7m` (CMS) that is not a signed document, e.g. an encrypted envelope.
    #[error("Il file .p7m non contiene un documento firmato digitalmente.")]
    NotSignedData,
    /// A `.p7m` holding only the signature, without the signed document.
    #[error(
        "Il file .p7m contiene solo la firma, senza il documento firmato: serve la busta .p7m \
         che contiene anche il documento."
    )]
    DetachedSignature,
    /// A `.p7m` that ends too soon or does not parse.
    #[error("Il file firmato (.p7m) è danneggiato o incompleto e non si può leggere.")]
    DamagedEnvelope,
    /// A signature does not verify, or the document was changed after signing.
    #[error(
        "La firma digitale non è valida: il documento è stato modificato dopo la firma, oppure \
         la firma è danneggiata."
    )]
    BadSignature,
    /// A signature made with an algorithm that is not supported.
    #[error(
        "La firma digitale usa un algoritmo che questo sistema non sa verificare: il documento \
         va firmato di nuovo con uno strumento di firma aggiornato."
    )]
    UnsupportedSignature,
    /// The document must be signed and the file is not a `.p7m`.
    #[error("Questo documento va firmato digitalmente: serve il file firmato, con estensione .p7m.")]
    SignatureRequired,
    /// Reading the spooled file failed (not the citizen's fault); the detail is for the logs.
    #[error("Non è stato possibile leggere il file caricato: si prega di riprovare più tardi.")]
    Unreadable(String),
}

impl Refusal {
    /// The stable code of this refusal, for problem+json (`/problems/<code>`).
    pub fn code(&self) -> &'static str {
        match self {
            Refusal::NotAccepted { .. } => "not-accepted-type",
            Refusal::Empty => "empty-file",
            Refusal::NotAPdf => "damaged-pdf",
            Refusal::EncryptedPdf => "encrypted-pdf",
            Refusal::NotSignedData => "not-signed-data",
            Refusal::DetachedSignature => "detached-signature",
            Refusal::DamagedEnvelope => "damaged-p7m",
            Refusal::BadSignature => "signature-invalid",
            Refusal::UnsupportedSignature => "unsupported-signature",
            Refusal::SignatureRequired => "signature-required",
            Refusal::Unreadable(_) => "unreadable-upload",
        }
    }
}

/// Reads the spooled file: sniffs it, refuses a type not in `accept`, checks a PDF's structure,
/// verifies a `.p7m`.
///
/// `len` is the file's length; the reader is read only within it. A `.p7m` is accepted when
/// `accept` lists [`MediaType::P7m`], and what it holds must then be one of the other types in
/// `accept` (if it lists any); a PDF inside a binary envelope whose content is in one piece (DER,
/// as most tools write it) gets the same structure check as a plain PDF. With
/// `signature_required`, only a `.p7m` passes; another accepted type gets
/// [`Refusal::SignatureRequired`].
///
/// # Errors
///
/// A [`Refusal`] saying why the file cannot join the case; [`Refusal::Unreadable`] when the
/// spooled file itself could not be read.
///
/// # Example
///
/// ```
/// use std::io::Cursor;
///
/// use sportello_documents::checks::{inspect, MediaType, Refusal};
///
/// let html = b"<!doctype html><title>domanda.pdf</title>";
/// let refusal = inspect(Cursor::new(html), html.len() as u64, &[MediaType::Pdf], false).unwrap_err();
/// assert_eq!(refusal.code(), "not-accepted-type");
/// assert_eq!(
///     refusal.to_string(),
///     "Il file caricato è una pagina HTML, un tipo di file che qui non è accettato."
/// );
/// ```
pub fn inspect<R: Read + Seek>(
    mut reader: R,
    len: u64,
    accept: &[MediaType],
    signature_required: bool,
) -> Result<Inspected, Refusal> {
    if len == 0 {
        return Err(Refusal::Empty);
    }
    let head = read_head(&mut reader, len)?;
    let media_type = match sniff(&head) {
        Sniffed::Known(media_type) => media_type,
        Sniffed::Other(found) => return Err(Refusal::NotAccepted { found: found.to_owned() }),
    };
    let plain: Vec<MediaType> = accept.iter().copied().filter(|&t| t != MediaType::P7m).collect();
    if signature_required && media_type != MediaType::P7m {
        let signable = plain.is_empty() || plain.contains(&media_type);
        return Err(if signable && accept.contains(&MediaType::P7m) {
            Refusal::SignatureRequired
        } else {
            not_accepted(media_type)
        });
    }
    if !accept.contains(&media_type) {
        return Err(not_accepted(media_type));
    }
    let mut inspected =
        Inspected { media_type, signer: None, cosigners: Vec::new(), signed_content: None, certificates: Vec::new() };
    match media_type {
        MediaType::Pdf => pdf::check(&mut reader, len)?,
        MediaType::Jpeg | MediaType::Png => {}
        MediaType::P7m => {
            let envelope = open_envelope(&mut reader, len, &head)?;
            let content = sniff(&envelope.content_head);
            let held_type_accepted = match content {
                Sniffed::Known(t) => plain.is_empty() || plain.contains(&t),
                Sniffed::Other(_) => plain.is_empty(),
            };
            if !held_type_accepted {
                return Err(Refusal::NotAccepted {
                    found: format!("un file firmato che contiene {}", content.description()),
                });
            }
            // A signed PDF must hold together too; it can be checked in place when its bytes lie
            // in one piece in a binary envelope.
            if let (Sniffed::Known(MediaType::Pdf), Some((start, size)), true) =
                (content, envelope.content_span, cms_head::is_cms(&head))
            {
                pdf::check(&mut window::Window::new(&mut reader, start, size), size)?;
            }
            let mut signers = envelope.signers.into_iter();
            inspected.signer = signers.next();
            inspected.cosigners = signers.collect();
            inspected.signed_content = Some(content);
            inspected.certificates = envelope.certificates;
        }
    }
    Ok(inspected)
}

fn not_accepted(media_type: MediaType) -> Refusal {
    Refusal::NotAccepted { found: media_type.description().to_owned() }
}

/// The first [`SNIFF_LEN`] bytes (fewer for a shorter file).
fn read_head<R: Read + Seek>(reader: &mut R, len: u64) -> Result<Vec<u8>, Refusal> {
    let mut head = vec![0; usize::try_from(len.min(SNIFF_LEN as u64)).unwrap_or(SNIFF_LEN)];
    reader.seek(SeekFrom::Start(0)).and_then(|_| reader.read_exact(&mut head)).map_err(unreadable)?;
    Ok(head)
}

/// Verifies the envelope, binary or base64, reading it once from the start.
fn open_envelope<R: Read + Seek>(mut reader: R, len: u64, head: &[u8]) -> Result<cades::Envelope, Refusal> {
    let binary = cms_head::is_cms(head);
    let start = if binary { 0 } else { base64::body_start(head).ok_or(Refusal::DamagedEnvelope)? as u64 };
    reader.seek(SeekFrom::Start(start)).map_err(unreadable)?;
    let bytes = (&mut reader).take(len - start);
    if binary {
        cades::verify(BufReader::with_capacity(64 * 1024, bytes))
    } else {
        cades::verify(BufReader::with_capacity(64 * 1024, base64::Decoder::new(bytes)))
    }
}

fn unreadable(error: io::Error) -> Refusal {
    Refusal::Unreadable(error.to_string())
}

#[cfg(test)]
mod tests {
    use std::io::Cursor;

    use super::*;

    const SIGNED_PDF: &[u8] = include_bytes!("fixtures/rsa-sha256.p7m");
    const PDF: &[u8] = include_bytes!("fixtures/documento.pdf");
    const DOCUMENTS: &[MediaType] = &[MediaType::Pdf, MediaType::P7m];

    fn inspect_bytes(bytes: &[u8], accept: &[MediaType], signed: bool) -> Result<Inspected, Refusal> {
        inspect(Cursor::new(bytes), bytes.len() as u64, accept, signed)
    }

    /// A file made of byte strings and long runs of one byte, served without ever being in
    /// memory, that counts what is read from it.
    struct Synthetic {
        parts: Vec<Part>,
        len: u64,
        at: u64,
        read: u64,
    }

    enum Part {
        Bytes(Vec<u8>),
        Run(u8, u64),
    }

    impl Part {
        fn len(&self) -> u64 {
            match self {
                Part::Bytes(bytes) => bytes.len() as u64,
                Part::Run(_, len) => *len,
            }
        }
    }

    impl Synthetic {
        fn new(parts: Vec<Part>) -> Self {
            let len = parts.iter().map(Part::len).sum();
            Synthetic { parts, len, at: 0, read: 0 }
        }
    }

    impl Read for Synthetic {
        fn read(&mut self, buf: &mut [u8]) -> io::Result<usize> {
            let mut start = 0;
            for part in &self.parts {
                let end = start + part.len();
                if self.at < end {
                    let offset = self.at - start;
                    let n = buf.len().min(usize::try_from(end - self.at).unwrap_or(usize::MAX));
                    match part {
                        Part::Bytes(bytes) => {
                            let offset = offset as usize;
                            buf[..n].copy_from_slice(&bytes[offset..offset + n]);
                        }
                        Part::Run(byte, _) => buf[..n].fill(*byte),
                    }
                    self.at += n as u64;
                    self.read += n as u64;
                    return Ok(n);
                }
                start = end;
            }
            Ok(0)
        }
    }

    impl Seek for Synthetic {
        fn seek(&mut self, to: SeekFrom) -> io::Result<u64> {
            self.at = match to {
                SeekFrom::Start(at) => at,
                SeekFrom::End(back) => self.len.saturating_add_signed(back),
                SeekFrom::Current(by) => self.at.saturating_add_signed(by),
            };
            Ok(self.at)
        }
    }

    #[test]
    fn a_pdf_is_accepted_with_no_signer() {
        let inspected = inspect_bytes(PDF, DOCUMENTS, false).unwrap();
        assert_eq!(inspected.media_type, MediaType::Pdf);
        assert_eq!(inspected.signer, None);
        assert_eq!(inspected.signed_content, None);
    }

    #[test]
    fn a_signed_pdf_is_accepted_with_its_signer_and_content() {
        let inspected = inspect_bytes(SIGNED_PDF, DOCUMENTS, true).unwrap();
        assert_eq!(inspected.media_type, MediaType::P7m);
        let signer = inspected.signer.unwrap();
        assert_eq!(signer.subject, "Mario Rossi");
        assert_eq!(signer.fiscal_code.as_deref(), Some("RSSMRA80A01H501U"));
        assert!(inspected.cosigners.is_empty());
        assert_eq!(inspected.signed_content, Some(Sniffed::Known(MediaType::Pdf)));
        assert_eq!(inspected.certificates.len(), 2);
    }

    #[test]
    fn a_base64_envelope_is_read_like_a_binary_one() {
        let pem = include_bytes!("fixtures/rsa-sha256-pem.p7m");
        let inspected = inspect_bytes(pem, DOCUMENTS, true).unwrap();
        assert_eq!(inspected.signer.unwrap().subject, "Mario Rossi");
        let bare = &pem[b"-----BEGIN CMS-----\n".len()..];
        assert!(inspect_bytes(bare, DOCUMENTS, true).is_ok());
        let mut broken = pem.to_vec();
        broken[100] = b'!';
        let refusal = inspect_bytes(&broken, DOCUMENTS, true);
        assert!(matches!(refusal, Err(Refusal::DamagedEnvelope)), "{refusal:?}");
    }

    #[test]
    fn the_pdf_inside_a_der_envelope_is_checked_in_place() {
        let signed = include_bytes!("fixtures/encrypted-pdf.p7m");
        let refusal = inspect_bytes(signed, DOCUMENTS, true).unwrap_err();
        assert!(matches!(refusal, Refusal::EncryptedPdf), "{refusal:?}");
    }

    #[test]
    fn an_empty_file_is_refused() {
        assert!(matches!(inspect_bytes(b"", DOCUMENTS, false), Err(Refusal::Empty)));
    }

    #[test]
    fn html_named_pdf_is_not_accepted() {
        let refusal = inspect_bytes(b"<html><body>domanda</body></html>", DOCUMENTS, false).unwrap_err();
        assert!(matches!(&refusal, Refusal::NotAccepted { found } if found == "una pagina HTML"));
    }

    #[test]
    fn an_accepted_type_elsewhere_is_not_accepted_here() {
        let png = b"\x89PNG\r\n\x1a\n\0\0\0\rIHDR";
        let refusal = inspect_bytes(png, DOCUMENTS, false).unwrap_err();
        assert_eq!(refusal.to_string(), "Il file caricato è un'immagine PNG, un tipo di file che qui non è accettato.");
        assert_eq!(inspect_bytes(png, &[MediaType::Png], false).unwrap().media_type, MediaType::Png);
        let refusal = inspect_bytes(SIGNED_PDF, &[MediaType::Pdf], false).unwrap_err();
        assert!(matches!(refusal, Refusal::NotAccepted { .. }));
    }

    #[test]
    fn a_signed_file_must_hold_an_accepted_type() {
        let refusal = inspect_bytes(SIGNED_PDF, &[MediaType::Jpeg, MediaType::P7m], false).unwrap_err();
        assert_eq!(
            refusal.to_string(),
            "Il file caricato è un file firmato che contiene un documento PDF, un tipo di file che \
             qui non è accettato."
        );
        // With only P7m listed, any signed content passes.
        assert!(inspect_bytes(SIGNED_PDF, &[MediaType::P7m], true).is_ok());
    }

    #[test]
    fn a_damaged_pdf_is_refused() {
        let refusal = inspect_bytes(&PDF[..200], DOCUMENTS, false).unwrap_err();
        assert!(matches!(refusal, Refusal::NotAPdf));
    }

    #[test]
    fn an_encrypted_pdf_is_refused() {
        let text = String::from_utf8(PDF.to_vec()).unwrap();
        // The trailer comes after the table, so the cross-reference offsets stay right.
        let encrypted = text.replace("<< /Size 4 /Root 1 0 R >>", "<< /Root 1 0 R /Encrypt 5 0 R >>");
        let refusal = inspect_bytes(encrypted.as_bytes(), DOCUMENTS, false).unwrap_err();
        assert!(matches!(refusal, Refusal::EncryptedPdf));
        assert!(refusal.to_string().contains("senza password"));
    }

    #[test]
    fn pkcs7_that_is_not_signed_is_refused() {
        let data = include_bytes!("fixtures/enveloped.p7m");
        assert!(matches!(inspect_bytes(data, DOCUMENTS, true), Err(Refusal::NotSignedData)));
    }

    #[test]
    fn a_tampered_envelope_is_refused() {
        let tampered = include_bytes!("fixtures/content-tampered.p7m");
        assert!(matches!(inspect_bytes(tampered, DOCUMENTS, true), Err(Refusal::BadSignature)));
    }

    #[test]
    fn an_unsigned_file_where_a_signature_is_required_is_refused() {
        let refusal = inspect_bytes(PDF, DOCUMENTS, true).unwrap_err();
        assert!(matches!(refusal, Refusal::SignatureRequired));
        assert!(matches!(inspect_bytes(PDF, &[MediaType::P7m], true), Err(Refusal::SignatureRequired)));
        // A type that would not be accepted even signed is simply not accepted.
        let jpeg = [0xFF, 0xD8, 0xFF, 0xE0];
        assert!(matches!(inspect_bytes(&jpeg, DOCUMENTS, true), Err(Refusal::NotAccepted { .. })));
    }

    #[test]
    fn a_spool_that_cannot_be_read_is_unreadable() {
        struct Broken;
        impl Read for Broken {
            fn read(&mut self, _: &mut [u8]) -> io::Result<usize> {
                Err(io::Error::other("disk gone"))
            }
        }
        impl Seek for Broken {
            fn seek(&mut self, _: SeekFrom) -> io::Result<u64> {
                Ok(0)
            }
        }
        let refusal = inspect(Broken, 10, DOCUMENTS, false).unwrap_err();
        assert!(matches!(&refusal, Refusal::Unreadable(detail) if detail == "disk gone"));
        assert!(!refusal.to_string().contains("disk gone"));
    }

    /// A PDF of `padding` bytes and a few more: a catalog, a stream of zeros, a table and a
    /// trailer, as the bytes before the padding, the padding's length and the bytes after it.
    fn large_pdf(padding: u64) -> (Vec<u8>, u64, Vec<u8>) {
        let head = format!(
            "%PDF-1.7\n1 0 obj\n<< /Type /Catalog /Pages 2 0 R >>\nendobj\n2 0 obj\n<< /Length {padding} >>\nstream\n"
        );
        let xref = head.len() as u64 + padding + "\nendstream\nendobj\n".len() as u64;
        let tail = format!(
            "\nendstream\nendobj\nxref\n0 3\n0000000000 65535 f \n0000000009 00000 n \n0000000058 00000 n \n\
             trailer\n<< /Size 3 /Root 1 0 R >>\nstartxref\n{xref}\n%%EOF\n"
        );
        (head.into_bytes(), padding, tail.into_bytes())
    }

    #[test]
    fn a_50_mb_pdf_is_checked_reading_a_few_kilobytes() {
        let (head, padding, tail) = large_pdf(50 * 1024 * 1024);
        let mut file = Synthetic::new(vec![Part::Bytes(head), Part::Run(b'0', padding), Part::Bytes(tail)]);
        let len = file.len;
        assert!(len > 50_000_000);
        let inspected = inspect(&mut file, len, DOCUMENTS, false).unwrap();
        assert_eq!(inspected.media_type, MediaType::Pdf);
        assert!(file.read < 200 * 1024, "read {} bytes", file.read);
    }

    #[test]
    fn a_large_envelope_streams_through_the_digest() {
        let (mut file, len) = large_envelope(16 * 1024 * 1024);
        let inspected = inspect(&mut file, len, DOCUMENTS, true).unwrap();
        assert_eq!(inspected.signer.unwrap().subject, "Mario Rossi");
        assert_eq!(inspected.signed_content, Some(Sniffed::Known(MediaType::Pdf)));
        // Read once, front to back, plus the head and what the check of the PDF in place reads.
        assert!(file.read < len + 200 * 1024, "read {} of {len} bytes", file.read);
    }

    /// A DER-length envelope in BER wrappers, signed here with the fixture's P-256 key, whose
    /// content is [`large_pdf`] in one OCTET STRING.
    fn large_envelope(padding: u64) -> (Synthetic, u64) {
        use cms::cert::IssuerAndSerialNumber;
        use cms::content_info::CmsVersion;
        use cms::signed_data::{SignerIdentifier, SignerInfo};
        use p256::ecdsa::signature::hazmat::PrehashSigner;
        use p256::pkcs8::DecodePrivateKey;
        use x509_cert::attr::Attribute;
        use x509_cert::der::asn1::{ObjectIdentifier, OctetString, SetOfVec};
        use x509_cert::der::{Any, Decode, Encode};
        use x509_cert::spki::AlgorithmIdentifierOwned;

        use crate::checks::ber::encode_header;
        use crate::checks::digest::DigestAlg;

        let oid = |s: &str| ObjectIdentifier::new_unwrap(s);
        let algorithm = |s: &str| AlgorithmIdentifierOwned { oid: oid(s), parameters: None };
        let certificate = include_bytes!("fixtures/ec-signer.der");
        let tbs = x509_cert::Certificate::from_der(certificate).unwrap().tbs_certificate;
        let key = p256::ecdsa::SigningKey::from_pkcs8_der(include_bytes!("fixtures/ec-signer.pk8")).unwrap();

        let (head, padding, tail) = large_pdf(padding);
        let mut hasher = DigestAlg::Sha256.hasher();
        hasher.update(&head);
        let chunk = vec![b'0'; 1024 * 1024];
        for _ in 0..padding / chunk.len() as u64 {
            hasher.update(&chunk);
        }
        hasher.update(&tail);
        let digest = hasher.finish();

        let attribute =
            |id: &str, value: Any| Attribute { oid: oid(id), values: SetOfVec::try_from(vec![value]).unwrap() };
        let data = oid("1.2.840.113549.1.7.1");
        let signed_attrs = SetOfVec::try_from(vec![
            attribute("1.2.840.113549.1.9.3", Any::encode_from(&data).unwrap()),
            attribute("1.2.840.113549.1.9.4", Any::encode_from(&OctetString::new(digest).unwrap()).unwrap()),
        ])
        .unwrap();
        let prehash = DigestAlg::Sha256.digest(&signed_attrs.to_der().unwrap());
        let signature: p256::ecdsa::Signature = key.sign_prehash(&prehash).unwrap();
        let signer_info = SignerInfo {
            version: CmsVersion::V1,
            sid: SignerIdentifier::IssuerAndSerialNumber(IssuerAndSerialNumber {
                issuer: tbs.issuer.clone(),
                serial_number: tbs.serial_number.clone(),
            }),
            digest_alg: algorithm("2.16.840.1.101.3.4.2.1"),
            signed_attrs: Some(signed_attrs),
            signature_algorithm: algorithm("1.2.840.10045.4.3.2"),
            signature: OctetString::new(signature.to_der().as_bytes()).unwrap(),
            unsigned_attrs: None,
        }
        .to_der()
        .unwrap();

        let tlv = |tag: u8, content: &[u8]| [encode_header(tag, content.len()), content.to_vec()].concat();
        let mut front = vec![0x30, 0x80];
        front.extend(oid("1.2.840.113549.1.7.2").to_der().unwrap());
        front.extend([0xA0, 0x80, 0x30, 0x80, 0x02, 0x01, 0x01]);
        front.extend(tlv(0x31, &algorithm("2.16.840.1.101.3.4.2.1").to_der().unwrap()));
        front.extend([0x30, 0x80]);
        front.extend(data.to_der().unwrap());
        front.extend([0xA0, 0x80]);
        front.extend(encode_header(0x04, head.len() + padding as usize + tail.len()));
        front.extend(&head);
        let mut back = tail;
        back.extend([0, 0, 0, 0]);
        back.extend(tlv(0xA0, certificate));
        back.extend(tlv(0x31, &signer_info));
        back.extend([0, 0, 0, 0, 0, 0]);

        let file = Synthetic::new(vec![Part::Bytes(front), Part::Run(b'0', padding), Part::Bytes(back)]);
        let len = file.len;
        (file, len)
    }

    #[test]
    fn codes_are_stable_and_distinct() {
        let refusals = [
            Refusal::NotAccepted { found: "un file di testo".into() },
            Refusal::Empty,
            Refusal::NotAPdf,
            Refusal::EncryptedPdf,
            Refusal::NotSignedData,
            Refusal::DetachedSignature,
            Refusal::DamagedEnvelope,
            Refusal::BadSignature,
            Refusal::UnsupportedSignature,
            Refusal::SignatureRequired,
            Refusal::Unreadable("boom".into()),
        ];
        let codes: Vec<&str> = refusals.iter().map(Refusal::code).collect();
        assert_eq!(
            codes,
            [
                "not-accepted-type",
                "empty-file",
                "damaged-pdf",
                "encrypted-pdf",
                "not-signed-data",
                "detached-signature",
                "damaged-p7m",
                "signature-invalid",
                "unsupported-signature",
                "signature-required",
                "unreadable-upload",
            ]
        );
        for refusal in &refusals {
            let message = refusal.to_string();
            assert!(message.ends_with('.') && message.chars().next().unwrap().is_uppercase(), "{message}");
        }
    }
}
