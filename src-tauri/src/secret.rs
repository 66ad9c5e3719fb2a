//! Where the client secret lives: the OS keyring when a Secret Service runs, otherwise a file
//! readable only by this user (and the UI says so). Never in SQLite, logs or IPC answers.

use std::path::{Path, PathBuf};
use std::sync::OnceLock;

use crate::dto::SecretStorage;

const SERVICE: &str = "no.kasse.app";

/// A place for one secret per account.
pub trait SecretStore: Send + Sync {
    /// The stored secret for `account`, if any.
    fn get(&self, account: &str) -> Option<String>;
    /// Stores the secret; returns where it went.
    fn set(&self, account: &str, secret: &str) -> Result<SecretStorage, String>;
    /// Where secrets go now.
    fn kind(&self) -> SecretStorage;
}

/// The OS keyring, falling back to a 0600 file in the data dir. Whether a keyring answers is
/// found out once, on first use: without a Secret Service every probe waits on D-Bus.
#[derive(Debug)]
pub struct KeyringOrFile {
    dir: PathBuf,
    keyring_works: OnceLock<bool>,
}

impl KeyringOrFile {
    /// Secrets for a data dir.
    pub fn new(dir: &Path) -> KeyringOrFile {
        KeyringOrFile {
            dir: dir.to_path_buf(),
            keyring_works: OnceLock::new(),
        }
    }

    fn file(&self, account: &str) -> PathBuf {
        let safe: String = account
            .chars()
            .filter(|c| c.is_ascii_alphanumeric())
            .collect();
        // Named as the diagnostics zip expects, so it can keep this secret out of what it sends.
        let prefix = kasse_core::support::diagnostics::SECRET_FILE_PREFIX;
        self.dir.join(format!("{prefix}{safe}"))
    }

    /// The keyring entry for `account`, when a keyring works here.
    fn keyring(&self, account: &str) -> Option<keyring::Entry> {
        let works = *self.keyring_works.get_or_init(|| {
            let Ok(probe) = keyring::Entry::new(SERVICE, "kasse-probe") else {
                return false;
            };
            let works = probe.set_password("probe").is_ok();
            let _ = probe.delete_credential();
            works
        });
        works
            .then(|| keyring::Entry::new(SERVICE, account).ok())
            .flatten()
    }
}

impl SecretStore for KeyringOrFile {
    fn get(&self, account: &str) -> Option<String> {
        if let Some(s) = self.keyring(account).and_then(|e| e.get_password().ok()) {
            return Some(s);
        }
        std::fs::read_to_string(self.file(account))
            .ok()
            .map(|s| s.trim_end().to_owned())
    }

    fn set(&self, account: &str, secret: &str) -> Result<SecretStorage, String> {
        if let Some(e) = self.keyring(account) {
            if e.set_password(secret).is_ok() && e.get_password().ok().as_deref() == Some(secret) {
                let _ = std::fs::remove_file(self.file(account));
                return Ok(SecretStorage::Keyring);
            }
        }
        write_private(&self.file(account), secret)?;
        Ok(SecretStorage::File)
    }

    fn kind(&self) -> SecretStorage {
        if self.keyring("kasse-probe").is_some() {
            SecretStorage::Keyring
        } else {
            SecretStorage::File
        }
    }
}

/// Writes `content` to a file only this user can read (0600), atomically.
pub fn write_private(path: &Path, content: &str) -> Result<(), String> {
    use std::io::Write;
    use std::os::unix::fs::OpenOptionsExt;
    let tmp = path.with_extension("tmp");
    let _ = std::fs::remove_file(&tmp);
    let mut f = std::fs::OpenOptions::new()
        .write(true)
        .create_new(true)
        .mode(0o600)
        .open(&tmp)
        .map_err(|e| format!("cannot write {}: {e}", tmp.display()))?;
    f.write_all(content.as_bytes())
        .and_then(|_| f.sync_all())
        .map_err(|e| format!("cannot write {}: {e}", tmp.display()))?;
    std::fs::rename(&tmp, path).map_err(|e| format!("cannot write {}: {e}", path.display()))
}

/// An in-memory store for tests.
#[derive(Debug, Default)]
pub struct MemorySecrets(std::sync::Mutex<std::collections::HashMap<String, String>>);

impl SecretStore for MemorySecrets {
    fn get(&self, account: &str) -> Option<String> {
        self.0.lock().ok()?.get(account).cloned()
    }
    fn set(&self, account: &str, secret: &str) -> Result<SecretStorage, String> {
        self.0
            .lock()
            .map_err(|_| "poisoned".to_string())?
            .insert(account.into(), secret.into());
        Ok(SecretStorage::Keyring)
    }
    fn kind(&self) -> SecretStorage {
        SecretStorage::Keyring
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::os::unix::fs::PermissionsExt;

    #[test]
    fn private_file_is_0600_and_round_trips() {
        let dir = tempfile::tempdir().unwrap();
        let p = dir.path().join("secret-T12345678");
        write_private(&p, "s3cr3t").unwrap();
        let mode = std::fs::metadata(&p).unwrap().permissions().mode() & 0o777;
        assert_eq!(mode, 0o600);
        write_private(&p, "other").unwrap();
        assert_eq!(std::fs::read_to_string(&p).unwrap(), "other");
    }
}
