//! What a file is, told from its first bytes: the four media types a case file accepts, and for
//! anything else a short Italian description ("una pagina HTML", "un programma eseguibile") that a
//! refusal can show the citizen. Only the bytes count: neither the file name nor the type the browser
//! claimed is ever asked.

use std::fmt;
use std::str::FromStr;

use serde::{Deserialize, Serialize};

use super::cms_head::is_cms;

/// How many leading bytes [`sniff`] looks at; `inspect` reads at most this many for it.
pub const SNIFF_LEN: usize = 1024;

/// A media type the case file accepts, told from the bytes.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(into = "&'static str", try_from = "String")]
pub enum MediaType {
    /// A PDF document.
    Pdf,
    /// A JPEG image, such as a scanned page or a photo.
    Jpeg,
    /// A PNG image.
    Png,
    /// A CAdES envelope (`.p7m`): a document with its digital signature.
    P7m,
}

impl MediaType {
    /// Every accepted type, in a fixed order.
    pub const ALL: [MediaType; 4] = [MediaType::Pdf, MediaType::Jpeg, MediaType::Png, MediaType::P7m];

    /// The IANA media type, e.g. `application/pdf`.
    pub fn as_str(self) -> &'static str {
        match self {
            MediaType::Pdf => "application/pdf",
            MediaType::Jpeg => "image/jpeg",
            MediaType::Png => "image/png",
            MediaType::P7m => "application/pkcs7-mime",
        }
    }

    /// The usual file extension, without the dot: `pdf`, `jpg`, `png`, `p7m`.
    pub fn extension(self) -> &'static str {
        match self {
            MediaType::Pdf => "pdf",
            MediaType::Jpeg => "jpg",
            MediaType::Png => "png",
            MediaType::P7m => "p7m",
        }
    }

    /// What the type is, in Italian, as a refusal names it: "un documento PDF".
    pub fn description(self) -> &'static str {
        match self {
            MediaType::Pdf => "un documento PDF",
            MediaType::Jpeg => "un'immagine JPEG",
            MediaType::Png => "un'immagine PNG",
            MediaType::P7m => "un documento firmato digitalmente (.p7m)",
        }
    }
}

impl fmt::Display for MediaType {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

impl From<MediaType> for &'static str {
    fn from(media_type: MediaType) -> Self {
        media_type.as_str()
    }
}

/// A string that names none of the accepted media types.
#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
#[error("unknown media type {0:?}")]
pub struct UnknownMediaType(pub String);

impl FromStr for MediaType {
    type Err = UnknownMediaType;

    fn from_str(s: &str) -> Result<Self, Self::Err> {
        MediaType::ALL.into_iter().find(|t| t.as_str() == s).ok_or_else(|| UnknownMediaType(s.to_owned()))
    }
}

impl TryFrom<String> for MediaType {
    type Error = UnknownMediaType;

    fn try_from(s: String) -> Result<Self, Self::Error> {
        s.parse()
    }
}

/// What [`sniff`] made of a file's first bytes.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Sniffed {
    /// One of the accepted media types.
    Known(MediaType),
    /// Anything else, described in Italian for the citizen ("un archivio ZIP").
    Other(&'static str),
}

impl Sniffed {
    /// The Italian description of what was found: "un documento PDF", "una pagina HTML".
    pub fn description(self) -> &'static str {
        match self {
            Sniffed::Known(t) => t.description(),
            Sniffed::Other(description) => description,
        }
    }
}

/// What a file is, from its first bytes (see [`SNIFF_LEN`]; fewer are fine for a short file).
///
/// ```
/// use sportello_documents::checks::{sniff, MediaType, Sniffed};
///
/// assert_eq!(sniff(b"%PDF-1.7\n"), Sniffed::Known(MediaType::Pdf));
/// assert_eq!(sniff(b"<!DOCTYPE html><html>"), Sniffed::Other("una pagina HTML"));
/// ```
pub fn sniff(head: &[u8]) -> Sniffed {
    if head.is_empty() {
        return Sniffed::Other("un file vuoto");
    }
    if head.starts_with(b"%PDF-") {
        return Sniffed::Known(MediaType::Pdf);
    }
    if head.starts_with(b"\x89PNG\r\n\x1a\n") {
        return Sniffed::Known(MediaType::Png);
    }
    if head.starts_with(&[0xFF, 0xD8, 0xFF]) {
        return Sniffed::Known(MediaType::Jpeg);
    }
    if is_cms(head) || crate::checks::base64::looks_like_cms(head) {
        return Sniffed::Known(MediaType::P7m);
    }
    if let Some(description) = other_binary(head) {
        return Sniffed::Other(description);
    }
    if let Some(description) = markup(head) {
        return Sniffed::Other(description);
    }
    if is_text(head) { Sniffed::Other("un file di testo") } else { Sniffed::Other("un file di tipo sconosciuto") }
}

