//! Keyed windowed reductions: `reduce_by_key_and_window` (plain and
//! `inverse`), `count_by_value_and_window`, and the single-key ones
//! `count_by_window` and `reduce_by_window`, as Spark builds them.
//!
//! Each batch is reduced by key into a pane. Plain windows merge the panes
//! in the window at each slide: O(window). Inverse windows do what Spark's
//! ReducedWindowedDStream does: previous window value, minus the panes that
//! left, plus the panes that entered: O(keys in those panes).

use crate::ops::aggregate::{count_values, merge, reduce_all, reduce_pairs, KeyMap};
use crate::ops::reduce_fn::ReduceFn;
use crate::ops::{Cx, Operator};
use crate::value::Value;
use crate::window::{Panes, WindowClock};

/// What a batch contributes to a pane.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum PaneInput {
    /// Pairs reduced by key (`reduce_by_key_and_window`).
    Pairs,
    /// Each record counted by value (`count_by_value_and_window`).
    CountValues,
    /// All records under one key (`count_by_window`, `reduce_by_window`),
    /// emitted as bare values.
    Single,
}

/// How the window's value is kept from slide to slide.
#[derive(Debug)]
enum Mode {
    /// Recomputed from the panes at every slide.
    Recompute,
    /// Updated with the inverse function; `drop_zero` is Spark's filter in
    /// `countByValueAndWindow` (a count of 0 leaves the state).
    Inverse { state: KeyMap, drop_zero: bool },
}

/// Which keyed window, in Spark's terms.
#[derive(Clone, Copy, Debug)]
pub struct KeyedSpec {
    pub name: &'static str,
    pub f: ReduceFn,
    pub input: PaneInput,
    /// Incremental with `f`'s inverse; needs an invertible `f` and
    /// `len >= slide`, which the pipeline builder checks and explains.
    pub inverse: bool,
    /// Drop keys whose value falls to zero (only with `inverse`).
    pub drop_zero: bool,
}

pub struct KeyedWindow {
    f: ReduceFn,
    input: PaneInput,
    clock: WindowClock,
    panes: Panes<KeyMap>,
    mode: Mode,
    name: &'static str,
}

impl KeyedWindow {
    pub fn new(spec: KeyedSpec, clock: WindowClock) -> KeyedWindow {
        let mode = if spec.inverse {
            Mode::Inverse {
                state: KeyMap::default(),
                drop_zero: spec.drop_zero,
            }
        } else {
            Mode::Recompute
        };
        let (f, input, name) = (spec.f, spec.input, spec.name);
        KeyedWindow {
            f,
            input,
            clock,
            panes: Panes::default(),
            mode,
            name,
        }
    }

    fn pane(&self, input: Vec<Value>, cx: &mut Cx) -> KeyMap {
        let mut pane = KeyMap::default();
        match self.input {
            PaneInput::Pairs => reduce_pairs(self.f, input, &mut pane, self.name, cx),
            PaneInput::CountValues => count_values(input, &mut pane),
            PaneInput::Single => {
                if let Some(v) = reduce_all(self.f, input, self.name, cx) {
                    pane.insert(Value::Null, v);
                }
            }
        }
        pane
    }
}

/// The panes with time in `(from, to]` merged into one.
fn merged(panes: &Panes<KeyMap>, f: ReduceFn, from: i128, to: i128) -> KeyMap {
    let mut acc = KeyMap::default();
    for pane in panes.range(from, to) {
        for (k, v) in pane {
            merge(f, &mut acc, k.clone(), v.clone());
        }
    }
    acc
}

impl Operator for KeyedWindow {
    fn compute(&mut self, t: u64, input: Vec<Value>, cx: &mut Cx) -> Option<Vec<Value>> {
        let pane = self.pane(input, cx);
        self.panes.push(t, pane);
        if !self.clock.emits_at(t) {
            return None;
        }
        let (now, len, slide) = (t as i128, self.clock.len as i128, self.clock.slide as i128);
        let f = self.f;
        let window = match &mut self.mode {
            Mode::Recompute => merged(&self.panes, f, now - len, now),
            Mode::Inverse { state, drop_zero } => {
                let leaving = merged(&self.panes, f, now - slide - len, now - len);
                let entering = merged(&self.panes, f, now - slide, now);
                for (k, v) in leaving {
                    if let Some(slot) = state.get_mut(&k) {
                        *slot = f.inverse(std::mem::take(slot), v);
                        if *drop_zero && is_zero(slot) {
                            state.remove(&k);
                        }
                    }
                }
                for (k, v) in entering {
                    merge(f, state, k, v);
                }
                state.clone()
            }
        };
        self.panes.expire(now - len);
        Some(match self.input {
            PaneInput::Single => window.into_values().collect(),
            _ => window.into_iter().map(|(k, v)| Value::pair(k, v)).collect(),
        })
    }

    fn emits_unordered_pairs(&self) -> bool {
        self.input != PaneInput::Single
    }
}

fn is_zero(v: &Value) -> bool {
    matches!(v, Value::Int(0)) || matches!(v, Value::Float(f) if *f == 0.0)
}
