//! The demo's case file: before a step applies a transition that requires documents, small generated
//! PDFs (`sample_documents.rs`) are stored in the document store and recorded as the actor's uploads,
//! so that the transition attaches them as a citizen's or a clerk's would.

use bytes::Bytes;
use sportello_definition::Definition;
use sportello_documents::store::DocumentStore;
use sportello_runtime::case::Actor;
use sportello_runtime::documents::Attached;
use sportello_store::{NewUpload, Store, StoredCase};

/// Stores the documents `transition` requires on `stored` as uploads of `actor`, and gives them to
/// attach.
///
/// # Errors
///
/// The document store or the database failing.
pub async fn required(
    store: &Store,
    documents: &dyn DocumentStore,
    definition: &Definition,
    stored: &StoredCase,
    transition: &str,
    actor: &Actor,
) -> anyhow::Result<Vec<Attached>> {
    let mut attached = Vec::new();
    for (doc_type, name, bytes) in crate::sample_documents::required(definition, transition, &stored.case.code) {
        let sha256 = keep(documents, &bytes).await?;
        let upload = format!("demo-{}-{}-{}", stored.id, stored.case.version, attached.len() + 1);
        let now = store.now();
        let record = NewUpload {
            upload_id: upload.clone(),
            case_id: stored.id,
            doc_type: doc_type.clone(),
            name: name.clone(),
            media_type: "application/pdf".to_owned(),
            size: bytes.len() as u64,
            sha256: sha256.clone(),
            signer: None,
            uploaded_by: actor.key().unwrap_or_default(),
            uploader_kind: if matches!(actor, Actor::Citizen { .. }) { "citizen" } else { "staff" }.to_owned(),
            visible_to: match definition.documents.get(&doc_type).map(|d| d.visible_to) {
                Some(sportello_definition::model::Visibility::Staff) => "staff",
                _ => "applicant",
            }
            .to_owned(),
            expires_at: now + jiff::SignedDuration::from_hours(24),
        };
        store.record_upload(record, now).await?;
        let size = bytes.len() as u64;
        attached.push(Attached { upload, doc_type, name, media_type: "application/pdf".to_owned(), size, sha256 });
    }
    Ok(attached)
}

/// Stores `bytes` and gives their SHA-256.
async fn keep(store: &dyn DocumentStore, bytes: &[u8]) -> anyhow::Result<String> {
    let mut spool = store.spool(bytes.len() as u64).await?;
    spool.write(&Bytes::copy_from_slice(bytes)).await?;
    let spooled = spool.finish().await?;
    let sha256 = spooled.sha256().to_owned();
    store.put(spooled).await?;
    Ok(sha256)
}
