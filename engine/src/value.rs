//! The one record type every operator passes along: a JSON-like value with
//! pairs, so keyed operators (`reduce_by_key`, windows, state) need no
//! second type system.

use std::cmp::Ordering;
use std::fmt;
use std::hash::{Hash, Hasher};

use compact_str::CompactString;

/// Strings are small-string optimised: most words fit inline, so `split`
/// allocates nothing per word.
pub type Str = CompactString;

/// A record, or a part of one.
#[derive(Clone, Debug, Default)]
pub enum Value {
    #[default]
    Null,
    Bool(bool),
    Int(i64),
    Float(f64),
    Str(Str),
    /// A key-value pair, Spark's `(K, V)`: what keyed operators consume and emit.
    Pair(Box<(Value, Value)>),
    List(Vec<Value>),
    /// A JSON object, fields in their original order.
    Object(Vec<(Str, Value)>),
}

impl Value {
    pub fn pair(key: Value, value: Value) -> Value {
        Value::Pair(Box::new((key, value)))
    }

    pub fn str(s: &str) -> Value {
        Value::Str(Str::new(s))
    }

    /// The name a type error uses for this value.
    pub fn type_name(&self) -> &'static str {
        match self {
            Value::Null => "null",
            Value::Bool(_) => "boolean",
            Value::Int(_) | Value::Float(_) => "number",
            Value::Str(_) => "string",
            Value::Pair(_) => "pair",
            Value::List(_) => "list",
            Value::Object(_) => "object",
        }
    }

    pub fn as_f64(&self) -> Option<f64> {
        match self {
            Value::Int(i) => Some(*i as f64),
            Value::Float(f) => Some(*f),
            _ => None,
        }
    }

    pub fn as_str(&self) -> Option<&str> {
        match self {
            Value::Str(s) => Some(s),
            _ => None,
        }
    }

    /// The pair's parts, or `None` when this record is not a pair.
    pub fn as_pair(&self) -> Option<(&Value, &Value)> {
        match self {
            Value::Pair(p) => Some((&p.0, &p.1)),
            _ => None,
        }
    }

    pub fn into_pair(self) -> Result<(Value, Value), Value> {
        match self {
            Value::Pair(p) => Ok(*p),
            other => Err(other),
        }
    }

    /// The order of `<`, `min` and `max`: numbers by value (ints and floats
    /// together), then by type. `1` and `1.0` tie; see
    /// [`Value::output_cmp`] for the order output is printed in.
    pub fn total_cmp(&self, other: &Value) -> Ordering {
        fn rank(v: &Value) -> u8 {
            match v {
                Value::Null => 0,
                Value::Bool(_) => 1,
                Value::Int(_) | Value::Float(_) => 2,
                Value::Str(_) => 3,
                Value::Pair(_) => 4,
                Value::List(_) => 5,
                Value::Object(_) => 6,
            }
        }
        match (self, other) {
            (Value::Int(a), Value::Int(b)) => a.cmp(b),
            (a @ (Value::Int(_) | Value::Float(_)), b @ (Value::Int(_) | Value::Float(_))) => {
                let (x, y) = (a.as_f64().unwrap_or(0.0), b.as_f64().unwrap_or(0.0));
                x.total_cmp(&y)
            }
            (Value::Bool(a), Value::Bool(b)) => a.cmp(b),
            (Value::Str(a), Value::Str(b)) => a.cmp(b),
            (Value::Pair(a), Value::Pair(b)) => {
                a.0.total_cmp(&b.0).then_with(|| a.1.total_cmp(&b.1))
            }
            (Value::List(a), Value::List(b)) => cmp_seq(a.iter(), b.iter(), Value::total_cmp),
            (Value::Object(a), Value::Object(b)) => cmp_fields(a, b, Value::total_cmp),
            _ => rank(self).cmp(&rank(other)),
        }
    }

    /// [`Value::total_cmp`] with the one tie it leaves broken: an integer
    /// and a float of equal value (`1` and `1.0`, also inside pairs, lists
    /// and objects) are different keys, and the integer comes first. Output
    /// is sorted by this, so it prints in one order whatever order its keys
    /// arrived in (Spark's export sorts the same way).
    pub fn output_cmp(&self, other: &Value) -> Ordering {
        match (self, other) {
            (Value::Int(_), Value::Float(_)) => self.total_cmp(other).then(Ordering::Less),
            (Value::Float(_), Value::Int(_)) => self.total_cmp(other).then(Ordering::Greater),
            (Value::Pair(a), Value::Pair(b)) => {
                a.0.output_cmp(&b.0).then_with(|| a.1.output_cmp(&b.1))
            }
            (Value::List(a), Value::List(b)) => cmp_seq(a.iter(), b.iter(), Value::output_cmp),
            (Value::Object(a), Value::Object(b)) => cmp_fields(a, b, Value::output_cmp),
            _ => self.total_cmp(other),
        }
    }

    /// Builds a record from JSON. A two-element array is a pair, as in
    /// `sparklet replay`'s input (`["a", 1]`).
    pub fn from_json(json: serde_json::Value) -> Value {
        use serde_json::Value as J;
        match json {
            J::Null => Value::Null,
            J::Bool(b) => Value::Bool(b),
            J::Number(n) => match n.as_i64() {
                Some(i) => Value::Int(i),
                None => Value::Float(n.as_f64().unwrap_or(f64::NAN)),
            },
            J::String(s) => Value::Str(Str::from(s)),
            J::Array(items) if items.len() == 2 => {
                let mut it = items.into_iter();
                let (k, v) = (it.next(), it.next());
                Value::pair(
                    Value::from_json(k.unwrap_or_default()),
                    Value::from_json(v.unwrap_or_default()),
                )
            }
            J::Array(items) => Value::List(items.into_iter().map(Value::from_json).collect()),
            J::Object(map) => Value::Object(
                map.into_iter()
                    .map(|(k, v)| (Str::from(k), Value::from_json(v)))
                    .collect(),
            ),
        }
    }
}

