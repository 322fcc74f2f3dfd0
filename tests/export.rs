//! The downloads' text, built from a real engine run in headless Chrome:
//! the results CSV read back by an RFC 4180 reader of the test's own gives
//! the output's records, whatever commas, quotes and newlines their text
//! holds; the JSON is the output; the batch table's files have a row per
//! batch kept with its figures; and the sink's lines are the output as
//! JSON, one record a line.

#![cfg(target_arch = "wasm32")]

mod common;

use sparklet_dashboard::export::{self, Format};
use sparklet_dashboard::listener::{BatchRecord, Listener};
use sparklet_dashboard::sink::jsonl;
use sparklet_engine::{Clock, PipelineRunner, Records, Value};
use wasm_bindgen_test::{wasm_bindgen_test, wasm_bindgen_test_configure};

wasm_bindgen_test_configure!(run_in_browser);

struct Still;

impl Clock for Still {
    fn now_ms(&self) -> f64 {
        0.0
    }
}

/// JSON records whose text needs every rule of CSV quoting.
const RECORDS: [&str; 6] = [
    r#"{"k": "plain"}"#,
    r#"{"k": "a, b"}"#,
    r#"{"k": "say \"hi\""}"#,
    r#"{"k": "two\nlines"}"#,
    r#"{"k": "cr\r\nlf, \"all\""}"#,
    r#"{"k": "plain"}"#,
];

/// The runs' batches in a listener, as the runtime records them.
fn listener(pipeline: &str, batches: usize) -> (Listener, Vec<Value>) {
    let mut runner =
        PipelineRunner::new(pipeline, sparklet_engine::Duration::from_secs(1)).unwrap();
    let mut l = Listener::new(1_764_000_000_000.0);
    l.zero_ms = 1_764_000_000_000;
    let mut last = Vec::new();
    for k in 0..batches {
        let records: Records = RECORDS.iter().copied().take(k + 2).collect();
        let report = runner.run_batch(records, (k + 1) as f64 * 1000.0, &Still);
        let record = BatchRecord::new(
            report.info,
            1000,
            RECORDS.iter().copied(),
            report.output.as_deref(),
            None,
            report.stages,
        );
        last = report.output.clone().unwrap_or_default();
        l.on_batch_completed(record, report.output);
    }
    (l, last)
}

/// An RFC 4180 reader: quoted fields may hold commas, doubled quotes,
/// CR and LF; rows end in CRLF.
fn parse_csv(text: &str) -> Vec<Vec<String>> {
    let (mut rows, mut row, mut field) = (Vec::new(), Vec::new(), String::new());
    let mut chars = text.chars().peekable();
    let mut quoted = false;
    while let Some(c) = chars.next() {
        if quoted {
            match c {
                '"' if chars.peek() == Some(&'"') => {
                    chars.next();
                    field.push('"');
                }
                '"' => quoted = false,
                c => field.push(c),
            }
            continue;
        }
        match c {
            '"' if field.is_empty() => quoted = true,
            ',' => row.push(std::mem::take(&mut field)),
            '\r' => {
                assert_eq!(chars.next(), Some('\n'), "CRLF");
                row.push(std::mem::take(&mut field));
                rows.push(std::mem::take(&mut row));
            }
            c => field.push(c),
        }
    }
    assert!(row.is_empty() && field.is_empty(), "ends with CRLF");
    rows
}

#[wasm_bindgen_test]
fn the_results_csv_reads_back_as_the_output() {
    let (l, output) = listener(
        "json | map .k | count_by_value | update_state_by_key sum",
        5,
    );
    assert_eq!(output.len(), 5, "{output:?}");
    let file = export::results(&l, Format::Csv).expect("results");
    assert_eq!(
        file.name,
        format!("sparklet-results-{}.csv", 1_764_000_005_000u64)
    );
    let rows = parse_csv(&file.text);
    assert_eq!(rows[0], ["key", "value"]);
    let expected: Vec<Vec<String>> = output
        .iter()
        .map(|v| {
            let (k, n) = v.as_pair().unwrap();
            vec![k.as_str().unwrap().to_string(), n.to_string()]
        })
        .collect();
    assert_eq!(rows[1..], expected[..]);
    assert!(rows.iter().any(|r| r[0] == "cr\r\nlf, \"all\""), "{rows:?}");
    // Quoted exactly when needed.
    assert!(file.text.contains("\r\nplain,"), "{}", file.text);
    assert!(file.text.contains("\"say \"\"hi\"\"\","), "{}", file.text);
}

