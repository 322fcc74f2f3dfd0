//! `sparklet export`: a pipeline written as a runnable PySpark job, so a
//! pipeline that outgrows one tab moves to a Spark cluster unchanged. The
//! job's results equal Sparklet's (the JVM's) on the same input: each stage
//! becomes Spark's own operator where PySpark's matches the JVM's, and the
//! JVM's definition written out where it does not (`dstream.py`); records
//! are Sparklet's values, compared and printed by Sparklet's rules
//! (`runtime.py`), and a record a stage cannot handle is dropped and
//! counted, as in the page.

mod python;

use std::path::PathBuf;

use sparklet_engine::pipeline::{parse, ParsedStage, ReduceFn, Stage, WindowSpec};
use sparklet_engine::{Duration, Pipeline};

use crate::source::SourceUri;

const RUNTIME: &str = include_str!("runtime.py");
const DSTREAM: &str = include_str!("dstream.py");
const MAIN: &str = include_str!("main.py");

/// Where the exported job reads its records.
#[derive(Debug, Clone)]
pub enum Input {
    /// `sparklet replay`'s input: JSON lines, one batch each, run as a
    /// queue of batches; the job then prints replay's output format.
    Batches(PathBuf),
    /// One of Sparklet's sources, as Spark reads it.
    Source(SourceUri),
}

