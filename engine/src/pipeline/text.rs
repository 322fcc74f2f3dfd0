//! The text stages (`split`, `lower`, `upper`, `trim`) on borrowed
//! strings. A pipeline that starts with them runs them straight over the
//! receiver's packed lines: each word is a slice of the batch's text (or of
//! a reused buffer when `lower` has to change it), so the per-record path
//! allocates nothing. The same stages built as operators on values
//! (`pipeline::build`) must agree with these exactly; the oracle tests
//! compare the two on random text.

use crate::pipeline::stage::Stage;
use crate::pipeline::words::AsciiCase;

/// A text stage, as the fused record path runs it.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum TextOp {
    /// Words: on whitespace (`None`) or on a separator; empty words skipped.
    Split(Option<String>),
    Lower,
    Upper,
    Trim,
}

impl TextOp {
    /// The text stage `stage` is, if it is one.
    pub fn of(stage: &Stage) -> Option<TextOp> {
        match stage {
            Stage::Split(sep) => Some(TextOp::Split(sep.clone())),
            Stage::Lower => Some(TextOp::Lower),
            Stage::Upper => Some(TextOp::Upper),
            Stage::Trim => Some(TextOp::Trim),
            _ => None,
        }
    }

    pub fn name(&self) -> &'static str {
        match self {
            TextOp::Split(_) => "split",
            TextOp::Lower => "lower",
            TextOp::Upper => "upper",
            TextOp::Trim => "trim",
        }
    }
}

/// Leading text stages run on borrowed strings, with one reusable buffer
/// per stage for the stages that must write a new string.
#[derive(Debug, Default)]
pub struct TextChain {
    ops: Vec<TextOp>,
    buffers: Vec<String>,
}

impl TextChain {
    pub fn new(ops: Vec<TextOp>) -> TextChain {
        let buffers = vec![String::new(); ops.len()];
        TextChain { ops, buffers }
    }

    pub fn is_empty(&self) -> bool {
        self.ops.is_empty()
    }

    /// The case map of the word count's shape, `split` on whitespace with
    /// case maps before or after it: for ASCII text, the same as one pass
    /// that splits and maps each word ([`AsciiCase`]); `None` otherwise.
    pub fn ascii_words(&self) -> Option<AsciiCase> {
        let splits = self.ops.iter().filter(|op| **op == TextOp::Split(None));
        if splits.count() != 1 {
            return None;
        }
        // For ASCII letters the last case map wins.
        self.ops
            .iter()
            .try_fold(AsciiCase::Keep, |case, op| match op {
                TextOp::Split(None) => Some(case),
                TextOp::Lower => Some(AsciiCase::Lower),
                TextOp::Upper => Some(AsciiCase::Upper),
                _ => None,
            })
    }

    /// Whether a stage splits records into words.
    pub fn splits(&self) -> bool {
        self.ops.iter().any(|op| matches!(op, TextOp::Split(_)))
    }

    /// The first stage's name, for the message when a record is not text.
    pub fn first_name(&self) -> Option<&'static str> {
        self.ops.first().map(TextOp::name)
    }

    /// Calls `emit` with every string the stages make of `record`.
    pub fn run(&mut self, record: &str, emit: &mut dyn FnMut(&str)) {
        run_ops(&self.ops, &mut self.buffers, record, emit);
    }
}

fn run_ops(ops: &[TextOp], buffers: &mut [String], s: &str, emit: &mut dyn FnMut(&str)) {
    let (Some(op), [buffer, rest_buffers @ ..]) = (ops.first(), buffers) else {
        return emit(s);
    };
    let rest = &ops[1..];
    match op {
        TextOp::Split(sep) => {
            split_into(s, sep.as_deref(), |w| run_ops(rest, rest_buffers, w, emit))
        }
        TextOp::Trim => run_ops(rest, rest_buffers, s.trim(), emit),
        TextOp::Lower => match Case::LOWER.change(s, buffer) {
            Some(lowered) => run_ops(rest, rest_buffers, lowered, emit),
            None => run_ops(rest, rest_buffers, s, emit),
        },
        TextOp::Upper => match Case::UPPER.change(s, buffer) {
            Some(raised) => run_ops(rest, rest_buffers, raised, emit),
            None => run_ops(rest, rest_buffers, s, emit),
        },
    }
}

