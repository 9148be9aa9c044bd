//! Checks of an uploaded file's bytes, run on the spooled file before it may join a case: what it
//! is ([`sniff`], from the bytes only) and a file name fit to show ([`display_name`]).

mod base64;
mod media_type;
mod name;

pub use media_type::{MediaType, SNIFF_LEN, Sniffed, UnknownMediaType, sniff};
pub use name::display_name;
