//! The `sparklet` binary's library half: the server that hosts the dashboard
//! and the demo feeds.
//!
//! It is a library so that integration tests start the real server
//! in-process on `127.0.0.1:0` and speak real WebSocket to it, and so that
//! other commands (`bench`) can reuse the record generators. The binary
//! (`main.rs` and `commands/`) only parses arguments and prints addresses.
//!
//! - `server`: the router and `serve`, with the limits a server open to
//!   any web page needs (`ServerConfig`).
//! - `origin`: which web pages may use the server.
//! - `dashboard`: the built page's static files, and the 404 that says how
//!   to build it.
//! - `page_config`: what the server tells the page in its `<meta>` tags.
//! - `sink`: where the page's results go out (`--sink DIR`), one file per
//!   batch, each stored once.
//! - `feed`: the demo feeds, their parameters and their ground truth.
//! - `source`: the user's own data (TCP, files, directories, stdin) served
//!   as feeds.
//! - `export`: a pipeline written as a PySpark job (`sparklet export`).
//! - `browser`: headless Chromium through chromedriver, for `bench` and
//!   the end-to-end tests; `devtools`, a direct DevTools connection for
//!   the page's worker, which chromedriver does not reach.

pub mod browser;
pub mod devtools;
pub mod export;
pub mod feed;
pub mod origin;
pub mod page_config;
pub mod sink;
pub mod source;
pub mod spark_progress;
pub mod spark_relay;

mod dashboard;
mod server;

pub use server::{
    router, serve, serve_until, serve_with, ServerConfig, CONTENT_SECURITY_POLICY,
    HEADER_READ_TIMEOUT, MAX_CONNECTIONS, MAX_TRUTH_RECOUNTS,
};
