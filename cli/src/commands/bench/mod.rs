//! `sparklet bench`: Sparklet's performance, measured in one run and
//! printed as one table, then judged against the performance targets. It
//! starts its own server (the dashboard and the demo feeds) and a headless
//! Chromium through chromedriver, and runs each scenario for a fixed, short
//! time: the native engine alone (native.rs), the words feed read by a
//! native client (feed.rs), the page's start-up, the page live (page.rs:
//! the word count and the JSON error rate flat out, the word count at 1 M
//! words/s and over 100,000 keys), and the same frames through the wasm
//! engine, plain JavaScript and the native engine (compute.rs). `--quick`
//! is the CI run: under two minutes, and a failure below a floor.

mod compute;
mod feed;
mod native;
mod page;
mod peer;
mod profile;
mod report;

use std::path::PathBuf;
use std::process::ExitCode;
use std::time::Duration;

use anyhow::Context;
use sparklet::browser::Browser;

use page::Live;
use report::{millions, thousands, Report};

#[derive(Debug, clap::Args)]
pub struct Args {
    /// The short run for CI (under a minute); fails when the page's
    /// sustained throughput is below the floor.
    #[arg(long)]
    quick: bool,
    /// Only the native engine: no server, no browser.
    #[arg(long)]
    engine: bool,
    /// Also write the figures as JSON to this file.
    #[arg(long)]
    json: Option<PathBuf>,
    /// The built dashboard (`make dist`).
    #[arg(long, default_value = "dist")]
    dist: PathBuf,
    /// Save a CPU profile of each live run here (`.cpuprofile`, for
    /// Chrome DevTools) and print where the main thread's time went.
    #[arg(long)]
    profile: Option<PathBuf>,
    /// Also run the word count and the JSON example, exported, on local
    /// PySpark (`.venv`, or $SPARKLET_PYTHON) and print the page's ratio.
    #[arg(long, value_parser = ["spark"])]
    peer: Option<String>,
}

/// The page's sustained word count, flat out, below which `--quick` fails.
/// Quick runs measured 8.2-16.1 M in one day on this machine kind, whose
/// load from its neighbours varies (the p99 with it, 45-93 ms): the floor
/// is under the worst of them, so noise does not trip it and losing half
/// the speed on a quiet machine does.
const FLOOR_WORDS_PER_S: f64 = 6.0e6;

/// The same for the JSON example on the events feed (quick runs: 360-380 k
/// records/s with the projection, 220 k without).
const FLOOR_JSON_RECORDS_PER_S: f64 = 150.0e3;

/// The main thread while the page runs flat out, with the stream in its
/// worker: busy under this share (quick runs: 5-20%; with the engine on
/// it, 57-86%)...
const FLOOR_MAIN_BUSY: f64 = 0.4;
/// ...no task this long (the target is 50 ms, judged in the table; on a
/// loaded 2-core machine a 54 ms task was seen once in CI, none in the
/// other runs, 63-66 ms ones with the engine on the main thread)...
const FLOOR_LONGEST_TASK_MS: f64 = 100.0;
/// ...and at least these animation frames per second (quick runs: 59-60;
/// the target is 55).
const FLOOR_FRAMES_PER_S: f64 = 45.0;

/// What the words feed must deliver to a native client, below which
/// `--quick` fails: the target, far under the 400 M+ measured here (the
/// feed sends text it made once), so only a real regression trips it.
const FEED_FLOOR_WORDS_PER_S: f64 = 60.0e6;

/// The default word count, as the dashboard opens with it.
const WORD_COUNT: &str = "split | lower | count_by_value_and_window 10s | top 10";

/// The events feed's error rate by service: JSON through the general path.
const JSON_ERROR_RATE: &str =
    "json | map (.path, .level == \"error\") | reduce_by_key_and_window mean 10s 1s inverse";

/// Records per frame in the live runs: about 60 KB, near where Chromium's
/// per-frame cost stops mattering.
const FRAME: u64 = 2000;

/// Records per second for 1 M words/s on the words feed.
fn one_million_words(words_per_record: f64) -> u64 {
    (1.0e6 / words_per_record).round() as u64
}

