//! `S3Documents` against a real S3-compatible server: moto on loopback, one per test (see
//! `support/moto.rs`; skipped where `scripts/install-s3-test-server` has not run, unless `TEST_S3` is
//! set). Round trips, ranges, idempotent puts, lists and deletes under a prefix, a 20 MiB multipart
//! upload, and uploads through a proxy that cuts the connection midway: once (retried) and for good
//! (an error, no object, no parts left, no spool).

mod support;

use std::ops::Range;
use std::path::Path;

use futures_util::TryStreamExt;
use sha2::{Digest, Sha256};
use sportello_documents::store::{DocumentStore, Spooled, StoreError};
use sportello_s3_documents::S3Documents;
use support::moto::{BUCKET, Moto};
use support::proxy::{AfterCut, Proxy};

const MIB: usize = 1 << 20;

/// `len` bytes that do not repeat in any short period (so a part sent twice or out of order shows).
fn bytes(len: usize, seed: u64) -> Vec<u8> {
    let mut state = seed | 1;
    (0..len)
        .map(|_| {
            state ^= state << 13;
            state ^= state >> 7;
            state ^= state << 17;
            state as u8
        })
        .collect()
}

async fn spooled(store: &S3Documents, bytes: &[u8]) -> Spooled {
    let mut spool = store.spool(u64::MAX).await.expect("start a spool");
    for chunk in bytes.chunks(64 * 1024) {
        spool.write(chunk).await.expect("spool a chunk");
    }
    spool.finish().await.expect("finish the spool")
}

async fn read(store: &S3Documents, sha256: &str, range: Option<Range<u64>>) -> Vec<u8> {
    let stream = store.open(sha256, range).await.expect("open the blob");
    let chunks: Vec<bytes::Bytes> = stream.try_collect().await.expect("read the blob");
    chunks.concat()
}

