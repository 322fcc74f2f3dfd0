//! The feeds' query parameters, checked before anything is streamed.
//!
//! A typo in a feed URL should fail loudly with a message naming the
//! parameter, not silently stream the defaults: `limt=10` would otherwise be
//! an endless feed. Every problem becomes an HTTP 400 with that message.
//!
//! Every number has a range, checked here, so the arithmetic downstream
//! (`from + count`, `rate * elapsed`) cannot wrap whatever the URL says.

use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};

use super::disorder::{t0_now, Disorder, MAX_DISORDER_MS};
use super::FeedKind;

/// Records per second when `rate` is not given.
pub const DEFAULT_RATE: u64 = 1000;
/// Largest `rate`: a billion records a second is already far beyond any
/// socket, so a larger number is a mistake, not a wish.
pub const MAX_RATE: u64 = 1_000_000_000;
/// Largest record index for `from` and `limit`: the largest integer a
/// JavaScript number holds exactly (2^53 - 1), since the page keeps feed
/// offsets in numbers. Far from `u64::MAX`, so `from + count` cannot wrap.
pub const MAX_INDEX: u64 = sparklet_engine::MAX_SAFE_INTEGER;
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

const EVENTS_NAMES: &[&str] = &["rate", "seed", "limit", "from", "frame", "disorder", "t0"];
const WORDS_NAMES: &[&str] = &["rate", "seed", "limit", "from", "frame", "vocab"];
const EVENTS_TRUTH_NAMES: &[&str] = &["seed", "limit", "disorder", "t0", "rate", "window"];
/// Largest `window` of the events truth: a day.
pub const MAX_TRUTH_WINDOW_MS: u64 = 86_400_000;
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
    /// The events feed's event times, when `disorder` is given (else `ts`
    /// is the send time).
    pub disorder: Option<Disorder>,
}

/// Which prefix `[0, limit)` of sequence `seed` a truth endpoint counts.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct TruthParams {
    pub seed: u64,
    pub limit: u64,
    pub vocab: usize,
    /// The events truth per event-time window of `window` ms, over times
    /// made as `disorder` says.
    pub windows: Option<(Disorder, u64)>,
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
        value: String,
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
            rate: query.integer("rate", 0, MAX_RATE)?.unwrap_or(DEFAULT_RATE),
            seed: query.integer("seed", 0, u64::MAX)?.unwrap_or(1),
            limit: query.integer("limit", 0, MAX_INDEX)?,
            from: query.integer("from", 0, MAX_INDEX)?.unwrap_or(0),
            frame: query.size("frame", MAX_FRAME)?.unwrap_or(DEFAULT_FRAME),
            vocab: query.size("vocab", MAX_VOCAB)?.unwrap_or(DEFAULT_VOCAB),
            disorder: disorder(&query, false)?,
        })
    }
}

/// `disorder=D` with `t0` and `rate` (`t0` alone is refused: it sets
/// the times that `disorder` makes). A feed without `t0` starts its
/// record `from` now; a truth needs the `t0` its feed had.
fn disorder(query: &Query, truth: bool) -> Result<Option<Disorder>, ParamError> {
    let t0 = query.integer("t0", 0, MAX_INDEX)?;
    let Some(max_ms) = query.integer("disorder", 0, MAX_DISORDER_MS)? else {
        return match t0 {
            Some(_) => Err(ParamError::Missing {
                name: "disorder",
                why: "t0 sets the event times that disorder makes",
            }),
            None => Ok(None),
        };
    };
    let rate = match query.integer("rate", 0, MAX_RATE)?.unwrap_or(DEFAULT_RATE) {
        0 => DEFAULT_RATE,
        rate => rate,
    };
    let t0_ms = match (t0, truth) {
        (Some(t0), _) => t0,
        (None, false) => t0_now(query.integer("from", 0, MAX_INDEX)?.unwrap_or(0), rate),
        (None, true) => {
            return Err(ParamError::Missing {
                name: "t0",
                why: "the truth must know the event times its feed made: give both the same t0",
            })
        }
    };
    Ok(Some(Disorder {
        max_ms,
        t0_ms,
        rate,
    }))
}

impl TruthParams {
    pub fn parse(kind: FeedKind, pairs: &[(String, String)]) -> Result<Self, ParamError> {
        let names = match kind {
            FeedKind::Words => WORDS_TRUTH_NAMES,
            FeedKind::Events => EVENTS_TRUTH_NAMES,
        };
        let query = Query::new(pairs, names)?;
        let limit = query
            .integer("limit", 0, MAX_TRUTH_LIMIT)?
            .ok_or(ParamError::Missing {
                name: "limit",
                why: "the truth covers records [0, limit), so it needs an end",
            })?;
        let window = query.integer("window", 1, MAX_TRUTH_WINDOW_MS)?;
        let windows = match (disorder(&query, true)?, window) {
            (Some(d), Some(w)) => Some((d, w)),
            (None, None) => None,
            (Some(_), None) => {
                return Err(ParamError::Missing {
                    name: "window",
                    why: "with disorder the truth counts per event-time window of this many ms",
                })
            }
            (None, Some(_)) => {
                return Err(ParamError::Missing {
                    name: "disorder",
                    why: "the windows are of the event times that disorder makes",
                })
            }
        };
        Ok(Self {
            seed: query.integer("seed", 0, u64::MAX)?.unwrap_or(1),
            limit,
            vocab: query.size("vocab", MAX_VOCAB)?.unwrap_or(DEFAULT_VOCAB),
            windows,
        })
    }
}

