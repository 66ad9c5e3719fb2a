//! The log's files are the shop's books and hold its customers' payments: the data directory is
//! readable by its owner only (0700), and so are the database and the WAL and shared-memory
//! files SQLite keeps beside it (0600; SQLite gives those the database file's permissions).

use std::path::{Path, PathBuf};

/// Creates `dir` if needed and makes it its owner's only. A shared directory (sticky, like
/// `/tmp`) is left as it is: it is not Kasse's to close.
pub fn private_dir(dir: &Path) -> std::io::Result<()> {
    std::fs::create_dir_all(dir)?;
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt;
        let mode = std::fs::metadata(dir)?.permissions().mode();
        if mode & 0o1000 == 0 && mode & 0o077 != 0 {
            std::fs::set_permissions(dir, std::fs::Permissions::from_mode(0o700))?;
        }
    }
    Ok(())
}

/// The database file and its companions, as SQLite names them.
#[cfg(unix)]
fn with_companions(db: &Path) -> [PathBuf; 3] {
    let named = |suffix: &str| {
        let mut name = db.as_os_str().to_owned();
        name.push(suffix);
        PathBuf::from(name)
    };
    [db.to_path_buf(), named("-wal"), named("-shm")]
}

/// Makes the database file (created empty if it is not there yet, so SQLite never creates it
/// with the process's umask) and any companions its owner's only.
pub(super) fn private_database(db: &Path) -> std::io::Result<()> {
    #[cfg(unix)]
    {
        use std::os::unix::fs::{OpenOptionsExt, PermissionsExt};
        if !db.exists() {
            match std::fs::OpenOptions::new()
                .write(true)
                .create_new(true)
                .mode(0o600)
                .open(db)
            {
                Ok(_) => {}
                Err(e) if e.kind() == std::io::ErrorKind::AlreadyExists => {}
                Err(e) => return Err(e),
            }
        }
        for file in with_companions(db) {
            match std::fs::metadata(&file) {
                Ok(m) if m.permissions().mode() & 0o077 != 0 => {
                    std::fs::set_permissions(&file, std::fs::Permissions::from_mode(0o600))?;
                }
                _ => {}
            }
        }
    }
    #[cfg(not(unix))]
    let _ = db;
    Ok(())
}

#[cfg(all(test, unix))]
mod tests {
    use super::*;
    use crate::store::Store;
    use std::os::unix::fs::PermissionsExt;

    fn mode(p: &Path) -> u32 {
        std::fs::metadata(p).unwrap().permissions().mode() & 0o7777
    }

    fn set_mode(p: &Path, mode: u32) {
        std::fs::set_permissions(p, std::fs::Permissions::from_mode(mode)).unwrap();
    }

    /// A new directory `name` in `parent`, open as `before` says, after [`private_dir`]; and
    /// its mode then.
    fn made_private(parent: &Path, name: &str, before: u32) -> (PathBuf, u32) {
        let dir = parent.join(name);
        std::fs::create_dir(&dir).unwrap();
        set_mode(&dir, before);
        private_dir(&dir).unwrap();
        let after = mode(&dir);
        (dir, after)
    }

    #[test]
    fn a_new_log_and_its_directory_are_the_owners_only() {
        let tmp = tempfile::tempdir().unwrap();
        let (dir, after) = made_private(tmp.path(), "data", 0o755);
        assert_eq!(after, 0o700);
        let db = dir.join("kasse.sqlite");
        let store = Store::open(&db).unwrap();
        store.set_setting("counter", "Kasse 1").unwrap();
        for file in with_companions(&db) {
            assert!(file.exists(), "{}", file.display());
            assert_eq!(mode(&file), 0o600, "{}", file.display());
        }
    }

    #[test]
    fn an_old_log_left_open_to_others_is_closed_on_open() {
        let tmp = tempfile::tempdir().unwrap();
        let db = tmp.path().join("kasse.sqlite");
        drop(Store::open(&db).unwrap());
        for file in with_companions(&db).iter().filter(|f| f.exists()) {
            set_mode(file, 0o644);
        }
        let _store = Store::open(&db).unwrap();
        assert_eq!(mode(&db), 0o600);
    }

    #[test]
    fn a_shared_sticky_directory_is_left_alone() {
        let tmp = tempfile::tempdir().unwrap();
        let (shared, after) = made_private(tmp.path(), "shared", 0o1777);
        assert_eq!(after, 0o1777);
        private_dir(&shared.join("new")).unwrap();
        assert_eq!(mode(&shared.join("new")), 0o700);
    }
}
