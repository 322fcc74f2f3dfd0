//! Reduced windows, as Spark builds them: `reduce_by_key_and_window`
//! (plain, and with an inverse function as ReducedWindowedDStream does),
//! and on top of it `count_by_value_and_window`, `reduce_by_window` and
//! `count_by_window`.
//!
//! Each batch is reduced by key into a pane. Plain windows merge the panes
//! in the window at every slide: O(window). Inverse windows keep the last
//! window's value and apply only what changed: minus the panes that left,
//! plus the panes that entered, so a slide costs O(keys in those panes)
//! whatever the window's length. A key that falls to its zero stays (Spark
//! keeps it) unless a filter drops it.

use std::cell::RefCell;
use std::collections::hash_map::Entry;
use std::hash::Hash;
use std::rc::Rc;

use rustc_hash::FxHashMap;

use crate::dstream::aggregate::{merge, reduce_into};
use crate::dstream::state::evict_oldest;
use crate::dstream::window::{Panes, WindowClock, WindowError};
use crate::dstream::DStream;
use crate::duration::Duration;

/// Keeps a key in an inverse window's state (Spark's `filterFunc`).
pub type KeepKey<K, V> = Box<dyn FnMut(&K, &V) -> bool>;

/// An inverse window's state: the panes still to leave, and per key the
/// window's value and the last slide that changed it.
pub struct InverseState<K, V> {
    pub panes: Panes<FxHashMap<K, V>>,
    pub state: FxHashMap<K, (V, u64)>,
}

impl<K, V> Default for InverseState<K, V> {
    fn default() -> Self {
        InverseState {
            panes: Panes::default(),
            state: FxHashMap::default(),
        }
    }
}

impl<K: Hash + Eq + Clone + 'static, V: Clone + Default + 'static> DStream<(K, V)> {
    /// Spark's `reduceByKeyAndWindow(f, len, slide)`: the window's pairs
    /// reduced by key, recomputed from the panes at each slide.
    pub fn reduce_by_key_and_window(
        self,
        mut f: impl FnMut(V, V) -> V + 'static,
        len: Duration,
        slide: Option<Duration>,
    ) -> Result<DStream<(K, V)>, WindowError> {
        let clock = WindowClock::new(&self, len, slide)?;
        let kept: Rc<RefCell<Panes<FxHashMap<K, V>>>> = Rc::default();
        self.graph().keep(&kept);
        Ok(self.unary(clock.slide(), move |t, batch, _| {
            let mut panes = kept.borrow_mut();
            let panes = &mut *panes;
            push_pane(panes, t, batch, &mut f);
            let (now, len) = (t as i128, clock.len as i128);
            let out = clock
                .emits_at(t)
                .then(|| merged(panes, &mut f, now - len, now).into_iter().collect());
            panes.expire(now - len);
            out
        }))
    }

    /// Spark's `reduceByKeyAndWindow(f, inv, len, slide, filter)`: the same
    /// result kept incrementally; `inv` undoes `f`. Keys stay at their
    /// inverse-reduced value unless `keep` says otherwise.
    pub fn reduce_by_key_and_window_inverse(
        self,
        mut f: impl FnMut(V, V) -> V + 'static,
        mut inv: impl FnMut(V, V) -> V + 'static,
        len: Duration,
        slide: Option<Duration>,
        mut keep: Option<KeepKey<K, V>>,
    ) -> Result<DStream<(K, V)>, WindowError> {
        let clock = WindowClock::new(&self, len, slide)?;
        if clock.len < clock.slide {
            return Err(WindowError::InverseShorterThanSlide {
                len,
                slide: clock.slide(),
            });
        }
        let kept: Rc<RefCell<InverseState<K, V>>> = Rc::default();
        self.graph().keep(&kept);
        Ok(self.unary(clock.slide(), move |t, batch, cx| {
            let mut kept = kept.borrow_mut();
            let InverseState { panes, state } = &mut *kept;
            push_pane(panes, t, batch, &mut f);
            if !clock.emits_at(t) {
                return None;
            }
            let (now, len, slide) = (t as i128, clock.len as i128, clock.slide as i128);
            let leaving = merged(panes, &mut f, now - slide - len, now - len);
            let entering = merged(panes, &mut f, now - slide, now);
            for (k, v) in &leaving {
                if let Some((slot, _)) = state.get_mut(k) {
                    *slot = inv(std::mem::take(slot), v.clone());
                }
            }
            let touched: Vec<K> = match keep {
                Some(_) => leaving
                    .into_keys()
                    .chain(entering.keys().cloned())
                    .collect(),
                None => Vec::new(),
            };
            for (k, v) in entering {
                match state.entry(k) {
                    Entry::Occupied(mut seen) => {
                        let (slot, updated) = seen.get_mut();
                        *slot = f(std::mem::take(slot), v);
                        *updated = t;
                    }
                    Entry::Vacant(new) => {
                        new.insert((v, t));
                    }
                }
            }
            // Only keys that changed can change the filter's verdict.
            if let Some(keep) = keep.as_mut() {
                for k in touched {
                    if state.get(&k).is_some_and(|(v, _)| !keep(&k, v)) {
                        state.remove(&k);
                    }
                }
            }
            *cx.evicted += evict_oldest(state, cx.max_keys, |(_, updated)| *updated) as u64;
            panes.expire(now - len);
            Some(
                state
                    .iter()
                    .map(|(k, (v, _))| (k.clone(), v.clone()))
                    .collect(),
            )
        }))
    }
}

