//! Finding, reading and validating workflow files: folders are searched for `*.yaml`/`*.yml`,
//! scenario files (`*.test.yaml`) are left to `sportello test`, and oversized files are refused before
//! being read.

use std::io::Read;
use std::path::{Path, PathBuf};

use anyhow::{Context, bail};
use sportello_definition::parse::{self, MAX_FILE_BYTES};
use sportello_definition::{Report, load};

/// Validates one file: its report and its text (for showing offending lines).
pub fn validate_file(path: &Path) -> anyhow::Result<(Report, Option<String>)> {
    Ok(match read_limited(path)? {
        Contents::TooLarge(size) => (Report { definition: None, diagnostics: vec![parse::too_large(size)] }, None),
        Contents::Bytes(bytes) => {
            let report = load(&bytes, stem(path));
            (report, String::from_utf8(bytes).ok())
        }
    })
}

/// The workflow files named by `paths`: files as given, folders searched recursively, sorted.
pub fn collect(paths: &[PathBuf]) -> anyhow::Result<Vec<PathBuf>> {
    let files = find(paths, is_workflow_file)?;
    if files.is_empty() {
        bail!(
            "no workflow files (*.yaml) found in {}",
            paths.iter().map(|p| p.display().to_string()).collect::<Vec<_>>().join(", ")
        );
    }
    Ok(files)
}

/// The scenario files (`*.test.yaml`) named by `paths` or found in its folders, searched
/// recursively, sorted; none found is not an error here.
pub fn collect_scenarios(paths: &[PathBuf]) -> anyhow::Result<Vec<PathBuf>> {
    Ok(find(paths, is_scenario_file)?.into_iter().filter(|file| is_scenario_file(file)).collect())
}

/// `paths` as given when files, and the files under each folder that `keep` accepts, sorted.
fn find(paths: &[PathBuf], keep: fn(&Path) -> bool) -> anyhow::Result<Vec<PathBuf>> {
    let mut files = Vec::new();
    for path in paths {
        let metadata = std::fs::metadata(path).with_context(|| format!("cannot read {}", path.display()))?;
        if metadata.is_dir() {
            walk(path, keep, &mut files, 0)?;
        } else {
            files.push(path.clone());
        }
    }
    files.sort();
    Ok(files)
}

fn walk(dir: &Path, keep: fn(&Path) -> bool, files: &mut Vec<PathBuf>, depth: usize) -> anyhow::Result<()> {
    if depth > 16 {
        return Ok(());
    }
    let mut entries: Vec<PathBuf> = std::fs::read_dir(dir)
        .with_context(|| format!("cannot list {}", dir.display()))?
        .filter_map(|entry| entry.ok().map(|e| e.path()))
        .collect();
    entries.sort();
    for path in entries {
        if path.is_dir() {
            walk(&path, keep, files, depth + 1)?;
        } else if keep(&path) {
            files.push(path);
        }
    }
    Ok(())
}

/// Whether a file in a folder is a scenario test of a workflow (`x.test.yaml` tests `x.yaml`).
pub fn is_scenario_file(path: &Path) -> bool {
    path.file_name().and_then(|n| n.to_str()).is_some_and(|name| name.ends_with(".test.yaml"))
}

/// Whether a file in a folder is a workflow (not a scenario test).
pub fn is_workflow_file(path: &Path) -> bool {
    let name = path.file_name().and_then(|n| n.to_str()).unwrap_or_default();
    (name.ends_with(".yaml") || name.ends_with(".yml")) && !name.ends_with(".test.yaml") && !name.ends_with(".test.yml")
}

/// What reading a workflow file gave.
pub enum Contents {
    /// The bytes, within the size limit.
    Bytes(Vec<u8>),
    /// The file is larger than a workflow may be; its size in bytes, when it has one (a device or a
    /// pipe has none: it was read up to the limit).
    TooLarge(Option<u64>),
}

/// The file's bytes, reading at most one byte past the limit so that a huge file costs nothing.
pub fn read_limited(path: &Path) -> anyhow::Result<Contents> {
    let file = std::fs::File::open(path).with_context(|| format!("cannot open {}", path.display()))?;
    let mut bytes = Vec::new();
    file.take(MAX_FILE_BYTES as u64 + 1)
        .read_to_end(&mut bytes)
        .with_context(|| format!("cannot read {}", path.display()))?;
    if bytes.len() > MAX_FILE_BYTES {
        let size = std::fs::metadata(path).ok().filter(|m| m.is_file()).map(|m| m.len());
        return Ok(Contents::TooLarge(size.filter(|size| *size >= bytes.len() as u64)));
    }
    Ok(Contents::Bytes(bytes))
}

/// The file name without its extension, for comparing with the workflow id.
pub fn stem(path: &Path) -> Option<&str> {
    let name = path.file_name()?.to_str()?;
    name.strip_suffix(".yaml").or_else(|| name.strip_suffix(".yml"))
}
