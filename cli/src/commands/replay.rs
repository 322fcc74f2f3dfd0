//! `sparklet replay`: runs a pipeline natively over recorded batches, so a
//! result can be checked against Spark on the same input. Input is JSON
//! lines, one batch per line (an array of records); output is JSON lines,
//! one per batch at which the pipeline emits. Bad input exits with 2.

use std::fs::File;
use std::io::{self, BufRead, BufReader, BufWriter, Write};
use std::path::PathBuf;
use std::process::ExitCode;

use anyhow::Context;
use sparklet_engine::replay::Replay;
use sparklet_engine::{Duration, Value};

#[derive(Debug, clap::Args)]
pub struct Args {
    /// The pipeline, e.g. "split | count_by_value_and_window 10s | top 10".
    #[arg(long)]
    pipeline: String,
    /// The batch interval: batch k (1-based) has time k * batch.
    #[arg(long, default_value = "1s", value_parser = parse_duration)]
    batch: Duration,
    /// Run exactly N batches: extra input is ignored, missing ones are empty.
    #[arg(long)]
    batches: Option<u64>,
    /// JSON-lines input; standard input when omitted.
    #[arg(long)]
    input: Option<PathBuf>,
}

fn parse_duration(s: &str) -> Result<Duration, String> {
    let d: Duration = s.parse()?;
    if d.as_millis() == 0 {
        return Err("the batch interval must be positive".into());
    }
    Ok(d)
}

/// Exit status for bad input, as docs/DESIGN.md promises.
const BAD_INPUT: u8 = 2;

pub fn run(args: Args) -> anyhow::Result<ExitCode> {
    // Batch times are `k * batch` in u64 milliseconds: refuse a run whose
    // last time would not fit rather than let it wrap.
    if let Some(n) = args.batches {
        if let Err(message) = batch_time(n, args.batch) {
            return Ok(refuse(&message));
        }
    }
    let mut replay = match Replay::new(&args.pipeline, args.batch) {
        Ok(r) => r,
        Err(e) => return Ok(refuse(&format!("pipeline: {e}"))),
    };
    let input: Box<dyn BufRead> = match &args.input {
        Some(path) => match File::open(path) {
            Ok(f) => Box::new(BufReader::new(f)),
            Err(e) => return Ok(refuse(&format!("cannot read {}: {e}", path.display()))),
        },
        None => Box::new(io::stdin().lock()),
    };
    let mut out = BufWriter::new(io::stdout().lock());
    let wanted = args.batches.unwrap_or(u64::MAX);
    for (n, line) in input.lines().enumerate() {
        if replay.batches_run() >= wanted {
            break;
        }
        let line = line.with_context(|| format!("reading input line {}", n + 1))?;
        if line.trim().is_empty() {
            continue;
        }
        let batch = match parse_batch(&line) {
            Ok(b) => b,
            Err(e) => return Ok(refuse(&format!("input line {}: {e}", n + 1))),
        };
        let next = replay.batches_run().saturating_add(1);
        if let Err(message) = batch_time(next, args.batch) {
            return Ok(refuse(&format!("input line {}: {message}", n + 1)));
        }
        emit(&mut out, replay.run(batch))?;
    }
    while args.batches.is_some() && replay.batches_run() < wanted {
        emit(&mut out, replay.run(Vec::new()))?;
    }
    out.flush().context("writing output")?;
    let malformed = replay.malformed();
    if malformed.count() > 0 {
        eprintln!(
            "sparklet replay: {} malformed records, skipped; for example:",
            malformed.count()
        );
        for s in malformed.samples().take(3) {
            eprintln!("  {}: {}", s.reason, s.record);
        }
    }
    Ok(ExitCode::SUCCESS)
}

/// The time of batch `k`, or why it has none.
fn batch_time(k: u64, batch: Duration) -> Result<u64, String> {
    k.checked_mul(batch.as_millis()).ok_or_else(|| {
        format!(
            "batch {k} at --batch {batch} would be at {k} x {} ms, past the largest \
             time ({} ms); use a shorter --batch or fewer batches",
            batch.as_millis(),
            u64::MAX
        )
    })
}

fn parse_batch(line: &str) -> Result<Vec<Value>, String> {
    match serde_json::from_str::<serde_json::Value>(line) {
        Ok(serde_json::Value::Array(records)) => {
            Ok(records.into_iter().map(Value::from_json).collect())
        }
        Ok(other) => Err(format!(
            "expected a JSON array of records, got {}",
            kind(&other)
        )),
        Err(e) => Err(format!("not JSON: {e}")),
    }
}

fn kind(v: &serde_json::Value) -> &'static str {
    match v {
        serde_json::Value::Null => "null",
        serde_json::Value::Bool(_) => "a boolean",
        serde_json::Value::Number(_) => "a number",
        serde_json::Value::String(_) => "a string",
        serde_json::Value::Array(_) => "an array",
        serde_json::Value::Object(_) => "an object",
    }
}

fn emit(
    out: &mut impl Write,
    emitted: Option<sparklet_engine::replay::Emitted>,
) -> anyhow::Result<()> {
    if let Some(e) = emitted {
        serde_json::to_writer(&mut *out, &e).context("writing output")?;
        out.write_all(b"\n").context("writing output")?;
    }
    Ok(())
}

fn refuse(message: &str) -> ExitCode {
    eprintln!("sparklet replay: {message}");
    ExitCode::from(BAD_INPUT)
}
