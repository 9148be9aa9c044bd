//! Whether a PDF holds together, read the way a viewer starts reading one and in bounded memory: the
//! `%PDF-x.y` header, the last `startxref` in the file's tail, and at that offset either a classic
//! `xref` table (skipped forward in chunks up to its `trailer`) or a cross-reference stream object,
//! whose dictionary must name the document catalog (`/Root`) and must not name an `/Encrypt`
//! dictionary. Incremental updates need nothing more: the last section's trailer repeats `/Root`.
//! The objects themselves are not parsed; that is a viewer's job.

mod dict;

use std::io::{self, Read, Seek, SeekFrom};

use dict::{Entries, Value};

use crate::checks::Refusal;

/// How much of the file's end is searched for `startxref` (readers use about 1 KB; some writers
/// leave junk after `%%EOF`).
const TAIL: u64 = 4 * 1024;

/// The most read at once: a trailer dictionary must fit in it, and `xref` tables are skipped in
/// chunks of this size.
const WINDOW: u64 = 64 * 1024;

/// Checks the structure of the `len`-byte PDF in `reader`.
pub(crate) fn check<R: Read + Seek>(reader: &mut R, len: u64) -> Result<(), Refusal> {
    let head = read_at(reader, 0, 16, len)?;
    if !is_header(&head) {
        return Err(Refusal::NotAPdf);
    }
    let tail_start = len.saturating_sub(TAIL);
    let tail = read_at(reader, tail_start, TAIL, len)?;
    let (keyword_at, offset) = startxref(&tail).ok_or(Refusal::NotAPdf)?;
    let trailer = match xref_at(reader, offset, len)? {
        Some(trailer) => trailer,
        // The offset is wrong, as some writers get it: a classic trailer just before `startxref`
        // still says what the document is, as viewers find when they repair the file.
        None => last_trailer(&tail[..keyword_at]).ok_or(Refusal::NotAPdf)?,
    };
    if trailer.iter().any(|(key, _)| key == b"Encrypt") {
        return Err(Refusal::EncryptedPdf);
    }
    if !trailer.iter().any(|(key, value)| key == b"Root" && *value == Value::Reference) {
        return Err(Refusal::NotAPdf);
    }
    Ok(())
}

/// `%PDF-1.x` or `%PDF-2.x`.
fn is_header(head: &[u8]) -> bool {
    matches!(head, [b'%', b'P', b'D', b'F', b'-', b'1' | b'2', b'.', d, ..] if d.is_ascii_digit())
}

/// The position of the last `startxref` keyword in `tail`, and the offset that follows it.
fn startxref(tail: &[u8]) -> Option<(usize, u64)> {
    let at = rfind(tail, b"startxref")?;
    let rest = tail[at + b"startxref".len()..].trim_ascii_start();
    let digits = rest.iter().take_while(|b| b.is_ascii_digit()).count();
    let offset = std::str::from_utf8(&rest[..digits]).ok()?.parse().ok()?;
    Some((at, offset))
}

/// The trailer dictionary of the cross-reference section at `offset`, or `None` if there is no
/// cross-reference section there.
fn xref_at<R: Read + Seek>(reader: &mut R, offset: u64, len: u64) -> Result<Option<Entries>, Refusal> {
    if offset >= len {
        return Ok(None);
    }
    let window = read_at(reader, offset, WINDOW, len)?;
    let start = window.len() - window.trim_ascii_start().len();
    let section = &window[start..];
    if let Some(table) = section.strip_prefix(b"xref") {
        if !table.trim_ascii_start().first().is_some_and(u8::is_ascii_digit) {
            return Ok(None);
        }
        let Some(trailer_at) = find_forward(reader, offset + start as u64, b"trailer", len)? else {
            return Ok(None);
        };
        let after = trailer_at + b"trailer".len() as u64;
        return Ok(dict::parse(&read_at(reader, after, WINDOW, len)?));
    }
    let Some(body) = object_body(section) else {
        return Ok(None);
    };
    let entries = dict::parse(body);
    let is_xref_stream = entries.as_ref().is_some_and(|entries| {
        entries.iter().any(|(key, value)| key == b"Type" && *value == Value::Name(b"XRef".to_vec()))
    });
    Ok(entries.filter(|_| is_xref_stream))
}

/// After `N G obj`, what the object holds.
fn object_body(section: &[u8]) -> Option<&[u8]> {
    let mut rest = section;
    for _ in 0..2 {
        let digits = rest.iter().take_while(|b| b.is_ascii_digit()).count();
        if digits == 0 || !rest.get(digits).is_some_and(u8::is_ascii_whitespace) {
            return None;
        }
        rest = rest[digits..].trim_ascii_start();
    }
    rest.strip_prefix(b"obj")
}

/// The dictionary after the last `trailer` keyword in `bytes`.
fn last_trailer(bytes: &[u8]) -> Option<Entries> {
    let at = rfind(bytes, b"trailer")?;
    dict::parse(&bytes[at + b"trailer".len()..])
}

