//! `sparklet export --to pyspark` checked on real Spark: every example of
//! the README's language reference, seeded random DStream pipelines over
//! random input (text, numbers, pairs, JSON, and records of the wrong
//! kind), and seeded random event-time pipelines (Structured Streaming:
//! windows, sessions, every output mode, over disordered and late events),
//! exported, run on local PySpark (the project's `.venv`, which `make test`
//! fills, with Debian's Java), must print exactly what `sparklet replay`
//! prints on the same batches, event-time figures included, and skip as
//! many malformed records. One JVM runs every job, one after another
//! (`python/spark_cases.py`). And a job exported on a `tcp:` source,
//! reading a line server over several of Spark's batches, totals exactly
//! the words sent (the page's own totals on such a server are checked
//! against the same truth in `sources.rs`).

mod line_server;
mod random_cases;
mod readme_examples;
mod venv;

use std::collections::BTreeMap;
use std::fmt::Write as _;
use std::io::{BufRead, BufReader};
use std::path::Path;
use std::process::{Command, Output, Stdio};
use std::time::{Duration, Instant};

use random_cases::{event_case, random_case, Case};
use readme_examples::{examples, readme};
use venv::{python, Process};

fn sparklet(args: &[&str]) -> Output {
    Command::new(env!("CARGO_BIN_EXE_sparklet"))
        .args(args)
        .stdin(Stdio::null())
        .output()
        .expect("sparklet runs")
}

/// What `sparklet replay` prints for the case, and how many records it
/// skipped as malformed.
fn replay(case: &Case, input: &Path) -> (String, u64) {
    let out = sparklet(&[
        "replay",
        "--pipeline",
        &case.pipeline,
        "--batch",
        &case.batch,
        "--input",
        input.to_str().unwrap(),
    ]);
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(out.status.success(), "{}: replay: {stderr}", case.origin);
    let malformed = stderr
        .strip_prefix("sparklet replay: ")
        .and_then(|s| s.split_whitespace().next())
        .map_or(0, |n| n.parse().expect("a count"));
    (String::from_utf8(out.stdout).unwrap(), malformed)
}

/// The job for the case, or export's refusal.
fn export(case: &Case, input: &Path, job: &Path) -> Result<(), String> {
    let out = sparklet(&[
        "export",
        "--pipeline",
        &case.pipeline,
        "--batch",
        &case.batch,
        "--to",
        "pyspark",
        "--input",
        input.to_str().unwrap(),
        "--output",
        job.to_str().unwrap(),
    ]);
    match out.status.code() {
        Some(0) => Ok(()),
        Some(2) => Err(String::from_utf8_lossy(&out.stderr).into_owned()),
        _ => panic!("{}: export crashed: {out:?}", case.origin),
    }
}

/// The README's examples, each on exactly the batches replay runs
/// (`--batches N` pads with empty ones).
fn readme_cases() -> Vec<Case> {
    examples(&readme())
        .into_iter()
        .map(|ex| {
            let mut input: Vec<&str> = ex.input.lines().collect();
            if let Some(n) = ex.arg("--batches") {
                input.resize(n.parse().unwrap(), "[]");
            }
            Case {
                origin: format!("README line {}", ex.line),
                pipeline: ex.arg("--pipeline").expect("a pipeline").to_string(),
                batch: ex.arg("--batch").unwrap_or("1s").to_string(),
                input: input.join("\n") + "\n",
            }
        })
        .collect()
}

