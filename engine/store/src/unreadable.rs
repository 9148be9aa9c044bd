//! The error for a row the store cannot read back (stored data that no longer parses): a storage
//! error, but not a failure of the database, so the transaction it came up in is still sound.

use sportello_runtime::error::{Error, StorageError};

/// A row the store cannot read back.
pub fn corrupt(message: String) -> Error {
    Error::Storage(StorageError(std::sync::Arc::new(Corrupt(message))))
}

/// Whether `error` is a row found unreadable (see [`corrupt`]), not a failure of the database: the
/// transaction it came up in is still sound.
pub fn is_unreadable(error: &Error) -> bool {
    matches!(error, Error::Storage(StorageError(cause)) if cause.downcast_ref::<Corrupt>().is_some())
}

#[derive(Debug, thiserror::Error)]
#[error("{0}")]
struct Corrupt(String);
