//! `sportello deploy PATH…`: validate workflow files and store each as a new version when it changed.
//! Nothing is deployed unless every file is valid, so a folder goes in whole or not at all.

use std::path::PathBuf;
use std::process::ExitCode;

use crate::database::DatabaseArgs;
use crate::{cli, report, workflow_files};

/// Deploys the workflow files under `paths`.
pub async fn run(database: &DatabaseArgs, paths: &[PathBuf]) -> anyhow::Result<ExitCode> {
    let files = workflow_files::collect(paths)?;
    let mut sources = Vec::new();
    let mut invalid = 0;
    for file in &files {
        let (report, source) = cli::validate_file(file)?;
        match (report.is_valid(), source) {
            (true, Some(source)) => sources.push((file, source)),
            (_, source) => {
                invalid += 1;
                eprint!("{}", report::human(&file.display().to_string(), &report, source.as_deref()));
            }
        }
    }
    if invalid > 0 {
        eprintln!("error: {invalid} of {} workflow files are invalid; nothing was deployed", files.len());
        return Ok(ExitCode::from(1));
    }
    let store = database.open().await?;
    for (file, source) in sources {
        let deployed = store.deploy(&source, workflow_files::stem(file)).await?;
        let what = if deployed.changed { "deployed" } else { "unchanged" };
        println!("{what:<10} {} version {} ({})", deployed.workflow, deployed.version, file.display());
    }
    Ok(ExitCode::SUCCESS)
}
