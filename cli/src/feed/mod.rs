//! The demo feeds: seeded, reproducible record streams over WebSocket, and
//! the ground truth to check a pipeline's results against.
//!
//! They exist so that Sparklet can be tried, tested and benchmarked without
//! any outside data source: every record is a pure function of
//! `(seed, index)`, so a test can ask the server how many times each word
//! occurred in the first `L` records and compare with what the page counted.
//!
//! - `rng`, `zipf`: the seeded randomness and the skewed choice it feeds.
//! - `words`, `events`: what a record looks like, per feed; `disorder`:
//!   the events' event times when they come out of order.
//! - `params`: the query parameters and their 400 messages.
//! - `pacing`, `socket`: how records go out on a connection; `cycle`: the
//!   words feed's text, made once and sent again.
//! - `truth`: the recomputed counts; `recount`: their endpoints.

pub mod disorder;
pub mod events;
pub mod params;
pub mod truth;
pub mod words;

pub(crate) mod cycle;
pub(crate) mod flow;
pub(crate) mod pacing;
mod recount;
mod rng;
pub(crate) mod socket;
mod zipf;

use std::sync::Arc;

use axum::extract::rejection::QueryRejection;
use axum::extract::ws::{rejection::WebSocketUpgradeRejection, WebSocketUpgrade};
use axum::extract::{Query, State};
use axum::http::{header, HeaderMap, StatusCode};
use axum::response::{IntoResponse, Response};
use axum::routing::get;
use axum::Router;

use crate::origin::OriginPolicy;
use params::{FeedParams, TruthParams};

pub use socket::{hello, MAX_CLIENT_MESSAGE};

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

/// What the feed handlers share: who may use them, and the recounts'
/// budget.
#[derive(Clone)]
struct Feeds {
    origins: Arc<OriginPolicy>,
    recounts: recount::Recounts,
}

/// The feed and truth routes, to be merged into the server's router: pages
/// `origins` refuses get 403, and at most `max_recounts` truth recounts run
/// at once.
pub fn routes(origins: OriginPolicy, max_recounts: usize) -> Router {
    let feeds = Feeds {
        origins: Arc::new(origins),
        recounts: recount::Recounts::new(max_recounts),
    };
    Router::new()
        .route(FeedKind::Words.path(), get(words_feed))
        .route(FeedKind::Events.path(), get(events_feed))
        .route("/feed/words/truth", get(words_truth))
        .route("/feed/events/truth", get(events_truth))
        .with_state(feeds)
}

/// The raw query pairs; axum's own rejection text is kept if even that fails.
pub(crate) type Pairs = Result<Query<Vec<(String, String)>>, QueryRejection>;

type Upgrade = Result<WebSocketUpgrade, WebSocketUpgradeRejection>;

async fn words_feed(
    State(feeds): State<Feeds>,
    headers: HeaderMap,
    ws: Upgrade,
    query: Pairs,
) -> Response {
    open(FeedKind::Words, &feeds, &headers, ws, query)
}

async fn events_feed(
    State(feeds): State<Feeds>,
    headers: HeaderMap,
    ws: Upgrade,
    query: Pairs,
) -> Response {
    open(FeedKind::Events, &feeds, &headers, ws, query)
}

async fn words_truth(State(feeds): State<Feeds>, headers: HeaderMap, query: Pairs) -> Response {
    let count = |p: &TruthParams, cancelled: &_| {
        truth::word_counts_unless(p.seed, p.limit, p.vocab, cancelled)
    };
    recount::answer(
        FeedKind::Words,
        &feeds.origins,
        &feeds.recounts,
        &headers,
        query,
        count,
    )
    .await
}

async fn events_truth(State(feeds): State<Feeds>, headers: HeaderMap, query: Pairs) -> Response {
    let count = |p: &TruthParams, cancelled: &_| truth::events_truth(p, cancelled);
    recount::answer(
        FeedKind::Events,
        &feeds.origins,
        &feeds.recounts,
        &headers,
        query,
        count,
    )
    .await
}

/// Checks the page and the parameters before the upgrade, so a refusal is
/// a 403 or 400 with a message rather than a socket that closes for no
/// visible reason.
fn open(kind: FeedKind, feeds: &Feeds, headers: &HeaderMap, ws: Upgrade, query: Pairs) -> Response {
    if let Err(refused) = feeds.origins.check(headers) {
        return refused.into_response();
    }
    let params = match query {
        Ok(Query(pairs)) => FeedParams::parse(kind, &pairs),
        Err(rejection) => return (StatusCode::BAD_REQUEST, rejection.body_text()).into_response(),
    };
    let params = match params {
        Ok(params) => params,
        Err(err) => return err.into_response(),
    };
    match ws {
        // The only message a client sends is `{"rate": N}`: anything
        // larger is refused before it is buffered.
        Ok(ws) => ws
            .max_message_size(MAX_CLIENT_MESSAGE)
            .max_frame_size(MAX_CLIENT_MESSAGE)
            .on_upgrade(move |socket| socket::stream(socket, kind, params)),
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
