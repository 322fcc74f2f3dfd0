//! Bad input is expected input: every record that cannot be used is counted
//! here, and the last few are kept with the reason, for the page to show.

use std::collections::VecDeque;

/// How many samples are kept, and how long a sampled record may be.
const SAMPLES: usize = 8;
const SAMPLE_CHARS: usize = 160;

#[derive(Clone, Debug, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
pub struct MalformedSample {
    pub reason: String,
    /// The record, cut to a readable length.
    pub record: String,
}

/// The malformed-record counter with its recent samples.
#[derive(Clone, Debug, Default)]
pub struct Malformed {
    count: u64,
    samples: VecDeque<MalformedSample>,
    /// Samples taken since `begin_batch`: a flood of bad records formats
    /// a few reasons per batch, not one per record.
    sampled_in_batch: usize,
}

impl Malformed {
    pub fn count(&self) -> u64 {
        self.count
    }

    pub fn samples(&self) -> impl Iterator<Item = &MalformedSample> {
        self.samples.iter()
    }

    pub fn begin_batch(&mut self) {
        self.sampled_in_batch = 0;
    }

    /// Counts one bad record; `reason` is only formatted when sampled.
    pub fn record(&mut self, record: &str, reason: impl FnOnce() -> String) {
        self.count += 1;
        if self.sampled_in_batch >= SAMPLES {
            return;
        }
        self.sampled_in_batch += 1;
        if self.samples.len() == SAMPLES {
            self.samples.pop_front();
        }
        let mut shown: String = record.chars().take(SAMPLE_CHARS).collect();
        if shown.len() < record.len() {
            shown.push('…');
        }
        self.samples.push_back(MalformedSample {
            reason: reason(),
            record: shown,
        });
    }

    /// Counts `n` bad records at once (a whole refused frame).
    pub fn record_many(&mut self, n: u64, record: &str, reason: impl FnOnce() -> String) {
        if n > 0 {
            self.record(record, reason);
            self.count += n - 1;
        }
    }
}

#[cfg(test)]
mod tests {
    #[cfg(target_arch = "wasm32")]
    use wasm_bindgen_test::wasm_bindgen_test as test;

    use super::*;

    #[test]
    fn a_flood_is_counted_in_full_but_sampled_briefly() {
        let mut m = Malformed::default();
        let long = "x".repeat(10_000);
        for _ in 0..100_000 {
            m.record(&long, || "bad".into());
        }
        assert_eq!(m.count(), 100_000);
        assert_eq!(m.samples().count(), SAMPLES);
        assert!(m
            .samples()
            .all(|s| s.record.chars().count() == SAMPLE_CHARS + 1));
    }
}
