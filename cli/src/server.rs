//! The HTTP server: the feed routes, and the dashboard behind them.
//!
//! It takes a bound listener rather than an address, so the binary can print
//! the real address (port 0 picks one) and tests can run the same server
//! in-process on `127.0.0.1:0`.

use std::future::Future;
use std::io;
use std::path::PathBuf;

use axum::Router;
use tokio::net::TcpListener;

use crate::{dashboard, feed};

/// Every route: the feeds first, then the dashboard's files at `/` (or,
/// with `dist` `None`, a 404 explaining that this is a feeds-only server).
pub fn router(dist: Option<PathBuf>) -> Router {
    let feeds = feed::routes();
    match dist {
        Some(dist) => feeds.merge(dashboard::router(dist)),
        None => feeds.fallback(dashboard::feeds_only),
    }
}

/// Serves on `listener` until the process ends.
pub async fn serve(listener: TcpListener, dist: Option<PathBuf>) -> io::Result<()> {
    serve_until(listener, dist, std::future::pending()).await
}

/// Serves on `listener` until `shutdown` completes, then stops accepting and
/// lets plain HTTP requests in flight finish. Feed sockets are not waited
/// for: an unlimited feed never ends on its own.
pub async fn serve_until(
    listener: TcpListener,
    dist: Option<PathBuf>,
    shutdown: impl Future<Output = ()> + Send + 'static,
) -> io::Result<()> {
    axum::serve(listener, router(dist))
        .with_graceful_shutdown(shutdown)
        .await
}
