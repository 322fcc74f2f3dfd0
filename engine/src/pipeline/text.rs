//! The text stages (`split`, `lower`, `upper`, `trim`), each written once.
//! A pipeline runs them two ways: fused over the receiver's borrowed lines
//! (`pipeline::source`, and the word count's loop in `pipeline::words`),
//! or one operator per stage over values ([`operator`], the oracle the
//! fused path is tested against). Both call the code here, so the two can
//! only differ in how strings are held, never in what a stage does.

use crate::pipeline::stage::Stage;
use crate::value::Value;

/// A case mapping. `Keep` exists for the word count's loop, which maps
/// every word's bytes whether or not the pipeline changes case.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Case {
    Keep,
    Lower,
    Upper,
}

impl Case {
    /// The mapping of one ASCII byte. Inlined so that a loop built for one
    /// case compiles to straight code.
    #[inline(always)]
    pub fn ascii(self, b: u8) -> u8 {
        match self {
            Case::Keep => b,
            Case::Lower => b.to_ascii_lowercase(),
            Case::Upper => b.to_ascii_uppercase(),
        }
    }

    /// `s` mapped: ASCII in place in `buffer` (most words), Unicode rules
    /// otherwise (`ß` upper is `SS`, a final `Σ` lower is `ς`), which is
    /// why whole strings are mapped, never characters one by one. Returns
    /// `s` itself, copying nothing, when no byte changes.
    pub fn apply<'a>(self, s: &'a str, buffer: &'a mut String) -> &'a str {
        if s.is_ascii() {
            if s.bytes().all(|b| self.ascii(b) == b) {
                return s;
            }
            buffer.clear();
            buffer.push_str(s);
            match self {
                Case::Lower => buffer.make_ascii_lowercase(),
                _ => buffer.make_ascii_uppercase(),
            }
        } else {
            *buffer = match self {
                Case::Keep => return s,
                Case::Lower => s.to_lowercase(),
                Case::Upper => s.to_uppercase(),
            };
        }
        buffer
    }
}

/// The one whitespace rule, Unicode's (`char::is_whitespace`, as
/// `str::split_whitespace`), for an ASCII byte: exactly tab, line feed,
/// vertical tab, form feed, carriage return and space. Not
/// `u8::is_ascii_whitespace`, which leaves out vertical tab.
#[inline(always)]
pub fn is_ascii_space(b: u8) -> bool {
    b == b' ' || (b'\t'..=b'\r').contains(&b)
}

/// Calls `emit` for each word of `line`: split on whitespace without a
/// separator, else on `sep`; empty words are skipped.
#[inline]
pub fn split<'a>(line: &'a str, sep: Option<&str>, mut emit: impl FnMut(&'a str)) {
    match sep {
        None if line.is_ascii() => ascii_words(line, &mut Emit(emit)),
        None => line.split_whitespace().for_each(emit),
        Some(sep) => line
            .split(sep)
            .filter(|w| !w.is_empty())
            .for_each(&mut emit),
    }
}

/// What a pass over an ASCII line's words does with them. The word count
/// reads each word's bytes as they are scanned (`byte`), so a word is
/// touched once; `split` only needs the words.
pub trait WordSink<'a> {
    /// Byte `at` (from 0) of the word being scanned.
    #[inline(always)]
    fn byte(&mut self, _at: usize, _b: u8) {}

    /// A whole word, after its bytes.
    fn word(&mut self, word: &'a str);
}

struct Emit<F>(F);

impl<'a, F: FnMut(&'a str)> WordSink<'a> for Emit<F> {
    #[inline(always)]
    fn word(&mut self, word: &'a str) {
        (self.0)(word)
    }
}

/// The words of an ASCII `line`, split by [`is_ascii_space`], a byte at a
/// time: the same words as `str::split_whitespace`, with no decoding.
#[inline(always)]
pub fn ascii_words<'a>(line: &'a str, sink: &mut impl WordSink<'a>) {
    let (mut start, mut len) = (0, 0);
    for (i, &b) in line.as_bytes().iter().enumerate() {
        if is_ascii_space(b) {
            if len > 0 {
                sink.word(&line[start..i]);
                len = 0;
            }
        } else {
            if len == 0 {
                start = i;
            }
            sink.byte(len, b);
            len += 1;
        }
    }
    if len > 0 {
        sink.word(&line[start..]);
    }
}

