//! Reduced windows, as Spark builds them: `reduce_by_key_and_window`
//! without an inverse, and on the inverse window (`inverse`)
//! `count_by_value_and_window`, `reduce_by_window` and `count_by_window`.
//!
//! Each batch is reduced by key into a pane. Plain windows merge the panes
//! in the window at every slide: O(window). They hold at most `max_keys`
//! keys (the least recently seen leave every pane) and their share of the
//! state budget (the oldest panes leave early), counting what they evict.

use std::cell::RefCell;
use std::hash::Hash;
use std::rc::Rc;

use rustc_hash::{FxHashMap, FxHashSet};

use crate::checkpoint::Codec;
use crate::dstream::aggregate::reduce_into;
use crate::dstream::footprint::Footprint;
use crate::dstream::state::oldest;
use crate::dstream::window::{Panes, WindowClock, WindowError};
use crate::dstream::DStream;
use crate::duration::Duration;

impl<K, V> DStream<(K, V)>
where
    K: Hash + Eq + Clone + Footprint + Codec + 'static,
    V: Clone + Default + Footprint + Codec + 'static,
{
    /// Spark's `reduceByKeyAndWindow(f, len, slide)`: the window's pairs
    /// reduced by key, recomputed from the panes at each slide; keys in no
    /// particular order. A key none of whose pairs is in the window is not
    /// in the output (unlike the inverse window, which keeps it at zero).
    ///
    /// # Examples
    ///
    /// ```
    /// # use sparklet_engine::dstream::StreamingContext;
    /// # use sparklet_engine::Duration;
    /// let mut ssc = StreamingContext::new(Duration::from_secs(1));
    /// let (input, pairs) = ssc.queue_stream();
    /// let sums = pairs.reduce_by_key_and_window(|a: i64, b| a + b, Duration::from_secs(2), None);
    /// let out = ssc.collect(sums.unwrap());
    /// input.push(vec![('a', 1)]);
    /// input.push(vec![('a', 2), ('b', 5)]);
    /// ssc.run_batches(4);
    /// let mut got = out.take();
    /// got.iter_mut().for_each(|(_, sums)| sums.sort());
    /// assert_eq!(got[0], (1000, vec![('a', 1)]));
    /// assert_eq!(got[1], (2000, vec![('a', 3), ('b', 5)]));
    /// assert_eq!(got[2], (3000, vec![('a', 2), ('b', 5)]));
    /// assert_eq!(got[3], (4000, vec![]));
    /// ```
    pub fn reduce_by_key_and_window(
        self,
        mut f: impl FnMut(V, V) -> V + 'static,
        len: Duration,
        slide: Option<Duration>,
    ) -> Result<DStream<(K, V)>, WindowError> {
        let clock = WindowClock::new(&self, len, slide)?;
        let kept: Rc<RefCell<Panes<FxHashMap<K, V>>>> = Rc::default();
        self.graph().keep_window(&kept, clock.len);
        Ok(self.unary(
            "reduce_by_key_and_window",
            clock.slide(),
            move |t, batch, cx| {
                let mut panes = kept.borrow_mut();
                let panes = &mut *panes;
                *cx.evicted += push_pane(panes, t, batch, &mut f, cx.max_keys);
                let (now, len) = (t as i128, clock.len as i128);
                let out = clock.emits_at(t).then(|| {
                    let mut window = merged(panes, &mut f, now - len, now);
                    *cx.evicted += evict_keys(panes, &mut window, cx.max_keys);
                    window.into_iter().map(|(k, (v, _))| (k, v)).collect()
                });
                panes.expire(now - len);
                *cx.evicted += shed_oldest(panes, cx.budget);
                out
            },
        ))
    }
}

impl<T: Hash + Eq + Clone + Footprint + Codec + 'static> DStream<T> {
    /// Spark's `countByValueAndWindow`: `map((_, 1L))` then the inverse
    /// window with a filter that drops counts of zero, so a value leaves
    /// the output when its last record leaves the window.
    ///
    /// # Examples
    ///
    /// ```
    /// # use sparklet_engine::dstream::StreamingContext;
    /// # use sparklet_engine::Duration;
    /// let mut ssc = StreamingContext::new(Duration::from_secs(1));
    /// let (input, words) = ssc.queue_stream();
    /// let counts = words.count_by_value_and_window(Duration::from_secs(2), None);
    /// let out = ssc.collect(counts.unwrap());
    /// input.push(vec!['a', 'b']);
    /// input.push(vec!['a']);
    /// ssc.run_batches(4);
    /// let mut got = out.take();
    /// got.iter_mut().for_each(|(_, counts)| counts.sort());
    /// assert_eq!(got[0], (1000, vec![('a', 1), ('b', 1)]));
    /// assert_eq!(got[1], (2000, vec![('a', 2), ('b', 1)]));
    /// assert_eq!(got[2], (3000, vec![('a', 1)]));
    /// assert_eq!(got[3], (4000, vec![]));
    /// ```
    pub fn count_by_value_and_window(
        self,
        len: Duration,
        slide: Option<Duration>,
    ) -> Result<DStream<(T, i64)>, WindowError> {
        let graph = self.graph.clone();
        graph.stage("count_by_value_and_window", || {
            self.map(|x| (x, 1i64))
                .sum_counts_by_key_and_window(len, slide)
        })
    }
}

