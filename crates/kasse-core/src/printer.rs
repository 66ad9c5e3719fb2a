//! Where the bytes go: a network printer (`tcp://HOST:PORT`, port 9100 when none is given),
//! a printer's device file (`/dev/usb/lp0`, or `file:///dev/usb/lp0`) or a CUPS queue taken
//! raw (`cups://QUEUE`, sent with `lp -d QUEUE -o raw`). Connecting and writing are bounded by
//! a timeout, and every failure says what to check. Printing reads a receipt and writes to a
//! printer; it never touches the log, so a printer that fails loses no sale. A leaf: the
//! engine's error holds its [`PrintError`].

use std::io::Write;
use std::net::{TcpStream, ToSocketAddrs};
use std::path::PathBuf;
use std::process::{Command, Stdio};
use std::time::Duration;

/// Where a printer is.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum PrinterUrl {
    /// A network printer (raw port, "JetDirect").
    Tcp {
        /// Name or address.
        host: String,
        /// Port (9100 by default).
        port: u16,
    },
    /// A printer's device file.
    Device(PathBuf),
    /// A CUPS queue, sent raw.
    Cups(String),
}

/// The port network receipt printers listen on.
pub const DEFAULT_PORT: u16 = 9100;

/// Why a receipt did not reach the printer; each says what to check.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum PrintError {
    /// No printer is chosen.
    #[error("no printer is chosen: set one in Settings (e.g. tcp://192.168.1.50:9100)")]
    NoPrinter,
    /// The printer's address is not one Kasse knows.
    #[error(
        "{url:?} is not a printer address: {why} (tcp://HOST:9100, /dev/usb/lp0 or cups://QUEUE)"
    )]
    BadUrl {
        /// As given.
        url: String,
        /// What is wrong.
        why: String,
    },
    /// The network printer could not be reached.
    #[error("could not reach the printer at {addr}: {reason}; check that it is on and on this network, and its address and port (usually 9100)")]
    Connect {
        /// `HOST:PORT`.
        addr: String,
        /// The system's words.
        reason: String,
    },
    /// The printer took too long.
    #[error("the printer at {addr} did not answer within {seconds} s; check that it is on, has paper and its cover is closed")]
    Timeout {
        /// Where.
        addr: String,
        /// The timeout.
        seconds: u64,
    },
    /// The printer stopped taking the receipt.
    #[error("the printer at {addr} stopped taking the receipt: {reason}; check paper, cover and cable, then print again")]
    Write {
        /// Where.
        addr: String,
        /// The system's words.
        reason: String,
    },
    /// The device file could not be opened.
    #[error("could not open the printer {path}: {reason}; check that it is plugged in and that this user may write to it (the lp group)")]
    Device {
        /// The file.
        path: String,
        /// The system's words.
        reason: String,
    },
    /// `lp` failed.
    #[error("CUPS did not take the receipt for queue {queue}: {reason}; check the queue with `lpstat -p {queue}`")]
    Cups {
        /// The queue.
        queue: String,
        /// `lp`'s words.
        reason: String,
    },
}

impl std::str::FromStr for PrinterUrl {
    type Err = PrintError;

