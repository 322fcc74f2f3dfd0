//! The page, live: the dashboard in headless Chromium on one of the
//! server's demo feeds, as a person would open it. After a warm-up, the
//! bench samples the page twice a second (`stats()`, the JS heap, long
//! tasks, animation frames), profiles its main thread and the stream's
//! worker (DevTools' CPU profiler: a busy share is what is not idle), and
//! at the end reads every batch completed in the window from `batches()`.

use std::net::SocketAddr;
use std::time::{Duration, Instant};

use anyhow::{bail, Context};
use serde::{Deserialize, Serialize};
use serde_json::{json, Value};
use sparklet::browser::{dashboard_url, Browser};

use super::profile;
use super::report::{median, quantile, Row};

/// One live run: the feed (`words`, `events`) and its query, the pipeline
/// and batch interval, and how long to warm up and to measure.
pub struct Live {
    pub name: String,
    pub feed: &'static str,
    pub feed_query: String,
    pub pipeline: String,
    pub batch_ms: u64,
    pub warmup: Duration,
    pub measure: Duration,
    /// Where to save the main thread's CPU profile of the measured window,
    /// if anywhere.
    pub profile: Option<std::path::PathBuf>,
}

/// What a live run measured, beyond its table row.
pub struct LiveFigures {
    pub row: Row,
    /// Mean scheduling delay over the first and the last fifth of the
    /// window's batches: a backlog shows as a growing delay.
    pub scheduling_start_ms: f64,
    pub scheduling_end_ms: f64,
    pub frames_per_s: f64,
    /// The share of the window the page's main thread was busy (not idle
    /// in its CPU profile), and the stream's thread (its worker) by its own
    /// clock (`stats().busy_ms`).
    pub main_busy: f64,
    pub stream_busy: f64,
    /// Whether the stream ran in a Web Worker (`stats().worker`).
    pub worker: bool,
    /// Peak memory over the window's last third less its middle third's
    /// (the first third may still be filling a window).
    pub memory_growth_bytes: f64,
    pub dropped: u64,
    /// Per thread profiled (`main thread`, `worker`), its busy share and
    /// the functions with the most self time.
    pub profiles: Vec<ThreadProfile>,
    /// Every batch of the window, for `--json`.
    pub batches: Vec<Batch>,
}

/// One thread's profile over a live run's window.
#[derive(Debug, Serialize)]
pub struct ThreadProfile {
    pub thread: &'static str,
    pub busy: f64,
    pub top: Vec<(f64, String)>,
}

/// One sample of the probe (`probe.js`).
#[derive(Debug, Deserialize)]
struct Sample {
    t: f64,
    state: Option<String>,
    batches: u64,
    dropped: u64,
    wasm_bytes: f64,
    heap_bytes: f64,
    /// `stats().busy_ms`: the stream's thread's busy time so far.
    busy_ms: f64,
    /// `stats().worker`: the stream runs in a Web Worker.
    worker: bool,
    longest_task_ms: f64,
    frames: u64,
    since: f64,
}

/// A row of `window.sparklet.batches()`.
#[derive(Debug, Deserialize, Serialize)]
pub struct Batch {
    batch: u64,
    records: u64,
    scheduling_delay_ms: f64,
    processing_ms: f64,
    total_delay_ms: f64,
    latency: Option<Latency>,
}

#[derive(Debug, Deserialize, Serialize)]
struct Latency {
    p99: f64,
}

const PROBE: &str = include_str!("probe.js");

/// Installs the probe in every page this browser opens from now on.
pub async fn install_probe(browser: &Browser) -> anyhow::Result<()> {
    browser
        .cdp(
            "Page.addScriptToEvaluateOnNewDocument",
            json!({ "source": PROBE }),
        )
        .await
        .context("installing the page probe")?;
    Ok(())
}

/// The dashboard on `addr` reading `/feed/{feed}?{feed_query}`.
pub fn url(
    addr: SocketAddr,
    feed: &str,
    feed_query: &str,
    pipeline: &str,
    batch_ms: u64,
) -> String {
    let feed = format!("ws://{addr}/feed/{feed}?{feed_query}");
    let batch = format!("{batch_ms}ms");
    dashboard_url(
        addr,
        &[("feed", &feed), ("pipeline", pipeline), ("batch", &batch)],
    )
}

