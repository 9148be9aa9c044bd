//! Deploying workflow files: `sportello deploy PATH…`, and `serve` deploying its workflows folder at
//! start. Files are validated first and nothing is deployed unless every file is valid, so a folder
//! goes in whole or not at all; each valid file is stored as its workflow's next version when it
//! changed.

use std::path::{Path, PathBuf};
use std::process::ExitCode;

use anyhow::Context;
use sportello_store::{Deployed, Store};

use crate::database::DatabaseArgs;
use crate::{report, workflow_files};

/// The workflow files under `paths`, read and valid; or, if any is not, each invalid file's report.
pub enum Checked {
    /// Every file is valid: each path with its text.
    Valid(Vec<(PathBuf, String)>),
    /// Some are not: how many of how many, and their reports as `sportello validate` prints them.
    Invalid {
        /// Invalid files.
        invalid: usize,
        /// All files.
        of: usize,
        /// The reports, one after the other.
        reports: String,
    },
}

/// Reads and validates every workflow file under `paths`.
///
/// # Errors
///
/// A path cannot be read.
pub fn check(paths: &[PathBuf]) -> anyhow::Result<Checked> {
    let files = workflow_files::collect(paths)?;
    let mut sources = Vec::new();
    let (mut invalid, mut reports) = (0, String::new());
    for file in &files {
        let (report, source) = workflow_files::validate_file(file)?;
        match (report.is_valid(), source) {
            (true, Some(source)) => sources.push((file.clone(), source)),
            (_, source) => {
                invalid += 1;
                reports.push_str(&report::human(&file.display().to_string(), &report, source.as_deref()));
            }
        }
    }
    Ok(if invalid > 0 { Checked::Invalid { invalid, of: files.len(), reports } } else { Checked::Valid(sources) })
}

/// Stores each of `sources` (valid workflow files) as its workflow's next version when it changed.
///
/// # Errors
///
/// The store refuses a file or fails; the files before it stay deployed.
pub async fn deploy(store: &Store, sources: &[(PathBuf, String)]) -> anyhow::Result<Vec<(PathBuf, Deployed)>> {
    let mut deployed = Vec::new();
    for (file, source) in sources {
        let outcome = store
            .deploy(source, workflow_files::stem(file))
            .await
            .with_context(|| format!("cannot deploy {}", file.display()))?;
        deployed.push((file.clone(), outcome));
    }
    Ok(deployed)
}

/// `sportello deploy`: deploys the workflow files under `paths`.
pub async fn run(database: &DatabaseArgs, paths: &[PathBuf]) -> anyhow::Result<ExitCode> {
    let sources = match check(paths)? {
        Checked::Valid(sources) => sources,
        Checked::Invalid { invalid, of, reports } => {
            eprint!("{reports}");
            eprintln!("error: {invalid} of {of} workflow files are invalid; nothing was deployed");
            return Ok(ExitCode::from(1));
        }
    };
    let store = database.open().await?;
    for (file, deployed) in deploy(&store, &sources).await? {
        let what = if deployed.changed { "deployed" } else { "unchanged" };
        println!("{what:<10} {} version {} ({})", deployed.workflow, deployed.version, file.display());
    }
    Ok(ExitCode::SUCCESS)
}

/// `serve`'s workflows folder, deployed at start; a missing folder is an error only if it was asked
/// for.
///
/// # Errors
///
/// The folder was asked for and is missing, a file does not validate, or the store fails.
pub async fn deploy_folder(store: &Store, folder: &Path, explicit: bool) -> anyhow::Result<()> {
    if folder.as_os_str().is_empty() {
        return Ok(());
    }
    if !folder.is_dir() {
        if explicit {
            anyhow::bail!("the workflows folder {} does not exist", folder.display());
        }
        eprintln!("sportello: no {} folder here; no workflow deployed at start", folder.display());
        return Ok(());
    }
    let sources = match check(&[folder.to_path_buf()])? {
        Checked::Valid(sources) => sources,
        Checked::Invalid { invalid, of, reports } => anyhow::bail!(
            "{invalid} of {of} workflow files in {} do not validate; nothing was deployed:\n{reports}",
            folder.display()
        ),
    };
    for (_, deployed) in deploy(store, &sources).await?.into_iter().filter(|(_, d)| d.changed) {
        eprintln!("sportello: deployed {} version {}", deployed.workflow, deployed.version);
    }
    Ok(())
}
