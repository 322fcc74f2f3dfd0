//! The words feed's text, made once per sequence and sent again and again:
//! the sequence repeats every `period()` records (see
//! [`Vocabulary::period`]), so a connection copies text out of one shared
//! block instead of drawing every word, and the feed outruns any page.

use std::sync::{Arc, Mutex};

use super::words::Vocabulary;

/// Sequences kept made: a run's connections and truths ask for a few.
const KEPT: usize = 4;

/// One period of a sequence's records, each followed by a newline.
pub struct Cycle {
    text: String,
    /// Where each record starts in `text`, and its end: `period + 1`.
    starts: Vec<u32>,
}

impl Cycle {
    /// The cycle of sequence `seed` over `vocab`, made on first use.
    pub fn of(seed: u64, vocab: &Vocabulary) -> Arc<Cycle> {
        type Made = Vec<(u64, u64, usize, Arc<Cycle>)>;
        static MADE: Mutex<Made> = Mutex::new(Vec::new());
        let id = (seed, vocab.period(), vocab.size());
        let mut made = MADE.lock().unwrap_or_else(|p| p.into_inner());
        if let Some(i) = made.iter().position(|m| (m.0, m.1, m.2) == id) {
            let hit = made.remove(i);
            made.push(hit.clone());
            return hit.3;
        }
        let cycle = Arc::new(Cycle::make(seed, vocab));
        if made.len() == KEPT {
            made.remove(0);
        }
        made.push((id.0, id.1, id.2, cycle.clone()));
        cycle
    }

    fn make(seed: u64, vocab: &Vocabulary) -> Cycle {
        let period = vocab.period() as usize;
        let mut text = String::with_capacity(period * 40);
        let mut starts = Vec::with_capacity(period + 1);
        for index in 0..period as u64 {
            starts.push(offset(&text));
            vocab.write_record(seed, index, &mut text);
            text.push('\n');
        }
        starts.push(offset(&text));
        Cycle { text, starts }
    }

    /// Appends records `[first, first + count)` to `out`, one per line
    /// (no newline after the last): exactly what `write_record` would.
    pub fn write(&self, first: u64, count: u64, out: &mut String) {
        let period = (self.starts.len() - 1) as u64;
        let (mut at, end) = (first, first + count);
        while at < end {
            let from = (at % period) as usize;
            let n = (end - at).min(period - from as u64) as usize;
            out.push_str(&self.text[self.starts[from] as usize..self.starts[from + n] as usize]);
            at += n as u64;
        }
        if count > 0 {
            out.pop();
        }
    }
}

/// A position in a cycle's text: under 4 GiB (a million records of at
/// most ten words of at most 8 bytes).
fn offset(text: &str) -> u32 {
    u32::try_from(text.len()).unwrap_or(u32::MAX)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn frames_from_the_cycle_are_the_records_themselves() {
        for vocab in [Vocabulary::new(300), Vocabulary::new(100_000)] {
            let period = vocab.period();
            let cycle = Cycle::of(9, &vocab);
            for (first, count) in [
                (0, 1),
                (5, 100),
                (period - 3, 7),
                (3 * period + 11, 2 * period + 5),
            ] {
                let mut want = String::new();
                for i in first..first + count {
                    if i > first {
                        want.push('\n');
                    }
                    vocab.write_record(9, i, &mut want);
                }
                let mut got = String::new();
                cycle.write(first, count, &mut got);
                assert!(
                    got == want,
                    "records [{first}, +{count}) of vocab {}",
                    vocab.size()
                );
            }
        }
    }

    #[test]
    fn the_sequence_repeats_every_period() {
        let vocab = Vocabulary::new(300);
        let (mut a, mut b) = (String::new(), String::new());
        vocab.write_record(2, 17, &mut a);
        vocab.write_record(2, 17 + vocab.period(), &mut b);
        assert_eq!(a, b);
        assert_eq!(vocab.period(), 65_536);
        assert_eq!(Vocabulary::new(100_000).period(), 524_288);
    }
}
