//! The accept loop: one hyper HTTP/1.1 connection per accepted socket (keep-alive), so a
//! request can make its own connection go away unanswered (fault `drop`).

use std::net::SocketAddr;
use std::sync::atomic::Ordering;
use std::sync::Arc;

use axum::body::Body;
use axum::Router;
use hyper::body::Incoming;
use hyper_util::rt::TokioIo;
use tokio::net::{TcpListener, TcpStream};
use tokio::sync::{watch, Notify};
use tower::ServiceExt as _;

use crate::state::Shared;

/// Put in every request's extensions: lets a handler close its connection without answering.
#[derive(Debug, Clone)]
pub struct ConnectionKill(Arc<Notify>);

impl ConnectionKill {
    /// Close the connection; the pending response is never written.
    pub fn kill(&self) {
        self.0.notify_one();
    }
}

/// The peer address of the connection a request came on.
#[derive(Debug, Clone, Copy)]
pub struct PeerAddr(pub SocketAddr);

/// Accept connections until `shutdown` turns true.
pub(crate) async fn serve(
    listener: TcpListener,
    router: Router,
    shared: Arc<Shared>,
    mut shutdown: watch::Receiver<bool>,
) {
    loop {
        tokio::select! {
            accepted = listener.accept() => match accepted {
                Ok((stream, peer)) => {
                    shared.stats.accepted_connections.fetch_add(1, Ordering::Relaxed);
                    tokio::spawn(connection(stream, peer, router.clone(), shutdown.clone()));
                }
                Err(e) => {
                    // Out of file descriptors and the like: back off a little and go on.
                    tracing::warn!(error = %e, "accept failed");
                    tokio::time::sleep(std::time::Duration::from_millis(20)).await;
                }
            },
            _ = shutdown.changed() => return,
        }
        if *shutdown.borrow() {
            return;
        }
    }
}

async fn connection(
    stream: TcpStream,
    peer: SocketAddr,
    router: Router,
    mut shutdown: watch::Receiver<bool>,
) {
    let _ = stream.set_nodelay(true);
    let kill = Arc::new(Notify::new());
    let handle = ConnectionKill(kill.clone());
    let service = hyper::service::service_fn(move |mut req: hyper::Request<Incoming>| {
        req.extensions_mut().insert(handle.clone());
        req.extensions_mut().insert(PeerAddr(peer));
        router.clone().oneshot(req.map(Body::new))
    });
    let conn = hyper::server::conn::http1::Builder::new()
        .keep_alive(true)
        .serve_connection(TokioIo::new(stream), service);
    tokio::select! {
        result = conn => {
            if let Err(e) = result {
                tracing::debug!(error = %e, %peer, "connection ended with an error");
            }
        }
        // Dropping `conn` closes the socket without writing the pending response.
        _ = kill.notified() => tracing::debug!(%peer, "connection dropped by a fault rule"),
        _ = shutdown.changed() => {}
    }
}
