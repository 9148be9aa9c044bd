//! An upload on its way in: [`Spool`] writes the chunks of a request body to a temporary file as they
//! arrive, hashing (SHA-256) and counting them, and refuses a chunk that would take the file past its
//! size limit or the filesystem below its reserve, so the caller can stop reading the body at once.
//! [`Spool::finish`] syncs the file and gives a [`Spooled`] file of known size and hash, which the
//! checks read and a [`DocumentStore`](super::DocumentStore) keeps. Both remove their file when
//! dropped, unless a store took it: a client that disconnects, a refused file, a failed store, a panic,
//! none of them leaves a partial file behind. A process killed mid-upload does, under a name starting
//! with [`SPOOL_PREFIX`]: [`remove_stale_spools`] clears those at the next start.

use std::fs::File;
use std::io;
use std::path::{Path, PathBuf};
use std::time::{Duration, SystemTime};

use sha2::{Digest, Sha256};
use tempfile::TempPath;
use tokio::io::AsyncWriteExt;

use super::StoreError;

/// How every spool's file name starts (the rest is random), so that only spools are ever cleared.
pub const SPOOL_PREFIX: &str = "spool-";

/// Bytes written between two looks at the filesystem's free space, when a reserve is kept (other
/// writers use the same disk meanwhile).
const RESERVE_RECHECK: u64 = 1 << 20;

/// A file being received: written chunk by chunk to a temporary file in a folder, hashed (SHA-256) and
/// counted as it goes; it refuses to grow past its limit, or to take the filesystem's free space below
/// its reserve. Dropped before [`finish`](Spool::finish), its file is removed.
#[derive(Debug)]
pub struct Spool {
    file: tokio::fs::File,
    path: TempPath,
    hasher: Sha256,
    len: u64,
    limit: u64,
    reserve: Option<Reserve>,
}

/// The free space a spool leaves on its filesystem, and what it knows of it.
#[derive(Debug)]
struct Reserve {
    /// The folder whose filesystem is asked.
    dir: PathBuf,
    /// Bytes to leave free.
    bytes: u64,
    /// Bytes that may still be written before the reserve is reached, as last seen (0 until asked).
    room: u64,
    /// Bytes written since the filesystem was last asked.
    unchecked: u64,
}

impl Spool {
    /// Starts a spool in `dir` (which must exist) that refuses to grow past `limit` bytes.
    ///
    /// # Errors
    ///
    /// [`StoreError::Io`] (or [`StoreError::Full`]) when the file cannot be created.
    pub async fn create(dir: &Path, limit: u64) -> Result<Spool, StoreError> {
        let dir = dir.to_owned();
        let file = blocking(move || tempfile::Builder::new().prefix(SPOOL_PREFIX).tempfile_in(dir)).await?;
        let (file, path) = file.into_parts();
        Ok(Spool { file: tokio::fs::File::from_std(file), path, hasher: Sha256::new(), len: 0, limit, reserve: None })
    }

    /// The same spool, refusing any chunk that would leave less than `bytes` free on the filesystem of its
    /// folder (0: no reserve, only a full disk stops it).
    pub fn with_reserve(mut self, bytes: u64) -> Spool {
        self.reserve = (bytes > 0).then(|| Reserve {
            dir: self.path.parent().map_or_else(|| PathBuf::from("."), Path::to_owned),
            bytes,
            room: 0,
            unchecked: 0,
        });
        self
    }

    /// Appends `chunk`.
    ///
    /// # Errors
    ///
    /// - [`StoreError::TooLarge`] when the file would pass its limit; the chunk is not written, and the
    ///   caller should stop reading the body and drop the spool.
    /// - [`StoreError::Full`] when the disk is full or the chunk would take it below the reserve.
    /// - [`StoreError::Io`] when writing fails otherwise.
    pub async fn write(&mut self, chunk: &[u8]) -> Result<(), StoreError> {
        let size = chunk.len() as u64;
        if self.len.saturating_add(size) > self.limit {
            return Err(StoreError::TooLarge { limit: self.limit });
        }
        self.make_room(size).await?;
        self.file.write_all(chunk).await?;
        self.hasher.update(chunk);
        self.len += size;
        Ok(())
    }

