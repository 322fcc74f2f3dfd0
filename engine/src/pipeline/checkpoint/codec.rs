//! How a checkpoint writes each state type: JSON text appended straight
//! to a string (no tree of JSON values on the way out), losslessly (pairs
//! stay pairs, floats stay floats). [`decode`](super::decode) reads it back.

use std::fmt::Write as _;
use std::hash::Hash;

use rustc_hash::FxHashMap;

use super::snapshot::write_parts;
use crate::dstream::footprint::Footprint;
use crate::dstream::inverse::{InverseState, Pane};
use crate::dstream::window::Panes;
use crate::value::Value;

/// A state type a checkpoint can hold.
pub(super) trait Codec {
    /// Appends this value as JSON text.
    fn enc(&self, out: &mut String);
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
}

impl Codec for i64 {
    fn enc(&self, out: &mut String) {
        enc_int(*self, out);
    }
}

impl Codec for u64 {
    fn enc(&self, out: &mut String) {
        enc_int(*self, out);
    }
}

impl Codec for u32 {
    fn enc(&self, out: &mut String) {
        enc_int(*self, out);
    }
}

impl Codec for () {
    fn enc(&self, out: &mut String) {
        out.push_str("null");
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
}

impl<T: Codec> Codec for Vec<T> {
    fn enc(&self, out: &mut String) {
        enc_seq(self, out, T::enc);
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
}

impl<P: Codec + Footprint + 'static> Codec for Panes<P> {
    fn enc(&self, out: &mut String) {
        write_parts(self, out);
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
}