/// Binary formats told by their magic bytes.
fn other_binary(head: &[u8]) -> Option<&'static str> {
    const MAGICS: &[(&[u8], &str)] = &[
        (b"MZ", "un programma eseguibile"),
        (b"\x7fELF", "un programma eseguibile"),
        (&[0xFE, 0xED, 0xFA, 0xCE], "un programma eseguibile"),
        (&[0xFE, 0xED, 0xFA, 0xCF], "un programma eseguibile"),
        (&[0xCE, 0xFA, 0xED, 0xFE], "un programma eseguibile"),
        (&[0xCF, 0xFA, 0xED, 0xFE], "un programma eseguibile"),
        (&[0xCA, 0xFE, 0xBA, 0xBE], "un programma eseguibile"),
        (b"#!", "un programma eseguibile"),
        (b"GIF87a", "un'immagine GIF"),
        (b"GIF89a", "un'immagine GIF"),
        (b"II*\0", "un'immagine TIFF"),
        (b"MM\0*", "un'immagine TIFF"),
        (b"BM", "un'immagine BMP"),
        (&[0xD0, 0xCF, 0x11, 0xE0, 0xA1, 0xB1, 0x1A, 0xE1], "un documento Office di vecchio formato"),
        (b"{\\rtf", "un documento RTF"),
        (b"Rar!\x1a\x07", "un archivio RAR"),
        (b"7z\xBC\xAF\x27\x1C", "un archivio 7-Zip"),
        (&[0x1F, 0x8B], "un archivio compresso gzip"),
    ];
    if head.starts_with(b"PK\x03\x04") {
        return Some(zip(head));
    }
    if head.len() >= 12 && &head[..4] == b"RIFF" && &head[8..12] == b"WEBP" {
        return Some("un'immagine WebP");
    }
    if head.len() >= 12 && &head[4..8] == b"ftyp" {
        return Some(match &head[8..12] {
            b"heic" | b"heix" | b"mif1" | b"msf1" | b"heim" | b"heis" => "una foto HEIC",
            b"avif" => "un'immagine AVIF",
            _ => "un file video",
        });
    }
    MAGICS.iter().find(|(magic, _)| head.starts_with(magic)).map(|(_, d)| *d)
}

/// A ZIP archive, or an office document that is one: the first entry's name tells them apart.
fn zip(head: &[u8]) -> &'static str {
    let name = head
        .get(26..28)
        .map(|n| usize::from(u16::from_le_bytes([n[0], n[1]])))
        .and_then(|n| head.get(30..30 + n))
        .unwrap_or_default();
    match name {
        b"[Content_Types].xml" | b"_rels/.rels" | b"docProps/app.xml" => {
            "un documento Office (Word, Excel o PowerPoint)"
        }
        b"mimetype" => "un documento OpenDocument",
        _ => "un archivio ZIP",
    }
}

/// Text that a browser would run or render: HTML, SVG, XML (after an optional BOM and whitespace).
fn markup(head: &[u8]) -> Option<&'static str> {
    let text = head.strip_prefix(b"\xEF\xBB\xBF").unwrap_or(head);
    let text = text.trim_ascii_start();
    let starts = |prefix: &[u8]| text.len() >= prefix.len() && text[..prefix.len()].eq_ignore_ascii_case(prefix);
    if starts(b"<!doctype html") || starts(b"<html") || starts(b"<script") || starts(b"<head") {
        return Some("una pagina HTML");
    }
    if starts(b"<svg") {
        return Some("un'immagine SVG");
    }
    if starts(b"<?xml") {
        let rest = String::from_utf8_lossy(text).to_ascii_lowercase();
        return Some(if rest.contains("<svg") {
            "un'immagine SVG"
        } else if rest.contains("<html") {
            "una pagina HTML"
        } else {
            "un file XML"
        });
    }
    None
}

