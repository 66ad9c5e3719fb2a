//! placeholder
pub mod money;
pub mod order;
pub mod qr;
