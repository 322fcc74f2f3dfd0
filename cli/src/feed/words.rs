//! The words feed's records: short lines of common English words.
//!
//! This is the input of Spark's own first example, the streaming word count,
//! so the dashboard's default pipeline (`split | lower |
//! count_by_value_and_window 10s | top 10`) has something realistic to chew on: a skewed vocabulary (a few words
//! dominate, as in real text) and a capitalised first word, so `lower`
//! visibly changes the counts. With `vocab` above 300 the vocabulary goes
//! on with made-up words (`w300`, `w301`, ...) down the same skewed tail: a
//! word count over 100,000 distinct keys, for measuring state that large.

use std::fmt::Write as _;
use std::sync::{Arc, LazyLock, Mutex};

use super::rng::SplitMix64;
use super::zipf::Zipf;

/// Words per record: `1..=MAX_WORDS`, uniformly.
pub const MAX_WORDS: u64 = 10;

/// Common English words, most frequent first: the rank order the Zipf table
/// weights. All lowercase ASCII, all distinct.
pub const VOCABULARY: [&str; 300] = [
    "the", "of", "and", "to", "a", "in", "is", "it", "you", "that", "he", "was", "for", "on",
    "are", "with", "as", "his", "they", "be", "at", "one", "have", "this", "from", "or", "had",
    "by", "not", "word", "but", "what", "some", "we", "can", "out", "other", "were", "all",
    "there", "when", "up", "use", "your", "how", "said", "an", "each", "she", "which", "do",
    "their", "time", "if", "will", "way", "about", "many", "then", "them", "write", "would",
    "like", "so", "these", "her", "long", "make", "thing", "see", "him", "two", "has", "look",
    "more", "day", "could", "go", "come", "did", "number", "sound", "no", "most", "people", "my",
    "over", "know", "water", "than", "call", "first", "who", "may", "down", "side", "been", "now",
    "find", "any", "new", "work", "part", "take", "get", "place", "made", "live", "where", "after",
    "back", "little", "only", "round", "man", "year", "came", "show", "every", "good", "me",
    "give", "our", "under", "name", "very", "through", "just", "form", "sentence", "great",
    "think", "say", "help", "low", "line", "differ", "turn", "cause", "much", "mean", "before",
    "move", "right", "boy", "old", "too", "same", "tell", "does", "set", "three", "want", "air",
    "well", "also", "play", "small", "end", "put", "home", "read", "hand", "port", "large",
    "spell", "add", "even", "land", "here", "must", "big", "high", "such", "follow", "act", "why",
    "ask", "men", "change", "went", "light", "kind", "off", "need", "house", "picture", "try",
    "us", "again", "animal", "point", "mother", "world", "near", "build", "self", "earth",
    "father", "head", "stand", "own", "page", "should", "country", "found", "answer", "school",
    "grow", "study", "still", "learn", "plant", "cover", "food", "sun", "four", "between", "state",
    "keep", "eye", "never", "last", "let", "thought", "city", "tree", "cross", "farm", "hard",
    "start", "might", "story", "saw", "far", "sea", "draw", "left", "late", "run", "while",
    "press", "close", "night", "real", "life", "few", "north", "open", "seem", "together", "next",
    "white", "children", "begin", "got", "walk", "example", "ease", "paper", "group", "always",
    "music", "those", "both", "mark", "often", "letter", "until", "mile", "river", "car", "feet",
    "care", "second", "book", "carry", "took", "science", "eat", "room", "friend", "began", "idea",
    "fish", "mountain", "stop", "once", "base", "hear", "horse", "cut", "sure", "watch", "color",
    "face", "wood", "main", "enough", "plain",
];

static COMMON: LazyLock<Vocabulary> = LazyLock::new(|| Vocabulary {
    ranks: Arc::new(Zipf::new(VOCABULARY.len())),
    size: VOCABULARY.len(),
});

/// Records before the sequence repeats with the common words: record `i`
/// is record `i % PERIOD`, so the feed can send text it made once (see
/// [`super::cycle`]) and the page, not the feed, is what a benchmark
/// measures.
pub const PERIOD: u64 = 1 << 16;
/// The longest period, for the largest vocabularies.
pub const MAX_PERIOD: u64 = 1 << 20;

/// The words a feed draws from, most frequent first.
#[derive(Clone, Debug)]
pub struct Vocabulary {
    ranks: Arc<Zipf>,
    size: usize,
}

