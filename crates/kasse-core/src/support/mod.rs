//! What support needs from a counter: the daily log files in the data directory (`logs`) and
//! the diagnostics zip a shop sends (`diagnostics`). Both shells set up their logging here, so
//! the files are named, kept and pruned one way; neither ever holds a secret or a PIN.

pub mod diagnostics;
pub mod logs;
