//! A Zipf-like choice among a fixed list, ranked most common first.
//!
//! Real word and user frequencies are skewed: a few items carry most of the
//! traffic. That skew is what makes a word count or a "top users" chart worth
//! watching, so both demo feeds draw through this table.

use super::rng::SplitMix64;

/// Cumulative thresholds over the full `u64` range: item `k` is chosen when a
/// uniform draw falls below `cdf[k]` and not below `cdf[k - 1]`.
#[derive(Debug)]
pub struct Zipf {
    cdf: Vec<u64>,
}

impl Zipf {
    /// Weights `1 / rank^exponent` for ranks `1..=n`. The exponent is 1.0 for
    /// both feeds, which keeps construction to IEEE-exact divisions and adds,
    /// so the table (and the feed) is the same on every platform.
    pub fn new(n: usize) -> Self {
        assert!(n > 0, "a Zipf table needs at least one item");
        let weights: Vec<f64> = (1..=n).map(|rank| 1.0 / rank as f64).collect();
        let total: f64 = weights.iter().sum();
        let mut cumulative = 0.0;
        let mut cdf: Vec<u64> = weights
            .iter()
            .map(|w| {
                cumulative += w;
                // `as` saturates, so a sum that rounds just past 1.0 is safe.
                (cumulative / total * u64::MAX as f64) as u64
            })
            .collect();
        // The last item takes whatever rounding left over at the top.
        *cdf.last_mut().expect("n > 0 was asserted") = u64::MAX;
        Self { cdf }
    }

    /// A rank in `0..n`, 0 being the most common.
    pub fn sample(&self, rng: &mut SplitMix64) -> usize {
        let u = rng.next_u64();
        let k = self.cdf.partition_point(|&c| c <= u);
        k.min(self.cdf.len() - 1)
    }

    #[cfg(test)]
    fn len(&self) -> usize {
        self.cdf.len()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_head_dominates_and_every_rank_is_reachable() {
        let zipf = Zipf::new(20);
        let mut rng = SplitMix64::new(9);
        let mut counts = vec![0u32; zipf.len()];
        for _ in 0..200_000 {
            counts[zipf.sample(&mut rng)] += 1;
        }
        assert!(counts.iter().all(|&c| c > 0), "{counts:?}");
        // With exponent 1, rank 1 is drawn about twice as often as rank 2.
        let ratio = f64::from(counts[0]) / f64::from(counts[1]);
        assert!((1.8..2.2).contains(&ratio), "ratio {ratio}");
        assert!(counts[0] > counts[19] * 10);
    }
}
