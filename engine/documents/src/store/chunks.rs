//! A file read as a [`ByteStream`]: [`FileChunks`] gives up to a number of bytes from where the file is
//! positioned, in chunks of at most [`CHUNK`] bytes, reading one chunk at a time, so a download holds
//! one chunk in memory whatever the file's size.

use std::io;
use std::pin::Pin;
use std::task::{Context, Poll};

use bytes::Bytes;
use futures_core::Stream;
use tokio::io::{AsyncRead, ReadBuf};

/// The largest chunk a file is read in.
pub const CHUNK: usize = 64 * 1024;

/// The next `remaining` bytes of a file, as a stream of chunks.
#[derive(Debug)]
pub struct FileChunks {
    file: tokio::fs::File,
    remaining: u64,
    /// The chunk being filled (kept across `Pending` polls: tokio's file reads in the background).
    buffer: Vec<u8>,
}

impl FileChunks {
    /// The next `len` bytes of `file` from its current position (fewer if the file ends first).
    pub fn new(file: tokio::fs::File, len: u64) -> FileChunks {
        FileChunks { file, remaining: len, buffer: Vec::new() }
    }
}

impl Stream for FileChunks {
    type Item = io::Result<Bytes>;

    fn poll_next(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<Option<Self::Item>> {
        let this = self.get_mut();
        if this.remaining == 0 {
            return Poll::Ready(None);
        }
        let want = usize::try_from(this.remaining).unwrap_or(CHUNK).min(CHUNK);
        this.buffer.resize(want, 0);
        let mut read = ReadBuf::new(&mut this.buffer);
        match Pin::new(&mut this.file).poll_read(cx, &mut read) {
            Poll::Pending => Poll::Pending,
            Poll::Ready(Err(e)) => {
                this.remaining = 0;
                Poll::Ready(Some(Err(e)))
            }
            Poll::Ready(Ok(())) => {
                let got = read.filled().len();
                if got == 0 {
                    this.remaining = 0;
                    return Poll::Ready(None);
                }
                this.remaining -= got as u64;
                let chunk = Bytes::copy_from_slice(&this.buffer[..got]);
                Poll::Ready(Some(Ok(chunk)))
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use tokio::io::AsyncSeekExt;

    use super::*;

    #[tokio::test]
    async fn a_file_is_read_from_its_position_in_bounded_chunks() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("f");
        let bytes: Vec<u8> = (0..200_000u32).map(|i| (i % 251) as u8).collect();
        std::fs::write(&path, &bytes).unwrap();
        let mut file = tokio::fs::File::open(&path).await.unwrap();
        file.seek(io::SeekFrom::Start(1000)).await.unwrap();

        let mut stream = FileChunks::new(file, 150_000);
        let mut got = Vec::new();
        while let Some(chunk) = std::future::poll_fn(|cx| Pin::new(&mut stream).poll_next(cx)).await {
            let chunk = chunk.unwrap();
            assert!(!chunk.is_empty() && chunk.len() <= CHUNK, "{}", chunk.len());
            got.extend_from_slice(&chunk);
        }
        assert_eq!(got, &bytes[1000..151_000]);
    }

    #[tokio::test]
    async fn a_file_shorter_than_asked_ends_the_stream_at_its_end() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("f");
        std::fs::write(&path, b"short").unwrap();
        let mut stream = FileChunks::new(tokio::fs::File::open(&path).await.unwrap(), 1000);
        let first = std::future::poll_fn(|cx| Pin::new(&mut stream).poll_next(cx)).await;
        assert_eq!(first.unwrap().unwrap(), &b"short"[..]);
        assert!(std::future::poll_fn(|cx| Pin::new(&mut stream).poll_next(cx)).await.is_none());
    }
}
