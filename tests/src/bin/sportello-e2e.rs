//! The `sportello` command, built inside the test crate so that its tests can start real server
//! processes (`CARGO_BIN_EXE_sportello-e2e`); the same code as the shipped binary.

fn main() -> std::process::ExitCode {
    sportello_api::cli::run()
}
