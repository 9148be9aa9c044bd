//! [`LocalFolder`], the default [`DocumentStore`]: blobs as files under a folder, at
//! `sha256/ab/cd/<hash>`, with the spools in its `tmp/` beside them. A spool is synced, then renamed
//! into place and its folder synced, so a blob's name only ever holds all of its bytes, durably; a crash
//! mid-upload leaves at most a spool, which the next start removes once it is a day old.

use std::io::{self, SeekFrom};
use std::ops::Range;
use std::path::{Path, PathBuf};

use tokio::io::AsyncSeekExt;

use super::key::{BLOBS, blob_key, is_sha256};
use super::spool::remove_stale_spools;
use super::{ByteStream, DocumentStore, FileChunks, STALE_SPOOL_AGE, Spooled, StoreError, StoreFuture};

/// Blobs kept as files in a local folder.
#[derive(Debug, Clone)]
pub struct LocalFolder {
    root: PathBuf,
    spools: PathBuf,
    reserve_bytes: u64,
}

impl LocalFolder {
    /// The store in `root`, creating it and its `sha256/` and `tmp/` folders when missing, and removing
    /// spools in `tmp/` older than a day (left by a process killed mid-upload). Spools refuse to take the
    /// filesystem's free space below `reserve_bytes`. Blocking: call it at startup.
    ///
    /// # Errors
    ///
    /// [`StoreError::Io`] when the folders cannot be created or read.
    pub fn new(root: PathBuf, reserve_bytes: u64) -> Result<LocalFolder, StoreError> {
        let spools = root.join("tmp");
        std::fs::create_dir_all(&spools)?;
        std::fs::create_dir_all(root.join(BLOBS))?;
        remove_stale_spools(&spools, STALE_SPOOL_AGE)?;
        Ok(LocalFolder { root, spools, reserve_bytes })
    }

    /// The file of blob `sha256`.
    fn blob_path(&self, sha256: &str) -> Result<PathBuf, StoreError> {
        Ok(self.root.join(blob_key(sha256)?))
    }
}

impl DocumentStore for LocalFolder {
    fn put<'a>(&'a self, spooled: Spooled) -> StoreFuture<'a, ()> {
        Box::pin(async move {
            let target = self.blob_path(spooled.sha256())?;
            blocking(move || keep(spooled, &target)).await
        })
    }

    fn open<'a>(&'a self, sha256: &'a str, range: Option<Range<u64>>) -> StoreFuture<'a, ByteStream> {
        Box::pin(async move {
            let path = self.blob_path(sha256)?;
            let mut file = tokio::fs::File::open(&path).await.map_err(not_found)?;
            let size = file.metadata().await?.len();
            let range = range.unwrap_or(0..size);
            let start = range.start.min(size);
            let end = range.end.clamp(start, size);
            file.seek(SeekFrom::Start(start)).await?;
            Ok(Box::pin(FileChunks::new(file, end - start)) as ByteStream)
        })
    }

    fn size<'a>(&'a self, sha256: &'a str) -> StoreFuture<'a, Option<u64>> {
        Box::pin(async move {
            let Ok(path) = self.blob_path(sha256) else { return Ok(None) };
            match tokio::fs::metadata(&path).await {
                Ok(metadata) => Ok(Some(metadata.len())),
                Err(e) if e.kind() == io::ErrorKind::NotFound => Ok(None),
                Err(e) => Err(e.into()),
            }
        })
    }

    fn delete<'a>(&'a self, sha256: &'a str) -> StoreFuture<'a, ()> {
        Box::pin(async move {
            let Ok(path) = self.blob_path(sha256) else { return Ok(()) };
            match tokio::fs::remove_file(&path).await {
                Err(e) if e.kind() != io::ErrorKind::NotFound => Err(e.into()),
                _ => Ok(()),
            }
        })
    }

    fn list<'a>(&'a self) -> StoreFuture<'a, Vec<(String, jiff::Timestamp)>> {
        let root = self.root.clone();
        Box::pin(blocking(move || list(&root)))
    }

    fn spool_dir(&self) -> &Path {
        &self.spools
    }

    fn reserve_bytes(&self) -> u64 {
        self.reserve_bytes
    }

    fn describe(&self) -> String {
        format!("cartella locale {}", self.root.display())
    }
}

