//! The same frames three ways: the words feed's frames, collected by the
//! page over a real WebSocket, run through the wasm engine
//! (`window.sparklet.runFrames`) and through a plain JavaScript word count
//! (`wordcount.js`), alternately, in the same page; then the same frames,
//! made natively, through the native engine. All three must give the same
//! top 10; their times give the ratios.

use std::net::SocketAddr;

use anyhow::{bail, Context};
use serde::Deserialize;
use serde_json::{json, Value};
use sparklet::browser::{dashboard_url, Browser};

use super::native;
use super::report::{median, Row};

const WORDCOUNT: &str = include_str!("wordcount.js");

/// What is compared: records `[0, limit)` of the words feed (seed 1) in
/// frames of `frame` records, a batch every `frames_per_batch` frames.
pub struct Frames {
    pub limit: u64,
    pub frame: u64,
    pub frames_per_batch: usize,
    pub batch_ms: u64,
    pub window_batches: u64,
    pub rounds: usize,
}

pub struct Compared {
    pub wasm: Row,
    pub js: Row,
    pub native: Row,
    pub wasm_over_js: f64,
    pub wasm_over_native: f64,
}

#[derive(Deserialize)]
struct InPage {
    error: Option<String>,
    #[serde(default)]
    records: u64,
    #[serde(default)]
    wasm_ms: Vec<f64>,
    #[serde(default)]
    js_ms: Vec<f64>,
    #[serde(default)]
    wasm_output: Value,
    #[serde(default)]
    js_output: Value,
}

pub async fn compare(
    browser: &Browser,
    addr: SocketAddr,
    f: &Frames,
    words_per_record: f64,
) -> anyhow::Result<Compared> {
    let pipeline = format!(
        "split | lower | count_by_value_and_window {}ms | top 10",
        f.window_batches * f.batch_ms
    );
    // A quiet page: its own feed ends at once, so only this runs.
    let quiet = format!("ws://{addr}/feed/words?limit=0");
    browser
        .goto(&dashboard_url(addr, &[("feed", &quiet)]))
        .await?;
    let feed = format!(
        "ws://{addr}/feed/words?rate=0&seed=1&limit={}&frame={}",
        f.limit, f.frame
    );
    let opts = json!({
        "pipeline": pipeline,
        "batch_ms": f.batch_ms,
        "frames_per_batch": f.frames_per_batch,
        "window_batches": f.window_batches,
        "top": 10,
    });
    let got = browser
        .execute_async(WORDCOUNT, vec![json!(feed), opts, json!(f.rounds)])
        .await?;
    let page: InPage = serde_json::from_value(got).context("reading the in-page run")?;
    if let Some(e) = page.error {
        bail!("the in-page comparison failed: {e}");
    }
    let frames = native::feed_frames(1, f.limit, f.frame, 300);
    let (native_ms, native_run) =
        native::frames_run(&pipeline, f.batch_ms, &frames, f.frames_per_batch, f.rounds);
    let native_output = serde_json::to_value(&native_run.output)?;
    if page.records != f.limit || native_run.records != f.limit {
        bail!(
            "records: the page ran {}, native {}, of {}",
            page.records,
            native_run.records,
            f.limit
        );
    }
    if page.wasm_output != page.js_output || page.wasm_output != native_output {
        bail!(
            "the three word counts disagree:\n wasm   {}\n js     {}\n native {}",
            page.wasm_output,
            page.js_output,
            native_output
        );
    }
    let row = |name: &str, ms: f64| {
        let records_per_s = f.limit as f64 / (ms / 1000.0);
        Row {
            scenario: name.into(),
            records_per_s: Some(records_per_s),
            words_per_s: Some(records_per_s * words_per_record),
            ..Row::default()
        }
    };
    let (wasm_ms, js_ms) = (
        median(&mut page.wasm_ms.clone()),
        median(&mut page.js_ms.clone()),
    );
    Ok(Compared {
        wasm: row("same frames: wasm engine in the page", wasm_ms),
        js: row("same frames: plain JavaScript in the page", js_ms),
        native: row("same frames: native engine, one core", native_ms),
        wasm_over_js: js_ms / wasm_ms,
        wasm_over_native: native_ms / wasm_ms,
    })
}