impl<T: Hash + Eq + Clone + 'static> DStream<T> {
    /// Spark's `countByValueAndWindow`: `map((_, 1L))` then the inverse
    /// window with a filter that drops counts of zero.
    pub fn count_by_value_and_window(
        self,
        len: Duration,
        slide: Option<Duration>,
    ) -> Result<DStream<(T, i64)>, WindowError> {
        self.map(|x| (x, 1i64))
            .sum_counts_by_key_and_window(len, slide)
    }
}

impl<K: Hash + Eq + Clone + 'static> DStream<(K, i64)> {
    /// `count_by_value_and_window` after its `map((_, 1L))`: counts summed
    /// per key over the window, zeros dropped. A stream that already
    /// counted each key per batch (a map-side combine) joins here.
    pub fn sum_counts_by_key_and_window(
        self,
        len: Duration,
        slide: Option<Duration>,
    ) -> Result<DStream<(K, i64)>, WindowError> {
        self.reduce_by_key_and_window_inverse(
            |a, b| a + b,
            |a, b| a - b,
            len,
            slide,
            Some(Box::new(|_, n| *n != 0)),
        )
    }
}

impl<T: Clone + 'static> DStream<T> {
    /// Spark's `reduceByWindow(f, len, slide)`:
    /// `reduce(f).window(len, slide).reduce(f)`; nothing for an empty window.
    pub fn reduce_by_window(
        self,
        f: impl FnMut(T, T) -> T + 'static,
        len: Duration,
        slide: Option<Duration>,
    ) -> Result<DStream<T>, WindowError> {
        let f = Rc::new(RefCell::new(f));
        let g = f.clone();
        let per_batch = self.reduce(move |a, b| (f.borrow_mut())(a, b));
        Ok(per_batch
            .window(len, slide)?
            .reduce(move |a, b| (g.borrow_mut())(a, b)))
    }
}

impl<T: Clone + Default + 'static> DStream<T> {
    /// Spark's `reduceByWindow(f, inv, len, slide)`: one key through the
    /// inverse window, so it emits nothing until the first record and the
    /// inverse-reduced value (e.g. 0) once the window empties.
    pub fn reduce_by_window_inverse(
        self,
        f: impl FnMut(T, T) -> T + 'static,
        inv: impl FnMut(T, T) -> T + 'static,
        len: Duration,
        slide: Option<Duration>,
    ) -> Result<DStream<T>, WindowError> {
        let keyed = self.map(|x| ((), x));
        Ok(keyed
            .reduce_by_key_and_window_inverse(f, inv, len, slide, None)?
            .map(|(_, v)| v))
    }
}

impl<T: 'static> DStream<T> {
    /// Spark's `countByWindow`: `map(_ => 1L).reduceByWindow(_ + _, _ - _)`.
    pub fn count_by_window(
        self,
        len: Duration,
        slide: Option<Duration>,
    ) -> Result<DStream<i64>, WindowError> {
        self.map(|_| 1i64)
            .reduce_by_window_inverse(|a, b| a + b, |a, b| a - b, len, slide)
    }
}

fn push_pane<K: Hash + Eq, V: Default>(
    panes: &mut Panes<FxHashMap<K, V>>,
    t: u64,
    batch: Vec<(K, V)>,
    f: &mut impl FnMut(V, V) -> V,
) {
    let mut pane = FxHashMap::default();
    reduce_into(&mut pane, batch, f);
    panes.push(t, pane);
}

/// The panes with time in `(from, to]` merged into one.
fn merged<K: Hash + Eq + Clone, V: Clone + Default>(
    panes: &Panes<FxHashMap<K, V>>,
    f: &mut impl FnMut(V, V) -> V,
    from: i128,
    to: i128,
) -> FxHashMap<K, V> {
    let mut acc = FxHashMap::default();
    for pane in panes.range(from, to) {
        for (k, v) in pane {
            merge(&mut acc, k.clone(), v.clone(), f);
        }
    }
    acc
}
