//! The truth endpoints over HTTP: who may read them, how many run at once,
//! and stopping one whose client has gone.
//!
//! A recount of the largest allowed prefix is about a minute of one core,
//! so any page could otherwise keep the machine busy with a few requests.
//! Recounts run on the blocking pool under a small semaphore; the handler
//! holds a guard that raises a cancel flag when it is dropped (hyper drops
//! it when the client disconnects), and the recount loop looks at the flag
//! as it goes. The permit goes with the recount, not the handler, so a slot
//! is free again only when the CPU is.

use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::Arc;

use axum::extract::Query;
use axum::http::header::{ACCESS_CONTROL_ALLOW_ORIGIN, ORIGIN, RETRY_AFTER, VARY};
use axum::http::{HeaderMap, HeaderValue, StatusCode};
use axum::response::{IntoResponse, Response};
use axum::Json;
use serde::Serialize;
use tokio::sync::Semaphore;

use super::params::TruthParams;
use super::{FeedKind, Pairs};
use crate::origin::OriginPolicy;

/// What a busy server asks the client to wait before trying again.
const RETRY_AFTER_SECS: &str = "2";

/// The recounts' budget: one permit per recount running.
#[derive(Clone)]
pub(super) struct Recounts {
    slots: Arc<Semaphore>,
    most: usize,
}

impl Recounts {
    pub(super) fn new(most: usize) -> Self {
        Self {
            slots: Arc::new(Semaphore::new(most)),
            most,
        }
    }
}

/// Raises the flag when dropped: when the handler's future is dropped
/// before the recount finishes, nobody will read its answer.
struct CancelOnDrop(Arc<AtomicBool>);

impl Drop for CancelOnDrop {
    fn drop(&mut self) {
        self.0.store(true, Ordering::Relaxed);
    }
}

/// Answers a truth request from a page `origins` admits, echoing its origin
/// for CORS (never `*`: the truth of a local server is not every site's).
pub(super) async fn answer<T, F>(
    kind: FeedKind,
    origins: &OriginPolicy,
    recounts: &Recounts,
    headers: &HeaderMap,
    query: Pairs,
    count: F,
) -> Response
where
    T: Serialize + Send + 'static,
    F: FnOnce(&TruthParams, &AtomicBool) -> Option<T> + Send + 'static,
{
    let mut response = match origins.check(headers) {
        Err(refused) => refused.into_response(),
        Ok(cors) => {
            let mut response = recount(kind, recounts, query, count).await;
            if let Some(origin) = cors {
                response
                    .headers_mut()
                    .insert(ACCESS_CONTROL_ALLOW_ORIGIN, origin);
            }
            response
        }
    };
    // The answer differs by Origin, so no cache may hand one page's to another.
    response
        .headers_mut()
        .append(VARY, HeaderValue::from_static(ORIGIN.as_str()));
    response
}

/// Parses the parameters, then recounts on the blocking pool: a large limit
/// is seconds of CPU that must not stall the feeds sharing the runtime.
async fn recount<T, F>(kind: FeedKind, recounts: &Recounts, query: Pairs, count: F) -> Response
where
    T: Serialize + Send + 'static,
    F: FnOnce(&TruthParams, &AtomicBool) -> Option<T> + Send + 'static,
{
    let params = match query {
        Ok(Query(pairs)) => TruthParams::parse(kind, &pairs),
        Err(rejection) => return (StatusCode::BAD_REQUEST, rejection.body_text()).into_response(),
    };
    let params = match params {
        Ok(params) => params,
        Err(err) => return err.into_response(),
    };
    let Ok(slot) = recounts.slots.clone().try_acquire_owned() else {
        return busy(recounts.most);
    };
    let cancelled = Arc::new(AtomicBool::new(false));
    let _cancel_when_dropped = CancelOnDrop(cancelled.clone());
    let recounting = tokio::task::spawn_blocking(move || {
        let _slot = slot;
        count(&params, &cancelled)
    });
    match recounting.await {
        Ok(Some(counts)) => Json(counts).into_response(),
        // Only this handler raises the flag, and only once dropped.
        Ok(None) => (StatusCode::INTERNAL_SERVER_ERROR, "recount cancelled\n").into_response(),
        Err(err) => (
            StatusCode::INTERNAL_SERVER_ERROR,
            format!("recount failed: {err}\n"),
        )
            .into_response(),
    }
}

fn busy(most: usize) -> Response {
    (
        StatusCode::SERVICE_UNAVAILABLE,
        [(RETRY_AFTER, RETRY_AFTER_SECS)],
        format!(
            "busy: {most} truth recounts are running, the most this server runs at once; \
             try again in {RETRY_AFTER_SECS} s\n"
        ),
    )
        .into_response()
}
