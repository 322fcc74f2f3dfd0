//! Reading a checkpoint's values back: straight from JSON text into the
//! engine's types with serde, never through a tree of JSON values, and
//! with every list's length capped while it is read. A checkpoint can be
//! written by any page of the origin, so a list of a billion zeros must
//! be refused at its cap's worth of items, not after it filled the tab.
//!
//! Each type's format is its [`Codec`]'s; this module holds what every
//! type's reading shares: the cap, and the list that keeps to it.

use std::cell::Cell;
use std::fmt;
use std::marker::PhantomData;

use serde::de::{self, Deserialize, Deserializer, SeqAccess, Visitor};
use serde_json::value::RawValue;

use super::codec::Codec;

thread_local! {
    /// The most items a list being read may have.
    static MAX_ITEMS: Cell<usize> = const { Cell::new(usize::MAX) };
}

/// Decodes `text` as a `T`, its lists (at any depth) at most `max_items`
/// long.
pub fn decode<T: Codec>(text: &str, max_items: usize) -> Result<T, serde_json::Error> {
    let before = MAX_ITEMS.with(|m| m.replace(max_items));
    let decoded = serde_json::from_str::<Dec<T>>(text);
    MAX_ITEMS.with(|m| m.set(before));
    decoded.map(|d| d.0)
}

/// A list of `[time, pane]` with each pane left as raw text, at most
/// `max_items` long: a window's panes, to decode one at a time.
pub fn raw_panes(text: &str, max_items: usize) -> Result<Vec<(u64, &RawValue)>, serde_json::Error> {
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
    decoded
}

/// A `T` read in the checkpoint's format: serde's entry to [`Codec::dec`].
pub struct Dec<T>(pub T);

impl<'de, T: Codec> Deserialize<'de> for Dec<T> {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        T::dec(d).map(Dec)
    }
}

/// Reads a list, refusing it at one item past the cap.
pub struct List<T>(pub PhantomData<T>);

impl<'de, T: Codec> Visitor<'de> for List<T> {
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

#[cfg(test)]
mod tests {
    #[cfg(target_arch = "wasm32")]
    use wasm_bindgen_test::wasm_bindgen_test as test;

    use super::*;
    use crate::dstream::inverse::Pane;
    use crate::value::{Str, Value};
    use rustc_hash::FxHashMap;

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
        assert_eq!(decode::<Value>(&text, 100).unwrap(), v);
    }

    #[test]
    fn the_common_types_read_back_as_they_were_written() {
        fn round<T: Codec + PartialEq + fmt::Debug>(x: T) {
            let mut text = String::new();
            x.enc(&mut text);
            assert_eq!(decode::<T>(&text, 100).unwrap(), x, "{text}");
        }
        round((String::from("a\"\\\n\u{1}é"), 7u32));
        round(vec![Some(()), None]);
        round(('k', -1i64));
        round(('é', 0u8));
        round((1.5f64, f64::INFINITY, -2i8));
        round((Str::from("short"), true, usize::MAX));
        round(FxHashMap::from_iter([(1u64, vec![Value::Int(1)])]));
        let mut nan = String::new();
        f64::NAN.enc(&mut nan);
        assert!(decode::<f64>(&nan, 1).unwrap().is_nan());
    }

    #[test]
    fn a_list_past_the_cap_is_refused_at_the_cap() {
        let text = format!("[{}0]", "0,".repeat(10));
        assert_eq!(decode::<Vec<i64>>(&text, 11).unwrap().len(), 11);
        let e = decode::<Vec<i64>>(&text, 10).unwrap_err().to_string();
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
