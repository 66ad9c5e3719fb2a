//! Transport: one `reqwest` pool, request execution, retries, token handling and tracing.

/// The span of one request to Dintero: `name`, its method and path, and the fields
/// `send::finish_span` records once it is done (status, latency, attempts).
macro_rules! call_span {
    ($name:literal, $method:expr, $path:expr) => {
        tracing::info_span!(
            $name,
            method = %$method,
            path = %$path,
            status = tracing::field::Empty,
            latency_ms = tracing::field::Empty,
            attempt = tracing::field::Empty,
        )
    };
}

mod call;
mod inner;
mod send;
#[cfg(test)]
mod tests;
mod token;

pub use call::MAX_BODY;
pub(crate) use call::{Call, Collection, RawResponse};
pub(crate) use inner::Inner;
