//! The ground truth of the demo feeds: their records recounted from scratch.
//!
//! A test (or a curious person) streams `[0, L)` through the page and
//! compares its totals with these. Recounting the exact text the socket
//! sends, split as the `split` stage splits, keeps the truth honest: it is
//! not derived from the generator's internals.

use std::collections::BTreeMap;

use axum::extract::Query;
use axum::http::{header, StatusCode};
use axum::response::{IntoResponse, Response};
use axum::Json;
use rustc_hash::FxHashMap;
use serde::Serialize;

use super::params::TruthParams;
use super::{events, words, FeedKind, Pairs};

/// `{word: count}` over records `[0, limit)` of the words feed `seed`
/// with `vocab` distinct words, split on ASCII whitespace and counted as
/// sent ("The" apart from "the").
pub fn word_counts(seed: u64, limit: u64, vocab: usize) -> BTreeMap<String, u64> {
    let vocab = words::Vocabulary::new(vocab);
    let mut counts: FxHashMap<String, u64> = FxHashMap::default();
    let mut record = String::new();
    for index in 0..limit {
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
    counts.into_iter().collect()
}

/// The events feed's truth: how many records, and how many per level and
/// per path (`ts`, the send time, is not reproducible and not counted).
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct EventCounts {
    pub records: u64,
    pub level: BTreeMap<String, u64>,
    pub path: BTreeMap<String, u64>,
}

pub fn event_counts(seed: u64, limit: u64) -> EventCounts {
    let mut level = BTreeMap::new();
    let mut path = BTreeMap::new();
    for index in 0..limit {
        let event = events::event(seed, index);
        *level.entry(event.level.as_str().to_owned()).or_insert(0) += 1;
        *path.entry(event.path.to_owned()).or_insert(0) += 1;
    }
    EventCounts {
        records: limit,
        level,
        path,
    }
}

pub(super) async fn words(query: Pairs) -> Response {
    recount(FeedKind::Words, query, word_counts).await
}

pub(super) async fn events(query: Pairs) -> Response {
    recount(FeedKind::Events, query, |seed, limit, _| {
        event_counts(seed, limit)
    })
    .await
}

/// Parses the parameters, then recounts on the blocking pool: a large limit
/// is seconds of CPU that must not stall the feeds sharing the runtime.
async fn recount<T, F>(kind: FeedKind, query: Pairs, count: F) -> Response
where
    T: Serialize + Send + 'static,
    F: FnOnce(u64, u64, usize) -> T + Send + 'static,
{
    let params = match query {
        Ok(Query(pairs)) => TruthParams::parse(kind, &pairs),
        Err(rejection) => return (StatusCode::BAD_REQUEST, rejection.body_text()).into_response(),
    };
    let TruthParams { seed, limit, vocab } = match params {
        Ok(params) => params,
        Err(err) => return err.into_response(),
    };
    match tokio::task::spawn_blocking(move || count(seed, limit, vocab)).await {
        // Any origin may read it: the page fetching the truth is often served
        // from another port than a `sparklet feed` server.
        Ok(counts) => ([(header::ACCESS_CONTROL_ALLOW_ORIGIN, "*")], Json(counts)).into_response(),
        Err(err) => (
            StatusCode::INTERNAL_SERVER_ERROR,
            format!("recount failed: {err}\n"),
        )
            .into_response(),
    }
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

    #[test]
    fn event_counts_cover_every_record() {
        let counts = event_counts(2, 1000);
        assert_eq!(counts.records, 1000);
        assert_eq!(counts.level.values().sum::<u64>(), 1000);
        assert_eq!(counts.path.values().sum::<u64>(), 1000);
    }
}
