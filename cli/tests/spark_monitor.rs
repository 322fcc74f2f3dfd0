//! The dashboard watching a real Spark Streaming job (`sparklet serve
//! --spark URL`, the page at `?spark=1`): a PySpark DStream job exported by
//! `sparklet export`, reading a line server the test feeds, on local Spark
//! (the project's `.venv`). Every batch the page shows equals the one
//! Spark's own REST API reports at the same batch time (records,
//! scheduling delay, processing time, total delay), none is missing, and
//! `stats()` totals them.

mod browser;
mod common;
mod feeds;
mod line_server;
mod venv;

use std::io::{Read, Write};
use std::net::TcpStream;
use std::process::{Command, Stdio};
use std::time::Duration;

use browser::Browser;
use feeds::free_port;
use serde_json::Value;
use sparklet::ServerConfig;
use venv::{python, Process};

/// Spark's REST API read directly, not through the relay: HTTP/1.0, so
/// the body comes whole.
fn spark_api(port: u16, path: &str) -> Option<Value> {
    let mut conn = TcpStream::connect(("127.0.0.1", port)).ok()?;
    write!(
        conn,
        "GET /api/v1/{path} HTTP/1.0\r\nHost: 127.0.0.1\r\n\r\n"
    )
    .ok()?;
    let mut answer = String::new();
    conn.read_to_string(&mut answer).ok()?;
    let (head, body) = answer.split_once("\r\n\r\n")?;
    head.starts_with("HTTP/1.1 200")
        .then(|| serde_json::from_str(body).ok())?
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
    let job_path = dir.join("job.py");
    let out = Command::new(env!("CARGO_BIN_EXE_sparklet"))
        .args([
            "export",
            "--pipeline",
            "split | count_by_value",
            "--batch",
            "1s",
        ])
        .args(["--source", &format!("tcp://127.0.0.1:{source}")])
        .arg("--output")
        .arg(&job_path)
        .output()
        .expect("sparklet runs");
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let ui = free_port();
    let _job = Process(
        Command::new(python())
            .arg(&job_path)
            .env(
                "PYSPARK_SUBMIT_ARGS",
                format!("--conf spark.ui.port={ui} pyspark-shell"),
            )
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .spawn()
            .expect("the job starts"),
    );

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
    // Both at one moment: a batch may arrive between two scripts.
    let both = browser
        .client
        .execute(
            "return [window.sparklet.stats(), window.sparklet.batches()];",
            vec![],
        )
        .await
        .expect("stats() and batches()");
    let (page_stats, rows) = (&both[0], both[1].as_array().unwrap());

    let apps = spark_api(ui, "applications").expect("Spark's applications");
    let id = apps[0]["id"].as_str().unwrap();
    let spark = spark_api(ui, &format!("applications/{id}/streaming/batches")).unwrap();
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
    for row in rows {
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
