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

use std::any::Any;
use std::cell::RefCell;
use std::fmt::Write as _;
use std::hash::Hash;
use std::rc::Rc;

use rustc_hash::FxHashMap;
use serde_json::Value as J;

use crate::dstream::interned::Interner;
use crate::dstream::inverse::{InverseState, Pane};
use crate::dstream::state::KeyedState;
use crate::dstream::window::Panes;
use crate::value::{Str, Value};

/// A piece of a checkpoint's JSON text, appended when called.
pub type Part = Box<dyn FnOnce(&mut String)>;

/// A state that can be snapshotted into parts.
trait Snapshot {
    fn parts(&self, parts: &mut Vec<Part>);
}

/// A snapshot's parts, written at once (one encoding, however it is used).
fn write_parts(state: &impl Snapshot, out: &mut String) {
    let mut parts = Vec::new();
    state.parts(&mut parts);
    for part in parts {
        part(out);
    }
}

/// Text that is known now, as a part.
pub fn text_part(text: String) -> Part {
    Box::new(move |out: &mut String| out.push_str(&text))
}

/// A state type a checkpoint can hold.
trait Codec: Sized {
    /// Appends this value as JSON text.
    fn enc(&self, out: &mut String);
    fn dec(j: &J) -> Result<Self, String>;
}

fn bad(what: &str, j: &J) -> String {
    let mut shown = j.to_string();
    shown.truncate(80);
    format!("checkpoint: expected {what}, found {shown}")
}

/// An integer, without the formatting machinery (millions per checkpoint).
fn enc_int(n: impl itoa::Integer, out: &mut String) {
    out.push_str(itoa::Buffer::new().format(n));
}

/// A JSON string literal.
fn enc_str(s: &str, out: &mut String) {
    out.push('"');
    for c in s.chars() {
        match c {
            '"' => out.push_str("\\\""),
            '\\' => out.push_str("\\\\"),
            c if (c as u32) < 0x20 => {
                let _ = write!(out, "\\u{:04x}", c as u32);
            }
            c => out.push(c),
        }
    }
    out.push('"');
}

/// `[a,b,...]` of `items`, each appended by `each`.
fn enc_seq<T>(
    items: impl IntoIterator<Item = T>,
    out: &mut String,
    mut each: impl FnMut(T, &mut String),
) {
    out.push('[');
    for (i, item) in items.into_iter().enumerate() {
        if i > 0 {
            out.push(',');
        }
        each(item, out);
    }
    out.push(']');
}

