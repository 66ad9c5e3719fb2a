//! placeholder
pub mod clock;
pub mod money;
pub mod order;
pub mod qr;
pub mod sale;
