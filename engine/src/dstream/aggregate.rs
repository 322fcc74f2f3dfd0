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
    /// Spark's `count`: one number per batch, the batch's records; `[0]`
    /// for an empty batch, as Spark's.
    ///
    /// # Examples
    ///
    /// ```
    /// # use sparklet_engine::dstream::StreamingContext;
    /// # use sparklet_engine::Duration;
    /// let mut ssc = StreamingContext::new(Duration::from_secs(1));
    /// let (input, words) = ssc.queue_stream::<&str>();
    /// let out = ssc.collect(words.count());
    /// input.push(vec!["a", "b", "a"]);
    /// input.push(vec![]);
    /// ssc.run_batches(2);
    /// assert_eq!(out.take(), vec![(1000, vec![3]), (2000, vec![0])]);
    /// ```
    pub fn count(self) -> DStream<i64> {
        let slide = self.slide;
        self.unary("count", slide, |_, batch, _| Some(vec![batch.len() as i64]))
    }

    /// Spark's `reduce`: the batch's records folded into one with `f`;
    /// nothing (an empty batch) for an empty batch, as Spark's.
    ///
    /// # Examples
    ///
    /// ```
    /// # use sparklet_engine::dstream::StreamingContext;
    /// # use sparklet_engine::Duration;
    /// let mut ssc = StreamingContext::new(Duration::from_secs(1));
    /// let (input, numbers) = ssc.queue_stream();
    /// let out = ssc.collect(numbers.reduce(|a: i64, b| a.max(b)));
    /// input.push(vec![3, 7, 5]);
    /// input.push(vec![]);
    /// ssc.run_batches(2);
    /// assert_eq!(out.take(), vec![(1000, vec![7]), (2000, vec![])]);
    /// ```
    pub fn reduce(self, mut f: impl FnMut(T, T) -> T + 'static) -> DStream<T> {
        let slide = self.slide;
        self.unary("reduce", slide, move |_, batch, _| {
            Some(batch.into_iter().reduce(&mut f).into_iter().collect())
        })
    }
}

impl<T: Hash + Eq + 'static> DStream<T> {
    /// Spark's `countByValue`: `(value, count)` for each distinct value of
    /// the batch, in no particular order.
    ///
    /// # Examples
    ///
    /// ```
    /// # use sparklet_engine::dstream::StreamingContext;
    /// # use sparklet_engine::Duration;
    /// let mut ssc = StreamingContext::new(Duration::from_secs(1));
    /// let (input, words) = ssc.queue_stream();
    /// let out = ssc.collect(words.count_by_value());
    /// input.push(vec!["b", "a", "b"]);
    /// ssc.run_batch();
    /// let (t, mut counts) = out.take().remove(0);
    /// counts.sort();
    /// assert_eq!((t, counts), (1000, vec![("a", 1), ("b", 2)]));
    /// ```
    pub fn count_by_value(self) -> DStream<(T, i64)> {
        let graph = self.graph.clone();
        graph.stage("count_by_value", || {
            self.map(|x| (x, 1)).reduce_by_key(|a, b| a + b)
        })
    }
}

impl<K: Hash + Eq + 'static, V: Default + 'static> DStream<(K, V)> {
    /// Spark's `reduceByKey`: each key's values in the batch folded into
    /// one with `f`, in no particular order. Nothing carries over to the
    /// next batch (see the windows and `update_state_by_key` for that).
    ///
    /// # Examples
    ///
    /// ```
    /// # use sparklet_engine::dstream::StreamingContext;
    /// # use sparklet_engine::Duration;
    /// let mut ssc = StreamingContext::new(Duration::from_secs(1));
    /// let (input, pairs) = ssc.queue_stream();
    /// let out = ssc.collect(pairs.reduce_by_key(|a: i64, b| a + b));
    /// input.push(vec![("a", 1), ("b", 2), ("a", 3)]);
    /// input.push(vec![("b", 1)]);
    /// ssc.run_batches(2);
    /// let mut got = out.take();
    /// got[0].1.sort();
    /// assert_eq!(got, vec![(1000, vec![("a", 4), ("b", 2)]), (2000, vec![("b", 1)])]);
    /// ```
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
    /// Spark's `groupByKey`: `(key, values)` for each key of the batch,
    /// its values in arrival order; keys in no particular order.
    ///
    /// # Examples
    ///
    /// ```
    /// # use sparklet_engine::dstream::StreamingContext;
    /// # use sparklet_engine::Duration;
    /// let mut ssc = StreamingContext::new(Duration::from_secs(1));
    /// let (input, pairs) = ssc.queue_stream();
    /// let out = ssc.collect(pairs.group_by_key());
    /// input.push(vec![("b", 1), ("a", 2), ("b", 3)]);
    /// ssc.run_batch();
    /// let (_, mut groups) = out.take().remove(0);
    /// groups.sort();
    /// assert_eq!(groups, vec![("a", vec![2]), ("b", vec![1, 3])]);
    /// ```
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