/// Text if it is UTF-8 (a character cut at the end of the head is fine) with no control characters
/// other than tab, line feed, form feed and carriage return.
fn is_text(head: &[u8]) -> bool {
    let valid = match std::str::from_utf8(head) {
        Ok(s) => s,
        Err(e) if e.error_len().is_none() => std::str::from_utf8(&head[..e.valid_up_to()]).unwrap_or_default(),
        Err(_) => return false,
    };
    valid.chars().all(|c| !c.is_control() || matches!(c, '\t' | '\n' | '\r' | '\x0C'))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_four_accepted_types_are_told_by_their_magic_bytes() {
        assert_eq!(sniff(b"%PDF-2.0\n%\xE2\xE3"), Sniffed::Known(MediaType::Pdf));
        assert_eq!(sniff(b"\x89PNG\r\n\x1a\n\0\0\0\rIHDR"), Sniffed::Known(MediaType::Png));
        assert_eq!(sniff(&[0xFF, 0xD8, 0xFF, 0xE0, 0, 0x10, b'J']), Sniffed::Known(MediaType::Jpeg));
        let der = include_bytes!("fixtures/rsa-sha256.p7m");
        let ber = include_bytes!("fixtures/rsa-sha256-ber.p7m");
        assert_eq!(sniff(der), Sniffed::Known(MediaType::P7m));
        assert_eq!(sniff(ber), Sniffed::Known(MediaType::P7m));
    }

    #[test]
    fn a_pdf_header_counts_only_at_the_very_start() {
        assert_eq!(sniff(b"junk%PDF-1.4"), Sniffed::Other("un file di testo"));
    }

    #[test]
    fn any_pkcs7_content_type_is_a_p7m_for_inspect_to_judge() {
        assert_eq!(sniff(include_bytes!("fixtures/data-only.p7m")), Sniffed::Known(MediaType::P7m));
        assert_eq!(sniff(include_bytes!("fixtures/enveloped.p7m")), Sniffed::Known(MediaType::P7m));
        // A SEQUENCE holding some other OID is not CMS.
        assert!(!is_cms(&[0x30, 0x0B, 0x06, 0x09, 0x2A, 0x86, 0x48, 0x86, 0xF7, 0x0D, 0x01, 0x01, 0x01]));
    }

    #[test]
    fn html_is_found_after_a_bom_and_whitespace_whatever_the_case() {
        assert_eq!(sniff(b"\xEF\xBB\xBF\n  <!DOCTYPE HTML>"), Sniffed::Other("una pagina HTML"));
        assert_eq!(sniff(b"<Html><body>"), Sniffed::Other("una pagina HTML"));
        assert_eq!(sniff(b"\t<SCRIPT>alert(1)</script>"), Sniffed::Other("una pagina HTML"));
        assert_eq!(sniff(b"<?xml version=\"1.0\"?>\n<svg xmlns=\"\">"), Sniffed::Other("un'immagine SVG"));
        assert_eq!(sniff(b"<?xml version=\"1.0\"?><fattura/>"), Sniffed::Other("un file XML"));
    }

    #[test]
    fn executables_archives_and_other_images_are_named() {
        assert_eq!(sniff(b"MZ\x90\0\x03"), Sniffed::Other("un programma eseguibile"));
        assert_eq!(sniff(b"\x7fELF\x02\x01"), Sniffed::Other("un programma eseguibile"));
        assert_eq!(sniff(&[0xCF, 0xFA, 0xED, 0xFE, 7]), Sniffed::Other("un programma eseguibile"));
        assert_eq!(sniff(b"#!/bin/sh\nrm -rf /"), Sniffed::Other("un programma eseguibile"));
        assert_eq!(sniff(b"GIF89a\x01\0"), Sniffed::Other("un'immagine GIF"));
        assert_eq!(sniff(b"\0\0\0\x18ftypheic\0\0"), Sniffed::Other("una foto HEIC"));
    }

    #[test]
    fn a_zip_is_told_from_an_office_document_by_its_first_entry() {
        let entry = |name: &[u8]| {
            let mut zip = b"PK\x03\x04".to_vec();
            zip.extend_from_slice(&[0; 22]);
            zip.extend_from_slice(&u16::try_from(name.len()).unwrap().to_le_bytes());
            zip.extend_from_slice(&[0, 0]);
            zip.extend_from_slice(name);
            zip
        };
        assert_eq!(sniff(&entry(b"foto.jpg")), Sniffed::Other("un archivio ZIP"));
        assert_eq!(
            sniff(&entry(b"[Content_Types].xml")),
            Sniffed::Other("un documento Office (Word, Excel o PowerPoint)")
        );
        assert_eq!(sniff(&entry(b"mimetype")), Sniffed::Other("un documento OpenDocument"));
        assert_eq!(sniff(b"PK\x03\x04"), Sniffed::Other("un archivio ZIP"));
    }

    #[test]
    fn text_is_told_from_unknown_bytes() {
        assert_eq!(sniff("Gentile Comune,\r\nallego la domanda.".as_bytes()), Sniffed::Other("un file di testo"));
        // A multi-byte character cut by the end of the head is still text.
        assert_eq!(sniff(&"caffè".as_bytes()[..5]), Sniffed::Other("un file di testo"));
        assert_eq!(sniff(&[0x00, 0x01, 0x02, 0x03]), Sniffed::Other("un file di tipo sconosciuto"));
        assert_eq!(sniff(b""), Sniffed::Other("un file vuoto"));
    }

    #[test]
    fn media_types_round_trip_through_their_strings() {
        for t in MediaType::ALL {
            assert_eq!(t.as_str().parse::<MediaType>(), Ok(t));
            assert_eq!(serde_json::to_string(&t).unwrap(), format!("\"{}\"", t.as_str()));
            assert_eq!(serde_json::from_str::<MediaType>(&format!("\"{t}\"")).unwrap(), t);
        }
        assert_eq!(MediaType::Jpeg.extension(), "jpg");
        assert_eq!(MediaType::P7m.extension(), "p7m");
        assert_eq!("text/html".parse::<MediaType>(), Err(UnknownMediaType("text/html".into())));
    }
}
