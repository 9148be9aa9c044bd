//! What the S3 tests run against: moto, and a proxy that breaks the connection to it.

pub mod moto;
pub mod proxy;
