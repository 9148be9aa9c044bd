//! [`S3Documents`]: the [`DocumentStore`] on an S3-compatible object store (MinIO, Ceph RGW, a cloud
//! provider's S3), for deployments where several server processes, on several machines, share the
//! case file. Blobs are objects at `<prefix>sha256/ab/cd/<hash>`; an upload is spooled on this machine
//! as with the local folder, then sent from the spool in one request, or in 8 MiB parts of a multipart
//! upload when larger (`put.rs`), so memory stays bounded whatever the file's size, and S3 shows the
//! object only once every part is in. Downloads and ranges stream from the server. Network failures and
//! server errors are [`StoreError::Unavailable`], retried a few times first. The client is the
//! `object_store` crate on the workspace's reqwest and rustls.

mod error;
mod put;

use std::io;
use std::ops::Range;
use std::path::{Path, PathBuf};
use std::sync::Arc;
use std::time::Duration;

use futures_util::{StreamExt, TryStreamExt};
use object_store::aws::{AmazonS3, AmazonS3Builder};
use object_store::path::Path as Key;
use object_store::{BackoffConfig, ClientOptions, GetOptions, GetRange, ObjectStore, ObjectStoreExt, RetryConfig};
use sportello_documents::store::{
    BLOBS, ByteStream, DocumentStore, S3Settings, STALE_SPOOL_AGE, Spooled, StoreError, StoreFuture, blob_key,
    is_sha256, remove_stale_spools,
};

use crate::error::from_s3;

/// Attempts after the first for a request that failed on the network or with a server error (5xx, 429)…
const RETRIES: usize = 3;
/// …waiting about this long before the first retry, twice as long before each next one…
const FIRST_BACKOFF: Duration = Duration::from_millis(200);
/// …and never longer than this.
const LONGEST_BACKOFF: Duration = Duration::from_secs(2);
/// The longest one request may take (one 8 MiB part at about 70 kB/s)…
const REQUEST_TIMEOUT: Duration = Duration::from_secs(120);
/// …and the time from its first attempt after which it is no longer retried.
const RETRY_WINDOW: Duration = Duration::from_secs(5 * 60);
/// The longest one download request may take: a download is read at the pace of the client it is sent
/// to. One cut short (by this timeout or by the network) goes on from where it stopped, up to
/// [`RETRIES`] times within twice this time.
const DOWNLOAD_TIMEOUT: Duration = Duration::from_secs(30 * 60);

/// Blobs kept as objects in an S3-compatible bucket.
#[derive(Debug, Clone)]
pub struct S3Documents {
    /// For everything but downloads.
    s3: Arc<dyn ObjectStore>,
    /// For downloads, whose requests last as long as the client takes to read.
    downloads: Arc<dyn ObjectStore>,
    /// `<prefix>`: empty or ending with `/`.
    prefix: String,
    spools: PathBuf,
    reserve_bytes: u64,
    description: String,
}

impl S3Documents {
    /// The store `settings` describe, spooling uploads in `spool_dir` (created when missing; spools in it
    /// older than a day are removed) and leaving `reserve_bytes` free on its filesystem. No request is
    /// made: a wrong bucket or key shows at the first operation. Blocking: call it at startup.
    ///
    /// # Errors
    ///
    /// [`StoreError::Io`] when the spool folder cannot be created or read, or with kind `InvalidInput`
    /// when the settings cannot make a client (an endpoint that is not a URL, a prefix that is not a
    /// key).
    pub fn new(settings: &S3Settings, spool_dir: &Path, reserve_bytes: u64) -> Result<S3Documents, StoreError> {
        std::fs::create_dir_all(spool_dir)?;
        remove_stale_spools(spool_dir, STALE_SPOOL_AGE)?;
        let prefix = settings.key_prefix();
        Key::parse(format!("{prefix}{BLOBS}")).map_err(invalid)?;
        let s3 = client(settings, REQUEST_TIMEOUT, RETRY_WINDOW).map_err(invalid)?;
        let downloads = client(settings, DOWNLOAD_TIMEOUT, 2 * DOWNLOAD_TIMEOUT).map_err(invalid)?;
        let server = settings.endpoint.clone().unwrap_or_else(|| format!("AWS {}", settings.region));
        let description = match prefix.as_str() {
            "" => format!("S3 bucket {} su {server}", settings.bucket),
            prefix => format!("S3 bucket {} (prefisso {prefix}) su {server}", settings.bucket),
        };
        Ok(S3Documents {
            s3: Arc::new(s3),
            downloads: Arc::new(downloads),
            prefix,
            spools: spool_dir.to_owned(),
            reserve_bytes,
            description,
        })
    }

