//! kasse-cli's integration tests, one binary: the real `kasse-cli` as a child process against
//! an in-process `dintero-sandbox` (the harness is `common`), checking the exact JSON Lines,
//! stderr and exit codes of the contract (DESIGN.md §4.3). Run one group with a filter, e.g.
//! `cargo test -p kasse-cli --test it operations::`; the crash suite is `crash::`.

mod common;

mod capture;
mod catalog;
mod charge;
mod crash;
mod demo;
mod journal;
mod listing;
mod operations;
mod pins;
mod receipt;
mod refusals;
mod report;
mod secrets;
mod support;
mod sync;
