//! A batch's count per distinct string, and the word count's inner loop.
//! Most words are short: a word of up to 7 bytes is packed with its length
//! into one integer, which hashes with one multiply and compares as one
//! number; longer words are kept as strings. For an ASCII record whose
//! text stages are `split` and case maps, one pass over its bytes finds
//! each word, maps its case and packs it, with no copy of the word.

use rustc_hash::FxHashMap;

use crate::value::Str;

/// Bytes a packed word holds; the eighth byte is its length.
const PACKED: usize = 7;

/// How a word's ASCII letters are mapped.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum AsciiCase {
    Keep,
    Lower,
    Upper,
}

impl AsciiCase {
    #[inline(always)]
    fn map(self, b: u8) -> u8 {
        match self {
            AsciiCase::Keep => b,
            AsciiCase::Lower => b.to_ascii_lowercase(),
            AsciiCase::Upper => b.to_ascii_uppercase(),
        }
    }
}

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
            None => self.add_long(s),
        }
    }

    fn add_long(&mut self, s: &str) {
        match self.long.get_mut(s) {
            Some(n) => *n += 1,
            None => {
                self.long.insert(Str::new(s), 1);
            }
        }
    }

    /// Counts the words of an ASCII `line`, split on ASCII whitespace as
    /// `split` does, each mapped by `case`.
    pub fn add_ascii_words(&mut self, line: &str, case: AsciiCase) {
        match case {
            AsciiCase::Keep => self.words(line, AsciiCase::Keep),
            AsciiCase::Lower => self.words(line, AsciiCase::Lower),
            AsciiCase::Upper => self.words(line, AsciiCase::Upper),
        }
    }

    /// The loop, once per case so the mapping compiles to straight code.
    #[inline(always)]
    fn words(&mut self, line: &str, case: AsciiCase) {
        let bytes = line.as_bytes();
        let (mut start, mut len, mut packed) = (0, 0, 0u64);
        for (i, &b) in bytes.iter().enumerate() {
            if b == b' ' || (b'\t'..=b'\r').contains(&b) {
                if len > 0 {
                    self.word(&line[start..i], len, packed, case);
                    len = 0;
                    packed = 0;
                }
            } else {
                if len == 0 {
                    start = i;
                }
                if len < PACKED {
                    packed |= u64::from(case.map(b)) << (8 * len);
                }
                len += 1;
            }
        }
        if len > 0 {
            self.word(&line[start..], len, packed, case);
        }
    }

    #[inline(always)]
    fn word(&mut self, word: &str, len: usize, packed: u64, case: AsciiCase) {
        if len <= PACKED {
            *self.short.entry(packed | (len as u64) << 56).or_default() += 1;
        } else if case == AsciiCase::Keep {
            self.add_long(word);
        } else {
            let mut buffer = std::mem::take(&mut self.buffer);
            buffer.clear();
            buffer.push_str(word);
            match case {
                AsciiCase::Lower => buffer.make_ascii_lowercase(),
                _ => buffer.make_ascii_uppercase(),
            }
            self.add_long(&buffer);
            self.buffer = buffer;
        }
    }

    pub fn len(&self) -> usize {
        self.short.len() + self.long.len()
    }

    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }

    /// Every string with its count; the counts start again from nothing
    /// (the tables keep their room for the next batch).
    pub fn drain(&mut self) -> impl Iterator<Item = (Str, i64)> + '_ {
        let short = self.short.drain().map(|(key, n)| (unpack(key), n));
        short.chain(self.long.drain())
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
        assert!(c.is_empty(), "drained");
    }

    #[test]
    fn ascii_words_match_split_and_case() {
        let line = " The QUICK\tbrown\x0bfox-jumps  OVERTHELAZYDOG \r";
        for (case, map) in [
            (AsciiCase::Keep, str::to_string as fn(&str) -> String),
            (AsciiCase::Lower, str::to_lowercase),
            (AsciiCase::Upper, str::to_uppercase),
        ] {
            let mut fast = StringCounts::default();
            fast.add_ascii_words(line, case);
            let mut slow = StringCounts::default();
            line.split_whitespace().for_each(|w| slow.add(&map(w)));
            assert_eq!(counted(&mut fast), counted(&mut slow), "{case:?}");
        }
    }
}