#[wasm_bindgen_test]
fn records_that_are_not_pairs_are_one_column_of_json() {
    let (l, output) = listener("json", 1);
    let rows = parse_csv(&export::results(&l, Format::Csv).unwrap().text);
    assert_eq!(rows[0], ["value"]);
    let expected: Vec<Vec<String>> = output.iter().map(|v| vec![v.to_string()]).collect();
    assert_eq!(rows[1..], expected[..]);
    assert_eq!(export::results_csv(&[]), "value\r\n");
}

#[wasm_bindgen_test]
fn the_results_json_is_the_output() {
    let (l, output) = listener("json | map .k | count_by_value", 3);
    let file = export::results(&l, Format::Json).unwrap();
    assert!(file.name.ends_with(".json"));
    let json: serde_json::Value = serde_json::from_str(&file.text).unwrap();
    assert_eq!(json["batch_time_ms"], 1_764_000_003_000u64);
    assert_eq!(json["output"], serde_json::to_value(&output).unwrap());
}

#[wasm_bindgen_test]
fn the_batch_table_has_a_row_per_batch_kept() {
    let (l, _) = listener("json | map .k | count_by_value", 4);
    let file = export::batches(&l, Format::Csv).unwrap();
    assert_eq!(
        file.name,
        format!("sparklet-batches-{}.csv", 1_764_000_004_000u64)
    );
    let rows = parse_csv(&file.text);
    assert_eq!(rows[0], export::BATCH_COLUMNS);
    assert_eq!(rows.len(), 5);
    for (k, row) in rows[1..].iter().enumerate() {
        let b = &l.batches()[k];
        assert_eq!(row[0], b.info.batch.to_string());
        assert_eq!(row[1], (1_764_000_000_000 + b.info.time_ms).to_string());
        let time = (1_764_000_000_000u64 + b.info.time_ms) as f64;
        let iso = String::from(js_sys::Date::new(&time.into()).to_iso_string());
        assert_eq!(row[2], iso);
        assert_eq!(row[4], b.info.records.to_string());
        assert_eq!(row[8], b.output_len.unwrap().to_string());
    }
    let json: serde_json::Value =
        serde_json::from_str(&export::batches(&l, Format::Json).unwrap().text).unwrap();
    let list = json.as_array().unwrap();
    assert_eq!(list.len(), 4);
    assert_eq!(list[3]["batch_time_ms"], 1_764_000_004_000u64);
    assert_eq!(list[3]["records"], 5);
    assert!(export::batches(&Listener::default(), Format::Csv).is_none());
    assert!(export::results(&Listener::default(), Format::Json).is_none());
}

#[wasm_bindgen_test]
fn the_sinks_lines_are_the_records_as_json() {
    let (_, output) = listener("json | map .k | count_by_value", 5);
    let body = String::from_utf8(jsonl(&output)).unwrap();
    let lines: Vec<&str> = body.lines().collect();
    assert_eq!(lines.len(), output.len());
    for (line, value) in lines.iter().zip(&output) {
        let parsed: serde_json::Value = serde_json::from_str(line).unwrap();
        assert_eq!(parsed, serde_json::to_value(value).unwrap());
        assert_eq!(
            *line,
            value.to_string(),
            "as the page's output sample shows it"
        );
    }
    assert!(body.ends_with('\n'));
    assert!(jsonl(&[]).is_empty(), "an empty output is an empty file");
}
