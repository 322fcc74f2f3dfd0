//! The feeds' query parameters, checked before anything is streamed.
//!
//! A typo in a feed URL should fail loudly with a message naming the
//! parameter, not silently stream the defaults: `limt=10` would otherwise be
//! an endless feed. Every problem becomes an HTTP 400 with that message.

use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};

use super::FeedKind;

/// Records per second when `rate` is not given.
pub const DEFAULT_RATE: u64 = 1000;
/// Records per text frame when `frame` is not given.
pub const DEFAULT_FRAME: usize = 100;
/// Largest `frame`: beyond this a frame of events nears the 16 MiB frame
/// limit common WebSocket clients enforce.
pub const MAX_FRAME: usize = 100_000;
/// Largest `limit` a truth endpoint recomputes: about a minute of one core.
pub const MAX_TRUTH_LIMIT: u64 = 100_000_000;

/// Distinct words of the words feed when `vocab` is not given: the common
/// English words of `words::VOCABULARY`.
pub const DEFAULT_VOCAB: usize = super::words::VOCABULARY.len();
/// Largest `vocab`: a million distinct keys is a flood, not a word count.
pub const MAX_VOCAB: usize = 1_000_000;

const EVENTS_NAMES: &[&str] = &["rate", "seed", "limit", "from", "frame"];
const WORDS_NAMES: &[&str] = &["rate", "seed", "limit", "from", "frame", "vocab"];
const EVENTS_TRUTH_NAMES: &[&str] = &["seed", "limit"];
const WORDS_TRUTH_NAMES: &[&str] = &["seed", "limit", "vocab"];

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
    /// Distinct words the words feed draws from.
    pub vocab: usize,
}

/// Which prefix `[0, limit)` of sequence `seed` a truth endpoint counts.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct TruthParams {
    pub seed: u64,
    pub limit: u64,
    pub vocab: usize,
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
    /// The parameters of a `kind` feed (`vocab` is the words feed's own).
    pub fn parse(kind: FeedKind, pairs: &[(String, String)]) -> Result<Self, ParamError> {
        let names = match kind {
            FeedKind::Words => WORDS_NAMES,
            FeedKind::Events => EVENTS_NAMES,
        };
        let query = Query::new(pairs, names)?;
        Ok(Self {
            rate: query.integer("rate")?.unwrap_or(DEFAULT_RATE),
            seed: query.integer("seed")?.unwrap_or(1),
            limit: query.integer("limit")?,
            from: query.integer("from")?.unwrap_or(0),
            frame: match query.integer("frame")? {
                None => DEFAULT_FRAME,
                Some(f) => in_range("frame", f, 1, MAX_FRAME as u64)? as usize,
            },
            vocab: query.vocab()?,
        })
    }
}

impl TruthParams {
    pub fn parse(kind: FeedKind, pairs: &[(String, String)]) -> Result<Self, ParamError> {
        let names = match kind {
            FeedKind::Words => WORDS_TRUTH_NAMES,
            FeedKind::Events => EVENTS_TRUTH_NAMES,
        };
        let query = Query::new(pairs, names)?;
        let limit = query.integer("limit")?.ok_or(ParamError::Missing {
            name: "limit",
            why: "the truth covers records [0, limit), so it needs an end",
        })?;
        Ok(Self {
            seed: query.integer("seed")?.unwrap_or(1),
            limit: in_range("limit", limit, 0, MAX_TRUTH_LIMIT)?,
            vocab: query.vocab()?,
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

    fn vocab(&self) -> Result<usize, ParamError> {
        Ok(match self.integer("vocab")? {
            None => DEFAULT_VOCAB,
            Some(v) => in_range("vocab", v, 1, MAX_VOCAB as u64)? as usize,
        })
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
        let p = FeedParams::parse(FeedKind::Words, &pairs("")).unwrap();
        assert_eq!(
            p,
            FeedParams {
                rate: 1000,
                seed: 1,
                limit: None,
                from: 0,
                frame: 100,
                vocab: 300,
            }
        );
    }

    #[test]
    fn every_parameter_is_read() {
        let query = pairs("rate=0&seed=9&limit=50&from=10&frame=7&vocab=100000");
        let p = FeedParams::parse(FeedKind::Words, &query).unwrap();
        assert_eq!(
            p,
            FeedParams {
                rate: 0,
                seed: 9,
                limit: Some(50),
                from: 10,
                frame: 7,
                vocab: 100_000,
            }
        );
    }

    #[test]
    fn bad_values_name_the_parameter_and_the_problem() {
        let err = |q: &str| {
            FeedParams::parse(FeedKind::Words, &pairs(q))
                .unwrap_err()
                .to_string()
        };
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
        assert_eq!(
            err("vocab=0"),
            "vocab: must be between 1 and 1000000, got 0"
        );
        let events = FeedParams::parse(FeedKind::Events, &pairs("vocab=5"));
        assert!(events
            .unwrap_err()
            .to_string()
            .starts_with("unknown parameter 'vocab'"));
    }

    #[test]
    fn truth_needs_a_limit() {
        let err = TruthParams::parse(FeedKind::Words, &pairs("seed=3"))
            .unwrap_err()
            .to_string();
        assert!(err.starts_with("limit: required"), "{err}");
        assert_eq!(
            TruthParams::parse(FeedKind::Words, &pairs("limit=5")).unwrap(),
            TruthParams {
                seed: 1,
                limit: 5,
                vocab: 300
            }
        );
        assert!(TruthParams::parse(FeedKind::Words, &pairs("limit=5&rate=3")).is_err());
        assert!(TruthParams::parse(FeedKind::Events, &pairs("limit=5&vocab=3")).is_err());
    }
}