fn hex_sha256(bytes: &[u8]) -> String {
    Sha256::digest(bytes).iter().map(|b| format!("{b:02x}")).collect()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_blob_put_is_read_back_whole_and_in_ranges() {
    let Some(moto) = Moto::start_or_skip("a_blob_put_is_read_back_whole_and_in_ranges").await else { return };
    let spools = tempfile::tempdir().unwrap();
    let store = moto.store("sportello/", spools.path());
    let content = bytes(300_000, 1);

    let spooled = spooled(&store, &content).await;
    let sha256 = spooled.sha256().to_owned();
    assert_eq!(sha256, hex_sha256(&content));
    store.put(spooled).await.unwrap();

    assert_eq!(read(&store, &sha256, None).await, content);
    assert_eq!(store.size(&sha256).await.unwrap(), Some(300_000));
    assert_eq!(read(&store, &sha256, Some(1000..250_001)).await, &content[1000..250_001]);
    assert_eq!(read(&store, &sha256, Some(299_990..400_000)).await, &content[299_990..], "cut at the end");
    assert_eq!(read(&store, &sha256, Some(300_000..300_010)).await, b"", "past the end");
    assert_eq!(read(&store, &sha256, Some(Range { start: 5, end: 5 })).await, b"");
    let object = moto
        .request("HEAD", &format!("/{BUCKET}/sportello/sha256/{}/{}/{sha256}", &sha256[..2], &sha256[2..4]), b"")
        .await;
    assert_eq!(object.status, 200, "the key fans out under the prefix: {}", object.text());
    assert_eq!(std::fs::read_dir(spools.path()).unwrap().count(), 0, "the spool is removed once sent");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_missing_blob_is_not_found_and_deleting_it_is_fine() {
    let Some(moto) = Moto::start_or_skip("a_missing_blob_is_not_found_and_deleting_it_is_fine").await else { return };
    let spools = tempfile::tempdir().unwrap();
    let store = moto.store("", spools.path());
    let absent = hex_sha256(b"never uploaded");
    assert!(matches!(store.open(&absent, None).await, Err(StoreError::NotFound)));
    assert!(matches!(store.open(&absent, Some(0..10)).await, Err(StoreError::NotFound)));
    assert!(matches!(store.open(&absent, Some(Range { start: 3, end: 3 })).await, Err(StoreError::NotFound)));
    assert_eq!(store.size(&absent).await.unwrap(), None);
    store.delete(&absent).await.unwrap();
    assert!(matches!(store.open("../not-a-hash", None).await, Err(StoreError::NotFound)));
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn putting_a_blob_that_is_there_sends_nothing_and_removes_the_spool() {
    let test = "putting_a_blob_that_is_there_sends_nothing_and_removes_the_spool";
    let Some(moto) = Moto::start_or_skip(test).await else { return };
    let spools = tempfile::tempdir().unwrap();
    let proxy = Proxy::start(moto.addr(), None, AfterCut::Everything).await;
    let store = Moto::store_at(&proxy.endpoint(), "", spools.path());
    let content = bytes(MIB, 2);
    store.put(spooled(&store, &content).await).await.unwrap();
    let first = proxy.forwarded();
    assert!(first > MIB as u64, "the first put sent the bytes ({first})");

    let again = spooled(&store, &content).await;
    let spool = again.path().to_owned();
    let sha256 = again.sha256().to_owned();
    store.put(again).await.unwrap();
    let second = proxy.forwarded() - first;
    assert!(second < 4096, "the second put only asked whether the blob is there ({second} bytes)");
    assert!(!spool.exists());
    assert_eq!(read(&store, &sha256, None).await, content);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_list_names_the_blobs_under_the_prefix_and_delete_removes_one() {
    let test = "the_list_names_the_blobs_under_the_prefix_and_delete_removes_one";
    let Some(moto) = Moto::start_or_skip(test).await else { return };
    let spools = tempfile::tempdir().unwrap();
    let store = moto.store("comune-a", spools.path());
    let other = moto.store("comune-b/", spools.path());
    let before = jiff::Timestamp::now() - jiff::SignedDuration::from_secs(60);
    let mut names = Vec::new();
    for text in ["uno", "due", "tre"] {
        let spooled = spooled(&store, text.as_bytes()).await;
        names.push(spooled.sha256().to_owned());
        store.put(spooled).await.unwrap();
    }
    other.put(spooled(&other, b"another municipality's").await).await.unwrap();
    let stray = moto.request("PUT", &format!("/{BUCKET}/comune-a/sha256/notes.txt"), b"not a blob").await;
    assert_eq!(stray.status, 200, "{}", stray.text());
    names.sort();

    let listed = store.list().await.unwrap();
    assert_eq!(listed.iter().map(|(name, _)| name.clone()).collect::<Vec<_>>(), names);
    let after = jiff::Timestamp::now() + jiff::SignedDuration::from_secs(60);
    assert!(listed.iter().all(|(_, written)| (before..after).contains(written)), "{listed:?}");
    assert_eq!(other.list().await.unwrap().len(), 1);

    store.delete(&names[0]).await.unwrap();
    assert_eq!(store.size(&names[0]).await.unwrap(), None);
    assert_eq!(store.list().await.unwrap().len(), 2);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_twenty_mebibyte_file_is_sent_in_three_parts_and_read_back() {
    let test = "a_twenty_mebibyte_file_is_sent_in_three_parts_and_read_back";
    let Some(moto) = Moto::start_or_skip(test).await else { return };
    let spools = tempfile::tempdir().unwrap();
    let store = moto.store("", spools.path());
    let content = bytes(20 * MIB, 3);
    let spooled = spooled(&store, &content).await;
    let sha256 = spooled.sha256().to_owned();
    store.put(spooled).await.unwrap();

    let object =
        moto.request("HEAD", &format!("/{BUCKET}/sha256/{}/{}/{sha256}", &sha256[..2], &sha256[2..4]), b"").await;
    let etag = object.header("etag").unwrap_or_default();
    assert!(etag.ends_with("-3\""), "a multipart object's ETag counts its parts: {etag}");
    assert_eq!(store.size(&sha256).await.unwrap(), Some(20 * MIB as u64));
    assert_eq!(hex_sha256(&read(&store, &sha256, None).await), sha256);
    let middle = (8 * MIB as u64 - 10)..(16 * MIB as u64 + 10);
    assert_eq!(read(&store, &sha256, Some(middle.clone())).await, &content[middle.start as usize..middle.end as usize]);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn an_upload_whose_server_goes_away_midway_fails_and_leaves_no_object_or_parts() {
    let test = "an_upload_whose_server_goes_away_midway_fails_and_leaves_no_object_or_parts";
    let Some(moto) = Moto::start_or_skip(test).await else { return };
    let spools = tempfile::tempdir().unwrap();
    // 12 MiB in: the first 8 MiB part is in, the second is cut midway, and only the abort gets through.
    let proxy = Proxy::start(moto.addr(), Some(12 * MIB as u64), AfterCut::OnlyDeletes).await;
    let store = Moto::store_at(&proxy.endpoint(), "", spools.path());
    let spooled = spooled(&store, &bytes(20 * MIB, 4)).await;
    let sha256 = spooled.sha256().to_owned();
    let spool = spooled.path().to_owned();

    let error = store.put(spooled).await.unwrap_err();
    assert!(matches!(error, StoreError::Unavailable(_)), "{error:?}");
    assert!(proxy.was_cut());
    assert!(!spool.exists(), "the spool is removed after a failed put");

    let direct = moto.store("", spools.path());
    assert_eq!(direct.size(&sha256).await.unwrap(), None, "no object under the hash");
    assert!(direct.list().await.unwrap().is_empty());
    let uploads = moto.request("GET", &format!("/{BUCKET}?uploads"), b"").await;
    assert_eq!(uploads.status, 200, "{}", uploads.text());
    assert!(uploads.text().contains("ListMultipartUploadsResult"), "{}", uploads.text());
    assert!(!uploads.text().contains("<UploadId>"), "the upload was aborted, its parts gone: {}", uploads.text());
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_connection_dropped_once_midway_is_retried_and_the_upload_completes() {
    let test = "a_connection_dropped_once_midway_is_retried_and_the_upload_completes";
    let Some(moto) = Moto::start_or_skip(test).await else { return };
    let spools = tempfile::tempdir().unwrap();
    let proxy = Proxy::start(moto.addr(), Some(12 * MIB as u64), AfterCut::Everything).await;
    let store = Moto::store_at(&proxy.endpoint(), "", spools.path());
    let content = bytes(20 * MIB, 5);
    let spooled = spooled(&store, &content).await;
    let sha256 = spooled.sha256().to_owned();

    store.put(spooled).await.unwrap();
    assert!(proxy.was_cut());
    let direct = moto.store("", spools.path());
    assert_eq!(hex_sha256(&read(&direct, &sha256, None).await), sha256);
}

#[tokio::test]
async fn a_server_that_cannot_be_reached_is_unavailable() {
    let spools = tempfile::tempdir().unwrap();
    // A port that was free a moment ago: nothing listens there.
    let port = std::net::TcpListener::bind("127.0.0.1:0").unwrap().local_addr().unwrap().port();
    let store = Moto::store_at(&format!("http://127.0.0.1:{port}"), "", spools.path());
    let sha256 = hex_sha256(b"x");
    let error = store.size(&sha256).await.unwrap_err();
    assert!(matches!(error, StoreError::Unavailable(_)), "{error:?}");
    let spooled = spooled(&store, b"x").await;
    let spool = spooled.path().to_owned();
    assert!(matches!(store.put(spooled).await, Err(StoreError::Unavailable(_))));
    assert!(!spool.exists());
    assert!(Path::new(spools.path()).read_dir().unwrap().next().is_none());
}
