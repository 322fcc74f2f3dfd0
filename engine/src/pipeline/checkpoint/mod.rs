//! Checkpoints, as Spark's: a pipeline's running state (window panes,
//! incremental windows, per-key state, the batch count) saved as JSON and
//! restored into the same pipeline built afresh, so a reloaded page goes
//! on where it was. Stateful operators register their state in the graph
//! in build order; this module knows the concrete types a pipeline of
//! values builds, and encodes them losslessly (pairs stay pairs, floats
//! stay floats). Saving, the frequent side, appends JSON text straight to
//! a string: a window of millions of entries is not first built as a
//! tree of millions of JSON values.
//!
//! A checkpoint is taken at once and written in parts ([`Part`]): the
//! parts hold a snapshot (panes, which never change, shared; the rest
//! copied) and each appends its piece of the text when called, so the page
//! can write a large state a few parts per task while batches go on.

mod codec;
mod snapshot;

use std::any::Any;
use std::cell::RefCell;
use std::rc::Rc;

use rustc_hash::FxHashMap;
use serde_json::Value as J;

use crate::dstream::inverse::InverseState;
use crate::dstream::state::KeyedState;
use crate::dstream::window::Panes;
use crate::value::Value;
use codec::{bad, Codec};
use snapshot::Snapshot;

/// A piece of a checkpoint's JSON text, appended when called.
pub type Part = Box<dyn FnOnce(&mut String)>;

/// Text that is known now, as a part.
pub fn text_part(text: String) -> Part {
    Box::new(move |out: &mut String| out.push_str(&text))
}

/// Snapshots `state` into `parts` if it is a `RefCell<T>`.
fn save_as<T: Codec + Snapshot + 'static>(
    state: &Rc<dyn Any>,
    parts: &mut Vec<Part>,
) -> Option<()> {
    state
        .downcast_ref::<RefCell<T>>()
        .map(|s| s.borrow().parts(parts))
}

/// Whether `j` decodes as the `T` that `state` holds.
fn check_as<T: Codec + 'static>(state: &Rc<dyn Any>, j: &J) -> Option<Result<(), String>> {
    state.downcast_ref::<RefCell<T>>()?;
    Some(T::dec(j).map(drop))
}

/// Restores `state` from `j` if it is a `RefCell<T>`.
fn restore_as<T: Codec + 'static>(state: &Rc<dyn Any>, j: &J) -> Option<Result<(), String>> {
    let cell = state.downcast_ref::<RefCell<T>>()?;
    Some(T::dec(j).map(|value| *cell.borrow_mut() = value))
}

/// Calls `$f::<T>` for each state type a pipeline of values builds, in
/// one fixed order, until one applies.
macro_rules! each_state_type {
    ($f:ident, $($arg:expr),*) => {
        None.or_else(|| $f::<Panes<Vec<Value>>>($($arg),*))
            .or_else(|| $f::<Panes<Vec<(Value, Value)>>>($($arg),*))
            .or_else(|| $f::<Panes<FxHashMap<Value, Value>>>($($arg),*))
            .or_else(|| $f::<InverseState<Value, Value>>($($arg),*))
            .or_else(|| $f::<InverseState<Value, i64>>($($arg),*))
            .or_else(|| $f::<InverseState<(), i64>>($($arg),*))
            .or_else(|| $f::<KeyedState<Value, Value>>($($arg),*))
    };
}

/// Snapshots every state into parts of a JSON list, in build order.
pub fn save_states(states: &[Rc<dyn Any>], parts: &mut Vec<Part>) -> Result<(), String> {
    for (i, s) in states.iter().enumerate() {
        parts.push(text_part(if i == 0 { "[" } else { "," }.into()));
        each_state_type!(save_as, s, parts)
            .ok_or_else(|| format!("checkpoint: state {i} has a type no checkpoint knows"))?;
    }
    parts.push(text_part(if states.is_empty() { "[]" } else { "]" }.into()));
    Ok(())
}

/// Puts saved states back, in build order; the pipeline must be the one
/// that saved them.
pub fn restore_states(states: &[Rc<dyn Any>], saved: &J) -> Result<(), String> {
    let saved = saved
        .as_array()
        .ok_or_else(|| bad("a list of states", saved))?;
    if saved.len() != states.len() {
        return Err(format!(
            "checkpoint: {} states saved, the pipeline has {}",
            saved.len(),
            states.len()
        ));
    }
    let unknown = |i| format!("checkpoint: state {i} has a type no checkpoint knows");
    // All or nothing: every state must decode before any is replaced.
    for (i, (state, j)) in states.iter().zip(saved).enumerate() {
        each_state_type!(check_as, state, j).ok_or_else(|| unknown(i))??;
    }
    for (i, (state, j)) in states.iter().zip(saved).enumerate() {
        each_state_type!(restore_as, state, j).ok_or_else(|| unknown(i))??;
    }
    Ok(())
}
