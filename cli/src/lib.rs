//! The `sparklet` binary's library half: the server that hosts the dashboard
//! and the demo feeds.
//!
//! It is a library so that integration tests start the real server
//! in-process on `127.0.0.1:0` and speak real WebSocket to it, and so that
//! other commands (`bench`) can reuse the record generators. The binary
//! (`main.rs` and `commands/`) only parses arguments and prints addresses.
//!
//! - `server`: the router and `serve`.
//! - `dashboard`: the built page's static files, and the 404 that says how
//!   to build it.
//! - `feed`: the demo feeds, their parameters and their ground truth.
//! - `browser`: headless Chromium through chromedriver, for `bench` and
//!   the end-to-end tests.

pub mod browser;
pub mod feed;

mod dashboard;
mod server;

pub use server::{router, serve, serve_until};
