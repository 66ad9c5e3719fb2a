//! kasse-core's integration tests, one binary (one link instead of one per file): each module
//! is what was a test file, with the shared harnesses `engine_common` (an engine over an
//! in-process sandbox), `store_common` (logs and events) and `money_common` (strategies and
//! the reference rounding). Run one group with a filter, e.g.
//! `cargo test -p kasse-core --test it engine_ops::`. The fault suite (`tests/faults/`) stays a
//! binary of its own: it measures timeouts and API cost, and must not share the CPU with these.

mod engine_common;
mod money_common;
mod store_common;

mod catalog;
mod display_lan;
mod engine_capture;
mod engine_chaos;
mod engine_display;
mod engine_faults;
mod engine_flows;
mod engine_guard;
mod engine_link;
mod engine_ops;
mod engine_sync;
mod engine_unwatched;
mod import_props;
mod journal_check;
mod money_props;
mod money_units;
mod order_discounts;
mod order_json;
mod order_props;
mod qr_render;
mod report_worked;
mod store_blobs;
mod store_compact;
mod store_journal;
mod store_list;
mod store_list_exact;
mod store_migrations;
mod store_perf;
mod store_projection;
mod store_settings;
mod tamper;
