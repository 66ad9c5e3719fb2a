//! The sandbox as a running server: bind, serve, stop.

use std::net::SocketAddr;

use tokio::task::JoinHandle;

use crate::config::{is_valid_account_id, SandboxConfig};
use crate::control::Control;
use crate::error::SandboxError;
use crate::state::AppState;

/// A running sandbox. Stops when dropped (or with [`Sandbox::shutdown`]).
#[derive(Debug)]
pub struct Sandbox {
    state: AppState,
    addr: SocketAddr,
    task: Option<JoinHandle<()>>,
}

impl Sandbox {
    /// Bind `config.listen` and serve on the current tokio runtime.
    pub async fn start(config: SandboxConfig) -> Result<Sandbox, SandboxError> {
        let listen = config.listen;
        if !is_valid_account_id(&config.account_id) {
            return Err(SandboxError::InvalidAccountId(config.account_id));
        }
        let listener = tokio::net::TcpListener::bind(listen)
            .await
            .map_err(|source| SandboxError::Bind {
                addr: listen,
                source,
            })?;
        let addr = listener
            .local_addr()
            .map_err(|e| SandboxError::Startup(e.to_string()))?;
        let host = if addr.ip().is_unspecified() {
            SocketAddr::new([127, 0, 0, 1].into(), addr.port())
        } else {
            addr
        };
        let state = AppState::new(config, format!("http://{host}"))?;
        let router = crate::http::app(state.clone());
        let shutdown = state.shared.shutdown_signal();
        let task = tokio::spawn(crate::server::serve(
            listener,
            router,
            state.shared.clone(),
            shutdown,
        ));
        Ok(Sandbox {
            state,
            addr,
            task: Some(task),
        })
    }

    /// `http://127.0.0.1:PORT` (the loopback address when bound to all interfaces).
    pub fn base_url(&self) -> String {
        self.state.base_url().to_owned()
    }

    /// Where customers open the checkout: `http://PUBLIC_HOST:PORT` with
    /// [`SandboxConfig::public_host`], else [`Sandbox::base_url`].
    pub fn customer_url(&self) -> String {
        self.state.customer_url().to_owned()
    }

    /// The address actually bound.
    pub fn local_addr(&self) -> SocketAddr {
        self.addr
    }

    /// The control handle.
    pub fn control(&self) -> Control {
        self.state.control()
    }

    /// The configuration in force.
    pub fn config(&self) -> &SandboxConfig {
        &self.state.shared.config
    }

    /// Stop accepting, close all connections and stop callback deliveries.
    pub async fn shutdown(mut self) {
        self.state.shared.shutdown.send_replace(true);
        if let Some(task) = self.task.take() {
            let _ = task.await;
        }
    }
}

impl Drop for Sandbox {
    fn drop(&mut self) {
        self.state.shared.shutdown.send_replace(true);
    }
}