    fn from_str(s: &str) -> Result<Self, Self::Err> {
        let url = s.trim();
        let bad = |why: &str| PrintError::BadUrl {
            url: url.to_owned(),
            why: why.to_owned(),
        };
        if let Some(rest) = url.strip_prefix("tcp://") {
            let rest = rest.trim_end_matches('/');
            let port = |p: &str| {
                p.parse::<u16>()
                    .ok()
                    .filter(|p| *p > 0)
                    .ok_or_else(|| bad("the port must be a number from 1 to 65535"))
            };
            let (host, port) = if let Some(v6) = rest.strip_prefix('[') {
                let (h, after) = v6.split_once(']').ok_or_else(|| bad("a ] is missing"))?;
                match after.strip_prefix(':') {
                    Some(p) => (h, port(p)?),
                    None if after.is_empty() => (h, DEFAULT_PORT),
                    None => return Err(bad("the port goes after a :")),
                }
            } else {
                match rest.rsplit_once(':') {
                    Some((h, p)) => (h, port(p)?),
                    None => (rest, DEFAULT_PORT),
                }
            };
            if host.is_empty() || host.contains(['/', ' ', '@']) {
                return Err(bad("name the printer's address after tcp://"));
            }
            return Ok(PrinterUrl::Tcp {
                host: host.to_owned(),
                port,
            });
        }
        if let Some(queue) = url.strip_prefix("cups://") {
            let queue = queue.trim_end_matches('/');
            if queue.is_empty()
                || !queue
                    .chars()
                    .all(|c| c.is_ascii_alphanumeric() || "_-.".contains(c))
            {
                return Err(bad("a CUPS queue is letters, digits, _, - or ."));
            }
            return Ok(PrinterUrl::Cups(queue.to_owned()));
        }
        let path = url.strip_prefix("file://").unwrap_or(url);
        if path.starts_with('/') && !path.ends_with('/') {
            return Ok(PrinterUrl::Device(PathBuf::from(path)));
        }
        Err(bad("unknown kind of address"))
    }
}

impl std::fmt::Display for PrinterUrl {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            PrinterUrl::Tcp { host, port } if host.contains(':') => {
                write!(f, "tcp://[{host}]:{port}")
            }
            PrinterUrl::Tcp { host, port } => write!(f, "tcp://{host}:{port}"),
            PrinterUrl::Device(p) => write!(f, "{}", p.display()),
            PrinterUrl::Cups(q) => write!(f, "cups://{q}"),
        }
    }
}

impl PrinterUrl {
    /// Sends `bytes`, each step bounded by `timeout`.
    pub fn send(&self, bytes: &[u8], timeout: Duration) -> Result<(), PrintError> {
        match self {
            PrinterUrl::Tcp { host, port } => send_tcp(host, *port, bytes, timeout),
            PrinterUrl::Device(path) => {
                let shown = path.display().to_string();
                let mut f = std::fs::OpenOptions::new()
                    .write(true)
                    .open(path)
                    .map_err(|e| PrintError::Device {
                        path: shown.clone(),
                        reason: e.to_string(),
                    })?;
                f.write_all(bytes)
                    .and_then(|()| f.flush())
                    .map_err(|e| PrintError::Write {
                        addr: shown,
                        reason: e.to_string(),
                    })
            }
            PrinterUrl::Cups(queue) => send_cups(queue, bytes),
        }
    }
}

fn send_tcp(host: &str, port: u16, bytes: &[u8], timeout: Duration) -> Result<(), PrintError> {
    let addr = if host.contains(':') {
        format!("[{host}]:{port}")
    } else {
        format!("{host}:{port}")
    };
    let connect = |reason: String| PrintError::Connect {
        addr: addr.clone(),
        reason,
    };
    let timed_out = || PrintError::Timeout {
        addr: addr.clone(),
        seconds: timeout.as_secs().max(1),
    };
    let targets: Vec<_> = (host, port)
        .to_socket_addrs()
        .map_err(|e| connect(format!("the name does not resolve ({e})")))?
        .collect();
    let mut last = connect("the name has no address".into());
    let mut stream = None;
    for target in targets {
        match TcpStream::connect_timeout(&target, timeout) {
            Ok(s) => {
                stream = Some(s);
                break;
            }
            Err(e) if e.kind() == std::io::ErrorKind::TimedOut => last = timed_out(),
            Err(e) => last = connect(e.to_string()),
        }
    }
    let mut stream = stream.ok_or(last)?;
    let write = |e: std::io::Error| match e.kind() {
        std::io::ErrorKind::TimedOut | std::io::ErrorKind::WouldBlock => timed_out(),
        _ => PrintError::Write {
            addr: addr.clone(),
            reason: e.to_string(),
        },
    };
    stream.set_write_timeout(Some(timeout)).map_err(write)?;
    stream.write_all(bytes).map_err(write)?;
    stream.flush().map_err(write)?;
    // Done writing: the printer sees the end of the job.
    let _ = stream.shutdown(std::net::Shutdown::Write);
    Ok(())
}

