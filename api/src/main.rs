//! The `sportello` binary: a shim over [`sportello_api::cli::run`].

fn main() -> std::process::ExitCode {
    sportello_api::cli::run()
}
