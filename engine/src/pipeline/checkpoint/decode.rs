//! Reading a checkpoint's values back: straight from JSON text into the
//! engine's types with serde, never through a tree of JSON values, and
//! with every list's length capped while it is read. A checkpoint can be
//! written by any page of the origin, so a list of a billion zeros must
//! be refused at its cap's worth of items, not after it filled the tab.
//!
//! The format is [`Codec`](super::codec::Codec)'s: integers, strings,
//! `null`, booleans and lists as themselves; a float `{"f": number or
//! "NaN"/"inf"/"-inf"}`; a pair `{"p": [k, v]}`; an object `{"o": [[name,
//! value], ...]}`.

use std::cell::Cell;
use std::fmt;
use std::hash::Hash;
use std::marker::PhantomData;

use rustc_hash::FxHashMap;
use serde::de::{self, Deserialize, Deserializer, MapAccess, SeqAccess, Visitor};
use serde_json::value::RawValue;

use crate::dstream::inverse::Pane;
use crate::value::{Str, Value};

thread_local! {
    /// The most items a list being read may have.
    static MAX_ITEMS: Cell<usize> = const { Cell::new(usize::MAX) };
}

/// Decodes `text` as a `T`, its lists (at any depth) at most `max_items`
/// long.
pub(super) fn decode<T>(text: &str, max_items: usize) -> Result<T, String>
where
    for<'de> Dec<T>: Deserialize<'de>,
{
    let before = MAX_ITEMS.with(|m| m.replace(max_items));
    let decoded = serde_json::from_str::<Dec<T>>(text);
    MAX_ITEMS.with(|m| m.set(before));
    decoded.map(|d| d.0).map_err(|e| format!("checkpoint: {e}"))
}

/// A list of `[time, pane]` with each pane left as raw text, at most
/// `max_items` long: a window's panes, to decode one at a time.
pub(super) fn raw_panes(text: &str, max_items: usize) -> Result<Vec<(u64, &RawValue)>, String> {
    struct Raw;
    impl<'de> Visitor<'de> for Raw {
        type Value = (usize, Vec<(u64, &'de RawValue)>);
        fn expecting(&self, f: &mut fmt::Formatter) -> fmt::Result {
            f.write_str("a list of panes")
        }
        fn visit_seq<S: SeqAccess<'de>>(self, mut seq: S) -> Result<Self::Value, S::Error> {
            let max = MAX_ITEMS.with(Cell::get);
            let mut panes = Vec::new();
            while let Some(pane) = seq.next_element::<(u64, &'de RawValue)>()? {
                if panes.len() == max {
                    return Err(de::Error::custom(format!(
                        "more than {max} panes, more than the window holds"
                    )));
                }
                panes.push(pane);
            }
            Ok((max, panes))
        }
    }
    let before = MAX_ITEMS.with(|m| m.replace(max_items));
    let mut de = serde_json::Deserializer::from_str(text);
    let decoded = de.deserialize_seq(Raw).and_then(|(_, panes)| {
        de.end()?;
        Ok(panes)
    });
    MAX_ITEMS.with(|m| m.set(before));
    decoded.map_err(|e| format!("checkpoint: {e}"))
}

/// A `T` read in the checkpoint's format.
pub(super) struct Dec<T>(pub T);

macro_rules! as_themselves {
    ($($t:ty),*) => {$(
        impl<'de> Deserialize<'de> for Dec<$t> {
            fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
                <$t>::deserialize(d).map(Dec)
            }
        }
    )*};
}

as_themselves!(i64, u64, u32, ());

impl<'de, A, B> Deserialize<'de> for Dec<(A, B)>
where
    Dec<A>: Deserialize<'de>,
    Dec<B>: Deserialize<'de>,
{
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        let (Dec(a), Dec(b)) = <(Dec<A>, Dec<B>)>::deserialize(d)?;
        Ok(Dec((a, b)))
    }
}

impl<'de, T> Deserialize<'de> for Dec<Vec<T>>
where
    Dec<T>: Deserialize<'de>,
{
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        d.deserialize_seq(List::<T>(PhantomData)).map(Dec)
    }
}

