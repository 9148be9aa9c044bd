//! Which document store to use and where: the `[documents]` table of the server's settings, with its
//! `[documents.s3]` subtable, for the API to embed in its own settings. Only what can be said without
//! the API is here: the local folder's default sits beside the SQLite database, which the API knows,
//! so [`DocumentsSettings::local_folder`] is handed it. The S3 keys may also come from
//! `SPORTELLO_S3_ACCESS_KEY_ID` and `SPORTELLO_S3_SECRET_ACCESS_KEY` ([`DocumentsSettings::apply_env`]).

use std::fmt;
use std::path::{Path, PathBuf};

use serde::Deserialize;

/// The environment variables [`DocumentsSettings::apply_env`] reads (the API's loader must not take
/// them for `SPORTELLO_*` settings keys).
pub const CREDENTIAL_VARIABLES: [&str; 2] = ["SPORTELLO_S3_ACCESS_KEY_ID", "SPORTELLO_S3_SECRET_ACCESS_KEY"];

/// `[documents]`: where uploaded documents' bytes are kept.
#[derive(Debug, Clone, PartialEq, Eq, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct DocumentsSettings {
    /// `local` (a folder on this machine) or `s3` (an S3-compatible object store, for several server
    /// processes on several machines).
    pub store: StoreKind,
    /// The local folder: the blobs with `store = "local"`, only the spools (in its `tmp/`) with `s3`.
    /// Unset: `documents` beside the SQLite database file.
    pub folder: Option<PathBuf>,
    /// Free space, in MiB, that uploads leave on the local folder's filesystem: an upload that would
    /// take it lower is refused (503) rather than filling the disk the database needs too.
    pub reserve_mb: u64,
    /// `[documents.s3]`, needed with `store = "s3"`.
    pub s3: Option<S3Settings>,
    /// Hours an upload waits for the transition that attaches it (a draft's attachments) before it
    /// is removed.
    pub upload_hours: u64,
}

impl Default for DocumentsSettings {
    fn default() -> Self {
        DocumentsSettings { store: StoreKind::Local, folder: None, reserve_mb: 1024, s3: None, upload_hours: 24 }
    }
}

/// Which [`DocumentStore`](super::DocumentStore) keeps the blobs.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum StoreKind {
    /// [`LocalFolder`](super::LocalFolder).
    #[default]
    Local,
    /// The `sportello-s3-documents` crate's store.
    S3,
}

/// `[documents.s3]`: an S3-compatible bucket (MinIO, Ceph RGW, a cloud provider's S3).
#[derive(Clone, PartialEq, Eq, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct S3Settings {
    /// The server's URL (`https://minio.comune.example.it:9000`); unset: AWS S3 in `region`. With an
    /// endpoint, buckets are addressed by path (`<endpoint>/<bucket>/<key>`), as MinIO and Ceph expect.
    #[serde(default)]
    pub endpoint: Option<String>,
    /// The bucket, which must exist.
    pub bucket: String,
    /// The region the bucket is in (signatures name it); MinIO and Ceph accept the default.
    #[serde(default = "default_region")]
    pub region: String,
    /// Put before every key (`sportello/` keeps blobs at `sportello/sha256/ab/cd/<hash>`), to share a
    /// bucket; a `/` is added when missing. Empty: keys start at the bucket's root.
    #[serde(default)]
    pub prefix: String,
    /// The access key id; `SPORTELLO_S3_ACCESS_KEY_ID` overrides it. Unset with no variable: the
    /// credentials of the machine's environment (AWS's variables, an instance profile).
    #[serde(default)]
    pub access_key_id: Option<String>,
    /// The secret access key; `SPORTELLO_S3_SECRET_ACCESS_KEY` overrides it. Never shown by `Debug`.
    #[serde(default)]
    pub secret_access_key: Option<String>,
    /// Allow a plain `http://` endpoint: for a server on the same machine or in tests only.
    #[serde(default)]
    pub allow_http: bool,
}

fn default_region() -> String {
    "us-east-1".to_owned()
}

