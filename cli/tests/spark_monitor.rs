//! The dashboard watching a real Spark Streaming job (`sparklet serve
//! --spark URL`, the page at `?spark=1`): a PySpark DStream job exported by
//! `sparklet export`, reading a line server the test feeds, on local Spark
//! (the project's `.venv`). Every batch the page shows equals the one
//! Spark's own REST API reports at the same batch time (records,
//! scheduling delay, processing time, total delay), none is missing, and
//! `stats()` totals them. And an exported Structured Streaming job, whose
//! listener posts each micro-batch's progress to `sparklet serve`: every
//! report shows in the page as a batch, with its rows, duration and
//! event-time figures.

mod browser;
mod common;
mod feeds;
mod line_server;
mod venv;

use std::io::{Read, Write};
use std::net::TcpStream;
use std::path::Path;
use std::process::{Command, Stdio};
use std::time::Duration;

use browser::Browser;
use feeds::free_port;
use serde_json::Value;
use sparklet::spark_relay::read_api;
use sparklet::ServerConfig;
use venv::{python, Process};

/// `pipeline` exported by `sparklet export` on the line server at
/// `source` into `dir`, and started with `args`, its UI on port `ui`: the
/// job runs until the returned process drops.
fn start_job(dir: &Path, pipeline: &str, source: u16, ui: u16, args: &[&str]) -> Process {
    let job_path = dir.join("job.py");
    let out = Command::new(env!("CARGO_BIN_EXE_sparklet"))
        .args(["export", "--pipeline", pipeline, "--batch", "1s"])
        .args(["--source", &format!("tcp://127.0.0.1:{source}")])
        .arg("--output")
        .arg(&job_path)
        .output()
        .expect("sparklet runs");
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(out.status.success(), "{stderr}");
    Process(
        Command::new(python())
            .arg(&job_path)
            .args(args)
            .env(
                "PYSPARK_SUBMIT_ARGS",
                format!("--conf spark.ui.port={ui} pyspark-shell"),
            )
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .spawn()
            .expect("the job starts"),
    )
}