/// Reads a list, refusing it at one item past the cap.
struct List<T>(PhantomData<T>);

impl<'de, T> Visitor<'de> for List<T>
where
    Dec<T>: Deserialize<'de>,
{
    type Value = Vec<T>;

    fn expecting(&self, f: &mut fmt::Formatter) -> fmt::Result {
        f.write_str("a list")
    }

    fn visit_seq<S: SeqAccess<'de>>(self, mut seq: S) -> Result<Vec<T>, S::Error> {
        let max = MAX_ITEMS.with(Cell::get);
        let mut items = Vec::new();
        while let Some(Dec(item)) = seq.next_element::<Dec<T>>()? {
            if items.len() == max {
                return Err(de::Error::custom(format!(
                    "a list of more than {max} items, more than the state can hold"
                )));
            }
            items.push(item);
        }
        Ok(items)
    }
}

/// Per-key maps are lists of `[key, value]`, each key once.
impl<'de, K, V> Deserialize<'de> for Dec<FxHashMap<K, V>>
where
    K: Hash + Eq,
    Dec<K>: Deserialize<'de>,
    Dec<V>: Deserialize<'de>,
{
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        let Dec(pairs) = Dec::<Vec<(K, V)>>::deserialize(d)?;
        let n = pairs.len();
        let map: FxHashMap<K, V> = pairs.into_iter().collect();
        if map.len() != n {
            return Err(de::Error::custom("a key saved twice"));
        }
        Ok(Dec(map))
    }
}

/// `[[ids], [values]]`, as many of each, each key once.
impl<'de, V> Deserialize<'de> for Dec<Pane<V>>
where
    Dec<V>: Deserialize<'de>,
{
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        let Dec((ids, values)) = Dec::<(Vec<u32>, Vec<V>)>::deserialize(d)?;
        if ids.len() != values.len() {
            return Err(de::Error::custom("a pane with more keys than values"));
        }
        let mut seen = rustc_hash::FxHashSet::default();
        if !ids.iter().all(|id| seen.insert(*id)) {
            return Err(de::Error::custom("a key twice in one pane"));
        }
        Ok(Dec(Pane { ids, values }))
    }
}

impl<'de> Deserialize<'de> for Dec<Value> {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        d.deserialize_any(ValueVisitor).map(Dec)
    }
}

struct ValueVisitor;

impl<'de> Visitor<'de> for ValueVisitor {
    type Value = Value;

    fn expecting(&self, f: &mut fmt::Formatter) -> fmt::Result {
        f.write_str("a value as a checkpoint writes it")
    }

    fn visit_unit<E>(self) -> Result<Value, E> {
        Ok(Value::Null)
    }

    fn visit_bool<E>(self, b: bool) -> Result<Value, E> {
        Ok(Value::Bool(b))
    }

    fn visit_i64<E>(self, i: i64) -> Result<Value, E> {
        Ok(Value::Int(i))
    }

    fn visit_u64<E: de::Error>(self, u: u64) -> Result<Value, E> {
        i64::try_from(u)
            .map(Value::Int)
            .map_err(|_| E::custom(format!("the integer {u} is out of range")))
    }

    fn visit_f64<E: de::Error>(self, f: f64) -> Result<Value, E> {
        Err(E::custom(format!(
            "a bare float {f}; floats are saved as {{\"f\": ...}}"
        )))
    }

    fn visit_str<E>(self, s: &str) -> Result<Value, E> {
        Ok(Value::Str(Str::from(s)))
    }