#[test]
#[ignore = "needs Java and PySpark (make test installs them); about three minutes"]
fn exported_jobs_print_what_replay_prints_on_local_spark() {
    let dir = std::env::temp_dir().join(format!("sparklet-spark-{}", std::process::id()));
    let _ = std::fs::remove_dir_all(&dir);
    std::fs::create_dir_all(&dir).unwrap();
    let mut cases = Vec::new();
    // More seeds for a deeper look: SPARKLET_SPARK_SEEDS=500 (DStream
    // pipelines), SPARKLET_SPARK_EVENT_SEEDS=100 (Structured Streaming).
    let seeds = |var, default| std::env::var(var).map_or(default, |n: String| n.parse().unwrap());
    let event_seeds: u64 = seeds("SPARKLET_SPARK_EVENT_SEEDS", 12);
    for case in readme_cases()
        .into_iter()
        .chain((1..=seeds("SPARKLET_SPARK_SEEDS", 40)).map(random_case))
        .chain((1..=event_seeds).map(event_case))
    {
        let name = format!("case_{}", cases.len());
        let input = dir.join(format!("{name}.jsonl"));
        std::fs::write(&input, &case.input).unwrap();
        // Every stage of the language reference exports.
        if let Err(why) = export(&case, &input, &dir.join(format!("{name}.py"))) {
            panic!("{}: `{}` refused: {why}", case.origin, case.pipeline);
        }
        cases.push((name, case, input));
    }
    let events = cases
        .iter()
        .filter(|(_, c, _)| c.pipeline.contains("with_watermark"));
    assert!(
        events.count() as u64 >= 3 + event_seeds,
        "the README's event-time examples?"
    );

    let status = Command::new(python())
        .arg(Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/python/spark_cases.py"))
        .arg(&dir)
        .args(cases.iter().map(|(name, ..)| name))
        .stdout(Stdio::null())
        .status()
        .expect("python runs");
    assert!(status.success(), "the Spark driver failed (its log above)");

    let mut failures = String::new();
    for (name, case, input) in &cases {
        let (want, want_malformed) = replay(case, input);
        let got = std::fs::read_to_string(dir.join(format!("{name}.out"))).unwrap();
        let malformed: u64 = std::fs::read_to_string(dir.join(format!("{name}.malformed")))
            .unwrap()
            .trim()
            .parse()
            .unwrap();
        if got != want || malformed != want_malformed {
            writeln!(
                failures,
                "\n{} ({name}): `{}` at {}\ninput:\n{}replay ({want_malformed} malformed):\n{want}spark ({malformed} malformed):\n{got}",
                case.origin, case.pipeline, case.batch, case.input
            )
            .unwrap();
        }
    }
    assert!(failures.is_empty(), "Spark differs from replay:{failures}");
    let _ = std::fs::remove_dir_all(&dir);
}

#[test]
#[ignore = "needs Java and PySpark (make test installs them)"]
fn an_exported_job_on_a_tcp_source_totals_the_words_sent() {
    const WORDS: [&str; 7] = ["spark", "stream", "the", "a", "window", "Über", "x"];
    let chunks: Vec<String> = (0..6)
        .map(|c| {
            (0..200)
                .map(|i| {
                    let n = 1 + (i * 7 + c) % 6;
                    let words: Vec<&str> = (0..n).map(|j| WORDS[(i * 5 + j * 3 + c) % 7]).collect();
                    words.join(" ") + "\n"
                })
                .collect()
        })
        .collect();
    let mut truth = BTreeMap::new();
    for word in chunks.iter().flat_map(|c| c.split_ascii_whitespace()) {
        *truth.entry(word.to_string()).or_insert(0i64) += 1;
    }
    let port = line_server::line_server(
        chunks.into_iter().map(String::into_bytes).collect(),
        Duration::from_millis(700),
    );
    let dir = std::env::temp_dir().join(format!("sparklet-spark-tcp-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    let job_path = dir.join("job.py");
    let out = sparklet(&[
        "export",
        "--pipeline",
        "split | count_by_value | update_state_by_key sum",
        "--source",
        &format!("tcp://127.0.0.1:{port}"),
        "--output",
        job_path.to_str().unwrap(),
    ]);
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let mut job = Process(
        Command::new(python())
            .arg(&job_path)
            .arg("--checkpoint")
            .arg(dir.join("checkpoint"))
            .stdout(Stdio::piped())
            .stderr(Stdio::null())
            .spawn()
            .expect("the job starts"),
    );
    // Read on a thread of its own, so a job that hangs fails the test.
    let (tx, rx) = std::sync::mpsc::channel();
    let stdout = job.0.stdout.take().unwrap();
    std::thread::spawn(move || {
        for line in BufReader::new(stdout).lines().map_while(Result::ok) {
            if tx.send(line).is_err() {
                break;
            }
        }
    });
    let deadline = Instant::now() + Duration::from_secs(120);
    let (mut batches, mut last) = (0, BTreeMap::new());
    while let Ok(line) = rx.recv_timeout(deadline.saturating_duration_since(Instant::now())) {
        let batch: serde_json::Value = serde_json::from_str(&line).expect("a JSON line");
        batches += 1;
        last = batch["output"]
            .as_array()
            .expect("an output array")
            .iter()
            .map(|kv| (kv[0].as_str().unwrap().to_string(), kv[1].as_i64().unwrap()))
            .collect();
        if last == truth {
            break;
        }
    }
    assert_eq!(last, truth, "after {batches} batches of Spark's");
    assert!(
        batches >= 3,
        "the words came in {batches} batches, not several"
    );
    drop(job);
    let _ = std::fs::remove_dir_all(&dir);
}
