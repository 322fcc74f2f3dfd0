//! `top N`: the N pairs with the largest values, largest first; ties go to
//! the smaller key so the chart does not flicker between equal words.

use std::cmp::Ordering;

use crate::ops::{expect_pair, Cx, Operator};
use crate::value::Value;

pub struct Top(pub usize);

fn rank(a: &(Value, Value), b: &(Value, Value)) -> Ordering {
    b.1.total_cmp(&a.1).then_with(|| a.0.total_cmp(&b.0))
}

impl Operator for Top {
    fn compute(&mut self, _: u64, input: Vec<Value>, cx: &mut Cx) -> Option<Vec<Value>> {
        let mut pairs: Vec<(Value, Value)> = input
            .into_iter()
            .filter_map(|rec| expect_pair(rec, "top", cx))
            .collect();
        if pairs.len() > self.0 {
            pairs.select_nth_unstable_by(self.0, rank);
            pairs.truncate(self.0);
        }
        pairs.sort_unstable_by(rank);
        Some(pairs.into_iter().map(|(k, v)| Value::pair(k, v)).collect())
    }
}