    /// Writes out and syncs (fsync) the file, and gives it with its size and SHA-256.
    ///
    /// # Errors
    ///
    /// [`StoreError::Full`] or [`StoreError::Io`] when the last writes or the sync fail.
    pub async fn finish(mut self) -> Result<Spooled, StoreError> {
        self.file.flush().await?;
        self.file.sync_all().await?;
        Ok(Spooled { path: self.path, len: self.len, sha256: hex(&self.hasher.finalize()) })
    }

    /// Checks that `bytes` more leave the reserve free, asking the filesystem when the last answer does
    /// not cover them or is older than [`RESERVE_RECHECK`] bytes.
    async fn make_room(&mut self, bytes: u64) -> Result<(), StoreError> {
        let Some(reserve) = &mut self.reserve else { return Ok(()) };
        if bytes > reserve.room || reserve.unchecked >= RESERVE_RECHECK {
            let dir = reserve.dir.clone();
            let available = blocking(move || fs4::available_space(dir)).await?;
            reserve.room = available.saturating_sub(reserve.bytes);
            reserve.unchecked = 0;
        }
        if bytes > reserve.room {
            return Err(StoreError::Full);
        }
        reserve.room -= bytes;
        reserve.unchecked += bytes;
        Ok(())
    }
}

/// A finished spool: a synced file of known size and SHA-256, removed from disk when dropped unless a
/// store took it.
#[derive(Debug)]
pub struct Spooled {
    path: TempPath,
    len: u64,
    sha256: String,
}

impl Spooled {
    /// The SHA-256 of the bytes, in lowercase hex: the blob's name.
    pub fn sha256(&self) -> &str {
        &self.sha256
    }

    /// The size in bytes.
    pub fn len(&self) -> u64 {
        self.len
    }

    /// Whether the file is empty.
    pub fn is_empty(&self) -> bool {
        self.len == 0
    }

    /// Where the file is, for the checks that read it.
    pub fn path(&self) -> &Path {
        &self.path
    }

    /// Opens the file for reading.
    ///
    /// # Errors
    ///
    /// When the file cannot be opened.
    pub fn open(&self) -> io::Result<File> {
        File::open(&self.path)
    }

    /// Renames the file to `target` (replacing any file there), which must be on the same filesystem. On
    /// failure the file is removed like a dropped one.
    pub(crate) fn rename_to(self, target: &Path) -> io::Result<()> {
        self.path.persist(target).map_err(|e| e.error)
    }
}

/// Removes the spools in `dir` last written more than `age` ago (left by a process that was killed
/// mid-upload), and returns how many it removed. Other files are left alone.
///
/// # Errors
///
/// When `dir` cannot be read; a spool that cannot be removed is skipped.
pub fn remove_stale_spools(dir: &Path, age: Duration) -> io::Result<usize> {
    let cutoff = SystemTime::now().checked_sub(age).unwrap_or(SystemTime::UNIX_EPOCH);
    let mut removed = 0;
    for entry in std::fs::read_dir(dir)? {
        let entry = entry?;
        let is_spool = entry.file_name().to_str().is_some_and(|name| name.starts_with(SPOOL_PREFIX));
        let stale = entry.metadata().and_then(|m| m.modified()).is_ok_and(|written| written < cutoff);
        if is_spool && stale && std::fs::remove_file(entry.path()).is_ok() {
            removed += 1;
        }
    }
    Ok(removed)
}

/// Lowercase hex, two digits a byte.
fn hex(bytes: &[u8]) -> String {
    bytes.iter().map(|b| format!("{b:02x}")).collect()
}

/// Runs blocking filesystem work off the async threads.
async fn blocking<T: Send + 'static>(work: impl FnOnce() -> io::Result<T> + Send + 'static) -> io::Result<T> {
    tokio::task::spawn_blocking(work).await.map_err(io::Error::other)?
}

#[cfg(test)]
mod tests {
    use super::*;