pub fn run(args: Args) -> anyhow::Result<ExitCode> {
    let python = args.peer.as_ref().map(|_| peer::python()).transpose()?;
    let mut report = Report {
        machine: report::machine(),
        quick: args.quick,
        ..Report::default()
    };
    native::figures(&mut report, args.quick);
    if !args.engine {
        if !args.dist.join("index.html").is_file() {
            anyhow::bail!(
                "no built dashboard in {} (run `make dist`, or pass --dist DIR)",
                args.dist.display()
            );
        }
        let runtime = tokio::runtime::Runtime::new().context("starting the async runtime")?;
        runtime.block_on(page_figures(&mut report, &args))?;
    }
    if let Some(python) = &python {
        // Spark failing loses its rows, not the page's.
        if let Err(why) = peer::figures(&mut report, python, args.quick) {
            eprintln!("sparklet bench: the Spark peer: {why:#}");
        }
    }
    report.print();
    if let Some(path) = &args.json {
        let json = serde_json::to_string_pretty(&report)?;
        std::fs::write(path, json).with_context(|| format!("writing {}", path.display()))?;
    }
    let floors = [
        (
            "page: word count, rate=0",
            FLOOR_WORDS_PER_S,
            "the page sustained",
        ),
        (
            "feed: words",
            FEED_FLOOR_WORDS_PER_S,
            "the words feed delivered",
        ),
    ];
    for (scenario, floor, what) in floors {
        let missed = report
            .rows
            .iter()
            .find(|r| r.scenario.starts_with(scenario))
            .and_then(|r| r.words_per_s)
            .is_some_and(|w| w < floor);
        if args.quick && missed {
            eprintln!(
                "sparklet bench: {what} less than the floor of {} words/s",
                thousands(floor)
            );
            return Ok(ExitCode::FAILURE);
        }
    }
    if args.quick {
        if let Some(why) = report.floors_missed.first() {
            eprintln!("sparklet bench: {why}");
            return Ok(ExitCode::FAILURE);
        }
    }
    Ok(ExitCode::SUCCESS)
}

async fn page_figures(report: &mut Report, args: &Args) -> anyhow::Result<()> {
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await?;
    let addr = listener.local_addr()?;
    tokio::spawn(sparklet::serve(listener, Some(args.dist.clone())));
    feed::figures(report, addr, args.quick).await?;
    let browser = Browser::start(&["--enable-precise-memory-info"]).await?;
    page::install_probe(&browser).await?;
    browser
        .client
        .update_timeouts(fantoccini::wd::TimeoutConfiguration::new(
            Some(Duration::from_secs(120)),
            Some(Duration::from_secs(60)),
            None,
        ))
        .await
        .context("setting WebDriver timeouts")?;
    let result = measure_page(report, &browser, addr, args).await;
    browser.close().await;
    result?;
    bundle_size(report, &args.dist)
}

