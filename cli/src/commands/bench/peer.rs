//! `sparklet bench --peer spark`: the bench's word count and JSON example,
//! exported by `sparklet export` and run on local PySpark (`local[2]`, the
//! project's `.venv`) in the same run, so the page's figures have a peer
//! measured on the same machine in the same hour.
//!
//! Spark reads recorded batches of the feed's records (`--input`, a
//! queueStream), one per batch, and the figure is its records over its own
//! processing time, from its REST API, after a warm-up: Spark's compute
//! alone, without a receiver. A live receiver was tried first: at full
//! speed it stored blocks faster than the driver processed them and ran
//! the driver out of heap within a minute, rate limits set or not, so it
//! measured the receiver's memory, not the pipeline.

use std::io::{Read, Write};
use std::net::{TcpListener, TcpStream};
use std::os::unix::process::CommandExt;
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

use anyhow::{bail, Context};
use serde_json::Value;
use sparklet::export::{pyspark, Input};

use super::report::{Report, Row};
use super::{JSON_ERROR_RATE, WORD_COUNT};

/// One workload's figures on Spark.
struct Peer {
    records_per_s: f64,
    words_per_s: Option<f64>,
}

/// Runs both workloads on Spark, adding a row each and, where the page
/// ran them too, the page's ratio to Spark.
pub fn figures(report: &mut Report, quick: bool) -> anyhow::Result<()> {
    let python = python()?;
    let words = measure(report, &python, "word count", WORD_COUNT, false, quick)?;
    let json = measure(
        report,
        &python,
        "JSON error rate",
        JSON_ERROR_RATE,
        true,
        quick,
    )?;
    let page = |scenario: &str| {
        report
            .rows
            .iter()
            .find(|r| r.scenario.starts_with(scenario))
    };
    let mut ratios = Vec::new();
    let page_words = page("page: word count, rate=0").and_then(|p| p.words_per_s);
    if let (Some(p), Some(s)) = (page_words, words.words_per_s) {
        ratios.push(("page / Spark: word count, words/s (same run)".into(), p / s));
    }
    if let Some(r) = page("page: JSON error rate").and_then(|p| p.records_per_s) {
        let ratio = r / json.records_per_s;
        ratios.push((
            "page / Spark: JSON error rate, records/s (same run)".into(),
            ratio,
        ));
    }
    report.ratios.extend(ratios);
    Ok(())
}

/// `$SPARKLET_PYTHON`, else the project's `.venv` (`make test-tools`).
fn python() -> anyhow::Result<PathBuf> {
    let python = std::env::var_os("SPARKLET_PYTHON")
        .map_or_else(|| PathBuf::from(".venv/bin/python"), PathBuf::from);
    if !python.is_file() {
        bail!(
            "no {}: `make test-tools` makes a venv with PySpark (or set SPARKLET_PYTHON)",
            python.display()
        );
    }
    Ok(python)
}

fn measure(
    report: &mut Report,
    python: &Path,
    name: &str,
    pipeline: &str,
    events: bool,
    quick: bool,
) -> anyhow::Result<Peer> {
    let (per_batch, warmup, measured) = if quick {
        (50_000, 2, 6)
    } else {
        (100_000, 3, 15)
    };
    let dir = std::env::temp_dir().join(format!("sparklet-bench-spark-{}", std::process::id()));
    std::fs::create_dir_all(&dir)?;
    let input = dir.join("batches.jsonl");
    let words_per_record = write_batches(&input, events, per_batch, warmup + measured + 1)?;
    let batch = sparklet_engine::Duration::from_secs(1);
    let program = pyspark(pipeline, batch, &Input::Batches(input))?;
    let job = dir.join("job.py");
    std::fs::write(&job, program)?;
    let ui = free_port()?;
    let log = dir.join("job.log");
    let mut command = Command::new(python);
    command
        .arg(&job)
        .env(
            "PYSPARK_SUBMIT_ARGS",
            format!("--driver-memory 2g --conf spark.ui.port={ui} pyspark-shell"),
        )
        .stdout(Stdio::null())
        .stderr(std::fs::File::create(&log)?)
        // A group of its own: the JVM and Python workers go with it.
        .process_group(0);
    let child = command
        .spawn()
        .with_context(|| format!("starting {}", python.display()))?;
    let job = Job(child);
    eprintln!(
        "sparklet bench: {name} on local Spark ({} batches of {per_batch} records)",
        warmup + measured
    );
    let batches = batches_of(ui, warmup, measured, &log);
    drop(job);
    let _ = std::fs::remove_dir_all(&dir);
    let batches = batches?;

    // A queueStream reports no input size: each measured batch is one of
    // the recorded ones.
    let records = (per_batch * batches.len() as u64) as f64;
    let busy_s: f64 = batches.iter().map(|b| b.processing_ms).sum::<f64>() / 1000.0;
    let rate = records / busy_s.max(1e-3);
    let quantile = |q: f64| {
        let mut v: Vec<f64> = batches.iter().map(|b| b.processing_ms).collect();
        v.sort_by(f64::total_cmp);
        v.get(((v.len() as f64 - 1.0) * q).round() as usize)
            .copied()
    };
    let words_per_s = (!events).then_some(rate * words_per_record);
    report.rows.push(Row {
        scenario: format!("spark: {name}, processing time (exported, local[2])"),
        records_per_s: Some(rate),
        words_per_s,
        processing_p50_ms: quantile(0.5),
        processing_p99_ms: quantile(0.99),
        ..Row::default()
    });
    Ok(Peer {
        records_per_s: rate,
        words_per_s,
    })
}