fn cmp_seq<'a>(
    mut a: impl Iterator<Item = &'a Value>,
    mut b: impl Iterator<Item = &'a Value>,
    cmp: fn(&Value, &Value) -> Ordering,
) -> Ordering {
    loop {
        match (a.next(), b.next()) {
            (None, None) => return Ordering::Equal,
            (None, Some(_)) => return Ordering::Less,
            (Some(_), None) => return Ordering::Greater,
            (Some(x), Some(y)) => match cmp(x, y) {
                Ordering::Equal => continue,
                o => return o,
            },
        }
    }
}

fn cmp_fields(
    a: &[(Str, Value)],
    b: &[(Str, Value)],
    cmp: fn(&Value, &Value) -> Ordering,
) -> Ordering {
    for ((ka, va), (kb, vb)) in a.iter().zip(b) {
        let o = ka.cmp(kb).then_with(|| cmp(va, vb));
        if o != Ordering::Equal {
            return o;
        }
    }
    a.len().cmp(&b.len())
}

/// Keys compare as Spark's do: `1` (a long) and `1.0` (a double) are
/// different keys; floats compare by bits so every value can be a key.
impl PartialEq for Value {
    fn eq(&self, other: &Value) -> bool {
        match (self, other) {
            (Value::Null, Value::Null) => true,
            (Value::Bool(a), Value::Bool(b)) => a == b,
            (Value::Int(a), Value::Int(b)) => a == b,
            (Value::Float(a), Value::Float(b)) => a.to_bits() == b.to_bits(),
            (Value::Str(a), Value::Str(b)) => a == b,
            (Value::Pair(a), Value::Pair(b)) => a == b,
            (Value::List(a), Value::List(b)) => a == b,
            (Value::Object(a), Value::Object(b)) => a == b,
            _ => false,
        }
    }
}

impl Eq for Value {}

impl Hash for Value {
    fn hash<H: Hasher>(&self, state: &mut H) {
        std::mem::discriminant(self).hash(state);
        match self {
            Value::Null => {}
            Value::Bool(b) => b.hash(state),
            Value::Int(i) => i.hash(state),
            Value::Float(f) => f.to_bits().hash(state),
            Value::Str(s) => s.as_str().hash(state),
            Value::Pair(p) => p.hash(state),
            Value::List(l) => l.hash(state),
            Value::Object(o) => o.hash(state),
        }
    }
}

impl From<&str> for Value {
    fn from(s: &str) -> Value {
        Value::str(s)
    }
}

impl From<i64> for Value {
    fn from(i: i64) -> Value {
        Value::Int(i)
    }
}

impl From<f64> for Value {
    fn from(f: f64) -> Value {
        Value::Float(f)
    }
}

impl<K: Into<Value>, V: Into<Value>> From<(K, V)> for Value {
    fn from((k, v): (K, V)) -> Value {
        Value::pair(k.into(), v.into())
    }
}

/// Serialises as JSON: pairs as `[k, v]`, non-finite floats as `null`.
impl serde::Serialize for Value {
    fn serialize<S: serde::Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        use serde::ser::{SerializeMap, SerializeSeq};
        match self {
            Value::Null => s.serialize_unit(),
            Value::Bool(b) => s.serialize_bool(*b),
            Value::Int(i) => s.serialize_i64(*i),
            Value::Float(f) if f.is_finite() => s.serialize_f64(*f),
            Value::Float(_) => s.serialize_unit(),
            Value::Str(v) => s.serialize_str(v),
            Value::Pair(p) => {
                let mut seq = s.serialize_seq(Some(2))?;
                seq.serialize_element(&p.0)?;
                seq.serialize_element(&p.1)?;
                seq.end()
            }
            Value::List(items) => {
                let mut seq = s.serialize_seq(Some(items.len()))?;
                for item in items {
                    seq.serialize_element(item)?;
                }
                seq.end()
            }
            Value::Object(fields) => {
                let mut map = s.serialize_map(Some(fields.len()))?;
                for (k, v) in fields {
                    map.serialize_entry(k.as_str(), v)?;
                }
                map.end()
            }
        }
    }
}

