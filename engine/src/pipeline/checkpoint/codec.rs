//! How a checkpoint writes and reads each state type: JSON text appended
//! straight to a string (no tree of JSON values on the way out), read back
//! from parsed JSON, losslessly (pairs stay pairs, floats stay floats).

use std::fmt::Write as _;
use std::hash::Hash;

use rustc_hash::{FxHashMap, FxHashSet};
use serde_json::value::RawValue;
use serde_json::Value as J;

use super::snapshot::write_parts;
use crate::dstream::footprint::Footprint;
use crate::dstream::interned::Interner;
use crate::dstream::inverse::{InverseState, Pane};
use crate::dstream::window::Panes;
use crate::value::{Str, Value};

/// What a restored state must fit: the run it continues (the time of
/// its last batch, its batch interval) and, for a window, how far back
/// its panes may reach.
#[derive(Clone, Copy, Debug)]
pub struct Bounds {
    pub now_ms: u64,
    pub batch_ms: u64,
    pub span_ms: Option<u64>,
}

/// A state type a checkpoint can hold.
pub(super) trait Codec: Sized {
    /// Appends this value as JSON text.
    fn enc(&self, out: &mut String);
    fn dec(j: &J) -> Result<Self, String>;

    /// Decodes JSON text; large states override this to parse a piece at
    /// a time rather than the whole text into one tree.
    fn dec_text(text: &str) -> Result<Self, String> {
        let j: J = serde_json::from_str(text).map_err(|e| format!("checkpoint: {e}"))?;
        Self::dec(&j)
    }
}

/// A state a checkpoint restores: whether, decoded, it fits the run it is
/// restored into.
pub(super) trait Fits {
    fn check(&self, b: &Bounds) -> Result<(), String>;
}

/// Parses a list's items as raw text each, for decoding one at a time.
fn raw_items<'a, T: serde::Deserialize<'a>>(text: &'a str, what: &str) -> Result<T, String> {
    serde_json::from_str(text).map_err(|e| format!("checkpoint: expected {what}: {e}"))
}

/// Pane times strictly increasing, on batch times, none after the run's
/// last batch and none older than the window reaches.
fn check_times(times: impl Iterator<Item = u64>, b: &Bounds) -> Result<(), String> {
    let oldest = b.span_ms.map_or(0, |span| b.now_ms.saturating_sub(span));
    let mut last = None;
    for t in times {
        if b.batch_ms == 0 || !t.is_multiple_of(b.batch_ms) || t > b.now_ms || t <= oldest {
            return Err(format!(
                "checkpoint: a pane at {t} ms, outside the window ({oldest} ms, {} ms] of batches of {} ms",
                b.now_ms, b.batch_ms
            ));
        }
        if last.is_some_and(|l| l >= t) {
            return Err(format!("checkpoint: panes out of order at {t} ms"));
        }
        last = Some(t);
    }
    Ok(())
}

pub(super) fn bad(what: &str, j: &J) -> String {
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
        let pairs = Vec::<(K, V)>::dec(j)?;
        let n = pairs.len();
        let map: FxHashMap<K, V> = pairs.into_iter().collect();
        if map.len() != n {
            return Err("checkpoint: a key saved twice".into());
        }
        Ok(map)
    }
}

impl<P: Codec + Footprint + 'static> Codec for Panes<P> {
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
    /// A pane at a time.
    fn dec_text(text: &str) -> Result<Panes<P>, String> {
        let mut panes = Panes::default();
        for (t, pane) in raw_items::<Vec<(u64, &RawValue)>>(text, "a list of panes")? {
            panes.push(t, P::dec_text(pane.get())?);
        }
        Ok(panes)
    }
}

impl<P: Footprint> Fits for Panes<P> {
    fn check(&self, b: &Bounds) -> Result<(), String> {
        check_times(self.iter().map(|(t, _)| t), b)
    }
}

/// Per-key state: no key updated after the run's last batch.
impl<K, V> Fits for FxHashMap<K, (V, u64)> {
    fn check(&self, b: &Bounds) -> Result<(), String> {
        match self.values().find(|(_, at)| *at > b.now_ms) {
            Some((_, at)) => Err(format!(
                "checkpoint: a key updated at {at} ms, after the run's last batch at {} ms",
                b.now_ms
            )),
            None => Ok(()),
        }
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
        let mut seen = FxHashSet::default();
        if !ids.iter().all(|id| seen.insert(*id)) {
            return Err(bad("each key once in a pane", j));
        }
        Ok(Pane { ids, values })
    }
}