fn rfind(haystack: &[u8], needle: &[u8]) -> Option<usize> {
    haystack.windows(needle.len()).rposition(|w| w == needle)
}

/// The position of the first `needle` at or after `from`, reading forward a window at a time.
fn find_forward<R: Read + Seek>(reader: &mut R, from: u64, needle: &[u8], len: u64) -> Result<Option<u64>, Refusal> {
    let mut at = from;
    while at < len {
        let chunk = read_at(reader, at, WINDOW, len)?;
        if let Some(found) = chunk.windows(needle.len()).position(|w| w == needle) {
            return Ok(Some(at + found as u64));
        }
        if at + (chunk.len() as u64) >= len {
            break;
        }
        // Overlap so that a needle across two windows is still found.
        at += (chunk.len() - (needle.len() - 1)) as u64;
    }
    Ok(None)
}

/// Up to `max` bytes from `at`, stopping at `len`.
fn read_at<R: Read + Seek>(reader: &mut R, at: u64, max: u64, len: u64) -> Result<Vec<u8>, Refusal> {
    let size = usize::try_from(max.min(len.saturating_sub(at))).unwrap_or(0);
    let mut buf = vec![0; size];
    let read = |reader: &mut R, buf: &mut [u8]| -> io::Result<()> {
        reader.seek(SeekFrom::Start(at))?;
        reader.read_exact(buf)
    };
    read(reader, &mut buf).map_err(|e| Refusal::Unreadable(e.to_string()))?;
    Ok(buf)
}

#[cfg(test)]
mod tests {
    use std::io::Cursor;

    use super::*;

    /// Writes small PDFs with correct cross-reference offsets.
    struct Builder {
        out: Vec<u8>,
        offsets: Vec<usize>,
    }

    impl Builder {
        fn new(version: &str) -> Self {
            Builder { out: format!("%PDF-{version}\n%\u{e2}\u{e3}\n").into_bytes(), offsets: Vec::new() }
        }

        /// A three-object document: catalog, page tree, one page.
        fn document(version: &str) -> Self {
            let mut pdf = Builder::new(version);
            pdf.object("<< /Type /Catalog /Pages 2 0 R >>");
            pdf.object("<< /Type /Pages /Kids [3 0 R] /Count 1 >>");
            pdf.object("<< /Type /Page /Parent 2 0 R /MediaBox [0 0 595 842] >>");
            pdf
        }

        fn object(&mut self, body: &str) {
            self.offsets.push(self.out.len());
            let n = self.offsets.len();
            self.out.extend(format!("{n} 0 obj\n{body}\nendobj\n").bytes());
        }

        /// A classic table for the objects since `first` and a trailer with `entries`.
        fn classic(mut self, first: usize, entries: &str) -> Self {
            let xref = self.out.len();
            let count = self.offsets.len() - first + 1;
            let mut table = format!("xref\n0 1\n0000000000 65535 f \n{first} {}\n", count - 1);
            for offset in &self.offsets[first - 1..] {
                table += &format!("{offset:010} 00000 n \n");
            }
            let size = self.offsets.len() + 1;
            table += &format!("trailer\n<< /Size {size} {entries} >>\nstartxref\n{xref}\n%%EOF\n");
            self.out.extend(table.bytes());
            self
        }

        /// A cross-reference stream object with `entries` in its dictionary.
        fn xref_stream(mut self, entries: &str) -> Self {
            let xref = self.out.len();
            let n = self.offsets.len() + 1;
            let data: Vec<u8> = (0..n).flat_map(|i| [1, 0, (i % 256) as u8, 0]).collect();
            self.out.extend(
                format!(
                    "{n} 0 obj\n<< /Type /XRef /Size {} /W [1 2 1] {entries} /Length {} >>\nstream\n",
                    n + 1,
                    data.len()
                )
                .bytes(),
            );
            self.out.extend(data);
            self.out.extend(format!("\nendstream\nendobj\nstartxref\n{xref}\n%%EOF\n").bytes());
            self
        }

        fn bytes(&self) -> &[u8] {
            &self.out
        }
    }

    fn check_bytes(bytes: &[u8]) -> Result<(), Refusal> {
        check(&mut Cursor::new(bytes), bytes.len() as u64)
    }

    #[test]
    fn a_minimal_pdf_passes() {
        let pdf = Builder::document("1.4").classic(1, "/Root 1 0 R");
        check_bytes(pdf.bytes()).unwrap();
        check_bytes(include_bytes!("../fixtures/documento.pdf")).unwrap();
    }

    #[test]
    fn a_pdf_2_with_a_cross_reference_stream_passes() {
        let pdf = Builder::document("2.0").xref_stream("/Root 1 0 R /ID [<01ab> <01ab>]");
        check_bytes(pdf.bytes()).unwrap();
    }