async fn measure_page(
    report: &mut Report,
    browser: &Browser,
    addr: std::net::SocketAddr,
    args: &Args,
) -> anyhow::Result<()> {
    let quick = args.quick;
    let profile = args.profile.clone();
    let words = native::words_per_record(300);
    let one_m = one_million_words(words);
    let secs =
        |quick_s: u64, full_s: u64| Duration::from_secs(if quick { quick_s } else { full_s });

    // The first navigation of a fresh profile: nothing cached.
    let startup_url = page::url(
        addr,
        "words",
        &format!("rate={one_m}&frame={FRAME}"),
        WORD_COUNT,
        100,
    );
    let startup_ms = page::startup(browser, &startup_url).await?;
    report.target(
        "also: first batch drawn after opening the URL (100 ms batches)",
        format!("{startup_ms:.0} ms"),
        "< 1 s",
        Some(startup_ms < 1000.0),
    );
    // The bare URL: the default 1 s batches, so its first batch is due 1 s
    // after the stream starts (the cache is warm by now).
    let bare_ms = page::startup(browser, &format!("http://{addr}/")).await?;
    report.target(
        "  the bare URL (1 s batches, cache warm)",
        format!("{bare_ms:.0} ms"),
        "",
        None,
    );

    let flat_out = Live {
        name: "page: word count, rate=0, 100 ms batches".into(),
        feed: "words",
        feed_query: format!("rate=0&frame={FRAME}"),
        pipeline: WORD_COUNT.into(),
        batch_ms: 100,
        warmup: secs(3, 5),
        measure: secs(6, 20),
        profile: profile.clone(),
    };
    let mut flat = page::live(browser, addr, &flat_out, words).await?;
    keep_run(report, &flat_out.name, &mut flat, profile.is_some());
    report.target(
        "2 the stream in a Web Worker (stats().worker)",
        if flat.worker { "yes" } else { "no" }.into(),
        "yes",
        Some(flat.worker),
    );
    let flat_words = flat.row.words_per_s.unwrap_or(0.0);
    let flat_p99 = flat.row.processing_p99_ms.unwrap_or(f64::MAX);
    report.target(
        "3 sustained words/s, rate=0, 100 ms batches",
        millions(flat_words),
        ">= 30 M",
        Some(flat_words >= 30e6),
    );
    sustained_checks(report, &flat, flat_p99);

    let json_out = Live {
        name: "page: JSON error rate, rate=0, 100 ms batches".into(),
        feed: "events",
        feed_query: format!("rate=0&frame={FRAME}"),
        pipeline: JSON_ERROR_RATE.into(),
        batch_ms: 100,
        warmup: secs(3, 5),
        measure: secs(6, 20),
        profile: profile.clone(),
    };
    let mut json = page::live(browser, addr, &json_out, 0.0).await?;
    keep_run(report, &json_out.name, &mut json, profile.is_some());
    json.row.words_per_s = None;
    let json_rate = json.row.records_per_s.unwrap_or(0.0);
    if json_rate < FLOOR_JSON_RECORDS_PER_S {
        report.floors_missed.push(format!(
            "the page sustained {} JSON records/s, under the floor of {}",
            thousands(json_rate),
            thousands(FLOOR_JSON_RECORDS_PER_S)
        ));
    }
    if !flat.worker {
        report
            .floors_missed
            .push("the stream did not run in a Web Worker (stats().worker)".into());
    }
    report.target(
        "4 sustained JSON records/s, rate=0, 100 ms batches",
        millions(json_rate),
        ">= 1.5 M",
        Some(json_rate >= 1.5e6),
    );
    let json_p99 = json.row.processing_p99_ms.unwrap_or(f64::MAX);
    sustained_checks(report, &json, json_p99);
    for (what, run) in [("word count", &flat), ("JSON", &json)] {
        let longest = run.row.longest_task_ms.unwrap_or(f64::MAX);
        report.target(
            &format!("5 main thread, {what} at rate=0: longest task"),
            format!("{longest:.0} ms"),
            "< 50 ms",
            Some(longest < 50.0),
        );
        report.target(
            "  animation frames per second",
            format!("{:.0}", run.frames_per_s),
            ">= 55",
            Some(run.frames_per_s >= 55.0),
        );
        if longest >= FLOOR_LONGEST_TASK_MS
            || run.frames_per_s < FLOOR_FRAMES_PER_S
            || run.main_busy >= FLOOR_MAIN_BUSY
        {
            report.floors_missed.push(format!(
                "the main thread, {what} at rate=0: {:.0}% busy, a {longest:.0} ms task, \
                 {:.0} frames/s (floors: under {:.0}%, under {FLOOR_LONGEST_TASK_MS} ms, \
                 {FLOOR_FRAMES_PER_S} frames/s)",
                run.main_busy * 100.0,
                run.frames_per_s,
                FLOOR_MAIN_BUSY * 100.0
            ));
        }
        report.target(
            "  busy share: main thread / the stream's worker",
            format!(
                "{:.0}% / {:.0}%",
                run.main_busy * 100.0,
                run.stream_busy * 100.0
            ),
            "",
            None,
        );
    }
    report.rows.push(flat.row.clone());
    report.rows.push(json.row);

    let steady = Live {
        name: "page: word count, 1 M words/s, 100 ms batches".into(),
        feed: "words",
        feed_query: format!("rate={one_m}&frame={FRAME}"),
        pipeline: WORD_COUNT.into(),
        batch_ms: 100,
        warmup: secs(2, 5),
        measure: secs(6, 20),
        profile: profile.clone(),
    };
    let mut at_1m = page::live(browser, addr, &steady, words).await?;
    keep_run(report, &steady.name, &mut at_1m, profile.is_some());
    let total_p99 = at_1m.row.total_delay_p99_ms.unwrap_or(f64::MAX);
    let arrival_p99 = at_1m.row.arrival_to_result_p99_ms.unwrap_or(f64::MAX);
    report.target(
        "also: total delay p99 at 1 M words/s",
        format!("{total_p99:.1} ms"),
        "< 50 ms",
        Some(total_p99 < 50.0),
    );
    report.target(
        "  arrival-to-result p99 at 1 M words/s",
        format!("{arrival_p99:.0} ms"),
        "< 200 ms",
        Some(arrival_p99 < 200.0),
    );
    report.rows.push(at_1m.row);

    let many_keys = Live {
        name: "page: 100,000 keys, 30 s window, 1 M words/s".into(),
        feed: "words",
        feed_query: format!("rate={one_m}&frame={FRAME}&vocab=100000"),
        pipeline: "split | lower | count_by_value_and_window 30s | top 10".into(),
        batch_ms: 100,
        warmup: secs(2, 5),
        measure: secs(8, 120),
        profile: profile.clone(),
    };
    let mut keys = page::live(browser, addr, &many_keys, native::words_per_record(100_000)).await?;
    keep_run(report, &many_keys.name, &mut keys, profile.is_some());
    let peak = keys.row.peak_memory_bytes.unwrap_or(f64::MAX);
    report.target(
        "6 JS heap + wasm memory, 100,000 keys, 30 s window",
        format!("{:.0} MB", peak / 1e6),
        "< 256 MB",
        Some(peak < 256e6),
    );
    report.target(
        "  growth, last third of the run over the middle third",
        format!("{:+.1} MB", keys.memory_growth_bytes / 1e6),
        "not growing",
        (!quick).then_some(keys.memory_growth_bytes < 16e6),
    );
    report.rows.push(keys.row);

    let frames = compute::Frames {
        limit: if quick { 200_000 } else { 600_000 },
        frame: FRAME,
        frames_per_batch: 10,
        batch_ms: 100,
        window_batches: 100,
        rounds: if quick { 3 } else { 7 },
    };
    let same = compute::compare(browser, addr, &frames, words).await?;
    report.ratios.push((
        "same frames: wasm engine / plain JavaScript (speed)".into(),
        same.wasm_over_js,
    ));
    report.ratios.push((
        "same frames: wasm engine in the page / native engine (speed)".into(),
        same.wasm_over_native,
    ));
    let live_over_engine = flat_words / same.wasm.words_per_s.unwrap_or(f64::MAX);
    report.ratios.push((
        "page sustained (rate=0) / same frames through the wasm engine".into(),
        live_over_engine,
    ));
    report.target(
        "3 sustained in the page / same frames through wasm",
        format!("{live_over_engine:.2}x"),
        ">= 0.7x",
        Some(live_over_engine >= 0.7),
    );
    report.target(
        "also: wasm / native engine, same frames",
        format!("{:.2}x", same.wasm_over_native),
        ">= 0.3x",
        Some(same.wasm_over_native >= 0.3),
    );
    report.target(
        "  wasm / plain JavaScript, same frames",
        format!("{:.2}x", same.wasm_over_js),
        "> 1x",
        Some(same.wasm_over_js > 1.0),
    );
    report.rows.extend([same.wasm, same.js, same.native]);
    Ok(())
}

