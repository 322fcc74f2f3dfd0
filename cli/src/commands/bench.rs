//! `sparklet bench`: performance figures, measured, in one table. `--engine`
//! runs the native engine on the words feed's records: the word count's
//! throughput, and the per-slide time of an inverse window at two lengths
//! 100x apart (which should be the same: cost follows work, not history).
//! The page scenarios (headless Chromium) are the performance issue's.

use std::process::ExitCode;
use std::time::Instant;

use sparklet::feed::words::write_record;
use sparklet_engine::{Duration, Pipeline, Records};

#[derive(Debug, clap::Args)]
pub struct Args {
    /// Measure the native engine (the only mode so far).
    #[arg(long)]
    engine: bool,
    /// Shorter runs, for a quick look.
    #[arg(long)]
    quick: bool,
}

pub fn run(args: Args) -> anyhow::Result<ExitCode> {
    if !args.engine {
        eprintln!("sparklet bench: only `--engine` exists so far (the page scenarios are to come)");
        return Ok(ExitCode::from(2));
    }
    let scale = if args.quick { 1 } else { 5 };
    println!(
        "{:<58} {:>13} {:>13} {:>16}",
        "scenario (native engine, one core)", "records/s", "words/s", "per batch"
    );
    for pipeline in [
        "split | lower | count_by_value_and_window 10s | top 10",
        "split | count_by_value",
        "split | pair | reduce_by_key_and_window sum 30s 1s inverse",
    ] {
        let t = throughput(pipeline, 8 * scale, 100_000);
        println!(
            "{:<58} {:>13} {:>13} {:>13.1} ms",
            pipeline,
            thousands(t.records_per_s),
            thousands(t.words_per_s),
            t.ms_per_batch
        );
    }
    println!();
    println!(
        "{:<58} {:>13} {:>13} {:>16}",
        "per slide, after the window fills (1,000 records/batch)", "p50", "p99", "slides"
    );
    for len in [30, 3000] {
        let pipeline = format!("split | pair | reduce_by_key_and_window sum {len}s 1s inverse");
        let (p50, p99, n) = per_slide(&pipeline, len, 200 * scale);
        println!(
            "{:<58} {:>10.3} ms {:>10.3} ms {:>16}",
            pipeline, p50, p99, n
        );
    }
    Ok(ExitCode::SUCCESS)
}

struct Throughput {
    records_per_s: f64,
    words_per_s: f64,
    ms_per_batch: f64,
}

/// `batches` batches of `size` demo records through `pipeline`, timed
/// after one warm-up batch; generation happens before the clock starts.
fn throughput(pipeline: &str, batches: usize, size: u64) -> Throughput {
    let inputs: Vec<Records> = (0..=batches as u64)
        .map(|b| records(b * size, size))
        .collect();
    let words: usize = inputs[1..]
        .iter()
        .map(|r| {
            r.iter()
                .map(|l| l.split_whitespace().count())
                .sum::<usize>()
        })
        .sum();
    let mut p = Pipeline::new(pipeline, Duration::from_secs(1)).expect("a valid pipeline");
    let mut inputs = inputs.into_iter();
    p.run(inputs.next().expect("a warm-up batch"));
    let start = Instant::now();
    for input in inputs {
        std::hint::black_box(p.run(input));
    }
    let secs = start.elapsed().as_secs_f64();
    let n = batches as f64 * size as f64;
    Throughput {
        records_per_s: n / secs,
        words_per_s: words as f64 / secs,
        ms_per_batch: secs * 1000.0 / batches as f64,
    }
}

/// Fills a `len_s` window with 1,000-record batches, then times `slides`
/// more; returns p50 and p99 in ms.
fn per_slide(pipeline: &str, len_s: u64, slides: usize) -> (f64, f64, usize) {
    let mut p = Pipeline::new(pipeline, Duration::from_secs(1)).expect("a valid pipeline");
    let size = 1000;
    for b in 0..len_s {
        p.run(records(b * size, size));
    }
    let mut times: Vec<f64> = (0..slides as u64)
        .map(|i| {
            let input = records((len_s + i) * size, size);
            let start = Instant::now();
            std::hint::black_box(p.run(input));
            start.elapsed().as_secs_f64() * 1000.0
        })
        .collect();
    times.sort_by(f64::total_cmp);
    let at = |q: f64| times[((times.len() - 1) as f64 * q) as usize];
    (at(0.5), at(0.99), times.len())
}

/// Records `[from, from + n)` of the words feed, seed 1.
fn records(from: u64, n: u64) -> Records {
    let mut out = Records::new();
    let mut line = String::new();
    for i in from..from + n {
        line.clear();
        write_record(1, i, &mut line);
        out.push(&line);
    }
    out
}

fn thousands(x: f64) -> String {
    let digits = format!("{:.0}", x);
    let mut out = String::new();
    for (i, c) in digits.chars().enumerate() {
        if i > 0 && (digits.len() - i).is_multiple_of(3) {
            out.push(',');
        }
        out.push(c);
    }
    out
}
