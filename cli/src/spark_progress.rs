//! Structured Streaming's query progress, posted here and read by the page.
//! Spark's REST API reports no Structured Streaming query (SPARK-38234 was
//! never merged), so a query's `StreamingQueryListener` posts each
//! `StreamingQueryProgress` to `POST /spark/progress` (the exported jobs
//! do, and the README shows the lines for a user's own job), and the
//! dashboard at `?spark=1` reads them back from `GET /spark/progress`.
//!
//! The server keeps the newest [`KEPT`] reports, each numbered, so a page
//! asks only for what it has not seen (`?after=SEQ`); a report that is not
//! a query's progress is refused with why, and counted.

use std::collections::VecDeque;
use std::sync::{Arc, Mutex};

use axum::body::Bytes;
use axum::extract::{Query, State};
use axum::http::{header, HeaderMap, StatusCode};
use axum::response::{IntoResponse, Response};
use axum::routing::get;
use axum::{Json, Router};
use serde_json::{json, Value};

use crate::origin::OriginPolicy;

/// Where a listener posts and the page reads.
pub const PROGRESS_PATH: &str = "/spark/progress";
/// Reports kept: Spark's own UI keeps as many batches.
pub const KEPT: usize = 1000;
/// A report is a few KiB; one far larger is not one.
const MAX_BODY: usize = 256 * 1024;

#[derive(Default)]
struct Reports {
    /// The number the next report gets (the first is 1).
    next: u64,
    kept: VecDeque<(u64, Value)>,
    refused: u64,
}

#[derive(Clone)]
struct Progress {
    reports: Arc<Mutex<Reports>>,
    origins: Arc<OriginPolicy>,
}

#[derive(serde::Deserialize)]
struct After {
    #[serde(default)]
    after: u64,
}

/// `POST` (a listener, or a page `origins` admits) and `GET` of
/// [`PROGRESS_PATH`].
pub fn routes(origins: OriginPolicy) -> Router {
    let progress = Progress {
        reports: Arc::new(Mutex::new(Reports {
            next: 1,
            ..Reports::default()
        })),
        origins: Arc::new(origins),
    };
    Router::new()
        .route(PROGRESS_PATH, get(list).post(receive))
        .layer(axum::extract::DefaultBodyLimit::max(MAX_BODY))
        .with_state(progress)
}

async fn receive(State(p): State<Progress>, headers: HeaderMap, body: Bytes) -> Response {
    if let Err(refused) = p.origins.check(&headers) {
        return refused.into_response();
    }
    let mut reports = p.reports.lock().unwrap_or_else(|e| e.into_inner());
    match check(&body) {
        Ok(report) => {
            let seq = reports.next;
            reports.next += 1;
            reports.kept.push_back((seq, report));
            if reports.kept.len() > KEPT {
                reports.kept.pop_front();
            }
            (StatusCode::CREATED, format!("kept as report {seq}\n")).into_response()
        }
        Err(why) => {
            reports.refused += 1;
            let n = reports.refused;
            let message = format!("not a StreamingQueryProgress: {why} ({n} refused so far)\n");
            (StatusCode::BAD_REQUEST, message).into_response()
        }
    }
}

/// A report as a query's progress: a JSON object with the fields the page
/// reads, each of its type.
fn check(body: &[u8]) -> Result<Value, String> {
    let report: Value =
        serde_json::from_slice(body).map_err(|e| format!("the body is not JSON ({e})"))?;
    let Some(fields) = report.as_object() else {
        return Err("the body is not a JSON object".into());
    };
    for (name, ok) in [
        ("id", fields.get("id").is_some_and(Value::is_string)),
        ("batchId", fields.get("batchId").is_some_and(Value::is_u64)),
        (
            "timestamp",
            fields.get("timestamp").is_some_and(Value::is_string),
        ),
        (
            "numInputRows",
            fields.get("numInputRows").is_some_and(Value::is_u64),
        ),
    ] {
        if !ok {
            return Err(format!("no `{name}` of the right type"));
        }
    }
    Ok(report)
}

async fn list(State(p): State<Progress>, Query(after): Query<After>) -> Response {
    let reports = p.reports.lock().unwrap_or_else(|e| e.into_inner());
    let newer: Vec<Value> = reports
        .kept
        .iter()
        .filter(|(seq, _)| *seq > after.after)
        .map(|(seq, report)| json!({"seq": seq, "progress": report}))
        .collect();
    let mut response = Json(json!({
        "next": reports.next,
        "refused": reports.refused,
        "reports": newer,
    }))
    .into_response();
    response.headers_mut().insert(
        header::CACHE_CONTROL,
        header::HeaderValue::from_static("no-store"),
    );
    response
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_report_must_be_a_querys_progress() {
        let ok =
            br#"{"id":"q","batchId":3,"timestamp":"2026-12-04T10:00:00.000Z","numInputRows":5}"#;
        assert!(check(ok).is_ok());
        let why = check(b"[1]").unwrap_err();
        assert!(why.contains("not a JSON object"), "{why}");
        let why = check(br#"{"id":"q","batchId":-1}"#).unwrap_err();
        assert!(why.contains("`batchId`"), "{why}");
        let why = check(b"{\"id\":").unwrap_err();
        assert!(why.contains("not JSON"), "{why}");
    }
}
