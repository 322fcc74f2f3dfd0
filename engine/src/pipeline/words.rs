//! A batch's count per distinct string, and the word count's inner loop.
//! Most words are short: a word of up to 7 bytes is packed with its length
//! into one integer, which hashes with one multiply and compares as one
//! number; longer words are kept as strings. For an ASCII record whose
//! text stages are `split` and case maps, one pass over its bytes
//! ([`text::ascii_words`], the split every pipeline uses) finds each word,
//! maps its case ([`Case::ascii`]) and packs it, with no copy of the word.

use rustc_hash::FxHashMap;

use crate::pipeline::text::{self, Case, WordSink};
use crate::value::Str;

/// Bytes a packed word holds; the eighth byte is its length.
const PACKED: usize = 7;

/// Counts per distinct string, for one batch.
#[derive(Debug, Default)]
pub struct StringCounts {
    short: FxHashMap<u64, i64>,
    long: FxHashMap<Str, i64>,
    /// A long word being case-mapped.
    buffer: String,
}

impl StringCounts {
    /// Counts one occurrence of `s`.
    pub fn add(&mut self, s: &str) {
        match pack(s.as_bytes()) {
            Some(key) => *self.short.entry(key).or_default() += 1,
            None => add_long(&mut self.long, s),
        }
    }

    /// Counts the words `split` makes of an ASCII `line`, each mapped by
    /// `case`: what `split` then the case map would count, in one pass.
    pub fn add_ascii_words(&mut self, line: &str, case: Case) {
        // One loop per case, so each compiles with its mapping folded in.
        match case {
            Case::Keep => self.words(line, Case::Keep),
            Case::Lower => self.words(line, Case::Lower),
            Case::Upper => self.words(line, Case::Upper),
        }
    }

    #[inline(always)]
    fn words(&mut self, line: &str, case: Case) {
        let mut packer = Packer {
            counts: self,
            case,
            packed: 0,
        };
        text::ascii_words(line, &mut packer);
    }

    pub fn len(&self) -> usize {
        self.short.len() + self.long.len()
    }

    /// Every string with its count; the counts start again from nothing
    /// (the tables keep their room for the next batch).
    pub fn drain(&mut self) -> impl Iterator<Item = (Str, i64)> + '_ {
        let short = self.short.drain().map(|(key, n)| (unpack(key), n));
        short.chain(self.long.drain())
    }
}

/// The word count's side of the scan: packs a short word's mapped bytes
/// as they are read, and counts each word when it ends.
struct Packer<'c> {
    counts: &'c mut StringCounts,
    case: Case,
    packed: u64,
}

impl<'a> WordSink<'a> for Packer<'_> {
    #[inline(always)]
    fn byte(&mut self, at: usize, b: u8) {
        if at < PACKED {
            self.packed |= u64::from(self.case.ascii(b)) << (8 * at);
        }
    }

    #[inline(always)]
    fn word(&mut self, word: &'a str) {
        let packed = std::mem::take(&mut self.packed);
        let counts = &mut *self.counts;
        if word.len() <= PACKED {
            *counts
                .short
                .entry(packed | (word.len() as u64) << 56)
                .or_default() += 1;
        } else {
            add_long(&mut counts.long, self.case.apply(word, &mut counts.buffer));
        }
    }
}

fn add_long(long: &mut FxHashMap<Str, i64>, s: &str) {
    match long.get_mut(s) {
        Some(n) => *n += 1,
        None => {
            long.insert(Str::new(s), 1);
        }
    }
}

/// A string of up to 7 bytes as one number: its bytes, then its length in
/// the top byte, so no two strings share a number.
fn pack(bytes: &[u8]) -> Option<u64> {
    if bytes.len() > PACKED {
        return None;
    }
    let mut b = [0u8; 8];
    b[..bytes.len()].copy_from_slice(bytes);
    b[7] = bytes.len() as u8;
    Some(u64::from_le_bytes(b))
}

fn unpack(key: u64) -> Str {
    let b = key.to_le_bytes();
    let len = usize::from(b[7]).min(PACKED);
    // Packed from a whole `str` (or ASCII bytes): valid UTF-8.
    Str::from(String::from_utf8_lossy(&b[..len]))
}

#[cfg(test)]
mod tests {
    #[cfg(target_arch = "wasm32")]
    use wasm_bindgen_test::wasm_bindgen_test as test;

    use super::*;

    fn counted(counts: &mut StringCounts) -> Vec<(String, i64)> {
        let mut v: Vec<_> = counts.drain().map(|(s, n)| (s.to_string(), n)).collect();
        v.sort();
        v
    }

    #[test]
    fn short_and_long_strings_count_apart_and_come_back_whole() {
        let mut c = StringCounts::default();
        for s in [
            "", "a", "a\0", "seven77", "eight888", "über", "a", "eight888",
        ] {
            c.add(s);
        }
        assert_eq!(
            counted(&mut c),
            [
                ("".into(), 1),
                ("a".into(), 2),
                ("a\0".into(), 1),
                ("eight888".into(), 2),
                ("seven77".into(), 1),
                ("über".into(), 1)
            ]
        );
        assert_eq!(c.len(), 0, "drained");
    }

    #[test]
    fn ascii_words_match_split_and_case() {
        let line = " The QUICK\tbrown\x0bfox-jumps  OVERTHELAZYDOG \r";
        for (case, map) in [
            (Case::Keep, str::to_string as fn(&str) -> String),
            (Case::Lower, str::to_lowercase),
            (Case::Upper, str::to_uppercase),
        ] {
            let mut fast = StringCounts::default();
            fast.add_ascii_words(line, case);
            let mut slow = StringCounts::default();
            line.split_whitespace().for_each(|w| slow.add(&map(w)));
            assert_eq!(counted(&mut fast), counted(&mut slow), "{case:?}");
        }
    }
}
