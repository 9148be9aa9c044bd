//! Checks of an uploaded file's bytes.
