//! String stages: `split` (a flat_map into words) and the string maps
//! `lower`, `upper`, `trim`. These are the word count's hot path, so they
//! work in place and split straight from the batch's packed lines.

use crate::ops::{Cx, Operator};
use crate::records::Records;
use crate::value::{Str, Value};

/// `split [SEP]`: each string record into its words (whitespace by default).
pub struct Split {
    pub sep: Option<String>,
}

impl Split {
    fn split_into(&self, line: &str, out: &mut Vec<Value>) {
        match &self.sep {
            None => out.extend(line.split_whitespace().map(|w| Value::Str(Str::new(w)))),
            Some(sep) => out.extend(
                line.split(sep.as_str())
                    .filter(|w| !w.is_empty())
                    .map(|w| Value::Str(Str::new(w))),
            ),
        }
    }
}

impl Operator for Split {
    fn compute(&mut self, _: u64, input: Vec<Value>, cx: &mut Cx) -> Option<Vec<Value>> {
        let mut out = Vec::with_capacity(input.len() * 4);
        for rec in input {
            match rec.as_str() {
                Some(line) => self.split_into(line, &mut out),
                None => not_a_string(&rec, "split", cx),
            }
        }
        Some(out)
    }

    fn compute_records(&mut self, _: u64, records: &Records, _: &mut Cx) -> Option<Vec<Value>> {
        // About six words per line on the demo feed; one reservation.
        let mut out = Vec::with_capacity(records.len() * 6);
        for line in records.iter() {
            self.split_into(line, &mut out);
        }
        Some(out)
    }
}

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Case {
    Lower,
    Upper,
    Trim,
}

/// `lower`, `upper`, `trim`: change string records in place.
pub struct StringMap(pub Case);

impl Operator for StringMap {
    fn compute(&mut self, _: u64, mut input: Vec<Value>, cx: &mut Cx) -> Option<Vec<Value>> {
        let name = match self.0 {
            Case::Lower => "lower",
            Case::Upper => "upper",
            Case::Trim => "trim",
        };
        input.retain_mut(|rec| match rec {
            Value::Str(s) => {
                apply(self.0, s);
                true
            }
            other => {
                not_a_string(other, name, cx);
                false
            }
        });
        Some(input)
    }
}

fn apply(case: Case, s: &mut Str) {
    match case {
        Case::Lower if s.is_ascii() => {
            if s.bytes().any(|b| b.is_ascii_uppercase()) {
                s.make_ascii_lowercase();
            }
        }
        Case::Upper if s.is_ascii() => {
            if s.bytes().any(|b| b.is_ascii_lowercase()) {
                s.make_ascii_uppercase();
            }
        }
        Case::Lower => *s = Str::from(s.to_lowercase()),
        Case::Upper => *s = Str::from(s.to_uppercase()),
        Case::Trim => {
            let t = s.trim();
            if t.len() != s.len() {
                *s = Str::new(t);
            }
        }
    }
}

fn not_a_string(rec: &Value, op: &str, cx: &mut Cx) {
    cx.malformed.record(&rec.to_string(), || {
        format!("{op} needs a string, got a {}", rec.type_name())
    });
}

#[cfg(test)]
mod tests {
    #[cfg(target_arch = "wasm32")]
    use wasm_bindgen_test::wasm_bindgen_test as test;

    use super::*;
    use crate::malformed::Malformed;

    #[test]
    fn split_from_lines_equals_split_from_values() {
        let records: Records = ["The quick  brown", "", "fox\tjumps"].into_iter().collect();
        let mut m = Malformed::default();
        let mut cx = Cx { malformed: &mut m };
        let mut split = Split { sep: None };
        let fast = split.compute_records(1, &records, &mut cx).unwrap();
        let values = records.iter().map(Value::str).collect();
        let slow = split.compute(1, values, &mut cx).unwrap();
        assert_eq!(fast, slow);
        assert_eq!(fast.len(), 5);
    }

    #[test]
    fn lower_handles_unicode_and_counts_non_strings() {
        let mut m = Malformed::default();
        let mut cx = Cx { malformed: &mut m };
        let out = StringMap(Case::Lower)
            .compute(
                1,
                vec![Value::str("ÉCOLE"), Value::Int(3), Value::str("Spark")],
                &mut cx,
            )
            .unwrap();
        assert_eq!(out, vec![Value::str("école"), Value::str("spark")]);
        assert_eq!(m.count(), 1);
    }
}
