//! How a checkpoint writes and reads each state type: JSON text appended
//! straight to a string (no tree of JSON values on the way out), read back
//! from parsed JSON, losslessly (pairs stay pairs, floats stay floats).

use std::fmt::Write as _;
use std::hash::Hash;

use rustc_hash::FxHashMap;
use serde_json::Value as J;

use super::snapshot::write_parts;
use crate::dstream::interned::Interner;
use crate::dstream::inverse::{InverseState, Pane};
use crate::dstream::window::Panes;
use crate::value::{Str, Value};

/// A state type a checkpoint can hold.
pub(super) trait Codec: Sized {
    /// Appends this value as JSON text.
    fn enc(&self, out: &mut String);
    fn dec(j: &J) -> Result<Self, String>;
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
