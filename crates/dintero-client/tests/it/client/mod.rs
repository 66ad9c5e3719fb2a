//! The client against local mock servers over real HTTP: one module per area, with the mock's
//! everyday answer here.

mod answers;
mod calls;
mod headers;
mod limits;
mod token;
mod transport;

use std::sync::atomic::Ordering;
use std::time::{Duration, Instant};

use crate::common::{
    at_once, fixture, pages_of, transaction, unknown_outcome, Mock, Reply, ACCOUNT, CLIENT_ID,
    SECRET, WITH_SESSION,
};
use base64::Engine as _;
use dintero_client::{
    AccountId, CaptureRequest, Client, Config, Environment, Error, Order, OrderItem, RefundRequest,
    RetryPolicy, SessionCreateRequest, SessionInclude, TransactionInclude, TransactionQuery,
    TransactionStatus,
};
use rust_decimal::Decimal;
use tokio::io::{AsyncReadExt, AsyncWriteExt};

fn ok_transaction(_: &crate::common::Recorded, _: usize) -> Reply {
    Reply::json(200, transaction("T12345678.abc", "AUTHORIZED"))
}
