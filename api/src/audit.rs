//! `sportello audit verify [--case CODE] [--documents]`: check the hash chains of the audit log and name every case
//! whose chain is broken, with the entry that was altered, inserted or deleted, or whose row was
//! changed outside Sportello, with the fields that differ from its last entry's seal; with
//! `--checkpoint FILE --public-key FILE`, also each case deleted, cut short or rewritten since that
//! signed checkpoint; with `--documents`, also every attached document's bytes against the SHA-256
//! its audit entry sealed (`audit_documents.rs`). `sportello audit keygen` and `sportello audit checkpoint` make the key pair and
//! take checkpoints (`checkpoint.rs`). `sportello audit refusals [--limit N]`: the latest refused
//! requests of the security log.

use std::path::{Path, PathBuf};
use std::process::ExitCode;

use anyhow::bail;
use sportello_store::case_id_from_code;

use crate::database::DatabaseArgs;

/// Verifies one case (by code, `BP-2026-000123`, or row id) or all of them, and compares the database
/// with a signed checkpoint (its file and the public key it must verify with) if one is given. Exit 0
/// when every chain is intact, 1 when one is broken or something was lost since the checkpoint.
pub async fn verify(
    database: &DatabaseArgs,
    case: Option<&str>,
    checkpoint: Option<&(PathBuf, PathBuf)>,
    documents: Option<&Option<PathBuf>>,
) -> anyhow::Result<ExitCode> {
    let only = match case {
        None => None,
        Some(text) => match case_id_from_code(text) {
            Some(id) => Some(id),
            None => bail!("`{text}` is not a case code (like BP-2026-000123) or id"),
        },
    };
    let store = database.open().await?;
    let since = match checkpoint {
        Some((file, public_key)) => {
            let public_key = crate::checkpoint::read_public_key(public_key)?;
            Some(crate::checkpoint::compare(&store, file, &public_key).await?)
        }
        None => None,
    };
    let report = match store.verify_audit(only).await {
        Err(error) if error.code() == "case-not-found" => bail!("there is no case {}", case.unwrap_or_default()),
        other => other?,
    };
    for broken in &report.breaks {
        println!("broken: {broken}");
    }
    println!(
        "checked {} case(s), {} audit entries: {}",
        report.cases,
        report.entries,
        if report.breaks.is_empty() {
            "every chain is intact".to_owned()
        } else {
            format!("{} broken", report.breaks.len())
        }
    );
    let mut broken = !report.breaks.is_empty();
    if let Some((checkpoint, lost)) = &since {
        for what in lost {
            println!("broken: {what}");
        }
        println!(
            "checkpoint of {}: signature valid, {} case(s) then: {}",
            checkpoint.taken_at,
            checkpoint.cases,
            if lost.is_empty() {
                "nothing deleted or rewritten since".to_owned()
            } else {
                format!("{} broken", lost.len())
            }
        );
        broken |= !lost.is_empty();
    }
    if let Some(config) = documents {
        let store_of_documents = crate::documents::open_beside(&database.database, config.as_deref())?;
        let found = crate::audit_documents::verify(&store, store_of_documents.as_ref()).await?;
        for what in &found.broken {
            println!("broken: {what}");
        }
        println!(
            "reread {} document(s), {} bytes, from {}: {}",
            found.documents,
            found.bytes,
            store_of_documents.describe(),
            if found.broken.is_empty() {
                "every one as sealed".to_owned()
            } else {
                format!("{} broken", found.broken.len())
            }
        );
        broken |= !found.broken.is_empty();
    }
    if report.unsealed > 0 {
        println!(
            "{} case(s) last written before case rows were sealed: their chains are checked, their rows are not",
            report.unsealed
        );
    }
    Ok(if broken { ExitCode::from(1) } else { ExitCode::SUCCESS })
}

/// `sportello audit keygen --key FILE`: a new key pair for checkpoints.
pub fn keygen(key: &Path) -> anyhow::Result<ExitCode> {
    let public = crate::checkpoint::keygen(key)?;
    println!("signing key written to {} (keep it away from the database and its administrators)", key.display());
    println!("public key written to {}: {public}", crate::checkpoint::public_path(key).display());
    Ok(ExitCode::SUCCESS)
}

/// `sportello audit checkpoint --key FILE --to FOLDER`: a signed checkpoint of every chain head.
pub async fn checkpoint(database: &DatabaseArgs, key: &Path, folder: &Path) -> anyhow::Result<ExitCode> {
    let key = crate::checkpoint::read_signing_key(key)?;
    if !folder.is_dir() {
        bail!("the folder {} does not exist", folder.display());
    }
    let store = database.open().await?;
    let (path, checkpoint) = crate::checkpoint::take(&store, &key, folder).await?;
    println!("checkpoint written to {}: {} case(s), root {}", path.display(), checkpoint.cases, checkpoint.root);
    Ok(ExitCode::SUCCESS)
}

/// Prints the latest `limit` refusals of the security log, newest first: one line each, tab-separated
/// (when, caller, action, case code as given, refusal).
pub async fn refusals(database: &DatabaseArgs, limit: u64) -> anyhow::Result<ExitCode> {
    let store = database.open().await?;
    let refusals = store.refusals(limit).await?;
    for r in &refusals {
        println!("{}\t{}\t{}\t{}\t{}", r.at, r.actor, r.action, r.target, r.refusal);
    }
    if refusals.is_empty() {
        eprintln!("no refused request is logged");
    }
    Ok(ExitCode::SUCCESS)
}