    fn visit_seq<S: SeqAccess<'de>>(self, seq: S) -> Result<Value, S::Error> {
        List::<Value>(PhantomData).visit_seq(seq).map(Value::List)
    }

    fn visit_map<M: MapAccess<'de>>(self, mut map: M) -> Result<Value, M::Error> {
        let key: String = map
            .next_key()?
            .ok_or_else(|| de::Error::custom("an empty object"))?;
        let value = match key.as_str() {
            "f" => Value::Float(map.next_value::<Float>()?.0),
            "p" => {
                let Dec((k, v)) = map.next_value::<Dec<(Value, Value)>>()?;
                Value::pair(k, v)
            }
            "o" => {
                let Dec(fields) = map.next_value::<Dec<Vec<(Value, Value)>>>()?;
                let fields = fields
                    .into_iter()
                    .map(|(name, v)| match name {
                        Value::Str(name) => Ok((name, v)),
                        other => Err(de::Error::custom(format!(
                            "a field name that is a {}",
                            other.type_name()
                        ))),
                    })
                    .collect::<Result<_, _>>()?;
                Value::Object(fields)
            }
            other => return Err(de::Error::custom(format!("an object with `{other}`"))),
        };
        if map.next_key::<String>()?.is_some() {
            return Err(de::Error::custom("an object with more than one key"));
        }
        Ok(value)
    }
}

/// A float: a JSON number, or `"NaN"`, `"inf"`, `"-inf"`.
struct Float(f64);

impl<'de> Deserialize<'de> for Float {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        struct FloatVisitor;
        impl Visitor<'_> for FloatVisitor {
            type Value = f64;
            fn expecting(&self, f: &mut fmt::Formatter) -> fmt::Result {
                f.write_str("a float")
            }
            fn visit_f64<E>(self, f: f64) -> Result<f64, E> {
                Ok(f)
            }
            fn visit_i64<E>(self, i: i64) -> Result<f64, E> {
                Ok(i as f64)
            }
            fn visit_u64<E>(self, u: u64) -> Result<f64, E> {
                Ok(u as f64)
            }
            fn visit_str<E: de::Error>(self, s: &str) -> Result<f64, E> {
                s.parse().map_err(|_| E::custom(format!("the float {s:?}")))
            }
        }
        d.deserialize_any(FloatVisitor).map(Float)
    }
}

#[cfg(test)]
mod tests {
    #[cfg(target_arch = "wasm32")]
    use wasm_bindgen_test::wasm_bindgen_test as test;

    use super::*;
    use crate::pipeline::checkpoint::codec::Codec;

    #[test]
    fn every_kind_of_value_reads_back_as_it_was_written() {
        let v = Value::List(vec![
            Value::Null,
            Value::Bool(true),
            Value::Int(-7),
            Value::Float(1.5),
            Value::Float(f64::NEG_INFINITY),
            Value::str("a \"quoted\"\n line"),
            Value::pair(Value::str("k"), Value::Float(2.0)),
            Value::Object(vec![(Str::from("n"), Value::Int(1))]),
        ]);
        let mut text = String::new();
        v.enc(&mut text);
        assert_eq!(decode::<Value>(&text, 100), Ok(v));
    }

    #[test]
    fn a_list_past_the_cap_is_refused_at_the_cap() {
        let text = format!("[{}0]", "0,".repeat(10));
        assert_eq!(decode::<Vec<i64>>(&text, 11).map(|v| v.len()), Ok(11));
        let e = decode::<Vec<i64>>(&text, 10).unwrap_err();
        assert!(e.contains("more than 10 items"), "{e}");
        let nested = "[[1,2,3]]";
        assert!(
            decode::<Value>(nested, 2).is_err(),
            "inner lists are capped too"
        );
        assert_eq!(MAX_ITEMS.with(Cell::get), usize::MAX, "the cap is put back");
    }

    #[test]
    fn out_of_format_values_are_refused() {
        for bad in [
            r#"{"x":1}"#,
            r#"{}"#,
            "1.5",
            r#"{"f":1,"p":[1,2]}"#,
            "18446744073709551615",
        ] {
            assert!(decode::<Value>(bad, 100).is_err(), "{bad}");
        }
        assert!(decode::<FxHashMap<i64, i64>>("[[1,2],[1,3]]", 100).is_err());
        assert!(decode::<Pane<i64>>("[[1,1],[2,3]]", 100).is_err());
        assert!(decode::<Pane<i64>>("[[1],[2,3]]", 100).is_err());
    }
}