#[derive(Debug, thiserror::Error)]
pub enum ExportError {
    #[error("pipeline: {0}")]
    Pipeline(#[from] sparklet_engine::PipelineError),
    #[error("stage {index} `{name}`: not exported: {why}")]
    Stage {
        index: usize,
        name: String,
        why: String,
    },
    #[error("source: {0}")]
    Source(String),
}

/// The PySpark program for `text` at batches of `batch`, reading `input`.
pub fn pyspark(text: &str, batch: Duration, input: &Input) -> Result<String, ExportError> {
    let pipeline = Pipeline::new(text, batch)?;
    let stages = parse(text)?;
    let mut body = String::new();
    let mut slide = batch.as_millis();
    for (i, parsed) in stages.iter().enumerate() {
        let line = stage(parsed, &mut slide).map_err(|why| ExportError::Stage {
            index: i + 1,
            name: parsed.name.clone(),
            why,
        })?;
        body.push_str(&format!(
            "    s = {line}  # {}\n",
            one_line(&text[parsed.start..parsed.end])
        ));
    }
    let source = source(input)?;
    let header = format!(
        "#!/usr/bin/env python3\n\
         # The Sparklet pipeline\n#   {}\n# at {} batches, as a PySpark Streaming job: written by `sparklet export`.\n\
         # Run it with `spark-submit THIS.py` (or `python3 THIS.py` with pyspark installed).\n\n",
        one_line(text),
        batch,
    );
    let settings = format!(
        "PIPELINE = {}\nBATCH_MS = {}\nSPARK_BATCH_MS = BATCH_MS\nSLIDE_BATCHES = {}\nKEYED_OUTPUT = {}\n{source}\n",
        python::string(text),
        batch.as_millis(),
        slide / batch.as_millis(),
        if pipeline.keyed_output() { "True" } else { "False" },
    );
    Ok(format!(
        "{header}{RUNTIME}\n{DSTREAM}\n\n# --- This pipeline ---------------------------------------------------------\n\n\
         {settings}\n\ndef build(s):\n{body}    return s\n\n{MAIN}"
    ))
}

fn one_line(s: &str) -> String {
    s.split_whitespace().collect::<Vec<_>>().join(" ")
}

/// The source settings the job's `main` reads.
fn source(input: &Input) -> Result<String, ExportError> {
    Ok(match input {
        Input::Batches(path) => format!(
            "SOURCE = (\"batches\", {})",
            python::string(&path.display().to_string())
        ),
        Input::Source(SourceUri::Tcp { host, port }) => {
            format!("SOURCE = (\"tcp\", {}, {port})", python::string(host))
        }
        Input::Source(SourceUri::Dir { path }) => format!(
            "SOURCE = (\"dir\", {})",
            python::string(&path.display().to_string())
        ),
        Input::Source(SourceUri::File { .. }) => {
            return Err(ExportError::Source(
                "Spark's DStreams read the new files of a directory (`dir:`), not one followed file".into(),
            ))
        }
        Input::Source(SourceUri::Stdin) => {
            return Err(ExportError::Source(
                "a Spark job has no standard input to read; serve it with `nc -lk` and use `tcp:`".into(),
            ))
        }
        Input::Source(SourceUri::Kafka { .. }) => {
            return Err(ExportError::Source(
                "PySpark 4 has no Kafka DStream (Kafka is Structured Streaming's source), and Structured \
                 Streaming jobs are not exported yet"
                    .into(),
            ))
        }
    })
}

/// One stage as a Python expression on the stream `s`; `slide` is the
/// stream's slide, which a window changes.
fn stage(parsed: &ParsedStage, slide: &mut u64) -> Result<String, String> {
    let e = python::expr;
    let win = |w: &WindowSpec, slide: &mut u64| {
        let len = w.len.as_millis();
        *slide = w.slide.map_or(*slide, Duration::as_millis);
        (len, *slide)
    };
    Ok(match &parsed.stage {
        Stage::Split(sep) => {
            let sep = sep.as_deref().map_or("None".into(), python::string);
            format!("each_many(s, lambda r: split(r, {sep}))")
        }
        Stage::Lower => "each(s, lambda r: text(r, \"lower\").lower())".into(),
        Stage::Upper => "each(s, lambda r: text(r, \"upper\").upper())".into(),
        Stage::Trim => "each(s, lambda r: text(r, \"trim\").strip(WS))".into(),
        Stage::Json => "each(s, parse_json)".into(),
        Stage::Map(x) => format!("each(s, lambda r: {})", e(x)),
        Stage::FlatMap(x) => format!("each_many(s, lambda r: flat_items({}))", e(x)),
        Stage::Filter(x) => format!("keep(s, lambda r: truth({}, \"filter\"))", e(x)),
        Stage::Pair(None) => "s.map(lambda r: (r, 1))".into(),
        Stage::Pair(Some(x)) => format!("each(s, lambda r: (r, {}))", e(x)),
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
        Stage::WithWatermark(..) | Stage::EventWindow(..) | Stage::SessionWindow(..) => {
            return Err(
                "event time becomes a Structured Streaming job, which `sparklet export` \
                        does not write yet"
                    .into(),
            )
        }
    })
}

fn name(f: ReduceFn) -> String {
    python::string(f.name())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn export(pipeline: &str, input: Input) -> Result<String, String> {
        pyspark(pipeline, Duration::from_secs(1), &input).map_err(|e| e.to_string())
    }

    fn batches() -> Input {
        Input::Batches("in.jsonl".into())
    }

    #[test]
    fn a_stage_that_does_not_export_is_named_with_why() {
        let why = export(
            "json | with_watermark .ts 2s | map (.path, 1) | event_window 5s count",
            batches(),
        )
        .unwrap_err();
        assert!(
            why.starts_with("stage 2 `with_watermark`: not exported: event time"),
            "{why}"
        );
        let why = export("split | union", batches()).unwrap_err();
        assert!(why.contains("union joins several sources"), "{why}");
        let why = export("split | windw 2s", batches()).unwrap_err();
        assert!(why.contains("did you mean `window`"), "{why}");
    }

    #[test]
    fn sources_become_sparks_or_are_refused_with_the_way_round() {
        let tcp = Input::Source(SourceUri::Tcp {
            host: "localhost".into(),
            port: 9999,
        });
        let job = export("split | count_by_value", tcp).unwrap();
        assert!(job.contains("SOURCE = (\"tcp\", \"localhost\", 9999)"));
        let job = export("split", Input::Source(SourceUri::Dir { path: "/d".into() })).unwrap();
        assert!(job.contains("SOURCE = (\"dir\", \"/d\")"));
        let why = export("split", Input::Source(SourceUri::Stdin)).unwrap_err();
        assert!(why.contains("use `tcp:`"), "{why}");
        let file = SourceUri::File {
            path: "/f".into(),
            from_end: false,
        };
        let why = export("split", Input::Source(file)).unwrap_err();
        assert!(why.contains("`dir:`"), "{why}");
    }

    #[test]
    fn the_job_knows_its_batch_slide_and_output_order() {
        let job = export("split | count_by_value_and_window 6s 2s", batches()).unwrap();
        for line in [
            "BATCH_MS = 1000",
            "SLIDE_BATCHES = 2",
            "KEYED_OUTPUT = True",
        ] {
            assert!(job.contains(line), "no `{line}`");
        }
        assert!(job.contains("count_by_value_and_window(s, 6000, 2000)"));
    }
}
