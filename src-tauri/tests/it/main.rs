//! The desktop shell's integration tests, one binary (one link): a module per subject, with
//! the mock-runtime harness they share in `harness`.

mod bindings;
mod capabilities;
mod catalog;
mod commands;
mod display;
mod fixtures;
mod harness;
mod ipc_props;
mod journal_start;
mod keyring;
mod secrets;
mod version;
