//! The QR code of a pagoPA notice as an inline SVG: the payload of
//! [`qr_payload`](sportello_runtime::pagopa::qr_payload) (`PAGOPA|002|<notice>|<creditor>|<cents>`), encoded
//! with error correction level M as the pagoPA notice specification asks, drawn as one `<path>` of
//! one-unit squares on a white background with the four-module quiet zone, so it scales to any size
//! with `width`/`height` set by the page's CSS. Output is deterministic: the same payload gives the same
//! bytes.

use std::fmt::Write;

use qrcode::{Color, EcLevel, QrCode};

/// The payload could not be encoded.
#[derive(Debug, thiserror::Error)]
pub enum QrError {
    /// Too long for the largest QR code at level M.
    #[error("the payload cannot be encoded as a QR code")]
    Encode(#[source] qrcode::types::QrError),
}

/// Light modules around the code, as the QR specification requires.
const QUIET_ZONE: usize = 4;

/// The QR code of `payload` (level M) as a standalone `<svg>` with `role="img"` and an `aria-label`.
pub fn svg(payload: &str) -> Result<String, QrError> {
    let code = QrCode::with_error_correction_level(payload.as_bytes(), EcLevel::M).map_err(QrError::Encode)?;
    let width = code.width();
    let size = width + 2 * QUIET_ZONE;
    let mut path = String::new();
    for (index, color) in code.to_colors().into_iter().enumerate() {
        if color == Color::Dark {
            let (x, y) = (index % width + QUIET_ZONE, index / width + QUIET_ZONE);
            let _ = write!(path, "M{x} {y}h1v1h-1z");
        }
    }
    Ok(format!(
        "<svg xmlns=\"http://www.w3.org/2000/svg\" viewBox=\"0 0 {size} {size}\" role=\"img\" \
         aria-label=\"Codice QR dell'avviso di pagamento pagoPA\" shape-rendering=\"crispEdges\">\
         <rect width=\"{size}\" height=\"{size}\" fill=\"#fff\"/><path fill=\"#000\" d=\"{path}\"/></svg>"
    ))
}

#[cfg(test)]
mod tests {
    use super::*;

    const PAYLOAD: &str = "PAGOPA|002|322201151398574181|00221940364|12050";

    #[test]
    fn a_notice_payload_is_a_version_3_code_at_level_m() {
        // The encoder splits the payload into segments: the 18- and 11-digit runs go in numeric mode, so
        // its 47 characters fit version 3 (29 × 29 modules) at level M, where byte mode alone needs 4.
        let code = QrCode::with_error_correction_level(PAYLOAD.as_bytes(), EcLevel::M).unwrap();
        assert_eq!(code.version(), qrcode::Version::Normal(3));
        assert_eq!(code.width(), 29);

        let svg = svg(PAYLOAD).unwrap();
        assert!(svg.starts_with("<svg "), "{svg}");
        assert!(svg.ends_with("</svg>"));
        assert!(svg.contains("viewBox=\"0 0 37 37\""), "29 modules and a quiet zone of 4 on each side");
        assert!(svg.contains("role=\"img\"") && svg.contains("aria-label=\""));
        let dark = code.to_colors().iter().filter(|c| **c == Color::Dark).count();
        assert_eq!(svg.matches("h1v1h-1z").count(), dark, "one square per dark module");
    }

    #[test]
    fn the_same_payload_gives_the_same_svg() {
        assert_eq!(svg(PAYLOAD).unwrap(), svg(PAYLOAD).unwrap());
        assert_ne!(svg(PAYLOAD).unwrap(), svg("PAGOPA|002|322201151398574181|00221940364|12051").unwrap());
    }

    #[test]
    fn a_payload_too_long_for_any_version_is_refused() {
        let error = svg(&"9".repeat(8000)).unwrap_err();
        assert_eq!(error.to_string(), "the payload cannot be encoded as a QR code");
    }
}
