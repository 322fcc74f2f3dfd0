//! Results out, end to end in a real headless Chromium against `sparklet
//! serve --sink DIR`: the sink's files are the outputs the page reported,
//! batch by batch; a reload that replays batches from a checkpoint leaves
//! no batch file twice or missing; a sink that cannot be written is shown
//! and counted while the stream goes on (the downloads: `downloads.rs`).
//! Run by `make e2e` (ignored by a plain `cargo test`).

mod browser;
mod common;

use std::collections::BTreeMap;
use std::net::SocketAddr;
use std::path::{Path, PathBuf};
use std::time::{Duration, Instant};

use browser::{counts, Browser};
use serde_json::Value;
use sparklet::ServerConfig;

/// `sparklet serve` with the built dashboard and its sink in `dir`.
async fn serve_with_sink(dir: &Path) -> SocketAddr {
    let config = ServerConfig {
        sink: Some(dir.to_owned()),
        ..ServerConfig::default()
    };
    common::start_with(Some(browser::dist()), config).await
}

/// The sink's files of `name`, by batch time, with their text; and any
/// other entry (a temporary file left behind would be one).
fn files(dir: &Path, name: &str) -> (BTreeMap<u64, String>, Vec<String>) {
    let mut by_time = BTreeMap::new();
    let mut others = Vec::new();
    for entry in std::fs::read_dir(dir).expect("read the sink dir") {
        let file = entry
            .expect("an entry")
            .file_name()
            .into_string()
            .expect("UTF-8");
        let time = file
            .strip_prefix(&format!("{name}-"))
            .and_then(|rest| rest.strip_suffix(".jsonl"))
            .and_then(|t| t.parse::<u64>().ok());
        match time {
            Some(t) => {
                let text = std::fs::read_to_string(dir.join(&file)).expect("read a batch file");
                assert!(by_time.insert(t, text).is_none(), "{file} twice");
            }
            None => others.push(file),
        }
    }
    (by_time, others)
}

/// What the page reported of a batch: its output as the lines of a file
/// (the sample holds every row of these small outputs).
fn reported(batch: &Value) -> String {
    let rows = batch["output_rows"].as_u64().expect("the batch had output");
    let sample = batch["output_sample"].as_array().expect("a sample");
    assert_eq!(
        sample.len() as u64,
        rows,
        "the whole output is in the sample"
    );
    sample
        .iter()
        .map(|line| format!("{}\n", line.as_str().expect("JSON text")))
        .collect()
}

async fn batches(b: &Browser) -> Vec<Value> {
    let rows = b
        .client
        .execute("return window.sparklet.batches();", vec![])
        .await
        .expect("batches()");
    rows.as_array().expect("a list").clone()
}

