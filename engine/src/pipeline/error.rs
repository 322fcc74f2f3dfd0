//! The one error a pipeline can have before it runs: where it is (stage and
//! column) and what was expected, so the editor can underline it.

use std::fmt;

/// A pipeline that cannot run, with the place to point at.
#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
pub struct PipelineError {
    /// 1-based stage number and the stage's operator name, when known.
    pub stage: Option<(usize, String)>,
    /// 1-based column (in characters) where the problem starts.
    pub column: usize,
    /// Character span `[start, end)` of the problem, for underlining.
    pub span: (usize, usize),
    pub message: String,
}

impl PipelineError {
    /// An error at byte span `[start, end)` of `src`.
    pub fn at(src: &str, start: usize, end: usize, message: impl Into<String>) -> PipelineError {
        let chars = |b: usize| src.get(..b.min(src.len())).map_or(0, |s| s.chars().count());
        let (s, e) = (chars(start), chars(end.max(start)));
        PipelineError {
            stage: None,
            column: s + 1,
            span: (s, e.max(s + 1)),
            message: message.into(),
        }
    }

    /// An error about the pipeline as a whole (no single place).
    pub fn whole(message: impl Into<String>) -> PipelineError {
        PipelineError {
            stage: None,
            column: 1,
            span: (0, 0),
            message: message.into(),
        }
    }

    pub fn in_stage(mut self, index: usize, name: &str) -> PipelineError {
        if self.stage.is_none() {
            self.stage = Some((index, name.to_string()));
        }
        self
    }
}

impl fmt::Display for PipelineError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match &self.stage {
            Some((n, name)) => write!(
                f,
                "stage {n} `{name}`, column {}: {}",
                self.column, self.message
            ),
            None if self.span == (0, 0) => f.write_str(&self.message),
            None => write!(f, "column {}: {}", self.column, self.message),
        }
    }
}