/// Keys once, with their numbers; panes and the state refer to them by
/// number: `{"keys": [[id, key], ...], "panes": [[t, [[ids], [values]]],
/// ...], "state": [[id, [value, updated]], ...]}`.
impl<K, V> Codec for InverseState<K, V>
where
    K: Codec + Hash + Eq + Clone + Footprint + 'static,
    V: Codec + Clone + Default + Footprint + 'static,
{
    fn enc(&self, out: &mut String) {
        write_parts(self, out);
    }
    /// Keys are numbered afresh, densely: what a saved number means is
    /// looked up, never used as an index (a damaged checkpoint cannot make
    /// the page allocate for a huge number).
    fn dec(j: &J) -> Result<InverseState<K, V>, String> {
        let panes = Vec::<(u64, Pane<V>)>::dec(&j["panes"])?;
        let keys = Vec::<(u32, K)>::dec(&j["keys"])?;
        let state = Vec::<(u32, (V, u64))>::dec(&j["state"])?;
        inverse_from_saved(keys, panes, state)
    }
    /// The key list, each pane, then the state, each parsed on its own.
    fn dec_text(text: &str) -> Result<InverseState<K, V>, String> {
        #[derive(serde::Deserialize)]
        struct Saved<'a> {
            #[serde(borrow)]
            keys: &'a RawValue,
            #[serde(borrow)]
            panes: Vec<(u64, &'a RawValue)>,
            #[serde(borrow)]
            state: &'a RawValue,
        }
        let saved: Saved = raw_items(text, "an incremental window")?;
        let keys = Vec::<(u32, K)>::dec_text(saved.keys.get())?;
        let panes = saved
            .panes
            .into_iter()
            .map(|(t, pane)| Ok((t, Pane::dec_text(pane.get())?)))
            .collect::<Result<_, String>>()?;
        let state = Vec::<(u32, (V, u64))>::dec_text(saved.state.get())?;
        inverse_from_saved(keys, panes, state)
    }
}

impl<K, V> Fits for InverseState<K, V>
where
    K: Hash + Eq + Clone + Footprint,
    V: Clone + Default + Footprint,
{
    fn check(&self, b: &Bounds) -> Result<(), String> {
        check_times(self.panes.iter().map(|(t, _)| t), b)?;
        match self.state.iter().flatten().find(|(_, at)| *at > b.now_ms) {
            Some((_, at)) => Err(format!(
                "checkpoint: a key updated at {at} ms, after the run's last batch at {} ms",
                b.now_ms
            )),
            None => Ok(()),
        }
    }
}

/// An incremental window from its saved parts, keys renumbered densely.
fn inverse_from_saved<K, V>(
    saved: Vec<(u32, K)>,
    saved_panes: Vec<(u64, Pane<V>)>,
    saved_state: Vec<(u32, (V, u64))>,
) -> Result<InverseState<K, V>, String>
where
    K: Hash + Eq + Clone + Footprint,
    V: Clone + Default + Footprint,
{
    let unknown = || "checkpoint: expected key numbers that have keys".to_string();
    let mut renumber: FxHashMap<u32, u32> = FxHashMap::default();
    let mut keys: Vec<Option<K>> = Vec::with_capacity(saved.len());
    let mut distinct: FxHashSet<&K> = FxHashSet::default();
    for (id, k) in &saved {
        if renumber.insert(*id, keys.len() as u32).is_some() || !distinct.insert(k) {
            return Err("checkpoint: expected each key and key number once".into());
        }
        keys.push(Some(k.clone()));
    }
    let new_id = |id: &u32| renumber.get(id).copied().ok_or_else(unknown);
    let mut panes: Panes<Pane<V>> = Panes::default();
    for (t, pane) in saved_panes {
        let ids = pane.ids.iter().map(new_id).collect::<Result<_, _>>()?;
        panes.push(t, Pane { ids, ..pane });
    }
    let mut state: Vec<Option<(V, u64)>> = Vec::new();
    state.resize_with(keys.len(), || None);
    for (id, entry) in saved_state {
        let slot = &mut state[new_id(&id)? as usize];
        if slot.replace(entry).is_some() {
            return Err("checkpoint: a key's state saved twice".into());
        }
    }
    Ok(InverseState::from_parts(
        Interner::from_numbered(keys),
        panes,
        state,
    ))
}
