//! The municipality's crest, shown beside its name in every page's header as the Designers Italia
//! model for Comuni asks. An operator names the file (`web.crest`, an SVG or PNG image); it is read
//! once at start, its kind told from its bytes (never from its name), and served at `/static/stemma`.
//! Without one, a neutral civic shield drawn for Sportello stands in.

use std::path::Path;
use std::sync::Arc;

use anyhow::{Context as _, bail};
use axum::extract::State;
use axum::http::header;
use axum::response::{IntoResponse, Response};

use super::Web;

/// The largest crest file read: a crest is a small picture.
const MAX_BYTES: u64 = 512 * 1024;

/// The crest's picture and its media type.
#[derive(Debug, Clone)]
pub struct Crest {
    media_type: &'static str,
    bytes: Vec<u8>,
}

impl Crest {
    /// The crest in `file`, or the neutral shield when none is named.
    ///
    /// # Errors
    ///
    /// When the file cannot be read, is larger than 512 KiB or is neither SVG nor PNG.
    pub fn load(file: Option<&Path>) -> anyhow::Result<Crest> {
        let Some(file) = file else {
            return Ok(Crest {
                media_type: "image/svg+xml",
                bytes: include_bytes!("../../web/static/crest.svg").to_vec(),
            });
        };
        let size = std::fs::metadata(file).with_context(|| format!("web.crest: cannot read {}", file.display()))?.len();
        if size > MAX_BYTES {
            bail!("web.crest: {} is {size} bytes; a crest may be at most {MAX_BYTES}", file.display());
        }
        let bytes = std::fs::read(file).with_context(|| format!("web.crest: cannot read {}", file.display()))?;
        let Some(media_type) = media_type(&bytes) else {
            bail!("web.crest: {} is neither an SVG nor a PNG image", file.display());
        };
        Ok(Crest { media_type, bytes })
    }
}

/// SVG or PNG, told from the bytes.
fn media_type(bytes: &[u8]) -> Option<&'static str> {
    if bytes.starts_with(b"\x89PNG\r\n\x1a\n") {
        return Some("image/png");
    }
    let text = std::str::from_utf8(bytes).ok()?.trim_start_matches('\u{feff}').trim_start();
    (text.starts_with("<svg") || (text.starts_with("<?xml") && text.contains("<svg"))).then_some("image/svg+xml")
}

/// `/static/stemma`.
pub async fn serve(State(web): State<Arc<Web>>) -> Response {
    (
        [(header::CONTENT_TYPE, web.crest.media_type), (header::CACHE_CONTROL, "public, max-age=86400")],
        web.crest.bytes.clone(),
    )
        .into_response()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_kind_comes_from_the_bytes() {
        assert_eq!(media_type(b"\x89PNG\r\n\x1a\nrest"), Some("image/png"));
        assert_eq!(media_type(b"<?xml version=\"1.0\"?>\n<svg xmlns=\"\"/>"), Some("image/svg+xml"));
        assert_eq!(media_type(b"  <svg/>"), Some("image/svg+xml"));
        assert_eq!(media_type(b"GIF89a"), None);
        assert_eq!(media_type(b"<html><svg/></html>"), None);
    }

    #[test]
    fn a_missing_large_or_foreign_file_is_refused_with_its_name() {
        let folder = tempfile::tempdir().unwrap();
        let missing = folder.path().join("stemma.svg");
        assert!(format!("{:#}", Crest::load(Some(&missing)).unwrap_err()).contains("web.crest: cannot read"));
        let gif = folder.path().join("stemma.gif");
        std::fs::write(&gif, b"GIF89a").unwrap();
        assert!(format!("{:#}", Crest::load(Some(&gif)).unwrap_err()).contains("neither an SVG nor a PNG"));
        let big = folder.path().join("big.png");
        std::fs::write(&big, vec![0u8; 600 * 1024]).unwrap();
        assert!(format!("{:#}", Crest::load(Some(&big)).unwrap_err()).contains("at most"));
        assert_eq!(Crest::load(None).unwrap().media_type, "image/svg+xml");
    }
}
