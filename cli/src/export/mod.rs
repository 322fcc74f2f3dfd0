//! `sparklet export`: a pipeline written as a runnable PySpark job, so a
//! pipeline that outgrows one tab moves to a Spark cluster unchanged. The
//! job's results equal Sparklet's (the JVM's) on the same input: each stage
//! becomes Spark's own operator where PySpark's matches the JVM's, and the
//! JVM's definition written out where it does not (`dstream.py`); records
//! are Sparklet's values, compared and printed by Sparklet's rules
//! (`runtime.py`), and a record a stage cannot handle is dropped and
//! counted, as in the page.

mod dstream;
mod python;
mod structured;

use std::path::PathBuf;

use sparklet_engine::pipeline::{parse, ParsedStage, Stage};
use sparklet_engine::{Duration, Pipeline};

use crate::source::SourceUri;

const RUNTIME: &str = include_str!("runtime.py");
const DSTREAM: &str = include_str!("dstream.py");
const STRUCTURED: &str = include_str!("structured.py");
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

/// The PySpark program for `text` at batches of `batch`, reading `input`:
/// a DStream job, or for an event-time pipeline a Structured Streaming one.
pub fn pyspark(text: &str, batch: Duration, input: &Input) -> Result<String, ExportError> {
    let pipeline = Pipeline::new(text, batch)?;
    let stages = parse(text)?;
    let event_time = pipeline.is_event_time();
    let source = source(input, event_time)?;
    let (kind, settings, body) = if event_time {
        (
            "Structured Streaming",
            structured::settings(text, &stages)?,
            STRUCTURED,
        )
    } else {
        (
            "Streaming (DStream)",
            dstream::settings(text, batch, &stages, &pipeline)?,
            DSTREAM,
        )
    };
    let header = format!(
        "#!/usr/bin/env python3\n\
         # The Sparklet pipeline\n#   {}\n# at {} batches, as a PySpark {kind} job: written by `sparklet export`.\n\
         # Run it with `spark-submit THIS.py` (or `python3 THIS.py` with pyspark installed).\n\n",
        one_line(text),
        batch,
    );
    Ok(format!(
        "{header}{RUNTIME}\n{body}\n\n# --- This pipeline ---------------------------------------------------------\n\n\
         PIPELINE = {}\nBATCH_MS = {}\n{source}\n{settings}\n{MAIN}",
        python::string(text),
        batch.as_millis(),
    ))
}

/// A stage that gives each record its own records, as a Python
/// expression over the record `r` and whether it gives a list (else one
/// record); `None` for a stage that looks at more than one record.
fn per_record(stage: &Stage) -> Option<(String, bool)> {
    let e = python::expr;
    Some(match stage {
        Stage::Split(sep) => {
            let sep = sep.as_deref().map_or("None".into(), python::string);
            (format!("split(r, {sep})"), true)
        }
        Stage::Lower => ("text(r, \"lower\").lower()".into(), false),
        Stage::Upper => ("text(r, \"upper\").upper()".into(), false),
        Stage::Trim => ("text(r, \"trim\").strip(WS)".into(), false),
        Stage::Json => ("parse_json(r)".into(), false),
        Stage::Map(x) => (e(x), false),
        Stage::FlatMap(x) => (format!("flat_items({})", e(x)), true),
        Stage::Filter(x) => (format!("[r] if truth({}, \"filter\") else []", e(x)), true),
        Stage::Pair(None) => ("(r, 1)".into(), false),
        Stage::Pair(Some(x)) => (format!("(r, {})", e(x)), false),
        _ => return None,
    })
}

/// The error for stage `i` (0-based) of `stages`.
fn refused(stages: &[ParsedStage], i: usize, why: impl Into<String>) -> ExportError {
    ExportError::Stage {
        index: i + 1,
        name: stages[i].name.clone(),
        why: why.into(),
    }
}

fn one_line(s: &str) -> String {
    s.split_whitespace().collect::<Vec<_>>().join(" ")
}

/// The source settings the job's `main` reads.
fn source(input: &Input, event_time: bool) -> Result<String, ExportError> {
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
                "Spark reads the new files of a directory (`dir:`), not one followed file".into(),
            ))
        }
        Input::Source(SourceUri::Stdin) => {
            return Err(ExportError::Source(
                "a Spark job has no standard input to read; serve it with `nc -lk` and use `tcp:`"
                    .into(),
            ))
        }
        Input::Source(SourceUri::Kafka { brokers, topic }) if event_time => format!(
            "SOURCE = (\"kafka\", {}, {})",
            python::string(&brokers.join(",")),
            python::string(topic)
        ),
        Input::Source(SourceUri::Kafka { .. }) => {
            return Err(ExportError::Source(
                "PySpark 4 has no Kafka DStream: Kafka is a Structured Streaming source, which \
                 `sparklet export` writes for event-time pipelines only"
                    .into(),
            ))
        }
    })
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
            "json | window 2s | with_watermark .ts 2s | event_window 5s count",
            batches(),
        )
        .unwrap_err();
        assert!(
            why.starts_with("stage 2 `window`: not exported: before `with_watermark`"),
            "{why}"
        );
        let why = export(
            "json | with_watermark .ts 2s | event_window 5s count | filter .value > 1",
            batches(),
        )
        .unwrap_err();
        assert!(
            why.starts_with("stage 4 `filter`: not exported: an exported Structured"),
            "{why}"
        );
        let why = export("split | union", batches()).unwrap_err();
        assert!(why.contains("union joins several sources"), "{why}");
        let why = export("split | windw 2s", batches()).unwrap_err();
        assert!(why.contains("did you mean `window`"), "{why}");
    }

    #[test]
    fn event_time_becomes_structured_streaming() {
        let job = export(
            "json | with_watermark .ts 2s | map (.path, .ms) | event_window 10s 5s mean update",
            batches(),
        )
        .unwrap();
        for line in [
            "as a PySpark Structured Streaming job",
            "BEFORE_WATERMARK = [\n    lambda r: [parse_json(r)],  # json\n]",
            "EVENT_TIME = lambda r: walk(r, (\"ts\",))  # with_watermark .ts 2s",
            "DELAY_MS = 2000",
            "AFTER_WATERMARK = [\n    lambda r: [(walk(r, (\"path\",)), walk(r, (\"ms\",)))],",
            "AGG = (\"window\", 10000, 5000, \"mean\", \"update\")",
            ".withWatermark(\"ts\", f\"{DELAY_MS} milliseconds\")",
        ] {
            assert!(job.contains(line), "no `{line}`");
        }
        let job = export(
            "with_watermark .t 0s | session_window 5s count complete",
            batches(),
        )
        .unwrap();
        assert!(job.contains("AGG = (\"session\", 5000, \"count\", \"complete\")"));
        let kafka = SourceUri::Kafka {
            brokers: vec!["b1:9092".into(), "b2:9092".into()],
            topic: "events".into(),
        };
        let job = export(
            "json | with_watermark .ts 2s | event_window 5s count",
            Input::Source(kafka.clone()),
        )
        .unwrap();
        assert!(job.contains("SOURCE = (\"kafka\", \"b1:9092,b2:9092\", \"events\")"));
        let why = export("split | count_by_value", Input::Source(kafka)).unwrap_err();
        assert!(why.contains("no Kafka DStream"), "{why}");
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
