//! How a value is written in a checkpoint and read back: [`Codec`], for
//! the types a stateful operator keeps. Writing appends JSON text straight
//! to a string (no tree of JSON values on the way out: a window of
//! millions of entries is written at the speed of `itoa`); reading goes
//! through [`decode`](super::decode), which caps every list it reads.

use std::collections::HashMap;
use std::fmt::Write as _;
use std::hash::{BuildHasher, Hash};
use std::marker::PhantomData;

use serde::de::{self, Deserialize, Deserializer};

use super::decode::{Dec, List};
use crate::value::Str;

/// A type a checkpoint can hold: written as JSON text by `enc`, read back
/// by `dec` exactly as it was (see the [module docs](super) for why this
/// is Sparklet's own trait rather than serde's, and [`serde_codec!`] for a
/// type that already serializes with serde).
///
/// ```
/// use sparklet_engine::checkpoint::Codec;
///
/// let mut text = String::new();
/// (String::from("spark"), vec![1.5f64, f64::INFINITY]).enc(&mut text);
/// assert_eq!(text, r#"["spark",[1.5,"inf"]]"#);
/// ```
///
/// [`serde_codec!`]: crate::serde_codec
pub trait Codec: Sized {
    /// Appends this value as JSON text.
    fn enc(&self, out: &mut String);
    /// Reads a value as `enc` wrote it. Lists read inside it go through
    /// `Dec<Vec<T>>`, which refuses one longer than the state can hold.
    fn dec<'de, D: Deserializer<'de>>(d: D) -> Result<Self, D::Error>;
}

/// An integer, without the formatting machinery (millions per checkpoint).
pub(crate) fn enc_int(n: impl itoa::Integer, out: &mut String) {
    out.push_str(itoa::Buffer::new().format(n));
}

/// A JSON string literal.
pub(crate) fn enc_str(s: &str, out: &mut String) {
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

/// A float: a JSON number when finite, else `"NaN"`, `"inf"` or `"-inf"`
/// (JSON has no such numbers, and a checkpoint keeps them).
pub(crate) fn enc_f64(f: f64, out: &mut String) {
    match serde_json::Number::from_f64(f) {
        Some(n) => {
            let _ = write!(out, "{n}");
        }
        None => enc_str(&f.to_string(), out),
    }
}

/// `[a,b,...]` of `items`, each appended by `each`.
pub(crate) fn enc_seq<T>(
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

macro_rules! integers {
    ($($t:ty),*) => {$(
        impl Codec for $t {
            fn enc(&self, out: &mut String) {
                enc_int(*self, out);
            }
            fn dec<'de, D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
                <$t>::deserialize(d)
            }
        }
    )*};
}

integers!(i8, i16, i32, i64, isize, u8, u16, u32, u64, usize);

impl Codec for f64 {
    fn enc(&self, out: &mut String) {
        enc_f64(*self, out);
    }
    fn dec<'de, D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        super::value::Float::deserialize(d).map(|f| f.0)
    }
}

impl Codec for bool {
    fn enc(&self, out: &mut String) {
        out.push_str(if *self { "true" } else { "false" });
    }
    fn dec<'de, D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        bool::deserialize(d)
    }
}

impl Codec for () {
    fn enc(&self, out: &mut String) {
        out.push_str("null");
    }
    fn dec<'de, D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        <()>::deserialize(d)
    }
}

impl Codec for char {
    fn enc(&self, out: &mut String) {
        enc_str(self.encode_utf8(&mut [0; 4]), out);
    }
    fn dec<'de, D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        char::deserialize(d)
    }
}

impl Codec for String {
    fn enc(&self, out: &mut String) {
        enc_str(self, out);
    }
    fn dec<'de, D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        String::deserialize(d)
    }
}

