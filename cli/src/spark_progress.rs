//! Structured Streaming's query progress, posted here and read by the page.
//! Spark's REST API reports no Structured Streaming query (SPARK-38234 was
//! never merged), so a query's `StreamingQueryListener` posts each
//! `StreamingQueryProgress` to `POST /spark/progress` (the exported jobs
//! do, and the README shows the lines for a user's own job), and the
//! dashboard at `?spark=1` reads them back from `GET /spark/progress`.
//!
//! The server keeps the newest [`KEPT`] reports, each numbered, so a page
//! asks only for what it has not seen (`?after=SEQ`). It keeps only the
//! fields the page reads, each checked: what it holds stays small whatever
//! is posted, and what the page reads always parses. A report that is not
//! a query's progress is refused with why, and counted.

use std::collections::VecDeque;
use std::sync::{Arc, Mutex};

use axum::body::Bytes;
use axum::extract::{Query, State};
use axum::http::{header, HeaderMap, StatusCode};
use axum::response::{IntoResponse, Response};
use axum::routing::get;
use axum::{Json, Router};
use serde_json::{json, Map, Value};

use crate::origin::OriginPolicy;

/// Where a listener posts and the page reads.
pub const PROGRESS_PATH: &str = "/spark/progress";
/// Reports kept: Spark's own UI keeps as many batches.
pub const KEPT: usize = 1000;
/// A report is a few KiB; one far larger is not one.
const MAX_BODY: usize = 64 * 1024;
/// Entries of a report's `durationMs` and `eventTime` maps, and state
/// operators, kept at most.
const MAX_ENTRIES: usize = 32;
/// The longest string kept (a query's name may be its pipeline).
const MAX_TEXT: usize = 4096;

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
    let checked = check(&body);
    let mut reports = p.reports.lock().unwrap_or_else(|e| e.into_inner());
    match checked {
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

/// A report as a query's progress: the fields the page reads, each of
/// its type and bounded; the rest of the report is not kept.
fn check(body: &[u8]) -> Result<Value, String> {
    let report: Value =
        serde_json::from_slice(body).map_err(|e| format!("the body is not JSON ({e})"))?;
    let fields = report.as_object().ok_or("the body is not a JSON object")?;
    let mut kept = Map::new();
    let wrong = |name: &str| format!("no `{name}` of the right type");
    for name in ["id", "timestamp"] {
        let text = fields.get(name).and_then(Value::as_str);
        kept.insert(
            name.into(),
            json!(text.filter(|t| t.len() <= 100).ok_or_else(|| wrong(name))?),
        );
    }
    for name in ["batchId", "numInputRows"] {
        kept.insert(
            name.into(),
            json!(fields
                .get(name)
                .and_then(Value::as_u64)
                .ok_or_else(|| wrong(name))?),
        );
    }
    match fields.get("name") {
        None | Some(Value::Null) => {}
        Some(Value::String(n)) if n.len() <= MAX_TEXT => {
            kept.insert("name".into(), json!(n));
        }
        Some(_) => return Err(wrong("name")),
    }
    for name in ["inputRowsPerSecond", "processedRowsPerSecond"] {
        if let Some(rate) = fields.get(name).and_then(Value::as_f64) {
            kept.insert(name.into(), json!(rate));
        }
    }
    for (name, of_strings) in [("durationMs", false), ("eventTime", true)] {
        let Some(map) = fields.get(name) else {
            continue;
        };
        let map = map
            .as_object()
            .filter(|m| m.len() <= MAX_ENTRIES)
            .ok_or_else(|| wrong(name))?;
        let mut entries = Map::new();
        for (key, value) in map {
            let ok = match of_strings {
                true => value.as_str().is_some_and(|t| t.len() <= 100),
                false => value.is_number(),
            };
            if !ok || key.len() > 100 {
                return Err(wrong(name));
            }
            entries.insert(key.clone(), value.clone());
        }
        kept.insert(name.into(), Value::Object(entries));
    }
    if let Some(ops) = fields.get("stateOperators") {
        let ops = ops
            .as_array()
            .filter(|o| o.len() <= MAX_ENTRIES)
            .ok_or_else(|| wrong("stateOperators"))?;
        let mut checked = Vec::new();
        for op in ops {
            let count = |name: &str| op.get(name).and_then(Value::as_u64);
            let total =
                count("numRowsTotal").ok_or_else(|| wrong("stateOperators[].numRowsTotal"))?;
            // Spark before 3.1 does not report it.
            let dropped = count("numRowsDroppedByWatermark").unwrap_or(0);
            checked.push(json!({"numRowsTotal": total, "numRowsDroppedByWatermark": dropped}));
        }
        kept.insert("stateOperators".into(), Value::Array(checked));
    }
    Ok(Value::Object(kept))
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
        let why = check(br#"{"id":"q","timestamp":"t","batchId":-1}"#).unwrap_err();
        assert!(why.contains("`batchId`"), "{why}");
        let ops =
            br#"{"id":"q","batchId":3,"timestamp":"t","numInputRows":5,"stateOperators":[{}]}"#;
        let why = check(ops).unwrap_err();
        assert!(why.contains("numRowsTotal"), "{why}");
        let full = br#"{"id":"q","batchId":3,"timestamp":"t","numInputRows":5,"sources":[{"x":1}],
            "eventTime":{"watermark":"w"},"stateOperators":[{"numRowsTotal":2,"memoryUsedBytes":9}]}"#;
        let kept = check(full).unwrap();
        assert!(
            kept.get("sources").is_none(),
            "only what the page reads is kept"
        );
        assert_eq!(kept["stateOperators"][0]["numRowsDroppedByWatermark"], 0);
        let why = check(b"{\"id\":").unwrap_err();
        assert!(why.contains("not JSON"), "{why}");
    }
}