fn send_cups(queue: &str, bytes: &[u8]) -> Result<(), PrintError> {
    let fail = |reason: String| PrintError::Cups {
        queue: queue.to_owned(),
        reason,
    };
    let mut child = Command::new("lp")
        .args(["-d", queue, "-o", "raw"])
        .stdin(Stdio::piped())
        .stdout(Stdio::null())
        .stderr(Stdio::piped())
        .spawn()
        .map_err(|e| {
            fail(format!(
                "`lp` could not be started ({e}); is CUPS installed?"
            ))
        })?;
    if let Some(mut stdin) = child.stdin.take() {
        stdin
            .write_all(bytes)
            .map_err(|e| fail(format!("writing to `lp`: {e}")))?;
    }
    let out = child
        .wait_with_output()
        .map_err(|e| fail(format!("waiting for `lp`: {e}")))?;
    if out.status.success() {
        Ok(())
    } else {
        Err(fail(String::from_utf8_lossy(&out.stderr).trim().to_owned()))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn addresses_are_read_with_the_default_port() {
        let p = |s: &str| s.parse::<PrinterUrl>();
        assert_eq!(
            p("tcp://192.168.1.50"),
            Ok(PrinterUrl::Tcp {
                host: "192.168.1.50".into(),
                port: 9100
            })
        );
        assert_eq!(
            p("tcp://printer.local:9101/"),
            Ok(PrinterUrl::Tcp {
                host: "printer.local".into(),
                port: 9101
            })
        );
        assert_eq!(
            p("tcp://[::1]:9100"),
            Ok(PrinterUrl::Tcp {
                host: "::1".into(),
                port: 9100
            })
        );
        assert_eq!(
            p("/dev/usb/lp0"),
            Ok(PrinterUrl::Device("/dev/usb/lp0".into()))
        );
        assert_eq!(
            p("file:///dev/usb/lp0"),
            Ok(PrinterUrl::Device("/dev/usb/lp0".into()))
        );
        assert_eq!(
            p("cups://EPSON_TM"),
            Ok(PrinterUrl::Cups("EPSON_TM".into()))
        );
        for bad in [
            "",
            "tcp://",
            "tcp://host:0",
            "tcp://host:99999",
            "tcp://host:port",
            "http://printer",
            "cups://a b",
            "lp0",
        ] {
            assert!(matches!(p(bad), Err(PrintError::BadUrl { .. })), "{bad}");
        }
        assert_eq!(
            p("tcp://[::1]:9100").unwrap().to_string(),
            "tcp://[::1]:9100"
        );
    }

    #[test]
    fn a_printer_that_is_not_there_says_what_to_check() {
        // A port nobody listens on: bind one, note it, close it.
        let port = std::net::TcpListener::bind("127.0.0.1:0")
            .unwrap()
            .local_addr()
            .unwrap()
            .port();
        let url: PrinterUrl = format!("tcp://127.0.0.1:{port}").parse().unwrap();
        let err = url.send(b"x", Duration::from_secs(2)).unwrap_err();
        assert!(matches!(err, PrintError::Connect { .. }), "{err:?}");
        assert!(err.to_string().contains("port (usually 9100)"), "{err}");
        let dir = tempfile::tempdir().unwrap();
        let missing = PrinterUrl::Device(dir.path().join("lp9"));
        let err = missing.send(b"x", Duration::from_secs(1)).unwrap_err();
        assert!(matches!(err, PrintError::Device { .. }), "{err:?}");
        assert!(err.to_string().contains("plugged in"), "{err}");
    }

    #[test]
    fn a_device_file_gets_the_bytes() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("lp0");
        std::fs::write(&path, b"").unwrap();
        PrinterUrl::Device(path.clone())
            .send(b"\x1b@hello\n", Duration::from_secs(1))
            .unwrap();
        assert_eq!(std::fs::read(&path).unwrap(), b"\x1b@hello\n");
    }
}
