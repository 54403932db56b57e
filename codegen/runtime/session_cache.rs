//! Sessions shared between processes: a cache of the session a client logged in to, one file per
//! (base URL, user, TLS settings), so that the next process reuses it instead of logging in
//! again (vCenter keeps an idle session 30 minutes and limits each user's sessions).
//! This file is part of the generator's runtime: it does not depend on the spec.

use std::fs;
use std::io::{self, Write};
use std::path::{Path, PathBuf};
use std::time::{Duration, Instant, SystemTime};

use super::client::SessionId;

/// How long a process waits for another one that is logging in with the same key before it
/// logs in itself.
const LOCK_WAIT: Duration = Duration::from_secs(15);

/// A lock older than this was left by a process that died while logging in.
const STALE_LOCK: Duration = Duration::from_secs(60);

/// The cache of one client: its directory and the file its key names.
#[derive(Debug)]
pub(crate) struct SessionCache {
    dir: PathBuf,
    /// The file: the key's SHA-256 in hexadecimal, `.json`.
    pub(crate) file: PathBuf,
    /// What the file must say it is for: the base URL, the user and the TLS settings' digest.
    key: CacheKey,
}

#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
struct CacheKey {
    url: String,
    user: String,
    tls: String,
}

#[derive(serde::Serialize, serde::Deserialize)]
struct Entry {
    #[serde(flatten)]
    key: CacheKey,
    session: String,
}

/// The user's cache directory for this crate's sessions: `$XDG_CACHE_HOME` or `~/.cache` (on
/// macOS `~/Library/Caches`, on Windows `%LOCALAPPDATA%`), then the crate's name and `sessions`.
pub(crate) fn default_dir() -> Option<PathBuf> {
    let base = if cfg!(windows) {
        std::env::var_os("LOCALAPPDATA").map(PathBuf::from)
    } else if cfg!(target_os = "macos") {
        std::env::var_os("HOME").map(|home| PathBuf::from(home).join("Library/Caches"))
    } else {
        std::env::var_os("XDG_CACHE_HOME")
            .map(PathBuf::from)
            .filter(|path| path.is_absolute())
            .or_else(|| std::env::var_os("HOME").map(|home| PathBuf::from(home).join(".cache")))
    }?;
    Some(base.join(env!("CARGO_PKG_NAME")).join("sessions"))
}

impl SessionCache {
    /// The cache in `dir` for the session of `user` (logging in with `password`) at `url` with
    /// the TLS settings `tls` (a description of everything that decides which servers the
    /// client trusts).
    pub(crate) fn new(
        dir: PathBuf,
        url: &str,
        user: &str,
        password: &str,
        tls: &str,
    ) -> Option<Self> {
        let key = CacheKey {
            url: url.to_string(),
            user: user.to_string(),
            tls: hex(&super::tls_pin::sha256(tls.as_bytes())?),
        };
        // The file's name also depends on the password (never stored): a client given another
        // password (a rotated one, a wrong one) does not take a session it could not make.
        let mut text = serde_json::to_vec(&key).ok()?;
        text.push(0);
        text.extend_from_slice(&super::tls_pin::sha256(password.as_bytes())?);
        let name = hex(&super::tls_pin::sha256(&text)?);
        Some(SessionCache {
            file: dir.join(format!("{name}.json")),
            dir,
            key,
        })
    }

    /// The cached session, when the file is there, is this user's own, readable by no one
    /// else, and is for the same URL, user and TLS settings. Anything else is ignored (and
    /// logged at DEBUG): the client then logs in as it would without a cache.
    pub(crate) fn read(&self) -> Option<SessionId> {
        let result = self.checked_dir().and_then(|owner| {
            let metadata = match fs::symlink_metadata(&self.file) {
                Ok(metadata) => metadata,
                Err(err) if err.kind() == io::ErrorKind::NotFound => return Ok(None),
                Err(err) => return Err(err),
            };
            private_file(&metadata, owner)?;
            let text = fs::read(&self.file)?;
            let entry: Entry = serde_json::from_slice(&text)
                .map_err(|err| io::Error::new(io::ErrorKind::InvalidData, err))?;
            if entry.key != self.key {
                return Err(io::Error::new(
                    io::ErrorKind::InvalidData,
                    "the file is for another URL, user or TLS settings",
                ));
            }
            Ok(SessionId::new(entry.session))
        });
        match result {
            Ok(session) => session,
            Err(err) if err.kind() == io::ErrorKind::PermissionDenied => {
                tracing::warn!(error = %err, file = %self.file.display(), "session cache: refused");
                None
            }
            Err(err) => {
                tracing::debug!(error = %err, "session cache: not used");
                None
            }
        }
    }

    /// Stores `session`, replacing the file whole (written to a new file beside it, readable by
    /// the user alone, then renamed over it), so that a reader never sees half of it.
    pub(crate) fn write(&self, session: &SessionId) {
        let entry = Entry {
            key: self.key.clone(),
            session: session.expose_secret().to_string(),
        };
        let result = self.checked_dir().and_then(|_| {
            let text = serde_json::to_vec(&entry)
                .map_err(|err| io::Error::new(io::ErrorKind::InvalidData, err))?;
            let temporary = self.dir.join(format!(".{:016x}.tmp", fastrand::u64(..)));
            let written = create_private(&temporary).and_then(|mut file| {
                file.write_all(&text)?;
                file.sync_all()
            });
            match written.and_then(|()| fs::rename(&temporary, &self.file)) {
                Ok(()) => Ok(()),
                Err(err) => {
                    let _ = fs::remove_file(&temporary);
                    Err(err)
                }
            }
        });
        if let Err(err) = result {
            tracing::debug!(error = %err, "session cache: not written");
        }
    }