/// Renames `spooled` to `target` unless a blob is there already, creating the fan-out folders, and
/// syncs the folders whose entries changed.
fn keep(spooled: Spooled, target: &Path) -> Result<(), StoreError> {
    if target.is_file() {
        return Ok(());
    }
    let folder = target.parent().expect("a blob's path has fan-out folders");
    let new_folders = !folder.is_dir();
    if new_folders {
        std::fs::create_dir_all(folder)?;
    }
    spooled.rename_to(target)?;
    sync_folder(folder)?;
    if new_folders {
        // `ab/cd` may both be new: their entries live in `ab/` and in `sha256/`.
        for ancestor in folder.ancestors().skip(1).take(2) {
            sync_folder(ancestor)?;
        }
    }
    Ok(())
}

/// Makes the entries of `folder` durable.
fn sync_folder(folder: &Path) -> io::Result<()> {
    std::fs::File::open(folder)?.sync_all()
}

/// Every file under `root/sha256/ab/cd/` named by a hash that belongs there, with its modification time.
fn list(root: &Path) -> Result<Vec<(String, jiff::Timestamp)>, StoreError> {
    let mut found = Vec::new();
    for first in subfolders(&root.join(BLOBS))? {
        for second in subfolders(&first)? {
            for entry in std::fs::read_dir(&second)? {
                let entry = entry?;
                let Ok(name) = entry.file_name().into_string() else { continue };
                if !is_sha256(&name) || root.join(blob_key(&name)?) != entry.path() {
                    continue;
                }
                let written = entry.metadata()?.modified()?;
                let written = jiff::Timestamp::try_from(written).map_err(io::Error::other)?;
                found.push((name, written));
            }
        }
    }
    found.sort_unstable();
    Ok(found)
}

/// The folders directly inside `folder`.
fn subfolders(folder: &Path) -> io::Result<Vec<PathBuf>> {
    let mut folders = Vec::new();
    for entry in std::fs::read_dir(folder)? {
        let entry = entry?;
        if entry.file_type()?.is_dir() {
            folders.push(entry.path());
        }
    }
    Ok(folders)
}

/// A missing file is a missing blob.
fn not_found(error: io::Error) -> StoreError {
    if error.kind() == io::ErrorKind::NotFound { StoreError::NotFound } else { error.into() }
}

/// Runs blocking filesystem work off the async threads.
async fn blocking<T: Send + 'static>(
    work: impl FnOnce() -> Result<T, StoreError> + Send + 'static,
) -> Result<T, StoreError> {
    tokio::task::spawn_blocking(work).await.map_err(|e| StoreError::Io(io::Error::other(e)))?
}

#[cfg(test)]
mod tests {
    use std::time::{Duration, SystemTime};

    use super::*;

    /// A store in a fresh temporary folder (kept alive by the returned guard).
    fn folder() -> (tempfile::TempDir, LocalFolder) {
        let dir = tempfile::tempdir().unwrap();
        let store = LocalFolder::new(dir.path().join("documenti"), 0).unwrap();
        (dir, store)
    }

    async fn spooled(store: &LocalFolder, bytes: &[u8]) -> Spooled {
        let mut spool = store.spool(u64::MAX).await.unwrap();
        for chunk in bytes.chunks(1000) {
            spool.write(chunk).await.unwrap();
        }
        spool.finish().await.unwrap()
    }

