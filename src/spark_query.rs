//! Watching a Structured Streaming query (`?spark=1`): Spark's REST API
//! reports none, so the query's listener posts each `StreamingQueryProgress`
//! to `sparklet serve` (`/spark/progress`), and each report becomes the
//! `BatchCompleted` event the page's own stream sends: records, batch
//! duration, input rate, and for a query with a watermark the event-time
//! figures (watermark, late groups, state rows) of the Event time view.

use serde::Deserialize;
use sparklet_engine::{BatchInfo, Duration, EventFigures};

use crate::bus::ListenerEvent;
use crate::listener::{BatchRecord, Status};
use crate::runtime::ConnState;
use crate::settings::Settings;

/// Where the reports are read.
pub const PROGRESS: &str = "/spark/progress";

/// `GET /spark/progress?after=SEQ`: each report is read alone, so one
/// the page cannot read is skipped, not the rest.
#[derive(Deserialize)]
pub struct Reports {
    /// The number the server gives its next report.
    next: u64,
    reports: Vec<serde_json::Value>,
}

/// A `StreamingQueryProgress`, the fields used.
#[derive(Deserialize, Clone)]
#[serde(rename_all = "camelCase")]
struct Progress {
    id: String,
    name: Option<String>,
    batch_id: u64,
    timestamp: String,
    num_input_rows: u64,
    input_rows_per_second: Option<f64>,
    processed_rows_per_second: Option<f64>,
    #[serde(default)]
    duration_ms: std::collections::HashMap<String, f64>,
    #[serde(default)]
    event_time: std::collections::HashMap<String, String>,
    #[serde(default)]
    state_operators: Vec<StateOperator>,
}

#[derive(Deserialize, Clone)]
#[serde(rename_all = "camelCase")]
struct StateOperator {
    num_rows_total: u64,
    #[serde(default)]
    num_rows_dropped_by_watermark: u64,
}

/// One query's reports, as told to the listener so far.
#[derive(Default)]
pub struct QueryWatch {
    /// The query watched: the one asked for, else the first reported.
    wanted: Option<String>,
    query: Option<(String, String)>,
    /// The last report read, by the server's numbering.
    pub seen: u64,
    /// The run's zero: the first report's time, to the second.
    zero_ms: Option<u64>,
    last_ms: u64,
    /// The trigger interval, for the header: the least time between two
    /// reports (a slow batch only delays the next).
    interval_ms: Option<u64>,
    records: u64,
    /// The newest event time any report gave (`eventTime.max` is the
    /// batch's own, absent when it had no rows).
    newest_ms: Option<i64>,
    last: Option<Progress>,
}

impl QueryWatch {
    pub fn new(wanted: Option<String>) -> QueryWatch {
        QueryWatch {
            wanted,
            ..QueryWatch::default()
        }
    }

    /// Whether a query has reported: the page then watches it.
    pub fn found(&self) -> bool {
        self.query.is_some()
    }

    /// The events for `reports` (the newer ones the server holds).
    pub fn events(&mut self, reports: Reports) -> Vec<ListenerEvent> {
        let mut events = Vec::new();
        if reports.next <= self.seen {
            // A restarted server numbers from 1 again.
            self.seen = 0;
        }
        for report in reports.reports {
            let seq = report["seq"].as_u64().unwrap_or(0);
            self.seen = self.seen.max(seq);
            let Ok(p) = serde_json::from_value::<Progress>(report["progress"].clone()) else {
                continue;
            };
            let ours = match (&self.query, &self.wanted) {
                (Some((id, _)), _) => *id == p.id,
                (None, Some(w)) => *w == p.id || p.name.as_deref() == Some(w.as_str()),
                (None, None) => true,
            };
            if !ours {
                continue;
            }
            let at = ms_of(&p.timestamp);
            if self.query.is_none() {
                let name = p
                    .name
                    .clone()
                    .unwrap_or_else(|| "a Structured Streaming query".into());
                self.query = Some((p.id.clone(), name));
                let zero = at / 1000 * 1000;
                self.zero_ms = Some(zero);
                events.push(ListenerEvent::RunStarted {
                    started_wall_ms: at as f64,
                    zero_ms: zero,
                });
            } else if at > self.last_ms {
                let apart = at - self.last_ms;
                self.interval_ms = Some(self.interval_ms.map_or(apart, |i| i.min(apart)));
            }
            self.last_ms = at;
            self.records += p.num_input_rows;
            let zero = self.zero_ms.unwrap_or(at);
            if let Some(max) = p.event_time.get("max") {
                let max = ms_of(max) as i64;
                self.newest_ms = Some(self.newest_ms.map_or(max, |n| n.max(max)));
            }
            events.push(ListenerEvent::BatchCompleted {
                record: Box::new(record(&p, at.saturating_sub(zero), self.newest_ms)),
                output: None,
            });
            self.last = Some(p);
        }
        if self.found() {
            events.push(self.status(ConnState::Live));
        }
        events
    }

    /// The header's line: the query and its latest rates.
    pub fn status(&self, conn: ConnState) -> ListenerEvent {
        let (id, name) = self.query.clone().unwrap_or_default();
        let mut settings = Settings::from_query("", "").0;
        settings.feed = format!("spark:{id}");
        settings.pipeline = name.clone();
        settings.batch = Duration::from_millis(self.interval_ms.unwrap_or(1000).max(1));
        let rates = self.last.as_ref().map_or(String::new(), |p| {
            format!(
                ": batch {}, {:.0} rows/s in, {:.0} rows/s processed",
                p.batch_id,
                p.input_rows_per_second.unwrap_or(0.0),
                p.processed_rows_per_second.unwrap_or(0.0)
            )
        });
        ListenerEvent::Status(Box::new(Status {
            settings: Some(settings),
            conn: Some(conn),
            received: self.records,
            source_status: Some(format!("Structured Streaming query {name} ({id}){rates}")),
            ..Status::default()
        }))
    }
}

/// An ISO 8601 time of Spark's (`2026-12-04T10:00:00.000Z`) in ms.
fn ms_of(iso: &str) -> u64 {
    js_sys::Date::parse(iso).max(0.0) as u64
}

/// A report as the page's own batch record; batch N is Spark's batchId
/// N - 1 (the page counts from 1). The watermark is the one the
/// micro-batch ran with, as Spark reports it.
fn record(p: &Progress, time_ms: u64, newest_ms: Option<i64>) -> BatchRecord {
    let duration = p
        .duration_ms
        .get("triggerExecution")
        .copied()
        .unwrap_or(0.0);
    let event = p.event_time.get("watermark").map(|w| EventFigures {
        watermark_ms: ms_of(w) as i64,
        late: p
            .state_operators
            .iter()
            .map(|o| o.num_rows_dropped_by_watermark)
            .sum(),
        state_rows: p
            .state_operators
            .iter()
            .map(|o| o.num_rows_total as usize)
            .sum(),
        newest_ms,
        ..EventFigures::default()
    });
    BatchRecord::observed(
        BatchInfo {
            batch: p.batch_id + 1,
            time_ms,
            records: p.num_input_rows,
            scheduling_delay_ms: 0.0,
            processing_ms: duration,
            total_delay_ms: duration,
            malformed: 0,
            evicted: 0,
        },
        p.input_rows_per_second.unwrap_or(0.0),
        event,
    )
}