impl fmt::Debug for S3Settings {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("S3Settings")
            .field("endpoint", &self.endpoint)
            .field("bucket", &self.bucket)
            .field("region", &self.region)
            .field("prefix", &self.prefix)
            .field("access_key_id", &self.access_key_id)
            .field("secret_access_key", &self.secret_access_key.as_ref().map(|_| "[redacted]"))
            .field("allow_http", &self.allow_http)
            .finish()
    }
}

impl S3Settings {
    /// The prefix as keys start with it: empty, or ending with one `/`.
    pub fn key_prefix(&self) -> String {
        let prefix = self.prefix.trim_end_matches('/');
        if prefix.is_empty() { String::new() } else { format!("{prefix}/") }
    }
}

/// A setting that cannot work, named by its key.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("documents.{key}: {problem}")]
pub struct InvalidSettings {
    /// The key under `[documents]` (`s3.bucket`).
    pub key: &'static str,
    /// What is wrong with it.
    pub problem: String,
}

impl DocumentsSettings {
    /// [`reserve_mb`](Self::reserve_mb) in bytes.
    pub fn reserve_bytes(&self) -> u64 {
        self.reserve_mb.saturating_mul(1 << 20)
    }

    /// The local folder: [`folder`](Self::folder), or `documents` beside `sqlite_file` (the database
    /// file); `None` when neither is known (a PostgreSQL database and no folder set).
    pub fn local_folder(&self, sqlite_file: Option<&Path>) -> Option<PathBuf> {
        self.folder.clone().or_else(|| {
            let file = sqlite_file?;
            Some(file.parent().unwrap_or(Path::new("")).join("documents"))
        })
    }

    /// Takes the S3 keys from [`CREDENTIAL_VARIABLES`] found in `env` (`std::env::vars()` in the API),
    /// over the file's; with no `[documents.s3]` they are not used.
    pub fn apply_env(&mut self, env: impl IntoIterator<Item = (String, String)>) {
        let Some(s3) = &mut self.s3 else { return };
        for (name, value) in env {
            match name.as_str() {
                "SPORTELLO_S3_ACCESS_KEY_ID" => s3.access_key_id = Some(value),
                "SPORTELLO_S3_SECRET_ACCESS_KEY" => s3.secret_access_key = Some(value),
                _ => {}
            }
        }
    }

