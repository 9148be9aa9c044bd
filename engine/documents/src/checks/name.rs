//! A file name fit to show: the name the citizen's browser sent, without directories, control and
//! bidirectional characters (which can make `fattura<U+202E>fdp.exe` read as `fatturaexe.pdf`), trimmed,
//! capped in length and ending with the extension of what the bytes really are. It is for display
//! only: storage names a file by its hash.

use crate::checks::MediaType;

/// The longest name shown, in characters, extension included.
const MAX_CHARS: usize = 120;

/// A file name fit to show, from the name the client sent and the type the bytes turned out to be.
///
/// Strips any directory part (after `/` or `\`), removes NUL, control characters and Unicode
/// bidirectional controls, trims whitespace and dots at both ends, caps the name at 120 characters
/// keeping the extension, and adds the media type's extension when the name does not already end with
/// it (so that `scansione` shows as `scansione.pdf`). Falls back to `documento.<ext>` when nothing is
/// left. Never fails.
///
/// ```
/// use sportello_documents::checks::{display_name, MediaType};
///
/// assert_eq!(display_name(r"C:\Users\mario\Domanda.PDF", MediaType::Pdf), "Domanda.PDF");
/// assert_eq!(display_name("../../", MediaType::Jpeg), "documento.jpg");
/// ```
pub fn display_name(original: &str, media_type: MediaType) -> String {
    let base = original.rsplit(['/', '\\']).next().unwrap_or_default();
    let cleaned: String = base.chars().filter(|&c| !c.is_control() && !is_bidi_control(c)).collect();
    let name = trim(&cleaned);
    if name.is_empty() {
        return format!("documento.{}", media_type.extension());
    }
    let (stem, extension) = match name.rsplit_once('.') {
        Some((stem, ext)) if has_extension(name, media_type) => (stem, ext.to_owned()),
        _ => (name, media_type.extension().to_owned()),
    };
    let room = MAX_CHARS - 1 - extension.chars().count();
    let stem = trim(&stem.chars().take(room).collect::<String>()).to_owned();
    if stem.is_empty() { format!("documento.{extension}") } else { format!("{stem}.{extension}") }
}

/// Whether the name already ends with an extension that fits the type (in any letter case).
fn has_extension(name: &str, media_type: MediaType) -> bool {
    let Some((stem, extension)) = name.rsplit_once('.') else {
        return false;
    };
    let extension = extension.to_ascii_lowercase();
    let fits = match media_type {
        MediaType::Pdf => extension == "pdf",
        MediaType::Jpeg => matches!(extension.as_str(), "jpg" | "jpeg" | "jpe" | "jfif"),
        MediaType::Png => extension == "png",
        MediaType::P7m => extension == "p7m",
    };
    fits && !trim(stem).is_empty()
}

/// Trims whitespace and dots at both ends.
fn trim(name: &str) -> &str {
    name.trim_matches(|c: char| c.is_whitespace() || c == '.')
}

/// The Unicode bidirectional formatting characters (embeddings, overrides, isolates and marks),
/// and the byte order mark.
fn is_bidi_control(c: char) -> bool {
    matches!(c, '\u{202A}'..='\u{202E}' | '\u{2066}'..='\u{2069}' | '\u{200E}' | '\u{200F}' | '\u{061C}' | '\u{FEFF}')
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn directories_are_stripped_whatever_the_separator() {
        assert_eq!(display_name("documenti/mario/domanda.pdf", MediaType::Pdf), "domanda.pdf");
        assert_eq!(display_name(r"C:\Documenti\planimetria.pdf", MediaType::Pdf), "planimetria.pdf");
        assert_eq!(display_name(r"..\../etc\passwd.pdf", MediaType::Pdf), "passwd.pdf");
    }

    #[test]
    fn control_and_bidi_characters_are_removed() {
        // "fattura<RLO>fdp.exe" reads as "fatturaexe.pdf" on screen.
        assert_eq!(display_name("fattura\u{202E}fdp.exe", MediaType::Pdf), "fatturafdp.exe.pdf");
        assert_eq!(display_name("a\0b\nc\u{7}\u{2066}d\u{200F}.png", MediaType::Png), "abcd.png");
        assert_eq!(display_name("\u{FEFF}carta d'identità.jpeg", MediaType::Jpeg), "carta d'identità.jpeg");
    }

    #[test]
    fn whitespace_and_dots_are_trimmed_at_both_ends() {
        assert_eq!(display_name("  ..domanda firmata.pdf.  ", MediaType::Pdf), "domanda firmata.pdf");
        assert_eq!(display_name("domanda.pdf.p7m", MediaType::P7m), "domanda.pdf.p7m");
    }

    #[test]
    fn a_name_that_does_not_end_with_the_real_type_gets_its_extension() {
        assert_eq!(display_name("scansione", MediaType::Pdf), "scansione.pdf");
        assert_eq!(display_name("foto.exe", MediaType::Jpeg), "foto.exe.jpg");
        assert_eq!(display_name("FOTO.JPG", MediaType::Jpeg), "FOTO.JPG");
        assert_eq!(display_name("domanda.pdf", MediaType::P7m), "domanda.pdf.p7m");
    }

    #[test]
    fn nothing_left_falls_back_to_documento() {
        assert_eq!(display_name("", MediaType::Pdf), "documento.pdf");
        assert_eq!(display_name("  . . ", MediaType::Png), "documento.png");
        assert_eq!(display_name("dir/", MediaType::P7m), "documento.p7m");
        assert_eq!(display_name("\u{202E}\u{202C}", MediaType::Jpeg), "documento.jpg");
        assert_eq!(display_name(".pdf", MediaType::Pdf), "pdf.pdf");
    }

    #[test]
    fn long_names_are_capped_at_120_characters_keeping_the_extension() {
        let long = format!("{}.pdf", "à".repeat(300));
        let shown = display_name(&long, MediaType::Pdf);
        assert_eq!(shown.chars().count(), 120);
        assert!(shown.ends_with("à.pdf"));
        let no_extension = "x".repeat(500);
        let shown = display_name(&no_extension, MediaType::Png);
        assert_eq!(shown.chars().count(), 120);
        assert!(shown.ends_with("x.png"));
        // A cut that leaves a trailing space or dot before the extension trims it.
        let spaced = format!("{} tail.pdf", "y".repeat(115));
        assert_eq!(display_name(&spaced, MediaType::Pdf), format!("{}.pdf", "y".repeat(115)));
    }
}
