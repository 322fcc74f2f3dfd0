//! `sparklet replay` as a user runs it: the real binary, JSON lines in and
//! out. Its output equals the engine API's on the same batches, and bad
//! input is a message on stderr with exit status 2.

use std::io::Write;
use std::process::{Command, Output, Stdio};

use sparklet_engine::replay::replay;
use sparklet_engine::{Duration, Value};

fn sparklet_replay(args: &[&str], stdin: &str) -> Output {
    let mut child = Command::new(env!("CARGO_BIN_EXE_sparklet"))
        .arg("replay")
        .args(args)
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .expect("the sparklet binary runs");
    // Written from another thread: a long input and a long output would
    // otherwise fill both pipes and wait on each other.
    let mut input = child.stdin.take().expect("stdin");
    let stdin = stdin.to_owned();
    let writer = std::thread::spawn(move || {
        // A replay that refuses early stops reading: a broken pipe is fine.
        let _ = input.write_all(stdin.as_bytes());
    });
    let out = child.wait_with_output().expect("replay finishes");
    writer.join().expect("the input writer");
    out
}

/// Seeded word batches, some empty, as JSON lines.
fn word_batches(n: usize) -> (String, Vec<Vec<Value>>) {
    let mut state = 42u64;
    let mut next = move || {
        state = state
            .wrapping_mul(6364136223846793005)
            .wrapping_add(1442695040888963407);
        (state >> 33) as usize
    };
    let words = ["spark", "stream", "batch", "window", "rdd", "dstream"];
    let batches: Vec<Vec<String>> = (0..n)
        .map(|_| {
            (0..next() % 6)
                .map(|_| format!("{} {}", words[next() % 6], words[next() % 6]))
                .collect()
        })
        .collect();
    let text = batches
        .iter()
        .map(|b| serde_json::to_string(b).unwrap() + "\n")
        .collect();
    let values = batches
        .into_iter()
        .map(|b| b.iter().map(|s| Value::str(s)).collect())
        .collect();
    (text, values)
}

#[test]
fn output_equals_the_engine_api_for_the_word_count_operators() {
    let (text, values) = word_batches(25);
    for pipeline in [
        "split | lower | count_by_value_and_window 4s 2s | top 3",
        "split | count_by_value | update_state_by_key sum",
        "split | pair | reduce_by_key_and_window sum 3s inverse",
        "split | map (., len(.)) | reduce_by_key max",
    ] {
        let out = sparklet_replay(
            &[
                "--pipeline",
                pipeline,
                "--batch",
                "500ms",
                "--batches",
                "30",
            ],
            &text,
        );
        assert!(
            out.status.success(),
            "{pipeline}: {}",
            String::from_utf8_lossy(&out.stderr)
        );
        let got: Vec<serde_json::Value> = String::from_utf8(out.stdout)
            .unwrap()
            .lines()
            .map(|l| serde_json::from_str(l).expect("each output line is JSON"))
            .collect();
        let (api, _) = replay(
            pipeline,
            Duration::from_millis(500),
            values.clone(),
            Some(30),
        )
        .unwrap();
        let want: Vec<serde_json::Value> = api
            .iter()
            .map(|e| serde_json::to_value(e).unwrap())
            .collect();
        assert_eq!(got, want, "{pipeline}");
        // 30 batches of 500 ms: the last output is at 15 s, or at 14 s, the
        // last multiple of a 2 s slide.
        let last = if pipeline.contains("4s 2s") {
            14000
        } else {
            15000
        };
        assert_eq!(got.last().unwrap()["time_ms"], last, "{pipeline}");
    }
}

/// EventTimeWatermarkSuite "append mode" (5 s windows, 10 s delay) as a
/// user replays it: a line for every batch, with the watermark after it,
/// the late groups and rows, and the windows held; the state rows are
/// Spark's own `assertNumStateRows(2)`.
#[test]
fn an_event_time_pipeline_prints_every_batch_with_its_watermark_and_late_rows() {
    let secs = |s: &[i64]| {
        let rows: Vec<String> = s
            .iter()
            .map(|s| format!("{{\"ts\":{}}}", s * 1000))
            .collect();
        format!("[{}]\n", rows.join(","))
    };
    let input = [secs(&[10, 11, 12, 13, 14, 15]), secs(&[25]), secs(&[10])].concat();
    let pipeline = "with_watermark .ts 10s | event_window 5s count";
    let out = sparklet_replay(&["--pipeline", pipeline], &input);
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let lines: Vec<serde_json::Value> = String::from_utf8(out.stdout)
        .unwrap()
        .lines()
        .map(|l| serde_json::from_str(l).unwrap())
        .collect();
    let want = [
        r#"{"time_ms":1000,"output":[],"watermark_ms":5000,"late":0,"late_rows":0,"state_rows":2}"#,
        r#"{"time_ms":2000,"output":[{"window":{"start":10000,"end":15000},"key":null,"value":5}],
            "watermark_ms":15000,"late":0,"late_rows":0,"state_rows":2}"#,
        r#"{"time_ms":3000,"output":[],"watermark_ms":15000,"late":1,"late_rows":1,"state_rows":2}"#,
    ];
    let want: Vec<serde_json::Value> = want
        .iter()
        .map(|w| serde_json::from_str(w).unwrap())
        .collect();
    assert_eq!(lines, want);
}

