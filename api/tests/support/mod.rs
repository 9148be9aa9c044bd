//! What the command-line tests share: running a binary of this package in a folder, with no database
//! setting from the environment, and its output as one text.

#![allow(dead_code)]

use std::path::Path;
use std::process::{Command, Output};

/// Runs `program` in `dir` with `args`; `DATABASE_URL` and `SPORTELLO_SQLITE_SYNCHRONOUS` are unset,
/// so each test's database is the one it names (by default `sportello.db` in `dir`).
pub fn run(program: &str, dir: &Path, args: &[&str]) -> Output {
    Command::new(program)
        .args(args)
        .current_dir(dir)
        .env_remove("DATABASE_URL")
        .env_remove("SPORTELLO_SQLITE_SYNCHRONOUS")
        .output()
        .unwrap()
}

/// Runs `sportello` in `dir`.
pub fn sportello(dir: &Path, args: &[&str]) -> Output {
    run(env!("CARGO_BIN_EXE_sportello"), dir, args)
}

/// Standard output, then standard error.
pub fn text(output: &Output) -> String {
    format!("{}{}", String::from_utf8_lossy(&output.stdout), String::from_utf8_lossy(&output.stderr))
}

/// The shipped workflows folder.
pub fn workflows() -> String {
    format!("{}/../workflows", env!("CARGO_MANIFEST_DIR"))
}