/// A text stage.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum TextOp {
    /// Words: on whitespace (`None`) or on a separator; empty words skipped.
    Split(Option<String>),
    /// `lower` or `upper`.
    Case(Case),
    Trim,
}

impl TextOp {
    /// The text stage `stage` is, if it is one.
    pub fn of(stage: &Stage) -> Option<TextOp> {
        match stage {
            Stage::Split(sep) => Some(TextOp::Split(sep.clone())),
            Stage::Lower => Some(TextOp::Case(Case::Lower)),
            Stage::Upper => Some(TextOp::Case(Case::Upper)),
            Stage::Trim => Some(TextOp::Trim),
            _ => None,
        }
    }

    pub fn name(&self) -> &'static str {
        match self {
            TextOp::Split(_) => "split",
            TextOp::Case(Case::Lower) => "lower",
            TextOp::Case(Case::Upper) => "upper",
            TextOp::Case(Case::Keep) => "keep",
            TextOp::Trim => "trim",
        }
    }

    /// The stage on `s`: `emit` gets each string it makes (`split` any
    /// number, the others exactly one), borrowed from `s` or, when a case
    /// changes, from `buffer`.
    #[inline]
    pub fn apply<'a>(&self, s: &'a str, buffer: &'a mut String, mut emit: impl FnMut(&'a str)) {
        match self {
            TextOp::Split(sep) => split(s, sep.as_deref(), emit),
            TextOp::Case(case) => emit(case.apply(s, buffer)),
            TextOp::Trim => emit(s.trim()),
        }
    }
}

/// The reason a record that is not a string is malformed for `op`.
pub fn needs_string(v: &Value, op: &str) -> String {
    format!("{op} needs a string, got a {}", v.type_name())
}

#[cfg(test)]
mod tests {
    #[cfg(target_arch = "wasm32")]
    use wasm_bindgen_test::wasm_bindgen_test as test;

    use super::*;

    fn split_all(line: &str) -> Vec<&str> {
        let mut words = Vec::new();
        split(line, None, |w| words.push(w));
        words
    }

    #[test]
    fn the_whitespace_rule_is_unicodes_on_every_ascii_byte() {
        for b in 0..=0x7f_u8 {
            assert_eq!(is_ascii_space(b), char::from(b).is_whitespace(), "{b:#x}");
        }
        let line = "  The\tquick\x0bbrown\x0c\rfox \x1cjumps\n";
        assert_eq!(
            split_all(line),
            ["The", "quick", "brown", "fox", "\x1cjumps"]
        );
        // Random short lines of every ASCII byte.
        let mut state = 0x5eed_u64;
        for _ in 0..20_000 {
            let len = (state >> 59) as usize;
            let line: String = (0..len)
                .map(|_| {
                    state = state
                        .wrapping_mul(6364136223846793005)
                        .wrapping_add(1442695040888963407);
                    char::from((state >> 57) as u8)
                })
                .collect();
            let want: Vec<_> = line.split_whitespace().collect();
            assert_eq!(split_all(&line), want, "{line:?}");
        }
    }

    #[test]
    fn case_maps_whole_strings_by_unicode_rules() {
        let mut buffer = String::new();
        let mut lower = |s: &str| Case::Lower.apply(s, &mut buffer).to_string();
        assert_eq!(lower("MiXeD"), "mixed");
        assert_eq!(lower("ΟΔΟΣ"), "οδο\u{3c2}", "a final sigma");
        assert_eq!(lower("İ"), "i\u{307}");
        assert_eq!(Case::Upper.apply("straße", &mut buffer), "STRASSE");
        assert_eq!(Case::Keep.apply("Über", &mut buffer), "Über");
        // Nothing to change: the same string back, not a copy.
        let s = "already lower";
        assert!(std::ptr::eq(Case::Lower.apply(s, &mut buffer), s));
    }
}
