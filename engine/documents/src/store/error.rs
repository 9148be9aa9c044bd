//! What can go wrong keeping or reading a blob, in the words the API answers with: too large (413), not
//! found (404), no room left (503), the store out of reach (503), and any other input/output failure
//! (500). A full disk is told apart from other I/O errors here, once, so that no caller has to look at
//! `ErrorKind`s.

use std::io;

/// The error of every [`DocumentStore`](super::DocumentStore) and [`Spool`](super::Spool) operation.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum StoreError {
    /// The upload grew past the limit it was spooled with; nothing of it is kept.
    #[error("the document is larger than {limit} bytes")]
    TooLarge {
        /// The limit, in bytes.
        limit: u64,
    },
    /// No blob has that hash (or the text is not a SHA-256 in lowercase hex).
    #[error("no such document")]
    NotFound,
    /// The filesystem is full, or writing would take its free space below the configured reserve.
    #[error("the document store is full")]
    Full,
    /// The store could not be reached or failed on its side (network, S3 server error): try later.
    #[error("the document store is unavailable")]
    Unavailable(#[source] Box<dyn std::error::Error + Send + Sync + 'static>),
    /// Any other input/output failure.
    #[error("document store input/output failed")]
    Io(#[source] io::Error),
}

impl From<io::Error> for StoreError {
    /// `ENOSPC` and `EDQUOT` become [`StoreError::Full`]; every other error is [`StoreError::Io`]. (An
    /// `io::ErrorKind::NotFound` stays `Io`: a missing folder is not a missing blob.)
    fn from(error: io::Error) -> Self {
        match error.kind() {
            io::ErrorKind::StorageFull | io::ErrorKind::QuotaExceeded => StoreError::Full,
            _ => StoreError::Io(error),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_full_disk_or_quota_is_full_and_other_errors_stay_io() {
        assert!(matches!(StoreError::from(io::Error::from(io::ErrorKind::StorageFull)), StoreError::Full));
        assert!(matches!(StoreError::from(io::Error::from(io::ErrorKind::QuotaExceeded)), StoreError::Full));
        #[cfg(target_os = "linux")]
        assert!(matches!(StoreError::from(io::Error::from_raw_os_error(28)), StoreError::Full), "ENOSPC");
        assert!(matches!(StoreError::from(io::Error::from(io::ErrorKind::NotFound)), StoreError::Io(_)));
    }
}
