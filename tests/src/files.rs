//! Files for the case-file tests: small valid PDFs written here with their cross-reference offsets
//! counted (each one different, by its text), an encrypted one, and the signed `.p7m` envelopes the
//! documents crate's checks are tested with (a throwaway test certificate for Mario Rossi,
//! `TINIT-RSSMRA80A01H501U`).

/// A CAdES `.p7m` (RSA, SHA-256) over a one-page PDF, whose signature verifies.
pub const SIGNED_P7M: &[u8] = include_bytes!("../../engine/documents/src/checks/fixtures/rsa-sha256.p7m");
/// The same envelope with the last bit of its signature flipped: it must not verify.
pub const TAMPERED_P7M: &[u8] = include_bytes!("../../engine/documents/src/checks/fixtures/signature-tampered.p7m");

/// A one-page PDF showing `text`, well formed: header, four objects, a cross-reference table whose
/// offsets are those of the objects, a trailer naming the catalogue.
pub fn pdf(text: &str) -> Vec<u8> {
    pdf_with_trailer(text, "")
}

/// A PDF as [`pdf`], whose trailer names an `/Encrypt` dictionary: a reader needs a password.
pub fn encrypted_pdf(text: &str) -> Vec<u8> {
    pdf_with_trailer(text, " /Encrypt 5 0 R")
}

fn pdf_with_trailer(text: &str, extra: &str) -> Vec<u8> {
    let stream = format!("BT /F1 12 Tf 72 720 Td ({}) Tj ET", text.replace(['(', ')', '\\'], " "));
    let objects = [
        "<< /Type /Catalog /Pages 2 0 R >>".to_owned(),
        "<< /Type /Pages /Kids [3 0 R] /Count 1 >>".to_owned(),
        "<< /Type /Page /Parent 2 0 R /MediaBox [0 0 612 792] /Contents 4 0 R >>".to_owned(),
        format!("<< /Length {} >>\nstream\n{stream}\nendstream", stream.len()),
    ];
    let mut out = b"%PDF-1.4\n%\xE2\xE3\xCF\xD3\n".to_vec();
    let mut offsets = Vec::new();
    for (i, object) in objects.iter().enumerate() {
        offsets.push(out.len());
        out.extend_from_slice(format!("{} 0 obj\n{object}\nendobj\n", i + 1).as_bytes());
    }
    let xref = out.len();
    out.extend_from_slice(format!("xref\n0 {}\n0000000000 65535 f \n", objects.len() + 1).as_bytes());
    for offset in offsets {
        out.extend_from_slice(format!("{offset:010} 00000 n \n").as_bytes());
    }
    out.extend_from_slice(
        format!("trailer\n<< /Size {} /Root 1 0 R{extra} >>\nstartxref\n{xref}\n%%EOF\n", objects.len() + 1).as_bytes(),
    );
    out
}
