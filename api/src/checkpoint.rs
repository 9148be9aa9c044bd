//! Signed checkpoints of the audit log, taken and checked (`sportello_runtime::audit_checkpoint` says
//! what one holds): `sportello audit keygen` makes the Ed25519 key pair, `sportello audit checkpoint`
//! (and `serve`, every `[audit] checkpoint_minutes`, when `[audit] checkpoint_key` is set) writes a
//! checkpoint file into a folder outside the database, and `sportello audit verify --checkpoint FILE
//! --public-key FILE` names what the database lost or rewrote since. The key is a file of its own,
//! never in the database: whoever holds both could forge checkpoints.

use std::io::Write;
use std::path::{Path, PathBuf};
use std::time::Duration;

use anyhow::{Context, bail};
use serde::Deserialize;
use sportello_runtime::audit::hex;
use sportello_runtime::audit_checkpoint::{Checkpoint, CheckpointBreak, signing_key, verifying_key};
use sportello_store::Store;
use tokio::sync::watch;

use ed25519_dalek::{SigningKey, VerifyingKey};

/// `[audit]`: periodic checkpoints while `sportello serve` runs.
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct CheckpointSettings {
    /// The signing key's file (`sportello audit keygen`); none: no periodic checkpoints.
    pub checkpoint_key: Option<PathBuf>,
    /// The folder checkpoints are written to (outside the database's reach).
    pub checkpoint_folder: Option<PathBuf>,
    /// Minutes between two checkpoints.
    pub checkpoint_minutes: u64,
}

impl Default for CheckpointSettings {
    fn default() -> Self {
        CheckpointSettings { checkpoint_key: None, checkpoint_folder: None, checkpoint_minutes: 60 }
    }
}

impl CheckpointSettings {
    /// The key and folder, read and checked, when checkpoints are asked for.
    ///
    /// # Errors
    ///
    /// Only one of key and folder set, a key file that cannot be read or is not a key, a folder that
    /// does not exist, or zero minutes.
    pub fn load(&self) -> anyhow::Result<Option<Schedule>> {
        let (key, folder) = match (&self.checkpoint_key, &self.checkpoint_folder) {
            (None, None) => return Ok(None),
            (Some(key), Some(folder)) => (key, folder),
            _ => bail!("audit.checkpoint_key and audit.checkpoint_folder go together: set both, or neither"),
        };
        if self.checkpoint_minutes == 0 {
            bail!("audit.checkpoint_minutes must be at least 1");
        }
        if !folder.is_dir() {
            bail!("audit.checkpoint_folder: the folder {} does not exist", folder.display());
        }
        let every = Duration::from_secs(self.checkpoint_minutes * 60);
        Ok(Some(Schedule { key: read_signing_key(key)?, folder: folder.clone(), every }))
    }
}

/// Writes a new key pair: the signing key to `path` (readable by its owner only) and the public key to
/// `path.pub`; neither may exist. Returns the public key in hexadecimal.
///
/// # Errors
///
/// Either file exists or cannot be written.
pub fn keygen(path: &Path) -> anyhow::Result<String> {
    let public_path = public_path(path);
    for file in [path, public_path.as_path()] {
        if file.exists() {
            bail!("{} already exists: a key is never overwritten", file.display());
        }
    }
    let mut seed = [0u8; 32];
    getrandom::fill(&mut seed).map_err(|e| anyhow::anyhow!("no randomness for a key: {e}"))?;
    let key = SigningKey::from_bytes(&seed);
    let public = hex(key.verifying_key().as_bytes());
    let mut options = std::fs::OpenOptions::new();
    options.write(true).create_new(true);
    #[cfg(unix)]
    std::os::unix::fs::OpenOptionsExt::mode(&mut options, 0o600);
    let mut file = options.open(path).with_context(|| format!("cannot create {}", path.display()))?;
    writeln!(file, "{}", hex(&seed))
        .and_then(|()| file.sync_all())
        .with_context(|| format!("cannot write {}", path.display()))?;
    std::fs::write(&public_path, format!("{public}\n"))
        .with_context(|| format!("cannot write {}", public_path.display()))?;
    Ok(public)
}

