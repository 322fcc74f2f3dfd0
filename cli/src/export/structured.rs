//! An event-time pipeline as a PySpark Structured Streaming job: the
//! per-record stages become one Python UDF giving each record's (event
//! time, key, value) rows, and `with_watermark`, `event_window` or
//! `session_window` and the output mode become Spark's own `withWatermark`,
//! `window` or `session_window`, aggregation and output mode
//! (`structured.py`).

use sparklet_engine::event_time::OutputMode;
use sparklet_engine::pipeline::{ParsedStage, ReduceFn, Stage};
use sparklet_engine::Duration;

use super::{one_line, per_record, python, refused, ExportError};

/// The job's settings: the stages around the watermark as lists of
/// functions from a record to its records, the event time, the delay and
/// the aggregation.
pub fn settings(text: &str, stages: &[ParsedStage]) -> Result<String, ExportError> {
    let mut before = String::new();
    let mut after = String::new();
    let mut watermark = None;
    let mut aggregation = None;
    for (i, parsed) in stages.iter().enumerate() {
        let shown = one_line(&text[parsed.start..parsed.end]);
        if aggregation.is_some() {
            return Err(refused(
                stages,
                i,
                "an exported Structured Streaming job ends with its event-time aggregation \
                 (Spark's output mode governs what an aggregation emits; stages after it \
                 are not written)",
            ));
        }
        match &parsed.stage {
            Stage::WithWatermark(time, delay) => {
                watermark = Some(format!(
                    "EVENT_TIME = lambda r: {}  # {shown}\nDELAY_MS = {}\n",
                    python::expr(time),
                    ms(*delay)
                ));
            }
            Stage::EventWindow(w, f, mode) => {
                let len = ms(w.len);
                let slide = w.slide.map_or(len, ms);
                aggregation = Some(format!(
                    "AGG = (\"window\", {len}, {slide}, {}, {})  # {shown}\nAGG_NAME = \"event_window\"\n",
                    name(*f),
                    mode_name(*mode)
                ));
            }
            Stage::SessionWindow(gap, f, mode) => {
                aggregation = Some(format!(
                    "AGG = (\"session\", {}, {}, {})  # {shown}\nAGG_NAME = \"session_window\"\n",
                    ms(*gap),
                    name(*f),
                    mode_name(*mode)
                ));
            }
            stage => {
                let Some((x, many)) = per_record(stage) else {
                    return Err(refused(
                        stages,
                        i,
                        "before `with_watermark` an exported Structured Streaming job takes only \
                         per-record stages (split, lower, upper, trim, json, map, flat_map, \
                         filter, pair): Structured Streaming has no DStream windows",
                    ));
                };
                let list = if many { x } else { format!("[{x}]") };
                let into = if watermark.is_some() {
                    &mut after
                } else {
                    &mut before
                };
                into.push_str(&format!("    lambda r: {list},  # {shown}\n"));
            }
        }
    }
    // The engine accepted the pipeline as event time: both are there.
    let (Some(watermark), Some(aggregation)) = (watermark, aggregation) else {
        return Err(refused(
            stages,
            stages.len() - 1,
            "no event-time aggregation",
        ));
    };
    Ok(format!(
        "BEFORE_WATERMARK = [\n{before}]\n{watermark}AFTER_WATERMARK = [\n{after}]\n{aggregation}"
    ))
}

fn ms(d: Duration) -> u64 {
    d.as_millis()
}

fn name(f: ReduceFn) -> String {
    python::string(f.name())
}

fn mode_name(mode: OutputMode) -> &'static str {
    match mode {
        OutputMode::Append => "\"append\"",
        OutputMode::Update => "\"update\"",
        OutputMode::Complete => "\"complete\"",
    }
}
