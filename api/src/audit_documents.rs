//! `sportello audit verify --documents`: every document a transition attached is read back from the
//! document store and hashed again; its bytes must hash to the SHA-256 that the audit entry of that
//! transition sealed, and that entry must name it. A changed byte, a missing blob or a document the
//! chain does not name is reported, each with its case and file.

use std::collections::HashMap;

use futures_util::StreamExt;
use sha2::{Digest, Sha256};
use sportello_documents::store::{DocumentStore, StoreError};
use sportello_store::{DocumentRecord, Store};

/// What rereading the case file found.
#[derive(Debug, Default)]
pub struct DocumentsReport {
    /// Documents read back.
    pub documents: usize,
    /// Bytes read.
    pub bytes: u64,
    /// One line per document whose bytes or seal do not hold.
    pub broken: Vec<String>,
}

/// Rereads every attached document of `store` from `documents`.
///
/// # Errors
///
/// The database failing; a blob that cannot be read is a finding, not an error.
pub async fn verify(store: &Store, documents: &dyn DocumentStore) -> anyhow::Result<DocumentsReport> {
    let mut report = DocumentsReport::default();
    let mut sealed: HashMap<(i64, u64), Vec<String>> = HashMap::new();
    let attached = store.attached_documents().await?;
    let mut trails_read = std::collections::HashSet::new();
    for record in &attached {
        if trails_read.insert(record.case_id) {
            for entry in store.audit_trail(record.case_id).await? {
                let hashes = entry.body["documents"]
                    .as_array()
                    .map(|list| list.iter().filter_map(|d| d["sha256"].as_str().map(str::to_owned)).collect())
                    .unwrap_or_default();
                sealed.insert((record.case_id, entry.sequence), hashes);
            }
        }
        report.documents += 1;
        let place = describe(store, record).await;
        let sequence = record.audit_sequence.unwrap_or_default() as u64;
        if !sealed.get(&(record.case_id, sequence)).is_some_and(|h| h.contains(&record.sha256)) {
            report.broken.push(format!("{place}: audit entry {sequence} does not seal its SHA-256 {}", record.sha256));
            continue;
        }
        match rehash(documents, &record.sha256).await {
            Ok((found, bytes)) if found == record.sha256 => report.bytes += bytes,
            Ok((found, _)) => report.broken.push(format!(
                "{place}: its bytes hash to {found}, not to the {} sealed in audit entry {sequence}",
                record.sha256
            )),
            Err(StoreError::NotFound) => report.broken.push(format!("{place}: its bytes are missing from the store")),
            Err(error) => report.broken.push(format!("{place}: its bytes cannot be read ({error})")),
        }
    }
    Ok(report)
}

async fn describe(store: &Store, record: &DocumentRecord) -> String {
    let code = store.case_summary(record.case_id).await.map_or_else(|_| format!("case {}", record.case_id), |s| s.code);
    format!("{code} document {} \"{}\" ({})", record.upload_id, record.name, record.doc_type)
}

/// The SHA-256 of blob `sha256` as its bytes are now, and how many there are.
async fn rehash(documents: &dyn DocumentStore, sha256: &str) -> Result<(String, u64), StoreError> {
    let mut stream = documents.open(sha256, None).await?;
    let mut hasher = Sha256::new();
    let mut bytes = 0u64;
    while let Some(chunk) = stream.next().await {
        let chunk = chunk?;
        bytes += chunk.len() as u64;
        hasher.update(&chunk);
    }
    Ok((hasher.finalize().iter().map(|b| format!("{b:02x}")).collect(), bytes))
}
