//! Checkpoints, as Spark's: a pipeline's running state (window panes,
//! incremental windows, per-key state, the batch count) saved as JSON and
//! restored into the same pipeline built afresh, so a reloaded page goes
//! on where it was. Stateful operators register their state in the graph
//! in build order; this module knows the concrete types a pipeline of
//! values builds, and encodes them losslessly (pairs stay pairs, floats
//! stay floats).

use std::any::Any;
use std::cell::RefCell;
use std::hash::Hash;
use std::rc::Rc;

use rustc_hash::FxHashMap;
use serde_json::{json, Value as J};

use crate::dstream::reduced::InverseState;
use crate::dstream::state::KeyedState;
use crate::dstream::window::Panes;
use crate::value::{Str, Value};

/// A state type a checkpoint can hold.
trait Codec: Sized {
    fn enc(&self) -> J;
    fn dec(j: &J) -> Result<Self, String>;
}

fn bad(what: &str, j: &J) -> String {
    let mut shown = j.to_string();
    shown.truncate(80);
    format!("checkpoint: expected {what}, found {shown}")
}

impl Codec for Value {
    fn enc(&self) -> J {
        match self {
            Value::Null => J::Null,
            Value::Bool(b) => J::Bool(*b),
            Value::Int(i) => json!(i),
            Value::Float(f) if f.is_finite() => json!({ "f": f }),
            Value::Float(f) => json!({ "f": f.to_string() }),
            Value::Str(s) => J::String(s.to_string()),
            Value::Pair(p) => json!({ "p": [p.0.enc(), p.1.enc()] }),
            Value::List(items) => J::Array(items.iter().map(Codec::enc).collect()),
            Value::Object(fields) => {
                json!({ "o": fields.iter().map(|(k, v)| json!([k.as_str(), v.enc()])).collect::<Vec<_>>() })
            }
        }
    }

    fn dec(j: &J) -> Result<Value, String> {
        Ok(match j {
            J::Null => Value::Null,
            J::Bool(b) => Value::Bool(*b),
            J::Number(n) => Value::Int(n.as_i64().ok_or_else(|| bad("an integer", j))?),
            J::String(s) => Value::Str(Str::from(s.as_str())),
            J::Array(items) => Value::List(items.iter().map(Value::dec).collect::<Result<_, _>>()?),
            J::Object(m) => match (m.get("f"), m.get("p"), m.get("o")) {
                (Some(J::Number(n)), _, _) => {
                    Value::Float(n.as_f64().ok_or_else(|| bad("a float", j))?)
                }
                (Some(J::String(s)), _, _) => {
                    Value::Float(s.parse().map_err(|_| bad("a float", j))?)
                }
                (_, Some(p), _) => {
                    let (k, v) = <(Value, Value)>::dec(p)?;
                    Value::pair(k, v)
                }
                (_, _, Some(J::Array(fields))) => Value::Object(
                    fields
                        .iter()
                        .map(|f| {
                            let (k, v) = <(Value, Value)>::dec(f)?;
                            let k = k
                                .as_str()
                                .map(Str::from)
                                .ok_or_else(|| bad("a field name", f))?;
                            Ok((k, v))
                        })
                        .collect::<Result<_, String>>()?,
                ),
                _ => return Err(bad("a value", j)),
            },
        })
    }
}

impl Codec for i64 {
    fn enc(&self) -> J {
        json!(self)
    }
    fn dec(j: &J) -> Result<i64, String> {
        j.as_i64().ok_or_else(|| bad("an integer", j))
    }
}

impl Codec for u64 {
    fn enc(&self) -> J {
        json!(self)
    }
    fn dec(j: &J) -> Result<u64, String> {
        j.as_u64().ok_or_else(|| bad("a time", j))
    }
}

impl Codec for () {
    fn enc(&self) -> J {
        J::Null
    }
    fn dec(_: &J) -> Result<(), String> {
        Ok(())
    }
}

impl<A: Codec, B: Codec> Codec for (A, B) {
    fn enc(&self) -> J {
        json!([self.0.enc(), self.1.enc()])
    }
    fn dec(j: &J) -> Result<(A, B), String> {
        match j.as_array().map(Vec::as_slice) {
            Some([a, b]) => Ok((A::dec(a)?, B::dec(b)?)),
            _ => Err(bad("a pair", j)),
        }
    }
}

impl<T: Codec> Codec for Vec<T> {
    fn enc(&self) -> J {
        J::Array(self.iter().map(Codec::enc).collect())
    }
    fn dec(j: &J) -> Result<Vec<T>, String> {
        j.as_array()
            .ok_or_else(|| bad("a list", j))?
            .iter()
            .map(T::dec)
            .collect()
    }
}

impl<K: Codec + Hash + Eq, V: Codec> Codec for FxHashMap<K, V> {
    fn enc(&self) -> J {
        J::Array(
            self.iter()
                .map(|(k, v)| json!([k.enc(), v.enc()]))
                .collect(),
        )
    }
    fn dec(j: &J) -> Result<FxHashMap<K, V>, String> {
        Vec::<(K, V)>::dec(j).map(|pairs| pairs.into_iter().collect())
    }
}

impl<P: Codec> Codec for Panes<P> {
    fn enc(&self) -> J {
        J::Array(self.iter().map(|(t, p)| json!([t, p.enc()])).collect())
    }
    fn dec(j: &J) -> Result<Panes<P>, String> {
        let mut panes = Panes::default();
        for (t, p) in Vec::<(u64, P)>::dec(j)? {
            panes.push(t, p);
        }
        Ok(panes)
    }
}

impl<K: Codec + Hash + Eq, V: Codec> Codec for InverseState<K, V> {
    fn enc(&self) -> J {
        json!({ "panes": self.panes.enc(), "state": self.state.enc() })
    }
    fn dec(j: &J) -> Result<InverseState<K, V>, String> {
        Ok(InverseState {
            panes: Panes::dec(&j["panes"])?,
            state: KeyedState::dec(&j["state"])?,
        })
    }
}

/// Saves `state` if it is a `RefCell<T>`.
fn save_as<T: Codec + 'static>(state: &Rc<dyn Any>) -> Option<J> {
    state.downcast_ref::<RefCell<T>>().map(|s| s.borrow().enc())
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

/// Every state, encoded, in build order.
pub fn save_states(states: &[Rc<dyn Any>]) -> Result<J, String> {
    states
        .iter()
        .enumerate()
        .map(|(i, s)| {
            each_state_type!(save_as, s)
                .ok_or_else(|| format!("checkpoint: state {i} has a type no checkpoint knows"))
        })
        .collect::<Result<Vec<_>, _>>()
        .map(J::Array)
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
