//! The one error a pipeline can have before it runs: where it is (stage and
//! column) and what was expected, so the editor can underline it; and why
//! a stage cannot be built, which the pipeline places at that stage.

use std::fmt;

use crate::dstream::WindowError;

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

/// Why one parsed stage cannot be built; the pipeline reports it as a
/// [`PipelineError`] at that stage.
#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
pub enum StageError {
    /// A window that does not fit the stream before it.
    #[error(transparent)]
    Window(#[from] WindowError),
    #[error(
        "`inverse` needs an invertible function (sum, count or mean); {0} has no inverse, \
         drop `inverse` to recompute each window"
    )]
    NotInvertible(&'static str),
    #[error(
        "union joins several sources, and a pipeline typed here has one; \
         use `DStream::union` in the Rust API"
    )]
    Union,
    /// An event-time stage out of place, or one that cannot be built.
    #[error("{0}")]
    EventTime(String),
    /// A stage given to the keyed reduces' builder that is not one of them.
    #[error("{0} is not a keyed reduce")]
    NotKeyed(String),
}
