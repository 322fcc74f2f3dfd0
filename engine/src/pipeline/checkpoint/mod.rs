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
mod decode;
mod restore;
mod snapshot;

use std::any::Any;
use std::cell::RefCell;
use std::rc::Rc;

use rustc_hash::FxHashMap;
use serde_json::value::RawValue;

use crate::dstream::inverse::InverseState;
use crate::dstream::state::KeyedState;
use crate::dstream::window::Panes;
use crate::dstream::Kept;
use crate::value::Value;
use codec::Codec;
pub use restore::Bounds;
use restore::Restore;
use snapshot::Snapshot;

/// A piece of a checkpoint's JSON text, appended when called.
pub type Part = Box<dyn FnOnce(&mut String)>;

/// Text that is known now, as a part.
pub fn text_part(text: String) -> Part {
    Box::new(move |out: &mut String| out.push_str(&text))
}

/// Snapshots `state` into `parts` if it is a `RefCell<T>`.
fn save_as<T: Codec + Snapshot + Restore + 'static>(
    state: &Rc<dyn Any>,
    parts: &mut Vec<Part>,
) -> Option<()> {
    state
        .downcast_ref::<RefCell<T>>()
        .map(|s| s.borrow().parts(parts))
}

/// Puts a decoded state in place, once every state has decoded.
type Install = Box<dyn FnOnce()>;

/// Decodes `text` as the `T` that `state` holds, if it holds one, and
/// checks it against `bounds`; what installs it.
fn decode_as<T: Restore + 'static>(
    state: &Rc<dyn Any>,
    text: &RawValue,
    bounds: &Bounds,
) -> Option<Result<Install, String>> {
    state.downcast_ref::<RefCell<T>>()?;
    let state = state.clone();
    Some(T::restore(text.get(), bounds).map(|value| {
        Box::new(move || {
            if let Some(cell) = state.downcast_ref::<RefCell<T>>() {
                *cell.borrow_mut() = value;
            }
        }) as Install
    }))
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
pub fn save_states(states: &[Kept], parts: &mut Vec<Part>) -> Result<(), String> {
    for (i, s) in states.iter().enumerate() {
        parts.push(text_part(if i == 0 { "[" } else { "," }.into()));
        each_state_type!(save_as, &s.state, parts)
            .ok_or_else(|| format!("checkpoint: state {i} has a type no checkpoint knows"))?;
    }
    parts.push(text_part(if states.is_empty() { "[]" } else { "]" }.into()));
    Ok(())
}

/// The run a checkpoint is restored into, which its states must fit.
pub struct Run {
    /// The time of its last batch, and its batch interval.
    pub now_ms: u64,
    pub batch_ms: u64,
    /// Its key limit, and its state budget (shared by its states).
    pub max_keys: usize,
    pub budget: usize,
}

/// Puts saved states back, in build order, into `run`; the pipeline must
/// be the one that saved them. All or nothing: every state decodes and
/// fits before any is replaced. Each state is decoded on its own, a window
/// pane by pane, straight into its types (see [`decode`]).
pub fn restore_states(states: &[Kept], saved: &[&RawValue], run: &Run) -> Result<(), String> {
    if saved.len() != states.len() {
        return Err(format!(
            "checkpoint: {} states saved, the pipeline has {}",
            saved.len(),
            states.len()
        ));
    }
    let mut installs = Vec::with_capacity(states.len());
    for (i, (kept, text)) in states.iter().zip(saved).enumerate() {
        let bounds = Bounds {
            now_ms: run.now_ms,
            batch_ms: run.batch_ms,
            span_ms: kept.window_ms,
            max_items: run.max_keys,
            budget: run.budget / states.len(),
        };
        let install = each_state_type!(decode_as, &kept.state, text, &bounds)
            .ok_or_else(|| format!("checkpoint: state {i} has a type no checkpoint knows"))?
            .map_err(|e| format!("{e} (state {})", i + 1))?;
        installs.push(install);
    }
    installs.into_iter().for_each(|install| install());
    Ok(())
}
