//! Sources: the data a person already has (a TCP line server, a file that
//! grows, a directory that receives files, standard input), served at
//! `/feed/NAME` with the demo feeds' protocol, so the page reads any of
//! them as it reads a feed: frames of whole records, the hello that
//! announces exact resume with `from=`, and `{"rate": N}`.
//!
//! Each source has one reader thread (these are blocking reads of files,
//! sockets and stdin) that appends whole lines to the source's
//! [`RecordLog`]; every connection reads the log from its own offset.
//!
//! - `spec`: `NAME=URI` as given on the command line.
//! - `lines`, `reader`: bytes into lines, with the line-length cap.
//! - `log`: the bounded record log connections resume from.
//! - `tcp`, `file`, `dir`, `stdin`, `kafka`: the readers; `journal`: the
//!   Kafka offsets already served, for exact resume after a restart.
//! - `params`, `socket`: one connection on a source.

mod dir;
mod file;
mod journal;
mod kafka;
mod lines;
mod log;
mod params;
mod reader;
mod socket;
mod spec;
mod stdin;
mod tcp;

use std::path::{Path, PathBuf};
use std::sync::Arc;

use axum::extract::ws::{rejection::WebSocketUpgradeRejection, WebSocketUpgrade};
use axum::extract::Query;
use axum::http::{header, HeaderMap, StatusCode};
use axum::response::{IntoResponse, Response};
use axum::routing::get;
use axum::{Json, Router};

use crate::feed::{Pairs, MAX_CLIENT_MESSAGE};
use crate::origin::OriginPolicy;

pub use lines::MAX_LINE;
pub use log::{Figures, RecordLog, MAX_BYTES, MAX_RECORDS};
pub use params::{SourceParams, DEFAULT_FRAME};
pub use spec::{check_all, SourceSpec, SourceUri, SpecError};

/// A started source.
#[derive(Debug, Clone)]
pub struct Source {
    pub name: String,
    pub uri: SourceUri,
    pub log: Arc<RecordLog>,
}

impl Source {
    /// The URL path the source is served at.
    pub fn path(&self) -> String {
        format!("/feed/{}", self.name)
    }
}

/// Starts a reader thread for each source; a Kafka source keeps its
/// journal in `state_dir` (none: it resumes only while the server runs).
/// The readers stop when the server drops its sources (a reader blocked
/// on standard input stays until the input closes or the process ends).
pub fn start(specs: &[SourceSpec], state_dir: Option<&Path>) -> std::io::Result<Vec<Source>> {
    let mut started = Vec::new();
    for spec in specs {
        let log = Arc::new(RecordLog::default());
        let reader_log = log.clone();
        let uri = spec.uri.clone();
        let journal = match &uri {
            SourceUri::Kafka { brokers, topic } => {
                state_dir.map(|dir| journal_path(dir, brokers, topic))
            }
            _ => None,
        };
        std::thread::Builder::new()
            .name(format!("source {}", spec.name))
            .spawn(move || match uri {
                SourceUri::Tcp { host, port } => tcp::run(reader_log, &host, port),
                SourceUri::File { path, from_end } => file::run(reader_log, &path, from_end),
                SourceUri::Dir { path } => dir::run(reader_log, &path),
                SourceUri::Stdin => stdin::run(reader_log),
                SourceUri::Kafka { brokers, topic } => {
                    kafka::run(reader_log, &brokers, &topic, journal.as_deref())
                }
            })?;
        started.push(Source {
            name: spec.name.clone(),
            uri: spec.uri.clone(),
            log,
        });
    }
    Ok(started)
}

/// Where the journal of a topic on some brokers lives in `state_dir`.
fn journal_path(state_dir: &Path, brokers: &[String], topic: &str) -> PathBuf {
    let at: String = brokers
        .join(",")
        .chars()
        .map(|c| {
            if c.is_ascii_alphanumeric() || c == '.' {
                c
            } else {
                '_'
            }
        })
        .collect();
    state_dir.join(format!("kafka-{at}-{topic}.journal"))
}

/// Where sources keep what must outlive the server (the Kafka journal):
/// `$SPARKLET_STATE_DIR`, else `$XDG_STATE_HOME/sparklet`, else
/// `~/.local/state/sparklet`.
pub fn default_state_dir() -> Option<PathBuf> {
    let var = |name| {
        std::env::var_os(name)
            .filter(|v| !v.is_empty())
            .map(PathBuf::from)
    };
    var("SPARKLET_STATE_DIR")
        .or_else(|| var("XDG_STATE_HOME").map(|d| d.join("sparklet")))
        .or_else(|| var("HOME").map(|d| d.join(".local/state/sparklet")))
}

/// `/feed/NAME` for each source, and `/sources` listing them with their
/// figures; pages `origins` refuses get 403.
pub fn routes(sources: &[Source], origins: Arc<OriginPolicy>) -> Router {
    let mut router = Router::new();
    for source in sources {
        let (one, policy) = (source.clone(), origins.clone());
        router = router.route(
            &source.path(),
            get(
                move |headers: HeaderMap, ws: Upgrade, query: Pairs| async move {
                    open(&one, &policy, &headers, ws, query)
                },
            ),
        );
    }
    let listed = sources.to_vec();
    router.route(
        "/sources",
        get(move |headers: HeaderMap| async move { list(&listed, &origins, &headers) }),
    )
}

type Upgrade = Result<WebSocketUpgrade, WebSocketUpgradeRejection>;

/// One source as `/sources` lists it.
#[derive(serde::Serialize)]
struct Listed {
    name: String,
    uri: String,
    path: String,
    #[serde(flatten)]
    figures: Figures,
}

fn list(sources: &[Source], origins: &OriginPolicy, headers: &HeaderMap) -> Response {
    if let Err(refused) = origins.check(headers) {
        return refused.into_response();
    }
    let listed: Vec<Listed> = sources
        .iter()
        .map(|s| Listed {
            name: s.name.clone(),
            uri: s.uri.to_string(),
            path: s.path(),
            figures: s.log.figures(),
        })
        .collect();
    Json(listed).into_response()
}

fn open(
    source: &Source,
    origins: &OriginPolicy,
    headers: &HeaderMap,
    ws: Upgrade,
    query: Pairs,
) -> Response {
    if let Err(refused) = origins.check(headers) {
        return refused.into_response();
    }
    let params = match query {
        Ok(Query(pairs)) => SourceParams::parse(&pairs),
        Err(rejection) => return (StatusCode::BAD_REQUEST, rejection.body_text()).into_response(),
    };
    let params = match params {
        Ok(params) => params,
        Err(err) => return err.into_response(),
    };
    match ws {
        Ok(ws) => {
            let log = source.log.clone();
            ws.max_message_size(MAX_CLIENT_MESSAGE)
                .max_frame_size(MAX_CLIENT_MESSAGE)
                .on_upgrade(move |socket| socket::stream(socket, log, params))
        }
        Err(rejection) => (
            StatusCode::UPGRADE_REQUIRED,
            [(header::UPGRADE, "websocket")],
            format!(
                "{} is a WebSocket feed of the source {} ({}): connect with a WebSocket \
                 client, not plain HTTP ({})\n",
                source.path(),
                source.name,
                source.uri,
                rejection.body_text()
            ),
        )
            .into_response(),
    }
}
