//! What the command-line tests share: running a binary of this package in a folder, with no database
//! setting from the environment, and its output as one text.

#![allow(dead_code)]

use std::path::Path;
use std::process::Output;

pub use sportello_testkit::cli::{run, text};

/// Runs `sportello` in `dir`.
pub fn sportello(dir: &Path, args: &[&str]) -> Output {
    run(env!("CARGO_BIN_EXE_sportello"), dir, args)
}

/// The shipped workflows folder.
pub fn workflows() -> String {
    format!("{}/../workflows", env!("CARGO_MANIFEST_DIR"))
}
