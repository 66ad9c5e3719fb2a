//! No secret, token or `Authorization` header ever reaches a log line: the client against a
//! mock (`mock`) and a full flow against the in-process sandbox (`sandbox`), with every log
//! line of the process captured at TRACE. A binary of its own: it installs the process-wide
//! subscriber (`dintero_sandbox::LogCapture`), which the two tests share (each checks the lines of both).

#[path = "../it/common/mod.rs"]
mod common;

mod mock;
mod sandbox;
