//! The ground truth of the demo feeds: their records recounted from scratch.
//!
//! A test (or a curious person) streams `[0, L)` through the page and
//! compares its totals with these. Recounting the exact text the socket
//! sends, split as the `split` stage splits, keeps the truth honest: it is
//! not derived from the generator's internals.

use std::collections::BTreeMap;
use std::sync::atomic::{AtomicBool, Ordering};

use rustc_hash::FxHashMap;
use serde::Serialize;

use super::disorder::{window_truth, WindowTruth};
use super::params::TruthParams;
use super::{events, words};

/// Records recounted between two looks at the cancel flag: well under a
/// millisecond of work, so a recount nobody waits for stops at once.
const CHECK_EVERY: u64 = 4096;

/// `{word: count}` over records `[0, limit)` of the words feed `seed`
/// with `vocab` distinct words, split on ASCII whitespace and counted as
/// sent ("The" apart from "the").
pub fn word_counts(seed: u64, limit: u64, vocab: usize) -> BTreeMap<String, u64> {
    word_counts_unless(seed, limit, vocab, &AtomicBool::new(false))
        .expect("a flag nobody else holds is never set")
}

/// [`word_counts`], or `None` as soon as `cancelled` is seen set.
pub fn word_counts_unless(
    seed: u64,
    limit: u64,
    vocab: usize,
    cancelled: &AtomicBool,
) -> Option<BTreeMap<String, u64>> {
    let vocab = words::Vocabulary::new(vocab);
    // The sequence repeats: recount one period (or the prefix, if shorter)
    // and scale, noting the counts where the last partial period ends.
    let period = vocab.period();
    let (whole, rest) = (limit / period, limit % period);
    let mut counts: FxHashMap<String, u64> = FxHashMap::default();
    let mut at_rest = None;
    let mut record = String::new();
    for index in 0..if whole > 0 { period } else { rest } {
        if index % CHECK_EVERY == 0 && cancelled.load(Ordering::Relaxed) {
            return None;
        }
        if whole > 0 && index == rest {
            at_rest = Some(counts.clone());
        }
        record.clear();
        vocab.write_record(seed, index, &mut record);
        for word in record.split_ascii_whitespace() {
            // Look up by `&str` first: a key is allocated once per distinct
            // word, not once per occurrence.
            match counts.get_mut(word) {
                Some(count) => *count += 1,
                None => {
                    counts.insert(word.to_owned(), 1);
                }
            }
        }
    }
    if whole > 0 {
        let at_rest = at_rest.unwrap_or_default();
        for (word, n) in counts.iter_mut() {
            *n = *n * whole + at_rest.get(word).copied().unwrap_or(0);
        }
    }
    Some(counts.into_iter().collect())
}

/// The events feed's truth: how many records, and how many per level and
/// per path (`ts`, the send time, is not reproducible and not counted).
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct EventCounts {
    pub records: u64,
    pub level: BTreeMap<String, u64>,
    pub path: BTreeMap<String, u64>,
}

/// The events truth a request asks for: the counts by level and path,
/// and with `disorder` and `window` the count per event-time window.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct EventsTruth {
    #[serde(flatten)]
    pub counts: EventCounts,
    #[serde(flatten)]
    pub windows: Option<WindowTruth>,
}

pub fn events_truth(p: &TruthParams, cancelled: &AtomicBool) -> Option<EventsTruth> {
    let counts = event_counts_unless(p.seed, p.limit, cancelled)?;
    let windows = match &p.windows {
        Some((disorder, window_ms)) => Some(window_truth(
            disorder, p.seed, p.limit, *window_ms, cancelled,
        )?),
        None => None,
    };
    Some(EventsTruth { counts, windows })
}

pub fn event_counts(seed: u64, limit: u64) -> EventCounts {
    event_counts_unless(seed, limit, &AtomicBool::new(false))
        .expect("a flag nobody else holds is never set")
}

/// [`event_counts`], or `None` as soon as `cancelled` is seen set.
pub fn event_counts_unless(seed: u64, limit: u64, cancelled: &AtomicBool) -> Option<EventCounts> {
    let mut level = BTreeMap::new();
    let mut path = BTreeMap::new();
    for index in 0..limit {
        if index % CHECK_EVERY == 0 && cancelled.load(Ordering::Relaxed) {
            return None;
        }
        let event = events::event(seed, index);
        *level.entry(event.level.as_str().to_owned()).or_insert(0) += 1;
        *path.entry(event.path.to_owned()).or_insert(0) += 1;
    }
    Some(EventCounts {
        records: limit,
        level,
        path,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn word_counts_add_up_to_the_words_sent() {
        let counts = word_counts(4, 500, 300);
        let mut total = 0;
        for i in 0..500 {
            let mut r = String::new();
            words::write_record(4, i, &mut r);
            total += r.split_ascii_whitespace().count() as u64;
        }
        assert_eq!(counts.values().sum::<u64>(), total);
        assert!(counts
            .keys()
            .any(|w| w.starts_with(|c: char| c.is_ascii_uppercase())));
    }

    /// Across periods the scaled recount is the record-by-record one.
    #[test]
    fn word_counts_over_several_periods_are_every_records_words() {
        let vocab = words::Vocabulary::new(300);
        let limit = 2 * vocab.period() + 1234;
        let mut want: BTreeMap<String, u64> = BTreeMap::new();
        let mut r = String::new();
        for i in 0..limit {
            r.clear();
            vocab.write_record(8, i, &mut r);
            for w in r.split_ascii_whitespace() {
                *want.entry(w.to_string()).or_default() += 1;
            }
        }
        assert_eq!(word_counts(8, limit, 300), want);
        assert_eq!(
            word_counts(8, 2 * vocab.period(), 300)
                .values()
                .sum::<u64>()
                * 2,
            word_counts(8, 4 * vocab.period(), 300)
                .values()
                .sum::<u64>()
        );
    }

    #[test]
    fn event_counts_cover_every_record() {
        let counts = event_counts(2, 1000);
        assert_eq!(counts.records, 1000);
        assert_eq!(counts.level.values().sum::<u64>(), 1000);
        assert_eq!(counts.path.values().sum::<u64>(), 1000);
    }

    #[test]
    fn a_set_flag_stops_a_recount() {
        let cancelled = AtomicBool::new(true);
        assert_eq!(word_counts_unless(1, 10_000_000_000, 300, &cancelled), None);
        assert_eq!(event_counts_unless(1, 10_000_000_000, &cancelled), None);
    }
}