    #[test]
    fn an_incrementally_updated_pdf_passes() {
        let mut pdf = Builder::document("1.7").classic(1, "/Root 1 0 R");
        let first_xref = startxref(pdf.bytes()).unwrap().1;
        pdf.object("<< /Title (Domanda, versione firmata) >>");
        let pdf = pdf.classic(4, &format!("/Root 1 0 R /Info 4 0 R /Prev {first_xref}"));
        assert_eq!(String::from_utf8_lossy(pdf.bytes()).matches("%%EOF").count(), 2);
        check_bytes(pdf.bytes()).unwrap();
    }

    #[test]
    fn an_encrypted_pdf_is_refused_as_such() {
        let pdf = Builder::document("1.6").classic(1, "/Root 1 0 R /Encrypt 5 0 R /ID [<aa> <bb>]");
        assert!(matches!(check_bytes(pdf.bytes()), Err(Refusal::EncryptedPdf)));
        let pdf = Builder::document("1.6").xref_stream("/Root 1 0 R /Encrypt << /Filter /Standard /V 4 >>");
        assert!(matches!(check_bytes(pdf.bytes()), Err(Refusal::EncryptedPdf)));
    }

    #[test]
    fn a_truncated_pdf_is_damaged() {
        let pdf = Builder::document("1.4").classic(1, "/Root 1 0 R");
        let cut = &pdf.bytes()[..pdf.bytes().len() * 2 / 3];
        assert!(matches!(check_bytes(cut), Err(Refusal::NotAPdf)));
        assert!(matches!(check_bytes(b"%PDF-1.4\n"), Err(Refusal::NotAPdf)));
    }

    #[test]
    fn html_named_pdf_is_not_a_pdf() {
        let html = b"<!DOCTYPE html><html><body>%PDF-1.4 startxref 0 %%EOF</body></html>";
        assert!(matches!(check_bytes(html), Err(Refusal::NotAPdf)));
    }

    #[test]
    fn a_trailer_without_a_catalog_is_damaged() {
        let pdf = Builder::document("1.4").classic(1, "/Info 1 0 R");
        assert!(matches!(check_bytes(pdf.bytes()), Err(Refusal::NotAPdf)));
        let pdf = Builder::document("1.4").classic(1, "/Root 1");
        assert!(matches!(check_bytes(pdf.bytes()), Err(Refusal::NotAPdf)));
    }

    #[test]
    fn a_startxref_offset_pointing_nowhere_is_damaged_without_a_trailer_to_fall_back_on() {
        let pdf = Builder::document("1.5").xref_stream("/Root 1 0 R");
        let text = String::from_utf8_lossy(pdf.bytes()).into_owned();
        let (_, offset) = startxref(pdf.bytes()).unwrap();
        let wrong = text.replace(&format!("startxref\n{offset}"), "startxref\n12");
        assert!(matches!(check_bytes(wrong.as_bytes()), Err(Refusal::NotAPdf)));
        let beyond = text.replace(&format!("startxref\n{offset}"), "startxref\n999999");
        assert!(matches!(check_bytes(beyond.as_bytes()), Err(Refusal::NotAPdf)));
    }

    #[test]
    fn a_slightly_wrong_offset_is_forgiven_when_the_trailer_is_there() {
        let pdf = Builder::document("1.4").classic(1, "/Root 1 0 R");
        let text = String::from_utf8_lossy(pdf.bytes()).into_owned();
        let (_, offset) = startxref(pdf.bytes()).unwrap();
        let shifted = text.replace(&format!("startxref\n{offset}"), &format!("startxref\n{}", offset - 3));
        check_bytes(shifted.as_bytes()).unwrap();
    }

    #[test]
    fn a_stream_object_that_is_not_a_cross_reference_is_damaged() {
        let pdf = Builder::document("1.5").xref_stream("/Root 1 0 R");
        let text = String::from_utf8_lossy(pdf.bytes()).replace("/Type /XRef", "/Type /XObject");
        assert!(matches!(check_bytes(text.as_bytes()), Err(Refusal::NotAPdf)));
    }

    #[test]
    fn headers_need_a_version() {
        assert!(is_header(b"%PDF-1.7\n"));
        assert!(is_header(b"%PDF-2.0"));
        assert!(!is_header(b"%PDF-"));
        assert!(!is_header(b"%PDF-x.y"));
        assert!(matches!(check_bytes(b"%PDF-abc\nstartxref\n0\n%%EOF"), Err(Refusal::NotAPdf)));
    }

    #[test]
    fn a_long_xref_table_is_skipped_in_chunks() {
        let mut pdf = Builder::document("1.4");
        for i in 0..10_000 {
            pdf.object(&format!("<< /N {i} >>"));
        }
        let pdf = pdf.classic(1, "/Root 1 0 R");
        // The table alone is 200 KB, several windows.
        assert!(pdf.bytes().len() > 3 * WINDOW as usize);
        check_bytes(pdf.bytes()).unwrap();
    }
}
