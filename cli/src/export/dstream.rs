//! A DStream pipeline as a PySpark Streaming job: each stage becomes one
//! call on the stream `s`, Spark's own operator where PySpark's matches the
//! JVM's and the JVM's definition (`dstream.py`) where it does not.

use sparklet_engine::pipeline::{ParsedStage, ReduceFn, Stage, WindowSpec};
use sparklet_engine::{Duration, Pipeline};

use super::{one_line, per_record, python, refused, ExportError};

/// The job's settings and `build(s)`, the pipeline on a DStream.
pub fn settings(
    text: &str,
    batch: Duration,
    stages: &[ParsedStage],
    pipeline: &Pipeline,
) -> Result<String, ExportError> {
    let mut body = String::new();
    let mut slide = batch.as_millis();
    for (i, parsed) in stages.iter().enumerate() {
        let line = stage(parsed, &mut slide).map_err(|why| refused(stages, i, why))?;
        body.push_str(&format!(
            "    s = {line}  # {}\n",
            one_line(&text[parsed.start..parsed.end])
        ));
    }
    Ok(format!(
        "SPARK_BATCH_MS = BATCH_MS\nSLIDE_BATCHES = {}\nKEYED_OUTPUT = {}\n\n\ndef build(s):\n{body}    return s\n",
        slide / batch.as_millis(),
        if pipeline.keyed_output() { "True" } else { "False" },
    ))
}

/// One stage as a Python expression on the stream `s`; `slide` is the
/// stream's slide, which a window changes.
fn stage(parsed: &ParsedStage, slide: &mut u64) -> Result<String, String> {
    let win = |w: &WindowSpec, slide: &mut u64| {
        let len = w.len.as_millis();
        *slide = w.slide.map_or(*slide, Duration::as_millis);
        (len, *slide)
    };
    if let Some((x, many)) = per_record(&parsed.stage) {
        let each = if many { "each_many" } else { "each" };
        return Ok(format!("{each}(s, lambda r: {x})"));
    }
    Ok(match &parsed.stage {
        Stage::Count => "count(s)".into(),
        Stage::CountByValue => "count_by_value(s)".into(),
        Stage::Reduce(f) => format!("reduce(s, {})", name(*f)),
        Stage::ReduceByKey(f) => format!("reduce_by_key(s, {})", name(*f)),
        Stage::GroupByKey => "group_by_key(s)".into(),
        Stage::Window(w) => {
            let (len, slide) = win(w, slide);
            format!("s.window(D({len}), D({slide}))")
        }
        Stage::CountByWindow(w) => {
            let (len, slide) = win(w, slide);
            format!("count_by_window(s, {len}, {slide})")
        }
        Stage::ReduceByWindow(f, w) => {
            let (len, slide) = win(w, slide);
            format!("reduce_by_window(s, {}, {len}, {slide})", name(*f))
        }
        Stage::ReduceByKeyAndWindow(f, w, inverse) => {
            let (len, slide) = win(w, slide);
            match inverse {
                true => format!(
                    "inverse_window(keyed(s, {f}, \"reduce_by_key_and_window\"), {f}, {len}, {slide})",
                    f = name(*f)
                ),
                false => format!("reduce_by_key_and_window(s, {}, {len}, {slide})", name(*f)),
            }
        }
        Stage::CountByValueAndWindow(w) => {
            let (len, slide) = win(w, slide);
            format!("count_by_value_and_window(s, {len}, {slide})")
        }
        Stage::GroupByKeyAndWindow(w) => {
            let (len, slide) = win(w, slide);
            format!("group_by_key(s, \"group_by_key_and_window\", ({len}, {slide}))")
        }
        Stage::UpdateStateByKey(f) => format!("update_state_by_key(s, {})", name(*f)),
        Stage::Top(n) => format!("top(s, {n})"),
        Stage::Union => return Err("`union` joins several sources (the Rust API)".into()),
        // Event-time pipelines are Structured Streaming jobs (`structured`).
        _ => return Err("not a DStream stage".into()),
    })
}

fn name(f: ReduceFn) -> String {
    python::string(f.name())
}
