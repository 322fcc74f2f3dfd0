//! The native engine's figures: the words feed's records through a
//! pipeline on one core, and the per-slide time of an inverse window at two
//! lengths 100x apart (which should be the same: cost follows work, not
//! history). Also the native side of the same-frames comparison.

use std::time::Instant;

use sparklet::feed::words::Vocabulary;
use sparklet_engine::replay::{FrameReplay, FramesRun};
use sparklet_engine::{Clock, Duration, Pipeline, PipelineRunner, Records};

use super::report::{median, quantile, Report, Row};
use super::{JSON_ERROR_RATE, WORD_COUNT};

pub struct Throughput {
    pub records_per_s: f64,
    pub words_per_s: f64,
    pub ms_per_batch: f64,
}

/// `batches` batches of `size` records of the words feed (or, with
/// `events`, of the events feed) through `pipeline`, timed after one
/// warm-up batch; generation happens before the clock starts.
pub fn throughput(pipeline: &str, batches: usize, size: u64, events: bool) -> Throughput {
    let p = Pipeline::new(pipeline, Duration::from_secs(1)).expect("a valid pipeline");
    throughput_of(p, batches, size, events)
}

/// The same for `pipeline` built stage by stage, without the fused paths:
/// what fusion gains, measured beside it.
pub fn unfused_throughput(pipeline: &str, batches: usize, size: u64, events: bool) -> Throughput {
    let p = Pipeline::unfused(pipeline, Duration::from_secs(1)).expect("a valid pipeline");
    throughput_of(p, batches, size, events)
}

fn throughput_of(mut p: Pipeline, batches: usize, size: u64, events: bool) -> Throughput {
    let inputs: Vec<Records> = (0..=batches as u64)
        .map(|b| records(b * size, size, events))
        .collect();
    let words: usize = inputs[1..]
        .iter()
        .map(|r| {
            r.iter()
                .map(|l| l.split_whitespace().count())
                .sum::<usize>()
        })
        .sum();
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

/// Per-slide times of `pipeline` once its `len_s` window is full of
/// 1,000-record batches: `(p50, p99, slides)` in ms.
pub fn per_slide(pipeline: &str, len_s: u64, slides: usize) -> (f64, f64, usize) {
    let mut p = Pipeline::new(pipeline, Duration::from_secs(1)).expect("a valid pipeline");
    let size = 1000;
    for b in 0..len_s {
        p.run(records(b * size, size, false));
    }
    let mut times: Vec<f64> = (0..slides as u64)
        .map(|i| {
            let input = records((len_s + i) * size, size, false);
            let start = Instant::now();
            std::hint::black_box(p.run(input));
            start.elapsed().as_secs_f64() * 1000.0
        })
        .collect();
    (
        quantile(&mut times, 0.5),
        quantile(&mut times, 0.99),
        slides,
    )
}

/// The frames the words feed sends at `rate=0` for records `[0, limit)`
/// of `seed`: `frame` records each, joined by newlines.
pub fn feed_frames(seed: u64, limit: u64, frame: u64, vocab: usize) -> Vec<String> {
    let vocab = Vocabulary::new(vocab);
    (0..limit)
        .step_by(frame as usize)
        .map(|first| {
            let mut text = String::new();
            for i in first..(first + frame).min(limit) {
                if i > first {
                    text.push('\n');
                }
                vocab.write_record(seed, i, &mut text);
            }
            text
        })
        .collect()
}

/// `rounds` timed runs of `pipeline` over `frames` as the page receives
/// them; the median time in ms and what the last run gave.
pub fn frames_run(
    pipeline: &str,
    batch_ms: u64,
    frames: &[String],
    frames_per_batch: usize,
    rounds: usize,
) -> (f64, FramesRun) {
    let clock = InstantClock(Instant::now());
    let mut times = Vec::new();
    let mut last = None;
    for _ in 0..rounds.max(1) {
        let mut runner = PipelineRunner::new(pipeline, Duration::from_millis(batch_ms))
            .expect("a valid pipeline");
        let start = Instant::now();
        let mut replay = FrameReplay::new(&mut runner, frames_per_batch);
        for frame in frames {
            replay.push(frame, &clock);
        }
        let run = replay.finish(&clock);
        times.push(start.elapsed().as_secs_f64() * 1000.0);
        last = Some(run);
    }
    (median(&mut times), last.expect("at least one round"))
}

/// The mean words per record of the words feed (1 to 10, uniformly):
/// counted over a million records rather than assumed.
pub fn words_per_record(vocab: usize) -> f64 {
    let v = Vocabulary::new(vocab);
    let mut line = String::new();
    let n = 1_000_000;
    let words: usize = (0..n)
        .map(|i| {
            line.clear();
            v.write_record(1, i, &mut line);
            line.split_whitespace().count()
        })
        .sum();
    words as f64 / n as f64
}

struct InstantClock(Instant);

impl Clock for InstantClock {
    fn now_ms(&self) -> f64 {
        self.0.elapsed().as_secs_f64() * 1000.0
    }
}

/// Records `[from, from + n)` of the words feed, or of the events feed,
/// seed 1.
fn records(from: u64, n: u64, events: bool) -> Records {
    let mut out = Records::new();
    let mut line = String::new();
    for i in from..from + n {
        line.clear();
        match events {
            false => sparklet::feed::words::write_record(1, i, &mut line),
            true => sparklet::feed::events::write_record(1, i, 1_796_292_000_000 + i, &mut line),
        }
        out.push(&line);
    }
    out
}

/// The native engine on one core: throughput, and per-slide cost at two
/// window lengths 100x apart.
pub fn figures(report: &mut Report, quick: bool) {
    let scale = if quick { 1 } else { 5 };
    for (pipeline, events) in [
        (WORD_COUNT, false),
        (
            "split | pair | reduce_by_key_and_window sum 30s 1s inverse",
            false,
        ),
        (JSON_ERROR_RATE, true),
    ] {
        let t = throughput(pipeline, 8 * scale, 100_000, events);
        report.rows.push(Row {
            scenario: format!("native: {pipeline}"),
            records_per_s: Some(t.records_per_s),
            words_per_s: (!events).then_some(t.words_per_s),
            processing_p50_ms: Some(t.ms_per_batch),
            ..Row::default()
        });
    }
    let unfused = unfused_throughput(JSON_ERROR_RATE, 8 * scale, 100_000, true);
    let fused = report
        .rows
        .iter()
        .find(|r| r.scenario.ends_with(JSON_ERROR_RATE))
        .and_then(|r| r.records_per_s)
        .unwrap_or(0.0);
    report.rows.push(Row {
        scenario: format!("native, stage by stage: {JSON_ERROR_RATE}"),
        records_per_s: Some(unfused.records_per_s),
        processing_p50_ms: Some(unfused.ms_per_batch),
        ..Row::default()
    });
    report.ratios.push((
        "native JSON: projected `json | map` / stage by stage (speed)".into(),
        fused / unfused.records_per_s,
    ));
    let slide = |len| {
        let pipeline = format!("split | pair | reduce_by_key_and_window sum {len}s 1s inverse");
        per_slide(&pipeline, len, 200 * scale)
    };
    let ((short50, short99, _), (long50, long99, _)) = (slide(30), slide(3000));
    report.target(
        "also: per slide, inverse window 30 s vs 3000 s (p50)",
        format!("{short50:.3} / {long50:.3} ms"),
        "flat (< 1.5x)",
        Some(long50 < 1.5 * short50),
    );
    report.target(
        "  the same, p99",
        format!("{short99:.3} / {long99:.3} ms"),
        "",
        None,
    );
}
