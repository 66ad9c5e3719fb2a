//! dintero-sandbox's integration tests, one binary (one link instead of one per file): each
//! module is one area of the simulator, over real HTTP or through `app()` without a socket,
//! with the shared set-up in `common`. Run one area with a filter, e.g.
//! `cargo test -p dintero-sandbox --test it transactions::`.

mod common;

mod auth;
mod behaviour;
mod binary;
mod callbacks;
mod control;
mod embed;
mod faults;
mod lifecycle;
mod listing;
mod malformed;
mod readme;
mod sessions;
mod state_machine;
mod transactions;
mod view;