/// Reads what [`Serialize`](serde::Serialize) wrote, as [`Value::from_json`]
/// does (a two-element array is a pair, an integer past `i64` a float),
/// but keeping an object's fields in their order (a repeated field keeps
/// its first place and its last value). So a batch's output crosses from
/// the page's worker to its view and comes back as it left.
impl<'de> serde::Deserialize<'de> for Value {
    fn deserialize<D: serde::Deserializer<'de>>(d: D) -> Result<Value, D::Error> {
        d.deserialize_any(ValueVisitor)
    }
}

struct ValueVisitor;

impl<'de> serde::de::Visitor<'de> for ValueVisitor {
    type Value = Value;

    fn expecting(&self, f: &mut fmt::Formatter) -> fmt::Result {
        f.write_str("a JSON value")
    }
    fn visit_bool<E>(self, b: bool) -> Result<Value, E> {
        Ok(Value::Bool(b))
    }
    fn visit_i64<E>(self, i: i64) -> Result<Value, E> {
        Ok(Value::Int(i))
    }
    fn visit_u64<E>(self, u: u64) -> Result<Value, E> {
        Ok(i64::try_from(u).map_or(Value::Float(u as f64), Value::Int))
    }
    fn visit_f64<E>(self, f: f64) -> Result<Value, E> {
        Ok(Value::Float(f))
    }
    fn visit_str<E>(self, s: &str) -> Result<Value, E> {
        Ok(Value::str(s))
    }
    fn visit_unit<E>(self) -> Result<Value, E> {
        Ok(Value::Null)
    }
    fn visit_none<E>(self) -> Result<Value, E> {
        Ok(Value::Null)
    }
    fn visit_some<D: serde::Deserializer<'de>>(self, d: D) -> Result<Value, D::Error> {
        serde::Deserialize::deserialize(d)
    }
    fn visit_seq<A: serde::de::SeqAccess<'de>>(self, mut seq: A) -> Result<Value, A::Error> {
        let mut items: Vec<Value> = Vec::new();
        while let Some(item) = seq.next_element()? {
            items.push(item);
        }
        Ok(match <[Value; 2]>::try_from(items) {
            Ok([k, v]) => Value::pair(k, v),
            Err(items) => Value::List(items),
        })
    }
    fn visit_map<A: serde::de::MapAccess<'de>>(self, mut map: A) -> Result<Value, A::Error> {
        let mut fields: Vec<(Str, Value)> = Vec::new();
        while let Some((k, v)) = map.next_entry::<String, Value>()? {
            match fields.iter_mut().find(|(name, _)| *name == k) {
                Some(field) => field.1 = v,
                None => fields.push((Str::from(k), v)),
            }
        }
        Ok(Value::Object(fields))
    }
}

/// Prints as JSON, which is also how records appear in the page.
impl fmt::Display for Value {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match serde_json::to_string(self) {
            Ok(s) => f.write_str(&s),
            Err(_) => f.write_str("<unprintable>"),
        }
    }
}

#[cfg(test)]
mod tests {
    #[cfg(target_arch = "wasm32")]
    use wasm_bindgen_test::wasm_bindgen_test as test;

    use super::*;

    #[test]
    fn what_is_serialised_reads_back_the_same_fields_in_order() {
        let v = Value::from_json(serde_json::json!([
            {"window": {"start": 1, "end": 2}, "key": "/ü\"", "value": 1.5},
            [1, [2, 3]],
            [1, 2, 3],
            null,
            true,
            -7
        ]));
        let text = serde_json::to_string(&v).unwrap();
        let back: Value = serde_json::from_str(&text).unwrap();
        assert_eq!(back, v);
        assert_eq!(serde_json::to_string(&back).unwrap(), text);
        let dup: Value = serde_json::from_str(r#"{"b": 1, "a": 2, "b": 3}"#).unwrap();
        assert_eq!(dup.to_string(), r#"{"b":3,"a":2}"#);
        let big: Value = serde_json::from_str("18446744073709551615").unwrap();
        assert!(matches!(big, Value::Float(_)));
    }

    #[test]
    fn two_element_arrays_are_pairs() {
        let v = Value::from_json(serde_json::json!(["a", 1]));
        assert_eq!(v, Value::from(("a", 1i64)));
        assert_eq!(v.to_string(), r#"["a",1]"#);
    }

    #[test]
    fn ints_and_floats_order_together_but_are_distinct_keys() {
        assert_eq!(
            Value::Int(2).total_cmp(&Value::Float(1.5)),
            Ordering::Greater
        );
        assert_ne!(Value::Int(1), Value::Float(1.0));
    }

    #[test]
    fn output_order_puts_the_int_before_the_equal_float_at_any_depth() {
        let mut keys = [
            Value::from(("k", 1.0)),
            Value::Float(1.0),
            Value::from(("k", 1i64)),
            Value::Int(1),
            Value::Float(0.5),
        ];
        keys.sort_by(Value::output_cmp);
        let printed: Vec<String> = keys.iter().map(Value::to_string).collect();
        assert_eq!(printed, ["0.5", "1", "1.0", r#"["k",1]"#, r#"["k",1.0]"#]);
        assert_eq!(Value::Int(1).total_cmp(&Value::Float(1.0)), Ordering::Equal);
    }
}
