//! The pipeline's record type in a checkpoint, losslessly: integers,
//! strings, `null`, booleans and lists as themselves; a float `{"f":
//! number or "NaN"/"inf"/"-inf"}` (so `1.0` stays a float); a pair `{"p":
//! [k, v]}` (so it stays apart from a list of two); an object `{"o":
//! [[name, value], ...]}`. Not [`Value`]'s serde form, which is what the
//! page and `replay` show and keeps none of these apart.

use std::fmt;
use std::marker::PhantomData;

use serde::de::{self, Deserialize, Deserializer, MapAccess, SeqAccess, Visitor};

use super::codec::{enc_f64, enc_int, enc_seq, enc_str, Codec};
use super::decode::{Dec, List};
use crate::value::{Str, Value};

impl Codec for Value {
    fn enc(&self, out: &mut String) {
        match self {
            Value::Null => out.push_str("null"),
            Value::Bool(b) => out.push_str(if *b { "true" } else { "false" }),
            Value::Int(i) => enc_int(*i, out),
            Value::Float(f) => {
                out.push_str("{\"f\":");
                enc_f64(*f, out);
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

    fn dec<'de, D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        d.deserialize_any(ValueVisitor)
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
pub(super) struct Float(pub f64);

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
