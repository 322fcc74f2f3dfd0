//! `update_state_by_key FN`: a running value per key across all batches,
//! Spark's `updateStateByKey` with the update being "fold the new values in".

use crate::ops::aggregate::{merge, reduce_pairs, KeyMap};
use crate::ops::reduce_fn::ReduceFn;
use crate::ops::{Cx, Operator};
use crate::value::Value;

pub struct UpdateStateByKey {
    f: ReduceFn,
    state: KeyMap,
}

impl UpdateStateByKey {
    pub fn new(f: ReduceFn) -> UpdateStateByKey {
        UpdateStateByKey {
            f,
            state: KeyMap::default(),
        }
    }
}

impl Operator for UpdateStateByKey {
    /// Emits the whole state at every batch, as Spark's StateDStream does.
    fn compute(&mut self, _: u64, input: Vec<Value>, cx: &mut Cx) -> Option<Vec<Value>> {
        let mut batch = KeyMap::default();
        reduce_pairs(self.f, input, &mut batch, "update_state_by_key", cx);
        for (k, v) in batch {
            merge(self.f, &mut self.state, k, v);
        }
        Some(
            self.state
                .iter()
                .map(|(k, v)| Value::pair(k.clone(), v.clone()))
                .collect(),
        )
    }

    fn emits_unordered_pairs(&self) -> bool {
        true
    }
}
