//! `sparklet bench --peer spark`: the bench's word count and JSON example,
//! exported by `sparklet export` and run on local PySpark (`local[2]`, the
//! project's `.venv`) in the same run, so the page's figures have a peer
//! measured on the same machine in the same hour.
//!
//! Spark reads recorded batches of the feed's records (`--input`, a
//! queueStream, one per batch) offered every 100 ms, faster than it takes
//! them, and the figure is the records of the batches after a warm-up over
//! the wall time Spark took for them (the completed batches its REST API
//! reports). Not its batches' `processingTime`: a PySpark job's batches
//! report a fraction of their cost there (50 to 150 ms for batches that
//! took 1.3 s each, measured here), the rest spent in the driver's Python
//! building each batch's RDDs. A live receiver was tried first: at full
//! speed it stored blocks faster than the driver processed them and ran
//! the driver out of heap within a minute, rate limits set or not.

use std::io::Write;
use std::net::TcpListener;
use std::os::unix::process::CommandExt;
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

use anyhow::{bail, Context};
use sparklet::export::{pyspark, Input};
use sparklet::spark_relay::read_api as api;

use super::report::{Report, Row};
use super::{JSON_ERROR_RATE, WORD_COUNT};

/// How often Spark's API is read while it runs.
const POLL: Duration = Duration::from_millis(200);

/// One workload's figures on Spark.
struct Peer {
    records_per_s: f64,
    words_per_s: Option<f64>,
}

/// Runs both workloads on Spark with `python` (see [`python`]), adding
/// a row each and, where the page ran them too, the page's ratio to Spark.
pub fn figures(report: &mut Report, python: &Path, quick: bool) -> anyhow::Result<()> {
    let python = python.to_path_buf();
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

/// `$SPARKLET_PYTHON`, else the project's `.venv` (`make test-tools`):
/// checked before the page's runs, so a missing one costs no run.
pub fn python() -> anyhow::Result<PathBuf> {
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
    let result = run_job(
        python,
        &dir,
        name,
        pipeline,
        events,
        per_batch,
        (warmup, measured),
    );
    let _ = std::fs::remove_dir_all(&dir);
    let (took, words_per_record) = result?;

    let records = (per_batch * measured as u64) as f64;
    let rate = records / took.as_secs_f64().max(1e-3);
    let words_per_s = (!events).then_some(rate * words_per_record);
    report.rows.push(Row {
        scenario: format!("spark: {name}, recorded batches (exported, local[2])"),
        records_per_s: Some(rate),
        words_per_s,
        ..Row::default()
    });
    Ok(Peer {
        records_per_s: rate,
        words_per_s,
    })
}

/// The job on `per_batch`-record batches in `dir`: its measured batches
/// and the records' mean words.
fn run_job(
    python: &Path,
    dir: &Path,
    name: &str,
    pipeline: &str,
    events: bool,
    per_batch: u64,
    (warmup, measured): (usize, usize),
) -> anyhow::Result<(Duration, f64)> {
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
        // Batches come faster than Spark takes them: it runs flat out.
        .args(["--spark-batch-ms", "100"])
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
    let mut job = Job(child);
    eprintln!(
        "sparklet bench: {name} on local Spark ({} batches of {per_batch} records)",
        warmup + measured
    );
    let took = measured_time(&mut job, ui, warmup, measured, &log)?;
    Ok((took, words_per_record))
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

/// The wall time Spark took for `measured` batches after the first
/// `warmup`: from when its API first reports `warmup` completed to when it
/// first reports `warmup + measured`, read every [`POLL`].
fn measured_time(
    job: &mut Job,
    ui: u16,
    warmup: usize,
    measured: usize,
    log: &Path,
) -> anyhow::Result<Duration> {
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
    let mut warm: Option<Instant> = None;
    loop {
        if started.elapsed() > Duration::from_secs(900) {
            return Err(failed("did not finish its batches within 15 minutes"));
        }
        std::thread::sleep(POLL);
        // A busy driver may not answer in time; only an ended job is done.
        let ended = job.0.try_wait().ok().flatten().is_some();
        if ended {
            return Err(failed("ended before its batches completed"));
        }
        let Some(id) = &app else {
            app = api(ui, "applications").and_then(|a| a[0]["id"].as_str().map(String::from));
            continue;
        };
        let Some(listed) = api(ui, &format!("applications/{id}/streaming/batches")) else {
            continue;
        };
        let done = listed
            .as_array()
            .into_iter()
            .flatten()
            .filter(|b| b["status"] == "COMPLETED")
            .count();
        match warm {
            None if done >= warmup => warm = Some(Instant::now()),
            Some(from) if done >= warmup + measured => return Ok(from.elapsed()),
            _ => {}
        }
    }
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