impl<K: Hash + Eq + Clone + Footprint + Codec + 'static> DStream<(K, i64)> {
    /// `count_by_value_and_window` after its `map((_, 1L))`: counts summed
    /// per key over the window, zeros dropped. A stream that already
    /// counted each key per batch (a map-side combine) joins here.
    ///
    /// # Examples
    ///
    /// ```
    /// # use sparklet_engine::dstream::StreamingContext;
    /// # use sparklet_engine::Duration;
    /// let mut ssc = StreamingContext::new(Duration::from_secs(1));
    /// let (input, counted) = ssc.queue_stream();
    /// let sums = counted.sum_counts_by_key_and_window(Duration::from_secs(2), None);
    /// let out = ssc.collect(sums.unwrap());
    /// input.push(vec![('a', 3)]);
    /// input.push(vec![('a', 2), ('b', 1)]);
    /// ssc.run_batches(4);
    /// let mut got = out.take();
    /// got.iter_mut().for_each(|(_, sums)| sums.sort());
    /// assert_eq!(got[1], (2000, vec![('a', 5), ('b', 1)]));
    /// assert_eq!(got[2], (3000, vec![('a', 2), ('b', 1)]));
    /// assert_eq!(got[3], (4000, vec![]));
    /// ```
    pub fn sum_counts_by_key_and_window(
        self,
        len: Duration,
        slide: Option<Duration>,
    ) -> Result<DStream<(K, i64)>, WindowError> {
        // Longs wrap, as the JVM's do (and a restored count cannot panic).
        self.reduce_by_key_and_window_inverse(
            i64::wrapping_add,
            i64::wrapping_sub,
            len,
            slide,
            Some(Box::new(|_, n| *n != 0)),
        )
    }
}

impl<T: Clone + Footprint + Codec + 'static> DStream<T> {
    /// Spark's `reduceByWindow(f, len, slide)`:
    /// `reduce(f).window(len, slide).reduce(f)`; nothing for an empty window.
    ///
    /// # Examples
    ///
    /// ```
    /// # use sparklet_engine::dstream::StreamingContext;
    /// # use sparklet_engine::Duration;
    /// let mut ssc = StreamingContext::new(Duration::from_secs(1));
    /// let (input, numbers) = ssc.queue_stream();
    /// let sums = numbers.reduce_by_window(|a: i64, b| a + b, Duration::from_secs(2), None);
    /// let out = ssc.collect(sums.unwrap());
    /// input.push(vec![1, 2]);
    /// input.push(vec![3]);
    /// ssc.run_batches(4);
    /// assert_eq!(
    ///     out.take(),
    ///     vec![(1000, vec![3]), (2000, vec![6]), (3000, vec![3]), (4000, vec![])]
    /// );
    /// ```
    pub fn reduce_by_window(
        self,
        f: impl FnMut(T, T) -> T + 'static,
        len: Duration,
        slide: Option<Duration>,
    ) -> Result<DStream<T>, WindowError> {
        let f = Rc::new(RefCell::new(f));
        let g = f.clone();
        let graph = self.graph.clone();
        graph.stage("reduce_by_window", || {
            let per_batch = self.reduce(move |a, b| (f.borrow_mut())(a, b));
            Ok(per_batch
                .window(len, slide)?
                .reduce(move |a, b| (g.borrow_mut())(a, b)))
        })
    }
}

impl<T: Clone + Default + Footprint + Codec + 'static> DStream<T> {
    /// Spark's `reduceByWindow(f, inv, len, slide)`: one key through the
    /// inverse window, so it emits nothing until the first record and the
    /// inverse-reduced value (e.g. 0) once the window empties.
    ///
    /// # Examples
    ///
    /// ```
    /// # use sparklet_engine::dstream::StreamingContext;
    /// # use sparklet_engine::Duration;
    /// let mut ssc = StreamingContext::new(Duration::from_secs(1));
    /// let (input, numbers) = ssc.queue_stream();
    /// let (add, sub) = (|a: i64, b| a + b, |a: i64, b| a - b);
    /// let sums = numbers.reduce_by_window_inverse(add, sub, Duration::from_secs(2), None);
    /// let out = ssc.collect(sums.unwrap());
    /// input.push(vec![]);
    /// input.push(vec![1, 2]);
    /// input.push(vec![3]);
    /// ssc.run_batches(5);
    /// let got: Vec<Vec<i64>> = out.take().into_iter().map(|(_, v)| v).collect();
    /// assert_eq!(got, vec![vec![], vec![3], vec![6], vec![3], vec![0]]);
    /// ```
    pub fn reduce_by_window_inverse(
        self,
        f: impl FnMut(T, T) -> T + 'static,
        inv: impl FnMut(T, T) -> T + 'static,
        len: Duration,
        slide: Option<Duration>,
    ) -> Result<DStream<T>, WindowError> {
        let graph = self.graph.clone();
        graph.stage("reduce_by_window", || {
            let keyed = self.map(|x| ((), x));
            Ok(keyed
                .reduce_by_key_and_window_inverse(f, inv, len, slide, None)?
                .map(|(_, v)| v))
        })
    }
}

