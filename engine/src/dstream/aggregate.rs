//! Per-batch aggregations: `count`, `count_by_value`, `reduce`,
//! `reduce_by_key`, `group_by_key`. Each looks at one batch; windows and
//! state build on the same helpers across batches.

use std::collections::hash_map::Entry;
use std::hash::Hash;

use rustc_hash::FxHashMap;

use crate::dstream::DStream;

/// Reduces `pairs` by key into `acc` with `f`.
pub fn reduce_into<K: Hash + Eq, V: Default>(
    acc: &mut FxHashMap<K, V>,
    pairs: impl IntoIterator<Item = (K, V)>,
    f: &mut impl FnMut(V, V) -> V,
) {
    for (k, v) in pairs {
        merge(acc, k, v, f);
    }
}

/// Folds `v` into `acc[k]` with `f`, hashing the key once. (`V: Default`
/// lets the old value move into `f` without a clone.)
pub fn merge<K: Hash + Eq, V: Default>(
    acc: &mut FxHashMap<K, V>,
    k: K,
    v: V,
    f: &mut impl FnMut(V, V) -> V,
) {
    match acc.entry(k) {
        Entry::Occupied(mut seen) => {
            let slot = seen.get_mut();
            *slot = f(std::mem::take(slot), v);
        }
        Entry::Vacant(new) => {
            new.insert(v);
        }
    }
}

impl<T: 'static> DStream<T> {
    /// One number per batch, `[0]` for an empty one, as Spark's.
    pub fn count(self) -> DStream<i64> {
        let slide = self.slide;
        self.unary("count", slide, |_, batch, _| Some(vec![batch.len() as i64]))
    }

    /// One value per batch, nothing for an empty batch.
    pub fn reduce(self, mut f: impl FnMut(T, T) -> T + 'static) -> DStream<T> {
        let slide = self.slide;
        self.unary("reduce", slide, move |_, batch, _| {
            Some(batch.into_iter().reduce(&mut f).into_iter().collect())
        })
    }
}

impl<T: Hash + Eq + 'static> DStream<T> {
    /// `(value, count)` for each distinct value of the batch.
    pub fn count_by_value(self) -> DStream<(T, i64)> {
        let graph = self.graph.clone();
        graph.stage("count_by_value", || {
            self.map(|x| (x, 1)).reduce_by_key(|a, b| a + b)
        })
    }
}

impl<K: Hash + Eq + 'static, V: Default + 'static> DStream<(K, V)> {
    /// Pairs reduced per key within the batch.
    pub fn reduce_by_key(self, mut f: impl FnMut(V, V) -> V + 'static) -> DStream<(K, V)> {
        let slide = self.slide;
        self.unary("reduce_by_key", slide, move |_, batch, _| {
            let mut acc = FxHashMap::default();
            reduce_into(&mut acc, batch, &mut f);
            Some(acc.into_iter().collect())
        })
    }
}

impl<K: Hash + Eq + 'static, V: 'static> DStream<(K, V)> {
    /// `(key, values)`, values in arrival order.
    pub fn group_by_key(self) -> DStream<(K, Vec<V>)> {
        let slide = self.slide;
        self.unary("group_by_key", slide, |_, batch, _| {
            let mut groups: FxHashMap<K, Vec<V>> = FxHashMap::default();
            for (k, v) in batch {
                groups.entry(k).or_default().push(v);
            }
            Some(groups.into_iter().collect())
        })
    }
}
