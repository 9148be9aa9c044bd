//! Sending a spooled file to S3: nothing when the object is there already (blobs are named by their
//! hash, so it holds the same bytes); one request when the file fits in a part; otherwise a multipart
//! upload of [`PART`]-byte parts read one at a time from the spool, so memory holds one part whatever
//! the file's size. S3 shows a multipart object only when the upload is completed; an upload that fails
//! midway is aborted, so its parts do not linger (an abort that cannot reach the server either leaves
//! them to the bucket's lifecycle rule, as docs/operations.md asks for).

use std::io;
use std::sync::Arc;

use bytes::Bytes;
use object_store::path::Path as Key;
use object_store::{MultipartUpload, ObjectStore, ObjectStoreExt};
use sportello_documents::store::{Spooled, StoreError};
use tokio::io::AsyncReadExt;

use crate::error::from_s3;

/// The size of every part of a multipart upload but the last (S3 asks for at least 5 MiB, and some
/// servers for parts of one size); a file up to this size is sent in one request.
pub const PART: u64 = 8 << 20;

/// Sends `spooled` to `key` unless an object is there already. The spool is removed when this ends,
/// whatever the outcome.
pub(crate) async fn put(s3: Arc<dyn ObjectStore>, key: Key, spooled: Spooled) -> Result<(), StoreError> {
    match s3.head(&key).await {
        Ok(_) => return Ok(()),
        Err(object_store::Error::NotFound { .. }) => {}
        Err(e) => return Err(from_s3(e)),
    }
    let mut file = tokio::fs::File::from_std(spooled.open()?);
    if spooled.len() <= PART {
        let bytes = read_part(&mut file, spooled.len()).await?;
        s3.put(&key, bytes.into()).await.map_err(from_s3)?;
        return Ok(());
    }
    let mut upload = s3.put_multipart(&key).await.map_err(from_s3)?;
    let sent = match send_parts(upload.as_mut(), &mut file, spooled.len()).await {
        Ok(()) => upload.complete().await.map(drop).map_err(from_s3),
        Err(e) => Err(e),
    };
    if sent.is_err()
        && let Err(abort) = upload.abort().await
    {
        tracing::warn!(
            error.message = %abort,
            "a failed upload to S3 could not be aborted: its parts stay until the bucket's lifecycle rule removes them"
        );
    }
    sent
}

/// Sends the `len` bytes of `file` as parts of `upload`, one part in memory at a time.
async fn send_parts(upload: &mut dyn MultipartUpload, file: &mut tokio::fs::File, len: u64) -> Result<(), StoreError> {
    let mut left = len;
    while left > 0 {
        let part = read_part(file, left.min(PART)).await?;
        if part.is_empty() {
            return Err(io::Error::new(io::ErrorKind::UnexpectedEof, "the spooled file is shorter than it was").into());
        }
        left = left.saturating_sub(part.len() as u64);
        upload.put_part(part.into()).await.map_err(from_s3)?;
    }
    Ok(())
}

/// The next `len` bytes of `file` (fewer at its end).
async fn read_part(file: &mut tokio::fs::File, len: u64) -> io::Result<Bytes> {
    let mut part = Vec::with_capacity(usize::try_from(len).unwrap_or(0));
    file.take(len).read_to_end(&mut part).await?;
    Ok(Bytes::from(part))
}
