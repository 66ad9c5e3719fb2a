//! Transport: one `reqwest` pool, request execution, retries, token handling and tracing.

mod call;
mod inner;
mod send;
#[cfg(test)]
mod tests;
mod token;

pub(crate) use call::{Call, Collection, RawResponse};
pub(crate) use inner::Inner;
