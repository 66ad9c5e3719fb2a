//! One Kasse app per data directory. The first start listens on `kasse.sock` there; a later
//! start finds it answering, asks the first to bring its window to the front, and exits. So two
//! app windows never sell and operate on one log side by side (the log keeps them apart anyway;
//! this keeps the cashier in one). A socket left by a Kasse that died answers nobody, and the
//! next start takes its place.

use std::io;
use std::path::{Path, PathBuf};

/// What [`claim`] found.
#[derive(Debug)]
pub enum Claim {
    /// This is the first Kasse on the directory.
    First(First),
    /// Another Kasse runs on the directory; it was asked to show its window.
    Running,
}

/// The first Kasse's hold on its data directory, for as long as it lives.
#[derive(Debug)]
pub struct First {
    #[cfg(unix)]
    listener: Option<std::os::unix::net::UnixListener>,
    socket: PathBuf,
}

impl First {
    /// Calls `wake` (on a thread of its own) each time a later start asks for the window.
    pub fn on_wake(&mut self, wake: impl Fn() + Send + 'static) {
        #[cfg(unix)]
        if let Some(listener) = self.listener.take() {
            std::thread::spawn(move || {
                for stream in listener.incoming() {
                    if stream.is_ok() {
                        wake();
                    }
                }
            });
        }
        #[cfg(not(unix))]
        let _ = wake;
    }
}

impl Drop for First {
    fn drop(&mut self) {
        let _ = std::fs::remove_file(&self.socket);
    }
}

/// Takes the data directory for this Kasse, or wakes the one that has it.
#[cfg(unix)]
pub fn claim(dir: &Path) -> io::Result<Claim> {
    use std::os::unix::net::{UnixListener, UnixStream};
    kasse_core::store::private_dir(dir)?;
    let socket = dir.join("kasse.sock");
    for _ in 0..3 {
        // Someone answers: a Kasse runs here, and connecting is the wake-up call.
        if UnixStream::connect(&socket).is_ok() {
            return Ok(Claim::Running);
        }
        // Nobody answers: a socket file left by a Kasse that died is stale.
        let _ = std::fs::remove_file(&socket);
        match UnixListener::bind(&socket) {
            Ok(listener) => {
                return Ok(Claim::First(First {
                    listener: Some(listener),
                    socket,
                }))
            }
            // Another start bound it between our look and our bind: look again.
            Err(e) if e.kind() == io::ErrorKind::AddrInUse => continue,
            Err(e) => return Err(e),
        }
    }
    Ok(Claim::Running)
}

/// Takes the data directory for this Kasse (no single-instance check off Unix).
#[cfg(not(unix))]
pub fn claim(dir: &Path) -> io::Result<Claim> {
    std::fs::create_dir_all(dir)?;
    Ok(Claim::First(First {
        socket: dir.join("kasse.sock"),
    }))
}

#[cfg(all(test, unix))]
mod tests {
    use super::*;
    use std::sync::mpsc;
    use std::time::Duration;

    #[test]
    fn a_second_start_wakes_the_first_and_a_later_one_takes_over_when_it_is_gone() {
        let dir = tempfile::tempdir().unwrap();
        let Claim::First(mut first) = claim(dir.path()).unwrap() else {
            panic!("the first start must get the directory");
        };
        let (tx, rx) = mpsc::channel();
        first.on_wake(move || {
            let _ = tx.send(());
        });
        assert!(matches!(claim(dir.path()).unwrap(), Claim::Running));
        rx.recv_timeout(Duration::from_secs(10))
            .expect("the first Kasse was asked for its window");
        assert!(matches!(claim(dir.path()).unwrap(), Claim::Running));
        rx.recv_timeout(Duration::from_secs(10)).unwrap();
        drop(first);
        // The first is gone: the next start is the first again.
        assert!(matches!(claim(dir.path()).unwrap(), Claim::First(_)));
        // A socket left behind by a Kasse that died (nobody listening) is taken over.
        let stale = dir.path().join("kasse.sock");
        drop(std::os::unix::net::UnixListener::bind(&stale).unwrap());
        assert!(stale.exists());
        assert!(matches!(claim(dir.path()).unwrap(), Claim::First(_)));
    }
}
