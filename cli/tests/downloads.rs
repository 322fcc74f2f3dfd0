//! The page's downloads in a real headless Chromium: the results and the
//! batch table, as CSV and JSON, hold what the page shows (read from the
//! Blob behind the link the page clicked, and parsed by the test's own
//! RFC 4180 reader).

mod browser;
mod common;

use browser::Browser;
use serde_json::Value;

/// An RFC 4180 reader, the test's own: fields, quoted or not, CRLF rows.
fn parse_csv(text: &str) -> Vec<Vec<String>> {
    let mut rows = Vec::new();
    let (mut row, mut field) = (Vec::new(), String::new());
    let mut chars = text.chars().peekable();
    let mut quoted = false;
    while let Some(c) = chars.next() {
        match (quoted, c) {
            (true, '"') if chars.peek() == Some(&'"') => {
                chars.next();
                field.push('"');
            }
            (true, '"') => quoted = false,
            (true, c) => field.push(c),
            (false, '"') if field.is_empty() => quoted = true,
            (false, ',') => row.push(std::mem::take(&mut field)),
            (false, '\r') => assert_eq!(chars.next(), Some('\n'), "rows end in CRLF"),
            (false, '\n') => panic!("a bare LF ends a row"),
            (false, c) => field.push(c),
        }
        if !quoted && c == '\r' {
            row.push(std::mem::take(&mut field));
            rows.push(std::mem::take(&mut row));
        }
    }
    assert!(
        field.is_empty() && row.is_empty(),
        "the text ends with a row's CRLF"
    );
    rows
}

/// A value as the CSV shows it: a string's text, anything else as JSON.
fn cell(v: &Value) -> String {
    v.as_str().map_or_else(|| v.to_string(), str::to_string)
}

/// Clicks a download button and returns the file the page offered: its
/// name and text, read from the Blob behind the link it clicked.
async fn download(b: &Browser, testid: &str) -> (String, String) {
    // The Blob is kept as the page makes its URL, and the link's click is
    // recorded instead of saving a file.
    let hook = "
        if (!window.__offered) {
            const create = URL.createObjectURL;
            URL.createObjectURL = blob => { window.__blob = blob; return create.call(URL, blob); };
            HTMLAnchorElement.prototype.click = function () {
                window.__offered.push({ name: this.download, href: this.href });
            };
        }
        window.__offered = [];
        window.__blob = null;
        return true;";
    b.client.execute(hook, vec![]).await.expect("hook the link");
    b.click(testid).await;
    let read = "
        const done = arguments[arguments.length - 1];
        const f = window.__offered[0];
        if (!f || !window.__blob || !f.href.startsWith('blob:')) { done(['', 'no download offered']); return; }
        window.__blob.text().then(text => done([f.name, text]), e => done(['', String(e)]));";
    let got = b
        .client
        .execute_async(read, vec![])
        .await
        .expect("read the Blob");
    (
        got[0].as_str().unwrap().to_string(),
        got[1].as_str().unwrap().to_string(),
    )
}

/// The four downloads hold what the page shows: the results (pairs whose
/// keys are pairs, so their CSV cells hold commas and quotes) and the
/// batch table, as CSV and JSON.
#[tokio::test(flavor = "multi_thread")]
#[ignore = "needs Chromium, chromedriver and a built dist/: run by `make e2e`"]
async fn the_downloads_hold_the_results_and_batches_shown() {
    let addr = common::start(Some(browser::dist())).await;
    let feed = format!("ws://{addr}/feed/events?rate=5000&limit=5000&seed=3");
    let b = Browser::start().await;
    b.open(
        addr,
        &[
            ("feed", &feed),
            (
                "pipeline",
                "json | map (.level, .path) | count_by_value | update_state_by_key sum",
            ),
            ("batch", "500ms"),
        ],
    )
    .await;
    let stats = b
        .wait_for_stats(30, "the feed ends and every record is counted", |s| {
            s["state"] == "ended" && s["pending"] == 0 && s["records"] == 5000
        })
        .await;
    let output = stats["output"].as_array().unwrap().clone();
    assert!(output.len() > 5, "{output:?}");

    let (name, text) = download(&b, "download-results-csv").await;
    assert!(
        name.starts_with("sparklet-results-") && name.ends_with(".csv"),
        "{name}"
    );
    let rows = parse_csv(&text);
    assert_eq!(rows[0], ["key", "value"]);
    let expected: Vec<Vec<String>> = output
        .iter()
        .map(|p| vec![cell(&p[0]), cell(&p[1])])
        .collect();
    assert_eq!(
        rows[1..],
        expected[..],
        "the CSV rows are the output, in order"
    );
    assert!(
        text.contains("\"[\"\""),
        "pair keys are quoted, quotes doubled: {text}"
    );

    let (name, text) = download(&b, "download-results-json").await;
    assert!(name.ends_with(".json"), "{name}");
    let json: Value = serde_json::from_str(&text).expect("JSON");
    assert_eq!(json["output"], Value::Array(output));
    assert_eq!(json["pipeline"], stats["pipeline"]);

    b.click("tab-batches").await;
    let (name, text) = download(&b, "download-batches-csv").await;
    assert!(
        name.starts_with("sparklet-batches-") && name.ends_with(".csv"),
        "{name}"
    );
    let rows = parse_csv(&text);
    let table = b.batches().await;
    assert!(rows.len() > 3, "{} rows", rows.len());
    let header = &rows[0];
    let col = |name: &str| header.iter().position(|h| h == name).unwrap();
    for (row, batch) in rows[1..].iter().zip(&table) {
        for field in ["batch", "batch_time_ms", "records", "malformed"] {
            assert_eq!(row[col(field)], batch[field].to_string(), "{field}");
        }
        let rows_out = batch["output_rows"]
            .as_u64()
            .map_or(String::new(), |n| n.to_string());
        assert_eq!(row[col("output_rows")], rows_out);
    }
    let (_, text) = download(&b, "download-batches-json").await;
    let json: Value = serde_json::from_str(&text).expect("JSON");
    let listed = json.as_array().unwrap();
    for (row, batch) in listed.iter().zip(&table) {
        assert_eq!(row["batch"], batch["batch"]);
        assert_eq!(row["records"], batch["records"]);
    }
    b.close().await;
}