#[test]
fn batches_pads_with_empty_batches_and_truncates() {
    let out = sparklet_replay(
        &["--pipeline", "count", "--batches", "3"],
        "[1,2]\n[3]\n[4]\n[5]\n",
    );
    assert_eq!(
        String::from_utf8(out.stdout).unwrap(),
        "{\"time_ms\":1000,\"output\":[2]}\n{\"time_ms\":2000,\"output\":[1]}\n{\"time_ms\":3000,\"output\":[1]}\n"
    );
    let out = sparklet_replay(&["--pipeline", "count", "--batches", "2"], "[[\"a\", 1]]\n");
    assert_eq!(
        String::from_utf8(out.stdout).unwrap(),
        "{\"time_ms\":1000,\"output\":[1]}\n{\"time_ms\":2000,\"output\":[0]}\n"
    );
}

#[test]
fn bad_pipelines_and_bad_lines_exit_2_with_the_reason() {
    let out = sparklet_replay(&["--pipeline", "split | windw 2s"], "");
    assert_eq!(out.status.code(), Some(2));
    let err = String::from_utf8(out.stderr).unwrap();
    assert!(
        err.contains("stage 2 `windw`") && err.contains("did you mean `window`"),
        "{err}"
    );

    let out = sparklet_replay(&["--pipeline", "count"], "[1]\n{\"a\": 1}\n");
    assert_eq!(out.status.code(), Some(2));
    let err = String::from_utf8(out.stderr).unwrap();
    assert!(
        err.contains("input line 2: expected a JSON array of records, got an object"),
        "{err}"
    );

    let out = sparklet_replay(&["--pipeline", "count_by_value_and_window 1500ms"], "");
    assert_eq!(out.status.code(), Some(2));
    assert!(String::from_utf8(out.stderr)
        .unwrap()
        .contains("not a multiple of the batch interval"));
}

#[test]
fn malformed_records_are_skipped_and_reported() {
    let out = sparklet_replay(
        &["--pipeline", "json | map .n | reduce sum"],
        "[\"{\\\"n\\\": 2}\", \"oops\"]\n",
    );
    assert!(out.status.success());
    assert_eq!(
        String::from_utf8(out.stdout).unwrap(),
        "{\"time_ms\":1000,\"output\":[2]}\n"
    );
    let err = String::from_utf8(out.stderr).unwrap();
    assert!(
        err.contains("1 malformed records") && err.contains("invalid JSON"),
        "{err}"
    );
}

/// A pipeline from a link someone else wrote: each is refused with its
/// stage, its column and the limit it broke, and exit status 2; none
/// overflows the stack (which aborted with SIGABRT, status 134).
#[test]
fn hostile_pipelines_exit_2_naming_the_limit() {
    let lower = |n: usize| vec!["lower"; n].join("|");
    let cases = [
        (
            format!("map {}.{}", "(".repeat(2000), ")".repeat(2000)),
            "stage 1 `map`, column 69: expression nested too deeply: the nesting limit is 64",
        ),
        (
            format!("filter {}true", "!".repeat(6000)),
            "stage 1 `filter`, column 72: expression nested too deeply",
        ),
        // Linux caps one argument at 128 KiB, so not 50,000 stages: 20,000
        // is 120,000 bytes, over the length limit all the same.
        (
            lower(20_000),
            "column 65537: the pipeline is 119999 bytes long; the length limit is 65536 bytes",
        ),
        (
            lower(257),
            "stage 257 `lower`, column 1537: too many stages: the stage limit is 256",
        ),
        (
            "count_by_value | top 4294967296".into(),
            "stage 2 `top`, column 22: `top 4294967296` is over the top limit of 1000000",
        ),
        (
            "window 100000000000000h".into(),
            "stage 1 `window`, column 8: duration `100000000000000h` is over the limit of 365 days",
        ),
        (
            vec!["map (., 1)"; 129].join(" | "),
            "stage 129 `map`, column 1665: records could be nested 129 pairs or lists deep",
        ),
    ];
    for (pipeline, want) in cases {
        let out = sparklet_replay(&["--pipeline", &pipeline, "--batches", "1"], "[\"a\"]\n");
        let err = String::from_utf8_lossy(&out.stderr);
        assert_eq!(out.status.code(), Some(2), "{err}");
        assert!(err.starts_with("sparklet replay: pipeline: "), "{err}");
        assert!(err.contains(want), "want {want:?}, got {err}");
        assert!(out.stdout.is_empty());
    }
}

#[test]
fn a_batch_interval_over_a_year_exits_2() {
    let out = sparklet_replay(&["--pipeline", "count", "--batch", "100000000000000h"], "");
    assert_eq!(out.status.code(), Some(2));
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(err.contains("over the limit of 365 days"), "{err}");
}

/// `&&` chains are flat: thousands of operands within 64 KiB run.
#[test]
fn a_5000_long_and_chain_runs() {
    let pipeline = format!("json | filter {}.n > 1 | map .n", "true && ".repeat(4999));
    assert!(pipeline.len() < 64 * 1024);
    let out = sparklet_replay(
        &["--pipeline", &pipeline],
        "[\"{\\\"n\\\": 1}\", \"{\\\"n\\\": 2}\"]\n",
    );
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(out.status.success(), "{err}");
    assert_eq!(
        String::from_utf8(out.stdout).unwrap(),
        "{\"time_ms\":1000,\"output\":[2]}\n"
    );
}

#[test]
fn batch_times_that_would_overflow_are_refused_with_exit_2() {
    // A batch interval is at most a year, so only hundreds of millions of
    // batches reach past u64 milliseconds; `--batches` says so up front.
    let out = sparklet_replay(
        &[
            "--pipeline",
            "count",
            "--batch",
            "8760h",
            "--batches",
            "600000000",
        ],
        "",
    );
    assert_eq!(out.status.code(), Some(2));
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(stderr.contains("batch 600000000"), "{stderr}");
    assert!(stderr.contains("past the largest time"), "{stderr}");
    assert!(out.stdout.is_empty(), "nothing run before the refusal");
}