/// Opens the dashboard and measures one live run.
pub async fn live(
    browser: &Browser,
    addr: SocketAddr,
    run: &Live,
    words_per_record: f64,
) -> anyhow::Result<LiveFigures> {
    browser
        .goto(&url(
            addr,
            run.feed,
            &run.feed_query,
            &run.pipeline,
            run.batch_ms,
        ))
        .await?;
    let deadline = Instant::now() + Duration::from_secs(20);
    loop {
        let s = sample(browser).await?;
        if s.batches > 0 && s.state.as_deref() == Some("live") {
            break;
        }
        if Instant::now() > deadline {
            bail!("{}: the page did not start within 20 s ({s:?})", run.name);
        }
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    tokio::time::sleep(run.warmup).await;
    // The profiler first: starting it walks the page's code on its main
    // thread, which is the bench's work, not the page's.
    profile::start(browser).await?;
    let worker = match profile::Worker::start(browser, &format!("http://{addr}/")).await {
        Ok(worker) => Some(worker),
        Err(e) => {
            eprintln!("{}: the worker is not profiled: {e:#}", run.name);
            None
        }
    };
    browser
        .execute("window.__sparkletProbe.reset();", vec![])
        .await?;
    let first = sample(browser).await?;
    let mut samples = vec![];
    let end = Instant::now() + run.measure;
    while Instant::now() < end {
        tokio::time::sleep(Duration::from_millis(500)).await;
        samples.push(sample(browser).await?);
    }
    let main = profile::stop(browser, run.profile.as_deref(), &run.name).await?;
    // A lost worker profile (its DevTools session gone before the stop:
    // seen in 3 of 6 quick runs on 2026-12-04, cause not yet found) costs
    // the run its worker figures, not the run.
    let worker = match worker {
        Some(w) => match w.stop(run.profile.as_deref(), &run.name).await {
            Ok(thread) => Some(thread),
            Err(e) => {
                eprintln!("{}: the worker's profile was lost: {e:#}", run.name);
                None
            }
        },
        None => None,
    };
    let last = samples.last().context("no sample taken")?;
    let rows: Vec<Batch> = serde_json::from_value(
        browser
            .execute("return window.sparklet.batches();", vec![])
            .await?,
    )
    .context("reading batches()")?;
    let window: Vec<Batch> = rows
        .into_iter()
        .filter(|b| b.batch > first.batches && b.batch <= last.batches)
        .collect();
    if window.len() < 5 {
        bail!("{}: only {} batches in the window", run.name, window.len());
    }
    let mut figures = figures(run, &first, &samples, &window, words_per_record);
    figures.main_busy = main.busy;
    figures.profiles.push(ThreadProfile {
        thread: "main thread",
        busy: main.busy,
        top: main.top,
    });
    if let Some(worker) = worker {
        figures.profiles.push(ThreadProfile {
            thread: "worker",
            busy: worker.busy,
            top: worker.top,
        });
    }
    figures.row.main_busy = Some(main.busy);
    figures.row.stream_busy = Some(figures.stream_busy);
    figures.batches = window;
    Ok(figures)
}

fn figures(
    run: &Live,
    first: &Sample,
    samples: &[Sample],
    window: &[Batch],
    words_per_record: f64,
) -> LiveFigures {
    let last = &samples[samples.len() - 1];
    let of = |f: fn(&Batch) -> f64| -> Vec<f64> { window.iter().map(f).collect() };
    let records: u64 = window.iter().map(|b| b.records).sum();
    let seconds = window.len() as f64 * run.batch_ms as f64 / 1000.0;
    let mut processing = of(|b| b.processing_ms);
    let mut total = of(|b| b.total_delay_ms);
    let scheduling = of(|b| b.scheduling_delay_ms);
    let fifth = (window.len() / 5).max(1);
    let mean = |xs: &[f64]| xs.iter().sum::<f64>() / xs.len().max(1) as f64;
    let memory = |s: &Sample| s.heap_bytes + s.wasm_bytes;
    let peak = |ss: &[Sample]| ss.iter().map(memory).fold(0.0, f64::max);
    let third = samples.len() / 3;
    let arrival_p99 = window
        .iter()
        .filter_map(|b| b.latency.as_ref().map(|l| l.p99))
        .fold(None, |m: Option<f64>, x| Some(m.map_or(x, |m| m.max(x))));
    let records_per_s = records as f64 / seconds;
    LiveFigures {
        row: Row {
            scenario: run.name.clone(),
            records_per_s: Some(records_per_s),
            words_per_s: Some(records_per_s * words_per_record),
            processing_p50_ms: Some(median(&mut processing)),
            processing_p99_ms: Some(quantile(&mut processing, 0.99)),
            total_delay_p50_ms: Some(median(&mut total)),
            total_delay_p99_ms: Some(quantile(&mut total, 0.99)),
            arrival_to_result_p99_ms: arrival_p99,
            longest_task_ms: Some(last.longest_task_ms),
            peak_memory_bytes: Some(peak(samples).max(memory(first))),
            main_busy: None,
            stream_busy: None,
        },
        scheduling_start_ms: mean(&scheduling[..fifth]),
        scheduling_end_ms: mean(&scheduling[scheduling.len() - fifth..]),
        frames_per_s: last.frames as f64 * 1000.0 / (last.t - last.since).max(1.0),
        main_busy: 0.0,
        stream_busy: (last.busy_ms - first.busy_ms) / (last.t - first.t).max(1.0),
        worker: last.worker,
        memory_growth_bytes: peak(&samples[2 * third..]) - peak(&samples[third..2 * third]),
        dropped: last.dropped - first.dropped,
        profiles: Vec::new(),
        batches: Vec::new(),
    }
}

async fn sample(browser: &Browser) -> anyhow::Result<Sample> {
    let v: Value = browser
        .execute("return window.__sparkletProbe.sample();", vec![])
        .await?;
    serde_json::from_value(v).context("reading the page probe")
}

/// Opens the dashboard and times, in the page, its navigation start to the
/// first batch's bars drawn; ms.
pub async fn startup(browser: &Browser, url: &str) -> anyhow::Result<f64> {
    browser.goto(url).await?;
    let drawn = browser
        .execute_async(
            "const done = arguments[arguments.length - 1];\
             const check = () => document.querySelector(\"[data-testid='bar']\")\
                 ? done(performance.now()) : requestAnimationFrame(check);\
             check();",
            vec![],
        )
        .await?;
    drawn.as_f64().context("a time from the page")
}