    async fn read(store: &LocalFolder, sha256: &str, range: Option<Range<u64>>) -> Vec<u8> {
        let mut stream = store.open(sha256, range).await.unwrap();
        let mut bytes = Vec::new();
        while let Some(chunk) = std::future::poll_fn(|cx| stream.as_mut().poll_next(cx)).await {
            bytes.extend_from_slice(&chunk.unwrap());
        }
        bytes
    }

    fn files_under(dir: &Path) -> Vec<PathBuf> {
        let mut files = Vec::new();
        for entry in std::fs::read_dir(dir).unwrap() {
            let path = entry.unwrap().path();
            if path.is_dir() { files.extend(files_under(&path)) } else { files.push(path) }
        }
        files
    }

    fn pattern(len: usize) -> Vec<u8> {
        (0..len).map(|i| (i * 7 % 256) as u8).collect()
    }

    #[tokio::test]
    async fn a_blob_put_is_read_back_whole_from_its_fanned_out_file() {
        let (_dir, store) = folder();
        let bytes = pattern(150_000);
        let spooled = spooled(&store, &bytes).await;
        let sha256 = spooled.sha256().to_owned();
        store.put(spooled).await.unwrap();

        assert_eq!(read(&store, &sha256, None).await, bytes);
        assert_eq!(store.size(&sha256).await.unwrap(), Some(150_000));
        let file = store.root.join("sha256").join(&sha256[..2]).join(&sha256[2..4]).join(&sha256);
        assert_eq!(std::fs::read(file).unwrap(), bytes);
        assert_eq!(files_under(store.spool_dir()), Vec::<PathBuf>::new(), "the spool was renamed, not copied");
        assert_eq!(store.describe(), format!("cartella locale {}", store.root.display()));
    }

    #[tokio::test]
    async fn putting_a_blob_that_is_there_leaves_it_as_is_and_removes_the_spool() {
        let (_dir, store) = folder();
        let first = spooled(&store, b"the same bytes").await;
        let sha256 = first.sha256().to_owned();
        store.put(first).await.unwrap();
        let path = store.blob_path(&sha256).unwrap();
        let written = SystemTime::now() - Duration::from_secs(3600);
        std::fs::File::options().write(true).open(&path).unwrap().set_modified(written).unwrap();

        let again = spooled(&store, b"the same bytes").await;
        let spool_path = again.path().to_owned();
        store.put(again).await.unwrap();
        assert_eq!(std::fs::metadata(&path).unwrap().modified().unwrap(), written, "the blob was not replaced");
        assert!(!spool_path.exists());
        assert_eq!(read(&store, &sha256, None).await, b"the same bytes");
    }

    #[tokio::test]
    async fn a_range_is_read_from_its_start_and_cut_at_the_blobs_end() {
        let (_dir, store) = folder();
        let bytes = pattern(200_000);
        let spooled = spooled(&store, &bytes).await;
        let sha256 = spooled.sha256().to_owned();
        store.put(spooled).await.unwrap();

        assert_eq!(read(&store, &sha256, Some(70_000..140_001)).await, &bytes[70_000..140_001]);
        assert_eq!(read(&store, &sha256, Some(0..1)).await, &bytes[..1]);
        assert_eq!(read(&store, &sha256, Some(199_990..300_000)).await, &bytes[199_990..]);
        assert_eq!(read(&store, &sha256, Some(200_000..200_010)).await, b"");
        assert_eq!(read(&store, &sha256, Some(Range { start: 10, end: 5 })).await, b"");
    }

    #[tokio::test]
    async fn a_spool_dropped_before_put_leaves_nothing_in_the_folder() {
        let (_dir, store) = folder();
        let mut spool = store.spool(1 << 20).await.unwrap();
        spool.write(b"the client went away").await.unwrap();
        drop(spool);
        drop(spooled(&store, b"refused by the checks").await);
        assert_eq!(files_under(&store.root), Vec::<PathBuf>::new());
    }

