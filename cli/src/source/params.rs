//! A source feed's query parameters: `from`, `rate` and `frame`, checked
//! as the demo feeds' are (a typo is a 400 naming it).

use crate::feed::params::{ParamError, Query, MAX_FRAME, MAX_INDEX, MAX_RATE};

/// Records per frame at most, when `frame` is not given: a source sends
/// what it has, so frames are larger than the demo feeds' by default.
pub const DEFAULT_FRAME: usize = 1000;

const NAMES: &[&str] = &["from", "rate", "frame"];

/// What one connection to a source asks for.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SourceParams {
    /// The first record wanted (the page's resume offset).
    pub from: u64,
    /// Most records per second; 0 (the default) sends them as they come.
    pub rate: u64,
    /// Most records in one frame.
    pub frame: usize,
}

impl SourceParams {
    pub fn parse(pairs: &[(String, String)]) -> Result<Self, ParamError> {
        let query = Query::new(pairs, NAMES)?;
        Ok(Self {
            from: query.integer("from", 0, MAX_INDEX)?.unwrap_or(0),
            rate: query.integer("rate", 0, MAX_RATE)?.unwrap_or(0),
            frame: query.size("frame", MAX_FRAME)?.unwrap_or(DEFAULT_FRAME),
        })
    }
}
