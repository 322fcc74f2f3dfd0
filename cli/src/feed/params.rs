//! The feeds' query parameters, checked before anything is streamed.
//!
//! A typo in a feed URL should fail loudly with a message naming the
//! parameter, not silently stream the defaults: `limt=10` would otherwise be
//! an endless feed. Every problem becomes an HTTP 400 with that message.

use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};

/// Records per second when `rate` is not given.
pub const DEFAULT_RATE: u64 = 1000;
/// Records per text frame when `frame` is not given.
pub const DEFAULT_FRAME: usize = 100;
/// Largest `frame`: beyond this a frame of events nears the 16 MiB frame
/// limit common WebSocket clients enforce.
pub const MAX_FRAME: usize = 100_000;
/// Largest `limit` a truth endpoint recomputes: about a minute of one core.
pub const MAX_TRUTH_LIMIT: u64 = 100_000_000;

const FEED_NAMES: &[&str] = &["rate", "seed", "limit", "from", "frame"];
const TRUTH_NAMES: &[&str] = &["seed", "limit"];

/// What a feed socket streams: records `[from, limit)` of sequence `seed`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct FeedParams {
    /// Records per second; 0 means as fast as the socket takes them.
    pub rate: u64,
    pub seed: u64,
    /// One past the last record index; `None` streams for ever.
    pub limit: Option<u64>,
    pub from: u64,
    /// Most records in one text frame.
    pub frame: usize,
}

/// Which prefix `[0, limit)` of sequence `seed` a truth endpoint counts.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct TruthParams {
    pub seed: u64,
    pub limit: u64,
}

#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum ParamError {
    #[error("{name}: expected a non-negative integer, got '{value}'")]
    NotAnInteger { name: &'static str, value: String },
    #[error("{name}: must be between {min} and {max}, got {value}")]
    OutOfRange {
        name: &'static str,
        min: u64,
        max: u64,
        value: u64,
    },
    #[error("{name}: required here ({why})")]
    Missing {
        name: &'static str,
        why: &'static str,
    },
    #[error("{name}: given more than once")]
    Repeated { name: &'static str },
    #[error("unknown parameter '{name}' (this endpoint takes: {expected})")]
    Unknown { name: String, expected: String },
}

impl IntoResponse for ParamError {
    fn into_response(self) -> Response {
        (StatusCode::BAD_REQUEST, format!("{self}\n")).into_response()
    }
}

impl FeedParams {
    pub fn parse(pairs: &[(String, String)]) -> Result<Self, ParamError> {
        let query = Query::new(pairs, FEED_NAMES)?;
        Ok(Self {
            rate: query.integer("rate")?.unwrap_or(DEFAULT_RATE),
            seed: query.integer("seed")?.unwrap_or(1),
            limit: query.integer("limit")?,
            from: query.integer("from")?.unwrap_or(0),
            frame: match query.integer("frame")? {
                None => DEFAULT_FRAME,
                Some(f) => in_range("frame", f, 1, MAX_FRAME as u64)? as usize,
            },
        })
    }
}

impl TruthParams {
    pub fn parse(pairs: &[(String, String)]) -> Result<Self, ParamError> {
        let query = Query::new(pairs, TRUTH_NAMES)?;
        let limit = query.integer("limit")?.ok_or(ParamError::Missing {
            name: "limit",
            why: "the truth covers records [0, limit), so it needs an end",
        })?;
        Ok(Self {
            seed: query.integer("seed")?.unwrap_or(1),
            limit: in_range("limit", limit, 0, MAX_TRUTH_LIMIT)?,
        })
    }
}

fn in_range(name: &'static str, value: u64, min: u64, max: u64) -> Result<u64, ParamError> {
    if (min..=max).contains(&value) {
        Ok(value)
    } else {
        Err(ParamError::OutOfRange {
            name,
            min,
            max,
            value,
        })
    }
}

/// The decoded pairs, once checked for unknown and repeated names.
struct Query<'a> {
    pairs: &'a [(String, String)],
}

impl<'a> Query<'a> {
    fn new(
        pairs: &'a [(String, String)],
        known: &'static [&'static str],
    ) -> Result<Self, ParamError> {
        for (i, (name, _)) in pairs.iter().enumerate() {
            let Some(&known_name) = known.iter().find(|k| *k == name) else {
                return Err(ParamError::Unknown {
                    name: name.clone(),
                    expected: known.join(", "),
                });
            };
            if pairs[..i].iter().any(|(earlier, _)| earlier == name) {
                return Err(ParamError::Repeated { name: known_name });
            }
        }
        Ok(Self { pairs })
    }

    fn integer(&self, name: &'static str) -> Result<Option<u64>, ParamError> {
        let Some((_, value)) = self.pairs.iter().find(|(n, _)| n == name) else {
            return Ok(None);
        };
        value
            .parse()
            .map(Some)
            .map_err(|_| ParamError::NotAnInteger {
                name,
                value: value.clone(),
            })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn pairs(query: &str) -> Vec<(String, String)> {
        query
            .split('&')
            .filter(|p| !p.is_empty())
            .map(|p| {
                let (k, v) = p.split_once('=').unwrap_or((p, ""));
                (k.to_string(), v.to_string())
            })
            .collect()
    }

    #[test]
    fn defaults_apply_when_nothing_is_given() {
        let p = FeedParams::parse(&pairs("")).unwrap();
        assert_eq!(
            p,
            FeedParams {
                rate: 1000,
                seed: 1,
                limit: None,
                from: 0,
                frame: 100
            }
        );
    }

    #[test]
    fn every_parameter_is_read() {
        let p = FeedParams::parse(&pairs("rate=0&seed=9&limit=50&from=10&frame=7")).unwrap();
        assert_eq!(
            p,
            FeedParams {
                rate: 0,
                seed: 9,
                limit: Some(50),
                from: 10,
                frame: 7
            }
        );
    }

    #[test]
    fn bad_values_name_the_parameter_and_the_problem() {
        let err = |q: &str| FeedParams::parse(&pairs(q)).unwrap_err().to_string();
        assert_eq!(
            err("rate=abc"),
            "rate: expected a non-negative integer, got 'abc'"
        );
        assert_eq!(
            err("limit=-1"),
            "limit: expected a non-negative integer, got '-1'"
        );
        assert_eq!(err("frame=0"), "frame: must be between 1 and 100000, got 0");
        assert_eq!(err("seed=1&seed=2"), "seed: given more than once");
        assert!(err("limt=5").starts_with("unknown parameter 'limt'"));
    }

    #[test]
    fn truth_needs_a_limit() {
        let err = TruthParams::parse(&pairs("seed=3"))
            .unwrap_err()
            .to_string();
        assert!(err.starts_with("limit: required"), "{err}");
        assert_eq!(
            TruthParams::parse(&pairs("limit=5")).unwrap(),
            TruthParams { seed: 1, limit: 5 }
        );
        assert!(TruthParams::parse(&pairs("limit=5&rate=3")).is_err());
    }
}
