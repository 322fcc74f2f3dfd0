//! `sparklet export`: writes a pipeline as a runnable PySpark job (see
//! `sparklet::export`). A pipeline, stage or source that cannot be
//! exported exits with 2 and a message naming it.

use std::path::PathBuf;
use std::process::ExitCode;

use anyhow::Context;
use sparklet::export::{self, Input};
use sparklet::source::SourceUri;
use sparklet_engine::Duration;

#[derive(Debug, clap::Args)]
pub struct Args {
    /// The pipeline, e.g. "split | count_by_value_and_window 10s | top 10".
    #[arg(long)]
    pipeline: String,
    /// The batch interval.
    #[arg(long, default_value = "1s")]
    batch: Duration,
    /// What to write: `pyspark`.
    #[arg(long, default_value = "pyspark")]
    to: String,
    /// Where the job reads: `tcp://HOST:PORT` or `dir:PATH`.
    #[arg(long, conflicts_with = "input")]
    source: Option<SourceUri>,
    /// `sparklet replay`'s input (JSON lines, a batch each): the job runs
    /// these batches and prints what replay prints.
    #[arg(long)]
    input: Option<PathBuf>,
    /// Write the program here; standard output when omitted.
    #[arg(long)]
    output: Option<PathBuf>,
}

const REFUSED: u8 = 2;

pub fn run(args: Args) -> anyhow::Result<ExitCode> {
    if args.to != "pyspark" {
        return Ok(refuse(&format!(
            "--to {}: the one target is `pyspark`",
            args.to
        )));
    }
    let input = match (args.input, args.source) {
        (Some(path), _) => Input::Batches(path),
        (None, Some(uri)) => Input::Source(uri),
        (None, None) => {
            return Ok(refuse(
                "give --input FILE (recorded batches) or --source URI",
            ))
        }
    };
    let program = match export::pyspark(&args.pipeline, args.batch, &input) {
        Ok(p) => p,
        Err(e) => return Ok(refuse(&e.to_string())),
    };
    match &args.output {
        Some(path) => {
            std::fs::write(path, program).with_context(|| format!("writing {}", path.display()))?
        }
        None => print!("{program}"),
    }
    Ok(ExitCode::SUCCESS)
}

fn refuse(message: &str) -> ExitCode {
    eprintln!("sparklet export: {message}");
    ExitCode::from(REFUSED)
}