impl Vocabulary {
    /// `size` distinct words: the common ones, then made-up ones. The
    /// table of the last size asked for is kept: a big vocabulary's is a
    /// million entries, and every connection and truth of a run asks again.
    pub fn new(size: usize) -> Vocabulary {
        if size == VOCABULARY.len() {
            return COMMON.clone();
        }
        static LAST: Mutex<Option<(usize, Arc<Zipf>)>> = Mutex::new(None);
        let mut last = LAST.lock().unwrap_or_else(|poisoned| poisoned.into_inner());
        let ranks = match &*last {
            Some((n, ranks)) if *n == size => ranks.clone(),
            _ => {
                let ranks = Arc::new(Zipf::new(size));
                *last = Some((size, ranks.clone()));
                ranks
            }
        };
        Vocabulary { ranks, size }
    }

    /// How many distinct words it has.
    pub fn size(&self) -> usize {
        self.size
    }

    /// Records before the sequence repeats: [`PERIOD`], or for a larger
    /// vocabulary four records per word (rounded up to a power of two, at
    /// most [`MAX_PERIOD`]), so its tail of rare words still shows.
    pub fn period(&self) -> u64 {
        (self.size as u64 * 4)
            .next_power_of_two()
            .clamp(PERIOD, MAX_PERIOD)
    }

    /// Appends record `index` of the sequence `seed` to `out`, with no
    /// newline (the same as record `index % period()`). Writes straight into the caller's buffer: no allocation per
    /// word, which is what lets one connection push well over 100 MB/s.
    pub fn write_record(&self, seed: u64, index: u64, out: &mut String) {
        let mut rng = SplitMix64::for_record(seed, index % self.period());
        let words = 1 + rng.below(MAX_WORDS);
        let start = out.len();
        self.push_word(self.ranks.sample(&mut rng), out);
        // Capitalise in place of `to_uppercase`, which would allocate; the
        // words are ASCII, so the first byte is the whole first character.
        out[start..=start].make_ascii_uppercase();
        for _ in 1..words {
            out.push(' ');
            self.push_word(self.ranks.sample(&mut rng), out);
        }
    }

    fn push_word(&self, rank: usize, out: &mut String) {
        match VOCABULARY.get(rank) {
            Some(word) => out.push_str(word),
            None => {
                // Writing to a String cannot fail.
                let _ = write!(out, "w{rank}");
            }
        }
    }
}

/// Appends record `index` of the default sequence `seed` (the common words).
pub fn write_record(seed: u64, index: u64, out: &mut String) {
    COMMON.write_record(seed, index, out);
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::collections::HashSet;

    fn record(seed: u64, index: u64) -> String {
        let mut s = String::new();
        write_record(seed, index, &mut s);
        s
    }

    #[test]
    fn the_vocabulary_is_distinct_lowercase_ascii() {
        let distinct: HashSet<_> = VOCABULARY.iter().collect();
        assert_eq!(distinct.len(), VOCABULARY.len());
        for word in VOCABULARY {
            assert!(
                !word.is_empty() && word.bytes().all(|b| b.is_ascii_lowercase()),
                "{word}"
            );
        }
    }

    #[test]
    fn records_have_one_to_ten_words_and_a_capital_first() {
        let mut lengths = HashSet::new();
        for i in 0..2_000 {
            let r = record(1, i);
            let words: Vec<&str> = r.split(' ').collect();
            assert!((1..=10).contains(&words.len()), "{r:?}");
            lengths.insert(words.len());
            assert!(words[0].as_bytes()[0].is_ascii_uppercase(), "{r:?}");
            assert!(words[1..].iter().all(|w| VOCABULARY.contains(w)), "{r:?}");
        }
        assert_eq!(lengths.len(), 10, "every length from 1 to 10 occurs");
    }

    #[test]
    fn a_larger_vocabulary_goes_on_with_made_up_words() {
        let big = Vocabulary::new(100_000);
        let mut seen = HashSet::new();
        let mut line = String::new();
        for i in 0..50_000 {
            line.clear();
            big.write_record(3, i, &mut line);
            seen.extend(line.to_lowercase().split(' ').map(str::to_string));
        }
        assert!(seen.contains("the") && seen.iter().any(|w| w.starts_with('w') && w.len() > 4));
        assert!(seen.len() > 10_000, "{} distinct words", seen.len());
        let small = Vocabulary::new(3);
        line.clear();
        small.write_record(3, 7, &mut line);
        assert!(line
            .to_lowercase()
            .split(' ')
            .all(|w| ["the", "of", "and"].contains(&w)));
    }

    #[test]
    fn a_record_depends_only_on_seed_and_index() {
        assert_eq!(record(5, 1_000_000), record(5, 1_000_000));
        assert_ne!(
            (0..5).map(|i| record(5, i)).collect::<Vec<_>>(),
            (0..5).map(|i| record(6, i)).collect::<Vec<_>>()
        );
    }
}