/// A case mapping: in place for ASCII (most words), Unicode rules otherwise.
pub struct Case {
    /// An ASCII byte this mapping changes.
    pub changes: fn(&u8) -> bool,
    pub ascii: fn(&mut str),
    pub unicode: fn(&str) -> String,
}

impl Case {
    pub const LOWER: Case = Case {
        changes: u8::is_ascii_uppercase,
        ascii: str::make_ascii_lowercase,
        unicode: str::to_lowercase,
    };
    pub const UPPER: Case = Case {
        changes: u8::is_ascii_lowercase,
        ascii: str::make_ascii_uppercase,
        unicode: str::to_uppercase,
    };

    /// `s` mapped, written into `buffer`; `None` when `s` is ASCII with
    /// nothing to change, so nothing is copied.
    fn change<'b>(&self, s: &str, buffer: &'b mut String) -> Option<&'b str> {
        if s.is_ascii() {
            if !s.as_bytes().iter().any(self.changes) {
                return None;
            }
            buffer.clear();
            buffer.push_str(s);
            (self.ascii)(buffer.as_mut_str());
        } else {
            *buffer = (self.unicode)(s);
        }
        Some(buffer.as_str())
    }
}

/// Calls `emit` for each word of `line`: whitespace-separated without a
/// separator (Unicode whitespace, as `str::split_whitespace`), else split
/// on `sep`; empty words are skipped.
pub fn split_into<'a>(line: &'a str, sep: Option<&str>, mut emit: impl FnMut(&'a str)) {
    match sep {
        None if line.is_ascii() => split_ascii(line, emit),
        None => line.split_whitespace().for_each(emit),
        Some(sep) => line
            .split(sep)
            .filter(|w| !w.is_empty())
            .for_each(&mut emit),
    }
}

/// `split_whitespace` for an ASCII line, a byte at a time: the whitespace
/// bytes are exactly the ASCII characters `char::is_whitespace` accepts
/// (tab, line feed, vertical tab, form feed, carriage return, space).
fn split_ascii<'a>(line: &'a str, mut emit: impl FnMut(&'a str)) {
    let bytes = line.as_bytes();
    let mut start = None;
    for (i, &b) in bytes.iter().enumerate() {
        let space = b == b' ' || (b'\t'..=b'\r').contains(&b);
        match (space, start) {
            (true, Some(from)) => {
                emit(&line[from..i]);
                start = None;
            }
            (false, None) => start = Some(i),
            _ => {}
        }
    }
    if let Some(from) = start {
        emit(&line[from..]);
    }
}

#[cfg(test)]
mod tests {
    #[cfg(target_arch = "wasm32")]
    use wasm_bindgen_test::wasm_bindgen_test as test;

    use super::*;

    fn words(ops: Vec<TextOp>, record: &str) -> Vec<String> {
        let mut chain = TextChain::new(ops);
        let mut out = Vec::new();
        chain.run(record, &mut |w| out.push(w.to_string()));
        out
    }

    fn fast_split(line: &str) -> Vec<&str> {
        let mut fast = Vec::new();
        split_ascii(line, |w| fast.push(w));
        fast
    }

    #[test]
    fn ascii_splitting_agrees_with_split_whitespace() {
        let line = "  The\tquick\x0bbrown\x0c\rfox \x1cjumps\n";
        assert_eq!(
            fast_split(line),
            ["The", "quick", "brown", "fox", "\x1cjumps"]
        );
        // Every ASCII byte, in random short lines.
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
            assert_eq!(
                fast_split(&line),
                line.split_whitespace().collect::<Vec<_>>(),
                "{line:?}"
            );
        }
    }

    #[test]
    fn stages_apply_in_order_to_each_word() {
        use TextOp::*;
        assert_eq!(
            words(vec![Split(None), Lower], "Über The  cat"),
            ["über", "the", "cat"]
        );
        assert_eq!(
            words(vec![Upper, Split(Some(",".into()))], "a,,b,"),
            ["A", "B"]
        );
        assert_eq!(words(vec![Trim], "  x y "), ["x y"]);
        assert_eq!(words(vec![], "as is"), ["as is"]);
        assert_eq!(
            words(vec![Split(None), Upper, Lower], "MiXeD ǅ"),
            ["mixed", "ǆ"]
        );
    }
}
