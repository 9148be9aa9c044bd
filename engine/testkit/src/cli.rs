//! Running a command-line program as a test's user would: in a folder of the test's, with no
//! database or Sportello setting inherited from the environment (`DATABASE_URL`, `SPORTELLO_*`), so
//! each test's database is the one it names; and its output as one text for messages.

use std::path::Path;
use std::process::{Command, Output};

/// `program` to be run in `dir`, with every `SPORTELLO_*` variable and `DATABASE_URL` removed.
pub fn command(program: &str, dir: &Path) -> Command {
    let mut command = Command::new(program);
    command.current_dir(dir);
    for (name, _) in std::env::vars() {
        if name.starts_with("SPORTELLO_") || name == "DATABASE_URL" {
            command.env_remove(name);
        }
    }
    command
}

/// Runs `program` in `dir` with `args` (see [`command`]) and waits for it.
pub fn run(program: &str, dir: &Path, args: &[&str]) -> Output {
    command(program, dir).args(args).output().expect("the program starts")
}

/// Standard output, then standard error.
pub fn text(output: &Output) -> String {
    format!("{}{}", String::from_utf8_lossy(&output.stdout), String::from_utf8_lossy(&output.stderr))
}