    /// The key of blob `sha256`.
    fn key(&self, sha256: &str) -> Result<Key, StoreError> {
        Key::parse(format!("{}{}", self.prefix, blob_key(sha256)?)).map_err(|e| StoreError::Io(invalid(e)))
    }
}

impl DocumentStore for S3Documents {
    fn put<'a>(&'a self, spooled: Spooled) -> StoreFuture<'a, ()> {
        Box::pin(async move {
            let key = self.key(spooled.sha256())?;
            // A task of its own: dropping this future (a client that went away) neither stops an upload
            // midway nor skips the abort of a failed one.
            tokio::spawn(put::put(Arc::clone(&self.s3), key, spooled))
                .await
                .map_err(|e| StoreError::Io(io::Error::other(e)))?
        })
    }

    fn open<'a>(&'a self, sha256: &'a str, range: Option<Range<u64>>) -> StoreFuture<'a, ByteStream> {
        Box::pin(async move {
            let key = self.key(sha256)?;
            let empty = || Box::pin(futures_util::stream::empty()) as ByteStream;
            if range.as_ref().is_some_and(|r| r.start >= r.end) {
                // No bytes to ask for; only whether the blob exists.
                self.s3.head(&key).await.map_err(from_s3)?;
                return Ok(empty());
            }
            let options = GetOptions { range: range.clone().map(GetRange::Bounded), ..GetOptions::default() };
            let answer = match (self.downloads.get_opts(&key, options).await, range) {
                (Ok(answer), _) => answer,
                (Err(e @ object_store::Error::NotFound { .. }), _) | (Err(e), None) => return Err(from_s3(e)),
                // S3 refuses a range starting at or past the end (416): that is no bytes, if the blob is there.
                (Err(e), Some(range)) => {
                    return match self.s3.head(&key).await {
                        Ok(meta) if meta.size <= range.start => Ok(empty()),
                        Ok(_) => Err(from_s3(e)),
                        Err(head_error) => Err(from_s3(head_error)),
                    };
                }
            };
            let stream = answer.into_stream().map_err(io::Error::from);
            Ok(Box::pin(stream) as ByteStream)
        })
    }

    fn size<'a>(&'a self, sha256: &'a str) -> StoreFuture<'a, Option<u64>> {
        Box::pin(async move {
            let Ok(key) = self.key(sha256) else { return Ok(None) };
            match self.s3.head(&key).await {
                Ok(meta) => Ok(Some(meta.size)),
                Err(object_store::Error::NotFound { .. }) => Ok(None),
                Err(e) => Err(from_s3(e)),
            }
        })
    }

    fn delete<'a>(&'a self, sha256: &'a str) -> StoreFuture<'a, ()> {
        Box::pin(async move {
            let Ok(key) = self.key(sha256) else { return Ok(()) };
            match self.s3.delete(&key).await {
                Ok(()) | Err(object_store::Error::NotFound { .. }) => Ok(()),
                Err(e) => Err(from_s3(e)),
            }
        })
    }

    fn list<'a>(&'a self) -> StoreFuture<'a, Vec<(String, jiff::Timestamp)>> {
        Box::pin(async move {
            let under = Key::parse(format!("{}{BLOBS}", self.prefix)).map_err(|e| StoreError::Io(invalid(e)))?;
            let mut objects = self.s3.list(Some(&under));
            let mut found = Vec::new();
            while let Some(meta) = objects.next().await {
                let meta = meta.map_err(from_s3)?;
                let Some(name) = meta.location.filename().filter(|name| is_sha256(name)) else { continue };
                if self.key(name).ok().as_ref() != Some(&meta.location) {
                    continue;
                }
                let written = &meta.last_modified;
                let written = jiff::Timestamp::new(written.timestamp(), written.timestamp_subsec_nanos() as i32)
                    .map_err(|e| StoreError::Io(io::Error::other(e)))?;
                found.push((name.to_owned(), written));
            }
            found.sort_unstable();
            Ok(found)
        })
    }

    fn spool_dir(&self) -> &Path {
        &self.spools
    }

    fn reserve_bytes(&self) -> u64 {
        self.reserve_bytes
    }

    fn describe(&self) -> String {
        self.description.clone()
    }
}

