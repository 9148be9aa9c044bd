//! The bytes the bench uploads: well-formed PDFs of any size (a page whose content stream is padded to
//! the size asked, with its cross-reference table counted), each told apart by a number, made as they
//! are sent so that the client never holds a big one whole.

use bytes::Bytes;
use futures_util::Stream;

/// A chunk of a big PDF.
const CHUNK: usize = 256 * 1024;

/// A PDF's head, the length of its padding, and its tail.
struct Parts {
    head: Vec<u8>,
    padding: u64,
    tail: Vec<u8>,
}

/// PDF `n` of about `size` bytes, in parts.
fn parts(n: usize, size: u64) -> Parts {
    let mut head = format!("%PDF-1.4\n% documento {n}\n").into_bytes();
    let objects = [
        "<< /Type /Catalog /Pages 2 0 R >>",
        "<< /Type /Pages /Kids [3 0 R] /Count 1 >>",
        "<< /Type /Page /Parent 2 0 R /MediaBox [0 0 595 842] /Contents 4 0 R >>",
    ];
    let mut offsets = Vec::new();
    for (i, object) in objects.iter().enumerate() {
        offsets.push(head.len() as u64);
        head.extend_from_slice(format!("{} 0 obj\n{object}\nendobj\n", i + 1).as_bytes());
    }
    let padding = size.saturating_sub(1024).max(1);
    offsets.push(head.len() as u64);
    head.extend_from_slice(format!("4 0 obj\n<< /Length {padding} >>\nstream\n").as_bytes());
    let mut tail = b"\nendstream\nendobj\n".to_vec();
    let xref = head.len() as u64 + padding + tail.len() as u64;
    tail.extend_from_slice(b"xref\n0 5\n0000000000 65535 f \n");
    for offset in offsets {
        tail.extend_from_slice(format!("{offset:010} 00000 n \n").as_bytes());
    }
    tail.extend_from_slice(format!("trailer\n<< /Size 5 /Root 1 0 R >>\nstartxref\n{xref}\n%%EOF\n").as_bytes());
    Parts { head, padding, tail }
}

/// PDF `n` of about `size` bytes, as a stream of chunks made as they are read.
pub fn streamed(n: usize, size: u64) -> impl Stream<Item = Result<Bytes, std::io::Error>> + Send + 'static {
    let Parts { head, padding, tail } = parts(n, size);
    let mut left = padding;
    let padding = std::iter::from_fn(move || {
        (left > 0).then(|| {
            let chunk = left.min(CHUNK as u64) as usize;
            left -= chunk as u64;
            Bytes::from(vec![b' '; chunk])
        })
    });
    let pieces = std::iter::once(Bytes::from(head)).chain(padding).chain(std::iter::once(Bytes::from(tail)));
    futures_util::stream::iter(pieces.map(Ok))
}

/// PDF `n` of about `size` bytes, whole.
pub fn whole(n: usize, size: u64) -> Vec<u8> {
    let Parts { mut head, padding, tail } = parts(n, size);
    head.resize(head.len() + padding as usize, b' ');
    head.extend_from_slice(&tail);
    head
}

#[cfg(test)]
mod tests {
    use std::io::Cursor;

    use sportello_documents::checks::{MediaType, inspect};

    #[test]
    fn the_bench_pdfs_pass_the_case_files_checks() {
        for size in [2_000, 1 << 20] {
            let bytes = super::whole(7, size);
            assert!(inspect(Cursor::new(&bytes), bytes.len() as u64, &[MediaType::Pdf], false).is_ok(), "{size}");
        }
    }
}