impl Codec for Str {
    fn enc(&self, out: &mut String) {
        enc_str(self, out);
    }
    fn dec<'de, D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        Str::deserialize(d)
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
    fn dec<'de, D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        let (Dec(a), Dec(b)) = <(Dec<A>, Dec<B>)>::deserialize(d)?;
        Ok((a, b))
    }
}

impl<A: Codec, B: Codec, C: Codec> Codec for (A, B, C) {
    fn enc(&self, out: &mut String) {
        out.push('[');
        self.0.enc(out);
        out.push(',');
        self.1.enc(out);
        out.push(',');
        self.2.enc(out);
        out.push(']');
    }
    fn dec<'de, D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        let (Dec(a), Dec(b), Dec(c)) = <(Dec<A>, Dec<B>, Dec<C>)>::deserialize(d)?;
        Ok((a, b, c))
    }
}

/// `None` is `null`, `Some(x)` is `[x]`: `Some(())` stays apart from `None`.
impl<T: Codec> Codec for Option<T> {
    fn enc(&self, out: &mut String) {
        match self {
            None => out.push_str("null"),
            Some(x) => {
                out.push('[');
                x.enc(out);
                out.push(']');
            }
        }
    }
    fn dec<'de, D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        Ok(Option::<(Dec<T>,)>::deserialize(d)?.map(|(Dec(x),)| x))
    }
}

impl<T: Codec> Codec for Vec<T> {
    fn enc(&self, out: &mut String) {
        enc_seq(self, out, T::enc);
    }
    fn dec<'de, D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        d.deserialize_seq(List::<T>(PhantomData))
    }
}

/// A map is a list of `[key, value]`, each key once.
impl<K: Codec + Hash + Eq, V: Codec, S: BuildHasher + Default> Codec for HashMap<K, V, S> {
    fn enc(&self, out: &mut String) {
        enc_seq(self, out, |(k, v), out| {
            out.push('[');
            k.enc(out);
            out.push(',');
            v.enc(out);
            out.push(']');
        });
    }
    fn dec<'de, D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        let pairs = Vec::<(K, V)>::dec(d)?;
        let n = pairs.len();
        let map: HashMap<K, V, S> = pairs.into_iter().collect();
        if map.len() != n {
            return Err(de::Error::custom("a key saved twice"));
        }
        Ok(map)
    }
}

/// Implements [`Codec`] through serde for types that already serialize:
/// their text is whatever `serde_json` makes of them. Lists inside such a
/// type are read by serde, so they are not capped as the engine's own
/// types are; use it for types whose checkpoints the program itself
/// writes.
///
/// ```
/// use sparklet_engine::checkpoint::Codec;
///
/// #[derive(Clone, Debug, PartialEq, serde::Serialize, serde::Deserialize)]
/// struct Session { user: String, clicks: u32 }
/// sparklet_engine::serde_codec!(Session);
///
/// let mut text = String::new();
/// Session { user: "u7".into(), clicks: 3 }.enc(&mut text);
/// assert_eq!(text, r#"{"user":"u7","clicks":3}"#);
/// ```
#[macro_export]
macro_rules! serde_codec {
    ($($t:ty),* $(,)?) => {$(
        impl $crate::checkpoint::Codec for $t {
            fn enc(&self, out: &mut ::std::string::String) {
                $crate::checkpoint::enc_serde(self, out);
            }
            fn dec<'de, D: $crate::checkpoint::serde::Deserializer<'de>>(
                d: D,
            ) -> ::std::result::Result<Self, D::Error> {
                <$t as $crate::checkpoint::serde::Deserialize>::deserialize(d)
            }
        }
    )*};
}

/// [`serde_codec!`](crate::serde_codec)'s writer.
#[doc(hidden)]
pub fn enc_serde<T: serde::Serialize>(value: &T, out: &mut String) {
    // A type given to `serde_codec!` promises to serialize to JSON.
    let text = serde_json::to_string(value).expect("a serde_codec! type serializes to JSON");
    out.push_str(&text);
}
