//! Reduced windows, as Spark builds them: `reduce_by_key_and_window`
//! without an inverse, and on the inverse window (`inverse`)
//! `count_by_value_and_window`, `reduce_by_window` and `count_by_window`.
//!
//! Each batch is reduced by key into a pane. Plain windows merge the panes
//! in the window at every slide: O(window).

use std::cell::RefCell;
use std::hash::Hash;
use std::rc::Rc;

use rustc_hash::FxHashMap;

use crate::dstream::aggregate::{merge, reduce_into};
use crate::dstream::window::{Panes, WindowClock, WindowError};
use crate::dstream::DStream;
use crate::duration::Duration;

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