impl Codec for Value {
    fn enc(&self, out: &mut String) {
        match self {
            Value::Null => out.push_str("null"),
            Value::Bool(b) => out.push_str(if *b { "true" } else { "false" }),
            Value::Int(i) => enc_int(*i, out),
            Value::Float(f) if f.is_finite() => {
                out.push_str("{\"f\":");
                out.push_str(
                    &serde_json::Number::from_f64(*f).map_or_else(|| "0".into(), |n| n.to_string()),
                );
                out.push('}');
            }
            Value::Float(f) => {
                out.push_str("{\"f\":");
                enc_str(&f.to_string(), out);
                out.push('}');
            }
            Value::Str(s) => enc_str(s, out),
            Value::Pair(p) => {
                out.push_str("{\"p\":[");
                p.0.enc(out);
                out.push(',');
                p.1.enc(out);
                out.push_str("]}");
            }
            Value::List(items) => enc_seq(items, out, Value::enc),
            Value::Object(fields) => {
                out.push_str("{\"o\":");
                enc_seq(fields, out, |(k, v), out| {
                    out.push('[');
                    enc_str(k, out);
                    out.push(',');
                    v.enc(out);
                    out.push(']');
                });
                out.push('}');
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
    fn enc(&self, out: &mut String) {
        enc_int(*self, out);
    }
    fn dec(j: &J) -> Result<i64, String> {
        j.as_i64().ok_or_else(|| bad("an integer", j))
    }
}

impl Codec for u64 {
    fn enc(&self, out: &mut String) {
        enc_int(*self, out);
    }
    fn dec(j: &J) -> Result<u64, String> {
        j.as_u64().ok_or_else(|| bad("a number", j))
    }
}

impl Codec for u32 {
    fn enc(&self, out: &mut String) {
        enc_int(*self, out);
    }
    fn dec(j: &J) -> Result<u32, String> {
        j.as_u64()
            .and_then(|n| u32::try_from(n).ok())
            .ok_or_else(|| bad("a key number", j))
    }
}

impl Codec for () {
    fn enc(&self, out: &mut String) {
        out.push_str("null");
    }
    fn dec(_: &J) -> Result<(), String> {
        Ok(())
    }
}

impl<A: Codec, B: Codec> Codec for (A, B) {
    fn enc(&self, out: &mut String) {
        out.push('[');
        self.0.enc(out);
        out.push(',');
        self.1.enc(out);
        out.push(']');
    }
    fn dec(j: &J) -> Result<(A, B), String> {
        match j.as_array().map(Vec::as_slice) {
            Some([a, b]) => Ok((A::dec(a)?, B::dec(b)?)),
            _ => Err(bad("a pair", j)),
        }
    }
}

impl<T: Codec> Codec for Vec<T> {
    fn enc(&self, out: &mut String) {
        enc_seq(self, out, T::enc);
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
    fn enc(&self, out: &mut String) {
        enc_seq(self, out, |(k, v), out| {
            out.push('[');
            k.enc(out);
            out.push(',');
            v.enc(out);
            out.push(']');
        });
    }
    fn dec(j: &J) -> Result<FxHashMap<K, V>, String> {
        Vec::<(K, V)>::dec(j).map(|pairs| pairs.into_iter().collect())
    }
}

impl<P: Codec + 'static> Codec for Panes<P> {
    fn enc(&self, out: &mut String) {
        write_parts(self, out);
    }
    fn dec(j: &J) -> Result<Panes<P>, String> {
        let mut panes = Panes::default();
        for (t, p) in Vec::<(u64, P)>::dec(j)? {
            panes.push(t, p);
        }
        Ok(panes)
    }
}

impl<V: Codec> Codec for Pane<V> {
    fn enc(&self, out: &mut String) {
        out.push('[');
        self.ids.enc(out);
        out.push(',');
        self.values.enc(out);
        out.push(']');
    }
    fn dec(j: &J) -> Result<Pane<V>, String> {
        let (ids, values) = <(Vec<u32>, Vec<V>)>::dec(j)?;
        if ids.len() != values.len() {
            return Err(bad("as many values as keys", j));
        }
        Ok(Pane { ids, values })
    }
}

/// Keys once, with their numbers; panes and the state refer to them by
/// number: `{"keys": [[id, key], ...], "panes": [[t, [[ids], [values]]],
/// ...], "state": [[id, [value, updated]], ...]}`.
impl<K, V> Codec for InverseState<K, V>
where
    K: Codec + Hash + Eq + Clone + 'static,
    V: Codec + Clone + Default + 'static,
{
    fn enc(&self, out: &mut String) {
        write_parts(self, out);
    }
    /// Keys are numbered afresh, densely: what a saved number means is
    /// looked up, never used as an index (a damaged checkpoint cannot make
    /// the page allocate for a huge number).
    fn dec(j: &J) -> Result<InverseState<K, V>, String> {
        let unknown = || bad("key numbers that have keys", j);
        let saved = Vec::<(u32, K)>::dec(&j["keys"])?;
        let mut renumber: FxHashMap<u32, u32> = FxHashMap::default();
        let mut keys: Vec<Option<K>> = Vec::with_capacity(saved.len());
        for (id, k) in saved {
            if renumber.insert(id, keys.len() as u32).is_some() {
                return Err(bad("each key number once", &j["keys"]));
            }
            keys.push(Some(k));
        }
        let new_id = |id: &u32| renumber.get(id).copied().ok_or_else(unknown);
        let mut panes: Panes<Pane<V>> = Panes::default();
        for (t, pane) in Vec::<(u64, Pane<V>)>::dec(&j["panes"])? {
            let ids = pane.ids.iter().map(new_id).collect::<Result<_, _>>()?;
            panes.push(t, Pane { ids, ..pane });
        }
        let mut state: Vec<Option<(V, u64)>> = Vec::new();
        state.resize_with(keys.len(), || None);
        for (id, entry) in Vec::<(u32, (V, u64))>::dec(&j["state"])? {
            state[new_id(&id)? as usize] = Some(entry);
        }
        Ok(InverseState::from_parts(
            Interner::from_numbered(keys),
            panes,
            state,
        ))
    }
}

/// One part per pane (shared, not copied), inside `[...]`.
impl<P: Codec + 'static> Snapshot for Panes<P> {
    fn parts(&self, parts: &mut Vec<Part>) {
        parts.push(text_part("[".into()));
        for (i, (t, pane)) in self.shared().enumerate() {
            parts.push(Box::new(move |out: &mut String| {
                if i > 0 {
                    out.push(',');
                }
                out.push('[');
                t.enc(out);
                out.push(',');
                pane.enc(out);
                out.push(']');
            }));
        }
        parts.push(text_part("]".into()));
    }
}

/// Entries a part encodes at most: a few milliseconds of work.
const PART_ENTRIES: usize = 16_384;

/// `items` as a JSON list, in parts of at most [`PART_ENTRIES`].
fn list_parts<T: Codec + 'static>(items: Vec<T>, parts: &mut Vec<Part>) {
    parts.push(text_part("[".into()));
    let mut items = items.into_iter().peekable();
    let mut first = true;
    while items.peek().is_some() {
        let piece: Vec<T> = items.by_ref().take(PART_ENTRIES).collect();
        let comma = !first;
        first = false;
        parts.push(Box::new(move |out: &mut String| {
            for (i, item) in piece.iter().enumerate() {
                if comma || i > 0 {
                    out.push(',');
                }
                item.enc(out);
            }
        }));
    }
    parts.push(text_part("]".into()));
}

/// The keys and the state copied, the panes shared.
impl<K, V> Snapshot for InverseState<K, V>
where
    K: Codec + Hash + Eq + Clone + 'static,
    V: Codec + Clone + Default + 'static,
{
    fn parts(&self, parts: &mut Vec<Part>) {
        let keys: Vec<(u32, K)> = self.keys.iter().map(|(id, k)| (id, k.clone())).collect();
        parts.push(text_part("{\"keys\":".into()));
        list_parts(keys, parts);
        parts.push(text_part(",\"panes\":".into()));
        self.panes.parts(parts);
        let live = self.state.iter().enumerate();
        let state: Vec<(u32, (V, u64))> = live
            .filter_map(|(id, s)| Some((id as u32, s.clone()?)))
            .collect();
        parts.push(text_part(",\"state\":".into()));
        list_parts(state, parts);
        parts.push(text_part("}".into()));
    }
}

/// Per-key state changes in place every batch: copied whole.
impl<K, V> Snapshot for FxHashMap<K, V>
where
    K: Codec + Hash + Eq + Clone + 'static,
    V: Codec + Clone + 'static,
{
    fn parts(&self, parts: &mut Vec<Part>) {
        let entries: Vec<(K, V)> = self.iter().map(|(k, v)| (k.clone(), v.clone())).collect();
        list_parts(entries, parts);
    }
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
