//! Files for the case-file tests: small valid PDFs (each one different, by its text), an encrypted
//! one, and the signed `.p7m` envelopes the documents crate's checks are tested with (a throwaway test
//! certificate for Mario Rossi, `TINIT-RSSMRA80A01H501U`).

/// A CAdES `.p7m` (RSA, SHA-256) over a one-page PDF, whose signature verifies.
pub const SIGNED_P7M: &[u8] = include_bytes!("../../engine/documents/src/checks/fixtures/rsa-sha256.p7m");
/// The same envelope with the last bit of its signature flipped: it must not verify.
pub const TAMPERED_P7M: &[u8] = include_bytes!("../../engine/documents/src/checks/fixtures/signature-tampered.p7m");

/// A well-formed one-page PDF showing `text` (the demo's generator).
pub fn pdf(text: &str) -> Vec<u8> {
    sportello_api::sample_documents::pdf(&[text])
}

/// A PDF as [`pdf`] of about `size` bytes, its page filled with lines of text until it is, for tests
/// of sizes and limits.
pub fn pdf_of_size(text: &str, size: usize) -> Vec<u8> {
    let filler = "x".repeat(72);
    let mut lines = vec![text];
    lines.extend(std::iter::repeat_n(filler.as_str(), size.saturating_sub(500) / 81));
    sportello_api::sample_documents::pdf(&lines)
}

/// A PDF as [`pdf`], whose trailer names an `/Encrypt` dictionary: a reader needs a password.
pub fn encrypted_pdf(text: &str) -> Vec<u8> {
    let plain = pdf(text);
    let trailer = b"/Root 1 0 R >>";
    let at = plain.windows(trailer.len()).rposition(|w| w == trailer).expect("the trailer names the catalogue");
    [&plain[..at], b"/Root 1 0 R /Encrypt 5 0 R >>", &plain[at + trailer.len()..]].concat()
}