    /// Waits until no other process is logging in with this key (or `LOCK_WAIT` passed), and
    /// holds the turn until the guard is dropped: processes that start together log in once.
    pub(crate) async fn turn(&self) -> Option<Turn> {
        self.checked_dir().ok()?;
        let path = self.file.with_extension("lock");
        let started = Instant::now();
        loop {
            match create_private(&path) {
                Ok(mut file) => {
                    // The lock says whose it is, so that only its owner removes it.
                    let nonce = format!("{:016x}", fastrand::u64(..));
                    if file.write_all(nonce.as_bytes()).is_err() {
                        let _ = fs::remove_file(&path);
                        return None;
                    }
                    return Some(Turn { path, nonce });
                }
                Err(err) if err.kind() == io::ErrorKind::AlreadyExists => {
                    let stale = fs::symlink_metadata(&path)
                        .and_then(|m| m.modified())
                        .ok()
                        .and_then(|modified| SystemTime::now().duration_since(modified).ok())
                        .is_some_and(|age| age > STALE_LOCK);
                    if stale {
                        let _ = fs::remove_file(&path);
                        continue;
                    }
                    if started.elapsed() > LOCK_WAIT {
                        tracing::debug!("session cache: another process holds the lock; going on");
                        return None;
                    }
                    tokio::time::sleep(Duration::from_millis(20 + fastrand::u64(..30))).await;
                }
                Err(err) => {
                    tracing::debug!(error = %err, "session cache: no lock");
                    return None;
                }
            }
        }
    }

    /// Creates the directory (readable by the user alone) when it is missing, and checks that
    /// it belongs to this user and no one else can read or write it. Returns the user's id.
    fn checked_dir(&self) -> io::Result<u32> {
        create_private_dir(&self.dir)?;
        private_dir(&self.dir)
    }
}

/// Held while this process logs in for a cache key; removes the lock file when dropped.
#[derive(Debug)]
pub(crate) struct Turn {
    path: PathBuf,
    nonce: String,
}

impl Drop for Turn {
    fn drop(&mut self) {
        // Another process may have taken the lock as stale: its lock is not removed.
        if fs::read(&self.path).is_ok_and(|text| text == self.nonce.as_bytes()) {
            let _ = fs::remove_file(&self.path);
        }
    }
}

fn hex(bytes: &[u8]) -> String {
    bytes.iter().map(|b| format!("{b:02x}")).collect()
}

#[cfg(unix)]
fn create_private_dir(dir: &Path) -> io::Result<()> {
    use std::os::unix::fs::DirBuilderExt;
    if dir.is_dir() {
        return Ok(());
    }
    fs::DirBuilder::new().recursive(true).mode(0o700).create(dir)
}

#[cfg(not(unix))]
fn create_private_dir(dir: &Path) -> io::Result<()> {
    fs::create_dir_all(dir)
}

#[cfg(unix)]
fn create_private(path: &Path) -> io::Result<fs::File> {
    use std::os::unix::fs::OpenOptionsExt;
    fs::OpenOptions::new()
        .write(true)
        .create_new(true)
        .mode(0o600)
        .open(path)
}

#[cfg(not(unix))]
fn create_private(path: &Path) -> io::Result<fs::File> {
    fs::OpenOptions::new().write(true).create_new(true).open(path)
}

fn refused(why: &str) -> io::Error {
    io::Error::new(io::ErrorKind::PermissionDenied, why.to_string())
}

/// The directory is a real directory of this process's user that no one else can read or
/// write; returns that user's id (read from a file created in it, which is the process's own).
#[cfg(unix)]
fn private_dir(dir: &Path) -> io::Result<u32> {
    use std::os::unix::fs::MetadataExt;
    let metadata = fs::symlink_metadata(dir)?;
    if !metadata.is_dir() {
        return Err(refused("the cache directory is not a directory"));
    }
    let probe = dir.join(format!(".{:016x}.probe", fastrand::u64(..)));
    let own = create_private(&probe).and_then(|file| file.metadata());
    let _ = fs::remove_file(&probe);
    let own = own?.uid();
    if metadata.uid() != own {
        return Err(refused("the cache directory belongs to another user"));
    }
    if metadata.mode() & 0o077 != 0 {
        return Err(refused(
            "others can read or write the cache directory (it must be mode 0700)",
        ));
    }
    Ok(own)
}

#[cfg(not(unix))]
fn private_dir(dir: &Path) -> io::Result<u32> {
    if !fs::symlink_metadata(dir)?.is_dir() {
        return Err(refused("the cache directory is not a directory"));
    }
    Ok(0)
}

/// The file is a regular file (not a link) of user `owner` that no one else can read or write.
#[cfg(unix)]
fn private_file(metadata: &fs::Metadata, owner: u32) -> io::Result<()> {
    use std::os::unix::fs::MetadataExt;
    if !metadata.file_type().is_file() {
        return Err(refused("the cached session is not a regular file"));
    }
    if metadata.uid() != owner {
        return Err(refused("the cached session belongs to another user"));
    }
    if metadata.mode() & 0o077 != 0 {
        return Err(refused("others can read or write the cached session"));
    }
    Ok(())
}

#[cfg(not(unix))]
fn private_file(metadata: &fs::Metadata, _owner: u32) -> io::Result<()> {
    if !metadata.file_type().is_file() {
        return Err(refused("the cached session is not a regular file"));
    }
    Ok(())
}