/// The client for `settings`, each of its requests limited to `timeout` and retried within `retry_window`.
fn client(settings: &S3Settings, timeout: Duration, retry_window: Duration) -> Result<AmazonS3, object_store::Error> {
    let mut builder = AmazonS3Builder::new()
        .with_bucket_name(&settings.bucket)
        .with_region(&settings.region)
        .with_client_options(ClientOptions::new().with_allow_http(settings.allow_http).with_timeout(timeout))
        .with_retry(RetryConfig {
            backoff: BackoffConfig { init_backoff: FIRST_BACKOFF, max_backoff: LONGEST_BACKOFF, base: 2.0 },
            max_retries: RETRIES,
            retry_timeout: retry_window,
        });
    if let Some(endpoint) = &settings.endpoint {
        builder = builder.with_endpoint(endpoint).with_virtual_hosted_style_request(false);
    }
    if let (Some(id), Some(secret)) = (&settings.access_key_id, &settings.secret_access_key) {
        builder = builder.with_access_key_id(id).with_secret_access_key(secret);
    }
    builder.build()
}

/// A setting the client cannot be made with.
fn invalid(error: impl std::error::Error + Send + Sync + 'static) -> io::Error {
    io::Error::new(io::ErrorKind::InvalidInput, error)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn settings(toml_prefix: &str, endpoint: Option<&str>) -> S3Settings {
        S3Settings {
            endpoint: endpoint.map(str::to_owned),
            bucket: "documenti".to_owned(),
            region: "eu-south-1".to_owned(),
            prefix: toml_prefix.to_owned(),
            access_key_id: Some("key".to_owned()),
            secret_access_key: Some("secret".to_owned()),
            allow_http: true,
        }
    }

    const HASH: &str = "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855";

    #[test]
    fn keys_fan_out_under_the_prefix_and_only_hashes_make_keys() {
        let dir = tempfile::tempdir().unwrap();
        let store = S3Documents::new(&settings("sportello", Some("http://127.0.0.1:9")), dir.path(), 0).unwrap();
        assert_eq!(store.key(HASH).unwrap().as_ref(), format!("sportello/sha256/e3/b0/{HASH}"));
        assert!(matches!(store.key("../../etc/passwd"), Err(StoreError::NotFound)));
        assert_eq!(store.describe(), "S3 bucket documenti (prefisso sportello/) su http://127.0.0.1:9");

        let store = S3Documents::new(&settings("", None), dir.path(), 0).unwrap();
        assert_eq!(store.key(HASH).unwrap().as_ref(), format!("sha256/e3/b0/{HASH}"));
        assert_eq!(store.describe(), "S3 bucket documenti su AWS eu-south-1");
    }

    #[test]
    fn a_prefix_that_is_not_a_key_is_refused() {
        let dir = tempfile::tempdir().unwrap();
        let error = S3Documents::new(&settings("a/../b", None), dir.path(), 0).unwrap_err();
        assert!(matches!(&error, StoreError::Io(e) if e.kind() == io::ErrorKind::InvalidInput), "{error:?}");
    }
}
