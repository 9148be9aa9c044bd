//! `sportello dev-token`: prints a development sign-in token (`iss` "sportello-dev", HS256) for a citizen,
//! clerk or analyst, signed with the local key file that the server reads in dev mode. For trying the API
//! and pages without SPID, CIE or an identity provider; worthless against a server with dev mode off.

use std::io::Write;
use std::path::{Path, PathBuf};
use std::time::Duration;

use anyhow::Context;
use clap::{Args, ValueEnum};

use crate::auth::DevAuth;
use crate::auth::dev::{self, DevClaims, DevRole};

/// The fiscal code of citizen tokens issued without `--fiscal-code`: valid but made up (the textbook
/// "Mario Rossi" code the engine's tests use too).
pub const DEMO_FISCAL_CODE: &str = "RSSMRA85T10A562S";

/// Arguments of `sportello dev-token`.
#[derive(Args, Debug, Clone)]
pub struct DevTokenArgs {
    /// Who the token signs in as.
    #[arg(long, value_enum)]
    pub role: RoleArg,
    /// An office a member of staff works for (repeatable; a clerk needs at least one).
    #[arg(long = "office", value_name = "OFFICE")]
    pub offices: Vec<String>,
    /// A citizen's fiscal code [default: a made-up valid one].
    #[arg(long)]
    pub fiscal_code: Option<String>,
    /// A member of staff's user id [default: dev-clerk or dev-analyst].
    #[arg(long)]
    pub user: Option<String>,
    /// How long the token is valid, such as 8h, 30m or 1h30m.
    #[arg(long, default_value = "8h", value_parser = parse_ttl)]
    pub ttl: Duration,
    /// The dev key file (created when missing); the server must use the same one.
    #[arg(long, env = "SPORTELLO_DEV_KEY_FILE", default_value = "sportello-dev.key")]
    pub key_file: PathBuf,
}

/// The roles `--role` accepts.
#[derive(ValueEnum, Clone, Copy, Debug, PartialEq, Eq)]
pub enum RoleArg {
    /// A citizen, as if signed in with SPID or CIE.
    Citizen,
    /// A member of staff handling cases.
    Clerk,
    /// A member of staff designing workflows and reading reports.
    Analyst,
}

/// Prints the token, and nothing else, on standard output.
pub fn run(args: &DevTokenArgs) -> anyhow::Result<()> {
    let token = token(args)?;
    let mut stdout = std::io::stdout().lock();
    match writeln!(stdout, "{token}").and_then(|()| stdout.flush()) {
        Err(error) if error.kind() == std::io::ErrorKind::BrokenPipe => Ok(()),
        other => other.context("cannot write to standard output"),
    }
}

/// The token `args` ask for.
pub fn token(args: &DevTokenArgs) -> anyhow::Result<String> {
    let role = match args.role {
        RoleArg::Citizen => DevRole::Citizen,
        RoleArg::Clerk => DevRole::Clerk,
        RoleArg::Analyst => DevRole::Analyst,
    };
    let claims = match role {
        DevRole::Citizen => {
            anyhow::ensure!(args.user.is_none() && args.offices.is_empty(), "--user and --office are for staff");
            let fiscal_code = args.fiscal_code.clone().unwrap_or_else(|| DEMO_FISCAL_CODE.to_owned());
            DevClaims { role, fiscal_code: Some(fiscal_code), user: None, offices: Vec::new() }
        }
        DevRole::Clerk | DevRole::Analyst => {
            anyhow::ensure!(args.fiscal_code.is_none(), "--fiscal-code is for citizens");
            anyhow::ensure!(
                role != DevRole::Clerk || !args.offices.is_empty(),
                "a clerk token needs at least one --office"
            );
            let user = args.user.clone().unwrap_or_else(|| format!("dev-{}", role.as_str()));
            DevClaims { role, fiscal_code: None, user: Some(user), offices: args.offices.clone() }
        }
    };
    let dev = DevAuth { key_file: args.key_file.clone() };
    dev::issue(&dev, claims, args.ttl).context("cannot issue the dev token")
}

/// The shell command that prints a citizen's token for a server reading `key_file`, as `serve --dev`
/// prints it: this very executable (so it works after `cargo run`, with nothing on `PATH`) and the key
/// file's full path (so it works from any folder), each quoted for a POSIX shell when it needs to be.
pub fn hint(key_file: &Path) -> String {
    let program = std::env::current_exe().unwrap_or_else(|_| PathBuf::from("sportello"));
    let key_file = std::path::absolute(key_file).unwrap_or_else(|_| key_file.to_path_buf());
    format!("{} dev-token --role citizen --key-file {}", shell_word(&program), shell_word(&key_file))
}

/// `path` as one word of a POSIX shell: as it is when it has only safe characters, else in single
/// quotes (a single quote inside written as `'\''`).
fn shell_word(path: &Path) -> String {
    let text = path.to_string_lossy();
    let safe = |c: char| c.is_ascii_alphanumeric() || "/._-+:=@,".contains(c);
    if !text.is_empty() && text.chars().all(safe) {
        text.into_owned()
    } else {
        format!("'{}'", text.replace('\'', "'\\''"))
    }
}

/// A positive duration in jiff's friendly format (`8h`, `1h30m`, `90s`) or ISO 8601 (`PT8H`).
fn parse_ttl(text: &str) -> Result<Duration, String> {
    let duration: jiff::SignedDuration = text.parse().map_err(|e| format!("not a duration: {e}"))?;
    Duration::try_from(duration)
        .ok()
        .filter(|d| d.as_secs() > 0)
        .ok_or_else(|| "must be at least one second".to_owned())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_demo_fiscal_code_is_valid() {
        assert!(sportello_definition::codice_fiscale::CodiceFiscale::parse(DEMO_FISCAL_CODE).is_ok());
    }

    #[test]
    fn paths_are_quoted_for_the_shell_only_when_they_need_it() {
        assert_eq!(shell_word(Path::new("/srv/target/release/sportello")), "/srv/target/release/sportello");
        assert_eq!(shell_word(Path::new("/home/a b/sportello-dev.key")), "'/home/a b/sportello-dev.key'");
        assert_eq!(shell_word(Path::new("/tmp/it's")), "'/tmp/it'\\''s'");
    }

    #[test]
    fn the_hint_names_the_key_file_by_its_full_path() {
        let hint = hint(Path::new("sportello-dev.key"));
        let key = std::env::current_dir().unwrap().join("sportello-dev.key");
        assert!(hint.contains(" dev-token --role citizen --key-file "), "{hint}");
        assert!(hint.ends_with(&shell_word(&key)), "{hint}");
    }

    #[test]
    fn lifetimes_read_like_durations() {
        assert_eq!(parse_ttl("8h"), Ok(Duration::from_secs(8 * 3600)));
        assert_eq!(parse_ttl("1h30m"), Ok(Duration::from_secs(5400)));
        assert_eq!(parse_ttl("PT10M"), Ok(Duration::from_secs(600)));
        assert!(parse_ttl("0s").is_err());
        assert!(parse_ttl("-1h").is_err());
        assert!(parse_ttl("soon").is_err());
    }
}
