//! The page's downloads: the latest results and the batch table, as CSV
//! (RFC 4180) and as JSON, built from the listener when a person asks,
//! never per batch. The JSON holds what the JS API gives (`stats().output`,
//! `batches()`); the CSV the same, one row per output record or batch.

use serde::Serialize;
use sparklet_engine::Value;

use crate::api::BatchRow;
use crate::listener::Listener;

/// A download's format.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Format {
    Csv,
    Json,
}

impl Format {
    pub fn extension(self) -> &'static str {
        match self {
            Format::Csv => "csv",
            Format::Json => "json",
        }
    }

    pub fn mime(self) -> &'static str {
        match self {
            Format::Csv => "text/csv;charset=utf-8",
            Format::Json => "application/json;charset=utf-8",
        }
    }
}

/// A file to offer: its name and its text.
#[derive(Clone, Debug, PartialEq)]
pub struct Download {
    pub name: String,
    pub text: String,
}

/// Appends `field` to a CSV row as RFC 4180 has it: as it is, or, when it
/// holds a comma, a double quote, a CR or an LF, in double quotes with its
/// double quotes doubled.
pub fn push_field(row: &mut String, field: &str) {
    if field.contains([',', '"', '\r', '\n']) {
        row.push('"');
        row.push_str(&field.replace('"', "\"\""));
        row.push('"');
    } else {
        row.push_str(field);
    }
}

/// CSV text of `rows` under `header`, each line ended by CRLF.
pub fn csv(header: &[&str], rows: impl IntoIterator<Item = Vec<String>>) -> String {
    let mut text = String::new();
    let mut line = |fields: &mut dyn Iterator<Item = &str>| {
        for (i, field) in fields.enumerate() {
            if i > 0 {
                text.push(',');
            }
            push_field(&mut text, field);
        }
        text.push_str("\r\n");
    };
    line(&mut header.iter().copied());
    for row in rows {
        line(&mut row.iter().map(String::as_str));
    }
    text
}

/// A value in a CSV cell: a string as its text, anything else as JSON.
fn cell(v: &Value) -> String {
    v.as_str().map_or_else(|| v.to_string(), str::to_string)
}

/// The latest output as CSV: `key,value` when every record is a pair,
/// else one `value` column; rows in the order the page shows them.
pub fn results_csv(output: &[Value]) -> String {
    let pairs: Option<Vec<(&Value, &Value)>> = output.iter().map(Value::as_pair).collect();
    match pairs {
        Some(pairs) if !pairs.is_empty() => csv(
            &["key", "value"],
            pairs.into_iter().map(|(k, v)| vec![cell(k), cell(v)]),
        ),
        _ => csv(&["value"], output.iter().map(|v| vec![cell(v)])),
    }
}

/// The latest output as JSON: the pipeline, the batch's time and the
/// output as `stats().output` gives it.
pub fn results_json(pipeline: &str, batch_time_ms: u64, output: &[Value]) -> String {
    #[derive(Serialize)]
    struct Results<'a> {
        pipeline: &'a str,
        batch_time_ms: u64,
        output: &'a [Value],
    }
    let results = Results {
        pipeline,
        batch_time_ms,
        output,
    };
    serde_json::to_string_pretty(&results).unwrap_or_default()
}

/// The latest results as a file, `sparklet-results-<batch time>.EXT`, or
/// `None` before the first output.
pub fn results(listener: &Listener, format: Format) -> Option<Download> {
    let (time_ms, output) = listener.latest_output()?;
    let batch_time = listener.zero_ms.saturating_add(*time_ms);
    let text = match format {
        Format::Csv => results_csv(output),
        Format::Json => {
            let pipeline = listener
                .status
                .settings
                .as_ref()
                .map_or("", |s| s.pipeline.as_str());
            results_json(pipeline, batch_time, output)
        }
    };
    Some(Download {
        name: format!("sparklet-results-{batch_time}.{}", format.extension()),
        text,
    })
}

/// The batch table's columns in CSV.
pub const BATCH_COLUMNS: [&str; 15] = [
    "batch",
    "batch_time_ms",
    "batch_time",
    "time_ms",
    "records",
    "scheduling_delay_ms",
    "processing_ms",
    "total_delay_ms",
    "output_rows",
    "malformed",
    "evicted",
    "latency_p50_ms",
    "latency_p95_ms",
    "latency_p99_ms",
    "sink",
];

/// The batches kept (the last 1,000), oldest first, as CSV.
pub fn batches_csv(listener: &Listener) -> String {
    let rows = listener.batches().iter().map(|b| {
        let row = BatchRow::of(b, listener);
        let latency = |f: fn(&crate::api::LatencyRow) -> f64| {
            row.latency
                .as_ref()
                .map_or(String::new(), |l| f(l).to_string())
        };
        let iso = js_sys::Date::new(&(row.batch_time_ms as f64).into()).to_iso_string();
        vec![
            row.info.batch.to_string(),
            row.batch_time_ms.to_string(),
            String::from(iso),
            row.info.time_ms.to_string(),
            row.info.records.to_string(),
            row.info.scheduling_delay_ms.to_string(),
            row.info.processing_ms.to_string(),
            row.info.total_delay_ms.to_string(),
            row.output_rows.map_or(String::new(), |n| n.to_string()),
            row.info.malformed.to_string(),
            row.info.evicted.to_string(),
            latency(|l| l.p50),
            latency(|l| l.p95),
            latency(|l| l.p99),
            row.sink.map_or("", |s| s.label()).to_string(),
        ]
    });
    csv(&BATCH_COLUMNS, rows)
}

/// The batches kept, oldest first, as JSON: the rows of `batches()`.
pub fn batches_json(listener: &Listener) -> String {
    let rows: Vec<BatchRow> = listener
        .batches()
        .iter()
        .map(|b| BatchRow::of(b, listener))
        .collect();
    serde_json::to_string_pretty(&rows).unwrap_or_default()
}

/// The batch table as a file, `sparklet-batches-<last batch time>.EXT`, or
/// `None` before the first batch.
pub fn batches(listener: &Listener, format: Format) -> Option<Download> {
    let last = listener.last()?;
    let text = match format {
        Format::Csv => batches_csv(listener),
        Format::Json => batches_json(listener),
    };
    Some(Download {
        name: format!(
            "sparklet-batches-{}.{}",
            listener.batch_time_ms(&last.info),
            format.extension()
        ),
        text,
    })
}