    #[tokio::test]
    async fn an_upload_past_the_limit_stops_there() {
        let (_dir, store) = folder();
        let mut spool = store.spool(2500).await.unwrap();
        let mut written = 0;
        let error = loop {
            match spool.write(&[1; 1000]).await {
                Ok(()) => written += 1000,
                Err(e) => break e,
            }
        };
        assert!(matches!(error, StoreError::TooLarge { limit: 2500 }), "{error:?}");
        assert_eq!(written, 2000);
    }

    #[tokio::test]
    async fn a_spool_that_would_eat_into_the_reserve_is_refused_as_full() {
        let dir = tempfile::tempdir().unwrap();
        let available = fs4::available_space(dir.path()).unwrap();
        let store = LocalFolder::new(dir.path().to_owned(), available + (1 << 30)).unwrap();
        let mut spool = store.spool(1 << 20).await.unwrap();
        assert!(matches!(spool.write(b"one byte too many").await, Err(StoreError::Full)));
    }

    #[tokio::test]
    async fn the_list_names_every_blob_with_when_it_was_written_and_delete_removes_one() {
        let (_dir, store) = folder();
        let before = jiff::Timestamp::now() - jiff::SignedDuration::from_secs(5);
        let mut names = Vec::new();
        for text in ["one", "two", "three"] {
            let spooled = spooled(&store, text.as_bytes()).await;
            names.push(spooled.sha256().to_owned());
            store.put(spooled).await.unwrap();
        }
        std::fs::write(store.root.join("sha256").join("stray-file"), b"not a blob").unwrap();
        names.sort();

        let listed = store.list().await.unwrap();
        assert_eq!(listed.iter().map(|(name, _)| name.clone()).collect::<Vec<_>>(), names);
        assert!(listed.iter().all(|(_, written)| *written >= before && *written <= jiff::Timestamp::now()));

        store.delete(&names[1]).await.unwrap();
        store.delete(&names[1]).await.unwrap();
        assert_eq!(store.size(&names[1]).await.unwrap(), None);
        assert!(matches!(store.open(&names[1], None).await, Err(StoreError::NotFound)));
        assert_eq!(store.list().await.unwrap().len(), 2);
    }

    #[tokio::test]
    async fn a_name_that_is_not_a_hash_is_no_blob_and_builds_no_path() {
        let (dir, store) = folder();
        std::fs::write(dir.path().join("secret"), b"outside the store").unwrap();
        for bad in ["../../secret", "../secret", "E3B0C44298FC1C149AFBF4C8996FB92427AE41E4649B934CA495991B7852B855", ""]
        {
            assert!(matches!(store.open(bad, None).await, Err(StoreError::NotFound)), "{bad:?}");
            assert_eq!(store.size(bad).await.unwrap(), None, "{bad:?}");
            store.delete(bad).await.unwrap();
        }
        assert!(dir.path().join("secret").exists());
    }

    #[tokio::test]
    async fn a_missing_blob_is_not_found() {
        let (_dir, store) = folder();
        let absent = "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855";
        assert!(matches!(store.open(absent, None).await, Err(StoreError::NotFound)));
        assert_eq!(store.size(absent).await.unwrap(), None);
    }

    #[test]
    fn starting_removes_spools_older_than_a_day_and_keeps_blobs() {
        let dir = tempfile::tempdir().unwrap();
        let root = dir.path().to_owned();
        LocalFolder::new(root.clone(), 0).unwrap();
        let stale = root.join("tmp").join("spool-killed-mid-upload");
        let fresh = root.join("tmp").join("spool-uploading-now");
        std::fs::File::create(&stale).unwrap().set_modified(SystemTime::now() - 2 * STALE_SPOOL_AGE).unwrap();
        std::fs::File::create(&fresh).unwrap();

        LocalFolder::new(root, 0).unwrap();
        assert!(!stale.exists());
        assert!(fresh.exists());
    }
}