impl<T: 'static> DStream<T> {
    /// Spark's `countByWindow`: `map(_ => 1L).reduceByWindow(_ + _, _ - _)`:
    /// the records in the window; nothing before the first record, 0 once
    /// the window empties (unlike `count`, which gives 0 for every empty
    /// batch).
    ///
    /// # Examples
    ///
    /// ```
    /// # use sparklet_engine::dstream::StreamingContext;
    /// # use sparklet_engine::Duration;
    /// let mut ssc = StreamingContext::new(Duration::from_secs(1));
    /// let (input, words) = ssc.queue_stream();
    /// let counts = ssc.collect(words.count_by_window(Duration::from_secs(2), None).unwrap());
    /// input.push(vec![]);
    /// input.push(vec!['x', 'y']);
    /// input.push(vec!['z']);
    /// ssc.run_batches(5);
    /// let got: Vec<Vec<i64>> = counts.take().into_iter().map(|(_, v)| v).collect();
    /// assert_eq!(got, vec![vec![], vec![2], vec![3], vec![1], vec![0]]);
    /// ```
    pub fn count_by_window(
        self,
        len: Duration,
        slide: Option<Duration>,
    ) -> Result<DStream<i64>, WindowError> {
        let graph = self.graph.clone();
        graph.stage("count_by_window", || {
            self.map(|_| 1i64).reduce_by_window_inverse(
                i64::wrapping_add,
                i64::wrapping_sub,
                len,
                slide,
            )
        })
    }
}

/// Reduces a batch by key into a pane at `t`, of at most `max` keys (a
/// flood batch's excess keys are evicted); returns how many were.
fn push_pane<K: Hash + Eq + Footprint, V: Default + Footprint>(
    panes: &mut Panes<FxHashMap<K, V>>,
    t: u64,
    batch: Vec<(K, V)>,
    f: &mut impl FnMut(V, V) -> V,
    max: usize,
) -> u64 {
    let mut pane = FxHashMap::default();
    reduce_into(&mut pane, batch, f);
    let excess = pane.len().saturating_sub(max);
    if excess > 0 {
        let mut dropped = 0;
        pane.retain(|_, _| {
            dropped += 1;
            dropped > excess
        });
        pane.shrink_to_fit();
    }
    panes.push(t, pane);
    excess as u64
}

/// The panes with time in `(from, to]` merged into one, with the time of
/// the newest pane that holds each key.
fn merged<K: Hash + Eq + Clone + Footprint, V: Clone + Default + Footprint>(
    panes: &Panes<FxHashMap<K, V>>,
    f: &mut impl FnMut(V, V) -> V,
    from: i128,
    to: i128,
) -> FxHashMap<K, (V, u64)> {
    let mut acc: FxHashMap<K, (V, u64)> = FxHashMap::default();
    for (t, pane) in panes.range_timed(from, to) {
        for (k, v) in pane {
            match acc.get_mut(k) {
                Some((seen, at)) => {
                    *seen = f(std::mem::take(seen), v.clone());
                    *at = t;
                }
                None => {
                    acc.insert(k.clone(), (v.clone(), t));
                }
            }
        }
    }
    acc
}

/// Keeps the window to `max` keys: the keys seen least recently leave the
/// window's result and every pane that can hold them (none is newer than
/// the newest time one of them was seen). Returns how many left.
fn evict_keys<K: Hash + Eq + Clone + Footprint, V: Clone + Footprint>(
    panes: &mut Panes<FxHashMap<K, V>>,
    window: &mut FxHashMap<K, (V, u64)>,
    max: usize,
) -> u64 {
    let excess = window.len().saturating_sub(max);
    if excess == 0 {
        return 0;
    }
    let ages = window.iter().map(|(k, (_, at))| (*at, k));
    let gone: FxHashSet<K> = oldest(ages, excess).into_iter().cloned().collect();
    let newest = gone
        .iter()
        .filter_map(|k| window.get(k))
        .map(|(_, at)| *at)
        .max();
    window.retain(|k, _| !gone.contains(k));
    panes.edit_upto(newest.unwrap_or(0), |pane| {
        pane.retain(|k, _| !gone.contains(k))
    });
    excess as u64
}

/// Keeps the panes to `budget` bytes: the oldest leave early (the newest
/// always stays, bounded by the key limit). Returns the entries that left.
fn shed_oldest<K: Footprint, V: Footprint>(
    panes: &mut Panes<FxHashMap<K, V>>,
    budget: usize,
) -> u64 {
    let mut evicted = 0;
    while panes.bytes() > budget && panes.len() > 1 {
        if let Some((_, pane)) = panes.pop_oldest() {
            evicted += pane.len() as u64;
        }
    }
    evicted
}
