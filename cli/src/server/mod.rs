//! The HTTP server: the feed and sink routes, the dashboard behind them,
//! and what a hostile client may cost it.
//!
//! It takes a bound listener rather than an address, so the binary can print
//! the real address (port 0 picks one) and tests can run the same server
//! in-process on `127.0.0.1:0`.
//!
//! - `accept`: the accept loop (connection cap, header-read timeout,
//!   graceful shutdown).
//! - `headers`: the security headers on every response.

mod accept;
mod headers;

use std::future::Future;
use std::io;
use std::path::PathBuf;
use std::time::Duration;

use axum::Router;
use tokio::net::TcpListener;

use crate::origin::{AllowedOrigin, OriginPolicy};
use crate::page_config::PageConfig;
use crate::source::{Source, SourceSpec};
use crate::{dashboard, feed, sink, source};

pub use headers::CONTENT_SECURITY_POLICY;

/// Most TCP connections open at once, feed sockets included. Beyond it the
/// server stops accepting: new connections wait in the kernel's listen queue
/// until one closes (a browser shows a slow load, not an error). A person's
/// dashboards and feeds use a handful.
pub const MAX_CONNECTIONS: usize = 256;

/// Most truth recounts running at once; each can take a core for a minute.
/// Beyond it a truth request is answered 503 with `Retry-After`.
pub const MAX_TRUTH_RECOUNTS: usize = 2;

/// How long a client has to send a request's headers, from the moment the
/// server starts reading them. Also bounds an idle keep-alive connection:
/// hyper starts the clock when it waits for the next request.
pub const HEADER_READ_TIMEOUT: Duration = Duration::from_secs(10);

/// Who may use the server and how much of it one client can take. The
/// defaults suit `sparklet serve` on loopback; tests shrink the limits to
/// reach them quickly.
#[derive(Debug, Clone)]
pub struct ServerConfig {
    /// Pages allowed beyond the same-host rule (`--allow-origin`).
    pub allowed_origins: Vec<AllowedOrigin>,
    /// See [`MAX_CONNECTIONS`]; at least 1.
    pub max_connections: usize,
    /// See [`MAX_TRUTH_RECOUNTS`].
    pub max_truth_recounts: usize,
    /// See [`HEADER_READ_TIMEOUT`].
    pub header_read_timeout: Duration,
    /// Where each batch's output is stored (`--sink DIR`), if anywhere;
    /// see [`crate::sink`]. Checked at startup by [`crate::sink::prepare`].
    pub sink: Option<PathBuf>,
    /// The `--source`s, served at `/feed/NAME`; the first is the page's
    /// default feed.
    pub sources: Vec<SourceSpec>,
    /// Where sources keep what outlives the server (the Kafka journal);
    /// see [`source::default_state_dir`].
    pub state_dir: Option<PathBuf>,
    /// A Spark driver's UI whose REST API is relayed at `/spark/api/v1/`
    /// (`--spark URL`); see [`crate::spark_relay`].
    pub spark: Option<String>,
}

impl Default for ServerConfig {
    fn default() -> Self {
        Self {
            allowed_origins: Vec::new(),
            max_connections: MAX_CONNECTIONS,
            max_truth_recounts: MAX_TRUTH_RECOUNTS,
            header_read_timeout: HEADER_READ_TIMEOUT,
            sink: None,
            sources: Vec::new(),
            state_dir: source::default_state_dir(),
            spark: None,
        }
    }
}

/// Every route: the feeds, the started `sources` and the sink first, then
/// the dashboard's files at `/` (or, with `dist` `None`, a 404 explaining
/// that this is a feeds-only server), all with the security headers.
pub fn router(dist: Option<PathBuf>, config: &ServerConfig, sources: &[Source]) -> Router {
    let policy = OriginPolicy::new(config.allowed_origins.clone());
    let feeds = feed::routes(policy.clone(), config.max_truth_recounts)
        .merge(source::routes(sources, std::sync::Arc::new(policy.clone())))
        .merge(sink::routes(config.sink.clone(), policy.clone()))
        .merge(crate::spark_relay::routes(config.spark.clone()))
        .merge(crate::spark_progress::routes(policy));
    let app = match dist {
        Some(dist) => feeds.merge(dashboard::router(dist, PageConfig::of(config))),
        None => feeds.fallback(dashboard::feeds_only),
    };
    app.layer(axum::middleware::map_response(headers::secure))
}

/// Serves on `listener` with the default configuration until the process
/// ends.
pub async fn serve(listener: TcpListener, dist: Option<PathBuf>) -> io::Result<()> {
    serve_with(listener, dist, ServerConfig::default()).await
}

/// Serves on `listener` with `config` until the process ends.
pub async fn serve_with(
    listener: TcpListener,
    dist: Option<PathBuf>,
    config: ServerConfig,
) -> io::Result<()> {
    serve_until(listener, dist, config, std::future::pending()).await
}

/// Serves on `listener` until `shutdown` completes, then stops accepting and
/// lets plain HTTP requests in flight finish. Feed sockets are not waited
/// for: an unlimited feed never ends on its own.
pub async fn serve_until(
    listener: TcpListener,
    dist: Option<PathBuf>,
    config: ServerConfig,
    shutdown: impl Future<Output = ()> + Send + 'static,
) -> io::Result<()> {
    let sources = source::start(&config.sources, config.state_dir.as_deref())?;
    let app = router(dist, &config, &sources);
    accept::run(listener, app, &config, shutdown).await
}
