//! A window on part of a seekable reader, seen as a whole file: how the PDF inside a DER `.p7m`,
//! whose bytes lie in one piece within the envelope, is checked in place like any other PDF.

use std::io::{self, Read, Seek, SeekFrom};

/// The `len` bytes of `inner` from `start`, read and sought as if they were the whole file.
pub(crate) struct Window<R> {
    inner: R,
    start: u64,
    len: u64,
    at: u64,
}

impl<R: Read + Seek> Window<R> {
    pub fn new(inner: R, start: u64, len: u64) -> Self {
        Window { inner, start, len, at: 0 }
    }
}

impl<R: Read + Seek> Read for Window<R> {
    fn read(&mut self, buf: &mut [u8]) -> io::Result<usize> {
        let left = self.len.saturating_sub(self.at);
        let n = buf.len().min(usize::try_from(left).unwrap_or(usize::MAX));
        if n == 0 {
            return Ok(0);
        }
        self.inner.seek(SeekFrom::Start(self.start + self.at))?;
        let read = self.inner.read(&mut buf[..n])?;
        self.at += read as u64;
        Ok(read)
    }
}

impl<R: Read + Seek> Seek for Window<R> {
    fn seek(&mut self, to: SeekFrom) -> io::Result<u64> {
        let at = match to {
            SeekFrom::Start(at) => Some(at),
            SeekFrom::End(by) => self.len.checked_add_signed(by),
            SeekFrom::Current(by) => self.at.checked_add_signed(by),
        };
        self.at = at.ok_or_else(|| io::Error::new(io::ErrorKind::InvalidInput, "seek before the start"))?;
        Ok(self.at)
    }
}

#[cfg(test)]
mod tests {
    use std::io::Cursor;

    use super::*;

    #[test]
    fn a_window_reads_and_seeks_within_its_bytes_only() {
        let mut window = Window::new(Cursor::new(b"0123456789"), 2, 5);
        let mut all = String::new();
        window.read_to_string(&mut all).unwrap();
        assert_eq!(all, "23456");
        assert_eq!(window.seek(SeekFrom::End(-2)).unwrap(), 3);
        let mut two = [0; 4];
        assert_eq!(window.read(&mut two).unwrap(), 2);
        assert_eq!(&two[..2], b"56");
        assert!(window.seek(SeekFrom::Current(-10)).is_err());
    }
}