/// `batches` of `per_batch` of the feed's records as replay's input (a
/// JSON array of records per line); their mean words per record.
fn write_batches(path: &Path, events: bool, per_batch: u64, batches: usize) -> anyhow::Result<f64> {
    let mut out = std::io::BufWriter::new(std::fs::File::create(path)?);
    let (mut line, mut words) = (String::new(), 0);
    for b in 0..batches as u64 {
        out.write_all(b"[")?;
        for i in b * per_batch..(b + 1) * per_batch {
            line.clear();
            match events {
                false => sparklet::feed::words::write_record(1, i, &mut line),
                true => {
                    sparklet::feed::events::write_record(1, i, 1_796_292_000_000 + i, &mut line)
                }
            }
            words += line.split_whitespace().count();
            if i > b * per_batch {
                out.write_all(b",")?;
            }
            serde_json::to_writer(&mut out, &line)?;
        }
        out.write_all(b"]\n")?;
    }
    out.flush()?;
    Ok(words as f64 / (per_batch * batches as u64) as f64)
}

/// A completed batch of Spark's, as its REST API reports it.
struct Batch {
    processing_ms: f64,
}

/// Spark's completed batches after the first `warmup`, once `measured`
/// more have completed (the job ends after its last batch, taking its API
/// with it: the last answer is kept).
fn batches_of(ui: u16, warmup: usize, measured: usize, log: &Path) -> anyhow::Result<Vec<Batch>> {
    let started = Instant::now();
    let failed = |why: &str| {
        let text = std::fs::read_to_string(log).unwrap_or_default();
        let tail: Vec<&str> = text.lines().rev().take(20).collect();
        anyhow::anyhow!(
            "Spark {why}; the job's last lines:\n{}",
            tail.into_iter().rev().collect::<Vec<_>>().join("\n")
        )
    };
    let mut app: Option<String> = None;
    let mut seen: Vec<(u64, Batch)> = Vec::new();
    while seen.len() < warmup + measured {
        if started.elapsed() > Duration::from_secs(900) {
            return Err(failed("did not finish its batches within 15 minutes"));
        }
        std::thread::sleep(Duration::from_millis(500));
        let Some(id) = &app else {
            app = api(ui, "applications").and_then(|a| a[0]["id"].as_str().map(String::from));
            continue;
        };
        match api(ui, &format!("applications/{id}/streaming/batches")) {
            Some(listed) => seen = completed(&listed).collect(),
            None => break,
        }
    }
    if seen.len() < warmup + measured {
        return Err(failed("ended before its batches completed"));
    }
    seen.sort_by_key(|(t, _)| *t);
    Ok(seen
        .into_iter()
        .skip(warmup)
        .take(measured)
        .map(|(_, b)| b)
        .collect())
}

/// The completed batches of `/streaming/batches`, by batch time.
fn completed(listed: &Value) -> impl Iterator<Item = (u64, Batch)> + '_ {
    let batches = listed.as_array().into_iter().flatten();
    batches.filter(|b| b["status"] == "COMPLETED").map(|b| {
        let batch = Batch {
            processing_ms: b["processingTime"].as_f64().unwrap_or(0.0),
        };
        (b["batchId"].as_u64().unwrap_or(0), batch)
    })
}

/// `GET /api/v1/PATH` of Spark's UI on `port`: HTTP/1.0, so the body
/// comes whole.
fn api(port: u16, path: &str) -> Option<Value> {
    let mut conn = TcpStream::connect(("127.0.0.1", port)).ok()?;
    conn.set_read_timeout(Some(Duration::from_secs(10))).ok()?;
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

fn free_port() -> anyhow::Result<u16> {
    Ok(TcpListener::bind("127.0.0.1:0")?.local_addr()?.port())
}

/// The Spark job, killed with its process group: a busy JVM was seen to
/// outlive its killed Python driver, and its Python workers would too.
struct Job(Child);

impl Drop for Job {
    fn drop(&mut self) {
        let group = format!("-{}", self.0.id());
        let _ = Command::new("kill").args(["-KILL", "--", &group]).status();
        let _ = self.0.kill();
        let _ = self.0.wait();
    }
}
