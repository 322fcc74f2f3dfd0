//! Latency of results: how long after a record existed (its event time, or
//! its arrival in the page) the batch that includes it was done. Summaries
//! are per batch, from weighted samples (a frame's arrival stands for all
//! its records), with log-spaced bins that merge across batches.

use serde::Serialize;

/// Upper bounds (ms) of the histogram bins; the last bin is open-ended.
pub const BIN_EDGES_MS: [f64; 14] = [
    1.0, 2.0, 5.0, 10.0, 20.0, 50.0, 100.0, 200.0, 500.0, 1000.0, 2000.0, 5000.0, 10000.0, 30000.0,
];

/// Bins: one per edge, and one for everything above the last.
pub const BINS: usize = BIN_EDGES_MS.len() + 1;

#[derive(Clone, Debug, Default, PartialEq, Serialize, serde::Deserialize)]
pub struct LatencySummary {
    /// Records measured (the weights' sum).
    pub count: u64,
    pub p50: f64,
    pub p95: f64,
    pub p99: f64,
    pub max: f64,
    /// Records per bin of [`BIN_EDGES_MS`].
    pub bins: Vec<u64>,
}

impl LatencySummary {
    /// Summarises `(latency_ms, weight)` samples; `None` when there are none.
    pub fn of(samples: &mut Vec<(f64, u64)>) -> Option<LatencySummary> {
        samples.retain(|(v, w)| *w > 0 && v.is_finite());
        let total: u64 = samples.iter().map(|s| s.1).sum();
        if total == 0 {
            return None;
        }
        samples.sort_by(|a, b| a.0.total_cmp(&b.0));
        let quantile = |q: f64| {
            let rank = (q * total as f64).ceil().max(1.0) as u64;
            let mut seen = 0;
            for (v, w) in samples.iter() {
                seen += w;
                if seen >= rank {
                    return *v;
                }
            }
            samples.last().map_or(0.0, |s| s.0)
        };
        let mut bins = vec![0u64; BINS];
        for (v, w) in samples.iter() {
            bins[bin_of(*v)] += w;
        }
        Some(LatencySummary {
            count: total,
            p50: quantile(0.50),
            p95: quantile(0.95),
            p99: quantile(0.99),
            max: samples.last().map_or(0.0, |s| s.0),
            bins,
        })
    }
}

/// The bin a latency falls in (negative latencies, from clock skew, in the first).
pub fn bin_of(ms: f64) -> usize {
    BIN_EDGES_MS
        .iter()
        .position(|edge| ms < *edge)
        .unwrap_or(BIN_EDGES_MS.len())
}

/// The number in field `field` of a JSON record, found by a scan rather
/// than a parse: this runs on a sample of every batch's records.
pub fn event_time(line: &str, field: &str) -> Option<f64> {
    let bytes = line.as_bytes();
    let mut from = 0;
    while let Some(at) = line[from..].find(field) {
        let start = from + at;
        let end = start + field.len();
        from = end;
        let quoted = start > 0 && bytes[start - 1] == b'"' && bytes.get(end) == Some(&b'"');
        if !quoted {
            continue;
        }
        let rest = line[end + 1..].trim_start();
        let Some(rest) = rest.strip_prefix(':') else {
            continue;
        };
        let rest = rest.trim_start();
        let len = rest
            .find(|c: char| !(c.is_ascii_digit() || matches!(c, '.' | '-' | '+' | 'e' | 'E')))
            .unwrap_or(rest.len());
        return rest[..len].parse().ok();
    }
    None
}

#[cfg(test)]
mod tests {
    #[cfg(target_arch = "wasm32")]
    use wasm_bindgen_test::wasm_bindgen_test as test;

    use super::*;

    #[test]
    fn weighted_quantiles_count_a_frame_as_its_records() {
        // 90 records at 10 ms (one frame), 10 at 100 ms.
        let s = LatencySummary::of(&mut vec![(100.0, 10), (10.0, 90)]).unwrap();
        assert_eq!(
            (s.count, s.p50, s.p95, s.p99, s.max),
            (100, 10.0, 100.0, 100.0, 100.0)
        );
        assert_eq!(s.bins[bin_of(10.0)], 90);
        assert_eq!(bin_of(10.0), 4, "10 ms is in [10, 20)");
        assert!(LatencySummary::of(&mut Vec::new()).is_none());
    }

    #[test]
    fn event_time_is_read_from_the_named_field_only() {
        let rec = r#"{"seq":12,"ts":1764000000123,"user":"ts","latency_ms":41.5}"#;
        assert_eq!(event_time(rec, "ts"), Some(1764000000123.0));
        assert_eq!(event_time(rec, "latency_ms"), Some(41.5));
        assert_eq!(event_time(r#"{"user":"ts"}"#, "ts"), None);
        assert_eq!(event_time("plain text", "ts"), None);
    }
}