#[tokio::test(flavor = "multi_thread")]
#[ignore = "needs Chromium, Java and PySpark (make test installs them)"]
async fn the_page_shows_a_spark_jobs_batches_as_sparks_api_reports_them() {
    let chunks: Vec<Vec<u8>> = (0..40)
        .map(|c| {
            format!("spark stream {c}\nthe window of {c}\n")
                .repeat(20 + c)
                .into_bytes()
        })
        .collect();
    let source = line_server::line_server(chunks, Duration::from_millis(500));
    let dir = std::env::temp_dir().join(format!("sparklet-spark-ui-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    let ui = free_port();
    let _job = start_job(&dir, "split | count_by_value", source, ui, &[]);

    let config = ServerConfig {
        spark: Some(format!("http://127.0.0.1:{ui}")),
        ..ServerConfig::default()
    };
    let addr = common::start_with(Some(browser::dist()), config).await;
    let browser = Browser::start().await;
    browser
        .open(addr, &[("spark", "1"), ("view", "batches")])
        .await;
    let stats = browser
        .wait_for_stats(120, "six of Spark's batches in the page", |s| {
            s["batches"].as_u64() >= Some(6) && s["records"].as_u64() > Some(0)
        })
        .await;
    assert_eq!(stats["batch_ms"], 1000, "{stats:#}");
    assert!(
        stats["pipeline"]
            .as_str()
            .unwrap()
            .contains("split | count_by_value"),
        "the application's name: {stats:#}"
    );
    let (page_stats, rows) = browser.stats_and_batches().await;

    let apps = read_api(ui, "applications").expect("Spark's applications");
    let id = apps[0]["id"].as_str().unwrap();
    let spark = read_api(ui, &format!("applications/{id}/streaming/batches")).unwrap();
    let completed: Vec<&Value> = spark
        .as_array()
        .unwrap()
        .iter()
        .filter(|b| b["status"] == "COMPLETED")
        .collect();
    let last = rows.last().unwrap()["batch_time_ms"].as_u64().unwrap();
    let spark_upto: Vec<&&Value> = completed
        .iter()
        .filter(|b| b["batchId"].as_u64().unwrap() <= last)
        .collect();
    assert_eq!(rows.len(), spark_upto.len(), "batches up to {last}");
    let mut records = 0;
    for row in &rows {
        let time = row["batch_time_ms"].as_u64().unwrap();
        let b = completed
            .iter()
            .find(|b| b["batchId"].as_u64() == Some(time))
            .unwrap_or_else(|| panic!("the page's batch at {time} is not Spark's"));
        assert_eq!(row["records"], b["inputSize"], "records at {time}");
        for (page, spark) in [
            ("scheduling_delay_ms", "schedulingDelay"),
            ("processing_ms", "processingTime"),
            ("total_delay_ms", "totalDelay"),
        ] {
            assert_eq!(row[page].as_f64(), b[spark].as_f64(), "{page} at {time}");
        }
        records += row["records"].as_u64().unwrap();
    }
    assert!(records > 0, "the words reached Spark");
    assert_eq!(page_stats["batches"].as_u64(), Some(rows.len() as u64));
    assert_eq!(page_stats["records"].as_u64(), Some(records));
    assert_eq!(page_stats["state"], "live", "{page_stats:#}");
    assert_eq!(
        browser.count("[data-testid='clear']").await,
        0,
        "no Clear button: there is no pipeline of the page's own"
    );
    browser.screenshot("spark-monitor").await;
    browser.close().await;
    let _ = std::fs::remove_dir_all(&dir);
}

/// `GET /spark/progress` of the test's server: its reports, oldest first.
fn progress_reports(addr: std::net::SocketAddr) -> Vec<Value> {
    let mut conn = TcpStream::connect(addr).expect("the server");
    write!(conn, "GET /spark/progress HTTP/1.0\r\nHost: {addr}\r\n\r\n").unwrap();
    let mut answer = String::new();
    conn.read_to_string(&mut answer).unwrap();
    let (_, body) = answer.split_once("\r\n\r\n").expect("an answer");
    let listed: Value = serde_json::from_str(body).expect("JSON");
    assert_eq!(
        listed["refused"], 0,
        "every report the job posted was taken"
    );
    listed["reports"]
        .as_array()
        .unwrap()
        .iter()
        .map(|r| r["progress"].clone())
        .collect()
}

/// Spark's `2026-12-03T10:00:05.000Z` in ms.
fn ms_of(iso: &Value) -> i64 {
    let text = iso.as_str().unwrap_or_else(|| panic!("not a time: {iso}"));
    sparklet_engine::event_time::event_time_ms(&sparklet_engine::Value::str(text))
        .unwrap_or_else(|why| panic!("{why}"))
}

#[tokio::test(flavor = "multi_thread")]
#[ignore = "needs Chromium, Java and PySpark (make test installs them)"]
async fn an_exported_structured_streaming_jobs_progress_is_shown_in_the_page() {
    // Events 100 ms apart in event time, sent in chunks a second apart.
    let chunks: Vec<Vec<u8>> = (0..60)
        .map(|c| {
            (0..20)
                .map(|i| {
                    let t = 1_796_292_000_000u64 + (c * 20 + i) * 100;
                    format!("{{\"ts\":{t},\"path\":\"/p{}\"}}\n", i % 3)
                })
                .collect::<String>()
                .into_bytes()
        })
        .collect();
    let source = line_server::line_server(chunks, Duration::from_millis(1000));
    let addr = common::start_with(Some(browser::dist()), ServerConfig::default()).await;
    let dir = std::env::temp_dir().join(format!("sparklet-spark-ss-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    let pipeline = "json | with_watermark .ts 1s | map (.path, 1) | event_window 2s count";
    let browser = Browser::start().await;
    browser
        .open(addr, &[("spark", "1"), ("view", "event-time")])
        .await;
    // Before any query reports, the page says what it waits for.
    browser
        .wait_for_text("conn-detail", "posts its progress to /spark/progress", 30)
        .await;
    let server = format!("http://{addr}");
    let _job = start_job(
        &dir,
        pipeline,
        source,
        free_port(),
        &["--sparklet", &server],
    );
    browser
        .wait_for_stats(
            180,
            "five of the query's batches in the page, with rows",
            |s| s["batches"].as_u64() >= Some(5) && s["records"].as_u64() > Some(0),
        )
        .await;
    let (stats, rows) = browser.stats_and_batches().await;
    assert_eq!(stats["pipeline"], pipeline, "the query's name: {stats:#}");
    let reports = progress_reports(addr);
    let last = rows.last().unwrap()["batch"].as_u64().unwrap();
    let upto: Vec<&Value> = reports
        .iter()
        .filter(|r| r["batchId"].as_u64().unwrap() < last)
        .collect();
    assert_eq!(
        rows.len(),
        upto.len(),
        "every report up to batch {last} is a batch"
    );
    let mut watermark_moved = false;
    for (row, report) in rows.iter().zip(&upto) {
        assert_eq!(
            row["batch"].as_u64(),
            Some(report["batchId"].as_u64().unwrap() + 1)
        );
        assert_eq!(row["records"], report["numInputRows"], "{report:#}");
        assert_eq!(
            row["processing_ms"].as_f64(),
            report["durationMs"]["triggerExecution"].as_f64(),
            "batch duration"
        );
        let event = &row["event"];
        let watermark = ms_of(&report["eventTime"]["watermark"]);
        assert_eq!(
            event["watermark_ms"].as_i64(),
            Some(watermark),
            "{report:#}"
        );
        let op = &report["stateOperators"][0];
        assert_eq!(event["state_rows"], op["numRowsTotal"], "{report:#}");
        assert_eq!(event["late"], op["numRowsDroppedByWatermark"], "{report:#}");
        watermark_moved |= watermark > 0;
    }
    assert!(
        watermark_moved,
        "the watermark moved in Spark and in the page"
    );
    let status = browser.text_of("source-status").await.unwrap_or_default();
    assert!(status.contains("Structured Streaming query"), "{status}");
    assert!(status.contains("rows/s processed"), "{status}");
    let watermark = browser.text_of("watermark").await.unwrap_or_default();
    assert!(
        !watermark.contains("not yet"),
        "the Event time view: {watermark}"
    );
    browser.screenshot("spark-query").await;
    browser.close().await;
    let _ = std::fs::remove_dir_all(&dir);
}