/// The decoded pairs, once checked for unknown and repeated names.
pub(crate) struct Query<'a> {
    pairs: &'a [(String, String)],
}

impl<'a> Query<'a> {
    pub(crate) fn new(
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

    /// A count of things held in memory: `1..=max`.
    pub(crate) fn size(&self, name: &'static str, max: usize) -> Result<Option<usize>, ParamError> {
        let max = u64::try_from(max).unwrap_or(u64::MAX);
        let Some(value) = self.integer(name, 1, max)? else {
            return Ok(None);
        };
        // Within `max`, which came from a `usize`.
        usize::try_from(value)
            .map(Some)
            .map_err(|_| ParamError::OutOfRange {
                name,
                min: 1,
                max,
                value: value.to_string(),
            })
    }

    /// The integer `name` in `min..=max`, if given. Digits beyond `u64` are
    /// out of range, not "not an integer".
    pub(crate) fn integer(
        &self,
        name: &'static str,
        min: u64,
        max: u64,
    ) -> Result<Option<u64>, ParamError> {
        let Some((_, value)) = self.pairs.iter().find(|(n, _)| n == name) else {
            return Ok(None);
        };
        let out_of_range = || ParamError::OutOfRange {
            name,
            min,
            max,
            value: value.clone(),
        };
        match value.parse::<u64>() {
            Ok(n) if (min..=max).contains(&n) => Ok(Some(n)),
            Ok(_) => Err(out_of_range()),
            Err(_) if !value.is_empty() && value.bytes().all(|b| b.is_ascii_digit()) => {
                Err(out_of_range())
            }
            Err(_) => Err(ParamError::NotAnInteger {
                name,
                value: value.clone(),
            }),
        }
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
                disorder: None,
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
                disorder: None,
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
    fn numbers_beyond_their_range_name_the_range() {
        let err = |q: &str| {
            FeedParams::parse(FeedKind::Words, &pairs(q))
                .unwrap_err()
                .to_string()
        };
        assert_eq!(
            err("from=9007199254740992"),
            "from: must be between 0 and 9007199254740991, got 9007199254740992"
        );
        assert_eq!(
            err("limit=18446744073709551615"),
            "limit: must be between 0 and 9007199254740991, got 18446744073709551615"
        );
        assert_eq!(
            err("rate=1000000001"),
            "rate: must be between 0 and 1000000000, got 1000000001"
        );
        assert_eq!(
            err("seed=18446744073709551616"),
            "seed: must be between 0 and 18446744073709551615, got 18446744073709551616"
        );
        assert_eq!(
            err("vocab=99999999999999999999999"),
            "vocab: must be between 1 and 1000000, got 99999999999999999999999"
        );
        let top = FeedParams::parse(
            FeedKind::Words,
            &pairs("from=9007199254740991&limit=9007199254740991&seed=18446744073709551615"),
        )
        .unwrap();
        assert_eq!(
            (top.from, top.limit, top.seed),
            (MAX_INDEX, Some(MAX_INDEX), u64::MAX)
        );
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
                vocab: 300,
                windows: None,
            }
        );
        assert!(TruthParams::parse(FeedKind::Words, &pairs("limit=5&rate=3")).is_err());
        assert!(TruthParams::parse(FeedKind::Events, &pairs("limit=5&vocab=3")).is_err());
    }

    #[test]
    fn disorder_sets_the_event_times_and_the_truth_needs_a_window_with_it() {
        let q = pairs("disorder=2000&t0=1796292000000&rate=500");
        let p = FeedParams::parse(FeedKind::Events, &q).unwrap();
        let want = Disorder {
            max_ms: 2000,
            t0_ms: 1_796_292_000_000,
            rate: 500,
        };
        assert_eq!(p.disorder, Some(want));
        let q = pairs("limit=9&disorder=2000&t0=1796292000000&rate=500&window=1000");
        let t = TruthParams::parse(FeedKind::Events, &q).unwrap();
        assert_eq!(t.windows, Some((want, 1000)));
        let err = |kind, q: &str| FeedParams::parse(kind, &pairs(q)).unwrap_err().to_string();
        assert!(err(FeedKind::Events, "t0=5").starts_with("disorder: required"));
        assert!(err(FeedKind::Events, "disorder=1800001").contains("between 0 and 1800000"));
        assert!(err(FeedKind::Words, "disorder=5").starts_with("unknown parameter 'disorder'"));
        let err = |q: &str| {
            TruthParams::parse(FeedKind::Events, &pairs(q))
                .unwrap_err()
                .to_string()
        };
        assert!(err("limit=9&disorder=5&t0=1").starts_with("window: required"));
        assert!(err("limit=9&window=5").starts_with("disorder: required"));
        assert!(err("limit=9&disorder=5&window=5").starts_with("t0: required"));
        // Without t0 a feed's record `from` happens now.
        let q = pairs("disorder=5&from=3000&rate=1000");
        let t0 = FeedParams::parse(FeedKind::Events, &q)
            .unwrap()
            .disorder
            .unwrap()
            .t0_ms;
        let now = t0_now(0, 1000);
        assert!((now - 4_000..=now - 2_000).contains(&t0), "{t0} vs {now}");
    }
}
