//! Tidying the case file's storage: uploads no transition attached before they expired are removed
//! with their blobs, and blobs no document names (a crash between storing a blob and recording it
//! leaves one) are removed once they are older than any upload can take. Metadata is always removed
//! before its blob, and a blob only when nothing names it, so metadata without a blob never exists.

use std::time::Duration;

use jiff::SignedDuration;
use tokio::sync::watch;

use super::Error;
use crate::state::AppState;

/// How old a blob no document names must be before it is removed: far longer than an upload takes
/// between storing its blob and recording it.
pub const ORPHAN_AGE: SignedDuration = SignedDuration::from_hours(1);

/// How often the server tidies.
pub const EVERY: Duration = Duration::from_secs(15 * 60);

/// What one round removed.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct Swept {
    /// Blobs of expired uploads that nothing else named.
    pub expired_blobs: usize,
    /// Blobs no document named, older than [`ORPHAN_AGE`].
    pub orphan_blobs: usize,
}

/// One round: expired uploads, then blobs nothing names.
///
/// # Errors
///
/// [`Error::Storage`] or [`Error::DocumentStore`] when the database or the document store fails;
/// what was removed before stays removed.
pub async fn sweep(state: &AppState) -> Result<Swept, Error> {
    let now = state.store.now();
    let store_error = |e: sportello_documents::store::StoreError| Error::DocumentStore(e.to_string());
    let mut swept = Swept::default();
    for sha256 in state.store.remove_expired_uploads(now).await? {
        state.documents.delete(&sha256).await.map_err(store_error)?;
        swept.expired_blobs += 1;
    }
    let cutoff = now.checked_sub(ORPHAN_AGE).unwrap_or(now);
    for (sha256, written) in state.documents.list().await.map_err(store_error)? {
        if written < cutoff && !state.store.blob_in_use(&sha256).await? {
            state.documents.delete(&sha256).await.map_err(store_error)?;
            swept.orphan_blobs += 1;
        }
    }
    Ok(swept)
}

/// Sweeps every [`EVERY`] until `stop` turns true; a failed round is logged and tried again.
pub async fn run(state: AppState, mut stop: watch::Receiver<bool>) {
    loop {
        match sweep(&state).await {
            Ok(swept) if swept != Swept::default() => tracing::info!(?swept, "tidied the document store"),
            Ok(_) => {}
            Err(error) => tracing::warn!(error.message = %error, "could not tidy the document store"),
        }
        tokio::select! {
            _ = stop.changed() => return,
            () = tokio::time::sleep(EVERY) => {}
        }
    }
}
