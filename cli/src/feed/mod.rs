//! The demo feeds: seeded, reproducible record streams over WebSocket, and
//! the ground truth to check a pipeline's results against.
//!
//! They exist so that Sparklet can be tried, tested and benchmarked without
//! any outside data source: every record is a pure function of
//! `(seed, index)`, so a test can ask the server how many times each word
//! occurred in the first `L` records and compare with what the page counted.
//!
//! - `rng`, `zipf`: the seeded randomness and the skewed choice it feeds.
//! - `words`, `events`: what a record looks like, per feed.
//! - `params`: the query parameters and their 400 messages.
//! - `pacing`, `socket`: how records go out on a connection.
//! - `truth`: the recomputed counts.

pub mod events;
pub mod params;
pub mod truth;
pub mod words;

mod pacing;
mod rng;
mod socket;
mod zipf;

use axum::extract::rejection::QueryRejection;
use axum::extract::ws::{rejection::WebSocketUpgradeRejection, WebSocketUpgrade};
use axum::extract::Query;
use axum::http::{header, StatusCode};
use axum::response::{IntoResponse, Response};
use axum::routing::get;
use axum::Router;

use params::FeedParams;

/// Which record generator a connection streams.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum FeedKind {
    Words,
    Events,
}

impl FeedKind {
    /// The URL path of this feed.
    pub fn path(self) -> &'static str {
        match self {
            FeedKind::Words => "/feed/words",
            FeedKind::Events => "/feed/events",
        }
    }
}

/// The feed and truth routes, to be merged into the server's router.
pub fn routes() -> Router {
    Router::new()
        .route(FeedKind::Words.path(), get(words_feed))
        .route(FeedKind::Events.path(), get(events_feed))
        .route("/feed/words/truth", get(truth::words))
        .route("/feed/events/truth", get(truth::events))
}

/// The raw query pairs; axum's own rejection text is kept if even that fails.
pub(crate) type Pairs = Result<Query<Vec<(String, String)>>, QueryRejection>;

async fn words_feed(
    ws: Result<WebSocketUpgrade, WebSocketUpgradeRejection>,
    query: Pairs,
) -> Response {
    open(FeedKind::Words, ws, query)
}

async fn events_feed(
    ws: Result<WebSocketUpgrade, WebSocketUpgradeRejection>,
    query: Pairs,
) -> Response {
    open(FeedKind::Events, ws, query)
}

/// Checks the parameters before the upgrade, so a bad URL is a 400 with a
/// message rather than a socket that closes for no visible reason.
fn open(
    kind: FeedKind,
    ws: Result<WebSocketUpgrade, WebSocketUpgradeRejection>,
    query: Pairs,
) -> Response {
    let params = match query {
        Ok(Query(pairs)) => FeedParams::parse(kind, &pairs),
        Err(rejection) => return (StatusCode::BAD_REQUEST, rejection.body_text()).into_response(),
    };
    let params = match params {
        Ok(params) => params,
        Err(err) => return err.into_response(),
    };
    match ws {
        Ok(ws) => ws.on_upgrade(move |socket| socket::stream(socket, kind, params)),
        Err(rejection) => (
            StatusCode::UPGRADE_REQUIRED,
            [(header::UPGRADE, "websocket")],
            format!(
                "{} is a WebSocket feed: connect with a WebSocket client (ws://HOST{}), \
                 not plain HTTP ({})\n",
                kind.path(),
                kind.path(),
                rejection.body_text()
            ),
        )
            .into_response(),
    }
}