/// Waits until every batch file up to the last one the page had settled
/// when asked is on disk; returns the files and the batches.
async fn settled_files(b: &Browser, dir: &Path, name: &str) -> (BTreeMap<u64, String>, Vec<Value>) {
    let deadline = Instant::now() + Duration::from_secs(20);
    loop {
        let (files, others) = files(dir, name);
        assert!(
            others.is_empty(),
            "only batch files in the sink: {others:?}"
        );
        let batches = batches(b).await;
        let settled = |s: &Value| s == "written" || s == "already_written";
        let time = |b: &Value| b["batch_time_ms"].as_u64().unwrap();
        let missing: Vec<u64> = batches
            .iter()
            .filter(|b| settled(&b["sink"]))
            .map(time)
            .filter(|t| !files.contains_key(t))
            .collect();
        // A file renamed into place whose answer the page has not read yet:
        // look again, so each file's batch says who wrote it.
        let answering = batches
            .iter()
            .any(|b| b["sink"] == "queued" && files.contains_key(&time(b)));
        if missing.is_empty() && !answering {
            return (files, batches);
        }
        assert!(
            Instant::now() < deadline,
            "batches settled but not on disk: {missing:?}"
        );
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
}

/// Batch files' times are the run's zero time plus 1, 2, 3, ... intervals:
/// none missing, none twice.
fn assert_consecutive(files: &BTreeMap<u64, String>, zero: u64, interval: u64) {
    assert_eq!(
        zero % interval,
        0,
        "the zero time is a multiple of the interval"
    );
    let times: Vec<u64> = files.keys().copied().collect();
    let expected: Vec<u64> = (1..=times.len() as u64)
        .map(|k| zero + k * interval)
        .collect();
    assert_eq!(
        times, expected,
        "one file per batch, from the first, no gap"
    );
}

/// The page's word count with a sink: every batch's file holds, line by
/// line, the output the page reported for that batch, and the last one
/// equals the feed's truth.
#[tokio::test(flavor = "multi_thread")]
#[ignore = "needs Chromium, chromedriver and a built dist/: run by `make e2e`"]
async fn the_sinks_files_are_the_outputs_the_page_reported_batch_by_batch() {
    let sink = tempfile::tempdir().expect("temp dir");
    let addr = serve_with_sink(sink.path()).await;
    let feed = format!("ws://{addr}/feed/words?rate=4000&limit=12000&seed=5&vocab=8");
    let b = Browser::start().await;
    b.open(
        addr,
        &[
            ("feed", &feed),
            (
                "pipeline",
                "split | count_by_value | update_state_by_key sum",
            ),
            ("batch", "250ms"),
            ("sink_name", "wc"),
        ],
    )
    .await;
    let stats = b
        .wait_for_stats(30, "the feed ends and its records are stored", |s| {
            s["state"] == "ended" && s["pending"] == 0 && s["sink"]["written"].as_u64() >= Some(14)
        })
        .await;
    let (files, batches) = settled_files(&b, sink.path(), "wc").await;
    let zero = stats["zero_ms"].as_u64().unwrap();
    assert_consecutive(&files, zero, 250);
    for batch in &batches {
        let time = batch["batch_time_ms"].as_u64().unwrap();
        assert_eq!(time, zero + batch["batch"].as_u64().unwrap() * 250);
        if let Some(text) = files.get(&time) {
            assert_eq!(batch["sink"], "written", "batch {}", batch["batch"]);
            assert_eq!(text, &reported(batch), "batch {} at {time}", batch["batch"]);
        }
    }
    assert!(files.len() >= 14, "{} files", files.len());
    let last = files.values().next_back().unwrap();
    let totals: Vec<Value> = last
        .lines()
        .map(|l| serde_json::from_str(l).unwrap())
        .collect();
    let truth =
        counts(&common::get_json(addr, "/feed/words/truth?seed=5&limit=12000&vocab=8").await);
    assert_eq!(
        counts(&Value::Array(totals)),
        truth,
        "the last file holds the totals"
    );
    let stats = b.stats().await;
    assert_eq!(stats["sink"]["failed"], 0);
    assert_eq!(stats["sink"]["dropped"], 0);
    assert_eq!(stats["sink"]["name"], "wc");
    b.close().await;
}

/// The page as a tab the system kills: it gets no chance to checkpoint as
/// it goes (the test stops its leaving handlers), so the reloaded page
/// restores an older checkpoint and replays the batches after it. Their
/// files are found stored and kept; the run goes on to the feed's end;
/// the files are one per batch, none missing, none rewritten, each what
/// the run that wrote it reported.
#[tokio::test(flavor = "multi_thread")]
#[ignore = "needs Chromium, chromedriver and a built dist/: run by `make e2e`"]
async fn a_reload_that_replays_batches_writes_each_batch_file_once() {
    let sink = tempfile::tempdir().expect("temp dir");
    let addr = serve_with_sink(sink.path()).await;
    let feed = format!("ws://{addr}/feed/words?rate=3000&limit=45000&seed=7&vocab=8");
    let b = Browser::start().await;
    b.open(
        addr,
        &[
            ("feed", &feed),
            (
                "pipeline",
                "split | count_by_value | update_state_by_key sum",
            ),
            ("batch", "500ms"),
            ("checkpoint", "5"),
            ("sink_name", "replay"),
        ],
    )
    .await;
    // Mid-way between two checkpoints, so some batches are replayed.
    let before = b
        .wait_for_stats(40, "two checkpoints, then two batches more", |s| {
            let n = s["batches"].as_u64().unwrap_or(0);
            s["checkpoints"].as_u64() >= Some(2) && (2..=3).contains(&(n % 5))
        })
        .await;
    assert!(
        before["records"].as_u64() < Some(45_000),
        "reloaded mid-run"
    );
    // What the page reported, read as it goes away, after its last batch.
    // Nothing reaches the stream's worker from here on, so it takes no
    // checkpoint on leaving (as when a tab is killed), and the reload
    // replays the batches since the last periodic one.
    let kill = "
        const keep = () => sessionStorage.setItem('before', JSON.stringify({
            stats: window.sparklet.stats(), batches: window.sparklet.batches() }));
        addEventListener('pagehide', keep, true);
        Worker.prototype.postMessage = () => {};
        location.reload();
        return true;";
    b.client.execute(kill, vec![]).await.expect("reload");
    let after = b
        .wait_for_stats(
            60,
            "the reloaded page finishes the run and stores it",
            |s| {
                s["restored_batches"].as_u64().is_some()
                    && s["state"] == "ended"
                    && s["pending"] == 0
                    && s["sink"]["queued"] == 0
            },
        )
        .await;
    let saved = b
        .client
        .execute(
            "return JSON.parse(sessionStorage.getItem('before'));",
            vec![],
        )
        .await
        .expect("read what the page reported before");
    let (old_stats, old_batches) = (&saved["stats"], saved["batches"].as_array().unwrap());
    let zero = after["zero_ms"].as_u64().unwrap();
    assert_eq!(
        old_stats["zero_ms"].as_u64(),
        Some(zero),
        "the run kept its zero time"
    );
    let restored = after["restored_batches"].as_u64().unwrap();
    let ran_before = old_stats["batches"].as_u64().unwrap();
    eprintln!(
        "ran {ran_before} batches, restored {restored}; sink before {}, after {}",
        old_stats["sink"], after["sink"]
    );
    assert!(
        restored + 2 <= ran_before,
        "batches {}..={ran_before} replayed",
        restored + 1
    );
    assert!(
        after["sink"]["skipped"].as_u64() >= Some(1),
        "replayed batches were found stored"
    );

    let (files, new_batches) = settled_files(&b, sink.path(), "replay").await;
    assert_consecutive(&files, zero, 500);
    let by_time = |list: &[Value]| -> BTreeMap<u64, Value> {
        list.iter()
            .map(|b| (b["batch_time_ms"].as_u64().unwrap(), b.clone()))
            .collect()
    };
    let (old, new) = (by_time(old_batches), by_time(&new_batches));
    for (time, text) in &files {
        let k = (time - zero) / 500;
        let (old, new) = (old.get(time), new.get(time));
        let wrote_before = old.is_some_and(|b| b["sink"] == "written");
        match new.map(|b| &b["sink"]) {
            Some(s) if s == "written" => {
                assert!(!wrote_before, "batch {k} written twice");
                assert_eq!(
                    text,
                    &reported(new.unwrap()),
                    "batch {k}, written after the reload"
                );
            }
            Some(s) if s == "already_written" => {
                let old = old.unwrap_or_else(|| panic!("batch {k} found stored, never sent"));
                assert_eq!(
                    text,
                    &reported(old),
                    "batch {k}, kept from before the reload"
                );
            }
            _ => {
                assert!(k <= restored, "batch {k}: stored before the checkpoint");
                assert!(wrote_before, "batch {k} stored by the first page");
                assert_eq!(text, &reported(old.unwrap()), "batch {k}");
            }
        }
    }
    let last = files.values().next_back().unwrap();
    let totals: Vec<Value> = last
        .lines()
        .map(|l| serde_json::from_str(l).unwrap())
        .collect();
    let truth =
        counts(&common::get_json(addr, "/feed/words/truth?seed=7&limit=45000&vocab=8").await);
    assert_eq!(
        counts(&Value::Array(totals)),
        truth,
        "totals exact across the reload"
    );
    b.close().await;
}

/// A directory under a regular file cannot be written by anyone, root
/// included.
fn unwritable(parent: &Path) -> PathBuf {
    let file = parent.join("a-file");
    std::fs::write(&file, "not a directory").expect("write a file");
    file.join("sink")
}

/// A sink directory that cannot be written: each batch fails after its
/// retries with the server's message, shown in the header and the Errors
/// view and counted, and the stream runs on.
#[tokio::test(flavor = "multi_thread")]
#[ignore = "needs Chromium, chromedriver and a built dist/: run by `make e2e`"]
async fn a_sink_that_cannot_be_written_is_shown_and_counted_and_the_stream_goes_on() {
    let tmp = tempfile::tempdir().expect("temp dir");
    let dir = unwritable(tmp.path());
    let addr = serve_with_sink(&dir).await;
    let b = Browser::start().await;
    b.open(addr, &[]).await;
    let failing = b
        .wait_for_stats(30, "a batch is given up after its retries", |s| {
            s["sink"]["failed"].as_u64() >= Some(2)
        })
        .await;
    let error = failing["sink"]["last_error"].as_str().unwrap_or_default();
    assert!(error.contains("HTTP 500"), "{error}");
    assert!(error.contains(&dir.display().to_string()), "{error}");
    assert!(error.contains("Not a directory"), "{error}");
    assert!(
        failing["sink"]["retries"].as_u64() >= Some(4),
        "{failing:#}"
    );
    assert_eq!(failing["sink"]["written"], 0);
    let alert = b.wait_for_text("sink-alert", "Not a directory", 5).await;
    assert!(alert.contains("The sink has not stored"), "{alert}");
    let later = b
        .wait_for_stats(10, "the stream runs on", |s| {
            s["state"] == "live" && s["batches"].as_u64() > failing["batches"].as_u64()
        })
        .await;
    assert!(later["records"].as_u64() > Some(0));
    let shot = b.screenshot("results-out-sink-error").await;
    eprintln!("screenshot: {}", shot.display());
    b.click("tab-errors").await;
    let shown = b.wait_for_text("sink-error", "Not a directory", 5).await;
    assert!(shown.contains(&dir.display().to_string()), "{shown}");
    let failed = b.text_of("sink-failed").await.unwrap_or_default();
    assert!(failed.parse::<u64>().unwrap_or(0) >= 2, "{failed}");
    b.click("tab-batches").await;
    let deadline = Instant::now() + Duration::from_secs(5);
    while b.count("td.sink.failed").await == 0 {
        assert!(
            Instant::now() < deadline,
            "no batch row shows its sink failure"
        );
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
    b.screenshot("results-out-batches").await;
    b.close().await;
}
