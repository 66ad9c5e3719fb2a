//! Kasse's engine: orders and money, the SQLite log, the payment watcher, operations and sync.
//!
//! No Tauri, no HTML: the desktop app and `kasse-cli` are thin shells over [`engine::Kasse`].
//! See ARCHITECTURE.md for the map and the invariants.

pub mod access;
pub mod allocate;
pub mod app;
pub mod cadence;
pub mod catalog;
pub mod clock;
pub mod display;
pub mod engine;
pub mod error;
pub mod lan;
pub mod link;
pub mod money;
pub mod order;
pub mod pay_window;
pub mod payment;
pub mod phone;
pub mod print;
pub mod printer;
pub mod products;
pub mod qr;
pub mod receipt;
pub mod report;
pub mod sale;
pub mod settings;
pub mod spreadsheet;
pub mod staff;
pub mod store;
pub mod support;
pub mod timeline;

pub use engine::{
    Charge, Kasse, KasseConfig, RefundSpec, SaleChange, SaleDetail, StoreRef, SyncReport,
};
pub use error::{CoreError, ErrorCode};
