//! How much memory a value holds, roughly, so that state can be held to a
//! budget: a window over a feed that sends a million-character record, or
//! a flood of keys, must evict rather than grow the tab to wasm's 4 GiB.
//!
//! A value's footprint is its inline size plus [`Footprint::heap_bytes`],
//! what it owns on the heap. The estimate is cheap (no allocator call),
//! counts strings by length and containers by their items, and errs high
//! rather than low. A Rust type used in a window or state implements it;
//! plain data without heap (`i64`, a `Copy` struct) takes the default, 0.
//!
//! ```
//! use sparklet_engine::dstream::Footprint;
//! use sparklet_engine::Value;
//!
//! assert_eq!(7i64.heap_bytes(), 0);
//! assert_eq!("a short word".to_string().heap_bytes(), 12);
//! let long = Value::str(&"x".repeat(1000));
//! assert!(long.heap_bytes() >= 1000);
//! assert_eq!(Value::str("inline").heap_bytes(), 0);
//! ```

use std::collections::HashMap;

use crate::value::{Str, Value};

/// Memory a value owns beyond its inline size (see the module docs).
pub trait Footprint {
    /// Bytes owned on the heap; 0 for plain data.
    fn heap_bytes(&self) -> usize {
        0
    }

    /// Inline size plus heap: what one more of these costs.
    fn footprint(&self) -> usize
    where
        Self: Sized,
    {
        std::mem::size_of::<Self>() + self.heap_bytes()
    }
}

macro_rules! plain {
    ($($t:ty),*) => { $(impl Footprint for $t {})* };
}

plain!(
    (),
    bool,
    char,
    i8,
    i16,
    i32,
    i64,
    i128,
    isize,
    u8,
    u16,
    u32,
    u64,
    u128,
    usize,
    f32,
    f64,
    &'static str
);

impl Footprint for String {
    fn heap_bytes(&self) -> usize {
        self.capacity()
    }
}

impl Footprint for Str {
    fn heap_bytes(&self) -> usize {
        if self.is_heap_allocated() {
            self.capacity()
        } else {
            0
        }
    }
}

impl<T: Footprint> Footprint for Vec<T> {
    fn heap_bytes(&self) -> usize {
        self.capacity() * std::mem::size_of::<T>() + self.iter().map(T::heap_bytes).sum::<usize>()
    }
}

impl<T: Footprint> Footprint for Option<T> {
    fn heap_bytes(&self) -> usize {
        self.as_ref().map_or(0, T::heap_bytes)
    }
}

impl<A: Footprint, B: Footprint> Footprint for (A, B) {
    fn heap_bytes(&self) -> usize {
        self.0.heap_bytes() + self.1.heap_bytes()
    }
}

impl<T: Footprint> Footprint for Box<T> {
    fn heap_bytes(&self) -> usize {
        std::mem::size_of::<T>() + (**self).heap_bytes()
    }
}

impl Footprint for Value {
    fn heap_bytes(&self) -> usize {
        match self {
            Value::Null | Value::Bool(_) | Value::Int(_) | Value::Float(_) => 0,
            Value::Str(s) => s.heap_bytes(),
            Value::Pair(p) => std::mem::size_of::<(Value, Value)>() + p.heap_bytes(),
            Value::List(items) => items.heap_bytes(),
            Value::Object(fields) => {
                fields.capacity() * std::mem::size_of::<(Str, Value)>()
                    + fields
                        .iter()
                        .map(|(k, v)| k.heap_bytes() + v.heap_bytes())
                        .sum::<usize>()
            }
        }
    }
}

impl<K: Footprint, V: Footprint, S> Footprint for HashMap<K, V, S> {
    /// A hash table's slots (with their control byte) and what its entries own.
    fn heap_bytes(&self) -> usize {
        self.capacity() * (std::mem::size_of::<(K, V)>() + 1)
            + self
                .iter()
                .map(|(k, v)| k.heap_bytes() + v.heap_bytes())
                .sum::<usize>()
    }
}
