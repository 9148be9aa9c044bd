//! The `DocumentStore` port and its local-folder implementation. A document's bytes are a blob named by
//! their SHA-256 in lowercase hex, so the same file uploaded twice is kept once and a name says what
//! the bytes are. An upload is spooled to a temporary file while it is hashed ([`Spool`]), checked
//! there, and then handed to the store ([`DocumentStore::put`]), which keeps it so that a crash never
//! leaves half a file under a real name. [`LocalFolder`] keeps blobs in a folder (the default); the
//! S3-compatible store, which speaks HTTP, is the `sportello-s3-documents` crate. Which one, and where,
//! is [`DocumentsSettings`].

mod chunks;
mod error;
mod key;
mod local;
mod settings;
mod spool;

use std::future::Future;
use std::ops::Range;
use std::path::Path;
use std::pin::Pin;

pub use chunks::{CHUNK, FileChunks};
pub use error::StoreError;
pub use key::{BLOBS, blob_key, is_sha256};
pub use local::LocalFolder;
pub use settings::{CREDENTIAL_VARIABLES, DocumentsSettings, InvalidSettings, S3Settings, StoreKind};
pub use spool::{SPOOL_PREFIX, Spool, Spooled, remove_stale_spools};

/// What a store's operations return: a boxed future, so that stores can be used as `dyn DocumentStore`.
pub type StoreFuture<'a, T> = Pin<Box<dyn Future<Output = Result<T, StoreError>> + Send + 'a>>;

/// A blob's bytes as they are read, chunk by chunk, ready to become an HTTP body.
pub type ByteStream = Pin<Box<dyn futures_core::Stream<Item = std::io::Result<bytes::Bytes>> + Send>>;

/// How old a spool must be before a starting store removes it: older than any upload can take.
pub const STALE_SPOOL_AGE: std::time::Duration = std::time::Duration::from_secs(86_400);

/// Where documents' bytes are kept: blobs named by the lowercase hex SHA-256 of their bytes.
///
/// A name that is not 64 lowercase hex digits is a name no blob has: [`open`](Self::open) answers
/// [`StoreError::NotFound`], [`size`](Self::size) `None`, [`delete`](Self::delete) `Ok`. Stores never
/// build a path or a key from anything else.
pub trait DocumentStore: Send + Sync {
    /// Keeps the spooled bytes under their hash. Idempotent: a blob already there is left as is (and the
    /// spool is removed). After `Ok` the blob is durable (local: the file and its folder are fsynced;
    /// S3: the server acknowledged the object). On error no blob is left under that name, and the spool
    /// is removed all the same.
    ///
    /// # Errors
    ///
    /// [`StoreError::Full`], [`StoreError::Unavailable`] (S3) or [`StoreError::Io`].
    fn put<'a>(&'a self, spooled: Spooled) -> StoreFuture<'a, ()>;

    /// The bytes of blob `sha256` as a stream: all of them, or those of `range` (`start..end`, end
    /// exclusive) that the blob has: the range is cut at the blob's end, and one starting at or past the
    /// end gives no bytes (callers check ranges against [`size`](Self::size), which `Content-Range`
    /// needs anyway).
    ///
    /// # Errors
    ///
    /// [`StoreError::NotFound`] when there is no such blob; [`StoreError::Unavailable`] or
    /// [`StoreError::Io`] when it cannot be read. The stream itself can still fail midway, with an
    /// `io::Error`.
    fn open<'a>(&'a self, sha256: &'a str, range: Option<Range<u64>>) -> StoreFuture<'a, ByteStream>;

    /// The size in bytes of blob `sha256`, or `None` when there is no such blob.
    ///
    /// # Errors
    ///
    /// [`StoreError::Unavailable`] or [`StoreError::Io`] when the store cannot tell.
    fn size<'a>(&'a self, sha256: &'a str) -> StoreFuture<'a, Option<u64>>;

    /// Removes blob `sha256`; a blob that is not there is `Ok`.
    ///
    /// # Errors
    ///
    /// [`StoreError::Unavailable`] or [`StoreError::Io`] when it cannot be removed.
    fn delete<'a>(&'a self, sha256: &'a str) -> StoreFuture<'a, ()>;

    /// Every blob, with when it was last written, for collecting the blobs no metadata names (a crash
    /// between storing a blob and committing its metadata leaves one; the API collects those older than
    /// an hour). Putting a blob that is already there does not change its time, so a collector checks
    /// the metadata after listing, and the upload that found the blob there commits its metadata well
    /// within the hour.
    ///
    /// # Errors
    ///
    /// [`StoreError::Unavailable`] or [`StoreError::Io`] when the store cannot be listed.
    fn list<'a>(&'a self) -> StoreFuture<'a, Vec<(String, jiff::Timestamp)>>;

    /// The folder spools are written to: the local folder's own temporary folder, on the same
    /// filesystem so that [`put`](Self::put) is a rename.
    fn spool_dir(&self) -> &Path;

    /// The bytes a spool leaves free on the filesystem of [`spool_dir`](Self::spool_dir) (0: none).
    fn reserve_bytes(&self) -> u64;

    /// A short description for logs and the health page (`cartella locale /srv/sportello/documenti`,
    /// `S3 bucket documenti su https://s3.example.it`). Never holds a secret.
    fn describe(&self) -> String;

    /// Starts a spool for an upload to this store: in [`spool_dir`](Self::spool_dir), refusing to grow
    /// past `limit` bytes or into [`reserve_bytes`](Self::reserve_bytes).
    ///
    /// # Errors
    ///
    /// As [`Spool::create`].
    fn spool<'a>(&'a self, limit: u64) -> StoreFuture<'a, Spool> {
        Box::pin(async move { Ok(Spool::create(self.spool_dir(), limit).await?.with_reserve(self.reserve_bytes())) })
    }
}
