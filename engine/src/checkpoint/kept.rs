//! The graph's list of states, each behind [`StateCodec`] with its type
//! erased: how a checkpoint saves every state in build order, and
//! restores them all or none.

use std::cell::RefCell;
use std::rc::Rc;

use serde_json::value::RawValue;

use super::{text_part, Bounds, CheckpointError, Part, StateCodec};
use crate::dstream::Footprint;

/// A stateful operator's state, as the graph keeps it.
#[derive(Clone)]
pub struct Kept {
    state: Rc<dyn Held>,
    /// For a window, how far back (ms) its panes may reach: a restored
    /// pane must lie inside it.
    window_ms: Option<u64>,
}

/// Puts a decoded state in place, once every state has decoded.
type Install = Box<dyn FnOnce()>;

/// A state cell, its type erased.
trait Held {
    fn heap_bytes(&self) -> usize;
    fn save(&self, parts: &mut Vec<Part>);
    fn decode(self: Rc<Self>, text: &str, bounds: &Bounds) -> Result<Install, CheckpointError>;
}

impl<S: StateCodec> Held for RefCell<S> {
    fn heap_bytes(&self) -> usize {
        self.borrow().heap_bytes()
    }

    fn save(&self, parts: &mut Vec<Part>) {
        self.borrow().save(parts);
    }

    fn decode(self: Rc<Self>, text: &str, bounds: &Bounds) -> Result<Install, CheckpointError> {
        let value = S::restore(text, bounds)?;
        Ok(Box::new(move || *self.borrow_mut() = value))
    }
}

/// A state whose restore needs its operator's settings, not only the
/// saved text (an event-time aggregation's window length, function and
/// mode): it reads a checkpoint into a fresh copy of itself.
pub trait ConfiguredState: Footprint + 'static {
    /// Snapshots the state as it is now into `parts` (see
    /// [`StateCodec::save`]).
    fn save(&self, parts: &mut Vec<Part>);

    /// This operator with the state `save` wrote, refused unless it fits
    /// `bounds` and these settings.
    fn restored(&self, text: &str, bounds: &Bounds) -> Result<Self, CheckpointError>
    where
        Self: Sized;
}

/// A [`ConfiguredState`]'s cell (a newtype, so its `Held` does not
/// overlap `RefCell<S>`'s).
struct Configured<S>(Rc<RefCell<S>>);

impl<S: ConfiguredState> Held for Configured<S> {
    fn heap_bytes(&self) -> usize {
        self.0.borrow().heap_bytes()
    }

    fn save(&self, parts: &mut Vec<Part>) {
        self.0.borrow().save(parts);
    }

    fn decode(self: Rc<Self>, text: &str, bounds: &Bounds) -> Result<Install, CheckpointError> {
        let value = self.0.borrow().restored(text, bounds)?;
        Ok(Box::new(move || *self.0.borrow_mut() = value))
    }
}

impl Kept {
    /// A state that restores with its operator's settings.
    pub fn configured<S: ConfiguredState>(state: &Rc<RefCell<S>>) -> Kept {
        Kept {
            state: Rc::new(Configured(state.clone())),
            window_ms: None,
        }
    }

    /// An operator's state; `window_ms` for a window, how far back its
    /// panes reach.
    pub fn new<S: StateCodec>(state: &Rc<RefCell<S>>, window_ms: Option<u64>) -> Kept {
        Kept {
            state: state.clone(),
            window_ms,
        }
    }

    /// The state's memory, as [`Footprint`](crate::dstream::Footprint)
    /// counts it.
    pub fn heap_bytes(&self) -> usize {
        self.state.heap_bytes()
    }
}

/// Snapshots every state into parts of a JSON list, in build order.
pub(super) fn save_states(states: &[Kept], parts: &mut Vec<Part>) {
    parts.push(text_part("["));
    for (i, kept) in states.iter().enumerate() {
        if i > 0 {
            parts.push(text_part(","));
        }
        kept.state.save(parts);
    }
    parts.push(text_part("]"));
}

/// The run states are restored into, which they must fit.
pub(super) struct Limits {
    /// The time of its last batch, and its batch interval.
    pub now_ms: u64,
    pub batch_ms: u64,
    /// Its key limit, and its state budget (shared by its states).
    pub max_keys: usize,
    pub budget: usize,
}

/// Puts saved states back, in build order; the streams must be the ones
/// that saved them. All or nothing: every state decodes and fits before
/// any is replaced.
pub(super) fn restore_states(
    states: &[Kept],
    saved: &[&RawValue],
    run: &Limits,
) -> Result<(), CheckpointError> {
    if saved.len() != states.len() {
        return Err(CheckpointError::StateCount {
            saved: saved.len(),
            built: states.len(),
        });
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
        let install = kept
            .state
            .clone()
            .decode(text.get(), &bounds)
            .map_err(|error| CheckpointError::InState {
                index: i + 1,
                error: Box::new(error),
            })?;
        installs.push(install);
    }
    installs.into_iter().for_each(|install| install());
    Ok(())
}
