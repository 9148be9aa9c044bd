//! Where a blob lives inside a store, from its name: `sha256/ab/cd/<hash>`, two levels of fan-out so that
//! no folder (or S3 listing page) holds more than a few thousand entries. The name is checked first (64
//! lowercase hex digits), so a path or key is never built from anything else: a name that comes from a
//! request can hold no `/`, no `..`, nothing but what a SHA-256 is written with.

use super::StoreError;

/// The folder (local) or key prefix (S3) under which blobs are kept.
pub const BLOBS: &str = "sha256";

/// Whether `text` is a SHA-256 as blobs are named: 64 lowercase hex digits.
pub fn is_sha256(text: &str) -> bool {
    text.len() == 64 && text.bytes().all(|b| b.is_ascii_digit() || (b'a'..=b'f').contains(&b))
}

/// `sha256/ab/cd/<sha256>` for the blob named `sha256`, with `/` between the parts.
///
/// # Errors
///
/// [`StoreError::NotFound`] when `sha256` is not 64 lowercase hex digits: no blob can have that name.
pub fn blob_key(sha256: &str) -> Result<String, StoreError> {
    if !is_sha256(sha256) {
        return Err(StoreError::NotFound);
    }
    Ok(format!("{BLOBS}/{}/{}/{sha256}", &sha256[..2], &sha256[2..4]))
}

#[cfg(test)]
mod tests {
    use super::*;

    const EMPTY: &str = "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855";

    #[test]
    fn a_hash_fans_out_into_two_folders_by_its_first_four_digits() {
        assert_eq!(blob_key(EMPTY).unwrap(), format!("sha256/e3/b0/{EMPTY}"));
    }

    #[test]
    fn anything_but_64_lowercase_hex_digits_names_no_blob() {
        let upper = EMPTY.to_uppercase();
        let short = &EMPTY[..63];
        let long = format!("{EMPTY}0");
        let traversal = format!("../../{}", &EMPTY[6..]);
        let not_hex = format!("g{}", &EMPTY[1..]);
        for bad in ["", short, &long, &upper, &traversal, &not_hex] {
            assert!(!is_sha256(bad), "{bad:?}");
            assert!(matches!(blob_key(bad), Err(StoreError::NotFound)), "{bad:?}");
        }
    }
}
