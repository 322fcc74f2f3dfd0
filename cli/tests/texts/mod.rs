//! Known texts for the tests that send their own data (sources, HTTP
//! feeds), and their ground truth, counted here, never by the code under
//! test.

#![allow(dead_code)]

use std::collections::BTreeMap;

use crate::browser::{counts, Browser};

/// Running totals of words, so the page's output is the whole count.
pub const TOTALS: &str = "split | count_by_value | update_state_by_key sum";

/// Word counts of `text` split on ASCII whitespace: the truth.
pub fn word_counts(text: &str) -> BTreeMap<String, i64> {
    let mut counts = BTreeMap::new();
    for word in text.split_ascii_whitespace() {
        *counts.entry(word.to_string()).or_insert(0) += 1;
    }
    counts
}

/// `lines` lines of 1 to 9 words drawn from a small vocabulary by a fixed
/// sequence, so counts repeat and differ.
pub fn text(lines: usize, salt: usize) -> String {
    const WORDS: [&str; 12] = [
        "spark", "stream", "batch", "window", "count", "word", "the", "a", "of", "to", "and", "in",
    ];
    (0..lines)
        .map(|i| {
            (0..1 + (i * 7 + salt) % 9)
                .map(|j| WORDS[(i * 31 + j * 17 + salt) % WORDS.len()])
                .collect::<Vec<_>>()
                .join(" ")
        })
        .collect::<Vec<_>>()
        .join("\n")
        + "\n"
}

/// Waits until the page has read `lines` lines and its totals add up to
/// the truth's, then checks them word by word.
pub async fn wait_for_counts(b: &Browser, lines: u64, truth: &BTreeMap<String, i64>, what: &str) {
    let stats = b
        .wait_for_stats(60, what, |s| {
            s["lines"].as_u64() >= Some(lines)
                && s["pending"] == 0
                && s["output"].is_array()
                && counts(&s["output"]).values().sum::<i64>() == truth.values().sum::<i64>()
        })
        .await;
    assert_eq!(stats["lines"], lines, "{what}: every line once");
    assert_eq!(&counts(&stats["output"]), truth, "{what}: exact counts");
}