/// What "sustained" also asks of a live run: processing p99 under half the
/// 100 ms batch, a flat scheduling delay, nothing dropped.
fn sustained_checks(report: &mut Report, run: &page::LiveFigures, p99: f64) {
    report.target(
        "  processing p99 meanwhile",
        format!("{p99:.1} ms"),
        "< 50 ms",
        Some(p99 < 50.0),
    );
    report.target(
        "  scheduling delay, first -> last fifth of the run",
        format!(
            "{:.1} -> {:.1} ms",
            run.scheduling_start_ms, run.scheduling_end_ms
        ),
        "not growing",
        Some(run.scheduling_end_ms <= run.scheduling_start_ms + 10.0),
    );
    report.target(
        "  records dropped meanwhile",
        thousands(run.dropped as f64),
        "0",
        Some(run.dropped == 0),
    );
}

/// Files a live run's batches with the report, and its threads'
/// profiles when they were asked for.
fn keep_run(report: &mut Report, name: &str, figures: &mut page::LiveFigures, profiled: bool) {
    let profiles = std::mem::take(&mut figures.profiles);
    if profiled {
        report
            .profiles
            .extend(profiles.into_iter().map(|p| (name.to_string(), p)));
    }
    report
        .batches
        .push((name.to_string(), std::mem::take(&mut figures.batches)));
}

/// The dashboard's wasm, gzip-compressed as a server would send it.
fn bundle_size(report: &mut Report, dist: &std::path::Path) -> anyhow::Result<()> {
    use std::io::Write;
    let wasm = std::fs::read(dist.join("pkg/sparklet_dashboard_bg.wasm"))
        .context("reading the dashboard's wasm")?;
    let mut gz = flate2::write::GzEncoder::new(Vec::new(), flate2::Compression::best());
    gz.write_all(&wasm)?;
    let gzipped = gz.finish()?.len() as f64;
    report.target(
        "also: wasm bundle, gzip-compressed",
        format!(
            "{:.0} KB ({:.0} KB raw)",
            gzipped / 1e3,
            wasm.len() as f64 / 1e3
        ),
        "< 1 MB",
        Some(gzipped < 1e6),
    );
    Ok(())
}
