//! No secret, token or `Authorization` header ever reaches a log line: the client against a
//! mock (`mock`) and a full flow against the in-process sandbox (`sandbox`), with every log
//! line of the process captured at TRACE. A binary of its own: it installs the process-wide
//! subscriber, which the two tests share (each checks the lines of both).

#[path = "../it/common/mod.rs"]
mod common;

mod mock;
mod sandbox;

use std::io::Write;
use std::sync::{Arc, Mutex, OnceLock};

/// Every log line written since the subscriber was installed.
#[derive(Clone, Default)]
struct Buffer(Arc<Mutex<Vec<u8>>>);

impl Buffer {
    fn text(&self) -> String {
        String::from_utf8(self.0.lock().unwrap().clone()).unwrap()
    }
}

impl Write for Buffer {
    fn write(&mut self, bytes: &[u8]) -> std::io::Result<usize> {
        self.0.lock().unwrap().extend_from_slice(bytes);
        Ok(bytes.len())
    }
    fn flush(&mut self) -> std::io::Result<()> {
        Ok(())
    }
}

/// Installs the TRACE subscriber once (spans on creation and close, no colours) and returns
/// what it writes to.
fn capture() -> Buffer {
    static BUFFER: OnceLock<Buffer> = OnceLock::new();
    BUFFER
        .get_or_init(|| {
            let buffer = Buffer::default();
            let writer = buffer.clone();
            tracing_subscriber::fmt()
                .with_max_level(tracing::Level::TRACE)
                .with_span_events(
                    tracing_subscriber::fmt::format::FmtSpan::NEW
                        | tracing_subscriber::fmt::format::FmtSpan::CLOSE,
                )
                .with_ansi(false)
                .with_writer(move || writer.clone())
                .try_init()
                .expect("the only subscriber in this binary");
            buffer
        })
        .clone()
}
