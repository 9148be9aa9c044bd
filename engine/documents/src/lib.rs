//! The case file's bytes: what an upload must be before it may join a case, and where the bytes live.
//!
//! [`checks`] reads an uploaded file as it lies spooled on disk and says what it is: its media type
//! sniffed from the bytes (never from the name or the client's header), whether a PDF parses and is not
//! encrypted, whether a CAdES `.p7m` envelope's signature verifies and who signed it, and a file name
//! fit to show. [`store`] is the `DocumentStore` port: blobs named by their SHA-256, written so that a
//! crash never leaves half a file under a real name, with the local-folder implementation that is the
//! default. The metadata (case, type, name, signer, visibility) is the store crate's, in the database.
#![warn(missing_docs)]

pub mod checks;
pub mod store;