    /// The SHA-256 of `hello world`.
    const HELLO: &str = "b94d27b9934d3e08a52e52d7da7dabfac484efe37a5380ee9088f7ace2efcde9";

    fn files_in(dir: &Path) -> Vec<PathBuf> {
        std::fs::read_dir(dir).unwrap().map(|e| e.unwrap().path()).collect()
    }

    #[tokio::test]
    async fn chunks_are_counted_hashed_and_synced_to_one_file() {
        let dir = tempfile::tempdir().unwrap();
        let mut spool = Spool::create(dir.path(), 100).await.unwrap();
        spool.write(b"hello").await.unwrap();
        spool.write(b"").await.unwrap();
        spool.write(b" world").await.unwrap();
        let spooled = spool.finish().await.unwrap();
        assert_eq!((spooled.sha256(), spooled.len(), spooled.is_empty()), (HELLO, 11, false));
        assert_eq!(std::fs::read(spooled.path()).unwrap(), b"hello world");
        assert!(spooled.path().starts_with(dir.path()));
        let mut text = String::new();
        io::Read::read_to_string(&mut spooled.open().unwrap(), &mut text).unwrap();
        assert_eq!(text, "hello world");
    }

    #[tokio::test]
    async fn a_dropped_spool_or_spooled_file_leaves_nothing_behind() {
        let dir = tempfile::tempdir().unwrap();
        let mut spool = Spool::create(dir.path(), 100).await.unwrap();
        spool.write(b"half an upload").await.unwrap();
        assert_eq!(files_in(dir.path()).len(), 1);
        drop(spool);
        assert_eq!(files_in(dir.path()), Vec::<PathBuf>::new());

        let mut spool = Spool::create(dir.path(), 100).await.unwrap();
        spool.write(b"a refused upload").await.unwrap();
        let spooled = spool.finish().await.unwrap();
        let path = spooled.path().to_owned();
        assert!(path.is_file());
        drop(spooled);
        assert!(!path.exists());
        assert_eq!(files_in(dir.path()), Vec::<PathBuf>::new());
    }

    #[tokio::test]
    async fn a_chunk_passing_the_limit_is_refused_and_not_written() {
        let dir = tempfile::tempdir().unwrap();
        let mut spool = Spool::create(dir.path(), 10).await.unwrap();
        spool.write(b"12345").await.unwrap();
        spool.write(b"67890").await.unwrap();
        let error = spool.write(b"1").await.unwrap_err();
        assert!(matches!(error, StoreError::TooLarge { limit: 10 }), "{error:?}");
        spool.file.flush().await.unwrap();
        assert_eq!(std::fs::read(&spool.path).unwrap(), b"1234567890", "nothing past the limit is written");
        assert_eq!(error.to_string(), "the document is larger than 10 bytes");
    }

    #[tokio::test]
    async fn a_write_that_would_eat_into_the_reserve_is_refused_as_full() {
        let dir = tempfile::tempdir().unwrap();
        let available = fs4::available_space(dir.path()).unwrap();
        let mut spool = Spool::create(dir.path(), 100).await.unwrap().with_reserve(available + (1 << 30));
        assert!(matches!(spool.write(b"x").await, Err(StoreError::Full)));

        let mut spool = Spool::create(dir.path(), 100).await.unwrap().with_reserve(1);
        spool.write(b"room enough").await.unwrap();
        assert_eq!(spool.finish().await.unwrap().len(), 11);
    }

    #[test]
    fn only_spools_older_than_the_age_are_removed() {
        let dir = tempfile::tempdir().unwrap();
        let old = SystemTime::now() - Duration::from_secs(2 * 86_400);
        for name in ["spool-old", "other-old", "spool-new"] {
            let file = File::create(dir.path().join(name)).unwrap();
            if name.ends_with("old") {
                file.set_modified(old).unwrap();
            }
        }
        assert_eq!(remove_stale_spools(dir.path(), Duration::from_secs(86_400)).unwrap(), 1);
        let mut left: Vec<_> = files_in(dir.path()).into_iter().map(|p| p.file_name().unwrap().to_owned()).collect();
        left.sort();
        assert_eq!(left, ["other-old", "spool-new"]);
    }
}
