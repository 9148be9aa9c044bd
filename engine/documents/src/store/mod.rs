//! The `DocumentStore` port and its local-folder implementation.
