//! dintero-client's integration tests, one binary (one link instead of one per file): the
//! client against scriptable mock servers (`client`) and against the in-process sandbox
//! (`against_sandbox`), the models against dintero-api.md's examples (`models`), and property
//! tests (`properties`, `decode_props`), with the shared set-up in `common`. Run one area with
//! a filter, e.g. `cargo test -p dintero-client --test it against_sandbox::faults::`. The log
//! tests (`tests/logs/`) are a binary of their own: they install a process-wide subscriber.

mod common;

mod against_sandbox;
mod client;
mod decode_props;
mod models;
mod properties;