/// Where `keygen` puts the public key of the key in `path`.
pub fn public_path(path: &Path) -> PathBuf {
    let mut name = path.as_os_str().to_owned();
    name.push(".pub");
    PathBuf::from(name)
}

/// The signing key in `path`.
///
/// # Errors
///
/// The file cannot be read or does not hold a key (64 hexadecimal digits).
pub fn read_signing_key(path: &Path) -> anyhow::Result<SigningKey> {
    let text = std::fs::read_to_string(path).with_context(|| format!("cannot read the key file {}", path.display()))?;
    signing_key(&text)
        .with_context(|| format!("{} does not hold a signing key (64 hexadecimal digits)", path.display()))
}

/// The public key in `path`.
///
/// # Errors
///
/// The file cannot be read or does not hold a public key (64 hexadecimal digits).
pub fn read_public_key(path: &Path) -> anyhow::Result<VerifyingKey> {
    let text = std::fs::read_to_string(path).with_context(|| format!("cannot read the key file {}", path.display()))?;
    verifying_key(&text)
        .with_context(|| format!("{} does not hold a public key (64 hexadecimal digits)", path.display()))
}

/// Takes a checkpoint of `store` signed with `key` and writes it into `folder` as
/// `checkpoint-<instant>.json` (written beside, synced, then renamed: never half a file).
///
/// # Errors
///
/// The database fails, or the file cannot be written.
pub async fn take(store: &Store, key: &SigningKey, folder: &Path) -> anyhow::Result<(PathBuf, Checkpoint)> {
    let heads = store.chain_heads().await.context("cannot read the chain heads")?;
    let checkpoint = Checkpoint::sign(heads, store.now(), key);
    let stamp = store.now().strftime("%Y%m%dT%H%M%S%.3fZ").to_string();
    let path = folder.join(format!("checkpoint-{stamp}.json"));
    let partial = folder.join(format!(".checkpoint-{stamp}.json.partial"));
    let text = serde_json::to_vec_pretty(&checkpoint).expect("a checkpoint serialises");
    let written = std::fs::File::create(&partial).and_then(|mut file| {
        file.write_all(&text)?;
        file.sync_all()
    });
    written
        .and_then(|()| std::fs::rename(&partial, &path))
        .with_context(|| format!("cannot write {}", path.display()))?;
    Ok((path, checkpoint))
}

/// Reads the checkpoint in `path` and checks it against `public_key`; then names what the database
/// lost or rewrote since.
///
/// # Errors
///
/// The file cannot be read, is not a checkpoint, or does not verify with the key; the database fails.
pub async fn compare(
    store: &Store,
    path: &Path,
    public_key: &VerifyingKey,
) -> anyhow::Result<(Checkpoint, Vec<CheckpointBreak>)> {
    let text = std::fs::read(path).with_context(|| format!("cannot read the checkpoint {}", path.display()))?;
    let checkpoint: Checkpoint =
        serde_json::from_slice(&text).with_context(|| format!("{} is not a checkpoint", path.display()))?;
    checkpoint.check(public_key).with_context(|| format!("the checkpoint {} cannot be trusted", path.display()))?;
    let now = store.cases_now(&checkpoint).await.context("cannot read the cases")?;
    let breaks = checkpoint.compare(&now);
    Ok((checkpoint, breaks))
}

/// Where and how often `serve` takes checkpoints, with the key it signs them with.
#[derive(Debug, Clone)]
pub struct Schedule {
    /// The signing key.
    pub key: SigningKey,
    /// The folder checkpoints go to.
    pub folder: PathBuf,
    /// The time between two.
    pub every: Duration,
}

/// Takes a checkpoint at once and then every `schedule.every` until `stop` turns true; a failure is
/// logged and tried again next time.
pub async fn run(store: Store, schedule: Schedule, mut stop: watch::Receiver<bool>) {
    loop {
        match take(&store, &schedule.key, &schedule.folder).await {
            Ok((path, checkpoint)) => {
                tracing::info!(path = %path.display(), cases = checkpoint.cases, "audit checkpoint written");
            }
            Err(error) => tracing::error!(error.message = %format!("{error:#}"), "could not write an audit checkpoint"),
        }
        tokio::select! {
            _ = stop.changed() => return,
            () = tokio::time::sleep(schedule.every) => {}
        }
    }
}
