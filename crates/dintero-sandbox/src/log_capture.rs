//! Every log line of a test process, captured at TRACE: what the secret-redaction tests (the
//! client's and the desktop app's) search for a client secret or an access token. Only with
//! the `testing` feature; the subscriber is process-wide, so each test binary installs it once.

use std::io::Write;
use std::sync::{Arc, Mutex, OnceLock, PoisonError};

/// What the process has logged since [`LogCapture::install`], at every level, spans opening and
/// closing included, without colours.
#[derive(Clone, Debug, Default)]
pub struct LogCapture(Arc<Mutex<Vec<u8>>>);

impl LogCapture {
    /// Installs the process-wide TRACE subscriber the first time (a later call gets the same
    /// capture). Panics if another subscriber was installed first: the capture would miss lines.
    pub fn install() -> LogCapture {
        static CAPTURE: OnceLock<LogCapture> = OnceLock::new();
        CAPTURE
            .get_or_init(|| {
                let capture = LogCapture::default();
                let writer = capture.clone();
                tracing_subscriber::fmt()
                    .with_max_level(tracing::Level::TRACE)
                    .with_span_events(
                        tracing_subscriber::fmt::format::FmtSpan::NEW
                            | tracing_subscriber::fmt::format::FmtSpan::CLOSE,
                    )
                    .with_ansi(false)
                    .with_writer(move || writer.clone())
                    .try_init()
                    .expect("the log capture is the process's only subscriber");
                capture
            })
            .clone()
    }

    /// Everything written so far.
    pub fn bytes(&self) -> Vec<u8> {
        self.0
            .lock()
            .unwrap_or_else(PoisonError::into_inner)
            .clone()
    }

    /// Everything written so far, as text (lossy where a line is not UTF-8).
    pub fn text(&self) -> String {
        String::from_utf8_lossy(&self.bytes()).into_owned()
    }
}

impl Write for LogCapture {
    fn write(&mut self, bytes: &[u8]) -> std::io::Result<usize> {
        self.0
            .lock()
            .unwrap_or_else(PoisonError::into_inner)
            .extend_from_slice(bytes);
        Ok(bytes.len())
    }

    fn flush(&mut self) -> std::io::Result<()> {
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_level_is_captured_once_installed() {
        let capture = LogCapture::install();
        tracing::trace!(marker = "finest-7f3a", "a trace line");
        let again = LogCapture::install();
        assert!(capture.text().contains("finest-7f3a"), "{}", capture.text());
        assert_eq!(again.bytes(), capture.bytes(), "one capture per process");
    }
}