    /// Checks what deserializing cannot: that `store = "s3"` has its `[documents.s3]` with a bucket, a
    /// prefix made of plain path segments, an endpoint that is a URL (`https://`, or `http://` with
    /// `allow_http`), and both keys or neither.
    ///
    /// # Errors
    ///
    /// The first setting that cannot work.
    pub fn check(&self) -> Result<(), InvalidSettings> {
        let invalid = |key, problem: &str| Err(InvalidSettings { key, problem: problem.to_owned() });
        let Some(s3) = &self.s3 else {
            return match self.store {
                StoreKind::S3 => invalid("s3", "store = \"s3\" needs a [documents.s3] table with its bucket"),
                StoreKind::Local => Ok(()),
            };
        };
        if s3.bucket.trim().is_empty() {
            return invalid("s3.bucket", "must not be empty");
        }
        let prefix = s3.key_prefix();
        let odd_segment = prefix.trim_end_matches('/').split('/').any(|segment| matches!(segment, "" | "." | ".."));
        if !prefix.is_empty() && odd_segment {
            return invalid("s3.prefix", "must be path segments such as `sportello/`, without `//`, `.` or `..`");
        }
        if let Some(endpoint) = &s3.endpoint {
            match endpoint.split_once("://") {
                Some(("https", rest)) if !rest.is_empty() => {}
                Some(("http", rest)) if !rest.is_empty() && s3.allow_http => {}
                Some(("http", _)) => return invalid("s3.endpoint", "is plain http: set allow_http = true to allow it"),
                _ => return invalid("s3.endpoint", "must be an https:// URL"),
            }
        }
        if s3.access_key_id.is_some() != s3.secret_access_key.is_some() {
            return invalid("s3.secret_access_key", "access_key_id and secret_access_key go together");
        }
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn parse(text: &str) -> Result<DocumentsSettings, toml::de::Error> {
        toml::from_str(text)
    }

    #[test]
    fn no_table_is_a_local_folder_beside_the_database_with_a_gigabyte_reserve() {
        let settings = parse("").unwrap();
        assert_eq!(settings, DocumentsSettings::default());
        assert_eq!(settings.store, StoreKind::Local);
        assert_eq!(settings.reserve_bytes(), 1 << 30);
        let database = Path::new("var").join("sportello.db");
        assert_eq!(settings.local_folder(Some(&database)), Some(Path::new("var").join("documents")));
        assert_eq!(settings.local_folder(Some(Path::new("sportello.db"))), Some(PathBuf::from("documents")));
        assert_eq!(settings.local_folder(None), None);
        settings.check().unwrap();
    }

    #[test]
    fn an_s3_table_reads_every_key_and_the_environment_overrides_the_keys() {
        let mut settings = parse(
            r#"
            store = "s3"
            folder = "spool"
            reserve_mb = 10
            [s3]
            endpoint = "http://127.0.0.1:9000"
            bucket = "documenti"
            region = "eu-south-1"
            prefix = "sportello"
            access_key_id = "from-the-file"
            secret_access_key = "file-secret"
            allow_http = true
            "#,
        )
        .unwrap();
        assert_eq!(settings.local_folder(None), Some(PathBuf::from("spool")));
        assert_eq!(settings.reserve_bytes(), 10 << 20);
        settings.apply_env([
            ("SPORTELLO_S3_SECRET_ACCESS_KEY".to_owned(), "env-secret".to_owned()),
            ("HOME".to_owned(), "elsewhere".to_owned()),
        ]);
        settings.check().unwrap();
        let s3 = settings.s3.as_ref().unwrap();
        assert_eq!(s3.key_prefix(), "sportello/");
        assert_eq!(s3.access_key_id.as_deref(), Some("from-the-file"));
        assert_eq!(s3.secret_access_key.as_deref(), Some("env-secret"));
        let debug = format!("{s3:?}");
        assert!(debug.contains("[redacted]") && !debug.contains("env-secret"), "{debug}");
    }

    #[test]
    fn an_unknown_key_is_refused_by_name() {
        let error = parse("store = \"local\"\nfoldr = \"x\"").unwrap_err();
        assert!(error.to_string().contains("unknown field `foldr`"), "{error}");
        let error = parse("[s3]\nbucket = \"b\"\nsecret = \"x\"").unwrap_err();
        assert!(error.to_string().contains("unknown field `secret`"), "{error}");
        assert!(parse("store = \"ftp\"").is_err());
    }

    #[test]
    fn settings_that_cannot_work_are_named() {
        let problem = |text: &str| parse(text).unwrap().check().unwrap_err().key;
        assert_eq!(problem("store = \"s3\""), "s3");
        assert_eq!(problem("[s3]\nbucket = \" \""), "s3.bucket");
        assert_eq!(problem("[s3]\nbucket = \"b\"\nprefix = \"a//b\""), "s3.prefix");
        assert_eq!(problem("[s3]\nbucket = \"b\"\nprefix = \"../b\""), "s3.prefix");
        assert_eq!(problem("[s3]\nbucket = \"b\"\nprefix = \"/b\""), "s3.prefix");
        assert_eq!(problem("[s3]\nbucket = \"b\"\nendpoint = \"http://minio:9000\""), "s3.endpoint");
        assert_eq!(problem("[s3]\nbucket = \"b\"\nendpoint = \"minio:9000\""), "s3.endpoint");
        assert_eq!(problem("[s3]\nbucket = \"b\"\naccess_key_id = \"k\""), "s3.secret_access_key");
        let fine =
            parse("store = \"s3\"\n[s3]\nbucket = \"b\"\nprefix = \"a/b/\"\nendpoint = \"https://s3.example.org\"");
        fine.unwrap().check().unwrap();
    }
}
